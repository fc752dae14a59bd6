"""Typed exceptions (spec/errors.md).

Two families, as in cbor2 and securesystemslib:

* :class:`UntrustedDataError` — the input could not be read as the format
  (exit code 2 at the command line). :class:`MalformedBundle` is the bundle
  framing case.
* :class:`VerificationFailure` — the input was read and a check failed
  (exit code 1). Every instance carries a stable ``code`` from spec/errors.md.

Misuse of the API by a caller raises :class:`UsageError`.
"""

from __future__ import annotations


class ProvenoteError(Exception):
    """Base class of every error this package raises on purpose."""


class UsageError(ProvenoteError):
    """The caller passed arguments that make no sense (a programming or usage error)."""


class CodedError(ProvenoteError):
    """An error with a stable machine-readable code from spec/errors.md."""

    code: str = "error"

    def __init__(self, code: str, message: str, *, event: int | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.event = event  # seq of the event concerned, where there is one

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"


class UntrustedDataError(CodedError):
    """Input bytes could not be parsed under the format's rules and limits (exit 2)."""


class MalformedBundle(UntrustedDataError):
    """The bundle's framing is broken: not a CBOR sequence of records, truncated, over a limit."""


class VerificationFailure(CodedError):
    """A check of spec/verification.md failed (exit 1)."""

"""The closed vocabulary of error codes (spec/errors.md) and the typed exceptions that carry them.

Two families, as in cbor2 and securesystemslib:

* :class:`CodedError` — untrusted input broke a rule of the format. Every instance carries a
  :class:`Code` from spec/errors.md, and the code says the exit status (2: the input could not
  be read as the format at all; 1: it was read and a check failed).
* :class:`UsageError` (a ``ValueError``) — a caller passed arguments that make no sense.

Nothing else is ever emitted as a code: a ``Code`` member is the only way to build one, and a
test holds the members equal to the table in spec/errors.md.
"""

from __future__ import annotations

import enum


class Code(enum.StrEnum):
    """One stable, machine-readable error code. A member is its text (``Code.CHAIN_EMPTY ==
    "chain.empty"``); ``exit_status`` is 2 for input that could not be read as a bundle, 1 for a
    failed check, 0 for a warning; ``step`` is the step of spec/verification.md reporting it."""

    exit_status: int
    step: str

    def __new__(cls, text: str, exit_status: int, step: str) -> Code:
        member = str.__new__(cls, text)
        member._value_ = text
        return member

    def __init__(self, text: str, exit_status: int, step: str) -> None:
        self.exit_status = exit_status
        self.step = step

    @classmethod
    def from_text(cls, text: str) -> Code:
        """The member whose text is ``text``. Raises ValueError for any text outside the table."""
        member = cls._value2member_map_.get(text)
        if not isinstance(member, Code):
            raise ValueError(f"{text!r} is not an error code of spec/errors.md")
        return member

    @property
    def fatal(self) -> bool:
        """Whether the code stops verification: the bundle could not be read (exit 2)."""
        return self.exit_status == 2

    def __str__(self) -> str:
        return str(self.value)

    # V1 framing: the bundle cannot be read (exit 2)
    BUNDLE_MALFORMED = ("bundle.malformed", 2, "V1")
    BUNDLE_TRUNCATED = ("bundle.truncated", 2, "V1")
    BUNDLE_TOO_LARGE = ("bundle.too_large", 2, "V1")
    BUNDLE_VERSION_UNSUPPORTED = ("bundle.version_unsupported", 2, "V1")
    BUNDLE_ORDER = ("bundle.order", 2, "V1")
    # V2 key cards
    KEY_MALFORMED = ("key.malformed", 1, "V2")
    KEY_HEADER_INVALID = ("key.header_invalid", 1, "V2")
    KEY_SELF_SIGNATURE_INVALID = ("key.self_signature_invalid", 1, "V2")
    KEY_DUPLICATE = ("key.duplicate", 1, "V2")
    KEY_UNUSED = ("key.unused", 1, "V2")
    # V3 envelope and encoding
    EVENT_TOO_LARGE = ("event.too_large", 1, "V3")
    EVENT_MALFORMED = ("event.malformed", 1, "V3")
    EVENT_NONCANONICAL = ("event.noncanonical", 1, "V3")
    EVENT_HEADER_INVALID = ("event.header_invalid", 1, "V3")
    # V4 payload schema
    EVENT_SCHEMA_INVALID = ("event.schema_invalid", 1, "V4")
    # V5 signature
    EVENT_SIGNATURE_INVALID = ("event.signature_invalid", 1, "V5")
    LICENCE_SIGNATURE_INVALID = ("licence.signature_invalid", 1, "V5")
    # V6 chain
    CHAIN_SEQ_GAP = ("chain.seq_gap", 1, "V6")
    CHAIN_WORK_MISMATCH = ("chain.work_mismatch", 1, "V6")
    CHAIN_PREV_MISMATCH = ("chain.prev_mismatch", 1, "V6")
    TIME_REGRESSION = ("time.regression", 1, "V6")
    CHAIN_REFERENCE_INVALID = ("chain.reference_invalid", 1, "V6")
    CHAIN_SOURCE_TYPE_MISMATCH = ("chain.source_type_mismatch", 1, "V6")
    CHAIN_EMPTY = ("chain.empty", 1, "V6")
    KEY_MISSING = ("key.missing", 1, "V6")
    # V7 disclosures
    DISCLOSURE_MALFORMED = ("disclosure.malformed", 1, "V7")
    DISCLOSURE_MISMATCH = ("disclosure.mismatch", 1, "V7")
    # V8 assets
    ASSET_ORDER = ("asset.order", 1, "V8")
    ASSET_HASH_MISMATCH = ("asset.hash_mismatch", 1, "V8")
    ASSET_METADATA_MISMATCH = ("asset.metadata_mismatch", 1, "V8")
    ASSET_UNREFERENCED = ("asset.unreferenced", 1, "V8")
    ASSET_MISSING = ("asset.missing", 0, "V8")  # a warning: never changes the verdict
    # V9 trailer
    BUNDLE_TRAILER_INVALID = ("bundle.trailer_invalid", 1, "V9")
    BUNDLE_TRAILER_SIGNATURE_INVALID = ("bundle.trailer_signature_invalid", 1, "V9")
    BUNDLE_TRAILER_MISMATCH = ("bundle.trailer_mismatch", 1, "V9")
    BUNDLE_TRAILING_DATA = ("bundle.trailing_data", 1, "V9")
    # V10 trust
    KEY_UNTRUSTED = ("key.untrusted", 1, "V10")
    # V11 the log: checkpoints, inclusion, consistency (spec/anchoring.md)
    LOG_MALFORMED = ("log.malformed", 1, "V11")
    LOG_SIGNATURE_INVALID = ("log.signature_invalid", 1, "V11")
    LOG_PROOF_INVALID = ("log.proof_invalid", 1, "V11")
    LOG_ORIGIN_MISMATCH = ("log.origin_mismatch", 1, "V11")
    LOG_INCONSISTENT = ("log.inconsistent", 1, "V11")
    LOG_EQUIVOCATION = ("log.equivocation", 1, "V11")
    # V12 time and witnesses
    TIMESTAMP_MISMATCH = ("timestamp.mismatch", 1, "V12")
    TIMESTAMP_UNTRUSTED = ("timestamp.untrusted", 0, "V12")  # a finding: never changes the verdict
    WITNESS_SIGNATURE_INVALID = ("witness.signature_invalid", 1, "V12")
    WITNESS_QUORUM_UNMET = ("witness.quorum_unmet", 1, "V12")
    # V13 licence coverage (spec/licensing.md): findings, never a change to the verdict
    LICENCE_UNSIGNED_PARTY = ("licence.unsigned_party", 0, "V13")
    LICENCE_EXPIRED = ("licence.expired", 0, "V13")
    USAGE_UNLICENSED = ("usage.unlicensed", 0, "V13")
    USAGE_OUTSIDE_TERRITORY = ("usage.outside_territory", 0, "V13")
    USAGE_OUTSIDE_MEDIA = ("usage.outside_media", 0, "V13")
    USAGE_OUTSIDE_TERM = ("usage.outside_term", 0, "V13")
    PAYMENT_MISSING = ("payment.missing", 0, "V13")
    PAYMENT_SHORT = ("payment.short", 0, "V13")
    GENERATION_NO_OUTPUT_LICENCE = ("generation.no_output_licence", 0, "V13")
    # V14 pre-release screening (spec/screening.md): a finding, never a change to the verdict
    SCREENING_UNLICENSED_MATCH = ("screening.unlicensed_match", 0, "V14")
    # provenote check (the ledger), not the bundle verifier
    CHAIN_HEAD_MISMATCH = ("chain.head_mismatch", 1, "check")
    # the codec on its own (the vectors of spec/vectors/events.json)
    CBOR_MALFORMED = ("cbor.malformed", 1, "codec")
    CBOR_NONCANONICAL = ("cbor.noncanonical", 1, "codec")


class ProvenoteError(Exception):
    """Base class of every error this project raises on purpose."""


class UsageError(ProvenoteError, ValueError):
    """The caller passed arguments that make no sense (misuse, not untrusted data)."""


class CodedError(ProvenoteError):
    """Untrusted input broke a rule of the format; ``code`` says which (spec/errors.md)."""

    def __init__(self, code: Code, message: str, *, event: int | None = None) -> None:
        if not isinstance(code, Code):
            raise TypeError(f"an error code is a Code member, not {code!r}")
        super().__init__(message)
        self.code = code
        self.message = message
        self.event = event  # seq (or position) of the event concerned, where there is one

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"


class UntrustedDataError(CodedError):
    """Input bytes could not be parsed under the format's rules and limits."""


class MalformedBundle(UntrustedDataError):
    """The bundle's framing is broken (V1): the code is one of the fatal ``bundle.*`` codes."""

    def __init__(self, code: Code, message: str, *, event: int | None = None) -> None:
        if not code.fatal:
            raise TypeError(f"{code} is not a framing code")
        super().__init__(code, message, event=event)


class VerificationFailure(CodedError):
    """A check of spec/verification.md failed."""


class SchemaError(UsageError):
    """A payload or body does not match its type's schema; the message names the field.

    A ``ValueError``: building an event from a bad draft is the caller's mistake. The verifier
    turns it into ``event.schema_invalid`` where the payload came from untrusted bytes."""

"""provenote's standalone verifier: checks an evidence bundle offline and reports.

Public surface::

    from verifier import Policy, verify_bundle, verify_package

    report = verify_bundle("night-market.bundle", Policy(trusted_keys=[raw_key], require_trusted=True))
    report.raise_for_invalid()          # or read report.valid, report.trusted, report.errors

    package = verify_package("case-42/", Policy())  # an evidence package (spec/package.md)
    package.defects, package.bundle, package.exit_code

The format itself (codec, events, chain rules, bundle records) is :mod:`verifier.format`; the
human-involvement method is :mod:`verifier.analysis`; text and HTML output :mod:`verifier.render`.

Runtime dependencies: ``cryptography``, ``cbor2`` and PyNaCl; ``rfc3161-client`` only when a
bundle holds an RFC 3161 timestamp (imported then, not before). This package never imports
``ledger``, ``cli``, ``lmdb`` or ``click`` (a test enforces it).
"""

from typing import TYPE_CHECKING, Any

from verifier._files import read_regular_file
from verifier._package import PackageDefect, PackageReport, verify_package
from verifier._report import (
    SPEC_VERSION,
    STEPS,
    VERIFIER_VERSION,
    ExistedBy,
    LicensingReport,
    LogReport,
    Policy,
    Report,
    SignerReport,
    TimestampReport,
)
from verifier._run import verify_bundle
from verifier._timestamp import TimestampCheck, check_timestamp, load_tsa_roots
from verifier.format import (
    Code,
    CodedError,
    Finding,
    MalformedBundle,
    ProvenoteError,
    UntrustedDataError,
    UsageError,
    VerificationFailure,
)

__all__ = [
    "SPEC_VERSION", "STEPS", "VERIFIER_VERSION", "C2paFileCheck", "Code", "CodedError", "ExistedBy",
    "Finding", "LabelFileCheck", "LabelFileError", "LicensingReport", "LogReport", "MalformedBundle",
    "NotChecked", "PackageDefect", "PackageReport", "Policy", "ProvenoteError", "Report", "SignerReport",
    "TimestampCheck", "TimestampReport", "UntrustedDataError", "UsageError", "VerificationFailure",
    "check_label_files", "check_timestamp", "find_audible_label", "load_tsa_roots", "read_aigc_label",
    "read_c2pa_actions", "read_regular_file", "verify_bundle", "verify_package",
]

#: Loaded on first use: most runs read no labelled file, and start-up stays light.
_LABEL_FILES = ("C2paFileCheck", "LabelFileCheck", "LabelFileError", "NotChecked", "check_label_files",
                "find_audible_label", "read_aigc_label", "read_c2pa_actions")

if TYPE_CHECKING:
    from verifier._labelfiles import (
        C2paFileCheck,
        LabelFileCheck,
        LabelFileError,
        NotChecked,
        check_label_files,
        find_audible_label,
        read_aigc_label,
        read_c2pa_actions,
    )


def __getattr__(name: str) -> Any:
    if name in _LABEL_FILES:
        from verifier import _labelfiles

        return getattr(_labelfiles, name)
    raise AttributeError(f"module 'verifier' has no attribute {name!r}")

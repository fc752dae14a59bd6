"""provenote's standalone verifier: checks an evidence bundle offline and reports.

Public surface::

    from verifier import Policy, verify_bundle, verify_package

    report = verify_bundle("night-market.bundle", Policy(trusted_keys=[raw_key], require_trusted=True))
    report.raise_for_invalid()          # or read report.valid, report.trusted, report.errors

    package = verify_package("case-42/", Policy())  # an evidence package (spec/package.md)
    package.defects, package.bundle, package.exit_code

Errors: ``verify_bundle`` never raises for a bad bundle — it reports; ``raise_for_invalid``
turns the report into :class:`MalformedBundle` (unreadable) or :class:`VerificationFailure` (a
failed check), each with its ``code`` (spec/errors.md). A bad argument raises :class:`UsageError`
(a ``ValueError``), a file that cannot be opened the usual ``OSError``. The project's errors are
:class:`ProvenoteError` and their type names are public (``verifier.format.UsageError``).

The format itself (codec, events, chain rules, bundle records) is :mod:`verifier.format`; the
human-involvement method is :mod:`verifier.analysis`; text and HTML output :mod:`verifier.render`.

Runtime dependencies: ``cryptography``, ``cbor2`` and PyNaCl; ``rfc3161-client`` only when a
bundle holds an RFC 3161 timestamp (imported then, not before); ``pypdf`` (the extra
``provenote[pdf]``) only to take the bundle out of a PDF report (spec/report-pdf.md). This package never imports
``ledger``, ``cli``, ``lmdb`` or ``click`` (a test enforces it).
"""

from typing import TYPE_CHECKING, Any

from verifier._files import read_regular_file
from verifier._package import PackageDefect, PackageReport, verify_package
from verifier._pdf import PdfBundle, extract_pdf_bundle, is_pdf
from verifier._report import (
    SPEC_VERSION,
    STEPS,
    VERIFIER_VERSION,
    ActivityBin,
    EventRow,
    EventTable,
    ExistedBy,
    FileStatus,
    LicensingReport,
    LogReport,
    Policy,
    Report,
    SignerReport,
    TimestampReport,
    WorkCodes,
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
    "SPEC_VERSION",
    "STEPS",
    "VERIFIER_VERSION",
    "ActivityBin",
    "C2paFileCheck",
    "Code",
    "CodedError",
    "EventRow",
    "EventTable",
    "ExistedBy",
    "FileStatus",
    "Finding",
    "LabelFileCheck",
    "LabelFileError",
    "LicensingReport",
    "LogReport",
    "MalformedBundle",
    "NotChecked",
    "PackageDefect",
    "PackageReport",
    "PdfBundle",
    "Policy",
    "ProvenoteError",
    "Report",
    "SignerReport",
    "TimestampCheck",
    "TimestampReport",
    "UntrustedDataError",
    "UsageError",
    "VerificationFailure",
    "WorkCodes",
    "check_label_files",
    "check_timestamp",
    "extract_pdf_bundle",
    "find_audible_label",
    "is_pdf",
    "load_tsa_roots",
    "read_aigc_label",
    "read_c2pa_actions",
    "read_regular_file",
    "verify_bundle",
    "verify_package",
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

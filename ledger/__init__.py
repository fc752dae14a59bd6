"""provenote's writer: the key store, the LMDB ledger, event drafts and export.

It imports only the format core's public face (:mod:`verifier.format`), so the writer and the
verifier share one definition of every rule. A tool or a DAW plug-in records a step so::

    import ledger
    from ledger import drafts

    with ledger.open_default_ledger() as book:            # ./.provenote or $PROVENOTE_LEDGER
        mei = ledger.default_key_store().unlock("mei", passphrase)  # $PROVENOTE_KEYS or XDG
        work = book.resolve_work(prefix)                  # or book.create_work(mei, title).work
        take = ledger.asset_from_file("take1.wav")        # hash, size, media type, duration
        made = book.append(work, mei, drafts.generation(model="cue-gen", outputs=[take], prompt="rain"))
        book.append(work, mei, drafts.human_edit(inputs=[take], output="edit.wav", kind="melody"))
        ledger.export_bundle(book, work, mei, Path("cue.bundle"), assets_from=Path("."))

:mod:`ledger.drafts` has one typed function per event type; :class:`EventDraft` is the draft
itself and :class:`DraftBuilder` reads JSON events (spec/json-events.md). Expected errors are
:class:`LedgerError`, :class:`KeyStoreError`, :class:`AssetError`, :class:`TsaError` and
:class:`WitnessError`, all :class:`verifier.format.UsageError` (a ``ValueError``) with a one-line
message; their type names are these public ones (``ledger.LedgerError``).
"""

from ledger import drafts
from ledger._agent import (
    AGENT_SOCK_ENV,
    AgentClient,
    AgentError,
    AgentKey,
    AgentStatus,
    AgentUnavailable,
    agent_signer,
    spawn_agent,
)
from ledger._assets import AssetError, describe_file, sha256_file
from ledger._attachments import AttachmentStore
from ledger._defaults import (
    DEFAULT_LEDGER_DIR,
    KEYS_ENV,
    LEDGER_ENV,
    PASSPHRASE_ENV,
    default_key_store,
    default_keys_dir,
    default_ledger_dir,
    open_default_ledger,
)
from ledger._drafts import DraftBuilder, parse_json_event, parse_params, parse_segment, parse_time
from ledger._export import DisclosureRequest, ExportResult, export_bundle, find_assets, parse_disclosures
from ledger._keystore import KeyStore, KeyStoreError, PublicKeyInfo, Signer
from ledger._licences import (
    COVERAGE_WORDS,
    USAGE_COLUMNS,
    LicencePrivate,
    LicenceStatus,
    SignatureStatus,
    check_signable,
    describe_parties,
    draft_licence,
    encode_usage_report,
    inspect_licence,
    licence_event_draft,
    party_names,
    private_path,
    read_document,
    resolve_party,
    sign_licence,
    signed_licence,
    usage_coverage,
    usage_report,
    write_atomic,
)
from ledger._package import PackageResult, export_package
from ledger._pdf import MAX_PDF_BUNDLE, PdfWritten, attachment_name, write_report_pdf
from ledger._store import (
    PROGRESS_EVERY,
    Appended,
    EventDraft,
    Head,
    Ledger,
    LedgerError,
    Snapshot,
    StoredEvent,
    WorkInfo,
    sign_event,
)
from ledger._tsa import TsaError, request_timestamp
from ledger._witness import Cosigned, Witness, WitnessError
from ledger.drafts import asset_from_file

__all__ = [
    "AGENT_SOCK_ENV",
    "COVERAGE_WORDS",
    "DEFAULT_LEDGER_DIR",
    "KEYS_ENV",
    "LEDGER_ENV",
    "MAX_PDF_BUNDLE",
    "PASSPHRASE_ENV",
    "PROGRESS_EVERY",
    "USAGE_COLUMNS",
    "AgentClient",
    "AgentError",
    "AgentKey",
    "AgentStatus",
    "AgentUnavailable",
    "Appended",
    "AssetError",
    "AttachmentStore",
    "Cosigned",
    "DisclosureRequest",
    "DraftBuilder",
    "EventDraft",
    "ExportResult",
    "Head",
    "KeyStore",
    "KeyStoreError",
    "Ledger",
    "LedgerError",
    "LicencePrivate",
    "LicenceStatus",
    "PackageResult",
    "PdfWritten",
    "PublicKeyInfo",
    "SignatureStatus",
    "Signer",
    "Snapshot",
    "StoredEvent",
    "TsaError",
    "Witness",
    "WitnessError",
    "WorkInfo",
    "agent_signer",
    "asset_from_file",
    "attachment_name",
    "check_signable",
    "default_key_store",
    "default_keys_dir",
    "default_ledger_dir",
    "describe_file",
    "describe_parties",
    "draft_licence",
    "drafts",
    "encode_usage_report",
    "export_bundle",
    "export_package",
    "find_assets",
    "inspect_licence",
    "licence_event_draft",
    "open_default_ledger",
    "parse_disclosures",
    "parse_json_event",
    "parse_params",
    "parse_segment",
    "parse_time",
    "party_names",
    "private_path",
    "read_document",
    "request_timestamp",
    "resolve_party",
    "sha256_file",
    "sign_event",
    "sign_licence",
    "signed_licence",
    "spawn_agent",
    "usage_coverage",
    "usage_report",
    "write_atomic",
    "write_report_pdf",
]

# Expected errors carry the name a caller imports them by (``ledger.LedgerError``), not the
# private module that defines them: tracebacks and reprs show only public names.
for _error in (AgentError, AgentUnavailable, AssetError, KeyStoreError, LedgerError, TsaError, WitnessError):
    _error.__module__ = __name__
del _error

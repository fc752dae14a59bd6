"""provenote's writer: the key store, the LMDB ledger, event drafts and export.

It imports only the format core's public face (:mod:`verifier.format`), so the writer and the
verifier share one definition of every rule. Public surface::

    from ledger import Ledger, KeyStore, EventDraft, DraftBuilder

    with Ledger.open(path) as book:
        signer = KeyStore(keys_dir).unlock("alice", passphrase)
        work = book.create_work(signer, "Night Market").work
        book.append(work, signer, EventDraft("note", {}, {"text": "first idea"}))
"""

from ledger._assets import AssetError, describe_file, sha256_file
from ledger._attachments import AttachmentStore
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
from ledger._store import (
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

__all__ = [
    "COVERAGE_WORDS",
    "USAGE_COLUMNS",
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
    "PublicKeyInfo",
    "SignatureStatus",
    "Signer",
    "Snapshot",
    "StoredEvent",
    "TsaError",
    "Witness",
    "WitnessError",
    "WorkInfo",
    "check_signable",
    "describe_file",
    "describe_parties",
    "draft_licence",
    "encode_usage_report",
    "export_bundle",
    "export_package",
    "find_assets",
    "inspect_licence",
    "licence_event_draft",
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
    "usage_coverage",
    "usage_report",
    "write_atomic",
]

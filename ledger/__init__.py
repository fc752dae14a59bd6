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
from ledger._export import DisclosureRequest, ExportResult, export_bundle, parse_disclosures
from ledger._keystore import KeyStore, KeyStoreError, PublicKeyInfo, Signer
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
    "PublicKeyInfo",
    "Signer",
    "Snapshot",
    "StoredEvent",
    "TsaError",
    "Witness",
    "WitnessError",
    "WorkInfo",
    "describe_file",
    "export_bundle",
    "parse_disclosures",
    "parse_json_event",
    "parse_params",
    "parse_segment",
    "parse_time",
    "request_timestamp",
    "sha256_file",
    "sign_event",
]

"""provenote's writer: the key store, the LMDB ledger, event drafts and export.

Public surface::

    from ledger import Ledger, KeyStore, EventDraft, DraftBuilder

    with Ledger.open(path) as book:
        signer = KeyStore(keys_dir).unlock("alice", passphrase)
        work = book.create_work(signer, "Night Market").work
        book.append(work, signer, EventDraft("note", {}, {"text": "first idea"}))
"""

from ledger._internal.assets import AssetError, describe_file
from ledger._internal.drafts import DraftBuilder, parse_params, parse_segment, parse_time
from ledger._internal.keystore import KeyStore, KeyStoreError, PublicKeyInfo, Signer
from ledger._internal.store import Appended, EventDraft, Ledger, LedgerError, StoredEvent, WorkInfo

__all__ = [
    "Appended", "AssetError", "DraftBuilder", "EventDraft", "KeyStore", "KeyStoreError", "Ledger",
    "LedgerError", "PublicKeyInfo", "Signer", "StoredEvent", "WorkInfo", "describe_file",
    "parse_params", "parse_segment", "parse_time",
]

"""Key files: encrypted at rest, 0600, bound metadata, fail closed on weak or altered files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ledger import KeyStore, KeyStoreError


def test_key_file_roundtrip_and_protection(tmp_path: Path) -> None:
    store = KeyStore(tmp_path / "keys")
    info = store.create("alice", "composer", "a long passphrase")
    path = tmp_path / "keys" / "alice.key"
    assert path.stat().st_mode & 0o777 == 0o600
    assert (tmp_path / "keys").stat().st_mode & 0o777 == 0o700
    document = json.loads(path.read_text())
    assert document["kdf"]["alg"] == "scrypt" and document["kdf"]["n"] >= 2**17
    signer = store.unlock("alice", "a long passphrase")
    assert signer.info.public_key == info.public_key
    with pytest.raises(KeyStoreError, match="wrong passphrase"):
        store.unlock("alice", "not-pw")
    with pytest.raises(KeyStoreError, match="already exists"):
        store.create("alice", "composer", "a long passphrase")

    document["role"] = "auditor"  # metadata is bound by the AEAD's associated data
    path.write_text(json.dumps(document))
    with pytest.raises(KeyStoreError):
        store.unlock("alice", "a long passphrase")
    document["role"] = "composer"
    document["kdf"]["n"] = 2**10  # weakened parameters are refused before any decryption
    path.write_text(json.dumps(document))
    with pytest.raises(KeyStoreError, match="minimum"):
        store.unlock("alice", "a long passphrase")


def test_bad_names(tmp_path: Path) -> None:
    store = KeyStore(tmp_path)
    for name in ("../x", "", "a/b", ".hidden"):
        with pytest.raises(KeyStoreError):
            store.info(name)
    with pytest.raises(KeyStoreError):
        store.create("ok", "Bad Role", "a long passphrase")

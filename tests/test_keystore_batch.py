"""KeyStore.create_signers: several keys under one passphrase with one key derivation (the demo's
six keys), each file still a normal key file that opens alone."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ledger import KeyStore, KeyStoreError

PASSPHRASE = "a long passphrase"


def test_a_batch_of_keys_shares_one_derivation_and_each_opens_alone(tmp_path: Path) -> None:
    store = KeyStore(tmp_path / "keys")
    signers = store.create_signers([("mei", "composer"), ("jun", "producer"), ("notary", "witness")], PASSPHRASE)
    assert [s.info.name for s in signers] == ["mei", "jun", "notary"]
    assert len({s.info.public_key for s in signers}) == 3
    documents = [json.loads((tmp_path / "keys" / f"{s.info.name}.key").read_text()) for s in signers]
    assert len({d["kdf"]["salt"] for d in documents}) == 1  # one derivation ...
    assert len({d["aead"]["nonce"] for d in documents}) == 3  # ... and a nonce for each key
    assert all(d["kdf"]["n"] >= 2**17 for d in documents)
    for signer in signers:
        assert (tmp_path / "keys" / f"{signer.info.name}.key").stat().st_mode & 0o777 == 0o600
        unlocked = store.unlock(signer.info.name, PASSPHRASE)
        assert unlocked.info == signer.info and unlocked.sign(b"m") == signer.sign(b"m")
        with pytest.raises(KeyStoreError, match="wrong passphrase"):
            store.unlock(signer.info.name, "another long passphrase")


@pytest.mark.parametrize(("keys", "passphrase", "message"), [
    ([("a", "composer"), ("a", "producer")], PASSPHRASE, "twice"),
    ([("a", "composer"), ("b c", "producer")], PASSPHRASE, "invalid key name"),
    ([("a", "composer"), ("b", "Producer")], PASSPHRASE, "invalid role"),
    ([("a", "composer")], "short", "at least"),
    ([("b", "composer"), ("exists", "composer")], PASSPHRASE, "already exists"),
])
def test_a_bad_batch_writes_nothing(tmp_path: Path, keys: list[tuple[str, str]], passphrase: str,
                                    message: str) -> None:
    store = KeyStore(tmp_path / "keys")
    store.create("exists", "composer", PASSPHRASE)
    with pytest.raises(KeyStoreError, match=message):
        store.create_signers(keys, passphrase)
    assert [info.name for info in store.list()] == ["exists"]

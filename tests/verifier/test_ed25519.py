"""The pinned Ed25519 rule (spec/format.md §4.1): all twelve ed25519-speccheck cases rejected on
every path, since every path calls the one function; keys the rule rejects are refused; signing
is deterministic and libsodium's."""

from __future__ import annotations

import ast
import json
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from tests.verifier.vectors import ROOT, VECTORS
from verifier.format import (
    KeyCard,
    SigningKey,
    UsageError,
    invalid_ed25519_signatures,
    is_valid_public_key,
    verify_ed25519,
)

CASES: list[dict[str, str]] = json.loads((VECTORS / "ed25519-speccheck" / "cases.json").read_text())
EXPECTED: dict[str, Any] = json.loads((VECTORS / "ed25519-speccheck" / "expected.json").read_text())


def test_the_copied_vectors_match_the_shared_ones() -> None:
    shared = ROOT.parent / "shared" / "vectors" / "ed25519-speccheck" / "cases.json"
    if shared.exists():
        assert json.loads(shared.read_text()) == CASES
    assert len(CASES) == 12 and len(EXPECTED["cases"]) == 12


@pytest.mark.parametrize("index", range(12))
def test_every_speccheck_case_gets_the_spec_verdict(index: int) -> None:
    case = CASES[index]
    public_key, signature, message = (bytes.fromhex(case[k]) for k in ("pub_key", "signature", "message"))
    assert EXPECTED["cases"][index]["verdict"] == "reject"
    assert verify_ed25519(public_key, signature, message) is False
    if not is_valid_public_key(public_key):  # where the key is the fault, a key card refuses it too
        with pytest.raises(UsageError):
            KeyCard(public_key, "k", "auditor")


def test_the_batch_check_of_a_chunk_gives_the_same_verdicts() -> None:
    """The event path checks a chunk's signatures in one call: every case rejected, at its own
    position, among good signatures (and a message too short to hold a signature)."""
    good = SigningKey(bytes(range(32)))
    signed: list[tuple[bytes, bytes]] = []
    expected_invalid = []
    for case in CASES:
        message = b"good %d" % len(signed)
        signed.append((good.public_key, good.sign(message) + message))
        expected_invalid.append(len(signed))
        signed.append((bytes.fromhex(case["pub_key"]), bytes.fromhex(case["signature"] + case["message"])))
    signed.append((good.public_key, b"short"))
    expected_invalid.append(len(signed) - 1)
    message = b"a good signature, the key not as bytes"
    signed.append((bytearray(good.public_key), good.sign(message) + message))  # type: ignore[arg-type]
    expected_invalid.append(len(signed) - 1)
    assert invalid_ed25519_signatures(signed) == expected_invalid
    assert invalid_ed25519_signatures([]) == []


def test_case_3_is_caught_by_the_key_check_alone() -> None:
    """libsodium's verify accepts case 3; the prime-order-subgroup check on the key rejects it."""
    from nacl.bindings import crypto_sign_open

    case = CASES[3]
    public_key, signature, message = (bytes.fromhex(case[k]) for k in ("pub_key", "signature", "message"))
    assert crypto_sign_open(signature + message, public_key) == message
    assert not is_valid_public_key(public_key)


def test_signing_is_rfc_8032_and_equals_openssl() -> None:
    seed = bytes(range(32))
    key = SigningKey(seed)
    openssl = Ed25519PrivateKey.from_private_bytes(seed)
    public = openssl.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    assert key.public_key == public and "seed" not in repr(key) and seed.hex() not in repr(key)
    for message in (b"", b"x", bytes(1000)):
        assert key.sign(message) == openssl.sign(message)
        assert verify_ed25519(public, key.sign(message), message)
        assert not verify_ed25519(public, key.sign(message), message + b"!")


def test_no_other_signature_primitive_is_called() -> None:
    """Every path — events (lean and reference), key cards, trailers, provenote check — goes
    through verifier/format/_ed25519.py: nothing else calls a verify or sign primitive."""
    offenders = []
    for folder in ("verifier", "ledger", "cli"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            if path.name == "_ed25519.py":
                continue
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                called = node.func if isinstance(node, ast.Call) else None
                if isinstance(called, ast.Attribute) and called.attr in (
                        "verify", "crypto_sign_open", "crypto_sign", "from_private_bytes") and not (
                        isinstance(called.value, ast.Name) and called.value.id == "ed25519"):
                    offenders.append(f"{path.relative_to(ROOT)}:{called.lineno}: {called.attr}")
                if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("nacl"):
                    offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}: imports {node.module}")
    # X.509 is not the format: the C2PA test CA (ledger/_c2pa.py make_test_ca) signs certificates with
    # cryptography's X.509 builder, which needs its own key objects. Format signatures never do.
    allowed = {"ledger/_c2pa.py: from_private_bytes"}
    offenders = [o for o in offenders if f"{o.split(':')[0]}: {o.split(': ')[-1]}" not in allowed]
    assert offenders == []

"""Generate spec/vectors/*.json from fixed keys and fixed times.

Run ``python spec/vectors/generate.py`` to rewrite the files; ``tests/test_vectors.py`` checks
that the committed files are exactly what this produces (writer side) and that the verifier
accepts every valid case and rejects every invalid one with its named code (reader side).

The private keys here are TEST KEYS (seeds 0x00..0x1f and 0x20..0x3f): never use them.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path
from typing import Any

import cbor2

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from ledger import (  # noqa: E402
    PublicKeyInfo,
    Signer,
    sign_event,
)
from verifier.format import (  # noqa: E402
    CTYPE_EVENT,
    EventHash,
    EventPayload,
    SigningKey,
    WorkId,
    disclosure_digest,
    encode_cbor,
    event_hash,
    key_id,
    protected_header,
)

HERE = Path(__file__).resolve().parent
T0 = 1_763_700_000_000_000  # 2025-11-21T04:40:00Z in microseconds
SALT = bytes(range(0x40, 0x50))


def signer(seed_start: int, name: str) -> Signer:
    """A TEST KEY signing with the writer's own signer (libsodium): the committed vectors show
    that it gives the same bytes as before, when the writer signed with OpenSSL."""
    key = SigningKey(bytes(range(seed_start, seed_start + 32)))
    return Signer(PublicKeyInfo(name, "creator", key.public_key), key)


ALICE = signer(0x00, "alice")
BOB = signer(0x20, "bob")
WAV = {"sha256": hashlib.sha256(b"vector-audio-1").digest(), "size": 14, "media_type": "audio/wav",
       "duration_ms": 60_000, "name": "take1.wav"}
WAV2 = {"sha256": hashlib.sha256(b"vector-audio-2").digest(), "size": 14, "media_type": "audio/wav",
        "duration_ms": 60_000, "name": "take2.wav"}


def chain() -> list[tuple[str, EventPayload, bytes]]:
    """A five-event chain: genesis, generation (private prompt), selection, human edit, note."""
    out: list[tuple[str, EventPayload, bytes]] = []
    genesis = EventPayload(1, "work.created", None, 0, None, T0, None, ALICE.info.public_key,
                           {"title": "Night Market", "isrc": "CNA0X2600001"}, {})
    envelope = sign_event(ALICE, genesis)
    out.append(("genesis", genesis, envelope))
    work = WorkId(event_hash(envelope))
    specs: list[tuple[str, Signer, str, dict[str, Any], dict[str, bytes], int | None]] = [
        ("generation", ALICE, "generation",
         {"model": "cue-gen", "model_version": "2.1", "provider": "ExampleAI", "seed": 42,
          "params": {"temperature": 0.7, "steps": 50, "loop": True, "key": "A minor"},
          "outputs": [WAV, WAV2], "digital_source_type": "trainedAlgorithmicMedia"},
         {"prompt": disclosure_digest(SALT, "prompt", "lo-fi night market, erhu, 90 bpm")}, None),
        ("selection", ALICE, "selection", {"candidates": [WAV, WAV2], "chosen": WAV2},
         {"reason": disclosure_digest(SALT, "reason", "warmer erhu")}, None),
        ("human-edit", BOB, "human-edit",
         {"inputs": [WAV2], "output": WAV, "kind": "melody", "segments": [[16_000, 32_000]],
          "stems": ["erhu"], "tool": "Reaper 7", "minutes": 45,
          "digital_source_type": "compositeWithTrainedAlgorithmicMedia"}, {}, T0 - 3_600_000_000),
        ("note", ALICE, "note", {}, {"text": disclosure_digest(SALT, "text", "bars 9-16 rewritten")}, None),
    ]
    prev = EventHash(event_hash(envelope))
    for seq, (name, who, type_name, body, commitments, occurred) in enumerate(specs, start=1):
        payload = EventPayload(1, type_name, work, seq, prev, T0 + seq * 1_000_000,
                               occurred,
                               who.info.public_key, body, commitments)
        envelope = sign_event(who, payload)
        out.append((name, payload, envelope))
        prev = event_hash(envelope)
    return out


def sig_structure(protected: bytes, payload: bytes) -> bytes:
    """RFC 9052 §4.4 Sig_structure, written out here so the vectors do not lean on the code under test."""
    return cbor2.dumps(["Signature1", protected, b"", payload])


def _resign(payload_bytes: bytes, who: Signer = ALICE, *, protected: bytes | None = None,
            unprotected: bytes = b"\xa0") -> bytes:
    """An envelope around arbitrary payload bytes, signed correctly (to isolate one fault)."""
    if protected is None:
        try:
            value = cbor2.loads(payload_bytes)
        except cbor2.CBORDecodeError:
            value = {"work": WorkId(event_hash(chain()[0][2]))}
        work = value.get("work") if isinstance(value, dict) else None
        protected = protected_header(CTYPE_EVENT, who.info.public_key,
                                     work.hex() if isinstance(work, bytes) else None)
    signature = who.sign(sig_structure(protected, payload_bytes))
    return b"\xd2\x84" + cbor2.dumps(protected) + unprotected + cbor2.dumps(payload_bytes) + cbor2.dumps(signature)


def invalid_cases(events: list[tuple[str, EventPayload, bytes]]) -> list[dict[str, Any]]:
    """Named invalid single envelopes: each isolates one fault, signed correctly otherwise."""
    gen_payload = events[1][1].to_cbor()
    good_bytes = encode_cbor(gen_payload)
    cases: list[tuple[str, str, bytes]] = []

    def add(name: str, code: str, envelope: bytes) -> None:
        cases.append((name, code, envelope))

    # Non-shortest integer: seq 1 as 0x1801.
    add("noncanonical-int", "event.noncanonical", _resign(good_bytes.replace(b"\x63seq\x01", b"\x63seq\x18\x01")))
    # Keys out of order: swap two entries by hand.
    items = sorted(gen_payload.items(), key=lambda kv: encode_cbor(kv[0]), reverse=True)
    unsorted = bytes([0xA0 | len(items)]) + b"".join(cbor2.dumps(k) + encode_cbor(v) for k, v in items)
    add("unsorted-keys", "event.noncanonical", _resign(unsorted))
    # Duplicate key: "v" twice.
    dup = bytearray(good_bytes)
    dup[0] += 1
    add("duplicate-key", "event.malformed", _resign(bytes(dup) + b"\x61v\x01"))
    # Indefinite-length map.
    add("indefinite-length", "event.malformed", _resign(b"\xbf" + good_bytes[1:] + b"\xff"))
    # Float NaN in params.
    nan_payload = dict(gen_payload, body=dict(gen_payload["body"], params={"x": 1.5}))
    nan_bytes = cbor2.dumps(nan_payload, canonical=True).replace(b"\xf9\x3e\x00", b"\xf9\x7e\x00")
    add("nan-float", "event.malformed", _resign(nan_bytes))
    # A tag inside the payload (tag 1, epoch time, in place of the integer time).
    tagged = good_bytes.replace(b"\x64time\x1b", b"\x64time\xc1\x1b")
    add("tag-in-payload", "event.malformed", _resign(tagged))
    # Non-empty unprotected header.
    kid = key_id(ALICE.info.public_key)
    protected = protected_header(CTYPE_EVENT, ALICE.info.public_key, gen_payload["work"].hex())
    add("unprotected-not-empty", "event.header_invalid",
        _resign(good_bytes, protected=protected, unprotected=b"\xa1\x04\x41\x00"))
    # Polymorphic EdDSA (-8) instead of Ed25519 (-19).
    eddsa = encode_cbor({1: -8, 3: CTYPE_EVENT, 4: bytes(kid), 15: {1: kid.hex(), 2: gen_payload["work"].hex()}})
    add("alg-eddsa", "event.header_invalid", _resign(good_bytes, protected=eddsa))
    # kid of another key.
    other = key_id(BOB.info.public_key)
    wrong_kid = encode_cbor({1: -19, 3: CTYPE_EVENT, 4: bytes(other), 15: {1: other.hex(), 2: gen_payload["work"].hex()}})
    add("kid-mismatch", "event.header_invalid", _resign(good_bytes, protected=wrong_kid))
    # Untagged COSE_Sign1.
    add("untagged", "event.malformed", events[1][2][1:])
    # Trailing byte after the envelope.
    add("trailing-byte", "event.noncanonical", events[1][2] + b"\x00")
    # Signature by another key over the same bytes.
    envelope = events[1][2]
    forged = envelope[:-64] + BOB.sign(sig_structure(protected, good_bytes))
    add("signature-other-key", "event.signature_invalid", forged)
    # One flipped bit in the signature.
    add("signature-bit-flip", "event.signature_invalid", envelope[:-1] + bytes([envelope[-1] ^ 1]))
    # Reserved and unknown types.
    add("reserved-type", "event.schema_invalid", _resign(encode_cbor(dict(gen_payload, type="licence"))))
    add("unknown-type", "event.schema_invalid", _resign(encode_cbor(dict(gen_payload, type="remix"))))
    add("format-version-2", "event.schema_invalid", _resign(encode_cbor(dict(gen_payload, v=2))))
    # Unknown body field; private field left in the clear is an unknown body field too.
    add("prompt-in-clear", "event.schema_invalid",
        _resign(encode_cbor(dict(gen_payload, body=dict(gen_payload["body"], prompt="visible")))))
    # Genesis carrying prev.
    genesis = events[0][1].to_cbor()
    add("genesis-with-prev", "event.schema_invalid", _resign(encode_cbor(dict(genesis, prev=bytes(32)))))
    # Map with mixed key types (text and integer) in params.
    mixed = dict(gen_payload, body=dict(gen_payload["body"], params={"a": 1}))
    mixed_bytes = cbor2.dumps(mixed, canonical=True).replace(b"\xa1\x61a\x01", b"\xa2\x18\x18\x01\x61a\x01")
    add("mixed-key-types", "event.malformed", _resign(mixed_bytes))
    # A float written as a double where a half keeps the value (params.temperature 0.5).
    half = dict(gen_payload, body=dict(gen_payload["body"], params={"t": 0.5}))
    half_bytes = cbor2.dumps(half, canonical=True)
    add("float-not-shortest", "event.noncanonical",
        _resign(half_bytes.replace(b"\x61t\xf9\x38\x00", b"\x61t\xfb\x3f\xe0\x00\x00\x00\x00\x00\x00")))
    # A nested map (an asset reference) with its keys out of order.
    canonical_asset = cbor2.dumps(WAV, canonical=True)
    reversed_asset = cbor2.dumps(dict(reversed(list(cbor2.loads(canonical_asset).items()))))  # insertion order
    asset_unsorted = cbor2.dumps(gen_payload, canonical=True).replace(canonical_asset, reversed_asset, 1)
    add("nested-keys-unsorted", "event.noncanonical", _resign(asset_unsorted))
    # seq as a bignum (tag 2): outside the data model, so malformed — not a schema error.
    add("seq-bignum", "event.malformed", _resign(good_bytes.replace(b"\x63seq\x01", b"\x63seq\xc2\x41\x01")))
    return [{"name": n, "error": c, "envelope": e.hex()} for n, c, e in cases]


def cbor_cases() -> list[dict[str, Any]]:
    """Codec vectors: RFC 8949 §4.2.1 bytewise order with mixed-width integer keys."""
    def ok(name: str, hex_bytes: str) -> dict[str, Any]:
        return {"name": name, "cbor": hex_bytes, "valid": True}

    def bad(name: str, hex_bytes: str, code: str) -> dict[str, Any]:
        return {"name": name, "cbor": hex_bytes, "valid": False, "error": code}

    return [
        ok("uint-keys-mixed-width", "a4" "17" "01" "1818" "02" "190100" "03" "1a00010000" "04"),
        ok("nint-keys-mixed-width", "a3" "20" "01" "37" "02" "3818" "03"),
        ok("text-keys-by-length-then-bytes", "a3" "6161" "01" "6162" "02" "626161" "03"),
        ok("float-shortest", "83" "f93e00" "fa47c35000" "fb3fb999999999999a"),
        bad("uint-keys-length-first-wrong", "a2" "1818" "02" "17" "01", "cbor.noncanonical"),
        bad("mixed-major-keys-24-and-minus1-bytewise", "a2" "1818" "01" "20" "02", "cbor.malformed"),
        bad("mixed-major-keys-24-and-minus1-lengthfirst", "a2" "20" "02" "1818" "01", "cbor.malformed"),
        bad("int-not-shortest", "1817", "cbor.noncanonical"),
        bad("float-not-shortest", "fb3ff8000000000000", "cbor.noncanonical"),
        bad("nan", "f97e00", "cbor.malformed"),
        bad("infinity", "f97c00", "cbor.malformed"),
        bad("bignum-tag", "c249010000000000000000", "cbor.malformed"),
        bad("duplicate-key", "a2" "6161" "01" "6161" "02", "cbor.malformed"),
        bad("indefinite-array", "9f01ff", "cbor.malformed"),
        bad("trailing-bytes", "0102", "cbor.noncanonical"),
        bad("truncated", "6361", "cbor.malformed"),
        bad("length-2^63", "5b7fffffffffffffff00", "cbor.malformed"),
        bad("invalid-utf8", "62c328", "cbor.malformed"),
        bad("decimal-fraction-tag", "c482211a00006ab3", "cbor.malformed"),
        bad("set-tag", "d90102820102", "cbor.malformed"),
    ]


def build() -> dict[str, Any]:
    events = chain()
    return {
        "comment": "Generated by spec/vectors/generate.py from TEST KEYS; see spec/vectors/README.md.",
        "keys": {who.info.name: {"seed": bytes(range(start, start + 32)).hex(),
                                 "public_key": who.info.public_key.hex(),
                                 "key_id": key_id(who.info.public_key).hex()}
                 for who, start in ((ALICE, 0x00), (BOB, 0x20))},
        "disclosure_salt": SALT.hex(),
        "chain": [{"name": name, "payload": encode_cbor(payload.to_cbor()).hex(), "envelope": envelope.hex(),
                   "event_hash": event_hash(envelope).hex()} for name, payload, envelope in events],
        "work_id": event_hash(events[0][2]).hex(),
        "invalid_envelopes": invalid_cases(events),
        "cbor": cbor_cases(),
    }


def main() -> None:
    (HERE / "events.json").write_text(json.dumps(build(), indent=1) + "\n")


if __name__ == "__main__":
    main()

"""The verifier's two paths for event records (verifier/format/_records.py) give one outcome.

The lean path must take the common valid records (else the verifier is slow, not wrong), and
must never accept a record the reference path rejects or summarise one differently (that
would be wrong). These tests compare the two on valid records of every type, on mutated
records, and on correctly signed payloads in non-deterministic encodings.
"""

from __future__ import annotations

import io
import struct
from typing import Any

import cbor2
import pytest
from cryptography.hazmat.primitives import serialization
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from tests.verifier.vectors import bundle_bytes, vector_key
from verifier import format as fmt
from verifier.format import CTYPE_EVENT, EventSummary, Finding, SignedEvent

ALICE = vector_key("alice")
SIGNERS = {k.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw): k
           for k in (vector_key("alice"), vector_key("bob"), vector_key("cuegen-logs"))}


@pytest.fixture(scope="module")
def event_records() -> list[bytes]:
    """The event records of the story vector: every event type, floats, an occurred time and
    disclosures (spec/vectors/bundles/valid-story.bundle)."""
    data = bundle_bytes("valid-story")
    return [item.content for item in fmt.ItemReader(io.BytesIO(data), len(data))
            if item.content.startswith(fmt.EVENT_RECORD_PREFIX)]


def _parse(content: bytes) -> tuple[SignedEvent, list[Any]]:
    """The parsed envelope and the disclosures of a well-formed event record."""
    record = cbor2.loads(content)
    return fmt.parse_event(record[1]), record[2]


def _outcome(result: EventSummary | Finding) -> Any:
    return (result.code, result.event, result.message) if isinstance(result, Finding) else result


def _assert_lean_agrees(content: bytes) -> bool:
    """If the lean path accepts, the reference path accepts with the same summary, signature
    and signed bytes (or rejects only the signature). Returns whether the lean path accepted."""
    lean = fmt.check_record_lean(content)
    if lean is None:
        return False
    summary, public_key, signature, message = lean
    reference = fmt.check_record_reference(content)
    signed, _ = _parse(content)
    assert (signature, message) == (signed.signature, signed.signed_bytes())
    assert public_key == signed.payload.signer
    if isinstance(reference, Finding):
        assert reference.code == "event.signature_invalid", f"lean path accepted what the reference rejects: {reference}"
    else:
        assert summary == reference
    return True


def test_lean_path_takes_valid_records_and_agrees(event_records: list[bytes]) -> None:
    taken = [_assert_lean_agrees(content) for content in event_records]
    types = [fmt.check_record_reference(c).type for c in event_records]  # type: ignore[union-attr]
    # Only the events with floats in their params are left to the reference path.
    assert [t for t, lean in zip(types, taken, strict=True) if not lean] == ["generation", "parameter-edit"]
    assert len(types) == 12
    results = fmt.check_chunk(event_records)
    assert all(isinstance(r, EventSummary) for r in results)
    assert results == [fmt.check_record_reference(c) for c in event_records]


def test_a_bad_signature_is_found_on_the_lean_path(event_records: list[bytes]) -> None:
    content = event_records[-1]
    bad = content[:-70] + bytes([content[-70] ^ 1]) + content[-69:]  # a byte of the signature
    assert fmt.check_record_lean(bad) is not None
    assert fmt.check_chunk([bad]) == [fmt.check_record_reference(bad)]
    assert _outcome(fmt.check_chunk([bad])[0]) == ("event.signature_invalid", 11, "signature does not verify")


@settings(max_examples=600, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_mutated_records_get_one_outcome(event_records: list[bytes], data: st.DataObject) -> None:
    content = data.draw(st.sampled_from(event_records))
    position = data.draw(st.integers(0, len(content) - 1))
    how = data.draw(st.sampled_from(["flip", "set", "insert", "delete", "splice"]))
    if how == "flip":
        mutated = content[:position] + bytes([content[position] ^ (1 << data.draw(st.integers(0, 7)))]) \
            + content[position + 1:]
    elif how == "set":
        mutated = content[:position] + bytes([data.draw(st.integers(0, 255))]) + content[position + 1:]
    elif how == "insert":
        mutated = content[:position] + data.draw(st.binary(min_size=1, max_size=4)) + content[position:]
    elif how == "delete":
        mutated = content[:position] + content[position + data.draw(st.integers(1, 4)):]
    else:
        mutated = content[:position] + data.draw(st.binary(max_size=40)) + content[position + 20:]
    lean = _assert_lean_agrees(mutated)
    outcome = fmt.check_chunk([mutated])
    assert outcome == [fmt.check_record_reference(mutated)]
    event(f"lean {lean}, {outcome[0].code if isinstance(outcome[0], Finding) else 'valid'}")


# -- correctly signed payloads, encoded every which way -------------------------------------


def _head(major: int, value: int, extra_width: int) -> bytes:
    """A CBOR head; ``extra_width`` > 0 widens it past the shortest form (non-deterministic)."""
    widths = [(24, 0), (0x100, 1), (0x10000, 2), (0x100000000, 4), (1 << 64, 8)]
    shortest = next(i for i, (limit, _) in enumerate(widths) if value < limit)
    index = min(shortest + extra_width, 4)
    if index == 0:
        return bytes([major << 5 | value])
    width = widths[index][1]
    return bytes([major << 5 | (23 + index)]) + value.to_bytes(width, "big")


def _misencode(value: Any, data: st.DataObject, depth: int = 0) -> bytes:
    """Deterministic CBOR, except where ``data`` picks one of the ways to leave it."""
    way = data.draw(st.integers(0, 100))  # 0-3: a deviation; otherwise the deterministic form
    wide = 1 if way == 0 else 0
    if way == 1 and depth > 0:
        return b"\xd9\xd9\xf7" + _misencode(value, data, depth + 1)  # self-described CBOR tag: same value
    if type(value) is bool or value is None:
        return cbor2.dumps(value)
    if type(value) is int:
        if way == 2 and value >= 0:
            return b"\xc2" + _head(2, (value.bit_length() + 7) // 8 or 1, 0) \
                + value.to_bytes((value.bit_length() + 7) // 8 or 1, "big")  # a bignum
        if way == 3 and abs(value) < 2**53:
            return b"\xfb" + struct.pack(">d", float(value))  # a float where an integer was
        return _head(0, value, wide) if value >= 0 else _head(1, -1 - value, wide)
    if type(value) is float:
        return b"\xfb" + struct.pack(">d", value) if way in (2, 3) else cbor2.dumps(value, canonical=True)
    if type(value) is bytes:
        if way == 2 and value:
            return b"\x5f" + _head(2, 1, 0) + value[:1] + _head(2, len(value) - 1, 0) + value[1:] + b"\xff"
        return _head(2, len(value), wide) + value
    if type(value) is str:
        encoded = value.encode()
        if way == 2:
            return b"\x7f" + _head(3, len(encoded), 0) + encoded + b"\xff"
        return _head(3, len(encoded), wide) + encoded
    if type(value) is list:
        items = b"".join(_misencode(item, data, depth + 1) for item in value)
        return b"\x9f" + items + b"\xff" if way == 2 else _head(4, len(value), wide) + items
    if type(value) is dict:
        keys = list(value)
        if way == 3 and len(keys) > 1:
            keys = data.draw(st.permutations(keys))
        items = b"".join(_misencode(k, data, depth + 1) + _misencode(value[k], data, depth + 1) for k in keys)
        return b"\xbf" + items + b"\xff" if way == 2 else _head(5, len(value), wide) + items
    raise AssertionError(type(value))


def _signed_record(content: bytes, data: st.DataObject) -> bytes:
    """The record re-made around a re-encoded (and perhaps altered) payload, correctly signed."""
    signed, disclosures = _parse(content)
    value = cbor2.loads(signed.payload_bytes)
    if data.draw(st.booleans()):  # alter one field's value, keeping the signature correct
        key = data.draw(st.sampled_from(sorted(value)))
        value[key] = data.draw(st.sampled_from([0, 1, 2**64 - 1, -1, "", "note", b"\x00" * 32, {}, [], 1.5,
                                                None, True, {"title": "x"}, value[key]]))
    payload = _misencode(value, data)
    envelope = fmt.sign1(signed.protected, payload, SIGNERS[signed.payload.signer].sign)
    return cbor2.dumps(["event", envelope, disclosures])


@settings(max_examples=500, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_signed_misencoded_payloads_get_one_outcome(event_records: list[bytes], data: st.DataObject) -> None:
    content = _signed_record(data.draw(st.sampled_from(event_records)), data)
    lean = _assert_lean_agrees(content)
    outcome = fmt.check_chunk([content])
    assert outcome == [fmt.check_record_reference(content)]
    event(f"lean {lean}, {outcome[0].code if isinstance(outcome[0], Finding) else 'valid'}")


def test_each_deviation_alone_is_declined_by_the_lean_path(event_records: list[bytes]) -> None:
    """Named cases: one non-deterministic spot in an otherwise valid, correctly signed note."""
    note = event_records[-1]
    signed, disclosures = _parse(note)
    value = cbor2.loads(signed.payload_bytes)
    canonical = cbor2.dumps(value)
    cases = {
        "seq as a two-byte integer": canonical.replace(b"\x63seq\x0b", b"\x63seq\x18\x0b"),
        "seq as a bignum": canonical.replace(b"\x63seq\x0b", b"\x63seq\xc2\x41\x0b"),
        "seq as a double": canonical.replace(b"\x63seq\x0b", b"\x63seq\xfb" + struct.pack(">d", 11.0)),
        "tagged type": canonical.replace(b"\x64type\x64note", b"\x64type\xd9\xd9\xf7\x64note"),
        "type with a wide length": canonical.replace(b"\x64type\x64note", b"\x64type\x78\x04note"),
        "empty body written wide": canonical.replace(b"\x64body\xa0", b"\x64body\xb8\x00"),
        "indefinite body": canonical.replace(b"\x64body\xa0", b"\x64body\xbf\xff"),
        "signer's length written wide": canonical.replace(b"\x66signer\x58\x20", b"\x66signer\x59\x00\x20"),
        "trailing byte": canonical + b"\x00",
    }
    for name, payload in cases.items():
        assert payload != canonical, name
        content = cbor2.dumps(["event", fmt.sign1(signed.protected, payload, ALICE.sign), disclosures])
        assert fmt.check_record_lean(content) is None, name
        outcome = fmt.check_chunk([content])[0]
        assert isinstance(outcome, Finding) and outcome.code in ("event.noncanonical", "event.malformed",
                                                                 "event.schema_invalid"), (name, outcome)


def test_a_signed_map_with_mixed_key_types_is_malformed_not_a_crash() -> None:
    """Regression: naming the unknown keys {7, "zz"} of an asset map once raised TypeError."""
    public_key = ALICE.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    asset = {"size": 1, "sha256": bytes(32), "media_type": "audio/wav", 7: "x", "zz": 1}
    value = {"v": 1, "type": "generation", "work": bytes(32), "seq": 1, "prev": bytes(32), "time": 5,
             "signer": public_key, "commitments": {},
             "body": {"model": "m", "outputs": [asset], "digital_source_type": "trainedAlgorithmicMedia"}}
    payload = cbor2.dumps(value, canonical=True)
    envelope = fmt.sign1(fmt.protected_header(CTYPE_EVENT, public_key, bytes(32).hex()), payload, ALICE.sign)
    outcome = fmt.check_chunk([cbor2.dumps(["event", envelope, []])])
    assert len(outcome) == 1 and isinstance(outcome[0], Finding)
    assert outcome[0].code == "event.malformed" and "mix major types" in outcome[0].message


def test_a_check_that_breaks_fails_closed(event_records: list[bytes], monkeypatch: pytest.MonkeyPatch) -> None:
    """Should a check ever raise something unforeseen on hostile input, the record is invalid
    (event.malformed), not a traceback."""
    def broken(self: fmt.EventType, body: Any, names: frozenset[str]) -> None:
        raise TypeError("unorderable")

    monkeypatch.setattr(fmt.EventType, "check_body", broken)
    outcome = fmt.check_chunk([event_records[-1]])
    assert [_outcome(o) for o in outcome] == [
        ("event.malformed", None, "the record could not be checked (TypeError: unorderable)")]

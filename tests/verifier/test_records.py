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


def _commitments_twice(canonical: bytes) -> bytes:
    """The payload with its one commitment written twice (a map with a duplicate key)."""
    head = b"\x6bcommitments\xa1"
    at = canonical.index(head) + len(head)
    entry = canonical[at:at + 5 + 34]  # "text" and its 32-byte digest
    assert entry.startswith(b"\x64text\x58\x20")
    return canonical[:at - 1] + b"\xa2" + entry + entry + canonical[at + len(entry):]


def _swap_last_keys(canonical: bytes, value: dict[str, Any]) -> bytes:
    """The payload with an occurred time, its keys out of deterministic order (occurred after
    commitments)."""
    with_occurred = dict(value, occurred=value["time"])
    reordered = {k: with_occurred[k] for k in [*value, "occurred"]}
    swapped = cbor2.dumps(reordered)
    assert swapped != cbor2.dumps(dict(value, occurred=value["time"]), canonical=True) and swapped != canonical
    return swapped


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
        "a private field committed twice": _commitments_twice(canonical),
        "version 2": canonical.replace(b"\x61v\x01", b"\x61v\x02"),
        "occurred in the place of signer": _swap_last_keys(canonical, value),
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


def test_a_payload_holding_a_tag_cbor2_cannot_write_back_is_a_coded_error() -> None:
    """Found by the fuzzer (tests/fuzz/fuzz_event.py): a MIME tag in a payload decoded to an object
    cbor2 could not re-encode; it is a coded error (outside the data model), never an exception."""
    import contextlib

    from verifier.format import CodedError, check_chunk, verify_event

    data = bytes.fromhex("d28458d8a401320378276170706c69636174696f6e2f766e642e70726f76656e6f74652e6576656e742e76312b63626f7204582024f6ed6acbfe1009c030d7ca567c33ca4830911498236b5561a6c82abec5de280fa20178403234663665643661636266653130303963303330643763613536376333336361343833303931313439383233366235353631613663383261626563356465323802784036646564623738303731376331336362366163373130313134636462643262386531393362623837646535653666323735653438343339636461393664343939a0590213aa617601637365710364626f6479a8646b696e64666d656f6c647964746f6f6c685265617065722037657374656d7381646572687566696e7075747381a5646e616d656974616b65322e7761766473697a650e66736861323536582045b212c216d4b873bb89cc9f4188d7469b2e7a50014f2409a2b2715ce54c48ca6a6d656469615f7479706569617564696f2f7761766b6475726174696f6e5f6d7319ea60666f7574707574a5646e616d656974616b65312e7761766473697a650e667368613235365820f332c89e0cd9fd23dbd442d1026d18ee7d1fe2aa28bb2ab4293ad39872e005ae6a6d656469615f7479706569617564696f2f7761766b6475726174696f6e5f6d7319ea60676d696e75746573182d687365676d656e7473818219c27f197d00736469676974616c5f736f757263655f747970657824636f6d706f7369746557697468547261696e6564416c676f726974686d69634d65646961647072657658208aee8af72562fe34d7e0cd3be1dc624f9fcb725d7daf68f602d5ea90bfdaed056474696d651b00064413682b4ec064747970656a68756d616e2d6564697464776f726b58206dedb780717c13cb6ac710114cdbd2b8e148ff886283002465d2c2ab4658783227326103d824650000272b32036103d82465000000030000a2361e526d0bfe12c89794bc9322966dd7686f636375727265641b000644129169e4006b636f6d6d69746d656e7473a058406998e46f54bea5c76160576a1449a5f98dd7d4660f1304610e6d0731cda17bec7af6404bd1fd278ee6b4373ac6177cf34fcf12b557f76c6f1cd941a0ebbccc0e")
    with contextlib.suppress(CodedError):
        verify_event(data)
    assert check_chunk([b"\x83\x65event" + data + b"\x80", data])

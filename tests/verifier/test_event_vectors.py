"""The golden event vectors of spec/vectors/events.json, judged by the verifier: the chain
verifies and links, each invalid envelope gets its code, each codec case its verdict."""

from __future__ import annotations

import pytest

from tests.verifier.vectors import EVENTS as DATA
from verifier.format import ChainChecker, CodedError, UsageError, decode_cbor, encode_cbor, verify_event


def test_chain_vectors_verify_and_link() -> None:
    checker = ChainChecker()
    for case in DATA["chain"]:
        signed = verify_event(bytes.fromhex(case["envelope"]))
        assert signed.hash.hex() == case["event_hash"]
        assert signed.payload_bytes.hex() == case["payload"]
        assert checker.add(signed.hash, signed.payload) == []
    assert checker.state.work is not None and checker.state.work.hex() == DATA["work_id"]
    assert checker.state.count == len(DATA["chain"])


@pytest.mark.parametrize("case", DATA["invalid_envelopes"], ids=lambda c: c["name"])
def test_invalid_envelope_rejected_with_its_code(case: dict[str, str]) -> None:
    with pytest.raises(CodedError) as raised:
        verify_event(bytes.fromhex(case["envelope"]))
    assert raised.value.code == case["error"]


@pytest.mark.parametrize("case", DATA["cbor"], ids=lambda c: c["name"])
def test_cbor_codec_vectors(case: dict[str, object]) -> None:
    data = bytes.fromhex(str(case["cbor"]))
    if case["valid"]:
        value = decode_cbor(data, what="vector")
        assert encode_cbor(value) == data
    else:
        with pytest.raises(CodedError) as raised:
            decode_cbor(data, what="vector")
        assert raised.value.code == case["error"]


def test_bytewise_order_differs_from_length_first_for_mixed_majors() -> None:
    # RFC 8949 §4.2.1 puts 0x1818 (24) before 0x20 (-1); §4.2.3 would not. The format forbids
    # such maps outright (spec/format.md rule D6) so the two orders never disagree.
    with pytest.raises(UsageError):
        encode_cbor({24: 1, -1: 2})


@pytest.mark.parametrize("length", range(0, 8))
def test_short_envelopes_are_coded_errors(length: int) -> None:
    valid = bytes.fromhex(DATA["chain"][1]["envelope"])
    for prefix in (valid[:length], b"\xd2\x84\x58"[:length], b"\xd2\x84\x58\x30"[:length]):
        with pytest.raises(CodedError):
            verify_event(prefix)


def test_payloads_encode_to_their_received_bytes_field_by_field() -> None:
    """EventPayload.encode writes the fields itself: every payload of the chain vectors and of the
    story bundle (every type, floats, an occurred time) re-encodes to the bytes received, which
    are the canonical encoding of its map."""
    import io

    from tests.verifier.vectors import bundle_bytes
    from verifier.format import EVENT_RECORD_PREFIX, ItemReader, encode_payload, parse_event

    data = bundle_bytes("valid-story")
    envelopes = [bytes.fromhex(case["envelope"]) for case in DATA["chain"]]
    envelopes += [decode_cbor(item.content, what="record")[1] for item in ItemReader(io.BytesIO(data), len(data))
                  if item.content.startswith(EVENT_RECORD_PREFIX)]
    types = set()
    for envelope in envelopes:
        signed = parse_event(envelope)
        assert signed.payload.encode() == signed.payload_bytes == encode_cbor(signed.payload.to_cbor())
        payload = signed.payload  # what the writer signs, without the model: the same bytes
        assert encode_payload(payload.version, payload.type, payload.work, payload.seq, payload.prev, payload.time,
                              payload.occurred, payload.signer, payload.body, payload.commitments) == signed.payload_bytes
        types.add(signed.payload.type)
    assert len(types) >= 8 and any(parse_event(e).payload.occurred is not None for e in envelopes)


def test_encode_payload_refuses_what_eventpayload_refuses() -> None:
    """The writer's encode_payload makes EventPayload's checks: each broken field is the same
    SchemaError, with the same message, and nothing is encoded."""
    from dataclasses import astuple

    from verifier.format import EventPayload, SchemaError, encode_payload, parse_event

    good = astuple(parse_event(bytes.fromhex(DATA["chain"][1]["envelope"])).payload)
    broken = {0: 2, 1: "no.such.type", 2: None, 3: 0, 4: b"short", 5: -1, 6: good[5] + 1, 7: b"\x00" * 31,
              8: {"unknown": 1}, 9: {"text": b"short"}}
    for field, value in broken.items():
        fields = list(good)
        fields[field] = value
        with pytest.raises(SchemaError) as by_model:
            EventPayload(*fields)
        with pytest.raises(SchemaError) as by_writer:
            encode_payload(*fields)
        assert str(by_writer.value) == str(by_model.value), field

"""The golden vectors of spec/vectors/: the writer reproduces them, the verifier judges them."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

from verifier._internal import cbor
from verifier._internal.chain import ChainChecker
from verifier._internal.errors import CodedError, UsageError
from verifier._internal.event import verify_event

VECTORS = Path(__file__).resolve().parents[1] / "spec" / "vectors"
DATA = json.loads((VECTORS / "events.json").read_text())


def test_generator_reproduces_committed_vectors() -> None:
    spec = importlib.util.spec_from_file_location("generate", VECTORS / "generate.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.build() == DATA  # the writer signs the same payloads to the same bytes


def test_chain_vectors_verify_and_link() -> None:
    checker = ChainChecker()
    for case in DATA["chain"]:
        signed = verify_event(bytes.fromhex(case["envelope"]))
        assert signed.hash.hex() == case["event_hash"]
        assert signed.payload_bytes.hex() == case["payload"]
        checker.add(signed.hash, signed.payload)
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
        value = cbor.decode(data, what="vector")
        assert cbor.encode(value) == data
    else:
        with pytest.raises(CodedError) as raised:
            cbor.decode(data, what="vector")
        assert raised.value.code == case["error"]


def test_bytewise_order_differs_from_length_first_for_mixed_majors() -> None:
    # RFC 8949 §4.2.1 puts 0x1818 (24) before 0x20 (-1); §4.2.3 would not. The format forbids
    # such maps outright (spec/format.md rule D6) so the two orders never disagree.
    with pytest.raises(UsageError):
        cbor.encode({24: 1, -1: 2})


def test_fast_payload_path_agrees_with_canonical_decode() -> None:
    """A float written as a double where a half would do is caught on the fast path too."""
    orders = frozenset({("a", "b")})
    good = cbor.encode({"a": 1.5, "b": [1, {"x": 2, "yy": 3}]})
    assert cbor.decode_float_free_map(good, what="t", top_level_orders=orders) == {"a": 1.5,
                                                                                    "b": [1, {"x": 2, "yy": 3}]}
    as_double = good.replace(b"\xf9\x3e\x00", b"\xfb\x3f\xf8\x00\x00\x00\x00\x00\x00")
    with pytest.raises(CodedError):
        cbor.decode_float_free_map(as_double, what="t", top_level_orders=orders)
    unsorted_nested = bytes.fromhex("a2616101616282" "01" "a2" "627979" "03" "6178" "02")
    with pytest.raises(CodedError):
        cbor.decode_float_free_map(unsorted_nested, what="t", top_level_orders=orders)
    assert cbor.decode(bytes.fromhex("a2616101616282" "01" "a2" "6178" "02" "627979" "03"), what="t")


@pytest.mark.parametrize("length", range(0, 8))
def test_short_envelopes_are_coded_errors(length: int) -> None:
    valid = bytes.fromhex(DATA["chain"][1]["envelope"])
    for prefix in (valid[:length], b"\xd2\x84\x58"[:length], b"\xd2\x84\x58\x30"[:length]):
        with pytest.raises(CodedError):
            verify_event(prefix)

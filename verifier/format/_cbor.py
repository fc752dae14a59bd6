"""Deterministic CBOR (spec/format.md §2; RFC 8949 §4.2.1) with strict, bounded decoding.

The data model the format allows is a subset of CBOR: unsigned and negative integers that fit
in 64 bits, byte and text strings, arrays, maps, ``false``/``true``/``null`` and finite floats.
No tags except the COSE_Sign1 tag 18 at the top of an envelope, no indefinite lengths, no
duplicate keys. Within one map every key has the same major type (all text, all unsigned or
all negative integers); with that restriction the length-first order of RFC 8949 §4.2.3 (what
``cbor2``'s ``canonical=True`` emits) and the bytewise order of §4.2.1 agree, so the encoder
can be cbor2's C encoder and the check "decode, re-encode, compare bytes" is exact.
"""

from __future__ import annotations

import math
import struct
from typing import Any, NoReturn

import cbor2

from verifier.format._codes import Code, UntrustedDataError, UsageError

#: Nesting depth any decoded item may reach (spec/format.md §2, limit L3).
MAX_DEPTH = 16
_INT_MIN = -(2**64)
_INT_MAX = 2**64 - 1


class NonCanonical(UntrustedDataError):
    """Well-formed CBOR that is not in the deterministic encoding of spec/format.md §2."""


def decode(data: bytes, *, what: str) -> Any:
    """Decode exactly one CBOR item that fills ``data``, in the data model and deterministic
    (spec/format.md §2, the procedure of spec/verification.md step V3.4).

    Raises:
        UntrustedDataError: ``cbor.malformed`` if the bytes are not one well-formed item of the
            data model (truncation, indefinite lengths, duplicate keys, depth over
            :data:`MAX_DEPTH`, invalid UTF-8, a tag, NaN, a simple value, mixed map keys).
        NonCanonical: ``cbor.noncanonical`` if the item is well-formed but not deterministically
            encoded (trailing bytes included).
    """
    value = decode_strict(data, what=what)
    check_data_model(value, what=what)
    if _dumps(value) != data:
        raise_noncanonical(data, what=what)
    return value


def raise_noncanonical(data: bytes, *, what: str) -> NoReturn:
    """Raise for bytes whose re-encoding differs: ``cbor.malformed`` if they hold an item outside
    the data model that decoding hid (a tag the decoder turned into a plain value), else
    ``cbor.noncanonical``."""
    reason = model_violation(data)
    if reason is not None:
        raise UntrustedDataError(Code.CBOR_MALFORMED, f"{what} {reason}")
    raise NonCanonical(Code.CBOR_NONCANONICAL, f"{what} is not deterministically encoded CBOR")


def decode_float_free_map(data: bytes, *, what: str, top_level_orders: frozenset[tuple[str, ...]]) -> Any:
    """:func:`decode`, faster where possible, for a text-keyed map whose schema checks the type of
    every value it admits (so the data model need not be walked for a value the schema accepts;
    a caller whose schema rejects the value calls :func:`check_data_model` to name the cause).

    If the map's keys are one of ``top_level_orders``, its nested maps are in deterministic
    order and it holds **no float**, then cbor2's plain encoder (insertion order, shortest
    integers and lengths) yields the deterministic encoding, and comparing its bytes with the
    input is exact. Otherwise — a float anywhere, other orders — the canonical encoder judges.
    The outcome is always :func:`decode`'s for a value the schema accepts; only the cost differs.
    """
    value = decode_strict(data, what=what)
    # The top level's order is settled by the set lookup; only its values need the walk.
    if (type(value) is dict and tuple(value) in top_level_orders
            and ordered_and_float_free(list(value.values())) and cbor2.dumps(value) == data):
        return value
    try:
        reencoded = _dumps(value)
    except (ValueError, TypeError, OverflowError, cbor2.CBOREncodeError) as e:  # a value cbor2 cannot write back
        raise UntrustedDataError(Code.CBOR_MALFORMED, f"{what} holds a value outside the data model") from e
    if reencoded != data:
        check_data_model(value, what=what)
        raise_noncanonical(data, what=what)
    return value


def ordered_and_float_free(value: Any) -> bool:
    """Whether every map in ``value`` has ASCII text keys in deterministic order and no float
    occurs anywhere: the precondition under which cbor2's plain encoder is deterministic."""
    # Containers only recurse; scalars are checked in the loop (no call per scalar).
    kind = type(value)
    if kind is dict:
        keys = list(value)
        if len(keys) > 1:
            if not all(type(key) is str and key.isascii() for key in keys):
                return False  # let the canonical path judge it
            if keys != sorted(sorted(keys), key=len):
                return False
        items: Any = value.values()
    elif kind is list:
        items = value
    else:
        return kind is not float
    for item in items:
        item_kind = type(item)
        if item_kind is float:
            return False
        if (item_kind is dict or item_kind is list) and not ordered_and_float_free(item):
            return False
    return True


def decode_strict(data: bytes, *, what: str) -> Any:
    """Decode one item strictly (definite lengths, no duplicate keys, valid UTF-8, depth at most
    :data:`MAX_DEPTH`), without the data-model walk or the byte-exact canonical comparison.

    Raises:
        UntrustedDataError: ``cbor.malformed``.
    """
    try:
        return cbor2.loads(
            data,
            max_depth=MAX_DEPTH,
            allow_indefinite=False,
            allow_duplicate_keys=False,
            str_errors="strict",
        )
    except (cbor2.CBORDecodeError, ValueError, TypeError, RecursionError, OverflowError) as e:
        raise UntrustedDataError(Code.CBOR_MALFORMED, f"{what} is not well-formed CBOR ({e})") from e


def encode(value: Any) -> bytes:
    """Encode ``value`` deterministically.

    Raises:
        UsageError: if ``value`` is outside the data model (a caller's mistake).
    """
    try:
        check_data_model(value, what="value")
    except UntrustedDataError as e:
        raise UsageError(str(e)) from e
    return _dumps(value)


def encode_validated(value: Any) -> bytes:
    """Encode a value whose type has already been validated against the data model (for
    values this package built, such as schema-checked payloads). Untrusted or caller-built
    values go through :func:`encode`."""
    return _dumps(value)


def encode_ordered_float_free(value: Any) -> bytes:
    """As :func:`encode_validated`, for a value holding no float whose maps are already in
    deterministic order (see :func:`ordered`).

    cbor2's plain encoder writes integers and lengths in shortest form and maps in insertion
    order, so for such a value its output is the deterministic encoding, at about half the cost
    of its canonical mode. (It writes every float as a double, hence the precondition.)
    """
    return cbor2.dumps(value)


def ordered(value: Any) -> Any:
    """A copy of ``value`` with every map's keys in deterministic order (§4.2.1)."""
    return _ordered(value)


def _map_key_order(key: Any) -> Any:
    # Bytewise order of encoded keys (§4.2.1). For text keys of one major type that is the
    # UTF-8 length first, then the bytes; for integers of one sign, the encoded bytes.
    if type(key) is str:
        encoded = key.encode()
        return (len(encoded), encoded)
    return (0, cbor2.dumps(key))


def _ordered(value: Any) -> Any:
    kind = type(value)
    if kind is dict:
        if not value:
            return {}
        keys = list(value)
        if len(keys) > 1:
            if all(type(key) is str and key.isascii() for key in keys):
                # Code-point order is UTF-8 byte order; a stable sort by length then gives
                # length-first-then-bytes, with both sorts in C.
                keys = sorted(sorted(keys), key=len)
            else:
                keys = sorted(keys, key=_map_key_order)
        return {key: _ordered(value[key]) for key in keys}
    if kind is list:
        return [_ordered(item) for item in value]
    return value


def _dumps(value: Any) -> bytes:
    return cbor2.dumps(value, canonical=True)


_SCALARS = (str, bytes, bool, type(None))


def check_data_model(value: Any, *, what: str, _depth: int = 0) -> None:
    """Raise :class:`UntrustedDataError` if ``value`` holds anything outside the data model."""
    if _depth > MAX_DEPTH:
        raise UntrustedDataError(Code.CBOR_MALFORMED, f"{what} nests deeper than {MAX_DEPTH}")
    kind = type(value)
    if kind in _SCALARS:
        return
    if kind is int:
        if not _INT_MIN <= value <= _INT_MAX:
            raise UntrustedDataError(Code.CBOR_MALFORMED, f"{what} holds an integer outside 64 bits")
        return
    if kind is float:
        if not math.isfinite(value):
            raise UntrustedDataError(Code.CBOR_MALFORMED, f"{what} holds a NaN or infinite float")
        return
    if kind is list or kind is tuple:
        for item in value:
            check_data_model(item, what=what, _depth=_depth + 1)
        return
    if kind is dict or kind is cbor2.frozendict:
        _check_keys(value, what=what)
        for item in value.values():
            check_data_model(item, what=what, _depth=_depth + 1)
        return
    if kind is cbor2.CBORTag and value.tag == COSE_SIGN1_TAG and _depth == 0:
        check_data_model(value.value, what=what, _depth=_depth + 1)
        return
    raise UntrustedDataError(Code.CBOR_MALFORMED, f"{what} holds a value the format does not allow ({kind.__name__})")


def _check_keys(mapping: Any, *, what: str) -> None:
    major = None
    for key in mapping:
        kind = type(key)
        if kind is str:
            key_major = 3
        elif kind is int:
            key_major = 0 if key >= 0 else 1
            if not _INT_MIN <= key <= _INT_MAX:
                raise UntrustedDataError(Code.CBOR_MALFORMED, f"{what} has a map key outside 64 bits")
        else:
            raise UntrustedDataError(Code.CBOR_MALFORMED, f"{what} has a map key that is not text or an integer")
        if major is None:
            major = key_major
        elif major != key_major:
            raise UntrustedDataError(
                Code.CBOR_MALFORMED, f"{what} has a map whose keys mix major types (spec/format.md §2 rule D6)"
            )


# -- the data model, read from the bytes (spec/format.md §2, D1–D6) ---------------------------

COSE_SIGN1_TAG = 18  # the one tag the format has, at the top of an envelope


class _OutsideModel(Exception):
    pass


def model_violation(data: bytes) -> str | None:
    """Why the first item of ``data`` is not well-formed CBOR of the format's data model, read
    from the bytes themselves; None if it is. Tags are seen here even where a decoder turns them
    into plain values (a bignum into an integer), which is why a failed canonical comparison
    asks this before it says ``noncanonical``. Trailing bytes are not looked at."""
    try:
        _scan(data, 0, 0, top=True)
    except _OutsideModel as e:
        return str(e)
    return None


def _scan(data: bytes, pos: int, depth: int, *, top: bool = False) -> int:
    if pos >= len(data):
        raise _OutsideModel("ends inside an item")
    initial = data[pos]
    major, info = initial >> 5, initial & 0x1F
    pos += 1
    if info < 24:
        argument = info
    elif info <= 27:
        width = 1 << (info - 24)
        if pos + width > len(data):
            raise _OutsideModel("ends inside an item head")
        argument = int.from_bytes(data[pos:pos + width], "big")
        pos += width
    else:
        raise _OutsideModel("has an indefinite length or a reserved head")
    if major <= 1:
        return pos
    if major <= 3:
        end = pos + argument
        if end > len(data):
            raise _OutsideModel("ends inside a string")
        if major == 3:
            try:
                data[pos:end].decode("utf-8")
            except UnicodeDecodeError as e:
                raise _OutsideModel("holds invalid UTF-8") from e
        return end
    if major <= 5 or major == 6:
        if depth >= MAX_DEPTH:
            raise _OutsideModel(f"nests deeper than {MAX_DEPTH}")
        if major == 6:
            if not (top and argument == COSE_SIGN1_TAG):
                raise _OutsideModel(f"holds a tag ({argument}), which the data model does not allow")
            return _scan(data, pos, depth + 1)
        if major == 4:
            for _ in range(argument):
                pos = _scan(data, pos, depth + 1)
            return pos
        key_major = None
        for _ in range(argument):
            if pos >= len(data):
                raise _OutsideModel("ends inside a map")
            this_major = data[pos] >> 5
            if this_major not in (0, 1, 3):
                raise _OutsideModel("has a map key that is not text or an integer")
            if key_major is not None and this_major != key_major:
                raise _OutsideModel("has a map whose keys mix major types (spec/format.md §2 rule D6)")
            key_major = this_major
            pos = _scan(data, _scan(data, pos, depth + 1), depth + 1)
        return pos
    # major 7: false, true, null and finite floats only
    if info in (20, 21, 22):
        return pos
    if info in (25, 26, 27):
        raw = data[pos - (1 << (info - 24)):pos]
        number = struct.unpack(">e" if info == 25 else ">f" if info == 26 else ">d", raw)[0]
        if not math.isfinite(number):
            raise _OutsideModel("holds a NaN or infinite float")
        return pos
    raise _OutsideModel("holds a simple value other than false, true and null")

"""Event records of a bundle: steps V3–V5 and V7 of spec/verification.md, one chunk at a time.
Private to the format core; its public face exports :func:`check_chunk` and the two paths.

Two paths, one outcome. The *reference path* builds the models of event.py (``parse_event`` →
``SignedEvent`` → ``EventPayload``) and names precisely what is wrong. The *lean path* makes
the same checks for the one layout a valid record can have, without building those objects; it
is the verifier's hot loop. At the first thing that is not that layout, or not valid, it
declines and the reference path takes the record. It never accepts what the reference path
rejects: both share the payload's type and rule checks (``event.payload_fields``,
``event.check_payload_rules``, the type table and ``check_disclosure``), and
tests/test_records.py compares the two on valid and mutated records.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple, cast

import cbor2

from verifier.format import _bundle as bundle
from verifier.format import _cbor as cbor
from verifier.format import _cose as cose
from verifier.format import _ed25519 as ed25519
from verifier.format._bundle import EVENT_RECORD_PREFIX
from verifier.format._codes import (
    Code,
    CodedError,
    MalformedBundle,
    SchemaError,
    UntrustedDataError,
    VerificationFailure,
)
from verifier.format._event import (
    ENCODED_FIELDS,
    ENCODED_TYPES,
    MAX_ENVELOPE_SIZE,
    MAX_TIME,
    PAYLOAD_KEY_ORDERS,
    SignedEvent,
    check_commitment,
    disclosure_parts,
    parse_event,
)
from verifier.format._ids import (
    CTYPE_EVENT,
    FORMAT_VERSION,
    EventHash,
    WorkId,
    event_hash,
    key_id,
)
from verifier.format._licence import check_licence_event
from verifier.format._types import EVENT_TYPES, GENESIS_TYPE

_MAX_EVENT_RECORD = bundle.MAX_RECORD_SIZE["event"]


class EventSummary(NamedTuple):
    """What the sequential checks and the analysis need of one verified event. Immutable; built
    only from a payload that passed steps V3–V5 and V7."""

    hash: EventHash
    seq: int
    type: str
    work: WorkId | None
    prev: EventHash | None
    time: int
    occurred: int | None
    signer: bytes
    body: Mapping[str, Any]
    private_fields: tuple[str, ...]
    disclosed: Mapping[str, str]


@dataclass(frozen=True, slots=True)
class Finding:
    """One error or warning: a :class:`Code`, the event's seq (or position) where there is one,
    and a message. ``hash`` is the event's hash as received, where the record could be split;
    the chain continues from it (V6.10)."""

    code: Code
    event: int | None
    message: str
    hash: EventHash | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.code, Code):
            raise TypeError(f"a finding's code is a Code member, not {self.code!r}")

    def to_json(self) -> dict[str, Any]:
        return {"code": self.code.value, "event": self.event, "message": self.message}


def check_chunk(contents: list[bytes]) -> list[EventSummary | Finding]:
    """Steps V3–V5 and V7 for a chunk of event records (pure; runs in worker processes). A record
    that fails gives a Finding in its place. The lean path parses the whole chunk first and then
    checks its signatures in one tight loop, so the primitive's code and tables stay in cache."""
    results: list[EventSummary | Finding] = []
    positions: list[int] = []  # where each record of the lean path is in results
    signed: list[tuple[bytes, bytes]] = []  # and its key and signed message
    empty_bodies: set[tuple[str, ...]] = set()
    for content in contents:
        try:
            lean = _lean_parse(content, empty_bodies)
        except _LEAN_DECLINES:
            lean = None
        if lean is None:
            results.append(check_record_reference(content))
        else:
            summary, key_and_message = lean
            positions.append(len(results))
            signed.append(key_and_message)
            results.append(summary)
    for failed in ed25519.invalid_signatures(signed):  # V5
        index = positions[failed]
        passed = results[index]
        assert type(passed) is EventSummary
        results[index] = Finding(Code.EVENT_SIGNATURE_INVALID, passed.seq, cose.BAD_SIGNATURE, passed.hash)
    return results


# -- the reference path ---------------------------------------------------------------------


def summarise(signed: SignedEvent, disclosures: list[Any]) -> EventSummary:
    """Step V7 (disclosures) and the summary the sequential checks need."""
    payload = signed.payload
    disclosed = _check_disclosures(payload.commitments, payload.seq, disclosures)
    # The body was decoded for this event alone: the summary can hold it without a copy.
    return EventSummary(signed.hash, payload.seq, payload.type, payload.work, payload.prev, payload.time,
                        payload.occurred, payload.signer, payload.body, tuple(payload.commitments), disclosed)


def split_event_record(content: bytes) -> tuple[bytes, list[Any]]:
    """``["event", envelope, disclosures]`` → its parts (V1.5). The deterministic encoding
    begins ``83 65 "event"`` and a shortest-form byte string; the disclosures are an array of at
    most 16 items in deterministic CBOR.

    Raises: MalformedBundle ``bundle.malformed`` / ``bundle.too_large``.
    """
    if len(content) > _MAX_EVENT_RECORD:
        raise MalformedBundle(Code.BUNDLE_TOO_LARGE, "event record is over the limit")
    envelope = cose.read_bstr(content, len(EVENT_RECORD_PREFIX)) if content.startswith(EVENT_RECORD_PREFIX) else None
    if envelope is None:
        kind, _record = bundle.decode_record(content)  # to say precisely what is wrong
        raise MalformedBundle(Code.BUNDLE_MALFORMED,
                              f"an event record is [\"event\", envelope, disclosures], not {kind}")
    return envelope[0], _decode_disclosures(content[envelope[1]:])


def _decode_disclosures(rest: bytes) -> list[Any]:
    if rest == b"\x80":
        return []
    try:
        # Depth counts from the record's own top level (V1.5): the disclosures sit one level down,
        # so they are decoded inside a one-item array, which nests exactly as the record does.
        disclosures = cbor.decode(b"\x81" + rest, what="disclosures")[0]
    except UntrustedDataError as e:
        raise MalformedBundle(Code.BUNDLE_MALFORMED, e.message) from e
    if type(disclosures) is not list:
        raise MalformedBundle(Code.BUNDLE_MALFORMED, "an event record's disclosures are an array")
    if len(disclosures) > bundle.MAX_DISCLOSURES:  # limit B3
        raise MalformedBundle(Code.BUNDLE_TOO_LARGE, f"more than {bundle.MAX_DISCLOSURES} disclosures in one event")
    return disclosures


def _check_disclosures(commitments: Mapping[str, bytes], seq: int, disclosures: list[Any]) -> dict[str, str]:
    """Step V7: each disclosure's shape (V7.2), their order (V7.3), each commitment (V7.4)."""
    disclosed: dict[str, str] = {}
    last = ""
    for disclosure in disclosures:
        salt, name, value = disclosure_parts(disclosure, seq)
        if disclosed and name <= last:  # code-point order of the field names, each once
            raise VerificationFailure(Code.DISCLOSURE_MALFORMED, "disclosures must be sorted by field, once each",
                                      event=seq)
        check_commitment(commitments, seq, salt, name, value)
        disclosed[name] = value
        last = name
    return disclosed


def check_record_reference(content: bytes) -> EventSummary | Finding:
    """The reference path for one event record: V1.5, V3, V4, V5 and V7 in that order; the
    first failing step names the record's one error. Never raises for bad input."""
    digest: EventHash | None = None
    try:
        envelope, disclosures = split_event_record(content)
        digest = event_hash(envelope)
        signed = parse_event(envelope)
        signed.verify_signature()
        if signed.payload.type == "licence":  # V5.2: the parties' signatures and commitments
            check_licence_event(signed.payload.body, signed.payload.commitments, signed.payload.seq)
        return summarise(signed, disclosures)
    except CodedError as e:
        return Finding(e.code, e.event, e.message, digest)
    except _UNFORESEEN as e:  # a check that broke on hostile input: fail closed, never a traceback
        return Finding(Code.EVENT_MALFORMED, None, f"the record could not be checked ({type(e).__name__}: {e})",
                       digest)


_UNFORESEEN = (ValueError, TypeError, KeyError, IndexError, AttributeError, RecursionError, OverflowError)


# -- the lean path ----------------------------------------------------------------------------

_SIG1_START = b"\x84\x6aSignature1"
_EMPTY_AAD = b"\x40"
_LEAN_DECLINES = (IndexError, ValueError, TypeError, OverflowError, RecursionError, CodedError,
                  SchemaError, cbor2.CBORDecodeError)


def check_record_lean(content: bytes) -> tuple[EventSummary, bytes, bytes, bytes] | None:
    """The summary, key, signature and signed message (the Sig_structure) of a record in the one
    layout of a valid event record, all checks but the signature passed; None to let the
    reference path judge."""
    try:
        lean = _lean_parse(content, set())
    except _LEAN_DECLINES:
        return None
    if lean is None:
        return None
    summary, (public_key, signed_message) = lean
    return summary, public_key, signed_message[:64], signed_message[64:]


def _lean_parse(content: bytes, empty_bodies: set[tuple[str, ...]]) -> tuple[EventSummary, tuple[bytes, bytes]] | None:
    """``empty_bodies``: the (type, committed fields...) of empty bodies already admitted in this
    chunk; the parse adds to it."""
    # V1.5: 83 65 "event" <bstr envelope> <disclosures>; the envelope's head in shortest form.
    if len(content) > _MAX_EVENT_RECORD or content[:7] != EVENT_RECORD_PREFIX:
        return None
    head = content[7]
    if head == 0x59:
        start, length = 10, int.from_bytes(content[8:10], "big")
        if length < 0x100:
            return None
    elif head == 0x58:
        start, length = 9, content[8]
        if length < 24:
            return None
    else:
        return None
    end = start + length
    if end > len(content) or length > MAX_ENVELOPE_SIZE:
        return None
    # V3.2: d2 84 58 <n ≥ 24> <protected> a0 <bstr payload> 58 40 <signature> (spec/format.md §4)
    if content[start:start + 3] != b"\xd2\x84\x58":
        return None
    protected_start = start + 4
    protected_end = protected_start + content[start + 3]
    if content[start + 3] < 24 or content[protected_end] != 0xA0:
        return None
    head = content[protected_end + 1]
    if head == 0x59:
        payload_start = protected_end + 4
        payload_end = payload_start + int.from_bytes(content[protected_end + 2:protected_end + 4], "big")
        if payload_end - payload_start < 0x100:
            return None
    elif head == 0x58:
        payload_start = protected_end + 3
        payload_end = payload_start + content[protected_end + 2]
        if payload_end - payload_start < 24:
            return None
    else:
        return None
    if payload_end + 66 != end or content[payload_end:payload_end + 2] != b"\x58\x40":
        return None
    protected = content[protected_start:protected_end]
    # V3.3: the protected header (parse_protected remembers the valid ones).
    header = cose.parse_protected(protected, cose.EVENT_CODES)
    if header.content_type != CTYPE_EVENT:
        return None
    # V3.4 and V4: the payload, read through patterns that admit only its deterministic encoding
    # (spec/format.md §2): for each key order, the map head for that many keys, each key's bytes, and
    # shortest-form values of each field's CDDL type — v, seq, time, occurred unsigned 64-bit
    # integers; work, prev, signer 32-byte strings; a type name of the table; commitments a map of
    # the table's private fields to 32-byte digests. The body, the one free-form field, is decoded
    # strictly by cbor2 and must be cbor2's plain encoding of what it decoded (deterministic for
    # ordered, float-free maps). CBOR items are self-delimiting, so the patterns' split of the bytes
    # is a decoder's, and together they say bytes = encode(value); what is left of payload_fields
    # and check_payload_rules is the values' own rules (tests/verifier/test_records.py holds the two
    # paths equal).
    patterns = _PAYLOAD_PATTERNS.get(content[payload_start])  # by the map's size: one key order each
    if patterns is None:
        return None
    before_body, after_body = patterns
    match = before_body.match(content, payload_start, payload_end)
    if match is None:
        return None
    body_at = match.end()
    if content[body_at] == 0xA0:
        body: dict[str, Any] = {}
        after_at = body_at + 1
    else:
        body = cbor2.loads(content[body_at:payload_end], max_depth=cbor.MAX_DEPTH, allow_indefinite=False,
                           allow_duplicate_keys=False, str_errors="strict")
        if type(body) is not dict or not body or not cbor.ordered_and_float_free(body):
            return None
        body_bytes = cbor2.dumps(body)
        if not content.startswith(body_bytes, body_at):
            return None
        after_at = body_at + len(body_bytes)
    fields = after_body.fullmatch(content, after_at, payload_end)
    if fields is None:
        return None
    seq = _uint(match[1])
    prev, time, type_name, work, signer, occurred, committed = fields.groups()
    time = _uint(time)
    type_name = _TYPE_NAMES[type_name]
    if occurred is not None:
        occurred = _uint(occurred)
    commitments = {_FIELD_NAMES[name]: digest for name, digest in _COMMITTED.findall(committed, 1)}
    if len(commitments) != committed[0] - 0xA0:  # each field once
        return None
    if time > MAX_TIME or (occurred is not None and (occurred > MAX_TIME or occurred > time)):
        return None
    if (type_name == GENESIS_TYPE) != (seq == 0) or (type_name == GENESIS_TYPE) != (work is None):
        return None
    if type_name == "licence":  # V5.2 needs the whole payload: the reference path checks it
        return None
    if body or (type_name, *commitments) not in empty_bodies:
        EVENT_TYPES[type_name].check_body(body, frozenset(commitments))
        if not body:  # an empty body's check (V4.4) depends on the type and the committed fields alone
            empty_bodies.add((type_name, *commitments))
    if len(commitments) > 1 and not cbor.ordered_and_float_free(commitments):
        return None
    if header.kid != key_id(signer) or header.subject_bytes != work:  # V3.5
        return None
    # V7: disclosures.
    rest = content[end:]
    disclosed = {} if rest == b"\x80" else _check_disclosures(commitments, seq, _decode_disclosures(rest))
    digest = event_hash(content[start:end])  # (a copy of the envelope is cheaper than a memoryview's)
    # The signature, then the Sig_structure from the bytes received (the heads are already in
    # shortest form): one string, as libsodium takes them.
    signed_message = b"".join((content[payload_end + 2:end], _SIG1_START, content[protected_start - 2:protected_end],
                               _EMPTY_AAD, content[protected_end + 1:payload_end]))
    summary = _summary(EventSummary, (digest, seq, type_name, work, prev, time, occurred, signer, body,
                                      tuple(commitments), disclosed))
    return summary, (signer, signed_message)


#: EventSummary from a tuple of its fields, in C (EventSummary._make without its Python frame).
_summary = cast("Callable[[type[EventSummary], tuple[Any, ...]], EventSummary]", tuple.__new__)


def _uint(encoded: bytes) -> int:
    """An unsigned integer from its shortest-form encoding (the patterns admit no other)."""
    return encoded[0] if len(encoded) == 1 else int.from_bytes(encoded[1:], "big")


_TYPE_NAMES = {encoded: name for name, encoded in ENCODED_TYPES.items()}
_FIELD_NAMES = {encoded: name for name, encoded in ENCODED_FIELDS.items()}
_DIGEST = rb"\x58\x20(.{32})"
#: A private field name of the table, as encoded.
_FIELD_NAME = b"|".join(re.escape(ENCODED_FIELDS[name]) for name in sorted(ENCODED_FIELDS))
#: One commitment of a private field to a 32-byte digest: (name's bytes, digest).
_COMMITTED = re.compile(b"(" + _FIELD_NAME + b")" + _DIGEST, re.DOTALL)


def _payload_patterns(keys: tuple[str, ...]) -> tuple[re.Pattern[bytes], re.Pattern[bytes]]:
    """For one key order of the payload map: a pattern for its bytes up to the body, whose group
    is seq, and one for its bytes after the body, whose groups are prev, time, type, work, signer,
    occurred and commitments (None where the order has no such key). They admit only deterministic
    encodings (shortest-form heads, no tags, no floats) of each field's type; v is 1."""
    def text(name: str) -> bytes:
        return re.escape(cbor2.dumps(name))

    uint = rb"(?:[\x00-\x17]|\x18[\x18-\xff]|\x19[\x01-\xff].|\x1a(?!\x00\x00)....|\x1b(?!\x00{4}).{8})"
    type_name = b"(?:" + b"|".join(re.escape(ENCODED_TYPES[name]) for name in sorted(ENCODED_TYPES)) + b")"
    committed = b"(?:" + _FIELD_NAME + rb")\x58\x20.{32}"
    most = max(len(spec.private_fields) for spec in EVENT_TYPES.values())
    commitments = b"(?:" + b"|".join(bytes([0xA0 + n]) + committed * n for n in range(most + 1)) + b")"
    values = {"v": re.escape(cbor2.dumps(FORMAT_VERSION)), "seq": b"(" + uint + b")",
              "prev": _DIGEST, "time": b"(" + uint + b")", "type": b"(" + type_name + b")", "work": _DIGEST,
              "signer": _DIGEST, "occurred": b"(" + uint + b")", "commitments": b"(" + commitments + b")"}
    body_at = keys.index("body")
    before = bytes([0xA0 + len(keys)]) + b"".join(text(key) + values[key] for key in keys[:body_at]) + text("body")
    # A key the order lacks is a group that never takes part: its value is None.
    after = b"".join(text(key) + values[key] if key in keys else b"(?:(?!)())?"
                     for key in ("prev", "time", "type", "work", "signer", "occurred", "commitments"))
    return re.compile(before, re.DOTALL), re.compile(after, re.DOTALL)


#: The patterns for each key order a payload may have, by the map's head: each size has one order.
_PAYLOAD_PATTERNS = {0xA0 + len(keys): _payload_patterns(keys) for keys in PAYLOAD_KEY_ORDERS}
assert len(_PAYLOAD_PATTERNS) == len(PAYLOAD_KEY_ORDERS)

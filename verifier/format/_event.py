"""Signed events: the payload model and the checks of one envelope (spec/verification.md V3–V5).

Everything here is pure: bytes in, values or exceptions out.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, cast

import cbor2

from verifier.format import _cbor as cbor
from verifier.format import _cose as cose
from verifier.format._codes import Code, SchemaError, UntrustedDataError, UsageError, VerificationFailure
from verifier.format._ids import (
    CTYPE_EVENT,
    DIGEST_SIZE,
    DISCLOSURE_PREFIX,
    FORMAT_VERSION,
    PUBLIC_KEY_SIZE,
    SALT_SIZE,
    EventHash,
    KeyId,
    WorkId,
    event_hash,
    key_id,
)
from verifier.format._text import MAX_TEXT
from verifier.format._types import EVENT_TYPES, GENESIS_TYPE, PRIVATE_FIELDS, RESERVED_TYPES

_dumps = cbor2.dumps  # shortest-form integers and text: what the deterministic encoding writes for them
# Fixed pieces of a payload's encoding (EventPayload.encode).
_MAP_HEADS = tuple(bytes((0xA0 + n,)) for n in range(24))
_VERSION_ENTRY = b"\x61v" + _dumps(FORMAT_VERSION) + b"\x63seq"  # then seq's value
#: The encoding of each type name and each private field name of the table (the event path reads
#: payloads by these bytes, EventPayload.encode writes them).
ENCODED_TYPES = {name: _dumps(name) for name in EVENT_TYPES}
ENCODED_FIELDS = {name: _dumps(name) for name in PRIVATE_FIELDS}
_TYPE_ENTRIES = {name: b"\x64type" + encoded for name, encoded in ENCODED_TYPES.items()}
_DISCLOSURE_HEAD = b"\x83" + _dumps(bytes(SALT_SIZE))[:1]  # an array of three, then the salt's head
_FIELD_KEYS = {name: encoded + b"\x58\x20" for name, encoded in ENCODED_FIELDS.items()}  # then its digest

#: Largest envelope accepted (limit L2, spec/format.md §7).
MAX_ENVELOPE_SIZE = 1 << 20

_PAYLOAD_KEYS = frozenset({"v", "type", "work", "seq", "prev", "time", "occurred", "signer", "body",
                           "commitments"})
_REQUIRED_PAYLOAD_KEYS = frozenset({"v", "type", "seq", "time", "signer", "body", "commitments"})
_KEY_ORDER = ("v", "seq", "body", "prev", "time", "type", "work", "signer", "occurred", "commitments")
#: The deterministic key orders a payload may have (genesis or not, with or without occurred).
PAYLOAD_KEY_ORDERS = frozenset(
    tuple(k for k in _KEY_ORDER if k not in absent)
    for absent in ((), ("occurred",), ("work", "prev"), ("work", "prev", "occurred"))
)


_U64_MAX = 0xFFFF_FFFF_FFFF_FFFF
#: Latest recorded or occurred time the format admits: 9999-12-31T23:59:59.999999Z (format.md §3).
MAX_TIME = 253_402_300_799_999_999


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def moment_of(microseconds: int) -> datetime:
    """The aware UTC datetime of a time in microseconds since the Unix epoch (beyond MAX_TIME:
    MAX_TIME)."""
    return _EPOCH + timedelta(microseconds=min(microseconds, MAX_TIME))


def microseconds_of(moment: datetime) -> int:
    """An aware datetime → microseconds since the Unix epoch (exact; not checked against the
    format's range)."""
    return (moment - _EPOCH) // timedelta(microseconds=1)


def format_time(microseconds: int) -> str:
    """RFC 3339 UTC text of a time in microseconds since the Unix epoch (any value in range)."""
    return moment_of(microseconds).isoformat(timespec="microseconds").replace("+00:00", "Z")


@dataclass(frozen=True, slots=True)
class EventPayload:
    """The signed content of one event (spec/format.md §3). Valid by construction."""

    version: int
    type: str
    work: WorkId | None
    seq: int
    prev: EventHash | None
    time: int  # recorded time, microseconds since the Unix epoch, UTC
    occurred: int | None
    signer: bytes  # raw Ed25519 public key
    body: Mapping[str, Any]
    commitments: Mapping[str, bytes]  # private field name -> disclosure digest

    def __post_init__(self) -> None:
        """Raises: SchemaError (a ``ValueError``) naming the first rule broken."""
        check_payload(self.version, self.type, self.work, self.seq, self.prev, self.time, self.occurred,
                      self.signer, self.body, self.commitments)

    @property
    def key_id(self) -> KeyId:
        return key_id(self.signer)

    def to_cbor(self) -> dict[str, Any]:
        """The payload map (spec/event.cddl ``event-payload``), keys in deterministic order:
        by encoded length, then bytewise (v, seq, body, prev, time, type, work, signer,
        occurred, commitments)."""
        value: dict[str, Any] = {"v": self.version, "seq": self.seq, "body": dict(self.body)}
        if self.prev is not None:
            value["prev"] = bytes(self.prev)
        value["time"] = self.time
        value["type"] = self.type
        if self.work is not None:
            value["work"] = bytes(self.work)
        value["signer"] = self.signer
        if self.occurred is not None:
            value["occurred"] = self.occurred
        value["commitments"] = dict(self.commitments)
        return value

    def encode(self) -> bytes:
        """The payload's deterministic bytes (spec/format.md §2): the map of :meth:`to_cbor`
        (:func:`encode_payload` without its checks, which construction made)."""
        return _encode_checked(self.type, self.work, self.seq, self.prev, self.time, self.occurred, self.signer,
                               self.body, self.commitments)

    @classmethod
    def from_cbor(cls, value: Any) -> EventPayload:
        """Build from a decoded payload map (step V4).

        Raises:
            VerificationFailure: ``event.schema_invalid`` naming what is wrong.
        """
        fields = payload_fields(value)
        try:
            return cls(*fields)
        except SchemaError as e:
            raise VerificationFailure(Code.EVENT_SCHEMA_INVALID, str(e), event=fields[3]) from e


def check_payload(version: Any, type_name: Any, work: Any, seq: Any, prev: Any, time: Any, occurred: Any,
                  signer: Any, body: Any, commitments: Any) -> None:
    """Steps V4.1–V4.4 over a payload's fields (what :class:`EventPayload` checks on construction):
    :func:`check_field_types`, then :func:`check_payload_rules`. ``body`` and ``commitments`` may
    be any mappings.

    Raises:
        SchemaError: naming the first rule broken.
    """
    check_field_types(version, type_name, work, seq, prev, time, occurred, signer,
                      body if type(body) is dict or not isinstance(body, Mapping) else dict(body),
                      commitments if type(commitments) is dict or not isinstance(commitments, Mapping)
                      else dict(commitments))
    check_payload_rules(version, type_name, work, seq, prev, time, occurred, body, commitments)


def encode_payload(version: int, type_name: str, work: WorkId | None, seq: int, prev: EventHash | None, time: int,
                   occurred: int | None, signer: bytes, body: Mapping[str, Any],
                   commitments: Mapping[str, bytes]) -> bytes:
    """The deterministic bytes of the payload with these fields (spec/format.md §2–3), after the
    checks :class:`EventPayload`'s construction makes (:func:`check_payload`): what a writer signs,
    without building the model. Equal to ``EventPayload(...).encode()``.

    Raises:
        SchemaError: naming the first rule broken.
    """
    check_payload(version, type_name, work, seq, prev, time, occurred, signer, body, commitments)
    return _encode_checked(type_name, work, seq, prev, time, occurred, signer, body, commitments)


def _encode_checked(type_name: str, work: bytes | None, seq: int, prev: bytes | None, time: int,
                    occurred: int | None, signer: bytes, body: Mapping[str, Any],
                    commitments: Mapping[str, bytes]) -> bytes:
    """The map of :meth:`EventPayload.to_cbor` of fields :func:`check_payload` accepted, written
    field by field. The checks fixed each field's type (unsigned integers, 32-byte strings, text,
    the commitments' names and digests; the version is FORMAT_VERSION), so their encodings are
    written directly; the body alone goes through cbor2 — the canonical encoder for one with
    ``params`` (the only place the schema admits floats), else the faster float-free one over its
    keys in deterministic order. Equal to cbor2's canonical encoding of the map (the golden
    vectors hold it to that)."""
    if not body:
        body_bytes = b"\xa0"
    elif "params" in body:
        body_bytes = cbor.encode_validated(dict(body))
    else:
        body_bytes = cbor.encode_ordered_float_free(cbor.ordered(dict(body)))
    names = sorted(sorted(commitments), key=len) if len(commitments) > 1 else list(commitments)
    keys = 7 + (prev is not None) + (work is not None) + (occurred is not None)
    # (type and field names are the table's, the checks made sure)
    parts = [_MAP_HEADS[keys], _VERSION_ENTRY, _dumps(seq), b"\x64body", body_bytes]
    if prev is not None:
        parts += (b"\x64prev\x58\x20", prev)
    parts += (b"\x64time", _dumps(time), _TYPE_ENTRIES[type_name])
    if work is not None:
        parts += (b"\x64work\x58\x20", work)
    parts += (b"\x66signer\x58\x20", signer)
    if occurred is not None:
        parts += (b"\x68occurred", _dumps(occurred))
    parts += (b"\x6bcommitments", _MAP_HEADS[len(names)])
    for name in names:
        parts += (_FIELD_KEYS[name], commitments[name])
    return b"".join(parts)


PayloadFields = tuple[int, str, WorkId | None, int, EventHash | None, int, int | None, bytes,
                      dict[str, Any], dict[str, Any]]


def payload_fields(value: Any) -> PayloadFields:
    """The ten fields of a decoded payload map, each of its CDDL type,
    in :class:`EventPayload`'s order (step V4.1). The rules between them are
    :func:`check_payload_rules`.

    Raises:
        VerificationFailure: ``event.schema_invalid`` naming what is wrong.
    """
    if type(value) is not dict:
        raise VerificationFailure(Code.EVENT_SCHEMA_INVALID, "payload must be a map")
    if tuple(value) not in PAYLOAD_KEY_ORDERS:  # the usual case costs one lookup
        unknown = set(value) - _PAYLOAD_KEYS
        missing = _REQUIRED_PAYLOAD_KEYS - set(value)
        if unknown or missing:
            raise VerificationFailure(
                Code.EVENT_SCHEMA_INVALID,
                f"payload keys wrong (unknown {sorted(map(str, unknown))}, missing {sorted(missing)})",
            )
    version, type_name, seq, time = value["v"], value["type"], value["seq"], value["time"]
    work, prev, occurred = value.get("work"), value.get("prev"), value.get("occurred")
    signer, body, commitments = value["signer"], value["body"], value["commitments"]
    try:
        check_field_types(version, type_name, work, seq, prev, time, occurred, signer, body, commitments)
    except SchemaError as e:
        raise VerificationFailure(Code.EVENT_SCHEMA_INVALID, str(e)) from e
    # work and prev are 32-byte digests: WorkId and EventHash (NewType is the identity at run time).
    return cast(PayloadFields, (version, type_name, work, seq, prev, time, occurred, signer, body, commitments))


def check_field_types(version: Any, type_name: Any, work: Any, seq: Any, prev: Any, time: Any, occurred: Any,
                      signer: Any, body: Any, commitments: Any) -> None:
    """Step V4.1: each payload field has its CDDL type and range (format.md §3): integers
    unsigned and within 64 bits, times within 0 … :data:`MAX_TIME`, digests and the key of their
    sizes, body and commitments maps.

    Raises:
        SchemaError: naming what is wrong.
    """
    if (type(version) is not int or type(type_name) is not str
            or type(seq) is not int or not 0 <= seq <= _U64_MAX
            or type(signer) is not bytes or len(signer) != PUBLIC_KEY_SIZE
            or (work is not None and (type(work) is not bytes or len(work) != DIGEST_SIZE))
            or (prev is not None and (type(prev) is not bytes or len(prev) != DIGEST_SIZE))
            or type(body) is not dict or type(commitments) is not dict):
        raise SchemaError("payload fields have the wrong types")
    if type(time) is not int or not 0 <= time <= MAX_TIME:
        raise SchemaError("time must be microseconds since 1970-01-01T00:00:00Z, at most 9999-12-31T23:59:59.999999Z")
    if occurred is not None and (type(occurred) is not int or not 0 <= occurred <= MAX_TIME):
        raise SchemaError("occurred must be microseconds since 1970-01-01T00:00:00Z, "
                          "at most 9999-12-31T23:59:59.999999Z")


def check_payload_rules(version: int, type_name: str, work: WorkId | None, seq: int, prev: EventHash | None,
                        time: int, occurred: int | None, body: Mapping[str, Any],
                        commitments: Mapping[str, bytes]) -> None:
    """The rules of a payload whose fields have their types (steps V4.2–V4.4): format version, a
    known type, genesis at seq 0 only, occurred not after time, commitments, and the body against
    its type's schema.

    Raises:
        SchemaError: naming the first rule broken.
    """
    if version != FORMAT_VERSION:
        raise SchemaError(f"format version {version} is not supported (want {FORMAT_VERSION})")
    if type_name in RESERVED_TYPES:
        raise SchemaError(f"event type {type_name} is reserved and not part of format v1")
    spec = EVENT_TYPES.get(type_name)
    if spec is None:
        raise SchemaError(f"unknown event type {type_name!r}")
    genesis = type_name == GENESIS_TYPE
    if genesis != (seq == 0):
        raise SchemaError("seq 0 is the work.created event and only it")
    if genesis != (work is None) or genesis != (prev is None):
        raise SchemaError("work and prev are absent in the genesis event and present otherwise")
    if occurred is not None and occurred > time:
        raise SchemaError("occurred must not be later than the recorded time")
    for name, digest in commitments.items():
        if type(name) is not str or type(digest) is not bytes or len(digest) != DIGEST_SIZE:
            raise SchemaError("commitments must map field names to 32-byte digests")
    spec.check_body(body, frozenset(commitments))


@dataclass(frozen=True, slots=True)
class SignedEvent:
    """One envelope whose structure, encoding, header and payload schema have been checked.

    The signature is *not* checked on construction: call :meth:`verify_signature` (the split lets
    a verifier spread signature checks over processes).
    """

    envelope: bytes
    hash: EventHash
    payload: EventPayload
    protected: bytes
    payload_bytes: bytes  # exactly as received; the signature is checked over these
    signature: bytes

    def signed_bytes(self) -> bytes:
        """The RFC 9052 Sig_structure over the protected header and payload as received."""
        return cose.sig_structure(self.protected, self.payload_bytes)

    def verify_signature(self) -> None:
        """Step V5. Raises: VerificationFailure ``event.signature_invalid``."""
        try:
            cose.verify_signature(self.payload.signer, self.signature, self.signed_bytes(),
                                  code=Code.EVENT_SIGNATURE_INVALID)
        except VerificationFailure as e:
            e.event = self.payload.seq
            raise


def parse_event(envelope: bytes) -> SignedEvent:
    """Steps V3 and V4 of spec/verification.md for one envelope: everything but the signature.

    Raises:
        VerificationFailure: ``event.too_large``, ``event.malformed``, ``event.noncanonical``,
            ``event.header_invalid`` or ``event.schema_invalid``.
    """
    if len(envelope) > MAX_ENVELOPE_SIZE:  # V3.1
        raise VerificationFailure(Code.EVENT_TOO_LARGE, f"envelope is over {MAX_ENVELOPE_SIZE} bytes")
    sign1 = cose.parse_sign1(envelope, cose.EVENT_CODES)  # V3.2
    header = cose.parse_protected(sign1.protected, cose.EVENT_CODES)  # V3.3
    if header.content_type != CTYPE_EVENT:
        raise VerificationFailure(Code.EVENT_HEADER_INVALID, f"content type must be {CTYPE_EVENT}")
    try:  # V3.4: well-formed, in the data model, deterministic
        payload_value = cbor.decode_float_free_map(sign1.payload, what="event payload",
                                                   top_level_orders=PAYLOAD_KEY_ORDERS)
    except cbor.NonCanonical as e:
        raise VerificationFailure(Code.EVENT_NONCANONICAL, e.message) from e
    except UntrustedDataError as e:
        raise VerificationFailure(Code.EVENT_MALFORMED, e.message) from e
    _check_binding(header, payload_value)  # V3.5
    try:  # V4
        payload = EventPayload.from_cbor(payload_value)
    except VerificationFailure:
        # The schema admits only values of the data model, so the fast decode above skipped the
        # model walk for what it accepts; a rejected value may be outside the model, which is
        # V3.4's finding and comes first.
        try:
            cbor.check_data_model(payload_value, what="event payload")
        except UntrustedDataError as e:
            raise VerificationFailure(Code.EVENT_MALFORMED, e.message) from e
        raise
    return SignedEvent(envelope, event_hash(envelope), payload, sign1.protected, sign1.payload,
                       sign1.signature)


def _check_binding(header: cose.ProtectedHeader, value: Any) -> None:
    """Step V3.5: the protected header binds the payload. Judged on the fields it needs, before
    the schema (V4), which rejects a payload that lacks them: a ``signer`` of 32 bytes must have
    the header's kid as its key id; the CWT sub is the lowercase hex of ``work`` when ``work`` is a
    byte string and absent when ``work`` is absent.

    Raises: VerificationFailure ``event.header_invalid``.
    """
    if type(value) is not dict:
        return
    signer, work = value.get("signer"), value.get("work", None)
    if type(signer) is bytes and len(signer) == PUBLIC_KEY_SIZE and header.kid != key_id(signer):
        raise VerificationFailure(Code.EVENT_HEADER_INVALID, "kid is not the key id of the payload's signer")
    if ("work" not in value and header.subject is not None) or (type(work) is bytes and header.subject != work.hex()):
        raise VerificationFailure(Code.EVENT_HEADER_INVALID, "CWT sub must be the work id (absent in genesis)")


def verify_event(envelope: bytes) -> SignedEvent:
    """:func:`parse_event` and the signature check (V5)."""
    signed = parse_event(envelope)
    signed.verify_signature()
    return signed


def encode_disclosure(salt: bytes, field_name: str, value: str) -> bytes:
    """The deterministic encoding of a disclosure ``[salt, field name, plaintext]``."""
    if type(salt) is not bytes or type(field_name) is not str or type(value) is not str:
        raise UsageError("a disclosure is [bytes, text, text]")
    field = ENCODED_FIELDS.get(field_name)
    if len(salt) == SALT_SIZE and field is not None:  # the usual case, written directly
        return b"".join((_DISCLOSURE_HEAD, salt, field, _dumps(value)))
    return cbor.encode_ordered_float_free([salt, field_name, value])  # no map, no float


def commitment(disclosure: bytes) -> bytes:
    """Commitment to one private field: SHA-256(prefix || encoded disclosure)."""
    return hashlib.sha256(DISCLOSURE_PREFIX + disclosure).digest()


def disclosure_digest(salt: bytes, field_name: str, value: str) -> bytes:
    """Commitment to one private field: SHA-256(prefix || cbor([salt, name, value]))."""
    return commitment(encode_disclosure(salt, field_name, value))


def disclosure_parts(disclosure: Any, seq: int) -> tuple[bytes, str, str]:
    """Step V7.2: a disclosure is ``[salt(16), field, text]``.

    Raises: VerificationFailure ``disclosure.malformed`` (for event ``seq``).
    """
    if (type(disclosure) is not list or len(disclosure) != 3 or type(disclosure[0]) is not bytes
            or len(disclosure[0]) != SALT_SIZE or type(disclosure[1]) is not str
            or type(disclosure[2]) is not str or not disclosure[2] or len(disclosure[2]) > MAX_TEXT):
        raise VerificationFailure(Code.DISCLOSURE_MALFORMED,
                                  f"a disclosure is [salt(16), field, non-empty text of at most {MAX_TEXT} characters]",
                                  event=seq)
    return disclosure[0], disclosure[1], disclosure[2]


def check_commitment(commitments: Mapping[str, bytes], seq: int, salt: bytes, name: str, value: str) -> None:
    """Step V7.4: the disclosure matches the event's commitment for its field.

    Raises: VerificationFailure ``disclosure.mismatch`` (for event ``seq``).
    """
    expected = commitments.get(name)
    if expected is None:
        raise VerificationFailure(Code.DISCLOSURE_MISMATCH, f"event commits to no field {name!r}", event=seq)
    if disclosure_digest(salt, name, value) != expected:
        raise VerificationFailure(Code.DISCLOSURE_MISMATCH, f"disclosed {name} does not match its commitment",
                                  event=seq)

"""Evidence bundles: framing, records and key cards (spec/bundle.md). Pure codec; no I/O
beyond reading from a file object handed in.

A bundle is an RFC 8742 CBOR sequence. Every item is a byte string whose content is one
deterministically encoded record (an array whose first element names its kind):

    header  ["provenote-bundle", 1, work-id]
    key     ["key", key-card]                     key-card: COSE_Sign1 signed by that key
    event   ["event", envelope, [* disclosure]]   disclosure: [salt, field, plaintext]
    asset   ["asset", sha256, media-type, bytes]
    trailer ["trailer", trailer-sign1]            signed by the exporting key

The byte-string framing lets a reader check every length against the limits and against the
bytes left in the file *before* reading, so a hostile length prefix costs nothing.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, BinaryIO

from verifier._internal import cbor, cose
from verifier._internal.errors import MalformedBundle, UntrustedDataError, VerificationFailure
from verifier._internal.format import (
    CTYPE_KEY,
    CTYPE_TRAILER,
    DIGEST_SIZE,
    FORMAT_VERSION,
    PUBLIC_KEY_SIZE,
    KeyId,
    WorkId,
    key_id,
)

MAGIC = "provenote-bundle"
BUNDLE_VERSION = FORMAT_VERSION

# Limits (spec/bundle.md §4).
MAX_BUNDLE_SIZE = 64 << 30  # B1: 64 GiB
MAX_RECORD_SIZE = {"header": 1 << 10, "key": 1 << 12, "event": 4 << 20, "asset": 2 << 30,
                   "trailer": 1 << 12}  # B2
MAX_ITEM_SIZE = max(MAX_RECORD_SIZE.values())
MAX_KEYS = 1_024  # B3
MAX_EVENTS = 100_000_000
MAX_ASSETS = 100_000
MAX_DISCLOSURES = 16

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
_ROLE = re.compile(r"^[a-z][a-z0-9-]{0,31}$")


def frame(record: list[Any]) -> bytes:
    """One bundle item: the byte string wrapping a record's deterministic encoding."""
    content = cbor.encode(record)
    return cbor.encode(content)


@dataclass(frozen=True, slots=True)
class Item:
    """One item as read: its raw bytes (for the digest) and its content (the record)."""

    raw_head: bytes
    content: bytes


class ItemReader:
    """Reads bundle items one at a time, checking lengths before reading (spec/bundle.md §3).

    Reads the file in blocks of 1 MiB and slices items out of them; an item larger than the
    block is read on its own. Memory: one block plus the largest item.
    """

    BLOCK = 1 << 20

    def __init__(self, handle: BinaryIO, size: int) -> None:
        if size > MAX_BUNDLE_SIZE:
            raise MalformedBundle("bundle.too_large", f"bundle is over {MAX_BUNDLE_SIZE} bytes")
        self._handle = handle
        self._remaining = size  # bytes of the file not yet handed out as items
        self._buffer = b""
        self._offset = 0
        self.items_read = 0

    def __iter__(self) -> Iterator[Item]:
        while self._remaining:
            yield self.read()

    def read(self) -> Item:
        """Raises: MalformedBundle ``bundle.malformed``, ``bundle.truncated``, ``bundle.too_large``."""
        # The usual item: a one- or two-byte length in shortest form, all within the buffer.
        buffer, offset = self._buffer, self._offset
        head = buffer[offset] if offset < len(buffer) else 0
        if head == 0x59 or head == 0x58:
            start = offset + head - 0x56  # 2 or 3 bytes of head
            length = int.from_bytes(buffer[offset + 1:start], "big")
            end = start + length
            if end <= len(buffer) and end - offset <= self._remaining and length >= (0x100 if head == 0x59 else 24):
                self._offset = end
                self._remaining -= end - offset
                self.items_read += 1
                return Item(buffer[offset:start], buffer[start:end])
        first = self._take(1)
        major, info = first[0] >> 5, first[0] & 0x1F
        if major != 2:
            raise MalformedBundle("bundle.malformed", f"item {self.items_read} is not a byte string")
        if info < 24:
            length, extra = info, b""
        elif info <= 27:
            extra = self._take(1 << (info - 24))
            length = int.from_bytes(extra, "big")
            if length < (24 if info == 24 else 1 << (8 << (info - 25))):
                raise MalformedBundle("bundle.malformed", f"item {self.items_read} length is not shortest form")
        else:
            raise MalformedBundle("bundle.malformed", f"item {self.items_read} has an indefinite or reserved length")
        if length > MAX_ITEM_SIZE:
            raise MalformedBundle("bundle.too_large", f"item {self.items_read} declares {length} bytes, over the limit")
        content = self._take(length)
        self.items_read += 1
        return Item(first + extra, content)

    def _take(self, count: int) -> bytes:
        if count > self._remaining:  # checked before any read or allocation
            raise MalformedBundle("bundle.truncated",
                                  f"bundle ends {count - self._remaining} bytes early (item {self.items_read})")
        end = self._offset + count
        if end <= len(self._buffer):
            data = self._buffer[self._offset:end]
            self._offset = end
        else:
            data = self._buffer[self._offset:]
            need = count - len(data)
            if need > self.BLOCK:
                data += self._read_exactly(need)
                self._buffer, self._offset = b"", 0
            else:
                self._buffer = self._read_exactly(min(self.BLOCK, self._remaining - len(data)))
                data += self._buffer[:need]
                self._offset = need
        self._remaining -= count
        return data

    def _read_exactly(self, count: int) -> bytes:
        data = self._handle.read(count)
        if len(data) != count:
            raise MalformedBundle("bundle.truncated", "bundle ends early (the file changed while being read)")
        return data


def decode_record(content: bytes) -> tuple[str, list[Any]]:
    """Decode one record. Raises MalformedBundle ``bundle.malformed``."""
    try:
        record = cbor.decode(content, what="bundle record")
    except UntrustedDataError as e:
        raise MalformedBundle("bundle.malformed", e.message) from e
    if type(record) is not list or not record or type(record[0]) is not str:
        raise MalformedBundle("bundle.malformed", "a record is an array whose first item names its kind")
    kind = record[0]
    if kind != MAGIC and kind not in MAX_RECORD_SIZE:
        raise MalformedBundle("bundle.malformed", f"unknown record kind {kind!r}")
    limit = MAX_RECORD_SIZE["header" if kind == MAGIC else kind]
    if len(content) > limit:
        raise MalformedBundle("bundle.too_large", f"{kind} record is over {limit} bytes")
    return kind, record


def parse_header(record: list[Any]) -> WorkId:
    """Step V1 of spec/verification.md. Raises MalformedBundle."""
    if len(record) != 3 or record[0] != MAGIC:
        raise MalformedBundle("bundle.malformed", "the first record is not a provenote bundle header")
    if type(record[1]) is not int or record[1] != BUNDLE_VERSION:
        raise MalformedBundle("bundle.version_unsupported",
                              f"bundle format version {record[1]!r} is not supported (want {BUNDLE_VERSION})")
    if type(record[2]) is not bytes or len(record[2]) != DIGEST_SIZE:
        raise MalformedBundle("bundle.malformed", "header work id must be 32 bytes")
    return WorkId(record[2])


# -- key cards ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class KeyCard:
    """A public key with the name and role its holder signed with it."""

    public_key: bytes
    name: str
    role: str
    card: bytes  # the COSE_Sign1 as received

    @property
    def key_id(self) -> KeyId:
        return key_id(self.public_key)


def key_card_payload(public_key: bytes, name: str, role: str) -> bytes:
    return cbor.encode({"public_key": public_key, "name": name, "role": role})


def key_card_header(public_key: bytes, subject: str | None = None) -> bytes:
    kid = key_id(public_key)
    return cose.ProtectedHeader(CTYPE_KEY, kid, kid.hex(), subject).encode()


def parse_key_card(card: bytes) -> KeyCard:
    """Check a self-signed key card (step V3). Raises VerificationFailure ``key.*``."""
    sign1 = cose.parse_sign1(card, code_prefix="key")
    header = cose.parse_protected(sign1.protected, code_prefix="key")
    if header.content_type != CTYPE_KEY or header.subject is not None:
        raise VerificationFailure("key.header_invalid", f"a key card has content type {CTYPE_KEY} and no sub")
    try:
        payload = cbor.decode(sign1.payload, what="key card")
    except UntrustedDataError as e:
        raise VerificationFailure("key.malformed", e.message) from e
    if (type(payload) is not dict or set(payload) != {"public_key", "name", "role"}
            or type(payload["public_key"]) is not bytes or len(payload["public_key"]) != PUBLIC_KEY_SIZE
            or type(payload["name"]) is not str or not _NAME.match(payload["name"])
            or type(payload["role"]) is not str or not _ROLE.match(payload["role"])):
        raise VerificationFailure("key.malformed", "a key card holds public_key, name and role")
    if header.kid != key_id(payload["public_key"]):
        raise VerificationFailure("key.header_invalid", "key card kid is not its key's id")
    cose.verify_signature(payload["public_key"], sign1.signature,
                          cose.sig_structure(sign1.protected, sign1.payload),
                          code="key.self_signature_invalid")
    return KeyCard(payload["public_key"], payload["name"], payload["role"], card)


# -- trailer --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TrailerClaims:
    """What the exporter's trailer commits to (spec/bundle.md §2.5)."""

    work: WorkId
    header: bytes  # SHA-256 over the header prefix and the header item
    events: int
    head: bytes  # hash of the last event
    keys: int
    assets: int
    digest: bytes  # SHA-256 over the digest prefix and every item before the trailer

    def to_cbor(self) -> dict[str, Any]:
        return {"work": bytes(self.work), "header": self.header, "events": self.events, "head": self.head,
                "keys": self.keys, "assets": self.assets, "digest": self.digest}


def trailer_header(public_key: bytes, work: WorkId) -> bytes:
    kid = key_id(public_key)
    return cose.ProtectedHeader(CTYPE_TRAILER, kid, kid.hex(), work.hex()).encode()


def parse_trailer(record: list[Any], keys: dict[KeyId, KeyCard], work: WorkId) -> tuple[TrailerClaims, KeyId]:
    """Check the trailer's form and signature (step V8). Returns the claims and the signer.

    Raises: VerificationFailure ``bundle.trailer_invalid``, ``bundle.trailer_signature_invalid``
    or ``key.missing``.
    """
    if len(record) != 2 or type(record[1]) is not bytes:
        raise VerificationFailure("bundle.trailer_invalid", "trailer record is [\"trailer\", COSE_Sign1]")
    sign1 = cose.parse_sign1(record[1], code_prefix="bundle.trailer")
    header = cose.parse_protected(sign1.protected, code_prefix="bundle.trailer")
    if header.content_type != CTYPE_TRAILER or header.subject != work.hex():
        raise VerificationFailure("bundle.trailer_invalid",
                                  f"trailer has content type {CTYPE_TRAILER} and sub = the work id")
    card = keys.get(header.kid)
    if card is None:
        raise VerificationFailure("key.missing", "the trailer's signer has no key record in the bundle")
    cose.verify_signature(card.public_key, sign1.signature, cose.sig_structure(sign1.protected, sign1.payload),
                          code="bundle.trailer_signature_invalid")
    try:
        value = cbor.decode(sign1.payload, what="trailer")
    except UntrustedDataError as e:
        raise VerificationFailure("bundle.trailer_invalid", e.message) from e
    names = ("work", "header", "events", "head", "keys", "assets", "digest")
    if type(value) is not dict or set(value) != set(names):
        raise VerificationFailure("bundle.trailer_invalid", f"trailer holds exactly {', '.join(names)}")
    for name in ("work", "header", "head", "digest"):
        if type(value[name]) is not bytes or len(value[name]) != DIGEST_SIZE:
            raise VerificationFailure("bundle.trailer_invalid", f"trailer {name} must be 32 bytes")
    for name in ("events", "keys", "assets"):
        if type(value[name]) is not int or value[name] < 0:
            raise VerificationFailure("bundle.trailer_invalid", f"trailer {name} must be a count")
    claims = TrailerClaims(WorkId(value["work"]), value["header"], value["events"], value["head"],
                           value["keys"], value["assets"], value["digest"])
    return claims, header.kid

"""Evidence bundles: framing, records and key cards (spec/bundle.md). Pure codec; no I/O
beyond reading from a file object handed in.

A bundle is an RFC 8742 CBOR sequence. Every item is a byte string whose content is one
deterministically encoded record (an array whose first element names its kind):

    header  ["provenote-bundle", 1, work-id]
    key     ["key", key-card]                     key-card: COSE_Sign1 signed by that key
    event   ["event", envelope, [* disclosure]]   disclosure: [salt, field, plaintext]
    asset   ["asset", sha256, media-type, bytes]
    log, checkpoint, timestamp, cosignature       the Merkle log's records (spec/anchoring.md)
    trailer ["trailer", trailer-sign1]            signed by the exporting key

The byte-string framing lets a reader check every length against the limits and against the
bytes left in the file *before* reading, so a hostile length prefix costs nothing.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, BinaryIO, NamedTuple

from verifier.format import _cbor as cbor
from verifier.format import _cose as cose
from verifier.format._codes import Code, MalformedBundle, UntrustedDataError, UsageError, VerificationFailure
from verifier.format._ids import (
    BUNDLE_HEADER_PREFIX,
    CTYPE_TRAILER,
    DIGEST_SIZE,
    FORMAT_VERSION,
    KeyId,
    WorkId,
)
from verifier.format._keys import KeyCard

MAGIC = "provenote-bundle"
#: The file-name suffix of a bundle (spec/report-pdf.md: how a PDF report's attachment is named and found).
BUNDLE_SUFFIX = ".bundle"
BUNDLE_VERSION = FORMAT_VERSION

# Limits (spec/bundle.md §4).
MAX_BUNDLE_SIZE = 64 << 30  # B1: 64 GiB
MAX_RECORD_SIZE = {"header": 1 << 10, "key": 1 << 12, "event": 4 << 20, "asset": 2 << 30,
                   "log": 1 << 30, "checkpoint": 1 << 16, "timestamp": 1 << 16, "cosignature": 1 << 12,
                   "trailer": 1 << 12}  # B2
MAX_CHECKPOINTS = 100_000  # B3: checkpoint, timestamp and cosignature records, each
MAX_ITEM_SIZE = max(MAX_RECORD_SIZE.values())
MAX_KEYS = 1_024  # B3
MAX_EVENTS = 100_000_000
MAX_ASSETS = 100_000
MAX_DISCLOSURES = 16

def frame(record: list[Any]) -> bytes:
    """One bundle item: the byte string wrapping a record's deterministic encoding."""
    content = cbor.encode(record)
    return cbor.encode(content)


class Item(NamedTuple):
    """One item as read: its head's raw bytes and its content (the record). An asset record is
    not read whole: ``content`` holds its first bytes and ``rest`` counts the bytes still to be
    read with :meth:`ItemReader.take` / :meth:`ItemReader.chunks` (see :class:`AssetRecordHead`).
    Immutable (one is made per item: a named tuple costs a fraction of a frozen dataclass)."""

    raw_head: bytes
    content: bytes
    rest: int = 0
    streamed: bool = False  # an asset record: ``content`` + ``rest`` bytes are its whole content


class ItemReader:
    """Reads bundle items one at a time (spec/verification.md V1.1–V1.4), checking each declared
    length against the limits and the bytes left before reading the item.

    Reads the file in blocks of 1 MiB and slices items out of them; an item larger than the
    block is read on its own. Memory: one block plus the largest item.
    """

    BLOCK = 1 << 20

    def __init__(self, handle: BinaryIO, size: int, *, whole: Any = None) -> None:
        """``whole``, a hashlib object, is updated with every byte read from the file, in
        blocks (the bundle's SHA-256 for the report)."""
        if size > MAX_BUNDLE_SIZE:
            raise MalformedBundle(Code.BUNDLE_TOO_LARGE, f"bundle is over {MAX_BUNDLE_SIZE} bytes")
        self._whole = whole
        self._handle = handle
        self._remaining = size  # bytes of the file not yet handed out as items
        self._buffer = b""
        self._offset = 0
        self._unread = 0  # bytes of the last streamed item its reader has not taken yet
        self.items_read = 0

    def __iter__(self) -> Iterator[Item]:
        while self._remaining > self._unread:  # bytes beyond a streamed item not yet read
            yield self.read()

    def read(self) -> Item:
        """Raises: MalformedBundle ``bundle.malformed``, ``bundle.truncated``, ``bundle.too_large``."""
        while self._unread:  # the rest of a streamed item nobody read: skipped, in blocks
            self._unread -= len(self._take(min(self._unread, self.BLOCK)))
        # The usual item: a one- or two-byte length in shortest form, all within the buffer.
        buffer, offset = self._buffer, self._offset
        head = buffer[offset] if offset < len(buffer) else 0
        if head == 0x59 or head == 0x58:
            start = offset + head - 0x56  # 2 or 3 bytes of head
            length = int.from_bytes(buffer[offset + 1:start], "big")
            end = start + length
            if end <= len(buffer) and end - offset <= self._remaining and length >= (0x100 if head == 0x59 else 24):
                content = buffer[start:end]
                # An event record is always within its limit here; an asset record is streamed.
                if (not content.startswith(EVENT_RECORD_PREFIX)
                        and _check_kind_limit(content[:_KIND_PREFIX], length, self.items_read) == "asset"):
                    self._offset = start
                    self._remaining -= start - offset
                    self.items_read += 1
                    self._unread = length
                    return Item(buffer[offset:start], b"", length, streamed=True)
                self._offset = end
                self._remaining -= end - offset
                self.items_read += 1
                return Item(buffer[offset:start], content)
        first = self._take(1)
        major, info = first[0] >> 5, first[0] & 0x1F
        if major != 2:  # V1.1
            raise MalformedBundle(Code.BUNDLE_MALFORMED, f"item {self.items_read} is not a byte string")
        if info < 24:
            length, extra = info, b""
        elif info <= 27:
            extra = self._take(1 << (info - 24))
            length = int.from_bytes(extra, "big")
            if length < (24 if info == 24 else 1 << (8 << (info - 25))):
                raise MalformedBundle(Code.BUNDLE_MALFORMED, f"item {self.items_read} length is not shortest form")
        else:
            raise MalformedBundle(Code.BUNDLE_MALFORMED,
                                  f"item {self.items_read} has an indefinite or reserved length")
        if length > MAX_ITEM_SIZE:  # V1.2
            raise MalformedBundle(Code.BUNDLE_TOO_LARGE,
                                  f"item {self.items_read} declares {length} bytes, over the largest record limit")
        if length > self._remaining:  # V1.3
            raise MalformedBundle(Code.BUNDLE_TRUNCATED,
                                  f"bundle ends {length - self._remaining} bytes early (item {self.items_read})")
        prefix = self._take(min(length, _KIND_PREFIX))
        kind = _check_kind_limit(prefix, length, self.items_read)  # V1.4, before the rest is read
        self.items_read += 1
        if kind == "asset":  # up to 2 GiB: never held whole
            self._unread = length - len(prefix)
            return Item(first + extra, prefix, length - len(prefix), streamed=True)
        return Item(first + extra, prefix + self._take(length - len(prefix)))

    def take_events(self, limit: int) -> tuple[memoryview, list[bytes]]:
        """Up to ``limit`` event records that follow at the reading position, each whole in the
        block already read, with a one- or two-byte length in shortest form (V1.1–V1.4 hold for
        them: an event record of at most 64 KiB is within every limit): the raw bytes of them all,
        heads included, and their contents. Stops, leaving the position there, at the first item
        that is not such a record — :meth:`read` then reads it as usual. The common run of a
        bundle, read without one call per item."""
        if self._unread:
            return memoryview(b""), []
        buffer, first = self._buffer, self._offset
        offset, size, budget = first, len(buffer), self._remaining
        contents: list[bytes] = []
        while len(contents) < limit and offset + 3 <= size:
            head = buffer[offset]
            if head == 0x59:
                start, length = offset + 3, (buffer[offset + 1] << 8) | buffer[offset + 2]
                if length < 0x100:
                    break
            elif head == 0x58:
                start, length = offset + 2, buffer[offset + 1]
                if length < 24:
                    break
            else:
                break
            end = start + length
            if end > size or end - first > budget or not buffer.startswith(EVENT_RECORD_PREFIX, start):
                break
            contents.append(buffer[start:end])
            offset = end
        self._offset = offset
        self._remaining -= offset - first
        self.items_read += len(contents)
        return memoryview(buffer)[first:offset], contents

    def take(self, count: int) -> bytes:
        """The next ``count`` bytes of a streamed item (``Item.rest``)."""
        if count > self._unread:
            raise MalformedBundle(Code.BUNDLE_MALFORMED, "a read past the end of an item")
        self._unread -= count
        return self._take(count)

    def chunks(self, count: int) -> Iterator[bytes]:
        """The next ``count`` bytes of a streamed item, in blocks of at most 1 MiB."""
        while count:
            block = self.take(min(count, self.BLOCK))
            count -= len(block)
            yield block

    @property
    def remaining(self) -> int:
        """Bytes of the file not yet handed out as items."""
        return self._remaining

    def drain(self) -> Iterator[bytes]:
        """The bytes left, as they are, in blocks (for what follows a trailer: V9.5)."""
        self._unread = 0
        while self._remaining:
            yield self._take(min(self._remaining, self.BLOCK))

    def _take(self, count: int) -> bytes:
        if count > self._remaining:  # checked before any read or allocation
            raise MalformedBundle(Code.BUNDLE_TRUNCATED,
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
            raise MalformedBundle(Code.BUNDLE_TRUNCATED, "bundle ends early (the file changed while being read)")
        if self._whole is not None:
            self._whole.update(data)
        return data


#: A record ``["event", envelope, disclosures]`` of three items starts so (spec/bundle.md §2).
EVENT_RECORD_PREFIX = b"\x83\x65event"
_KIND_PREFIX = 2 + 23  # an array head and a text string of up to 23 bytes: the longest record kind


def record_kind(prefix: bytes) -> str | None:
    """The kind a record's content names in its first bytes: the head of an array of 1 to 23
    items (one byte, 0x81–0x97) then a text string of up to 23 bytes (0x60–0x77), as every record
    begins in deterministic CBOR (V1.4). None if the content does not begin so or names no kind
    of spec/bundle.md §1."""
    if len(prefix) < 2 or not 0x81 <= prefix[0] <= 0x97 or not 0x60 <= prefix[1] <= 0x77:
        return None
    end = 2 + (prefix[1] - 0x60)
    if len(prefix) < end:
        return None
    try:
        kind = prefix[2:end].decode("utf-8")
    except UnicodeDecodeError:
        return None
    return "header" if kind == MAGIC else kind if kind in MAX_RECORD_SIZE and kind != "header" else None


def _check_kind_limit(prefix: bytes, length: int, index: int) -> str:
    kind = record_kind(prefix)
    if kind is None:
        raise MalformedBundle(Code.BUNDLE_MALFORMED, f"item {index} is not a record of a known kind")
    if length > MAX_RECORD_SIZE[kind]:
        raise MalformedBundle(Code.BUNDLE_TOO_LARGE, f"{kind} record (item {index}) is over {MAX_RECORD_SIZE[kind]} bytes")
    return kind


MAX_MEDIA_TYPE = 1024  # bytes of an asset record's media type (bundle.md §2.4)


def _head(major: int, argument: int) -> bytes:
    """A CBOR head in shortest form."""
    if argument < 24:
        return bytes([major << 5 | argument])
    for info, width in ((24, 1), (25, 2), (26, 4), (27, 8)):
        if argument < 1 << (8 * width):
            return bytes([major << 5 | info]) + argument.to_bytes(width, "big")
    raise UsageError("a CBOR argument is at most 64 bits")
_ASSET_START = b"\x84\x65asset\x58\x20"


@dataclass(frozen=True, slots=True)
class AssetRecordHead:
    """The fields of an asset record before its bytes (V1.5, read without the bytes):
    ``["asset", sha256, media-type, bytes]`` in deterministic CBOR, the media type 1 to 1,024
    bytes of UTF-8; ``size`` is the length of the bytes, which follow."""

    sha256: bytes
    media_type: str
    size: int
    encoded: bytes  # the record's bytes up to the asset's bytes (for the digests)

    @classmethod
    def build(cls, sha256: bytes, media_type: str, size: int) -> AssetRecordHead:
        """The head of an asset record whose ``size`` bytes follow (the writer's side of
        :meth:`read`); ``item_head()`` frames the whole record as a bundle item.

        Raises: UsageError for a digest that is not 32 bytes or a media type not of 1 to 1,024
        bytes.
        """
        encoded_type = media_type.encode("utf-8") if type(media_type) is str else b""
        if type(sha256) is not bytes or len(sha256) != DIGEST_SIZE or not 1 <= len(encoded_type) <= MAX_MEDIA_TYPE:
            raise UsageError(f"an asset record has a 32-byte hash and a media type of 1 to {MAX_MEDIA_TYPE} bytes")
        encoded = _ASSET_START + sha256 + cbor.encode(media_type) + _head(2, size)
        return cls(sha256, media_type, size, encoded)

    def item_head(self) -> bytes:
        """The byte-string head of the bundle item that holds this record."""
        return _head(2, len(self.encoded) + self.size)

    @classmethod
    def read(cls, take: Callable[[int], bytes], length: int) -> AssetRecordHead:
        """Read the head of an asset record of ``length`` bytes through ``take``.

        Raises: MalformedBundle ``bundle.malformed``.
        """
        def bad(why: str) -> MalformedBundle:
            return MalformedBundle(Code.BUNDLE_MALFORMED, f"an asset record is [\"asset\", sha256, media type, bytes] "
                                                          f"in deterministic CBOR: {why}")

        if length < len(_ASSET_START) + 32 + 3:  # + a text head, one byte of media type, a byte-string head
            raise bad("too short")
        start = take(len(_ASSET_START))
        if start != _ASSET_START:
            raise bad("wrong start")
        digest = take(32)
        media_head = take(1)
        if media_head[0] >> 5 != 3:
            raise bad("the media type is not text")
        info = media_head[0] & 0x1F
        if info < 24:
            media_length, width = info, b""
        elif info in (24, 25):
            width = take(info - 23)
            media_length = int.from_bytes(width, "big")
            if media_length < (24 if info == 24 else 0x100):
                raise bad("a length not in shortest form")
        else:
            raise bad(f"a media type over {MAX_MEDIA_TYPE} bytes")
        if not 1 <= media_length <= MAX_MEDIA_TYPE:
            raise bad(f"a media type of {media_length} bytes (1 to {MAX_MEDIA_TYPE})")
        consumed = len(_ASSET_START) + 32 + 1 + len(width)
        if consumed + media_length + 1 > length:
            raise bad("ends inside the media type")
        media_bytes = take(media_length)
        try:
            media_type = media_bytes.decode("utf-8")
        except UnicodeDecodeError as e:
            raise bad("the media type is not UTF-8") from e
        consumed += media_length
        data_head = take(1)
        consumed += 1
        if data_head[0] >> 5 != 2 or data_head[0] & 0x1F > 27:
            raise bad("the bytes are not a definite byte string")
        info = data_head[0] & 0x1F
        extra = b""
        if info < 24:
            size = info
        else:
            extra_width = 1 << (info - 24)
            if consumed + extra_width > length:
                raise bad("ends inside a head")
            extra = take(extra_width)
            consumed += extra_width
            size = int.from_bytes(extra, "big")
            if size < (24 if info == 24 else 1 << (8 << (info - 25))):
                raise bad("a length not in shortest form")
        if consumed + size != length:
            raise bad("its length disagrees with the item's")
        return cls(digest, media_type, size, start + digest + media_head + width + media_bytes + data_head + extra)


def decode_record(content: bytes) -> tuple[str, list[Any]]:
    """Decode one record (V1.5): deterministic CBOR, an array whose first item names its kind.
    Returns the kind (``header`` for the header record) and the record.

    Raises MalformedBundle ``bundle.malformed``.
    """
    try:
        record = cbor.decode(content, what="bundle record")
    except UntrustedDataError as e:
        raise MalformedBundle(Code.BUNDLE_MALFORMED, e.message) from e
    if type(record) is not list or not record or type(record[0]) is not str:
        raise MalformedBundle(Code.BUNDLE_MALFORMED, "a record is an array whose first item names its kind")
    kind = record_kind(content[:_KIND_PREFIX])
    if kind is None:
        raise MalformedBundle(Code.BUNDLE_MALFORMED, f"unknown record kind {record[0]!r}")
    return kind, record


def header_item(work: WorkId) -> bytes:
    """The header item of a bundle of ``work``."""
    return frame([MAGIC, BUNDLE_VERSION, bytes(work)])


def header_hash(item: bytes) -> bytes:
    """What the trailer's ``header`` claims: SHA-256 over the prefix and the whole header item,
    its byte-string head included (spec/bundle.md §2.5)."""
    return hashlib.sha256(BUNDLE_HEADER_PREFIX + item).digest()


def parse_header(record: list[Any]) -> WorkId:
    """Step V1.6 of spec/verification.md. Raises MalformedBundle."""
    if len(record) != 3 or record[0] != MAGIC:
        raise MalformedBundle(Code.BUNDLE_MALFORMED, "the first record is not a provenote bundle header")
    if type(record[1]) is not int or record[1] != BUNDLE_VERSION:
        raise MalformedBundle(Code.BUNDLE_VERSION_UNSUPPORTED,
                              f"bundle format version {record[1]!r} is not supported (want {BUNDLE_VERSION})")
    if type(record[2]) is not bytes or len(record[2]) != DIGEST_SIZE:
        raise MalformedBundle(Code.BUNDLE_MALFORMED, "header work id must be 32 bytes")
    return WorkId(record[2])


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

    def __post_init__(self) -> None:
        for name in ("work", "header", "head", "digest"):
            value = getattr(self, name)
            if type(value) is not bytes or len(value) != DIGEST_SIZE:
                raise TypeError(f"trailer {name} is a {DIGEST_SIZE}-byte digest")
        for name in ("events", "keys", "assets"):
            value = getattr(self, name)
            if type(value) is not int or not 0 <= value < 2**64:
                raise TypeError(f"trailer {name} is a count")

    def to_cbor(self) -> dict[str, Any]:
        return {"work": bytes(self.work), "header": self.header, "events": self.events, "head": self.head,
                "keys": self.keys, "assets": self.assets, "digest": self.digest}

    def sign(self, public_key: bytes, sign: Callable[[bytes], bytes]) -> bytes:
        """The trailer COSE_Sign1 over these claims, by the exporting key."""
        protected = cose.protected_header(CTYPE_TRAILER, public_key, self.work.hex())
        return cose.sign1(protected, cbor.encode(self.to_cbor()), sign)


def parse_trailer(record: list[Any], keys: dict[KeyId, KeyCard], work: WorkId) -> tuple[TrailerClaims, KeyId]:
    """Check the trailer's form, signer and signature (steps V9.1–V9.3). Returns the claims and
    the signer.

    Raises: VerificationFailure ``bundle.trailer_invalid``, ``bundle.trailer_signature_invalid``
    or ``key.missing``.
    """
    if len(record) != 2 or type(record[1]) is not bytes:  # V1.5
        raise MalformedBundle(Code.BUNDLE_MALFORMED, "a trailer record is [\"trailer\", COSE_Sign1]")
    sign1 = cose.parse_sign1(record[1], cose.TRAILER_CODES)
    header = cose.parse_protected(sign1.protected, cose.TRAILER_CODES)
    if header.content_type != CTYPE_TRAILER or header.subject != work.hex():
        raise VerificationFailure(Code.BUNDLE_TRAILER_INVALID,
                                  f"trailer has content type {CTYPE_TRAILER} and sub = the work id")
    card = keys.get(header.kid)
    if card is None:
        raise VerificationFailure(Code.KEY_MISSING, "the trailer's signer has no key record in the bundle")
    cose.verify_signature(card.public_key, sign1.signature, cose.sig_structure(sign1.protected, sign1.payload),
                          code=Code.BUNDLE_TRAILER_SIGNATURE_INVALID)
    try:
        value = cbor.decode(sign1.payload, what="trailer")
    except UntrustedDataError as e:
        raise VerificationFailure(Code.BUNDLE_TRAILER_INVALID, e.message) from e
    names = ("work", "header", "events", "head", "keys", "assets", "digest")
    if type(value) is not dict or set(value) != set(names):
        raise VerificationFailure(Code.BUNDLE_TRAILER_INVALID, f"trailer holds exactly {', '.join(names)}")
    try:  # the claims' own checks: 32-byte digests, unsigned 64-bit counts
        claims = TrailerClaims(*(value[name] for name in names))
    except TypeError as e:
        raise VerificationFailure(Code.BUNDLE_TRAILER_INVALID, str(e)) from e
    return claims, header.kid

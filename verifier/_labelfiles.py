"""The verifier reads a labelled file itself (spec/labels.md §4; not normative).

A ``label`` event records, for ``aigc-implicit``, the JSON text it embedded; for
``aigc-audible``, where the rhythm sits; for ``c2pa``, only the hash of the manifest store. When
the labelled file is among the supplied assets, the functions here look inside it:

* :func:`read_aigc_label` — the GB 45438-2025 implicit label's JSON, parsed out of the container
  with the standard library only: an ID3v2 ``TXXX`` frame described ``AIGC`` (WAV ``id3 ``/``ID3 ``
  chunk, MP3 tag at the start), a Vorbis comment ``AIGC=`` (FLAC ``VORBIS_COMMENT`` block, Ogg
  Vorbis comment header), the freeform atom ``----:com.apple.iTunes:AIGC`` (MP4/M4A) — every
  container the writer (spec/labels-aigc.md §2.2) writes into;
* :func:`find_audible_label` — whether the Morse "AI" rhythm at 1 kHz (spec/labels-aigc.md §3) is
  at each recorded position of a WAV file, decoding only the windows around them;
* :func:`read_c2pa_actions` — the C2PA manifest's validation state and the provenote event hashes
  of its actions, through c2pa-python imported lazily (None when it is not installed);
* :func:`check_label_files` — each label row of the human-involvement profile checked against the
  file it names: ``agrees``, ``disagrees``, ``missing`` or ``not checked``.

Every read is bounded by the file's size and by the caps below; hostile bytes raise
:class:`LabelFileError` (one line) and nothing else. No numpy, no mutagen: the verifier's
dependencies stay what they are (c2pa-python is optional and imported inside one function).
"""

from __future__ import annotations

import array
import io
import itertools
import json
import math
import operator
import os
import re
import stat
import sys
import zlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, BinaryIO, Final

from verifier.format import audio_media_type

__all__ = [
    "STATUSES",
    "C2paFileCheck",
    "LabelFileCheck",
    "LabelFileError",
    "NotChecked",
    "check_label_files",
    "find_audible_label",
    "read_aigc_label",
    "read_c2pa_actions",
]

KEY: Final = "AIGC"  # the implicit label's field name in every container
MAX_LABEL_BYTES: Final = 16 << 20  # the most read for one frame, comment block, packet or atom
MAX_ITEMS: Final = 100_000  # chunks, frames, blocks, comments, pages or atoms walked in one file
STATUSES: Final = ("agrees", "disagrees", "missing", "not checked")

# The audible label as the writer makes it (spec/labels-aigc.md §3.1) and the detector's numbers
# (§4): tone, gap, tone, gap, tone, gap, tone in units of one dot.
TONE_HZ: Final = 1000
PATTERN_UNITS: Final = (1, 1, 3, 3, 1, 1, 1)
SPAN_UNITS: Final = sum(PATTERN_UNITS)  # 11
HOP_MS: Final = 5
WINDOW_HOPS: Final = 8  # 40 ms windows every 5 ms
MIN_PURITY: Final = 0.5
CORE_PURITY: Final = 0.9
MIN_TONE_AMPLITUDE: Final = 10 ** (-50 / 20)  # -50 dBFS peak
UNIT_RANGE_MS: Final = (60.0, 250.0)
TOLERANCE: Final = 0.3
TOLERANCE_MS: Final = 15.0
ISOLATION_UNITS: Final = 4.0
POSITION_SLACK_MS: Final = 50  # a rhythm found this close to a recorded position confirms it
MIN_RATE, MAX_RATE = 8_000, 768_000
MAX_CHANNELS: Final = 64
_MAX_SPAN_MS: Final = SPAN_UNITS * UNIT_RANGE_MS[1] * (1 + TOLERANCE) + 4 * TOLERANCE_MS
_READ_FRAMES: Final = 1 << 16

_KSDATAFORMAT_SUFFIX: Final = bytes.fromhex("000000001000800000aa00389b71")  # after the 2-byte tag
_FRAME_ID = re.compile(rb"[A-Z0-9]{3,4}")


class LabelFileError(ValueError):
    """A labelled file that cannot be read as far as its label: malformed, truncated, too large
    for the caps, or not a container a label is written into. The message is one line."""

    __module__ = "verifier"  # the public face it is imported from (loaded on first use)


class NotChecked(LabelFileError):
    """The file may well hold the label, but this reader does not read it there (an encrypted
    ID3 frame, a FLAC file's audible label, c2pa-python refusing the format, …). The message
    begins with ``not checked:``."""

    __module__ = "verifier"

    def __init__(self, reason: str) -> None:
        super().__init__(f"not checked: {reason}")


# --- bounded reading -----------------------------------------------------------------------------


class _Source:
    """A seekable byte source of known size; every read is checked against a limit."""

    def __init__(self, handle: BinaryIO, size: int, name: str) -> None:
        self.handle, self.size, self.name = handle, size, name

    def read(self, offset: int, count: int, end: int | None = None, what: str = "data") -> bytes:
        """``count`` bytes at ``offset``, all before ``end`` (default: the end of the source).

        Raises: LabelFileError — the bytes run past ``end`` or cannot be read."""
        limit = self.size if end is None else min(end, self.size)
        if offset < 0 or count < 0 or offset + count > limit:
            raise LabelFileError(f"{self.name}: the {what} at byte {offset} runs past the end of its container")
        try:
            self.handle.seek(offset)
            data = self.handle.read(count)
        except OSError as e:
            raise LabelFileError(f"{self.name}: cannot read: {e.strerror or e}") from None
        if len(data) != count:
            raise LabelFileError(f"{self.name}: the file ended while reading the {what} at byte {offset}")
        return data


def _open(path: Path) -> tuple[BinaryIO, int]:
    """``path`` opened for reading (non-blocking, so a FIFO never hangs) and its size.

    Raises: LabelFileError — missing, unreadable, or not a regular file."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as e:
        raise LabelFileError(f"{path.name}: cannot open: {e.strerror or e}") from None
    status = os.fstat(fd)
    if not stat.S_ISREG(status.st_mode):
        os.close(fd)
        raise LabelFileError(f"{path.name}: not a regular file")
    return os.fdopen(fd, "rb"), status.st_size


def _u32le(data: bytes, at: int = 0) -> int:
    return int.from_bytes(data[at : at + 4], "little")


def _syncsafe(data: bytes) -> int | None:
    """A 28-bit syncsafe integer, or None when a byte has its top bit set."""
    if any(byte & 0x80 for byte in data):
        return None
    value = 0
    for byte in data:
        value = value << 7 | byte
    return value


# --- the implicit label --------------------------------------------------------------------------


def read_aigc_label(path: Path) -> str | None:
    """The implicit label's JSON text as embedded in ``path``, or None when the file has none.

    The container is recognised from the bytes: WAV (RIFF or RF64; every ``id3 ``/``ID3 `` chunk,
    ID3v2.2 to 2.4), MP3 (the ID3v2 tag at the start; a file starting with an MPEG frame has no
    label), FLAC (also after an ID3v2 tag; every ``VORBIS_COMMENT`` block), Ogg Vorbis (the comment
    header of the first stream) and MP4/M4A (``moov/udta/meta/ilst``). ID3: the ``TXXX`` frames
    whose description is exactly ``AIGC``, text encodings 0-3, syncsafe sizes in v2.4 (plain ones
    when a size is not syncsafe), the unsynchronisation of a whole v2.3 tag or of v2.4 frames,
    extended headers, grouping bytes, data-length indicators and zlib-compressed frames. Vorbis
    comments: the name ``AIGC`` in any case. MP4: mean ``com.apple.iTunes``, name ``AIGC``, the
    data as UTF-8. The text is returned as decoded, not validated.

    Raises:
        NotChecked: the label may be there but is not read here (an encrypted ID3 frame, a
            compressed ID3v2.2 tag, an Ogg stream other than Vorbis, AIFF, CAF, a tag or packet
            larger than :data:`MAX_LABEL_BYTES` that must be read whole).
        LabelFileError: a file that cannot be opened or parsed (truncated, sizes past the end,
            invalid text), more than one ``AIGC`` label (GB 45438-2025 keeps one), or bytes
            that are no audio container a label is written into.
    """
    path = Path(path)
    handle, size = _open(path)
    with handle:
        source = _Source(handle, size, path.name)
        values = _labels_in(source)
    if len(values) > 1:
        raise LabelFileError(f"{path.name} holds {len(values)} {KEY} labels; GB 45438-2025 keeps one")
    return values[0] if values else None


def _labels_in(source: _Source) -> list[str]:
    if source.size == 0:
        raise LabelFileError(f"{source.name}: an empty file")
    head = source.read(0, min(source.size, 64), what="header")
    if len(head) >= 12 and head[:4] in (b"RIFF", b"RF64") and head[8:12] == b"WAVE":
        return _wav_labels(source)
    if head[:4] == b"fLaC":
        return _flac_labels(source, 0)
    if head[:3] == b"ID3":
        after = _id3_end(source, 0)
        if after + 4 <= source.size and source.read(after, 4) == b"fLaC":
            return _flac_labels(source, after)
        return _id3_labels(source, 0, source.size)
    if head[:4] == b"OggS":
        return _ogg_labels(source)
    if head[4:8] == b"ftyp":
        return _mp4_labels(source)
    if len(head) >= 2 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0:
        return []  # MPEG audio without an ID3v2 tag at the start: nowhere for the label
    known = {b"FORM": "AIFF", b"caff": "CAF", b"RIFF": "a RIFF file that is not WAVE"}
    if head[:4] in known:
        raise NotChecked(f"{source.name} is {known[head[:4]]}; the label is read from WAV, MP3, FLAC, "
                         "Ogg Vorbis and MP4")
    raise LabelFileError(f"{source.name}: not WAV, MP3, FLAC, Ogg Vorbis or MP4, the containers a label "
                         "is written into")


# ID3v2 ---------------------------------------------------------------------------------------------


def _id3_end(source: _Source, offset: int) -> int:
    """The offset just after the ID3v2 tag at ``offset`` (its footer included)."""
    header = source.read(offset, 10, what="ID3 header")
    size = _syncsafe(header[6:10])
    if size is None:
        raise LabelFileError(f"{source.name}: the ID3 tag's size is not syncsafe")
    return offset + 10 + size + (10 if header[3] == 4 and header[5] & 0x10 else 0)


def _id3_labels(source: _Source, offset: int, end: int) -> list[str]:
    """The values of the ``TXXX:AIGC`` frames of the ID3v2 tag at ``offset``, within ``end``."""
    header = source.read(offset, 10, end, "ID3 header")
    if header[:3] != b"ID3":
        raise LabelFileError(f"{source.name}: no ID3 tag where one should be (byte {offset})")
    major, flags = header[3], header[5]
    if major not in (2, 3, 4):
        raise NotChecked(f"{source.name} has an ID3v2.{major} tag; ID3v2.2 to 2.4 are read")
    size = _syncsafe(header[6:10])
    if size is None:
        raise LabelFileError(f"{source.name}: the ID3 tag's size is not syncsafe")
    start, stop = offset + 10, offset + 10 + size
    if stop > min(end, source.size):
        raise LabelFileError(f"{source.name}: the ID3 tag ({size} bytes) runs past the end of its container")
    if major == 2 and flags & 0x40:
        raise NotChecked(f"{source.name} has a compressed ID3v2.2 tag")
    tag = source
    if major < 4 and flags & 0x80:  # the whole tag is unsynchronised: undo it, then parse
        if size > MAX_LABEL_BYTES:
            raise NotChecked(f"{source.name}: an unsynchronised ID3 tag of {size} bytes, more than "
                             f"{MAX_LABEL_BYTES} are read")
        data = source.read(start, size, stop, "ID3 tag").replace(b"\xff\x00", b"\xff")
        tag, start, stop = _Source(io.BytesIO(data), len(data), source.name), 0, len(data)
    if major >= 3 and flags & 0x40:  # an extended header
        ext = tag.read(start, 4, stop, "ID3 extended header")
        if major == 3:
            start += 4 + int.from_bytes(ext, "big")
        else:
            ext_size = _syncsafe(ext)
            if ext_size is None or ext_size < 6:
                raise LabelFileError(f"{source.name}: a malformed ID3 extended header")
            start += ext_size
        if start > stop:
            raise LabelFileError(f"{source.name}: the ID3 extended header runs past the tag")
    return _id3_frames(tag, start, stop, major, bool(flags & 0x80))


def _id3_frames(tag: _Source, position: int, stop: int, major: int, unsynchronised: bool) -> list[str]:
    header_size = 6 if major == 2 else 10
    wanted = b"TXX" if major == 2 else b"TXXX"
    values: list[str] = []
    for _ in range(MAX_ITEMS):
        if position + header_size > stop:
            return values
        header = tag.read(position, header_size, stop, "ID3 frame header")
        if header[0] == 0:
            return values  # padding
        frame_id = header[: header_size - 3] if major == 2 else header[:4]
        if not _FRAME_ID.fullmatch(frame_id):
            raise LabelFileError(f"{tag.name}: a malformed ID3 frame at byte {position}")
        if major == 2:
            size = int.from_bytes(header[3:6], "big")
        elif major == 3:
            size = int.from_bytes(header[4:8], "big")
        else:  # syncsafe, unless a writer got it wrong (then the plain integer)
            syncsafe = _syncsafe(header[4:8])
            size = syncsafe if syncsafe is not None else int.from_bytes(header[4:8], "big")
        body = position + header_size
        if body + size > stop:
            raise LabelFileError(f"{tag.name}: the ID3 frame {frame_id.decode()} at byte {position} runs past "
                                 "the tag")
        if frame_id == wanted:
            if size > MAX_LABEL_BYTES:
                raise NotChecked(f"{tag.name}: a TXXX frame of {size} bytes, more than {MAX_LABEL_BYTES} are read")
            data = _frame_data(tag, tag.read(body, size, stop, "TXXX frame"), major,
                               header[8:10] if major > 2 else b"\x00\x00", unsynchronised)
            description, texts = _txxx(data, tag.name)
            if description == KEY:
                values += texts
        position = body + size
    raise LabelFileError(f"{tag.name}: more than {MAX_ITEMS} ID3 frames")


def _frame_data(tag: _Source, data: bytes, major: int, flags: bytes, unsynchronised: bool) -> bytes:
    """A frame's content with its format flags undone (grouping, lengths, unsync, zlib)."""
    fmt = flags[1]  # the second byte: format flags (the first, status flags, changes nothing here)
    compressed = False
    if major == 3:
        if fmt & 0x40:
            raise NotChecked(f"{tag.name}: an encrypted TXXX frame")
        if fmt & 0x80:
            data, compressed = data[4:], True  # the decompressed size
        if fmt & 0x20:
            data = data[1:]  # the group
    elif major == 4:
        if fmt & 0x40:
            data = data[1:]  # the group
        if fmt & 0x04:
            raise NotChecked(f"{tag.name}: an encrypted TXXX frame")
        if fmt & 0x01:
            data = data[4:]  # the data length indicator
        if fmt & 0x02 or unsynchronised:
            data = data.replace(b"\xff\x00", b"\xff")
        compressed = bool(fmt & 0x08)
    if compressed:
        inflater = zlib.decompressobj()
        try:
            data = inflater.decompress(data, MAX_LABEL_BYTES)
        except zlib.error as e:
            raise LabelFileError(f"{tag.name}: a compressed TXXX frame does not inflate: {e}") from None
        if inflater.unconsumed_tail:
            raise NotChecked(f"{tag.name}: a compressed TXXX frame inflates past {MAX_LABEL_BYTES} bytes")
    return data


def _txxx(data: bytes, name: str) -> tuple[str | None, list[str]]:
    """(description, values) of a TXXX frame; the description is None when it is not text."""
    if not data:
        raise LabelFileError(f"{name}: an empty TXXX frame")
    encoding, rest = data[0], data[1:]
    if encoding > 3:
        raise LabelFileError(f"{name}: a TXXX frame with the unknown text encoding {encoding}")
    parts = _split16(rest) if encoding in (1, 2) else rest.split(b"\x00")
    try:
        description = _decode(parts[0], encoding)
    except UnicodeDecodeError:
        return None, []
    if description != KEY:
        return description, []
    values = parts[1:]
    if len(values) > 1 and values[-1] == b"":
        values = values[:-1]  # a terminator after the last string
    try:
        return description, [_decode(value, encoding) for value in values] or [""]
    except UnicodeDecodeError:
        raise LabelFileError(f"{name}: the {KEY} frame's text is not valid in its encoding {encoding}") from None


def _split16(data: bytes) -> list[bytes]:
    """UTF-16 strings split at 2-byte-aligned NUL terminators."""
    parts, start = [], 0
    at = data.find(b"\x00\x00")
    while at >= 0:
        if (at - start) % 2:
            at = data.find(b"\x00\x00", at + 1)
            continue
        parts.append(data[start:at])
        start = at + 2
        at = data.find(b"\x00\x00", start)
    parts.append(data[start:])
    return parts


def _decode(raw: bytes, encoding: int) -> str:
    if encoding == 0:
        return raw.decode("latin-1")
    if encoding == 3:
        return raw.decode("utf-8")
    if encoding == 1 and raw[:2] == b"\xfe\xff":
        return raw[2:].decode("utf-16-be")
    if encoding == 1:
        return raw[2:].decode("utf-16-le") if raw[:2] == b"\xff\xfe" else raw.decode("utf-16-le")
    return raw.decode("utf-16-be")


# WAV -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Chunk:
    name: bytes
    offset: int  # of the chunk's data
    size: int  # of its data, clipped to the file for a final chunk that runs past it
    complete: bool = True  # False when it was clipped


def _wav_chunks(source: _Source) -> list[_Chunk]:
    """The chunks of a RIFF/RF64 WAVE file, in order. An RF64 ``data`` chunk takes its size from
    ``ds64``; a last chunk running past the end of the file is clipped and marked incomplete (a
    recording cut short; the reader of the ``data`` chunk accepts it, that of ``id3 `` does not)."""
    head = source.read(0, 12, what="RIFF header")
    rf64 = head[:4] == b"RF64"
    chunks: list[_Chunk] = []
    position, data_size = 12, None
    for _ in range(MAX_ITEMS):
        if position + 8 > source.size:
            return chunks
        header = source.read(position, 8, what="chunk header")
        name, size = header[:4], _u32le(header, 4)
        if rf64 and name == b"ds64":
            ds64 = source.read(position + 8, 16, position + 8 + size, "ds64 chunk")
            data_size = int.from_bytes(ds64[8:16], "little")
        if rf64 and size == 0xFFFFFFFF and name == b"data" and data_size is not None:
            size = data_size
        body = position + 8
        if body + size > source.size:
            chunks.append(_Chunk(name, body, source.size - body, complete=False))
            return chunks
        chunks.append(_Chunk(name, body, size))
        position = body + size + (size & 1)
    raise LabelFileError(f"{source.name}: more than {MAX_ITEMS} RIFF chunks")


def _wav_labels(source: _Source) -> list[str]:
    values: list[str] = []
    for chunk in _wav_chunks(source):
        if chunk.name in (b"id3 ", b"ID3 "):
            if not chunk.complete:
                raise LabelFileError(f"{source.name}: the {chunk.name.decode().strip()} chunk runs past the end of "
                                     "the file")
            values += _id3_labels(source, chunk.offset, chunk.offset + chunk.size)
    return values


# FLAC and Vorbis comments ---------------------------------------------------------------------


def _flac_labels(source: _Source, offset: int) -> list[str]:
    position, values = offset + 4, []
    for _ in range(MAX_ITEMS):
        header = source.read(position, 4, what="FLAC metadata block header")
        last, kind, size = header[0] & 0x80, header[0] & 0x7F, int.from_bytes(header[1:4], "big")
        if kind == 127:
            raise LabelFileError(f"{source.name}: an invalid FLAC metadata block at byte {position}")
        if kind == 4:
            block = source.read(position + 4, size, what="VORBIS_COMMENT block")
            values += _vorbis_comments(block, source.name, framed=False)
        elif position + 4 + size > source.size:
            raise LabelFileError(f"{source.name}: a FLAC metadata block runs past the end of the file")
        position += 4 + size
        if last:
            return values
    raise LabelFileError(f"{source.name}: more than {MAX_ITEMS} FLAC metadata blocks")


def _vorbis_comments(data: bytes, name: str, *, framed: bool) -> list[str]:
    """The values of the comments named ``AIGC`` (in any case) of a Vorbis comment structure."""
    if len(data) < 8:
        raise LabelFileError(f"{name}: a truncated Vorbis comment block")
    position = 4 + _u32le(data)
    if position + 4 > len(data):
        raise LabelFileError(f"{name}: the Vorbis comment vendor string runs past its block")
    count, position = _u32le(data, position), position + 4
    values = []
    for index in range(count):
        if index >= MAX_ITEMS or position + 4 > len(data):
            raise LabelFileError(f"{name}: the Vorbis comment block is truncated or holds too many comments")
        size = _u32le(data, position)
        entry = data[position + 4 : position + 4 + size]
        if len(entry) != size:
            raise LabelFileError(f"{name}: a Vorbis comment runs past its block")
        position += 4 + size
        field, equals, value = entry.partition(b"=")
        if equals and field.upper() == KEY.encode():
            try:
                values.append(value.decode("utf-8"))
            except UnicodeDecodeError:
                raise LabelFileError(f"{name}: the {KEY} comment is not UTF-8") from None
    if framed and (position >= len(data) or not data[position] & 1):
        raise LabelFileError(f"{name}: the Vorbis comment header has no framing bit")
    return values


def _ogg_labels(source: _Source) -> list[str]:
    """The comment header (the second packet) of the first logical stream, if it is Vorbis."""
    packets: list[bytes] = []
    current = bytearray()
    serial, position = None, 0
    for _ in range(MAX_ITEMS):
        if position >= source.size:
            break
        header = source.read(position, 27, what="Ogg page header")
        if header[:4] != b"OggS" or header[4] != 0:
            raise LabelFileError(f"{source.name}: no Ogg page at byte {position}")
        lacing = source.read(position + 27, header[26], what="Ogg lacing table")
        body = source.read(position + 27 + len(lacing), sum(lacing), what="Ogg page")
        position += 27 + len(lacing) + len(body)
        if serial is None:
            serial = header[14:18]
        if header[14:18] != serial:
            continue
        at = 0
        for value in lacing:
            current += body[at : at + value]
            at += value
            if len(current) > MAX_LABEL_BYTES:
                raise NotChecked(f"{source.name}: an Ogg header packet larger than {MAX_LABEL_BYTES} bytes")
            if value < 255:
                packets.append(bytes(current))
                current.clear()
                if len(packets) == 1 and not packets[0].startswith(b"\x01vorbis"):
                    raise NotChecked(f"{source.name}: an Ogg stream that is not Vorbis")
                if len(packets) == 2:
                    if not packets[1].startswith(b"\x03vorbis"):
                        raise LabelFileError(f"{source.name}: the Vorbis stream's second packet is not its "
                                             "comment header")
                    return _vorbis_comments(packets[1][7:], source.name, framed=True)
    raise LabelFileError(f"{source.name}: the Ogg file ends before the Vorbis comment header")


# MP4 -------------------------------------------------------------------------------------------


def _atoms(source: _Source, start: int, stop: int) -> list[tuple[bytes, int, int]]:
    """(type, data offset, data size) of the atoms (boxes) between ``start`` and ``stop``."""
    found: list[tuple[bytes, int, int]] = []
    position = start
    while position + 8 <= stop:
        if len(found) >= MAX_ITEMS:
            raise LabelFileError(f"{source.name}: more than {MAX_ITEMS} MP4 atoms in one container")
        header = source.read(position, 8, stop, "MP4 atom header")
        size, kind, body = int.from_bytes(header[:4], "big"), header[4:8], position + 8
        if size == 1:
            size, body = int.from_bytes(source.read(body, 8, stop, "MP4 atom size"), "big"), body + 8
        elif size == 0:
            size = stop - position
        if size < body - position or position + size > stop:
            raise LabelFileError(f"{source.name}: the MP4 atom {kind!r} at byte {position} has a bad size")
        found.append((kind, body, position + size - body))
        position += size
    return found


def _child(source: _Source, atoms: Iterable[tuple[bytes, int, int]], kind: bytes, skip: int = 0) -> (
        list[tuple[bytes, int, int]]):
    for name, offset, size in atoms:
        if name == kind:
            if size < skip:
                raise LabelFileError(f"{source.name}: a truncated MP4 {kind.decode()} atom")
            return _atoms(source, offset + skip, offset + size)
    return []


def _mp4_labels(source: _Source) -> list[str]:
    moov = _child(source, _atoms(source, 0, source.size), b"moov")
    ilst = _child(source, _child(source, _child(source, moov, b"udta"), b"meta", 4), b"ilst")
    values = []
    for kind, offset, size in ilst:
        if kind != b"----":
            continue
        if size > MAX_LABEL_BYTES:
            raise NotChecked(f"{source.name}: a freeform MP4 atom of {size} bytes")
        parts = _atoms(source, offset, offset + size)
        texts = {name: source.read(at, length, what="MP4 atom")[4:] for name, at, length in parts
                 if name in (b"mean", b"name")}
        if texts.get(b"mean") != b"com.apple.iTunes" or texts.get(b"name") != KEY.encode():
            continue
        for name, at, length in parts:
            if name == b"data":
                try:
                    values.append(source.read(at, length, what="MP4 data atom")[8:].decode("utf-8"))
                except UnicodeDecodeError:
                    raise LabelFileError(f"{source.name}: the {KEY} atom is not UTF-8 text") from None
    return values


# --- the audible label ---------------------------------------------------------------------------

MAX_POSITIONS: Final = 64  # positions looked at in one file (the writer records one or two)


@dataclass(frozen=True)
class _WavAudio:
    channels: int
    rate: int
    align: int  # bytes per frame
    width: int  # bytes per sample
    floating: bool
    offset: int  # of the first frame
    frames: int


def _wav_audio(source: _Source) -> _WavAudio:
    """The sample format and the audio of a WAV file, for the formats read here.

    Raises: NotChecked (another sample format, rate or channel count), LabelFileError."""
    chunks = _wav_chunks(source)
    fmt = next((chunk for chunk in chunks if chunk.name == b"fmt "), None)
    data = next((chunk for chunk in chunks if chunk.name == b"data"), None)
    if fmt is None or data is None or fmt.size < 16:
        raise LabelFileError(f"{source.name}: a WAV file without a fmt or data chunk")
    raw = source.read(fmt.offset, min(fmt.size, 40), what="fmt chunk")
    tag = int.from_bytes(raw[0:2], "little")
    channels = int.from_bytes(raw[2:4], "little")
    rate = _u32le(raw, 4)
    align = int.from_bytes(raw[12:14], "little")
    bits = int.from_bytes(raw[14:16], "little")
    if tag == 0xFFFE:  # WAVE_FORMAT_EXTENSIBLE: the format is the sub-format GUID's first two bytes
        if len(raw) < 40 or raw[26:40] != _KSDATAFORMAT_SUFFIX:
            raise NotChecked(f"{source.name}: a WAVE_FORMAT_EXTENSIBLE sub-format other than PCM or float")
        tag = int.from_bytes(raw[24:26], "little")
    if not ((tag == 1 and bits in (8, 16, 24, 32)) or (tag == 3 and bits in (32, 64))):
        raise NotChecked(f"{source.name}: WAV format {tag} with {bits}-bit samples; PCM 8/16/24/32-bit and "
                         "float 32/64-bit are read")
    if not 1 <= channels <= MAX_CHANNELS or not MIN_RATE <= rate <= MAX_RATE:
        raise NotChecked(f"{source.name}: {channels} channels at {rate} Hz; 1-{MAX_CHANNELS} channels at "
                         f"{MIN_RATE}-{MAX_RATE} Hz are read")
    if align != channels * bits // 8:
        raise LabelFileError(f"{source.name}: the WAV block alignment {align} does not fit {channels} x {bits} bits")
    return _WavAudio(channels, rate, align, bits // 8, tag == 3, data.offset, data.size // align)


def _int32_code() -> str:
    return next(code for code in ("i", "l") if array.array(code).itemsize == 4)


def _mono(source: _Source, audio: _WavAudio, first: int, stop: int) -> tuple[list[Any], float]:
    """Frames ``first``..``stop`` (silence outside the file) summed over the channels, and the
    factor that scales those sums to full scale ±1 per channel."""
    lead, tail = max(0, -first), max(0, stop - max(first, audio.frames))
    begin, end = max(first, 0), min(stop, audio.frames)
    samples: list[Any] = []
    scale = 1.0 / audio.channels
    if begin < end:
        raw = source.read(audio.offset + begin * audio.align, (end - begin) * audio.align, what="audio")
        width = audio.width
        if audio.floating:
            values: array.array[Any] = array.array("f" if width == 4 else "d", raw)
        elif width == 1:
            values = array.array("B", raw)
            scale /= 128
        elif width == 2:
            values = array.array("h", raw)
            scale /= 32768
        else:
            if width == 3:  # 24-bit: each sample moved to the top of a 32-bit word
                wide = bytearray(len(raw) // 3 * 4)
                wide[1::4], wide[2::4], wide[3::4] = raw[0::3], raw[1::3], raw[2::3]
                raw = bytes(wide)
            values = array.array(_int32_code(), raw)
            scale /= 2**31
        if width > 1 and sys.byteorder == "big":
            values.byteswap()
        channels = audio.channels
        slices = [values[c::channels] for c in range(channels)]
        samples = list(values) if channels == 1 else list(map(sum, zip(*slices, strict=True)))
        if width == 1 and not audio.floating:
            samples = [value - 128 * channels for value in samples]
    silence = [0] * lead, [0] * max(0, min(tail, stop - first - lead))
    return silence[0] + samples + silence[1], scale


@lru_cache(maxsize=8)
def _tables(rate: int, hop: int) -> tuple[array.array[float], array.array[float], int]:
    """cos and sin of the tone's phase at each sample index modulo its period, and the period."""
    period = rate // math.gcd(rate, TONE_HZ)
    steps = range(period + hop)
    cosine = array.array("d", (math.cos(2 * math.pi * (TONE_HZ * k % rate) / rate) for k in steps))
    sine = array.array("d", (math.sin(2 * math.pi * (TONE_HZ * k % rate) / rate) for k in steps))
    return cosine, sine, period


def _purity(source: _Source, audio: _WavAudio, first: int, last: int, hop: int) -> list[float]:
    """The writer's detector (spec/labels-aigc.md §4) on windows ``first``..``last``: for each
    40 ms window centred on sample ``i * hop``, the share of its power in the 1 kHz sine, or 0
    where that sine is below -50 dBFS. Outside the file there is silence."""
    cosine, sine, period = _tables(audio.rate, hop)
    half = WINDOW_HOPS // 2
    block_from, block_to = first - half, last + half  # block j holds samples j*hop .. (j+1)*hop
    sums_c: list[float] = []
    sums_s: list[float] = []
    sums_e: list[float] = []
    step = max(1, _READ_FRAMES // hop) * hop
    frame = block_from * hop
    while frame < block_to * hop:
        stop = min(block_to * hop, frame + step)
        mono, scale = _mono(source, audio, frame, stop)
        for at in range(0, stop - frame, hop):
            part = mono[at : at + hop]
            index = (frame + at) % period
            sums_c.append(scale * sum(map(operator.mul, part, cosine[index : index + hop])))
            sums_s.append(scale * sum(map(operator.mul, part, sine[index : index + hop])))
            sums_e.append(scale * scale * sum(map(operator.mul, part, part)))
        frame = stop
    window = WINDOW_HOPS * hop
    floor = MIN_TONE_AMPLITUDE * MIN_TONE_AMPLITUDE
    shares = []
    for block in range(len(sums_c) - WINDOW_HOPS + 1):
        real = sum(sums_c[block : block + WINDOW_HOPS])
        imaginary = sum(sums_s[block : block + WINDOW_HOPS])
        amplitude2 = 4 * (real * real + imaginary * imaginary) / (window * window)
        power = sum(sums_e[block : block + WINDOW_HOPS]) / window
        shares.append(amplitude2 / 2 / power if power > 0 and amplitude2 >= floor else 0.0)
    return shares


def _tones(purity: Sequence[float], first: int, hop: int, rate: int) -> list[tuple[float, float]]:
    """(start, end) in seconds of each tone: a run of windows of at least :data:`MIN_PURITY`, one
    of them at least :data:`CORE_PURITY`, its edges where the window centred on them is half full."""
    tones, index = [], 0
    while index < len(purity):
        if not purity[index] >= MIN_PURITY:
            index += 1
            continue
        end = index
        while end < len(purity) and purity[end] >= MIN_PURITY:
            end += 1
        if max(purity[index:end]) >= CORE_PURITY:
            tones.append((max(0.0, (first + index - 0.5) * hop / rate), (first + end - 0.5) * hop / rate))
        index = end
    return tones


def _rhythms(tones: Sequence[tuple[float, float]]) -> list[tuple[float, float]]:
    """(start, end) in seconds of every run of four tones timed as Morse "AI" (the detector's
    tolerances), with no other tone within :data:`ISOLATION_UNITS` units either side."""
    found = []
    for index in range(len(tones) - 3):
        group = tones[index : index + 4]
        unit = (group[-1][1] - group[0][0]) / SPAN_UNITS
        lengths = [group[0][1] - group[0][0]]
        for (_, end), (start, stop) in itertools.pairwise(group):
            lengths += [start - end, stop - start]
        fits = UNIT_RANGE_MS[0] <= unit * 1000 <= UNIT_RANGE_MS[1] and all(
            abs(length - units * unit) * 1000 <= TOLERANCE * units * unit * 1000 + TOLERANCE_MS
            for length, units in zip(lengths, PATTERN_UNITS, strict=True))
        before = group[0][0] - tones[index - 1][1] if index else math.inf
        after = tones[index + 4][0] - group[-1][1] if index + 4 < len(tones) else math.inf
        if fits and min(before, after) >= ISOLATION_UNITS * unit:
            found.append((group[0][0], group[-1][1]))
    return found


def find_audible_label(path: Path, positions_ms: Sequence[tuple[int, int]]) -> list[bool]:
    """For each ``(start_ms, end_ms)``, whether the audible label (Morse "AI" at 1 kHz,
    spec/labels-aigc.md §3) is there in the WAV file ``path``: the writer's detector (§4) run on
    the audio around that position only, finding the rhythm within
    :data:`POSITION_SLACK_MS` ms of both ends. Read: PCM 8/16/24/32-bit and IEEE float 32/64-bit,
    plain or WAVE_FORMAT_EXTENSIBLE, RIFF or RF64, 1-64 channels (mixed to mono), 8-768 kHz.
    A position that cannot be one (not ``0 <= start < end``, longer than the slowest rhythm the
    detector accepts, past the end of the audio) is False.

    Raises:
        NotChecked: not a WAV file (FLAC, MP3, Ogg and the rest are not decoded here), another
            sample format, rate or channel count, or more than :data:`MAX_POSITIONS` positions.
        LabelFileError: a WAV file that cannot be opened or parsed.
    """
    path = Path(path)
    if len(positions_ms) > MAX_POSITIONS:
        raise NotChecked(f"{len(positions_ms)} audible label positions; at most {MAX_POSITIONS} are looked at")
    handle, size = _open(path)
    with handle:
        source = _Source(handle, size, path.name)
        head = source.read(0, min(size, 12), what="header")
        if len(head) < 12 or head[:4] not in (b"RIFF", b"RF64") or head[8:12] != b"WAVE":
            raise NotChecked(f"{path.name} is not a WAV file; the audible label is looked for in WAV only")
        audio = _wav_audio(source)
        hop = max(1, round(HOP_MS * audio.rate / 1000))
        return [_confirm(source, audio, hop, position) for position in positions_ms]


def _confirm(source: _Source, audio: _WavAudio, hop: int, position: Sequence[int]) -> bool:
    if len(position) != 2 or not all(type(value) is int for value in position):
        return False
    start, end = position
    if not 0 <= start < end or end - start > _MAX_SPAN_MS:
        return False
    margin = ISOLATION_UNITS * (end - start) / SPAN_UNITS * (1 + TOLERANCE) + POSITION_SLACK_MS + 40
    first = max(0, math.floor((start - margin) * audio.rate / 1000 / hop))
    last = min(audio.frames // hop, math.ceil((end + margin) * audio.rate / 1000 / hop))
    if first > last:
        return False
    purity = _purity(source, audio, first, last, hop)
    return any(abs(found_start * 1000 - start) <= POSITION_SLACK_MS
               and abs(found_end * 1000 - end) <= POSITION_SLACK_MS
               for found_start, found_end in _rhythms(_tones(purity, first, hop, audio.rate)))


# --- C2PA ----------------------------------------------------------------------------------------

EVENT_KEY: Final = "org.provenote.event"
RECORD_LABEL: Final = "org.provenote.record"
_ACTIONS_LABEL = re.compile(r"c2pa\.actions(?:\.v2)?(?:__\d+)?")


@dataclass(frozen=True)
class C2paFileCheck:
    """What c2pa-python's Reader says of a file's active C2PA manifest.

    ``state`` is c2pa's validation state (``Trusted``, ``Valid`` or ``Invalid``; no trust anchor is
    given, so a sound manifest reads ``Valid``); ``failures`` the codes of its validation
    failures; ``actions`` the action names in order and ``event_hashes`` the
    ``org.provenote.event`` hash of each (None where an action carries none that is 32 bytes of
    hex); ``work`` and ``head`` those of the ``org.provenote.record`` assertion (None without one
    or when malformed)."""

    state: str
    failures: tuple[str, ...]
    actions: tuple[str, ...]
    event_hashes: tuple[bytes | None, ...]
    work: bytes | None
    head: bytes | None


def _hash(value: object) -> bytes | None:
    if isinstance(value, str) and re.fullmatch(r"[0-9a-f]{64}", value):
        return bytes.fromhex(value)
    return None


def _media_type(head: bytes, name: str) -> str:
    media_type = audio_media_type(head) if head[:4] != b"BW64" else None  # as the C2PA writer reads them
    if media_type is not None:
        return media_type
    raise NotChecked(f"{name}: C2PA manifests are read from WAV, MP3 and FLAC files")


def read_c2pa_actions(path: Path) -> C2paFileCheck | None:
    """The active C2PA manifest of the audio file ``path`` (WAV, MP3, FLAC), read and validated by
    c2pa-python — imported here, lazily — with nothing fetched from the network (no remote
    manifest, no OCSP) and no trust anchor. None when c2pa-python is not installed (or too old to
    have ``Context``).

    Raises:
        NotChecked: not a WAV, MP3 or FLAC file.
        LabelFileError: the file cannot be opened, holds no manifest, or c2pa cannot read it (any
            error of the library on these bytes is reported this way, in one line).
    """
    try:
        import c2pa
    except ImportError:
        return None
    if getattr(c2pa, "Context", None) is None or getattr(c2pa, "Reader", None) is None:
        return None
    path = Path(path)
    handle, size = _open(path)
    with handle:
        media_type = _media_type(_Source(handle, size, path.name).read(0, min(size, 16), what="header"),
                                 path.name)
        handle.seek(0)
        settings = {"verify": {"verify_after_reading": True, "verify_trust": True,
                               "remote_manifest_fetch": False, "ocsp_fetch": False}}
        not_found = getattr(getattr(c2pa, "C2paError", None), "ManifestNotFound", None)
        try:
            context = c2pa.Context.from_dict(settings)
            try:
                with c2pa.Reader(media_type, handle, context=context) as reader:
                    store = json.loads(reader.json())
            finally:
                context.close()
        except Exception as e:  # c2pa-rs parsing hostile bytes: whatever it raises is "cannot read"
            if isinstance(not_found, type) and isinstance(e, not_found):
                raise LabelFileError(f"{path.name} holds no C2PA manifest") from None
            text = " ".join(str(e).split())[:200] or type(e).__name__
            raise LabelFileError(f"c2pa cannot read a manifest in {path.name}: {text}") from None
    return _c2pa_check(store, path.name)


def _c2pa_check(store: Any, name: str) -> C2paFileCheck:
    manifests = store.get("manifests") if isinstance(store, dict) else None
    key = store.get("active_manifest") if isinstance(store, dict) else None
    active = manifests.get(key) if isinstance(manifests, dict) and isinstance(key, str) else None
    if not isinstance(active, dict):
        raise LabelFileError(f"{name} has no active C2PA manifest")
    statuses = store.get("validation_status")
    failures = tuple(str(item.get("code")) for item in statuses if isinstance(item, dict)) \
        if isinstance(statuses, list) else ()
    actions: list[str] = []
    hashes: list[bytes | None] = []
    work = head = None
    assertions = active.get("assertions")
    for assertion in assertions if isinstance(assertions, list) else []:
        label = assertion.get("label") if isinstance(assertion, dict) else None
        data = assertion.get("data") if isinstance(assertion, dict) else None
        if not isinstance(label, str) or not isinstance(data, dict):
            continue
        if _ACTIONS_LABEL.fullmatch(label):
            entries = data.get("actions")
            for entry in entries if isinstance(entries, list) else []:
                action = entry.get("action") if isinstance(entry, dict) else None
                parameters = entry.get("parameters") if isinstance(entry, dict) else None
                actions.append(action if isinstance(action, str) else "?")
                hashes.append(_hash(parameters.get(EVENT_KEY)) if isinstance(parameters, dict) else None)
        elif label == RECORD_LABEL:
            work, head = _hash(data.get("work")), _hash(data.get("head"))
    return C2paFileCheck(str(store.get("validation_state")), failures, tuple(actions), tuple(hashes), work, head)


# --- the check -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class LabelFileCheck:
    """One label event checked against the file it labelled (spec/labels.md §4).

    ``event`` is the label event's sequence number, ``kind`` its kind, ``file`` the labelled file's
    path (or the event's name for it when it was not found), ``status`` one of :data:`STATUSES`
    and ``detail`` one line saying why."""

    event: int
    kind: str
    file: str
    status: str
    detail: str


def _excerpt(text: str, at: int) -> str:
    """Up to 32 characters of ``text`` from 16 before ``at``, quoted, on one line (characters that
    are not printable shown as escapes)."""
    start = max(0, at - 16)
    piece = "".join(char if char.isprintable() else f"\\u{ord(char):04x}" for char in text[start : start + 32])
    return "'" + ("…" if start else "") + piece + ("…" if start + 32 < len(text) else "") + "'"


def _compare(embedded: str, recorded: str) -> str:
    at = next((i for i, (a, b) in enumerate(zip(embedded, recorded, strict=False)) if a != b),
              min(len(embedded), len(recorded)))
    return (f"the file's AIGC label differs from the event's text at character {at}: "
            f"file {_excerpt(embedded, at)}, event {_excerpt(recorded, at)}")


def _check_implicit(row: Mapping[str, Any], path: Path) -> tuple[str, str]:
    recorded = row.get("text")
    if not isinstance(recorded, str):
        return "not checked", "the label row carries no AIGC text to compare with"
    embedded = read_aigc_label(path)
    if embedded is None:
        return "disagrees", "the file carries no AIGC label"
    if embedded == recorded:
        return "agrees", "the file's AIGC label is the event's text"
    return "disagrees", _compare(embedded, recorded)


def _check_audible(row: Mapping[str, Any], path: Path) -> tuple[str, str]:
    raw = row.get("positions_ms")
    positions = [tuple(p) for p in raw if isinstance(p, list | tuple)] if isinstance(raw, list) else []
    if not positions:
        return "disagrees", "the event records no position for the audible label"
    found = find_audible_label(path, positions)  # a malformed pair reads False
    spans = ", ".join(f"{p[0]}-{p[1]} ms" if len(p) == 2 else "?" for p in positions)
    missing = [f"{p[0]}-{p[1]} ms" if len(p) == 2 else "?" for p, ok in zip(positions, found, strict=True)
               if not ok]
    if missing:
        return "disagrees", f"no Morse 'AI' at 1 kHz at {', '.join(missing)}"
    return "agrees", f"Morse 'AI' at 1 kHz found at {spans}"


def _check_c2pa(path: Path, chain_hashes: set[bytes]) -> tuple[str, str]:
    result = read_c2pa_actions(path)
    if result is None:
        return "not checked", "c2pa-python is not installed"
    if result.state not in ("Valid", "Trusted"):
        codes = ", ".join(code for code in result.failures[:3])
        return "disagrees", f"c2pa reads the manifest {result.state}" + (f" ({codes})" if codes else "")
    if not result.actions:
        return "disagrees", "the manifest states no actions"
    for number, (action, event) in enumerate(zip(result.actions, result.event_hashes, strict=True), start=1):
        if event is None:
            return "disagrees", f"action {number} ({action}) names no provenote event"
        if event not in chain_hashes:
            return "disagrees", f"action {number} ({action}) names event {event.hex()[:16]}…, not in the bundle"
    for what, value in (("work", result.work), ("head", result.head)):
        if value is not None and value not in chain_hashes:
            return "disagrees", f"the record assertion's {what} {value.hex()[:16]}… is not in the bundle"
    return "agrees", (f"manifest {result.state}, {len(result.actions)} actions, each naming an event of the "
                      "bundle")


_NOT_READ: Final = {
    "ddex": "the DDEX fragment is an XML document the verifier does not parse",
    "visible-notice": "a notice shown with the music is not in a file",
}


def check_label_files(labels: Iterable[Mapping[str, Any]], find: Callable[[bytes], Path | None],
                      chain_hashes: set[bytes]) -> list[LabelFileCheck]:
    """Check each label row (``Profile.labels``, spec/labels.md §3) against the labelled file.

    A row needs ``event``, ``kind``, ``output_sha256`` (hex) and, by kind, ``text`` (the event's
    AIGC JSON, ``aigc-implicit``) or ``positions_ms`` (``aigc-audible``). ``find`` maps a SHA-256
    to a supplied file (or None); ``chain_hashes`` are the hashes of the bundle's events.

    * ``aigc-implicit``: ``agrees`` when the file's embedded JSON is the row's ``text`` exactly;
    * ``aigc-audible``: ``agrees`` when the rhythm is found at every recorded position (WAV);
    * ``c2pa``: ``agrees`` when the manifest reads ``Valid`` or ``Trusted``, has actions, and
      every action's event hash, and the record assertion's work and head, are in
      ``chain_hashes``; ``not checked`` without c2pa-python;
    * ``ddex``, ``visible-notice``, an unknown kind: ``not checked``.

    ``missing`` when ``find`` has no file with that hash; ``not checked`` when the reader does not
    read that container or format (:class:`NotChecked`); ``disagrees`` when the file cannot be
    parsed (:class:`LabelFileError`) or does not hold the label. Never raises for a file's bytes;
    whatever ``find`` raises is not caught.
    """
    checks = []
    for row in labels:
        kind, event = str(row.get("kind")), int(row.get("event", -1))
        name = str(row.get("output") or row.get("output_sha256") or "?")
        if kind in _NOT_READ:
            checks.append(LabelFileCheck(event, kind, name, "not checked", _NOT_READ[kind]))
            continue
        if kind not in ("aigc-implicit", "aigc-audible", "c2pa"):
            checks.append(LabelFileCheck(event, kind, name, "not checked", f"a label of kind {kind} is not read"))
            continue
        digest = row.get("output_sha256")
        try:
            wanted = bytes.fromhex(digest) if isinstance(digest, str) else b""
        except ValueError:
            wanted = b""
        path = find(wanted) if len(wanted) == 32 else None
        if path is None:
            checks.append(LabelFileCheck(event, kind, name, "missing",
                                         f"no supplied file has the labelled file's SHA-256 {str(digest)[:16]}…"))
            continue
        try:
            if kind == "aigc-implicit":
                status, detail = _check_implicit(row, path)
            elif kind == "aigc-audible":
                status, detail = _check_audible(row, path)
            else:
                status, detail = _check_c2pa(path, chain_hashes)
        except NotChecked as e:
            status, detail = "not checked", str(e).removeprefix("not checked: ")
        except LabelFileError as e:
            status, detail = "disagrees", f"the file cannot be read: {e}"
        checks.append(LabelFileCheck(event, kind, str(path), status, detail))
    return checks

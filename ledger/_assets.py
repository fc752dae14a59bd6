"""Asset references: SHA-256 of the exact bytes, size, media type, duration (spec/format.md §3.3).

WAV is read from its RIFF chunks as DAWs write it: PCM (1), IEEE float (3),
WAVE_FORMAT_EXTENSIBLE (0xFFFE), and RF64/BW64 with the ``ds64`` chunk (EBU Tech 3306). FLAC's
duration comes from STREAMINFO. Any other file takes a duration given by the caller.
"""

from __future__ import annotations

import math
import mimetypes
import os
import stat
import struct
from pathlib import Path
from typing import Any, BinaryIO

from verifier.format import UsageError, asset_digest, audio_media_type

_BLOCK = 1 << 20
MAX_DURATION_SECONDS = 10 * 24 * 3600  # ten days: longer is a slip, not a recording


class AssetError(UsageError):
    """A file could not be read or described (exit 2)."""


def _wav_duration_ms(handle: BinaryIO) -> int | None:
    head = handle.read(12)
    if len(head) < 12 or head[8:12] != b"WAVE" or head[:4] not in (b"RIFF", b"RF64", b"BW64"):
        return None
    is_rf64 = head[:4] != b"RIFF"
    ds64_data_size: int | None = None
    sample_rate = block_align = 0
    while True:
        chunk = handle.read(8)
        if len(chunk) < 8:
            return None
        chunk_id, size = chunk[:4], int.from_bytes(chunk[4:], "little")
        if chunk_id == b"ds64":
            body = handle.read(size)
            if len(body) < 24:
                raise AssetError("RF64 file has a short ds64 chunk")
            ds64_data_size = int.from_bytes(body[8:16], "little")
        elif chunk_id == b"fmt ":
            body = handle.read(size)
            if len(body) < 16:
                raise AssetError("WAV file has a short fmt chunk")
            _tag, _channels, sample_rate, _byte_rate, block_align = struct.unpack("<HHIIH", body[:14])
            if sample_rate == 0 or block_align == 0:
                raise AssetError("WAV fmt chunk has a zero sample rate or block size")
        elif chunk_id == b"data":
            if not sample_rate:
                raise AssetError("WAV data chunk comes before its fmt chunk")
            if is_rf64 and size == 0xFFFFFFFF:
                if ds64_data_size is None:
                    raise AssetError("RF64 file lacks its ds64 chunk")
                size = ds64_data_size
            frames = size // block_align
            return round(frames * 1000 / sample_rate)
        else:
            handle.seek(size, 1)
        if size % 2 and chunk_id not in (b"data",):
            handle.seek(1, 1)  # RIFF chunks are padded to an even size


def _flac_duration_ms(handle: BinaryIO) -> int | None:
    head = handle.read(4 + 4 + 34)
    if len(head) < 42 or head[:4] != b"fLaC" or head[4] & 0x7F != 0:
        return None
    info = head[8:]
    packed = int.from_bytes(info[10:18], "big")
    sample_rate = packed >> 44
    total_samples = packed & ((1 << 36) - 1)
    if sample_rate == 0 or total_samples == 0:
        return None
    return round(total_samples * 1000 / sample_rate)


def _after_id3(head: bytes, handle: BinaryIO) -> int | None:
    """Where a FLAC stream starts after a leading ID3v2 tag, or None if what follows is not
    ``fLaC``. Leaves ``handle`` at its start."""
    if len(head) < 10 or head[:3] != b"ID3" or any(b & 0x80 for b in head[6:10]):
        return None
    size = 10 + ((head[6] << 21) | (head[7] << 14) | (head[8] << 7) | head[9]) + (10 if head[5] & 0x10 else 0)
    handle.seek(size)
    found = handle.read(4) == b"fLaC"
    handle.seek(0)
    return size if found else None


def sniff_media_type(head: bytes, name: str) -> str:
    audio = audio_media_type(head)
    if audio is not None:
        return audio
    if head[:4] == b"%PDF":
        return "application/pdf"
    guessed, _ = mimetypes.guess_type(name)
    return guessed or "application/octet-stream"


def sha256_file(path: Path) -> tuple[bytes, int]:
    """Stream a file once: its asset hash and size (verifier.format.asset_digest)."""
    with open_regular(path) as handle:
        return asset_digest(iter(lambda: handle.read(_BLOCK), b""))


def open_regular(path: Path) -> BinaryIO:
    """Open a regular file for reading without ever blocking: a FIFO or a device is refused
    (it is opened non-blocking, then checked), as is a folder.

    Raises: AssetError (missing, not a regular file, cannot be opened).
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except FileNotFoundError as e:
        raise AssetError(f"file not found: {path}") from e
    except OSError as e:
        raise AssetError(f"cannot open {path}: {e.strerror}") from e
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise AssetError(f"{path} is not a regular file")
    return os.fdopen(fd, "rb")


def describe_file(path: Path, *, duration_seconds: float | None = None) -> dict[str, Any]:
    """The asset reference of a file, read from its bytes.

    ``duration_seconds`` is used when the file's own duration cannot be read.

    Raises:
        AssetError: if the file is missing, unreadable, or a WAV file is malformed.
    """
    try:
        with open_regular(path) as handle:
            digest, size = asset_digest(iter(lambda: handle.read(_BLOCK), b""))
            handle.seek(0)
            head = handle.read(16)
            handle.seek(0)
            media_type = sniff_media_type(head, path.name)
            flac_at = _after_id3(head, handle) if media_type == "audio/mpeg" else None
            if flac_at is not None:  # an ID3 tag in front of a FLAC stream (C2PA writes one there)
                media_type = "audio/flac"
            duration_ms: int | None = None
            if media_type == "audio/wav":
                duration_ms = _wav_duration_ms(handle)
            elif media_type == "audio/flac":
                handle.seek(flac_at or 0)
                duration_ms = _flac_duration_ms(handle)
    except (OSError, struct.error) as e:
        raise AssetError(f"cannot read {path}: {e}") from e
    if duration_ms is None and duration_seconds is not None:
        if not math.isfinite(duration_seconds) or not 0 <= duration_seconds <= MAX_DURATION_SECONDS:
            raise AssetError(f"--duration must be a number of seconds from 0 to {MAX_DURATION_SECONDS}")
        duration_ms = round(duration_seconds * 1000)
    ref: dict[str, Any] = {"sha256": digest, "size": size, "media_type": media_type,
                           "name": path.name}
    if duration_ms is not None:
        ref["duration_ms"] = duration_ms
    return ref

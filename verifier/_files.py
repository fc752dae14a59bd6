"""The verifier's file I/O: streaming SHA-256, finding files by hash, reading small inputs.
Every file is opened so that a FIFO or a device never blocks, and must be a regular file."""

from __future__ import annotations

import os
import stat
from collections.abc import Collection
from pathlib import Path
from typing import BinaryIO

from verifier.format import UsageError, asset_digest

_BLOCK = 1 << 20


def _open_regular(path: Path, label: str, *, follow_links: bool = True) -> BinaryIO:
    """``path`` opened for reading, non-blocking, and checked to be a regular file (a symbolic
    link is refused when ``follow_links`` is False).

    Raises: UsageError naming ``label``: missing, cannot be opened, not a regular file.
    """
    flags = os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC | (0 if follow_links else os.O_NOFOLLOW)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError as e:
        raise UsageError(f"{label}: file not found") from e
    except OSError as e:
        raise UsageError(f"{label}: cannot open: {e.strerror}") from e
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise UsageError(f"{label}: not a regular file")
    return os.fdopen(fd, "rb")


def sha256_file(path: Path, *, follow_links: bool = True) -> tuple[bytes, int]:
    """Stream a regular file once: its asset hash and size (verifier.format.asset_digest).

    Raises: OSError, UsageError for a file that is missing or not regular.
    """
    with _open_regular(path, str(path), follow_links=follow_links) as handle:
        return asset_digest(iter(lambda: handle.read(_BLOCK), b""))


def scan_by_hash(directory: Path, sizes: Collection[int]) -> tuple[dict[bytes, Path], dict[str, Path]]:
    """Walk ``directory`` in sorted order. Returns the files whose size is in ``sizes`` keyed by
    their SHA-256 (only those are hashed; the first path wins), and every file by its name.
    Symbolic links are never followed (a folder may come from an untrusted package: nothing
    outside it is opened)."""
    by_hash: dict[bytes, Path] = {}
    by_name: dict[str, Path] = {}
    for root, dirs, files in os.walk(directory):
        dirs.sort()
        for name in sorted(files):
            path = Path(root) / name
            by_name.setdefault(name, path)
            try:
                status = path.lstat()
                if stat.S_ISREG(status.st_mode) and status.st_size in sizes:
                    by_hash.setdefault(sha256_file(path, follow_links=False)[0], path)
            except (OSError, UsageError):  # gone, unreadable, or swapped for a FIFO: not this asset
                continue
    return by_hash, by_name


def read_regular_file(path: Path, *, limit: int, what: str) -> bytes:
    """The bytes of a small regular file. Never blocks on a FIFO or a device (the file is opened
    non-blocking and must be a regular file) and never reads more than ``limit`` + 1 bytes.

    Raises:
        UsageError: naming ``what`` and the path: missing, not a regular file, unreadable, or
            larger than ``limit`` bytes.
    """
    with _open_regular(path, f"{what} {path}") as handle:
        try:
            data = handle.read(limit + 1)
        except OSError as e:
            raise UsageError(f"{what} {path}: cannot read: {e.strerror}") from e
    if len(data) > limit:
        raise UsageError(f"{what} {path}: larger than {limit} bytes")
    return data

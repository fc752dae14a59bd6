"""Attachments (spec/licensing.md §2): contracts, receipts, invoices, project files, stored
content-addressed by SHA-256 in the ledger directory — as files, not LMDB values — and streamed
in and out in blocks of 1 MiB, so memory never grows with a file.

Layout: ``<ledger>/attachments/<first two hex digits>/<sha256 hex>``, 0600, written to a
temporary name in the same folder, fsynced and renamed; a file already there (same hash, same
bytes) is kept.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path
from typing import Any, BinaryIO

from ledger._assets import AssetError, open_regular, sniff_media_type

_BLOCK = 1 << 20
FOLDER = "attachments"


class AttachmentStore:
    """The attachments of one ledger directory."""

    def __init__(self, ledger_dir: Path) -> None:
        self.root = ledger_dir / FOLDER

    def path_of(self, sha256: bytes) -> Path:
        digest = sha256.hex()
        return self.root / digest[:2] / digest

    def has(self, sha256: bytes) -> bool:
        return self.path_of(sha256).is_file()

    def add(self, source: Path) -> dict[str, Any]:
        """Copy ``source`` into the store, hashing it as it streams; returns its asset reference
        ``{sha256, size, media_type, name}`` (the name is the file's base name).

        Raises: AssetError for a missing or non-regular file; OSError when writing fails (no
        partial file is left).
        """
        self.root.mkdir(mode=0o700, parents=True, exist_ok=True)
        digest = hashlib.sha256()
        size = 0
        head = b""
        fd, temp = tempfile.mkstemp(prefix=".attach-", suffix=".tmp", dir=self.root)
        try:
            with open_regular(source) as handle, os.fdopen(fd, "wb") as out:
                while block := handle.read(_BLOCK):
                    if not head:
                        head = block[:64]
                    digest.update(block)
                    size += len(block)
                    out.write(block)
                out.flush()
                os.fsync(out.fileno())
            sha256 = digest.digest()
            target = self.path_of(sha256)
            target.parent.mkdir(mode=0o700, exist_ok=True)
            if target.is_file() and target.stat().st_size == size:
                Path(temp).unlink()
            else:
                os.chmod(temp, 0o600)
                os.replace(temp, target)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise
        return {"sha256": sha256, "size": size, "media_type": sniff_media_type(head, source.name), "name": source.name}

    def open(self, sha256: bytes) -> BinaryIO:
        """The stored bytes of an attachment. Raises AssetError if it is not in the store."""
        path = self.path_of(sha256)
        if not path.is_file():
            raise AssetError(f"attachment {sha256.hex()[:16]} is not in the ledger's store")
        return open_regular(path)

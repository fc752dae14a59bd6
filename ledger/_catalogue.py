"""The reference catalogue for pre-release screening (spec/screening.md §5–§6): an LMDB inverted
index from landmark hash to (track, frame), and the offset-histogram matcher.

Layout — one environment, five tables, one write transaction per add or remove:

    meta         b"method" -> the fingerprint method (``provenote-fp/1``), b"layout" -> b"1",
                 b"next" -> the next track number (u32, big-endian)
    tracks       track number (u32 BE) -> SHA-256 (32) ‖ duration (f64 BE) ‖ landmarks (u64 BE) ‖ name (UTF-8)
    by_sha       SHA-256 -> track number
    index        hash (u32 BE) -> track number ‖ frame (u32 BE each); dupsort + dupfixed, so a
                 hash's postings are sorted by track, then frame, and read a page at a time
    track_hashes track number -> its distinct hashes (u32 BE, ascending), to remove it exactly

A query reads the postings of its own hashes only (``getmulti``: one C call for all of them), so
its cost follows the number of postings that share a hash with it, not the number of tracks.
"""

from __future__ import annotations

import hashlib
import math
import re
import struct
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import lmdb
import numpy as np
from numpy.typing import NDArray

from ledger._fingerprint import (
    FRAME_SECONDS,
    MAX_DT,
    METHOD,
    SAMPLE_RATE,
    WINDOW,
    Audio,
    Landmarks,
    decode_open,
    file_digest,
    landmarks,
    open_audio,
)
from verifier.format import SchemaError, check_text

MAP_SIZE = 1 << 36  # 64 GiB of address space, as the ledger's; the file grows only as data is written
IDENTITY_PREFIX = b"provenote-catalogue/1\x00"
LAYOUT = b"1"
_TABLES = (b"meta", b"tracks", b"by_sha", b"index", b"track_hashes")
_META_METHOD, _META_LAYOUT, _META_NEXT = b"method", b"layout", b"next"
_TRACK_HEAD = struct.Struct(">32sdQ")
_POSTING = np.dtype([("hash", ">u4"), ("track", ">u4"), ("frame", ">u4")])

# -- matching (spec/screening.md §6) ---------------------------------------------------------------
MIN_SCORE = 20  # a passage needs at least this many query landmarks at one offset ...
MIN_RATIO = 0.03  # ... that are at least 3% of the query's landmarks over the passage
OFFSET_SLACK = 1  # frames: postings at offset d-1, d, d+1 count for offset d (the code assumes 1)
SEPARATE_OFFSETS = 4  # frames: within a reference, offsets closer than this are one alignment
MAX_GAP_SECONDS = 3.0  # aligned landmarks further apart in the query than this split a passage
EDGE_LANDMARKS, EDGE_SECONDS = 3, 1.0  # a passage starts and ends where 3 aligned landmarks lie within 1 s
EDGE_REACH_SECONDS = 2.0  # ... then widens by up to 2 s where edge variants (frame step +-1) continue it
EDGE_EXTEND = 1.0  # ... and reaches one mean spacing of its aligned frames beyond its first and last
DEFAULT_MIN_SECONDS = 5.0


class CatalogueError(Exception):
    """The catalogue cannot do what was asked: none there, another method's, empty when queried,
    an unknown or ambiguous track, bad arguments, or a database error. One line for a person;
    nothing is written when it is raised."""


@dataclass(frozen=True)
class Track:
    """A reference recording in the catalogue: the SHA-256 of its file's bytes, its name, its
    duration in seconds and how many landmarks it holds.

    Raises (on construction): CatalogueError if a field has the wrong type or range.
    """

    sha256: bytes
    name: str
    duration_s: float
    landmarks: int

    def __post_init__(self) -> None:
        if type(self.sha256) is not bytes or len(self.sha256) != 32:
            raise CatalogueError("a track's SHA-256 is 32 bytes")
        _check_name(self.name)
        if not isinstance(self.duration_s, float) or not math.isfinite(self.duration_s) or self.duration_s <= 0:
            raise CatalogueError("a track's duration is a positive number of seconds")
        if type(self.landmarks) is not int or self.landmarks < 0:
            raise CatalogueError("a track's landmark count is a non-negative integer")

    def encode(self) -> bytes:
        return _TRACK_HEAD.pack(self.sha256, self.duration_s, self.landmarks) + self.name.encode("utf-8")

    @classmethod
    def decode(cls, raw: bytes) -> Track:
        if len(raw) < _TRACK_HEAD.size:
            raise CatalogueError("the catalogue holds a damaged track record")
        sha, duration, count = _TRACK_HEAD.unpack_from(raw)
        try:
            return cls(sha, raw[_TRACK_HEAD.size:].decode("utf-8"), duration, count)
        except UnicodeDecodeError:
            raise CatalogueError("the catalogue holds a damaged track record") from None


@dataclass(frozen=True)
class Match:
    """A passage of the query found in a reference track: where it lies in the query and in the
    reference (seconds), its length in the query, ``score`` — the query landmarks aligned at one
    time offset — and ``ratio``, the score over all the query's landmarks anchored in the passage
    (1.0: every one of them was found).

    Raises (on construction): CatalogueError if a field has the wrong type or range.
    """

    reference: bytes
    name: str
    query_start: float
    query_end: float
    reference_start: float
    reference_end: float
    duration: float
    score: int
    ratio: float

    def __post_init__(self) -> None:
        if type(self.reference) is not bytes or len(self.reference) != 32:
            raise CatalogueError("a match's reference is a 32-byte SHA-256")
        times = (self.query_start, self.query_end, self.reference_start, self.reference_end, self.duration)
        if not all(isinstance(x, float) and math.isfinite(x) and x >= 0 for x in times):
            raise CatalogueError("a match's times are non-negative seconds")
        if self.query_end < self.query_start or self.reference_end < self.reference_start:
            raise CatalogueError("a match ends after it starts")
        if type(self.score) is not int or self.score < 1:
            raise CatalogueError("a match's score is a positive integer")
        if not isinstance(self.ratio, float) or not 0.0 < self.ratio <= 1.0:
            raise CatalogueError("a match's ratio lies in (0, 1]")


def _check_name(name: object) -> None:
    """A track's name is text as any event's (L7): it is recorded in screening events."""
    try:
        check_text("a track's name", name)
    except SchemaError as e:
        raise CatalogueError(str(e)) from None


def catalogue_identity(method: str, track_hashes: Iterable[bytes]) -> bytes:
    """SHA-256(IDENTITY_PREFIX ‖ method (ASCII) ‖ 0x00 ‖ the tracks' SHA-256s in ascending
    byte order, concatenated) — spec/screening.md §5. Insertion order does not matter."""
    digest = hashlib.sha256(IDENTITY_PREFIX + method.encode("ascii") + b"\x00")
    for sha in sorted(track_hashes):
        digest.update(sha)
    return digest.digest()


def _u32(value: int) -> bytes:
    return value.to_bytes(4, "big")


def _must(value: bytes | memoryview | None) -> bytes:
    """An entry that must exist; its absence means the catalogue is damaged."""
    if value is None:
        raise CatalogueError("the catalogue's tables are inconsistent: make it again")
    return bytes(value)


Progress = Callable[[str, float], None]


class Catalogue:
    """An open catalogue. Make one with :meth:`create`, open it with :meth:`open`; a context
    manager (or :meth:`close`). ``readonly`` opens refuse :meth:`add` and :meth:`remove`."""

    def __init__(self, env: lmdb.Environment, path: Path, *, readonly: bool = False, create: bool = False) -> None:
        self._env = env
        self.path = path
        self.readonly = readonly
        self._db = {name.decode(): env.open_db(name, create=create, dupsort=name == b"index",
                                               dupfixed=name == b"index")
                    for name in _TABLES}

    # -- life cycle ---------------------------------------------------------------------------

    @staticmethod
    def _open_env(path: Path, *, readonly: bool) -> lmdb.Environment:
        return lmdb.open(str(path), map_size=MAP_SIZE, max_dbs=len(_TABLES), subdir=True, sync=True,
                         metasync=True, mode=0o600, readonly=readonly, create=False)

    @classmethod
    def create(cls, path: Path) -> Catalogue:
        """Make an empty catalogue in the folder ``path`` (created 0700 if missing; files 0600).

        Raises: CatalogueError if one is there already or it cannot be made.
        """
        if (path / "data.mdb").exists():
            raise CatalogueError(f"a catalogue already exists in {path}")
        try:
            path.mkdir(mode=0o700, parents=True, exist_ok=True)
            catalogue = cls(cls._open_env(path, readonly=False), path, create=True)
        except (OSError, lmdb.Error) as e:
            raise CatalogueError(f"cannot make a catalogue in {path}: {e}") from None
        with catalogue._env.begin(write=True) as txn:
            meta = catalogue._db["meta"]
            txn.put(_META_METHOD, METHOD.encode("ascii"), db=meta)
            txn.put(_META_LAYOUT, LAYOUT, db=meta)
            txn.put(_META_NEXT, _u32(0), db=meta)
        return catalogue

    @classmethod
    def open(cls, path: Path, *, readonly: bool = False) -> Catalogue:
        """Open the catalogue in ``path``.

        Raises: CatalogueError if there is none, it cannot be opened, or it was made by another
        fingerprint method or layout (its landmarks would not compare with this method's).
        """
        data = path / "data.mdb"
        if not data.is_file() or data.stat().st_size == 0:
            raise CatalogueError(f"no catalogue in {path}")
        try:
            env = cls._open_env(path, readonly=readonly)
        except lmdb.Error as e:
            raise CatalogueError(f"cannot open the catalogue in {path}: {e}") from None
        try:  # the method is checked before any other table is touched: nothing is created here
            with env.begin() as txn:
                meta = env.open_db(b"meta", txn=txn, create=False)
                method = txn.get(_META_METHOD, db=meta)
                layout = txn.get(_META_LAYOUT, db=meta)
        except lmdb.Error:
            method = layout = None
        if method != METHOD.encode("ascii") or layout != LAYOUT:
            env.close()
            if method is None:
                raise CatalogueError(f"{path} holds no provenote catalogue")
            shown = method.decode("ascii", "replace")[:60]
            raise CatalogueError(f"the catalogue in {path} was made with fingerprint method {shown!r}, "
                                 f"not {METHOD!r}: make a new catalogue and add its tracks again")
        try:
            return cls(env, path, readonly=readonly)
        except lmdb.Error as e:
            env.close()
            raise CatalogueError(f"the catalogue in {path} is damaged: {e}") from None

    def close(self) -> None:
        self._env.close()

    def __enter__(self) -> Catalogue:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- reading ------------------------------------------------------------------------------

    @property
    def method(self) -> str:
        """The fingerprint method the catalogue was made with (the one this code computes)."""
        return METHOD

    @property
    def identity(self) -> bytes:
        """:func:`catalogue_identity` of this catalogue's method and tracks: names a catalogue's
        content in a screening record; changes whenever a track is added or removed."""
        with self._env.begin() as txn:
            hashes = [bytes(key) for key in txn.cursor(db=self._db["by_sha"]).iternext(values=False)]
        return catalogue_identity(METHOD, hashes)

    def tracks(self) -> list[Track]:
        """Every track, sorted by name, then SHA-256."""
        with self._env.begin() as txn:
            found = [Track.decode(bytes(raw)) for raw in txn.cursor(db=self._db["tracks"]).iternext(keys=False)]
        return sorted(found, key=lambda t: (t.name, t.sha256))

    def __len__(self) -> int:
        with self._env.begin() as txn:
            return int(txn.stat(self._db["by_sha"])["entries"])

    def track(self, sha256_or_prefix: bytes | str) -> Track:
        """The track whose SHA-256 is ``sha256_or_prefix`` (32 bytes) or starts with it (hex, at
        least 4 digits). Raises: CatalogueError if none or more than one track fits."""
        with self._env.begin() as txn:
            return Track.decode(self._lookup(txn, sha256_or_prefix)[1])

    def _lookup(self, txn: lmdb.Transaction, sha256_or_prefix: bytes | str) -> tuple[bytes, bytes]:
        """(track number, record) of the one track fitting a hash or hex prefix."""
        if isinstance(sha256_or_prefix, bytes):
            if len(sha256_or_prefix) != 32:
                raise CatalogueError("a track's SHA-256 is 32 bytes")
            number = txn.get(sha256_or_prefix, db=self._db["by_sha"])
            if number is None:
                raise CatalogueError(f"no track {sha256_or_prefix.hex()} in the catalogue")
            return bytes(number), _must(txn.get(number, db=self._db["tracks"]))
        if not isinstance(sha256_or_prefix, str) or not re.fullmatch(r"[0-9a-fA-F]{4,64}", sha256_or_prefix):
            raise CatalogueError("name a track by its SHA-256 or at least 4 of its first hex digits")
        prefix = sha256_or_prefix.lower()
        low = bytes.fromhex(prefix + "0" * (len(prefix) % 2))
        cursor = txn.cursor(db=self._db["by_sha"])
        fits = []
        if cursor.set_range(low):
            for key, number in cursor:
                if not bytes(key).hex().startswith(prefix):
                    break
                fits.append(bytes(number))
                if len(fits) > 1:
                    raise CatalogueError(f"more than one track's SHA-256 starts with {prefix}: give more digits")
        if not fits:
            raise CatalogueError(f"no track whose SHA-256 starts with {prefix} in the catalogue")
        return fits[0], _must(txn.get(fits[0], db=self._db["tracks"]))

    # -- writing ------------------------------------------------------------------------------

    def add(self, path: Path, name: str | None = None, progress: Progress | None = None) -> Track:
        """Index the audio file ``path`` under ``name`` (default: the file's name). A file whose
        SHA-256 the catalogue already holds is not indexed again: its existing track is returned.
        ``progress(stage, fraction)`` is told "hashing", "decoding", "fingerprinting", "indexing"
        and "done", with the fraction of the work done (0.0 to 1.0).

        Raises: AudioError (the file: unreadable, undecodable, too short to screen …);
        CatalogueError (read-only, a bad name, a database error). Nothing is written then.
        """
        self._writable()
        report: Progress = progress or (lambda stage, fraction: None)
        label = path.name if name is None else name
        _check_name(label)
        report("hashing", 0.0)
        with open_audio(path) as handle:
            digest = file_digest(handle)
            with self._env.begin() as txn:
                known = txn.get(digest, db=self._db["by_sha"])
                if known is not None:
                    report("done", 1.0)
                    return Track.decode(_must(txn.get(known, db=self._db["tracks"])))
            report("decoding", 0.1)
            audio = decode_open(handle, path, digest)
        report("fingerprinting", 0.6)
        marks = landmarks(audio)
        track = Track(digest, label, audio.duration_s, len(marks))  # validates the name first
        report("indexing", 0.8)
        order = np.lexsort((marks.frames, marks.hashes))
        keys = marks.hashes[order].astype(">u4").tobytes()
        distinct = np.unique(marks.hashes).astype(">u4").tobytes()
        try:
            with self._env.begin(write=True) as txn:
                known = txn.get(digest, db=self._db["by_sha"])  # a racing writer may have added it
                if known is not None:
                    return Track.decode(_must(txn.get(known, db=self._db["tracks"])))
                number = _must(txn.get(_META_NEXT, db=self._db["meta"]))
                values = np.empty(len(marks), dtype=[("track", ">u4"), ("frame", ">u4")])
                values["track"] = int.from_bytes(number, "big")
                values["frame"] = marks.frames[order]
                packed = values.tobytes()
                items = [(keys[4 * i:4 * i + 4], packed[8 * i:8 * i + 8]) for i in range(len(marks))]
                cursor = txn.cursor(db=self._db["index"])
                cursor.putmulti(items, dupdata=True)
                txn.put(number, track.encode(), db=self._db["tracks"])
                txn.put(digest, number, db=self._db["by_sha"])
                txn.put(number, distinct, db=self._db["track_hashes"])
                txn.put(_META_NEXT, _u32(int.from_bytes(number, "big") + 1), db=self._db["meta"])
        except lmdb.Error as e:
            raise CatalogueError(f"cannot write to the catalogue in {self.path}: {e}") from None
        report("done", 1.0)
        return track

    def remove(self, sha256_or_prefix: bytes | str) -> Track:
        """Remove a track (named as in :meth:`track`) and all its postings, in one write
        transaction; return it. Raises: CatalogueError (no such track, ambiguous, read-only)."""
        self._writable()
        try:
            with self._env.begin(write=True) as txn:
                number, record = self._lookup(txn, sha256_or_prefix)
                track = Track.decode(record)
                cursor = txn.cursor(db=self._db["index"])
                hashes = bytes(txn.get(number, db=self._db["track_hashes"]) or b"")
                for i in range(0, len(hashes), 4):
                    key = hashes[i:i + 4]
                    if not cursor.set_range_dup(key, number + b"\x00\x00\x00\x00"):
                        continue
                    while cursor.key() == key and cursor.value()[:4] == number:
                        if not cursor.delete():
                            break
                txn.delete(number, db=self._db["tracks"])
                txn.delete(number, db=self._db["track_hashes"])
                txn.delete(track.sha256, db=self._db["by_sha"])
        except lmdb.Error as e:
            raise CatalogueError(f"cannot write to the catalogue in {self.path}: {e}") from None
        return track

    def _writable(self) -> None:
        if self.readonly:
            raise CatalogueError("the catalogue is open read-only")

    # -- matching -----------------------------------------------------------------------------

    def match(self, query: Audio | Landmarks, min_seconds: float = DEFAULT_MIN_SECONDS) -> list[Match]:
        """The passages of ``query`` found in the catalogue's tracks, best first (score, then
        reference, then query start): spec/screening.md §6. Each is at least ``min_seconds``
        long in the query, holds at least MIN_SCORE aligned landmarks, and at least MIN_RATIO of
        the query's landmarks over it.

        Raises: CatalogueError if the catalogue is empty or ``min_seconds`` is not a positive
        number of seconds.
        """
        if isinstance(min_seconds, bool) or not isinstance(min_seconds, (int, float)) \
                or not math.isfinite(min_seconds) or min_seconds <= 0:
            raise CatalogueError("min_seconds is a positive number of seconds")
        if isinstance(query, Audio):
            query = landmarks(query)
        if not isinstance(query, Landmarks):
            raise CatalogueError("a query is decoded audio or its landmarks")
        with self._env.begin() as txn:
            if txn.stat(self._db["by_sha"])["entries"] == 0:
                raise CatalogueError("the catalogue is empty: add reference tracks before screening")
            ids = np.arange(len(query), dtype=np.int64)
            alignments = _alignments(_pairs(query.hashes, query.frames, ids, self._postings(txn, query.hashes)))
            found = []
            if alignments:
                hashes, frames, variant_ids = _edge_variants(query, alignments)
                track, offset, landmark = _pairs(hashes, frames, variant_ids, self._postings(txn, hashes))
                for number, center, exact in alignments:
                    edge = landmark[(track == number) & (np.abs(offset - center) <= OFFSET_SLACK)]
                    found += _measure(query, number, center, exact, edge, float(min_seconds))
            names = {number: Track.decode(_must(txn.get(_u32(number), db=self._db["tracks"])))
                     for number in {m[0] for m in found}}
        matches = [Match(names[n].sha256, names[n].name, q0, q1, r0, r1, length, score, ratio)
                   for n, q0, q1, r0, r1, length, score, ratio in found]
        return sorted(matches, key=lambda m: (-m.score, m.reference, m.query_start))

    def _postings(self, txn: lmdb.Transaction, hashes: NDArray[np.uint32]) -> NDArray[np.void]:
        """Every posting of the distinct ``hashes``: (hash, track, frame) records, hash by hash."""
        distinct = np.unique(hashes).astype(">u4").tobytes()
        keys = [distinct[i:i + 4] for i in range(0, len(distinct), 4)]
        cursor = txn.cursor(db=self._db["index"])
        raw = cursor.getmulti(keys, dupdata=True, dupfixed_bytes=8, keyfixed=True)
        return np.frombuffer(raw, dtype=_POSTING)


Pairs = tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int64]]


def _pairs(hashes: NDArray[np.uint32], frames: NDArray[np.int32], ids: NDArray[np.int64],
           postings: NDArray[np.void]) -> Pairs:
    """Every (posting, query landmark) pair of one hash, as (track, offset, landmark id) arrays:
    offset = the posting's frame - the landmark's frame; ``ids`` name the landmarks.

    Postings come in runs of one hash (getmulti reads them hash by hash); each run pairs with the
    landmarks of that hash, found in the landmarks sorted by hash: one binary search per run."""
    order = np.argsort(hashes, kind="stable")
    q_hash, q_frame = hashes[order], frames[order].astype(np.int64)
    p_hash = postings["hash"].astype(np.uint32)
    starts = np.flatnonzero(np.concatenate(([True], p_hash[1:] != p_hash[:-1]))) if len(p_hash) else \
        np.zeros(0, dtype=np.int64)
    run_size = np.diff(np.append(starts, len(p_hash)))
    run_low = np.searchsorted(q_hash, p_hash[starts], side="left")
    run_count = np.searchsorted(q_hash, p_hash[starts], side="right") - run_low
    counts, low = np.repeat(run_count, run_size), np.repeat(run_low, run_size)
    which = np.repeat(np.arange(len(p_hash)), counts)
    q_index = np.repeat(low - np.cumsum(counts) + counts, counts) + np.arange(int(counts.sum()))
    track = postings["track"].astype(np.int64)[which]
    offset = postings["frame"].astype(np.int64)[which] - q_frame[q_index]
    return track, offset, ids[order][q_index]


def _alignments(pairs: Pairs) -> list[tuple[int, int, NDArray[np.int64]]]:
    """The alignments (spec/screening.md §6.1–6.2): (track number, offset, the ids of its aligned
    query landmarks, ascending), strongest first."""
    track, offset, landmark = pairs
    if len(track) == 0:
        return []
    # Votes per (track, offset), then each offset's votes with its neighbours' (OFFSET_SLACK = 1):
    # the keys are sorted and distinct, so offset d + 1 of a track, if voted for, is the next key.
    key = (track << 32) + offset + (1 << 31)
    bins, votes = np.unique(key, return_counts=True)
    window = votes.copy()
    adjacent = bins[1:] == bins[:-1] + 1
    window[:-1] += np.where(adjacent, votes[1:], 0)
    window[1:] += np.where(adjacent, votes[:-1], 0)
    candidates = np.flatnonzero(window >= MIN_SCORE)
    candidates = candidates[np.lexsort((bins[candidates], -window[candidates]))]
    chosen: dict[int, list[int]] = {}
    found = []
    for c in candidates:
        number, center = int(bins[c] >> 32), int(bins[c] & 0xFFFFFFFF) - (1 << 31)
        if any(abs(center - other) < SEPARATE_OFFSETS for other in chosen.get(number, [])):
            continue
        chosen.setdefault(number, []).append(center)
        found.append((number, center, np.unique(landmark[(track == number) & (np.abs(offset - center) <= OFFSET_SLACK)])))
    return found


def _edge_variants(query: Landmarks, alignments: list[tuple[int, int, NDArray[np.int64]]]
                   ) -> tuple[NDArray[np.uint32], NDArray[np.int32], NDArray[np.int64]]:
    """The edge variants (spec/screening.md §6.3) of the query's landmarks anchored within
    EDGE_REACH_SECONDS of an alignment's aligned landmarks: the same hash with the frame step one
    less and one more (kept within 1..MAX_DT), as (hashes, frames, landmark ids). A peak that
    moved by one frame (the query's frame grid is not the reference's) changes its pairs' frame
    step by one: near a passage's ends, where evidence is thin, such pairs still place it."""
    reach = int(EDGE_REACH_SECONDS / FRAME_SECONDS)
    near = np.zeros(len(query), dtype=bool)
    for _, _, exact in alignments:
        low, high = int(query.frames[exact[0]]) - reach, int(query.frames[exact[-1]]) + reach
        near |= (query.frames >= low) & (query.frames <= high)
    ids = np.flatnonzero(near).astype(np.int64)
    step = query.hashes[ids].astype(np.int64) & 0x3F
    hashes, frames, which = [], [], []
    for delta in (-1, 1):
        keep = (step + delta >= 1) & (step + delta <= MAX_DT)
        hashes.append((query.hashes[ids[keep]].astype(np.int64) + delta).astype(np.uint32))
        frames.append(query.frames[ids[keep]])
        which.append(ids[keep])
    return np.concatenate(hashes), np.concatenate(frames), np.concatenate(which)


def _measure(query: Landmarks, number: int, center: int, exact: NDArray[np.int64], edge: NDArray[np.int64],
             min_seconds: float) -> list[tuple[int, float, float, float, float, float, int, float]]:
    """The passages of one alignment that pass the thresholds (spec/screening.md §6.3), as
    (track number, query start, query end, reference start, reference end, duration, score,
    ratio) tuples. ``exact`` and ``edge`` are the ids of the landmarks aligned exactly and by an
    edge variant: the exact ones make and score a passage, the edge ones may widen its ends."""
    frames = query.frames[exact].astype(np.int64)  # ascending: landmarks are sorted by frame
    evidence = query.frames[np.unique(np.concatenate([exact, edge]))].astype(np.int64)
    found = []
    for first, last in _passages(frames):
        first, last = _widen(evidence, first, last)
        score = int(np.searchsorted(frames, last, side="right") - np.searchsorted(frames, first, side="left"))
        in_query = int(np.searchsorted(query.frames, last, side="right")
                       - np.searchsorted(query.frames, first, side="left"))
        distinct = np.unique(frames[(frames >= first) & (frames <= last)])
        spacing = (last - first) / max(1, len(distinct) - 1) * EDGE_EXTEND
        start = max(0.0, (first - spacing) * FRAME_SECONDS)
        end = (last + spacing) * FRAME_SECONDS + WINDOW / SAMPLE_RATE
        if score < MIN_SCORE or end - start < min_seconds or score / in_query < MIN_RATIO:
            continue
        shift = center * FRAME_SECONDS
        found.append((number, start, end, max(0.0, start + shift), max(0.0, end + shift), end - start,
                      score, score / in_query))
    return found


def _widen(evidence: NDArray[np.int64], first: int, last: int) -> tuple[int, int]:
    """A passage's first frame moved back to the earliest evidence frame f at most EDGE_REACH
    before it with EDGE_LANDMARKS evidence landmarks within EDGE_SECONDS after f; its last frame
    forward likewise (``evidence``: the anchor frames of the exact and edge landmarks, ascending)."""
    reach, window = int(EDGE_REACH_SECONDS / FRAME_SECONDS), int(EDGE_SECONDS / FRAME_SECONDS)
    before = evidence[np.searchsorted(evidence, first - reach, side="left"):np.searchsorted(evidence, first, side="left")]
    ahead = np.searchsorted(evidence, before + window, side="right") - np.searchsorted(evidence, before, side="left")
    if (ahead >= EDGE_LANDMARKS).any():
        first = int(before[np.argmax(ahead >= EDGE_LANDMARKS)])
    after = evidence[np.searchsorted(evidence, last, side="right"):np.searchsorted(evidence, last + reach, side="right")]
    behind = np.searchsorted(evidence, after, side="right") - np.searchsorted(evidence, after - window, side="left")
    if (behind >= EDGE_LANDMARKS).any():
        last = int(after[len(after) - 1 - np.argmax((behind >= EDGE_LANDMARKS)[::-1])])
    return first, last


def _passages(frames: NDArray[np.int64]) -> list[tuple[int, int]]:
    """(first, last) anchor frames of each passage of one alignment, from the anchor frames of its
    aligned landmarks (ascending, one per landmark): split where two distinct frames are more than
    MAX_GAP_SECONDS apart, then each end trimmed to the first (last) frame with at least
    EDGE_LANDMARKS aligned landmarks within EDGE_SECONDS after (before) it, its own included. A
    stray coincidence near a passage is one landmark: it does not stretch the passage, while the
    first true anchor, which usually has several of its pairs aligned, starts it."""
    found = []
    window = int(EDGE_SECONDS / FRAME_SECONDS)
    distinct = np.unique(frames)
    for run in np.split(distinct, np.flatnonzero(np.diff(distinct) * FRAME_SECONDS > MAX_GAP_SECONDS) + 1):
        inside = frames[np.searchsorted(frames, run[0], side="left"):np.searchsorted(frames, run[-1], side="right")]
        ahead = np.searchsorted(inside, run + window, side="right") - np.searchsorted(inside, run, side="left")
        behind = np.searchsorted(inside, run, side="right") - np.searchsorted(inside, run - window, side="left")
        starts, ends = np.flatnonzero(ahead >= EDGE_LANDMARKS), np.flatnonzero(behind >= EDGE_LANDMARKS)
        if len(starts) and len(ends) and run[starts[0]] <= run[ends[-1]]:
            found.append((int(run[starts[0]]), int(run[ends[-1]])))
    return found

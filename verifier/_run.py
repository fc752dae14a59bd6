"""Verifying a bundle, in the numbered steps of spec/verification.md.

Streaming: the state kept is the chain state (V6), per-signer counts, the assets the events name,
and (for the human-involvement analysis and the licence coverage, V13) the summaries of every
event but notes — never the events themselves. Steps V3–V5 and V7 can be spread over worker
processes (``Policy.jobs``).
"""

from __future__ import annotations

import hashlib
import itertools
import os
import tempfile
from array import array
from collections import Counter, deque
from collections.abc import Callable, Iterator, Mapping, Sequence
from operator import attrgetter
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, TypeVar, cast, overload

from verifier._collect import ReportCollector
from verifier._files import scan_by_hash
from verifier._log import LogCheck
from verifier._report import TRUST_CODES, LicensingReport, LogReport, Policy, Report, SignerReport
from verifier.analysis import analyse, analyse_licensing, analyse_screening
from verifier.format import (
    BUNDLE_DIGEST_PREFIX,
    DIGEST_SIZE,
    EVENT_RECORD_PREFIX,
    MAX_ASSETS,
    MAX_CHECKPOINTS,
    MAX_EVENTS,
    MAX_KEYS,
    AssetRecordHead,
    ChainChecker,
    Code,
    EventSummary,
    Finding,
    Item,
    ItemReader,
    KeyCard,
    KeyId,
    MalformedBundle,
    VerificationFailure,
    WorkId,
    check_chunk,
    decode_record,
    header_hash,
    key_id,
    parse_header,
    parse_key_card,
    parse_trailer,
    referenced_assets,
)

if TYPE_CHECKING:
    from concurrent.futures import Future, ProcessPoolExecutor

    from verifier._labelfiles import LabelFileCheck

CHUNK = 256  # event records per unit of work in this process alone
POOL_CHUNK = 1024  # with workers: fewer, larger units, as each costs two trips between processes
CHUNK_BYTES = 16 << 20  # or fewer: a chunk holds at most about 16 MiB of records (4 MiB each at most)
MAX_FINDINGS = 200  # errors listed in full; the rest are counted
TIMELINE_CAP = 5_000
DISCLOSURE_CAP = 200
_SIGNER, _PRIVATE_FIELDS, _DISCLOSED = attrgetter("signer"), attrgetter("private_fields"), attrgetter("disclosed")
_PHASES = {"header": 0, "key": 1, "event": 2, "asset": 3, "log": 4, "checkpoint": 5, "timestamp": 6,
           "cosignature": 7, "trailer": 8}


def verify_bundle(source: Path | str | BinaryIO, policy: Policy | None = None, *,
                  progress: Callable[[int, int], None] | None = None) -> Report:
    """Verify one bundle (spec/verification.md, steps V1–V10) and return its frozen Report.

    ``source`` is a path or a binary file object positioned at the bundle's first byte. Never
    raises for a bad bundle: an unreadable one gives ``readable=False`` and its fatal code.
    ``progress(done, total)`` (bytes of the bundle read) is called per chunk of events and per
    block of an embedded asset, never per event, and once at the end.

    Raises:
        OSError: the file cannot be opened or read.
    """
    policy = policy if policy is not None else Policy()
    if isinstance(source, (str, Path)):
        with Path(source).open("rb") as handle:
            return _verify_handle(handle, policy, progress)
    return _verify_handle(source, policy, progress)


def _verify_handle(handle: BinaryIO, policy: Policy, progress: Callable[[int, int], None] | None) -> Report:
    try:
        size = os.fstat(handle.fileno()).st_size - handle.tell()
    except (AttributeError, OSError, ValueError):  # not a real file: measure by seeking
        start = handle.tell()
        size = handle.seek(0, os.SEEK_END) - start
        handle.seek(start)
    run = _Run(policy, size)
    reader = ItemReader(handle, size, whole=run.whole)
    if progress is not None:
        run.progress = lambda: progress(size - reader.remaining, size)
    try:
        try:
            run.execute(reader)
        except MalformedBundle as e:
            run.fatal = Finding(e.code, e.event, e.message)
        if progress is not None:
            progress(size, size)
        return run.report()
    finally:
        run.hashes.close()
        run.times.close()


_T = TypeVar("_T")
SPILL_BYTES = 256 << 10  # what is kept of each event beyond this goes to an unlinked temporary file


class _Spilled(Sequence[_T]):
    """Fixed-size records, one per event, appended in order and read back by index. Beyond
    :data:`SPILL_BYTES` the oldest go to an unlinked temporary file (the OS's page cache holds
    them, not this process), so peak memory stays flat with the number of events. Where no
    temporary file can be made or written, they stay in memory. ``close`` releases the file.
    A subclass keeps the newest records packed in ``_packed`` (a bytearray or an array) and says
    how to unpack them (:meth:`_unpack`)."""

    RECORD = 1  # bytes a record
    _packed: bytearray | array[int]

    def __init__(self) -> None:
        self._file: BinaryIO | None = None
        self._spilled = 0  # records in the file, the oldest
        self._in_memory_only = False

    def _unpack(self, packed: bytes) -> list[_T]:
        raise NotImplementedError

    def _tail_count(self) -> int:
        with memoryview(self._packed) as view:
            return view.nbytes // self.RECORD

    def _tail_bytes(self, start: int, stop: int) -> bytes:
        with memoryview(self._packed) as view, view.cast("B") as octets:
            return octets[start * self.RECORD:stop * self.RECORD].tobytes()

    def spill_if_full(self) -> None:
        """Move the records held in memory to the file if they are over :data:`SPILL_BYTES`."""
        count = self._tail_count()
        if count * self.RECORD < SPILL_BYTES or self._in_memory_only:
            return
        try:
            if self._file is None:
                self._file = tempfile.TemporaryFile()  # noqa: SIM115 (held open until close)
            self._file.seek(self._spilled * self.RECORD)
            self._file.write(self._tail_bytes(0, count))
            self._file.flush()  # a full disk shows here, not at a later read
        except OSError:  # no temporary folder, or a full disk: memory it is (the file's partial
            # write lies past the records it holds, which are all that is ever read)
            self._in_memory_only = True
            return
        self._spilled += count
        del self._packed[:]

    def __len__(self) -> int:
        return self._spilled + self._tail_count()

    def _read(self, start: int, stop: int) -> list[_T]:
        """Records ``start`` to ``stop`` (0 <= start <= stop <= len), unpacked.

        Raises: OSError if the temporary file cannot be read back whole.
        """
        parts = []
        if start < self._spilled:
            assert self._file is not None
            end = min(stop, self._spilled)
            self._file.seek(start * self.RECORD)
            data = self._file.read((end - start) * self.RECORD)
            if len(data) != (end - start) * self.RECORD:
                raise OSError("the verifier's temporary file was cut short")
            parts.append(data)
        if stop > self._spilled:
            parts.append(self._tail_bytes(max(start, self._spilled) - self._spilled, stop - self._spilled))
        return self._unpack(b"".join(parts))

    @overload
    def __getitem__(self, index: int) -> _T: ...
    @overload
    def __getitem__(self, index: slice) -> list[_T]: ...

    def __getitem__(self, index: int | slice) -> _T | list[_T]:
        if isinstance(index, slice):
            start, stop, step = index.indices(len(self))
            if step != 1:
                return [self[i] for i in range(start, stop, step)]
            return self._read(start, max(start, stop))
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError("event index out of range")
        return self._read(index, index + 1)[0]

    def __iter__(self) -> Iterator[_T]:
        for start in range(0, len(self), 4096):  # a block at a time from the file
            yield from self._read(start, min(start + 4096, len(self)))

    def close(self) -> None:
        if self._file is not None:
            self._file.close()


class _Digests(_Spilled[bytes]):
    """The events' 32-byte hashes, packed: 32 bytes an event, not a bytes object each."""

    RECORD = DIGEST_SIZE

    def __init__(self) -> None:
        super().__init__()
        self._packed = bytearray()
        self.append = self._packed.extend  # a 32-byte hash at a time

    def _unpack(self, packed: bytes) -> list[bytes]:
        return [packed[i:i + DIGEST_SIZE] for i in range(0, len(packed), DIGEST_SIZE)]


class _Times(_Spilled[int | None]):
    """The events' recorded times, packed as 64-bit integers (-1: the event failed its own checks;
    read back as None)."""

    RECORD = 8

    def __init__(self) -> None:
        super().__init__()
        self._packed = array("q")
        self.append = self._packed.append  # a time, or -1 for an event that failed its own checks

    def _unpack(self, packed: bytes) -> list[int | None]:
        times = array("q")
        times.frombytes(packed)
        return [None if time < 0 else time for time in times]


class _Done:
    """A chunk's results checked in this process, queued in order with the workers' futures."""

    __slots__ = ("_results",)

    def __init__(self, results: list[EventSummary | Finding]) -> None:
        self._results = results

    def done(self) -> bool:
        return True

    def result(self) -> list[EventSummary | Finding]:
        return self._results


_Packed = list[tuple[Any, ...] | Finding]


def _check_chunk_packed(chunk: list[bytes]) -> _Packed:
    """:func:`check_chunk` in a worker process, its summaries sent back as plain tuples whose
    repeated values (work, signer, type, private fields) are one object each: pickle writes those
    once a chunk, and plain tuples load in C. A third of the cost of sending the summaries."""
    shared: dict[Any, Any] = {}
    share = shared.setdefault
    packed: _Packed = []
    for result in check_chunk(chunk):
        if type(result) is EventSummary:
            digest, seq, type_name, work, prev, time, occurred, signer, body, private, disclosed = result
            packed.append((digest, seq, share(type_name, type_name), share(work, work), prev, time, occurred,
                           share(signer, signer), body, share(private, private), disclosed))
        else:
            packed.append(result)
    return packed


class _Unpacked:
    """A worker's future, whose packed results become EventSummary values again."""

    __slots__ = ("_future",)

    def __init__(self, future: Future[_Packed]) -> None:
        self._future = future

    def done(self) -> bool:
        return self._future.done()

    def result(self) -> list[EventSummary | Finding]:
        # tuple.__new__ (what EventSummary._make calls, without its Python frame): the tuples came
        # from EventSummary values of the same fields, in a worker forked or spawned from this code.
        make = tuple.__new__
        return cast("list[EventSummary | Finding]",
                    [make(EventSummary, result) if type(result) is tuple else result for result in self._future.result()])


class _Run:
    """The state of one verification (steps V1–V10)."""

    def __init__(self, policy: Policy, size: int) -> None:
        self.policy = policy
        self.size = size
        self.fatal: Finding | None = None
        self.digest = hashlib.sha256(BUNDLE_DIGEST_PREFIX)
        self.whole = hashlib.sha256()
        self.keys: dict[KeyId, KeyCard] = {}
        self.key_records = 0
        self.bad_cards = 0
        self.signer_counts: Counter[bytes] = Counter()
        self.referenced: dict[bytes, Mapping[str, Any]] = {}  # asset -> its first reference
        self.chain: ChainChecker | None = None
        self.work: WorkId | None = None
        self.header_hash = b""
        self.pool: ProcessPoolExecutor | None = None
        self.pending: deque[_Unpacked | _Done] = deque()
        self.batch: list[bytes] = []
        self.chunk = CHUNK if policy.jobs == 1 else POOL_CHUNK
        self.batch_bytes = 0
        self.fatal_event = False  # the fatal code came from an event record, not from the reader
        self.events_seen = 0
        self.invalid_events = 0
        self.errors: list[Finding] = []
        self.errors_not_listed = 0
        self.warnings: list[Finding] = []
        self.exporter: KeyCard | None = None
        self.title: str | None = None
        self.first_time: int | None = None
        self.last_time: int | None = None
        self.private_fields: Counter[tuple[str, ...]] = Counter()  # the events' committed fields
        self.disclosed: Counter[str] = Counter()  # field -> events disclosing it
        self.disclosures: list[dict[str, Any]] = []
        self.timeline: list[tuple[int, int, str]] = []
        self.kept: list[EventSummary] = []
        self.assets_embedded = 0
        self.assets_checked = 0
        self.assets_missing = 0
        self.hashes = _Digests()  # every event record's hash, in order (V11.2)
        self.times = _Times()  # and its recorded time (None: the event failed V3–V7)
        self.logcheck = LogCheck(policy)
        self.log_records = 0
        self.log_report: LogReport | None = None
        self.assets_found: dict[bytes, Path] = {}  # --assets: the supplied files the events name, by hash
        self.collect = ReportCollector()  # the report's event table, timeline bins, codes, files
        self.progress: Callable[[], None] | None = None  # called per chunk of events, per block of an asset

    def error(self, code: Code, message: str, event: int | None = None) -> None:
        if len(self.errors) < MAX_FINDINGS:
            self.errors.append(Finding(code, event, message))
        else:
            self.errors_not_listed += 1

    # -- the pass over the items --------------------------------------------------------------

    def execute(self, reader: ItemReader) -> None:
        phase = -1  # the kind of the last record read (_PHASES)
        last_asset = b""
        try:
            for item in reader:  # V1.1–V1.4
                if item.streamed:  # an asset record: streamed, never held whole
                    if phase > 3 or phase == -1:
                        raise MalformedBundle(Code.BUNDLE_ORDER if phase > 3 else Code.BUNDLE_MALFORMED,
                                              "an asset record is out of place")
                    if phase <= 2:
                        self._flush_events(final=True)
                    phase = 3
                    last_asset = self._asset(reader, item, last_asset)
                    continue
                content = item.content
                if phase == 2 and content.startswith(EVENT_RECORD_PREFIX):  # the usual item: no copy
                    self.digest.update(item.raw_head)
                    self.digest.update(content)
                    self._queue_event(content)
                    # ... and the events after it, in one run (the bytes hashed as one span)
                    span, run = reader.take_events(self.chunk - len(self.batch))
                    if run:
                        self.digest.update(span)
                        self.batch += run
                        self.batch_bytes += len(span)
                        self._flush_when_full()
                    continue
                raw = item.raw_head + content
                kind, record = decode_record(content)  # V1.5
                order = _PHASES[kind]
                if phase == -1 and kind != "header":
                    raise MalformedBundle(Code.BUNDLE_MALFORMED, "the first record is not a provenote bundle header")
                if order < phase or (order == 0 and phase != -1) or (order == 4 and phase == 4):  # V1.7
                    raise MalformedBundle(Code.BUNDLE_ORDER, f"a {kind} record is out of place")
                if order > 2 >= phase:
                    self._flush_events(final=True)
                phase = order
                if kind == "header":  # V1.6
                    self.work = parse_header(record)
                    self.chain = ChainChecker(self.work)
                    self.header_hash = header_hash(raw)
                    self.digest.update(raw)
                elif kind == "trailer":
                    self._trailer(record)
                    if reader.remaining:  # V9.5: whatever follows, item or not
                        self.error(Code.BUNDLE_TRAILING_DATA, f"{reader.remaining} bytes follow the trailer")
                        for _ in reader.drain():  # hashed into the bundle's SHA-256 as read
                            pass
                    break
                else:
                    self.digest.update(raw)
                    if kind == "key":
                        self._key(record)
                    elif kind == "event":
                        self._queue_event(content)
                    else:  # the log's records (V11, V12): checked at the end
                        self.log_records += 1
                        if self.log_records > 3 * MAX_CHECKPOINTS + 1:  # V1.7 (B3)
                            raise MalformedBundle(Code.BUNDLE_TOO_LARGE, "too many log records")
                        self.logcheck.add(kind, record)
            if phase < 4:
                raise MalformedBundle(Code.BUNDLE_TRUNCATED, "the bundle ends before its trailer")
        except MalformedBundle:
            # A fatal item from the reader: the events read before it are checked first, in order —
            # so the result never depends on how many were still queued (--jobs), and a fatal event
            # record that came earlier in the file is the one reported.
            if not self.fatal_event:
                self._flush_events(final=True)
            raise
        finally:
            if self.pool is not None:
                self.pool.shutdown(cancel_futures=True)
        self._finish()

    # -- V2: keys --------------------------------------------------------------------------

    def _key(self, record: list[Any]) -> None:
        if len(record) != 2 or type(record[1]) is not bytes:  # V1.5
            raise MalformedBundle(Code.BUNDLE_MALFORMED, "a key record is [\"key\", key card]")
        self.key_records += 1
        if self.key_records > MAX_KEYS:
            raise MalformedBundle(Code.BUNDLE_TOO_LARGE, "too many key records")
        try:
            card = parse_key_card(record[1])  # V2.1–V2.4
        except VerificationFailure as e:
            self.bad_cards += 1
            self.error(e.code, e.message)
            return
        if self.keys and card.key_id <= max(self.keys):  # V2.5
            self.error(Code.KEY_DUPLICATE, "key records must be sorted by key id, each once")
        self.keys[card.key_id] = card

    # -- V3–V7: events ----------------------------------------------------------------------

    def _queue_event(self, content: bytes) -> None:
        self.batch.append(content)
        self.batch_bytes += len(content)
        self._flush_when_full()

    def _flush_when_full(self) -> None:
        if len(self.batch) >= self.chunk or self.batch_bytes >= CHUNK_BYTES:  # memory: bounded by bytes too
            self._flush_events(final=False)

    def _flush_events(self, *, final: bool) -> None:
        if self.batch:
            if self.progress is not None:
                self.progress()
            chunk, self.batch, self.batch_bytes = self.batch, [], 0
            workers = self.policy.jobs - 1  # with --jobs N, this process is one of the N
            if workers == 0:
                self._consume(check_chunk(chunk))
            else:
                if self.pool is None:  # imported here: a --jobs 1 run starts without them
                    import multiprocessing
                    from concurrent.futures import ProcessPoolExecutor

                    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
                    self.pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context(method))
                if sum(not f.done() for f in self.pending) < 2 * workers:  # keep every worker fed ...
                    self.pending.append(_Unpacked(self.pool.submit(_check_chunk_packed, chunk)))
                else:  # ... and check this chunk here rather than wait for them (no pickling either)
                    self.pending.append(_Done(check_chunk(chunk)))
        limit = 0 if final else 4 * self.policy.jobs  # memory: a bounded number of chunks in flight
        while self.pending and (len(self.pending) > limit or self.pending[0].done()):  # in order
            self._consume(self.pending.popleft().result())

    def _consume(self, results: list[EventSummary | Finding]) -> None:
        """A chunk's results, in chain order: V6 for each, then what the report keeps of them."""
        first = self.events_seen
        if first + len(results) > MAX_EVENTS:  # limit B3: the events up to it count, the next is fatal
            if first < MAX_EVENTS:
                self._consume(results[:MAX_EVENTS - first])
            self.events_seen += 1
            self.fatal_event = True  # every event before it is consumed: the same count at any --jobs
            raise MalformedBundle(Code.BUNDLE_TOO_LARGE, "too many events")
        chain = self.chain
        assert chain is not None
        add_hash, add_time, chain_add = self.hashes.append, self.times.append, chain.add
        verified: list[EventSummary] = []
        keep = verified.append
        for position, result in enumerate(results, first):
            if type(result) is Finding:
                if result.code.fatal or result.hash is None:  # framing inside an event record (V1.5)
                    self.fatal_event = True
                    self.events_seen = position + 1
                    self._summarise(verified)
                    raise MalformedBundle(result.code if result.code.fatal else Code.BUNDLE_MALFORMED,
                                          result.message, event=position)
                self.invalid_events += 1
                add_hash(result.hash)
                add_time(-1)
                self.error(result.code, result.message, result.event if result.event is not None else position)
                chain.skip(result.hash)  # V6.10: go on from this event's own hash
                continue
            assert type(result) is EventSummary
            add_hash(result.hash)
            add_time(result.time)
            defects = chain_add(result.hash, result)  # V6.1–V6.7
            if defects:
                for defect in defects:
                    self.error(defect.code, defect.message, defect.event)
            keep(result)
        self.events_seen = first + len(results)
        self.hashes.spill_if_full()
        self.times.spill_if_full()
        self._summarise(verified)

    def _summarise(self, verified: list[EventSummary]) -> None:
        """What the report keeps of a run of verified events, in chain order: counts, bounded
        lists and the events other than notes (each step over the whole run, in C where it can)."""
        if not verified:
            return
        self.signer_counts.update(map(_SIGNER, verified))
        if self.first_time is None:
            self.first_time = verified[0].time
        self.last_time = verified[-1].time
        self.private_fields.update(map(_PRIVATE_FIELDS, verified))
        for result in filter(_DISCLOSED, verified):
            for name, value in result.disclosed.items():
                self.disclosed[name] += 1
                if len(self.disclosures) < DISCLOSURE_CAP:
                    self.disclosures.append({"event": result.seq, "hash": result.hash.hex(), "field": name,
                                             "value": value})
        room = TIMELINE_CAP - len(self.timeline)
        if room > 0:
            self.timeline.extend((result.seq, result.time, result.type) for result in verified[:room])
        self.collect.add_run(verified)
        for result in verified:
            type_name = result.type
            if type_name != "note":
                if result.seq == 0 and type_name == "work.created":
                    self.title = result.body.get("title")
                self.kept.append(result)
                for asset in referenced_assets(type_name, result.body):
                    self.referenced.setdefault(asset["sha256"], asset)

    # -- V8: assets ---------------------------------------------------------------------------

    def _asset(self, reader: ItemReader, item: Item, last: bytes) -> bytes:
        """An asset record, read in blocks: its head (V1.5), then its bytes through SHA-256 (V8)."""
        pending = item.content

        def take(count: int) -> bytes:
            nonlocal pending
            served, pending = pending[:count], pending[count:]
            return served + reader.take(count - len(served)) if len(served) < count else served

        head = AssetRecordHead.read(take, len(item.content) + item.rest)  # V1.5
        self.assets_embedded += 1
        if self.assets_embedded > MAX_ASSETS:
            raise MalformedBundle(Code.BUNDLE_TOO_LARGE, "too many asset records")
        for seen in (item.raw_head, head.encoded):
            self.digest.update(seen)
        content_hash = hashlib.sha256()
        for block in itertools.chain((pending,), reader.chunks(head.size - len(pending))):
            content_hash.update(block)
            self.digest.update(block)
            if self.progress is not None:
                self.progress()
        digest, media_type, size = head.sha256, head.media_type, head.size
        short = digest.hex()[:16]
        if digest <= last:  # V8.1: above every earlier asset record's hash
            self.error(Code.ASSET_ORDER, "asset records must be sorted by hash, each once")
        intact = content_hash.digest() == digest
        self.collect.embedded[bytes(digest)] = intact
        if not intact:  # V8.2
            self.error(Code.ASSET_HASH_MISMATCH, f"embedded asset {short} does not match its hash")
        reference = self.referenced.get(digest)
        if reference is None:  # V8.3 (not judged when an event failed: it may be the one naming it)
            if not self.invalid_events:
                self.error(Code.ASSET_UNREFERENCED, f"embedded asset {short} is named by no event")
        elif intact and (reference["media_type"] != media_type or reference["size"] != size):  # V8.4
            self.error(Code.ASSET_METADATA_MISMATCH,
                       f"embedded asset {short} is {media_type}, {size} bytes; the events name it as "
                       f"{reference['media_type']}, {reference['size']} bytes")
        return max(last, bytes(digest))

    def _check_asset_dir(self, directory: Path) -> None:  # V8.5
        found, by_name = scan_by_hash(directory, {asset["size"] for asset in self.referenced.values()})
        self.assets_found = found
        for digest, asset in sorted(self.referenced.items()):
            if digest in found:
                self.assets_checked += 1
                self.collect.supplied[digest] = "match"
            elif asset.get("name") in by_name:
                self.collect.supplied[digest] = "mismatch"
                self.error(Code.ASSET_HASH_MISMATCH,
                           f"{by_name[asset['name']]} does not match the hash recorded for {asset['name']}")
            else:
                self.assets_missing += 1
                self.warnings.append(Finding(Code.ASSET_MISSING, None,
                                             f"no file in {directory} has the hash of "
                                             f"{asset.get('name') or digest.hex()[:16]}"))

    # -- V9: trailer --------------------------------------------------------------------------

    def _trailer(self, record: list[Any]) -> None:
        assert self.work is not None and self.chain is not None
        try:
            claims, signer = parse_trailer(record, self.keys, self.work)  # V9.1–V9.3
        except VerificationFailure as e:
            if not (e.code is Code.KEY_MISSING and self.bad_cards):  # its card may be the one that failed V2
                self.error(e.code, e.message)
            return
        self.exporter = self.keys[signer]
        state = self.chain.state
        mismatches = [name for name, ok in (  # V9.4
            ("work", claims.work == self.work), ("header", claims.header == self.header_hash),
            ("events", claims.events == self.events_seen),
            ("head", claims.head == (state.head if self.events_seen else bytes(DIGEST_SIZE))),
            ("keys", claims.keys == self.key_records), ("assets", claims.assets == self.assets_embedded),
            ("digest", claims.digest == self.digest.digest())) if not ok]
        if mismatches:
            self.error(Code.BUNDLE_TRAILER_MISMATCH,
                       f"the trailer's {', '.join(mismatches)} {'does' if len(mismatches) == 1 else 'do'} "
                       "not match the bundle")

    # -- wrap up: V6.8, V6.9, V2.6, V8.5, V10 ---------------------------------------------------

    def _finish(self) -> None:
        if self.events_seen == 0:  # V6.8
            self.error(Code.CHAIN_EMPTY, "the bundle holds no events")
        by_key = {card.public_key: card for card in self.keys.values()}
        for public_key in sorted(self.signer_counts, key=lambda k: (-self.signer_counts[k], k)):
            if public_key not in by_key and not self.bad_cards:  # V6.9 (not judged when a card failed V2)
                self.error(Code.KEY_MISSING, f"signer {key_id(public_key).hex()[:16]} has no key card")
        if self.logcheck.present:  # V11–V12
            self.log_report = self.logcheck.finish(
                self.keys, self.hashes, self.times, lambda code, message: self.error(code, message),
                lambda code, message: self.warnings.append(Finding(code, None, message)))
        used = (set(self.signer_counts) | ({self.exporter.public_key} if self.exporter else set())
                | self.logcheck.signers)
        for card in self.keys.values():  # V2.6 (not judged when an event or the trailer failed: it may be its signer)
            if (card.public_key not in used and not self.invalid_events and self.exporter is not None
                    and not self.logcheck.failed):
                self.error(Code.KEY_UNUSED, f"key card {card.name} ({card.key_id.hex()[:16]}) signs nothing "
                           "in the bundle")
        if self.policy.assets_dir is not None:
            self._check_asset_dir(self.policy.assets_dir)

    def report(self) -> Report:
        policy = self.policy
        readable = self.fatal is None
        by_key = {card.public_key: card for card in self.keys.values()}
        signers = tuple(
            SignerReport(pk, by_key[pk].name if pk in by_key else None, by_key[pk].role if pk in by_key else None,
                         self.signer_counts[pk], policy.trusts(pk))
            for pk in sorted(self.signer_counts, key=lambda k: (-self.signer_counts[k], k)))
        exporter = (SignerReport(self.exporter.public_key, self.exporter.name, self.exporter.role, 0,
                                 policy.trusts(self.exporter.public_key)) if self.exporter else None)
        errors = list(self.errors) + ([self.fatal] if self.fatal is not None else [])
        valid = readable and all(f.code in TRUST_CODES for f in errors) and self.errors_not_listed == 0
        profile = None
        licensing = None
        screening = None
        warnings = list(self.warnings)
        if valid:  # a profile of a tampered chain would mean nothing
            names = {card.public_key: card.name for card in self.keys.values()}
            profile = analyse(self.kept, policy.trusted_keys, names, self._anchored())
            coverage = analyse_licensing(self.kept, names, last_time=self.last_time)  # V13 (findings)
            warnings += coverage.findings
            licensing = LicensingReport(coverage.today, coverage.release, coverage.licences, coverage.usages,
                                        coverage.generations, coverage.findings)
            screening = analyse_screening(self.kept)  # V14 (findings)
            warnings += screening.findings
        label_files: tuple[LabelFileCheck, ...] = ()
        if profile is not None and profile.labels and policy.assets_dir is not None:  # spec/labels.md §4
            # Read files only when asked: start-up stays light.
            from verifier._labelfiles import check_label_files

            label_files = tuple(check_label_files(profile.labels, self.assets_found.get, set(self.hashes)))
        files, files_not_listed = self.collect.files(self.referenced, policy.assets_dir is not None)
        trusted: bool | None = None
        if policy.trusted_keys is not None and readable:  # V10: every signer, and the exporter
            trusted = bool(signers) and all(s.trusted for s in signers) and (exporter is None or bool(exporter.trusted))
            if policy.require_trusted and not trusted:
                errors += [Finding(Code.KEY_UNTRUSTED, None,
                                   f"signer {s.name or '?'} ({key_id(s.public_key).hex()[:16]}) is not trusted")
                           for s in signers if not s.trusted]
                if exporter is not None and not exporter.trusted:
                    errors.append(Finding(Code.KEY_UNTRUSTED, None,
                                          f"the exporter {exporter.name} ({key_id(exporter.public_key).hex()[:16]}), "
                                          "who signed the trailer, is not trusted"))
        return Report(
            readable=readable, valid=valid, trusted=trusted, work=self.work, title=self.title,
            events=self.events_seen, signers=signers, exporter=exporter, errors=tuple(errors),
            errors_not_listed=self.errors_not_listed, fatal=self.fatal, warnings=tuple(warnings),
            bundle_sha256=self.whole.digest(), bundle_size=self.size, first_time=self.first_time,
            last_time=self.last_time, disclosed=dict(sorted(self.disclosed.items())), withheld=self._withheld(),
            disclosures=tuple(self.disclosures), assets_embedded=self.assets_embedded,
            assets_checked=self.assets_checked, assets_missing=self.assets_missing, timeline=tuple(self.timeline),
            kept=tuple(self.kept), human_involvement=profile, policy=policy, log=self.log_report,
            licensing=licensing, screening=screening, label_files=label_files,
            event_table=self.collect.table(self.kept) if readable else None, activity=self.collect.activity(),
            files=files, files_not_listed=files_not_listed, codes=self.collect.codes())

    def _withheld(self) -> dict[str, int]:
        """Field -> events that commit to it and do not disclose it."""
        committed: Counter[str] = Counter()
        for fields, count in self.private_fields.items():
            for name in fields:
                committed[name] += count
        return {name: count - self.disclosed[name] for name, count in sorted(committed.items())
                if count > self.disclosed[name]}

    def _anchored(self) -> dict[bytes, int]:
        """Event hash -> the earliest trusted time it existed by (V12.3), for the grades."""
        if self.log_report is None:
            return {}
        return {digest: run.time for run in self.log_report.existed_by
                for digest in self.hashes[run.first:run.last + 1]}  # one read a run

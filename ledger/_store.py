"""The LMDB store (spec/ledger.md): one environment, a table per index, one write transaction per
append (or per batch). LMDB serialises write transactions across processes, so appenders that
race on one work still build one linear chain; a crash before commit leaves nothing behind.
"""

from __future__ import annotations

import fcntl
import os
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

import lmdb

from ledger._index import (
    INDEX_TABLES,
    META_INDEXED,
    EventIndex,
    IndexInconsistent,
    TailCache,
    build_index,
    keys_with_prefix,
)
from ledger._keystore import Signer
from ledger._log import (
    LOG_TABLES,
    META_LOG_SIZE,
    META_LOG_VERSION,
    LogAppender,
    LogView,
    StoreInconsistent,
    u64,
)
from ledger._tsa import check_reply
from verifier.format import (
    CTYPE_EVENT,
    EVENT_TYPES,
    FORMAT_VERSION,
    GENESIS_TYPE,
    MAX_ENVELOPE_SIZE,
    MAX_TIME,
    SALT_SIZE,
    ChainChecker,
    Checkpoint,
    Code,
    EventHash,
    EventPayload,
    SchemaError,
    SignedCheckpoint,
    SignedEvent,
    SignedNote,
    UsageError,
    VerificationFailure,
    VerifierKey,
    WorkId,
    check_licence_event,
    check_text,
    checkpoint_imprint,
    commitment,
    consistency_proof,
    decode_cbor,
    default_source_type,
    encode_add_checkpoint,
    encode_cbor,
    encode_disclosure,
    encode_payload,
    event_hash,
    input_assets,
    key_id,
    leaf_hash,
    lineage_source_type,
    log_origin,
    output_assets,
    outputs_are_ai,
    parse_event,
    parse_key_card,
    protected_header,
    root_of,
    sign1,
    sign_note,
    uses_ai,
    verify_cosignature,
)

MAP_SIZE = 1 << 36  # 64 GiB of address space; the file grows only as data is written
_U64 = 8
_POSITION = 32 + _U64  # where an event is: work id ‖ seq (the index adds its leaf index in the log)
_META_FORMAT = b"format_version"
_META_LEDGER_ID = b"ledger_id"
_META_LINEAGE = b"lineage_version"
_TABLES = (b"meta", b"events", b"by_hash", b"heads", b"works", b"private", b"assets", b"keys", b"lineage",
           *LOG_TABLES, *INDEX_TABLES)
_AI, _NOT_AI = b"\x01", b"\x00"

Progress = Callable[[int, int], None]
"""A progress callback: ``progress(done, total)``, called now and then (per chunk, never per event)."""
PROGRESS_EVERY = 1024  # events between two calls of a progress callback


class LedgerError(UsageError):
    """The ledger cannot do what was asked: not initialised, unknown work, a draft the format
    would reject, a bad reference (exit 2). Nothing is written when it is raised."""


@dataclass(frozen=True)
class EventDraft:
    """An event to append: its type, public body, private plaintexts and optional occurred time.

    ``digital_source_type`` may be left out of the body: the append fills it in from the type
    table and, for a human edit, from the work's own lineage (spec/event-types.md §2).

    ``salts`` gives the salt of some private fields instead of a fresh one: a licence's fee and
    scope are committed inside its document before anyone signs, and the event must commit to
    them with the same salts (spec/licensing.md §2, V5.2). Anything else draws fresh salts.

    Raises (on construction): LedgerError for an unknown type, bad private fields, or a salt that
    is not 16 bytes or is for a field the draft does not hold.
    """

    type: str
    body: Mapping[str, Any]
    private: Mapping[str, str] = field(default_factory=dict)
    occurred: int | None = None  # microseconds since the epoch
    salts: Mapping[str, bytes] = field(default_factory=dict)

    def __post_init__(self) -> None:
        spec = EVENT_TYPES.get(self.type)
        if spec is None or self.type == GENESIS_TYPE:
            raise LedgerError(f"unknown event type {self.type!r}")
        unknown = set(self.private) - spec.private_fields
        if unknown:
            raise LedgerError(f"{sorted(unknown)} are not private fields of {self.type}")
        for name, value in self.private.items():
            try:  # a disclosure must pass V7.2 too: text of at most L7
                check_text(name, value)
            except SchemaError as e:
                raise LedgerError(f"private field {e}") from e
        if not isinstance(self.salts, Mapping):
            raise LedgerError("salts map private field names to 16-byte salts")
        for name, salt in self.salts.items():
            if name not in self.private:
                raise LedgerError(f"a salt is given for {name!r}, which is not a private field of this draft")
            if type(salt) is not bytes or len(salt) != SALT_SIZE:
                raise LedgerError(f"the salt of {name} must be {SALT_SIZE} bytes")
        if self.occurred is not None and (type(self.occurred) is not int or not 0 <= self.occurred <= MAX_TIME):
            raise LedgerError("occurred must lie between 1970-01-01 and 9999-12-31 (UTC)")
        if not isinstance(self.body, Mapping):
            raise LedgerError(f"a {self.type} body is a mapping of its fields")
        checked = dict(self.body)
        if spec.source_types and "digital_source_type" not in checked:  # filled in on append
            checked["digital_source_type"] = default_source_type(self.type, checked)
        try:  # V4.4 on the body now; the lineage's source type and references when appended
            spec.check_body(checked, frozenset(self.private))
        except SchemaError as e:
            raise LedgerError(f"invalid {self.type} event: {e}") from e


class Appended(NamedTuple):
    """What an append wrote (immutable; one per event, so a named tuple)."""

    hash: EventHash
    seq: int
    work: WorkId


class Head(NamedTuple):
    """A work's head: the last event's seq, hash and recorded time."""

    seq: int
    hash: EventHash
    time: int

    def encode(self) -> bytes:
        return self.seq.to_bytes(_U64, "big") + self.hash + self.time.to_bytes(_U64, "big")

    @classmethod
    def decode(cls, raw: bytes) -> Head:
        return cls(int.from_bytes(raw[:8], "big"), EventHash(raw[8:40]), int.from_bytes(raw[40:48], "big"))


@dataclass(frozen=True)
class WorkInfo:
    """A work as the ledger lists it: id, title, number of events, head hash, created time (µs)."""

    work: WorkId
    title: str
    events: int
    head: EventHash
    created: int


@dataclass(frozen=True)
class StoredEvent:
    """An event as read back from the store, parsed (not yet signature-checked)."""

    work: WorkId
    seq: int
    envelope: bytes
    event: SignedEvent


def now_us() -> int:
    return time.time_ns() // 1000


class Ledger:
    """An open ledger. Use :meth:`init` once, then :meth:`open`; close with :meth:`close`."""

    def __init__(self, env: lmdb.Environment, path: Path, *, readonly: bool = False) -> None:
        self._env = env
        self.path = path
        self.readonly = readonly
        self._db: dict[str, Any] = {}
        self._lock_fd: int | None = None  # held from a forget's compaction until close
        self._tail_cache = TailCache()  # the event index's tail, read once across transactions
        self._open_tables()

    def _open_tables(self) -> None:
        self._db = {}
        for name in _TABLES:
            try:
                self._db[name.decode()] = self._env.open_db(name, create=not self.readonly)
            except lmdb.NotFoundError:  # a table a read-only open does not need (an older ledger's)
                continue

    # -- life cycle ---------------------------------------------------------------------------

    @classmethod
    def init(cls, path: Path) -> Ledger:
        """Create a ledger in ``path``. Raises LedgerError if one is there already."""
        if (path / "data.mdb").exists():
            raise LedgerError(f"a ledger already exists in {path}")
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
        ledger = cls(cls._open_env(path), path)
        with ledger._env.begin(write=True) as txn:
            txn.put(_META_FORMAT, str(FORMAT_VERSION).encode(), db=ledger._db["meta"])
            txn.put(_META_LEDGER_ID, os.urandom(16), db=ledger._db["meta"])
            txn.put(_META_LINEAGE, b"1", db=ledger._db["meta"])
            txn.put(META_LOG_VERSION, b"1", db=ledger._db["meta"])
            txn.put(META_LOG_SIZE, u64(0), db=ledger._db["meta"])
            txn.put(META_INDEXED, u64(0), db=ledger._db["meta"])
        return ledger

    @classmethod
    def open(cls, path: Path, *, readonly: bool = False) -> Ledger:
        """Open an initialised ledger; ``readonly`` for commands that only read (nothing can be
        written, not even the lineage table an older ledger lacks).

        Raises LedgerError if there is none, it is another format, or it cannot be opened.
        """
        if not (path / "data.mdb").is_file() or (path / "data.mdb").stat().st_size == 0:
            raise LedgerError(f"no ledger in {path}: run 'provenote init' first (or set --ledger)")
        try:
            ledger = cls(cls._open_env(path, readonly=readonly), path, readonly=readonly)
        except lmdb.Error as e:
            raise LedgerError(f"cannot open the ledger in {path}: {e}") from e
        with ledger._env.begin() as txn:
            version = txn.get(_META_FORMAT, db=ledger._db["meta"])
        if version != str(FORMAT_VERSION).encode():
            ledger.close()
            raise LedgerError(f"{path} is not a provenote v{FORMAT_VERSION} ledger")
        if not readonly:
            ledger._build_lineage()
            ledger._build_log()
            with ledger._env.begin(write=True) as txn:
                ledger._ready_index(txn)
        return ledger

    def _build_log(self) -> None:
        """A ledger written before the Merkle log (spec/ledger.md §5) gains it on first open: its
        events become leaves in the order they were appended — by recorded time, then work id,
        then seq (recorded times never go back within a work) — in one write transaction."""
        with self._env.begin() as txn:
            if txn.get(META_LOG_VERSION, db=self._db["meta"]) is not None:
                return
        with self._env.begin(write=True, buffers=False) as txn:
            view = Snapshot(txn, self._db)
            order = sorted((stored.event.payload.time, info.work, stored.seq, stored.event.hash)
                           for info in view.works() for stored in view.chain(info.work))
            log = LogAppender(txn, self._db)
            by_hash = self._db["by_hash"]
            for *_, digest in order:
                position = _must(txn.get(digest, db=by_hash))[:_POSITION]
                txn.put(digest, position + u64(log.append(digest)), db=by_hash)
            log.finish()
            txn.put(META_LOG_VERSION, b"1", db=self._db["meta"])

    def _build_lineage(self) -> None:
        """A ledger written before the lineage table (spec/ledger.md) gains it on first open:
        each work's chain is replayed in order, in one write transaction."""
        with self._env.begin() as txn:
            if txn.get(_META_LINEAGE, db=self._db["meta"]) is not None:
                return
        with self._env.begin(write=True, buffers=False) as txn:
            view = Snapshot(txn, self._db)
            for info in view.works():
                for stored in view.chain(info.work):
                    payload = stored.event.payload
                    self._remember_lineage(txn, info.work, payload.type, payload.body)
            txn.put(_META_LINEAGE, b"1", db=self._db["meta"])

    @staticmethod
    def _open_env(path: Path, *, readonly: bool = False) -> lmdb.Environment:
        return lmdb.open(str(path), map_size=MAP_SIZE, max_dbs=len(_TABLES), subdir=True,
                         sync=True, metasync=True, mode=0o600, readonly=readonly, create=False)

    def close(self) -> None:
        self._env.close()
        if self._lock_fd is not None:  # after the environment: see :meth:`forget`
            os.close(self._lock_fd)
            self._lock_fd = None

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- writing ------------------------------------------------------------------------------

    def create_work(self, signer: Signer, title: str, *, isrc: str | None = None,
                    iswc: str | None = None, occurred: int | None = None) -> Appended:
        """Append a genesis ``work.created`` event; its hash is the new work's id."""
        body: dict[str, Any] = {"title": title}
        if isrc:
            body["isrc"] = isrc
        if iswc:
            body["iswc"] = iswc
        with self._env.begin(write=True) as txn:
            recorded = now_us()
            try:
                payload = EventPayload(FORMAT_VERSION, GENESIS_TYPE, None, 0, None, recorded,
                                       _occurred(occurred, recorded), signer.info.public_key, body, {})
            except SchemaError as e:
                raise LedgerError(f"invalid work: {e}") from e
            envelope = sign_event(signer, payload)
            digest = event_hash(envelope)
            work = WorkId(digest)
            rows = _EventRows(txn, self._db, self._ready_index(txn))
            self._write(txn, work, GENESIS_TYPE, 0, payload.body, envelope, digest, {}, rows)
            rows.finish()
            txn.put(work, Head(0, digest, recorded).encode(), db=self._db["heads"])
            self._remember_key(txn, signer)
            txn.put(work, encode_cbor({"title": title, "created": recorded}), db=self._db["works"])
        return Appended(digest, 0, work)

    def append(self, work: WorkId, signer: Signer, draft: EventDraft) -> Appended:
        """Append one event in one durable write transaction."""
        return self.append_batch(work, signer, [draft])[0]

    def append_batch(self, work: WorkId, signer: Signer, drafts: Sequence[EventDraft], *,
                     progress: Progress | None = None) -> list[Appended]:
        """Append events in order in one write transaction: all of them or none.
        ``progress(done, total)`` (drafts signed) is called every :data:`PROGRESS_EVERY` drafts
        and once before the commit.

        Every draft passes the format core's own checks before it is signed: the payload schema
        (V4), a licence's signatures and commitments (V5.2, and every party must have signed),
        and the chain rules (V6: references, the lineage's source type), so the writer never
        signs what the verifier would reject.

        Raises:
            LedgerError: unknown work, a body the format rejects, a licence whose document is
                not signed by every party or whose signatures or commitments do not check, or a
                reference (``of``, ``about``, ``licence``) or source type the chain rules reject;
                nothing is written.
        """
        with self._env.begin(write=True) as txn:
            return self._append_in(txn, work, signer, drafts, progress)

    def _append_in(self, txn: lmdb.Transaction, work: WorkId, signer: Signer,
                   drafts: Sequence[EventDraft], progress: Progress | None = None) -> list[Appended]:
        """:meth:`append_batch` inside a write transaction the caller holds (and commits)."""
        results: list[Appended] = []
        protected = protected_header(CTYPE_EVENT, signer.info.public_key, work.hex())
        raw_head = txn.get(work, db=self._db["heads"])
        if raw_head is None:
            raise LedgerError(f"unknown work {work.hex()}")
        head = Head.decode(bytes(raw_head))
        rows = _EventRows(txn, self._db, self._ready_index(txn))
        batch = len(drafts) > 1
        seq, prev, recorded = head  # the chain's end, moved along by each event
        public_key, sign = signer.info.public_key, signer.sign
        # A fresh 128-bit salt per private field, drawn once for the whole batch.
        fresh = os.urandom(SALT_SIZE * sum(len(draft.private) for draft in drafts))
        salt_at = 0
        for index, draft in enumerate(drafts):
            if progress is not None and not index % PROGRESS_EVERY:
                progress(index, len(drafts))
            spec = EVENT_TYPES[draft.type]
            body = dict(draft.body)
            if spec.assets or spec.references:  # a note has neither: nothing to look up
                rows.flush()  # the lookups read the events this batch has appended
                try:
                    _check_segments(body)
                    self._check_references(txn, rows.index, work, draft)
                    body = self._with_source_type(txn, work, draft)
                except LedgerError as e:
                    raise LedgerError(f"invalid {draft.type} event{_where(index, batch)}: {e}") from e
            recorded = max(now_us(), recorded)  # time taken inside the transaction, never going back
            seq += 1
            disclosures: dict[str, bytes] = {}
            commitments: dict[str, bytes] = {}
            for name, value in draft.private.items():  # a fresh salt unless the draft carries one
                encoded = encode_disclosure(draft.salts.get(name) or fresh[salt_at:salt_at + SALT_SIZE], name, value)
                disclosures[name] = encoded
                commitments[name] = commitment(encoded)
                salt_at += SALT_SIZE
            if draft.type == "licence":
                _check_licence(body, commitments, seq, _where(index, batch))
            try:  # the checks of EventPayload's construction, without building one
                payload = encode_payload(FORMAT_VERSION, draft.type, work, seq, prev, recorded,
                                         _occurred(draft.occurred, recorded), public_key, body, commitments)
            except SchemaError as e:  # bad input from the caller: nothing is written
                raise LedgerError(f"invalid {draft.type} event{_where(index, batch)}: {e}") from e
            if len(payload) + len(protected) + 80 > MAX_ENVELOPE_SIZE:  # L2, before signing
                raise LedgerError(f"invalid {draft.type} event{_where(index, batch)}: its envelope would be over "
                                  f"{MAX_ENVELOPE_SIZE} bytes (format limit L2)")
            envelope = sign1(protected, payload, sign)
            prev = event_hash(envelope)
            self._write(txn, work, draft.type, seq, body, envelope, prev, disclosures, rows)
            results.append(Appended(prev, seq, work))
        txn.put(work, Head(seq, prev, recorded).encode(), db=self._db["heads"])  # once per transaction
        rows.finish()
        self._remember_key(txn, signer)
        if progress is not None:
            progress(len(drafts), len(drafts))
        return results

    def _ready_index(self, txn: lmdb.Transaction) -> EventIndex:
        """The event index of a write transaction, first brought to every event of the log (an
        older ledger, or an older provenote's appends: spec/ledger.md, "The event-hash index")."""
        try:
            build_index(txn, self._db)
            return EventIndex(txn, self._db, self._tail_cache)
        except IndexInconsistent as e:
            raise LedgerError(str(e)) from e

    def _remember_key(self, txn: lmdb.Transaction, signer: Signer) -> None:
        """Keep the signer's self-signed key card, so an export can name every signer."""
        kid = key_id(signer.info.public_key)
        if txn.get(kid, db=self._db["keys"]) is None:
            txn.put(kid, signer.key_card(), db=self._db["keys"])

    def _is_ai(self, txn: lmdb.Transaction, work: WorkId) -> Callable[[bytes], bool]:
        """The work's lineage table as the format's ``is_ai`` question (spec/ledger.md)."""
        table = self._db["lineage"]
        return lambda asset: txn.get(work + asset, db=table) == _AI

    def _with_source_type(self, txn: lmdb.Transaction, work: WorkId, draft: EventDraft) -> dict[str, Any]:
        """The draft's body with its IPTC source type filled in (from the type table, and for a
        human edit from the work's lineage) and checked against the lineage rule V6.7."""
        body = dict(draft.body)
        spec = EVENT_TYPES[draft.type]
        if not spec.source_types:
            return body
        ai_input = uses_ai(draft.type, body, self._is_ai(txn, work))
        if "digital_source_type" not in body:
            default = default_source_type(draft.type, body, ai_input=ai_input)
            if default is not None:
                body["digital_source_type"] = default
        required = lineage_source_type(draft.type, ai_input)
        if required is not None and body.get("digital_source_type") != required:
            raise LedgerError(f"digital_source_type must be {required}: "
                              + ("an input came from AI in this work" if ai_input
                                 else "no input came from AI in this work"))
        return body

    def _remember_lineage(self, txn: lmdb.Transaction, work: WorkId, type_name: str,
                          body: Mapping[str, Any]) -> None:
        outputs = output_assets(type_name, body)
        if outputs:
            flag = _AI if outputs_are_ai(type_name, body, self._is_ai(txn, work)) else _NOT_AI
            for asset in outputs:  # the first producer decides
                txn.put(work + asset["sha256"], flag, db=self._db["lineage"], overwrite=False)

    def _check_references(self, txn: lmdb.Transaction, index: EventIndex, work: WorkId, draft: EventDraft) -> None:
        """V6.6 before signing: each reference names an earlier event of this work of a type the
        type table admits (``of`` a generation or parameter edit; ``about`` anything but a note)."""
        for reference in EVENT_TYPES[draft.type].references:
            if reference.name not in draft.body:  # an optional reference left out (a schema error if required)
                continue
            target = draft.body.get(reference.name)
            if type(target) is not bytes or len(target) != 32:
                raise LedgerError(f"{reference.name} must be a 32-byte event hash")
            located = index.locate(target)
            if located is None or located[:32] != work:
                raise LedgerError(f"{reference.name} names no earlier event of this work ({reference.describe()})")
            referenced = parse_event(_must(txn.get(located[:_POSITION], db=self._db["events"]))).payload.type
            if not reference.admits(referenced):
                raise LedgerError(f"{reference.name} names a {referenced}, not {reference.describe()}")

    def _write(self, txn: lmdb.Transaction, work: WorkId, type_name: str, seq: int, body: Mapping[str, Any],
               envelope: bytes, digest: EventHash, disclosures: Mapping[str, bytes], rows: _EventRows) -> None:
        """An event's rows (through ``rows``), and its assets' and the lineage's."""
        rows.add(work + seq.to_bytes(_U64, "big"), envelope, digest, disclosures)
        if not EVENT_TYPES[type_name].assets:  # a note, an attestation: no asset, no lineage
            return
        for role, assets in ((b"o", output_assets(type_name, body)), (b"i", input_assets(type_name, body))):
            for asset in assets:
                txn.put(asset["sha256"] + digest, role, db=self._db["assets"])
        self._remember_lineage(txn, work, type_name, body)

    # -- erasure ------------------------------------------------------------------------------

    def forget(self, event: EventHash, field_name: str, signer: Signer) -> Appended | None:
        """Erase one private field's salt and plaintext (a privacy-law erasure): the event, its
        commitment and every signature stay, so every chain and bundle still verifies; the field
        can no longer be disclosed. The erasure is recorded, in the same write transaction, as a
        ``note`` in the event's work, signed by ``signer``, whose text names the event and the
        field — never the value. Returns that note, or None if the field was forgotten already
        (then only the compaction below runs again, which completes an erasure a crash cut short).

        The plaintext must also leave the file's bytes, and LMDB is copy-on-write: a deleted
        value stays in the page as last committed, now on the free list, until that page happens
        to be reused (we found it still there after ten more write transactions), and zeroing it
        before the delete does not reach that copy either. What works: zero the value in place
        and delete it (so no live page's unused space keeps it), commit, then write a compacting
        copy of the environment (``mdb_env_copy2`` with ``MDB_CP_COMPACT``: live pages only) and
        rename it over ``data.mdb``. That is only safe with no other process in the environment,
        so the whole operation runs under LMDB's own exclusive lock (the lock file's first byte,
        which every process that has the ledger open holds shared); the next open re-initialises
        the lock file from the new data file. The old file's blocks are released to the file
        system, not overwritten: erasure below the file system (journals, SSD remapping,
        snapshots, backups) is out of the ledger's reach — use full-disk encryption.

        Raises: LedgerError for a read-only ledger, the ledger open in another process (nothing is
        changed: try again), an unknown event, or a field the event does not commit to.
        """
        if self.readonly:
            raise LedgerError("the ledger is open read-only")
        self._env.close()  # the only handle in this process: py-lmdb refuses to open one twice
        if self._lock_fd is not None:  # an earlier forget's, released with the environment closed
            os.close(self._lock_fd)
            self._lock_fd = None
        lock_fd = _exclusive_lock(self.path)
        try:
            if lock_fd is None:
                raise LedgerError("the ledger is open in another process (an append, an export, a check): forget "
                                  "needs it alone to compact the file; nothing was changed, try again")
            env = lmdb.open(str(self.path), map_size=MAP_SIZE, max_dbs=len(_TABLES), subdir=True, sync=True,
                            metasync=True, mode=0o600, create=False, lock=False)  # under our exclusive lock
            inner = Ledger(env, self.path)
            try:
                with env.begin(write=True) as txn:
                    result = inner._forget_in(txn, event, field_name, signer)
                _compact(env, self.path)
            finally:
                inner.close()
        finally:
            # Reopened while the exclusive lock is still held: LMDB sees itself the first opener and
            # re-initialises the lock file from the new data file, then shares the lock. The lock's
            # descriptor stays open until close(): closing it would drop this process's lock.
            self._env = self._open_env(self.path)
            self._open_tables()
            self._lock_fd = lock_fd
        return result

    def _forget_in(self, txn: lmdb.Transaction, event: EventHash, field_name: str, signer: Signer) -> Appended | None:
        located = self._ready_index(txn).locate(event)
        if located is None:
            raise LedgerError(f"unknown event {event.hex()}")
        position = located[:_POSITION]
        payload = parse_event(_must(txn.get(position, db=self._db["events"]))).payload
        if field_name not in payload.commitments:
            fields = ", ".join(sorted(payload.commitments)) or "none"
            raise LedgerError(f"event {event.hex()[:16]} has no private field {field_name!r} (its private fields: "
                              f"{fields})")
        key = position + field_name.encode()
        stored = txn.get(key, db=self._db["private"])
        if stored is None:
            return None
        txn.put(key, bytes(len(stored)), db=self._db["private"])  # zeros in place: no live page keeps it
        txn.delete(key, db=self._db["private"])
        note = EventDraft("note", {}, {"text": f"forgot the private field {field_name} of event {event.hex()}: "
                                               "its salt and plaintext were erased from the ledger; its "
                                               "commitment stays"})
        return self._append_in(txn, WorkId(position[:32]), signer, [note])[0]

    # -- the log: checkpoints, anchors, cosignatures (spec/anchoring.md) -----------------------

    @property
    def origin(self) -> str:
        """The origin line of this ledger's checkpoints: ``provenote/<ledger id hex>``."""
        with self._env.begin() as txn:
            return log_origin(_must(txn.get(_META_LEDGER_ID, db=self._db["meta"])))

    def checkpoint(self, signer: Signer) -> tuple[bytes, bool]:
        """Sign a checkpoint of the whole log as it is now (C2SP tlog-checkpoint as a signed note,
        spec/anchoring.md §2) and store it, in one write transaction. Returns the note's bytes and
        whether it is new (the same key's checkpoint of the same size is returned as stored).

        The ledger never signs two checkpoints inconsistent with each other: before signing, the
        latest stored checkpoint's root is recomputed from the tree at its size.

        Raises: LedgerError for an empty log, a log without its tree (read-only), or a stored
        checkpoint the tree no longer agrees with (a damaged store: nothing is signed).
        """
        origin = self.origin
        with self._env.begin(write=True) as txn:
            view = LogView(txn, self._db, EventIndex(txn, self._db, self._tail_cache).locate)
            size = view.size
            if not view.available or size == 0:
                raise LedgerError("the log is empty: append an event before signing a checkpoint")
            try:
                latest = view.latest()
                if latest is not None:
                    stored = Checkpoint.parse(SignedNote.parse(latest[2]).text)
                    if stored.size > size or view.root(stored.size) != stored.root:
                        raise LedgerError(f"the stored checkpoint of size {stored.size} disagrees with the log: "
                                          "nothing signed (run 'provenote check')")
                key = u64(size) + key_id(signer.info.public_key)
                existing = txn.get(key, db=self._db["checkpoints"])
                if existing is not None:
                    return bytes(existing), False
                note = sign_note(Checkpoint(origin, size, view.root(size)).text(), origin, signer.private_key).encode()
            except (StoreInconsistent, VerificationFailure) as e:
                raise LedgerError(f"the log is damaged: {e}") from e
            txn.put(key, note, db=self._db["checkpoints"])
            self._remember_key(txn, signer)
        return note, True

    def latest_checkpoint(self) -> tuple[int, bytes] | None:
        """(size, note) of the latest stored checkpoint, or None."""
        with self.snapshot() as view:
            latest = view.log.latest()
            return (latest[0], latest[2]) if latest is not None else None

    def log_size(self) -> int:
        with self.snapshot() as view:
            return view.log.size

    def add_anchor(self, note: bytes, nonce: int, response: bytes) -> None:
        """Store an RFC 3161 response over a stored checkpoint note, in one write transaction.

        Raises: LedgerError for a note not stored; TsaError for a response that is not a granted
        token over exactly these bytes with this nonce (spec/anchoring.md §4).
        """
        check_reply(response, note, nonce, "the timestamp response")
        size = self._stored_size(note)
        with self._env.begin(write=True) as txn:
            txn.put(u64(size) + checkpoint_imprint(note) + u64(nonce), response, db=self._db["anchors"])

    def add_cosignatures(self, data: bytes, witnesses: Sequence[VerifierKey]) -> list[str]:
        """Store the cosignatures of a cosigned checkpoint (a signed note whose text is a stored
        checkpoint's) made by one of ``witnesses`` and verifying under its key. Returns the
        names of the witnesses whose cosignature was stored.

        Raises: LedgerError for a note that is not one of this ledger's checkpoints, or no
        cosignature of a given witness that verifies.
        """
        try:
            signed = SignedNote.parse(data)
            checkpoint = Checkpoint.parse(signed.text)
        except VerificationFailure as e:
            raise LedgerError(f"not a cosigned checkpoint: {e.message}") from e
        with self.snapshot() as view:
            if not any(Checkpoint.parse(SignedNote.parse(note).text) == checkpoint
                       for _, _, note in view.log.notes_of(checkpoint.size)):
                raise LedgerError(f"no checkpoint of size {checkpoint.size} with that root in this ledger")
        accepted: list[tuple[str, str]] = []
        for signature in signed.signatures:
            for witness in witnesses:
                try:
                    if verify_cosignature(signed.text, signature, witness.name, witness.public_key) is not None:
                        accepted.append((witness.name, signature.line()))
                except VerificationFailure:
                    continue
        if not accepted:
            raise LedgerError("no cosignature in it verifies under a given --witness key")
        with self._env.begin(write=True) as txn:
            for _, line in accepted:
                txn.put(u64(checkpoint.size) + line.encode("utf-8"), b"", db=self._db["cosignatures"])
        return [name for name, _ in accepted]

    def prove_consistency(self, old: bytes) -> bytes:
        """The C2SP tlog-witness add-checkpoint body from an older checkpoint of this log to the
        latest: ``old <size>``, the RFC 9162 consistency proof, and the latest checkpoint note.

        Raises: LedgerError for a note that is not a checkpoint of this log's history (another
        origin, a root the tree disagrees with, larger than the latest checkpoint) or no checkpoint.
        """
        try:
            checkpoint = Checkpoint.parse(SignedNote.parse(old).text)
        except VerificationFailure as e:
            raise LedgerError(f"not a checkpoint: {e.message}") from e
        if checkpoint.origin != self.origin:
            raise LedgerError(f"that checkpoint is of {checkpoint.origin}, not of this ledger ({self.origin})")
        with self.snapshot() as view:
            latest = view.log.latest()
            if latest is None:
                raise LedgerError("this ledger has signed no checkpoint: run 'provenote checkpoint' first")
            size, _, note = latest
            if checkpoint.size > size:
                raise LedgerError(f"that checkpoint (size {checkpoint.size}) is newer than the latest ({size})")
            if checkpoint.size and view.log.root(checkpoint.size) != checkpoint.root:
                raise LedgerError(f"that checkpoint's root is not this log's root at size {checkpoint.size}: "
                                  "it is from another history")
            proof = consistency_proof(view.log.nodes, checkpoint.size, size) if 0 < checkpoint.size < size else []
        return encode_add_checkpoint(checkpoint.size, proof, note)

    def _stored_size(self, note: bytes) -> int:
        try:
            size = Checkpoint.parse(SignedNote.parse(note).text).size
        except VerificationFailure as e:
            raise LedgerError(f"not a checkpoint: {e.message}") from e
        with self.snapshot() as view:
            if not any(stored == note for _, _, stored in view.log.notes_of(size)):
                raise LedgerError("that checkpoint is not stored in this ledger")
        return size

    # -- reading ------------------------------------------------------------------------------

    @contextmanager
    def snapshot(self) -> Iterator[Snapshot]:
        """One read transaction: every read through it sees the ledger as it was when it began,
        whatever appenders do meanwhile (for export, check and log)."""
        if self.readonly and not all(name.decode() in self._db for name in INDEX_TABLES):
            self._open_tables()  # a writable open may have added them since this one
        with self._env.begin(buffers=False) as txn:
            try:
                view = Snapshot(txn, self._db, self._tail_cache)
            except IndexInconsistent as e:
                raise LedgerError(str(e)) from e
            yield view

    def works(self) -> list[WorkInfo]:
        with self.snapshot() as view:
            return view.works()

    def head(self, work: WorkId) -> Head:
        with self.snapshot() as view:
            return view.head(work)

    def chain(self, work: WorkId) -> Iterator[StoredEvent]:
        """The work's events in chain order, parsed, from one snapshot."""
        with self.snapshot() as view:
            yield from view.chain(work)

    def private_fields(self, digest: EventHash) -> dict[str, tuple[bytes, str]]:
        with self.snapshot() as view:
            return view.private_fields(digest)

    def key_card(self, public_key: bytes) -> bytes:
        with self.snapshot() as view:
            return view.key_card(public_key)

    def resolve_work(self, name: str) -> WorkId:
        """A work from its id, a unique hex prefix of it of 8+ characters (as git resolves
        revisions), or its title: an exact title first, else a unique case-insensitive match.
        A hex prefix that names a work wins over a title.

        Raises: LedgerError (one line) for an unknown work, or an ambiguous prefix or title
            (naming the candidates).
        """
        if _is_hex_prefix(name):
            with self._env.begin() as txn:
                found = keys_with_prefix(txn, self._db["works"], name.lower(), _MAX_CANDIDATES + 1)
            if len(found) > 1:
                titles = {bytes(info.work): info.title for info in self.works()}
                named = [f"{w.hex()[:16]} ({titles.get(w, '?')})" for w in found]
                raise LedgerError(f"work prefix {name.lower()} is ambiguous: {_candidates(named)}; "
                                  "give more characters")
            if found:
                return WorkId(found[0])
        works = self.works()
        matches = [info for info in works if info.title == name]
        if not matches:
            folded = name.casefold()
            matches = [info for info in works if info.title.casefold() == folded]
        if len(matches) == 1:
            return matches[0].work
        if matches:
            named = [f"{info.work.hex()[:16]} ({info.title})" for info in matches]
            raise LedgerError(f"work title {name!r} is ambiguous: {_candidates(named)}; give the work's id")
        raise LedgerError(f"unknown work {name!r}: give its id, a unique hex prefix of 8+ characters, or its title")

    def resolve_event(self, prefix: str) -> EventHash:
        """An event from its hash or a unique hex prefix of it of 8+ characters.

        Raises: LedgerError (one line) for an unknown event or an ambiguous prefix (naming the
            candidates)."""
        if not _is_hex_prefix(prefix):
            raise LedgerError("event must be a hex id or a unique hex prefix of at least 8 characters")
        prefix = prefix.lower()
        with self.snapshot() as view:
            found = view.index.prefix_matches(prefix, _MAX_CANDIDATES + 1)
        if len(found) > 1:
            raise LedgerError(f"event prefix {prefix.lower()} is ambiguous: "
                              f"{_candidates([h.hex()[:16] for h in found])}; give more characters")
        if not found:
            raise LedgerError(f"unknown event {prefix.lower()}")
        return EventHash(found[0])

    def check(self, progress: Progress | None = None) -> tuple[int, int]:
        """Re-verify every chain in one snapshot: steps V3–V6 of spec/verification.md for every
        event, and the head index. ``progress(done, total)`` (events) is called every
        :data:`PROGRESS_EVERY` events and once at the end.

        Returns: (works, events) checked.
        Raises: VerificationFailure for the first defect, with ``event`` set to its seq; its
            message names the work.
        """
        works = events = 0
        with self.snapshot() as view:
            located: list[tuple[bytes, bytes]] = []  # (event hash, work id ‖ seq)
            infos = view.works()
            total = sum(info.events for info in infos)
            for info in infos:
                checker = ChainChecker(info.work)
                try:
                    for stored in view.chain(info.work):
                        if progress is not None and not events % PROGRESS_EVERY:
                            progress(events, total)
                        located.append((stored.event.hash, stored.work + u64(stored.seq)))
                        stored.event.verify_signature()
                        if stored.event.payload.seq != stored.seq:
                            raise VerificationFailure(Code.CHAIN_SEQ_GAP, "stored position and seq differ",
                                                      event=stored.seq)
                        defects = checker.add(stored.event.hash, stored.event.payload)
                        if defects:
                            raise defects[0]
                        events += 1
                    head = view.head(info.work)
                    checker.check_head(head.hash, head.seq + 1)
                except VerificationFailure as e:
                    raise VerificationFailure(e.code, f"work {info.work.hex()} seq {e.event}: {e.message}",
                                              event=e.event) from e
                works += 1
            self._check_log(view, located)
        if progress is not None:
            progress(events, total)
        return works, events

    def _check_log(self, view: Snapshot, located: list[tuple[bytes, bytes]]) -> None:
        """The log holds every event once, as the leaf its index says, and the index finds each
        event from its hash at its own position (work id ‖ seq); the stored tree gives the
        root recomputed from those leaves; every stored checkpoint states the tree's root at its
        size, for this ledger's origin, signed by its key (spec/ledger.md §5).

        Raises: VerificationFailure ``log.proof_invalid`` or ``log.signature_invalid``.
        """
        log = view.log
        if not log.available:
            return
        size = log.size
        if size != len(located):
            raise VerificationFailure(Code.LOG_PROOF_INVALID, f"the log has {size} leaves for {len(located)} events")
        problem = view.index.problems(size)
        if problem is not None:
            raise VerificationFailure(Code.LOG_PROOF_INVALID, problem)
        ordered: list[bytes | None] = [None] * size
        for digest, position in located:
            where = view.index.locate(digest)
            if where is None or len(where) != _POSITION + _U64 or where[:_POSITION] != position:
                raise VerificationFailure(Code.LOG_PROOF_INVALID,
                                          f"the index does not find event {digest.hex()[:16]} at its position")
            index = int.from_bytes(where[_POSITION:], "big")
            if index >= size or ordered[index] is not None:
                raise VerificationFailure(Code.LOG_PROOF_INVALID, f"event {digest.hex()[:16]} is not one leaf of the log")
            ordered[index] = leaf_hash(digest)
        try:
            leaves = [h for h in ordered if h is not None]
            if root_of(leaves) != log.root(size) or not log.nodes_agree(leaves):
                raise VerificationFailure(Code.LOG_PROOF_INVALID, "the stored tree is not that of the events")
            origin = self.origin
            for checkpoint_size, signer, note in log.checkpoints():
                card = parse_key_card(view.key_card_by_id(signer))
                SignedCheckpoint.parse(note, {card.key_id: card}, origin=origin)
                checkpoint = Checkpoint.parse(SignedNote.parse(note).text)
                if checkpoint.size != checkpoint_size or log.root(checkpoint.size) != checkpoint.root:
                    raise VerificationFailure(Code.LOG_PROOF_INVALID,
                                              f"the checkpoint of size {checkpoint_size} disagrees with the tree")
        except StoreInconsistent as e:
            raise VerificationFailure(Code.LOG_PROOF_INVALID, str(e)) from e


class Snapshot:
    """Reads of one ledger in one read transaction (see :meth:`Ledger.snapshot`)."""

    def __init__(self, txn: lmdb.Transaction, tables: Mapping[str, Any], cache: TailCache | None = None) -> None:
        self._txn = txn
        self._db = tables
        self.index = EventIndex(txn, tables, cache)
        self.log = LogView(txn, tables, self.index.locate)

    def works(self) -> list[WorkInfo]:
        result = []
        for work, raw in self._txn.cursor(db=self._db["works"]):
            info = decode_cbor(bytes(raw), what="work record")
            head = Head.decode(_must(self._txn.get(work, db=self._db["heads"])))
            result.append(WorkInfo(WorkId(bytes(work)), info["title"], head.seq + 1, head.hash, info["created"]))
        return sorted(result, key=lambda w: (w.created, w.work))

    def head(self, work: WorkId) -> Head:
        """Raises LedgerError for an unknown work."""
        raw = self._txn.get(work, db=self._db["heads"])
        if raw is None:
            raise LedgerError(f"unknown work {work.hex()}")
        return Head.decode(bytes(raw))

    def chain(self, work: WorkId) -> Iterator[StoredEvent]:
        """The work's events in chain order, parsed; raises LedgerError for an unknown work.

        Raises VerificationFailure (with ``event`` = seq) if a stored envelope does not parse.
        """
        self.head(work)
        cursor = self._txn.cursor(db=self._db["events"])
        if not cursor.set_range(work):
            return
        for key, envelope in cursor:
            if key[:32] != work:
                break
            seq = int.from_bytes(key[32:], "big")
            try:
                signed = parse_event(bytes(envelope))
            except VerificationFailure as e:
                e.event = seq
                raise
            yield StoredEvent(work, seq, bytes(envelope), signed)

    def event(self, digest: EventHash) -> StoredEvent:
        """One event by its hash, parsed. Raises LedgerError for an unknown event."""
        located = self.index.locate(digest)
        if located is None:
            raise LedgerError(f"unknown event {digest.hex()}")
        position = located[:_POSITION]
        envelope = _must(self._txn.get(position, db=self._db["events"]))
        return StoredEvent(WorkId(position[:32]), int.from_bytes(position[32:], "big"), envelope,
                           parse_event(envelope))

    def private_fields(self, digest: EventHash) -> dict[str, tuple[bytes, str]]:
        """Salt and plaintext of each private field of one event."""
        result: dict[str, tuple[bytes, str]] = {}
        located = self.index.locate(digest)
        if located is None:
            raise LedgerError(f"unknown event {digest.hex()}")
        position = located[:_POSITION]
        cursor = self._txn.cursor(db=self._db["private"])
        if cursor.set_range(position):
            for key, raw in cursor:
                if key[:40] != position:
                    break
                salt, name, value = decode_cbor(bytes(raw), what="private record")
                result[name] = (salt, value)
        return result

    def key_card(self, public_key: bytes) -> bytes:
        """The stored key card of a signer. Raises LedgerError if there is none."""
        return self.key_card_by_id(key_id(public_key))

    def key_card_by_id(self, kid: bytes) -> bytes:
        """The stored key card of a key id. Raises LedgerError if there is none."""
        card = self._txn.get(kid, db=self._db["keys"])
        if card is None:
            raise LedgerError(f"no key card for signer {kid.hex()[:16]}")
        return bytes(card)


_MAX_CANDIDATES = 5  # listed in an "ambiguous" error


def _is_hex_prefix(text: str) -> bool:
    """Whether ``text`` can be an id or an id's prefix: 8 to 64 hex digits."""
    return 8 <= len(text) <= 64 and all(c in "0123456789abcdefABCDEF" for c in text)


def _candidates(names: list[str]) -> str:
    """The candidates of an ambiguous name, at most :data:`_MAX_CANDIDATES` listed."""
    listed = ", ".join(names[:_MAX_CANDIDATES])
    return listed + (", …" if len(names) > _MAX_CANDIDATES else "")


def _where(index: int, batch: bool) -> str:
    return f" (event {index + 1} of the batch)" if batch else ""


def _check_segments(body: Mapping[str, Any]) -> None:
    """A creator's slip the format cannot see: a segment ending after the output it is on."""
    output = body.get("output")
    duration = output.get("duration_ms") if isinstance(output, Mapping) else None
    if type(duration) is not int:
        return
    for segment in body.get("segments") or ():
        if isinstance(segment, list) and len(segment) == 2 and type(segment[1]) is int and segment[1] > duration:
            raise LedgerError(f"segment {segment[0] / 1000:g}-{segment[1] / 1000:g} s ends after the output's "
                              f"{duration / 1000:g} s")


def _check_licence(body: Mapping[str, Any], commitments: Mapping[str, bytes], seq: int, where: str) -> None:
    """V5.2 before signing, with the format core's own check, and the writer's rule on top: every
    party has signed (spec/licensing.md §2) — the verifier's ``licence.unsigned_party`` finding
    is for documents that came from elsewhere, never for what this writer signs."""
    try:
        document = check_licence_event(body, commitments, seq)
    except VerificationFailure as e:
        raise LedgerError(f"invalid licence event{where}: {e.code}: {e.message}") from e
    missing = document.unsigned_parties
    if missing:
        named = ", ".join(("licensor " if pk in document.terms.licensors else "licensee ") + key_id(pk).hex()[:16]
                          for pk in missing)
        raise LedgerError(f"invalid licence event{where}: the document lacks the signature of {named} "
                          "(every party signs it first: provenote licence sign)")


def _exclusive_lock(path: Path) -> int | None:
    """LMDB's exclusive lock on a closed environment — a write lock on the lock file's first
    byte, which every process with the environment open holds shared — or None if another
    process holds it. Returns the descriptor holding it."""
    fd = os.open(path / "lock.mdb", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB, 1, 0)
    except OSError:
        os.close(fd)
        return None
    return fd


def _compact(env: lmdb.Environment, path: Path) -> None:
    """Replace ``data.mdb`` by a compacting copy of ``env`` (live pages only), written to a
    temporary file, fsynced and renamed; the caller holds the environment alone."""
    fd, temp = tempfile.mkstemp(prefix=".compact-", suffix=".mdb", dir=path)
    try:
        try:
            env.copyfd(fd, compact=True)
            os.fsync(fd)
        finally:
            os.close(fd)
        os.chmod(temp, 0o600)
        os.replace(temp, path / "data.mdb")
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    folder = os.open(path, os.O_RDONLY)
    try:
        os.fsync(folder)
    finally:
        os.close(folder)


_ROWS_HELD = 4_096  # events an _EventRows holds before it writes them


class _EventRows:
    """What one write transaction's appends write to the log's tables — each event's envelope
    and private fields, its leaf in the log and its index entry — gathered and written a table
    at a time (``putmulti``) by :meth:`flush`: before anything reads them (a reference's lookup)
    and, from :meth:`finish`, before the commit, which also stores the log's size and merges the
    index's tail if due."""

    def __init__(self, txn: lmdb.Transaction, tables: Mapping[str, Any], index: EventIndex) -> None:
        self._txn = txn
        self._events, self._private = tables["events"], tables["private"]
        self.log = LogAppender(txn, tables)
        self.index = index
        self._event_rows: list[tuple[bytes, bytes]] = []
        self._private_rows: list[tuple[bytes, bytes]] = []

    def add(self, position: bytes, envelope: bytes, digest: EventHash, disclosures: Mapping[str, bytes]) -> None:
        """An event at ``position`` (work id ‖ seq) with its private fields' disclosures."""
        self._event_rows.append((position, envelope))
        for name, encoded in disclosures.items():  # keyed by position: sequential inserts
            self._private_rows.append((position + name.encode(), encoded))
        try:
            self.index.add(digest, position, self.log.append(digest))  # and its leaf in the log
        except IndexInconsistent as e:
            raise LedgerError(str(e)) from e
        if len(self._event_rows) >= _ROWS_HELD:  # a long batch: what it holds in memory stays bounded
            self.flush()

    def flush(self) -> None:
        """Write what :meth:`add` holds. Raises LedgerError if an event exists at a position."""
        rows, self._event_rows = self._event_rows, []
        if rows:
            _, added = self._txn.cursor(db=self._events).putmulti(rows, overwrite=False)
            if added != len(rows):
                raise LedgerError("an event already exists at this position")  # never overwrite
        if self._private_rows:
            self._txn.cursor(db=self._private).putmulti(self._private_rows)
            self._private_rows = []
        self.log.flush()
        try:
            self.index.flush()
        except IndexInconsistent as e:
            raise LedgerError(str(e)) from e

    def finish(self) -> None:
        """The end of an append's transaction: all written, the log's new size, and the index's
        merge if due."""
        self.flush()
        self.log.finish()
        try:
            self.index.finish(self.log.size)
        except IndexInconsistent as e:
            raise LedgerError(str(e)) from e


def _must(value: bytes | memoryview | None) -> bytes:
    """An index entry that must exist; its absence means the store is inconsistent."""
    if value is None:
        raise LedgerError("the ledger's indexes are inconsistent: run 'provenote check'")
    return bytes(value)


def _occurred(occurred: int | None, recorded: int) -> int | None:
    if occurred is not None and occurred > recorded:
        raise LedgerError("--occurred must not be in the future")
    return occurred


def sign_event(signer: Signer, payload: EventPayload) -> bytes:
    """The deterministic envelope of ``payload`` signed by ``signer`` (pure; spec/format.md §4)."""
    work_hex = payload.work.hex() if payload.work is not None else None
    return sign1(protected_header(CTYPE_EVENT, signer.info.public_key, work_hex), payload.encode(), signer.sign)

"""The LMDB store (spec/ledger.md): one environment, a table per index, one write transaction per
append (or per batch). LMDB serialises write transactions across processes, so appenders that
race on one work still build one linear chain; a crash before commit leaves nothing behind.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import lmdb

from ledger._internal.keystore import Signer
from verifier._internal import cbor, cose
from verifier._internal.chain import ChainChecker
from verifier._internal.errors import ProvenoteError, VerificationFailure
from verifier._internal.event import EventPayload, SignedEvent, commitment, encode_disclosure, parse_event
from verifier._internal.format import (
    CTYPE_EVENT,
    FORMAT_VERSION,
    SALT_SIZE,
    EventHash,
    WorkId,
    event_hash,
    key_id,
)
from verifier._internal.types import EVENT_TYPES, GENESIS_TYPE, input_assets, output_assets

MAP_SIZE = 1 << 36  # 64 GiB of address space; the file grows only as data is written
_U64 = 8
_META_FORMAT = b"format_version"
_META_LEDGER_ID = b"ledger_id"
_TABLES = (b"meta", b"events", b"by_hash", b"heads", b"works", b"private", b"assets", b"keys")


class LedgerError(ProvenoteError):
    """The ledger cannot do what was asked: not initialised, unknown work, bad reference (exit 2)."""


@dataclass(frozen=True)
class EventDraft:
    """An event to append: its type, public body, private plaintexts and optional occurred time."""

    type: str
    body: Mapping[str, Any]
    private: Mapping[str, str] = field(default_factory=dict)
    occurred: int | None = None  # microseconds since the epoch

    def __post_init__(self) -> None:
        spec = EVENT_TYPES.get(self.type)
        if spec is None or self.type == GENESIS_TYPE:
            raise LedgerError(f"unknown event type {self.type!r}")
        unknown = set(self.private) - spec.private_fields
        if unknown:
            raise LedgerError(f"{sorted(unknown)} are not private fields of {self.type}")
        for name, value in self.private.items():
            if type(value) is not str or not value:
                raise LedgerError(f"private field {name} must be non-empty text")


@dataclass(frozen=True)
class Appended:
    """What an append wrote."""

    hash: EventHash
    seq: int
    work: WorkId


@dataclass(frozen=True)
class Head:
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

    def __init__(self, env: lmdb.Environment, path: Path) -> None:
        self._env = env
        self.path = path
        self._db = {name.decode(): env.open_db(name) for name in _TABLES}

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
        return ledger

    @classmethod
    def open(cls, path: Path) -> Ledger:
        """Open an initialised ledger. Raises LedgerError if there is none or it is another format."""
        if not (path / "data.mdb").is_file():
            raise LedgerError(f"no ledger in {path}: run 'provenote init' first (or set --ledger)")
        try:
            ledger = cls(cls._open_env(path), path)
        except lmdb.Error as e:
            raise LedgerError(f"cannot open the ledger in {path}: {e}") from e
        with ledger._env.begin() as txn:
            version = txn.get(_META_FORMAT, db=ledger._db["meta"])
        if version != str(FORMAT_VERSION).encode():
            ledger.close()
            raise LedgerError(f"{path} is not a provenote v{FORMAT_VERSION} ledger")
        return ledger

    @staticmethod
    def _open_env(path: Path) -> lmdb.Environment:
        return lmdb.open(str(path), map_size=MAP_SIZE, max_dbs=len(_TABLES), subdir=True,
                         sync=True, metasync=True, mode=0o600)

    def close(self) -> None:
        self._env.close()

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
            except VerificationFailure as e:
                raise LedgerError(f"invalid work: {e.message}") from e
            envelope = sign_event(signer, payload)
            digest = event_hash(envelope)
            work = WorkId(digest)
            self._write(txn, work, payload, envelope, digest, {})
            txn.put(work, Head(0, digest, recorded).encode(), db=self._db["heads"])
            self._remember_key(txn, signer)
            txn.put(work, cbor.encode({"title": title, "created": recorded}), db=self._db["works"])
        return Appended(digest, 0, work)

    def append(self, work: WorkId, signer: Signer, draft: EventDraft) -> Appended:
        """Append one event in one durable write transaction."""
        return self.append_batch(work, signer, [draft])[0]

    def append_batch(self, work: WorkId, signer: Signer, drafts: Sequence[EventDraft]) -> list[Appended]:
        """Append events in order in one write transaction: all of them or none.

        Raises:
            LedgerError: unknown work, or a reference (``of``, ``about``) that does not hold.
            VerificationFailure: ``event.schema_invalid`` if a body does not match its type.
        """
        results: list[Appended] = []
        protected = cose.ProtectedHeader(CTYPE_EVENT, key_id(signer.info.public_key),
                                         key_id(signer.info.public_key).hex(), work.hex()).encode()
        with self._env.begin(write=True) as txn:
            raw_head = txn.get(work, db=self._db["heads"])
            if raw_head is None:
                raise LedgerError(f"unknown work {work.hex()}")
            head = Head.decode(raw_head)
            for index, draft in enumerate(drafts):
                self._check_references(txn, work, draft, results)
                recorded = max(now_us(), head.time)  # time taken inside the transaction
                disclosures = {name: encode_disclosure(os.urandom(SALT_SIZE), name, value)
                               for name, value in draft.private.items()}
                commitments = {name: commitment(encoded) for name, encoded in disclosures.items()}
                try:
                    payload = EventPayload(FORMAT_VERSION, draft.type, work, head.seq + 1, head.hash,
                                           recorded, _occurred(draft.occurred, recorded),
                                           signer.info.public_key, dict(draft.body), commitments)
                except VerificationFailure as e:  # bad input from the caller: nothing is written
                    where = f" (event {index + 1} of the batch)" if len(drafts) > 1 else ""
                    raise LedgerError(f"invalid {draft.type} event{where}: {e.message}") from e
                envelope = sign_event(signer, payload, protected)
                digest = event_hash(envelope)
                self._write(txn, work, payload, envelope, digest, disclosures)
                head = Head(payload.seq, digest, recorded)
                results.append(Appended(digest, payload.seq, work))
            txn.put(work, head.encode(), db=self._db["heads"])  # the head moves once per transaction
            self._remember_key(txn, signer)
        return results

    def _remember_key(self, txn: lmdb.Transaction, signer: Signer) -> None:
        """Keep the signer's self-signed key card, so an export can name every signer."""
        kid = key_id(signer.info.public_key)
        if txn.get(kid, db=self._db["keys"]) is None:
            txn.put(kid, signer.key_card(), db=self._db["keys"])

    def key_card(self, public_key: bytes) -> bytes:
        """The stored key card of a signer. Raises LedgerError if there is none."""
        with self._env.begin() as txn:
            card = txn.get(key_id(public_key), db=self._db["keys"])
        if card is None:
            raise LedgerError(f"no key card for signer {key_id(public_key).hex()[:16]}")
        return bytes(card)

    def _check_references(self, txn: lmdb.Transaction, work: WorkId, draft: EventDraft,
                          pending: list[Appended]) -> None:
        for name, allowed in (("of", ("generation", "parameter-edit")), ("about", None)):
            target = draft.body.get(name)
            if target is None:
                continue
            if type(target) is not bytes or len(target) != 32:
                raise LedgerError(f"{name} must be a 32-byte event hash")
            located = txn.get(target, db=self._db["by_hash"])
            if located is None or located[:32] != work:
                raise LedgerError(f"{name} names no event of this work")
            referenced = parse_event(_must(txn.get(located, db=self._db["events"]))).payload.type
            if allowed is not None and referenced not in allowed:
                raise LedgerError(f"{name} must name a generation or parameter-edit, not a {referenced}")
            if allowed is None and referenced == "note":
                raise LedgerError("an attestation is about a recorded action, not a note")

    def _write(self, txn: lmdb.Transaction, work: WorkId, payload: EventPayload, envelope: bytes,
               digest: EventHash, disclosures: Mapping[str, bytes]) -> None:
        position = work + payload.seq.to_bytes(_U64, "big")
        if not txn.put(position, envelope, db=self._db["events"], overwrite=False):
            raise LedgerError("an event already exists at this position")  # never overwrite
        txn.put(digest, position, db=self._db["by_hash"])
        for name, encoded in disclosures.items():  # keyed by position: sequential inserts
            txn.put(position + name.encode(), encoded, db=self._db["private"])
        for role, assets in ((b"o", output_assets(payload.type, payload.body)),
                             (b"i", input_assets(payload.type, payload.body))):
            for asset in assets:
                txn.put(asset["sha256"] + digest, role, db=self._db["assets"])

    # -- reading ------------------------------------------------------------------------------

    def works(self) -> list[WorkInfo]:
        result = []
        with self._env.begin() as txn:
            for work, raw in txn.cursor(db=self._db["works"]):
                info = cbor.decode(raw, what="work record")
                head = Head.decode(_must(txn.get(work, db=self._db["heads"])))
                result.append(WorkInfo(WorkId(work), info["title"], head.seq + 1, head.hash, info["created"]))
        return sorted(result, key=lambda w: (w.created, w.work))

    def head(self, work: WorkId) -> Head:
        with self._env.begin() as txn:
            raw = txn.get(work, db=self._db["heads"])
        if raw is None:
            raise LedgerError(f"unknown work {work.hex()}")
        return Head.decode(raw)

    def chain(self, work: WorkId) -> Iterator[StoredEvent]:
        """The work's events in chain order, parsed; raises LedgerError for an unknown work.

        Raises VerificationFailure (with ``event`` = seq) if a stored envelope does not parse.
        """
        self.head(work)
        with self._env.begin(buffers=False) as txn:
            cursor = txn.cursor(db=self._db["events"])
            if not cursor.set_range(work):
                return
            for key, envelope in cursor:
                if key[:32] != work:
                    break
                seq = int.from_bytes(key[32:], "big")
                try:
                    signed = parse_event(envelope)
                except VerificationFailure as e:
                    e.event = seq
                    raise
                yield StoredEvent(work, seq, envelope, signed)

    def private_fields(self, digest: EventHash) -> dict[str, tuple[bytes, str]]:
        """Salt and plaintext of each private field of one event."""
        result: dict[str, tuple[bytes, str]] = {}
        with self._env.begin() as txn:
            position = txn.get(digest, db=self._db["by_hash"])
            if position is None:
                raise LedgerError(f"unknown event {digest.hex()}")
            cursor = txn.cursor(db=self._db["private"])
            if cursor.set_range(position):
                for key, raw in cursor:
                    if key[:40] != position:
                        break
                    salt, name, value = cbor.decode(raw, what="private record")
                    result[name] = (salt, value)
        return result

    def producers(self, asset: bytes) -> list[EventHash]:
        """Events that output ``asset`` (the asset index), in no particular order."""
        found = []
        with self._env.begin() as txn:
            cursor = txn.cursor(db=self._db["assets"])
            if cursor.set_range(asset):
                for key, role in cursor:
                    if key[:32] != asset:
                        break
                    if role == b"o":
                        found.append(EventHash(key[32:]))
        return found

    def event_type(self, digest: EventHash) -> str | None:
        with self._env.begin() as txn:
            position = txn.get(digest, db=self._db["by_hash"])
            if position is None:
                return None
            return parse_event(_must(txn.get(position, db=self._db["events"]))).payload.type

    def resolve_work(self, prefix: str) -> WorkId:
        """A work id from a unique hex prefix of 8+ characters (as git resolves revisions)."""
        return WorkId(self._resolve(prefix, "works", "work"))

    def resolve_event(self, prefix: str) -> EventHash:
        return EventHash(self._resolve(prefix, "by_hash", "event"))

    def _resolve(self, prefix: str, table: str, what: str) -> bytes:
        prefix = prefix.lower()
        if len(prefix) < 8 or len(prefix) > 64 or any(c not in "0123456789abcdef" for c in prefix):
            raise LedgerError(f"{what} must be a hex id or a unique hex prefix of at least 8 characters")
        start = bytes.fromhex(prefix[: len(prefix) // 2 * 2])
        matches = []
        with self._env.begin() as txn:
            cursor = txn.cursor(db=self._db[table])
            if cursor.set_range(start):
                for key in cursor.iternext(keys=True, values=False):
                    if not key.startswith(start):
                        break
                    if key.hex().startswith(prefix):
                        matches.append(bytes(key))
                        if len(matches) > 1:
                            raise LedgerError(f"{what} prefix {prefix} is ambiguous: give more characters")
        if not matches:
            raise LedgerError(f"unknown {what} {prefix}")
        return matches[0]

    def check(self) -> tuple[int, int]:
        """Re-verify every chain (V4–V5 of spec/verification.md) and the indexes.

        Returns: (works, events) checked.
        Raises: VerificationFailure with ``event`` set to the failing seq; its message names the work.
        """
        works = events = 0
        for info in self.works():
            checker = ChainChecker(info.work)
            try:
                for stored in self.chain(info.work):
                    stored.event.verify_signature()
                    if stored.event.payload.seq != stored.seq:
                        raise VerificationFailure("chain.seq_gap", "stored position and seq differ",
                                                  event=stored.seq)
                    checker.add(stored.event.hash, stored.event.payload)
                    events += 1
                head = self.head(info.work)
                if checker.state.head != head.hash or checker.state.count != head.seq + 1:
                    raise VerificationFailure("chain.head_mismatch", "the head index does not match the chain",
                                              event=head.seq)
            except VerificationFailure as e:
                raise VerificationFailure(e.code, f"work {info.work.hex()} seq {e.event}: {e.message}",
                                          event=e.event) from e
            works += 1
        return works, events


def _must(value: bytes | memoryview | None) -> bytes:
    """An index entry that must exist; its absence means the store is inconsistent."""
    if value is None:
        raise LedgerError("the ledger's indexes are inconsistent: run 'provenote check'")
    return bytes(value)


def _occurred(occurred: int | None, recorded: int) -> int | None:
    if occurred is not None and occurred > recorded:
        raise LedgerError("--occurred must not be in the future")
    return occurred


def sign_event(signer: Signer, payload: EventPayload, protected: bytes | None = None) -> bytes:
    """The deterministic envelope of ``payload`` signed by ``signer`` (pure; spec/format.md §4)."""
    if protected is None:
        work_hex = payload.work.hex() if payload.work is not None else None
        kid = key_id(signer.info.public_key)
        protected = cose.ProtectedHeader(CTYPE_EVENT, kid, kid.hex(), work_hex).encode()
    payload_bytes = payload.encode()
    signature = signer.sign(cose.sig_structure(protected, payload_bytes))
    return cose.encode_sign1(protected, payload_bytes, signature)

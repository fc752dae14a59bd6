"""The event-hash index (spec/ledger.md, "The event-hash index"): where an event is, from its hash.

Event hashes are uniformly random, so a B-tree keyed by them takes each insert on a random leaf
page: a 1,000-event batch dirtied (and synced) most of that tree's pages, and the index cost more
than any other table. So the index has two parts (ADR 0013):

    leaves        leaf index (8, BE) -> work id ‖ seq (8) ‖ event hash (32)   every event, in log order
    leaf_by_hash  event hash (32)    -> leaf index (8, BE)                    the leaves below the mark

``meta`` ``hashes_indexed`` (8, BE) is the mark. The tail (the leaves from the mark to the end,
fewer than :data:`MERGE_AT` after any commit) is found through ``leaves``. An append only appends
to ``leaves``; the write transaction that brings the tail to :data:`MERGE_AT` merges it into
``leaf_by_hash`` and moves the mark before it commits.

``by_hash`` (event hash -> work id ‖ seq ‖ leaf index, 48 bytes) is the older index. A writable
open or append moves what it holds into ``leaves`` (:func:`build_index`) and empties it, so
it holds only what an older provenote appended since; reads still look there.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from itertools import chain
from typing import Any

import lmdb

from ledger._log import log_size, u64

INDEX_TABLES = (b"leaves", b"leaf_by_hash")
META_INDEXED = b"hashes_indexed"
MERGE_AT = 16_384  # tail leaves that trigger a merge (a read that misses builds a map of at most this many)
_POSITION = 40  # work id ‖ seq
_LEAF = 8
_LOCATED = _POSITION + _LEAF  # what locate gives (position ‖ leaf index), and an older by_hash value
_LEAF_ENTRY = _POSITION + 32  # a leaves value: position ‖ event hash


class IndexInconsistent(Exception):
    """The index disagrees with itself or with the log, or changed under a reader: the ledger
    raises it as a LedgerError; nothing is written."""


class TailCache:
    """The tail's entries (hash -> position ‖ leaf), kept across the transactions of one ledger
    object: between two merges ``leaves`` only grows and its entries never change, so a later
    transaction reads only the leaves committed since (a lookup per call stays cheap). Holds only
    committed leaves; a new mark starts it afresh."""

    def __init__(self) -> None:
        self.mark: int | None = None
        self.end = 0  # the leaves [mark, end) are in found
        self.found: dict[bytes, bytes] = {}

    def read(self, txn: lmdb.Transaction, leaves: Any, mark: int, end: int) -> dict[bytes, bytes]:
        """The entries, brought to at least the leaves [mark, end) that ``txn`` sees committed
        (it may hold later ones, from a newer transaction: the caller filters by leaf)."""
        if mark != self.mark:
            self.mark, self.end, self.found = mark, mark, {}
        if self.end < end:
            cursor = txn.cursor(db=leaves)
            if cursor.set_range(u64(self.end)):
                found = self.found
                for key, value in cursor:
                    if int.from_bytes(key, "big") >= end:
                        break
                    found[bytes(value[_POSITION:])] = bytes(value[:_POSITION]) + bytes(key)
            self.end = end
        return self.found


class EventIndex:
    """The index in one transaction (read or write).

    :meth:`locate` gives an event's ``work id ‖ seq ‖ leaf index`` (48 bytes) or None. A ledger
    not yet opened writable by this version has neither new table (nor a mark): its events are
    all in ``by_hash``.

    Raises (on construction) IndexInconsistent if the ledger gained the index after this
    read-only ledger object was opened (run the command again).
    """

    def __init__(self, txn: lmdb.Transaction, tables: Mapping[str, Any], cache: TailCache | None = None) -> None:
        self._txn = txn
        self._older = tables["by_hash"]
        self._leaves = tables.get("leaves")
        self._by_hash = tables.get("leaf_by_hash")
        self._meta = tables["meta"]
        raw = txn.get(META_INDEXED, db=self._meta)
        if raw is not None and (self._leaves is None or self._by_hash is None):
            raise IndexInconsistent("the ledger's event index was rebuilt while this command read it: run it again")
        self._indexed = int.from_bytes(raw, "big") if raw is not None else None  # None: by_hash alone
        self._cache = cache if cache is not None else TailCache()
        # The leaves committed when this transaction began; a write transaction's own are in _added.
        self._end = txn.stat(self._leaves)["entries"] if self._indexed is not None else 0
        self._added: dict[bytes, bytes] = {}
        self._merged = False  # this transaction merged the tail: every leaf is in leaf_by_hash
        self._next = self._end  # the next leaf add() may write (build_index made leaves whole)
        self._rows: list[tuple[bytes, bytes]] = []  # leaves added, not yet written (flush)

    def locate(self, digest: bytes) -> bytes | None:
        """``work id ‖ seq ‖ leaf index`` of the event with this hash, or None if there is none
        (or the index is damaged there: ``provenote check`` names it)."""
        if self._indexed is not None:
            leaf = self._txn.get(digest, db=self._by_hash)
            if leaf is not None:
                entry = self._txn.get(leaf, db=self._leaves)
                if entry is None or entry[_POSITION:] != digest:
                    return None
                return bytes(entry[:_POSITION]) + bytes(leaf)
            found = self._in_tail(bytes(digest))
            if found is not None:
                return found
        older = self._txn.get(digest, db=self._older)  # the older index, or an older provenote's appends
        return bytes(older) if older is not None and len(older) in (_POSITION, _LOCATED) else None

    def prefix_matches(self, prefix: str, limit: int) -> list[bytes]:
        """Sorted event hashes whose hex starts with ``prefix`` (lowercase), at most ``limit``."""
        matches = [digest for digest in self._tail() if digest.hex().startswith(prefix)
                   and self._in_tail(digest) is not None]
        for table in (self._by_hash, self._older):
            if table is not None:
                matches += keys_with_prefix(self._txn, table, prefix, limit)
        return sorted(set(matches))[:limit]

    def _tail(self) -> Iterator[bytes]:
        """The hashes of the tail as this transaction sees it (and perhaps of later leaves)."""
        if self._indexed is None or self._merged:
            return iter(())
        return chain(self._added, self._cache.read(self._txn, self._leaves, self._indexed, self._end))

    def _in_tail(self, digest: bytes) -> bytes | None:
        if self._indexed is None or self._merged:
            return None
        found = self._added.get(digest)
        if found is None:
            found = self._cache.read(self._txn, self._leaves, self._indexed, self._end).get(digest)
            if found is not None and int.from_bytes(found[_POSITION:], "big") >= self._end:
                return None  # a leaf committed after this transaction began
        return found

    # -- writing (in a write transaction, after build_index) --------------------------------------

    def add(self, digest: bytes, position: bytes, leaf: int) -> None:
        """Record a new event at ``position`` (work id ‖ seq) with leaf index ``leaf``; its entry
        is written by :meth:`flush` (:meth:`finish` calls it), and found by :meth:`locate` at once.

        Raises IndexInconsistent unless ``leaf`` is the next leaf ``leaves`` lacks."""
        if leaf != self._next:
            raise IndexInconsistent(f"the index's next leaf is {self._next}, not {leaf}: run 'provenote check'")
        key = leaf.to_bytes(_LEAF, "big")
        self._rows.append((key, position + digest))
        self._next = leaf + 1
        self._added[digest] = position + key

    def flush(self) -> None:
        """Write the entries added since the last flush, after every leaf ``leaves`` holds.

        Raises IndexInconsistent if ``leaves`` holds one of them already."""
        rows, self._rows = self._rows, []
        if rows:
            _, added = self._txn.cursor(db=self._leaves).putmulti(rows, overwrite=False, append=True)
            if added != len(rows):
                raise IndexInconsistent(f"the index holds leaf {rows[0][0].hex()} or a later one already: "
                                        "run 'provenote check'")

    def finish(self, size: int) -> None:
        """Before the commit: write what :meth:`add` holds, then merge the tail into
        ``leaf_by_hash`` if it has reached :data:`MERGE_AT` leaves (``size`` is the log's size
        after the transaction's appends)."""
        self.flush()
        indexed = self._indexed or 0
        if size - indexed >= MERGE_AT:
            self._merge(indexed, size)

    def _merge(self, start: int, size: int) -> None:
        entries = []
        cursor = self._txn.cursor(db=self._leaves)
        if cursor.set_range(u64(start)):
            entries = [(bytes(value[_POSITION:]), bytes(key)) for key, value in cursor]
        if len(entries) != size - start:
            raise IndexInconsistent(f"the index holds {len(entries)} of leaves {start}…{size - 1}: "
                                    "run 'provenote check'")
        _, added = self._txn.cursor(db=self._by_hash).putmulti(entries, overwrite=False)
        if added != len(entries):
            raise IndexInconsistent("an event hash of the tail is indexed already: run 'provenote check'")
        self._txn.put(META_INDEXED, u64(size), db=self._meta)
        self._indexed, self._merged, self._added = size, True, {}

    # -- consistency --------------------------------------------------------------------------------

    def problems(self, size: int) -> str | None:
        """Why the index does not hold exactly the log's ``size`` leaves (``provenote check``,
        with its own check that each event is found at its own position), or None.

        Leaves 0 … L − 1 are in ``leaves``, each found from its hash at its own entry; those
        below the mark are in ``leaf_by_hash`` and no other; the rest, L … size − 1, are in
        ``by_hash`` (an older provenote appended them; the next writable open moves them)."""
        if self._indexed is None:
            return None  # a ledger this version has not opened writable: by_hash alone
        count = 0
        for key, value in self._txn.cursor(db=self._leaves):
            leaf = int.from_bytes(key, "big")
            if leaf != count or len(value) != _LEAF_ENTRY:
                return f"the index's leaf entries are not 0, 1, 2, … (at {leaf})"
            if self.locate(bytes(value[_POSITION:])) != bytes(value[:_POSITION]) + bytes(key):
                return f"leaf {leaf}'s event is not found at its position from its hash"
            count += 1
        if not self._indexed <= count <= size:
            return f"the index's mark {self._indexed} is not within its {count} leaves (the log has {size})"
        indexed = self._txn.stat(self._by_hash)["entries"]
        if indexed != self._indexed:
            return f"the index holds {indexed} hashes below its mark {self._indexed}"
        older = self._txn.stat(self._older)["entries"]
        if older != size - count:
            return f"the older index holds {older} events for the {size - count} leaves past the index's {count}"
        return None


def keys_with_prefix(txn: lmdb.Transaction, table: Any, prefix: str, limit: int) -> list[bytes]:
    """The first ``limit`` keys of ``table`` whose hex starts with ``prefix`` (lowercase hex)."""
    start = bytes.fromhex(prefix[: len(prefix) // 2 * 2])  # the prefix's whole bytes
    found: list[bytes] = []
    cursor = txn.cursor(db=table)
    if cursor.set_range(start):
        for key in cursor.iternext(keys=True, values=False):
            if not bytes(key).startswith(start) or len(found) >= limit:
                break
            if key.hex().startswith(prefix):
                found.append(bytes(key))
    return found


def build_index(txn: lmdb.Transaction, tables: Mapping[str, Any]) -> None:
    """In a write transaction, before any append: bring the index to every event of the log if
    it is not there — a ledger written before the index (its events in ``by_hash``), or one an
    older provenote appended to since (those events in ``by_hash``). What ``by_hash`` holds moves
    into ``leaves`` and it is emptied; a tail of :data:`MERGE_AT` or more is merged. Cheap when
    there is nothing to do (two table sizes and one key)."""
    leaves, older, meta = tables["leaves"], tables["by_hash"], tables["meta"]
    size = log_size(txn, tables)
    if (txn.get(META_INDEXED, db=meta) is not None and txn.stat(older)["entries"] == 0
            and txn.stat(leaves)["entries"] == size):
        return
    if txn.get(META_INDEXED, db=meta) is None:
        txn.put(META_INDEXED, u64(0), db=meta)
    for digest, located in [(bytes(k), bytes(v)) for k, v in txn.cursor(db=older)]:
        if len(located) == _LOCATED:  # (a 40-byte value, from before the log, stays: check names it)
            txn.put(located[_POSITION:], located[:_POSITION] + digest, db=leaves)
            txn.delete(digest, db=older)
    EventIndex(txn, tables).finish(size)

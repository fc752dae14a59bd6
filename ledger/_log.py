"""The ledger's Merkle log (spec/ledger.md §log, spec/anchoring.md): every appended event is
a leaf of one ledger-wide RFC 9162 tree, in append order, written in the append's own write
transaction. The store keeps every complete subtree's hash (as tlog tiles do, one node per
key), so the root at any size and any inclusion or consistency proof take O(log n) reads.

Tables (all in the ledger's one LMDB environment):

    tree          level (1 byte) ‖ index (8 bytes BE)   -> 32-byte subtree hash
    checkpoints   tree size (8) ‖ signer's key id        -> signed note bytes
    anchors       tree size (8) ‖ SHA-256(note) ‖ nonce (8) -> RFC 3161 TimeStampResp (DER)
    cosignatures  tree size (8) ‖ signature line        -> empty
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

import lmdb

from verifier.format import (
    CheckpointRecord,
    CosignatureRecord,
    LogRecord,
    TimestampRecord,
    checkpoint_imprint,
    consistency_proof,
    leaf_hash,
    multi_inclusion_proof,
    node_hash,
    tree_root,
)

LOG_TABLES = (b"tree", b"checkpoints", b"anchors", b"cosignatures")
META_LOG_SIZE = b"log_size"
META_LOG_VERSION = b"log_version"
_U64 = 8
_NODES_HELD = 8_192  # nodes a LogAppender holds before it writes them (about two per leaf)


class StoreInconsistent(Exception):
    """A node the log must hold is missing: the store is damaged."""


def u64(value: int) -> bytes:
    return value.to_bytes(_U64, "big")


class TxnNodes:
    """The stored complete subtrees, read in one transaction (a ``NodeSource``)."""

    def __init__(self, txn: lmdb.Transaction, tables: Mapping[str, Any]) -> None:
        self._txn = txn
        self._tree = tables.get("tree")  # absent in a read-only open of a ledger older than the log

    def subtree(self, level: int, index: int) -> bytes:
        value = self._txn.get(bytes([level]) + u64(index), db=self._tree) if self._tree is not None else None
        if value is None:
            raise StoreInconsistent(f"the log lacks node {level}/{index}: run 'provenote check'")
        return bytes(value)


def log_size(txn: lmdb.Transaction, tables: Mapping[str, Any]) -> int:
    raw = txn.get(META_LOG_SIZE, db=tables["meta"])
    return int.from_bytes(raw, "big") if raw is not None else 0


class LogAppender:
    """Appends leaves within one write transaction; :meth:`finish` stores the new size.

    Keeps the right edge of the tree in memory (the last complete subtree at each level), so an
    append hashes exactly the subtrees it completes — amortised two — and reads nothing: the
    same nodes ``verifier.format.completed_nodes`` defines, with the format core's own leaf and
    node hashes. The nodes are written by :meth:`flush` (one ``putmulti``; :meth:`finish` calls
    it, and an append once 8,192 are held), as nothing reads them before the commit."""

    def __init__(self, txn: lmdb.Transaction, tables: Mapping[str, Any]) -> None:
        self._txn = txn
        self._tree = tables["tree"]
        self._meta = tables["meta"]
        self.size = log_size(txn, tables)
        nodes = TxnNodes(txn, tables)
        # The complete subtree ending at the current size, at each level whose bit is set.
        self._edge = {level: nodes.subtree(level, (self.size >> level) - 1)
                      for level in range(self.size.bit_length()) if self.size >> level & 1}
        self._rows: list[tuple[bytes, bytes]] = []  # (level (1) ‖ index (8), hash), not yet written

    def append(self, event_hash: bytes) -> int:
        """Add the leaf of ``event_hash``; returns its index (which the caller keeps with the
        event: the event index's ``leaves``)."""
        index = self.size
        rows, edge = self._rows, self._edge
        node = leaf_hash(event_hash)
        rows.append((index.to_bytes(9, "big"), node))  # the key level (1) ‖ index (8), at level 0
        level, position = 0, index
        while position & 1:  # a right child completes its parent (RFC 9162 §2.1.1), consuming its sibling
            node = node_hash(edge.pop(level), node)
            level, position = level + 1, position >> 1
            rows.append(((level << 64 | position).to_bytes(9, "big"), node))
        edge[level] = node  # the bits below level were set in the size, so are consumed; this one was clear
        self.size = index + 1
        if len(rows) >= _NODES_HELD:  # a long run of appends: what it holds in memory stays bounded
            self.flush()
        return index

    def flush(self) -> None:
        """Write the nodes appended since the last flush."""
        if self._rows:
            self._txn.cursor(db=self._tree).putmulti(self._rows)
            self._rows = []

    def finish(self) -> None:
        self.flush()
        self._txn.put(META_LOG_SIZE, u64(self.size), db=self._meta)


class LogView:
    """Reads of the log in one snapshot (export, proofs)."""

    def __init__(self, txn: lmdb.Transaction, tables: Mapping[str, Any],
                 locate: Callable[[bytes], bytes | None]) -> None:
        """``locate``: an event's work id ‖ seq ‖ leaf index from its hash (the event index's)."""
        self._txn = txn
        self._tables = tables
        self._locate = locate
        self.nodes = TxnNodes(txn, tables)
        self.available = "tree" in tables and txn.get(META_LOG_VERSION, db=tables["meta"]) is not None

    @property
    def size(self) -> int:
        return log_size(self._txn, self._tables) if self.available else 0

    def root(self, size: int) -> bytes:
        return tree_root(self.nodes, size)

    def nodes_agree(self, leaves: list[bytes]) -> bool:
        """Whether the stored complete subtrees are exactly those of ``leaves`` (leaf hashes in
        order): every node present, each the hash of its two children (``provenote check``)."""
        level, width = 0, len(leaves)
        below = leaves
        expected_nodes = 0
        while width:
            if level:
                below = [node_hash(below[2 * i], below[2 * i + 1]) for i in range(width)]
            for index, value in enumerate(below):
                if self.nodes.subtree(level, index) != value:
                    return False
            expected_nodes += width
            level, width = level + 1, width // 2
        return sum(1 for _ in self._txn.cursor(db=self._tables["tree"]).iternext(values=False)) == expected_nodes

    def leaf_index(self, event_hash: bytes) -> int | None:
        """The event's leaf index: the last 8 bytes of where the index locates it (work ‖ seq ‖ leaf)."""
        raw = self._locate(event_hash) if self.available else None
        return int.from_bytes(raw[40:48], "big") if raw is not None and len(raw) == 48 else None

    def checkpoints(self) -> Iterator[tuple[int, bytes, bytes]]:
        """(size, signer key id, note) of every stored checkpoint, by size then key id."""
        if not self.available:
            return
        for key, note in self._txn.cursor(db=self._tables["checkpoints"]):
            yield int.from_bytes(key[:_U64], "big"), bytes(key[_U64:]), bytes(note)

    def latest(self) -> tuple[int, bytes, bytes] | None:
        """(size, signer key id, note) of the latest checkpoint (see :meth:`notes_of`)."""
        if not self.available:
            return None
        cursor = self._txn.cursor(db=self._tables["checkpoints"])
        if not cursor.last():
            return None
        return self.notes_of(int.from_bytes(cursor.key()[:_U64], "big"))[0]

    def notes_of(self, size: int) -> list[tuple[int, bytes, bytes]]:
        """(size, signer key id, note) of the notes stored for one size: those with a timestamp
        first, then by key id."""
        found = []
        cursor = self._txn.cursor(db=self._tables["checkpoints"])
        if cursor.set_range(u64(size)):
            for key, note in cursor:
                if key[:_U64] != u64(size):
                    break
                found.append((size, bytes(key[_U64:]), bytes(note)))
        found.sort(key=lambda entry: not self.anchors(entry[0], entry[2]))
        return found

    def anchors(self, size: int, note: bytes) -> list[tuple[int, bytes]]:
        """(nonce, response) of every timestamp stored over this note."""
        prefix = u64(size) + checkpoint_imprint(note)
        result = []
        cursor = self._txn.cursor(db=self._tables["anchors"])
        if cursor.set_range(prefix):
            for key, response in cursor:
                if key[:len(prefix)] != prefix:
                    break
                result.append((int.from_bytes(key[len(prefix):], "big"), bytes(response)))
        return result

    def cosignatures(self, size: int) -> list[str]:
        prefix = u64(size)
        result = []
        cursor = self._txn.cursor(db=self._tables["cosignatures"])
        if cursor.set_range(prefix):
            for key in cursor.iternext(keys=True, values=False):
                if key[:_U64] != prefix:
                    break
                result.append(bytes(key[_U64:]).decode("utf-8"))
        return result

    def bundle_records(self, event_hashes: list[bytes]) -> tuple[list[list[Any]], int, set[bytes]]:
        """The log records of a bundle of these events (spec/bundle.md §2.6), the number of
        events the latest checkpoint covers, and the key ids of the keys that signed the
        bundle's checkpoints (they need key cards). No records without a checkpoint."""
        latest = self.latest()
        if latest is None:
            return [], 0, set()
        size, signer, note = latest
        leaves = []
        for event_hash in event_hashes:
            index = self.leaf_index(event_hash)
            if index is None or index >= size:
                break
            leaves.append(index)
        proof = multi_inclusion_proof(self.nodes, size, leaves) if leaves else []
        records: list[list[Any]] = [LogRecord(note, tuple(leaves), tuple(proof)).to_record()]
        notes = {size: note}
        signers = {signer}
        earlier_sizes = sorted({s for s, _, _ in self.checkpoints() if 0 < s < size})
        for earlier in earlier_sizes:
            _, earlier_signer, earlier_note = self.notes_of(earlier)[0]
            notes[earlier] = earlier_note
            signers.add(earlier_signer)
            records.append(CheckpointRecord(earlier_note, tuple(consistency_proof(self.nodes, earlier, size)))
                           .to_record())
        stamps = sorted((TimestampRecord(s, nonce, response) for s, n in notes.items()
                         for nonce, response in self.anchors(s, n)), key=TimestampRecord.sort_key)
        records += [stamp.to_record() for stamp in stamps]
        lines = sorted((CosignatureRecord(s, line) for s in notes for line in self.cosignatures(s)),
                       key=CosignatureRecord.sort_key)
        records += [line.to_record() for line in lines]
        return records, len(leaves), signers

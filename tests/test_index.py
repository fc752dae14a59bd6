"""The event-hash index (spec/ledger.md, "The event-hash index"): appends only append to ``leaves``; the transaction
that brings the tail to 16,384 leaves merges it into ``by_hash``; every lookup (references,
prefixes, snapshots, the log's leaf index, ``check``) finds events in either part; an older
ledger gains the index on its first writable open, and one an older provenote appended to since
is repaired."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path
from typing import Any

import lmdb
import pytest

from ledger import EventDraft, Ledger, LedgerError
from tests.helpers import fixed_signer
from verifier.format import Code, VerificationFailure

ALICE = fixed_signer(1, "alice")
ROOT = Path(__file__).resolve().parents[1]
MERGE_AT = 16_384  # spec/ledger.md, "The event-hash index"


def _generation(name: str) -> EventDraft:
    output = {"sha256": hashlib.sha256(name.encode()).digest(), "size": 1000, "media_type": "audio/wav",
              "duration_ms": 60_000, "name": name}
    return EventDraft("generation", {"model": "m", "outputs": [output],
                                     "digital_source_type": "trainedAlgorithmicMedia"})


def _notes(count: int, prefix: str = "n") -> list[EventDraft]:
    return [EventDraft("note", {}, {"text": f"{prefix}{i}"}) for i in range(count)]


def _raw(path: Path) -> tuple[int, int, int, int]:
    """(the mark, entries in leaf_by_hash, in leaves, in the older by_hash)."""
    env = lmdb.open(str(path), max_dbs=20, readonly=True, lock=False)
    with env.begin() as txn:
        meta, by_hash, leaves, older = (env.open_db(name, txn=txn, create=False)
                                        for name in (b"meta", b"leaf_by_hash", b"leaves", b"by_hash"))
        mark = int.from_bytes(txn.get(b"hashes_indexed", db=meta) or b"", "big")
        counts = [txn.stat(table)["entries"] for table in (by_hash, leaves, older)]
    env.close()
    return mark, counts[0], counts[1], counts[2]


def _edit(path: Path, change: Any) -> None:
    """``change(txn, meta, leaves, leaf_by_hash, by_hash)`` in one write transaction."""
    env = lmdb.open(str(path), max_dbs=20, map_size=1 << 30)
    with env.begin(write=True) as txn:
        change(txn, *(env.open_db(name, txn=txn) for name in (b"meta", b"leaves", b"leaf_by_hash", b"by_hash")))
    env.close()


def _as_an_older_writer_appended(txn: Any, meta: Any, leaves: Any, by_hash: Any, older: Any, count: int) -> None:
    """The last ``count`` events as an older provenote appends them: in by_hash only."""
    cursor = txn.cursor(db=leaves)
    assert cursor.last()
    for _ in range(count):
        key, value = bytes(cursor.key()), bytes(cursor.value())
        txn.put(value[40:], value[:40] + key, db=older)
        txn.delete(key, db=leaves)
        cursor.last()


def _raw_elsewhere(path: Path) -> tuple[int, int, int, int]:
    """:func:`_raw` from another process (this one has the ledger open)."""
    out = subprocess.run([sys.executable, "-c", "import sys; from pathlib import Path; "
                          f"sys.path.insert(0, {str(ROOT)!r}); from tests.test_index import _raw; "
                          f"print(*_raw(Path({str(path)!r})))"], check=True, cwd=ROOT, capture_output=True, text=True)
    mark, by_hash, leaves, older = map(int, out.stdout.split())
    return mark, by_hash, leaves, older


_OLDER_WRITER = """
import sys, lmdb
sys.path.insert(0, {root!r})
from tests.test_index import _as_an_older_writer_appended, _edit
from pathlib import Path
_edit(Path({path!r}), lambda txn, meta, leaves, by_hash, older:
      _as_an_older_writer_appended(txn, meta, leaves, by_hash, older, {count}))
"""


def test_lookups_find_events_on_both_sides_of_a_merge(tmp_path: Path) -> None:
    path = tmp_path / "l"
    with Ledger.init(path) as book:
        work = book.create_work(ALICE, "w").work
        generation = book.append(work, ALICE, _generation("a.wav"))
        first = book.append_batch(work, ALICE, _notes(10_000))
        size = 2 + 10_000
    assert _raw(path) == (0, 0, size, 0)  # all in the tail: nothing merged yet
    with Ledger.open(path) as book:
        with book.snapshot() as view:
            assert view.event(first[5].hash).seq == 7
        second = book.append_batch(work, ALICE, _notes(MERGE_AT - size - 1, "m"))
    assert _raw(path) == (0, 0, MERGE_AT - 1, 0)  # one short of the merge
    with Ledger.open(path) as book:
        last = book.append(work, ALICE, _notes(1, "x")[0])  # the tail reaches 16,384: merged
    assert _raw(path) == (MERGE_AT, MERGE_AT, MERGE_AT, 0)
    with Ledger.open(path) as book:
        tail = book.append_batch(work, ALICE, [*_notes(1, "t"), _generation("b.wav"), *_notes(1, "u")])
        # References to the merged part and to the tail, within one batch that adds to the tail.
        edits = book.append_batch(work, ALICE, [
            EventDraft("parameter-edit", {"of": generation.hash, "params": {"a": 1}, "outputs": []}),
            EventDraft("attestation", {"about": tail[1].hash, "statement": "s"}),
        ])
        book.append(work, ALICE, EventDraft("attestation", {"about": edits[0].hash, "statement": "s"}))
        for appended in (generation, first[0], second[-1], last, tail[2], edits[1]):
            assert book.resolve_event(appended.hash.hex()[:12]) == appended.hash
            with book.snapshot() as view:
                assert view.event(appended.hash).seq == appended.seq
                assert view.log.leaf_index(appended.hash) == appended.seq  # one work: leaves in chain order
        assert book.private_fields(first[3].hash)["text"][1] == "n3"
        assert book.check() == (1, MERGE_AT + 6)
    assert _raw(path) == (MERGE_AT, MERGE_AT, MERGE_AT + 6, 0)


def test_a_long_batch_refused_at_its_end_writes_nothing(tmp_path: Path) -> None:
    """An append writes its rows a table at a time, and a long batch some of them before its end
    (it holds at most 4,096 events in memory): a draft refused after that still leaves every
    table as it was."""
    path = tmp_path / "l"
    with Ledger.init(path) as book:
        work = book.create_work(ALICE, "w").work
        book.append_batch(work, ALICE, _notes(3))
        before = _raw_elsewhere(path)
        dangling = EventDraft("parameter-edit", {"of": bytes(32), "params": {"a": 1}, "outputs": []})
        with pytest.raises(LedgerError, match=r"event 10001 of the batch.*names no earlier event"):
            book.append_batch(work, ALICE, [*_notes(10_000, "x"), dangling])
        assert _raw_elsewhere(path) == before and [s.seq for s in book.chain(work)] == [0, 1, 2, 3]
        assert book.check() == (1, 4)
        assert book.append_batch(work, ALICE, _notes(5_000, "y"))[-1].seq == 5_003
        assert book.check() == (1, 5_004)


def test_a_snapshot_does_not_see_an_event_appended_after_it_began(tmp_path: Path) -> None:
    """The tail is read once across transactions, but each sees only the leaves it began with."""
    with Ledger.init(tmp_path / "l") as book:
        work = book.create_work(ALICE, "w").work
        earlier = book.append(work, ALICE, _generation("a.wav"))
        with book.snapshot() as old:
            assert old.event(earlier.hash).seq == 1
            later = book.append(work, ALICE, _generation("b.wav"))
            assert book.resolve_event(later.hash.hex()[:10]) == later.hash  # a newer snapshot reads it
            with pytest.raises(LedgerError, match="unknown event"):
                old.event(later.hash)
            assert old.log.leaf_index(later.hash) is None
        with pytest.raises(LedgerError, match="names no earlier event"):  # a batch that fails leaves nothing
            book.append_batch(work, ALICE, [*_notes(3), EventDraft("parameter-edit", {"of": bytes(32), "params": {},
                                                                                       "outputs": []})])
        book.append(work, ALICE, EventDraft("attestation", {"about": later.hash, "statement": "s"}))
        assert book.check() == (1, 4)


def test_an_older_ledger_gains_the_index_and_one_an_older_writer_appended_to_is_repaired(tmp_path: Path) -> None:
    path = tmp_path / "l"
    with Ledger.init(path) as book:
        work = book.create_work(ALICE, "w").work
        appended = book.append_batch(work, ALICE, _notes(6))

    def as_before_the_index(txn: Any, meta: Any, leaves: Any, by_hash: Any, older: Any) -> None:
        _as_an_older_writer_appended(txn, meta, leaves, by_hash, older, 7)  # every event in by_hash
        txn.drop(leaves, delete=True)
        txn.drop(by_hash, delete=True)
        txn.delete(b"hashes_indexed", db=meta)

    _edit(path, as_before_the_index)
    with Ledger.open(path, readonly=True) as book:  # read-only: found through by_hash alone
        assert book.resolve_event(appended[2].hash.hex()[:10]) == appended[2].hash
        assert book.check() == (1, 7)
        # Another process's writable open adds the index meanwhile: this open's snapshots see it.
        subprocess.run([sys.executable, "-c", "from pathlib import Path; from ledger import Ledger; "
                        f"Ledger.open(Path({str(path)!r})).close()"],
                       check=True, cwd=ROOT)
        assert book.resolve_event(appended[3].hash.hex()[:10]) == appended[3].hash
        assert book.check() == (1, 7)
    assert _raw(path) == (0, 0, 7, 0)  # the older index's events moved into the tail
    with Ledger.open(path) as book:
        assert book.check() == (1, 7)
        more = book.append_batch(work, ALICE, [_generation("b.wav"), *_notes(1, "m")])
    assert _raw(path) == (0, 0, 9, 0)

    def two_by_an_older_writer(txn: Any, meta: Any, leaves: Any, by_hash: Any, older: Any) -> None:
        _as_an_older_writer_appended(txn, meta, leaves, by_hash, older, 2)

    _edit(path, two_by_an_older_writer)
    with Ledger.open(path, readonly=True) as book:  # read-only: the older writer's events, found in by_hash
        assert book.check() == (1, 9)
        assert book.resolve_event(more[0].hash.hex()[:10]) == more[0].hash
    with Ledger.open(path) as book:  # a writable open moves them
        assert _raw_elsewhere(path) == (0, 0, 9, 0)
        # An older provenote appends while this open waits to append: the append moves them first.
        subprocess.run([sys.executable, "-c", _OLDER_WRITER.format(root=str(ROOT), path=str(path), count=3)],
                       check=True, cwd=ROOT)
        assert _raw_elsewhere(path) == (0, 0, 6, 3)
        book.append(work, ALICE, EventDraft("attestation", {"about": more[0].hash, "statement": "s"}))
        assert _raw_elsewhere(path) == (0, 0, 10, 0)
        assert book.check() == (1, 10)


@pytest.mark.parametrize("damage", ["a leaf missing", "a leaf moved", "an extra hash", "an extra older entry",
                                    "mark too far", "a hash names another leaf"])
def test_check_finds_a_damaged_index(tmp_path: Path, damage: str) -> None:
    path = tmp_path / "l"
    with Ledger.init(path) as book:
        work = book.create_work(ALICE, "w").work
        book.append_batch(work, ALICE, _notes(MERGE_AT + 4))

    def damage_it(txn: Any, meta: Any, leaves: Any, by_hash: Any, older: Any) -> None:
        def leaf(index: int) -> bytes:
            return bytes(txn.get(index.to_bytes(8, "big"), db=leaves))
        if damage == "a leaf missing":
            txn.delete((MERGE_AT + 2).to_bytes(8, "big"), db=leaves)
        elif damage == "a leaf moved":  # a tail leaf says it is where the next one is
            txn.put((MERGE_AT + 1).to_bytes(8, "big"), leaf(MERGE_AT + 2)[:40] + leaf(MERGE_AT + 1)[40:], db=leaves)
        elif damage == "an extra hash":
            txn.put(bytes(32), bytes(8), db=by_hash)
        elif damage == "an extra older entry":
            txn.put(bytes(32), bytes(48), db=older)
        elif damage == "mark too far":
            txn.put(b"hashes_indexed", (MERGE_AT + 9).to_bytes(8, "big"), db=meta)
        else:  # a merged hash names the leaf of another event
            txn.put(leaf(5)[40:], (6).to_bytes(8, "big"), db=by_hash)

    _edit(path, damage_it)
    with Ledger.open(path, readonly=True) as book, pytest.raises(VerificationFailure) as raised:
        book.check()
    assert raised.value.code is Code.LOG_PROOF_INVALID

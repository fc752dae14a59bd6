"""Merkle-log proofs at 1,000 and 1,000,000 leaves, and what the log costs an append (issue 11).

    python bench/proofs.py [--quick]

The ledger's log is one RFC 9162 tree over every appended event (spec/anchoring.md); the store
keeps every complete subtree, so a root or a proof takes O(log n) lookups. This bench prints:

1. In-memory trees (``MemoryTree``, leaf hashes appended) of 1,000 and 1,000,000 leaves: for a
   fixed sample of leaves, the inclusion proof's size (hashes, and bytes: 32 a hash raw, and as
   CBOR in a bundle), the time to generate and to verify one; the same for consistency proofs
   from a sampled earlier size to the whole tree, and for a multi-inclusion proof of k = 100
   leaves spread evenly over the tree (its size against the bound k·log2(n), against
   k·log2(n/k), what evenly spread leaves need, and against k separate inclusion proofs; and the
   size for the latest 100 leaves, clustered). Each figure beside the ratio 1M/1k, which
   O(log n) puts near 2 for sizes and times (not 1,000). Verification is also given in units of
   the raw primitive: verify time / (hashes in the proof × one bare node hash,
   SHA-256(0x01 ‖ left ‖ right), timed in the same round); 1.0 would be the hashing alone. The
   verifier's side holds what a verifier would: each proof decoded from its CBOR (as from a
   bundle), its own copies of the leaf hashes and roots, not references into the tree's heap.
2. The same proofs generated from a real LMDB ledger's stored tree (``Snapshot.log``): a ledger of
   1,000 events and one of 20,000 (1,000,000 without --quick, if building it fits the time
   budget, else as many as fit; the output says which), every event a note appended with
   ``append_batch`` in batches of 1,000; beside them the same proofs from a ``MemoryTree`` of the
   big ledger's own leaves (the stored tree / in-memory ratio). Every proof from the ledger is
   verified against the ledger's root, and the in-memory tree's root must equal it. The page
   cache is warm (the ledger was just written).
3. The append rate with the log against the one before it: the same drafts, by the same signer,
   in batches of 1,000, appended to a fresh ledger as shipped and to one whose
   ``ledger._store.LogAppender`` is swapped, in this process only, for a no-op with the same
   interface (the writer without the log). The two alternate, order swapped each round.

Shared, noisy machine: every figure is the median of several rounds (15 of the proofs, 9 of the
appends; with --quick 9 and 7), and each ratio is the median of per-round ratios of runs made
side by side. Proofs are timed with the garbage collector off, as timeit does. No figure is
asserted.
The last line is one name=value pair:
  inclusion_verify_ratio_1m_1k   time to verify an inclusion proof in a 1,000,000-leaf tree / in a
                                 1,000-leaf tree (O(log n): about 2; linear would be 1,000)
Other ratios (proof sizes, generation, consistency, multiproofs, and tree_append_ratio = events/s
with the log / events/s without it, 1.0 if the log cost nothing) are printed above it.
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import importlib
import math
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any
from unittest import mock

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ledger import EventDraft, Ledger, Signer
from tests.helpers import fixed_signer
from verifier.format import (
    MemoryTree,
    NodeSource,
    consistency_proof,
    decode_cbor,
    encode_cbor,
    inclusion_proof,
    leaf_hash,
    multi_inclusion_proof,
    tree_root,
    verify_consistency,
    verify_inclusion,
    verify_multi_inclusion,
)

# The baseline swaps the writer's private log appender: reached by name, as a bench's test
# double (the project's own code never imports a private module across packages).
store_module = importlib.import_module("ledger._store")

K = 100  # leaves in a multi-inclusion proof
BATCH = 1_000  # events per append_batch
SMALL, LARGE = 1_000, 1_000_000
_NODE_PREFIX = b"\x01"


# -- the raw primitive --------------------------------------------------------------------------


def bare_node_hash_seconds(count: int) -> float:
    """Seconds for one bare node hash, SHA-256(0x01 ‖ left ‖ right), over ``count`` of them."""
    left, right = os.urandom(32), os.urandom(32)
    sha256 = hashlib.sha256
    start = time.perf_counter()
    for _ in range(count):
        left = sha256(_NODE_PREFIX + left + right).digest()
    return (time.perf_counter() - start) / count


# -- proofs -------------------------------------------------------------------------------------


@dataclass
class Subject:
    """A tree to prove from and its fixed workload: sampled leaves, sampled earlier sizes, the
    multiproof's leaves; and the sizes of the proofs, which do not vary between rounds."""

    label: str
    source: NodeSource
    size: int
    leaves: dict[int, bytes]  # the leaf hashes of the sampled leaves, by index
    root: bytes
    indices: list[int]  # inclusion: sampled leaves
    olds: list[int]  # consistency: sampled earlier sizes, each to ``size``
    old_roots: list[bytes]
    spread: list[int]  # multiproof: K leaves spread evenly
    inclusion: list[list[bytes]]  # the proofs, generated once, to verify in each round
    consistency: list[list[bytes]]
    multi: list[bytes]
    sizes: dict[str, float]


def mean_cbor(proofs: Sequence[Sequence[bytes]]) -> float:
    return statistics.fmean(len(encode_cbor(list(proof))) for proof in proofs)


def make_subject(label: str, source: NodeSource, size: int, leaves: Sequence[bytes], samples: int,
                 seed: int, root: bytes | None = None) -> Subject:
    rng = random.Random(seed)
    indices = [rng.randrange(size) for _ in range(samples)]
    olds = [rng.randrange(1, size) for _ in range(samples)]
    spread = [(2 * j + 1) * size // (2 * K) for j in range(K)]
    latest = list(range(size - K, size))
    inclusion = [inclusion_proof(source, i, size) for i in indices]
    consistency = [consistency_proof(source, m, size) for m in olds]
    multi = multi_inclusion_proof(source, size, spread)
    singles = sum(len(inclusion_proof(source, i, size)) for i in spread)
    sizes = {
        "inclusion hashes": statistics.fmean(len(p) for p in inclusion),
        "inclusion hashes max": max(len(p) for p in inclusion),
        "inclusion CBOR bytes": mean_cbor(inclusion),
        "consistency hashes": statistics.fmean(len(p) for p in consistency),
        "consistency hashes max": max(len(p) for p in consistency),
        "consistency CBOR bytes": mean_cbor(consistency),
        "multi hashes": len(multi),
        "multi latest hashes": len(multi_inclusion_proof(source, size, latest)),
        "multi singles hashes": singles,
    }
    sizes["multi CBOR bytes"] = len(encode_cbor(multi))
    root = tree_root(source, size) if root is None else root
    # What a verifier holds: proofs decoded from their CBOR, as from a bundle, and its own copies
    # of the leaf hashes and roots; not references into the tree the proofs came from (whose
    # objects, spread over a large heap, would make the timing one of cache misses).
    return Subject(label, source, size, {i: fresh(leaves[i]) for i in [*indices, *spread]}, fresh(root), indices,
                   olds, [fresh(tree_root(source, m)) for m in olds], spread, [bundled(p) for p in inclusion],
                   [bundled(p) for p in consistency], bundled(multi), sizes)


def fresh(value: bytes) -> bytes:
    return bytes(bytearray(value))


def bundled(proof: list[bytes]) -> list[bytes]:
    """The proof as a verifier reads it from a bundle: decoded from its CBOR encoding."""
    decoded: list[bytes] = decode_cbor(encode_cbor(proof), what="proof")
    return decoded


KINDS = ("inclusion generate", "inclusion verify", "consistency generate", "consistency verify",
         "multi generate", "multi verify")


def time_kind(s: Subject, kind: str, multi_reps: int) -> float:
    """Seconds per proof of one kind, generated or verified, over the subject's workload."""
    n, source, leaves, root = s.size, s.source, s.leaves, s.root
    timer = time.perf_counter
    if kind == "inclusion generate":
        start = timer()
        for i in s.indices:
            inclusion_proof(source, i, n)
        return (timer() - start) / len(s.indices)
    if kind == "inclusion verify":
        start = timer()
        for i, path in zip(s.indices, s.inclusion, strict=True):
            verify_inclusion(i, n, leaves[i], path, root)
        return (timer() - start) / len(s.indices)
    if kind == "consistency generate":
        start = timer()
        for m in s.olds:
            consistency_proof(source, m, n)
        return (timer() - start) / len(s.olds)
    if kind == "consistency verify":
        start = timer()
        for m, old_root, proof in zip(s.olds, s.old_roots, s.consistency, strict=True):
            verify_consistency(m, n, old_root, root, proof)
        return (timer() - start) / len(s.olds)
    if kind == "multi generate":
        start = timer()
        for _ in range(multi_reps):
            multi_inclusion_proof(source, n, s.spread)
        return (timer() - start) / multi_reps
    spread_leaves = [leaves[i] for i in s.spread]
    start = timer()
    for _ in range(multi_reps):
        verify_multi_inclusion(n, s.spread, spread_leaves, s.multi, root)
    return (timer() - start) / multi_reps


@dataclass
class Results:
    subjects: list[Subject]
    times: dict[str, list[dict[str, float]]]  # label -> one dict a round
    bare: list[float]  # seconds per bare node hash, a round

    def median(self, label: str, metric: str) -> float:
        return statistics.median(r[metric] for r in self.times[label])

    def ratio(self, top: str, bottom: str, metric: str) -> float:
        return statistics.median(a[metric] / b[metric]
                                 for a, b in zip(self.times[top], self.times[bottom], strict=True))

    def in_hashes(self, s: Subject, kind: str) -> float:
        """Verify time in units of (hashes in the proof × one bare node hash), median of rounds."""
        hashes = s.sizes[f"{kind} hashes"]
        return statistics.median(r[f"{kind} verify"] / (hashes * bare)
                                 for r, bare in zip(self.times[s.label], self.bare, strict=True))


def run_rounds(subjects: list[Subject], rounds: int, multi_reps: int) -> Results:
    """Each round: a bare hash loop, then each kind timed on every subject side by side (the order
    of the subjects alternating, so that drift cancels), then the bare loop again."""
    results = Results(subjects, {s.label: [] for s in subjects}, [])
    flip = 0
    for _ in range(rounds):
        bare = bare_node_hash_seconds(200_000)
        times: dict[str, dict[str, float]] = {s.label: {} for s in subjects}
        for kind in KINDS:
            flip += 1
            for s in subjects if flip % 2 else subjects[::-1]:
                gc.collect()
                gc.disable()  # as timeit does: a collection over a million-node heap is not a proof's cost
                try:
                    times[s.label][kind] = time_kind(s, kind, multi_reps)
                finally:
                    gc.enable()
        for s in subjects:
            results.times[s.label].append(times[s.label])
        results.bare.append((bare + bare_node_hash_seconds(200_000)) / 2)
    return results


def print_table(title: str, results: Results, ratios: list[tuple[str, str, str]]) -> None:
    """One column a subject, then one a ratio (header, numerator label, denominator label)."""
    subjects = {s.label: s for s in results.subjects}
    width = max(14, *(len(s.label) + 2 for s in results.subjects), *(len(h) + 2 for h, _, _ in ratios))
    print(f"\n{title}")
    print(f"{'':34}" + "".join(f"{s.label:>{width}}" for s in results.subjects)
          + "".join(f"{h:>{width}}" for h, _, _ in ratios))

    def row(name: str, value: Callable[[Subject], float], fmt: str, ratio: Callable[[str, str], float] | None) -> None:
        cells = "".join(f"{value(s):>{width}{fmt}}" for s in results.subjects)
        if ratio is not None:
            cells += "".join(f"{ratio(top, bottom):>{width}.2f}" for _, top, bottom in ratios)
        print(f"{name:34}{cells}")

    def size_row(name: str, key: str, fmt: str = ".2f", scale: float = 1.0) -> None:
        row(name, lambda s: s.sizes[key] * scale, fmt,
            lambda top, bottom: subjects[top].sizes[key] / subjects[bottom].sizes[key])

    def time_row(name: str, metric: str) -> None:
        row(name, lambda s: results.median(s.label, metric) * 1e6, ".1f",
            lambda top, bottom: results.ratio(top, bottom, metric))

    def in_hashes(s: Subject, kind: str) -> float:
        return results.in_hashes(s, kind)

    for kind in ("inclusion", "consistency"):
        size_row(f"{kind}: hashes (mean of sample)", f"{kind} hashes")
        size_row("  hashes, largest in sample", f"{kind} hashes max", ".0f")
        size_row("  bytes, raw (32 a hash)", f"{kind} hashes", ".0f", 32.0)
        size_row("  bytes, CBOR array of bstr", f"{kind} CBOR bytes", ".0f")
        time_row("  generate, µs", f"{kind} generate")
        time_row("  verify, µs", f"{kind} verify")
        row("  verify / (hashes × bare hash)", partial(in_hashes, kind=kind), ".2f", None)
    size_row(f"multi k={K} spread: hashes", "multi hashes", ".0f")
    size_row("  bytes, raw (32 a hash)", "multi hashes", ".0f", 32.0)
    size_row("  bytes, CBOR array of bstr", "multi CBOR bytes", ".0f")
    row("  hashes / (k·log2 n), the bound", lambda s: s.sizes["multi hashes"] / (K * math.log2(s.size)), ".3f", None)
    row("  hashes / (k·log2(n/k))", lambda s: s.sizes["multi hashes"] / (K * math.log2(s.size / K)), ".3f", None)
    row(f"  hashes / {K} separate proofs'", lambda s: s.sizes["multi hashes"] / s.sizes["multi singles hashes"],
        ".3f", None)
    time_row("  generate, µs", "multi generate")
    time_row("  verify, µs", "multi verify")
    size_row(f"multi, the latest {K} leaves: hashes", "multi latest hashes", ".0f")


# -- a real ledger ------------------------------------------------------------------------------


def build_ledger(book: Ledger, signer: Signer, events: int, budget: float | None) -> tuple[int, float, list[float]]:
    """A work of ``events`` events (the genesis, then notes in batches): the events written, the
    seconds taken and each batch's seconds. Stops early, at a whole batch, past ``budget`` s."""
    work = book.create_work(signer, f"bench {events}").work
    written, batch_seconds = 1, []
    start = time.perf_counter()
    while written < events:
        if budget is not None and time.perf_counter() - start > budget:
            break
        size = min(BATCH, events - written)
        batch_start = time.perf_counter()
        book.append_batch(work, signer, [EventDraft("note", {}, {"text": f"note {written + i}"})
                                         for i in range(size)])
        batch_seconds.append(time.perf_counter() - batch_start)
        written += size
    return written, time.perf_counter() - start, batch_seconds


def stored_leaves(view: Any, size: int) -> list[bytes]:
    """The leaf hashes of a ledger's log: its level-0 nodes."""
    nodes = view.nodes
    return [nodes.subtree(0, i) for i in range(size)]


def memory_tree(leaves: Sequence[bytes]) -> MemoryTree:
    tree = MemoryTree()
    for leaf in leaves:
        tree.append(leaf)
    return tree


# -- the append rate with and without the log ---------------------------------------------------


class _NoLog:
    """``LogAppender`` without the log: the writer as it was before the Merkle log. It still
    numbers the events in order, which the event index keys them by (spec/ledger.md)."""

    def __init__(self, txn: Any, tables: Any) -> None:
        self.size = int(txn.stat(tables["leaves"])["entries"])

    def append(self, event_hash: bytes) -> int:
        index = self.size
        self.size += 1
        return index

    def flush(self) -> None:
        pass

    def finish(self) -> None:
        pass


def append_run(path: Path, signer: Signer, batches: list[list[EventDraft]], with_log: bool) -> float:
    """Events per second appending ``batches`` to a fresh ledger at ``path`` (then removed)."""
    events = sum(len(batch) for batch in batches)
    with ExitStack() as stack:
        if not with_log:
            stack.enter_context(mock.patch.object(store_module, "LogAppender", _NoLog))
        book = stack.enter_context(Ledger.init(path))
        work = book.create_work(signer, "append").work
        start = time.perf_counter()
        for batch in batches:
            book.append_batch(work, signer, batch)
        seconds = time.perf_counter() - start
        with book.snapshot() as view:
            logged = view.log.size
        if logged != (events + 1 if with_log else 0):
            raise SystemExit(f"the log holds {logged} leaves after {events + 1} events (with_log={with_log})")
    shutil.rmtree(path)
    return events / seconds


def append_rates(folder: Path, signer: Signer, events: int, rounds: int) -> tuple[list[float], list[float], list[float]]:
    batches = [[EventDraft("note", {}, {"text": f"note {b}.{i}"}) for i in range(BATCH)]
               for b in range(events // BATCH)]
    for with_log in (True, False):  # warm-up, not counted
        append_run(folder / "warm-up", signer, batches[:2], with_log)
    with_rates, without_rates, ratios = [], [], []
    for round_number in range(rounds):
        rate: dict[bool, float] = {}
        for with_log in ((True, False) if round_number % 2 == 0 else (False, True)):
            rate[with_log] = append_run(folder / f"append-{round_number}-{with_log}", signer, batches, with_log)
        with_rates.append(rate[True])
        without_rates.append(rate[False])
        ratios.append(rate[True] / rate[False])
        print(f"round {round_number + 1}: {events:,} events, with the log {rate[True]:,.0f} /s, "
              f"without {rate[False]:,.0f} /s, ratio {rate[True] / rate[False]:.3f}")
    return with_rates, without_rates, ratios


# -- main ---------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="a run under 60 s")
    args = parser.parse_args()
    quick = args.quick
    rounds = 9 if quick else 15
    samples = 1_000 if quick else 3_000
    multi_reps = 10 if quick else 20
    ledger_events = 20_000 if quick else LARGE
    ledger_budget = None if quick else 240.0  # seconds: "a few minutes"
    append_events, append_rounds = (20_000, 7) if quick else (50_000, 9)
    signer = fixed_signer(11)
    started = time.perf_counter()
    print(f"{'--quick: ' if quick else ''}{rounds} rounds, {samples:,} sampled proofs of each kind a tree a round, "
          f"multiproofs x{multi_reps}")

    # 1. In-memory trees of 1,000 and 1,000,000 leaves.
    t = time.perf_counter()
    leaves = [leaf_hash(i.to_bytes(8, "big")) for i in range(LARGE)]
    small_tree, large_tree = memory_tree(leaves[:SMALL]), memory_tree(leaves)
    memory = [make_subject("1,000", small_tree, SMALL, leaves, samples, 1),
              make_subject("1,000,000", large_tree, LARGE, leaves, samples, 2)]
    print(f"built MemoryTrees of {SMALL:,} and {LARGE:,} leaves and the workloads in {time.perf_counter() - t:.1f} s")
    pure = run_rounds(memory, rounds, multi_reps)
    print_table(f"In-memory tree (MemoryTree): per proof, medians of {rounds} rounds", pure,
                [("1M/1k", "1,000,000", "1,000")])
    verify_ratio = pure.ratio("1,000,000", "1,000", "inclusion verify")
    del memory, small_tree, large_tree, leaves

    with tempfile.TemporaryDirectory() as tmp, ExitStack() as stack:
        folder = Path(tmp)
        # 2. Proofs from a real ledger's stored tree.
        small_book = stack.enter_context(Ledger.init(folder / "ledger-small"))
        build_ledger(small_book, signer, SMALL, None)
        big_book = stack.enter_context(Ledger.init(folder / "ledger-big"))
        written, seconds, batch_seconds = build_ledger(big_book, signer, ledger_events, ledger_budget)
        tenth = max(1, len(batch_seconds) // 10)
        first = BATCH * tenth / sum(batch_seconds[:tenth])
        last = BATCH * tenth / sum(batch_seconds[-tenth:])
        print(f"\nbuilt a ledger of {written:,} events in {seconds:.1f} s ({written / seconds:,.0f} events/s; "
              f"first tenth of the batches {first:,.0f} /s, last tenth {last:,.0f} /s), "
              f"{sum(f.stat().st_size for f in (folder / 'ledger-big').iterdir()) / 1e6:,.0f} MB on disk")
        if written < ledger_events:
            print(f"NOTE: a {ledger_events:,}-event ledger does not fit the {ledger_budget:.0f} s budget here: "
                  f"stopped at {written:,} events; the ledger figures below are at that size")
        elif not quick:
            print(f"the {ledger_events:,}-event ledger fits the budget ({ledger_budget:.0f} s)")
        else:
            print(f"--quick: a {ledger_events:,}-event ledger (the full run builds {LARGE:,}, if it fits in "
                  f"{240:.0f} s)")
        small_view = stack.enter_context(small_book.snapshot()).log
        big_view = stack.enter_context(big_book.snapshot()).log
        small_size, big_size = small_view.size, big_view.size
        t = time.perf_counter()
        small_leaves, big_leaves = stored_leaves(small_view, small_size), stored_leaves(big_view, big_size)
        big_memory = memory_tree(big_leaves)
        big_root = big_view.root(big_size)
        if big_memory.root() != big_root or memory_tree(small_leaves).root() != small_view.root(small_size):
            raise SystemExit("the ledger's stored root differs from the root of its own leaves")
        print(f"read the ledgers' leaves and rebuilt the big one's tree in memory in {time.perf_counter() - t:.1f} s: "
              f"the roots agree")
        small_label, big_label, mem_label = (f"ledger {small_size:,}", f"ledger {big_size:,}",
                                             f"memory {big_size:,}")
        stored = [make_subject(small_label, small_view.nodes, small_size, small_leaves, samples, 3),
                  make_subject(big_label, big_view.nodes, big_size, big_leaves, samples, 4, big_root),
                  make_subject(mem_label, big_memory, big_size, big_leaves, samples, 4)]
        real = run_rounds(stored, rounds, multi_reps)  # verifies every proof against the stored root
        short = f"{big_size // 1000:,}k" if big_size < LARGE else "1M"
        print_table(f"A real ledger's stored tree (LMDB) and the same leaves in memory: per proof, medians of "
                    f"{rounds} rounds", real,
                    [(f"{short}/1k", big_label, small_label), ("LMDB/memory", big_label, mem_label)])
        lmdb_gen_ratio = real.ratio(big_label, small_label, "inclusion generate")
        lmdb_over_memory = real.ratio(big_label, mem_label, "inclusion generate")
        stack.close()

        # 3. The append rate with and without the log.
        print(f"\nappend rate, {append_events:,} note events in batches of {BATCH:,} to a fresh ledger, "
              f"with the Merkle log and without it (LogAppender swapped for a no-op), alternating:")
        with_rates, without_rates, ratios = append_rates(folder, signer, append_events, append_rounds)
    with_rate, without_rate = statistics.median(with_rates), statistics.median(without_rates)
    tree_append_ratio = statistics.median(ratios)
    print(f"with the log {with_rate:,.0f} events/s, without {without_rate:,.0f} events/s (medians); "
          f"tree_append_ratio {tree_append_ratio:.3f} (rounds ranged {min(ratios):.3f}-{max(ratios):.3f})")

    big, small = pure.subjects[1], pure.subjects[0]
    print(f"\nsummary (1M/1k unless named): proof_size_ratio {big.sizes['inclusion hashes'] / small.sizes['inclusion hashes']:.2f}, "
          f"inclusion_generate_ratio {pure.ratio('1,000,000', '1,000', 'inclusion generate'):.2f}, "
          f"inclusion_verify_ratio {verify_ratio:.2f}, "
          f"consistency_size_ratio {big.sizes['consistency hashes'] / small.sizes['consistency hashes']:.2f}, "
          f"consistency_verify_ratio {pure.ratio('1,000,000', '1,000', 'consistency verify'):.2f}, "
          f"multi_size_ratio {big.sizes['multi hashes'] / small.sizes['multi hashes']:.2f}, "
          f"ledger_inclusion_generate_ratio_{short}_1k {lmdb_gen_ratio:.2f}, "
          f"ledger_over_memory_generate {lmdb_over_memory:.2f}, tree_append_ratio {tree_append_ratio:.3f}; "
          f"whole run {time.perf_counter() - started:.0f} s")
    print(f"inclusion_verify_ratio_1m_1k={verify_ratio:.2f}")


if __name__ == "__main__":
    main()

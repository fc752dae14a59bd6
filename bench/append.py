"""Append throughput as ratios to a bare libsodium Ed25519 sign loop on the same machine (issues 2, 15).

    python bench/append.py [--quick]

These machines are shared and noisy, so the primitive and the append path are timed in
alternating rounds and each round's ratio uses the sign rate measured right beside it; the
medians are reported. The last line is name=value pairs:
  sign_per_s     bare libsodium Ed25519 signs per second (median of the rounds): what the writer
                 signs with; beside it, OpenSSL's rate (the old baseline) is printed
  single_ratio   durable appends per second, one write transaction (fsync) per event, / sign rate
  batch_ratio    appends per second with the batch API, 1,000 events per transaction, / sign rate
                 (the median round; beside it, batch_mean_ratio: all batches' events over all their
                 time, so the rounds that merge the event-hash index's tail (spec/ledger.md),
                 count at their full cost)
Each event is a note with one private field (a salted commitment): the cheapest real event. The
bare loops sign random messages of the length of such an event's Sig_structure (445 bytes from
seq 256 on), measured after a warm-up batch.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ledger import EventDraft, Ledger
from tests.helpers import fixed_signer
from verifier.format import SigningKey

_SEED = os.urandom(32)
_KEY = SigningKey(_SEED)  # libsodium, as the writer signs
_OPENSSL_KEY = Ed25519PrivateKey.from_private_bytes(_SEED)


def sign_rate(count: int, message: bytes) -> float:
    start = time.perf_counter()
    for _ in range(count):
        _KEY.sign(message)
    return count / (time.perf_counter() - start)


def openssl_sign_rate(count: int, message: bytes) -> float:
    start = time.perf_counter()
    for _ in range(count):
        _OPENSSL_KEY.sign(message)
    return count / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="a run under 60 s")
    args = parser.parse_args()
    rounds = 7 if args.quick else 25
    signer = fixed_signer(9)
    single_ratios, batch_ratios, primitive, batch_seconds = [], [], [], []
    with tempfile.TemporaryDirectory() as tmp, Ledger.init(Path(tmp) / "ledger") as book:
        work = book.create_work(signer, "bench").work
        drafts = [EventDraft("note", {}, {"text": f"batched note {i}"}) for i in range(1_000)]
        last = book.append_batch(work, signer, drafts)[-1]  # a warm-up batch
        # The bare loops sign messages of the length of its last event's Sig_structure.
        message = os.urandom(len(next(s for s in book.chain(work) if s.seq == last.seq).event.signed_bytes()))
        for round_number in range(rounds):
            rate = sign_rate(3_000, message)
            start = time.perf_counter()
            book.append_batch(work, signer, drafts)
            batch_seconds.append(time.perf_counter() - start)
            batch_ratios.append(1_000 / batch_seconds[-1] / rate)
            start = time.perf_counter()
            for i in range(40):
                book.append(work, signer, EventDraft("note", {}, {"text": f"{round_number}.{i}"}))
            single_ratios.append(40 / (time.perf_counter() - start) / rate)
            primitive.append((rate + sign_rate(3_000, message)) / 2)
        works, events = book.check()
        openssl = statistics.median(openssl_sign_rate(3_000, message) for _ in range(5))
    sign = statistics.median(primitive)
    single, batch = statistics.median(single_ratios), statistics.median(batch_ratios)
    batch_mean = 1_000 * rounds / sum(batch_seconds) / sign
    print(f"rounds: {rounds}; ledger check passed: {works} work, {events} events")
    print(f"bare Ed25519 sign, libsodium: {sign:9.0f} /s  (OpenSSL, the old baseline: {openssl:.0f} /s)")
    print(f"append, 1 event per txn:      {single * sign:9.0f} /s  ratio {single:.3f} (fsync per commit)")
    print(f"append_batch, 1,000 per txn:  {batch * sign:9.0f} /s  ratio {batch:.3f} "
          f"(rounds ranged {min(batch_ratios):.3f}-{max(batch_ratios):.3f})")
    print(f"append_batch, all rounds:     {batch_mean * sign:9.0f} /s  ratio {batch_mean:.3f} (every batch's "
          f"events over all their time, the index's merges included)")
    print(f"sign_per_s={sign:.0f} single_ratio={single:.3f} batch_ratio={batch:.3f} batch_mean_ratio={batch_mean:.3f}")


if __name__ == "__main__":
    main()

"""Verifier throughput and memory, as ratios to the raw primitive on the same machine (issue 3).

    python bench/verify.py [--quick]

Builds bundles of note events (100,000 and 20,000; with --quick 20,000 and 5,000), then times,
in each round, a bare loop of N Ed25519 verifies, `provenote-verify FILE --jobs 1`, `--jobs 2`,
`--jobs 1` again and the bare loop again (the verifier as a child process: wall time, start-up
included). A round's ratio is mean(bare) / mean(--jobs 1) and its speed-up mean(--jobs 1) /
--jobs 2: runs that bracket one another, as the speed of this shared machine drifts. The
figures are the medians of the rounds (5, or 3 with --quick).
The bare loop verifies the bundle's own N signatures over their own Sig_structures, with one
key object per signer (as the verifier keeps): the primitive on exactly the verifier's data.
The last line is name=value pairs:
  verify_ratio     bare-loop time / `--jobs 1` wall time, same N (1.0 = only the signature checks)
  jobs2_speedup    `--jobs 1` wall time / `--jobs 2` wall time, same round
  rss_<N>_mb       peak resident set of the verifier process (`--jobs 1`), as the OS counts it:
                   VmHWM of /proc/self/status read as the process ends (every resident page,
                   mapped files included). Not ru_maxrss: Linux carries that high-water mark
                   across fork and exec, so a child would inherit this bench's own footprint.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ledger import (  # noqa: E402
    EventDraft,
    Ledger,
    export_bundle,
)
from tests.helpers import fixed_signer  # noqa: E402

# Runs the verifier exactly as `python -m verifier` does, in this same process, and reports the
# process's peak resident set on the way out.
_WRAPPER = """
import runpy, sys
sys.argv = ["provenote-verify", *sys.argv[1:]]
try:
    runpy.run_module("verifier", run_name="__main__")
finally:
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            sys.stderr.write("peak-rss-kb " + line.split()[1] + "\\n")
"""
VERIFY = [sys.executable, "-c", _WRAPPER]


def build_bundle(folder: Path, events: int) -> Path:
    signer = fixed_signer(4)
    path = folder / f"notes-{events}.bundle"
    with Ledger.init(folder / f"ledger-{events}") as book:
        work = book.create_work(signer, f"bench {events}").work
        remaining = events - 1
        batch = 0
        while remaining > 0:
            size = min(1_000, remaining)
            book.append_batch(work, signer, [EventDraft("note", {}, {"text": f"note {batch}.{i}"})
                                             for i in range(size)])
            remaining -= size
            batch += 1
        export_bundle(book, work, signer, path)
    return path


SignedMaterial = list[tuple[Ed25519PublicKey, bytes, bytes]]


def signed_material(bundle: Path) -> SignedMaterial:
    """Every event's (key, signature, Sig_structure) from the bundle, for the bare loop."""
    import io

    from verifier.format import ItemReader, decode_record, parse_event

    data = bundle.read_bytes()
    keys: dict[bytes, Ed25519PublicKey] = {}
    material = []
    for item in ItemReader(io.BytesIO(data), len(data)):
        kind, record = decode_record(item.content)
        if kind == "event":
            signed = parse_event(record[1])
            signer = signed.payload.signer
            key = keys.setdefault(signer, Ed25519PublicKey.from_public_bytes(signer))
            material.append((key, signed.signature, signed.signed_bytes()))
    return material


def bare_verify_seconds(material: SignedMaterial) -> float:
    start = time.perf_counter()
    for key, signature, message in material:
        key.verify(signature, message)
    return time.perf_counter() - start


def run_verifier(bundle: Path, jobs: int) -> tuple[float, float]:
    """Wall seconds and peak RSS (MiB) of one verifier run; raises if it does not say valid."""
    start = time.perf_counter()
    proc = subprocess.run([*VERIFY, str(bundle), "--jobs", str(jobs)], cwd=ROOT, stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE, text=True, check=False)
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"verifier exited {proc.returncode} on {bundle}: {proc.stderr[-500:]}")
    peak_kb = next(int(line.split()[1]) for line in proc.stderr.splitlines() if line.startswith("peak-rss-kb"))
    return seconds, peak_kb / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="a run under 60 s")
    args = parser.parse_args()
    big, small, rounds = (20_000, 5_000, 3) if args.quick else (100_000, 20_000, 5)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        started = time.perf_counter()
        big_bundle, small_bundle = build_bundle(folder, big), build_bundle(folder, small)
        print(f"built bundles of {big} and {small} note events in {time.perf_counter() - started:.1f} s "
              f"({big_bundle.stat().st_size / 1e6:.1f} MB and {small_bundle.stat().st_size / 1e6:.1f} MB)")
        material = signed_material(big_bundle)
        ratios, speedups, rss_big = [], [], []
        for round_number in range(rounds):
            # bare, --jobs 1, --jobs 2, --jobs 1, bare: each figure compares runs that bracket
            # one another in time, as the speed of this shared machine drifts.
            bare_before = bare_verify_seconds(material)
            one_before, rss = run_verifier(big_bundle, 1)
            two, _ = run_verifier(big_bundle, 2)
            one_after, _ = run_verifier(big_bundle, 1)
            bare = (bare_before + bare_verify_seconds(material)) / 2
            one = (one_before + one_after) / 2
            ratios.append(bare / one)
            speedups.append(one / two)
            rss_big.append(rss)
            print(f"round {round_number + 1}: bare {big} verifies {bare:.2f} s, --jobs 1 {one:.2f} s "
                  f"(ratio {bare / one:.3f}), --jobs 2 {two:.2f} s (speed-up {one / two:.2f}), peak RSS {rss:.0f} MiB")
        _, rss_small = run_verifier(small_bundle, 1)
    ratio, speedup = statistics.median(ratios), statistics.median(speedups)
    print(f"peak RSS: {rss_small:.0f} MiB at {small} events, {max(rss_big):.0f} MiB at {big} events")
    print(f"verify_ratio={ratio:.3f} jobs2_speedup={speedup:.2f} rss_{small // 1000}k_mb={rss_small:.0f} "
          f"rss_{big // 1000}k_mb={max(rss_big):.0f}")


if __name__ == "__main__":
    main()

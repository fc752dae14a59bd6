"""Verifier throughput and memory, as ratios to the raw primitive on the same machine (issues 3, 15).

    python bench/verify.py [--quick]

Builds bundles of note events (100,000 and 20,000; with --quick 20,000 and 5,000), then times,
in each round: a bare loop of N Ed25519 verifies with libsodium (the fastest here), the same
with OpenSSL (`cryptography`, the old baseline), `provenote-verify FILE --jobs 1`, `--jobs 2`,
the verifier with its primitive swapped for OpenSSL ("before": the same code as it verified
before libsodium, same rule), `--jobs 1` again and the bare loops again (the verifier as a child
process: wall time, start-up included). A round's figures compare runs that bracket one another,
as the speed of this shared machine drifts; the results are the medians of the rounds (5, or 3
with --quick). The bare loops verify the bundle's own N signatures over their own
Sig_structures: the primitive on exactly the verifier's data.
The last line is name=value pairs:
  verify_ratio              bare libsodium loop time / `--jobs 1` wall time, same N (1.0 = only
                            the signature checks)
  openssl_loop_ratio        bare OpenSSL loop time / `--jobs 1` wall time (above 1: faster than
                            the old primitive alone could go)
  verify_speedup_vs_before  "before" wall time / `--jobs 1` wall time
  jobs2_speedup             `--jobs 1` wall time / `--jobs 2` wall time, same round
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
from nacl.bindings import crypto_sign_open

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ledger import (  # noqa: E402
    EventDraft,
    Ledger,
    export_bundle,
)
from tests.helpers import PEAK_RSS_VERIFIER, fixed_signer  # noqa: E402

# Runs the verifier exactly as `python -m verifier` does, in this same process, and reports the
# process's peak resident set on the way out.
_WRAPPER = PEAK_RSS_VERIFIER
VERIFY = [sys.executable, "-c", _WRAPPER]
# The same verifier with the primitive swapped for OpenSSL, and the same rule (the key check):
# what verification cost before libsodium.
_BEFORE = """
import functools
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from nacl.bindings import crypto_sign_open
from verifier.format import _ed25519
key = functools.lru_cache(maxsize=4096)(Ed25519PublicKey.from_public_bytes)
def verify(public_key, signature, message):
    if not _ed25519.is_valid_public_key(public_key):
        return False
    try:
        key(public_key).verify(signature, message)
    except (InvalidSignature, ValueError):
        return False
    return True
def invalid_signatures(signed):
    return [i for i, (public_key, message) in enumerate(signed) if not verify(public_key, message[:64], message[64:])]
_ed25519.verify = verify
_ed25519.invalid_signatures = invalid_signatures
""" + _WRAPPER
VERIFY_BEFORE = [sys.executable, "-c", _BEFORE]


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


SignedMaterial = list[tuple[bytes, bytes, bytes]]


def signed_material(bundle: Path) -> SignedMaterial:
    """Every event's (key, signature, Sig_structure) from the bundle, for the bare loop."""
    import io

    from verifier.format import ItemReader, decode_record, parse_event

    data = bundle.read_bytes()
    material = []
    for item in ItemReader(io.BytesIO(data), len(data)):
        kind, record = decode_record(item.content)
        if kind == "event":
            signed = parse_event(record[1])
            material.append((signed.payload.signer, signed.signature, signed.signed_bytes()))
    return material


def bare_sodium_seconds(material: SignedMaterial) -> float:
    """libsodium's verify over the material (crypto_sign_open: the signature, then the message)."""
    start = time.perf_counter()
    for public_key, signature, message in material:
        crypto_sign_open(signature + message, public_key)
    return time.perf_counter() - start


def bare_openssl_seconds(material: SignedMaterial) -> float:
    """OpenSSL's verify over the material, one key object per signer (as the old verifier kept)."""
    keys = {pk: Ed25519PublicKey.from_public_bytes(pk) for pk in {m[0] for m in material}}
    start = time.perf_counter()
    for public_key, signature, message in material:
        keys[public_key].verify(signature, message)
    return time.perf_counter() - start


def run_verifier(bundle: Path, jobs: int, command: list[str] = VERIFY) -> tuple[float, float]:
    """Wall seconds and peak RSS (MiB) of one verifier run; raises if it does not say valid."""
    start = time.perf_counter()
    proc = subprocess.run([*command, str(bundle), "--jobs", str(jobs)], cwd=ROOT, stdout=subprocess.DEVNULL,
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
        ratios, openssl_ratios, before_speedups, speedups, rss_big = [], [], [], [], []
        for round_number in range(rounds):
            # bare loops, --jobs 1, --jobs 2, before, --jobs 1, bare loops: each figure compares
            # runs that bracket one another in time, as the speed of this shared machine drifts.
            sodium = bare_sodium_seconds(material)
            openssl = bare_openssl_seconds(material)
            one_before, rss = run_verifier(big_bundle, 1)
            two, _ = run_verifier(big_bundle, 2)
            before, _ = run_verifier(big_bundle, 1, VERIFY_BEFORE)
            one_after, _ = run_verifier(big_bundle, 1)
            sodium = (sodium + bare_sodium_seconds(material)) / 2
            openssl = (openssl + bare_openssl_seconds(material)) / 2
            one = (one_before + one_after) / 2
            ratios.append(sodium / one)
            openssl_ratios.append(openssl / one)
            before_speedups.append(before / one)
            speedups.append(one / two)
            rss_big.append(rss)
            print(f"round {round_number + 1}: bare {big} verifies libsodium {sodium:.2f} s, OpenSSL {openssl:.2f} s; "
                  f"--jobs 1 {one:.2f} s (ratio {sodium / one:.3f}), before {before:.2f} s "
                  f"(speed-up {before / one:.2f}), --jobs 2 {two:.2f} s (speed-up {one / two:.2f}), "
                  f"peak RSS {rss:.0f} MiB")
        _, rss_small = run_verifier(small_bundle, 1)
    ratio, speedup = statistics.median(ratios), statistics.median(speedups)
    print(f"peak RSS: {rss_small:.0f} MiB at {small} events, {max(rss_big):.0f} MiB at {big} events")
    print(f"verify_ratio={ratio:.3f} openssl_loop_ratio={statistics.median(openssl_ratios):.3f} "
          f"verify_speedup_vs_before={statistics.median(before_speedups):.2f} jobs2_speedup={speedup:.2f} "
          f"rss_{small // 1000}k_mb={rss_small:.0f} rss_{big // 1000}k_mb={max(rss_big):.0f}")


if __name__ == "__main__":
    main()

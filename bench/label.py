"""The cost of provenote's C2PA writer over c2pa-python itself (ledger/_c2pa.py, spec/labels-c2pa-ddex.md).

    python bench/label.py [--quick]

Makes a 16-bit stereo 44.1 kHz WAV file (60 s, about 10.6 MB; with --quick 10 s) and a projection
of 200 actions (with --quick 50): a c2pa.created, then c2pa.edited actions with a time region and
a software agent each, then a c2pa.published; signs with a key of the deterministic test CA. Each
round times, interleaved so that both see the same drift of this shared machine:

  bare     c2pa-python alone: Builder(definition, context) and Builder.sign with a callback signer
           (Ed25519, libsodium) of the same manifest definition, with the same settings, from the
           same source file to a plain output file;
  writer   ledger._c2pa.sign_c2pa of the same manifest on the same file: the same SDK call plus
           what provenote adds (the file type read from its bytes, the check that the chain's leaf
           key is the signer's, a temporary file in the destination folder, fsync, rename);
  label    ledger.labels.write_labels with the C2PA label only, as `provenote label --c2pa` runs it
           once the class is known: the same signing plus the labelled copy put in place (temporary
           file, fsync, rename), both files hashed for their asset references, and the signed
           `label` event appended to a ledger in one durable write transaction;
  bare     again, and the round's bare time is the mean of the two.

Both sign and verify the result (c2pa's verify_after_sign), so each figure includes hashing the
whole file twice. Rounds: 9 (5 with --quick); the results are medians. The last line is
name=value pairs:
  label_ratio     writer time / bare time, same round (1.00 = no overhead over c2pa-python)
  label_event_ratio  label time / bare time, same round: the whole labelling step, event included
  sign_ms         median writer time, milliseconds
  bare_ms         median bare time, milliseconds
  manifest_kb     size of the manifest store c2pa returns, KiB
  file_mb         size of the source WAV, MB (10^6 bytes)
  actions         actions in the manifest
"""

from __future__ import annotations

import argparse
import statistics
import struct
import sys
import tempfile
import time
import wave
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import c2pa  # noqa: E402

from ledger import DraftBuilder, EventDraft, Ledger  # noqa: E402
from ledger.labels import (  # noqa: E402
    LabelPlan,
    ManifestInput,
    ProjectedAction,
    RecordAssertion,
    make_csr,
    make_test_ca,
    manifest_definition,
    sign_c2pa,
    signing_settings,
    write_labels,
)
from tests.helpers import fixed_signer  # noqa: E402

RATE = 44_100


def write_wav(path: Path, seconds: int) -> None:
    """A stereo tone with a slow drift, so no two seconds are alike (c2pa hashes every byte)."""
    frames = bytearray()
    for i in range(RATE * seconds):
        value = (i * 37 + (i >> 9) * 101) % 20_000 - 10_000
        frames += struct.pack("<hh", value, -value)
    with wave.open(str(path), "wb") as audio:
        audio.setnchannels(2)
        audio.setsampwidth(2)
        audio.setframerate(RATE)
        audio.writeframes(bytes(frames))


def projection(count: int, seconds: int) -> ManifestInput:
    actions = [ProjectedAction("c2pa.created", bytes([1]) * 32, "2026-01-01T00:00:00Z", "trainedAlgorithmicMedia",
                               "cue-gen 2.1")]
    for i in range(1, count - 1):
        start = (i * 997) % (seconds * 1000 - 1000)
        actions.append(ProjectedAction("c2pa.edited", i.to_bytes(32, "big"), f"2026-01-01T00:{i // 60 % 60:02d}:{i % 60:02d}Z",
                                       "compositeWithTrainedAlgorithmicMedia", "Reaper 7", ((start, start + 1000),),
                                       custom="melody"))
    actions.append(ProjectedAction("c2pa.published", bytes([2]) * 32, "2026-01-02T00:00:00Z"))
    return ManifestInput(tuple(actions), RecordAssertion(bytes([3]) * 32, bytes([2]) * 32, None, count + 1),
                         "compositeSynthetic", title="bench.wav")


def bare_sign(source: Path, target: Path, definition: dict[str, object], sign: object, chain: str) -> float:
    start = time.perf_counter()
    context = c2pa.Context.from_dict(signing_settings())
    builder = c2pa.Builder(definition, context=context)
    signer = c2pa.Signer.from_callback(sign, c2pa.C2paSigningAlg.ED25519, chain, None)
    with open(source, "rb") as src, open(target, "w+b") as dst:
        builder.sign(signer, "audio/wav", src, dst)
    context.close()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="a 10 s file, 50 actions, 5 rounds (under 60 s)")
    args = parser.parse_args()
    seconds, count, rounds = (10, 50, 5) if args.quick else (60, 200, 9)
    signer = fixed_signer(9, "bench", "composer")
    _, issue = make_test_ca(b"provenote bench/label.py test CA")
    chain = issue(make_csr("bench", signer.info.public_key, signer.sign))
    manifest = projection(count, seconds)
    with tempfile.TemporaryDirectory(prefix="provenote-bench-label-") as folder:
        source = Path(folder) / "bench.wav"
        write_wav(source, seconds)
        definition = manifest_definition(manifest, "bench.wav")
        store = sign_c2pa(source, Path(folder) / "warm.wav", manifest, signer.sign, chain)  # warm-up
        bare_sign(source, Path(folder) / "warm-bare.wav", definition, signer.sign, chain.decode())
        book = Ledger.init(Path(folder) / "ledger")
        work = book.create_work(signer, "bench").work
        (Path(folder) / "bench-master.wav").write_bytes(source.read_bytes())
        master = Path(folder) / "bench-master.wav"
        release = book.append(work, signer, EventDraft("release", {"asset": DraftBuilder(book).asset(master)}))
        plan = LabelPlan(release.hash, "Partly", c2pa=(manifest, chain, None))
        ratios, writers, bares, events = [], [], [], []
        for round_number in range(rounds):
            first = bare_sign(source, Path(folder) / "bare1.wav", definition, signer.sign, chain.decode())
            start = time.perf_counter()
            sign_c2pa(source, Path(folder) / "writer.wav", manifest, signer.sign, chain)
            writer = time.perf_counter() - start
            start = time.perf_counter()
            write_labels(book, work, signer, master, Path(folder) / f"labelled-{round_number}.wav", plan)
            labelled = time.perf_counter() - start
            second = bare_sign(source, Path(folder) / "bare2.wav", definition, signer.sign, chain.decode())
            bare = (first + second) / 2
            ratios.append(writer / bare)
            events.append(labelled / bare)
            writers.append(writer)
            bares.append(bare)
            print(f"round {round_number + 1}: bare {bare * 1000:.1f} ms, writer {writer * 1000:.1f} ms "
                  f"(ratio {writer / bare:.3f}), label with its event {labelled * 1000:.1f} ms "
                  f"(ratio {labelled / bare:.3f})")
        book.close()
        size = source.stat().st_size
    print(f"label_ratio={statistics.median(ratios):.3f} label_event_ratio={statistics.median(events):.3f} "
          f"sign_ms={statistics.median(writers) * 1000:.1f} "
          f"bare_ms={statistics.median(bares) * 1000:.1f} manifest_kb={len(store) / 1024:.1f} "
          f"file_mb={size / 1e6:.1f} actions={count}")


if __name__ == "__main__":
    main()

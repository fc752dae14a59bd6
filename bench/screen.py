"""Pre-release screening: recall, false matches, speed and size of provenote-fp/1 (spec/screening.md),
side by side with Chromaprint's fpcalc on the same corpus.

    python bench/screen.py [--quick] [--corpus DIR]

The corpus is tests/audio_corpus.py's seeded music-like tracks: the catalogue's references are
full-length tracks (60-180 s, 22,050 Hz, written as FLAC), seeds 0..N-1 (N = 1,000, about 33 hours;
with --quick 30). Queries are 30 s MP3 files (128 kbit/s CBR, 44.1 kHz): new material — a track no catalogue
holds — with, for a positive query, a 10 s excerpt of a random reference at a random offset in
both, the whole query shifted +-6 dB and given white noise at 20 dB SNR before encoding.
Negatives are such queries without an excerpt. Two worker processes generate the audio (before
anything is timed); everything timed runs in this one process, on one core. With --corpus DIR
the audio is kept there and reused by the next run (the same seeds give the same files).

Printed figures (the last line is name=value pairs):
  recall             positive queries whose best match (highest score) names the right reference
                     with its query start and reference start both within 0.5 s of the truth,
                     over all positives, against the N-track catalogue (goal >= 0.95)
  offset_recall      the same with only the time offset (reference start - query start) within
                     0.5 s of the truth: the passage found, wherever its ends were put
  positives          how many positive queries (300; --quick 20)
  false_matches      negative queries with any match at all against the N-track catalogue (goal 0)
  negatives          how many negative queries (500; --quick 20)
  wrong_refs         matches, in positive queries, that name a reference other than the truth
  index_x            indexing speed: seconds of reference audio per second of Catalogue.add
                     (hash, decode, resample, landmarks, LMDB write with fsync), one core, over
                     all N references (goal >= 50)
  query_ms_S, query_ms_N
                     Catalogue.match of a 3-minute query's landmarks against catalogues of S and N
                     tracks (S = 100, N = 1,000; --quick 10 and 30): the median of 7 runs, warm
                     page cache (goal <= 1,000 ms at N)
  query_e2e_ms_N     the same query end to end against N tracks: decode the MP3, landmarks, match
  query_growth       query_ms_N / query_ms_S: how the match time grows with the catalogue (N/S
                     tracks is 10x, 3x with --quick; below that is sublinear)
  mb_per_hour        the N-track catalogue's data.mdb size in MB (10^6 bytes) per hour of audio
  rss_mb             peak resident set of this process (VmHWM: generation excluded, as workers
                     do it; the N-track catalogue is memory-mapped and its touched pages count)
  fp_recall, fp_false, fp_x, fp_query_ms
                     Chromaprint (`fpcalc -raw -json -length 0`, default algorithm) on the S-track
                     catalogue with the positives whose reference is among its S tracks (100;
                     --quick 10) and the first negatives (100; --quick 10). Its raw fingerprint
                     is one 32-bit value per 0.124 s; the alignment slides the query's values
                     along each reference and takes, over every offset, the lowest bit error rate
                     of any 40 consecutive overlapping values (5 s); a match is a BER at most
                     0.20 — set after a first run at 0.35 matched every negative of this corpus
                     (positives' best BER is 0.02-0.08 here, unrelated queries' 0.26 and up: the
                     bench prints both, so the threshold can be judged). fp_recall counts a positive whose best reference is the right one with
                     its time offset within 0.5 s of the truth; fp_false counts negatives with a
                     match; fp_x is fpcalc's speed on the references (audio seconds per second of
                     wall time, process start-up and decoding included); fp_query_ms the median
                     time of one query (fpcalc on the 30 s MP3 plus the alignment against S
                     references). provenote-fp/1's figures on exactly those queries against the S
                     catalogue are printed beside them (ours_s_recall, ours_s_offset_recall: the
                     same offset-only criterion as fpcalc's, ours_s_false). Without fpcalc the
                     bench says "fpcalc not installed" and prints fp=not_installed.
"""

from __future__ import annotations

import argparse
import functools
import json
import multiprocessing
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

for _variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")  # one core: no BLAS threads behind numpy

import numpy as np  # noqa: E402
import soundfile  # noqa: E402
from numpy.typing import NDArray  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ledger.screening import Catalogue, Match, decode, landmarks  # noqa: E402
from tests import audio_corpus as corpus  # noqa: E402

TOLERANCE = 0.5  # seconds: a start (or offset) counts as right within this of the truth
QUERY_SECONDS = 30.0
LONG_QUERY_SECONDS = 180.0
FP_ITEM_SECONDS = 4096 / 3 / 11025  # Chromaprint's default: 11,025 Hz, frames of 4096, hop 4096/3
FP_WINDOW = 40  # values (~5 s) over which a bit error rate is taken
FP_MAX_BER = 0.20
_VERSION = "1"  # of the corpus files' naming; bump if tests/audio_corpus.py changes its output


@dataclass(frozen=True)
class Sizes:
    big: int  # references in the large catalogue
    small: int  # in the small one (and Chromaprint's)
    positives: int
    negatives: int
    fp_queries: int  # positives (refs < small) and negatives compared with Chromaprint


FULL = Sizes(big=1000, small=100, positives=300, negatives=500, fp_queries=100)
QUICK = Sizes(big=30, small=10, positives=20, negatives=20, fp_queries=10)


@dataclass(frozen=True)
class QueryFile:
    path: Path
    reference: int | None  # the reference's seed; None for a negative
    query_start: float
    reference_start: float


# -- corpus (worker processes) --------------------------------------------------------------------


def _reference_path(folder: Path, seed: int) -> Path:
    return folder / f"ref-v{_VERSION}-{seed:05d}.flac"


def _make_reference(job: tuple[Path, int]) -> float:
    folder, seed = job
    path = _reference_path(folder, seed)
    if not path.exists():
        temp = path.with_suffix(".part")
        corpus.write_audio(temp, corpus.make_track(seed), format="FLAC")
        temp.replace(path)
    return float(soundfile.info(str(path)).duration)


def _make_query(job: tuple[Path, str, int, int | None, float]) -> QueryFile:
    folder, name, seed, reference, total = job
    path = folder / f"{name}-v{_VERSION}.mp3"
    truth = path.with_suffix(".json")
    if path.exists() and truth.exists():
        known = json.loads(truth.read_text())
        return QueryFile(path, reference, known["query_start"], known["reference_start"])
    samples = None
    if reference is not None:
        samples, _ = soundfile.read(str(_reference_path(folder, reference)), dtype="float32")
    query = corpus.make_query(reference, samples, seed, total=total)
    path.write_bytes(query.mp3)
    truth.write_text(json.dumps({"query_start": query.query_start, "reference_start": query.reference_start}))
    return QueryFile(path, reference, query.query_start, query.reference_start)


# -- measuring ------------------------------------------------------------------------------------


def peak_rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def index(catalogue: Catalogue, paths: list[Path]) -> tuple[float, float]:
    """Add every file; (seconds of audio, seconds of wall time in add)."""
    audio = spent = 0.0
    for path in paths:
        start = time.perf_counter()
        track = catalogue.add(path)
        spent += time.perf_counter() - start
        audio += track.duration_s
    return audio, spent


def end_to_end(catalogue: Catalogue, path: Path) -> list[Match]:
    return catalogue.match(landmarks(decode(path)))


def median_ms(action: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def right(match: Match, query: QueryFile, names: dict[bytes, int], *, offset_only: bool = False) -> bool:
    if names.get(match.reference) != query.reference:
        return False
    if offset_only:
        return abs((match.reference_start - match.query_start) - (query.reference_start - query.query_start)) <= TOLERANCE
    return (abs(match.query_start - query.query_start) <= TOLERANCE
            and abs(match.reference_start - query.reference_start) <= TOLERANCE)


@dataclass
class Scored:
    recall: int = 0
    offset_recall: int = 0
    false: int = 0
    wrong_refs: int = 0
    misses: int = 0


def score_ours(catalogue: Catalogue, positives: list[QueryFile], negatives: list[QueryFile],
               names: dict[bytes, int]) -> Scored:
    scored = Scored()
    for query in positives:
        found = catalogue.match(decode(query.path))
        scored.recall += bool(found) and right(found[0], query, names)
        scored.offset_recall += bool(found) and right(found[0], query, names, offset_only=True)
        scored.wrong_refs += sum(names.get(m.reference) != query.reference for m in found)
        scored.misses += not found
    for query in negatives:
        scored.false += bool(catalogue.match(decode(query.path)))
    return scored


# -- Chromaprint ----------------------------------------------------------------------------------


def fpcalc(path: Path) -> NDArray[np.uint32]:
    proc = subprocess.run(["fpcalc", "-raw", "-json", "-length", "0", str(path)], capture_output=True, text=True,
                          check=False)
    if not proc.stdout.strip():
        raise SystemExit(f"fpcalc failed on {path}: {proc.stderr.strip()[-300:]}")
    return np.array(json.loads(proc.stdout)["fingerprint"], dtype=np.uint32)


_BYTE_BITS = np.array([bin(i).count("1") for i in range(256)], dtype=np.uint8)


def popcount(values: NDArray[np.uint32]) -> NDArray[np.uint8]:
    """Set bits of each 32-bit value (numpy 2's bitwise_count, or a byte table before it)."""
    if hasattr(np, "bitwise_count"):
        return np.asarray(np.bitwise_count(values), dtype=np.uint8)
    as_bytes = values.astype("<u4").view(np.uint8).reshape(*values.shape, 4)
    return np.asarray(_BYTE_BITS[as_bytes].sum(axis=-1), dtype=np.uint8)


def fp_best(query: NDArray[np.uint32], reference: NDArray[np.uint32]) -> tuple[float, int]:
    """The lowest bit error rate of FP_WINDOW consecutive query values against the reference
    values at one offset, over all offsets; and that offset (reference index - query index)."""
    m, n = len(query), len(reference)
    if m < FP_WINDOW or n < FP_WINDOW:
        return 1.0, 0
    errors = np.full((m, n + 2 * m), 32, dtype=np.int32)  # outside the reference: every bit wrong
    errors[:, m:m + n] = popcount(query[:, None] ^ reference[None, :])
    # diagonal[i, c] = errors[i, i + c]: column c is the offset c - m
    diagonal = np.lib.stride_tricks.as_strided(errors, shape=(m, n + m),
                                               strides=(errors.strides[0] + errors.strides[1], errors.strides[1]))
    sums = np.cumsum(diagonal, axis=0)
    windows = sums[FP_WINDOW - 1:].astype(np.int64)
    windows[1:] -= sums[:-FP_WINDOW]
    flat = int(np.argmin(windows))
    row, column = divmod(flat, windows.shape[1])
    return float(windows[row, column]) / (32 * FP_WINDOW), column - m


def chromaprint(references: list[Path], positives: list[QueryFile], negatives: list[QueryFile],
                seeds: list[int]) -> dict[str, float]:
    start = time.perf_counter()
    prints = [fpcalc(path) for path in references]
    spent = time.perf_counter() - start
    audio = sum(float(soundfile.info(str(p)).duration) for p in references)
    recall = false = 0
    times = []
    bers: dict[str, list[float]] = {"positive": [], "negative": []}
    for query in [*positives, *negatives]:
        start = time.perf_counter()
        values = fpcalc(query.path)
        best = min(((*fp_best(values, ref), seed) for ref, seed in zip(prints, seeds, strict=True)),
                   key=lambda found: found[0])
        times.append(time.perf_counter() - start)
        ber, offset, seed = best
        bers["positive" if query.reference is not None else "negative"].append(ber)
        if ber > FP_MAX_BER:
            continue
        if query.reference is None:
            false += 1
        elif seed == query.reference and abs(offset * FP_ITEM_SECONDS
                                             - (query.reference_start - query.query_start)) <= TOLERANCE:
            recall += 1
    print(f"fpcalc: {len(references)} references ({audio / 3600:.2f} h) fingerprinted in {spent:.1f} s "
          f"({audio / spent:.0f}x real time); best BER of positives: median {statistics.median(bers['positive']):.3f}, "
          f"highest {max(bers['positive']):.3f}; of negatives: median {statistics.median(bers['negative']):.3f}, "
          f"lowest {min(bers['negative']):.3f}")
    return {"recall": recall / len(positives), "false": false, "x": audio / spent,
            "query_ms": statistics.median(times) * 1000}


# -- the run --------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="a run under 60 s, smaller catalogues")
    parser.add_argument("--corpus", type=Path, help="keep the generated audio here and reuse it")
    args = parser.parse_args()
    sizes = QUICK if args.quick else FULL
    began = time.perf_counter()
    keep = args.corpus is not None
    work = Path(tempfile.mkdtemp(prefix="provenote-bench-screen-"))
    folder = args.corpus or work / "corpus"
    folder.mkdir(parents=True, exist_ok=True)
    try:
        run(sizes, folder, work, began, reused=keep)
    finally:
        shutil.rmtree(work)


def run(sizes: Sizes, folder: Path, work: Path, began: float, *, reused: bool) -> None:
    rng = np.random.default_rng(20260601)
    positive_refs = [int(rng.integers(0, sizes.small)) if i < sizes.fp_queries else int(rng.integers(0, sizes.big))
                     for i in range(sizes.positives)]
    jobs: list[tuple[Path, str, int, int | None, float]] = [
        (folder, f"pos-{i:04d}", 1_000 + i, ref, QUERY_SECONDS) for i, ref in enumerate(positive_refs)]
    jobs += [(folder, f"neg-{i:04d}", 100_000 + i, None, QUERY_SECONDS) for i in range(sizes.negatives)]
    jobs.append((folder, "long", 999_999, 0, LONG_QUERY_SECONDS))
    existing = sum(_reference_path(folder, seed).exists() for seed in range(sizes.big))
    start = time.perf_counter()
    with multiprocessing.get_context("spawn").Pool(2) as pool:
        durations = pool.map(_make_reference, [(folder, seed) for seed in range(sizes.big)], chunksize=4)
        queries: list[QueryFile] = pool.map(_make_query, jobs, chunksize=4)
    hours = sum(durations) / 3600
    print(f"corpus: {sizes.big} references of 60-180 s ({hours:.1f} h, mean {sum(durations) / sizes.big:.0f} s), "
          f"{sizes.positives} positive and {sizes.negatives} negative {QUERY_SECONDS:.0f} s MP3 queries, "
          f"one {LONG_QUERY_SECONDS:.0f} s query; generated in {time.perf_counter() - start:.0f} s by 2 workers"
          + (f" ({existing} references reused from {folder})" if reused and existing else ""))
    positives = queries[:sizes.positives]
    negatives = queries[sizes.positives:sizes.positives + sizes.negatives]
    long_query = queries[-1]
    references = [_reference_path(folder, seed) for seed in range(sizes.big)]

    with Catalogue.create(work / "small") as small:
        index(small, references[:sizes.small])
    with Catalogue.create(work / "big") as big:
        audio, spent = index(big, references)
    index_x = audio / spent
    size_mb = (work / "big" / "data.mdb").stat().st_size / 1e6
    print(f"indexed {sizes.big} references ({audio / 3600:.2f} h) in {spent:.1f} s on one core: {index_x:.0f}x real "
          f"time; data.mdb {size_mb:.1f} MB = {size_mb / (audio / 3600):.1f} MB per hour of audio")

    marks = landmarks(decode(long_query.path))
    timings: dict[str, float] = {}
    for label, path in (("small", work / "small"), ("big", work / "big")):
        with Catalogue.open(path, readonly=True) as catalogue:
            found = catalogue.match(marks)
            timings[label] = median_ms(functools.partial(catalogue.match, marks), 7)
            if label == "big":
                timings["e2e"] = median_ms(functools.partial(end_to_end, catalogue, long_query.path), 5)
            names = {t.sha256: int(t.name.split("-")[-1].split(".")[0]) for t in catalogue.tracks()}
            hit = bool(found) and right(found[0], long_query, names)
            print(f"3-minute query ({len(marks)} landmarks) against {len(names)} tracks: match {timings[label]:.0f} ms "
                  f"(median of 7, warm cache); its excerpt {'found' if hit else 'NOT found'}")
    growth = timings["big"] / timings["small"]
    print(f"3-minute query end to end against {sizes.big} tracks (decode, landmarks, match): {timings['e2e']:.0f} ms; "
          f"match time grows {growth:.2f}x for {sizes.big // sizes.small}x the tracks")

    with Catalogue.open(work / "big", readonly=True) as catalogue:
        names = {t.sha256: int(t.name.split("-")[-1].split(".")[0]) for t in catalogue.tracks()}
        start = time.perf_counter()
        ours = score_ours(catalogue, positives, negatives, names)
        per_query = (time.perf_counter() - start) / (len(positives) + len(negatives))
    recall = ours.recall / len(positives)
    print(f"against {sizes.big} tracks: recall {ours.recall}/{len(positives)} = {recall:.3f} (best match, both starts "
          f"within {TOLERANCE} s; offset only: {ours.offset_recall}); {ours.misses} positives found nothing; "
          f"false matches {ours.false}/{len(negatives)} negatives; {ours.wrong_refs} wrong-reference matches in "
          f"positives; {per_query * 1000:.0f} ms per 30 s query end to end")

    fp_positives = positives[:sizes.fp_queries]
    fp_negatives = negatives[:sizes.fp_queries]
    with Catalogue.open(work / "small", readonly=True) as catalogue:
        names = {t.sha256: int(t.name.split("-")[-1].split(".")[0]) for t in catalogue.tracks()}
        ours_small = score_ours(catalogue, fp_positives, fp_negatives, names)
    print(f"provenote-fp/1 on the Chromaprint comparison set ({sizes.small} tracks, {len(fp_positives)} positives, "
          f"{len(fp_negatives)} negatives): recall {ours_small.recall / len(fp_positives):.3f}, offset-only "
          f"{ours_small.offset_recall / len(fp_positives):.3f}, false matches {ours_small.false}")
    figures = (f"recall={recall:.3f} offset_recall={ours.offset_recall / len(positives):.3f} positives={len(positives)} "
               f"false_matches={ours.false} negatives={len(negatives)} "
               f"wrong_refs={ours.wrong_refs} index_x={index_x:.0f} query_ms_{sizes.small}={timings['small']:.1f} "
               f"query_ms_{sizes.big}={timings['big']:.1f} query_e2e_ms_{sizes.big}={timings['e2e']:.0f} "
               f"query_growth={growth:.2f} mb_per_hour={size_mb / (audio / 3600):.1f}")
    figures += (f" ours_s_recall={ours_small.recall / len(fp_positives):.3f} "
                f"ours_s_offset_recall={ours_small.offset_recall / len(fp_positives):.3f} "
                f"ours_s_false={ours_small.false}")
    if shutil.which("fpcalc") is None:
        print("fpcalc not installed: no Chromaprint comparison (Debian: apt-get install libchromaprint-tools)")
        figures += " fp=not_installed"
    else:
        fp = chromaprint(references[:sizes.small], fp_positives, fp_negatives, list(range(sizes.small)))
        print(f"Chromaprint on the same set: recall {fp['recall']:.3f} (offset within {TOLERANCE} s), false matches "
              f"{fp['false']}, {fp['x']:.0f}x real time, {fp['query_ms']:.0f} ms per query")
        figures += (f" fp_recall={fp['recall']:.3f} fp_false={fp['false']} fp_x={fp['x']:.0f} "
                    f"fp_query_ms={fp['query_ms']:.0f}")
    print(f"peak RSS {peak_rss_mb():.0f} MiB; the whole run took {time.perf_counter() - began:.0f} s")
    print(figures + f" rss_mb={peak_rss_mb():.0f}")


if __name__ == "__main__":
    main()

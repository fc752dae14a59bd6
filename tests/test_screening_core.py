"""Pre-release screening's core (spec/screening.md): the landmark method provenote-fp/1, decoding,
and the reference catalogue — found excerpts and their offsets, no match for unrelated audio,
clear errors for audio that cannot be screened, the catalogue's identity and method check.

Needs the ``screen`` extra (numpy, scipy, soundfile); without it the module is skipped, and says so.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

np = pytest.importorskip("numpy", reason="the screen extra is not installed: pip install -e '.[screen]'")
pytest.importorskip("scipy", reason="the screen extra is not installed: pip install -e '.[screen]'")
soundfile = pytest.importorskip("soundfile", reason="the screen extra is not installed: pip install -e '.[screen]'")

import lmdb  # noqa: E402
from scipy.signal import resample_poly  # noqa: E402

from ledger import Ledger  # noqa: E402
from ledger.screening import (  # noqa: E402
    METHOD,
    Audio,
    AudioError,
    Catalogue,
    CatalogueError,
    Landmarks,
    Match,
    Track,
    decode,
    landmarks,
)
from tests import audio_corpus as corpus  # noqa: E402

REFERENCES = (11, 12, 13, 14)  # seeds of the catalogue's tracks
SECONDS = 45.0  # short references keep the module fast; the bench uses 60-180 s


@pytest.fixture(scope="module")
def tracks() -> dict[int, corpus.Samples]:
    return {seed: corpus.make_track(seed, SECONDS) for seed in REFERENCES}


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory, tracks: dict[int, corpus.Samples]) -> Path:
    """The references as FLAC files, and a catalogue of them."""
    home = tmp_path_factory.mktemp("screening")
    with Catalogue.create(home / "catalogue") as catalogue:
        for seed, samples in tracks.items():
            catalogue.add(corpus.write_audio(home / f"ref-{seed}.flac", samples), name=f"ref {seed}")
    return home


@pytest.fixture
def catalogue(folder: Path) -> Iterator[Catalogue]:
    with Catalogue.open(folder / "catalogue", readonly=True) as opened:
        yield opened


def write_query(path: Path, query: corpus.Query) -> Path:
    path.write_bytes(query.mp3)
    return path


# -- finding excerpts -----------------------------------------------------------------------------


@pytest.mark.parametrize("seed", REFERENCES[:3])
def test_a_reencoded_gain_shifted_noisy_excerpt_is_found_with_its_offsets(
        seed: int, tracks: dict[int, corpus.Samples], catalogue: Catalogue, tmp_path: Path) -> None:
    query = corpus.make_query(seed, tracks[seed], 100 + seed)
    matches = catalogue.match(decode(write_query(tmp_path / "cue.mp3", query)))
    assert matches, "the excerpt was not found"
    best = matches[0]
    assert best.name == f"ref {seed}"
    assert best.reference == hashlib.sha256((catalogue.path.parent / f"ref-{seed}.flac").read_bytes()).digest()
    assert abs(best.query_start - query.query_start) <= 0.5
    assert abs(best.reference_start - query.reference_start) <= 0.5
    assert 5.0 <= best.duration <= 12.0
    assert best.query_end == pytest.approx(best.query_start + best.duration)
    assert best.reference_end - best.reference_start == pytest.approx(best.duration)
    assert 0.0 < best.ratio <= 1.0 and best.score >= 20
    assert all(m.score <= best.score for m in matches)


def test_landmarks_can_be_matched_directly_and_min_seconds_filters(
        tracks: dict[int, corpus.Samples], catalogue: Catalogue, tmp_path: Path) -> None:
    query = corpus.make_query(REFERENCES[0], tracks[REFERENCES[0]], 7)
    marks = landmarks(decode(write_query(tmp_path / "cue.mp3", query)))
    found = catalogue.match(marks)
    assert found and found[0].name == f"ref {REFERENCES[0]}"
    assert catalogue.match(marks, min_seconds=30.0) == []  # the excerpt is 10 s long
    for bad in (0, -1.0, float("nan"), float("inf"), True, "5"):
        with pytest.raises(CatalogueError, match="min_seconds"):
            catalogue.match(marks, min_seconds=bad)  # type: ignore[arg-type]


def test_unrelated_audio_yields_no_match(catalogue: Catalogue, tmp_path: Path) -> None:
    negative = corpus.make_query(None, None, 4242)
    assert catalogue.match(decode(write_query(tmp_path / "other.mp3", negative))) == []
    unrelated = corpus.write_audio(tmp_path / "unrelated.flac", corpus.make_track(999, 30.0))
    assert catalogue.match(decode(unrelated)) == []


def test_a_reference_matches_itself_from_start_to_end(folder: Path, catalogue: Catalogue) -> None:
    seed = REFERENCES[1]
    found = catalogue.match(decode(folder / f"ref-{seed}.flac"))
    best = found[0]
    assert best.name == f"ref {seed}" and best.ratio > 0.9
    assert best.query_start < 0.5 and best.reference_start == pytest.approx(best.query_start)
    assert best.duration > SECONDS - 3


# -- decoding -------------------------------------------------------------------------------------


@pytest.mark.parametrize("format", ["WAV", "FLAC", "MP3"])
def test_wav_flac_and_mp3_decode_to_mono_at_the_method_rate(format: str, tmp_path: Path) -> None:
    samples = corpus.make_track(21, 8.0)
    path = corpus.write_audio(tmp_path / f"t.{format.lower()}", samples, format=format)
    audio = decode(path)
    assert audio.samples.dtype == np.float32 and audio.samples.ndim == 1
    assert audio.duration_s == pytest.approx(8.0, abs=0.1)
    assert audio.sha256 == hashlib.sha256(path.read_bytes()).digest()
    assert not audio.samples.flags.writeable
    if format != "MP3":  # lossless: exactly resample_poly of the file's samples (22,050 -> 11,025 Hz)
        read, _ = soundfile.read(str(path), dtype="float32")
        expected = resample_poly(read.astype(np.float64), 1, 2).astype(np.float32)
        assert np.array_equal(audio.samples, expected)


def test_stereo_at_48_khz_is_averaged_and_resampled_in_blocks_exactly(tmp_path: Path) -> None:
    """70 s at 48 kHz crosses the decoder's 60 s blocks: the result is resample_poly of the whole."""
    mono = corpus.make_track(22, 70.0, rate=24000)
    left = resample_poly(mono.astype(np.float64), 2, 1)
    stereo = np.stack([left, 0.5 * left[::-1]], axis=1).astype(np.float32)
    path = tmp_path / "stereo.wav"
    soundfile.write(str(path), stereo, 48000, subtype="FLOAT")
    audio = decode(path)
    expected = resample_poly(stereo.mean(axis=1, dtype=np.float64), 147, 640).astype(np.float32)
    assert np.array_equal(audio.samples, expected)


def test_landmarks_are_deterministic_and_well_formed(tracks: dict[int, corpus.Samples]) -> None:
    samples = resample_poly(tracks[REFERENCES[2]].astype(np.float64), 1, 2).astype(np.float32)
    first, second = landmarks(Audio(samples)), landmarks(Audio(samples.copy()))
    assert np.array_equal(first.hashes, second.hashes) and np.array_equal(first.frames, second.frames)
    assert first.hashes.dtype == np.uint32 and first.frames.dtype == np.int32
    assert int(first.hashes.max()) < 1 << 21
    assert np.all(np.diff(first.frames) >= 0)
    assert 30 * SECONDS < len(first) < 150 * SECONDS  # tens of landmarks a second
    dt, f1 = first.hashes & 0x3F, first.hashes >> 13
    assert dt.min() >= 1 and dt.max() <= 63 and f1.min() >= 1 and f1.max() <= 255
    assert not first.hashes.flags.writeable


def test_the_check_vector_of_the_spec() -> None:
    """spec/screening.md §4.4: a signal defined by formula, its landmark count and digest."""
    t = np.arange(6 * 11025) / 11025
    signal = np.zeros(len(t))
    for voice, (base, step, start) in enumerate(((220.0, 0.25, 0.0), (880.0, 0.3, 0.1), (2200.0, 0.35, 0.2))):
        for j in range(int((6 - start) / step)):
            onset = start + step * j
            f = base * 2.0 ** (((3 * j + voice) % 13) / 12.0)
            u = t - onset
            on = u >= 0
            signal[on] += np.exp(-6.0 * u[on]) * (0.2 * np.sin(2 * np.pi * f * u[on])
                                                  + 0.1 * np.sin(2 * np.pi * 2 * f * u[on]))
    marks = landmarks(Audio(signal.astype(np.float32)))
    assert len(marks) == 256
    assert [(int(f), int(h)) for f, h in zip(marks.frames[:5], marks.hashes[:5], strict=True)] == [
        (0, 86496), (0, 88132), (0, 88657), (0, 89310), (0, 90091)]
    packed = b"".join(int(f).to_bytes(4, "big") + int(h).to_bytes(4, "big")
                      for f, h in zip(marks.frames, marks.hashes, strict=True))
    assert hashlib.sha256(packed).hexdigest() == "1fe93aad588bd87cf2ac036a1e6fe9c5d4441ecaff58d05bfe11350a84bd441c"


@pytest.mark.parametrize("seconds", [0.0, 10.0])
def test_a_silent_file_is_too_short_to_screen(seconds: float, tmp_path: Path) -> None:
    path = tmp_path / "silence.wav"
    soundfile.write(str(path), np.zeros(int(seconds * 44100), dtype=np.float32), 44100, subtype="PCM_16")
    with pytest.raises(AudioError, match="too short to screen"):
        decode(path)


def test_a_one_second_file_is_too_short_to_screen(tmp_path: Path) -> None:
    path = corpus.write_audio(tmp_path / "blip.flac", corpus.make_track(23, 1.0))
    with pytest.raises(AudioError, match="too short to screen") as caught:
        decode(path)
    assert "\n" not in str(caught.value) and "blip.flac" in str(caught.value)


def test_audio_that_cannot_be_read_is_a_clear_error(tmp_path: Path) -> None:
    noise = tmp_path / "noise.wav"
    noise.write_bytes(os.urandom(50_000))
    text = tmp_path / "notes.mp3"
    text.write_text("not audio at all\n" * 100)
    truncated = tmp_path / "cut.flac"
    truncated.write_bytes(corpus.write_audio(tmp_path / "whole.flac", corpus.make_track(24, 5.0)).read_bytes()[:60])
    for path in (noise, text, truncated):
        with pytest.raises(AudioError, match=r"cannot decode|too short") as caught:
            decode(path)
        assert "\n" not in str(caught.value)
    with pytest.raises(AudioError, match="not found"):
        decode(tmp_path / "missing.wav")
    with pytest.raises(AudioError, match="not a regular file"):
        decode(tmp_path)
    fifo = tmp_path / "pipe.wav"
    os.mkfifo(fifo)
    with pytest.raises(AudioError, match="not a regular file"):
        decode(fifo)


def test_m4a_without_ffmpeg_says_it_needs_ffmpeg(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "cue.m4a"
    path.write_bytes(b"\x00\x00\x00\x20ftypM4A \x00\x00\x02\x00M4A mp42isom" + bytes(4000))
    monkeypatch.setattr(shutil, "which", lambda name, *a, **k: None)
    with pytest.raises(AudioError, match="needs ffmpeg"):
        decode(path)


@pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="ffmpeg is not installed")
def test_m4a_decodes_through_ffmpeg_when_it_is_installed(tmp_path: Path) -> None:
    import subprocess

    wav = corpus.write_audio(tmp_path / "t.wav", corpus.make_track(25, 6.0), format="WAV")
    m4a = tmp_path / "t.m4a"
    subprocess.run(["ffmpeg", "-v", "error", "-i", str(wav), "-c:a", "aac", "-b:a", "128k", str(m4a)], check=True)
    assert decode(m4a).duration_s == pytest.approx(6.0, abs=0.1)


def test_audio_and_landmarks_validate() -> None:
    with pytest.raises(AudioError, match="float32"):
        Audio(np.zeros(50_000))  # float64
    with pytest.raises(AudioError, match="finite"):
        Audio(np.full(50_000, np.nan, dtype=np.float32))
    with pytest.raises(AudioError, match="SHA-256"):
        Audio(np.ones(50_000, dtype=np.float32), b"short")
    with pytest.raises(ValueError, match="uint32"):
        Landmarks(np.zeros(3, np.int64), np.zeros(3, np.int32), 1.0)
    with pytest.raises(ValueError, match="one length"):
        Landmarks(np.zeros(3, np.uint32), np.zeros(2, np.int32), 1.0)


# -- the catalogue --------------------------------------------------------------------------------


def test_an_empty_catalogue_cannot_be_queried(tmp_path: Path, tracks: dict[int, corpus.Samples]) -> None:
    query = Audio(resample_poly(tracks[REFERENCES[0]].astype(np.float64), 1, 2).astype(np.float32))
    with Catalogue.create(tmp_path / "empty") as catalogue, pytest.raises(CatalogueError, match="empty"):
        catalogue.match(query)


def test_a_catalogue_of_another_method_is_refused(tmp_path: Path) -> None:
    Catalogue.create(tmp_path / "cat").close()
    env = lmdb.open(str(tmp_path / "cat"), max_dbs=8)
    with env.begin(write=True) as txn:
        txn.put(b"method", b"provenote-fp/0", db=env.open_db(b"meta", txn=txn))
    env.close()
    with pytest.raises(CatalogueError, match="provenote-fp/0") as caught:
        Catalogue.open(tmp_path / "cat")
    assert "\n" not in str(caught.value)


def test_create_and_open_refuse_the_wrong_folder(tmp_path: Path) -> None:
    with pytest.raises(CatalogueError, match="no catalogue"):
        Catalogue.open(tmp_path / "nothing")
    Catalogue.create(tmp_path / "cat").close()
    with pytest.raises(CatalogueError, match="already exists"):
        Catalogue.create(tmp_path / "cat")
    assert stat.S_IMODE((tmp_path / "cat").stat().st_mode) == 0o700
    assert stat.S_IMODE((tmp_path / "cat" / "data.mdb").stat().st_mode) == 0o600
    with Catalogue.open(tmp_path / "cat") as catalogue:
        assert catalogue.method == METHOD == "provenote-fp/1"
    Ledger.init(tmp_path / "ledger").close()  # another LMDB store: refused, and left as it was
    tables = _tables(tmp_path / "ledger")
    for readonly in (False, True):
        with pytest.raises(CatalogueError, match="no provenote catalogue"):
            Catalogue.open(tmp_path / "ledger", readonly=readonly)
    assert _tables(tmp_path / "ledger") == tables
    (tmp_path / "junk").mkdir()
    (tmp_path / "junk" / "data.mdb").write_bytes(os.urandom(20_000))
    with pytest.raises(CatalogueError, match="cannot open"):
        Catalogue.open(tmp_path / "junk")


def _tables(folder: Path) -> list[bytes]:
    env = lmdb.open(str(folder), max_dbs=64, readonly=True)
    with env.begin() as txn:
        names = [bytes(key) for key, _ in txn.cursor()]
    env.close()
    return names


def test_identity_is_the_specified_hash_and_ignores_insertion_order(folder: Path, tmp_path: Path) -> None:
    files = [folder / f"ref-{seed}.flac" for seed in REFERENCES[:3]]
    with Catalogue.create(tmp_path / "a") as a, Catalogue.create(tmp_path / "b") as b:
        empty = a.identity
        assert empty == hashlib.sha256(b"provenote-catalogue/1\x00provenote-fp/1\x00").digest()
        for path in files:
            a.add(path)
        seen = {empty}
        for path in reversed(files):
            b.add(path)
            assert b.identity not in seen  # every add changes it
            seen.add(b.identity)
        assert a.identity == b.identity
        shas = sorted(hashlib.sha256(p.read_bytes()).digest() for p in files)
        assert a.identity == hashlib.sha256(b"provenote-catalogue/1\x00provenote-fp/1\x00" + b"".join(shas)).digest()
        before = a.identity
        removed = a.remove(shas[1].hex()[:10])
        assert removed.sha256 == shas[1] and len(a) == 2 and a.identity != before
        a.add(files[[hashlib.sha256(p.read_bytes()).digest() for p in files].index(shas[1])])
        assert a.identity == before


def test_the_same_file_is_indexed_once(folder: Path, tmp_path: Path) -> None:
    original = folder / f"ref-{REFERENCES[0]}.flac"
    copy = tmp_path / "same bytes, other name.flac"
    shutil.copyfile(original, copy)
    stages: list[tuple[str, float]] = []
    with Catalogue.create(tmp_path / "cat") as catalogue:
        first = catalogue.add(original, progress=lambda stage, done: stages.append((stage, done)))
        size = (tmp_path / "cat" / "data.mdb").stat().st_size
        assert catalogue.add(original) == first
        assert catalogue.add(copy, name="another name") == first
        assert len(catalogue) == 1 and catalogue.tracks() == [first]
        assert (tmp_path / "cat" / "data.mdb").stat().st_size == size
    assert first.name == original.name and first.landmarks > 0
    assert first.duration_s == pytest.approx(SECONDS, abs=0.01)
    assert [s for s, _ in stages] == ["hashing", "decoding", "fingerprinting", "indexing", "done"]
    assert [d for _, d in stages] == sorted(d for _, d in stages) and stages[-1][1] == 1.0


def test_tracks_lookup_and_remove(folder: Path, tmp_path: Path, tracks: dict[int, corpus.Samples]) -> None:
    with Catalogue.create(tmp_path / "cat") as catalogue:
        added = [catalogue.add(folder / f"ref-{seed}.flac", name=f"track {9 - i}")
                 for i, seed in enumerate(REFERENCES)]
        assert catalogue.tracks() == sorted(added, key=lambda t: t.name)
        target = added[2]
        assert catalogue.track(target.sha256) == target
        assert catalogue.track(target.sha256.hex()[:8].upper()) == target
        for bad in ("", "xyz", "abc", target.sha256[:5], 42):
            with pytest.raises(CatalogueError):
                catalogue.track(bad)  # type: ignore[arg-type]
        with pytest.raises(CatalogueError, match="no track"):
            catalogue.remove(bytes(32))
        query = Audio(resample_poly(tracks[REFERENCES[2]].astype(np.float64), 1, 2).astype(np.float32))
        assert catalogue.match(query)[0].reference == target.sha256
        assert catalogue.remove(target.sha256) == target
        assert target not in catalogue.tracks() and len(catalogue) == 3
        assert all(m.reference != target.sha256 for m in catalogue.match(query))
        with catalogue._env.begin() as txn:  # every posting of the track is gone
            number = (2).to_bytes(4, "big")
            for _, value in txn.cursor(db=catalogue._db["index"]):
                assert bytes(value)[:4] != number


def test_a_read_only_catalogue_refuses_writes(folder: Path) -> None:
    with Catalogue.open(folder / "catalogue", readonly=True) as catalogue:
        with pytest.raises(CatalogueError, match="read-only"):
            catalogue.add(folder / f"ref-{REFERENCES[0]}.flac")
        with pytest.raises(CatalogueError, match="read-only"):
            catalogue.remove(catalogue.tracks()[0].sha256)


def test_bad_audio_is_not_added(tmp_path: Path) -> None:
    noise = tmp_path / "noise.wav"
    noise.write_bytes(os.urandom(10_000))
    with Catalogue.create(tmp_path / "cat") as catalogue:
        with pytest.raises(AudioError):
            catalogue.add(noise)
        fine = corpus.write_audio(tmp_path / "ok.flac", corpus.make_track(26, 5.0))
        for name in ("", "bad \udc80 name"):
            with pytest.raises(CatalogueError, match="name"):
                catalogue.add(fine, name=name)
        assert len(catalogue) == 0


def test_records_validate() -> None:
    with pytest.raises(CatalogueError):
        Track(b"x", "name", 1.0, 1)
    with pytest.raises(CatalogueError):
        Track(bytes(32), "name", float("nan"), 1)
    with pytest.raises(CatalogueError):
        Match(bytes(32), "n", 2.0, 1.0, 0.0, 1.0, 1.0, 30, 0.5)  # ends before it starts
    with pytest.raises(CatalogueError):
        Match(bytes(32), "n", 0.0, 1.0, 0.0, 1.0, 1.0, 30, 1.5)

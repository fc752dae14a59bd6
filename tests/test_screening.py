"""`provenote catalogue` and `provenote screen` end to end (spec/screening.md): the signed
screening event, the verifier's section, and every class of bad input — one line, exit 2, and
nothing recorded. The fingerprint method itself is tested in tests/test_screening_core.py."""

from __future__ import annotations

import json
import random
import wave
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import Cli, assert_one_line_error

np: Any = pytest.importorskip("numpy", reason="pre-release screening needs the extra provenote[screen]")
pytest.importorskip("scipy")
pytest.importorskip("soundfile")

RATE = 11025
SCALE = [196, 220, 247, 262, 294, 330, 349, 392, 440, 494, 523, 587, 659, 698, 784]


def _tones(notes: list[int], seconds_each: float = 0.25) -> Any:
    t = np.arange(int(RATE * seconds_each)) / RATE
    envelope = np.exp(-3 * t)
    return np.concatenate([envelope * (np.sin(2 * np.pi * f * t) + 0.5 * np.sin(5.4 * np.pi * f * t)) for f in notes])


def _write(path: Path, samples: Any) -> Path:
    with wave.open(str(path), "wb") as audio:
        audio.setnchannels(1)
        audio.setsampwidth(2)
        audio.setframerate(RATE)
        audio.writeframes((samples * 9000).astype("<i2").tobytes())
    return path


@pytest.fixture
def tracks(cli: Cli) -> dict[str, Path]:
    """Two library tracks (20 s, melodies that do not repeat) and a cue that quotes 8 s of the
    first (its 6–14 s) at 12–20 s."""
    melody = random.Random(11)
    first = _tones([melody.choice(SCALE) for _ in range(80)])
    second = _tones([melody.choice(SCALE) for _ in range(80)])
    cue = np.concatenate([_tones([melody.choice(SCALE) for _ in range(48)]), first[6 * RATE:14 * RATE],
                          _tones(SCALE[:12])])
    return {name: _write(cli.home / f"{name}.wav", samples)
            for name, samples in (("library", first), ("other", second), ("cue", cue))}


def _events(cli: Cli, work: str) -> int:
    return len(json.loads(cli("log", work, "--json").out))


def test_screen_finds_the_quoted_passage_and_records_it(cli: Cli, work: str, tracks: dict[str, Path]) -> None:
    added = cli("catalogue", "add", "library.wav", "--catalogue", "refs", "--json")
    assert added.code == 0, added.err
    first = json.loads(added.out)
    assert first["tracks"] == 1 and first["added"][0]["name"] == "library.wav"
    again = json.loads(cli("catalogue", "add", "library.wav", "other.wav", "--catalogue", "refs", "--json").out)
    assert again["tracks"] == 2 and again["identity"] != first["identity"]  # the identity names its tracks
    listed = json.loads(cli("catalogue", "list", "--catalogue", "refs", "--json").out)
    assert listed["method"] == "provenote-fp/1" and len(listed["tracks"]) == 2

    result = cli("screen", work, "--asset", "cue.wav", "--as", "alice", "--catalogue", "refs", "--json")
    assert result.code == 0, result.err
    screened = json.loads(result.out)
    best = screened["matches"][0]
    assert best["name"] == "library.wav"
    assert abs(best["query"][0] - 12.0) <= 0.5 and abs(best["reference_span"][0] - 6.0) <= 0.5
    assert all(m["name"] != "other.wav" for m in screened["matches"])
    assert screened["catalogue"]["identity"] == again["identity"] and screened["catalogue"]["tracks"] == 2

    assert cli("record", "release", work, "--as", "alice", "--asset", "cue.wav").code == 0
    assert cli("export", work, "-o", "w.bundle", "--as", "alice").code == 0
    report = json.loads(cli("verify", "w.bundle", "--json").out)
    assert report["valid"]
    (row,) = report["screening"]["screenings"]
    assert row["method"] == "provenote-fp/1" and row["catalogue"]["identity"] == again["identity"]
    assert abs(row["matches"][0]["query_ms"][0] - 12_000) <= 500
    assert report["screening"]["releases"][0]["screened_before_release"] is True
    # No licence taken in names library.wav: a finding, never a failure.
    assert "screening.unlicensed_match" in [w["code"] for w in report["warnings"]]
    text = cli("verify", "w.bundle").out
    assert "NO licence-in names this track" in text


def test_an_unrelated_file_yields_no_match(cli: Cli, work: str, tracks: dict[str, Path]) -> None:
    assert cli("catalogue", "add", "library.wav", "--catalogue", "refs").code == 0
    result = json.loads(cli("screen", work, "--asset", "other.wav", "--as", "alice", "--catalogue", "refs",
                            "--json").out)
    assert result["matches"] == []


def test_remove_changes_the_identity_and_an_empty_catalogue_is_refused(cli: Cli, work: str,
                                                                       tracks: dict[str, Path]) -> None:
    added = json.loads(cli("catalogue", "add", "library.wav", "--catalogue", "refs", "--json").out)
    prefix = added["added"][0]["sha256"][:12]
    removed = cli("catalogue", "remove", prefix, "--catalogue", "refs")
    assert removed.code == 0 and "0 tracks left" in removed.out
    before = _events(cli, work)
    assert_one_line_error(cli("screen", work, "--asset", "cue.wav", "--as", "alice", "--catalogue", "refs"))
    assert _events(cli, work) == before


@pytest.mark.parametrize("case", ["unreadable", "too-short", "silent", "missing", "folder", "min-seconds",
                                  "no-catalogue", "other-method", "unknown-work"])
def test_bad_input_is_one_line_and_records_nothing(cli: Cli, work: str, tracks: dict[str, Path], case: str) -> None:
    assert cli("catalogue", "add", "library.wav", "--catalogue", "refs").code == 0
    asset, extra, catalogue, target = "cue.wav", [], "refs", work
    if case == "unreadable":
        (cli.home / "text.wav").write_text("this is not audio")
        asset = "text.wav"
    elif case == "too-short":
        asset = str(_write(cli.home / "short.wav", _tones([440, 494], 0.5)))
    elif case == "silent":
        asset = str(_write(cli.home / "silent.wav", np.zeros(RATE * 10)))
    elif case == "missing":
        asset = "nowhere.wav"
    elif case == "folder":
        asset = "refs"
    elif case == "min-seconds":
        extra = ["--min-seconds", "0"]
    elif case == "no-catalogue":
        catalogue = "no-such-catalogue"
    elif case == "other-method":
        import lmdb

        env = lmdb.open(str(cli.home / "refs"), max_dbs=8, subdir=True)
        with env.begin(write=True) as txn:
            meta = env.open_db(b"meta", txn=txn)
            txn.put(b"method", b"provenote-fp/0", db=meta)
        env.close()
    elif case == "unknown-work":
        target = "0123456789abcdef"
    before = _events(cli, work)
    result = cli("screen", target, "--asset", asset, "--as", "alice", "--catalogue", catalogue, *extra)
    assert_one_line_error(result)
    if case in ("too-short", "silent"):
        assert "too short to screen" in result.err
    if case == "other-method":
        assert "provenote-fp/0" in result.err
    assert _events(cli, work) == before


def test_catalogue_add_refuses_bad_files_before_it_changes_anything(cli: Cli, tracks: dict[str, Path]) -> None:
    assert_one_line_error(cli("catalogue", "add", "nowhere.wav", "--catalogue", "refs"))
    assert not (cli.home / "refs").exists()  # not even made
    (cli.home / "text.wav").write_text("this is not audio")
    assert_one_line_error(cli("catalogue", "add", "text.wav", "--catalogue", "refs"))
    assert_one_line_error(cli("catalogue", "add", "library.wav", "other.wav", "--name", "x", "--catalogue", "refs"))
    assert_one_line_error(cli("catalogue", "list", "--catalogue", "missing"))

"""`provenote label`, `provenote ddex` and `provenote key csr/cert` end to end (spec/labels.md):
labels written from the verified record into a copy, one label event each, read back by the
libraries that define them; and what is refused — a label that would understate AI, a file that
is not the release's, a key without a certificate — with one line, exit 2 and nothing recorded."""

from __future__ import annotations

import json
import math
import struct
from pathlib import Path

import pytest

from tests.helpers import Cli, assert_one_line_error

labels = pytest.importorskip("ledger.labels", reason="AI labels need the extras provenote[label,c2pa,ddex]")
pytest.importorskip("c2pa")
pytest.importorskip("lxml")

RATE = 16000


def _music(path: Path, seconds: float) -> Path:
    """A 16-bit mono WAV of changing tones (something to label)."""
    frames = bytearray()
    for i in range(int(RATE * seconds)):
        t = i / RATE
        f = 220 * (1 + (int(t * 4) % 5) / 4)
        frames += struct.pack("<h", int(8000 * math.sin(2 * math.pi * f * t) * math.exp(-2 * (t % 0.25))))
    fmt = struct.pack("<HHIIHH", 1, 1, RATE, RATE * 2, 2, 16)
    body = b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt + b"data" + struct.pack("<I", len(frames)) + frames
    path.write_bytes(b"RIFF" + struct.pack("<I", len(body)) + body)
    return path


@pytest.fixture
def released(cli: Cli, work: str) -> str:
    """A work whose released file (mix.wav) is AI material partly edited by a person: Partly."""
    _music(cli.home / "take.wav", 6)
    _music(cli.home / "mix.wav", 6.5)
    assert cli("record", "generation", work, "--as", "alice", "--model", "cue-gen", "--prompt", "secret prompt xyz",
               "--output", "take.wav").code == 0
    assert cli("record", "human-edit", work, "--as", "alice", "--input", "take.wav", "--output", "mix.wav",
               "--kind", "melody", "--segment", "0-3").code == 0
    assert cli("record", "release", work, "--as", "alice", "--asset", "mix.wav", "--isrc", "CNA0X2600001").code == 0
    return work


def _events(cli: Cli, work: str) -> int:
    return len(json.loads(cli("log", work, "--json").out))


def _certify(cli: Cli, key: str) -> bytes:
    assert cli("key", "csr", key, "-o", f"{key}.csr").code == 0
    root, issue = labels.make_test_ca(b"test-ca-seed-for-label-cli")
    (cli.home / f"{key}-chain.pem").write_bytes(issue((cli.home / f"{key}.csr").read_bytes()))
    attached = cli("key", "cert", key, f"{key}-chain.pem")
    assert attached.code == 0, attached.err
    return bytes(root)


def test_label_writes_every_kind_from_the_record_and_the_verifier_agrees(cli: Cli, released: str) -> None:
    root = _certify(cli, "alice")
    result = cli("label", released, "--asset", "mix.wav", "--as", "alice", "-o", "mix-labelled.wav",
                 "--audible", "both", "--aigc", "--producer", "STUDIO01", "--produce-id", "ID-1", "--c2pa", "--json")
    assert result.code == 0, result.err
    out = json.loads(result.out)
    assert out["contains_ai"] == out["chain_contains_ai"] == "Partly"
    assert [label["kind"] for label in out["labels"]] == ["aigc-audible", "aigc-implicit", "c2pa"]
    labelled = cli.home / "mix-labelled.wav"
    # Read back by the libraries that define the labels.
    text = labels.read_implicit(labelled)
    assert text is not None and json.loads(text)["Label"] == "1"
    assert len(labels.detect_audible(labelled)) == 2
    readout = labels.read_c2pa(labelled, root)
    assert readout.state == "Trusted" and readout.actions[-1].action == "c2pa.published"
    assert b"secret prompt xyz" not in labelled.read_bytes()  # never a prompt in a manifest
    ddex = cli("ddex", released, "--as", "alice", "-o", "sound-recording.xml", "--json")
    assert ddex.code == 0, ddex.err
    assert b"Partly" in (cli.home / "sound-recording.xml").read_bytes()

    assert cli("export", released, "-o", "w.bundle", "--as", "alice").code == 0
    report = json.loads(cli("verify", "w.bundle", "--json").out)
    profile = report["human_involvement"]
    assert report["valid"] and "unlabelled_ai" not in profile["red_flags"]
    assert "label.understates_ai" not in profile["red_flags"]
    assert len(profile["labels"]) == 4 and all(row["agrees"] for row in profile["labels"])
    implicit = next(row for row in profile["labels"] if row["kind"] == "aigc-implicit")
    assert implicit["output_sha256"] == labels_hash(labelled)
    assert (cli.home / "mix.wav").read_bytes() != labelled.read_bytes()  # the release itself was not touched
    # With --assets, the verifier reads the labelled file itself (spec/labels.md §4).
    checked = json.loads(cli("verify", "w.bundle", "--assets", ".", "--json").out)["label_files"]
    status = {check["kind"]: check["status"] for check in checked}
    assert status == {"aigc-audible": "agrees", "aigc-implicit": "agrees", "c2pa": "agrees", "ddex": "not checked"}
    text = cli("verify", "w.bundle", "--assets", ".").out
    assert "aigc-implicit in" in text and ": agrees" in text


def released_in(cli: Cli, work: str, container: str) -> str:
    """A Partly-AI release in ``container`` (FLAC, MP3, WAV, as soundfile writes it): take.EXT
    generated, mix.EXT a human mix of it, released. Returns the suffix."""
    soundfile = pytest.importorskip("soundfile")
    suffix = container.lower()
    data, rate = soundfile.read(str(_music(cli.home / "source.wav", 6)))
    soundfile.write(str(cli.home / f"take.{suffix}"), data, rate, format=container)
    soundfile.write(str(cli.home / f"mix.{suffix}"), data[: rate * 5], rate, format=container)
    assert cli("record", "generation", work, "--as", "alice", "--model", "m", "--prompt", "p",
               "--output", f"take.{suffix}", "--duration", "6").code == 0
    assert cli("record", "human-edit", work, "--as", "alice", "--input", f"take.{suffix}", "--output",
               f"mix.{suffix}", "--kind", "mixing", "--segment", "0-2", "--duration", "5").code == 0
    assert cli("record", "release", work, "--as", "alice", "--asset", f"mix.{suffix}", "--duration", "5").code == 0
    return suffix


@pytest.mark.parametrize("container", ["FLAC", "MP3"])
def test_label_works_on_flac_and_mp3(cli: Cli, work: str, container: str) -> None:
    """The same three labels in a FLAC and an MP3 release: mutagen reads the AIGC JSON back, the
    detector finds the audible label, and C2PA still validates after the tags were written."""
    suffix = released_in(cli, work, container)
    root = _certify(cli, "alice")
    result = cli("label", work, "--asset", f"mix.{suffix}", "--as", "alice", "-o", f"out.{suffix}", "--audible", "end",
                 "--aigc", "--producer", "S", "--produce-id", "I", "--c2pa")
    assert result.code == 0, result.err
    labelled = cli.home / f"out.{suffix}"
    assert json.loads(labels.read_implicit(labelled) or "{}")["Label"] == "1"
    assert len(labels.detect_audible(labelled)) == 1
    assert labels.read_c2pa(labelled, root).state == "Trusted"


def labels_hash(path: Path) -> str:
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("case", ["understates", "aigc-label-2", "not-released", "same-file", "no-producer",
                                  "no-certificate", "nothing-asked", "unknown-work"])
def test_what_label_refuses_is_one_line_and_records_nothing(cli: Cli, released: str, case: str) -> None:
    args = ["label", released, "--asset", "mix.wav", "--as", "alice", "-o", "out.wav"]
    if case == "understates":
        args += ["--aigc", "--producer", "S", "--produce-id", "I", "--contains-ai", "None"]
    elif case == "aigc-label-2":
        args += ["--aigc", "--producer", "S", "--produce-id", "I", "--aigc-label", "2"]
    elif case == "not-released":
        args[4] = "take.wav"
        args += ["--audible", "end"]
    elif case == "same-file":
        args[-1] = "mix.wav"
        args += ["--audible", "end"]
    elif case == "no-producer":
        args += ["--aigc"]
    elif case == "no-certificate":
        args += ["--c2pa"]
    elif case == "unknown-work":
        args[1] = "0123456789abcdef"
        args += ["--audible", "end"]
    before = _events(cli, released)
    result = cli(*args)
    assert_one_line_error(result)
    if case in ("understates", "aigc-label-2"):
        assert "refused" in result.err and "understate" in result.err
    assert _events(cli, released) == before
    assert not (cli.home / "out.wav").exists()


def test_stating_more_ai_than_the_chain_is_allowed(cli: Cli, released: str) -> None:
    result = cli("label", released, "--asset", "mix.wav", "--as", "alice", "-o", "out.wav", "--audible", "end",
                 "--contains-ai", "All", "--json")
    assert result.code == 0, result.err
    assert json.loads(result.out)["contains_ai"] == "All"


def test_a_certificate_for_another_key_is_refused(cli: Cli) -> None:
    assert cli("key", "csr", "bob", "-o", "bob.csr").code == 0
    _root, issue = labels.make_test_ca(b"test-ca-seed-for-label-cli")
    (cli.home / "bob-chain.pem").write_bytes(issue((cli.home / "bob.csr").read_bytes()))
    assert_one_line_error(cli("key", "cert", "alice", "bob-chain.pem"))
    (cli.home / "junk.pem").write_text("not a certificate")
    assert_one_line_error(cli("key", "cert", "alice", "junk.pem"))

"""Asset description: hashes, sizes, media types and durations of files as DAWs write them."""

from __future__ import annotations

import hashlib
import struct
from pathlib import Path

import pytest

from ledger import AssetError, describe_file
from tests.helpers import write_wav


@pytest.mark.parametrize(
    ("fmt", "bits", "channels", "rate", "rf64"),
    [("pcm", 16, 2, 44100, False), ("pcm", 24, 1, 48000, False), ("float", 32, 2, 48000, False),
     ("extensible", 32, 2, 96000, False), ("extensible", 24, 6, 48000, False), ("float", 32, 2, 48000, True)],
)
def test_wav_duration(tmp_path: Path, fmt: str, bits: int, channels: int, rate: int, rf64: bool) -> None:
    path = write_wav(tmp_path / "a.wav", 2.5, rate=rate, channels=channels, bits=bits, fmt=fmt, rf64=rf64)
    ref = describe_file(path)
    assert ref["duration_ms"] == 2500
    assert ref["media_type"] == "audio/wav"
    assert ref["sha256"] == hashlib.sha256(path.read_bytes()).digest()
    assert ref["size"] == path.stat().st_size


def test_stdlib_wave_rejects_what_we_read(tmp_path: Path) -> None:
    import wave

    path = write_wav(tmp_path / "f.wav", 1, fmt="float", bits=32)
    with pytest.raises(wave.Error):
        wave.open(str(path)).close()
    assert describe_file(path)["duration_ms"] == 1000


def test_flac_streaminfo(tmp_path: Path) -> None:
    rate, samples = 44100, 44100 * 3
    packed = (rate << 44) | (1 << 41) | (15 << 36) | samples
    info = struct.pack(">HH", 4096, 4096) + b"\x00" * 6 + packed.to_bytes(8, "big") + bytes(16)
    path = tmp_path / "a.flac"
    path.write_bytes(b"fLaC" + bytes([0x80]) + len(info).to_bytes(3, "big") + info)
    ref = describe_file(path)
    assert ref["media_type"] == "audio/flac" and ref["duration_ms"] == 3000


def test_other_files_take_a_given_duration(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("hi")
    assert "duration_ms" not in describe_file(path)
    assert describe_file(path, duration_seconds=1.25)["duration_ms"] == 1250


def test_missing_and_malformed(tmp_path: Path) -> None:
    with pytest.raises(AssetError):
        describe_file(tmp_path / "nope.wav")
    bad = tmp_path / "bad.wav"
    bad.write_bytes(b"RIFF\x10\x00\x00\x00WAVEdata\x04\x00\x00\x00abcd")
    with pytest.raises(AssetError):
        describe_file(bad)

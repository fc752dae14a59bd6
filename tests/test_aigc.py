"""China's AIGC labels for audio, writer side (ledger/_aigc.py, spec/labels-aigc.md).

The implicit label is read back with mutagen directly (not only through our reader) from WAV,
MP3, FLAC, Ogg Vorbis and a small hand-made M4A; the audible label is found again by the
detector at the start, the end or both, in every container soundfile writes, and the detector
stays silent on synthetic music built to look like it.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import struct
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

np = pytest.importorskip("numpy")
soundfile = pytest.importorskip("soundfile")
pytest.importorskip("mutagen")

from mutagen.flac import FLAC  # noqa: E402
from mutagen.id3 import ID3, TIT2  # noqa: E402
from mutagen.mp4 import MP4, AtomDataType  # noqa: E402
from mutagen.oggvorbis import OggVorbis  # noqa: E402
from mutagen.wave import WAVE  # noqa: E402

from ledger.labels import (  # noqa: E402
    FIELDS,
    GAP_MS,
    LEVEL_DBFS_RMS,
    MP4_KEY,
    UNIT_MS,
    AudibleInfo,
    LabelError,
    aigc_json,
    audible_label_samples,
    check_label_json,
    detect_audible,
    read_implicit,
    write_audible,
    write_implicit,
)

RATE = 44100
LABEL_MS = 1100
SLACK_MS = 50  # the detector's positions are within this of the writer's
LABEL = aigc_json("1", "示例音乐科技有限公司", "NM-2026-0001", "c2hhMjU2OmFiYw")

# (soundfile format, subtype, suffix) of every container the audible label is written into
LOSSLESS = [
    ("WAV", "PCM_16", "wav"),
    ("WAV", "PCM_24", "wav"),
    ("WAV", "FLOAT", "wav"),
    ("FLAC", "PCM_16", "flac"),
]
LOSSY = [("MP3", "MPEG_LAYER_III", "mp3"), ("OGG", "VORBIS", "ogg")]


# -- synthetic audio ------------------------------------------------------------------------------


def _note(freq: float, seconds: float, harmonics: int = 6, level: float = 0.2) -> Any:
    """A note with a sawtooth-like spectrum (harmonic k at 1/k) and a short attack and release."""
    t = np.arange(round(seconds * RATE)) / RATE
    wave = sum(np.sin(2 * np.pi * freq * k * t) / k for k in range(1, harmonics + 1) if freq * k < RATE / 2)
    envelope = np.minimum(1.0, np.minimum(t / 0.01, (seconds - t) / 0.02))
    return level * wave * envelope


def chords(seconds: float = 8.0) -> Any:
    """I-V-vi-IV triads with harmonics, a bass line, a kick on the beat and hi-hat noise (120 bpm)."""
    rng = np.random.default_rng(7)
    roots = [261.63, 392.0, 440.0, 349.23]  # C G A F
    out = np.zeros(round(seconds * RATE))
    for bar in range(int(seconds // 2)):
        root = roots[bar % 4]
        third = root * (2 ** (3 / 12) if bar % 4 == 2 else 2 ** (4 / 12))
        chord = sum(_note(f, 2.0, level=0.08) for f in (root, third, root * 1.5, root * 2))
        chord = chord + _note(root / 2, 2.0, harmonics=3, level=0.15)
        start = bar * 2 * RATE
        out[start : start + len(chord)] += chord
    beat = RATE // 2
    kick = (
        0.5
        * np.sin(2 * np.pi * 60 * np.arange(beat // 2) / RATE)
        * np.exp(-np.arange(beat // 2) / (0.05 * RATE))
    )
    hat = 0.1 * rng.standard_normal(beat // 8) * np.exp(-np.arange(beat // 8) / (0.01 * RATE))
    for start in range(0, len(out) - beat, beat):
        out[start : start + len(kick)] += kick
        out[start + beat // 2 : start + beat // 2 + len(hat)] += hat
    return out


def rhythm_lead(freqs: list[float], harmonics: int, seconds: float = 8.0) -> Any:
    """Notes near 1 kHz in the label's own rhythm — short long short short, 100/300 ms, with the
    label's gaps — over and over: the hardest music for the detector."""
    out = np.zeros(round(seconds * RATE))
    position = 0
    index = 0
    steps = [(0.1, 0.1), (0.3, 0.3), (0.1, 0.1), (0.1, 0.6)]
    while True:
        for length, rest in steps:
            note = _note(freqs[index % len(freqs)], length, harmonics=harmonics, level=0.3)
            if position + len(note) > len(out):
                return out
            out[position : position + len(note)] += note
            position += len(note) + round(rest * RATE)
            index += 1


def noise(seconds: float = 6.0) -> Any:
    """Pink-ish noise with a slow swell."""
    rng = np.random.default_rng(11)
    white = rng.standard_normal(round(seconds * RATE))
    pink = np.cumsum(white) * 0.002
    pink -= np.convolve(pink, np.ones(2001) / 2001, mode="same")
    return 0.3 * pink / np.abs(pink).max() * (0.5 + 0.5 * np.sin(np.linspace(0, np.pi, len(pink))))


MUSIC: dict[str, Callable[[], Any]] = {
    "chords": chords,
    "saw-lead-near-1k": lambda: rhythm_lead([987.77, 1046.5, 493.88, 1174.66], harmonics=6),
    "sine-lead-near-1k": lambda: rhythm_lead([987.77, 1046.5, 1108.73, 932.33], harmonics=1),
    "noise": noise,
}


def write_audio(
    path: Path, mono: Any, fmt: str = "WAV", subtype: str = "PCM_16", channels: int = 2, rate: int = RATE
) -> Path:
    data = np.stack([mono * (1.0 - 0.2 * c) for c in range(channels)], axis=1) if channels > 1 else mono
    soundfile.write(str(path), data, rate, subtype=subtype, format=fmt)
    return path


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# -- a hand-made M4A ------------------------------------------------------------------------------


def _atom(name: bytes, *children: bytes) -> bytes:
    payload = b"".join(children)
    return struct.pack(">I", 8 + len(payload)) + name + payload


def _full(name: bytes, payload: bytes) -> bytes:
    return _atom(name, b"\x00\x00\x00\x00", payload)  # version 0, no flags


def m4a(path: Path, payload: bytes = b"\x21\x10\x04\x60\x8c\x1c" * 8) -> Path:
    """A structurally valid M4A (ISO base media, brand 'M4A '): one AAC ('mp4a') sound track of one
    sample in one chunk, whose bytes are ``payload`` in 'mdat' and whose 'stco' points at them.
    mutagen cannot create an MP4 from nothing and the test needs no encoder, so it is built here.
    The payload is not a real AAC frame: the file is for tagging, not for playing."""
    matrix = struct.pack(">9I", 0x10000, 0, 0, 0, 0x10000, 0, 0, 0, 0x40000000)
    mvhd = _full(
        b"mvhd",
        struct.pack(">IIIIIH", 0, 0, RATE, 1024, 0x10000, 0x100)
        + bytes(10)
        + matrix
        + bytes(24)
        + struct.pack(">I", 2),
    )
    tkhd = _full(
        b"tkhd",
        struct.pack(">IIIII", 0, 0, 1, 0, 1024)
        + bytes(8)
        + struct.pack(">hhHH", 0, 0, 0x100, 0)
        + matrix
        + bytes(8),
    )
    mdhd = _full(b"mdhd", struct.pack(">IIIIHH", 0, 0, RATE, 1024, 0x55C4, 0))
    hdlr = _full(b"hdlr", struct.pack(">I", 0) + b"soun" + bytes(12) + b"SoundHandler\x00")
    # an ES descriptor: AAC (0x40) audio, AAC-LC at 44.1 kHz stereo (0x1210), SL config 2
    config = bytes([0x40, 0x15, 0, 0, 0]) + struct.pack(">II", 128000, 128000) + b"\x05\x02\x12\x10"
    es = struct.pack(">HB", 1, 0) + bytes([0x04, len(config)]) + config + b"\x06\x01\x02"
    esds = _full(b"esds", bytes([0x03, len(es)]) + es)
    entry = _atom(
        b"mp4a",
        bytes(6),
        struct.pack(">H", 1),
        bytes(8),
        struct.pack(">HHHHI", 2, 16, 0, 0, RATE << 16),
        esds,
    )
    stsd = _full(b"stsd", struct.pack(">I", 1) + entry)
    stts = _full(b"stts", struct.pack(">III", 1, 1, 1024))
    stsc = _full(b"stsc", struct.pack(">IIII", 1, 1, 1, 1))
    stsz = _full(b"stsz", struct.pack(">III", 0, 1, len(payload)))
    smhd = _full(b"smhd", struct.pack(">hH", 0, 0))
    dinf = _atom(b"dinf", _full(b"dref", struct.pack(">I", 1) + _atom(b"url ", b"\x00\x00\x00\x01")))
    ftyp = _atom(b"ftyp", b"M4A ", struct.pack(">I", 0), b"M4A mp42isom")

    def build(offset: int) -> bytes:
        stco = _full(b"stco", struct.pack(">II", 1, offset))
        stbl = _atom(b"stbl", stsd, stts, stsc, stsz, stco)
        trak = _atom(b"trak", tkhd, _atom(b"mdia", mdhd, hdlr, _atom(b"minf", smhd, dinf, stbl)))
        return ftyp + _atom(b"moov", mvhd, trak)

    head = build(0)
    head = build(len(head) + 8)
    path.write_bytes(head + _atom(b"mdat", payload))
    return path


def m4a_payload(path: Path) -> bytes:
    """The bytes the M4A's one 'stco' entry points at (the length is known to the test)."""
    data = path.read_bytes()
    at = data.index(b"stco")
    (offset,) = struct.unpack(">I", data[at + 12 : at + 16])
    return data[offset : offset + 48]


# -- the JSON -------------------------------------------------------------------------------------


@pytest.mark.parametrize("label", ["1", "2", "3"])
def test_aigc_json_is_the_seven_fields_in_order_compact_and_utf8(label: str) -> None:
    text = aigc_json(label, "示例音乐", "P-1", "", "平台", "D-9", "sig")
    assert text == (
        f'{{"Label":"{label}","ContentProducer":"示例音乐","ProduceID":"P-1","ReservedCode1":"",'
        '"ContentPropagator":"平台","PropagateID":"D-9","ReservedCode2":"sig"}'
    )
    assert list(json.loads(text)) == list(FIELDS)
    check_label_json(text)


def test_aigc_json_defaults_the_propagation_fields_to_empty() -> None:
    assert json.loads(aigc_json("1", "p", "i", "r")) == dict.fromkeys(FIELDS, "") | {
        "Label": "1",
        "ContentProducer": "p",
        "ProduceID": "i",
        "ReservedCode1": "r",
    }


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("0", "p", "i", ""), "Label must be one of"),
        (("4", "p", "i", ""), "Label must be one of"),
        (("", "p", "i", ""), "Label must be one of"),
        ((1, "p", "i", ""), "must be a string"),
        (("1", "", "i", ""), "ContentProducer must not be empty"),
        (("1", "p", "", ""), "ProduceID must not be empty"),
        (("1", "p", "i", None), "ReservedCode1 must be a string"),
        (("1", "p\n", "i", ""), "white space"),
        (("1", "p\nq", "i", ""), "U+000A"),
        (("1", "p", "i\x00j", ""), "U+0000"),
        (("1", "p", "i", "a\x7fb"), "U+007F"),
        (("1", "p\u202eq", "i", ""), "U+202E"),
        (("1", "p", "i\ud800j", ""), "U+D800"),
        (("1", " p", "i", ""), "white space"),
        (("1", "p", "i", "x" * 1025), "1025 characters"),
        (("1", "p", "i", "", "", "D-1"), "need a ContentPropagator"),
        (("1", "p", "i", "", "", "", "sig"), "need a ContentPropagator"),
    ],
)
def test_aigc_json_refuses_bad_fields_in_one_line(args: tuple[Any, ...], words: str) -> None:
    with pytest.raises(LabelError) as caught:
        aigc_json(*args)
    assert words in str(caught.value)
    assert "\n" not in str(caught.value)


def test_aigc_json_takes_the_longest_field() -> None:
    assert json.loads(aigc_json("1", "p", "i", "x" * 1024))["ReservedCode1"] == "x" * 1024


@pytest.mark.parametrize(
    "text",
    [
        json.dumps(
            dict(zip(FIELDS, ["1", "p", "i", "", "", "", ""], strict=True)), ensure_ascii=False
        ),  # spaces
        '{"AIGC":' + LABEL + "}",  # wrapped
        LABEL.replace('"Label":"1","ContentProducer"', '"ContentProducer"').replace(
            ',"ProduceID"', ',"Label":"1","ProduceID"', 1
        ),
        LABEL[:-1] + ',"Extra":""}',
        LABEL.replace('"ReservedCode2":""', '"ReservedCode2":"","ReservedCode2":""'),
        LABEL.replace('"Label":"1"', '"Label":1'),
        LABEL.replace("示例", "\\u793a\\u4f8b"),  # ASCII-escaped
        "not json",
        "",
    ],
)
def test_write_implicit_takes_only_what_aigc_json_writes(tmp_path: Path, text: str) -> None:
    src = write_audio(tmp_path / "a.wav", chords(1.0))
    with pytest.raises(LabelError):
        write_implicit(src, tmp_path / "b.wav", text)
    assert not (tmp_path / "b.wav").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.wav"]


# -- the implicit label in each container ---------------------------------------------------------


def _make(kind: str, path: Path) -> Path:
    if kind == "wav":
        return write_audio(path, chords(1.0))
    if kind == "mp3":
        return write_audio(path, chords(1.0), "MP3", "MPEG_LAYER_III")
    if kind == "flac":
        return write_audio(path, chords(1.0), "FLAC", "PCM_24")
    if kind == "ogg":
        return write_audio(path, chords(1.0), "OGG", "VORBIS")
    return m4a(path)


def _mutagen_values(kind: str, path: Path) -> list[str]:
    """The label as mutagen reads it, independently of ledger._aigc's reader."""
    if kind == "wav":
        frames = WAVE(path).tags.getall("TXXX:AIGC")
        assert all(frame.encoding == 3 for frame in frames)  # UTF-8
        return [text for frame in frames for text in frame.text]
    if kind == "mp3":
        tags = ID3(path)
        assert tags.version == (2, 4, 0)
        return [text for frame in tags.getall("TXXX:AIGC") for text in frame.text]
    if kind in ("flac", "ogg"):
        audio = FLAC(path) if kind == "flac" else OggVorbis(path)
        return list(audio["AIGC"])
    items = MP4(path).tags[MP4_KEY]
    assert all(item.dataformat == AtomDataType.UTF8 for item in items)
    return [bytes(item).decode("utf-8") for item in items]


def _same_audio(kind: str, a: Path, b: Path) -> None:
    if kind == "m4a":
        assert m4a_payload(a) == m4a_payload(b)
        assert MP4(b).info.sample_rate == RATE
        return
    left, left_rate = soundfile.read(str(a), dtype="float32")
    right, right_rate = soundfile.read(str(b), dtype="float32")
    assert left_rate == right_rate
    assert np.array_equal(left, right)


@pytest.mark.parametrize("kind", ["wav", "mp3", "flac", "ogg", "m4a"])
def test_the_implicit_label_reads_back_exactly_and_the_source_is_untouched(tmp_path: Path, kind: str) -> None:
    src = _make(kind, tmp_path / f"take.{kind}")
    before = digest(src)
    dst = tmp_path / f"labelled.{kind}"
    write_implicit(src, dst, LABEL)
    assert digest(src) == before
    assert _mutagen_values(kind, dst) == [LABEL]
    assert read_implicit(dst) == LABEL
    assert read_implicit(src) is None
    _same_audio(kind, src, dst)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([src.name, dst.name])  # no temporary left


def test_wav_holds_the_label_in_an_id3_chunk(tmp_path: Path) -> None:
    dst = tmp_path / "b.wav"
    write_implicit(write_audio(tmp_path / "a.wav", chords(1.0)), dst, LABEL)
    data = dst.read_bytes()
    assert data[:4] == b"RIFF" and data[8:12] == b"WAVE"
    at = data.index(b"id3 ")
    assert data[at + 8 : at + 11] == b"ID3" and data[at + 11] == 4  # ID3v2.4 in the chunk
    assert b"TXXX" in data[at:] and ("AIGC\x00" + LABEL).encode() in data[at:]


@pytest.mark.parametrize("kind", ["wav", "mp3", "flac", "ogg", "m4a"])
def test_labelling_again_leaves_one_label_and_keeps_other_metadata(tmp_path: Path, kind: str) -> None:
    src = _make(kind, tmp_path / f"a.{kind}")
    if kind == "mp3":
        tags = ID3()
        tags.add(TIT2(encoding=3, text=["Night Market"]))
        tags.save(src)
    elif kind in ("flac", "ogg"):
        audio = FLAC(src) if kind == "flac" else OggVorbis(src)
        audio["TITLE"] = ["Night Market"]
        audio["aigc"] = ["an old label in lower case"]
        audio.save()
    first, second = tmp_path / f"b.{kind}", tmp_path / f"c.{kind}"
    write_implicit(src, first, aigc_json("1", "p", "old", ""))
    write_implicit(first, second, LABEL)
    assert _mutagen_values(kind, second) == [LABEL]
    if kind == "mp3":
        assert str(ID3(second)["TIT2"]) == "Night Market"
    elif kind in ("flac", "ogg"):
        assert (FLAC(second) if kind == "flac" else OggVorbis(second))["TITLE"] == ["Night Market"]


def test_two_labels_in_a_file_are_refused_when_read(tmp_path: Path) -> None:
    src = write_audio(tmp_path / "a.flac", chords(1.0), "FLAC", "PCM_16")
    audio = FLAC(src)
    audio["AIGC"] = [LABEL, LABEL]
    audio.save()
    with pytest.raises(LabelError, match="holds 2 AIGC labels"):
        read_implicit(src)


def test_the_container_comes_from_the_bytes_not_the_name(tmp_path: Path) -> None:
    src = write_audio(tmp_path / "really-a-wav.mp3", chords(1.0))
    dst = tmp_path / "out.flac"
    write_implicit(src, dst, LABEL)
    assert dst.read_bytes()[:4] == b"RIFF"
    assert _mutagen_values("wav", dst) == [LABEL]


def test_mp3_without_an_id3_tag_is_recognised_by_its_frames(tmp_path: Path) -> None:
    src = write_audio(tmp_path / "a.mp3", chords(1.0), "MP3", "MPEG_LAYER_III")
    if src.read_bytes()[:3] == b"ID3":
        ID3(src).delete(src)
    assert src.read_bytes()[0] == 0xFF
    write_implicit(src, tmp_path / "b.bin", LABEL)
    assert _mutagen_values("mp3", tmp_path / "b.bin") == [LABEL]


@pytest.mark.parametrize(
    ("make", "words"),
    [
        (lambda p: p.write_bytes(b"hello, not audio" * 8), "an unrecognised format"),
        (lambda p: p.write_bytes(b""), "an unrecognised format"),
        (lambda p: write_audio(p, chords(1.0), "AIFF", "PCM_16"), "AIFF"),
        (lambda p: write_audio(p, chords(1.0), "OGG", "OPUS", rate=48000), "not Vorbis"),
    ],
)
def test_unsupported_files_are_refused(tmp_path: Path, make: Any, words: str) -> None:
    src = tmp_path / "in.wav"
    make(src)
    with pytest.raises(LabelError, match=words):
        write_implicit(src, tmp_path / "out.wav", LABEL)
    with pytest.raises(LabelError, match=words):
        read_implicit(src)
    assert not (tmp_path / "out.wav").exists()


def test_missing_files_and_folders_are_refused(tmp_path: Path) -> None:
    with pytest.raises(LabelError, match="no such file"):
        write_implicit(tmp_path / "nope.wav", tmp_path / "out.wav", LABEL)
    with pytest.raises(LabelError, match="a folder"):
        read_implicit(tmp_path)
    src = write_audio(tmp_path / "a.wav", chords(1.0))
    with pytest.raises(LabelError, match="no such folder"):
        write_implicit(src, tmp_path / "missing" / "out.wav", LABEL)


def test_the_source_is_never_the_destination(tmp_path: Path) -> None:
    src = write_audio(tmp_path / "a.wav", chords(1.0))
    before = digest(src)
    with pytest.raises(LabelError, match="the destination is the source"):
        write_implicit(src, src, LABEL)
    os.link(src, tmp_path / "hard-link.wav")
    with pytest.raises(LabelError, match="the destination is the source"):
        write_audible(src, tmp_path / "hard-link.wav", "start")
    assert digest(src) == before


def test_a_broken_file_of_a_known_container_is_a_label_error(tmp_path: Path) -> None:
    src = tmp_path / "broken.flac"
    src.write_bytes(b"fLaC" + b"\xff" * 40)
    with pytest.raises(LabelError, match="cannot"):
        write_implicit(src, tmp_path / "out.flac", LABEL)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["broken.flac"]


# -- the audible label ----------------------------------------------------------------------------


def _on_off(samples: Any, rate: int) -> list[tuple[bool, int]]:
    """Runs of sound and silence in ms (sound: above 1 % of the peak, bridging zero crossings)."""
    loud = np.abs(samples) > 0.01 * np.abs(samples).max()
    span = max(1, rate // 1000)  # a tone's zero crossings are < 1 ms apart at 1 kHz
    sounding = np.convolve(loud, np.ones(2 * span + 1), mode="same") > 0
    edges = np.flatnonzero(np.diff(sounding.astype(np.int8))) + 1
    bounds = [0, *edges.tolist(), len(samples)]
    return [(bool(sounding[a]), round((b - a) * 1000 / rate)) for a, b in itertools.pairwise(bounds)]


@pytest.mark.parametrize("rate", [8000, 22050, 44100, 48000, 96000])
def test_the_label_is_short_long_short_short_at_1khz(rate: int) -> None:
    samples = audible_label_samples(rate)
    assert len(samples) == round(LABEL_MS * rate / 1000)
    assert not samples.flags.writeable
    runs = _on_off(samples, rate)
    assert [on for on, _ in runs] == [True, False, True, False, True, False, True]
    expected = [1, 1, 3, 3, 1, 1, 1]
    for (on, ms), units in zip(runs, expected, strict=True):
        assert abs(ms - units * UNIT_MS) <= (12 if on else 14) + 1000 / rate  # fades eat the quiet ends
    peak = 20 * np.log10(np.abs(samples).max())
    assert abs(peak - (LEVEL_DBFS_RMS + 3.01)) < 0.1
    spectrum = np.abs(np.fft.rfft(samples))
    assert abs(np.argmax(spectrum) * rate / len(samples) - 1000) < 2
    assert samples[0] == 0 and abs(samples[-1]) < 1e-3


@pytest.mark.parametrize("rate", [0, 7999, 768_001, 44100.0, True, "44100"])
def test_the_label_refuses_bad_rates(rate: Any) -> None:
    with pytest.raises(LabelError):
        audible_label_samples(rate)


def _expected_positions(where: str, source_ms: int) -> list[tuple[int, int]]:
    start = [(0, LABEL_MS)] if where in ("start", "both") else []
    offset = (LABEL_MS + GAP_MS) if start else 0
    end = (
        [(offset + source_ms + GAP_MS, offset + source_ms + GAP_MS + LABEL_MS)]
        if where in ("end", "both")
        else []
    )
    return start + end


@pytest.mark.parametrize(("fmt", "subtype", "suffix"), LOSSLESS + LOSSY)
@pytest.mark.parametrize("where", ["start", "end", "both"])
def test_the_audible_label_is_written_and_found(
    tmp_path: Path, fmt: str, subtype: str, suffix: str, where: str
) -> None:
    src = write_audio(tmp_path / f"take.{suffix}", chords(3.0), fmt, subtype)
    before = digest(src)
    dst = tmp_path / f"labelled.{suffix}"
    info = write_audible(src, dst, where)
    assert digest(src) == before
    source_frames = soundfile.info(str(src)).frames
    source_ms = round(source_frames * 1000 / RATE)
    labels = 2 if where == "both" else 1
    assert info.positions == tuple(_expected_positions(where, source_ms))
    assert info.duration_ms == source_ms + labels * (LABEL_MS + GAP_MS)
    out = soundfile.info(str(dst))
    assert (out.format, out.subtype, out.samplerate, out.channels) == (fmt, subtype, RATE, 2)
    found = detect_audible(dst)
    assert len(found) == labels
    for (start, end), (want_start, want_end) in zip(found, info.positions, strict=True):
        assert abs(start - want_start) <= SLACK_MS and abs(end - want_end) <= SLACK_MS
    assert detect_audible(src) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([src.name, dst.name])


@pytest.mark.parametrize(
    ("fmt", "subtype", "suffix"), [*LOSSLESS, ("WAV", "PCM_U8", "wav"), ("FLAC", "PCM_24", "flac")]
)
def test_lossless_audio_is_copied_sample_for_sample(
    tmp_path: Path, fmt: str, subtype: str, suffix: str
) -> None:
    src = write_audio(tmp_path / f"take.{suffix}", chords(2.0), fmt, subtype)
    dst = tmp_path / f"labelled.{suffix}"
    write_audible(src, dst, "both")
    dtype = "float64" if subtype == "FLOAT" else "int32"
    source, _ = soundfile.read(str(src), dtype=dtype)
    output, _ = soundfile.read(str(dst), dtype=dtype)
    offset = round((LABEL_MS + GAP_MS) * RATE / 1000)
    assert np.array_equal(output[offset : offset + len(source)], source)
    assert not output[round(LABEL_MS * RATE / 1000) : offset].any()  # the gap is silence
    assert len(output) == len(source) + 2 * offset


def test_an_implicit_label_is_carried_into_the_audible_copy(tmp_path: Path) -> None:
    src = write_audio(tmp_path / "take.flac", chords(2.0), "FLAC", "PCM_16")
    labelled, both = tmp_path / "labelled.flac", tmp_path / "both.flac"
    write_implicit(src, labelled, LABEL)
    write_audible(labelled, both, "start")
    assert read_implicit(both) == LABEL
    assert _mutagen_values("flac", both) == [LABEL]
    write_audible(src, tmp_path / "plain.flac", "start")
    assert read_implicit(tmp_path / "plain.flac") is None


@pytest.mark.parametrize("name", sorted(MUSIC))
def test_the_detector_stays_silent_on_music(tmp_path: Path, name: str) -> None:
    music = MUSIC[name]()
    assert detect_audible(write_audio(tmp_path / f"{name}.wav", music)) == []
    assert detect_audible(write_audio(tmp_path / f"{name}.mp3", music, "MP3", "MPEG_LAYER_III")) == []


@pytest.mark.parametrize("name", sorted(MUSIC))
def test_the_label_after_music_is_found_once_at_the_end(tmp_path: Path, name: str) -> None:
    src = write_audio(tmp_path / f"{name}.wav", MUSIC[name]())
    info = write_audible(src, tmp_path / "out.wav", "end")
    found = detect_audible(tmp_path / "out.wav")
    assert len(found) == 1
    assert abs(found[0][0] - info.positions[0][0]) <= SLACK_MS
    assert abs(found[0][1] - info.positions[0][1]) <= SLACK_MS


def test_the_label_mixed_over_quiet_music_is_found(tmp_path: Path) -> None:
    music = chords(6.0) * 10 ** (-30 / 20)  # the music 30 dB down
    label = audible_label_samples(RATE)
    at = 2 * RATE
    music[at : at + len(label)] += label
    found = detect_audible(write_audio(tmp_path / "mixed.wav", music))
    assert len(found) == 1
    assert abs(found[0][0] - 2000) <= SLACK_MS and abs(found[0][1] - 3100) <= SLACK_MS


def test_a_repeated_label_is_found_each_time_but_not_a_longer_morse_message(tmp_path: Path) -> None:
    label = audible_label_samples(RATE)
    second = np.zeros(RATE)
    track = np.concatenate([label, second, label, second])
    found = detect_audible(write_audio(tmp_path / "twice.wav", track, channels=1))
    assert [(round(a / 100), round(b / 100)) for a, b in found] == [(0, 11), (21, 32)]
    # "AIA": a third letter a letter gap (300 ms) after the label makes it part of a longer message
    a = label[: round(0.5 * RATE)]  # dit, gap, dah
    message = np.concatenate([label, np.zeros(round(0.3 * RATE)), a, second])
    assert detect_audible(write_audio(tmp_path / "aia.wav", message, channels=1)) == []


def test_uniform_gaps_spell_l_and_are_not_the_label(tmp_path: Path) -> None:
    label = audible_label_samples(RATE)
    unit = round(0.1 * RATE)
    uniform = np.concatenate([label[: 5 * unit], label[7 * unit :]])  # the letter gap cut to one unit
    assert (
        detect_audible(write_audio(tmp_path / "l.wav", np.concatenate([uniform, np.zeros(RATE)]), channels=1))
        == []
    )


def test_write_audible_refuses(tmp_path: Path) -> None:
    src = write_audio(tmp_path / "a.wav", chords(1.0))
    with pytest.raises(LabelError, match="where must be one of"):
        write_audible(src, tmp_path / "b.wav", "middle")
    with pytest.raises(LabelError, match="WAV, FLAC, MP3 and Ogg Vorbis only"):
        write_audible(m4a(tmp_path / "a.m4a"), tmp_path / "b.m4a", "start")
    ulaw = write_audio(tmp_path / "u.wav", chords(1.0), "WAV", "ULAW")
    with pytest.raises(LabelError, match="WAV ULAW audio is not supported"):
        write_audible(ulaw, tmp_path / "b.wav", "start")
    with pytest.raises(LabelError, match="cannot decode"):
        detect_audible(m4a(tmp_path / "b.m4a"))
    assert not (tmp_path / "b.wav").exists()


@pytest.mark.parametrize(
    ("positions", "duration"),
    [
        ((), 1000),
        (((0, 1100),), 0),
        (((0, 1100),), 1099),
        (((100, 100),), 1000),
        (((500, 900), (0, 400)), 1000),
        (((0, 500), (400, 900)), 1000),
        (((0, 1.5),), 1000),
    ],
)
def test_audible_info_validates(positions: Any, duration: Any) -> None:
    with pytest.raises(LabelError):
        AudibleInfo(positions, duration)


def test_audible_info_is_frozen() -> None:
    info = AudibleInfo(((0, 1100),), 2000)
    with pytest.raises(AttributeError):
        info.duration_ms = 1  # type: ignore[misc]

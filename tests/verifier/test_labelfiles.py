"""The verifier reads labelled files itself (verifier/_labelfiles.py, spec/labels.md §4).

Built without the writer: tests/verifier/conftest.py refuses any import of ``ledger`` from this
folder. The implicit label is embedded with mutagen exactly as ledger/_aigc.py calls it (WAV,
MP3, FLAC, Ogg Vorbis, MP4; ID3v2.4 and 2.3); the ID3 variants mutagen does not write (v2.2,
encodings 0 and 2, unsynchronisation, compression, extended headers, grouping, encryption) are
built byte by byte; the audible label is synthesised from spec/labels-aigc.md §3.1's numbers
with the standard library; C2PA manifests are signed with c2pa-python under a test CA made with
cryptography. Hostile files — truncated at every byte, sizes declared past the end, random byte
flips — raise LabelFileError and nothing else.
"""

from __future__ import annotations

import array
import contextlib
import datetime as dt
import hashlib
import math
import os
import random
import struct
import sys
import time
import zlib
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest

from verifier import (
    C2paFileCheck,
    LabelFileCheck,
    LabelFileError,
    NotChecked,
    check_label_files,
    find_audible_label,
    read_aigc_label,
    read_c2pa_actions,
)

LABEL = ('{"Label":"1","ContentProducer":"示例音乐科技有限公司","ProduceID":"NM-2026-0001",'
         '"ReservedCode1":"c2hhMjU2OmFiYw","ContentPropagator":"","PropagateID":"","ReservedCode2":""}')
LATIN = '{"Label":"1","ContentProducer":"Café ÿ Ltd","ProduceID":"P-1"}'  # 0xFF in Latin-1: unsync matters


# --- building files ------------------------------------------------------------------------------


def _ints(samples: Sequence[float], scale: int) -> list[int]:
    return [max(-scale, min(scale - 1, round(value * scale))) for value in samples]


def _le(values: array.array[Any]) -> bytes:
    if sys.byteorder == "big":
        values.byteswap()
    return values.tobytes()


def encode_pcm(samples: Sequence[float], kind: str) -> tuple[int, int, bytes]:
    """(format tag, bits, little-endian bytes) of mono samples in [-1, 1]."""
    if kind == "pcm8":
        return 1, 8, bytes(value + 128 for value in _ints(samples, 128))
    if kind == "pcm16":
        return 1, 16, _le(array.array("h", _ints(samples, 32768)))
    if kind == "pcm24":
        return 1, 24, b"".join((value & 0xFFFFFF).to_bytes(3, "little") for value in _ints(samples, 1 << 23))
    if kind == "pcm32":
        return 1, 32, _le(array.array("i", _ints(samples, 1 << 31)))
    if kind == "float32":
        return 3, 32, _le(array.array("f", samples))
    assert kind == "float64"
    return 3, 64, _le(array.array("d", samples))


def chunk(name: bytes, data: bytes) -> bytes:
    return name + struct.pack("<I", len(data)) + data + (b"\x00" if len(data) % 2 else b"")


def wav_bytes(samples: Sequence[float], rate: int = 8000, kind: str = "pcm16", *, channels: int = 1,
              extensible: bool = False, after: bytes = b"", rf64: bool = False) -> bytes:
    """A WAV file of ``samples`` (the same on every channel), with ``after`` (chunks) at its end."""
    tag, bits, mono = encode_pcm(samples, kind)
    width = bits // 8
    frames = b"".join(mono[i : i + width] * channels for i in range(0, len(mono), width)) if channels > 1 else mono
    align = channels * width
    fmt = struct.pack("<HHIIHH", 0xFFFE if extensible else tag, channels, rate, rate * align, align, bits)
    if extensible:
        fmt += struct.pack("<HHI", 22, bits, 0) + struct.pack("<H", tag) + bytes.fromhex("000000001000800000aa00389b71")
    if not rf64:
        body = b"WAVE" + chunk(b"fmt ", fmt) + chunk(b"data", frames) + after
        return b"RIFF" + struct.pack("<I", len(body)) + body
    ds64 = struct.pack("<QQQI", 0, len(frames), len(frames) // align, 0)
    body = b"WAVE" + chunk(b"ds64", ds64) + chunk(b"fmt ", fmt) + b"data" + struct.pack("<I", 0xFFFFFFFF) + frames
    return b"RF64" + struct.pack("<I", 0xFFFFFFFF) + body + (b"\x00" if len(frames) % 2 else b"") + after


def syncsafe(value: int) -> bytes:
    return bytes([(value >> 21) & 0x7F, (value >> 14) & 0x7F, (value >> 7) & 0x7F, value & 0x7F])


def text_bytes(text: str, encoding: int) -> bytes:
    if encoding == 1:
        return b"\xff\xfe" + text.encode("utf-16-le")
    return text.encode({0: "latin-1", 2: "utf-16-be", 3: "utf-8"}[encoding])


def txxx_body(value: str, encoding: int = 3, description: str = "AIGC") -> bytes:
    nul = b"\x00\x00" if encoding in (1, 2) else b"\x00"
    return bytes([encoding]) + text_bytes(description, encoding) + nul + text_bytes(value, encoding)


def frame(body: bytes, major: int = 4, flags: int = 0, frame_id: bytes = b"TXXX") -> bytes:
    if major == 2:
        return frame_id[:3] + len(body).to_bytes(3, "big") + body
    size = syncsafe(len(body)) if major == 4 else struct.pack(">I", len(body))
    return frame_id + size + struct.pack(">H", flags) + body


def id3_tag(frames: bytes, major: int = 4, flags: int = 0, padding: int = 16) -> bytes:
    payload = frames + bytes(padding)
    return b"ID3" + bytes([major, 0, flags]) + syncsafe(len(payload)) + payload


MPEG_FRAMES = b"\xff\xfb\x90\x64" + bytes(413)  # an MPEG-1 Layer III frame header, then silence


def mp3_bytes(tag: bytes) -> bytes:
    return tag + MPEG_FRAMES * 3


def write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def tone(seconds: float = 0.5, rate: int = 8000) -> list[float]:
    return [0.3 * math.sin(2 * math.pi * 440 * i / rate) + 0.1 * math.sin(i / 7) for i in range(int(seconds * rate))]


# mutagen and soundfile, as ledger/_aigc.py uses them ------------------------------------------------


def mutagen_labelled(folder: Path, kind: str, text: str = LABEL) -> Path:
    """A file with ``text`` embedded the way ledger/_aigc.py embeds it (mutagen)."""
    pytest.importorskip("mutagen")
    from mutagen.flac import FLAC
    from mutagen.id3 import ID3, TIT2, TXXX
    from mutagen.mp4 import MP4, AtomDataType, MP4FreeForm
    from mutagen.oggvorbis import OggVorbis
    from mutagen.wave import WAVE

    if kind in ("wav", "wav-v23"):
        path = write(folder / f"{kind}.wav", wav_bytes(tone()))
        audio = WAVE(path)
        audio.add_tags()
        audio.tags.add(TIT2(encoding=3, text=["Night Market"]))
        audio.tags.add(TXXX(encoding=3, desc="AIGC", text=[text]))
        audio.save(v2_version=3 if kind == "wav-v23" else 4)
        return path
    if kind == "m4a":
        def atom(name: bytes, *parts: bytes) -> bytes:
            payload = b"".join(parts)
            return struct.pack(">I", 8 + len(payload)) + name + payload

        mvhd = atom(b"mvhd", bytes(4) + struct.pack(">IIII", 0, 0, 1000, 1000) + bytes(80))
        path = write(folder / "m4a.m4a", atom(b"ftyp", b"M4A ", bytes(4), b"M4A mp42isom") + atom(b"moov", mvhd)
                     + atom(b"mdat", bytes(64)))
        mp4 = MP4(path)
        mp4.add_tags()
        mp4.tags["\xa9nam"] = ["Night Market"]
        mp4.tags["----:com.apple.iTunes:AIGC"] = [MP4FreeForm(text.encode(), dataformat=AtomDataType.UTF8)]
        mp4.save()
        return path
    soundfile = pytest.importorskip("soundfile")
    numpy = pytest.importorskip("numpy")
    fmt, subtype, suffix = {"mp3": ("MP3", None, "mp3"), "mp3-v23": ("MP3", None, "mp3"),
                            "flac": ("FLAC", "PCM_16", "flac"), "ogg": ("OGG", "VORBIS", "ogg")}[kind]
    if fmt not in soundfile.available_formats():
        pytest.skip(f"this libsndfile cannot write {fmt}")
    path = folder / f"{kind}.{suffix}"
    soundfile.write(str(path), numpy.array(tone(), dtype="float32"), 8000, format=fmt, subtype=subtype)
    if kind.startswith("mp3"):
        tags = ID3()
        tags.add(TXXX(encoding=3, desc="AIGC", text=[text]))
        tags.save(path, v2_version=3 if kind == "mp3-v23" else 4)
        return path
    comments: Any = FLAC(path) if kind == "flac" else OggVorbis(path)
    comments["TITLE"] = ["Night Market"]
    comments["AIGC"] = [text]
    comments.save()
    return path


MUTAGEN_KINDS = ["wav", "wav-v23", "mp3", "mp3-v23", "flac", "ogg", "m4a"]


# --- the implicit label --------------------------------------------------------------------------


@pytest.mark.parametrize("kind", MUTAGEN_KINDS)
def test_the_label_mutagen_embeds_reads_back_equal(tmp_path: Path, kind: str) -> None:
    assert read_aigc_label(mutagen_labelled(tmp_path, kind)) == LABEL


def test_the_label_reads_back_from_every_text_encoding_the_writer_might_meet(tmp_path: Path) -> None:
    for major in (3, 4):
        for encoding in (0, 1, 2, 3) if major == 4 else (0, 1):
            text = LATIN if encoding == 0 else LABEL
            tag = id3_tag(frame(txxx_body("ignored", encoding, "OTHER"), major)
                          + frame(txxx_body(text, encoding), major), major)
            assert read_aigc_label(write(tmp_path / "a.mp3", mp3_bytes(tag))) == text, (major, encoding)
    big_endian = bytes([1]) + b"\xfe\xff" + "AIGC".encode("utf-16-be") + b"\x00\x00" + b"\xfe\xff" + LABEL.encode("utf-16-be")
    assert read_aigc_label(write(tmp_path / "b.mp3", mp3_bytes(id3_tag(frame(big_endian))))) == LABEL
    v22 = id3_tag(frame(txxx_body(LABEL, 1), 2, frame_id=b"TXX"), 2)
    assert read_aigc_label(write(tmp_path / "c.mp3", mp3_bytes(v22))) == LABEL
    terminated = id3_tag(frame(txxx_body(LABEL) + b"\x00"))
    assert read_aigc_label(write(tmp_path / "d.mp3", mp3_bytes(terminated))) == LABEL


def test_unsynchronisation_compression_and_the_optional_header_parts_are_undone(tmp_path: Path) -> None:
    body = txxx_body(LATIN, 0)
    unsync = body.replace(b"\xff", b"\xff\x00")
    assert unsync != body
    packed = zlib.compress(body)
    cases = {
        # v2.3: the whole tag after the header is unsynchronised
        "v2.3 tag unsync": id3_tag(frame(body, 3).replace(b"\xff", b"\xff\x00"), 3, flags=0x80),
        # v2.4: the frame is, with a data length indicator
        "v2.4 frame unsync": id3_tag(frame(syncsafe(len(body)) + unsync, 4, flags=0x0003)),
        "v2.4 tag unsync": id3_tag(frame(unsync), 4, flags=0x80),
        "v2.3 compressed": id3_tag(frame(struct.pack(">I", len(body)) + packed, 3, flags=0x0080), 3),
        "v2.4 compressed": id3_tag(frame(syncsafe(len(body)) + packed, 4, flags=0x0009)),
        "v2.4 grouped": id3_tag(frame(b"\x07" + body, 4, flags=0x0040)),
        "v2.3 grouped": id3_tag(frame(b"\x07" + body, 3, flags=0x0020), 3),
        "v2.3 extended header": id3_tag(struct.pack(">IHI", 6, 0, 0) + frame(body, 3), 3, flags=0x40),
        "v2.4 extended header": id3_tag(syncsafe(6) + b"\x01\x00" + frame(body), 4, flags=0x40),
    }
    for name, tag in cases.items():
        assert read_aigc_label(write(tmp_path / "a.mp3", mp3_bytes(tag))) == LATIN, name


def test_the_label_is_read_from_either_id3_chunk_of_a_wav_and_rf64(tmp_path: Path) -> None:
    tag = id3_tag(frame(txxx_body(LABEL)))
    for name in (b"id3 ", b"ID3 "):
        assert read_aigc_label(write(tmp_path / "a.wav", wav_bytes(tone(), after=chunk(name, tag)))) == LABEL
    assert read_aigc_label(write(tmp_path / "b.wav", wav_bytes(tone(), rf64=True, after=chunk(b"id3 ", tag)))) == LABEL
    odd = chunk(b"LIST", b"INFOx") + chunk(b"id3 ", tag)  # a padded odd-sized chunk before it
    assert read_aigc_label(write(tmp_path / "c.wav", wav_bytes(tone(), after=odd))) == LABEL


def test_a_flac_file_behind_an_id3_tag_is_read_from_its_vorbis_comment(tmp_path: Path) -> None:
    flac = mutagen_labelled(tmp_path, "flac").read_bytes()
    decoy = id3_tag(frame(txxx_body("not the label")))
    assert read_aigc_label(write(tmp_path / "a.flac", decoy + flac)) == LABEL


def test_a_file_without_a_label_reads_none(tmp_path: Path) -> None:
    other = id3_tag(frame(txxx_body(LABEL, 3, "aigc")) + frame(b"\x03Night Market", frame_id=b"TIT2"))
    assert read_aigc_label(write(tmp_path / "a.wav", wav_bytes(tone()))) is None
    assert read_aigc_label(write(tmp_path / "b.wav", wav_bytes(tone(), after=chunk(b"id3 ", other)))) is None
    assert read_aigc_label(write(tmp_path / "c.mp3", MPEG_FRAMES * 3)) is None
    assert read_aigc_label(write(tmp_path / "d.mp3", mp3_bytes(other))) is None  # descriptions are exact


@pytest.mark.parametrize("kind", ["flac", "ogg", "m4a"])
def test_other_containers_without_the_label_read_none(tmp_path: Path, kind: str) -> None:
    labelled = mutagen_labelled(tmp_path, kind)
    from mutagen import File

    audio = File(labelled)
    names = audio.tags.keys()  # a Vorbis comment iterates (name, value) pairs, not names
    for key in [key for key in names if "AIGC" in key.upper()]:
        del audio.tags[key]
    audio.save()
    assert read_aigc_label(labelled) is None


def test_more_than_one_label_is_refused(tmp_path: Path) -> None:
    two_frames = id3_tag(frame(txxx_body(LABEL)) + frame(txxx_body(LABEL)))
    two_values = id3_tag(frame(txxx_body(LABEL) + b"\x00" + LABEL.encode()))
    two_chunks = wav_bytes(tone(), after=chunk(b"id3 ", id3_tag(frame(txxx_body(LABEL)))) * 2)
    for data in (mp3_bytes(two_frames), mp3_bytes(two_values), two_chunks):
        with pytest.raises(LabelFileError, match="2 AIGC labels"):
            read_aigc_label(write(tmp_path / "a.bin", data))
    flac = mutagen_labelled(tmp_path, "flac")
    from mutagen.flac import FLAC

    audio = FLAC(flac)
    audio["aigc"] = [LABEL, LABEL]  # the same name in another case is the same field
    audio.save()
    with pytest.raises(LabelFileError, match="2 AIGC labels"):
        read_aigc_label(flac)


def test_what_is_not_read_here_says_not_checked(tmp_path: Path) -> None:
    encrypted = {
        "v2.3": id3_tag(frame(b"\x80" + txxx_body(LABEL), 3, flags=0x0040), 3),
        "v2.4": id3_tag(frame(b"\x80" + txxx_body(LABEL), 4, flags=0x0004)),
        "v2.2 compressed": id3_tag(b"", 2, flags=0x40),
    }
    for name, tag in encrypted.items():
        with pytest.raises(NotChecked, match=r"^not checked: "):
            read_aigc_label(write(tmp_path / "a.mp3", mp3_bytes(tag)))
        assert name
    for head in (b"FORM\x00\x00\x00\x04AIFF", b"caff\x00\x01\x00\x00", b"OggS\x00\x02" + bytes(20) + b"\x01\x13OpusHead" + bytes(11)):
        with pytest.raises(NotChecked):
            read_aigc_label(write(tmp_path / "b.bin", head + bytes(64)))
    bomb = zlib.compress(b"\x03AIGC\x00" + bytes(17 << 20))
    tag = id3_tag(frame(syncsafe(17 << 20) + bomb, 4, flags=0x0009))
    with pytest.raises(NotChecked, match="inflates past"):
        read_aigc_label(write(tmp_path / "c.mp3", mp3_bytes(tag)))


@pytest.mark.parametrize("data", [b"", b"ID3", b"not audio at all", b"RIFF\x04\x00\x00\x00WAVE", b"fLaC"],
                         ids=["empty", "ID3", "text", "RIFF-only", "fLaC-only"])
def test_nothing_or_garbage_is_a_label_file_error(tmp_path: Path, data: bytes) -> None:
    path = write(tmp_path / "a.bin", data)
    if data == b"RIFF\x04\x00\x00\x00WAVE":
        assert read_aigc_label(path) is None  # a WAV with no chunks: no label
        return
    with pytest.raises(LabelFileError) as caught:
        read_aigc_label(path)
    assert not isinstance(caught.value, NotChecked) and "\n" not in str(caught.value)


def _declared_past_the_end() -> dict[str, bytes]:
    label = frame(txxx_body(LABEL))
    tag = id3_tag(label)
    flac_head = b"fLaC" + bytes([0x84]) + (40).to_bytes(3, "big")
    return {
        "tag size": b"ID3\x04\x00\x00" + syncsafe(0x0FFFFFFF) + label,
        "tag size not syncsafe": b"ID3\x04\x00\x00\xff\xff\xff\xff" + label,
        "frame size": mp3_bytes(b"ID3\x04\x00\x00" + syncsafe(64) + b"TXXX" + syncsafe(0x0FFFFFF0) + bytes(54)),
        "extended header": mp3_bytes(id3_tag(syncsafe(0x0FFFFFFF) + label, 4, flags=0x40)),
        "wav id3 chunk": wav_bytes(tone(), after=b"id3 " + struct.pack("<I", 0x7FFFFFFF) + tag),
        "ds64": b"RF64" + struct.pack("<I", 0xFFFFFFFF) + b"WAVE" + b"ds64" + struct.pack("<I", 0x7FFFFFFF),
        "flac block": b"fLaC" + bytes([0x84, 0xFF, 0xFF, 0xFF]) + bytes(32),
        "vendor length": flac_head + struct.pack("<I", 0xFFFFFFF0) + bytes(36),
        "comment count": flac_head + struct.pack("<II", 0, 0xFFFFFFFF) + bytes(32),
        "comment length": flac_head + struct.pack("<III", 0, 1, 0xFFFFFFF0) + bytes(28),
        "mp4 atom": b"\x00\x00\x00\x10ftypM4A \x00\x00\x00\x00" + b"\x00\x00\x00\x01moov" + struct.pack(">Q", 2**63),
        "mp4 atom too small": b"\x00\x00\x00\x10ftypM4A \x00\x00\x00\x00" + b"\x00\x00\x00\x03moov",
        "ogg page": b"OggS\x00\x02" + bytes(20) + b"\xff" + b"\xff" * 255,
        "zlib garbage": mp3_bytes(id3_tag(frame(syncsafe(100) + b"not zlib", 4, flags=0x0009))),
        "empty TXXX": mp3_bytes(id3_tag(frame(b""))),
        "bad encoding": mp3_bytes(id3_tag(frame(b"\x07AIGC\x00x"))),
        "bad utf-8": mp3_bytes(id3_tag(frame(b"\x03AIGC\x00\xc3("))),
        "bad frame id": mp3_bytes(id3_tag(b"tx!x" + syncsafe(4) + b"\x00\x00abcd")),
    }


@pytest.mark.parametrize("name", list(_declared_past_the_end()))
def test_sizes_declared_past_the_end_and_malformed_parts_raise_label_file_error(tmp_path: Path, name: str) -> None:
    path = write(tmp_path / "a.bin", _declared_past_the_end()[name])
    started = time.monotonic()
    with pytest.raises(LabelFileError) as caught:
        read_aigc_label(path)
    assert time.monotonic() - started < 2 and "\n" not in str(caught.value)


def _only_label_file_errors(path: Path) -> str | None:
    """read_aigc_label's answer, or None for a LabelFileError; any other exception fails."""
    try:
        return read_aigc_label(path)
    except LabelFileError as e:
        assert "\n" not in str(e)
        return None


def _hostile_sources(folder: Path) -> dict[str, bytes]:
    sources = {
        "mp3 v2.4": mp3_bytes(id3_tag(frame(txxx_body(LABEL)) + frame(txxx_body(LATIN, 1, "X")))),
        "mp3 v2.3 unsync": mp3_bytes(id3_tag(frame(txxx_body(LATIN, 0), 3).replace(b"\xff", b"\xff\x00"), 3, 0x80)),
        "mp3 compressed": mp3_bytes(id3_tag(frame(syncsafe(200) + zlib.compress(txxx_body(LABEL)), 4, 0x0009))),
        "wav": wav_bytes(tone(0.05), after=chunk(b"id3 ", id3_tag(frame(txxx_body(LABEL))))),
    }
    try:
        for kind in ("flac", "ogg", "m4a"):
            sources[kind] = mutagen_labelled(folder, kind).read_bytes()
    except pytest.skip.Exception:
        pass
    return sources


def test_every_truncation_raises_label_file_error_or_reads(tmp_path: Path) -> None:
    for name, data in _hostile_sources(tmp_path).items():
        end = data.find(LABEL.encode()[-8:]) + 400 if LABEL.encode()[-8:] in data else 2000
        path = write(tmp_path / f"cut-{name}.bin", data[:end])
        for length in reversed(range(min(len(data), end))):  # the file cut shorter and shorter, in place
            os.truncate(path, length)
            assert _only_label_file_errors(path) in (None, LABEL, LATIN), (name, length)


def test_random_byte_flips_raise_label_file_error_or_read(tmp_path: Path) -> None:
    chance = random.Random(20260512)
    for name, data in _hostile_sources(tmp_path).items():
        head = min(len(data), 1200)
        path = write(tmp_path / f"flipped-{name}.bin", data)
        with path.open("r+b") as handle:  # rewritten in place: the length never changes
            for _ in range(300):
                mutated = bytearray(data)
                for _ in range(chance.randint(1, 4)):
                    at = chance.randrange(head)
                    mutated[at] = chance.choice([0x00, 0xFF, 0x7F, 0x80, chance.randrange(256)])
                handle.seek(0)
                handle.write(mutated[:head])
                handle.flush()
                started = time.monotonic()
                _only_label_file_errors(path)
                assert time.monotonic() - started < 2, name


def test_a_folder_or_a_missing_file_is_a_label_file_error(tmp_path: Path) -> None:
    for path in (tmp_path, tmp_path / "absent.wav"):
        with pytest.raises(LabelFileError):
            read_aigc_label(path)
        with pytest.raises(LabelFileError):
            find_audible_label(path, [(0, 1100)])


# --- the audible label ---------------------------------------------------------------------------

UNITS = ((True, 1), (False, 1), (True, 3), (False, 3), (True, 1), (False, 1), (True, 1))  # Morse "AI"
AMPLITUDE = math.sqrt(2) * 10 ** (-18 / 20)  # -18 dBFS RMS


def rhythm(rate: int, pattern: Sequence[tuple[bool, int]] = UNITS, hz: float = 1000.0,
           unit_ms: int = 100) -> list[float]:
    """The audible label of spec/labels-aigc.md §3.1 (or another rhythm or pitch), mono."""
    fade = round(5 * rate / 1000)
    out: list[float] = []
    for sounding, units in pattern:
        count = round(units * unit_ms * rate / 1000)
        if not sounding:
            out += [0.0] * count
            continue
        for k in range(count):
            gain = 1.0
            if k < fade:
                gain = 0.5 - 0.5 * math.cos(math.pi * k / fade)
            elif k >= count - fade:
                gain = 0.5 - 0.5 * math.cos(math.pi * (count - 1 - k) / fade)
            out.append(AMPLITUDE * gain * math.sin(2 * math.pi * hz * k / rate))
    return out


def music(seconds: float, rate: int) -> list[float]:
    chance = random.Random(5)
    return [0.15 * math.sin(2 * math.pi * 220 * i / rate) + 0.1 * math.sin(2 * math.pi * 277.2 * i / rate)
            + 0.08 * math.sin(2 * math.pi * 329.6 * i / rate) + 0.02 * (chance.random() - 0.5)
            for i in range(int(seconds * rate))]


def labelled_track(rate: int, label: list[float] | None = None) -> tuple[list[float], list[tuple[int, int]]]:
    """label, 500 ms of silence, 3 s of music, 500 ms of silence, label — as write_audible's "both"
    lays it out — and the two positions the writer would record."""
    label = rhythm(rate) if label is None else label
    gap = [0.0] * round(0.5 * rate)
    samples = label + gap + music(3.0, rate) + gap
    positions = [(0, round(len(label) * 1000 / rate)),
                 (round(len(samples) * 1000 / rate), round((len(samples) + len(label)) * 1000 / rate))]
    return samples + label, positions


@pytest.mark.parametrize(("kind", "rate", "channels", "extensible"), [
    ("pcm16", 44100, 1, False), ("pcm24", 48000, 2, False), ("float32", 44100, 2, False),
    ("pcm32", 16000, 1, False), ("pcm8", 8000, 1, False), ("float64", 22050, 1, False),
    ("pcm24", 48000, 2, True), ("float32", 96000, 1, True)])
def test_the_audible_label_is_confirmed_at_the_recorded_positions(tmp_path: Path, kind: str, rate: int,
                                                                  channels: int, extensible: bool) -> None:
    samples, positions = labelled_track(rate)
    assert positions[0] == (0, 1100)
    path = write(tmp_path / "a.wav", wav_bytes(samples, rate, kind, channels=channels, extensible=extensible))
    assert find_audible_label(path, positions) == [True, True]
    elsewhere = [(2000, 3100), (positions[1][0] - 200, positions[1][1] - 200), (positions[0][0] + 120, 1220)]
    assert find_audible_label(path, elsewhere) == [False, False, False]


def test_the_audible_label_is_confirmed_in_rf64(tmp_path: Path) -> None:
    samples, positions = labelled_track(8000)
    path = write(tmp_path / "a.wav", wav_bytes(samples, 8000, "pcm16", rf64=True))
    assert find_audible_label(path, positions) == [True, True]


def test_a_soundfile_wav_is_read_as_libsndfile_writes_it(tmp_path: Path) -> None:
    soundfile = pytest.importorskip("soundfile")
    numpy = pytest.importorskip("numpy")
    samples, positions = labelled_track(44100)
    for subtype, fmt in (("PCM_16", "WAV"), ("PCM_24", "WAV"), ("FLOAT", "WAV"), ("PCM_24", "WAVEX")):
        path = tmp_path / f"{subtype}.wav"
        soundfile.write(str(path), numpy.repeat(numpy.array(samples)[:, None], 2, axis=1), 44100,
                        subtype=subtype, format=fmt)
        assert find_audible_label(path, positions) == [True, True], (subtype, fmt)


def test_rhythms_that_are_not_the_label_are_rejected(tmp_path: Path) -> None:
    rate = 16000
    letter_l = [(True, 1), (False, 1), (True, 3), (False, 1), (True, 1), (False, 1), (True, 1)]  # .-.. with 1-unit gaps
    cases = {
        "L, not AI": rhythm(rate, letter_l),
        "988 Hz": rhythm(rate, hz=988.0),
        "1.2 kHz": rhythm(rate, hz=1200.0),
        "too slow (unit 300 ms)": rhythm(rate, unit_ms=300),
        "AI then another dit": rhythm(rate) + [0.0] * round(0.2 * rate) + rhythm(rate, [(True, 1)]),
        "silence": [0.0] * round(1.1 * rate),
    }
    for name, label in cases.items():
        samples, positions = labelled_track(rate, label)
        path = write(tmp_path / "a.wav", wav_bytes(samples, rate))
        found = find_audible_label(path, [positions[0], (positions[1][0], positions[1][0] + 1100)])
        assert found == [False, False], name


def test_impossible_positions_read_false(tmp_path: Path) -> None:
    samples, _ = labelled_track(8000)
    path = write(tmp_path / "a.wav", wav_bytes(samples, 8000))
    odd: list[Any] = [(1100, 0), (-5, 1095), (0, 0), (0, 10_000), (10**9, 10**9 + 1100), (0.0, 1100.0), (0,)]
    assert find_audible_label(path, odd) == [False] * len(odd)


def test_only_the_windows_around_the_positions_are_read(tmp_path: Path) -> None:
    """A WAV declaring 2 GiB of audio (a sparse file) is answered in well under a second."""
    rate = 48000
    label = rhythm(rate)
    head = wav_bytes(label, rate)
    frames = (2 << 30) // 2
    data = bytearray(head)
    struct.pack_into("<I", data, 4, len(head) - 8 + frames * 2 - len(label) * 2)
    at = data.find(b"data")
    struct.pack_into("<I", data, at + 4, frames * 2)
    path = write(tmp_path / "big.wav", bytes(data))
    with path.open("r+b") as handle:
        handle.truncate(at + 8 + frames * 2)
    started = time.monotonic()
    assert find_audible_label(path, [(0, 1100), (600_000, 601_100)]) == [True, False]
    assert time.monotonic() - started < 2


def test_what_is_not_a_pcm_or_float_wav_is_not_checked(tmp_path: Path) -> None:
    adpcm = bytearray(wav_bytes(tone(), 8000))
    struct.pack_into("<H", adpcm, 20, 2)
    many_channels = bytearray(wav_bytes(tone(), 8000))
    struct.pack_into("<H", many_channels, 22, 65)
    struct.pack_into("<H", many_channels, 32, 130)
    for data in (bytes(adpcm), bytes(many_channels), b"fLaC" + bytes(64), mp3_bytes(id3_tag(b""))):
        with pytest.raises(NotChecked):
            find_audible_label(write(tmp_path / "a.bin", data), [(0, 1100)])
    with pytest.raises(NotChecked, match="at most 64"):
        find_audible_label(write(tmp_path / "b.wav", wav_bytes(tone())), [(0, 1100)] * 65)
    no_data = b"RIFF" + struct.pack("<I", 28) + b"WAVE" + chunk(b"fmt ", struct.pack("<HHIIHH", 1, 1, 8000, 16000, 2, 16))
    with pytest.raises(LabelFileError) as caught:
        find_audible_label(write(tmp_path / "c.wav", no_data), [(0, 1100)])
    assert not isinstance(caught.value, NotChecked)


def test_hostile_wavs_raise_label_file_error_or_answer(tmp_path: Path) -> None:
    samples, positions = labelled_track(8000)
    data = wav_bytes(samples[: 8000 * 2], 8000)
    chance = random.Random(7)
    path = tmp_path / "h.wav"
    for step in range(400):
        mutated = bytearray(data)
        if step < 60:
            mutated = mutated[: chance.randrange(64)]
        else:
            for _ in range(chance.randint(1, 3)):
                mutated[chance.randrange(48)] = chance.randrange(256)
        path.write_bytes(bytes(mutated))
        with contextlib.suppress(LabelFileError):
            find_audible_label(path, positions)


# --- C2PA ----------------------------------------------------------------------------------------

IPTC = "http://cv.iptc.org/newscodes/digitalsourcetype/"
EVENTS = [hashlib.sha256(f"event {i}".encode()).digest() for i in range(4)]  # genesis (work), generation, ..., head


def _test_chain() -> tuple[bytes, Callable[[bytes], bytes]]:
    """(leaf + intermediate PEM, the leaf's raw Ed25519 signing function) from a throwaway CA."""
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    keys = [Ed25519PrivateKey.from_private_bytes(hashlib.sha256(b"labelfiles test " + bytes([i])).digest())
            for i in range(3)]
    names = [x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
             for name in ("labelfiles root", "labelfiles intermediate", "labelfiles signer")]
    certificates = []
    for index, issuer in ((0, 0), (1, 0), (2, 1)):
        ca = index < 2
        builder = (x509.CertificateBuilder().subject_name(names[index]).issuer_name(names[issuer])
                   .public_key(keys[index].public_key()).serial_number(index + 1)
                   .not_valid_before(dt.datetime(2025, 1, 1, tzinfo=dt.UTC))
                   .not_valid_after(dt.datetime(2045, 1, 1, tzinfo=dt.UTC))
                   .add_extension(x509.BasicConstraints(ca=ca, path_length=None if not ca else 1 - index),
                                  critical=True)
                   .add_extension(x509.KeyUsage(digital_signature=not ca, content_commitment=False,
                                                key_encipherment=False, data_encipherment=False,
                                                key_agreement=False, key_cert_sign=ca, crl_sign=ca,
                                                encipher_only=False, decipher_only=False), critical=True)
                   .add_extension(x509.SubjectKeyIdentifier.from_public_key(keys[index].public_key()),
                                  critical=False))
        if index != issuer:
            builder = builder.add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(keys[issuer].public_key()), critical=False)
        if not ca:
            builder = builder.add_extension(x509.ExtendedKeyUsage(
                [x509.ObjectIdentifier("1.3.6.1.5.5.7.3.36"), ExtendedKeyUsageOID.EMAIL_PROTECTION]),
                critical=False)
        certificates.append(builder.sign(keys[issuer], None))
    chain = b"".join(certificates[i].public_bytes(serialization.Encoding.PEM) for i in (2, 1))
    return chain, keys[2].sign


def c2pa_signed(folder: Path, source: Path, events: Sequence[bytes] = EVENTS, record: bool = True) -> Path:
    """A copy of ``source`` with a manifest like ledger/_c2pa.py writes: created, edited, published,
    each naming an event; the record assertion naming the work and the head."""
    c2pa = pytest.importorskip("c2pa")
    pytest.importorskip("cryptography")
    chain, sign = _test_chain()
    actions = [
        {"action": "c2pa.created", "when": "2026-01-02T03:04:05Z", "digitalSourceType": IPTC + "trainedAlgorithmicMedia",
         "parameters": {"org.provenote.event": events[1].hex()}},
        {"action": "c2pa.edited", "parameters": {"org.provenote.event": events[2].hex()}},
        {"action": "c2pa.published", "parameters": {"org.provenote.event": events[3].hex()}},
    ]
    assertions: list[dict[str, Any]] = [{"label": "c2pa.actions.v2",
                                         "data": {"actions": actions, "allActionsIncluded": True}}]
    if record:
        assertions.append({"label": "org.provenote.record", "data": {
            "work": events[0].hex(), "head": events[-1].hex(), "checkpoint": None, "events": len(events)}})
    off = {"enabled": False}
    settings = {
        "builder": {"claim_generator_info": {"name": "labelfiles-test", "version": "0"},
                    "created_assertion_labels": ["c2pa.actions.v2", "org.provenote.record"],
                    "actions": {"auto_created_action": off, "auto_opened_action": off, "auto_placed_action": off},
                    "thumbnail": {"enabled": False}},
        "verify": {"verify_after_sign": True, "verify_trust": False, "remote_manifest_fetch": False,
                   "ocsp_fetch": False},
    }
    media = {".wav": "audio/wav", ".flac": "audio/flac", ".mp3": "audio/mpeg"}[source.suffix]
    target = folder / f"signed{source.suffix}"
    context = c2pa.Context.from_dict(settings)
    try:
        builder = c2pa.Builder({"title": "take", "assertions": assertions}, context=context)
        signer = c2pa.Signer.from_callback(sign, c2pa.C2paSigningAlg.ED25519, chain.decode(), None)
        with source.open("rb") as reading, target.open("w+b") as out:
            builder.sign(signer, media, reading, out)
    finally:
        context.close()
    return target


def audio_file(folder: Path, kind: str) -> Path:
    if kind == "wav":
        return write(folder / "take.wav", wav_bytes(tone(1.0)))
    soundfile = pytest.importorskip("soundfile")
    numpy = pytest.importorskip("numpy")
    fmt = {"flac": "FLAC", "mp3": "MP3"}[kind]
    if fmt not in soundfile.available_formats():
        pytest.skip(f"this libsndfile cannot write {fmt}")
    path = folder / f"take.{kind}"
    soundfile.write(str(path), numpy.array(tone(1.0), dtype="float32"), 8000, format=fmt)
    return path


@pytest.mark.parametrize("kind", ["wav", "flac", "mp3"])
def test_the_manifest_reads_back_its_event_hashes(tmp_path: Path, kind: str) -> None:
    signed = c2pa_signed(tmp_path, audio_file(tmp_path, kind))
    result = read_c2pa_actions(signed)
    assert isinstance(result, C2paFileCheck)
    assert result.state == "Valid" and result.actions == ("c2pa.created", "c2pa.edited", "c2pa.published")
    assert result.event_hashes == tuple(EVENTS[1:]) and result.work == EVENTS[0] and result.head == EVENTS[-1]


def _c2pa_row(path: Path) -> dict[str, Any]:
    return {"event": 9, "kind": "c2pa", "output": path.name, "output_sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
            "positions_ms": []}


def _finder(*paths: Path) -> Callable[[bytes], Path | None]:
    by_hash = {hashlib.sha256(path.read_bytes()).digest(): path for path in paths}
    return by_hash.get


def test_a_c2pa_label_agrees_only_when_every_action_is_an_event_of_the_bundle(tmp_path: Path) -> None:
    signed = c2pa_signed(tmp_path, audio_file(tmp_path, "wav"))
    row = _c2pa_row(signed)
    (check,) = check_label_files([row], _finder(signed), set(EVENTS))
    assert check == LabelFileCheck(9, "c2pa", str(signed), "agrees", check.detail) and "3 actions" in check.detail
    (check,) = check_label_files([row], _finder(signed), set(EVENTS) - {EVENTS[2]})
    assert check.status == "disagrees" and "action 2 (c2pa.edited)" in check.detail
    (check,) = check_label_files([row], _finder(signed), set(EVENTS) - {EVENTS[0]})
    assert check.status == "disagrees" and "work" in check.detail


def test_a_c2pa_label_over_changed_audio_or_no_manifest_disagrees(tmp_path: Path) -> None:
    source = audio_file(tmp_path, "wav")
    signed = c2pa_signed(tmp_path, source)
    data = bytearray(signed.read_bytes())
    probe = source.read_bytes()[-400:-368]
    at = bytes(data).find(probe)
    assert at > 0
    data[at + 16] ^= 1
    flipped = write(tmp_path / "flipped.wav", bytes(data))
    assert read_c2pa_actions(flipped).state == "Invalid"  # type: ignore[union-attr]
    (check,) = check_label_files([_c2pa_row(flipped)], _finder(flipped), set(EVENTS))
    assert check.status == "disagrees" and "Invalid" in check.detail
    (check,) = check_label_files([_c2pa_row(source)], _finder(source), set(EVENTS))
    assert check.status == "disagrees" and "no C2PA manifest" in check.detail


def test_without_c2pa_python_a_c2pa_label_is_not_checked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "c2pa", None)  # import c2pa now raises ImportError
    path = write(tmp_path / "take.wav", wav_bytes(tone()))
    assert read_c2pa_actions(path) is None
    (check,) = check_label_files([_c2pa_row(path)], _finder(path), set(EVENTS))
    assert (check.status, check.detail) == ("not checked", "c2pa-python is not installed")


def test_c2pa_is_not_asked_about_what_is_not_audio_it_reads(tmp_path: Path) -> None:
    pytest.importorskip("c2pa")
    with pytest.raises(NotChecked):
        read_c2pa_actions(write(tmp_path / "a.ogg", b"OggS" + bytes(60)))
    with pytest.raises(LabelFileError):
        read_c2pa_actions(write(tmp_path / "b.wav", b"RIFF\x00\x00\x00\x00WAVEjunk"))


# --- check_label_files ---------------------------------------------------------------------------


def _row(kind: str, path: Path, **extra: Any) -> dict[str, Any]:
    return {"event": 7, "kind": kind, "output": path.name,
            "output_sha256": hashlib.sha256(path.read_bytes()).hexdigest(), "positions_ms": [], **extra}


def test_an_implicit_label_agrees_or_shows_both_texts_where_they_differ(tmp_path: Path) -> None:
    labelled = mutagen_labelled(tmp_path, "wav")
    data = labelled.read_bytes()
    at = data.index(b"NM-2026-0001")
    changed = write(tmp_path / "changed.wav", data[: at + 11] + b"2" + data[at + 12 :])
    broken = write(tmp_path / "broken.wav", data.replace("示".encode(), b"\xe7\xa4("))
    rows = [_row("aigc-implicit", path, text=LABEL) for path in (labelled, changed, broken)]
    agree, differ, unreadable = check_label_files(rows, _finder(labelled, changed, broken), set())
    assert (agree.status, agree.detail) == ("agrees", "the file's AIGC label is the event's text")
    assert differ.status == "disagrees" and differ.file == str(changed)
    assert "NM-2026-0002" in differ.detail and "NM-2026-0001" in differ.detail and "\n" not in differ.detail
    assert unreadable.status == "disagrees" and "cannot be read" in unreadable.detail and "UTF-8" not in LABEL


@pytest.mark.parametrize("kind", ["mp3", "flac"])
def test_an_implicit_label_is_checked_in_mp3_and_flac(tmp_path: Path, kind: str) -> None:
    labelled = mutagen_labelled(tmp_path, kind)
    (check,) = check_label_files([_row("aigc-implicit", labelled, text=LABEL)], _finder(labelled), set())
    assert check.status == "agrees"
    (check,) = check_label_files([_row("aigc-implicit", labelled, text=LABEL.replace("1", "2", 1))],
                                 _finder(labelled), set())
    assert check.status == "disagrees"


def test_an_audible_label_agrees_where_it_is_found(tmp_path: Path) -> None:
    samples, positions = labelled_track(16000)
    path = write(tmp_path / "a.wav", wav_bytes(samples, 16000, "pcm24"))
    good = _row("aigc-audible", path, positions_ms=[list(p) for p in positions])
    bad = _row("aigc-audible", path, positions_ms=[[0, 1100], [2000, 3100]])
    none = _row("aigc-audible", path)
    agree, disagree, empty = check_label_files([good, bad, none], _finder(path), set())
    assert agree.status == "agrees" and "0-1100 ms" in agree.detail
    assert disagree.status == "disagrees" and disagree.detail == "no Morse 'AI' at 1 kHz at 2000-3100 ms"
    assert empty.status == "disagrees"


def test_statuses_for_what_is_missing_or_not_read(tmp_path: Path) -> None:
    wav = write(tmp_path / "a.wav", wav_bytes(tone()))
    flac = write(tmp_path / "b.flac", b"fLaC" + bytes(64))
    truncated = write(tmp_path / "c.mp3", b"ID3\x04\x00\x00" + syncsafe(500) + b"TXXX")

    def find(digest: bytes) -> Path | None:
        return _finder(wav, flac, truncated)(digest)

    rows = [
        {"event": 1, "kind": "ddex", "output": "fragment.xml", "output_sha256": "00" * 32},
        {"event": 2, "kind": "visible-notice", "output": "notice", "output_sha256": "00" * 32},
        {"event": 3, "kind": "aigc-implicit", "output": "gone.wav", "output_sha256": "11" * 32, "text": LABEL},
        _row("aigc-implicit", wav),  # a row without the text
        _row("aigc-audible", flac, positions_ms=[[0, 1100]]),
        _row("aigc-implicit", truncated, text=LABEL),
        {"event": 8, "kind": "something-new", "output": "x", "output_sha256": "22" * 32},
        {"event": 9, "kind": "aigc-implicit", "output": "x", "output_sha256": "not hex", "text": LABEL},
    ]
    checks = check_label_files(rows, find, set())
    assert [(c.event, c.status) for c in checks] == [
        (1, "not checked"), (2, "not checked"), (3, "missing"), (7, "not checked"), (7, "not checked"),
        (7, "disagrees"), (8, "not checked"), (9, "missing")]
    assert "DDEX" in checks[0].detail and checks[2].file == "gone.wav" and "text" in checks[3].detail
    assert "WAV only" in checks[4].detail and "cannot be read" in checks[5].detail
    assert all(c.status in ("agrees", "disagrees", "missing", "not checked") and "\n" not in c.detail for c in checks)

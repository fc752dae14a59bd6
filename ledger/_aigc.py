"""China's labels for AI-generated audio, writer side (GB 45438-2025; spec/labels-aigc.md).

Two labels, as the Measures for Labeling AI-Generated Synthetic Content and the mandatory national
standard GB 45438-2025 ask of audio:

* the *implicit* label: a JSON object of seven string fields (``Label``, ``ContentProducer``,
  ``ProduceID``, ``ReservedCode1``, ``ContentPropagator``, ``PropagateID``, ``ReservedCode2``)
  stored in the file's metadata under the name ``AIGC`` — an ID3v2.4 ``TXXX:AIGC`` frame in WAV
  (its ``id3 `` chunk) and MP3, a Vorbis comment ``AIGC=`` in FLAC and Ogg Vorbis, the freeform
  atom ``----:com.apple.iTunes:AIGC`` in MP4/M4A (:func:`aigc_json`, :func:`write_implicit`,
  :func:`read_implicit`);
* the *audible* label: the rhythm "short long short short" — Morse code for "AI" — played as a
  1 kHz tone before and/or after the audio (:func:`audible_label_samples`, :func:`write_audible`),
  and a detector that finds it again (:func:`detect_audible`).

Neither function modifies its source: every output is written under a temporary name in the
destination's folder, flushed, then renamed over the destination.

mutagen (GPL-2.0-or-later), numpy and soundfile are the ``label`` extra: writer-side only, never
imported by the verifier (which has its own small reader of the implicit label).
"""

from __future__ import annotations

import itertools
import json
import math
import os
import shutil
import tempfile
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import numpy as np
import soundfile
from mutagen import MutagenError
from mutagen.flac import FLAC
from mutagen.id3 import ID3, TXXX, ID3NoHeaderError
from mutagen.mp4 import MP4, AtomDataType, MP4FreeForm
from mutagen.oggvorbis import OggVorbis
from mutagen.wave import WAVE
from numpy.typing import NDArray

# -- the implicit label (GB 45438-2025 Annex E) ---------------------------------------------------
KEY: Final = "AIGC"  # the metadata field's name in every container
FIELDS: Final = (
    "Label",
    "ContentProducer",
    "ProduceID",
    "ReservedCode1",
    "ContentPropagator",
    "PropagateID",
    "ReservedCode2",
)
# Label: the content's AI-generation attribute. "1" is what a producer of AI content writes.
LABEL_VALUES: Final = {
    "1": "AI-generated or synthesised (属于)",
    "2": "possibly AI-generated (可能)",
    "3": "suspected to be AI-generated (疑似)",
}
MAX_FIELD_CHARS: Final = 1024  # our limit on each field, in code points (the standard sets none we found)
ID3_DESC: Final = KEY  # TXXX frame description (WAV and MP3)
ID3_VERSION: Final = 4  # ID3v2.4, the value in UTF-8 (encoding byte 3)
VORBIS_FIELD: Final = KEY  # Vorbis comment field name (FLAC, Ogg Vorbis)
MP4_KEY: Final = "----:com.apple.iTunes:" + KEY  # freeform atom: mean, name, data (type 1, UTF-8)

CONTAINERS: Final = ("wav", "mp3", "flac", "ogg-vorbis", "mp4")

# -- the audible label ----------------------------------------------------------------------------
TONE_HZ: Final = 1000.0  # sine; the usual alignment-tone frequency
UNIT_MS: Final = 100  # one Morse unit (a dit): 12 words per minute
# (sounding?, units): A = dit dah, a letter gap of 3 units, I = dit dit (ITU-R M.1677-1 timing).
# With 1-unit gaps throughout, the same four tones would spell "L" (.-..), not "AI".
PATTERN: Final = ((True, 1), (False, 1), (True, 3), (False, 3), (True, 1), (False, 1), (True, 1))
PATTERN_UNITS: Final = sum(units for _, units in PATTERN)  # 11 units: 1,100 ms
LEVEL_DBFS_RMS: Final = -18.0  # each tone's RMS level (EBU R 68 alignment level): peak -15 dBFS
FADE_MS: Final = 5  # raised-cosine fade in and out of every tone (no clicks)
GAP_MS: Final = 500  # silence between the label and the audio it is added to
WHERE: Final = ("start", "end", "both")
MIN_RATE, MAX_RATE = 8_000, 768_000  # Hz: the tone needs 2 kHz of band; libsndfile's ceiling

# Sample formats write_audible keeps, per container (soundfile's format and subtype names).
_SUBTYPES: Final = {
    "WAV": frozenset({"PCM_U8", "PCM_16", "PCM_24", "PCM_32", "FLOAT", "DOUBLE"}),
    "WAVEX": frozenset({"PCM_U8", "PCM_16", "PCM_24", "PCM_32", "FLOAT", "DOUBLE"}),  # WAVE_FORMAT_EXTENSIBLE
    "FLAC": frozenset({"PCM_S8", "PCM_16", "PCM_24"}),
    "MP3": frozenset({"MPEG_LAYER_III"}),
    "OGG": frozenset({"VORBIS"}),
}
_SF_FORMAT: Final = {"wav": "WAV", "flac": "FLAC", "mp3": "MP3", "ogg-vorbis": "OGG"}
# Reading integer PCM as integers keeps the audio bit for bit (libsndfile left-justifies).
_DTYPE: Final = {
    "PCM_U8": "int16",
    "PCM_S8": "int16",
    "PCM_16": "int16",
    "PCM_24": "int32",
    "PCM_32": "int32",
    "DOUBLE": "float64",
}
_BLOCK_FRAMES: Final = 1 << 16

# -- the detector ---------------------------------------------------------------------------------
HOP_MS: Final = 5  # analysis hop
# A 40 ms rectangular window: a sine 25 Hz (or 50, 75, …) off the tone reads ~0 at 1 kHz, one
# 12 Hz off (B5, 988 Hz) at 44 % of its power.
WINDOW_HOPS: Final = 8
# Purity: the share of a window's power in the 1 kHz sine. A run of windows of at least MIN_PURITY
# is a tone if one of them reaches CORE_PURITY; a tone's edge reads where half the window holds it.
MIN_PURITY: Final = 0.5
CORE_PURITY: Final = 0.9
MIN_TONE_DBFS: Final = -50.0  # a tone window's 1 kHz sine has at least this peak amplitude
UNIT_RANGE_MS: Final = (60.0, 250.0)  # the unit the detector accepts (our label: 100 ms)
TOLERANCE: Final = 0.3  # each tone or gap within 30 % of its expected length ...
TOLERANCE_MS: Final = 15.0  # ... plus 15 ms
# No other tone within 4 units before or after the rhythm: more than a letter gap (3 units), so
# the label is a word of its own and not part of a longer Morse message.
ISOLATION_UNITS: Final = 4.0


class LabelError(Exception):
    """A label that cannot be made or read: a bad field, an unsupported container or sample
    format, an undecodable or unreadable file, a destination that is the source. The message
    is one line for a person."""


# -- the implicit label ---------------------------------------------------------------------------


def aigc_json(
    label: str,
    producer: str,
    produce_id: str,
    reserved1: str,
    propagator: str = "",
    propagate_id: str = "",
    reserved2: str = "",
) -> str:
    """The implicit label's value: the compact JSON object of the seven fields in the standard's
    order, ``{"Label":"1","ContentProducer":…,…,"ReservedCode2":…}``, UTF-8 text (not
    ASCII-escaped). It is the value stored under the name ``AIGC`` (spec/labels-aigc.md §2); a
    reader wanting the ``{"AIGC": {…}}`` form wraps it.

    ``label`` is one of :data:`LABEL_VALUES`; ``producer`` (the generating service's name or code)
    and ``produce_id`` (its number for this content) are required; ``reserved1`` may be empty.
    The propagation fields are the distributing platform's and may all be empty, but
    ``propagate_id`` and ``reserved2`` need a ``propagator``. Every field is a string of at most
    :data:`MAX_FIELD_CHARS` code points with no control, format, surrogate, private-use or
    unassigned characters and no leading or trailing white space.

    Raises:
        LabelError: a field breaks one of these rules.
    """
    values = (label, producer, produce_id, reserved1, propagator, propagate_id, reserved2)
    for name, value in zip(FIELDS, values, strict=True):
        _check_field(name, value)
    if label not in LABEL_VALUES:
        raise LabelError(f"Label must be one of {', '.join(LABEL_VALUES)}, not {label!r}")
    for name, value in (("ContentProducer", producer), ("ProduceID", produce_id)):
        if not value:
            raise LabelError(f"{name} must not be empty")
    if not propagator and (propagate_id or reserved2):
        raise LabelError("PropagateID and ReservedCode2 need a ContentPropagator")
    return json.dumps(dict(zip(FIELDS, values, strict=True)), ensure_ascii=False, separators=(",", ":"))


def _check_field(name: str, value: object) -> None:
    if not isinstance(value, str):
        raise LabelError(f"{name} must be a string, not {type(value).__name__}")
    if len(value) > MAX_FIELD_CHARS:
        raise LabelError(f"{name} is {len(value)} characters long; at most {MAX_FIELD_CHARS}")
    if value != value.strip():
        raise LabelError(f"{name} has leading or trailing white space")
    for char in value:
        category = unicodedata.category(char)
        if category in ("Cc", "Cf", "Cs", "Co", "Cn"):
            raise LabelError(
                f"{name} holds the character U+{ord(char):04X} ({category}), which a label may not"
            )


def check_label_json(json_text: str) -> None:
    """Check that ``json_text`` is exactly what :func:`aigc_json` returns for some valid fields:
    a JSON object with the seven fields, in order, each a valid string, compactly written.

    Raises:
        LabelError: it is not.
    """
    if not isinstance(json_text, str):
        raise LabelError(f"the label must be a string, not {type(json_text).__name__}")
    try:
        pairs = json.loads(json_text, object_pairs_hook=lambda items: items)
    except ValueError as exc:
        raise LabelError(f"the label is not JSON: {exc}") from None
    if not isinstance(pairs, list) or [key for key, _ in pairs] != list(FIELDS):
        raise LabelError(f"the label must be a JSON object of the fields {', '.join(FIELDS)}, in that order")
    values = [value for _, value in pairs]
    if aigc_json(*values) != json_text:
        raise LabelError("the label JSON is not in the compact form aigc_json writes")


def write_implicit(src: Path, dst: Path, json_text: str) -> None:
    """Copy ``src`` to ``dst`` and embed ``json_text`` (from :func:`aigc_json`) as the file's one
    implicit label: an ID3v2.4 ``TXXX:AIGC`` frame for WAV (in its ``id3 `` chunk) and MP3, a
    Vorbis comment ``AIGC`` for FLAC and Ogg Vorbis, the freeform atom
    ``----:com.apple.iTunes:AIGC`` for MP4/M4A. Any label already in the file is replaced; other
    metadata and the audio are kept. The container is recognised from the bytes, not the name.

    ``src`` is never modified: the copy is labelled under a temporary name in ``dst``'s folder,
    flushed, read back, then renamed onto ``dst`` (which it replaces).

    Raises:
        LabelError: a malformed label, an unreadable or unsupported source, ``dst`` naming the
            source, a folder that cannot be written, or a file mutagen cannot tag.
    """
    check_label_json(json_text)
    kind = _sniff(src)
    _check_destination(src, dst)
    with _staged(dst) as tmp:
        try:
            shutil.copyfile(src, tmp)
            shutil.copymode(src, tmp)
        except OSError as exc:
            raise LabelError(f"cannot copy {src.name}: {exc.strerror or exc}") from None
        _embed(tmp, kind, json_text)
        if _read_label(tmp, kind) != json_text:
            raise LabelError(f"the label did not read back from the copy of {src.name}")


def read_implicit(path: Path) -> str | None:
    """The implicit label's JSON text embedded in ``path`` (as :func:`write_implicit` stores it),
    or None when the file has none. Not validated: a reader decides what to make of it.

    Raises:
        LabelError: an unreadable or unsupported file, or one holding more than one label.
    """
    return _read_label(path, _sniff(path))


def _embed(path: Path, kind: str, json_text: str) -> None:
    try:
        if kind in ("wav", "mp3"):
            tags: Any
            if kind == "wav":
                wave = WAVE(path)
                if wave.tags is None:
                    wave.add_tags()
                tags = wave.tags
            else:
                try:
                    tags = ID3(path)
                except ID3NoHeaderError:
                    tags = ID3()
            tags.delall(f"TXXX:{ID3_DESC}")
            tags.add(TXXX(encoding=3, desc=ID3_DESC, text=[json_text]))
            if kind == "wav":
                wave.save(v2_version=ID3_VERSION)
            else:
                tags.save(path, v2_version=ID3_VERSION)
        elif kind in ("flac", "ogg-vorbis"):
            audio: Any = FLAC(path) if kind == "flac" else OggVorbis(path)
            if audio.tags is None:
                audio.add_tags()
            for name in {name for name, _ in audio.tags if name.upper() == VORBIS_FIELD}:
                del audio.tags[name]
            audio.tags[VORBIS_FIELD] = [json_text]
            audio.save()
        else:
            mp4 = MP4(path)
            if mp4.tags is None:
                mp4.add_tags()
            mp4.tags[MP4_KEY] = [MP4FreeForm(json_text.encode("utf-8"), dataformat=AtomDataType.UTF8)]
            mp4.save()
    except (MutagenError, OSError) as exc:
        raise LabelError(f"cannot write the label into the {kind} file: {_one_line(exc)}") from None


def _read_label(path: Path, kind: str) -> str | None:
    values: list[str] = []
    try:
        if kind in ("wav", "mp3"):
            tags: Any
            if kind == "wav":
                tags = WAVE(path).tags
            else:
                try:
                    tags = ID3(path)
                except ID3NoHeaderError:
                    tags = None
            if tags is not None:
                for frame in tags.getall(f"TXXX:{ID3_DESC}"):
                    values.extend(str(text) for text in frame.text)
        elif kind in ("flac", "ogg-vorbis"):
            audio: Any = FLAC(path) if kind == "flac" else OggVorbis(path)
            if audio.tags is not None:
                values.extend(value for name, value in audio.tags if name.upper() == VORBIS_FIELD)
        else:
            mp4 = MP4(path)
            if mp4.tags is not None:
                for item in mp4.tags.get(MP4_KEY, []):
                    try:
                        values.append(bytes(item).decode("utf-8"))
                    except UnicodeDecodeError:
                        raise LabelError(f"{path.name}: its {KEY} atom is not UTF-8 text") from None
    except (MutagenError, OSError) as exc:
        raise LabelError(f"cannot read the {kind} file {path.name}: {_one_line(exc)}") from None
    if len(values) > 1:
        raise LabelError(f"{path.name} holds {len(values)} {KEY} labels; the standard allows one")
    return values[0] if values else None


# -- containers -----------------------------------------------------------------------------------


def _sniff(path: Path) -> str:
    """The container of ``path`` from its first bytes: one of :data:`CONTAINERS`."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(64)
            offset = 0
            if head[:3] == b"ID3" and len(head) >= 10:  # an ID3v2 tag before MPEG audio or FLAC
                size = _syncsafe(head[6:10])
                offset = 10 + size + (10 if head[5] & 0x10 else 0)
                handle.seek(offset)
                head = handle.read(64)
    except FileNotFoundError:
        raise LabelError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise LabelError(f"{path}: a folder, not an audio file") from None
    except OSError as exc:
        raise LabelError(f"cannot read {path}: {exc.strerror or exc}") from None
    if offset == 0 and head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return "wav"
    if head[:4] == b"fLaC":
        return "flac"
    if offset == 0 and head[:4] == b"OggS":
        packet = head[28:35]
        if packet == b"\x01vorbis":
            return "ogg-vorbis"
        raise LabelError(f"{path.name}: an Ogg stream that is not Vorbis (only Ogg Vorbis is supported)")
    if offset == 0 and head[4:8] == b"ftyp":
        return "mp4"
    if _mpeg_frame(head[:4]):
        return "mp3"
    names = {b"RF64": "RF64", b"FORM": "AIFF", b"caff": "CAF"}
    what = names.get(head[:4], "an unrecognised format")
    raise LabelError(f"{path.name}: {what}; supported are WAV, MP3, FLAC, Ogg Vorbis and MP4/M4A")


def _syncsafe(data: bytes) -> int:
    return (data[0] & 0x7F) << 21 | (data[1] & 0x7F) << 14 | (data[2] & 0x7F) << 7 | (data[3] & 0x7F)


def _mpeg_frame(header: bytes) -> bool:
    """Whether four bytes are a plausible MPEG-1/2/2.5 audio frame header."""
    if len(header) < 4 or header[0] != 0xFF or header[1] & 0xE0 != 0xE0:
        return False
    version, layer = (header[1] >> 3) & 3, (header[1] >> 1) & 3
    bitrate, rate = header[2] >> 4, (header[2] >> 2) & 3
    return version != 1 and layer != 0 and bitrate != 0xF and rate != 3


def _check_destination(src: Path, dst: Path) -> None:
    if dst.exists() and os.path.samefile(src, dst):
        raise LabelError(f"{dst}: the destination is the source; the source is never modified")
    if not dst.parent.is_dir():
        raise LabelError(f"{dst.parent}: no such folder")


class _staged:
    """A temporary path beside ``dst``, renamed onto it on success and removed on failure."""

    def __init__(self, dst: Path) -> None:
        self.dst = dst
        try:
            handle, name = tempfile.mkstemp(prefix=f".{dst.name}.", suffix=".tmp", dir=dst.parent)
        except OSError as exc:
            raise LabelError(f"cannot write in {dst.parent}: {exc.strerror or exc}") from None
        os.close(handle)
        self.tmp = Path(name)

    def __enter__(self) -> Path:
        return self.tmp

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        if exc_type is not None:
            self.tmp.unlink(missing_ok=True)
            return
        try:
            with open(self.tmp, "rb+") as handle:
                os.fsync(handle.fileno())
            os.replace(self.tmp, self.dst)
        except OSError as error:
            self.tmp.unlink(missing_ok=True)
            raise LabelError(f"cannot write {self.dst}: {error.strerror or error}") from None


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text or type(exc).__name__


# -- the audible label ----------------------------------------------------------------------------


@dataclass(frozen=True)
class AudibleInfo:
    """Where :func:`write_audible` put the label: ``positions`` are the (start_ms, end_ms) of each
    rhythm in the output, in order, from its first tone's onset to its last tone's end;
    ``duration_ms`` is the output's duration. Adding the label lengthens the audio.

    Raises:
        LabelError: positions empty, unordered, overlapping, empty or outside the duration.
    """

    positions: tuple[tuple[int, int], ...]
    duration_ms: int

    def __post_init__(self) -> None:
        if not isinstance(self.duration_ms, int) or self.duration_ms <= 0:
            raise LabelError("the duration must be a positive number of milliseconds")
        if not self.positions:
            raise LabelError("an audible label has at least one position")
        previous_end = 0
        for position in self.positions:
            if len(position) != 2 or not all(isinstance(value, int) for value in position):
                raise LabelError("a position is a pair of whole milliseconds")
            start, end = position
            if not previous_end <= start < end <= self.duration_ms:
                raise LabelError(
                    f"position {start}-{end} ms is out of order or outside 0-{self.duration_ms} ms"
                )
            previous_end = end


def _check_rate(rate: object) -> int:
    if not isinstance(rate, int) or isinstance(rate, bool):
        raise LabelError(f"the sample rate must be an integer, not {type(rate).__name__}")
    if not MIN_RATE <= rate <= MAX_RATE:
        raise LabelError(f"a sample rate of {rate} Hz is outside {MIN_RATE}-{MAX_RATE} Hz")
    return rate


def _samples(ms: float, rate: int) -> int:
    return round(ms * rate / 1000)


def audible_label_samples(rate: int) -> NDArray[np.float64]:
    """The audible label at ``rate`` Hz, mono, as floats in [-1, 1]: the tones and gaps of
    :data:`PATTERN` (Morse "AI", a unit of :data:`UNIT_MS` ms), each tone a :data:`TONE_HZ` Hz sine
    at :data:`LEVEL_DBFS_RMS` dBFS RMS starting at phase 0, with :data:`FADE_MS` ms raised-cosine
    fades. 1,100 ms long; it neither starts nor ends with silence.

    Raises:
        LabelError: ``rate`` is not an integer in :data:`MIN_RATE`..:data:`MAX_RATE`.
    """
    rate = _check_rate(rate)
    amplitude = math.sqrt(2.0) * 10 ** (LEVEL_DBFS_RMS / 20)
    fade = _samples(FADE_MS, rate)
    pieces: list[NDArray[np.float64]] = []
    for sounding, units in PATTERN:
        count = _samples(units * UNIT_MS, rate)
        if not sounding:
            pieces.append(np.zeros(count))
            continue
        tone = amplitude * np.sin(2 * np.pi * TONE_HZ * np.arange(count) / rate)
        ramp = 0.5 - 0.5 * np.cos(np.pi * np.arange(fade) / fade)
        tone[:fade] *= ramp
        tone[count - fade :] *= ramp[::-1]
        pieces.append(tone)
    samples = np.concatenate(pieces)
    samples.setflags(write=False)
    return samples


def write_audible(src: Path, dst: Path, where: str) -> AudibleInfo:
    """Write ``src`` to ``dst`` with the audible label added at the ``where`` of it ("start",
    "end" or "both"): the label, :data:`GAP_MS` ms of silence, the audio (and the reverse at the
    end). The same label plays on every channel. The audio itself is copied unchanged, sample for
    sample, in the same container, rate, channel count and sample format: WAV (8/16/24/32-bit PCM,
    32/64-bit float), FLAC (8/16/24-bit), MP3 and Ogg Vorbis — the lossy two are decoded and
    encoded again, which costs a generation. An implicit label in ``src`` is carried over; other
    metadata is not (add the implicit label after this, or let it be carried).

    ``src`` is never modified: the output is written under a temporary name in ``dst``'s folder,
    flushed, then renamed onto ``dst``.

    Returns:
        Where the labels are in the output, and its duration.

    Raises:
        LabelError: a bad ``where``, an unreadable, undecodable or unsupported source (M4A among
            them: libsndfile does not decode it), ``dst`` naming the source, or a write failure.
    """
    if where not in WHERE:
        raise LabelError(f"where must be one of {', '.join(WHERE)}, not {where!r}")
    kind = _sniff(src)
    if kind not in _SF_FORMAT:
        raise LabelError(f"{src.name}: the audible label is written into WAV, FLAC, MP3 and Ogg Vorbis only")
    _check_destination(src, dst)
    carried = _read_label(src, kind)
    try:
        info = soundfile.info(str(src))
    except (RuntimeError, soundfile.LibsndfileError) as exc:
        raise LabelError(f"cannot decode {src.name}: {_one_line(exc)}") from None
    formats = {"WAV", "WAVEX"} if kind == "wav" else {_SF_FORMAT[kind]}
    if info.format not in formats or info.subtype not in _SUBTYPES[info.format]:
        raise LabelError(f"{src.name}: {info.format} {info.subtype} audio is not supported here")
    rate = _check_rate(info.samplerate)
    dtype = _DTYPE.get(info.subtype, "float32")
    label = _as_dtype(audible_label_samples(rate), dtype, info.channels)
    gap = np.zeros((_samples(GAP_MS, rate), info.channels), dtype=dtype)
    positions: list[tuple[int, int]] = []
    written = 0
    with _staged(dst) as tmp:
        try:
            with (
                soundfile.SoundFile(str(src)) as source,
                soundfile.SoundFile(
                    str(tmp), "w", rate, info.channels, info.subtype, format=info.format
                ) as out,
            ):

                def put(block: NDArray[Any]) -> None:
                    nonlocal written
                    out.write(block)
                    written += len(block)

                def put_label() -> None:
                    positions.append((_ms(written, rate), _ms(written + len(label), rate)))
                    put(label)

                if where in ("start", "both"):
                    put_label()
                    put(gap)
                for block in _blocks(source, dtype):
                    put(block)
                if where in ("end", "both"):
                    put(gap)
                    put_label()
        except (RuntimeError, soundfile.LibsndfileError, ValueError) as exc:
            raise LabelError(f"cannot re-encode {src.name}: {_one_line(exc)}") from None
        if carried is not None:
            _embed(tmp, kind, carried)
    return AudibleInfo(tuple(positions), _ms(written, rate))


def _as_dtype(samples: NDArray[np.float64], dtype: str, channels: int) -> NDArray[Any]:
    if dtype == "int16":
        converted: NDArray[Any] = np.round(samples * 32767).astype(np.int16)
    elif dtype == "int32":
        converted = np.round(samples * 2147483647).astype(np.int32)
    else:
        converted = samples.astype(dtype)
    return np.repeat(converted[:, None], channels, axis=1)


def _blocks(source: soundfile.SoundFile, dtype: str) -> Iterator[NDArray[Any]]:
    """The decoded audio, block by block (each of shape (frames, channels)).

    MP3 is decoded in one read, then to the end in blocks: libsndfile 1.2's MPEG decoder returns
    wrong samples at some boundaries of successive partial reads (each decodes correctly alone).
    """
    if source.format == "MP3":
        block = source.read(dtype=dtype, always_2d=True)
        if len(block):
            yield block
    while True:
        block = source.read(_BLOCK_FRAMES, dtype=dtype, always_2d=True)
        if not len(block):
            return
        yield block


def _ms(frames: int, rate: int) -> int:
    return round(frames * 1000 / rate)


# -- the detector ---------------------------------------------------------------------------------


def detect_audible(path: Path) -> list[tuple[int, int]]:
    """The (start_ms, end_ms) of every audible label found in ``path``, in order: a run of four
    1 kHz tones timed short-long-short-short with the gaps of :data:`PATTERN` (a unit of 60 to
    250 ms, each tone and gap within :data:`TOLERANCE` of its length plus :data:`TOLERANCE_MS`),
    with no other such tone within :data:`ISOLATION_UNITS` units either side.

    The file is decoded with soundfile (WAV, FLAC, MP3, Ogg, AIFF, …), mixed to mono and analysed
    in windows of 40 ms every 5 ms. A tone is a run of windows in which the 1 kHz sine is at least
    :data:`MIN_TONE_DBFS` dBFS and carries at least :data:`MIN_PURITY` of the window's power, one
    of them at least :data:`CORE_PURITY` — a pure 1 kHz sine in the clear, as the label is, which
    music seldom is. Memory holds a block of the analysis,
    not the file (an MP3's decoded samples excepted: see :func:`_blocks`).

    Raises:
        LabelError: the file cannot be read or decoded, or its rate is outside 8-768 kHz.
    """
    try:
        with soundfile.SoundFile(str(path)) as source:
            rate = _check_rate(source.samplerate)
            hop = max(1, _samples(HOP_MS, rate))
            purity = _purity(source, rate, hop)
    except (RuntimeError, soundfile.LibsndfileError) as exc:
        raise LabelError(f"cannot decode {path.name}: {_one_line(exc)}") from None
    return _match(_runs(purity, hop, rate))


def _purity(source: soundfile.SoundFile, rate: int, hop: int) -> NDArray[np.float64]:
    """For each analysis window, the share of its power in the 1 kHz sine (0 where the sine is
    below :data:`MIN_TONE_DBFS`). The audio is padded with half a window of silence at both ends,
    so window ``i`` is centred on sample ``i * hop`` and a tone at either end reads whole."""
    window = WINDOW_HOPS * hop
    min_amplitude = 10 ** (MIN_TONE_DBFS / 20)
    omega = 2 * np.pi * TONE_HZ / rate
    shares: list[NDArray[np.float64]] = []
    pad = window // 2  # WINDOW_HOPS is even
    carry = np.zeros(pad)
    position = -pad  # index of carry[0] in the file
    pieces = itertools.chain(
        (
            mono[start : start + _BLOCK_FRAMES]
            for block in _blocks(source, "float32")
            for mono in (block.mean(axis=1, dtype=np.float64),)
            for start in range(0, len(mono), _BLOCK_FRAMES)
        ),
        [np.zeros(pad)],
    )
    for piece in pieces:
        buffer = np.concatenate([carry, piece])
        count = (len(buffer) - window) // hop + 1 if len(buffer) >= window else 0
        if count <= 0:
            carry = buffer
            continue
        used = buffer[: (count - 1) * hop + window]
        phase = omega * (np.arange(len(used)) + position)
        demod = np.concatenate([[0], np.cumsum(used * np.exp(-1j * phase))])
        energy = np.concatenate([[0.0], np.cumsum(used * used)])
        starts = np.arange(count) * hop
        amplitude = 2 * np.abs(demod[starts + window] - demod[starts]) / window
        power = (energy[starts + window] - energy[starts]) / window
        with np.errstate(divide="ignore", invalid="ignore"):
            purity = np.where(power > 0, amplitude * amplitude / 2 / power, 0.0)
        shares.append(np.where(amplitude >= min_amplitude, purity, 0.0))
        carry = buffer[count * hop :]
        position += count * hop
    return np.concatenate(shares) if shares else np.zeros(0)


def _runs(purity: NDArray[np.float64], hop: int, rate: int) -> list[tuple[float, float]]:
    """The (start, end) in seconds of each tone: a run of windows of at least :data:`MIN_PURITY`
    reaching :data:`CORE_PURITY`. A window's purity is the share of it the tone fills, so a tone's
    edge reads at the window centred on it (window ``i`` is centred on sample ``i * hop``)."""
    padded = np.concatenate([[False], purity >= MIN_PURITY, [False]]).astype(np.int8)
    edges = np.flatnonzero(np.diff(padded))
    return [
        (max(0.0, (first - 0.5) * hop / rate), (last - 0.5) * hop / rate)
        for first, last in zip(edges[::2], edges[1::2], strict=True)
        if purity[first:last].max() >= CORE_PURITY
    ]


def _match(runs: list[tuple[float, float]]) -> list[tuple[int, int]]:
    """Find the rhythm in runs of tone: four runs whose tones and gaps fit :data:`PATTERN`."""
    found: list[tuple[int, int]] = []
    index = 0
    while index + 4 <= len(runs):
        group = runs[index : index + 4]
        span = group[-1][1] - group[0][0]
        unit = span / PATTERN_UNITS
        durations = [group[0][1] - group[0][0]]
        for (_, end), (start, stop) in itertools.pairwise(group):
            durations += [start - end, stop - start]
        fits = UNIT_RANGE_MS[0] <= unit * 1000 <= UNIT_RANGE_MS[1] and all(
            abs(duration - units * unit) * 1000 <= TOLERANCE * units * unit * 1000 + TOLERANCE_MS
            for duration, (_, units) in zip(durations, PATTERN, strict=True)
        )
        before = group[0][0] - runs[index - 1][1] if index else math.inf
        after = runs[index + 4][0] - group[-1][1] if index + 4 < len(runs) else math.inf
        if fits and min(before, after) >= ISOLATION_UNITS * unit:
            found.append((round(group[0][0] * 1000), round(group[-1][1] * 1000)))
            index += 4
        else:
            index += 1
    return found

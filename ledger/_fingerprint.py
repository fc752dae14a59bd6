"""Audio landmarks for pre-release screening: the method ``provenote-fp/1`` (spec/screening.md).

A landmark is a pair of spectral peaks — an anchor and a later peak near it in time and
frequency — hashed to (anchor bin, frequency step, time step), as in Wang's 2003 Shazam paper and
Ellis's audfprint. Peaks survive lossy coding, gain changes and moderate noise; a passage shared
by two recordings yields many identical hashes at one constant time offset, which is what the
catalogue (:mod:`ledger._catalogue`) looks for.

Decoding: libsndfile through ``soundfile`` (WAV, FLAC, MP3, Ogg Vorbis/Opus, AIFF and the rest of
its list); MP4/M4A only through ffmpeg, and only if it is installed. The audio is mixed to mono
and resampled to 11,025 Hz in blocks, so memory holds the file at the method's rate, not at its own.

numpy, scipy and soundfile are the ``screen`` extra: writer-side only, never imported by the
verifier. The public face is :mod:`ledger.screening`.
"""

from __future__ import annotations

import math
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import numpy as np
import soundfile
from numpy.typing import NDArray
from scipy.ndimage import maximum_filter1d

from ledger._assets import AssetError, open_regular
from verifier.format import asset_digest

METHOD = "provenote-fp/1"

# -- signal ---------------------------------------------------------------------------------------
SAMPLE_RATE = 11025  # Hz, mono: the band up to 5.5 kHz holds the peaks that survive coding
WINDOW = 512  # STFT frame, samples (46.4 ms), periodic Hann window
HOP = 256  # STFT hop, samples (23.2 ms): a landmark's time resolution
FRAME_SECONDS = HOP / SAMPLE_RATE
BINS = WINDOW // 2 + 1  # 257 magnitude bins, 21.5 Hz apart
MAGNITUDE_FLOOR = 1e-4  # |X| below this is floored (a full-scale sine's peak is ~128)

# -- peaks ----------------------------------------------------------------------------------------
PEAK_FRAMES = 12  # a peak is the maximum of the +-12 frames (+-279 ms) ...
PEAK_BINS = 12  # ... by +-12 bins (+-258 Hz) around it
MIN_BIN, MAX_BIN = 1, 255  # anchors and targets: 21.5 Hz to 5.49 kHz (DC and Nyquist excluded)

# -- landmarks ------------------------------------------------------------------------------------
FAN_OUT = 5  # each anchor pairs with the first 5 peaks of its target zone
MAX_DT = 63  # target zone: 1..63 frames later (up to 1.46 s) ...
MAX_DF = 63  # ... and within +-63 bins (+-1.36 kHz)
# Hash layout (21 bits of a uint32): anchor bin (8 bits) | bin step + 64 (7 bits) | frame step (6 bits)
DF_SHIFT, F1_SHIFT = 6, 13
HASH_BITS = 21

# -- input limits ---------------------------------------------------------------------------------
MIN_SOUND_SECONDS = 3.0  # less sound than this is "too short to screen"
SILENCE_RMS = 1e-3  # a hop of samples below -60 dBFS RMS is silence
MAX_SECONDS = 3 * 3600  # longer files are refused (memory: 4 bytes per sample at 11,025 Hz)
_MAX_FILE_RATE = 768_000
_MAX_CHANNELS = 256
_BLOCK_SECONDS = 60  # decoding and peak picking work in blocks of about this length
_MP4_BRANDS = b"ftyp"  # ISO base media (MP4, M4A, 3GP, MOV): bytes 4..8 of the file


class AudioError(Exception):
    """Audio that cannot be screened: missing, not a regular file, undecodable, an unsupported
    container, too long, or too short to screen. The message is one line for a person."""


def _readonly(array: NDArray[Any]) -> NDArray[Any]:
    array.setflags(write=False)
    return array


@dataclass(frozen=True, eq=False)
class Audio:
    """Decoded audio, ready to fingerprint: mono float32 samples at ``SAMPLE_RATE`` (read-only)
    and, when decoded from a file, the SHA-256 of that file's exact bytes.

    Raises (on construction): AudioError if the samples are not a 1-D float32 array of finite
    values, if ``sha256`` is given and is not 32 bytes, or if the audio holds less than
    ``MIN_SOUND_SECONDS`` of sound ("too short to screen").
    """

    samples: NDArray[np.float32]
    sha256: bytes | None = None

    def __post_init__(self) -> None:
        samples = self.samples
        if not isinstance(samples, np.ndarray) or samples.dtype != np.float32 or samples.ndim != 1:
            raise AudioError("audio samples must be a one-dimensional float32 array")
        if not np.isfinite(samples).all():
            raise AudioError("the audio holds samples that are not finite numbers")
        if self.sha256 is not None and (type(self.sha256) is not bytes or len(self.sha256) != 32):
            raise AudioError("an audio file's SHA-256 is 32 bytes")
        if len(samples) > MAX_SECONDS * SAMPLE_RATE:
            raise AudioError(f"longer than {MAX_SECONDS // 3600} hours: split it into parts to screen it")
        sound = sound_seconds(samples)
        if sound < MIN_SOUND_SECONDS:
            raise AudioError(f"too short to screen: {sound:.1f} s of sound (silence excluded), "
                             f"at least {MIN_SOUND_SECONDS:g} s are needed")
        if samples.flags.writeable:
            object.__setattr__(self, "samples", _readonly(samples.copy()))

    @property
    def duration_s(self) -> float:
        """Length in seconds."""
        return len(self.samples) / SAMPLE_RATE


@dataclass(frozen=True, eq=False)
class Landmarks:
    """The landmarks of one recording, sorted by (frame, hash): ``hashes`` (uint32, below
    2**HASH_BITS) and ``frames`` (int32, the anchor peak's STFT frame; frame t starts at sample
    t * HOP). Both arrays are read-only and of one length. ``duration_s`` is the recording's.

    Raises (on construction): ValueError if the arrays do not have those types and one length.
    """

    hashes: NDArray[np.uint32]
    frames: NDArray[np.int32]
    duration_s: float

    def __post_init__(self) -> None:
        if not (isinstance(self.hashes, np.ndarray) and isinstance(self.frames, np.ndarray)):
            raise ValueError("landmark hashes and frames are numpy arrays")
        if self.hashes.dtype != np.uint32 or self.frames.dtype != np.int32:
            raise ValueError("landmark hashes are uint32 and frames int32")
        if self.hashes.shape != self.frames.shape or self.hashes.ndim != 1:
            raise ValueError("landmark hashes and frames are one-dimensional and of one length")
        if not (isinstance(self.duration_s, float) and math.isfinite(self.duration_s) and self.duration_s >= 0):
            raise ValueError("a duration is a finite number of seconds")
        if len(self.hashes) and (int(self.hashes.max()) >> HASH_BITS or int(self.frames.min()) < 0):
            raise ValueError(f"landmark hashes have {HASH_BITS} bits and frames are not negative")
        order = np.lexsort((self.hashes, self.frames))
        object.__setattr__(self, "hashes", _readonly(self.hashes[order]))
        object.__setattr__(self, "frames", _readonly(self.frames[order]))

    def __len__(self) -> int:
        return len(self.hashes)


def sound_seconds(samples: NDArray[np.float32]) -> float:
    """Seconds of sound in mono samples at ``SAMPLE_RATE``: the hops (``HOP`` samples, the last
    one partial) whose RMS reaches ``SILENCE_RMS`` (-60 dBFS)."""
    if len(samples) == 0:
        return 0.0
    hops = -(-len(samples) // HOP)
    padded = np.zeros(hops * HOP, dtype=np.float64)
    padded[: len(samples)] = samples
    power = np.mean(padded.reshape(hops, HOP) ** 2, axis=1)
    return float(np.count_nonzero(power >= SILENCE_RMS**2)) * HOP / SAMPLE_RATE


# -- decoding -------------------------------------------------------------------------------------


def decode(path: Path) -> Audio:
    """Decode an audio file to :class:`Audio`: channels averaged to mono, resampled to
    ``SAMPLE_RATE`` with ``scipy.signal.resample_poly`` (spec/screening.md §2), the file's
    SHA-256 computed from the same open file.

    Raises: AudioError (missing, not a regular file, unreadable, undecodable, unsupported
    container — M4A/MP4 needs ffmpeg —, longer than ``MAX_SECONDS``, or too short to screen).
    """
    with open_audio(path) as handle:
        digest = file_digest(handle)
        return decode_open(handle, path, digest)


def open_audio(path: Path) -> IO[bytes]:
    """Open a regular file for reading (never a FIFO, device or folder). Raises: AudioError."""
    try:
        return open_regular(path)
    except AssetError as e:
        raise AudioError(str(e)) from None


def file_digest(handle: IO[bytes]) -> bytes:
    """SHA-256 of an open file's bytes from its start; leaves the file at its start."""
    handle.seek(0)
    try:
        digest, _ = asset_digest(iter(lambda: handle.read(1 << 20), b""))
    except OSError as e:
        raise AudioError(f"cannot read the file: {e.strerror or e}") from None
    handle.seek(0)
    return bytes(digest)


def decode_open(handle: IO[bytes], path: Path, digest: bytes) -> Audio:
    """Decode the file open as ``handle`` (``path`` names it in messages). Raises: AudioError."""
    handle.seek(0)
    head = handle.read(12)
    handle.seek(0)
    os.lseek(handle.fileno(), 0, os.SEEK_SET)  # libsndfile and ffmpeg read the descriptor itself
    try:
        if head[4:8] == _MP4_BRANDS:
            samples = _decode_with_ffmpeg(handle, path)
        else:
            samples = _decode_with_libsndfile(handle.fileno(), path)
        samples.setflags(write=False)  # Audio keeps it as it is rather than copying it
        return Audio(samples, digest)
    except AudioError as e:
        message = str(e)
        raise AudioError(message if message.startswith(str(path)) else f"{path}: {message}") from None


def _decode_with_libsndfile(fd: int, path: Path) -> NDArray[np.float32]:
    try:
        with soundfile.SoundFile(fd, closefd=False) as sound:
            rate, channels = sound.samplerate, sound.channels
            if not (0 < rate <= _MAX_FILE_RATE) or not 0 < channels <= _MAX_CHANNELS:
                raise AudioError(f"cannot decode it: a sample rate of {rate} Hz and {channels} channels")
            return _resample_blocks(_mono_blocks(sound, rate, channels), rate)
    except soundfile.LibsndfileError as e:
        reason = str(e.error_string).strip().rstrip(".") or "unknown error"
        raise AudioError(f"cannot decode it as audio ({reason}); WAV, FLAC, MP3, Ogg and AIFF are read, "
                         "M4A with ffmpeg") from None
    except (RuntimeError, ValueError, TypeError) as e:
        raise AudioError(f"cannot decode it as audio ({str(e).splitlines()[0] if str(e) else type(e).__name__})") from None


def _mono_blocks(sound: soundfile.SoundFile, rate: int, channels: int) -> Iterator[NDArray[np.float64]]:
    """The file's samples averaged over channels, in blocks of at most _BLOCK_SECONDS of stereo's
    size; refuses files over MAX_SECONDS."""
    seen = 0
    frames = max(4096, _BLOCK_SECONDS * rate * 2 // channels)
    for block in sound.blocks(blocksize=frames, dtype="float32", always_2d=True):
        seen += len(block)
        if seen > MAX_SECONDS * rate:
            raise AudioError(f"longer than {MAX_SECONDS // 3600} hours: split it into parts to screen it")
        yield block.mean(axis=1, dtype=np.float64)


def _decode_with_ffmpeg(handle: IO[bytes], path: Path) -> NDArray[np.float32]:
    """MP4/M4A through ffmpeg: the open file (by descriptor, so the bytes hashed are the bytes
    decoded) converted to 32-bit float WAV at its own rate and channels, then read as any WAV."""
    ffmpeg = shutil.which("ffmpeg")
    if ffmpeg is None:
        raise AudioError("an M4A/MP4 file needs ffmpeg to decode, and ffmpeg is not installed: "
                         "install it, or convert the file to WAV or FLAC")
    fd = handle.fileno()
    with tempfile.TemporaryDirectory(prefix="provenote-decode-") as folder:
        target = Path(folder) / "audio.wav"
        try:
            proc = subprocess.run(
                [ffmpeg, "-nostdin", "-v", "error", "-i", f"/dev/fd/{fd}", "-map", "0:a:0", "-vn",
                 "-c:a", "pcm_f32le", "-f", "wav", str(target)],
                pass_fds=(fd,), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                timeout=3600, check=False)
        except (OSError, subprocess.TimeoutExpired) as e:
            raise AudioError(f"ffmpeg could not run: {e}") from None
        if proc.returncode != 0 or not target.is_file():
            lines = proc.stderr.decode("utf-8", "replace").strip().splitlines()
            raise AudioError(f"ffmpeg cannot decode it: {lines[-1] if lines else f'exit status {proc.returncode}'}")
        with open_audio(target) as converted:
            return _decode_with_libsndfile(converted.fileno(), path)


def resample_factors(rate: int) -> tuple[int, int]:
    """(up, down): ``SAMPLE_RATE / rate`` in lowest terms."""
    g = math.gcd(SAMPLE_RATE, rate)
    return SAMPLE_RATE // g, rate // g


def _resample_blocks(blocks: Iterator[NDArray[np.float64]], rate: int) -> NDArray[np.float32]:
    """Exactly ``resample_poly(x, up, down)`` of the whole signal x (zero padding at its ends),
    computed on overlapping stretches of it. A stretch starts at an input sample that is a multiple
    of ``down`` (so its outputs lie on the whole signal's output grid) and reaches ``pad`` inputs
    beyond the outputs kept, ``pad`` exceeding the filter's reach (half_len / up input samples)."""
    up, down = resample_factors(rate)
    if up == down == 1:
        return np.concatenate([*blocks, np.zeros(0)]).astype(np.float32)
    from scipy.signal import resample_poly  # only here: scipy.signal takes 0.4 s to import

    half_len = 10 * max(up, down)  # resample_poly's default filter: 2 * half_len + 1 taps
    pad = -(-(half_len // up + 2) // down) * down
    step = max(1, (_BLOCK_SECONDS * rate) // down) * down
    outputs: list[NDArray[np.float64]] = []
    buffer: NDArray[np.float64] = np.zeros(0)
    start = done = total = 0  # buffer[0] is input ``start``; the outputs of inputs [0, done) are out

    def emit(end: int) -> None:
        nonlocal buffer, start, done
        first, last = max(0, done - pad), min(total, end + pad)
        part = resample_poly(buffer[first - start:last - start], up, down)
        skip = (done - first) * up // down
        outputs.append(part[skip:skip + (-(-end * up // down) - done * up // down)])
        done = end
        keep = max(0, done - pad)
        buffer, start = buffer[keep - start:], keep

    for chunk in blocks:
        buffer = np.concatenate([buffer, chunk])
        total += len(chunk)
        while total >= done + step + pad:
            emit(done + step)
    if done < total:
        emit(total)
    return np.concatenate([*outputs, np.zeros(0)]).astype(np.float32)


# -- landmarks ------------------------------------------------------------------------------------


def _window() -> NDArray[np.float64]:
    n = np.arange(WINDOW, dtype=np.float64)
    return np.asarray(0.5 - 0.5 * np.cos(2 * np.pi * n / WINDOW), dtype=np.float64)


def frame_count(samples: int) -> int:
    """STFT frames of ``samples`` samples: frame t covers [t*HOP, t*HOP + WINDOW); no padding."""
    return 0 if samples < WINDOW else 1 + (samples - WINDOW) // HOP


def _log_spectrum(samples: NDArray[np.float32], first: int, last: int) -> NDArray[np.float64]:
    """ln(max(|STFT|, MAGNITUDE_FLOOR)) of frames [first, last), shape (frames, BINS)."""
    index = (np.arange(first, last, dtype=np.int64) * HOP)[:, None] + np.arange(WINDOW)[None, :]
    frames = samples[index].astype(np.float64) * _window()
    magnitude = np.abs(np.fft.rfft(frames, axis=1))
    return np.asarray(np.log(np.maximum(magnitude, MAGNITUDE_FLOOR)), dtype=np.float64)


def peaks(audio: Audio) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """The spectral peaks (frames, bins), sorted by frame then bin (spec/screening.md §3). A cell
    (t, k) of the log spectrum S is a peak if MIN_BIN <= k <= MAX_BIN, S[t, k] exceeds the floor,
    and, over its neighbourhood |t' - t| <= PEAK_FRAMES, |k' - k| <= PEAK_BINS (every bin counts;
    frames beyond either end do not exist), S[t, k] >= every cell and > every cell before it in
    (frame, bin) order — so a plateau of equal values yields one peak, not a crowd of them.
    Computed in blocks of frames with PEAK_FRAMES of context on each side: the same result."""
    total = frame_count(len(audio.samples))
    block = max(1, (_BLOCK_SECONDS * SAMPLE_RATE) // HOP)
    floor = math.log(MAGNITUDE_FLOOR)
    found_t: list[NDArray[np.int64]] = []
    found_f: list[NDArray[np.int64]] = []
    edge = {"mode": "constant", "cval": -np.inf}
    for first in range(0, total, block):
        last = min(total, first + block)
        lo, hi = max(0, first - PEAK_FRAMES), min(total, last + PEAK_FRAMES)
        spectrum = _log_spectrum(audio.samples, lo, hi)
        across = maximum_filter1d(spectrum, 2 * PEAK_BINS + 1, axis=1, **edge)  # bins k-12..k+12
        around = maximum_filter1d(across, 2 * PEAK_FRAMES + 1, axis=0, **edge)  # and frames t-12..t+12
        before = np.full_like(spectrum, -np.inf)  # frames t-12..t-1 (all bins k-12..k+12) ...
        before[1:] = maximum_filter1d(across, PEAK_FRAMES, axis=0, origin=(PEAK_FRAMES - 1) // 2, **edge)[:-1]
        left = np.full_like(spectrum, -np.inf)  # ... and bins k-12..k-1 of frame t
        left[:, 1:] = maximum_filter1d(spectrum, PEAK_BINS, axis=1, origin=(PEAK_BINS - 1) // 2, **edge)[:, :-1]
        earlier = np.maximum(before, left)
        inner = slice(first - lo, last - lo)
        value = spectrum[inner]
        is_peak = (value >= around[inner]) & (value > earlier[inner]) & (value > floor)
        is_peak[:, :MIN_BIN] = False
        is_peak[:, MAX_BIN + 1:] = False
        t, f = np.nonzero(is_peak)
        found_t.append(t.astype(np.int64) + first)
        found_f.append(f.astype(np.int64))
    if not found_t:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    return np.concatenate(found_t), np.concatenate(found_f)


def landmarks(audio: Audio) -> Landmarks:
    """The landmarks of ``audio`` (spec/screening.md §4): peaks in (frame, bin) order; each
    anchor pairs with the first FAN_OUT later peaks, in that order, whose frame is 1..MAX_DT
    after it and whose bin is within MAX_DF of it; hash = f1 << 13 | (f2 - f1 + 64) << 6 | dt.
    Deterministic: the same samples give the same landmarks."""
    t, f = peaks(audio)
    need = np.full(len(t), FAN_OUT, dtype=np.int64)
    hashes: list[NDArray[np.int64]] = []
    frames: list[NDArray[np.int64]] = []
    ahead = 1
    while ahead < len(t):
        anchor = np.arange(len(t) - ahead)
        target = anchor + ahead
        dt = t[target] - t[anchor]
        in_reach = dt <= MAX_DT
        if not in_reach.any():
            break
        df = f[target] - f[anchor]
        take = in_reach & (dt >= 1) & (np.abs(df) <= MAX_DF) & (need[anchor] > 0)
        chosen = anchor[take]
        need[chosen] -= 1
        hashes.append((f[chosen] << F1_SHIFT) | ((df[take] + 64) << DF_SHIFT) | dt[take])
        frames.append(t[chosen])
        ahead += 1
    if not hashes:
        return Landmarks(np.zeros(0, np.uint32), np.zeros(0, np.int32), audio.duration_s)
    return Landmarks(np.concatenate(hashes).astype(np.uint32), np.concatenate(frames).astype(np.int32),
                     audio.duration_s)

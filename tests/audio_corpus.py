"""A seeded, music-like audio corpus for the screening tests and bench (spec/screening.md).

Every track is a function of its seed alone: a tempo (72–168 BPM), a key and mode, a chord
progression played by a pad, a bass line, a lead melody over two phrases arranged into sections,
and a drum kit (kick, snare, hats) with its own patterns and tuning. Timbres (harmonic profiles,
attack, decay, detune), levels and structure vary from seed to seed, and every note is humanised
(timing and velocity), so a phrase that comes back is never a sample-exact copy of itself — as in
played music, and unlike a loop. The synthesis is vectorised numpy: wavetables looked up for all
the notes of an instrument at once and summed with ``numpy.bincount``.

Queries (:func:`make_query`) put a 10 s excerpt of a reference at a random place inside new
material, then change its gain (±6 dB), add white noise at 20 dB SNR and encode the whole query as
MP3 at 128 kbit/s CBR — the degradations of spec/screening.md's robustness goals. The truth
(where the excerpt sits in the query and in the reference) comes with it.

Only numpy and soundfile (the ``screen`` extra) are needed; tests import this module after
``pytest.importorskip``.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile
from numpy.typing import NDArray
from scipy.signal import resample_poly

RATE = 22050  # the corpus's sample rate: half of CD audio's, a quarter of the synthesis cost
MP3_RATE = 44100  # queries are encoded at CD rate, as MP3 files in practice are
PEAK = 0.5  # every track peaks at -6 dBFS, so a +6 dB gain change does not clip
MP3_KBPS = 128
_TABLE = 4096  # wavetable length: 2**12, indexed by the top 12 bits of a 32-bit phase
_SCALES = {
    "major": (0, 2, 4, 5, 7, 9, 11),
    "minor": (0, 2, 3, 5, 7, 8, 10),
    "dorian": (0, 2, 3, 5, 7, 9, 10),
    "mixolydian": (0, 2, 4, 5, 7, 9, 10),
    "harmonic minor": (0, 2, 3, 5, 7, 8, 11),
}
_CHUNK = 1 << 21  # samples rendered per bincount call, to bound temporary memory

Samples = NDArray[np.float32]


def _midi_hz(note: NDArray[np.float64]) -> NDArray[np.float64]:
    return np.asarray(440.0 * 2.0 ** ((note - 69.0) / 12.0), dtype=np.float64)


def _wavetable(rng: np.random.Generator, rate: int, top_hz: float, darkness: float) -> NDArray[np.float64]:
    """One period of a harmonic tone: harmonics that stay below Nyquist for ``top_hz``,
    amplitudes n^-darkness with random odd/even balance and per-harmonic jitter."""
    count = max(1, min(24, int(rate / 2 / top_hz)))
    n = np.arange(1, count + 1, dtype=np.float64)
    amps = n ** -darkness * np.where(n % 2 == 1, 1.0, rng.uniform(0.2, 1.0)) * rng.uniform(0.6, 1.0, count)
    phases = rng.uniform(0, 2 * np.pi, count)
    x = np.arange(_TABLE, dtype=np.float64) / _TABLE
    table = (amps[:, None] * np.sin(2 * np.pi * n[:, None] * x[None, :] + phases[:, None])).sum(axis=0)
    return np.asarray(table / np.abs(table).max(), dtype=np.float64)


@dataclass(frozen=True)
class _Notes:
    start: NDArray[np.float64]  # seconds
    length: NDArray[np.float64]  # seconds, release included
    hz: NDArray[np.float64]
    amp: NDArray[np.float64]


def _render(total: int, rate: int, notes: _Notes, table: NDArray[np.float64], attack: float,
            decay: float) -> NDArray[np.float64]:
    """Sum wavetable notes (linear attack, exponential decay, 10 ms release at the end) into
    ``total`` samples, in chunks of at most ``_CHUNK`` rendered samples. Phases are 32-bit
    fixed-point accumulators and the envelope a lookup table: no transcendental per sample."""
    out = np.zeros(total, dtype=np.float64)
    starts = np.round(notes.start * rate).astype(np.int64)
    lengths = np.maximum(np.round(notes.length * rate).astype(np.int64), 1)
    keep = (starts >= 0) & (starts < total)
    starts, lengths = starts[keep], np.minimum(lengths[keep], total - starts[keep])
    if len(starts) == 0:
        return out
    increment = np.round(notes.hz[keep] / rate * 2.0 ** 32).astype(np.int64).astype(np.uint32)
    amp = notes.amp[keep].astype(np.float32)
    t = np.arange(int(lengths.max()) + 1, dtype=np.float64) / rate
    envelope = (np.minimum(1.0, t / attack) * np.exp(-t / decay)).astype(np.float32)
    release = np.minimum(1.0, np.arange(len(t), dtype=np.float32) / max(1.0, 0.01 * rate)).astype(np.float32)
    wave = table.astype(np.float32)
    ends = np.cumsum(lengths)
    first = 0
    while first < len(starts):
        last = max(first + 1, int(np.searchsorted(ends, ends[first] - lengths[first] + _CHUNK)))
        size = lengths[first:last]
        which = np.repeat(np.arange(first, last), size)
        local = np.arange(int(size.sum()), dtype=np.int64) - np.repeat(np.cumsum(size) - size, size)
        index = (local.astype(np.uint32) * increment[which]) >> np.uint32(32 - 12)  # wraps mod 2**32
        values = wave[index] * envelope[local] * release[lengths[which] - local] * amp[which]
        positions = starts[which] + local
        low, high = int(positions.min()), int(positions.max()) + 1
        out[low:high] += np.bincount(positions - low, weights=values, minlength=high - low)
        first = last
    return out


def _noise_hits(total: int, rate: int, times: NDArray[np.float64], amps: NDArray[np.float64], noise: NDArray[np.float64],
                decay: float, rng: np.random.Generator) -> NDArray[np.float64]:
    """Bursts of the track's shaped noise, each from a random place in it, decaying exponentially."""
    length = int(decay * 4 * rate)
    starts = np.round(times * rate).astype(np.int64)
    keep = (starts >= 0) & (starts + length <= total)
    starts, amps = starts[keep], amps[keep]
    if len(starts) == 0:
        return np.zeros(total)
    offsets = rng.integers(0, len(noise) - length, len(starts))
    local = np.arange(length)
    envelope = np.exp(-local / (decay * rate))
    values = noise[offsets[:, None] + local[None, :]] * envelope[None, :] * amps[:, None]
    positions = (starts[:, None] + local[None, :]).ravel()
    return np.asarray(np.bincount(positions, weights=values.ravel(), minlength=total), dtype=np.float64)


def _kick(total: int, rate: int, times: NDArray[np.float64], amps: NDArray[np.float64], low: float, high: float,
          decay: float) -> NDArray[np.float64]:
    """A sine whose pitch falls from ``high`` to ``low`` Hz, decaying exponentially."""
    length = int(decay * 6 * rate)
    t = np.arange(length) / rate
    sweep = 0.03
    freq_integral = low * t + (high - low) * sweep * (1 - np.exp(-t / sweep))
    shape = np.sin(2 * np.pi * freq_integral) * np.exp(-t / decay)
    starts = np.round(times * rate).astype(np.int64)
    keep = (starts >= 0) & (starts + length <= total)
    starts, amps = starts[keep], amps[keep]
    positions = (starts[:, None] + np.arange(length)[None, :]).ravel()
    return np.asarray(np.bincount(positions, weights=(amps[:, None] * shape[None, :]).ravel(), minlength=total),
                      dtype=np.float64)


def _one_pole(x: NDArray[np.float64], coefficient: float) -> NDArray[np.float64]:
    """A cheap low-pass (an FIR truncation of a one-pole filter, vectorised)."""
    taps = coefficient ** np.arange(64)
    return np.asarray(np.convolve(x, taps / taps.sum(), mode="same"), dtype=np.float64)


def make_track(seed: int, seconds: float | None = None, *, rate: int = RATE) -> Samples:
    """The track of ``seed``: mono float32 at ``rate``, peaking at ``PEAK``. Its length is
    ``seconds`` or, by default, 60–180 s drawn from the seed."""
    rng = np.random.default_rng([0x70726F76, seed])
    if seconds is None:
        seconds = float(rng.uniform(60.0, 180.0))
    else:
        rng.uniform()  # the same draws follow whether or not the length was given
    total = round(seconds * rate)
    bpm = rng.uniform(72.0, 168.0)
    beat = 60.0 / bpm
    step = beat / 4  # a sixteenth
    bar = 16 * step
    root = int(rng.integers(0, 12))
    scale = np.array(_SCALES[list(_SCALES)[int(rng.integers(0, len(_SCALES)))]])
    swing = rng.uniform(0.0, 0.25) * step
    bars = int(np.ceil(seconds / bar)) + 1
    jitter = rng.uniform(0.002, 0.012)  # humanisation: timing sd (s)

    def humanise(times: NDArray[np.float64], amps: NDArray[np.float64]) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        return times + rng.normal(0, jitter, len(times)), amps * 10 ** (rng.normal(0, 2.0, len(amps)) / 20)

    def degree_pitch(degree: NDArray[np.int64], octave_base: int) -> NDArray[np.float64]:
        return np.asarray(octave_base + root + 12 * (degree // 7) + scale[degree % 7], dtype=np.float64)

    # Harmony: a progression of 4 or 8 bars, looped through the whole track.
    progression = rng.integers(0, 7, int(rng.choice([4, 8])))
    chord_of_bar = progression[np.arange(bars) % len(progression)]

    # Structure: phrases A and B of 8 bars for the melody, arranged A A B A B B A ...
    phrase_steps = 8 * 16
    phrases = []
    for _ in range(2):
        on = rng.random(phrase_steps) < rng.uniform(0.25, 0.55)
        on[0] = True
        walk = np.cumsum(rng.integers(-2, 3, phrase_steps))
        phrases.append((on, walk - walk.min() + int(rng.integers(0, 5))))
    order = [0, 0, 1, 0, 1, 1, 0, 1][: max(1, int(np.ceil(bars / 8)))]
    order += list(rng.integers(0, 2, max(0, int(np.ceil(bars / 8)) - len(order))))
    lead_t: list[NDArray[np.float64]] = []
    lead_p: list[NDArray[np.float64]] = []
    lead_len: list[NDArray[np.float64]] = []
    for section, which in enumerate(order):
        on, walk = phrases[int(which)]
        steps = np.flatnonzero(on)
        ends = np.append(steps[1:], phrase_steps)
        pitches = walk[steps].copy()
        varied = rng.random(len(pitches)) < 0.15  # a repeat is never note-for-note the same
        pitches[varied] += rng.integers(-2, 3, int(varied.sum()))
        lead_t.append(section * 8 * bar + steps * step + (steps % 2) * swing)
        lead_p.append(degree_pitch(pitches, 60))
        lead_len.append(np.minimum(ends - steps, 4) * step * rng.uniform(0.8, 1.2))
    lead = _Notes(np.concatenate(lead_t), np.concatenate(lead_len) + 0.05, _midi_hz(np.concatenate(lead_p)), np.ones(0))
    lead_times, lead_amps = humanise(lead.start, np.full(len(lead.start), 1.0))
    lead = _Notes(lead_times, lead.length, lead.hz, lead_amps)

    # Pad: the triad of each bar, sustained, slightly detuned.
    triad = chord_of_bar[:, None] + np.array([0, 2, 4])[None, :]
    pad_p = degree_pitch(triad.ravel(), 48)
    pad_t = np.repeat(np.arange(bars) * bar, 3)
    pad_t, pad_a = humanise(pad_t, np.full(len(pad_t), 0.5))
    pad = _Notes(pad_t, np.full(len(pad_t), bar + 0.2), _midi_hz(pad_p) * 2 ** (rng.normal(0, 6, len(pad_p)) / 1200), pad_a)

    # Bass: the chord's root on an 8-step pattern.
    pattern = rng.random(8) < 0.6
    pattern[0] = True
    bass_steps = np.flatnonzero(np.tile(pattern, bars * 2))
    bass_bar = bass_steps // 16
    bass_t, bass_a = humanise(bass_steps * step + (bass_steps % 2) * swing, np.full(len(bass_steps), 0.8))
    bass_p = degree_pitch(chord_of_bar[np.minimum(bass_bar, bars - 1)], 36)
    bass = _Notes(bass_t, np.full(len(bass_t), 2 * step), _midi_hz(bass_p), bass_a)

    # Drums: per-track patterns and tuning.
    kick_pattern = rng.random(16) < 0.25
    kick_pattern[0] = True
    snare_pattern = np.zeros(16, dtype=bool)
    snare_pattern[[4, 12]] = True
    snare_pattern |= rng.random(16) < 0.06
    hat_pattern = rng.random(16) < rng.uniform(0.3, 0.9)
    all_steps = np.arange(bars * 16)

    def hits(pattern: NDArray[np.bool_], level: float) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        on = all_steps[np.tile(pattern, bars)]
        return humanise(on * step + (on % 2) * swing, np.full(len(on), level))

    noise = rng.standard_normal(rate * 2)
    snare_noise = _one_pole(noise, rng.uniform(0.3, 0.7))
    hat_noise = np.diff(noise, prepend=0.0) * 0.5

    timbre = rng.uniform(size=8)
    mix = np.zeros(total)
    mix += rng.uniform(0.5, 1.0) * _render(total, rate, lead, _wavetable(rng, rate, 1100.0, 0.7 + 1.3 * timbre[0]),
                                           0.005 + 0.03 * timbre[1], 0.15 + 0.6 * timbre[2])
    mix += rng.uniform(0.2, 0.5) * _render(total, rate, pad, _wavetable(rng, rate, 700.0, 1.4 + timbre[3]),
                                           0.05 + 0.2 * timbre[4], 0.8 + 2 * timbre[5])
    mix += rng.uniform(0.4, 0.8) * _render(total, rate, bass, _wavetable(rng, rate, 200.0, 1.5 + timbre[6]),
                                           0.005, 0.2 + 0.3 * timbre[7])
    drums = rng.uniform(0.3, 0.9)
    kick_t, kick_a = hits(kick_pattern, 1.0)
    mix += drums * _kick(total, rate, kick_t, kick_a, rng.uniform(45, 70), rng.uniform(110, 180), rng.uniform(0.05, 0.15))
    snare_t, snare_a = hits(snare_pattern, 0.5)
    mix += drums * _noise_hits(total, rate, snare_t, snare_a, snare_noise, rng.uniform(0.03, 0.09), rng)
    hat_t, hat_a = hits(hat_pattern, 0.25)
    mix += drums * _noise_hits(total, rate, hat_t, hat_a, hat_noise, rng.uniform(0.01, 0.04), rng)
    fade = min(total, int(0.05 * rate))
    mix[:fade] *= np.linspace(0, 1, fade)
    mix[total - fade:] *= np.linspace(1, 0, fade)
    peak = float(np.abs(mix).max()) or 1.0
    return (mix * (PEAK / peak)).astype(np.float32)


def write_audio(path: Path, samples: Samples, rate: int = RATE, *, format: str = "FLAC") -> Path:
    """Write mono audio: "WAV" (16-bit PCM), "FLAC" (16-bit) or "MP3" (128 kbit/s CBR)."""
    if format == "MP3":
        path.write_bytes(encode_mp3(samples, rate))
    else:
        soundfile.write(str(path), samples, rate, format=format, subtype="PCM_16")
    return path


def encode_mp3(samples: Samples, rate: int = RATE, kbps: int = MP3_KBPS) -> bytes:
    """MP3 bytes at ``kbps`` CBR (LAME, inside libsndfile), at ``MP3_RATE``: audio at another
    rate is resampled first. libsndfile maps a compression level c in [0, 1] to 320 - 288c
    kbit/s at MPEG-1 rates (32 kHz and up)."""
    buffer = io.BytesIO()
    soundfile.write(buffer, to_rate(samples, rate, MP3_RATE), MP3_RATE, format="MP3", subtype="MPEG_LAYER_III",
                    compression_level=(320 - kbps) / 288, bitrate_mode="CONSTANT")
    return buffer.getvalue()


def to_rate(samples: Samples, rate: int, target: int) -> Samples:
    """``samples`` resampled from ``rate`` to ``target`` Hz (scipy's polyphase filter)."""
    if rate == target:
        return samples
    g = math.gcd(rate, target)
    return np.asarray(resample_poly(samples.astype(np.float64), target // g, rate // g), dtype=np.float32)


def degrade(samples: Samples, rng: np.random.Generator, *, gain_db: float, snr_db: float = 20.0) -> Samples:
    """Gain change, then white noise at ``snr_db`` below the signal's mean power; clipped to
    [-1, 1] as a fixed-point file would be."""
    out = samples.astype(np.float64) * 10 ** (gain_db / 20)
    power = float(np.mean(out ** 2))
    out += rng.standard_normal(len(out)) * np.sqrt(power / 10 ** (snr_db / 10))
    return np.clip(out, -1.0, 1.0).astype(np.float32)


@dataclass(frozen=True)
class Query:
    """A query file's bytes (MP3) and the truth: where the excerpt sits in the query and in its
    reference, in seconds; ``reference`` is the reference's seed (None: a negative query)."""

    mp3: bytes
    seconds: float
    reference: int | None
    query_start: float
    reference_start: float
    gain_db: float


def make_query(reference_seed: int | None, reference: Samples | None, seed: int, *, excerpt: float = 10.0,
               total: float = 30.0, rate: int = RATE, snr_db: float = 20.0) -> Query:
    """A ``total``-second query of new material (a track no catalogue holds, from ``seed``)
    with, unless ``reference`` is None, a ``excerpt``-second passage of ``reference`` at a
    random offset in both; then ±6 dB gain (sign from the seed), noise at ``snr_db`` and MP3
    128 kbit/s CBR."""
    rng = np.random.default_rng([0x71756572, seed])
    filler = make_track(10_000_000 + seed, total, rate=rate).astype(np.float64)
    query_start = reference_start = 0.0
    if reference is not None:
        query_start = float(rng.uniform(0.0, total - excerpt))
        reference_start = float(rng.uniform(0.0, len(reference) / rate - excerpt))
        a, b = round(query_start * rate), round(reference_start * rate)
        n = round(excerpt * rate)
        ramp = min(n // 2, int(0.01 * rate))  # 10 ms splices
        window = np.ones(n)
        window[:ramp] = np.linspace(0, 1, ramp)
        window[n - ramp:] = np.linspace(1, 0, ramp)
        filler[a:a + n] = filler[a:a + n] * (1 - window) + reference[b:b + n] * window
    gain = float(rng.choice([-6.0, 6.0]))
    degraded = degrade(to_rate(filler.astype(np.float32), rate, MP3_RATE), rng, gain_db=gain, snr_db=snr_db)
    return Query(encode_mp3(degraded, MP3_RATE), total, reference_seed, query_start, reference_start, gain)

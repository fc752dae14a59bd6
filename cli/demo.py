"""``provenote demo``: the "Night Market" story of ../shared/PRODUCT.md, built in a fresh folder
with synthetic WAV files, exported, verified. Each step claims (``occurred``) a time of one
working day in the studio's zone; the ledger records them as the demo runs. The keys use a fixed
demo passphrase: they are for this demonstration only.

Kept fast (a couple of seconds): one key derivation for all the keys, run while the audio is made
and the extras load; the audio computed note by note at C speed (each distinct note once) at the
screening fingerprint's own rate; the CA and TSA keys derived from fixed seeds.
"""

from __future__ import annotations

import cmath
import contextlib
import functools
import hashlib
import importlib
import itertools
import math
import operator
import struct
import sys
from array import array
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone
from pathlib import Path
from typing import Any

import click
from cryptography.hazmat.primitives.serialization import Encoding

from cli.bundles import package_reports
from cli.context import emit_json, json_option
from cli.localtsa import LocalTsa, LocalTsaUnavailable
from cli.progress import quiet_option, stderr_progress
from ledger import (
    Appended,
    AttachmentStore,
    DisclosureRequest,
    DraftBuilder,
    ExportResult,
    KeyStore,
    Ledger,
    LedgerError,
    LicencePrivate,
    PublicKeyInfo,
    Signer,
    Witness,
    draft_licence,
    export_bundle,
    export_package,
    licence_event_draft,
    request_timestamp,
    sign_licence,
    write_atomic,
)
from verifier import Policy, load_tsa_roots, verify_bundle
from verifier.analysis import RETROSPECTIVE_US
from verifier.cli import load_trusted_key, write_report
from verifier.format import (
    SIG_COSIGNATURE_V1,
    SIG_ED25519,
    Checkpoint,
    EventHash,
    LicenceDocument,
    SignedNote,
    SigningKey,
    VerifierKey,
    WorkId,
    microseconds_of,
)
from verifier.render import render_text

DEMO_PASSPHRASE = "night-market-demo"  # noqa: S105 -- printed to the user; demo keys only
#: Hz: the screening fingerprint's own rate (spec/screening.md §2), so screening resamples nothing.
RATE = 11_025
BAR_SECONDS = 2.0  # 4/4 at 120 bpm
BAR = int(RATE * BAR_SECONDS)  # samples
BARS = 30  # 60 s
PENTATONIC = (220.0, 247.5, 277.2, 330.0, 370.0, 440.0)

#: A plucked string: (ratio to the fundamental, amplitude, extra decay per second); the second
#: partial's amplitude is the bar's ``timbre``.
Partials = tuple[tuple[float, float, float], ...]
#: A bell's partials: inharmonic, as a cast bell's are (hum, prime, tierce, quint, nominal).
_BELL_PARTIALS: Partials = ((1.0, 1.0, 0.0), (2.0, 0.6, 1.0), (2.76, 0.5, 2.0), (5.40, 0.3, 4.0), (8.93, 0.2, 6.0))


def _pitch(note: int) -> float:
    """A note index → Hz: the pentatonic scale, an octave up from its seventh note on."""
    return PENTATONIC[note % len(PENTATONIC)] * (2 if note >= len(PENTATONIC) else 1)


@functools.cache
def _envelope(length: int, attack_s: float, decay: float) -> array[float]:
    """A linear attack of ``attack_s`` then exp(-decay·t), ``length`` samples."""
    attack = attack_s * RATE
    fade = _powers(math.exp(-decay / RATE), length)
    return array("d", map(operator.mul, fade, [min(1.0, i / attack) for i in range(length)]))


def _powers(z: complex | float, length: int, first: complex | float = 1.0) -> Iterator[Any]:
    """first·z⁰, first·z¹, … (``length`` terms), multiplied out at C speed."""
    return itertools.accumulate(itertools.repeat(z, length - 1), operator.mul, initial=first)


@functools.cache
def _note(freq: float, length: int, partials: Partials, attack_s: float, decay: float, level: float) -> array[float]:
    """One struck note, ``length`` samples, peak at most ``level``: each partial a damped sine,
    the imaginary part of the powers of one complex number. Partials at or above the Nyquist
    frequency are left out (they would fold back as other tones). Cached: a cue repeats its
    notes, so each is computed once."""
    scale = level / sum(amplitude for _, amplitude, _ in partials)
    waves = [map(_IMAG, _powers(cmath.exp(complex(-extra, 2 * math.pi * freq * ratio) / RATE), length,
                                complex(scale * amplitude)))
             for ratio, amplitude, extra in partials if freq * ratio < RATE / 2]
    return array("d", map(operator.mul, _envelope(length, attack_s, decay), map(sum, zip(*waves, strict=True))))


_IMAG = operator.attrgetter("imag")


def _strikes(notes: tuple[int, ...], partials: Partials, attack_s: float, decay: float,
             level: float) -> array[float]:
    """One bar of evenly spaced notes (a note's length rounded to whole samples, the bar exact)."""
    bar = array("d")
    for k, note in enumerate(notes):
        length = (k + 1) * BAR // len(notes) - k * BAR // len(notes)
        bar += _note(_pitch(note), length, partials, attack_s, decay, level)
    return bar


def _bar(notes: tuple[int, ...], *, timbre: float, level: float) -> array[float]:
    """One bar of four beats; each note an index into the pentatonic scale, with a soft envelope."""
    return _strikes(notes, ((1.0, 1.0, 0.0), (2.0, timbre, 0.0)), 0.025, 3.0, level)


def _bell_bar(notes: tuple[int, ...], *, level: float) -> array[float]:
    """One bar of bell strikes, evenly spaced: each note an index into the pentatonic scale."""
    return _strikes(notes, _BELL_PARTIALS, 0.005, 4.0, level)


def _native_le(samples: array[Any]) -> bytes:
    """An array's bytes, little-endian as WAV wants them."""
    if sys.byteorder == "big":
        samples = array(samples.typecode, samples)
        samples.byteswap()
    return samples.tobytes()


def _samples(bar: array[float], fmt: str) -> bytes:
    """One bar's samples in a WAV sample format (clipped to [-1, 1] if they exceed it)."""
    if max(map(abs, bar), default=0.0) > 1.0:
        bar = array("d", [max(-1.0, min(1.0, s)) for s in bar])
    if fmt == "float32":
        return _native_le(array("f", bar))
    if fmt == "extensible24":
        wide = _native_le(array("i", map(int, map((8_388_607.0).__mul__, bar))))  # 32-bit little-endian
        packed = bytearray(3 * len(bar))
        for byte in range(3):  # keep the low three bytes of each
            packed[byte::3] = wide[byte::4]
        return bytes(packed)
    return _native_le(array("h", map(int, map((32_767.0).__mul__, bar))))


def _render(bars: list[array[float]], fmt: str, converted: dict[tuple[int, str], bytes]) -> bytes:
    """Samples → WAV bytes: 'pcm16', 'float32' (format 3) or 'extensible24' (0xFFFE, PCM). Files
    repeat a few bars: each distinct bar is converted once, kept in ``converted`` (by the bar's
    id: the caller keeps the bars alive while it uses ``converted``)."""
    for bar in bars:
        if (id(bar), fmt) not in converted:
            converted[id(bar), fmt] = _samples(bar, fmt)
    data = b"".join(converted[id(bar), fmt] for bar in bars)
    tag, bits = {"float32": (3, 32), "extensible24": (0xFFFE, 24)}.get(fmt, (1, 16))
    block = bits // 8
    if tag == 0xFFFE:
        guid = b"\x01\x00" + bytes.fromhex("000000001000800000aa00389b71")
        fmt_chunk = struct.pack("<HHIIHHHHI", tag, 1, RATE, RATE * block, block, bits, 22, bits, 4) + guid
    else:
        fmt_chunk = struct.pack("<HHIIHH", tag, 1, RATE, RATE * block, block, bits)
    body = b"WAVE" + b"fmt " + struct.pack("<I", len(fmt_chunk)) + fmt_chunk
    body += b"data" + struct.pack("<I", len(data)) + data + (b"\x00" if len(data) % 2 else b"")
    return b"RIFF" + struct.pack("<I", len(body)) + body


BELL_BARS = range(26, 29)  # the temple-bell phrase sits in bars 27–29 of the mix: 52–58 s


def _mixed(*bars: array[float]) -> array[float]:
    return array("d", map(sum, zip(*bars, strict=True)))


def write_audio(folder: Path) -> dict[str, Path]:
    """The cue's files. Bar b of the 60 s timeline is [2b, 2b + 2) seconds."""
    folder.mkdir(parents=True, exist_ok=True)
    ai_a = _bar((0, 2, 4, 2), timbre=0.6, level=0.5)
    ai_b = _bar((1, 3, 5, 3), timbre=0.6, level=0.5)
    ai_c = _bar((0, 3, 4, 6), timbre=0.4, level=0.5)  # after the parameter edit
    human = _bar((4, 5, 7, 4), timbre=0.2, level=0.55)  # the rewritten erhu line
    vocal = _bar((5, 4, 2, 0), timbre=0.05, level=0.6)
    bell = [_bell_bar(notes, level=0.45) for notes in ((8, 10, 9, 11, 10, 8, 11, 9), (11, 9, 8, 10, 9, 11, 8, 10),
                                                       (9, 11, 10, 8, 8, 10, 11, 9))]
    silence = array("d", bytes(8 * BAR))

    def timeline(pick: Callable[[int], array[float]]) -> list[array[float]]:
        return [pick(b) for b in range(BARS)]

    melody = timeline(lambda b: human if 8 <= b < 16 else ai_c)  # bars 9–16 = 16–32 s
    bell_over = {b: _mixed(melody[b], bell[i]) for i, b in enumerate(BELL_BARS)}
    mix = timeline(lambda b: vocal if 20 <= b < 24 else bell_over.get(b, melody[b]))
    files = {
        "take1.wav": (timeline(lambda b: ai_a), "pcm16"),
        "take2.wav": (timeline(lambda b: ai_b), "pcm16"),
        "take3.wav": (timeline(lambda b: ai_c), "pcm16"),
        "melody-edit.wav": (melody, "pcm16"),
        "vocal-hook.wav": (timeline(lambda b: vocal if 20 <= b < 24 else silence), "float32"),  # 40–48 s
        "temple-bell.wav": (bell, "pcm16"),  # 6 s: the licensed sample
        "mix.wav": (mix, "pcm16"),
        "master.wav": (mix, "extensible24"),
    }
    paths = {}
    converted: dict[tuple[int, str], bytes] = {}
    for name, (bars, fmt) in files.items():
        path = folder / name
        write_atomic(path, _render(bars, fmt, converted))
        paths[name] = path
    return paths


def write_library(folder: Path) -> list[Path]:
    """Two library tracks of the studio's reference catalogue that the cue does not use (the
    temple-bell sample is the third): 8 s each, other phrases, other timbres."""
    folder.mkdir(parents=True, exist_ok=True)
    tracks = {"rain-on-tin-roof.wav": [_bar(n, timbre=0.3, level=0.5) for n in ((1, 1, 3, 2), (2, 4, 1, 0),
                                                                                  (3, 1, 2, 4), (0, 2, 1, 3))],
              "lion-dance-drums.wav": [_bar(n, timbre=0.8, level=0.5) for n in ((0, 0, 5, 0), (5, 0, 0, 5),
                                                                                  (0, 5, 5, 0), (5, 5, 0, 0))]}
    paths = []
    for name, bars in tracks.items():
        path = folder / name
        write_atomic(path, _render(bars, "pcm16", {}))
        paths.append(path)
    return paths


#: The Beijing studio's clock: the story's times are claimed in it (the ledger records in UTC).
STUDIO_ZONE = timezone(timedelta(hours=8), "+08:00")
STUDIO_TZ_NAME = "Asia/Shanghai"  # the reports' --tz: the same offset, all year
DAY_STARTS = time(9, 30)
REWRITE_MINUTES = 90  # mei's rewrite of bars 9–16, by hand
MIX_MINUTES = 60
#: The working day, in order: each step and the minutes since the step before it. From 09:30
#: (prompt design) to 18:20 (the delivery note); the rewrite and the mix take as long as they say.
SESSION: tuple[tuple[str, int], ...] = (
    ("work", 0), ("output-licence", 5), ("generation", 25), ("parameter-edit", 20), ("selection", 15),
    ("rewrite", REWRITE_MINUTES), ("vocal", 130),  # lunch, then Lan sings the hook
    ("bell-licence", 25), ("bell-payment", 5), ("import", 5), ("mix", MIX_MINUTES), ("master", 25),
    ("screening", 10), ("release", 20), ("labels", 10), ("ddex", 5), ("sync-licence", 30), ("sync-payment", 15),
    ("usage-sg", 5), ("usage-us", 5), ("attestation", 15), ("note", 10),
)
SESSION_MINUTES = sum(gap for _, gap in SESSION)
#: Kept between the session and both ends of the 24 hours before now (the demo runs for seconds).
_SLACK = timedelta(minutes=10)
_QUARTER = timedelta(minutes=15)


def session_start(now: datetime) -> datetime:
    """When the demo's working day starts, in the studio's zone. The whole session must lie in the
    24 hours before ``now``: ``occurred`` may not be after the ledger's recorded time, and one more
    than 24 h before it is graded C, retrospective (spec/human-involvement.md §3). So: 09:30 of
    the last day whose session is over by ``now``, when that fits; otherwise (``now`` within the
    studio's working hours) the quarter hour nearest to 09:30 at which the session fits.

    Raises: ValueError if ``now`` has no time zone.
    """
    if now.tzinfo is None:
        raise ValueError("session_start needs an aware time")
    local = now.astimezone(STUDIO_ZONE)
    earliest = _quarter(local - timedelta(microseconds=RETROSPECTIVE_US) + _SLACK, up=True)
    latest = _quarter(local - timedelta(minutes=SESSION_MINUTES) - _SLACK, up=False)
    starts = []
    for days_back in (0, 1, 2):
        ideal = datetime.combine(local.date() - timedelta(days=days_back), DAY_STARTS, STUDIO_ZONE)
        start = min(max(ideal, earliest), latest)
        starts.append((abs(start - ideal), days_back, start))
    return min(starts)[2]


def _quarter(moment: datetime, *, up: bool) -> datetime:
    """``moment`` rounded to a quarter hour of its own clock, up or down."""
    midnight = moment.replace(hour=0, minute=0, second=0, microsecond=0)
    down = moment - (moment - midnight) % _QUARTER
    return down + _QUARTER if up and down != moment else down


def session_times(start: datetime) -> dict[str, datetime]:
    """Each step of :data:`SESSION` → when it happened, the day starting at ``start``."""
    times, at = {}, start
    for step, gap in SESSION:
        at += timedelta(minutes=gap)
        times[step] = at
    return times


class _Narration:
    """The demo's printed steps, and the progress through ``total`` stages (``progress(done, total)``, or None)."""

    #: keys, audio; the session's steps; checkpoint, anchor, witness; package, bundle
    BUILD_STAGES = 2 + len(SESSION) + 3 + 2

    def __init__(self, progress: Callable[[int, int], None] | None, total: int = BUILD_STAGES) -> None:
        self.lines: list[str] = []
        self.total = total
        self._progress = progress
        self._done = 0

    def tick(self) -> None:
        """One stage done."""
        self._done += 1
        if self._progress is not None:
            self._progress(min(self._done, self.total), self.total)

    def say(self, line: str) -> None:
        """A narrated line (one stage)."""
        self.lines.append(line)
        self.tick()

    def step(self, seq: int | str, at: datetime | None, who: str, what_type: str, what: str) -> None:
        """A narrated step: event number(s), the claimed time in the studio's zone (None: now, as
        the demo runs), who, the event's type, what happened (one stage)."""
        when = f"{at.astimezone(STUDIO_ZONE):%H:%M}" if at is not None else "now"
        number = f"#{seq}" if seq != "" else ""
        self.say(f"{number:<6} {when:>5} {who:11} {what_type:15} {what}")

    def finish(self) -> None:
        """All done (a step left out, e.g. an extra not installed, leaves a stage uncounted)."""
        if self._progress is not None and self._done < self.total:
            self._progress(self.total, self.total)


@dataclass(frozen=True)
class DemoResult:
    """What the demo built, and where."""

    folder: Path
    ledger: Path
    keys: Path
    audio: Path
    bundle: ExportResult
    trust_files: list[Path]
    work: bytes
    steps: list[str]
    tsa_root: Path | None
    witness: str  # the notary's C2SP vkey
    session: datetime  # when the story's working day started, in the studio's zone
    readme: Path  # README.txt: which keys are demo-only and must never be trusted


PEOPLE = {"mei": "composer", "jun": "producer", "cuegen-logs": "provider", "legal": "exporter",
          "studio-log": "log", "notary": "witness"}


def run_demo(folder: Path, *, progress: Callable[[int, int], None] | None = None) -> DemoResult:
    """Build the story in ``folder`` (which must not exist or be empty); ``progress(done, total)``
    is told of each stage. Raises LedgerError."""
    narration = _Narration(progress)
    result = _build(folder, narration)
    narration.finish()
    return result


def _build(folder: Path, narration: _Narration) -> DemoResult:
    """:func:`run_demo`'s work, narrated and counted by ``narration``."""
    if folder.exists() and any(folder.iterdir()):
        raise LedgerError(f"{folder} is not empty: give the demo a new folder (provenote demo DIR)")
    folder.mkdir(parents=True, exist_ok=True)
    start = session_start(datetime.now(UTC))
    times = session_times(start)
    day = start.date()
    keys = KeyStore(folder / "keys")
    from concurrent.futures import ThreadPoolExecutor  # here: every command imports this module

    with ThreadPoolExecutor(max_workers=1) as pool:
        # One key derivation for the six keys, which then stay unlocked in memory for the whole
        # story. scrypt leaves the GIL, so the audio is made and the extras load meanwhile.
        new_keys = pool.submit(keys.create_signers, list(PEOPLE.items()), DEMO_PASSPHRASE)
        audio = write_audio(folder / "audio")
        narration.tick()
        _load_extras()
        signers = {s.info.name: s for s in new_keys.result()}
    narration.tick()
    with Ledger.init(folder / "ledger") as book:
        mei, jun, provider = signers["mei"], signers["jun"], signers["cuegen-logs"]

        created = book.create_work(mei, "Night Market", isrc="CNA0X2600001", occurred=microseconds_of(times["work"]))
        work = created.work
        narration.step(0, times["work"], mei.info.name, "work", f"mei starts the work: {work.hex()[:16]}")
        build = DraftBuilder(book)
        store = AttachmentStore(folder / "ledger")

        def record(signer: Signer, at: str, what: str, type_name: str, body: dict[str, object],
                   private: dict[str, str | None] | None = None) -> Appended:
            draft = build.draft(type_name, dict(body), private or {}, microseconds_of(times[at]))
            result = book.append(work, signer, draft)
            narration.step(result.seq, times[at], signer.info.name, type_name, what)
            return result

        def record_licence(signer: Signer, at: str, what: str, drafted: tuple[LicenceDocument, LicencePrivate],
                           parties: list[Signer]) -> EventHash:
            """Each party signs the drafted document in turn; the studio records it (spec/licensing.md)."""
            document, private = drafted
            data = document.encode()
            for party in parties:
                data = sign_licence(data, party)
            result = book.append(work, signer, licence_event_draft(data, private, occurred=microseconds_of(times[at])))
            narration.step(result.seq, times[at], signer.info.name, "licence", what)
            return result.hash

        a = {name: build.asset(path) for name, path in audio.items()}
        counterparties = _counterparties()
        output_licence = record_licence(
            mei, "output-licence", "ExampleAI's output terms: commercial use of cue-gen's output, signed by both",
            draft_licence(licensors=[provider.info.public_key], licensees=[mei.info.public_key], direction="in",
                          subject="Output of the cue-gen model: commercial use by the licensee",
                          subject_model="cue-gen", scope="All outputs of account mei, plan 'Studio'",
                          territory=["WORLD"], media=["streaming", "broadcast", "sync", "download"],
                          start=f"{day.year}-01-01", end=f"{day.year}-12-31", amount="0.00", currency="USD",
                          commercial_use=True, derivatives="allowed", ai_training="forbidden"),
            [provider, mei])
        generation = record(mei, "generation", "two candidates from cue-gen 2.1 (prompt kept private)", "generation",
                            {"model": "cue-gen", "model_version": "2.1", "provider": "ExampleAI", "seed": 42,
                             "params": {"temperature": 0.8, "bpm": 120, "duration_s": 60, "key": "A minor"},
                             "outputs": [a["take1.wav"], a["take2.wav"]], "licence": bytes(output_licence)},
                            {"prompt": "60 s lo-fi night market cue, erhu lead, light percussion, 120 bpm, "
                                       "warm and nostalgic, for a micro-drama street scene",
                             "negative_prompt": "vocals, heavy drums"})
        record(mei, "parameter-edit", "temperature 0.8 → 0.6, guidance 4.5: a third take", "parameter-edit",
               {"of": bytes(generation.hash), "params": {"temperature": 0.6, "guidance": 4.5},
                "outputs": [a["take3.wav"]]})
        record(mei, "selection", "chooses take 3 of three", "selection",
               {"candidates": [a["take1.wav"], a["take2.wav"], a["take3.wav"]], "chosen": a["take3.wav"]},
               {"reason": "the only take whose erhu line leaves room for a vocal hook"})
        record(mei, "rewrite", f"rewrites the erhu melody of bars 9–16 (16–32 s) by hand, {REWRITE_MINUTES} min",
               "human-edit",
               {"inputs": [a["take3.wav"]], "output": a["melody-edit.wav"], "kind": "melody",
                "segments": [[16_000, 32_000]], "stems": ["erhu"], "tool": "Reaper 7", "minutes": REWRITE_MINUTES},
               {"note": "new phrase: rising fourth answered by a falling pentatonic run"})
        record(jun, "vocal", "records the vocal hook, bars 21–24 (40–48 s)", "human-input",
               {"output": a["vocal-hook.wav"], "layer": "vocals", "segments": [[40_000, 48_000]]},
               {"lyrics": "夜市的灯 亮到天明", "note": "sung by Lan, two takes comped"})
        bell_licence = record_licence(
            jun, "bell-licence", "the temple-bell sample's licence, countersigned by templebell-lib",
            draft_licence(licensors=[counterparties["templebell-lib"].info.public_key],
                          licensees=[jun.info.public_key], direction="in",
                          subject="Temple Bells vol. 2, track 7", subject_assets=[audio["temple-bell.wav"]],
                          scope="One cue, any episode of the series; no stand-alone release", territory=["WORLD"],
                          media=["streaming", "broadcast", "sync"], start=f"{day.year}-01-01",
                          end=f"{day.year + 4}-12-31", amount="300.00", currency="EUR", attribution=True),
            [counterparties["templebell-lib"], jun])
        receipt = store.add(_receipt(folder, day))
        record(jun, "bell-payment", "pays the sample licence (receipt attached)", "payment",
               {"licence": bytes(bell_licence), "amount": "300.00", "currency": "EUR", "paid_on": day.isoformat(),
                "attachments": [receipt]}, {"reference": "SampleHouse invoice SH-2291"})
        record(jun, "import", "imports a licensed temple-bell sample", "import",
               {"output": a["temple-bell.wav"], "source": "Temple Bells vol. 2, SampleHouse, licence SH-2291",
                "digital_source_type": "digitalCapture"})
        record(jun, "mix", f"mixes melody, vocal and bell; places the hook at 40–48 s, {MIX_MINUTES} min", "human-edit",
               {"inputs": [a["melody-edit.wav"], a["vocal-hook.wav"], a["temple-bell.wav"]],
                "output": a["mix.wav"], "kind": "mixing", "segments": [[40_000, 48_000]],
                "stems": ["vocal", "bell"], "tool": "Reaper 7", "minutes": MIX_MINUTES})
        record(jun, "master", "AI mastering of the mix", "assist",
               {"tool": "AutoMaster Pro 3", "function": "mastering", "inputs": [a["mix.wav"]],
                "outputs": [a["master.wav"]]})
        _screen(book, work, jun, folder, audio, narration, times["screening"])
        record(jun, "release", "releases the master for episode 3", "release",
               {"asset": a["master.wav"], "isrc": "CNA0X2600001"})
        _label(book, work, jun, folder, keys, audio, narration, times)
        sync_start = day.replace(day=1)
        sync = record_licence(
            jun, "sync-licence", "grants a sync licence to the drama's producer, signed by both",
            draft_licence(licensors=[jun.info.public_key], licensees=[counterparties["drama-co"].info.public_key],
                          direction="out", subject="Night Market, for episodes 1-20 of the series",
                          subject_assets=[audio["master.wav"]], scope="Background music of the series",
                          territory=["CN", "SG", "MY"], media=["streaming", "sync"], start=sync_start.isoformat(),
                          end=(sync_start.replace(year=sync_start.year + 2) - timedelta(days=1)).isoformat(),
                          amount="2000.00", currency="EUR"),
            [jun, counterparties["drama-co"]])
        record(jun, "sync-payment", "payment received for the sync licence", "payment",
               {"licence": bytes(sync), "amount": "2000.00", "currency": "EUR", "paid_on": day.isoformat()})
        record(jun, "usage-sg", "episode 3 streams in Singapore: covered", "usage",
               {"licence": bytes(sync), "production": "Night Market Love (micro-drama)", "episode": 3,
                "platform": "ShortPlay", "territory": "SG", "media": "streaming", "date": day.isoformat(),
                "asset": a["master.wav"]})
        record(jun, "usage-us", "episode 3 streams in the US: not covered by the sync licence", "usage",
               {"licence": bytes(sync), "production": "Night Market Love (micro-drama)", "episode": 3,
                "platform": "ReelFlix", "territory": "US", "media": "streaming", "date": day.isoformat(),
                "asset": a["master.wav"]})
        record(provider, "attestation", "ExampleAI's log export attests the generation", "attestation",
               {"about": bytes(generation.hash),
                "statement": "ExampleAI generation log: request r-7731 by account mei, model cue-gen 2.1, seed 42; "
                             "the two output hashes match our records."})
        record(mei, "note", "delivery note", "note", {}, {"text": "Delivered to the music supervisor of episode 3."})

        tsa_root = _anchor_and_witness(book, folder, signers["studio-log"], signers["notary"], narration)
        package = folder / "evidence-package"
        export_package(book, work, signers["legal"], package, case="Night Market v. claimant (demo)",
                       disclose=DisclosureRequest(fields=frozenset({"prompt", "fee"})), assets_from=folder / "audio",
                       attachments=True, reports=package_reports)
        narration.tick()
        bundle_path = folder / "night-market.bundle"
        exported = export_bundle(book, work, signers["legal"], bundle_path,
                                 disclose=DisclosureRequest(fields=frozenset({"prompt", "fee"})),
                                 assets_from=folder / "audio", attachments=True)
        narration.tick()
    trust = folder / "trust"
    trust.mkdir(exist_ok=True)
    trust_files = []
    for name in ("mei", "jun", "cuegen-logs", "legal"):
        path = trust / f"{name}.pem"
        write_atomic(path, signers[name].info.pem().encode("ascii"))
        trust_files.append(path)
    witness = VerifierKey(signers["notary"].info.name, SIG_COSIGNATURE_V1, signers["notary"].info.public_key)
    return DemoResult(folder, folder / "ledger", folder / "keys", folder / "audio", exported, trust_files,
                      bytes(work), narration.lines, tsa_root, witness.format(), start, write_never_trust(folder))


NEVER_TRUST = "DEMO ONLY — NEVER TRUST"


def write_never_trust(folder: Path) -> Path:
    """``FOLDER/README.txt``: which of the demo's keys are public knowledge (a published passphrase,
    seeds in provenote's source), so that nobody trusts them outside the demo. Returns its path."""
    lines = [f"{NEVER_TRUST} THE KEYS IN THIS FOLDER", "",
             "Everything here was made by `provenote demo` to show how provenote works. Its keys are not",
             "secret: anyone can sign as them, so nothing they sign or stamp proves anything.", "",
             f"- keys/: the story's keys ({', '.join(PEOPLE)}), locked with the published passphrase",
             f"  {DEMO_PASSPHRASE!r}; trust/ holds their public keys, for the demo's own check only.",
             "- templebell-lib and drama-co (the story's licensor and licensee): keys derived from seeds",
             "  published in provenote's source (cli/demo.py); they signed licences in the ledger and the bundle."]
    if (folder / "tsa").exists():
        lines += ["- tsa/: the demo timestamp authority (root.pem and its signing key), derived from a seed",
                  "  published in provenote's source: anyone can make timestamps that this root accepts."]
    if (folder / "c2pa" / "demo-ca-root.pem").exists():
        lines += ["- c2pa/demo-ca-root.pem: the demo certificate authority of the C2PA credentials, from a",
                  "  published seed too."]
    lines += ["", "Never give any of them to --trust, --tsa-root or --witness outside this demo, and never add",
              "demo-ca-root.pem to a C2PA trust list."]
    path = folder / "README.txt"
    write_atomic(path, ("\n".join(lines) + "\n").encode("utf-8"))
    return path


def _load_extras() -> None:
    """Import the screening and labelling extras that are installed (what :func:`_screen` and
    :func:`_label` need), so that they load while the keys are derived; a missing one is
    reported by the step that needs it."""
    for module in ("ledger.screening", "ledger.labels", "c2pa", "lxml"):
        with contextlib.suppress(ImportError):
            importlib.import_module(module)


def _screen(book: Ledger, work: WorkId, signer: Signer, folder: Path, audio: dict[str, Path],
            narration: _Narration, at: datetime) -> None:
    """The studio screens the master against its reference catalogue before release (spec/screening.md):
    the temple-bell sample and two short library clips. Skipped, with a note, without ``provenote[screen]``."""
    try:
        from ledger.screening import Catalogue, screen_asset
    except ImportError:
        narration.say("             (the screening extra is not installed: no pre-release screening; "
                      "pip install 'provenote[screen]')")
        return
    with Catalogue.create(folder / "catalogue") as refs:
        for path in [audio["temple-bell.wav"], *write_library(folder / "library")]:
            refs.add(path)
        screened = screen_asset(book, work, signer, audio["master.wav"], refs, catalogue_name="studio references",
                                occurred=microseconds_of(at))
    found = "; ".join(f"{m.name} at {m.query_start:.0f}–{m.query_end:.0f} s" for m in screened.matches) or "no match"
    narration.step(screened.appended.seq, at, signer.info.name, "screening",
                   f"screens the master against the studio's 3 reference tracks: {found}")


DEMO_CA_SEED = hashlib.sha256(b"night-market demo certificate authority").digest()
DEMO_TSA_SEED = hashlib.sha256(b"night-market demo timestamp authority").digest()


def _label(book: Ledger, work: WorkId, signer: Signer, folder: Path, keys: KeyStore, audio: dict[str, Path],
           narration: _Narration, times: dict[str, datetime]) -> None:
    """The studio labels the released master from the verified record (spec/labels.md): the
    audible label at the end, the AIGC implicit label, C2PA Content Credentials signed with a
    certificate from a demo CA, and a DDEX fragment. Skipped, with a note, without the extras."""
    try:
        import c2pa  # noqa: F401  (the C2PA extra)
        import lxml  # noqa: F401  (the DDEX extra)

        import ledger.labels as labels
    except ImportError as e:
        narration.say(f"             (the labelling extras are not installed ({e.name}): no AI labels; "
                      "pip install 'provenote[label,c2pa,ddex]')")
        return
    from cli.labels import _projection, _verified_release

    root, issue = labels.make_test_ca(DEMO_CA_SEED)
    (folder / "c2pa").mkdir(exist_ok=True)
    write_atomic(folder / "c2pa" / "demo-ca-root.pem", root)
    chain = issue(labels.make_csr(signer.info.name, signer.info.public_key, signer.sign))
    labels.attach_certificate(keys, signer.info.name, chain)
    verified = _verified_release(book, work, signer, audio["master.wav"])
    actions, record = _projection(labels, verified.report, verified.release, book, work)
    manifest = labels.ManifestInput(tuple(actions), record, "compositeSynthetic", title="master-labelled.wav")
    plan = labels.LabelPlan(verified.release.hash, verified.contains_ai, "end", ("NMSTUDIO", "NM-2026-0001"),
                            (manifest, chain, None))
    written = labels.write_labels(book, work, signer, audio["master.wav"], folder / "audio" / "master-labelled.wav",
                                  plan, occurred=microseconds_of(times["labels"]))
    narration.step(f"{written[0].seq}–{written[-1].seq}", times["labels"], signer.info.name, "label",
                   f"labels the master from the record (ContainsAI {verified.contains_ai}): audible 'AI' at the end, "
                   "AIGC implicit label, C2PA")
    delivery = folder / "delivery"
    delivery.mkdir(exist_ok=True)
    contributors = [("mei", "Composer"), ("jun", "StudioProducer")]
    ddex = labels.ddex_label(book, work, signer, audio["master.wav"], delivery / "sound-recording.xml",
                             release=verified.release.hash, contains_ai=verified.contains_ai, isrc="CNA0X2600001",
                             title="Night Market", contributors=contributors,
                             duration_ms=verified.release.body["asset"].get("duration_ms"),
                             occurred=microseconds_of(times["ddex"]))
    narration.step(ddex.seq, times["ddex"], signer.info.name, "label",
                   f"DDEX SoundRecording fragment for the distributor: ContainsAI {verified.contains_ai}")


def _counterparties() -> dict[str, Signer]:
    """The other parties' keys: on their own machines in real life; in memory for the demo."""
    return {name: Signer.from_seed(PublicKeyInfo(name, role, SigningKey(seed).public_key), seed)
            for name, role, seed in (("templebell-lib", "licensor", hashlib.sha256(b"templebell-lib demo").digest()),
                                     ("drama-co", "licensee", hashlib.sha256(b"drama-co demo").digest()))}


def _receipt(folder: Path, day: date) -> Path:
    path = folder / "receipts" / "SH-2291-receipt.txt"
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, ("SampleHouse — receipt SH-2291\nTemple Bells vol. 2, track 7: one-cue licence\n"
                        f"Paid 300.00 EUR on {day.isoformat()} by jun (Night Market studio)\n").encode())
    return path


def _anchor_and_witness(book: Ledger, folder: Path, log_key: Signer, notary: Signer,
                        narration: _Narration) -> Path | None:
    """The studio's log key signs a checkpoint of the whole log; a timestamp authority the demo
    starts on 127.0.0.1 (where openssl is installed) stamps it; a notary cosigns it as a witness.
    These happen now, as the demo runs. Returns the TSA's root certificate (the auditor's
    --tsa-root), or None without openssl."""
    note, _ = book.checkpoint(log_key)
    size = Checkpoint.parse(SignedNote.parse(note).text).size
    narration.step("", None, log_key.info.name, "checkpoint", f"signs the ledger's Merkle log at {size} events")
    root: Path | None = None
    try:
        with LocalTsa(folder / "tsa", name="Night Market demo TSA", seed=DEMO_TSA_SEED) as tsa:
            response, nonce = request_timestamp(tsa.url, note)
            book.add_anchor(note, nonce, response)
            root = tsa.root_path
        narration.step("", None, "local TSA", "anchor", "RFC 3161 timestamp over the checkpoint (a demo TSA on 127.0.0.1)")
    except LocalTsaUnavailable:
        narration.say("             (openssl is not installed: no timestamp authority, no trusted time)")
    log_vkey = VerifierKey(book.origin, SIG_ED25519, log_key.info.public_key)
    cosigned = Witness(folder / "witness").cosign(note, notary, log_key=log_vkey)
    book.add_cosignatures(cosigned.note,
                          [VerifierKey(notary.info.name, SIG_COSIGNATURE_V1, notary.info.public_key)])
    narration.step("", None, notary.info.name, "witness", "cosigns the checkpoint (C2SP tlog-cosignature)")
    return root


@click.command()
@click.argument("folder", required=False, type=click.Path(path_type=Path), default=Path("night-market"))
@quiet_option
@json_option
def demo(folder: Path, quiet: bool, as_json: bool) -> None:
    """Build the "Night Market" story in FOLDER (default ./night-market; new or empty), export it,
    verify it and write its report. The story's steps claim the times of one working day in the
    studio's zone (+08:00); the ledger records them when the demo runs."""
    with stderr_progress("demo", unit="steps", quiet=quiet or as_json) as bar:
        narration = _Narration(bar, _Narration.BUILD_STAGES + 2)  # and verify, reports
        result = _build(folder, narration)
        trusted = [load_trusted_key(p) for p in result.trust_files]
        roots = load_tsa_roots([result.tsa_root]) if result.tsa_root else []
        policy = Policy(trusted, assets_dir=result.folder, tsa_roots=[c.public_bytes(Encoding.DER) for c in roots],
                        witnesses=[VerifierKey.parse(result.witness)])
        report = verify_bundle(result.bundle.path, policy)
        narration.tick()
        reports = {lang: folder / name for lang, name in (("en", "report.html"), ("zh", "report-zh.html"))}
        for lang, path in reports.items():
            write_report(report, path, lang, tz=STUDIO_TZ_NAME)  # the studio's own clock (Beijing)
        narration.finish()
    if as_json:
        emit_json({"folder": str(folder), "work": result.work, "bundle": str(result.bundle.path),
                   "never_trust": str(result.readme),
                   "session": result.session.isoformat(),
                   "reports": {k: str(v) for k, v in reports.items()}, "verification": report.to_json()})
        raise SystemExit(report.exit_code)
    click.echo(f"Night Market — a 60 s cue for episode 3 of a micro-drama, built in {folder}/")
    click.echo(f"the studio's working day of {result.session:%Y-%m-%d} ({result.session:%z}), as the steps "
               "claim it; the ledger records them now:\n")
    for step in result.steps:
        click.echo(f"  {step}")
    click.echo(f"\nexported {result.bundle.path} ({result.bundle.size} bytes, {result.bundle.events} events, "
               f"prompt disclosed, {result.bundle.assets_embedded} audio files embedded)")
    click.echo("verified it offline, trusting mei, jun, cuegen-logs and the exporter legal, the demo TSA's root "
               "and the notary as a witness:\n")
    click.echo("  " + render_text(report).replace("\n", "\n  "))
    click.echo(f"\nreport for a court: {reports['en']} (Chinese: {reports['zh']}); open it in a browser")
    click.echo(f"evidence package for litigation (BagIt, sealed by legal): {folder / 'evidence-package'}/ — "
               f"check it with: provenote-verify --package {folder / 'evidence-package'}")
    trust = " ".join(f"--trust {p}" for p in result.trust_files)
    if result.tsa_root is not None:
        trust += f" --tsa-root {result.tsa_root}"
    trust += f" --witness {result.witness}"
    click.echo(f"\ntry:  provenote-verify {result.bundle.path} {trust}")
    click.echo(f"      provenote --ledger {result.ledger} --keys {result.keys} log {result.work.hex()[:12]}")
    click.echo(f"keys: {result.keys}/ (demo passphrase: {DEMO_PASSPHRASE!r}; for this demo only)")
    click.echo(f"{NEVER_TRUST}: the story's keys, the demo TSA's and CA's roots and the keys of templebell-lib and "
               f"drama-co are public (a published passphrase and seeds); see {result.readme}")
    raise SystemExit(report.exit_code)

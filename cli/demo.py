"""``provenote demo``: the "Night Market" story of ../shared/PRODUCT.md, built in a fresh folder
with synthetic WAV files, exported, verified. The keys use a fixed demo passphrase: they are
for this demonstration only.
"""

from __future__ import annotations

import hashlib
import math
import struct
from array import array
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import click
from cryptography.hazmat.primitives.serialization import Encoding

from cli.bundles import package_reports
from cli.context import emit_json, json_option
from cli.localtsa import LocalTsa, LocalTsaUnavailable
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
)
from verifier import Policy, load_tsa_roots, verify_bundle
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
)
from verifier.render import render_text

DEMO_PASSPHRASE = "night-market-demo"  # noqa: S105 -- printed to the user; demo keys only
RATE = 16_000
BAR_SECONDS = 2.0  # 4/4 at 120 bpm
BARS = 30  # 60 s
PENTATONIC = (220.0, 247.5, 277.2, 330.0, 370.0, 440.0)


def _bar(notes: tuple[int, ...], *, timbre: float, level: float) -> list[float]:
    """One bar of four beats; each note an index into the pentatonic scale, with a soft envelope."""
    beat = int(RATE * BAR_SECONDS / 4)
    samples: list[float] = []
    for note in notes:
        freq = PENTATONIC[note % len(PENTATONIC)] * (2 if note >= len(PENTATONIC) else 1)
        for i in range(beat):
            t = i / RATE
            envelope = min(1.0, i / 400) * math.exp(-3.0 * t)
            tone = math.sin(2 * math.pi * freq * t) + timbre * math.sin(4 * math.pi * freq * t)
            samples.append(level * envelope * tone / (1 + timbre))
    return samples


#: A bell's partials: (ratio to the strike tone, amplitude, extra decay per second). Inharmonic, as
#: a cast bell's are (hum, prime, tierce, quint, nominal).
_BELL_PARTIALS = ((1.0, 1.0, 0.0), (2.0, 0.6, 1.0), (2.76, 0.5, 2.0), (5.40, 0.3, 4.0), (8.93, 0.2, 6.0))


def _bell_bar(notes: tuple[int, ...], *, level: float) -> list[float]:
    """One bar of bell strikes, evenly spaced: each note an index into the pentatonic scale."""
    strike = int(RATE * BAR_SECONDS / len(notes))
    norm = sum(amplitude for _, amplitude, _ in _BELL_PARTIALS)
    samples: list[float] = []
    for note in notes:
        freq = PENTATONIC[note % len(PENTATONIC)] * (2 if note >= len(PENTATONIC) else 1)
        for i in range(strike):
            t = i / RATE
            envelope = min(1.0, i / 80) * math.exp(-4.0 * t)
            tone = sum(amplitude * math.sin(2 * math.pi * freq * ratio * t) * math.exp(-decay * t)
                       for ratio, amplitude, decay in _BELL_PARTIALS)
            samples.append(level * envelope * tone / norm)
    return samples


def _samples(bar: list[float], fmt: str) -> bytes:
    """One bar's samples in a WAV sample format."""
    if fmt == "float32":
        return array("f", bar).tobytes()
    if fmt == "extensible24":
        return b"".join(struct.pack("<i", int(max(-1.0, min(1.0, s)) * 8_388_607))[:3] for s in bar)
    return array("h", (int(max(-1.0, min(1.0, s)) * 32_767) for s in bar)).tobytes()


def _render(bars: list[list[float]], fmt: str) -> bytes:
    """Samples → WAV bytes: 'pcm16', 'float32' (format 3) or 'extensible24' (0xFFFE, PCM). A cue
    repeats a few bars: each distinct bar is converted once."""
    converted: dict[int, bytes] = {}
    for bar in bars:
        if id(bar) not in converted:
            converted[id(bar)] = _samples(bar, fmt)
    data = b"".join(converted[id(bar)] for bar in bars)
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


def _mixed(*bars: list[float]) -> list[float]:
    return [sum(samples) for samples in zip(*bars, strict=True)]


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
    silence = [0.0] * int(RATE * BAR_SECONDS)

    def timeline(pick: Callable[[int], list[float]]) -> list[list[float]]:
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
    for name, (bars, fmt) in files.items():
        path = folder / name
        path.write_bytes(_render(bars, fmt))
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
        path.write_bytes(_render(bars, "pcm16"))
        paths.append(path)
    return paths


@dataclass(frozen=True)
class DemoResult:
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


def run_demo(folder: Path) -> DemoResult:
    """Build the story in ``folder`` (which must not exist or be empty). Raises LedgerError."""
    if folder.exists() and any(folder.iterdir()):
        raise LedgerError(f"{folder} is not empty: give the demo a new folder (provenote demo DIR)")
    folder.mkdir(parents=True, exist_ok=True)
    keys = KeyStore(folder / "keys")
    people = {"mei": "composer", "jun": "producer", "cuegen-logs": "provider", "legal": "exporter",
              "studio-log": "log", "notary": "witness"}
    signers = {name: keys.create_signer(name, role, DEMO_PASSPHRASE) for name, role in people.items()}
    audio = write_audio(folder / "audio")
    steps: list[str] = []
    with Ledger.init(folder / "ledger") as book:
        mei, jun, provider = signers["mei"], signers["jun"], signers["cuegen-logs"]
        created = book.create_work(mei, "Night Market", isrc="CNA0X2600001")
        work = created.work
        steps.append(f"mei starts the work: {work.hex()[:16]}")
        build = DraftBuilder(book)
        store = AttachmentStore(folder / "ledger")

        def record(signer: Signer, what: str, type_name: str, body: dict[str, object],
                   private: dict[str, str | None] | None = None) -> Appended:
            result = book.append(work, signer, build.draft(type_name, dict(body), private or {}, None))
            steps.append(f"#{result.seq:<2} {signer.info.name:11} {type_name:15} {what}")
            return result

        a = {name: build.asset(path) for name, path in audio.items()}
        counterparties = _counterparties()
        output_licence = record_licence(
            book, work, mei, steps, "ExampleAI's output terms: commercial use of cue-gen's output, signed by both",
            draft_licence(licensors=[provider.info.public_key], licensees=[mei.info.public_key], direction="in",
                          subject="Output of the cue-gen model: commercial use by the licensee",
                          subject_model="cue-gen", scope="All outputs of account mei, 2026 plan 'Studio'",
                          territory=["WORLD"], media=["streaming", "broadcast", "sync", "download"],
                          start="2026-01-01", end="2026-12-31", amount="0.00", currency="USD",
                          commercial_use=True, derivatives="allowed", ai_training="forbidden"),
            [provider, mei])
        generation = record(mei, "two candidates from cue-gen 2.1 (prompt kept private)", "generation",
                            {"model": "cue-gen", "model_version": "2.1", "provider": "ExampleAI", "seed": 42,
                             "params": {"temperature": 0.8, "bpm": 120, "duration_s": 60, "key": "A minor"},
                             "outputs": [a["take1.wav"], a["take2.wav"]], "licence": bytes(output_licence)},
                            {"prompt": "60 s lo-fi night market cue, erhu lead, light percussion, 120 bpm, "
                                       "warm and nostalgic, for a micro-drama street scene",
                             "negative_prompt": "vocals, heavy drums"})
        record(mei, "temperature 0.8 → 0.6, guidance 4.5: a third take", "parameter-edit",
               {"of": bytes(generation.hash), "params": {"temperature": 0.6, "guidance": 4.5},
                "outputs": [a["take3.wav"]]})
        record(mei, "chooses take 3 of three", "selection",
               {"candidates": [a["take1.wav"], a["take2.wav"], a["take3.wav"]], "chosen": a["take3.wav"]},
               {"reason": "the only take whose erhu line leaves room for a vocal hook"})
        record(mei, "rewrites the erhu melody of bars 9–16 (16–32 s) by hand", "human-edit",
               {"inputs": [a["take3.wav"]], "output": a["melody-edit.wav"], "kind": "melody",
                "segments": [[16_000, 32_000]], "stems": ["erhu"], "tool": "Reaper 7", "minutes": 95},
               {"note": "new phrase: rising fourth answered by a falling pentatonic run"})
        record(jun, "records the vocal hook, bars 21–24 (40–48 s)", "human-input",
               {"output": a["vocal-hook.wav"], "layer": "vocals", "segments": [[40_000, 48_000]]},
               {"lyrics": "夜市的灯 亮到天明", "note": "sung by Lan, two takes comped"})
        bell_licence = record_licence(
            book, work, jun, steps, "the temple-bell sample's licence, countersigned by templebell-lib",
            draft_licence(licensors=[counterparties["templebell-lib"].info.public_key],
                          licensees=[jun.info.public_key], direction="in",
                          subject="Temple Bells vol. 2, track 7", subject_assets=[audio["temple-bell.wav"]],
                          scope="One cue, any episode of the series; no stand-alone release", territory=["WORLD"],
                          media=["streaming", "broadcast", "sync"], start="2026-01-01", end="2030-12-31",
                          amount="300.00", currency="EUR", attribution=True),
            [counterparties["templebell-lib"], jun])
        receipt = store.add(_receipt(folder))
        record(jun, "pays the sample licence (receipt attached)", "payment",
               {"licence": bytes(bell_licence), "amount": "300.00", "currency": "EUR", "paid_on": "2026-11-20",
                "attachments": [receipt]}, {"reference": "SampleHouse invoice SH-2291"})
        record(jun, "imports a licensed temple-bell sample", "import",
               {"output": a["temple-bell.wav"], "source": "Temple Bells vol. 2, SampleHouse, licence SH-2291",
                "digital_source_type": "digitalCapture"})
        record(jun, "mixes melody, vocal and bell; places the hook at 40–48 s", "human-edit",
               {"inputs": [a["melody-edit.wav"], a["vocal-hook.wav"], a["temple-bell.wav"]],
                "output": a["mix.wav"], "kind": "mixing", "segments": [[40_000, 48_000]],
                "stems": ["vocal", "bell"], "tool": "Reaper 7", "minutes": 60})
        record(jun, "AI mastering of the mix", "assist",
               {"tool": "AutoMaster Pro 3", "function": "mastering", "inputs": [a["mix.wav"]],
                "outputs": [a["master.wav"]]})
        _screen(book, work, jun, folder, audio, steps)
        record(jun, "releases the master for episode 3", "release", {"asset": a["master.wav"], "isrc": "CNA0X2600001"})
        _label(book, work, jun, folder, keys, audio, steps)
        sync = record_licence(
            book, work, jun, steps, "grants a sync licence to the drama's producer, signed by both",
            draft_licence(licensors=[jun.info.public_key], licensees=[counterparties["drama-co"].info.public_key],
                          direction="out", subject="Night Market, for episodes 1-20 of the series",
                          subject_assets=[audio["master.wav"]], scope="Background music of the series",
                          territory=["CN", "SG", "MY"], media=["streaming", "sync"], start="2026-11-01",
                          end="2028-10-31", amount="2000.00", currency="EUR"),
            [jun, counterparties["drama-co"]])
        record(jun, "payment received for the sync licence", "payment",
               {"licence": bytes(sync), "amount": "2000.00", "currency": "EUR", "paid_on": "2026-11-25"})
        record(jun, "episode 3 streams in Singapore: covered", "usage",
               {"licence": bytes(sync), "production": "Night Market Love (micro-drama)", "episode": 3,
                "platform": "ShortPlay", "territory": "SG", "media": "streaming", "date": "2026-11-28",
                "asset": a["master.wav"]})
        record(jun, "episode 3 streams in the US: not covered by the sync licence", "usage",
               {"licence": bytes(sync), "production": "Night Market Love (micro-drama)", "episode": 3,
                "platform": "ReelFlix", "territory": "US", "media": "streaming", "date": "2026-11-29",
                "asset": a["master.wav"]})
        record(provider, "ExampleAI's log export attests the generation", "attestation",
               {"about": bytes(generation.hash),
                "statement": "ExampleAI generation log: request r-7731 by account mei, model cue-gen 2.1, seed 42; "
                             "the two output hashes match our records."})
        record(mei, "delivery note", "note", {}, {"text": "Delivered to the music supervisor of episode 3."})

        tsa_root = _anchor_and_witness(book, folder, signers["studio-log"], signers["notary"], steps)
        package = folder / "evidence-package"
        export_package(book, work, signers["legal"], package, case="Night Market v. claimant (demo)",
                       disclose=DisclosureRequest(fields=frozenset({"prompt", "fee"})), assets_from=folder / "audio",
                       attachments=True, reports=package_reports)

        bundle_path = folder / "night-market.bundle"
        exported = export_bundle(book, work, signers["legal"], bundle_path,
                                 disclose=DisclosureRequest(fields=frozenset({"prompt", "fee"})),
                                 assets_from=folder / "audio", attachments=True)
    trust = folder / "trust"
    trust.mkdir(exist_ok=True)
    trust_files = []
    for name in ("mei", "jun", "cuegen-logs", "legal"):
        path = trust / f"{name}.pem"
        path.write_text(signers[name].info.pem())
        trust_files.append(path)
    witness = VerifierKey(signers["notary"].info.name, SIG_COSIGNATURE_V1, signers["notary"].info.public_key)
    return DemoResult(folder, folder / "ledger", folder / "keys", folder / "audio", exported, trust_files,
                      bytes(work), steps, tsa_root, witness.format())


def _screen(book: Ledger, work: WorkId, signer: Signer, folder: Path, audio: dict[str, Path],
            steps: list[str]) -> None:
    """The studio screens the master against its reference catalogue before release (spec/screening.md):
    the temple-bell sample and two library tracks. Skipped, with a note, without ``provenote[screen]``."""
    try:
        from ledger.screening import Catalogue, screen_asset
    except ImportError:
        steps.append("    (the screening extra is not installed: no pre-release screening; "
                     "pip install 'provenote[screen]')")
        return
    with Catalogue.create(folder / "catalogue") as refs:
        for path in [audio["temple-bell.wav"], *write_library(folder / "library")]:
            refs.add(path)
        screened = screen_asset(book, work, signer, audio["master.wav"], refs, catalogue_name="studio references")
    found = "; ".join(f"{m.name} at {m.query_start:.0f}–{m.query_end:.0f} s" for m in screened.matches) or "no match"
    steps.append(f"#{screened.appended.seq:<2} {signer.info.name:11} {'screening':15} screens the master against "
                 f"the studio's 3 reference tracks: {found}")


DEMO_CA_SEED = hashlib.sha256(b"night-market demo certificate authority").digest()


def _label(book: Ledger, work: WorkId, signer: Signer, folder: Path, keys: KeyStore, audio: dict[str, Path],
           steps: list[str]) -> None:
    """The studio labels the released master from the verified record (spec/labels.md): the
    audible label at the end, the AIGC implicit label, C2PA Content Credentials signed with a
    certificate from a demo CA, and a DDEX fragment. Skipped, with a note, without the extras."""
    try:
        import c2pa  # noqa: F401  (the C2PA extra)
        import lxml  # noqa: F401  (the DDEX extra)

        import ledger.labels as labels
    except ImportError as e:
        steps.append(f"    (the labelling extras are not installed ({e.name}): no AI labels; "
                     "pip install 'provenote[label,c2pa,ddex]')")
        return
    from cli.labels import _projection, _verified_release

    root, issue = labels.make_test_ca(DEMO_CA_SEED)
    (folder / "c2pa").mkdir(exist_ok=True)
    (folder / "c2pa" / "demo-ca-root.pem").write_bytes(root)
    chain = issue(labels.make_csr(signer.info.name, signer.info.public_key, signer.sign))
    labels.attach_certificate(keys, signer.info.name, chain)
    verified = _verified_release(book, work, signer, audio["master.wav"])
    actions, record = _projection(labels, verified.report, verified.release, book, work)
    manifest = labels.ManifestInput(tuple(actions), record, "compositeSynthetic", title="master-labelled.wav")
    plan = labels.LabelPlan(verified.release.hash, verified.contains_ai, "end", ("NMSTUDIO", "NM-2026-0001"),
                            (manifest, chain, None))
    written = labels.write_labels(book, work, signer, audio["master.wav"], folder / "audio" / "master-labelled.wav",
                                  plan)
    steps.append(f"#{written[0].seq}–{written[-1].seq} {signer.info.name:8} {'label':15} labels the master from the "
                 f"record (ContainsAI {verified.contains_ai}): audible 'AI' at the end, AIGC implicit label, C2PA")
    delivery = folder / "delivery"
    delivery.mkdir(exist_ok=True)
    contributors = [("mei", "Composer"), ("jun", "StudioProducer")]
    ddex = labels.ddex_label(book, work, signer, audio["master.wav"], delivery / "sound-recording.xml",
                             release=verified.release.hash, contains_ai=verified.contains_ai, isrc="CNA0X2600001",
                             title="Night Market", contributors=contributors,
                             duration_ms=verified.release.body["asset"].get("duration_ms"))
    steps.append(f"#{ddex.seq:<2} {signer.info.name:11} {'label':15} DDEX SoundRecording fragment for the "
                 f"distributor: ContainsAI {verified.contains_ai}")


def _counterparties() -> dict[str, Signer]:
    """The other parties' keys: on their own machines in real life; in memory for the demo."""
    return {name: Signer.from_seed(PublicKeyInfo(name, role, SigningKey(seed).public_key), seed)
            for name, role, seed in (("templebell-lib", "licensor", hashlib.sha256(b"templebell-lib demo").digest()),
                                     ("drama-co", "licensee", hashlib.sha256(b"drama-co demo").digest()))}


def _receipt(folder: Path) -> Path:
    path = folder / "receipts" / "SH-2291-receipt.txt"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("SampleHouse — receipt SH-2291\nTemple Bells vol. 2, track 7: one-cue licence\n"
                    "Paid 300.00 EUR on 2026-11-20 by jun (Night Market studio)\n", encoding="utf-8")
    return path


def record_licence(book: Ledger, work: WorkId, signer: Signer, steps: list[str], what: str,
                   drafted: tuple[LicenceDocument, LicencePrivate], parties: list[Signer]) -> EventHash:
    """Each party signs the drafted document in turn; the studio records it (spec/licensing.md)."""
    document, private = drafted
    data = document.encode()
    for party in parties:
        data = sign_licence(data, party)
    result = book.append(work, signer, licence_event_draft(data, private))
    steps.append(f"#{result.seq:<2} {signer.info.name:11} {'licence':15} {what}")
    return result.hash


def _anchor_and_witness(book: Ledger, folder: Path, log_key: Signer, notary: Signer, steps: list[str]) -> Path | None:
    """The studio's log key signs a checkpoint of the whole log; a timestamp authority the demo
    starts on 127.0.0.1 (where openssl is installed) stamps it; a notary cosigns it as a witness.
    Returns the TSA's root certificate (the auditor's --tsa-root), or None without openssl."""
    note, _ = book.checkpoint(log_key)
    size = Checkpoint.parse(SignedNote.parse(note).text).size
    steps.append(f"    {log_key.info.name:11} checkpoint      signs the ledger's Merkle log at {size} events")
    root: Path | None = None
    try:
        with LocalTsa(folder / "tsa", name="Night Market demo TSA") as tsa:
            response, nonce = request_timestamp(tsa.url, note)
            book.add_anchor(note, nonce, response)
            root = tsa.root_path
        steps.append(f"    {'local TSA':11} anchor          RFC 3161 timestamp over the checkpoint "
                     "(a demo TSA on 127.0.0.1)")
    except LocalTsaUnavailable:
        steps.append("    (openssl is not installed: no timestamp authority, no trusted time)")
    log_vkey = VerifierKey(book.origin, SIG_ED25519, log_key.info.public_key)
    cosigned = Witness(folder / "witness").cosign(note, notary, log_key=log_vkey)
    book.add_cosignatures(cosigned.note,
                          [VerifierKey(notary.info.name, SIG_COSIGNATURE_V1, notary.info.public_key)])
    steps.append(f"    {notary.info.name:11} witness         cosigns the checkpoint (C2SP tlog-cosignature)")
    return root


@click.command()
@click.argument("folder", required=False, type=click.Path(path_type=Path), default=Path("night-market"))
@json_option
def demo(folder: Path, as_json: bool) -> None:
    """Build the "Night Market" story in FOLDER (default ./night-market), export and verify it."""
    result = run_demo(folder)
    trusted = [load_trusted_key(p) for p in result.trust_files]
    roots = load_tsa_roots([result.tsa_root]) if result.tsa_root else []
    policy = Policy(trusted, assets_dir=result.folder, tsa_roots=[c.public_bytes(Encoding.DER) for c in roots],
                    witnesses=[VerifierKey.parse(result.witness)])
    report = verify_bundle(result.bundle.path, policy)
    reports = {lang: folder / name for lang, name in (("en", "report.html"), ("zh", "report-zh.html"))}
    for lang, path in reports.items():
        write_report(report, path, lang)
    if as_json:
        emit_json({"folder": str(folder), "work": result.work, "bundle": str(result.bundle.path),
                   "reports": {k: str(v) for k, v in reports.items()}, "verification": report.to_json()})
        raise SystemExit(report.exit_code)
    click.echo(f"Night Market — a 60 s cue for episode 3 of a micro-drama, built in {folder}/\n")
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
    raise SystemExit(report.exit_code)

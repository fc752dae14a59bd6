"""Generate spec/vectors/bundles/: evidence bundles with the verdict each must get.

Run ``python spec/vectors/generate_bundles.py`` to rewrite the folder; the verifier's tests check
that the committed files are exactly what this produces and that ``provenote-verify`` reaches
the verdict of ``index.json`` on each. Every bundle comes from fixed keys, fixed times and fixed
salts, so the bytes are the same on every machine.

Each invalid bundle breaks one rule, and is otherwise built correctly: events are signed by
their keys, a changed event is re-linked (the next event names its new hash) and the trailer is
re-sealed over the bytes as they are — so the one code expected is the rule's own, and a second
implementation cannot pass by checking only the seal. The expected codes are written by hand
below, from spec/, not taken from the verifier.

This generator uses only ``verifier.format`` (the format core's public face), ``cbor2`` for the
encodings the format forbids, and ``cryptography`` for the TEST KEYS below: never use them.

The log vectors (spec/anchoring.md, verification.md V11–V12) carry RFC 3161 tokens, which no
one can make deterministically (the TSA's signature and nonce are random). They are read from
the fixtures in ``bundles/tsa/`` — a local TSA's root certificate and its responses, keyed by
SHA-256 of the checkpoint note they stamp — which ``generate_tsa_tokens.py`` writes (it runs
``openssl ts`` behind a local HTTP server). This generator never runs openssl; when the notes
change, it stops and says to run that script first.
"""

from __future__ import annotations

import functools
import hashlib
import json
import sys
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import cbor2
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from verifier.format import (  # noqa: E402
    CTYPE_EVENT,
    CTYPE_LICENCE,
    SIG_COSIGNATURE_V1,
    Checkpoint,
    CheckpointRecord,
    CosignatureRecord,
    KeyCard,
    LicenceDocument,
    LicenceTerms,
    LogRecord,
    MemoryTree,
    NoteSignature,
    SignedNote,
    SigningKey,
    TimestampRecord,
    TrailerClaims,
    VerifierKey,
    WorkId,
    consistency_proof,
    cosign,
    disclosure_digest,
    encode_cbor,
    event_hash,
    frame,
    header_hash,
    header_item,
    key_id,
    leaf_hash,
    log_origin,
    multi_inclusion_proof,
    protected_header,
    sign1,
    sign_note,
    tree_root,
)

HERE = Path(__file__).resolve().parent / "bundles"
T0 = 1_763_700_000_000_000  # 2025-11-21T04:40:00Z in microseconds
SECOND = 1_000_000
HOUR = 3600 * SECOND


@dataclass(frozen=True)
class TestKey:
    """A TEST KEY from a fixed seed: never use it for anything but these vectors."""

    name: str
    role: str
    seed: bytes

    @property
    def private(self) -> Ed25519PrivateKey:
        return Ed25519PrivateKey.from_private_bytes(self.seed)

    @property
    def public(self) -> bytes:
        return self.private.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)

    def sign(self, message: bytes) -> bytes:
        return self.private.sign(message)

    def card(self) -> bytes:
        return KeyCard(self.public, self.name, self.role).sign(self.sign)

    @property
    def signing(self) -> SigningKey:
        """The same key for the format core's signed notes and cosignatures."""
        return SigningKey(self.seed)

    def vkey(self) -> str:
        """The witness's C2SP vkey (cosignature v1, type 0x04), as given to ``--witness``."""
        return VerifierKey(self.name, SIG_COSIGNATURE_V1, self.public).format()


def _seed(start: int) -> bytes:
    return bytes(range(start, start + 32))


ALICE = TestKey("alice", "composer", _seed(0x00))
BOB = TestKey("bob", "producer", _seed(0x20))
LEGAL = TestKey("legal", "exporter", _seed(0x40))
PROVIDER = TestKey("cuegen-logs", "provider", _seed(0x60))
CAROL = TestKey("carol", "auditor", _seed(0x80))
LOG = TestKey("studio-log", "log", _seed(0xa0))  # signs the ledger's checkpoints (spec/anchoring.md §2)
NOTARY = TestKey("notary.example", "witness", _seed(0xc0))  # witnesses: a vkey each, never a card
SOCIETY = TestKey("society.example", "witness", _seed(0xe0))
#: Parties to licences who sign no event (so the bundle has no card for them: their key ids show).
BELLS = TestKey("temple-bells", "licensor", hashlib.sha256(b"vector-key/temple-bells").digest())
DRAMA = TestKey("lantern-street", "licensee", hashlib.sha256(b"vector-key/lantern-street").digest())


def _audio(n: int) -> tuple[dict[str, Any], bytes]:
    data = f"vector-audio-{n}".encode() * 4
    return ({"sha256": hashlib.sha256(data).digest(), "size": len(data), "media_type": "audio/wav",
             "duration_ms": 60_000, "name": f"a{n}.wav"}, data)


A = {n: _audio(n)[0] for n in range(1, 10)}
A_BYTES = {n: _audio(n)[1] for n in range(1, 10)}


# -- building blocks ---------------------------------------------------------------------------


@dataclass
class Spec:
    """One event to sign. ``body`` and ``private`` are its type's fields; the rest are knobs."""

    type: str
    key: TestKey
    body: dict[str, Any] = field(default_factory=dict)
    private: dict[str, str] = field(default_factory=dict)
    disclose: tuple[str, ...] = ()  # private fields to disclose, in this order
    occurred: int | None = None
    override: dict[str, Any] = field(default_factory=dict)  # payload fields set after the defaults
    remove: tuple[str, ...] = ()  # payload fields removed
    payload_hook: Callable[[bytes], bytes] | None = None  # rewrite the payload's bytes
    envelope_hook: Callable[[bytes], bytes] | None = None  # rewrite the signed envelope's bytes
    disclosures_hook: Callable[[list[Any]], list[Any]] | None = None
    body_ref: dict[str, int] = field(default_factory=dict)  # body field -> index of the event it names
    sign_as: TestKey | None = None  # sign with another key than the payload's signer


def _salt(seq: int, name: str) -> bytes:
    return hashlib.sha256(f"vector-salt/{seq}/{name}".encode()).digest()[:16]


@dataclass
class Built:
    envelopes: list[bytes]
    disclosures: list[list[Any]]
    work: WorkId
    signers: list[TestKey] = field(default_factory=list)


def sign_chain(specs: list[Spec]) -> Built:
    """Sign the events in order, each linked to the hash of the one before as it was written."""
    envelopes: list[bytes] = []
    all_disclosures: list[list[Any]] = []
    hashes: list[bytes] = []
    work = WorkId(b"")
    for seq, spec in enumerate(specs):
        commitments = {name: disclosure_digest(_salt(seq, name), name, value) for name, value in spec.private.items()}
        body = dict(spec.body)
        for name, index in spec.body_ref.items():
            body[name] = hashes[index]
        payload: dict[str, Any] = {"v": 1, "type": spec.type, "seq": seq, "time": T0 + seq * SECOND,
                                   "signer": spec.key.public, "body": body, "commitments": commitments}
        if seq > 0:
            payload["work"] = work
            payload["prev"] = hashes[-1]
        if spec.occurred is not None:
            payload["occurred"] = spec.occurred
        payload.update(spec.override)
        for name in spec.remove:
            payload.pop(name, None)
        raw = cbor2.dumps(payload, canonical=True)
        if spec.payload_hook is not None:
            raw = spec.payload_hook(raw)
        subject = payload.get("work")
        protected = protected_header(CTYPE_EVENT, spec.key.public, subject.hex() if isinstance(subject, bytes) else None)
        envelope = sign1(protected, raw, (spec.sign_as or spec.key).sign)
        if spec.envelope_hook is not None:
            envelope = spec.envelope_hook(envelope)
        digest = event_hash(envelope)
        if seq == 0:
            work = WorkId(digest)
        hashes.append(digest)
        envelopes.append(envelope)
        disclosures = [[_salt(seq, name), name, spec.private[name]] for name in spec.disclose]
        if spec.disclosures_hook is not None:
            disclosures = spec.disclosures_hook(disclosures)
        all_disclosures.append(disclosures)
    signers = list({spec.key.name: spec.key for spec in specs}.values())
    return Built(envelopes, all_disclosures, work, signers)


def bstr(content: bytes) -> bytes:
    """A bundle item around already-encoded record bytes."""
    return cbor2.dumps(content)


def assemble(built: Built, *, cards: list[bytes] | None = None, assets: list[tuple[bytes, str, bytes]] | None = None,
             log: list[list[Any]] | None = None, log_keys: tuple[TestKey, ...] | None = None,
             exporter: TestKey = LEGAL, header_work: bytes | None = None, version: int = 1,
             items_hook: Callable[[list[bytes]], list[bytes]] | None = None,
             claims_hook: Callable[[TrailerClaims], TrailerClaims] | None = None,
             trailer_hook: Callable[[bytes], bytes] | None = None,
             final_hook: Callable[[bytes], bytes] | None = None) -> bytes:
    """The bundle: header, key cards (sorted by key id), events, assets, the log's records as
    given (``log``, already in their order), and a trailer sealed by ``exporter`` over the items
    as they are after ``items_hook``. The default cards are the event signers', the exporter's
    and those of ``log_keys`` (default: LOG when there are log records: it signs the checkpoints)."""
    work = WorkId(header_work) if header_work is not None else built.work
    header = header_item(work) if version == 1 else bstr(cbor2.dumps(["provenote-bundle", version, work]))
    if cards is None:
        cards = _cards(*built.signers, exporter, *(log_keys if log_keys is not None else (LOG,) if log else ()))
    items = [header] + [frame(["key", card]) for card in cards]
    items += [bstr(cbor2.dumps(["event", envelope, disclosures], canonical=True))  # frame(), minus its checks
              for envelope, disclosures in zip(built.envelopes, built.disclosures, strict=True)]
    items += [frame(["asset", digest, media_type, data]) for digest, media_type, data in (assets or [])]
    items += [frame(record) for record in (log or [])]
    if items_hook is not None:
        items = items_hook(items)
    digest = hashlib.sha256(b"provenote/v1/bundle-digest/sha-256\x00" + b"".join(items)).digest()
    claims = TrailerClaims(work, header_hash(items[0]), len(built.envelopes),
                           event_hash(built.envelopes[-1]) if built.envelopes else bytes(32),
                           len(cards), len(assets or []), digest)
    if claims_hook is not None:
        claims = claims_hook(claims)
    trailer = claims.sign(exporter.public, exporter.sign)
    if trailer_hook is not None:
        trailer = trailer_hook(trailer)
    data = b"".join(items) + frame(["trailer", trailer])
    return final_hook(data) if final_hook is not None else data


# -- the story: every event type ------------------------------------------------------------------


def story() -> list[Spec]:
    """The Night Market chain: every event type, floats, an occurred time, disclosures."""
    return [
        Spec("work.created", ALICE, {"title": "Night Market", "isrc": "CNA0X2600001"}),
        Spec("generation", ALICE, {"model": "cue-gen", "model_version": "2.1", "provider": "ExampleAI", "seed": 42,
                                   "params": {"temperature": 0.7, "steps": 50, "loop": True, "key": "A minor"},
                                   "outputs": [A[1], A[2]], "digital_source_type": "trainedAlgorithmicMedia"},
             {"prompt": "lo-fi night market, erhu lead, 90 bpm", "negative_prompt": "heavy drums"},
             disclose=("negative_prompt", "prompt")),  # code-point order: n < p
        Spec("parameter-edit", ALICE, {"params": {"temperature": 0.5}, "outputs": [A[3]],
                                       "digital_source_type": "trainedAlgorithmicMedia"}, body_ref={"of": 1}),
        Spec("selection", ALICE, {"candidates": [A[1], A[2], A[3]], "chosen": A[3]}, {"reason": "warmer erhu"}),
        Spec("human-edit", BOB, {"inputs": [A[3]], "output": A[4], "kind": "melody", "segments": [[16_000, 32_000]],
                                 "stems": ["erhu"], "tool": "Reaper 7", "minutes": 95,
                                 "digital_source_type": "compositeWithTrainedAlgorithmicMedia"},
             {"note": "rising fourth"}, occurred=T0 + 4 * SECOND - HOUR),
        Spec("human-input", BOB, {"output": A[5], "layer": "vocals", "segments": [[40_000, 48_000]],
                                  "digital_source_type": "digitalCapture"}, {"lyrics": "夜市的灯"}, disclose=("lyrics",)),
        Spec("import", BOB, {"output": A[6], "source": "Temple Bells vol. 2", "digital_source_type": "digitalCapture"}),
        Spec("human-edit", BOB, {"inputs": [A[4], A[5], A[6]], "output": A[7], "kind": "mixing",
                                 "digital_source_type": "compositeWithTrainedAlgorithmicMedia"}),
        Spec("assist", BOB, {"tool": "AutoMaster", "function": "mastering", "inputs": [A[7]], "outputs": [A[8]],
                             "digital_source_type": "algorithmicallyEnhanced"}),
        Spec("release", BOB, {"asset": A[8], "isrc": "CNA0X2600001"}),
        Spec("attestation", PROVIDER, {"statement": "request r-7731 matches our logs"}, body_ref={"about": 1}),
        Spec("note", ALICE, {}, {"text": "delivered"}),
    ]


def notes(count: int) -> list[Spec]:
    """A genesis and ``count`` notes: the plainest chain."""
    return [Spec("work.created", ALICE, {"title": "Ten"})] + [
        Spec("note", ALICE if i % 2 else BOB, {}, {"text": f"note {i}"}) for i in range(1, count)]


def at(specs: list[Spec], index: int, **changes: Any) -> list[Spec]:
    """The chain with one event changed."""
    return [replace(s, **changes) if i == index else s for i, s in enumerate(specs)]


BELL = (A[6]["sha256"], "audio/wav", A_BYTES[6])


# -- licences, payments and usage (spec/licensing.md) ---------------------------------------------


def licence_document(seq: int, *, licensors: tuple[TestKey, ...], licensees: tuple[TestKey, ...], fee: str,
                     scope: str, signers: tuple[TestKey, ...] | None = None, **terms: Any) -> bytes:
    """A licence document for the licence event at ``seq``: its fee and scope committed with the
    salts that event uses (the same commitments, licensing.md §2), signed by ``signers``
    (default: every party) with their TEST KEYS. ``terms``: the rest of LicenceTerms."""
    commitments = {"fee": disclosure_digest(_salt(seq, "fee"), "fee", fee),
                   "scope": disclosure_digest(_salt(seq, "scope"), "scope", scope)}
    document = LicenceDocument.draft(LicenceTerms(
        licensors=tuple(k.public for k in licensors), licensees=tuple(k.public for k in licensees),
        commitments=commitments, **terms))
    for key in signers if signers is not None else (*licensors, *licensees):
        document = document.sign(key.public, key.sign)
    return document.encode()


def _licence_signatures(data: bytes, change: Callable[[list[tuple[bytes, bytes]]], list[tuple[bytes, bytes]]]
                        ) -> bytes:
    """The document with its (signer, signature) list changed, re-encoded as the format would."""
    document = LicenceDocument.parse(data)
    signatures = sorted(change(list(document.signatures)), key=lambda s: key_id(s[0]))
    return LicenceDocument(document.payload, document.terms, tuple(signatures)).encode()


def forge_party_signature(data: bytes, party: TestKey) -> bytes:
    """The document with the first byte of ``party``'s signature altered."""
    return _licence_signatures(data, lambda sigs: [(pk, bytes([sig[0] ^ 1]) + sig[1:]) if pk == party.public
                                                   else (pk, sig) for pk, sig in sigs])


def sign_as_non_party(data: bytes, outsider: TestKey) -> bytes:
    """The document with one more signature, by a key that is not a party, over its Sig_structure
    (RFC 9052 §4.4) — a signature that verifies, by the wrong key."""
    document = LicenceDocument.parse(data)
    to_be_signed = encode_cbor(["Signature", encode_cbor({3: CTYPE_LICENCE}),
                                encode_cbor({1: -19, 4: bytes(key_id(outsider.public))}), b"", document.payload])
    return _licence_signatures(data, lambda sigs: [*sigs, (outsider.public, outsider.sign(to_be_signed))])


AI_LICENCE, BELL_LICENCE, SYNC_LICENCE, USAGE = 1, 5, 9, 10  # seqs in licensing_story()
LICENSING_MEDIA = ("streaming", "broadcast", "sync", "download")


def ai_licence(*, model: str = "cue-gen", **changes: Any) -> bytes:
    """An AI service's output terms, taken in: cuegen-logs (the provider) licenses alice to use
    cue-gen's output commercially, worldwide, 2025–2026; fee withheld."""
    terms: dict[str, Any] = dict(
        licensors=(PROVIDER,), licensees=(ALICE,), direction="in", subject="CueGen Pro output licence",
        subject_model=model, territory=("WORLD",), media=LICENSING_MEDIA, start="2025-01-01", end="2026-12-31",
        commercial_use=True, derivatives="allowed", ai_training="forbidden", fee="240.00 USD",
        scope="all outputs of the studio's CueGen Pro seat")
    terms.update(changes)
    return licence_document(AI_LICENCE, **terms)


def bell_licence(**changes: Any) -> bytes:
    """The bell sample, taken in from temple-bells by bob: worldwide, 2025–2030, 1200.00 EUR."""
    terms: dict[str, Any] = dict(
        licensors=(BELLS,), licensees=(BOB,), direction="in", subject="Temple Bells vol. 2, track 7 (bell)",
        subject_assets=(A[6]["sha256"],), territory=("WORLD",), media=LICENSING_MEDIA, start="2025-01-01",
        end="2030-12-31", commercial_use=True, derivatives="allowed", attribution=True, fee="1200.00 EUR",
        scope="one cue, any number of productions")
    terms.update(changes)
    return licence_document(BELL_LICENCE, **terms)


def sync_licence(**changes: Any) -> bytes:
    """The cue's sync licence, granted out by bob to the drama's producer: CN, HK, SG; sync,
    streaming, broadcast; 2025-11-01–2027-10-31; 8000.00 CNY."""
    terms: dict[str, Any] = dict(
        licensors=(BOB,), licensees=(DRAMA,), direction="out",
        subject="the cue Lantern Street theme, synchronised in the drama Lantern Street",
        territory=("CN", "HK", "SG"), media=("sync", "streaming", "broadcast"), start="2025-11-01",
        end="2027-10-31", commercial_use=True, derivatives="approval", attribution=True, revenue_share="2.5",
        fee="8000.00 CNY", scope="season 1, all episodes, trailers excluded")
    terms.update(changes)
    return licence_document(SYNC_LICENCE, **terms)


def licensing_story() -> list[Spec]:
    """A cue for a drama, licensed end to end: an AI output licence taken in (fee withheld, paid)
    before the generation that names it; the bell sample taken in (fee disclosed, paid in full);
    the cue's sync licence granted out (fee disclosed, paid); a usage the sync licence covers. No
    finding (licensing.md §3)."""
    usage = {"production": "Lantern Street", "episode": 3, "platform": "ExampleStream", "territory": "CN",
             "media": "streaming", "date": "2025-11-21", "asset": A[7]}
    return [
        Spec("work.created", ALICE, {"title": "Lantern Street theme"}),
        Spec("licence", ALICE, {"document": ai_licence()},
             {"fee": "240.00 USD", "scope": "all outputs of the studio's CueGen Pro seat"}),
        Spec("generation", ALICE, {"model": "cue-gen", "provider": "ExampleAI", "outputs": [A[1], A[2]],
                                   "digital_source_type": "trainedAlgorithmicMedia"},
             {"prompt": "temple bells at dusk, guzheng, 70 bpm"}, body_ref={"licence": AI_LICENCE}),
        Spec("attestation", PROVIDER, {"statement": "request r-8120 matches our logs"}, body_ref={"about": 2}),
        Spec("selection", ALICE, {"candidates": [A[1], A[2]], "chosen": A[2]}),
        Spec("licence", BOB, {"document": bell_licence()},
             {"fee": "1200.00 EUR", "scope": "one cue, any number of productions"}, disclose=("fee",)),
        Spec("import", BOB, {"output": A[6], "source": "Temple Bells vol. 2", "digital_source_type": "digitalCapture"}),
        Spec("human-edit", BOB, {"inputs": [A[2], A[6]], "output": A[7], "kind": "arrangement",
                                 "segments": [[0, 30_000]],
                                 "digital_source_type": "compositeWithTrainedAlgorithmicMedia"}),
        Spec("release", BOB, {"asset": A[7]}),
        Spec("licence", BOB, {"document": sync_licence()},
             {"fee": "8000.00 CNY", "scope": "season 1, all episodes, trailers excluded"}, disclose=("fee",)),
        Spec("usage", BOB, usage, body_ref={"licence": SYNC_LICENCE}),
        Spec("payment", ALICE, {"amount": "240.00", "currency": "USD", "paid_on": "2025-11-20"},
             {"reference": "CG-2025-0042"}, body_ref={"licence": AI_LICENCE}),
        Spec("payment", BOB, {"amount": "1200.00", "currency": "EUR", "paid_on": "2025-11-21"},
             {"reference": "INV-2025-114"}, disclose=("reference",), body_ref={"licence": BELL_LICENCE}),
        Spec("payment", BOB, {"amount": "8000.00", "currency": "CNY", "paid_on": "2025-11-21"},
             body_ref={"licence": SYNC_LICENCE}),
    ]


BELL_PAYMENT = 12  # index of the bell licence's payment in licensing_story()

#: The reference catalogue of the screening vectors (spec/screening.md §5.1): its identity is over
#: the method and the sorted hashes of three tracks (a6, a8, a9).
SCREENING_CATALOGUE = {
    "identity": hashlib.sha256(b"provenote-catalogue/1\x00provenote-fp/1\x00"
                               + b"".join(sorted(A[n]["sha256"] for n in (6, 8, 9)))).digest(),
    "name": "studio references", "tracks": 3, "duration_ms": 180_000}


def _flip_last(data: bytes) -> bytes:
    return data[:-1] + bytes([data[-1] ^ 1])


def _deep(levels: int) -> Any:
    value: Any = 0
    for _ in range(levels):
        value = [value]
    return value


def _key_card_unsigned(key: TestKey, payload: dict[str, Any], *, signer: TestKey | None = None,
                       subject: str | None = None) -> bytes:
    protected = protected_header("application/vnd.provenote.key.v1+cbor", key.public, subject)
    return sign1(protected, cbor2.dumps(payload, canonical=True), (signer or key).sign)


def _cards(*keys: TestKey, replace_card: tuple[TestKey, bytes] | None = None) -> list[bytes]:
    """The keys' cards, one each, sorted by key id; ``replace_card`` swaps one key's card."""
    unique = {k.name: k for k in keys}.values()
    return [replace_card[1] if replace_card and replace_card[0] == k else k.card()
            for k in sorted(unique, key=lambda k: hashlib.sha256(k.public).digest())]


def _move_key_after_first_event(items: list[bytes]) -> list[bytes]:
    keys = [i for i in items if cbor2.loads(i).startswith(b"\x82\x63key")]
    rest = [i for i in items if i not in keys]
    return rest[:2] + keys[:1] + rest[2:] + keys[1:]


def _prompt_first(disclosures: list[Any]) -> list[Any]:
    return sorted(disclosures, key=lambda d: (len(d[1]), d[1]))  # length-first: prompt before negative_prompt


# -- the ledger's Merkle log (spec/anchoring.md) --------------------------------------------------

LEDGER_ID = bytes(range(0xb0, 0xc0))
ORIGIN = log_origin(LEDGER_ID)  # provenote/b0b1…bf
OTHER_ORIGIN = log_origin(bytes(range(0xd0, 0xe0)))  # another ledger's log
#: The ledger's appends, in order: S is the chain's next event, O an event of another work (a fake
#: 32-byte event hash: the verifier never sees those events, only subtree hashes over them).
LAYOUT = "OOOSSOSSSOOSOSSSSOSSOO" + "OOO"
EARLIER, UNSEEN, PARTIAL, LATEST, NEWER = 9, 15, 18, 22, 25  # checkpoint sizes
COSIGNED_AT = T0 // SECOND + 24 * 3600  # the witnesses' cosignature time: 2025-11-22T04:40:00Z


def _other_event(i: int) -> bytes:
    return hashlib.sha256(f"vector-other-work/{i}".encode()).digest()


@dataclass(frozen=True)
class Ledger:
    """The ledger-wide log of LAYOUT, the chain's events among other works' (spec/anchoring.md §1)."""

    tree: MemoryTree
    leaves: tuple[int, ...]  # the leaf index of each of the chain's events, in chain order

    def note(self, size: int, *, key: TestKey = LOG, origin: str = ORIGIN, root: bytes | None = None) -> bytes:
        """The signed checkpoint of the first ``size`` leaves (or of ``root``), its one signature
        line by ``key`` under the origin (anchoring.md §2)."""
        text = Checkpoint(origin, size, root if root is not None else tree_root(self.tree, size)).text()
        return sign_note(text, origin, key.signing).encode()

    def log(self, size: int, *, note: bytes | None = None) -> LogRecord:
        """The log record of the checkpoint of ``size``: the events it covers (a prefix of the
        chain) and their multi-inclusion proof (anchoring.md §3)."""
        leaves = tuple(i for i in self.leaves if i < size)
        proof = tuple(multi_inclusion_proof(self.tree, size, leaves))
        return LogRecord(note if note is not None else self.note(size), leaves, proof)

    def checkpoint(self, size: int, latest: int) -> CheckpointRecord:
        """An earlier checkpoint with its RFC 9162 consistency proof to ``latest``."""
        return CheckpointRecord(self.note(size), tuple(consistency_proof(self.tree, size, latest)))


def ledger(built: Built) -> Ledger:
    tree = MemoryTree()
    leaves: list[int] = []
    events = iter(built.envelopes)
    others = 0
    for kind in LAYOUT:
        if kind == "S":
            leaves.append(tree.size)
            tree.append(leaf_hash(event_hash(next(events))))
        else:
            tree.append(leaf_hash(_other_event(others)))
            others += 1
    return Ledger(tree, tuple(leaves))


@functools.cache
def story_ledger() -> Ledger:
    return ledger(sign_chain(story()))


def cosignature(note: bytes, size: int, witness: TestKey, *, flip: bool = False) -> CosignatureRecord:
    """The witness's tlog-cosignature line over the note's checkpoint at COSIGNED_AT;
    ``flip``: its signature bytes altered (name, key id and timestamp kept)."""
    line = cosign(SignedNote.parse(note).text, witness.name, witness.signing, COSIGNED_AT)
    if flip:
        line = NoteSignature(line.name, line.key_id, _flip_last(line.signature))
    return CosignatureRecord(size, line.line())


def log_records(log: LogRecord | list[Any] | None, checkpoints: tuple[CheckpointRecord | list[Any], ...] = (),
                stamps: tuple[TimestampRecord | list[Any], ...] = (),
                cosignatures: tuple[CosignatureRecord, ...] = ()) -> list[list[Any]]:
    """The log's records in their order (bundle.md §1): log, checkpoints, timestamps and
    cosignatures (each sorted as the format requires). A record may be given raw (a list)."""
    def raw(record: Any) -> list[Any]:
        return list(record) if isinstance(record, list) else list(record.to_record())

    out = [raw(log)] if log is not None else []
    out += [raw(c) for c in checkpoints]
    out += [raw(t) for t in sorted(stamps, key=lambda t: (t[1], t[3]) if isinstance(t, list) else t.sort_key())]
    out += [c.to_record() for c in sorted(cosignatures, key=CosignatureRecord.sort_key)]
    return out


def _bad_note_signature(note: bytes) -> bytes:
    """The note with the signature bytes of its one line altered."""
    signed = SignedNote.parse(note)
    line = signed.signatures[0]
    return SignedNote(signed.text, (NoteSignature(line.name, line.key_id, _flip_last(line.signature)),)).encode()


# -- RFC 3161 tokens: fixtures written by generate_tsa_tokens.py ---------------------------------

TSA_DIR = HERE / "tsa"


@dataclass(frozen=True)
class Authority:
    """A local TSA whose tokens are fixtures: ``tsa/<name>-root.pem`` (its root CA) and
    ``tsa/<name>-tokens.json`` (SHA-256 of a note, hex -> the note, the nonce, the response)."""

    name: str
    title: str  # the TSA certificate's common name
    gen_time: int | None = None  # a genTime forced into its tokens (µs), else the time of the request

    @property
    def root(self) -> str:
        """The root's file name, relative to spec/vectors/bundles/."""
        return f"tsa/{self.name}-root.pem"

    @property
    def tokens(self) -> Path:
        return TSA_DIR / f"{self.name}-tokens.json"


LOCAL_TSA = Authority("local", "provenote vectors TSA")
#: Tokens whose genTime is a day before the chain's first event (its certificate valid then).
BACKDATED_TSA = Authority("backdated", "provenote vectors backdated TSA", T0 - 24 * HOUR)
AUTHORITIES = (LOCAL_TSA, BACKDATED_TSA)


def tsa_requests() -> dict[Authority, list[bytes]]:
    """The checkpoint notes each authority must have stamped: what generate_tsa_tokens.py asks for."""
    log = story_ledger()
    return {LOCAL_TSA: [log.note(LATEST), log.note(EARLIER)], BACKDATED_TSA: [log.note(LATEST)]}


class MissingToken(RuntimeError):
    """A fixture token the vectors need is not in bundles/tsa/."""


@functools.cache
def _tokens(authority: Authority) -> dict[str, Any]:
    try:
        tokens: dict[str, Any] = json.loads(authority.tokens.read_text(encoding="utf-8"))["tokens"]
    except FileNotFoundError:
        raise MissingToken(f"{authority.tokens} is missing: run `python spec/vectors/generate_tsa_tokens.py` "
                           "first (it needs openssl), then this generator again") from None
    return tokens


def token(authority: Authority, note: bytes) -> tuple[int, bytes]:
    """(nonce, DER TimeStampResp) of the fixture token of ``authority`` over ``note``."""
    digest = hashlib.sha256(note).hexdigest()
    entry = _tokens(authority).get(digest)
    if entry is None:
        raise MissingToken(f"{authority.tokens.name} has no token over the checkpoint note {digest[:16]}… (the notes "
                           "changed): run `python spec/vectors/generate_tsa_tokens.py` first (it needs openssl), "
                           "then this generator again")
    return int(entry["nonce"]), bytes.fromhex(entry["response"])


def timestamp(authority: Authority, note: bytes, size: int, *, nonce: int | None = None) -> TimestampRecord:
    """A timestamp record naming ``size``, holding the authority's token over ``note``."""
    stamped_nonce, response = token(authority, note)
    return TimestampRecord(size, stamped_nonce if nonce is None else nonce, response)


# -- the vectors ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Vector:
    name: str
    about: str
    data: bytes
    codes: tuple[str, ...]  # the errors, in the order the verifier reports them
    exit: int
    trust: tuple[bytes, ...] | None = None
    require_trusted: bool = False
    known_checkpoints: tuple[bytes, ...] = ()  # signed notes the auditor saw before (V11.4)
    tsa_roots: tuple[str, ...] = ()  # root certificates' files, relative to bundles/ (V12.1)
    witnesses: tuple[TestKey, ...] = ()  # the auditor's witnesses (V12.2)
    quorum: int | None = None  # None: the default (1 with witnesses)
    warnings: tuple[str, ...] = ()  # findings that change neither the verdict nor the exit status


#: Errors that fail the run but leave the bundle valid: trust the auditor asked for (V10, V12.2).
TRUST_CODES = ("key.untrusted", "witness.quorum_unmet")
#: The story's findings when it is valid (V13, licensing.md §3): its generation (event 1) is in the
#: lineage of the release (through the parameter edit of it) and names no licence for its output.
STORY_FINDINGS = ("generation.no_output_licence",)


def vectors() -> list[Vector]:
    s = story()
    full = sign_chain(s)
    out: list[Vector] = []

    def add(name: str, about: str, data: bytes, codes: tuple[str, ...] = (), *, exit: int | None = None,
            **kw: Any) -> None:
        fatal = any(c.startswith(("bundle.malformed", "bundle.truncated", "bundle.too_large",
                                  "bundle.version_unsupported", "bundle.order")) for c in codes)
        out.append(Vector(name, about, data, codes, exit if exit is not None else (2 if fatal else 1 if codes else 0),
                          **kw))

    # valid
    add("valid-story", "every event type, floats, an occurred time, three disclosures, the bell sample embedded; "
        "its generation names no output licence (a V13 finding)", assemble(full, assets=[BELL]),
        warnings=STORY_FINDINGS)
    add("valid-notes", "a genesis and nine notes by two keys", assemble(sign_chain(notes(10))))
    add("valid-trusted", "the story, every signer and the exporter trusted, --require-trusted",
        assemble(full, assets=[BELL]), trust=(ALICE.public, BOB.public, PROVIDER.public, LEGAL.public),
        require_trusted=True, warnings=STORY_FINDINGS)

    # The story's twelve events are leaves of the ledger's log (LAYOUT: 25 appends, other works'
    # events in between); its checkpoints are signed by LOG, whose card the bundle carries.
    led = story_ledger()
    latest, earlier = led.log(LATEST), led.checkpoint(EARLIER, LATEST)
    latest_note, earlier_note = latest.note, earlier.note
    anchored = assemble(full, assets=[BELL], log=log_records(
        latest, (earlier,), (timestamp(LOCAL_TSA, latest_note, LATEST), timestamp(LOCAL_TSA, earlier_note, EARLIER)),
        (cosignature(latest_note, LATEST, NOTARY),)))
    add("valid-log", "the story as leaves of a 22-leaf ledger log among other works' events: the checkpoint "
        "covers all twelve; an earlier checkpoint (size 9) with its consistency proof; timestamps over both by "
        "the local TSA; a cosignature by notary.example. Verified with the TSA's root, the witness and the "
        "earlier checkpoint as known (it extends it); the log key's card is used by the checkpoints alone",
        anchored, tsa_roots=(LOCAL_TSA.root,), witnesses=(NOTARY,), known_checkpoints=(earlier_note,),
        warnings=STORY_FINDINGS)
    add("valid-log-tail-not-covered", "the checkpoint of size 18 holds the first ten events: the last two "
        "are not covered (reported, no code)", assemble(full, assets=[BELL], log=log_records(led.log(PARTIAL))),
        warnings=STORY_FINDINGS)

    # V1 framing
    add("bundle-malformed-item-not-bstr", "the first item is an integer, not a byte string",
        b"\x01" + assemble(full)[0:], ("bundle.malformed",))
    add("bundle-malformed-envelope-not-bstr", "an event record holds its envelope as an array, not a byte string",
        assemble(full, items_hook=lambda items: [*items[:5], bstr(cbor2.dumps(["event", cbor2.loads(full.envelopes[0]).value, []])), *items[6:]]), ("bundle.malformed",))
    add("bundle-malformed-nesting-17", "an event record's disclosures nest 17 containers deep (the record counts "
        "from its own top level)", assemble(sign_chain(at(notes(3), 1, disclosures_hook=lambda d: [_deep(15)]))),
        ("bundle.malformed",))
    add("disclosure-malformed-nesting-16", "the same at 16 levels: the decoder accepts it, the disclosure's shape "
        "does not", assemble(sign_chain(at(notes(3), 1, disclosures_hook=lambda d: [_deep(14)]))),
        ("disclosure.malformed",))
    add("bundle-truncated", "the file ends inside the trailer", assemble(full)[:-10], ("bundle.truncated",))
    add("bundle-truncated-before-kind-limit", "a key item declares 5,000 bytes (over the key limit) but the file "
        "ends first: bytes left are checked before the kind's limit",
        header_item(full.work) + b"\x59\x13\x88" + b"\x82\x63key", ("bundle.truncated",))
    add("bundle-too-large-item", "an item declares 3 GiB, over the largest record limit: too large, though the file "
        "is far shorter", header_item(full.work) + b"\x5a\xc0\x00\x00\x00" + b"\x82", ("bundle.too_large",))
    add("bundle-too-large-key-record", "a key record of 5,000 bytes, over the 4 KiB key limit",
        assemble(full, items_hook=lambda items: [*items[:1], bstr(cbor2.dumps(["key", b"\x00" * 4990])), *items[1:]]),
        ("bundle.too_large",))
    add("bundle-too-large-disclosures", "an event carries 17 disclosures (limit B3: 16)",
        assemble(sign_chain(at(notes(2), 1, disclosures_hook=lambda d: [[bytes(16), "text", "x"]] * 17))),
        ("bundle.too_large",))
    add("bundle-version-unsupported", "the header says format version 2", assemble(full, version=2),
        ("bundle.version_unsupported",))
    add("bundle-order", "a key record after the first event record",
        assemble(full, items_hook=_move_key_after_first_event), ("bundle.order",))

    # V2 key cards
    alice_card = {"public_key": ALICE.public, "name": "alice", "role": "composer"}
    add("key-malformed", "a self-signed card whose role is not lowercase (alice's events then are not judged "
        "for a missing card)", assemble(full, assets=[BELL], cards=_cards(ALICE, BOB, PROVIDER, LEGAL, replace_card=(
            ALICE, _key_card_unsigned(ALICE, dict(alice_card, role="Composer"))))), ("key.malformed",))
    add("key-header-invalid", "a card whose protected header carries a sub",
        assemble(sign_chain(notes(2)), cards=_cards(ALICE, LEGAL, replace_card=(
            ALICE, _key_card_unsigned(ALICE, alice_card, subject="00" * 32)))), ("key.header_invalid",))
    add("key-self-signature-invalid", "alice's card signed by bob",
        assemble(sign_chain(notes(2)), cards=_cards(ALICE, LEGAL, replace_card=(
            ALICE, _key_card_unsigned(ALICE, alice_card, signer=BOB)))), ("key.self_signature_invalid",))
    add("key-duplicate", "alice's card twice",
        assemble(sign_chain(notes(2)), cards=sorted([*_cards(ALICE, LEGAL), ALICE.card()],
                                                    key=lambda c: cbor2.loads(cbor2.loads(c).value[0])[4])),
        ("key.duplicate",))
    add("key-unused", "a card for carol, who signs nothing in the bundle",
        assemble(sign_chain(notes(3)), cards=_cards(ALICE, BOB, CAROL, LEGAL)), ("key.unused",))
    add("key-missing", "bob signs an event but has no card", assemble(sign_chain(notes(3)), cards=_cards(ALICE, LEGAL)),
        ("key.missing",))

    # V3 envelope and encoding
    big = {f"p{i:02}": "x" * 65_536 for i in range(17)}
    add("event-too-large", "a generation whose envelope is over 1 MiB (17 parameters of 65,536 characters)",
        assemble(sign_chain(at(notes(2), 1, type="generation", private={}, body={
            "model": "m", "outputs": [], "params": big, "digital_source_type": "trainedAlgorithmicMedia"}))),
        ("event.too_large",))
    add("event-malformed-indefinite", "a payload map of indefinite length, correctly signed",
        assemble(sign_chain(at(notes(3), 1, payload_hook=lambda raw: b"\xbf" + raw[1:] + b"\xff"))),
        ("event.malformed",))
    add("event-malformed-bignum", "seq written as a bignum (tag 2): outside the data model, not a schema error",
        assemble(sign_chain(at(notes(3), 1, payload_hook=lambda raw: raw.replace(b"\x63seq\x01", b"\x63seq\xc2\x41\x01")))),
        ("event.malformed",))
    add("event-noncanonical", "seq written in two bytes",
        assemble(sign_chain(at(notes(3), 1, payload_hook=lambda raw: raw.replace(b"\x63seq\x01", b"\x63seq\x18\x01")))),
        ("event.noncanonical",))
    add("event-header-invalid", "the envelope's kid names bob while alice signs",
        assemble(sign_chain(at(notes(3), 1, envelope_hook=lambda env: _swap_kid(env, BOB)))),
        ("event.header_invalid",))

    # V4 schema
    add("event-schema-invalid", "a note with a body field", assemble(sign_chain(at(notes(3), 1, body={"x": 1}))),
        ("event.schema_invalid",))
    add("event-schema-invalid-empty-title", "an empty title: text fields are never empty",
        assemble(sign_chain(at(notes(2), 0, body={"title": ""}))), ("event.schema_invalid",))
    add("event-schema-invalid-retired-iptc", "an import labelled with the retired IPTC term digitalArt",
        assemble(sign_chain([*notes(1), Spec("import", ALICE, {"output": A[6], "source": "lib", "digital_source_type": "digitalArt"})])),
        ("event.schema_invalid",))
    add("event-schema-invalid-time-range", "a recorded time after 9999-12-31T23:59:59.999999Z",
        assemble(sign_chain(at(notes(3), 2, override={"time": 253_402_300_800_000_000}))), ("event.schema_invalid",))

    # V5 signatures
    ten = notes(10)
    add("event-signature-invalid-5-of-10", "event 5 of 10 carries a bad signature; the next event links to it as "
        "written: exactly one error, at its cause",
        assemble(sign_chain(at(ten, 5, envelope_hook=_flip_last))), ("event.signature_invalid",))
    add("event-signature-invalid-other-key", "alice's event signed by bob",
        assemble(sign_chain(at(notes(3), 1, sign_as=BOB))), ("event.signature_invalid",))
    lic = licensing_story()
    add("licence-signature-invalid-forged", "the drama producer's signature on the sync licence altered (the "
        "event itself correctly signed by bob)", assemble(sign_chain(at(lic, SYNC_LICENCE, body={
            "document": forge_party_signature(sync_licence(), DRAMA)}))), ("licence.signature_invalid",))
    add("licence-signature-invalid-non-party", "the sync licence carries a third signature, by carol, who is "
        "not a party (it verifies)", assemble(sign_chain(at(lic, SYNC_LICENCE, body={
            "document": sign_as_non_party(sync_licence(), CAROL)}))), ("licence.signature_invalid",))
    add("licence-signature-invalid-commitments", "the bell licence event commits to the fee 120.00 EUR, its "
        "document to 1200.00 EUR (the event's own commitments and disclosure agree)",
        assemble(sign_chain(at(lic, BELL_LICENCE, private={**lic[BELL_LICENCE].private, "fee": "120.00 EUR"}))),
        ("licence.signature_invalid",))

    # V6 chain
    add("chain-seq-gap", "event 2 says seq 3", assemble(sign_chain(at(notes(4), 2, override={"seq": 3}))),
        ("chain.seq_gap",))
    ten_built = sign_chain(notes(10))
    add("chain-event-removed", "event 5 of 10 removed: one gap in seq and one broken link, at event 6 only",
        assemble(Built(ten_built.envelopes[:5] + ten_built.envelopes[6:],
                       ten_built.disclosures[:5] + ten_built.disclosures[6:], ten_built.work, ten_built.signers)),
        ("chain.seq_gap", "chain.prev_mismatch"))
    add("chain-no-genesis", "the genesis removed: the first event has seq 1; the header still names the work",
        assemble(Built(ten_built.envelopes[1:], ten_built.disclosures[1:], ten_built.work, ten_built.signers)),
        ("chain.seq_gap",))
    add("chain-work-mismatch", "the header names another work than the genesis hash",
        assemble(sign_chain(notes(3)), header_work=bytes(32)), ("chain.work_mismatch",))
    add("chain-prev-mismatch", "event 3 names event 1 as prev",
        _prev_mismatch(), ("chain.prev_mismatch",))
    add("time-regression", "event 2 is recorded before event 1",
        assemble(sign_chain(at(notes(4), 2, override={"time": T0}))), ("time.regression",))
    add("chain-reference-invalid-dangling-of", "a parameter edit of an event not in the chain",
        assemble(sign_chain(at(s, 2, body_ref={}, body={**s[2].body, "of": bytes(32)})), assets=[BELL]),
        ("chain.reference_invalid",))
    add("chain-reference-invalid-of-selection", "a parameter edit of a selection",
        assemble(sign_chain([*s[:4], Spec("parameter-edit", ALICE, {"params": {"t": 1}, "outputs": [A[9]], "digital_source_type": "trainedAlgorithmicMedia"}, body_ref={"of": 3})])), ("chain.reference_invalid",))
    add("chain-reference-invalid-about-note", "an attestation about a note",
        assemble(sign_chain([*notes(3), Spec("attestation", PROVIDER, {"statement": "s"}, body_ref={"about": 1})])),
        ("chain.reference_invalid",))
    add("chain-source-type-edit-of-ai", "a human edit of a generation's output labelled humanEdits",
        assemble(sign_chain(at(s, 4, body={**s[4].body, "digital_source_type": "humanEdits"})), assets=[BELL]),
        ("chain.source_type_mismatch",))
    add("chain-source-type-edit-of-ai-import", "a human edit of an imported AI sample labelled humanEdits",
        assemble(sign_chain([*notes(1), Spec("import", ALICE, {"output": A[6], "source": "AI loop pack", "digital_source_type": "trainedAlgorithmicMedia"}), Spec("human-edit", ALICE, {"inputs": [A[6]], "output": A[7], "kind": "arrangement", "digital_source_type": "humanEdits"})])), ("chain.source_type_mismatch",))
    add("chain-source-type-edit-of-edit", "the mix of an edited AI take labelled humanEdits: AI material through edits",
        assemble(sign_chain(at(s, 7, body={**s[7].body, "digital_source_type": "humanEdits"})), assets=[BELL]),
        ("chain.source_type_mismatch",))
    add("chain-source-type-edit-of-own", "a human edit of material that did not come from AI, labelled as if it had",
        assemble(sign_chain([*notes(1), Spec("human-input", ALICE, {"output": A[5], "layer": "melody", "digital_source_type": "digitalCreation"}), Spec("human-edit", ALICE, {"inputs": [A[5]], "output": A[7], "kind": "melody", "digital_source_type": "compositeWithTrainedAlgorithmicMedia"})])),
        ("chain.source_type_mismatch",))
    add("chain-empty", "no events", assemble(Built([], [], WorkId(bytes(32))), cards=_cards(LEGAL)), ("chain.empty",))

    # V7 disclosures
    add("disclosure-malformed-order", "prompt disclosed before negative_prompt (length-first, not code-point order)",
        assemble(sign_chain(at(s, 1, disclosures_hook=_prompt_first)), assets=[BELL]), ("disclosure.malformed",))
    add("disclosure-malformed-salt", "a 15-byte salt",
        assemble(sign_chain(at(notes(3), 1, disclose=("text",),
                               disclosures_hook=lambda d: [[d[0][0][:15], d[0][1], d[0][2]]]))),
        ("disclosure.malformed",))
    add("disclosure-malformed-empty", "a disclosed plaintext that is empty (text is never empty)",
        assemble(sign_chain(at(notes(3), 1, private={"text": ""}, disclose=("text",)))), ("disclosure.malformed",))
    add("disclosure-mismatch", "a disclosed note altered",
        assemble(sign_chain(at(notes(3), 1, disclose=("text",),
                               disclosures_hook=lambda d: [[d[0][0], d[0][1], d[0][2] + "!"]]))),
        ("disclosure.mismatch",))

    # V8 assets
    add("asset-order", "two asset records out of order",
        assemble(full, assets=sorted([BELL, (A[5]["sha256"], "audio/wav", A_BYTES[5])], reverse=True)),
        ("asset.order",))
    add("asset-hash-mismatch", "the bell's bytes changed", assemble(full, assets=[(BELL[0], BELL[1], BELL[2] + b"!")]),
        ("asset.hash_mismatch",))
    add("asset-metadata-mismatch", "the bell embedded as audio/flac while the events say audio/wav",
        assemble(full, assets=[(BELL[0], "audio/flac", BELL[2])]), ("asset.metadata_mismatch",))
    add("asset-media-type-too-long", "an asset record whose media type is 1,025 bytes (limit 1,024)",
        assemble(full, assets=[(BELL[0], "a" * 1025, BELL[2])]), ("bundle.malformed",))
    add("asset-media-type-empty", "an asset record whose media type is empty (1 to 1,024 bytes)",
        assemble(full, assets=[(BELL[0], "", BELL[2])]), ("bundle.malformed",))
    add("asset-unreferenced", "bytes no event names", assemble(full, assets=[BELL, (hashlib.sha256(b"x").digest(),
                                                                                  "audio/wav", b"x")]),
        ("asset.unreferenced",))

    # V9 trailer
    add("trailer-invalid", "the trailer's sub names another work",
        assemble(full, trailer_hook=lambda _t: _trailer_with_sub(full), assets=[BELL]), ("bundle.trailer_invalid",))
    add("trailer-signature-invalid", "the trailer's signature has a flipped bit",
        assemble(full, trailer_hook=_flip_last, assets=[BELL]), ("bundle.trailer_signature_invalid",))
    add("trailer-mismatch", "the trailer counts one event too many",
        assemble(full, claims_hook=lambda c: replace(c, events=c.events + 1), assets=[BELL]),
        ("bundle.trailer_mismatch",))
    add("key-untrusted-exporter", "every event signer trusted, the exporter not: an untrusted exporter could have "
        "cut the tail or withheld disclosures", assemble(full, assets=[BELL]), ("key.untrusted",),
        trust=(ALICE.public, BOB.public, PROVIDER.public), require_trusted=True, warnings=STORY_FINDINGS)
    add("trailing-data", "a byte string after the trailer", assemble(full, final_hook=lambda d: d + b"\x41\x00",
                                                                    assets=[BELL]), ("bundle.trailing_data",))

    # V10 trust
    add("key-untrusted", "valid, but only alice is trusted and --require-trusted is given: bob, the provider "
        "and the exporter are not", assemble(full, assets=[BELL]), ("key.untrusted", "key.untrusted", "key.untrusted"),
        trust=(ALICE.public,), require_trusted=True, warnings=STORY_FINDINGS)

    # V11 the Merkle log. ``base``: the story with its log record and the earlier checkpoint only.
    base = log_records(latest, (earlier,))
    with_log = assemble(full, assets=[BELL], log=base)
    short = latest.to_record()
    short[3] = [short[3][0][:31], *short[3][1:]]
    add("log-malformed-short-hash", "the log record's first proof hash has 31 bytes (proof: [* digest]); "
        "the log key has no card (nothing it signed can be checked)",
        assemble(full, assets=[BELL], log=log_records(short), log_keys=()), ("log.malformed",))
    add("log-malformed-no-log-record", "an earlier checkpoint record with no log record; the log key has no card",
        assemble(full, assets=[BELL], log=log_records(None, (earlier,)), log_keys=()), ("log.malformed",))
    add("log-malformed-cosignature-size", "a cosignature names tree size 10: the bundle has no checkpoint of that "
        "size (no --witness given)", assemble(full, assets=[BELL], log=log_records(
            latest, (earlier,), cosignatures=(CosignatureRecord(10, cosignature(latest_note, LATEST, NOTARY).line),))),
        ("log.malformed",))
    add("log-malformed-timestamp-size", "a timestamp names tree size 10: the bundle has no checkpoint of that size "
        "(the token is the local TSA's over the size-22 checkpoint; its root is given)",
        assemble(full, assets=[BELL], log=log_records(latest, (earlier,), (
            TimestampRecord(10, *token(LOCAL_TSA, latest_note)),))), ("log.malformed",), tsa_roots=(LOCAL_TSA.root,))
    add("log-signature-invalid-no-card", "the checkpoint is signed by the log key, which has no card in the bundle",
        assemble(full, assets=[BELL], log=log_records(latest), log_keys=()), ("log.signature_invalid",))
    legal_note = _bad_note_signature(led.note(LATEST, key=LEGAL))
    add("log-signature-invalid-bad-signature", "the checkpoint is signed by the exporter's key (which has a card "
        "as the trailer's signer), but its signature bytes are altered",
        assemble(full, assets=[BELL], log=log_records(led.log(LATEST, note=legal_note)), log_keys=()),
        ("log.signature_invalid",))
    flipped = replace(latest, proof=(*latest.proof[:1], _flip_last(latest.proof[1]), *latest.proof[2:]))
    add("log-proof-invalid-flipped-hash", "a bit of the second hash of the multi-inclusion proof flipped",
        assemble(full, assets=[BELL], log=log_records(flipped, (earlier,))), ("log.proof_invalid",))
    swapped = replace(latest, leaves=(*latest.leaves[:3], latest.leaves[4], latest.leaves[3], *latest.leaves[5:]))
    add("log-proof-invalid-leaves-not-increasing", "the leaf indices of events 3 and 4 swapped (the proof is the "
        "right one for the sorted indices)", assemble(full, assets=[BELL], log=log_records(swapped, (earlier,))),
        ("log.proof_invalid",))
    wrong = replace(earlier, consistency=(*earlier.consistency[:-1], _flip_last(earlier.consistency[-1])))
    add("log-proof-invalid-consistency", "the earlier checkpoint's consistency proof has a flipped bit in its "
        "last hash", assemble(full, assets=[BELL], log=log_records(latest, (wrong,))), ("log.proof_invalid",))
    add("log-proof-invalid-checkpoints-out-of-order", "two earlier checkpoints, of sizes 15 then 9, each with a "
        "good consistency proof to 22: the sizes are not strictly increasing (V11.3)",
        assemble(full, assets=[BELL], log=log_records(latest, (led.checkpoint(UNSEEN, LATEST), earlier))),
        ("log.proof_invalid",))
    add("bundle-order-second-log-record", "the log record twice (V1.7)",
        assemble(full, assets=[BELL], log=[latest.to_record(), latest.to_record()]), ("bundle.order",))
    forked = led.note(LATEST, root=hashlib.sha256(b"another history").digest())
    add("log-equivocation", "known: a checkpoint of the same log and size as the bundle's (22), another root, "
        "signed by the log key", with_log, ("log.equivocation",), known_checkpoints=(forked,))
    add("log-inconsistent-unknown-size", "known: the log's own checkpoint of size 15, which the bundle does not "
        "carry: its log cannot be shown to extend it", with_log, ("log.inconsistent",),
        known_checkpoints=(led.note(UNSEEN),))
    add("log-inconsistent-newer", "known: the log's checkpoint of size 25, newer than the bundle's (22)", with_log,
        ("log.inconsistent",), known_checkpoints=(led.note(NEWER),))
    add("log-origin-mismatch", "known: a checkpoint of another ledger's log (signed by the same key under its "
        "origin)", with_log, ("log.origin_mismatch",), known_checkpoints=(led.note(EARLIER, origin=OTHER_ORIGIN),))

    # V12 time and witnesses
    add("timestamp-untrusted-no-root", "valid-log verified with no option: its two tokens are not traced to any "
        "root (a finding each; valid, exit 0)", anchored,
        warnings=("timestamp.untrusted", "timestamp.untrusted", *STORY_FINDINGS))
    add("timestamp-untrusted-other-ca", "valid-log verified with the root of another CA (the backdated TSA's)",
        anchored, tsa_roots=(BACKDATED_TSA.root,),
        warnings=("timestamp.untrusted", "timestamp.untrusted", *STORY_FINDINGS))
    add("timestamp-mismatch-other-note", "the timestamp naming size 22 holds the token over the checkpoint of "
        "size 9 (with that token's nonce)", assemble(full, assets=[BELL], log=log_records(latest, (earlier,), (
            TimestampRecord(LATEST, *token(LOCAL_TSA, earlier_note)),))), ("timestamp.mismatch",),
        tsa_roots=(LOCAL_TSA.root,))
    nonce, response = token(LOCAL_TSA, latest_note)
    add("timestamp-mismatch-nonce", "the right token over the size-22 checkpoint, recorded with another nonce",
        assemble(full, assets=[BELL], log=log_records(latest, (earlier,), (
            TimestampRecord(LATEST, nonce ^ 1, response),))), ("timestamp.mismatch",), tsa_roots=(LOCAL_TSA.root,))
    add("timestamp-mismatch-before-events", "a token over the size-22 checkpoint whose genTime is a day before "
        "the first event it covers (the backdated TSA, its root given)",
        assemble(full, assets=[BELL], log=log_records(latest, (earlier,), (
            timestamp(BACKDATED_TSA, latest_note, LATEST),))), ("timestamp.mismatch",),
        tsa_roots=(BACKDATED_TSA.root,))
    add("witness-signature-invalid", "two cosignatures of the size-22 checkpoint: notary.example's with its "
        "signature bytes altered (its name and key id kept), society.example's good; both are --witness "
        "(quorum 1 is met by society.example)", assemble(full, assets=[BELL], log=log_records(
            latest, (earlier,), cosignatures=(cosignature(latest_note, LATEST, NOTARY, flip=True),
                                              cosignature(latest_note, LATEST, SOCIETY)))),
        ("witness.signature_invalid",), witnesses=(NOTARY, SOCIETY))
    add("witness-quorum-unmet", "one good cosignature (notary.example) but --quorum 2 of two witnesses: the run "
        "fails (exit 1), the bundle stays valid", assemble(full, assets=[BELL], log=log_records(
            latest, (earlier,), cosignatures=(cosignature(latest_note, LATEST, NOTARY),))),
        ("witness.quorum_unmet",), witnesses=(NOTARY, SOCIETY), quorum=2, warnings=STORY_FINDINGS)

    # V13 licence coverage: findings (exit 0, the bundle stays valid). ``lic``: the licensing story.
    lic = licensing_story()
    usage = lic[USAGE].body
    add("valid-licensing", "a cue for a drama, licensed end to end: cue-gen's output terms taken in (fee "
        "withheld, paid) and named by the generation in the release's lineage; the bell sample taken in, signed "
        "by both parties, its fee 1200.00 EUR disclosed and paid in full; the cue's sync licence granted out "
        "(CN, HK, SG; 8000.00 CNY, paid); a streaming use in CN on 2025-11-21 that it covers. No finding",
        assemble(sign_chain(lic)))
    add("licence-unsigned-party", "the sync licence is signed by bob (licensor) but not by the drama's "
        "producer (licensee); it still covers the usage", assemble(sign_chain(at(
            lic, SYNC_LICENCE, body={"document": sync_licence(signers=(BOB,))}))),
        warnings=("licence.unsigned_party",))
    add("licence-expired", "the bell licence ran 2024-01-01 to 2025-06-30; the chain's last recorded date is "
        "2025-11-21", assemble(sign_chain(at(lic, BELL_LICENCE, body={
            "document": bell_licence(start="2024-01-01", end="2025-06-30")}))), warnings=("licence.expired",))
    add("usage-unlicensed", "the usage names no licence", assemble(sign_chain(at(lic, USAGE, body_ref={}))),
        warnings=("usage.unlicensed",))
    add("usage-outside-territory", "the usage is in FR; the sync licence covers CN, HK and SG",
        assemble(sign_chain(at(lic, USAGE, body={**usage, "territory": "FR"}))),
        warnings=("usage.outside_territory",))
    add("usage-outside-media", "the usage is advertising; the sync licence covers sync, streaming and broadcast",
        assemble(sign_chain(at(lic, USAGE, body={**usage, "media": "advertising"}))),
        warnings=("usage.outside_media",))
    add("usage-outside-term", "the usage is on 2025-10-31, the day before the sync licence's term begins "
        "(2025-11-01; both ends included)", assemble(sign_chain(at(lic, USAGE, body={**usage, "date": "2025-10-31"}))),
        warnings=("usage.outside_term",))
    add("payment-missing", "the bell licence's fee, 1200.00 EUR, is disclosed and no payment names it",
        assemble(sign_chain(lic[:BELL_PAYMENT] + lic[BELL_PAYMENT + 1:])), warnings=("payment.missing",))
    add("payment-missing-fee-withheld", "the AI output licence's fee is withheld and no payment names it",
        assemble(sign_chain(lic[:BELL_PAYMENT - 1] + lic[BELL_PAYMENT:])), warnings=("payment.missing",))
    add("payment-short", "the bell licence's fee is 1200.00 EUR; 1000.00 EUR is paid, and 200.00 USD (another "
        "currency: listed, not counted)", assemble(sign_chain([
            *at(lic, BELL_PAYMENT, body={**lic[BELL_PAYMENT].body, "amount": "1000.00"}),
            Spec("payment", BOB, {"amount": "200.00", "currency": "USD", "paid_on": "2025-11-21"},
                 body_ref={"licence": BELL_LICENCE})])), warnings=("payment.short",))
    add("generation-no-output-licence", "the generation in the release's lineage names no licence",
        assemble(sign_chain(at(lic, 2, body_ref={}))), warnings=("generation.no_output_licence",))
    add("generation-no-output-licence-other-model", "the generation (cue-gen) names an output licence for "
        "another model (cue-gen-xl)", assemble(sign_chain(at(lic, AI_LICENCE, body={
            "document": ai_licence(model="cue-gen-xl")}))), warnings=("generation.no_output_licence",))

    # V14 pre-release screening (spec/screening.md §7): a finding (exit 0), or a body the schema refuses.
    def screened(*matches: dict[str, Any], **changes: Any) -> list[Spec]:
        body = {"asset": A[7], "catalogue": SCREENING_CATALOGUE, "method": "provenote-fp/1", "min_ms": 5_000,
                "matches": list(matches)}
        body.update(changes)
        return [*lic, Spec("screening", BOB, body)]

    bell_match = {"reference": A[6]["sha256"], "name": "a6.wav", "query": [41_200, 52_800],
                  "in_reference": [0, 11_600], "score": 87}
    other_match = {"reference": A[8]["sha256"], "name": "a8.wav", "query": [12_000, 19_500],
                   "in_reference": [30_000, 37_500], "score": 41}
    add("valid-screening", "the licensing story, then a screening of the released cue against a catalogue of "
        "three tracks: it matches the bell sample (a6.wav) at 41.2–52.8 s, which the bell licence taken in names "
        "by its hash. No finding", assemble(sign_chain(screened(bell_match))))
    add("valid-screening-no-match", "a screening of the released cue that found nothing",
        assemble(sign_chain(screened())))
    add("screening-unlicensed-match", "the screening also matches a8.wav at 12.0–19.5 s, a track no licence "
        "taken in names", assemble(sign_chain(screened(bell_match, other_match))),
        warnings=("screening.unlicensed_match",))
    add("screening-match-shorter-than-min", "a match of 4.0 s in a screening that reports matches of at least "
        "5.0 s (min_ms 5000)", assemble(sign_chain(screened({**other_match, "query": [12_000, 16_000]}))),
        ("event.schema_invalid",))
    add("screening-empty-catalogue", "a screening against a catalogue of no track",
        assemble(sign_chain(screened(catalogue={**SCREENING_CATALOGUE, "tracks": 0}))), ("event.schema_invalid",))
    add("screening-match-extra-key", "a match with a key the format does not define (a float score)",
        assemble(sign_chain(screened({**bell_match, "confidence": 0.93}))), ("event.schema_invalid",))

    # AI labels (spec/labels.md): written from the record. The released cue (a7.wav) is Partly AI.
    add("valid-labels", "the licensing story, then four labels of the released cue, each derived from its "
        "release (#8) and stating ContainsAI Partly, as the chain shows: the AIGC implicit label (its JSON, Label "
        "\"1\"), the audible label at 0–1.2 s, a C2PA manifest and a DDEX fragment. No finding; no unlabelled_ai",
        assemble(sign_chain([*lic, *(Spec("label", BOB, body, body_ref={"release": RELEASE})
                                     for body in label_bodies())])))
    add("label-understates-ai", "a DDEX label says ContainsAI None for a release the chain shows as Partly: "
        "the bundle is valid; the analysis raises the red flag label.understates_ai",
        assemble(sign_chain([*lic, Spec("label", BOB, {**label_bodies()[3], "contains_ai": "None"},
                                        body_ref={"release": RELEASE})])))
    add("label-aigc-without-text", "an aigc-implicit label that does not carry its JSON text",
        assemble(sign_chain([*lic, Spec("label", BOB, {k: v for k, v in label_bodies()[0].items() if k != "text"},
                                        body_ref={"release": RELEASE})])), ("event.schema_invalid",))
    add("label-names-no-release", "a label whose release field names a licence event, not a release",
        assemble(sign_chain([*lic, Spec("label", BOB, label_bodies()[3], body_ref={"release": BELL_LICENCE})])),
        ("chain.reference_invalid",))
    return out


RELEASE = 8  # index of the release in licensing_story()
AIGC_JSON = ('{"AIGC":{"Label":"1","ContentProducer":"vector-studio","ProduceID":"a7-0001",'
             '"ReservedCode1":"","ContentPropagator":"","PropagateID":"","ReservedCode2":""}}')


def label_bodies() -> list[dict[str, Any]]:
    """The bodies of four labels of the licensing story's released cue (a7.wav), each kind once
    (spec/labels.md §2): implicit, audible, C2PA, DDEX."""
    def written(n: int, name: str, media_type: str = "audio/wav") -> dict[str, Any]:
        data = f"vector-labelled-{n}".encode()
        return {"sha256": hashlib.sha256(data).digest(), "size": len(data), "media_type": media_type, "name": name}

    common = {"input": A[7], "method": "provenote-hi/1", "contains_ai": "Partly"}
    return [
        {**common, "kind": "aigc-implicit", "output": written(2, "a7-labelled.wav"),
         "label_sha256": hashlib.sha256(AIGC_JSON.encode()).digest(), "text": AIGC_JSON},
        {**common, "kind": "aigc-audible", "output": written(1, "a7-audible.wav"),
         "label_sha256": hashlib.sha256(b"vector-audible-label").digest(), "positions": [[0, 1_200]]},
        {**common, "kind": "c2pa", "output": written(3, "a7-c2pa.wav"),
         "label_sha256": hashlib.sha256(b"vector-c2pa-manifest-store").digest()},
        {**common, "kind": "ddex", "output": written(4, "a7-sound-recording.xml", "application/xml"),
         "label_sha256": hashlib.sha256(b"vector-ddex-fragment").digest()},
    ]


def _swap_kid(envelope: bytes, other: TestKey) -> bytes:
    tag = cbor2.loads(envelope)
    protected, _unprotected, payload, _signature = tag.value
    header = cbor2.loads(protected)
    kid = hashlib.sha256(other.public).digest()
    header[4] = kid
    header[15][1] = kid.hex()
    new_protected = cbor2.dumps(header, canonical=True)
    signer = ALICE if cbor2.loads(payload)["signer"] == ALICE.public else BOB
    return sign1(new_protected, payload, signer.sign)


def _prev_mismatch() -> bytes:
    specs = notes(4)
    built = sign_chain(specs)
    first = event_hash(built.envelopes[1])
    relinked = sign_chain(at(specs, 3, override={"prev": first}))
    return assemble(relinked)


def _trailer_with_sub(built: Built) -> bytes:
    claims = TrailerClaims(built.work, bytes(32), 0, bytes(32), 0, 0, bytes(32))
    protected = protected_header("application/vnd.provenote.bundle-trailer.v1+cbor", LEGAL.public, "00" * 32)
    return sign1(protected, cbor2.dumps(claims.to_cbor(), canonical=True), LEGAL.sign)


def build() -> dict[str, bytes]:
    """Every file of spec/vectors/bundles/, by name."""
    files: dict[str, bytes] = {}
    index = []
    for vector in vectors():
        files[f"{vector.name}.bundle"] = vector.data
        entry: dict[str, Any] = {"name": vector.name, "file": f"{vector.name}.bundle", "about": vector.about,
                                 "valid": all(c in TRUST_CODES for c in vector.codes), "exit": vector.exit,
                                 "codes": list(vector.codes)}
        if vector.warnings:
            entry["warnings"] = list(vector.warnings)
        if vector.trust is not None:
            entry["trust"] = [key.hex() for key in vector.trust]
            entry["require_trusted"] = vector.require_trusted
        if vector.known_checkpoints:
            entry["known_checkpoints"] = [note.decode("utf-8") for note in vector.known_checkpoints]
        if vector.tsa_roots:
            entry["tsa_roots"] = list(vector.tsa_roots)
        if vector.witnesses:
            entry["witnesses"] = [key.vkey() for key in vector.witnesses]
        if vector.quorum is not None:
            entry["quorum"] = vector.quorum
        index.append(entry)
    files["index.json"] = (json.dumps({
        "comment": "Generated by spec/vectors/generate_bundles.py from TEST KEYS; see spec/vectors/README.md.",
        "keys": {k.name: {"seed": k.seed.hex(), "public_key": k.public.hex()}
                 for k in (ALICE, BOB, LEGAL, PROVIDER, CAROL, LOG, NOTARY, SOCIETY, BELLS, DRAMA)},
        "log": {"origin": ORIGIN, "layout": LAYOUT, "signer": LOG.name,
                "witnesses": {k.name: k.vkey() for k in (NOTARY, SOCIETY)}},
        "vectors": index}, indent=1, ensure_ascii=False) + "\n").encode()
    return files


def main() -> None:
    HERE.mkdir(exist_ok=True)
    files = build()
    for stale in HERE.glob("*.bundle"):
        if stale.name not in files:
            stale.unlink()
    for name, data in files.items():
        (HERE / name).write_bytes(data)


if __name__ == "__main__":
    main()

"""C2PA Content Credentials for released audio: the writer's side (spec/labels-c2pa-ddex.md).

A *projection* of a work's chain (a list of :class:`ProjectedAction`, computed elsewhere from the
events) is written into a C2PA 2.x manifest embedded in a copy of an audio file (WAV, MP3, FLAC)
with the CAI's c2pa-python (c2pa-rs underneath), signed with the caller's Ed25519 key through a
callback: the private key never leaves the caller. The manifest holds

* ``c2pa.actions.v2``: the actions in order, ``allActionsIncluded: true``; each action's
  ``parameters`` carry the provenote event hash under ``org.provenote.event`` and nothing that a
  person wrote (no prompt, lyric or note: :class:`ProjectedAction` has no field that could hold
  one); ``softwareAgent``, ``digitalSourceType`` (IPTC URI) and ``changes`` (temporal regions,
  normal play time) where given;
* ``org.provenote.record``: the work, the head event, the log checkpoint (text or null) and the
  number of events;
* ``c2pa.metadata``: the asset's own IPTC digital source type (``Iptc4xmpExt:DigitalSourceType``);
* one ingredient per ``c2pa.opened`` / ``c2pa.placed`` action (C2PA 2.2 §18.14.4.7 requires
  those actions to name an ingredient), titled by the event hash alone.

Also here: a certificate signing request built around a signing callback (:func:`make_csr`), the
check that a chain fits the C2PA signer profile (:func:`check_chain`), a deterministic test CA
(:func:`make_test_ca`), and the reader used by the tests and, lazily, by the verifier
(:func:`read_c2pa`). c2pa-python is imported only inside the functions that need it (the ``c2pa``
extra), never at module import.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
import re
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from verifier.format import IPTC_TERMS, UsageError, audio_media_type, verify_ed25519

IPTC_PREFIX = "http://cv.iptc.org/newscodes/digitalsourcetype/"
IPTC_CONTEXT = "http://iptc.org/std/Iptc4xmpExt/2008-02-29/"
EVENT_KEY = "org.provenote.event"  # action parameter: the event's hash, lowercase hex
RELATED_KEY = "org.provenote.related"  # action parameter: a related event's hash
DETAIL_KEY = "org.provenote.detail"  # action parameter: a vocabulary token (e.g. an edit's kind)
RECORD_LABEL = "org.provenote.record"
ACTIONS_LABEL = "c2pa.actions.v2"
METADATA_LABEL = "c2pa.metadata"
CLAIM_GENERATOR = "provenote"

#: The actions C2PA 2.2 defines (§18.14.1) that this writer can state as they are. Not here:
#: c2pa.removed (its ingredient lives in another manifest), c2pa.redacted (names a redacted
#: assertion), c2pa.watermarked (needs a soft-binding assertion) and the font actions.
C2PA_ACTIONS = frozenset({
    "c2pa.addedText", "c2pa.adjustedColor", "c2pa.changedSpeed", "c2pa.color_adjustments",
    "c2pa.converted", "c2pa.created", "c2pa.cropped", "c2pa.deleted", "c2pa.drawing", "c2pa.dubbed",
    "c2pa.edited", "c2pa.edited.metadata", "c2pa.enhanced", "c2pa.filtered", "c2pa.opened",
    "c2pa.orientation", "c2pa.placed", "c2pa.published", "c2pa.repackaged", "c2pa.resized",
    "c2pa.transcoded", "c2pa.translated", "c2pa.trimmed", "c2pa.unknown",
})
#: Actions that must be first and only once (C2PA 2.2 §15.10.3.2.2, §18.14.2).
FIRST_ACTIONS = frozenset({"c2pa.created", "c2pa.opened"})
#: Actions that must name an ingredient, and the relationship it has.
INGREDIENT_ACTIONS = {"c2pa.opened": "parentOf", "c2pa.placed": "componentOf"}

#: EKUs a C2PA validator may hold trust anchors for (C2PA 2.2 §14.4.1): id-kp-emailProtection,
#: id-kp-documentSigning (RFC 9336) and c2pa-kp-claimSigning.
DOCUMENT_SIGNING = x509.ObjectIdentifier("1.3.6.1.5.5.7.3.36")
CLAIM_SIGNING = x509.ObjectIdentifier("1.3.6.1.4.1.62558.2.1")
SIGNER_EKUS = frozenset({ExtendedKeyUsageOID.EMAIL_PROTECTION, DOCUMENT_SIGNING, CLAIM_SIGNING})
_ANY_EKU = x509.ObjectIdentifier("2.5.29.37.0")

MAX_TEXT = 256  # a software agent's name, a title
MAX_CHECKPOINT = 8_192  # a checkpoint note is a few hundred characters
MAX_ACTIONS = 4_096
MAX_REGIONS = 4_096
MAX_MS = 2**53  # any duration the format can hold and JSON can carry exactly

_WHEN = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,6})?Z")
_COMPONENT = r"[a-zA-Z0-9][a-zA-Z0-9_-]*"
_ENTITY_LABEL = re.compile(rf"{_COMPONENT}(?:\.{_COMPONENT})+")  # C2PA 2.2 §6.2.1
_TOKEN = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?")
_NPT = re.compile(r"(\d+)(?:\.(\d{1,3}))?")
_PEM_CERT = re.compile(rb"-----BEGIN CERTIFICATE-----\r?\n.+?\r?\n-----END CERTIFICATE-----", re.S)


class C2paError(UsageError):
    """A manifest could not be built, signed or read, or a certificate does not fit. The message
    is one line for a person (exit 2)."""


def _one_line(error: BaseException) -> str:
    text = " ".join(str(error).split())
    return text[:300] + ("…" if len(text) > 300 else "")


def _check_hash(name: str, value: object) -> bytes:
    if type(value) is not bytes or len(value) != 32:
        raise C2paError(f"{name} is a 32-byte hash")
    return value


def _check_label_text(name: str, value: object, limit: int = MAX_TEXT) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > limit or not value.isprintable():
        raise C2paError(f"{name} is one line of printable text, 1 to {limit} characters")
    return value


def _check_term(name: str, value: object) -> str:
    if value not in IPTC_TERMS:
        raise C2paError(f"{name} {value!r} is not a current IPTC digital source type term")
    assert isinstance(value, str)
    return value


def _check_when(value: object) -> str:
    if not isinstance(value, str) or not _WHEN.fullmatch(value):
        raise C2paError(f"when {value!r} is not an ISO 8601 UTC time such as 2026-01-02T03:04:05Z")
    try:
        dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as e:
        raise C2paError(f"when {value!r} is not a real date and time") from e
    return value


@dataclass(frozen=True)
class ProjectedAction:
    """One action of the projection: what one event of the chain did to the asset, in C2PA terms.

    ``action`` is a C2PA action of :data:`C2PA_ACTIONS` or an entity-specific label
    (``org.provenote.selected``); ``event_hash`` the event's hash; ``when`` an ISO 8601 UTC time
    (``2026-01-02T03:04:05Z``, fractions up to microseconds); ``digital_source_type`` an IPTC
    term (not its URI); ``software_agent`` the tool's name; ``changes`` the time regions the action
    touched, ``(start_ms, end_ms)`` with ``0 <= start < end``; ``related_event`` the hash of an
    event this one refers to; ``custom`` a vocabulary token (lowercase letters, digits and ``-``,
    at most 64: an edit's kind, an input's layer). There is deliberately no free-text field: a
    prompt, lyric or note has nowhere to go.

    Raises (on construction): C2paError naming the first field that breaks these rules.
    """

    action: str
    event_hash: bytes
    when: str
    digital_source_type: str | None = None
    software_agent: str | None = None
    changes: tuple[tuple[int, int], ...] | None = None
    related_event: bytes | None = None
    custom: str | None = None

    def __post_init__(self) -> None:
        action = self.action
        if not isinstance(action, str) or not (
                action in C2PA_ACTIONS or (_ENTITY_LABEL.fullmatch(action) and not action.startswith("c2pa."))):
            raise C2paError(f"action {action!r} is neither a C2PA action this writer states nor an "
                            "entity-specific label such as org.provenote.selected")
        _check_hash("event_hash", self.event_hash)
        _check_when(self.when)
        if self.digital_source_type is not None:
            _check_term("digital_source_type", self.digital_source_type)
        if self.software_agent is not None:
            _check_label_text("software_agent", self.software_agent)
        if self.changes is not None:
            if isinstance(self.changes, str | bytes) or not isinstance(self.changes, Sequence):
                raise C2paError("changes is a list of (start_ms, end_ms) pairs")
            regions = tuple(tuple(region) for region in self.changes)
            if not regions or len(regions) > MAX_REGIONS:
                raise C2paError(f"changes holds 1 to {MAX_REGIONS} regions (None for none)")
            for region in regions:
                if (len(region) != 2 or any(type(v) is not int for v in region)
                        or not 0 <= region[0] < region[1] <= MAX_MS):
                    raise C2paError(f"change region {region!r} is not (start_ms, end_ms) with 0 <= start < end")
            object.__setattr__(self, "changes", regions)
        if self.related_event is not None:
            _check_hash("related_event", self.related_event)
        if self.custom is not None and (not isinstance(self.custom, str) or not _TOKEN.fullmatch(self.custom)):
            raise C2paError(f"custom {self.custom!r} is not a token (lowercase letters, digits, '-', at most 64)")


@dataclass(frozen=True)
class RecordAssertion:
    """The ``org.provenote.record`` assertion: which chain the manifest was projected from."""

    work: bytes
    head: bytes
    checkpoint: str | None
    events: int

    def __post_init__(self) -> None:
        _check_hash("work", self.work)
        _check_hash("head", self.head)
        if self.checkpoint is not None and (not isinstance(self.checkpoint, str) or not self.checkpoint
                                            or len(self.checkpoint) > MAX_CHECKPOINT):
            raise C2paError(f"checkpoint is text of 1 to {MAX_CHECKPOINT} characters, or None")
        if type(self.events) is not int or not 1 <= self.events <= 2**53:
            raise C2paError("events is a positive integer")

    def to_json(self) -> dict[str, Any]:
        return {"work": self.work.hex(), "head": self.head.hex(), "checkpoint": self.checkpoint,
                "events": self.events}


@dataclass(frozen=True)
class ManifestInput:
    """Everything the manifest states. ``actions`` in chain order; ``asset_source_type`` the IPTC
    term for the signed asset as a whole (``compositeSynthetic`` for a mix of AI and human
    material); ``title`` the manifest's dc:title (default: the output file's name).

    The actions must make a valid C2PA actions assertion: the first is ``c2pa.created`` (with a
    digital source type) or ``c2pa.opened``, and neither occurs again (C2PA 2.2 §18.14.2);
    there are at most as many actions as events.

    Raises (on construction): C2paError.
    """

    actions: tuple[ProjectedAction, ...]
    record: RecordAssertion
    asset_source_type: str
    title: str | None = None

    def __post_init__(self) -> None:
        if isinstance(self.actions, str | bytes) or not isinstance(self.actions, Sequence):
            raise C2paError("actions is a list of ProjectedAction")
        actions = tuple(self.actions)
        if not 1 <= len(actions) <= MAX_ACTIONS or not all(isinstance(a, ProjectedAction) for a in actions):
            raise C2paError(f"actions is a list of 1 to {MAX_ACTIONS} ProjectedAction")
        object.__setattr__(self, "actions", actions)
        if not isinstance(self.record, RecordAssertion):
            raise C2paError("record is a RecordAssertion")
        first = actions[0]
        if first.action not in FIRST_ACTIONS:
            raise C2paError(f"the first action is c2pa.created or c2pa.opened (C2PA 2.2 §18.14.2), not {first.action}")
        if first.action == "c2pa.created" and first.digital_source_type is None:
            raise C2paError("the c2pa.created action needs a digital source type (C2PA 2.2 §18.14.2)")
        for index, action in enumerate(actions[1:], start=2):
            if action.action in FIRST_ACTIONS:
                raise C2paError(f"action {index} is {action.action}: C2PA allows it only as the first action")
        if len(actions) > self.record.events:
            raise C2paError(f"{len(actions)} actions from a chain of {self.record.events} events")
        _check_term("asset_source_type", self.asset_source_type)
        if self.title is not None:
            _check_label_text("title", self.title)


# --- the manifest -------------------------------------------------------------------------------

def _npt(ms: int) -> str:
    """Milliseconds as RFC 2326 normal play time in seconds (npt-sec): 16000 -> '16', 32500 -> '32.5'."""
    seconds, rest = divmod(ms, 1000)
    return str(seconds) if rest == 0 else f"{seconds}.{rest:03d}".rstrip("0")


def _ms(npt: object) -> int:
    if not isinstance(npt, str) or not (match := _NPT.fullmatch(npt)):
        raise C2paError(f"a change region's time {npt!r} is not normal play time in seconds")
    return int(match.group(1)) * 1000 + int((match.group(2) or "").ljust(3, "0"))


def _action_json(action: ProjectedAction, ingredient: str | None) -> dict[str, Any]:
    parameters: dict[str, Any] = {EVENT_KEY: action.event_hash.hex()}
    if action.related_event is not None:
        parameters[RELATED_KEY] = action.related_event.hex()
    if action.custom is not None:
        parameters[DETAIL_KEY] = action.custom
    if ingredient is not None:
        parameters["ingredientIds"] = [ingredient]  # the SDK turns this into hashed URIs
    entry: dict[str, Any] = {"action": action.action, "when": action.when, "parameters": parameters}
    if action.software_agent is not None:
        entry["softwareAgent"] = {"name": action.software_agent}  # v2: a generator-info map
    if action.digital_source_type is not None:
        entry["digitalSourceType"] = IPTC_PREFIX + action.digital_source_type
    if action.changes is not None:
        entry["changes"] = [{"region": [{"type": "temporal",
                                         "time": {"type": "npt", "start": _npt(start), "end": _npt(end)}}]}
                            for start, end in action.changes]
    return entry


def manifest_definition(manifest: ManifestInput, title: str) -> dict[str, Any]:
    """The c2pa-python manifest definition (JSON) of ``manifest``: deterministic, no I/O."""
    actions, ingredients = [], []
    for index, action in enumerate(manifest.actions):
        ingredient = None
        if action.action in INGREDIENT_ACTIONS:
            ingredient = f"org.provenote.ingredient.{index}"
            ingredients.append({"title": f"provenote event {action.event_hash.hex()}",
                                "relationship": INGREDIENT_ACTIONS[action.action], "label": ingredient})
        actions.append(_action_json(action, ingredient))
    definition: dict[str, Any] = {
        "title": title,
        "assertions": [
            {"label": ACTIONS_LABEL, "data": {"actions": actions, "allActionsIncluded": True}},
            {"label": RECORD_LABEL, "data": manifest.record.to_json()},
            {"label": METADATA_LABEL, "kind": "Json",
             "data": {"@context": {"Iptc4xmpExt": IPTC_CONTEXT},
                      "Iptc4xmpExt:DigitalSourceType": IPTC_PREFIX + manifest.asset_source_type}},
        ],
    }
    if ingredients:
        definition["ingredients"] = ingredients
    return definition


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("provenote")
    except PackageNotFoundError:  # running from a source tree that was not installed
        return "0"


def signing_settings() -> dict[str, Any]:
    """The SDK settings for signing: no action of the SDK's own (the actions are exactly the
    projection), no thumbnail, the assertions attributed to the signer (created, not gathered,
    C2PA 2.2 §10), nothing fetched from the network, and the result verified after signing
    (its integrity; trust is the reader's question)."""
    off = {"enabled": False}
    return {
        "builder": {
            "claim_generator_info": {"name": CLAIM_GENERATOR, "version": _version()},
            "created_assertion_labels": [ACTIONS_LABEL, RECORD_LABEL, METADATA_LABEL],
            "actions": {"auto_created_action": off, "auto_opened_action": off, "auto_placed_action": off},
            "thumbnail": {"enabled": False},
        },
        "verify": {"verify_after_sign": True, "verify_trust": False, "verify_timestamp_trust": False,
                   "remote_manifest_fetch": False, "ocsp_fetch": False},
    }


def sniff_format(head: bytes) -> str:
    """The media type of an audio file from its first bytes: WAV (RIFF/RF64 WAVE), FLAC, MP3
    (an ID3v2 tag or an MPEG audio frame header).

    Raises: C2paError for anything else.
    """
    media_type = audio_media_type(head) if head[:4] != b"BW64" else None  # c2pa writes RIFF and RF64 WAVE
    if media_type is not None:
        return media_type
    raise C2paError("not a WAV, MP3 or FLAC file: C2PA labels are written for those three here")


def _leaf_key(chain_pem: bytes) -> Ed25519PublicKey:
    certificates = load_chain(chain_pem)
    key = certificates[0].public_key()
    if not isinstance(key, Ed25519PublicKey):
        raise C2paError("the signing certificate's key is not Ed25519")
    return key


def sign_c2pa(src: Path, dst: Path, manifest: ManifestInput, signer: Callable[[bytes], bytes],
              cert_chain_pem: bytes, tsa_url: str | None = None) -> bytes:
    """Write ``dst``: a copy of the audio file ``src`` with ``manifest`` embedded and signed.

    ``signer`` returns the raw 64-byte Ed25519 signature of the bytes it is given (e.g.
    ``ledger.Signer.sign``); ``cert_chain_pem`` is the signing certificate then its
    intermediates (not the root), the leaf holding the signer's public key. ``tsa_url`` asks an
    RFC 3161 authority for a timestamp on the signature. ``dst`` is written under a temporary
    name in its folder and renamed into place; ``src`` is never modified. Returns the manifest
    store's bytes (JUMBF) as c2pa reports them.

    Raises: C2paError (one line) — an unsupported file, ``dst`` the same file as ``src``, a chain
    whose leaf key is not the signer's, or any failure of the SDK (``dst`` is then untouched).
    """
    import c2pa  # the c2pa extra, imported only when signing

    if not isinstance(manifest, ManifestInput):
        raise C2paError("manifest is a ManifestInput")
    if tsa_url is not None and not tsa_url.startswith(("http://", "https://")):
        raise C2paError("the TSA URL is http:// or https://")
    src, dst = Path(src), Path(dst)
    if not src.is_file():
        raise C2paError(f"{src} is not a file")
    if dst.exists() and dst.resolve() == src.resolve():
        raise C2paError("the labelled copy must be written to another file than its source")
    if not dst.parent.is_dir():
        raise C2paError(f"{dst.parent} is not a folder")
    with open(src, "rb") as handle:
        media_type = sniff_format(handle.read(16))
    key = _leaf_key(cert_chain_pem).public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    probe = b"provenote/c2pa/key-check\x00" + os.urandom(16)
    try:
        matches = verify_ed25519(key, signer(probe), probe)  # the format's one Ed25519 rule (spec/format.md §4.1)
    except (TypeError, ValueError) as e:
        raise C2paError("the signing certificate's key is not the signer's key") from e
    if not matches:
        raise C2paError("the signing certificate's key is not the signer's key")

    definition = manifest_definition(manifest, manifest.title or dst.name)
    fd, temp = tempfile.mkstemp(prefix=f".{dst.name}.", suffix=".tmp", dir=dst.parent)
    try:
        with os.fdopen(fd, "w+b") as out, open(src, "rb") as source:
            context = c2pa.Context.from_dict(signing_settings())
            try:
                builder = c2pa.Builder(definition, context=context)
                c2pa_signer = c2pa.Signer.from_callback(signer, c2pa.C2paSigningAlg.ED25519,
                                                        cert_chain_pem.decode("ascii"), tsa_url)
                store: bytes = builder.sign(c2pa_signer, media_type, source, out)
            except c2pa.C2paError as e:
                raise C2paError(f"c2pa could not sign {src.name}: {_one_line(e)}") from e
            finally:
                context.close()
            out.flush()
            os.fsync(out.fileno())
        os.replace(temp, dst)
    finally:
        Path(temp).unlink(missing_ok=True)
    return bytes(store)


# --- reading ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class C2paReadout:
    """What c2pa's Reader says of a file's active manifest.

    ``state`` is c2pa's validation state (``Trusted``, ``Valid`` or ``Invalid``); ``failures`` the
    codes of its validation failures (``signingCredential.untrusted`` among them when no anchor
    trusts the signer); ``actions`` the actions read back as :class:`ProjectedAction` (an action
    whose parameters do not carry an event hash is refused); ``record`` the provenote assertion;
    ``asset_source_type`` the IPTC term of the ``c2pa.metadata`` assertion; ``signer`` the
    signing certificate's common name; ``timestamp`` the time of an RFC 3161 timestamp on the
    signature, as c2pa reports it (None without one).
    """

    state: str
    failures: tuple[str, ...]
    actions: tuple[ProjectedAction, ...]
    all_actions_included: bool
    record: RecordAssertion | None
    asset_source_type: str | None
    signer: str | None
    claim_generator: str | None
    timestamp: str | None


def _read_action(entry: Any) -> ProjectedAction:
    if not isinstance(entry, dict):
        raise C2paError("an action of the manifest is not a map")
    parameters = entry.get("parameters") or {}
    if not isinstance(parameters, dict) or not isinstance(parameters.get(EVENT_KEY), str):
        raise C2paError(f"action {entry.get('action')!r} carries no provenote event hash")
    try:
        event = bytes.fromhex(parameters[EVENT_KEY])
        related = bytes.fromhex(parameters[RELATED_KEY]) if RELATED_KEY in parameters else None
    except (TypeError, ValueError) as e:
        raise C2paError("an event hash in the manifest is not hex") from e
    source = entry.get("digitalSourceType")
    if source is not None:
        if not isinstance(source, str) or not source.startswith(IPTC_PREFIX):
            raise C2paError(f"digital source type {source!r} is not an IPTC URI")
        source = source[len(IPTC_PREFIX):]
    agent = entry.get("softwareAgent")
    if isinstance(agent, dict):
        agent = agent.get("name")
    changes = None
    if entry.get("changes") is not None:
        regions = []
        for change in entry["changes"]:
            for span in change.get("region", []) if isinstance(change, dict) else []:
                time = span.get("time", {}) if isinstance(span, dict) else {}
                regions.append((_ms(time.get("start")), _ms(time.get("end"))))
        changes = tuple(regions)
    return ProjectedAction(action=entry.get("action"), event_hash=event, when=entry.get("when"),  # type: ignore[arg-type]
                           digital_source_type=source, software_agent=agent, changes=changes,
                           related_event=related, custom=parameters.get(DETAIL_KEY))


def reading_settings(trust_anchor_pem: bytes | None) -> dict[str, Any]:
    """The SDK settings for reading: full validation, nothing fetched from the network, and the
    given root (if any) added to the trust anchors."""
    settings: dict[str, Any] = {"verify": {"verify_after_reading": True, "verify_trust": True,
                                           "remote_manifest_fetch": False, "ocsp_fetch": False}}
    if trust_anchor_pem is not None:
        load_chain(trust_anchor_pem)  # refuses what is not PEM certificates
        settings["trust"] = {"user_anchors": trust_anchor_pem.decode("ascii")}
    return settings


def read_c2pa(path: Path, trust_anchor_pem: bytes | None = None) -> C2paReadout:
    """Read and validate the C2PA manifest embedded in the audio file ``path`` with c2pa's Reader.

    ``trust_anchor_pem``: root certificates to trust (e.g. the test CA's); without them a
    correctly signed file is ``Valid`` but not ``Trusted``.

    Raises: C2paError — not a WAV, MP3 or FLAC file, no manifest, or one whose actions are not
    provenote's projection.
    """
    import c2pa

    path = Path(path)
    with open(path, "rb") as handle:
        data = handle.read()
    media_type = sniff_format(data[:16])
    context = c2pa.Context.from_dict(reading_settings(trust_anchor_pem))
    try:
        with c2pa.Reader(media_type, io.BytesIO(data), context=context) as reader:
            store = json.loads(reader.json())
    except c2pa.C2paError as e:
        raise C2paError(f"c2pa could not read a manifest in {path.name}: {_one_line(e)}") from e
    finally:
        context.close()
    active = store.get("manifests", {}).get(store.get("active_manifest") or "")
    if not isinstance(active, dict):
        raise C2paError(f"{path.name} has no active C2PA manifest")
    failures = tuple(str(item.get("code")) for item in store.get("validation_status") or [])
    actions: tuple[ProjectedAction, ...] = ()
    all_included, record, asset_source = False, None, None
    for assertion in active.get("assertions", []):
        label, data = assertion.get("label"), assertion.get("data")
        if label == ACTIONS_LABEL and isinstance(data, dict):
            actions = tuple(_read_action(entry) for entry in data.get("actions", []))
            all_included = data.get("allActionsIncluded") is True
        elif label == RECORD_LABEL and isinstance(data, dict):
            try:
                record = RecordAssertion(bytes.fromhex(data["work"]), bytes.fromhex(data["head"]),
                                         data.get("checkpoint"), data["events"])
            except (KeyError, TypeError, ValueError) as e:
                raise C2paError(f"the {RECORD_LABEL} assertion is malformed") from e
        elif label == METADATA_LABEL and isinstance(data, dict):
            uri = data.get("Iptc4xmpExt:DigitalSourceType")
            if isinstance(uri, str) and uri.startswith(IPTC_PREFIX):
                asset_source = uri[len(IPTC_PREFIX):]
    generator = active.get("claim_generator_info")
    generator_name = generator[0].get("name") if isinstance(generator, list) and generator else None
    signature = active.get("signature_info") or {}
    return C2paReadout(state=str(store.get("validation_state")), failures=failures, actions=actions,
                       all_actions_included=all_included, record=record, asset_source_type=asset_source,
                       signer=signature.get("common_name"), claim_generator=generator_name,
                       timestamp=signature.get("time"))


# --- certificates -------------------------------------------------------------------------------

def _der(tag: int, content: bytes) -> bytes:
    size = len(content)
    if size < 0x80:
        return bytes([tag, size]) + content
    length = size.to_bytes((size.bit_length() + 7) // 8, "big")
    return bytes([tag, 0x80 | len(length)]) + length + content


_ED25519_ALGORITHM = _der(0x30, _der(0x06, bytes.fromhex("2b6570")))  # id-Ed25519, 1.3.101.112


def make_csr(name: str, public_key: bytes, sign: Callable[[bytes], bytes]) -> bytes:
    """A PKCS #10 certificate signing request (RFC 2986) for the Ed25519 key ``public_key``, with
    subject CN=``name``, signed through ``sign`` (raw Ed25519 signatures, RFC 8410).

    The request's to-be-signed part is built here in DER and handed to ``sign``, so the private
    key stays where it is (libsodium, in the unlocked :class:`ledger.Signer`): ``cryptography``'s
    CSR builder would need the key itself as an object. The result is checked with
    ``cryptography`` before it is returned. Requests no extensions: the CA decides them.

    Raises: C2paError — a bad name or key, or a signature that does not verify under the key.
    """
    _check_label_text("name", name, 64)
    if type(public_key) is not bytes or len(public_key) != 32:
        raise C2paError("the public key is 32 bytes (raw Ed25519)")
    try:
        key = Ed25519PublicKey.from_public_bytes(public_key)
        subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)]).public_bytes()
    except ValueError as e:
        raise C2paError(f"cannot make a request: {_one_line(e)}") from e
    spki = key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    info = _der(0x30, _der(0x02, b"\x00") + subject + spki + _der(0xA0, b""))
    signature = sign(info)
    der = _der(0x30, info + _ED25519_ALGORITHM + _der(0x03, b"\x00" + signature))
    request = x509.load_der_x509_csr(der)
    if not request.is_signature_valid:
        raise C2paError("the request's signature does not verify: the signer is not the key's")
    return request.public_bytes(serialization.Encoding.PEM)


def load_chain(chain_pem: bytes) -> list[x509.Certificate]:
    """The certificates of a PEM bundle, in order. Raises: C2paError if there are none or one
    cannot be read."""
    if not isinstance(chain_pem, bytes):
        raise C2paError("a certificate chain is PEM bytes")
    blocks = _PEM_CERT.findall(chain_pem)
    if not blocks:
        raise C2paError("no PEM certificate in the chain")
    try:
        return [x509.load_pem_x509_certificate(block) for block in blocks]
    except ValueError as e:
        raise C2paError(f"a certificate of the chain cannot be read: {_one_line(e)}") from e


def _extension(certificate: x509.Certificate, kind: type[x509.ExtensionType]) -> Any:
    try:
        return certificate.extensions.get_extension_for_class(kind)
    except x509.ExtensionNotFound:
        return None


def check_chain(chain_pem: bytes, public_key: bytes, *, now: dt.datetime | None = None) -> None:
    """Check that ``chain_pem`` (signing certificate first, then its intermediates) fits the C2PA
    signer profile (C2PA 2.2 §14.5.1) for the Ed25519 key ``public_key``:

    the leaf's key is ``public_key``; every certificate is X.509 v3 and valid at ``now``; the
    leaf is not a CA, has a Key Usage with digitalSignature and without keyCertSign, and an
    Extended Key Usage naming emailProtection, documentSigning or c2pa-kp-claimSigning and not
    anyExtendedKeyUsage, timeStamping or OCSPSigning; each certificate is signed by the next,
    which is a CA with keyCertSign and a Subject Key Identifier; every certificate not
    self-signed has an Authority Key Identifier. Whether the chain ends at a trusted root is the
    validator's question, not this one's.

    Raises: C2paError naming the first rule broken.
    """
    certificates = load_chain(chain_pem)
    moment = now or dt.datetime.now(dt.UTC)
    leaf = certificates[0]
    key = leaf.public_key()
    if not isinstance(key, Ed25519PublicKey) or key.public_bytes_raw() != public_key:
        raise C2paError("the signing certificate's key is not this key")
    for index, certificate in enumerate(certificates):
        where = "the signing certificate" if index == 0 else f"certificate {index + 1} of the chain"
        if certificate.version != x509.Version.v3:
            raise C2paError(f"{where} is not X.509 v3")
        if not certificate.not_valid_before_utc <= moment <= certificate.not_valid_after_utc:
            raise C2paError(f"{where} is not valid now ({certificate.not_valid_before_utc:%Y-%m-%d} to "
                            f"{certificate.not_valid_after_utc:%Y-%m-%d})")
        if certificate.issuer != certificate.subject and _extension(certificate, x509.AuthorityKeyIdentifier) is None:
            raise C2paError(f"{where} has no Authority Key Identifier")
        if index + 1 < len(certificates):
            issuer = certificates[index + 1]
            constraints = _extension(issuer, x509.BasicConstraints)
            usage = _extension(issuer, x509.KeyUsage)
            if constraints is None or not constraints.value.ca or usage is None or not usage.value.key_cert_sign:
                raise C2paError(f"certificate {index + 2} of the chain is not a CA that may sign certificates")
            if _extension(issuer, x509.SubjectKeyIdentifier) is None:
                raise C2paError(f"certificate {index + 2} of the chain has no Subject Key Identifier")
            try:
                certificate.verify_directly_issued_by(issuer)
            except (ValueError, TypeError, InvalidSignature) as e:
                raise C2paError(f"{where} is not signed by the certificate after it") from e
    constraints = _extension(leaf, x509.BasicConstraints)
    if constraints is not None and constraints.value.ca:
        raise C2paError("the signing certificate is a CA: C2PA claims are signed by end-entity certificates")
    usage = _extension(leaf, x509.KeyUsage)
    if usage is None or not usage.value.digital_signature or usage.value.key_cert_sign:
        raise C2paError("the signing certificate's Key Usage must include digitalSignature and not keyCertSign")
    eku = _extension(leaf, x509.ExtendedKeyUsage)
    purposes = set(eku.value) if eku is not None else set()
    if not purposes:
        raise C2paError("the signing certificate has no Extended Key Usage (C2PA requires one)")
    if _ANY_EKU in purposes:
        raise C2paError("the signing certificate names anyExtendedKeyUsage, which C2PA forbids")
    if purposes & {ExtendedKeyUsageOID.TIME_STAMPING, ExtendedKeyUsageOID.OCSP_SIGNING}:
        raise C2paError("the signing certificate is for timestamps or OCSP, not for C2PA claims")
    if not purposes & SIGNER_EKUS:
        raise C2paError("the signing certificate names none of emailProtection, documentSigning, "
                        "c2pa-kp-claimSigning")


#: The validity of every test-CA certificate: fixed, so the same seed gives the same bytes.
TEST_CA_NOT_BEFORE = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
TEST_CA_NOT_AFTER = dt.datetime(2045, 1, 1, tzinfo=dt.UTC)


def _ca_name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "provenote test CA (not for production)"),
                      x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _usage(*, ca: bool) -> x509.KeyUsage:
    return x509.KeyUsage(digital_signature=not ca, content_commitment=False, key_encipherment=False,
                         data_encipherment=False, key_agreement=False, key_cert_sign=ca, crl_sign=ca,
                         encipher_only=False, decipher_only=False)


def _serial(label: bytes, material: bytes) -> int:
    return int.from_bytes(hashlib.sha256(label + material).digest()[:16], "big") >> 1 or 1


def make_test_ca(seed: bytes) -> tuple[bytes, Callable[[bytes], bytes]]:
    """A two-level test CA for demos and tests, deterministic from ``seed`` (16+ bytes): a root
    and an intermediate, both Ed25519, with fixed validity (2025 to 2045) and serial numbers, so
    a seed always gives the same certificates. Its keys are derived from the seed in the clear:
    it is never a CA for real signers.

    Returns ``(root_pem, issue)``: give ``root_pem`` to a validator as its trust anchor;
    ``issue(csr_pem)`` checks a request (:func:`make_csr`) and returns the chain to sign with,
    ``leaf + intermediate`` in PEM (the root left out, as C2PA 2.2 §14.5 says). The leaf has
    what C2PA asks of a signer: not a CA, Key Usage digitalSignature (critical), Extended Key
    Usage documentSigning, emailProtection and c2pa-kp-claimSigning, Subject and Authority Key
    Identifiers.

    Raises: C2paError for a short seed; ``issue`` raises C2paError for a request that is not an
    Ed25519 key's or whose signature does not verify.
    """
    if type(seed) is not bytes or len(seed) < 16:
        raise C2paError("the test CA's seed is at least 16 bytes")
    root_key = Ed25519PrivateKey.from_private_bytes(hashlib.sha256(b"provenote test CA root\x00" + seed).digest())
    inter_key = Ed25519PrivateKey.from_private_bytes(
        hashlib.sha256(b"provenote test CA intermediate\x00" + seed).digest())
    root_name, inter_name = _ca_name("provenote test root"), _ca_name("provenote test intermediate")
    root = (x509.CertificateBuilder().subject_name(root_name).issuer_name(root_name)
            .public_key(root_key.public_key()).serial_number(_serial(b"root", seed))
            .not_valid_before(TEST_CA_NOT_BEFORE).not_valid_after(TEST_CA_NOT_AFTER)
            .add_extension(x509.BasicConstraints(ca=True, path_length=1), critical=True)
            .add_extension(_usage(ca=True), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(root_key.public_key()), critical=False)
            .sign(root_key, None))
    intermediate = (x509.CertificateBuilder().subject_name(inter_name).issuer_name(root_name)
                    .public_key(inter_key.public_key()).serial_number(_serial(b"intermediate", seed))
                    .not_valid_before(TEST_CA_NOT_BEFORE).not_valid_after(TEST_CA_NOT_AFTER)
                    .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
                    .add_extension(_usage(ca=True), critical=True)
                    .add_extension(x509.SubjectKeyIdentifier.from_public_key(inter_key.public_key()),
                                   critical=False)
                    .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(root_key.public_key()),
                                   critical=False)
                    .sign(root_key, None))
    intermediate_pem = intermediate.public_bytes(serialization.Encoding.PEM)

    def issue(csr_pem: bytes) -> bytes:
        try:
            request = x509.load_pem_x509_csr(csr_pem)
        except (TypeError, ValueError) as e:
            raise C2paError(f"not a PEM certificate request: {_one_line(e)}") from e
        key = request.public_key()
        if not isinstance(key, Ed25519PublicKey):
            raise C2paError("the request is not for an Ed25519 key")
        if not request.is_signature_valid:
            raise C2paError("the request's signature does not verify")
        raw = key.public_bytes_raw()
        leaf = (x509.CertificateBuilder().subject_name(request.subject).issuer_name(inter_name)
                .public_key(key).serial_number(_serial(b"leaf", raw))
                .not_valid_before(TEST_CA_NOT_BEFORE).not_valid_after(TEST_CA_NOT_AFTER)
                .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
                .add_extension(_usage(ca=False), critical=True)
                .add_extension(x509.ExtendedKeyUsage([DOCUMENT_SIGNING, ExtendedKeyUsageOID.EMAIL_PROTECTION,
                                                      CLAIM_SIGNING]), critical=False)
                .add_extension(x509.SubjectKeyIdentifier.from_public_key(key), critical=False)
                .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(inter_key.public_key()),
                               critical=False)
                .sign(inter_key, None))
        return leaf.public_bytes(serialization.Encoding.PEM) + intermediate_pem

    return root.public_bytes(serialization.Encoding.PEM), issue

"""AI labels on the writer's side (spec/labels.md): write the labels into a copy of a released
file — the audible label (GB 45438-2025), then the AIGC implicit label, then a C2PA manifest,
last, because a tag written after it would break its hash — and record one signed ``label``
event per kind, in one write transaction. Also the DDEX fragment, and the signing certificate a
key needs for C2PA.

A public module of its own: it needs the optional extra ``provenote[label]`` (mutagen — GPL —,
numpy, soundfile); C2PA needs ``provenote[c2pa]`` and DDEX ``provenote[ddex]``, both imported
only when used. Neither the rest of the writer nor the verifier loads any of them.

The class a label states (``contains_ai``) is the caller's: it must come from the verified
record (``verifier.analysis.release_class``), which ``provenote label`` does.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ledger._aigc import (
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
from ledger._assets import describe_file
from ledger._c2pa import (
    C2paError,
    ManifestInput,
    ProjectedAction,
    RecordAssertion,
    check_chain,
    make_csr,
    make_test_ca,
    manifest_definition,
    read_c2pa,
    sign_c2pa,
    signing_settings,
)
from ledger._ddex import ERN_NAMESPACE, DdexError, iso_duration, party_list_fragment, sound_recording_fragment
from ledger._keystore import KeyStore, Signer
from ledger._licences import write_atomic
from ledger._store import Appended, EventDraft, Ledger
from verifier.format import CONTAINS_AI, EventHash, WorkId

__all__ = [
    "ERN_NAMESPACE", "FIELDS", "GAP_MS", "LEVEL_DBFS_RMS", "MP4_KEY", "UNIT_MS", "AudibleInfo", "C2paError",
    "DdexError", "LabelError", "LabelPlan", "ManifestInput", "ProjectedAction", "RecordAssertion",
    "aigc_json", "attach_certificate", "audible_label_samples", "certificate", "check_chain", "check_label_json",
    "ddex_label", "detect_audible", "iso_duration", "make_csr", "make_test_ca", "manifest_definition",
    "party_list_fragment", "read_c2pa", "read_implicit", "sign_c2pa", "signing_settings",
    "sound_recording_fragment", "write_audible", "write_implicit", "write_labels",
]

METHOD = "provenote-hi/1"  # the method the class is derived with (verifier.analysis.METHOD)


@dataclass(frozen=True)
class LabelPlan:
    """What to write, derived from the verified record: the release the labels derive from (its
    event hash), the class it has, and which labels. ``aigc`` is (ContentProducer, ProduceID);
    ``c2pa`` the manifest with the key's certificate chain (PEM) and an optional TSA URL.

    Raises (on construction): LabelError for an unknown class or position, no label asked, or an
    AIGC label for a release the chain shows without AI material (nothing to label as AI)."""

    release: EventHash
    contains_ai: str
    audible: str | None = None
    aigc: tuple[str, str] | None = None
    c2pa: tuple[ManifestInput, bytes, str | None] | None = None

    def __post_init__(self) -> None:
        if self.contains_ai not in CONTAINS_AI:
            raise LabelError(f"ContainsAI is one of {', '.join(CONTAINS_AI)}")
        if self.audible is None and self.aigc is None and self.c2pa is None:
            raise LabelError("ask for at least one label: --audible, --aigc or --c2pa")
        if self.contains_ai == "None" and (self.aigc is not None or self.audible is not None):
            raise LabelError("the chain shows no AI material in this release: it needs no AIGC label")


def write_labels(book: Ledger, work: WorkId, signer: Signer, asset: Path, output: Path, plan: LabelPlan,
                 *, occurred: int | None = None) -> list[Appended]:
    """Write ``output``, a labelled copy of ``asset`` (never ``asset`` in place), and record one
    ``label`` event per label written, all in one write transaction after the file is in place.

    Raises:
        LabelError, C2paError: a file cannot be labelled (its container, its audio, the chain).
        LedgerError: a body the format refuses (nothing is recorded; the file stays written).
    """
    if output.resolve() == asset.resolve():
        raise LabelError("the labelled copy must be another file than the released one (-o)")
    master = describe_file(asset)
    written: list[tuple[str, bytes, dict[str, Any]]] = []  # kind, label bytes, extra body fields
    with tempfile.TemporaryDirectory(prefix=".provenote-label-", dir=output.parent) as scratch:
        current = asset
        suffix = asset.suffix or ".audio"
        if plan.audible is not None:
            step = Path(scratch) / f"audible{suffix}"
            info = write_audible(current, step, plan.audible)
            import soundfile

            rate = int(soundfile.info(str(step)).samplerate)
            samples = audible_label_samples(rate).astype("<f4").tobytes()
            written.append(("aigc-audible", samples, {"positions": [list(p) for p in info.positions]}))
            current = step
        if plan.aigc is not None:
            step = Path(scratch) / f"implicit{suffix}"
            text = aigc_json("1", plan.aigc[0], plan.aigc[1], bytes(plan.release).hex())
            write_implicit(current, step, text)
            written.append(("aigc-implicit", text.encode("utf-8"), {"text": text}))
            current = step
        if plan.c2pa is not None:
            manifest, chain, tsa_url = plan.c2pa
            step = Path(scratch) / f"c2pa{suffix}"
            store = sign_c2pa(current, step, manifest, signer.sign, chain, tsa_url)
            written.append(("c2pa", store, {}))
            current = step
        _place(current, output)
    labelled = describe_file(output)
    drafts = [EventDraft("label", {"release": bytes(plan.release), "input": master, "output": labelled,
                                   "kind": kind, "method": METHOD, "contains_ai": plan.contains_ai,
                                   "label_sha256": hashlib.sha256(data).digest(), **extra}, {}, occurred)
              for kind, data, extra in written]
    return book.append_batch(work, signer, drafts)


def ddex_label(book: Ledger, work: WorkId, signer: Signer, master: Path, output: Path, *, release: EventHash,
               contains_ai: str, isrc: str, title: str, contributors: Sequence[tuple[str, str]],
               duration_ms: int | None, occurred: int | None = None) -> Appended:
    """Write the ERN 4.3.2 ``SoundRecording`` fragment for the released ``master`` to ``output``,
    and the ``PartyList`` its contributors refer to beside it (``NAME.parties.xml``), then record
    a ``ddex`` label event naming the fragment's hash.

    Raises: DdexError (the fragment's fields), LabelError (``output`` is the master), LedgerError."""
    if output.resolve() == master.resolve():
        raise LabelError("the DDEX fragment must be written to another file than the released one (-o)")
    recording = sound_recording_fragment(isrc, title, contains_ai, list(contributors), duration_ms)
    parties = party_list_fragment(list(contributors))
    master_ref = describe_file(master)
    write_atomic(output.with_name(output.stem + ".parties.xml"), parties)
    write_atomic(output, recording)
    body = {"release": bytes(release), "input": master_ref, "output": describe_file(output), "kind": "ddex",
            "method": METHOD, "contains_ai": contains_ai, "label_sha256": hashlib.sha256(recording).digest()}
    return book.append(work, signer, EventDraft("label", body, {}, occurred))


def _place(source: Path, output: Path) -> None:
    """Copy ``source`` to ``output`` under a temporary name in its folder, flushed, then renamed."""
    fd, temp = tempfile.mkstemp(prefix=f".{output.name}.", suffix=".tmp", dir=output.parent)
    try:
        with os.fdopen(fd, "wb") as handle, source.open("rb") as reading:
            shutil.copyfileobj(reading, handle, 1 << 20)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, output)
    finally:
        Path(temp).unlink(missing_ok=True)


# -- the key's signing certificate (C2PA) -------------------------------------------------------


def _certificate_path(store: KeyStore, name: str) -> Path:
    store.info(name)  # the key exists (and its name is valid)
    return store.directory / f"{name}.c2pa-chain.pem"


def attach_certificate(store: KeyStore, name: str, chain_pem: bytes) -> Path:
    """Keep the certificate chain issued for key ``name`` (leaf first, then intermediates) beside
    the key, after checking it fits the C2PA signer profile for that key's public key.

    Raises: KeyStoreError (no such key), C2paError (the chain does not fit)."""
    path = _certificate_path(store, name)
    check_chain(chain_pem, store.info(name).public_key)
    write_atomic(path, chain_pem, mode=0o600)
    return path


def certificate(store: KeyStore, name: str) -> bytes | None:
    """The certificate chain attached to key ``name``, or None."""
    path = _certificate_path(store, name)
    return path.read_bytes() if path.is_file() else None

for _error in (C2paError, DdexError, LabelError):  # named by this public module in tracebacks
    _error.__module__ = __name__
del _error

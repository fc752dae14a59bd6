"""Exporting one work as an evidence bundle (spec/bundle.md). The same ledger state and options
give a byte-identical bundle: nothing in it depends on the time of export.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ledger._assets import open_regular, sha256_file
from ledger._attachments import AttachmentStore
from ledger._keystore import Signer
from ledger._licences import atomic_output, check_output_path
from ledger._store import PROGRESS_EVERY, Ledger, LedgerError
from verifier.format import (
    BUNDLE_DIGEST_PREFIX,
    EVENT_TYPES,
    MAX_MEDIA_TYPE,
    MAX_RECORD_SIZE,
    PRIVATE_FIELDS,
    AssetRecordHead,
    EventHash,
    KeyId,
    Role,
    TrailerClaims,
    WorkId,
    frame,
    header_hash,
    header_item,
    key_id,
    referenced_assets,
)


@dataclass(frozen=True)
class DisclosureRequest:
    """Which private fields to disclose: every field (``all``), fields by name for every event,
    and fields of single events."""

    all: bool = False
    fields: frozenset[str] = frozenset()
    per_event: frozenset[tuple[EventHash, str]] = frozenset()

    def wants(self, event: EventHash, field: str) -> bool:
        return self.all or field in self.fields or (event, field) in self.per_event


def parse_disclosures(ledger: Ledger, items: Iterable[str], disclose_all: bool) -> DisclosureRequest:
    """``FIELD`` or ``EVENT:FIELD`` → a request. Raises LedgerError for an unknown field or event."""
    fields: set[str] = set()
    per_event: set[tuple[EventHash, str]] = set()
    for item in items:
        event_part, _, field = item.rpartition(":")
        if field not in PRIVATE_FIELDS:
            raise LedgerError(f"--disclose {item}: {field!r} is not a private field "
                              f"(one of {', '.join(sorted(PRIVATE_FIELDS))})")
        if event_part:
            digest = ledger.resolve_event(event_part)
            with ledger.snapshot() as view:
                kept = view.private_fields(digest)
                committed = view.event(digest).event.payload.commitments
            if field not in kept and field in committed:  # the commitment stays, the plaintext is gone
                raise LedgerError(f"--disclose {item}: the {field} of that event was forgotten ('provenote forget' "
                                  "erased its salt and plaintext): it can no longer be disclosed")
            if field not in kept:
                raise LedgerError(f"--disclose {item}: that event has no private field {field}")
            per_event.add((digest, field))
        else:
            fields.add(field)
    return DisclosureRequest(disclose_all, frozenset(fields), frozenset(per_event))


@dataclass(frozen=True)
class LocatedAsset:
    """A file found for an asset the work's events name: in ``--assets-from`` or in the ledger's
    attachment store. ``reference`` is the first reference to it in chain order; ``attachment``
    says whether an event names it as an attachment (role *attaches*) or it came from the store."""

    sha256: bytes
    path: Path
    reference: dict[str, Any]
    attachment: bool


@dataclass(frozen=True)
class ExportResult:
    """What ``export_bundle`` wrote: the file, its counts (events, key cards, disclosures,
    assets embedded and missing) and the whole file's SHA-256 and size."""

    path: Path
    events: int
    keys: int
    disclosures: int
    assets_embedded: int
    assets_missing: int
    sha256: bytes
    size: int
    logged: int = 0  # events the bundle's latest checkpoint covers (spec/anchoring.md)
    located: tuple[LocatedAsset, ...] = ()  # the files found for the assets, sorted by hash
    title: str = ""  # the work's title (its genesis event)


def export_bundle(ledger: Ledger, work: WorkId, exporter: Signer, out: Path, *,
                  disclose: DisclosureRequest = DisclosureRequest(), assets_from: Path | None = None,
                  attachments: bool = False, embed: bool = True,
                  progress: Callable[[int, int], None] | None = None) -> ExportResult:
    """Write the bundle of ``work`` to ``out`` (atomically: a temporary file, then a rename),
    reading the ledger in one snapshot.

    Assets the events name are looked for in ``assets_from`` (by hash) and, with
    ``attachments``, in the ledger's attachment store (:class:`AttachmentStore`); those found are
    embedded, streamed in blocks (never held whole). With ``embed=False`` they are only located
    (``ExportResult.located``), for a package that carries them as files (spec/package.md).
    ``progress(done, total)`` counts events (each read twice: half of one in each pass over the
    chain); it is called every ``PROGRESS_EVERY`` events and once at the end.

    Raises: LedgerError (unknown work, a signer without a key card, a file that no longer hashes
    to what the events name), OSError on write failures.
    """
    digest = hashlib.sha256(BUNDLE_DIGEST_PREFIX)
    whole = hashlib.sha256()
    if not out.absolute().parent.is_dir():  # then nothing can stand at ``out``: make its folders
        out.parent.mkdir(parents=True, exist_ok=True)
    check_output_path(out, option="-o")  # before anything is made: a refused -o leaves nothing
    disclosed = events = 0
    with ledger.snapshot() as view:
        head = view.head(work)
        signers: set[bytes] = set()
        assets: dict[bytes, dict[str, Any]] = {}
        attached: set[bytes] = set()  # named as an attachment (role *attaches*) somewhere
        hashes: list[bytes] = []
        title = ""
        total = head.seq + 1
        for stored in view.chain(work):  # pass 1: who signed, which assets, the log's leaves
            if progress is not None and not stored.seq % PROGRESS_EVERY:
                progress(stored.seq // 2, total)
            payload = stored.event.payload
            hashes.append(stored.event.hash)
            signers.add(payload.signer)
            if stored.seq == 0:
                title = str(payload.body.get("title", ""))
            for asset in referenced_assets(payload.type, payload.body):
                assets.setdefault(asset["sha256"], dict(asset))
            for asset in EVENT_TYPES[payload.type].assets_in(payload.body, Role.ATTACHES):
                attached.add(asset["sha256"])
        cards = {key_id(pk): view.key_card(pk) for pk in signers}
        log_records, logged, log_signers = view.log.bundle_records(hashes)
        for kid in log_signers:  # the keys that signed its checkpoints
            cards.setdefault(KeyId(kid), view.key_card_by_id(kid))
        cards.setdefault(key_id(exporter.info.public_key), exporter.key_card())
        sought = {digest: ref for digest, ref in assets.items() if not embed or _embeddable(ref)}
        found = find_assets(assets_from, sought) if assets_from is not None else {}
        stored_ones: set[bytes] = set()  # in the ledger's attachment store
        if attachments:  # the store supplies what --assets-from did not
            store = AttachmentStore(ledger.path)
            stored_ones = {asset_hash for asset_hash in sought if store.has(asset_hash)}
            for asset_hash in sorted(stored_ones - set(found)):
                found[asset_hash] = _stored_copy(store, asset_hash, sought[asset_hash])
        located = tuple(LocatedAsset(h, found[h], assets[h], h in attached or h in stored_ones) for h in sorted(found))
        embedded = found if embed else {}
        _sweep_stale_temp_files(out.parent)
        with atomic_output(out, prefix=f"{TEMP_PREFIX}{os.getpid()}-", option="-o") as handle:
            def emit(item: bytes, *, in_digest: bool = True) -> None:
                if in_digest:
                    digest.update(item)
                whole.update(item)
                handle.write(item)

            header = header_item(work)
            emit(header)
            for kid in sorted(cards):
                emit(frame(["key", cards[kid]]))
            for stored in view.chain(work):  # pass 2: the events, exact stored bytes
                if progress is not None and not stored.seq % PROGRESS_EVERY:
                    progress((total + stored.seq) // 2, total)
                wanted = []
                if stored.event.payload.commitments:
                    private = view.private_fields(stored.event.hash)
                    for field in sorted(private):  # code-point order of the field names
                        if disclose.wants(stored.event.hash, field):
                            salt, value = private[field]
                            wanted.append([salt, field, value])
                disclosed += len(wanted)
                emit(frame(["event", stored.envelope, wanted]))
                events += 1
            for asset_hash in sorted(embedded):
                _emit_asset(emit, embedded[asset_hash], asset_hash, assets[asset_hash])
            for record in log_records:
                emit(frame(record))
            claims = TrailerClaims(work, header_hash(header), events, head.hash, len(cards), len(embedded),
                                   digest.digest())
            emit(frame(["trailer", claims.sign(exporter.info.public_key, exporter.sign)]), in_digest=False)
    if progress is not None:
        progress(total, total)
    return ExportResult(out, events, len(cards), disclosed, len(embedded), len(assets) - len(found),
                        whole.digest(), out.stat().st_size, logged, located, title)


TEMP_PREFIX = ".provenote-export-"  # then the writing process's id: a dead writer's file is stale


def _embeddable(reference: dict[str, Any]) -> bool:
    """Whether an asset fits an asset record (bundle.md §4): at most 2 GiB with the record's head,
    a media type of 1 to 1,024 bytes. Larger assets are left out, counted as not embedded."""
    media = str(reference.get("media_type", "")).encode("utf-8", "replace")
    return 1 <= len(media) <= MAX_MEDIA_TYPE and reference["size"] + len(media) + 64 <= MAX_RECORD_SIZE["asset"]


def _sweep_stale_temp_files(folder: Path) -> None:
    """Remove temporary files that an export killed outright (SIGKILL, a crash) left behind:
    those whose writing process no longer exists."""
    for stale in folder.glob(f"{TEMP_PREFIX}*.tmp"):
        pid_text = stale.name[len(TEMP_PREFIX):].partition("-")[0]
        if not pid_text.isdigit() or int(pid_text) == os.getpid():
            continue
        try:
            os.kill(int(pid_text), 0)
        except ProcessLookupError:
            stale.unlink(missing_ok=True)
        except OSError:
            continue  # alive (another user's process): leave it


def _emit_asset(emit: Callable[..., None], path: Path, digest: bytes, reference: dict[str, Any]) -> None:
    """An asset record, its bytes streamed from the file in blocks; the file must still hash to
    what the events name (it may have changed since it was found)."""
    head = AssetRecordHead.build(digest, reference["media_type"], reference["size"])
    emit(head.item_head() + head.encoded)
    check = hashlib.sha256()
    size = 0
    with open_regular(path) as handle:
        while block := handle.read(1 << 20):
            size += len(block)
            if size > head.size:
                break
            check.update(block)
            emit(block)
    if size != head.size or check.digest() != digest:
        raise LedgerError(f"{path} no longer hashes to what the events name (changed while it was being "
                          "exported, or damaged); export again")


def _stored_copy(store: AttachmentStore, digest: bytes, reference: dict[str, Any]) -> Path:
    """The attachment store's file for ``digest``, if it still has the size the events name
    (its bytes are checked against the hash as they stream out). Raises LedgerError otherwise:
    a damaged store is reported, never passed over as "not found"."""
    path = store.path_of(digest)
    try:
        size = path.stat().st_size
    except OSError as e:
        raise LedgerError(f"cannot read the attachment store's copy of {digest.hex()[:16]}: {e.strerror}") from e
    if size != reference["size"]:
        raise LedgerError(f"the attachment store's copy of {digest.hex()[:16]} ({path}) is {size} bytes, "
                          f"not the {reference['size']} the events name: it is damaged")
    return path


def find_assets(directory: Path, wanted: Mapping[bytes, Mapping[str, Any]]) -> dict[bytes, Path]:
    """Files in ``directory`` (recursively, in sorted order; the first wins) whose bytes hash to
    a wanted asset (SHA-256 → its asset reference). Only files of a wanted size are hashed.

    Raises: LedgerError if ``directory`` is not a folder."""
    if not directory.is_dir():
        raise LedgerError(f"--assets-from {directory} is not a directory")
    sizes = {asset["size"] for asset in wanted.values()}
    found: dict[bytes, Path] = {}
    for root, dirs, files in os.walk(directory):
        dirs.sort()
        for name in sorted(files):
            path = Path(root) / name
            try:
                if path.is_file() and path.stat().st_size in sizes:
                    digest, _ = sha256_file(path)
                    if digest in wanted:
                        found.setdefault(digest, path)
            except OSError:
                continue
    return found

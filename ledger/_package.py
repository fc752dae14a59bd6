"""The evidence package for litigation (spec/package.md): one work as a BagIt bag (RFC 8493)
sealed by the exporting key.

    DIR/bagit.txt                     BagIt-Version 1.0, UTF-8
    DIR/bag-info.txt                  Bagging-Date, Payload-Oxum, case, work, exporter, bundle hash
    DIR/manifest-sha256.txt           "<sha256 hex>  data/<path>" for every payload file
    DIR/tagmanifest-sha256.txt        the same for bag-info.txt, bagit.txt, manifest-sha256.txt
    DIR/tagmanifest-sha256.txt.cose   COSE_Sign1 over the exact bytes of the tag manifest
    DIR/data/<work id>.bundle         the evidence bundle (assets not embedded: they are files here)
    DIR/data/report.html, report-zh.html
    DIR/data/attachments/<sha256>-<name>, DIR/data/audio/<name>

Every file is streamed (1 MiB blocks) and hashed as it is written; the bag is built in a
temporary folder beside DIR and renamed into place, so a failed export leaves nothing behind.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from ledger._assets import open_regular
from ledger._export import DisclosureRequest, LocatedAsset, export_bundle
from ledger._keystore import Signer
from ledger._store import Ledger, LedgerError
from verifier.format import CTYPE_BAG_SEAL, WorkId, protected_header, sign1

#: The content type of the bag's seal. The verifier (verifier/_package.py) holds the same string;
#: the package tests export and verify, so the two cannot drift unnoticed.
SEAL_FILE = "tagmanifest-sha256.txt.cose"
BAGIT_TXT = b"BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n"
TEMP_PREFIX = ".provenote-package-"  # then the writing process's id: a dead writer's folder is stale
MAX_CASE_REFERENCE = 256
_BLOCK = 1 << 20
_MAX_NAME_BYTES = 150  # a file name's UTF-8 bytes after "<64 hex>-": well under the usual 255

#: Makes the reports of the package from its bundle: ``(bundle, data folder)`` -> ``[(file name,
#: bytes)]``. The CLI passes one built on the verifier (the writer imports only the format core).
ReportMaker = Callable[[Path, Path], Sequence[tuple[str, bytes]]]
_NO_DISCLOSURE = DisclosureRequest()


@dataclass(frozen=True)
class PackageResult:
    """What ``export_package`` wrote: the bag's folder, the bundle inside it and its SHA-256,
    and what the bag holds."""

    path: Path
    work: WorkId
    bundle: Path  # inside the package
    bundle_sha256: bytes
    events: int
    disclosures: int
    attachments: int  # files in data/attachments/
    audio: int  # files in data/audio/
    assets_missing: int  # assets the events name that were not found
    files: int  # payload files (Payload-Oxum's stream count)
    octets: int  # their bytes (Payload-Oxum's octet count)


def export_package(ledger: Ledger, work: WorkId, exporter: Signer, out: Path, *, case: str | None = None,
                   disclose: DisclosureRequest = _NO_DISCLOSURE, assets_from: Path | None = None,
                   attachments: bool = False, reports: ReportMaker | None = None,
                   bagging_date: str | None = None,
                   progress: Callable[[int, int], None] | None = None) -> PackageResult:
    """Write the evidence package of ``work`` to the folder ``out`` (spec/package.md), which
    must not exist or be empty. ``progress`` is export_bundle's (the events written).

    Raises: LedgerError (``out`` not usable, a bad case reference, and everything export_bundle
    raises), OSError on write failures; nothing is left behind.
    """
    if case is not None:
        _check_case(case)
    _check_target(out)
    out = out.absolute()
    out.parent.mkdir(parents=True, exist_ok=True)
    _sweep_stale(out.parent)
    temp = Path(tempfile.mkdtemp(prefix=f"{TEMP_PREFIX}{os.getpid()}-", dir=out.parent))
    try:
        data = temp / "data"
        data.mkdir()
        bundle = export_bundle(ledger, work, exporter, data / f"{work.hex()}.bundle", disclose=disclose,
                               assets_from=assets_from, attachments=attachments, embed=False, progress=progress)
        payload: dict[str, tuple[bytes, int]] = {bundle.path.name: (bundle.sha256, bundle.size)}
        counts = {"attachments": 0, "audio": 0}
        for relative, asset in _payload_names(bundle.located):
            target = data / relative
            target.parent.mkdir(exist_ok=True)
            payload[relative] = (asset.sha256, _copy_checked(asset, target))
            counts[relative.partition("/")[0]] += 1
        for name, content in (reports(bundle.path, data) if reports is not None else ()):
            if "/" in name or name in payload or name.startswith("."):
                raise LedgerError(f"a report may not be named {name!r}")
            _write(data / name, content)
            payload[name] = (hashlib.sha256(content).digest(), len(content))
        octets = sum(size for _, size in payload.values())
        manifest = "".join(f"{digest.hex()}  data/{_encode_path(name)}\n"
                           for name, (digest, _) in sorted(payload.items())).encode("utf-8")
        date = bagging_date or datetime.now(UTC).date().isoformat()
        info = _bag_info([
            ("Bagging-Date", date),
            ("Bag-Software-Agent", f"provenote {_version()}"),
            ("Payload-Oxum", f"{octets}.{len(payload)}"),
            *([("Case-Reference", case)] if case is not None else []),
            ("Work-Id", work.hex()),
            ("Work-Title", bundle.title),
            ("Exporter", f"{exporter.info.name} (key id {exporter.info.key_id.hex()})"),
            ("Bundle-SHA256", bundle.sha256.hex()),
        ])
        tags = {"bagit.txt": BAGIT_TXT, "bag-info.txt": info, "manifest-sha256.txt": manifest}
        for name, content in tags.items():
            _write(temp / name, content)
        tag_manifest = "".join(f"{hashlib.sha256(content).hexdigest()}  {name}\n"
                               for name, content in sorted(tags.items())).encode("utf-8")
        _write(temp / "tagmanifest-sha256.txt", tag_manifest)
        seal = sign1(protected_header(CTYPE_BAG_SEAL, exporter.info.public_key, work.hex()), tag_manifest,
                     exporter.sign)
        _write(temp / SEAL_FILE, seal)
        for folder in (data / "attachments", data / "audio", data, temp):
            if folder.is_dir():  # readable as the bundle is (0644 files): a package is made to be handed over
                os.chmod(folder, 0o755)  # noqa: S103
                _fsync_dir(folder)
        if out.is_dir():  # an empty folder: rename(2) replaces it
            os.rmdir(out)
        os.rename(temp, out)
        _fsync_dir(out.parent)
    except BaseException:
        shutil.rmtree(temp, ignore_errors=True)
        raise
    return PackageResult(out, work, out / "data" / bundle.path.name, bundle.sha256, bundle.events,
                         bundle.disclosures, counts["attachments"], counts["audio"], bundle.assets_missing,
                         len(payload), octets)


def _check_case(case: str) -> None:
    if (not case or len(case) > MAX_CASE_REFERENCE or case != case.strip()
            or any(unicodedata.category(c).startswith("C") for c in case)):
        raise LedgerError(f"--case must be 1 to {MAX_CASE_REFERENCE} printable characters on one line, "
                          "without leading or trailing spaces")


def _check_target(out: Path) -> None:
    """``--package`` names a new folder or an empty one — never a link, a file, or a folder with
    anything in it (an earlier package is never overwritten)."""
    if out.is_symlink():
        raise LedgerError(f"--package {out} is a symbolic link: give the path of a new folder")
    if out.exists():
        if not out.is_dir():
            raise LedgerError(f"--package {out} exists and is not a folder")
        if any(out.iterdir()):
            raise LedgerError(f"--package {out} is not empty: give a new or empty folder")


def _sweep_stale(folder: Path) -> None:
    """Remove temporary folders that a package export killed outright left behind: those whose
    writing process no longer exists."""
    for stale in folder.glob(f"{TEMP_PREFIX}*"):
        pid_text = stale.name[len(TEMP_PREFIX):].partition("-")[0]
        if not stale.is_dir() or stale.is_symlink() or not pid_text.isdigit() or int(pid_text) == os.getpid():
            continue
        try:
            os.kill(int(pid_text), 0)
        except ProcessLookupError:
            shutil.rmtree(stale, ignore_errors=True)
        except OSError:
            continue  # alive (another user's process): leave it


def safe_name(name: str | None, fallback: str) -> str:
    """A file name for an asset's recorded name: its last path component, with control
    characters, separators and '%' replaced, no leading dot, at most 150 UTF-8 bytes (the
    extension kept). Never empty, never '.' or '..'."""
    base = (name or "").replace("\\", "/").rpartition("/")[2]
    cleaned = "".join("_" if c in '%:*?"<>|' or unicodedata.category(c).startswith("C") else c
                      for c in base).strip()
    while cleaned[:1] in (".", " ") and cleaned:  # no hidden file, no '.' or '..'
        cleaned = cleaned[1:]
    if not cleaned:
        return fallback
    if len(cleaned.encode("utf-8")) > _MAX_NAME_BYTES:
        stem, dot, ext = cleaned.rpartition(".")
        ext = f".{ext}" if dot and stem and len(ext.encode("utf-8")) <= 16 else ""
        stem = cleaned[: len(cleaned) - len(ext)] if ext else cleaned
        while len((stem + ext).encode("utf-8")) > _MAX_NAME_BYTES:
            stem = stem[:-1]
        cleaned = stem + ext
    return cleaned


def _payload_names(located: Sequence[LocatedAsset]) -> list[tuple[str, LocatedAsset]]:
    """Where each located asset goes: ``attachments/<sha256 hex>-<name>`` for an attachment,
    ``audio/<name>`` for the rest — ``audio/<first 16 hex>-<name>`` for names that two assets
    share (compared case-blind, as macOS and Windows do)."""
    names: list[tuple[str, LocatedAsset]] = []
    audio = [(safe_name(a.reference.get("name"), a.sha256.hex()), a) for a in located if not a.attachment]
    taken: dict[str, int] = {}
    for name, _ in audio:
        taken[name.casefold()] = taken.get(name.casefold(), 0) + 1
    for name, asset in audio:
        shared = taken[name.casefold()] > 1 and name != asset.sha256.hex()
        names.append((f"audio/{asset.sha256.hex()[:16]}-{name}" if shared else f"audio/{name}", asset))
    for asset in located:
        if asset.attachment:
            names.append((f"attachments/{asset.sha256.hex()}-{safe_name(asset.reference.get('name'), 'attachment')}",
                          asset))
    return sorted(names, key=lambda entry: entry[0])


def _copy_checked(asset: LocatedAsset, target: Path) -> int:
    """Stream ``asset.path`` to ``target`` in 1 MiB blocks, checking the bytes still hash to the
    asset's SHA-256. Returns the size. Raises LedgerError if they do not."""
    check = hashlib.sha256()
    size = 0
    with open_regular(asset.path) as source, target.open("xb") as sink:
        while block := source.read(_BLOCK):
            check.update(block)
            size += len(block)
            sink.write(block)
        sink.flush()
        os.fsync(sink.fileno())
    if check.digest() != asset.sha256:
        raise LedgerError(f"{asset.path} no longer hashes to what the events name (changed while it was being "
                          "exported, or damaged); export again")
    os.chmod(target, 0o644)
    return size


def _write(path: Path, content: bytes) -> None:
    with path.open("xb") as handle:
        handle.write(content)
        handle.flush()
        os.fsync(handle.fileno())
    os.chmod(path, 0o644)


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _encode_path(name: str) -> str:
    """A payload path as a manifest writes it (RFC 8493 §2.1.3): '%', CR and LF percent-encoded."""
    return name.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _bag_info(fields: list[tuple[str, str]]) -> bytes:
    """bag-info.txt (RFC 8493 §2.2.2): one ``Label: value`` line each, values on one line."""
    lines = []
    for label, value in fields:
        flat = " ".join("".join(" " if unicodedata.category(c).startswith("C") else c for c in value).split())
        lines.append(f"{label}: {flat}\n")
    return "".join(lines).encode("utf-8")


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("provenote")
    except PackageNotFoundError:
        return "unknown"

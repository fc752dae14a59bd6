"""Checking an evidence package (spec/package.md): a BagIt bag (RFC 8493) sealed by the exporter,
holding one bundle. Pure standard library and the format core; every file is hashed as a
stream in 1 MiB blocks, and nothing outside the package's folder is ever opened (links are
reported, not followed).

The checks, in order (P1–P9 of spec/package.md): the top level, the bag declaration, the payload
manifest, the payload files, Payload-Oxum, the tag manifest, the bundle, the seal, bag-info's
statements about the bundle. Each defect names the file it is about; the bundle is verified
whatever the bag's defects are, and both results are reported.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import cbor2

from verifier._files import read_regular_file, sha256_file
from verifier._report import Policy, Report
from verifier._run import verify_bundle
from verifier.format import (
    BUNDLE_SUFFIX,
    CTYPE_BAG_SEAL,
    UntrustedDataError,
    UsageError,
    decode_cbor,
    encode_cbor,
    key_id,
    protected_header,
    verify_ed25519,
)

#: The content type of the seal (ledger/_package.py writes the same string).
BAGIT = "bagit.txt"
BAG_INFO = "bag-info.txt"
MANIFEST = "manifest-sha256.txt"
TAG_MANIFEST = "tagmanifest-sha256.txt"
SEAL = "tagmanifest-sha256.txt.cose"
DATA = "data"
TAG_FILES = (BAGIT, BAG_INFO, MANIFEST)  # what the tag manifest lists (it cannot list itself or the seal)
TOP_LEVEL = frozenset({BAGIT, BAG_INFO, MANIFEST, TAG_MANIFEST, SEAL})
LIMITS = {BAGIT: 4096, BAG_INFO: 1 << 20, MANIFEST: 64 << 20, TAG_MANIFEST: 1 << 16, SEAL: 1 << 16}
_LINE = re.compile(r"([0-9A-Fa-f]{64})[ \t]+(.+)")
_OXUM = re.compile(r"(0|[1-9][0-9]{0,18})\.(0|[1-9][0-9]{0,18})")
_EXPORTER_KEY = re.compile(r".* \(key id ([0-9a-f]{64})\)")
_COSE_SIGN1_TAG = 18


@dataclass(frozen=True)
class PackageDefect:
    """One defect of a package, naming the file (a path relative to the package's folder)."""

    file: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}: {self.message}"

    def to_json(self) -> dict[str, str]:
        return {"file": self.file, "message": self.message}


@dataclass(frozen=True)
class PackageReport:
    """The outcome of checking a package: the bag's defects, then the report of its bundle."""

    path: Path
    defects: tuple[PackageDefect, ...]
    files: int  # payload files found under data/
    octets: int  # their bytes
    bundle_file: str | None  # the bundle's path in the package (None: there is not exactly one)
    bundle: Report | None  # its report (None: not verified, a defect says why)
    sealed_by: bytes | None  # the exporter's public key, when the seal verified

    @property
    def intact(self) -> bool:
        """The bag has no defect: every file as the sealed manifests list it."""
        return not self.defects

    @property
    def exit_code(self) -> int:
        """0 the bag is intact and the bundle valid (and trusted when required); 1 a defect of the
        bag or a bundle that fails. (An unreadable bundle leaves the seal unchecked: a defect.)"""
        if self.defects or self.bundle is None:
            return 1
        return self.bundle.exit_code

    def to_json(self) -> dict[str, Any]:
        return {"package": {"path": str(self.path), "intact": self.intact,
                            "defects": [d.to_json() for d in self.defects], "files": self.files,
                            "octets": self.octets, "bundle": self.bundle_file,
                            "sealed_by": self.sealed_by.hex() if self.sealed_by is not None else None},
                "bundle": self.bundle.to_json() if self.bundle is not None else None}


def verify_package(path: Path | str, policy: Policy | None = None, *,
                   progress: Callable[[int, int], None] | None = None) -> PackageReport:
    """Check the package in the folder ``path`` and verify its bundle under ``policy`` (whose
    ``assets_dir`` is set to the package's data/ folder: the files there are checked against the
    hashes the events name, V8.5). ``progress`` is verify_bundle's (bytes of the bundle read).

    Raises: UsageError if ``path`` is not a folder; OSError if it cannot be listed.
    """
    return _Check(Path(path), policy or Policy(), progress).run()


class _Check:
    def __init__(self, root: Path, policy: Policy, progress: Callable[[int, int], None] | None = None) -> None:
        if root.is_symlink() or not root.is_dir():
            raise UsageError(f"--package {root}: not a folder")
        self.root = root
        self.progress = progress
        self.policy = policy
        self.defects: list[PackageDefect] = []
        self.files = 0
        self.octets = 0

    def defect(self, file: str, message: str) -> None:
        self.defects.append(PackageDefect(file, message))

    def run(self) -> PackageReport:
        present = self._top_level()  # P1
        self._declaration(present)  # P2
        manifest = self._manifest(MANIFEST, present, payload=True)  # P3
        found = self._payload(manifest)  # P4
        info = self._bag_info(present)  # P5
        tag_manifest = self._tag_manifest(present)  # P6
        bundle_file, report = self._bundle(found)  # P7
        sealed_by = self._seal(present, tag_manifest, report)  # P8
        if report is not None and report.readable:
            self._statements(info, report)  # P9
        return PackageReport(self.root, tuple(self.defects), self.files, self.octets, bundle_file, report,
                             sealed_by)

    # -- P1: the top level ----------------------------------------------------------------------

    def _top_level(self) -> set[str]:
        """The package's own files that are there as regular files; every other entry a defect."""
        present: set[str] = set()
        has_data = False
        with os.scandir(self.root) as entries:
            for entry in sorted(entries, key=lambda e: e.name):
                name = _printable(entry.name)
                if entry.name == DATA:
                    if entry.is_dir(follow_symlinks=False):
                        has_data = True
                    else:
                        self.defect(f"{name}/", "the payload folder is not a folder")
                elif entry.name in TOP_LEVEL:
                    if entry.is_file(follow_symlinks=False):
                        present.add(entry.name)
                    else:
                        self.defect(name, "not a regular file")
                else:
                    kind = "folder" if entry.is_dir(follow_symlinks=False) else "file"
                    self.defect(name if kind == "file" else f"{name}/",
                                f"a {kind} that is not part of the package (added after it was sealed)")
        for name in sorted(TOP_LEVEL - present):
            if not (self.root / name).is_symlink() and not (self.root / name).exists():
                self.defect(name, "missing (removed from the package)")
        if not has_data and not (self.root / DATA).is_symlink() and not (self.root / DATA).exists():
            self.defect(f"{DATA}/", "missing: the package has no payload folder")
        return present

    # -- P2: the bag declaration ----------------------------------------------------------------

    def _declaration(self, present: set[str]) -> None:
        data = self._read(BAGIT, present)
        if data is None:
            return
        try:
            lines = data.decode("utf-8").splitlines() if not data.startswith(b"\xef\xbb\xbf") else []
        except UnicodeDecodeError:
            lines = []
        if lines != ["BagIt-Version: 1.0", "Tag-File-Character-Encoding: UTF-8"]:
            self.defect(BAGIT, "not the bag declaration of BagIt 1.0 in UTF-8 (RFC 8493 §2.1.1)")

    # -- P3, P6: manifests ----------------------------------------------------------------------

    def _manifest(self, name: str, present: set[str], *, payload: bool) -> dict[str, str] | None:
        """A manifest's entries, path -> lowercase hex; None if it cannot be read."""
        data = self._read(name, present)
        if data is None:
            return None
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            self.defect(name, "not UTF-8 text")
            return None
        entries: dict[str, str] = {}
        for number, line in enumerate(text.splitlines(), 1):
            match = _LINE.fullmatch(line)
            if match is None:
                self.defect(name, f"line {number} is not '<SHA-256 in hex>  <path>'")
                continue
            path = _decode_path(match.group(2))
            problem = _path_problem(path, payload=payload)
            if problem is not None:
                self.defect(name, f"line {number}: {problem}")
            elif path in entries:
                self.defect(name, f"line {number} lists {_printable(path)} a second time")
            else:
                entries[path] = match.group(1).lower()
        return entries

    # -- P4: the payload ------------------------------------------------------------------------

    def _payload(self, manifest: dict[str, str] | None) -> set[str]:
        """Hash every payload file against the manifest; returns the paths of the files found."""
        found: set[str] = set()
        data = self.root / DATA
        if data.is_symlink() or not data.is_dir():
            return found
        def unreadable(error: OSError) -> None:
            where = _printable(_relative(Path(str(error.filename)), self.root)) if error.filename else f"{DATA}/"
            self.defect(f"{where}/", f"cannot be listed: {error.strerror}")

        for folder, dirs, files in os.walk(data, onerror=unreadable):
            dirs.sort()
            base = Path(folder)
            for name in list(dirs):
                if (base / name).is_symlink():
                    dirs.remove(name)
                    self.defect(_printable(_relative(base / name, self.root)),
                                "a link, not a folder (links are not followed)")
            for name in sorted(files):
                path = base / name
                relative = _relative(path, self.root)
                try:
                    mode = os.lstat(path).st_mode
                except OSError as e:
                    self.defect(_printable(relative), f"cannot be read: {e.strerror}")
                    continue
                if not stat.S_ISREG(mode):
                    self.defect(_printable(relative), "not a regular file (links are not followed)")
                    continue
                try:
                    relative.encode("utf-8")
                except UnicodeEncodeError:
                    self.defect(_printable(relative), "its name is not UTF-8")
                    continue
                found.add(relative)
                try:
                    digest, size = sha256_file(path)
                except (OSError, UsageError) as e:
                    self.defect(relative, f"cannot be read: {e}")
                    continue
                self.files += 1
                self.octets += size
                if manifest is None:
                    continue
                listed = manifest.get(relative)
                if listed is None:
                    self.defect(relative, f"not listed in {MANIFEST} (added after the package was sealed)")
                elif listed != digest.hex():
                    self.defect(relative, f"its SHA-256 is not the one {MANIFEST} lists (changed after the "
                                          "package was sealed)")
        for relative in sorted(set(manifest or ()) - found):
            if not (self.root / relative).is_symlink() and not os.path.lexists(self.root / relative):
                self.defect(_printable(relative), f"listed in {MANIFEST} but missing (removed from the package)")
        return found

    # -- P5: bag-info.txt -----------------------------------------------------------------------

    def _bag_info(self, present: set[str]) -> dict[str, list[str]]:
        """bag-info.txt's elements (label -> values, labels case-blind); Payload-Oxum checked."""
        data = self._read(BAG_INFO, present)
        elements: dict[str, list[str]] = {}
        if data is None:
            return elements
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            self.defect(BAG_INFO, "not UTF-8 text")
            return elements
        last: str | None = None
        for number, line in enumerate(text.splitlines(), 1):
            if line[:1] in (" ", "\t") and last is not None:  # a continuation line
                elements[last][-1] += " " + line.strip()
                continue
            label, colon, value = line.partition(":")
            if not colon or not label or label != label.strip() or value[:1] not in (" ", "\t"):
                self.defect(BAG_INFO, f"line {number} is not 'Label: value'")
                last = None
                continue
            last = label.lower()
            elements.setdefault(last, []).append(value[1:].strip())
        oxum = elements.get("payload-oxum", [])
        if len(oxum) != 1 or _OXUM.fullmatch(oxum[0]) is None:
            self.defect(BAG_INFO, "has no single Payload-Oxum of the form OCTETS.FILES")
        else:
            octets, files = (int(part) for part in oxum[0].split("."))
            if (octets, files) != (self.octets, self.files):
                self.defect(BAG_INFO, f"Payload-Oxum says {octets} bytes in {files} files; data/ holds "
                                      f"{self.octets} bytes in {self.files} files")
        return elements

    # -- P6: the tag manifest -------------------------------------------------------------------

    def _tag_manifest(self, present: set[str]) -> bytes | None:
        """Check the tag files against the tag manifest; returns its bytes (what the seal signs)."""
        entries = self._manifest(TAG_MANIFEST, present, payload=False)
        if entries is None:
            return None
        for name in TAG_FILES:
            listed = entries.get(name)
            if listed is None:
                self.defect(TAG_MANIFEST, f"does not list {name}")
                continue
            if name not in present:
                continue  # reported at P1
            try:
                digest, _ = sha256_file(self.root / name)
            except (OSError, UsageError) as e:
                self.defect(name, f"cannot be read: {e}")
                continue
            if digest.hex() != listed:
                self.defect(name, f"its SHA-256 is not the one {TAG_MANIFEST} lists (changed after the package "
                                  "was sealed)")
        for name in sorted(set(entries) - set(TAG_FILES)):
            self.defect(TAG_MANIFEST, f"lists {_printable(name)}, which is not a tag file of the package")
        return self._read(TAG_MANIFEST, present, report=False)

    # -- P7: the bundle -------------------------------------------------------------------------

    def _bundle(self, found: set[str]) -> tuple[str | None, Report | None]:
        bundles = sorted(p for p in found if p.count("/") == 1 and p.endswith(BUNDLE_SUFFIX))
        if len(bundles) != 1:
            self.defect(f"{DATA}/", "holds no bundle (data/*.bundle)" if not bundles
                        else f"holds {len(bundles)} bundles, not one")
            return None, None
        policy = replace(self.policy, assets_dir=self.root / DATA)
        return bundles[0], verify_bundle(self.root / bundles[0], policy, progress=self.progress)

    # -- P8: the seal ---------------------------------------------------------------------------

    def _seal(self, present: set[str], tag_manifest: bytes | None, report: Report | None) -> bytes | None:
        """The seal: a COSE_Sign1 by the bundle's exporter, sub = its work, over the tag manifest's
        exact bytes. Returns the exporter's key when it holds."""
        data = self._read(SEAL, present)
        if data is None:
            return None
        parts = _sign1_parts(data)
        if parts is None:
            self.defect(SEAL, "not a COSE_Sign1 in deterministic CBOR")
            return None
        protected, payload, signature = parts
        header = _header_fields(protected)
        if header is None or header[0] != CTYPE_BAG_SEAL:
            self.defect(SEAL, f"not a provenote bag seal (content type {CTYPE_BAG_SEAL})")
            return None
        if report is None or report.exporter is None or report.work is None:
            self.defect(SEAL, "cannot be checked: the bundle names no exporter (see the bundle's report)")
            return None
        exporter = report.exporter.public_key
        if header[1] != key_id(exporter):
            self.defect(SEAL, f"signed by key {header[1].hex()[:16]}, not by the bundle's exporter "
                              f"{key_id(exporter).hex()[:16]}")
            return None
        if header[2] != report.work.hex():
            self.defect(SEAL, "seals another work than the bundle's")
            return None
        if protected != protected_header(CTYPE_BAG_SEAL, exporter, report.work.hex()):
            self.defect(SEAL, "its protected header is not the one spec/package.md fixes")
            return None
        if not verify_ed25519(exporter, signature, encode_cbor(["Signature1", protected, b"", payload])):
            self.defect(SEAL, "the exporter's signature does not verify")
            return None
        if tag_manifest is not None and payload != tag_manifest:
            self.defect(TAG_MANIFEST, f"not the tag manifest that {SEAL} signs (changed after the package was "
                                      "sealed)")
            return None
        return exporter if tag_manifest is not None else None

    # -- P9: what bag-info.txt says of the bundle -----------------------------------------------

    def _statements(self, info: dict[str, list[str]], report: Report) -> None:
        def says(label: str) -> str | None:
            values = info.get(label.lower(), [])
            return values[0] if len(values) == 1 else None

        if report.work is not None and says("Work-Id") != report.work.hex():
            self.defect(BAG_INFO, "its Work-Id is not the bundle's work")
        if says("Bundle-SHA256") != report.bundle_sha256.hex():
            self.defect(BAG_INFO, "its Bundle-SHA256 is not the SHA-256 of the bundle")
        exporter = _EXPORTER_KEY.fullmatch(says("Exporter") or "")
        if report.exporter is not None and (exporter is None
                                            or exporter.group(1) != key_id(report.exporter.public_key).hex()):
            self.defect(BAG_INFO, "its Exporter does not name the key that sealed the bundle")

    # -- reading ----------------------------------------------------------------------------------

    def _read(self, name: str, present: set[str], *, report: bool = True) -> bytes | None:
        if name not in present:
            return None
        try:
            return read_regular_file(self.root / name, limit=LIMITS[name], what=name)
        except UsageError as e:
            if report:
                self.defect(name, str(e).removeprefix(f"{name} {self.root / name}: "))
            return None


def _sign1_parts(data: bytes) -> tuple[bytes, bytes, bytes] | None:
    """(protected, payload, signature) of a tagged COSE_Sign1 with an empty unprotected header,
    in deterministic CBOR; None for anything else."""
    try:
        value = decode_cbor(data, what="seal")
    except UntrustedDataError:
        return None
    if type(value) is not cbor2.CBORTag or value.tag != _COSE_SIGN1_TAG:
        return None
    parts = value.value
    if type(parts) not in (list, tuple) or len(parts) != 4:
        return None
    protected, unprotected, payload, signature = parts
    if (type(protected) is not bytes or unprotected != {} or type(payload) is not bytes
            or type(signature) is not bytes or len(signature) != 64):
        return None
    return protected, payload, signature


def _header_fields(protected: bytes) -> tuple[str, bytes, str | None] | None:
    """(content type, kid, sub) of a protected header (format.md §4); None if it is not one."""
    try:
        value = decode_cbor(protected, what="seal header")
    except UntrustedDataError:
        return None
    if (type(value) not in (dict, cbor2.frozendict) or set(value) != {1, 3, 4, 15}
            or type(value[15]) not in (dict, cbor2.frozendict)):
        return None
    ctype, kid, subject = value[3], value[4], value[15].get(2)
    if type(ctype) is not str or type(kid) is not bytes or (subject is not None and type(subject) is not str):
        return None
    return ctype, kid, subject


def _decode_path(text: str) -> str:
    """A manifest path as RFC 8493 §2.1.3 encodes it: %0A, %0D and %25 decoded (and only those)."""
    if "%" not in text:
        return text
    return re.sub(r"%(0[AaDd]|25)", lambda m: chr(int(m.group(1), 16)), text)


def _path_problem(path: str, *, payload: bool) -> str | None:
    """Why a manifest path cannot be one of the package's files (RFC 8493 §2.1.3, §2.2.1), or None."""
    parts = path.split("/")
    if path.startswith("/") or any(part in ("", ".", "..") for part in parts) or "\x00" in path:
        return f"{_printable(path)} is not a relative path inside the package"
    if payload and (parts[0] != DATA or len(parts) < 2):
        return f"{_printable(path)} is not under data/"
    if not payload and (parts[0] == DATA or len(parts) != 1):
        return f"{_printable(path)} is not a tag file at the package's top level"
    return None


def _relative(path: Path, root: Path) -> str:
    return path.relative_to(root).as_posix()


def _printable(text: str) -> str:
    return text.encode("utf-8", "backslashreplace").decode("utf-8")

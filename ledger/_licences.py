"""Licences, payments and usage on the writer's side (spec/licensing.md): drafting and signing
licence documents, the drafter's private file, the checks before a licence event is recorded,
whether a usage is covered, and the usage report.

The document itself — its layout, its signatures, its terms — is the format core's
(:class:`verifier.format.LicenceDocument`); this module only reads and writes files around it.

The **private file** (``offer.cbor.private.json`` beside ``offer.cbor``, mode 0600) is the
drafter's: the salt and plaintext of the fee and the scope whose commitments are inside the
document (spec/licensing.md §1)::

    {"format": "provenote-licence-private/1",
     "fee": {"salt": "<32 hex>", "value": "1200.00 EUR"},
     "scope": {"salt": "<32 hex>", "value": "one sync use in episode 3"}}
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import secrets
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from ledger._assets import AssetError, open_regular, sha256_file
from ledger._keystore import KeyStore, KeyStoreError, Signer
from ledger._store import EventDraft, Ledger, LedgerError, Snapshot
from verifier.format import (
    LICENCE_PRIVATE,
    PUBLIC_KEY_SIZE,
    SALT_SIZE,
    EventHash,
    LicenceDocument,
    LicenceTerms,
    SchemaError,
    UsageError,
    VerificationFailure,
    WorkId,
    check_currency,
    check_date,
    check_decimal,
    decode_cbor,
    disclosure_digest,
    encode_cbor,
    is_key_name,
    is_valid_public_key,
    key_id,
    parse_fee,
    parse_key_card,
    parse_public_key_text,
)

PRIVATE_SUFFIX = ".private.json"
PRIVATE_FORMAT = "provenote-licence-private/1"
MAX_DOCUMENT_FILE = 1 << 16  # spec/licensing.md §1: a licence document is at most 64 KiB
_MAX_PRIVATE_FILE = 1 << 20  # two salts and two texts of at most 65,536 characters
_COSE_SIGN_TAG = b"\xd8\x62"  # tag 98 (RFC 9052 §4.1), before the COSE_Sign array
_HDR_KID = 4  # RFC 9052 header label of the key id
_HEX_KEY = re.compile(r"[0-9a-fA-F]{64}")


def private_path(document: Path) -> Path:
    """Where the drafter's private file of a document lives: beside it, ``.private.json`` added."""
    return document.with_name(document.name + PRIVATE_SUFFIX)


# -- parties --------------------------------------------------------------------------------


def resolve_party(text: str, keys: KeyStore, *, what: str = "key") -> bytes:
    """A party's Ed25519 public key from 64 hex characters, the name of a key in ``keys``, or a
    file holding a public key (PEM, as ``provenote key export`` writes, or its ``--json``).

    Raises: LedgerError naming ``what`` when it is none of these.
    """
    if _HEX_KEY.fullmatch(text):
        key = bytes.fromhex(text)
    elif is_key_name(text) and (keys.directory / f"{text}.key").is_file():
        try:
            key = keys.info(text).public_key
        except KeyStoreError as e:
            raise LedgerError(f"{what} {text}: {e}") from e
    elif Path(text).is_file():
        key = _public_key_file(Path(text), what)
    else:
        raise LedgerError(f"{what} {text}: not a key in the key store ({keys.directory}), a public key file "
                          "(PEM) or 64 hex characters")
    if len(key) != PUBLIC_KEY_SIZE or not is_valid_public_key(key):
        raise LedgerError(f"{what} {text}: not an Ed25519 public key the format admits")
    return key


def _public_key_file(path: Path, what: str) -> bytes:
    text = _read(path, f"{what} {path}", 64 << 10).decode("utf-8", "replace")
    try:
        return parse_public_key_text(text)
    except UsageError as e:
        raise LedgerError(f"{what} {path}: {e}") from e


def party_names(keys: KeyStore) -> dict[bytes, str]:
    """Public key → name, for the keys in the key store (an unreadable store names none)."""
    try:
        return {info.public_key: info.name for info in keys.list()}
    except (KeyStoreError, OSError):
        return {}


# -- the drafter's private file -------------------------------------------------------------


@dataclass(frozen=True)
class LicencePrivate:
    """The salts and plaintexts of a licence's fee and scope. Valid by construction: the fee is
    ``"AMOUNT CURRENCY"`` (spec/licensing.md §1), both are texts, each salt 16 bytes.

    Raises (on construction): LedgerError.
    """

    fee: str
    scope: str
    fee_salt: bytes
    scope_salt: bytes

    def __post_init__(self) -> None:
        if parse_fee(self.fee) is None:
            raise LedgerError(f"fee {self.fee!r} is not AMOUNT CURRENCY, e.g. 1200.00 EUR")
        from verifier.format import check_text

        try:
            check_text("scope", self.scope)
        except SchemaError as e:
            raise LedgerError(str(e)) from e
        for name, salt in (("fee", self.fee_salt), ("scope", self.scope_salt)):
            if type(salt) is not bytes or len(salt) != SALT_SIZE:
                raise LedgerError(f"the salt of {name} is {SALT_SIZE} bytes")

    @classmethod
    def fresh(cls, fee: str, scope: str) -> LicencePrivate:
        """New, random 128-bit salts (format.md §6)."""
        return cls(fee, scope, os.urandom(SALT_SIZE), os.urandom(SALT_SIZE))

    @property
    def values(self) -> dict[str, str]:
        return {"fee": self.fee, "scope": self.scope}

    @property
    def salts(self) -> dict[str, bytes]:
        return {"fee": self.fee_salt, "scope": self.scope_salt}

    def commitments(self) -> dict[str, bytes]:
        return {name: disclosure_digest(self.salts[name], name, value) for name, value in self.values.items()}

    def mismatched(self, terms: LicenceTerms) -> list[str]:
        """The fields whose commitment is not the document's (empty when they all match)."""
        ours = self.commitments()
        return [name for name in LICENCE_PRIVATE if terms.commitments.get(name) != ours[name]]

    def to_json(self) -> str:
        return json.dumps({"format": PRIVATE_FORMAT,
                           "fee": {"salt": self.fee_salt.hex(), "value": self.fee},
                           "scope": {"salt": self.scope_salt.hex(), "value": self.scope}},
                          indent=2, ensure_ascii=False) + "\n"

    @classmethod
    def read(cls, path: Path) -> LicencePrivate:
        """Raises: LedgerError for a missing or malformed file."""
        where = f"private file {path}"
        try:
            document = json.loads(_read(path, where, _MAX_PRIVATE_FILE).decode("utf-8"))
        except (UnicodeDecodeError, ValueError, RecursionError) as e:
            raise LedgerError(f"{where}: not JSON") from e
        if not isinstance(document, dict) or document.get("format") != PRIVATE_FORMAT:
            raise LedgerError(f"{where}: not a {PRIVATE_FORMAT} file")
        try:
            fee, scope = document["fee"], document["scope"]
            return cls(str(fee["value"]), str(scope["value"]), bytes.fromhex(fee["salt"]),
                       bytes.fromhex(scope["salt"]))
        except (KeyError, TypeError, ValueError) as e:
            if isinstance(e, LedgerError):
                raise LedgerError(f"{where}: {e}") from e
            raise LedgerError(f"{where}: fee and scope each need a hex salt and a value") from e


# -- documents ------------------------------------------------------------------------------


def draft_licence(*, licensors: Sequence[bytes], licensees: Sequence[bytes], direction: str, subject: str,
                  scope: str, territory: Sequence[str], media: Sequence[str], start: str, end: str, amount: str,
                  currency: str, subject_assets: Sequence[Path] = (), subject_model: str | None = None,
                  commercial_use: bool = True, derivatives: str = "forbidden", attribution: bool = False,
                  revenue_share: str | None = None, transferable: bool = False,
                  ai_training: str = "forbidden") -> tuple[LicenceDocument, LicencePrivate]:
    """An unsigned licence document and the drafter's private part: fresh salts for the fee
    (``"AMOUNT CURRENCY"``) and the scope, their commitments fixed in the terms.

    Raises: LedgerError for terms the format rejects (naming the first wrong one), or an
    unreadable subject asset.
    """
    try:
        check_decimal("fee", amount)
        check_currency("currency", currency)
        if revenue_share is not None:
            check_decimal("revenue share", revenue_share)
    except SchemaError as e:
        raise LedgerError(str(e)) from e
    private = LicencePrivate.fresh(f"{amount} {currency}", scope)
    try:
        hashes = tuple(sha256_file(path)[0] for path in subject_assets)
    except AssetError as e:
        raise LedgerError(f"--subject-asset: {e}") from e
    try:
        terms = LicenceTerms(tuple(licensors), tuple(licensees), direction, subject, tuple(territory), tuple(media),
                             start, end, private.commitments(), hashes, subject_model, commercial_use, derivatives,
                             attribution, revenue_share, transferable, ai_training)
    except SchemaError as e:
        raise LedgerError(f"licence terms: {e}") from e
    return LicenceDocument.draft(terms), private


@dataclass(frozen=True)
class SignatureStatus:
    """One COSE_Signature of a document: by whom (None for a key that is not a party), and
    whether it verifies — with the reason when it does not."""

    kid: bytes
    public_key: bytes | None
    valid: bool
    problem: str | None = None


@dataclass(frozen=True)
class LicenceStatus:
    """A licence document read without trusting it: its terms, each signature checked alone."""

    terms: LicenceTerms
    signatures: tuple[SignatureStatus, ...]

    @property
    def signed(self) -> tuple[bytes, ...]:
        """Parties whose signature verifies."""
        return tuple(s.public_key for s in self.signatures if s.valid and s.public_key is not None)

    @property
    def unsigned(self) -> tuple[bytes, ...]:
        return tuple(pk for pk in self.terms.parties if pk not in self.signed)

    @property
    def invalid(self) -> tuple[SignatureStatus, ...]:
        return tuple(s for s in self.signatures if not s.valid)

    @property
    def complete(self) -> bool:
        """Every party has signed and every signature verifies: what ``record licence`` needs."""
        return not self.invalid and not self.unsigned


def read_document(path: Path) -> bytes:
    """A licence document file's bytes (at most 64 KiB). Raises LedgerError."""
    data = _read(path, f"licence document {path}", MAX_DOCUMENT_FILE)
    if len(data) > MAX_DOCUMENT_FILE:
        raise LedgerError(f"licence document {path}: over {MAX_DOCUMENT_FILE} bytes")
    return data


def inspect_licence(data: bytes) -> LicenceStatus:
    """Parse a document's form (spec/licensing.md §1) and check each signature on its own, so
    that one bad signature is reported, not just "invalid".

    Raises: LedgerError for a document whose form the format rejects.
    """
    try:
        form = LicenceDocument.parse(data, verify=False)
        protected, _, payload, items = decode_cbor(data[len(_COSE_SIGN_TAG):], what="licence document")
    except (SchemaError, VerificationFailure) as e:
        raise LedgerError(f"not a licence document: {e}") from e
    parties: dict[bytes, bytes] = {bytes(key_id(pk)): pk for pk in form.terms.parties}
    statuses = []
    for item in items:
        kid = bytes(decode_cbor(item[0], what="signature header")[_HDR_KID])
        alone = _COSE_SIGN_TAG + encode_cbor([protected, {}, payload, [item]])  # the format core checks it
        try:
            LicenceDocument.parse(alone)
            statuses.append(SignatureStatus(kid, parties[kid], True))
        except (VerificationFailure, SchemaError) as e:
            problem = e.message if isinstance(e, VerificationFailure) else str(e)
            statuses.append(SignatureStatus(kid, parties.get(kid), False, problem))
    return LicenceStatus(form.terms, tuple(statuses))


def check_signable(data: bytes, public_key: bytes, name: str) -> LicenceStatus:
    """Whether the key ``public_key`` (called ``name``) may sign this document: before asking
    for its passphrase.

    Raises: LedgerError for a key that is not a party, a party that has signed already, or a
    document whose form is wrong or that holds a signature that does not verify.
    """
    status = inspect_licence(data)
    if public_key not in status.terms.parties:
        raise LedgerError(f"key {name} is not a party to this licence (neither licensor nor licensee)")
    if any(s.public_key == public_key for s in status.signatures):
        raise LedgerError(f"key {name} has signed this licence already")
    if status.invalid:
        raise LedgerError(f"the document holds a signature that does not verify ({status.invalid[0].problem}): "
                          "not signing it")
    return status


def sign_licence(data: bytes, signer: Signer) -> bytes:
    """The document with ``signer``'s signature added (spec/licensing.md §1).

    Raises: LedgerError as :func:`check_signable`.
    """
    public_key = signer.info.public_key
    check_signable(data, public_key, signer.info.name)
    try:
        return LicenceDocument.parse(data).sign(public_key, signer.sign).encode()
    except (UsageError, VerificationFailure) as e:
        raise LedgerError(str(e)) from e


def signed_licence(data: bytes, names: Mapping[bytes, str] | None = None) -> LicenceStatus:
    """A document every party has signed, every signature verifying (what a licence event
    needs, spec/licensing.md §2).

    Raises: LedgerError naming the first signature that does not verify or the parties that
    have not signed.
    """
    status = inspect_licence(data)
    if status.invalid:
        bad = status.invalid[0]
        raise LedgerError(f"licence.signature_invalid: {bad.problem} (kid {bad.kid.hex()[:16]})")
    if status.unsigned:
        raise LedgerError("the licence document lacks the signature of " + describe_parties(status.terms, status.unsigned,
                                                                                             names or {})
                          + " (each party signs it first: provenote licence sign)")
    return status


def describe_parties(terms: LicenceTerms, keys: Iterable[bytes], names: Mapping[bytes, str]) -> str:
    """The parties ``keys`` in words (``licensor mei, licensee 1a2b…``), by name where known."""
    return ", ".join(("licensor " if pk in terms.licensors else "licensee ")
                     + (names.get(pk) or key_id(pk).hex()[:16]) for pk in keys)


def licence_event_draft(data: bytes, private: LicencePrivate, attachments: Sequence[Mapping[str, Any]] = (),
                        occurred: int | None = None, names: Mapping[bytes, str] | None = None) -> EventDraft:
    """The draft of a licence event: the signed document, the fee and scope with the document's
    own salts (so the event's commitments are the document's, V5.2), the attachments.

    Raises: LedgerError for a document not signed by every party or with a signature that does
    not verify, or a private file whose fee or scope does not match the document's commitments.
    """
    status = signed_licence(data, names)
    wrong = private.mismatched(status.terms)
    if wrong:
        raise LedgerError(f"the private file does not match the document: its {' and '.join(wrong)} "
                          f"{'is' if len(wrong) == 1 else 'are'} not what the document commits to "
                          "(give the private file written when this document was drafted)")
    body: dict[str, Any] = {"document": data}
    if attachments:
        body["attachments"] = [dict(a) for a in attachments]
    return EventDraft("licence", body, private.values, occurred, private.salts)


# -- coverage and the usage report (spec/licensing.md §3, §5) --------------------------------


def licence_terms(view: Snapshot, licence: EventHash) -> LicenceTerms | None:
    """The terms of a recorded licence event (None if the event is not a licence)."""
    stored = view.event(licence)
    if stored.event.payload.type != "licence":
        return None
    return LicenceDocument.parse(stored.event.payload.body["document"], verify=False).terms


#: The coverage codes in plain words (spec/licensing.md §3).
COVERAGE_WORDS = {
    "usage.unlicensed": "it names no licence",
    "usage.outside_territory": "its territory is not in the licence's territory",
    "usage.outside_media": "its media is not among the licence's media",
    "usage.outside_term": "its date is outside the licence's term",
}


def coverage(terms: LicenceTerms | None, territory: str, medium: str, on: str) -> list[str]:
    """Why a use is not covered, as the finding codes of spec/licensing.md §3
    (``usage.unlicensed``, ``usage.outside_territory``, ``usage.outside_media``,
    ``usage.outside_term``); empty when it is covered."""
    if terms is None:
        return ["usage.unlicensed"]
    return [f"usage.{reason}" for reason in terms.covers(territory=territory, medium=medium, on=on)]


def usage_coverage(ledger: Ledger, body: Mapping[str, Any]) -> list[str]:
    """:func:`coverage` of a usage body (its ``licence``, if named, an event of the ledger)."""
    licence = body.get("licence")
    with ledger.snapshot() as view:
        terms = licence_terms(view, EventHash(licence)) if licence is not None else None
    if licence is not None and terms is None:
        return ["usage.unlicensed"]
    return coverage(terms, body["territory"], body["media"], body["date"])


#: The usage report's columns, in order (spec/licensing.md §5).
USAGE_COLUMNS = ("work", "title", "isrc", "iswc", "usage", "licence", "covered", "reason", "territory", "media",
                 "production", "episode", "platform", "date", "signer")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def usage_report(ledger: Ledger, works: Sequence[WorkId] = (), start: str | None = None,
                 end: str | None = None) -> list[dict[str, Any]]:
    """One row per usage event of the given works (all works when none), in work then chain
    order, whose date lies in [start, end] (dates ``YYYY-MM-DD``, both included).

    Raises: LedgerError for an unknown work or a date that is not one.
    """
    try:
        if start is not None:
            check_date("--from", start)
        if end is not None:
            check_date("--to", end)
    except SchemaError as e:
        raise LedgerError(str(e)) from e
    rows: list[dict[str, Any]] = []
    with ledger.snapshot() as view:
        selected = list(dict.fromkeys(works)) or [info.work for info in view.works()]
        names: dict[bytes, str] = {}
        for work in selected:
            title = isrc = iswc = release_isrc = None
            licences: dict[bytes, LicenceTerms] = {}
            found: list[dict[str, Any]] = []
            for stored in view.chain(work):
                payload = stored.event.payload
                body = payload.body
                if payload.type == "work.created":
                    title, isrc, iswc = body["title"], body.get("isrc"), body.get("iswc")
                elif payload.type == "release" and "isrc" in body:
                    release_isrc = body["isrc"]
                elif payload.type == "licence":
                    licences[stored.event.hash] = LicenceDocument.parse(body["document"], verify=False).terms
                elif payload.type == "usage":
                    if (start is not None and body["date"] < start) or (end is not None and body["date"] > end):
                        continue
                    licence = body.get("licence")
                    reasons = coverage(licences.get(licence) if licence is not None else None,
                                       body["territory"], body["media"], body["date"])
                    if payload.signer not in names:
                        names[payload.signer] = _signer_name(view, payload.signer)
                    found.append({"work": work.hex(), "usage": stored.event.hash.hex(),
                                  "licence": licence.hex() if licence is not None else None,
                                  "covered": not reasons, "reason": reasons, "territory": body["territory"],
                                  "media": body["media"], "production": body["production"],
                                  "episode": body.get("episode"), "platform": body["platform"],
                                  "date": body["date"], "signer": names[payload.signer]})
            for row in found:
                row.update(title=title, isrc=isrc or release_isrc, iswc=iswc)
                rows.append({column: row[column] for column in USAGE_COLUMNS})
    return rows


def _signer_name(view: Snapshot, public_key: bytes) -> str:
    """The name on the signer's key card in the ledger (its key id if it has none)."""
    try:
        return parse_key_card(view.key_card(public_key)).name
    except (LedgerError, VerificationFailure):
        return key_id(public_key).hex()[:16]


def encode_usage_report(rows: Sequence[Mapping[str, Any]], form: str) -> bytes:
    """``csv``: UTF-8 with a byte-order mark (so spreadsheets read it as UTF-8), a header row,
    CRLF line ends (RFC 4180), ``covered`` yes/no, reasons joined by ``; ``, and a cell that a
    spreadsheet would take for a formula (starting ``=``, ``+``, ``-``, ``@``) prefixed with ``'``.
    ``json``: an array of objects with the same keys, ``covered`` a boolean, ``reason`` a list.
    """
    if form == "json":
        return (json.dumps(list(rows), indent=2, ensure_ascii=False) + "\n").encode("utf-8")
    if form != "csv":
        raise LedgerError(f"unknown report format {form!r}: csv or json")
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(USAGE_COLUMNS)
    for row in rows:
        writer.writerow([_cell(column, row[column]) for column in USAGE_COLUMNS])
    return out.getvalue().encode("utf-8-sig")


def _cell(column: str, value: Any) -> str:
    if column == "covered":
        return "yes" if value else "no"
    if column == "reason":
        return "; ".join(value)
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


# -- files ----------------------------------------------------------------------------------


def _read(path: Path, where: str, limit: int) -> bytes:
    try:
        with open_regular(path) as handle:
            data = handle.read(limit + 1)
    except AssetError as e:
        raise LedgerError(f"{where}: {e}") from e
    except OSError as e:
        raise LedgerError(f"{where}: {e.strerror or e}") from e
    if len(data) > limit:
        raise LedgerError(f"{where}: larger than {limit} bytes")
    return data


def check_output_path(path: Path, *, option: str = "") -> None:
    """That ``path`` can be written atomically: a new name, or a regular file to replace (never a
    symbolic link, a folder, a FIFO or a device: a rename would replace the link itself, or what
    it stands for), in a folder that exists. Messages name ``option`` (``-o``) when given.

    Raises: LedgerError.
    """
    name = f"{option} {path}" if option else str(path)
    if path.is_symlink():
        raise LedgerError(f"{name} is a symbolic link: give the path of a regular file")
    if path.exists() and not path.is_file():
        raise LedgerError(f"{name} is not a regular file; give a new file name")
    folder = path.absolute().parent
    if not folder.is_dir():
        raise LedgerError(f"{name}: the folder {folder} does not exist")


@contextmanager
def atomic_output(path: Path, *, mode: int | None = None, prefix: str | None = None,
                  option: str = "") -> Iterator[BinaryIO]:
    """A binary file to write ``path`` through, atomically: a temporary file ``PREFIX….tmp`` in
    the same folder (default prefix ``.NAME.``), fsynced and renamed over ``path`` when the block
    ends without an exception, removed when it raises. Its permissions are ``mode`` when given
    (0o600 for a secret), else those ``open()`` gives a new file (0o666 less the umask).
    ``path`` is checked first (:func:`check_output_path`).

    Raises: LedgerError for a target that is not a regular file; OSError when writing fails
    (nothing is left behind).
    """
    check_output_path(path, option=option)
    folder = path.absolute().parent
    fd, temp = _create_beside(folder, prefix if prefix is not None else f".{path.name}.",
                              0o600 if mode is not None else 0o666)
    try:
        with os.fdopen(fd, "wb") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        if mode is not None:
            os.chmod(temp, mode)
        os.replace(temp, path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise


def _create_beside(folder: Path, prefix: str, mode: int) -> tuple[int, Path]:
    """A new file ``PREFIX<random>.tmp`` in ``folder``, opened for writing, created with ``mode``
    (which the umask reduces, as for any new file). Raises OSError."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0) | getattr(os, "O_NOFOLLOW", 0)
    for _ in range(100):
        temp = folder / f"{prefix}{secrets.token_hex(8)}.tmp"
        try:
            return os.open(temp, flags, mode), temp
        except FileExistsError:
            continue
    raise FileExistsError(f"no free temporary name in {folder}")


def write_atomic(path: Path, data: bytes, *, mode: int | None = None) -> None:
    """Write ``data`` to ``path`` atomically (:func:`atomic_output`): permissions ``mode`` when
    given, else those of a new file under the umask. Never through a link or over something not
    a regular file.

    Raises: LedgerError for such a target; OSError when writing fails (no partial file is left).
    """
    with atomic_output(path, mode=mode) as handle:
        handle.write(data)

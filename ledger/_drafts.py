"""Building event drafts from what people and tools give: CLI options and JSON events
(spec/json-events.md). Files are read here; the result is checked again by the payload model.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from ledger._assets import AssetError, describe_file
from ledger._attachments import AttachmentStore
from ledger._licences import LicencePrivate, licence_event_draft, private_path, read_document
from ledger._store import EventDraft, Ledger, LedgerError
from verifier.format import (
    EVENT_TYPES,
    GENESIS_TYPE,
    MAX_TIME,
    Role,
    default_source_type,
    lineage_source_type,
    microseconds_of,
)


def parse_time(text: str) -> int:
    """ISO 8601 / RFC 3339 time with a zone (``Z`` or ``+08:00``) → microseconds since the epoch."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as e:
        raise LedgerError(f"invalid time {text!r}: use ISO 8601, e.g. 2026-11-20T14:30:00+08:00") from e
    if moment.tzinfo is None:
        raise LedgerError(f"time {text!r} has no time zone: add Z or an offset such as +08:00")
    microseconds = microseconds_of(moment)
    if not 0 <= microseconds <= MAX_TIME:
        raise LedgerError(f"time {text!r} is outside what the format records (1970-01-01 to 9999-12-31, UTC)")
    return microseconds


def parse_param(text: str) -> tuple[str, Any]:
    """``K=V``: V is read as an integer, a decimal number, true/false, or else text."""
    key, sep, raw = text.partition("=")
    key = key.strip()
    if not sep or not key:
        raise LedgerError(f"malformed --param {text!r}: use KEY=VALUE")
    value: Any = raw
    if re.fullmatch(r"[+-]?\d{1,18}", raw):
        value = int(raw)
    elif re.fullmatch(r"[+-]?(\d+\.\d*|\.\d+|\d+)([eE][+-]?\d+)?", raw):
        value = float(raw)
        if not math.isfinite(value):
            raise LedgerError(f"--param {key} is not a finite number")
    elif raw in ("true", "false"):
        value = raw == "true"
    return key, value


def parse_params(items: tuple[str, ...] | list[str]) -> dict[str, Any]:
    """``K=V`` items (``--param``) → a parameter map. Raises LedgerError for a malformed or repeated key."""
    params: dict[str, Any] = {}
    for item in items:
        key, value = parse_param(item)
        if key in params:
            raise LedgerError(f"--param {key} is given twice")
        params[key] = value
    return params


def parse_segment(text: str) -> list[int]:
    """``START-END`` in seconds → ``[start_ms, end_ms]``."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*-\s*(\d+(?:\.\d+)?)\s*", text)
    if not match:
        raise LedgerError(f"malformed --segment {text!r}: use START-END in seconds, e.g. 16-32")
    seconds = [float(group) for group in match.groups()]
    if not all(math.isfinite(v) and v * 1000 < 2**64 for v in seconds):
        raise LedgerError(f"--segment {text!r}: times are seconds within 64 bits of milliseconds")
    start, end = (round(v * 1000) for v in seconds)
    if start >= end:
        raise LedgerError(f"--segment {text!r}: the start must come before the end")
    return [start, end]


class DraftBuilder:
    """Builds drafts for one ledger (needed to resolve event prefixes and asset producers)."""

    def __init__(self, ledger: Ledger, *, duration: float | None = None) -> None:
        self.ledger = ledger
        self.duration = duration

    def asset(self, path: str | Path) -> dict[str, Any]:
        return describe_file(Path(path), duration_seconds=self.duration)

    def assets(self, paths: tuple[str, ...] | list[str]) -> list[dict[str, Any]]:
        return [self.asset(p) for p in paths]

    def attachment(self, path: str | Path) -> dict[str, Any]:
        """Store a file in the ledger's attachment store (content-addressed, streamed) and return
        its asset reference, for a field with the role *attaches* (spec/licensing.md §2)."""
        try:
            return AttachmentStore(self.ledger.path).add(Path(path))
        except OSError as e:
            raise AssetError(f"cannot store attachment {path}: {e.strerror or e}") from e

    def attachments(self, paths: tuple[str, ...] | list[str]) -> list[dict[str, Any]]:
        return [self.attachment(p) for p in paths]

    def licence(self, document: Path, private: Path | None = None, attachments: tuple[str, ...] | list[str] = (),
                occurred: int | None = None, names: Mapping[bytes, str] | None = None) -> EventDraft:
        """A licence event's draft from a signed document file and the drafter's private file
        (by default beside the document, ``.private.json`` added): refused unless every party
        has signed, every signature verifies and the private file matches the document's
        commitments (spec/licensing.md §2). Attachments are stored only once it passes."""
        data = read_document(document)
        secret = LicencePrivate.read(private if private is not None else private_path(document))
        licence_event_draft(data, secret, (), occurred, names)  # refuses before any file is stored
        return licence_event_draft(data, secret, self.attachments(attachments), occurred, names)

    def draft(self, type_name: str, body: dict[str, Any], private: Mapping[str, str | None],
              occurred: int | None) -> EventDraft:
        """A draft with empty private fields dropped and the IPTC source type filled in where
        the type table alone decides it; a human edit's comes from the work's lineage when the
        draft is appended. The body is checked in full when the payload is built."""
        if type_name not in EVENT_TYPES or type_name == GENESIS_TYPE:
            raise LedgerError(f"unknown event type {type_name!r}")
        spec = EVENT_TYPES[type_name]
        if (spec.source_types and "digital_source_type" not in body
                and lineage_source_type(type_name, False) is None):
            source_type = default_source_type(type_name, body)
            if source_type is not None:
                body["digital_source_type"] = source_type
        kept = {name: value for name, value in private.items() if value is not None}
        return EventDraft(type_name, body, kept, occurred)  # checks the body: fails early, naming a batch's line

    # -- JSON events --------------------------------------------------------------------------

    def from_json(self, document: Any, *, where: str = "event") -> EventDraft:
        """``{"type": T, "body": {...}, "occurred": ISO-8601?}`` → draft (spec/json-events.md)."""
        if not isinstance(document, dict) or not isinstance(document.get("type"), str):
            raise LedgerError(f"{where}: expected an object with \"type\" and \"body\"")
        unknown = set(document) - {"type", "body", "occurred"}
        if unknown:
            raise LedgerError(f"{where}: unknown keys {sorted(unknown)}")
        type_name = document["type"]
        spec = EVENT_TYPES.get(type_name)
        if spec is None or type_name == GENESIS_TYPE:
            raise LedgerError(f"{where}: unknown event type {type_name!r}")
        body_in = document.get("body", {})
        if not isinstance(body_in, dict):
            raise LedgerError(f"{where}: body must be an object")
        occurred = document.get("occurred")
        if occurred is not None and not isinstance(occurred, str):
            raise LedgerError(f"{where}: occurred must be an ISO 8601 string")
        if type_name == "licence":
            return self._json_licence(body_in, parse_time(occurred) if occurred else None, where)
        body: dict[str, Any] = {}
        private: dict[str, str | None] = {}
        for name, value in body_in.items():
            if name in spec.private_fields:
                if not isinstance(value, str):
                    raise LedgerError(f"{where}: {name} must be text")
                private[name] = value
            else:
                body[name] = self._convert(type_name, name, value, where)
        return self.draft(type_name, body, private, parse_time(occurred) if occurred else None)

    def _json_licence(self, body: dict[str, Any], occurred: int | None, where: str) -> EventDraft:
        """A licence as JSON (spec/json-events.md): ``document`` is the signed document's file;
        the fee and scope, with their salts, come from its private file beside it — given in the
        body too, they must be the same."""
        unknown = set(body) - {"document", "attachments", "fee", "scope"}
        if unknown:
            raise LedgerError(f"{where}: unknown fields {sorted(unknown)} for type licence")
        document = body.get("document")
        if not isinstance(document, str):
            raise LedgerError(f"{where}: document must be the path of the signed licence document")
        attachments = body.get("attachments", [])
        if not isinstance(attachments, list) or not all(isinstance(a, str) for a in attachments):
            raise LedgerError(f"{where}: attachments must be a list of file paths")
        try:
            secret = LicencePrivate.read(private_path(Path(document)))
            for name, value in secret.values.items():
                if name in body and body[name] != value:
                    raise LedgerError(f"{name} is not the one in the document's private file")
            return self.licence(Path(document), None, attachments, occurred)
        except LedgerError as e:
            raise LedgerError(f"{where}: {e}") from e

    def _convert(self, type_name: str, name: str, value: Any, where: str) -> Any:
        convert: Callable[[Any], Any]
        spec = EVENT_TYPES[type_name]
        asset_field = next((a for a in spec.assets if a.name == name), None)
        if asset_field is not None and not asset_field.many:
            return self._json_asset(value, f"{where}: {name}")
        if asset_field is not None:
            if not isinstance(value, list):
                raise LedgerError(f"{where}: {name} must be a list of assets")
            if asset_field.role is Role.ATTACHES:  # files go into the attachment store
                return [self.attachment(item) if isinstance(item, str) else self._json_asset(item, f"{where}: {name}")
                        for item in value]
            return [self._json_asset(item, f"{where}: {name}") for item in value]
        if any(r.name == name for r in spec.references):
            if not isinstance(value, str):
                raise LedgerError(f"{where}: {name} must be an event id (hex)")
            return bytes(self.ledger.resolve_event(value))
        convert = _reject_floats_in_ints if name in ("seed", "minutes") else _identity
        return convert(value)

    def _json_asset(self, value: Any, where: str) -> dict[str, Any]:
        if isinstance(value, str):
            return self.asset(value)
        if isinstance(value, dict) and isinstance(value.get("sha256"), str):
            ref = dict(value)
            try:
                ref["sha256"] = bytes.fromhex(ref["sha256"])
            except ValueError as e:
                raise LedgerError(f"{where}: sha256 must be 64 hex characters") from e
            return ref
        raise LedgerError(f"{where}: an asset is a file path or an object with sha256, size, media_type")


def _identity(value: Any) -> Any:
    return value


def _reject_floats_in_ints(value: Any) -> Any:
    if isinstance(value, float):
        raise LedgerError("seed and minutes must be whole numbers")
    return value


def parse_json_event(text: str, where: str) -> Any:
    """One JSON event document. Raises LedgerError for invalid JSON, including nesting too deep
    for the parser."""
    try:
        return json.loads(text)
    except RecursionError as e:
        raise LedgerError(f"{where}: JSON nested too deeply") from e
    except ValueError as e:
        raise LedgerError(f"{where}: invalid JSON ({e})") from e

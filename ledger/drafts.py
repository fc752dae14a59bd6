"""Typed event drafts for tools and plug-ins: one function per event type, keyword arguments
named as the body fields of spec/event-types.md, private fields (``prompt``, ``note``, …) kept
private. Each returns an :class:`ledger.EventDraft` to pass to :meth:`ledger.Ledger.append`::

    import ledger
    from ledger import drafts

    with ledger.open_default_ledger() as book:
        mei = ledger.default_key_store().unlock("mei", passphrase)
        work = book.create_work(mei, "Rain Cue").work
        take = ledger.asset_from_file("take1.wav")
        made = book.append(work, mei, drafts.generation(model="cue-gen", outputs=[take], prompt="rain"))
        book.append(work, mei, drafts.human_edit(inputs=[take], output="edit.wav", kind="melody"))

An *asset* argument is a file path (described when the draft is made) or a reference from
:func:`asset_from_file`; an *event* argument is an earlier event's hash (``Appended.hash``) or
the :class:`ledger.Appended` itself. ``occurred`` is when it happened, if earlier than now: an
aware ``datetime`` or ISO 8601 text with a zone. Optional arguments left as ``None`` are left out.
The digital source type is filled in from the type table and the work's lineage when appended.

Every function raises :class:`ledger.LedgerError` for a draft the format would refuse (naming
the field) and :class:`ledger.AssetError` for a file that cannot be read. Licences are drafted
from their signed document with ``DraftBuilder(book).licence(path)``; screenings and labels by
:mod:`ledger.screening` and :mod:`ledger.labels`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from ledger._assets import describe_file
from ledger._drafts import parse_time
from ledger._store import Appended, EventDraft, LedgerError
from verifier.format import EVENT_TYPES

__all__ = [
    "Asset", "Event", "Occurred", "asset_from_file", "assist", "attestation", "generation", "human_edit",
    "human_input", "import_", "note", "parameter_edit", "payment", "release", "selection", "usage",
]

#: A file path, or an asset reference from :func:`asset_from_file`.
Asset = str | os.PathLike[str] | Mapping[str, Any]
#: An earlier event of the work: its 32-byte hash, or what ``Ledger.append`` returned for it.
Event = bytes | Appended
#: When it happened: an aware datetime or ISO 8601 text with a zone; None means now.
Occurred = datetime | str | None


def asset_from_file(path: str | os.PathLike[str], *, duration_seconds: float | None = None,
                    name: str | None = None) -> dict[str, Any]:
    """The asset reference of a file, read from its bytes: ``sha256``, ``size``, ``media_type``,
    ``duration_ms`` (WAV and FLAC; else ``duration_seconds`` if given) and ``name`` (the file's
    name unless ``name`` is given). Only the hash binds: the file itself never enters the ledger.

    Raises:
        AssetError: the file is missing, not a regular file, unreadable, or a malformed WAV.
        LedgerError: ``name`` is not text.
    """
    ref = describe_file(Path(path), duration_seconds=duration_seconds)
    if name is not None:
        if not isinstance(name, str):
            raise LedgerError("an asset's name is text")
        ref["name"] = name
    return ref


def generation(*, model: str, outputs: Sequence[Asset], prompt: str | None = None,
               negative_prompt: str | None = None, lyrics: str | None = None, model_version: str | None = None,
               provider: str | None = None, seed: int | None = None, params: Mapping[str, Any] | None = None,
               inputs: Sequence[Asset] | None = None, licence: Event | None = None,
               occurred: Occurred = None) -> EventDraft:
    """An AI generation: the model, what it made (``outputs``) and from what (``inputs``);
    ``prompt``, ``negative_prompt`` and ``lyrics`` stay private; ``licence`` is the licence-in
    under which the output is used."""
    return _draft("generation", {"model": model, "model_version": model_version, "provider": provider,
                                 "seed": seed, "params": _params(params), "inputs": inputs, "outputs": outputs,
                                 "licence": licence},
                  {"prompt": prompt, "negative_prompt": negative_prompt, "lyrics": lyrics}, occurred)


def parameter_edit(*, of: Event, params: Mapping[str, Any], outputs: Sequence[Asset],
                   occurred: Occurred = None) -> EventDraft:
    """A change of parameters of an earlier generation (or parameter edit) ``of``, and what it made."""
    return _draft("parameter-edit", {"of": of, "params": _params(params), "outputs": outputs}, {}, occurred)


def selection(*, candidates: Sequence[Asset], chosen: Asset, reason: str | None = None,
              occurred: Occurred = None) -> EventDraft:
    """A choice among candidates; ``chosen`` is one of them, ``reason`` stays private."""
    return _draft("selection", {"candidates": candidates, "chosen": chosen}, {"reason": reason}, occurred)


def human_edit(*, inputs: Sequence[Asset], output: Asset, kind: str,
               segments: Sequence[tuple[int, int]] | None = None, stems: Sequence[str] | None = None,
               tool: str | None = None, minutes: int | None = None, note: str | None = None,
               occurred: Occurred = None) -> EventDraft:
    """A person's edit of (AI) material: ``kind`` is one of ``verifier.format.EDIT_KINDS``;
    ``segments`` are ``(start_ms, end_ms)`` of the output's timeline, in milliseconds; ``note``
    stays private."""
    return _draft("human-edit", {"inputs": inputs, "output": output, "kind": kind, "segments": _segments(segments),
                                 "stems": _list("stems", stems), "tool": tool, "minutes": minutes}, {"note": note}, occurred)


def human_input(*, output: Asset, layer: str, segments: Sequence[tuple[int, int]] | None = None,
                note: str | None = None, lyrics: str | None = None, occurred: Occurred = None) -> EventDraft:
    """Material a person made: ``layer`` is one of ``verifier.format.INPUT_LAYERS`` (vocals and
    instrument are recordings); ``segments`` in milliseconds; ``note`` and ``lyrics`` stay private."""
    return _draft("human-input", {"output": output, "layer": layer, "segments": _segments(segments)},
                  {"note": note, "lyrics": lyrics}, occurred)


def assist(*, tool: str, function: str, inputs: Sequence[Asset], outputs: Sequence[Asset],
           occurred: Occurred = None) -> EventDraft:
    """An algorithmic aid (a stem splitter, an AI mastering pass): which tool, doing what."""
    return _draft("assist", {"tool": tool, "function": function, "inputs": inputs, "outputs": outputs}, {},
                  occurred)


def import_(*, output: Asset, source: str, digital_source_type: str | None = None,
            occurred: Occurred = None) -> EventDraft:
    """Material brought in from outside (a sample, a stem): where from; ``digital_source_type``
    is its IPTC term (``verifier.format.IPTC_TERMS``) if known. Named ``import_`` as ``import``
    is a Python keyword."""
    return _draft("import", {"output": output, "source": source, "digital_source_type": digital_source_type}, {},
                  occurred)


def release(*, asset: Asset, isrc: str | None = None, occurred: Occurred = None) -> EventDraft:
    """The release of a file, with its ISRC if it has one."""
    return _draft("release", {"asset": asset, "isrc": isrc}, {}, occurred)


def note(*, text: str, occurred: Occurred = None) -> EventDraft:
    """A private note (the text is committed, disclosed only if chosen at export)."""
    return _draft("note", {}, {"text": text}, occurred)


def attestation(*, about: Event, statement: str, occurred: Occurred = None) -> EventDraft:
    """A signer's statement about an earlier event (not a note), e.g. an AI provider's."""
    return _draft("attestation", {"about": about, "statement": statement}, {}, occurred)


def payment(*, licence: Event, amount: str, currency: str, paid_on: str, reference: str | None = None,
            occurred: Occurred = None) -> EventDraft:
    """A payment under a licence: ``amount`` a decimal string (``"1200.00"``), ``currency`` ISO
    4217, ``paid_on`` ``YYYY-MM-DD``; ``reference`` (an invoice number) stays private. Receipts
    are attached with ``DraftBuilder(book).attachments(paths)`` in the ``attachments`` field."""
    return _draft("payment", {"licence": licence, "amount": amount, "currency": currency, "paid_on": paid_on},
                  {"reference": reference}, occurred)


def usage(*, production: str, platform: str, territory: str, media: str, date: str,
          licence: Event | None = None, episode: int | None = None, asset: Asset | None = None,
          occurred: Occurred = None) -> EventDraft:
    """One use of the music: in which production, on which platform, where (ISO 3166 country),
    in which medium (``verifier.format.MEDIA``), on which date (``YYYY-MM-DD``), under which licence."""
    return _draft("usage", {"production": production, "platform": platform, "territory": territory, "media": media,
                            "date": date, "licence": licence, "episode": episode, "asset": asset}, {}, occurred)


# -- one conversion for every type, read from the event-type table ------------------------------

def _draft(type_name: str, fields: Mapping[str, Any], private: Mapping[str, str | None],
           occurred: Occurred) -> EventDraft:
    """The draft of ``type_name``: ``None`` values dropped, assets and event references
    converted as the type table declares the fields, the rest checked by :class:`EventDraft`."""
    spec = EVENT_TYPES[type_name]
    many = {a.name: a.many for a in spec.assets}
    references = {r.name for r in spec.references}
    body: dict[str, Any] = {}
    for name, value in fields.items():
        if value is None:
            continue
        if name in many:
            body[name] = _assets(name, value) if many[name] else _asset(value)
        elif name in references:
            body[name] = _event(name, value)
        else:
            body[name] = value
    kept = {name: value for name, value in private.items() if value is not None}
    return EventDraft(type_name, body, kept, _when(occurred))


def _asset(value: Any) -> Any:
    if isinstance(value, str | os.PathLike):
        return asset_from_file(value)
    return dict(value) if isinstance(value, Mapping) else value  # anything else: the schema names it


def _assets(name: str, value: Any) -> Any:
    if isinstance(value, str | bytes | os.PathLike | Mapping):
        raise LedgerError(f"{name} is a list of files or asset references, not one")
    if not isinstance(value, Sequence):
        return value  # the schema names it
    return [_asset(item) for item in value]


def _event(name: str, value: Any) -> Any:
    if isinstance(value, Appended):
        return bytes(value.hash)
    if isinstance(value, bytes):
        return bytes(value)
    raise LedgerError(f"{name} is an earlier event: its 32-byte hash or what Ledger.append returned")


def _params(params: Mapping[str, Any] | None) -> dict[str, Any] | None:
    return None if params is None else dict(params)


def _list(name: str, items: Sequence[str] | None) -> list[str] | None:
    if isinstance(items, str):
        raise LedgerError(f"{name} is a list of text, not one text")
    return None if items is None else list(items)


def _segments(segments: Sequence[tuple[int, int]] | None) -> list[Any] | None:
    if segments is None:
        return None
    if isinstance(segments, str):
        raise LedgerError("segments is a list of (start_ms, end_ms) pairs")
    return [list(s) if isinstance(s, tuple | list) else s for s in segments]


def _when(occurred: Occurred) -> int | None:
    """Microseconds since the epoch, by the one time rule of :func:`ledger.parse_time`."""
    if occurred is None:
        return None
    if isinstance(occurred, datetime):
        if occurred.tzinfo is None:
            raise LedgerError("occurred has no time zone: give an aware datetime (e.g. tzinfo=UTC)")
        return parse_time(occurred.isoformat())
    if isinstance(occurred, str):
        return parse_time(occurred)
    raise LedgerError("occurred is an aware datetime or ISO 8601 text")

"""``provenote record``: sign one event (or one batch) into a work's chain."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from cli.context import PROG, Context, emit_json, fail, json_option, pass_ctx, read_text_file
from cli.log import anchor_after_release
from cli.progress import TerminalProgress, quiet_option, stderr_progress
from cli.words import plural
from ledger import (
    COVERAGE_WORDS,
    PROGRESS_EVERY,
    DraftBuilder,
    EventDraft,
    Ledger,
    LedgerError,
    parse_json_event,
    parse_params,
    parse_segment,
    parse_time,
    party_names,
    usage_coverage,
)
from verifier.format import EDIT_KINDS, INPUT_LAYERS, MEDIA, PRIVATE_FIELDS
from verifier.render import inert


@click.group()
def record() -> None:
    """Sign one event into a work's chain (one command, one event)."""


def record_options(func: Callable[..., Any]) -> Callable[..., Any]:
    func = click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")(func)
    func = click.option("--duration", type=float, metavar="SECONDS",
                        help="Duration of files whose own duration cannot be read.")(func)
    func = click.option("--occurred", metavar="TIME",
                        help="When the activity happened, if earlier than now (ISO 8601).")(func)
    func = click.option("--as", "as_key", required=True, metavar="KEY", help="Name of the signing key.")(func)
    func = click.argument("work_prefix", metavar="WORK")(func)
    return func


def _append(obj: Context, work_prefix: str, as_key: str, duration: float | None, as_json: bool,
            build: Callable[[DraftBuilder, Ledger], list[EventDraft]],
            after: Callable[[Ledger, list[EventDraft]], None] | None = None) -> None:
    with obj.ledger() as book:
        work_id = book.resolve_work(work_prefix)
        drafts = build(DraftBuilder(book, duration=duration), book)
        results = book.append_batch(work_id, obj.signer(as_key), drafts)
        if after is not None:
            after(book, drafts)
    if as_json:
        if len(results) == 1:
            emit_json({"event": results[0].hash, "seq": results[0].seq})
        else:
            emit_json([{"event": r.hash, "seq": r.seq} for r in results])
        return
    for draft, result in zip(drafts, results, strict=True):
        click.echo(f"recorded {draft.type} #{result.seq} {result.hash.hex()}")


def _when(occurred: str | None) -> int | None:
    return parse_time(occurred) if occurred else None


@record.command("generation")
@record_options
@click.option("--model", required=True, metavar="NAME", help="The AI model's name.")
@click.option("--model-version", metavar="VERSION", help="The model's version.")
@click.option("--provider", metavar="NAME", help="Who runs the model (the AI service).")
@click.option("--prompt", metavar="TEXT",
              help="The prompt (kept private).  [required: this or --prompt-file]")
@click.option("--prompt-file", type=click.Path(path_type=Path), metavar="FILE",
              help="Read the prompt from this UTF-8 text file instead of --prompt.")
@click.option("--negative-prompt", metavar="TEXT", help="The negative prompt, if any (kept private).")
@click.option("--seed", type=int, metavar="N", help="The random seed, if known.")
@click.option("--param", "params", multiple=True, metavar="K=V",
              help="A generation parameter, e.g. temperature=0.7 (repeatable).")
@click.option("--input", "inputs", multiple=True, metavar="FILE",
              help="A file given to the model: a reference, a melody to follow (repeatable).")
@click.option("--output", "outputs", multiple=True, required=True, metavar="FILE",
              help="A file the model produced (repeatable).")
@click.option("--licence", "licence", metavar="EVENT", help="The licence-in under which the output is used.")
@pass_ctx
def record_generation(obj: Context, work_prefix: str, as_key: str, occurred: str | None,
                      duration: float | None, as_json: bool, model: str, model_version: str | None,
                      provider: str | None, prompt: str | None, prompt_file: Path | None,
                      negative_prompt: str | None, seed: int | None, params: tuple[str, ...],
                      inputs: tuple[str, ...], outputs: tuple[str, ...], licence: str | None) -> None:
    """An AI generation: model, prompt (kept private), seed, parameters, inputs and outputs."""
    if (prompt is None) == (prompt_file is None):
        raise fail("give exactly one of --prompt and --prompt-file")
    if prompt_file is not None:
        prompt = read_text_file(prompt_file, "--prompt-file", limit=1 << 20)

    def build(b: DraftBuilder, book: Ledger) -> list[EventDraft]:
        body: dict[str, Any] = {"model": model, "outputs": b.assets(outputs)}
        for name, value in (("model_version", model_version), ("provider", provider), ("seed", seed)):
            if value is not None:
                body[name] = value
        if licence is not None:
            body["licence"] = bytes(book.resolve_event(licence))
        if params:
            body["params"] = parse_params(params)
        if inputs:
            body["inputs"] = b.assets(inputs)
        return [b.draft("generation", body, {"prompt": prompt, "negative_prompt": negative_prompt},
                        _when(occurred))]

    _append(obj, work_prefix, as_key, duration, as_json, build)


@record.command("parameter-edit")
@record_options
@click.option("--of", "of_event", required=True, metavar="EVENT", help="The generation edited.")
@click.option("--param", "params", multiple=True, required=True, metavar="K=V",
              help="A changed parameter, e.g. temperature=0.9 (repeatable).")
@click.option("--output", "outputs", multiple=True, required=True, metavar="FILE",
              help="A file the new parameters produced (repeatable).")
@pass_ctx
def record_parameter_edit(obj: Context, work_prefix: str, as_key: str, occurred: str | None,
                          duration: float | None, as_json: bool, of_event: str,
                          params: tuple[str, ...], outputs: tuple[str, ...]) -> None:
    """A change of parameters of an earlier generation, and what it produced."""

    def build(b: DraftBuilder, book: Ledger) -> list[EventDraft]:
        body = {"of": bytes(book.resolve_event(of_event)), "params": parse_params(params),
                "outputs": b.assets(outputs)}
        return [b.draft("parameter-edit", body, {}, _when(occurred))]

    _append(obj, work_prefix, as_key, duration, as_json, build)


@record.command("selection")
@record_options
@click.option("--candidate", "candidates", multiple=True, required=True, metavar="FILE",
              help="A candidate considered (repeatable).")
@click.option("--chosen", required=True, metavar="FILE", help="The candidate chosen.")
@click.option("--reason", help="Why (kept private).")
@pass_ctx
def record_selection(obj: Context, work_prefix: str, as_key: str, occurred: str | None,
                     duration: float | None, as_json: bool, candidates: tuple[str, ...], chosen: str,
                     reason: str | None) -> None:
    """A choice among candidates."""

    def build(b: DraftBuilder, _: Ledger) -> list[EventDraft]:
        body = {"candidates": b.assets(candidates), "chosen": b.asset(chosen)}
        return [b.draft("selection", body, {"reason": reason}, _when(occurred))]

    _append(obj, work_prefix, as_key, duration, as_json, build)


@record.command("human-edit")
@record_options
@click.option("--input", "inputs", multiple=True, required=True, metavar="FILE",
              help="A file edited (repeatable).")
@click.option("--output", required=True, metavar="FILE", help="The edited file.")
@click.option("--kind", required=True, type=click.Choice(EDIT_KINDS), help="What was edited.")
@click.option("--segment", "segments", multiple=True, metavar="START-END",
              help="Seconds of the output's timeline the edit covers, e.g. 16-32 (repeatable).")
@click.option("--stem", "stems", multiple=True, metavar="NAME", help="A stem edited, e.g. erhu (repeatable).")
@click.option("--tool", metavar="NAME", help="The tool used, e.g. \"Reaper 7\".")
@click.option("--minutes", type=click.IntRange(min=0), metavar="N", help="Minutes of work the edit took.")
@click.option("--note", help="Free text (kept private).")
@pass_ctx
def record_human_edit(obj: Context, work_prefix: str, as_key: str, occurred: str | None,
                      duration: float | None, as_json: bool, inputs: tuple[str, ...], output: str,
                      kind: str, segments: tuple[str, ...], stems: tuple[str, ...], tool: str | None,
                      minutes: int | None, note: str | None) -> None:
    """A person's edit of (AI) material: what kind, where, on which stems, with what tool."""

    def build(b: DraftBuilder, _: Ledger) -> list[EventDraft]:
        body: dict[str, Any] = {"inputs": b.assets(inputs), "output": b.asset(output), "kind": kind}
        if segments:
            body["segments"] = [parse_segment(s) for s in segments]
        if stems:
            body["stems"] = list(stems)
        if tool:
            body["tool"] = tool
        if minutes is not None:
            body["minutes"] = minutes
        return [b.draft("human-edit", body, {"note": note}, _when(occurred))]

    _append(obj, work_prefix, as_key, duration, as_json, build)


@record.command("human-input")
@record_options
@click.option("--output", required=True, metavar="FILE", help="The file holding the material.")
@click.option("--layer", required=True, type=click.Choice(INPUT_LAYERS), help="What kind of material it is.")
@click.option("--segment", "segments", multiple=True, metavar="START-END",
              help="Seconds of the file's timeline the material covers, e.g. 40-48 (repeatable).")
@click.option("--note", help="Free text (kept private).")
@pass_ctx
def record_human_input(obj: Context, work_prefix: str, as_key: str, occurred: str | None,
                       duration: float | None, as_json: bool, output: str, layer: str,
                       segments: tuple[str, ...], note: str | None) -> None:
    """Material a person made: lyrics, a melody, a recorded performance."""

    def build(b: DraftBuilder, _: Ledger) -> list[EventDraft]:
        body: dict[str, Any] = {"output": b.asset(output), "layer": layer}
        if segments:
            body["segments"] = [parse_segment(s) for s in segments]
        return [b.draft("human-input", body, {"note": note}, _when(occurred))]

    _append(obj, work_prefix, as_key, duration, as_json, build)


@record.command("assist")
@record_options
@click.option("--tool", required=True, metavar="NAME", help="The tool, e.g. an AI mastering service.")
@click.option("--function", "function", required=True, metavar="WHAT",
              help="What it did, e.g. mastering, denoise, stem-separation.")
@click.option("--input", "inputs", multiple=True, required=True, metavar="FILE",
              help="A file processed (repeatable).")
@click.option("--output", "outputs", multiple=True, required=True, metavar="FILE",
              help="A file the tool produced (repeatable).")
@pass_ctx
def record_assist(obj: Context, work_prefix: str, as_key: str, occurred: str | None,
                  duration: float | None, as_json: bool, tool: str, function: str,
                  inputs: tuple[str, ...], outputs: tuple[str, ...]) -> None:
    """Assistive processing by a tool (mastering, denoise, stem separation)."""

    def build(b: DraftBuilder, _: Ledger) -> list[EventDraft]:
        body = {"tool": tool, "function": function, "inputs": b.assets(inputs),
                "outputs": b.assets(outputs)}
        return [b.draft("assist", body, {}, _when(occurred))]

    _append(obj, work_prefix, as_key, duration, as_json, build)


@record.command("import")
@record_options
@click.option("--output", required=True, metavar="FILE", help="The imported file.")
@click.option("--source", required=True, help="Where the material came from.")
@click.option("--source-type", help="IPTC digital source type of the material, if known.")
@pass_ctx
def record_import(obj: Context, work_prefix: str, as_key: str, occurred: str | None,
                  duration: float | None, as_json: bool, output: str, source: str,
                  source_type: str | None) -> None:
    """Import of external material (a sample, a stem from elsewhere)."""

    def build(b: DraftBuilder, _: Ledger) -> list[EventDraft]:
        body: dict[str, Any] = {"output": b.asset(output), "source": source}
        if source_type:
            body["digital_source_type"] = source_type
        return [b.draft("import", body, {}, _when(occurred))]

    _append(obj, work_prefix, as_key, duration, as_json, build)


@record.command("release")
@record_options
@click.option("--asset", required=True, metavar="FILE", help="The released file.")
@click.option("--isrc", metavar="CODE", help="The recording's ISRC, if it has one.")
@pass_ctx
def record_release(obj: Context, work_prefix: str, as_key: str, occurred: str | None,
                   duration: float | None, as_json: bool, asset: str, isrc: str | None) -> None:
    """The release of a final asset."""

    def build(b: DraftBuilder, _: Ledger) -> list[EventDraft]:
        body: dict[str, Any] = {"asset": b.asset(asset)}
        if isrc:
            body["isrc"] = isrc
        return [b.draft("release", body, {}, _when(occurred))]

    _append(obj, work_prefix, as_key, duration, as_json, build)
    anchor_after_release(obj, as_key)  # with PROVENOTE_TSA set


@record.command("note")
@record_options
@click.option("--text", required=True, help="The note (kept private).")
@pass_ctx
def record_note(obj: Context, work_prefix: str, as_key: str, occurred: str | None,
                duration: float | None, as_json: bool, text: str) -> None:
    """A free-text note, committed privately."""
    _append(obj, work_prefix, as_key, duration, as_json,
            lambda b, _: [b.draft("note", {}, {"text": text}, _when(occurred))])


@record.command("attestation")
@record_options
@click.option("--about", required=True, metavar="EVENT", help="The event attested.")
@click.option("--statement", required=True, metavar="TEXT", help="What the attesting party states (public).")
@pass_ctx
def record_attestation(obj: Context, work_prefix: str, as_key: str, occurred: str | None,
                       duration: float | None, as_json: bool, about: str, statement: str) -> None:
    """Another party's signed statement about an earlier event (a provider, a supervisor, a notary)."""

    def build(b: DraftBuilder, book: Ledger) -> list[EventDraft]:
        body = {"about": bytes(book.resolve_event(about)), "statement": statement}
        return [b.draft("attestation", body, {}, _when(occurred))]

    _append(obj, work_prefix, as_key, duration, as_json, build)


@record.command("licence")
@record_options
@click.option("--document", required=True, type=click.Path(path_type=Path), metavar="FILE",
              help="The licence document, signed by every party (provenote licence sign).")
@click.option("--private", "private", type=click.Path(path_type=Path), metavar="FILE",
              help="The drafter's private file (default: FILE.private.json beside the document).")
@click.option("--attach", "attachments", multiple=True, metavar="FILE", help="A contract, an invoice (repeatable).")
@pass_ctx
def record_licence(obj: Context, work_prefix: str, as_key: str, occurred: str | None, duration: float | None,
                   as_json: bool, document: Path, private: Path | None, attachments: tuple[str, ...]) -> None:
    """A licence taken in or granted out: the document every party signed; its fee and scope
    kept private, committed with the document's own salts (spec/licensing.md §2)."""
    names = party_names(obj.keys)
    _append(obj, work_prefix, as_key, duration, as_json,
            lambda b, _: [b.licence(document, private, attachments, _when(occurred), names)])


@record.command("payment")
@record_options
@click.option("--licence", required=True, metavar="EVENT", help="The licence event paid.")
@click.option("--amount", required=True, metavar="X", help="A decimal amount, e.g. 1200.00.")
@click.option("--currency", required=True, metavar="C", help="ISO 4217, e.g. EUR.")
@click.option("--paid-on", required=True, metavar="DATE", help="YYYY-MM-DD.")
@click.option("--reference", help="The payment's reference (kept private).")
@click.option("--attach", "attachments", multiple=True, metavar="FILE", help="A receipt, an invoice (repeatable).")
@pass_ctx
def record_payment(obj: Context, work_prefix: str, as_key: str, occurred: str | None, duration: float | None,
                   as_json: bool, licence: str, amount: str, currency: str, paid_on: str, reference: str | None,
                   attachments: tuple[str, ...]) -> None:
    """A payment against a licence of the work."""

    def build(b: DraftBuilder, book: Ledger) -> list[EventDraft]:
        body: dict[str, Any] = {"licence": bytes(book.resolve_event(licence)), "amount": amount,
                                "currency": currency, "paid_on": paid_on}
        b.draft("payment", dict(body), {"reference": reference}, _when(occurred))  # check before storing files
        if attachments:
            body["attachments"] = b.attachments(attachments)
        return [b.draft("payment", body, {"reference": reference}, _when(occurred))]

    _append(obj, work_prefix, as_key, duration, as_json, build)


@record.command("usage")
@record_options
@click.option("--licence", metavar="EVENT", help="The licence the use is made under.")
@click.option("--production", required=True, metavar="TITLE", help="The film, drama, game or programme.")
@click.option("--episode", type=click.IntRange(min=0), metavar="N", help="The episode, for a series.")
@click.option("--platform", required=True, metavar="P", help="Where it is shown or sold.")
@click.option("--territory", required=True, metavar="CC", help="ISO 3166-1 alpha-2 country code.")
@click.option("--media", required=True, type=click.Choice(MEDIA), metavar="M",
              help=f"The kind of use: {', '.join(MEDIA)}.")
@click.option("--date", "on", required=True, metavar="DATE", help="YYYY-MM-DD.")
@click.option("--asset", metavar="FILE", help="The audio used.")
@pass_ctx
def record_usage(obj: Context, work_prefix: str, as_key: str, occurred: str | None, duration: float | None,
                 as_json: bool, licence: str | None, production: str, episode: int | None, platform: str,
                 territory: str, media: str, on: str, asset: str | None) -> None:
    """A use of the music. Recorded even when not covered (the record is the fact); a warning
    says when the ledger can already see it is not (no licence, or outside its territory,
    media or term)."""

    def build(b: DraftBuilder, book: Ledger) -> list[EventDraft]:
        body: dict[str, Any] = {"production": production, "platform": platform, "territory": territory.upper(),
                                "media": media, "date": on}
        if licence is not None:
            body["licence"] = bytes(book.resolve_event(licence))
        if episode is not None:
            body["episode"] = episode
        if asset is not None:
            body["asset"] = b.asset(asset)
        return [b.draft("usage", body, {}, _when(occurred))]

    def warn(book: Ledger, drafts: list[EventDraft]) -> None:
        reasons = usage_coverage(book, drafts[0].body)
        if reasons:
            words = "; ".join(COVERAGE_WORDS.get(reason, reason) for reason in reasons)
            click.echo(inert(f"{PROG}: warning: recorded, but not covered: {words} ({', '.join(reasons)})"),
                       err=True)

    _append(obj, work_prefix, as_key, duration, as_json, build, warn)


MAX_JSON_FILE = 256 << 20  # a JSON event file or a batch: 256 MiB at most


@record.command("event")
@record_options
@click.option("--file", "event_file", required=True, type=click.Path(path_type=Path),
              metavar="EVENT.json", help="The JSON event: one object (the format: record batch --help).")
@pass_ctx
def record_event(obj: Context, work_prefix: str, as_key: str, occurred: str | None,
                 duration: float | None, as_json: bool, event_file: Path) -> None:
    """Any event type as JSON: {"type": T, "body": {...}, "occurred": ISO-8601?}."""
    document = parse_json_event(read_text_file(event_file, "--file", limit=MAX_JSON_FILE), str(event_file))
    if occurred and isinstance(document, dict):
        document = {**document, "occurred": occurred}
    _append(obj, work_prefix, as_key, duration, as_json,
            lambda b, _: [b.from_json(document, where=str(event_file))])


BATCH_EXAMPLE = (
    '{"type": "note", "body": {"text": "first idea"}, "occurred": "2026-11-20T14:30:00+08:00"}\n'
    '{"type": "human-input", "body": {"output": "vocal.wav", "layer": "vocals", "note": "take 3"}}'
)


@record.command("batch", help=f"""Many JSON events, one a line, appended in one transaction: all or nothing.

Each line is one object: "type" (any event type but work.created), "body" (the type's fields
as in spec/event-types.md, private fields such as prompt, note or text in the clear: they are
committed, not stored) and an optional "occurred" (ISO 8601 with a zone). Assets are file paths
(hashed by the writer) or {{"sha256", "size", "media_type"}} objects; of, about and licence are
event ids or unique prefixes. Blank lines are skipped; a bad line exits 2 naming its line
number, and nothing is recorded. For example:

\b
{BATCH_EXAMPLE}

Prints one summary line (--json: every event's id and seq). The full format: spec/json-events.md.""")
@record_options
@click.option("--file", "batch_file", required=True, type=click.Path(path_type=Path),
              metavar="EVENTS.jsonl", help="The JSON Lines file: one event object a line.")
@quiet_option
@pass_ctx
def record_batch(obj: Context, work_prefix: str, as_key: str, occurred: str | None,
                 duration: float | None, as_json: bool, batch_file: Path, quiet: bool) -> None:
    lines = read_text_file(batch_file, "--file", limit=MAX_JSON_FILE).splitlines()

    def build(b: DraftBuilder, progress: TerminalProgress | None) -> list[EventDraft]:
        drafts = []
        for number, line in enumerate(lines, start=1):
            if progress is not None and not number % PROGRESS_EVERY:
                progress(number, len(lines))
            if not line.strip():
                continue
            where = f"{batch_file} line {number}"
            try:
                document = parse_json_event(line, where)
            except LedgerError as e:
                raise fail(str(e)) from e
            if occurred and isinstance(document, dict) and "occurred" not in document:
                document["occurred"] = occurred
            try:
                drafts.append(b.from_json(document, where=where))
            except LedgerError as e:
                raise fail(str(e) if str(e).startswith(where) else f"{where}: {e}") from e
        if not drafts:
            raise fail(f"{batch_file} holds no events")
        return drafts

    silent = quiet or as_json
    with obj.ledger() as book:
        work_id = book.resolve_work(work_prefix)
        with stderr_progress("reading", quiet=silent) as progress:
            drafts = build(DraftBuilder(book, duration=duration), progress)
        signer = obj.signer(as_key)  # any passphrase prompt between the two progress lines
        with stderr_progress("signing", quiet=silent) as progress:
            try:
                results = book.append_batch(work_id, signer, drafts, progress=progress)
            except LedgerError as e:
                raise fail(f"{batch_file}: {e}") from e
    if as_json:
        emit_json([{"event": r.hash, "seq": r.seq} for r in results])
        return
    click.echo(f"appended {plural(len(results), 'event')} to work {work_id.hex()[:16]} "
               f"(#{results[0].seq}–#{results[-1].seq}); head {results[-1].hash.hex()}")


@click.command("forget")
@click.argument("event_prefix", metavar="EVENT")
@click.argument("field_name", metavar="FIELD")
@click.option("--as", "as_key", required=True, metavar="KEY", help="The key that signs the note of the erasure.")
@json_option
@pass_ctx
def forget(obj: Context, event_prefix: str, field_name: str, as_key: str, as_json: bool) -> None:
    """Erase one private field's salt and plaintext from the ledger (privacy-law erasure). The
    commitment stays, so every chain and bundle still verifies; the field can no longer be
    disclosed. The erasure is recorded as a note naming the event and field, never the value.
    The ledger must not be open in another process meanwhile (its file is compacted)."""
    if field_name not in PRIVATE_FIELDS:
        raise fail(f"{field_name!r} is not a private field (one of {', '.join(sorted(PRIVATE_FIELDS))})")
    with obj.ledger() as book:
        digest = book.resolve_event(event_prefix)
        signer = obj.signer(as_key)
        result = book.forget(digest, field_name, signer)
    if as_json:
        emit_json({"event": digest, "field": field_name, "forgotten": True,
                   "note": {"event": result.hash, "seq": result.seq} if result else None})
    elif result is None:
        click.echo(f"the {field_name} of event {digest.hex()[:16]} was forgotten already; the ledger file was "
                   "compacted again")
    else:
        click.echo(f"forgot the {field_name} of event {digest.hex()[:16]}; recorded note #{result.seq} "
                   f"{result.hash.hex()}")

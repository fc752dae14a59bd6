"""``provenote record``: sign one event (or one batch) into a work's chain."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from cli.context import Context, emit_json, fail, pass_ctx, read_text_file
from cli.log import anchor_after_release
from ledger import (
    DraftBuilder,
    EventDraft,
    Ledger,
    LedgerError,
    parse_json_event,
    parse_params,
    parse_segment,
    parse_time,
)
from verifier.format import EDIT_KINDS, INPUT_LAYERS


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
            build: Callable[[DraftBuilder, Ledger], list[EventDraft]]) -> None:
    with obj.ledger() as book:
        work_id = book.resolve_work(work_prefix)
        drafts = build(DraftBuilder(book, duration=duration), book)
        results = book.append_batch(work_id, obj.signer(as_key), drafts)
    if as_json:
        if len(results) == 1:
            emit_json({"event": results[0].hash, "seq": results[0].seq})
        else:
            emit_json([{"event": r.hash, "seq": r.seq} for r in results])
        return
    if len(results) > 1:  # a batch: one line, not one per event (--json lists them)
        click.echo(f"recorded {len(results)} events, #{results[0].seq} to #{results[-1].seq}; "
                   f"head {results[-1].hash.hex()}")
        return
    for draft, result in zip(drafts, results, strict=True):
        click.echo(f"recorded {draft.type} #{result.seq} {result.hash.hex()}")


def _when(occurred: str | None) -> int | None:
    return parse_time(occurred) if occurred else None


@record.command("generation")
@record_options
@click.option("--model", required=True)
@click.option("--model-version")
@click.option("--provider")
@click.option("--prompt")
@click.option("--prompt-file", type=click.Path(path_type=Path))
@click.option("--negative-prompt")
@click.option("--seed", type=int)
@click.option("--param", "params", multiple=True, metavar="K=V")
@click.option("--input", "inputs", multiple=True, metavar="FILE")
@click.option("--output", "outputs", multiple=True, required=True, metavar="FILE")
@pass_ctx
def record_generation(obj: Context, work_prefix: str, as_key: str, occurred: str | None,
                      duration: float | None, as_json: bool, model: str, model_version: str | None,
                      provider: str | None, prompt: str | None, prompt_file: Path | None,
                      negative_prompt: str | None, seed: int | None, params: tuple[str, ...],
                      inputs: tuple[str, ...], outputs: tuple[str, ...]) -> None:
    """An AI generation: model, prompt (kept private), seed, parameters, inputs and outputs."""
    if (prompt is None) == (prompt_file is None):
        raise fail("give exactly one of --prompt and --prompt-file")
    if prompt_file is not None:
        prompt = read_text_file(prompt_file, "--prompt-file", limit=1 << 20)

    def build(b: DraftBuilder, _: Ledger) -> list[EventDraft]:
        body: dict[str, Any] = {"model": model, "outputs": b.assets(outputs)}
        for name, value in (("model_version", model_version), ("provider", provider), ("seed", seed)):
            if value is not None:
                body[name] = value
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
@click.option("--param", "params", multiple=True, required=True, metavar="K=V")
@click.option("--output", "outputs", multiple=True, required=True, metavar="FILE")
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
@click.option("--candidate", "candidates", multiple=True, required=True, metavar="FILE")
@click.option("--chosen", required=True, metavar="FILE")
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
@click.option("--input", "inputs", multiple=True, required=True, metavar="FILE")
@click.option("--output", required=True, metavar="FILE")
@click.option("--kind", required=True, type=click.Choice(EDIT_KINDS))
@click.option("--segment", "segments", multiple=True, metavar="START-END",
              help="Seconds of the output's timeline the edit covers.")
@click.option("--stem", "stems", multiple=True, metavar="NAME")
@click.option("--tool")
@click.option("--minutes", type=click.IntRange(min=0))
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
@click.option("--output", required=True, metavar="FILE")
@click.option("--layer", required=True, type=click.Choice(INPUT_LAYERS))
@click.option("--segment", "segments", multiple=True, metavar="START-END")
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
@click.option("--tool", required=True)
@click.option("--function", "function", required=True, help="e.g. mastering, denoise, stem-separation")
@click.option("--input", "inputs", multiple=True, required=True, metavar="FILE")
@click.option("--output", "outputs", multiple=True, required=True, metavar="FILE")
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
@click.option("--output", required=True, metavar="FILE")
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
@click.option("--asset", required=True, metavar="FILE")
@click.option("--isrc")
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
@click.option("--statement", required=True)
@pass_ctx
def record_attestation(obj: Context, work_prefix: str, as_key: str, occurred: str | None,
                       duration: float | None, as_json: bool, about: str, statement: str) -> None:
    """Another party's signed statement about an earlier event (a provider, a supervisor, a notary)."""

    def build(b: DraftBuilder, book: Ledger) -> list[EventDraft]:
        body = {"about": bytes(book.resolve_event(about)), "statement": statement}
        return [b.draft("attestation", body, {}, _when(occurred))]

    _append(obj, work_prefix, as_key, duration, as_json, build)


MAX_JSON_FILE = 256 << 20  # a JSON event file or a batch: 256 MiB at most


@record.command("event")
@record_options
@click.option("--file", "event_file", required=True, type=click.Path(path_type=Path),
              metavar="EVENT.json")
@pass_ctx
def record_event(obj: Context, work_prefix: str, as_key: str, occurred: str | None,
                 duration: float | None, as_json: bool, event_file: Path) -> None:
    """Any event type as JSON: {"type": T, "body": {...}, "occurred": ISO-8601?}."""
    document = parse_json_event(read_text_file(event_file, "--file", limit=MAX_JSON_FILE), str(event_file))
    if occurred and isinstance(document, dict):
        document = {**document, "occurred": occurred}
    _append(obj, work_prefix, as_key, duration, as_json,
            lambda b, _: [b.from_json(document, where=str(event_file))])


@record.command("batch")
@record_options
@click.option("--file", "batch_file", required=True, type=click.Path(path_type=Path),
              metavar="EVENTS.jsonl")
@pass_ctx
def record_batch(obj: Context, work_prefix: str, as_key: str, occurred: str | None,
                 duration: float | None, as_json: bool, batch_file: Path) -> None:
    """Many JSON events, one a line, appended in one transaction: all or nothing."""
    lines = read_text_file(batch_file, "--file", limit=MAX_JSON_FILE).splitlines()

    def build(b: DraftBuilder, _: Ledger) -> list[EventDraft]:
        drafts = []
        for number, line in enumerate(lines, start=1):
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

    try:
        _append(obj, work_prefix, as_key, duration, as_json, build)
    except LedgerError as e:
        raise fail(f"{batch_file}: {e}") from e

"""The ``provenote`` command line: parse, call the ledger or the verifier, print.

Exit codes (every command): 0 success or valid, 1 verification failed, 2 usage error or
unreadable input. Errors are one line on stderr: ``provenote: error: …``.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click
import lmdb

from ledger import (
    DraftBuilder,
    EventDraft,
    KeyStore,
    Ledger,
    LedgerError,
    Signer,
    parse_params,
    parse_segment,
    parse_time,
)
from verifier._internal.errors import ProvenoteError, VerificationFailure
from verifier._internal.event import format_time
from verifier._internal.types import EDIT_KINDS, INPUT_LAYERS

PROG = "provenote"


class CliError(click.ClickException):
    """A one-line usage or input error (exit 2)."""

    exit_code = 2


def fail(message: str) -> CliError:
    return CliError(message)


def default_keys_dir() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "provenote" / "keys"


@dataclass
class Context:
    ledger_dir: Path
    keys_dir: Path
    passphrase_file: Path | None
    _signers: dict[str, Signer] = field(default_factory=dict)

    @property
    def keys(self) -> KeyStore:
        return KeyStore(self.keys_dir)

    def passphrase(self, *, confirm: bool = False) -> str:
        if self.passphrase_file is not None:
            try:
                return self.passphrase_file.read_text().rstrip("\r\n")
            except OSError as e:
                raise fail(f"cannot read --passphrase-file {self.passphrase_file}: {e.strerror}") from e
        value = os.environ.get("PROVENOTE_PASSPHRASE")
        if value is not None:
            return value
        if not sys.stdin.isatty():
            raise fail("no passphrase: set PROVENOTE_PASSPHRASE or use --passphrase-file")
        return str(click.prompt("Passphrase", hide_input=True, confirmation_prompt=confirm, err=True))

    def signer(self, name: str) -> Signer:
        if name not in self._signers:
            self.keys.info(name)  # a missing key is reported before asking for a passphrase
            self._signers[name] = self.keys.unlock(name, self.passphrase())
        return self._signers[name]

    @contextmanager
    def ledger(self) -> Iterator[Ledger]:
        book = Ledger.open(self.ledger_dir)
        try:
            yield book
        finally:
            book.close()


pass_ctx = click.make_pass_decorator(Context)


def to_json(value: Any) -> Any:
    """Bytes as lowercase hex, recursively."""
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, dict):
        return {str(k): to_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_json(v) for v in value]
    return value


def emit_json(value: Any) -> None:
    click.echo(json.dumps(to_json(value), indent=2, ensure_ascii=False))


json_option = click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option("--ledger", "ledger_dir", type=click.Path(path_type=Path), envvar="PROVENOTE_LEDGER",
              default=Path(".provenote"), show_default=True, help="Ledger directory (env PROVENOTE_LEDGER).")
@click.option("--keys", "keys_dir", type=click.Path(path_type=Path), envvar="PROVENOTE_KEYS", default=None,
              help="Key directory (env PROVENOTE_KEYS; default $XDG_CONFIG_HOME/provenote/keys).")
@click.option("--passphrase-file", type=click.Path(path_type=Path), default=None,
              help="Read the key passphrase from this file (else env PROVENOTE_PASSPHRASE, else a prompt).")
@click.version_option(package_name="provenote", prog_name=PROG)
@click.pass_context
def app(ctx: click.Context, ledger_dir: Path, keys_dir: Path | None, passphrase_file: Path | None) -> None:
    """provenote: a signed, hash-chained provenance ledger for AI-assisted music."""
    ctx.obj = Context(ledger_dir, keys_dir or default_keys_dir(), passphrase_file)


@app.command()
@json_option
@pass_ctx
def init(obj: Context, as_json: bool) -> None:
    """Create an empty ledger in the ledger directory."""
    Ledger.init(obj.ledger_dir).close()
    if as_json:
        emit_json({"ledger": str(obj.ledger_dir)})
    else:
        click.echo(f"initialised an empty ledger in {obj.ledger_dir}")


# -- keys -------------------------------------------------------------------------------------

@app.group()
def key() -> None:
    """Create, list and export signing keys."""


@key.command("new")
@click.argument("name")
@click.option("--role", default="creator", show_default=True, help="What the key's holder does.")
@json_option
@pass_ctx
def key_new(obj: Context, name: str, role: str, as_json: bool) -> None:
    """Generate an Ed25519 key, encrypted under a passphrase (scrypt + ChaCha20-Poly1305)."""
    info = obj.keys.create(name, role, obj.passphrase(confirm=True))
    if as_json:
        emit_json({"name": info.name, "role": info.role, "key_id": info.key_id,
                   "public_key": info.public_key})
    else:
        click.echo(f"created key {info.name} ({info.role}) {info.key_id.hex()}")


@key.command("list")
@json_option
@pass_ctx
def key_list(obj: Context, as_json: bool) -> None:
    """List the keys in the key directory."""
    infos = obj.keys.list()
    if as_json:
        emit_json([{"name": i.name, "role": i.role, "key_id": i.key_id, "public_key": i.public_key}
                   for i in infos])
        return
    for i in infos:
        click.echo(f"{i.name:20} {i.role:12} {i.key_id.hex()}")


@key.command("export")
@click.argument("name")
@json_option
@pass_ctx
def key_export(obj: Context, name: str, as_json: bool) -> None:
    """Print a key's public half (PEM), to give to an auditor as a trusted key."""
    info = obj.keys.info(name)
    if as_json:
        emit_json({"name": info.name, "role": info.role, "key_id": info.key_id,
                   "public_key": info.public_key})
    else:
        click.echo(info.pem(), nl=False)


# -- works ------------------------------------------------------------------------------------

@app.group()
def work() -> None:
    """Create and list works."""


@work.command("new")
@click.option("--title", required=True)
@click.option("--as", "as_key", required=True, metavar="KEY", help="Name of the signing key.")
@click.option("--isrc")
@click.option("--iswc")
@click.option("--occurred", metavar="TIME", help="When the work was begun, if earlier (ISO 8601).")
@json_option
@pass_ctx
def work_new(obj: Context, title: str, as_key: str, isrc: str | None, iswc: str | None,
             occurred: str | None, as_json: bool) -> None:
    """Start a work: its signed work.created event's hash becomes the work id."""
    when = parse_time(occurred) if occurred else None
    with obj.ledger() as book:
        result = book.create_work(obj.signer(as_key), title, isrc=isrc, iswc=iswc, occurred=when)
    if as_json:
        emit_json({"work": result.work, "event": result.hash})
    else:
        click.echo(f"work {result.work.hex()}  {title}")


@work.command("list")
@json_option
@pass_ctx
def work_list(obj: Context, as_json: bool) -> None:
    """List the works in the ledger."""
    with obj.ledger() as book:
        works = book.works()
    if as_json:
        emit_json([{"work": w.work, "title": w.title, "events": w.events, "head": w.head,
                    "created": format_time(w.created)} for w in works])
        return
    for w in works:
        click.echo(f"{w.work.hex()}  {w.events:6} events  {w.title}")


# -- record -----------------------------------------------------------------------------------

@app.group()
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
        try:
            prompt = prompt_file.read_text()
        except (OSError, UnicodeDecodeError) as e:
            raise fail(f"cannot read --prompt-file {prompt_file}: {e}") from e

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


@record.command("event")
@record_options
@click.option("--file", "event_file", required=True, type=click.Path(path_type=Path),
              metavar="EVENT.json")
@pass_ctx
def record_event(obj: Context, work_prefix: str, as_key: str, occurred: str | None,
                 duration: float | None, as_json: bool, event_file: Path) -> None:
    """Any event type as JSON: {"type": T, "body": {...}, "occurred": ISO-8601?}."""
    from ledger._internal.drafts import load_json_event

    document = load_json_event(event_file)
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
    try:
        lines = batch_file.read_text().splitlines()
    except FileNotFoundError as e:
        raise fail(f"file not found: {batch_file}") from e
    except (OSError, UnicodeDecodeError) as e:
        raise fail(f"cannot read {batch_file}: {e}") from e

    def build(b: DraftBuilder, _: Ledger) -> list[EventDraft]:
        drafts = []
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            where = f"{batch_file} line {number}"
            try:
                document = json.loads(line)
            except ValueError as e:
                raise fail(f"{where}: invalid JSON ({e})") from e
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


# -- reading ----------------------------------------------------------------------------------

@app.command()
@click.argument("work_prefix", metavar="WORK")
@json_option
@pass_ctx
def log(obj: Context, work_prefix: str, as_json: bool) -> None:
    """Show a work's chain in order."""
    names = {i.public_key: i.name for i in obj.keys.list()} if obj.keys_dir.is_dir() else {}
    with obj.ledger() as book:
        work_id = book.resolve_work(work_prefix)
        rows: list[dict[str, Any]] = []
        for stored in book.chain(work_id):
            p = stored.event.payload
            rows.append({"hash": stored.event.hash, "seq": p.seq, "prev": p.prev, "type": p.type,
                         "time": format_time(p.time),
                         "occurred": format_time(p.occurred) if p.occurred is not None else None,
                         "signer": p.signer, "signer_name": names.get(p.signer), "body": dict(p.body),
                         "private_fields": sorted(p.commitments)})
    if as_json:
        emit_json(rows)
        return
    for row in rows:
        who = row["signer_name"] or row["signer"].hex()[:16]
        private = f"  private: {', '.join(row['private_fields'])}" if row["private_fields"] else ""
        click.echo(f"#{row['seq']:<4} {row['time']}  {row['type']:15} {row['hash'].hex()[:16]}  "
                   f"by {who}{private}")


@app.command()
@json_option
@pass_ctx
def check(obj: Context, as_json: bool) -> None:
    """Re-verify every chain in the ledger: encoding, hashes, links, signatures."""
    with obj.ledger() as book:
        try:
            works, events = book.check()
        except VerificationFailure as e:
            if as_json:
                emit_json({"valid": False, "works": None, "events": None,
                           "error": {"code": e.code, "event": e.event, "message": e.message}})
            click.echo(f"{PROG}: error: check failed: {e.code}: {e.message}", err=True)
            raise SystemExit(1) from e
    if as_json:
        emit_json({"valid": True, "works": works, "events": events, "error": None})
    else:
        click.echo(f"ok: {works} works, {events} events verified")


# -- bundles ------------------------------------------------------------------------------------

@app.command()
@click.argument("work_prefix", metavar="WORK")
@click.option("-o", "--output", "out", required=True, type=click.Path(path_type=Path), metavar="FILE")
@click.option("--as", "as_key", required=True, metavar="KEY", help="The exporting key (signs the trailer).")
@click.option("--disclose", multiple=True, metavar="FIELD|EVENT:FIELD",
              help="Disclose a private field for every event (prompt) or for one event (EVENT:prompt).")
@click.option("--disclose-all", is_flag=True, help="Disclose every private field.")
@click.option("--assets-from", type=click.Path(path_type=Path), metavar="DIR",
              help="Embed the work's assets found in DIR (matched by hash).")
@json_option
@pass_ctx
def export(obj: Context, work_prefix: str, out: Path, as_key: str, disclose: tuple[str, ...], disclose_all: bool,
           assets_from: Path | None, as_json: bool) -> None:
    """Write a self-contained evidence bundle for one work."""
    from ledger._internal.export import export_bundle, parse_disclosures

    with obj.ledger() as book:
        work_id = book.resolve_work(work_prefix)
        request = parse_disclosures(book, disclose, disclose_all)
        result = export_bundle(book, work_id, obj.signer(as_key), out, disclose=request, assets_from=assets_from)
    if as_json:
        emit_json({"bundle": str(result.path), "sha256": result.sha256, "size": result.size,
                   "events": result.events, "keys": result.keys, "disclosures": result.disclosures,
                   "assets_embedded": result.assets_embedded, "assets_missing": result.assets_missing})
        return
    click.echo(f"wrote {result.path}: {result.events} events, {result.keys} keys, {result.disclosures} disclosures, "
               f"{result.assets_embedded} assets embedded ({result.assets_missing} not found), {result.size} bytes")
    click.echo(f"sha256 {result.sha256.hex()}")


@app.command(context_settings={"ignore_unknown_options": True, "allow_extra_args": True,
                               "help_option_names": []})
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def verify(args: tuple[str, ...]) -> None:
    """Verify a bundle offline (same as provenote-verify; see provenote-verify --help)."""
    from verifier.cli import run

    raise SystemExit(run(list(args)))


@app.command()
@click.argument("folder", required=False, type=click.Path(path_type=Path), default=Path("night-market"))
@json_option
def demo(folder: Path, as_json: bool) -> None:
    """Build the "Night Market" story in FOLDER (default ./night-market), export and verify it."""
    from ledger._internal.demo import DEMO_PASSPHRASE, run_demo
    from verifier._internal.verify import BundleVerifier
    from verifier.cli import load_trusted_key, render_text, write_report

    result = run_demo(folder)
    trusted = [load_trusted_key(p) for p in result.trust_files]
    report = BundleVerifier(trusted_keys=trusted, assets_dir=result.audio).run(result.bundle.path)
    reports = {lang: folder / name for lang, name in (("en", "report.html"), ("zh", "report-zh.html"))}
    for lang, path in reports.items():
        write_report(report, path, lang)
    if as_json:
        emit_json({"folder": str(folder), "work": result.work, "bundle": str(result.bundle.path),
                   "reports": {k: str(v) for k, v in reports.items()}, "verification": report.to_json()})
        raise SystemExit(report.exit_code)
    click.echo(f"Night Market — a 60 s cue for episode 3 of a micro-drama, built in {folder}/\n")
    for step in result.steps:
        click.echo(f"  {step}")
    click.echo(f"\nexported {result.bundle.path} ({result.bundle.size} bytes, {result.bundle.events} events, "
               f"prompt disclosed, {result.bundle.assets_embedded} audio files embedded)")
    click.echo("verified it offline, trusting mei, jun and cuegen-logs:\n")
    click.echo("  " + render_text(report).replace("\n", "\n  "))
    click.echo(f"\nreport for a court: {reports['en']} (Chinese: {reports['zh']}); open it in a browser")
    trust = " ".join(f"--trust {p}" for p in result.trust_files)
    click.echo(f"\ntry:  provenote-verify {result.bundle.path} {trust}")
    click.echo(f"      provenote --ledger {result.ledger} --keys {result.keys} log {result.work.hex()[:12]}")
    click.echo(f"keys: {result.keys}/ (demo passphrase: {DEMO_PASSPHRASE!r}; for this demo only)")
    raise SystemExit(report.exit_code)


def main(argv: list[str] | None = None) -> None:
    """Entry point: run the app and turn every failure into one line and an exit code."""
    try:
        code = app.main(args=argv, prog_name=PROG, standalone_mode=False)
    except click.exceptions.Abort:
        click.echo(f"{PROG}: error: aborted", err=True)
        sys.exit(2)
    except click.ClickException as e:
        click.echo(f"{PROG}: error: {e.format_message()}", err=True)
        sys.exit(2)
    except VerificationFailure as e:
        click.echo(f"{PROG}: error: {e.code}: {e.message}", err=True)
        sys.exit(2)
    except ProvenoteError as e:
        click.echo(f"{PROG}: error: {e}", err=True)
        sys.exit(2)
    except lmdb.Error as e:
        click.echo(f"{PROG}: error: ledger storage: {e}", err=True)
        sys.exit(2)
    except OSError as e:
        click.echo(f"{PROG}: error: {e.strerror or e}: {e.filename or ''}".rstrip(": "), err=True)
        sys.exit(2)
    except KeyboardInterrupt:
        click.echo(f"{PROG}: error: interrupted", err=True)
        sys.exit(2)
    sys.exit(code if isinstance(code, int) else 0)

"""``provenote work``: start and list works."""

from __future__ import annotations

import click

from cli.context import Context, emit_json, json_option, pass_ctx
from cli.words import plural
from ledger import parse_time
from verifier.format import format_time
from verifier.render import inert


@click.group()
def work() -> None:
    """Create and list works."""


@work.command("new")
@click.option("--title", required=True, help="The work's title (WORK may name the work by it).")
@click.option("--as", "as_key", required=True, metavar="KEY", help="Name of the signing key.")
@click.option("--isrc", metavar="CODE", help="The recording's ISRC, if it has one.")
@click.option("--iswc", metavar="CODE", help="The composition's ISWC, if it has one.")
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
        click.echo(inert(f"work {result.work.hex()}  {title}"))


@work.command("list")
@json_option
@pass_ctx
def work_list(obj: Context, as_json: bool) -> None:
    """List the works in the ledger."""
    with obj.readonly_ledger() as book:
        works = book.works()
    if as_json:
        emit_json([{"work": w.work, "title": w.title, "events": w.events, "head": w.head,
                    "created": format_time(w.created)} for w in works])
        return
    for w in works:
        click.echo(inert(f"{w.work.hex()}  {plural(w.events, 'event'):>14}  {w.title}"))

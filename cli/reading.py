"""``provenote log`` and ``provenote check``: read a chain, re-verify the ledger."""

from __future__ import annotations

import collections
import itertools
import json
from collections.abc import Iterable
from typing import Any

import click

from cli.context import PROG, Context, emit_json, fail, json_option, pass_ctx, to_json
from cli.progress import quiet_option, stderr_progress
from cli.words import plural
from ledger import StoredEvent, parse_time
from verifier.format import EVENT_TYPES, VerificationFailure, format_time
from verifier.render import inert


@click.command()
@click.argument("work_prefix", metavar="WORK")
@click.option("--limit", type=click.IntRange(min=0), metavar="N", help="Show at most the first N matching events.")
@click.option("--tail", type=click.IntRange(min=0), metavar="N", help="Show only the last N matching events.")
@click.option("--type", "types", multiple=True, type=click.Choice(sorted(EVENT_TYPES)), metavar="TYPE",
              help="Only events of this type (repeatable).")
@click.option("--since", metavar="TIME", help="Only events recorded at or after TIME (ISO 8601 with a zone).")
@click.option("--jsonl", is_flag=True, help="One JSON object a line, streamed (for tools and large chains).")
@json_option
@pass_ctx
def log(obj: Context, work_prefix: str, limit: int | None, tail: int | None, types: tuple[str, ...],
        since: str | None, jsonl: bool, as_json: bool) -> None:
    """Show a work's chain in order: the whole chain, or the events the options select. --json
    prints one array; --jsonl one object a line, as it reads (memory does not grow with the chain)."""
    if as_json and jsonl:
        raise fail("give --json or --jsonl, not both")
    since_us = parse_time(since) if since else None
    names = {i.public_key: i.name for i in obj.keys.list()} if obj.keys_dir.is_dir() else {}
    wanted = frozenset(types)
    rows: Iterable[dict[str, Any]]
    with obj.readonly_ledger() as book:
        work_id = book.resolve_work(work_prefix)
        selected: Iterable[dict[str, Any]] = (
            row for row in (_row(stored, names) for stored in book.chain(work_id))
            if (not wanted or row["type"] in wanted) and (since_us is None or row["time_us"] >= since_us))
        if limit is not None:
            selected = itertools.islice(selected, limit)
        rows = collections.deque(selected, maxlen=tail) if tail is not None else selected
        if jsonl:
            for row in rows:
                click.echo(json.dumps(to_json(_public(row)), ensure_ascii=False))
            return
        listed = [_public(row) for row in rows]
    if as_json:
        emit_json(listed)
        return
    for row in listed:
        who = row["signer_name"] or row["signer"].hex()[:16]
        private = f"  private: {', '.join(row['private_fields'])}" if row["private_fields"] else ""
        click.echo(inert(f"#{row['seq']:<4} {row['time']}  {row['type']:15} {row['hash'].hex()[:16]}  "
                         f"by {who}{private}"))


def _row(stored: StoredEvent, names: dict[bytes, str]) -> dict[str, Any]:
    p = stored.event.payload
    return {"hash": stored.event.hash, "seq": p.seq, "prev": p.prev, "type": p.type, "time": format_time(p.time),
            "occurred": format_time(p.occurred) if p.occurred is not None else None, "signer": p.signer,
            "signer_name": names.get(p.signer), "body": dict(p.body), "private_fields": sorted(p.commitments),
            "time_us": p.time}


def _public(row: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in row.items() if k != "time_us"}


@click.command()
@quiet_option
@json_option
@pass_ctx
def check(obj: Context, quiet: bool, as_json: bool) -> None:
    """Re-verify every chain in the ledger: encoding, hashes, links, signatures, and its log.
    Exit 1 on the first defect."""
    failure: VerificationFailure | None = None
    with obj.readonly_ledger() as book, stderr_progress("checking", quiet=quiet or as_json) as progress:
        try:
            works, events = book.check(progress)
        except VerificationFailure as e:
            failure = e
    if failure is not None:
        if as_json:
            emit_json({"valid": False, "works": None, "events": None,
                       "error": {"code": failure.code, "event": failure.event, "message": failure.message}})
        click.echo(inert(f"{PROG}: error: check failed: {failure.code}: {failure.message}"), err=True)
        raise SystemExit(1) from failure
    if as_json:
        emit_json({"valid": True, "works": works, "events": events, "error": None})
    else:
        click.echo(f"ok: {plural(works, 'work')}, {plural(events, 'event')} verified")

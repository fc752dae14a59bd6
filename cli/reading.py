"""``provenote log`` and ``provenote check``: read a chain, re-verify the ledger."""

from __future__ import annotations

from typing import Any

import click

from cli.context import PROG, Context, emit_json, json_option, pass_ctx
from verifier.format import VerificationFailure, format_time
from verifier.render import inert


@click.command()
@click.argument("work_prefix", metavar="WORK")
@json_option
@pass_ctx
def log(obj: Context, work_prefix: str, as_json: bool) -> None:
    """Show a work's chain in order."""
    names = {i.public_key: i.name for i in obj.keys.list()} if obj.keys_dir.is_dir() else {}
    with obj.readonly_ledger() as book:
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
        click.echo(inert(f"#{row['seq']:<4} {row['time']}  {row['type']:15} {row['hash'].hex()[:16]}  "
                         f"by {who}{private}"))


@click.command()
@json_option
@pass_ctx
def check(obj: Context, as_json: bool) -> None:
    """Re-verify every chain in the ledger: encoding, hashes, links, signatures."""
    with obj.readonly_ledger() as book:
        try:
            works, events = book.check()
        except VerificationFailure as e:
            if as_json:
                emit_json({"valid": False, "works": None, "events": None,
                           "error": {"code": e.code, "event": e.event, "message": e.message}})
            click.echo(inert(f"{PROG}: error: check failed: {e.code}: {e.message}"), err=True)
            raise SystemExit(1) from e
    if as_json:
        emit_json({"valid": True, "works": works, "events": events, "error": None})
    else:
        click.echo(f"ok: {works} work{'' if works == 1 else 's'}, {events} event{'' if events == 1 else 's'} verified")

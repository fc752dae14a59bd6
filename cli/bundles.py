"""``provenote export`` and ``provenote verify``: evidence bundles out, and checked."""

from __future__ import annotations

from pathlib import Path

import click

from cli.context import Context, emit_json, json_option, pass_ctx
from ledger import export_bundle, parse_disclosures


@click.command()
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
    with obj.readonly_ledger() as book:
        work_id = book.resolve_work(work_prefix)
        request = parse_disclosures(book, disclose, disclose_all)
        result = export_bundle(book, work_id, obj.signer(as_key), out, disclose=request, assets_from=assets_from)
    if as_json:
        emit_json({"bundle": str(result.path), "sha256": result.sha256, "size": result.size,
                   "events": result.events, "keys": result.keys, "disclosures": result.disclosures,
                   "assets_embedded": result.assets_embedded, "assets_missing": result.assets_missing})
        return
    click.echo(f"wrote {result.path}: {result.events} events, {result.keys} keys, {result.disclosures} disclosures, "
               f"{result.assets_embedded} assets embedded ({result.assets_missing} not found or too large to embed), "
               f"{result.size} bytes")
    click.echo(f"sha256 {result.sha256.hex()}")


@click.command(context_settings={"ignore_unknown_options": True, "allow_extra_args": True,
                               "help_option_names": []})
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def verify(args: tuple[str, ...]) -> None:
    """Verify a bundle offline (same as provenote-verify; see provenote-verify --help)."""
    from verifier.cli import run

    raise SystemExit(run(list(args)))

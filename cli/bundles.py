"""``provenote export`` and ``provenote verify``: evidence bundles out, and checked."""

from __future__ import annotations

from pathlib import Path

import click

from cli.context import Context, emit_json, fail, json_option, pass_ctx
from cli.progress import quiet_option, stderr_progress
from cli.words import plural
from ledger import PackageResult, export_bundle, export_package, parse_disclosures


@click.command()
@click.argument("work_prefix", metavar="WORK")
@click.option("-o", "--output", "out", type=click.Path(path_type=Path), metavar="FILE",
              help="Write the evidence bundle to FILE.")
@click.option("--package", type=click.Path(path_type=Path), metavar="DIR",
              help="Write an evidence package for litigation instead: a BagIt bag in the new (or empty) folder "
                   "DIR holding the bundle, its report (en, zh), the attachments and the audio, sealed by --as.")
@click.option("--as", "as_key", required=True, metavar="KEY", help="The exporting key (signs the trailer).")
@click.option("--case", metavar="REF", help="The case reference to write in the package's bag-info.txt.")
@click.option("--disclose", multiple=True, metavar="FIELD|EVENT:FIELD",
              help="Disclose a private field for every event (prompt) or for one event (EVENT:prompt); "
                   "repeatable.")
@click.option("--disclose-all", is_flag=True, help="Disclose every private field.")
@click.option("--assets-from", type=click.Path(path_type=Path), metavar="DIR",
              help="Embed the work's assets found in DIR (matched by hash).")
@click.option("--attachments", is_flag=True,
              help="Embed the attachments (contracts, receipts, project files) the events name from the "
                   "ledger's attachment store.")
@quiet_option
@json_option
@pass_ctx
def export(obj: Context, work_prefix: str, out: Path | None, package: Path | None, as_key: str, case: str | None,
           disclose: tuple[str, ...], disclose_all: bool, assets_from: Path | None, attachments: bool,
           quiet: bool, as_json: bool) -> None:
    """Write a self-contained evidence bundle for one work (-o FILE), or an evidence package
    for litigation (--package DIR: spec/package.md). WORK is the work's id, a unique prefix of
    it (8+ hex characters) or its title."""
    if (out is None) == (package is None):
        raise fail("give -o FILE or --package DIR" + (", not both" if out is not None else ""))
    if case is not None and package is None:
        raise fail("--case goes with --package")
    with obj.readonly_ledger() as book:
        work_id = book.resolve_work(work_prefix)
        request = parse_disclosures(book, disclose, disclose_all)
        if package is not None:
            signer = obj.signer(as_key)  # any passphrase prompt before the progress line
            with stderr_progress("exporting", quiet=quiet or as_json) as progress:
                packaged = export_package(book, work_id, signer, package, case=case, disclose=request,
                                          assets_from=assets_from, attachments=attachments,
                                          reports=package_reports, progress=progress)
            _print_package(packaged, as_json)
            return
        assert out is not None
        signer = obj.signer(as_key)  # any passphrase prompt before the progress line
        with stderr_progress("exporting", quiet=quiet or as_json) as progress:
            result = export_bundle(book, work_id, signer, out, disclose=request, assets_from=assets_from,
                                   attachments=attachments, progress=progress)
    if as_json:
        emit_json({"bundle": str(result.path), "sha256": result.sha256, "size": result.size,
                   "events": result.events, "keys": result.keys, "disclosures": result.disclosures,
                   "assets_embedded": result.assets_embedded, "assets_missing": result.assets_missing})
        return
    click.echo(f"wrote {result.path}: {plural(result.events, 'event')}, {plural(result.keys, 'key')}, "
               f"{plural(result.disclosures, 'disclosure')}, {plural(result.assets_embedded, 'asset')} embedded "
               f"({result.assets_missing:,} not found or too large to embed), {plural(result.size, 'byte')}")
    click.echo(f"sha256 {result.sha256.hex()}")


def package_reports(bundle: Path, data: Path) -> list[tuple[str, bytes]]:
    """The package's reports: the verifier's HTML report of its bundle, in English and Chinese,
    with the package's files checked against the hashes the events name."""
    from verifier import Policy, verify_bundle
    from verifier.render import render_html

    report = verify_bundle(bundle, Policy(assets_dir=data))
    return [("report.html", render_html(report, "en").encode("utf-8")),
            ("report-zh.html", render_html(report, "zh").encode("utf-8"))]


def _print_package(result: PackageResult, as_json: bool) -> None:
    if as_json:
        emit_json({"package": str(result.path), "work": result.work, "bundle": str(result.bundle),
                   "sha256": result.bundle_sha256, "events": result.events, "disclosures": result.disclosures,
                   "attachments": result.attachments, "audio": result.audio,
                   "assets_missing": result.assets_missing, "files": result.files, "octets": result.octets})
        return
    click.echo(f"wrote {result.path}: a sealed BagIt package of {plural(result.files, 'file')} "
               f"({plural(result.octets, 'byte')}): the bundle ({plural(result.events, 'event')}, "
               f"{plural(result.disclosures, 'disclosure')}), its report (en, zh), "
               f"{plural(result.attachments, 'attachment')}, {plural(result.audio, 'audio file')} "
               f"({result.assets_missing:,} {'asset' if result.assets_missing == 1 else 'assets'} not found)")
    click.echo(f"check it with: provenote-verify --package {result.path}")


class _VerifierCommand(click.Command):
    """``provenote verify``: every argument goes to ``provenote-verify``, so --help prints the
    verifier's own help (its parser's), the same text as ``provenote-verify --help``."""

    def get_help(self, ctx: click.Context) -> str:
        from verifier.cli import build_parser

        return build_parser().format_help().rstrip("\n")


@click.command(cls=_VerifierCommand, add_help_option=False,
               context_settings={"ignore_unknown_options": True, "allow_extra_args": True})
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def verify(args: tuple[str, ...]) -> None:
    """Verify a bundle offline, as provenote-verify does (the same options; see --help)."""
    from verifier.cli import run

    raise SystemExit(run(list(args)))

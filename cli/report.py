"""``provenote report``: the verifier's report of a bundle as a PDF for a court — PDF/A-3b with the
bundle itself attached, so one file is both the readable report and the checkable evidence
(spec/report-pdf.md). Needs the extra ``provenote[pdf]`` (WeasyPrint, loaded only here)."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import click

from cli.context import emit_json, fail, json_option
from ledger import MAX_PDF_BUNDLE, attachment_name, write_report_pdf
from verifier import Policy, Report, read_regular_file, verify_bundle
from verifier.cli import load_trusted_key
from verifier.render import inert, render_html


@click.command("report")
@click.argument("bundle", type=click.Path(path_type=Path, dir_okay=False))
@click.option("-o", "--output", "out", type=click.Path(path_type=Path, dir_okay=False), required=True,
              metavar="FILE.pdf", help="Write the PDF here (required; replaced atomically).")
@click.option("--lang", type=click.Choice(["en", "zh"]), default="en", show_default=True,
              help="Language of the report.")
@click.option("--tz", "zone", metavar="ZONE", default="UTC", show_default=True,
              help="Show times in this IANA time zone (Asia/Shanghai, Europe/Paris) with their offset.")
@click.option("--trust", multiple=True, type=click.Path(path_type=Path, dir_okay=False), metavar="PUBKEY_FILE",
              help="A public key you trust (PEM, key export --json, or hex); repeatable.")
@click.option("--assets", type=click.Path(path_type=Path, file_okay=False), metavar="DIR",
              help="Check the asset files in DIR against the hashes the events name.")
@click.option("-v", "--verbose", is_flag=True, help="Show WeasyPrint's warnings (ignored CSS, font substitutions).")
@json_option
def report(bundle: Path, out: Path, lang: str, zone: str, trust: tuple[Path, ...], assets: Path | None,
           verbose: bool, as_json: bool) -> None:
    """Verify BUNDLE and write its report as a PDF/A-3b file with the bundle attached.

    The PDF is written for an invalid bundle too (its verdict says INVALID), and the exit code
    is then 1, as provenote-verify's. Check the PDF later with: provenote verify FILE.pdf
    """
    if assets is not None and not assets.is_dir():
        raise fail(f"--assets {assets} is not a directory")
    trusted = [load_trusted_key(path) for path in trust] or None
    data = read_regular_file(bundle, limit=MAX_PDF_BUNDLE, what="bundle")
    verdict = verify_bundle(io.BytesIO(data), Policy(trusted, assets_dir=assets))
    if not verdict.readable:
        fatal = verdict.fatal
        raise fail(f"{bundle}: not a readable bundle" + (f" ({fatal.code}: {fatal.message})" if fatal else ""))
    written = write_report_pdf(render_html(verdict, lang, tz=zone), data, out,
                               name=attachment_name(bundle), verbose=verbose)
    word = "valid" if verdict.valid else "INVALID"
    if as_json:
        emit_json({"pdf": str(written.path), "size": written.size, "variant": "PDF/A-3b",
                   "attachment": written.attachment, "sha256": verdict.bundle_sha256.hex(),
                   "valid": verdict.valid, "trusted": verdict.trusted})
    else:
        click.echo(inert(f"wrote {written.path}: PDF/A-3b, {written.size} bytes, the bundle attached as "
                         f"{written.attachment} (sha256 {verdict.bundle_sha256.hex()}); the bundle is {word}"))
    if not verdict.valid:
        click.echo(f"provenote: the bundle is INVALID ({_first_error(verdict)}); the report says so", err=True)
        sys.exit(1)


def _first_error(verdict: Report) -> str:
    first = verdict.errors[0] if verdict.errors else None
    return inert(f"{first.code}: {first.message}"[:200]) if first is not None else "see the report"

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
from verifier import Report, read_regular_file, verify_bundle
from verifier.cli import policy_from_options
from verifier.render import inert, render_html, resolve_zone


@click.command("report")
@click.argument("bundle", type=click.Path(path_type=Path, dir_okay=False))
@click.option("-o", "--output", "out", type=click.Path(path_type=Path, dir_okay=False), required=True,
              metavar="FILE.pdf", help="Write the PDF here (required; replaced atomically).")
@click.option("--lang", type=click.Choice(["en", "zh"]), default="en", show_default=True,
              help="Language of the report.")
@click.option("--tz", "zone", metavar="ZONE", default="UTC", show_default=True,
              help="Show times in this time zone, with their offset: an IANA name (Asia/Shanghai, "
                   "Europe/Paris), a fixed offset (+08:00, -05:30) or UTC.")
@click.option("--trust", multiple=True, type=click.Path(path_type=Path, dir_okay=False), metavar="PUBKEY_FILE",
              help="A public key you trust (PEM, key export --json, or hex); repeatable. The report names "
                   "these keys as the trust list of whoever generated it.")
@click.option("--require-trusted", is_flag=True,
              help="Exit 1 unless every signer is trusted (needs --trust); the PDF is written either way.")
@click.option("--tsa-root", "tsa_roots", multiple=True, type=click.Path(path_type=Path, dir_okay=False),
              metavar="CERT", help="A root certificate (PEM or DER) of a timestamp authority you trust; repeatable.")
@click.option("--witness", "witnesses", multiple=True, metavar="VKEY",
              help="A witness you trust, as its C2SP vkey (name+keyid+base64) or a file holding it; repeatable.")
@click.option("--quorum", type=int, default=None, metavar="N",
              help="How many --witness keys must have cosigned (default 1 when --witness is given).")
@click.option("--known-checkpoint", "known_checkpoints", multiple=True,
              type=click.Path(path_type=Path, dir_okay=False), metavar="FILE",
              help="A checkpoint of this ledger's log you saw before (a signed note): the bundle's log must "
                   "extend it; repeatable.")
@click.option("--assets", type=click.Path(path_type=Path, file_okay=False), metavar="DIR",
              help="Check the asset files in DIR against the hashes the events name.")
@click.option("-v", "--verbose", is_flag=True, help="Show WeasyPrint's warnings (ignored CSS, font substitutions).")
@json_option
def report(bundle: Path, out: Path, lang: str, zone: str, trust: tuple[Path, ...], require_trusted: bool,
           tsa_roots: tuple[Path, ...], witnesses: tuple[str, ...], quorum: int | None,
           known_checkpoints: tuple[Path, ...], assets: Path | None, verbose: bool, as_json: bool) -> None:
    """Verify BUNDLE, as provenote-verify does with the same options, and write its report as a
    PDF/A-3b file with the bundle attached.

    The PDF is written for an invalid bundle too (its verdict says INVALID), and the exit code
    is then 1, as provenote-verify's. The report names the --trust keys as the trust list of
    whoever generated it; a reader checks the PDF with their own: provenote verify FILE.pdf --trust KEY
    """
    resolve_zone(zone)  # before a long verification, not after it (UsageError: one line, exit 2)
    policy = policy_from_options(trust, require_trusted=require_trusted, assets=assets,
                                 known_checkpoints=known_checkpoints, tsa_roots=tsa_roots,
                                 witnesses=witnesses, quorum=quorum)
    data = read_regular_file(bundle, limit=MAX_PDF_BUNDLE, what="bundle")
    verdict = verify_bundle(io.BytesIO(data), policy)
    if not verdict.readable:
        fatal = verdict.fatal
        raise fail(f"{bundle}: not a readable bundle" + (f" ({fatal.code}: {fatal.message})" if fatal else ""))
    written = write_report_pdf(render_html(verdict, lang, tz=zone), data, out,
                               name=attachment_name(bundle), verbose=verbose)
    word = "valid" if verdict.valid else "INVALID"
    if as_json:
        emit_json({"pdf": str(written.path), "size": written.size, "variant": "PDF/A-3b",
                   "attachment": written.attachment, "sha256": verdict.bundle_sha256.hex(),
                   "valid": verdict.valid, "trusted": verdict.trusted, "exit_code": verdict.exit_code})
    else:
        click.echo(inert(f"wrote {written.path}: PDF/A-3b, {written.size} bytes, the bundle attached as "
                         f"{written.attachment} (sha256 {verdict.bundle_sha256.hex()}); the bundle is {word}"))
    if verdict.exit_code:  # INVALID, or a signer not trusted under --require-trusted
        state = "INVALID" if not verdict.valid else "not trusted (--require-trusted)"
        click.echo(f"provenote: the bundle is {state} ({_first_error(verdict)}); the report says so", err=True)
        sys.exit(verdict.exit_code)


def _first_error(verdict: Report) -> str:
    first = verdict.errors[0] if verdict.errors else None
    return inert(f"{first.code}: {first.message}"[:200]) if first is not None else "see the report"

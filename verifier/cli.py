"""``provenote-verify``: check an evidence bundle offline (standalone: no click, no lmdb).

Exit codes: 0 valid (and, with --require-trusted, every signer trusted), 1 verification failed,
2 unreadable input or usage error. Errors are one line on stderr: ``provenote: error: …``.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

from verifier._internal.errors import UsageError
from verifier._internal.event import format_time
from verifier._internal.format import PUBLIC_KEY_SIZE, key_id
from verifier._internal.verify import BundleVerifier, Report

PROG = "provenote"


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # one line, exit 2 (argparse prints usage too)
        sys.stderr.write(f"{PROG}: error: {message} (see provenote-verify --help)\n")
        raise SystemExit(2)


def load_trusted_key(path: Path) -> bytes:
    """A trusted public key from a PEM file (``provenote key export``), the JSON of
    ``key export --json``, or 64 hex characters. Raises UsageError."""
    try:
        text = path.read_text().strip()
    except FileNotFoundError as e:
        raise UsageError(f"--trust {path}: file not found") from e
    except (OSError, UnicodeDecodeError) as e:
        raise UsageError(f"--trust {path}: cannot read: {e}") from e
    if text.startswith("-----BEGIN"):
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

        try:
            key = serialization.load_pem_public_key(text.encode())
        except ValueError as e:
            raise UsageError(f"--trust {path}: not a PEM public key") from e
        if not isinstance(key, Ed25519PublicKey):
            raise UsageError(f"--trust {path}: not an Ed25519 public key")
        return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    if text.startswith("{"):
        try:
            text = str(json.loads(text)["public_key"])
        except (ValueError, KeyError, TypeError) as e:
            raise UsageError(f"--trust {path}: JSON without a public_key") from e
    try:
        raw = bytes.fromhex(text)
    except ValueError as e:
        raise UsageError(f"--trust {path}: not PEM, JSON or hex") from e
    if len(raw) != PUBLIC_KEY_SIZE:
        raise UsageError(f"--trust {path}: a public key is {PUBLIC_KEY_SIZE} bytes")
    return raw


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="provenote-verify", description="Verify a provenote evidence bundle offline.")
    parser.add_argument("bundle", type=Path, metavar="FILE")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    parser.add_argument("--trust", action="append", type=Path, default=[], metavar="PUBKEY_FILE",
                        help="a public key you trust (PEM, key export --json, or hex); repeatable")
    parser.add_argument("--require-trusted", action="store_true",
                        help="fail (exit 1) unless every signer is trusted")
    parser.add_argument("--assets", type=Path, metavar="DIR", help="check asset files in DIR against their hashes")
    parser.add_argument("--jobs", type=int, default=1, metavar="N", help="processes for signature checks")
    parser.add_argument("--report", type=Path, metavar="OUT.html",
                        help="also write a self-contained HTML report (no script, nothing loaded)")
    parser.add_argument("--lang", choices=("en", "zh"), default="en", help="language of the report")
    return parser


def render_text(report: Report) -> str:
    lines = []
    if not report.readable:
        lines.append("UNREADABLE — this is not a bundle that can be verified")
    elif report.exit_code == 0:
        lines.append("VALID — the bundle is cryptographically intact")
    elif report.valid:
        lines.append("VALID but NOT TRUSTED — intact, but not every signer is in your trust list")
    else:
        lines.append("INVALID — the bundle fails verification")
    if report.work is not None:
        lines.append(f"work    {report.work.hex()}  {report.title or ''}".rstrip())
    lines.append(f"events  {report.events}")
    if report.first_time is not None and report.last_time is not None:
        lines.append(f"period  {format_time(report.first_time)} … {format_time(report.last_time)}")
    trust = {None: "not evaluated (no --trust given)", True: "every signer is trusted",
             False: "not every signer is trusted"}[report.trusted]
    lines.append(f"trust   {trust}")
    for signer in report.signers:
        mark = {None: "", True: "  [trusted]", False: "  [NOT trusted]"}[signer.trusted]
        lines.append(f"signer  {signer.name or '?'} ({signer.role or '?'}) "
                     f"{key_id(signer.public_key).hex()[:16]}  {signer.events} event{'' if signer.events == 1 else 's'}{mark}")
    if report.exporter is not None:
        lines.append(f"export  signed by {report.exporter.name} ({report.exporter.role})")
    if report.disclosed or report.withheld:
        shown = ", ".join(f"{k} ×{v}" for k, v in sorted(report.disclosed.items())) or "none"
        hidden = ", ".join(f"{k} ×{v}" for k, v in sorted(report.withheld.items())) or "none"
        lines.append(f"private disclosed: {shown}; withheld: {hidden}")
    for finding in report.errors:
        where = f" (event {finding.event})" if finding.event is not None else ""
        lines.append(f"error   {finding.code}{where}: {finding.message}")
    if report.errors_not_listed:
        lines.append(f"error   … and {report.errors_not_listed} more")
    for finding in report.warnings:
        lines.append(f"warning {finding.code}: {finding.message}")
    profile = report.human_involvement
    if profile is not None:
        if profile.shares is not None:
            shares = ", ".join(f"{name.replace('_', '-')} {value * 100:.1f}%" for name, value in profile.shares.items())
            lines.append(f"human involvement ({profile.readouts['ddex']['contains_ai']} AI): {shares}")
        lines.append(f"red flags: {', '.join(profile.red_flags) or 'none'}")
    return "\n".join(lines)


def run(argv: Sequence[str] | None = None) -> int:
    """Parse, verify, print; return the exit code."""
    args = build_parser().parse_args(argv)
    try:
        if args.jobs < 1:
            raise UsageError("--jobs must be at least 1")
        if args.require_trusted and not args.trust:
            raise UsageError("--require-trusted needs at least one --trust key")
        trusted = [load_trusted_key(p) for p in args.trust] if args.trust else None
        if args.assets is not None and not args.assets.is_dir():
            raise UsageError(f"--assets {args.assets} is not a directory")
        if not args.bundle.is_file():
            raise UsageError(f"bundle not found: {args.bundle}")
        verifier = BundleVerifier(trusted_keys=trusted, require_trusted=args.require_trusted,
                                  assets_dir=args.assets, jobs=args.jobs)
        report = verifier.run(args.bundle)
    except UsageError as e:
        sys.stderr.write(f"{PROG}: error: {e}\n")
        return 2
    except OSError as e:
        sys.stderr.write(f"{PROG}: error: cannot read {args.bundle}: {e.strerror or e}\n")
        return 2
    if args.report is not None:
        try:
            write_report(report, args.report, args.lang)
        except OSError as e:
            sys.stderr.write(f"{PROG}: error: cannot write {args.report}: {e.strerror or e}\n")
            return 2
    if args.json:
        print(json.dumps(report.to_json(), indent=2, ensure_ascii=False))
    else:
        print(render_text(report))
    if report.fatal is not None:
        fatal = report.fatal
        sys.stderr.write(f"{PROG}: error: {args.bundle}: {fatal.code}: {fatal.message}\n")
    return report.exit_code


def write_report(report: Report, out: Path, lang: str) -> None:
    """Write the HTML report atomically (a temporary file, then a rename)."""
    from verifier._internal.report import render

    temp = out.with_name(f".{out.name}.tmp")
    temp.write_text(render(report, lang), encoding="utf-8")
    temp.replace(out)


def main(argv: Sequence[str] | None = None) -> None:
    try:
        code = run(argv)
    except KeyboardInterrupt:
        sys.stderr.write(f"{PROG}: error: interrupted\n")
        code = 2
    raise SystemExit(code)

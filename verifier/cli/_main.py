"""``provenote-verify``: check an evidence bundle, or an evidence package, offline (standalone:
no click, no lmdb).

Exit codes: 0 valid (and, with --require-trusted, every signer trusted), 1 verification failed,
2 unreadable input or usage error. Errors are one line on stderr: ``provenote: error: …``.
With ``--package DIR`` (spec/package.md): 0 the bag is intact and its bundle valid, 1 a defect of
the bag (one line each, naming the file) or a bundle that fails, 2 unreadable or usage.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import re
import secrets
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

from verifier import (
    PackageReport,
    PdfBundle,
    Policy,
    Report,
    UsageError,
    extract_pdf_bundle,
    is_pdf,
    load_tsa_roots,
    read_regular_file,
    verify_bundle,
    verify_package,
)
from verifier.cli._progress import stderr_progress
from verifier.format import VerifierKey, parse_public_key_text
from verifier.render import inert, render_text, resolve_zone

PROG = "provenote"
#: Said after the source line of a bundle taken out of a PDF report (spec/report-pdf.md §3).
PDF_PAGES_NOTE = ("note    the PDF's pages were not checked, only the bundle attached to it: its verdict "
                  "follows")


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # one line, exit 2 (argparse prints usage too)
        _error(f"{message} (see provenote-verify --help)")
        raise SystemExit(2)


def load_trusted_key(path: Path) -> bytes:
    """A trusted public key from a PEM file (``provenote key export``), the JSON of
    ``key export --json``, or 64 hex characters. Raises UsageError."""
    try:
        text = read_regular_file(path, limit=64 << 10, what="--trust").decode("utf-8")
    except UnicodeDecodeError as e:
        raise UsageError(f"--trust {path}: not UTF-8 text (PEM, JSON or hex expected)") from e
    try:
        return parse_public_key_text(text)
    except UsageError as e:
        raise UsageError(f"--trust {path}: {e}") from e


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="provenote-verify",
                     description="Verify a provenote evidence bundle (FILE) or evidence package (--package DIR) offline.")
    parser.add_argument("bundle", type=Path, metavar="FILE", nargs="?", help="the evidence bundle to verify, or a PDF report (provenote report) that carries one")
    parser.add_argument("--package", type=Path, metavar="DIR",
                        help="check an evidence package (a sealed BagIt bag) and verify the bundle in it")
    parser.add_argument("--json", action="store_true", help="print the result as JSON (no progress line)")
    parser.add_argument("-q", "--quiet", action="store_true",
                        help="no progress line (shown on stderr only when it is a terminal)")
    parser.add_argument("--trust", action="append", type=Path, default=[], metavar="PUBKEY_FILE",
                        help="a public key you trust (PEM, key export --json, or hex); repeatable")
    parser.add_argument("--require-trusted", action="store_true",
                        help="fail (exit 1) unless every signer is trusted")
    parser.add_argument("--assets", type=Path, metavar="DIR", help="check asset files in DIR against their hashes")
    parser.add_argument("--jobs", type=int, default=1, metavar="N", help="processes for signature checks")
    parser.add_argument("--report", type=Path, metavar="OUT.html",
                        help="also write a self-contained HTML report (no script, nothing loaded)")
    parser.add_argument("--lang", choices=("en", "zh"), default="en", help="language of the report")
    parser.add_argument("--tz", default="UTC", metavar="ZONE",
                        help="time zone of the report's times: an IANA name such as Asia/Shanghai, an offset such "
                             "as +08:00 or -05:30, or UTC (the default)")
    parser.add_argument("--known-checkpoint", action="append", type=Path, default=[], metavar="FILE",
                        help="a checkpoint of this ledger's log you saw before (a signed note): the bundle's log "
                             "must extend it; repeatable")
    parser.add_argument("--tsa-root", action="append", type=Path, default=[], metavar="CERT",
                        help="a root certificate (PEM or DER) of a timestamp authority you trust; repeatable")
    parser.add_argument("--witness", action="append", default=[], metavar="VKEY",
                        help="a witness you trust, as its C2SP vkey (name+keyid+base64), or a file holding it; "
                             "repeatable")
    parser.add_argument("--quorum", type=int, default=None, metavar="N",
                        help="how many --witness keys must have cosigned (default 1 when --witness is given)")
    return parser


def load_known_checkpoint(path: Path) -> bytes:
    """A signed checkpoint note from a file. Raises UsageError for one that does not parse."""
    from verifier.format import Checkpoint, SignedNote, VerificationFailure

    data = read_regular_file(path, limit=1 << 16, what="--known-checkpoint")
    try:
        Checkpoint.parse(SignedNote.parse(data).text)
    except VerificationFailure as e:
        raise UsageError(f"--known-checkpoint {path}: not a signed checkpoint ({e.message})") from e
    return data


def load_witness(value: str) -> VerifierKey:
    """A witness's vkey, given inline or in a file. Raises UsageError."""
    from verifier.format import VerificationFailure

    text = value
    if "+" not in value or Path(value).is_file():
        try:
            text = read_regular_file(Path(value), limit=4096, what="--witness").decode("utf-8").strip()
        except UnicodeDecodeError as e:
            raise UsageError(f"--witness {value}: not UTF-8 text") from e
    try:
        return VerifierKey.parse(text)
    except VerificationFailure as e:
        raise UsageError(f"--witness {value[:80]}: not a vkey ({e.message})") from e


def load_tsa_root_ders(paths: Sequence[Path]) -> list[bytes]:
    """DER of every certificate in the --tsa-root files. Raises UsageError."""
    if not paths:
        return []
    from cryptography.hazmat.primitives.serialization import Encoding

    return [cert.public_bytes(Encoding.DER) for cert in load_tsa_roots(paths)]


def run(argv: Sequence[str] | None = None) -> int:
    """Parse, verify, print; return the exit code."""
    args = build_parser().parse_args(_joined_offsets(sys.argv[1:] if argv is None else argv))
    if (args.bundle is None) == (args.package is None):
        _error("give a bundle FILE or --package DIR" + (", not both" if args.bundle is not None else "")
               + " (see provenote-verify --help)")
        return 2
    try:
        resolve_zone(args.tz)  # before a long verification, not after it
    except UsageError as e:
        _error(str(e))
        return 2
    if args.package is not None:
        return _run_package(args)
    try:
        policy = _policy(args)
        if not args.bundle.exists():
            raise UsageError(f"bundle not found: {args.bundle}")
        if not args.bundle.is_file():
            raise UsageError(f"{args.bundle} is not a regular file")
        from_pdf = extract_pdf_bundle(args.bundle) if is_pdf(args.bundle) else None
        with stderr_progress("verifying", unit="bytes", quiet=args.quiet or args.json) as progress:
            report = verify_bundle(args.bundle if from_pdf is None else io.BytesIO(from_pdf.data), policy,
                                   progress=progress)
    except UsageError as e:
        _error(str(e))
        return 2
    except OSError as e:
        _error(f"cannot read {args.bundle}: {e.strerror or e}")
        return 2
    if not _write_report_option(args, report):
        return 2
    if not _print(_with_pdf_source(report, from_pdf, args.json)):
        return report.exit_code
    if report.fatal is not None:
        fatal = report.fatal
        _error(f"{args.bundle}: {fatal.code}: {fatal.message}")
    return report.exit_code


def _joined_offsets(argv: Sequence[str]) -> list[str]:
    """``--tz -05:30`` as ``--tz=-05:30``: argparse would read a value that starts with ``-`` as an
    option."""
    joined: list[str] = []
    for arg in argv:
        if joined and joined[-1] == "--tz" and re.fullmatch(r"-[0-9]{2}:[0-9]{2}", arg):
            joined[-1] = f"--tz={arg}"
        else:
            joined.append(arg)
    return joined


def _with_pdf_source(report: Report, from_pdf: PdfBundle | None, as_json: bool) -> str:
    """The verdict as text or JSON; for a bundle taken out of a PDF report, led by where it came
    from (the attachment's name and SHA-256) and that the PDF's pages were not checked
    (spec/report-pdf.md §3), as ``"pdf"`` in JSON."""
    if as_json:
        result = report.to_json()
        if from_pdf is not None:
            result = {"pdf": {"file": str(from_pdf.pdf), "attachment": from_pdf.name,
                              "sha256": from_pdf.sha256.hex(), "pages_checked": False}, **result}
        return json.dumps(result, indent=2, ensure_ascii=False)
    if from_pdf is None:
        return render_text(report)
    return (inert(f"bundle  from the attachment {from_pdf.name} of {from_pdf.pdf} (sha256 {from_pdf.sha256.hex()})")
            + f"\n{PDF_PAGES_NOTE}\n" + render_text(report))


def policy_from_options(trust: Sequence[Path] = (), *, require_trusted: bool = False, assets: Path | None = None,
                        jobs: int = 1, known_checkpoints: Sequence[Path] = (), tsa_roots: Sequence[Path] = (),
                        witnesses: Sequence[str] = (), quorum: int | None = None) -> Policy:
    """The :class:`verifier.Policy` that provenote-verify's options ask for (``--trust``,
    ``--require-trusted``, ``--assets``, ``--jobs``, ``--known-checkpoint``, ``--tsa-root``,
    ``--witness``, ``--quorum``), their files loaded and checked: one rule for every command that
    verifies (``provenote-verify``, ``provenote verify``, ``provenote report``).

    Raises:
        UsageError: options that do not go together, a file that is missing or does not parse.
    """
    if jobs < 1:
        raise UsageError("--jobs must be at least 1")
    if require_trusted and not trust:
        raise UsageError("--require-trusted needs at least one --trust key")
    if quorum is not None and not witnesses:
        raise UsageError("--quorum needs at least one --witness key")
    if assets is not None and not assets.is_dir():
        raise UsageError(f"--assets {assets} is not a directory")
    trusted = [load_trusted_key(p) for p in trust] if trust else None
    return Policy(trusted, require_trusted=require_trusted, assets_dir=assets, jobs=jobs,
                  known_checkpoints=[load_known_checkpoint(p) for p in known_checkpoints],
                  tsa_roots=load_tsa_root_ders(tsa_roots),
                  witnesses=[load_witness(w) for w in witnesses], quorum=quorum)


def _policy(args: argparse.Namespace) -> Policy:
    """The policy the parsed options ask for. Raises UsageError."""
    return policy_from_options(args.trust, require_trusted=args.require_trusted, assets=args.assets,
                               jobs=args.jobs, known_checkpoints=args.known_checkpoint, tsa_roots=args.tsa_root,
                               witnesses=args.witness, quorum=args.quorum)


def _run_package(args: argparse.Namespace) -> int:
    """``--package DIR``: the bag's checks, then its bundle's verification; both reported."""
    try:
        if args.assets is not None:
            raise UsageError("--assets does not apply to --package: the package's own files are checked")
        policy = _policy(args)
        if not args.package.exists():
            raise UsageError(f"package not found: {args.package}")
        with stderr_progress("verifying", unit="bytes", quiet=args.quiet or args.json) as progress:
            result = verify_package(args.package, policy, progress=progress)
    except UsageError as e:
        _error(str(e))
        return 2
    except OSError as e:
        _error(f"cannot read {args.package}: {e.strerror or e}")
        return 2
    if result.bundle is not None and not _write_report_option(args, result.bundle):
        return 2
    text = (json.dumps(result.to_json(), indent=2, ensure_ascii=False) if args.json
            else render_package_text(result))
    if not _print(text):
        return result.exit_code
    if result.defects:
        _error(f"{args.package}: the package has {len(result.defects)} "
               f"defect{'s' if len(result.defects) != 1 else ''} (listed above)")
    elif result.bundle is not None and result.bundle.fatal is not None:
        fatal = result.bundle.fatal
        _error(f"{args.package}/{result.bundle_file}: {fatal.code}: {fatal.message}")
    return result.exit_code


def render_package_text(result: PackageReport) -> str:
    """The package's verdict: one line for the bag, one line per defect (``FILE: what``), then
    the bundle's own verdict. Every name and message is made inert."""
    lines = []
    if result.intact:
        files = f"{result.files} payload file{'s' if result.files != 1 else ''}"
        lines.append(f"PACKAGE INTACT — every file as the exporter sealed it ({files}, {result.octets} bytes)")
    else:
        count = len(result.defects)
        lines.append(f"PACKAGE DEFECTIVE — {count} defect{'s' if count != 1 else ''}:")
        lines.extend(f"  {defect}" for defect in result.defects)
    lines.append("")
    if result.bundle is None:
        lines.append("bundle  not verified (see the defects above)")
    else:
        lines.append(f"bundle  {result.bundle_file}")
        lines.append(render_text(result.bundle))
    return "\n".join(inert(line) if "\n" not in line else line for line in lines)


def _write_report_option(args: argparse.Namespace, report: Report) -> bool:
    """``--report``: write it; False (after one line on stderr) if that failed."""
    if args.report is None:
        return True
    try:
        write_report(report, args.report, args.lang, tz=args.tz)
    except UsageError as e:
        _error(str(e))
        return False
    except OSError as e:
        _error(f"cannot write {args.report}: {e.strerror or e}")
        return False
    return True


def _print(text: str) -> bool:
    """Print the result; False if the reader went away (``provenote-verify x.bundle | head -1``):
    then end quietly, as cat does, with the verdict's own exit status."""
    try:
        print(text)
        sys.stdout.flush()
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return False
    return True


def _error(message: str) -> None:
    """One line on stderr, made inert: it may quote untrusted input."""
    sys.stderr.write(f"{PROG}: error: {inert(message)}\n")


def write_report(report: Report, out: Path, lang: str, *, tz: str = "UTC") -> None:
    """Write the HTML report atomically: a temporary file beside it (permissions as ``open()``
    gives, under the umask), then a rename. Refuses to replace anything but a regular file (a
    FIFO, a device, a folder, a symbolic link).

    Raises: UsageError for such a target or an unknown ``tz``; OSError when writing fails (nothing is left behind).
    """
    from verifier.render import render_html

    if out.is_symlink() or (out.exists() and not out.is_file()):
        raise UsageError(f"--report {out}: not a regular file; give a new file name")
    html = render_html(report, lang, tz=tz)
    fd, temp = _new_file_beside(out)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(html)
        os.replace(temp, out)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise


def _new_file_beside(out: Path) -> tuple[int, Path]:
    """A new temporary file in ``out``'s folder, open for writing, with the permissions ``open()``
    gives a new file (0o666 less the umask: the report shows disclosed fields). Raises OSError."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0) | getattr(os, "O_NOFOLLOW", 0)
    for _ in range(100):
        temp = out.absolute().parent / f".provenote-report-{os.getpid()}-{secrets.token_hex(8)}.tmp"
        try:
            return os.open(temp, flags, 0o666), temp
        except FileExistsError:
            continue
    raise FileExistsError(f"no free temporary name beside {out}")


def main(argv: Sequence[str] | None = None) -> None:
    try:
        code = run(argv)
    except KeyboardInterrupt:
        _error("interrupted")
        code = 2
    raise SystemExit(code)

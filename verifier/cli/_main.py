"""``provenote-verify``: check an evidence bundle offline (standalone: no click, no lmdb).

Exit codes: 0 valid (and, with --require-trusted, every signer trusted), 1 verification failed,
2 unreadable input or usage error. Errors are one line on stderr: ``provenote: error: …``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

from verifier import Policy, Report, UsageError, load_tsa_roots, read_regular_file, verify_bundle
from verifier.format import PUBLIC_KEY_SIZE, VerifierKey
from verifier.render import inert, render_text

PROG = "provenote"


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # one line, exit 2 (argparse prints usage too)
        _error(f"{message} (see provenote-verify --help)")
        raise SystemExit(2)


def load_trusted_key(path: Path) -> bytes:
    """A trusted public key from a PEM file (``provenote key export``), the JSON of
    ``key export --json``, or 64 hex characters. Raises UsageError."""
    try:
        text = read_regular_file(path, limit=64 << 10, what="--trust").decode("utf-8").strip()
    except UnicodeDecodeError as e:
        raise UsageError(f"--trust {path}: not UTF-8 text (PEM, JSON or hex expected)") from e
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
    args = build_parser().parse_args(argv)
    try:
        if args.jobs < 1:
            raise UsageError("--jobs must be at least 1")
        if args.require_trusted and not args.trust:
            raise UsageError("--require-trusted needs at least one --trust key")
        trusted = [load_trusted_key(p) for p in args.trust] if args.trust else None
        if args.assets is not None and not args.assets.is_dir():
            raise UsageError(f"--assets {args.assets} is not a directory")
        if not args.bundle.exists():
            raise UsageError(f"bundle not found: {args.bundle}")
        if not args.bundle.is_file():
            raise UsageError(f"{args.bundle} is not a regular file")
        if args.quorum is not None and not args.witness:
            raise UsageError("--quorum needs at least one --witness key")
        policy = Policy(trusted, require_trusted=args.require_trusted, assets_dir=args.assets, jobs=args.jobs,
                        known_checkpoints=[load_known_checkpoint(p) for p in args.known_checkpoint],
                        tsa_roots=load_tsa_root_ders(args.tsa_root),
                        witnesses=[load_witness(w) for w in args.witness], quorum=args.quorum)
        report = verify_bundle(args.bundle, policy)
    except UsageError as e:
        _error(str(e))
        return 2
    except OSError as e:
        _error(f"cannot read {args.bundle}: {e.strerror or e}")
        return 2
    if args.report is not None:
        try:
            write_report(report, args.report, args.lang)
        except UsageError as e:
            _error(str(e))
            return 2
        except OSError as e:
            _error(f"cannot write {args.report}: {e.strerror or e}")
            return 2
    try:
        if args.json:
            print(json.dumps(report.to_json(), indent=2, ensure_ascii=False))
        else:
            print(render_text(report))
        sys.stdout.flush()
    except BrokenPipeError:
        # The reader went away (``provenote-verify x.bundle | head -1``): end quietly, as cat does,
        # with the verdict's own exit status.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return report.exit_code
    if report.fatal is not None:
        fatal = report.fatal
        _error(f"{args.bundle}: {fatal.code}: {fatal.message}")
    return report.exit_code


def _error(message: str) -> None:
    """One line on stderr, made inert: it may quote untrusted input."""
    sys.stderr.write(f"{PROG}: error: {inert(message)}\n")


def write_report(report: Report, out: Path, lang: str) -> None:
    """Write the HTML report atomically: a temporary file beside it, then a rename. Refuses to
    replace anything but a regular file (a FIFO, a device, a folder, a symbolic link).

    Raises: UsageError for such a target; OSError when writing fails (nothing is left behind).
    """
    from verifier.render import render_html

    if out.is_symlink() or (out.exists() and not out.is_file()):
        raise UsageError(f"--report {out}: not a regular file; give a new file name")
    fd, temp = tempfile.mkstemp(prefix=f".provenote-report-{os.getpid()}-", suffix=".tmp", dir=out.parent or None)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(render_html(report, lang))
        os.chmod(temp, 0o644)
        os.replace(temp, out)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def main(argv: Sequence[str] | None = None) -> None:
    try:
        code = run(argv)
    except KeyboardInterrupt:
        _error("interrupted")
        code = 2
    raise SystemExit(code)

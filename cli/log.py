"""``provenote checkpoint``, ``prove-consistency``, ``anchor`` and ``witness``: proof that the
record existed then and was never rewritten (spec/anchoring.md)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from cli.context import Context, emit_json, fail, json_option, pass_ctx, read_text_file
from cli.words import plural
from ledger import Ledger, Signer, TsaError, Witness, request_timestamp
from verifier.format import (
    SIG_COSIGNATURE_V1,
    SIG_ED25519,
    Checkpoint,
    SignedNote,
    VerificationFailure,
    VerifierKey,
    format_time,
)

MAX_NOTE_FILE = 1 << 16


def _write_or_print(data: bytes, out: Path | None) -> None:
    if out is None:
        click.echo(data.decode("utf-8"), nl=False)
        return
    if out.is_symlink() or (out.exists() and not out.is_file()):
        raise fail(f"-o {out}: not a regular file; give a new file name")
    temp = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    try:
        temp.write_bytes(data)
        os.replace(temp, out)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise


def _read_note(path: Path, what: str) -> bytes:
    return read_text_file(path, what, limit=MAX_NOTE_FILE).encode("utf-8")


def log_vkey(book: Ledger, signer: Signer) -> str:
    """The C2SP vkey under which this ledger's checkpoints signed by ``signer`` verify."""
    return VerifierKey(book.origin, SIG_ED25519, signer.info.public_key).format()


@click.command()
@click.option("--as", "as_key", required=True, metavar="KEY",
              help="The key that signs the checkpoint (a studio's dedicated log key: see spec/anchoring.md).")
@click.option("-o", "--output", "out", type=click.Path(path_type=Path), metavar="FILE",
              help="Write the signed checkpoint to FILE instead of printing it.")
@json_option
@pass_ctx
def checkpoint(obj: Context, as_key: str, out: Path | None, as_json: bool) -> None:
    """Sign a checkpoint of the ledger's whole Merkle log (C2SP tlog-checkpoint, signed note)."""
    with obj.ledger() as book:
        signer = obj.signer(as_key)
        note, new = book.checkpoint(signer)
        vkey = log_vkey(book, signer)
    parsed = Checkpoint.parse(SignedNote.parse(note).text)
    if as_json:
        emit_json({"origin": parsed.origin, "size": parsed.size, "root": parsed.root, "new": new,
                   "note": note.decode("utf-8"), "vkey": vkey})
        if out is not None:
            _write_or_print(note, out)
        return
    _write_or_print(note, out)
    click.echo(f"{'signed' if new else 'already signed'}: checkpoint of {plural(parsed.size, 'event')}; "
               f"verify with {vkey}", err=True)


@click.command("prove-consistency")
@click.argument("old", metavar="OLD_CHECKPOINT", type=click.Path(path_type=Path))
@click.option("-o", "--output", "out", type=click.Path(path_type=Path), metavar="FILE",
              help="Write the proof to FILE instead of printing it.")
@pass_ctx
def prove_consistency(obj: Context, old: Path, out: Path | None) -> None:
    """Print a proof that the latest checkpoint extends OLD_CHECKPOINT (a C2SP tlog-witness
    add-checkpoint body: 'old SIZE', the RFC 9162 proof, the latest signed checkpoint)."""
    note = _read_note(old, "OLD_CHECKPOINT")
    with obj.readonly_ledger() as book:
        _write_or_print(book.prove_consistency(note), out)


def anchor_latest(obj: Context, book: Ledger, url: str, as_key: str | None) -> tuple[int, int, str]:
    """Timestamp the latest checkpoint at the TSA (a new checkpoint first if the latest does not
    cover the newest event). Returns (size, genTime in µs, TSA name). Raises CliError or TsaError."""
    latest = book.latest_checkpoint()
    if latest is None or latest[0] < book.log_size():
        if as_key is None:
            raise fail("the latest checkpoint does not cover the newest event: give --as KEY to sign a new one")
        note, _ = book.checkpoint(obj.signer(as_key))
    else:
        note = latest[1]
    response, nonce = request_timestamp(url, note)
    book.add_anchor(note, nonce, response)
    from rfc3161_client import decode_timestamp_response

    info = decode_timestamp_response(response).tst_info
    gen_time = int(info.gen_time.timestamp() * 1_000_000)
    size = Checkpoint.parse(SignedNote.parse(note).text).size
    name = str(info.name.value) if info.name is not None else url
    return size, gen_time, name


@click.command()
@click.option("--tsa", required=True, metavar="URL", envvar="PROVENOTE_TSA",
              help="The RFC 3161 timestamp authority's URL (env PROVENOTE_TSA).")
@click.option("--as", "as_key", metavar="KEY", help="Signs a new checkpoint if the latest is not up to date.")
@json_option
@pass_ctx
def anchor(obj: Context, tsa: str, as_key: str | None, as_json: bool) -> None:
    """Get an RFC 3161 timestamp over the latest checkpoint and store it: proof that every event
    in it existed no later than the TSA's time."""
    with obj.ledger() as book:
        try:
            size, gen_time, name = anchor_latest(obj, book, tsa, as_key)
        except TsaError as e:
            raise fail(str(e)) from e
    if as_json:
        emit_json({"size": size, "time": format_time(gen_time), "tsa": tsa})
    else:
        click.echo(f"anchored the checkpoint of {plural(size, 'event')} at {tsa}: existed no later than {format_time(gen_time)}")
    del name


@click.group()
def witness() -> None:
    """Cosign checkpoints as a witness, and store witnesses' cosignatures in the ledger."""


@witness.command("cosign")
@click.argument("request", metavar="CHECKPOINT", type=click.Path(path_type=Path))
@click.option("--as", "as_key", required=True, metavar="KEY", help="The witness's key (its name is the witness name).")
@click.option("--state", type=click.Path(path_type=Path), default=None, metavar="DIR",
              help="Where the witness keeps what it saw (default: $XDG_STATE_HOME/provenote/witness).")
@click.option("--log-key", metavar="VKEY",
              help="The log's key (C2SP vkey, from 'provenote checkpoint'), the first time an origin is seen.")
@click.option("-o", "--output", "out", type=click.Path(path_type=Path), metavar="FILE",
              help="Write the cosigned checkpoint to FILE instead of printing it.")
@pass_ctx
def witness_cosign(obj: Context, request: Path, as_key: str, state: Path | None, log_key: str | None,
                   out: Path | None) -> None:
    """Cosign CHECKPOINT (a signed checkpoint, or the output of 'provenote prove-consistency')
    if it is consistent with the last checkpoint this witness cosigned for its log."""
    data = _read_note(request, "CHECKPOINT")
    key = _vkey(log_key, "--log-key") if log_key else None
    folder = state or Path(os.environ.get("XDG_STATE_HOME") or Path.home() / ".local" / "state") / "provenote" / "witness"
    result = Witness(folder).cosign(data, obj.signer(as_key), log_key=key)
    _write_or_print(result.note, out)
    signer = obj.signer(as_key)
    click.echo(f"cosigned {result.origin} at size {result.size}; verify with "
               f"{VerifierKey(signer.info.name, SIG_COSIGNATURE_V1, signer.info.public_key).format()}", err=True)


@witness.command("add")
@click.argument("cosigned", metavar="COSIGNED_CHECKPOINT", type=click.Path(path_type=Path))
@click.option("--witness", "witnesses", multiple=True, required=True, metavar="VKEY",
              help="A witness whose cosignature to keep (its C2SP vkey); repeatable.")
@pass_ctx
def witness_add(obj: Context, cosigned: Path, witnesses: tuple[str, ...]) -> None:
    """Store the cosignatures of a cosigned checkpoint in the ledger, so that exports carry them."""
    keys = [_vkey(w, "--witness") for w in witnesses]
    with obj.ledger() as book:
        names = book.add_cosignatures(_read_note(cosigned, "COSIGNED_CHECKPOINT"), keys)
    click.echo(f"stored the cosignature{'s' if len(names) != 1 else ''} of {', '.join(names)}")


@witness.command("vkey")
@click.argument("name")
@pass_ctx
def witness_vkey(obj: Context, name: str) -> None:
    """Print the C2SP vkey of key NAME as a witness (give it to auditors for --witness)."""
    info = obj.keys.info(name)
    click.echo(VerifierKey(info.name, SIG_COSIGNATURE_V1, info.public_key).format())


def _vkey(text: str, option: str) -> VerifierKey:
    try:
        return VerifierKey.parse(text)
    except VerificationFailure as e:
        raise fail(f"{option} {text[:80]}: not a vkey ({e.message})") from e


def anchor_after_release(obj: Context, as_key: str) -> None:
    """With PROVENOTE_TSA set, anchor after a release; a TSA that cannot be reached is a warning
    (the release is recorded either way)."""
    url = os.environ.get("PROVENOTE_TSA")
    if not url:
        return
    with obj.ledger() as book:
        try:
            size, gen_time, _ = anchor_latest(obj, book, url, as_key)
        except TsaError as e:
            click.echo(f"provenote: warning: the release is recorded but not anchored: {e}", err=True)
            return
    print(f"anchored the checkpoint of {plural(size, 'event')} at {url}: existed no later than {format_time(gen_time)}",
          file=sys.stderr)

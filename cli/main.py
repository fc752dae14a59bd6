"""The ``provenote`` command line: parse, call the ledger or the verifier, print. Thin: one
module per command group (keys, works, record, reading, bundles, demo); this one holds the root.

Exit codes (every command): 0 success or valid, 1 verification failed, 2 usage error or
unreadable input. Errors are one line on stderr: ``provenote: error: …``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click
import lmdb

from cli import bundles, demo, keys, reading, record, works
from cli.context import PROG, Context, default_keys_dir, emit_json, json_option, pass_ctx
from ledger import Ledger
from verifier.format import ProvenoteError, VerificationFailure


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option("--ledger", "ledger_dir", type=click.Path(path_type=Path), envvar="PROVENOTE_LEDGER",
              default=Path(".provenote"), show_default=True, help="Ledger directory (env PROVENOTE_LEDGER).")
@click.option("--keys", "keys_dir", type=click.Path(path_type=Path), envvar="PROVENOTE_KEYS", default=None,
              help="Key directory (env PROVENOTE_KEYS; default $XDG_CONFIG_HOME/provenote/keys).")
@click.option("--passphrase-file", type=click.Path(path_type=Path), default=None,
              help="Read the key passphrase from this file (else env PROVENOTE_PASSPHRASE, else a prompt).")
@click.version_option(package_name="provenote", prog_name=PROG)
@click.pass_context
def app(ctx: click.Context, ledger_dir: Path, keys_dir: Path | None, passphrase_file: Path | None) -> None:
    """provenote: a signed, hash-chained provenance ledger for AI-assisted music."""
    ctx.obj = Context(ledger_dir, keys_dir or default_keys_dir(), passphrase_file)


@app.command()
@json_option
@pass_ctx
def init(obj: Context, as_json: bool) -> None:
    """Create an empty ledger in the ledger directory."""
    Ledger.init(obj.ledger_dir).close()
    if as_json:
        emit_json({"ledger": str(obj.ledger_dir)})
    else:
        click.echo(f"initialised an empty ledger in {obj.ledger_dir}")


app.add_command(keys.key)
app.add_command(works.work)
app.add_command(record.record)
app.add_command(reading.log)
app.add_command(reading.check)
app.add_command(bundles.export)
app.add_command(bundles.verify)
app.add_command(demo.demo)


def main(argv: list[str] | None = None) -> None:
    """Entry point: run the app and turn every failure into one line and an exit code."""
    try:
        code = app.main(args=argv, prog_name=PROG, standalone_mode=False)
    except click.exceptions.Abort:
        click.echo(f"{PROG}: error: aborted", err=True)
        sys.exit(2)
    except click.ClickException as e:
        click.echo(f"{PROG}: error: {e.format_message()}", err=True)
        sys.exit(2)
    except VerificationFailure as e:
        click.echo(f"{PROG}: error: {e.code}: {e.message}", err=True)
        sys.exit(2)
    except ProvenoteError as e:
        click.echo(f"{PROG}: error: {e}", err=True)
        sys.exit(2)
    except lmdb.Error as e:
        click.echo(f"{PROG}: error: ledger storage: {e}", err=True)
        sys.exit(2)
    except OSError as e:
        click.echo(f"{PROG}: error: {e.strerror or e}: {e.filename or ''}".rstrip(": "), err=True)
        sys.exit(2)
    except KeyboardInterrupt:
        click.echo(f"{PROG}: error: interrupted", err=True)
        sys.exit(2)
    sys.exit(code if isinstance(code, int) else 0)

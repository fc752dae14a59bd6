"""The ``provenote`` command line: parse, call the ledger or the verifier, print. Thin: one
module per command group (keys, works, record, licences, reading, bundles, log, demo); this one holds the root.

Exit codes (every command): 0 success or valid, 1 verification failed, 2 usage error or
unreadable input. Errors are one line on stderr: ``provenote: error: …``.
"""

from __future__ import annotations

import errno
import os
import signal
import sys
from pathlib import Path
from typing import NoReturn

import click
import lmdb

from cli import agent, bundles, demo, keys, labels, licences, log, reading, record, report, screen, works
from cli.context import PROG, Context, emit_json, json_option, pass_ctx
from ledger import DEFAULT_LEDGER_DIR, KEYS_ENV, LEDGER_ENV, Ledger, default_keys_dir, default_ledger_dir
from verifier.format import ProvenoteError, VerificationFailure
from verifier.render import inert


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option("--ledger", "ledger_dir", type=click.Path(path_type=Path), default=None,
              help=f"Ledger directory (default env {LEDGER_ENV}, else {DEFAULT_LEDGER_DIR}).")
@click.option("--keys", "keys_dir", type=click.Path(path_type=Path), default=None,
              help=f"Key directory (default env {KEYS_ENV}, else $XDG_CONFIG_HOME/provenote/keys).")
@click.option("--passphrase-file", type=click.Path(path_type=Path), default=None,
              help="Read the key passphrase from this file (else env PROVENOTE_PASSPHRASE, else a prompt).")
@click.version_option(package_name="provenote", prog_name=PROG)
@click.pass_context
def app(ctx: click.Context, ledger_dir: Path | None, keys_dir: Path | None, passphrase_file: Path | None) -> None:
    """provenote: a signed, hash-chained provenance ledger for AI-assisted music.

    WORK, wherever a command takes it, is a work's id, a unique prefix of it (8+ hex
    characters, as git takes revisions) or its title (exactly, else ignoring case; it must name
    one work). EVENT is an event's id or a unique prefix of it."""
    ctx.obj = Context(ledger_dir or default_ledger_dir(), keys_dir or default_keys_dir(), passphrase_file)


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
app.add_command(record.forget)
app.add_command(licences.licence)
app.add_command(licences.usage_report_command)
app.add_command(reading.log)
app.add_command(reading.check)
app.add_command(bundles.export)
app.add_command(bundles.verify)
app.add_command(report.report)
app.add_command(log.checkpoint)
app.add_command(log.prove_consistency)
app.add_command(log.anchor)
app.add_command(log.witness)
labels.register_key_commands(keys.key)
app.add_command(labels.label)
app.add_command(labels.ddex)
app.add_command(screen.catalogue)
app.add_command(screen.screen)
app.add_command(demo.demo)
app.add_command(agent.agent)


def main(argv: list[str] | None = None) -> None:
    """Entry point: run the app and turn every failure into one line and an exit code."""
    signal.signal(signal.SIGTERM, _terminated)  # unwind like an interrupt: temporary files are removed
    try:
        # click's own main() turns a closed stdout into exit 1 ("verification failed"); the
        # context is driven here instead, so a broken pipe ends as cat ends (below).
        with app.make_context(PROG, list(sys.argv[1:] if argv is None else argv)) as ctx:
            code = app.invoke(ctx)
        sys.stdout.flush()
    except click.exceptions.Exit as e:  # --help, --version
        sys.exit(e.exit_code)
    except BrokenPipeError:
        # The reader went away (``provenote log W | head``): quietly, with cat's status (SIGPIPE).
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(128 + signal.SIGPIPE)
    except click.exceptions.Abort:
        _error("aborted")
    except click.ClickException as e:
        _error(e.format_message())
    except VerificationFailure as e:
        _error(f"{e.code}: {e.message}")
    except ProvenoteError as e:
        _error(str(e))
    except lmdb.Error as e:
        _error(f"ledger storage: {_no_space(str(e))}")
    except OSError as e:
        if e.errno == errno.ENOSPC:
            _error(f"no space left on device{f': {e.filename}' if e.filename else ''}")
        _error(f"{e.strerror or e}: {e.filename or ''}".rstrip(": "))
    except KeyboardInterrupt:
        _error("interrupted")
    sys.exit(code if isinstance(code, int) else 0)


def _terminated(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _error(message: str) -> NoReturn:
    """One line on stderr, made inert (it may quote untrusted input), and exit 2."""
    click.echo(f"{PROG}: error: {inert(message)}", err=True)
    sys.exit(2)


def _no_space(message: str) -> str:
    return "no space left on device" if "No space left" in message or "MDB_MAP_FULL" in message else message

"""Progress on long commands (``check``, ``export``, ``record batch``): the verifier's terminal
progress line (:func:`verifier.cli.stderr_progress`, one renderer for both commands), and the
``--quiet`` option that silences it."""

from __future__ import annotations

import click

from verifier.cli import TerminalProgress, stderr_progress

__all__ = ["TerminalProgress", "quiet_option", "stderr_progress"]

quiet_option = click.option(
    "-q", "--quiet", is_flag=True,
    help="No progress line (it is shown on stderr only when stderr is a terminal, and never with --json).")

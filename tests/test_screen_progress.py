"""`provenote catalogue add` shows the shared progress line (cli.progress.stderr_progress, in
bytes of audio indexed) on a terminal only; -q/--quiet and --json silence it."""

from __future__ import annotations

import json
import random

from tests.helpers import Cli
from tests.test_progress import on_terminal
from tests.test_screening import SCALE, _tones, _write  # skips this file without provenote[screen]


def test_catalogue_add_shows_the_shared_progress_line_on_a_terminal_only(cli: Cli) -> None:
    melody = random.Random(5)
    for name in ("a", "b", "c", "d"):
        _write(cli.home / f"{name}.wav", _tones([melody.choice(SCALE) for _ in range(80)]))
    shown = on_terminal(cli, "catalogue", "add", "a.wav", "b.wav", "--catalogue", "refs")
    assert shown.code == 0, shown.terminal
    assert "indexing [" in shown.terminal and "100%" in shown.terminal
    assert shown.terminal.endswith("\r\x1b[2K")  # erased when done
    assert "indexing" not in shown.out and shown.out.count("added ") == 2
    for silencer in ("-q", "--quiet", "--json"):
        name = {"-q": "c.wav", "--quiet": "d.wav", "--json": "a.wav"}[silencer]
        silent = on_terminal(cli, "catalogue", "add", name, "--catalogue", "refs", silencer)
        assert silent.code == 0 and "indexing" not in silent.terminal, (silencer, silent.terminal)
    assert json.loads(silent.out)["tracks"] == 4
    piped = cli("catalogue", "add", "b.wav", "--catalogue", "refs")
    assert piped.code == 0 and piped.err == ""

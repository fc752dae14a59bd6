"""Progress lines on long commands (issue 12): drawn on stderr only when it is a terminal, never
on a pipe, never with --json or --quiet; the renderer's throttle, rate and time left; ``record
batch``'s one summary line."""

from __future__ import annotations

import io
import json
import os
import pty
import subprocess
import sys
from dataclasses import dataclass

import pytest

from tests.helpers import Cli
from verifier.cli import TerminalProgress


@dataclass(frozen=True)
class PtyResult:
    code: int
    out: str
    terminal: str  # what stderr, a terminal, received


def on_terminal(cli: Cli, *args: str, module: str = "cli") -> PtyResult:
    """Run ``python -m module args`` with stderr on a pseudo-terminal (stdout on a pipe)."""
    parent, child = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", module, *args], cwd=cli.home, env=cli.env,
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=child)
    os.close(child)
    seen = bytearray()
    while True:
        try:
            chunk = os.read(parent, 65536)
        except OSError:  # EIO: the child closed its end
            break
        if not chunk:
            break
        seen += chunk
    os.close(parent)
    out = proc.stdout.read().decode() if proc.stdout else ""
    code = proc.wait(timeout=300)
    if proc.stdout:
        proc.stdout.close()
    return PtyResult(code, out, seen.decode("utf-8", "replace"))


def _notes(cli: Cli, work: str, count: int) -> None:
    lines = "".join(json.dumps({"type": "note", "body": {"text": f"note {i}"}}) + "\n" for i in range(count))
    (cli.home / "notes.jsonl").write_text(lines)
    result = cli("record", "batch", work, "--as", "alice", "--file", "notes.jsonl", "--quiet")
    assert result.code == 0, result.err


@pytest.fixture
def bundle(cli: Cli, work: str) -> str:
    _notes(cli, work, 300)  # more than one chunk of the verifier (256 events)
    result = cli("export", work, "--as", "alice", "-o", "w.bundle")
    assert result.code == 0, result.err
    return "w.bundle"


PROGRESS = {  # command -> the progress line's label
    ("check",): "checking [",
    ("export", "{work}", "--as", "alice", "-o", "again.bundle"): "exporting [",
}


@pytest.mark.parametrize("command", sorted(PROGRESS))
def test_a_long_command_shows_progress_on_a_terminal_only(command: tuple[str, ...], cli: Cli, work: str) -> None:
    _notes(cli, work, 1500)
    args = [a.replace("{work}", work) for a in command]
    shown = on_terminal(cli, *args)
    assert shown.code == 0, shown.terminal
    label = PROGRESS[command]
    assert label in shown.terminal and "events/s" in shown.terminal and "100%" in shown.terminal
    assert shown.terminal.endswith("\r\x1b[2K")  # erased when done: the terminal is left clean
    assert label not in shown.out  # never on stdout
    quiet = on_terminal(cli, *args, "--quiet")
    assert quiet.code == 0 and label not in quiet.terminal
    as_json = on_terminal(cli, *args, "--json")
    assert as_json.code == 0 and label not in as_json.terminal
    json.loads(as_json.out)
    piped = cli(*args)
    assert piped.code == 0 and piped.err == ""


@pytest.mark.parametrize("module, prefix", [("verifier", ()), ("cli", ("verify",))])
def test_the_verifier_shows_progress_on_a_terminal_only(module: str, prefix: tuple[str, ...], cli: Cli,
                                                        bundle: str) -> None:
    shown = on_terminal(cli, *prefix, bundle, module=module)
    assert shown.code == 0, shown.terminal
    assert "verifying [" in shown.terminal and "MB/s" in shown.terminal and "100%" in shown.terminal
    assert shown.out.startswith("VALID")
    for silencer in ("--quiet", "-q", "--json"):
        silent = on_terminal(cli, *prefix, bundle, silencer, module=module)
        assert silent.code == 0 and "verifying" not in silent.terminal, silencer
    piped = cli(*prefix, bundle, module=module)
    assert piped.code == 0 and piped.err == ""


def test_record_batch_prints_one_summary_line_and_json_lists_every_event(cli: Cli, work: str) -> None:
    lines = "".join(json.dumps({"type": "note", "body": {"text": f"n{i}"}}) + "\n" for i in range(1200))
    (cli.home / "b.jsonl").write_text(lines)
    shown = on_terminal(cli, "record", "batch", work, "--as", "alice", "--file", "b.jsonl")
    assert shown.code == 0, shown.terminal
    assert shown.out.splitlines() == [shown.out.strip()]
    assert shown.out.startswith(f"appended 1,200 events to work {work[:16]} (#1–#1200); head ")
    assert "signing [" in shown.terminal
    listed = cli("record", "batch", work, "--as", "alice", "--file", "b.jsonl", "--json")
    assert listed.code == 0 and listed.err == ""
    assert [row["seq"] for row in json.loads(listed.out)] == list(range(1201, 2401))


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_the_progress_line_is_throttled_and_shows_rate_and_time_left() -> None:
    stream, clock = io.StringIO(), FakeClock()
    progress = TerminalProgress("checking", stream, clock=clock)
    progress(0, 1000)
    assert stream.getvalue().count("\r") == 1 and "  0%" in stream.getvalue()
    clock.now += 0.05
    progress(50, 1000)  # within a tenth of a second of the last redraw: not drawn
    assert stream.getvalue().count("\r") == 1
    clock.now += 0.95  # one second after the start, 200 events done
    progress(200, 1000)
    last = stream.getvalue().rsplit("\x1b[2K", 1)[1]
    assert " 20%" in last and "200 events/s" in last and "0:04 left" in last  # 800 more at 200 a second
    progress(1000, 1000)  # the end is always drawn, at once
    assert "100%" in stream.getvalue().rsplit("\x1b[2K", 1)[1]
    progress.close()
    assert stream.getvalue().endswith("\r\x1b[2K")


def test_the_progress_line_in_bytes_and_long_waits() -> None:
    stream, clock = io.StringIO(), FakeClock()
    progress = TerminalProgress("verifying", stream, unit="bytes", clock=clock)
    progress(0, 10_000_000_000)
    clock.now += 2
    progress(5_000_000, 10_000_000_000)  # 2.5 MB/s: about 4,000 s left
    last = stream.getvalue().rsplit("\x1b[2K", 1)[1]
    assert "2.5 MB/s" in last and "1:06:38 left" in last
    quiet = TerminalProgress("x", io.StringIO())
    quiet.close()  # never drawn: nothing to erase


def test_packages_show_progress_on_a_terminal_only(cli: Cli, work: str) -> None:
    """``export --package`` and ``provenote-verify --package``: the same line as their bundle's."""
    _notes(cli, work, 1500)
    shown = on_terminal(cli, "export", work, "--as", "alice", "--package", "pkg")
    assert shown.code == 0, shown.terminal
    assert "exporting [" in shown.terminal and "100%" in shown.terminal
    quiet = on_terminal(cli, "export", work, "--as", "alice", "--package", "pkg2", "--quiet")
    assert quiet.code == 0 and "exporting" not in quiet.terminal
    piped = cli("export", work, "--as", "alice", "--package", "pkg3")
    assert piped.code == 0 and piped.err == ""
    checked = on_terminal(cli, "--package", "pkg", module="verifier")
    assert checked.code == 0, checked.terminal
    assert "verifying [" in checked.terminal and "100%" in checked.terminal
    for silencer in ("--quiet", "--json"):
        silent = on_terminal(cli, "--package", "pkg", silencer, module="verifier")
        assert silent.code == 0 and "verifying" not in silent.terminal, silencer
    piped = cli("--package", "pkg", module="verifier")
    assert piped.code == 0 and piped.err == ""

"""Help texts (issue 12): every option of every command says what it does, and whether it repeats;
``provenote verify --help`` is ``provenote-verify --help``; ``record batch --help`` shows a JSONL
line that appends as written."""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterator

import click

from cli.main import app
from tests.helpers import Cli, write_wav
from verifier.cli import build_parser


def commands(command: click.Command, path: tuple[str, ...] = ("provenote",)) -> Iterator[tuple[str, click.Command]]:
    """Every command and subcommand of the click app, with its full name."""
    yield " ".join(path), command
    if isinstance(command, click.Group):
        for name, sub in sorted(command.commands.items()):
            yield from commands(sub, (*path, name))


def test_every_option_of_every_command_has_help_and_says_when_it_repeats() -> None:
    missing, unsaid = [], []
    walked = 0
    for name, command in commands(app):
        walked += 1
        for param in command.params:
            if not isinstance(param, click.Option) or "--help" in param.opts:
                continue
            text = (param.help or "").strip()
            if not text:
                missing.append(f"{name} {param.opts[-1]}")
            if param.multiple and "repeatable" not in text:
                unsaid.append(f"{name} {param.opts[-1]}")
    assert walked > 40  # the walk reached the subcommands
    assert missing == [] and unsaid == []


def test_every_option_of_provenote_verify_has_help_and_says_when_it_repeats() -> None:
    actions = [a for a in build_parser()._actions if not isinstance(a, argparse._HelpAction)]
    assert len(actions) > 10
    assert [a.dest for a in actions if not (a.help or "").strip()] == []
    assert [a.dest for a in actions if isinstance(a, argparse._AppendAction) and "repeatable" not in (a.help or "")] == []


def test_required_options_say_so(cli: Cli) -> None:
    result = cli("record", "generation", "--help")
    assert result.code == 0
    text = " ".join(result.out.split())
    assert "--model NAME The AI model's name. [required]" in text
    assert "--prompt TEXT The prompt (kept private). [required: this or --prompt-file]" in text


def test_provenote_verify_help_is_the_verifiers(cli: Cli) -> None:
    ours = cli("verify", "--help")
    theirs = cli("--help", module="verifier")
    assert ours.code == theirs.code == 0
    assert ours.out == theirs.out
    assert theirs.out.startswith("usage: provenote-verify") and "--quiet" in theirs.out


def test_record_batch_help_shows_a_line_that_appends(cli: Cli, work: str) -> None:
    shown = cli("record", "batch", "--help")
    assert shown.code == 0
    example = [line.strip() for line in shown.out.splitlines() if line.strip().startswith('{"type"')]
    assert len(example) == 2 and "spec/json-events.md" in shown.out
    write_wav(cli.home / "vocal.wav", 2)  # the file the example's second line names
    (cli.home / "example.jsonl").write_text("\n".join(example) + "\n")
    result = cli("record", "batch", work, "--as", "alice", "--file", "example.jsonl", "--json")
    assert result.code == 0, result.err
    assert len(json.loads(result.out)) == 2
    log = json.loads(cli("log", work, "--json").out)
    assert [row["type"] for row in log[1:]] == [json.loads(line)["type"] for line in example]
    assert log[1]["occurred"] == "2026-11-20T06:30:00.000000Z"

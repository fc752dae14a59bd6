"""What every command shares: the ledger and key locations, the passphrase, one-line errors,
JSON output."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click

from ledger import (
    PASSPHRASE_ENV,
    AgentClient,
    AgentError,
    KeyStore,
    Ledger,
    PublicKeyInfo,
    Signer,
    agent_signer,
)
from verifier import UsageError, read_regular_file
from verifier.render import inert

PROG = "provenote"


class CliError(click.ClickException):
    """A one-line usage or input error (exit 2)."""

    exit_code = 2


def fail(message: str) -> CliError:
    return CliError(message)


def read_text_file(path: Path, what: str, *, limit: int) -> str:
    """A small UTF-8 text file given on the command line; never blocks on a FIFO or a device.
    Raises CliError (exit 2) with one line naming the option and the file."""
    try:
        data = read_regular_file(path, limit=limit, what=what)
    except UsageError as e:
        raise fail(str(e)) from e
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise fail(f"{what} {path}: not UTF-8 text") from e


@dataclass
class Context:
    ledger_dir: Path
    keys_dir: Path
    passphrase_file: Path | None
    _signers: dict[str, Signer] = field(default_factory=dict)

    @property
    def keys(self) -> KeyStore:
        return KeyStore(self.keys_dir)

    def passphrase(self, *, confirm: bool = False, key: str | None = None) -> str:
        if self.passphrase_file is not None:
            return read_text_file(self.passphrase_file, "--passphrase-file", limit=4096).rstrip("\r\n")
        value = os.environ.get(PASSPHRASE_ENV)
        if value is not None:
            return value
        if not sys.stdin.isatty():
            raise fail(f"no passphrase: set {PASSPHRASE_ENV} or use --passphrase-file")
        label = f"Passphrase for key {key}" if key else "Passphrase"
        return str(click.prompt(label, hide_input=True, confirmation_prompt=confirm, err=True))

    def readonly_ledger(self) -> Ledger:
        """The ledger opened read-only (log, check, export, work list): nothing can be written."""
        return Ledger.open(self.ledger_dir, readonly=True)

    def signer(self, name: str) -> Signer:
        """The key ``name``, ready to sign: through the agent when PROVENOTE_AGENT_SOCK is set and
        the agent holds it (the private key never enters this process), else unlocked with the
        passphrase. When the variable names no live agent (stopped, killed: a stale socket) or one
        that refuses, a one-line warning says so on stderr and the passphrase is used.

        Raises: KeyStoreError (missing key, wrong passphrase), CliError (no passphrase)."""
        if name not in self._signers:
            info = self.keys.info(name)  # a missing key is reported before asking for a passphrase
            self._signers[name] = self._agent_signer(info) or self.unlock(name)
        return self._signers[name]

    def unlock(self, name: str) -> Signer:
        """The key ``name`` unlocked here with the passphrase (never through the agent)."""
        return self.keys.unlock(name, self.passphrase(key=name))

    @staticmethod
    def _agent_signer(info: PublicKeyInfo) -> Signer | None:
        client = AgentClient.from_environment()
        if client is None:
            return None
        try:
            return agent_signer(client, info)
        except AgentError as e:
            click.echo(f"{PROG}: warning: {inert(str(e))}; unlocking key {info.name} with its passphrase",
                       err=True)
            return None

    @contextmanager
    def ledger(self) -> Iterator[Ledger]:
        book = Ledger.open(self.ledger_dir)
        try:
            yield book
        finally:
            book.close()


pass_ctx = click.make_pass_decorator(Context)


def to_json(value: Any) -> Any:
    """Bytes as lowercase hex, recursively."""
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, dict):
        return {str(k): to_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_json(v) for v in value]
    return value


def emit_json(value: Any) -> None:
    click.echo(json.dumps(to_json(value), indent=2, ensure_ascii=False))


json_option = click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")

"""``provenote agent``: hold unlocked keys in a background process, as ssh-agent does."""

from __future__ import annotations

import os
import re
import shlex

import click

from cli.context import PROG, Context, emit_json, fail, json_option, pass_ctx
from cli.words import plural
from ledger import (
    AGENT_SOCK_ENV,
    PASSPHRASE_ENV,
    AgentClient,
    AgentError,
    AgentStatus,
    KeyStoreError,
    PublicKeyInfo,
    Signer,
    spawn_agent,
)
from verifier.cli import format_duration
from verifier.render import inert

_DURATION = re.compile(r"(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s?)?")
_UNITS = (86400, 3600, 60, 1)


class Duration(click.ParamType[float]):
    """A duration as ssh-agent's -t takes it: seconds (``90``), or ``30m``, ``8h``, ``1h30m``, ``2d``."""

    name = "DURATION"

    def convert(self, value: object, param: click.Parameter | None, ctx: click.Context | None) -> float:
        text = str(value).strip()
        found = _DURATION.fullmatch(text) if text else None
        seconds = sum(int(n) * unit for n, unit in zip(found.groups(), _UNITS, strict=True) if n) if found else 0
        if not found or seconds <= 0 or seconds > 366 * 86400:
            self.fail(f"{value!r} is not a duration such as 90, 90s, 30m, 8h, 1h30m or 2d (at most a year)",
                      param, ctx)
        return float(seconds)


@click.group()
def agent() -> None:
    """Keep keys unlocked in a background agent, as ssh-agent does.

    \b
        eval "$(provenote agent start --timeout 8h)"   # unlock once
        provenote record note W --as mei --text hi     # no passphrase asked
        provenote agent lock                           # drop the keys
        eval "$(provenote agent stop)"                 # end it, unset the variable

    Commands find the agent through PROVENOTE_AGENT_SOCK and sign through it; the private keys
    stay in the agent. A command whose key the agent does not hold asks for the passphrase as
    usual. When PROVENOTE_AGENT_SOCK names no live agent (it was stopped or killed, so the socket
    is stale) or one that refuses, the command prints one warning line on stderr and uses the
    passphrase (--passphrase-file, PROVENOTE_PASSPHRASE or a prompt).
    """


@agent.command("start")
@click.argument("names", metavar="[KEY]...", nargs=-1)
@click.option("--timeout", type=Duration(), default=None,
              help="Drop the keys after this long (90, 30m, 8h, 1h30m, 2d); default: keep them until "
                   "'agent lock', 'agent stop' or the agent is killed.")
@json_option
@pass_ctx
def agent_start(obj: Context, names: tuple[str, ...], timeout: float | None, as_json: bool) -> None:
    """Unlock KEY (repeatable; default every key in the store) and hold it in a new agent.

    Prints the shell lines that set PROVENOTE_AGENT_SOCK, for eval "$(provenote agent start)".
    The passphrase comes as for every command: --passphrase-file, PROVENOTE_PASSPHRASE, or a prompt
    naming each key (a passphrase typed for one key is tried on the next ones first). The agent
    writes nothing to disk; its socket is 0600 in a new 0700 directory and answers only your user.
    """
    infos = [obj.keys.info(name) for name in dict.fromkeys(names)] if names else obj.keys.list()
    if not infos:
        raise fail(f"no keys in {obj.keys_dir} (see 'provenote key new')")
    _note_running_agent()
    signers = _unlock_all(obj, infos)
    path, pid = spawn_agent(signers, timeout=timeout)
    if as_json:
        emit_json({"socket": str(path), "pid": pid, "keys": [i.name for i in infos], "timeout": timeout})
        return
    click.echo(f"{AGENT_SOCK_ENV}={shlex.quote(str(path))}; export {AGENT_SOCK_ENV};")
    click.echo(f"echo Agent pid {pid};")


def _note_running_agent() -> None:
    """Say so (stderr) when the variable already names a live agent: this starts another."""
    client = AgentClient.from_environment()
    if client is None:
        return
    try:
        status = client.status()
    except AgentError:
        return  # stale or foreign: nothing to say, the new agent gets a new socket
    click.echo(f"{PROG}: note: an agent (pid {status.pid}) already answers at {inert(str(client.path))}; "
               "starting another", err=True)


def _unlock_all(obj: Context, infos: list[PublicKeyInfo]) -> list[Signer]:
    """Each key unlocked here. At a prompt, passphrases that opened earlier keys are tried first."""
    prompting = obj.passphrase_file is None and os.environ.get(PASSPHRASE_ENV) is None
    opened: list[str] = []
    signers = []
    for info in infos:
        signer = None
        for passphrase in opened if prompting else ():
            try:
                signer = obj.keys.unlock(info.name, passphrase)
                break
            except KeyStoreError:
                continue
        if signer is None:
            passphrase = obj.passphrase(key=info.name)
            signer = obj.keys.unlock(info.name, passphrase)
            opened.append(passphrase)
        signers.append(signer)
    return signers


def _client() -> AgentClient:
    client = AgentClient.from_environment()
    if client is None:
        raise fail(f"no agent: {AGENT_SOCK_ENV} is not set (start one: eval \"$(provenote agent start)\")")
    return client


@agent.command("lock")
def agent_lock() -> None:
    """Make the agent drop every key now (it keeps running, holding none)."""
    dropped = _client().lock()
    click.echo(f"the agent dropped {plural(dropped, 'key')}")


@agent.command("stop")
def agent_stop() -> None:
    """Drop the keys and end the agent. Prints the shell lines that unset PROVENOTE_AGENT_SOCK,
    for eval "$(provenote agent stop)"."""
    pid = _client().stop()
    click.echo(f"unset {AGENT_SOCK_ENV};")
    click.echo(f"echo Agent pid {pid} stopped;")


@agent.command("status")
@json_option
def agent_status(as_json: bool) -> None:
    """Say whether the agent answers, which keys it holds and when it drops them (exit 2: no agent)."""
    client = _client()
    status = client.status()
    if as_json:
        emit_json({"socket": str(client.path), "pid": status.pid, "seconds_left": status.seconds_left,
                   "keys": [{"name": i.name, "role": i.role, "key_id": i.key_id} for i in status.keys]})
        return
    click.echo(inert(_describe(client, status)))


def _describe(client: AgentClient, status: AgentStatus) -> str:
    held = ", ".join(f"{i.name} ({i.role})" for i in status.keys)
    line = f"agent pid {status.pid} at {client.path} holds " + (f"{plural(len(status.keys), 'key')}: {held}"
                                                                 if status.keys else "no key")
    if status.seconds_left is not None:
        line += (f"; drops {'it' if len(status.keys) == 1 else 'them'} in "
                 f"{format_duration(status.seconds_left)}")
    return line

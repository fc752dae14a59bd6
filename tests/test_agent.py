"""The key agent (issue 12, spec/agent.md): start, sign, lock, stop through the CLI; the same
signatures as the unlocked key; another uid refused; a stale socket; no key material on disk
after a kill; the timeout; the socket's and directory's modes; hostile frames; malformed answers;
inherited descriptors and the passphrase variable not kept; a stalled client; no fork with
threads; no SO_PEERCRED."""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import re
import select
import shutil
import signal
import socket
import stat
import struct
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from ledger import AgentClient, AgentError, AgentKey, AgentUnavailable, KeyStore, agent_signer, spawn_agent
from tests.helpers import ROOT, Result, assert_one_line_error
from verifier.format import Checkpoint, cosign, decode_cbor, encode_cbor, sign_note

PASSPHRASE = "agent test passphrase"
#: The seed of the test's key, known so that the disk can be searched for it.
SEED = hashlib.sha256(b"provenote agent test seed").digest()
#: Runs the command line as on a system whose socket module has no SO_PEERCRED (not Linux).
WITHOUT_PEERCRED = ("import runpy, socket, sys; del socket.SO_PEERCRED; sys.argv[0] = 'provenote'; "
                    "runpy.run_module('cli', run_name='__main__')")
START = re.compile(r"^PROVENOTE_AGENT_SOCK=(\S+); export PROVENOTE_AGENT_SOCK;\necho Agent pid (\d+);\n$")


@dataclass
class Home:
    """One user's world in temporary directories: HOME, keys, ledger and a private runtime dir."""

    root: Path
    runtime: Path

    def env(self, *, passphrase: bool = False, sock: str | None = None) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("PROVENOTE_")}
        env.update(HOME=str(self.root), XDG_CONFIG_HOME=str(self.root / "config"),
                   XDG_RUNTIME_DIR=str(self.runtime), PROVENOTE_LEDGER=str(self.root / "ledger"),
                   PYTHONPATH=str(ROOT))
        if passphrase:
            env["PROVENOTE_PASSPHRASE"] = PASSPHRASE
        if sock is not None:
            env["PROVENOTE_AGENT_SOCK"] = sock
        return env

    def run(self, *args: str, passphrase: bool = False, sock: str | None = None,
            without_peercred: bool = False) -> Result:
        command = ["-c", WITHOUT_PEERCRED] if without_peercred else ["-m", "cli"]
        proc = subprocess.run([sys.executable, *command, *args], cwd=self.root, capture_output=True,
                              text=True, stdin=subprocess.DEVNULL, timeout=120,
                              env=self.env(passphrase=passphrase, sock=sock))
        return Result(proc.returncode, proc.stdout, proc.stderr)

    @property
    def keys(self) -> KeyStore:
        return KeyStore(self.root / "config" / "provenote" / "keys")


@dataclass
class Started:
    sock: str
    pid: int


def start(home: Home, *args: str) -> Started:
    result = home.run("agent", "start", *args, passphrase=True)
    assert result.code == 0, result.err
    found = START.match(result.out)
    assert found, result.out
    return Started(found.group(1), int(found.group(2)))


def wait_until(condition: object, what: str, limit: float = 20.0) -> None:
    """Poll ``condition`` (a callable) until true; fails after ``limit`` seconds (not a timing check:
    the limit only bounds a hung test)."""
    assert callable(condition)
    give_up = time.monotonic() + limit
    while not condition():
        assert time.monotonic() < give_up, f"still waiting for: {what}"
        time.sleep(0.05)


def alive(pid: int) -> bool:
    """Whether the process runs (not gone, not a zombie awaiting its reaper)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (FileNotFoundError, ProcessLookupError):
        return False


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Home]:
    # A short runtime directory (a Unix socket's path is at most 108 bytes; tmp_path can be long).
    runtime = Path(tempfile.mkdtemp(prefix="pn-run-"))
    world = Home(tmp_path, runtime)
    # The key "mei" is made with a known seed, so that a disk can be searched for it.
    real = os.urandom
    monkeypatch.setattr(os, "urandom", lambda n: SEED if n == 32 else real(n))
    world.keys.create("mei", "composer", PASSPHRASE)
    monkeypatch.setattr(os, "urandom", real)
    assert world.run("init").code == 0
    yield world
    for entry in runtime.glob("provenote-agent-*/agent.sock"):  # any agent a failed test left running
        with contextlib.suppress(AgentError):
            AgentClient(entry).stop()
    shutil.rmtree(runtime, ignore_errors=True)


def new_work(home: Home) -> str:
    result = home.run("work", "new", "--title", "Night Market", "--as", "mei", "--json", passphrase=True)
    assert result.code == 0, result.err
    return str(json.loads(result.out)["work"])


def test_start_record_lock_stop_through_the_cli(home: Home) -> None:
    work = new_work(home)
    agent = start(home)  # no KEY: every key in the store
    sock = Path(agent.sock)
    # The socket is 0600 in a 0700 directory of this user, under $XDG_RUNTIME_DIR.
    assert sock.parent.parent == home.runtime
    assert stat.S_ISSOCK(sock.lstat().st_mode) and stat.S_IMODE(sock.lstat().st_mode) == 0o600
    assert stat.S_IMODE(sock.parent.stat().st_mode) == 0o700
    assert sock.lstat().st_uid == sock.parent.stat().st_uid == os.getuid()
    assert sorted(p.name for p in sock.parent.iterdir()) == ["agent.sock"]

    status = home.run("agent", "status", "--json", sock=agent.sock)
    assert status.code == 0, status.err
    described = json.loads(status.out)
    assert described["pid"] == agent.pid and [k["name"] for k in described["keys"]] == ["mei"]
    assert described["seconds_left"] is None

    # No passphrase in the environment: the record is signed by the agent.
    recorded = home.run("record", "note", work, "--as", "mei", "--text", "hi", sock=agent.sock)
    assert recorded.code == 0 and recorded.err == "", recorded.err
    checkpoint = home.run("checkpoint", "--as", "mei", sock=agent.sock)  # a C2SP note, signed by the agent
    assert checkpoint.code == 0, checkpoint.err
    assert home.run("check").code == 0

    locked = home.run("agent", "lock", sock=agent.sock)
    assert locked.code == 0 and locked.out == "the agent dropped 1 key\n", locked.out
    assert json.loads(home.run("agent", "status", "--json", sock=agent.sock).out)["keys"] == []
    # Locked: the command falls back to the passphrase, of which there is none here.
    refused = home.run("record", "note", work, "--as", "mei", "--text", "again", sock=agent.sock)
    assert_one_line_error(refused)
    assert "no passphrase" in refused.err

    stopped = home.run("agent", "stop", sock=agent.sock)
    assert stopped.code == 0 and stopped.out == f"unset PROVENOTE_AGENT_SOCK;\necho Agent pid {agent.pid} stopped;\n"
    wait_until(lambda: not sock.parent.exists(), "the agent to remove its socket and directory")
    wait_until(lambda: not alive(agent.pid), "the agent to exit")
    log = json.loads(home.run("log", work, "--json").out)
    assert [e["type"] for e in log][-1] == "note" and len(log) == 2


def test_eval_in_a_shell_and_record_without_passphrase(home: Home) -> None:
    """As a user types it: eval "$(provenote agent start)" returns at once (the agent is detached)."""
    work = new_work(home)
    script = (f'eval "$({sys.executable} -m cli agent start mei)"\n'
              f"unset PROVENOTE_PASSPHRASE\n"
              f"{sys.executable} -m cli record note {work} --as mei --text 'from the shell'\n"
              f'eval "$({sys.executable} -m cli agent stop)"\n'
              'test -z "${PROVENOTE_AGENT_SOCK:-}"\n')
    done = subprocess.run(["bash", "-e", "-c", script], cwd=home.root, env=home.env(passphrase=True),
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "recorded note #1" in done.stdout
    assert not list(home.runtime.iterdir())


def test_agent_signatures_are_the_unlocked_keys(home: Home) -> None:
    unlocked = home.keys.unlock("mei", PASSPHRASE)
    agent = start(home, "mei")
    client = AgentClient(Path(agent.sock))
    through_agent = agent_signer(client, unlocked.info)
    assert through_agent is not None
    message = b"provenote test message \x00\xff"
    assert through_agent.sign(message) == unlocked.sign(message)
    assert through_agent.key_card() == unlocked.key_card()
    text = Checkpoint("example.com/log", 3, bytes(range(32))).text()
    assert (sign_note(text, "example.com/log", through_agent.private_key).encode()
            == sign_note(text, "example.com/log", unlocked.private_key).encode())
    assert (cosign(text, "notary", through_agent.private_key, 1767225600)
            == cosign(text, "notary", unlocked.private_key, 1767225600))
    # It signs only for a key it holds.
    with pytest.raises(AgentError, match="does not hold"):
        client.sign(bytes(32), message)
    other = home.keys.create("other", "composer", PASSPHRASE)
    assert agent_signer(client, other) is None
    client.stop()


def test_another_uid_is_refused(home: Home) -> None:
    if os.getuid() != 0:
        pytest.skip("needs root, to run a client as another uid (os.setuid in a forked child)")
    agent = start(home, "mei")
    sock = Path(agent.sock)
    nobody = 65534
    public_key = home.keys.info("mei").public_key

    def as_nobody(widen: bool) -> str:
        """What a client running as uid 65534 gets: the agent's answer to a raw request, or the
        errno of its connect."""
        if widen:  # as if the modes had been loosened: the uid check must still refuse
            os.chmod(sock.parent.parent, 0o711)  # the runtime directory
            os.chmod(sock.parent, 0o711)
            os.chmod(sock, 0o666)
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:
            answer = "?"
            try:
                os.close(read)
                os.setgroups([])
                os.setgid(nobody)
                os.setuid(nobody)
                conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                try:
                    conn.connect(str(sock))
                except OSError as e:
                    answer = f"connect: {e.errno}"
                else:
                    # The agent refuses as soon as it accepts, without reading a request.
                    data = b""
                    while chunk := conn.recv(4096):
                        data += chunk
                    answer = json.dumps(decode_cbor(data[4:], what="reply"))
                    conn.close()
                    # A sign request gets no signature (the refusal, or a reset: it is not read).
                    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
                        conn.connect(str(sock))
                        body = encode_cbor(["sign", public_key, b"a message"])
                        try:
                            conn.sendall(struct.pack(">I", len(body)) + body)
                            data = b""
                            while chunk := conn.recv(4096):
                                data += chunk
                        except (BrokenPipeError, ConnectionResetError):
                            data = b""
                        if data and decode_cbor(data[4:], what="reply")[0] != "error":
                            answer = "signed for another uid!"
                    try:  # and the client library refuses an agent of another user
                        AgentClient(sock).list_keys()
                    except AgentError as e:
                        answer += "\n" + str(e)
            except BaseException as e:
                answer = f"child failed: {e!r}"
            finally:
                os.write(write, answer.encode())
                os._exit(0)
        os.close(write)
        os.waitpid(pid, 0)
        with os.fdopen(read) as handle:
            return handle.read()

    assert as_nobody(widen=False) == f"connect: {errno.EACCES}"  # the 0700 directory stops it first
    answer = as_nobody(widen=True)
    reply, library = answer.split("\n") if "\n" in answer else (answer, "")
    assert json.loads(reply) == ["error", "this agent answers only its own user"]
    assert "another user" in library
    # The agent still serves its own user.
    assert [k.name for k in AgentClient(sock).list_keys()] == ["mei"]
    AgentClient(sock).stop()


def test_stale_socket_after_a_kill_and_no_key_material_on_disk(home: Home) -> None:
    work = new_work(home)
    agent = start(home)
    sock = Path(agent.sock)
    os.kill(agent.pid, signal.SIGKILL)
    wait_until(lambda: not alive(agent.pid), "the agent to die")
    assert sock.exists()  # SIGKILL leaves the socket behind: stale

    # Nothing of the key is on disk: not the seed, not in hex, in the socket dir or the whole tree.
    needles = (SEED, SEED.hex().encode(), SEED.hex().upper().encode())
    scanned = set()
    for tree in (sock.parent, home.runtime, home.root):
        for path in tree.rglob("*"):
            if path.is_file() and not path.is_symlink():
                data = path.read_bytes()
                scanned.add(path.name)
                assert not any(needle in data for needle in needles), path
    assert {"mei.key", "data.mdb"} <= scanned  # the search did look where keys and events live
    assert sorted(p.name for p in sock.parent.iterdir()) == ["agent.sock"]

    # A command warns in one line and falls back to the passphrase …
    fallback = home.run("record", "note", work, "--as", "mei", "--text", "hi", sock=agent.sock, passphrase=True)
    assert fallback.code == 0, fallback.err
    assert fallback.err.count("\n") == 1 and fallback.err.startswith("provenote: warning: no agent answers at")
    # … or, with no passphrase, stops with the warning and the error.
    failed = home.run("record", "note", work, "--as", "mei", "--text", "hi", sock=agent.sock)
    assert failed.code == 2 and "stale" in failed.err and "provenote: error: no passphrase" in failed.err
    assert "Traceback" not in failed.err
    assert_one_line_error(home.run("agent", "status", sock=agent.sock))
    assert_one_line_error(home.run("agent", "stop", sock=agent.sock))
    with pytest.raises(AgentUnavailable):
        AgentClient(sock).list_keys()

    # agent start does not trip over the old socket: a new directory, a working agent.
    again = home.run("agent", "start", passphrase=True, sock=agent.sock)
    assert again.code == 0, again.err
    found = START.match(again.out)
    assert found and found.group(1) != agent.sock
    assert home.run("record", "note", work, "--as", "mei", "--text", "back", sock=found.group(1)).code == 0
    AgentClient(Path(found.group(1))).stop()
    shutil.rmtree(sock.parent)


def test_timeout_drops_the_keys(home: Home) -> None:
    agent = start(home, "mei", "--timeout", "1s")
    client = AgentClient(Path(agent.sock))
    first = client.status()
    assert [k.name for k in first.keys] == ["mei"] and first.seconds_left is not None
    wait_until(lambda: not client.list_keys(), "the timeout to drop the key")
    assert client.status().seconds_left is None
    with pytest.raises(AgentError, match="does not hold"):
        client.sign(first.keys[0].public_key, b"late")
    client.stop()


@pytest.mark.parametrize("value", ["abc", "0", "-5", "1x", "400d", ""])
def test_bad_timeout_is_one_line(home: Home, value: str) -> None:
    assert_one_line_error(home.run("agent", "start", "--timeout", value, passphrase=True))


def test_commands_without_an_agent_are_one_line(home: Home) -> None:
    for command in ("lock", "stop", "status"):
        result = home.run("agent", command)
        assert_one_line_error(result)
        assert "PROVENOTE_AGENT_SOCK is not set" in result.err
    assert_one_line_error(home.run("agent", "start", "nosuchkey", passphrase=True))
    wrong = home.run("agent", "start", "mei", "--passphrase-file", "/nonexistent")
    assert_one_line_error(wrong)
    assert not list(home.runtime.iterdir())  # nothing started, nothing left


def test_hostile_frames_are_refused_and_the_agent_keeps_serving(home: Home) -> None:
    agent = start(home, "mei")
    sock = Path(agent.sock)

    def exchange(frame: bytes) -> object:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
            conn.settimeout(10)
            conn.connect(str(sock))
            conn.sendall(frame)
            data = b""
            while chunk := conn.recv(4096):
                data += chunk
        return decode_cbor(data[4:], what="reply") if data else None

    over = exchange(struct.pack(">I", 0xFFFFFFFF))
    assert over is None  # over the limit: the connection is dropped without reading further
    garbage = b"\xff\x00"
    assert exchange(struct.pack(">I", len(garbage)) + garbage) is None
    unknown = encode_cbor(["export-key"])
    assert exchange(struct.pack(">I", len(unknown)) + unknown) == ["error", "unknown request 'export-key'"]
    wrong = encode_cbor(["sign", b"short", b"m"])
    assert exchange(struct.pack(">I", len(wrong)) + wrong)[0] == "error"  # type: ignore[index]
    # Still serving, still holding the key.
    assert [k.name for k in AgentClient(sock).list_keys()] == ["mei"]
    key = AgentKey(AgentClient(sock), home.keys.info("mei").public_key)
    assert len(key.sign(b"x")) == 64
    AgentClient(sock).stop()


def test_sigterm_drops_keys_and_removes_the_socket(home: Home) -> None:
    agent = start(home, "mei")
    sock = Path(agent.sock)
    os.kill(agent.pid, signal.SIGTERM)
    wait_until(lambda: not sock.parent.exists(), "the agent to clean up on SIGTERM")
    wait_until(lambda: not alive(agent.pid), "the agent to exit")


@contextlib.contextmanager
def fake_agent(directory: Path, reply: object) -> Iterator[Path]:
    """A socket served by this test, not by an agent: every request gets ``reply``."""
    path = directory / "fake.sock"
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(str(path))
    listener.listen(4)
    listener.settimeout(0.1)
    done = threading.Event()

    def serve() -> None:
        while not done.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            with conn:
                conn.settimeout(10)
                (length,) = struct.unpack(">I", conn.recv(4, socket.MSG_WAITALL))
                conn.recv(length, socket.MSG_WAITALL)
                body = encode_cbor(reply)
                conn.sendall(struct.pack(">I", len(body)) + body)

    thread = threading.Thread(target=serve)
    thread.start()
    try:
        yield path
    finally:
        done.set()
        thread.join()
        listener.close()
        path.unlink()


@pytest.mark.parametrize("value", [[1, 2], "3", True, -1, None])
def test_malformed_answers_to_lock_and_stop_are_one_line(home: Home, value: object) -> None:
    with fake_agent(home.runtime, ["ok", value]) as sock:
        for command in ("lock", "stop"):
            result = home.run("agent", command, sock=str(sock))
            assert_one_line_error(result)
            assert "malformed answer from the agent" in result.err
        with pytest.raises(AgentError, match="malformed"):
            AgentClient(sock).lock()
    with fake_agent(home.runtime, ["ok", 3]) as sock:  # the fake does answer well-formed requests
        assert AgentClient(sock).lock() == 3


def test_the_agent_keeps_no_inherited_descriptor(home: Home) -> None:
    """A pipe the starting command inherits (as from make or a CI runner waiting for output) is
    not held open by the agent: its reader sees the end once the command has exited."""
    read, write = os.pipe()
    try:
        proc = subprocess.Popen([sys.executable, "-m", "cli", "agent", "start", "mei"], cwd=home.root,
                                env=home.env(passphrase=True), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, pass_fds=(write,))
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
        found = START.match(out)
        assert found, out
        os.close(write)
        write = -1
        readable, _, _ = select.select([read], [], [], 30)  # bounds a hang; not a timing check
        assert readable and os.read(read, 1) == b"", "the agent holds the inherited pipe open"
        pid = int(found.group(2))
        with contextlib.suppress(PermissionError):  # readable by root only (the agent is not dumpable)
            targets = sorted(os.readlink(f"/proc/{pid}/fd/{fd}") for fd in os.listdir(f"/proc/{pid}/fd"))
            assert [t for t in targets if t != os.devnull] == [targets[-1]] and targets[-1].startswith("socket:")
            assert targets.count(os.devnull) == 3
    finally:
        os.close(read)
        if write >= 0:
            os.close(write)
    AgentClient(Path(found.group(1))).stop()


def test_the_agent_forgets_the_passphrase_variable(home: Home) -> None:
    agent = start(home, "mei")  # started with PROVENOTE_PASSPHRASE in its environment
    try:
        environ = Path(f"/proc/{agent.pid}/environ").read_bytes()
    except PermissionError:
        AgentClient(Path(agent.sock)).stop()
        pytest.skip("only root may read the environment of a process that is not dumpable")
    assert b"PROVENOTE_AGENT_SOCK" not in environ and f"HOME={home.root}".encode() in environ  # the real block
    assert b"PROVENOTE_PASSPHRASE" not in environ and PASSPHRASE.encode() not in environ
    assert [k.name for k in AgentClient(Path(agent.sock)).list_keys()] == ["mei"]  # still serving
    AgentClient(Path(agent.sock)).stop()


def test_a_stalled_client_holds_the_agent_only_for_its_deadline(home: Home) -> None:
    """A client that trickles its request a byte at a time (each byte well within any per-read
    timeout) is cut off at the connection's total deadline, and the next client is answered."""
    agent = start(home, "mei")
    sock = Path(agent.sock)
    sending, finished = threading.Event(), threading.Event()
    outcome: list[str] = []

    def trickle() -> None:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
            conn.connect(str(sock))
            conn.sendall(struct.pack(">I", 1000))  # announces 1000 bytes, sends far fewer
            sending.set()
            for _ in range(120):  # 60 s of trickling: longer than any client waits
                if finished.wait(0.5):
                    outcome.append("told to stop")
                    return
                try:
                    conn.sendall(b"\x00")
                except (BrokenPipeError, ConnectionResetError):
                    outcome.append("cut off by the agent")
                    return
            outcome.append("never cut off")

    thread = threading.Thread(target=trickle)
    thread.start()
    try:
        assert sending.wait(30)
        # Queued behind the trickler: answered once the agent has cut it off.
        assert [k.name for k in AgentClient(sock).list_keys()] == ["mei"]
        thread.join(30)  # the trickler's next byte finds the connection closed
    finally:
        finished.set()
        thread.join()
    assert outcome == ["cut off by the agent"]
    AgentClient(sock).stop()


def test_spawning_from_a_process_with_threads_is_refused(home: Home, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(home.runtime))
    signer = home.keys.unlock("mei", PASSPHRASE)
    release = threading.Event()
    other = threading.Thread(target=release.wait)
    other.start()
    try:
        with pytest.raises(AgentError, match="one thread"):
            spawn_agent([signer], timeout=None)
    finally:
        release.set()
        other.join()
    assert not list(home.runtime.iterdir())  # nothing made
    assert len(signer.sign(b"still usable")) == 64  # the caller's key was not wiped


def test_without_so_peercred_the_agent_is_refused_and_commands_fall_back(
        home: Home, monkeypatch: pytest.MonkeyPatch) -> None:
    """Off Linux (no SO_PEERCRED): `agent start` is one error line, a command with
    PROVENOTE_AGENT_SOCK set warns in one line and uses the passphrase, and neither crashes."""
    work = new_work(home)
    agent = start(home, "mei")
    refused = home.run("agent", "start", "mei", passphrase=True, without_peercred=True)
    assert_one_line_error(refused)
    assert "needs Linux" in refused.err
    recorded = home.run("record", "note", work, "--as", "mei", "--text", "hi", sock=agent.sock, passphrase=True,
                        without_peercred=True)
    assert recorded.code == 0, recorded.err
    assert recorded.err.count("\n") == 1 and recorded.err.startswith("provenote: warning: the key agent needs Linux")
    status = home.run("agent", "status", sock=agent.sock, without_peercred=True)
    assert_one_line_error(status)
    monkeypatch.delattr(socket, "SO_PEERCRED")
    with pytest.raises(AgentError, match="needs Linux"):
        AgentClient(Path(agent.sock)).list_keys()
    with pytest.raises(AgentError, match="needs Linux"):
        spawn_agent([], timeout=None)
    monkeypatch.undo()
    AgentClient(Path(agent.sock)).stop()


def test_status_in_words(home: Home) -> None:
    agent = start(home, "mei", "--timeout", "1h")
    shown = home.run("agent", "status", sock=agent.sock)
    assert shown.code == 0, shown.err
    assert re.fullmatch(rf"agent pid {agent.pid} at {re.escape(agent.sock)} holds 1 key: mei \(composer\); "
                        r"drops it in (0:59:\d\d|1:00:00)\n", shown.out), shown.out
    AgentClient(Path(agent.sock)).stop()

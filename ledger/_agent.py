"""The key agent, as ssh-agent: unlocked keys held in one process's memory, signing for the
commands of the same user over a Unix socket (spec/agent.md).

The agent signs the bytes it is given, like ssh-agent: it does not parse them. Domain separation
is already inside every message the writer signs (COSE's ``Signature1`` structure with its
content type, the C2SP note and cosignature headers, the key card's and the bag seal's own
prefixes), so a signature made through the agent means what the same signature made with the
unlocked key means — they are the same bytes (RFC 8032 signatures are deterministic).

Security: the socket is 0600 inside a fresh 0700 directory; the agent reads its peer's uid with
SO_PEERCRED and answers only its own user; a client checks the same of the agent, and checks
every signature it gets back. The agent never writes anything to disk (no core dumps, not
dumpable); it drops its keys — zeroing them as far as Python allows (SigningKey.wipe) — at its
timeout, on ``lock``, on ``stop`` and on SIGTERM, SIGINT or SIGHUP, then removes its socket and
directory on exit.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import stat
import struct
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Any

from ledger._keystore import PublicKeyInfo, Signer
from verifier.format import ProvenoteError, SigningKey, UsageError, decode_cbor, encode_cbor, verify_ed25519

#: The environment variable through which commands find the agent.
AGENT_SOCK_ENV = "PROVENOTE_AGENT_SOCK"
#: The longest request the agent reads: the largest message the writer signs is an event's
#: Sig_structure (envelopes are at most 1 MiB, spec/format.md), so 2 MiB with room to spare.
MAX_REQUEST = 2 << 20
#: The longest reply a client reads (a key list, a signature or an error line).
MAX_REPLY = 64 << 10
#: Seconds one connection may take to send its request or read its reply.
CONNECTION_TIMEOUT = 5.0
#: AF_UNIX paths are at most 108 bytes on Linux (with the final NUL).
_MAX_SOCKET_PATH = 100
_LENGTH = struct.Struct(">I")
_PEERCRED = struct.Struct("3i")  # struct ucred: pid, uid, gid


class AgentError(UsageError):
    """The agent refused a request or failed, or answered something malformed (exit 2)."""


class AgentUnavailable(AgentError):
    """No agent answers at the socket: none set, the path is gone, or it is stale (the agent
    was killed and left its socket behind)."""


@dataclass(frozen=True)
class AgentStatus:
    """What a running agent says of itself: its pid, the keys it holds, and the seconds until it
    drops them (None: no timeout, or no keys)."""

    pid: int
    keys: tuple[PublicKeyInfo, ...]
    seconds_left: float | None


# -- wire: a 4-byte big-endian length, then one deterministic CBOR array ------------------------

def _send(conn: socket.socket, value: Any) -> None:
    body = encode_cbor(value)
    conn.sendall(_LENGTH.pack(len(body)) + body)


def _receive(conn: socket.socket, limit: int) -> Any:
    """One framed CBOR value. Raises AgentError for a closed stream, an over-long frame or bytes
    that are not deterministic CBOR; OSError (a timeout included) from the socket."""
    header = _read_exactly(conn, _LENGTH.size)
    (length,) = _LENGTH.unpack(header)
    if length > limit:
        raise AgentError(f"message of {length} bytes, over the limit of {limit}")
    try:
        return decode_cbor(_read_exactly(conn, length), what="agent message")
    except ProvenoteError as e:
        raise AgentError(f"malformed agent message: {e}") from e


def _read_exactly(conn: socket.socket, size: int) -> bytes:
    chunks, left = [], size
    while left:
        chunk = conn.recv(min(left, 1 << 16))
        if not chunk:
            raise AgentError("the connection closed in the middle of a message")
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def peer_uid(conn: socket.socket) -> int:
    """The uid of the process at the other end of a connected Unix socket (SO_PEERCRED)."""
    _, uid, _ = _PEERCRED.unpack(conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, _PEERCRED.size))
    return int(uid)


def _info_of(item: Any) -> PublicKeyInfo:
    if not (isinstance(item, list) and len(item) == 3 and isinstance(item[0], str) and isinstance(item[1], str)
            and isinstance(item[2], bytes)):
        raise AgentError("malformed key in the agent's answer")
    return PublicKeyInfo(item[0], item[1], item[2])


# -- the client ----------------------------------------------------------------------------------

class AgentClient:
    """Talks to the agent at ``path``: one connection per request. Every method raises
    AgentUnavailable when no agent answers there, AgentError when it refuses, fails or is not
    run by this user."""

    def __init__(self, path: Path) -> None:
        self.path = path

    @classmethod
    def from_environment(cls) -> AgentClient | None:
        """The agent named by PROVENOTE_AGENT_SOCK, or None when it is unset or empty."""
        value = os.environ.get(AGENT_SOCK_ENV)
        return cls(Path(value)) if value else None

    def _call(self, *request: Any) -> Any:
        conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            conn.settimeout(CONNECTION_TIMEOUT)
            try:
                conn.connect(os.fspath(self.path))
            except (FileNotFoundError, ConnectionRefusedError, NotADirectoryError) as e:
                raise AgentUnavailable(f"no agent answers at {self.path} ({AGENT_SOCK_ENV} is stale: "
                                       "was the agent stopped or killed?)") from e
            except OSError as e:
                raise AgentUnavailable(f"cannot reach the agent at {self.path}: {e.strerror or e}") from e
            if peer_uid(conn) != os.getuid():
                raise AgentError(f"the socket {self.path} belongs to another user's process: not used")
            try:
                _send(conn, list(request))
                reply = _receive(conn, MAX_REPLY)
            except OSError as e:
                raise AgentError(f"the agent at {self.path} did not answer: {e.strerror or e}") from e
        finally:
            conn.close()
        if isinstance(reply, list) and len(reply) == 2 and reply[0] == "ok":
            return reply[1]
        if isinstance(reply, list) and len(reply) == 2 and reply[0] == "error" and isinstance(reply[1], str):
            raise AgentError(f"the agent refused: {reply[1]}")
        raise AgentError("malformed answer from the agent")

    def list_keys(self) -> list[PublicKeyInfo]:
        """The keys the agent holds (public information only)."""
        answer = self._call("list")
        if not isinstance(answer, list):
            raise AgentError("malformed key list from the agent")
        return [_info_of(item) for item in answer]

    def sign(self, public_key: bytes, message: bytes) -> bytes:
        """The agent's signature of ``message`` by the held key ``public_key``, checked here
        (a wrong answer never reaches a ledger). Raises AgentError if it does not hold the key."""
        signature = self._call("sign", public_key, message)
        if not isinstance(signature, bytes) or not verify_ed25519(public_key, signature, message):
            raise AgentError("the agent's signature does not verify")
        return signature

    def status(self) -> AgentStatus:
        answer = self._call("status")
        try:
            pid, keys, left = answer
            if type(pid) is not int or not isinstance(keys, list) or not (left is None or isinstance(left, int)):
                raise ValueError
        except (TypeError, ValueError) as e:
            raise AgentError("malformed status from the agent") from e
        return AgentStatus(pid, tuple(_info_of(item) for item in keys), None if left is None else left / 1000)

    def lock(self) -> int:
        """Make the agent drop every key (it keeps running, holding none). Returns how many it held."""
        return int(self._call("lock"))

    def stop(self) -> int:
        """Make the agent drop its keys, remove its socket and exit. Returns its pid."""
        return int(self._call("stop"))


@dataclass(frozen=True)
class AgentKey:
    """A key held by the agent, as a :class:`verifier.format.Ed25519Signer`: ``sign`` goes over
    the socket. The private key never enters this process."""

    client: AgentClient
    public_key: bytes

    def sign(self, message: bytes) -> bytes:
        """Raises AgentError (AgentUnavailable if the agent has gone)."""
        return self.client.sign(self.public_key, message)


def agent_signer(client: AgentClient, info: PublicKeyInfo) -> Signer | None:
    """A :class:`Signer` for ``info`` that signs through the agent, or None if the agent does
    not hold that key (matched by public key). Raises AgentError as the client does."""
    if any(held.public_key == info.public_key for held in client.list_keys()):
        return Signer(info, AgentKey(client, info.public_key))
    return None


# -- the agent -----------------------------------------------------------------------------------

class _Stop(Exception):
    """A signal or a ``stop`` request: leave the serving loop."""


class _Keys:
    """The held keys, by public key, and when they are dropped."""

    def __init__(self, signers: list[Signer], timeout: float | None) -> None:
        self.held: dict[bytes, tuple[PublicKeyInfo, SigningKey]] = {}
        for signer in signers:
            if not isinstance(signer.private_key, SigningKey):
                raise UsageError(f"key {signer.info.name!r} is not unlocked in this process")
            self.held[signer.info.public_key] = (signer.info, signer.private_key)
        self.deadline = None if timeout is None else time.monotonic() + timeout

    def seconds_left(self) -> float | None:
        if self.deadline is None or not self.held:
            return None
        return max(0.0, self.deadline - time.monotonic())

    def drop(self) -> int:
        """Wipe and forget every key; how many there were."""
        count = len(self.held)
        for _, key in self.held.values():
            key.wipe()
        self.held.clear()
        self.deadline = None
        return count


def make_socket_dir() -> Path:
    """A new directory for one agent's socket, 0700 and this user's: under $XDG_RUNTIME_DIR when
    it is a private directory of this user (and the path short enough), else in the temporary
    directory. A fresh name each time, so an old socket left by a killed agent is never in the way."""
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    base: str | None = None
    if runtime:
        try:
            found = os.stat(runtime)
        except OSError:
            found = None
        if (found is not None and stat.S_ISDIR(found.st_mode) and found.st_uid == os.getuid()
                and not found.st_mode & 0o077 and len(runtime.encode()) < _MAX_SOCKET_PATH - 40):
            base = runtime
    return Path(tempfile.mkdtemp(prefix="provenote-agent-", dir=base))  # mkdtemp: mode 0700


def bind_socket(directory: Path) -> tuple[socket.socket, Path]:
    """A listening Unix socket ``agent.sock`` in ``directory``, created 0600 (never wider, not
    even for a moment). Raises UsageError if the path is too long for a Unix socket."""
    path = directory / "agent.sock"
    if len(os.fsencode(path)) > _MAX_SOCKET_PATH:
        raise UsageError(f"socket path too long for a Unix socket: {path}")
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    old = os.umask(0o177)
    try:
        listener.bind(os.fspath(path))
    finally:
        os.umask(old)
    os.chmod(path, 0o600)
    listener.listen(16)
    return listener, path


def _harden() -> None:
    """No core file, not dumpable, not traceable by the same user (as ssh-agent does): the keys
    in memory never reach a disk through a crash. Best effort off Linux."""
    import resource

    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(4, 0, 0, 0, 0)  # PR_SET_DUMPABLE = 4
    except (OSError, AttributeError):
        pass


def spawn_agent(signers: list[Signer], *, timeout: float | None) -> tuple[Path, int]:
    """Start an agent holding ``signers`` (unlocked here) in a background process, and return
    its socket path and pid once it listens. This process's copies of the keys are wiped.

    Raises: UsageError if a signer is not an unlocked key; OSError if the socket cannot be made.
    """
    keys = _Keys(signers, timeout)
    directory = make_socket_dir()
    try:
        listener, path = bind_socket(directory)
    except BaseException:
        directory.rmdir()
        raise
    pid = os.fork()
    if pid == 0:  # the agent
        status = 1
        try:
            os.setsid()
            null = os.open(os.devnull, os.O_RDWR)
            for fd in (0, 1, 2):  # detach: `eval "$(provenote agent start)"` must not wait for us
                os.dup2(null, fd)
            os.close(null)
            os.chdir("/")
            serve(listener, path, keys)
            status = 0
        finally:
            os._exit(status)
    listener.close()
    keys.drop()  # the agent has its own copies now
    return path, pid


def serve(listener: socket.socket, path: Path, keys: _Keys) -> None:
    """Answer requests until ``stop`` or SIGTERM, SIGINT or SIGHUP; drop the keys at their
    deadline. Always drops the keys and removes the socket and its directory on the way out."""

    def stop(signum: int, frame: FrameType | None) -> None:
        raise _Stop

    for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(signum, stop)
    signal.signal(signal.SIGPIPE, signal.SIG_IGN)
    try:
        _harden()
        while True:
            left = keys.seconds_left()
            if left == 0.0:
                keys.drop()
                left = None
            listener.settimeout(left)
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue  # the deadline: dropped at the top of the loop
            with conn:
                _answer(conn, keys)
    except _Stop:
        pass
    finally:
        for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            signal.signal(signum, signal.SIG_IGN)  # a second signal must not cut the clean-up short
        keys.drop()
        listener.close()
        path.unlink(missing_ok=True)
        with contextlib.suppress(OSError):
            path.parent.rmdir()


def _answer(conn: socket.socket, keys: _Keys) -> None:
    """One request on one connection. Raises _Stop after answering ``stop``."""
    conn.settimeout(CONNECTION_TIMEOUT)
    stopping = False
    try:
        if peer_uid(conn) != os.getuid():
            _send(conn, ["error", "this agent answers only its own user"])
            return
        request = _receive(conn, MAX_REQUEST)
        reply: list[Any]
        try:
            reply, stopping = ["ok", _dispatch(request, keys)], request == ["stop"]
        except AgentError as e:
            reply = ["error", str(e)]
        _send(conn, reply)
    except (AgentError, OSError):
        pass  # a broken or hostile client: drop the connection, keep serving
    if stopping:
        raise _Stop


def _dispatch(request: Any, keys: _Keys) -> Any:
    if not isinstance(request, list) or not request or not isinstance(request[0], str):
        raise AgentError("malformed request")
    op, args = request[0], request[1:]
    if keys.seconds_left() == 0.0:
        keys.drop()
    if op == "list" and not args:
        return [[info.name, info.role, info.public_key] for info, _ in keys.held.values()]
    if op == "sign" and len(args) == 2 and isinstance(args[0], bytes) and isinstance(args[1], bytes):
        held = keys.held.get(args[0])
        if held is None:
            raise AgentError("this agent does not hold that key")
        return held[1].sign(args[1])
    if op == "status" and not args:
        left = keys.seconds_left()
        return [os.getpid(), [[i.name, i.role, i.public_key] for i, _ in keys.held.values()],
                None if left is None else int(left * 1000)]
    if op == "lock" and not args:
        return keys.drop()
    if op == "stop" and not args:
        keys.drop()
        return os.getpid()
    raise AgentError(f"unknown request {op!r}")

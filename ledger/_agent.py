"""The key agent, as ssh-agent: unlocked keys held in one process's memory, signing for the
commands of the same user over a Unix socket (spec/agent.md).

The agent signs the bytes it is given, like ssh-agent: it does not parse them. Domain separation
is already inside every message the writer signs (COSE's ``Signature1`` structure with its
content type, the C2SP note and cosignature headers, the key card's and the bag seal's own
prefixes), so a signature made through the agent means what the same signature made with the
unlocked key means — they are the same bytes (RFC 8032 signatures are deterministic).

Security: the socket is 0600 inside a fresh 0700 directory; the agent reads its peer's uid with
SO_PEERCRED (Linux only: elsewhere the agent is refused, and a client falls back to the passphrase)
and answers only its own user; a client checks the same of the agent, and checks every signature
it gets back. The agent keeps no inherited file descriptor and no PROVENOTE_PASSPHRASE in its
environment, never writes anything to disk (no core dumps, not dumpable), and drops its keys —
zeroing them as far as Python allows (SigningKey.wipe) — at its timeout (counted on a clock that
runs through suspend), on ``lock``, on ``stop`` and on SIGTERM, SIGINT or SIGHUP, then removes its
socket and directory on exit.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import stat
import struct
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Any

from ledger._defaults import PASSPHRASE_ENV
from ledger._keystore import PublicKeyInfo, Signer
from verifier.format import ProvenoteError, SigningKey, UsageError, decode_cbor, encode_cbor, verify_ed25519

#: The environment variable through which commands find the agent.
AGENT_SOCK_ENV = "PROVENOTE_AGENT_SOCK"
#: The longest request the agent reads: the largest message the writer signs is an event's
#: Sig_structure (envelopes are at most 1 MiB, spec/format.md), so 2 MiB with room to spare.
MAX_REQUEST = 2 << 20
#: The longest reply a client reads (a key list, a signature or an error line).
MAX_REPLY = 64 << 10
#: Seconds the agent gives one connection, in all, to send its request and take the reply: the
#: agent serves one connection at a time, so a stalled client holds it at most this long.
CONNECTION_TIMEOUT = 5.0
#: Seconds a client waits for its answer, in all: a request may wait behind a few stalled ones.
CLIENT_TIMEOUT = 4 * CONNECTION_TIMEOUT
#: The longest the agent waits for a connection before looking at its clock again (the timeout
#: must not wait for a connection after a suspend).
_ACCEPT_WAIT = 60.0
_IS_LINUX = sys.platform.startswith("linux")
_CLOSE_UP_TO = 1 << 16  # where /proc/self/fd cannot be listed: close the numbers below this
_NEEDS_LINUX = "the key agent needs Linux (SO_PEERCRED, to check which user is at the other end)"
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


_BOOTTIME: int | None = getattr(time, "CLOCK_BOOTTIME", None)


def _now() -> float:
    """Seconds on a clock that also runs while the machine is suspended (CLOCK_BOOTTIME, Linux),
    else on the monotonic clock (which stops during suspend on some systems)."""
    if _BOOTTIME is not None:
        return time.clock_gettime(_BOOTTIME)
    return time.monotonic()



# -- wire: a 4-byte big-endian length, then one deterministic CBOR array ------------------------

def _send(conn: socket.socket, value: Any, deadline: float) -> None:
    """Send one framed value before ``deadline`` (on :func:`_now`). Raises OSError (TimeoutError
    past the deadline)."""
    body = encode_cbor(value)
    conn.settimeout(_left(deadline))
    conn.sendall(_LENGTH.pack(len(body)) + body)  # the timeout bounds the whole sendall


def _receive(conn: socket.socket, limit: int, deadline: float) -> Any:
    """One framed CBOR value, read in full before ``deadline``. Raises AgentError for a closed
    stream, an over-long frame or bytes that are not deterministic CBOR; OSError from the socket
    (TimeoutError past the deadline)."""
    header = _read_exactly(conn, _LENGTH.size, deadline)
    (length,) = _LENGTH.unpack(header)
    if length > limit:
        raise AgentError(f"message of {length} bytes, over the limit of {limit}")
    try:
        return decode_cbor(_read_exactly(conn, length, deadline), what="agent message")
    except ProvenoteError as e:
        raise AgentError(f"malformed agent message: {e}") from e


def _left(deadline: float) -> float:
    """Seconds until ``deadline``; raises TimeoutError when it has passed."""
    left = deadline - _now()
    if left <= 0:
        raise TimeoutError("timed out")
    return left


def _read_exactly(conn: socket.socket, size: int, deadline: float) -> bytes:
    chunks, left = [], size
    while left:
        conn.settimeout(_left(deadline))
        chunk = conn.recv(min(left, 1 << 16))
        if not chunk:
            raise AgentError("the connection closed in the middle of a message")
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def peer_uid(conn: socket.socket) -> int:
    """The uid of the process at the other end of a connected Unix socket (SO_PEERCRED).
    Raises AgentError where SO_PEERCRED does not exist (not Linux)."""
    _, uid, _ = _PEERCRED.unpack(conn.getsockopt(socket.SOL_SOCKET, _peercred_option(), _PEERCRED.size))
    return int(uid)


def _peercred_option() -> int:
    """socket.SO_PEERCRED on Linux. Raises AgentError elsewhere: OpenBSD has one too, but its
    struct is uid, gid, pid."""
    option = getattr(socket, "SO_PEERCRED", None)
    if option is None or not _IS_LINUX:
        raise AgentError(_NEEDS_LINUX)
    return int(option)


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
        deadline = _now() + CLIENT_TIMEOUT
        conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            conn.settimeout(CLIENT_TIMEOUT)
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
                _send(conn, list(request), deadline)
                reply = _receive(conn, MAX_REPLY, deadline)
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
        """The agent's pid, the keys it holds and the time left before it drops them."""
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
        return _count(self._call("lock"))

    def stop(self) -> int:
        """Make the agent drop its keys, remove its socket and exit. Returns its pid."""
        return _count(self._call("stop"))


def _count(answer: Any) -> int:
    """An answer that must be a count or a pid. Raises AgentError for anything else."""
    if type(answer) is not int or answer < 0:
        raise AgentError("malformed answer from the agent")
    return answer


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
        self.deadline = None if timeout is None else _now() + timeout

    def seconds_left(self) -> float | None:
        if self.deadline is None or not self.held:
            return None
        return max(0.0, self.deadline - _now())

    def listing(self) -> list[list[Any]]:
        """The held keys as the protocol lists them: ``[[name, role, public_key], ...]``."""
        return [[info.name, info.role, info.public_key] for info, _ in self.held.values()]

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


def _close_inherited(keep: int) -> None:
    """Close every file descriptor from 3 on but ``keep``, as ssh-agent does: an inherited pipe
    must not keep a parent waiting for its end (make, a CI runner) for the agent's life."""
    try:  # the open ones, as listed: closing every number up to a limit of 1e9 would take minutes
        open_fds = sorted(int(name) for name in os.listdir("/proc/self/fd"))
    except (OSError, ValueError):
        open_fds = list(range(_CLOSE_UP_TO))
    for fd in open_fds:
        if fd > 2 and fd != keep:
            with contextlib.suppress(OSError):  # (the listing's own descriptor is gone already)
                os.close(fd)


def _forget_passphrase() -> None:
    """Remove PROVENOTE_PASSPHRASE from this process: from ``os.environ`` and the C library's
    environment, and (Linux) overwrite its text in the initial environment block with zeros, which
    is what /proc/PID/environ shows. Copies that Python made of the value while unlocking remain
    in freed memory (spec/agent.md §4)."""
    if os.environ.pop(PASSPHRASE_ENV, None) is None:  # unsetenv: no pointer to the text remains
        return
    try:  # env_start and env_end: fields 50 and 51 of /proc/self/stat (proc(5))
        fields = Path("/proc/self/stat").read_bytes().rsplit(b")", 1)[1].split()
        start, end = int(fields[47]), int(fields[48])
        import ctypes

        block = ctypes.string_at(start, end - start)
    except (OSError, ValueError, IndexError, ImportError):
        return  # not Linux: os.environ is all there is
    name = PASSPHRASE_ENV.encode() + b"="
    offset = 0
    for entry in block.split(b"\0"):
        if entry.startswith(name):
            ctypes.memset(start + offset, 0, len(entry))
        offset += len(entry) + 1


def spawn_agent(signers: list[Signer], *, timeout: float | None) -> tuple[Path, int]:
    """Start an agent holding ``signers`` (unlocked here) in a background process (a fork), and
    return its socket path and pid once it listens. This process's copies of the keys are wiped.

    Raises: AgentError if this is not Linux (no SO_PEERCRED) or the process runs other threads (a
    fork copies only the calling thread, and locks other threads hold stay held); UsageError if a
    signer is not an unlocked key; OSError if the socket cannot be made.
    """
    _peercred_option()
    if threading.active_count() > 1:
        raise AgentError(f"the agent is started by a fork, which needs a process with one thread; "
                         f"this one runs {threading.active_count()}")
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
            _close_inherited(listener.fileno())
            os.chdir("/")
            _forget_passphrase()
        except BaseException:  # not serving: no socket may be left behind for clients to find
            with contextlib.suppress(OSError):
                path.unlink()
                path.parent.rmdir()
            keys.drop()
            os._exit(1)
        try:
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
            # Wake up at least every _ACCEPT_WAIT: a socket timeout may not count a suspend.
            listener.settimeout(_ACCEPT_WAIT if left is None else min(left, _ACCEPT_WAIT))
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue  # the deadline is checked at the top of the loop
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
    """One request on one connection, which gets CONNECTION_TIMEOUT in all to send it and take
    the answer. Raises _Stop after answering ``stop``."""
    deadline = _now() + CONNECTION_TIMEOUT
    stopping = False
    try:
        if peer_uid(conn) != os.getuid():
            _send(conn, ["error", "this agent answers only its own user"], deadline)
            return
        request = _receive(conn, MAX_REQUEST, deadline)
        reply: list[Any]
        try:
            reply, stopping = ["ok", _dispatch(request, keys)], request == ["stop"]
        except AgentError as e:
            reply = ["error", str(e)]
        _send(conn, reply, deadline)
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
        return keys.listing()
    if op == "sign" and len(args) == 2 and isinstance(args[0], bytes) and isinstance(args[1], bytes):
        held = keys.held.get(args[0])
        if held is None:
            raise AgentError("this agent does not hold that key")
        return held[1].sign(args[1])
    if op == "status" and not args:
        left = keys.seconds_left()
        return [os.getpid(), keys.listing(), None if left is None else int(left * 1000)]
    if op == "lock" and not args:
        return keys.drop()
    if op == "stop" and not args:
        keys.drop()
        return os.getpid()
    raise AgentError(f"unknown request {op!r}")

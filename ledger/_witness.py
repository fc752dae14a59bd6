"""A witness (C2SP tlog-witness, tlog-cosignature v1): an auditor, a collecting society or a
notary cosigns a log's checkpoint only if it is consistent with the last one it cosigned for
that origin, and keeps what it saw in a state folder (spec/anchoring.md §5).

State: one file per origin, ``<SHA-256(origin) hex>.json``, holding the log's verifier key
(given once, explicitly, with ``--log-key``), and the size and root last cosigned. Written to a
temporary name and renamed, after the cosignature is made and before it is handed out.
"""

from __future__ import annotations

import base64
import fcntl
import hashlib
import json
import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from ledger._keystore import Signer
from verifier.format import (
    SIG_ED25519,
    Checkpoint,
    SignedNote,
    UsageError,
    VerificationFailure,
    VerifierKey,
    cosign,
    parse_add_checkpoint,
    verify_consistency,
    verify_note,
)

MAX_STATE = 1 << 16


class WitnessError(UsageError):
    """The witness refuses: a checkpoint it cannot check, or one inconsistent with what it saw
    (exit 2); its state is unchanged."""


@dataclass(frozen=True)
class Cosigned:
    """What a cosign produced: the checkpoint note with the witness's line added."""

    note: bytes
    origin: str
    size: int
    line: str


def _parse_request(data: bytes) -> tuple[int | None, list[bytes], bytes]:
    """An add-checkpoint body (``old N``, proof, blank line, note) or a bare checkpoint note."""
    if data.startswith(b"old "):
        old, proof, note = parse_add_checkpoint(data)
        return old, proof, note
    return None, [], data


class Witness:
    """A witness over a state folder, signing with one key."""

    def __init__(self, state: Path) -> None:
        self.state = state

    def _path(self, origin: str) -> Path:
        return self.state / f"{hashlib.sha256(origin.encode('utf-8')).hexdigest()}.json"

    def _load(self, origin: str) -> dict[str, object] | None:
        path = self._path(origin)
        if not path.exists():
            return None
        try:
            if not path.is_file() or path.stat().st_size > MAX_STATE:
                raise WitnessError(f"witness state {path} is not a small regular file")
            value = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
            raise WitnessError(f"witness state {path} cannot be read: {e}") from e
        if not isinstance(value, dict) or value.get("origin") != origin:
            raise WitnessError(f"witness state {path} is not this origin's")
        return value

    def _save(self, origin: str, log_key: VerifierKey, checkpoint: Checkpoint) -> None:
        self.state.mkdir(mode=0o700, parents=True, exist_ok=True)
        record = {"origin": origin, "log_key": log_key.format(), "size": checkpoint.size,
                  "root": base64.b64encode(checkpoint.root).decode("ascii")}
        fd, temp = tempfile.mkstemp(prefix=".witness-", suffix=".tmp", dir=self.state)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(record, handle)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temp, self._path(origin))
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise

    def cosign(self, request: bytes, signer: Signer, *, log_key: VerifierKey | None = None,
               now: int | None = None) -> Cosigned:
        """See :meth:`_cosign`; one request at a time per state folder (an exclusive lock held
        from reading the state to saving it), so two forks can never both be cosigned."""
        self.state.mkdir(mode=0o700, parents=True, exist_ok=True)
        with open(self.state / ".lock", "a+b") as lock:
            fcntl.flock(lock.fileno(), fcntl.LOCK_EX)
            try:
                return self._cosign(request, signer, log_key=log_key, now=now)
            finally:
                fcntl.flock(lock.fileno(), fcntl.LOCK_UN)

    def _cosign(self, request: bytes, signer: Signer, *, log_key: VerifierKey | None = None,
                now: int | None = None) -> Cosigned:
        """Cosign the checkpoint of ``request`` (a tlog-witness add-checkpoint body, or a bare
        checkpoint note for an origin the witness has not seen) if it is signed by the log's key
        and consistent with the last checkpoint cosigned for its origin.

        Raises: WitnessError for a malformed request, a log key not given or not matching, a
        bad signature, an ``old`` size that is not the last one cosigned, or a checkpoint that
        is not an extension of it (same size and another root included).
        """
        try:
            old, proof, note_bytes = _parse_request(request)
            note = SignedNote.parse(note_bytes)
            checkpoint = Checkpoint.parse(note.text)
        except VerificationFailure as e:
            raise WitnessError(f"not a checkpoint: {e.message}") from e
        origin = checkpoint.origin
        state = self._load(origin)
        if state is not None:
            known_key = VerifierKey.parse(str(state["log_key"]))
            if log_key is not None and log_key != known_key:
                raise WitnessError(f"--log-key differs from the key this witness holds for {origin}")
            log_key = known_key
        if log_key is None:
            raise WitnessError(f"this witness has not seen {origin}: give the log's key with --log-key")
        if log_key.sig_type != SIG_ED25519 or log_key.name != origin:
            raise WitnessError(f"--log-key must be an Ed25519 note key named {origin}")
        try:
            if not verify_note(note, log_key.name, log_key.public_key):
                raise WitnessError("the checkpoint is not signed by the log's key")
        except VerificationFailure as e:
            raise WitnessError(f"the checkpoint's signature does not verify: {e.message}") from e
        seen_size = int(str(state["size"])) if state is not None else 0
        seen_root = base64.b64decode(str(state["root"])) if state is not None else b""
        if old is not None and old != seen_size:  # tlog-witness: the client's view must be ours
            raise WitnessError(f"the proof starts at size {old}; this witness last cosigned size {seen_size}")
        if checkpoint.size < seen_size:
            raise WitnessError(f"size {checkpoint.size} is older than the size {seen_size} already cosigned")
        if state is not None and checkpoint.size == seen_size and checkpoint.root != seen_root:
            raise WitnessError(f"equivocation: another root for size {seen_size}, which this witness cosigned")
        if seen_size and checkpoint.size > seen_size:
            if old is None:
                raise WitnessError(f"a consistency proof from size {seen_size} is needed: "
                                   "give the output of 'provenote prove-consistency'")
            try:
                verify_consistency(seen_size, checkpoint.size, seen_root, checkpoint.root, proof)
            except VerificationFailure as e:
                raise WitnessError(f"not consistent with the checkpoint of size {seen_size} this witness "
                                   f"cosigned: {e.message}") from e
        timestamp = int(time.time()) if now is None else now
        signature = cosign(note.text, signer.info.name, signer.private_key, timestamp)
        self._save(origin, log_key, checkpoint)
        return Cosigned(note.with_signature(signature).encode(), origin, checkpoint.size, signature.line())

"""The log records of a bundle and the checks on them that need no trust decision
(spec/anchoring.md; spec/verification.md V11).

A bundle may end, before its trailer, with the records that tie its events to the ledger's
Merkle log (RFC 9162):

    log          ["log", note, leaves, proof]           the latest checkpoint; leaf index of each
                                                          covered event; the multi-inclusion proof
    checkpoint   ["checkpoint", note, consistency]       every earlier checkpoint, with a
                                                          consistency proof to the latest
    timestamp    ["timestamp", size, nonce, response]    an RFC 3161 response over a checkpoint note
    cosignature  ["cosignature", size, line]             a C2SP tlog-cosignature line

``note`` is a C2SP signed note (the tlog-checkpoint text and the ledger key's signature line),
byte for byte as signed and as timestamped. Which TSA or witness to trust is the verifier
application's business; this module checks only what the bytes themselves prove.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from verifier.format._codes import Code, UsageError, VerificationFailure
from verifier.format._keys import KeyCard
from verifier.format._merkle import HASH_SIZE, leaf_hash, verify_consistency, verify_multi_inclusion
from verifier.format._note import Checkpoint, NoteSignature, SignedNote, verify_note

LOG_ORIGIN_PREFIX = "provenote/"
_ORIGIN = re.compile(r"provenote/[0-9a-f]{32}")
MAX_NOTE_SIZE = 1 << 16  # a checkpoint note: three lines and a few signatures
MAX_NONCE = 2**64 - 1


def log_origin(ledger_id: bytes) -> str:
    """The origin line (and note key name) of a ledger's log: ``provenote/<ledger id hex>``."""
    if type(ledger_id) is not bytes or len(ledger_id) != 16:
        raise UsageError("a ledger id is 16 bytes")
    return LOG_ORIGIN_PREFIX + ledger_id.hex()


def checkpoint_imprint(note: bytes) -> bytes:
    """What an RFC 3161 request over a checkpoint stamps: SHA-256 of the exact signed-note bytes
    (spec/anchoring.md §4)."""
    return hashlib.sha256(note).digest()


def _bad(message: str) -> VerificationFailure:
    return VerificationFailure(Code.LOG_MALFORMED, message)


@dataclass(frozen=True)
class SignedCheckpoint:
    """A checkpoint note as carried: its exact bytes, the checkpoint it states, and the key card
    whose signature line verifies (spec/anchoring.md §2; V11.1)."""

    note: bytes
    checkpoint: Checkpoint
    signer: KeyCard

    @classmethod
    def parse(cls, note: bytes, keys: Mapping[Any, KeyCard], *, origin: str | None = None) -> SignedCheckpoint:
        """Parse and verify a checkpoint note: a signed note whose text is a tlog-checkpoint with
        a provenote origin (``origin`` when given), signed under the origin as key name by one of
        ``keys``.

        Raises: VerificationFailure ``log.malformed`` (form), ``log.origin_mismatch`` (another
        log than ``origin``), ``log.signature_invalid`` (no line verifies under a card).
        """
        if type(note) is not bytes or len(note) > MAX_NOTE_SIZE:
            raise _bad(f"a checkpoint note is at most {MAX_NOTE_SIZE} bytes")
        signed = SignedNote.parse(note)
        checkpoint = Checkpoint.parse(signed.text)
        if not _ORIGIN.fullmatch(checkpoint.origin):
            raise _bad(f"checkpoint origin {checkpoint.origin[:80]!r} is not provenote/<32 hex digits>")
        if checkpoint.extensions:
            raise _bad("a provenote checkpoint has no extension lines")
        if origin is not None and checkpoint.origin != origin:
            raise VerificationFailure(Code.LOG_ORIGIN_MISMATCH,
                                      f"checkpoint of {checkpoint.origin}, not of {origin}")
        for card in keys.values():
            if verify_note(signed, checkpoint.origin, card.public_key):
                return cls(note, checkpoint, card)
        raise VerificationFailure(Code.LOG_SIGNATURE_INVALID,
                                  f"checkpoint of size {checkpoint.size} is signed by no key of the bundle")


def _digests(value: Any, what: str) -> list[bytes]:
    if type(value) is not list or any(type(h) is not bytes or len(h) != HASH_SIZE for h in value):
        raise _bad(f"{what} is an array of {HASH_SIZE}-byte hashes")
    return value


def _uint(value: Any, what: str, limit: int = MAX_NONCE) -> int:
    if type(value) is not int or not 0 <= value <= limit:
        raise _bad(f"{what} is an unsigned integer")
    return value


@dataclass(frozen=True)
class LogRecord:
    """``["log", note, leaves, proof]`` (V11.1–V11.2), its fields checked for form only."""

    note: bytes
    leaves: tuple[int, ...]
    proof: tuple[bytes, ...]

    @classmethod
    def decode(cls, record: list[Any]) -> LogRecord:
        if len(record) != 4 or type(record[1]) is not bytes or type(record[2]) is not list:
            raise _bad("a log record is [\"log\", note, leaves, proof]")
        leaves = tuple(_uint(i, "a leaf index") for i in record[2])
        return cls(record[1], leaves, tuple(_digests(record[3], "the inclusion proof")))

    def to_record(self) -> list[Any]:
        return ["log", self.note, list(self.leaves), list(self.proof)]


@dataclass(frozen=True)
class CheckpointRecord:
    """``["checkpoint", note, consistency]``: an earlier checkpoint and a proof that the log
    record's checkpoint extends it (V11.3)."""

    note: bytes
    consistency: tuple[bytes, ...]

    @classmethod
    def decode(cls, record: list[Any]) -> CheckpointRecord:
        if len(record) != 3 or type(record[1]) is not bytes:
            raise _bad("a checkpoint record is [\"checkpoint\", note, consistency proof]")
        return cls(record[1], tuple(_digests(record[2], "a consistency proof")))

    def to_record(self) -> list[Any]:
        return ["checkpoint", self.note, list(self.consistency)]


@dataclass(frozen=True)
class TimestampRecord:
    """``["timestamp", size, nonce, response]``: an RFC 3161 TimeStampResp (DER) over the note of
    the bundle's checkpoint of that size, requested with that nonce (V12.1)."""

    size: int
    nonce: int
    response: bytes

    @classmethod
    def decode(cls, record: list[Any]) -> TimestampRecord:
        if len(record) != 4 or type(record[3]) is not bytes:
            raise _bad("a timestamp record is [\"timestamp\", tree size, nonce, response]")
        return cls(_uint(record[1], "a tree size"), _uint(record[2], "a nonce"), record[3])

    def to_record(self) -> list[Any]:
        return ["timestamp", self.size, self.nonce, self.response]

    def sort_key(self) -> tuple[int, bytes]:
        return self.size, self.response


@dataclass(frozen=True)
class CosignatureRecord:
    """``["cosignature", size, line]``: one C2SP tlog-cosignature signature line (its final
    newline included) over the bundle's checkpoint of that size (V12.2)."""

    size: int
    line: str

    @classmethod
    def decode(cls, record: list[Any]) -> CosignatureRecord:
        if len(record) != 3 or type(record[2]) is not str:
            raise _bad("a cosignature record is [\"cosignature\", tree size, signature line]")
        size = _uint(record[1], "a tree size")
        cls._signature(record[2])
        return cls(size, record[2])

    @staticmethod
    def _signature(line: str) -> NoteSignature:
        if not line.endswith("\n") or line.count("\n") != 1:
            raise _bad("a cosignature is one signature line ending in a newline")
        # A signature line is only ever parsed inside a note: parse it under a one-line note.
        return SignedNote.parse(b"x\n\n" + line.encode("utf-8")).signatures[0]

    @property
    def signature(self) -> NoteSignature:
        return self._signature(self.line)

    def to_record(self) -> list[Any]:
        return ["cosignature", self.size, self.line]

    def sort_key(self) -> tuple[int, str]:
        return self.size, self.line


def check_inclusion(checkpoint: Checkpoint, leaves: Sequence[int], event_hashes: Sequence[bytes],
                    proof: Sequence[bytes]) -> None:
    """V11.2: the first ``len(leaves)`` events of the bundle, in order, are the leaves at those
    indices of the checkpoint's tree — their leaf hashes computed here from the events' own
    hashes (RFC 9162 §2.1.1), never taken from the bundle — so the chain and the tree cover the
    same events.

    Raises: VerificationFailure ``log.proof_invalid``.
    """
    if len(leaves) > len(event_hashes):
        raise VerificationFailure(Code.LOG_PROOF_INVALID,
                                  f"the log names {len(leaves)} leaves for {len(event_hashes)} events")
    if not leaves:
        if proof:
            raise VerificationFailure(Code.LOG_PROOF_INVALID, "an inclusion proof for no leaves is empty")
        return
    hashes = [leaf_hash(h) for h in event_hashes[:len(leaves)]]
    verify_multi_inclusion(checkpoint.size, leaves, hashes, proof, checkpoint.root)


def check_extends(earlier: Checkpoint, latest: Checkpoint, proof: Sequence[bytes]) -> None:
    """V11.3: ``latest`` extends ``earlier`` (same origin, RFC 9162 §2.1.4.2 consistency).

    Raises: VerificationFailure ``log.proof_invalid``.
    """
    if earlier.origin != latest.origin:
        raise VerificationFailure(Code.LOG_PROOF_INVALID, "an earlier checkpoint names another log")
    verify_consistency(earlier.size, latest.size, earlier.root, latest.root, proof)

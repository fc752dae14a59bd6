"""Steps V11–V12 of spec/verification.md: the bundle's Merkle log, the auditor's known
checkpoints, RFC 3161 timestamps and witness cosignatures.

The form and the proofs are the format core's (``verifier.format``); what to trust — which TSA
roots, which witnesses, how many — comes from the auditor's :class:`Policy`, never from the
bundle.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from verifier._report import ExistedBy, LogReport, Policy, TimestampReport
from verifier.format import (
    Checkpoint,
    CheckpointRecord,
    Code,
    CosignatureRecord,
    KeyCard,
    KeyId,
    LogRecord,
    SignedCheckpoint,
    SignedNote,
    TimestampRecord,
    VerificationFailure,
    check_extends,
    check_inclusion,
    verify_cosignature,
    verify_note,
)

Report = Callable[[Code, str], None]

#: genTime's precision: many TSAs state whole seconds (RFC 3161 §2.4.2 lets them), so a token is
#: read as "by the end of that second" — or by genTime + its accuracy when that is larger. Events
#: recorded within it are held, and the bound the report gives is genTime plus this slack (never
#: earlier than the TSA can vouch for).
GEN_TIME_SLACK_US = 1_000_000


def slack(accuracy: int) -> int:
    return max(GEN_TIME_SLACK_US, accuracy)


class LogCheck:
    """Collects the log records of one bundle (in their order, V1.7) and checks them at the end."""

    def __init__(self, policy: Policy) -> None:
        self.policy = policy
        self.log: LogRecord | None = None
        self.earlier: list[CheckpointRecord] = []
        self.timestamps: list[TimestampRecord] = []
        self.cosignatures: list[CosignatureRecord] = []
        self.malformed: list[str] = []
        self.signers: set[bytes] = set()  # public keys whose checkpoint signatures verified
        self.failed = False  # a log record failed V11.1: its signer is not known (V2.6 not judged)
        self.unjudged: set[int] = set()  # sizes of checkpoint records that failed V11.3

    def add(self, kind: str, record: list[Any]) -> None:
        """One record of kind log, checkpoint, timestamp or cosignature (form only, V11.1)."""
        try:
            if kind == "log":
                self.log = LogRecord.decode(record)
            elif kind == "checkpoint":
                self.earlier.append(CheckpointRecord.decode(record))
            elif kind == "timestamp":
                stamp = TimestampRecord.decode(record)
                if self.timestamps and stamp.sort_key() <= self.timestamps[-1].sort_key():
                    raise VerificationFailure(Code.LOG_MALFORMED, "timestamp records are sorted, each once")
                self.timestamps.append(stamp)
            else:
                line = CosignatureRecord.decode(record)
                if self.cosignatures and line.sort_key() <= self.cosignatures[-1].sort_key():
                    raise VerificationFailure(Code.LOG_MALFORMED, "cosignature records are sorted, each once")
                self.cosignatures.append(line)
        except VerificationFailure as e:
            self.malformed.append(e.message)

    @property
    def present(self) -> bool:
        return self.log is not None or bool(self.earlier or self.timestamps or self.cosignatures or self.malformed)

    def finish(self, keys: Mapping[KeyId, KeyCard], hashes: Sequence[bytes], times: Sequence[int | None],
               error: Report, warn: Report) -> LogReport | None:
        """Run V11–V12 over the records, the bundle's key cards and its events' hashes and recorded
        times (None for an event that failed its own checks). Reports defects through ``error``
        (and findings through ``warn``); returns what was proven, or None without a log."""
        for message in self.malformed:
            error(Code.LOG_MALFORMED, message)
        self.failed = bool(self.malformed)
        if self.log is None:
            if self.present and not self.malformed:
                error(Code.LOG_MALFORMED, "checkpoint, timestamp or cosignature records without a log record")
                self.failed = True
            return None
        try:  # V11.1: the latest checkpoint, signed by a key of the bundle
            latest = SignedCheckpoint.parse(self.log.note, keys)
        except VerificationFailure as e:
            error(e.code, f"the log's checkpoint: {e.message}")
            self.failed = True  # V11.3–V12 and V2.6 are not judged: the rest hangs on this checkpoint
            return None
        checkpoint = latest.checkpoint
        self.signers.add(latest.signer.public_key)
        try:  # V11.2: the chain's events are the tree's leaves
            check_inclusion(checkpoint, self.log.leaves, hashes, self.log.proof)
            covered = len(self.log.leaves)
        except VerificationFailure as e:
            error(e.code, e.message)
            covered = 0
        notes: dict[int, tuple[bytes, Checkpoint, bytes]] = {
            checkpoint.size: (self.log.note, checkpoint, latest.signer.public_key)}
        sizes: list[int] = []
        for record in self.earlier:  # V11.3: every earlier checkpoint, extended by the latest
            try:
                earlier = SignedCheckpoint.parse(record.note, keys, origin=checkpoint.origin)
                if earlier.checkpoint.size == 0:
                    raise VerificationFailure(Code.LOG_PROOF_INVALID, "an earlier checkpoint of size 0 proves nothing")
                if (sizes and earlier.checkpoint.size <= sizes[-1]) or earlier.checkpoint.size >= checkpoint.size:
                    raise VerificationFailure(Code.LOG_PROOF_INVALID, "earlier checkpoints come in increasing size, "
                                              "each smaller than the log's")
                check_extends(earlier.checkpoint, checkpoint, record.consistency)
            except VerificationFailure as e:
                error(Code.LOG_PROOF_INVALID if e.code is Code.LOG_ORIGIN_MISMATCH else e.code,
                      f"earlier checkpoint: {e.message}")
                size = _size_of(record.note)  # what names it is not judged (V11.3)
                if size is not None and size not in notes:
                    self.unjudged.add(size)
                continue
            self.signers.add(earlier.signer.public_key)
            sizes.append(earlier.checkpoint.size)
            notes[earlier.checkpoint.size] = (record.note, earlier.checkpoint, earlier.signer.public_key)
        known, evidence = self._known(checkpoint, notes, keys, error)
        stamps = self._timestamps(notes, hashes, times, covered, error, warn)
        witnesses, witnessed = self._witnesses(notes, covered, error)
        return LogReport(
            origin=checkpoint.origin, size=checkpoint.size, root=checkpoint.root, signer=latest.signer.name,
            covered=covered, checkpoints=tuple(sizes), timestamps=tuple(stamps), witnesses=tuple(witnesses),
            witnessed=witnessed, known=tuple(known), existed_by=self._existed_by(stamps, covered),
            evidence=tuple(evidence))

    # V11.4 ---------------------------------------------------------------------------------

    def _known(self, latest: Checkpoint, notes: Mapping[int, tuple[bytes, Checkpoint, bytes]],
               keys: Mapping[KeyId, KeyCard], error: Report) -> tuple[list[tuple[int, str]], list[str]]:
        results: list[tuple[int, str]] = []
        evidence: list[str] = []
        for raw in self.policy.known_checkpoints:
            known = Checkpoint.parse(SignedNote.parse(raw).text)  # checked when the policy was made
            if known.origin != latest.origin:
                error(Code.LOG_ORIGIN_MISMATCH, f"the known checkpoint of size {known.size} is of {known.origin}, "
                                                f"the bundle's log is {latest.origin}")
                results.append((known.size, str(Code.LOG_ORIGIN_MISMATCH)))
                continue
            ours = notes.get(known.size)
            if ours is not None and ours[1].root == known.root:
                results.append((known.size, "extends"))
                continue
            if ours is not None and _signed_by(raw, ours[2]):  # by the key that signed the bundle's
                error(Code.LOG_EQUIVOCATION, f"the log signed two checkpoints of size {known.size} with different "
                                             "roots: the known one and the bundle's")
                evidence += [raw.decode("utf-8"), ours[0].decode("utf-8")]
                results.append((known.size, str(Code.LOG_EQUIVOCATION)))
                continue
            why = ("is newer than the bundle's log" if known.size > latest.size else
                   "has a root the bundle's log does not extend" if ours is not None else
                   "is not among the checkpoints the bundle's log extends")
            error(Code.LOG_INCONSISTENT, f"the known checkpoint of size {known.size} {why}")
            results.append((known.size, str(Code.LOG_INCONSISTENT)))
        return results, evidence

    # V12.1 ---------------------------------------------------------------------------------

    def _timestamps(self, notes: Mapping[int, tuple[bytes, Checkpoint, bytes]], hashes: Sequence[bytes],
                    times: Sequence[int | None], covered: int, error: Report, warn: Report) -> list[TimestampReport]:
        if not self.timestamps:
            return []
        from cryptography import x509

        from verifier._timestamp import check_timestamp  # its library only for a bundle with tokens

        roots = [x509.load_der_x509_certificate(der) for der in self.policy.tsa_roots]
        results = []
        for stamp in self.timestamps:
            if stamp.size not in notes:
                if stamp.size not in self.unjudged:  # not judged: its checkpoint failed V11.3
                    error(Code.LOG_MALFORMED, f"a timestamp names size {stamp.size}: no checkpoint of that size")
                continue
            note = notes[stamp.size][0]
            try:
                checked = check_timestamp(stamp.response, note, stamp.nonce, roots)
            except VerificationFailure as e:
                error(e.code, f"timestamp over the checkpoint of size {stamp.size}: {e.message}")
                continue
            # Every covered event the checkpoint holds was recorded before the TSA saw it.
            held = self._held(stamp.size, covered)
            late = [t for t in times[:held] if t is not None and t > checked.gen_time + slack(checked.accuracy)]
            if late:
                error(Code.TIMESTAMP_MISMATCH, f"the timestamp over the checkpoint of size {stamp.size} is earlier "
                                               f"than the recorded time of {len(late)} event(s) it covers")
                continue
            if not checked.trusted:
                warn(Code.TIMESTAMP_UNTRUSTED, f"the timestamp by {checked.tsa} over the checkpoint of size "
                                               f"{stamp.size} is not trusted: {checked.reason}")
            results.append(TimestampReport(stamp.size, checked.gen_time, checked.tsa, checked.trusted, checked.reason,
                                           slack(checked.accuracy)))
        del hashes
        return results

    def _held(self, size: int, covered: int) -> int:
        """How many of the covered events a checkpoint of ``size`` holds: the events are leaves in
        increasing order, so those whose leaf index is below ``size`` — a prefix."""
        assert self.log is not None
        return bisect.bisect_left(self.log.leaves, size, 0, covered)

    def _existed_by(self, stamps: Sequence[TimestampReport], covered: int) -> tuple[ExistedBy, ...]:
        """V12.3: for each covered event, the earliest time among the trusted timestamps over a
        checkpoint that holds it, as runs of consecutive events with the same bound."""
        trusted = sorted((self._held(s.size, covered), s.time + s.slack, s.tsa) for s in stamps if s.trusted)
        runs: list[ExistedBy] = []
        start = 0
        for k, (held, _, _) in enumerate(trusted):
            if held <= start:
                continue
            time, tsa = min((t, name) for _, t, name in trusted[k:])  # every later one holds these events too
            if runs and runs[-1].time == time and runs[-1].tsa == tsa:
                runs[-1] = ExistedBy(runs[-1].first, held - 1, time, tsa)
            else:
                runs.append(ExistedBy(start, held - 1, time, tsa))
            start = held
        return tuple(runs)

    # V12.2 ---------------------------------------------------------------------------------

    def _witnesses(self, notes: Mapping[int, tuple[bytes, Checkpoint, bytes]], covered: int,
                   error: Report) -> tuple[list[tuple[str, int, int]], int]:
        found: list[tuple[str, int, int]] = []
        by_size: dict[int, set[str]] = {}
        for record in self.cosignatures:
            if record.size not in notes:
                if record.size not in self.unjudged:  # not judged: its checkpoint failed V11.3
                    error(Code.LOG_MALFORMED, f"a cosignature names size {record.size}: no checkpoint of that size")
                continue
            text = SignedNote.parse(notes[record.size][0]).text
            for witness in self.policy.witnesses:
                try:
                    when = verify_cosignature(text, record.signature, witness.name, witness.public_key)
                except VerificationFailure as e:
                    error(e.code, f"cosignature by {witness.name}: {e.message}")
                    continue
                if when is not None:
                    found.append((witness.name, record.size, when))
                    by_size.setdefault(record.size, set()).add(witness.name)
        witnessed = 0
        quorum = self.policy.quorum
        if quorum:
            met = [size for size, names in by_size.items() if len(names) >= quorum]
            if met:
                witnessed = self._held(max(met), covered)
            else:
                error(Code.WITNESS_QUORUM_UNMET, f"no checkpoint of the bundle is cosigned by {quorum} of the "
                                                 f"{len(self.policy.witnesses)} --witness keys")
        return found, witnessed


def _signed_by(note: bytes, public_key: bytes) -> bool:
    """Whether a checkpoint note carries a verifying signature line of ``public_key``."""
    try:
        signed = SignedNote.parse(note)
        return verify_note(signed, Checkpoint.parse(signed.text).origin, public_key)
    except VerificationFailure:
        return False


def _size_of(note: bytes) -> int | None:
    try:
        return Checkpoint.parse(SignedNote.parse(note).text).size
    except VerificationFailure:
        return None

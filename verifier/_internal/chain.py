"""Chain checks over a work's events in order (spec/verification.md V5). Pure and streaming:
the state is the previous event's hash, seq and time, whatever the chain's length.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from verifier._internal.errors import VerificationFailure
from verifier._internal.format import EventHash, WorkId


class Linked(Protocol):
    """What the chain checks read of an event (an EventPayload or a verifier summary)."""

    @property
    def seq(self) -> int: ...
    @property
    def work(self) -> WorkId | None: ...
    @property
    def prev(self) -> EventHash | None: ...
    @property
    def time(self) -> int: ...


@dataclass(slots=True)
class ChainState:
    """Where a chain stands after the events fed so far."""

    work: WorkId | None = None
    count: int = 0
    head: EventHash | None = None
    last_time: int = -1


class ChainChecker:
    """Feed the events of one work in order; each :meth:`add` raises on the first broken link.

    ``expected_work``, when given, is the work id the chain must belong to (a bundle header's).
    """

    def __init__(self, expected_work: WorkId | None = None) -> None:
        self.state = ChainState()
        self._expected_work = expected_work

    def add(self, event_hash: EventHash, payload: Linked) -> None:
        """Check one event against the chain so far and advance.

        Raises:
            VerificationFailure: ``chain.seq_gap``, ``chain.prev_mismatch``,
                ``chain.work_mismatch`` or ``time.regression``.
        """
        state = self.state
        seq = payload.seq
        if seq != state.count:  # V5.1: seq = position
            raise VerificationFailure("chain.seq_gap", f"event at position {state.count} has seq {seq}",
                                      event=seq)
        if state.count == 0:  # V5.2: the genesis event's hash is the work id
            work = WorkId(event_hash)
            if self._expected_work is not None and work != self._expected_work:
                raise VerificationFailure("chain.work_mismatch",
                                          "the genesis event's hash is not the work id", event=seq)
            state.work = work
        else:
            if payload.work != state.work:  # V5.3
                raise VerificationFailure("chain.work_mismatch", "event belongs to another work",
                                          event=seq)
            if payload.prev != state.head:  # V5.4
                raise VerificationFailure("chain.prev_mismatch",
                                          "prev is not the hash of the previous event", event=seq)
        if payload.time < state.last_time:  # V5.5
            raise VerificationFailure("time.regression",
                                      "recorded time is earlier than the previous event's", event=seq)
        state.count += 1
        state.head = event_hash
        state.last_time = payload.time

    def resync(self, event_hash: EventHash, payload: Linked) -> None:
        """After a failed :meth:`add`, continue from this event (to report later faults too)."""
        state = self.state
        if state.count == 0 and payload.seq == 0:
            state.work = WorkId(event_hash)
        state.count = max(state.count, payload.seq) + 1
        state.head = event_hash
        state.last_time = max(state.last_time, payload.time)

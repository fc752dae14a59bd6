"""Step V6 of spec/verification.md: the rules between the events of one work, in chain order.

Streaming: the state is the previous event's hash, position and time, the types of the earlier
events (for the ``of`` and ``about`` references) and, per asset, whether its first producer made
AI material (for the lineage rule of the IPTC source type) — never the events themselves.

Each defect is reported once, at its cause: an event that failed its own checks (V3–V5, V7) is
passed to :meth:`ChainChecker.skip`, and checking goes on from that event's own hash without
judging anything that depends on its unverified content (V6.10).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from verifier.format._codes import Code, VerificationFailure
from verifier.format._ids import EventHash, WorkId
from verifier.format._types import (
    EVENT_TYPES,
    input_assets,
    lineage_source_type,
    makes_ai_material,
    output_assets,
)


class Linked(Protocol):
    """What the chain checks read of an event (an EventPayload or a verifier summary)."""

    @property
    def seq(self) -> int: ...
    @property
    def type(self) -> str: ...
    @property
    def work(self) -> WorkId | None: ...
    @property
    def prev(self) -> EventHash | None: ...
    @property
    def time(self) -> int: ...
    @property
    def body(self) -> Mapping[str, Any]: ...


def outputs_are_ai(type_name: str, body: Mapping[str, Any], is_ai: Callable[[bytes], bool]) -> bool:
    """Whether the assets an event produces are AI material (spec/event-types.md §2): the event
    makes AI material itself (a generation, a parameter edit, an AI import), or one of the assets
    it uses is AI material — directly or through edits. ``is_ai(asset)`` answers that question
    for an asset already produced earlier in the chain (by its first producer), False otherwise."""
    return makes_ai_material(type_name, body) or uses_ai(type_name, body, is_ai)


def uses_ai(type_name: str, body: Mapping[str, Any], is_ai: Callable[[bytes], bool]) -> bool:
    """Whether one of the assets an event uses came from AI earlier in this chain."""
    return any(is_ai(asset["sha256"]) for asset in input_assets(type_name, body))


@dataclass(slots=True)
class ChainState:
    """Where a chain stands after the events fed so far."""

    work: WorkId | None = None
    count: int = 0  # events fed, valid or not: the next event's position
    head: EventHash | None = None  # hash of the last event as received (None: not known)
    last_time: int = -1  # recorded time of the last event that passed its own checks
    invalid_seen: bool = False  # an earlier event failed its own checks
    unreadable_seen: bool = False  # an earlier event's hash could not even be computed


class ChainChecker:
    """Feed the events of one work in order: :meth:`add` for an event that passed its own checks,
    :meth:`skip` for one that did not.

    ``expected_work``, when given, is the work id the chain must belong to (a bundle header's).
    """

    def __init__(self, expected_work: WorkId | None = None) -> None:
        self.state = ChainState()
        self._expected_work = expected_work
        self._types: dict[bytes, str | None] = {}  # earlier events (not notes): hash -> type; None if invalid
        self._ai: dict[bytes, bool] = {}  # asset -> whether its first producer made AI material

    def add(self, event_hash: EventHash, payload: Linked) -> list[VerificationFailure]:
        """Check one event against the chain so far (V6.1–V6.7), then continue from it.

        Returns: the event's defects, in step order (empty when its links hold).
        """
        state = self.state
        seq = payload.seq
        found: list[VerificationFailure] = []

        def defect(code: Code, message: str) -> None:
            found.append(VerificationFailure(code, message, event=seq))

        if seq != state.count:  # V6.1: seq = position
            defect(Code.CHAIN_SEQ_GAP, f"event at position {state.count} has seq {seq}")
        if state.count == 0:  # V6.2: the genesis event's hash is the work id
            state.work = WorkId(event_hash)
            if self._expected_work is not None and bytes(event_hash) != bytes(self._expected_work):
                defect(Code.CHAIN_WORK_MISMATCH, "the genesis event's hash is not the work id")
        else:
            if payload.work != state.work:  # V6.3
                defect(Code.CHAIN_WORK_MISMATCH, "event belongs to another work")
            if state.head is not None and payload.prev != state.head:  # V6.4
                defect(Code.CHAIN_PREV_MISMATCH, "prev is not the hash of the previous event")
        if payload.time < state.last_time:  # V6.5
            defect(Code.TIME_REGRESSION, "recorded time is earlier than the previous event's")
        spec = EVENT_TYPES[payload.type]
        for reference in spec.references:  # V6.6
            target = payload.body[reference.name]
            if target in self._types:
                target_type = self._types[target]
                if target_type is not None and not reference.admits(target_type):
                    defect(Code.CHAIN_REFERENCE_INVALID,
                           f"{reference.name} names a {target_type}, not {reference.describe()}")
            elif not state.unreadable_seen:  # else it may name an event whose hash is unknown
                defect(Code.CHAIN_REFERENCE_INVALID,
                       f"{reference.name} names no earlier event of this work ({reference.describe()})")
        ai_input = uses_ai(payload.type, payload.body, self._is_ai)
        required = lineage_source_type(payload.type, ai_input)  # V6.7
        if required is not None and payload.body.get("digital_source_type") != required and (
                ai_input or not state.invalid_seen):
            defect(Code.CHAIN_SOURCE_TYPE_MISMATCH,
                   f"digital_source_type must be {required}: "
                   + ("an input came from AI in this chain" if ai_input else "no input came from AI in this chain"))
        # Continue from this event (V6.10).
        if payload.type != "note":
            self._types[event_hash] = payload.type
        outputs = output_assets(payload.type, payload.body)
        if outputs:
            made_ai = outputs_are_ai(payload.type, payload.body, self._is_ai)
            for asset in outputs:
                self._ai.setdefault(asset["sha256"], made_ai)
        if state.count == 0 and state.work is None:
            state.work = WorkId(event_hash)
        state.count += 1
        state.head = event_hash
        state.last_time = payload.time
        return found

    def _is_ai(self, asset: bytes) -> bool:
        return self._ai.get(asset, False)

    def skip(self, event_hash: EventHash | None) -> None:
        """Pass over an event that failed its own checks: its position is taken and the chain
        continues from its hash as received (unknown when its envelope could not be read), but
        nothing of its unverified content is used — not its seq, time, type or assets (V6.10)."""
        state = self.state
        if state.count == 0:
            state.work = WorkId(event_hash) if event_hash is not None else self._expected_work
        state.count += 1
        state.head = event_hash
        state.invalid_seen = True
        state.unreadable_seen |= event_hash is None
        if event_hash is not None:
            self._types[event_hash] = None

    def check_head(self, head: EventHash, count: int) -> None:
        """``provenote check``: the ledger's head index agrees with the chain.

        Raises: VerificationFailure ``chain.head_mismatch``.
        """
        if self.state.head != head or self.state.count != count:
            raise VerificationFailure(Code.CHAIN_HEAD_MISMATCH, "the head index does not match the chain",
                                      event=count - 1)

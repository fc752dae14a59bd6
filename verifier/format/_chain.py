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
    GENESIS_TYPE,
    EventType,
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
    last_valid: tuple[int, int] | None = None  # (position, seq) of the last event valid by itself
    head: EventHash | None = None  # hash of the last event as received (None before the first)
    last_time: int = -1  # recorded time of the last event that passed its own checks
    invalid_seen: bool = False  # an earlier event failed its own checks


def _defect(code: Code, message: str, seq: int) -> VerificationFailure:
    return VerificationFailure(code, message, event=seq)


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
        position = state.count
        follows = state.last_valid[1] + position - state.last_valid[0] if state.last_valid else position
        if seq != position and seq != follows:  # V6.1: its position, or following the last valid event
            found.append(_defect(Code.CHAIN_SEQ_GAP, f"event at position {position} has seq {seq}", seq))
        if state.count == 0 and payload.type == GENESIS_TYPE:  # V6.2: the genesis event's hash is the work id
            state.work = WorkId(event_hash)
            if self._expected_work is not None and bytes(event_hash) != bytes(self._expected_work):
                found.append(_defect(Code.CHAIN_WORK_MISMATCH, "the genesis event's hash is not the work id", seq))
        else:
            if state.count == 0:  # no genesis first: the header names the work
                state.work = self._expected_work
            if payload.work != state.work:  # V6.3
                found.append(_defect(Code.CHAIN_WORK_MISMATCH, "event belongs to another work", seq))
            if state.head is not None and payload.prev != state.head:  # V6.4
                found.append(_defect(Code.CHAIN_PREV_MISMATCH, "prev is not the hash of the previous event", seq))
        if payload.time < state.last_time:  # V6.5
            found.append(_defect(Code.TIME_REGRESSION, "recorded time is earlier than the previous event's", seq))
        type_name = payload.type
        spec = EVENT_TYPES[type_name]
        if spec.references:
            self._check_references(spec, payload.body, seq, found)  # V6.6
        if spec.assets:
            self._follow_lineage(type_name, payload.body, seq, found)  # V6.7, and the outputs' lineage
        # Continue from this event (V6.10).
        if type_name != "note":
            self._types[event_hash] = type_name
        state.last_valid = (position, seq)
        state.count += 1
        state.head = event_hash
        state.last_time = payload.time
        return found

    def _check_references(self, spec: EventType, body: Mapping[str, Any], seq: int,
                          found: list[VerificationFailure]) -> None:
        for reference in spec.references:  # V6.6 (an optional reference may be absent)
            if reference.name not in body:
                continue
            target = body[reference.name]
            if target in self._types:
                target_type = self._types[target]
                if target_type is not None and not reference.admits(target_type):
                    found.append(_defect(Code.CHAIN_REFERENCE_INVALID,
                                         f"{reference.name} names a {target_type}, not {reference.describe()}", seq))
            elif not self.state.invalid_seen:  # else it may name an invalid event as first written
                found.append(_defect(Code.CHAIN_REFERENCE_INVALID, f"{reference.name} names no earlier event of "
                                     f"this work ({reference.describe()})", seq))

    def _follow_lineage(self, type_name: str, body: Mapping[str, Any], seq: int,
                        found: list[VerificationFailure]) -> None:
        ai_input = uses_ai(type_name, body, self._is_ai)
        required = lineage_source_type(type_name, ai_input)  # V6.7
        if required is not None and body.get("digital_source_type") != required and (
                ai_input or not self.state.invalid_seen):
            why = "an input came from AI in this chain" if ai_input else "no input came from AI in this chain"
            found.append(_defect(Code.CHAIN_SOURCE_TYPE_MISMATCH, f"digital_source_type must be {required}: {why}",
                                 seq))
        outputs = output_assets(type_name, body)
        if outputs:
            made_ai = outputs_are_ai(type_name, body, self._is_ai)
            for asset in outputs:
                self._ai.setdefault(asset["sha256"], made_ai)

    def _is_ai(self, asset: bytes) -> bool:
        return self._ai.get(asset, False)

    def skip(self, event_hash: EventHash) -> None:
        """Pass over an event that failed its own checks: its position is taken and the chain
        continues from its hash as received, but nothing of its unverified content is used — not
        its seq, time, type or assets (V6.10)."""
        state = self.state
        if state.count == 0:
            state.work = self._expected_work
        state.count += 1
        state.head = event_hash
        state.invalid_seen = True
        self._types[event_hash] = None

    def check_head(self, head: EventHash, count: int) -> None:
        """``provenote check``: the ledger's head index agrees with the chain.

        Raises: VerificationFailure ``chain.head_mismatch``.
        """
        if self.state.head != head or self.state.count != count:
            raise VerificationFailure(Code.CHAIN_HEAD_MISMATCH, "the head index does not match the chain",
                                      event=count - 1)

"""Degree of human involvement, method ``provenote-hi/1`` (spec/human-involvement.md).

Pure: from the summaries of a verified chain's events (and the auditor's trusted keys) to a
profile — categories with evidence grades, shares of the released cue's timeline, red flags and
readouts. A profile, not a legal verdict.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

from verifier.format import CONTAINS_AI, input_assets, makes_ai_material, output_assets

METHOD = "provenote-hi/1"
RETROSPECTIVE_US = 24 * 3600 * 1_000_000  # occurred more than 24 h before recorded: grade C
ANCHOR_WINDOW_US = 24 * 3600 * 1_000_000  # a trusted timestamp within 24 h after recorded: grade A

CATEGORIES = (
    "human_expressive_input", "prompt_and_conditioning", "model_and_parameter_control", "iteration_and_selection",
    "selection_and_arrangement", "human_modification_of_ai_output", "purely_human_parts", "assistive_ai",
    "labelling_and_disclosure", "licensing", "outside_corroboration",
)
RED_FLAGS = ("prompt_only", "selection_only", "ai_output_missing", "lineage.gap", "edit.extent_undeclared",
             "retrospective", "unlabelled_ai", "label.understates_ai")
_AI_TYPES = frozenset({"generation", "parameter-edit"})
_ARRANGING_KINDS = frozenset({"arrangement", "structure", "mixing"})
_GRADE_ORDER = {"C": 0, "B": 1, "A": 2}

Interval = tuple[int, int]  # [start_ms, end_ms)


class Event(Protocol):
    """What the analysis reads of an event (the verifier's EventSummary)."""

    @property
    def hash(self) -> bytes: ...
    @property
    def seq(self) -> int: ...
    @property
    def type(self) -> str: ...
    @property
    def time(self) -> int: ...
    @property
    def occurred(self) -> int | None: ...
    @property
    def signer(self) -> bytes: ...
    @property
    def body(self) -> Mapping[str, Any]: ...
    @property
    def private_fields(self) -> tuple[str, ...]: ...


# -- intervals ------------------------------------------------------------------------------


def union(intervals: Iterable[Interval]) -> list[Interval]:
    merged: list[Interval] = []
    for start, end in sorted(i for i in intervals if i[0] < i[1]):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def subtract(base: Sequence[Interval], remove: Sequence[Interval]) -> list[Interval]:
    result: list[Interval] = []
    for start, end in base:
        cursor = start
        for r_start, r_end in remove:
            if r_end <= cursor or r_start >= end:
                continue
            if r_start > cursor:
                result.append((cursor, r_start))
            cursor = max(cursor, r_end)
        if cursor < end:
            result.append((cursor, end))
    return result


def segments_of(event: Event) -> list[Interval]:
    """An event's declared segments as intervals (validated [start_ms, end_ms] pairs)."""
    return [(int(s[0]), int(s[1])) for s in event.body.get("segments", [])]


def clip(intervals: Iterable[Interval], length: int) -> list[Interval]:
    return union((max(0, s), min(length, e)) for s, e in intervals)


def total(intervals: Iterable[Interval]) -> int:
    return sum(e - s for s, e in intervals)


# -- the analysis ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Profile:
    """The result of the method; :meth:`to_json` is the ``human_involvement`` object."""

    categories: list[dict[str, Any]]
    grades: dict[int, str]
    shares: dict[str, float] | None
    intervals: dict[str, list[Interval]]
    duration_ms: int | None
    released: dict[str, Any] | None
    stem_seconds: list[dict[str, Any]]
    red_flags: list[str]
    readouts: dict[str, Any]
    evidence: list[dict[str, Any]] = field(default_factory=list)
    labels: list[dict[str, Any]] = field(default_factory=list)  # spec/labels.md §3: each label and its check

    def to_json(self) -> dict[str, Any]:
        return {
            "method": METHOD, "categories": self.categories, "shares": self.shares,
            "intervals_ms": {k: [list(i) for i in v] for k, v in self.intervals.items()},
            "released": self.released, "duration_ms": self.duration_ms, "stem_seconds": self.stem_seconds,
            "red_flags": self.red_flags, "readouts": self.readouts, "evidence": self.evidence,
            "labels": self.labels,
        }


class _Analysis:
    def __init__(self, events: Sequence[Event], trusted: frozenset[bytes] | None,
                 anchored: Mapping[bytes, int]) -> None:
        self.events = sorted(events, key=lambda e: e.seq)
        self.trusted = trusted
        self.anchored = anchored
        self.by_hash = {e.hash: e for e in self.events}
        self.producer: dict[bytes, Event] = {}
        for event in self.events:  # the earliest event that outputs an asset produces it
            for asset in output_assets(event.type, event.body):
                self.producer.setdefault(asset["sha256"], event)
        self._ai_memo: dict[bytes, bool] = {}
        # Who attests each event: built once (looking it up per event would be quadratic).
        self._attesters: dict[bytes, list[bytes]] = {}
        for attestation in self.events:
            if attestation.type != "attestation":
                continue
            target = self.by_hash.get(attestation.body["about"])
            if target is not None and attestation.signer != target.signer:
                self._attesters.setdefault(target.hash, []).append(attestation.signer)

    # Grades (spec §3) ---------------------------------------------------------------------

    def attesters(self, event: Event) -> list[bytes]:
        """Keys other than the event's signer that signed an attestation about it."""
        return self._attesters.get(event.hash, [])

    def grade(self, event: Event) -> str:
        if self.trusted is not None and any(k in self.trusted for k in self.attesters(event)):
            return "A"
        if event.occurred is not None and event.time - event.occurred > RETROSPECTIVE_US:
            return "C"
        bound = self.anchored.get(event.hash)
        if bound is not None and bound - event.time <= ANCHOR_WINDOW_US:  # a trusted timestamp soon after
            return "A"
        return "B"

    # Lineage (spec §4) ----------------------------------------------------------------------

    def sources(self, event: Event) -> list[bytes]:
        """Assets an event's output was made from (for walking the lineage back)."""
        found = [a["sha256"] for a in input_assets(event.type, event.body)] if event.type != "release" else []
        if event.type == "parameter-edit":
            of = self.by_hash.get(event.body["of"])
            if of is not None:
                found += [a["sha256"] for a in input_assets(of.type, of.body)]
        return found

    def is_ai_event(self, event: Event) -> bool:
        return makes_ai_material(event.type, event.body)

    def reaches_ai(self, asset: bytes, _seen: frozenset[bytes] = frozenset()) -> bool:
        if asset in self._ai_memo:
            return self._ai_memo[asset]
        producer = self.producer.get(asset)
        result = False
        if producer is not None and asset not in _seen:
            result = self.is_ai_event(producer) or any(
                self.reaches_ai(source, _seen | {asset}) for source in self.sources(producer))
        self._ai_memo[asset] = result
        return result

    def lineage(self, asset: bytes) -> tuple[list[Event], set[bytes]]:
        """Events reached walking back from ``asset``, and assets with no producer (gaps)."""
        reached: dict[bytes, Event] = {}
        gaps: set[bytes] = set()
        stack, seen = [asset], set()
        while stack:
            current = stack.pop()
            if current in seen:
                continue
            seen.add(current)
            producer = self.producer.get(current)
            if producer is None:
                gaps.add(current)
                continue
            reached[producer.hash] = producer
            if producer.type == "parameter-edit" and producer.body["of"] in self.by_hash:
                of = self.by_hash[producer.body["of"]]
                reached[of.hash] = of
            stack.extend(self.sources(producer))
        return sorted(reached.values(), key=lambda e: e.seq), gaps

    def edit_touches_ai(self, event: Event) -> bool:
        return any(self.reaches_ai(a["sha256"]) for a in event.body.get("inputs", []))

    def contains_ai(self, release: Event) -> str:
        """The DDEX ContainsAI class of a release's asset (spec §5): None when its lineage reaches
        no AI material; else Partly when people authored or modified part of its timeline (or,
        without a duration, when a human edit or input is in its lineage), All otherwise."""
        asset = release.body["asset"]["sha256"]
        if not self.reaches_ai(asset):
            return "None"
        lineage, _gaps = self.lineage(asset)
        length, intervals = self.shares(release, lineage)
        if length:
            human = total(intervals["human_authored"]) + total(intervals["human_modified"])
        else:
            human = sum(1 for e in lineage if e.type == "human-input" or (e.type == "human-edit"))
        return "Partly" if human else "All"

    def label_rows(self) -> list[dict[str, Any]]:
        """Each label event checked against the class of the release it names (spec/labels.md §3):
        a label that states less AI than the chain shows understates it."""
        rows = []
        classes: dict[bytes, str] = {}  # release hash -> its class, computed once for all its labels
        for event in self.events:
            if event.type != "label":
                continue
            body = event.body
            release = self.by_hash.get(body["release"])  # V6.6: an earlier release of the work
            if release is not None and release.hash not in classes:
                classes[release.hash] = self.contains_ai(release)
            chain_class = classes[release.hash] if release is not None else None
            reasons = []
            stated = body["contains_ai"]
            if chain_class is not None and CONTAINS_AI.index(stated) < CONTAINS_AI.index(chain_class):
                reasons.append(f"it says ContainsAI {stated}; the chain shows {chain_class}")
            if body["kind"] == "aigc-implicit" and chain_class not in (None, "None"):
                label_value = _aigc_label_value(body["text"])
                if label_value != "1":
                    reasons.append("its AIGC Label is " + (f'"{label_value}"' if label_value is not None
                                                           else "unreadable") + ', not "1" (AI-generated)')
            rows.append({"event": event.seq, "kind": body["kind"], "release": release.seq if release else None,
                         "input": body["input"].get("name") or body["input"]["sha256"].hex()[:16],
                         "input_sha256": body["input"]["sha256"].hex(),
                         "output": body["output"].get("name") or body["output"]["sha256"].hex()[:16],
                         "output_sha256": body["output"]["sha256"].hex(),
                         "contains_ai": stated, "chain_contains_ai": chain_class, "method": body["method"],
                         "positions_ms": [list(p) for p in body.get("positions", [])],
                         "text": body.get("text"),  # aigc-implicit: the JSON as embedded (spec/labels.md §4)
                         "agrees": not reasons, "reasons": reasons})
        return rows

    # Categories (spec §2) -------------------------------------------------------------------

    def categories_of(self, event: Event) -> list[str]:
        kind = event.type
        if kind == "generation":
            found = []
            if {"prompt", "negative_prompt", "lyrics"} & set(event.private_fields) or event.body.get("inputs"):
                found.append("prompt_and_conditioning")
            if "params" in event.body or "seed" in event.body:
                found.append("model_and_parameter_control")
            return found
        if kind == "parameter-edit":
            return ["model_and_parameter_control", "iteration_and_selection"]
        if kind == "selection":
            return ["iteration_and_selection"]
        if kind == "human-edit":
            found = ["human_modification_of_ai_output" if self.edit_touches_ai(event) else "human_expressive_input"]
            if event.body.get("kind") in _ARRANGING_KINDS:
                found.append("selection_and_arrangement")
            return found
        if kind == "human-input":
            return ["purely_human_parts", "human_expressive_input"]
        if kind == "assist":
            return ["assistive_ai"]
        if kind == "import":
            return ["selection_and_arrangement"]
        if kind == "attestation":
            return ["outside_corroboration"]
        if kind == "label":
            return ["labelling_and_disclosure"]
        if kind in ("licence", "payment", "usage"):
            return ["licensing"]
        return []

    # Shares (spec §4) -------------------------------------------------------------------------

    def shares(self, release: Event, lineage: list[Event]) -> tuple[int | None, dict[str, list[Interval]]]:
        asset = release.body["asset"]
        length = asset.get("duration_ms")
        if not length:
            return None, {}
        whole = [(0, length)]
        authored: list[Interval] = []
        modified: list[Interval] = []
        for event in lineage:
            segments = segments_of(event)
            if event.type == "human-input":
                own = event.body["output"].get("duration_ms") or length
                authored += segments or [(0, own)]
            elif event.type == "human-edit" and self.edit_touches_ai(event):
                modified += segments
        human_authored = clip(authored, length)
        human_modified = subtract(clip(modified, length), human_authored)
        rest = subtract(subtract(whole, human_authored), human_modified)
        ai_reached = self.reaches_ai(asset["sha256"])
        return length, {"human_authored": human_authored, "human_modified": human_modified,
                        "ai": rest if ai_reached else [], "unknown": [] if ai_reached else rest}

    def stem_seconds(self, lineage: list[Event], length: int) -> list[dict[str, Any]]:
        rows: dict[tuple[str, str], int] = {}
        for event in lineage:
            stems = event.body.get("stems", [])
            if event.type == "human-edit" and stems and self.edit_touches_ai(event):
                covered = total(clip(segments_of(event), length))
                for stem in stems:
                    rows[(stem, "human_modified")] = rows.get((stem, "human_modified"), 0) + covered
            if event.type == "human-input":
                covered = total(clip(segments_of(event), length)) or (event.body["output"].get("duration_ms")
                                                                       or length)
                key = (event.body["layer"], "human_authored")
                rows[key] = rows.get(key, 0) + covered
        return [{"stem": stem, "class": klass, "seconds": ms / 1000} for (stem, klass), ms in sorted(rows.items())]


def analyse(events: Sequence[Event], trusted: frozenset[bytes] | None = None,
            names: Mapping[bytes, str] | None = None, anchored: Mapping[bytes, int] | None = None) -> Profile:
    """Run ``provenote-hi/1`` over the summaries of a *verified* chain. ``anchored`` maps an
    event's hash to the earliest time a trusted RFC 3161 timestamp shows it existed by."""
    run = _Analysis(events, trusted, anchored or {})
    names = names or {}
    grades = {e.seq: run.grade(e) for e in run.events}
    members: dict[str, list[Event]] = {c: [] for c in CATEGORIES}
    for event in run.events:
        for category in run.categories_of(event):
            members[category].append(event)
    categories = []
    for category in CATEGORIES:
        found = members[category]
        weakest = min((grades[e.seq] for e in found), key=_GRADE_ORDER.__getitem__) if found else None
        categories.append({"category": category, "present": bool(found), "events": [e.seq for e in found],
                           "grade": weakest})

    releases = [e for e in run.events if e.type == "release"]
    release = releases[-1] if releases else None
    lineage: list[Event] = []
    gaps: set[bytes] = set()
    length: int | None = None
    intervals: dict[str, list[Interval]] = {}
    if release is not None:
        lineage, gaps = run.lineage(release.body["asset"]["sha256"])
        length, intervals = run.shares(release, lineage)
    shares = ({name: total(spans) / length for name, spans in intervals.items()}
              if length else None)

    counts: dict[str, int] = {}
    for event in run.events:
        counts[event.type] = counts.get(event.type, 0) + 1
    used_without_producer = {
        a["sha256"] for e in run.events for a in input_assets(e.type, e.body)
        if a["sha256"] not in run.producer or run.producer[a["sha256"]].seq > e.seq}
    ai_released = release is not None and run.reaches_ai(release.body["asset"]["sha256"])
    labels = run.label_rows()
    covering = [row for row in labels if release is not None and _covers(row, release)]
    flags = {
        "prompt_only": counts.get("generation", 0) > 0 and not any(
            counts.get(t, 0) for t in ("selection", "human-edit", "human-input", "parameter-edit")),
        "selection_only": counts.get("selection", 0) > 0 and not any(
            counts.get(t, 0) for t in ("human-edit", "human-input", "parameter-edit")),
        "ai_output_missing": any(e.type in _AI_TYPES and not e.body.get("outputs") for e in run.events),
        "lineage.gap": bool(used_without_producer or gaps),
        "edit.extent_undeclared": any(e.type == "human-edit" and not e.body.get("segments") for e in run.events),
        "retrospective": any(g == "C" for g in grades.values()),
        "unlabelled_ai": ai_released and not covering,  # spec/labels.md §3: no label covers the release
        "label.understates_ai": any(not row["agrees"] for row in labels),
    }
    red_flags = [name for name in RED_FLAGS if flags[name]]
    draft = Profile(categories, grades, shares, intervals, length,
                    dict(release.body["asset"], sha256=release.body["asset"]["sha256"].hex(),
                         event=release.seq) if release else None,
                    run.stem_seconds(lineage, length) if length else [], red_flags, {})
    evidence = [{"event": e.seq, "type": e.type, "grade": grades[e.seq],
                 "attested_by": [names.get(k, k.hex()[:16]) for k in run.attesters(e)]}
                for e in run.events if e.type not in ("work.created",)]
    return replace(draft, readouts=_readouts(run, draft, lineage, ai_released, covering, names), evidence=evidence,
                   labels=labels)


def release_class(events: Sequence[Event], release_hash: bytes) -> str:
    """The ContainsAI class (spec/labels.md §1) of the release event ``release_hash`` among the
    summaries of a *verified* chain: what a label derived from that release must state at least.

    Raises: ValueError if no release event of ``events`` has that hash."""
    run = _Analysis(events, None, {})
    release = run.by_hash.get(release_hash)
    if release is None or release.type != "release":
        raise ValueError("no release event with that hash in the chain")
    return run.contains_ai(release)


def _covers(row: Mapping[str, Any], release: Event) -> bool:
    """Whether a label covers a release: it names the release, or it labelled the released file,
    or the released file is the labelled copy."""
    asset = release.body["asset"]["sha256"].hex()
    return row["release"] == release.seq or asset in (row["input_sha256"], row["output_sha256"])


def _aigc_label_value(text: str) -> str | None:
    """The ``Label`` field of a GB 45438-2025 implicit label's JSON (spec/labels-aigc.md), whether
    or not the object is wrapped under ``AIGC``; None when the text is not such JSON."""
    try:
        value = json.loads(text)
    except ValueError:
        return None
    if isinstance(value, dict) and isinstance(value.get("AIGC"), dict):
        value = value["AIGC"]
    label = value.get("Label") if isinstance(value, dict) else None
    return label if isinstance(label, str) else None


def _spans(intervals: Sequence[Interval]) -> str:
    return ", ".join(f"{s / 1000:g}–{e / 1000:g} s" for s, e in intervals)


def _readouts(run: _Analysis, profile: Profile, lineage: list[Event], ai_released: bool,
              covering: Sequence[Mapping[str, Any]], names: Mapping[bytes, str]) -> dict[str, Any]:
    counts: dict[str, int] = {}
    for event in run.events:
        counts[event.type] = counts.get(event.type, 0) + 1
    intervals = profile.intervals
    human_events = [e for e in lineage if e.type in ("human-edit", "human-input")]
    contributions = []
    for event in human_events:
        who = names.get(event.signer, "a signer")
        segments = _spans(segments_of(event)) or "the whole asset"
        if event.type == "human-input":
            contributions.append(f"{who}: original {event.body['layer']} material ({segments})")
        else:
            contributions.append(f"{who}: {event.body['kind']} edit of prior material ({segments})")
    if counts.get("selection"):
        contributions.append("selection among AI-generated candidates")
    models = sorted({f"{e.body.get('provider', '')} {e.body['model']} {e.body.get('model_version', '')}".strip()
                     for e in lineage if e.type == "generation"})
    disclaim = []
    if ai_released:
        where = _spans(intervals.get("ai", [])) or "material modified by people"
        disclaim.append(f"AI-generated audio ({'; '.join(models) or 'an AI model'}) in {where} of the released asset")
        if intervals.get("human_modified"):
            disclaim.append(f"the AI-generated material underlying the human modifications in "
                            f"{_spans(intervals['human_modified'])}")
    statement = ("Human contribution, as recorded in the signed chain: " + "; ".join(contributions) + "."
                 if contributions else "The signed chain records no human authorship or modification of the released asset.")
    # GB 45438-2025 asks audio for an implicit label and an audible one; EU Art. 50 for a
    # machine-readable marking: labels covering the release, none understating it (spec/labels.md §3).
    agreeing = {row["kind"] for row in covering if row["agrees"]}
    honest = all(row["agrees"] for row in covering)
    cn_labelled = honest and {"aigc-implicit", "aigc-audible"} <= agreeing
    eu_marked = honest and bool({"c2pa", "aigc-implicit"} & agreeing)
    process = [e for e in run.events if e.type not in ("work.created", "attestation", "release", "label")]
    contemporaneous = bool(process) and all(profile.grades[e.seq] != "C" for e in process)
    ddex = None
    if profile.shares is not None:
        human = profile.shares["human_authored"] + profile.shares["human_modified"]
        ddex = "None" if not ai_released else ("All" if human == 0 else "Partly")
    return {
        "us": {"human_contribution_statement": statement, "ai_material_to_disclaim": disclaim},
        "cn": {"checklist": [
            {"item": "contemporaneous_process_records", "met": contemporaneous},
            {"item": "instructions_given", "met": any("prompt" in e.private_fields for e in run.events
                                                      if e.type == "generation")},
            {"item": "selection", "met": bool(counts.get("selection"))},
            {"item": "modification", "met": bool(counts.get("human-edit"))},
            {"item": "ai_label", "met": cn_labelled},
        ]},
        "eu": {"art50_machine_readable_marking": eu_marked},
        "ddex": {"contains_ai": ddex},
    }

"""What the report shows beyond the verdict, collected while the events stream past: the first
and last events for its table, every event in a bounded number of bins for its timeline, the
work's codes and last release, and each named file's match status. Memory stays bounded at any
number of events (the table's rows, the bins and the file list are capped)."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from verifier._report import (
    ACTIVITY_BINS,
    EVENT_TABLE_HEAD,
    EVENT_TABLE_TAIL,
    FILE_LIST_CAP,
    ActivityBin,
    EventRow,
    EventTable,
    FileStatus,
    WorkCodes,
)
from verifier.format import EVENT_TYPES, EventSummary

FACT_CHARS = 200  # a fact's text is cut to this many characters


class ReportCollector:
    """Fed every verified event in chain order (:meth:`add`) and each embedded or supplied
    file's check; gives the report's table, activity bins, codes and file list at the end."""

    def __init__(self) -> None:
        self.head: list[EventSummary] = []
        self.tail: deque[EventSummary] = deque(maxlen=EVENT_TABLE_TAIL)
        self.total = 0
        self._bins: list[list[Any]] = []  # [first, last, start, end, {type: count}]
        self._width = 1  # events a bin holds; doubles when the bins are full
        self.work_created: EventSummary | None = None
        self.last_release: EventSummary | None = None
        self.embedded: dict[bytes, bool] = {}  # asset hash -> its embedded bytes match it
        self.supplied: dict[bytes, str] = {}  # asset hash -> "match", "mismatch", "missing"

    def add_run(self, events: list[EventSummary]) -> None:
        """Verified events, in chain order (a run of them at a time)."""
        self.total += len(events)
        room = EVENT_TABLE_HEAD - len(self.head)
        if room > 0:
            self.head += events[:room]
        self.tail.extend(events[max(room, 0):])
        bins, width = self._bins, self._width
        for event in events:
            kind = event.type
            if kind != "note":
                if kind == "work.created":
                    self.work_created = event
                elif kind == "release":
                    self.last_release = event
            if bins:
                last = bins[-1]
                if last[1] - last[0] + 1 < width and event.seq > last[1]:
                    last[1], last[3] = event.seq, event.time
                    counts = last[4]
                    counts[kind] = counts.get(kind, 0) + 1
                    continue
            bins.append([event.seq, event.seq, event.time, event.time, {kind: 1}])
            if len(bins) > ACTIVITY_BINS:  # merge neighbours: half as many bins, twice as wide
                width *= 2
                bins[:] = [self._merge(bins[index:index + 2]) for index in range(0, len(bins), 2)]
        self._width = width

    @staticmethod
    def _merge(pair: list[list[Any]]) -> list[Any]:
        counts: dict[str, int] = {}
        for one in pair:
            for name, count in one[4].items():
                counts[name] = counts.get(name, 0) + count
        return [pair[0][0], pair[-1][1], pair[0][2], pair[-1][3], counts]

    def activity(self) -> tuple[ActivityBin, ...]:
        """Every event added, in at most ACTIVITY_BINS bins of consecutive events."""
        return tuple(ActivityBin(first, last, start, end, dict(counts)) for first, last, start, end, counts in self._bins)

    def table(self, kept: Iterable[EventSummary]) -> EventTable:
        """The first and last events as rows; ``kept`` (every event but notes) resolves the
        events their references name."""
        listed = [*self.head, *self.tail]
        seq_of: dict[bytes, int] = {}
        if any(_reference_fields(e) for e in listed):
            seq_of = {e.hash: e.seq for e in kept}
        rows = [_row(e, seq_of.get) for e in listed]
        return EventTable(tuple(rows[:len(self.head)]), tuple(rows[len(self.head):]), self.total)

    def codes(self) -> WorkCodes:
        """The work's ISWC and ISRC and its last release, as the signed events state them."""
        created = self.work_created.body if self.work_created is not None else {}
        release = self.last_release
        asset: Mapping[str, Any] = release.body["asset"] if release is not None else {}
        return WorkCodes(iswc=created.get("iswc"), isrc=created.get("isrc"),
                         release_isrc=release.body.get("isrc") if release is not None else None,
                         release_seq=release.seq if release is not None else None,
                         release_name=asset.get("name"), release_sha256=asset.get("sha256"),
                         release_size=asset.get("size"))

    def files(self, referenced: Mapping[bytes, Mapping[str, Any]],
              assets_checked: bool) -> tuple[tuple[FileStatus, ...], int]:
        """Every file the events name (its first reference), by name, at most FILE_LIST_CAP, with
        whether its embedded and supplied bytes match; and how many more there are."""
        ordered = sorted(referenced.items(), key=lambda item: (item[1].get("name") or "", item[0]))
        listed = tuple(
            FileStatus(digest, asset.get("name"), asset["media_type"], asset["size"], self.embedded.get(digest),
                       self.supplied.get(digest, "missing") if assets_checked else None)
            for digest, asset in ordered[:FILE_LIST_CAP])
        return listed, max(0, len(ordered) - FILE_LIST_CAP)


def _reference_fields(event: EventSummary) -> tuple[str, ...]:
    return tuple(r.name for r in EVENT_TYPES[event.type].references if r.name in event.body)


def _fact(value: Any) -> str | None:
    kind = type(value)
    if kind is str:
        return str(value)[:FACT_CHARS]
    if kind in (int, float, bool):
        return str(value)
    if kind is list:
        if all(type(v) is str for v in value):
            return ", ".join(value)[:FACT_CHARS]
        return str(len(value))
    return None


def _row(event: EventSummary, seq_of: Callable[[bytes], int | None]) -> EventRow:
    facts = {name: text for name, value in event.body.items() if (text := _fact(value)) is not None}
    refers_to = {name: seq for name in _reference_fields(event) if (seq := seq_of(event.body[name])) is not None}
    files = []
    for field in EVENT_TYPES[event.type].assets:
        value = event.body.get(field.name)
        for asset in (value if field.many else (value,)) if value is not None else ():
            files.append((field.name, asset.get("name"), asset["sha256"]))
    return EventRow(event.seq, event.type, event.time, event.occurred, event.signer, facts, refers_to, tuple(files))


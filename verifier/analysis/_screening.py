"""Pre-release screening, step V14 of spec/verification.md (spec/screening.md §7).

Pure: from the summaries of a *verified* chain's events to what was screened, against which
catalogue, what each screening matched, whether a licence-in of the chain names each match's
reference track (V14.2, the finding ``screening.unlicensed_match``), and whether each release's
asset was screened before it (V14.3, a statement, not a finding). A match is evidence to look
at, not a verdict: nothing here changes ``valid`` or the exit status.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from verifier.analysis._involvement import Event
from verifier.format import Code, Finding, LicenceDocument, SchemaError, VerificationFailure

_SHORT = 80  # characters of untrusted text quoted in a finding's message


@dataclass(frozen=True)
class MatchRow:
    """One match of a screening: the reference track, the spans in both files (milliseconds),
    the score, and the licence-in events (seqs) that name the reference by its hash."""

    reference: bytes
    name: str
    query: tuple[int, int]
    in_reference: tuple[int, int]
    score: int
    licences: tuple[int, ...]

    @property
    def covered(self) -> bool:
        return bool(self.licences)

    def to_json(self) -> dict[str, Any]:
        return {"reference": self.reference.hex(), "name": self.name,
                "query_ms": list(self.query), "reference_ms": list(self.in_reference),
                "duration_ms": self.query[1] - self.query[0], "score": self.score,
                "licences": list(self.licences), "covered": self.covered}


@dataclass(frozen=True)
class ScreeningRow:
    """One screening event: when, what, against which catalogue, by which method, and its matches."""

    seq: int
    time: int  # recorded time, microseconds since the epoch
    asset: bytes
    asset_name: str | None
    catalogue: str
    catalogue_identity: bytes
    tracks: int
    catalogue_ms: int
    method: str
    min_ms: int
    matches: tuple[MatchRow, ...]

    def to_json(self) -> dict[str, Any]:
        return {"event": self.seq, "time": self.time, "asset": self.asset.hex(), "asset_name": self.asset_name,
                "catalogue": {"name": self.catalogue, "identity": self.catalogue_identity.hex(),
                              "tracks": self.tracks, "duration_ms": self.catalogue_ms},
                "method": self.method, "min_ms": self.min_ms,
                "matches": [m.to_json() for m in self.matches]}


@dataclass(frozen=True)
class ReleaseScreening:
    """A release event and the screenings of its asset recorded before it (seqs; empty: not screened)."""

    seq: int
    asset: bytes
    asset_name: str | None
    screenings: tuple[int, ...]

    @property
    def screened(self) -> bool:
        return bool(self.screenings)

    def to_json(self) -> dict[str, Any]:
        return {"event": self.seq, "asset": self.asset.hex(), "asset_name": self.asset_name,
                "screened_before_release": self.screened, "screenings": list(self.screenings)}


@dataclass(frozen=True)
class ScreeningReport:
    """V14 over one chain: every screening, every release and whether it was screened first,
    and the findings (also in the report's ``warnings``)."""

    screenings: tuple[ScreeningRow, ...]
    releases: tuple[ReleaseScreening, ...]
    findings: tuple[Finding, ...]

    @property
    def unlicensed_matches(self) -> int:
        return sum(not m.covered for row in self.screenings for m in row.matches)

    def to_json(self) -> dict[str, Any]:
        return {"summary": {"screenings": len(self.screenings),
                            "matches": sum(len(r.matches) for r in self.screenings),
                            "unlicensed_matches": self.unlicensed_matches,
                            "releases": len(self.releases),
                            "releases_not_screened": sum(not r.screened for r in self.releases)},
                "screenings": [r.to_json() for r in self.screenings],
                "releases": [r.to_json() for r in self.releases],
                "findings": [f.to_json() for f in self.findings]}


def _short(text: str) -> str:
    return text if len(text) <= _SHORT else text[:_SHORT - 1] + "…"


def _licences_in(events: Sequence[Event]) -> dict[bytes, list[int]]:
    """Reference hash -> the licence events with direction ``in`` whose subject names it (V14.2)."""
    named: dict[bytes, list[int]] = {}
    for event in events:
        if event.type != "licence":
            continue
        try:  # V5.2 has checked the document's signatures: read, not verified again
            terms = LicenceDocument.parse(event.body["document"], verify=False).terms
        except (VerificationFailure, SchemaError):  # not in a verified chain
            continue
        if terms.direction == "in":
            for asset in terms.subject_assets:
                named.setdefault(asset, []).append(event.seq)
    return named


def analyse_screening(events: Sequence[Event]) -> ScreeningReport:
    """Run V14 over the summaries of a *verified* chain's events (notes may be left out)."""
    ordered = sorted(events, key=lambda e: e.seq)
    licences = _licences_in(ordered)
    findings: list[Finding] = []
    rows: list[ScreeningRow] = []
    screened: dict[bytes, list[int]] = {}  # asset -> screening seqs so far
    releases: list[ReleaseScreening] = []
    for event in ordered:
        body: Mapping[str, Any] = event.body
        if event.type == "screening":
            matches = []
            for match in body["matches"]:
                # A licence recorded later still covers the match: coverage is of the chain as a whole.
                query, in_reference = match["query"], match["in_reference"]
                row = MatchRow(match["reference"], match["name"], (query[0], query[1]),
                               (in_reference[0], in_reference[1]), match["score"],
                               tuple(licences.get(match["reference"], ())))
                matches.append(row)
                if not row.covered:
                    start, end = row.query
                    findings.append(Finding(
                        Code.SCREENING_UNLICENSED_MATCH, event.seq,
                        f"screening #{event.seq} matched {_short(row.name)} "
                        f"({row.reference.hex()[:16]}) at {start / 1000:.1f}–{end / 1000:.1f} s of "
                        f"{_short(body['asset'].get('name') or body['asset']['sha256'].hex()[:16])}, "
                        "and no licence-in names that track"))
            asset = body["asset"]
            catalogue = body["catalogue"]
            rows.append(ScreeningRow(event.seq, event.time, asset["sha256"], asset.get("name"), catalogue["name"],
                                     catalogue["identity"], catalogue["tracks"], catalogue["duration_ms"],
                                     body["method"], body["min_ms"], tuple(matches)))
            screened.setdefault(asset["sha256"], []).append(event.seq)
        elif event.type == "release":
            asset = body["asset"]
            releases.append(ReleaseScreening(event.seq, asset["sha256"], asset.get("name"),
                                             tuple(screened.get(asset["sha256"], ()))))
    return ScreeningReport(tuple(rows), tuple(releases), tuple(findings))

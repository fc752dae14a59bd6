"""Licence coverage, step V13 of spec/verification.md: the rules of spec/licensing.md §3.

Pure: from the summaries of a *verified* chain's events to what its licences cover — for each
licence its parties and whether each signed, its terms, fee and payments; for each usage whether
the licence it names covers it; for each AI generation in the lineage of the last release the
licence for its output — and the findings (exit status 0: they never change the verdict).

"Today" is the date (UTC) of the chain's last recorded time, never the verifier's clock, so the
result does not depend on when it is run.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Protocol

from verifier.analysis._involvement import Event, _Analysis
from verifier.format import (
    Code,
    Finding,
    LicenceDocument,
    LicenceTerms,
    SchemaError,
    VerificationFailure,
    format_time,
    key_id,
    parse_fee,
)

#: Why a usage is not covered by the licence it names (LicenceTerms.covers), with its code.
USAGE_REASONS: dict[str, Code] = {
    "outside_territory": Code.USAGE_OUTSIDE_TERRITORY,
    "outside_media": Code.USAGE_OUTSIDE_MEDIA,
    "outside_term": Code.USAGE_OUTSIDE_TERM,
}
#: Why a generation in the released lineage has no licence for its output (finding
#: ``generation.no_output_licence``), in the order of spec/licensing.md §3.
GENERATION_REASONS = ("no_licence", "not_in", "no_commercial_use", "no_model", "other_model", "outside_term")
_SHORT = 80  # characters of untrusted text quoted in a finding's message

_Finder = Callable[[Code, int, str], None]  # records one finding: code, event seq, message


class LicensingEvent(Event, Protocol):
    """What the coverage rules read of an event (the verifier's EventSummary)."""

    @property
    def disclosed(self) -> Mapping[str, str]: ...


def day_of(microseconds: int) -> str:
    """The UTC date ``YYYY-MM-DD`` of a recorded time (microseconds since the epoch)."""
    return format_time(microseconds)[:10]


def released_lineage(events: Sequence[Event]) -> tuple[Event | None, list[Event]]:
    """The last ``release`` event and the events of its released asset's lineage
    (spec/human-involvement.md §4): the walk of the human-involvement method, reused."""
    run = _Analysis(events, None, {})
    releases = [e for e in run.events if e.type == "release"]
    if not releases:
        return None, []
    lineage, _gaps = run.lineage(releases[-1].body["asset"]["sha256"])
    return releases[-1], lineage


# -- the result ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Party:
    """One party to a licence: its key, the name on its key card in the bundle (if any), its
    side, and whether its signature is in the document (one that does not verify has already
    made the bundle invalid, V5.2)."""

    public_key: bytes
    name: str | None
    role: str  # "licensor" or "licensee"
    signed: bool

    def label(self) -> str:
        return self.name or key_id(self.public_key).hex()[:16]

    def to_json(self) -> dict[str, Any]:
        return {"key": self.public_key.hex(), "key_id": key_id(self.public_key).hex(), "name": self.name,
                "role": self.role, "signed": self.signed}


@dataclass(frozen=True)
class Payment:
    """A payment event naming a licence. ``counted``: in the fee's currency (only those add up
    against a disclosed fee; the others are listed, not counted); None when the fee is withheld."""

    seq: int
    amount: str
    currency: str
    paid_on: str
    counted: bool | None

    def to_json(self) -> dict[str, Any]:
        return {"event": self.seq, "amount": self.amount, "currency": self.currency, "paid_on": self.paid_on,
                "counted": self.counted}


@dataclass(frozen=True)
class LicenceRow:
    """One licence event: what its document says, who signed, its fee and payments, findings."""

    seq: int
    direction: str
    subject: str
    subject_model: str | None
    subject_assets: tuple[bytes, ...]
    parties: tuple[Party, ...]
    territory: tuple[str, ...]
    media: tuple[str, ...]
    start: str
    end: str
    terms: Mapping[str, Any]  # commercial_use, derivatives, attribution, transferable, ai_training, revenue_share
    fee: str | None  # the disclosed plaintext, "AMOUNT CURRENCY"; None: withheld
    fee_amount: str | None  # None: withheld, or disclosed but not "AMOUNT CURRENCY"
    fee_currency: str | None
    payments: tuple[Payment, ...]
    paid: Mapping[str, str]  # currency -> total of the payments in it
    expired: bool
    findings: tuple[Code, ...]

    @property
    def paid_total(self) -> str | None:
        """What was paid in the fee's currency (None when the fee is not known)."""
        if self.fee_currency is None:
            return None
        return self.paid.get(self.fee_currency, "0")

    def to_json(self) -> dict[str, Any]:
        return {"event": self.seq, "direction": self.direction,
                "subject": {"text": self.subject, "model": self.subject_model,
                            "assets": [a.hex() for a in self.subject_assets]},
                "parties": [p.to_json() for p in self.parties],
                "unsigned_parties": sum(not p.signed for p in self.parties),
                "territory": list(self.territory), "media": list(self.media),
                "term": {"start": self.start, "end": self.end}, "expired": self.expired, "terms": dict(self.terms),
                "fee": self.fee, "fee_withheld": self.fee is None,
                "fee_amount": self.fee_amount, "fee_currency": self.fee_currency,
                "payments": [p.to_json() for p in self.payments], "paid": dict(self.paid),
                "paid_total": self.paid_total, "findings": [c.value for c in self.findings]}


@dataclass(frozen=True)
class UsageRow:
    """One usage event, the licence it names (seq) and whether that licence covers it."""

    seq: int
    production: str
    episode: int | None
    platform: str
    territory: str
    media: str
    date: str
    asset: bytes | None
    licence: int | None
    covered: bool
    reasons: tuple[str, ...]  # "unlicensed", or outside_territory / outside_media / outside_term

    def to_json(self) -> dict[str, Any]:
        return {"event": self.seq, "production": self.production, "episode": self.episode,
                "platform": self.platform, "territory": self.territory, "media": self.media, "date": self.date,
                "asset": self.asset.hex() if self.asset is not None else None, "licence": self.licence,
                "covered": self.covered, "reasons": list(self.reasons)}


@dataclass(frozen=True)
class GenerationRow:
    """An AI generation in the lineage of the last release, and the licence for its output."""

    seq: int
    model: str
    date: str  # its recorded date (UTC)
    licence: int | None
    reasons: tuple[str, ...]  # of GENERATION_REASONS; empty: its output is licensed

    @property
    def ok(self) -> bool:
        return not self.reasons

    def to_json(self) -> dict[str, Any]:
        return {"event": self.seq, "model": self.model, "date": self.date, "licence": self.licence,
                "ok": self.ok, "reasons": list(self.reasons)}


@dataclass(frozen=True)
class Coverage:
    """The result of V13 over one chain."""

    today: str
    release: int | None  # seq of the last release (whose lineage the generations are from)
    licences: tuple[LicenceRow, ...]
    usages: tuple[UsageRow, ...]
    generations: tuple[GenerationRow, ...]
    findings: tuple[Finding, ...]


# -- the rules (spec/licensing.md §3) ------------------------------------------------------------


def _short(text: str) -> str:
    return text if len(text) <= _SHORT else text[:_SHORT - 1] + "…"


def _amount(value: Decimal) -> str:
    return format(value, "f")


@dataclass(frozen=True)
class _Licence:
    event: LicensingEvent
    document: LicenceDocument

    @property
    def terms(self) -> LicenceTerms:
        return self.document.terms


def _document(event: LicensingEvent) -> LicenceDocument | None:
    """The licence document of a licence event of a verified chain: V5.2 has checked every
    signature it holds, so they are read, not verified a second time."""
    try:
        return LicenceDocument.parse(event.body["document"], verify=False)
    except (VerificationFailure, SchemaError):  # not in a verified chain (V4, V5.2 failed)
        return None


def analyse_licensing(events: Sequence[LicensingEvent], names: Mapping[bytes, str] | None = None, *,
                      last_time: int | None = None) -> Coverage:
    """Run V13 over the summaries of a *verified* chain's events. ``names`` maps a public key to
    the name on its key card in the bundle; ``last_time`` is the chain's last recorded time
    (microseconds; default: the latest among ``events`` — pass it when some events, such as
    notes, are not among them): its UTC date is "today"."""
    names = names or {}
    ordered = sorted(events, key=lambda e: e.seq)
    if last_time is None:
        last_time = max((e.time for e in ordered), default=0)
    today = day_of(last_time)
    found: dict[int, list[Finding]] = {}

    def finding(code: Code, seq: int, message: str) -> None:
        found.setdefault(seq, []).append(Finding(code, seq, message))

    licences: dict[bytes, _Licence] = {}
    payments: dict[bytes, list[LicensingEvent]] = {}
    for event in ordered:
        if event.type == "licence":
            document = _document(event)
            if document is not None:
                licences[event.hash] = _Licence(event, document)
        elif event.type == "payment":
            payments.setdefault(event.body["licence"], []).append(event)

    licence_rows = tuple(_licence_row(entry, payments.get(digest, []), names, today, finding)
                         for digest, entry in licences.items())
    usage_rows = tuple(_usage_row(event, licences, finding) for event in ordered if event.type == "usage")
    if any(e.type == "generation" for e in ordered):  # the lineage walk only when it can find one
        release, lineage = released_lineage(ordered)
    else:
        release, lineage = next((e for e in reversed(ordered) if e.type == "release"), None), []
    generation_rows = tuple(_generation_row(event, licences, finding)
                            for event in lineage if event.type == "generation")
    findings = tuple(f for seq in sorted(found) for f in found[seq])
    return Coverage(today, release.seq if release is not None else None, licence_rows, usage_rows,
                    generation_rows, findings)


def _licence_row(entry: _Licence, paid_by: list[LicensingEvent], names: Mapping[bytes, str], today: str,
                 finding: _Finder) -> LicenceRow:
    event, document, terms = entry.event, entry.document, entry.terms
    seq = event.seq
    what = f"licence #{seq} ({_short(terms.subject)})"
    codes: list[Code] = []
    signed = set(document.signed_by)
    parties = tuple(Party(pk, names.get(pk), role, pk in signed)
                    for role, keys in (("licensor", terms.licensors), ("licensee", terms.licensees)) for pk in keys)
    for party in parties:  # licence.unsigned_party: one finding per party whose signature is missing
        if not party.signed:
            codes.append(Code.LICENCE_UNSIGNED_PARTY)
            finding(Code.LICENCE_UNSIGNED_PARTY, seq,
                    f"{what}: the {party.role} {_short(party.label())} has not signed it")
    expired = terms.end < today  # ISO dates compare as text
    if expired:
        codes.append(Code.LICENCE_EXPIRED)
        finding(Code.LICENCE_EXPIRED, seq, f"{what}: its term ended on {terms.end}, before {today}")

    fee = event.disclosed.get("fee")
    parsed = parse_fee(fee) if fee is not None else None
    fee_amount, fee_currency = parsed if parsed is not None else (None, None)
    rows: list[Payment] = []
    totals: dict[str, Decimal] = {}
    for payment in paid_by:
        body = payment.body
        rows.append(Payment(payment.seq, body["amount"], body["currency"], body["paid_on"],
                            None if fee_currency is None else body["currency"] == fee_currency))
        totals[body["currency"]] = totals.get(body["currency"], Decimal(0)) + Decimal(body["amount"])
    # payment.missing: the fee is withheld (or not readable as "AMOUNT CURRENCY"), or disclosed and
    # above zero, and no payment event names the licence.
    costs = fee_amount is None or Decimal(fee_amount) > 0
    if costs and not rows:
        codes.append(Code.PAYMENT_MISSING)
        said = ("its fee is withheld" if fee is None else f"its fee is {_short(fee)}" if fee_amount is not None
                else f"its fee {_short(fee)!r} is not an amount and a currency")
        finding(Code.PAYMENT_MISSING, seq, f"{what}: {said}, and no payment names it")
    # payment.short: the fee is disclosed and the payments naming the licence in the fee's
    # currency add up to less (those in another currency are listed, not counted). With no
    # payment at all, payment.missing says it.
    elif fee_amount is not None and fee_currency is not None and rows:
        paid = totals.get(fee_currency, Decimal(0))
        if paid < Decimal(fee_amount):
            codes.append(Code.PAYMENT_SHORT)
            others = sorted(c for c in totals if c != fee_currency)
            finding(Code.PAYMENT_SHORT, seq,
                    f"{what}: the fee is {fee}, the payments in {fee_currency} add up to {_amount(paid)}"
                    + (f" (payments in {', '.join(others)} are not counted)" if others else ""))
    return LicenceRow(
        seq=seq, direction=terms.direction, subject=terms.subject, subject_model=terms.subject_model,
        subject_assets=terms.subject_assets, parties=parties, territory=terms.territory, media=terms.media,
        start=terms.start, end=terms.end,
        terms={"commercial_use": terms.commercial_use, "derivatives": terms.derivatives,
               "attribution": terms.attribution, "transferable": terms.transferable,
               "ai_training": terms.ai_training, "revenue_share": terms.revenue_share},
        fee=fee, fee_amount=fee_amount, fee_currency=fee_currency, payments=tuple(rows),
        paid={c: _amount(v) for c, v in sorted(totals.items())}, expired=expired, findings=tuple(codes))


def _usage_row(event: LicensingEvent, licences: Mapping[bytes, _Licence], finding: _Finder) -> UsageRow:
    body = event.body
    seq = event.seq
    what = f"usage #{seq} ({_short(body['production'])}"
    if "episode" in body:
        what += f", episode {body['episode']}"
    what += f", {_short(body['platform'])})"
    named = body.get("licence")
    entry = licences.get(named) if named is not None else None
    reasons: list[str] = []
    if entry is None:  # usage.unlicensed (a licence not in the chain cannot be one: V6.6)
        reasons.append("unlicensed")
        finding(Code.USAGE_UNLICENSED, seq, f"{what} names no licence")
    else:
        terms = entry.terms
        licence = f"licence #{entry.event.seq}"
        reasons = terms.covers(territory=body["territory"], medium=body["media"], on=body["date"])
        for reason in reasons:
            if reason == "outside_territory":
                message = (f"{what} is in {body['territory']}; {licence} covers "
                           f"{', '.join(terms.territory)} only")
            elif reason == "outside_media":
                message = f"{what} is {body['media']}; {licence} covers {', '.join(terms.media)} only"
            else:
                message = f"{what} is on {body['date']}; {licence} runs from {terms.start} to {terms.end}"
            finding(USAGE_REASONS[reason], seq, message)
    asset = body.get("asset")
    return UsageRow(seq, body["production"], body.get("episode"), body["platform"], body["territory"],
                    body["media"], body["date"], asset["sha256"] if asset is not None else None,
                    entry.event.seq if entry is not None else None, not reasons, tuple(reasons))


def _generation_row(event: Event, licences: Mapping[bytes, _Licence], finding: _Finder) -> GenerationRow:
    body = event.body
    model = body["model"]
    date = day_of(event.time)
    named = body.get("licence")
    entry = licences.get(named) if named is not None else None
    reasons: list[str] = []
    if entry is None:
        reasons.append("no_licence")
    else:
        terms = entry.terms
        if terms.direction != "in":
            reasons.append("not_in")
        if not terms.commercial_use:
            reasons.append("no_commercial_use")
        if terms.subject_model is None:
            reasons.append("no_model")
        elif terms.subject_model != model:
            reasons.append("other_model")
        if not terms.start <= date <= terms.end:
            reasons.append("outside_term")
    if reasons:
        finding(Code.GENERATION_NO_OUTPUT_LICENCE, event.seq,
                f"generation #{event.seq} ({_short(model)}) in the released music: "
                + "; ".join(_generation_reason(r, entry, model, date) for r in reasons))
    return GenerationRow(event.seq, model, date, entry.event.seq if entry is not None else None, tuple(reasons))


def _generation_reason(reason: str, entry: _Licence | None, model: str, date: str) -> str:
    if entry is None:
        return "it names no licence for its output"
    terms, licence = entry.terms, f"licence #{entry.event.seq}"
    return {
        "not_in": f"{licence} is one the studio grants (out), not one it takes (in)",
        "no_commercial_use": f"{licence} does not allow commercial use",
        "no_model": f"{licence} names no model, so it is not shown to cover {_short(model)}'s output",
        "other_model": f"{licence} is for the model {_short(terms.subject_model or '')}, not {_short(model)}",
        "outside_term": f"{licence} runs from {terms.start} to {terms.end}, not on {date} when it was recorded",
    }[reason]


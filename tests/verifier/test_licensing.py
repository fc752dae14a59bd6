"""Licence coverage, V13 (spec/licensing.md §3): each rule, its edges, and how a report shows it.

The rules are run over hand-made event summaries (what the verifier keeps of a verified chain);
the report and its renderings over the bundle vectors of spec/vectors/bundles/ and bundles the
vector generator builds. No writer involved.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from tests.verifier.vectors import BUNDLES, load_bundle_generator, vector_key
from verifier import Code, verify_bundle
from verifier.analysis import Coverage, analyse_licensing, day_of, released_lineage
from verifier.format import LicenceDocument, LicenceTerms, key_id
from verifier.render import render_html, render_text

T0 = 1_763_700_000_000_000  # 2025-11-21T04:40:00Z
DAY = 24 * 3600 * 1_000_000


def _public(key: Ed25519PrivateKey) -> bytes:
    return key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


STUDIO, LIBRARY, PROVIDER, OUTSIDER = (vector_key(n) for n in ("bob", "alice", "cuegen-logs", "carol"))
NAMES = {_public(STUDIO): "bob", _public(PROVIDER): "cuegen-logs"}


@dataclass(frozen=True)
class Event:
    """An event summary as the verifier keeps it (EventSummary's fields the rules read)."""

    seq: int
    type: str
    body: Mapping[str, Any]
    time: int = T0
    disclosed: Mapping[str, str] = field(default_factory=dict)
    occurred: int | None = None
    signer: bytes = bytes(32)
    private_fields: tuple[str, ...] = ()

    @property
    def hash(self) -> bytes:
        return hashlib.sha256(f"event/{self.seq}".encode()).digest()


def _asset(name: str) -> dict[str, Any]:
    return {"sha256": hashlib.sha256(name.encode()).digest(), "size": 1, "media_type": "audio/wav"}


def document(*, signers: Sequence[Ed25519PrivateKey] | None = None, licensors: Sequence[Ed25519PrivateKey] = (LIBRARY,),
             licensees: Sequence[Ed25519PrivateKey] = (STUDIO,), **terms: Any) -> bytes:
    values: dict[str, Any] = dict(direction="in", subject="bell sample", territory=("WORLD",),
                                  media=("streaming", "sync"), start="2025-01-01", end="2026-12-31")
    values.update(terms)
    made = LicenceDocument.draft(LicenceTerms(
        licensors=tuple(_public(k) for k in licensors), licensees=tuple(_public(k) for k in licensees),
        commitments={"fee": bytes(32), "scope": bytes(32)}, **values))
    for key in signers if signers is not None else (*licensors, *licensees):
        made = made.sign(_public(key), key.sign)
    return made.encode()


class Chain:
    """A chain of summaries built event by event; ``seq`` of each is its position."""

    def __init__(self) -> None:
        self.events: list[Event] = []

    def add(self, type_name: str, body: Mapping[str, Any], *, time: int | None = None,
            disclosed: Mapping[str, str] | None = None) -> Event:
        event = Event(len(self.events), type_name, dict(body), T0 + len(self.events) if time is None else time,
                      dict(disclosed or {}))
        self.events.append(event)
        return event

    def licence(self, fee: str | None = "100.00 EUR", **terms: Any) -> Event:
        return self.add("licence", {"document": document(**terms)}, disclosed={"fee": fee} if fee else {})

    def payment(self, licence: Event, amount: str, currency: str = "EUR") -> Event:
        return self.add("payment", {"licence": licence.hash, "amount": amount, "currency": currency,
                                    "paid_on": "2025-11-21"})

    def usage(self, licence: Event | None, *, territory: str = "CN", media: str = "streaming",
              date: str = "2025-11-21") -> Event:
        body: dict[str, Any] = {"production": "Lantern Street", "platform": "ExampleStream", "territory": territory,
                                "media": media, "date": date}
        if licence is not None:
            body["licence"] = licence.hash
        return self.add("usage", body)

    def generation(self, output: str, licence: Event | None = None, model: str = "cue-gen",
                   time: int | None = None) -> Event:
        body: dict[str, Any] = {"model": model, "outputs": [_asset(output)]}
        if licence is not None:
            body["licence"] = licence.hash
        return self.add("generation", body, time=time)

    def release(self, asset: str) -> Event:
        return self.add("release", {"asset": _asset(asset)})

    def run(self, last_time: int | None = None) -> Coverage:
        return analyse_licensing(self.events, NAMES, last_time=last_time)


def codes(coverage: Coverage) -> list[tuple[str, int | None]]:
    return [(f.code.value, f.event) for f in coverage.findings]


# -- a clean chain ---------------------------------------------------------------------------------


def test_a_fully_paid_covered_chain_has_no_findings() -> None:
    chain = Chain()
    ai = chain.licence(None, licensors=(PROVIDER,), subject="CueGen output", subject_model="cue-gen")
    chain.payment(ai, "20.00", "USD")
    bell = chain.licence("1200.00 EUR")
    chain.payment(bell, "1200.00")
    sync = chain.licence("8000.00 CNY", licensors=(STUDIO,), licensees=(OUTSIDER,), direction="out",
                         territory=("CN", "HK"))
    chain.payment(sync, "8000.00", "CNY")
    chain.generation("take.wav", ai)
    chain.release("take.wav")
    chain.usage(sync)
    coverage = chain.run()
    assert coverage.findings == ()
    assert [row.seq for row in coverage.licences] == [0, 2, 4]
    assert [(u.covered, u.licence) for u in coverage.usages] == [(True, 4)]
    assert [(g.seq, g.licence, g.ok) for g in coverage.generations] == [(6, 0, True)]
    assert coverage.today == "2025-11-21" and coverage.release == 7
    ai_row, bell_row, sync_row = coverage.licences
    assert ai_row.fee is None and ai_row.paid_total is None and ai_row.payments[0].counted is None
    assert bell_row.fee == "1200.00 EUR" and bell_row.paid_total == "1200.00" and bell_row.paid == {"EUR": "1200.00"}
    assert [(p.name, p.role, p.signed) for p in sync_row.parties] == [("bob", "licensor", True),
                                                                       (None, "licensee", True)]
    assert sync_row.direction == "out" and sync_row.territory == ("CN", "HK")


def test_the_valid_licensing_vector_has_no_findings_and_reports_every_licence() -> None:
    report = verify_bundle(BUNDLES / "valid-licensing.bundle")
    assert report.exit_code == 0 and report.valid and report.warnings == ()
    licensing = report.licensing
    assert licensing is not None and licensing.findings == ()
    data = report.to_json()["licensing"]
    assert data["summary"] == {"licences": 3, "usages": 1, "covered": 1, "generations": 1,
                               "licensed_generations": 1, "findings": 0}
    assert [(row["event"], row["direction"], row["fee"]) for row in data["licences"]] == [
        (1, "in", None), (5, "in", "1200.00 EUR"), (9, "out", "8000.00 CNY")]
    bell = data["licences"][1]
    assert [(p["name"], p["role"], p["signed"]) for p in bell["parties"]] == [(None, "licensor", True),
                                                                              ("bob", "licensee", True)]
    assert bell["paid_total"] == "1200.00" and bell["payments"][0]["counted"] is True
    assert data["generations"] == [{"event": 2, "model": "cue-gen", "date": "2025-11-21", "licence": 1, "ok": True,
                                    "reasons": []}]


def test_an_invalid_bundle_has_no_licensing_section() -> None:
    report = verify_bundle(BUNDLES / "licence-signature-invalid-forged.bundle")
    assert not report.valid and report.licensing is None and report.to_json()["licensing"] is None
    assert [f.code for f in report.errors] == [Code.LICENCE_SIGNATURE_INVALID]


# -- licence.unsigned_party, licence.expired ---------------------------------------------------------


def test_each_party_that_has_not_signed_is_a_finding_and_the_licence_still_decides_coverage() -> None:
    chain = Chain()
    licence = chain.licence(signers=(), licensees=(STUDIO, OUTSIDER))
    chain.payment(licence, "100.00")
    chain.usage(licence)
    coverage = chain.run()
    assert codes(coverage) == [("licence.unsigned_party", 0)] * 3
    assert coverage.usages[0].covered
    assert [p.signed for p in coverage.licences[0].parties] == [False, False, False]
    assert "licensee bob has not signed" in coverage.findings[1].message
    partly = Chain()
    partly.payment(partly.licence(signers=(STUDIO,)), "100.00")
    assert codes(partly.run()) == [("licence.unsigned_party", 0)]
    assert "licensor" in partly.run().findings[0].message


@pytest.mark.parametrize(("end", "expired"), [("2025-11-20", True), ("2025-11-21", False), ("2025-11-22", False)])
def test_a_licence_expires_after_its_last_day(end: str, expired: bool) -> None:
    chain = Chain()
    chain.payment(chain.licence(start="2025-01-01", end=end), "100.00")
    coverage = chain.run()
    assert codes(coverage) == ([("licence.expired", 0)] if expired else [])
    assert coverage.licences[0].expired is expired


def test_today_is_the_utc_date_of_the_chains_last_recorded_time_not_the_clock() -> None:
    chain = Chain()
    chain.payment(chain.licence(end="2025-11-21"), "100.00")
    last_second = T0 - T0 % DAY + DAY - 1  # 2025-11-21T23:59:59.999999Z
    assert day_of(last_second) == "2025-11-21" and chain.run(last_time=last_second).findings == ()
    assert codes(chain.run(last_time=last_second + 1)) == [("licence.expired", 0)]  # 2025-11-22T00:00Z
    assert chain.run().today == "2025-11-21"  # default: the latest time among the events
    assert chain.run(last_time=T0 + 400 * DAY).today == "2026-12-26"


# -- usage ---------------------------------------------------------------------------------------


def test_a_usage_that_names_no_licence_is_unlicensed() -> None:
    chain = Chain()
    chain.usage(None)
    coverage = chain.run()
    assert codes(coverage) == [("usage.unlicensed", 0)]
    assert (coverage.usages[0].covered, coverage.usages[0].reasons, coverage.usages[0].licence) == (
        False, ("unlicensed",), None)


@pytest.mark.parametrize(("territory", "used_in", "covered"), [
    (("WORLD",), "FR", True), (("WORLD",), "CN", True), (("CN", "HK"), "HK", True), (("CN", "HK"), "FR", False)])
def test_territory(territory: tuple[str, ...], used_in: str, covered: bool) -> None:
    chain = Chain()
    licence = chain.licence(territory=territory)
    chain.payment(licence, "100.00")
    chain.usage(licence, territory=used_in)
    coverage = chain.run()
    assert coverage.usages[0].covered is covered
    assert codes(coverage) == ([] if covered else [("usage.outside_territory", 2)])


def test_media() -> None:
    chain = Chain()
    licence = chain.licence(media=("sync",))
    chain.payment(licence, "100.00")
    chain.usage(licence, media="sync")
    chain.usage(licence, media="advertising")
    coverage = chain.run()
    assert [u.covered for u in coverage.usages] == [True, False]
    assert codes(coverage) == [("usage.outside_media", 3)]
    assert "advertising" in coverage.findings[0].message and "sync" in coverage.findings[0].message


@pytest.mark.parametrize(("date", "covered"), [("2025-10-31", False), ("2025-11-01", True), ("2026-03-01", True),
                                               ("2026-10-31", True), ("2026-11-01", False)])
def test_the_terms_first_and_last_days_are_included(date: str, covered: bool) -> None:
    chain = Chain()
    licence = chain.licence(start="2025-11-01", end="2026-10-31")
    chain.payment(licence, "100.00")
    chain.usage(licence, date=date)
    coverage = chain.run()
    assert coverage.usages[0].covered is covered
    assert codes(coverage) == ([] if covered else [("usage.outside_term", 2)])


def test_a_usage_outside_everything_has_three_findings() -> None:
    chain = Chain()
    licence = chain.licence(territory=("CN",), media=("sync",), end="2030-12-31")
    chain.payment(licence, "100.00")
    chain.usage(licence, territory="FR", media="games", date="2031-01-01")
    coverage = chain.run()
    assert codes(coverage) == [("usage.outside_territory", 2), ("usage.outside_media", 2),
                               ("usage.outside_term", 2)]
    assert coverage.usages[0].reasons == ("outside_territory", "outside_media", "outside_term")


# -- payments ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("fee", "payments", "expected"), [
    ("1200.00 EUR", [], ["payment.missing"]),
    ("1200.00 EUR", [("1200.00", "EUR")], []),
    ("1200.00 EUR", [("1500", "EUR")], []),  # more than the fee: no finding
    ("1200.00 EUR", [("1000.00", "EUR"), ("200", "EUR")], []),
    ("0.3 EUR", [("0.1", "EUR"), ("0.2", "EUR")], []),  # decimal, not binary floating point
    ("1200.00 EUR", [("1199.999999", "EUR")], ["payment.short"]),
    ("1200.00 EUR", [("1000.00", "EUR"), ("500.00", "USD")], ["payment.short"]),  # another currency: not counted
    ("1200.00 EUR", [("1300.00", "USD")], ["payment.short"]),  # paid, but none in the fee's currency
    ("0.00 EUR", [], []),  # free: no payment needed
    ("0 CNY", [("10", "CNY")], []),
    (None, [], ["payment.missing"]),  # fee withheld: a payment is expected
    (None, [("1.00", "EUR")], []),  # withheld: any payment, never short
])
def test_payments(fee: str | None, payments: list[tuple[str, str]], expected: list[str]) -> None:
    chain = Chain()
    licence = chain.licence(fee)
    for amount, currency in payments:
        chain.payment(licence, amount, currency)
    coverage = chain.run()
    assert [code for code, _ in codes(coverage)] == expected
    assert all(f.event == 0 for f in coverage.findings)
    row = coverage.licences[0]
    assert [(p.seq, p.amount, p.currency) for p in row.payments] == [
        (i + 1, amount, currency) for i, (amount, currency) in enumerate(payments)]


def test_payments_in_another_currency_are_listed_not_counted() -> None:
    chain = Chain()
    licence = chain.licence("1200.00 EUR")
    chain.payment(licence, "1000.00")
    chain.payment(licence, "300.00", "USD")
    chain.payment(licence, "100.50")
    row = chain.run().licences[0]
    assert [p.counted for p in row.payments] == [True, False, True]
    assert row.paid == {"EUR": "1100.50", "USD": "300.00"} and row.paid_total == "1100.50"
    message = chain.run().findings[0].message
    assert "1100.50" in message and "USD" in message and "not counted" in message


def test_a_disclosed_fee_that_is_not_an_amount_counts_as_unknown() -> None:
    chain = Chain()
    chain.licence("twelve hundred euros")
    coverage = chain.run()
    assert codes(coverage) == [("payment.missing", 0)]
    assert coverage.licences[0].fee == "twelve hundred euros" and coverage.licences[0].fee_amount is None
    paid = Chain()
    paid.payment(paid.licence("twelve hundred euros"), "1.00")
    assert paid.run().findings == ()


def test_payments_name_their_own_licence() -> None:
    chain = Chain()
    first = chain.licence("10.00 EUR")
    chain.licence("20.00 EUR")
    chain.payment(first, "20.00")
    coverage = chain.run()
    assert codes(coverage) == [("payment.missing", 1)]
    assert [len(row.payments) for row in coverage.licences] == [1, 0]


# -- generation.no_output_licence ------------------------------------------------------------------


def _generation_chain(licence_terms: dict[str, Any] | None, *, model: str = "cue-gen",
                      time: int | None = None) -> Coverage:
    chain = Chain()
    licence = None
    if licence_terms is not None:
        terms = dict(licensors=(PROVIDER,), subject="CueGen output", subject_model="cue-gen")
        terms.update(licence_terms)
        licence = chain.licence(None, **terms)
        chain.payment(licence, "20.00", "USD")
    chain.generation("take.wav", licence, model=model, time=time)
    chain.release("take.wav")
    return chain.run()


@pytest.mark.parametrize(("terms", "model", "reasons"), [
    ({}, "cue-gen", ()),
    (None, "cue-gen", ("no_licence",)),
    ({"direction": "out"}, "cue-gen", ("not_in",)),
    ({"commercial_use": False}, "cue-gen", ("no_commercial_use",)),
    ({}, "cue-gen-xl", ("other_model",)),
    ({"subject_model": None}, "cue-gen", ("no_model",)),
    ({"start": "2026-01-01"}, "cue-gen", ("outside_term",)),
    ({"end": "2025-11-20"}, "cue-gen", ("outside_term",)),
    ({"direction": "out", "commercial_use": False}, "other", ("not_in", "no_commercial_use", "other_model")),
])
def test_an_ai_generation_in_the_released_music_needs_an_output_licence(
        terms: dict[str, Any] | None, model: str, reasons: tuple[str, ...]) -> None:
    coverage = _generation_chain(terms, model=model)
    (row,) = coverage.generations
    assert row.reasons == reasons and row.ok is (not reasons)
    expected = [("generation.no_output_licence", row.seq)] if reasons else []
    assert [pair for pair in codes(coverage) if pair[0].startswith("generation")] == expected


def test_the_generations_recorded_date_decides_not_today() -> None:
    """A licence that ended after the generation was recorded still licenses its output
    (licence.expired says the rest)."""
    chain = Chain()
    licence = chain.licence(None, licensors=(PROVIDER,), subject="CueGen output", subject_model="cue-gen",
                            end="2025-11-21")
    chain.payment(licence, "20.00", "USD")
    chain.generation("take.wav", licence)
    chain.release("take.wav")
    coverage = chain.run(last_time=T0 + 30 * DAY)
    assert coverage.generations[0].ok
    assert codes(coverage) == [("licence.expired", 0)]


def test_only_generations_in_the_lineage_of_the_last_release_count() -> None:
    chain = Chain()
    chain.generation("discarded.wav")  # never used: not in the released music
    kept = chain.generation("early.wav")
    chain.release("early.wav")  # an earlier release: not the last one
    chain.generation("final.wav")
    chain.add("human-edit", {"inputs": [_asset("final.wav")], "output": _asset("mix.wav"), "kind": "mixing"})
    chain.release("mix.wav")
    coverage = chain.run()
    assert [g.seq for g in coverage.generations] == [3] and coverage.release == 5
    assert codes(coverage) == [("generation.no_output_licence", 3)]
    assert kept.seq not in [g.seq for g in coverage.generations]


def test_a_generation_reached_through_a_parameter_edit_is_in_the_lineage() -> None:
    chain = Chain()
    generation = chain.generation("a.wav")
    chain.add("parameter-edit", {"of": generation.hash, "params": {"t": 1}, "outputs": [_asset("b.wav")]})
    chain.release("b.wav")
    release, lineage = released_lineage(chain.events)
    assert release is not None and [e.type for e in lineage] == ["generation", "parameter-edit"]
    assert codes(chain.run()) == [("generation.no_output_licence", 0)]


def test_no_release_no_generation_is_judged() -> None:
    chain = Chain()
    chain.generation("a.wav")
    coverage = chain.run()
    assert coverage.generations == () and coverage.findings == () and coverage.release is None


def test_findings_come_in_chain_order() -> None:
    chain = Chain()
    chain.usage(None)
    chain.licence("5.00 EUR", end="2025-01-31")
    chain.generation("a.wav")
    chain.release("a.wav")
    assert codes(chain.run()) == [("usage.unlicensed", 0), ("licence.expired", 1), ("payment.missing", 1),
                                  ("generation.no_output_licence", 2)]


# -- the report and its renderings -------------------------------------------------------------------


@pytest.mark.parametrize(("name", "code", "event"), [
    ("licence-unsigned-party", "licence.unsigned_party", 9), ("licence-expired", "licence.expired", 5),
    ("usage-unlicensed", "usage.unlicensed", 10), ("usage-outside-territory", "usage.outside_territory", 10),
    ("usage-outside-media", "usage.outside_media", 10), ("usage-outside-term", "usage.outside_term", 10),
    ("payment-missing", "payment.missing", 5), ("payment-missing-fee-withheld", "payment.missing", 1),
    ("payment-short", "payment.short", 5), ("generation-no-output-licence", "generation.no_output_licence", 2)])
def test_findings_are_warnings_and_in_the_licensing_section(name: str, code: str, event: int) -> None:
    report = verify_bundle(BUNDLES / f"{name}.bundle")
    assert report.exit_code == 0 and report.valid and report.licensing is not None
    assert [(f.code.value, f.event) for f in report.warnings] == [(code, event)]
    assert report.licensing.findings == report.warnings
    assert report.to_json()["licensing"]["findings"] == [f.to_json() for f in report.warnings]
    text = render_text(report)
    assert f"warning {code}:" in text and f"licensing findings: 1 ({code})" in text


def test_the_text_report_sums_up_in_a_few_lines() -> None:
    text = render_text(verify_bundle(BUNDLES / "valid-licensing.bundle")).splitlines()
    tail = text[text.index(next(line for line in text if line.startswith("licence "))):]
    assert tail == ["licence 3 recorded (2 taken in, 1 granted out); judged as of 2025-11-21, the chain's last "
                    "recorded date", "usage   1 of 1 covered by the licence they name",
                    "AI use  1 of 1 generations in the released music have an output licence",
                    "licensing findings: 0",
                    "screen  release #8 (a7.wav): not screened before release"]  # V14.3, said plainly
    notes = render_text(verify_bundle(BUNDLES / "valid-notes.bundle"))
    assert "licence none recorded" in notes


FIXED = datetime(2026, 1, 1, tzinfo=UTC)


def _section(html: str) -> str:
    start = html.index('<section id="licensing">')
    return html[start:html.index("</section>", start)]


def test_the_html_section_follows_the_human_involvement_parts_in_both_languages() -> None:
    report = verify_bundle(BUNDLES / "usage-outside-territory.bundle")
    english = render_html(report, "en", generated=FIXED)
    assert english.index('id="red-flags"') < english.index('id="licensing"') < english.index('id="signers"')
    section = _section(english)
    for text in ("Licences, payments and usage", "2025-11-21", "taken in by the studio", "granted out by the studio",
                 "withheld", "1200.00 EUR", "worldwide", "CN, HK, SG", "no: outside the licence&#x27;s territory",
                 "usage.outside_territory", "used in a country the licence does not cover", "cuegen-logs"):
        assert text in section, text
    chinese = _section(render_html(report, "zh", generated=FIXED))
    for text in ("授权、付款与使用情况", "工作室获得的授权", "工作室授予他方的授权", "全球", "否：超出授权地域",
                 "在授权未覆盖的国家或地区使用", "未披露"):
        assert text in chinese, text


def test_the_chinese_section_leaves_no_english_words() -> None:
    """Only data from the bundle (subjects, names, productions, models, codes, ISO codes) and
    identifiers (finding codes, SHA-256, AI, V5.2) may be in Latin letters."""
    for name in ("payment-short", "licence-unsigned-party", "usage-outside-term", "generation-no-output-licence",
                 "valid-story", "valid-notes"):
        report = verify_bundle(BUNDLES / f"{name}.bundle")
        section = re.sub(r"<[^>]+>", " ", _section(render_html(report, "zh", generated=FIXED)))
        assert report.licensing is not None
        data = {"SHA-256", "AI", "V5.2", "UTC"}
        data |= {f.code.value for f in report.licensing.findings}
        for row in report.licensing.licences:
            data |= {row.subject, row.subject_model or "", row.fee or "", *row.territory}
            data |= {p.name or key_id(p.public_key).hex()[:16] for p in row.parties}
            data |= {p.currency for p in row.payments} | {a.hex()[:16] for a in row.subject_assets}
        for usage in report.licensing.usages:
            data |= {usage.production, usage.platform, usage.territory}
        data |= {g.model for g in report.licensing.generations}
        for value in sorted(data - {""}, key=len, reverse=True):
            section = section.replace(value, " ")
        assert not re.search(r"[A-Za-z]{2,}", section), re.findall(r"[A-Za-z]{2,}", section)


def _bundle_with(tmp_path: Path, subject: str, production: str) -> Path:
    """The licensing story with untrusted text in a licence's subject and a usage's production."""
    generator = load_bundle_generator()
    story = generator.licensing_story()
    story = generator.at(story, generator.SYNC_LICENCE, body={"document": generator.sync_licence(subject=subject)})
    story = generator.at(story, generator.USAGE, body={**story[generator.USAGE].body, "production": production,
                                                        "territory": "FR"})
    path = tmp_path / "hostile.bundle"
    path.write_bytes(generator.assemble(generator.sign_chain(story)))
    return path


def test_untrusted_text_is_escaped_in_html_and_made_inert_on_a_terminal(tmp_path: Path) -> None:
    report = verify_bundle(_bundle_with(tmp_path, "<script>alert(1)</script>\x1b[2J", "Lantern\u202eStreet<b>"))
    assert report.valid and [f.code.value for f in report.warnings] == ["usage.outside_territory"]
    for lang in ("en", "zh"):
        html = render_html(report, lang, generated=FIXED)
        assert "<script" not in html and "<b>" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in _section(html) and "Lantern\u202eStreet&lt;b&gt;" in html
    text = render_text(report)
    assert "\x1b" not in text and "\u202e" not in text and "Lantern\\u202eStreet<b>" in text


def test_a_long_subject_is_shortened_in_messages_not_in_the_report() -> None:
    chain = Chain()
    chain.licence("5.00 EUR", subject="s" * 5000)
    coverage = chain.run()
    assert coverage.licences[0].subject == "s" * 5000
    assert [f.code for f in coverage.findings] == [Code.PAYMENT_MISSING]
    assert len(coverage.findings[0].message) < 200 and "s" * 79 + "…" in coverage.findings[0].message

"""Pre-release screening, V14 (spec/screening.md §5, verification.md V14): the schema of the
``screening`` body, the coverage of each match by a licence taken in, the statement about each
release, and how the report shows them — over the bundle vectors and bundles the vector
generator builds. No writer and no fingerprinting involved (tests/test_screening.py has those).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.verifier.vectors import BUNDLES, load_bundle_generator
from verifier import Code, verify_bundle
from verifier.format import EVENT_TYPES, SchemaError
from verifier.render import render_html, render_text

GEN = load_bundle_generator()
A = GEN.A


def _body(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "asset": A[7], "catalogue": dict(GEN.SCREENING_CATALOGUE), "method": "provenote-fp/1", "min_ms": 5_000,
        "matches": [{"reference": A[6]["sha256"], "name": "bell", "query": [1_000, 7_000],
                     "in_reference": [0, 6_000], "score": 30}]}
    body.update(changes)
    return body


def _check(body: dict[str, Any]) -> None:
    EVENT_TYPES["screening"].check_body(body, frozenset())


def test_a_well_formed_screening_body_passes() -> None:
    _check(_body())
    _check(_body(matches=[]))


@pytest.mark.parametrize("change", [
    {"min_ms": 0},
    {"catalogue": {**GEN.SCREENING_CATALOGUE, "tracks": 0}},
    {"catalogue": {**GEN.SCREENING_CATALOGUE, "identity": b"short"}},
    {"catalogue": {k: v for k, v in GEN.SCREENING_CATALOGUE.items() if k != "name"}},
    {"method": ""},
    {"matches": [{"reference": A[6]["sha256"], "name": "bell", "query": [1_000, 4_000], "in_reference": [0, 6_000],
                  "score": 30}]},  # 3 s on the query's side: under min_ms
    {"matches": [{"reference": A[6]["sha256"], "name": "bell", "query": [7_000, 1_000], "in_reference": [0, 6_000],
                  "score": 30}]},  # a span that ends before it starts
    {"matches": [{"reference": A[6]["sha256"], "name": "bell", "query": [1_000, 7_000], "in_reference": [0, 6_000],
                  "score": 0.5}]},  # no float in a body outside params
    {"matches": [{"reference": A[6]["sha256"], "name": "bell", "query": [1_000, 7_000], "in_reference": [0, 6_000],
                  "score": 30, "verdict": "infringing"}]},  # no key the format does not define
    {"asset": {"sha256": A[7]["sha256"]}},
])
def test_the_schema_refuses_a_bad_screening_body(change: dict[str, Any]) -> None:
    with pytest.raises(SchemaError):
        _check(_body(**change))


def test_a_covered_match_is_no_finding() -> None:
    report = verify_bundle(BUNDLES / "valid-screening.bundle")
    assert report.exit_code == 0 and report.warnings == ()
    screening = report.screening
    assert screening is not None and screening.findings == ()
    (row,) = screening.screenings
    assert row.method == "provenote-fp/1" and row.tracks == 3 and row.min_ms == 5_000
    assert row.catalogue_identity == GEN.SCREENING_CATALOGUE["identity"]
    (match,) = row.matches
    assert match.reference == A[6]["sha256"] and match.query == (41_200, 52_800) and match.in_reference == (0, 11_600)
    assert match.licences == (GEN.BELL_LICENCE,) and match.covered  # the bell licence names a6 by its hash
    # The screening came after the release: the release was not screened before it (V14.3).
    (release,) = screening.releases
    assert not release.screened and release.asset == A[7]["sha256"]


def test_an_unlicensed_match_is_a_finding_that_never_changes_the_verdict() -> None:
    report = verify_bundle(BUNDLES / "screening-unlicensed-match.bundle")
    assert report.valid and report.exit_code == 0
    assert [f.code for f in report.warnings] == [Code.SCREENING_UNLICENSED_MATCH]
    assert report.screening is not None and report.screening.unlicensed_matches == 1
    finding = report.warnings[0]
    assert "a8.wav" in finding.message and "12.0–19.5 s" in finding.message
    document = report.to_json()
    assert document["screening"]["summary"]["unlicensed_matches"] == 1
    assert document["screening"]["findings"] == [finding.to_json()]
    json.dumps(document)  # serialisable as it stands
    text = render_text(report)
    assert "NO licence-in names this track" in text and "warning screening.unlicensed_match" in text


def test_a_licence_granted_out_does_not_cover_a_match(tmp_path: Path) -> None:
    """Only a licence the studio took in covers a reference track (V14.2)."""
    story = GEN.licensing_story()
    sync = GEN.sync_licence(subject_assets=(A[6]["sha256"],))
    story = GEN.at(story, GEN.BELL_LICENCE, body={"document": GEN.bell_licence(subject_assets=(A[9]["sha256"],))})
    story = GEN.at(story, GEN.SYNC_LICENCE, body={"document": sync})
    story.append(GEN.Spec("screening", GEN.BOB, _body()))
    path = tmp_path / "out.bundle"
    path.write_bytes(GEN.assemble(GEN.sign_chain(story)))
    report = verify_bundle(path)
    assert report.valid
    assert Code.SCREENING_UNLICENSED_MATCH in [f.code for f in report.warnings]


def test_a_release_after_a_screening_of_its_asset_was_screened_before_release(tmp_path: Path) -> None:
    story = [GEN.Spec("work.created", GEN.ALICE, {"title": "screened"}),
             GEN.Spec("import", GEN.ALICE, {"output": A[7], "source": "the mix", "digital_source_type": "digitalCapture"}),
             GEN.Spec("screening", GEN.ALICE, _body(matches=[])),
             GEN.Spec("release", GEN.ALICE, {"asset": A[7]}),
             GEN.Spec("release", GEN.ALICE, {"asset": A[5]})]
    path = tmp_path / "screened.bundle"
    path.write_bytes(GEN.assemble(GEN.sign_chain(story)))
    report = verify_bundle(path)
    assert report.exit_code == 0 and report.screening is not None
    first, second = report.screening.releases
    assert first.screened and first.screenings == (2,)
    assert not second.screened
    text = render_text(report)
    assert "release #3" not in text and "release #4 (a5.wav): not screened before release" in text
    assert "no match" in text


def test_the_html_report_has_a_screening_section_in_both_languages(tmp_path: Path) -> None:
    story = GEN.licensing_story()
    hostile = '<script>alert("x")</script>\x1b[2J'
    story.append(GEN.Spec("screening", GEN.BOB, _body(matches=[
        {"reference": A[8]["sha256"], "name": hostile, "query": [1_000, 7_000], "in_reference": [0, 6_000],
         "score": 12}])))
    path = tmp_path / "hostile.bundle"
    path.write_bytes(GEN.assemble(GEN.sign_chain(story)))
    report = verify_bundle(path)
    english, chinese = render_html(report, lang="en"), render_html(report, lang="zh")
    for page, title in ((english, "Pre-release screening"), (chinese, "发布前筛查")):
        assert 'id="screening"' in page and title in page
        assert "<script>alert" not in page and "&lt;script&gt;" in page
    assert "none names this track" in english and "没有授权指明该曲目" in chinese
    assert "\x1b" not in render_text(report)  # inert on a terminal

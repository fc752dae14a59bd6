"""AI labels (spec/labels.md §3): each label checked against the class the chain shows, the red
flags `label.understates_ai` and `unlabelled_ai`, the CN and EU readouts, and the report's
section — over the bundle vectors and bundles the vector generator builds. No writer involved."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.verifier.vectors import BUNDLES, load_bundle_generator
from verifier import Report, verify_bundle
from verifier.render import render_html, render_text

GEN = load_bundle_generator()


def _profile(report: Report) -> Any:
    assert report.valid and report.human_involvement is not None, report.errors
    return report.human_involvement


def _with_labels(tmp_path: Path, *bodies: dict[str, Any], story: list[Any] | None = None) -> Report:
    specs = list(story if story is not None else GEN.licensing_story())
    specs += [GEN.Spec("label", GEN.BOB, body, body_ref={"release": GEN.RELEASE}) for body in bodies]
    path = tmp_path / "labels.bundle"
    path.write_bytes(GEN.assemble(GEN.sign_chain(specs)))
    return verify_bundle(path)


def _cn_item(profile: Any, item: str) -> bool:
    return bool(next(x["met"] for x in profile.readouts["cn"]["checklist"] if x["item"] == item))


def test_labels_that_agree_clear_unlabelled_ai_and_meet_the_readouts() -> None:
    report = verify_bundle(BUNDLES / "valid-labels.bundle")
    profile = _profile(report)
    assert "unlabelled_ai" not in profile.red_flags and "label.understates_ai" not in profile.red_flags
    assert [row["kind"] for row in profile.labels] == ["aigc-implicit", "aigc-audible", "c2pa", "ddex"]
    assert all(row["agrees"] and row["chain_contains_ai"] == "Partly" and row["release"] == 8 for row in profile.labels)
    assert _cn_item(profile, "ai_label") and profile.readouts["eu"]["art50_machine_readable_marking"]
    assert report.exit_code == 0 and report.to_json()["human_involvement"]["labels"] == profile.labels


def test_without_a_label_released_ai_material_is_unlabelled() -> None:
    profile = _profile(verify_bundle(BUNDLES / "valid-licensing.bundle"))
    assert "unlabelled_ai" in profile.red_flags and profile.labels == []
    assert not _cn_item(profile, "ai_label") and not profile.readouts["eu"]["art50_machine_readable_marking"]


def test_a_label_that_says_less_ai_raises_the_red_flag_but_not_a_failure() -> None:
    report = verify_bundle(BUNDLES / "label-understates-ai.bundle")
    profile = _profile(report)
    assert report.exit_code == 0 and "label.understates_ai" in profile.red_flags
    (row,) = profile.labels
    assert not row["agrees"] and row["contains_ai"] == "None" and row["chain_contains_ai"] == "Partly"
    assert "ContainsAI None" in row["reasons"][0]
    assert "UNDERSTATES AI" in render_text(report)


@pytest.mark.parametrize(("text", "reason"), [
    ('{"AIGC":{"Label":"2","ContentProducer":"x","ProduceID":"y","ReservedCode1":"","ContentPropagator":"",'
     '"PropagateID":"","ReservedCode2":""}}', 'its AIGC Label is "2"'),
    ('{"Label":"3"}', 'its AIGC Label is "3"'),  # unwrapped: read all the same
    ("not json at all", "unreadable"),
])
def test_an_aigc_label_that_does_not_say_ai_generated_understates(tmp_path: Path, text: str, reason: str) -> None:
    body = {**GEN.label_bodies()[0], "text": text}
    profile = _profile(_with_labels(tmp_path, body))
    assert "label.understates_ai" in profile.red_flags
    assert reason in profile.labels[0]["reasons"][0]


def test_stating_more_ai_than_the_chain_is_not_understating(tmp_path: Path) -> None:
    body = {**GEN.label_bodies()[3], "contains_ai": "All"}
    profile = _profile(_with_labels(tmp_path, body))
    assert "label.understates_ai" not in profile.red_flags and profile.labels[0]["agrees"]


def test_a_release_without_ai_material_may_say_none(tmp_path: Path) -> None:
    a = GEN.A
    story = [GEN.Spec("work.created", GEN.ALICE, {"title": "all human"}),
             GEN.Spec("human-input", GEN.ALICE, {"output": a[7], "layer": "vocals",
                                                 "digital_source_type": "digitalCapture"}),
             GEN.Spec("import", GEN.ALICE, {"output": a[5], "source": "x", "digital_source_type": "digitalCapture"}),
             GEN.Spec("selection", GEN.ALICE, {"candidates": [a[5], a[7]], "chosen": a[7]}),
             GEN.Spec("attestation", GEN.BOB, {"statement": "seen"}, body_ref={"about": 1}),
             GEN.Spec("note", GEN.ALICE, {}, {"text": "n"}),
             GEN.Spec("note", GEN.ALICE, {}, {"text": "m"}),
             GEN.Spec("note", GEN.ALICE, {}, {"text": "o"}),
             GEN.Spec("release", GEN.ALICE, {"asset": a[7]})]
    body = {**GEN.label_bodies()[3], "contains_ai": "None"}
    report = _with_labels(tmp_path, body, story=story)
    profile = _profile(report)
    assert profile.labels[0]["chain_contains_ai"] == "None" and profile.labels[0]["agrees"]
    assert "unlabelled_ai" not in profile.red_flags


def test_the_html_report_has_a_labels_section_in_both_languages(tmp_path: Path) -> None:
    hostile = {**GEN.label_bodies()[3], "contains_ai": "None",
               "output": {**GEN.label_bodies()[3]["output"], "name": "<img src=x onerror=alert(1)>.xml"}}
    report = _with_labels(tmp_path, hostile)
    english, chinese = render_html(report, lang="en"), render_html(report, lang="zh")
    for page, title in ((english, "AI labels"), (chinese, "AI 标识")):
        assert 'id="labels"' in page and title in page
        assert "<img src=x" not in page and "&lt;img src=x" in page
    assert "NO: it says ContainsAI None" in english

"""Degree of human involvement (spec/human-involvement.md) on small hand-computed chains,
each built in a real ledger, exported and verified."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest

from ledger import EventDraft, Ledger, export_bundle
from tests.helpers import fixed_signer
from verifier import Policy, Report, verify_bundle
from verifier.analysis import subtract, union

ALICE = fixed_signer(1, "alice", "composer")
PROVIDER = fixed_signer(5, "provider", "provider")
HOUR_US = 3600 * 1_000_000


def asset(name: str, seconds: float = 60) -> dict[str, Any]:
    return {"sha256": hashlib.sha256(name.encode()).digest(), "size": 1000, "media_type": "audio/wav",
            "duration_ms": int(seconds * 1000), "name": name}


def gen(*outputs: str, prompt: str | None = "p", **body: Any) -> EventDraft:
    return EventDraft("generation", {"model": "m", "outputs": [asset(o) for o in outputs],
                                     "digital_source_type": "trainedAlgorithmicMedia", **body},
                      {"prompt": prompt} if prompt else {})


def edit(inputs: list[str], output: str, segments: list[list[int]] | None = None, kind: str = "melody",
         **body: Any) -> EventDraft:
    fields: dict[str, Any] = {"inputs": [asset(i) for i in inputs], "output": asset(output), "kind": kind,
                              **body}  # the writer fills in the source type from the lineage
    if segments is not None:
        fields["segments"] = segments
    return EventDraft("human-edit", fields)


def human_input(output: str, segments: list[list[int]] | None = None, layer: str = "melody") -> EventDraft:
    fields: dict[str, Any] = {"output": asset(output), "layer": layer,
                              "digital_source_type": "digitalCapture" if layer == "vocals" else "digitalCreation"}
    if segments is not None:
        fields["segments"] = segments
    return EventDraft("human-input", fields)


def release(name: str) -> EventDraft:
    return EventDraft("release", {"asset": asset(name)})


def select(candidates: list[str], chosen: str) -> EventDraft:
    return EventDraft("selection", {"candidates": [asset(c) for c in candidates], "chosen": asset(chosen)})


def verify_chain(tmp: Path, drafts: list[EventDraft], *, trusted: list[bytes] | None = None,
                 attest: bool = False) -> Report:
    with Ledger.init(tmp / "ledger") as book:
        work = book.create_work(ALICE, "cue").work
        appended = [book.append(work, ALICE, d) for d in drafts]
        if attest:
            book.append(work, PROVIDER, EventDraft("attestation", {"about": appended[0].hash,
                                                                   "statement": "our logs show this generation"}))
        out = tmp / "w.bundle"
        export_bundle(book, work, ALICE, out)
    report = verify_bundle(out, Policy(trusted))
    assert report.valid, report.errors
    return report


def profile(report: Report) -> dict[str, Any]:
    assert report.human_involvement is not None
    return report.human_involvement.to_json()


def category(result: dict[str, Any], name: str) -> dict[str, Any]:
    return next(c for c in result["categories"] if c["category"] == name)


def test_prompt_only_chain(tmp_path: Path) -> None:
    result = profile(verify_chain(tmp_path, [gen("a.wav"), release("a.wav")]))
    assert result["shares"] == {"human_authored": 0, "human_modified": 0, "ai": 1, "unknown": 0}
    assert result["readouts"]["ddex"]["contains_ai"] == "All"
    assert result["red_flags"] == ["prompt_only", "unlabelled_ai"]
    assert category(result, "prompt_and_conditioning")["present"] is True
    assert category(result, "human_expressive_input")["present"] is False
    assert result["readouts"]["cn"]["checklist"][3] == {"item": "modification", "met": False}


def test_purely_human_chain(tmp_path: Path) -> None:
    result = profile(verify_chain(tmp_path, [human_input("song.wav", layer="vocals"), release("song.wav")]))
    assert result["shares"] == {"human_authored": 1, "human_modified": 0, "ai": 0, "unknown": 0}
    assert result["readouts"]["ddex"]["contains_ai"] == "None"
    assert result["red_flags"] == []
    assert category(result, "purely_human_parts")["events"] == [1]
    assert result["readouts"]["us"]["ai_material_to_disclaim"] == []


def test_human_edits_cover_15_of_60_seconds(tmp_path: Path) -> None:
    drafts = [gen("a.wav"), edit(["a.wav"], "b.wav", [[0, 5_000], [20_000, 30_000]], stems=["erhu", "pipa"]),
              release("b.wav")]
    result = profile(verify_chain(tmp_path, drafts))
    assert result["shares"] == {"human_authored": 0, "human_modified": 0.25, "ai": 0.75, "unknown": 0}
    assert result["intervals_ms"]["ai"] == [[5_000, 20_000], [30_000, 60_000]]
    assert result["readouts"]["ddex"]["contains_ai"] == "Partly"
    assert result["stem_seconds"] == [{"stem": "erhu", "class": "human_modified", "seconds": 15.0},
                                      {"stem": "pipa", "class": "human_modified", "seconds": 15.0}]
    assert category(result, "human_modification_of_ai_output")["events"] == [2]
    assert "prompt_only" not in result["red_flags"]


def test_human_input_wins_over_edit_and_overlaps_count_once(tmp_path: Path) -> None:
    # human-edit 10–40 s of AI material; a vocal 30–50 s; mix brings both together.
    drafts = [gen("a.wav"), edit(["a.wav"], "b.wav", [[10_000, 40_000], [20_000, 25_000]]),
              human_input("v.wav", [[30_000, 50_000]], layer="vocals"),
              edit(["b.wav", "v.wav"], "mix.wav", [[30_000, 50_000]], kind="mixing"), release("mix.wav")]
    result = profile(verify_chain(tmp_path, drafts))
    shares = result["shares"]
    assert shares["human_authored"] == pytest.approx(20 / 60, abs=1e-6)  # 30–50
    assert shares["human_modified"] == pytest.approx(20 / 60, abs=1e-6)  # 10–30 (30–40 already authored)
    assert shares["ai"] == pytest.approx(20 / 60, abs=1e-6)  # 0–10, 50–60
    assert sum(shares.values()) == pytest.approx(1, abs=1e-12)
    assert category(result, "selection_and_arrangement")["events"] == [4]


def test_selection_only_chain(tmp_path: Path) -> None:
    drafts = [gen("a.wav", "b.wav"), select(["a.wav", "b.wav"], "b.wav"), release("b.wav")]
    result = profile(verify_chain(tmp_path, drafts))
    assert "selection_only" in result["red_flags"] and "prompt_only" not in result["red_flags"]
    assert result["readouts"]["ddex"]["contains_ai"] == "All"
    assert category(result, "iteration_and_selection")["events"] == [2]


def test_ai_output_missing(tmp_path: Path) -> None:
    result = profile(verify_chain(tmp_path, [gen(), human_input("h.wav"), release("h.wav")]))
    assert "ai_output_missing" in result["red_flags"]
    assert result["readouts"]["ddex"]["contains_ai"] == "None"


def test_lineage_gap_gives_unknown_share(tmp_path: Path) -> None:
    drafts = [edit(["from-nowhere.wav"], "b.wav", [[0, 30_000]]), release("b.wav")]
    result = profile(verify_chain(tmp_path, drafts))
    assert "lineage.gap" in result["red_flags"]
    assert result["shares"] == {"human_authored": 0, "human_modified": 0, "ai": 0, "unknown": 1}
    assert category(result, "human_expressive_input")["events"] == [1]  # an edit of non-AI material


def test_edit_without_segments_adds_no_share(tmp_path: Path) -> None:
    result = profile(verify_chain(tmp_path, [gen("a.wav"), edit(["a.wav"], "b.wav"), release("b.wav")]))
    assert "edit.extent_undeclared" in result["red_flags"]
    assert result["shares"]["human_modified"] == 0 and result["shares"]["ai"] == 1
    assert category(result, "human_modification_of_ai_output")["present"] is True


def test_retrospective_event_is_grade_c(tmp_path: Path) -> None:
    import time

    old = time.time_ns() // 1000 - 48 * HOUR_US
    late = EventDraft("human-input", human_input("h.wav").body, {}, occurred=old)
    result = profile(verify_chain(tmp_path, [gen("a.wav"), late, release("a.wav")]))
    assert "retrospective" in result["red_flags"]
    assert category(result, "purely_human_parts")["grade"] == "C"
    assert result["readouts"]["cn"]["checklist"][0]["met"] is False
    recent = EventDraft("human-input", human_input("h2.wav").body, {}, occurred=time.time_ns() // 1000 - HOUR_US)
    result = profile(verify_chain(tmp_path / "b", [recent, release("h2.wav")]))
    assert "retrospective" not in result["red_flags"]


def test_grade_a_needs_an_attestation_by_a_trusted_other_key(tmp_path: Path) -> None:
    drafts = [gen("a.wav"), release("a.wav")]
    trusted = verify_chain(tmp_path / "t", drafts, attest=True, trusted=[PROVIDER.info.public_key])
    assert category(profile(trusted), "prompt_and_conditioning")["grade"] == "A"
    assert category(profile(trusted), "outside_corroboration")["events"] == [3]
    untrusted = verify_chain(tmp_path / "u", drafts, attest=True, trusted=[ALICE.info.public_key])
    assert category(profile(untrusted), "prompt_and_conditioning")["grade"] == "B"
    no_list = verify_chain(tmp_path / "n", drafts, attest=True)
    assert category(profile(no_list), "prompt_and_conditioning")["grade"] == "B"


def test_no_release_means_no_shares(tmp_path: Path) -> None:
    result = profile(verify_chain(tmp_path, [gen("a.wav")]))
    assert result["shares"] is None and result["readouts"]["ddex"]["contains_ai"] is None


def test_imported_ai_material_counts_as_ai(tmp_path: Path) -> None:
    drafts = [EventDraft("import", {"output": asset("stock.wav"), "source": "stock AI library",
                                    "digital_source_type": "trainedAlgorithmicMedia"}), release("stock.wav")]
    result = profile(verify_chain(tmp_path, drafts))
    assert result["shares"]["ai"] == 1 and "unlabelled_ai" in result["red_flags"]


def test_invalid_bundle_gets_no_profile(tmp_path: Path) -> None:
    verify_chain(tmp_path, [gen("a.wav"), release("a.wav")])
    data = bytearray((tmp_path / "w.bundle").read_bytes())
    data[-10] ^= 1
    (tmp_path / "bad.bundle").write_bytes(bytes(data))
    report = verify_bundle(tmp_path / "bad.bundle")
    assert not report.valid and report.human_involvement is None


def test_interval_arithmetic() -> None:
    assert union([(5, 10), (0, 6), (20, 30), (30, 31)]) == [(0, 10), (20, 31)]
    assert subtract([(0, 60)], [(10, 20), (15, 30), (50, 70)]) == [(0, 10), (30, 50)]

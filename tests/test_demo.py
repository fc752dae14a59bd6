"""`provenote demo` on a fresh folder, and the export/verify commands end to end."""

from __future__ import annotations

import json
from pathlib import Path

from tests.helpers import Cli, assert_one_line_error


def test_demo_builds_exports_and_verifies(tmp_path: Path) -> None:
    cli = Cli(tmp_path)
    result = cli("demo", "story", "--json")
    assert result.code == 0, result.err
    out = json.loads(result.out)
    assert out["verification"]["valid"] is True and out["verification"]["trusted"] is True
    # 19, the pre-release screening (provenote[screen]) and four labels (provenote[label,c2pa,ddex])
    assert out["verification"]["events"] == 24
    profile = out["verification"]["human_involvement"]
    assert profile["red_flags"] == []  # unlabelled_ai is gone: the labels cover the release
    assert sorted(row["kind"] for row in profile["labels"]) == ["aigc-audible", "aigc-implicit", "c2pa", "ddex"]
    assert all(row["agrees"] and row["contains_ai"] == "Partly" for row in profile["labels"])
    assert profile["readouts"]["eu"]["art50_machine_readable_marking"] is True
    # The DDEX fragments for the distributor, byte for byte (golden files; regenerate them only on purpose).
    golden = Path(__file__).parent / "data" / "ddex"
    delivery = tmp_path / "story" / "delivery"
    assert (delivery / "sound-recording.xml").read_bytes() == (golden / "night-market-sound-recording.golden.xml").read_bytes()
    assert (delivery / "sound-recording.parties.xml").read_bytes() == (golden / "night-market-parties.golden.xml").read_bytes()
    screening = out["verification"]["screening"]
    (row,) = screening["screenings"]
    (match,) = row["matches"]  # the temple-bell sample, at its place in the cue (52–58 s), licensed in
    assert match["name"] == "temple-bell.wav" and abs(match["query_ms"][0] - 52_000) <= 500 and match["covered"]
    assert abs(match["reference_ms"][0]) <= 500 and row["catalogue"]["tracks"] == 3
    assert screening["releases"][0]["screened_before_release"] is True
    assert "screening.unlicensed_match" not in [w["code"] for w in out["verification"]["warnings"]]
    bundle = tmp_path / "story" / "night-market.bundle"
    trust = [a for p in sorted((tmp_path / "story" / "trust").glob("*.pem")) for a in ("--trust", str(p))]
    verified = cli("verify", str(bundle), *trust, "--require-trusted", "--assets", str(tmp_path / "story" / "audio"))
    assert verified.code == 0, verified.out
    assert verified.out.startswith("VALID")
    standalone = cli(str(bundle), "--json", module="verifier")
    assert standalone.code == 0 and json.loads(standalone.out)["title"] == "Night Market"
    assert_one_line_error(cli("demo", "story"))  # not empty: refuses to overwrite


def test_export_command_and_bad_inputs(cli: Cli, work: str, audio: dict[str, Path]) -> None:
    assert cli("record", "generation", work, "--as", "alice", "--model", "m", "--prompt", "secret prompt",
               "--output", "gen1.wav").code == 0
    result = cli("export", work[:10], "-o", "w.bundle", "--as", "bob", "--disclose", "prompt",
                 "--assets-from", ".", "--json")
    assert result.code == 0, result.err
    summary = json.loads(result.out)
    assert summary["events"] == 2 and summary["disclosures"] == 1 and summary["assets_embedded"] == 1
    verified = json.loads(cli("verify", "w.bundle", "--json").out)
    assert verified["valid"] and verified["exporter"]["name"] == "bob"
    assert_one_line_error(cli("export", work, "-o", "x.bundle", "--as", "bob", "--disclose", "title"))
    assert_one_line_error(cli("export", "0123456789ab", "-o", "x.bundle", "--as", "bob"))
    assert_one_line_error(cli("verify", "missing.bundle"))
    assert_one_line_error(cli("verify", "w.bundle", "--require-trusted"))
    (cli.home / "bad.pem").write_text("not a key")
    assert_one_line_error(cli("verify", "w.bundle", "--trust", "bad.pem"))
    assert_one_line_error(cli("missing.bundle", module="verifier"))
    assert_one_line_error(cli("--jobs", "x", "w.bundle", module="verifier"))
    assert not (cli.home / "x.bundle").exists()

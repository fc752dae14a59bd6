"""The verifier's reader of labelled files (verifier/_labelfiles.py, spec/labels.md §4) against the
real writer: `provenote label` writes the three labels into WAV, FLAC and MP3 releases, the bundle
is exported and verified, and each label row of the report checks against the labelled file. Here
and not in tests/verifier, which may not import the writer."""

from __future__ import annotations

import hashlib
import json

import pytest

from tests.helpers import Cli
from tests.test_labels_cli import _certify, released_in
from verifier import check_label_files, find_audible_label, read_aigc_label

labels = pytest.importorskip("ledger.labels", reason="AI labels need the extras provenote[label,c2pa,ddex]")
pytest.importorskip("c2pa")


@pytest.mark.parametrize("container", ["WAV", "FLAC", "MP3"])
def test_the_verifier_reads_back_what_provenote_label_wrote(cli: Cli, work: str, container: str) -> None:
    suffix = released_in(cli, work, container)
    _certify(cli, "alice")
    result = cli("label", work, "--asset", f"mix.{suffix}", "--as", "alice", "-o", f"out.{suffix}",
                 "--audible", "both", "--aigc", "--producer", "示例音乐", "--produce-id", "I-1", "--c2pa")
    assert result.code == 0, result.err
    labelled = cli.home / f"out.{suffix}"
    assert read_aigc_label(labelled) == labels.read_implicit(labelled)

    assert cli("export", work, "-o", "w.bundle", "--as", "alice").code == 0
    report = json.loads(cli("verify", "w.bundle", "--json").out)
    rows = report["human_involvement"]["labels"]
    chain = {bytes.fromhex(event["hash"]) for event in json.loads(cli("log", work, "--json").out)}
    by_hash = {hashlib.sha256(labelled.read_bytes()).digest(): labelled}
    checks = {check.kind: check for check in check_label_files(rows, by_hash.get, chain)}
    assert checks["aigc-implicit"].status == "agrees", checks["aigc-implicit"]
    assert checks["c2pa"].status == "agrees", checks["c2pa"]
    if container == "WAV":
        audible = next(row for row in rows if row["kind"] == "aigc-audible")
        assert find_audible_label(labelled, [tuple(p) for p in audible["positions_ms"]]) == [True, True]
        assert checks["aigc-audible"].status == "agrees"
    else:
        assert checks["aigc-audible"].status == "not checked"

"""Crashes, bad input everywhere, arbitrary drafts (issue 9): nothing acknowledged is lost,
nothing bad is recorded, every refusal is one line with exit 2."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledger import EventDraft, Ledger, export_bundle
from tests.helpers import ROOT, Cli, assert_one_line_error, fixed_signer
from verifier import UsageError, verify_bundle
from verifier.format import EventHash

ALICE = fixed_signer(51, "alice", "composer")

# -- kill -9 at random moments: every acknowledged append survives ---------------------------

_APPENDER = """
import sys
from pathlib import Path
sys.path.insert(0, sys.argv[3])
from ledger import EventDraft, Ledger
from tests.helpers import fixed_signer
from verifier.format import WorkId
signer = fixed_signer(52, "crash")
with Ledger.open(Path(sys.argv[1])) as book:
    work = WorkId(bytes.fromhex(sys.argv[2]))
    i = 0
    while True:
        drafts = [EventDraft("note", {}, {"text": f"n{i}.{j}"}) for j in range(1 + i % 3)]
        for appended in book.append_batch(work, signer, drafts):
            sys.stdout.write(appended.hash.hex() + "\\n")
        sys.stdout.flush()  # acknowledged: the transaction has committed
        i += 1
"""

KILLS = 40


def test_kill_9_at_random_moments_loses_nothing_acknowledged(tmp_path: Path) -> None:
    path = tmp_path / "ledger"
    with Ledger.init(path) as book:
        work = book.create_work(ALICE, "crash").work
    rng = random.Random(1)
    acknowledged: list[str] = []
    for _ in range(KILLS):
        proc = subprocess.Popen([sys.executable, "-c", _APPENDER, str(path), work.hex(), str(ROOT)],
                                stdout=subprocess.PIPE, text=True)
        time.sleep(rng.uniform(0.25, 0.6))  # start-up, then somewhere inside an append
        proc.send_signal(signal.SIGKILL)
        out, _ = proc.communicate(timeout=30)
        acknowledged += [line for line in out.splitlines() if len(line) == 64]
    assert len(acknowledged) > KILLS  # the appenders got work done between kills
    with Ledger.open(path) as book:
        for digest in acknowledged:
            assert book.private_fields(EventHash(bytes.fromhex(digest)))  # present, with its private text
        works, events = book.check()
        assert works == 1 and events == book.head(work).seq + 1 >= len(acknowledged) + 1
    print(f"{KILLS} kills, {len(acknowledged)} acknowledged appends, all present; check passed")


# -- the bad-input matrix: every door x every class ------------------------------------------------

CLASSES = ("missing", "directory", "fifo", "device")


def _path_for(kind: str, home: Path) -> str:
    return {"missing": str(home / "no-such-file"), "directory": str(home / "a-folder"), "fifo": str(home / "a-fifo"),
            "device": "/dev/zero"}[kind]


def _commands(work: str, bad: str) -> list[list[str]]:
    return [
        ["record", "generation", work, "--as", "alice", "--model", "m", "--prompt", "p", "--output", bad],
        ["record", "generation", work, "--as", "alice", "--model", "m", "--prompt-file", bad, "--output", "gen1.wav"],
        ["record", "human-edit", work, "--as", "alice", "--input", bad, "--output", "gen1.wav", "--kind", "melody"],
        ["record", "human-input", work, "--as", "alice", "--output", bad, "--layer", "vocals"],
        ["record", "import", work, "--as", "alice", "--output", bad, "--source", "s"],
        ["record", "release", work, "--as", "alice", "--asset", bad],
        ["record", "event", work, "--as", "alice", "--file", bad],
        ["record", "batch", work, "--as", "alice", "--file", bad],
        ["--passphrase-file", bad, "record", "note", work, "--as", "alice", "--text", "x"],
        ["export", work, "--as", "alice", "-o", "out.bundle", "--assets-from", bad],
        ["verify", bad],
        ["verify", "ok.bundle", "--trust", bad],
        ["verify", "ok.bundle", "--assets", bad],
    ]


def _ledger_state(cli: Cli) -> bytes:
    return (cli.home / "ledger" / "data.mdb").read_bytes()


def test_every_door_refuses_every_bad_file_with_one_line(cli: Cli, work: str, audio: dict[str, Path]) -> None:
    (cli.home / "a-folder").mkdir()
    os.mkfifo(cli.home / "a-fifo")
    assert cli("export", work, "-o", "ok.bundle", "--as", "alice").code == 0
    before = _ledger_state(cli)
    cases = 0
    for kind in CLASSES:
        bad = _path_for(kind, cli.home)
        for args in _commands(work, bad):
            if (kind == "directory" and args[-2:] == ["--assets-from", bad]) or (args[-2:] == ["--assets", bad] \
                    and kind == "directory"):
                continue  # a folder is what these options want
            result = cli(*args)
            assert_one_line_error(result)
            cases += 1
    for args in (["record", "note", "deadbeefdeadbeef", "--as", "alice", "--text", "x"],
                 ["log", "deadbeefdeadbeef"], ["export", "deadbeefdeadbeef", "--as", "alice", "-o", "x.bundle"],
                 ["record", "note", work, "--as", "nobody", "--text", "x"]):
        assert_one_line_error(cli(*args))
        cases += 1
    wrong = cli("record", "note", work, "--as", "alice", "--text", "x", passphrase="not the passphrase at all")
    assert_one_line_error(wrong)
    assert "wrong passphrase" in wrong.err
    cases += 1
    assert _ledger_state(cli) == before
    print(f"bad-input matrix: {cases} cases, each exit 2, one line, ledger unchanged")
    assert cases >= 50


# -- any draft: refused with a ValueError, or written and then verified ----------------------------

_asset = st.fixed_dictionaries({"sha256": st.binary(min_size=32, max_size=32), "size": st.integers(0, 2**64),
                                 "media_type": st.sampled_from(["audio/wav", "", "x" * 3]),},
                                optional={"duration_ms": st.integers(-1, 2**64), "name": st.text(max_size=5)})
_value = st.recursive(st.none() | st.booleans() | st.integers(-(2**65), 2**65) | st.floats()
                      | st.text(max_size=6) | st.binary(max_size=33) | _asset,
                      lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
                      max_leaves=8)
_fields = st.sampled_from(["model", "outputs", "inputs", "params", "seed", "digital_source_type", "candidates",
                           "chosen", "output", "kind", "segments", "stems", "minutes", "layer", "of", "about", "asset",
                           "source", "statement", "tool", "function", "isrc", "x"])
_private = st.dictionaries(st.sampled_from(["prompt", "text", "note", "lyrics", "reason", "nope"]),
                           st.text(max_size=4) | st.just("\ud800") | st.just("x" * 70_000), max_size=2)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_a_draft_is_refused_with_a_value_error_or_written_and_verifiable(tmp_path_factory: pytest.TempPathFactory,
                                                                         data: st.DataObject) -> None:
    folder = tmp_path_factory.mktemp("drafts")
    with Ledger.init(folder / "ledger") as book:
        work = book.create_work(ALICE, "drafts").work
        written = 0
        for _ in range(4):
            type_name = data.draw(st.sampled_from(["generation", "parameter-edit", "selection", "human-edit",
                                                   "human-input", "assist", "import", "release", "note",
                                                   "attestation", "work.created", "licence"]))
            body = data.draw(st.dictionaries(_fields, _value, max_size=5))
            occurred = data.draw(st.none() | st.integers(-(2**63), 2**64))
            try:
                draft = EventDraft(type_name, body, data.draw(_private), occurred)
                book.append(work, ALICE, draft)
                written += 1
            except (ValueError, TypeError) as e:  # LedgerError and UsageError are ValueErrors
                assert isinstance(e, ValueError), repr(e)
        assert book.check() == (1, written + 1)
        out = folder / "w.bundle"
        export_bundle(book, work, ALICE, out)
    report = verify_bundle(out)
    assert report.valid, [(e.code, e.message) for e in report.errors]


def test_usage_error_is_a_value_error() -> None:
    assert issubclass(UsageError, ValueError)


"""The provenote command line end to end, and every class of bad input (exit 2, one line)."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest

from tests.helpers import Cli, assert_one_line_error, write_wav


def dump(cli: Cli) -> str:
    """A logical dump of the ledger's data: every table, every key and value."""
    import lmdb

    env = lmdb.open(str(cli.home / "ledger"), max_dbs=20, readonly=True, lock=False, subdir=True)
    lines = []
    with env.begin() as txn:
        for name in (b"meta", b"events", b"by_hash", b"heads", b"works", b"private", b"assets", b"keys", b"leaves",
                     b"leaf_by_hash"):
            db = env.open_db(name, txn=txn, create=False)
            lines += [f"{name!r} {k.hex()} {v.hex()}" for k, v in txn.cursor(db=db)]
    env.close()
    return "\n".join(lines)


def test_full_story_and_log_json(cli: Cli, work: str, audio: dict[str, Path]) -> None:
    gen = cli("record", "generation", work[:10], "--as", "alice", "--model", "cue-gen", "--provider", "X",
              "--prompt", "lo-fi night market", "--seed", "7", "--param", "temperature=0.7",
              "--param", "bars=16", "--output", "gen1.wav", "--json")
    assert gen.code == 0, gen.err
    gen_event = json.loads(gen.out)["event"]
    steps = [
        ("parameter-edit", "--of", gen_event[:12], "--param", "temperature=0.9", "--output", "gen2.wav"),
        ("selection", "--candidate", "gen1.wav", "--candidate", "gen2.wav", "--chosen", "gen2.wav",
         "--reason", "warmer"),
        ("human-edit", "--input", "gen2.wav", "--output", "edit.wav", "--kind", "melody",
         "--segment", "16-32", "--stem", "erhu", "--tool", "Reaper", "--minutes", "40", "--note", "bars 9-16"),
        ("human-input", "--output", "vocal.wav", "--layer", "vocals", "--segment", "40-48"),
        ("assist", "--tool", "AutoMaster", "--function", "mastering", "--input", "edit.wav",
         "--output", "master.wav"),
        ("import", "--output", "vocal.wav", "--source", "sample pack X"),
        ("release", "--asset", "master.wav", "--isrc", "CNA0X2600001"),
        ("note", "--text", "sent to client", "--occurred", "2026-01-02T03:04:05+08:00"),
    ]
    for step in steps:
        result = cli("record", step[0], work, "--as", "bob", *step[1:], "--json")
        assert result.code == 0, (step[0], result.err)
    log = json.loads(cli("log", work, "--json").out)
    assert [row["type"] for row in log] == ["work.created", "generation", *[s[0] for s in steps]]
    assert log[0]["prev"] is None and all(r["prev"] == p["hash"] for p, r in itertools.pairwise(log))
    for row in log:
        assert {"hash", "seq", "prev", "type", "time", "signer", "body"} <= set(row)
    assert log[1]["body"]["params"] == {"temperature": 0.7, "bars": 16}
    assert "prompt" not in log[1]["body"] and log[1]["private_fields"] == ["prompt"]
    assert log[4]["body"]["segments"] == [[16000, 32000]]
    assert log[-1]["occurred"] == "2026-01-01T19:04:05.000000Z"
    assert cli("check").code == 0
    listing = json.loads(cli("work", "list", "--json").out)
    assert listing[0]["events"] == len(log)


def test_key_commands(cli: Cli) -> None:
    exported = json.loads(cli("key", "export", "alice", "--json").out)
    assert set(exported) == {"name", "role", "key_id", "public_key"}
    assert len(exported["public_key"]) == 64 and exported["role"] == "composer"
    pem = cli("key", "export", "alice").out
    assert pem.startswith("-----BEGIN PUBLIC KEY-----")
    mode = (cli.home / "keys" / "alice.key").stat().st_mode & 0o777
    assert mode == 0o600
    assert "correct horse" not in (cli.home / "keys" / "alice.key").read_text()


def test_record_event_and_batch(cli: Cli, work: str, audio: dict[str, Path]) -> None:
    (cli.home / "one.json").write_text(json.dumps({"type": "note", "body": {"text": "hello"}}))
    assert cli("record", "event", work, "--as", "alice", "--file", "one.json").code == 0
    lines = [
        {"type": "human-input", "body": {"output": "vocal.wav", "layer": "lyrics", "lyrics": "la la"}},
        {"type": "note", "body": {"text": "second"}, "occurred": "2026-01-01T00:00:00Z"},
    ]
    (cli.home / "batch.jsonl").write_text("\n".join(json.dumps(x) for x in lines) + "\n")
    result = cli("record", "batch", work, "--as", "alice", "--file", "batch.jsonl", "--json")
    assert result.code == 0, result.err
    assert [r["seq"] for r in json.loads(result.out)] == [2, 3]


BAD_CASES = {
    "unknown work": ("record", "note", "0123456789abcdef", "--as", "alice", "--text", "x"),
    "short prefix": ("record", "note", "0123", "--as", "alice", "--text", "x"),
    "missing file": ("record", "generation", "{work}", "--as", "alice", "--model", "m", "--prompt", "p",
                     "--output", "missing.wav"),
    "malformed param": ("record", "generation", "{work}", "--as", "alice", "--model", "m", "--prompt", "p",
                        "--param", "novalue", "--output", "gen1.wav"),
    "unknown kind": ("record", "human-edit", "{work}", "--as", "alice", "--input", "gen1.wav",
                     "--output", "edit.wav", "--kind", "vibes"),
    "unknown layer": ("record", "human-input", "{work}", "--as", "alice", "--output", "vocal.wav",
                      "--layer", "kazoo"),
    "bad segment": ("record", "human-input", "{work}", "--as", "alice", "--output", "vocal.wav",
                    "--layer", "vocals", "--segment", "30-10"),
    "unknown key": ("record", "note", "{work}", "--as", "nobody", "--text", "x"),
    "bad time": ("record", "note", "{work}", "--as", "alice", "--text", "x", "--occurred", "yesterday"),
    "future time": ("record", "note", "{work}", "--as", "alice", "--text", "x", "--occurred",
                    "2999-01-01T00:00:00Z"),
    "invalid event json": ("record", "event", "{work}", "--as", "alice", "--file", "bad.json"),
    "event json wrong schema": ("record", "event", "{work}", "--as", "alice", "--file", "schema.json"),
    "event json unknown type": ("record", "event", "{work}", "--as", "alice", "--file", "type.json"),
    "event json reserved type": ("record", "event", "{work}", "--as", "alice", "--file", "licence.json"),
    "missing event file": ("record", "event", "{work}", "--as", "alice", "--file", "nope.json"),
    "both prompts": ("record", "generation", "{work}", "--as", "alice", "--model", "m", "--prompt", "p",
                     "--prompt-file", "p.txt", "--output", "gen1.wav"),
    "unknown option": ("record", "note", "{work}", "--as", "alice", "--txt", "x"),
    "of names a note": ("record", "parameter-edit", "{work}", "--as", "alice", "--of", "{work}",
                        "--param", "a=1", "--output", "gen1.wav"),
}


@pytest.mark.parametrize("name", sorted(BAD_CASES))
def test_bad_input_exits_2_and_changes_nothing(name: str, cli: Cli, work: str, audio: dict[str, Path]) -> None:
    (cli.home / "bad.json").write_text("{not json")
    (cli.home / "schema.json").write_text(json.dumps({"type": "note", "body": {"txt": "x"}}))
    (cli.home / "type.json").write_text(json.dumps({"type": "remix", "body": {}}))
    (cli.home / "licence.json").write_text(json.dumps({"type": "licence", "body": {}}))
    (cli.home / "p.txt").write_text("prompt")
    before = dump(cli)
    args = [a.replace("{work}", work) for a in BAD_CASES[name]]
    assert_one_line_error(cli(*args))
    assert dump(cli) == before


def test_wrong_passphrase(cli: Cli, work: str) -> None:
    before = dump(cli)
    result = cli("record", "note", work, "--as", "alice", "--text", "x", passphrase="wrong")
    assert_one_line_error(result)
    assert "passphrase" in result.err
    assert dump(cli) == before


def test_batch_bad_line_names_line_and_writes_nothing(cli: Cli, work: str) -> None:
    good = json.dumps({"type": "note", "body": {"text": "ok"}})
    (cli.home / "b.jsonl").write_text(f"{good}\n{good}\n{{\"type\": \"note\", \"body\": {{}}}}\n")
    before = dump(cli)
    result = cli("record", "batch", work, "--as", "alice", "--file", "b.jsonl")
    assert_one_line_error(result)
    assert "line 3" in result.err
    assert dump(cli) == before


def test_ledger_not_initialised(tmp_path: Path) -> None:
    cli = Cli(tmp_path)
    for args in (("work", "list"), ("log", "0123456789"), ("check",)):
        assert_one_line_error(cli(*args))
    assert not (tmp_path / "ledger").exists()


def test_init_twice(cli: Cli) -> None:
    assert_one_line_error(cli("init"))


def test_no_passphrase_without_terminal(cli: Cli, work: str) -> None:
    result = cli("record", "note", work, "--as", "alice", "--text", "x", passphrase="")
    assert_one_line_error(result)  # empty passphrase is wrong for this key


def test_check_reports_tamper_with_exit_1(cli: Cli, work: str) -> None:
    assert cli("record", "note", work, "--as", "alice", "--text", "x").code == 0
    import lmdb

    env = lmdb.open(str(cli.home / "ledger"), max_dbs=8, subdir=True)
    db = env.open_db(b"events")
    key = bytes.fromhex(work) + (1).to_bytes(8, "big")
    with env.begin(write=True) as txn:
        value = bytearray(txn.get(key, db=db) or b"")
        value[-5] ^= 0xFF
        txn.put(key, bytes(value), db=db)
    env.close()
    result = cli("check", "--json")
    assert result.code == 1
    report = json.loads(result.out)
    assert report["valid"] is False and report["error"]["event"] == 1
    assert work in report["error"]["message"]


def test_duration_option_for_unreadable_format(cli: Cli, work: str) -> None:
    (cli.home / "take.mp3").write_bytes(b"ID3" + bytes(100))
    write_wav(cli.home / "x.wav", 1)
    result = cli("record", "import", work, "--as", "alice", "--output", "take.mp3", "--source", "s",
                 "--duration", "12.5", "--json")
    assert result.code == 0, result.err
    body = json.loads(cli("log", work, "--json").out)[-1]["body"]
    assert body["output"]["duration_ms"] == 12500 and body["output"]["media_type"] == "audio/mpeg"


def test_log_selects_and_streams(cli: Cli, work: str) -> None:
    lines = "\n".join(json.dumps({"type": "note", "body": {"text": f"n{i}"}}) for i in range(12))
    (cli.home / "notes.jsonl").write_text(lines)
    assert cli("record", "batch", work, "--as", "alice", "--file", "notes.jsonl").code == 0
    whole = json.loads(cli("log", work, "--json").out)
    assert len(whole) == 13 and [r["seq"] for r in whole] == list(range(13))  # still the whole chain, an array
    assert [r["seq"] for r in json.loads(cli("log", work, "--json", "--limit", "3").out)] == [0, 1, 2]
    assert [r["seq"] for r in json.loads(cli("log", work, "--json", "--tail", "2").out)] == [11, 12]
    assert [r["type"] for r in json.loads(cli("log", work, "--json", "--type", "work.created").out)] == ["work.created"]
    streamed = cli("log", work, "--jsonl", "--type", "note", "--tail", "3").out.splitlines()
    assert [json.loads(line)["seq"] for line in streamed] == [10, 11, 12]
    assert json.loads(cli("log", work, "--json", "--since", "9999-01-01T00:00:00Z").out) == []
    assert len(cli("log", work, "--limit", "5").out.splitlines()) == 5
    assert_one_line_error(cli("log", work, "--since", "yesterday"))
    assert_one_line_error(cli("log", work, "--json", "--jsonl"))


def test_work_named_by_its_title(cli: Cli, work: str) -> None:
    other = json.loads(cli("work", "new", "--title", "Temple Bell", "--as", "alice", "--json").out)["work"]
    exact = cli("record", "note", "Night Market", "--as", "alice", "--text", "x", "--json")
    assert exact.code == 0, exact.err
    folded = cli("record", "note", "temple BELL", "--as", "alice", "--text", "x", "--json")
    assert folded.code == 0, folded.err
    assert [row["seq"] for row in json.loads(cli("log", work, "--json").out)] == [0, 1]
    assert [row["seq"] for row in json.loads(cli("log", other, "--json").out)] == [0, 1]


def test_ambiguous_or_unknown_title_is_one_line_naming_the_candidates(cli: Cli, work: str) -> None:
    twin = json.loads(cli("work", "new", "--title", "night market", "--as", "alice", "--json").out)["work"]
    assert cli("log", "night market").code == 0  # an exact title is unique: it wins over a case-insensitive one
    before = dump(cli)
    ambiguous = cli("record", "note", "NIGHT MARKET", "--as", "alice", "--text", "x")
    assert_one_line_error(ambiguous)
    assert "ambiguous" in ambiguous.err and work[:16] in ambiguous.err and twin[:16] in ambiguous.err
    unknown = cli("record", "note", "Day Market", "--as", "alice", "--text", "x")
    assert_one_line_error(unknown)
    assert "unknown work 'Day Market'" in unknown.err
    assert dump(cli) == before

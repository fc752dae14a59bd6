"""Nothing a user types, a race or a hostile file can do breaks a ledger or fools an auditor
(issue 9): each row of the issue's table, as a test."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ledger import EventDraft, Ledger, LedgerError, export_bundle
from tests.helpers import PEAK_RSS_VERIFIER, ROOT, Cli, assert_one_line_error, fixed_signer, write_wav
from verifier import Policy, verify_bundle
from verifier.format import CTYPE_EVENT, MAX_TEXT, EventPayload, SchemaError, WorkId

ALICE = fixed_signer(21, "alice", "composer")


def ledger_bytes(cli: Cli) -> bytes:
    return (cli.home / "ledger" / "data.mdb").read_bytes()


# -- row 1: a time before 1970 ---------------------------------------------------------------


def test_a_time_before_1970_is_refused_at_every_door(cli: Cli, work: str) -> None:
    before = ledger_bytes(cli)
    result = cli("record", "note", work, "--as", "alice", "--text", "hi", "--occurred", "1969-12-31T23:59:59Z")
    assert_one_line_error(result)
    assert "1970" in result.err
    (cli.home / "old.json").write_text(json.dumps({"type": "note", "body": {"text": "x"},
                                                   "occurred": "1969-07-20T20:17:00Z"}))
    assert_one_line_error(cli("record", "event", work, "--as", "alice", "--file", "old.json"))
    assert ledger_bytes(cli) == before
    with pytest.raises(LedgerError):
        EventDraft("note", {}, {"text": "x"}, occurred=-1)
    with pytest.raises(SchemaError):
        EventPayload(1, "note", WorkId(bytes(32)), 1, bytes(32), -5, None, ALICE.info.public_key, {},  # type: ignore[arg-type]
                     {"text": bytes(32)})
    assert cli("check").code == 0 and cli("log", work).code == 0


# -- row 2: one snapshot for export and check --------------------------------------------------


def _append_notes(path: str, work: bytes, seed: int, count: int) -> None:
    signer = fixed_signer(seed, f"w{seed}")
    with Ledger.open(Path(path)) as book:
        for i in range(count):
            book.append(WorkId(work), signer, EventDraft("note", {}, {"text": f"{seed}-{i}"}))


def test_exports_and_checks_under_eight_appenders_see_one_state(tmp_path: Path) -> None:
    import multiprocessing

    path = tmp_path / "ledger"
    with Ledger.init(path) as book:
        work = book.create_work(ALICE, "busy").work
    context = multiprocessing.get_context("spawn")
    writers = [context.Process(target=_append_notes, args=(str(path), bytes(work), 30 + i, 150)) for i in range(8)]
    for writer in writers:
        writer.start()
    exports = checks = 0
    try:
        with Ledger.open(path) as book:
            while any(w.is_alive() for w in writers) or exports < 3:
                out = tmp_path / f"e{exports}.bundle"
                export_bundle(book, work, ALICE, out)
                report = verify_bundle(out)
                assert report.valid, [(e.code, e.message) for e in report.errors]
                exports += 1
                book.check()  # raises on a (false) failure
                checks += 1
    finally:
        for writer in writers:
            writer.join(60)
    assert all(w.exitcode == 0 for w in writers)
    with Ledger.open(path) as book:
        assert book.head(work).seq == 8 * 150
    assert exports >= 3 and checks >= 3


# -- row 3: trust covers the exporter --------------------------------------------------------


def test_an_untrusted_exporter_is_named(tmp_path: Path) -> None:
    book = Ledger.init(tmp_path / "ledger")
    work = book.create_work(ALICE, "w").work
    impostor = fixed_signer(22, "mei", "composer")
    out = tmp_path / "w.bundle"
    export_bundle(book, work, impostor, out)
    book.close()
    report = verify_bundle(out, Policy([ALICE.info.public_key], require_trusted=True))
    assert report.valid and report.trusted is False and report.exit_code == 1
    assert [e.code for e in report.errors] == ["key.untrusted"] and "exporter" in report.errors[0].message
    from verifier.render import render_text

    assert "exported by mei (composer)" in render_text(report) and "[NOT trusted]" in render_text(report)


# -- row 4: untrusted text is inert on a terminal -----------------------------------------------

HOSTILE = "Night\x1b[2J\x1b[1;32mVALID\x07\rMarket\u202egnp.exe\u2066"


def test_control_characters_in_untrusted_text_are_escaped(cli: Cli) -> None:
    created = cli("work", "new", "--title", HOSTILE, "--as", "alice", "--json")
    assert created.code == 0, created.err
    work = json.loads(created.out)["work"]
    assert cli("export", work, "-o", "h.bundle", "--as", "alice").code == 0
    shown = cli("verify", "h.bundle")
    for output in (shown.out, cli("log", work).out, cli("work", "list").out):
        assert not any(ch in output for ch in "\x1b\x07\r\u202e\u2066"), repr(output)
    assert "\\x1b[2J" in shown.out and "\\u202e" in shown.out
    as_json = json.loads(cli("verify", "h.bundle", "--json").out)
    assert as_json["title"] == HOSTILE  # JSON carries the exact text, escaped by JSON's rules
    assert cli("verify", "h.bundle", "--report", "h.html").code == 0
    page = (cli.home / "h.html").read_text()
    assert "Night" in page and "<script" not in page  # HTML escapes by its own rules


# -- row 5: bounded memory on hostile input ------------------------------------------------------

def _peak_rss_mb(bundle: Path) -> tuple[int, float, str]:
    proc = subprocess.run([sys.executable, "-c", PEAK_RSS_VERIFIER, str(bundle)], capture_output=True, text=True, timeout=300,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    kb = int(proc.stderr.rsplit("peak-rss-kb ", 1)[1].split()[0])
    return proc.returncode, kb / 1024, proc.stdout + proc.stderr


def test_a_2_gib_asset_record_and_a_2_gib_sparse_file_cost_little_memory(tmp_path: Path) -> None:
    import hashlib

    import cbor2

    from verifier.format import (
        AssetRecordHead,
        KeyCard,
        TrailerClaims,
        frame,
        header_hash,
        header_item,
        sign1,
    )
    from verifier.format import protected_header as header

    size = (2 << 30) - (1 << 20)  # the largest asset a 2 GiB record holds, in whole MiB
    zeros = hashlib.sha256()
    block = bytes(1 << 20)
    for _ in range(size >> 20):
        zeros.update(block)
    asset_hash = zeros.digest()
    asset = {"sha256": asset_hash, "size": size, "media_type": "audio/wav", "name": "big.wav"}
    genesis = cbor2.dumps({"v": 1, "type": "work.created", "seq": 0, "time": 1, "signer": ALICE.info.public_key,
                           "body": {"title": "big"}, "commitments": {}}, canonical=True)
    env0 = sign1(header(CTYPE_EVENT, ALICE.info.public_key, None), genesis, ALICE.sign)
    from verifier.format import event_hash

    work = WorkId(event_hash(env0))
    imported = cbor2.dumps({"v": 1, "type": "import", "seq": 1, "time": 2, "signer": ALICE.info.public_key,
                            "work": work, "prev": work, "commitments": {},
                            "body": {"output": asset, "source": "s"}}, canonical=True)
    env1 = sign1(header(CTYPE_EVENT, ALICE.info.public_key, work.hex()), imported, ALICE.sign)
    items = [header_item(work), frame(["key", KeyCard(ALICE.info.public_key, "alice", "composer").sign(ALICE.sign)]),
             frame(["event", env0, []]), frame(["event", env1, []])]
    record = AssetRecordHead.build(asset_hash, "audio/wav", size)
    digest = hashlib.sha256(b"provenote/v1/bundle-digest/sha-256\x00" + b"".join(items)
                            + record.item_head() + record.encoded)
    for _ in range(size >> 20):
        digest.update(block)
    claims = TrailerClaims(work, header_hash(items[0]), 2, event_hash(env1), 1, 1, digest.digest())
    path = tmp_path / "big.bundle"
    with path.open("wb") as handle:
        handle.write(b"".join(items) + record.item_head() + record.encoded)
        handle.seek(size, os.SEEK_CUR)  # sparse zeros
        handle.write(frame(["trailer", claims.sign(ALICE.info.public_key, ALICE.sign)]))
    code, peak, output = _peak_rss_mb(path)
    assert code == 0, output
    assert peak < 100, peak
    sparse = tmp_path / "sparse.bundle"
    with sparse.open("wb") as handle:
        handle.write(b"\x5a\x77\x00\x00\x00" + b"\x83\x70provenote-bundle")  # a 1.9 GiB "header"
        handle.truncate(2 << 30)
    code, peak_sparse, output = _peak_rss_mb(sparse)
    assert code == 2 and "bundle.too_large" in output
    assert peak_sparse < 100, peak_sparse
    print(f"peak RSS: 2 GiB asset record {peak:.0f} MiB, 2 GiB sparse file {peak_sparse:.0f} MiB")


# -- rows 6 and 7: integers beyond 64 bits, over-long private text --------------------------------


def test_huge_numbers_and_long_private_text_are_refused(cli: Cli, work: str, audio: dict[str, Path]) -> None:
    before = ledger_bytes(cli)
    big = cli("record", "human-edit", work, "--as", "alice", "--input", "gen1.wav", "--output", "edit.wav",
              "--kind", "melody", "--segment", "0-99999999999999999999999")
    assert_one_line_error(big)
    past = cli("record", "human-edit", work, "--as", "alice", "--input", "gen1.wav", "--output", "edit.wav",
               "--kind", "melody", "--segment", "50-90")
    assert_one_line_error(past)
    assert "ends after" in past.err
    (cli.home / "long.txt").write_text("p" * (MAX_TEXT + 1))
    long_prompt = cli("record", "generation", work, "--as", "alice", "--model", "m", "--prompt-file", "long.txt",
                      "--output", "gen1.wav")
    assert_one_line_error(long_prompt)
    assert str(MAX_TEXT) in long_prompt.err
    assert ledger_bytes(cli) == before


# -- row 8: every input path gives one line, never a traceback ---------------------------------------


def _run_raw(cli: Cli, args: list[bytes], stdin: bytes = b"") -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable.encode(), b"-m", b"cli", *args], cwd=cli.home, env=cli.env,
                          input=stdin, capture_output=True, timeout=60)


def test_bad_bytes_and_odd_numbers_give_one_line(cli: Cli, work: str, audio: dict[str, Path]) -> None:
    before = ledger_bytes(cli)
    raw = _run_raw(cli, [b"work", b"new", b"--title", b"caf\xff", b"--as", b"alice"])
    assert raw.returncode == 2 and raw.stderr.count(b"\n") == 1 and b"Traceback" not in raw.stderr
    (cli.home / "surrogate.json").write_text('{"type": "note", "body": {"text": "\\ud800"}}')
    assert_one_line_error(cli("record", "event", work, "--as", "alice", "--file", "surrogate.json"))
    (cli.home / "deep.json").write_text("[" * 100_000 + "]" * 100_000)
    assert_one_line_error(cli("record", "event", work, "--as", "alice", "--file", "deep.json"))
    (cli.home / "deep.jsonl").write_text("[" * 100_000 + "]" * 100_000 + "\n")
    assert_one_line_error(cli("record", "batch", work, "--as", "alice", "--file", "deep.jsonl"))
    (cli.home / "clip.bin").write_bytes(b"not audio")
    for value in ("nan", "inf", "-1"):
        assert_one_line_error(cli("record", "import", work, "--as", "alice", "--output", "clip.bin", "--source", "s",
                                  "--duration", value))
    (cli.home / "binary.pass").write_bytes(b"\xff\xfe\x00")
    assert_one_line_error(cli("--passphrase-file", "binary.pass", "record", "note", work, "--as", "alice",
                              "--text", "x"))
    assert ledger_bytes(cli) == before


def test_a_closed_pipe_ends_quietly(cli: Cli, work: str) -> None:
    lines = "\n".join(json.dumps({"type": "note", "body": {"text": f"n{i}"}}) for i in range(3000))
    (cli.home / "many.jsonl").write_text(lines)  # a log longer than a pipe's buffer
    assert cli("record", "batch", work, "--as", "alice", "--file", "many.jsonl").code == 0
    assert cli("export", work, "-o", "w.bundle", "--as", "alice").code == 0
    for module in ("verifier", "cli"):
        args = ["w.bundle"] if module == "verifier" else ["log", work]
        shell = f"{sys.executable} -m {module} {' '.join(args)} | head -c 1; echo \"${{PIPESTATUS[0]}}\" >&2"
        proc = subprocess.run(["bash", "-c", shell], cwd=cli.home, env=cli.env, capture_output=True, text=True,
                              timeout=60)
        # quiet; the verifier keeps its verdict (0: valid), provenote ends as cat does (141, SIGPIPE)
        assert proc.stderr.strip() == ("0" if module == "verifier" else "141"), proc.stderr


# -- row 9: no hang on FIFOs, devices, absurd key files --------------------------------------------


def test_fifos_and_devices_are_refused_without_hanging(cli: Cli, work: str, audio: dict[str, Path]) -> None:
    fifo = cli.home / "pipe"
    os.mkfifo(fifo)
    before = ledger_bytes(cli)
    cases: list[list[str]] = [
        ["--passphrase-file", "pipe", "record", "note", work, "--as", "alice", "--text", "x"],
        ["--passphrase-file", "/dev/zero", "record", "note", work, "--as", "alice", "--text", "x"],
        ["record", "generation", work, "--as", "alice", "--model", "m", "--prompt-file", "pipe", "--output",
         "gen1.wav"],
        ["record", "generation", work, "--as", "alice", "--model", "m", "--prompt", "p", "--output", "pipe"],
        ["record", "event", work, "--as", "alice", "--file", "pipe"],
        ["record", "batch", work, "--as", "alice", "--file", "/dev/zero"],
        ["export", work, "--as", "alice", "-o", "pipe"],
        ["verify", "pipe"],
        ["verify", "gen1.wav", "--trust", "pipe"],
    ]
    for args in cases:
        assert_one_line_error(cli(*args))  # the runner's timeout would fail a hang
    assert ledger_bytes(cli) == before


def test_a_key_file_with_absurd_scrypt_parameters_is_refused_at_once(cli: Cli, work: str) -> None:
    path = cli.home / "keys" / "alice.key"
    document = json.loads(path.read_text())
    document["kdf"]["p"] = 1 << 30
    path.write_text(json.dumps(document))
    result = cli("record", "note", work, "--as", "alice", "--text", "x")
    assert_one_line_error(result)
    assert "ceiling" in result.err


# -- row 10: files and creators' slips -------------------------------------------------------------


def test_export_refuses_links_and_special_targets_and_leaves_no_temp_files(cli: Cli, work: str) -> None:
    (cli.home / "elsewhere").mkdir()
    (cli.home / "link.bundle").symlink_to(cli.home / "elsewhere" / "victim")
    assert_one_line_error(cli("export", work, "--as", "alice", "-o", "link.bundle"))
    assert not (cli.home / "elsewhere" / "victim").exists()
    assert_one_line_error(cli("export", work, "--as", "alice", "-o", "elsewhere"))
    stale = cli.home / ".provenote-export-999999999-abc.tmp"
    stale.write_bytes(b"left by a killed export")
    assert cli("export", work, "--as", "alice", "-o", "ok.bundle").code == 0
    assert not stale.exists()
    assert not list(cli.home.glob(".provenote-export-*"))


def test_read_only_commands_do_not_touch_an_empty_data_file(cli: Cli) -> None:
    ledger = cli.home / "empty-ledger"
    ledger.mkdir()
    (ledger / "data.mdb").write_bytes(b"")
    env_ledger = ["--ledger", str(ledger)]
    for args in (["log", "0" * 16], ["check"], ["work", "list"]):
        assert_one_line_error(cli(*env_ledger, *args))
    assert (ledger / "data.mdb").read_bytes() == b""


def test_names_roles_and_passphrases(cli: Cli) -> None:
    assert_one_line_error(cli("key", "new", "bad\n", "--role", "composer"))
    assert_one_line_error(cli("key", "new", "ok", "--role", "composer\n"))
    short = cli("key", "new", "shorty", "--role", "composer", passphrase="hunter2")
    assert_one_line_error(short)
    assert "12 characters" in short.err


def test_segments_and_durations_that_cannot_be(cli: Cli, work: str, audio: dict[str, Path]) -> None:
    wav = write_wav(cli.home / "short.wav", 10, seed=9)
    result = cli("record", "human-input", work, "--as", "alice", "--output", wav.name, "--layer", "vocals",
                 "--segment", "5-12")
    assert_one_line_error(result)
    assert "ends after the output's 10 s" in result.err



def test_a_full_disk_reads_no_space_left(cli: Cli, work: str, monkeypatch: pytest.MonkeyPatch,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    import errno
    import importlib

    bundles, main = importlib.import_module("cli.bundles"), importlib.import_module("cli.main")

    def full(*args: object, **kwargs: object) -> None:
        raise OSError(errno.ENOSPC, "Input/output error")

    monkeypatch.setattr(bundles, "export_bundle", full)
    monkeypatch.setenv("PROVENOTE_LEDGER", str(cli.home / "ledger"))
    monkeypatch.setenv("PROVENOTE_KEYS", str(cli.home / "keys"))
    monkeypatch.setenv("PROVENOTE_PASSPHRASE", cli.passphrase)
    with pytest.raises(SystemExit) as exited:
        main.main(["export", work, "--as", "alice", "-o", str(cli.home / "x.bundle")])
    assert exited.value.code == 2
    assert capsys.readouterr().err.strip() == "provenote: error: no space left on device"


def test_sigterm_during_export_leaves_no_temporary_file(cli: Cli, work: str) -> None:
    big = cli.home / "media" / "big.raw"
    big.parent.mkdir()
    with big.open("wb") as handle:
        handle.truncate(1 << 30)  # 1 GiB of zeros, sparse
    assert cli("record", "import", work, "--as", "alice", "--output", str(big), "--source", "s").code == 0
    proc = subprocess.Popen([sys.executable, "-m", "cli", "export", work, "--as", "alice", "-o", "big.bundle",
                             "--assets-from", "media"], cwd=cli.home, env=cli.env, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while not list(cli.home.glob(".provenote-export-*")) and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 2 and err.strip() in ("provenote: error: interrupted", "provenote: error: aborted"), err
    assert not list(cli.home.glob(".provenote-export-*")) and not (cli.home / "big.bundle").exists()


def test_more_slips_end_in_one_line(cli: Cli, work: str, audio: dict[str, Path]) -> None:
    before = ledger_bytes(cli)
    huge = "9" * 400
    assert_one_line_error(cli("record", "human-input", work, "--as", "alice", "--output", "vocal.wav", "--layer",
                              "vocals", "--segment", f"{huge}-1"))
    env = {**cli.env}
    env.pop("PROVENOTE_PASSPHRASE")
    proc = subprocess.run([sys.executable, "-m", "cli", "key", "new", "bytes", "--role", "composer"], cwd=cli.home,
                          env={k.encode(): v.encode() for k, v in env.items()}
                          | {b"PROVENOTE_PASSPHRASE": b"\xff\xfe not utf-8 at all"},
                          capture_output=True, timeout=60)
    assert proc.returncode == 2 and proc.stderr.count(b"\n") == 1 and b"Traceback" not in proc.stderr
    assert not (cli.home / "keys" / "bytes.key").exists() and not list((cli.home / "keys").glob(".*.tmp"))
    assert ledger_bytes(cli) == before


def test_a_fifo_in_the_assets_folder_does_not_hang_the_verifier(cli: Cli, work: str) -> None:
    empty = cli.home / "media" / "empty.raw"
    empty.parent.mkdir()
    empty.write_bytes(b"")
    assert cli("record", "import", work, "--as", "alice", "--output", str(empty), "--source", "s").code == 0
    assert cli("export", work, "-o", "e.bundle", "--as", "alice", "--assets-from", "media").code == 0
    check = cli.home / "check"
    check.mkdir()
    os.mkfifo(check / "a-fifo")
    (check / "zero").symlink_to("/dev/zero")
    result = cli("verify", "e.bundle", "--assets", "check", "--json")  # the runner's timeout fails a hang
    assert result.code == 0 and json.loads(result.out)["assets"]["embedded"] == 1

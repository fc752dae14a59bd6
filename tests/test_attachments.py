"""Attachments (spec/licensing.md §2): stored content-addressed in the ledger directory, embedded
by ``provenote export --attachments``, checked by the verifier — all streamed, so a 500 MiB
attachment costs no more memory than a small one (issue 10)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from ledger import AttachmentStore, EventDraft, Ledger, Signer
from tests.helpers import PEAK_RSS_VERIFIER, ROOT, Cli, fixed_signer
from verifier import verify_bundle

CLERK = fixed_signer(41, "clerk", "assistant")


def attach(cli: Cli, work: str, path: Path, signer: Signer = CLERK) -> dict[str, Any]:
    """Store ``path`` in the ledger's attachment store and record an import event naming it (the
    licence and payment commands that take --attach come with their own tests)."""
    ledger_dir = cli.home / "ledger"
    reference = AttachmentStore(ledger_dir).add(path)
    with Ledger.open(ledger_dir) as book:
        book.append(book.resolve_work(work), signer,
                    EventDraft("import", {"output": reference, "source": "the signed contract, scanned"}))
    return reference


def test_export_embeds_attachments_from_the_store_only_when_asked(cli: Cli, work: str) -> None:
    contract = cli.home / "contract.pdf"
    contract.write_bytes(b"%PDF-1.4 the sync licence, countersigned\n" * 100)
    reference = attach(cli, work, contract)
    contract.unlink()  # only the store has it now

    plain = cli("export", work, "-o", "plain.bundle", "--as", "alice", "--json")
    assert plain.code == 0, plain.err
    assert json.loads(plain.out)["assets_embedded"] == 0
    assert json.loads(plain.out)["assets_missing"] == 1

    result = cli("export", work, "-o", "w.bundle", "--as", "alice", "--attachments", "--json")
    assert result.code == 0, result.err
    summary = json.loads(result.out)
    assert (summary["assets_embedded"], summary["assets_missing"]) == (1, 0)
    report = verify_bundle(cli.home / "w.bundle")
    assert report.valid and report.assets_embedded == 1, report.errors
    assert b"%PDF-1.4 the sync licence" not in (cli.home / "plain.bundle").read_bytes()
    data = (cli.home / "w.bundle").read_bytes()
    assert data.count(b"%PDF-1.4 the sync licence") == 100  # the bytes themselves, once
    assert reference["sha256"] in data


def test_an_attachment_missing_from_the_store_is_counted_not_found(cli: Cli, work: str) -> None:
    receipt = cli.home / "receipt.txt"
    receipt.write_text("paid 1200.00 EUR\n")
    reference = attach(cli, work, receipt)
    AttachmentStore(cli.home / "ledger").path_of(reference["sha256"]).unlink()
    result = cli("export", work, "-o", "w.bundle", "--as", "alice", "--attachments", "--json")
    assert result.code == 0, result.err
    assert (json.loads(result.out)["assets_embedded"], json.loads(result.out)["assets_missing"]) == (0, 1)
    # --assets-from still supplies it
    result = cli("export", work, "-o", "w2.bundle", "--as", "alice", "--attachments", "--assets-from", ".", "--json")
    assert json.loads(result.out)["assets_embedded"] == 1
    assert verify_bundle(cli.home / "w2.bundle").valid


def test_a_damaged_store_copy_fails_the_export_and_leaves_nothing(cli: Cli, work: str) -> None:
    invoice = cli.home / "invoice.txt"
    invoice.write_text("invoice 42: 1200.00 EUR\n")
    reference = attach(cli, work, invoice)
    stored = AttachmentStore(cli.home / "ledger").path_of(reference["sha256"])
    os.chmod(stored, 0o600)
    damaged = bytearray(stored.read_bytes())
    damaged[3] ^= 1
    stored.write_bytes(bytes(damaged))
    result = cli("export", work, "-o", "w.bundle", "--as", "alice", "--attachments")
    assert result.code == 2 and "no longer hashes" in result.err, result.err
    assert not (cli.home / "w.bundle").exists()
    assert not list(cli.home.glob(".provenote-export-*"))
    stored.write_bytes(b"short")  # a different size: refused before anything is written
    result = cli("export", work, "-o", "w.bundle", "--as", "alice", "--attachments")
    assert result.code == 2 and "damaged" in result.err, result.err


# -- a 500 MiB attachment: stored, exported, verified, each step under 100 MB of peak RSS ----------

BIG = 500 << 20  # 500 MiB

_PEAK = """
def _peak_kb():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
"""

STORE = _PEAK + """
import json, sys
from pathlib import Path
from ledger import AttachmentStore, EventDraft, Ledger
from tests.helpers import fixed_signer
ledger_dir, work, source = Path(sys.argv[1]), bytes.fromhex(sys.argv[2]), Path(sys.argv[3])
reference = AttachmentStore(ledger_dir).add(source)
with Ledger.open(ledger_dir) as book:
    book.append(book.resolve_work(work.hex()), fixed_signer(41, "clerk", "assistant"),
                EventDraft("import", {"output": reference, "source": "the studio's session archive"}))
print(json.dumps({"sha256": reference["sha256"].hex(), "size": reference["size"], "peak_kb": _peak_kb()}))
"""

EXPORT = _PEAK + """
import json, sys
from pathlib import Path
from ledger import Ledger, export_bundle, export_package
from tests.helpers import fixed_signer
ledger_dir, work, out, kind = Path(sys.argv[1]), bytes.fromhex(sys.argv[2]), Path(sys.argv[3]), sys.argv[4]
signer = fixed_signer(41, "clerk", "assistant")
with Ledger.open(ledger_dir, readonly=True) as book:
    work_id = book.resolve_work(work.hex())
    if kind == "bundle":
        result = export_bundle(book, work_id, signer, out, attachments=True)
        summary = {"embedded": result.assets_embedded, "missing": result.assets_missing}
    else:
        from cli.bundles import package_reports
        packaged = export_package(book, work_id, signer, out, attachments=True, reports=package_reports)
        summary = {"attachments": packaged.attachments, "missing": packaged.assets_missing}
print(json.dumps({**summary, "peak_kb": _peak_kb()}))
"""


def _step(code: str, *args: str) -> tuple[dict[str, int], float]:
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=300,
                          cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1]), time.perf_counter() - start


def _verify_step(*args: str) -> tuple[int, float, str]:
    proc = subprocess.run([sys.executable, "-c", PEAK_RSS_VERIFIER, *args], capture_output=True, text=True,
                          timeout=300, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
    kb = int(proc.stderr.rsplit("peak-rss-kb ", 1)[1].split()[0])
    return proc.returncode, kb / 1024, proc.stdout + proc.stderr


def test_a_500_mib_attachment_is_stored_exported_and_verified_in_bounded_memory(tmp_path: Path) -> None:
    source = tmp_path / "session-archive.zip"
    block = os.urandom(1 << 20)
    with source.open("wb") as handle:  # fast and not sparse: real blocks on disk
        for index in range(BIG >> 20):
            handle.write(index.to_bytes(8, "big") + block[8:])
    ledger_dir = tmp_path / "ledger"
    with Ledger.init(ledger_dir) as book:
        work = book.create_work(CLERK, "Night Market (stems)").work
    peaks: dict[str, float] = {}
    times: dict[str, float] = {}

    stored, times["store"] = _step(STORE, str(ledger_dir), work.hex(), str(source))
    peaks["store"] = stored["peak_kb"] / 1024
    assert stored["size"] == BIG
    source.unlink()  # the store's copy is the only one: what follows reads it

    exported, times["export"] = _step(EXPORT, str(ledger_dir), work.hex(), str(tmp_path / "big.bundle"), "bundle")
    peaks["export"] = exported["peak_kb"] / 1024
    assert (exported["embedded"], exported["missing"]) == (1, 0)
    assert (tmp_path / "big.bundle").stat().st_size > BIG

    start = time.perf_counter()
    code, peaks["verify"], output = _verify_step(str(tmp_path / "big.bundle"), "--json")
    times["verify"] = time.perf_counter() - start
    assert code == 0, output
    assert json.loads(output.rsplit("peak-rss-kb", 1)[0])["assets"]["embedded"] == 1

    packaged, times["package"] = _step(EXPORT, str(ledger_dir), work.hex(), str(tmp_path / "package"), "package")
    peaks["package"] = packaged["peak_kb"] / 1024
    assert (packaged["attachments"], packaged["missing"]) == (1, 0)

    start = time.perf_counter()
    code, peaks["verify package"], output = _verify_step("--package", str(tmp_path / "package"))
    times["verify package"] = time.perf_counter() - start
    assert code == 0, output
    assert "PACKAGE INTACT" in output

    print("500 MiB attachment, peak RSS: " + ", ".join(f"{step} {mb:.0f} MiB ({times[step]:.1f} s)"
                                                         for step, mb in peaks.items()))
    for step, mb in peaks.items():
        assert mb < 100, f"{step}: peak RSS {mb:.0f} MiB"


@pytest.mark.parametrize("size", [0, 1, (1 << 20) - 1, 1 << 20, (1 << 20) + 1])
def test_store_round_trip_at_block_edges(tmp_path: Path, size: int) -> None:
    source = tmp_path / "f.bin"
    source.write_bytes(os.urandom(size))
    store = AttachmentStore(tmp_path / "ledger")
    reference = store.add(source)
    with store.open(reference["sha256"]) as handle:
        assert handle.read() == source.read_bytes()
    assert reference["size"] == size and reference["name"] == "f.bin"

"""Bundles: export, the standalone verifier, and every tamper rejected (spec/bundle.md)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import cbor2
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledger import DisclosureRequest, DraftBuilder, EventDraft, Ledger, export_bundle, parse_disclosures
from tests.helpers import ROOT, fixed_signer, write_wav
from verifier import Policy, Report, verify_bundle
from verifier import format as fmt
from verifier.format import WorkId

ALICE = fixed_signer(1, "alice", "composer")
BOB = fixed_signer(2, "bob", "producer")
LEGAL = fixed_signer(3, "legal", "exporter")


def build_work(tmp: Path, title: str = "Night Market", *, notes: int = 2) -> tuple[Ledger, WorkId, Path]:
    book = Ledger.init(tmp / f"ledger-{title.replace(' ', '-')}")
    audio = tmp / "audio"
    audio.mkdir(exist_ok=True)
    gen = write_wav(audio / "gen.wav", 0.5, seed=1)
    edit = write_wav(audio / "edit.wav", 0.5, seed=2)
    work = book.create_work(ALICE, title).work
    builder = DraftBuilder(book)
    book.append(work, ALICE, builder.draft("generation", {"model": "m", "outputs": [builder.asset(gen)]},
                                           {"prompt": "lo-fi night market", "negative_prompt": "drums"}, None))
    book.append(work, BOB, builder.draft("human-edit", {"inputs": [builder.asset(gen)], "output": builder.asset(edit),
                                                        "kind": "melody", "segments": [[0, 250]]},
                                         {"note": "rewrote the hook"}, None))
    book.append_batch(work, ALICE, [EventDraft("note", {}, {"text": f"note {i}"}) for i in range(notes)])
    return book, work, audio


@pytest.fixture
def exported(tmp_path: Path) -> dict[str, Any]:
    book, work, audio = build_work(tmp_path)
    out = tmp_path / "w.bundle"
    export_bundle(book, work, LEGAL, out, disclose=DisclosureRequest(fields=frozenset({"prompt"})))
    with_assets = tmp_path / "w-assets.bundle"
    export_bundle(book, work, LEGAL, with_assets, assets_from=audio)
    book.close()
    return {"bundle": out, "with_assets": with_assets, "work": work, "audio": audio, "tmp": tmp_path}


def verify_bytes(data: bytes, tmp: Path, **options: Any) -> Report:
    path = tmp / "candidate.bundle"
    path.write_bytes(data)
    return verify_bundle(path, Policy(options.pop("trusted_keys", None), **options))


def test_valid_bundle_and_json_shape(exported: dict[str, Any]) -> None:
    report = verify_bundle(exported["bundle"])
    assert report.exit_code == 0, report.errors
    out = report.to_json()
    assert out["valid"] is True and out["trusted"] is None
    assert out["work"] == exported["work"].hex() and out["title"] == "Night Market" and out["events"] == 5
    assert {s["name"] for s in out["signers"]} == {"alice", "bob"}
    assert all({"key", "name", "role", "events", "trusted"} <= set(s) for s in out["signers"])
    assert out["errors"] == [] and out["disclosed_fields"] == {"prompt": 1}
    assert out["withheld_fields"] == {"negative_prompt": 1, "note": 1, "text": 2}
    assert out["exporter"]["name"] == "legal"
    expected = {"V10": "not evaluated", "V11": "no log records", "V12": "no log records"}
    assert all(c["result"] == expected.get(c["step"], "pass") for c in out["checks"])
    assert report.disclosures[0]["value"] == "lo-fi night market"


def test_export_is_deterministic_and_atomic(tmp_path: Path) -> None:
    book, work, audio = build_work(tmp_path)
    first, second = tmp_path / "a.bundle", tmp_path / "b.bundle"
    for out in (first, second):
        export_bundle(book, work, LEGAL, out, disclose=DisclosureRequest(all=True), assets_from=audio)
    assert first.read_bytes() == second.read_bytes()
    assert not list(tmp_path.glob(".bundle-*"))
    book.close()


def test_disclosure_requests(tmp_path: Path) -> None:
    book, work, _ = build_work(tmp_path)
    chain = list(book.chain(work))
    gen_hash = chain[1].event.hash
    request = parse_disclosures(book, [f"{gen_hash.hex()[:10]}:negative_prompt", "note"], False)
    out = tmp_path / "d.bundle"
    export_bundle(book, work, LEGAL, out, disclose=request)
    report = verify_bundle(out)
    assert report.exit_code == 0
    assert report.disclosed == {"negative_prompt": 1, "note": 1}
    with pytest.raises(Exception, match="not a private field"):
        parse_disclosures(book, ["title"], False)
    book.close()


def test_trust_is_reported_apart_from_validity(exported: dict[str, Any]) -> None:
    report = verify_bundle(exported["bundle"], Policy([ALICE.info.public_key]))
    assert report.valid and report.trusted is False and report.exit_code == 0
    strict = verify_bundle(exported["bundle"], Policy([ALICE.info.public_key], require_trusted=True))
    assert strict.valid and strict.trusted is False and strict.exit_code == 1
    assert [f.code for f in strict.errors] == ["key.untrusted", "key.untrusted"]  # bob, and the exporter
    signers_only = Policy([ALICE.info.public_key, BOB.info.public_key], require_trusted=True)
    assert [f.code for f in verify_bundle(exported["bundle"], signers_only).errors] == ["key.untrusted"]
    both = Policy([ALICE.info.public_key, BOB.info.public_key, LEGAL.info.public_key], require_trusted=True)
    assert verify_bundle(exported["bundle"], both).exit_code == 0


def test_assets_embedded_and_checked(exported: dict[str, Any]) -> None:
    report = verify_bundle(exported["with_assets"], Policy(assets_dir=exported["audio"]))
    assert report.exit_code == 0 and report.assets_embedded == 2 and report.assets_checked == 2
    (exported["audio"] / "edit.wav").write_bytes(b"RIFF-not-the-same")
    changed = verify_bundle(exported["with_assets"], Policy(assets_dir=exported["audio"]))
    assert "asset.hash_mismatch" in {f.code for f in changed.errors}


def _items(data: bytes) -> list[bytes]:
    import io

    reader = fmt.ItemReader(io.BytesIO(data), len(data))
    return [item.raw_head + item.content for item in reader]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(position=st.floats(0, 1, exclude_max=True), bit=st.integers(0, 7))
def test_any_flipped_bit_is_rejected(exported: dict[str, Any], position: float, bit: int) -> None:
    data = bytearray(exported["bundle"].read_bytes())
    data[int(position * len(data))] ^= 1 << bit
    assert verify_bytes(bytes(data), exported["tmp"]).exit_code in (1, 2)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cut=st.floats(0, 1, exclude_max=True), extra=st.binary(min_size=1, max_size=40))
def test_truncation_and_appended_bytes_are_rejected(exported: dict[str, Any], cut: float, extra: bytes) -> None:
    data = exported["bundle"].read_bytes()
    assert verify_bytes(data[: int(cut * len(data))], exported["tmp"]).exit_code in (1, 2)
    assert verify_bytes(data + extra, exported["tmp"]).exit_code in (1, 2)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_deleting_duplicating_swapping_items_is_rejected(exported: dict[str, Any], data: st.DataObject) -> None:
    items = _items(exported["bundle"].read_bytes())
    i = data.draw(st.integers(0, len(items) - 1))
    j = data.draw(st.integers(0, len(items) - 1).filter(lambda x: items[x] != items[i]))
    deleted = items[:i] + items[i + 1:]
    duplicated = [*items[:i + 1], items[i], *items[i + 1:]]
    swapped = list(items)
    swapped[i], swapped[j] = swapped[j], swapped[i]
    for variant in (deleted, duplicated, swapped):
        assert verify_bytes(b"".join(variant), exported["tmp"]).exit_code in (1, 2)


def _event_records(items: list[bytes]) -> list[tuple[int, list[Any]]]:
    out = []
    for index, raw in enumerate(items):
        record = cbor2.loads(cbor2.loads(raw))
        if record[0] == "event":
            out.append((index, record))
    return out


def test_another_events_signature_is_rejected(exported: dict[str, Any]) -> None:
    items = _items(exported["bundle"].read_bytes())
    events = _event_records(items)
    (i, first), (_, second) = events[1], events[2]
    envelope = first[1][:-64] + second[1][-64:]
    items[i] = fmt.frame(["event", envelope, first[2]])
    report = verify_bytes(b"".join(items), exported["tmp"])
    assert report.exit_code == 1 and "event.signature_invalid" in {f.code for f in report.errors}


def test_event_spliced_from_another_work_is_rejected(exported: dict[str, Any]) -> None:
    other_book, other_work, _ = build_work(exported["tmp"], "Other Work")
    other = exported["tmp"] / "other.bundle"
    export_bundle(other_book, other_work, LEGAL, other)
    other_book.close()
    items = _items(exported["bundle"].read_bytes())
    foreign = _event_records(_items(other.read_bytes()))
    index = _event_records(items)[2][0]
    items[index] = fmt.frame(["event", foreign[2][1][1], []])
    codes = {f.code for f in verify_bytes(b"".join(items), exported["tmp"]).errors}
    assert "chain.work_mismatch" in codes or "chain.prev_mismatch" in codes


def test_swapped_events_are_rejected(exported: dict[str, Any]) -> None:
    items = _items(exported["bundle"].read_bytes())
    events = _event_records(items)
    a, b = events[1][0], events[3][0]
    items[a], items[b] = items[b], items[a]
    report = verify_bytes(b"".join(items), exported["tmp"])
    assert report.exit_code == 1
    assert {"chain.seq_gap", "bundle.trailer_mismatch"} <= {f.code for f in report.errors}


def test_disclosure_for_wrong_field_is_rejected(exported: dict[str, Any]) -> None:
    items = _items(exported["bundle"].read_bytes())
    index, record = _event_records(items)[1]
    salt, _, value = record[2][0]
    items[index] = fmt.frame(["event", record[1], [[salt, "negative_prompt", value]]])
    codes = {f.code for f in verify_bytes(b"".join(items), exported["tmp"]).errors}
    assert "disclosure.mismatch" in codes


def _header(exported: dict[str, Any]) -> bytes:
    return _items(exported["bundle"].read_bytes())[0]


HOSTILE_RECORDS = {
    "length prefix 2^63 inside a record": b"\x82\x65asset\x5b\x7f\xff\xff\xff\xff\xff\xff\xff" + b"x" * 64,
    "nesting 100,000 deep": b"\x81" * 100_000 + b"\x00",
    "a declared 100 MB string in 1 kB": b"\x82\x65asset\x5a\x05\xf5\xe1\x00" + b"x" * 1000,
}


@pytest.mark.parametrize("name", sorted(HOSTILE_RECORDS))
def test_hostile_records_after_a_valid_header_exit_2(exported: dict[str, Any], name: str) -> None:
    path = exported["tmp"] / "hostile.bundle"
    path.write_bytes(_header(exported) + cbor2.dumps(HOSTILE_RECORDS[name]))
    run_bounded(path)


@pytest.mark.parametrize("item_head", [b"\x5b\x7f\xff\xff\xff\xff\xff\xff\xff", b"\x5a\x05\xf5\xe1\x00", b"\x5f"])
def test_hostile_item_heads_exit_2(exported: dict[str, Any], item_head: bytes) -> None:
    path = exported["tmp"] / "hostile.bundle"
    path.write_bytes(_header(exported) + item_head + b"x" * 1000)
    run_bounded(path)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(noise=st.binary(max_size=2000), with_header=st.booleans())
def test_random_bytes_never_verify(exported: dict[str, Any], noise: bytes, with_header: bool) -> None:
    report = verify_bytes((_header(exported) if with_header else b"") + noise, exported["tmp"])
    assert report.exit_code in (1, 2)


def run_bounded(path: Path) -> None:
    """Run the verifier CLI in a child: exit 2, one error line, quickly, with bounded memory."""
    code = ("import resource, sys, time, runpy; t = time.perf_counter(); sys.argv = ['provenote-verify', "
            f"{str(path)!r}]\ntry:\n    runpy.run_module('verifier', run_name='__main__')\n"
            "except SystemExit as e:\n"
            # VmHWM, not ru_maxrss: Linux carries ru_maxrss across fork and exec, so the child would
            # report the test process's own high-water mark (bench/verify.py says the same).
            "    rss = next(int(l.split()[1]) for l in open('/proc/self/status') if l.startswith('VmHWM:'))\n"
            "    print('RESULT', e.code, rss, time.perf_counter() - t, file=sys.stderr)")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60)
    lines = proc.stderr.strip().splitlines()
    assert "Traceback" not in proc.stderr, proc.stderr
    _, exit_code, rss_kb, seconds = lines[-1].split()
    assert int(exit_code) == 2, proc.stdout
    assert lines[0].startswith("provenote: error: ") and len(lines) == 2
    assert int(rss_kb) < 150_000, f"peak RSS {rss_kb} kB"
    assert float(seconds) < 10


BLOCKER = """
import importlib.abc, sys, runpy
class Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split('.')[0] in ('ledger', 'cli', 'lmdb', 'click'):
            raise ImportError('the verifier must not import ' + name)
        return None
sys.meta_path.insert(0, Block())
sys.argv = ['provenote-verify', *sys.argv[1:]]
try:
    runpy.run_module('verifier', run_name='__main__')
finally:
    assert not {m for m in sys.modules if m.split('.')[0] in ('ledger', 'cli', 'lmdb', 'click')}
"""


def test_verifier_is_standalone(exported: dict[str, Any]) -> None:
    proc = subprocess.run([sys.executable, "-c", BLOCKER, str(exported["with_assets"]), "--json", "--jobs", "2",
                           "--assets", str(exported["audio"])], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["valid"] is True
    sources = "\n".join(p.read_text() for p in (ROOT / "verifier").rglob("*.py"))
    for banned in ("import ledger", "from ledger", "import cli", "from cli", "import lmdb", "import click"):
        assert banned not in sources


def test_jobs_give_the_same_result(tmp_path: Path) -> None:
    book, work, _ = build_work(tmp_path, notes=4_800)  # five chunks with workers (POOL_CHUNK events each)
    out = tmp_path / "many.bundle"
    export_bundle(book, work, LEGAL, out)
    book.close()
    one = verify_bundle(out, Policy(jobs=1)).to_json()
    two = verify_bundle(out, Policy(jobs=2)).to_json()
    assert one == two and one["valid"] and one["events"] == 4_803
    data = bytearray(out.read_bytes())
    data[len(data) // 2] ^= 0x10
    broken = tmp_path / "broken.bundle"
    broken.write_bytes(bytes(data))
    assert verify_bundle(broken, Policy(jobs=1)).to_json() == verify_bundle(broken, Policy(jobs=2)).to_json()
    # One flipped bit in the first, a middle or the last of the five chunks, or two bits far apart:
    # the same report whether the chunks were checked here, by one worker or by two (with --jobs N
    # this process checks a chunk itself whenever the N - 1 workers are busy).
    clean = out.read_bytes()
    for spots in ((0.08,), (0.3,), (0.55,), (0.93,), (0.2, 0.8)):
        data = bytearray(clean)
        for spot in spots:
            data[int(len(data) * spot)] ^= 0x01
        broken.write_bytes(bytes(data))
        reports = [verify_bundle(broken, Policy(jobs=jobs)).to_json() for jobs in (1, 2, 3)]
        assert reports[0] == reports[1] == reports[2], spots
        assert not reports[0]["valid"]

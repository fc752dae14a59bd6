"""`provenote demo` on a fresh folder, and the export/verify commands end to end."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from cli.demo import (
    DAY_STARTS,
    REWRITE_MINUTES,
    SESSION,
    SESSION_MINUTES,
    run_demo,
    session_start,
    session_times,
)
from ledger import KeyStore, Ledger
from tests.helpers import Cli, assert_one_line_error
from verifier.analysis import RETROSPECTIVE_US

DAY = timedelta(microseconds=RETROSPECTIVE_US)  # older than this before its recording: grade C


def test_demo_builds_exports_and_verifies(tmp_path: Path) -> None:
    cli = Cli(tmp_path)
    result = cli("demo", "story", "--json")
    assert result.code == 0, result.err
    assert result.err == ""  # no progress bar on a pipe, nor with --json
    out = json.loads(result.out)
    assert out["verification"]["valid"] is True and out["verification"]["trusted"] is True
    # The session's times are claimed within the day before recording: never retrospective (C);
    # with the demo TSA's timestamp every event is corroborated (A), without openssl signed (B).
    grades = {row["grade"] for row in out["verification"]["human_involvement"]["evidence"]}
    assert grades == ({"A"} if shutil.which("openssl") else {"B"})
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
    assert out["never_trust"] == str(Path("story") / "README.txt")


def test_the_demo_says_its_public_keys_must_never_be_trusted(tmp_path: Path) -> None:
    """The demo's keys are public (a printed passphrase, seeds in the source): README.txt in the
    folder names each of them, and the printed output says so and points to it."""
    result = Cli(tmp_path)("demo", "story")
    assert result.code == 0, result.err
    readme = tmp_path / "story" / "README.txt"
    warning = [line for line in result.out.splitlines() if "DEMO ONLY — NEVER TRUST" in line]
    assert len(warning) == 1 and str(Path("story") / "README.txt") in warning[0]
    assert "templebell-lib" in warning[0] and "TSA" in warning[0] and "CA" in warning[0]
    text = readme.read_text(encoding="utf-8")
    assert text.startswith("DEMO ONLY — NEVER TRUST")
    for named in ("keys/", "night-market-demo", "templebell-lib", "drama-co", "--trust", "--tsa-root"):
        assert named in text, named
    if shutil.which("openssl"):  # the demo TSA ran: its seeded root is in tsa/
        assert "tsa/" in text and (tmp_path / "story" / "tsa" / "root.pem").exists()
    if (tmp_path / "story" / "c2pa" / "demo-ca-root.pem").exists():
        assert "c2pa/demo-ca-root.pem" in text


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


@pytest.mark.parametrize("zone", [UTC, timezone(timedelta(hours=8)), timezone(timedelta(hours=-7))])
def test_the_session_always_fits_the_day_before_now_and_starts_at_0930_when_it_can(zone: timezone) -> None:
    """Every 5 minutes over two days: the session lies within the 24 h before ``now`` (so no event
    is retrospective), and starts at 09:30 studio time when a 09:30 allows that with a quarter of
    an hour to spare at both ends, and never at 09:30 when none allows it at all."""
    first = datetime(2026, 12, 1, tzinfo=zone)
    span = timedelta(minutes=SESSION_MINUTES)
    spare = timedelta(minutes=15)
    for step in range(0, 2 * 24 * 60, 5):
        now = first + timedelta(minutes=step)
        start = session_start(now)
        assert now - DAY < start and start + span < now, (now, start)
        assert start.minute % 15 == 0 and start.second == 0
        local = now.astimezone(start.tzinfo)
        nines = [datetime.combine(local.date() - timedelta(days=back), DAY_STARTS, start.tzinfo) for back in range(3)]
        at_nine = start.timetz().replace(tzinfo=None) == DAY_STARTS
        if any(now - DAY + spare <= t and t + span + spare <= now for t in nines):
            assert at_nine, (now, start)
        if not any(now - DAY < t and t + span < now for t in nines):
            assert not at_nine, (now, start)
    with pytest.raises(ValueError):
        session_start(datetime(2026, 12, 1, 12, 0))  # no zone


def test_session_times_are_in_order_and_span_a_working_day() -> None:
    start = session_start(datetime(2026, 12, 2, 3, 30, tzinfo=UTC))
    times = session_times(start)
    assert list(times) == [step for step, _ in SESSION]
    moments = list(times.values())
    assert moments == sorted(moments) and len(set(moments)) == len(moments)
    assert timedelta(hours=8) <= moments[-1] - moments[0] <= timedelta(hours=10)
    assert times["rewrite"] - times["selection"] == timedelta(minutes=REWRITE_MINUTES)


def test_the_demo_records_a_working_day_and_reports_progress(tmp_path: Path) -> None:
    """Through the Python API: each event claims a time of the session, in order, over a working
    day, no later than its recording and less than 24 h before it; the rewrite took its 90
    minutes; progress goes up to its total; the keys open with the demo passphrase."""
    calls: list[tuple[int, int]] = []
    result = run_demo(tmp_path / "demo", progress=lambda done, total: calls.append((done, total)))
    with Ledger.open(result.ledger, readonly=True) as book:
        (info,) = book.works()
        events = [stored.event.payload for stored in book.chain(info.work)]
    assert all(e.occurred is not None for e in events)
    occurred = [e.occurred for e in events if e.occurred is not None]
    assert occurred == sorted(occurred)
    assert timedelta(hours=8) <= timedelta(microseconds=occurred[-1] - occurred[0]) <= timedelta(hours=10)
    for e in events:
        assert e.occurred is not None and 0 <= e.time - e.occurred < RETROSPECTIVE_US
    first = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=occurred[0])
    assert first == result.session and first.astimezone(result.session.tzinfo).timetz().minute % 15 == 0
    (rewrite,) = [i for i, e in enumerate(events) if e.type == "human-edit" and e.body.get("kind") == "melody"]
    gap = occurred[rewrite] - occurred[rewrite - 1]  # (every event claims a time: the lists align)
    assert timedelta(microseconds=gap) == timedelta(minutes=events[rewrite].body["minutes"])
    dones = [done for done, _ in calls]
    assert dones == sorted(dones) and calls[-1][0] == calls[-1][1] and len({total for _, total in calls}) == 1
    assert KeyStore(result.keys).unlock("notary", "night-market-demo").info.role == "witness"


@pytest.mark.skipif(shutil.which("openssl") is None, reason="the local TSA needs openssl")
def test_the_local_tsa_keys_come_from_its_seed(tmp_path: Path) -> None:
    """A seeded local TSA (the demo's) makes no key at run time: the same seed, the same keys."""
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    from cli.localtsa import LocalTsa

    def keys(folder: str, seed: bytes | None) -> tuple[bytes, bytes]:
        with LocalTsa(tmp_path / folder, seed=seed) as tsa:
            root, server = (c.public_key().public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)
                            for c in (tsa.root, tsa.tsa_cert))
            return root, server

    first = keys("a", b"s" * 32)
    assert first == keys("b", b"s" * 32) and first[0] != first[1]
    assert not set(first) & set(keys("c", b"t" * 32)) and not set(first) & set(keys("d", None))
    with pytest.raises(ValueError):
        LocalTsa(tmp_path / "e", seed=b"short")

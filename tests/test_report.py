"""The HTML report: self-contained, English and Chinese, and it loads in a real browser."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
import shutil
import subprocess
import tempfile
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from ledger import EventDraft, Ledger, export_bundle
from tests.helpers import Cli, fixed_signer
from tests.test_involvement import ALICE, edit, gen, human_input, release, verify_chain
from verifier import Policy, Report, UsageError, verify_bundle
from verifier.format import key_id
from verifier.render import render_html as render
from verifier.render import resolve_zone

FIXED = datetime(2026, 11, 21, tzinfo=UTC)


BIG = 100_000  # events in the long bundle


@pytest.fixture(scope="module")
def small_report(tmp_path_factory: pytest.TempPathFactory) -> Report:
    return verify_chain(tmp_path_factory.mktemp("small"), [
        gen("a.wav", provider="ExampleAI", seed=42), edit(["a.wav"], "b.wav", [[16_000, 32_000]], tool="Reaper 7"),
        human_input("v.wav", [[40_000, 48_000]], layer="vocals"),
        edit(["b.wav", "v.wav"], "m.wav", [[40_000, 48_000]], kind="mixing"), release("m.wav")],
        trusted=[ALICE.info.public_key])


@pytest.fixture(scope="module")
def report_files(tmp_path_factory: pytest.TempPathFactory, small_report: Report) -> dict[str, Path]:
    tmp = tmp_path_factory.mktemp("report")
    files = {}
    for lang in ("en", "zh"):
        path = tmp / f"report-{lang}.html"
        path.write_text(render(small_report, lang, generated=FIXED), encoding="utf-8")
        files[lang] = path
    return files


@pytest.fixture(scope="module")
def big_report(tmp_path_factory: pytest.TempPathFactory) -> tuple[Report, Path]:
    """A bundle of 100,000 events (notes, appended in batches as bench/verify.py does), verified
    and rendered."""
    tmp = tmp_path_factory.mktemp("big")
    signer = fixed_signer(4)
    with Ledger.init(tmp / "ledger") as book:
        work = book.create_work(signer, "long session").work
        remaining, batch = BIG - 1, 0
        while remaining:
            size = min(5_000, remaining)
            book.append_batch(work, signer, [EventDraft("note", {}, {"text": f"note {batch}.{i}"})
                                             for i in range(size)])
            remaining, batch = remaining - size, batch + 1
        export_bundle(book, work, signer, tmp / "big.bundle")
    report = verify_bundle(tmp / "big.bundle", Policy(jobs=2))
    assert report.valid and report.events == BIG
    path = tmp / "big.html"
    path.write_text(render(report, "en", generated=FIXED), encoding="utf-8")
    return report, path


def visible_text(html: str) -> str:
    """The page's text as a reader sees it: no head (styles), no tags."""
    body = html.split("<body>", 1)[1]
    return re.sub(r"<[^>]+>", " ", body)


def section(html: str, name: str) -> str:
    match = re.search(rf'<section id="{name}"[^>]*>(.*?)</section>', html, re.DOTALL)
    assert match is not None, name
    return match.group(1)


def test_report_is_self_contained(report_files: dict[str, Path]) -> None:
    for path in report_files.values():
        html = path.read_text(encoding="utf-8")
        assert "<script" not in html.lower()
        assert not re.search(r"\b(src|href)\s*=", html, re.IGNORECASE)  # nothing loaded, nothing linked
        assert "@import" not in html and "url(" not in html
        assert html.count("<svg") == 2  # the timeline and the released cue's bar


def test_report_content(report_files: dict[str, Path]) -> None:
    english = report_files["en"].read_text(encoding="utf-8")
    for text in ("VALID", "What this report proves", "What it does not prove", "human-authored 13.3%",
                 "human-modified AI material 26.7%", "ContainsAI = Partly", "unlabelled_ai", "provenote-hi/1",
                 "Bundle SHA-256", "Withheld"):
        assert text in english, text
    chinese = report_files["zh"].read_text(encoding="utf-8")
    for text in ("有效", "本报告证明什么", "本报告不能证明什么", "人类创作 13.3%", 'lang="zh-Hans"'):
        assert text in chinese, text


def test_invalid_bundle_report_says_so(tmp_path: Path) -> None:
    verify_chain(tmp_path, [gen("a.wav"), release("a.wav")])
    data = bytearray((tmp_path / "w.bundle").read_bytes())
    data[len(data) // 2] ^= 1
    (tmp_path / "bad.bundle").write_bytes(bytes(data))
    result = Cli(tmp_path)(str(tmp_path / "bad.bundle"), "--report", "bad.html", module="verifier")
    assert result.code == 1
    html = (tmp_path / "bad.html").read_text(encoding="utf-8")
    assert "INVALID" in html and "Verification errors" in html


def chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")


def open_in_browser(path: Path) -> str:
    """The DOM headless Chromium builds from the file; fails on a console message or a blocked load."""
    browser = chromium()
    if browser is None:
        pytest.skip("CHROMIUM IS NOT INSTALLED: the report was NOT opened in a browser "
                    "(.ci/run installs Debian's chromium where it can)")
    with tempfile.TemporaryDirectory() as profile:
        proc = subprocess.run(
            [browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             f"--user-data-dir={profile}", "--enable-logging=stderr", "--v=0", "--dump-dom",
             path.as_uri()], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    for problem in ("Uncaught", ":CONSOLE(", "net::ERR_", "Refused to load"):
        assert problem not in proc.stderr, proc.stderr[-2000:]
    return proc.stdout


def test_report_loads_in_a_headless_browser(report_files: dict[str, Path]) -> None:
    for lang, path in report_files.items():
        dom = open_in_browser(path)
        verdict = section(dom, "verdict")
        assert ("VALID" in verdict if lang == "en" else "有效" in verdict)
        assert 'id="caveat"' in verdict and ("not proof" in verdict if lang == "en" else "并不证明" in verdict)
        events = section(dom, "events")
        assert events.count('<td class="seq">') == 6  # work.created and the five events
        assert dom.count("<svg") == 2 and "<rect" in dom and "<circle" in dom


def test_long_report_loads_in_a_headless_browser(big_report: tuple[Report, Path]) -> None:
    report, path = big_report
    dom = open_in_browser(path)
    assert "VALID" in section(dom, "verdict") and 'id="caveat"' in dom
    table = report.event_table
    assert table is not None and table.total == BIG
    events = section(dom, "events")
    rows = events.count('<td class="seq">')
    assert rows == len(table.head) + len(table.tail) < 1_000  # memory and paper bounded
    first_cut, last_cut = table.head[-1].seq + 1, table.tail[0].seq - 1
    assert f"{BIG - rows:,} events not listed (#{first_cut:,}–#{last_cut:,})" in events
    assert "provenote log" in events
    timeline = section(dom, "timeline")
    assert "<circle" not in timeline  # binned: one column per bin, not one mark per event
    assert timeline.count("<rect") <= 64 + 4 and f"{BIG:,} events in" in timeline
    assert len(path.read_bytes()) < 500_000


def test_event_table_says_what_happened(small_report: Report) -> None:
    html = render(small_report, "en", generated=FIXED)
    events = section(html, "events")
    for words in ("AI generation by m (ExampleAI), seed 42", "human edit: melody, in Reaper 7", "human input: vocals",
                  "human edit: mixing", "release", "work created: “cue”"):
        assert words in events, words
    for name in ("a.wav", "b.wav", "v.wav", "m.wav"):
        assert f"{name} <code>{hashlib.sha256(name.encode()).hexdigest()[:16]}</code>" in events
    assert "alice (composer)" in events and "✔ trusted" in events
    fingerprint = key_id(ALICE.info.public_key).hex()
    assert fingerprint in section(html, "signers")  # the trusted key used, in full


def test_times_follow_the_time_zone(small_report: Report) -> None:
    assert small_report.first_time is not None
    moment = datetime.fromtimestamp(small_report.first_time / 1e6, UTC)
    fixed = {"+08:00": timezone(timedelta(hours=8)), "-05:30": timezone(-timedelta(hours=5, minutes=30)),
             "+00:00": UTC}
    for zone, offset in (("UTC", "+00:00"), ("Asia/Shanghai", "+08:00"), ("America/New_York", None),
                         ("+08:00", "+08:00"), ("-05:30", "-05:30"), ("+00:00", "+00:00")):
        local = moment.astimezone(fixed[zone] if zone in fixed else ZoneInfo(zone))
        shown = local.strftime("%Y-%m-%d %H:%M:%S ") + (offset or local.strftime("%z")[:3] + ":" + local.strftime("%z")[3:])
        events = section(render(small_report, "en", generated=FIXED, tz=zone), "events")
        assert shown in events, (zone, shown)
        assert ".000" not in events and "Z<" not in events  # to the second, never raw RFC 3339


def test_a_fixed_offset_names_itself() -> None:
    assert resolve_zone("+08:00").utcoffset(None) == timedelta(hours=8)
    assert resolve_zone("-05:30").utcoffset(None) == -timedelta(hours=5, minutes=30)
    assert resolve_zone("-00:00") is UTC and resolve_zone("utc") is UTC
    for bad in ("+24:00", "+8:00", "+08:60", "08:00", "+08:00:00", "UTC+8", "+08:00\n"):
        with pytest.raises(UsageError, match="an offset such as \\+08:00"):
            resolve_zone(bad)


def test_the_trust_list_is_the_word_of_whoever_generated_the_report(small_report: Report) -> None:
    """With a trust list, the verdict box and the list of keys say who chose it (whoever made the
    report, not the reader) and give the command that judges with the reader's own keys; without
    one, the box says trust was not evaluated and gives the command too."""
    for lang, chose, command in (("en", "whoever generated this report", "provenote-verify REPORT.pdf --trust"),
                                 ("zh", "本报告生成者", "provenote-verify 报告.pdf --trust")):
        html = render(small_report, lang, generated=FIXED)
        verdict, signers = section(html, "verdict"), section(html, "signers")
        assert chose in verdict and f"<code>{command}" in verdict
        assert chose in signers.split("<table><thead>")[0].split("</table>", 1)[1]  # above the listed keys
        assert "auditor" not in html and "审核方" not in html
    untrusted = dataclasses.replace(small_report, policy=Policy(None), trusted=None)
    verdict = section(render(untrusted, "en", generated=FIXED), "verdict")
    assert "whoever generated this report gave no trusted keys" in verdict and "provenote-verify" in verdict


def test_unknown_time_zone_is_a_usage_error(tmp_path: Path) -> None:
    verify_chain(tmp_path, [gen("a.wav"), release("a.wav")])
    result = Cli(tmp_path)(str(tmp_path / "w.bundle"), "--report", "r.html", "--tz", "Mars/Olympus",
                           module="verifier")
    assert result.code == 2 and not (tmp_path / "r.html").exists()
    assert result.err.count("\n") == 1 and result.err.startswith("provenote: error: --tz Mars/Olympus")
    result = Cli(tmp_path)(str(tmp_path / "w.bundle"), "--report", "r.html", "--tz", "Asia/Shanghai",
                           "--lang", "zh", module="verifier")
    assert result.code == 0 and "Asia/Shanghai (UTC+08:00)" in (tmp_path / "r.html").read_text(encoding="utf-8")
    result = Cli(tmp_path)(str(tmp_path / "w.bundle"), "--report", "r.html", "--tz", "-05:30", module="verifier")
    html = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert result.code == 0 and "UTC-05:30</td>" in html and "-05:30 (UTC" not in html


def test_grades_are_explained_where_shown(small_report: Report) -> None:
    for lang, legend in (("en", "A outside corroboration"), ("zh", "A 外部佐证")):
        categories = section(render(small_report, lang, generated=FIXED), "categories")
        assert legend in categories.split("</thead>")[0]  # in the grade column's own head


#: Codes and names a zh report may show in Latin letters: they are not English words.
CODES = {"SHA", "ISRC", "ISWC", "UTC", "DDEX", "ERN", "ContainsAI", "RFC", "AIGC", "USCO", "C2PA", "GB", "AI",
         "EUR", "provenote", "log", "assets", "trust", "PDF"}


def latin_words(html: str) -> set[str]:
    """Latin words a reader sees, leaving out code, and text marked as English (lang="en")."""
    html = html.split("<body>", 1)[1]
    html = re.sub(r"<code>.*?</code>", " ", html, flags=re.DOTALL)
    html = re.sub(r'<(\w+)[^>]*lang="en"[^>]*>.*?</\1>', " ", html, flags=re.DOTALL)
    return set(re.findall(r"[A-Za-z]{3,}", re.sub(r"<[^>]+>", " ", html)))


def test_every_zh_label_is_chinese(small_report: Report) -> None:
    """No label word of the English report is left in the Chinese one: what remains in Latin
    letters is the bundle's own data (names, files, models), codes and the marked US readout."""
    data = json.dumps(small_report.to_json()) + " ".join(str(d["value"]) for d in small_report.disclosures) + " ".join(
        " ".join((*row.facts.values(), *(name or "" for _, name, _ in row.files)))
        for row in (*small_report.event_table.head, *small_report.event_table.tail))  # type: ignore[union-attr]
    data_words = set(re.findall(r"[A-Za-z]{3,}", data))
    chinese = render(small_report, "zh", generated=FIXED)
    english_labels = latin_words(render(small_report, "en", generated=FIXED)) - data_words
    left = (latin_words(chinese) & english_labels) - CODES
    assert not left, sorted(left)
    assert "（英文原文）" in chinese and '<span lang="en">' in chinese  # the US statement, marked


def test_print_css_for_a4(report_files: dict[str, Path]) -> None:
    for lang, page in (("en", 'counter(page) " of " counter(pages)'), ("zh", '" 页，共 " counter(pages)')):
        html = report_files[lang].read_text(encoding="utf-8")
        style = html.split("<style>", 1)[1].split("</style>", 1)[0]
        assert "size:A4" in style and page in style and "string(work)" in style and "string(bundle)" in style
        assert "section{break-inside:avoid" not in style and "page-break-before" not in style
        assert "Microsoft YaHei" in style and "PingFang SC" in style and "Noto Sans CJK SC" in style
        sizes = [float(size) for size in re.findall(r'font-size="([0-9.]+)"', html)]
        assert sizes and min(sizes) >= 11  # 11 px in a 680 px figure printed 182 mm wide: 8.25 pt

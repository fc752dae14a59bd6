"""The HTML report: self-contained, English and Chinese, and it loads in a real browser."""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.helpers import Cli
from tests.test_involvement import edit, gen, human_input, release, verify_chain
from verifier.render import render_html as render

FIXED = datetime(2026, 11, 21, tzinfo=UTC)


@pytest.fixture(scope="module")
def report_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    tmp = tmp_path_factory.mktemp("report")
    report = verify_chain(tmp, [gen("a.wav"), edit(["a.wav"], "b.wav", [[16_000, 32_000]]),
                                human_input("v.wav", [[40_000, 48_000]], layer="vocals"),
                                edit(["b.wav", "v.wav"], "m.wav", [[40_000, 48_000]], kind="mixing"),
                                release("m.wav")])
    files = {}
    for lang in ("en", "zh"):
        path = tmp / f"report-{lang}.html"
        path.write_text(render(report, lang, generated=FIXED), encoding="utf-8")
        files[lang] = path
    return files


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


def test_report_loads_in_a_headless_browser(report_files: dict[str, Path]) -> None:
    browser = chromium()
    if browser is None:
        pytest.skip("CHROMIUM IS NOT INSTALLED: the report was NOT opened in a browser "
                    "(.ci/run installs Debian's chromium where it can)")
    for lang, path in report_files.items():
        with tempfile.TemporaryDirectory() as profile:
            proc = subprocess.run(
                [browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 f"--user-data-dir={profile}", "--enable-logging=stderr", "--v=0", "--dump-dom",
                 path.as_uri()], capture_output=True, text=True, timeout=120)
        assert proc.returncode == 0, proc.stderr[-2000:]
        dom = proc.stdout
        assert 'id="verdict"' in dom and ("VALID" in dom if lang == "en" else "有效" in dom)
        assert dom.count("<svg") == 2 and "<rect" in dom and "<circle" in dom
        for problem in ("Uncaught", ":CONSOLE(", "net::ERR_", "Refused to load"):
            assert problem not in proc.stderr, proc.stderr[-2000:]

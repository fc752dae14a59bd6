"""The PDF for a court (spec/report-pdf.md): ``provenote report`` writes PDF/A-3b carrying the
bundle byte for byte as an associated file; ``provenote verify report.pdf`` takes it out and
verifies it; hostile PDFs are one line and exit 2."""

from __future__ import annotations

import hashlib
import json
import os
import random
import re
import shutil
import stat
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from ledger import attachment_name, write_atomic
from tests.helpers import Cli, assert_one_line_error
from tests.test_involvement import ALICE, edit, gen, human_input, release, verify_chain
from verifier import Policy, UsageError, extract_pdf_bundle, verify_bundle
from verifier.format import BUNDLE_SUFFIX, key_id
from verifier.render import render_html

pypdf = pytest.importorskip("pypdf", reason="PYPDF IS NOT INSTALLED: pip install -e '.[pdf]'")

PDFAID = "{http://www.aiim.org/pdfa/ns/id/}"
CJK = re.compile(r"[\u4e00-\u9fff]")


def weasyprint_missing() -> str | None:
    """Why WeasyPrint cannot render here (not installed, or Pango missing), or None."""
    try:
        import weasyprint  # noqa: F401
    except ImportError:
        return "WEASYPRINT IS NOT INSTALLED: the PDF report was NOT tested (pip install -e '.[pdf]')"
    except OSError as e:
        return f"PANGO IS MISSING: the PDF report was NOT tested (.ci/run installs it): {e}"
    return None


needs_weasyprint = pytest.mark.skipif(weasyprint_missing() is not None, reason=weasyprint_missing() or "")


def cjk_font_installed() -> bool:
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return False
    fonts = subprocess.run([fc_list, ":lang=zh"], capture_output=True, text=True, check=False).stdout
    return bool(fonts.strip())


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A small valid bundle, the trusted key, and its PDF reports in English and Chinese."""
    reason = weasyprint_missing()
    if reason is not None:
        pytest.skip(reason)
    tmp = tmp_path_factory.mktemp("pdf")
    verify_chain(tmp, [gen("a.wav"), edit(["a.wav"], "b.wav", [[16_000, 32_000]]),
                       human_input("v.wav", [[40_000, 48_000]], layer="vocals"), release("b.wav")])
    (tmp / "alice.hex").write_text(ALICE.info.public_key.hex())
    cli = Cli(tmp)
    files = {"bundle": tmp / "w.bundle", "key": tmp / "alice.hex", "home": tmp}
    for lang in ("en", "zh"):
        out = tmp / f"report-{lang}.pdf"
        result = cli("report", "w.bundle", "-o", out.name, "--lang", lang, "--trust", "alice.hex")
        assert result.code == 0, result.err
        assert result.err == ""  # WeasyPrint's own warnings are not shown without --verbose
        assert out.name in result.out and hashlib.sha256(files["bundle"].read_bytes()).hexdigest() in result.out
        files[lang] = out
    return files


def bundle_attachments(pdf: Path) -> list[tuple[str, bytes, str]]:
    reader = pypdf.PdfReader(pdf)
    return [(f.name, f.content, f.associated_file_relationship) for f in reader.attachment_list]


@needs_weasyprint
def test_the_attachment_is_the_bundle_byte_for_byte(made: dict[str, Path]) -> None:
    bundle = made["bundle"].read_bytes()
    for lang in ("en", "zh"):
        assert bundle_attachments(made[lang]) == [("w.bundle", bundle, "/Source")]
        catalog = pypdf.PdfReader(made[lang]).trailer["/Root"]
        associated = [ref.get_object() for ref in catalog["/AF"]]
        assert len(associated) == 1  # the associated file, listed once
        assert associated[0]["/UF"] == "w.bundle" and associated[0]["/AFRelationship"] == "/Source"


@needs_weasyprint
def test_the_xmp_metadata_declares_pdfa_3b(made: dict[str, Path]) -> None:
    for lang in ("en", "zh"):
        assert made[lang].read_bytes().startswith(b"%PDF-1.7")
        xmp = pypdf.PdfReader(made[lang]).xmp_metadata
        assert xmp is not None
        root = ET.fromstring(xmp.stream.get_data())
        ids = {(d.get(f"{PDFAID}part"), d.get(f"{PDFAID}conformance")) for d in root.iter() if
               d.get(f"{PDFAID}part") is not None}
        assert ids == {("3", "B")}


def pdf_text(pdf: Path) -> str:
    """Every page's text, its white space folded to single spaces."""
    return " ".join(" ".join(page.extract_text() for page in pypdf.PdfReader(pdf).pages).split())


@needs_weasyprint
def test_the_report_text_is_in_the_pdf(made: dict[str, Path]) -> None:
    english = pypdf.PdfReader(made["en"]).pages[0].extract_text()
    assert "VALID" in english and "INVALID" not in english
    # "trusted" is the word of whoever made the PDF: said on the first page, with how to re-check
    first_page = " ".join(english.split())
    assert "trust list given by whoever generated this report" in first_page
    assert "provenote-verify REPORT.pdf --trust YOUR-KEY.pem" in first_page
    whole = pdf_text(made["en"])
    assert "Keys trusted by whoever generated this report" in whole
    assert key_id(ALICE.info.public_key).hex() in whole.replace(" ", "")  # the list, by full key id
    if not cjk_font_installed():
        pytest.skip("NO CJK FONT (fc-list :lang=zh is empty): the zh PDF was NOT checked (apt-get install "
                    "fonts-noto-cjk)")
    chinese = pypdf.PdfReader(made["zh"]).pages[0].extract_text()
    assert "有效" in chinese and len(CJK.findall(chinese)) > 20


@needs_weasyprint
def test_verify_takes_the_bundle_out_of_the_pdf(made: dict[str, Path]) -> None:
    cli = Cli(made["home"])
    digest = hashlib.sha256(made["bundle"].read_bytes()).hexdigest()
    for args, module in ((["verify", made["en"].name], "cli"), ([made["zh"].name, "--trust", "alice.hex"], "verifier")):
        result = cli(*args, module=module)
        assert result.code == 0, result.err
        first, second = result.out.splitlines()[:2]
        assert "attachment w.bundle" in first and digest in first
        assert "pages were not checked, only the bundle attached" in second  # the pages are not evidence
        assert "VALID" in result.out
    as_json = cli(made["en"].name, "--json", module="verifier")
    assert as_json.code == 0, as_json.err
    parsed = json.loads(as_json.out)
    assert parsed["pdf"] == {"file": made["en"].name, "attachment": "w.bundle", "sha256": digest,
                             "pages_checked": False}
    assert parsed["valid"] is True


@needs_weasyprint
def test_a_tampered_attachment_fails(made: dict[str, Path], tmp_path: Path) -> None:
    writer = pypdf.PdfWriter(clone_from=made["en"])
    (attachment,) = list(writer.attachment_list)
    data = bytearray(attachment.content)
    data[len(data) // 2] ^= 1
    attachment.content = bytes(data)
    tampered = tmp_path / "tampered.pdf"
    writer.write(tampered)
    assert bundle_attachments(tampered)[0][1] == bytes(data)
    result = Cli(tmp_path)("verify", tampered.name)
    assert result.code == 1, result.err
    assert "INVALID" in result.out


@needs_weasyprint
def test_an_invalid_bundle_still_gets_its_red_report(made: dict[str, Path], tmp_path: Path) -> None:
    data = bytearray(made["bundle"].read_bytes())
    data[len(data) // 2] ^= 1
    (tmp_path / "bad.bundle").write_bytes(bytes(data))
    result = Cli(tmp_path)("report", "bad.bundle", "-o", "bad.pdf")
    assert result.code == 1
    assert "INVALID" in result.err and "Traceback" not in result.err
    assert bundle_attachments(tmp_path / "bad.pdf") == [("bad.bundle", bytes(data), "/Source")]
    assert "INVALID" in pypdf.PdfReader(tmp_path / "bad.pdf").pages[0].extract_text()


def test_report_checks_its_options_before_it_reads_the_bundle(tmp_path: Path) -> None:
    """--tz, --trust, --require-trusted, --quorum, --tsa-root, --witness, --known-checkpoint are
    checked first, by the verifier's own rules: the bundle named does not even exist."""
    cli = Cli(tmp_path)
    (tmp_path / "junk.pem").write_text("not a certificate")
    for options, said in ((["--tz", "Mars/Olympus_Mons"], "--tz Mars/Olympus_Mons"),
                          (["--tz", "+24:00"], "--tz +24:00"),
                          (["--require-trusted"], "--require-trusted needs at least one --trust key"),
                          (["--quorum", "1"], "--quorum needs at least one --witness key"),
                          (["--tsa-root", "junk.pem"], "junk.pem"),
                          (["--witness", "nobody+00000000+AAAA"], "--witness"),
                          (["--known-checkpoint", "junk.pem"], "--known-checkpoint junk.pem"),
                          (["--trust", "junk.pem"], "--trust junk.pem")):
        result = cli("report", "missing.bundle", "-o", "x.pdf", *options)
        assert_one_line_error(result)
        assert said in result.err and "missing.bundle" not in result.err, (options, result.err)
    verifier = cli("missing.bundle", "--tz", "Mars/Olympus_Mons", module="verifier")
    assert_one_line_error(verifier)
    assert "--tz Mars/Olympus_Mons" in verifier.err
    assert list(tmp_path.glob("*.pdf")) == []


@pytest.mark.skipif(shutil.which("openssl") is None, reason="the demo's timestamp authority needs openssl")
@needs_weasyprint
def test_a_pdf_of_an_anchored_bundle_reports_trusted_time(tmp_path: Path) -> None:
    """The demo's bundle is timestamped and witnessed: with the verifier's --tsa-root and
    --witness, `provenote report` shows the time as trusted and the witnesses; without them the
    stamp is untrusted. The PDF follows the umask (it carries the whole bundle); times in +08:00."""
    from cli.demo import run_demo

    demo = run_demo(tmp_path / "story")
    assert demo.tsa_root is not None
    trust = [a for p in demo.trust_files for a in ("--trust", str(p))]
    cli = Cli(tmp_path)
    old = os.umask(0o077)
    try:
        result = cli("report", str(demo.bundle.path), "-o", "anchored.pdf", "--tz", "+08:00", *trust,
                     "--require-trusted", "--tsa-root", str(demo.tsa_root), "--witness", demo.witness,
                     "--quorum", "1", "--json")
    finally:
        os.umask(old)
    assert result.code == 0, result.err
    assert json.loads(result.out)["trusted"] is True
    pdf = tmp_path / "anchored.pdf"
    assert stat.S_IMODE(pdf.stat().st_mode) == 0o600
    text = pdf_text(pdf)
    assert "Night Market demo TSA" in text and "Timestamp not trusted" not in text
    assert "No trusted timestamp shows when these events existed" not in text
    assert "cosigned by your quorum of witnesses" in text
    assert "UTC+08:00" in text and "+08:00" in text.split("Recorded between", 1)[1][:60]
    untrusted = render_html(verify_bundle(demo.bundle.path, Policy([load_pem(p) for p in demo.trust_files])), "en")
    assert "Timestamp not trusted" in untrusted  # the same bundle without --tsa-root


def load_pem(path: Path) -> bytes:
    from verifier.format import parse_public_key_text

    return parse_public_key_text(path.read_text())


def test_write_atomic_follows_the_umask_unless_given_a_mode(tmp_path: Path) -> None:
    old = os.umask(0o027)
    try:
        write_atomic(tmp_path / "shared.txt", b"a")
        write_atomic(tmp_path / "secret.txt", b"b", mode=0o600)
        write_atomic(tmp_path / "shared.txt", b"c")  # replaced: a new file, the umask again
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "shared.txt").stat().st_mode) == 0o640
    assert stat.S_IMODE((tmp_path / "secret.txt").stat().st_mode) == 0o600
    assert (tmp_path / "shared.txt").read_bytes() == b"c"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["secret.txt", "shared.txt"]  # no temporary left
    (tmp_path / "link").symlink_to(tmp_path / "secret.txt")
    with pytest.raises(UsageError, match="symbolic link"):
        write_atomic(tmp_path / "link", b"x")
    assert (tmp_path / "secret.txt").read_bytes() == b"b"


def test_reading_a_pdf_without_pypdf_says_to_install_pypdf(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Reading needs only pypdf (not WeasyPrint and Pango): the message says so."""
    (tmp_path / "r.pdf").write_bytes(b"%PDF-1.7\n")
    monkeypatch.setitem(sys.modules, "pypdf", None)  # import pypdf raises ImportError
    with pytest.raises(UsageError, match=r"pip install pypdf") as raised:
        extract_pdf_bundle(tmp_path / "r.pdf")
    assert "weasyprint" not in str(raised.value).lower()


def test_the_attachment_name_ends_in_the_suffix_the_verifier_looks_for() -> None:
    for name in ("night-market.bundle", "x", "évidence 1.BUNDLE", "a" * 300):
        made = attachment_name(Path(name))
        assert made.endswith(BUNDLE_SUFFIX) and len(made) <= 100 and made.count(BUNDLE_SUFFIX) == 1, made


def test_report_refuses_bad_input_in_one_line(tmp_path: Path) -> None:
    cli = Cli(tmp_path)
    (tmp_path / "junk.bundle").write_bytes(b"not a bundle at all")
    assert_one_line_error(cli("report", "junk.bundle", "-o", "junk.pdf"))
    assert not (tmp_path / "junk.pdf").exists()
    assert_one_line_error(cli("report", "missing.bundle", "-o", "x.pdf"))
    if weasyprint_missing() is None:
        verify_chain(tmp_path, [gen("a.wav"), release("a.wav")])
        assert_one_line_error(cli("report", "w.bundle", "-o", "w.pdf", "--tz", "Mars/Olympus_Mons"))
    assert list(tmp_path.glob("*.pdf")) == [] and list(tmp_path.glob(".provenote-report-*")) == []


def hostile_pdfs(tmp_path: Path) -> dict[str, bytes]:
    """PDFs the verifier must refuse in one line: none hold exactly one readable bundle."""
    blank = pypdf.PdfWriter()
    blank.add_blank_page(595, 842)
    blank.add_attachment("notes.txt", b"not a bundle")
    blank.write(tmp_path / "blank.pdf")
    two = pypdf.PdfWriter()
    two.add_blank_page(595, 842)
    two.add_attachment("a.bundle", b"first")
    two.add_attachment("b.bundle", b"second")
    two.write(tmp_path / "two.pdf")
    whole = (tmp_path / "two.pdf").read_bytes()
    return {
        "no-attachment.pdf": (tmp_path / "blank.pdf").read_bytes(),
        "two-bundles.pdf": whole,
        "truncated.pdf": whole[: len(whole) // 3],
        "random.pdf": b"%PDF-1.7\n" + random.Random(12).randbytes(4096),
        "header-only.pdf": b"%PDF-",
    }


@pytest.mark.parametrize("module", ["verifier", "cli"])
def test_hostile_pdfs_are_one_line_errors(tmp_path: Path, module: str) -> None:
    cli = Cli(tmp_path)
    for name, data in hostile_pdfs(tmp_path).items():
        (tmp_path / name).write_bytes(data)
        result = cli(*(["verify"] if module == "cli" else []), name, module=module)
        assert_one_line_error(result)
        assert name in result.err, result.err

"""The evidence package for litigation (spec/package.md): ``provenote export --package`` writes a
BagIt bag (RFC 8493) sealed by the exporting key; ``provenote-verify --package`` checks every
file, the seal and the bundle, and names the file of every defect (issue 10)."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
from pathlib import Path

import cbor2
import pytest

from ledger import AttachmentStore, EventDraft, Ledger
from tests.helpers import Cli, assert_one_line_error, fixed_signer, write_wav
from verifier import verify_package
from verifier.format import key_id, protected_header, sign1

CLERK = fixed_signer(41, "clerk", "assistant")
MALLORY = fixed_signer(66, "mallory", "forger")
SEAL = "tagmanifest-sha256.txt.cose"
CTYPE_SEAL = "application/vnd.provenote.bag-seal.v1+cbor"


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory, key_template: Path) -> dict[str, object]:
    """One package, made once: a generation with its audio, a contract in the attachment store."""
    home = tmp_path_factory.mktemp("package")
    shutil.copytree(key_template, home / "keys")
    cli = Cli(home)
    assert cli("init").code == 0
    work = json.loads(cli("work", "new", "--title", "Night Market 夜市", "--as", "alice", "--json").out)["work"]
    write_wav(home / "take1.wav", 5, seed=3)
    result = cli("record", "generation", work, "--as", "alice", "--model", "cue-gen", "--model-version", "2.1",
                 "--provider", "ExampleAI", "--prompt", "erhu lead, 90 bpm", "--output", "take1.wav")
    assert result.code == 0, result.err
    contract = home / "sync licence.pdf"
    contract.write_bytes(b"%PDF-1.4 sync licence to the drama's producer, countersigned\n")
    reference = AttachmentStore(home / "ledger").add(contract)
    contract.unlink()
    with Ledger.open(home / "ledger") as book:
        book.append(book.resolve_work(work), CLERK,
                    EventDraft("import", {"output": reference, "source": "the signed sync licence, scanned"}))
    result = cli("export", work, "--package", "pkg", "--as", "alice", "--case", "HK-2025-0042",
                 "--attachments", "--assets-from", ".", "--json")
    assert result.code == 0, result.err
    return {"cli": cli, "work": work, "package": home / "pkg", "summary": json.loads(result.out),
            "attachment": reference}


def _copy(made: dict[str, object], tmp_path: Path) -> Path:
    target = tmp_path / "pkg"
    shutil.copytree(Path(str(made["package"])), target, symlinks=True)
    return target


def _verify(cli: Cli, package: Path, *extra: str) -> tuple[int, list[str], str]:
    result = cli("verify", "--package", str(package), *extra)
    defects = [line.strip() for line in result.out.splitlines() if line.startswith("  ")]
    return result.code, defects, result.out + result.err


def _files(package: Path) -> list[str]:
    return sorted(p.relative_to(package).as_posix() for p in package.rglob("*") if p.is_file())


def _attachment_file(package: Path) -> str:
    return next(name for name in _files(package) if name.startswith("data/attachments/"))


# -- what is written --------------------------------------------------------------------------------

def test_the_package_is_a_bagit_bag_with_the_bundle_reports_attachments_and_audio(made: dict[str, object]) -> None:
    package, work, cli = Path(str(made["package"])), str(made["work"]), made["cli"]
    assert isinstance(cli, Cli)
    attachment = made["attachment"]
    assert isinstance(attachment, dict)
    files = _files(package)
    assert files == sorted([
        "bag-info.txt", "bagit.txt", "manifest-sha256.txt", "tagmanifest-sha256.txt", SEAL,
        f"data/{work}.bundle", "data/report.html", "data/report-zh.html", "data/audio/take1.wav",
        f"data/attachments/{attachment['sha256'].hex()}-sync licence.pdf"])
    assert (package / "bagit.txt").read_bytes() == b"BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n"

    manifest = (package / "manifest-sha256.txt").read_text("utf-8").splitlines()
    listed = {}
    for line in manifest:
        digest, path = re.fullmatch(r"([0-9a-f]{64})  (data/.+)", line).groups()  # type: ignore[union-attr]
        listed[path] = digest
    payload = [name for name in files if name.startswith("data/")]
    assert sorted(listed) == payload
    for path, digest in listed.items():
        assert hashlib.sha256((package / path).read_bytes()).hexdigest() == digest

    tags = {name: digest for digest, name in (line.split("  ", 1) for line in
                                              (package / "tagmanifest-sha256.txt").read_text().splitlines())}
    assert sorted(tags) == ["bag-info.txt", "bagit.txt", "manifest-sha256.txt"]  # never itself, never the seal
    for name, digest in tags.items():
        assert hashlib.sha256((package / name).read_bytes()).hexdigest() == digest

    info = dict(line.split(": ", 1) for line in (package / "bag-info.txt").read_text("utf-8").splitlines())
    bundle = package / "data" / f"{work}.bundle"
    alice = json.loads(cli("key", "export", "alice", "--json").out)
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", info["Bagging-Date"])
    assert info["Payload-Oxum"] == f"{sum((package / p).stat().st_size for p in payload)}.{len(payload)}"
    assert info["Case-Reference"] == "HK-2025-0042"
    assert info["Work-Id"] == work and info["Work-Title"] == "Night Market 夜市"
    assert info["Exporter"] == f"alice (key id {key_id(bytes.fromhex(alice['public_key'])).hex()})"
    assert info["Bundle-SHA256"] == hashlib.sha256(bundle.read_bytes()).hexdigest()

    seal = cbor2.loads((package / SEAL).read_bytes())
    assert seal.tag == 18
    protected, unprotected, signed, _ = seal.value
    assert unprotected == {} and signed == (package / "tagmanifest-sha256.txt").read_bytes()
    assert protected == protected_header(CTYPE_SEAL, bytes.fromhex(alice["public_key"]), work)

    report = (package / "data" / "report.html").read_text("utf-8")
    assert report.startswith("<!DOCTYPE html>") and 'lang="en"' in report
    assert 'lang="zh-Hans"' in (package / "data" / "report-zh.html").read_text("utf-8")
    # The audio and the attachment are files of the bag, not embedded in its bundle a second time.
    assert b"sync licence to the drama" not in bundle.read_bytes()
    summary = made["summary"]
    assert isinstance(summary, dict)
    assert (summary["attachments"], summary["audio"], summary["assets_missing"]) == (1, 1, 0)


def test_the_package_verifies(made: dict[str, object]) -> None:
    cli = made["cli"]
    assert isinstance(cli, Cli)
    code, defects, output = _verify(cli, Path(str(made["package"])))
    assert code == 0 and defects == [], output
    assert "PACKAGE INTACT" in output and "VALID" in output
    result = cli("verify", "--package", str(made["package"]), "--json")
    as_json = json.loads(result.out)
    assert result.code == 0 and as_json["package"]["intact"] and as_json["bundle"]["valid"]
    assert as_json["bundle"]["assets"]["checked"] == 2  # the package's files against the events' hashes
    report = verify_package(Path(str(made["package"])))
    assert report.exit_code == 0 and report.sealed_by is not None


def test_an_independent_bagit_implementation_validates_it(made: dict[str, object]) -> None:
    bagit = pytest.importorskip("bagit")
    bag = bagit.Bag(str(made["package"]))
    bag.validate()  # every payload file and tag file against the manifests, and Payload-Oxum
    assert bag.info["Case-Reference"] == "HK-2025-0042"


# -- tampering: every changed, added or removed file is named ----------------------------------------

CHANGED = ["bundle", "data/report.html", "data/report-zh.html", "attachment", "data/audio/take1.wav",
           "bag-info.txt", "bagit.txt", "manifest-sha256.txt", "tagmanifest-sha256.txt", SEAL]


def _resolve(name: str, package: Path, work: str) -> str:
    return {"bundle": f"data/{work}.bundle", "attachment": _attachment_file(package)}.get(name, name)


@pytest.mark.parametrize("name", CHANGED)
def test_one_byte_changed_in_any_file_is_named(made: dict[str, object], tmp_path: Path, name: str) -> None:
    package = _copy(made, tmp_path)
    relative = _resolve(name, package, str(made["work"]))
    data = bytearray((package / relative).read_bytes())
    data[len(data) // 2] ^= 0x20
    (package / relative).write_bytes(bytes(data))
    cli = made["cli"]
    assert isinstance(cli, Cli)
    code, defects, output = _verify(cli, package)
    assert code == 1, output
    assert any(line.startswith(f"{relative}: ") for line in defects), output
    assert "PACKAGE DEFECTIVE" in output


@pytest.mark.parametrize("name", ["data/extra.txt", "data/attachments/another.pdf", "data/audio/x.wav",
                                  "notes.txt", "fetch.txt"])
def test_an_added_file_is_named(made: dict[str, object], tmp_path: Path, name: str) -> None:
    package = _copy(made, tmp_path)
    (package / name).write_bytes(b"added later\n")
    cli = made["cli"]
    assert isinstance(cli, Cli)
    code, defects, output = _verify(cli, package)
    assert code == 1, output
    assert any(line.startswith(f"{name}: ") for line in defects), output


@pytest.mark.parametrize("name", ["bundle", "data/report.html", "data/report-zh.html", "attachment",
                                  "data/audio/take1.wav", "bag-info.txt", "bagit.txt", "manifest-sha256.txt",
                                  "tagmanifest-sha256.txt", SEAL])
def test_a_removed_file_is_named(made: dict[str, object], tmp_path: Path, name: str) -> None:
    package = _copy(made, tmp_path)
    relative = _resolve(name, package, str(made["work"]))
    (package / relative).unlink()
    cli = made["cli"]
    assert isinstance(cli, Cli)
    code, defects, output = _verify(cli, package)
    assert code == 1, output
    assert any(line.startswith(f"{relative}: ") for line in defects), output


def test_a_consistently_rewritten_tag_manifest_breaks_the_seal(made: dict[str, object], tmp_path: Path) -> None:
    """Changing bag-info.txt and updating the tag manifest to match leaves the seal's signature over
    the old tag manifest: the tag manifest is named."""
    package = _copy(made, tmp_path)
    info = (package / "bag-info.txt").read_text("utf-8").replace("HK-2025-0042", "HK-2025-0043")
    (package / "bag-info.txt").write_text(info, "utf-8")
    tags = "".join(f"{hashlib.sha256((package / n).read_bytes()).hexdigest()}  {n}\n"
                   for n in ("bag-info.txt", "bagit.txt", "manifest-sha256.txt"))
    (package / "tagmanifest-sha256.txt").write_text(tags)
    cli = made["cli"]
    assert isinstance(cli, Cli)
    code, defects, output = _verify(cli, package)
    assert code == 1
    assert defects == [f"tagmanifest-sha256.txt: not the tag manifest that {SEAL} signs (changed after the "
                       "package was sealed)"], output


def test_a_seal_by_another_key_is_refused(made: dict[str, object], tmp_path: Path) -> None:
    """Whoever rewrites the package and seals it again with their own key is not the bundle's exporter."""
    package = _copy(made, tmp_path)
    tags = (package / "tagmanifest-sha256.txt").read_bytes()
    forged = sign1(protected_header(CTYPE_SEAL, MALLORY.info.public_key, str(made["work"])), tags, MALLORY.sign)
    (package / SEAL).write_bytes(forged)
    cli = made["cli"]
    assert isinstance(cli, Cli)
    code, defects, output = _verify(cli, package)
    assert code == 1
    assert len(defects) == 1 and defects[0].startswith(f"{SEAL}: signed by key "), output
    assert "not by the bundle's exporter" in defects[0]


def test_links_and_paths_outside_the_package_are_never_followed(made: dict[str, object], tmp_path: Path) -> None:
    package = _copy(made, tmp_path)
    secret = tmp_path / "secret.txt"
    secret.write_text("outside")
    os.symlink(secret, package / "data" / "link.txt")
    with (package / "manifest-sha256.txt").open("a") as handle:
        handle.write(f"{hashlib.sha256(b'outside').hexdigest()}  data/../../secret.txt\n")
    cli = made["cli"]
    assert isinstance(cli, Cli)
    code, defects, output = _verify(cli, package)
    assert code == 1
    assert any(line.startswith("data/link.txt: ") for line in defects), output
    assert any(line.startswith("manifest-sha256.txt: ") and "not a relative path inside" in line
               for line in defects), output


# -- the commands' edges ------------------------------------------------------------------------------

def test_export_refuses_a_non_empty_folder_and_fills_an_empty_one(made: dict[str, object], tmp_path: Path) -> None:
    cli, work = made["cli"], str(made["work"])
    assert isinstance(cli, Cli)
    full = tmp_path / "full"
    full.mkdir()
    (full / "keep.txt").write_text("mine")
    result = cli("export", work, "--package", str(full), "--as", "alice")
    assert_one_line_error(result)
    assert "not empty" in result.err and _files(full) == ["keep.txt"]
    empty = tmp_path / "empty"
    empty.mkdir()
    result = cli("export", work, "--package", str(empty), "--as", "alice")
    assert result.code == 0, result.err
    assert (empty / SEAL).is_file() and cli("verify", "--package", str(empty)).code == 0
    assert not list(tmp_path.glob(".provenote-package-*"))
    # Without --attachments and --assets-from: the bundle and its reports only, the assets counted not found.
    assert [n for n in _files(empty) if n.startswith("data/")] == [f"data/{work}.bundle", "data/report-zh.html",
                                                                  "data/report.html"]


@pytest.mark.parametrize("args", [["-o", "x.bundle", "--package", "p"], [], ["-o", "x.bundle", "--case", "A-1"],
                                  ["--package", "p", "--case", "two\nlines"]])
def test_export_usage_errors(made: dict[str, object], args: list[str]) -> None:
    cli = made["cli"]
    assert isinstance(cli, Cli)
    result = cli("export", str(made["work"]), "--as", "alice", *args)
    assert_one_line_error(result)


def test_verify_package_usage_errors(made: dict[str, object], tmp_path: Path) -> None:
    cli = made["cli"]
    assert isinstance(cli, Cli)
    assert_one_line_error(cli("verify", "--package", str(tmp_path / "nowhere")))
    assert_one_line_error(cli("verify", "x.bundle", "--package", str(made["package"])))
    assert_one_line_error(cli("verify"))
    assert_one_line_error(cli("verify", "--package", str(made["package"]), "--assets", "."))
    (tmp_path / "file").write_text("x")
    assert_one_line_error(cli("verify", "--package", str(tmp_path / "file")))


def test_a_folder_that_is_no_package_fails_naming_what_is_missing(made: dict[str, object], tmp_path: Path) -> None:
    cli = made["cli"]
    assert isinstance(cli, Cli)
    code, defects, output = _verify(cli, tmp_path)
    assert code == 1
    for name in ("bagit.txt", "bag-info.txt", "manifest-sha256.txt", "tagmanifest-sha256.txt", SEAL, "data/"):
        assert any(line.startswith(f"{name}: ") for line in defects), output


def test_no_private_plaintext_in_a_package_exported_without_disclosure(tmp_path: Path) -> None:
    """The demo's studio: prompts, fees, scopes, notes and payment references stay out of every
    file of the package (bundle, both reports, bag files) unless disclosed."""
    from cli.bundles import package_reports
    from cli.demo import run_demo
    from ledger import export_package

    result = run_demo(tmp_path / "demo")
    # (a payment's amount is a public field: licensing.md §2 — so the fee is not in this list)
    secrets = ["60 s lo-fi night market cue", "One cue, any episode",
               "Background music of the series", "SampleHouse invoice SH-2291", "rising fourth answered",
               "Delivered to the music supervisor"]
    with Ledger.open(result.ledger, readonly=True) as book:
        work = book.works()[0].work
        from ledger import KeyStore

        legal = KeyStore(result.keys).unlock("legal", "night-market-demo")
        export_package(book, work, legal, tmp_path / "sealed", reports=package_reports)
    files = [p for p in (tmp_path / "sealed").rglob("*") if p.is_file()]
    assert any(p.suffix == ".bundle" for p in files) and any(p.name == "report-zh.html" for p in files)
    for path in files:
        data = path.read_bytes()
        for secret in secrets:
            assert secret.encode("utf-8") not in data, (path.name, secret)
    assert verify_package(tmp_path / "sealed").exit_code == 0


def test_a_link_in_the_package_is_never_opened(made: dict[str, object], tmp_path: Path) -> None:
    """A symbolic link in data/ to a file outside: reported, and never read or counted as checked."""
    package = Path(str(made["package"]))
    copy = tmp_path / "linked"
    shutil.copytree(package, copy, symlinks=True)
    victim = sorted((copy / "data" / "audio").iterdir())[0]
    outside = tmp_path / "outside.wav"
    shutil.copy(victim, outside)
    victim.unlink()
    victim.symlink_to(outside)
    baseline = verify_package(package).bundle
    report = verify_package(copy)
    assert report.exit_code == 1 and report.bundle is not None and baseline is not None
    assert report.bundle.assets_checked == baseline.assets_checked - 1  # the outside file was not read

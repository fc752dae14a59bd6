"""The Python API a tool or DAW plug-in uses (issue 12, "The API"): the public faces ``ledger``
and ``verifier`` give the default ledger and key store, asset references from files, typed event
drafts, export and verification — from public names only — each documented where ``help()``
shows it, and expected errors that name only public types.

The rule for errors a caller sees (decided here): for each expected failure, the exception
raised and every exception chained to it (``__cause__``, ``__context__``) — the ones
``traceback.format_exception`` prints as ``module.Type: message`` — has a type whose
``__module__`` has no component starting with ``_`` (``ledger.LedgerError``, never
``ledger._store.LedgerError``) and is the very class that module exports under that name; the
error's message is one non-empty line. The traceback's frames still show the files where the
code lives (``ledger/_store.py``): those are locations, not names a caller imports or catches.
"""

from __future__ import annotations

import hashlib
import importlib
import inspect
import traceback
import wave
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

import ledger
import verifier
import verifier.format
from ledger import drafts
from verifier import Policy, verify_bundle

PASSPHRASE = "a long passphrase for tests"


def _wav(path: Path, level: int, seconds: int = 40) -> Path:
    with wave.open(str(path), "wb") as audio:
        audio.setnchannels(1)
        audio.setsampwidth(2)
        audio.setframerate(8000)
        audio.writeframes(bytes([level, 0]) * 8000 * seconds)
    return path


@pytest.fixture
def studio(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder with the default ledger in ``./.provenote`` and keys under ``$XDG_CONFIG_HOME``,
    as a creator's machine has them after ``provenote init`` and ``provenote key new mei``."""
    for name in (ledger.LEDGER_ENV, ledger.KEYS_ENV):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.chdir(tmp_path)
    ledger.Ledger.init(ledger.default_ledger_dir()).close()
    ledger.default_key_store().create("mei", "composer", PASSPHRASE)
    return tmp_path


# -- the plug-in route, end to end -------------------------------------------------------------

def test_a_plug_in_records_exports_and_verifies_from_public_names(studio: Path) -> None:
    take = _wav(studio / "take1.wav", 1)
    edit = _wav(studio / "edit.wav", 2)
    with ledger.open_default_ledger() as book:
        mei = ledger.default_key_store().unlock("mei", PASSPHRASE)
        work = book.create_work(mei, "Rain Cue").work
        take_ref = ledger.asset_from_file(take)
        made = book.append(work, mei, drafts.generation(
            model="cue-gen", provider="ExampleAI", outputs=[take_ref], prompt="rain on a tin roof", seed=7,
            params={"temperature": 0.7}, occurred=datetime(2026, 11, 30, 9, 15, tzinfo=UTC)))
        tweaked = book.append(work, mei, drafts.parameter_edit(of=made, params={"temperature": 0.5},
                                                               outputs=["take1.wav"]))
        book.append(work, mei, drafts.human_edit(inputs=[take_ref], output=edit, kind="melody",
                                                 segments=[(16_000, 32_000)], stems=["erhu"], tool="Reaper 7",
                                                 minutes=45, note="rewrote bars 9-16"))
        book.append(work, mei, drafts.release(asset="edit.wav", isrc="CNA0X2600001",
                                              occurred="2026-12-01T10:00:00+08:00"))
        result = ledger.export_bundle(book, work, mei, studio / "rain.bundle", assets_from=studio)
        chain = [stored.event.payload for stored in book.chain(work)]

    assert [p.type for p in chain] == ["work.created", "generation", "parameter-edit", "human-edit", "release"]
    generation, parameter_edit, human_edit, release = chain[1:]
    assert take_ref["sha256"] == hashlib.sha256(take.read_bytes()).digest()  # the bytes, nothing else
    assert take_ref["duration_ms"] == 40_000 and take_ref["media_type"] == "audio/wav"
    assert generation.body["outputs"] == [take_ref]
    assert "prompt" not in generation.body and set(generation.commitments) == {"prompt"}  # kept private
    assert generation.occurred == int(datetime(2026, 11, 30, 9, 15, tzinfo=UTC).timestamp()) * 1_000_000
    assert parameter_edit.body["of"] == made.hash and tweaked.seq == 2  # an Appended names its event
    assert human_edit.body["segments"] == [[16_000, 32_000]]
    # the source type comes from the work's lineage: the edited take is AI material
    assert human_edit.body["digital_source_type"] == "compositeWithTrainedAlgorithmicMedia"
    assert release.body["asset"] == ledger.asset_from_file(edit)
    assert release.occurred == int(datetime(2026, 12, 1, 2, 0, tzinfo=UTC).timestamp()) * 1_000_000
    assert result.events == 5 and result.assets_embedded == 2

    report = verify_bundle(studio / "rain.bundle", Policy([mei.info.public_key], require_trusted=True))
    assert (report.valid, report.trusted, list(report.errors)) == (True, True, [])
    report.raise_for_invalid()


def test_drafts_refuse_what_the_format_refuses_naming_the_field(studio: Path) -> None:
    take = _wav(studio / "take1.wav", 1)
    with pytest.raises(ledger.LedgerError, match="kind"):
        drafts.human_edit(inputs=[take], output=take, kind="vibes")
    with pytest.raises(ledger.LedgerError, match="outputs is a list"):
        drafts.generation(model="cue-gen", outputs=take)  # type: ignore[arg-type]  # one file, not a list
    with pytest.raises(ledger.LedgerError, match="time zone"):
        drafts.note(text="idea", occurred=datetime(2026, 1, 1))  # naive: when is that?
    with pytest.raises(ledger.LedgerError, match="earlier event"):
        drafts.attestation(about="deadbeef", statement="made by our model")  # type: ignore[arg-type]
    with pytest.raises(ledger.AssetError, match="file not found"):
        drafts.release(asset=studio / "missing.wav")


def test_asset_from_file_takes_a_name_and_a_duration_the_file_cannot_give(tmp_path: Path) -> None:
    sheet = tmp_path / "lead-sheet.pdf"
    sheet.write_bytes(b"%PDF-1.7 a lead sheet")
    ref = ledger.asset_from_file(str(sheet), duration_seconds=12.5, name="Lead sheet v2.pdf")
    assert ref == {"sha256": hashlib.sha256(sheet.read_bytes()).digest(), "size": sheet.stat().st_size,
                   "media_type": "application/pdf", "name": "Lead sheet v2.pdf", "duration_ms": 12_500}


# -- the defaults: one rule for the API and the command line -----------------------------------

def test_the_default_locations_follow_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ledger.LEDGER_ENV, raising=False)
    monkeypatch.delenv(ledger.KEYS_ENV, raising=False)
    monkeypatch.delenv("XDG_CONFIG_HOME", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    assert ledger.default_ledger_dir() == Path(".provenote")
    assert ledger.default_keys_dir() == tmp_path / ".config" / "provenote" / "keys"
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    assert ledger.default_keys_dir() == tmp_path / "xdg" / "provenote" / "keys"
    monkeypatch.setenv(ledger.LEDGER_ENV, str(tmp_path / "book"))
    monkeypatch.setenv(ledger.KEYS_ENV, str(tmp_path / "keys"))
    assert ledger.default_ledger_dir() == tmp_path / "book"
    assert ledger.default_key_store().directory == tmp_path / "keys"


def test_the_command_line_uses_the_same_defaults(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from click.testing import CliRunner

    from cli.main import app

    for name in (ledger.LEDGER_ENV, ledger.KEYS_ENV):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("PROVENOTE_PASSPHRASE", PASSPHRASE)
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    assert runner.invoke(app, ["init"]).exit_code == 0
    assert runner.invoke(app, ["key", "new", "mei", "--role", "composer"]).exit_code == 0
    with ledger.open_default_ledger(readonly=True) as book:  # the ledger `provenote init` made
        assert book.works() == []
    assert ledger.default_key_store().info("mei").role == "composer"  # the key `key new` wrote
    monkeypatch.setenv(ledger.LEDGER_ENV, str(tmp_path / "elsewhere"))
    assert runner.invoke(app, ["init"]).exit_code == 0
    assert (tmp_path / "elsewhere" / "data.mdb").is_file()


# -- help() shows a docstring for every public name --------------------------------------------

def _documented_names(module: ModuleType) -> Iterator[tuple[str, Any]]:
    """The classes, functions and modules of ``module.__all__`` (constants carry no docstring
    of their own in ``help()``; their comments are in the source)."""
    for name in module.__all__:
        value = getattr(module, name)
        if inspect.isclass(value) or inspect.isroutine(value) or inspect.ismodule(value):
            yield name, value


def _own_doc(name: str, value: Any) -> str:
    """The docstring written for ``value`` itself: not one inherited from a base class, nor the
    signature that dataclasses and named tuples put there when there is none."""
    doc = value.__dict__.get("__doc__") if inspect.isclass(value) else value.__doc__
    if not isinstance(doc, str) or doc.startswith(f"{name}("):
        return ""
    return doc.strip()


@pytest.mark.parametrize("module", [ledger, verifier, drafts], ids=lambda m: m.__name__)
def test_every_public_name_has_a_docstring(module: ModuleType) -> None:
    assert module.__doc__ and module.__doc__.strip()
    names = dict(_documented_names(module))
    assert names  # the face exports something to document
    assert [name for name, value in names.items() if not _own_doc(name, value)] == []


def test_help_on_the_writer_leads_to_the_typed_drafts() -> None:
    import pydoc

    text = pydoc.plain(pydoc.render_doc(ledger))
    for name in ("open_default_ledger", "default_key_store", "asset_from_file", "ledger.drafts"):
        assert name in text
    typed = [name for name, _ in _documented_names(drafts) if name != "asset_from_file"]
    assert {"generation", "human_edit", "release", "note"} <= set(typed)


# -- expected errors name public types ---------------------------------------------------------

def _public_type(kind: type[BaseException]) -> bool:
    module = kind.__module__
    if any(part.startswith("_") for part in module.split(".")) and module != "builtins":
        return False
    return getattr(importlib.import_module(module), kind.__qualname__, None) is kind


def _chain(error: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def _raised(action: Callable[[], object]) -> BaseException:
    try:
        action()
    except Exception as error:  # the caller's view: whatever the API raised
        return error
    raise AssertionError("expected an error")


def _expected_errors(studio: Path, book: ledger.Ledger) -> dict[str, Callable[[], object]]:
    _wav(studio / "take1.wav", 1)
    (studio / "garbage.bundle").write_bytes(b"not a bundle at all")
    return {
        "no ledger": lambda: ledger.Ledger.open(studio / "nowhere"),
        "unknown work": lambda: book.resolve_work("deadbeefdeadbeef"),
        "no such key": lambda: ledger.default_key_store().unlock("nobody", PASSPHRASE),
        "wrong passphrase": lambda: ledger.default_key_store().unlock("mei", "not the passphrase"),
        "missing file": lambda: ledger.asset_from_file(studio / "missing.wav"),
        "bad draft": lambda: drafts.generation(model="", outputs=["take1.wav"]),
        "bad draft type": lambda: ledger.EventDraft("remix", {}),
        "bad time": lambda: drafts.note(text="x", occurred="yesterday"),
        "bad policy": lambda: Policy(require_trusted=True),
        "unreadable bundle": lambda: verify_bundle(studio / "garbage.bundle", Policy()).raise_for_invalid(),
    }


def test_expected_errors_show_only_public_type_names_and_one_line(studio: Path) -> None:
    with ledger.open_default_ledger() as book:
        errors = {what: _raised(action) for what, action in _expected_errors(studio, book).items()}
    for what, error in errors.items():
        assert isinstance(error, verifier.format.ProvenoteError), what
        shown = "".join(traceback.format_exception(error)).splitlines()
        for link in _chain(error):
            kind = type(link)
            assert _public_type(kind), f"{what}: {kind.__module__}.{kind.__qualname__}"
            if kind.__module__ != "builtins":
                assert any(line.startswith(f"{kind.__module__}.{kind.__qualname__}") for line in shown), what
        message = str(error)
        assert message.strip() and "\n" not in message, (what, message)


def test_every_error_class_of_the_project_is_named_by_a_public_module() -> None:
    """Not only the ones exercised above: every ProvenoteError subclass, and every exception a
    public face exports (the extras' modules too, where installed)."""
    faces: list[ModuleType] = [ledger, verifier, verifier.format, drafts]
    for optional in ("ledger.labels", "ledger.screening"):
        try:
            faces.append(importlib.import_module(optional))
        except ImportError:  # an optional extra that is not installed
            continue
    exported = {value for face in faces for name in getattr(face, "__all__", ())
                if inspect.isclass(value := getattr(face, name)) and issubclass(value, BaseException)}

    def subclasses(kind: type[BaseException]) -> Iterator[type[BaseException]]:
        for sub in kind.__subclasses__():
            yield sub
            yield from subclasses(sub)

    ours = {k for k in subclasses(verifier.format.ProvenoteError)
            if k.__module__.split(".")[0] in ("ledger", "verifier", "cli")}  # not tests' own
    every = exported | ours
    assert {ledger.LedgerError, verifier.format.VerificationFailure} <= every
    assert sorted(f"{k.__module__}.{k.__qualname__}" for k in every if not _public_type(k)) == []

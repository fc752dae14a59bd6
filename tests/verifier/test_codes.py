"""The closed vocabulary: verifier.format.Code equals the table of spec/errors.md, code for code,
with the same exit status and step; nothing else can be emitted."""

from __future__ import annotations

import re

import pytest

from tests.verifier.vectors import ROOT
from verifier.format import Code, CodedError, Finding, VerificationFailure

ROW = re.compile(r"^\| `([a-z0-9_.]+)` \| ([012]) \| ([A-Za-z0-9.]+) \|", re.MULTILINE)


def spec_table() -> dict[str, tuple[int, str]]:
    text = (ROOT / "spec" / "errors.md").read_text(encoding="utf-8")
    return {code: (int(status), step) for code, status, step in ROW.findall(text)}


def test_code_enum_equals_the_table_of_errors_md() -> None:
    table = spec_table()
    assert len(table) >= 35
    assert {code.value: (code.exit_status, code.step) for code in Code} == table


def test_steps_named_in_the_table_exist_in_verification_md() -> None:
    text = (ROOT / "spec" / "verification.md").read_text(encoding="utf-8")
    for _, step in spec_table().values():
        if step.startswith("V"):
            assert f"## {step} " in text, step


def test_only_members_can_be_emitted() -> None:
    with pytest.raises(TypeError):
        VerificationFailure("chain.made_up", "x")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        Finding("event.malformed", None, "x")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        Code.from_text("chain.made_up")
    assert Code.from_text("chain.empty") is Code.CHAIN_EMPTY
    assert isinstance(VerificationFailure(Code.CHAIN_EMPTY, "x"), CodedError)


def test_fatal_codes_are_exactly_those_with_exit_2() -> None:
    assert {c.value for c in Code if c.fatal} == {"bundle.malformed", "bundle.truncated", "bundle.too_large",
                                                   "bundle.version_unsupported", "bundle.order"}

"""One step numbering in spec and code: every step a comment or docstring of the code cites
(V1, V6.10, …) is defined in spec/verification.md."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CITED = re.compile(r"\bV(\d+)(?:\.(\d+))?\b")


def defined_steps() -> set[str]:
    text = (ROOT / "spec" / "verification.md").read_text(encoding="utf-8")
    steps = set(re.findall(r"^## (V\d+) ", text, re.MULTILINE))
    steps |= set(re.findall(r"^- \*\*(V\d+(?:\.\d+)?)\*\*", text, re.MULTILINE))
    return steps


def test_every_step_cited_in_code_exists_in_the_spec() -> None:
    defined = defined_steps()
    assert {"V1", "V1.1", "V6.10", "V10"} <= defined
    missing = []
    for folder in ("verifier", "ledger", "cli"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
                for major, minor in CITED.findall(line):
                    step = f"V{major}" + (f".{minor}" if minor else "")
                    if step not in defined:
                        missing.append(f"{path.relative_to(ROOT)}:{number}: {step}")
    assert missing == []


def test_every_sub_step_of_the_spec_is_numbered_in_order() -> None:
    text = (ROOT / "spec" / "verification.md").read_text(encoding="utf-8")
    subs = re.findall(r"^- \*\*V(\d+)\.(\d+)\*\*", text, re.MULTILINE)
    by_step: dict[int, list[int]] = {}
    for major, minor in subs:
        by_step.setdefault(int(major), []).append(int(minor))
    for major, minors in by_step.items():
        assert minors == list(range(1, len(minors) + 1)), f"V{major}: {minors}"

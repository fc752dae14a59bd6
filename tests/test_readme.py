"""The README runs as written: its sh blocks (after the install block), top to bottom, in one
`bash -e` shell in a fresh empty folder with provenote on the PATH and no network; then its
Python block, in the same folder with the environment the shell blocks exported (as a reader's
shell would have it)."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

from tests.helpers import ROOT

BLOCK = re.compile(r"^```(sh|python)\n(.*?)^```", re.MULTILINE | re.DOTALL)


def blocks() -> list[tuple[str, str]]:
    return [(kind, text) for kind, text in BLOCK.findall((ROOT / "README.md").read_text(encoding="utf-8"))]


def test_the_readme_runs_as_written(tmp_path: Path) -> None:
    found = blocks()
    shell = [text for kind, text in found if kind == "sh" and "pip install" not in text]
    python = [text for kind, text in found if kind == "python"]
    assert len(shell) >= 3 and python
    env = {k: v for k, v in os.environ.items() if not k.startswith("PROVENOTE_")}
    env.update(HOME=str(tmp_path), XDG_CONFIG_HOME=str(tmp_path / ".config"),
               PATH=f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}")
    exported = tmp_path / "exported.env"
    script = "set -euo pipefail\n" + "\n".join(shell) + f"\nenv -0 > {shlex.quote(str(exported))}\n"
    work = tmp_path / "folder"
    work.mkdir()
    ran = subprocess.run(["bash", "-c", script], cwd=work, env=env, capture_output=True, text=True, timeout=600)
    assert ran.returncode == 0, ran.stdout[-2000:] + ran.stderr[-2000:]
    shell_env = dict(item.split("=", 1) for item in exported.read_text(encoding="utf-8").split("\0") if item)
    for text in python:
        done = subprocess.run([sys.executable, "-c", text], cwd=work, env=shell_env, capture_output=True, text=True,
                              timeout=120)
        assert done.returncode == 0, done.stderr[-2000:]
        assert done.stdout.startswith("True True []")

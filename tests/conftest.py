from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.helpers import Cli, write_wav


@pytest.fixture(scope="session")
def key_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Keys made once per session (scrypt is slow on purpose); tests copy them."""
    home = tmp_path_factory.mktemp("keys-template")
    cli = Cli(home)
    for name, role in (("alice", "composer"), ("bob", "producer"), ("lee", "licensor")):
        result = cli("key", "new", name, "--role", role)
        assert result.code == 0, result.err
    return home / "keys"


@pytest.fixture
def cli(tmp_path: Path, key_template: Path) -> Cli:
    shutil.copytree(key_template, tmp_path / "keys")
    runner = Cli(tmp_path)
    assert runner("init").code == 0
    return runner


@pytest.fixture
def work(cli: Cli) -> str:
    result = cli("work", "new", "--title", "Night Market", "--as", "alice", "--json")
    assert result.code == 0, result.err
    return str(json.loads(result.out)["work"])


@pytest.fixture
def audio(cli: Cli) -> dict[str, Path]:
    home = cli.home
    return {name: write_wav(home / f"{name}.wav", 60, seed=i) for i, name in
            enumerate(("gen1", "gen2", "edit", "vocal", "master"))}

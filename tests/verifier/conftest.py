"""The verifier's own tests: they read vectors and build inputs with the format core only, and
never import the writer. An import blocker enforces it: any import of ``ledger``, ``cli``,
``lmdb`` or ``click`` (or of tests.helpers, which uses the writer) from a module of this folder,
or from the bundle-vector generator, raises ImportError — even when another test has already
loaded the module, because the check sits in ``__import__`` itself.
"""

from __future__ import annotations

import builtins
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import pytest

BLOCKED = ("ledger", "cli", "lmdb", "click", "tests.helpers", "tests.conftest")
GUARDED_CALLERS = ("tests.verifier", "generate_bundles", "generate_bundles_under_test")


def is_blocked(name: str) -> bool:
    return any(name == blocked or name.startswith(blocked + ".") for blocked in BLOCKED)


_original_import = builtins.__import__


def _guarded_import(name: str, globals: Mapping[str, Any] | None = None, locals: Mapping[str, Any] | None = None,
                    fromlist: Sequence[str] | None = (), level: int = 0) -> Any:
    caller = str((globals or {}).get("__name__", ""))
    if level == 0 and caller.startswith(GUARDED_CALLERS):
        wanted = [name] + [f"{name}.{item}" for item in (fromlist or ()) if name == "tests"]
        if any(is_blocked(candidate) for candidate in wanted):
            raise ImportError(f"{caller} may not import {name}: the verifier's tests never use the writer")
    return _original_import(name, globals, locals, fromlist, level)


@pytest.fixture(autouse=True, scope="session")
def _block_writer_imports() -> Iterator[None]:
    builtins.__import__ = _guarded_import
    try:
        yield
    finally:
        builtins.__import__ = _original_import


builtins.__import__ = _guarded_import  # from collection on: the test modules' own imports are checked too

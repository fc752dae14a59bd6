"""The golden event vectors of spec/vectors/events.json: the writer reproduces them byte for byte
(the verifier's side is tests/verifier/test_event_vectors.py)."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

VECTORS = Path(__file__).resolve().parents[1] / "spec" / "vectors"
DATA = json.loads((VECTORS / "events.json").read_text())


def test_generator_reproduces_committed_vectors() -> None:
    spec = importlib.util.spec_from_file_location("generate", VECTORS / "generate.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.build() == DATA  # the writer signs the same payloads to the same bytes

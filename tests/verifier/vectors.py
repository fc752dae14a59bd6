"""The committed vectors of spec/vectors/, read as bytes (no writer involved)."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

ROOT = Path(__file__).resolve().parents[2]
VECTORS = ROOT / "spec" / "vectors"
BUNDLES = VECTORS / "bundles"
INDEX: dict[str, Any] = json.loads((BUNDLES / "index.json").read_text(encoding="utf-8"))
BY_NAME: dict[str, dict[str, Any]] = {v["name"]: v for v in INDEX["vectors"]}
EVENTS: dict[str, Any] = json.loads((VECTORS / "events.json").read_text(encoding="utf-8"))


def bundle_bytes(name: str) -> bytes:
    return (BUNDLES / str(BY_NAME[name]["file"])).read_bytes()


def vector_key(name: str) -> Ed25519PrivateKey:
    """One of the vectors' TEST KEYS (spec/vectors/bundles/index.json), by name."""
    return Ed25519PrivateKey.from_private_bytes(bytes.fromhex(INDEX["keys"][name]["seed"]))


def load_bundle_generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("generate_bundles_under_test", VECTORS / "generate_bundles.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up here
    spec.loader.exec_module(module)
    return module

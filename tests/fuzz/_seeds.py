"""Seed inputs for the harnesses, from the committed vectors."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path

VECTORS = Path(__file__).resolve().parents[2] / "spec" / "vectors"


def bundle_seeds(limit: int = 64 << 10) -> list[bytes]:
    return [p.read_bytes() for p in sorted((VECTORS / "bundles").glob("*.bundle")) if p.stat().st_size <= limit]


def envelope_seeds() -> list[bytes]:
    data = json.loads((VECTORS / "events.json").read_text())
    return [bytes.fromhex(c["envelope"]) for c in data["chain"] + data["invalid_envelopes"]]


def json_event_seeds() -> list[bytes]:
    return [json.dumps(doc).encode() for doc in (
        {"type": "note", "body": {"text": "first idea"}, "occurred": "2026-11-20T14:30:00+08:00"},
        {"type": "generation", "body": {"model": "m", "outputs": [{"sha256": "00" * 32, "size": 1,
                                                                    "media_type": "audio/wav"}],
                                        "params": {"t": 0.5, "n": 3}, "prompt": "p"}},
        {"type": "human-edit", "body": {"inputs": [{"sha256": "11" * 32, "size": 2, "media_type": "audio/wav"}],
                                        "output": {"sha256": "22" * 32, "size": 2, "media_type": "audio/wav",
                                                   "duration_ms": 1000},
                                        "kind": "melody", "segments": [[0, 500]]}},
        {"type": "attestation", "body": {"about": "00" * 32, "statement": "s"}},
    )]


def fuzz(one_input: Callable[[bytes], None], seeds: list[bytes]) -> None:
    """Run a harness under atheris; the corpus folder (the last argument, if a folder) is seeded
    first with ``seeds``."""
    import atheris

    corpus = Path(sys.argv[-1]) if len(sys.argv) > 1 and Path(sys.argv[-1]).is_dir() else None
    if corpus is not None:
        for index, seed in enumerate(seeds):
            (corpus / f"seed-{index}").write_bytes(seed)
    atheris.Setup(sys.argv, one_input)
    atheris.Fuzz()

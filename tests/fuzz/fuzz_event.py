"""Fuzz the event envelope parser: any bytes verify or raise a coded error, nothing else."""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path

import atheris

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

with atheris.instrument_imports():
    from verifier.format import CodedError, check_chunk, verify_event


def one_input(data: bytes) -> None:
    with contextlib.suppress(CodedError):
        verify_event(data)
    check_chunk([b"\x83\x65event" + data + b"\x80", data])  # the record paths: results, never exceptions


def main() -> None:
    from tests.fuzz._seeds import envelope_seeds

    corpus = Path(sys.argv[-1]) if len(sys.argv) > 1 and Path(sys.argv[-1]).is_dir() else None
    if corpus is not None:
        for index, seed in enumerate(envelope_seeds()):
            (corpus / f"seed-{index}").write_bytes(seed)
    atheris.Setup(sys.argv, one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()

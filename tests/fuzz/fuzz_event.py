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
    from tests.fuzz._seeds import envelope_seeds, fuzz

    fuzz(one_input, envelope_seeds())


if __name__ == "__main__":
    main()

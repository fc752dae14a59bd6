"""Fuzz the bundle reader and verifier: any bytes give a Report, never an exception."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import atheris

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

with atheris.instrument_imports():
    from verifier import verify_bundle


def one_input(data: bytes) -> None:
    report = verify_bundle(io.BytesIO(data))
    report.to_json()
    assert report.readable or report.fatal is not None


def main() -> None:
    from tests.fuzz._seeds import bundle_seeds, fuzz

    fuzz(one_input, bundle_seeds())


if __name__ == "__main__":
    main()

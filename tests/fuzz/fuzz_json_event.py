"""Fuzz the writer's JSON-event door: any bytes become a draft or a LedgerError (a ValueError),
and a draft is either appended or refused with one — the ledger never takes what fails check."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import atheris

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

with atheris.instrument_imports():
    from ledger import DraftBuilder, Ledger, LedgerError, parse_json_event
    from verifier.format import UsageError

from tests.helpers import fixed_signer

SIGNER = fixed_signer(41, "fuzz")
FOLDER = Path(tempfile.mkdtemp(prefix="provenote-fuzz-"))
BOOK = Ledger.init(FOLDER / "ledger")
WORK = BOOK.create_work(SIGNER, "fuzz").work
BUILDER = DraftBuilder(BOOK)
APPENDS = 0


def one_input(data: bytes) -> None:
    global APPENDS
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return
    try:
        draft = BUILDER.from_json(parse_json_event(text, "fuzz"), where="fuzz")
        BOOK.append(WORK, SIGNER, draft)
        APPENDS += 1
    except (LedgerError, UsageError):
        return
    if APPENDS % 50 == 1:
        BOOK.check()  # what was written verifies


def main() -> None:
    from tests.fuzz._seeds import fuzz, json_event_seeds

    fuzz(one_input, json_event_seeds())
    BOOK.check()


if __name__ == "__main__":
    main()

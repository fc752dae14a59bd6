"""Write spec/vectors/bundles/tsa/: the RFC 3161 tokens the bundle vectors carry, as fixtures.

Run ``python spec/vectors/generate_tsa_tokens.py`` (it needs the ``openssl`` command), then
``python spec/vectors/generate_bundles.py``. A token cannot be made deterministically — the TSA's
signature and the request's nonce are random, and its genTime is the time of the request — so
the bundle generator does not make them: it reads what this script wrote, and stays
reproducible byte for byte. Run this script again only when the checkpoint notes of the vectors
change (the bundle generator then stops and says so); every run makes new TSAs, so every token
and root changes with it.

For each authority of ``generate_bundles.AUTHORITIES`` it starts ``cli.localtsa.LocalTsa`` (a
throwaway root CA and TSA certificate, ``openssl ts -reply`` behind an HTTP server on 127.0.0.1)
in a temporary folder, asks it with the writer's own client (``ledger.request_timestamp``: a
TimeStampReq over SHA-256 of the exact note bytes, a random 64-bit nonce, certReq) for a token
over each note that ``generate_bundles.tsa_requests()`` lists, and writes

    tsa/<authority>-root.pem      the root CA certificate (what --tsa-root is given)
    tsa/<authority>-tokens.json   SHA-256(note) hex -> {"note", "nonce", "response" (DER, hex)}

The private keys stay in the temporary folder and are deleted. Test material only.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

import generate_bundles  # noqa: E402

from cli.localtsa import LocalTsa  # noqa: E402
from ledger import request_timestamp  # noqa: E402


def _time(micros: int) -> dt.datetime:
    return dt.datetime(1970, 1, 1, tzinfo=dt.UTC) + dt.timedelta(microseconds=micros)


def request(authority: generate_bundles.Authority, notes: list[bytes]) -> tuple[bytes, dict[str, object]]:
    """Start the authority's local TSA, have it stamp ``notes``; (its root PEM, the tokens file's JSON)."""
    gen_time = _time(authority.gen_time) if authority.gen_time is not None else None
    not_before = gen_time - dt.timedelta(days=1) if gen_time is not None else None  # valid at that genTime
    with tempfile.TemporaryDirectory() as folder, LocalTsa(Path(folder), name=authority.title, gen_time=gen_time,
                                                           not_before=not_before) as tsa:
        tokens: dict[str, object] = {}
        for note in notes:
            response, nonce = request_timestamp(tsa.url, note)
            tokens[hashlib.sha256(note).hexdigest()] = {"note": note.decode("utf-8"), "nonce": nonce,
                                                       "response": response.hex()}
        root = tsa.root_path.read_bytes()
    return root, {
        "comment": f"RFC 3161 tokens of the local TSA {authority.title!r} (cli/localtsa.py), written by "
                   "spec/vectors/generate_tsa_tokens.py for the bundle vectors; test material only, see "
                   "spec/vectors/README.md.",
        "root": Path(authority.root).name,
        "tokens": tokens,
    }


def main() -> None:
    generate_bundles.TSA_DIR.mkdir(parents=True, exist_ok=True)
    for authority, notes in generate_bundles.tsa_requests().items():
        root, tokens = request(authority, notes)
        (generate_bundles.HERE / authority.root).write_bytes(root)
        authority.tokens.write_text(json.dumps(tokens, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        print(f"{authority.tokens.relative_to(ROOT)}: {len(notes)} token(s)")


if __name__ == "__main__":
    main()

"""Pre-release screening on the writer's side (spec/screening.md): the fingerprint method, the
reference catalogue, and the signed ``screening`` event (spec/screening.md §7).

A public module of its own, imported only where screening is used: it needs the optional extra
``provenote[screen]`` (numpy, scipy, soundfile), which neither the rest of the writer nor the
verifier loads. Importing it without the extra raises ImportError.

    from ledger.screening import Catalogue, screen_asset

    with Catalogue.open(Path("refs")) as refs, Ledger.open(path) as book:
        screened = screen_asset(book, work, signer, Path("master.wav"), refs)
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ledger._assets import describe_file
from ledger._catalogue import (
    DEFAULT_MIN_SECONDS,
    Catalogue,
    CatalogueError,
    Match,
    Track,
    catalogue_identity,
)
from ledger._fingerprint import (
    METHOD,
    Audio,
    AudioError,
    Landmarks,
    decode,
    decode_open,
    file_digest,
    landmarks,
    open_audio,
)
from ledger._keystore import Signer
from ledger._store import Appended, EventDraft, Ledger, LedgerError
from verifier.format import WorkId

__all__ = [
    "DEFAULT_MIN_SECONDS", "METHOD", "Audio", "AudioError", "Catalogue", "CatalogueError", "Landmarks", "Match",
    "Screened", "Track", "catalogue_identity", "decode", "landmarks", "screen_asset", "screening_body",
]


@dataclass(frozen=True)
class Screened:
    """A screening recorded: the appended event, its body as signed, and the matches found."""

    appended: Appended
    body: dict[str, Any]
    matches: tuple[Match, ...]


def screening_body(asset: dict[str, Any], catalogue: Catalogue, catalogue_name: str, min_seconds: float,
                   matches: Sequence[Match]) -> dict[str, Any]:
    """The ``screening`` body (spec/screening.md §7) for ``asset`` screened against ``catalogue``.

    Times become whole milliseconds, spans rounded outward (start down, end up), so a span is
    never recorded shorter than the passage found; ``min_ms`` is ``min_seconds`` rounded down.
    The body is checked in full by the format core when the event is built (never signed if the
    verifier would reject it).
    """
    tracks = catalogue.tracks()
    return {
        "asset": asset,
        "catalogue": {"identity": catalogue.identity, "name": catalogue_name, "tracks": len(tracks),
                      "duration_ms": sum(round(track.duration_s * 1000) for track in tracks)},
        "method": catalogue.method,
        "min_ms": math.floor(min_seconds * 1000),
        "matches": [{"reference": match.reference, "name": match.name,
                     "query": [math.floor(match.query_start * 1000), math.ceil(match.query_end * 1000)],
                     "in_reference": [math.floor(match.reference_start * 1000), math.ceil(match.reference_end * 1000)],
                     "score": match.score} for match in matches],
    }


def screen_asset(book: Ledger, work: WorkId, signer: Signer, path: Path, catalogue: Catalogue, *,
                 min_seconds: float = DEFAULT_MIN_SECONDS, catalogue_name: str | None = None,
                 occurred: int | None = None) -> Screened:
    """Screen the audio file ``path`` against ``catalogue`` and record the ``screening`` event,
    signed by ``signer``, in ``work``'s chain (one write transaction).

    The file is hashed and decoded from one open; its asset reference, read again, must name the
    same bytes (a file that changes while it is screened is refused).

    Raises:
        AudioError: the file cannot be decoded, or is too short or silent to screen.
        CatalogueError: the catalogue is empty, or ``min_seconds`` is not positive.
        LedgerError: unknown work, the file changed while screened, or a body the format refuses.
    """
    if isinstance(min_seconds, bool) or not isinstance(min_seconds, (int, float)) or not math.isfinite(min_seconds) \
            or not 0.001 <= min_seconds <= 3600:
        raise CatalogueError("--min-seconds must be a number of seconds from 0.001 to 3600")
    with open_audio(path) as handle:
        digest = file_digest(handle)
        audio = decode_open(handle, path, digest)
    matches = catalogue.match(audio, float(min_seconds))
    asset = describe_file(path, duration_seconds=audio.duration_s)
    if asset["sha256"] != audio.sha256:
        raise LedgerError(f"{path} changed while it was screened: screen it again")
    name = catalogue_name if catalogue_name is not None else (catalogue.path.resolve().name or "catalogue")
    body = screening_body(asset, catalogue, name, float(min_seconds), matches)
    appended = book.append(work, signer, EventDraft("screening", body, {}, occurred))
    return Screened(appended, body, tuple(matches))

for _error in (AudioError, CatalogueError):  # named by this public module in tracebacks
    _error.__module__ = __name__
del _error

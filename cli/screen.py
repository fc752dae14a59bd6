"""``provenote catalogue`` and ``provenote screen``: pre-release screening by audio fingerprint
against the studio's reference catalogue (spec/screening.md). Needs ``provenote[screen]``."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import click

from cli.context import Context, emit_json, fail, pass_ctx
from cli.progress import quiet_option, stderr_progress
from ledger import parse_time
from verifier.render import inert

_AUDIO_SUFFIXES = frozenset({".wav", ".wave", ".flac", ".mp3", ".ogg", ".oga", ".m4a", ".aif", ".aiff"})
_INSTALL = "screening needs the optional extra: pip install 'provenote[screen]' (numpy, scipy, soundfile)"


def _screening() -> ModuleType:
    """``ledger.screening``, or one line saying how to install what it needs (exit 2)."""
    try:
        import ledger.screening as screening
    except ImportError as e:
        raise fail(f"{_INSTALL} ({e.name or e} is missing)") from e
    return screening


def _catalogue_dir(value: Path | None) -> Path:
    return value if value is not None else Path(os.environ.get("PROVENOTE_CATALOGUE", ".provenote-catalogue"))


catalogue_option = click.option(
    "--catalogue", "catalogue_dir", type=click.Path(path_type=Path), default=None,
    help="Catalogue directory (env PROVENOTE_CATALOGUE; default .provenote-catalogue).")


@click.group()
def catalogue() -> None:
    """The reference catalogue that cues are screened against (licensed libraries, past releases)."""


def _audio_files(paths: tuple[Path, ...]) -> Iterator[Path]:
    for path in paths:
        if path.is_dir():
            found = sorted(p for p in path.rglob("*") if p.suffix.lower() in _AUDIO_SUFFIXES and p.is_file())
            if not found:
                raise fail(f"{path}: no audio file in this folder")
            yield from found
        elif not path.is_file():  # before the catalogue is made or changed
            raise fail(f"file not found: {path}" if not path.exists() else f"{path} is not a regular file")
        else:
            yield path  # an unreadable or undecodable file is reported by the decoder, in one line


@catalogue.command("add")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path), metavar="PATH...")
@catalogue_option
@click.option("--name", help="The track's name (one file only; default: the file's name).")
@quiet_option
@click.option("--json", "as_json", is_flag=True, help="Print the tracks added as JSON.")
@pass_ctx
def catalogue_add(obj: Context, paths: tuple[Path, ...], catalogue_dir: Path | None, name: str | None,
                  quiet: bool, as_json: bool) -> None:
    """Index reference tracks (files, or folders searched for audio files) into the catalogue,
    making it if it does not exist. A file already in it is not indexed twice."""
    screening = _screening()
    folder = _catalogue_dir(catalogue_dir)
    files = list(_audio_files(paths))
    if name is not None and len(files) != 1:
        raise fail("--name names one track: give one file with it")
    try:
        refs = screening.Catalogue.open(folder) if (folder / "data.mdb").exists() else screening.Catalogue.create(folder)
    except screening.CatalogueError as e:
        raise fail(str(e)) from e
    added: list[Any] = []
    sizes = [path.stat().st_size for path in files]  # progress counts the bytes of audio indexed
    total, before = sum(sizes), 0
    with refs, stderr_progress("indexing", unit="bytes", quiet=quiet or as_json) as bar:
        for index, path in enumerate(files):
            progress = None
            if bar is not None:
                def progress(stage: str, fraction: float, start: int = before, size: int = sizes[index]) -> None:
                    bar(start + int(min(max(fraction, 0.0), 1.0) * size), total)
            try:
                track = refs.add(path, name, progress)
            except (screening.AudioError, screening.CatalogueError) as e:
                raise fail(f"{e} (tracks before it were added)" if index else str(e)) from e
            added.append(track)
            before += sizes[index]
        if bar is not None:
            bar(total, total)
        identity = refs.identity
        count = len(refs.tracks())
    if as_json:
        emit_json({"catalogue": str(folder), "identity": identity.hex(), "tracks": count,
                   "added": [_track_json(t) for t in added]})
        return
    for track in added:
        click.echo(inert(f"added {track.name}  {track.sha256.hex()[:16]}  {track.duration_s:.1f} s"))
    click.echo(f"catalogue {folder}: {count} track{'s' if count != 1 else ''}, identity {identity.hex()}")


def _track_json(track: Any) -> dict[str, Any]:
    return {"sha256": track.sha256.hex(), "name": track.name, "duration_s": round(track.duration_s, 3),
            "landmarks": track.landmarks}


@catalogue.command("list")
@catalogue_option
@click.option("--json", "as_json", is_flag=True, help="Print the catalogue as JSON.")
@pass_ctx
def catalogue_list(obj: Context, catalogue_dir: Path | None, as_json: bool) -> None:
    """The catalogue's tracks, its method and its identity."""
    screening = _screening()
    folder = _catalogue_dir(catalogue_dir)
    try:
        with screening.Catalogue.open(folder, readonly=True) as refs:
            tracks, identity, method = refs.tracks(), refs.identity, refs.method
    except screening.CatalogueError as e:
        raise fail(str(e)) from e
    if as_json:
        emit_json({"catalogue": str(folder), "method": method, "identity": identity.hex(),
                   "tracks": [_track_json(t) for t in tracks]})
        return
    for track in tracks:
        click.echo(inert(f"{track.sha256.hex()[:16]}  {track.duration_s:8.1f} s  {track.name}"))
    hours = sum(t.duration_s for t in tracks) / 3600
    click.echo(f"{len(tracks)} track{'s' if len(tracks) != 1 else ''} ({hours:.2f} h), method {method}, "
               f"identity {identity.hex()}")


@catalogue.command("remove")
@click.argument("track", metavar="TRACK")
@catalogue_option
@pass_ctx
def catalogue_remove(obj: Context, track: str, catalogue_dir: Path | None) -> None:
    """Remove a track, named by a unique hex prefix of its SHA-256 (8+ characters)."""
    screening = _screening()
    try:
        with screening.Catalogue.open(_catalogue_dir(catalogue_dir)) as refs:
            removed = refs.remove(track)
            count = len(refs.tracks())
    except screening.CatalogueError as e:
        raise fail(str(e)) from e
    click.echo(inert(f"removed {removed.name} {removed.sha256.hex()[:16]}; {count} track{'s' if count != 1 else ''} "
                     "left"))


@click.command("screen")
@click.argument("work_prefix", metavar="WORK")
@click.option("--asset", required=True, type=click.Path(path_type=Path), metavar="FILE",
              help="The audio file to screen (required): WAV, FLAC, MP3, Ogg; M4A with ffmpeg.")
@click.option("--as", "as_key", required=True, metavar="KEY", help="Name of the signing key (required).")
@catalogue_option
@click.option("--min-seconds", type=float, default=5.0, show_default=True,
              help="The shortest passage reported as a match.")
@click.option("--occurred", metavar="TIME", help="When the screening happened, if earlier than now (ISO 8601).")
@click.option("--json", "as_json", is_flag=True, help="Print the screening as JSON.")
@pass_ctx
def screen(obj: Context, work_prefix: str, asset: Path, as_key: str, catalogue_dir: Path | None,
           min_seconds: float, occurred: str | None, as_json: bool) -> None:
    """Screen FILE against the reference catalogue and record a signed `screening` event: each
    passage of a catalogue track found in it, with where it lies in both files. A match is
    evidence to look at, not a verdict."""
    screening = _screening()
    folder = _catalogue_dir(catalogue_dir)
    try:
        with screening.Catalogue.open(folder, readonly=True) as refs, obj.ledger() as book:
            work = book.resolve_work(work_prefix)
            signer = obj.signer(as_key)
            result = screening.screen_asset(book, work, signer, asset, refs, min_seconds=min_seconds,
                                            occurred=parse_time(occurred) if occurred else None)
    except (screening.AudioError, screening.CatalogueError) as e:
        raise fail(str(e)) from e
    body = result.body
    if as_json:
        emit_json({"event": result.appended.hash, "seq": result.appended.seq,
                   "asset": {"sha256": body["asset"]["sha256"].hex(), "name": body["asset"].get("name")},
                   "catalogue": {**body["catalogue"], "identity": body["catalogue"]["identity"].hex()},
                   "method": body["method"], "min_ms": body["min_ms"],
                   "matches": [{"reference": m.reference.hex(), "name": m.name,
                                "query": [m.query_start, m.query_end],
                                "reference_span": [m.reference_start, m.reference_end],
                                "duration": m.duration, "score": m.score, "ratio": m.ratio} for m in result.matches]})
        return
    info = body["catalogue"]
    tracks = f"{info['tracks']} track{'s' if info['tracks'] != 1 else ''}"
    click.echo(inert(f"screened {asset.name} against {info['name']} ({tracks}, identity "
                     f"{info['identity'].hex()[:16]}) with {body['method']}: "
                     + (f"{len(result.matches)} match{'es' if len(result.matches) != 1 else ''}"
                        if result.matches else "no match")))
    for m in result.matches:
        click.echo(inert(f"  {m.name} ({m.reference.hex()[:16]}): {m.query_start:.1f}–{m.query_end:.1f} s here, "
                         f"{m.reference_start:.1f}–{m.reference_end:.1f} s in the reference, score {m.score}"))
    click.echo(f"recorded screening #{result.appended.seq} {result.appended.hash.hex()}")

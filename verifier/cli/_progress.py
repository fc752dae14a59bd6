"""A progress line on a terminal, for long runs (``provenote-verify``, and ``provenote check``,
``export`` and ``record batch``): a bar, the share done, the rate and the time left, on stderr,
redrawn at most ten times a second and erased when done. Never drawn on a pipe or a file."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TextIO

REDRAW_INTERVAL = 0.1  # seconds: at most ten redraws a second
BAR_WIDTH = 24
_ERASE = "\r\x1b[2K"  # back to the line's start, clear it


class TerminalProgress:
    """``progress(done, total)``: redraws the line ``LABEL [####----]  42%  1,234 events/s  0:07 left``
    on ``stream`` when at least :data:`REDRAW_INTERVAL` has passed since the last redraw (and at
    the end). ``unit`` is ``"events"`` or ``"bytes"`` (shown as MB/s). ``close()`` erases the line.
    Cheap between redraws: one clock read."""

    def __init__(self, label: str, stream: TextIO, *, unit: str = "events",
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._label = label
        self._stream = stream
        self._unit = unit
        self._clock = clock
        self._start: tuple[float, int] | None = None  # when and where counting began
        self._drawn_at: float | None = None

    def __call__(self, done: int, total: int) -> None:
        now = self._clock()
        if self._start is None:
            self._start = (now, done)
        elif self._drawn_at is not None and now - self._drawn_at < REDRAW_INTERVAL and done < total:
            return
        self._drawn_at = now
        self._stream.write(_ERASE + self.line(done, total, now))
        self._stream.flush()

    def line(self, done: int, total: int, now: float) -> str:
        """The text of the progress line at ``now``, ``done`` of ``total``."""
        share = min(1.0, done / total) if total > 0 else 1.0
        filled = int(share * BAR_WIDTH)
        parts = [f"{self._label} [{'#' * filled}{'-' * (BAR_WIDTH - filled)}] {share * 100:3.0f}%"]
        started, start_done = self._start if self._start is not None else (now, done)
        elapsed = now - started
        rate = (done - start_done) / elapsed if elapsed > 0 else 0.0
        if rate > 0:
            parts.append(f"{rate / 1e6:,.1f} MB/s" if self._unit == "bytes" else f"{rate:,.0f} {self._unit}/s")
            if done < total:
                parts.append(f"{format_duration((total - done) / rate)} left")
        width = _terminal_width(self._stream)
        return "  ".join(parts)[: width - 1]

    def close(self) -> None:
        """Erase the line, if it was drawn."""
        if self._drawn_at is not None:
            self._stream.write(_ERASE)
            self._stream.flush()
            self._drawn_at = None


@contextmanager
def stderr_progress(label: str, *, unit: str = "events", quiet: bool = False) -> Iterator[TerminalProgress | None]:
    """A :class:`TerminalProgress` on stderr when stderr is a terminal and not ``quiet``, else
    None (nothing drawn: a pipe, a file, ``--quiet``). The line is erased on the way out."""
    stream = sys.stderr
    if quiet or not _is_terminal(stream):
        yield None
        return
    progress = TerminalProgress(label, stream, unit=unit)
    try:
        yield progress
    finally:
        progress.close()


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # closed, or not a real stream
        return False


def _terminal_width(stream: TextIO) -> int:
    try:
        columns = os.get_terminal_size(stream.fileno()).columns
    except (AttributeError, OSError, ValueError):
        columns = 0
    return max(20, columns) if columns else 80  # 0: a terminal that does not say


def format_duration(seconds: float) -> str:
    """A span of time as the command lines show it: ``m:ss``, or ``h:mm:ss`` from an hour on
    (rounded to the second; a negative span counts as zero)."""
    seconds = max(0.0, seconds)
    whole = int(seconds + 0.5)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02}:{secs:02}" if hours else f"{minutes}:{secs:02}"

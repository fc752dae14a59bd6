"""Counted nouns in the command's messages: ``1 work``, ``2 works``, ``10,000 events``."""

from __future__ import annotations


def plural(count: int, noun: str, many: str | None = None) -> str:
    """``count`` and ``noun``, the noun plural unless ``count`` is 1 (``many``, else noun + "s");
    the count with thousands separators."""
    return f"{count:,} {noun if count == 1 else many or noun + 's'}"

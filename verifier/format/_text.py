"""Text fields of format v1 (limit L7): the one rule every text of a payload, a body, a
disclosure or a licence document obeys. Below the type table and the licence document, which
both use it."""

from __future__ import annotations

from typing import Any

from verifier.format._codes import SchemaError

MAX_TEXT = 65_536  # characters in any text field (limit L7)


def check_text(name: str, value: Any) -> None:
    """A text field (L7): a non-empty string of at most :data:`MAX_TEXT` code points, each a
    Unicode scalar value (no lone surrogates, which UTF-8 cannot carry).

    Raises: SchemaError naming the field.
    """
    if type(value) is not str or not value or len(value) > MAX_TEXT:
        raise SchemaError(f"{name} must be non-empty text of at most {MAX_TEXT} characters")
    if not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as e:
            raise SchemaError(f"{name} is not valid Unicode text (a lone surrogate)") from e

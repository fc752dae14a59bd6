"""Where the ledger and the key store live when nobody says: the one rule the command line and
the Python API share (the CLI's ``--ledger`` and ``--keys`` override it).
"""

from __future__ import annotations

import os
from pathlib import Path

from ledger._keystore import KeyStore
from ledger._store import Ledger

#: The environment variable naming the ledger directory.
LEDGER_ENV = "PROVENOTE_LEDGER"
#: The environment variable naming the key directory.
KEYS_ENV = "PROVENOTE_KEYS"
#: The environment variable holding the key passphrase (the CLI reads it; the agent drops it).
PASSPHRASE_ENV = "PROVENOTE_PASSPHRASE"  # noqa: S105 (a variable's name, not a secret)
#: The ledger directory when ``PROVENOTE_LEDGER`` is unset: ``.provenote`` in the current folder.
DEFAULT_LEDGER_DIR = Path(".provenote")


def default_ledger_dir() -> Path:
    """The ledger directory: ``$PROVENOTE_LEDGER`` if set and not empty, else ``./.provenote``."""
    return Path(os.environ.get(LEDGER_ENV) or DEFAULT_LEDGER_DIR)


def default_keys_dir() -> Path:
    """The key directory: ``$PROVENOTE_KEYS`` if set and not empty, else
    ``$XDG_CONFIG_HOME/provenote/keys`` (``~/.config/provenote/keys`` without XDG_CONFIG_HOME)."""
    explicit = os.environ.get(KEYS_ENV)
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "provenote" / "keys"


def open_default_ledger(*, readonly: bool = False) -> Ledger:
    """Open the ledger in :func:`default_ledger_dir` (as ``provenote`` does without ``--ledger``).
    Close it with ``close()`` or use it as a context manager.

    Raises:
        LedgerError: there is no ledger there (run ``provenote init``) or it cannot be opened.
    """
    return Ledger.open(default_ledger_dir(), readonly=readonly)


def default_key_store() -> KeyStore:
    """The key store in :func:`default_keys_dir` (as ``provenote`` uses without ``--keys``).
    Nothing is read until a key is asked for; ``unlock(name, passphrase)`` gives a signer.
    """
    return KeyStore(default_keys_dir())

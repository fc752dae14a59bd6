"""provenote's standalone verifier: reads the format, checks chains and bundles, reports.

Runtime dependencies: ``cryptography`` and ``cbor2`` only. This package never imports
``ledger``, ``cli``, ``lmdb`` or ``click`` (a test enforces it).
"""

from verifier._internal.errors import (
    CodedError,
    MalformedBundle,
    ProvenoteError,
    UntrustedDataError,
    UsageError,
    VerificationFailure,
)
from verifier._internal.event import SignedEvent, parse_event, verify_event

__all__ = [
    "CodedError", "MalformedBundle", "ProvenoteError", "SignedEvent", "UntrustedDataError", "UsageError",
    "VerificationFailure", "parse_event", "verify_event",
]

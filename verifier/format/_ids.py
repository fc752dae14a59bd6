"""Constants, identifiers and domain-separated hashes of format v1 (spec/format.md)."""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Iterable
from typing import NewType

FORMAT_VERSION = 1

#: 32-byte SHA-256 digests, named for what they identify.
EventHash = NewType("EventHash", bytes)
WorkId = NewType("WorkId", bytes)  # the EventHash of the work's genesis event
KeyId = NewType("KeyId", bytes)  # SHA-256 of the raw 32-byte Ed25519 public key
AssetHash = NewType("AssetHash", bytes)  # SHA-256 of an asset's exact bytes (no prefix)

DIGEST_SIZE = 32
PUBLIC_KEY_SIZE = 32
SIGNATURE_SIZE = 64
SALT_SIZE = 16

# Domain-separation prefixes (spec/format.md §5). Each names the format version and the hash.
EVENT_HASH_PREFIX = b"provenote/v1/event-hash/sha-256\x00"
DISCLOSURE_PREFIX = b"provenote/v1/disclosure/sha-256\x00"
BUNDLE_DIGEST_PREFIX = b"provenote/v1/bundle-digest/sha-256\x00"
BUNDLE_HEADER_PREFIX = b"provenote/v1/bundle-header/sha-256\x00"

# COSE (RFC 9052 §3.1, RFC 9864): header labels and values.
COSE_SIGN1_TAG = 18
HDR_ALG = 1
HDR_CONTENT_TYPE = 3
HDR_KID = 4
HDR_CWT_CLAIMS = 15  # RFC 9597
CWT_ISS = 1
CWT_SUB = 2
ALG_ED25519 = -19  # RFC 9864; the polymorphic EdDSA (-8) is not accepted

# Content types: every signature of the format is domain-separated by its content type, which
# sits in the signed protected header (spec/format.md §4).
CTYPE_EVENT = "application/vnd.provenote.event.v1+cbor"
CTYPE_KEY = "application/vnd.provenote.key.v1+cbor"
CTYPE_TRAILER = "application/vnd.provenote.bundle-trailer.v1+cbor"
CTYPE_BAG_SEAL = "application/vnd.provenote.bag-seal.v1+cbor"  # the evidence package's seal (spec/package.md)


def event_hash(envelope: bytes | memoryview) -> EventHash:
    """Hash of an event: SHA-256 over the prefix and the whole envelope, signature included."""
    hasher = _EVENT_HASHER.copy()
    hasher.update(envelope)
    return EventHash(hasher.digest())


_EVENT_HASHER = hashlib.sha256(EVENT_HASH_PREFIX)


@functools.lru_cache(maxsize=4096)
def key_id(public_key: bytes) -> KeyId:
    """Key id of a raw Ed25519 public key: SHA-256 of its 32 bytes (the issue's choice)."""
    return KeyId(hashlib.sha256(public_key).digest())



def audio_media_type(head: bytes) -> str | None:
    """The media type of an audio file from its first 12 bytes or more — ``audio/wav`` (RIFF,
    RF64 or BW64 WAVE), ``audio/flac``, ``audio/mpeg`` (an ID3v2 tag or an MPEG audio frame
    header) — or None. The one reading of an asset's container that the writer, its labellers
    and the verifier's label readers share."""
    if len(head) >= 12 and head[8:12] == b"WAVE" and head[:4] in (b"RIFF", b"RF64", b"BW64"):
        return "audio/wav"
    if head[:4] == b"fLaC":
        return "audio/flac"
    if head[:3] == b"ID3" or (len(head) >= 2 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0):
        return "audio/mpeg"
    return None


def asset_digest(chunks: Iterable[bytes]) -> tuple[AssetHash, int]:
    """The asset hash of bytes given in chunks — plain SHA-256, no prefix, as ``sha256sum``
    computes it (format.md §5) — and their total size. Memory: one chunk at a time."""
    digest = hashlib.sha256()
    size = 0
    for chunk in chunks:
        digest.update(chunk)
        size += len(chunk)
    return AssetHash(digest.digest()), size

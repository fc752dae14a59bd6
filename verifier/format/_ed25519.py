"""Ed25519 under one pinned rule (spec/format.md §4.1, ADR 0008), with libsodium (PyNaCl).

A signature verifies when libsodium's verification accepts it — canonical encodings of A and R,
S < L, neither A nor R of small order, the cofactorless equation [S]B = R + [k]A — **and** the
public key A lies in the prime-order subgroup (``crypto_core_ed25519_is_valid_point``), checked
once per key. Every signature check of the format goes through :func:`invalid_signatures` (one
loop for a chunk of events; :func:`verify` for one signature); every signature
the writer makes comes from :func:`sign`. Signatures are deterministic (RFC 8032), so signing
here gives the same bytes as any other RFC 8032 implementation.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Iterable
from typing import Protocol

from nacl.bindings import (
    crypto_core_ed25519_is_valid_point,
    crypto_sign,
    crypto_sign_open,
    crypto_sign_seed_keypair,
)
from nacl.exceptions import BadSignatureError, CryptoError

from verifier.format._codes import UsageError

PUBLIC_KEY_SIZE = 32
SEED_SIZE = 32
SIGNATURE_SIZE = 64


@functools.lru_cache(maxsize=4096)
def is_valid_public_key(public_key: bytes) -> bool:
    """Whether ``public_key`` is a key the rule admits: 32 bytes, the canonical encoding of a
    point of the prime-order subgroup, not of small order. The keys of one bundle are few, so
    each is judged once."""
    if type(public_key) is not bytes or len(public_key) != PUBLIC_KEY_SIZE:
        return False
    return bool(crypto_core_ed25519_is_valid_point(public_key))


def verify(public_key: bytes, signature: bytes, message: bytes) -> bool:
    """Whether ``signature`` is a valid Ed25519 signature of ``message`` by ``public_key`` under
    the pinned rule. Never raises for bad input: any defect is simply False."""
    if type(signature) is not bytes or len(signature) != SIGNATURE_SIZE:
        return False
    return verify_signed(public_key, signature + message)


def verify_signed(public_key: bytes, signed_message: bytes) -> bool:
    """:func:`verify` of a signature and its message given as one string, signature first (as
    libsodium takes them: no copy). ``signed_message`` is at least 64 bytes."""
    return not invalid_signatures(((public_key, signed_message),))


def invalid_signatures(signed: Iterable[tuple[bytes, bytes]]) -> list[int]:
    """The positions of the ``(public_key, signed_message)`` pairs that :func:`verify_signed`
    rejects, checked in one loop (the primitive's code and tables stay in cache; a chunk of
    events has them all at once). Never raises for bad input."""
    invalid: list[int] = []
    for index, (public_key, signed_message) in enumerate(signed):
        if type(public_key) is not bytes or not is_valid_public_key(public_key):
            invalid.append(index)
            continue
        try:
            crypto_sign_open(signed_message, public_key)
        except (BadSignatureError, CryptoError, ValueError, TypeError):
            invalid.append(index)
    return invalid


class Ed25519Signer(Protocol):
    """What makes the format's Ed25519 signatures: a :class:`SigningKey` in memory, or a key held
    elsewhere that signs through it (the writer's key agent). ``sign`` returns the 64-byte RFC 8032
    signature of the bytes it is given, by the key ``public_key``."""

    @property
    def public_key(self) -> bytes: ...

    def sign(self, message: bytes) -> bytes: ...


def is_signer(key: object) -> bool:
    """Whether ``key`` looks like an :class:`Ed25519Signer` (a 32-byte ``public_key``, a ``sign``)."""
    public_key = getattr(key, "public_key", None)
    return type(public_key) is bytes and len(public_key) == PUBLIC_KEY_SIZE and callable(getattr(key, "sign", None))


class SigningKey:
    """An Ed25519 private key in memory (libsodium's 64-byte secret: seed then public key).
    Never written anywhere by this class; :meth:`wipe` overwrites it."""

    __slots__ = ("_secret", "public_key")

    def __init__(self, seed: bytes) -> None:
        if type(seed) is not bytes or len(seed) != SEED_SIZE:
            raise UsageError(f"an Ed25519 seed is {SEED_SIZE} bytes")
        public_key, secret = crypto_sign_seed_keypair(seed)
        self.public_key: bytes = public_key
        self._secret = secret

    def sign(self, message: bytes) -> bytes:
        """The deterministic RFC 8032 signature of ``message``. Raises UsageError once wiped."""
        if not self._secret:
            raise UsageError("this signing key was wiped")
        return bytes(crypto_sign(message, self._secret)[:SIGNATURE_SIZE])

    def wipe(self) -> None:
        """Overwrite the secret with zeros where it lies (CPython: the bytes object's own buffer,
        which no one else holds) and forget it: as far as Python allows. Idempotent."""
        secret, self._secret = self._secret, b""
        if secret and sys.implementation.name == "cpython":
            import ctypes

            header = sys.getsizeof(b"") - 1  # offset of a bytes object's data (ob_sval)
            ctypes.memset(id(secret) + header, 0, len(secret))

    def __repr__(self) -> str:
        return f"SigningKey(public_key={self.public_key.hex()})"  # never the secret

"""Key store: Ed25519 private keys encrypted at rest (spec/keys.md).

A key file ``NAME.key`` is JSON (so a person can see what it is) holding the name, role, public
key, the scrypt parameters and salt, a ChaCha20-Poly1305 nonce and the ciphertext of the 32-byte
private key. The AEAD's associated data binds every other field, so renaming a key or changing
its role or KDF parameters in the file makes it fail to open. Files are created 0600 in a
directory created 0700.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import serialization

from ledger._assets import AssetError, open_regular
from verifier.format import (
    Ed25519Signer,
    KeyCard,
    KeyId,
    SigningKey,
    UsageError,
    encode_cbor,
    is_key_name,
    is_key_role,
    key_id,
)

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305

KEY_FILE_FORMAT = "provenote-key/1"
SCRYPT_N = 2**17  # spec/keys.md: N = 2^17, r = 8, p = 1 (128 MiB, about 0.4 s here)
SCRYPT_R = 8
SCRYPT_P = 1
MIN_SCRYPT_N = 2**17  # files asking for less are refused (fail closed)
#: Files asking for more are refused too: a tampered file could otherwise make an unlock take
#: hours or all the memory (scrypt's cost grows with n, r and p).
MAX_SCRYPT_N, MAX_SCRYPT_R, MAX_SCRYPT_P = 2**20, 32, 16
MIN_PASSPHRASE = 12  # characters, for a new key (spec/keys.md)
MAX_KEY_FILE = 64 << 10
_AAD_PREFIX = b"provenote/v1/key-file\x00"


class KeyStoreError(UsageError):
    """A key is missing, malformed, or its passphrase is wrong (exit 2)."""


@dataclass(frozen=True)
class PublicKeyInfo:
    """What the store says of a key without unlocking it. Valid by construction: the name and
    role follow spec/keys.md and the key is 32 bytes (else KeyStoreError)."""

    name: str
    role: str
    public_key: bytes

    def __post_init__(self) -> None:
        try:
            KeyCard(self.public_key, self.name, self.role)  # the format's own rules
        except UsageError as e:
            raise KeyStoreError(str(e)) from e

    @property
    def key_id(self) -> KeyId:
        return key_id(self.public_key)

    def pem(self) -> str:
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

        key = Ed25519PublicKey.from_public_bytes(self.public_key)
        return key.public_bytes(serialization.Encoding.PEM,
                                serialization.PublicFormat.SubjectPublicKeyInfo).decode()


@dataclass(frozen=True)
class Signer:
    """An unlocked key. Lives only in memory; never written anywhere in the clear. Signs with
    libsodium (verifier.format.SigningKey): deterministic RFC 8032 signatures. ``private_key`` is
    that SigningKey, or a key the agent holds (ledger.AgentKey: its signatures are the same bytes).

    Raises (on construction): KeyStoreError if the private key is not the info's public key's.
    """

    info: PublicKeyInfo
    private_key: Ed25519Signer = field(repr=False)

    def __post_init__(self) -> None:
        if self.private_key.public_key != self.info.public_key:
            raise KeyStoreError(f"key {self.info.name!r}: the private key is not that of its public key")

    @classmethod
    def from_seed(cls, info: PublicKeyInfo, seed: bytes) -> Signer:
        """The signer of a 32-byte Ed25519 seed (RFC 8032's private key)."""
        return cls(info, SigningKey(seed))

    def sign(self, message: bytes) -> bytes:
        return self.private_key.sign(message)

    def key_card(self) -> bytes:
        """The key's self-signed card: its name and role signed with the key itself
        (spec/bundle.md §2.2). Deterministic, so it can be rebuilt at any time."""
        return KeyCard(self.info.public_key, self.info.name, self.info.role).sign(self.sign)


def _kdf(passphrase: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    try:
        secret = passphrase.encode("utf-8")
    except UnicodeEncodeError as e:  # bytes that are not UTF-8 in the environment or a prompt
        raise KeyStoreError("the passphrase is not valid UTF-8 text") from e
    return hashlib.scrypt(secret, salt=salt, n=n, r=r, p=p, maxmem=2**31 - 1, dklen=32)


def _aad(meta: dict[str, Any]) -> bytes:
    return _AAD_PREFIX + encode_cbor(meta)


class KeyStore:
    """A directory of encrypted key files."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def _path(self, name: str) -> Path:
        if not is_key_name(name):
            raise KeyStoreError(f"invalid key name {name!r}: use letters, digits, '.', '_' or '-'")
        return self.directory / f"{name}.key"

    def create(self, name: str, role: str, passphrase: str) -> PublicKeyInfo:
        """Generate a key and write it encrypted under ``passphrase``.

        Raises: KeyStoreError if the name or role is invalid, the key exists, or the passphrase is empty.
        """
        return self.create_signer(name, role, passphrase).info

    def create_signer(self, name: str, role: str, passphrase: str) -> Signer:
        """:meth:`create`, returning the new key already unlocked (one key derivation, not two).

        Raises: as :meth:`create`.
        """
        (signer,) = self.create_signers([(name, role)], passphrase)
        return signer

    def create_signers(self, keys: Sequence[tuple[str, str]], passphrase: str) -> list[Signer]:
        """Generate several keys (``(name, role)`` pairs) under one passphrase with **one** key
        derivation: the files share one random salt (they share the passphrase, so whoever
        guesses it opens them all either way), each has its own nonce, and each opens alone with
        :meth:`unlock` at the store's normal scrypt cost. Returns them unlocked, in order.

        Raises: KeyStoreError if a name or role is invalid or repeated, a key exists, or the
        passphrase is too short.
        """
        names = [name for name, _ in keys]
        if len(set(names)) != len(names):
            raise KeyStoreError("the same key name twice")
        for name, role in keys:
            if self._path(name).exists():  # (and the name's rules)
                raise KeyStoreError(f"key {name!r} already exists in {self.directory}")
            if not is_key_role(role):
                raise KeyStoreError(f"invalid role {role!r}: lowercase letters, digits and '-'")
        if len(passphrase) < MIN_PASSPHRASE:
            raise KeyStoreError(f"a new key's passphrase has at least {MIN_PASSPHRASE} characters "
                                "(a few words are easier to remember than symbols)")
        self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        salt = os.urandom(16)
        from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305

        wrapping = ChaCha20Poly1305(_kdf(passphrase, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P))
        return [self._write_new(name, role, salt, wrapping) for name, role in keys]

    def _write_new(self, name: str, role: str, salt: bytes, wrapping: ChaCha20Poly1305) -> Signer:
        """A new key's file, its seed sealed with ``wrapping`` (the AEAD keyed by scrypt over ``salt``)."""
        path = self._path(name)
        seed = os.urandom(32)  # the RFC 8032 private key
        public = SigningKey(seed).public_key
        nonce = os.urandom(12)
        meta = {"format": KEY_FILE_FORMAT, "name": name, "role": role, "public_key": public.hex(),
                "kdf": {"alg": "scrypt", "n": SCRYPT_N, "r": SCRYPT_R, "p": SCRYPT_P,
                        "salt": salt.hex()},
                "aead": {"alg": "chacha20-poly1305", "nonce": nonce.hex()}}
        ciphertext = wrapping.encrypt(nonce, seed, _aad(meta))
        document = json.dumps({**meta, "ciphertext": ciphertext.hex()}, indent=2) + "\n"
        if path.exists():
            raise KeyStoreError(f"key {name!r} already exists in {self.directory}")
        # Written whole under a temporary name, then linked into place (which fails if the name
        # was taken meanwhile): a full disk or a crash never leaves a half-written key file.
        fd, temp = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=self.directory)
        try:
            with os.fdopen(fd, "w") as handle:
                handle.write(document)
                handle.flush()
                os.fsync(handle.fileno())
            os.link(temp, path)
        except FileExistsError as e:
            raise KeyStoreError(f"key {name!r} already exists in {self.directory}") from e
        finally:
            Path(temp).unlink(missing_ok=True)
        return Signer.from_seed(PublicKeyInfo(name, role, public), seed)

    def _read(self, name: str) -> dict[str, Any]:
        path = self._path(name)
        if not path.exists():
            raise KeyStoreError(f"no key named {name!r} in {self.directory} (see 'provenote key list')")
        try:
            with open_regular(path) as handle:
                document = json.loads(handle.read(MAX_KEY_FILE + 1).decode("utf-8"))
        except AssetError as e:
            raise KeyStoreError(f"key file {path}: {e}") from e
        except (OSError, ValueError, RecursionError) as e:
            raise KeyStoreError(f"key file {path} is unreadable: {e}") from e
        if not isinstance(document, dict) or document.get("format") != KEY_FILE_FORMAT:
            raise KeyStoreError(f"key file {path} is not a {KEY_FILE_FORMAT} file")
        return document

    def info(self, name: str) -> PublicKeyInfo:
        """Raises: KeyStoreError if the key is missing or malformed."""
        document = self._read(name)
        try:
            public = bytes.fromhex(document["public_key"])
            if len(public) != 32 or document["name"] != name:
                raise ValueError("public key or name wrong")
            return PublicKeyInfo(document["name"], document["role"], public)
        except (KeyError, TypeError, ValueError) as e:
            raise KeyStoreError(f"key file for {name!r} is malformed") from e

    def list(self) -> list[PublicKeyInfo]:
        if not self.directory.is_dir():
            return []
        return [self.info(path.stem) for path in sorted(self.directory.glob("*.key"))]

    def unlock(self, name: str, passphrase: str) -> Signer:
        """Decrypt a key.

        Raises: KeyStoreError — one message for a wrong passphrase or a tampered file.
        """
        from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305

        document = self._read(name)
        try:
            kdf, aead = document["kdf"], document["aead"]
            if kdf["alg"] != "scrypt" or aead["alg"] != "chacha20-poly1305":
                raise ValueError("unsupported algorithms")
            n, r, p = int(kdf["n"]), int(kdf["r"]), int(kdf["p"])
            if n < MIN_SCRYPT_N or r < SCRYPT_R or p < 1 or n & (n - 1):
                raise ValueError("KDF parameters below the minimum of spec/keys.md")
            if n > MAX_SCRYPT_N or r > MAX_SCRYPT_R or p > MAX_SCRYPT_P:
                raise ValueError("KDF parameters above the ceiling of spec/keys.md")
            salt, nonce = bytes.fromhex(kdf["salt"]), bytes.fromhex(aead["nonce"])
            ciphertext = bytes.fromhex(document["ciphertext"])
            meta = {k: v for k, v in document.items() if k != "ciphertext"}
        except (KeyError, TypeError, ValueError) as e:
            raise KeyStoreError(f"key file for {name!r} is malformed: {e}") from e
        try:
            seed = ChaCha20Poly1305(_kdf(passphrase, salt, n, r, p)).decrypt(nonce, ciphertext, _aad(meta))
        except (InvalidTag, ValueError) as e:
            raise KeyStoreError(f"wrong passphrase for key {name!r} (or the key file was altered)") from e
        info = self.info(name)
        private = SigningKey(seed)
        if private.public_key != info.public_key:
            raise KeyStoreError(f"key file for {name!r} is inconsistent")
        return Signer(info, private)

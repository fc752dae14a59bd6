"""Keys: the name and role rules (spec/keys.md) and self-signed key cards (spec/bundle.md §2.2).

The one owner of these rules: the key store refuses a name or role the verifier would reject.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from verifier.format import _cbor as cbor
from verifier.format import _cose as cose
from verifier.format import _ed25519 as ed25519
from verifier.format._codes import Code, UntrustedDataError, UsageError, VerificationFailure
from verifier.format._ids import CTYPE_KEY, PUBLIC_KEY_SIZE, KeyId, key_id

#: A key's name: letters, digits, '.', '_' and '-', starting with a letter or digit, 1–64 long.
KEY_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
#: A key's role: lowercase letters, digits and '-', starting with a letter, 1–32 long.
KEY_ROLE = re.compile(r"[a-z][a-z0-9-]{0,31}")


def is_key_name(name: object) -> bool:
    """Whether ``name`` is a valid key name (the whole string: ``fullmatch``)."""
    return type(name) is str and KEY_NAME.fullmatch(name) is not None


def is_key_role(role: object) -> bool:
    """Whether ``role`` is a valid key role (the whole string: ``fullmatch``)."""
    return type(role) is str and KEY_ROLE.fullmatch(role) is not None


@dataclass(frozen=True, slots=True)
class KeyCard:
    """A public key with the name and role its holder signed with it. Valid by construction.

    Raises (on construction): UsageError for a wrong-sized key, a bad name or a bad role.
    """

    public_key: bytes
    name: str
    role: str

    def __post_init__(self) -> None:
        if not ed25519.is_valid_public_key(self.public_key):
            raise UsageError("not an Ed25519 public key the format admits (32 bytes, a point of the "
                             "prime-order subgroup, format.md §4.1)")
        if not is_key_name(self.name):
            raise UsageError(f"invalid key name {self.name!r}: letters, digits, '.', '_' or '-' (1 to 64)")
        if not is_key_role(self.role):
            raise UsageError(f"invalid role {self.role!r}: lowercase letters, digits and '-' (1 to 32)")

    @property
    def key_id(self) -> KeyId:
        return key_id(self.public_key)

    def payload(self) -> bytes:
        """The card's payload: ``{"public_key", "name", "role"}`` in deterministic CBOR."""
        return cbor.encode({"public_key": self.public_key, "name": self.name, "role": self.role})

    def sign(self, sign: Callable[[bytes], bytes]) -> bytes:
        """The card as a COSE_Sign1 signed by the key itself (``sign`` is its private key's)."""
        return cose.sign1(cose.protected_header(CTYPE_KEY, self.public_key, None), self.payload(), sign)


def parse_key_card(card: bytes) -> KeyCard:
    """Check a self-signed key card (step V2.1–V2.4).

    Raises: VerificationFailure ``key.malformed``, ``key.header_invalid`` or
    ``key.self_signature_invalid``.
    """
    sign1 = cose.parse_sign1(card, cose.KEY_CODES)
    header = cose.parse_protected(sign1.protected, cose.KEY_CODES)
    if header.content_type != CTYPE_KEY or header.subject is not None:
        raise VerificationFailure(Code.KEY_HEADER_INVALID, f"a key card has content type {CTYPE_KEY} and no sub")
    try:
        payload = cbor.decode(sign1.payload, what="key card")
    except UntrustedDataError as e:
        raise VerificationFailure(Code.KEY_MALFORMED, e.message) from e
    if (type(payload) is not dict or set(payload) != {"public_key", "name", "role"}
            or type(payload["public_key"]) is not bytes or len(payload["public_key"]) != PUBLIC_KEY_SIZE
            or not is_key_name(payload["name"]) or not is_key_role(payload["role"])):
        raise VerificationFailure(Code.KEY_MALFORMED, "a key card holds public_key, name and role")
    if not ed25519.is_valid_public_key(payload["public_key"]):
        raise VerificationFailure(Code.KEY_MALFORMED, "the card's key is not one the format admits (format.md §4.1)")
    if header.kid != key_id(payload["public_key"]):
        raise VerificationFailure(Code.KEY_HEADER_INVALID, "key card kid is not its key's id")
    cose.verify_signature(payload["public_key"], sign1.signature,
                          cose.sig_structure(sign1.protected, sign1.payload),
                          code=Code.KEY_SELF_SIGNATURE_INVALID)
    return KeyCard(payload["public_key"], payload["name"], payload["role"])


def parse_public_key_text(text: str) -> bytes:
    """An Ed25519 public key as people hand them over: PEM (SubjectPublicKeyInfo, as
    ``provenote key export`` writes it), the JSON of ``key export --json`` (``{"public_key": hex}``)
    or 64 hex characters. The one reader of these forms: the verifier's ``--trust`` and the
    writer's licence parties both call it.

    Raises: UsageError saying which form is wrong (the caller adds which file).
    """
    import json

    text = text.strip()
    if text.startswith("-----BEGIN"):
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

        try:
            key = serialization.load_pem_public_key(text.encode())
        except ValueError as e:
            raise UsageError("not a PEM public key") from e
        if not isinstance(key, Ed25519PublicKey):
            raise UsageError("not an Ed25519 public key")
        return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    if text.startswith("{"):
        try:
            text = str(json.loads(text)["public_key"])
        except (ValueError, KeyError, TypeError, RecursionError) as e:
            raise UsageError("JSON without a public_key") from e
    if len(text) != 2 * PUBLIC_KEY_SIZE or any(c not in "0123456789abcdefABCDEF" for c in text):
        raise UsageError(f"not a public key (PEM, key export --json, or {2 * PUBLIC_KEY_SIZE} hex characters)")
    return bytes.fromhex(text)

"""COSE_Sign1 envelopes (RFC 9052 §4.2) with Ed25519 (RFC 9864), as spec/format.md §4 fixes them.

An envelope is ``18([protected: bstr, unprotected: {}, payload: bstr, signature: bstr .size 64])``
in deterministic CBOR. The protected header is the deterministic encoding of
``{1: -19, 3: content-type, 4: kid, 15: {1: iss, ? 2: sub}}``. Signatures are checked over the
``Sig_structure`` built from the exact protected and payload bytes received.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import cbor2

from verifier.format import _cbor as cbor
from verifier.format import _ed25519 as ed25519
from verifier.format._codes import Code, UntrustedDataError, UsageError, VerificationFailure
from verifier.format._ids import (
    ALG_ED25519,
    COSE_SIGN1_TAG,
    CWT_ISS,
    CWT_SUB,
    HDR_ALG,
    HDR_CONTENT_TYPE,
    HDR_CWT_CLAIMS,
    HDR_KID,
    SIGNATURE_SIZE,
    KeyId,
    key_id,
)


@dataclass(frozen=True, slots=True, eq=False)  # compared and hashed by identity: three constants, cheap keys
class Sign1Codes:
    """The codes a COSE_Sign1 of one purpose reports: not well-formed, not deterministic, and a
    wrong header (spec/errors.md)."""

    malformed: Code
    noncanonical: Code
    header_invalid: Code


EVENT_CODES = Sign1Codes(Code.EVENT_MALFORMED, Code.EVENT_NONCANONICAL, Code.EVENT_HEADER_INVALID)
KEY_CODES = Sign1Codes(Code.KEY_MALFORMED, Code.KEY_MALFORMED, Code.KEY_HEADER_INVALID)
TRAILER_CODES = Sign1Codes(Code.BUNDLE_TRAILER_INVALID, Code.BUNDLE_TRAILER_INVALID,
                           Code.BUNDLE_TRAILER_INVALID)

_SIG1_CONTEXT = cbor2.dumps("Signature1")
#: The one message of every signature failure (pyca habit: one uniform authentication error).
BAD_SIGNATURE = "signature does not verify"
_EMPTY_AAD = b"\x40"
_SIGNATURE_HEAD = b"\x58\x40"  # a 64-byte byte string's head


def _bstr_head(length: int) -> bytes:
    if length < 24:
        return bytes([0x40 | length])
    if length < 0x100:
        return bytes([0x58, length])
    if length < 0x10000:
        return b"\x59" + length.to_bytes(2, "big")
    if length < 0x100000000:
        return b"\x5a" + length.to_bytes(4, "big")
    return b"\x5b" + length.to_bytes(8, "big")


def sig_structure(protected: bytes, payload: bytes) -> bytes:
    """``["Signature1", protected, h'', payload]`` (RFC 9052 §4.4), deterministically encoded."""
    return _sig_structure_prefix(protected) + _bstr_head(len(payload)) + payload


def _sig_structure_prefix(protected: bytes) -> bytes:
    """The Sig_structure's bytes before its payload's head."""
    return b"\x84" + _SIG1_CONTEXT + _bstr_head(len(protected)) + protected + _EMPTY_AAD


def _envelope_prefix(protected: bytes) -> bytes:
    """A tagged COSE_Sign1's bytes before its payload's head (an empty unprotected header)."""
    return b"\xd2\x84" + _bstr_head(len(protected)) + protected + b"\xa0"


@functools.lru_cache(maxsize=16)  # sign1's own: a writer signs under a few protected headers
def _signing_prefixes(protected: bytes) -> tuple[bytes, bytes]:
    return _sig_structure_prefix(protected), _envelope_prefix(protected)


@dataclass(frozen=True, slots=True)
class ProtectedHeader:
    """The decoded protected header of one envelope."""

    content_type: str
    kid: KeyId
    issuer: str  # CWT iss: the key id in lowercase hex
    subject: str | None  # CWT sub: the work id in lowercase hex (absent in a genesis event)
    #: The bytes ``subject`` is the lowercase hex of (None without a subject; b"" if it is not the
    #: lowercase hex of 32 bytes, which no work id equals): compared with ``work`` directly.
    subject_bytes: bytes | None = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        if type(self.content_type) is not str or type(self.kid) is not bytes or len(self.kid) != 32:
            raise TypeError("a protected header has a text content type and a 32-byte kid")
        if self.issuer != self.kid.hex():
            raise ValueError("CWT iss is the key id in lowercase hex")
        subject_bytes: bytes | None = None
        if self.subject is not None:
            try:
                subject_bytes = bytes.fromhex(self.subject)
            except ValueError:
                subject_bytes = b""
            if len(subject_bytes) != 32 or subject_bytes.hex() != self.subject:
                subject_bytes = b""
        object.__setattr__(self, "subject_bytes", subject_bytes)

    def encode(self) -> bytes:
        claims: dict[int, Any] = {CWT_ISS: self.issuer}
        if self.subject is not None:
            claims[CWT_SUB] = self.subject
        return cbor.encode(
            {HDR_ALG: ALG_ED25519, HDR_CONTENT_TYPE: self.content_type, HDR_KID: bytes(self.kid),
             HDR_CWT_CLAIMS: claims}
        )


_PROTECTED_CACHE: dict[tuple[bytes, Sign1Codes], ProtectedHeader] = {}
_PROTECTED_CACHE_SIZE = 4096


def parse_protected(data: bytes, codes: Sign1Codes) -> ProtectedHeader:
    """Parse and check a protected header (spec/verification.md step V3.3). The events of one
    signer in one work share their header bytes, so valid headers are remembered.

    Raises:
        VerificationFailure: ``codes.header_invalid`` or ``codes.noncanonical``.
    """
    cached = _PROTECTED_CACHE.get((data, codes))
    if cached is not None:
        return cached
    header = _parse_protected(data, codes)
    if len(_PROTECTED_CACHE) >= _PROTECTED_CACHE_SIZE:
        _PROTECTED_CACHE.clear()
    _PROTECTED_CACHE[(data, codes)] = header
    return header


def _parse_protected(data: bytes, codes: Sign1Codes) -> ProtectedHeader:
    try:
        value = cbor.decode(data, what="protected header")
    except cbor.NonCanonical as e:
        raise VerificationFailure(codes.noncanonical, e.message) from e
    except UntrustedDataError as e:
        raise VerificationFailure(codes.header_invalid, e.message) from e
    bad = codes.header_invalid
    if type(value) is not dict or set(value) != {HDR_ALG, HDR_CONTENT_TYPE, HDR_KID, HDR_CWT_CLAIMS}:
        raise VerificationFailure(bad, "protected header must hold exactly alg, content type, kid, CWT claims")
    if value[HDR_ALG] != ALG_ED25519 or type(value[HDR_ALG]) is not int:
        raise VerificationFailure(bad, f"algorithm must be Ed25519 ({ALG_ED25519})")
    ctype, kid, claims = value[HDR_CONTENT_TYPE], value[HDR_KID], value[HDR_CWT_CLAIMS]
    if type(ctype) is not str:
        raise VerificationFailure(bad, "content type must be text")
    if type(kid) is not bytes or len(kid) != 32:
        raise VerificationFailure(bad, "kid must be a 32-byte key id")
    if type(claims) is not dict or CWT_ISS not in claims or not set(claims) <= {CWT_ISS, CWT_SUB}:
        raise VerificationFailure(bad, "CWT claims must hold iss and, optionally, sub")
    issuer, subject = claims[CWT_ISS], claims.get(CWT_SUB)
    if type(issuer) is not str or issuer != kid.hex():
        raise VerificationFailure(bad, "CWT iss must be the key id in lowercase hex")
    if subject is not None and type(subject) is not str:
        raise VerificationFailure(bad, "CWT sub must be text")
    return ProtectedHeader(ctype, KeyId(kid), issuer, subject)


@dataclass(frozen=True, slots=True)
class Sign1:
    """The four parts of a COSE_Sign1 as received; ``protected`` and ``payload`` are raw bytes."""

    protected: bytes
    payload: bytes
    signature: bytes


def read_bstr(data: bytes, pos: int) -> tuple[bytes, int] | None:
    """The byte string at ``pos`` if its head is in shortest form and it fits; else None."""
    if pos >= len(data):
        return None
    first = data[pos]
    info = first & 0x1F
    if first >> 5 != 2 or info > 27:
        return None
    if info < 24:
        length, start = info, pos + 1
    else:
        width = 1 << (info - 24)
        start = pos + 1 + width
        length = int.from_bytes(data[pos + 1:start], "big")
        if start > len(data) or length < (24 if info == 24 else 1 << (8 << (info - 25))):
            return None
    end = start + length
    if end > len(data):
        return None
    return data[start:end], end


def _parse_sign1_exact(envelope: bytes) -> Sign1 | None:
    # The deterministic encoding of 18([bstr, {}, bstr, bstr .size 64]) has exactly one layout:
    # d2 84 <bstr protected> a0 <bstr payload> 58 40 <64 bytes>. Reading it by hand checks the
    # same thing as decode-and-re-encode, at a fraction of the cost; anything else goes the
    # slow way, which says precisely what is wrong.
    if envelope[:2] != b"\xd2\x84":
        return None
    if len(envelope) > 4 and envelope[2] == 0x58 and envelope[3] >= 24:  # common: a 24–255-byte header
        end = 4 + envelope[3]
        if envelope[end:end + 1] == b"\xa0":
            second = read_bstr(envelope, end + 1)
            if second is not None and envelope[second[1]:second[1] + 2] == b"\x58\x40" \
                    and len(envelope) == second[1] + 66:
                return Sign1(envelope[4:end], second[0], envelope[second[1] + 2:])
        return None
    first = read_bstr(envelope, 2)
    if first is None or envelope[first[1]:first[1] + 1] != b"\xa0":
        return None
    second = read_bstr(envelope, first[1] + 1)
    if second is None or envelope[second[1]:second[1] + 2] != b"\x58\x40" or len(envelope) != second[1] + 66:
        return None
    return Sign1(first[0], second[0], envelope[second[1] + 2:])


def parse_sign1(envelope: bytes, codes: Sign1Codes) -> Sign1:
    """Parse a tagged COSE_Sign1 (spec/verification.md step V3.2).

    Raises:
        VerificationFailure: ``codes.malformed`` if not a well-formed tagged COSE_Sign1,
            ``codes.noncanonical`` if not deterministically encoded,
            ``codes.header_invalid`` if the unprotected header is not empty.
    """
    exact = _parse_sign1_exact(envelope)
    if exact is not None:
        return exact
    try:
        value = cbor.decode(envelope, what="envelope")
    except cbor.NonCanonical as e:
        raise VerificationFailure(codes.noncanonical, e.message) from e
    except UntrustedDataError as e:
        raise VerificationFailure(codes.malformed, e.message) from e
    if type(value) is not cbor2.CBORTag or value.tag != COSE_SIGN1_TAG:
        raise VerificationFailure(codes.malformed, "envelope is not a tagged COSE_Sign1 (tag 18)")
    parts = value.value
    if type(parts) not in (list, tuple) or len(parts) != 4:
        raise VerificationFailure(codes.malformed, "COSE_Sign1 must be an array of four")
    protected, unprotected, payload, signature = parts
    if type(protected) is not bytes or type(payload) is not bytes or type(signature) is not bytes:
        raise VerificationFailure(codes.malformed, "COSE_Sign1 parts have the wrong types")
    if type(unprotected) not in (dict, cbor2.frozendict) or len(unprotected) != 0:
        raise VerificationFailure(codes.header_invalid, "unprotected header must be empty")
    if len(signature) != SIGNATURE_SIZE:
        raise VerificationFailure(codes.malformed, "Ed25519 signature must be 64 bytes")
    raise VerificationFailure(codes.malformed, "envelope is not in the one layout of spec/format.md §4")


def protected_header(content_type: str, public_key: bytes, subject: str | None) -> bytes:
    """The deterministic protected header of spec/format.md §4 for a signer and a subject."""
    kid = key_id(public_key)
    return ProtectedHeader(content_type, kid, kid.hex(), subject).encode()


def sign1(protected: bytes, payload: bytes, sign: Callable[[bytes], bytes]) -> bytes:
    """The one signing helper of the format: a deterministic, tagged COSE_Sign1 over ``payload``
    with the ``protected`` header (see :func:`protected_header`), signed by ``sign`` (an Ed25519
    private key's sign method) over the RFC 9052 Sig_structure. Every signature of the format —
    events, key cards, trailers — is made here.

    Raises: UsageError if ``sign`` does not return 64 bytes.
    """
    sig_prefix, envelope_prefix = _signing_prefixes(bytes(protected))  # (a bytes-like header too)
    payload_head = _bstr_head(len(payload))
    signature = sign(sig_prefix + payload_head + payload)  # sig_structure(protected, payload)
    if len(signature) != SIGNATURE_SIZE:
        raise UsageError("an Ed25519 signature is 64 bytes")
    return b"".join((envelope_prefix, payload_head, payload, _SIGNATURE_HEAD, signature))  # encode_sign1


def encode_sign1(protected: bytes, payload: bytes, signature: bytes) -> bytes:
    """Deterministic encoding of a tagged COSE_Sign1 with an empty unprotected header."""
    return b"".join((_envelope_prefix(protected), _bstr_head(len(payload)), payload, _bstr_head(len(signature)),
                     signature))


def verify_signature(public_key: bytes, signature: bytes, message: bytes, *, code: Code) -> None:
    """Check an Ed25519 signature under the pinned rule (format.md §4.1); raise the one uniform
    failure if it does not hold.

    Raises:
        VerificationFailure: ``code`` for any reason the signature does not verify.
    """
    if not ed25519.verify(public_key, signature, message):
        raise VerificationFailure(code, BAD_SIGNATURE)

"""Licence documents (spec/licensing.md §1): a COSE_Sign (RFC 9052 §4.1, tag 98) over one
payload of licence terms, with one COSE_Signature (Ed25519, alg −19) per party.

    98([protected: bstr .cbor {3: "application/vnd.provenote.licence.v1+cbor"},
        unprotected: {}, payload: bstr .cbor licence-terms,
        signatures: [* [protected: bstr .cbor {1: -19, 4: kid}, unprotected: {}, signature: bstr]]])

Each party signs ``["Signature", body protected, signature protected, h'', payload]``. The fee
and the free-text scope are salted commitments inside the terms (format.md §6), fixed before
anyone signs; the drafter keeps the salts and plaintexts.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from verifier.format import _cbor as cbor
from verifier.format import _ed25519 as ed25519
from verifier.format._codes import Code, SchemaError, UntrustedDataError, UsageError, VerificationFailure
from verifier.format._ids import (
    ALG_ED25519,
    DIGEST_SIZE,
    HDR_ALG,
    HDR_CONTENT_TYPE,
    HDR_KID,
    PUBLIC_KEY_SIZE,
    SIGNATURE_SIZE,
    KeyId,
    key_id,
)
from verifier.format._text import check_text

CTYPE_LICENCE = "application/vnd.provenote.licence.v1+cbor"
COSE_SIGN_TAG = 98
MAX_DOCUMENT = 1 << 16  # a licence document: terms and a few signatures
MAX_PARTIES = 16
DIRECTIONS = ("in", "out")
MEDIA = ("streaming", "broadcast", "sync", "live", "download", "ai-training", "public-performance",
         "advertising", "games", "other")
DERIVATIVES = ("allowed", "forbidden", "approval")
AI_TRAINING = ("allowed", "forbidden")
#: The licence's private fields, committed inside the document (and by the licence event). The
#: fee's plaintext is "AMOUNT CURRENCY", e.g. "1200.00 EUR" (spec/licensing.md §1).
LICENCE_PRIVATE = ("fee", "scope")
_FEE = re.compile(r"(0|[1-9][0-9]{0,17})(\.[0-9]{1,6})? [A-Z]{3}")


def parse_fee(text: str) -> tuple[str, str] | None:
    """A disclosed fee "AMOUNT CURRENCY" → (amount, currency), or None if it is not one."""
    if type(text) is not str or not _FEE.fullmatch(text):
        return None
    amount, currency = text.split(" ")
    return amount, currency
WORLD = "WORLD"
_COUNTRY = re.compile(r"[A-Z]{2}")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_DECIMAL = re.compile(r"(0|[1-9][0-9]{0,17})(\.[0-9]{1,6})?")
_CURRENCY = re.compile(r"[A-Z]{3}")
_BODY_PROTECTED = cbor.encode({HDR_CONTENT_TYPE: CTYPE_LICENCE})
_TAG = b"\xd8\x62"  # tag 98, COSE_Sign


def check_date(name: str, value: Any) -> date:
    """An ISO 8601 calendar date ``YYYY-MM-DD``. Raises SchemaError."""
    if type(value) is not str or not _DATE.fullmatch(value):
        raise SchemaError(f"{name} must be a date YYYY-MM-DD")
    try:
        return date.fromisoformat(value)
    except ValueError as e:
        raise SchemaError(f"{name} {value!r} is not a calendar date") from e


def check_decimal(name: str, value: Any) -> None:
    """An amount: a decimal string, no sign or exponent, at most 6 decimals (format.md §2)."""
    if type(value) is not str or not _DECIMAL.fullmatch(value):
        raise SchemaError(f"{name} must be a decimal string such as 1200.00 (no sign, at most 6 decimals)")


def check_currency(name: str, value: Any) -> None:
    """An ISO 4217 alphabetic code (three capital letters)."""
    if type(value) is not str or not _CURRENCY.fullmatch(value):
        raise SchemaError(f"{name} must be an ISO 4217 code such as EUR")


def check_country(name: str, value: Any) -> None:
    """An ISO 3166-1 alpha-2 code (two capital letters) — or WORLD where a list allows it."""
    if type(value) is not str or not _COUNTRY.fullmatch(value):
        raise SchemaError(f"{name} must be an ISO 3166-1 alpha-2 code such as CN")


def _keys(name: str, value: Any) -> tuple[bytes, ...]:
    if type(value) is not list or not 1 <= len(value) <= MAX_PARTIES:
        raise SchemaError(f"{name} must list 1 to {MAX_PARTIES} public keys")
    for key in value:
        if type(key) is not bytes or len(key) != PUBLIC_KEY_SIZE or not ed25519.is_valid_public_key(key):
            raise SchemaError(f"{name} holds a value that is not an Ed25519 public key the format admits")
    if len(set(value)) != len(value):
        raise SchemaError(f"{name} names a key twice")
    return tuple(value)


def _text(name: str, value: Any) -> str:
    check_text(name, value)
    return str(value)


def _choice(name: str, value: Any, choices: Sequence[str]) -> str:
    if type(value) is not str or value not in choices:
        raise SchemaError(f"{name} must be one of {', '.join(choices)}")
    return value


def _flag(name: str, value: Any) -> bool:
    if type(value) is not bool:
        raise SchemaError(f"{name} must be true or false")
    return value


@dataclass(frozen=True)
class LicenceTerms:
    """The payload of a licence document (spec/licensing.md §1). Validates on construction.

    Raises (on construction): SchemaError naming the first wrong field.
    """

    licensors: tuple[bytes, ...]
    licensees: tuple[bytes, ...]
    direction: str
    subject: str
    territory: tuple[str, ...]
    media: tuple[str, ...]
    start: str
    end: str
    commitments: Mapping[str, bytes]
    subject_assets: tuple[bytes, ...] = ()
    subject_model: str | None = None
    commercial_use: bool = True
    derivatives: str = "forbidden"
    attribution: bool = False
    revenue_share: str | None = None
    transferable: bool = False
    ai_training: str = "forbidden"
    parties: tuple[bytes, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        _keys("licensors", list(self.licensors))
        _keys("licensees", list(self.licensees))
        if set(self.licensors) & set(self.licensees):
            raise SchemaError("a key is both licensor and licensee")
        _choice("direction", self.direction, DIRECTIONS)
        _text("subject", self.subject)
        if type(self.territory) is not tuple or not 1 <= len(self.territory) <= 300:
            raise SchemaError("territory lists 1 to 300 codes")
        if self.territory != (WORLD,):
            for code in self.territory:
                check_country("territory", code)
        if len(set(self.territory)) != len(self.territory):
            raise SchemaError("territory names a code twice")
        if type(self.media) is not tuple or not 1 <= len(self.media) <= len(MEDIA):
            raise SchemaError("media lists 1 or more kinds of use")
        for medium in self.media:
            _choice("media", medium, MEDIA)
        if len(set(self.media)) != len(self.media):
            raise SchemaError("media names a kind twice")
        if check_date("term start", self.start) > check_date("term end", self.end):
            raise SchemaError("the term ends before it starts")
        if type(self.commitments) is not dict or set(self.commitments) != set(LICENCE_PRIVATE) or any(
                type(v) is not bytes or len(v) != DIGEST_SIZE for v in self.commitments.values()):
            raise SchemaError("commitments hold exactly fee and scope, each a 32-byte commitment")
        if type(self.subject_assets) is not tuple or len(self.subject_assets) > 4096 or any(
                type(a) is not bytes or len(a) != DIGEST_SIZE for a in self.subject_assets):
            raise SchemaError("subject assets are 32-byte SHA-256 hashes")
        if self.subject_model is not None:
            _text("subject model", self.subject_model)
        _flag("commercial use", self.commercial_use)
        _choice("derivatives", self.derivatives, DERIVATIVES)
        _flag("attribution", self.attribution)
        if self.revenue_share is not None:
            check_decimal("revenue share", self.revenue_share)
            if float(self.revenue_share) > 100:
                raise SchemaError("revenue share is a percentage of at most 100")
        _flag("transferable", self.transferable)
        _choice("ai training", self.ai_training, AI_TRAINING)
        object.__setattr__(self, "parties", self.licensors + self.licensees)

    def to_cbor(self) -> dict[str, Any]:
        subject: dict[str, Any] = {"text": self.subject}
        if self.subject_assets:
            subject["assets"] = list(self.subject_assets)
        if self.subject_model is not None:
            subject["model"] = self.subject_model
        terms: dict[str, Any] = {"commercial_use": self.commercial_use, "derivatives": self.derivatives,
                                 "attribution": self.attribution, "transferable": self.transferable,
                                 "ai_training": self.ai_training}
        if self.revenue_share is not None:
            terms["revenue_share"] = self.revenue_share
        value: dict[str, Any] = {
            "licensors": list(self.licensors), "licensees": list(self.licensees), "direction": self.direction,
            "subject": subject, "territory": list(self.territory), "media": list(self.media),
            "term": {"start": self.start, "end": self.end}, "terms": terms,
            "commitments": dict(self.commitments)}
        return value

    @classmethod
    def from_cbor(cls, value: Any) -> LicenceTerms:
        """Raises SchemaError for anything but the map spec/licensing.md §1 defines."""
        top = {"licensors", "licensees", "direction", "subject", "territory", "media", "term", "terms",
               "commitments"}
        if type(value) is not dict or set(value) != top:
            raise SchemaError(f"licence terms hold exactly {', '.join(sorted(top))}")
        subject, term, terms = value["subject"], value["term"], value["terms"]
        if type(subject) is not dict or "text" not in subject or not set(subject) <= {"text", "assets", "model"}:
            raise SchemaError("subject is {text, ? assets, ? model}")
        if type(term) is not dict or set(term) != {"start", "end"}:
            raise SchemaError("term is {start, end}")
        names = {"commercial_use", "derivatives", "attribution", "transferable", "ai_training"}
        if type(terms) is not dict or not names <= set(terms) or not set(terms) <= names | {"revenue_share"}:
            raise SchemaError(f"terms hold {', '.join(sorted(names))} and optionally revenue_share")
        for name in ("territory", "media"):
            if type(value[name]) is not list:
                raise SchemaError(f"{name} is a list")
        assets = subject.get("assets", [])
        if type(assets) is not list or (not assets and "assets" in subject):
            raise SchemaError("subject assets are a non-empty list")
        return cls(_keys("licensors", value["licensors"]), _keys("licensees", value["licensees"]),
                   value["direction"], subject["text"], tuple(value["territory"]), tuple(value["media"]),
                   term["start"], term["end"], value["commitments"], tuple(assets), subject.get("model"),
                   terms["commercial_use"], terms["derivatives"], terms["attribution"], terms.get("revenue_share"),
                   terms["transferable"], terms["ai_training"])

    def covers(self, *, territory: str, medium: str, on: str) -> list[str]:
        """Why a use is not covered by these terms (spec/licensing.md §3): ``outside_territory``,
        ``outside_media``, ``outside_term`` — empty when it is."""
        reasons = []
        if self.territory != (WORLD,) and territory not in self.territory:
            reasons.append("outside_territory")
        if medium not in self.media:
            reasons.append("outside_media")
        if not self.start <= on <= self.end:  # ISO dates compare as text
            reasons.append("outside_term")
        return reasons


def _signature_header(public_key: bytes) -> bytes:
    return cbor.encode({HDR_ALG: ALG_ED25519, HDR_KID: bytes(key_id(public_key))})


def _sig_structure(sign_protected: bytes, payload: bytes) -> bytes:
    """``["Signature", body_protected, sign_protected, h'', payload]`` (RFC 9052 §4.4)."""
    return cbor.encode(["Signature", _BODY_PROTECTED, sign_protected, b"", payload])


def _bad(message: str) -> SchemaError:
    return SchemaError(f"licence document: {message}")


@dataclass(frozen=True)
class LicenceDocument:
    """A licence document as bytes and terms, with the parties' signatures (verified where
    :meth:`parse` is asked to; sorted by key id, each party at most once)."""

    payload: bytes
    terms: LicenceTerms
    signatures: tuple[tuple[bytes, bytes], ...] = ()  # (signer public key, signature)

    @classmethod
    def draft(cls, terms: LicenceTerms) -> LicenceDocument:
        """An unsigned document over ``terms``."""
        return cls(cbor.encode(terms.to_cbor()), terms)

    def encode(self) -> bytes:
        signatures = [[_signature_header(pk), {}, signature] for pk, signature in self.signatures]
        return _TAG + cbor.encode([_BODY_PROTECTED, {}, self.payload, signatures])

    @property
    def signed_by(self) -> tuple[bytes, ...]:
        return tuple(pk for pk, _ in self.signatures)

    @property
    def unsigned_parties(self) -> tuple[bytes, ...]:
        return tuple(pk for pk in self.terms.parties if pk not in self.signed_by)

    def sign(self, public_key: bytes, sign: Callable[[bytes], bytes]) -> LicenceDocument:
        """This document with one more party's signature.

        Raises: UsageError for a key that is not a party, or a party that has signed already.
        """
        if public_key not in self.terms.parties:
            raise UsageError("that key is not a party to this licence (neither licensor nor licensee)")
        if public_key in self.signed_by:
            raise UsageError("that party has signed this licence already")
        signature = sign(_sig_structure(_signature_header(public_key), self.payload))
        signatures = sorted((*self.signatures, (public_key, signature)), key=lambda s: key_id(s[0]))
        return LicenceDocument(self.payload, self.terms, tuple(signatures))

    @classmethod
    def parse(cls, data: Any, *, verify: bool = True) -> LicenceDocument:
        """Parse a document: deterministic CBOR of the layout above, terms per §1, and — unless
        ``verify`` is False (the form alone, V4: ``signatures`` then lists the parties' signatures
        unchecked, for a chain whose V5.2 has passed) — each signature by a party, once,
        verifying over the bytes received (spec/licensing.md §1, V5.2).

        Raises: SchemaError for the form (``event.schema_invalid`` in an event);
        VerificationFailure ``licence.signature_invalid`` for a signature by a non-party or one
        that does not verify.
        """
        if type(data) is not bytes or len(data) > MAX_DOCUMENT:
            raise _bad(f"a byte string of at most {MAX_DOCUMENT} bytes")
        if not data.startswith(_TAG):
            raise _bad("a COSE_Sign (tag 98)")
        try:  # the one tag of the format's data model here: COSE_Sign's own (RFC 9052 §4.1)
            value = cbor.decode(data[len(_TAG):], what="licence document")
        except UntrustedDataError as e:
            raise _bad(e.message) from e
        if type(value) is not list or len(value) != 4:
            raise _bad("a COSE_Sign of four parts")
        protected, unprotected, payload, signatures = value
        if protected != _BODY_PROTECTED or unprotected != {} or type(payload) is not bytes:
            raise _bad(f"its protected header is {{3: {CTYPE_LICENCE}}}, its unprotected header empty")
        if type(signatures) is not list or len(signatures) > MAX_PARTIES * 2:
            raise _bad("signatures are a list")
        try:
            terms = LicenceTerms.from_cbor(cbor.decode(payload, what="licence terms"))
        except UntrustedDataError as e:
            raise _bad(e.message) from e
        by_kid = {key_id(pk): pk for pk in terms.parties}
        found: list[tuple[bytes, bytes]] = []
        kids: list[bytes] = []
        for item in signatures:
            if type(item) is not list or len(item) != 3 or item[1] != {} or type(item[0]) is not bytes \
                    or type(item[2]) is not bytes or len(item[2]) != SIGNATURE_SIZE:
                raise _bad("a signature is [protected, {}, 64 bytes]")
            try:
                header = cbor.decode(item[0], what="signature header")
            except UntrustedDataError as e:
                raise _bad(e.message) from e
            if type(header) is not dict or set(header) != {HDR_ALG, HDR_KID} or header[HDR_ALG] != ALG_ED25519:
                raise _bad("a signature's protected header is {1: -19, 4: kid}")
            kid = header[HDR_KID]
            if type(kid) is not bytes or len(kid) != DIGEST_SIZE:
                raise _bad("a signature's kid is a 32-byte key id")
            if kids and kid <= kids[-1]:
                raise _bad("signatures are sorted by key id, one per party")
            kids.append(kid)
            public_key = by_kid.get(KeyId(kid))
            if not verify:  # the form alone: a party's signature is named, not checked
                if public_key is not None:
                    found.append((public_key, item[2]))
                continue
            if public_key is None:
                raise VerificationFailure(Code.LICENCE_SIGNATURE_INVALID, "a signature by a key that is not a party")
            if not ed25519.verify(public_key, item[2], _sig_structure(item[0], payload)):
                raise VerificationFailure(Code.LICENCE_SIGNATURE_INVALID,
                                          f"the signature of party {key_id(public_key).hex()[:16]} does not verify")
            found.append((public_key, item[2]))
        document = cls(payload, terms, tuple(found))
        if verify and document.encode() != data:
            raise _bad("not in its deterministic encoding")
        return document


def check_licence_event(body: Mapping[str, Any], commitments: Mapping[str, bytes], seq: int | None = None
                        ) -> LicenceDocument:
    """V5.2 (spec/verification.md): every signature of a licence event's document is a party's,
    once, verifying over the bytes received, and the event commits to exactly the fee and scope
    the document commits to. (A party that has not signed is the finding
    ``licence.unsigned_party`` of V13, not an error here.)

    Raises: VerificationFailure ``licence.signature_invalid`` (with ``event`` = ``seq``).
    """
    try:
        document = LicenceDocument.parse(body["document"])
    except VerificationFailure as e:
        e.event = seq
        raise
    except SchemaError as e:  # the form passed V4 already: only a signature can fail here
        raise VerificationFailure(Code.LICENCE_SIGNATURE_INVALID, str(e), event=seq) from e
    if dict(commitments) != dict(document.terms.commitments):
        raise VerificationFailure(Code.LICENCE_SIGNATURE_INVALID,
                                  "the event's fee and scope commitments are not the document's", event=seq)
    return document

"""C2SP signed notes, checkpoints, cosignatures, verifier keys and add-checkpoint bodies.

Pure: text or bytes in, typed values or coded errors out. Implements

* c2sp.org/signed-note (v1.0.0 and the "Verifier keys" section): notes, signature lines,
  key ids, Ed25519 signatures (type 0x01), vkeys;
* c2sp.org/tlog-checkpoint: the checkpoint note text;
* c2sp.org/tlog-cosignature: Ed25519 cosignatures v1 (type 0x04; not the ML-DSA-44 type);
* c2sp.org/tlog-witness: the body of an add-checkpoint request.

Untrusted input that breaks a rule raises ``VerificationFailure(Code.LOG_MALFORMED)``; a
signature from the expected key that does not verify raises ``LOG_SIGNATURE_INVALID`` (a note)
or ``WITNESS_SIGNATURE_INVALID`` (a cosignature); misuse by the caller raises ``UsageError``.
Every Ed25519 check goes through :func:`verifier.format._ed25519.verify`.

Where the texts leave room, this module is strict so that parsing then encoding gives back the
same bytes: base64 must be canonical (padding, zero trailing bits), the vkey's key id lowercase.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from verifier.format._codes import Code, UsageError, VerificationFailure
from verifier.format._ed25519 import Ed25519Signer, is_signer, is_valid_public_key, verify

#: signed-note §Signature types: Ed25519 over the note text.
SIG_ED25519 = 0x01
#: signed-note §Signature types / tlog-cosignature: timestamped Ed25519 cosignature v1.
SIG_COSIGNATURE_V1 = 0x04
#: The largest signed note accepted, in bytes (signed-note §Format: verifiers SHOULD limit size).
MAX_NOTE_SIZE = 1 << 20
#: The most signature lines accepted in one note (signed-note §Format: at least 16 MUST be).
MAX_SIGNATURES = 100
#: tlog-witness §add-checkpoint: a client MUST NOT send more than 63 proof lines.
MAX_PROOF_LINES = 63
#: Tree sizes and timestamps are below 2**63 (tlog-cosignature §Format for the timestamp).
MAX_UINT63 = (1 << 63) - 1

KEY_ID_SIZE = 4
HASH_SIZE = 32
ED25519_KEY_SIZE = 32
ED25519_SIG_SIZE = 64
TIMESTAMP_SIZE = 8

_SIG_PREFIX = "— "  # signed-note §Format: em dash (U+2014), space
_COSIGNATURE_HEADER = b"cosignature/v1\n"  # tlog-cosignature §Ed25519 signed message
_CONTROL = re.compile("[\x00-\x09\x0b-\x1f]")  # ASCII controls other than newline
_DECIMAL = re.compile("0|[1-9][0-9]{0,18}")  # ASCII decimal, no leading zeroes, < 10**19
_KEY_ID_HEX = re.compile("[0-9a-f]{8}")
_OLD_LINE = re.compile(rb"old (0|[1-9][0-9]{0,18})")
_SUPPORTED_TYPES = (SIG_ED25519, SIG_COSIGNATURE_V1)
# the head of an add-checkpoint body: "old " + 19 digits + "\n", then 63 lines of 44 + "\n", "\n"
_MAX_ADD_CHECKPOINT_HEAD = 24 + MAX_PROOF_LINES * 45 + 1


def _malformed(message: str) -> VerificationFailure:
    return VerificationFailure(Code.LOG_MALFORMED, message)


def _b64encode(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _b64decode(text: str) -> bytes | None:
    """The bytes of canonical standard base64 (RFC 4648 §4, with padding), or None."""
    if not text.isascii():
        return None
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return None
    return raw if _b64encode(raw) == text else None


def _is_utf8(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate
        return False
    return True


def _is_space(char: str) -> bool:
    return char.isspace() or unicodedata.category(char) in ("Zs", "Zl", "Zp")


def is_note_key_name(name: object) -> bool:
    """Whether ``name`` may name a key in a signature line or vkey (signed-note §Format: non-empty,
    no Unicode space, no '+'; and, being part of a note, no control character)."""
    return (
        type(name) is str
        and name != ""
        and "+" not in name
        and _CONTROL.search(name) is None
        and not any(_is_space(char) for char in name)
        and _is_utf8(name)
    )


def _text_problem(text: object) -> str | None:
    """Why ``text`` cannot be a note text (signed-note §Format), or None if it can: a str of valid
    UTF-8, ending in a newline, with no ASCII control character but newline."""
    if type(text) is not str:
        return "a note text is a str"
    if not text.endswith("\n"):
        return "a note text ends in a newline"
    if _CONTROL.search(text) is not None:
        return "a note holds no control character but newline"
    if not _is_utf8(text):
        return "a note text is valid UTF-8"
    return None


def _is_line(value: object) -> bool:
    """A non-empty line of a note text: no newline, no control character, valid UTF-8."""
    return type(value) is str and value != "" and "\n" not in value and _text_problem(value + "\n") is None


def _is_uint63(value: object) -> bool:
    return type(value) is int and 0 <= value <= MAX_UINT63


def note_key_id(name: str, sig_type: int, public_key: bytes) -> bytes:
    """The 4-byte key id SHA-256(name || 0x0A || type || public key)[:4] (signed-note
    §Signatures). Raises UsageError for a name a signature line cannot carry, a type outside
    0..255 or a key that is not bytes."""
    if not is_note_key_name(name):
        raise UsageError(f"{name!r} is not a note key name (non-empty, no spaces, no '+')")
    if type(sig_type) is not int or not 0 <= sig_type <= 0xFF:
        raise UsageError("a signature type is one byte")
    if type(public_key) is not bytes:
        raise UsageError("a public key is bytes")
    return hashlib.sha256(name.encode("utf-8") + b"\n" + bytes([sig_type]) + public_key).digest()[:KEY_ID_SIZE]


@dataclass(frozen=True, slots=True)
class NoteSignature:
    """One signature line: the key name, the 4-byte key id, and the signature bytes after it
    (64 for Ed25519 notes, 8 + 64 for a cosignature v1). Raises UsageError on construction for
    a bad name, a key id not of 4 bytes or an empty signature."""

    name: str
    key_id: bytes
    signature: bytes

    def __post_init__(self) -> None:
        if not is_note_key_name(self.name):
            raise UsageError(f"{self.name!r} is not a note key name (non-empty, no spaces, no '+')")
        if type(self.key_id) is not bytes or len(self.key_id) != KEY_ID_SIZE:
            raise UsageError("a note key id is 4 bytes")
        if type(self.signature) is not bytes or not self.signature:
            raise UsageError("a note signature is non-empty bytes")

    def line(self) -> str:
        """The line ``— <name> base64(key id || signature)\\n`` (signed-note §Signatures)."""
        return f"{_SIG_PREFIX}{self.name} {_b64encode(self.key_id + self.signature)}\n"


def _parse_signature_line(line: str) -> NoteSignature:
    """One signature line without its newline (signed-note §Format, §Signatures)."""
    if not line.startswith(_SIG_PREFIX):
        raise _malformed("a signature line starts with an em dash and a space")
    name, space, encoded = line[len(_SIG_PREFIX):].partition(" ")
    if not space or not is_note_key_name(name):
        raise _malformed("a signature line names a key: non-empty, no spaces, no '+'")
    raw = _b64decode(encoded)
    if raw is None or len(raw) <= KEY_ID_SIZE:
        raise _malformed("a signature is canonical base64 of a key id and at least one byte")
    return NoteSignature(name, raw[:KEY_ID_SIZE], raw[KEY_ID_SIZE:])


@dataclass(frozen=True, slots=True)
class SignedNote:
    """A signed note: the text (ending in a newline, which is signed) and one or more signature
    lines, in order. Raises UsageError on construction for a text that cannot be a note text,
    no signature or more than MAX_SIGNATURES, or an encoding over MAX_NOTE_SIZE."""

    text: str
    signatures: tuple[NoteSignature, ...]

    def __post_init__(self) -> None:
        problem = _text_problem(self.text)
        if problem is not None:
            raise UsageError(problem)
        if type(self.signatures) is not tuple or not all(type(s) is NoteSignature for s in self.signatures):
            raise UsageError("a note's signatures are a tuple of NoteSignature")
        if not 1 <= len(self.signatures) <= MAX_SIGNATURES:
            raise UsageError(f"a signed note has 1 to {MAX_SIGNATURES} signatures")
        if len(self.encode()) > MAX_NOTE_SIZE:
            raise UsageError(f"a signed note is at most {MAX_NOTE_SIZE} bytes")

    @classmethod
    def parse(cls, data: bytes) -> SignedNote:
        """The note encoded by ``data`` (signed-note §Format). Signatures are not checked here.
        Raises VerificationFailure(LOG_MALFORMED) for anything else: over MAX_NOTE_SIZE, not UTF-8,
        a control character but newline, no blank line before the signatures, a bad signature
        line, more than MAX_SIGNATURES, or anything after the last line's newline."""
        if not isinstance(data, bytes | bytearray | memoryview):
            raise UsageError("a signed note is parsed from bytes")
        data = bytes(data)
        if len(data) > MAX_NOTE_SIZE:
            raise _malformed(f"a signed note is at most {MAX_NOTE_SIZE} bytes")
        try:
            note = data.decode("utf-8")
        except UnicodeDecodeError:
            raise _malformed("a signed note is valid UTF-8") from None
        if _CONTROL.search(note) is not None:
            raise _malformed("a signed note holds no control character but newline")
        # signed-note §Format: the text is separated from the signatures by the last empty line;
        # the text keeps its final newline, the blank line belongs to neither.
        split = note.rfind("\n\n")
        if split < 0:
            raise _malformed("a signed note has a blank line before its signatures")
        text, block = note[: split + 1], note[split + 2 :]
        if not block.endswith("\n"):
            raise _malformed("a signed note ends with a signature line and its newline")
        lines = block[:-1].split("\n")
        if len(lines) > MAX_SIGNATURES:
            raise _malformed(f"a signed note has at most {MAX_SIGNATURES} signatures")
        signatures = tuple(_parse_signature_line(line) for line in lines)
        try:
            return cls(text, signatures)
        except UsageError as error:  # a limit only the whole note can break
            raise _malformed(str(error)) from None

    def encode(self) -> bytes:
        """The note's bytes: text, blank line, signature lines (each ending in a newline)."""
        return (self.text + "\n" + "".join(s.line() for s in self.signatures)).encode("utf-8")

    def with_signature(self, signature: NoteSignature) -> SignedNote:
        """This note with ``signature`` added at the end; a line of the same name and key id is
        replaced in place instead (so no key signs twice). Raises UsageError past the limits."""
        if type(signature) is not NoteSignature:
            raise UsageError("a note signature is a NoteSignature")
        kept: list[NoteSignature] = []
        placed = False
        for existing in self.signatures:
            if (existing.name, existing.key_id) != (signature.name, signature.key_id):
                kept.append(existing)
            elif not placed:
                kept.append(signature)
                placed = True
        if not placed:
            kept.append(signature)
        return SignedNote(self.text, tuple(kept))


def sign_note(text: str, name: str, key: Ed25519Signer) -> SignedNote:
    """The note of ``text`` with one Ed25519 signature (type 0x01) by ``key`` under ``name``,
    made over the UTF-8 text including its final newline (signed-note §Ed25519 signatures).
    Raises UsageError for a text that cannot be a note text or a bad key name."""
    problem = _text_problem(text)
    if problem is not None:
        raise UsageError(problem)
    if not is_signer(key):
        raise UsageError("a note is signed with a SigningKey (or an Ed25519Signer)")
    key_id = note_key_id(name, SIG_ED25519, key.public_key)
    return SignedNote(text, (NoteSignature(name, key_id, key.sign(text.encode("utf-8"))),))


def _check_public_key(public_key: bytes) -> None:
    if not is_valid_public_key(public_key):
        raise UsageError("not an Ed25519 public key the format admits")


def verify_note(note: SignedNote, name: str, public_key: bytes) -> bool:
    """Whether ``note`` carries a verifying Ed25519 (type 0x01) signature of the key
    (``name``, ``public_key``). False when no line has that name and key id (signed-note
    §Signatures: such lines are ignored; a name no line can carry matches nothing). Every line
    that matches is verified: raises VerificationFailure(LOG_SIGNATURE_INVALID) if any does not.
    Raises UsageError for a public key the format does not admit."""
    if type(note) is not SignedNote:
        raise UsageError("verify_note takes a SignedNote")
    _check_public_key(public_key)
    if not is_note_key_name(name):
        return False
    key_id = note_key_id(name, SIG_ED25519, public_key)
    message = note.text.encode("utf-8")
    matched = False
    for signature in note.signatures:
        if signature.name != name or signature.key_id != key_id:
            continue
        if not verify(public_key, signature.signature, message):
            raise VerificationFailure(
                Code.LOG_SIGNATURE_INVALID, f"the signature of {name}+{key_id.hex()} does not verify")
        matched = True
    return matched


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """A tlog-checkpoint note text: origin, tree size, RFC 6962 root hash (32 bytes, SHA-256),
    and optional extension lines. Raises UsageError on construction for an empty origin or
    extension line, a line with a newline or control character, a size outside 0..2**63-1 or a
    root not of 32 bytes."""

    origin: str
    size: int
    root: bytes
    extensions: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not _is_line(self.origin):
            raise UsageError("a checkpoint origin is one non-empty line")
        if not _is_uint63(self.size):
            raise UsageError("a tree size is an int in 0..2**63-1")
        if type(self.root) is not bytes or len(self.root) != HASH_SIZE:
            raise UsageError(f"a root hash is {HASH_SIZE} bytes")
        if type(self.extensions) is not tuple or not all(_is_line(e) for e in self.extensions):
            raise UsageError("checkpoint extensions are a tuple of non-empty lines")

    @classmethod
    def parse(cls, text: str) -> Checkpoint:
        """The checkpoint of a note text (tlog-checkpoint §Note text): at least three non-empty
        lines, each ending in a newline — origin; size in ASCII decimal without leading zeroes,
        below 2**63; canonical base64 of a 32-byte root; then extension lines. Raises
        VerificationFailure(LOG_MALFORMED) otherwise."""
        if type(text) is not str:
            raise UsageError("a checkpoint is parsed from the note text, a str")
        if len(text) > MAX_NOTE_SIZE:
            raise _malformed(f"a checkpoint is at most {MAX_NOTE_SIZE} characters")
        problem = _text_problem(text)
        if problem is not None:
            raise _malformed(problem)
        lines = text[:-1].split("\n")
        if len(lines) < 3 or "" in lines:
            raise _malformed("a checkpoint is at least three non-empty lines")
        origin, size, root = lines[:3]
        if _DECIMAL.fullmatch(size) is None or int(size) > MAX_UINT63:
            raise _malformed("a tree size is decimal, without leading zeroes, below 2**63")
        raw = _b64decode(root)
        if raw is None or len(raw) != HASH_SIZE:
            raise _malformed(f"a root hash is canonical base64 of {HASH_SIZE} bytes")
        return cls(origin, int(size), raw, tuple(lines[3:]))

    def text(self) -> str:
        """The note text: each line followed by a newline."""
        lines = (self.origin, str(self.size), _b64encode(self.root), *self.extensions)
        return "".join(line + "\n" for line in lines)


def cosignature_message(checkpoint_text: str, timestamp: int) -> bytes:
    """The message an Ed25519 cosignature v1 signs (tlog-cosignature §Ed25519 signed message):
    ``cosignature/v1\\ntime <timestamp>\\n`` then the checkpoint's note text. Raises UsageError
    for a timestamp outside 0..2**63-1 or a text that cannot be a note text."""
    problem = _text_problem(checkpoint_text)
    if problem is not None:
        raise UsageError(problem)
    if not _is_uint63(timestamp):
        raise UsageError("a cosignature timestamp is an int in 0..2**63-1")
    return _COSIGNATURE_HEADER + f"time {timestamp}\n".encode("ascii") + checkpoint_text.encode("utf-8")


def cosign(checkpoint_text: str, name: str, key: Ed25519Signer, timestamp: int) -> NoteSignature:
    """The cosignature v1 line of witness (``name``, ``key``) on a checkpoint at ``timestamp``
    (POSIX seconds): key id of type 0x04, signature = u64 big-endian timestamp || Ed25519
    signature (tlog-cosignature §Format). Raises UsageError for a text that is not a
    checkpoint, a bad name or a timestamp outside 0..2**63-1."""
    try:
        Checkpoint.parse(checkpoint_text)
    except VerificationFailure as error:
        raise UsageError(f"not a checkpoint: {error.message}") from None
    if not is_signer(key):
        raise UsageError("a cosignature is made with a SigningKey (or an Ed25519Signer)")
    message = cosignature_message(checkpoint_text, timestamp)
    key_id = note_key_id(name, SIG_COSIGNATURE_V1, key.public_key)
    return NoteSignature(name, key_id, timestamp.to_bytes(TIMESTAMP_SIZE, "big") + key.sign(message))


def verify_cosignature(checkpoint_text: str, sig: NoteSignature, name: str, public_key: bytes) -> int | None:
    """The timestamp of ``sig`` if it is a verifying cosignature v1 of witness (``name``,
    ``public_key``) on the checkpoint; None if its name or key id is not this witness's (the
    line is ignored). Raises VerificationFailure(WITNESS_SIGNATURE_INVALID) if it is this
    witness's but is not 8 + 64 bytes, has a timestamp over 2**63-1, or does not verify;
    VerificationFailure(LOG_MALFORMED) if the text is not a checkpoint; UsageError for a public
    key the format does not admit."""
    if type(sig) is not NoteSignature:
        raise UsageError("verify_cosignature takes a NoteSignature")
    _check_public_key(public_key)
    if not is_note_key_name(name):
        return None
    key_id = note_key_id(name, SIG_COSIGNATURE_V1, public_key)
    if sig.name != name or sig.key_id != key_id:
        return None
    Checkpoint.parse(checkpoint_text)
    where = f"the cosignature of {name}+{key_id.hex()}"
    if len(sig.signature) != TIMESTAMP_SIZE + ED25519_SIG_SIZE:
        raise VerificationFailure(Code.WITNESS_SIGNATURE_INVALID, f"{where} is not 8 + 64 bytes")
    timestamp = int.from_bytes(sig.signature[:TIMESTAMP_SIZE], "big")
    if timestamp > MAX_UINT63:  # tlog-cosignature §Format: MUST NOT exceed 2^63 - 1
        raise VerificationFailure(Code.WITNESS_SIGNATURE_INVALID, f"{where} has a timestamp over 2**63-1")
    message = cosignature_message(checkpoint_text, timestamp)
    if not verify(public_key, sig.signature[TIMESTAMP_SIZE:], message):
        raise VerificationFailure(Code.WITNESS_SIGNATURE_INVALID, f"{where} does not verify")
    return timestamp


@dataclass(frozen=True, slots=True)
class VerifierKey:
    """A note verifier key (signed-note §Verifier keys) for the Ed25519 types this module
    supports: 0x01 (notes) and 0x04 (cosignature v1). Raises UsageError on construction for a
    bad name, another type, or a public key the format does not admit."""

    name: str
    sig_type: int
    public_key: bytes

    def __post_init__(self) -> None:
        if not is_note_key_name(self.name):
            raise UsageError(f"{self.name!r} is not a note key name (non-empty, no spaces, no '+')")
        if type(self.sig_type) is not int or self.sig_type not in _SUPPORTED_TYPES:
            raise UsageError("a verifier key's type is 0x01 (Ed25519) or 0x04 (cosignature v1)")
        if not is_valid_public_key(self.public_key):
            raise UsageError("not an Ed25519 public key the format admits")

    @property
    def key_id(self) -> bytes:
        """SHA-256(name || 0x0A || type || public key)[:4]."""
        return note_key_id(self.name, self.sig_type, self.public_key)

    @classmethod
    def parse(cls, text: str) -> VerifierKey:
        """The key encoded as ``<name>+<hex key id>+<base64(type || key)>``, the key id in
        lowercase hex (signed-note §Conventions) and equal to the one computed. Raises
        VerificationFailure(LOG_MALFORMED) for any other text, an unsupported type or a bad key."""
        if type(text) is not str:
            raise UsageError("a verifier key is parsed from a str")
        parts = text.split("+", 2)  # the name holds no '+'; the base64 may
        if len(parts) != 3 or not is_note_key_name(parts[0]) or _KEY_ID_HEX.fullmatch(parts[1]) is None:
            raise _malformed("a verifier key is <name>+<8 lowercase hex digits>+<base64>")
        name, key_id_hex, encoded = parts
        raw = _b64decode(encoded)
        if raw is None or len(raw) < 1:
            raise _malformed("a verifier key ends in canonical base64 of its type and key")
        sig_type, public_key = raw[0], raw[1:]
        if sig_type not in _SUPPORTED_TYPES:
            raise _malformed(f"verifier key type {sig_type:#04x} is not supported")
        if not is_valid_public_key(public_key):
            raise _malformed("a verifier key's Ed25519 public key is not one the format admits")
        if note_key_id(name, sig_type, public_key).hex() != key_id_hex:
            raise _malformed("a verifier key's key id does not match its name, type and key")
        return cls(name, sig_type, public_key)

    def format(self) -> str:
        """The vkey text ``<name>+<hex key id>+<base64(type || key)>``."""
        return f"{self.name}+{self.key_id.hex()}+{_b64encode(bytes([self.sig_type]) + self.public_key)}"


def encode_add_checkpoint(old_size: int, proof: Sequence[bytes], note: bytes) -> bytes:
    """The body of a tlog-witness add-checkpoint request: ``old <size>\\n``, one base64 hash per
    line, an empty line, then the signed checkpoint note. Raises UsageError for a size outside
    0..2**63-1, more than 63 hashes or one not of 32 bytes, hashes with an old size of zero, a
    note that is not a signed checkpoint, or an old size over the checkpoint's."""
    if not _is_uint63(old_size):
        raise UsageError("an old size is an int in 0..2**63-1")
    hashes = list(proof)
    if len(hashes) > MAX_PROOF_LINES or not all(type(h) is bytes and len(h) == HASH_SIZE for h in hashes):
        raise UsageError(f"a proof is at most {MAX_PROOF_LINES} hashes of {HASH_SIZE} bytes")
    if old_size == 0 and hashes:
        raise UsageError("the proof from an old size of zero is empty")
    if type(note) is not bytes:
        raise UsageError("the checkpoint note is bytes")
    try:
        checkpoint = Checkpoint.parse(SignedNote.parse(note).text)
    except VerificationFailure as error:
        raise UsageError(f"not a signed checkpoint: {error.message}") from None
    if old_size > checkpoint.size:
        raise UsageError("the old size is at most the checkpoint's size")
    head = f"old {old_size}\n" + "".join(_b64encode(h) + "\n" for h in hashes) + "\n"
    return head.encode("ascii") + note


def parse_add_checkpoint(data: bytes) -> tuple[int, list[bytes], bytes]:
    """(old size, proof hashes, signed note bytes) of an add-checkpoint body (tlog-witness
    §add-checkpoint). The note must parse as a signed note whose text is a checkpoint; its
    signatures are not checked. Raises VerificationFailure(LOG_MALFORMED) for a bad old size
    line, more than 63 proof lines, a line that is not canonical base64 of 32 bytes, no empty
    line, a note that is not a signed checkpoint, an old size over the checkpoint's (the
    witness's 400), or proof lines after an old size of zero."""
    if not isinstance(data, bytes | bytearray | memoryview):
        raise UsageError("an add-checkpoint body is parsed from bytes")
    data = bytes(data)
    if len(data) > MAX_NOTE_SIZE + _MAX_ADD_CHECKPOINT_HEAD:
        raise _malformed("an add-checkpoint body is too large")
    end = data.find(b"\n")
    old = _OLD_LINE.fullmatch(data[:end]) if end >= 0 else None
    if old is None or int(old.group(1)) > MAX_UINT63:
        raise _malformed("an add-checkpoint body starts with 'old <size>', decimal without leading zeroes")
    old_size = int(old.group(1))
    proof: list[bytes] = []
    start = end + 1
    while True:
        end = data.find(b"\n", start)
        if end < 0:
            raise _malformed("an add-checkpoint body has an empty line before the checkpoint")
        line = data[start:end]
        start = end + 1
        if not line:
            break
        if len(proof) == MAX_PROOF_LINES:
            raise _malformed(f"an add-checkpoint body has at most {MAX_PROOF_LINES} proof lines")
        try:
            text = line.decode("ascii")
        except UnicodeDecodeError:
            raise _malformed("a proof line is base64") from None
        raw = _b64decode(text)
        if raw is None or len(raw) != HASH_SIZE:
            raise _malformed(f"a proof line is canonical base64 of {HASH_SIZE} bytes")
        proof.append(raw)
    note = data[start:]
    checkpoint = Checkpoint.parse(SignedNote.parse(note).text)
    if old_size > checkpoint.size:
        raise _malformed("the old size exceeds the checkpoint's size")
    if old_size == 0 and proof:
        raise _malformed("the proof from an old size of zero is empty")
    return old_size, proof, note

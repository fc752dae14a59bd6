"""C2SP signed notes, checkpoints, cosignatures v1, vkeys and add-checkpoint bodies
(verifier/format/_note.py): an independent vector from Go's golang.org/x/mod, the examples of
the C2SP texts, round trips, every malformed-input class, and fuzzing under which only
VerificationFailure(LOG_MALFORMED) may escape a parser."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from verifier.format import (
    SIG_COSIGNATURE_V1,
    SIG_ED25519,
    Checkpoint,
    Code,
    NoteSignature,
    SignedNote,
    SigningKey,
    UsageError,
    VerificationFailure,
    VerifierKey,
    cosign,
    cosignature_message,
    encode_add_checkpoint,
    note_key_id,
    parse_add_checkpoint,
    sign_note,
    verify_cosignature,
    verify_note,
)

# --- An independent vector: golang.org/x/mod, sumdb/note/note_test.go (TestSign, TestOpen,
# TestNewVerifier), github.com/golang/mod at fe2ec04f7c3c3aa6fad97631aafcff6e49e2d1db.
# Copyright 2019 The Go Authors. All rights reserved. Licensed under the BSD-3-Clause licence
# (https://github.com/golang/mod/blob/master/LICENSE). Copied as data only.
GO_SKEY = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
GO_VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
GO_ENOCH_VKEY = "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop"
GO_TEXT = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n"
GO_PETER_SIG = ("— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6"
                "RyyBwJnAM=\n")
GO_ENOCH_SIG = ("— EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1R"
                "vMc+QQ=\n")
GO_SIGNED = GO_TEXT + "\n" + GO_PETER_SIG
# --- end of the Go vector

# --- The examples of the C2SP texts (github.com/C2SP/C2SP, CC BY 4.0).
# signed-note.md, the opening example (no key given) and §Verifier keys › Example.
C2SP_QUASIMODO = (
    "Ognuno sta solo sul cuor della terra\ntrafitto da un raggio di sole:\n\ned è subito sera.\n\n"
    "— quasimodo.example/salvatore NnugSzTjtVAewIS+Z/iJhUPeFDkO/5QQ2i5ddnGITLlC+EhfLW9oJKONrMouFSQU0xMcXxj99ihAQw"
    "aqP3ZekRwNtIc=\n")
C2SP_VKEY = "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k"
C2SP_VKEY_NOTE = ("This is an example message.\n\n— example.com/foo Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlT"
                  "gK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n")
# tlog-checkpoint.md and tlog-cosignature.md: the checkpoint, its log signature, a cosignature.
C2SP_CHECKPOINT_TEXT = "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
C2SP_LOG_SIG = ("— example.com/behind-the-sofa Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/Zhcyv2q1gGzGku9"
                "nTo+zyWE+xeMcTOAYQ8=\n")
C2SP_COSIG = ("— witness.example.com/w1 jWbPPwAAAABkGFDLEZMHwSRaJNiIDoe9DYn/zXcrtPHeolMI5OWXEhZCB9dlrDJsX3b2oyin1nPZ"
              "qhf5nNo0xUe+mbIUBkBIfZ+qnA==\n")
C2SP_COSIGNED_MESSAGE = b"cosignature/v1\ntime 1679315147\n" + C2SP_CHECKPOINT_TEXT.encode()
# tlog-witness.md §add-checkpoint: the example request and response bodies.
C2SP_ADD_CHECKPOINT = (
    "old 20852014\n"
    "PlRNCrwHpqhGrupue0L7gxbjbMiKA9temvuZZDDpkaw=\n"
    "jrJZDmY8Y7SyJE0MWLpLozkIVMSMZcD5kvuKxPC3swk=\n"
    "5+pKlUdi2LeF/BcMHBn+Ku6yhPGNCswZZD1X/6QgPd8=\n"
    "/6WVhPs2CwSsb5rYBH5cjHV/wSmA79abXAwhXw3Kj/0=\n"
    "\n" + C2SP_CHECKPOINT_TEXT + "\n" + C2SP_LOG_SIG
    + "— example.com/behind-the-sofa opLqBQsREYCgu6xQkYQwJr9fo45a62DN9EdmHXnZdXNqlcVGlCum2Wks+49/V6267UEjw6QUXTS5Rov"
      "nzv++qbSzm9Q=\n").encode()
C2SP_WITNESS_RESPONSE = (
    "— witness.example/w1 CMp+6LWBU0anHGH5aNDTJkH/gj79sG+T6+iP2ThYN5krrDJbR1HDnucjL39QsZTSvVjyQLrdk3DXDqI5G2HgLat"
    "Vs0pWh6Up69HVOw==\n"
    "— witness.example/w1 I7rEps0pvK2UqkS2gSpVUDhrhVtQV9lgF6pRrWAvjJHjyWpW7VcE3SiOlVlbQNt64vWhO+DlkL0+UfzuOBMh9Ch"
    "dMkP1vi/lCAsmlw==\n"
    "— witness.example/w2 AWui8Sk55XjYLOijihBjhqEH6nS1ndDymE0a+6idX7pLcnoB+dhnz0854aLZgrrKbYKA7nC3HNJhm/kWl7oJlqU"
    "3rXXvpysAdyP3wQ==\n")
# --- end of the C2SP examples

ORIGIN = "provenote/00112233445566778899aabbccddeeff"
LOG_KEY = SigningKey(bytes(range(32)))
WITNESS_KEY = SigningKey(bytes(range(1, 33)))
OTHER_KEY = SigningKey(bytes(range(2, 34)))
ROOT = hashlib.sha256(b"root").digest()
SMALL_ORDER_KEY = bytes(32)  # a small-order point: the format's Ed25519 rule refuses it


def go_seed() -> bytes:
    raw = base64.b64decode(GO_SKEY.split("+", 4)[4])  # PRIVATE+KEY+name+id+base64
    assert raw[0] == SIG_ED25519 and len(raw) == 33
    return raw[1:]


def malformed(call: Callable[[], object]) -> VerificationFailure:
    with pytest.raises(VerificationFailure) as caught:
        call()
    assert caught.value.code is Code.LOG_MALFORMED
    return caught.value


def vkey_refused(text: str) -> bool:
    try:
        VerifierKey.parse(text)
    except VerificationFailure as error:
        return error.code is Code.LOG_MALFORMED
    return False


def checkpoint_note(size: int = 5, key: SigningKey = LOG_KEY, extensions: tuple[str, ...] = ()) -> SignedNote:
    return sign_note(Checkpoint(ORIGIN, size, ROOT, extensions).text(), ORIGIN, key)


# --- the Go vector ------------------------------------------------------------------------------


def test_go_vector_is_signed_byte_for_byte() -> None:
    assert sign_note(GO_TEXT, "PeterNeumann", SigningKey(go_seed())).encode() == GO_SIGNED.encode()


def test_go_vkey_parses_round_trips_and_matches_the_private_key() -> None:
    key = VerifierKey.parse(GO_VKEY)
    assert (key.name, key.sig_type, key.key_id.hex()) == ("PeterNeumann", SIG_ED25519, "c74f20a3")
    assert key.public_key == SigningKey(go_seed()).public_key
    assert key.format() == GO_VKEY


def test_go_vector_verifies() -> None:
    key = VerifierKey.parse(GO_VKEY)
    note = SignedNote.parse(GO_SIGNED.encode())
    assert note.text == GO_TEXT and len(note.signatures) == 1
    assert note.signatures[0].key_id.hex() == "c74f20a3" and len(note.signatures[0].signature) == 64
    assert verify_note(note, key.name, key.public_key) is True
    assert note.encode() == GO_SIGNED.encode()


@pytest.mark.parametrize("index", [0, 1, 31, 32, 63])
@pytest.mark.parametrize("bit", [0, 7])
def test_go_vector_with_a_flipped_signature_bit_fails(index: int, bit: int) -> None:
    key = VerifierKey.parse(GO_VKEY)
    good = SignedNote.parse(GO_SIGNED.encode()).signatures[0]
    flipped = bytearray(good.signature)
    flipped[index] ^= 1 << bit
    note = SignedNote(GO_TEXT, (NoteSignature(good.name, good.key_id, bytes(flipped)),))
    with pytest.raises(VerificationFailure) as caught:
        verify_note(SignedNote.parse(note.encode()), key.name, key.public_key)
    assert caught.value.code is Code.LOG_SIGNATURE_INVALID


def test_go_vector_with_a_flipped_text_bit_fails() -> None:
    key = VerifierKey.parse(GO_VKEY)
    data = bytearray(GO_SIGNED.encode())
    data[0] ^= 1  # 'I' -> 'H': still a well-formed note
    with pytest.raises(VerificationFailure) as caught:
        verify_note(SignedNote.parse(bytes(data)), key.name, key.public_key)
    assert caught.value.code is Code.LOG_SIGNATURE_INVALID


def test_go_vector_with_a_flipped_key_id_bit_is_ignored() -> None:
    key = VerifierKey.parse(GO_VKEY)
    good = SignedNote.parse(GO_SIGNED.encode()).signatures[0]
    other_id = bytes([good.key_id[0] ^ 1]) + good.key_id[1:]
    note = SignedNote(GO_TEXT, (NoteSignature(good.name, other_id, good.signature),))
    assert verify_note(note, key.name, key.public_key) is False  # another key's line: ignored


def test_go_two_signers() -> None:
    peter, enoch = VerifierKey.parse(GO_VKEY), VerifierKey.parse(GO_ENOCH_VKEY)
    note = SignedNote.parse((GO_TEXT + "\n" + GO_PETER_SIG + GO_ENOCH_SIG).encode())
    assert verify_note(note, peter.name, peter.public_key)
    assert verify_note(note, enoch.name, enoch.public_key)
    only_enoch = SignedNote.parse((GO_TEXT + "\n" + GO_ENOCH_SIG).encode())
    assert not verify_note(only_enoch, peter.name, peter.public_key)


def test_go_invalid_signature_of_a_known_key_fails() -> None:
    key = VerifierKey.parse(GO_VKEY)
    note = SignedNote.parse((GO_TEXT + "\n" + GO_PETER_SIG[:60] + "ABCD" + GO_PETER_SIG[60:]).encode())
    with pytest.raises(VerificationFailure) as caught:
        verify_note(note, key.name, key.public_key)
    assert caught.value.code is Code.LOG_SIGNATURE_INVALID


def test_every_line_of_a_known_key_is_verified() -> None:
    """signed-note §Signatures: a verifier MUST verify every line matching a known key (Go checks
    only the first of repeated lines; this module checks them all)."""
    key = VerifierKey.parse(GO_VKEY)
    bad = GO_PETER_SIG[:60] + "ABCD" + GO_PETER_SIG[60:]
    note = SignedNote.parse((GO_TEXT + "\n" + GO_PETER_SIG + bad).encode())
    with pytest.raises(VerificationFailure):
        verify_note(note, key.name, key.public_key)


@pytest.mark.parametrize("message", [
    GO_TEXT,
    GO_TEXT + "\n",
    GO_TEXT + "\n" + GO_PETER_SIG[:-1],
    "\x01" + GO_TEXT + "\n" + GO_PETER_SIG,
    GO_TEXT + "\n" + "— Bad Name x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6R"
                     "yyBwJnAM=",
    GO_TEXT + "\n" + GO_PETER_SIG + "Unexpected line.\n",
])
def test_go_malformed_messages(message: str) -> None:
    malformed(lambda: SignedNote.parse(message.encode()))


def test_go_malformed_message_not_utf8() -> None:
    malformed(lambda: SignedNote.parse(b"\xff" + (GO_TEXT + "\n" + GO_PETER_SIG).encode()))


def test_go_too_many_signatures() -> None:
    malformed(lambda: SignedNote.parse((GO_TEXT + "\n" + GO_PETER_SIG * 101).encode()))
    note = SignedNote.parse((GO_TEXT + "\n" + GO_PETER_SIG * 100).encode())  # the limit itself
    assert len(note.signatures) == 100
    assert verify_note(note, "PeterNeumann", VerifierKey.parse(GO_VKEY).public_key)


def test_go_vkey_manglings_are_rejected() -> None:
    """TestNewVerifier: every proper substring, and every character moved up by one, fails."""
    n = len(GO_VKEY)
    substrings = [GO_VKEY[i:j] for i in range(n + 1) for j in range(i + 1, n + 1) if (i, j) != (0, n)]
    raised = [GO_VKEY[:i] + chr(ord(GO_VKEY[i]) + 1) + GO_VKEY[i + 1:] for i in range(n)]
    assert len(substrings) > 2000
    for text in substrings + raised:
        assert vkey_refused(text), text
    # a key of the wrong length and an unknown algorithm, each with a key id that matches
    malformed(lambda: VerifierKey.parse(
        "PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY=="))
    malformed(lambda: VerifierKey.parse("PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"))


# --- the C2SP examples ------------------------------------------------------------------------


def test_c2sp_signed_note_example_parses() -> None:
    note = SignedNote.parse(C2SP_QUASIMODO.encode())
    assert note.text == "Ognuno sta solo sul cuor della terra\ntrafitto da un raggio di sole:\n\ned è subito sera.\n"
    assert [s.name for s in note.signatures] == ["quasimodo.example/salvatore"]
    assert note.encode() == C2SP_QUASIMODO.encode()


def test_c2sp_vkey_example_verifies_its_note() -> None:
    key = VerifierKey.parse(C2SP_VKEY)
    assert key.format() == C2SP_VKEY and key.key_id.hex() == "530d903a"
    note = SignedNote.parse(C2SP_VKEY_NOTE.encode())
    assert verify_note(note, key.name, key.public_key)
    tampered = SignedNote.parse(C2SP_VKEY_NOTE.replace("example", "exemplary", 1).encode())
    with pytest.raises(VerificationFailure):
        verify_note(tampered, key.name, key.public_key)


def test_c2sp_checkpoint_example_parses() -> None:
    note = SignedNote.parse((C2SP_CHECKPOINT_TEXT + "\n" + C2SP_LOG_SIG).encode())
    checkpoint = Checkpoint.parse(note.text)
    assert (checkpoint.origin, checkpoint.size, checkpoint.extensions) == ("example.com/behind-the-sofa", 20852163, ())
    assert checkpoint.root == base64.b64decode("CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=")
    assert checkpoint.text() == C2SP_CHECKPOINT_TEXT
    assert note.signatures[0].name == checkpoint.origin and len(note.signatures[0].signature) == 64


def test_c2sp_cosignature_example_parses_and_its_message_is_the_spec_s() -> None:
    note = SignedNote.parse((C2SP_CHECKPOINT_TEXT + "\n" + C2SP_LOG_SIG + C2SP_COSIG).encode())
    cosig = note.signatures[1]
    assert cosig.name == "witness.example.com/w1" and len(cosig.signature) == 8 + 64
    timestamp = int.from_bytes(cosig.signature[:8], "big")
    assert timestamp == 1679315147  # the time line of tlog-cosignature's example message
    assert cosignature_message(note.text, timestamp) == C2SP_COSIGNED_MESSAGE


def test_c2sp_add_checkpoint_example_parses_and_round_trips() -> None:
    old_size, proof, note = parse_add_checkpoint(C2SP_ADD_CHECKPOINT)
    assert old_size == 20852014 and len(proof) == 4 and all(len(h) == 32 for h in proof)
    signed = SignedNote.parse(note)
    assert Checkpoint.parse(signed.text).size == 20852163 and len(signed.signatures) == 2
    assert encode_add_checkpoint(old_size, proof, note) == C2SP_ADD_CHECKPOINT


def test_c2sp_witness_response_appends_to_the_checkpoint() -> None:
    """tlog-witness: the client MAY concatenate the response to the checkpoint and parse a note."""
    note = SignedNote.parse((C2SP_CHECKPOINT_TEXT + "\n" + C2SP_LOG_SIG + C2SP_WITNESS_RESPONSE).encode())
    assert [s.name for s in note.signatures[1:]] == ["witness.example/w1"] * 2 + ["witness.example/w2"]
    assert all(len(s.signature) == 72 for s in note.signatures[1:])


# --- notes: round trips and the rules of verification ------------------------------------------


def test_note_key_id_is_the_spec_s_hash() -> None:
    key = LOG_KEY.public_key
    expected = hashlib.sha256(ORIGIN.encode() + b"\n\x01" + key).digest()[:4]
    assert note_key_id(ORIGIN, SIG_ED25519, key) == expected
    assert note_key_id(ORIGIN, SIG_COSIGNATURE_V1, key) != expected
    for bad in ("", "a b", "a+b", "a\u00a0b", "a\u3000b", "a\nb", "a\x01b", "\ud800"):
        with pytest.raises(UsageError):
            note_key_id(bad, SIG_ED25519, key)
    with pytest.raises(UsageError):
        note_key_id(ORIGIN, 256, key)


def test_sign_parse_encode_round_trip_with_the_project_s_origin() -> None:
    note = checkpoint_note()
    data = note.encode()
    assert SignedNote.parse(data) == note and SignedNote.parse(data).encode() == data
    assert verify_note(SignedNote.parse(data), ORIGIN, LOG_KEY.public_key)
    assert Checkpoint.parse(note.text) == Checkpoint(ORIGIN, 5, ROOT)


def test_a_note_text_may_hold_empty_lines_and_is_split_at_the_last() -> None:
    text = "a\n\nb\n\n"  # ends in an empty line: the separator is the one after it
    note = sign_note(text, "k", LOG_KEY)
    assert SignedNote.parse(note.encode()) == note
    assert note.encode() == b"a\n\nb\n\n\n" + note.signatures[0].line().encode()
    # a line that looks like a signature but stands before the last blank line is text
    looks = "x\n\n" + note.signatures[0].line() + "\n" + note.signatures[0].line()
    assert SignedNote.parse(looks.encode()).text == "x\n\n" + note.signatures[0].line()


def test_verify_note_ignores_other_keys_and_names() -> None:
    note = checkpoint_note()
    assert verify_note(note, ORIGIN, OTHER_KEY.public_key) is False  # another key id
    assert verify_note(note, "provenote/other", LOG_KEY.public_key) is False  # another name
    assert verify_note(note, "not a key name", LOG_KEY.public_key) is False  # no line can carry it
    with pytest.raises(UsageError):
        verify_note(note, ORIGIN, SMALL_ORDER_KEY)


def test_verify_note_raises_when_a_line_of_the_key_does_not_verify() -> None:
    note = checkpoint_note()
    forged = NoteSignature(ORIGIN, note_key_id(ORIGIN, SIG_ED25519, LOG_KEY.public_key),
                           OTHER_KEY.sign(note.text.encode()))
    with pytest.raises(VerificationFailure) as caught:
        verify_note(SignedNote(note.text, (forged,)), ORIGIN, LOG_KEY.public_key)
    assert caught.value.code is Code.LOG_SIGNATURE_INVALID


def test_with_signature_appends_and_replaces_the_same_key() -> None:
    note = checkpoint_note()
    other = sign_note(note.text, "provenote/mirror", OTHER_KEY).signatures[0]
    both = note.with_signature(other)
    assert both.signatures == (note.signatures[0], other)
    assert both.with_signature(other) == both  # same name and key id: not added twice
    resigned = NoteSignature(other.name, other.key_id, bytes(64))
    assert both.with_signature(resigned).signatures == (note.signatures[0], resigned)
    assert verify_note(SignedNote.parse(both.encode()), "provenote/mirror", OTHER_KEY.public_key)


def test_signed_note_limits_on_construction() -> None:
    line = checkpoint_note().signatures[0]
    with pytest.raises(UsageError):
        SignedNote("a\n", ())
    with pytest.raises(UsageError):
        SignedNote("no newline", (line,))
    with pytest.raises(UsageError):
        SignedNote("tab\there\n", (line,))
    with pytest.raises(UsageError):
        SignedNote("\ud800\n", (line,))
    with pytest.raises(UsageError):
        SignedNote("x" * (1 << 20) + "\n", (line,))
    many = [NoteSignature(f"k{i}", b"\0\0\0\0", b"s") for i in range(100)]
    full = SignedNote("a\n", tuple(many))
    with pytest.raises(UsageError):
        full.with_signature(NoteSignature("k100", b"\0\0\0\0", b"s"))
    with pytest.raises(UsageError):
        sign_note("no newline", "k", LOG_KEY)
    with pytest.raises(UsageError):
        sign_note("a\n", "bad name", LOG_KEY)
    for name, key_id, sig in (("", b"1234", b"s"), ("k", b"123", b"s"), ("k", b"1234", b"")):
        with pytest.raises(UsageError):
            NoteSignature(name, key_id, sig)


def test_signed_note_size_limit() -> None:
    sig = checkpoint_note().signatures[0].line()
    at_limit = "x" * ((1 << 20) - len(sig.encode()) - 2) + "\n"
    assert len(SignedNote.parse((at_limit + "\n" + sig).encode()).encode()) == 1 << 20
    malformed(lambda: SignedNote.parse(("x" + at_limit + "\n" + sig).encode()))


# --- checkpoints ------------------------------------------------------------------------------


@pytest.mark.parametrize("checkpoint", [
    Checkpoint(ORIGIN, 0, hashlib.sha256(b"").digest()),
    Checkpoint(ORIGIN, (1 << 63) - 1, ROOT),
    Checkpoint("an origin with spaces+plus", 7, ROOT, ("ext one", "— ext two")),
])
def test_checkpoint_round_trip(checkpoint: Checkpoint) -> None:
    assert Checkpoint.parse(checkpoint.text()) == checkpoint
    assert Checkpoint.parse(checkpoint.text()).text() == checkpoint.text()


def test_checkpoint_construction_is_validated() -> None:
    for args in (("", 1, ROOT), ("a\nb", 1, ROOT), (ORIGIN, -1, ROOT), (ORIGIN, 1 << 63, ROOT),
                 (ORIGIN, True, ROOT), (ORIGIN, 1, ROOT[:31]), (ORIGIN, 1, "x" * 32)):
        with pytest.raises(UsageError):
            Checkpoint(*args)
    for extensions in ([""], ("",), ("a\nb",), ("a\x00",)):
        with pytest.raises(UsageError):
            Checkpoint(ORIGIN, 1, ROOT, extensions)  # type: ignore[arg-type]


B64_ROOT = base64.b64encode(ROOT).decode()


@pytest.mark.parametrize("text", [
    "",
    "\n",
    f"{ORIGIN}\n1\n{B64_ROOT}",  # no final newline
    f"{ORIGIN}\n1\n",  # two lines
    f"\n1\n{B64_ROOT}\n",  # empty origin
    f"{ORIGIN}\n1\n{B64_ROOT}\n\n",  # an empty extension line
    f"{ORIGIN}\n1\n{B64_ROOT}\next\n\n",
    f"{ORIGIN}\n\n{B64_ROOT}\n",  # empty size
    f"{ORIGIN}\n01\n{B64_ROOT}\n",  # leading zero
    f"{ORIGIN}\n00\n{B64_ROOT}\n",
    f"{ORIGIN}\n+1\n{B64_ROOT}\n",
    f"{ORIGIN}\n-1\n{B64_ROOT}\n",
    f"{ORIGIN}\n 1\n{B64_ROOT}\n",
    f"{ORIGIN}\n1 \n{B64_ROOT}\n",
    f"{ORIGIN}\n1_0\n{B64_ROOT}\n",
    f"{ORIGIN}\n0x10\n{B64_ROOT}\n",
    f"{ORIGIN}\n\u0661\n{B64_ROOT}\n",  # an Arabic-Indic digit: int() would take it
    f"{ORIGIN}\n{1 << 63}\n{B64_ROOT}\n",
    f"{ORIGIN}\n{'9' * 20}\n{B64_ROOT}\n",
    f"{ORIGIN}\n{'9' * 5000}\n{B64_ROOT}\n",  # beyond int()'s digit limit
    f"{ORIGIN}\n1\n{base64.b64encode(ROOT[:31]).decode()}\n",
    f"{ORIGIN}\n1\n{base64.b64encode(ROOT + b'x').decode()}\n",
    f"{ORIGIN}\n1\n{B64_ROOT.rstrip('=')}\n",  # no padding
    f"{ORIGIN}\n1\n{B64_ROOT[:-2]}J=\n",  # non-zero trailing bits
    f"{ORIGIN}\n1\n{B64_ROOT.replace('+', '-').replace('/', '_')}x\n",
    f"{ORIGIN}\n1\n {B64_ROOT}\n",
    f"{ORIGIN}\r\n1\n{B64_ROOT}\n",  # a control character
    f"{ORIGIN}\n1\n{B64_ROOT}\nex\tt\n",
    f"\ud800\n1\n{B64_ROOT}\n",  # a lone surrogate is not UTF-8
    "x" * (1 << 20) + f"\n1\n{B64_ROOT}\n",
])
def test_malformed_checkpoints(text: str) -> None:
    malformed(lambda: Checkpoint.parse(text))


# --- cosignatures -----------------------------------------------------------------------------


WITNESS = "witness.example/w1"


def test_cosignature_round_trip() -> None:
    text = checkpoint_note().text
    line = cosign(text, WITNESS, WITNESS_KEY, 1679315147)
    assert line.key_id == note_key_id(WITNESS, SIG_COSIGNATURE_V1, WITNESS_KEY.public_key)
    assert line.signature[:8] == (1679315147).to_bytes(8, "big") and len(line.signature) == 72
    assert verify_cosignature(text, line, WITNESS, WITNESS_KEY.public_key) == 1679315147
    cosigned = SignedNote.parse(checkpoint_note().with_signature(line).encode())
    assert verify_cosignature(cosigned.text, cosigned.signatures[1], WITNESS, WITNESS_KEY.public_key) == 1679315147
    assert verify_note(cosigned, ORIGIN, LOG_KEY.public_key)
    assert verify_cosignature(text, cosign(text, WITNESS, WITNESS_KEY, 0), WITNESS, WITNESS_KEY.public_key) == 0


def test_cosignature_signs_the_spec_s_message() -> None:
    line = cosign(C2SP_CHECKPOINT_TEXT, WITNESS, WITNESS_KEY, 1679315147)
    assert WITNESS_KEY.sign(C2SP_COSIGNED_MESSAGE) == line.signature[8:]


def test_cosignature_of_another_witness_is_ignored() -> None:
    text = checkpoint_note().text
    line = cosign(text, WITNESS, WITNESS_KEY, 10)
    assert verify_cosignature(text, line, WITNESS, OTHER_KEY.public_key) is None  # wrong key
    assert verify_cosignature(text, line, "witness.example/w2", WITNESS_KEY.public_key) is None
    # a note signature (type 0x01) is not a cosignature (type 0x04), and the other way round
    log_line = checkpoint_note().signatures[0]
    assert verify_cosignature(text, log_line, ORIGIN, LOG_KEY.public_key) is None
    assert verify_note(SignedNote(text, (line,)), WITNESS, WITNESS_KEY.public_key) is False


def cosig_failure(text: str, line: NoteSignature) -> None:
    with pytest.raises(VerificationFailure) as caught:
        verify_cosignature(text, line, WITNESS, WITNESS_KEY.public_key)
    assert caught.value.code is Code.WITNESS_SIGNATURE_INVALID


def test_cosignature_with_another_time_or_checkpoint_fails() -> None:
    text = checkpoint_note().text
    line = cosign(text, WITNESS, WITNESS_KEY, 1000)
    cosig_failure(text, NoteSignature(WITNESS, line.key_id, (1001).to_bytes(8, "big") + line.signature[8:]))
    cosig_failure(checkpoint_note(size=6).text, line)
    cosig_failure(checkpoint_note(extensions=("ext",)).text, line)
    flipped = bytearray(line.signature)
    flipped[-1] ^= 1
    cosig_failure(text, NoteSignature(WITNESS, line.key_id, bytes(flipped)))
    forged = cosign(text, WITNESS, OTHER_KEY, 1000)  # the right name and key id, another key
    cosig_failure(text, NoteSignature(WITNESS, line.key_id, forged.signature))


def test_cosignature_of_a_wrong_size_or_too_late_fails() -> None:
    text = checkpoint_note().text
    line = cosign(text, WITNESS, WITNESS_KEY, 1000)
    cosig_failure(text, NoteSignature(WITNESS, line.key_id, line.signature[8:]))  # no timestamp
    cosig_failure(text, NoteSignature(WITNESS, line.key_id, line.signature + b"\0"))
    message = cosignature_message(text, 0).replace(b"time 0", f"time {1 << 63}".encode())
    late = (1 << 63).to_bytes(8, "big") + WITNESS_KEY.sign(message)
    cosig_failure(text, NoteSignature(WITNESS, line.key_id, late))


def test_cosignature_misuse_and_a_malformed_checkpoint() -> None:
    text = checkpoint_note().text
    calls: list[Callable[[], object]] = [
        lambda: cosign("not a checkpoint\n", WITNESS, WITNESS_KEY, 1),
        lambda: cosign(text, WITNESS, WITNESS_KEY, -1),
        lambda: cosign(text, WITNESS, WITNESS_KEY, 1 << 63),
        lambda: cosign(text, "bad name", WITNESS_KEY, 1),
        lambda: cosignature_message("no newline", 1),
        lambda: verify_cosignature(text, cosign(text, WITNESS, WITNESS_KEY, 1), WITNESS, SMALL_ORDER_KEY),
    ]
    for call in calls:
        with pytest.raises(UsageError):
            call()
    line = cosign(text, WITNESS, WITNESS_KEY, 1)
    malformed(lambda: verify_cosignature("one line\n", line, WITNESS, WITNESS_KEY.public_key))


# --- verifier keys ----------------------------------------------------------------------------


@pytest.mark.parametrize("sig_type", [SIG_ED25519, SIG_COSIGNATURE_V1])
def test_vkey_round_trip(sig_type: int) -> None:
    key = VerifierKey(WITNESS, sig_type, WITNESS_KEY.public_key)
    text = key.format()
    assert VerifierKey.parse(text) == key
    assert key.key_id == note_key_id(WITNESS, sig_type, WITNESS_KEY.public_key)
    assert text.split("+")[1] == key.key_id.hex()


def test_vkey_construction_is_validated() -> None:
    for args in (("", 1, LOG_KEY.public_key), ("a b", 1, LOG_KEY.public_key), ("k", 2, LOG_KEY.public_key),
                 ("k", 6, LOG_KEY.public_key), ("k", 1, SMALL_ORDER_KEY), ("k", 1, LOG_KEY.public_key[:31])):
        with pytest.raises(UsageError):
            VerifierKey(*args)


def vkey_text(name: str, sig_type: int, key: bytes, key_id: str | None = None) -> str:
    if key_id is None:
        key_id = hashlib.sha256(name.encode() + b"\n" + bytes([sig_type]) + key).digest()[:4].hex()
    return f"{name}+{key_id}+{base64.b64encode(bytes([sig_type]) + key).decode()}"


@pytest.mark.parametrize("text", [
    "",
    "k",
    "k+",
    "k++",
    vkey_text("k", 1, LOG_KEY.public_key, key_id="00000000"),  # a key id that does not match
    vkey_text("k", 1, LOG_KEY.public_key)[:-1],  # base64 cut short
    vkey_text("k", 1, LOG_KEY.public_key) + "\n",
    " " + vkey_text("k", 1, LOG_KEY.public_key),
    vkey_text("a b", 1, LOG_KEY.public_key),
    vkey_text("", 1, LOG_KEY.public_key),
    vkey_text("k", 2, LOG_KEY.public_key),  # an ECDSA type: not supported
    vkey_text("k", 6, LOG_KEY.public_key),  # ML-DSA-44 cosignatures: not supported
    vkey_text("k", 0xFF, LOG_KEY.public_key),
    vkey_text("k", 1, LOG_KEY.public_key[:31]),
    vkey_text("k", 1, LOG_KEY.public_key + b"\0"),
    vkey_text("k", 1, SMALL_ORDER_KEY),  # a key the format's Ed25519 rule refuses
    "k+00000000+",
    "k+e37c4f8e+AQ",
    "\ud800+00000000+AQ==",
])
def test_malformed_vkeys(text: str) -> None:
    malformed(lambda: VerifierKey.parse(text))


def test_vkey_with_an_uppercase_key_id_is_refused() -> None:
    good = vkey_text("k", 1, LOG_KEY.public_key)
    name, key_id, rest = good.split("+", 2)
    assert key_id != key_id.upper()  # the test holds a letter
    malformed(lambda: VerifierKey.parse(f"{name}+{key_id.upper()}+{rest}"))


# --- add-checkpoint ---------------------------------------------------------------------------


def test_add_checkpoint_round_trip() -> None:
    note = checkpoint_note(size=9).encode()
    proof = [hashlib.sha256(bytes([i])).digest() for i in range(3)]
    body = encode_add_checkpoint(4, proof, note)
    assert body.startswith(b"old 4\n") and parse_add_checkpoint(body) == (4, proof, note)
    assert parse_add_checkpoint(encode_add_checkpoint(0, [], note)) == (0, [], note)
    assert parse_add_checkpoint(encode_add_checkpoint(9, [], note)) == (9, [], note)
    full = [ROOT] * 63
    assert parse_add_checkpoint(encode_add_checkpoint(1, full, note))[1] == full


def test_add_checkpoint_misuse() -> None:
    note = checkpoint_note(size=9).encode()
    calls: list[Callable[[], object]] = [
        lambda: encode_add_checkpoint(-1, [], note),
        lambda: encode_add_checkpoint(10, [], note),  # past the checkpoint's size
        lambda: encode_add_checkpoint(0, [ROOT], note),  # a proof from zero
        lambda: encode_add_checkpoint(1, [ROOT] * 64, note),
        lambda: encode_add_checkpoint(1, [ROOT[:31]], note),
        lambda: encode_add_checkpoint(1, [], b"not a note"),
        lambda: encode_add_checkpoint(1, [], sign_note("text\n", "k", LOG_KEY).encode()),
    ]
    for call in calls:
        with pytest.raises(UsageError):
            call()


GOOD_NOTE = checkpoint_note(size=9).encode()
H = base64.b64encode(ROOT).decode()


@pytest.mark.parametrize("body", [
    b"",
    GOOD_NOTE,  # no old line
    b"old 1",
    b"old 1\n",  # no empty line
    b"old 1\n" + H.encode() + b"\n" + GOOD_NOTE,  # no empty line before the checkpoint
    b"old 01\n\n" + GOOD_NOTE,
    b"old -1\n\n" + GOOD_NOTE,
    b"old +1\n\n" + GOOD_NOTE,
    b"old  1\n\n" + GOOD_NOTE,
    b"old 1 \n\n" + GOOD_NOTE,
    b"Old 1\n\n" + GOOD_NOTE,
    b"old\n\n" + GOOD_NOTE,
    b"old 1\r\n\n" + GOOD_NOTE,
    f"old {1 << 63}\n\n".encode() + GOOD_NOTE,
    b"old " + b"9" * 5000 + b"\n\n" + GOOD_NOTE,
    b"old 10\n\n" + GOOD_NOTE,  # old size past the checkpoint's: the witness's 400
    b"old 0\n" + H.encode() + b"\n\n" + GOOD_NOTE,  # a proof from size zero
    b"old 1\n" + (H.encode() + b"\n") * 64 + b"\n" + GOOD_NOTE,  # 64 proof lines
    b"old 1\n" + base64.b64encode(ROOT[:31]) + b"\n\n" + GOOD_NOTE,
    b"old 1\n" + H.rstrip("=").encode() + b"\n\n" + GOOD_NOTE,
    b"old 1\n" + H.encode() + b" \n\n" + GOOD_NOTE,
    b"old 1\n\xff\n\n" + GOOD_NOTE,
    b"old 1\n\n" + GOOD_NOTE + b"x",  # not a note
    b"old 1\n\n" + sign_note("text\n", "k", LOG_KEY).encode(),  # a note, not a checkpoint
    b"old 1\n\n\n" + GOOD_NOTE,
    b"old 1\n\n" + b"x" * (1 << 21),
])
def test_malformed_add_checkpoint_bodies(body: bytes) -> None:
    malformed(lambda: parse_add_checkpoint(body))


# --- malformed notes, one class per rule ------------------------------------------------------


SIG = checkpoint_note().signatures[0]
B64 = base64.b64encode(SIG.key_id + SIG.signature).decode()


@pytest.mark.parametrize("note", [
    b"",
    b"\n",
    b"\n\n",
    b"text\n",
    b"text\n\n",  # no signature line
    f"text\n\n— k {B64}".encode(),  # no final newline
    f"text\n\n— k {B64}\nafter".encode(),
    f"text\n\n— k {B64}\n\n".encode(),  # a blank line after the signatures: no signature follows it
    f"text\n\n— k {B64}\nnot a signature\n".encode(),
    f"text\n\n- k {B64}\n".encode(),  # a hyphen, not an em dash
    f"text\n\n—k {B64}\n".encode(),
    f"text\n\n—  k {B64}\n".encode(),  # an empty name
    "text\n\n— k\n".encode(),
    b"text\n\n\xe2\x80\x94 k \n",
    f"text\n\n— k  {B64}\n".encode(),
    f"text\n\n— k {B64} \n".encode(),
    f"text\n\n— k {B64} more\n".encode(),
    f"text\n\n— a+b {B64}\n".encode(),  # '+' in a name
    f"text\n\n— a\u00a0b {B64}\n".encode(),  # a no-break space in a name
    f"text\n\n— a\u3000b {B64}\n".encode(),  # an ideographic space
    f"text\n\n— a\u2028b {B64}\n".encode(),  # a line separator
    f"text\n\n— k {B64.rstrip('=')}\n".encode(),  # no padding
    f"text\n\n— k {B64[:-3]}B==\n".encode(),  # non-zero trailing bits
    f"text\n\n— k -{B64[1:]}\n".encode(),  # the URL-safe alphabet
    f"text\n\n— k {base64.b64encode(b'1234').decode()}\n".encode(),  # a key id and no signature
    b"text\n\n\xe2\x80\x94 k AAAAAAA=\xff\n",
    b"te\x00xt\n\n" + SIG.line().encode(),  # control characters
    b"te\rxt\n\n" + SIG.line().encode(),
    b"te\txt\n\n" + SIG.line().encode(),
    b"te\x1fxt\n\n" + SIG.line().encode(),
    b"text\n\n" + SIG.line().encode()[:-1] + b"\r\n",
    b"\xff\n\n" + SIG.line().encode(),  # not UTF-8
    b"\xc0\xaf\n\n" + SIG.line().encode(),  # an overlong encoding
    b"\xed\xa0\x80\n\n" + SIG.line().encode(),  # a surrogate
    b"\xe2\x80\n\n" + SIG.line().encode(),  # a truncated sequence
    b"text\n\n" + SIG.line().encode() * 101,  # too many signatures
    b"x" * (1 << 20) + b"\n\n" + SIG.line().encode(),  # too large
])
def test_malformed_notes(note: bytes) -> None:
    malformed(lambda: SignedNote.parse(note))


def test_parse_refuses_non_bytes() -> None:
    with pytest.raises(UsageError):
        SignedNote.parse("text")  # type: ignore[arg-type]
    with pytest.raises(UsageError):
        Checkpoint.parse(b"text")  # type: ignore[arg-type]
    with pytest.raises(UsageError):
        VerifierKey.parse(b"k")  # type: ignore[arg-type]
    with pytest.raises(UsageError):
        parse_add_checkpoint("old 0\n")  # type: ignore[arg-type]


# --- fuzzing: only VerificationFailure(LOG_MALFORMED) escapes a parser, and what parses round trips


FUZZ = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
NOTE_ALPHABET = st.sampled_from(["\n", "\n\n", "— ", "—", " ", "+", "/", "=", "k", "A", "a", "0", "9", "\t",
                                 "\u00a0", "é", "\x00", B64, SIG.line(), "old 1\n"])


def note_like(data: st.DataObject) -> bytes:
    pieces = data.draw(st.lists(NOTE_ALPHABET, max_size=24))
    return "".join(pieces).encode()


def mutate(data: st.DataObject, valid: bytes) -> bytes:
    out = bytearray(valid)
    for _ in range(data.draw(st.integers(1, 4))):
        kind = data.draw(st.sampled_from(["flip", "insert", "delete", "truncate"]))
        at = data.draw(st.integers(0, max(len(out) - 1, 0)))
        if kind == "flip" and out:
            out[at] ^= 1 << data.draw(st.integers(0, 7))
        elif kind == "insert":
            out[at:at] = bytes([data.draw(st.integers(0, 255))])
        elif kind == "delete" and out:
            del out[at]
        elif kind == "truncate":
            del out[at:]
    return bytes(out)


def only_malformed(call: Callable[[], object]) -> object | None:
    try:
        return call()
    except VerificationFailure as error:
        assert error.code is Code.LOG_MALFORMED
        return None


@FUZZ
@given(data=st.data())
def test_fuzz_signed_note_parse(data: st.DataObject) -> None:
    source = data.draw(st.sampled_from(["bytes", "like", "mutated"]))
    if source == "bytes":
        raw = data.draw(st.binary(max_size=300))
    elif source == "like":
        raw = note_like(data)
    else:
        raw = mutate(data, data.draw(st.sampled_from([GO_SIGNED.encode(), C2SP_QUASIMODO.encode(),
                                                      checkpoint_note().encode()])))
    note = only_malformed(lambda: SignedNote.parse(raw))
    if isinstance(note, SignedNote):
        assert note.encode() == raw
        for name, key in (("PeterNeumann", VerifierKey.parse(GO_VKEY).public_key), (ORIGIN, LOG_KEY.public_key)):
            try:
                assert verify_note(note, name, key) in (True, False)
            except VerificationFailure as error:
                assert error.code is Code.LOG_SIGNATURE_INVALID
        checkpoint = only_malformed(lambda: Checkpoint.parse(note.text))
        if isinstance(checkpoint, Checkpoint):
            assert checkpoint.text() == note.text


@FUZZ
@given(data=st.data())
def test_fuzz_checkpoint_parse(data: st.DataObject) -> None:
    valid = Checkpoint(ORIGIN, 20852163, ROOT, ("ext",)).text()
    if data.draw(st.booleans()):
        text = data.draw(st.text(max_size=200))
    else:
        text = mutate(data, valid.encode()).decode("utf-8", "replace")
    checkpoint = only_malformed(lambda: Checkpoint.parse(text))
    if isinstance(checkpoint, Checkpoint):
        assert checkpoint.text() == text


@FUZZ
@given(data=st.data())
def test_fuzz_vkey_parse(data: st.DataObject) -> None:
    if data.draw(st.booleans()):
        text = data.draw(st.text(max_size=120))
    else:
        valid = data.draw(st.sampled_from([GO_VKEY, C2SP_VKEY, VerifierKey(WITNESS, 4, WITNESS_KEY.public_key).format()]))
        text = mutate(data, valid.encode()).decode("utf-8", "replace")
    key = only_malformed(lambda: VerifierKey.parse(text))
    if isinstance(key, VerifierKey):
        assert key.format() == text


@FUZZ
@given(data=st.data())
def test_fuzz_add_checkpoint_parse(data: st.DataObject) -> None:
    if data.draw(st.booleans()):
        body = data.draw(st.binary(max_size=300))
    else:
        body = mutate(data, data.draw(st.sampled_from([C2SP_ADD_CHECKPOINT, encode_add_checkpoint(
            4, [ROOT, ROOT], GOOD_NOTE)])))
    parsed = only_malformed(lambda: parse_add_checkpoint(body))
    if isinstance(parsed, tuple):
        old_size, proof, note = parsed
        assert encode_add_checkpoint(old_size, proof, note) == body


@FUZZ
@given(data=st.data())
def test_fuzz_cosignature_verify(data: st.DataObject) -> None:
    """A cosignature line of the witness with any bytes: a timestamp or WITNESS_SIGNATURE_INVALID."""
    text = checkpoint_note().text
    good = cosign(text, WITNESS, WITNESS_KEY, 1679315147)
    body = mutate(data, good.signature) or b"\0"
    line = NoteSignature(WITNESS, good.key_id, body)
    try:
        assert verify_cosignature(text, line, WITNESS, WITNESS_KEY.public_key) == 1679315147
        assert body == good.signature
    except VerificationFailure as error:
        assert error.code is Code.WITNESS_SIGNATURE_INVALID

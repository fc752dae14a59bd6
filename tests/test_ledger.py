"""The ledger API: append, batch, chain order, check, tamper detection, concurrent appenders."""

from __future__ import annotations

import contextlib
import itertools
import multiprocessing
from pathlib import Path
from typing import Any

import lmdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledger import EventDraft, Ledger, LedgerError, sign_event
from tests.helpers import fixed_signer, write_wav
from verifier.format import (
    FORMAT_VERSION,
    MAX_TIME,
    EventHash,
    EventPayload,
    VerificationFailure,
    WorkId,
    verify_event,
)

ALICE = fixed_signer(1)
BOB = fixed_signer(2, "bob")


@pytest.fixture
def book(tmp_path: Path) -> Any:
    ledger = Ledger.init(tmp_path / "ledger")
    yield ledger
    ledger.close()


def notes(n: int, prefix: str = "n") -> list[EventDraft]:
    return [EventDraft("note", {}, {"text": f"{prefix}{i}"}) for i in range(n)]


def test_append_builds_a_linear_chain(book: Ledger) -> None:
    work = book.create_work(ALICE, "Night Market").work
    first = book.append(work, ALICE, notes(1)[0])
    batch = book.append_batch(work, BOB, notes(3))
    chain = list(book.chain(work))
    assert [s.seq for s in chain] == [0, 1, 2, 3, 4]
    assert [r.seq for r in batch] == [2, 3, 4]
    assert chain[1].event.hash == first.hash
    for previous, current in itertools.pairwise(chain):
        assert current.event.payload.prev == previous.event.hash
        assert current.event.payload.time >= previous.event.payload.time
    assert book.check() == (1, 5)


def test_private_fields_are_committed_not_stored_in_event(book: Ledger) -> None:
    work = book.create_work(ALICE, "w").work
    appended = book.append(work, ALICE, EventDraft("note", {}, {"text": "secret lyric idea"}))
    stored = list(book.chain(work))[-1]
    assert b"secret lyric idea" not in stored.envelope
    assert set(stored.event.payload.commitments) == {"text"}
    salt, value = book.private_fields(appended.hash)["text"]
    assert value == "secret lyric idea" and len(salt) == 16


def test_batch_is_all_or_nothing(book: Ledger) -> None:
    work = book.create_work(ALICE, "w").work
    with pytest.raises(LedgerError):  # a bad body is refused as soon as the draft is made
        EventDraft("selection", {"candidates": [], "chosen": {}}, {})
    dangling = EventDraft("parameter-edit", {"of": bytes(32), "params": {"a": 1}, "outputs": []})
    with pytest.raises(LedgerError, match="names no earlier event"):  # refused inside the transaction
        book.append_batch(work, ALICE, [*notes(2), dangling])
    assert [s.seq for s in book.chain(work)] == [0]


def test_unknown_work_and_bad_reference(book: Ledger) -> None:
    with pytest.raises(LedgerError):
        book.append(WorkId(bytes(32)), ALICE, notes(1)[0])
    work = book.create_work(ALICE, "w").work
    note = book.append(work, ALICE, notes(1)[0])
    with pytest.raises(LedgerError, match="generation or parameter-edit"):
        book.append(work, ALICE, EventDraft("parameter-edit", {"of": note.hash, "params": {"a": 1},
                                                               "outputs": []}))


def test_prefix_resolution(book: Ledger) -> None:
    work = book.create_work(ALICE, "w").work
    assert book.resolve_work(work.hex()[:8]) == work
    assert book.resolve_work(work.hex()[:9].upper()) == work
    with pytest.raises(LedgerError):
        book.resolve_work(work.hex()[:7])
    with pytest.raises(LedgerError):
        book.resolve_work("zz" * 8)


def _tamper(path: Path, work: WorkId, seq: int, offset: int) -> None:
    env = lmdb.open(str(path), max_dbs=8, subdir=True)
    events = env.open_db(b"events")
    key = work + seq.to_bytes(8, "big")
    with env.begin(write=True) as txn:
        envelope = bytearray(txn.get(key, db=events) or b"")
        envelope[offset] ^= 0x01
        txn.put(key, bytes(envelope), db=events)
    env.close()


def test_check_catches_every_single_changed_byte(tmp_path: Path) -> None:
    path = tmp_path / "ledger"
    with Ledger.init(path) as book:
        work = book.create_work(ALICE, "w").work
        book.append_batch(work, ALICE, notes(2))
        sizes = {s.seq: len(s.envelope) for s in book.chain(work)}
    for seq in (1, 2):  # a middle event and the head
        for offset in range(sizes[seq]):
            _tamper(path, work, seq, offset)
            with Ledger.open(path) as book, pytest.raises(VerificationFailure) as raised:
                book.check()
            assert raised.value.event == seq or raised.value.event == seq + 1
            assert work.hex() in raised.value.message
            _tamper(path, work, seq, offset)  # flip it back
    with Ledger.open(path) as book:
        assert book.check() == (1, 3)


_text = st.text(min_size=1, max_size=40)
_scalar = st.one_of(_text, st.integers(-(2**63), 2**63 - 1), st.booleans(),
                    st.floats(allow_nan=False, allow_infinity=False))
_asset = st.fixed_dictionaries(
    {"sha256": st.binary(min_size=32, max_size=32), "size": st.integers(0, 2**40),
     "media_type": _text},
    optional={"duration_ms": st.integers(0, 10**9), "name": _text},
)
_generation = st.fixed_dictionaries(
    {"model": _text, "outputs": st.lists(_asset, max_size=3),
     "digital_source_type": st.just("trainedAlgorithmicMedia")},
    optional={"model_version": _text, "provider": _text, "seed": st.integers(-(2**63), 2**63 - 1),
              "params": st.dictionaries(_text, _scalar, max_size=5), "inputs": st.lists(_asset, max_size=2)},
)


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(body=_generation, prompt=st.none() | st.binary(min_size=32, max_size=32),
       time=st.integers(0, MAX_TIME), seq=st.integers(1, 2**40))
def test_roundtrip_arbitrary_bodies(body: dict[str, Any], prompt: bytes | None, time: int, seq: int) -> None:
    commitments = {"prompt": prompt} if prompt else {}
    payload = EventPayload(FORMAT_VERSION, "generation", WorkId(bytes(32)), seq, EventHash(b"\x01" * 32),
                           time, None, ALICE.info.public_key, body, commitments)
    envelope = sign_event(ALICE, payload)
    signed = verify_event(envelope)
    assert signed.payload == payload
    assert sign_event(ALICE, signed.payload) == envelope  # deterministic


def _appender(path: str, work: bytes, count: int, name: str) -> None:
    signer = fixed_signer(7 if name == "p1" else 8, name)
    with Ledger.open(Path(path)) as book:
        for i in range(count):
            book.append(WorkId(work), signer, EventDraft("note", {}, {"text": f"{name}-{i}"}))


def test_two_processes_appending_to_one_work(tmp_path: Path) -> None:
    path = tmp_path / "ledger"
    with Ledger.init(path) as book:
        work = book.create_work(ALICE, "w").work
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_appender, args=(str(path), bytes(work), 200, f"p{i}")) for i in (1, 2)]
    for proc in procs:
        proc.start()
    for proc in procs:
        proc.join(timeout=600)
        assert proc.exitcode == 0
    with Ledger.open(path) as book:
        chain = list(book.chain(work))
        assert len(chain) == 401
        assert [s.seq for s in chain] == list(range(401))
        assert book.check() == (1, 401)
        signers = {s.event.payload.signer for s in chain[1:]}
        assert len(signers) == 2  # both processes' events are in the one chain


def test_asset_index_and_human_edit_source_type(book: Ledger, tmp_path: Path) -> None:
    from ledger import DraftBuilder

    work = book.create_work(ALICE, "w").work
    builder = DraftBuilder(book)
    gen = write_wav(tmp_path / "g.wav", 2)
    own = write_wav(tmp_path / "own.wav", 2, seed=3)
    out = write_wav(tmp_path / "o.wav", 2, seed=5)
    book.append(work, ALICE, builder.draft("generation", {"model": "m", "outputs": builder.assets([str(gen)])},
                                           {"prompt": "p"}, None))
    ai_edit = builder.draft("human-edit", {"inputs": builder.assets([str(gen)]), "output": builder.asset(out),
                                           "kind": "melody"}, {}, None)
    plain_edit = builder.draft("human-edit", {"inputs": builder.assets([str(own)]),
                                              "output": builder.asset(own), "kind": "mixing"}, {}, None)
    # an edit of the AI-derived edit is AI material too, through edits (spec/event-types.md §2)
    second = builder.draft("human-edit", {"inputs": builder.assets([str(out)]), "output": builder.asset(own),
                                          "kind": "mixing"}, {}, None)
    for draft in (ai_edit, plain_edit, second):
        book.append(work, ALICE, draft)
    stored = [s.event.payload.body.get("digital_source_type") for s in book.chain(work)][-3:]
    assert stored == ["compositeWithTrainedAlgorithmicMedia", "humanEdits", "compositeWithTrainedAlgorithmicMedia"]
    wrong = builder.draft("human-edit", {"inputs": builder.assets([str(gen)]), "output": builder.asset(out),
                                         "kind": "melody", "digital_source_type": "humanEdits"}, {}, None)
    with pytest.raises(LedgerError, match="must be compositeWithTrainedAlgorithmicMedia"):
        book.append(work, ALICE, wrong)


_any_cbor = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.floats() | st.text(max_size=8)
    | st.binary(max_size=40),
    lambda inner: st.lists(inner, max_size=4)
    | st.dictionaries(st.text(max_size=12) | st.integers(-30, 30), inner, max_size=4),
    max_leaves=20,
)
_field_names = st.sampled_from(["model", "outputs", "inputs", "params", "seed", "digital_source_type", "candidates",
                                "chosen", "output", "kind", "segments", "stems", "minutes", "layer", "of", "about",
                                "asset", "source", "statement", "title", "tool", "function", "x"])


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(type_name=st.sampled_from(["work.created", "generation", "parameter-edit", "selection", "human-edit",
                                  "human-input", "assist", "import", "release", "note", "attestation", "licence",
                                  "other"]),
       body=st.dictionaries(_field_names, _any_cbor, max_size=6), extra=st.dictionaries(st.text(max_size=3), _any_cbor,
                                                                                         max_size=2),
       commitments=st.dictionaries(st.text(max_size=8), st.binary(max_size=33), max_size=2),
       seq=st.integers(-1, 2**65) | st.just(1), time=_any_cbor | st.integers(0, 2**64))
def test_a_hostile_signer_cannot_crash_the_verifier(type_name: str, body: dict[Any, Any], extra: dict[Any, Any],
                                                    commitments: dict[Any, Any], seq: Any, time: Any) -> None:
    """Correctly signed payloads with arbitrary content: only coded errors, never anything else."""
    import cbor2

    from verifier.format import CTYPE_EVENT, CodedError, protected_header, sign1

    value = {"v": 1, "type": type_name, "work": bytes(32), "seq": seq, "prev": bytes(32), "time": time,
             "signer": ALICE.info.public_key, "body": body, "commitments": commitments, **extra}
    try:
        payload = cbor2.dumps(value, canonical=True)
    except (ValueError, TypeError, OverflowError):
        return
    envelope = sign1(protected_header(CTYPE_EVENT, ALICE.info.public_key, bytes(32).hex()), payload, ALICE.sign)
    with contextlib.suppress(CodedError):
        verify_event(envelope)

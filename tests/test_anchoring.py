"""Proof of when (spec/anchoring.md): the Merkle log in the ledger, checkpoints, consistency,
witnesses, RFC 3161 timestamps from a real TSA on 127.0.0.1, and the verifier's V11–V12 — with a
fork, a rewritten history, and forged tokens."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import lmdb
import pytest

from cli.localtsa import LocalTsa, LocalTsaUnavailable
from ledger import (
    EventDraft,
    Ledger,
    LedgerError,
    Signer,
    Witness,
    WitnessError,
    export_bundle,
    request_timestamp,
)
from tests.helpers import Cli, assert_one_line_error, fixed_signer
from verifier import Code, Policy, Report, verify_bundle
from verifier.format import (
    SIG_COSIGNATURE_V1,
    SIG_ED25519,
    Checkpoint,
    SignedNote,
    VerificationFailure,
    VerifierKey,
    leaf_hash,
    root_of,
)

ALICE = fixed_signer(1, "alice")
LOG = fixed_signer(3, "studio-log", "log")
NOTARY = fixed_signer(4, "notary", "witness")
LEGAL = fixed_signer(5, "legal", "exporter")
NOTARY_VKEY = VerifierKey(NOTARY.info.name, SIG_COSIGNATURE_V1, NOTARY.info.public_key)


def _tsa(folder: Path, **options: Any) -> LocalTsa:
    try:
        return LocalTsa(folder, **options)
    except LocalTsaUnavailable:
        pytest.skip("openssl is not installed")


def _notes(book: Ledger, work: Any, signer: Signer, count: int, prefix: str = "n",
           occurred: int | None = None) -> None:
    for i in range(count):
        book.append(work, signer, EventDraft("note", {}, {"text": f"{prefix}{i}"}, occurred))


def _checkpoint(note: bytes) -> Checkpoint:
    return Checkpoint.parse(SignedNote.parse(note).text)


def _log_key(book: Ledger, signer: Signer = LOG) -> VerifierKey:
    return VerifierKey(book.origin, SIG_ED25519, signer.info.public_key)


def _codes(report: Report) -> list[str]:
    return [str(f.code) for f in report.errors]


def _der(root: Path) -> bytes:
    from cryptography import x509
    from cryptography.hazmat.primitives.serialization import Encoding

    return x509.load_pem_x509_certificate(root.read_bytes()).public_bytes(Encoding.DER)


# -- the log in the ledger ---------------------------------------------------------------------


def test_every_append_is_a_leaf_in_append_order_across_works(tmp_path: Path) -> None:
    bob = fixed_signer(2, "bob")
    with Ledger.init(tmp_path / "l") as book:
        one = book.create_work(ALICE, "One").work
        two = book.create_work(bob, "Two").work
        _notes(book, one, ALICE, 2)
        _notes(book, two, bob, 3)
        book.append_batch(one, ALICE, [EventDraft("note", {}, {"text": "b1"}), EventDraft("note", {}, {"text": "b2"})])
        order = [s.event.hash for s in book.chain(one)][:1] + [s.event.hash for s in book.chain(two)][:1]
        order += [s.event.hash for s in book.chain(one)][1:3] + [s.event.hash for s in book.chain(two)][1:]
        order += [s.event.hash for s in book.chain(one)][3:]
        assert book.log_size() == 9
        with book.snapshot() as view:
            assert [view.log.leaf_index(h) for h in order] == list(range(9))
            assert view.log.root(9) == root_of([leaf_hash(h) for h in order])
        assert book.check() == (2, 9)


def test_an_older_ledger_gains_its_tree_on_first_open_in_append_order(tmp_path: Path) -> None:
    bob = fixed_signer(2, "bob")
    with Ledger.init(tmp_path / "l") as book:
        one = book.create_work(ALICE, "One").work
        two = book.create_work(bob, "Two").work
        _notes(book, one, ALICE, 3)
        _notes(book, two, bob, 2)
        # Enough events that the rebuild writes the tree's nodes in parts (every 8,192 nodes: ~4,096 leaves).
        book.append_batch(one, ALICE, [EventDraft("note", {}, {"text": f"b{i}"}) for i in range(4_200)])
        with book.snapshot() as view:
            expected = (view.log.size, view.log.root(view.log.size))
    env = lmdb.open(str(tmp_path / "l"), max_dbs=20)  # as a ledger written before the log
    with env.begin(write=True) as txn:
        txn.drop(env.open_db(b"tree", txn=txn), delete=True)
        by_hash, leaves = env.open_db(b"by_hash", txn=txn), env.open_db(b"leaves", txn=txn)
        for value in list(txn.cursor(db=leaves).iternext(keys=False)):
            txn.put(value[40:], value[:40], db=by_hash)  # hash -> work ‖ seq, as before the log
        txn.drop(leaves, delete=True)
        meta = env.open_db(b"meta", txn=txn)
        for key in (b"log_version", b"log_size", b"hashes_indexed"):
            txn.delete(key, db=meta)
    env.close()
    with Ledger.open(tmp_path / "l", readonly=True) as book, book.snapshot() as view:
        assert not view.log.available and view.log.size == 0
    with Ledger.open(tmp_path / "l") as book:
        with book.snapshot() as view:
            assert (view.log.size, view.log.root(view.log.size)) == expected
        assert book.check() == (2, 4_207)


def test_check_finds_a_damaged_tree_and_a_checkpoint_the_tree_disagrees_with(tmp_path: Path) -> None:
    with Ledger.init(tmp_path / "l") as book:
        work = book.create_work(ALICE, "One").work
        _notes(book, work, ALICE, 4)
        book.checkpoint(LOG)
    env = lmdb.open(str(tmp_path / "l"), max_dbs=20)
    with env.begin(write=True) as txn:
        tree = env.open_db(b"tree", txn=txn)
        txn.put(bytes([2]) + (0).to_bytes(8, "big"), bytes(32), db=tree)  # the node of the first four leaves
    env.close()
    with Ledger.open(tmp_path / "l") as book:
        with pytest.raises(VerificationFailure) as failed:
            book.check()
        assert failed.value.code is Code.LOG_PROOF_INVALID
        with pytest.raises(LedgerError, match="disagrees with the log"):
            book.checkpoint(ALICE)  # nothing is signed over a damaged tree


# -- checkpoints, consistency, witnesses, a fork ---------------------------------------------


def test_a_fork_is_caught_by_a_known_checkpoint_and_by_a_witness(tmp_path: Path) -> None:
    with Ledger.init(tmp_path / "original") as book:
        work = book.create_work(ALICE, "Night Market").work
        _notes(book, work, ALICE, 3)
        c1, _ = book.checkpoint(LOG)
        log_key = _log_key(book)
    shutil.copytree(tmp_path / "original", tmp_path / "copy")
    witness = Witness(tmp_path / "witness")
    assert witness.cosign(c1, NOTARY, log_key=log_key).size == 4
    bundles = {}
    checkpoints = {}
    for name, text in (("original", "the real take"), ("copy", "a rewritten take")):
        with Ledger.open(tmp_path / name) as book:
            _notes(book, work, ALICE, 2, prefix=text)
            checkpoints[name], _ = book.checkpoint(LOG)
            proof = book.prove_consistency(c1)
            if name == "original":
                witness.cosign(proof, NOTARY)  # the witness sees the original first
            else:
                with pytest.raises(WitnessError, match="last cosigned size 6"):
                    witness.cosign(proof, NOTARY)
                with pytest.raises(WitnessError, match="equivocation"):
                    witness.cosign(checkpoints[name], NOTARY)
            bundles[name] = tmp_path / f"{name}.bundle"
            export_bundle(book, work, LEGAL, bundles[name])
    assert _checkpoint(checkpoints["original"]).size == _checkpoint(checkpoints["copy"]).size == 6

    against_c1 = verify_bundle(bundles["copy"], Policy(known_checkpoints=[c1]))
    assert against_c1.exit_code == 0 and against_c1.log is not None and against_c1.log.known == ((4, "extends"),)
    forked = verify_bundle(bundles["copy"], Policy(known_checkpoints=[checkpoints["original"]]))
    assert _codes(forked) == ["log.equivocation"] and forked.exit_code == 1
    assert forked.log is not None
    assert set(forked.log.evidence) == {checkpoints["original"].decode(), checkpoints["copy"].decode()}
    # The original verifies against both the checkpoint before the fork and its own.
    honest = verify_bundle(bundles["original"], Policy(known_checkpoints=[c1, checkpoints["original"]]))
    assert honest.exit_code == 0, honest.errors


def test_known_checkpoints_of_another_log_or_beyond_the_bundle(tmp_path: Path) -> None:
    with Ledger.init(tmp_path / "a") as book:
        work = book.create_work(ALICE, "A").work
        _notes(book, work, ALICE, 2)
        old, _ = book.checkpoint(LOG)
        export_bundle(book, work, LEGAL, tmp_path / "a.bundle")
        _notes(book, work, ALICE, 1)
        newer, _ = book.checkpoint(LOG)
    with Ledger.init(tmp_path / "b") as other:
        other.create_work(ALICE, "B")
        foreign, _ = other.checkpoint(LOG)
    report = verify_bundle(tmp_path / "a.bundle", Policy(known_checkpoints=[old, newer, foreign]))
    assert _codes(report) == ["log.inconsistent", "log.origin_mismatch"]
    assert report.log is not None and [r for _, r in report.log.known] == [
        "extends", "log.inconsistent", "log.origin_mismatch"]


def test_the_witness_state_and_its_refusals(tmp_path: Path) -> None:
    with Ledger.init(tmp_path / "l") as book:
        work = book.create_work(ALICE, "W").work
        c1, _ = book.checkpoint(LOG)
        _notes(book, work, ALICE, 2)
        c2, _ = book.checkpoint(LOG)
        key = _log_key(book)
        wrong = _log_key(book, ALICE)
        proof = book.prove_consistency(c1)
    witness = Witness(tmp_path / "w")
    with pytest.raises(WitnessError, match="--log-key"):
        witness.cosign(c1, NOTARY)
    with pytest.raises(WitnessError, match="not signed by the log's key"):
        witness.cosign(c1, NOTARY, log_key=wrong)
    assert not list((tmp_path / "w").glob("*.json"))  # nothing kept
    witness.cosign(c1, NOTARY, log_key=key)
    with pytest.raises(WitnessError, match="consistency proof"):
        witness.cosign(c2, NOTARY)  # a bare checkpoint further on needs the proof
    damaged = proof.replace(proof.splitlines()[1], b"A" * 43 + b"=")
    with pytest.raises(WitnessError, match="not consistent"):
        witness.cosign(damaged, NOTARY)
    cosigned = witness.cosign(proof, NOTARY)
    assert cosigned.size == 3 and SignedNote.parse(cosigned.note).signatures[-1].name == "notary"
    with pytest.raises(WitnessError, match="older"):
        witness.cosign(c1, NOTARY)


# -- RFC 3161 with a real TSA ------------------------------------------------------------------


def _anchored_ledger(tmp_path: Path, tsa: LocalTsa) -> tuple[Path, bytes, Any]:
    with Ledger.init(tmp_path / "l") as book:
        work = book.create_work(ALICE, "Night Market").work
        _notes(book, work, ALICE, 3)
        note, _ = book.checkpoint(LOG)
        response, nonce = request_timestamp(tsa.url, note)
        book.add_anchor(note, nonce, response)
        cosigned = Witness(tmp_path / "w").cosign(note, NOTARY, log_key=_log_key(book))
        book.add_cosignatures(cosigned.note, [NOTARY_VKEY])
        export_bundle(book, work, LEGAL, tmp_path / "w.bundle")
    return tmp_path / "w.bundle", note, work


def test_anchor_export_and_verify_offline(tmp_path: Path) -> None:
    with _tsa(tmp_path / "tsa") as tsa:
        bundle, _, _ = _anchored_ledger(tmp_path, tsa)
        root = _der(tsa.root_path)
    report = verify_bundle(bundle, Policy(tsa_roots=[root], witnesses=[NOTARY_VKEY]))
    assert report.exit_code == 0, report.errors
    assert report.log is not None and report.log.covered == 4 and report.log.witnessed == 4
    (run,) = report.log.existed_by
    assert (run.first, run.last) == (0, 3) and report.first_time is not None and report.last_time is not None
    assert report.last_time <= run.time <= report.last_time + 60_000_000
    assert report.log.timestamps[0].trusted and not report.warnings
    # Without a root, or with another CA's: a finding, not a failure.
    with _tsa(tmp_path / "other") as other:
        other_root = _der(other.root_path)
    for policy in (Policy(), Policy(tsa_roots=[other_root])):
        untrusted = verify_bundle(bundle, policy)
        assert untrusted.exit_code == 0 and untrusted.valid
        assert [str(w.code) for w in untrusted.warnings] == ["timestamp.untrusted"]
        assert untrusted.log is not None and untrusted.log.existed_by == ()
    # A quorum the bundle does not meet fails the run; the bundle stays valid.
    other_witness = VerifierKey("second", SIG_COSIGNATURE_V1, fixed_signer(9).info.public_key)
    short = verify_bundle(bundle, Policy(witnesses=[NOTARY_VKEY, other_witness], quorum=2))
    assert _codes(short) == ["witness.quorum_unmet"] and short.valid and short.exit_code == 1


def test_the_hashes_and_times_kept_per_event_read_the_same_from_the_temporary_file(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The verifier keeps 40 bytes per event for the log's checks (V11, V12) and moves the oldest
    to an unlinked temporary file (memory stays flat); read back, across the file and memory,
    they give the same report."""
    with _tsa(tmp_path / "tsa") as tsa, Ledger.init(tmp_path / "l") as book:
        work = book.create_work(ALICE, "Night Market").work
        for batch in range(3):  # several chunks of events, so the file and memory each hold some
            drafts = [EventDraft("note", {}, {"text": f"{batch}.{i}"}) for i in range(300)]
            if batch == 2:  # an event graded by its anchor, late in the chain (its hash read back by index)
                first = next(iter(book.chain(work))).event.hash
                drafts.append(EventDraft("attestation", {"about": first, "statement": "made here"}))
            book.append_batch(work, ALICE, drafts)
            note, _ = book.checkpoint(LOG)
            response, nonce = request_timestamp(tsa.url, note)
            book.add_anchor(note, nonce, response)
        _notes(book, work, ALICE, 2, prefix="after ")
        export_bundle(book, work, LEGAL, tmp_path / "w.bundle")
        root = _der(tsa.root_path)
    policy = Policy(tsa_roots=[root])
    in_memory = verify_bundle(tmp_path / "w.bundle", policy)
    assert in_memory.exit_code == 0 and in_memory.log is not None and in_memory.log.covered == 902
    assert in_memory.log.existed_by and len(in_memory.log.timestamps) == 3
    assert in_memory.human_involvement is not None and in_memory.human_involvement.grades[901] == "A"
    for spill_bytes in (8, 40, 5_000):  # after every chunk, or once some records are held
        monkeypatch.setattr("verifier._run.SPILL_BYTES", spill_bytes)
        assert verify_bundle(tmp_path / "w.bundle", policy).to_json() == in_memory.to_json()


def test_a_tsa_certificate_without_the_critical_eku_is_not_trusted(tmp_path: Path) -> None:
    with _tsa(tmp_path / "tsa", tsa_eku="non-critical") as tsa:
        bundle, _, _ = _anchored_ledger(tmp_path, tsa)
        report = verify_bundle(bundle, Policy(tsa_roots=[_der(tsa.root_path)]))
    assert report.exit_code == 0 and [str(w.code) for w in report.warnings] == ["timestamp.untrusted"]
    assert report.log is not None and "EKU" in (report.log.timestamps[0].reason or "")


def _forge_anchor(ledger: Path, size: int, note: bytes, nonce: int, response: bytes) -> None:
    """What a forger with write access could store: bypasses the writer's own checks."""
    from verifier.format import checkpoint_imprint

    env = lmdb.open(str(ledger), max_dbs=20)
    with env.begin(write=True) as txn:
        anchors = env.open_db(b"anchors", txn=txn)
        for key, _ in list(txn.cursor(db=anchors)):
            txn.delete(key, db=anchors)
        txn.put(size.to_bytes(8, "big") + checkpoint_imprint(note) + nonce.to_bytes(8, "big"), response, db=anchors)
    env.close()


def test_a_token_over_other_data_or_with_another_nonce_is_a_mismatch(tmp_path: Path) -> None:
    with _tsa(tmp_path / "tsa") as tsa:
        _, note, work = _anchored_ledger(tmp_path, tsa)
        other, other_nonce = request_timestamp(tsa.url, note + b"x")
        own, own_nonce = request_timestamp(tsa.url, note)
        root = _der(tsa.root_path)
    size = _checkpoint(note).size
    for response, nonce in ((other, other_nonce), (own, own_nonce ^ 1)):
        _forge_anchor(tmp_path / "l", size, note, nonce, response)
        with Ledger.open(tmp_path / "l", readonly=True) as book:
            export_bundle(book, work, LEGAL, tmp_path / "forged.bundle")
        report = verify_bundle(tmp_path / "forged.bundle", Policy(tsa_roots=[root]))
        assert _codes(report) == ["timestamp.mismatch"] and report.exit_code == 1


def test_a_token_for_another_checkpoint_is_a_mismatch(tmp_path: Path) -> None:
    with _tsa(tmp_path / "tsa") as tsa:
        _, note, work = _anchored_ledger(tmp_path, tsa)
        with Ledger.open(tmp_path / "l") as book:
            _notes(book, work, ALICE, 1)
            later, _ = book.checkpoint(LOG)
        response, nonce = request_timestamp(tsa.url, later)
        root = _der(tsa.root_path)
    _forge_anchor(tmp_path / "l", _checkpoint(note).size, note, nonce, response)  # later's token, filed under note
    with Ledger.open(tmp_path / "l", readonly=True) as book:
        export_bundle(book, work, LEGAL, tmp_path / "forged.bundle")
    report = verify_bundle(tmp_path / "forged.bundle", Policy(tsa_roots=[root]))
    assert "timestamp.mismatch" in _codes(report)


def test_a_rewritten_history_shows_its_late_anchor_and_fails_the_old_checkpoint(tmp_path: Path) -> None:
    """The same work rebuilt from scratch with the same key and old --occurred times."""
    with Ledger.init(tmp_path / "before") as book:
        work = book.create_work(ALICE, "Night Market").work
        _notes(book, work, ALICE, 3)
        known, _ = book.checkpoint(LOG)
        first_time = next(iter(book.chain(work))).event.payload.time - 30 * 24 * 3600 * 1_000_000  # a month ago
    with _tsa(tmp_path / "tsa") as tsa:
        with Ledger.init(tmp_path / "rewrite") as book:
            rebuilt = book.create_work(ALICE, "Night Market", occurred=first_time).work
            _notes(book, rebuilt, ALICE, 3, prefix="better ", occurred=first_time)
            note, _ = book.checkpoint(LOG)
            response, nonce = request_timestamp(tsa.url, note)
            book.add_anchor(note, nonce, response)
            export_bundle(book, rebuilt, LEGAL, tmp_path / "rewrite.bundle")
        root = _der(tsa.root_path)
    report = verify_bundle(tmp_path / "rewrite.bundle", Policy(tsa_roots=[root], known_checkpoints=[known]))
    assert _codes(report) == ["log.origin_mismatch"]
    alone = verify_bundle(tmp_path / "rewrite.bundle", Policy(tsa_roots=[root]))
    assert alone.exit_code == 0 and alone.log is not None
    (run,) = alone.log.existed_by
    assert run.time > first_time  # shown as existing no later than its (late) anchor, not its old dates
    assert alone.human_involvement is not None and "A" not in alone.human_involvement.grades.values()


# -- the command line ---------------------------------------------------------------------------


def test_cli_checkpoint_anchor_witness_export_and_verify(cli: Cli, work: str, tmp_path: Path) -> None:
    assert cli("record", "note", work, "--as", "alice", "--text", "idea").code == 0
    checkpoint = cli("checkpoint", "--as", "alice", "-o", "c1", "--json")
    assert checkpoint.code == 0, checkpoint.err
    log_vkey = json.loads(checkpoint.out)["vkey"]
    with _tsa(tmp_path / "tsa") as tsa:
        assert cli("record", "note", work, "--as", "alice", "--text", "later").code == 0
        anchored = cli("anchor", "--tsa", tsa.url, "--as", "alice")
        assert anchored.code == 0 and "existed no later than" in anchored.out, anchored.err
        root = tsa.root_path
        shutil.copy(root, cli.home / "root.pem")
    proof = cli("prove-consistency", "c1", "-o", "proof")
    assert proof.code == 0, proof.err
    witness_vkey = cli("witness", "vkey", "bob").out.strip()
    assert cli("witness", "cosign", "c1", "--as", "bob", "--state", "w", "--log-key", log_vkey, "-o", "x").code == 0
    cosigned = cli("witness", "cosign", "proof", "--as", "bob", "--state", "w", "-o", "cosigned")
    assert cosigned.code == 0, cosigned.err
    added = cli("witness", "add", "cosigned", "--witness", witness_vkey)
    assert added.code == 0 and "bob" in added.out, added.err
    assert cli("export", work, "--as", "alice", "-o", "w.bundle").code == 0
    verified = cli("w.bundle", "--json", "--tsa-root", "root.pem", "--witness", witness_vkey,
                   "--known-checkpoint", "c1", module="verifier")
    assert verified.code == 0, verified.err + verified.out
    log = json.loads(verified.out)["log"]
    assert log["covered_events"] == 3 and log["witnessed_events"] == 3
    assert log["existed_no_later_than"][0]["first"] == 0 and log["existed_no_later_than"][-1]["last"] == 2
    text = cli("w.bundle", "--tsa-root", "root.pem", module="verifier")
    assert "existed no later than" in text.out


def test_cli_log_commands_refuse_bad_input_in_one_line(cli: Cli, tmp_path: Path) -> None:
    assert_one_line_error(cli("checkpoint", "--as", "alice"))  # an empty log
    (cli.home / "garbage").write_bytes(b"\xff\x00not a note")
    assert_one_line_error(cli("prove-consistency", "garbage"))
    assert_one_line_error(cli("prove-consistency", "missing-file"))
    assert_one_line_error(cli("witness", "cosign", "garbage", "--as", "bob", "--state", "w"))
    assert_one_line_error(cli("witness", "add", "garbage", "--witness", "nope"))
    assert_one_line_error(cli("anchor", "--tsa", "http://127.0.0.1:9/tsa", "--as", "alice"))
    assert_one_line_error(cli("anchor", "--tsa", "ftp://example/"))
    result = cli("work", "new", "--title", "W", "--as", "alice", "--json")
    work = json.loads(result.out)["work"]
    assert cli("checkpoint", "--as", "alice", "-o", "c").code == 0
    unreachable = cli("anchor", "--tsa", "http://127.0.0.1:9/tsa")
    assert_one_line_error(unreachable)
    with Ledger.open(cli.home / "ledger", readonly=True) as book, book.snapshot() as view:
        size, _, note = view.log.latest() or (0, b"", b"")
        assert view.log.anchors(size, note) == []  # nothing stored
    assert cli("export", work, "--as", "alice", "-o", "w.bundle").code == 0
    for args in (["--known-checkpoint", "garbage"], ["--witness", "not-a-vkey"], ["--tsa-root", "missing.pem"],
                 ["--tsa-root", "garbage"], ["--quorum", "2"],
                 ["--witness", VerifierKey("n", SIG_COSIGNATURE_V1, NOTARY.info.public_key).format(), "--quorum", "2"]):
        assert_one_line_error(cli("w.bundle", *args, module="verifier"))


def test_release_anchors_with_provenote_tsa_and_warns_when_unreachable(cli: Cli, work: str,
                                                                          audio: dict[str, Path]) -> None:
    result = cli("record", "release", work, "--as", "alice", "--asset", str(audio["master"]),
                 extra_env={"PROVENOTE_TSA": "http://127.0.0.1:9/tsa"})
    assert result.code == 0 and "recorded release" in result.out
    assert "warning" in result.err and "not anchored" in result.err
    with _tsa(cli.home / "tsa") as tsa:
        again = cli("record", "note", work, "--as", "alice", "--text", "x")
        assert again.code == 0
        release = cli("record", "release", work, "--as", "alice", "--asset", str(audio["master"]),
                      extra_env={"PROVENOTE_TSA": tsa.url})
    assert release.code == 0 and "existed no later than" in release.err, release.err


def test_equivocation_needs_the_key_that_signed_the_bundles_checkpoint(tmp_path: Path) -> None:
    """An event signer (whose card is in the bundle) cannot frame the log: a note it signs under
    the origin with another root is 'inconsistent', not 'equivocation'."""
    from verifier.format import sign_note

    with Ledger.init(tmp_path / "l") as book:
        work = book.create_work(ALICE, "W").work
        _notes(book, work, ALICE, 2)
        note, _ = book.checkpoint(LOG)
        export_bundle(book, work, LEGAL, tmp_path / "w.bundle")
        origin = book.origin
    checkpoint = _checkpoint(note)
    forged = sign_note(Checkpoint(origin, checkpoint.size, bytes(32)).text(), origin, ALICE.private_key).encode()
    framed = verify_bundle(tmp_path / "w.bundle", Policy(known_checkpoints=[forged]))
    assert _codes(framed) == ["log.inconsistent"]
    real = sign_note(Checkpoint(origin, checkpoint.size, bytes(32)).text(), origin, LOG.private_key).encode()
    assert _codes(verify_bundle(tmp_path / "w.bundle", Policy(known_checkpoints=[real]))) == ["log.equivocation"]


def test_the_stored_tree_is_every_complete_subtree_across_transactions(tmp_path: Path) -> None:
    """Appends of 1, 2, 3 … events per transaction: the in-memory right edge the writer keeps
    gives exactly the tree of the format core (provenote check compares every stored node)."""
    with Ledger.init(tmp_path / "l") as book:
        work = book.create_work(ALICE, "W").work
        for batch in (1, 2, 3, 1, 5, 8, 1, 13, 2, 21):
            book.append_batch(work, ALICE, [EventDraft("note", {}, {"text": f"{batch}-{i}"}) for i in range(batch)])
            with book.snapshot() as view:
                hashes = [s.event.hash for s in view.chain(work)]
                assert view.log.root(view.log.size) == root_of([leaf_hash(h) for h in hashes])
        assert book.check() == (1, 58)


def test_a_witness_cosigns_one_of_two_racing_forks(tmp_path: Path) -> None:
    """Two forks of the same size sent at once: the state lock lets exactly one through."""
    import threading

    with Ledger.init(tmp_path / "l") as book:
        work = book.create_work(ALICE, "W").work
        c1, _ = book.checkpoint(LOG)
        key = _log_key(book)
    witness = Witness(tmp_path / "w")
    witness.cosign(c1, NOTARY, log_key=key)
    shutil.copytree(tmp_path / "l", tmp_path / "fork")
    proofs = []
    for name in ("l", "fork"):
        with Ledger.open(tmp_path / name) as book:
            _notes(book, work, ALICE, 2, prefix=name)
            book.checkpoint(LOG)
            proofs.append(book.prove_consistency(c1))
    outcomes: list[str] = []

    def send(proof: bytes) -> None:
        try:
            Witness(tmp_path / "w").cosign(proof, NOTARY)
            outcomes.append("cosigned")
        except WitnessError as e:
            outcomes.append(str(e))

    threads = [threading.Thread(target=send, args=(p,)) for p in proofs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes)[0] == "cosigned" and outcomes.count("cosigned") == 1, outcomes

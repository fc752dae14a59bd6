"""spec/vectors/bundles/: reproduced byte for byte from fixed keys, and each judged as its index
says — valid bundles and correctly signed bundles that each break one rule."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from tests.verifier.vectors import BUNDLES, BY_NAME, INDEX, bundle_bytes, load_bundle_generator
from verifier import Code, Policy, Report, verify_bundle
from verifier.format import VerifierKey


def test_generator_reproduces_the_committed_files_byte_for_byte() -> None:
    """Every file of bundles/ (the tsa/ fixtures are the generator's input, not its output: they
    are checked below, by the vectors that carry their tokens)."""
    files = load_bundle_generator().build()
    on_disk = {path.name: path.read_bytes() for path in BUNDLES.iterdir() if path.is_file()}
    assert set(files) == set(on_disk)
    for name, data in files.items():
        assert data == on_disk[name], f"{name} differs from what spec/vectors/generate_bundles.py writes"


def test_the_tsa_fixtures_are_what_the_vectors_need() -> None:
    """Each fixture token is over a note the generator asks for, and each root is a certificate."""
    generator = load_bundle_generator()
    for authority, notes in generator.tsa_requests().items():
        tokens = json.loads(authority.tokens.read_text(encoding="utf-8"))["tokens"]
        assert set(tokens) == {hashlib.sha256(note).hexdigest() for note in notes}, authority.name
        assert all(tokens[hashlib.sha256(n).hexdigest()]["note"] == n.decode() for n in notes)
        x509.load_pem_x509_certificate((BUNDLES / authority.root).read_bytes())


#: Errors that leave the bundle valid but fail the run: trust the auditor asked for (V10, V12.2).
TRUST_CODES = ("key.untrusted", "witness.quorum_unmet")


def _tsa_root(name: str) -> bytes:
    return x509.load_pem_x509_certificate((BUNDLES / name).read_bytes()).public_bytes(serialization.Encoding.DER)


def _verify(vector: dict[str, Any], jobs: int = 1) -> Report:
    trust = [bytes.fromhex(k) for k in vector["trust"]] if "trust" in vector else None
    policy = Policy(trust, require_trusted=vector.get("require_trusted", False), jobs=jobs,
                    known_checkpoints=[note.encode("utf-8") for note in vector.get("known_checkpoints", [])],
                    tsa_roots=[_tsa_root(name) for name in vector.get("tsa_roots", [])],
                    witnesses=[VerifierKey.parse(vkey) for vkey in vector.get("witnesses", [])],
                    quorum=vector.get("quorum"))
    return verify_bundle(BUNDLES / vector["file"], policy)


@pytest.mark.parametrize("vector", INDEX["vectors"], ids=lambda v: v["name"])
def test_each_vector_gets_its_verdict(vector: dict[str, Any]) -> None:
    report = _verify(vector)
    assert [f.code for f in report.errors] == vector["codes"], [f.message for f in report.errors]
    assert [f.code for f in report.warnings] == vector.get("warnings", []), [f.message for f in report.warnings]
    assert report.exit_code == vector["exit"]
    assert report.readable == (vector["exit"] != 2)
    trust_only = all(code in TRUST_CODES for code in vector["codes"])
    assert report.valid == vector["valid"] == (not vector["codes"] or trust_only)
    assert all(Code.from_text(code).exit_status == (2 if vector["exit"] == 2 else 1) for code in vector["codes"])
    assert all(Code.from_text(code).exit_status == 0 for code in vector.get("warnings", []))


def test_one_bad_signature_in_event_5_of_10_gives_exactly_one_error() -> None:
    report = _verify(BY_NAME["event-signature-invalid-5-of-10"])
    assert [(f.code, f.event) for f in report.errors] == [("event.signature_invalid", 5)]
    assert report.events == 10


@pytest.mark.parametrize("name", ["valid-story", "valid-log", "event-signature-invalid-5-of-10", "chain-seq-gap",
                                  "disclosure-mismatch", "chain-source-type-edit-of-edit", "valid-licensing",
                                  "payment-short", "licence-signature-invalid-non-party"])
def test_the_verdict_does_not_depend_on_jobs(name: str) -> None:
    assert _verify(BY_NAME[name], jobs=2).to_json() == _verify(BY_NAME[name], jobs=1).to_json()


def test_every_bundle_code_has_a_vector() -> None:
    """At least one bundle per code the bundle verifier can emit, errors and warnings. Not here:
    the warning asset.missing (it needs a folder of files), chain.head_mismatch (provenote check
    only) and the codec-level cbor.* codes (spec/vectors/events.json)."""
    covered = {code for vector in INDEX["vectors"] for code in vector["codes"] + vector.get("warnings", [])}
    expected = {code.value for code in Code if code.step.startswith("V")} - {"asset.missing"}
    assert expected - covered == set()


def test_a_stream_verifies_like_a_path() -> None:
    import io

    data = bundle_bytes("valid-story")
    assert verify_bundle(io.BytesIO(data)).to_json() == verify_bundle(BUNDLES / "valid-story.bundle").to_json()


def test_raise_for_invalid() -> None:
    from verifier import MalformedBundle, VerificationFailure

    _verify(BY_NAME["valid-story"]).raise_for_invalid()
    with pytest.raises(VerificationFailure) as failed:
        _verify(BY_NAME["chain-prev-mismatch"]).raise_for_invalid()
    assert failed.value.code == "chain.prev_mismatch"
    with pytest.raises(MalformedBundle) as unreadable:
        _verify(BY_NAME["bundle-truncated"]).raise_for_invalid()
    assert unreadable.value.code == "bundle.truncated"


def test_a_truncated_bundle_gets_one_verdict_for_any_jobs(tmp_path: Any) -> None:
    """The events read before a fatal item are judged first, whatever --jobs queued."""
    cut = tmp_path / "cut.bundle"
    cut.write_bytes(bundle_bytes("event-signature-invalid-5-of-10")[:-10])
    one, two = (verify_bundle(cut, Policy(jobs=jobs)) for jobs in (1, 2))
    assert one.to_json() == two.to_json()
    assert [(f.code, f.event) for f in one.errors] == [("event.signature_invalid", 5), ("bundle.truncated", None)]


def test_a_timestamp_whose_signer_certificate_has_an_unreadable_subject() -> None:
    """Found by tests/fuzz/fuzz_bundle.py: a token whose embedded certificate's subject cannot be
    parsed. The verifier reports it (here an untrusted timestamp of an unnamed TSA); it never
    raises."""
    from pathlib import Path

    found = Path(__file__).parent / "fuzz_finds" / "timestamp-unreadable-subject.bundle"
    report = verify_bundle(found)
    assert report.readable and report.log is not None
    assert [t.tsa for t in report.log.timestamps] == ["unknown TSA (its name cannot be read)"]

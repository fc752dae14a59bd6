"""spec/vectors/bundles/: reproduced byte for byte from fixed keys, and each judged as its index
says — valid bundles and correctly signed bundles that each break one rule."""

from __future__ import annotations

from typing import Any

import pytest

from tests.verifier.vectors import BUNDLES, BY_NAME, INDEX, bundle_bytes, load_bundle_generator
from verifier import Code, Policy, Report, verify_bundle


def test_generator_reproduces_the_committed_files_byte_for_byte() -> None:
    files = load_bundle_generator().build()
    on_disk = {path.name: path.read_bytes() for path in BUNDLES.iterdir() if path.is_file()}
    assert set(files) == set(on_disk)
    for name, data in files.items():
        assert data == on_disk[name], f"{name} differs from what spec/vectors/generate_bundles.py writes"


def _verify(vector: dict[str, Any], jobs: int = 1) -> Report:
    trust = [bytes.fromhex(k) for k in vector["trust"]] if "trust" in vector else None
    policy = Policy(trust, require_trusted=vector.get("require_trusted", False), jobs=jobs)
    return verify_bundle(BUNDLES / vector["file"], policy)


@pytest.mark.parametrize("vector", INDEX["vectors"], ids=lambda v: v["name"])
def test_each_vector_gets_its_verdict(vector: dict[str, Any]) -> None:
    report = _verify(vector)
    assert [f.code for f in report.errors] == vector["codes"], [f.message for f in report.errors]
    assert report.exit_code == vector["exit"]
    assert report.readable == (vector["exit"] != 2)
    untrusted_only = all(code == "key.untrusted" for code in vector["codes"])
    assert report.valid == (not vector["codes"] or untrusted_only)
    assert all(Code.from_text(code).exit_status == (2 if vector["exit"] == 2 else 1) for code in vector["codes"])


def test_one_bad_signature_in_event_5_of_10_gives_exactly_one_error() -> None:
    report = _verify(BY_NAME["event-signature-invalid-5-of-10"])
    assert [(f.code, f.event) for f in report.errors] == [("event.signature_invalid", 5)]
    assert report.events == 10


@pytest.mark.parametrize("name", ["valid-story", "event-signature-invalid-5-of-10", "chain-seq-gap",
                                  "disclosure-mismatch", "chain-source-type-edit-of-edit"])
def test_the_verdict_does_not_depend_on_jobs(name: str) -> None:
    assert _verify(BY_NAME[name], jobs=2).to_json() == _verify(BY_NAME[name], jobs=1).to_json()


def test_every_bundle_code_has_a_vector() -> None:
    """At least one invalid bundle per code the bundle verifier can emit. Not here: the warning
    asset.missing (it needs a folder of files), chain.head_mismatch (provenote check only) and
    the codec-level cbor.* codes (spec/vectors/events.json)."""
    covered = {code for vector in INDEX["vectors"] for code in vector["codes"]}
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

"""C2PA Content Credentials written from the record (ledger/_c2pa.py, spec/labels-c2pa-ddex.md),
checked with c2pa-python's own Reader: Trusted with the test root as anchor, Valid without it,
Invalid after one flipped audio byte; the actions read back equal the projection; nothing private
reaches the file."""

from __future__ import annotations

import dataclasses
import hashlib
import math
import struct
import wave
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("c2pa")

from cryptography import x509

from ledger import EventDraft, Ledger
from ledger.labels import (
    C2paError,
    ManifestInput,
    ProjectedAction,
    RecordAssertion,
    check_chain,
    make_csr,
    make_test_ca,
    read_c2pa,
    sign_c2pa,
)
from tests.helpers import fixed_signer

SIGNER = fixed_signer(7, "mei", "composer")
OTHER = fixed_signer(8, "other", "composer")
CA_SEED = b"provenote test CA seed, tests/test_c2pa.py"
SECRET_PROMPT = "SECRET-PROMPT lo-fi night market, erhu lead, 90 bpm, in the voice of nobody"
SECRET_NOTE = "SECRET-NOTE rewrote bars 9-16 after the argument with the producer"


@pytest.fixture(scope="module")
def ca() -> tuple[bytes, bytes]:
    """(root PEM, the signer's chain PEM) from the deterministic test CA."""
    root, issue = make_test_ca(CA_SEED)
    return root, issue(make_csr("mei", SIGNER.info.public_key, SIGNER.sign))


def tone(seconds: float = 1.0, rate: int = 8000) -> list[int]:
    return [int(9000 * math.sin(2 * math.pi * 440 * i / rate) + 3000 * math.sin(i / 7)) for i in range(int(seconds * rate))]


def write_audio(folder: Path, kind: str) -> Path:
    """A short mono tone: WAV with the stdlib, MP3 and FLAC with soundfile (libsndfile)."""
    samples = tone()
    if kind == "wav":
        path = folder / "take.wav"
        with wave.open(str(path), "wb") as audio:
            audio.setnchannels(1)
            audio.setsampwidth(2)
            audio.setframerate(8000)
            audio.writeframes(struct.pack(f"<{len(samples)}h", *samples))
        return path
    soundfile = pytest.importorskip("soundfile")
    numpy = pytest.importorskip("numpy")
    fmt = {"mp3": "MP3", "flac": "FLAC"}[kind]
    if fmt not in soundfile.available_formats():
        pytest.skip(f"this libsndfile cannot write {fmt}")
    path = folder / f"take.{kind}"
    data = numpy.array(samples, dtype="float32") / 32768
    soundfile.write(str(path), data, 8000, format=fmt)
    return path


def asset_ref(name: str) -> dict[str, Any]:
    return {"sha256": hashlib.sha256(name.encode()).digest(), "size": 1000, "media_type": "audio/wav",
            "duration_ms": 60_000, "name": name}


def record_chain(folder: Path) -> tuple[ManifestInput, list[str]]:
    """A real ledger: a generation with a private prompt, a human edit with a private note, a
    release; and the projection of its chain as the label writer is given it."""
    with Ledger.init(folder / "ledger") as book:
        work = book.create_work(SIGNER, "Night Market").work
        generation = book.append(work, SIGNER, EventDraft(
            "generation", {"model": "cue-gen", "model_version": "2.1", "outputs": [asset_ref("take1.wav")],
                           "digital_source_type": "trainedAlgorithmicMedia"}, {"prompt": SECRET_PROMPT}))
        edit = book.append(work, SIGNER, EventDraft(
            "human-edit", {"inputs": [asset_ref("take1.wav")], "output": asset_ref("edit.wav"), "kind": "melody",
                           "segments": [[16_000, 32_000]], "tool": "Reaper 7",
                           "digital_source_type": "compositeWithTrainedAlgorithmicMedia"}, {"note": SECRET_NOTE}))
        release = book.append(work, SIGNER, EventDraft("release", {"asset": asset_ref("edit.wav")}, {}))
        head = book.head(work)
    actions = (
        ProjectedAction("c2pa.created", generation.hash, "2026-01-02T03:04:05Z", "trainedAlgorithmicMedia",
                        "cue-gen 2.1"),
        ProjectedAction("c2pa.edited", edit.hash, "2026-01-02T04:00:00.250Z", "compositeWithTrainedAlgorithmicMedia",
                        "Reaper 7", ((16_000, 32_000),), custom="melody"),
        ProjectedAction("c2pa.published", release.hash, "2026-01-03T00:00:00Z", related_event=edit.hash),
    )
    manifest = ManifestInput(actions, RecordAssertion(work, head.hash, None, head.seq + 1), "compositeSynthetic",
                             title="Night Market")
    return manifest, [SECRET_PROMPT, SECRET_NOTE]


def flip_audio_byte(source: Path, labelled: Path) -> Path:
    """A copy of ``labelled`` with one bit flipped inside the audio it took from ``source``: 32
    bytes from three quarters into the source are found in the labelled file and one is changed."""
    original, data = source.read_bytes(), bytearray(labelled.read_bytes())
    probe = original[len(original) * 3 // 4:][:32]
    at = bytes(data).find(probe)
    assert at > 0 and bytes(data).count(probe) == 1
    data[at + 16] ^= 0x01
    bad = labelled.with_name("flipped" + labelled.suffix)
    bad.write_bytes(bytes(data))
    return bad


@pytest.mark.parametrize("kind", ["wav", "mp3", "flac"])
def test_labelled_file_is_trusted_valid_and_tamper_evident(tmp_path: Path, ca: tuple[bytes, bytes], kind: str) -> None:
    root, chain = ca
    manifest, secrets = record_chain(tmp_path)
    source = write_audio(tmp_path, kind)
    before = source.read_bytes()
    labelled = tmp_path / f"labelled.{kind}"
    store = sign_c2pa(source, labelled, manifest, SIGNER.sign, chain)

    assert store and source.read_bytes() == before  # the input is never modified
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []  # no temporary left
    trusted = read_c2pa(labelled, root)
    assert (trusted.state, trusted.failures) == ("Trusted", ())
    assert trusted.actions == manifest.actions  # in order, every field
    assert trusted.all_actions_included
    assert trusted.record == manifest.record
    assert trusted.asset_source_type == "compositeSynthetic"
    assert trusted.signer == "mei" and trusted.claim_generator == "provenote" and trusted.timestamp is None

    untrusted = read_c2pa(labelled)
    assert untrusted.state == "Valid" and "signingCredential.untrusted" in untrusted.failures
    assert untrusted.actions == manifest.actions

    tampered = read_c2pa(flip_audio_byte(source, labelled), root)
    assert tampered.state == "Invalid"
    assert any("hash" in code.lower() and "mismatch" in code.lower() for code in tampered.failures), tampered.failures

    data = labelled.read_bytes()
    for secret in secrets:  # nothing private, in any of the usual encodings
        for encoding in ("utf-8", "utf-16-le", "utf-16-be"):
            assert secret.encode(encoding) not in data
        assert secret.split()[0].encode() not in data
    assert manifest.actions[0].event_hash.hex().encode() in data  # what is there: event hashes


def test_projected_action_has_no_field_for_free_text() -> None:
    """Every field of a projected action is a hash, a time, a vocabulary term, a tool name or a
    token: a prompt, lyric or note has nowhere to go."""
    assert [f.name for f in dataclasses.fields(ProjectedAction)] == [
        "action", "event_hash", "when", "digital_source_type", "software_agent", "changes", "related_event",
        "custom"]
    with pytest.raises(C2paError, match="custom"):
        ProjectedAction("c2pa.edited", b"\x01" * 32, "2026-01-02T03:04:05Z", custom=SECRET_PROMPT)
    with pytest.raises(C2paError, match="digital_source_type"):
        ProjectedAction("c2pa.edited", b"\x01" * 32, "2026-01-02T03:04:05Z", digital_source_type=SECRET_PROMPT)
    with pytest.raises(C2paError, match="software_agent"):
        ProjectedAction("c2pa.edited", b"\x01" * 32, "2026-01-02T03:04:05Z", software_agent="line one\nline two")


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"action": "c2pa.removed"}, "action"),
    ({"action": "made up"}, "action"),
    ({"action": "c2pa.madeUp"}, "action"),
    ({"event_hash": b"\x01" * 31}, "event_hash"),
    ({"when": "2026-01-02T03:04:05+08:00"}, "UTC"),
    ({"when": "2026-02-30T03:04:05Z"}, "real date"),
    ({"changes": ((5, 5),)}, "start < end"),
    ({"changes": ((-1, 5),)}, "start < end"),
    ({"changes": ()}, "1 to"),
    ({"related_event": b""}, "related_event"),
])
def test_projected_action_validates(kwargs: dict[str, Any], message: str) -> None:
    fields: dict[str, Any] = {"action": "c2pa.edited", "event_hash": b"\x01" * 32, "when": "2026-01-02T03:04:05Z"}
    with pytest.raises(C2paError, match=message):
        ProjectedAction(**{**fields, **kwargs})


def test_manifest_follows_the_c2pa_rules_for_first_actions() -> None:
    record = RecordAssertion(b"\x09" * 32, b"\x05" * 32, None, 5)
    created = ProjectedAction("c2pa.created", b"\x01" * 32, "2026-01-02T03:04:05Z", "trainedAlgorithmicMedia")
    edited = ProjectedAction("c2pa.edited", b"\x02" * 32, "2026-01-02T03:04:06Z")
    with pytest.raises(C2paError, match="first action"):
        ManifestInput((edited, created), record, "compositeSynthetic")
    with pytest.raises(C2paError, match="only as the first"):
        ManifestInput((created, edited, created), record, "compositeSynthetic")
    with pytest.raises(C2paError, match="digital source type"):
        ManifestInput((dataclasses.replace(created, digital_source_type=None),), record, "compositeSynthetic")
    with pytest.raises(C2paError, match="IPTC"):
        ManifestInput((created,), record, "digitalArt")  # a retired term
    with pytest.raises(C2paError, match="events"):
        ManifestInput((created, edited), dataclasses.replace(record, events=1), "compositeSynthetic")
    assert ManifestInput([created, edited], record, "compositeSynthetic").actions == (created, edited)  # type: ignore[arg-type]


def test_placed_and_opened_actions_name_ingredients(tmp_path: Path, ca: tuple[bytes, bytes]) -> None:
    """c2pa.opened and c2pa.placed must name an ingredient (C2PA 2.2 §15.10.3.2.2): the writer adds
    one per action, titled by the event hash alone, and the file is still Trusted."""
    root, chain = ca
    actions = (ProjectedAction("c2pa.opened", b"\x01" * 32, "2026-01-02T03:04:05Z"),
               ProjectedAction("c2pa.placed", b"\x02" * 32, "2026-01-02T03:04:06Z", "digitalCapture"),
               ProjectedAction("org.provenote.selected", b"\x03" * 32, "2026-01-02T03:04:07Z",
                               related_event=b"\x01" * 32))
    manifest = ManifestInput(actions, RecordAssertion(b"\x09" * 32, b"\x03" * 32, "checkpoint\n3\nroot\n", 4),
                             "compositeWithTrainedAlgorithmicMedia")
    labelled = tmp_path / "out.wav"
    sign_c2pa(write_audio(tmp_path, "wav"), labelled, manifest, SIGNER.sign, chain)
    readout = read_c2pa(labelled, root)
    assert readout.state == "Trusted" and readout.actions == actions and readout.record == manifest.record


def test_signature_timestamped_by_a_tsa(tmp_path: Path, ca: tuple[bytes, bytes]) -> None:
    """tsa_url: c2pa asks the (local, 127.0.0.1) RFC 3161 authority for a timestamp on the signature."""
    from cli.localtsa import LocalTsa, LocalTsaUnavailable

    root, chain = ca
    manifest, _ = record_chain(tmp_path)
    (tmp_path / "tsa").mkdir()
    try:
        authority = LocalTsa(tmp_path / "tsa")
    except LocalTsaUnavailable as e:
        pytest.skip(str(e))
    with authority:
        sign_c2pa(write_audio(tmp_path, "wav"), tmp_path / "out.wav", manifest, SIGNER.sign, chain,
                  tsa_url=authority.url)
    readout = read_c2pa(tmp_path / "out.wav", root)
    assert readout.state == "Trusted" and readout.timestamp is not None


def test_sign_refuses_what_it_cannot_label(tmp_path: Path, ca: tuple[bytes, bytes]) -> None:
    _, chain = ca
    manifest, _ = record_chain(tmp_path)
    source = write_audio(tmp_path, "wav")
    with pytest.raises(C2paError, match="another file"):
        sign_c2pa(source, source, manifest, SIGNER.sign, chain)
    text = tmp_path / "notes.txt"
    text.write_text("not audio")
    with pytest.raises(C2paError, match="WAV, MP3 or FLAC"):
        sign_c2pa(text, tmp_path / "out.txt", manifest, SIGNER.sign, chain)
    with pytest.raises(C2paError, match="not the signer's key"):
        sign_c2pa(source, tmp_path / "out.wav", manifest, OTHER.sign, chain)
    with pytest.raises(C2paError, match="TSA URL"):
        sign_c2pa(source, tmp_path / "out.wav", manifest, SIGNER.sign, chain, tsa_url="file:///etc/passwd")
    assert not (tmp_path / "out.wav").exists()
    with pytest.raises(C2paError, match="manifest"):
        read_c2pa(source)  # never labelled


def test_csr_is_built_around_the_signing_callback() -> None:
    request = x509.load_pem_x509_csr(make_csr("mei", SIGNER.info.public_key, SIGNER.sign))
    assert request.is_signature_valid
    assert request.subject.rfc4514_string() == "CN=mei"
    assert request.public_key().public_bytes_raw() == SIGNER.info.public_key  # type: ignore[union-attr]
    with pytest.raises(C2paError, match="signature does not verify"):
        make_csr("mei", SIGNER.info.public_key, OTHER.sign)


def test_test_ca_is_deterministic_and_its_chains_fit_the_c2pa_profile(ca: tuple[bytes, bytes]) -> None:
    root, chain = ca
    again_root, issue = make_test_ca(CA_SEED)
    assert again_root == root and issue(make_csr("mei", SIGNER.info.public_key, SIGNER.sign)) == chain
    assert make_test_ca(b"another seed, another root")[0] != root
    check_chain(chain, SIGNER.info.public_key)
    certificates = x509.load_pem_x509_certificates(chain)
    assert len(certificates) == 2 and certificates[1].subject != x509.load_pem_x509_certificate(root).subject
    with pytest.raises(C2paError, match="not this key"):
        check_chain(chain, OTHER.info.public_key)
    intermediate = certificates[1]
    leaf_pem, intermediate_pem = chain.split(b"-----END CERTIFICATE-----\n", 1)
    leaf_pem += b"-----END CERTIFICATE-----\n"
    with pytest.raises(C2paError, match="not this key"):
        check_chain(intermediate_pem, SIGNER.info.public_key)  # a CA's certificate as the signer's
    with pytest.raises(C2paError, match="not a CA"):
        check_chain(leaf_pem + leaf_pem, SIGNER.info.public_key)  # issued by an end entity
    assert intermediate.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    with pytest.raises(C2paError, match="seed"):
        make_test_ca(b"short")
    with pytest.raises(C2paError, match="no PEM"):
        check_chain(b"nothing here", SIGNER.info.public_key)

"""The DDEX ERN 4.3.2 SoundRecording fragment (ledger/_ddex.py): it validates with xmlschema against
the schema subset in tests/data/ddex/ (NOT DDEX's official schema: see the README there), states the
ContainsAI class, and refuses what ERN cannot carry."""

from __future__ import annotations

from pathlib import Path

import pytest

etree = pytest.importorskip("lxml.etree")
xmlschema = pytest.importorskip("xmlschema")

from ledger.labels import (  # noqa: E402
    ERN_NAMESPACE,
    DdexError,
    iso_duration,
    party_list_fragment,
    sound_recording_fragment,
)

SUBSET = Path(__file__).parent / "data" / "ddex" / "ern432-soundrecording-subset.xsd"
CONTRIBUTORS = [("Mei Lin", "Composer"), ("Mei Lin", "Lyricist"), ("Ayo Bello", "MixingEngineer")]


def check(sound_recording: bytes, party_list: bytes) -> None:
    """Validate both fragments together, as they stand in a message, against the subset schema."""
    schema = xmlschema.XMLSchema(str(SUBSET))
    wrapper = etree.Element(f"{{{ERN_NAMESPACE}}}ProvenoteFragmentCheck", nsmap={"ern": ERN_NAMESPACE})
    wrapper.append(etree.fromstring(party_list))
    wrapper.append(etree.fromstring(sound_recording))
    schema.validate(etree.tostring(wrapper).decode())


@pytest.mark.parametrize("contains_ai", ["None", "Partly", "All"])
def test_fragment_validates_and_states_contains_ai(contains_ai: str) -> None:
    recording = sound_recording_fragment("CN-A0X-26-00001", "Night Market", contains_ai, CONTRIBUTORS, 61_500)
    check(recording, party_list_fragment(CONTRIBUTORS))
    element = etree.fromstring(recording)
    assert element.tag == "SoundRecording" and element.nsmap == {}  # unqualified, as inside the message
    assert element.findtext("ContainsAI") == contains_ai
    assert element.findtext("SoundRecordingEdition/ResourceId/ISRC") == "CNA0X2600001"
    assert element.findtext("DisplayTitleText") == element.findtext("DisplayTitle/TitleText") == "Night Market"
    assert element.findtext("Duration") == "PT0H1M1.500S"
    assert [(c.findtext("ContributorPartyReference"), c.findtext("Role")) for c in element.findall("Contributor")] == [
        ("P1", "Composer"), ("P1", "Lyricist"), ("P2", "MixingEngineer")]
    parties = etree.fromstring(party_list_fragment(CONTRIBUTORS))
    assert [(p.findtext("PartyReference"), p.findtext("PartyName/FullName")) for p in parties] == [
        ("P1", "Mei Lin"), ("P2", "Ayo Bello")]


def test_display_artist_may_be_someone_else() -> None:
    recording = sound_recording_fragment("CNA0X2600001", "Night Market", "Partly", CONTRIBUTORS, 60_000,
                                         display_artist="Night Market Collective")
    parties = party_list_fragment(CONTRIBUTORS, display_artist="Night Market Collective")
    check(recording, parties)
    element = etree.fromstring(recording)
    assert element.findtext("DisplayArtistName") == "Night Market Collective"
    assert element.findtext("DisplayArtist/ArtistPartyReference") == "P1"
    assert element.findall("Contributor")[0].findtext("ContributorPartyReference") == "P2"


def test_subset_schema_rejects_what_it_should() -> None:
    """The schema is a real check: a wrong ContainsAI value or a dangling party reference fails."""
    recording = sound_recording_fragment("CNA0X2600001", "Night Market", "All", CONTRIBUTORS, 60_000)
    with pytest.raises(xmlschema.XMLSchemaValidationError):
        check(recording.replace(b"<ContainsAI>All<", b"<ContainsAI>Some<"), party_list_fragment(CONTRIBUTORS))
    with pytest.raises(xmlschema.XMLSchemaValidationError):
        check(recording, party_list_fragment(CONTRIBUTORS[:1]))  # P2 names no party


def test_text_is_escaped_not_interpreted() -> None:
    title = 'Night <Market> & "Friends"'
    recording = sound_recording_fragment("CNA0X2600001", title, "None", [("A & B", "Composer")], 1_000)
    check(recording, party_list_fragment([("A & B", "Composer")]))
    assert etree.fromstring(recording).findtext("DisplayTitleText") == title


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"isrc": "CN-A0X-26-0001"}, "ISO 3901"),
    ({"contains_ai": "Some"}, "ContainsAI"),
    ({"contains_ai": "partly"}, "ContainsAI"),
    ({"duration_ms": None}, "Duration"),
    ({"duration_ms": 0}, "positive"),
    ({"title": ""}, "title"),
    ({"title": "two\nlines"}, "title"),
    ({"contributors": []}, "1 to"),
    ({"contributors": [("Mei", "Producer")]}, "role"),
    ({"contributors": [("", "Composer")]}, "name"),
])
def test_refuses_what_ern_cannot_carry(kwargs: dict[str, object], message: str) -> None:
    arguments: dict[str, object] = {"isrc": "CNA0X2600001", "title": "Night Market", "contains_ai": "Partly",
                                    "contributors": CONTRIBUTORS, "duration_ms": 60_000}
    with pytest.raises(DdexError, match=message):
        sound_recording_fragment(**{**arguments, **kwargs})  # type: ignore[arg-type]


def test_iso_duration() -> None:
    assert iso_duration(1) == "PT0H0M0.001S"
    assert iso_duration(3_723_004) == "PT1H2M3.004S"


def test_the_demo_golden_fragments_validate() -> None:
    """The Night Market demo's fragments (tests/test_demo.py compares them byte for byte)."""
    golden = SUBSET.parent
    check((golden / "night-market-sound-recording.golden.xml").read_bytes(),
          (golden / "night-market-parties.golden.xml").read_bytes())

"""A DDEX ERN 4.3.2 ``SoundRecording`` fragment stating ContainsAI (spec/labels-c2pa-ddex.md §5).

Distributors pass AI disclosures to services in the Electronic Release Notification; provenote
writes the part it knows from the record: the recording's ISRC, title, duration, contributors (as
the parties a ``PartyList`` holds) and the ContainsAI class the chain shows (spec/labels.md §1).
A distributor merges the two fragments into its own ``NewReleaseMessage``.

ERN 4 schemas are ``elementFormDefault="unqualified"``: only the message's root element is in the
``http://ddex.net/xml/ern/432`` namespace, and ``SoundRecording`` / ``PartyList`` are written as
they stand inside it (unqualified elements of the ern/432 types). The official 4.3.2 XSD could not
be obtained here; what this module writes follows the official ERN 4.1.1 XSD's composites (read
in DDEX's ern-validator-api repository) with ERN 4.3's ``SoundRecordingEdition`` and the
``ContainsAI`` element and ``None``/``Partly``/``All`` values the project's specs name (labels.md,
human-involvement.md) — to be checked against the official 4.3.2 schema before a delivery; see
spec/labels-c2pa-ddex.md §5 and tests/data/ddex/README.md.

lxml is imported only when a fragment is built (the ``ddex`` extra).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from verifier.format import CONTAINS_AI, UsageError

ERN_NAMESPACE = "http://ddex.net/xml/ern/432"

#: Contributor roles accepted here: a subset of the allowed-value set avs:ContributorRole, each
#: value checked present in DDEX's AVS of ERN 4.1.1.
CONTRIBUTOR_ROLES = frozenset({
    "Arranger", "Artist", "Composer", "ComposerLyricist", "Engineer", "Lyricist", "MasteringEngineer",
    "MixingEngineer", "Performer", "StudioProducer", "Vocalist",
})
#: avs:ParentalWarningType (ERN 4.1.1 AVS).
PARENTAL_WARNINGS = frozenset({"Explicit", "ExplicitContentEdited", "NoAdviceAvailable", "NotExplicit", "Unknown"})
MAX_NAME = 512
MAX_CONTRIBUTORS = 256
_ISRC = re.compile(r"[A-Z]{2}[A-Z0-9]{3}\d{7}")  # ISO 3901: country, registrant, year, designation
_RESOURCE_REFERENCE = re.compile(r"A[\d\-_a-zA-Z]+")


class DdexError(UsageError):
    """A fragment cannot be written from these values (one line, exit 2)."""


def _text(name: str, value: object, limit: int = MAX_NAME) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > limit or not value.isprintable():
        raise DdexError(f"{name} is one line of printable text, 1 to {limit} characters")
    return value


def normalise_isrc(isrc: str) -> str:
    """The ISRC in its 12-character form (hyphens and case removed). Raises: DdexError."""
    value = isrc.replace("-", "").upper() if isinstance(isrc, str) else ""
    if not _ISRC.fullmatch(value):
        raise DdexError(f"ISRC {isrc!r} is not CC-XXX-YY-NNNNN (ISO 3901)")
    return value


def iso_duration(duration_ms: int) -> str:
    """Milliseconds as an xs:duration, hours, minutes and seconds: 61500 -> 'PT0H1M1.500S'."""
    hours, rest = divmod(duration_ms, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    seconds, millis = divmod(rest, 1000)
    return f"PT{hours}H{minutes}M{seconds}.{millis:03d}S"


def _contributors(contributors: Sequence[tuple[str, str]]) -> list[tuple[str, str]]:
    if isinstance(contributors, str | bytes) or not isinstance(contributors, Sequence):
        raise DdexError("contributors is a list of (name, role) pairs")
    if not 1 <= len(contributors) <= MAX_CONTRIBUTORS:
        raise DdexError(f"a SoundRecording names 1 to {MAX_CONTRIBUTORS} contributors")
    checked = []
    for item in contributors:
        if not isinstance(item, tuple | list) or len(item) != 2:
            raise DdexError("each contributor is a (name, role) pair")
        name, role = _text("a contributor's name", item[0]), item[1]
        if role not in CONTRIBUTOR_ROLES:
            raise DdexError(f"contributor role {role!r} is not one of {', '.join(sorted(CONTRIBUTOR_ROLES))}")
        checked.append((name, role))
    return checked


def party_references(contributors: Sequence[tuple[str, str]], display_artist: str | None = None) -> dict[str, str]:
    """Each party's name -> its ``PartyReference`` (``P1``, ``P2``, … in order of first mention:
    the display artist, then the contributors). The same inputs always give the same references,
    so :func:`sound_recording_fragment` and :func:`party_list_fragment` agree."""
    checked = _contributors(contributors)
    names = [display_artist if display_artist is not None else checked[0][0]] + [name for name, _ in checked]
    references: dict[str, str] = {}
    for name in names:
        references.setdefault(_text("the display artist", name), f"P{len(references) + 1}")
    return references


def _element(parent: Any, tag: str, text: str | None = None, **attributes: str) -> Any:
    from lxml import etree

    child = etree.SubElement(parent, tag, **attributes)
    if text is not None:
        child.text = text
    return child


def _serialise(element: Any) -> bytes:
    from lxml import etree

    data: bytes = etree.tostring(element, encoding="UTF-8", xml_declaration=False, pretty_print=True)
    return data


def sound_recording_fragment(isrc: str, title: str, contains_ai: str, contributors: Sequence[tuple[str, str]],
                             duration_ms: int | None, *, display_artist: str | None = None,
                             resource_reference: str = "A1", parental_warning: str = "NoAdviceAvailable") -> bytes:
    """The ``SoundRecording`` composite (UTF-8 XML, an element of type ern/432 SoundRecording as
    it stands in a ``NewReleaseMessage``'s ``ResourceList``) for one recording.

    ``contains_ai`` is the release's ContainsAI class (``None``, ``Partly`` or ``All``,
    spec/labels.md §1); ``contributors`` ``(name, role)`` pairs with roles from
    :data:`CONTRIBUTOR_ROLES`, referenced as the parties of :func:`party_list_fragment` (called
    with the same contributors and display artist); ``display_artist`` defaults to the first
    contributor; ``duration_ms`` is required by ERN (``Duration`` is mandatory) and may be
    ``None`` only to be refused with a clear message.

    Raises: DdexError naming the first value that cannot be written.
    """
    from lxml import etree

    isrc = normalise_isrc(isrc)
    _text("title", title)
    if contains_ai not in CONTAINS_AI:
        raise DdexError(f"ContainsAI {contains_ai!r} is not one of {', '.join(CONTAINS_AI)}")
    if duration_ms is None:
        raise DdexError("ERN requires a SoundRecording's Duration: the recording's duration is not known")
    if type(duration_ms) is not int or duration_ms <= 0:
        raise DdexError("duration_ms is a positive number of milliseconds")
    if not isinstance(resource_reference, str) or not _RESOURCE_REFERENCE.fullmatch(resource_reference):
        raise DdexError(f"resource reference {resource_reference!r} is not A followed by letters, digits, '-' or '_'")
    if parental_warning not in PARENTAL_WARNINGS:
        raise DdexError(f"parental warning {parental_warning!r} is not one of {', '.join(sorted(PARENTAL_WARNINGS))}")
    checked = _contributors(contributors)
    references = party_references(checked, display_artist)
    artist = display_artist if display_artist is not None else checked[0][0]

    recording = etree.Element("SoundRecording")
    _element(recording, "ResourceReference", resource_reference)
    _element(recording, "Type", "MusicalWorkSoundRecording")
    edition = _element(recording, "SoundRecordingEdition")
    _element(_element(edition, "ResourceId"), "ISRC", isrc)
    _element(recording, "DisplayTitleText", title)
    _element(_element(recording, "DisplayTitle"), "TitleText", title)
    _element(recording, "DisplayArtistName", artist)
    shown = _element(recording, "DisplayArtist", SequenceNumber="1")
    _element(shown, "ArtistPartyReference", references[artist])
    _element(shown, "DisplayArtistRole", "MainArtist")
    for sequence, (name, role) in enumerate(checked, start=1):
        contributor = _element(recording, "Contributor", SequenceNumber=str(sequence))
        _element(contributor, "ContributorPartyReference", references[name])
        _element(contributor, "Role", role)
    _element(recording, "Duration", iso_duration(duration_ms))
    _element(recording, "ParentalWarningType", parental_warning)
    _element(recording, "ContainsAI", contains_ai)
    return _serialise(recording)


def party_list_fragment(contributors: Sequence[tuple[str, str]], *, display_artist: str | None = None) -> bytes:
    """The ``PartyList`` composite naming the parties :func:`sound_recording_fragment` refers to
    (same contributors, same display artist), each with its ``PartyReference`` and full name.

    Raises: DdexError.
    """
    from lxml import etree

    parties = etree.Element("PartyList")
    for name, reference in party_references(contributors, display_artist).items():
        party = _element(parties, "Party")
        _element(party, "PartyReference", reference)
        _element(_element(party, "PartyName"), "FullName", name)
    return _serialise(parties)

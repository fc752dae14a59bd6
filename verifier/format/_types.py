"""The event-type table of format v1 (spec/event-types.md): body schemas, private fields, IPTC
digital source types, and which body fields produce, use or reference what. The one owner of
these facts: the writer, the verifier, the lineage analysis and the exporter all read them here.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from verifier.format._codes import SchemaError
from verifier.format._ids import DIGEST_SIZE
from verifier.format._licence import (
    MEDIA,
    LicenceDocument,
    check_country,
    check_currency,
    check_date,
    check_decimal,
)
from verifier.format._text import MAX_TEXT, check_text

#: The IPTC Digital Source Type terms the format accepts: the current (not retired) terms of the
#: NewsCodes vocabulary http://cv.iptc.org/newscodes/digitalsourcetype/ (spec/event-types.md).
IPTC_TERMS = frozenset(
    {
        "digitalCapture", "computationalCapture", "negativeFilm", "positiveFilm", "print",
        "humanEdits", "compositeCapture", "algorithmicallyEnhanced", "digitalCreation",
        "dataDrivenMedia", "trainedAlgorithmicMedia", "compositeWithTrainedAlgorithmicMedia",
        "algorithmicMedia", "screenCapture", "virtualRecording", "composite", "compositeSynthetic",
    }
)

EDIT_KINDS = (
    "melody", "harmony", "rhythm", "lyrics", "arrangement", "structure", "performance", "mixing",
    "mastering", "sound-design", "other",
)
INPUT_LAYERS = ("melody", "harmony", "rhythm", "lyrics", "vocals", "instrument", "production", "other")
#: Source types that mark material as made by AI: an import with one of these is AI material
#: for the lineage rule (spec/event-types.md §2) and the human-involvement method.
AI_SOURCE_TYPES = frozenset({"trainedAlgorithmicMedia", "compositeWithTrainedAlgorithmicMedia",
                             "compositeSynthetic", "algorithmicMedia"})

#: Layers that are recordings of a performance (IPTC digitalCapture); the rest digitalCreation.
CAPTURED_LAYERS = frozenset({"vocals", "instrument"})

MAX_LIST = 4_096  # items in any list of a body (limit L8)


Validator = Callable[[str, Any], None]


_U64_MAX = 2**64 - 1
_N64_MIN = -(2**64)  # the most negative integer of the data model (major type 1)


def _uint(name: str, value: Any) -> None:
    if type(value) is not int or not 0 <= value <= _U64_MAX:
        raise SchemaError(f"{name} must be an unsigned 64-bit integer")


def _int(name: str, value: Any) -> None:
    if type(value) is not int or not _N64_MIN <= value <= _U64_MAX:
        raise SchemaError(f"{name} must be an integer of the data model (-2^64 to 2^64 - 1)")


def _digest(name: str, value: Any) -> None:
    if type(value) is not bytes or len(value) != DIGEST_SIZE:
        raise SchemaError(f"{name} must be a {DIGEST_SIZE}-byte hash")


def _asset(name: str, value: Any) -> None:
    if type(value) is not dict:
        raise SchemaError(f"{name} must be an asset reference map")
    unknown = set(value) - {"sha256", "size", "media_type", "duration_ms", "name"}
    if unknown:
        raise SchemaError(f"{name} has unknown keys {sorted(map(str, unknown))}")
    for required in ("sha256", "size", "media_type"):
        if required not in value:
            raise SchemaError(f"{name} lacks {required}")
    _digest(f"{name}.sha256", value["sha256"])
    _uint(f"{name}.size", value["size"])
    check_text(f"{name}.media_type", value["media_type"])
    if "duration_ms" in value:
        _uint(f"{name}.duration_ms", value["duration_ms"])
    if "name" in value:
        check_text(f"{name}.name", value["name"])


def _list_of(item: Validator, *, min_items: int = 0) -> Validator:
    def check(name: str, value: Any) -> None:
        if type(value) is not list or not min_items <= len(value) <= MAX_LIST:
            raise SchemaError(f"{name} must be a list of {min_items} to {MAX_LIST} items")
        for index, element in enumerate(value):
            item(f"{name}[{index}]", element)

    return check


def _enum(choices: tuple[str, ...]) -> Validator:
    def check(name: str, value: Any) -> None:
        if type(value) is not str or value not in choices:
            raise SchemaError(f"{name} must be one of {', '.join(choices)}")

    return check


def _params(name: str, value: Any) -> None:
    if type(value) is not dict or len(value) > MAX_LIST:
        raise SchemaError(f"{name} must be a map of parameters")
    for key, element in value.items():
        if type(key) is not str or not key or len(key) > MAX_TEXT:
            raise SchemaError(f"{name} keys must be non-empty text of at most {MAX_TEXT} characters")
        kind = type(element)
        if kind is str:
            check_text(f"{name}.{key}", element)
        elif kind is int:
            _int(f"{name}.{key}", element)
        elif kind is float:
            if not math.isfinite(element):
                raise SchemaError(f"{name}.{key} must be a finite number")
        elif kind is not bool:
            raise SchemaError(f"{name}.{key} must be text, a number or a boolean")


def _segment(name: str, value: Any) -> None:
    if (type(value) is not list or len(value) != 2 or any(type(v) is not int or not 0 <= v <= _U64_MAX for v in value)
            or value[0] >= value[1]):
        raise SchemaError(f"{name} must be [start_ms, end_ms] with 0 <= start < end")


class Role(enum.Enum):
    """What an event does with the asset(s) in one body field (for lineage)."""

    PRODUCES = "produces"
    USES = "uses"
    CHOOSES = "chooses"  # a selection's chosen asset: one of the candidates it uses
    ATTACHES = "attaches"  # a contract, receipt or project file kept as evidence: not in the lineage


@dataclass(frozen=True, slots=True)
class AssetField:
    """A body field holding one asset reference (``many`` False) or a list of them."""

    name: str
    role: Role
    many: bool


@dataclass(frozen=True, slots=True)
class Reference:
    """A body field naming an earlier event of the same work by its hash (spec/event-types.md
    §3): the target's type must be in ``allowed`` (any type when None) and not in ``excluded``."""

    name: str
    allowed: frozenset[str] | None = None
    excluded: frozenset[str] = frozenset()

    def admits(self, target_type: str) -> bool:
        return (self.allowed is None or target_type in self.allowed) and target_type not in self.excluded

    def describe(self) -> str:
        if self.allowed is not None:
            return " or ".join(sorted(self.allowed))
        return "an event other than " + ", ".join(sorted(self.excluded)) if self.excluded else "an event"


@dataclass(frozen=True)
class EventType:
    """One row of the event-type table."""

    name: str
    required: Mapping[str, Validator]
    optional: Mapping[str, Validator] = field(default_factory=dict)
    private_required: frozenset[str] = frozenset()
    private_optional: frozenset[str] = frozenset()
    #: IPTC term(s) the body's ``digital_source_type`` may hold; empty = the field is absent.
    source_types: frozenset[str] = frozenset()
    extra_check: Callable[[Mapping[str, Any]], None] | None = None
    #: Body fields that hold assets, with what the event does with them.
    assets: tuple[AssetField, ...] = ()
    #: Body fields that name an earlier event of the work.
    references: tuple[Reference, ...] = ()

    #: Derived on construction: every private field, every body field the type admits.
    private_fields: frozenset[str] = field(init=False, compare=False, repr=False)
    body_fields: frozenset[str] = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "private_fields", self.private_required | self.private_optional)
        body_fields = set(self.required) | set(self.optional)
        if self.source_types:
            body_fields.add("digital_source_type")
        object.__setattr__(self, "body_fields", frozenset(body_fields))
        for declared in (*(a.name for a in self.assets), *(r.name for r in self.references)):
            if declared not in body_fields:
                raise ValueError(f"{self.name}: {declared} is not a body field")

    def assets_in(self, body: Mapping[str, Any], *roles: Role) -> list[Mapping[str, Any]]:
        """The asset references of a validated body in the fields of the given roles, in field
        order then list order."""
        found: list[Mapping[str, Any]] = []
        for declared in self.assets:
            if declared.role in roles and declared.name in body:
                value = body[declared.name]
                found.extend(value if declared.many else (value,))
        return found

    def check_body(self, body: Any, commitment_names: frozenset[str]) -> None:
        """Check a body and the names of its committed private fields.

        Raises:
            SchemaError: naming the first field that is wrong.
        """
        if type(body) is not dict:
            raise SchemaError("body must be a map")
        if not self.body_fields.issuperset(body):
            unknown = set(body) - self.body_fields
            raise SchemaError(f"unknown body fields {sorted(map(str, unknown))} for type {self.name}")
        for name, check in self.required.items():
            if name not in body:
                raise SchemaError(f"body lacks required field {name}")
            check(name, body[name])
        for name, check in self.optional.items():
            if name in body:
                check(name, body[name])
        if self.source_types:
            source_type = body.get("digital_source_type")
            if source_type is None and len(self.source_types) < len(IPTC_TERMS):
                raise SchemaError("body lacks digital_source_type")
            if source_type is not None and (type(source_type) is not str
                                            or source_type not in self.source_types):
                raise SchemaError(f"digital_source_type must be one of {sorted(self.source_types)}")
        if not self.private_required <= commitment_names:
            raise SchemaError(f"private fields {sorted(self.private_required - commitment_names)} must be committed")
        if not commitment_names <= self.private_fields:
            extra = commitment_names - self.private_fields
            raise SchemaError(f"fields {sorted(map(str, extra))} are not private fields of {self.name}")
        if self.extra_check is not None:
            self.extra_check(body)


def _selection_check(body: Mapping[str, Any]) -> None:
    candidates = {c["sha256"] for c in body["candidates"]}  # validated bytes: hashable
    if body["chosen"]["sha256"] not in candidates:
        raise SchemaError("chosen must be one of the candidates")


def _human_input_check(body: Mapping[str, Any]) -> None:
    expected = "digitalCapture" if body["layer"] in CAPTURED_LAYERS else "digitalCreation"
    if body["digital_source_type"] != expected:
        raise SchemaError(f"a {body['layer']} layer has digital_source_type {expected}")


_assets = _list_of(_asset)
_segments = _list_of(_segment)


def _licence_document(name: str, value: Any) -> None:
    """V4: a licence document's form (spec/licensing.md §1); its signatures are V5.2."""
    if type(value) is not bytes:
        raise SchemaError(f"{name} must be the licence document's bytes")
    LicenceDocument.parse(value, verify=False)


def _date(name: str, value: Any) -> None:
    check_date(name, value)


_decimal, _currency, _country = check_decimal, check_currency, check_country


def _fields(required: Mapping[str, Validator]) -> Validator:
    """A map with exactly the keys of ``required``, each checked by its validator."""
    def check(name: str, value: Any) -> None:
        if type(value) is not dict or set(value) != set(required):
            raise SchemaError(f"{name} must be a map of exactly {', '.join(sorted(required))}")
        for key, validator in required.items():
            validator(f"{name}.{key}", value[key])

    return check


#: spec/screening.md §7: what a screening was made against, and one match it found.
_catalogue = _fields({"identity": _digest, "name": check_text, "tracks": _uint, "duration_ms": _uint})
_match = _fields({"reference": _digest, "name": check_text, "query": _segment, "in_reference": _segment,
                  "score": _uint})


#: spec/labels.md §2: the kinds of AI label, and the DDEX ContainsAI classes in increasing order of AI.
LABEL_KINDS = ("c2pa", "aigc-implicit", "aigc-audible", "ddex", "visible-notice")
CONTAINS_AI = ("None", "Partly", "All")
AUDIBLE_WHERE = ("start", "end", "both")


def _label_check(body: Mapping[str, Any]) -> None:
    kind = body["kind"]
    if (kind == "aigc-implicit") != ("text" in body):
        raise SchemaError("an aigc-implicit label carries its JSON text, and only it does")
    if (kind == "aigc-audible") != ("positions" in body):
        raise SchemaError("an aigc-audible label names its positions, and only it does")


def _screening_check(body: Mapping[str, Any]) -> None:
    if body["catalogue"]["tracks"] == 0:
        raise SchemaError("a screening is made against a catalogue of at least one track")
    if body["min_ms"] == 0:
        raise SchemaError("min_ms must be above 0")
    for index, match in enumerate(body["matches"]):
        for side in ("query", "in_reference"):
            start, end = match[side]
            if end - start < body["min_ms"]:
                raise SchemaError(f"matches[{index}].{side} is shorter than min_ms")
_medium = _enum(MEDIA)

_P, _U, _C, _A = Role.PRODUCES, Role.USES, Role.CHOOSES, Role.ATTACHES
_LICENCE_REFERENCE = Reference("licence", allowed=frozenset({"licence"}))

EVENT_TYPES: dict[str, EventType] = {
    t.name: t
    for t in (
        EventType("work.created", {"title": check_text}, {"isrc": check_text, "iswc": check_text}),
        EventType(
            "generation",
            {"model": check_text, "outputs": _assets},
            {"model_version": check_text, "provider": check_text, "seed": _int, "params": _params,
             "inputs": _assets, "licence": _digest},
            private_optional=frozenset({"prompt", "negative_prompt", "lyrics"}),
            source_types=frozenset({"trainedAlgorithmicMedia"}),
            assets=(AssetField("outputs", _P, True), AssetField("inputs", _U, True)),
            references=(_LICENCE_REFERENCE,),
        ),
        EventType(
            "parameter-edit",
            {"of": _digest, "params": _params, "outputs": _assets},
            source_types=frozenset({"trainedAlgorithmicMedia"}),
            assets=(AssetField("outputs", _P, True),),
            references=(Reference("of", allowed=frozenset({"generation", "parameter-edit"})),),
        ),
        EventType(
            "selection",
            {"candidates": _list_of(_asset, min_items=1), "chosen": _asset},
            private_optional=frozenset({"reason"}),
            extra_check=_selection_check,
            assets=(AssetField("candidates", _U, True), AssetField("chosen", _C, False)),
        ),
        EventType(
            "human-edit",
            {"inputs": _list_of(_asset, min_items=1), "output": _asset, "kind": _enum(EDIT_KINDS)},
            {"segments": _segments, "stems": _list_of(check_text), "tool": check_text, "minutes": _uint},
            private_optional=frozenset({"note"}),
            source_types=frozenset({"compositeWithTrainedAlgorithmicMedia", "humanEdits"}),
            assets=(AssetField("output", _P, False), AssetField("inputs", _U, True)),
        ),
        EventType(
            "human-input",
            {"output": _asset, "layer": _enum(INPUT_LAYERS)},
            {"segments": _segments},
            private_optional=frozenset({"note", "lyrics"}),
            source_types=frozenset({"digitalCapture", "digitalCreation"}),
            extra_check=_human_input_check,
            assets=(AssetField("output", _P, False),),
        ),
        EventType(
            "assist",
            {"tool": check_text, "function": check_text, "inputs": _list_of(_asset, min_items=1),
             "outputs": _list_of(_asset, min_items=1)},
            source_types=frozenset({"algorithmicallyEnhanced"}),
            assets=(AssetField("outputs", _P, True), AssetField("inputs", _U, True)),
        ),
        EventType(
            "import",
            {"output": _asset, "source": check_text},
            source_types=IPTC_TERMS,
            assets=(AssetField("output", _P, False),),
        ),
        EventType("release", {"asset": _asset}, {"isrc": check_text}, assets=(AssetField("asset", _U, False),)),
        EventType("note", {}, private_required=frozenset({"text"})),
        EventType("attestation", {"about": _digest, "statement": check_text},
                  references=(Reference("about", excluded=frozenset({"note"})),)),
        # spec/licensing.md §2: licences, payments and usage (ADR 0010)
        EventType("licence", {"document": _licence_document}, {"attachments": _assets},
                  private_required=frozenset({"fee", "scope"}), assets=(AssetField("attachments", _A, True),)),
        EventType("payment", {"licence": _digest, "amount": _decimal, "currency": _currency, "paid_on": _date},
                  {"attachments": _assets}, private_optional=frozenset({"reference"}),
                  assets=(AssetField("attachments", _A, True),), references=(_LICENCE_REFERENCE,)),
        EventType("usage", {"production": check_text, "platform": check_text, "territory": _country,
                            "media": _medium, "date": _date},
                  {"licence": _digest, "episode": _uint, "asset": _asset},
                  assets=(AssetField("asset", _U, False),), references=(_LICENCE_REFERENCE,)),
        # spec/labels.md §2: an AI label written on a released file, from the record (ADR 0012)
        EventType("label", {"release": _digest, "input": _asset, "output": _asset, "kind": _enum(LABEL_KINDS),
                            "method": check_text, "contains_ai": _enum(CONTAINS_AI), "label_sha256": _digest},
                  {"text": check_text, "positions": _list_of(_segment, min_items=1)},
                  extra_check=_label_check,
                  assets=(AssetField("output", _P, False), AssetField("input", _U, False)),
                  references=(Reference("release", allowed=frozenset({"release"})),)),
        # spec/screening.md §7: a pre-release screening against a reference catalogue (ADR 0011)
        EventType("screening", {"asset": _asset, "catalogue": _catalogue, "method": check_text, "min_ms": _uint,
                                "matches": _list_of(_match)},
                  extra_check=_screening_check, assets=(AssetField("asset", _U, False),)),
    )
}

#: Names reserved for later format revisions; v1 verifiers reject them (fail closed).
RESERVED_TYPES: frozenset[str] = frozenset()

#: The genesis type; every other type needs ``work`` and ``prev``.
GENESIS_TYPE = "work.created"

#: Every private field name of any type (what ``--disclose FIELD`` accepts).
PRIVATE_FIELDS = frozenset().union(*(t.private_fields for t in EVENT_TYPES.values()))

#: Types whose outputs are AI material in themselves (spec/event-types.md §2).
AI_TYPES = frozenset({"generation", "parameter-edit"})


def output_assets(type_name: str, body: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """Assets an event produces (a selection chooses and produces none)."""
    return EVENT_TYPES[type_name].assets_in(body, Role.PRODUCES)


def input_assets(type_name: str, body: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """Assets an event uses (a selection's candidates, a release's asset, inputs)."""
    return EVENT_TYPES[type_name].assets_in(body, Role.USES)


def referenced_assets(type_name: str, body: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """Every asset reference of an event's body, whatever its role (attachments included)."""
    return EVENT_TYPES[type_name].assets_in(body, Role.PRODUCES, Role.USES, Role.CHOOSES, Role.ATTACHES)


def makes_ai_material(type_name: str, body: Mapping[str, Any]) -> bool:
    """Whether an event's outputs are AI material in themselves: a generation, a parameter edit,
    or an import whose stated source type is one of :data:`AI_SOURCE_TYPES`."""
    return type_name in AI_TYPES or (type_name == "import"
                                     and body.get("digital_source_type") in AI_SOURCE_TYPES)


def lineage_source_type(type_name: str, ai_input: bool) -> str | None:
    """The source type a body's lineage fixes (spec/event-types.md §2), or None where the type
    table alone decides: a human edit is ``compositeWithTrainedAlgorithmicMedia`` when one of its
    inputs came from AI in this chain, else ``humanEdits``."""
    if type_name == "human-edit":
        return "compositeWithTrainedAlgorithmicMedia" if ai_input else "humanEdits"
    return None


def default_source_type(type_name: str, body: Mapping[str, Any], *, ai_input: bool = False) -> str | None:
    """The IPTC term a writer puts in a body that has none (spec/event-types.md)."""
    from_lineage = lineage_source_type(type_name, ai_input)
    if from_lineage is not None:
        return from_lineage
    if type_name in ("generation", "parameter-edit"):
        return "trainedAlgorithmicMedia"
    if type_name == "assist":
        return "algorithmicallyEnhanced"
    if type_name == "human-input":
        layer = body.get("layer")
        return "digitalCapture" if type(layer) is str and layer in CAPTURED_LAYERS else "digitalCreation"
    return None

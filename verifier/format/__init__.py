"""The format core of provenote v1: what a second implementation must reproduce.

Pure: bytes in, typed values or coded errors out — deterministic CBOR (RFC 8949), COSE_Sign1
with Ed25519 (RFC 9052, RFC 9864), ids and domain-separated hashes, the event-type table,
events and disclosures, the chain rules, bundle records, and the one signing helper. No file
or database I/O. This module is the format's public face: the verifier application, the
writer (``ledger``) and the command line import from here and nowhere deeper.

Every rule lives once, here; spec/ states it and cites the same step numbers
(spec/verification.md) as the comments do.
"""

from verifier.format._bundle import (
    EVENT_RECORD_PREFIX,
    MAGIC,
    MAX_ASSETS,
    MAX_DISCLOSURES,
    MAX_EVENTS,
    MAX_KEYS,
    MAX_RECORD_SIZE,
    Item,
    ItemReader,
    TrailerClaims,
    decode_record,
    frame,
    header_hash,
    header_item,
    parse_header,
    parse_trailer,
)
from verifier.format._cbor import decode as decode_cbor
from verifier.format._cbor import encode as encode_cbor
from verifier.format._chain import ChainChecker, outputs_are_ai, uses_ai
from verifier.format._codes import (
    Code,
    CodedError,
    MalformedBundle,
    ProvenoteError,
    SchemaError,
    UntrustedDataError,
    UsageError,
    VerificationFailure,
)
from verifier.format._cose import protected_header, sign1
from verifier.format._event import (
    MAX_ENVELOPE_SIZE,
    MAX_TIME,
    EventPayload,
    SignedEvent,
    commitment,
    disclosure_digest,
    encode_disclosure,
    format_time,
    parse_event,
    verify_event,
)
from verifier.format._ids import (
    BUNDLE_DIGEST_PREFIX,
    CTYPE_EVENT,
    DIGEST_SIZE,
    FORMAT_VERSION,
    PUBLIC_KEY_SIZE,
    SALT_SIZE,
    AssetHash,
    EventHash,
    KeyId,
    WorkId,
    asset_digest,
    event_hash,
    key_id,
)
from verifier.format._keys import KeyCard, is_key_name, is_key_role, parse_key_card
from verifier.format._records import (
    EventSummary,
    Finding,
    check_chunk,
    check_record_lean,
    check_record_reference,
)
from verifier.format._types import (
    AI_SOURCE_TYPES,
    CAPTURED_LAYERS,
    EDIT_KINDS,
    EVENT_TYPES,
    GENESIS_TYPE,
    INPUT_LAYERS,
    IPTC_TERMS,
    MAX_LIST,
    MAX_TEXT,
    PRIVATE_FIELDS,
    RESERVED_TYPES,
    AssetField,
    EventType,
    Reference,
    Role,
    default_source_type,
    input_assets,
    lineage_source_type,
    makes_ai_material,
    output_assets,
    referenced_assets,
)

__all__ = [
    "AI_SOURCE_TYPES", "BUNDLE_DIGEST_PREFIX", "CAPTURED_LAYERS", "CTYPE_EVENT", "DIGEST_SIZE", "EDIT_KINDS",
    "EVENT_RECORD_PREFIX", "EVENT_TYPES", "FORMAT_VERSION", "GENESIS_TYPE", "INPUT_LAYERS", "IPTC_TERMS", "MAGIC",
    "MAX_ASSETS", "MAX_DISCLOSURES", "MAX_ENVELOPE_SIZE", "MAX_EVENTS", "MAX_KEYS", "MAX_LIST", "MAX_RECORD_SIZE",
    "MAX_TEXT", "MAX_TIME", "PRIVATE_FIELDS", "PUBLIC_KEY_SIZE", "RESERVED_TYPES", "SALT_SIZE", "AssetField",
    "AssetHash", "ChainChecker", "Code", "CodedError", "EventHash", "EventPayload", "EventSummary", "EventType",
    "Finding", "Item", "ItemReader", "KeyCard", "KeyId", "MalformedBundle", "ProvenoteError", "Reference", "Role",
    "SchemaError", "SignedEvent", "TrailerClaims", "UntrustedDataError", "UsageError", "VerificationFailure",
    "WorkId", "asset_digest", "check_chunk", "check_record_lean", "check_record_reference", "commitment", "decode_cbor",
    "decode_record", "default_source_type", "disclosure_digest", "encode_cbor", "encode_disclosure", "event_hash",
    "format_time", "frame", "header_hash", "header_item", "input_assets", "is_key_name", "is_key_role", "key_id", "lineage_source_type",
    "makes_ai_material", "output_assets", "outputs_are_ai", "parse_event", "parse_header", "parse_key_card",
    "parse_trailer", "protected_header", "referenced_assets", "sign1", "uses_ai", "verify_event",
]

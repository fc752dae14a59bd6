"""Verifying a bundle, in the numbered steps of spec/verification.md.

Streaming: the state kept is the chain head, per-signer counts, the assets the events name,
and (for the human-involvement analysis) the summaries of events that touch assets — never
the events themselves. Signature checks can be spread over worker processes (``jobs``).
"""

from __future__ import annotations

import hashlib
from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from verifier._internal import bundle
from verifier._internal.chain import ChainChecker
from verifier._internal.errors import MalformedBundle, VerificationFailure
from verifier._internal.files import scan_by_hash
from verifier._internal.format import (
    BUNDLE_DIGEST_PREFIX,
    BUNDLE_HEADER_PREFIX,
    DIGEST_SIZE,
    KeyId,
    WorkId,
    key_id,
)
from verifier._internal.involvement import METHOD, Profile, analyse
from verifier._internal.records import EVENT_RECORD_PREFIX, EventSummary, Finding, check_chunk
from verifier._internal.types import input_assets, output_assets

if TYPE_CHECKING:
    from concurrent.futures import Future, ProcessPoolExecutor

VERIFIER_VERSION = "0.1.0"
SPEC_VERSION = "provenote-format/1"
CHUNK = 256  # event records per unit of work
MAX_FINDINGS = 200  # errors listed in full; the rest are counted

#: (step, name, error-code prefixes that fail it) — spec/verification.md.
CHECKS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("V1", "bundle framing, limits and header", ("bundle.malformed", "bundle.truncated", "bundle.too_large",
                                                 "bundle.version_unsupported", "bundle.order")),
    ("V2", "key records and their self-signatures", ("key.",)),
    ("V3", "event encoding, envelope and protected header", ("event.malformed", "event.noncanonical",
                                                             "event.header_invalid", "event.too_large")),
    ("V4", "event signatures", ("event.signature_invalid",)),
    ("V5", "event bodies against their type's schema", ("event.schema_invalid",)),
    ("V6", "chain: seq, prev, work, genesis, times", ("chain.", "time.")),
    ("V7", "disclosures against their commitments", ("disclosure.",)),
    ("V8", "embedded and supplied assets against their hashes", ("asset.",)),
    ("V9", "trailer: signature, counts, head and digest", ("bundle.trailer", "bundle.trailing_data")),
)


@dataclass
class SignerReport:
    public_key: bytes
    name: str | None
    role: str | None
    events: int
    trusted: bool | None

    def to_json(self) -> dict[str, Any]:
        return {"key": self.public_key.hex(), "key_id": key_id(self.public_key).hex(), "name": self.name,
                "role": self.role, "events": self.events, "trusted": self.trusted}


@dataclass
class Report:
    """The outcome of verifying one bundle. ``valid`` and ``trusted`` are never merged."""

    readable: bool = True
    valid: bool = False
    trusted: bool | None = None
    work: WorkId | None = None
    title: str | None = None
    events: int = 0
    signers: list[SignerReport] = field(default_factory=list)
    exporter: SignerReport | None = None
    errors: list[Finding] = field(default_factory=list)
    fatal: Finding | None = None  # why an unreadable bundle could not be read
    errors_not_listed: int = 0
    warnings: list[Finding] = field(default_factory=list)
    bundle_sha256: bytes = b""
    bundle_size: int = 0
    first_time: int | None = None
    last_time: int | None = None
    disclosed: dict[str, int] = field(default_factory=dict)  # field -> events disclosing it
    withheld: dict[str, int] = field(default_factory=dict)  # field -> events withholding it
    disclosures: list[dict[str, Any]] = field(default_factory=list)  # the first few, for reports
    assets_embedded: int = 0
    assets_checked: int = 0
    assets_missing: int = 0
    timeline: list[tuple[int, int, str]] = field(default_factory=list)  # (seq, time, type), capped
    kept: list[EventSummary] = field(default_factory=list)  # events that touch assets or attest
    require_trusted: bool = False
    human_involvement: Profile | None = None  # only for a valid bundle

    @property
    def exit_code(self) -> int:
        if not self.readable:
            return 2
        return 0 if self.valid and not self.errors else 1

    def check_results(self) -> list[dict[str, str]]:
        codes = [f.code for f in self.errors]
        results = []
        for step, name, prefixes in CHECKS:
            failed = any(code.startswith(prefixes) for code in codes)
            results.append({"step": step, "check": name,
                            "result": "fail" if failed else ("pass" if self.readable else "not reached")})
        return results

    def to_json(self) -> dict[str, Any]:
        return {
            "valid": self.valid, "trusted": self.trusted, "readable": self.readable,
            "work": self.work.hex() if self.work else None, "title": self.title, "events": self.events,
            "signers": [s.to_json() for s in self.signers],
            "exporter": self.exporter.to_json() if self.exporter else None,
            "errors": [f.to_json() for f in self.errors], "errors_not_listed": self.errors_not_listed,
            "fatal": self.fatal.to_json() if self.fatal else None,
            "warnings": [f.to_json() for f in self.warnings],
            "checks": self.check_results(),
            "disclosed_fields": self.disclosed, "withheld_fields": self.withheld,
            "assets": {"embedded": self.assets_embedded, "checked": self.assets_checked,
                       "missing": self.assets_missing},
            "bundle": {"sha256": self.bundle_sha256.hex(), "size": self.bundle_size},
            "verifier": {"version": VERIFIER_VERSION, "spec": SPEC_VERSION, "method": METHOD},
            "human_involvement": self.human_involvement.to_json() if self.human_involvement else None,
        }


TIMELINE_CAP = 5_000
DISCLOSURE_CAP = 200
_KEPT_TYPES = frozenset({"work.created", "generation", "parameter-edit", "selection", "human-edit", "human-input",
                         "assist", "import", "release", "attestation"})


class BundleVerifier:
    """Verifies one bundle file. Use :meth:`run`; it never raises for bad bundles."""

    def __init__(self, *, trusted_keys: Iterable[bytes] | None = None, require_trusted: bool = False,
                 assets_dir: Path | None = None, jobs: int = 1) -> None:
        self.trusted_keys = frozenset(trusted_keys) if trusted_keys is not None else None
        self.require_trusted = require_trusted
        self.assets_dir = assets_dir
        self.jobs = max(1, jobs)

    def run(self, path: Path) -> Report:
        """Verify ``path``. Raises OSError only if the file cannot be opened."""
        report = Report(require_trusted=self.require_trusted)
        size = path.stat().st_size
        report.bundle_size = size
        with path.open("rb") as handle:
            try:
                _Run(self, report, bundle.ItemReader(handle, size)).execute()
            except MalformedBundle as e:
                report.readable = False
                report.valid = False
                report.fatal = Finding(e.code, e.event, e.message)
                report.errors.append(report.fatal)
        return report


class _Run:
    """The state of one verification (steps V1–V10)."""

    def __init__(self, config: BundleVerifier, report: Report, reader: bundle.ItemReader) -> None:
        self.config = config
        self.report = report
        self.reader = reader
        self.digest = hashlib.sha256(BUNDLE_DIGEST_PREFIX)
        self.whole = hashlib.sha256()
        self.keys: dict[KeyId, bundle.KeyCard] = {}
        self.signer_counts: dict[bytes, int] = {}
        self.referenced_assets: dict[bytes, Mapping[str, Any]] = {}
        self.chain: ChainChecker | None = None
        self.work: WorkId | None = None
        self.header_hash = b""
        self.pool: ProcessPoolExecutor | None = None
        self.pending: deque[Future[list[EventSummary | Finding]]] = deque()
        self.batch: list[bytes] = []
        self.events_seen = 0
        self.failed_events = 0

    def error(self, code: str, message: str, event: int | None = None) -> None:
        if len(self.report.errors) < MAX_FINDINGS:
            self.report.errors.append(Finding(code, event, message))
        else:
            self.report.errors_not_listed += 1

    # -- the pass over the items --------------------------------------------------------------

    def execute(self) -> None:
        report = self.report
        phase = 0  # 0 header, 1 keys, 2 events, 3 assets, 4 trailer seen
        last_asset = b""
        try:
            for item in self.reader:
                raw = item.raw_head + item.content
                self.whole.update(raw)
                content = item.content
                if phase == 4:
                    self.error("bundle.trailing_data", "bytes follow the trailer")
                    self._drain_rest()
                    break
                if phase == 2 and content.startswith(EVENT_RECORD_PREFIX):
                    self.digest.update(raw)
                    self._queue_event(content)
                    continue
                kind, record = bundle.decode_record(content)
                if phase == 0:  # V1
                    self.work = bundle.parse_header(record)
                    report.work = self.work
                    self.chain = ChainChecker(self.work)
                    self.header_hash = hashlib.sha256(BUNDLE_HEADER_PREFIX + raw).digest()
                    self.digest.update(raw)
                    phase = 1
                    continue
                order = {"key": 1, "event": 2, "asset": 3, "trailer": 4}.get(kind)
                if order is None or order < phase:
                    raise MalformedBundle("bundle.order", f"a {kind} record is out of place")
                if order > 2 and phase <= 2:
                    self._flush_events(final=True)
                phase = order
                if kind == "trailer":
                    self._trailer(record)
                    continue
                self.digest.update(raw)
                if kind == "key":
                    self._key(record)
                elif kind == "event":
                    self._queue_event(content)
                else:
                    last_asset = self._asset(record, last_asset)
            if phase < 4:
                raise MalformedBundle("bundle.truncated", "the bundle ends before its trailer")
        finally:
            if self.pool is not None:
                self.pool.shutdown(cancel_futures=True)
        self._finish()

    def _drain_rest(self) -> None:
        for item in self.reader:
            self.whole.update(item.raw_head + item.content)

    # -- V2: keys --------------------------------------------------------------------------

    def _key(self, record: list[Any]) -> None:
        if len(record) != 2 or type(record[1]) is not bytes:
            raise MalformedBundle("bundle.malformed", "a key record is [\"key\", key card]")
        if len(self.keys) >= bundle.MAX_KEYS:
            raise MalformedBundle("bundle.too_large", "too many key records")
        try:
            card = bundle.parse_key_card(record[1])
        except VerificationFailure as e:
            self.error(e.code, e.message)
            return
        if self.keys and card.key_id <= max(self.keys):
            self.error("key.duplicate", "key records must be sorted by key id, each once")
        self.keys[card.key_id] = card

    # -- V3–V7: events ----------------------------------------------------------------------

    def _queue_event(self, content: bytes) -> None:
        self.batch.append(content)
        if len(self.batch) >= CHUNK:
            self._flush_events(final=False)

    def _flush_events(self, *, final: bool) -> None:
        if self.batch:
            chunk, self.batch = self.batch, []
            if self.config.jobs == 1:
                self._consume(check_chunk(chunk))
            else:
                if self.pool is None:  # imported here: a --jobs 1 run starts without them
                    import multiprocessing
                    from concurrent.futures import ProcessPoolExecutor

                    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
                    self.pool = ProcessPoolExecutor(self.config.jobs, mp_context=multiprocessing.get_context(method))
                self.pending.append(self.pool.submit(check_chunk, chunk))
        limit = 0 if final else 2 * self.config.jobs
        while len(self.pending) > limit:
            self._consume(self.pending.popleft().result())

    def _consume(self, results: list[EventSummary | Finding]) -> None:
        assert self.chain is not None
        report = self.report
        for result in results:
            position = self.events_seen
            self.events_seen += 1
            report.events = self.events_seen
            if self.events_seen > bundle.MAX_EVENTS:
                raise MalformedBundle("bundle.too_large", "too many events")
            if isinstance(result, Finding):
                self.failed_events += 1
                self.error(result.code, result.message, result.event if result.event is not None else position)
                self.chain.state.count += 1  # keep positions aligned; the next prev check will fail too
                self.chain.state.head = None
                continue
            try:
                self.chain.add(result.hash, result)
            except VerificationFailure as e:
                self.error(e.code, e.message, e.event)
                self.chain.resync(result.hash, result)
            self.signer_counts[result.signer] = self.signer_counts.get(result.signer, 0) + 1
            if result.seq == 0 and result.type == "work.created":
                report.title = result.body.get("title")
            if report.first_time is None:
                report.first_time = result.time
            report.last_time = result.time
            for name in result.private_fields:
                bucket = report.disclosed if name in result.disclosed else report.withheld
                bucket[name] = bucket.get(name, 0) + 1
            for name, value in result.disclosed.items():
                if len(report.disclosures) < DISCLOSURE_CAP:
                    report.disclosures.append({"event": result.seq, "hash": result.hash.hex(),
                                               "field": name, "value": value})
            if len(report.timeline) < TIMELINE_CAP:
                report.timeline.append((result.seq, result.time, result.type))
            if result.type in _KEPT_TYPES:
                report.kept.append(result)
                for asset in (*output_assets(result.type, result.body), *input_assets(result.type, result.body)):
                    self.referenced_assets.setdefault(asset["sha256"], asset)

    # -- V8: assets ---------------------------------------------------------------------------

    def _asset(self, record: list[Any], last: bytes) -> bytes:
        if (len(record) != 4 or type(record[1]) is not bytes or len(record[1]) != DIGEST_SIZE
                or type(record[2]) is not str or type(record[3]) is not bytes):
            raise MalformedBundle("bundle.malformed", "an asset record is [\"asset\", sha256, media type, bytes]")
        self.report.assets_embedded += 1
        if self.report.assets_embedded > bundle.MAX_ASSETS:
            raise MalformedBundle("bundle.too_large", "too many asset records")
        digest = record[1]
        if digest <= last:
            self.error("asset.order", "asset records must be sorted by hash, each once")
        if hashlib.sha256(record[3]).digest() != digest:
            self.error("asset.hash_mismatch", f"embedded asset {digest.hex()[:16]} does not match its hash")
        if digest not in self.referenced_assets:
            self.error("asset.unreferenced", f"embedded asset {digest.hex()[:16]} is named by no event")
        return bytes(digest)

    def _check_asset_dir(self, directory: Path) -> None:
        found, by_name = scan_by_hash(directory, {asset["size"] for asset in self.referenced_assets.values()})
        for digest, asset in sorted(self.referenced_assets.items()):
            if digest in found:
                self.report.assets_checked += 1
            elif asset.get("name") in by_name:
                self.error("asset.hash_mismatch",
                           f"{by_name[asset['name']]} does not match the hash recorded for {asset['name']}")
            else:
                self.report.assets_missing += 1
                self.report.warnings.append(Finding("asset.missing", None,
                                                    f"no file in {directory} has the hash of "
                                                    f"{asset.get('name') or digest.hex()[:16]}"))

    # -- V9: trailer --------------------------------------------------------------------------

    def _trailer(self, record: list[Any]) -> None:
        assert self.work is not None and self.chain is not None
        try:
            claims, signer = bundle.parse_trailer(record, self.keys, self.work)
        except VerificationFailure as e:
            self.error(e.code, e.message)
            return
        card = self.keys[signer]
        self.report.exporter = SignerReport(card.public_key, card.name, card.role, 0,
                                            self._trusted(card.public_key))
        state = self.chain.state
        mismatches = [name for name, ok in (
            ("work", claims.work == self.work), ("header", claims.header == self.header_hash),
            ("events", claims.events == self.events_seen), ("head", claims.head == (state.head or b"")),
            ("keys", claims.keys == len(self.keys)), ("assets", claims.assets == self.report.assets_embedded),
            ("digest", claims.digest == self.digest.digest())) if not ok]
        if mismatches:
            self.error("bundle.trailer_mismatch",
                       f"the trailer's {', '.join(mismatches)} do not match the bundle")

    # -- V10: wrap up ---------------------------------------------------------------------------

    def _trusted(self, public_key: bytes) -> bool | None:
        if self.config.trusted_keys is None:
            return None
        return public_key in self.config.trusted_keys

    def _finish(self) -> None:
        report = self.report
        report.bundle_sha256 = self.whole.digest()
        report.events = self.events_seen
        if self.events_seen == 0:
            self.error("chain.empty", "the bundle holds no events")
        by_key = {card.public_key: card for card in self.keys.values()}
        for public_key, count in sorted(self.signer_counts.items(), key=lambda kv: -kv[1]):
            card = by_key.get(public_key)
            if card is None:
                self.error("key.missing", f"signer {key_id(public_key).hex()[:16]} has no key record")
            report.signers.append(SignerReport(public_key, card.name if card else None,
                                               card.role if card else None, count, self._trusted(public_key)))
        if self.config.assets_dir is not None:
            self._check_asset_dir(self.config.assets_dir)
        crypto_codes = [f.code for f in report.errors]
        report.valid = not crypto_codes and report.errors_not_listed == 0
        if report.valid:  # a profile of a tampered chain would mean nothing
            names = {card.public_key: card.name for card in self.keys.values()}
            report.human_involvement = analyse(report.kept, self.config.trusted_keys, names)
        if self.config.trusted_keys is not None:
            report.trusted = all(s.trusted for s in report.signers) and bool(report.signers)
            if self.config.require_trusted and not report.trusted:
                for signer in report.signers:
                    if not signer.trusted:
                        report.errors.append(Finding(
                            "key.untrusted", None,
                            f"signer {signer.name or '?'} ({key_id(signer.public_key).hex()[:16]}) is not trusted"))


"""The outcome of verifying one bundle: a frozen :class:`Report` and the :class:`Policy` it was
checked under. ``valid`` (intact and signed) and ``trusted`` (every signer in the auditor's list)
are never merged; neither says that a signed statement is true.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from verifier.analysis import METHOD, GenerationRow, LicenceRow, Profile, ScreeningReport, UsageRow
from verifier.format import (
    PUBLIC_KEY_SIZE,
    SIG_COSIGNATURE_V1,
    Code,
    EventSummary,
    Finding,
    MalformedBundle,
    UsageError,
    VerificationFailure,
    VerifierKey,
    WorkId,
    format_time,
    key_id,
)

if TYPE_CHECKING:  # the label-file readers are imported only when files are read (verifier/_run.py)
    from verifier._labelfiles import LabelFileCheck

VERIFIER_VERSION = "0.2.0"
MAX_JOBS = 64  # worker processes; memory in flight grows with them (chunks of at most 16 MiB)
SPEC_VERSION = "provenote-format/1"

#: The steps of spec/verification.md, in order, with what each checks.
STEPS: tuple[tuple[str, str], ...] = (
    ("V1", "bundle framing, limits and header"),
    ("V2", "key cards and their self-signatures"),
    ("V3", "event envelope, protected header and encoding"),
    ("V4", "event payloads against their type's schema"),
    ("V5", "event signatures"),
    ("V6", "chain: seq, work, prev, times, references, lineage"),
    ("V7", "disclosures against their commitments"),
    ("V8", "embedded and supplied assets against their hashes"),
    ("V9", "trailer: signature, counts, head and digest"),
    ("V10", "trust: signers in the auditor's list"),
    ("V11", "Merkle log: checkpoints, inclusion, consistency, known checkpoints"),
    ("V12", "time and witnesses: RFC 3161 timestamps, cosignatures, quorum"),
    ("V13", "licence coverage: signatures, usage, payments, AI output licences (findings)"),
    ("V14", "pre-release screening: matches against licences-in, releases screened (findings)"),
)

#: The report's event table lists the first and the last events of the chain, this many each
#: (memory stays bounded at any length); the events between are counted, not listed.
EVENT_TABLE_HEAD = 50
EVENT_TABLE_TAIL = 50
#: The timeline's activity: at most this many bins of consecutive events (each bin's width doubles
#: as the chain grows past it).
ACTIVITY_BINS = 64
#: Files (asset references) listed by name with their match status; the rest are counted.
FILE_LIST_CAP = 200

#: Errors that leave a bundle *valid* (intact and signed) but fail the run: trust the auditor asked for.
TRUST_CODES = frozenset({Code.KEY_UNTRUSTED, Code.WITNESS_QUORUM_UNMET})


@dataclass(frozen=True)
class Policy:
    """What the auditor asks of a verification.

    ``trusted_keys``: raw Ed25519 public keys the auditor trusts (None: trust not evaluated).
    ``require_trusted``: an untrusted signer is an error (``key.untrusted``).
    ``assets_dir``: a folder of files to check against the recorded hashes.
    ``jobs``: processes for steps V3–V5 and V7, this one included: ``jobs - 1`` workers are fed
    chunks and this process checks a chunk itself whenever they are all busy (the result is the
    same for any number).
    ``known_checkpoints``: signed checkpoint notes the auditor saw before (V11.4).
    ``tsa_roots``: DER certificates of the timestamp authorities' roots the auditor trusts (V12.1).
    ``witnesses``: C2SP vkeys (type 0x04) of the witnesses the auditor trusts; ``quorum``: how
    many of them must have cosigned (default: 1 when witnesses are given) (V12.2).

    Raises (on construction): UsageError for a key that is not 32 bytes, ``require_trusted``
    without keys, ``jobs`` < 1, a quorum without witnesses or above their number.
    """

    trusted_keys: frozenset[bytes] | None = None
    require_trusted: bool = False
    assets_dir: Path | None = None
    jobs: int = 1
    known_checkpoints: tuple[bytes, ...] = ()
    tsa_roots: tuple[bytes, ...] = ()
    witnesses: tuple[VerifierKey, ...] = ()
    quorum: int = 0

    def __init__(self, trusted_keys: Iterable[bytes] | None = None, *, require_trusted: bool = False,
                 assets_dir: Path | None = None, jobs: int = 1, known_checkpoints: Iterable[bytes] = (),
                 tsa_roots: Iterable[bytes] = (), witnesses: Iterable[VerifierKey] = (),
                 quorum: int | None = None) -> None:
        keys = frozenset(trusted_keys) if trusted_keys is not None else None
        if keys is not None and any(type(k) is not bytes or len(k) != PUBLIC_KEY_SIZE for k in keys):
            raise UsageError(f"a trusted key is a raw {PUBLIC_KEY_SIZE}-byte Ed25519 public key")
        if require_trusted and not keys:
            raise UsageError("require_trusted needs at least one trusted key")
        if type(jobs) is not int or not 1 <= jobs <= MAX_JOBS:
            raise UsageError(f"jobs must be from 1 to {MAX_JOBS}")
        object.__setattr__(self, "trusted_keys", keys)
        object.__setattr__(self, "require_trusted", require_trusted)
        object.__setattr__(self, "assets_dir", assets_dir)
        object.__setattr__(self, "jobs", jobs)
        witness_keys = tuple(witnesses)
        if len(set(witness_keys)) != len(witness_keys):
            raise UsageError("a --witness key is given twice")
        if any(not isinstance(w, VerifierKey) or w.sig_type != SIG_COSIGNATURE_V1 for w in witness_keys):
            raise UsageError("a witness is a C2SP cosignature vkey (signature type 0x04)")
        if quorum is None:
            quorum = 1 if witness_keys else 0
        if type(quorum) is not int or not 0 <= quorum <= len(witness_keys) or (witness_keys and quorum == 0):
            raise UsageError(f"--quorum must be from 1 to the number of --witness keys ({len(witness_keys)})")
        object.__setattr__(self, "known_checkpoints", tuple(known_checkpoints))
        object.__setattr__(self, "tsa_roots", tuple(tsa_roots))
        object.__setattr__(self, "witnesses", witness_keys)
        object.__setattr__(self, "quorum", quorum)

    def trusts(self, public_key: bytes) -> bool | None:
        """Whether a key is trusted; None when no trust list was given."""
        return None if self.trusted_keys is None else public_key in self.trusted_keys


@dataclass(frozen=True)
class SignerReport:
    """One key that signed events (or the trailer), with its card's name and role if any."""

    public_key: bytes
    name: str | None
    role: str | None
    events: int
    trusted: bool | None

    def to_json(self) -> dict[str, Any]:
        return {"key": self.public_key.hex(), "key_id": key_id(self.public_key).hex(), "name": self.name,
                "role": self.role, "events": self.events, "trusted": self.trusted}


@dataclass(frozen=True)
class TimestampReport:
    """One RFC 3161 timestamp over a checkpoint of the bundle (V12.1)."""

    size: int  # the tree size of the checkpoint it stamps
    time: int  # its genTime, microseconds since the epoch (UTC)
    tsa: str
    trusted: bool
    reason: str | None  # why it is not trusted
    slack: int = 1_000_000  # µs added to genTime for the bound: max(1 s precision, the token's accuracy)

    def to_json(self) -> dict[str, Any]:
        return {"size": self.size, "time": format_time(self.time), "tsa": self.tsa, "trusted": self.trusted,
                "reason": self.reason, "slack_us": self.slack}


@dataclass(frozen=True)
class ExistedBy:
    """Events ``first``..``last`` (positions in the bundle) existed no later than ``time``: a
    trusted timestamp over a checkpoint whose tree holds them (V12.3)."""

    first: int
    last: int
    time: int
    tsa: str

    def to_json(self) -> dict[str, Any]:
        return {"first": self.first, "last": self.last, "time": format_time(self.time), "tsa": self.tsa}


@dataclass(frozen=True)
class EventRow:
    """One row of the report's event table: what a reader needs of one event (a note too).

    ``facts``: the body's short fields as text (text, numbers, booleans, lists of text; a list of
    other things as its length), each cut to 200 characters; bytes are left out. ``refers_to``:
    the seq of the event a ``licence``, ``of``, ``about`` or ``release`` field names, where it is
    in the bundle. ``files``: (body field, name or None, SHA-256) of every asset it names."""

    seq: int
    type: str
    time: int
    occurred: int | None
    signer: bytes
    facts: Mapping[str, str]
    refers_to: Mapping[str, int]
    files: tuple[tuple[str, str | None, bytes], ...]


@dataclass(frozen=True)
class EventTable:
    """The events a report lists: the first ``head`` and the last ``tail`` of ``total`` verified
    events, in chain order, none twice; the ``not_listed`` events between them are only counted."""

    head: tuple[EventRow, ...]
    tail: tuple[EventRow, ...]
    total: int

    @property
    def not_listed(self) -> int:
        return self.total - len(self.head) - len(self.tail)


@dataclass(frozen=True)
class ActivityBin:
    """Events ``first``..``last`` (seq) of the chain, recorded from ``start`` to ``end`` (µs), and
    how many there are of each type."""

    first: int
    last: int
    start: int
    end: int
    counts: Mapping[str, int]


@dataclass(frozen=True)
class FileStatus:
    """One file the events name, and whether the bytes were there and matched: ``embedded``
    True (in the bundle, hash matches), False (in the bundle, does not match), None (not in
    it); ``supplied`` "match", "mismatch" (a file of its name with another hash) or "missing" in
    the --assets folder, None without --assets."""

    sha256: bytes
    name: str | None
    media_type: str
    size: int
    embedded: bool | None
    supplied: str | None

    def to_json(self) -> dict[str, Any]:
        return {"sha256": self.sha256.hex(), "name": self.name, "media_type": self.media_type, "size": self.size,
                "embedded": self.embedded, "supplied": self.supplied}


@dataclass(frozen=True)
class WorkCodes:
    """The work's identifiers and its last release, from the signed events (None where absent):
    the ISWC and ISRC the ``work.created`` event states, the ISRC of the last release, and its
    file (name, SHA-256, size) and seq."""

    iswc: str | None
    isrc: str | None
    release_isrc: str | None
    release_seq: int | None
    release_name: str | None
    release_sha256: bytes | None
    release_size: int | None

    def to_json(self) -> dict[str, Any]:
        return {"iswc": self.iswc, "isrc": self.isrc, "release": None if self.release_seq is None else {
            "seq": self.release_seq, "isrc": self.release_isrc, "name": self.release_name,
            "sha256": self.release_sha256.hex() if self.release_sha256 else None, "size": self.release_size}}


@dataclass(frozen=True)
class LogReport:
    """What the bundle's log records prove (V11–V12): the latest checkpoint, how many of the
    events it covers, the earlier checkpoints it extends, timestamps, cosignatures by the
    auditor's witnesses, and the known checkpoints compared."""

    origin: str
    size: int
    root: bytes
    signer: str
    covered: int  # the first ``covered`` events are leaves of the checkpoint's tree
    checkpoints: tuple[int, ...]  # sizes of the earlier checkpoints it extends
    timestamps: tuple[TimestampReport, ...]
    witnesses: tuple[tuple[str, int, int], ...]  # (witness, size cosigned, cosignature time s)
    witnessed: int  # events covered by a checkpoint cosigned by a quorum of --witness keys
    known: tuple[tuple[int, str], ...]  # (size, "extends" or the code) for each --known-checkpoint
    existed_by: tuple[ExistedBy, ...]
    evidence: tuple[str, ...]  # the two signed notes of an equivocation, as text

    def to_json(self) -> dict[str, Any]:
        return {"origin": self.origin, "size": self.size, "root": self.root.hex(), "signer": self.signer,
                "covered_events": self.covered, "earlier_checkpoints": list(self.checkpoints),
                "timestamps": [t.to_json() for t in self.timestamps],
                "cosignatures": [{"witness": w, "size": s, "time": t} for w, s, t in self.witnesses],
                "witnessed_events": self.witnessed,
                "known_checkpoints": [{"size": s, "result": r} for s, r in self.known],
                "existed_no_later_than": [e.to_json() for e in self.existed_by],
                "evidence": list(self.evidence)}


@dataclass(frozen=True)
class LicensingReport:
    """Licence coverage (spec/licensing.md §3–§4, verification.md V13) of a valid bundle: every
    licence (parties and signatures, terms, fee or "withheld", payments), every usage and whether
    the licence it names covers it, every AI generation in the lineage of the last release and
    the licence for its output, and the findings (also in the report's ``warnings``)."""

    today: str  # the UTC date of the chain's last recorded time
    release: int | None  # seq of the last release event, whose lineage the generations are from
    licences: tuple[LicenceRow, ...]
    usages: tuple[UsageRow, ...]
    generations: tuple[GenerationRow, ...]
    findings: tuple[Finding, ...]

    @property
    def covered(self) -> int:
        """Usages covered by the licence they name."""
        return sum(u.covered for u in self.usages)

    @property
    def licensed_generations(self) -> int:
        """Generations in the released lineage whose output is licensed."""
        return sum(g.ok for g in self.generations)

    def to_json(self) -> dict[str, Any]:
        return {"today": self.today, "release": self.release,
                "summary": {"licences": len(self.licences), "usages": len(self.usages), "covered": self.covered,
                            "generations": len(self.generations), "licensed_generations": self.licensed_generations,
                            "findings": len(self.findings)},
                "licences": [row.to_json() for row in self.licences],
                "usages": [row.to_json() for row in self.usages],
                "generations": [row.to_json() for row in self.generations],
                "findings": [f.to_json() for f in self.findings]}


@dataclass(frozen=True)
class Report:
    """The outcome of verifying one bundle (built once, at the end of a run; never changed)."""

    readable: bool
    valid: bool
    trusted: bool | None
    work: WorkId | None
    title: str | None
    events: int
    signers: tuple[SignerReport, ...]
    exporter: SignerReport | None
    errors: tuple[Finding, ...]
    errors_not_listed: int
    fatal: Finding | None  # why an unreadable bundle could not be read
    warnings: tuple[Finding, ...]
    bundle_sha256: bytes
    bundle_size: int
    first_time: int | None
    last_time: int | None
    disclosed: Mapping[str, int]  # field -> events disclosing it
    withheld: Mapping[str, int]  # field -> events withholding it
    disclosures: tuple[Mapping[str, Any], ...]  # the first few, for reports
    assets_embedded: int
    assets_checked: int
    assets_missing: int
    timeline: tuple[tuple[int, int, str], ...]  # (seq, time, type), capped
    kept: tuple[EventSummary, ...]  # every event but notes, for the analyses (human involvement, V13)
    human_involvement: Profile | None  # only for a valid bundle
    policy: Policy = field(default_factory=Policy)
    log: LogReport | None = None
    licensing: LicensingReport | None = None  # only for a valid bundle (V13)
    screening: ScreeningReport | None = None  # only for a valid bundle (V14)
    label_files: tuple[LabelFileCheck, ...] = ()  # with --assets: each label against its file (labels.md §4)
    event_table: EventTable | None = None  # the first and last events, for the report's table
    activity: tuple[ActivityBin, ...] = ()  # every event, in at most ACTIVITY_BINS bins (the timeline)
    files: tuple[FileStatus, ...] = ()  # the first FILE_LIST_CAP files the events name, by name
    files_not_listed: int = 0
    codes: WorkCodes | None = None

    def __post_init__(self) -> None:
        if self.valid and (not self.readable or self.errors_not_listed
                           or any(f.code not in TRUST_CODES for f in self.errors)):
            raise ValueError("a report with errors is not valid")
        if not self.valid and not self.errors and self.fatal is None:
            raise ValueError("an invalid report names at least one error")
        if self.fatal is not None and self.readable:
            raise ValueError("a fatal finding makes a report unreadable")

    @property
    def exit_code(self) -> int:
        """0 valid (and trusted when required), 1 verification failed, 2 unreadable."""
        if not self.readable:
            return 2
        return 0 if self.valid and not self.errors else 1

    def raise_for_invalid(self) -> None:
        """Raise unless the bundle verified (and, when the policy requires it, is trusted).

        Raises:
            MalformedBundle: the bundle could not be read (its fatal code).
            VerificationFailure: the first error, with its code.
        """
        if self.fatal is not None:
            raise MalformedBundle(self.fatal.code, self.fatal.message, event=self.fatal.event)
        if self.errors:
            first = self.errors[0]
            raise VerificationFailure(first.code, first.message, event=first.event)

    def check_results(self) -> list[dict[str, str]]:
        """A result for every step of spec/verification.md: pass, fail or not reached."""
        failed = {f.code.step for f in self.errors}
        if self.fatal is not None:
            failed.add(self.fatal.code.step)
        results = []
        for step, name in STEPS:
            if step == "V10" and self.policy.trusted_keys is None:
                result = "not evaluated"
            elif step in ("V11", "V12") and self.log is None and step not in failed:
                result = "no log records" if self.readable else "not reached"
            elif step in failed:
                result = "fail"
            else:
                result = "pass" if self.readable else "not reached"
            results.append({"step": step, "check": name, "result": result})
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
            "disclosed_fields": dict(self.disclosed), "withheld_fields": dict(self.withheld),
            "assets": {"embedded": self.assets_embedded, "checked": self.assets_checked,
                       "missing": self.assets_missing},
            "files": [f.to_json() for f in self.files], "files_not_listed": self.files_not_listed,
            "codes": self.codes.to_json() if self.codes else None,
            "bundle": {"sha256": self.bundle_sha256.hex(), "size": self.bundle_size},
            "verifier": {"version": VERIFIER_VERSION, "spec": SPEC_VERSION, "method": METHOD},
            "human_involvement": self.human_involvement.to_json() if self.human_involvement else None,
            "log": self.log.to_json() if self.log else None,
            "licensing": self.licensing.to_json() if self.licensing else None,
            "screening": self.screening.to_json() if self.screening else None,
            "label_files": [{"event": c.event, "kind": c.kind, "file": c.file, "status": c.status, "detail": c.detail}
                            for c in self.label_files],
        }

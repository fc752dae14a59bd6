"""The verdict in words, for a terminal (``provenote-verify`` without ``--json``)."""

from __future__ import annotations

import unicodedata

from verifier import Report
from verifier.format import format_time, key_id

#: Unicode categories that can move the cursor, clear or recolour a terminal, reorder text
#: (bidi controls are Cf) or split a line: control, format, surrogate, line and paragraph separators.
_ACTIVE = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})


def inert(text: str) -> str:
    """``text`` safe to print on a terminal: every control, format (bidi overrides included),
    surrogate and separator character written as a visible escape (``\x1b``, ``\u202e``).
    Untrusted text — titles, names, roles, disclosed values, messages quoting input — goes
    through here before it reaches a terminal."""
    if text.isascii() and text.isprintable():
        return text
    out = []
    for char in text:
        if unicodedata.category(char) in _ACTIVE:
            code = ord(char)
            out.append(f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}")
        else:
            out.append(char)
    return "".join(out)


def render_text(report: Report) -> str:
    """A short verdict: valid / trusted apart, the work, signers, errors, the profile's summary.
    Every string that came from the bundle is made :func:`inert`."""
    return "\n".join(inert(line) for line in _lines(report))


def _lines(report: Report) -> list[str]:
    lines = []
    if not report.readable:
        lines.append("UNREADABLE — this is not a bundle that can be verified")
    elif report.exit_code == 0:
        lines.append("VALID — the bundle is cryptographically intact")
    elif report.valid:
        if any(f.code == "witness.quorum_unmet" for f in report.errors):
            lines.append("VALID but NOT WITNESSED — intact, but not cosigned by the quorum of witnesses you asked for")
        else:
            lines.append("VALID but NOT TRUSTED — intact, but not every signer is in your trust list")
    else:
        lines.append("INVALID — the bundle fails verification")
    if report.work is not None:
        lines.append(f"work    {report.work.hex()}  {report.title or ''}".rstrip())
    lines.append(f"events  {report.events}")
    if report.first_time is not None and report.last_time is not None:
        lines.append(f"period  {format_time(report.first_time)} … {format_time(report.last_time)}")
    trust = {None: "not evaluated (no --trust given)", True: "every signer and the exporter are trusted",
             False: "not every signer and exporter is trusted"}[report.trusted]
    lines.append(f"trust   {trust}")
    for signer in report.signers:
        mark = {None: "", True: "  [trusted]", False: "  [NOT trusted]"}[signer.trusted]
        plural = "" if signer.events == 1 else "s"
        lines.append(f"signer  {signer.name or '?'} ({signer.role or '?'}) "
                     f"{key_id(signer.public_key).hex()[:16]}  {signer.events} event{plural}{mark}")
    if report.exporter is not None:
        mark = {None: "", True: "  [trusted]", False: "  [NOT trusted]"}[report.exporter.trusted]
        lines.append(f"export  exported by {report.exporter.name} ({report.exporter.role}) "
                     f"{key_id(report.exporter.public_key).hex()[:16]}{mark}")
    if report.disclosed or report.withheld:
        shown = ", ".join(f"{k} ×{v}" for k, v in sorted(report.disclosed.items())) or "none"
        hidden = ", ".join(f"{k} ×{v}" for k, v in sorted(report.withheld.items())) or "none"
        lines.append(f"private disclosed: {shown}; withheld: {hidden}")
    lines += _log_lines(report)
    for finding in report.errors:
        where = f" (event {finding.event})" if finding.event is not None else ""
        lines.append(f"error   {finding.code}{where}: {finding.message}")
    if report.errors_not_listed:
        lines.append(f"error   … and {report.errors_not_listed} more")
    for finding in report.warnings:
        lines.append(f"warning {finding.code}: {finding.message}")
    profile = report.human_involvement
    if profile is not None:
        if profile.shares is not None:
            shares = ", ".join(f"{name.replace('_', '-')} {value * 100:.1f}%" for name, value in profile.shares.items())
            lines.append(f"human involvement ({profile.readouts['ddex']['contains_ai']} AI): {shares}")
        lines.append(f"red flags: {', '.join(profile.red_flags) or 'none'}")
        for row in profile.labels:  # spec/labels.md §3
            verdict = "agrees with the chain" if row["agrees"] else "UNDERSTATES AI: " + "; ".join(row["reasons"])
            lines.append(f"label   #{row['event']} {row['kind']} on {row['input']} → {row['output']}: "
                         f"ContainsAI {row['contains_ai']}, {verdict}")
    for check in report.label_files:  # --assets: the labelled files themselves (spec/labels.md §4)
        lines.append(f"label   #{check.event} {check.kind} in {check.file}: {check.status} — {check.detail}")
    lines += _licensing_lines(report)
    lines += _screening_lines(report)
    return lines


def _screening_lines(report: Report) -> list[str]:
    """Pre-release screening (verification.md V14) in a few lines; its findings are the warnings above."""
    screening = report.screening
    if screening is None:
        return []
    lines = []
    for row in screening.screenings:
        what = row.asset_name or row.asset.hex()[:16]
        lines.append(f"screen  {format_time(row.time)}: {what} against {row.catalogue} ({row.tracks} track{'s' if row.tracks != 1 else ''}, "
                     f"{row.catalogue_identity.hex()[:16]}), {row.method}: "
                     + (f"{len(row.matches)} match{'es' if len(row.matches) != 1 else ''}" if row.matches
                        else "no match"))
        for match in row.matches:
            (q0, q1), (r0, r1) = match.query, match.in_reference
            licences = ", ".join(f"#{seq}" for seq in match.licences)
            lines.append(f"match   {match.name} at {q0 / 1000:.1f}–{q1 / 1000:.1f} s (its {r0 / 1000:.1f}–"
                         f"{r1 / 1000:.1f} s), score {match.score}: "
                         + (f"licensed in by {licences}" if match.covered else "NO licence-in names this track"))
    for release in screening.releases:
        if not release.screened:
            lines.append(f"screen  release #{release.seq} "
                         f"({release.asset_name or release.asset.hex()[:16]}): not screened before release")
    return lines


def _licensing_lines(report: Report) -> list[str]:
    """Licence coverage (verification.md V13) in a few lines; its findings are the warnings above."""
    licensing = report.licensing
    if licensing is None:
        return []
    if not (licensing.licences or licensing.usages or licensing.generations):
        return [f"licence none recorded, no usage, no AI generation in the released music (as of {licensing.today})"]
    count = len(licensing.licences)
    taken = sum(row.direction == "in" for row in licensing.licences)
    unsigned = sum(any(not p.signed for p in row.parties) for row in licensing.licences)
    lines = [f"licence {count} recorded ({taken} taken in, {count - taken} granted out)"
             + (f", {unsigned} with a party who has not signed" if unsigned else "")
             + f"; judged as of {licensing.today}, the chain's last recorded date"]
    if licensing.usages:
        lines.append(f"usage   {licensing.covered} of {len(licensing.usages)} covered by the licence they name")
    if licensing.generations:
        lines.append(f"AI use  {licensing.licensed_generations} of {len(licensing.generations)} generations in the "
                     "released music have an output licence")
    codes = sorted({str(f.code) for f in licensing.findings})
    lines.append(f"licensing findings: {len(licensing.findings)}" + (f" ({', '.join(codes)})" if codes else ""))
    return lines


def _span(first: int, last: int) -> str:
    return f"event #{first}" if first == last else f"events #{first}–#{last}"


def _log_lines(report: Report) -> list[str]:
    """The Merkle log, time and witnesses (verification.md V11–V12), said plainly."""
    log = report.log
    if log is None:
        return ["time    no checkpoint in the bundle: nothing shows when these events existed "
                "beyond the signer's own clock"] if report.readable else []
    lines = [f"log     checkpoint of {log.origin} at {log.size} leaves, signed by {log.signer}; "
             f"holds {log.covered} of the {report.events} events"
             + (f"; extends {len(log.checkpoints)} earlier checkpoint{'s' if len(log.checkpoints) != 1 else ''}"
                if log.checkpoints else "")]
    if log.covered < report.events:
        lines.append(f"log     {_span(log.covered, report.events - 1)} in no checkpoint of the bundle")
    for size, result in log.known:
        lines.append(f"known   your checkpoint of size {size}: "
                     + ("the bundle's log extends it" if result == "extends" else result))
    for run in log.existed_by:
        lines.append(f"time    {_span(run.first, run.last)} existed no later than {format_time(run.time)} "
                     f"(RFC 3161, {run.tsa})")
    last_anchored = log.existed_by[-1].last + 1 if log.existed_by else 0
    if last_anchored < report.events:
        lines.append(f"time    {_span(last_anchored, report.events - 1)}: no trusted timestamp shows when "
                     "they existed")
    for stamp in log.timestamps:
        if not stamp.trusted:
            lines.append(f"time    a timestamp by {stamp.tsa} says {format_time(stamp.time)} for the checkpoint of "
                         f"size {stamp.size}, but it is NOT trusted: {stamp.reason}")
    for name, size, when in log.witnesses:
        lines.append(f"witness {name} cosigned the checkpoint of size {size} at {format_time(when * 1_000_000)}")
    if report.policy.witnesses:
        lines.append(f"witness {log.witnessed} of the {report.events} events are in a checkpoint cosigned by "
                     f"{report.policy.quorum} of your {len(report.policy.witnesses)} witness"
                     f"{'es' if len(report.policy.witnesses) != 1 else ''}")
    return lines

"""The verdict in words, for a terminal (``provenote-verify`` without ``--json``)."""

from __future__ import annotations

from verifier import Report
from verifier.format import format_time, key_id


def render_text(report: Report) -> str:
    """A short verdict: valid / trusted apart, the work, signers, errors, the profile's summary."""
    lines = []
    if not report.readable:
        lines.append("UNREADABLE — this is not a bundle that can be verified")
    elif report.exit_code == 0:
        lines.append("VALID — the bundle is cryptographically intact")
    elif report.valid:
        lines.append("VALID but NOT TRUSTED — intact, but not every signer is in your trust list")
    else:
        lines.append("INVALID — the bundle fails verification")
    if report.work is not None:
        lines.append(f"work    {report.work.hex()}  {report.title or ''}".rstrip())
    lines.append(f"events  {report.events}")
    if report.first_time is not None and report.last_time is not None:
        lines.append(f"period  {format_time(report.first_time)} … {format_time(report.last_time)}")
    trust = {None: "not evaluated (no --trust given)", True: "every signer is trusted",
             False: "not every signer is trusted"}[report.trusted]
    lines.append(f"trust   {trust}")
    for signer in report.signers:
        mark = {None: "", True: "  [trusted]", False: "  [NOT trusted]"}[signer.trusted]
        plural = "" if signer.events == 1 else "s"
        lines.append(f"signer  {signer.name or '?'} ({signer.role or '?'}) "
                     f"{key_id(signer.public_key).hex()[:16]}  {signer.events} event{plural}{mark}")
    if report.exporter is not None:
        lines.append(f"export  signed by {report.exporter.name} ({report.exporter.role})")
    if report.disclosed or report.withheld:
        shown = ", ".join(f"{k} ×{v}" for k, v in sorted(report.disclosed.items())) or "none"
        hidden = ", ".join(f"{k} ×{v}" for k, v in sorted(report.withheld.items())) or "none"
        lines.append(f"private disclosed: {shown}; withheld: {hidden}")
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
    return "\n".join(lines)

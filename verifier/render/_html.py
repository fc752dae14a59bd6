"""The HTML report (spec/human-involvement.md §7): one self-contained file a lawyer can read and print.

No script, no external style sheet, font or image: styles are inline in the page and the
figures are inline SVG. English or Simplified Chinese. Pure: a Report in, a string out.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from html import escape
from typing import Any

from verifier import SPEC_VERSION, VERIFIER_VERSION, Report
from verifier.analysis import METHOD, GenerationRow, LicenceRow, Profile, UsageRow
from verifier.format import WORLD, Finding, format_time, key_id
from verifier.render._i18n import (
    CATEGORY_NAMES,
    CN_ITEMS,
    FINDING_TEXT,
    FLAG_TEXT,
    LABEL_KIND_NAMES,
    LABELS,
    LICENSING,
    MEDIA_NAMES,
    PROVES,
    REASON_TEXT,
    SCREENING,
    TEXT,
)

COLOURS = {"human_authored": "#1b7f3b", "human_modified": "#7cc48a", "ai": "#b5179e", "unknown": "#9aa0a6",
           "human": "#1b7f3b", "licensing": "#1f5fbf", "other": "#6b7280"}
_HUMAN_TYPES = {"human-edit", "human-input", "selection", "parameter-edit"}
_AI_TYPES = {"generation", "assist"}
_LICENSING_TYPES = {"licence", "payment", "usage", "import", "release", "attestation", "label"}

def _text_width(text: str) -> int:
    """Rough width in SVG units at 11 px: CJK glyphs are about twice as wide as Latin ones."""
    return sum(13 if ord(char) >= 0x2E80 else 7 for char in text)


def _event_colour(kind: str) -> str:
    if kind in _HUMAN_TYPES:
        return COLOURS["human"]
    if kind in _AI_TYPES:
        return COLOURS["ai"]
    if kind in _LICENSING_TYPES:
        return COLOURS["licensing"]
    return COLOURS["other"]


def timeline_svg(report: Report, t: dict[str, str]) -> str:
    events = report.timeline
    width, height, left, right = 900, 150, 70, 20
    usable = width - left - right
    count = max(1, len(events) - 1)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" role="img" '
             f'aria-label="{escape(t["timeline"])}" class="figure">',
             f'<line x1="{left}" y1="60" x2="{width - right}" y2="60" stroke="#444" stroke-width="1"/>']
    step = max(1, len(events) // 60)
    for index, (seq, time, kind) in enumerate(events):
        x = left + usable * index / count
        colour = _event_colour(kind)
        parts.append(f'<circle cx="{x:.1f}" cy="60" r="6" fill="{colour}"><title>#{seq} {escape(kind)} '
                     f'{escape(format_time(time))}</title></circle>')
        if index % step == 0 and len(events) <= 60:
            parts.append(f'<text x="{x:.1f}" y="40" font-size="10" text-anchor="middle">#{seq}</text>'
                         f'<text x="{x:.1f}" y="85" font-size="9" text-anchor="end" '
                         f'transform="rotate(-35 {x:.1f} 85)">{escape(kind)}</text>')
    legend = [("legend_human", COLOURS["human"]), ("legend_ai", COLOURS["ai"]), ("legend_lic", COLOURS["licensing"]),
              ("legend_other", COLOURS["other"])]
    x = left
    for key, colour in legend:
        parts.append(f'<rect x="{x}" y="132" width="12" height="12" fill="{colour}"/>'
                     f'<text x="{x + 16}" y="142" font-size="11">{escape(t[key])}</text>')
        x += 30 + _text_width(t[key])
    parts.append("</svg>")
    return "".join(parts)


def shares_svg(profile: Profile, t: dict[str, str]) -> str:
    length = profile.duration_ms or 1
    width, left, right = 900, 40, 20
    usable = width - left - right
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} 110" width="100%" role="img" '
             f'aria-label="{escape(t["shares"])}" class="figure">']
    for klass in ("ai", "unknown", "human_modified", "human_authored"):
        for start, end in profile.intervals.get(klass, []):
            x = left + usable * start / length
            w = usable * (end - start) / length
            parts.append(f'<rect x="{x:.1f}" y="20" width="{w:.1f}" height="36" fill="{COLOURS[klass]}">'
                         f'<title>{escape(t[klass])}: {start / 1000:g}–{end / 1000:g} s</title></rect>')
    seconds = length / 1000
    tick = 5 if seconds <= 120 else 30
    mark = 0.0
    while mark <= seconds + 1e-9:
        x = left + usable * mark / seconds
        parts.append(f'<line x1="{x:.1f}" y1="56" x2="{x:.1f}" y2="62" stroke="#444"/>'
                     f'<text x="{x:.1f}" y="74" font-size="10" text-anchor="middle">{mark:g}s</text>')
        mark += tick
    x = left
    for klass in ("human_authored", "human_modified", "ai", "unknown"):
        share = (profile.shares or {}).get(klass, 0.0)
        label = f"{t[klass]} {share * 100:.1f}%"
        parts.append(f'<rect x="{x}" y="88" width="12" height="12" fill="{COLOURS[klass]}"/>'
                     f'<text x="{x + 16}" y="98" font-size="11">{escape(label)}</text>')
        x += 40 + _text_width(label)
    parts.append("</svg>")
    return "".join(parts)


def render_html(report: Report, lang: str = "en", *, generated: datetime | None = None) -> str:
    """The report as one HTML document."""
    t = TEXT[lang]
    profile = report.human_involvement
    if not report.readable:
        verdict, detail, tone = t["unreadable"], t["unreadable_detail"], "bad"
    elif report.valid:
        verdict, detail, tone = t["valid"], t["valid_detail"], "good"
    else:
        verdict, detail, tone = t["invalid"], t["invalid_detail"], "bad"
    trust = {None: t["trusted_none"], True: t["trusted_yes"], False: t["trusted_no"]}[report.trusted]
    when = (generated or datetime.now(UTC)).strftime("%Y-%m-%d %H:%M:%S UTC")
    period = (f"{format_time(report.first_time)} — {format_time(report.last_time)}"
              if report.first_time is not None and report.last_time is not None else "—")
    html = [f'<!DOCTYPE html><html lang="{"zh-Hans" if lang == "zh" else "en"}"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f'<title>{escape(t["title"])} — {escape(report.title or "")}</title><style>{_CSS}</style></head><body>',
            f'<header><h1>{escape(t["title"])}</h1><p class="work">{escape(report.title or "")}</p></header>',
            f'<section id="verdict" class="verdict {tone}"><div class="word">{escape(verdict)}</div>'
            f'<p>{escape(detail)}</p><p>{escape(trust)}</p></section>',
            "<section><table class=\"facts\">",
            _row(t["work_id"], f"<code>{report.work.hex() if report.work else '—'}</code>"),
            _row(t["events"], str(report.events)), _row(t["period"], escape(period)),
            _row(t["bundle"], f"<code>{report.bundle_sha256.hex()}</code>"),
            _row(t["size"], f"{report.bundle_size:,} bytes"),
            _row(t["versions"], escape(f"provenote-verify {VERIFIER_VERSION} / {SPEC_VERSION} / {METHOD}")),
            _row(t["generated"], escape(when)), "</table></section>"]
    if report.errors:
        html.append(f'<section><h2>{escape(t["errors"])}</h2><table><tr><th>{escape(t["code"])}</th>'
                    f'<th>{escape(t["event"])}</th><th>{escape(t["message"])}</th></tr>')
        html += [f"<tr><td><code>{escape(f.code)}</code></td><td>{'' if f.event is None else f.event}</td>"
                 f"<td>{escape(f.message)}</td></tr>" for f in report.errors]
        html.append("</table></section>")
    if report.timeline:
        html.append(f'<section><h2>{escape(t["timeline"])}</h2>{timeline_svg(report, t)}'
                    f'<p class="note">{escape(t["timeline_note"])}</p></section>')
    if profile is not None:
        html.append(f'<section id="shares"><h2>{escape(t["shares"])}</h2>')
        if profile.shares is not None:
            html.append(shares_svg(profile, t) + f'<p class="note">{escape(t["shares_note"])}</p>')
        else:
            html.append(f"<p>{escape(t['no_release'])}</p>")
        html.append("</section>")
        html.append(_categories(profile, lang, t))
        flags = "".join(f"<li><code>{escape(f)}</code> — {escape(FLAG_TEXT[lang][f])}</li>" for f in profile.red_flags)
        html.append(f'<section id="red-flags"><h2>{escape(t["red_flags"])}</h2>'
                    f'<ul>{flags or "<li>" + escape(t["none"]) + "</li>"}</ul></section>')
        html.append(_labels(profile, report, lang))
    if report.licensing is not None:
        html.append(_licensing(report, lang))
    if report.screening is not None:
        html.append(_screening(report, lang))
    if report.readable:
        html.append(_when(report, t))
    html.append(_signers(report, t))
    html.append(_private(report, t))
    if profile is not None:
        html.append(_readouts(profile, lang, t))
    proves, not_proves = PROVES[lang]
    html.append(f'<section id="proof"><h2>{escape(t["proves"])}</h2><ul>'
                + "".join(f"<li>{escape(p)}</li>" for p in proves)
                + f'</ul><h2>{escape(t["not_proves"])}</h2><ul>'
                + "".join(f"<li>{escape(p)}</li>" for p in not_proves)
                + f'</ul><p class="note">{escape(t["profile_note"])}</p></section></body></html>')
    return "".join(html)


def _span(first: int, last: int) -> str:
    return f"#{first}" if first == last else f"#{first}–#{last}"


def _when(report: Report, t: dict[str, str]) -> str:
    """Verification.md V11–V12 for a reader: the checkpoint, which events existed by when, the
    events no trusted timestamp covers, untrusted timestamps, the witnesses."""
    log = report.log
    head = f'<section id="when"><h2>{escape(t["when"])}</h2>'
    if log is None:
        return head + f'<p>{escape(t["no_log"])}</p></section>'
    facts = [_row(t["log_checkpoint"], f"<code>{escape(log.origin)}</code> · {log.size} {escape(t['log_leaves'])} · "
                  f"{escape(t['log_signed_by'])} {escape(log.signer)} · <code>{log.root.hex()}</code>"),
             _row(t["log_covered"], f"{log.covered} / {report.events}"
                  + (f" — {escape(_span(log.covered, report.events - 1))} {escape(t['log_not_covered'])}"
                     if log.covered < report.events else ""))]
    if log.checkpoints:
        facts.append(_row(t["log_earlier"], escape(", ".join(str(size) for size in log.checkpoints))))
    for size, result in log.known:
        facts.append(_row(t["log_known"], f"{size}: " + escape(t["log_extends"] if result == "extends" else result)))
    if report.policy.witnesses:
        facts.append(_row(t["witnessed"], f"{log.witnessed} / {report.events}"))
    rows = "".join(f"<tr><td>{escape(_span(run.first, run.last))}</td><td>{escape(format_time(run.time))}</td>"
                   f"<td>{escape(run.tsa)}</td></tr>" for run in log.existed_by)
    last_anchored = log.existed_by[-1].last + 1 if log.existed_by else 0
    if last_anchored < report.events:
        rows += (f'<tr class="absent"><td>{escape(_span(last_anchored, report.events - 1))}</td>'
                 f'<td colspan="2">{escape(t["no_anchor"])}</td></tr>')
    table = (f'<table><tr><th>{escape(t["events_col"])}</th><th>{escape(t["existed"])}</th>'
             f'<th>{escape(t["tsa"])}</th></tr>{rows}</table>')
    untrusted = "".join(f"<li>{escape(t['untrusted_stamp'])}: {escape(s.tsa)}, {escape(format_time(s.time))} — "
                        f"{escape(s.reason or '')}</li>" for s in log.timestamps if not s.trusted)
    witnesses = "".join(f"<li>{escape(name)} — {size} · {escape(format_time(when * 1_000_000))}</li>"
                        for name, size, when in log.witnesses)
    return (head + f'<table class="facts">{"".join(facts)}</table>{table}'
            + (f"<ul>{untrusted}</ul>" if untrusted else "")
            + (f'<h3>{escape(t["witnesses"])}</h3><ul>{witnesses}</ul>' if witnesses else "")
            + f'<p class="note">{escape(t["when_note"])}</p></section>')


def _licensing(report: Report, lang: str) -> str:
    """Spec/licensing.md §4: every licence (parties and signatures, terms, fee, payments), every
    use and whether the licence it names covers it, the AI generations of the released music and
    their output licences, and the findings (V13). Every string from the bundle is escaped."""
    licensing = report.licensing
    assert licensing is not None
    t, yes_no = LICENSING[lang], TEXT[lang]
    summary = t["summary"].format(licences=len(licensing.licences), covered=licensing.covered,
                                  usages=len(licensing.usages), licensed=licensing.licensed_generations,
                                  generations=len(licensing.generations), findings=len(licensing.findings))
    parts = [f'<section id="licensing"><h2>{escape(t["title"])}</h2>'
             f'<p>{escape(t["as_of"].format(today=licensing.today))}</p><p>{escape(summary)}</p>']
    if not (licensing.licences or licensing.usages or licensing.generations):
        parts.append(f'<p>{escape(t["nothing"])}</p>')
    parts += [_licence(row, lang, t, yes_no) for row in licensing.licences]
    if licensing.usages:
        parts.append(_usages(licensing.usages, lang, t, yes_no))
    if licensing.generations:
        parts.append(_generations(licensing.generations, lang, t))
    parts.append(_licensing_findings(licensing.findings, lang, t, yes_no))
    parts.append(f'<p class="note">{escape(t["note"])}</p></section>')
    return "".join(parts)


def _places(territory: tuple[str, ...], t: dict[str, str]) -> str:
    return t["world"] if territory == (WORLD,) else t["list"].join(territory)


def _media(media: tuple[str, ...], lang: str) -> str:
    return LICENSING[lang]["list"].join(MEDIA_NAMES[lang].get(m, m) for m in media)


def _licence(row: LicenceRow, lang: str, t: dict[str, str], yes_no: dict[str, str]) -> str:
    def flag(value: bool) -> str:
        return yes_no["yes"] if value else yes_no["no"]

    subject = escape(row.subject)
    if row.subject_model is not None:
        subject += f"<br>{escape(t['model'] + t['colon'])}{escape(row.subject_model)}"
    if row.subject_assets:
        subject += f"<br>{escape(t['files'] + t['colon'])}" + escape(t["list"]).join(
            f"<code>{a.hex()[:16]}</code>" for a in row.subject_assets)
    parties = "".join(
        f'<li class="{"met" if p.signed else "unmet"}">{"✔" if p.signed else "✘"} '
        f"{escape(p.name) if p.name else f'<code>{key_id(p.public_key).hex()[:16]}</code>'} — "
        f"{escape(t[p.role] + t['comma'] + (t['signed'] if p.signed else t['unsigned']))}</li>" for p in row.parties)
    term = f"{escape(row.start)} — {escape(row.end)}" + (f" <strong>({escape(t['expired'])})</strong>"
                                                        if row.expired else "")
    terms = row.terms
    colon = t["colon"]
    listed = [f"{t['commercial_use']}{colon}{flag(terms['commercial_use'])}",
              f"{t['derivatives']}{colon}{t[terms['derivatives']]}",
              f"{t['attribution']}{colon}{flag(terms['attribution'])}",
              f"{t['transferable']}{colon}{flag(terms['transferable'])}",
              f"{t['ai_training']}{colon}{t[terms['ai_training']]}"]
    if terms.get("revenue_share") is not None:
        listed.append(f"{t['revenue_share']}{colon}{terms['revenue_share']}%")
    if row.fee is None:
        fee = escape(t["fee_withheld"])
    elif row.fee_amount is None:
        fee = f"{escape(row.fee)} — {escape(t['fee_unreadable'])}"
    else:
        fee = escape(row.fee)
    payments = "".join(
        f"<li>#{p.seq} — {escape(p.amount)} {escape(p.currency)}{escape(t['comma'] + t['paid_on'])} "
        f"{escape(p.paid_on)}" + (escape(t["open"] + t["not_counted"] + t["close"]) if p.counted is False else "")
        + "</li>" for p in row.payments)
    facts = [_row(t["subject"], subject),
             _row(t["parties"], f'<ul class="checklist">{parties}</ul>'),
             _row(t["territory"], escape(_places(row.territory, t))), _row(t["media"], escape(_media(row.media, lang))),
             _row(t["term"], term), _row(t["terms"], escape(t["sep"].join(listed))), _row(t["fee"], fee),
             _row(t["payments"], f"<ul>{payments}</ul>" if payments else escape(t["no_findings"]))]
    if row.paid_total is not None:
        facts.append(_row(t["paid"], escape(f"{row.paid_total} {row.fee_currency}")))
    findings = t["sep"].join(FINDING_TEXT[lang][code.value] for code in dict.fromkeys(row.findings))
    facts.append(_row(t["findings"], escape(findings or t["no_findings"])))
    return (f'<h3>{escape(t["licence"])} #{row.seq} — {escape(t[row.direction])}</h3>'
            f'<table class="facts">{"".join(facts)}</table>')


def _usages(rows: tuple[UsageRow, ...], lang: str, t: dict[str, str], yes_no: dict[str, str]) -> str:
    head = "".join(f"<th>{escape(label)}</th>" for label in (
        TEXT[lang]["event"], t["production"], t["episode"], t["platform"], t["territory"], t["media"], t["date"],
        t["licence"], t["covered"]))
    body = "".join(
        f'<tr class="{"present" if u.covered else "absent"}"><td>#{u.seq}</td><td>{escape(u.production)}</td>'
        f"<td>{'' if u.episode is None else u.episode}</td><td>{escape(u.platform)}</td>"
        f"<td>{escape(u.territory)}</td><td>{escape(_media((u.media,), lang))}</td><td>{escape(u.date)}</td>"
        f"<td>{'—' if u.licence is None else f'#{u.licence}'}</td>"
        f"<td>{escape(yes_no['yes'] if u.covered else _why(yes_no['no'], u.reasons, lang, t))}</td></tr>"
        for u in rows)
    return f'<h3>{escape(t["usages"])}</h3><table><tr>{head}</tr>{body}</table>'


def _why(verdict: str, reasons: tuple[str, ...], lang: str, t: dict[str, str]) -> str:
    return verdict + t["colon"] + t["sep"].join(REASON_TEXT[lang][r] for r in reasons)


def _generations(rows: tuple[GenerationRow, ...], lang: str, t: dict[str, str]) -> str:
    head = "".join(f"<th>{escape(label)}</th>" for label in (
        TEXT[lang]["event"], t["model"], t["recorded"], t["licence"], t["output_licence"]))
    body = "".join(
        f'<tr class="{"present" if g.ok else "absent"}"><td>#{g.seq}</td><td>{escape(g.model)}</td>'
        f"<td>{escape(g.date)}</td><td>{'—' if g.licence is None else f'#{g.licence}'}</td>"
        f"<td>{escape(t['licensed'] if g.ok else _why(TEXT[lang]['no'], g.reasons, lang, t))}</td></tr>"
        for g in rows)
    return f'<h3>{escape(t["generations"])}</h3><table><tr>{head}</tr>{body}</table>'


def _licensing_findings(findings: tuple[Finding, ...], lang: str, t: dict[str, str], yes_no: dict[str, str]) -> str:
    if not findings:
        return f'<h3>{escape(t["findings"])}</h3><p>{escape(t["no_findings"])}</p>'
    rows = "".join(f"<tr><td><code>{escape(f.code)}</code></td><td>{'' if f.event is None else f'#{f.event}'}</td>"
                   f"<td>{escape(FINDING_TEXT[lang][f.code.value])}</td></tr>" for f in findings)
    return (f'<h3>{escape(t["findings"])}</h3><table><tr><th>{escape(yes_no["code"])}</th>'
            f'<th>{escape(yes_no["event"])}</th><th>{escape(t["finding"])}</th></tr>{rows}</table>')


def _labels(profile: Profile, report: Report, lang: str) -> str:
    """spec/labels.md §3: each label event, what it states, what the chain shows, and whether they agree."""
    t, kinds = LABELS[lang], LABEL_KIND_NAMES[lang]
    head = f'<section id="labels"><h2>{escape(t["title"])}</h2>'
    if not profile.labels:
        return head + f'<p>{escape(t["none"])}</p></section>'
    columns = "".join(f"<th>{escape(t[k])}</th>" for k in (
        "kind", "release", "file", "written", "states", "chain", "agrees", "where"))
    rows = "".join(
        f'<tr class="{"present" if row["agrees"] else "absent"}"><td>#{row["event"]} {escape(kinds[row["kind"]])}</td>'
        f'<td>{"—" if row["release"] is None else "#" + str(row["release"])}</td>'
        f'<td>{escape(row["input"])} <code>{escape(row["input_sha256"][:16])}</code></td>'
        f'<td>{escape(row["output"])} <code>{escape(row["output_sha256"][:16])}</code></td>'
        f'<td>{escape(row["contains_ai"])}</td><td>{escape(row["chain_contains_ai"] or "—")}</td>'
        f'<td>{escape(t["yes"] if row["agrees"] else t["no"] + ": " + "; ".join(row["reasons"]))}</td>'
        f'<td>{escape(", ".join(f"{s / 1000:.1f}–{e / 1000:.1f} s" for s, e in row["positions_ms"]))}</td></tr>'
        for row in profile.labels)
    files = "".join(f'<tr class="{"present" if c.status == "agrees" else "absent"}"><td>#{c.event} '
                    f'{escape(kinds.get(c.kind, c.kind))}</td><td>{escape(c.file)}</td><td>{escape(c.status)}</td>'
                    f"<td>{escape(c.detail)}</td></tr>" for c in report.label_files)
    if files:
        files = (f'<h3>{escape(t["files"])}</h3><table><tr><th>{escape(t["kind"])}</th><th>{escape(t["file"])}</th>'
                 f'<th>{escape(t["check"])}</th><th>{escape(t["detail"])}</th></tr>{files}</table>')
    return head + f'<table><tr>{columns}</tr>{rows}</table>{files}<p class="note">{escape(t["note"])}</p></section>'


def _seconds(ms: int) -> str:
    return f"{ms / 1000:.1f}"


def _screening(report: Report, lang: str) -> str:
    """Verification.md V14: each screening (when, what, against which catalogue, by which method)
    and its matches with their licence cover, and whether each release was screened before it.
    Every string from the bundle is escaped."""
    screening = report.screening
    assert screening is not None
    t = SCREENING[lang]
    summary = t["summary"].format(
        screenings=len(screening.screenings), matches=sum(len(r.matches) for r in screening.screenings),
        unlicensed=screening.unlicensed_matches, releases=len(screening.releases),
        unscreened=sum(not r.screened for r in screening.releases))
    parts = [f'<section id="screening"><h2>{escape(t["title"])}</h2><p>{escape(summary)}</p>']
    if not screening.screenings:
        parts.append(f'<p>{escape(t["none"])}</p>')
    for row in screening.screenings:
        facts = [_row(t["when"], escape(format_time(row.time))),
                 _row(t["asset"], f"{escape(row.asset_name or '')} <code>{row.asset.hex()}</code>"),
                 _row(t["catalogue"], f"{escape(row.catalogue)} · {row.tracks} {escape(t['tracks'])} · "
                                      f"{escape(t['identity'])} <code>{row.catalogue_identity.hex()}</code>"),
                 _row(t["method"], f"<code>{escape(row.method)}</code>"),
                 _row(t["min"], f"{_seconds(row.min_ms)} {escape(t['seconds'])}")]
        parts.append(f'<h3>{escape(t["screening"])} #{row.seq}</h3><table class="facts">{"".join(facts)}</table>')
        if not row.matches:
            parts.append(f'<p>{escape(t["no_match"])}</p>')
            continue
        head = "".join(f"<th>{escape(label)}</th>" for label in (
            t["reference"], t["in_file"], t["in_reference"], t["duration"], t["score"], t["licence"]))
        body = "".join(
            f'<tr class="{"present" if m.covered else "absent"}"><td>{escape(m.name)} '
            f"<code>{m.reference.hex()[:16]}</code></td>"
            f"<td>{_seconds(m.query[0])}–{_seconds(m.query[1])} {escape(t['seconds'])}</td>"
            f"<td>{_seconds(m.in_reference[0])}–{_seconds(m.in_reference[1])} {escape(t['seconds'])}</td>"
            f"<td>{_seconds(m.query[1] - m.query[0])} {escape(t['seconds'])}</td><td>{m.score}</td>"
            f"<td>{escape(', '.join(f'#{seq}' for seq in m.licences) if m.covered else t['none_names'])}</td></tr>"
            for m in row.matches)
        parts.append(f"<table><tr>{head}</tr>{body}</table>")
    if screening.releases:
        items = "".join(
            f'<li class="{"present" if r.screened else "absent"}">{escape(t["release"])} #{r.seq} — '
            f"{escape(r.asset_name or r.asset.hex()[:16])}: "
            + escape(t["screened"].format(seqs=", ".join(f"#{s}" for s in r.screenings)) if r.screened
                     else t["not_screened"]) + "</li>"
            for r in screening.releases)
        parts.append(f'<h3>{escape(t["releases"])}</h3><ul>{items}</ul>')
    parts.append(f'<p class="note">{escape(t["note"])}</p></section>')
    return "".join(parts)


def _row(label: str, value: str) -> str:
    return f"<tr><th>{escape(label)}</th><td>{value}</td></tr>"


def _categories(profile: Profile, lang: str, t: dict[str, str]) -> str:
    rows = []
    for item in profile.categories:
        events = ", ".join(f"#{seq}" for seq in item["events"])
        grade = item["grade"] or "—"
        rows.append(f'<tr class="{"present" if item["present"] else "absent"}"><td>'
                    f'{escape(CATEGORY_NAMES[lang][item["category"]])}</td>'
                    f'<td>{escape(t["yes"] if item["present"] else t["no"])} {escape(events)}</td>'
                    f'<td class="grade g{grade}">{escape(grade)}</td></tr>')
    return (f'<section id="categories"><h2>{escape(t["categories"])}</h2><table><tr><th>{escape(t["category"])}</th>'
            f'<th>{escape(t["present"])}</th><th>{escape(t["grade"])}</th></tr>{"".join(rows)}</table>'
            f'<p class="note">{escape(t["grades_note"])}</p></section>')


def _signers(report: Report, t: dict[str, str]) -> str:
    def trusted(value: bool | None) -> str:
        return "—" if value is None else (t["yes"] if value else t["no"])

    rows = "".join(f"<tr><td>{escape(s.name or '?')}</td><td>{escape(s.role or '?')}</td>"
                   f"<td><code>{key_id(s.public_key).hex()[:16]}</code></td><td>{s.events}</td>"
                   f"<td>{escape(trusted(s.trusted))}</td></tr>" for s in report.signers)
    exporter = ""
    if report.exporter is not None:
        mark = {None: "", True: f' — {t["trusted_mark"]}', False: f' — {t["untrusted_mark"]}'}[report.exporter.trusted]
        exporter = (f'<p>{escape(t["exporter"])}: {escape(report.exporter.name or "?")} '
                    f'({escape(report.exporter.role or "?")}), <code>{key_id(report.exporter.public_key).hex()[:16]}'
                    f'</code>{escape(mark)}</p>')
    return (f'<section id="signers"><h2>{escape(t["signers"])}</h2><table><tr><th>{escape(t["name"])}</th>'
            f'<th>{escape(t["role"])}</th><th>{escape(t["key"])}</th><th>{escape(t["events"])}</th>'
            f'<th>{escape(t["trusted"])}</th></tr>{rows}</table>{exporter}</section>')


def _private(report: Report, t: dict[str, str]) -> str:
    def counts(fields: Mapping[str, int]) -> str:
        return ", ".join(f"{escape(k)} ×{v}" for k, v in sorted(fields.items())) or escape(t["none"])

    rows = "".join(f"<tr><td>#{d['event']}</td><td>{escape(d['field'])}</td><td>{escape(d['value'])}</td></tr>"
                   for d in report.disclosures)
    table = (f'<table><tr><th>{escape(t["event"])}</th><th>{escape(t["field"])}</th><th>{escape(t["value"])}</th>'
             f'</tr>{rows}</table>') if rows else ""
    return (f'<section id="private"><h2>{escape(t["private"])}</h2><p>{escape(t["disclosed"])}: '
            f'{counts(report.disclosed)}</p><p>{escape(t["withheld"])}: {counts(report.withheld)}</p>{table}</section>')


def _readouts(profile: Profile, lang: str, t: dict[str, str]) -> str:
    readouts: dict[str, Any] = profile.readouts
    us = readouts["us"]
    disclaim = "".join(f"<li>{escape(item)}</li>" for item in us["ai_material_to_disclaim"]) or \
        f"<li>{escape(t['none'])}</li>"
    checklist = "".join(f'<li class="{"met" if c["met"] else "unmet"}">{"✔" if c["met"] else "✘"} '
                        f'{escape(CN_ITEMS[lang][c["item"]])}</li>' for c in readouts["cn"]["checklist"])
    marking = t["yes"] if readouts["eu"]["art50_machine_readable_marking"] else t["no"]
    contains = readouts["ddex"]["contains_ai"] or "—"
    return (f'<section id="readouts"><h2>{escape(t["readouts"])}</h2>'
            f'<h3>{escape(t["us"])}</h3><p><strong>{escape(t["statement"])}:</strong> '
            f'{escape(us["human_contribution_statement"])}</p><p><strong>{escape(t["disclaim"])}:</strong></p>'
            f'<ul>{disclaim}</ul><h3>{escape(t["cn"])}</h3><ul class="checklist">{checklist}</ul>'
            f'<h3>{escape(t["eu"])}</h3><p>{escape(t["eu_marking"])}: {escape(marking)}</p>'
            f'<h3>{escape(t["ddex"])}</h3><p><code>ContainsAI = {escape(contains)}</code></p></section>')


_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI","Noto Sans","Noto Sans CJK SC","PingFang SC",
"Microsoft YaHei",sans-serif;max-width:960px;margin:2em auto;padding:0 1em;color:#1f2328;line-height:1.45}
h1{font-size:1.6em;margin:0}h2{font-size:1.2em;border-bottom:1px solid #d0d7de;padding-bottom:.2em;margin-top:1.6em}
h3{font-size:1em;margin-bottom:.3em}.work{font-size:1.2em;color:#57606a;margin:.2em 0 1em}
.verdict{border:2px solid;border-radius:8px;padding:.6em 1em}.verdict .word{font-size:2em;font-weight:700}
.verdict.good{border-color:#1b7f3b;background:#eefbf1}.verdict.good .word{color:#1b7f3b}
.verdict.bad{border-color:#cf222e;background:#fff0f0}.verdict.bad .word{color:#cf222e}
table{border-collapse:collapse;width:100%;font-size:.92em}th,td{border:1px solid #d0d7de;padding:.3em .5em;
text-align:left;vertical-align:top}th{background:#f6f8fa}.facts th{width:14em}code{font-size:.9em;word-break:break-all}
tr.absent td{color:#8c959f}.grade{font-weight:700;text-align:center}.gA{color:#1b7f3b}.gB{color:#9a6700}
.gC{color:#cf222e}.note{color:#57606a;font-size:.88em}.figure{border:1px solid #d0d7de;border-radius:6px;margin:.4em 0}
.checklist{list-style:none;padding-left:0}.met{color:#1b7f3b}.unmet{color:#cf222e}
@media print{body{margin:0;max-width:none}section{break-inside:avoid}.verdict{background:none}}
"""

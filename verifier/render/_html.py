"""The HTML report (spec/human-involvement.md §7): one self-contained file a lawyer can read and print.

No script, no external style sheet, font or image: styles are inline in the page and the
figures are inline SVG. English or Simplified Chinese. Pure: a Report in, a string out.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from html import escape
from typing import Any

from verifier import SPEC_VERSION, VERIFIER_VERSION, ActivityBin, EventRow, Report
from verifier.analysis import METHOD, GenerationRow, LicenceRow, Profile, UsageRow
from verifier.format import EVENT_TYPES, WORLD, Finding, UsageError, key_id, moment_of
from verifier.render._i18n import (
    CATEGORY_NAMES,
    CN_ITEMS,
    EDIT_KIND_NAMES,
    EVENT_WORDS,
    FIELD_NAMES,
    FINDING_TEXT,
    FLAG_TEXT,
    LABEL_KIND_NAMES,
    LABEL_STATUS,
    LABELS,
    LICENSING,
    MEDIA_NAMES,
    PROVES,
    REASON_TEXT,
    SCREENING,
    TEXT,
    TYPE_NAMES,
)

COLOURS = {"human_authored": "#1b7f3b", "human_modified": "#7cc48a", "ai": "#b5179e", "unknown": "#9aa0a6",
           "human": "#1b7f3b", "licensing": "#1f5fbf", "other": "#6b7280"}
_HUMAN_TYPES = {"human-edit", "human-input", "selection", "parameter-edit"}
_AI_TYPES = {"generation", "assist"}
_LICENSING_TYPES = {"licence", "payment", "usage", "import", "release", "attestation", "label"}

#: Up to this many events the timeline marks each one; beyond, it shows the verifier's bins.
TIMELINE_EACH = 40
#: Figures are drawn in CSS pixels for the printed width of A4 with the report's margins (182 mm):
#: 11 px text prints at 8.25 pt.
FIGURE_WIDTH = 680
FIGURE_FONT = 11


_OFFSET = re.compile(r"([+-])([0-9]{2}):([0-9]{2})")


def resolve_zone(name: str) -> tzinfo:
    """The time zone a report shows times in: ``UTC`` (or ``Z``), an IANA name
    (``Asia/Shanghai``), or a fixed offset from UTC ``+HH:MM`` / ``-HH:MM`` (``+08:00``, under 24 h).
    Commands check ``--tz`` with it before they verify.

    Raises:
        UsageError: an unknown zone name or a malformed offset.
    """
    if name.upper() in ("UTC", "Z"):
        return UTC
    offset = _OFFSET.fullmatch(name)
    if offset is not None:
        sign, hours, minutes = offset.group(1), int(offset.group(2)), int(offset.group(3))
        if hours < 24 and minutes < 60:
            delta = timedelta(hours=hours, minutes=minutes) * (-1 if sign == "-" else 1)
            return UTC if not delta else timezone(delta, f"UTC{sign}{hours:02d}:{minutes:02d}")
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as e:
        raise UsageError(f"--tz {name}: not a known time zone (an IANA name such as Asia/Shanghai, an offset "
                         "such as +08:00 or -05:30, or UTC)") from e


class _Clock:
    """Times in one zone, to the second, with their offset: ``2026-03-14 09:12:05 +08:00``."""

    def __init__(self, zone: tzinfo) -> None:
        self.zone = zone

    def __call__(self, microseconds: int) -> str:
        return self.moment(moment_of(microseconds))

    def moment(self, moment: datetime) -> str:
        local = moment.astimezone(self.zone)
        offset = local.strftime("%z")  # +0800
        return f"{local:%Y-%m-%d %H:%M:%S} {offset[:3]}:{offset[3:]}"

    def name(self, at: int | None) -> str:
        """The zone's name and its offset at a time (or now)."""
        moment = datetime.now(UTC) if at is None else moment_of(at)
        offset = moment.astimezone(self.zone).strftime("%z")
        if isinstance(self.zone, timezone) and self.zone is not UTC:
            return str(self.zone)  # a fixed offset is its own name: UTC+08:00
        return f"{self.zone} (UTC{offset[:3]}:{offset[3:]})"


def _text_width(text: str, size: float = FIGURE_FONT) -> float:
    """Rough width of text in SVG units: CJK glyphs are about twice as wide as Latin ones."""
    return sum(size * (1.15 if ord(char) >= 0x2E80 else 0.6) for char in text)


def _group(kind: str) -> str:
    """The timeline's colour group of an event type."""
    if kind in _HUMAN_TYPES:
        return "human"
    if kind in _AI_TYPES:
        return "ai"
    if kind in _LICENSING_TYPES:
        return "licensing"
    return "other"


_GROUPS = (("human", "legend_human"), ("ai", "legend_ai"), ("licensing", "legend_lic"), ("other", "legend_other"))


def _legend(parts: list[str], y: float, t: dict[str, str]) -> None:
    x, line = 10.0, y
    for group, key in _GROUPS:
        width = 20 + _text_width(t[key])
        if x + width > FIGURE_WIDTH - 10:
            x, line = 10.0, line + 18
        parts.append(f'<rect x="{x:.0f}" y="{line - 10:.0f}" width="11" height="11" fill="{COLOURS[group]}"/>'
                     f'<text x="{x + 15:.0f}" y="{line:.0f}" font-size="{FIGURE_FONT}">{escape(t[key])}</text>')
        x += width + 14


def timeline_svg(report: Report, lang: str, clock: _Clock) -> str:
    """The signed events in chain order: one mark each up to TIMELINE_EACH events, else the
    verifier's bins as columns of each kind's share. Labels are at least 11 px (8 pt printed)."""
    if report.events <= TIMELINE_EACH or not report.activity:
        return _timeline_each(report, lang, clock)
    return _timeline_bins(report.activity, report.events, lang, clock)


def _svg_head(height: int, label: str) -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {FIGURE_WIDTH} {height}" width="100%" '
            f'role="img" aria-label="{escape(label)}" class="figure">')


def _timeline_each(report: Report, lang: str, clock: _Clock) -> str:
    t, names = TEXT[lang], TYPE_NAMES[lang]
    events = report.timeline
    longest = max((_text_width(names.get(kind, kind)) for _, _, kind in events), default=0)
    axis = 34
    height = int(axis + 16 + longest * 0.72 + 62)
    left, right = max(30, int(longest * 0.72) + 8), 30  # the first label, turned 45°, reaches left
    usable = FIGURE_WIDTH - left - right
    count = max(1, len(events) - 1)
    label_every = max(1, int(26 * count / usable) + 1)  # "#23" at 11 px needs about 26 px
    parts = [_svg_head(height, t["timeline"]),
             f'<line x1="{left}" y1="{axis}" x2="{FIGURE_WIDTH - right}" y2="{axis}" stroke="#444" stroke-width="1"/>']
    for index, (seq, time, kind) in enumerate(events):
        x = left + usable * index / count
        name = names.get(kind, kind)
        parts.append(f'<circle cx="{x:.1f}" cy="{axis}" r="5.5" fill="{COLOURS[_group(kind)]}"><title>#{seq} '
                     f'{escape(name)} {escape(clock(time))}</title></circle>')
        if index % label_every == 0:
            parts.append(f'<text x="{x:.1f}" y="{axis - 12}" font-size="{FIGURE_FONT}" text-anchor="middle">#{seq}'
                         f'</text><text x="{x:.1f}" y="{axis + 18}" font-size="{FIGURE_FONT}" text-anchor="end" '
                         f'transform="rotate(-45 {x:.1f} {axis + 18})">{escape(name)}</text>')
    _legend(parts, height - 40, t)
    parts.append("</svg>")
    return "".join(parts)


def _timeline_bins(bins: tuple[ActivityBin, ...], events: int, lang: str, clock: _Clock) -> str:
    t = TEXT[lang]
    left, right, top, bar_height = 30, 30, 10, 90
    usable = FIGURE_WIDTH - left - right
    slot = usable / len(bins)
    width = max(b.last - b.first + 1 for b in bins)
    height = top + bar_height + 94
    parts = [_svg_head(height, t["timeline"])]
    for index, one in enumerate(bins):
        total = sum(one.counts.values()) or 1
        shares: dict[str, int] = {}
        for kind, count in one.counts.items():
            shares[_group(kind)] = shares.get(_group(kind), 0) + count
        x, y = left + slot * index, float(top + bar_height)
        title = (f"#{one.first}–#{one.last}: {clock(one.start)} — {clock(one.end)}; "
                 + ", ".join(f"{TYPE_NAMES[lang].get(k, k)} {c}" for k, c in sorted(one.counts.items())))
        for group, _ in _GROUPS:
            share = shares.get(group, 0) / total
            if share:
                h = bar_height * share
                y -= h
                parts.append(f'<rect x="{x + 0.5:.1f}" y="{y:.1f}" width="{max(slot - 1, 0.5):.1f}" height="{h:.1f}" '
                             f'fill="{COLOURS[group]}"><title>{escape(title)}</title></rect>')
    ticks = 4
    for tick in range(ticks + 1):
        index = min(len(bins) - 1, round(tick * (len(bins) - 1) / ticks))
        one = bins[index]
        x = left + slot * index + slot / 2
        anchor = "start" if tick == 0 else "end" if tick == ticks else "middle"
        x = left if tick == 0 else FIGURE_WIDTH - right if tick == ticks else x
        parts.append(f'<line x1="{x:.1f}" y1="{top + bar_height}" x2="{x:.1f}" y2="{top + bar_height + 5}" '
                     f'stroke="#444"/><text x="{x:.1f}" y="{top + bar_height + 18}" font-size="{FIGURE_FONT}" '
                     f'text-anchor="{anchor}">#{one.first:,}</text><text x="{x:.1f}" y="{top + bar_height + 32}" '
                     f'font-size="{FIGURE_FONT}" text-anchor="{anchor}">{escape(clock(one.start)[:19])}</text>')
    _legend(parts, height - 32, t)
    parts.append("</svg>")
    note = t["bins_note"].format(events=f"{events:,}", bins=len(bins), width=f"{width:,}")
    return "".join(parts) + f'<p class="note">{escape(note)}</p>'


def shares_svg(profile: Profile, t: dict[str, str]) -> str:
    length = profile.duration_ms or 1
    left, right = 20, 20
    usable = FIGURE_WIDTH - left - right
    parts = [_svg_head(124, t["shares"])]
    for klass in ("ai", "unknown", "human_modified", "human_authored"):
        for start, end in profile.intervals.get(klass, []):
            x = left + usable * start / length
            w = usable * (end - start) / length
            parts.append(f'<rect x="{x:.1f}" y="10" width="{w:.1f}" height="36" fill="{COLOURS[klass]}">'
                         f'<title>{escape(t[klass])}: {start / 1000:g}–{end / 1000:g} {escape(t["seconds"])}'
                         f'</title></rect>')
    seconds = length / 1000
    tick = 10 if seconds <= 120 else 30 if seconds <= 600 else 120
    mark = 0.0
    while mark <= seconds + 1e-9:
        x = left + usable * mark / seconds
        parts.append(f'<line x1="{x:.1f}" y1="46" x2="{x:.1f}" y2="52" stroke="#444"/>'
                     f'<text x="{x:.1f}" y="65" font-size="{FIGURE_FONT}" text-anchor="middle">'
                     f'{mark:g} {escape(t["seconds"])}</text>')
        mark += tick
    x, line = 10.0, 88.0
    for klass in ("human_authored", "human_modified", "ai", "unknown"):
        share = (profile.shares or {}).get(klass, 0.0)
        label = f"{t[klass]} {share * 100:.1f}%"
        width = 20 + _text_width(label)
        if x + width > FIGURE_WIDTH - 10:
            x, line = 10.0, line + 18
        parts.append(f'<rect x="{x:.0f}" y="{line - 10:.0f}" width="11" height="11" fill="{COLOURS[klass]}"/>'
                     f'<text x="{x + 15:.0f}" y="{line:.0f}" font-size="{FIGURE_FONT}">{escape(label)}</text>')
        x += width + 14
    parts.append("</svg>")
    return "".join(parts)


def render_html(report: Report, lang: str = "en", *, generated: datetime | None = None, tz: str = "UTC") -> str:
    """The report as one HTML document, times shown in ``tz`` (an IANA zone name or UTC).

    Raises:
        UsageError: an unknown language or time zone.
    """
    if lang not in TEXT:
        raise UsageError(f"no report in language {lang!r} (en, zh)")
    t = TEXT[lang]
    clock = _Clock(resolve_zone(tz))
    profile = report.human_involvement
    if not report.readable:
        verdict, detail, tone = t["unreadable"], t["unreadable_detail"], "bad"
    elif report.valid:
        verdict, detail, tone = t["valid"], t["valid_detail"], "good"
    else:
        verdict, detail, tone = t["invalid"], t["invalid_detail"], "bad"
    trust = {None: t["trusted_none"], True: t["trusted_yes"], False: t["trusted_no"]}[report.trusted]
    when = clock.moment(generated or datetime.now(UTC))
    period = (f"{clock(report.first_time)} — {clock(report.last_time)}"
              if report.first_time is not None and report.last_time is not None else "—")
    html = [f'<!DOCTYPE html><html lang="{"zh-Hans" if lang == "zh" else "en"}"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f'<title>{escape(t["title"])} — {escape(report.title or "")}</title>'
            f'<style>{_CSS}{_page_css(lang)}</style></head><body>',
            f'<header><h1>{escape(t["title"])}</h1><p class="work">{escape(report.title or "")}</p></header>',
            f'<section id="verdict" class="verdict {tone}"><div class="word">{escape(verdict)}</div>'
            f'<p>{escape(detail)}</p><p>{escape(trust)}</p><p id="caveat" class="caveat">{escape(t["caveat"])}</p>'
            f'<p id="recheck" class="note">{_recheck(t)}</p></section>',
            '<section id="facts"><table class="facts">',
            _row(t["work_id"], f"<code>{report.work.hex() if report.work else '—'}</code>")]
    html += _codes(report, t)
    html += [_row(t["events"], f"{report.events:,}"), _row(t["period"], escape(period)),
             _row(t["timezone"], escape(clock.name(report.last_time))),
             _row(t["bundle"], f'<code id="bundle-hash">{report.bundle_sha256.hex()}</code>'),
             _row(t["size"], f"{report.bundle_size:,} {escape(t['bytes'])}")]
    if report.exporter is not None:
        html.append(_row(t["exporter_row"], _signer_cell(report.exporter.name, report.exporter.role,
                                                         report.exporter.trusted, t)
                         + f" <code>{key_id(report.exporter.public_key).hex()[:16]}</code>"))
    html += [_row(t["versions"], f"<code>{escape(f'provenote-verify {VERIFIER_VERSION} / {SPEC_VERSION} / {METHOD}')}"
                                 "</code>"),
             _row(t["generated"], escape(when)), "</table></section>"]
    if report.errors:
        html.append(f'<section id="errors"><h2>{escape(t["errors"])}</h2><table><thead><tr><th>{escape(t["code"])}</th>'
                    f'<th>{escape(t["event"])}</th><th>{escape(t["message"])}{escape(t["english_original"])}</th>'
                    f'</tr></thead>')
        html += [f"<tr><td><code>{escape(f.code)}</code></td><td>{'' if f.event is None else f.event}</td>"
                 f'<td lang="en">{escape(f.message)}</td></tr>' for f in report.errors]
        html.append("</table></section>")
    if report.timeline:
        note = f'<p class="note">{escape(t["timeline_note"])}</p>' if report.events <= TIMELINE_EACH else ""
        html.append(f'<section id="timeline"><h2>{escape(t["timeline"])}</h2>{timeline_svg(report, lang, clock)}'
                    f'{note}</section>')
    if report.event_table is not None and report.event_table.total:
        html.append(_event_table(report, lang, clock))
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
    if report.files:
        html.append(_files(report, t))
    if report.licensing is not None:
        html.append(_licensing(report, lang))
    if report.screening is not None:
        html.append(_screening(report, lang, clock))
    if report.readable:
        html.append(_when(report, t, clock))
    html.append(_signers(report, t))
    html.append(_private(report, lang, t))
    if profile is not None:
        html.append(_readouts(profile, lang, t))
    proves, not_proves = PROVES[lang]
    html.append(f'<section id="proof"><h2>{escape(t["proves"])}</h2><ul>'
                + "".join(f"<li>{escape(p)}</li>" for p in proves)
                + f'</ul><h2>{escape(t["not_proves"])}</h2><ul>'
                + "".join(f"<li>{escape(p)}</li>" for p in not_proves)
                + f'</ul><p class="note">{escape(t["profile_note"])}</p></section></body></html>')
    return "".join(html)


def _codes(report: Report, t: dict[str, str]) -> list[str]:
    """The work's ISWC and ISRC and its released file, where the signed events state them."""
    codes = report.codes
    if codes is None:
        return []
    rows = []
    if codes.iswc:
        rows.append(_row(t["iswc"], f"<code>{escape(codes.iswc)}</code>"))
    if codes.isrc:
        rows.append(_row(t["isrc"], f"<code>{escape(codes.isrc)}</code>"))
    if codes.release_seq is not None and codes.release_sha256 is not None:
        isrc = (f" · ISRC <code>{escape(codes.release_isrc)}</code>"
                if codes.release_isrc and codes.release_isrc != codes.isrc else "")
        rows.append(_row(t["released_file"], f"#{codes.release_seq} · {escape(codes.release_name or '—')} · "
                                             f"{codes.release_size or 0:,} {escape(t['bytes'])}{isrc}<br>"
                                             f"<code>{codes.release_sha256.hex()}</code>"))
    return rows


def _signer_cell(name: str | None, role: str | None, trusted: bool | None, t: dict[str, str]) -> str:
    mark = {None: ("unevaluated", t["signer_unevaluated"]), True: ("met", "✔ " + t["signer_trusted"]),
            False: ("unmet", "✘ " + t["signer_untrusted"])}[trusted]
    return (f"{escape(name or '?')} ({escape(role or '?')})"
            f' <span class="{mark[0]}">{escape(mark[1])}</span>')


_ROLE_MARKS = {"produces": "→", "uses": "←", "chooses": "✓", "attaches": "+"}


def _what(row: EventRow, report: Report, lang: str) -> str:
    """What an event did, in words: its type's template over its facts (escaped)."""
    template, optional = EVENT_WORDS[lang].get(row.type, (TYPE_NAMES[lang].get(row.type, row.type), {}))
    values: dict[str, str] = {**row.facts, **{name: str(seq) for name, seq in row.refers_to.items()}}
    kinds = EDIT_KIND_NAMES[lang]
    for name in ("kind", "layer"):
        if name in values:
            values[name] = (LABEL_KIND_NAMES[lang] if row.type == "label" else kinds).get(values[name], values[name])
    if "media" in values:
        values["media"] = MEDIA_NAMES[lang].get(values["media"], values["media"])
    if row.type == "licence":
        licences = {r.seq: r.direction for r in report.licensing.licences} if report.licensing else {}
        direction = licences.get(row.seq)
        values["direction"] = LICENSING[lang][direction] if direction else "—"
    safe = {name: escape(value) for name, value in values.items()}
    try:
        words = template.format_map(safe)
    except KeyError:  # a field the template needs is not a short fact: name the type only
        words = escape(TYPE_NAMES[lang].get(row.type, row.type))
    for name, piece in optional.items():
        if name in safe:
            words += piece.format_map(safe)
    return words


def _event_table(report: Report, lang: str, clock: _Clock) -> str:
    """Every event, or the first and last of a long chain with one row saying how many are between."""
    table = report.event_table
    assert table is not None
    t = TEXT[lang]
    signers = {s.public_key: s for s in report.signers}
    types = EVENT_TYPES

    def line(row: EventRow) -> str:
        signer = signers.get(row.signer)
        who = (_signer_cell(signer.name, signer.role, signer.trusted, t) if signer is not None
               else f"<code>{key_id(row.signer).hex()[:16]}</code>")
        time = escape(clock(row.time))
        if row.occurred is not None and abs(row.occurred - row.time) >= 1_000_000:
            time += f'<br><span class="note">{escape(t["occurred"])} {escape(clock(row.occurred))}</span>'
        roles = {field.name: field.role.value for field in types[row.type].assets} if row.type in types else {}
        files = "<br>".join(f"{_ROLE_MARKS.get(roles.get(field, ''), '')} {escape(name or '—')} "
                            f"<code>{digest.hex()[:16]}</code>" for field, name, digest in row.files)
        return (f'<tr><td class="seq">{row.seq}</td><td class="time">{time}</td><td>{who}</td>'
                f"<td>{_what(row, report, lang)}</td><td>{files}</td></tr>")

    head = "".join(f"<th>{escape(t[key])}</th>" for key in ("col_seq", "col_time", "col_signer", "col_what",
                                                               "col_files"))
    rows = [line(row) for row in table.head]
    if table.not_listed:
        first = table.head[-1].seq + 1 if table.head else 0
        last = table.tail[0].seq - 1 if table.tail else first + table.not_listed - 1
        cut = t["cut"].format(count=f"{table.not_listed:,}", first=f"{first:,}", last=f"{last:,}")
        rows.append(f'<tr class="cut"><td colspan="5">{escape(cut)}</td></tr>')
    rows += [line(row) for row in table.tail]
    notes = [t["table_note"]]
    if table.not_listed:
        notes.append(t["table_cut_note"].format(head=len(table.head), tail=len(table.tail),
                                                count=f"{table.not_listed:,}"))
    return (f'<section id="events"><h2>{escape(t["event_table"])}</h2><table class="events"><thead><tr>{head}</tr>'
            f'</thead><tbody>{"".join(rows)}</tbody></table>'
            + "".join(f'<p class="note">{escape(note)}</p>' for note in notes) + "</section>")


def _files(report: Report, t: dict[str, str]) -> str:
    """Every file the events name (capped), with whether its embedded and supplied bytes match."""
    embedded = {True: ("met", t["emb_ok"]), False: ("unmet", t["emb_bad"]), None: ("", t["emb_none"])}
    supplied = {"match": ("met", t["sup_match"]), "mismatch": ("unmet", t["sup_mismatch"]),
                "missing": ("unmet", t["sup_missing"]), None: ("", t["sup_unchecked"])}
    rows = []
    for f in report.files:
        e_class, e_text = embedded[f.embedded]
        s_class, s_text = supplied[f.supplied]
        rows.append(f"<tr><td>{escape(f.name or '—')}</td><td><code>{f.sha256.hex()}</code></td>"
                    f"<td>{escape(f.media_type)}, {f.size:,} {escape(t['bytes'])}</td>"
                    f'<td class="{e_class}">{escape(e_text)}</td><td class="{s_class}">{escape(s_text)}</td></tr>')
    more = (f'<p class="note">{escape(t["files_more"].format(count=f"{report.files_not_listed:,}"))}</p>'
            if report.files_not_listed else "")
    head = "".join(f"<th>{escape(label)}</th>" for label in (t["file"], "SHA-256", t["media_size"], t["embedded"],
                                                               t["supplied"]))
    return (f'<section id="files"><h2>{escape(t["files"])}</h2><table class="files"><thead><tr>{head}</tr></thead>'
            f'{"".join(rows)}</table>{more}</section>')


def _span(first: int, last: int) -> str:
    return f"#{first}" if first == last else f"#{first}–#{last}"


def _when(report: Report, t: dict[str, str], clock: _Clock) -> str:
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
    rows = "".join(f"<tr><td>{escape(_span(run.first, run.last))}</td><td>{escape(clock(run.time))}</td>"
                   f"<td>{escape(run.tsa)}</td></tr>" for run in log.existed_by)
    last_anchored = log.existed_by[-1].last + 1 if log.existed_by else 0
    if last_anchored < report.events:
        rows += (f'<tr class="absent"><td>{escape(_span(last_anchored, report.events - 1))}</td>'
                 f'<td colspan="2">{escape(t["no_anchor"])}</td></tr>')
    table = (f'<table><tr><th>{escape(t["events_col"])}</th><th>{escape(t["existed"])}</th>'
             f'<th>{escape(t["tsa"])}</th></tr>{rows}</table>')
    untrusted = "".join(f"<li>{escape(t['untrusted_stamp'])}: {escape(s.tsa)}, {escape(clock(s.time))} — "
                        f"<span lang=\"en\">{escape(s.reason or '')}</span></li>" for s in log.timestamps if not s.trusted)
    witnesses = "".join(f"<li>{escape(name)} — {size} · {escape(clock(when * 1_000_000))}</li>"
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


def _agrees(agrees: bool, reasons: list[str], lang: str, t: dict[str, str]) -> str:
    """Yes, or no with the analysis's reasons (in English: marked so in another language)."""
    if agrees:
        return escape(t["yes"])
    because = escape("; ".join(reasons))
    return f"{escape(t['no'])}: " + (because if lang == "en" else f'<span lang="en">{because}</span>')


def _labels(profile: Profile, report: Report, lang: str) -> str:
    """spec/labels.md §3: each label event, what it states, what the chain shows, and whether they agree."""
    t, kinds, seconds = LABELS[lang], LABEL_KIND_NAMES[lang], TEXT[lang]["seconds"]
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
        f'<td>{_agrees(row["agrees"], row["reasons"], lang, t)}</td>'
        f'<td>{escape(", ".join(f"{s / 1000:.1f}–{e / 1000:.1f} {seconds}" for s, e in row["positions_ms"]))}</td></tr>'
        for row in profile.labels)
    files = "".join(f'<tr class="{"present" if c.status == "agrees" else "absent"}"><td>#{c.event} '
                    f'{escape(kinds.get(c.kind, c.kind))}</td><td>{escape(c.file)}</td>'
                    f"<td>{escape(LABEL_STATUS[lang].get(c.status, c.status))}</td>"
                    f'<td lang="en">{escape(c.detail)}</td></tr>' for c in report.label_files)
    if files:
        files = (f'<h3>{escape(t["files"])}</h3><table><tr><th>{escape(t["kind"])}</th><th>{escape(t["file"])}</th>'
                 f'<th>{escape(t["check"])}</th><th>{escape(t["detail"])}</th></tr>{files}</table>')
    return head + f'<table><tr>{columns}</tr>{rows}</table>{files}<p class="note">{escape(t["note"])}</p></section>'


def _seconds(ms: int) -> str:
    return f"{ms / 1000:.1f}"


def _screening(report: Report, lang: str, clock: _Clock) -> str:
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
        facts = [_row(t["when"], escape(clock(row.time))),
                 _row(t["asset"], f"{escape(row.asset_name or '')} <code>{row.asset.hex()}</code>"),
                 _row(t["catalogue"], f"{escape(row.catalogue)} · {row.tracks} {escape(t['track' if row.tracks == 1 else 'tracks'])} · "
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
        word = t.get(f"grade_{grade}", "")
        rows.append(f'<tr class="{"present" if item["present"] else "absent"}"><td>'
                    f'{escape(CATEGORY_NAMES[lang][item["category"]])}</td>'
                    f'<td>{escape(t["yes"] if item["present"] else t["no"])} {escape(events)}</td>'
                    f'<td class="grade g{grade}">{escape(grade)} <span class="gradeword">{escape(word)}</span></td></tr>')
    return (f'<section id="categories"><h2>{escape(t["categories"])}</h2>'
            f'<p class="note">{escape(t["grades_note"])}</p><table><thead><tr><th>{escape(t["category"])}</th>'
            f'<th>{escape(t["present"])}</th><th>{escape(t["grade"])}<br><span class="gradeword">'
            f'{escape(t["grade_legend"])}</span></th></tr></thead>{"".join(rows)}</table></section>')


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
            f'<th>{escape(t["trusted"])}</th></tr>{rows}</table>{exporter}{_trust_list(report, t)}</section>')


def _trust_list(report: Report, t: dict[str, str]) -> str:
    """The trust list given by whoever generated the report (--trust), by full key id, and what
    each key did in this bundle."""
    keys = report.policy.trusted_keys
    if keys is None:
        return f'<p class="note">{escape(t["no_trust_list"])}</p>'
    signers = {s.public_key: s for s in report.signers}
    rows = []
    for key in sorted(keys, key=key_id):
        uses = []
        signer = signers.get(key)
        if signer is not None:
            uses.append(f"{escape(signer.name or '?')} ({escape(signer.role or '?')}): "
                        + escape(t["trust_signed"].format(count=f"{signer.events:,}")))
        if report.exporter is not None and report.exporter.public_key == key:
            uses.append(escape(t["trust_exporter"]))
        rows.append(f"<tr><td><code>{key_id(key).hex()}</code></td>"
                    f"<td>{'; '.join(uses) or escape(t['trust_unused'])}</td></tr>")
    return (f'<h3>{escape(t["trust_list"])}</h3><p class="note">{escape(t["trust_list_note"])}</p>'
            f'<table><thead><tr><th>{escape(t["fingerprint"])}</th>'
            f'<th>{escape(t["trust_use"])}</th></tr></thead>{"".join(rows)}</table>')


def _recheck(t: dict[str, str]) -> str:
    """Who chose the trust list (whoever generated the report), and the command a reader runs to
    judge with their own keys."""
    before, _, after = t["recheck"].partition("{command}")
    return f"{escape(before)}<code>{escape(t['recheck_command'])}</code>{escape(after)}"


def _private(report: Report, lang: str, t: dict[str, str]) -> str:
    names = FIELD_NAMES[lang]

    def counts(fields: Mapping[str, int]) -> str:
        return (LICENSING[lang]["list"].join(f"{escape(names.get(k, k))} ×{v}" for k, v in sorted(fields.items()))
                or escape(t["none"]))

    rows = "".join(f"<tr><td>#{d['event']}</td><td>{escape(names.get(d['field'], d['field']))}</td>"
                   f"<td>{escape(d['value'])}</td></tr>" for d in report.disclosures)
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
            f'<h3>{escape(t["us"])}</h3><p><strong>{escape(t["statement"])}{escape(t["english_original"])}:</strong> '
            f'<span lang="en">{escape(us["human_contribution_statement"])}</span></p>'
            f'<p><strong>{escape(t["disclaim"])}{escape(t["english_original"])}:</strong></p>'
            f'<ul lang="en">{disclaim}</ul><h3>{escape(t["cn"])}</h3><ul class="checklist">{checklist}</ul>'
            f'<h3>{escape(t["eu"])}</h3><p>{escape(t["eu_marking"])}: {escape(marking)}</p>'
            f'<h3>{escape(t["ddex"])}</h3><p><code>ContainsAI = {escape(contains)}</code></p></section>')


#: Fonts on every desktop without loading any: Latin first, then the Simplified Chinese faces of
#: Linux (Noto, Source Han, WenQuanYi), macOS (PingFang, Hiragino) and Windows (Microsoft YaHei).
_FONTS = ('system-ui,-apple-system,"Segoe UI","Noto Sans","Helvetica Neue",Arial,"Noto Sans CJK SC",'
          '"Source Han Sans SC","PingFang SC","Hiragino Sans GB","Microsoft YaHei","WenQuanYi Micro Hei",sans-serif')
_CJK_FONTS = ('"Noto Sans CJK SC","Source Han Sans SC","PingFang SC","Hiragino Sans GB","Microsoft YaHei",'
              '"WenQuanYi Micro Hei",system-ui,sans-serif')
_MONO = ('ui-monospace,"SFMono-Regular",Menlo,Consolas,"DejaVu Sans Mono","Noto Sans Mono CJK SC",'
         '"Microsoft YaHei",monospace')

_CSS = f"""
html{{font-family:{_FONTS};color:#1f2328;line-height:1.45}}html:lang(zh-Hans){{font-family:{_CJK_FONTS}}}
body{{max-width:960px;margin:2em auto;padding:0 1em}}
h1{{font-size:1.6em;margin:0}}h2{{font-size:1.2em;border-bottom:1px solid #d0d7de;padding-bottom:.2em;margin-top:1.6em}}
h3{{font-size:1em;margin-bottom:.3em}}.work{{font-size:1.2em;color:#57606a;margin:.2em 0 1em;string-set:work content()}}
h1{{string-set:doctitle content()}}#bundle-hash{{string-set:bundle content()}}
.verdict{{border:2px solid;border-radius:8px;padding:.6em 1em}}.verdict .word{{font-size:2em;font-weight:700}}
.verdict p{{margin:.4em 0}}.verdict .caveat{{font-weight:600;border-top:1px solid;padding-top:.4em}}
.verdict.good{{border-color:#1b7f3b;background:#eefbf1}}.verdict.good .word{{color:#1b7f3b}}
.verdict.bad{{border-color:#cf222e;background:#fff0f0}}.verdict.bad .word{{color:#cf222e}}
table{{border-collapse:collapse;width:100%;font-size:.92em}}th,td{{border:1px solid #d0d7de;padding:.3em .5em;
text-align:left;vertical-align:top}}th{{background:#f6f8fa}}.facts th{{width:14em}}
code{{font-family:{_MONO};font-size:.9em;word-break:break-all}}
.events td.seq{{text-align:right;white-space:nowrap}}.events td.time{{white-space:nowrap}}
.events code,#recheck code{{word-break:normal;white-space:nowrap}}tr.cut td{{text-align:center;font-style:italic;background:#f6f8fa}}
tr.absent td{{color:#8c959f}}.grade{{font-weight:700;text-align:center}}.gA{{color:#1b7f3b}}.gB{{color:#9a6700}}
.gC{{color:#cf222e}}.gradeword{{font-weight:400;font-size:.85em;color:#57606a}}
.note{{color:#57606a;font-size:.88em}}.figure{{border:1px solid #d0d7de;border-radius:6px;margin:.4em 0;display:block}}
.checklist{{list-style:none;padding-left:0}}.met{{color:#1b7f3b}}.unmet{{color:#cf222e}}.unevaluated{{color:#57606a}}
@page{{size:A4;margin:16mm 14mm 16mm 14mm;
@top-left{{content:string(work);font-size:8pt;color:#57606a}}
@top-right{{content:string(doctitle);font-size:8pt;color:#57606a}}
@bottom-left{{content:"SHA-256 " string(bundle);font-size:8pt;font-family:{_MONO};color:#57606a}}}}
@media print{{html{{font-size:10pt}}body{{margin:0;max-width:none;padding:0}}
.verdict,.figure{{-webkit-print-color-adjust:exact;print-color-adjust:exact}}
tr,li,.verdict,.figure,.facts th{{break-inside:avoid}}h2,h3{{break-after:avoid}}
table{{font-size:9pt}}.note{{font-size:8.5pt}}code{{font-size:8pt}}}}
"""


def _page_css(lang: str) -> str:
    """The page number in the page's bottom-right corner, in the report's language (paged media)."""
    return f"@page{{@bottom-right{{content:{TEXT[lang]['page']};font-size:8pt;color:#57606a}}}}"

"""The HTML report (spec/human-involvement.md §7): one self-contained file a lawyer can read and print.

No script, no external style sheet, font or image: styles are inline in the page and the
figures are inline SVG. English or Simplified Chinese. Pure: a Report in, a string out.
"""

from __future__ import annotations

from datetime import UTC, datetime
from html import escape
from typing import Any

from verifier._internal.event import format_time
from verifier._internal.format import key_id
from verifier._internal.involvement import METHOD, Profile
from verifier._internal.verify import SPEC_VERSION, VERIFIER_VERSION, Report

COLOURS = {"human_authored": "#1b7f3b", "human_modified": "#7cc48a", "ai": "#b5179e", "unknown": "#9aa0a6",
           "human": "#1b7f3b", "licensing": "#1f5fbf", "other": "#6b7280"}
_HUMAN_TYPES = {"human-edit", "human-input", "selection", "parameter-edit"}
_AI_TYPES = {"generation", "assist"}
_LICENSING_TYPES = {"licence", "payment", "usage", "import", "release", "attestation", "label"}

TEXT: dict[str, dict[str, str]] = {
    "en": {
        "title": "Provenance verification report", "valid": "VALID", "invalid": "INVALID",
        "unreadable": "UNREADABLE",
        "valid_detail": "The bundle is cryptographically intact: every signature, hash and link checks out, and "
                        "nothing was changed, added, removed or re-ordered since it was signed.",
        "invalid_detail": "The bundle fails verification. Its contents must not be relied on.",
        "unreadable_detail": "The file could not be read as an evidence bundle.",
        "trusted_yes": "Every signer is in the auditor's trust list.",
        "trusted_no": "Not every signer is in the auditor's trust list.",
        "trusted_none": "Trust not evaluated: no trusted keys were given.",
        "work": "Work", "work_id": "Work id", "events": "Events", "period": "Recorded between",
        "bundle": "Bundle SHA-256", "size": "Bundle size", "versions": "Verifier / spec / method",
        "generated": "Report generated", "timeline": "Timeline of the signed events",
        "timeline_note": "Each mark is one signed event, in chain order; colour shows who or what acted.",
        "legend_human": "human action", "legend_ai": "AI generation / processing", "legend_lic": "licensing, "
        "import, release, attestation", "legend_other": "other",
        "shares": "The released cue, second by second", "human_authored": "human-authored",
        "human_modified": "human-modified AI material", "ai": "AI material", "unknown": "unknown origin",
        "shares_note": "Each instant of the released asset is classed, first match wins: inside a human-input "
                       "segment; inside a human edit of AI material; the lineage reaches AI material; otherwise "
                       "unknown.",
        "no_release": "No release event: the shares of a released cue cannot be computed.",
        "categories": "Human involvement by category", "category": "Category", "present": "Present",
        "grade": "Weakest evidence grade", "yes": "yes", "no": "no",
        "grades_note": "Grades: A — corroborated from outside (an attestation by a key the auditor trusts); "
                       "B — signed into the chain when it happened (the signer's own clock and word); "
                       "C — retrospective (recorded more than 24 h after it occurred).",
        "red_flags": "Red flags", "none": "none",
        "signers": "Signers", "name": "Name", "role": "Role", "key": "Key id", "trusted": "Trusted",
        "exporter": "Bundle exported and sealed by",
        "private": "Private fields", "disclosed": "Disclosed", "withheld": "Withheld (committed, not shown)",
        "field": "Field", "value": "Disclosed text", "event": "Event",
        "readouts": "Readouts", "us": "United States (USCO registration guidance 2023; Part 2 report 2025)",
        "statement": "Draft human-contribution statement", "disclaim": "AI material to disclaim",
        "cn": "China (Beijing Internet Court, 2025)", "eu": "European Union (AI Act Art. 50)",
        "eu_marking": "Machine-readable marking of AI output recorded", "ddex": "DDEX ERN ContainsAI",
        "proves": "What this report proves", "not_proves": "What it does not prove",
        "errors": "Verification errors", "code": "Code", "message": "Message",
        "profile_note": "This is a profile of the signed record, not a legal verdict.",
    },
    "zh": {
        "title": "溯源验证报告", "valid": "有效", "invalid": "无效", "unreadable": "无法读取",
        "valid_detail": "证据包的密码学完整性成立：每个签名、哈希和链接均通过校验，签署后未被修改、增加、删除或重新排序。",
        "invalid_detail": "证据包未通过验证，其内容不可依赖。",
        "unreadable_detail": "该文件无法作为证据包读取。",
        "trusted_yes": "所有签名人均在审核方的信任列表中。",
        "trusted_no": "并非所有签名人都在审核方的信任列表中。",
        "trusted_none": "未评估信任：未提供受信任的公钥。",
        "work": "作品", "work_id": "作品标识", "events": "事件数", "period": "记录时间范围",
        "bundle": "证据包 SHA-256", "size": "证据包大小", "versions": "验证器 / 规范 / 方法版本",
        "generated": "报告生成时间", "timeline": "已签名事件时间线",
        "timeline_note": "每个标记代表一个已签名事件，按链顺序排列；颜色表示行为主体。",
        "legend_human": "人类行为", "legend_ai": "AI 生成 / 处理", "legend_lic": "授权、导入、发布、第三方证明",
        "legend_other": "其他",
        "shares": "发布作品逐秒构成", "human_authored": "人类创作", "human_modified": "人类修改的 AI 素材",
        "ai": "AI 素材", "unknown": "来源不明",
        "shares_note": "发布音频的每一时刻按顺序归类，先匹配者优先：位于人类输入片段内；位于对 AI 素材的人类编辑片段内；"
                       "溯源链包含 AI 素材；否则为来源不明。",
        "no_release": "没有发布事件，无法计算发布作品的构成比例。",
        "categories": "按类别的人类参与情况", "category": "类别", "present": "存在", "grade": "最弱证据等级",
        "yes": "是", "no": "否",
        "grades_note": "等级：A — 外部佐证（审核方信任的公钥所签署的证明）；B — 发生时即签入链中（签名人自己的时钟和陈述）；"
                       "C — 事后补录（发生 24 小时以后才记录）。",
        "red_flags": "风险提示", "none": "无",
        "signers": "签名人", "name": "名称", "role": "角色", "key": "公钥标识", "trusted": "受信任",
        "exporter": "证据包导出并封存者",
        "private": "隐私字段", "disclosed": "已披露", "withheld": "未披露（仅有承诺值）",
        "field": "字段", "value": "披露内容", "event": "事件",
        "readouts": "法域解读", "us": "美国（版权局 2023 年登记指南；2025 年第二部分报告）",
        "statement": "人类贡献声明草稿", "disclaim": "需声明排除的 AI 素材",
        "cn": "中国（北京互联网法院，2025 年）", "eu": "欧盟（《人工智能法》第 50 条）",
        "eu_marking": "已记录 AI 输出的机器可读标识", "ddex": "DDEX ERN ContainsAI",
        "proves": "本报告证明什么", "not_proves": "本报告不能证明什么",
        "errors": "验证错误", "code": "代码", "message": "说明",
        "profile_note": "这是对签名记录的概况分析，而非法律结论。",
    },
}

CATEGORY_NAMES = {
    "en": {"human_expressive_input": "Human expressive input", "prompt_and_conditioning": "Prompt and conditioning",
           "model_and_parameter_control": "Model and parameter control",
           "iteration_and_selection": "Iteration and selection",
           "selection_and_arrangement": "Selection and arrangement into the cue",
           "human_modification_of_ai_output": "Human modification of AI output",
           "purely_human_parts": "Purely human parts", "assistive_ai": "Assistive AI (mastering, denoise, stems)",
           "labelling_and_disclosure": "Labelling and disclosure", "licensing": "Licensing",
           "outside_corroboration": "Outside corroboration"},
    "zh": {"human_expressive_input": "人类表达性输入", "prompt_and_conditioning": "提示词与条件设定",
           "model_and_parameter_control": "模型与参数控制", "iteration_and_selection": "迭代与选择",
           "selection_and_arrangement": "编排入作品", "human_modification_of_ai_output": "对 AI 输出的人类修改",
           "purely_human_parts": "纯人类创作部分", "assistive_ai": "辅助性 AI（母带、降噪、分轨）",
           "labelling_and_disclosure": "标识与披露", "licensing": "授权", "outside_corroboration": "外部佐证"},
}

FLAG_TEXT = {
    "en": {"prompt_only": "AI generations with no selection, edit or human input: prompts alone do not make a "
                          "human author.",
           "selection_only": "Choices among AI outputs and nothing else human (the \"blind box\" a court rejected "
                             "in Zhangjiagang, 2025).",
           "ai_output_missing": "An AI generation names no output asset.",
           "lineage.gap": "An asset is used but never produced or imported in this chain.",
           "edit.extent_undeclared": "A human edit does not say which seconds it covers; it counts in the "
                                     "categories but adds nothing to the shares.",
           "retrospective": "Some events were recorded more than 24 hours after they occurred (grade C).",
           "unlabelled_ai": "AI material is released and no AI label event is recorded."},
    "zh": {"prompt_only": "仅有 AI 生成，没有选择、编辑或人类输入：仅凭提示词不构成人类作者。",
           "selection_only": "仅在 AI 输出中进行选择，无其他人类贡献（张家港法院 2025 年否定的“开盲盒”情形）。",
           "ai_output_missing": "有 AI 生成事件未记录输出文件。",
           "lineage.gap": "有素材被使用，但在本链中从未被生成或导入。",
           "edit.extent_undeclared": "有人类编辑未声明覆盖的时间段；计入类别，但不计入比例。",
           "retrospective": "部分事件在发生 24 小时后才记录（C 级）。",
           "unlabelled_ai": "发布了 AI 素材，但没有记录 AI 标识事件。"},
}

CN_ITEMS = {
    "en": {"contemporaneous_process_records": "Contemporaneous records of the creative process",
           "instructions_given": "The instructions given to the AI (prompts), committed",
           "selection": "Selection among outputs", "modification": "Modification of AI output",
           "ai_label": "AI content label (GB 45438-2025)"},
    "zh": {"contemporaneous_process_records": "创作过程的同期记录", "instructions_given": "向 AI 发出的指令（提示词）已留存承诺值",
           "selection": "对输出的选择", "modification": "对 AI 输出的修改", "ai_label": "AI 生成内容标识（GB 45438-2025）"},
}

PROVES = {
    "en": (["Which keys signed which events, and in which order.",
            "That no event was changed, added, removed or re-ordered after it was signed and chained.",
            "That each disclosed private field is exactly what was committed when the event was signed.",
            "With a trust list: which of those keys the auditor recognises."],
           ["That a signed claim is true: an event is its signer's statement.",
            "Who holds a key: names and roles are the key holder's own claims.",
            "When events really happened: recorded times are the signer's clock unless corroborated (grade A).",
            "Legal authorship: this is a profile of the record, not a verdict."]),
    "zh": (["哪些公钥签署了哪些事件，以及事件的顺序。", "事件在签署并入链后未被修改、增加、删除或重新排序。",
            "每个已披露的隐私字段与签署时的承诺值完全一致。", "提供信任列表时：审核方认可其中哪些公钥。"],
           ["签名内容本身是否属实：事件只是签名人的陈述。", "公钥由谁持有：名称和角色是持钥人自己的声明。",
            "事件的真实发生时间：除非有外部佐证（A 级），记录时间取自签名人自己的时钟。",
            "法律意义上的作者身份：本报告是记录的概况，而非裁判结论。"]),
}


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


def render(report: Report, lang: str = "en", *, generated: datetime | None = None) -> str:
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
        exporter = (f'<p>{escape(t["exporter"])}: {escape(report.exporter.name or "?")} '
                    f'({escape(report.exporter.role or "?")}), <code>{key_id(report.exporter.public_key).hex()[:16]}'
                    f'</code></p>')
    return (f'<section id="signers"><h2>{escape(t["signers"])}</h2><table><tr><th>{escape(t["name"])}</th>'
            f'<th>{escape(t["role"])}</th><th>{escape(t["key"])}</th><th>{escape(t["events"])}</th>'
            f'<th>{escape(t["trusted"])}</th></tr>{rows}</table>{exporter}</section>')


def _private(report: Report, t: dict[str, str]) -> str:
    def counts(fields: dict[str, int]) -> str:
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

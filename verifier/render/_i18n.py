"""The report's words in English and Simplified Chinese, apart from its layout (_html.py)."""

from __future__ import annotations

TEXT: dict[str, dict[str, str]] = {
    "en": {
        "title": "Provenance verification report", "valid": "VALID", "invalid": "INVALID",
        "unreadable": "UNREADABLE",
        "valid_detail": "The bundle is cryptographically intact: every signature, hash and link checks out, and "
                        "nothing was changed, added, removed or re-ordered since it was signed.",
        "invalid_detail": "The bundle fails verification. Its contents must not be relied on.",
        "unreadable_detail": "The file could not be read as an evidence bundle.",
        "trusted_yes": "Every signer and the exporter are in the trust list given by whoever generated this report "
                       "(its keys are listed under Signers).",
        "trusted_no": "Not every signer and the exporter are in the trust list given by whoever generated this "
                      "report (its keys are listed under Signers).",
        "trusted_none": "Trust not evaluated: whoever generated this report gave no trusted keys.",
        "recheck": "Whoever generated this report chose which keys it trusts. To judge with your own keys, verify "
                   "the evidence yourself: {command} (REPORT.pdf: this report as a PDF, which carries the bundle "
                   "as an attachment; or the bundle file itself).",
        "recheck_command": "provenote-verify REPORT.pdf --trust YOUR-KEY.pem",
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
        "grades_note": "Grades: A — corroborated from outside (an attestation by a key in this report's trust list); "
                       "B — signed into the chain when it happened (the signer's own clock and word); "
                       "C — retrospective (recorded more than 24 h after it occurred).",
        "red_flags": "Red flags", "none": "none",
        "signers": "Signers", "name": "Name", "role": "Role", "key": "Key id", "trusted": "Trusted",
        "exporter": "Bundle exported and sealed by", "trusted_mark": "trusted",
        "untrusted_mark": "NOT trusted: it could have left out later events or disclosures",
        "private": "Private fields", "disclosed": "Disclosed", "withheld": "Withheld (committed, not shown)",
        "field": "Field", "value": "Disclosed text", "event": "Event",
        "readouts": "Readouts", "us": "United States (USCO registration guidance 2023; Part 2 report 2025)",
        "statement": "Draft human-contribution statement", "disclaim": "AI material to disclaim",
        "cn": "China (Beijing Internet Court, 2025)", "eu": "European Union (AI Act Art. 50)",
        "eu_marking": "Machine-readable marking of AI output recorded", "ddex": "DDEX ERN ContainsAI",
        "proves": "What this report proves", "not_proves": "What it does not prove",
        "errors": "Verification errors", "code": "Code", "message": "Message",
        "profile_note": "This is a profile of the signed record, not a legal verdict.",
        "when": "When the record existed (Merkle log, RFC 3161, witnesses)",
        "log_checkpoint": "Log checkpoint", "log_leaves": "leaves", "log_signed_by": "signed by",
        "log_covered": "Events in the checkpoint", "log_not_covered": "in no checkpoint of the bundle",
        "log_earlier": "Earlier checkpoints it extends", "log_known": "Your known checkpoints",
        "log_extends": "the bundle's log extends it",
        "existed": "Existed no later than", "events_col": "Events", "tsa": "Timestamp authority",
        "no_anchor": "No trusted timestamp shows when these events existed: only the signer's own clock says so.",
        "no_log": "The bundle carries no checkpoint: nothing shows when its events existed beyond the signer's "
                  "own clock, nor that the history was not rebuilt later.",
        "untrusted_stamp": "Timestamp not trusted", "witnesses": "Witness cosignatures",
        "witnessed": "Events in a checkpoint cosigned by your quorum of witnesses",
        "caveat": "VALID means intact and signed by these keys — not proof that the statements are true. "
                  "Trusted (below) says only whether the keys are in the trust list of whoever generated this report.",
        "timezone": "Times shown in", "bytes": "bytes", "isrc": "ISRC", "iswc": "ISWC",
        "released_file": "Released file", "release_isrc": "ISRC of the release", "exporter_row": "Exported and sealed by",
        "event_table": "The events", "col_seq": "#", "col_time": "Time", "col_signer": "Signer", "col_what": "What happened",
        "col_files": "Files (SHA-256, first 16 hex digits)", "occurred": "occurred",
        "signer_trusted": "trusted", "signer_untrusted": "NOT trusted", "signer_unevaluated": "trust not evaluated",
        "cut": "… {count} events not listed (#{first}–#{last}); the full chain: provenote log",
        "table_note": "Recorded time is the signer's clock when the event was signed; \u201coccurred\u201d is "
                      "when the signer says it happened. ← used, → produced, ✓ chosen, + attached. "
                      "Each line is its signer's statement.",
        "table_cut_note": "The first {head} and the last {tail} events are listed; the {count} between them are "
                          "counted, not listed.",
        "bins_note": "{events} events in {bins} bars of {width} consecutive events each (chain order); each bar "
                     "shows the share of each kind of event in it.",
        "seconds": "s", "grade_legend": "A outside corroboration · B signed at the time · C retrospective",
        "grade_A": "corroborated", "grade_B": "signed at the time", "grade_C": "retrospective",
        "files": "Files named by the events", "file": "File", "media_size": "Type, size",
        "embedded": "In the bundle", "supplied": "Supplied (--assets)", "emb_ok": "yes, matches its hash",
        "emb_bad": "MISMATCH: does not match its hash", "emb_none": "not embedded",
        "sup_match": "matches", "sup_mismatch": "DOES NOT MATCH", "sup_missing": "not found",
        "sup_unchecked": "not checked (no --assets)", "files_more": "{count} more files not listed.",
        "trust_list": "Keys trusted by whoever generated this report (--trust)", "fingerprint": "Key id (SHA-256 of the key)",
        "trust_use": "Used for", "trust_signed": "signed {count} events", "trust_exporter": "sealed the bundle",
        "trust_unused": "signed nothing in this bundle", "no_trust_list": "Whoever generated this report gave no trust list: trust not evaluated.",
        "trust_list_note": "These keys were chosen by whoever generated this report, not by the signers nor by "
                           "you; verifying with your own --trust keys may give another answer.",
        "english_original": "",
        "page": '"page " counter(page) " of " counter(pages)',
        "when_note": "A trusted timestamp proves that the checkpoint — and so every event in it — existed by that "
                     "time. It does not prove what the events say, nor that an event happened when its own "
                     "time says.",
    },
    "zh": {
        "title": "溯源验证报告", "valid": "有效", "invalid": "无效", "unreadable": "无法读取",
        "valid_detail": "证据包的密码学完整性成立：每个签名、哈希和链接均通过校验，签署后未被修改、增加、删除或重新排序。",
        "invalid_detail": "证据包未通过验证，其内容不可依赖。",
        "unreadable_detail": "该文件无法作为证据包读取。",
        "trusted_yes": "所有签名人及导出者均在本报告生成者提供的信任列表中（公钥见“签名人”一节）。",
        "trusted_no": "并非所有签名人及导出者都在本报告生成者提供的信任列表中（公钥见“签名人”一节）。",
        "trusted_none": "未评估信任：本报告的生成者未提供受信任的公钥。",
        "recheck": "信任哪些公钥由本报告的生成者选定。如需以您自己的公钥判断，请自行验证：{command}"
                   "（本报告的 PDF 文件附有证据包；也可改用证据包文件本身）。",
        "recheck_command": "provenote-verify 报告.pdf --trust 您的公钥.pem",
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
        "grades_note": "等级：A — 外部佐证（本报告信任列表中的公钥所签署的证明）；B — 发生时即签入链中（签名人自己的时钟和陈述）；"
                       "C — 事后补录（发生 24 小时以后才记录）。",
        "red_flags": "风险提示", "none": "无",
        "signers": "签名人", "name": "名称", "role": "角色", "key": "公钥标识", "trusted": "受信任",
        "exporter": "证据包导出并封存者", "trusted_mark": "受信任",
        "untrusted_mark": "不受信任：它可能省略了后续事件或披露内容",
        "private": "隐私字段", "disclosed": "已披露", "withheld": "未披露（仅有承诺值）",
        "field": "字段", "value": "披露内容", "event": "事件",
        "readouts": "法域解读", "us": "美国（版权局 2023 年登记指南；2025 年第二部分报告）",
        "statement": "人类贡献声明草稿", "disclaim": "需声明排除的 AI 素材",
        "cn": "中国（北京互联网法院，2025 年）", "eu": "欧盟（《人工智能法》第 50 条）",
        "eu_marking": "已记录 AI 输出的机器可读标识", "ddex": "DDEX ERN ContainsAI",
        "proves": "本报告证明什么", "not_proves": "本报告不能证明什么",
        "errors": "验证错误", "code": "代码", "message": "说明",
        "profile_note": "这是对签名记录的概况分析，而非法律结论。",
        "when": "记录的存在时间（默克尔日志、RFC 3161 时间戳、见证方）",
        "log_checkpoint": "日志检查点", "log_leaves": "个叶子", "log_signed_by": "签名者",
        "log_covered": "检查点所含事件", "log_not_covered": "不在本证据包的任何检查点中",
        "log_earlier": "其所延续的较早检查点", "log_known": "您已知的检查点",
        "log_extends": "证据包的日志延续了该检查点",
        "existed": "不晚于此时间已存在", "events_col": "事件", "tsa": "时间戳机构",
        "no_anchor": "没有可信时间戳证明这些事件的存在时间：仅有签名者自己的时钟。",
        "no_log": "证据包不含检查点：除签名者自己的时钟外，无法证明其事件的存在时间，也无法证明历史未被事后重建。",
        "untrusted_stamp": "不可信的时间戳", "witnesses": "见证方联署",
        "witnessed": "在由您要求数量的见证方联署的检查点中的事件",
        "caveat": "“有效”仅表示内容完整且由这些公钥签署——并不证明其中陈述属实。下方的“受信任”仅说明这些公钥是否在本报告生成者提供的信任列表中。",
        "timezone": "时间显示时区", "bytes": "字节", "isrc": "国际标准录音制品编码（ISRC）",
        "iswc": "国际标准音乐作品编码（ISWC）",
        "released_file": "发布文件", "release_isrc": "发布的 ISRC", "exporter_row": "导出并封存者",
        "event_table": "事件列表", "col_seq": "序号", "col_time": "时间", "col_signer": "签名人", "col_what": "发生了什么",
        "col_files": "文件（SHA-256 前 16 位）", "occurred": "实际发生",
        "signer_trusted": "受信任", "signer_untrusted": "不受信任", "signer_unevaluated": "未评估信任",
        "cut": "……另有 {count} 个事件未列出（#{first}–#{last}）；完整链条请用 provenote log 查看",
        "table_note": "记录时间是签名人签署事件时自己的时钟；“实际发生”是签名人自述的发生时间。"
                      "← 使用，→ 产出，✓ 选中，+ 附件。每一行都是其签名人的陈述。",
        "table_cut_note": "列出前 {head} 个和最后 {tail} 个事件；其间的 {count} 个事件只计数，不列出。",
        "bins_note": "共 {events} 个事件，分为 {bins} 栏，每栏 {width} 个连续事件（按链顺序）；每栏显示其中各类事件的比例。",
        "seconds": "秒", "grade_legend": "A 外部佐证 · B 发生时签署 · C 事后补录",
        "grade_A": "外部佐证", "grade_B": "发生时签署", "grade_C": "事后补录",
        "files": "事件所涉及的文件", "file": "文件", "media_size": "类型、大小",
        "embedded": "证据包内", "supplied": "另行提供（--assets）", "emb_ok": "是，与哈希一致",
        "emb_bad": "不一致：与哈希不符", "emb_none": "未嵌入",
        "sup_match": "一致", "sup_mismatch": "不一致", "sup_missing": "未找到",
        "sup_unchecked": "未核对（未提供 --assets）", "files_more": "另有 {count} 个文件未列出。",
        "trust_list": "本报告生成者信任的公钥（--trust）", "fingerprint": "公钥标识（公钥的 SHA-256）",
        "trust_use": "用途", "trust_signed": "签署了 {count} 个事件", "trust_exporter": "封存了证据包",
        "trust_unused": "未在本证据包中签署任何内容", "no_trust_list": "本报告的生成者未提供信任列表：未评估信任。",
        "trust_list_note": "这些公钥由本报告的生成者选定，而非签名人或您本人；用您自己的 --trust 公钥验证，结果可能不同。",
        "english_original": "（英文原文）",
        "page": '"第 " counter(page) " 页，共 " counter(pages) " 页"',
        "when_note": "可信时间戳证明该检查点（及其包含的每个事件）在该时间之前已存在；它不证明事件内容属实，"
                     "也不证明事件发生于其自述的时间。",
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
           "unlabelled_ai": "AI material is released and no AI label covers the release.",
           "label.understates_ai": "An AI label states less AI than the signed chain shows."},
    "zh": {"prompt_only": "仅有 AI 生成，没有选择、编辑或人类输入：仅凭提示词不构成人类作者。",
           "selection_only": "仅在 AI 输出中进行选择，无其他人类贡献（张家港法院 2025 年否定的“开盲盒”情形）。",
           "ai_output_missing": "有 AI 生成事件未记录输出文件。",
           "lineage.gap": "有素材被使用，但在本链中从未被生成或导入。",
           "edit.extent_undeclared": "有人类编辑未声明覆盖的时间段；计入类别，但不计入比例。",
           "retrospective": "部分事件在发生 24 小时后才记录（C 级）。",
           "unlabelled_ai": "发布了 AI 素材，但没有任何 AI 标识覆盖该次发布。",
           "label.understates_ai": "有 AI 标识声明的 AI 成分少于签名链所显示的。"},
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
            "With a trust list: which of those keys are in the list given by whoever generated the report."],
           ["That a signed claim is true: an event is its signer's statement.",
            "Who holds a key: names and roles are the key holder's own claims.",
            "When events really happened: recorded times are the signer's clock unless corroborated (grade A).",
            "Legal authorship: this is a profile of the record, not a verdict."]),
    "zh": (["哪些公钥签署了哪些事件，以及事件的顺序。", "事件在签署并入链后未被修改、增加、删除或重新排序。",
            "每个已披露的隐私字段与签署时的承诺值完全一致。", "提供信任列表时：哪些公钥在报告生成者提供的列表中。"],
           ["签名内容本身是否属实：事件只是签名人的陈述。", "公钥由谁持有：名称和角色是持钥人自己的声明。",
            "事件的真实发生时间：除非有外部佐证（A 级），记录时间取自签名人自己的时钟。",
            "法律意义上的作者身份：本报告是记录的概况，而非裁判结论。"]),
}

#: The "Licences, payments and usage" section (spec/licensing.md §4; verification.md V13).
LICENSING = {
    "en": {
        "title": "Licences, payments and usage",
        "as_of": "Judged as of {today}: the date (UTC) of the chain's last recorded time, not the date of this "
                 "report, so the result does not depend on when it is read.",
        "summary": "{licences} licence(s); {covered} of {usages} use(s) covered by the licence they name; "
                   "{licensed} of {generations} AI generation(s) in the released music with an output licence; "
                   "{findings} finding(s).",
        "nothing": "The chain records no licence, payment or use of the music, and no AI generation in the "
                   "released music.",
        "licence": "Licence", "in": "taken in by the studio",
        "out": "granted out by the studio", "subject": "Subject", "model": "AI model", "files": "Files (SHA-256)",
        "parties": "Parties", "licensor": "licensor", "licensee": "licensee", "signed": "signed",
        "unsigned": "NOT signed", "territory": "Territory", "world": "worldwide", "media": "Media",
        "term": "Term (both days included)", "expired": "expired", "terms": "Terms",
        "commercial_use": "commercial use", "derivatives": "derivative works", "attribution": "attribution required",
        "transferable": "transferable", "ai_training": "AI training", "revenue_share": "revenue share",
        "allowed": "allowed", "forbidden": "forbidden", "approval": "with approval",
        "fee": "Fee", "fee_withheld": "withheld (committed in the document, not disclosed)",
        "fee_unreadable": "disclosed, but not an amount and a currency", "payments": "Payments",
        "paid_on": "paid on", "not_counted": "another currency: listed, not counted",
        "paid": "Paid in the fee's currency", "findings": "Findings", "no_findings": "none",
        "usages": "Uses of the music", "production": "Production", "episode": "Episode", "platform": "Platform",
        "date": "Date", "covered": "Covered by the licence", "generations": "AI generations in the released music",
        "recorded": "Recorded", "output_licence": "Output licence", "licensed": "licensed",
        "finding": "What it means", "colon": ": ", "sep": "; ", "comma": ", ",
        "list": ", ", "open": " (", "close": ")",
        "note": "A finding is reported, never a verification failure: it changes neither the verdict nor the exit "
                "status. It says what the signed record shows, not whether a use was lawful. A signature that "
                "does not verify would have made the bundle invalid (V5.2).",
    },
    "zh": {
        "title": "授权、付款与使用情况",
        "as_of": "评估基准日为 {today}：即链中最后一条记录时间的日期（协调世界时），而非本报告的生成日期，"
                 "因此结果不随查阅时间而改变。",
        "summary": "授权 {licences} 项；使用 {usages} 项，其中 {covered} 项在所指明的授权范围内；"
                   "发布作品中的 AI 生成 {generations} 项，其中 {licensed} 项具有输出授权；发现问题 {findings} 项。",
        "nothing": "链中没有记录任何授权、付款或音乐使用，发布作品中也没有 AI 生成内容。",
        "licence": "授权", "in": "工作室获得的授权（引入）", "out": "工作室授予他方的授权（对外）",
        "subject": "授权标的", "model": "AI 模型", "files": "文件（SHA-256 哈希）", "parties": "当事方",
        "licensor": "许可方", "licensee": "被许可方", "signed": "已签署", "unsigned": "未签署",
        "territory": "地域", "world": "全球", "media": "使用方式", "term": "期限（含首尾两日）", "expired": "已到期",
        "terms": "条款", "commercial_use": "商业使用", "derivatives": "衍生作品", "attribution": "须署名",
        "transferable": "可转让", "ai_training": "AI 训练", "revenue_share": "收益分成",
        "allowed": "允许", "forbidden": "禁止", "approval": "须经批准",
        "fee": "费用", "fee_withheld": "未披露（文件中仅有承诺值）", "fee_unreadable": "已披露，但不是有效的金额与币种",
        "payments": "付款", "paid_on": "付款日期", "not_counted": "币种不同：仅列出，不计入",
        "paid": "以费用币种支付的合计", "findings": "发现的问题", "no_findings": "无",
        "usages": "音乐的使用", "production": "作品（节目）", "episode": "集数", "platform": "平台", "date": "日期",
        "covered": "是否在授权范围内", "generations": "发布作品中的 AI 生成", "recorded": "记录日期",
        "output_licence": "输出授权", "licensed": "已授权", "finding": "含义", "colon": "：", "sep": "；", "comma": "，",
        "list": "、", "open": "（", "close": "）",
        "note": "发现的问题仅作报告，不属于验证失败：既不改变验证结论，也不改变退出状态。它说明签名记录所显示的内容，"
                "而非某项使用是否合法。若有签名无法验证，证据包本身即已无效（V5.2）。",
    },
}

#: Kinds of use (spec/licensing.md §1, ``media``).
MEDIA_NAMES = {
    "en": {"streaming": "streaming", "broadcast": "broadcast", "sync": "sync", "live": "live",
           "download": "download", "ai-training": "AI training", "public-performance": "public performance",
           "advertising": "advertising", "games": "games", "other": "other"},
    "zh": {"streaming": "流媒体", "broadcast": "广播电视", "sync": "影视同步", "live": "现场演出", "download": "下载",
           "ai-training": "AI 训练", "public-performance": "公开表演", "advertising": "广告", "games": "游戏",
           "other": "其他"},
}

#: Why a use is not covered, or an AI generation has no output licence (verifier.analysis).
REASON_TEXT = {
    "en": {"unlicensed": "it names no licence", "outside_territory": "outside the licence's territory",
           "outside_media": "outside the licence's media", "outside_term": "outside the licence's term",
           "no_licence": "it names no licence", "not_in": "the licence is not one the studio took in",
           "no_commercial_use": "the licence does not allow commercial use",
           "no_model": "the licence names no AI model", "other_model": "the licence is for another AI model"},
    "zh": {"unlicensed": "未指明授权", "outside_territory": "超出授权地域", "outside_media": "超出授权使用方式",
           "outside_term": "超出授权期限", "no_licence": "未指明授权", "not_in": "该授权不是工作室获得的授权",
           "no_commercial_use": "该授权不允许商业使用", "no_model": "该授权未指明 AI 模型",
           "other_model": "该授权针对的是其他 AI 模型"},
}

#: The findings of V13 in plain words (spec/licensing.md §3).
FINDING_TEXT = {
    "en": {"licence.unsigned_party": "a party to the licence has not signed it",
           "licence.expired": "the licence's term is over",
           "usage.unlicensed": "a use of the music names no licence",
           "usage.outside_territory": "used in a country the licence does not cover",
           "usage.outside_media": "used in a way the licence does not cover",
           "usage.outside_term": "used before the licence began or after it ended",
           "payment.missing": "a licence that costs money has no payment",
           "payment.short": "the payments are less than the fee",
           "generation.no_output_licence": "an AI generation in the released music has no licence for using its "
                                           "output commercially",
           "screening.unlicensed_match": "a screening matched a reference track that no licence taken in names"},
    "zh": {"licence.unsigned_party": "授权的一方当事人尚未签署", "licence.expired": "授权期限已届满",
           "usage.unlicensed": "对音乐的使用未指明任何授权", "usage.outside_territory": "在授权未覆盖的国家或地区使用",
           "usage.outside_media": "以授权未覆盖的方式使用", "usage.outside_term": "在授权开始之前或结束之后使用",
           "payment.missing": "需付费的授权没有任何付款记录", "payment.short": "付款合计少于约定费用",
           "generation.no_output_licence": "发布作品中的 AI 生成内容没有商业使用其输出的授权",
           "screening.unlicensed_match": "筛查匹配到的参考曲目没有任何获得的授权指明"},
}

#: The pre-release screening section (spec/screening.md §7, verification.md V14).
SCREENING = {
    "en": {
        "title": "Pre-release screening",
        "summary": "{screenings} screening(s) by audio fingerprint; {matches} match(es), {unlicensed} with no "
                   "licence taken in that names the track; {unscreened} of {releases} release(s) not screened "
                   "before release.",
        "none": "The chain records no screening against a reference catalogue.",
        "screening": "Screening", "when": "Recorded", "asset": "Screened file", "catalogue": "Catalogue",
        "tracks": "tracks", "track": "track", "identity": "identity", "method": "Method", "min": "Shortest match reported",
        "seconds": "s", "no_match": "No passage of a catalogue track was found in the file.",
        "reference": "Reference track", "in_file": "In the screened file", "in_reference": "In the reference",
        "duration": "Length", "score": "Score", "licence": "Licence taken in", "none_names": "none names this track",
        "releases": "Releases", "release": "Release", "screened": "screened before release (screening {seqs})",
        "not_screened": "not screened before release",
        "note": "A match is evidence to look at, not a verdict: the same passage can be licensed, "
                "public-domain or a coincidence of a common sound. The screening is what the signer recorded; "
                "anyone holding the catalogue can run it again (its identity names exactly which tracks).",
    },
    "zh": {
        "title": "发布前筛查",
        "summary": "音频指纹筛查 {screenings} 次；匹配 {matches} 处，其中 {unlicensed} 处没有任何获得的授权指明该曲目；"
                   "{releases} 次发布中有 {unscreened} 次发布前未经筛查。",
        "none": "链中没有针对参考曲库的筛查记录。",
        "screening": "筛查", "when": "记录时间", "asset": "被筛查的文件", "catalogue": "参考曲库",
        "tracks": "首曲目", "track": "首曲目", "identity": "标识", "method": "方法", "min": "报告的最短匹配",
        "seconds": "秒", "no_match": "文件中未发现任何曲库曲目的片段。",
        "reference": "参考曲目", "in_file": "在被筛查文件中", "in_reference": "在参考曲目中",
        "duration": "时长", "score": "得分", "licence": "获得的授权", "none_names": "没有授权指明该曲目",
        "releases": "发布", "release": "发布", "screened": "发布前已筛查（筛查 {seqs}）",
        "not_screened": "发布前未经筛查",
        "note": "匹配是需要查看的证据，而不是结论：同一片段可能已获授权、属于公有领域，或只是常见声音的巧合。"
                "筛查记录的是签署者当时所做的检查；持有该曲库的任何人都可以重新运行（其标识准确指明了哪些曲目）。",
    },
}

#: The labels section (spec/labels.md §3).
LABELS = {
    "en": {
        "title": "AI labels", "none": "The chain records no AI label.",
        "kind": "Label", "release": "Release", "file": "Labelled file", "written": "Written",
        "states": "States", "chain": "The chain shows", "agrees": "Agrees with the chain",
        "where": "Where (audible)", "yes": "yes", "no": "NO",
        "files": "The labelled files themselves (--assets)", "check": "Check", "detail": "Detail",
        "note": "Each label is checked against the class the verifier computes from this bundle: a label that "
                "states less AI than the chain shows raises label.understates_ai. Labelled files themselves are "
                "checked only where they are supplied.",
    },
    "zh": {
        "title": "AI 标识", "none": "链中没有 AI 标识记录。",
        "kind": "标识", "release": "发布", "file": "被标识的文件", "written": "写出",
        "states": "声明", "chain": "签名链显示", "agrees": "与签名链一致",
        "where": "位置（声音标识）", "yes": "是", "no": "否",
        "files": "被标识文件本身（--assets）", "check": "核对", "detail": "说明",
        "note": "每个标识都与验证器根据本证据包计算出的类别进行核对：声明的 AI 成分少于签名链所显示的标识会触发 "
                "label.understates_ai。仅在提供了被标识的文件时才检查文件本身。",
    },
}

LABEL_KIND_NAMES = {
    "en": {"c2pa": "C2PA Content Credentials", "aigc-implicit": "AIGC implicit label (GB 45438-2025)",
           "aigc-audible": "AIGC audible label (GB 45438-2025)", "ddex": "DDEX ContainsAI",
           "visible-notice": "visible notice"},
    "zh": {"c2pa": "C2PA 内容凭证", "aigc-implicit": "AIGC 隐式标识（GB 45438-2025）",
           "aigc-audible": "AIGC 声音标识（GB 45438-2025）", "ddex": "DDEX ContainsAI", "visible-notice": "显式提示"},
}

#: Event types in words (spec/event-types.md), for the timeline and the event table.
TYPE_NAMES = {
    "en": {"work.created": "work created", "generation": "AI generation", "parameter-edit": "parameter edit",
           "selection": "selection", "human-edit": "human edit", "human-input": "human input", "assist": "AI assist",
           "import": "import", "release": "release", "note": "note", "attestation": "attestation",
           "licence": "licence", "payment": "payment", "usage": "usage", "label": "AI label",
           "screening": "screening"},
    "zh": {"work.created": "创建作品", "generation": "AI 生成", "parameter-edit": "参数调整", "selection": "选择",
           "human-edit": "人工编辑", "human-input": "人类输入", "assist": "AI 辅助", "import": "导入", "release": "发布",
           "note": "备注", "attestation": "第三方证明", "licence": "授权", "payment": "付款", "usage": "使用",
           "label": "AI 标识", "screening": "筛查"},
}

#: What each event did, in words: a template over the row's facts and references (always
#: present fields), then optional pieces, each used when its field is present. Values are
#: escaped before they are put in.
EVENT_WORDS: dict[str, dict[str, tuple[str, dict[str, str]]]] = {
    "en": {
        "work.created": ("work created: “{title}”", {"iswc": ", ISWC {iswc}", "isrc": ", ISRC {isrc}"}),
        "generation": ("AI generation by {model}", {"model_version": " {model_version}", "provider": " ({provider})",
                                                    "seed": ", seed {seed}", "licence": ", under licence #{licence}"}),
        "parameter-edit": ("AI parameter edit", {"of": " of #{of}"}),
        "selection": ("selection: one of {candidates} candidates chosen", {}),
        "human-edit": ("human edit: {kind}", {"tool": ", in {tool}", "minutes": ", {minutes} min",
                                              "stems": ", stems: {stems}"}),
        "human-input": ("human input: {layer}", {}),
        "assist": ("AI assist: {function} by {tool}", {}),
        "import": ("import from {source}", {"digital_source_type": " ({digital_source_type})"}),
        "release": ("release", {"isrc": ", ISRC {isrc}"}),
        "note": ("note (its text is private)", {}),
        "attestation": ("attestation", {"about": " about #{about}", "statement": ": “{statement}”"}),
        "licence": ("licence {direction}", {}),
        "payment": ("payment of {amount} {currency} on {paid_on}", {"licence": " for licence #{licence}"}),
        "usage": ("use in {production}", {"episode": ", episode {episode}", "platform": ", on {platform}",
                                          "territory": ", in {territory}", "media": " ({media})",
                                          "licence": ", under licence #{licence}"}),
        "label": ("AI label ({kind}) written", {"release": " for release #{release}",
                                                "contains_ai": ": ContainsAI {contains_ai}"}),
        "screening": ("screening against a reference catalogue: {matches} match(es)", {}),
    },
    "zh": {
        "work.created": ("创建作品：“{title}”", {"iswc": "，ISWC {iswc}", "isrc": "，ISRC {isrc}"}),
        "generation": ("由 {model} 进行 AI 生成", {"model_version": "（版本 {model_version}）", "provider": "，提供方 {provider}",
                                                  "seed": "，随机种子 {seed}", "licence": "，依据授权 #{licence}"}),
        "parameter-edit": ("AI 参数调整", {"of": "，基于 #{of}"}),
        "selection": ("选择：从 {candidates} 个候选中选定一个", {}),
        "human-edit": ("人工编辑：{kind}", {"tool": "，工具 {tool}", "minutes": "，用时 {minutes} 分钟",
                                          "stems": "，分轨：{stems}"}),
        "human-input": ("人类输入：{layer}", {}),
        "assist": ("AI 辅助：{function}，工具 {tool}", {}),
        "import": ("导入，来源：{source}", {"digital_source_type": "（{digital_source_type}）"}),
        "release": ("发布", {"isrc": "，ISRC {isrc}"}),
        "note": ("备注（内容保密）", {}),
        "attestation": ("第三方证明", {"about": "，针对 #{about}", "statement": "：“{statement}”"}),
        "licence": ("授权：{direction}", {}),
        "payment": ("付款 {amount} {currency}，日期 {paid_on}", {"licence": "，对应授权 #{licence}"}),
        "usage": ("用于 {production}", {"episode": "，第 {episode} 集", "platform": "，平台 {platform}",
                                       "territory": "，地区 {territory}", "media": "（{media}）",
                                       "licence": "，依据授权 #{licence}"}),
        "label": ("写入 AI 标识（{kind}）", {"release": "，对应发布 #{release}", "contains_ai": "：ContainsAI {contains_ai}"}),
        "screening": ("针对参考曲库的筛查：{matches} 处匹配", {}),
    },
}

#: Kinds of human edit and layers of human input (spec/event-types.md), in words.
EDIT_KIND_NAMES = {
    "en": {},
    "zh": {"melody": "旋律", "harmony": "和声", "rhythm": "节奏", "lyrics": "歌词", "arrangement": "编曲",
           "structure": "结构", "performance": "演奏", "mixing": "混音", "mastering": "母带处理",
           "sound-design": "声音设计", "other": "其他", "vocals": "人声", "instrument": "乐器", "production": "制作"},
}

#: Private field names (spec/event-types.md), in words.
FIELD_NAMES = {
    "en": {},
    "zh": {"prompt": "提示词", "negative_prompt": "反向提示词", "lyrics": "歌词", "reason": "理由", "note": "备注",
           "text": "文本", "fee": "费用", "scope": "授权范围", "reference": "付款参考号"},
}

#: The label-file check's statuses (verifier/_labelfiles.py STATUSES), in words.
LABEL_STATUS = {
    "en": {},
    "zh": {"agrees": "一致", "disagrees": "不一致", "missing": "缺失", "not checked": "未核对"},
}

//! A printable handout per scenario (`stickysim handout`): Markdown or self-contained HTML.
//!
//! The students' part comes first and gives nothing away: the title, the two programs and
//! the questions to predict. After a page break comes the teacher's part: the summary and
//! the lesson (they name the results), the run's timeline (the text `stickysim run`
//! prints), the receiver's view, the verdict and metrics, what the length-prefix framing
//! changes, and the answers, taken from the run by [`crate::quiz`].
//!
//! Pure: it runs the model and returns text; the CLI writes the files. Everything that
//! comes from a scenario file or a recv result is escaped in HTML, and the HTML has no
//! script.

use std::fmt::Write as _;

use crate::analysis::{self, Metrics, Report};
use crate::cli::{self, CliError, Overrides, Run};
use crate::params::{DecoderKind, Framing, Transport};
use crate::quiz::{self, Asked, Inline};
use crate::scenario::{Lang, Scenario, Text};
use crate::timeline::{self, Words};
use crate::trace::{Part, Side, Trace, escape_bytes};

pub use crate::timeline::action_text;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Markdown,
    Html,
}

impl Format {
    pub fn extension(self) -> &'static str {
        match self {
            Format::Markdown => "md",
            Format::Html => "html",
        }
    }
}

/// The handout's file name: `04-two-small-sends.zh.html`.
pub fn file_name(scenario: &Scenario, lang: Lang, format: Format) -> String {
    let lang = match lang {
        Lang::En => "en",
        Lang::Zh => "zh",
    };
    format!("{}.{lang}.{}", scenario.name, format.extension())
}

/// Every heading and label of a handout, in both languages (the zh handout has no
/// English one: `tests/handout.rs`).
pub mod words {
    use crate::timeline::Words;
    pub const HANDOUT: Words = Words("stickysim handout", "stickysim 讲义");
    pub const FOR_STUDENTS: Words = Words(
        "Page 1 is for students: read the programs and predict. The answers come after the page break.",
        "第一页发给学生：读程序，先预测。答案在分页之后。",
    );
    pub const SETTINGS: Words = Words("Settings", "参数");
    pub const PROGRAMS: Words = Words("The two programs", "两个程序");
    pub const CLIENT: Words = Words("Client", "客户端");
    pub const SERVER: Words = Words("Server", "服务端");
    pub const PREDICT: Words = Words("Predict", "预测");
    pub const NO_QUESTIONS: Words = Words(
        "This scenario asks nothing: predict what each recv returns.",
        "这个场景没有提问：预测每次 recv 返回什么。",
    );
    pub const YOUR_ANSWER: Words = Words("Your answer:", "你的答案：");
    pub const TEACHER: Words = Words("For the teacher", "教师用");
    pub const SUMMARY: Words = Words("Summary", "摘要");
    pub const WHY: Words = Words("Why", "为什么");
    pub const TIMELINE: Words = Words("Timeline", "时间线");
    pub const TIMELINE_HOW: Words = Words(
        "What `stickysim run` prints: one line per event, the scenario's notes under the calls.",
        "即 `stickysim run` 的输出：每个事件一行，场景的说明写在调用下方。",
    );
    pub const RECEIVER: Words = Words("The receiver's view", "接收方看到的");
    pub const RECEIVER_HOW: Words = Words(
        "Every recv() result; `|` marks where one message ends and the next begins, ‹…› is a frame header.",
        "每次 recv() 的结果；`|` 标出一条消息结束、下一条开始的位置，‹…› 是帧报头。",
    );
    pub const RECEIVER_HOW_HTML: Words = Words(
        "Every recv() result, one colour per message; the darker shade is a frame header.",
        "每次 recv() 的结果，每条消息一种颜色；颜色较深的是帧报头。",
    );
    pub const VERDICT: Words = Words("Verdict and metrics", "结论与指标");
    pub const FIX: Words = Words("The framing fix", "分帧修复");
    pub const FIX_LENGTH: Words = Words(
        "The same programs with framing `length-prefix` (a 4-byte length header before each message, and a reader that reads exactly that many bytes):",
        "同样的程序改用 `length-prefix` 分帧（每条消息前加 4 字节长度报头，接收方按长度读满）：",
    );
    pub const FIX_DECODER: Words = Words(
        "The same programs with the correct decoder (it reads until it has exactly as many bytes as the header says):",
        "同样的程序改用正确的解码器（按报头所说的长度读满为止）：",
    );
    pub const FIX_ALREADY: Words = Words(
        "This scenario already frames its messages correctly; the same programs without framing (`raw`), for comparison:",
        "这个场景已经正确分帧；作为对比，下面是同样的程序不分帧（`raw`）的结果：",
    );
    pub const FIX_UDP: Words = Words(
        "UDP keeps each datagram's boundaries, so a length header changes nothing about gluing; what goes wrong here is truncation and loss.",
        "UDP 本来就保留每个数据报的边界，长度报头对粘包没有作用；这里的问题是截断和丢失。",
    );
    pub const METRIC: Words = Words("Metric", "指标");
    pub const AS_IS: Words = Words("This run", "本次运行");
    pub const WITH_FIX: Words = Words("Changed", "修改后");
    pub const ANSWERS: Words = Words("Answers", "答案");
    pub const ANSWER: Words = Words("Answer:", "答案：");
    pub const NOTE: Words = Words("Why:", "原因：");
}

use words as w;

/// A handout of `scenario` with its own parameters, in `lang` and `format`.
pub fn build(scenario: &Scenario, lang: Lang, format: Format) -> Result<String, CliError> {
    let run = cli::run_sim(scenario, &scenario.params)?;
    let questions = quiz::questions(scenario, &run.trace);
    let fix = fix_run(scenario)?;
    let mut doc = Doc::new(format);
    let title = match scenario.number() {
        Some(n) => format!("{n:02} · {}", scenario.title.get(lang)),
        None => scenario.title.get(lang).to_string(),
    };
    doc.heading(1, &title);
    doc.small(&format!(
        "{} · {}.toml",
        w::HANDOUT.get(lang),
        scenario.name
    ));
    doc.small(w::FOR_STUDENTS.get(lang));
    doc.heading(2, w::SETTINGS.get(lang));
    doc.pre(&settings_line(&run.trace, lang));

    doc.heading(2, w::PROGRAMS.get(lang));
    doc.programs(scenario, lang);

    doc.heading(2, w::PREDICT.get(lang));
    if questions.is_empty() {
        doc.para(w::NO_QUESTIONS.get(lang));
    }
    for (i, q) in questions.iter().enumerate() {
        doc.question(i + 1, q, lang);
    }

    doc.page_break();
    doc.heading(1, &format!("{} · {}", w::TEACHER.get(lang), title));
    if let Some(s) = &scenario.summary {
        doc.heading(2, w::SUMMARY.get(lang));
        doc.para(s.get(lang));
    }
    if let Some(l) = &scenario.lesson {
        doc.heading(2, w::WHY.get(lang));
        doc.lesson(l, lang);
    }
    doc.heading(2, w::TIMELINE.get(lang));
    doc.para(w::TIMELINE_HOW.get(lang));
    doc.pre(&timeline::render_events(
        &run.trace,
        &run.trace.events,
        &run.scenario,
        lang,
    ));
    doc.heading(2, w::RECEIVER.get(lang));
    doc.para(match format {
        Format::Markdown => w::RECEIVER_HOW.get(lang),
        Format::Html => w::RECEIVER_HOW_HTML.get(lang),
    });
    doc.receiver(&run.trace, lang);
    doc.heading(2, w::VERDICT.get(lang));
    doc.verdict(&run, lang);

    doc.heading(2, w::FIX.get(lang));
    match &fix {
        Fix::Udp => doc.para(w::FIX_UDP.get(lang)),
        Fix::Run(why, fixed) => {
            doc.para(why.get(lang));
            doc.receiver(&fixed.trace, lang);
            doc.verdict_line(fixed, lang);
            doc.compare(&run.report, &fixed.report, lang);
        }
    }

    doc.page_break();
    doc.heading(2, w::ANSWERS.get(lang));
    if questions.is_empty() {
        doc.para(w::NO_QUESTIONS.get(lang));
    }
    for (i, q) in questions.iter().enumerate() {
        doc.answer(i + 1, q, scenario, lang);
    }
    Ok(doc.finish(&title, lang))
}

enum Fix {
    Udp,
    /// What was changed, and the run with it.
    Run(Words, Box<Run>),
}

/// The run that shows the fix: length-prefix for a raw TCP scenario, the correct decoder
/// for one that frames with the tutorial's, raw for one already framed correctly (the
/// contrast), nothing for UDP.
fn fix_run(scenario: &Scenario) -> Result<Fix, CliError> {
    let p = &scenario.params;
    if p.transport == Transport::Udp {
        return Ok(Fix::Udp);
    }
    let (why, o) = if p.framing == Framing::Raw {
        (
            w::FIX_LENGTH,
            Overrides {
                framing: Some(Framing::LengthPrefix),
                decoder: Some(DecoderKind::Correct),
                ..Default::default()
            },
        )
    } else if p.decoder == DecoderKind::Tutorial {
        (
            w::FIX_DECODER,
            Overrides {
                decoder: Some(DecoderKind::Correct),
                ..Default::default()
            },
        )
    } else {
        (
            w::FIX_ALREADY,
            Overrides {
                framing: Some(Framing::Raw),
                ..Default::default()
            },
        )
    };
    let params = o.resolve(scenario)?;
    Ok(Fix::Run(why, Box::new(cli::run_sim(scenario, &params)?)))
}

/// `tcp · framing raw · Nagle on · …`: what the run used (its parameters, not the file's).
fn settings_line(t: &Trace, lang: Lang) -> String {
    let p = &t.params;
    let on = |b: bool| {
        if b {
            timeline::words::ON.get(lang)
        } else {
            timeline::words::OFF.get(lang)
        }
    };
    let (tr, fr, dec) = (p.transport.name(), p.framing.name(), p.decoder.name());
    let (stack, link) = (p.stack.name(), p.link.name());
    match lang {
        Lang::En => format!(
            "{tr} · framing {fr} ({dec} decoder) · Nagle {} · delayed ACK {} · mss {} · {stack}, {link}",
            on(p.nagle),
            on(p.delayed_ack),
            p.mss
        ),
        Lang::Zh => format!(
            "{tr} · 分帧 {fr}（{dec} 解码器）· Nagle {} · 延迟确认 {} · mss {} · {stack}, {link}",
            on(p.nagle),
            on(p.delayed_ack),
            p.mss
        ),
    }
}

/// A program as numbered lines, `?` marking the steps a question asks about.
fn program_lines(steps: &[crate::scenario::Step]) -> String {
    let mut out = String::new();
    for (i, s) in steps.iter().enumerate() {
        let mark = if s.question.is_some() { "?" } else { " " };
        let _ = writeln!(out, "{mark}{:>3}  {}", i + 1, action_text(&s.action));
    }
    out
}

/// Escapes text for HTML content and attribute values.
pub fn html_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// A Markdown code fence longer than any run of backticks in `text`.
fn fence(text: &str) -> String {
    let mut longest = 0;
    let mut run = 0;
    for c in text.chars() {
        run = if c == '`' { run + 1 } else { 0 };
        longest = longest.max(run);
    }
    "`".repeat(longest.max(2) + 1)
}

/// Okabe–Ito, as `gui::palette::message` (message n gets colour n-1, cycling).
const MESSAGE_RGB: [(u8, u8, u8); 7] = [
    (0xE6, 0x9F, 0x00),
    (0x56, 0xB4, 0xE9),
    (0x00, 0x9E, 0x73),
    (0xCC, 0x79, 0xA7),
    (0xF0, 0xE4, 0x42),
    (0x00, 0x72, 0xB2),
    (0xD5, 0x5E, 0x00),
];

/// Background and text colour of a message's bytes; a header is the colour, darker.
fn chip_colors(msg: u32, header: bool) -> (String, &'static str) {
    let (r, g, b) = MESSAGE_RGB[(msg.saturating_sub(1) as usize) % MESSAGE_RGB.len()];
    let (r, g, b) = if header {
        (r / 2, g / 2, b / 2)
    } else {
        (r, g, b)
    };
    let l = 0.299 * f32::from(r) + 0.587 * f32::from(g) + 0.114 * f32::from(b);
    let ink = if l > 140.0 { "#000" } else { "#fff" };
    (format!("#{r:02x}{g:02x}{b:02x}"), ink)
}

/// Bytes shown in a chip: escaped like the app's, the middle elided past `max` columns.
fn chip_text(bytes: &[u8], max: usize) -> String {
    let s = escape_bytes(bytes);
    let n = s.chars().count();
    if n <= max {
        return s;
    }
    let head: String = s.chars().take(max / 2).collect();
    let tail: String = s.chars().skip(n - max / 2).collect();
    format!("{head}…({} B)…{tail}", bytes.len())
}

/// A binary frame header as the text view shows it: `‹05 00 00 00›`.
fn header_hex(bytes: &[u8]) -> String {
    let hex: Vec<String> = bytes.iter().take(16).map(|b| format!("{b:02x}")).collect();
    let more = if bytes.len() > 16 { " …" } else { "" };
    format!("‹{}{more}›", hex.join(" "))
}

const CSS: &str = "body{font-family:system-ui,'Noto Sans CJK SC','Microsoft YaHei',sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;line-height:1.5;color:#111}
pre{background:#f4f4f4;padding:.6rem;overflow-x:auto;font-size:.8rem;line-height:1.3}
code{background:#f0f0f0;padding:0 .2rem}
.small{color:#555;font-size:.9rem}
.programs{display:flex;gap:2rem;flex-wrap:wrap}.programs>div{flex:1;min-width:18rem}
.q{margin:.8rem 0}.blank{border-bottom:1px solid #999;display:inline-block;min-width:20rem;height:1.2rem}
.recv{font-family:ui-monospace,monospace;font-size:.85rem;margin:.15rem 0}
.chip{padding:.05rem .25rem;margin-right:1px;border-radius:3px;white-space:pre-wrap}
.eof{color:#777}.sticky{color:#d55e00;font-weight:bold}
table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.2rem .6rem;text-align:right}td:first-child,th:first-child{text-align:left}
.break{page-break-before:always;break-before:page;border-top:2px dashed #bbb;margin-top:2rem}
@media print{.break{border:none;margin:0}}";

/// The document being written, in one of the two formats.
struct Doc {
    format: Format,
    body: String,
}

impl Doc {
    fn new(format: Format) -> Doc {
        Doc {
            format,
            body: String::new(),
        }
    }

    fn html(&self) -> bool {
        self.format == Format::Html
    }

    fn heading(&mut self, level: usize, text: &str) {
        if self.html() {
            let _ = writeln!(self.body, "<h{level}>{}</h{level}>", html_escape(text));
        } else {
            let _ = writeln!(self.body, "{} {}\n", "#".repeat(level), md_line(text));
        }
    }

    fn small(&mut self, text: &str) {
        if self.html() {
            let _ = writeln!(self.body, "<p class=\"small\">{}</p>", inline_html(text));
        } else {
            let _ = writeln!(self.body, "*{}*\n", md_line(text));
        }
    }

    /// A paragraph of Markdown-lite (`code`, **bold**).
    fn para(&mut self, text: &str) {
        if self.html() {
            let _ = writeln!(self.body, "<p>{}</p>", inline_html(text.trim()));
        } else {
            let _ = writeln!(self.body, "{}\n", md_text(text));
        }
    }

    fn pre(&mut self, text: &str) {
        if self.html() {
            let _ = writeln!(self.body, "<pre>{}</pre>", html_escape(text.trim_end()));
        } else {
            let f = fence(text);
            let _ = writeln!(self.body, "{f}text\n{}\n{f}\n", text.trim_end());
        }
    }

    /// The lesson: paragraphs, list lines, `code` and **bold** (as the app's "Why" panel).
    fn lesson(&mut self, text: &Text, lang: Lang) {
        if !self.html() {
            let _ = writeln!(self.body, "{}\n", md_text(text.get(lang)));
            return;
        }
        for para in text.get(lang).split("\n\n") {
            let lines: Vec<&str> = para
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .collect();
            if lines.is_empty() {
                continue;
            }
            let inner: Vec<String> = lines.iter().map(|l| inline_html(l)).collect();
            let _ = writeln!(self.body, "<p>{}</p>", inner.join("<br>\n"));
        }
    }

    fn programs(&mut self, scenario: &Scenario, lang: Lang) {
        let client = program_lines(&scenario.client);
        let server = program_lines(&scenario.server);
        if self.html() {
            let _ = writeln!(
                self.body,
                "<div class=\"programs\"><div><h3>{}</h3><pre>{}</pre></div><div><h3>{}</h3><pre>{}</pre></div></div>",
                w::CLIENT.get(lang),
                html_escape(client.trim_end()),
                w::SERVER.get(lang),
                html_escape(server.trim_end())
            );
        } else {
            self.heading(3, w::CLIENT.get(lang));
            self.pre(&client);
            self.heading(3, w::SERVER.get(lang));
            self.pre(&server);
        }
    }

    fn question(&mut self, n: usize, q: &Asked, lang: Lang) {
        let who = side_word(q.side, lang);
        let head = format!("{n}. ({who} · {}) {}", q.call, q.prompt.get(lang));
        let letters = ['A', 'B', 'C', 'D', 'E', 'F'];
        if self.html() {
            let _ = write!(self.body, "<div class=\"q\"><p>{}</p>", html_escape(&head));
            if q.typed() {
                let _ = write!(
                    self.body,
                    "<p>{} <span class=\"blank\"></span></p>",
                    w::YOUR_ANSWER.get(lang)
                );
            } else {
                self.body.push_str("<ul style=\"list-style:none\">");
                for (c, l) in q.choices.iter().zip(letters) {
                    let _ = write!(
                        self.body,
                        "<li>☐ {l}. {}</li>",
                        html_escape(c.label.get(lang))
                    );
                }
                self.body.push_str("</ul>");
            }
            self.body.push_str("</div>\n");
        } else {
            let _ = writeln!(self.body, "{}\n", md_line(&head));
            if q.typed() {
                let _ = writeln!(
                    self.body,
                    "   {} ______________\n",
                    w::YOUR_ANSWER.get(lang)
                );
            } else {
                for (c, l) in q.choices.iter().zip(letters) {
                    let _ = writeln!(self.body, "   - [ ] {l}. {}", md_line(c.label.get(lang)));
                }
                self.body.push('\n');
            }
        }
    }

    fn answer(&mut self, n: usize, q: &Asked, scenario: &Scenario, lang: Lang) {
        let head = format!("{n}. {}", q.prompt.get(lang));
        let letter = q
            .right_choice()
            .and_then(|i| ['A', 'B', 'C', 'D', 'E', 'F'].get(i).copied());
        let truth = match letter {
            Some(l) => format!("{l}. {}", q.truth_label.get(lang)),
            None => q.truth_label.get(lang).to_string(),
        };
        let note = timeline::step_note(scenario, q.side, q.step, lang);
        if self.html() {
            let _ = write!(
                self.body,
                "<div class=\"q\"><p>{}</p><p><b>{}</b> {}</p>",
                html_escape(&head),
                w::ANSWER.get(lang),
                html_escape(&truth)
            );
            if let Some(note) = note {
                let _ = write!(
                    self.body,
                    "<p>{} {}</p>",
                    w::NOTE.get(lang),
                    html_escape(note.trim())
                );
            }
            self.body.push_str("</div>\n");
        } else {
            let _ = writeln!(self.body, "{}\n", md_line(&head));
            let _ = writeln!(
                self.body,
                "   **{}** {}\n",
                w::ANSWER.get(lang),
                md_line(&truth)
            );
            if let Some(note) = note {
                let one_line = note.split_whitespace().collect::<Vec<_>>().join(" ");
                let _ = writeln!(
                    self.body,
                    "   {} {}\n",
                    w::NOTE.get(lang),
                    md_line(&one_line)
                );
            }
        }
    }

    /// Every recv() result with its message boundaries: text as `run` prints it, or
    /// chips coloured by message.
    fn receiver(&mut self, trace: &Trace, lang: Lang) {
        if !self.html() {
            self.pre(&cli::recv_sections(trace, lang));
            return;
        }
        let recvs = analysis::recv_results(trace);
        for r in &recvs {
            let side = side_word(r.side, lang);
            let _ = write!(
                self.body,
                "<div class=\"recv\">{} · {side} · {} B ",
                html_escape(&timeline::ms(r.t_us)),
                r.data.len()
            );
            match trace.chunk_of(&trace.events[r.event]) {
                _ if r.eof => self.body.push_str("<span class=\"eof\">b'' (EOF)</span>"),
                Some(c) => {
                    for s in &c.spans {
                        let a = (s.start.saturating_sub(c.offset) as usize).min(c.data.len());
                        let b = (s.end.saturating_sub(c.offset) as usize).clamp(a, c.data.len());
                        let header = s.part == Part::Header;
                        let (bg, ink) = chip_colors(s.msg, header);
                        let bytes = &c.data[a..b];
                        let text = if header && !bytes.iter().all(|b| (0x20..0x7f).contains(b)) {
                            header_hex(bytes)
                        } else {
                            chip_text(bytes, 48)
                        };
                        let _ = write!(
                            self.body,
                            "<span class=\"chip\" title=\"#{}\" style=\"background:{bg};color:{ink}\">{}</span>",
                            s.msg,
                            html_escape(&text)
                        );
                    }
                }
                None => {}
            }
            if r.sticky {
                let _ = write!(
                    self.body,
                    " <span class=\"sticky\">← {}</span>",
                    html_escape(&sticky_words(r.messages.len(), lang))
                );
            }
            self.body.push_str("</div>\n");
        }
        let deliveries = analysis::deliveries(trace);
        if !deliveries.is_empty() {
            let _ = writeln!(
                self.body,
                "<p>{}</p>",
                html_escape(
                    timeline::words::DELIVERY_HEADING
                        .get(lang)
                        .trim_end_matches(':')
                )
            );
            for d in deliveries {
                let mark = if d.intact { "✓" } else { "✗" };
                let (bg, ink) = chip_colors(d.msg, false);
                let _ = writeln!(
                    self.body,
                    "<div class=\"recv\">{mark} {} #{} · {} B <span class=\"chip\" style=\"background:{bg};color:{ink}\">{}</span></div>",
                    side_word(d.side, lang),
                    d.index,
                    d.data.len(),
                    html_escape(&chip_text(&d.data, 60))
                );
            }
        }
    }

    /// The verdict, what was raised, the notes, and the metric table.
    fn verdict(&mut self, run: &Run, lang: Lang) {
        self.verdict_line(run, lang);
        self.pre(&cli::render_metrics_in(&run.report, lang));
    }

    fn verdict_line(&mut self, run: &Run, lang: Lang) {
        let mut lines = vec![format!(
            "{}{}",
            timeline::words::VERDICT.get(lang),
            run.report.verdict_in(lang)
        )];
        lines.extend(timeline::raised_in(&run.trace.events, lang));
        for n in cli::notes(run, lang) {
            lines.push(format!("{}{n}", timeline::words::NOTE.get(lang)));
        }
        if self.html() {
            let inner: Vec<String> = lines.iter().map(|l| html_escape(l)).collect();
            let _ = writeln!(self.body, "<p><b>{}</b></p>", inner.join("<br>"));
        } else {
            let inner: Vec<String> = lines.iter().map(|l| md_line(l)).collect();
            let _ = writeln!(self.body, "**{}**\n", inner.join("  \n"));
        }
    }

    /// The metrics that say what framing changes, before and after.
    fn compare(&mut self, before: &Report, after: &Report, lang: Lang) {
        let keep = [
            "messages_intact",
            "messages_corrupted",
            "messages_missing",
            "recv_calls",
            "sticky_reads",
            "split_messages",
            "duration_ms",
        ];
        let rows: Vec<(&str, String, String)> = Metrics::fields()
            .iter()
            .filter(|f| keep.contains(&f.name))
            .map(|f| {
                (
                    f.label(lang),
                    f.value(&before.summary).to_string(),
                    f.value(&after.summary).to_string(),
                )
            })
            .collect();
        let (m, a, b) = (
            w::METRIC.get(lang),
            w::AS_IS.get(lang),
            w::WITH_FIX.get(lang),
        );
        if self.html() {
            let _ = write!(
                self.body,
                "<table><tr><th>{m}</th><th>{a}</th><th>{b}</th></tr>"
            );
            for (name, x, y) in rows {
                let _ = write!(
                    self.body,
                    "<tr><td>{}</td><td>{x}</td><td>{y}</td></tr>",
                    html_escape(name)
                );
            }
            self.body.push_str("</table>\n");
        } else {
            let _ = writeln!(self.body, "| {m} | {a} | {b} |\n|---|---:|---:|");
            for (name, x, y) in rows {
                let _ = writeln!(self.body, "| {name} | {x} | {y} |");
            }
            self.body.push('\n');
        }
    }

    fn page_break(&mut self) {
        if self.html() {
            self.body.push_str("<div class=\"break\"></div>\n");
        } else {
            self.body.push_str("---\n\n");
        }
    }

    fn finish(self, title: &str, lang: Lang) -> String {
        if !self.html() {
            return self.body;
        }
        let code = match lang {
            Lang::En => "en",
            Lang::Zh => "zh-CN",
        };
        format!(
            "<!DOCTYPE html>\n<html lang=\"{code}\">\n<head>\n<meta charset=\"utf-8\">\n\
             <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n\
             <title>{}</title>\n<style>\n{CSS}\n</style>\n</head>\n<body>\n{}</body>\n</html>\n",
            html_escape(title),
            self.body
        )
    }
}

fn side_word(side: Side, lang: Lang) -> &'static str {
    match side {
        Side::Client => w::CLIENT.get(lang),
        Side::Server => w::SERVER.get(lang),
    }
}

fn sticky_words(n: usize, lang: Lang) -> String {
    match lang {
        Lang::En => format!("sticky: {n} messages"),
        Lang::Zh => format!("粘包：{n} 条消息"),
    }
}

/// Markdown-lite inline text as HTML: everything escaped, then `code` and **bold**.
fn inline_html(line: &str) -> String {
    let mut out = String::new();
    for (kind, piece) in quiz::inline_pieces(line) {
        let t = html_escape(&piece);
        match kind {
            Inline::Plain => out.push_str(&t),
            Inline::Bold => {
                let _ = write!(out, "<b>{t}</b>");
            }
            Inline::Code => {
                let _ = write!(out, "<code>{t}</code>");
            }
        }
    }
    out
}

/// One line of text for Markdown: no line breaks, and `<` / `>` outside `code` as
/// entities, so that text from a scenario file cannot open raw HTML in a Markdown viewer.
fn md_line(s: &str) -> String {
    let one = s.replace(['\n', '\r'], " ");
    let mut out = String::new();
    for (kind, piece) in quiz::inline_pieces(&one) {
        let t = piece.replace('<', "&lt;").replace('>', "&gt;");
        match kind {
            Inline::Plain => out.push_str(&t),
            Inline::Bold => {
                let _ = write!(out, "**{t}**");
            }
            Inline::Code => {
                let _ = write!(out, "`{piece}`");
            }
        }
    }
    out
}

/// Markdown-lite text as Markdown, line by line (paragraphs and lists kept).
fn md_text(s: &str) -> String {
    let lines: Vec<String> = s.trim().lines().map(md_line).collect();
    lines.join("\n")
}

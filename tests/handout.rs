//! Handouts (`stickysim handout`): every scenario in both languages and formats, the
//! answers from the run, escaping of hostile scenario text, Chinese headings, and the
//! committed copies in docs/lessons/handouts/ being what the command writes now.

use std::path::Path;

use stickysim::handout::{self, Format};
use stickysim::model;
use stickysim::quiz;
use stickysim::scenario::{self, Lang, Scenario};

const LANGS: [Lang; 2] = [Lang::En, Lang::Zh];
const FORMATS: [Format; 2] = [Format::Markdown, Format::Html];

fn build(s: &Scenario, lang: Lang, format: Format) -> String {
    handout::build(s, lang, format).unwrap_or_else(|e| panic!("{}: {e}", s.name))
}

/// The text after the last page break: the answers.
fn answers_part(text: &str, format: Format) -> &str {
    let brk = match format {
        Format::Markdown => "\n---\n",
        Format::Html => "<div class=\"break\">",
    };
    let at = text.rfind(brk).expect("a page break before the answers");
    &text[at..]
}

/// The students' page: before the first page break.
fn students_part(text: &str, format: Format) -> &str {
    let brk = match format {
        Format::Markdown => "\n---\n",
        Format::Html => "<div class=\"break\">",
    };
    let at = text.find(brk).expect("a page break");
    &text[..at]
}

fn escaped(s: &str, format: Format) -> String {
    match format {
        Format::Html => handout::html_escape(s),
        Format::Markdown => s.replace('<', "&lt;").replace('>', "&gt;"),
    }
}

#[test]
fn every_scenario_has_a_handout_with_its_answers_in_both_languages_and_formats() {
    let all = scenario::builtin();
    assert!(all.len() >= 17);
    let mut asked = 0;
    for s in &all {
        let trace = model::run(s, &s.params).unwrap();
        let qs = quiz::questions(s, &trace);
        for lang in LANGS {
            for format in FORMATS {
                let text = build(s, lang, format);
                let what = format!("{} {lang:?} {format:?}", s.name);
                assert!(text.contains(&escaped(s.title.get(lang), format)), "{what}");
                let students = students_part(&text, format);
                let answers = answers_part(&text, format);
                // Every step of both programs is listed on the students' page.
                for step in s.client.iter().chain(s.server.iter()) {
                    // In a code block in Markdown, so as it is there.
                    let line = handout::action_text(&step.action);
                    let line = match format {
                        Format::Html => handout::html_escape(&line),
                        Format::Markdown => line,
                    };
                    assert!(students.contains(&line), "{what}: {line}");
                }
                for q in &qs {
                    let prompt = escaped(q.prompt.get(lang), format);
                    assert!(students.contains(&prompt), "{what}: {prompt}");
                    // The true answer, as the quiz decides it from the run.
                    let truth = escaped(q.truth_label.get(lang), format);
                    assert!(answers.contains(&truth), "{what}: answer {truth}");
                }
                // The students' page gives nothing away: no timeline, verdict or lesson.
                let verdict = stickysim::timeline::words::VERDICT.get(lang);
                assert!(!students.contains(verdict), "{what}");
                if let Some(l) = &s.lesson {
                    let first = l.get(lang).lines().next().unwrap_or_default();
                    let first = stickysim::quiz::inline_pieces(first)
                        .into_iter()
                        .map(|(_, p)| p)
                        .max_by_key(|p| p.len())
                        .unwrap_or_default();
                    if first.len() > 20 {
                        assert!(!students.contains(&escaped(&first, format)), "{what}");
                        assert!(text.contains(&escaped(&first, format)), "{what}: lesson");
                    }
                }
                // The timeline is the one `run` prints.
                if format == Format::Markdown {
                    let tl = stickysim::timeline::render_events(&trace, &trace.events, s, lang);
                    assert!(text.contains(tl.trim_end()), "{what}: timeline");
                }
            }
        }
        asked += qs.len();
    }
    assert!(asked >= 17, "the built-in scenarios ask {asked} questions");
}

#[test]
fn html_escapes_everything_a_scenario_file_brings() {
    let evil = r#"
[meta]
title = "<script>alert(1)</script> & co"
summary = "<img src=x onerror=alert(2)>"
lesson = """
**<b onmouseover=x>bold</b>** and `<code>` and <iframe src=javascript:alert(3)>

- a list line with </pre><script>
"""
[[client]]
send_message = "<script>alert(4)</script>"
note = "</pre><svg onload=alert(5)>"
[[client]]
close = true
[[server]]
recv_message = 1024
question = { en = "<script>q</script>", zh = "<script>问</script>" }
"#;
    let s = scenario::parse(evil, "evil.toml").unwrap();
    for lang in LANGS {
        let html = build(&s, lang, Format::Html);
        let lower = html.to_lowercase();
        for bad in ["<script", "<img", "<iframe", "<svg", "<b onmouseover"] {
            // The only tags are the handout's own; none of these is among them.
            let hits: Vec<usize> = lower.match_indices(bad).map(|(i, _)| i).collect();
            assert!(
                hits.is_empty(),
                "{lang:?}: `{bad}` got through at {hits:?}:\n{html}"
            );
        }
        assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; co"));
        assert!(html.contains("<code>&lt;code&gt;</code>"), "{html}");
        // The received bytes are escaped in the receiver's view too.
        assert!(html.contains("&lt;script&gt;alert(4)"), "{html}");
        // The page forbids scripts even if something slipped through.
        assert!(html.contains("Content-Security-Policy"));
        // Markdown: raw HTML cannot open outside code.
        let md = build(&s, lang, Format::Markdown);
        let mut in_code = false;
        for line in md.lines() {
            if line.starts_with("```") {
                in_code = !in_code;
                continue;
            }
            let outside: String = stickysim::quiz::inline_pieces(line)
                .into_iter()
                .filter(|(k, _)| *k != stickysim::quiz::Inline::Code)
                .map(|(_, p)| p)
                .collect();
            assert!(in_code || !outside.contains('<'), "{lang:?} md: {line}");
        }
        assert!(md.contains("&lt;script&gt;"));
    }
}

/// English headings and labels of a handout; none may be in a Chinese one.
const ENGLISH: &[&str] = &[
    "handout",
    "Page 1 is for students",
    "Settings",
    "The two programs",
    "Client",
    "Server",
    "Predict",
    "Your answer",
    "For the teacher",
    "Summary",
    "## Why",
    ">Why<",
    "Timeline",
    "receiver's view",
    "Verdict and metrics",
    "verdict: ",
    "The framing fix",
    "The same programs",
    "Metric",
    "This run",
    "Changed",
    "Answers",
    "Answer:",
    "Why:",
    "messages intact",
    "sticky reads",
    "sticky:",
    "what each recv",
    "framing ",
    "delayed ACK",
    "decoder)",
];

/// The handout's own lines in Markdown: not the scenario's text (lesson, summary, notes,
/// which may name parameters such as `framing`), not the timeline's and the tables' rows.
fn own_md_lines<'a>(md: &'a str, s: &Scenario) -> Vec<&'a str> {
    let theirs: Vec<String> = [&s.lesson, &s.summary]
        .into_iter()
        .flatten()
        .flat_map(|t| {
            t.zh.lines()
                .map(|l| l.trim().replace('<', "&lt;").replace('>', "&gt;"))
        })
        .filter(|l| !l.is_empty())
        .collect();
    md.lines()
        .filter(|l| !l.starts_with("    ") && !l.starts_with("  ✓") && !l.starts_with("  ✗"))
        .filter(|l| !l.starts_with("   原因："))
        .filter(|l| !theirs.iter().any(|t| l.trim() == t))
        .collect()
}

/// What the HTML's headings, table cells and bold labels say.
fn html_labels(html: &str) -> Vec<String> {
    let mut out = Vec::new();
    for (open, close) in [
        ("<h1>", "</h1>"),
        ("<h2>", "</h2>"),
        ("<h3>", "</h3>"),
        ("<th>", "</th>"),
        ("<b>", "</b>"),
        ("<p class=\"small\">", "</p>"),
    ] {
        let mut rest = html;
        while let Some(a) = rest.find(open) {
            let after = &rest[a + open.len()..];
            let Some(b) = after.find(close) else { break };
            out.push(after[..b].to_string());
            rest = &after[b..];
        }
    }
    out
}

#[test]
fn chinese_handouts_have_no_english_headings() {
    for s in scenario::builtin() {
        let zh = build(&s, Lang::Zh, Format::Markdown);
        for l in own_md_lines(&zh, &s) {
            for w in ENGLISH.iter().filter(|w| **w != "handout") {
                assert!(!l.contains(w), "{} md: `{w}` in: {l}", s.name);
            }
        }
        let zh = build(&s, Lang::Zh, Format::Html);
        let labels = html_labels(&zh);
        assert!(labels.len() >= 8, "{labels:?}");
        for l in &labels {
            for w in ENGLISH.iter().filter(|w| **w != "handout") {
                assert!(!l.contains(w), "{} html: `{w}` in: {l}", s.name);
            }
        }
        assert!(zh.contains("<h2>答案</h2>"), "{}", s.name);
        // The English handout has them: the list can fail.
        let en = build(&s, Lang::En, Format::Markdown);
        let own = own_md_lines(&en, &s).join("\n");
        for w in [
            "The two programs",
            "Answers",
            "Timeline",
            "Verdict and metrics",
            "verdict: ",
        ] {
            assert!(own.contains(w), "{}: {w}", s.name);
        }
        let en = html_labels(&build(&s, Lang::En, Format::Html)).join("\n");
        for w in ["The two programs", "Answers", "Timeline", "verdict: "] {
            assert!(en.contains(w), "{}: {w}", s.name);
        }
    }
}

/// docs/lessons/handouts/ holds what `scripts/handouts` writes now, for every built-in
/// scenario (a new scenario, or a change to the model, shows up here).
#[test]
fn committed_handouts_are_what_the_command_writes() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/lessons/handouts");
    for s in scenario::builtin() {
        for lang in LANGS {
            for format in FORMATS {
                let name = handout::file_name(&s, lang, format);
                let committed = std::fs::read_to_string(dir.join(&name)).unwrap_or_else(|e| {
                    panic!("docs/lessons/handouts/{name}: {e}; run scripts/handouts")
                });
                assert!(
                    committed == build(&s, lang, format),
                    "docs/lessons/handouts/{name} is out of date: run scripts/handouts"
                );
            }
        }
    }
}

#[test]
fn the_command_writes_files_and_refuses_bad_input() {
    let bin = env!("CARGO_BIN_EXE_stickysim");
    let dir = std::env::temp_dir().join(format!("stickysim-handout-{}", std::process::id()));
    let out = std::process::Command::new(bin)
        .args(["--lang", "zh", "handout", "04", "--format", "html", "--out"])
        .arg(&dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let file = dir.join("04-two-small-sends.zh.html");
    let text = std::fs::read_to_string(&file).unwrap();
    let s = scenario::find_builtin("04").unwrap();
    assert_eq!(text, build(&s, Lang::Zh, Format::Html));
    // No temporary file is left behind.
    let names: Vec<_> = std::fs::read_dir(&dir).unwrap().flatten().collect();
    assert_eq!(names.len(), 1);
    let _ = std::fs::remove_dir_all(&dir);
    for args in [
        &["handout"][..],
        &["handout", "99"],
        &["handout", "04", "--format", "pdf"],
    ] {
        let out = std::process::Command::new(bin).args(args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            !err.is_empty() && !err.contains("panicked"),
            "{args:?}: {err}"
        );
    }
}

/// Every lesson page links its handouts and embeds its pictures, and they exist (a new
/// scenario needs `python3 docs/lessons/pages.py`, `scripts/handouts` and
/// `LESSONS=only scripts/screenshots`).
#[test]
fn every_lesson_page_links_its_handouts_and_pictures() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/lessons");
    for s in scenario::builtin() {
        let page = std::fs::read_to_string(dir.join(format!("{}.md", s.name)))
            .unwrap_or_else(|e| panic!("docs/lessons/{}.md: {e}", s.name));
        for lang in LANGS {
            for format in FORMATS {
                let link = format!("handouts/{}", handout::file_name(&s, lang, format));
                assert!(page.contains(&format!("]({link})")), "{}: {link}", s.name);
            }
            let code = if lang == Lang::En { "en" } else { "zh" };
            let img = format!("img/{}.{code}.png", s.name);
            assert!(page.contains(&format!("]({img})")), "{}: {img}", s.name);
            let png = std::fs::read(dir.join(&img))
                .unwrap_or_else(|e| panic!("docs/lessons/{img}: {e}; run scripts/screenshots"));
            assert!(png.starts_with(b"\x89PNG"), "{img}");
            assert!(png.len() < 250_000, "{img}: {} bytes", png.len());
        }
    }
}

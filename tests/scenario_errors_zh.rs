//! Scenario-file errors in both languages: every error the parser can give has a Chinese
//! text (with CJK characters, at the same file:line:column), the English one is what
//! `Display` shows, and `stickysim check --lang zh` prints the Chinese.

use std::path::Path;

use stickysim::params::table::{Kind, PARAMS};
use stickysim::scenario::{Lang, ScenarioError, parse_bytes_all, parse_setting_both};

const META: &str = "[meta]\ntitle = \"t\"\n";

/// Bad files, one or more faults each, that reach every message of the parser (the
/// broken files of `tests/broken/` and each parameter's bad values are added to these).
fn cases() -> Vec<(String, Vec<u8>)> {
    let step = |s: &str| format!("{META}[[client]]\n{s}\n");
    let mut v: Vec<String> = vec![
        // The document.
        String::new(),
        "   \n# only a comment\n".into(),
        "[[client]]\nclose = true\n".into(),
        META.into(),
        "meta = 3\n[[client]]\nclose = true\n".into(),
        format!("{META}params = \"x\"\n[[client]]\nclose = true\n"),
        "banana = 1\n[meta]\ntitle = \"t\"\n".into(),
        // Keys where they do not belong.
        format!("{META}[[client]]\nnagle = true\n"),
        format!("{META}[[client]]\nsummary = \"x\"\n"),
        "send = \"x\"\n[meta]\ntitle = \"t\"\n".into(),
        "mss = 3\n[meta]\ntitle = \"t\"\n".into(),
        "title = \"t\"\n[meta]\nsummary = \"s\"\n".into(),
        format!("{META}client = 3\n"),
        format!("{META}[params]\ntitle = \"x\"\n[[client]]\nclose = true\n"),
        format!("{META}lesso = \"x\"\n[[client]]\nclose = true\n"),
        format!("{META}[params]\nnagel = true\n[[client]]\nclose = true\n"),
        format!("{META}[params]\nzzzzzzzz = true\n[[client]]\nclose = true\n"),
        // TOML syntax.
        format!("{META}[[client]]\nsend = hello\n"),
        format!("{META}[[client]]\nsend = \"a\"\nsend = \"b\"\n"),
        format!("{META}[[client]\nsend = \"a\"\n"),
        format!("{META}[[client]]\nsend = [1, 2\n"),
        format!("{META}[[client]]\nsend == \"a\"\n"),
        format!("{META}[[client]]\nrecv = 012\n"),
        // [meta] and text.
        "[meta]\ntitle = \"\"\n[[client]]\nclose = true\n".into(),
        "[meta]\nsummary = \"s\"\n[[client]]\nclose = true\n".into(),
        "[meta]\ntitle = 3\n[[client]]\nclose = true\n".into(),
        "[meta]\ntitle = {}\n[[client]]\nclose = true\n".into(),
        "[meta]\ntitle = { en = 3 }\n[[client]]\nclose = true\n".into(),
        "[meta]\ntitle = { cn = \"中\" }\n[[client]]\nclose = true\n".into(),
        format!(
            "{META}lesson = \"{}\"\n[[client]]\nclose = true\n",
            "x".repeat(70_000)
        ),
        // Questions.
        step("recv = 5\nchoices = [\"a\", \"b\"]"),
        step("send = \"x\"\nquestion = \"what?\""),
        step("recv = 5\nquestion = \"q\"\nchoices = [\"a\", \"b\"]\ntyped = true"),
        step("recv = 5\nquestion = \"q\"\nchoices = 3"),
        step("recv = 5\nquestion = \"q\"\nchoices = [\"a\"]"),
        step("recv = 5\nquestion = \"q\"\nchoices = [\"a\", 1.5]"),
        step("recv = 5\nquestion = \"q\"\nchoices = [\"a\", \"a\"]"),
        step("recv = 5\nquestion = \"q\"\ntyped = \"true\""),
        // Programs and steps.
        format!("{META}[client]\nsend = \"x\"\n"),
        format!("{META}client = 3\n"),
        format!("{META}client = [1, 2]\n"),
        step("note = \"nothing\""),
        step("send = \"a\"\nrecv = 3"),
        step("send = \"a\"\nrecv = 3\nclose = true"),
        step("sned = \"a\""),
        step("close = false"),
        step("close = 1"),
        step("recv = 1.5"),
        step("recv = \"12\""),
        step("recv = 0"),
        step("recv = -4"),
        step("recv = 99999999999999999999999999999999999999999"),
        step("sleep_ms = \"2\""),
        step("sleep_ms = nan"),
        step("sleep_ms = -1"),
        step("settimeout = 61"),
        step("recv = 1\nrepeat = 0"),
        step("send = \"x\"\nrepeat = 100000\n[[client]]\nsend = \"y\"\nrepeat = 100000"),
        step("send = { size = 40000000 }\n[[client]]\nsend = { size = 40000000 }"),
        // Data.
        step("send = 3"),
        step("send = 2026-11-30"),
        step("send = \"\""),
        step("send = { size = 3, hex = \"00\" }"),
        step("send = { hex = \"00\", fill = \"x\" }"),
        step("send = {}"),
        step("send = { size = 3, fill = \"\" }"),
        step("send = { size = 3, fill = 3 }"),
        step("send = { size = 3, fil = \"x\" }"),
        step("send = { hex = 3 }"),
        step("send = { hex = \"0x41\" }"),
        step("send = { hex = \"zz\" }"),
        step("send = { hex = \"abc\" }"),
        // [params] across each other.
        format!(
            "{META}[params]\ntransport = \"udp\"\nframing = \"length-prefix\"\n[[client]]\nclose = true\n"
        ),
        format!("{META}[params]\nframing = 3\n[[client]]\nclose = true\n"),
        format!("{META}[params]\nframing = \"length_prefix\"\n[[client]]\nclose = true\n"),
        format!("{META}[params]\nframing = \"zzzzzzzzzz\"\n[[client]]\nclose = true\n"),
        format!("{META}[params]\nnagle = \"true\"\n[[client]]\nclose = true\n"),
        format!("{META}[params]\nbandwidth_mbps = 0.0005\n[[client]]\nclose = true\n"),
        format!("{META}[params]\nseed = -1\n[[client]]\nclose = true\n"),
        format!("{META}[params]\nlatency_ms = [1]\n[[client]]\nclose = true\n"),
    ];
    // Each parameter's bad values.
    for p in PARAMS {
        let bad: &[&str] = match p.kind {
            Kind::Choice(_) => &["\"bogus\"", "3"],
            Kind::Bool => &["\"yes\"", "1"],
            Kind::Uint { .. } => &["-1", "1.5", "\"7\"", "99999999999999999999"],
            Kind::Number { .. } => &["-1", "1e300", "inf", "\"2\""],
        };
        for b in bad {
            v.push(format!(
                "{META}[params]\n{} = {b}\n[[client]]\nclose = true\n",
                p.key
            ));
        }
    }
    let mut out: Vec<(String, Vec<u8>)> = v
        .into_iter()
        .enumerate()
        .map(|(i, t)| (format!("case{i}.toml"), t.into_bytes()))
        .collect();
    out.push((
        "utf8.toml".into(),
        b"[meta]\ntitle = \"caf\xe9\"\n".to_vec(),
    ));
    let broken = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/broken");
    let mut files: Vec<_> = std::fs::read_dir(&broken)
        .expect("tests/broken")
        .map(|e| e.expect("readable").path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    for f in files {
        let name = format!("tests/broken/{}", f.file_name().unwrap().to_string_lossy());
        out.push((name, std::fs::read(&f).expect("readable")));
    }
    out
}

fn has_cjk(s: &str) -> bool {
    s.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
}

fn all_errors() -> Vec<ScenarioError> {
    let mut all = Vec::new();
    for (name, bytes) in cases() {
        match parse_bytes_all(&bytes, &name) {
            Ok(_) => panic!(
                "{name} parsed without error:\n{}",
                String::from_utf8_lossy(&bytes)
            ),
            Err(errors) => all.extend(errors),
        }
    }
    all
}

#[test]
fn every_error_is_in_chinese_too() {
    let errors = all_errors();
    assert!(errors.len() > 150, "{} errors", errors.len());
    let mut bad = Vec::new();
    for e in &errors {
        let zh = e.text(Lang::Zh);
        let place = format!("{}:{}:{}: ", e.file, e.line, e.column);
        if e.zh.trim().is_empty() || !has_cjk(&e.zh) || !zh.starts_with(&place) {
            bad.push(format!("no Chinese: {e}\n  zh: {zh}"));
        }
        // The English is what Display shows and what `text(En)` gives.
        if e.text(Lang::En) != e.to_string() || e.message_in(Lang::En) != e.message {
            bad.push(format!("English differs: {e}"));
        }
        // Key names and values stay as they are: every `code` span of the English that
        // names a key is in the Chinese too.
        for code in e.message.split('`').skip(1).step_by(2) {
            let is_key = PARAMS.iter().any(|p| p.key == code)
                || ["send", "recv", "title", "hex", "size", "fill", "[[client]]"].contains(&code);
            if is_key && !e.zh.contains(&format!("`{code}`")) {
                bad.push(format!(
                    "`{code}` missing from the Chinese of {e}\n  zh: {}",
                    e.zh
                ));
            }
        }
    }
    assert!(bad.is_empty(), "\n{}", bad.join("\n"));
}

#[test]
fn the_messages_differ_per_fault() {
    // Each distinct English message has its own Chinese one: a message is never left
    // with a catch-all translation.
    let errors = all_errors();
    let mut by_zh: std::collections::HashMap<&str, &str> = Default::default();
    for e in &errors {
        if let Some(en) = by_zh.insert(&e.zh, &e.message) {
            assert_eq!(en, e.message, "one Chinese text for two messages: {}", e.zh);
        }
    }
}

#[test]
fn set_errors_are_in_chinese_too() {
    for kv in [
        "loss",
        "nagel=false",
        "loss=2",
        "framing=json_header",
        "mss=0",
        "seed=-1",
    ] {
        let e = parse_setting_both(kv).unwrap_err();
        assert!(has_cjk(&e.zh), "{kv}: {}", e.zh);
        assert_eq!(
            Some(e.en.clone()),
            stickysim::scenario::parse_setting(kv).err()
        );
    }
    let e = parse_setting_both("nagel=false").unwrap_err();
    assert!(e.zh.contains("`nagle`"), "{}", e.zh);
}

fn stickysim(args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_stickysim"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("the binary runs")
}

#[test]
fn check_prints_the_chinese_with_file_line_and_column() {
    let file = "tests/broken/04-mss-zero.toml";
    let out = stickysim(&["check", file, "--lang", "zh"]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains(&format!(
            "错误   {file}:6:7: `mss` 的取值范围是 1 到 65495 字节，但它是 0（不能为 0）\n"
        )),
        "{text}"
    );
    assert!(text.contains("已检查 1 个文件，1 个错误"), "{text}");
    // English stays as it was.
    let out = stickysim(&["check", file]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains(&format!(
            "error  {file}:6:7: `mss` must be from 1 to 65495 bytes, but it is 0 (it cannot be zero)\n"
        )),
        "{text}"
    );
}

#[test]
fn run_and_overrides_fail_in_chinese() {
    let zh = |args: &[&str]| {
        let out = stickysim(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        String::from_utf8(out.stderr).unwrap()
    };
    let e = zh(&["--lang", "zh", "run", "tests/broken/13-close-false.toml"]);
    assert!(
        e.starts_with(
            "stickysim: tests/broken/13-close-false.toml:8:9: `close = false` 什么也不做"
        ),
        "{e}"
    );
    let e = zh(&["--lang", "zh", "run", "04", "--set", "loss=2"]);
    assert!(
        e.starts_with("stickysim: --set loss=2：`loss` 的取值范围是 0 到 1，但它是 2"),
        "{e}"
    );
    let e = zh(&[
        "--lang",
        "zh",
        "sweep",
        "04",
        "--param",
        "recv_delay_ms=0..10:0",
    ]);
    assert!(
        e.starts_with("stickysim: --param `recv_delay_ms=0..10:0`：步长必须大于 0，不能是 0"),
        "{e}"
    );
    let e = zh(&["--lang", "zh", "sweep", "04", "--param", "mss=0,1"]);
    assert!(
        e.starts_with("stickysim: --param mss=0：`mss` 的取值范围是"),
        "{e}"
    );
    let e = zh(&["--lang", "zh", "check", "/dev/null"]);
    assert_eq!(
        e,
        "stickysim: /dev/null：不是普通文件（场景是一个 .toml 文件）\n"
    );
    let e = zh(&["check", "/dev/null"]);
    assert_eq!(
        e,
        "stickysim: /dev/null: not a regular file (a scenario is a .toml file)\n"
    );
    let e = zh(&["--lang", "zh", "run", "no-such-scenario"]);
    assert!(
        e.starts_with("stickysim: 没有场景 `no-such-scenario`"),
        "{e}"
    );
    // Without --lang, the English words.
    let e = zh(&["sweep", "04", "--param", "recv_delay_ms=0..10:0"]);
    assert!(
        e.starts_with(
            "stickysim: --param `recv_delay_ms=0..10:0`: the step must be above 0, not 0"
        ),
        "{e}"
    );
}

#[cfg(feature = "gui")]
mod common;

/// The app shows a bad file's errors, and a bad sweep's, in its language, and follows
/// the language toggle while the note is open.
#[cfg(feature = "gui")]
mod gui {
    use egui_kittest::kittest::Queryable;
    use stickysim::gui::Cmd;
    use stickysim::scenario::Lang;

    use super::common;

    #[test]
    fn a_bad_file_is_explained_in_the_apps_language() {
        let mut h = common::harness("");
        h.state_mut().apply(Cmd::Lang(Lang::Zh));
        let text = b"[meta]\ntitle = \"t\"\n[params]\nmss = 0\n[[client]]\nclose = true\n";
        h.state_mut().open_file("/home/t/mine.toml", text);
        h.run();
        h.get_by_label_contains("无法打开 mine.toml");
        h.get_by_label_contains(
            "错误   mine.toml:4:7: `mss` 的取值范围是 1 到 65495 字节，但它是 0（不能为 0）",
        );
        // `error` keeps the English, as `check` prints it.
        let (_, why) = h.state().link.error.clone().expect("errors shown");
        assert!(
            why.starts_with("error  mine.toml:4:7: `mss` must be from 1"),
            "{why}"
        );
        h.state_mut().apply(Cmd::Lang(Lang::En));
        h.run();
        h.get_by_label_contains("error  mine.toml:4:7: `mss` must be from 1 to 65495 bytes");
        assert!(
            h.query_by_label_contains("错误   mine.toml").is_none(),
            "the note follows the language"
        );
    }

    #[test]
    fn a_link_with_a_bad_file_is_explained_in_the_apps_language() {
        use stickysim::deeplink::{DeepLink, Source};
        let link = DeepLink {
            source: Some(Source::File {
                name: "mine".into(),
                text: "[meta]\ntitle = \"t\"\n[[client]]\nclose = false\n".into(),
            }),
            ..Default::default()
        };
        let mut h = common::harness("");
        h.state_mut().apply(Cmd::Lang(Lang::Zh));
        h.state_mut().open_link(&format!("#{}", link.to_fragment()));
        h.run();
        let app = h.state();
        let zh = app.link.error_in(Lang::Zh).expect("the link's errors");
        assert!(
            zh.starts_with(
                "链接中的场景文件有 1 个错误：\n错误   mine.toml:4:9: `close = false` 什么也不做"
            ),
            "{zh}"
        );
        let (_, en) = app.link.error.clone().unwrap();
        assert!(
            en.contains("error  mine.toml:4:9: `close = false` does nothing"),
            "{en}"
        );
        assert_eq!(app.link.error_in(Lang::En), Some(en.as_str()));
        h.get_by_label_contains("错误   mine.toml:4:9:");
    }

    #[test]
    fn a_bad_sweep_is_explained_in_the_apps_language() {
        let mut h = common::harness("04-two-small-sends");
        h.state_mut().apply(Cmd::Lang(Lang::Zh));
        let app = h.state_mut();
        let (s, p) = (app.scenario().clone(), app.playback.params.clone());
        app.sweep.form.step = "0".into();
        app.sweep.start(&s, &p);
        assert!(!app.sweep.running());
        assert_eq!(
            app.sweep.error_in(Lang::Zh),
            Some("--param `recv_delay_ms=0..50:0`：步长必须大于 0，不能是 0")
        );
        assert_eq!(
            app.sweep.error.as_deref(),
            Some("--param `recv_delay_ms=0..50:0`: the step must be above 0, not 0")
        );
        h.key_press(egui::Key::S);
        h.run();
        h.get_by_label("--param `recv_delay_ms=0..50:0`：步长必须大于 0，不能是 0");
    }
}

/// A server that cannot listen says why in the reader's language.
#[test]
fn a_port_in_use_is_said_in_chinese() {
    let busy = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = busy.local_addr().unwrap().port().to_string();
    let out = stickysim(&["--lang", "zh", "serve", "--port", &port]);
    assert_eq!(out.status.code(), Some(2));
    let e = String::from_utf8(out.stderr).unwrap();
    assert!(
        e.contains(&format!("127.0.0.1 上的端口 {port} 已被占用")),
        "{e}"
    );
    let out = stickysim(&["serve", "--port", &port]);
    let e = String::from_utf8(out.stderr).unwrap();
    assert!(
        e.contains(&format!("port {port} on 127.0.0.1 is already in use")),
        "{e}"
    );
}

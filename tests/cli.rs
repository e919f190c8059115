//! The `stickysim` binary as a user runs it: golden timelines, the JSON report, exit
//! codes, `check`, `list`, languages, and a closed pipe.
//!
//! Golden files: `tests/golden/*.txt` hold the exact text of `stickysim run …` for a few
//! scenarios. When a change to the output is intended, regenerate them with
//!
//!     UPDATE_GOLDEN=1 cargo test --test cli
//!
//! and review the diff (`git diff tests/golden`) before committing it.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use stickysim::scenario::{self, Lang};

fn manifest_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Runs the built binary from the crate's folder (so `scenarios/` and `tests/broken/`
/// resolve), with no stdin.
fn stickysim(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_stickysim"))
        .args(args)
        .current_dir(manifest_dir())
        .stdin(Stdio::null())
        .output()
        .expect("the stickysim binary runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).expect("stdout is UTF-8")
}

fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).expect("stderr is UTF-8")
}

fn code(o: &Output) -> i32 {
    o.status.code().expect("exited, not killed")
}

/// Runs `args` and compares stdout with `tests/golden/<name>.txt`, or rewrites that file
/// when `UPDATE_GOLDEN=1`.
fn golden(name: &str, args: &[&str]) {
    let out = stickysim(args);
    assert_eq!(code(&out), 0, "stickysim {args:?}: {}", stderr(&out));
    let got = stdout(&out);
    let path: PathBuf = manifest_dir()
        .join("tests/golden")
        .join(format!("{name}.txt"));
    if std::env::var_os("UPDATE_GOLDEN").is_some_and(|v| v == "1") {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &got).unwrap();
        return;
    }
    let want = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e}; create it with UPDATE_GOLDEN=1", path.display()))
        .replace("\r\n", "\n");
    if got == want {
        return;
    }
    let (g, w): (Vec<&str>, Vec<&str>) = (got.lines().collect(), want.lines().collect());
    let at = g
        .iter()
        .zip(&w)
        .position(|(a, b)| a != b)
        .unwrap_or(g.len().min(w.len()));
    panic!(
        "stickysim {} differs from {} at line {}:\n  want: {}\n  got:  {}\n({} lines vs {} expected; \
         if the change is intended, rerun with UPDATE_GOLDEN=1 and review the diff)",
        args.join(" "),
        path.display(),
        at + 1,
        w.get(at).unwrap_or(&"<end of file>"),
        g.get(at).unwrap_or(&"<end of output>"),
        g.len(),
        w.len()
    );
}

// ---- golden timelines -----------------------------------------------------------------

#[test]
fn golden_04_raw_sticky_read() {
    golden("run-04", &["run", "04"]);
}

#[test]
fn golden_04_length_prefix() {
    golden(
        "run-04-length-prefix",
        &["run", "04", "--framing", "length-prefix"],
    );
}

#[test]
fn golden_08_header_split_crash() {
    golden("run-08", &["run", "08"]);
}

/// 14: recv(header_size) returns 84 of the 86 header bytes; json.loads fails.
#[test]
fn golden_14_json_header_cut() {
    golden("run-14", &["run", "14"]);
}

/// 15: a GBK and a UTF-8 character cut between two recvs (shown as escaped bytes).
#[test]
fn golden_15_multibyte_split() {
    golden("run-15", &["run", "15"]);
}

/// 18: lines glued in one recv split right; a body holding '\n' and a recv(16) inside a
/// line break the naive programs.
#[test]
fn golden_18_line_delimiter() {
    golden("run-18", &["run", "18"]);
}

/// 18 with readline and the escape: every line whole.
#[test]
fn golden_18_readline_escaped() {
    golden(
        "run-18-escape",
        &["run", "18", "--decoder", "correct", "--set", "escape=true"],
    );
}

/// 19: 128-byte records: padding, a cut reply, a short read taken as a record.
#[test]
fn golden_19_fixed_records() {
    golden("run-19", &["run", "19"]);
}

#[test]
fn golden_12_combined_writes() {
    golden(
        "run-12-combined",
        &["run", "12", "--header-writes", "combined"],
    );
}

#[test]
fn golden_09_udp_truncation() {
    golden("run-09", &["run", "09"]);
}

#[test]
fn golden_07_upload_json_header() {
    golden("run-07", &["run", "07"]);
}

#[test]
fn golden_01_in_chinese() {
    golden("run-01-zh", &["run", "01", "--lang", "zh"]);
}

#[test]
fn golden_04_in_chinese() {
    golden("run-04-zh", &["run", "04", "--lang", "zh"]);
}

/// English words of the CLI's own headings, labels and metric names: none may be left in
/// a `--lang zh` report (event lines, parameter values and the notes a real run's kernel
/// side writes are not among them).
const ENGLISH_WORDS: &[&str] = &[
    "verdict",
    "what each recv",
    "what recv_message",
    "handed to the program",
    "metric ",
    " total ",
    "client→server",
    "server→client",
    "sticky:",
    "truncated:",
    " but ",
    " was ",
    "message(s)",
    "note:",
    "blocked forever",
    " raised ",
    "(action",
    "framing ",
    "decoder",
    "delayed ACK",
    "seed ",
    "simulated",
    "real loopback",
    "messages_sent",
    "messages_intact",
    "messages_corrupted",
    "messages_missing",
    "recv_calls",
    "sticky_reads",
    "split_messages",
    "bytes_sent",
    "bytes_delivered",
    "bytes_lost",
    "nagle_holds",
    "max_hold_ms",
    "duration_ms",
];

/// The lines that are the report's own: not the timeline's event lines (`   5.004 ms
/// 服务端  seg rx …`, whose events stay tcpdump-like) and the scenario's notes.
fn report_lines(text: &str) -> Vec<&str> {
    let event = |l: &str| {
        let (time, rest) = l.split_at(l.char_indices().nth(12).map_or(l.len(), |(i, _)| i));
        time.ends_with(" ms") && (rest.starts_with("  客户端  ") || rest.starts_with("  服务端  "))
    };
    text.lines()
        .filter(|l| !event(l) && !l.trim_start().starts_with('┆'))
        .collect()
}

#[test]
fn chinese_reports_of_every_builtin_have_no_english_headings() {
    let list = stdout(&stickysim(&["list"]));
    let names: Vec<&str> = list.lines().filter_map(|l| l.split(' ').next()).collect();
    assert_eq!(names.len(), 19, "{list}");
    for name in names {
        let out = stickysim(&["--lang", "zh", "run", name]);
        assert_eq!(code(&out), 0, "{name}: {}", stderr(&out));
        let text = stdout(&out);
        let own = report_lines(&text);
        assert!(
            own.iter().any(|l| l.starts_with("结论：")),
            "{name}:\n{text}"
        );
        assert!(own.iter().any(|l| l.starts_with("指标")), "{name}:\n{text}");
        assert!(
            !text.contains(" ms  client  ") && !text.contains(" ms  server  "),
            "{name}: an English side column:\n{text}"
        );
        // The timeline's events are told in Chinese too (numbers stay tcpdump-like).
        for phrase in [
            "seg tx ",
            "seg rx ",
            "ack tx ",
            "program ends",
            "woke up",
            "Nagle hold",
            "delivered",
            "the peer closed",
            "send buffer +=",
        ] {
            assert!(
                !text.contains(phrase),
                "{name}: `{phrase}` in 中文:\n{text}"
            );
        }
        for l in own {
            for w in ENGLISH_WORDS {
                assert!(!l.contains(w), "{name}: `{w}` in a 中文 line: {l}");
            }
        }
        // The English report of the same run does have them: the list can fail.
        let en = stdout(&stickysim(&["run", name]));
        assert!(en.contains("verdict: ") && en.contains("messages_intact"));
    }
}

#[test]
fn chinese_both_report_has_no_english_headings() {
    use stickysim::cli;
    let s = cli::resolve("04").unwrap();
    let sim = cli::run_sim(&s, &s.params).unwrap();
    let text = cli::render_both(&sim, &sim, Lang::Zh);
    assert!(
        text.contains("== 真实回环 ==") && text.contains("结论（模拟）："),
        "{text}"
    );
    for l in text.lines().skip(1) {
        for w in ENGLISH_WORDS {
            assert!(!l.contains(w), "`{w}` in a 中文 line: {l}");
        }
    }
    let en = cli::render_both(&sim, &sim, Lang::En);
    assert!(en.contains("verdict (real loopback): ") && en.contains("messages_intact"));
}

#[test]
fn check_speaks_chinese() {
    let out = stickysim(&["--lang", "zh", "check"]);
    assert_eq!(code(&out), 0);
    let text = stdout(&out);
    assert!(text.contains("已检查 19 个内置场景，0 个错误"), "{text}");
    assert_eq!(text.lines().filter(|l| l.starts_with("通过 ")).count(), 19);
    let (en, errors) = stickysim::cli::check_builtin();
    assert_eq!(errors, 0);
    assert!(
        en.contains("19 built-in scenario(s) checked, 0 error(s)"),
        "{en}"
    );
}

// ---- golden timelines of the Windows stack (docs/design.md "Windows stack", exactly) --

#[test]
fn golden_04_windows_nagle_glues() {
    golden("run-04-windows", &["run", "04", "--stack", "windows"]);
}

#[test]
fn golden_12_windows_stall_every_round() {
    golden("run-12-windows", &["run", "12", "--stack", "windows"]);
}

#[test]
fn golden_03_windows_big_reply() {
    golden("run-03-windows", &["run", "03", "--stack", "windows"]);
}

#[test]
fn golden_11_windows_short_send() {
    golden("run-11-windows", &["run", "11", "--stack", "windows"]);
}

// ---- the timeline's content ----------------------------------------------------------

/// The narration of each step is printed under the call that starts it, in the chosen
/// language; inner calls of the same step do not repeat it.
#[test]
fn run_prints_the_notes_of_the_steps() {
    let s = scenario::find_builtin("04").unwrap();
    for (lang, flag) in [(Lang::En, "en"), (Lang::Zh, "zh")] {
        let text = stdout(&stickysim(&["run", "04", "--lang", flag]));
        let notes: Vec<&str> = s
            .client
            .iter()
            .chain(s.server.iter())
            .filter_map(|st| st.note.as_ref())
            .map(|n| n.get(lang))
            .collect();
        assert!(!notes.is_empty());
        // Wrapping breaks lines at spaces or between CJK characters: compare without them.
        let squash = |s: &str| s.chars().filter(|c| !c.is_whitespace()).collect::<String>();
        let shown: String = text
            .lines()
            .filter_map(|l| l.trim_start().strip_prefix("┆ "))
            .map(squash)
            .collect();
        for note in notes {
            assert!(
                shown.contains(&squash(note)),
                "{flag}: note not shown: {note}"
            );
        }
    }
    let text = stdout(&stickysim(&["run", "04"]));
    let lines: Vec<&str> = text.lines().collect();
    let i = lines
        .iter()
        .position(|l| l.ends_with("server  sleep(20 ms)"))
        .unwrap();
    assert!(
        lines[i + 1]
            .trim_start()
            .starts_with("┆ The server is 20 ms late"),
        "{}",
        lines[i + 1]
    );
    // recv_message starts a step; its inner recv(1024) does not repeat the note.
    let i = lines
        .iter()
        .position(|l| l.ends_with("server  recv_message(1024)"))
        .unwrap();
    assert!(lines[i + 1].contains("┆ recv(1024) returns everything buffered"));
    assert!(!lines[i + 3].contains('┆'), "{}", lines[i + 3]);
}

/// A JSON header is shown as its text, the 4-byte length as hex.
#[test]
fn json_header_bytes_are_readable() {
    let text = stdout(&stickysim(&["run", "06"]));
    assert!(text.contains("[‹53 00 00 00›‹{\"md5\": \""), "{text}");
    assert!(text.contains("(md5 verified)"));
}

#[test]
fn lines_stay_narrow() {
    for args in [["run", "04"], ["run", "13"]] {
        let text = stdout(&stickysim(&args));
        for l in text.lines() {
            assert!(
                l.chars().count() <= 130,
                "{args:?}: {} columns: {l}",
                l.chars().count()
            );
        }
    }
}

// ---- --json -----------------------------------------------------------------------------

/// DESIGN.md's metric names, in its order.
const METRICS: [&str; 15] = [
    "messages_sent",
    "messages_intact",
    "messages_corrupted",
    "messages_missing",
    "recv_calls",
    "sticky_reads",
    "split_messages",
    "bytes_sent",
    "bytes_delivered",
    "bytes_lost",
    "segments",
    "acks",
    "nagle_holds",
    "max_hold_ms",
    "duration_ms",
];

#[test]
fn json_report_has_the_issue_shape() {
    for args in [
        &["run", "04", "--json"][..],
        &["run", "12", "--framing", "json-header", "--json"],
        &["run", "09", "--json"],
    ] {
        let out = stickysim(args);
        assert_eq!(code(&out), 0, "{args:?}: {}", stderr(&out));
        let v: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("one JSON object");
        let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(
            keys,
            [
                "scenario",
                "mode",
                "framing",
                "seed",
                "params",
                "summary",
                "directions",
                "events"
            ]
        );
        assert_eq!(v["mode"], "sim");
        assert_eq!(v["seed"], 1);
        assert!(v["params"]["mss"].is_u64());
        let directions: Vec<&str> = v["directions"]
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(directions, ["client_to_server", "server_to_client"]);
        for m in [
            &v["summary"],
            &v["directions"]["client_to_server"],
            &v["directions"]["server_to_client"],
        ] {
            let names: Vec<&str> = m.as_object().unwrap().keys().map(String::as_str).collect();
            assert_eq!(names, METRICS, "{args:?}");
            assert!(
                m.as_object()
                    .unwrap()
                    .values()
                    .all(serde_json::Value::is_number)
            );
        }
        // The summary adds the directions up (max for the two maxima).
        for name in METRICS {
            let (s, a, b) = (
                v["summary"][name].as_f64().unwrap(),
                v["directions"]["client_to_server"][name].as_f64().unwrap(),
                v["directions"]["server_to_client"][name].as_f64().unwrap(),
            );
            let want = if name.starts_with("max_") || name == "duration_ms" {
                a.max(b)
            } else {
                a + b
            };
            assert_eq!(s, want, "{args:?} {name}");
        }
        let events = v["events"].as_array().unwrap();
        assert!(!events.is_empty());
        for e in events {
            assert!(
                e["t_us"].is_u64() && e["side"].is_string() && e["kind"].is_string(),
                "{e}"
            );
        }
    }
    let v: serde_json::Value =
        serde_json::from_str(&stdout(&stickysim(&["run", "04", "--json"]))).unwrap();
    assert_eq!(v["scenario"], "04-two-small-sends");
    assert_eq!(v["framing"], "raw");
    assert_eq!(v["summary"]["sticky_reads"], 1);
    let v: serde_json::Value = serde_json::from_str(&stdout(&stickysim(&[
        "run",
        "04",
        "--framing",
        "json-header",
        "--seed",
        "9",
        "--json",
    ])))
    .unwrap();
    assert_eq!(
        (v["framing"].as_str(), v["seed"].as_u64()),
        (Some("json-header"), Some(9))
    );
}

// ---- exit codes -------------------------------------------------------------------------

/// A run that completes exits 0, whatever it shows (a crash of the simulated program,
/// lost data, a program blocked forever).
#[test]
fn completed_runs_exit_0() {
    for args in [
        &["run", "04"][..],
        &["run", "08"],
        &["run", "07"],
        &["run", "10", "--set", "loss=0.3"],
        &["run", "scenarios/04-two-small-sends.toml"],
        &["run", "two-small-sends"],
        &["run", "4"],
    ] {
        let out = stickysim(args);
        assert_eq!(code(&out), 0, "{args:?}: {}", stderr(&out));
        assert!(stderr(&out).is_empty(), "{args:?}: {}", stderr(&out));
    }
    // Blocked programs are named after the verdict.
    let text = stdout(&stickysim(&["run", "10", "--set", "loss=0.3"]));
    let verdict = text
        .lines()
        .position(|l| l.starts_with("verdict: "))
        .unwrap();
    assert!(
        text.lines()
            .skip(verdict + 1)
            .any(|l| l.starts_with("note: ") && l.contains("blocked forever")),
        "{text}"
    );
    // A path and the number give the same run.
    assert_eq!(
        stdout(&stickysim(&["run", "scenarios/04-two-small-sends.toml"])),
        stdout(&stickysim(&["run", "04"]))
    );
}

#[test]
fn bad_input_exits_2_with_a_message() {
    let cases: [(&[&str], &str); 6] = [
        (&["run", "nosuch"], "no scenario `nosuch`"),
        (&["run", "99"], "no scenario `99`"),
        (
            &["run", "04", "--mss", "0"],
            "--mss 0: `mss` must be from 1 to 65495 bytes, but it is 0",
        ),
        (
            &["run", "04", "--framing", "bogus"],
            "invalid value 'bogus'",
        ),
        (&["run", "09", "--framing", "length-prefix"], "UDP"),
        (&["run", "04", "--set", "loss=2"], "loss"),
    ];
    for (args, message) in cases {
        let out = stickysim(args);
        assert_eq!(code(&out), 2, "{args:?}");
        assert!(stderr(&out).contains(message), "{args:?}: {}", stderr(&out));
        assert!(stdout(&out).is_empty(), "{args:?}: nothing on stdout");
        assert!(!stderr(&out).contains("panicked"), "{args:?}");
    }
}

// ---- check ------------------------------------------------------------------------------

#[test]
fn check_scenarios_passes() {
    for args in [&["check", "scenarios"][..], &["check"]] {
        let out = stickysim(args);
        assert_eq!(code(&out), 0, "{args:?}: {}", stdout(&out));
        let text = stdout(&out);
        assert!(
            text.contains("19 ") && text.contains(" 0 error(s)"),
            "{text}"
        );
        assert_eq!(
            text.lines().filter(|l| l.starts_with("ok ")).count(),
            19,
            "{text}"
        );
    }
}

/// `check tests/broken` fails, and names every file with line:column.
#[test]
fn check_broken_files_exits_1_with_every_location() {
    let out = stickysim(&["check", "tests/broken"]);
    assert_eq!(code(&out), 1);
    let text = stdout(&out);
    let mut files: Vec<String> = std::fs::read_dir(manifest_dir().join("tests/broken"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|f| f.ends_with(".toml"))
        .collect();
    files.sort();
    assert!(files.len() >= 15);
    for f in &files {
        let line = text
            .lines()
            .find(|l| l.contains(&format!("/{f}:")))
            .unwrap_or_else(|| panic!("{f} not reported:\n{text}"));
        // error  tests/broken/04-mss-zero.toml:6:7: `mss` must be …
        let rest = line.split(&format!("{f}:")).nth(1).unwrap();
        let mut parts = rest.splitn(3, ':');
        let (l, c) = (parts.next().unwrap(), parts.next().unwrap());
        assert!(
            l.parse::<u32>().unwrap() >= 1 && c.parse::<u32>().unwrap() >= 1,
            "{line}"
        );
        assert!(line.starts_with("error  tests/broken/"), "{line}");
        assert!(parts.next().unwrap().trim().len() > 10, "{line}: a message");
    }
    assert!(
        text.contains(&format!("{} file(s) checked", files.len())),
        "{text}"
    );
}

/// Several faults in one file: all of them are printed, each at its place.
#[test]
fn check_prints_every_error_of_a_file() {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("cli-check");
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("many.toml");
    std::fs::write(
        &file,
        "[meta]\ntitle = \"t\"\n[params]\nmss = 0\nloss = 2\nnagel = true\n\
         [[client]]\nsned = \"x\"\n[[server]]\nrecv = 0\n[[server]]\nsleep_ms = 1\nclose = true\n",
    )
    .unwrap();
    let path = file.display().to_string();
    let out = stickysim(&["check", &path]);
    assert_eq!(code(&out), 1);
    let text = stdout(&out);
    for at in ["4:7", "5:8", "6:1", "8:1", "10:8", "13:1"] {
        assert!(
            text.contains(&format!("{path}:{at}: ")),
            "{at} missing:\n{text}"
        );
    }
    assert!(text.contains("6 error(s)"), "{text}");
    // A file that does not exist is bad input, not a failed check.
    let out = stickysim(&["check", "no/such/folder"]);
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).contains("no/such/folder"));
}

// ---- list and languages -----------------------------------------------------------------

#[test]
fn list_shows_19_scenarios_in_both_languages() {
    let all = scenario::builtin();
    assert_eq!(all.len(), 19);
    for (args, lang) in [
        (&["list"][..], Lang::En),
        (&["list", "--lang", "zh"], Lang::Zh),
        (&["--lang", "zh", "list"], Lang::Zh),
    ] {
        let out = stickysim(args);
        assert_eq!(code(&out), 0);
        let text = stdout(&out);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 19, "{text}");
        for (line, s) in lines.iter().zip(&all) {
            assert!(line.starts_with(&s.name), "{line}");
            assert!(line.ends_with(s.title.get(lang)), "{args:?}: {line}");
        }
    }
    let zh = stdout(&stickysim(&["list", "--lang", "zh"]));
    assert!(zh.contains("两次 send，一次 recv 收到"), "{zh}");
    let run = stdout(&stickysim(&["run", "04", "--lang", "zh"]));
    assert!(run.lines().next().unwrap().contains("两次 send"), "{run}");
}

/// Without the GUI built in, bare `stickysim` lists the scenarios and says how to run
/// one. (With the `gui` feature it opens the window, so it is not run here.)
#[cfg(not(feature = "gui"))]
#[test]
fn bare_command_lists_scenarios_without_gui() {
    let out = stickysim(&[]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("04-two-small-sends"), "{text}");
    assert!(text.contains("stickysim run 04"), "{text}");
}

// ---- a closed pipe ----------------------------------------------------------------------

/// `stickysim run 04 | head` must not panic when `head` has gone: the reading end of
/// stdout is closed before the program even starts, so its first write fails.
#[test]
fn closed_stdout_exits_quietly() {
    for args in [
        &["run", "04"][..],
        &["run", "04", "--json"],
        &["list"],
        &["check", "scenarios"],
    ] {
        let (reader, writer) = std::io::pipe().unwrap();
        drop(reader);
        let child = Command::new(env!("CARGO_BIN_EXE_stickysim"))
            .args(args)
            .current_dir(manifest_dir())
            .stdin(Stdio::null())
            .stdout(writer)
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let out = child.wait_with_output().unwrap();
        assert_eq!(code(&out), 0, "{args:?}: {}", stderr(&out));
        assert!(stderr(&out).is_empty(), "{args:?}: {}", stderr(&out));
    }
}

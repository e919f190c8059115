//! Scenario files: every broken file in `tests/broken/` gives its own error at the right
//! place; valid files parse to what they say; no input makes the parser panic.

use std::path::{Path, PathBuf};

use proptest::prelude::*;
use stickysim::cli::Overrides;
use stickysim::params::table::{self, Kind, PARAMS};
use stickysim::params::{Framing, Link, Params, Stack, Transport};
use stickysim::scenario::{self, Scenario};
use stickysim::scenario::{Action, Text, parse, parse_all, parse_bytes, parse_bytes_all};

/// (file, line, column, a fragment of the message). Column 0 = not checked.
const BROKEN: &[(&str, u32, u32, &str)] = &[
    (
        "01-unknown-key.toml",
        9,
        1,
        "unknown key `recv_mesage` in a [[server]] step (did you mean `recv_message`?)",
    ),
    (
        "02-two-actions.toml",
        10,
        1,
        "has two actions (`sleep_ms` and `recv`)",
    ),
    (
        "03-no-action.toml",
        8,
        1,
        "this [[client]] step has no action",
    ),
    (
        "04-mss-zero.toml",
        6,
        7,
        "`mss` must be from 1 to 65495 bytes, but it is 0 (it cannot be zero)",
    ),
    (
        "05-huge-recv.toml",
        11,
        16,
        "`recv_message` must be from 1 to 67108864 bytes (64 MiB), but it is 100000000",
    ),
    (
        "06-million-repeat.toml",
        9,
        10,
        "`repeat` must be from 1 to 100000 times, but it is 1000000",
    ),
    ("07-bad-utf8.toml", 5, 12, "not valid UTF-8: byte 0xE9"),
    ("08-bad-hex.toml", 5, 30, "`z` is not a hex digit"),
    (
        "09-unknown-framing.toml",
        5,
        11,
        "unknown framing `length_prefix`: choose one of raw, length-prefix, json-header, line, fixed (did you mean `length-prefix`?)",
    ),
    (
        "10-negative-size.toml",
        5,
        20,
        "`size` must be from 1 to 67108864 bytes (64 MiB), but it is -3000 (it cannot be negative)",
    ),
    (
        "11-syntax-error.toml",
        5,
        8,
        "TOML syntax error: string values must be quoted",
    ),
    ("12-missing-title.toml", 2, 1, "[meta] has no `title`"),
    ("13-close-false.toml", 8, 9, "`close = false` does nothing"),
    (
        "14-loss-range.toml",
        6,
        8,
        "`loss` must be from 0 to 1, but it is 5",
    ),
    (
        "15-wrong-type.toml",
        8,
        16,
        "`recv_message` must be a whole number, from 1 to 67108864 bytes (64 MiB), but here it is the text \"1024\" (write numbers without quotes)",
    ),
    (
        "16-zero-size-data.toml",
        5,
        25,
        "`size` must be from 1 to 67108864 bytes (64 MiB), but it is 0 (it cannot be zero)",
    ),
    (
        "17-unknown-key-in-data.toml",
        5,
        23,
        "unknown key `fil` in the data of `send` (did you mean `fill`?)",
    ),
    (
        "18-negative-sleep.toml",
        5,
        12,
        "`sleep_ms` must be from 0 to 60000 ms, but it is -20 (it cannot be negative)",
    ),
    (
        "19-param-in-step.toml",
        6,
        1,
        "`nagle` does not belong in a [[client]] step: it is a setting for the [params] table",
    ),
    ("20-nothing-to-do.toml", 1, 1, "the scenario has no actions"),
    (
        "21-inf-latency.toml",
        5,
        14,
        "`latency_ms` must be an ordinary number, from 0 to 60000 ms, not nan or infinity",
    ),
    (
        "22-single-bracket.toml",
        4,
        1,
        "write `[[client]]` with two brackets",
    ),
    (
        "23-repeat-zero.toml",
        6,
        10,
        "`repeat` must be from 1 to 100000 times, but it is 0 (it cannot be zero)",
    ),
    (
        "24-send-buffer-huge.toml",
        5,
        15,
        "`send_buffer` must be from 1 to 67108864 bytes (64 MiB), but it is 1073741824",
    ),
    ("25-duplicate-key.toml", 6, 1, "`send` is given twice"),
    (
        "26-bad-language.toml",
        2,
        0,
        "unknown key `cn` in the text of `title` (did you mean `zh`?)",
    ),
    ("27-no-meta.toml", 1, 1, "the file has no [meta] table"),
    (
        "28-sleep-too-long.toml",
        5,
        12,
        "`sleep_ms` must be from 0 to 60000 ms, but it is 600000",
    ),
    (
        "29-bandwidth-negative.toml",
        5,
        18,
        "`bandwidth_mbps` must be from 0 to 1000000 Mbit/s, but it is -100 (it cannot be negative)",
    ),
    (
        "30-data-too-big.toml",
        8,
        11,
        "the client program would send 80000000 bytes of data in all",
    ),
    (
        "31-unknown-link.toml",
        6,
        8,
        "unknown link `localhost`: choose one of lan, loopback",
    ),
];

fn broken_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/broken")
}

#[test]
fn every_broken_file_gives_its_error() {
    let mut failures = Vec::new();
    for &(name, line, column, fragment) in BROKEN {
        let path = broken_dir().join(name);
        let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let shown = format!("tests/broken/{name}");
        let errors = match parse_bytes_all(&bytes, &shown) {
            Ok(_) => {
                failures.push(format!("{name}: parsed without error"));
                continue;
            }
            Err(errors) => errors,
        };
        let e = &errors[0];
        if errors.len() != 1 {
            failures.push(format!(
                "{name}: expected one error (one fault per file), got {errors:#?}"
            ));
        }
        if e.line != line || (column != 0 && e.column != column) {
            failures.push(format!("{name}: expected {line}:{column}, got {e}"));
        }
        if !e.message.contains(fragment) {
            failures.push(format!(
                "{name}: expected a message with {fragment:?}, got {e}"
            ));
        }
        if e.file != shown
            || !e
                .to_string()
                .starts_with(&format!("{shown}:{}:{}: ", e.line, e.column))
        {
            failures.push(format!("{name}: bad Display {e}"));
        }
        // `parse_bytes` gives the same first error.
        assert_eq!(parse_bytes(&bytes, &shown).unwrap_err(), *e);
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

#[test]
fn every_broken_file_is_listed() {
    let mut on_disk: Vec<String> = std::fs::read_dir(broken_dir())
        .expect("tests/broken exists")
        .map(|e| {
            e.expect("readable")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .filter(|n| n.ends_with(".toml"))
        .collect();
    on_disk.sort();
    let listed: Vec<String> = BROKEN.iter().map(|b| b.0.to_string()).collect();
    assert_eq!(on_disk, listed);
    assert!(listed.len() >= 18);
}

#[test]
fn several_faults_are_all_reported() {
    let text = "[meta]\ntitle = \"t\"\n[params]\nmss = 0\nloss = 2\nnagel = true\n\
                [[client]]\nsned = \"x\"\n[[server]]\nrecv = 0\n[[server]]\nsleep_ms = 1\nclose = true\n";
    let errors = parse_all(text, "many.toml").unwrap_err();
    let at: Vec<(u32, u32)> = errors.iter().map(|e| (e.line, e.column)).collect();
    assert_eq!(
        at,
        vec![(4, 7), (5, 8), (6, 1), (8, 1), (10, 8), (13, 1)],
        "{errors:#?}"
    );
    assert!(errors[2].message.contains("did you mean `nagle`?"));
    assert_eq!(parse(text, "many.toml").unwrap_err(), errors[0]);
}

// ---------------------------------------------------------------------------------------
// Valid files.

const TWO_SMALL_SENDS: &str = r#"# 04: two small sends come out of one recv()
[meta]
title = { en = "Two small sends, one recv", zh = "两次 send，一次 recv 收到" }
summary = "Nagle and a late reader glue them."

[params]
framing = "raw"
latency_ms = 5

[[client]]
send_message = "hello"
note = { en = "Nothing is in flight, so this goes out at once.", zh = "没有在途数据，立即发出。" }

[[client]]
send_message = "world"

[[client]]
close = true

[[server]]
sleep_ms = 20
[[server]]
recv_message = 1024
repeat = 2
"#;

#[test]
fn the_two_small_sends_case() {
    let s = parse(TWO_SMALL_SENDS, "scenarios/04-two-small-sends.toml").expect("valid");
    assert_eq!(s.name, "04-two-small-sends");
    assert_eq!(
        s.title.get(stickysim::scenario::Lang::Zh),
        "两次 send，一次 recv 收到"
    );
    assert_eq!(
        s.summary,
        Some(Text::plain("Nagle and a late reader glue them."))
    );
    assert_eq!(s.params, Params::default());
    let client: Vec<(Action, u32)> = s
        .client
        .iter()
        .map(|st| (st.action.clone(), st.line))
        .collect();
    assert_eq!(
        client,
        vec![
            (Action::SendMessage(b"hello".to_vec().into()), 10),
            (Action::SendMessage(b"world".to_vec().into()), 14),
            (Action::Close, 17),
        ]
    );
    assert_eq!(
        s.client[0].note.as_ref().map(|n| n.zh.as_str()),
        Some("没有在途数据，立即发出。")
    );
    let server: Vec<(Action, u32)> = s
        .server
        .iter()
        .map(|st| (st.action.clone(), st.line))
        .collect();
    assert_eq!(
        server,
        vec![
            (Action::Sleep(20.0), 20),
            (Action::RecvMessage(1024), 22),
            (Action::RecvMessage(1024), 22)
        ]
    );
}

#[test]
fn data_forms_and_params() {
    let text = "[meta]\ntitle = { en = \"only en\" }\n[params]\ntransport = \"udp\"\n\
                mss = 4\nloss = 0\nbandwidth_mbps = 10.5\n\
                [[client]]\nsendall = { size = 5, fill = \"ab\" }\n[[client]]\nsend = { hex = \"00 ff 7F\" }\n\
                [[client]]\nsend = \"中\"\n[[client]]\nsend = { size = 2 }\n";
    let s = parse(text, "d.toml").expect("valid");
    assert_eq!(s.title, Text::plain("only en"));
    assert_eq!(s.params.transport, Transport::Udp);
    assert_eq!(
        (s.params.mss, s.params.loss, s.params.bandwidth_mbps),
        (4, 0.0, 10.5)
    );
    assert_eq!(s.params.latency_ms, Params::default().latency_ms);
    let actions: Vec<Action> = s.client.iter().map(|st| st.action.clone()).collect();
    assert_eq!(
        actions,
        vec![
            Action::Sendall(b"ababa".to_vec().into()),
            Action::Send(vec![0x00, 0xff, 0x7f].into()),
            Action::Send("中".as_bytes().to_vec().into()),
            Action::Send(b"xx".to_vec().into()),
        ]
    );
}

/// The complete example in docs/scenario-format.md is a valid file.
#[test]
fn the_documented_example_parses() {
    let doc = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/scenario-format.md"),
    )
    .expect("docs/scenario-format.md");
    let start = doc.find("```toml\n").expect("a toml block") + "```toml\n".len();
    let end = start + doc[start..].find("```").expect("end of the block");
    let s = parse(&doc[start..end], "04-two-small-sends.toml").unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(s.title.zh, "两次 send，一次 recv 收到");
    let client: Vec<Action> = s.client.iter().map(|st| st.action.clone()).collect();
    assert_eq!(
        client,
        vec![
            Action::SendMessage(b"hello".to_vec().into()),
            Action::SendMessage(b"world".to_vec().into()),
            Action::Close
        ]
    );
    let server: Vec<Action> = s.server.iter().map(|st| st.action.clone()).collect();
    assert_eq!(
        server,
        vec![
            Action::Sleep(20.0),
            Action::RecvMessage(1024),
            Action::RecvMessage(1024)
        ]
    );
    assert!(s.server[..2].iter().all(|st| st.note.is_some()));
}

// ---------------------------------------------------------------------------------------
// No panics, whatever the input.

// ---- parameters: the table drives files, `--set` and the flags alike --------------------

/// A file with one `[params]` line; its first error's message, or its parameters.
fn param_in_file(key: &str, text: &str) -> Result<Params, String> {
    let file =
        format!("[meta]\ntitle = \"t\"\n[params]\n{key} = {text}\n[[client]]\nclose = true\n");
    parse(&file, "t.toml")
        .map(|s| s.params)
        .map_err(|e| e.message)
}

/// `--set key=text`; its message without the `--set key=text: ` in front.
fn param_in_set(key: &str, text: &str) -> Result<Params, String> {
    let ov = Overrides {
        set: vec![format!("{key}={text}")],
        ..Default::default()
    };
    let s = scenario::find_builtin("04").unwrap();
    ov.resolve(&s).map_err(|e| {
        let m = e.to_string();
        let prefix = format!("--set {key}={text}: ");
        assert!(m.starts_with(&prefix), "{m}");
        m[prefix.len()..].to_string()
    })
}

/// Texts to try for a row: (accepted?, text).
fn trials(p: &table::Param) -> Vec<(bool, String)> {
    match p.kind {
        Kind::Choice(names) => {
            let mut t: Vec<(bool, String)> =
                names.iter().map(|n| (true, format!("\"{n}\""))).collect();
            t.push((false, "\"bogus\"".into()));
            t.push((false, "3".into()));
            t
        }
        Kind::Bool => vec![
            (true, "true".into()),
            (true, "false".into()),
            (false, "\"yes\"".into()),
        ],
        Kind::Uint { min, max } => vec![
            (true, min.to_string()),
            (true, max.to_string()),
            (false, (i128::from(min) - 1).to_string()),
            (false, (i128::from(max) + 1).to_string()),
            (false, "1.5".into()),
        ],
        Kind::Number {
            min,
            max,
            gap_below,
        } => {
            let mut t = vec![
                (true, min.to_string()),
                (true, max.to_string()),
                (false, (min - 1.0).to_string()),
                (false, (max + 1.0).to_string()),
                (false, "nan".into()),
            ];
            if let Some(least) = gap_below {
                t.push((true, least.to_string()));
                t.push((false, (least / 2.0).to_string()));
            }
            t
        }
    }
}

/// Every key of the table takes its min and max (or every name) from a file and from
/// `--set`, to the same value, and refuses min − 1 and max + 1 with the same words.
#[test]
fn every_param_reads_the_same_from_a_file_and_from_set() {
    for p in PARAMS {
        for (accepted, text) in trials(p) {
            let file = param_in_file(p.key, &text);
            let set = param_in_set(p.key, &text);
            match (&file, &set) {
                (Ok(a), Ok(b)) => {
                    assert!(accepted, "{} = {text} was accepted", p.key);
                    assert_eq!((p.get)(a), (p.get)(b), "{} = {text}", p.key);
                    let shown = (p.get)(a).map(|v| p.show(v));
                    assert_eq!(shown.as_deref(), Some(text.as_str()), "{} = {text}", p.key);
                }
                (Err(a), Err(b)) => {
                    assert!(!accepted, "{} = {text}: {a}", p.key);
                    assert_eq!(a, b, "{} = {text}", p.key);
                    assert!(a.contains(p.key), "{a}");
                }
                _ => panic!("{} = {text}: file {file:?}, --set {set:?}", p.key),
            }
        }
    }
}

/// `--set` takes choices without quotes too, and names unknown keys with a suggestion.
#[test]
fn set_takes_bare_names_and_suggests_keys() {
    assert_eq!(
        param_in_set("framing", "json-header").unwrap().framing,
        Framing::JsonHeader
    );
    assert_eq!(
        param_in_set("link", "loopback").unwrap().link,
        Link::Loopback
    );
    let e = param_in_set("framing", "json_header").unwrap_err();
    assert!(e.contains("did you mean `json-header`?"), "{e}");
    let ov = Overrides {
        set: vec!["nagel=false".into()],
        ..Default::default()
    };
    let e = ov.settings().unwrap_err().to_string();
    assert!(
        e.contains("unknown parameter `nagel` (did you mean `nagle`?)"),
        "{e}"
    );
}

/// `--seed` (a u64 on the command line) takes exactly the file's range, with its words.
#[test]
fn seed_flag_range_is_the_files() {
    let s = scenario::find_builtin("04").unwrap();
    let max = i64::MAX as u64;
    let flag = |seed| {
        Overrides {
            seed: Some(seed),
            ..Default::default()
        }
        .resolve(&s)
    };
    assert_eq!(flag(max).unwrap().seed, max);
    assert_eq!(param_in_file("seed", &max.to_string()).unwrap().seed, max);
    for bad in [max + 1, u64::MAX] {
        let e = flag(bad).unwrap_err().to_string();
        let file = param_in_file("seed", &bad.to_string()).unwrap_err();
        assert_eq!(e, format!("--seed {bad}: {file}"));
    }
    let e = Overrides {
        mss: Some(0),
        ..Default::default()
    }
    .resolve(&s)
    .unwrap_err()
    .to_string();
    assert_eq!(
        e,
        format!("--mss 0: {}", param_in_file("mss", "0").unwrap_err())
    );
}

fn scenario_with(params: &str) -> Scenario {
    let file = format!("[meta]\ntitle = \"t\"\n[params]\n{params}\n[[client]]\nclose = true\n");
    parse(&file, "t.toml").unwrap()
}

/// The link's defaults apply unless a value is given explicitly, wherever it was given.
#[test]
fn explicit_params_win_over_the_link() {
    let loopback = scenario_with("link = \"loopback\"");
    assert_eq!(loopback.params.mss, 65483);
    assert_eq!(loopback.settings.keys().collect::<Vec<_>>(), ["link"]);
    let with = |ov: Overrides, s: &Scenario| ov.resolve(s).unwrap();
    let mss = |n| Overrides {
        mss: Some(n),
        ..Default::default()
    };
    assert_eq!(with(mss(1000), &loopback).mss, 1000);
    let three = scenario_with("mss = 3");
    let on_loopback = Overrides {
        link: Some(Link::Loopback),
        ..Default::default()
    };
    let p = with(on_loopback.clone(), &three);
    assert_eq!((p.mss, p.link, p.bandwidth_mbps), (3, Link::Loopback, 0.0));
    let by_set = Overrides {
        set: vec!["link=loopback".into()],
        ..Default::default()
    };
    assert_eq!(with(by_set, &three).mss, 3);
    assert_eq!(with(on_loopback, &scenario_with("seed = 2")).mss, 65483);
    // The stack sets delayed_ack_ms unless it is given.
    let windows = scenario_with("stack = \"windows\"");
    assert_eq!(windows.params.delayed_ack_ms, 200.0);
    let ack = scenario_with("stack = \"windows\"\ndelayed_ack_ms = 5");
    assert_eq!(ack.params.delayed_ack_ms, 5.0);
    let linux = Overrides {
        stack: Some(Stack::Linux),
        ..Default::default()
    };
    assert_eq!(with(linux, &windows).delayed_ack_ms, 40.0);
}

/// `--both`: the model runs on loopback unless the scenario or the user chose a link.
#[test]
fn beside_real_runs_use_loopback_unless_a_link_was_chosen() {
    let plain = scenario::find_builtin("04").unwrap();
    let none = Overrides::default();
    let p = none.resolve_beside_real(&plain).unwrap();
    assert_eq!((p.link, p.mss), (Link::Loopback, 65483));
    let lan = scenario_with("link = \"lan\"");
    assert_eq!(none.resolve_beside_real(&lan).unwrap().link, Link::Lan);
    let chosen = Overrides {
        link: Some(Link::Lan),
        ..Default::default()
    };
    assert_eq!(chosen.resolve_beside_real(&plain).unwrap().mss, 1460);
    let mss = scenario_with("mss = 536");
    let p = none.resolve_beside_real(&mss).unwrap();
    assert_eq!((p.link, p.mss), (Link::Loopback, 536));
}

const SEEDS: &[&str] = &[
    TWO_SMALL_SENDS,
    "[meta]\ntitle='t'\n[params]\nmss=1\nseed=0x7fffffffffffffff\n[[client]]\nsend={size=3,fill='中'}\nrepeat=2\n\
     [[server]]\nsend={hex='00 01'}\nnote={zh='z'}\n",
    "client = [{send = 'a'}, {recv = 1}, {sleep_ms = 1.5e0}, {close = true}]\nmeta.title = 'x'\n",
];

fn mutate(seed: &[u8], edits: &[(usize, u8, u8)]) -> Vec<u8> {
    const TOKENS: &[&[u8]] = &[
        b"\"",
        b"'",
        b"[",
        b"]",
        b"[[",
        b"]]",
        b"{",
        b"}",
        b"=",
        b"\n",
        b"-",
        b"0",
        b"1e309",
        b"nan",
        b"-inf",
        b"99999999999999999999999",
        b"0x",
        b"repeat = 100000\n",
        b"size = 67108864",
        b"\xff",
        b"\xe4\xb8",
        b"\0",
        b"\r\n",
        b"\"\"\"",
        b"\\u",
        b"#",
        b".",
        b"close = false",
    ];
    let mut v = seed.to_vec();
    for &(pos, kind, byte) in edits {
        let at = if v.is_empty() { 0 } else { pos % (v.len() + 1) };
        match kind % 4 {
            0 => {
                if at < v.len() {
                    v.remove(at);
                }
            }
            1 => v.insert(at, byte),
            2 => {
                if at < v.len() {
                    v[at] = byte;
                }
            }
            _ => {
                let tok = TOKENS[byte as usize % TOKENS.len()];
                v.splice(at..at, tok.iter().copied());
            }
        }
    }
    v
}

fn check_no_panic(bytes: &[u8]) {
    match parse_bytes_all(bytes, "fuzz.toml") {
        Ok(s) => {
            assert!(!s.client.is_empty() || !s.server.is_empty());
            assert!(s.client.len() <= 100_000 && s.server.len() <= 100_000);
        }
        Err(errors) => {
            assert!(!errors.is_empty());
            for e in errors {
                assert!(e.line >= 1 && e.column >= 1);
                assert!(!e.message.is_empty());
            }
        }
    }
}

#[test]
fn every_single_byte_edit_of_a_valid_file() {
    let seed = SEEDS[1].as_bytes();
    for pos in 0..=seed.len() {
        for kind in 0..4u8 {
            for byte in [b' ', b'"', b'=', b'\n', b'x', b'1', b'[', 0xff, 0] {
                check_no_panic(&mutate(seed, &[(pos, kind, byte)]));
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1000, ..ProptestConfig::default() })]

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        check_no_panic(&bytes);
    }

    #[test]
    fn mutated_valid_files_never_panic(
        seed in 0..SEEDS.len(),
        edits in proptest::collection::vec((any::<usize>(), any::<u8>(), any::<u8>()), 1..8),
    ) {
        check_no_panic(&mutate(SEEDS[seed].as_bytes(), &edits));
    }

    #[test]
    fn random_text_never_panics(text in "[\\[\\]{}=\"'a-z0-9_ .,\n#-]{0,300}") {
        let _ = parse(&text, "fuzz.toml");
    }
}

use super::*;
use crate::params::{
    ByteOrder, DecoderKind, Framing, HeaderStyle, HeaderWrites, Params, Transport,
};
use crate::scenario::{Action, Answers, Guess};

fn ok(text: &str) -> Scenario {
    match parse_all(text, "dir/sub/04-test.toml") {
        Ok(s) => s,
        Err(e) => panic!("expected a valid scenario, got {e:#?}"),
    }
}

fn errs(text: &str) -> Vec<ScenarioError> {
    match parse_all(text, "t.toml") {
        Ok(s) => panic!("expected errors, got {s:#?}"),
        Err(e) => e,
    }
}

const META: &str = "[meta]\ntitle = \"T\"\n";

#[test]
fn plain_and_bilingual_text() {
    let s = ok(
        "[meta]\ntitle = \"Plain\"\nsummary = { zh = \"只有中文\" }\n[[client]]\nclose = true\nnote = { en = \"only English\" }\n",
    );
    assert_eq!(s.title, Text::plain("Plain"));
    assert_eq!(s.summary, Some(Text::plain("只有中文")));
    assert_eq!(
        s.client[0].note.as_deref(),
        Some(&Text::plain("only English"))
    );
    let s = ok("[meta]\ntitle = { en = \"E\", zh = \"中\" }\n[[server]]\nrecv = 1\n");
    assert_eq!(
        s.title,
        Text {
            en: "E".into(),
            zh: "中".into()
        }
    );
    assert_eq!(s.summary, None);
}

#[test]
fn every_action_kind() {
    let s = ok(&format!(
        "{META}[[client]]\nsend = \"a\"\n[[client]]\nsendall = \"bc\"\n[[client]]\nsend_message = \"d\"\n\
         [[client]]\nrecv = 7\n[[client]]\nrecv_message = 8\n[[client]]\nsleep_ms = 2.5\n\
         [[client]]\nsleep_ms = 0\n[[client]]\nclose = true\n"
    ));
    let actions: Vec<_> = s.client.iter().map(|st| st.action.clone()).collect();
    assert_eq!(
        actions,
        vec![
            Action::Send(b"a".to_vec().into()),
            Action::Sendall(b"bc".to_vec().into()),
            Action::SendMessage(b"d".to_vec().into()),
            Action::Recv(7),
            Action::RecvMessage(8),
            Action::Sleep(2.5),
            Action::Sleep(0.0),
            Action::Close,
        ]
    );
    assert!(s.server.is_empty());
}

#[test]
fn three_data_forms() {
    let s = ok(&format!(
        "{META}[[client]]\nsend = \"héllo\"\n[[client]]\nsend = {{ size = 7, fill = \"abc\" }}\n\
         [[client]]\nsend = {{ size = 3 }}\n[[client]]\nsend = {{ hex = \"68 65\\t6C6c  6f\" }}\n\
         [[client]]\nsend = {{ size = 2, fill = \"中\" }}\n"
    ));
    let data: Vec<_> = s
        .client
        .iter()
        .map(|st| match st.action.clone() {
            Action::Send(d) => d.to_vec(),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(data[0], "héllo".as_bytes());
    assert_eq!(data[1], b"abcabca");
    assert_eq!(data[2], b"xxx");
    assert_eq!(data[3], b"hello");
    assert_eq!(data[4], &"中".as_bytes()[..2]);
}

#[test]
fn repeat_expands_with_the_entry_line() {
    let s = ok(&format!(
        "{META}[[server]]\nrecv = 10\nrepeat = 3\n\n[[server]]\nclose = true\n"
    ));
    let got: Vec<_> = s
        .server
        .iter()
        .map(|st| (st.action.clone(), st.line))
        .collect();
    assert_eq!(
        got,
        vec![
            (Action::Recv(10), 3),
            (Action::Recv(10), 3),
            (Action::Recv(10), 3),
            (Action::Close, 7)
        ]
    );
}

#[test]
fn params_merge_over_defaults() {
    let s = ok(&format!(
        "{META}[params]\nframing = \"json-header\"\nheader_writes = \"separate\"\n\
         decoder = \"tutorial\"\nbyte_order = \"big\"\nheader_style = \"upload\"\nmss = 536\n\
         latency_ms = 1\nbandwidth_mbps = 0\nnagle = false\nloss = 0.25\nrecv_size = 4\n\
         recv_delay_ms = 2.5\nseed = 0xFF\n[[client]]\nclose = true\n"
    ));
    let p = s.params;
    assert_eq!(p.transport, Transport::Tcp);
    assert_eq!(p.framing, Framing::JsonHeader);
    let udp = ok(&format!(
        "{META}[params]\ntransport = \"udp\"\n[[client]]\nclose = true\n"
    ));
    assert_eq!(udp.params.transport, Transport::Udp);
    assert_eq!(p.header_writes, HeaderWrites::Separate);
    assert_eq!(p.decoder, DecoderKind::Tutorial);
    assert_eq!(p.byte_order, ByteOrder::Big);
    assert_eq!(p.header_style, HeaderStyle::Upload);
    assert_eq!(p.mss, 536);
    assert_eq!(p.latency_ms, 1.0);
    assert_eq!(p.bandwidth_mbps, 0.0);
    assert!(!p.nagle);
    assert_eq!(p.loss, 0.25);
    assert_eq!(p.recv_size, Some(4));
    assert_eq!(p.recv_delay_ms, Some(2.5));
    assert_eq!(p.seed, 255);
    // Untouched ones keep their defaults.
    let d = Params::default();
    assert_eq!(
        (
            p.delayed_ack,
            p.delayed_ack_ms,
            p.send_buffer,
            p.recv_buffer
        ),
        (
            d.delayed_ack,
            d.delayed_ack_ms,
            d.send_buffer,
            d.recv_buffer
        )
    );
    assert_eq!(
        (p.max_frame, p.max_header, p.jitter_ms),
        (d.max_frame, d.max_header, d.jitter_ms)
    );
}

/// Every field of `Params`, as serde writes it, is a key the parser knows: a field added
/// to `Params` without a rule here fails this test.
#[test]
fn every_params_field_is_accepted() {
    let p = Params {
        recv_size: Some(100),
        recv_delay_ms: Some(3.0),
        seed: 42,
        ..Params::default()
    };
    let written = toml::to_string(&p).expect("Params serializes");
    let text = format!("{META}[params]\n{written}\n[[client]]\nclose = true\n");
    let s = ok(&text);
    assert_eq!(s.params, p);
    let mut written_keys: Vec<&str> = written
        .lines()
        .filter_map(|l| l.split_once(" = ").map(|(k, _)| k.trim()))
        .collect();
    written_keys.sort();
    let mut table_keys = crate::params::table::keys();
    table_keys.sort();
    assert_eq!(written_keys, table_keys, "{written}");
}

#[test]
fn empty_programs_are_allowed_but_not_both() {
    ok(&format!("{META}[[client]]\nclose = true\n"));
    ok(&format!("{META}[[server]]\nrecv = 1\n"));
    let e = errs(META);
    assert_eq!(e.len(), 1);
    assert!(e[0].message.contains("no actions"), "{}", e[0]);
    // Inline arrays of tables are fine too.
    let s = ok(&format!(
        "client = [{{ send = \"a\" }},\n  {{ recv = 2 }}]\n{META}"
    ));
    assert_eq!(s.client.len(), 2);
    assert_eq!(s.client[1].line, 2);
    // Written below [meta], the same line belongs to [meta].
    let e = errs(&format!("{META}client = [{{ send = \"a\" }}]\n"));
    assert!(e[0].message.contains("top-level"), "{}", e[0].message);
}

#[test]
fn name_without_folder_and_extension() {
    assert_eq!(scenario_name("a/b/c.toml"), "c");
    assert_eq!(scenario_name("C:\\x\\07-ftp.toml"), "07-ftp");
    assert_eq!(scenario_name("plain"), "plain");
}

#[test]
fn positions_count_characters_and_skip_the_bom() {
    assert_eq!(position(b"ab\ncd", 4), (2, 2));
    assert_eq!(position("中文x".as_bytes(), 6), (1, 3));
    assert_eq!(position("\u{feff}ab".as_bytes(), 4), (1, 2));
    assert_eq!(position(b"", 10), (1, 1));
    let s = ok(&format!("\u{feff}{META}[[client]]\nclose = true\n"));
    assert_eq!(s.client[0].line, 3);
    let e = errs("\u{feff}[meta]\ntitl = 1\n");
    assert_eq!((e[0].line, e[0].column), (1, 1), "{e:?}");
    assert_eq!((e[1].line, e[1].column), (2, 1), "{e:?}");
    let e = errs("\u{feff}bogus = 1\n[meta]\ntitle=\"t\"\n[[client]]\nclose=true\n");
    assert_eq!((e[0].line, e[0].column), (1, 1));
}

#[test]
fn all_errors_are_reported_in_file_order() {
    let e = errs(
        "[meta]\ntitle = \"t\"\n[params]\nmss = 0\nloss = 2\n[[client]]\nsned = \"x\"\n[[server]]\nrecv = 0\n",
    );
    let at: Vec<_> = e.iter().map(|e| (e.line, e.column)).collect();
    assert_eq!(at, vec![(4, 7), (5, 8), (7, 1), (9, 8)], "{e:#?}");
    assert!(e[2].message.contains("did you mean `send`?"));
    assert_eq!(
        parse(
            "[meta]\ntitle = \"t\"\n[params]\nmss = 0\nloss = 2\n",
            "t.toml"
        )
        .unwrap_err()
        .line,
        4
    );
}

#[test]
fn misplaced_keys_say_where_they_belong() {
    let e = errs(&format!("{META}[[client]]\nsend = \"x\"\nmss = 100\n"));
    assert!(e[0].message.contains("[params]"), "{}", e[0].message);
    let e = errs(&format!("send = \"x\"\n{META}"));
    assert!(e[0].message.contains("[[client]]"), "{}", e[0].message);
    let e = errs(&format!(
        "{META}[params]\ntitle = \"x\"\n[[client]]\nclose=true\n"
    ));
    assert!(e[0].message.contains("[meta]"), "{}", e[0].message);
}

#[test]
fn friendly_type_errors() {
    let e = errs(&format!("{META}[[server]]\nrecv = \"1024\"\n"));
    assert!(e[0].message.contains("without quotes"), "{}", e[0].message);
    let e = errs(&format!("{META}[[server]]\nclose = \"true\"\n"));
    assert!(e[0].message.contains("without quotes"), "{}", e[0].message);
    let e = errs(&format!(
        "{META}[params]\nframing = \"length_prefix\"\n[[server]]\nclose = true\n"
    ));
    assert!(
        e[0].message.contains("did you mean `length-prefix`?"),
        "{}",
        e[0].message
    );
    assert!(
        e[0].message.contains("raw, length-prefix, json-header"),
        "{}",
        e[0].message
    );
    let e = errs(&format!("{META}[client]\nsend = \"x\"\n"));
    assert!(e[0].message.contains("two brackets"), "{}", e[0].message);
    let e = errs(&format!(
        "{META}[params]\nmss = 1460.0\n[[client]]\nclose = true\n"
    ));
    assert!(e[0].message.contains("whole number"), "{}", e[0].message);
    let e = errs(&format!(
        "{META}[params]\nlatency_ms = nan\n[[client]]\nclose = true\n"
    ));
    assert!(e[0].message.contains("nan"), "{}", e[0].message);
    let e = errs(&format!(
        "{META}[params]\nseed = 99999999999999999999999999999999999999999999\n[[client]]\nclose = true\n"
    ));
    assert!(e[0].message.contains("too large"), "{}", e[0].message);
}

#[test]
fn hex_errors_point_into_the_string() {
    let e = errs(&format!("{META}[[client]]\nsend = {{ hex = \"68 6g\" }}\n"));
    assert_eq!((e[0].line, e[0].column), (4, 21), "{}", e[0]);
    let e = errs(&format!(
        "{META}[[client]]\nsend = {{ hex = \"68 656\" }}\n"
    ));
    assert_eq!((e[0].line, e[0].column), (4, 20), "{}", e[0]);
    assert!(e[0].message.contains("odd number"));
    let e = errs(&format!("{META}[[client]]\nsend = {{ hex = \"0x68\" }}\n"));
    assert!(e[0].message.contains("without `0x`"), "{}", e[0]);
}

#[test]
fn limits_are_checked_before_allocating() {
    let e = errs(&format!(
        "{META}[[client]]\nsend = {{ size = 67108864 }}\nrepeat = 100000\n"
    ));
    assert!(e[0].message.contains("at most 67108864 bytes"), "{}", e[0]);
    assert_eq!(e[0].line, 5);
    let e = errs(&format!(
        "{META}[[client]]\nrecv = 1\nrepeat = 60000\n[[client]]\nrecv = 1\nrepeat = 60000\n"
    ));
    assert_eq!(e.len(), 1);
    assert_eq!(e[0].line, 8);
    assert!(e[0].message.contains("120000 actions"), "{}", e[0]);
    let s = ok(&format!("{META}[[client]]\nrecv = 1\nrepeat = 100000\n"));
    assert_eq!(s.client.len(), 100_000);
}

#[test]
fn syntax_errors_are_reported_alone() {
    let e = errs("[meta]\ntitle = hello\n[params]\nmss = 0\n");
    assert_eq!(e.len(), 1);
    assert_eq!((e[0].line, e[0].column), (2, 9));
    assert!(e[0].message.starts_with("TOML syntax error"));
    let e = errs("[meta]\ntitle = \"a\"\ntitle = \"b\"\n");
    assert!(e[0].message.contains("`title` is given twice"), "{}", e[0]);
    assert_eq!(e[0].line, 3);
}

#[test]
fn bad_utf8_names_the_byte() {
    let mut bytes = b"[meta]\ntitle = \"".to_vec();
    bytes.extend_from_slice("中".as_bytes());
    bytes.push(0xC4);
    bytes.extend_from_slice(b"\"\n");
    let e = parse_bytes(&bytes, "x/y.toml").unwrap_err();
    assert_eq!((e.line, e.column), (2, 11));
    assert!(e.message.contains("0xC4"));
    assert_eq!(e.to_string(), format!("x/y.toml:2:11: {}", e.message));
}

#[test]
fn big_garbage_is_reported_quickly_and_briefly() {
    // 20k lines, each a syntax error, then each an unknown key: at most 100 errors each time.
    let garbage = "x = = 1\n".repeat(20_000);
    let e = errs(&garbage);
    assert_eq!(e.len(), MAX_ERRORS);
    assert_eq!((e[0].line, e[99].line), (1, 100));
    let unknown = format!("{META}{}", "[[client]]\nsned = 1\n".repeat(20_000));
    let e = errs(&unknown);
    assert_eq!(e.len(), MAX_ERRORS);
    assert_eq!(e[0].line, 4);
    // A U+FEFF at the start of a later line is an ordinary character.
    let e = errs("[meta]\ntitle = \"t\"\n\u{feff}x = 1\n[[client]]\nclose = true\n");
    assert_eq!((e[0].line, e[0].column), (3, 1), "{e:?}");
}

#[test]
fn lesson_and_questions() {
    let s = ok(
        "[meta]\ntitle = \"T\"\nlesson = { en = \"Why **this**\", zh = \"为什么\" }\n\
         [[server]]\nrecv = 1024\nquestion = { en = \"What?\", zh = \"什么？\" }\n\
         [[server]]\nrecv_message = 1024\nquestion = \"Q\"\nchoices = [\"helloworld\", \"hello\", 0]\n\
         [[server]]\nrecv = 4\nquestion = \"Type it\"\ntyped = true\nrepeat = 2\n",
    );
    assert_eq!(s.lesson.as_ref().unwrap().zh, "为什么");
    let q = s.server[0].question.as_ref().unwrap();
    assert_eq!(q.prompt.en, "What?");
    assert_eq!(q.answers, Answers::Generated);
    let q = s.server[1].question.as_ref().unwrap();
    assert_eq!(
        q.answers,
        Answers::Given(vec![
            Guess::Bytes(b"helloworld".to_vec()),
            Guess::Bytes(b"hello".to_vec()),
            Guess::Count(0)
        ])
    );
    assert_eq!(
        s.server[3].question.as_ref().unwrap().answers,
        Answers::Typed
    );
}

#[test]
fn question_mistakes_are_reported() {
    let one = |body: &str| {
        let e = errs(&format!("{META}[[client]]\n{body}\n"));
        e[0].message.clone()
    };
    assert!(one("send = \"a\"\nquestion = \"Q\"").contains("goes on a `recv`"));
    assert!(one("recv = 5\nchoices = [\"a\", \"b\"]").contains("belong to a question"));
    assert!(one("recv = 5\nquestion = \"Q\"\nchoices = [\"a\"]").contains("give 2 to 4"));
    assert!(one("recv = 5\nquestion = \"Q\"\nchoices = [\"a\", \"a\"]").contains("twice"));
    assert!(one("recv = 5\nquestion = \"Q\"\nchoices = [\"a\", true]").contains("whole number"));
    assert!(
        one("recv = 5\nquestion = \"Q\"\nchoices = [\"a\", \"b\"]\ntyped = true")
            .contains("not both")
    );
    assert!(one("recv = 5\nquestion = \"Q\"\nchoices = \"ab\"").contains("list of 2 to 4"));
    let e = errs("[meta]\ntitle = \"T\"\nlessen = \"x\"\n[[client]]\nclose = true\n");
    assert!(
        e[0].message.contains("did you mean `lesson`"),
        "{}",
        e[0].message
    );
}

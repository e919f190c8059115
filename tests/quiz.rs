//! Predict, then reveal: questions found in real runs of scenarios, their choices and the
//! truth, scoring and the CSV export.

use stickysim::model;
use stickysim::params::{DecoderKind, Framing, Params};
use stickysim::quiz::{self, Answer, Asked, Expect, Outcome, Session};
use stickysim::scenario::{self, Lang, Scenario};
use stickysim::trace::{EventKind, Side, Trace};

#[cfg(feature = "gui")]
mod common;

fn parse(text: &str) -> Scenario {
    scenario::parse(text, "t.toml").unwrap_or_else(|e| panic!("{e}"))
}

fn run(s: &Scenario, params: &Params) -> Trace {
    model::run(s, params).unwrap_or_else(|e| panic!("{e}"))
}

fn ask(s: &Scenario) -> (Trace, Vec<Asked>) {
    let t = run(s, &s.params);
    let q = quiz::questions(s, &t);
    (t, q)
}

/// 04's shape: two sends, a late reader asked about both recvs.
const TWO_SENDS: &str = r#"
[meta]
title = "t"
[[client]]
send_message = "hello"
[[client]]
send_message = "world"
[[client]]
close = true
[[server]]
sleep_ms = 20
[[server]]
recv_message = 1024
question = { en = "What does recv return?", zh = "recv 返回什么？" }
[[server]]
recv_message = 1024
question = "And now?"
choices = ["world", ""]
"#;

#[test]
fn generated_choices_hold_the_truth_the_naive_answer_and_a_split() {
    let s = parse(TWO_SENDS);
    let (t, qs) = ask(&s);
    assert_eq!(qs.len(), 2);
    let q = &qs[0];
    assert_eq!(q.side, Side::Server);
    assert_eq!(q.truth, Outcome::Data(b"helloworld".to_vec()));
    assert!((2..=4).contains(&q.choices.len()), "{:?}", q.choices);
    let bytes: Vec<&[u8]> = q
        .choices
        .iter()
        .filter_map(|c| match &c.expect {
            Expect::Bytes(b) => Some(b.as_slice()),
            _ => None,
        })
        .collect();
    assert!(bytes.contains(&&b"helloworld"[..]));
    assert!(bytes.contains(&&b"hello"[..]), "the naive answer");
    assert!(bytes.contains(&&b"he"[..]), "a split: {bytes:?}");
    // Exactly one right answer, and its label says which messages it holds.
    let right: Vec<_> = q
        .choices
        .iter()
        .filter(|c| c.expect.matches(&q.truth))
        .collect();
    assert_eq!(right.len(), 1);
    assert_eq!(
        right[0].label.en,
        "b'helloworld' (10 bytes: all of #1 + all of #2)"
    );
    assert_eq!(
        q.truth_label.zh,
        "b'helloworld'（10 字节：整条 #1 + 整条 #2）"
    );
    // Playback stops before the recv's result; the call itself comes earlier.
    assert!(q.call_event < q.stop_event);
    assert!(matches!(
        t.events[q.stop_event].kind,
        EventKind::AppReturn { .. }
    ));
    assert!(matches!(
        t.events[q.call_event].kind,
        EventKind::AppCall { .. }
    ));
    // The second: the file's choices, b'' is right (EOF).
    let q = &qs[1];
    assert_eq!(q.truth, Outcome::Empty);
    assert_eq!(q.right_choice(), Some(1));
    assert!(qs[0].stop_event < qs[1].stop_event);
}

#[test]
fn the_run_decides_which_choice_is_right() {
    // The eager reader: no sleep, so the first recv returns only 'hello'.
    let s = parse(&TWO_SENDS.replace("sleep_ms = 20", "sleep_ms = 0"));
    let (_, qs) = ask(&s);
    assert_eq!(qs[0].truth, Outcome::Data(b"hello".to_vec()));
    assert_eq!(qs[1].truth, Outcome::Data(b"world".to_vec()));
    assert_eq!(qs[1].right_choice(), Some(0));
    // Framed: every message whole whatever the timing.
    let s = parse(TWO_SENDS);
    let mut p = s.params.clone();
    p.framing = Framing::LengthPrefix;
    let t = run(&s, &p);
    let qs = quiz::questions(&s, &t);
    assert_eq!(qs[0].truth, Outcome::Data(b"hello".to_vec()));
}

#[test]
fn given_choices_that_are_all_wrong_get_the_truth_in_the_last_place() {
    let s = parse(&TWO_SENDS.replace("choices = [\"world\", \"\"]", "choices = [\"world\", 7]"));
    let (_, qs) = ask(&s);
    let q = &qs[1];
    assert_eq!(q.choices.len(), 2);
    assert_eq!(q.right_choice(), Some(1));
    assert!(q.choices[1].label.en.starts_with("b''"));
}

#[test]
fn a_crash_is_an_answer() {
    // 08: the tutorial's decoder crashes when recv(4) returns 3 bytes.
    let s = scenario::find_builtin("08").unwrap();
    let mut s = s.clone();
    let mut client = s.client.to_vec();
    client[0].question = Some(std::sync::Arc::new(scenario::Question {
        prompt: scenario::Text::plain("?"),
        answers: scenario::Answers::Generated,
    }));
    s.client = client.into();
    let (t, qs) = ask(&s);
    assert_eq!(s.params.decoder, DecoderKind::Tutorial);
    let q = &qs[0];
    assert!(matches!(q.truth, Outcome::Crash(_)), "{:?}", q.truth);
    let right = q.right_choice().expect("a right choice");
    assert_eq!(q.choices[right].expect, Expect::Crash);
    assert!(matches!(
        t.events[q.stop_event].kind,
        EventKind::AppReturn { .. } | EventKind::DecodeError { .. }
    ));
}

#[test]
fn typed_answers_accept_python_literals() {
    let s = parse(&TWO_SENDS.replace("choices = [\"world\", \"\"]", "typed = true"));
    let (_, qs) = ask(&s);
    assert!(qs[1].typed());
    assert!(qs[1].typed_is_right("b''"));
    assert!(qs[1].typed_is_right(""));
    assert!(!qs[1].typed_is_right("world"));
    assert!(qs[0].typed_is_right("helloworld"));
    assert!(qs[0].typed_is_right("b'hello\\x77orld'"));
    assert_eq!(quiz::parse_typed(r"b'a\n\'b\\'"), b"a\n'b\\".to_vec());
}

#[test]
fn score_and_csv() {
    let s = parse(TWO_SENDS);
    let (_, qs) = ask(&s);
    let mut class = Session::new("class 3");
    let wrong = (0..qs[0].choices.len())
        .find(|i| Some(*i) != qs[0].right_choice())
        .unwrap();
    class.record(Answer::chosen("t", &qs[0], wrong, Lang::En).unwrap());
    assert_eq!(class.score("t").right, 0);
    // Answering again replaces the first answer.
    let right = qs[0].right_choice().unwrap();
    class.record(Answer::chosen("t", &qs[0], right, Lang::En).unwrap());
    class.record(Answer::typed("t", &qs[1], "=cmd, \"x\"", Lang::Zh));
    let score = class.score("t");
    assert_eq!((score.right, score.asked), (1, 2));
    assert_eq!(class.score("other").asked, 0);
    assert!(Answer::chosen("t", &qs[0], 9, Lang::En).is_none());
    let csv = Session::csv(&[class]);
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(
        lines[0],
        "who,scenario,side,line,question,answer,truth,right"
    );
    assert_eq!(lines.len(), 3);
    assert!(lines[1].starts_with("class 3,t,server,"), "{}", lines[1]);
    assert!(lines[1].ends_with(",yes"));
    // Quotes doubled, a formula defused.
    assert!(lines[2].contains("\"'=cmd, \"\"x\"\"\""), "{}", lines[2]);
    assert!(lines[2].ends_with(",no"));
}

#[test]
fn every_builtin_question_has_one_right_answer_in_both_languages() {
    let mut asked = 0;
    for s in scenario::builtin() {
        let (_, qs) = ask(&s);
        let written = s
            .client
            .iter()
            .chain(s.server.iter())
            .filter(|st| st.question.is_some())
            .count();
        assert_eq!(qs.len(), written, "{}: every question is reached", s.name);
        for q in &qs {
            assert!(!q.prompt.en.is_empty() && !q.prompt.zh.is_empty());
            assert_ne!(q.prompt.en, q.prompt.zh, "{} line {}", s.name, q.file_line);
            if !q.typed() {
                assert!((2..=4).contains(&q.choices.len()), "{}", s.name);
                let right = q
                    .choices
                    .iter()
                    .filter(|c| c.expect.matches(&q.truth))
                    .count();
                assert_eq!(right, 1, "{} line {}: {:?}", s.name, q.file_line, q.choices);
            }
            asked += 1;
        }
    }
    assert!(asked >= 13, "built-ins ask at their key recvs ({asked})");
}

/// The app's Quiz mode, headless (egui_kittest): it stops before the answer, hides it,
/// asks, and reveals.
#[cfg(feature = "gui")]
mod gui {
    use egui_kittest::Harness;
    use egui_kittest::kittest::Queryable;
    use stickysim::gui::StickyApp;

    use crate::common::{click_contains, harness, step_until};

    #[test]
    fn quiz_mode_stops_before_the_sticky_read_then_reveals_it() {
        let mut h = harness("04-two-small-sends");
        click_contains(&mut h, "Quiz");
        assert!(h.state().quiz.on);
        click_contains(&mut h, "To the end");
        // Stopped before the first recv's result: no chip, no verdict, a question.
        assert_eq!(h.state().quiz.asking, Some(0));
        let stop = h.state().quiz.questions[0].stop_event;
        assert!(h.state().playback.events_shown() <= stop);
        assert!(h.query_by_label_contains("recv #1 at server").is_none());
        // Nor does the scenario's summary (it names the result).
        assert!(h.query_by_label_contains("returns b'helloworld'").is_none());
        // The event list lists no later row either (greyed, it would give the answer).
        assert_eq!(h.query_all_by_label_contains("recv(1024) →").count(), 0);
        assert!(h.query_by_label_contains("verdict:").is_none());
        // Pick the right one and answer.
        let right = h.state().quiz.questions[0].right_choice().unwrap();
        click_contains(&mut h, &format!("choice {}: b'helloworld'", right + 1));
        click_contains(&mut h, "Answer (Enter)");
        assert_eq!(h.state().quiz.asking, None);
        assert_eq!(h.state().quiz.revealed, Some(0));
        h.get_by_label("recv #1 at server: 10 B, messages 1+2 (sticky)");
        h.get_by_label_contains("score 1 of 1");
        // Continue: the second question stops the playback again.
        click_contains(&mut h, "Continue (Enter)");
        for _ in 0..200 {
            h.run();
            if h.state().quiz.asking.is_some() {
                break;
            }
        }
        assert_eq!(h.state().quiz.asking, Some(1));
    }

    /// Every lesson draws in both languages (drawing panics on a missing glyph), and every
    /// built-in question can be asked in both.
    #[test]
    fn every_lesson_and_question_draws_in_both_languages() {
        use stickysim::gui::Cmd;
        use stickysim::scenario::Lang;
        let mut h = harness("");
        click_contains(&mut h, "Why / 为什么");
        click_contains(&mut h, "Quiz");
        let n = h.state().scenarios.len();
        for i in 0..n {
            h.state_mut().apply(Cmd::Scenario(i));
            for lang in [Lang::Zh, Lang::En] {
                h.state_mut().apply(Cmd::Lang(lang));
                h.run();
                // The lesson is shown until the first question is open.
                let name = h.state().scenario().name.clone();
                assert!(h.state().scenario().lesson.is_some(), "{name} has a lesson");
                h.state_mut().apply(Cmd::ToEnd);
                h.run();
                let asked = h.state().quiz.asking;
                assert_eq!(
                    asked.is_some(),
                    !h.state().quiz.questions.is_empty(),
                    "{name}: stops at its first question"
                );
            }
        }
    }

    /// A typed question: the field takes the keyboard, Enter answers.
    #[test]
    fn a_typed_answer_is_scored() {
        use stickysim::gui::Cmd;
        let mut h = harness("");
        let s = super::parse(&super::TWO_SENDS.replace(
            "question = { en = \"What does recv return?\", zh = \"recv 返回什么？\" }",
            "question = { en = \"Type it\", zh = \"输入\" }\ntyped = true",
        ));
        h.state_mut().scenarios.push(s);
        let i = h.state().scenarios.len() - 1;
        h.state_mut().apply(Cmd::Scenario(i));
        click_contains(&mut h, "Quiz");
        click_contains(&mut h, "To the end");
        assert_eq!(h.state().quiz.asking, Some(0));
        assert!(h.state().quiz.questions[0].typed());
        let field = h.get_by_label("typed answer");
        field.focus();
        field.type_text("b'helloworld'");
        h.run();
        h.key_press(egui::Key::Enter);
        h.run();
        assert_eq!(h.state().quiz.revealed, Some(0));
        h.get_by_label_contains("score 1 of 1");
    }

    fn real_finished(app: &StickyApp) -> bool {
        app.real.as_ref().is_some_and(|r| r.live.finished.is_some())
    }

    /// One send, one asked recv over a model link of 2 s latency (real sockets have no
    /// such setting): the kernel returns long before the model does, so beside the model
    /// the real chip would show while the simulated question is still open.
    const ONE_SEND: &str = r#"
[meta]
title = "one send"
[params]
latency_ms = 2000
[[client]]
send = "hello"
[[client]]
close = true
[[server]]
recv = 1024
question = "What does recv return?"
[[server]]
recv = 1024
question = "And then?"
"#;

    fn with_scenario(text: &str) -> Harness<'static, StickyApp> {
        use stickysim::gui::Cmd;
        let mut h = harness("");
        h.state_mut().scenarios.push(super::parse(text));
        let i = h.state().scenarios.len() - 1;
        h.state_mut().apply(Cmd::Scenario(i));
        h.run();
        h
    }

    /// The Real view in Quiz mode: the questions are the real run's (the truth is what
    /// the kernel returned), and no real chip or verdict shows before its answer.
    #[test]
    fn real_view_quiz_hides_the_kernels_result_until_answered() {
        use stickysim::gui::{Cmd, Mode};
        use stickysim::quiz::Outcome;
        let mut h = with_scenario(ONE_SEND);
        click_contains(&mut h, "Quiz");
        h.state_mut().apply(Cmd::Mode(Mode::Real));
        h.step();
        step_until(&mut h, real_finished);
        for _ in 0..4 {
            h.step();
        }
        assert_eq!(h.state().quiz.asking, Some(0));
        assert_eq!(h.query_all_by_label_contains("real recv #").count(), 0);
        assert!(h.query_by_label_contains("real verdict:").is_none());
        // The truth is the kernel's: the real trace's first recv result.
        let trace = h.state().real.as_ref().unwrap().live.trace.clone();
        let got: Vec<u8> = stickysim::analysis::recv_results(&trace)[0].data.clone();
        let q = h.state().quiz.questions[0].clone();
        assert_eq!(q.truth, Outcome::Data(got.clone()));
        // Where the kernel cuts is its own business; the bytes are the start of `hello`.
        assert!(!got.is_empty() && b"hello".starts_with(&got), "{got:?}");
        let right = q.right_choice().unwrap();
        click_contains(&mut h, &format!("choice {}: ", right + 1));
        click_contains(&mut h, "Answer (Enter)");
        assert_eq!(h.state().quiz.revealed, Some(0));
        h.get_by_label_contains("real recv #1 at server");
        h.get_by_label_contains("score 1 of 1");
        // The second recv (b'', EOF) stays hidden, and so does the verdict, until answered.
        assert!(h.query_by_label_contains("real recv #2").is_none());
        assert!(h.query_by_label_contains("real verdict:").is_none());
        click_contains(&mut h, "Continue (Enter)");
        assert_eq!(h.state().quiz.asking, Some(1));
        let second = match stickysim::analysis::recv_results(&trace).get(1) {
            Some(r) if r.eof => Outcome::Empty,
            Some(r) => Outcome::Data(r.data.clone()),
            None => Outcome::Never,
        };
        assert_eq!(h.state().quiz.questions[1].truth, second);
        let right = h.state().quiz.questions[1].right_choice().unwrap();
        click_contains(&mut h, &format!("choice {}: ", right + 1));
        click_contains(&mut h, "Answer (Enter)");
        h.get_by_label_contains("real recv #2 at server");
        h.get_by_label_contains("real verdict:");
    }

    /// Beside the model (Both): while the simulated question is open, the real chip of
    /// the same call is hidden, though the real run got there earlier in time; the reveal
    /// says what the kernel returned.
    #[test]
    fn both_view_quiz_hides_the_real_chip_of_the_asked_call() {
        use stickysim::gui::{Cmd, Mode};
        let mut h = with_scenario(ONE_SEND);
        click_contains(&mut h, "Quiz");
        h.state_mut().apply(Cmd::Mode(Mode::Both));
        h.step();
        step_until(&mut h, real_finished);
        h.state_mut().apply(Cmd::ToEnd);
        h.run();
        assert_eq!(h.state().quiz.asking, Some(0));
        // The real run did return before the model's stop time: only the quiz hides it.
        let real = &h.state().real.as_ref().unwrap().live.trace;
        let first = stickysim::analysis::recv_results(real)[0].t_us;
        assert!(first < h.state().view_time(), "{first} µs");
        assert_eq!(h.query_all_by_label_contains("real recv #").count(), 0);
        assert!(h.query_by_label_contains("real verdict:").is_none());
        let right = h.state().quiz.questions[0].right_choice().unwrap();
        click_contains(&mut h, &format!("choice {}: ", right + 1));
        click_contains(&mut h, "Answer (Enter)");
        h.get_by_label_contains("real recv #1 at server");
        let real_truth = h.state().quiz.real[0].truth_label.en.clone();
        h.get_by_label_contains(&format!(
            "On real loopback the kernel returned: {real_truth}"
        ));
        assert!(h.query_by_label_contains("real recv #2").is_none());
    }

    #[test]
    fn keys_choose_and_enter_answers() {
        let mut h = harness("04-two-small-sends");
        click_contains(&mut h, "Quiz");
        click_contains(&mut h, "To the end");
        let wrong = (0..4)
            .find(|k| Some(*k) != h.state().quiz.questions[0].right_choice())
            .unwrap();
        let key = [
            egui::Key::Num1,
            egui::Key::Num2,
            egui::Key::Num3,
            egui::Key::Num4,
        ][wrong];
        h.key_press(key);
        h.run();
        assert_eq!(h.state().quiz.selected, Some(wrong));
        h.key_press(egui::Key::Enter);
        h.run();
        assert_eq!(h.state().quiz.revealed, Some(0));
        h.get_by_label_contains("score 0 of 1");
        assert!(
            h.state()
                .quiz
                .session
                .answers
                .iter()
                .all(|a| !a.right && a.scenario == "04-two-small-sends")
        );
    }
}

/// docs/lessons has one page per built-in scenario, and each page carries the scenario's
/// lesson in both languages as the app shows it (docs match the code).
#[test]
fn every_scenario_has_a_lesson_page_that_matches_its_file() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/lessons");
    for s in scenario::builtin() {
        let lesson = s
            .lesson
            .as_ref()
            .unwrap_or_else(|| panic!("{} has no lesson", s.name));
        assert_ne!(lesson.en, lesson.zh, "{}: both languages", s.name);
        let page = std::fs::read_to_string(dir.join(format!("{}.md", s.name)))
            .unwrap_or_else(|e| panic!("docs/lessons/{}.md: {e}", s.name));
        for text in [&lesson.en, &lesson.zh] {
            assert!(
                page.contains(text.trim()),
                "docs/lessons/{}.md is out of date: run `python3 docs/lessons/pages.py`",
                s.name
            );
        }
    }
}

/// A recv that never returns: the truth is "blocks forever", and that is a choice.
#[test]
fn a_recv_that_never_returns_is_asked_at_the_end() {
    let s = parse(
        "[meta]\ntitle = \"t\"\n[[client]]\nrecv = 10\n\
         [[server]]\nrecv = 1024\nquestion = \"?\"\n",
    );
    let (t, qs) = ask(&s);
    let q = &qs[0];
    assert_eq!(q.truth, Outcome::Never);
    assert_eq!(q.stop_event, t.events.len());
    let right = q.right_choice().expect("a right choice");
    assert_eq!(q.choices[right].expect, Expect::Never);
    assert!(q.choices.len() >= 2);
}

/// A framed delivery is described by the messages its bytes came from.
#[test]
fn a_framed_over_read_is_described_by_its_messages() {
    let s = scenario::find_builtin("13").unwrap();
    let (_, qs) = ask(&s);
    assert_eq!(
        qs[0].truth_label.en,
        "2048 bytes: all of #1 + the start of #2"
    );
    assert_eq!(qs[0].truth_label.zh, "2048 字节：整条 #1 + #2 的开头");
    let s = scenario::find_builtin("05").unwrap();
    let (_, qs) = ask(&s);
    assert_eq!(qs[0].truth_label.en, "1800 bytes: all of #1");
}

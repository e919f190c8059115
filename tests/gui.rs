//! The desktop app driven through AccessKit labels, headless (egui_kittest).
#![cfg(feature = "gui")]

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use stickysim::gui::{Settings, StickyApp};

fn harness(scenario: &str) -> Harness<'static, StickyApp> {
    let app = StickyApp::new(Settings {
        scenario: scenario.into(),
        ..Settings::default()
    });
    let mut h = Harness::builder()
        .with_size(egui::vec2(1280.0, 720.0))
        // Scroll areas take a few frames to settle after their content grows.
        .with_max_steps(16)
        .build_ui_state(|ui, app: &mut StickyApp| app.show(ui), app);
    h.run();
    h
}

fn click(h: &mut Harness<'static, StickyApp>, label: &str) {
    h.get_by_label_contains(label).click();
    h.run();
}

#[test]
fn scenario_04_run_to_the_end_shows_a_chip_with_two_messages() {
    let mut h = harness("");
    // pick scenario 04 from the list
    h.get_by_label("Scenario").click();
    h.run();
    h.get_by_label_contains("04 Two small sends").click();
    h.run();
    assert_eq!(h.state().scenario().name, "04-two-small-sends");
    click(&mut h, "To the end");
    h.get_by_label("recv #1 at server: 10 B, messages 1+2 (sticky)");
}

#[test]
fn length_prefix_marks_every_message_intact() {
    let mut h = harness("04-two-small-sends");
    click(&mut h, "length-prefix");
    click(&mut h, "To the end");
    let intact = h.query_all_by_label_contains(" intact: ").count();
    let corrupted = h.query_all_by_label_contains(" corrupted: ").count();
    assert_eq!((intact, corrupted), (2, 0));
    assert_eq!(h.state().playback.report.summary.messages_intact, 2);
}

#[test]
fn step_forward_five_and_back_five_returns_to_the_start() {
    let mut h = harness("04-two-small-sends");
    let start = h
        .state()
        .playback
        .sim()
        .map(|s| (s.now(), s.side_state(stickysim::trace::Side::Client)));
    for _ in 0..5 {
        click(&mut h, "Step ▶");
    }
    assert_eq!(h.state().playback.pos(), 5);
    let moved = h
        .state()
        .playback
        .sim()
        .map(|s| (s.now(), s.side_state(stickysim::trace::Side::Client)));
    assert_ne!(moved, start);
    for _ in 0..5 {
        click(&mut h, "Step back");
    }
    let back = h
        .state()
        .playback
        .sim()
        .map(|s| (s.now(), s.side_state(stickysim::trace::Side::Client)));
    assert_eq!(h.state().playback.pos(), 0);
    assert_eq!(back, start);
}

#[test]
fn keyboard_steps_and_resets() {
    let mut h = harness("04-two-small-sends");
    h.key_press(egui::Key::ArrowRight);
    h.run();
    h.key_press(egui::Key::ArrowRight);
    h.run();
    assert_eq!(h.state().playback.pos(), 2);
    h.key_press(egui::Key::ArrowLeft);
    h.run();
    assert_eq!(h.state().playback.pos(), 1);
    h.key_press(egui::Key::End);
    h.run();
    assert!(h.state().playback.at_end());
    h.key_press(egui::Key::Home);
    h.run();
    assert_eq!(h.state().playback.pos(), 0);
}

#[test]
fn chinese_changes_the_labels() {
    let mut h = harness("04-two-small-sends");
    assert!(h.query_by_label("客户端").is_none());
    click(&mut h, "中文");
    assert!(h.state().settings.chinese);
    h.get_by_label_contains("单步 ▶");
    h.get_by_label("客户端");
    click(&mut h, "EN");
    h.get_by_label_contains("Step back");
}

#[test]
fn compare_view_shows_three_columns_with_verdicts() {
    let mut h = harness("04-two-small-sends");
    click(&mut h, "Compare");
    h.get_by_label_contains("raw verdict: 0 of 2 messages intact");
    h.get_by_label_contains("length-prefix verdict: 2 of 2 messages intact");
    h.get_by_label_contains("json-header verdict: 2 of 2 messages intact");
    assert_eq!(h.query_all_by_label_contains(" verdict: ").count(), 3);
}

#[test]
fn changing_a_parameter_keeps_the_time_cursor() {
    let mut h = harness("12-separate-header-writes");
    click(&mut h, "To the end");
    let end = h.state().playback.now();
    for _ in 0..10 {
        click(&mut h, "Step back");
    }
    let t = h.state().playback.now();
    assert!(t < end);
    h.get_by_label("Nagle").click();
    h.run();
    assert!(!h.state().playback.params.nagle);
    // The cursor is now the last step at or before the old time (the run is shorter
    // without the Nagle stalls, so it may be the new end).
    let pb = &h.state().playback;
    assert!(pb.now() <= t, "cursor moved forward: {} > {t}", pb.now());
    assert!(pb.time_of(pb.pos() + 1).is_none_or(|next| next > t));
}

#[test]
fn every_scenario_draws_in_both_languages_at_every_framing() {
    use stickysim::gui::Cmd;
    use stickysim::params::{Framing, Transport};
    use stickysim::scenario::Lang;
    // Drawing panics on a missing glyph (tofu) or a widget without an accessible name.
    let mut h = harness("");
    let n = h.state().scenarios.len();
    for i in 0..n {
        h.state_mut().apply(Cmd::Scenario(i));
        let base = h.state().playback.params.clone();
        let framings = if base.transport == Transport::Udp {
            vec![Framing::Raw]
        } else {
            vec![Framing::Raw, Framing::LengthPrefix, Framing::JsonHeader]
        };
        for framing in framings {
            h.state_mut().apply(Cmd::Params(stickysim::params::Params {
                framing,
                ..base.clone()
            }));
            for lang in [Lang::Zh, Lang::En] {
                h.state_mut().apply(Cmd::Lang(lang));
                h.state_mut().apply(Cmd::ToEnd);
                h.run();
                let pb = &h.state().playback;
                assert!(pb.error.is_none(), "{}: {:?}", pb.scenario.name, pb.error);
                assert!(pb.at_end());
            }
        }
    }
}

#[test]
fn the_tutorial_decoder_crash_is_shown() {
    let mut h = harness("08-header-split");
    click(&mut h, "To the end");
    h.get_by_label_contains("decode error at client: struct.error");
    click(&mut h, "correct");
    click(&mut h, "To the end");
    assert!(h.query_by_label_contains("decode error").is_none());
    assert_eq!(h.query_all_by_label_contains(" intact: ").count(), 2);
}

/// Steps the UI until `done` holds (real sockets take real time), at most ~10 s.
fn step_until(h: &mut Harness<'static, StickyApp>, done: impl Fn(&StickyApp) -> bool) {
    for _ in 0..200 {
        h.step();
        if done(h.state()) {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    panic!("the UI did not get there in time");
}

#[test]
fn both_runs_the_scenario_on_real_loopback_too() {
    let mut h = harness("04-two-small-sends");
    // The run starts at once and streams in while the UI keeps drawing: step, don't settle.
    h.get_by_label("Both").click();
    h.step();
    step_until(&mut h, |app| {
        app.real.as_ref().is_some_and(|r| r.live.finished.is_some())
    });
    h.run();
    h.get_by_label_contains("real verdict:");
    let report = &h.state().real.as_ref().unwrap().report;
    // The kernel decides the chunking; the bytes are what they are.
    assert_eq!(report.summary.messages_sent, 2);
    assert_eq!(report.summary.bytes_delivered, 10);
    // the simulated view is still there, side by side with the real one
    h.state_mut().apply(stickysim::gui::Cmd::ToEnd);
    h.run();
    h.get_by_label("recv #1 at server: 10 B, messages 1+2 (sticky)");
    // a real chip opens its bytes in the inspector
    h.get_by_label_contains("real recv #1 at server").click();
    h.run();
    assert!(matches!(
        h.state().selection,
        Some(stickysim::gui::Selection::RealEvent(_))
    ));
}

#[test]
fn the_live_server_shows_what_a_client_sends() {
    use std::io::{Read, Write};
    let mut h = harness("01-first-round-trip");
    h.state_mut().server.port = 0;
    click(&mut h, "Live server");
    click(&mut h, "Start");
    let addr = h.state().server.addr().expect("listening");
    assert!(addr.ip().is_loopback());
    let mut c = std::net::TcpStream::connect(addr).unwrap();
    c.write_all(b"hello").unwrap();
    let mut reply = [0u8; 5];
    c.read_exact(&mut reply).unwrap();
    assert_eq!(&reply, b"HELLO");
    step_until(&mut h, |app| {
        app.server
            .events
            .iter()
            .any(|e| e.describe().contains("hello"))
    });
    h.run();
    h.get_by_label_contains("recv 5 B \"hello\"");
    drop(c);
    click(&mut h, "Stop");
    assert!(!h.state().server.running());
}

#[test]
fn compare_decoders_on_the_upload() {
    let mut h = harness("07-ftp-upload");
    click(&mut h, "Compare");
    click(&mut h, "correct | tutorial decoder");
    h.get_by_label_contains("correct decoder verdict: 1 of 1 message intact");
    h.get_by_label_contains("tutorial decoder verdict: 0 of 1 message intact");
}

#[test]
fn compare_linux_and_windows_on_separate_writes() {
    let mut h = harness("12-separate-header-writes");
    click(&mut h, "Compare");
    click(&mut h, "Linux | Windows");
    // The same program: Linux's 40 ms delayed ACK against Windows' 200 ms.
    h.get_by_label_contains("Linux verdict: 6 of 6 messages intact; Nagle held data up to 53.0 ms");
    h.get_by_label_contains(
        "Windows verdict: 6 of 6 messages intact; Nagle held data up to 210.0 ms",
    );
}

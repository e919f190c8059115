//! The desktop app driven through AccessKit labels, headless (egui_kittest).
#![cfg(feature = "gui")]

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use stickysim::gui::{Settings, StickyApp};

mod common;
use common::{click_contains, harness, step_until};

/// Picks `item` from the list named `list` (e.g. View → Compare).
fn pick(h: &mut Harness<'static, StickyApp>, list: &str, item: &str) {
    // A narrow top bar keeps the choice in its "More" menu, as buttons.
    if h.query_by_label_contains(list).is_none() {
        click_contains(h, "More");
    } else {
        click_contains(h, list);
    }
    h.get_by_label(item).click();
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
    click_contains(&mut h, "To the end");
    h.get_by_label("recv #1 at server: 10 B, messages 1+2 (sticky)");
}

#[test]
fn length_prefix_marks_every_message_intact() {
    let mut h = harness("04-two-small-sends");
    click_contains(&mut h, "length-prefix");
    click_contains(&mut h, "To the end");
    let intact = h.query_all_by_label_contains(" intact: ").count();
    let corrupted = h
        .query_all_by_label_contains(" with wrong boundaries: ")
        .count();
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
        click_contains(&mut h, "Step ▶");
    }
    assert_eq!(h.state().playback.pos(), 5);
    let moved = h
        .state()
        .playback
        .sim()
        .map(|s| (s.now(), s.side_state(stickysim::trace::Side::Client)));
    assert_ne!(moved, start);
    for _ in 0..5 {
        click_contains(&mut h, "Step back");
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
    click_contains(&mut h, "中文");
    assert!(h.state().settings.chinese);
    h.get_by_label_contains("单步 ▶");
    h.get_by_label("客户端");
    click_contains(&mut h, "EN");
    h.get_by_label_contains("Step back");
}

#[test]
fn compare_view_shows_a_column_per_framing_with_verdicts() {
    let mut h = harness("04-two-small-sends");
    pick(&mut h, "View", "Compare");
    h.get_by_label_contains("raw verdict: 0 of 2 messages intact");
    h.get_by_label_contains("length-prefix verdict: 2 of 2 messages intact");
    h.get_by_label_contains("json-header verdict: 2 of 2 messages intact");
    h.get_by_label_contains("line verdict: 2 of 2 messages intact");
    h.get_by_label_contains("fixed verdict: 2 of 2 messages intact");
    assert_eq!(h.query_all_by_label_contains(" verdict: ").count(), 5);
}

#[test]
fn changing_a_parameter_keeps_the_time_cursor() {
    let mut h = harness("12-separate-header-writes");
    click_contains(&mut h, "To the end");
    let end = h.state().playback.now();
    for _ in 0..10 {
        click_contains(&mut h, "Step back");
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
    click_contains(&mut h, "To the end");
    h.get_by_label_contains("decode error at client: struct.error");
    click_contains(&mut h, "correct");
    click_contains(&mut h, "To the end");
    assert!(h.query_by_label_contains("decode error").is_none());
    assert_eq!(h.query_all_by_label_contains(" intact: ").count(), 2);
}

#[test]
fn both_runs_the_scenario_on_real_loopback_too() {
    let mut h = harness("04-two-small-sends");
    // The run starts at once and streams in while the UI keeps drawing (it repaints until
    // the run ends): step, don't wait for it to settle.
    if h.query_by_label_contains("World").is_none() {
        click_contains(&mut h, "More");
    } else {
        click_contains(&mut h, "World");
    }
    h.get_by_label("Both").click();
    h.step();
    step_until(&mut h, |app| {
        app.real.as_ref().is_some_and(|r| r.live.finished.is_some())
    });
    h.run();
    // Beside the simulated run at its start, the real one shows nothing yet either.
    assert!(h.query_by_label_contains("real verdict:").is_none());
    assert!(h.query_by_label_contains("real recv #1").is_none());
    h.state_mut().apply(stickysim::gui::Cmd::ToEnd);
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
    pick(&mut h, "View", "Live server");
    click_contains(&mut h, "Start");
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
    click_contains(&mut h, "Stop");
    assert!(!h.state().server.running());
}

#[test]
fn compare_decoders_on_the_upload() {
    let mut h = harness("07-ftp-upload");
    pick(&mut h, "View", "Compare");
    click_contains(&mut h, "correct | tutorial decoder");
    h.get_by_label_contains("correct decoder verdict: 1 of 1 message intact");
    h.get_by_label_contains("tutorial decoder verdict: 0 of 1 message intact");
}

/// A harness like a window of `w`×`h` pixels at `zoom` (egui works in points: a window
/// at zoom 1.5 is 1.5 × fewer points wide).
fn window(scenario: &str, w: f32, h: f32, zoom: f32) -> Harness<'static, StickyApp> {
    let settings = Settings {
        zoom,
        ..common::settings(scenario)
    };
    common::start(
        common::builder(w / zoom, h / zoom).with_pixels_per_point(zoom),
        settings,
    )
}

/// The rects of the nodes whose label contains `label` (at least one).
fn rects(h: &Harness<'static, StickyApp>, label: &str) -> Vec<egui::Rect> {
    let r: Vec<egui::Rect> = h
        .query_all_by_label_contains(label)
        .map(|n| n.rect())
        .collect();
    assert!(!r.is_empty(), "nothing labelled {label:?}");
    r
}

fn overlap(a: egui::Rect, b: egui::Rect) -> f32 {
    let i = a.intersect(b);
    if i.is_positive() { i.area() } else { 0.0 }
}

/// What a class needs on screen: the verdict, the results, the transport controls and
/// the top bar, all inside the window, none over another.
fn assert_all_on_screen(h: &mut Harness<'static, StickyApp>, what: &str) {
    let labels = [
        "verdict: ",
        "Reset",
        "Step back",
        "Play",
        "Step ▶",
        "To the end",
        "Present",
        "Scenario",
    ];
    assert_labels_on_screen(h, what, &labels);
}

/// The same in 中文, by the Chinese names.
fn assert_all_on_screen_zh(h: &mut Harness<'static, StickyApp>, what: &str) {
    let labels = [
        "verdict: ",
        "重置",
        "后退",
        "播放",
        "单步 ▶",
        "到结尾",
        "演示模式",
        "场景",
    ];
    assert_labels_on_screen(h, what, &labels);
}

fn assert_labels_on_screen(h: &mut Harness<'static, StickyApp>, what: &str, labels: &[&str]) {
    h.state_mut().apply(stickysim::gui::Cmd::ToEnd);
    h.run();
    let screen = h.ctx.content_rect();
    // The newest result (the lowest chip: the results scroll to the newest when they do
    // not all fit).
    let newest = rects(h, "recv #")
        .into_iter()
        .max_by(|a, b| a.bottom().total_cmp(&b.bottom()))
        .unwrap();
    let mut items: Vec<(String, egui::Rect)> = vec![("newest recv".into(), newest)];
    for &label in labels {
        for r in rects(h, label) {
            items.push((label.to_string(), r));
        }
    }
    for (label, r) in &items {
        assert!(
            screen.expand(0.5).contains_rect(*r),
            "{what}: {label:?} at {r:?} is outside the window {screen:?}"
        );
    }
    for (i, (la, a)) in items.iter().enumerate() {
        for (lb, b) in &items[i + 1..] {
            assert!(
                overlap(*a, *b) < 1.0,
                "{what}: {la:?} {a:?} overlaps {lb:?} {b:?}"
            );
        }
    }
    // The top bar is one row: the scenario list and Present side by side.
    let (scenario, present) = (rects(h, labels[7])[0], rects(h, labels[6])[0]);
    assert!(
        (scenario.center().y - present.center().y).abs() < 4.0,
        "{what}: the top bar wrapped"
    );
}

#[test]
fn a_class_sees_verdict_results_and_controls_at_every_size_and_zoom() {
    for scenario in [
        "04-two-small-sends",
        "08-header-split",
        "12-separate-header-writes",
    ] {
        for (w, h) in [(1024.0, 600.0), (1280.0, 720.0)] {
            for zoom in [1.0, 1.5] {
                let mut harness = window(scenario, w, h, zoom);
                assert_all_on_screen(&mut harness, &format!("{scenario} {w}x{h} at {zoom}"));
            }
        }
    }
}

#[test]
fn present_mode_shows_only_the_lesson_and_zooms() {
    let mut h = window("12-separate-header-writes", 1280.0, 720.0, 1.0);
    assert!(h.query_by_label("Inspector").is_some());
    click_contains(&mut h, "Present");
    assert!(h.state().settings.present);
    assert_eq!(h.state().zoom(), 1.5);
    click_contains(&mut h, "Present");
    assert!(!h.state().settings.present);
    assert_eq!(h.state().zoom(), 1.0, "back to the zoom before presenting");
    // The window is now 1.5 × fewer points: as eframe would give it.
    let mut h = window("12-separate-header-writes", 1280.0, 720.0, 1.5);
    h.state_mut().apply(stickysim::gui::Cmd::Present(true));
    h.run();
    assert!(
        h.query_by_label("Inspector").is_none(),
        "the inspector is hidden"
    );
    assert!(
        h.query_by_label("Events").is_none(),
        "the events are hidden"
    );
    assert_all_on_screen(&mut h, "present 1280x720");
    // 12's lesson toggles stay in the bar while presenting (the framing becomes a list).
    let screen = h.ctx.content_rect();
    for label in ["Nagle", "delayed ACK", "Framing"] {
        assert!(
            screen.contains_rect(h.get_by_label(label).rect()),
            "{label}"
        );
    }
    h.state_mut()
        .apply(stickysim::gui::Cmd::Lang(stickysim::scenario::Lang::Zh));
    h.run();
    assert_all_on_screen_zh(&mut h, "present 1280x720 中文");
}

#[test]
fn chinese_fits_at_every_size_and_zoom_too() {
    for scenario in ["04-two-small-sends", "12-separate-header-writes"] {
        for (w, h) in [(1024.0, 600.0), (1280.0, 720.0)] {
            for zoom in [1.0, 1.5] {
                let mut harness = window(scenario, w, h, zoom);
                harness
                    .state_mut()
                    .apply(stickysim::gui::Cmd::Lang(stickysim::scenario::Lang::Zh));
                harness.run();
                assert_all_on_screen_zh(
                    &mut harness,
                    &format!("{scenario} {w}x{h} at {zoom} 中文"),
                );
            }
        }
    }
}

#[test]
fn the_zoom_buttons_stay_where_they_are() {
    let mut h = window("04-two-small-sends", 1280.0, 720.0, 1.0);
    let before = rects(&h, "Zoom in")[0];
    for _ in 0..3 {
        click_contains(&mut h, "Zoom in");
        assert_eq!(rects(&h, "Zoom in")[0], before);
    }
    assert!((h.state().zoom() - 1.3).abs() < 1e-4);
}

#[test]
fn play_runs_a_continuous_clock_between_steps() {
    let mut h = harness("04-two-small-sends");
    // Playing keeps repainting: step frames, never wait to settle.
    h.get_by_label("▶ Play").click();
    h.step();
    assert!(h.state().playing);
    let mut times = Vec::new();
    // The harness steps 0.25 s a frame (the app takes at most 0.1 s of it): 1 ms of
    // model time a frame at 1 ms = 0.1 s, so 20 frames stay inside the 30 ms run.
    for _ in 0..20 {
        h.step();
        times.push((h.state().view_time(), h.state().playback.pos()));
    }
    // The clock moves every frame, also while no step happens (the packets fly).
    assert!(times.windows(2).all(|w| w[1].0 >= w[0].0));
    let between = times
        .iter()
        .filter(|(t, pos)| {
            let pb = &h.state().playback;
            pb.time_of(*pos).is_some_and(|step| *t > step)
        })
        .count();
    assert!(
        between > 5,
        "the clock stood still between steps: {times:?}"
    );
    h.get_by_label_contains("Pause").click();
    h.step();
    assert!(!h.state().playing);
    let t = h.state().view_time();
    for _ in 0..5 {
        h.step();
    }
    assert_eq!(h.state().view_time(), t, "paused means still");
}

#[test]
fn the_verdict_waits_for_the_end_or_a_reveal() {
    let mut h = harness("04-two-small-sends");
    assert!(h.query_by_label_contains("verdict: ").is_none());
    click_contains(&mut h, "Reveal");
    h.get_by_label_contains("verdict: 0 of 2 messages intact");
    click_contains(&mut h, "|◀ Reset");
    assert!(
        h.query_by_label_contains("verdict: ").is_none(),
        "hidden again"
    );
    click_contains(&mut h, "To the end");
    h.get_by_label_contains("verdict: 0 of 2 messages intact");
}

#[test]
fn compare_shows_what_changed_and_why_columns_are_the_same() {
    // 07: the tutorial's loop writes a short file, and the column says by how much.
    let mut h = harness("07-ftp-upload");
    pick(&mut h, "View", "Compare");
    click_contains(&mut h, "correct | tutorial decoder");
    h.get_by_label_contains("tutorial decoder message 1 short: 5734 B not in this delivery");
    assert!(
        h.query_by_label_contains("correct decoder message 1 short")
            .is_none()
    );
    // 12: Nagle on | off, each run on the shared time axis: the stalls are the difference.
    let mut h = harness("12-separate-header-writes");
    pick(&mut h, "View", "Compare");
    click_contains(&mut h, "Nagle on | off");
    assert_eq!(h.query_all_by_label_contains("time axis").count(), 2);
    assert!(h.query_by_label_contains("identical").is_none());
    // 04 on raw framing: no decoder, so both decoder columns read the same, and say why.
    let mut h = harness("04-two-small-sends");
    pick(&mut h, "View", "Compare");
    click_contains(&mut h, "correct | tutorial decoder");
    h.get_by_label_contains("These columns are identical: with raw framing there is no decoder");
}

#[test]
fn the_live_server_listens_on_this_computer_unless_asked_and_then_warns() {
    let mut h = harness("01-first-round-trip");
    pick(&mut h, "View", "Live server");
    assert!(!h.state().server.open, "loopback by default");
    assert!(
        h.query_by_label_contains("Anyone on your network")
            .is_none()
    );
    click_contains(&mut h, "every network (0.0.0.0)");
    assert!(h.state().server.open);
    h.get_by_label_contains("Anyone on your network can connect");
    click_contains(&mut h, "this computer only");
    assert!(!h.state().server.open);
}

#[test]
fn chinese_wraps_at_characters_not_words() {
    // A long Chinese note in a narrow column breaks between characters (no spaces to
    // break at), and every line stays inside the column.
    let text = "服务端读到4字节报头后阻塞等正文它只收到4字节不到2个满报文段所以不立即确认";
    let mut h = Harness::builder()
        .with_context_setup(stickysim::gui::install_fonts)
        .build_ui_state(
            |ui, out: &mut Option<std::sync::Arc<egui::Galley>>| {
                *out = Some(ui.painter().layout(
                    text.into(),
                    egui::FontId::proportional(15.0),
                    egui::Color32::WHITE,
                    120.0,
                ));
            },
            None,
        );
    h.run();
    let galley = h.state().clone().expect("laid out");
    assert!(galley.rows.len() > 3, "{} rows", galley.rows.len());
    for row in &galley.rows {
        assert!(row.rect().width() <= 120.5, "{:?}", row.rect());
    }
}

#[test]
fn compare_linux_and_windows_on_separate_writes() {
    let mut h = harness("12-separate-header-writes");
    pick(&mut h, "View", "Compare");
    click_contains(&mut h, "Linux | Windows");
    // The same program: Linux's 40 ms delayed ACK against Windows' 200 ms.
    h.get_by_label_contains("Linux verdict: 6 of 6 messages intact; Nagle held data up to 53.0 ms");
    h.get_by_label_contains(
        "Windows verdict: 6 of 6 messages intact; Nagle held data up to 210.0 ms",
    );
}

#[test]
fn the_narration_follows_the_run_and_names_no_flags() {
    // With the scenario's own settings: its notes, never a command-line flag.
    let mut h = harness("");
    let n = h.state().scenarios.len();
    for i in 0..n {
        h.state_mut().apply(stickysim::gui::Cmd::Scenario(i));
        for steps in [3, usize::MAX] {
            if steps == usize::MAX {
                h.state_mut().apply(stickysim::gui::Cmd::ToEnd);
            } else {
                for _ in 0..steps {
                    h.state_mut().apply(stickysim::gui::Cmd::Step);
                }
            }
            h.run();
            for node in h.query_all_by_label_contains("note: ") {
                let text = format!("{node:?}");
                assert!(!text.contains(" --"), "a flag in {text}");
            }
        }
    }
    // 04 with a framing: the notes were written for raw, so the app says what this run
    // did and marks the notes.
    let mut h = harness("04-two-small-sends");
    assert!(
        h.query_by_label_contains("written for its default settings")
            .is_none()
    );
    click_contains(&mut h, "length-prefix");
    click_contains(&mut h, "To the end");
    h.get_by_label_contains("written for its default settings");
    h.get_by_label_contains("narration: This run:");
}

/// Frames of play until `scenario` ends (the harness steps 0.25 s a frame, the app takes
/// 0.1 s of it: 1 ms of model time a frame at the default speed).
fn frames_to_play(scenario: &str, skip_idle: bool) -> usize {
    let mut h = harness(scenario);
    if !skip_idle {
        h.get_by_label_contains("1 ms = ").click();
        h.run();
        h.get_by_label("Skip idle stretches").click();
        h.run();
        assert!(!h.state().settings.skip_idle);
    }
    h.get_by_label("▶ Play").click();
    h.step();
    let mut frames = 0;
    while h.state().playing && frames < 10_000 {
        h.step();
        frames += 1;
    }
    assert!(h.state().playback.at_end());
    frames
}

#[test]
fn play_runs_idle_stretches_faster_but_not_stalls() {
    // At the default speed a frame plays 1 ms, so a run takes at least its duration in
    // frames unless idle stretches run faster. 03's server and client sleep for most of
    // its ~605 ms with nothing on the wire.
    let end = |name: &str| harness(name).state().playback.end_time() as usize / 1000;
    let (fast, all) = (
        frames_to_play("03-remote-command-big-reply", true),
        end("03-remote-command-big-reply"),
    );
    assert!(fast * 3 < all, "03: {fast} frames for a {all} ms run");
    // Without skipping, every millisecond plays.
    let slow = frames_to_play("04-two-small-sends", false);
    assert!(
        slow >= end("04-two-small-sends"),
        "04 without skipping: {slow} frames"
    );
    // 12's stalls are Nagle holds waiting for delayed ACKs: never skipped, so the run
    // takes at least its four 40 ms stalls in frames.
    let twelve = frames_to_play("12-separate-header-writes", true);
    assert!(twelve >= 160, "12 played in {twelve} frames");
}

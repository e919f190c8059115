//! The engineers' views in the desktop app, headless (egui_kittest): the ladder and the
//! time–sequence graph are drawn, their arrows / segments select their events, and they
//! follow the time cursor; the stream strip marks sticky reads; the export button writes
//! a capture.
//!
//! `STICKYSIM_SCREENSHOTS=docs/screenshots cargo test --test views` also writes PNGs of
//! the views there (rendered with wgpu, as the app is).
#![cfg(feature = "gui")]

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use stickysim::gui::{Cmd, Selection, StickyApp};
use stickysim::trace::Dir;
use stickysim::views::{self, ArrowKind, IntervalKind};

mod common;
use common::click;

fn harness(scenario: &str) -> Harness<'static, StickyApp> {
    common::start(common::builder(1280.0, 800.0), common::settings(scenario))
}

// The transport is driven by its commands: the buttons' layout is the stage's business.
fn to_end(h: &mut Harness<'static, StickyApp>) {
    h.state_mut().apply(Cmd::ToEnd);
    h.run();
}

fn step(h: &mut Harness<'static, StickyApp>, n: usize) {
    for _ in 0..n {
        h.state_mut().apply(Cmd::Step);
        h.run();
    }
}

fn now_ms(h: &Harness<'static, StickyApp>) -> String {
    format!("t = {:.3} ms", h.state().playback.now() as f64 / 1000.0)
}

#[test]
fn the_ladder_of_12_draws_every_arrow_and_the_40_ms_holds() {
    let mut h = harness("12-separate-header-writes");
    click(&mut h, "Ladder");
    to_end(&mut h);
    let ladder = views::ladder(&h.state().playback.trace);
    let data = ladder
        .arrows
        .iter()
        .filter(|a| matches!(a.kind, ArrowKind::Data | ArrowKind::Fin))
        .count();
    let acks = ladder
        .arrows
        .iter()
        .filter(|a| matches!(a.kind, ArrowKind::Ack(_)))
        .count();
    assert!(data > 0 && acks > 0);
    assert_eq!(h.query_all_by_label_contains("model seq=").count(), data);
    assert_eq!(h.query_all_by_label_contains("model ACK ").count(), acks);
    // The holds, named with their length.
    let holds: Vec<_> = ladder
        .intervals
        .iter()
        .filter(|i| i.kind == IntervalKind::NagleHold)
        .collect();
    assert!(
        holds.iter().any(|h| h.end - h.start >= 40_000),
        "a 40 ms hold"
    );
    for hold in &holds {
        let same = holds.iter().filter(|x| x.label == hold.label).count();
        let label = format!("model {}", hold.label);
        assert_eq!(h.query_all_by_label(&label).count(), same, "{label}");
    }
    // Fired delayed-ACK timers, named with their length (≥ 40 ms).
    let fired: Vec<_> = ladder
        .intervals
        .iter()
        .filter(|i| i.kind == IntervalKind::DelayedAck { fired: true })
        .collect();
    assert!(fired.iter().any(|i| i.end - i.start >= 40_000));
    for iv in fired {
        let label = format!("model {}", iv.label);
        assert!(h.query_all_by_label(&label).count() > 0, "{label}");
    }
    // App calls beside the axes.
    assert!(
        h.query_all_by_label_contains("model client recv_message(1024)")
            .count()
            > 0
    );
}

#[test]
fn clicking_an_arrow_selects_its_event_and_moves_the_cursor_there() {
    let mut h = harness("04-two-small-sends");
    click(&mut h, "Ladder");
    to_end(&mut h);
    let ladder = views::ladder(&h.state().playback.trace);
    let second = ladder
        .arrows
        .iter()
        .filter(|a| a.kind == ArrowKind::Data)
        .nth(1)
        .expect("two data segments")
        .clone();
    let label = format!("model {} client → server", second.label);
    h.get_by_label(&label).scroll_to_me();
    h.run();
    h.get_by_label(&label).click();
    h.run();
    assert_eq!(h.state().selection, Some(Selection::Event(second.tx_event)));
    assert_eq!(h.state().playback.now(), second.t_tx);
    // The arrow's time is now the cursor's.
    h.get_by_label_contains(&format!("model ladder now {}", now_ms(&h)));
}

#[test]
fn the_ladder_follows_the_cursor() {
    let mut h = harness("12-separate-header-writes");
    click(&mut h, "Ladder");
    let screen = egui::Rect::from_min_size(egui::Pos2::ZERO, egui::vec2(1280.0, 800.0));
    let mut seen = Vec::new();
    for _ in 0..3 {
        step(&mut h, 15);
        let label = format!("model ladder now {}", now_ms(&h));
        let node = h.get_by_label(&label);
        // Scrolled so that the line is on screen.
        assert!(
            screen.contains(node.rect().center()),
            "{label} at {:?}",
            node.rect()
        );
        seen.push(h.state().playback.now());
    }
    to_end(&mut h);
    let label = format!("model ladder now {}", now_ms(&h));
    assert!(screen.contains(h.get_by_label(&label).rect().center()));
    assert!(seen.windows(2).all(|w| w[1] > w[0]), "{seen:?}");
}

#[test]
fn the_graph_draws_a_beam_per_segment_and_selects_it() {
    let mut h = harness("12-separate-header-writes");
    click(&mut h, "Time–sequence");
    to_end(&mut h);
    click(&mut h, "server → client");
    let g = views::seq_graph(&h.state().playback.trace, Dir::ServerToClient);
    let beams = h
        .query_all_by_label_contains("model segment offsets ")
        .count();
    assert_eq!(beams, g.beams.len());
    // The stall: a beam ≥ 40 ms after the one before it, at the next offset.
    let (a, b) = g
        .beams
        .windows(2)
        .map(|w| (&w[0], &w[1]))
        .find(|(a, b)| b.start == a.end && b.t - a.t >= 40_000)
        .expect("a flat step");
    assert!(b.t > a.t);
    let label = format!(
        "model segment offsets {}–{} at {:.3} ms",
        b.start,
        b.end,
        b.t as f64 / 1000.0
    );
    h.get_by_label(&label).click();
    h.run();
    assert_eq!(h.state().selection, Some(Selection::Event(b.event)));
    assert_eq!(h.state().playback.now(), b.t);
    h.get_by_label(&format!("model graph now {}", now_ms(&h)));
}

#[test]
fn the_graph_follows_the_cursor() {
    let mut h = harness("12-separate-header-writes");
    click(&mut h, "Time–sequence");
    to_end(&mut h);
    let end = h
        .get_by_label_contains("model graph now ")
        .rect()
        .center()
        .x;
    h.state_mut().apply(Cmd::Reset);
    h.run();
    step(&mut h, 20);
    let mid = h
        .get_by_label(&format!("model graph now {}", now_ms(&h)))
        .rect()
        .center()
        .x;
    assert!(
        mid < end,
        "the cursor moved left with the time: {mid} vs {end}"
    );
}

#[test]
fn the_stream_strip_outlines_the_sticky_read_of_04() {
    let mut h = harness("04-two-small-sends");
    click(&mut h, "Follow stream");
    h.get_by_label("model client_to_server recv 1: offsets 0–10 (sticky: two or more messages)");
    h.get_by_label("model client_to_server seg 1: offsets 0–5");
    h.get_by_label("model client_to_server seg 2: offsets 5–10");
    h.get_by_label("model client_to_server seg 2: offsets 5–10")
        .click();
    h.run();
    let ev = h.state().selection.clone();
    let Some(Selection::Event(i)) = ev else {
        panic!("a segment selects its event: {ev:?}")
    };
    assert!(matches!(
        h.state().playback.trace.events[i].kind,
        stickysim::trace::EventKind::SegmentTx(_)
    ));
    // Hex shows the same bytes as hex.
    click(&mut h, "hex");
    assert!(h.state().views.hex);
}

#[test]
fn the_export_button_writes_a_pcapng() {
    let mut h = harness("04-two-small-sends");
    let path = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("gui-export-04.pcapng");
    let _ = std::fs::remove_file(&path);
    h.state_mut().views.pcap_path = path.display().to_string();
    h.run();
    click(&mut h, "pcapng ▼");
    click(&mut h, "Export pcapng");
    let bytes = std::fs::read(&path).expect("the file was written");
    assert_eq!(
        &bytes[..4],
        &[0x0A, 0x0D, 0x0D, 0x0A],
        "a pcapng section header"
    );
    h.get_by_label_contains("packets → ");
    let mut bad = harness("04-two-small-sends");
    bad.state_mut().views.pcap_path = "/nonexistent-folder/x.pcapng".into();
    bad.run();
    click(&mut bad, "pcapng ▼");
    click(&mut bad, "Export pcapng");
    bad.get_by_label_contains("/nonexistent-folder/x.pcapng: ");
}

#[test]
fn every_view_draws_every_scenario_in_both_worlds_of_sim() {
    let names: Vec<String> = stickysim::scenario::builtin()
        .into_iter()
        .map(|s| s.name)
        .collect();
    for name in names {
        let mut h = harness(&name);
        to_end(&mut h);
        for view in ["Ladder", "Time–sequence", "Follow stream"] {
            click(&mut h, view);
            assert!(
                h.query_all_by_label_contains("model ").count() > 0,
                "{name} {view} draws"
            );
        }
    }
}

/// Renders the views with wgpu (as the app does) and, when `STICKYSIM_SCREENSHOTS` names
/// a folder, saves them there as PNGs.
#[test]
fn screenshots_of_the_views() {
    let out = std::env::var("STICKYSIM_SCREENSHOTS").ok();
    for (file, scenario, view, extra, both) in [
        (
            "12-ladder",
            "12-separate-header-writes",
            "Ladder",
            None,
            false,
        ),
        (
            "12-seqgraph",
            "12-separate-header-writes",
            "Time–sequence",
            Some("server → client"),
            false,
        ),
        (
            "04-stream",
            "04-two-small-sends",
            "Follow stream",
            None,
            false,
        ),
        (
            "13-stream",
            "13-pipelined-replies",
            "Follow stream",
            None,
            false,
        ),
        // The model's ladder beside the kernel's (captured on lo where permitted).
        (
            "12-ladder-both",
            "12-separate-header-writes",
            "Ladder",
            None,
            true,
        ),
    ] {
        let mut h = common::start(
            common::builder(1280.0, 800.0).wgpu(),
            common::settings(scenario),
        );
        click(&mut h, view);
        if let Some(e) = extra {
            click(&mut h, e);
        }
        if both {
            h.state_mut().apply(Cmd::Mode(stickysim::gui::Mode::Both));
            for _ in 0..200 {
                h.step();
                if h.state()
                    .real
                    .as_ref()
                    .is_some_and(|r| r.live.finished.is_some())
                {
                    break;
                }
                std::thread::sleep(std::time::Duration::from_millis(50));
            }
            h.run();
        }
        // Half-way, so the cursor line and the packets still to come both show.
        step(&mut h, 28);
        let image = h.render().expect("wgpu renders");
        // Not blank: the views draw many colours.
        let mut colours: Vec<[u8; 4]> = image.pixels().map(|p| p.0).collect();
        colours.sort_unstable();
        colours.dedup();
        assert!(colours.len() > 50, "{file}: {} colours", colours.len());
        if let Some(dir) = &out {
            let path = std::path::Path::new(dir).join(format!("{file}.png"));
            image.save(&path).expect("saves the PNG");
            eprintln!("wrote {}", path.display());
        }
    }
}

#[test]
fn both_shows_the_models_ladder_beside_the_kernels() {
    let mut h = harness("04-two-small-sends");
    click(&mut h, "Ladder");
    h.state_mut().apply(Cmd::Mode(stickysim::gui::Mode::Both));
    h.step();
    for _ in 0..200 {
        h.step();
        if h.state()
            .real
            .as_ref()
            .is_some_and(|r| r.live.finished.is_some())
        {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    h.run();
    to_end(&mut h);
    // Both columns: the model's arrows and marks, and the kernel's marks (its segments
    // too where the run could capture them).
    assert!(h.query_all_by_label_contains("model seq=").count() > 0);
    assert!(
        h.query_all_by_label_contains("model server recv(1024) → 10 B")
            .count()
            > 0
    );
    let kernel = h.query_all_by_label_contains("kernel server recv(").count();
    assert!(kernel > 0, "the kernel's recv calls are marked");
    // Where the run captured its packets, the kernel's segments are arrows too.
    let captured = views::ladder(&h.state().real.as_ref().unwrap().live.trace)
        .arrows
        .iter()
        .filter(|a| a.kind == ArrowKind::Data)
        .count();
    assert_eq!(
        h.query_all_by_label_contains("kernel seq=").count(),
        captured
            + views::ladder(&h.state().real.as_ref().unwrap().live.trace)
                .arrows
                .iter()
                .filter(|a| a.kind == ArrowKind::Fin)
                .count()
    );
    // A kernel mark selects the real event.
    let real = views::ladder(&h.state().real.as_ref().unwrap().live.trace);
    let mark = real
        .marks
        .iter()
        .find(|m| m.side == stickysim::trace::Side::Server && m.text.starts_with("recv("))
        .expect("a kernel recv mark");
    let label = format!("kernel server {}", mark.text);
    h.get_by_label(&label).scroll_to_me();
    h.run();
    h.get_by_label(&label).click();
    h.run();
    assert!(matches!(h.state().selection, Some(Selection::RealEvent(_))));
}

#[test]
fn the_compare_view_shows_each_columns_ladder_on_one_scale() {
    // 12, Nagle on | off: the ladders side by side (issue 11: the ladder in the compare
    // view too). Each column draws the arrows of its own run.
    let mut h = harness("12-separate-header-writes");
    h.state_mut()
        .apply(Cmd::CompareBy(stickysim::gui::compare::CompareBy::Nagle));
    h.state_mut()
        .apply(Cmd::View(stickysim::gui::View::Compare));
    h.run();
    click(&mut h, "Ladder");
    assert!(h.state().compare_ladder.is_some());
    let columns: Vec<_> = h
        .state()
        .compare
        .as_ref()
        .expect("compare columns")
        .columns
        .iter()
        .map(|(label, pb)| (label.clone(), views::ladder(&pb.trace)))
        .collect();
    assert_eq!(columns.len(), 2);
    for (label, ladder) in &columns {
        let data = ladder
            .arrows
            .iter()
            .filter(|a| a.kind == ArrowKind::Data)
            .count();
        // A data arrow is labelled "{column} seq=… len=… {from} → {to}".
        let drawn = h
            .query_all_by_label_contains(&format!("{label} seq="))
            .count();
        assert!(
            data > 0 && drawn >= data,
            "{label}: {drawn} arrows drawn, {data} in its run"
        );
    }
    // Off again: the receivers' views are back.
    click(&mut h, "Ladder");
    assert!(h.state().compare_ladder.is_none());
    h.get_by_label_contains("Nagle off verdict: ");
}

//! The main view's layout at the sizes we ship (headless, egui_kittest): the stage, the
//! narration, the recv() results and the verdict each keep their own room, and the newest
//! recv chips show whole however short the window.
#![cfg(feature = "gui")]

use egui::Rect;
use egui_kittest::kittest::{NodeT, Queryable};
use stickysim::gui::{Cmd, Settings};
use stickysim::scenario::Lang;

mod common;

/// A window of `w`×`h` pixels at `zoom` (egui works in points), at the run's end.
fn window(scenario: &str, w: f32, h: f32, zoom: f32, zh: bool, present: bool) -> common::H {
    let settings = Settings {
        zoom,
        ..common::settings(scenario)
    };
    let mut h = common::start(
        common::builder(w / zoom, h / zoom).with_pixels_per_point(zoom),
        settings,
    );
    if zh {
        h.state_mut().apply(Cmd::Lang(Lang::Zh));
    }
    if present {
        h.state_mut().apply(Cmd::Present(true));
    }
    h.state_mut().apply(Cmd::ToEnd);
    h.run();
    h
}

/// The rect of the one node labelled exactly `label`.
fn rect(h: &common::H, label: &str) -> Rect {
    h.get_by_label(label).rect()
}

/// The rects of the nodes whose label starts with `prefix`.
fn rects(h: &common::H, prefix: &str) -> Vec<Rect> {
    h.query_all_by_label_contains(prefix)
        .filter(|n| {
            // A Role::Label node keeps its text as its value (AccessKit).
            let node = n.accesskit_node();
            let label = node.label().or(node.value());
            label.is_some_and(|l| l.starts_with(prefix))
        })
        .map(|n| n.rect())
        .collect()
}

/// Stage, narration, results and verdict top to bottom, none over the next; the newest
/// line of recv chips wholly inside the results' visible room.
fn assert_results_whole(h: &common::H, what: &str) {
    let stage = rect(h, "stage");
    let narration = rect(h, "narration panel");
    let results = rect(h, "results panel");
    let verdict = rects(h, "verdict: ");
    assert_eq!(verdict.len(), 1, "{what}: one verdict");
    let verdict = verdict[0];
    let controls = rects(h, "|◀ ")[0];
    let order = [
        ("stage", stage),
        ("narration", narration),
        ("results", results),
        ("verdict", verdict),
        ("controls", controls),
    ];
    for pair in order.windows(2) {
        let ((a, ra), (b, rb)) = (pair[0], pair[1]);
        assert!(
            ra.bottom() <= rb.top() + 0.5,
            "{what}: {a} {ra:?} runs into {b} {rb:?}"
        );
    }
    assert!(
        narration.height() >= 24.0,
        "{what}: the narration keeps a line: {narration:?}"
    );
    let chips = rects(h, "recv #");
    assert!(!chips.is_empty(), "{what}: no chips");
    let newest_top = chips.iter().map(|c| c.top()).fold(f32::MIN, f32::max);
    let newest: Vec<Rect> = chips
        .into_iter()
        .filter(|c| (c.top() - newest_top).abs() < 0.5)
        .collect();
    for c in newest {
        assert!(
            results.expand(0.5).contains_rect(c),
            "{what}: the chip at {c:?} is not whole in the results {results:?} \
             (narration {narration:?}, verdict {verdict:?})"
        );
        assert!(
            c.top() >= narration.bottom() - 0.5 && c.bottom() <= verdict.top() + 0.5,
            "{what}: the chip at {c:?} is under the narration {narration:?} or the verdict {verdict:?}"
        );
    }
}

#[test]
fn the_newest_recv_chips_show_whole_at_1024x600_and_150_percent() {
    for scenario in [
        "04-two-small-sends",
        "08-header-split",
        "12-separate-header-writes",
    ] {
        let h = window(scenario, 1024.0, 600.0, 1.5, false, false);
        assert_results_whole(&h, &format!("{scenario} 1024x600 at 1.5"));
    }
}

#[test]
fn the_newest_recv_chips_show_whole_at_every_size_language_and_mode() {
    for scenario in [
        "04-two-small-sends",
        "08-header-split",
        "12-separate-header-writes",
    ] {
        for (w, hgt) in [(1024.0, 600.0), (1280.0, 720.0)] {
            for zoom in [1.0, 1.5] {
                for zh in [false, true] {
                    for present in [false, true] {
                        let h = window(scenario, w, hgt, zoom, zh, present);
                        let what = format!(
                            "{scenario} {w}x{hgt} at {zoom}{}{}",
                            if zh { " 中文" } else { "" },
                            if present { " presenting" } else { "" }
                        );
                        assert_results_whole(&h, &what);
                    }
                }
            }
        }
    }
}

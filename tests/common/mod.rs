//! The kittest harness the GUI tests share: the app headless, driven through its
//! AccessKit labels. Each test file uses some of these.
#![allow(dead_code)]

use egui_kittest::kittest::Queryable;
use egui_kittest::{Harness, HarnessBuilder};
use stickysim::gui::{Settings, StickyApp};

pub type H = Harness<'static, StickyApp>;

/// The default settings on `scenario` (a built-in's name; "" for the first).
pub fn settings(scenario: &str) -> Settings {
    Settings {
        scenario: scenario.into(),
        ..Settings::default()
    }
}

/// A headless window of `w`×`h` points.
pub fn builder(w: f32, h: f32) -> HarnessBuilder<StickyApp> {
    Harness::builder()
        .with_size(egui::vec2(w, h))
        // Scroll areas take a few frames to settle after their content grows.
        .with_max_steps(16)
}

/// The app with `settings` in the window `b`, after its first frames.
pub fn start(b: HarnessBuilder<StickyApp>, settings: Settings) -> H {
    let app = StickyApp::new(settings);
    let mut h = b.build_ui_state(|ui, app: &mut StickyApp| app.show(ui), app);
    h.run();
    h
}

/// The app on `scenario` in a 1280×720 window.
pub fn harness(scenario: &str) -> H {
    start(builder(1280.0, 720.0), settings(scenario))
}

/// Clicks the node labelled exactly `label`, then runs the frames.
pub fn click(h: &mut H, label: &str) {
    h.get_by_label(label).click();
    h.run();
}

/// Clicks the node whose label contains `label`, then runs the frames.
pub fn click_contains(h: &mut H, label: &str) {
    h.get_by_label_contains(label).click();
    h.run();
}

/// Steps the UI until `done` holds (real sockets take real time), at most ~10 s.
pub fn step_until(h: &mut H, done: impl Fn(&StickyApp) -> bool) {
    for _ in 0..200 {
        h.step();
        if done(h.state()) {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    panic!("the UI did not get there in time");
}

//! Deep links and opened scenario files in the app (headless, egui_kittest): a link shows
//! exactly its state, "copy link" gives a link that shows the same again, and a file's
//! errors are shown as `stickysim check` prints them.
#![cfg(feature = "gui")]

use std::path::{Path, PathBuf};
use std::sync::Arc;

use egui_kittest::kittest::Queryable;
use stickysim::gui::View;
use stickysim::params::Framing;
use stickysim::scenario::Lang;

mod common;

fn harness() -> common::H {
    common::harness("")
}

#[test]
fn a_link_shows_its_scenario_parameters_view_language_and_step() {
    let mut h = harness();
    h.state_mut().open_link(
        "https://example.org/stickysim/#s=04&framing=length-prefix&step=3&lang=zh&view=compare",
    );
    h.run();
    let app = h.state();
    assert!(app.link.error.is_none(), "{:?}", app.link.error);
    assert_eq!(app.scenario().name, "04-two-small-sends");
    assert_eq!(app.playback.params.framing, Framing::LengthPrefix);
    assert_eq!(app.playback.pos(), 3);
    assert_eq!(app.lang(), Lang::Zh);
    assert_eq!(app.view, View::Compare);
    let status = app.status();
    assert_eq!(
        status,
        format!(
            "stickysim · 04 · step 3/{} · length-prefix · zh · compare",
            app.playback.len()
        )
    );
    // The app's own link is the one it was given (plus nothing else).
    assert_eq!(
        app.deep_link().to_fragment(),
        "s=04&framing=length-prefix&view=compare&lang=zh&step=3"
    );
}

#[test]
fn a_step_past_the_end_shows_the_end() {
    let mut h = harness();
    h.state_mut().open_link("#s=04&step=100000");
    h.run();
    let app = h.state();
    assert!(app.link.error.is_none());
    assert_eq!(app.playback.pos(), app.playback.len());
}

#[test]
fn a_bad_link_is_shown_and_changes_nothing() {
    let mut h = harness();
    h.state_mut().open_link("#s=04&step=2");
    h.run();
    h.state_mut().open_link("#s=04&nagel=false&step=9");
    h.run();
    let app = h.state();
    assert_eq!(app.playback.pos(), 2);
    let (_, why) = app.link.error.clone().expect("an error");
    assert!(why.contains("did you mean `nagle`"), "{why}");
    h.get_by_label_contains("did you mean `nagle`");
    h.get_by_label("Close").click();
    h.run();
    assert!(h.state().link.error.is_none());
}

#[test]
fn copy_link_gives_a_link_that_shows_the_same_state() {
    let mut h = harness();
    h.state_mut().open_link("#s=07&step=5&lang=en");
    h.run();
    // Change things by hand: nagle off, two more steps.
    let mut p = h.state().playback.params.clone();
    p.nagle = false;
    p.recv_delay_ms = Some(3.5);
    h.state_mut().apply(stickysim::gui::Cmd::Params(p.clone()));
    h.state_mut().apply(stickysim::gui::Cmd::Step);
    h.state_mut().apply(stickysim::gui::Cmd::Step);
    h.run();
    // In the top bar's menu.
    h.get_by_label_contains("More ▼").click();
    h.run();
    h.get_by_label_contains("Copy link").click();
    h.step();
    let copied = h
        .output()
        .platform_output
        .commands
        .iter()
        .find_map(|c| match c {
            egui::OutputCommand::CopyText(t) => Some(t.clone()),
            _ => None,
        })
        .expect("the link was copied");
    assert!(copied.starts_with("#s=07&"), "{copied}");
    let mut fresh = harness();
    fresh.state_mut().open_link(&copied);
    fresh.run();
    let (a, b) = (h.state(), fresh.state());
    assert!(b.link.error.is_none(), "{:?}", b.link.error);
    assert_eq!(b.scenario().name, a.scenario().name);
    assert_eq!(b.playback.params, p);
    assert_eq!(b.playback.pos(), a.playback.pos());
    assert_eq!(b.status(), a.status());
}

/// A dropped file as egui hands it to the app.
#[derive(Debug)]
struct Dropped(PathBuf, Vec<u8>);

impl egui::DroppedFile for Dropped {
    fn path(&self) -> &Path {
        &self.0
    }
    fn bytes(&self) -> Result<Vec<u8>, String> {
        Ok(self.1.clone())
    }
}

fn drop_file(h: &mut common::H, name: &str, bytes: &[u8]) {
    h.input_mut()
        .dropped_files
        .push(Arc::new(Dropped(PathBuf::from(name), bytes.to_vec())));
    h.run();
}

#[test]
fn a_dropped_file_with_mistakes_shows_them_as_check_does() {
    let mut h = harness();
    let text = b"[params]\nnagel = true\nmss = 0\n\n[[client]]\nsend = \"hi\"\n";
    drop_file(&mut h, "/home/t/mine.toml", text);
    let errors = stickysim::scenario::parse_bytes_all(text, "mine.toml").unwrap_err();
    assert_eq!(errors.len(), 3, "{errors:?}");
    let (what, why) = h.state().link.error.clone().expect("errors shown");
    assert_eq!(what, "mine.toml");
    assert_eq!(why, stickysim::deeplink::check_lines(&errors));
    h.get_by_label_contains("error  mine.toml:2:1:");
    h.get_by_label_contains("Cannot open mine.toml");
    assert_eq!(h.state().scenario().name, "01-first-round-trip");
}

#[test]
fn a_dropped_scenario_opens_and_travels_in_its_link() {
    let mut h = harness();
    let text = include_str!("../scenarios/04-two-small-sends.toml")
        .replace("Two small sends, one recv", "My own two sends");
    drop_file(&mut h, "my-case.toml", text.as_bytes());
    assert!(h.state().link.error.is_none(), "{:?}", h.state().link.error);
    assert_eq!(h.state().scenario().name, "my-case");
    assert_eq!(h.state().scenario().title.en, "My own two sends");
    h.state_mut().apply(stickysim::gui::Cmd::ToEnd);
    h.run();
    let link = h.state().link_text();
    assert!(link.starts_with("#src="), "{link}");
    let mut fresh = harness();
    fresh.state_mut().open_link(&link);
    fresh.run();
    let b = fresh.state();
    assert!(b.link.error.is_none(), "{:?}", b.link.error);
    assert_eq!(b.scenario().name, "my-case");
    assert_eq!(b.scenario().title.en, "My own two sends");
    assert_eq!(b.playback.pos(), h.state().playback.pos());
    assert_eq!(b.status(), h.state().status());
    // The same file again is the same entry, not a second one.
    let before = h.state().scenarios.len();
    drop_file(&mut h, "my-case.toml", text.as_bytes());
    assert_eq!(h.state().scenarios.len(), before);
}

/// `stickysim gui LINK` reads the link before opening a window: a bad one fails at
/// once, in the words the app would show.
#[test]
fn gui_refuses_a_bad_link_before_opening_a_window() {
    for (arg, words) in [
        ("https://x.org/#s=99&step=1", "no built-in scenario `99`"),
        ("#s=04&nagel=off", "did you mean `nagle`"),
        ("s=04&step=-3", "step=`-3`"),
        ("no-such-scenario", "no-such-scenario"),
    ] {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_stickysim"))
            .args(["gui", arg])
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{arg}: {err}");
        assert!(err.contains(words), "{arg}: {err}");
    }
}

#[test]
fn a_link_without_a_scenario_changes_only_what_it_names() {
    let mut h = harness();
    h.state_mut().open_link("#s=04&framing=json-header&step=2");
    h.run();
    h.state_mut().open_link("#lang=zh");
    h.run();
    let app = h.state();
    assert_eq!(app.lang(), Lang::Zh);
    assert_eq!(app.playback.params.framing, Framing::JsonHeader);
    assert_eq!(app.scenario().name, "04-two-small-sends");
    assert_eq!(app.playback.pos(), 2);
    h.state_mut().open_link("#nagle=false");
    h.run();
    let p = &h.state().playback.params;
    assert!(!p.nagle);
    // Over the scenario's own: the framing set by the earlier link goes back to its value.
    assert_eq!(p.framing, Framing::Raw);
}

//! Frame time of the app with a 10,000-event trace, as a ratio to an empty egui frame
//! measured in the same run (the machines are shared: absolute times mean little).
//!
//! `cargo bench --bench frame`

use std::hint::black_box;
use std::time::Instant;

use criterion::Criterion;
use egui_kittest::Harness;
use stickysim::gui::{Cmd, Settings, StickyApp};
use stickysim::params::{Framing, Params};
use stickysim::scenario::{Action, Scenario};

/// A scenario whose run has at least 10,000 events.
fn big_scenario() -> Scenario {
    let mut client: Vec<Action> = (0..900)
        .map(|i| Action::SendMessage(vec![b'a' + (i % 26) as u8; 120].into()))
        .collect();
    client.push(Action::Close);
    let server: Vec<Action> = (0..1000).map(|_| Action::RecvMessage(1024)).collect();
    let params = Params {
        framing: Framing::LengthPrefix,
        ..Params::default()
    };
    Scenario::from_actions("bench-10k", params, client, server)
}

fn app_harness(scenario: Scenario) -> Harness<'static, StickyApp> {
    let mut app = StickyApp::new(Settings::default());
    app.scenarios.push(scenario);
    let last = app.scenarios.len() - 1;
    app.apply(Cmd::Scenario(last));
    app.apply(Cmd::ToEnd);
    let mut h = Harness::builder()
        .with_size(egui::vec2(1280.0, 720.0))
        .with_max_steps(64)
        .build_ui_state(|ui, app: &mut StickyApp| app.show(ui), app);
    h.run();
    h
}

fn empty_harness() -> Harness<'static, ()> {
    let mut h = Harness::builder()
        .with_size(egui::vec2(1280.0, 720.0))
        .build_ui_state(
            |ui, _: &mut ()| {
                egui::CentralPanel::default_margins().show(ui, |ui| ui.label("baseline"));
            },
            (),
        );
    h.run();
    h
}

/// Median seconds of `f` over `n` runs.
fn median(n: usize, mut f: impl FnMut()) -> f64 {
    let mut t: Vec<f64> = (0..n)
        .map(|_| {
            let s = Instant::now();
            f();
            s.elapsed().as_secs_f64()
        })
        .collect();
    t.sort_by(f64::total_cmp);
    t[n / 2]
}

fn main() {
    let scenario = big_scenario();
    let events = stickysim::model::run(&scenario, &scenario.params)
        .map(|t| t.events.len())
        .unwrap_or(0);
    assert!(
        events >= 10_000,
        "the benchmark trace has only {events} events"
    );

    let mut c = Criterion::default().configure_from_args();
    let mut empty = empty_harness();
    let mut big = app_harness(scenario.clone());
    let mut at_start = app_harness(scenario.clone());
    at_start.state_mut().apply(Cmd::Reset);
    c.bench_function("frame/empty egui frame (baseline)", |b| {
        b.iter(|| empty.step())
    });
    c.bench_function("frame/app, 10k-event trace, at the end", |b| {
        b.iter(|| big.step())
    });
    c.bench_function("frame/app, step forward and back", |b| {
        b.iter(|| {
            at_start.state_mut().apply(Cmd::Step);
            at_start.state_mut().apply(Cmd::Back);
            at_start.step();
        })
    });
    c.bench_function("model/run the 10k-event scenario", |b| {
        b.iter(|| black_box(stickysim::model::run(&scenario, &scenario.params)))
    });
    c.final_summary();

    // Ratios against the baseline, measured here and now.
    let base = median(200, || empty.step());
    let frame = median(100, || big.step());
    let rerun = median(5, || {
        big.state_mut().apply(Cmd::Params(Params {
            nagle: false,
            ..scenario.params.clone()
        }))
    });
    println!("\ntrace: {events} events");
    println!("empty egui frame (baseline): {:.3} ms", base * 1e3);
    println!(
        "app frame at the end of the trace: {:.3} ms = {:.1} × baseline",
        frame * 1e3,
        frame / base
    );
    println!(
        "re-run after a parameter change: {:.1} ms = {:.1} × baseline (a 60 Hz frame is 16.7 ms)",
        rerun * 1e3,
        rerun / base
    );
}

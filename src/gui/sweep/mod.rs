//! The sweep window (key S, or More ▼ → Sweep): one parameter of the loaded scenario
//! swept over a range, optionally a second with a few values (one line each), a few
//! runs per point; run off the UI thread (a thread on the desktop, slices per frame in
//! the browser); plotted with egui_plot; exported as CSV (`stickysim sweep --csv`'s
//! writer) and as PNG (the plots, cropped from a screenshot of the window).
//!
//! The sweep itself is [`crate::sweep`]'s: the same parsing, grid, runs and averages as
//! the command line, which the window prints for the class to copy.

use std::sync::{Arc, Mutex};

use egui::{Color32, ColorImage, Rect};

use super::i18n::{self, Lang};
use crate::params::Params;
use crate::params::table::{Kind, PARAMS, Param, Value};
use crate::scenario::{Scenario, Text};
use crate::sweep::{self, Plan, PointStats, RunError, Sweep};

mod export;
mod ui;

pub use export::*;
pub use ui::*;

/// Most lines a plot shows (values of the second parameter): more cannot be told apart.
pub const MAX_LINES: usize = 8;

/// The line colours: the message palette's first hues, then grey.
const LINE_COLOURS: [Color32; MAX_LINES] = [
    Color32::from_rgb(0xE6, 0x9F, 0x00),
    Color32::from_rgb(0x56, 0xB4, 0xE9),
    Color32::from_rgb(0x00, 0x9E, 0x73),
    Color32::from_rgb(0xCC, 0x79, 0xA7),
    Color32::from_rgb(0xF0, 0xE4, 0x42),
    Color32::from_rgb(0x00, 0x72, 0xB2),
    Color32::from_rgb(0xD5, 0x5E, 0x00),
    Color32::from_rgb(0x99, 0x99, 0x99),
];

/// What the form asks: the swept parameter and its range, the second parameter and its
/// values, the runs per point. Kept as text so a bad range gets the CLI's message.
#[derive(Clone, Debug, PartialEq)]
pub struct Form {
    /// A numeric parameter (see [`sweepable`]).
    pub key: &'static str,
    pub from: String,
    pub to: String,
    pub step: String,
    /// One line per value of this parameter; `None`: one line.
    pub lines: Option<&'static str>,
    /// Its values, comma-separated (`on,off`).
    pub values: String,
    pub runs_per_point: u32,
}

impl Default for Form {
    /// The lesson of scenario 04: the later the receiver reads, the more it glues;
    /// Nagle off makes no difference to that.
    fn default() -> Self {
        Form {
            key: "recv_delay_ms",
            from: "0".into(),
            to: "50".into(),
            step: "1".into(),
            lines: Some("nagle"),
            values: "on,off".into(),
            runs_per_point: 1,
        }
    }
}

impl Form {
    /// The `--param` specs: the swept parameter first, then the lines'.
    pub fn specs(&self) -> Vec<String> {
        let mut specs = vec![format!(
            "{}={}..{}:{}",
            self.key,
            self.from.trim(),
            self.to.trim(),
            self.step.trim()
        )];
        if let Some(k) = self.lines {
            specs.push(format!("{k}={}", self.values.trim()));
        }
        specs
    }

    /// The sweep to run from `scenario` with the parameters `current` (the main view's),
    /// checked as the CLI checks it, and at most [`MAX_LINES`] lines.
    pub fn plan(&self, scenario: &Scenario, current: &Params) -> Result<Plan, Text> {
        let plan = Plan::new(
            sweep::base_settings(scenario, current),
            &self.specs(),
            self.runs_per_point,
        )
        .map_err(|e| e.both())?;
        if let Some(a) = plan.grid.axes.get(1)
            && a.values.len() > MAX_LINES
        {
            let (key, n) = (&a.key, a.values.len());
            return Err(Text::both(
                format!("--param {key}: {n} values; at most {MAX_LINES} lines fit a plot"),
                format!("--param {key}：{n} 个取值；一张图最多画 {MAX_LINES} 条线"),
            ));
        }
        Ok(plan)
    }

    /// The same sweep on the command line.
    pub fn command(&self, scenario: &Scenario, current: &Params) -> String {
        let name = scenario
            .number()
            .map_or(scenario.name.clone(), |n| format!("{n:02}"));
        let mut cmd = format!("stickysim sweep {name}");
        for s in self.specs() {
            cmd.push_str(&format!(" --param {s}"));
        }
        for s in sweep::changed_settings(scenario, current) {
            cmd.push_str(&format!(" --set {s}"));
        }
        if self.runs_per_point != 1 {
            cmd.push_str(&format!(" --runs-per-point {}", self.runs_per_point));
        }
        cmd
    }

    /// Sweeps `key` over a default range around its value in `current`.
    pub fn pick(&mut self, row: &'static Param, current: &Params) {
        self.key = row.key;
        let value = match (row.get)(current) {
            Some(Value::Uint(n)) => Some(n as f64),
            Some(Value::Number(x)) => Some(x),
            _ => None,
        };
        if let Some([from, to, step]) = default_range(row, value) {
            (self.from, self.to, self.step) = (from, to, step);
        }
        if self.lines == Some(row.key) {
            self.lines = None;
        }
    }

    /// One line per value of `key` (`None`: one line), starting from a few values.
    pub fn pick_lines(&mut self, row: Option<&'static Param>, current: &Params) {
        self.lines = row.map(|r| r.key);
        if let Some(row) = row {
            self.values = default_values(row, current);
        }
    }
}

/// The parameters that can be swept over a range: the numeric ones (not the seed: runs
/// per point vary it).
pub fn sweepable() -> impl Iterator<Item = &'static Param> {
    PARAMS
        .iter()
        .filter(|p| matches!(p.kind, Kind::Uint { .. } | Kind::Number { .. }) && p.key != "seed")
}

/// From the row's least value to twice `value` (or 50 above the least), about 25 steps
/// of 1, 2 or 5 × 10ⁿ; `None` for a row that is not a number.
pub fn default_range(row: &Param, value: Option<f64>) -> Option<[String; 3]> {
    let (min, max, whole) = match row.kind {
        Kind::Uint { min, max } => (min as f64, max as f64, true),
        Kind::Number { min, max, .. } => (min, max, false),
        _ => return None,
    };
    let v = value.unwrap_or(min);
    let to = if v > min { v * 2.0 } else { min + 50.0 }.min(max);
    let raw = ((to - min) / 25.0).max(f64::MIN_POSITIVE);
    let p = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * p)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * p);
    let step = if whole { step.round().max(1.0) } else { step };
    let decimals = if whole {
        0
    } else {
        (-step.log10().floor()).max(0.0) as usize
    };
    let show = |x: f64| format!("{x:.decimals$}");
    Some([show(min), show(to), show(step)])
}

/// A few values of `row` for lines: every choice, on and off, or the current number
/// and twice it.
pub fn default_values(row: &Param, current: &Params) -> String {
    match (row.kind, (row.get)(current)) {
        (Kind::Choice(names), _) => names.join(","),
        (Kind::Bool, _) => "on,off".into(),
        (_, Some(Value::Uint(n))) => format!("{n},{}", n.saturating_mul(2)),
        (_, Some(Value::Number(x))) if x > 0.0 => format!("{x},{}", x * 2.0),
        (Kind::Uint { min, .. }, _) => format!("{min},{}", min + 10),
        _ => "0,10".into(),
    }
}

/// What the plots show: a metric of each point.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Metric {
    /// Sticky reads, in percent of recv() calls.
    Sticky,
    DurationMs,
}

impl Metric {
    fn of(self, p: &PointStats) -> f64 {
        match self {
            Metric::Sticky => p.mean.sticky_share * 100.0,
            Metric::DurationMs => p.mean.duration_ms,
        }
    }
}

/// One plotted line: its name and its (x, y) points in x order.
#[derive(Clone, Debug, PartialEq)]
pub struct Series {
    pub name: String,
    pub points: Vec<[f64; 2]>,
}

/// `metric` against the first axis of `sweep`, one series per value of the second axis
/// (one series without one), in the grid's order.
pub fn series(sweep: &Sweep, metric: Metric, lang: Lang) -> Vec<Series> {
    let axes = &sweep.grid.axes;
    let Some(x_axis) = axes.first() else {
        return Vec::new();
    };
    let line_values = axes.get(1).map_or(1, |a| a.values.len());
    let mut out: Vec<Series> = (0..line_values)
        .map(|l| Series {
            name: match axes.get(1) {
                Some(a) => format!("{} = {}", a.key, value_name(&a.values[l].text, lang)),
                None => sweep.scenario.clone(),
            },
            points: Vec::with_capacity(x_axis.values.len()),
        })
        .collect();
    for (n, p) in sweep.points.iter().enumerate() {
        let at = sweep.grid.point(n);
        let xv = &x_axis.values[at[0]];
        let x = xv.number.unwrap_or(at[0] as f64);
        let line = at.get(1).copied().unwrap_or(0);
        if let Some(s) = out.get_mut(line) {
            s.points.push([x, metric.of(p)]);
        }
    }
    out
}

/// A value as the UI shows it (`on` → `开` in 中文).
fn value_name(text: &str, lang: Lang) -> &str {
    match text {
        "on" | "true" => ON.get(lang),
        "off" | "false" => OFF.get(lang),
        other => i18n::choice(other, lang),
    }
}

/// A unit in the UI's language.
fn unit(u: &str, lang: Lang) -> &str {
    match u {
        "bytes" => BYTES.get(lang),
        other => other,
    }
}

use i18n::{BYTES, OFF, ON, SWEEP_CANCELLED};

/// A finished sweep and what its plots draw.
pub struct Done {
    pub sweep: Sweep,
    /// Sticky reads (%) and duration (ms) against the swept parameter.
    pub sticky: Vec<Series>,
    pub duration: Vec<Series>,
    /// The language the line names are in.
    lang: Lang,
    /// The plots' bounds follow this new result.
    fresh: bool,
}

impl Done {
    fn new(sweep: Sweep, lang: Lang) -> Done {
        Done {
            sticky: series(&sweep, Metric::Sticky, lang),
            duration: series(&sweep, Metric::DurationMs, lang),
            sweep,
            lang,
            fresh: true,
        }
    }
}

/// The window's state, kept while it is closed.
#[derive(Default)]
pub struct SweepState {
    pub open: bool,
    pub form: Form,
    job: Option<Job>,
    pub result: Option<Done>,
    /// Why the last sweep did not start, failed or stopped.
    pub error: Option<String>,
    /// `error` in both languages, when it was said in both ([`Self::error_in`]).
    error_both: Option<Text>,
    pub csv_path: String,
    pub png_path: String,
    /// The last export's outcome.
    pub status: Option<Result<String, String>>,
    /// Where the plots were drawn in the last frame (for the PNG).
    plots_rect: Option<Rect>,
    png: Option<PendingPng>,
}

impl SweepState {
    /// A sweep is running.
    pub fn running(&self) -> bool {
        self.job.is_some()
    }

    /// Runs done and runs in all, while a sweep runs.
    pub fn progress(&self) -> Option<(u64, u64)> {
        self.job.as_ref().map(|j| (j.done(), j.plan.runs()))
    }

    /// The error in `lang`: `error` as it was said in both languages, if it was.
    pub fn error_in(&self, lang: Lang) -> Option<&str> {
        match (&self.error, &self.error_both) {
            (Some(e), Some(t)) if *e == t.en || *e == t.zh => Some(t.get(lang)),
            (e, _) => e.as_deref(),
        }
    }

    /// Keeps `m` as the error, `error` in `lang`.
    fn fail(&mut self, m: Text, lang: Lang) {
        self.error = Some(m.get(lang).to_string());
        self.error_both = Some(m);
    }

    /// Starts the form's sweep of `scenario` from the parameters `current`; a bad form
    /// leaves its message in `error` (English; [`Self::error_in`] has both).
    pub fn start(&mut self, scenario: &Scenario, current: &Params) {
        if let Some(j) = self.job.take() {
            j.cancel();
        }
        self.error = None;
        self.error_both = None;
        match self.form.plan(scenario, current) {
            Ok(plan) => self.job = Some(Job::start(scenario, plan)),
            Err(e) => self.fail(e, Lang::En),
        }
    }

    pub fn cancel(&mut self, lang: Lang) {
        if let Some(j) = self.job.take() {
            j.cancel();
            self.fail(Text::both(SWEEP_CANCELLED.0, SWEEP_CANCELLED.1), lang);
        }
    }

    /// Takes a finished sweep's result.
    pub fn poll(&mut self, lang: Lang) {
        let Some(job) = &mut self.job else { return };
        let Some(outcome) = job.poll() else { return };
        let Some(job) = self.job.take() else { return };
        match outcome {
            Ok(Some(points)) => {
                let sweep = job.plan.clone().finish(&job.scenario, points);
                self.result = Some(Done::new(sweep, lang));
            }
            Ok(None) => self.fail(Text::both(SWEEP_CANCELLED.0, SWEEP_CANCELLED.1), lang),
            Err(e) => {
                let grid = &job.plan.grid;
                let m = Text::both(e.at(grid, Lang::En), e.at(grid, Lang::Zh));
                self.fail(m, lang)
            }
        }
    }
}

/// A sweep running on its own thread (rayon inside), which the UI polls.
#[cfg(not(target_arch = "wasm32"))]
struct Job {
    plan: Plan,
    scenario: String,
    done: Arc<std::sync::atomic::AtomicU64>,
    stop: Arc<std::sync::atomic::AtomicBool>,
    handle: Option<std::thread::JoinHandle<Outcome>>,
}

type Outcome = Result<Option<Vec<PointStats>>, RunError>;

#[cfg(not(target_arch = "wasm32"))]
impl Job {
    fn start(scenario: &Scenario, plan: Plan) -> Job {
        use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
        let done = Arc::new(AtomicU64::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let (s, points, runs) = (scenario.clone(), plan.points.clone(), plan.runs_per_point);
        let (d, st) = (done.clone(), stop.clone());
        let handle = std::thread::Builder::new()
            .name("sweep".into())
            .spawn(move || {
                sweep::parallel::run_until(
                    &s,
                    &points,
                    runs,
                    &|| {
                        d.fetch_add(1, Ordering::Relaxed);
                    },
                    &st,
                )
            })
            .ok();
        Job {
            plan,
            scenario: scenario.name.clone(),
            done,
            stop,
            handle,
        }
    }

    fn done(&self) -> u64 {
        self.done.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Stops it soon; the thread ends by itself.
    fn cancel(&self) {
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
    }

    /// The outcome once the thread has finished.
    fn poll(&mut self) -> Option<Outcome> {
        if self.handle.as_ref().is_some_and(|h| !h.is_finished()) {
            return None;
        }
        match self.handle.take().map(|h| h.join()) {
            Some(Ok(outcome)) => Some(outcome),
            // No thread could start, or it panicked: nothing to show.
            _ => Some(Ok(None)),
        }
    }
}

/// In the browser (no threads): a slice of runs per frame.
#[cfg(target_arch = "wasm32")]
struct Job {
    plan: Plan,
    scenario: String,
    model: Scenario,
    runner: sweep::Sequential,
}

#[cfg(target_arch = "wasm32")]
impl Job {
    /// Runs per frame: small scenarios take well under a millisecond each.
    const SLICE: usize = 16;

    fn start(scenario: &Scenario, plan: Plan) -> Job {
        Job {
            plan,
            scenario: scenario.name.clone(),
            model: scenario.clone(),
            runner: sweep::Sequential::default(),
        }
    }

    fn done(&self) -> u64 {
        self.runner.done() as u64
    }

    fn cancel(&self) {}

    fn poll(&mut self) -> Option<Outcome> {
        match self.runner.step(
            &self.model,
            &self.plan.points,
            self.plan.runs_per_point,
            Self::SLICE,
        ) {
            Ok(Some(points)) => Some(Ok(Some(points))),
            Ok(None) => None,
            Err(e) => Some(Err(e)),
        }
    }
}

/// A PNG export waiting for its screenshot.
struct PendingPng {
    // The browser never asks for one (it cannot save files).
    #[cfg_attr(target_arch = "wasm32", allow(dead_code))]
    path: String,
    rect: Rect,
    image: Arc<Mutex<Option<Arc<ColorImage>>>>,
}

#[cfg(test)]
mod tests;

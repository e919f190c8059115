//! The sweep window (key S, or More ▼ → Sweep): one parameter of the loaded scenario
//! swept over a range, optionally a second with a few values (one line each), a few
//! runs per point; run off the UI thread (a thread on the desktop, slices per frame in
//! the browser); plotted with egui_plot; exported as CSV (`stickysim sweep --csv`'s
//! writer) and as PNG (the plots, cropped from a screenshot of the window).
//!
//! The sweep itself is [`crate::sweep`]'s: the same parsing, grid, runs and averages as
//! the command line, which the window prints for the class to copy.

use std::sync::{Arc, Mutex};

use egui::{Color32, ColorImage, Rect, RichText};
use egui_plot::{
    AxisHints, Corner, HoverPosition, Legend, Line, MarkerShape, Plot, PlotPoints, Points,
};

use super::i18n::{self, Lang, T};
use super::{Cmd, StickyApp, palette};
use crate::params::Params;
use crate::params::table::{self, Kind, PARAMS, Param, Value};
use crate::scenario::Scenario;
use crate::sweep::{self, Plan, PointStats, RunError, Sweep};

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
    pub fn plan(&self, scenario: &Scenario, current: &Params) -> Result<Plan, String> {
        let plan = Plan::new(
            sweep::base_settings(scenario, current),
            &self.specs(),
            self.runs_per_point,
        )
        .map_err(|e| e.to_string())?;
        if let Some(a) = plan.grid.axes.get(1)
            && a.values.len() > MAX_LINES
        {
            return Err(format!(
                "--param {}: {} values; at most {MAX_LINES} lines fit a plot",
                a.key,
                a.values.len()
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

use i18n::{
    BYTES, OFF, ON, SWEEP, SWEEP_ALLOWED, SWEEP_CANCEL, SWEEP_CANCELLED, SWEEP_CLI, SWEEP_CSV_HINT,
    SWEEP_DURATION, SWEEP_EXPORT_CSV, SWEEP_EXPORT_PNG, SWEEP_FROM, SWEEP_HINT, SWEEP_LINES,
    SWEEP_NO_BROWSER, SWEEP_NO_LINES, SWEEP_NOTHING, SWEEP_OFF_SCREEN, SWEEP_PARAM, SWEEP_PNG_HINT,
    SWEEP_POINTS, SWEEP_RUN, SWEEP_RUNS, SWEEP_RUNS_EACH, SWEEP_STEP, SWEEP_STICKY, SWEEP_TO,
    SWEEP_VALUES, SWEEP_WRITTEN,
};

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

    /// Starts the form's sweep of `scenario` from the parameters `current`; a bad form
    /// leaves its message in `error`.
    pub fn start(&mut self, scenario: &Scenario, current: &Params) {
        if let Some(j) = self.job.take() {
            j.cancel();
        }
        self.error = None;
        match self.form.plan(scenario, current) {
            Ok(plan) => self.job = Some(Job::start(scenario, plan)),
            Err(e) => self.error = Some(e),
        }
    }

    pub fn cancel(&mut self, lang: Lang) {
        if let Some(j) = self.job.take() {
            j.cancel();
            self.error = Some(SWEEP_CANCELLED.get(lang).to_string());
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
            Ok(None) => self.error = Some(SWEEP_CANCELLED.get(lang).to_string()),
            Err(e) => {
                self.error = Some(format!(
                    "at {} (seed {}): {}",
                    job.plan.grid.describe(e.point),
                    e.seed,
                    e.error
                ))
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

/// The part of `image` (a screenshot at `pixels_per_point`) under `rect` (in points),
/// clamped to the image; `None` when nothing of it is inside.
pub fn crop(image: &ColorImage, rect: Rect, pixels_per_point: f32) -> Option<ColorImage> {
    let [w, h] = image.size;
    let px = |v: f32, max: usize| ((v * pixels_per_point).round().max(0.0) as usize).min(max);
    let (x0, x1) = (px(rect.min.x, w), px(rect.max.x, w));
    let (y0, y1) = (px(rect.min.y, h), px(rect.max.y, h));
    (x1 > x0 && y1 > y0).then(|| image.region_by_pixels([x0, y0], [x1 - x0, y1 - y0]))
}

/// `image` as PNG bytes.
#[cfg(not(target_arch = "wasm32"))]
pub fn encode_png(image: &ColorImage) -> Result<Vec<u8>, String> {
    let [w, h] = image.size;
    let rgba: Vec<u8> = image
        .pixels
        .iter()
        .flat_map(|c| c.to_srgba_unmultiplied())
        .collect();
    let buffer = image::RgbaImage::from_raw(w as u32, h as u32, rgba)
        .ok_or_else(|| "the screenshot has the wrong size".to_string())?;
    let mut out = std::io::Cursor::new(Vec::new());
    buffer
        .write_to(&mut out, image::ImageFormat::Png)
        .map_err(|e| e.to_string())?;
    Ok(out.into_inner())
}

/// Writes `bytes` to a temporary file beside `path`, then renames it over `path`: a
/// reader never sees half a file, and a failed write leaves the old one.
#[cfg(not(target_arch = "wasm32"))]
pub fn write_atomic(path: &str, bytes: &[u8]) -> Result<String, String> {
    use std::io::Write as _;
    let p = std::path::Path::new(path.trim());
    let name = p
        .file_name()
        .ok_or_else(|| format!("`{}` is not a file name", p.display()))?;
    let mut tmp_name = std::ffi::OsString::from(".");
    tmp_name.push(name);
    tmp_name.push(format!(".{}.tmp", std::process::id()));
    let tmp = p.with_file_name(tmp_name);
    let fail = |e: std::io::Error| format!("{}: {e}", p.display());
    let written = std::fs::File::create(&tmp).and_then(|mut f| {
        f.write_all(bytes)?;
        f.sync_all()
    });
    if let Err(e) = written.and_then(|()| std::fs::rename(&tmp, p)) {
        let _ = std::fs::remove_file(&tmp);
        return Err(fail(e));
    }
    Ok(format!("{} B → {}", bytes.len(), p.display()))
}

#[cfg(target_arch = "wasm32")]
pub fn write_atomic(_path: &str, _bytes: &[u8]) -> Result<String, String> {
    Err(String::new())
}

/// The menu entry (More ▼).
pub fn menu_item(ui: &mut egui::Ui, app: &StickyApp, cmds: &mut Vec<Cmd>) {
    let label = format!("{} (S)", SWEEP.get(app.lang()));
    if ui.button(label).clicked() {
        cmds.push(Cmd::Sweep(!app.sweep.open));
        ui.close();
    }
}

/// The shortcut: S opens and closes the window (not while typing).
pub fn keyboard(ui: &egui::Ui, app: &StickyApp, cmds: &mut Vec<Cmd>) {
    if ui.ctx().memory(|m| m.focused().is_some()) {
        return;
    }
    if ui.input(|i| i.modifiers.is_none() && i.key_pressed(egui::Key::S)) {
        cmds.push(Cmd::Sweep(!app.sweep.open));
    }
}

/// Polls the running sweep and a pending PNG, then draws the window when it is open.
pub fn show(ctx: &egui::Context, app: &mut StickyApp) {
    let lang = app.lang();
    app.sweep.poll(lang);
    if app.sweep.running() {
        #[cfg(target_arch = "wasm32")]
        ctx.request_repaint();
        #[cfg(not(target_arch = "wasm32"))]
        ctx.request_repaint_after(std::time::Duration::from_millis(50));
    }
    finish_png(ctx, &mut app.sweep, lang);
    if !app.sweep.open {
        return;
    }
    let mut open = true;
    let screen = ctx.content_rect();
    egui::Window::new(SWEEP.get(lang))
        .id(egui::Id::unique("sweep-window"))
        .open(&mut open)
        .collapsible(false)
        .resizable(true)
        .constrain(true)
        .default_rect(screen.shrink2(egui::vec2(screen.width() * 0.04, 24.0)))
        .show(ctx, |ui| window(ui, app));
    app.sweep.open &= open;
}

fn window(ui: &mut egui::Ui, app: &mut StickyApp) {
    let lang = app.lang();
    let scenario = app.scenarios[app.current].clone();
    let current = app.playback.params.clone();
    let state = &mut app.sweep;
    form_ui(ui, state, &scenario, &current, lang);
    ui.horizontal_wrapped(|ui| {
        ui.label(RichText::new(SWEEP_CLI.get(lang)).weak());
        ui.label(
            RichText::new(state.form.command(&scenario, &current))
                .monospace()
                .weak(),
        );
    });
    if let Some(e) = &state.error {
        ui.label(RichText::new(e).color(palette::BROKEN));
    }
    if state.result.is_some() {
        ui.horizontal_wrapped(|ui| export_ui(ui, state, &scenario.name, lang));
    }
    ui.separator();
    match &mut state.result {
        // The plots take the rest of the window.
        Some(done) => {
            if done.lang != lang {
                *done = Done::new(done.sweep.clone(), lang);
            }
            state.plots_rect = Some(plots(ui, done, lang));
        }
        None => {
            state.plots_rect = None;
            ui.label(RichText::new(SWEEP_NOTHING.get(lang)).weak());
            ui.label(RichText::new(SWEEP_HINT.get(lang)).weak());
        }
    }
}

/// A text field that shows as one: Present's high-contrast theme paints text fields the
/// colour of the window, so there they get the faint background.
fn field<'t>(edit: egui::TextEdit<'t>, ui: &egui::Ui) -> egui::TextEdit<'t> {
    let v = ui.visuals();
    if v.extreme_bg_color == v.window_fill {
        edit.background_color(v.faint_bg_color)
    } else {
        edit
    }
}

fn form_ui(
    ui: &mut egui::Ui,
    state: &mut SweepState,
    scenario: &Scenario,
    current: &Params,
    lang: Lang,
) {
    let row = table::param(state.form.key);
    ui.horizontal_wrapped(|ui| {
        ui.label(SWEEP_PARAM.get(lang));
        let mut picked = None;
        let combo = egui::ComboBox::from_id_salt("sweep-param")
            .selected_text(state.form.key)
            .show_ui(ui, |ui| {
                for p in sweepable() {
                    if ui
                        .selectable_label(p.key == state.form.key, p.key)
                        .clicked()
                    {
                        picked = Some(p);
                    }
                }
            });
        let label = SWEEP_PARAM.get(lang);
        combo
            .response
            .widget_info(|| egui::WidgetInfo::labeled(egui::Role::ComboBox, true, label));
        if let Some(p) = picked {
            state.form.pick(p, current);
        }
        let text_field = |ui: &mut egui::Ui, name: &T, text: &mut String| {
            let l = ui.label(name.get(lang));
            ui.add(field(egui::TextEdit::singleline(text), ui).desired_width(56.0))
                .labelled_by(l.id);
        };
        text_field(ui, &SWEEP_FROM, &mut state.form.from);
        text_field(ui, &SWEEP_TO, &mut state.form.to);
        text_field(ui, &SWEEP_STEP, &mut state.form.step);
        if let Some(r) = row {
            ui.label(unit(r.unit, lang));
            // The table's words, with a dash for "to" (read the same in 中文).
            let allowed = r.allowed().replace(" to ", " – ");
            ui.label(RichText::new(format!("({} {allowed})", SWEEP_ALLOWED.get(lang))).weak())
                .on_hover_text(match lang {
                    Lang::En => r.en,
                    Lang::Zh => r.zh,
                });
        }
    });
    ui.horizontal_wrapped(|ui| {
        ui.label(SWEEP_LINES.get(lang));
        let mut picked: Option<Option<&'static Param>> = None;
        let none = SWEEP_NO_LINES.get(lang);
        let combo = egui::ComboBox::from_id_salt("sweep-lines")
            .selected_text(state.form.lines.unwrap_or(none))
            .show_ui(ui, |ui| {
                if ui
                    .selectable_label(state.form.lines.is_none(), none)
                    .clicked()
                {
                    picked = Some(None);
                }
                for p in PARAMS
                    .iter()
                    .filter(|p| p.key != state.form.key && p.key != "seed")
                {
                    if ui
                        .selectable_label(state.form.lines == Some(p.key), p.key)
                        .clicked()
                    {
                        picked = Some(Some(p));
                    }
                }
            });
        let label = SWEEP_LINES.get(lang);
        combo
            .response
            .widget_info(|| egui::WidgetInfo::labeled(egui::Role::ComboBox, true, label));
        if let Some(p) = picked {
            state.form.pick_lines(p, current);
        }
        if state.form.lines.is_some() {
            let hint = SWEEP_VALUES.get(lang);
            ui.add(
                field(egui::TextEdit::singleline(&mut state.form.values), ui)
                    .desired_width(160.0)
                    .hint_text(hint),
            )
            .on_hover_text(hint);
        }
        ui.separator();
        let l = ui.label(SWEEP_RUNS.get(lang));
        ui.add(egui::DragValue::new(&mut state.form.runs_per_point).range(1..=1000))
            .labelled_by(l.id);
        ui.separator();
        match state.progress() {
            Some((done, total)) => {
                if ui.button(SWEEP_CANCEL.get(lang)).clicked() {
                    state.cancel(lang);
                }
                ui.add(
                    egui::ProgressBar::new(done as f32 / total.max(1) as f32)
                        .desired_width(160.0)
                        .text(format!("{done} / {total}")),
                );
            }
            None => {
                if ui
                    .button(RichText::new(SWEEP_RUN.get(lang)).strong())
                    .clicked()
                {
                    state.start(scenario, current);
                }
            }
        }
    });
}

/// An axis: what it measures and its unit.
struct Quantity {
    name: String,
    unit: String,
}

impl Quantity {
    fn new(name: &str, unit: &str) -> Quantity {
        Quantity {
            name: name.to_string(),
            unit: unit.to_string(),
        }
    }

    /// The axis label: `recv_delay_ms (ms)`.
    fn label(&self) -> String {
        if self.unit.is_empty() {
            self.name.clone()
        } else {
            format!("{} ({})", self.name, self.unit)
        }
    }

    /// A value in a tooltip: `recv_delay_ms = 40 ms`, `sticky reads = 28.6 %`.
    fn value(&self, v: f64) -> String {
        let v = egui_plot::format_number(v, 3);
        if self.unit.is_empty() {
            format!("{} = {v}", self.name)
        } else {
            format!("{} = {v} {}", self.name, self.unit)
        }
    }
}

/// The two plots side by side; returns the rectangle they cover (with the title).
fn plots(ui: &mut egui::Ui, done: &mut Done, lang: Lang) -> Rect {
    let s = &done.sweep;
    let x_key = s.grid.axes.first().map_or("", |a| a.key.as_str());
    let x = Quantity::new(
        x_key,
        table::param(x_key).map_or("", |r| unit(r.unit, lang)),
    );
    let fresh = std::mem::take(&mut done.fresh);
    ui.vertical(|ui| {
        ui.label(
            RichText::new(format!(
                "{} · {} {} × {} {}",
                s.scenario,
                s.points.len(),
                SWEEP_POINTS.get(lang),
                s.runs_per_point,
                SWEEP_RUNS_EACH.get(lang)
            ))
            .strong(),
        );
        let gap = ui.spacing().item_spacing.x;
        let w = ((ui.available_width() - gap) / 2.0).max(120.0);
        let h = (ui.available_height() - ui.spacing().item_spacing.y).max(120.0);
        ui.horizontal(|ui| {
            let sticky = Quantity::new(SWEEP_STICKY.get(lang), "%");
            let duration = Quantity::new(SWEEP_DURATION.get(lang), "ms");
            plot(ui, "sweep-sticky", &done.sticky, &x, sticky, [w, h], fresh);
            plot(
                ui,
                "sweep-duration",
                &done.duration,
                &x,
                duration,
                [w, h],
                fresh,
            );
        });
    })
    .response
    .rect
}

fn plot(
    ui: &mut egui::Ui,
    id: &str,
    lines: &[Series],
    x: &Quantity,
    y: Quantity,
    [w, h]: [f32; 2],
    fresh: bool,
) {
    let percent = y.unit == "%";
    let (x_label, y_label) = (x.label(), y.label());
    let hover_x = Quantity::new(&x.name, &x.unit);
    let mut p = Plot::new(id)
        .width(w)
        .height(h)
        // Tick labels closer together than egui_plot's default, so a narrow plot (a
        // small screen at Present's zoom) still has a few; they never overlap.
        .custom_x_axes(vec![
            AxisHints::new_x().label(x_label).label_spacing(28.0..=48.0),
        ])
        .custom_y_axes(vec![
            AxisHints::new_y().label(y_label).label_spacing(14.0..=22.0),
        ])
        .legend(
            Legend::default()
                .position(Corner::LeftTop)
                .follow_insertion_order(true),
        )
        .allow_drag(false)
        .allow_zoom(false)
        .allow_scroll(false)
        .allow_boxed_zoom(false)
        .include_y(0.0)
        .label_formatter(move |pos| match pos {
            HoverPosition::NearDataPoint {
                plot_name,
                position,
                ..
            } => Some(format!(
                "{plot_name}\n{}\n{}",
                hover_x.value(position.x),
                y.value(position.y)
            )),
            HoverPosition::Elsewhere { .. } => None,
        });
    if percent {
        p = p.include_y(100.0);
    }
    if fresh {
        p = p.reset();
    }
    let width = ui.spacing().interact_size.y / 8.0;
    p.show(ui, |pui| {
        for (i, s) in lines.iter().enumerate() {
            let colour = LINE_COLOURS[i % LINE_COLOURS.len()];
            pui.line(
                Line::new(s.name.clone(), PlotPoints::from(s.points.clone()))
                    .color(colour)
                    .width(width.max(2.0)),
            );
            pui.points(
                Points::new(s.name.clone(), PlotPoints::from(s.points.clone()))
                    .color(colour)
                    .shape(MarkerShape::Circle)
                    .radius(width.max(2.0) * 1.3),
            );
        }
    });
}

fn export_ui(ui: &mut egui::Ui, state: &mut SweepState, scenario: &str, lang: Lang) {
    if state.csv_path.is_empty() {
        state.csv_path = format!("{scenario}-sweep.csv");
    }
    if state.png_path.is_empty() {
        state.png_path = format!("{scenario}-sweep.png");
    }
    ui.add(field(egui::TextEdit::singleline(&mut state.csv_path), ui).desired_width(230.0))
        .on_hover_text(SWEEP_CSV_HINT.get(lang));
    if ui.button(SWEEP_EXPORT_CSV.get(lang)).clicked()
        && let Some(done) = &state.result
    {
        let csv = done.sweep.render_csv();
        state.status = Some(saved(write_atomic(&state.csv_path, csv.as_bytes()), lang));
    }
    ui.separator();
    ui.add(field(egui::TextEdit::singleline(&mut state.png_path), ui).desired_width(230.0))
        .on_hover_text(SWEEP_PNG_HINT.get(lang));
    if ui.button(SWEEP_EXPORT_PNG.get(lang)).clicked() {
        if cfg!(target_arch = "wasm32") {
            state.status = Some(Err(SWEEP_NO_BROWSER.get(lang).to_string()));
        } else if let Some(rect) = state.plots_rect {
            let image = Arc::new(Mutex::new(None));
            let slot = image.clone();
            ui.ctx().request_screenshot(move |img| {
                if let Ok(mut s) = slot.lock() {
                    *s = Some(img);
                }
            });
            state.png = Some(PendingPng {
                path: state.png_path.clone(),
                rect,
                image,
            });
            state.status = None;
        }
    }
    match &state.status {
        Some(Ok(s)) => {
            ui.label(RichText::new(s).color(palette::INTACT));
        }
        Some(Err(e)) => {
            ui.label(RichText::new(e).color(palette::BROKEN));
        }
        None => {}
    }
}

fn saved(r: Result<String, String>, lang: Lang) -> Result<String, String> {
    match r {
        Ok(s) => Ok(format!("{} {s}", SWEEP_WRITTEN.get(lang))),
        Err(e) if e.is_empty() => Err(SWEEP_NO_BROWSER.get(lang).to_string()),
        Err(e) => Err(e),
    }
}

/// Writes the PNG once its screenshot has arrived.
fn finish_png(ctx: &egui::Context, state: &mut SweepState, lang: Lang) {
    let Some(pending) = &state.png else { return };
    let image = pending.image.lock().ok().and_then(|mut s| s.take());
    let Some(image) = image else {
        ctx.request_repaint_after(std::time::Duration::from_millis(30));
        return;
    };
    let Some(pending) = state.png.take() else {
        return;
    };
    let ppp = ctx.pixels_per_point();
    let written = match crop(&image, pending.rect, ppp) {
        #[cfg(not(target_arch = "wasm32"))]
        Some(img) => encode_png(&img).and_then(|bytes| write_atomic(&pending.path, &bytes)),
        #[cfg(target_arch = "wasm32")]
        Some(_) => Err(String::new()),
        None => Err(SWEEP_OFF_SCREEN.get(lang).to_string()),
    };
    state.status = Some(saved(written, lang));
}

#[cfg(test)]
mod tests;

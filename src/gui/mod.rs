//! The desktop app (eframe/egui): step through a scenario and watch bytes glue and
//! split; compare raw and framed receive.
//!
//! A thin layer over the model: [`playback::Playback`] holds a finished run and steps
//! through it exactly (forwards and backwards); the panels draw what it holds. UI
//! actions are recorded as [`Cmd`]s while drawing and applied after the frame.

mod bytes;
pub mod compare;
mod controls;
mod events;
pub mod i18n;
mod inspector;
mod ladder;
pub mod link;
mod palette;
pub mod playback;
pub mod quiz;
// In the browser, the real-socket panels are stand-ins that say "desktop only".
#[cfg_attr(target_arch = "wasm32", path = "real_web.rs")]
mod real;
mod receiver;
mod seqgraph;
mod stage;
mod strip;
pub mod sweep;
mod timeaxis;
pub mod views;
#[cfg(target_arch = "wasm32")]
pub mod web;

use serde::{Deserialize, Serialize};

use crate::params::Params;
use crate::scenario::{self, Lang, Scenario};
use crate::trace::{Dir, Micros};

/// Simulated time per real time while playing: 1 ms of the model takes 0.1 s on screen.
pub const DEFAULT_SPEED: f64 = 0.01;
/// In an idle stretch, play eases so the rest of the gap always looks this many seconds
/// away ([`StickyApp::play_rate`]).
const IDLE_EASE_S: f64 = 0.5;
/// The zoom Present mode uses at least.
pub const PRESENT_ZOOM: f32 = 1.5;
use compare::Compare;
use playback::Playback;

/// What is persisted between runs.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    pub scenario: String,
    pub chinese: bool,
    pub dark: bool,
    pub zoom: f32,
    /// Present mode: large zoom, high contrast, only the stage, the results, the
    /// narration and the controls.
    pub present: bool,
    /// Playback runs idle stretches faster ([`crate::model::Sim::idle`]).
    pub skip_idle: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            scenario: String::new(),
            chinese: false,
            dark: true,
            zoom: 1.0,
            present: false,
            skip_idle: true,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum View {
    Main,
    Compare,
    /// The live server for outside clients.
    Server,
}

/// Which world the main view shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Sim,
    Real,
    Both,
}

/// What the inspector shows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Selection {
    /// An event of the trace (by index).
    Event(usize),
    /// A packet on the wire (direction, seq, datagram?).
    Packet(Dir, u64, bool),
    /// An event of the real run (by index).
    RealEvent(usize),
}

/// UI actions, applied after the frame.
#[derive(Clone, Debug)]
pub enum Cmd {
    Scenario(usize),
    Params(Params),
    ResetParams,
    Play(bool),
    Step,
    Back,
    Reset,
    ToEnd,
    SeekTime(Micros),
    SeekEvent(usize),
    Select(Option<Selection>),
    Lang(Lang),
    Dark(bool),
    Zoom(f32),
    Present(bool),
    /// Show the verdict and metrics before the run's end.
    Reveal,
    /// Show or hide the parameters panel / the events and inspector.
    ShowParams(bool),
    ShowDetails(bool),
    View(View),
    CompareBy(compare::CompareBy),
    /// Ladders in the compare view (`Some(scale)`), or receivers' views (`None`).
    CompareLadder(Option<Option<f32>>),
    Speed(Option<f64>),
    SkipIdle(bool),
    Mode(Mode),
    RealStart,
    RealStop,
    ServerStart,
    ServerStop,
    Quiz(bool),
    /// To the result of the scenario's first question (the end if it asks none).
    KeyMoment,
    /// Open or close the sweep window.
    Sweep(bool),
    /// Run the sweep window's sweep.
    SweepRun,
}

/// The app's state.
pub struct StickyApp {
    pub settings: Settings,
    pub scenarios: Vec<Scenario>,
    pub current: usize,
    pub playback: Playback,
    pub view: View,
    pub playing: bool,
    /// Simulated time per real time while playing; `None` = instantaneous.
    pub speed: Option<f64>,
    /// The play clock, in simulated µs: while playing (or after seeking to a time) it runs
    /// between the current step's time and the next one's, so packets move continuously.
    clock: f64,
    /// The verdict and metrics are shown before the end (the class has predicted).
    pub revealed: bool,
    /// The parameters panel and the events + inspector panel; `None` = by window size.
    pub show_params: Option<bool>,
    pub show_details: Option<bool>,
    zoom_before_present: Option<f32>,
    frames: u64,
    /// The heights the narration, the results and the verdict took in the last frame.
    below: [f32; 3],
    /// Where the rows of the results began in the last frame (from their top).
    results_rows: receiver::RowTops,
    /// The scroll offset of the results the layout last asked for.
    results_scroll: Option<f32>,
    /// The last frame's heights of the main view's parts.
    last_plan: Option<BelowPlan>,
    pub selection: Option<Selection>,
    pub events_filter: events::Filter,
    pub compare: Option<Compare>,
    pub compare_by: compare::CompareBy,
    /// The compare view shows each column's ladder instead of its receiver's view, on
    /// one time scale (px per ms; `None` = fit the longest run).
    pub compare_ladder: Option<Option<f32>>,
    pub mode: Mode,
    pub real: Option<real::RealView>,
    pub server: real::ServerView,
    pub quiz: quiz::QuizState,
    /// Ladder, time–sequence graph, follow stream, pcapng export.
    pub views: views::ViewsState,
    /// Deep links and opened scenario files.
    pub link: link::LinkState,
    /// The sweep window.
    pub sweep: sweep::SweepState,
    fonts_installed: bool,
    /// The step the event list last scrolled to.
    events_scrolled_to: Option<usize>,
    /// How far the event list could scroll in the last frame.
    events_max_scroll: Option<f32>,
}

impl StickyApp {
    pub fn new(settings: Settings) -> StickyApp {
        let scenarios = scenario::builtin();
        let current = scenarios
            .iter()
            .position(|s| s.name == settings.scenario)
            .unwrap_or(0);
        let playback = Playback::new(&scenarios[current], &scenarios[current].params);
        StickyApp {
            settings,
            scenarios,
            current,
            playback,
            view: View::Main,
            playing: false,
            speed: Some(DEFAULT_SPEED),
            clock: 0.0,
            revealed: false,
            show_params: None,
            show_details: None,
            zoom_before_present: None,
            frames: 0,
            below: [60.0, 120.0, 30.0],
            results_rows: receiver::RowTops::default(),
            results_scroll: None,
            last_plan: None,
            selection: None,
            events_filter: events::Filter::default(),
            compare: None,
            compare_by: compare::CompareBy::Framing,
            compare_ladder: None,
            mode: Mode::Sim,
            real: None,
            server: real::ServerView::default(),
            quiz: quiz::QuizState::default(),
            views: views::ViewsState::default(),
            link: link::LinkState::default(),
            sweep: sweep::SweepState::default(),
            fonts_installed: false,
            events_scrolled_to: None,
            events_max_scroll: None,
        }
    }

    pub fn lang(&self) -> Lang {
        if self.settings.chinese {
            Lang::Zh
        } else {
            Lang::En
        }
    }

    pub fn scenario(&self) -> &Scenario {
        &self.scenarios[self.current]
    }

    /// The zoom the window uses.
    pub fn zoom(&self) -> f32 {
        self.settings.zoom
    }

    /// The time the stage shows: the current step's, or the play clock when it runs
    /// between this step and the next one (packets move along the wire in between).
    pub fn view_time(&self) -> Micros {
        let now = self.playback.now();
        let next = self
            .playback
            .time_of(self.playback.pos() + 1)
            .unwrap_or(now);
        (self.clock.max(0.0) as Micros).clamp(now, next.max(now))
    }

    /// The verdict and metrics are shown: at the end of the run, or once revealed.
    pub fn verdict_shown(&self) -> bool {
        (self.revealed || self.playback.at_end()) && !quiz::hides_results(self)
    }

    /// Draws the whole app into `ui` (the eframe root, or a test harness).
    pub fn show(&mut self, ui: &mut egui::Ui) {
        let ctx = ui.ctx().clone();
        if !self.fonts_installed {
            install_fonts(&ctx);
            self.fonts_installed = true;
        }
        let theme = if self.settings.dark {
            egui::Theme::Dark
        } else {
            egui::Theme::Light
        };
        ctx.set_theme(theme);
        ctx.set_visuals_of(
            theme,
            palette::visuals(self.settings.dark, self.settings.present),
        );
        let mut cmds = Vec::new();
        controls::keyboard(ui, self, &mut cmds);
        sweep::keyboard(ui, self, &mut cmds);
        self.advance_play(ui);
        self.poll_real(&ctx);
        link::take_dropped(ui, self);
        link::errors(ui, self);

        let size = ui.available_rect_before_wrap().size();
        egui::Panel::top("top").show(ui, |ui| controls::top_bar(ui, self, &mut cmds));
        let present = self.settings.present;
        if self.view == View::Main {
            egui::Panel::bottom("transport")
                .show(ui, |ui| controls::transport(ui, self, &mut cmds));
        }
        match self.view {
            View::Main => {
                // By default the side panels open when the window has room for them.
                let show_params = !present && self.show_params.unwrap_or(size.x >= 1000.0);
                let show_details = !present && self.show_details.unwrap_or(size.y >= 700.0);
                if show_params {
                    egui::Panel::left("params")
                        .resizable(true)
                        .default_size(230.0)
                        .show(ui, |ui| {
                            egui::ScrollArea::vertical().id_salt("left").show(ui, |ui| {
                                controls::params_panel(ui, self, &mut cmds);
                                ui.add_space(6.0);
                                quiz::lesson_panel(ui, self);
                            });
                        });
                }
                if show_details {
                    egui::Panel::bottom("lower")
                        .resizable(true)
                        .default_size((size.y * 0.25).clamp(120.0, 260.0))
                        .show(ui, |ui| {
                            ui.columns(2, |cols| {
                                events::show(&mut cols[0], self, &mut cmds);
                                inspector::show(&mut cols[1], self);
                            });
                        });
                }
                egui::CentralPanel::default_margins().show(ui, |ui| {
                    if views::show(ui, self, &mut cmds) {
                        return;
                    }
                    self.main_view(ui, &mut cmds)
                });
            }
            View::Compare => {
                egui::CentralPanel::default_margins()
                    .show(ui, |ui| compare::show(ui, self, &mut cmds));
            }
            View::Server => {
                egui::CentralPanel::default_margins()
                    .show(ui, |ui| real::server_panel(ui, self, &mut cmds));
            }
        }
        for cmd in cmds {
            self.apply(cmd);
        }
        quiz::sync(self);
        quiz::show(&ctx, self);
        quiz::sync(self);
        sweep::show(&ctx, self);
        // Panels size themselves from the frame before: a few more frames at the start
        // settle them without waiting for input.
        self.frames += 1;
        if self.playing || self.frames < 10 {
            ctx.request_repaint();
        }
    }

    /// The main view: the stage on top, growing with the window, then the narration,
    /// the recv() results and the verdict. The last three are measured each frame and
    /// keep their room so the verdict and the newest recv chips are never pushed out of
    /// the window nor covered. When the results do not all fit, they scroll to the top
    /// of a row (never half a chip), and the narration (to one line) and then the stage
    /// (to [`stage::FLOOR_HEIGHT`]) give way so the newest line of chips keeps its room.
    fn main_view(&mut self, ui: &mut egui::Ui, cmds: &mut Vec<Cmd>) {
        if self.mode == Mode::Real {
            egui::ScrollArea::vertical()
                .id_salt("real")
                .show(ui, |ui| real::show(ui, self, cmds));
            return;
        }
        let avail = ui.available_height();
        let gap = ui.spacing().item_spacing.y;
        let line = ui.fonts_mut(|f| f.row_height(&egui::FontId::proportional(15.0)));
        let plan = plan_below(avail, gap, self.below, &self.results_rows, line);
        ui.allocate_ui(egui::vec2(ui.available_width(), plan.stage), |ui| {
            stage::show(ui, self, cmds);
        });
        let narration = egui::ScrollArea::vertical()
            .id_salt("narration")
            .max_height(plan.narration)
            .min_scrolled_height(plan.narration)
            .auto_shrink([false, true])
            .show(ui, |ui| receiver::narration(ui, self));
        labelled_region(ui, narration.inner_rect, "narration panel");
        let mut results = egui::ScrollArea::vertical()
            .id_salt("results")
            .max_height(plan.results)
            .min_scrolled_height(plan.results)
            .auto_shrink([false, true]);
        // When they do not all fit, the newest results come into view, from the top of a
        // row: once per new layout, so the class may scroll on from there; and once its
        // heights hold a frame, as the scroll area bounds the offset by the last frame's.
        if Some(plan) == self.last_plan && plan.scroll != self.results_scroll {
            if let Some(y) = plan.scroll {
                results = results.vertical_scroll_offset(y);
            }
            self.results_scroll = plan.scroll;
        }
        let results = results.show(ui, |ui| {
            let origin = ui.max_rect().top();
            let mut rows = if self.mode == Mode::Both {
                ui.columns(2, |cols| {
                    let rows = receiver::show(&mut cols[0], self, cmds);
                    real::show(&mut cols[1], self, cmds);
                    rows
                })
            } else {
                receiver::show(ui, self, cmds)
            };
            // From the top of the results, wherever they are scrolled.
            rows.tops.iter_mut().for_each(|t| *t -= origin);
            rows.newest_chips = rows.newest_chips.map(|t| t - origin);
            rows
        });
        labelled_region(ui, results.inner_rect, "results panel");
        let verdict = ui.scope(|ui| receiver::verdict_row(ui, self, cmds));
        let below = [
            narration.content_size.y,
            results.content_size.y,
            verdict.response.rect.height(),
        ];
        // The room is planned from the last frame's sizes: when they changed, one more
        // frame lays them out again.
        let changed = below
            .iter()
            .zip(self.below)
            .any(|(a, b)| (a - b).abs() > 0.5)
            || results.inner != self.results_rows
            || Some(plan) != self.last_plan;
        self.last_plan = Some(plan);
        if changed {
            ui.ctx().request_repaint();
        }
        self.below = below;
        self.results_rows = results.inner;
    }

    /// Starts a real run when the real world is shown and none matches the scenario and
    /// parameters; takes whatever the running real run and server have streamed.
    fn poll_real(&mut self, ctx: &egui::Context) {
        let key = (self.current, self.playback.params.clone());
        if self.mode != Mode::Sim && self.real.as_ref().is_none_or(|r| r.key != key) {
            self.apply(Cmd::RealStart);
        }
        let mut busy = false;
        if let Some(r) = &mut self.real {
            r.poll();
            busy |= r.running();
        }
        self.server.poll();
        busy |= self.server.running();
        if busy {
            ctx.request_repaint_after(std::time::Duration::from_millis(50));
        }
    }

    fn advance_play(&mut self, ui: &egui::Ui) {
        if !self.playing {
            return;
        }
        let Some(speed) = self.speed else {
            self.playback.seek(self.playback.len());
            self.playing = false;
            return;
        };
        let dt = ui.input(|i| i.stable_dt).min(0.1) as f64;
        self.clock += dt * 1e6 * self.play_rate(speed);
        // At least one step per frame would race; at most a few per frame keep it legible.
        let mut moved = 0;
        while let Some(t) = self.playback.time_of(self.playback.pos() + 1) {
            if (t as f64) > self.clock || moved >= 8 {
                break;
            }
            self.playback.step();
            moved += 1;
        }
        if self.playback.at_end() {
            self.playing = false;
            self.clock = self.playback.now() as f64;
        }
    }

    /// Simulated µs per real µs now. In an idle stretch the clock covers the gap to the
    /// next event at a rate that falls as the event nears (at most [`IDLE_EASE_S`] of
    /// the gap is left each second), so a 300 ms sleep takes ~2.5 s instead of 30 s at
    /// the default speed, and play slows back to `speed` before the next event.
    fn play_rate(&self, speed: f64) -> f64 {
        let idle = self.settings.skip_idle && self.playback.sim().is_some_and(|s| s.idle());
        let next = self.playback.time_of(self.playback.pos() + 1);
        match next {
            Some(t) if idle => speed.max((t as f64 - self.clock) / 1e6 / IDLE_EASE_S),
            _ => speed,
        }
    }

    /// Re-runs the model with new parameters, keeping the time cursor.
    fn rerun(&mut self, params: Params) {
        let t = self.playback.now();
        let at_end = self.playback.at_end() && self.playback.pos() > 0;
        self.playback = Playback::new(self.scenario(), &params);
        if at_end {
            // The end stays the end (the new run may be longer or shorter).
            self.playback.seek(self.playback.len());
        } else {
            self.playback.seek_time(t);
        }
        // An event index of the old run names another event in the new one.
        if matches!(
            self.selection,
            Some(Selection::Event(_) | Selection::Packet(..))
        ) {
            self.selection = None;
        }
        self.clock = self.playback.now() as f64;
        self.compare = None;
        self.revealed = false;
    }

    pub fn apply(&mut self, cmd: Cmd) {
        match cmd {
            Cmd::Scenario(i) if i < self.scenarios.len() => {
                self.current = i;
                self.settings.scenario = self.scenarios[i].name.clone();
                self.playback = Playback::new(&self.scenarios[i], &self.scenarios[i].params);
                self.playing = false;
                self.clock = 0.0;
                self.selection = None;
                self.compare = None;
                self.revealed = false;
            }
            Cmd::Scenario(_) => {}
            Cmd::Params(p) => self.rerun(p),
            Cmd::ResetParams => self.rerun(self.scenario().params.clone()),
            Cmd::Play(on) => {
                if on && self.playback.at_end() {
                    self.playback.seek(0);
                }
                self.playing = on;
                self.clock = self.playback.now() as f64;
            }
            Cmd::Step => {
                self.playing = false;
                self.playback.step();
                self.clock = self.playback.now() as f64;
            }
            Cmd::Back => {
                self.playing = false;
                self.playback.step_back();
                self.clock = self.playback.now() as f64;
            }
            Cmd::Reset => {
                self.playing = false;
                self.playback.seek(0);
                self.clock = 0.0;
                self.revealed = false;
            }
            Cmd::ToEnd => {
                self.playing = false;
                self.playback.seek(self.playback.len());
                self.clock = self.playback.now() as f64;
            }
            Cmd::SeekTime(t) => {
                self.playback.seek_time(t);
                self.clock = t as f64;
            }
            Cmd::SeekEvent(i) => {
                self.playing = false;
                self.playback.seek_event(i);
                self.clock = self.playback.now() as f64;
                self.selection = Some(Selection::Event(i));
            }
            Cmd::Select(s) => self.selection = s,
            Cmd::Lang(l) => self.settings.chinese = l == Lang::Zh,
            Cmd::Dark(d) => self.settings.dark = d,
            Cmd::Zoom(z) => self.settings.zoom = ((z * 10.0).round() / 10.0).clamp(0.6, 3.0),
            // Presenting zooms to at least PRESENT_ZOOM; leaving it restores the zoom.
            Cmd::Present(on) if on != self.settings.present => {
                self.settings.present = on;
                if on {
                    self.zoom_before_present = Some(self.settings.zoom);
                    self.settings.zoom = self.settings.zoom.max(PRESENT_ZOOM);
                } else if let Some(z) = self.zoom_before_present.take() {
                    self.settings.zoom = z;
                }
            }
            Cmd::Present(_) => {}
            Cmd::Reveal => self.revealed = true,
            Cmd::ShowParams(on) => self.show_params = Some(on),
            Cmd::ShowDetails(on) => self.show_details = Some(on),
            Cmd::View(v) => self.view = v,
            Cmd::Speed(s) => self.speed = s,
            Cmd::SkipIdle(on) => self.settings.skip_idle = on,
            Cmd::Mode(m) => self.mode = m,
            Cmd::RealStart => {
                if let Some(r) = &mut self.real {
                    r.stop();
                }
                let s = &self.scenarios[self.current];
                self.real = Some(real::RealView::start(
                    self.current,
                    s,
                    &self.playback.params,
                ));
            }
            Cmd::RealStop => {
                if let Some(r) = &mut self.real {
                    r.stop();
                }
            }
            Cmd::ServerStart => self.server.start(),
            Cmd::ServerStop => self.server.stop(),
            Cmd::Quiz(on) => self.quiz.set_on(on),
            Cmd::KeyMoment => quiz::key_moment(self),
            Cmd::Sweep(on) => self.sweep.open = on,
            Cmd::SweepRun => {
                let s = &self.scenarios[self.current];
                self.sweep.start(s, &self.playback.params);
            }
            Cmd::CompareBy(by) => {
                self.compare_by = by;
                self.compare = None;
            }
            Cmd::CompareLadder(ladder) => self.compare_ladder = ladder,
        }
        compare::refresh(self);
    }
}

/// The heights of the main view's parts (see [`StickyApp::main_view`]), and where the
/// results scroll to when they do not all fit.
#[derive(Clone, Copy, Debug, PartialEq)]
struct BelowPlan {
    stage: f32,
    narration: f32,
    results: f32,
    scroll: Option<f32>,
}

/// The narration's frame around its text (margin and stroke), at the top and the bottom.
const NARRATION_PAD: f32 = 7.0;

/// Plans the main view's `avail` height from the last frame's heights of the narration,
/// the results and the verdict (`below`), where the results' rows begin (`rows`) and the
/// height of a line of narration (`line`).
fn plan_below(
    avail: f32,
    gap: f32,
    below: [f32; 3],
    rows: &receiver::RowTops,
    line: f32,
) -> BelowPlan {
    let plan = plan_heights(avail, gap, below, rows, line);
    let narration_h = below[0];
    if plan.narration >= narration_h || line <= 0.0 {
        return plan;
    }
    // A clipped narration ends under a whole line, not half-way through one; the rest
    // goes to the results when they end inside a row (too short for their newest rows),
    // else to the stage.
    let lines = ((plan.narration - NARRATION_PAD - 2.0) / line)
        .floor()
        .max(1.0);
    let narration = (NARRATION_PAD + lines * line + 2.0).min(plan.narration);
    let spare = plan.narration - narration;
    let cut = plan.scroll.is_some_and(|from| {
        let end = from + plan.results;
        !rows
            .tops
            .iter()
            .chain([&below[1]])
            .any(|t| (t - end).abs() < 0.5)
    });
    BelowPlan {
        narration,
        stage: plan.stage + if cut { 0.0 } else { spare },
        results: plan.results + if cut { spare } else { 0.0 },
        ..plan
    }
}

fn plan_heights(
    avail: f32,
    gap: f32,
    below: [f32; 3],
    rows: &receiver::RowTops,
    line: f32,
) -> BelowPlan {
    let [narration_h, results_h, verdict_h] = below;
    let rest = avail - verdict_h - 4.0 * gap;
    // The stage is the hero: at least 45 % of the height (MIN_HEIGHT when it has room), so
    // the recv() results under it keep their heading on a 720-pixel screen.
    let stage_min = stage::MIN_HEIGHT.max(avail * 0.45).min(avail * 0.55);
    let narration_max = narration_h.min(avail * 0.15).max(24.0);
    let room = rest - stage_min - narration_max;
    if results_h <= room {
        let results = results_h.max(40.0);
        return BelowPlan {
            stage: (rest - narration_max - results).max(stage_min),
            narration: narration_max,
            results,
            scroll: None,
        };
    }
    // Too tall: show the results from the top of a row, as many rows as fit at the sizes
    // above, but at least from the newest line of chips down.
    let must = rows
        .newest_chips
        .or(rows.tops.last().copied())
        .unwrap_or(0.0)
        .min(results_h);
    let from = rows
        .tops
        .iter()
        .copied()
        .filter(|&t| t <= must)
        .find(|&t| results_h - t <= room)
        .unwrap_or(must);
    let mut results = results_h - from;
    // Then the narration gives way to one line, and the stage to its floor.
    let left = rest - results;
    let narration = narration_max
        .min(left - stage_min)
        .max((2.0 * NARRATION_PAD + line).min(narration_h).max(24.0));
    let mut stage = (left - narration).max(stage::FLOOR_HEIGHT);
    let fit = rest - stage - narration;
    if fit < results {
        // Still too little: the results scroll, the newest chips at their top and the
        // rows under them cut where a row ends; the stage takes what is left over.
        results = rows
            .tops
            .iter()
            .copied()
            .chain([results_h])
            .filter(|&end| end > must + 1.0)
            .map(|end| end - must)
            .filter(|&h| h <= fit)
            .fold(0.0, f32::max);
        if results == 0.0 {
            results = fit;
        }
        results = results.max(40.0);
        stage = stage.max(rest - narration - results);
    }
    BelowPlan {
        stage,
        narration,
        results,
        scroll: Some((results_h - results).min(must).max(0.0)),
    }
}

/// A node for the screen reader (and the layout tests) naming a region of the window.
fn labelled_region(ui: &egui::Ui, rect: egui::Rect, label: &str) {
    let id = ui.scope_id().with(label);
    ui.interact(rect, id, egui::Sense::hover())
        .widget_info(|| egui::WidgetInfo::labeled(egui::Role::Group, true, label));
}

/// The embedded CJK font (Noto Sans SC, cut to the characters the app and common text
/// need) as a fallback after egui's own fonts, so 中文 never shows as boxes.
pub fn install_fonts(ctx: &egui::Context) {
    let mut fonts = egui::FontDefinitions::default();
    fonts.font_data.insert(
        "noto-sans-sc".to_owned(),
        std::sync::Arc::new(egui::FontData::from_static(include_bytes!(
            "fonts/NotoSansSC-subset.otf"
        ))),
    );
    for family in [egui::FontFamily::Proportional, egui::FontFamily::Monospace] {
        fonts
            .families
            .entry(family)
            .or_default()
            .push("noto-sans-sc".to_owned());
    }
    ctx.set_fonts(fonts);
}

#[cfg(not(target_arch = "wasm32"))]
struct EframeApp(StickyApp);

#[cfg(not(target_arch = "wasm32"))]
impl eframe::App for EframeApp {
    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        ui.ctx().set_zoom_factor(self.0.zoom());
        self.0.show(ui);
    }

    fn save(&mut self, storage: &mut dyn eframe::Storage) {
        eframe::set_value(storage, eframe::APP_KEY, &self.0.settings);
    }
}

/// How the window opens for a scripted screenshot (`scripts/screenshots`), from the
/// environment variable `STICKYSIM_SHOT`: comma-separated `size=1280x720`, `zoom=1.5`,
/// `zh`, `light`, `present`, `end`, `steps=N`, `reveal`, `compare`, `server`, `real`,
/// `both`, `select=N` (an event), `params=off` (hide the parameters panel), `sweep` (open
/// the sweep window and run its default sweep), `quiz` (Quiz mode: with `end`, the
/// playback stops at the first question), `key` (the result of the first question, or
/// the end: the lesson pages' screenshots).
#[derive(Clone, Debug, Default)]
pub struct Shot {
    pub size: Option<[f32; 2]>,
    pub cmds: Vec<Cmd>,
}

impl Shot {
    pub fn parse(spec: &str) -> Result<Shot, String> {
        let mut shot = Shot::default();
        for item in spec.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            let (key, value) = item.split_once('=').unwrap_or((item, ""));
            let num = |v: &str| {
                v.parse::<f32>()
                    .map_err(|_| format!("{key}: not a number: {v}"))
            };
            let cmd = match key {
                "size" => {
                    let (w, h) = value
                        .split_once('x')
                        .ok_or(format!("size: WxH, not {value}"))?;
                    shot.size = Some([num(w)?, num(h)?]);
                    continue;
                }
                "zoom" => Cmd::Zoom(num(value)?),
                "zh" => Cmd::Lang(Lang::Zh),
                "light" => Cmd::Dark(false),
                "present" => Cmd::Present(true),
                "end" => Cmd::ToEnd,
                "reveal" => Cmd::Reveal,
                "quiz" => Cmd::Quiz(true),
                "key" => Cmd::KeyMoment,
                "steps" => {
                    for _ in 0..num(value)? as usize {
                        shot.cmds.push(Cmd::Step);
                    }
                    continue;
                }
                "time" => Cmd::SeekTime((num(value)? * 1000.0) as Micros),
                "compare" => Cmd::View(View::Compare),
                "nagle" => Cmd::CompareBy(compare::CompareBy::Nagle),
                "decoder" => Cmd::CompareBy(compare::CompareBy::Decoder),
                "ladders" => Cmd::CompareLadder(Some(None)),
                "server" => Cmd::View(View::Server),
                "real" => Cmd::Mode(Mode::Real),
                "both" => Cmd::Mode(Mode::Both),
                "select" => Cmd::Select(Some(Selection::Event(num(value)? as usize))),
                "params" => Cmd::ShowParams(value != "off"),
                "sweep" => {
                    shot.cmds.push(Cmd::Sweep(true));
                    Cmd::SweepRun
                }
                _ => return Err(format!("unknown item {item}")),
            };
            shot.cmds.push(cmd);
        }
        Ok(shot)
    }
}

/// Opens the window on what `link` shows ([`crate::deeplink`]; an empty link keeps the
/// remembered scenario). `commands.rs` has checked the link.
#[cfg(not(target_arch = "wasm32"))]
pub fn run(link: crate::deeplink::DeepLink) -> eframe::Result {
    let app_error = |e: String| eframe::Error::AppCreation(e.into());
    let shot = match std::env::var("STICKYSIM_SHOT") {
        Ok(spec) => Some(Shot::parse(&spec).map_err(app_error)?),
        Err(_) => None,
    };
    let size = shot
        .as_ref()
        .and_then(|s| s.size)
        .unwrap_or([1280.0, 720.0]);
    let options = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_title("stickysim")
            .with_inner_size(size)
            .with_min_inner_size([800.0, 480.0]),
        // A scripted screenshot starts from the defaults, not from the last session.
        persist_window: shot.is_none(),
        ..Default::default()
    };
    eframe::run_native(
        "stickysim",
        options,
        Box::new(move |cc| {
            let settings: Settings = cc
                .storage
                .filter(|_| shot.is_none())
                .and_then(|s| eframe::get_value(s, eframe::APP_KEY))
                .unwrap_or_default();
            install_fonts(&cc.egui_ctx);
            let mut app = StickyApp::new(settings);
            if let Err(e) = app.apply_link(&link) {
                app.link_failed("link".to_string(), &e);
            }
            for cmd in shot.map(|s| s.cmds).unwrap_or_default() {
                app.apply(cmd);
            }
            Ok(Box::new(EframeApp(app)))
        }),
    )
}

#[cfg(test)]
mod layout_tests {
    use super::*;

    /// Two receiving sides as `receiver::show` measures them: heading, then per side
    /// "received by", a line of chips and the decoded row (12 at its end).
    fn two_sides() -> receiver::RowTops {
        receiver::RowTops {
            tops: vec![0.0, 21.7, 44.7, 105.7, 136.0, 158.0, 219.0],
            newest_chips: Some(158.0),
        }
    }

    fn total(p: &BelowPlan, verdict: f32, gap: f32) -> f32 {
        p.stage + p.narration + p.results + verdict + 4.0 * gap
    }

    #[test]
    fn with_room_the_results_show_whole_and_do_not_scroll() {
        let p = plan_below(700.0, 3.0, [60.0, 247.0, 20.0], &two_sides(), 17.3);
        assert_eq!(p.scroll, None);
        assert_eq!(p.results, 247.0);
        assert!(p.stage >= stage::MIN_HEIGHT);
        assert!((total(&p, 20.0, 3.0) - 700.0).abs() < 0.01);
    }

    #[test]
    fn short_of_room_the_results_start_at_a_row_and_keep_the_newest_chips() {
        for (avail, verdict) in [(295.0, 20.0), (295.0, 43.0), (396.0, 20.0), (250.0, 20.0)] {
            let rows = two_sides();
            let p = plan_below(avail, 3.0, [138.0, 247.0, verdict], &rows, 17.3);
            let what = format!("{avail} {verdict}: {p:?}");
            let from = p.scroll.expect("the results scroll");
            assert!(rows.tops.contains(&from), "{what}: from a row's top");
            assert!(from <= 158.0, "{what}: the newest chips are in view");
            assert!(p.stage >= stage::FLOOR_HEIGHT, "{what}");
            assert!(p.narration >= 24.0, "{what}");
            assert!(total(&p, verdict, 3.0) <= avail + 0.01, "{what}: overflows");
            // At the sizes we ship, the line of chips (58 high) shows whole, and what is
            // under it is cut where a row ends.
            if avail >= 295.0 {
                assert!(p.results >= 58.0, "{what}");
                let end = from + p.results;
                assert!(
                    rows.tops
                        .iter()
                        .chain([&247.0])
                        .any(|t| (t - end).abs() < 0.01),
                    "{what}: cut at a row's end"
                );
            }
        }
    }

    #[test]
    fn a_clipped_narration_ends_under_a_whole_line() {
        let line = 17.3;
        let p = plan_below(295.0, 3.0, [138.0, 247.0, 20.0], &two_sides(), line);
        assert!(p.narration < 138.0);
        let lines = (p.narration - NARRATION_PAD - 2.0) / line;
        assert!((lines - lines.round()).abs() < 0.01, "{p:?}");
    }
}

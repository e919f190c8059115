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
pub mod link;
mod palette;
pub mod playback;
// In the browser, the real-socket panels are stand-ins that say "desktop only".
#[cfg_attr(target_arch = "wasm32", path = "real_web.rs")]
mod real;
mod receiver;
mod stage;
#[cfg(target_arch = "wasm32")]
pub mod web;

use serde::{Deserialize, Serialize};

use crate::params::Params;
use crate::scenario::{self, Lang, Scenario};
use crate::trace::{Dir, Micros};
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
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            scenario: String::new(),
            chinese: false,
            dark: true,
            zoom: 1.0,
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
    View(View),
    CompareBy(compare::CompareBy),
    Speed(Option<f64>),
    Mode(Mode),
    RealStart,
    RealStop,
    ServerStart,
    ServerStop,
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
    /// The play clock, in simulated µs.
    clock: f64,
    pub selection: Option<Selection>,
    pub events_filter: events::Filter,
    pub compare: Option<Compare>,
    pub compare_by: compare::CompareBy,
    pub mode: Mode,
    pub real: Option<real::RealView>,
    pub server: real::ServerView,
    /// Deep links and opened scenario files.
    pub link: link::LinkState,
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
            speed: Some(0.02),
            clock: 0.0,
            selection: None,
            events_filter: events::Filter::default(),
            compare: None,
            compare_by: compare::CompareBy::Framing,
            mode: Mode::Sim,
            real: None,
            server: real::ServerView::default(),
            link: link::LinkState::default(),
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

    /// Draws the whole app into `ui` (the eframe root, or a test harness).
    pub fn show(&mut self, ui: &mut egui::Ui) {
        let ctx = ui.ctx().clone();
        if !self.fonts_installed {
            install_fonts(&ctx);
            self.fonts_installed = true;
        }
        ctx.set_theme(if self.settings.dark {
            egui::Theme::Dark
        } else {
            egui::Theme::Light
        });
        let mut cmds = Vec::new();
        controls::keyboard(ui, self, &mut cmds);
        self.advance_play(ui);
        self.poll_real(&ctx);
        link::take_dropped(ui, self);
        link::errors(ui, self);

        egui::Panel::top("top").show(ui, |ui| controls::top_bar(ui, self, &mut cmds));
        egui::Panel::bottom("transport").show(ui, |ui| controls::transport(ui, self, &mut cmds));
        match self.view {
            View::Main => {
                egui::Panel::left("params")
                    .resizable(true)
                    .default_size(250.0)
                    .show(ui, |ui| {
                        egui::ScrollArea::vertical().id_salt("left").show(ui, |ui| {
                            controls::params_panel(ui, self, &mut cmds);
                            ui.add_space(6.0);
                            receiver::narration(ui, self);
                        });
                    });
                egui::Panel::bottom("lower")
                    .resizable(true)
                    .default_size(170.0)
                    .show(ui, |ui| {
                        ui.columns(2, |cols| {
                            events::show(&mut cols[0], self, &mut cmds);
                            inspector::show(&mut cols[1], self);
                        });
                    });
                egui::CentralPanel::default_margins().show(ui, |ui| {
                    egui::ScrollArea::vertical().show(ui, |ui| {
                        match self.mode {
                            Mode::Sim => {
                                stage::show(ui, self, &mut cmds);
                                ui.add_space(6.0);
                                receiver::show(ui, self, &mut cmds);
                                ui.add_space(6.0);
                                receiver::metrics(ui, self);
                            }
                            Mode::Real => real::show(ui, self, &mut cmds),
                            // The model and the kernel side by side, under the model's stage.
                            Mode::Both => {
                                stage::show(ui, self, &mut cmds);
                                ui.add_space(6.0);
                                ui.columns(2, |cols| {
                                    receiver::show(&mut cols[0], self, &mut cmds);
                                    receiver::metrics(&mut cols[0], self);
                                    real::show(&mut cols[1], self, &mut cmds);
                                });
                            }
                        }
                    });
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
        if self.playing {
            ctx.request_repaint();
        }
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
        self.clock += dt * 1e6 * speed;
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
        }
    }

    /// Re-runs the model with new parameters, keeping the time cursor.
    fn rerun(&mut self, params: Params) {
        let t = self.playback.now();
        self.playback = Playback::new(self.scenario(), &params);
        self.playback.seek_time(t);
        self.clock = self.playback.now() as f64;
        self.compare = None;
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
            }
            Cmd::Back => {
                self.playing = false;
                self.playback.step_back();
            }
            Cmd::Reset => {
                self.playing = false;
                self.playback.seek(0);
                self.clock = 0.0;
            }
            Cmd::ToEnd => {
                self.playing = false;
                self.playback.seek(self.playback.len());
            }
            Cmd::SeekTime(t) => {
                self.playback.seek_time(t);
                self.clock = t as f64;
            }
            Cmd::SeekEvent(i) => {
                self.playing = false;
                self.playback.seek_event(i);
                self.selection = Some(Selection::Event(i));
            }
            Cmd::Select(s) => self.selection = s,
            Cmd::Lang(l) => self.settings.chinese = l == Lang::Zh,
            Cmd::Dark(d) => self.settings.dark = d,
            Cmd::Zoom(z) => self.settings.zoom = z.clamp(0.6, 3.0),
            Cmd::View(v) => self.view = v,
            Cmd::Speed(s) => self.speed = s,
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
            Cmd::CompareBy(by) => {
                self.compare_by = by;
                self.compare = None;
            }
        }
        compare::refresh(self);
    }
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
        ui.ctx().set_zoom_factor(self.0.settings.zoom);
        self.0.show(ui);
    }

    fn save(&mut self, storage: &mut dyn eframe::Storage) {
        eframe::set_value(storage, eframe::APP_KEY, &self.0.settings);
    }
}

/// Opens the window on what `link` shows ([`crate::deeplink`]; an empty link keeps the
/// remembered scenario).
#[cfg(not(target_arch = "wasm32"))]
pub fn run(link: crate::deeplink::DeepLink) -> eframe::Result {
    let options = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_title("stickysim")
            .with_inner_size([1280.0, 720.0])
            .with_min_inner_size([900.0, 560.0]),
        ..Default::default()
    };
    eframe::run_native(
        "stickysim",
        options,
        Box::new(move |cc| {
            let settings: Settings = cc
                .storage
                .and_then(|s| eframe::get_value(s, eframe::APP_KEY))
                .unwrap_or_default();
            install_fonts(&cc.egui_ctx);
            let mut app = StickyApp::new(settings);
            if let Err(e) = app.apply_link(&link) {
                app.link.error = Some(("link".to_string(), e.to_string()));
            }
            Ok(Box::new(EframeApp(app)))
        }),
    )
}

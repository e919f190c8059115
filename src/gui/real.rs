//! Real loopback runs and the live server, drawn from the event stream: the UI thread
//! polls the channel once per frame and never blocks on a socket.

use std::collections::BTreeMap;

use egui::{Color32, RichText};

use super::{Cmd, StickyApp, i18n, palette, receiver};
use crate::analysis::{self, Report};
use crate::params::{Framing, Params};
use crate::realnet::serve::{ServeApp, ServeEvent, ServeEventKind, ServeOptions, Server};
use crate::realnet::{self, LiveTrace, RealOptions, RealRun};
use crate::scenario::{Scenario, Text};
use crate::trace::escape_bytes;

/// One run of the current scenario on real sockets.
pub struct RealView {
    /// What it was started for: scenario index and parameters.
    pub key: (usize, Params),
    run: Option<RealRun>,
    pub live: LiveTrace,
    pub report: Report,
    pub error: Option<Text>,
}

impl RealView {
    pub fn start(index: usize, scenario: &Scenario, params: &Params) -> RealView {
        let live = LiveTrace::new(scenario, params);
        let report = analysis::analyze(&live.trace);
        let (run, error) = match realnet::start(scenario, params, &RealOptions::default()) {
            Ok(run) => (Some(run), None),
            Err(e) => (None, Some(e.both())),
        };
        RealView {
            key: (index, params.clone()),
            run,
            live,
            report,
            error,
        }
    }

    /// Takes what has arrived; true if anything did.
    pub fn poll(&mut self) -> bool {
        let Some(run) = &self.run else { return false };
        let n = run.poll_into(&mut self.live);
        if n > 0 {
            self.report = analysis::analyze(&self.live.trace);
        }
        if self.live.finished.is_some() {
            self.run = None;
        }
        n > 0
    }

    pub fn running(&self) -> bool {
        self.run.is_some()
    }

    pub fn stop(&mut self) {
        if let Some(run) = &self.run {
            run.stop();
        }
    }
}

/// The real run's receiver view, metrics and notes.
pub fn show(ui: &mut egui::Ui, app: &StickyApp, cmds: &mut Vec<Cmd>) {
    let lang = app.lang();
    let Some(rv) = &app.real else { return };
    ui.horizontal(|ui| {
        ui.label(
            RichText::new(i18n::REAL_LOOPBACK.get(lang))
                .strong()
                .size(16.0),
        );
        // In the real world alone these are the transport bar's; beside the model, here.
        if app.mode == super::Mode::Real {
            if rv.running() {
                ui.spinner();
            }
        } else if rv.running() {
            ui.spinner();
            if ui.button(i18n::STOP.get(lang)).clicked() {
                cmds.push(Cmd::RealStop);
            }
        } else if ui.button(i18n::RUN_AGAIN.get(lang)).clicked() {
            cmds.push(Cmd::RealStart);
        }
    });
    if let Some(e) = &rv.error {
        ui.colored_label(palette::BROKEN, e.get(lang));
        return;
    }
    let trace = &rv.live.trace;
    let recvs = analysis::recv_results(trace);
    let deliveries = analysis::deliveries(trace);
    // Beside the simulated run, the real one shows what it had done by the same time
    // (all of it once the simulated run has ended: the kernel may take longer).
    let both = app.mode == super::Mode::Both;
    let by_time = if both && !app.playback.at_end() {
        let t = app.view_time();
        trace
            .events
            .iter()
            .position(|e| e.t_us > t)
            .unwrap_or(trace.events.len())
    } else {
        trace.events.len()
    };
    // In Quiz mode the kernel's result of a call asked about stays hidden until answered.
    let limit = super::quiz::real_limit(app);
    let hidden = limit < trace.events.len();
    let shown = by_time.min(limit);
    let view = receiver::RecvView {
        trace,
        recvs: &recvs,
        deliveries: &deliveries,
        shown,
        interactive: false,
        select: super::Selection::RealEvent,
        selection: app.selection.as_ref(),
        prefix: "real ",
    };
    receiver::rows(ui, &view, lang, cmds);
    if by_time > limit {
        ui.weak(super::quiz::hidden_text(lang));
    }
    for n in rv.live.notes.iter().filter(|_| !hidden) {
        ui.colored_label(palette::BROKEN, n);
    }
    let revealed = (!both || app.verdict_shown()) && !hidden;
    if rv.live.finished.is_some() && revealed {
        let v = i18n::verdict(&rv.report, lang);
        let resp = ui.label(RichText::new(format!("{}: {v}", i18n::VERDICT.get(lang))).size(15.0));
        resp.widget_info(|| {
            egui::WidgetInfo::labeled(egui::Role::Label, true, format!("real verdict: {v}"))
        });
        egui::CollapsingHeader::new(i18n::METRICS.get(lang))
            .id_salt("real-metrics")
            .show(ui, |ui| {
                receiver::metrics_grid(ui, &rv.report, "real-metrics-grid", lang, true);
            });
    }
}

/// The live server for outside clients.
pub struct ServerView {
    pub app: ServeApp,
    pub framing: Framing,
    pub port: u16,
    /// Listen on every network (0.0.0.0) so students' laptops can connect; off = only
    /// this computer (127.0.0.1).
    pub open: bool,
    server: Option<Server>,
    pub events: Vec<ServeEvent>,
    pub error: Option<Text>,
}

/// Events kept for display (the oldest are dropped).
const MAX_EVENTS: usize = 2000;

impl Default for ServerView {
    fn default() -> Self {
        ServerView {
            app: ServeApp::Upper,
            framing: Framing::Raw,
            port: 8080,
            open: false,
            server: None,
            events: Vec::new(),
            error: None,
        }
    }
}

impl ServerView {
    pub fn start(&mut self) {
        self.stop();
        self.events.clear();
        let bind = if self.open {
            std::net::IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED)
        } else {
            std::net::IpAddr::V4(std::net::Ipv4Addr::LOCALHOST)
        };
        let mut opts = ServeOptions {
            bind,
            port: self.port,
            app: self.app,
            ..ServeOptions::default()
        };
        opts.params.framing = self.framing;
        match Server::start(opts) {
            Ok(s) => {
                self.server = Some(s);
                self.error = None;
            }
            Err(e) => self.error = Some(e.both()),
        }
    }

    pub fn stop(&mut self) {
        if let Some(s) = self.server.take() {
            s.stop();
        }
    }

    pub fn running(&self) -> bool {
        self.server.is_some()
    }

    pub fn poll(&mut self) -> bool {
        let Some(s) = &self.server else { return false };
        let before = self.events.len();
        while let Ok(e) = s.events().try_recv() {
            self.events.push(e);
        }
        if self.events.len() > MAX_EVENTS {
            self.events.drain(..self.events.len() - MAX_EVENTS);
        }
        self.events.len() != before
    }

    pub fn addr(&self) -> Option<std::net::SocketAddr> {
        self.server.as_ref().map(Server::local_addr)
    }
}

pub fn server_panel(ui: &mut egui::Ui, app: &mut StickyApp, cmds: &mut Vec<Cmd>) {
    let lang = app.lang();
    let sv = &mut app.server;
    ui.heading(i18n::LIVE_SERVER.get(lang));
    ui.horizontal(|ui| {
        ui.add_enabled_ui(!sv.running(), |ui| {
            for a in [
                ServeApp::Upper,
                ServeApp::Command,
                ServeApp::Upload,
                ServeApp::UdpEcho,
            ] {
                ui.selectable_value(&mut sv.app, a, a.name());
            }
            ui.separator();
            for &f in Framing::ALL {
                ui.selectable_value(&mut sv.framing, f, i18n::choice(f.name(), lang));
            }
            ui.separator();
            let l = ui.label(i18n::PORT.get(lang));
            ui.add(egui::DragValue::new(&mut sv.port).range(0..=65535))
                .labelled_by(l.id);
            ui.separator();
            ui.label(i18n::BIND.get(lang));
            ui.selectable_value(&mut sv.open, false, i18n::BIND_LOOPBACK.get(lang));
            ui.selectable_value(&mut sv.open, true, i18n::BIND_ALL.get(lang));
        });
        if sv.running() {
            if ui.button(i18n::STOP.get(lang)).clicked() {
                cmds.push(Cmd::ServerStop);
            }
        } else if ui.button(i18n::START.get(lang)).clicked() {
            cmds.push(Cmd::ServerStart);
        }
    });
    if let Some(addr) = sv.addr() {
        ui.label(RichText::new(format!("{} {addr}", i18n::LISTENING_ON.get(lang))).monospace());
    }
    if sv.open {
        ui.colored_label(palette::BROKEN, i18n::BIND_WARNING.get(lang));
    }
    ui.weak(i18n::SERVER_HINT.get(lang));
    if let Some(e) = &sv.error {
        ui.colored_label(palette::BROKEN, e.get(lang));
    }
    // One row per connection: its recv() chunks, then its frames and errors.
    let mut conns: BTreeMap<u64, Vec<&ServeEvent>> = BTreeMap::new();
    for e in &sv.events {
        if let Some(c) = e.conn {
            conns.entry(c).or_default().push(e);
        }
    }
    egui::ScrollArea::vertical()
        .id_salt("server")
        .show(ui, |ui| {
            for (conn, events) in conns.iter().rev().take(20) {
                let color = palette::message(*conn as u32);
                ui.label(RichText::new(format!("#{conn}")).strong().color(color));
                ui.horizontal_wrapped(|ui| {
                    for e in events {
                        match &e.kind {
                            ServeEventKind::Recv { data, .. } => {
                                let mut t = escape_bytes(&data.head[..data.head.len().min(32)]);
                                if data.len > 32 {
                                    t.push('…');
                                }
                                let text = format!("{} B \"{t}\"", data.len);
                                let resp = ui.label(
                                    RichText::new(&text)
                                        .monospace()
                                        .background_color(color.gamma_multiply(0.35)),
                                );
                                let label = format!("connection {conn} recv {text}");
                                resp.widget_info(|| {
                                    egui::WidgetInfo::labeled(egui::Role::Label, true, &label)
                                });
                            }
                            ServeEventKind::Frame { index, body, .. } => {
                                ui.label(
                                    RichText::new(format!(
                                        "✓ {} #{index} {} B",
                                        i18n::FRAME.get(lang),
                                        body.len
                                    ))
                                    .color(palette::INTACT),
                                );
                            }
                            ServeEventKind::Error { message } => {
                                ui.label(
                                    RichText::new(format!("× {message}")).color(palette::BROKEN),
                                );
                            }
                            ServeEventKind::Closed { .. } => {
                                ui.label(RichText::new(e.describe()).color(Color32::GRAY));
                            }
                            _ => {}
                        }
                    }
                });
            }
            ui.separator();
            for e in sv.events.iter().rev().take(200) {
                ui.label(RichText::new(e.describe()).monospace().size(12.0));
            }
        });
}

//! The engineers' views beside the stage: a selector (Stage | Ladder | Graph | Stream),
//! the cached view data of the shown run ([`crate::views`]), and the pcapng export.
//!
//! In Sim the views show the model's run and follow the scrubber; in Real the kernel's
//! run; in Both the two side by side.

use egui::RichText;

use super::i18n::{
    PCAP_EXPORT, PCAP_EXPORT_HINT, PCAP_FILE_HINT, REAL_NOT_STARTED, SHOW_AS, VIEW_GRAPH,
    VIEW_LADDER, VIEW_STAGE, VIEW_STREAM,
};
use super::{Cmd, Mode, Selection, StickyApp};
use crate::params::Params;
use crate::scenario::Lang;
use crate::trace::{Dir, Micros, Trace};
use crate::views::{self, Ladder, SeqGraph, Strip};

/// Which view the central panel shows.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum EngView {
    #[default]
    Stage,
    Ladder,
    Graph,
    Stream,
}

/// The view data of one trace, computed once per run.
pub struct ViewData {
    key: (usize, Params, usize),
    pub ladder: Ladder,
    pub graphs: [SeqGraph; 2],
    pub strips: [Strip; 2],
}

impl ViewData {
    fn new(trace: &Trace, key: (usize, Params, usize)) -> ViewData {
        ViewData {
            key,
            ladder: views::ladder(trace),
            graphs: Dir::BOTH.map(|d| views::seq_graph(trace, d)),
            strips: Dir::BOTH.map(|d| views::strip(trace, d)),
        }
    }

    /// The cached data for `trace`, recomputed when the run (or a growing real trace)
    /// changed.
    fn refresh(slot: &mut Option<ViewData>, trace: &Trace, index: usize, params: &Params) {
        let key = (index, params.clone(), trace.events.len());
        if slot.as_ref().is_none_or(|d| d.key != key) {
            *slot = Some(ViewData::new(trace, key));
        }
    }
}

/// What a view needs besides its data.
pub struct ViewCtx<'a> {
    pub lang: Lang,
    /// The scrubber's time (`None` for a real run: it has no scrubber).
    pub now: Option<Micros>,
    /// The selected event of this trace.
    pub selected: Option<usize>,
    /// "model" or "kernel": names the widgets, so two ladders side by side differ.
    pub world: &'a str,
}

pub struct ViewsState {
    pub view: EngView,
    /// The graph's direction.
    pub graph_dir: Dir,
    /// The strip shows hex instead of text.
    pub hex: bool,
    /// Ladder scale in pixels per millisecond; `None` fits the run.
    pub px_per_ms: Option<f32>,
    /// The time the ladder last scrolled to.
    pub scrolled_to: Option<Micros>,
    pub sim: Option<ViewData>,
    pub real: Option<ViewData>,
    pub pcap_path: String,
    pub pcap_status: Option<Result<String, String>>,
}

impl Default for ViewsState {
    fn default() -> Self {
        ViewsState {
            view: EngView::Stage,
            graph_dir: Dir::ServerToClient,
            hex: false,
            px_per_ms: None,
            scrolled_to: None,
            sim: None,
            real: None,
            pcap_path: String::new(),
            pcap_status: None,
        }
    }
}

pub fn tr(lang: Lang, en: &'static str, zh: &'static str) -> &'static str {
    match lang {
        Lang::En => en,
        Lang::Zh => zh,
    }
}

/// The selector bar, then the chosen view. Returns `false` when the stage is chosen:
/// the caller draws it as before.
pub fn show(ui: &mut egui::Ui, app: &mut StickyApp, cmds: &mut Vec<Cmd>) -> bool {
    let lang = app.lang();
    // Present mode keeps only the stage, the results, the narration and the controls.
    if app.settings.present {
        return false;
    }
    // One row, so the stage and the results below keep their room on a small screen; the
    // export (a file name and a button) opens from its own menu.
    ui.horizontal(|ui| {
        ui.label(RichText::new(SHOW_AS.get(lang)).strong());
        let v = &mut app.views.view;
        ui.selectable_value(v, EngView::Stage, VIEW_STAGE.get(lang));
        ui.selectable_value(v, EngView::Ladder, VIEW_LADDER.get(lang));
        ui.selectable_value(v, EngView::Graph, VIEW_GRAPH.get(lang));
        ui.selectable_value(v, EngView::Stream, VIEW_STREAM.get(lang));
        ui.separator();
        // Stays open after Export, so the result (or the error) can be read.
        egui::containers::menu::MenuButton::new("pcapng ▼")
            .config(
                egui::containers::menu::MenuConfig::new()
                    .close_behavior(egui::PopupCloseBehavior::CloseOnClickOutside),
            )
            .ui(ui, |ui| {
                ui.horizontal(|ui| export_ui(ui, app));
            });
    });
    if app.views.view == EngView::Stage {
        return false;
    }
    let params = app.playback.params.clone();
    ViewData::refresh(
        &mut app.views.sim,
        &app.playback.trace,
        app.current,
        &params,
    );
    if let Some(r) = &app.real {
        ViewData::refresh(&mut app.views.real, &r.live.trace, r.key.0, &r.key.1);
    }
    let sim_ctx = ViewCtx {
        lang,
        now: Some(app.playback.now()),
        selected: match app.selection {
            Some(Selection::Event(i)) => Some(i),
            _ => None,
        },
        world: "model",
    };
    let real_ctx = ViewCtx {
        lang,
        now: None,
        selected: match app.selection {
            Some(Selection::RealEvent(i)) => Some(i),
            _ => None,
        },
        world: "kernel",
    };
    let worlds: Vec<(&ViewCtx, bool)> = match app.mode {
        Mode::Sim => vec![(&sim_ctx, false)],
        Mode::Real => vec![(&real_ctx, true)],
        Mode::Both => vec![(&sim_ctx, false), (&real_ctx, true)],
    };
    let state = &mut app.views;
    let mut clicked: Vec<(usize, bool)> = Vec::new();
    let n = worlds.len();
    ui.columns(n, |cols| {
        for (col, (ctx, real)) in cols.iter_mut().zip(worlds) {
            let data = if real { &state.real } else { &state.sim };
            let Some(data) = data else {
                col.label(REAL_NOT_STARTED.get(lang));
                continue;
            };
            if n > 1 {
                col.label(RichText::new(ctx.world).strong());
            }
            let hit = match state.view {
                EngView::Stage => None,
                EngView::Ladder => super::ladder::show(
                    col,
                    &data.ladder,
                    ctx,
                    &mut state.px_per_ms,
                    &mut state.scrolled_to,
                ),
                EngView::Graph => {
                    super::seqgraph::show(col, &data.graphs, ctx, &mut state.graph_dir)
                }
                EngView::Stream => super::strip::show(col, &data.strips, ctx, &mut state.hex),
            };
            if let Some(i) = hit {
                clicked.push((i, real));
            }
        }
    });
    for (i, real) in clicked {
        cmds.push(if real {
            Cmd::Select(Some(Selection::RealEvent(i)))
        } else {
            Cmd::SeekEvent(i)
        });
    }
    true
}

/// "Export pcapng": writes the shown run (the model's; in Real, the kernel's) to a file.
fn export_ui(ui: &mut egui::Ui, app: &mut StickyApp) {
    let lang = app.lang();
    let state = &mut app.views;
    if state.pcap_path.is_empty() {
        state.pcap_path = format!("{}.pcapng", app.scenarios[app.current].name);
    }
    ui.add(
        egui::TextEdit::singleline(&mut state.pcap_path)
            .desired_width(180.0)
            .hint_text("run.pcapng"),
    )
    .on_hover_text(PCAP_FILE_HINT.get(lang));
    if ui
        .button(PCAP_EXPORT.get(lang))
        .on_hover_text(PCAP_EXPORT_HINT.get(lang))
        .clicked()
    {
        let trace = match (app.mode, &app.real) {
            (Mode::Real, Some(r)) => &r.live.trace,
            _ => &app.playback.trace,
        };
        state.pcap_status = Some(write_file(trace, &state.pcap_path));
    }
    match &state.pcap_status {
        Some(Ok(s)) => {
            ui.label(RichText::new(s).color(super::palette::INTACT));
        }
        Some(Err(e)) => {
            ui.label(RichText::new(e).color(super::palette::BROKEN));
        }
        None => {}
    }
}

#[cfg(not(target_arch = "wasm32"))]
fn write_file(trace: &Trace, path: &str) -> Result<String, String> {
    use crate::export::pcap::{PcapFormat, PcapOptions};
    let p = std::path::Path::new(path.trim());
    let opts = PcapOptions {
        format: PcapFormat::for_path(p),
        ..Default::default()
    };
    let mut bytes = Vec::new();
    let n = crate::export::write(trace, &opts, &mut bytes).map_err(|e| e.to_string())?;
    std::fs::write(p, &bytes).map_err(|e| format!("{}: {e}", p.display()))?;
    Ok(format!("{n} packets → {}", p.display()))
}

#[cfg(target_arch = "wasm32")]
fn write_file(_trace: &Trace, _path: &str) -> Result<String, String> {
    Err("saving files is not available in the browser yet".to_string())
}

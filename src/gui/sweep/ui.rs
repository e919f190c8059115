//! The window: the form, the run and cancel buttons, the two plots.

use egui::{Rect, RichText};
use egui_plot::{
    AxisHints, Corner, HoverPosition, Legend, Line, MarkerShape, Plot, PlotPoints, Points,
};

use super::export::{export_ui, finish_png};
use super::{Done, LINE_COLOURS, Series, SweepState, sweepable, unit};
use crate::gui::i18n::{
    Lang, SWEEP, SWEEP_ALLOWED, SWEEP_CANCEL, SWEEP_CLI, SWEEP_DURATION, SWEEP_FROM, SWEEP_HINT,
    SWEEP_LINES, SWEEP_NO_LINES, SWEEP_NOTHING, SWEEP_PARAM, SWEEP_POINTS, SWEEP_RUN, SWEEP_RUNS,
    SWEEP_RUNS_EACH, SWEEP_STEP, SWEEP_STICKY, SWEEP_TO, SWEEP_VALUES, T,
};
use crate::gui::{Cmd, StickyApp, palette};
use crate::params::Params;
use crate::params::table::{self, PARAMS, Param};
use crate::scenario::Scenario;

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

pub(super) fn window(ui: &mut egui::Ui, app: &mut StickyApp) {
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
    if let Some(e) = state.error_in(lang) {
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
pub(super) fn field<'t>(edit: egui::TextEdit<'t>, ui: &egui::Ui) -> egui::TextEdit<'t> {
    let v = ui.visuals();
    if v.extreme_bg_color == v.window_fill {
        edit.background_color(v.faint_bg_color)
    } else {
        edit
    }
}

pub(super) fn form_ui(
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
pub(super) struct Quantity {
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
pub(super) fn plots(ui: &mut egui::Ui, done: &mut Done, lang: Lang) -> Rect {
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

pub(super) fn plot(
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

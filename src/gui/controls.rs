//! The top bar (scenario, framing, Nagle, delayed ACK, view, language, theme, zoom), the
//! parameters panel, the transport bar (play / step / back / reset, speed, time
//! scrubber) and the keyboard shortcuts.

use egui::{Key, RichText};

use super::{Cmd, Mode, StickyApp, View, i18n};
use crate::params::table::{self, Kind, Value};
use crate::params::{Params, Settings, Transport};
use crate::scenario::Lang;

/// The parameters panel's rows: a key of the parameter table and its label.
const PANEL: &[(&str, i18n::T)] = &[
    ("header_writes", i18n::HEADER_WRITES),
    ("decoder", i18n::DECODER),
    ("mss", i18n::MSS),
    ("recv_size", i18n::RECV_SIZE),
    ("recv_delay_ms", i18n::RECV_DELAY),
    ("seed", i18n::SEED),
];

/// Where an optional value starts when it is switched on.
fn first_value(key: &str) -> Value {
    match key {
        "recv_size" => Value::Uint(1024),
        "recv_delay_ms" => Value::Number(50.0),
        _ => Value::Uint(1),
    }
}

/// One parameter's widget, from its row of the table: its names as toggles, a checkbox,
/// or a number dragged within its range; an optional value gets a checkbox that sets it.
/// `label` names a checkbox (a bool, or an optional value's switch). The row's doc line
/// is the hover text.
fn param_widget(ui: &mut egui::Ui, key: &str, label: Option<&str>, p: &mut Params, lang: Lang) {
    let Some(row) = table::param(key) else {
        return;
    };
    let hover = match lang {
        Lang::En => row.en,
        Lang::Zh => row.zh,
    };
    let current = (row.get)(p);
    let mut new = current;
    if row.optional() {
        let mut on = current.is_some();
        ui.checkbox(&mut on, label.unwrap_or(""))
            .on_hover_text(hover);
        new = match (on, current) {
            (false, _) => None,
            (true, Some(v)) => Some(v),
            (true, None) => Some(first_value(key)),
        };
    }
    ui.add_enabled_ui(new.is_some() || !row.optional(), |ui| match row.kind {
        Kind::Choice(names) => {
            for (i, name) in names.iter().enumerate() {
                let on = current == Some(Value::Choice(i));
                if ui
                    .selectable_label(on, *name)
                    .on_hover_text(hover)
                    .clicked()
                {
                    new = Some(Value::Choice(i));
                }
            }
        }
        Kind::Bool => {
            let mut b = current == Some(Value::Bool(true));
            if ui
                .checkbox(&mut b, label.unwrap_or(row.key))
                .on_hover_text(hover)
                .changed()
            {
                new = Some(Value::Bool(b));
            }
        }
        Kind::Uint { min, max } => {
            let mut n = match new.unwrap_or(first_value(key)) {
                Value::Uint(n) => n,
                _ => min,
            };
            let drag = egui::DragValue::new(&mut n).range(min..=max).speed(4.0);
            if ui.add(drag).on_hover_text(hover).changed() || new.is_some() {
                // The range is applied through f64: clamp again as a whole number.
                new = new.map(|_| Value::Uint(n.clamp(min, max)));
            }
        }
        Kind::Number { min, max, .. } => {
            let mut x = match new.unwrap_or(first_value(key)) {
                Value::Number(x) => x,
                _ => min,
            };
            let speed = ((max - min) / 60_000.0).clamp(0.001, 1.0);
            let drag = egui::DragValue::new(&mut x).range(min..=max).speed(speed);
            if ui.add(drag).on_hover_text(hover).changed() || new.is_some() {
                new = new.map(|_| Value::Number(x));
            }
        }
    });
    if new != current {
        match new.map(|v| row.check(v)) {
            Some(Ok(v)) => (row.set)(p, v),
            Some(Err(_)) => {}
            None => (row.clear)(p),
        }
    }
}

/// New parameters from the widgets. When the link or the stack changed, the values they
/// set follow them, except those set explicitly: by the scenario file, or changed in the
/// window away from their old link's or stack's default.
fn relinked(app: &StickyApp, new: Params) -> Params {
    let old = &app.playback.params;
    if (new.link, new.stack) == (old.link, old.stack) {
        return new;
    }
    Settings::relink(old, app.scenario().settings.keys(), new.stack, new.link)
}

/// Space play/pause, → step, ← back, Home reset, End to the end.
pub fn keyboard(ui: &egui::Ui, app: &StickyApp, cmds: &mut Vec<Cmd>) {
    if ui.ctx().memory(|m| m.focused().is_some()) {
        return;
    }
    ui.input(|i| {
        if i.key_pressed(Key::Space) {
            cmds.push(Cmd::Play(!app.playing));
        }
        if i.key_pressed(Key::ArrowRight) {
            cmds.push(Cmd::Step);
        }
        if i.key_pressed(Key::ArrowLeft) {
            cmds.push(Cmd::Back);
        }
        if i.key_pressed(Key::Home) {
            cmds.push(Cmd::Reset);
        }
        if i.key_pressed(Key::End) {
            cmds.push(Cmd::ToEnd);
        }
    });
}

pub fn top_bar(ui: &mut egui::Ui, app: &StickyApp, cmds: &mut Vec<Cmd>) {
    let lang = app.lang();
    ui.horizontal_wrapped(|ui| {
        let mut current = app.current;
        egui::ComboBox::from_label(i18n::SCENARIO.get(lang))
            .width(240.0)
            .selected_text(RichText::new(app.scenario().title.get(lang)).strong())
            .show_ui(ui, |ui| {
                for (i, s) in app.scenarios.iter().enumerate() {
                    let n = s.number().map(|n| format!("{n:02} ")).unwrap_or_default();
                    ui.selectable_value(&mut current, i, format!("{n}{}", s.title.get(lang)));
                }
            });
        if current != app.current {
            cmds.push(Cmd::Scenario(current));
        }
        ui.separator();
        let mut p = app.playback.params.clone();
        let tcp = p.transport == Transport::Tcp;
        ui.add_enabled_ui(tcp, |ui| {
            param_widget(ui, "framing", None, &mut p, lang);
            ui.separator();
            param_widget(ui, "nagle", Some(i18n::NAGLE.get(lang)), &mut p, lang);
            param_widget(
                ui,
                "delayed_ack",
                Some(i18n::DELAYED_ACK.get(lang)),
                &mut p,
                lang,
            );
        });
        ui.separator();
        param_widget(ui, "stack", None, &mut p, lang);
        ui.separator();
        param_widget(ui, "link", None, &mut p, lang);
        if p != app.playback.params {
            cmds.push(Cmd::Params(relinked(app, p)));
        }
        ui.separator();
        let mut view = app.view;
        ui.selectable_value(&mut view, View::Main, i18n::MAIN_VIEW.get(lang));
        ui.selectable_value(&mut view, View::Compare, i18n::COMPARE.get(lang));
        ui.selectable_value(&mut view, View::Server, i18n::LIVE_SERVER.get(lang));
        if view != app.view {
            cmds.push(Cmd::View(view));
        }
        ui.separator();
        let mut mode = app.mode;
        ui.selectable_value(&mut mode, Mode::Sim, i18n::SIM.get(lang));
        ui.selectable_value(&mut mode, Mode::Real, i18n::REAL.get(lang));
        ui.selectable_value(&mut mode, Mode::Both, i18n::BOTH.get(lang));
        if mode != app.mode {
            cmds.push(Cmd::Mode(mode));
        }
        ui.separator();
        super::link::buttons(ui, app);
    });
}

pub fn params_panel(ui: &mut egui::Ui, app: &StickyApp, cmds: &mut Vec<Cmd>) {
    let lang = app.lang();
    ui.heading(i18n::PARAMETERS.get(lang));
    let mut p: Params = app.playback.params.clone();
    egui::Grid::new("params").num_columns(2).show(ui, |ui| {
        for (key, label) in PANEL {
            let l = ui.label(label.get(lang));
            ui.horizontal(|ui| param_widget(ui, key, Some(""), &mut p, lang))
                .response
                .labelled_by(l.id);
            ui.end_row();
        }
    });
    if p != app.playback.params {
        cmds.push(Cmd::Params(relinked(app, p)));
    }
    if ui.button(i18n::RESET_PARAMS.get(lang)).clicked() {
        cmds.push(Cmd::ResetParams);
    }
    ui.horizontal(|ui| {
        if ui.selectable_label(lang == Lang::En, "EN").clicked() {
            cmds.push(Cmd::Lang(Lang::En));
        }
        if ui.selectable_label(lang == Lang::Zh, "中文").clicked() {
            cmds.push(Cmd::Lang(Lang::Zh));
        }
        ui.separator();
        let dark = app.settings.dark;
        let theme = if dark {
            i18n::THEME_LIGHT.get(lang)
        } else {
            i18n::THEME_DARK.get(lang)
        };
        if ui.button(theme).clicked() {
            cmds.push(Cmd::Dark(!dark));
        }
        let z = app.settings.zoom;
        ui.label(format!("{} {:.0}%", i18n::ZOOM.get(lang), z * 100.0));
        if ui.small_button("−").on_hover_text("zoom out").clicked() {
            cmds.push(Cmd::Zoom(z - 0.1));
        }
        if ui.small_button("+").on_hover_text("zoom in").clicked() {
            cmds.push(Cmd::Zoom(z + 0.1));
        }
    });
    ui.add_space(8.0);
    ui.separator();
    ui.label(RichText::new(app.scenario().name.clone()).weak());
    if let Some(s) = &app.scenario().summary {
        ui.label(s.get(lang));
    }
}

pub fn transport(ui: &mut egui::Ui, app: &StickyApp, cmds: &mut Vec<Cmd>) {
    let lang = app.lang();
    let pb = &app.playback;
    ui.horizontal(|ui| {
        if ui
            .button(format!("|◀ {}", i18n::RESET.get(lang)))
            .on_hover_text("Home")
            .clicked()
        {
            cmds.push(Cmd::Reset);
        }
        if ui
            .button(format!("◀ {}", i18n::STEP_BACK.get(lang)))
            .on_hover_text("←")
            .clicked()
        {
            cmds.push(Cmd::Back);
        }
        let play = if app.playing {
            format!("|| {}", i18n::PAUSE.get(lang))
        } else {
            format!("▶ {}", i18n::PLAY.get(lang))
        };
        if ui.button(play).on_hover_text("Space").clicked() {
            cmds.push(Cmd::Play(!app.playing));
        }
        if ui
            .button(format!("{} ▶", i18n::STEP.get(lang)))
            .on_hover_text("→")
            .clicked()
        {
            cmds.push(Cmd::Step);
        }
        if ui
            .button(format!("{} ▶|", i18n::TO_END.get(lang)))
            .on_hover_text("End")
            .clicked()
        {
            cmds.push(Cmd::ToEnd);
        }
        ui.separator();
        ui.label(format!(
            "{} {}/{}",
            i18n::STEP.get(lang),
            pb.pos(),
            pb.len()
        ));
        ui.separator();
        let mut instant = app.speed.is_none();
        let mut speed = app.speed.unwrap_or(0.02);
        ui.add_enabled(
            !instant,
            egui::Slider::new(&mut speed, 0.001..=10.0)
                .logarithmic(true)
                .suffix("×")
                .max_decimals(3)
                .text(i18n::SPEED.get(lang)),
        );
        ui.checkbox(&mut instant, i18n::INSTANT.get(lang));
        let new_speed = if instant { None } else { Some(speed) };
        if new_speed != app.speed {
            // A speed change is a view setting, not a model change: applied directly.
            cmds.push(Cmd::Speed(new_speed));
        }
        ui.separator();
        let end = pb.end_time().max(1);
        let mut t = pb.now() as f64 / 1000.0;
        let resp = ui.add(
            egui::Slider::new(&mut t, 0.0..=end as f64 / 1000.0)
                .text(format!("ms ({})", i18n::TIME.get(lang)))
                .max_decimals(3),
        );
        if resp.changed() {
            cmds.push(Cmd::SeekTime((t * 1000.0).round() as u64));
        }
    });
}

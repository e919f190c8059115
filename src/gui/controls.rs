//! The top bar (scenario, framing, Nagle, delayed ACK, view, language, theme, zoom), the
//! parameters panel, the transport bar (play / step / back / reset, speed, time
//! scrubber) and the keyboard shortcuts.

use egui::{Key, RichText};

use super::{Cmd, Mode, StickyApp, View, i18n};
use crate::params::{DecoderKind, Framing, HeaderWrites, Params, Transport};
use crate::scenario::Lang;

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
            ui.selectable_value(&mut p.framing, Framing::Raw, "raw");
            ui.selectable_value(&mut p.framing, Framing::LengthPrefix, "length-prefix");
            ui.selectable_value(&mut p.framing, Framing::JsonHeader, "json-header");
            ui.separator();
            ui.checkbox(&mut p.nagle, i18n::NAGLE.get(lang));
            ui.checkbox(&mut p.delayed_ack, i18n::DELAYED_ACK.get(lang));
        });
        if p != app.playback.params {
            cmds.push(Cmd::Params(p));
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
    });
}

pub fn params_panel(ui: &mut egui::Ui, app: &StickyApp, cmds: &mut Vec<Cmd>) {
    let lang = app.lang();
    ui.heading(i18n::PARAMETERS.get(lang));
    let mut p: Params = app.playback.params.clone();
    egui::Grid::new("params").num_columns(2).show(ui, |ui| {
        ui.label(i18n::HEADER_WRITES.get(lang));
        ui.horizontal(|ui| {
            ui.selectable_value(&mut p.header_writes, HeaderWrites::Combined, "combined");
            ui.selectable_value(&mut p.header_writes, HeaderWrites::Separate, "separate");
        });
        ui.end_row();
        ui.label(i18n::DECODER.get(lang));
        ui.horizontal(|ui| {
            ui.selectable_value(&mut p.decoder, DecoderKind::Correct, "correct");
            ui.selectable_value(&mut p.decoder, DecoderKind::Tutorial, "tutorial");
        });
        ui.end_row();
        let l = ui.label(i18n::MSS.get(lang));
        ui.add(egui::DragValue::new(&mut p.mss).range(1..=65495).speed(4.0))
            .labelled_by(l.id);
        ui.end_row();
        let l = ui.label(i18n::RECV_SIZE.get(lang));
        ui.horizontal(|ui| {
            let mut on = p.recv_size.is_some();
            ui.checkbox(&mut on, "").labelled_by(l.id);
            let mut v = p.recv_size.unwrap_or(1024);
            ui.add_enabled(
                on,
                egui::DragValue::new(&mut v).range(1..=1_048_576).speed(8.0),
            )
            .labelled_by(l.id);
            p.recv_size = on.then_some(v);
        });
        ui.end_row();
        let l = ui.label(i18n::RECV_DELAY.get(lang));
        ui.horizontal(|ui| {
            let mut on = p.recv_delay_ms.is_some();
            ui.checkbox(&mut on, "").labelled_by(l.id);
            let mut v = p.recv_delay_ms.unwrap_or(50.0);
            ui.add_enabled(
                on,
                egui::DragValue::new(&mut v)
                    .range(0.0..=10_000.0)
                    .speed(1.0),
            )
            .labelled_by(l.id);
            p.recv_delay_ms = on.then_some(v);
        });
        ui.end_row();
        let l = ui.label(i18n::SEED.get(lang));
        ui.add(egui::DragValue::new(&mut p.seed).range(0..=u32::MAX as u64))
            .labelled_by(l.id);
        ui.end_row();
    });
    if p != app.playback.params {
        cmds.push(Cmd::Params(p));
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

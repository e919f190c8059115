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

/// The rows a framing adds to the panel: `line`'s delimiter and escape, `fixed`'s size.
const LINE_PANEL: &[(&str, i18n::T)] = &[
    ("delimiter", i18n::T("delimiter", "分隔符")),
    ("escape", i18n::T("escape", "转义")),
];
const FIXED_PANEL: &[(&str, i18n::T)] = &[("record_size", i18n::T("record size", "记录长度"))];

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
                    .selectable_label(on, i18n::choice(name, lang))
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

/// A group of the top bar: drawn inline when the bar has room, else in its ≡ menu.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Group {
    Framing,
    /// The framing as a list: narrower than its buttons, for a narrow bar.
    FramingList,
    Toggles,
    View,
    Mode,
    Stack,
    Theme,
    Link,
}

impl Group {
    /// Its labels: (text, is a checkbox).
    fn labels(self, app: &StickyApp) -> Vec<(String, bool)> {
        let lang = app.lang();
        let choices = |key: &str| -> Vec<(String, bool)> {
            match table::param(key).map(|r| r.kind) {
                Some(Kind::Choice(names)) => names
                    .iter()
                    .map(|n| (i18n::choice(n, lang).to_string(), false))
                    .collect(),
                _ => Vec::new(),
            }
        };
        let texts = |ts: &[&i18n::T]| {
            ts.iter()
                .map(|t| (t.get(lang).to_string(), false))
                .collect()
        };
        match self {
            Group::Framing => choices("framing"),
            Group::FramingList => Vec::new(),
            Group::Toggles => vec![
                (i18n::NAGLE.get(lang).to_string(), true),
                (i18n::DELAYED_ACK.get(lang).to_string(), true),
            ],
            // A list: measured in `width`.
            Group::View | Group::Mode => Vec::new(),
            Group::Stack => choices("stack"),
            Group::Theme => texts(&[&i18n::THEME_LIGHT]),
            Group::Link => choices("link"),
        }
    }

    /// Its width in the bar, with the separator in front of it, from its labels' text.
    fn width(self, ui: &egui::Ui, app: &StickyApp) -> f32 {
        let sp = ui.spacing();
        let item = sp.item_spacing.x;
        let sep = 2.0 * item + 2.0;
        if matches!(self, Group::View | Group::Mode | Group::FramingList) {
            // A list is at least `combo_width` wide, plus its arrow and padding.
            return sep + sp.combo_width + sp.icon_width + 2.0 * sp.button_padding.x + item + 8.0;
        }
        sep + self
            .labels(app)
            .iter()
            .map(|(text, checkbox)| {
                let extra = if *checkbox {
                    sp.icon_width + sp.icon_spacing
                } else {
                    2.0 * sp.button_padding.x
                };
                text_width(ui, text) + extra + item
            })
            .sum::<f32>()
    }
}

fn text_width(ui: &egui::Ui, text: &str) -> f32 {
    let font = egui::TextStyle::Button.resolve(ui.style());
    ui.painter()
        .layout_no_wrap(text.to_string(), font, egui::Color32::WHITE)
        .size()
        .x
}

/// `text`, cut with `…` to fit `width`.
fn fit_text(ui: &egui::Ui, text: &str, width: f32) -> String {
    if text_width(ui, text) <= width {
        return text.to_string();
    }
    let chars: Vec<char> = text.chars().collect();
    let mut n = chars.len();
    while n > 1 {
        n -= 1;
        let cut: String = chars[..n].iter().collect::<String>() + "…";
        if text_width(ui, &cut) <= width {
            return cut;
        }
    }
    "…".into()
}

/// The order groups go inline in, most important first.
const GROUPS: [Group; 7] = [
    Group::Framing,
    Group::Toggles,
    Group::View,
    Group::Mode,
    Group::Stack,
    Group::Theme,
    Group::Link,
];

/// The groups that fit inline in a bar `width` points wide (the rest go in the menu).
fn inline_groups(ui: &egui::Ui, app: &StickyApp, width: f32) -> Vec<Group> {
    let fit = |groups: &[Group]| {
        let mut left = width - right_width(ui, app) - scenario_width(width) - 16.0;
        let mut out = Vec::new();
        for &g in groups {
            let w = g.width(ui, app);
            if w > left {
                break;
            }
            left -= w;
            out.push(g);
        }
        out
    };
    let out = fit(&GROUPS);
    if out.contains(&Group::Toggles) {
        return out;
    }
    // Narrow: the framing as a list keeps the Nagle and delayed-ACK toggles in the bar.
    let mut narrow = GROUPS;
    narrow[0] = Group::FramingList;
    let listed = fit(&narrow);
    if listed.len() > out.len() {
        listed
    } else {
        out
    }
}

/// The width the bar's right end takes: menu, language, zoom, Present.
fn right_width(ui: &egui::Ui, app: &StickyApp) -> f32 {
    let sp = ui.spacing();
    let button = |t: &str| text_width(ui, t) + 2.0 * sp.button_padding.x + sp.item_spacing.x;
    let sep = 2.0 * sp.item_spacing.x + 2.0;
    button(&format!("{} ▼", i18n::MENU.get(app.lang())))
        + button("中文")
        + 2.0 * sep
        + 2.0 * (22.0 + sp.item_spacing.x)
        + 36.0
        + sp.item_spacing.x
        + button(i18n::PRESENT.get(app.lang()))
}

/// The scenario list's width: its title is cut to fit.
fn scenario_width(bar: f32) -> f32 {
    (bar * 0.16).clamp(130.0, 300.0)
}

/// One bar on every view: scenario, the lesson's toggles, view, mode, stack, theme;
/// at the right end the ≡ menu (whatever did not fit), language, zoom and Present.
/// It never wraps: what does not fit goes into the menu.
pub fn top_bar(ui: &mut egui::Ui, app: &StickyApp, cmds: &mut Vec<Cmd>) {
    let lang = app.lang();
    let width = ui.available_width();
    let inline = inline_groups(ui, app, width);
    // Each side records into its own copies (both closures live at once).
    let mut p = app.playback.params.clone();
    let mut p_menu = p.clone();
    let mut menu_cmds = Vec::new();
    egui::Sides::new().shrink_left().truncate().show(
        ui,
        |ui| {
            let mut current = app.current;
            let n = app
                .scenario()
                .number()
                .map(|n| format!("{n:02} "))
                .unwrap_or_default();
            let title = app.scenario().title.get(lang);
            let shown = fit_text(ui, &format!("{n}{title}"), scenario_width(width) - 30.0);
            let combo = egui::ComboBox::from_id_salt("scenario")
                .width(scenario_width(width))
                .height(f32::INFINITY)
                .selected_text(RichText::new(shown).strong())
                .show_ui(ui, |ui| {
                    for (i, s) in app.scenarios.iter().enumerate() {
                        let n = s.number().map(|n| format!("{n:02} ")).unwrap_or_default();
                        ui.selectable_value(&mut current, i, format!("{n}{}", s.title.get(lang)));
                    }
                });
            // Named for assistive technology (and tests) without a label taking room.
            let label = i18n::SCENARIO.get(lang);
            combo
                .response
                .widget_info(|| egui::WidgetInfo::labeled(egui::Role::ComboBox, true, label));
            combo.response.on_hover_text(format!("{label}: {n}{title}"));
            if current != app.current {
                cmds.push(Cmd::Scenario(current));
            }
            super::quiz::toggle(ui, app, cmds);
            for g in &inline {
                ui.separator();
                group(ui, *g, app, &mut p, cmds);
            }
        },
        |ui| {
            // Right to left: the menu at the far right, then language, zoom, Present.
            // Stays open while its lists and toggles are used; a click outside closes it.
            egui::containers::menu::MenuButton::new(format!("{} ▼", i18n::MENU.get(lang)))
                .config(
                    egui::containers::menu::MenuConfig::new()
                        .close_behavior(egui::PopupCloseBehavior::CloseOnClickOutside),
                )
                .ui(ui, |ui| {
                    let framing_listed = inline.contains(&Group::FramingList);
                    let in_menu = |g: &&Group| {
                        !(inline.contains(g) || **g == Group::Framing && framing_listed)
                    };
                    for g in GROUPS.iter().filter(in_menu) {
                        ui.horizontal(|ui| group(ui, *g, app, &mut p_menu, &mut menu_cmds));
                        ui.separator();
                    }
                    let show_params = ui.ctx().content_rect().width() >= 1000.0;
                    let mut params = app.show_params.unwrap_or(show_params);
                    if ui
                        .checkbox(&mut params, i18n::PARAMETERS.get(lang))
                        .changed()
                    {
                        menu_cmds.push(Cmd::ShowParams(params));
                    }
                    ui.separator();
                    super::link::buttons(ui, app);
                    super::sweep::menu_item(ui, app, &mut menu_cmds);
                })
                .0
                .on_hover_text(i18n::MORE.get(lang));
            // One button: the other language, named in itself.
            let (other, name) = match lang {
                Lang::En => (Lang::Zh, "中文"),
                Lang::Zh => (Lang::En, "EN"),
            };
            if ui.button(name).clicked() {
                menu_cmds.push(Cmd::Lang(other));
            }
            ui.separator();
            // Fixed widths, so the buttons stay where they are as the number changes.
            let z = app.settings.zoom;
            let zoom_in = ui.add(egui::Button::new("+").min_size(egui::vec2(22.0, 0.0)));
            let label = i18n::ZOOM_IN.get(lang);
            zoom_in.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Button, true, label));
            if zoom_in.on_hover_text(label).clicked() {
                menu_cmds.push(Cmd::Zoom(z + 0.1));
            }
            ui.add_sized(
                egui::vec2(36.0, ui.spacing().interact_size.y),
                egui::Label::new(format!("{:.0}%", z * 100.0)),
            )
            .on_hover_text(i18n::ZOOM.get(lang));
            let zoom_out = ui.add(egui::Button::new("−").min_size(egui::vec2(22.0, 0.0)));
            let label = i18n::ZOOM_OUT.get(lang);
            zoom_out.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Button, true, label));
            if zoom_out.on_hover_text(label).clicked() {
                menu_cmds.push(Cmd::Zoom(z - 0.1));
            }
            ui.separator();
            let mut present = app.settings.present;
            if ui
                .toggle_value(&mut present, i18n::PRESENT.get(lang))
                .on_hover_text(i18n::PRESENT_HINT.get(lang))
                .clicked()
            {
                menu_cmds.push(Cmd::Present(present));
            }
        },
    );
    cmds.append(&mut menu_cmds);
    if p == app.playback.params {
        p = p_menu;
    }
    if p != app.playback.params {
        cmds.push(Cmd::Params(relinked(app, p)));
    }
}

/// A compact choice: a list showing the current value, named `label` for assistive
/// technology and tests. Returns the new value when one was picked.
fn choose<V: Copy + PartialEq>(
    ui: &mut egui::Ui,
    id: &str,
    label: &str,
    current: V,
    values: &[(V, &i18n::T)],
    lang: Lang,
) -> Option<V> {
    let mut new = current;
    let text = values
        .iter()
        .find(|(v, _)| *v == current)
        .map_or("", |(_, t)| t.get(lang));
    let combo = egui::ComboBox::from_id_salt(id)
        .selected_text(text)
        .show_ui(ui, |ui| {
            for (v, t) in values {
                ui.selectable_value(&mut new, *v, t.get(lang));
            }
        });
    combo
        .response
        .widget_info(|| egui::WidgetInfo::labeled(egui::Role::ComboBox, true, label));
    combo.response.on_hover_text(label);
    (new != current).then_some(new)
}

/// The same choice as buttons side by side (in the menu, where a list in a list would
/// close it).
fn choose_inline<V: Copy + PartialEq>(
    ui: &mut egui::Ui,
    current: V,
    values: &[(V, &i18n::T)],
    lang: Lang,
) -> Option<V> {
    let mut new = current;
    for (v, t) in values {
        ui.selectable_value(&mut new, *v, t.get(lang));
    }
    (new != current).then_some(new)
}

fn group(ui: &mut egui::Ui, g: Group, app: &StickyApp, p: &mut Params, cmds: &mut Vec<Cmd>) {
    let lang = app.lang();
    let in_menu = egui::containers::menu::is_in_menu(ui);
    let tcp = p.transport == Transport::Tcp;
    match g {
        Group::Framing => {
            ui.add_enabled_ui(tcp, |ui| param_widget(ui, "framing", None, p, lang));
        }
        Group::FramingList => {
            ui.add_enabled_ui(tcp, |ui| {
                let mut framing = p.framing;
                let combo = egui::ComboBox::from_id_salt("framing")
                    .selected_text(i18n::choice(framing.name(), lang))
                    .show_ui(ui, |ui| {
                        for &f in crate::params::Framing::ALL {
                            ui.selectable_value(&mut framing, f, i18n::choice(f.name(), lang));
                        }
                    });
                let label = i18n::FRAMING.get(lang);
                combo
                    .response
                    .widget_info(|| egui::WidgetInfo::labeled(egui::Role::ComboBox, true, label));
                combo.response.on_hover_text(label);
                p.framing = framing;
            });
        }
        Group::Toggles => {
            ui.add_enabled_ui(tcp, |ui| {
                param_widget(ui, "nagle", Some(i18n::NAGLE.get(lang)), p, lang);
                param_widget(
                    ui,
                    "delayed_ack",
                    Some(i18n::DELAYED_ACK.get(lang)),
                    p,
                    lang,
                );
            });
        }
        Group::Stack => param_widget(ui, "stack", None, p, lang),
        Group::Link => param_widget(ui, "link", None, p, lang),
        Group::View => {
            let views = [
                (View::Main, &i18n::MAIN_VIEW),
                (View::Compare, &i18n::COMPARE),
                (View::Server, &i18n::LIVE_SERVER),
            ];
            let new = if in_menu {
                choose_inline(ui, app.view, &views, lang)
            } else {
                choose(ui, "view", i18n::VIEW.get(lang), app.view, &views, lang)
            };
            if let Some(view) = new {
                cmds.push(Cmd::View(view));
            }
        }
        Group::Mode => {
            let modes = [
                (Mode::Sim, &i18n::SIM),
                (Mode::Real, &i18n::REAL),
                (Mode::Both, &i18n::BOTH),
            ];
            let new = if in_menu {
                choose_inline(ui, app.mode, &modes, lang)
            } else {
                choose(ui, "mode", i18n::WORLD.get(lang), app.mode, &modes, lang)
            };
            if let Some(mode) = new {
                cmds.push(Cmd::Mode(mode));
            }
        }
        Group::Theme => {
            let dark = app.settings.dark;
            let theme = if dark {
                i18n::THEME_LIGHT.get(lang)
            } else {
                i18n::THEME_DARK.get(lang)
            };
            if ui.button(theme).clicked() {
                cmds.push(Cmd::Dark(!dark));
            }
        }
    }
}

pub fn params_panel(ui: &mut egui::Ui, app: &StickyApp, cmds: &mut Vec<Cmd>) {
    let lang = app.lang();
    ui.heading(i18n::PARAMETERS.get(lang));
    let mut p: Params = app.playback.params.clone();
    let framing_rows: &[(&str, i18n::T)] = match p.framing {
        crate::params::Framing::Line => LINE_PANEL,
        crate::params::Framing::Fixed => FIXED_PANEL,
        _ => &[],
    };
    egui::Grid::new("params").num_columns(2).show(ui, |ui| {
        for (key, label) in PANEL.iter().chain(framing_rows) {
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
    ui.add_space(8.0);
    ui.separator();
    ui.label(RichText::new(app.scenario().name.clone()).weak());
    if let Some(s) = &app.scenario().summary {
        // The summary names the results: Quiz mode keeps it until all is answered.
        if super::quiz::hides_summary(app) {
            ui.weak(super::quiz::hidden_text(lang));
        } else {
            ui.label(s.get(lang));
        }
    }
}

/// The controls under the stage: in the simulated world reset / back / play / step / to
/// the end, the slow-motion factor and the time scrubber; in the real world alone the
/// real run's own (run again, stop), since a kernel run cannot be stepped.
pub fn transport(ui: &mut egui::Ui, app: &StickyApp, cmds: &mut Vec<Cmd>) {
    let lang = app.lang();
    let pb = &app.playback;
    ui.horizontal_wrapped(|ui| {
        if app.mode == Mode::Real {
            let running = app.real.as_ref().is_some_and(|r| r.running());
            if ui
                .add_enabled(!running, egui::Button::new(i18n::RUN_AGAIN.get(lang)))
                .clicked()
            {
                cmds.push(Cmd::RealStart);
            }
            if ui
                .add_enabled(
                    running,
                    egui::Button::new(format!("■ {}", i18n::STOP.get(lang))),
                )
                .clicked()
            {
                cmds.push(Cmd::RealStop);
            }
            if running {
                ui.spinner();
            }
            return;
        }
        // Narrow: the symbols alone (the words stay their accessible names and tooltips).
        let narrow = ui.available_width() < 900.0;
        let mut button = |symbol: &str, word: &str, key: &str, cmd: Cmd, min_w: f32| {
            let full = if symbol.ends_with('|') || symbol == "▶" && word == i18n::STEP.get(lang) {
                format!("{word} {symbol}")
            } else {
                format!("{symbol} {word}")
            };
            let text = if narrow {
                symbol.to_string()
            } else {
                full.clone()
            };
            let resp = ui.add(egui::Button::new(text).min_size(egui::vec2(min_w, 0.0)));
            resp.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Button, true, &full));
            if resp.on_hover_text(format!("{full} ({key})")).clicked() {
                cmds.push(cmd);
            }
        };
        button("|◀", i18n::RESET.get(lang), "Home", Cmd::Reset, 0.0);
        button("◀", i18n::STEP_BACK.get(lang), "←", Cmd::Back, 0.0);
        let play = if app.playing {
            ("||", i18n::PAUSE.get(lang))
        } else {
            ("▶", i18n::PLAY.get(lang))
        };
        let min_play = if narrow { 36.0 } else { 80.0 };
        button(
            play.0,
            play.1,
            i18n::KEY_SPACE.get(lang),
            Cmd::Play(!app.playing),
            min_play,
        );
        button("▶", i18n::STEP.get(lang), "→", Cmd::Step, 0.0);
        button("▶|", i18n::TO_END.get(lang), "End", Cmd::ToEnd, 0.0);
        ui.label(format!(
            "{} {}/{}",
            i18n::STEP.get(lang),
            pb.pos(),
            pb.len()
        ));
        ui.separator();
        let end = pb.end_time().max(1);
        let mut t = app.view_time() as f64 / 1000.0;
        let resp = ui.add(
            egui::Slider::new(&mut t, 0.0..=end as f64 / 1000.0)
                .suffix(" ms")
                .max_decimals(3),
        );
        let label = i18n::TIME.get(lang);
        resp.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Slider, true, label));
        if resp.on_hover_text(label).changed() {
            cmds.push(Cmd::SeekTime((t * 1000.0).round() as u64));
        }
        // Slow motion as the class feels it: how long 1 ms of the model takes on screen.
        let speed_text = match app.speed {
            Some(v) => format!("{}{:.2} s", i18n::ONE_MS_TAKES.get(lang), 0.001 / v),
            None => i18n::INSTANT.get(lang).to_string(),
        };
        ui.menu_button(format!("{speed_text} ▼"), |ui| {
            let mut instant = app.speed.is_none();
            let mut secs = 0.001 / app.speed.unwrap_or(super::DEFAULT_SPEED);
            ui.label(i18n::SLOW_MOTION.get(lang));
            let label = i18n::SLOW_MOTION.get(lang);
            ui.add_enabled(
                !instant,
                egui::Slider::new(&mut secs, 0.001..=2.0)
                    .logarithmic(true)
                    .prefix(i18n::ONE_MS_TAKES.get(lang))
                    .suffix(" s")
                    .max_decimals(3),
            )
            .widget_info(|| egui::WidgetInfo::labeled(egui::Role::Slider, true, label));
            ui.checkbox(&mut instant, i18n::INSTANT.get(lang));
            let mut skip = app.settings.skip_idle;
            if ui
                .checkbox(&mut skip, i18n::SKIP_IDLE.get(lang))
                .on_hover_text(i18n::SKIP_IDLE_HINT.get(lang))
                .changed()
            {
                cmds.push(Cmd::SkipIdle(skip));
            }
            let new_speed = if instant { None } else { Some(0.001 / secs) };
            if new_speed != app.speed {
                // A speed change is a view setting, not a model change: applied directly.
                cmds.push(Cmd::Speed(new_speed));
            }
        })
        .response
        .on_hover_text(i18n::SLOW_MOTION.get(lang));
        // With room to spare, the events & inspector toggle is here too (always in More).
        if !narrow {
            details_toggle(ui, app, cmds);
        }
    });
}

/// Shows or hides the events and the inspector (not while presenting).
fn details_toggle(ui: &mut egui::Ui, app: &StickyApp, cmds: &mut Vec<Cmd>) {
    if app.settings.present {
        return;
    }
    let lang = app.lang();
    let auto = ui.ctx().content_rect().height() >= 700.0;
    let mut on = app.show_details.unwrap_or(auto);
    if !egui::containers::menu::is_in_menu(ui) {
        ui.separator();
    }
    if ui
        .toggle_value(&mut on, i18n::DETAILS.get(lang))
        .on_hover_text(i18n::DETAILS_HINT.get(lang))
        .clicked()
    {
        cmds.push(Cmd::ShowDetails(on));
    }
}

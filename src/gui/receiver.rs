//! The receiver's view (the central lesson): one chip per recv() result, coloured by
//! message, then what the decoder handed to the program; the narration and metrics.

use egui::{Color32, FontId, RichText, Sense, Stroke, StrokeKind, vec2};

use super::{Cmd, Selection, StickyApp, bytes, i18n, palette};
use crate::analysis::{Delivery, RecvResult};
use crate::scenario::Lang;
use crate::trace::{Chunk, Side, Trace, escape_bytes};

/// The accessible label of a recv chip, e.g. `recv #1 at server: 10 B, messages 1+2 (sticky)`.
pub fn chip_label(k: usize, r: &RecvResult) -> String {
    if r.eof {
        return format!("recv #{k} at {}: EOF", r.side.name());
    }
    let msgs: Vec<String> = r.messages.iter().map(u32::to_string).collect();
    let sticky = if r.sticky { " (sticky)" } else { "" };
    let what = if msgs.len() == 1 {
        "message"
    } else {
        "messages"
    };
    format!(
        "recv #{k} at {}: {} B, {what} {}{sticky}",
        r.side.name(),
        r.data.len(),
        msgs.join("+")
    )
}

/// One recv result as a chip: a strip of coloured bytes with its length and text below.
/// `prefix` goes in front of its accessible label (`real `, or `raw ` in a compare column).
pub fn chip(
    ui: &mut egui::Ui,
    trace: &Trace,
    k: usize,
    r: &RecvResult,
    selected: bool,
    lang: Lang,
    prefix: &str,
) -> egui::Response {
    let w = (48.0 + 14.0 * (r.data.len() as f32).sqrt()).clamp(56.0, 300.0);
    let (rect, resp) = ui.allocate_exact_size(vec2(w, 58.0), Sense::click());
    let painter = ui.painter_at(rect.expand(2.0));
    let strip = egui::Rect::from_min_size(rect.min, vec2(w, 26.0));
    let font = FontId::monospace(12.0);
    let visuals = ui.visuals();
    match trace.events.get(r.event).and_then(|e| e.chunk.as_ref()) {
        Some(c) if !r.eof => bytes::strip(&painter, strip, c, &font),
        _ => {
            painter.rect_filled(strip, 3.0, visuals.widgets.inactive.bg_fill);
            painter.text(
                strip.center(),
                egui::Align2::CENTER_CENTER,
                "EOF",
                font.clone(),
                visuals.text_color(),
            );
        }
    }
    if r.sticky {
        painter.rect_stroke(
            strip,
            3.0,
            Stroke::new(2.5, palette::BROKEN),
            StrokeKind::Outside,
        );
    }
    if selected || resp.hovered() {
        painter.rect_stroke(
            rect,
            3.0,
            Stroke::new(2.0, visuals.selection.stroke.color),
            StrokeKind::Outside,
        );
    }
    let text = if r.data.len() > 40 {
        format!("{}…", escape_bytes(&r.data[..40]))
    } else {
        escape_bytes(&r.data)
    };
    let head = painter.text(
        egui::pos2(rect.left(), strip.bottom() + 2.0),
        egui::Align2::LEFT_TOP,
        format!("#{k}  {} B", r.data.len()),
        FontId::proportional(12.0),
        visuals.strong_text_color(),
    );
    if r.sticky {
        painter.text(
            egui::pos2(head.right() + 6.0, head.top()),
            egui::Align2::LEFT_TOP,
            i18n::STICKY_SHORT.get(lang),
            FontId::proportional(12.0),
            palette::BROKEN,
        );
    }
    painter.text(
        egui::pos2(rect.left(), strip.bottom() + 17.0),
        egui::Align2::LEFT_TOP,
        text,
        FontId::monospace(11.0),
        visuals.text_color(),
    );
    let label = format!("{prefix}{}", chip_label(k, r));
    resp.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Button, true, &label));
    resp.on_hover_ui(|ui| {
        ui.label(hover_text(trace, r));
    })
}

/// Chips shown per side: the newest ones (a long run would otherwise lay out thousands).
const MAX_CHIPS: usize = 40;

fn hover_text(trace: &Trace, r: &RecvResult) -> String {
    let Some(c) = trace.events.get(r.event).and_then(|e| e.chunk.as_ref()) else {
        return "EOF".into();
    };
    span_summary(c)
}

/// `message 1: bytes 0–4 (header), 4–9` for a tooltip.
pub fn span_summary(c: &Chunk) -> String {
    c.spans
        .iter()
        .map(|s| {
            let part = if s.part == crate::trace::Part::Header {
                " (header)"
            } else {
                ""
            };
            format!(
                "message {}: stream bytes {}–{}{part}",
                s.msg, s.start, s.end
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The accessible label of a delivered message, e.g. `message 1 intact: "hello"`.
pub fn delivery_label(d: &Delivery) -> String {
    let verdict = if d.intact { "intact" } else { "corrupted" };
    let mut text = escape_bytes(&d.data[..d.data.len().min(32)]);
    if d.data.len() > 32 {
        text.push('…');
    }
    format!(
        "message {} {verdict}: {} B \"{text}\"",
        d.index,
        d.data.len()
    )
}

/// What a receiver view draws: a trace's recv results and deliveries up to `shown`.
pub struct RecvView<'a> {
    pub trace: &'a Trace,
    pub recvs: &'a [RecvResult],
    pub deliveries: &'a [Delivery],
    /// Events that have happened so far; later ones are not drawn.
    pub shown: usize,
    /// The simulated run: deliveries seek to their step. (A real run cannot seek.)
    pub interactive: bool,
    /// What selecting the chip of event `i` selects.
    pub select: fn(usize) -> Selection,
    pub selection: Option<&'a Selection>,
    /// In front of the accessible labels of chips and deliveries, e.g. `real `.
    pub prefix: &'a str,
}

pub fn show(ui: &mut egui::Ui, app: &StickyApp, cmds: &mut Vec<Cmd>) {
    let pb = &app.playback;
    ui.heading(i18n::WHAT_RECV_RETURNED.get(app.lang()));
    let view = RecvView {
        trace: &pb.trace,
        recvs: &pb.recvs,
        deliveries: &pb.deliveries,
        shown: pb.events_shown(),
        interactive: true,
        select: Selection::Event,
        selection: app.selection.as_ref(),
        prefix: "",
    };
    rows(ui, &view, app.lang(), cmds);
}

/// Per receiving side: a row of recv chips, decoder crashes, and a row of what the decoder
/// handed to the program.
pub fn rows(ui: &mut egui::Ui, v: &RecvView, lang: Lang, cmds: &mut Vec<Cmd>) {
    let shown = v.shown;
    let framed = v.trace.params.framing != crate::params::Framing::Raw;
    for side in [Side::Server, Side::Client] {
        let recvs: Vec<(usize, &RecvResult)> = v
            .recvs
            .iter()
            .filter(|r| r.side == side)
            .enumerate()
            .map(|(i, r)| (i + 1, r))
            .collect();
        if recvs.is_empty() {
            continue;
        }
        let who = match side {
            Side::Client => i18n::CLIENT.get(lang),
            Side::Server => i18n::SERVER.get(lang),
        };
        ui.label(RichText::new(format!("{} {who}", i18n::RECEIVED_BY.get(lang))).strong());
        ui.horizontal_wrapped(|ui| {
            let past: Vec<&(usize, &RecvResult)> =
                recvs.iter().filter(|(_, r)| r.event < shown).collect();
            if past.is_empty() {
                ui.weak(i18n::NOTHING_YET.get(lang));
            }
            let skip = past.len().saturating_sub(MAX_CHIPS);
            if skip > 0 {
                ui.weak(format!("… {skip} earlier"));
            }
            for (k, r) in past.into_iter().skip(skip) {
                let selected = v.selection == Some(&(v.select)(r.event));
                if chip(ui, v.trace, *k, r, selected, lang, v.prefix).clicked() {
                    cmds.push(Cmd::Select(Some((v.select)(r.event))));
                }
            }
        });
        // A decoder that failed or a call that raised stops the program: say so where
        // the messages would be.
        for e in v.trace.events[..shown].iter().filter(|e| e.side == side) {
            let (error, what) = match &e.kind {
                crate::trace::EventKind::DecodeError { error, .. } => {
                    (error.as_str(), "decode error")
                }
                crate::trace::EventKind::Exception { exc, .. } => (exc.text(), "exception"),
                _ => continue,
            };
            let resp = ui.label(
                RichText::new(format!("× {error}"))
                    .color(palette::BROKEN)
                    .size(15.0),
            );
            let text = format!("{}{what} at {}: {error}", v.prefix, side.name());
            resp.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Label, true, &text));
        }
        let visible: Vec<&Delivery> = v
            .deliveries
            .iter()
            .filter(|d| d.side == side && d.event < shown)
            .collect();
        if framed || !visible.is_empty() {
            ui.horizontal_wrapped(|ui| {
                ui.label(format!("{}:", i18n::DECODED.get(lang)));
                let skip = visible.len().saturating_sub(MAX_CHIPS);
                if skip > 0 {
                    ui.weak(format!("… {skip} earlier"));
                }
                for d in visible.into_iter().skip(skip) {
                    let (mark, color) = if d.intact {
                        ("✓", palette::INTACT)
                    } else {
                        ("×", palette::BROKEN)
                    };
                    let mut text = escape_bytes(&d.data[..d.data.len().min(24)]);
                    if d.data.len() > 24 {
                        text.push('…');
                    }
                    let rich =
                        RichText::new(format!("{mark} #{} {} B \"{text}\"", d.index, d.data.len()))
                            .color(color);
                    let resp = ui.add(
                        egui::Button::new(rich).stroke(Stroke::new(1.5, palette::message(d.index))),
                    );
                    let label = format!("{}{}", v.prefix, delivery_label(d));
                    resp.widget_info(|| {
                        egui::WidgetInfo::labeled(egui::Role::Button, true, &label)
                    });
                    if resp.clicked() && v.interactive {
                        cmds.push(Cmd::SeekEvent(d.event));
                    }
                }
            });
        }
        ui.add_space(4.0);
    }
}

/// The notes of the steps each program is at, or the scenario's summary at the start.
pub fn narration(ui: &mut egui::Ui, app: &StickyApp) {
    let lang = app.lang();
    let scenario = app.scenario();
    let frame = egui::Frame::group(ui.style()).fill(ui.visuals().faint_bg_color);
    frame.show(ui, |ui| {
        ui.set_width(ui.available_width());
        let mut said = false;
        if let Some(sim) = app.playback.sim() {
            for (side, who) in [
                (Side::Client, i18n::CLIENT.get(lang)),
                (Side::Server, i18n::SERVER.get(lang)),
            ] {
                let line = sim.side_state(side).line;
                // The note of the current step, or of the last step that had one.
                let note = (0..=line)
                    .rev()
                    .find_map(|l| crate::timeline::step_note(scenario, side, l, lang));
                if let Some(n) = note {
                    ui.label(RichText::new(format!("{who}: {n}")).size(15.0));
                    said = true;
                }
            }
        }
        if !said {
            let text = scenario
                .summary
                .as_ref()
                .map(|s| s.get(lang))
                .unwrap_or(scenario.title.get(lang));
            ui.label(RichText::new(text).size(15.0));
        }
        for (side, line, what) in &app.playback.stuck {
            if app.playback.at_end() {
                ui.colored_label(
                    palette::BROKEN,
                    format!(
                        "{} {} #{}: {what}",
                        side.name(),
                        i18n::STUCK.get(lang),
                        line + 1
                    ),
                );
            }
        }
        if let Some(e) = &app.playback.error {
            ui.colored_label(Color32::RED, e);
        }
    });
}

/// The metrics of the run and the verdict.
pub fn metrics(ui: &mut egui::Ui, app: &StickyApp) {
    let lang = app.lang();
    let report = &app.playback.report;
    ui.horizontal(|ui| {
        ui.label(RichText::new(format!("{}:", i18n::VERDICT.get(lang))).strong());
        let events = &app.playback.trace.events;
        let v = crate::timeline::verdict_with_exceptions(&i18n::verdict(report, lang), events);
        let resp = ui.label(RichText::new(&v).size(15.0));
        resp.widget_info(|| {
            egui::WidgetInfo::labeled(egui::Role::Label, true, format!("verdict: {v}"))
        });
    });
    egui::CollapsingHeader::new(i18n::METRICS.get(lang))
        .default_open(false)
        .show(ui, |ui| {
            metrics_grid(ui, report, "metrics");
        });
}

pub fn metrics_grid(ui: &mut egui::Ui, report: &crate::analysis::Report, id: &str) {
    egui::Grid::new(id).striped(true).show(ui, |ui| {
        ui.strong("metric");
        ui.strong("total");
        ui.strong("client→server");
        ui.strong("server→client");
        ui.end_row();
        for f in crate::analysis::Metrics::fields() {
            ui.monospace(f.name);
            ui.monospace(f.value(&report.summary).to_string());
            ui.monospace(f.value(&report.directions.client_to_server).to_string());
            ui.monospace(f.value(&report.directions.server_to_client).to_string());
            ui.end_row();
        }
    });
}

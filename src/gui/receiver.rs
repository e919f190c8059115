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
    let font = FontId::monospace(12.0);
    let chunk = trace.events.get(r.event).and_then(|e| trace.chunk_of(e));
    let chunk = chunk.as_ref();
    // Wide enough for its header bytes in hex next to a little of each body.
    let headers = chunk.map_or(0.0, |c| {
        bytes::headers_width(ui.painter(), c, &font) + 10.0 * c.spans.len() as f32
    });
    let w = (48.0 + 14.0 * (r.data.len() as f32).sqrt())
        .max(headers)
        .clamp(56.0, 420.0);
    let (rect, resp) = ui.allocate_exact_size(vec2(w, 58.0), Sense::click());
    let painter = ui.painter_at(rect.expand(2.0));
    let strip = egui::Rect::from_min_size(rect.min, vec2(w, 26.0));
    let visuals = ui.visuals();
    match chunk {
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
    // When it was read, and how long the call waited for it: a stall shows.
    let wait = recv_wait(trace, r);
    let ms = |us: u64| us as f64 / 1000.0;
    let stalled = wait >= STALL_US;
    let when = painter.text(
        egui::pos2(rect.left(), strip.bottom() + 17.0),
        egui::Align2::LEFT_TOP,
        format!("{:.1} ms", ms(r.t_us)),
        FontId::proportional(11.0),
        visuals.weak_text_color(),
    );
    if wait >= 1000 {
        painter.text(
            egui::pos2(when.right() + 4.0, when.top()),
            egui::Align2::LEFT_TOP,
            format!("+{:.1}", ms(wait)),
            FontId::proportional(11.0),
            if stalled {
                palette::BROKEN
            } else {
                visuals.weak_text_color()
            },
        );
    }
    let label = format!("{prefix}{}", chip_label(k, r));
    let text = format!(
        "{text}\n{} {:.3} ms · {} {:.3} ms",
        i18n::READ_AT.get(lang),
        ms(r.t_us),
        i18n::WAITED.get(lang),
        ms(wait)
    );
    resp.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Button, true, &label));
    resp.on_hover_ui(|ui| {
        ui.label(RichText::new(&text).monospace());
        ui.label(hover_text(trace, r, lang));
    })
}

/// A recv() that waited this long for its data stalled (the class should see it).
const STALL_US: u64 = 10_000;

/// How long the recv() call that returned `r` waited: from the call to its return.
pub fn recv_wait(trace: &Trace, r: &RecvResult) -> u64 {
    let Some(events) = trace.events.get(..r.event) else {
        return 0;
    };
    events
        .iter()
        .rev()
        .find(|e| e.side == r.side && matches!(e.kind, crate::trace::EventKind::AppCall { .. }))
        .map_or(0, |call| r.t_us.saturating_sub(call.t_us))
}

/// Chips shown per side: the newest ones (a long run would otherwise lay out thousands).
const MAX_CHIPS: usize = 40;

fn hover_text(trace: &Trace, r: &RecvResult, lang: Lang) -> String {
    let Some(c) = trace.events.get(r.event).and_then(|e| trace.chunk_of(e)) else {
        return i18n::EOF.get(lang).into();
    };
    span_summary(&c, lang)
}

/// `message 1: bytes 0–4 (header), 4–9` for a tooltip.
pub fn span_summary(c: &Chunk, lang: Lang) -> String {
    c.spans
        .iter()
        .map(|s| {
            let header = s.part == crate::trace::Part::Header;
            match (lang, header) {
                (Lang::En, true) => format!(
                    "message {}: stream bytes {}–{} (header)",
                    s.msg, s.start, s.end
                ),
                (Lang::En, false) => {
                    format!("message {}: stream bytes {}–{}", s.msg, s.start, s.end)
                }
                (Lang::Zh, true) => format!(
                    "消息 {}：字节流第 {}–{} 字节（报头）",
                    s.msg, s.start, s.end
                ),
                (Lang::Zh, false) => format!("消息 {}：字节流第 {}–{} 字节", s.msg, s.start, s.end),
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The accessible label of a delivered message, e.g. `message 1 intact: "hello"`.
pub fn delivery_label(d: &Delivery) -> String {
    let verdict = match (d.intact, d.truncated) {
        (true, _) => "intact",
        (false, true) => "truncated",
        (false, false) => "with wrong boundaries",
    };
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

/// Where the rows of a receiver view begin (screen y, top to bottom), so that a view
/// too tall for its room can be scrolled to a row's top instead of cutting chips in half.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RowTops {
    pub tops: Vec<f32>,
    /// The top of the newest line of recv chips: the row the class must see.
    pub newest_chips: Option<f32>,
}

impl RowTops {
    fn push(&mut self, top: f32) {
        if self.tops.last().is_none_or(|&t| top > t + 0.5) {
            self.tops.push(top);
        }
    }
}

pub fn show(ui: &mut egui::Ui, app: &StickyApp, cmds: &mut Vec<Cmd>) -> RowTops {
    let pb = &app.playback;
    let heading = ui.label(
        RichText::new(i18n::WHAT_RECV_RETURNED.get(app.lang()))
            .strong()
            .size(16.0),
    );
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
    let mut tops = RowTops::default();
    tops.push(heading.rect.top());
    rows_measured(ui, &view, app.lang(), cmds, &mut tops);
    tops
}

/// Per receiving side: a row of recv chips, decoder crashes, and a row of what the decoder
/// handed to the program.
pub fn rows(ui: &mut egui::Ui, v: &RecvView, lang: Lang, cmds: &mut Vec<Cmd>) {
    rows_measured(ui, v, lang, cmds, &mut RowTops::default());
}

/// [`rows`], noting where each row begins in `tops`.
fn rows_measured(
    ui: &mut egui::Ui,
    v: &RecvView,
    lang: Lang,
    cmds: &mut Vec<Cmd>,
    tops: &mut RowTops,
) {
    let shown = v.shown;
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
        let past: Vec<&(usize, &RecvResult)> =
            recvs.iter().filter(|(_, r)| r.event < shown).collect();
        let row = ui.horizontal(|ui| {
            ui.label(RichText::new(format!("{} {who}", i18n::RECEIVED_BY.get(lang))).strong());
            if past.is_empty() {
                ui.weak(i18n::NOTHING_YET.get(lang));
            }
        });
        tops.push(row.response.rect.top());
        if !past.is_empty() {
            ui.horizontal_wrapped(|ui| {
                let skip = past.len().saturating_sub(MAX_CHIPS);
                if skip > 0 {
                    ui.weak(format!("… {skip} {}", i18n::EARLIER.get(lang)));
                }
                for (k, r) in past.into_iter().skip(skip) {
                    let selected = v.selection == Some(&(v.select)(r.event));
                    let resp = chip(ui, v.trace, *k, r, selected, lang, v.prefix);
                    // Each line of chips (they wrap) is a row.
                    tops.push(resp.rect.top());
                    tops.newest_chips = Some(resp.rect.top());
                    if resp.clicked() {
                        cmds.push(Cmd::Select(Some((v.select)(r.event))));
                    }
                }
            });
        }
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
            tops.push(resp.rect.top());
            let text = format!("{}{what} at {}: {error}", v.prefix, side.name());
            resp.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Label, true, &text));
        }
        let visible: Vec<&Delivery> = v
            .deliveries
            .iter()
            .filter(|d| d.side == side && d.event < shown)
            .collect();
        // The decoder's row, once it has handed over a message.
        if !visible.is_empty() {
            tops.push(ui.cursor().top());
            ui.horizontal_wrapped(|ui| {
                ui.label(format!("{}:", i18n::DECODED.get(lang)));
                let skip = visible.len().saturating_sub(MAX_CHIPS);
                if skip > 0 {
                    ui.weak(format!("… {skip} {}", i18n::EARLIER.get(lang)));
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
                    // A short message: what was expected and where the rest is.
                    let sent = v
                        .trace
                        .messages
                        .iter()
                        .find(|m| m.dir == d.dir && m.id == d.index);
                    let expected = sent.map_or(d.data.len(), |m| m.data.len());
                    if let Some(m) = sent.filter(|_| expected > d.data.len()) {
                        let missing = expected - d.data.len();
                        let why = short_reason(m);
                        let text = format!(
                            "{} {expected} B · {missing} B {}",
                            i18n::EXPECTED_RECEIVED.get(lang),
                            why.get(lang)
                        );
                        let resp = ui.label(RichText::new(&text).color(palette::BROKEN).strong());
                        let a11y = format!(
                            "{}message {} short: {missing} B {}",
                            v.prefix, d.index, why.0
                        );
                        resp.widget_info(|| {
                            egui::WidgetInfo::labeled(egui::Role::Label, true, &a11y)
                        });
                    }
                }
            });
        }
        ui.add_space(4.0);
    }
}

/// Why a delivered message is shorter than the one sent: the socket never took all of
/// its frame (`send()` accepted part, a cut record), or its bytes were written and
/// arrived in other deliveries.
pub fn short_reason(m: &crate::trace::SentMessage) -> i18n::T {
    if m.accepted < m.wire_len() {
        i18n::NEVER_WRITTEN
    } else {
        i18n::ELSEWHERE
    }
}

/// The notes of the steps each program is at, or the scenario's summary at the start.
pub fn narration(ui: &mut egui::Ui, app: &StickyApp) {
    use crate::narration::{what_happened, without_cli_flags};
    let lang = app.lang();
    let scenario = app.scenario();
    let pb = &app.playback;
    // The notes were written for the scenario's own settings; with others the run may
    // do something else, so then the app says what this run did, from its trace.
    let as_written = pb.params == scenario.params;
    let frame = egui::Frame::group(ui.style()).fill(ui.visuals().faint_bg_color);
    frame.show(ui, |ui| {
        ui.set_width(ui.available_width());
        let shown = pb.events_shown();
        if !as_written && shown > 0 {
            let said = what_happened(&pb.trace, &pb.trace.events[..shown], lang);
            if !said.is_empty() {
                let text = format!("{} {}", i18n::THIS_RUN.get(lang), said.join(" "));
                let resp = ui.label(RichText::new(&text).size(15.0).strong());
                resp.widget_info(|| {
                    egui::WidgetInfo::labeled(egui::Role::Label, true, format!("narration: {text}"))
                });
            }
        }
        let mut notes = Vec::new();
        if let Some(sim) = pb.sim().filter(|_| shown > 0) {
            for (side, who) in [
                (Side::Client, i18n::CLIENT.get(lang)),
                (Side::Server, i18n::SERVER.get(lang)),
            ] {
                let line = sim.side_state(side).line;
                // The note of the current step, or of the last step that had one.
                let note = (0..=line)
                    .rev()
                    .filter(|l| !super::quiz::hides_note(app, side, *l))
                    .find_map(|l| crate::timeline::step_note(scenario, side, l, lang));
                if let Some(n) = note {
                    notes.push(format!("{who}: {}", without_cli_flags(n)));
                }
            }
        }
        // The summary tells the answer: not while a quiz question is open.
        if notes.is_empty() && !super::quiz::hides_results(app) {
            let text = scenario
                .summary
                .as_ref()
                .map(|s| s.get(lang))
                .unwrap_or(scenario.title.get(lang));
            notes.push(without_cli_flags(text));
        }
        if !as_written {
            ui.label(
                RichText::new(i18n::WRITTEN_FOR_DEFAULTS.get(lang))
                    .italics()
                    .color(palette::BROKEN),
            );
        }
        for n in notes {
            let mut rich = RichText::new(&n).size(15.0);
            if !as_written {
                rich = rich.weak();
            }
            let resp = ui.label(rich);
            resp.widget_info(|| {
                egui::WidgetInfo::labeled(egui::Role::Label, true, format!("note: {n}"))
            });
        }
        for (side, line, what) in &pb.stuck {
            if pb.at_end() {
                ui.colored_label(
                    palette::BROKEN,
                    format!(
                        "{} {} #{}: {what}",
                        crate::narration::side_name(*side, lang),
                        i18n::STUCK.get(lang),
                        line + 1
                    ),
                );
            }
        }
        if let Some(e) = &pb.error {
            ui.colored_label(Color32::RED, e.text(lang));
        }
    });
}

/// The verdict and the metrics: hidden until the run's end (or a Reveal), so that a
/// class can predict first.
pub fn verdict_row(ui: &mut egui::Ui, app: &StickyApp, cmds: &mut Vec<Cmd>) {
    let lang = app.lang();
    let report = &app.playback.report;
    ui.horizontal_wrapped(|ui| {
        ui.label(
            RichText::new(format!("{}:", i18n::VERDICT.get(lang)))
                .strong()
                .size(16.0),
        );
        if app.verdict_shown() {
            let events = &app.playback.trace.events;
            let v = crate::timeline::verdict_with_exceptions(&i18n::verdict(report, lang), events);
            let color = if report.summary.messages_intact == report.summary.messages_sent {
                palette::INTACT
            } else {
                palette::BROKEN
            };
            let resp = ui.label(RichText::new(&v).size(16.0).strong().color(color));
            resp.widget_info(|| {
                egui::WidgetInfo::labeled(egui::Role::Label, true, format!("verdict: {v}"))
            });
        } else {
            ui.weak(i18n::VERDICT_AT_END.get(lang));
            if ui
                .button(i18n::REVEAL.get(lang))
                .on_hover_text(i18n::REVEAL_HINT.get(lang))
                .clicked()
            {
                cmds.push(Cmd::Reveal);
            }
        }
        if app.verdict_shown() {
            // On the verdict's line, so the row never grows.
            ui.menu_button(format!("{} ▼", i18n::METRICS.get(lang)), |ui| {
                metrics_grid(ui, report, "metrics", lang, false);
            });
        }
    });
}

/// Metrics a real run cannot measure: what happens between the sockets (segments, ACKs,
/// Nagle holds) is the kernel's and is not seen from the application.
pub const NOT_MEASURED_REAL: &[&str] = &["segments", "acks", "nagle_holds", "max_hold_ms"];

/// The metrics table in plain words; in a real run, what it cannot measure shows "—".
pub fn metrics_grid(
    ui: &mut egui::Ui,
    report: &crate::analysis::Report,
    id: &str,
    lang: Lang,
    real: bool,
) {
    egui::Grid::new(id).striped(true).show(ui, |ui| {
        ui.strong(i18n::METRIC.get(lang));
        ui.strong(i18n::TOTAL.get(lang));
        ui.strong(i18n::C2S.get(lang));
        ui.strong(i18n::S2C.get(lang));
        ui.end_row();
        for f in crate::analysis::Metrics::fields() {
            ui.label(f.label(lang)).on_hover_text(f.name);
            let unmeasured = real && NOT_MEASURED_REAL.contains(&f.name);
            for m in [
                &report.summary,
                &report.directions.client_to_server,
                &report.directions.server_to_client,
            ] {
                if unmeasured {
                    ui.monospace("—")
                        .on_hover_text(i18n::NOT_MEASURED.get(lang));
                } else {
                    ui.monospace(f.value(m).to_string());
                }
            }
            ui.end_row();
        }
    });
}

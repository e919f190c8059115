//! A run on one time line, for the compare columns: segments sent each way, Nagle holds
//! and delayed-ACK timers as bars, and the recv() results as marks. The columns share
//! the axis (the longest run's end), so a stall is a gap the eye sees.

use egui::{Align2, FontId, Rect, Sense, Stroke, pos2, vec2};

use super::{i18n, palette};
use crate::analysis::RecvResult;
use crate::scenario::Lang;
use crate::trace::{EventKind, Micros, Side, Trace};

/// The spans of time a timer ran at a side: (start, end).
fn spans(
    trace: &Trace,
    side: Side,
    starts: fn(&EventKind) -> bool,
    ends: fn(&EventKind) -> bool,
) -> Vec<(Micros, Micros)> {
    let mut out = Vec::new();
    let mut open: Option<Micros> = None;
    for e in trace.events.iter().filter(|e| e.side == side) {
        if starts(&e.kind) && open.is_none() {
            open = Some(e.t_us);
        } else if ends(&e.kind)
            && let Some(s) = open.take()
        {
            out.push((s, e.t_us));
        }
    }
    if let (Some(s), Some(last)) = (open, trace.events.last()) {
        out.push((s, last.t_us));
    }
    out
}

/// Nagle holds at `side`, from hold to release.
pub fn nagle_spans(trace: &Trace, side: Side) -> Vec<(Micros, Micros)> {
    spans(
        trace,
        side,
        |k| matches!(k, EventKind::NagleHold { .. }),
        |k| matches!(k, EventKind::NagleRelease { .. }),
    )
}

/// Delayed-ACK timers at `side`, from start to firing (or to an ACK that went anyway).
pub fn delack_spans(trace: &Trace, side: Side) -> Vec<(Micros, Micros)> {
    spans(
        trace,
        side,
        |k| matches!(k, EventKind::DelayedAckStart { .. }),
        |k| matches!(k, EventKind::DelayedAckFire | EventKind::AckTx { .. }),
    )
}

/// Draws the strip for one run, `end` being the shared axis's end.
pub fn show(ui: &mut egui::Ui, trace: &Trace, recvs: &[RecvResult], end: Micros, lang: Lang) {
    let row_h = 12.0;
    let rows = 4.0;
    let (rect, resp) = ui.allocate_exact_size(
        vec2(ui.available_width(), row_h * rows + 16.0),
        Sense::hover(),
    );
    let painter = ui.painter_at(rect);
    let visuals = ui.visuals();
    painter.rect_filled(rect, 3.0, visuals.faint_bg_color);
    let end = end.max(1) as f32;
    // Row names in a column of their own, the time line to their right.
    let names_w = 72.0f32.min(rect.width() * 0.3);
    let x = |t: Micros| rect.left() + names_w + (rect.width() - names_w - 6.0) * (t as f32 / end);
    let row = |i: f32| {
        Rect::from_min_size(
            pos2(rect.left(), rect.top() + i * row_h),
            vec2(rect.width(), row_h),
        )
    };
    let font = FontId::proportional(9.5);
    let label = |i: f32, text: &str| {
        painter.text(
            row(i).left_center() + vec2(2.0, 0.0),
            Align2::LEFT_CENTER,
            text,
            font.clone(),
            visuals.weak_text_color(),
        );
    };
    // Row 0: client → server segments; row 1: server → client; ticks coloured by message.
    for e in &trace.events {
        let (r, color) = match (&e.kind, e.side) {
            (EventKind::SegmentTx(h), side) if h.len > 0 => {
                let r = if side == Side::Client { 0.0 } else { 1.0 };
                let msg = e.chunk.and_then(|c| trace.first_message(&c)).unwrap_or(1);
                (r, palette::message(msg))
            }
            (EventKind::DatagramTx { .. }, side) => (
                if side == Side::Client { 0.0 } else { 1.0 },
                palette::message(1),
            ),
            _ => continue,
        };
        let rr = row(r);
        painter.line_segment(
            [
                pos2(x(e.t_us), rr.top() + 2.0),
                pos2(x(e.t_us), rr.bottom() - 2.0),
            ],
            Stroke::new(2.0, color),
        );
    }
    // Row 2: Nagle holds (either side) and delayed-ACK timers, as bars.
    for side in [Side::Client, Side::Server] {
        for (a, b) in nagle_spans(trace, side) {
            let rr = row(2.0);
            painter.rect_filled(
                Rect::from_x_y_ranges(x(a)..=x(b).max(x(a) + 2.0), rr.top() + 1.0..=rr.center().y),
                1.0,
                palette::BROKEN,
            );
        }
        for (a, b) in delack_spans(trace, side) {
            let rr = row(2.0);
            painter.rect_filled(
                Rect::from_x_y_ranges(
                    x(a)..=x(b).max(x(a) + 2.0),
                    rr.center().y..=rr.bottom() - 1.0,
                ),
                1.0,
                palette::TIMER,
            );
        }
    }
    // Row 3: recv() results: a mark each, sticky ones in the warning colour.
    for r in recvs {
        let rr = row(3.0);
        let color = if r.sticky {
            palette::BROKEN
        } else if r.eof {
            visuals.weak_text_color()
        } else {
            palette::INTACT
        };
        painter.circle_filled(pos2(x(r.t_us), rr.center().y), 3.5, color);
    }
    label(0.0, &format!("{} →", i18n::CLIENT.get(lang)));
    label(1.0, &format!("← {}", i18n::SERVER.get(lang)));
    label(2.0, i18n::HOLDS_TIMERS.get(lang));
    label(3.0, "recv()");
    // The axis: 0 and the end, in ms.
    let axis_y = rect.bottom() - 8.0;
    let ms = |t: f32| format!("{:.1} ms", t / 1000.0);
    painter.text(
        pos2(rect.left() + 2.0, axis_y),
        Align2::LEFT_CENTER,
        "0",
        font.clone(),
        visuals.text_color(),
    );
    painter.text(
        pos2(rect.right() - 2.0, axis_y),
        Align2::RIGHT_CENTER,
        ms(end),
        font.clone(),
        visuals.text_color(),
    );
    let run_end = trace.events.last().map_or(0, |e| e.t_us);
    painter.line_segment(
        [
            pos2(x(run_end), rect.top()),
            pos2(x(run_end), rect.bottom() - 14.0),
        ],
        Stroke::new(1.0, visuals.strong_text_color()),
    );
    painter.text(
        pos2(x(run_end), axis_y),
        if x(run_end) > rect.center().x {
            Align2::RIGHT_CENTER
        } else {
            Align2::LEFT_CENTER
        },
        ms(run_end as f32),
        font,
        visuals.strong_text_color(),
    );
    let text = format!("{}: {}", i18n::TIME_AXIS.get(lang), ms(run_end as f32));
    resp.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Image, true, &text));
    resp.on_hover_text(i18n::TIME_AXIS_HINT.get(lang));
}

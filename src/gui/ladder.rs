//! The ladder diagram (Stevens / Kurose): client and server time axes going down, every
//! segment a slanted arrow from sender to receiver, coloured by the messages of its bytes;
//! Nagle holds and delayed-ACK timers as bars beside the axes; app calls as marks.
//!
//! Time is linear (so a 40 ms hold is long on screen), except that rows where packets
//! leave get a minimum height, so labels of a burst never overlap, and long idle gaps are
//! shortened (marked ≈ on the axes).

use egui::{Align, Align2, Color32, FontId, Pos2, Rect, Sense, Stroke, pos2, vec2};

use super::i18n;
use super::palette;
use super::views::ViewCtx;
use crate::trace::{Micros, Part, Side};
use crate::views::{Arrow, ArrowKind, IntervalKind, Ladder, MarkKind};

/// Minimum height of a row where something leaves or an app call returns.
const ROW: f32 = 30.0;
/// Longest gap drawn at scale; longer ones are shortened.
const MAX_GAP: f32 = 360.0;
const TOP: f32 = 44.0;
/// Height of one app mark's line.
const MARK_H: f32 = 17.0;

/// The time → y mapping of one ladder. Every packet's departure and arrival is a slot
/// (time, n): packets that leave (or land) at the same instant get a row each, so
/// their labels never overlap; between instants the distance is the time at scale.
struct Axis {
    slots: Vec<(Micros, u32)>,
    ys: Vec<f32>,
    /// Per arrow: y of its departure and of its arrival.
    tx_y: Vec<f32>,
    rx_y: Vec<Option<f32>>,
    /// Gaps drawn shorter than their scale: (y from, y to).
    breaks: Vec<(f32, f32)>,
}

impl Axis {
    fn new(l: &Ladder, px_per_ms: f32) -> Axis {
        use std::collections::HashMap;
        let mut n_tx: HashMap<Micros, u32> = HashMap::new();
        let mut n_rx: HashMap<Micros, u32> = HashMap::new();
        let mut tx_slot = Vec::with_capacity(l.arrows.len());
        let mut rx_slot = Vec::with_capacity(l.arrows.len());
        for a in &l.arrows {
            let k = n_tx.entry(a.t_tx).or_default();
            tx_slot.push((a.t_tx, *k));
            *k += 1;
            rx_slot.push(a.t_rx.map(|t| {
                let k = n_rx.entry(t).or_default();
                *k += 1;
                (t, *k - 1)
            }));
        }
        let mut rows: Vec<(Micros, u32)> = tx_slot.clone();
        rows.extend(rx_slot.iter().flatten().copied());
        rows.extend(l.marks.iter().map(|m| (m.t, 0)));
        let mut slots = rows.clone();
        slots.extend(l.intervals.iter().flat_map(|i| [(i.start, 0), (i.end, 0)]));
        slots.push((0, 0));
        slots.push((l.end, 0));
        slots.sort_unstable();
        slots.dedup();
        rows.sort_unstable();
        rows.dedup();
        // Marks of one side at one time are stacked downwards: room for them.
        let mut stacked: HashMap<(Micros, Side), f32> = HashMap::new();
        for m in &l.marks {
            *stacked.entry((m.t, m.side)).or_default() += MARK_H;
        }
        let room = |t: Micros| {
            [Side::Client, Side::Server]
                .iter()
                .map(|s| stacked.get(&(t, *s)).copied().unwrap_or(0.0))
                .fold(0.0, f32::max)
        };
        let mut ys = Vec::with_capacity(slots.len());
        let mut breaks = Vec::new();
        let mut y = TOP;
        let mut first_y_of_time = TOP;
        for (k, &(t, sub)) in slots.iter().enumerate() {
            if k > 0 {
                let (t0, _) = slots[k - 1];
                let row = rows.binary_search(&(t, sub)).is_ok();
                let gap = if t == t0 {
                    if row { ROW } else { 0.0 }
                } else {
                    let mut gap = (t - t0) as f32 / 1000.0 * px_per_ms;
                    if gap > MAX_GAP {
                        breaks.push((y, y + MAX_GAP));
                        gap = MAX_GAP;
                    }
                    if row {
                        gap = gap.max(ROW);
                    }
                    // The marks stacked under the previous instant need their room.
                    gap.max(room(t0) - (y - first_y_of_time))
                };
                y += gap;
                if t != t0 {
                    first_y_of_time = y;
                }
            }
            ys.push(y);
        }
        let at = |slot: (Micros, u32)| slots.binary_search(&slot).map(|k| ys[k]).unwrap_or(TOP);
        Axis {
            tx_y: tx_slot.iter().map(|s| at(*s)).collect(),
            rx_y: rx_slot.iter().map(|s| s.map(at)).collect(),
            slots,
            ys,
            breaks,
        }
    }

    /// The y of time `t`: its first slot, or between the instants around it.
    fn y(&self, t: Micros) -> f32 {
        let k = self.slots.partition_point(|s| s.0 < t);
        if self.slots.get(k).is_some_and(|s| s.0 == t) {
            return self.ys[k];
        }
        match k {
            0 => self.ys.first().copied().unwrap_or(TOP),
            k if k >= self.slots.len() => self.ys.last().copied().unwrap_or(TOP),
            k => {
                let (t0, t1) = (self.slots[k - 1].0, self.slots[k].0);
                let f = (t - t0) as f32 / (t1 - t0).max(1) as f32;
                self.ys[k - 1] + f * (self.ys[k] - self.ys[k - 1])
            }
        }
    }

    /// The y just after everything at time `t` (where the time cursor sits).
    fn y_after(&self, t: Micros) -> f32 {
        let k = self.slots.partition_point(|s| s.0 <= t);
        if k > 0 && self.slots[k - 1].0 == t {
            return self.ys[k - 1];
        }
        self.y(t)
    }

    fn height(&self) -> f32 {
        self.ys.last().copied().unwrap_or(TOP) + 40.0
    }
}

/// A scale that shows the run in about 1200 px, within limits.
pub(super) fn fit(l: &Ladder) -> f32 {
    let ms = (l.end as f32 / 1000.0).max(0.001);
    (1200.0 / ms).clamp(0.2, 60.0)
}

fn dim(c: Color32, faint: bool) -> Color32 {
    if faint { c.gamma_multiply(0.25) } else { c }
}

/// Draws the ladder; returns the event of a clicked arrow.
pub fn show(
    ui: &mut egui::Ui,
    l: &Ladder,
    ctx: &ViewCtx,
    px_per_ms: &mut Option<f32>,
    scrolled_to: &mut Option<Micros>,
) -> Option<usize> {
    let lang = ctx.lang;
    let mut scale = px_per_ms.unwrap_or_else(|| fit(l));
    ui.horizontal_wrapped(|ui| {
        let resp = ui.add(
            egui::Slider::new(&mut scale, 0.2..=60.0)
                .logarithmic(true)
                .show_value(false)
                .text(i18n::V_TIME_SCALE.get(lang)),
        );
        if resp.changed() {
            *px_per_ms = Some(scale);
        }
        ui.label(format!("{scale:.1} px/ms"));
        if ui.button(i18n::V_FIT.get(lang)).clicked() {
            *px_per_ms = None;
            scale = fit(l);
        }
        let note = i18n::V_LADDER_SEQ_NOTE.get(lang);
        // In a narrow column (Both) the note would push the column wider: a tooltip.
        if ui.available_width() > 320.0 {
            ui.label(egui::RichText::new(note).weak());
        } else {
            ui.label(egui::RichText::new("(?)").weak())
                .on_hover_text(note);
        }
    });
    let axis = Axis::new(l, scale);
    let mut clicked = None;
    egui::ScrollArea::vertical()
        .id_salt(("ladder", ctx.world))
        .auto_shrink([false, false])
        .show(ui, |ui| {
            clicked = draw(ui, l, ctx, &axis, scrolled_to);
        });
    clicked
}

fn draw(
    ui: &mut egui::Ui,
    l: &Ladder,
    ctx: &ViewCtx,
    axis: &Axis,
    scrolled_to: &mut Option<Micros>,
) -> Option<usize> {
    let lang = ctx.lang;
    let width = ui.available_width().max(240.0);
    let (rect, resp) = ui.allocate_exact_size(vec2(width, axis.height()), Sense::click());
    let painter = ui.painter_at(rect);
    let vis = ui.visuals().clone();
    let text = vis.text_color();
    let weak = vis.weak_text_color();
    let x_of = |side: Side| match side {
        Side::Client => rect.left() + width * 0.30,
        Side::Server => rect.left() + width * 0.70,
    };
    let y_of = |t: Micros| rect.top() + axis.y(t);
    let bottom = rect.top() + axis.height() - 20.0;
    let big = FontId::proportional(18.0);
    let label_font = FontId::monospace(15.0);
    let small = FontId::proportional(13.0);

    // Axes, with their names on top and ≈ where a long gap is shortened.
    for side in [Side::Client, Side::Server] {
        let x = x_of(side);
        let name = match side {
            Side::Client => i18n::V_CLIENT.get(lang),
            Side::Server => i18n::V_SERVER.get(lang),
        };
        painter.text(
            pos2(x, rect.top() + 6.0),
            Align2::CENTER_TOP,
            name,
            big.clone(),
            text,
        );
        painter.line_segment(
            [pos2(x, rect.top() + TOP), pos2(x, bottom)],
            Stroke::new(3.0, weak),
        );
        for &(a, b) in &axis.breaks {
            let m = rect.top() + (a + b) / 2.0;
            painter.text(
                pos2(x + 8.0, m),
                Align2::LEFT_CENTER,
                "≈",
                big.clone(),
                weak,
            );
        }
    }

    // Intervals: bars beside each axis (Nagle nearest, then the delayed-ACK timer, then
    // a blocked call), each labelled along its length.
    for iv in &l.intervals {
        let out = match iv.side {
            Side::Client => -1.0,
            Side::Server => 1.0,
        };
        let axis_x = x_of(iv.side);
        let (colour, offset, w) = match iv.kind {
            IntervalKind::NagleHold => (palette::BROKEN, 14.0, 18.0),
            IntervalKind::DelayedAck { .. } => (Color32::from_rgb(0x56, 0xB4, 0xE9), 34.0, 18.0),
            IntervalKind::Blocked(_) => (weak, 49.0, 5.0),
        };
        let cx = axis_x + out * offset;
        let (y0, y1) = (y_of(iv.start), y_of(iv.end));
        let faint = ctx.now.is_some_and(|now| now < iv.start);
        let bar = Rect::from_min_max(pos2(cx - w / 2.0, y0), pos2(cx + w / 2.0, y1.max(y0 + 2.0)));
        painter.rect_filled(bar, 3.0, dim(colour, faint));
        let labelled = match iv.kind {
            IntervalKind::NagleHold | IntervalKind::DelayedAck { fired: true } => true,
            IntervalKind::DelayedAck { fired: false } | IntervalKind::Blocked(_) => false,
        };
        if labelled {
            let galley = painter.layout_no_wrap(
                iv.label.clone(),
                FontId::proportional(13.0),
                dim(palette::text_on(colour), faint),
            );
            if galley.size().x + 6.0 <= bar.height() {
                // Along the bar, reading upwards.
                let pos = bar.center() - galley.size() / 2.0;
                painter.add(
                    egui::epaint::TextShape::new(pos, galley, text)
                        .with_angle_and_anchor(-std::f32::consts::FRAC_PI_2, Align2::CENTER_CENTER),
                );
            } else {
                let align = if out < 0.0 {
                    Align2::RIGHT_CENTER
                } else {
                    Align2::LEFT_CENTER
                };
                let at = pos2(axis_x + out * 60.0, bar.center().y);
                painter.text(at, align, &iv.label, small.clone(), dim(colour, faint));
            }
        }
        let r = ui.interact(
            bar.expand(2.0),
            ui.scope_id().with(("iv", ctx.world, iv.event)),
            Sense::hover(),
        );
        r.widget_info(|| {
            egui::WidgetInfo::labeled(
                egui::Role::Label,
                true,
                format!("{} {}", ctx.world, iv.label),
            )
        });
        r.on_hover_text(&iv.label);
    }

    // App marks: a dot on the axis and the call's text outside.
    let mut clicked = None;
    let mut stack: std::collections::HashMap<(Micros, Side), f32> = Default::default();
    for m in &l.marks {
        let below = stack.entry((m.t, m.side)).or_default();
        let y = y_of(m.t) + *below;
        *below += MARK_H;
        let base = y_of(m.t);
        let x = x_of(m.side);
        let faint = ctx.now.is_some_and(|now| now < m.t);
        let (align, tx) = match m.side {
            Side::Client => (Align2::RIGHT_CENTER, x - 62.0),
            Side::Server => (Align2::LEFT_CENTER, x + 62.0),
        };
        let colour = match m.kind {
            MarkKind::Recv => m.spans.first().map_or(text, |s| palette::message(s.msg)),
            _ => text,
        };
        painter.circle_filled(pos2(x, base), 5.0, dim(colour, faint));
        // One line, cut with … where the side's margin is narrow (Both, small windows).
        let room = match m.side {
            Side::Client => tx - rect.left(),
            Side::Server => rect.right() - tx,
        }
        .max(40.0);
        let mut job = egui::text::LayoutJob::simple_singleline(
            m.text.clone(),
            small.clone(),
            dim(text, faint),
        );
        job.wrap = egui::text::TextWrapping::truncate_at_width(room);
        let galley = painter.layout_job(job);
        let r = align.anchor_size(pos2(tx, y), galley.size());
        // Recv results carry their messages' colours under the text.
        if m.kind == MarkKind::Recv && !m.spans.is_empty() {
            let total: u64 = m.spans.iter().map(|s| s.end - s.start).sum();
            let mut x0 = r.left();
            for s in &m.spans {
                let w = r.width() * (s.end - s.start) as f32 / total.max(1) as f32;
                let c = if s.part == Part::Header {
                    palette::header(s.msg)
                } else {
                    palette::message(s.msg)
                };
                painter.rect_filled(
                    Rect::from_min_size(pos2(x0, r.bottom()), vec2(w, 4.0)),
                    0.0,
                    dim(c, faint),
                );
                x0 += w;
            }
        }
        painter.galley(r.min, galley, text);
        let resp = ui.interact(
            r,
            ui.scope_id().with(("mark", ctx.world, m.event)),
            Sense::click(),
        );
        resp.widget_info(|| {
            egui::WidgetInfo::labeled(
                egui::Role::Button,
                true,
                format!("{} {} {}", ctx.world, m.side.name(), m.text),
            )
        });
        if resp.clicked() {
            clicked = Some(m.event);
        }
    }

    // Arrows.
    let mut hits: Vec<(Pos2, Pos2, usize)> = Vec::new();
    for (k, a) in l.arrows.iter().enumerate() {
        let from = pos2(x_of(a.from), rect.top() + axis.tx_y[k]);
        let (to, landed) = match a.t_rx {
            Some(_) => {
                let y = axis.rx_y[k].map_or(from.y, |y| rect.top() + y);
                (pos2(x_of(a.from.peer()), y), true)
            }
            // Dropped or still out at the end: stops half-way.
            None => {
                let x = (x_of(a.from) + x_of(a.from.peer())) / 2.0;
                (pos2(x, from.y + 24.0), false)
            }
        };
        let future = ctx.now.is_some_and(|now| now < a.t_tx);
        let in_flight = ctx.now.and_then(|now| a.progress(now)).filter(|p| *p < 1.0);
        let selected = ctx
            .selected
            .is_some_and(|s| s == a.tx_event || Some(s) == a.rx_event);
        if selected {
            painter.line_segment([from, to], Stroke::new(9.0, vis.selection.bg_fill));
        }
        let width = match a.kind {
            ArrowKind::Data | ArrowKind::Datagram(_) => 3.5,
            ArrowKind::Fin | ArrowKind::Rst => 3.0,
            ArrowKind::Ack(_) => 1.8,
        };
        let faint = future || in_flight.is_some();
        // Colour runs along the arrow, one per message part it carries.
        let total = a.hdr.len.max(1) as f32;
        let mut pieces: Vec<(f32, f32, Color32)> = a
            .spans
            .iter()
            .map(|s| {
                let f0 = (s.start - a.hdr.seq) as f32 / total;
                let f1 = (s.end - a.hdr.seq) as f32 / total;
                let c = if s.part == Part::Header {
                    palette::header(s.msg)
                } else {
                    palette::message(s.msg)
                };
                (f0, f1, c)
            })
            .collect();
        if pieces.is_empty() {
            let c = match a.kind {
                ArrowKind::Fin => text,
                ArrowKind::Rst => palette::BROKEN,
                _ => weak,
            };
            pieces.push((0.0, 1.0, c));
        }
        for &(f0, f1, c) in &pieces {
            let p0 = from + (to - from) * f0;
            let p1 = from + (to - from) * f1;
            painter.line_segment([p0, p1], Stroke::new(width, dim(c, faint)));
        }
        // Where an arrow in flight is now.
        if let Some(p) = in_flight {
            let at = from + (to - from) * p as f32;
            painter.line_segment([from, at], Stroke::new(width, pieces[0].2));
            painter.circle_filled(at, 6.0, pieces[0].2);
        }
        let head_colour = dim(pieces.last().map_or(weak, |p| p.2), faint);
        if landed {
            arrow_head(&painter, from, to, head_colour);
        } else if matches!(a.kind, ArrowKind::Datagram(Some(_))) {
            cross(&painter, to, palette::BROKEN);
        }
        // The label above the middle of the arrow.
        let label = match a.kind {
            ArrowKind::Datagram(Some(_)) => format!("{} × dropped", a.label),
            _ => a.label.clone(),
        };
        let mid = from + (to - from) * 0.5;
        let colour = match a.kind {
            ArrowKind::Ack(_) => weak,
            _ => text,
        };
        let galley = painter.layout_no_wrap(label.clone(), label_font.clone(), dim(colour, future));
        let lr = Align2::CENTER_BOTTOM.anchor_size(mid - vec2(0.0, 3.0), galley.size());
        painter.rect_filled(
            lr.expand(1.0),
            3.0,
            vis.extreme_bg_color.gamma_multiply(0.8),
        );
        painter.galley(lr.min, galley, text);
        let r = ui.interact(
            lr,
            ui.scope_id().with(("arrow", ctx.world, a.tx_event)),
            Sense::click(),
        );
        let dir = format!("{} → {}", a.from.name(), a.from.peer().name());
        r.widget_info(|| {
            egui::WidgetInfo::labeled(
                egui::Role::Button,
                true,
                format!("{} {label} {dir}", ctx.world),
            )
        });
        let r = r.on_hover_text(arrow_details(a, lang));
        if r.clicked() {
            clicked = Some(a.tx_event);
        }
        hits.push((from, to, a.tx_event));
    }

    // A click near a line (not on a label) picks the nearest arrow.
    if clicked.is_none()
        && resp.clicked()
        && let Some(p) = resp.interact_pointer_pos()
    {
        clicked = hits
            .iter()
            .map(|&(a, b, e)| (dist(p, a, b), e))
            .filter(|(d, _)| *d < 10.0)
            .min_by(|x, y| x.0.total_cmp(&y.0))
            .map(|(_, e)| e);
    }

    // The current time: a line across, and the view follows it.
    if let Some(now) = ctx.now {
        let y = rect.top() + axis.y_after(now);
        let c = Color32::from_rgb(0xE0, 0x30, 0x30);
        painter.line_segment(
            [pos2(rect.left(), y), pos2(rect.right(), y)],
            Stroke::new(2.0, c),
        );
        let t = format!("t = {:.3} ms", now as f64 / 1000.0);
        let galley = painter.layout_no_wrap(t.clone(), FontId::proportional(15.0), c);
        let at = Align2::RIGHT_BOTTOM.anchor_size(pos2(rect.right() - 4.0, y - 3.0), galley.size());
        painter.rect_filled(at.expand(2.0), 3.0, vis.extreme_bg_color);
        painter.galley(at.min, galley, c);
        let line = Rect::from_min_max(pos2(rect.left(), y - 4.0), pos2(rect.right(), y + 4.0));
        let r = ui.interact(line, ui.scope_id().with(("now", ctx.world)), Sense::hover());
        r.widget_info(|| {
            egui::WidgetInfo::labeled(
                egui::Role::Label,
                true,
                format!("{} ladder now {t}", ctx.world),
            )
        });
        if *scrolled_to != Some(now) {
            *scrolled_to = Some(now);
            ui.scroll_to_rect(line.expand2(vec2(0.0, 120.0)), Some(Align::Center));
        }
    }
    clicked
}

fn arrow_details(a: &Arrow, lang: crate::scenario::Lang) -> String {
    let side = |s: Side| crate::timeline::side_name(s, lang);
    let mut s = format!(
        "{} → {}\n{}\n{} {:.3} ms",
        side(a.from),
        side(a.from.peer()),
        a.label,
        i18n::V_LEFT_AT.get(lang),
        a.t_tx as f64 / 1000.0
    );
    match a.t_rx {
        Some(t) => s.push_str(&format!(
            ", {} {:.3} ms",
            i18n::V_ARRIVED_AT.get(lang),
            t as f64 / 1000.0
        )),
        None => s.push_str(&format!(", {}", i18n::V_NEVER_ARRIVED.get(lang))),
    }
    let mut msgs: Vec<u32> = a.spans.iter().map(|s| s.msg).collect();
    msgs.dedup();
    if !msgs.is_empty() {
        let list: Vec<String> = msgs.iter().map(|m| format!("#{m}")).collect();
        s.push_str(&format!(
            "\n{} {}",
            i18n::V_BYTES_OF_MESSAGE.get(lang),
            list.join(", ")
        ));
    }
    s
}

fn dist(p: Pos2, a: Pos2, b: Pos2) -> f32 {
    let ab = b - a;
    let t = ((p - a).dot(ab) / ab.length_sq().max(1e-6)).clamp(0.0, 1.0);
    (a + ab * t - p).length()
}

fn arrow_head(painter: &egui::Painter, from: Pos2, to: Pos2, c: Color32) {
    let d = (to - from).normalized();
    let n = vec2(-d.y, d.x);
    let back = to - d * 12.0;
    painter.add(egui::Shape::convex_polygon(
        vec![to, back + n * 5.5, back - n * 5.5],
        c,
        Stroke::NONE,
    ));
}

fn cross(painter: &egui::Painter, at: Pos2, c: Color32) {
    let s = 7.0;
    let st = Stroke::new(3.0, c);
    painter.line_segment([at + vec2(-s, -s), at + vec2(s, s)], st);
    painter.line_segment([at + vec2(-s, s), at + vec2(s, -s)], st);
}

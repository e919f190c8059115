//! The time–sequence graph (tcptrace / Stevens, Wireshark's "Stevens" and "tcptrace"
//! stream graphs): x = time, y = stream offset. Each segment is an I-beam from its first
//! to its last byte at the time it left; the ACK line and the receive-window line
//! (ACK + window) are the steps the sender heard; dashed lines mark where messages start;
//! diamonds mark what each recv() returned. A stall is a flat step.

use egui::{Color32, Rect, Sense, pos2, vec2};
use egui_plot::{
    HLine, Legend, Line, LineStyle, MarkerShape, Plot, PlotPoint, PlotPoints, Points, VLine,
};

use super::i18n;
use super::palette;
use super::views::ViewCtx;
use crate::trace::Dir;
use crate::views::SeqGraph;

/// More beams than this are drawn without click targets for each.
const MAX_TARGETS: usize = 400;

fn ms(us: u64) -> f64 {
    us as f64 / 1000.0
}

fn steps(points: &[(u64, u64)], end: u64) -> Vec<[f64; 2]> {
    let mut out = Vec::with_capacity(points.len() * 2 + 1);
    for (k, &(t, v)) in points.iter().enumerate() {
        if k > 0 {
            out.push([ms(t), points[k - 1].1 as f64]);
        }
        out.push([ms(t), v as f64]);
    }
    if let Some(&(t, v)) = points.last()
        && end > t
    {
        out.push([ms(end), v as f64]);
    }
    out
}

/// Draws the graph of the chosen direction; returns the event of a clicked segment.
pub fn show(
    ui: &mut egui::Ui,
    graphs: &[SeqGraph; 2],
    ctx: &ViewCtx,
    dir: &mut Dir,
) -> Option<usize> {
    let lang = ctx.lang;
    ui.horizontal_wrapped(|ui| {
        ui.selectable_value(dir, Dir::ClientToServer, i18n::C2S.get(lang));
        ui.selectable_value(dir, Dir::ServerToClient, i18n::S2C.get(lang));
        ui.label(egui::RichText::new(i18n::V_GRAPH_NOTE.get(lang)).weak());
    });
    let g = &graphs[dir.index()];
    let text = ui.visuals().text_color();
    let ack_colour = Color32::from_rgb(0x00, 0x9E, 0x73);
    let win_colour = Color32::from_rgb(0xE6, 0x9F, 0x00);
    let end_ms = ms(g.end).max(0.001);
    let cap = end_ms * 0.006;
    let height = ui.available_height().max(360.0);
    // The window line is usually far above the data: start on the data (zoom out to
    // see it). A new run gets a new plot, so old bounds do not stick.
    let top = (g.top.max(1) as f64) * 1.15;
    let plot = Plot::new((
        "seqgraph",
        ctx.world,
        dir.index(),
        g.end,
        g.top,
        g.beams.len(),
    ))
    .height(height)
    .legend(Legend::default())
    .x_axis_label(i18n::V_TIME_MS.get(lang))
    .y_axis_label(i18n::V_STREAM_OFFSET_BYTES.get(lang))
    .default_x_bounds(-end_ms * 0.02, end_ms * 1.02)
    .default_y_bounds(-top * 0.03, top)
    .allow_scroll(false);
    let resp = plot.show(ui, |p| {
        for b in &g.beams {
            let c = b.msg.map_or(text, palette::message);
            let t = ms(b.t);
            let (y0, y1) = (b.start as f64, b.end.max(b.start) as f64);
            let pts: PlotPoints = vec![
                [t - cap, y0],
                [t + cap, y0],
                [t, y0],
                [t, y1],
                [t - cap, y1],
                [t + cap, y1],
            ]
            .into();
            let selected = ctx.selected == Some(b.event);
            // Segments still to come are faint: the graph follows the cursor.
            let future = ctx.now.is_some_and(|now| b.t > now);
            let c = if future { c.gamma_multiply(0.25) } else { c };
            p.line(
                Line::new(i18n::V_SEGMENTS_2.get(lang), pts)
                    .color(c)
                    .allow_band(false)
                    .width(if selected { 5.0 } else { 2.5 }),
            );
        }
        if !g.ack.is_empty() {
            p.line(
                Line::new(
                    i18n::V_ACK.get(lang),
                    PlotPoints::from(steps(&g.ack, g.end)),
                )
                .color(ack_colour)
                .allow_band(false)
                .width(2.0),
            );
        }
        if !g.window.is_empty() {
            p.line(
                Line::new(
                    i18n::V_RECEIVE_WINDOW_ACK_WIN.get(lang),
                    PlotPoints::from(steps(&g.window, g.end)),
                )
                .color(win_colour)
                .allow_band(false)
                .width(1.5)
                .style(LineStyle::dashed_dense()),
            );
        }
        if g.boundaries.len() <= 300 {
            for &(off, id) in &g.boundaries {
                p.hline(
                    HLine::new(i18n::V_MESSAGE_STARTS.get(lang), off as f64)
                        .color(palette::message(id).gamma_multiply(0.6))
                        .style(LineStyle::dashed_loose())
                        .width(1.0),
                );
            }
        }
        if !g.reads.is_empty() {
            let pts: Vec<[f64; 2]> = g.reads.iter().map(|r| [ms(r.t), r.end as f64]).collect();
            p.points(
                Points::new(i18n::V_RECV_RETURNED_UP_TO.get(lang), pts)
                    .shape(MarkerShape::Diamond)
                    .radius(6.0)
                    .color(text),
            );
        }
        if let Some(now) = ctx.now {
            p.vline(
                VLine::new(i18n::V_NOW.get(lang), ms(now))
                    .color(Color32::from_rgb(0xE0, 0x30, 0x30))
                    .width(2.0),
            );
        }
    });
    // Click targets (and accessibility names) on the beams, and on the time cursor.
    let tf = resp.transform;
    let mut clicked = None;
    if g.beams.len() <= MAX_TARGETS {
        for (k, b) in g.beams.iter().enumerate() {
            let top = tf.position_from_point(&PlotPoint::new(ms(b.t), b.end as f64));
            let bot = tf.position_from_point(&PlotPoint::new(ms(b.t), b.start as f64));
            let r = Rect::from_min_max(
                pos2(top.x - 5.0, top.y.min(bot.y) - 2.0),
                pos2(top.x + 5.0, top.y.max(bot.y) + 2.0),
            );
            if !resp.response.rect.intersects(r) {
                continue;
            }
            let r = r.intersect(resp.response.rect);
            let id = ui.scope_id().with(("beam", ctx.world, dir.index(), k));
            let br = ui.interact(r, id, Sense::click());
            let label = format!(
                "{} segment offsets {}–{} at {:.3} ms",
                ctx.world,
                b.start,
                b.end,
                ms(b.t)
            );
            br.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Button, true, &label));
            if br.clicked() {
                clicked = Some(b.event);
            }
        }
    }
    if let Some(now) = ctx.now {
        let x = tf.position_from_point(&PlotPoint::new(ms(now), 0.0)).x;
        let rect = resp.response.rect;
        if (rect.left()..=rect.right()).contains(&x) {
            let r = Rect::from_min_size(pos2(x - 3.0, rect.top()), vec2(6.0, rect.height()));
            let nr = ui.interact(
                r,
                ui.scope_id().with(("graph-now", ctx.world)),
                Sense::hover(),
            );
            let t = format!("{} graph now t = {:.3} ms", ctx.world, ms(now));
            nr.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Label, true, &t));
        }
    }
    clicked
}

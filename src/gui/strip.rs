//! "Follow stream" with three sets of boundaries: one row per direction, the bytes drawn
//! once (coloured by message), with the messages as sent above them and the segments
//! (as on the wire) and the recv() results (as read) below. Where the boundaries
//! disagree is 粘包 (a read over two messages, outlined) and 拆包 (a message over two
//! reads).

use egui::{Align2, Color32, FontId, Rect, Sense, Stroke, StrokeKind, pos2, vec2};

use super::i18n;
use super::palette;
use super::views::ViewCtx;
use crate::trace::Dir;
use crate::views::{Piece, Strip};

/// Bytes drawn per direction; the rest is summarised.
const MAX_SHOWN: usize = 4096;
const TRACK: f32 = 22.0;
const CELL_H: f32 = 30.0;

fn cell_text(b: u8, hex: bool) -> String {
    if hex {
        format!("{b:02x}")
    } else if b.is_ascii_graphic() {
        (b as char).to_string()
    } else if b == b' ' {
        " ".to_string()
    } else if b == b'\n' {
        "¶".to_string()
    } else {
        "·".to_string()
    }
}

/// Draws both directions; returns the event of a clicked segment or read.
pub fn show(
    ui: &mut egui::Ui,
    strips: &[Strip; 2],
    ctx: &ViewCtx,
    hex: &mut bool,
) -> Option<usize> {
    let lang = ctx.lang;
    ui.horizontal_wrapped(|ui| {
        ui.selectable_value(hex, false, i18n::V_TEXT.get(lang));
        ui.selectable_value(hex, true, i18n::V_HEX.get(lang));
        ui.label(egui::RichText::new(i18n::V_STRIP_LEGEND.get(lang)).weak());
    });
    let mut clicked = None;
    egui::ScrollArea::vertical()
        .id_salt(("strip", ctx.world))
        .auto_shrink([false, false])
        .show(ui, |ui| {
            for dir in Dir::BOTH {
                let s = &strips[dir.index()];
                let title = match dir {
                    Dir::ClientToServer => i18n::C2S.get(lang),
                    Dir::ServerToClient => i18n::S2C.get(lang),
                };
                let sticky = s.sticky_reads().len();
                let split = s.split_messages().len();
                ui.label(
                    egui::RichText::new(format!(
                        "{title}: {} B, {} {}, {} {}, {} {} · {sticky} {} · {split} {}",
                        s.data.len(),
                        s.messages.len(),
                        i18n::V_MESSAGES.get(lang),
                        s.segments.len(),
                        i18n::V_SEGMENTS.get(lang),
                        s.reads.len(),
                        i18n::V_READS.get(lang),
                        i18n::V_STICKY_READS.get(lang),
                        i18n::V_SPLIT_MESSAGES.get(lang),
                    ))
                    .size(16.0)
                    .strong(),
                );
                if s.data.is_empty() {
                    ui.label(i18n::V_NO_BYTES.get(lang));
                    continue;
                }
                if let Some(e) = draw_dir(ui, s, dir, ctx, *hex) {
                    clicked = Some(e);
                }
                ui.add_space(14.0);
            }
        });
    clicked
}

fn draw_dir(ui: &mut egui::Ui, s: &Strip, dir: Dir, ctx: &ViewCtx, hex: bool) -> Option<usize> {
    let lang = ctx.lang;
    let shown = s.data.len().min(MAX_SHOWN);
    let font = FontId::monospace(if hex { 16.0 } else { 21.0 });
    let cell_w = if hex { 28.0 } else { 19.0 };
    let width = ui.available_width().max(200.0);
    let per_line = ((width / cell_w).floor() as usize).max(8);
    let lines = shown.div_ceil(per_line);
    let line_h = TRACK + CELL_H + 2.0 * TRACK + 10.0;
    let (rect, _) = ui.allocate_exact_size(vec2(width, lines as f32 * line_h), Sense::hover());
    let painter = ui.painter_at(rect);
    let vis = ui.visuals().clone();
    let text = vis.text_color();
    let weak = vis.weak_text_color();
    let sticky = s.sticky_reads();
    let small = FontId::proportional(14.0);
    let mut clicked = None;
    for line in 0..lines {
        let a = (line * per_line) as u64;
        let b = ((line + 1) * per_line).min(shown) as u64;
        let top = rect.top() + line as f32 * line_h;
        let x_of = |off: u64| rect.left() + (off - a) as f32 * cell_w;
        let bytes_top = top + TRACK;
        // Bytes, coloured by message (headers darker).
        for off in a..b {
            let byte = s.data[off as usize];
            let cell = Rect::from_min_size(pos2(x_of(off), bytes_top), vec2(cell_w, CELL_H));
            let bg = s.message_at(off).map(|m| {
                if off < m.body {
                    palette::header(m.id)
                } else {
                    palette::message(m.id)
                }
            });
            if let Some(bg) = bg {
                painter.rect_filled(cell.shrink(0.5), 0.0, bg);
            }
            let fg = bg.map_or(text, palette::text_on);
            painter.text(
                cell.center(),
                Align2::CENTER_CENTER,
                cell_text(byte, hex),
                font.clone(),
                fg,
            );
        }
        // Track 1 (above): messages as sent.
        for m in &s.messages {
            bar(
                &painter,
                (m.start, m.end),
                (a, b),
                &x_of,
                top,
                palette::message(m.id),
                &format!("#{}", m.id),
                &small,
                text,
            );
        }
        // Tracks 2 and 3 (below): segments, then reads.
        let seg_top = bytes_top + CELL_H + 2.0;
        let read_top = seg_top + TRACK;
        let pieces = [
            (&s.segments, seg_top, i18n::V_SEG.get(lang)),
            (&s.reads, read_top, "recv"),
        ];
        for (track, (list, y, name)) in pieces.into_iter().enumerate() {
            for (k, p) in list.iter().enumerate() {
                let Some(r) = piece_rect(p, (a, b), &x_of, y) else {
                    continue;
                };
                let is_sticky = track == 1 && sticky.contains(&k);
                let selected = ctx.selected == Some(p.event);
                let fill = if selected {
                    vis.selection.bg_fill
                } else if k % 2 == 0 {
                    vis.widgets.inactive.bg_fill
                } else {
                    vis.widgets.noninteractive.bg_fill
                };
                painter.rect_filled(r, 2.0, fill);
                let outline = if is_sticky {
                    Stroke::new(2.5, palette::BROKEN)
                } else {
                    Stroke::new(1.0, weak)
                };
                painter.rect_stroke(r, 2.0, outline, StrokeKind::Inside);
                let label = format!("{name} {}", k + 1);
                if r.width() > 34.0 {
                    painter.text(
                        r.center(),
                        Align2::CENTER_CENTER,
                        &label,
                        small.clone(),
                        text,
                    );
                }
                let id = ui
                    .scope_id()
                    .with(("piece", ctx.world, dir.index(), track, k, line));
                let resp = ui.interact(r, id, Sense::click());
                let what = if is_sticky {
                    " (sticky: two or more messages)"
                } else {
                    ""
                };
                let full = format!(
                    "{} {} {label}: offsets {}–{}{what}",
                    ctx.world,
                    dir.name(),
                    p.start,
                    p.end
                );
                resp.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Button, true, &full));
                if resp.on_hover_text(&full).clicked() {
                    clicked = Some(p.event);
                }
            }
        }
    }
    if s.data.len() > shown || s.cut {
        ui.label(
            egui::RichText::new(format!(
                "{} {shown} B {} {} B",
                i18n::V_SHOWING_THE_FIRST.get(lang),
                i18n::V_OF.get(lang),
                s.data.len()
            ))
            .color(Color32::GRAY),
        );
    }
    clicked
}

fn piece_rect(p: &Piece, (a, b): (u64, u64), x_of: &impl Fn(u64) -> f32, y: f32) -> Option<Rect> {
    let (s, e) = (p.start.max(a), p.end.min(b));
    (s < e).then(|| {
        Rect::from_min_max(
            pos2(x_of(s) + 1.0, y + 1.0),
            pos2(x_of(e) - 1.0, y + TRACK - 2.0),
        )
    })
}

#[allow(clippy::too_many_arguments)]
fn bar(
    painter: &egui::Painter,
    (s, e): (u64, u64),
    (a, b): (u64, u64),
    x_of: &impl Fn(u64) -> f32,
    top: f32,
    colour: Color32,
    label: &str,
    font: &FontId,
    text: Color32,
) {
    let (s2, e2) = (s.max(a), e.min(b));
    if s2 >= e2 {
        return;
    }
    let r = Rect::from_min_max(
        pos2(x_of(s2) + 1.0, top + 3.0),
        pos2(x_of(e2) - 1.0, top + TRACK - 3.0),
    );
    painter.rect_filled(r, 3.0, colour.gamma_multiply(0.45));
    // A boundary tick where the message really starts / ends.
    if s >= a {
        painter.line_segment(
            [pos2(x_of(s), top), pos2(x_of(s), top + TRACK + CELL_H)],
            Stroke::new(2.0, colour),
        );
    }
    if r.width() > 24.0 {
        painter.text(
            r.left_center() + vec2(4.0, 0.0),
            Align2::LEFT_CENTER,
            label,
            font.clone(),
            text,
        );
    }
}

//! Drawing bytes coloured by the message they belong to.

use egui::{Color32, FontId, Painter, Pos2, Rect, Stroke, pos2, vec2};

use super::palette;
use crate::trace::{Chunk, Part, escape_bytes};

/// The text a span shows: header bytes in hex, body bytes as escaped text.
fn span_text(chunk: &Chunk, span: &crate::trace::Span) -> String {
    let a = (span.start.saturating_sub(chunk.offset) as usize).min(chunk.data.len());
    let b = (span.end.saturating_sub(chunk.offset) as usize).clamp(a, chunk.data.len());
    match span.part {
        Part::Header => hex(&chunk.data[a..b]),
        Part::Body => escape_bytes(&chunk.data[a..b]),
    }
}

/// The width header bytes need to show whole (`05 00 00 00`), in `font`.
pub fn headers_width(painter: &Painter, chunk: &Chunk, font: &FontId) -> f32 {
    chunk
        .spans
        .iter()
        .filter(|s| s.part == Part::Header)
        .map(|s| text_width(painter, &span_text(chunk, s), font) + 6.0)
        .sum()
}

fn text_width(painter: &Painter, text: &str, font: &FontId) -> f32 {
    painter
        .layout_no_wrap(text.to_string(), font.clone(), Color32::WHITE)
        .size()
        .x
}

/// Draws `chunk` into `rect`: one coloured run per span, widths proportional to bytes
/// (at least a few pixels each, so a 4-byte header next to 1000 body bytes stays
/// visible), header bytes darker and hatched and wide enough for their hex when the
/// rect allows it, and the text of each run where it fits.
pub fn strip(painter: &Painter, rect: Rect, chunk: &Chunk, font: &FontId) {
    if chunk.spans.is_empty() {
        painter.rect_filled(rect, 2.0, Color32::GRAY);
        return;
    }
    let total = chunk.data.len().max(1) as f32;
    let min_w = 6.0f32.min(rect.width() / chunk.spans.len() as f32);
    // Headers get the width their hex needs when the whole of them fits in half the
    // strip; the bodies share the rest in proportion.
    let headers = headers_width(painter, chunk, font);
    let whole_headers = headers <= rect.width() * 0.6;
    let mut widths: Vec<f32> = chunk
        .spans
        .iter()
        .map(|s| {
            let prop = (s.end - s.start) as f32 / total * rect.width();
            if whole_headers && s.part == Part::Header {
                prop.max(text_width(painter, &span_text(chunk, s), font) + 6.0)
            } else {
                prop.max(min_w)
            }
        })
        .collect();
    let fixed: f32 = if whole_headers {
        chunk
            .spans
            .iter()
            .zip(&widths)
            .filter(|(s, _)| s.part == Part::Header)
            .map(|(_, w)| w)
            .sum()
    } else {
        0.0
    };
    let flexible: f32 = widths.iter().sum::<f32>() - fixed;
    let room = (rect.width() - fixed).max(0.0);
    for (s, w) in chunk.spans.iter().zip(&mut widths) {
        if !(whole_headers && s.part == Part::Header) && flexible > 0.0 {
            *w *= room / flexible;
        }
    }
    let mut x = rect.left();
    for (span, w) in chunk.spans.iter().zip(widths) {
        let r = Rect::from_min_size(pos2(x, rect.top()), vec2(w, rect.height()));
        let (bg, header) = match span.part {
            Part::Header => (palette::header(span.msg), true),
            Part::Body => (palette::message(span.msg), false),
        };
        painter.rect_filled(r, 1.0, bg);
        if header {
            hatch(painter, r, palette::message(span.msg));
        }
        let clip = painter.with_clip_rect(r.shrink(1.0).intersect(painter.clip_rect()));
        clip.text(
            pos2(r.left() + 2.0, r.center().y),
            egui::Align2::LEFT_CENTER,
            span_text(chunk, span),
            font.clone(),
            palette::text_on(bg),
        );
        x += w;
    }
    painter.rect_stroke(
        rect,
        1.0,
        Stroke::new(1.0, Color32::from_gray(40)),
        egui::StrokeKind::Inside,
    );
}

/// The bytes `from..to` of a chunk (stream offsets), with their spans cut to match.
pub fn slice(c: &Chunk, from: u64, to: u64) -> Chunk {
    let end = c.offset + c.data.len() as u64;
    let (from, to) = (from.clamp(c.offset, end), to.clamp(c.offset, end));
    let to = to.max(from);
    Chunk {
        dir: c.dir,
        offset: from,
        data: c.data[(from - c.offset) as usize..(to - c.offset) as usize].to_vec(),
        spans: c
            .spans
            .iter()
            .filter(|s| s.start < to && s.end > from)
            .map(|s| crate::trace::Span {
                start: s.start.max(from),
                end: s.end.min(to),
                ..*s
            })
            .collect(),
    }
}

fn hatch(painter: &Painter, r: Rect, color: Color32) {
    let clip = painter.with_clip_rect(r);
    let step = 6.0;
    let mut x = r.left() - r.height();
    while x < r.right() {
        clip.line_segment(
            [Pos2::new(x, r.bottom()), Pos2::new(x + r.height(), r.top())],
            Stroke::new(1.0, color.gamma_multiply(0.6)),
        );
        x += step;
    }
}

/// `05 00 00 00`
pub fn hex(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The drawn width of `bytes` bytes in a buffer strip `width` wide holding `capacity`:
/// proportional, but a few bytes in a big buffer still show (about 22 px a byte, room for its hex, up to
/// 60 % of the strip).
fn fill_width(bytes: usize, capacity: u32, width: f32) -> f32 {
    let frac = (bytes as f32 / capacity.max(1) as f32).clamp(0.0, 1.0);
    (width * frac).max((bytes as f32 * 22.0).min(width * 0.6))
}

/// A buffer drawn as a strip against its capacity: the filled part coloured by message.
pub fn buffer(painter: &Painter, rect: Rect, chunk: Option<&Chunk>, capacity: u32, font: &FontId) {
    painter.rect_filled(rect, 2.0, Color32::from_gray(90).gamma_multiply(0.35));
    if let Some(c) = chunk {
        let w = fill_width(c.data.len(), capacity, rect.width());
        strip(
            painter,
            Rect::from_min_size(rect.min, vec2(w, rect.height())),
            c,
            font,
        );
    }
}

/// A send buffer: the bytes in flight (sent, not yet acknowledged) solid, then the bytes
/// not yet sent faded behind a dashed outline (`held` marks them held back). Returns the
/// rects of the two parts.
pub fn send_buffer(
    painter: &Painter,
    rect: Rect,
    chunk: Option<&Chunk>,
    unsent: u64,
    capacity: u32,
    font: &FontId,
) -> (Option<Rect>, Option<Rect>) {
    painter.rect_filled(rect, 2.0, Color32::from_gray(90).gamma_multiply(0.35));
    let Some(c) = chunk else {
        return (None, None);
    };
    let end = c.offset + c.data.len() as u64;
    let split = end - unsent.min(c.data.len() as u64);
    let w = fill_width(c.data.len(), capacity, rect.width());
    let sent_w = w * (split - c.offset) as f32 / c.data.len().max(1) as f32;
    let mut parts = (None, None);
    if split > c.offset {
        let r = Rect::from_min_size(rect.min, vec2(sent_w, rect.height()));
        strip(painter, r, &slice(c, c.offset, split), font);
        parts.0 = Some(r);
    }
    if split < end {
        let r = Rect::from_min_max(
            pos2(rect.left() + sent_w + 2.0, rect.top()),
            pos2(rect.left() + w.max(sent_w + 8.0), rect.bottom()),
        );
        let faded = painter.with_clip_rect(r.intersect(painter.clip_rect()));
        strip(&faded, r, &slice(c, split, end), font);
        painter.rect_filled(r, 1.0, Color32::from_black_alpha(110));
        let dash = Stroke::new(1.5, Color32::from_gray(220));
        let pts = [
            r.left_top(),
            r.right_top(),
            r.right_bottom(),
            r.left_bottom(),
            r.left_top(),
        ];
        painter.extend(egui::Shape::dashed_line(&pts, dash, 4.0, 3.0));
        parts.1 = Some(r);
    }
    parts
}

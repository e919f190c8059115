//! Drawing bytes coloured by the message they belong to.

use egui::{Color32, FontId, Painter, Pos2, Rect, Stroke, pos2, vec2};

use super::palette;
use crate::trace::{Chunk, Part, escape_bytes};

/// Draws `chunk` into `rect`: one coloured run per span, widths proportional to bytes
/// (at least a few pixels each, so a 4-byte header next to 1000 body bytes stays
/// visible), header bytes darker and hatched, and the text of each run where it fits.
pub fn strip(painter: &Painter, rect: Rect, chunk: &Chunk, font: &FontId) {
    let total = chunk.data.len().max(1) as f32;
    let min_w = 6.0f32.min(rect.width() / chunk.spans.len().max(1) as f32);
    // Widths: proportional, then lifted to the minimum and rescaled to fit.
    let mut widths: Vec<f32> = chunk
        .spans
        .iter()
        .map(|s| ((s.end - s.start) as f32 / total * rect.width()).max(min_w))
        .collect();
    let sum: f32 = widths.iter().sum();
    if sum > 0.0 {
        for w in &mut widths {
            *w *= rect.width() / sum;
        }
    }
    if chunk.spans.is_empty() {
        painter.rect_filled(rect, 2.0, Color32::GRAY);
        return;
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
        let a = (span.start - chunk.offset) as usize;
        let b = (span.end - chunk.offset) as usize;
        let text = if header {
            hex(&chunk.data[a..b])
        } else {
            escape_bytes(&chunk.data[a..b])
        };
        let clip = painter.with_clip_rect(r.shrink(1.0));
        clip.text(
            pos2(r.left() + 2.0, r.center().y),
            egui::Align2::LEFT_CENTER,
            text,
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

/// A buffer drawn as a strip against its capacity: the filled part coloured by message.
pub fn buffer(painter: &Painter, rect: Rect, chunk: Option<&Chunk>, capacity: u32, font: &FontId) {
    painter.rect_filled(rect, 2.0, Color32::from_gray(90).gamma_multiply(0.35));
    if let Some(c) = chunk {
        let frac = (c.data.len() as f32 / capacity.max(1) as f32).clamp(0.0, 1.0);
        // A few bytes in a big buffer still show: about 10 px a byte, up to 60% of it.
        let w = (rect.width() * frac).max((c.data.len() as f32 * 10.0).min(rect.width() * 0.6));
        strip(
            painter,
            Rect::from_min_size(rect.min, vec2(w, rect.height())),
            c,
            font,
        );
    }
}

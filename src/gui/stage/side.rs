//! One host on the stage: its program, its state, its timers and its buffers.

use egui::{Align2, Color32, FontId, Rect, Stroke, StrokeKind, pos2, vec2};

use super::{Standing, Timer, action_text};
use crate::gui::{StickyApp, bytes, i18n, palette};
use crate::model::SideState;
use crate::scenario::Step;
use crate::trace::Micros;

/// One host: its program, its state, its timers and its buffers.
pub(super) struct SideBox<'a> {
    pub(super) title: &'a str,
    pub(super) steps: &'a [Step],
    pub(super) state: &'a SideState,
    pub(super) standing: Standing,
    /// A Nagle hold and the delayed-ACK timer, when they run.
    pub(super) timers: [Option<Timer>; 2],
    pub(super) now: Micros,
}

impl SideBox<'_> {
    /// Draws into `r`; returns the rects of the send and the receive buffer.
    pub(super) fn draw(
        &self,
        painter: &egui::Painter,
        r: Rect,
        app: &StickyApp,
        font: &FontId,
        visuals: &egui::Visuals,
    ) -> [Option<Rect>; 2] {
        let lang = app.lang();
        let state = self.state;
        painter.rect_stroke(
            r,
            6.0,
            Stroke::new(1.5, visuals.weak_text_color()),
            StrokeKind::Inside,
        );
        let inner = r.shrink(8.0);
        let title = painter.text(
            inner.left_top(),
            Align2::LEFT_TOP,
            self.title,
            FontId::proportional(17.0),
            visuals.strong_text_color(),
        );
        let status_color = match self.standing {
            Standing::Crashed => palette::BROKEN,
            Standing::Finished => visuals.weak_text_color(),
            _ => visuals.text_color(),
        };
        // The status, cut with … to the room after the title.
        let mut job = egui::text::LayoutJob::simple_singleline(
            self.standing.text(lang).to_string(),
            FontId::proportional(12.0),
            status_color,
        );
        job.wrap = egui::text::TextWrapping::truncate_at_width(
            (inner.right() - title.right() - 8.0).max(0.0),
        );
        let g = painter.layout_job(job);
        painter.galley(
            pos2(inner.right() - g.size().x, inner.top() + 2.0),
            g,
            status_color,
        );
        let tcp = app.playback.params.transport == crate::params::Transport::Tcp;
        // Bottom up: receive buffer, send buffer (TCP), each under its label line; the
        // program listing takes what is left.
        let buf_h = 18.0;
        // A buffer's label sits above it when the box is tall, else on the strip itself.
        let label_h = 13.0;
        // Under each buffer a row for its timer bar (a Nagle hold, the delayed ACK).
        let bar_h = if tcp { 14.0 } else { 0.0 };
        let recv_y = inner.bottom() - buf_h - bar_h;
        let send_y = recv_y - label_h - 2.0 - buf_h - bar_h;
        let listing_bottom = if tcp {
            send_y - label_h - 2.0
        } else {
            recv_y - label_h - 2.0
        };
        let label_at = |y: f32, text: String| {
            painter.with_clip_rect(inner).text(
                pos2(inner.left(), y - 1.0),
                Align2::LEFT_BOTTOM,
                text,
                FontId::proportional(11.0),
                visuals.text_color(),
            );
        };
        self.listing(
            painter,
            Rect::from_min_max(
                pos2(inner.left(), inner.top() + 22.0),
                pos2(inner.right(), listing_bottom),
            ),
            font,
            visuals,
        );
        let mut send_rect = None;
        if tcp {
            let used = state
                .send_buffer
                .as_ref()
                .map_or(0, |c| c.data.len() as u64);
            let flying = used - state.unsent.min(used);
            let mut label = format!(
                "{} {used}/{} B",
                i18n::SEND_BUF.get(lang),
                state.send_capacity
            );
            if flying > 0 {
                label += &format!(" · {flying} {}", i18n::IN_FLIGHT.get(lang));
            }
            if state.unsent > 0 {
                let what = if state.held.is_some() {
                    i18n::HELD
                } else {
                    i18n::UNSENT
                };
                label += &format!(" · {} {}", state.unsent, what.get(lang));
            }
            let sr = Rect::from_min_size(pos2(inner.left(), send_y), vec2(inner.width(), buf_h));
            send_rect = Some(sr);
            let (_, unsent_rect) = bytes::send_buffer(
                painter,
                sr,
                state.send_buffer.as_ref(),
                state.unsent,
                state.send_capacity,
                font,
            );
            let _ = unsent_rect;
            label_at(send_y, label);
            if let Some(t) = self.timers[0] {
                let bar = Rect::from_min_size(
                    pos2(inner.left(), sr.bottom() + 1.0),
                    vec2(inner.width(), bar_h - 1.0),
                );
                timer_bar(
                    painter,
                    bar,
                    i18n::NAGLE_HOLD.get(lang),
                    t,
                    self.now,
                    palette::BROKEN,
                );
            }
        }
        let used = state.recv_buffer.as_ref().map_or(0, |c| c.data.len());
        let rr = Rect::from_min_size(pos2(inner.left(), recv_y), vec2(inner.width(), buf_h));
        bytes::buffer(
            painter,
            rr,
            state.recv_buffer.as_ref(),
            state.recv_capacity,
            font,
        );
        label_at(
            recv_y,
            format!(
                "{} {used}/{} B",
                i18n::RECV_BUF.get(lang),
                state.recv_capacity
            ),
        );
        if let Some(t) = self.timers[1].filter(|_| tcp) {
            let bar = Rect::from_min_size(
                pos2(inner.left(), rr.bottom() + 1.0),
                vec2(inner.width(), bar_h - 1.0),
            );
            timer_bar(
                painter,
                bar,
                i18n::DELACK_TIMER.get(lang),
                t,
                self.now,
                palette::TIMER,
            );
        }
        [send_rect, Some(rr)]
    }

    /// The whole program, scrolled so that the current line shows with one line of
    /// context above it; a finished program shows its last lines.
    fn listing(&self, painter: &egui::Painter, area: Rect, font: &FontId, visuals: &egui::Visuals) {
        let line_h = 16.0;
        // A stage squeezed to its floor has no room for a line: better none than half.
        if area.height() < line_h - 2.0 {
            return;
        }
        let fit = ((area.height() / line_h).floor() as usize).max(1);
        let n = self.steps.len();
        let line = self.state.line.min(n);
        let first = if n <= fit {
            0
        } else {
            line.saturating_sub(1).min(n - fit)
        };
        let done = matches!(self.standing, Standing::Finished | Standing::Crashed);
        let clip = painter.with_clip_rect(area.intersect(painter.clip_rect()));
        let mut y = area.top();
        for (i, step) in self.steps.iter().enumerate().skip(first).take(fit) {
            let current = i == line && !done;
            let row = Rect::from_min_size(pos2(area.left(), y), vec2(area.width(), line_h));
            if current {
                clip.rect_filled(row, 2.0, visuals.selection.bg_fill.gamma_multiply(0.6));
            }
            let color = if i < line {
                visuals.weak_text_color()
            } else {
                visuals.text_color()
            };
            let marker = if current { "▶ " } else { "  " };
            clip.text(
                row.left_center(),
                Align2::LEFT_CENTER,
                format!("{marker}{:>2} {}", i + 1, action_text(&step.action)),
                font.clone(),
                color,
            );
            y += line_h;
        }
        // Lines above or below the window.
        let more = |up: bool| if up { "▲" } else { "▼" };
        if first > 0 {
            clip.text(
                area.right_top(),
                Align2::RIGHT_TOP,
                more(true),
                font.clone(),
                visuals.weak_text_color(),
            );
        }
        if first + fit < n {
            clip.text(
                area.right_bottom(),
                Align2::RIGHT_BOTTOM,
                more(false),
                font.clone(),
                visuals.weak_text_color(),
            );
        }
        if self.steps.is_empty() {
            clip.text(
                area.left_top(),
                Align2::LEFT_TOP,
                "—",
                font.clone(),
                visuals.weak_text_color(),
            );
        }
    }
}

/// A bar that fills as a timer runs, with `what 12.0 / 40.0 ms` on it.
fn timer_bar(painter: &egui::Painter, r: Rect, what: &str, t: Timer, now: Micros, color: Color32) {
    painter.rect_filled(r, 2.0, color.gamma_multiply(0.25));
    let filled = Rect::from_min_size(r.min, vec2(r.width() * t.fill(now), r.height()));
    painter.rect_filled(filled, 2.0, color);
    let ms = |us: u64| us as f64 / 1000.0;
    let text = format!(
        "{what} {:.1} / {:.1} ms",
        ms(now
            .saturating_sub(t.start)
            .min(t.end.saturating_sub(t.start))),
        ms(t.end.saturating_sub(t.start))
    );
    let ink = if t.fill(now) > 0.5 {
        palette::text_on(color)
    } else {
        Color32::WHITE
    };
    painter
        .with_clip_rect(r.intersect(painter.clip_rect()))
        .text(
            pos2(r.left() + 4.0, r.center().y),
            Align2::LEFT_CENTER,
            text,
            FontId::proportional(11.0),
            ink,
        );
}

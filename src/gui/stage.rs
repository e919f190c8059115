//! The classroom view: client on the left, server on the right, each with its program,
//! send buffer and receive buffer; the wire between them with packets in flight.

use egui::{Align2, Color32, FontId, Rect, Sense, Stroke, StrokeKind, pos2, vec2};

use super::{Cmd, Selection, StickyApp, bytes, i18n};
use crate::model::{AppStatus, InFlight, SideState};
use crate::scenario::{Action, Step};
use crate::trace::{Dir, Side, escape_bytes};

const HEIGHT: f32 = 235.0;

/// `send_message("hello")`, `recv(1024)`: a program line as the class reads it.
pub fn action_text(a: &Action) -> String {
    let data = |d: &[u8]| {
        if d.len() <= 24 {
            format!("b\"{}\"", escape_bytes(d))
        } else {
            format!("<{} B>", d.len())
        }
    };
    match a {
        Action::Send(d) => format!("send({})", data(d)),
        Action::Sendall(d) => format!("sendall({})", data(d)),
        Action::SendMessage(d) => format!("send_message({})", data(d)),
        Action::Recv(n) => format!("recv({n})"),
        Action::RecvMessage(n) => format!("recv_message({n})"),
        Action::Sleep(ms) => format!("sleep({ms} ms)"),
        Action::SetTimeout(s) => format!("settimeout({s})"),
        Action::Close => "close()".to_string(),
    }
}

pub fn show(ui: &mut egui::Ui, app: &StickyApp, cmds: &mut Vec<Cmd>) {
    let lang = app.lang();
    let (resp, painter) = ui.allocate_painter(vec2(ui.available_width(), HEIGHT), Sense::hover());
    let rect = resp.rect;
    let w = rect.width();
    let left = Rect::from_min_max(rect.min, pos2(rect.left() + w * 0.3, rect.bottom()));
    let right = Rect::from_min_max(pos2(rect.right() - w * 0.3, rect.top()), rect.max);
    let wire = Rect::from_min_max(
        pos2(left.right() + 8.0, rect.top()),
        pos2(right.left() - 8.0, rect.bottom()),
    );
    let Some(sim) = app.playback.sim() else {
        let msg = app.playback.error.clone().unwrap_or_default();
        painter.text(
            rect.center(),
            Align2::CENTER_CENTER,
            msg,
            FontId::proportional(16.0),
            Color32::RED,
        );
        return;
    };
    let visuals = ui.visuals().clone();
    let font = FontId::monospace(12.0);
    let scenario = app.scenario();
    for (side, r, steps) in [
        (Side::Client, left, &scenario.client),
        (Side::Server, right, &scenario.server),
    ] {
        let state = sim.side_state(side);
        let title = match side {
            Side::Client => i18n::CLIENT.get(lang),
            Side::Server => i18n::SERVER.get(lang),
        };
        let rects = side_box(&painter, r, title, steps, &state, app, &font, &visuals);
        // Hovering a buffer names the messages its bytes belong to.
        for (rect, chunk, what) in [
            (rects[0], &state.send_buffer, "send"),
            (rects[1], &state.recv_buffer, "recv"),
        ] {
            if let (Some(rect), Some(chunk)) = (rect, chunk) {
                let id = ui.make_persistent_id(("buffer", side, what));
                ui.interact(rect, id, Sense::hover())
                    .on_hover_text(super::receiver::span_summary(chunk));
            }
        }
    }
    // The wire: two lanes.
    painter.text(
        pos2(wire.center().x, wire.top() + 4.0),
        Align2::CENTER_TOP,
        format!(
            "{}   t = {}",
            i18n::WIRE.get(lang),
            crate::timeline::ms(app.playback.now())
        ),
        FontId::proportional(15.0),
        visuals.strong_text_color(),
    );
    let lanes = [
        (Dir::ClientToServer, wire.top() + HEIGHT * 0.38),
        (Dir::ServerToClient, wire.top() + HEIGHT * 0.72),
    ];
    for (dir, y) in lanes {
        painter.hline(
            wire.x_range(),
            y,
            Stroke::new(1.0, visuals.weak_text_color()),
        );
        let (from, to) = match dir {
            Dir::ClientToServer => (wire.left(), wire.right()),
            Dir::ServerToClient => (wire.right(), wire.left()),
        };
        painter.arrow(
            pos2(from * 0.15 + to * 0.85, y),
            vec2((to - from) * 0.1, 0.0),
            Stroke::new(1.5, visuals.weak_text_color()),
        );
    }
    let now = app.playback.now();
    let mut last_x: [Option<f32>; 2] = [None, None];
    let mut stack = [0.0f32; 2];
    for pkt in sim.in_flight() {
        let d = pkt.dir.index();
        let progress = pkt.progress(now);
        let pw = 104.0f32.min(wire.width() / 3.0);
        let travel = wire.width() - pw;
        let x = match pkt.dir {
            Dir::ClientToServer => wire.left() + progress * travel,
            Dir::ServerToClient => wire.right() - pw - progress * travel,
        };
        // Packets waiting at the same spot stack up a little.
        stack[d] = if last_x[d].is_some_and(|lx| (lx - x).abs() < pw * 0.5) {
            stack[d] + 7.0
        } else {
            0.0
        };
        last_x[d] = Some(x);
        let y = lanes[d].1 - 12.0 - stack[d];
        let r = Rect::from_min_size(pos2(x, y), vec2(pw, 24.0));
        let id = ui.make_persistent_id(("pkt", d, pkt.hdr, pkt.arrives_us));
        let resp = ui.interact(r, id, Sense::click());
        let label = packet_label(&pkt);
        match &pkt.chunk {
            Some(c) => bytes::strip(&painter, r, c, &font),
            None => {
                painter.rect_filled(r, 3.0, visuals.widgets.inactive.bg_fill);
            }
        }
        let selected = app.selection == Some(Selection::Packet(pkt.dir, pkt.hdr.seq, pkt.datagram));
        let stroke = if selected || resp.hovered() {
            Stroke::new(2.0, visuals.selection.stroke.color)
        } else {
            Stroke::new(1.0, visuals.weak_text_color())
        };
        painter.rect_stroke(r, 3.0, stroke, StrokeKind::Outside);
        painter.text(
            pos2(r.center().x, r.bottom() + 2.0),
            Align2::CENTER_TOP,
            &label,
            FontId::proportional(11.0),
            visuals.text_color(),
        );
        resp.widget_info(|| {
            egui::WidgetInfo::labeled(egui::Role::Button, true, format!("packet {label}"))
        });
        if resp.clicked() {
            cmds.push(Cmd::Select(Some(Selection::Packet(
                pkt.dir,
                pkt.hdr.seq,
                pkt.datagram,
            ))));
        }
    }
}

pub fn packet_label(p: &InFlight) -> String {
    let h = &p.hdr;
    if p.datagram {
        format!("datagram {} B", h.len)
    } else if p.rst {
        format!("RST seq={}", h.seq)
    } else if h.fin {
        format!("FIN seq={}", h.seq)
    } else if h.len == 0 {
        format!("ACK {} win={}", h.ack, h.win)
    } else {
        format!("seq={} len={} ack={}", h.seq, h.len, h.ack)
    }
}

#[allow(clippy::too_many_arguments)]
fn side_box(
    painter: &egui::Painter,
    r: Rect,
    title: &str,
    steps: &[Step],
    state: &SideState,
    app: &StickyApp,
    font: &FontId,
    visuals: &egui::Visuals,
) -> [Option<Rect>; 2] {
    let lang = app.lang();
    painter.rect_stroke(
        r,
        6.0,
        Stroke::new(1.5, visuals.weak_text_color()),
        StrokeKind::Inside,
    );
    let inner = r.shrink(8.0);
    let status = match state.status {
        AppStatus::Running => i18n::RUNNING.get(lang),
        AppStatus::BlockedRecv => i18n::BLOCKED_RECV.get(lang),
        AppStatus::BlockedSend => i18n::BLOCKED_SEND.get(lang),
        AppStatus::Sleeping => i18n::SLEEPING.get(lang),
        AppStatus::Done => i18n::DONE.get(lang),
    };
    painter.text(
        inner.left_top(),
        Align2::LEFT_TOP,
        title,
        FontId::proportional(17.0),
        visuals.strong_text_color(),
    );
    painter.text(
        inner.right_top(),
        Align2::RIGHT_TOP,
        status,
        FontId::proportional(12.0),
        visuals.text_color(),
    );
    // The program: a window of lines around the current one.
    let line_h = 17.0;
    let first = state.line.saturating_sub(2);
    let mut y = inner.top() + 26.0;
    for (i, step) in steps.iter().enumerate().skip(first).take(5) {
        let current = i == state.line && state.status != AppStatus::Done;
        let row = Rect::from_min_size(pos2(inner.left(), y), vec2(inner.width(), line_h));
        if current {
            painter.rect_filled(row, 2.0, visuals.selection.bg_fill.gamma_multiply(0.6));
        }
        let color = if i < state.line {
            visuals.weak_text_color()
        } else {
            visuals.text_color()
        };
        let marker = if current { "▶ " } else { "  " };
        painter.with_clip_rect(row).text(
            row.left_center(),
            Align2::LEFT_CENTER,
            format!("{marker}{}", action_text(&step.action)),
            font.clone(),
            color,
        );
        y += line_h;
    }
    if steps.is_empty() {
        painter.text(
            pos2(inner.left(), y),
            Align2::LEFT_TOP,
            "—",
            font.clone(),
            visuals.weak_text_color(),
        );
    }
    // The buffers.
    let buf_h = 22.0;
    let send_y = inner.bottom() - 2.0 * buf_h - 30.0;
    let recv_y = inner.bottom() - buf_h;
    let tcp = app.playback.params.transport == crate::params::Transport::Tcp;
    let mut send_rect = None;
    if tcp {
        let used = state.send_buffer.as_ref().map_or(0, |c| c.data.len());
        let label = format!(
            "{} {used}/{} B",
            i18n::SEND_BUF.get(lang),
            state.send_capacity
        );
        let held = state
            .held
            .as_ref()
            .map(|_| format!("  ({})", i18n::HELD.get(lang)))
            .unwrap_or_default();
        painter.text(
            pos2(inner.left(), send_y - 2.0),
            Align2::LEFT_BOTTOM,
            format!("{label}{held}"),
            FontId::proportional(12.0),
            visuals.text_color(),
        );
        let sr = Rect::from_min_size(pos2(inner.left(), send_y), vec2(inner.width(), buf_h));
        send_rect = Some(sr);
        bytes::buffer(
            painter,
            sr,
            state.send_buffer.as_ref(),
            state.send_capacity,
            font,
        );
    }
    let used = state.recv_buffer.as_ref().map_or(0, |c| c.data.len());
    painter.text(
        pos2(inner.left(), recv_y - 2.0),
        Align2::LEFT_BOTTOM,
        format!(
            "{} {used}/{} B",
            i18n::RECV_BUF.get(lang),
            state.recv_capacity
        ),
        FontId::proportional(12.0),
        visuals.text_color(),
    );
    let rr = Rect::from_min_size(pos2(inner.left(), recv_y), vec2(inner.width(), buf_h));
    bytes::buffer(
        painter,
        rr,
        state.recv_buffer.as_ref(),
        state.recv_capacity,
        font,
    );
    [send_rect, Some(rr)]
}

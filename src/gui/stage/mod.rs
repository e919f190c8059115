//! The classroom view: client on the left, server on the right, each with its program,
//! send buffer and receive buffer; the wire between them with packets in flight.

use egui::{Align2, Color32, FontId, Rect, Sense, Stroke, StrokeKind, pos2, vec2};

use super::{Cmd, Selection, StickyApp, bytes, i18n};
use crate::model::{AppStatus, InFlight, SideState};
use crate::trace::{Dir, EventKind, Micros, Side};

pub use crate::timeline::action_text;

mod side;
use side::SideBox;

/// The least height the stage takes; it grows with the window beyond that.
pub const MIN_HEIGHT: f32 = 150.0;
/// The least it gives way to in a short window, so that the recv() results below keep
/// their newest chips: the hosts' boxes then show their buffers but no program listing.
pub const FLOOR_HEIGHT: f32 = 132.0;

/// How a program stands, as the stage labels it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Standing {
    Running,
    BlockedRecv,
    BlockedSend,
    Sleeping,
    Finished,
    /// Stopped by an exception: a decoder error or a network error.
    Crashed,
}

impl Standing {
    pub fn text(self, lang: crate::scenario::Lang) -> &'static str {
        match self {
            Standing::Running => i18n::RUNNING.get(lang),
            Standing::BlockedRecv => i18n::BLOCKED_RECV.get(lang),
            Standing::BlockedSend => i18n::BLOCKED_SEND.get(lang),
            Standing::Sleeping => i18n::SLEEPING.get(lang),
            Standing::Finished => i18n::DONE.get(lang),
            Standing::Crashed => i18n::CRASHED.get(lang),
        }
    }
}

/// The program's standing after the first `shown` events of `trace`.
pub fn standing(
    state: &SideState,
    trace: &crate::trace::Trace,
    shown: usize,
    side: Side,
) -> Standing {
    let crashed = trace.events[..shown.min(trace.events.len())]
        .iter()
        .any(|e| {
            e.side == side
                && matches!(
                    e.kind,
                    EventKind::DecodeError { .. }
                        | EventKind::NetError { .. }
                        | EventKind::Exception { .. }
                )
        });
    if crashed {
        return Standing::Crashed;
    }
    match state.status {
        AppStatus::Running => Standing::Running,
        AppStatus::BlockedRecv => Standing::BlockedRecv,
        AppStatus::BlockedSend => Standing::BlockedSend,
        AppStatus::Sleeping => Standing::Sleeping,
        AppStatus::Done => Standing::Finished,
    }
}

/// A timer that runs now, as a bar that fills: from `start` to `end`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Timer {
    pub start: Micros,
    pub end: Micros,
}

impl Timer {
    pub fn fill(&self, t: Micros) -> f32 {
        let span = self.end.saturating_sub(self.start).max(1);
        (t.saturating_sub(self.start) as f32 / span as f32).clamp(0.0, 1.0)
    }
}

/// The Nagle hold at `side` that runs at step `shown`: from its start to its release.
pub fn nagle_timer(
    trace: &crate::trace::Trace,
    shown: usize,
    side: Side,
    held: Option<&crate::model::Held>,
) -> Option<Timer> {
    let h = held?;
    let end = trace.events[shown.min(trace.events.len())..]
        .iter()
        .find(|e| e.side == side && matches!(e.kind, EventKind::NagleRelease { .. }))
        .map_or(trace.events.last().map_or(h.since_us, |e| e.t_us), |e| {
            e.t_us
        });
    Some(Timer {
        start: h.since_us,
        end,
    })
}

/// The delayed-ACK timer of `side` running after the first `shown` events.
pub fn delack_timer(trace: &crate::trace::Trace, shown: usize, side: Side) -> Option<Timer> {
    let mut timer = None;
    for e in trace.events[..shown.min(trace.events.len())]
        .iter()
        .filter(|e| e.side == side)
    {
        match e.kind {
            EventKind::DelayedAckStart { deadline_us } => {
                timer = Some(Timer {
                    start: e.t_us,
                    end: deadline_us,
                })
            }
            EventKind::DelayedAckFire | EventKind::AckTx { .. } => timer = None,
            EventKind::SegmentTx(h) if h.len > 0 || h.fin => timer = None,
            _ => {}
        }
    }
    timer
}

/// The stage fills the rest of `ui`: the hosts at the sides, the wire between them.
pub fn show(ui: &mut egui::Ui, app: &StickyApp, cmds: &mut Vec<Cmd>) {
    let lang = app.lang();
    let height = ui.available_height().max(60.0);
    let (resp, painter) = ui.allocate_painter(vec2(ui.available_width(), height), Sense::hover());
    resp.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Group, true, "stage"));
    let rect = resp.rect;
    let w = rect.width();
    let side_w = (w * 0.3).clamp(150.0, 420.0);
    let left = Rect::from_min_max(rect.min, pos2(rect.left() + side_w, rect.bottom()));
    let right = Rect::from_min_max(pos2(rect.right() - side_w, rect.top()), rect.max);
    let wire = Rect::from_min_max(
        pos2(left.right() + 8.0, rect.top()),
        pos2(right.left() - 8.0, rect.bottom()),
    );
    let Some(sim) = app.playback.sim() else {
        let msg = app
            .playback
            .error
            .as_ref()
            .map(|e| e.text(app.lang()))
            .unwrap_or_default();
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
    let now = app.view_time();
    let shown = app.playback.events_shown();
    for (side, r, steps) in [
        (Side::Client, left, &scenario.client),
        (Side::Server, right, &scenario.server),
    ] {
        let state = sim.side_state(side);
        let title = match side {
            Side::Client => i18n::CLIENT.get(lang),
            Side::Server => i18n::SERVER.get(lang),
        };
        let standing = standing(&state, &app.playback.trace, shown, side);
        let timers = [
            nagle_timer(&app.playback.trace, shown, side, state.held.as_ref()),
            delack_timer(&app.playback.trace, shown, side),
        ];
        let boxed = SideBox {
            title,
            steps,
            state: &state,
            standing,
            timers,
            now,
        };
        let rects = boxed.draw(&painter, r, app, &font, &visuals);
        let held = state.held.map(|h| i18n::held_reason(&h, lang));
        // Hovering a buffer names the messages its bytes belong to (and why held).
        for (rect, chunk, what, why) in [
            (rects[0], &state.send_buffer, "send", held),
            (rects[1], &state.recv_buffer, "recv", None),
        ] {
            if let (Some(rect), Some(chunk)) = (rect, chunk) {
                let id = ui.make_persistent_id(("buffer", side, what));
                let mut text = super::receiver::span_summary(chunk, lang);
                if let Some(why) = why {
                    text = format!("{text}\n{why}");
                }
                ui.interact(rect, id, Sense::hover()).on_hover_text(text);
            }
        }
    }
    // The wire: its clock, then one region per direction.
    painter.text(
        pos2(wire.center().x, wire.top() + 2.0),
        Align2::CENTER_TOP,
        format!(
            "{}   t = {}",
            i18n::WIRE.get(lang),
            crate::timeline::ms(now)
        ),
        FontId::proportional(15.0),
        visuals.strong_text_color(),
    );
    let mid = wire.top() + 20.0 + (wire.height() - 20.0) / 2.0;
    let regions = [
        (
            Dir::ClientToServer,
            Rect::from_min_max(
                pos2(wire.left(), wire.top() + 22.0),
                pos2(wire.right(), mid),
            ),
        ),
        (
            Dir::ServerToClient,
            Rect::from_min_max(pos2(wire.left(), mid), wire.max),
        ),
    ];
    for (dir, region) in regions {
        let y = region.bottom() - 2.0;
        let y = if dir == Dir::ClientToServer {
            y
        } else {
            region.top() + 2.0
        };
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
            pos2(from * 0.1 + to * 0.9, y),
            vec2((to - from) * 0.06, 0.0),
            Stroke::new(1.5, visuals.weak_text_color()),
        );
        let packets: Vec<InFlight> = sim
            .in_flight()
            .into_iter()
            .filter(|p| p.dir == dir)
            .collect();
        draw_packets(
            ui,
            &painter,
            region.shrink2(vec2(0.0, 4.0)),
            &packets,
            now,
            app,
            cmds,
            &font,
            &visuals,
        );
    }
}

/// One row of packets is this tall: the box and its label.
const PKT_H: f32 = 20.0;
const ROW_H: f32 = PKT_H + 16.0;

/// The packets of one direction in `region`: each at its place along the wire (by its
/// departure and arrival time), those that would overlap stacked in rows, each with a
/// label that fits its box, each clickable.
#[allow(clippy::too_many_arguments)]
fn draw_packets(
    ui: &egui::Ui,
    painter: &egui::Painter,
    region: Rect,
    packets: &[InFlight],
    now: Micros,
    app: &StickyApp,
    cmds: &mut Vec<Cmd>,
    font: &FontId,
    visuals: &egui::Visuals,
) {
    let rows = ((region.height() / ROW_H).floor() as usize).max(1);
    let (x, row, width) = place_packets(region, rows, packets, now);
    let mut order: Vec<usize> = (0..packets.len()).collect();
    order.sort_by_key(|&i| (packets[i].departs_us, packets[i].hdr.seq));
    for i in order {
        let pkt = &packets[i];
        let (x, row, pw) = (x[i], row[i], width[i]);
        // Client → server rows grow up from the wire; server → client rows grow down.
        let y = match pkt.dir {
            Dir::ClientToServer => region.bottom() - (row + 1) as f32 * ROW_H,
            Dir::ServerToClient => region.top() + row as f32 * ROW_H,
        };
        let r = Rect::from_min_size(pos2(x, y), vec2(pw, PKT_H));
        let id = ui.make_persistent_id(("pkt", pkt.dir.index(), pkt.hdr, pkt.arrives_us));
        let resp = ui.interact(r, id, Sense::click());
        match &pkt.chunk {
            Some(c) => bytes::strip(painter, r, c, font),
            None => {
                painter.rect_filled(r, 3.0, visuals.widgets.inactive.bg_fill);
                let what = if pkt.hdr.fin { "FIN" } else { "ACK" };
                painter.text(
                    r.center(),
                    Align2::CENTER_CENTER,
                    what,
                    font.clone(),
                    visuals.text_color(),
                );
            }
        }
        let selected = app.selection == Some(Selection::Packet(pkt.dir, pkt.hdr.seq, pkt.datagram));
        let stroke = if selected || resp.hovered() {
            Stroke::new(2.5, visuals.selection.stroke.color)
        } else {
            Stroke::new(1.0, visuals.weak_text_color())
        };
        painter.rect_stroke(r, 3.0, stroke, StrokeKind::Outside);
        let full = packet_label(pkt);
        let label = packet_labels(pkt)
            .into_iter()
            .find(|l| {
                painter
                    .layout_no_wrap(l.clone(), FontId::proportional(11.0), Color32::WHITE)
                    .size()
                    .x
                    <= pw
            })
            .unwrap_or_default();
        painter.text(
            pos2(r.center().x, r.bottom() + 1.0),
            Align2::CENTER_TOP,
            &label,
            FontId::proportional(11.0),
            visuals.text_color(),
        );
        resp.widget_info(|| {
            egui::WidgetInfo::labeled(egui::Role::Button, true, format!("packet {full}"))
        });
        let resp = resp.on_hover_text(format!(
            "{full}\n{} {}  →  {}",
            pkt.dir.name(),
            crate::timeline::ms(pkt.departs_us),
            crate::timeline::ms(pkt.arrives_us)
        ));
        if resp.clicked() {
            cmds.push(Cmd::Select(Some(Selection::Packet(
                pkt.dir,
                pkt.hdr.seq,
                pkt.datagram,
            ))));
        }
    }
}

/// Where each packet goes: its x (left edge), its row and its width. A packet sits at
/// its place along the wire (by its departure and arrival time); one that would cover
/// another goes to a free row, and when every row is taken there, behind the packets
/// ahead of it (it was sent after them), so that no two boxes or labels overlap while
/// there is room.
pub fn place_packets(
    region: Rect,
    rows: usize,
    packets: &[InFlight],
    now: Micros,
) -> (Vec<f32>, Vec<usize>, Vec<f32>) {
    let n = packets.len();
    let (mut xs, mut rs, mut ws) = (vec![0.0; n], vec![0; n], vec![0.0; n]);
    // Spans taken in each row, measured along the direction of travel (0 = sender).
    let mut used: Vec<Vec<(f32, f32)>> = vec![Vec::new(); rows.max(1)];
    let mut order: Vec<usize> = (0..n).collect();
    // Earliest sent first: they are furthest along.
    order.sort_by_key(|&i| (packets[i].departs_us, packets[i].hdr.seq));
    const GAP: f32 = 6.0;
    for i in order {
        let pkt = &packets[i];
        let pw = match &pkt.chunk {
            Some(c) => (56.0 + 7.0 * c.data.len() as f32).min(130.0),
            None => 56.0,
        }
        .min(region.width() / 3.0);
        let travel = region.width() - pw;
        // Distance of its front edge from the sender's end.
        let want = pkt.progress(now) * travel;
        let free = |row: &Vec<(f32, f32)>, at: f32| {
            row.iter()
                .all(|&(a, b)| at + pw + GAP <= a || at >= b + GAP)
        };
        let (row, at) = match (0..used.len()).find(|&r| free(&used[r], want)) {
            Some(r) => (r, want),
            None => {
                // Behind the rearmost packet of the row that displaces it least.
                (0..used.len())
                    .map(|r| {
                        let rear = used[r].iter().map(|s| s.0).fold(f32::INFINITY, f32::min);
                        (r, (rear - GAP - pw).min(want))
                    })
                    .max_by(|a, b| a.1.total_cmp(&b.1))
                    .unwrap_or((0, want))
            }
        };
        let at = at.max(0.0);
        used[row].push((at, at + pw));
        xs[i] = match pkt.dir {
            Dir::ClientToServer => region.left() + at,
            Dir::ServerToClient => region.right() - pw - at,
        };
        rs[i] = row;
        ws[i] = pw;
    }
    (xs, rs, ws)
}

pub fn packet_label(p: &InFlight) -> String {
    packet_labels(p).remove(0)
}

/// A packet's label, longest first: the stage shows the first that fits its box.
pub fn packet_labels(p: &InFlight) -> Vec<String> {
    let h = &p.hdr;
    if p.datagram {
        vec![format!("datagram {} B", h.len), format!("{} B", h.len)]
    } else if p.rst {
        vec![format!("RST seq={}", h.seq), "RST".into()]
    } else if h.fin {
        vec![format!("FIN seq={}", h.seq), "FIN".into()]
    } else if h.len == 0 {
        vec![
            format!("ACK {} win={}", h.ack, h.win),
            format!("ACK {}", h.ack),
            "ACK".into(),
        ]
    } else {
        vec![
            format!("seq={} len={} ack={}", h.seq, h.len, h.ack),
            format!("seq={} len={}", h.seq, h.len),
            format!("{} B", h.len),
        ]
    }
}

#[cfg(test)]
mod tests;

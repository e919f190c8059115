//! The ladder diagram: segments as arrows between two time axes.

use std::collections::HashMap;

use crate::trace::{
    AckReason, BlockReason, Call, Dir, DropReason, EventKind, Micros, SegHeader, Side, Span, Trace,
    escape_bytes,
};

/// What an arrow carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ArrowKind {
    /// A segment with payload (it may also carry FIN).
    Data,
    /// A pure ACK or window update, and why it was sent.
    Ack(AckReason),
    /// A FIN without payload.
    Fin,
    /// A reset (RST).
    Rst,
    /// A UDP datagram; `Some` when it never reached the application's queue.
    Datagram(Option<DropReason>),
}

/// One packet from one axis to the other.
#[derive(Clone, Debug, PartialEq)]
pub struct Arrow {
    pub from: Side,
    pub kind: ArrowKind,
    /// When it left, and when it arrived (`None`: dropped, or still in flight at the end).
    pub t_tx: Micros,
    pub t_rx: Option<Micros>,
    /// The model's header (for a datagram: `seq` = stream offset, `len` = its length).
    pub hdr: SegHeader,
    /// The messages its bytes belong to (empty for ACKs).
    pub spans: Vec<Span>,
    /// `seq=0 len=5 ack=0 win=65536`-style label.
    pub label: String,
    /// The trace events of its departure and arrival.
    pub tx_event: usize,
    pub rx_event: Option<usize>,
}

impl Arrow {
    /// Where the arrow is at time `t`: 0 at departure, 1 at arrival (clamped); `None`
    /// before it left.
    pub fn progress(&self, t: Micros) -> Option<f64> {
        if t < self.t_tx {
            return None;
        }
        let end = self.t_rx?;
        if end <= self.t_tx {
            return Some(1.0);
        }
        Some(((t - self.t_tx) as f64 / (end - self.t_tx) as f64).min(1.0))
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IntervalKind {
    /// Data held back by Nagle's algorithm.
    NagleHold,
    /// The delayed-ACK timer ran; `fired` = it ran out (an ACK left because of it) rather
    /// than being cancelled by an outgoing segment.
    DelayedAck { fired: bool },
    /// An application call blocked.
    Blocked(BlockReason),
}

/// A span of time on one axis.
#[derive(Clone, Debug, PartialEq)]
pub struct Interval {
    pub side: Side,
    pub kind: IntervalKind,
    pub start: Micros,
    pub end: Micros,
    pub label: String,
    /// The event that started it.
    pub event: usize,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MarkKind {
    Send,
    Recv,
    Other,
}

/// An application call that returned, beside its axis.
#[derive(Clone, Debug, PartialEq)]
pub struct AppMark {
    pub side: Side,
    pub t: Micros,
    pub kind: MarkKind,
    /// `recv(1024) → 10 B "helloworld"`.
    pub text: String,
    /// The bytes returned (recv) or written (send), by message.
    pub spans: Vec<Span>,
    pub event: usize,
}

/// Everything a ladder diagram draws.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Ladder {
    pub arrows: Vec<Arrow>,
    pub intervals: Vec<Interval>,
    pub marks: Vec<AppMark>,
    /// The time of the last event.
    pub end: Micros,
}

impl Ladder {
    /// The arrow whose departure or arrival is event `index`.
    pub fn arrow_of_event(&self, index: usize) -> Option<usize> {
        self.arrows
            .iter()
            .position(|a| a.tx_event == index || a.rx_event == Some(index))
    }
}

/// What kind of packet an arrival is, to match it with its departure.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Rx {
    Segment,
    Ack,
    Rst,
}

pub(super) fn ack_label(ack: u64, win: u32) -> String {
    format!("ACK {ack} win={win}")
}

pub(super) fn preview(data: &[u8]) -> String {
    const MAX: usize = 16;
    let cut = data.len().min(MAX);
    let mut s = escape_bytes(&data[..cut]);
    if data.len() > MAX {
        s.push('…');
    }
    s
}

/// The ladder of a run. Packets of one direction arrive in the order they left (TCP
/// never reorders here), so the k-th departure in a direction is matched with the k-th
/// arrival; datagrams (which jitter may reorder) are matched by stream offset.
pub fn ladder(trace: &Trace) -> Ladder {
    let mut out = Ladder {
        end: trace.events.last().map_or(0, |e| e.t_us),
        ..Default::default()
    };
    // Arrivals in order per direction (TCP) and by offset (UDP).
    let mut tcp_rx: [Vec<(usize, Micros, SegHeader, Rx)>; 2] = [Vec::new(), Vec::new()];
    let mut udp_rx: HashMap<(Dir, u64), (usize, Micros, Option<DropReason>)> = HashMap::new();
    for (i, e) in trace.events.iter().enumerate() {
        let dir = e.side.peer().tx_dir();
        match &e.kind {
            EventKind::SegmentRx(h) => tcp_rx[dir.index()].push((i, e.t_us, *h, Rx::Segment)),
            EventKind::AckRx { ack, win } => {
                let h = SegHeader {
                    ack: *ack,
                    win: *win,
                    ..Default::default()
                };
                tcp_rx[dir.index()].push((i, e.t_us, h, Rx::Ack));
            }
            EventKind::RstRx { seq } => {
                let h = SegHeader {
                    seq: *seq,
                    ..Default::default()
                };
                tcp_rx[dir.index()].push((i, e.t_us, h, Rx::Rst));
            }
            EventKind::DatagramRx { .. } => {
                if let Some(c) = &e.chunk {
                    udp_rx.insert((c.dir, c.offset), (i, e.t_us, None));
                }
            }
            EventKind::DatagramDrop { reason, .. } => {
                if let Some(c) = &e.chunk {
                    udp_rx.insert((c.dir, c.offset), (i, e.t_us, Some(*reason)));
                }
            }
            _ => {}
        }
    }
    let mut next_rx = [0usize; 2];
    let mut take_rx = |dir: Dir, hdr: &SegHeader, kind: Rx| {
        let d = dir.index();
        let (i, t, h, k) = *tcp_rx[d].get(next_rx[d])?;
        let same = k == kind
            && match kind {
                Rx::Ack => (h.ack, h.win) == (hdr.ack, hdr.win),
                Rx::Rst => h.seq == hdr.seq,
                Rx::Segment => h == *hdr,
            };
        if !same {
            return None;
        }
        next_rx[d] += 1;
        Some((i, t))
    };

    let mut open_hold: [Option<usize>; 2] = [None; 2];
    let mut open_timer: [Option<usize>; 2] = [None; 2];
    let mut open_block: [Option<usize>; 2] = [None; 2];
    for (i, e) in trace.events.iter().enumerate() {
        let s = e.side.index();
        let dir = e.side.tx_dir();
        match &e.kind {
            EventKind::SegmentTx(h) => {
                let rx = take_rx(dir, h, Rx::Segment);
                let kind = if h.len == 0 && h.fin {
                    ArrowKind::Fin
                } else {
                    ArrowKind::Data
                };
                out.arrows.push(Arrow {
                    from: e.side,
                    kind,
                    t_tx: e.t_us,
                    t_rx: rx.map(|r| r.1),
                    hdr: *h,
                    spans: trace.spans(dir, h.seq, h.end()),
                    label: h.text(),
                    tx_event: i,
                    rx_event: rx.map(|r| r.0),
                });
                close_timer(&mut out, &mut open_timer[s], e.t_us, false);
            }
            EventKind::AckTx { ack, win, reason } => {
                let h = SegHeader {
                    ack: *ack,
                    win: *win,
                    ..Default::default()
                };
                let rx = take_rx(dir, &h, Rx::Ack);
                out.arrows.push(Arrow {
                    from: e.side,
                    kind: ArrowKind::Ack(*reason),
                    t_tx: e.t_us,
                    t_rx: rx.map(|r| r.1),
                    hdr: h,
                    spans: Vec::new(),
                    label: ack_label(*ack, *win),
                    tx_event: i,
                    rx_event: rx.map(|r| r.0),
                });
                let fired = *reason == AckReason::Timer;
                close_timer(&mut out, &mut open_timer[s], e.t_us, fired);
            }
            EventKind::RstTx { seq } => {
                let h = SegHeader {
                    seq: *seq,
                    ..Default::default()
                };
                let rx = take_rx(dir, &h, Rx::Rst);
                out.arrows.push(Arrow {
                    from: e.side,
                    kind: ArrowKind::Rst,
                    t_tx: e.t_us,
                    t_rx: rx.map(|r| r.1),
                    hdr: h,
                    spans: Vec::new(),
                    label: format!("RST seq={seq}"),
                    tx_event: i,
                    rx_event: rx.map(|r| r.0),
                });
                close_timer(&mut out, &mut open_timer[s], e.t_us, false);
            }
            EventKind::DatagramTx { len } => {
                let Some(c) = &e.chunk else { continue };
                let rx = udp_rx.get(&(c.dir, c.offset)).copied();
                let dropped = rx.and_then(|r| r.2);
                out.arrows.push(Arrow {
                    from: e.side,
                    kind: ArrowKind::Datagram(dropped),
                    t_tx: e.t_us,
                    t_rx: rx.filter(|r| r.2.is_none()).map(|r| r.1),
                    hdr: SegHeader {
                        seq: c.offset,
                        len: *len,
                        ..Default::default()
                    },
                    spans: trace.chunk_spans(c),
                    label: format!("datagram {len} B"),
                    tx_event: i,
                    rx_event: rx.map(|r| r.0),
                });
            }
            EventKind::NagleHold { held, in_flight } if open_hold[s].is_none() => {
                open_hold[s] = Some(out.intervals.len());
                out.intervals.push(Interval {
                    side: e.side,
                    kind: IntervalKind::NagleHold,
                    start: e.t_us,
                    end: out.end,
                    label: format!("Nagle: {held} B held, {in_flight} B in flight"),
                    event: i,
                });
            }
            EventKind::NagleRelease { held_us } => {
                if let Some(k) = open_hold[s].take() {
                    let iv = &mut out.intervals[k];
                    iv.end = e.t_us;
                    iv.label = format!("Nagle held {:.1} ms", *held_us as f64 / 1000.0);
                }
            }
            EventKind::DelayedAckStart { deadline_us } if open_timer[s].is_none() => {
                open_timer[s] = Some(out.intervals.len());
                out.intervals.push(Interval {
                    side: e.side,
                    kind: IntervalKind::DelayedAck { fired: false },
                    start: e.t_us,
                    end: *deadline_us,
                    label: "delayed-ACK timer".to_string(),
                    event: i,
                });
            }
            EventKind::DelayedAckFire => {
                if let Some(k) = open_timer[s] {
                    out.intervals[k].end = e.t_us;
                    out.intervals[k].kind = IntervalKind::DelayedAck { fired: true };
                }
            }
            EventKind::AppBlocked { reason, .. } => {
                open_block[s] = Some(out.intervals.len());
                out.intervals.push(Interval {
                    side: e.side,
                    kind: IntervalKind::Blocked(*reason),
                    start: e.t_us,
                    end: out.end,
                    label: format!("blocked: {}", reason.text()),
                    event: i,
                });
            }
            EventKind::AppReturn { call, ret, .. } => {
                if let Some(k) = open_block[s].take() {
                    out.intervals[k].end = e.t_us;
                }
                let (kind, text, spans) = match call {
                    Call::Recv { .. } | Call::RecvMessage { .. } => {
                        let data = e.chunk.map(|c| trace.bytes(&c)).unwrap_or(&[]);
                        let text = if *ret == 0 {
                            format!("{} → b'' (EOF)", call.text())
                        } else {
                            format!("{} → {ret} B \"{}\"", call.text(), preview(data))
                        };
                        let spans = e.chunk.map(|c| trace.chunk_spans(&c)).unwrap_or_default();
                        (MarkKind::Recv, text, spans)
                    }
                    Call::Send { .. } | Call::Sendall { .. } | Call::SendMessage { .. } => {
                        let spans = e.chunk.map(|c| trace.chunk_spans(&c)).unwrap_or_default();
                        (MarkKind::Send, format!("{} → {ret}", call.text()), spans)
                    }
                    _ => (MarkKind::Other, call.text(), Vec::new()),
                };
                out.marks.push(AppMark {
                    side: e.side,
                    t: e.t_us,
                    kind,
                    text,
                    spans,
                    event: i,
                });
            }
            EventKind::DecodeError { error, .. } | EventKind::NetError { error, .. } => {
                out.marks.push(AppMark {
                    side: e.side,
                    t: e.t_us,
                    kind: MarkKind::Other,
                    text: format!("error: {error}"),
                    spans: Vec::new(),
                    event: i,
                });
            }
            _ => {}
        }
    }
    out
}

/// An outgoing segment or ACK ends a running delayed-ACK timer (cancelled, or fired
/// when the ACK is the timer's).
pub(super) fn close_timer(out: &mut Ladder, open: &mut Option<usize>, t: Micros, fired: bool) {
    if let Some(k) = open.take() {
        let iv = &mut out.intervals[k];
        iv.end = iv.end.min(t).max(iv.start);
        if fired {
            iv.kind = IntervalKind::DelayedAck { fired: true };
        }
        iv.label = if matches!(iv.kind, IntervalKind::DelayedAck { fired: true }) {
            format!("delayed ACK {:.1} ms", (iv.end - iv.start) as f64 / 1000.0)
        } else {
            "delayed-ACK timer (cancelled: data carried the ACK)".to_string()
        };
    }
}

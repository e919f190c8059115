//! The time–sequence graph (tcptrace style).

use crate::trace::{Call, Dir, EventKind, Micros, Trace};

/// One segment as an I-beam: sent at `t`, covering stream offsets `[start, end)`.
#[derive(Clone, Debug, PartialEq)]
pub struct Beam {
    pub t: Micros,
    pub start: u64,
    pub end: u64,
    pub fin: bool,
    /// The first message its bytes belong to (for its colour).
    pub msg: Option<u32>,
    pub event: usize,
}

/// A `recv()` result on the reader's side: at `t` it returned `[start, end)`.
#[derive(Clone, Debug, PartialEq)]
pub struct ReadMark {
    pub t: Micros,
    pub start: u64,
    pub end: u64,
    pub event: usize,
}

/// The tcptrace-style graph of one direction, seen at the sender.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SeqGraph {
    pub beams: Vec<Beam>,
    /// The cumulative ACK as the sender learns it: a step line of (time, offset).
    pub ack: Vec<(Micros, u64)>,
    /// ACK + advertised window: how far the sender may send.
    pub window: Vec<(Micros, u64)>,
    /// Where each message starts (and the last one ends): (offset, message number).
    pub boundaries: Vec<(u64, u32)>,
    pub reads: Vec<ReadMark>,
    pub end: Micros,
    /// The highest offset anything reaches.
    pub top: u64,
}

/// The time–sequence graph of `dir`.
pub fn seq_graph(trace: &Trace, dir: Dir) -> SeqGraph {
    let sender = dir.sender();
    let mut g = SeqGraph {
        end: trace.events.last().map_or(0, |e| e.t_us),
        ..Default::default()
    };
    let ack_step = |g: &mut SeqGraph, t: Micros, ack: u64, win: u32| {
        // A FIN counts one in the ACK; the graph is in stream offsets.
        if g.ack.last().is_none_or(|&(_, a)| a != ack) {
            g.ack.push((t, ack));
        }
        let w = ack + u64::from(win);
        if g.window.last().is_none_or(|&(_, x)| x != w) {
            g.window.push((t, w));
        }
    };
    for (i, e) in trace.events.iter().enumerate() {
        match &e.kind {
            EventKind::SegmentTx(h) if e.side == sender => g.beams.push(Beam {
                t: e.t_us,
                start: h.seq,
                end: h.end(),
                fin: h.fin,
                msg: trace.spans(dir, h.seq, h.end()).first().map(|s| s.msg),
                event: i,
            }),
            EventKind::DatagramTx { len } if e.side == sender => {
                if let Some(c) = &e.chunk {
                    g.beams.push(Beam {
                        t: e.t_us,
                        start: c.offset,
                        end: c.offset + *len as u64,
                        fin: false,
                        msg: trace.first_message(c),
                        event: i,
                    });
                }
            }
            // What the sender hears back: every segment from the peer carries ACK + window.
            EventKind::AckRx { ack, win } if e.side == sender => {
                ack_step(&mut g, e.t_us, *ack, *win)
            }
            EventKind::SegmentRx(h) if e.side == sender => ack_step(&mut g, e.t_us, h.ack, h.win),
            EventKind::AppReturn {
                call: Call::Recv { .. } | Call::RecvMessage { .. },
                ..
            } if e.side == dir.receiver() => {
                if let Some(c) = e.chunk.filter(|c| c.dir == dir && !c.is_empty()) {
                    g.reads.push(ReadMark {
                        t: e.t_us,
                        start: c.offset,
                        end: c.end(),
                        event: i,
                    });
                }
            }
            _ => {}
        }
    }
    // The window starts at the receiver's buffer, before any ACK.
    if trace.params.transport == crate::params::Transport::Tcp {
        g.window.insert(0, (0, u64::from(trace.params.recv_buffer)));
        g.ack.insert(0, (0, 0));
    }
    for m in trace.messages_in(dir).filter(|m| m.accepted > 0) {
        g.boundaries.push((m.offset, m.id));
    }
    if let Some(m) = trace.messages_in(dir).filter(|m| m.accepted > 0).last() {
        g.boundaries.push((m.offset + m.accepted, m.id + 1));
    }
    g.top = g
        .beams
        .iter()
        .map(|b| b.end)
        .chain(g.boundaries.iter().map(|b| b.0))
        .max()
        .unwrap_or(0);
    g
}

//! What the GUI reads of a simulation's state: each side's buffers and program position,
//! and the packets on the wire.

use super::endpoint::{Packet, SegKind};
use super::program::Block;
use super::{Pending, Sim};
use crate::params::Transport;
use crate::trace::{Chunk, Dir, Micros, SegHeader, Side};

/// What a program is doing now, for views.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AppStatus {
    /// Will run (or is between actions).
    Running,
    BlockedSend,
    BlockedRecv,
    Sleeping,
    Done,
}

/// A packet on the wire, for views.
#[derive(Clone, Debug, PartialEq)]
pub struct InFlight {
    pub dir: Dir,
    /// When it started onto the link (after any packets queued in front of it).
    pub departs_us: Micros,
    pub arrives_us: Micros,
    /// For a datagram: `seq` is its stream offset, `ack`/`win`/`fin` are zero.
    pub hdr: SegHeader,
    pub datagram: bool,
    /// A reset (RST).
    pub rst: bool,
    pub chunk: Option<Chunk>,
}

impl InFlight {
    /// How far along the wire it is at `now`: 0 at departure, 1 on arrival.
    pub fn progress(&self, now: Micros) -> f32 {
        let trip = self.arrives_us.saturating_sub(self.departs_us);
        if trip == 0 {
            return if now >= self.arrives_us { 1.0 } else { 0.0 };
        }
        let gone = now.saturating_sub(self.departs_us).min(trip);
        gone as f32 / trip as f32
    }
}

/// The state of one side, for views: occupancy of the buffers and the program position.
#[derive(Clone, Debug, PartialEq)]
pub struct SideState {
    /// Index of the current (or next) action in the program.
    pub line: usize,
    pub status: AppStatus,
    /// Bytes in the send buffer (unsent + unacknowledged), as a chunk.
    pub send_buffer: Option<Chunk>,
    /// Of those, bytes not yet sent.
    pub unsent: u64,
    pub send_capacity: u32,
    /// Bytes waiting in the receive buffer (for UDP: the queued datagrams).
    pub recv_buffer: Option<Chunk>,
    pub recv_capacity: u32,
    /// Data held back by Nagle's algorithm ([`super::tcp::sender_decision`]), if any.
    pub held: Option<Held>,
}

/// Data the sender holds back (RFC 896): a small segment waits while earlier data is
/// unacknowledged, until an ACK arrives or a full segment accumulates.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Held {
    pub since_us: Micros,
    /// Bytes waiting to be sent.
    pub waiting: u64,
    /// Bytes sent and not yet acknowledged.
    pub in_flight: u64,
}

impl Sim {
    /// What each side looks like now.
    pub fn side_state(&self, side: Side) -> SideState {
        let s = side.index();
        let app = &self.apps[s];
        let status = if app.done {
            AppStatus::Done
        } else {
            match app.block {
                Block::None => AppStatus::Running,
                Block::Send => AppStatus::BlockedSend,
                Block::Recv => AppStatus::BlockedRecv,
                Block::Timer => AppStatus::Sleeping,
            }
        };
        let tx = side.tx_dir();
        let rx = side.peer().tx_dir();
        let (send_buffer, unsent, recv_buffer, held) = if self.params.transport == Transport::Tcp {
            let t = &self.tcp[s];
            let send = (t.write_end > t.snd_una).then(|| self.chunk(tx, t.snd_una, t.write_end));
            let recv = (t.rcv_nxt > t.rcv_read).then(|| self.chunk(rx, t.rcv_read, t.rcv_nxt));
            let held = t.nagle_since.map(|since_us| Held {
                since_us,
                waiting: t.write_end - t.snd_nxt,
                in_flight: t.snd_nxt - t.snd_una,
            });
            (send, t.write_end - t.snd_nxt, recv, held)
        } else {
            let q = &self.udp_queue[rx.index()];
            let recv = q.front().map(|&(off, _)| {
                let (last_off, last_len) = *q.back().unwrap_or(&(off, 0));
                self.chunk(rx, off, last_off + last_len as u64)
            });
            (None, 0, recv, None)
        };
        SideState {
            line: app.pc,
            status,
            send_buffer,
            unsent,
            send_capacity: self.params.send_buffer,
            recv_buffer,
            recv_capacity: self.params.recv_buffer,
            held,
        }
    }

    /// Nothing moves but the programs' own sleeps and calls: no packet on the wire and
    /// no data held back by Nagle (a delayed-ACK timer may run: what waits for it is held
    /// data, a stall). Playback may run such stretches faster; a stall is never idle.
    pub fn idle(&self) -> bool {
        let tcp_quiet = self.params.transport != Transport::Tcp
            || self.tcp.iter().all(|t| t.nagle_since.is_none());
        tcp_quiet
            && !self
                .queue
                .iter()
                .any(|(_, _, p)| matches!(p, Pending::Arrive { .. }))
    }

    /// Packets on the wire now, in order of arrival.
    pub fn in_flight(&self) -> Vec<InFlight> {
        let mut queued: Vec<_> = self.queue.iter().collect();
        queued.sort_by_key(|&(t, seq, _)| (t, seq));
        queued
            .into_iter()
            .filter_map(|(t, _, p)| {
                let Pending::Arrive {
                    dir,
                    departs_us,
                    packet,
                } = p
                else {
                    return None;
                };
                let rst = matches!(packet, Packet::Segment(seg) if seg.kind == SegKind::Rst);
                let (hdr, datagram) = match packet {
                    Packet::Segment(seg) => (seg.hdr, false),
                    Packet::Datagram(d) => (
                        SegHeader {
                            seq: d.offset,
                            len: d.len,
                            ..SegHeader::default()
                        },
                        true,
                    ),
                };
                let chunk = (datagram || hdr.len > 0).then(|| self.chunk(*dir, hdr.seq, hdr.end()));
                Some(InFlight {
                    dir: *dir,
                    departs_us: *departs_us,
                    arrives_us: t,
                    hdr,
                    datagram,
                    rst,
                    chunk,
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use crate::model::Replay;
    use crate::trace::Side;

    /// Idle means nothing can move but the programs: never with a packet on the wire or
    /// data held back, and a stall (12's Nagle hold waiting for a delayed ACK) is not idle.
    #[test]
    fn idle_is_never_claimed_while_something_is_on_the_wire_or_held() {
        for s in crate::scenario::builtin() {
            let mut r = Replay::new(&s, &s.params);
            let (mut idle, mut busy) = (0, 0);
            while !r.at_end() {
                r.step();
                let sim = r.sim().expect("a state");
                let held = [Side::Client, Side::Server]
                    .iter()
                    .any(|&side| sim.side_state(side).held.is_some());
                if sim.idle() {
                    assert!(sim.in_flight().is_empty(), "{} step {}", s.name, r.pos());
                    assert!(!held, "{} step {}: held data is a stall", s.name, r.pos());
                    idle += 1;
                } else {
                    busy += 1;
                }
            }
            assert!(busy > 0, "{}: every step idle", s.name);
            if s.name.starts_with("04") || s.name.starts_with("12") {
                assert!(
                    idle > 0,
                    "{}: a sleep with nothing on the wire is idle",
                    s.name
                );
            }
        }
    }
}

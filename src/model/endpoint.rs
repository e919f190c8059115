//! The TCP/UDP endpoint under each program: the send and receive buffers, the segment
//! path (sender rule, transmit, arrival in Linux's order, the ACK policy) and the wire.

use rand::RngExt;

use super::tcp::{self, AckVerdict, SendVerdict};
use super::{Pending, Sim};
use crate::params::{Params, Transport, ms_to_us};
use crate::trace::{AckReason, Dir, DropReason, EventKind, Micros, Received, SegHeader, Side};

/// A TCP segment on the wire.
#[derive(Clone, Debug)]
pub(super) struct Segment {
    pub(super) hdr: SegHeader,
    /// A pure ACK or window update (no data, no FIN).
    pub(super) pure_ack: bool,
}

/// A UDP datagram on the wire: the bytes `[offset, offset + len)` of its direction.
#[derive(Clone, Debug)]
pub(super) struct Datagram {
    pub(super) offset: u64,
    pub(super) len: usize,
    lost: bool,
}

/// What travels on a link.
#[derive(Clone, Debug)]
pub(super) enum Packet {
    Segment(Segment),
    Datagram(Datagram),
}

/// One side's TCP state. Offsets index the direction's stream.
#[derive(Clone, Debug, Default)]
pub(super) struct TcpState {
    // -- sending (this side's direction)
    /// First unacknowledged byte.
    pub(super) snd_una: u64,
    /// Next byte to send.
    pub(super) snd_nxt: u64,
    /// End of what the application has written.
    pub(super) write_end: u64,
    /// The peer's last advertised window.
    peer_window: u32,
    pub(super) closing: bool,
    fin_sent: bool,
    fin_acked: bool,
    /// Since when a small segment is held by Nagle.
    pub(super) nagle_since: Option<Micros>,
    window_full_reported: bool,
    // -- receiving (the peer's direction)
    /// End of the bytes received.
    pub(super) rcv_nxt: u64,
    /// End of the bytes the application has read.
    pub(super) rcv_read: u64,
    fin_received: bool,
    /// The last ACK this side sent (bytes; +1 once the FIN is acknowledged).
    ack_sent: u64,
    last_advertised: u32,
    delack_generation: u64,
    delack_running: bool,
}

impl TcpState {
    pub(super) fn new(params: &Params) -> TcpState {
        TcpState {
            peer_window: params.recv_buffer,
            last_advertised: params.recv_buffer,
            ..TcpState::default()
        }
    }
}

impl Sim {
    // ---- the buffers -------------------------------------------------------------------

    pub(super) fn send_buffered(&self, side: Side) -> usize {
        let t = &self.tcp[side.index()];
        (t.write_end - t.snd_una) as usize
    }

    pub(super) fn send_room(&self, side: Side) -> usize {
        (self.params.send_buffer as usize).saturating_sub(self.send_buffered(side))
    }

    /// Copies bytes into the send buffer; returns their stream offset.
    pub(super) fn buffer_write(&mut self, side: Side, bytes: &[u8]) -> u64 {
        let stream = &mut self.streams[side.tx_dir().index()];
        let start = stream.len() as u64;
        stream.extend_from_slice(bytes);
        self.tcp[side.index()].write_end += bytes.len() as u64;
        start
    }

    /// Takes what one `recv(n)` returns out of the receive buffer (TCP) or queue (UDP),
    /// or `None` when it must wait.
    pub(super) fn take_received(&mut self, side: Side, n: usize) -> Option<Received> {
        let dir = side.peer().tx_dir();
        if self.params.transport == Transport::Udp {
            let (offset, len) = self.udp_queue[dir.index()].pop_front()?;
            self.udp_queued_bytes[dir.index()] -= len;
            let kept = len.min(n);
            return Some(Received::Data {
                chunk: self.chunk(dir, offset, offset + kept as u64),
                buffered: self.udp_queued_bytes[dir.index()],
                datagram_len: Some(len),
            });
        }
        let t = &self.tcp[side.index()];
        let buffered = t.rcv_nxt - t.rcv_read;
        if buffered == 0 {
            return t.fin_received.then_some(Received::Eof);
        }
        let take = buffered.min(n as u64);
        let start = t.rcv_read;
        self.tcp[side.index()].rcv_read += take;
        Some(Received::Data {
            chunk: self.chunk(dir, start, start + take),
            buffered: (buffered - take) as usize,
            datagram_len: None,
        })
    }

    fn recv_free(&self, side: Side) -> u32 {
        let t = &self.tcp[side.index()];
        let used = t.rcv_nxt - t.rcv_read;
        (self.params.recv_buffer as u64).saturating_sub(used) as u32
    }

    /// The cumulative ACK this side sends: bytes received, +1 for a received FIN.
    fn ack_value(&self, side: Side) -> u64 {
        let t = &self.tcp[side.index()];
        t.rcv_nxt + t.fin_received as u64
    }

    // ---- TCP: sending ------------------------------------------------------------------

    /// Sends whatever the sender rule allows now (RFC 896; see [`tcp::sender_decision`]).
    pub(super) fn try_send(&mut self, side: Side) {
        let s = side.index();
        loop {
            let t = &self.tcp[s];
            let verdict = tcp::sender_decision(
                t.write_end - t.snd_nxt,
                t.snd_nxt - t.snd_una,
                t.peer_window,
                self.params.mss,
                self.params.nagle,
                t.closing,
                t.fin_sent,
            );
            match verdict {
                SendVerdict::Segment(len) => {
                    self.tcp[s].window_full_reported = false;
                    if let Some(since) = self.tcp[s].nagle_since.take() {
                        let held_us = self.now - since;
                        self.emit(side, EventKind::NagleRelease { held_us }, None);
                    }
                    let seq = self.tcp[s].snd_nxt;
                    self.tcp[s].snd_nxt += len as u64;
                    self.transmit(side, seq, len, false);
                }
                SendVerdict::Fin => {
                    let seq = self.tcp[s].snd_nxt;
                    self.tcp[s].fin_sent = true;
                    self.emit(side, EventKind::FinTx { seq }, None);
                    self.transmit(side, seq, 0, true);
                    return;
                }
                SendVerdict::NagleHold => {
                    if self.tcp[s].nagle_since.is_none() {
                        self.tcp[s].nagle_since = Some(self.now);
                        let t = &self.tcp[s];
                        let held = (t.write_end - t.snd_nxt) as usize;
                        let in_flight = t.snd_nxt - t.snd_una;
                        self.emit(side, EventKind::NagleHold { held, in_flight }, None);
                    }
                    return;
                }
                SendVerdict::WindowFull => {
                    if !self.tcp[s].window_full_reported {
                        self.tcp[s].window_full_reported = true;
                        let t = &self.tcp[s];
                        let (in_flight, win) = (t.snd_nxt - t.snd_una, t.peer_window);
                        self.emit(side, EventKind::WindowFull { in_flight, win }, None);
                    }
                    return;
                }
                SendVerdict::Idle => return,
            }
        }
    }

    /// The header of a segment this side sends now: it carries the current ACK and
    /// window, so it also acknowledges what this side has received (and cancels the ACK
    /// timer).
    fn header_now(&mut self, side: Side, seq: u64, len: usize, fin: bool) -> SegHeader {
        let ack = self.ack_value(side);
        let win = self.recv_free(side);
        let t = &mut self.tcp[side.index()];
        t.ack_sent = ack;
        t.last_advertised = win;
        if t.delack_running {
            t.delack_running = false;
            t.delack_generation += 1;
        }
        SegHeader {
            seq,
            len,
            ack,
            win,
            fin,
        }
    }

    /// Puts a data segment (or the FIN) on the wire.
    fn transmit(&mut self, side: Side, seq: u64, len: usize, fin: bool) {
        let hdr = self.header_now(side, seq, len, fin);
        let dir = side.tx_dir();
        let chunk = (len > 0).then(|| self.chunk(dir, seq, hdr.end()));
        self.emit(side, EventKind::SegmentTx(hdr), chunk);
        let seg = Segment {
            hdr,
            pure_ack: false,
        };
        self.put_on_wire(dir, len, tcp::TCP_IP_HEADER, Packet::Segment(seg));
    }

    fn send_pure_ack(&mut self, side: Side, reason: AckReason) {
        let t = &self.tcp[side.index()];
        let seq = t.snd_nxt + t.fin_sent as u64;
        let hdr = self.header_now(side, seq, 0, false);
        let (ack, win) = (hdr.ack, hdr.win);
        self.emit(side, EventKind::AckTx { ack, win, reason }, None);
        let dir = side.tx_dir();
        let seg = Segment {
            hdr,
            pure_ack: true,
        };
        self.put_on_wire(dir, 0, tcp::TCP_IP_HEADER, Packet::Segment(seg));
    }

    /// Serialization on the direction's link (packets queue behind each other and never
    /// overtake on TCP), then the latency (and jitter).
    fn put_on_wire(&mut self, dir: Dir, payload: usize, header: usize, packet: Packet) {
        let d = dir.index();
        let departs_us = self.now.max(self.link_free[d]);
        let done = departs_us + tcp::serialization_us(payload, header, self.params.bandwidth_mbps);
        self.link_free[d] = done;
        let jitter_us = ms_to_us(self.params.jitter_ms);
        let jitter = if jitter_us > 0 {
            self.jitter_rng[d].random_range(0..=jitter_us)
        } else {
            0
        };
        let mut arrive = done + ms_to_us(self.params.latency_ms) + jitter;
        if matches!(packet, Packet::Segment(_)) {
            arrive = arrive.max(self.last_arrival[d]);
            self.last_arrival[d] = arrive;
        }
        let p = Pending::Arrive {
            dir,
            departs_us,
            packet,
        };
        self.schedule(arrive, p);
    }

    // ---- TCP: receiving ----------------------------------------------------------------

    /// A segment arrives, handled in Linux's order (`docs/design.md`, "TCP receiver").
    pub(super) fn segment_arrives(&mut self, dir: Dir, seg: Segment) {
        let side = dir.receiver();
        let s = side.index();
        let h = seg.hdr;
        // (1) its ACK and window
        let t = &mut self.tcp[s];
        let acked_data = h.ack.min(t.snd_nxt);
        let freed = acked_data > t.snd_una;
        if freed {
            t.snd_una = acked_data;
        }
        if t.fin_sent && h.ack > t.snd_nxt {
            t.fin_acked = true;
        }
        t.peer_window = h.win;
        if seg.pure_ack {
            let (ack, win) = (h.ack, h.win);
            self.emit(side, EventKind::AckRx { ack, win }, None);
        } else {
            let chunk = (h.len > 0).then(|| self.chunk(dir, h.seq, h.end()));
            self.emit(side, EventKind::SegmentRx(h), chunk);
        }
        // (2) its payload and FIN
        let t = &mut self.tcp[s];
        debug_assert!(seg.pure_ack || h.seq == t.rcv_nxt, "in order, no loss");
        if !seg.pure_ack {
            t.rcv_nxt += h.len as u64;
        }
        if h.fin {
            t.fin_received = true;
            self.emit(side, EventKind::FinRx { seq: h.seq }, None);
        }
        // (3) send what the sender rule now allows (it carries the new ACK)
        self.try_send(side);
        // (4) the ACK policy for what is still unacknowledged
        if !seg.pure_ack {
            self.apply_ack_policy(side);
        }
        // (5) wake a blocked call
        let wake = match self.apps[s].block {
            super::program::Block::Recv => h.len > 0 || h.fin,
            super::program::Block::Send => freed && self.send_room(side) > 0,
            _ => false,
        };
        if wake {
            self.wake(side);
        }
    }

    fn apply_ack_policy(&mut self, side: Side) {
        let s = side.index();
        let t = &self.tcp[s];
        let ack = self.ack_value(side);
        if ack <= t.ack_sent {
            return;
        }
        let fin_unacked = t.fin_received;
        let unacked = t.rcv_nxt.saturating_sub(t.ack_sent);
        match tcp::ack_policy(
            unacked,
            fin_unacked,
            self.params.delayed_ack,
            self.params.mss,
            t.delack_running,
        ) {
            AckVerdict::Now(reason) => self.send_pure_ack(side, reason),
            AckVerdict::StartTimer => {
                let deadline_us = self.now + ms_to_us(self.params.delayed_ack_ms);
                let t = &mut self.tcp[s];
                t.delack_running = true;
                t.delack_generation += 1;
                let generation = t.delack_generation;
                self.emit(side, EventKind::DelayedAckStart { deadline_us }, None);
                self.schedule(deadline_us, Pending::DelayedAck(side, generation));
            }
            AckVerdict::Wait => {}
        }
    }

    pub(super) fn delayed_ack_fires(&mut self, side: Side, generation: u64) {
        let t = &self.tcp[side.index()];
        if !t.delack_running || t.delack_generation != generation {
            return;
        }
        self.emit(side, EventKind::DelayedAckFire, None);
        self.send_pure_ack(side, AckReason::Timer);
    }

    /// After the application read: a window update if the read opened the window far
    /// enough (see [`tcp::window_update_due`]).
    pub(super) fn after_read(&mut self, side: Side) {
        let free = self.recv_free(side);
        let last = self.tcp[side.index()].last_advertised;
        if tcp::window_update_due(free, last, self.params.mss, self.params.recv_buffer) {
            self.send_pure_ack(side, AckReason::WindowUpdate);
        }
    }

    // ---- UDP ---------------------------------------------------------------------------

    pub(super) fn send_datagram(&mut self, dir: Dir, offset: u64, len: usize) {
        let side = dir.sender();
        let chunk = self.chunk(dir, offset, offset + len as u64);
        self.emit(side, EventKind::DatagramTx { len }, Some(chunk));
        let lost =
            self.params.loss > 0.0 && self.loss_rng[dir.index()].random::<f64>() < self.params.loss;
        let d = Datagram { offset, len, lost };
        self.put_on_wire(dir, len, tcp::UDP_IP_HEADER, Packet::Datagram(d));
    }

    pub(super) fn datagram_arrives(&mut self, dir: Dir, d: Datagram) {
        let side = dir.receiver();
        let chunk = self.chunk(dir, d.offset, d.offset + d.len as u64);
        let full = self.udp_queued_bytes[dir.index()] + d.len > self.params.recv_buffer as usize;
        if d.lost || full {
            let reason = if d.lost {
                DropReason::Loss
            } else {
                DropReason::QueueFull
            };
            let len = d.len;
            self.emit(side, EventKind::DatagramDrop { len, reason }, Some(chunk));
            return;
        }
        self.udp_queue[dir.index()].push_back((d.offset, d.len));
        self.udp_queued_bytes[dir.index()] += d.len;
        self.emit(side, EventKind::DatagramRx { len: d.len }, Some(chunk));
        if self.apps[side.index()].block == super::program::Block::Recv {
            self.wake(side);
        }
    }
}

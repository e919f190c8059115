//! The TCP/UDP endpoint under each program: the send and receive buffers, the segment
//! path (sender rule, transmit, arrival in Linux's order, the ACK policy of the stack,
//! resets) and the wire.

use rand::RngExt;

use std::collections::VecDeque;

use super::tcp::{
    self, AckVerdict, AfterRead, Pushed, RcvMemProfile, RcvMss, RcvSpace, SendVerdict,
};
use super::{Pending, Sim};
use crate::params::{Link, Params, Stack, Transport, ms_to_us};
use crate::trace::{
    AckReason, Dir, DropReason, EventKind, Micros, PyExc, Received, SegHeader, Side,
};

/// A TCP segment on the wire.
#[derive(Clone, Debug)]
pub(super) struct Segment {
    pub(super) hdr: SegHeader,
    pub(super) kind: SegKind,
    /// Not the first segment of its burst: Linux sends a burst as one GSO skb, which
    /// loopback delivers whole, so the receiver charges and measures it as one.
    pub(super) gso_cont: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum SegKind {
    /// Data and/or a FIN.
    Data,
    /// A pure ACK or window update.
    PureAck,
    /// A reset.
    Rst,
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

/// The error a reset leaves on a socket for the next call (`sk_err`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum SockErr {
    /// ECONNRESET: the peer reset an open connection.
    Reset,
    /// EPIPE: the reset came after the peer's FIN (`tcp_reset` in CLOSE_WAIT).
    Pipe,
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
    /// The largest window the peer has advertised (Linux sizes segments by it).
    peer_max_window: u32,
    /// End of the last small segment sent (Linux: `snd_sml`, for Minshall's Nagle).
    snd_sml: u64,
    pub(super) closing: bool,
    fin_sent: bool,
    /// Since when a small segment is held by Nagle.
    pub(super) nagle_since: Option<Micros>,
    window_full_reported: bool,
    /// Linux's persist timer is armed.
    persist_armed: bool,
    /// Linux's write queue: where its first skb starts and the skbs' size
    /// ([`tcp::linux_size_goal`] when the write found the queue empty).
    wq_start: u64,
    wq_goal: u64,
    // -- receiving (the peer's direction)
    /// End of the bytes received.
    pub(super) rcv_nxt: u64,
    /// End of the bytes the application has read.
    pub(super) rcv_read: u64,
    pub(super) fin_received: bool,
    /// The last ACK this side sent (bytes; +1 once the FIN is acknowledged).
    ack_sent: u64,
    last_advertised: u32,
    /// The delayed-ACK timer's deadline, if it runs, and its generation.
    delack: Option<Micros>,
    delack_generation: u64,
    /// Windows: data segments received since the last ACK.
    unacked_segments: u32,
    // -- Linux's delayed-ACK engine (`icsk_ack`)
    /// Received bytes or a FIN wait for an ACK (ICSK_ACK_SCHED).
    ack_scheduled: bool,
    rcv_mss: Option<RcvMss>,
    pushed: Pushed,
    /// Quick ACKs left.
    quick: u32,
    pingpong: bool,
    /// The ACK timeout estimate; 0 until the first data arrives.
    ato: Micros,
    last_data_rx: Option<Micros>,
    // -- Linux's receive memory (`sk_rmem_alloc`, by skb truesize)
    /// The receive queue's skbs, oldest first.
    rcv_skbs: VecDeque<Skb>,
    /// Their memory.
    rmem: u64,
    /// `scaling_ratio` in 1/256; 0 until measured (the profile's clamp ratio then).
    ratio: u32,
    /// The skb now arriving: payload, truesize, whether it set the ratio, whether it
    /// was coalesced into an older skb.
    arriving: (u32, u32, bool, bool),
    // -- resets
    /// The connection is gone (a reset was sent or received): nothing more is sent.
    pub(super) dead: bool,
    /// The error the next call sees.
    pub(super) err: Option<SockErr>,
}

/// One skb of the receive queue: the stream bytes up to `end`, what it costs, and when
/// the sender let go of its shared copy (the ACK covering it reached the sender).
#[derive(Clone, Copy, Debug)]
struct Skb {
    end: u64,
    truesize: u64,
    freed_at: Option<Micros>,
}

impl TcpState {
    pub(super) fn new(params: &Params, stack: Stack) -> TcpState {
        let first_window = match stack {
            Stack::Linux => tcp::syn_window(params.recv_buffer, params.mss),
            Stack::Windows => params.recv_buffer,
        };
        TcpState {
            peer_window: first_window,
            peer_max_window: first_window,
            // Each side's SYN offered this window; on Linux a later window's right edge
            // never moves back from it.
            last_advertised: first_window,
            ..TcpState::default()
        }
    }

    fn unread(&self) -> u64 {
        self.rcv_nxt - self.rcv_read
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
        let mss = self.send_mss(side);
        let t = &mut self.tcp[side.index()];
        if t.snd_nxt == t.write_end {
            // Everything written has gone: this write starts a new skb.
            t.wq_start = t.write_end;
            t.wq_goal = tcp::linux_size_goal(mss, t.peer_max_window);
        }
        let stream = &mut self.streams[side.tx_dir().index()];
        let start = stream.len() as u64;
        stream.extend(bytes);
        self.tcp[side.index()].write_end += bytes.len() as u64;
        start
    }

    /// The exception a `send` raises now, if the connection is gone: the reset's error
    /// once, then EPIPE (`tcp_sendmsg` → `sk_stream_error`).
    pub(super) fn send_error(&mut self, side: Side) -> Option<PyExc> {
        let t = &mut self.tcp[side.index()];
        match t.err.take() {
            Some(SockErr::Reset) => Some(PyExc::ConnectionReset),
            Some(SockErr::Pipe) => Some(PyExc::BrokenPipe),
            None => t.dead.then_some(PyExc::BrokenPipe),
        }
    }

    /// Takes what one `recv(n)` returns out of the receive buffer (TCP) or queue (UDP):
    /// `Ok(None)` when it must wait, `Err` when it raises.
    pub(super) fn take_received(
        &mut self,
        side: Side,
        n: usize,
    ) -> Result<Option<Received>, PyExc> {
        let dir = side.peer().tx_dir();
        if self.params.transport == Transport::Udp {
            let Some((offset, len)) = self.udp_queue[dir.index()].pop_front() else {
                return Ok(None);
            };
            self.udp_queued_bytes[dir.index()] -= len;
            let kept = len.min(n);
            return Ok(Some(Received::Data {
                chunk: self.range(dir, offset, offset + kept as u64),
                buffered: self.udp_queued_bytes[dir.index()],
                datagram_len: Some(len),
            }));
        }
        let t = &mut self.tcp[side.index()];
        let buffered = t.unread();
        if buffered == 0 {
            // `tcp_recvmsg`: after the peer's FIN, EOF; else a pending error once, then
            // EOF on a dead connection.
            if t.fin_received {
                return Ok(Some(Received::Eof));
            }
            if t.err.take() == Some(SockErr::Reset) {
                return Err(PyExc::ConnectionReset);
            }
            return Ok(t.dead.then_some(Received::Eof));
        }
        let take = buffered.min(n as u64);
        let start = t.rcv_read;
        t.rcv_read += take;
        // An skb's memory comes back when the read has taken all of it.
        while let Some(skb) = t.rcv_skbs.front().copied() {
            if skb.end > t.rcv_read {
                break;
            }
            t.rcv_skbs.pop_front();
            t.rmem -= skb.truesize;
        }
        Ok(Some(Received::Data {
            chunk: self.range(dir, start, start + take),
            buffered: (buffered - take) as usize,
            datagram_len: None,
        }))
    }

    fn recv_free(&self, side: Side) -> u32 {
        let used = self.tcp[side.index()].unread();
        (self.params.recv_buffer as u64).saturating_sub(used) as u32
    }

    /// How the Linux receiver counts its buffer on this link: by truesize on loopback,
    /// where it was measured; by payload bytes elsewhere.
    fn rcv_profile(&self) -> RcvMemProfile {
        match (self.stack, self.params.link) {
            (Stack::Linux, Link::Loopback) => RcvMemProfile::LOOPBACK,
            _ => RcvMemProfile::BYTES,
        }
    }

    /// The window Linux would offer now, before the never-shrink rule
    /// ([`tcp::linux_select_window`]).
    fn linux_select(&self, side: Side) -> u32 {
        let profile = self.rcv_profile();
        let t = &self.tcp[side.index()];
        let (rmem, ratio) = if profile == RcvMemProfile::BYTES {
            (t.unread(), 256)
        } else if t.ratio == 0 {
            (t.rmem, profile.clamp_ratio)
        } else {
            (t.rmem, t.ratio)
        };
        tcp::linux_select_window(RcvSpace {
            recv_buffer: self.params.recv_buffer,
            rmem,
            ratio,
            rcv_mss: self.rcv_mss(side).rcv_mss,
            profile,
        })
    }

    /// What is left of the window this side last advertised (`tcp_receive_window`).
    fn window_left(&self, side: Side) -> u32 {
        let t = &self.tcp[side.index()];
        let received_since = t.rcv_nxt.saturating_sub(t.ack_sent);
        t.last_advertised
            .saturating_sub(received_since.min(u32::MAX as u64) as u32)
    }

    /// The window this side advertises now: Windows its free space; Linux
    /// [`tcp::linux_select_window`] with [`tcp::never_shrink`].
    fn window_now(&self, side: Side) -> u32 {
        match self.stack {
            Stack::Windows => self.recv_free(side),
            Stack::Linux => tcp::never_shrink(
                self.linux_select(side),
                self.window_left(side),
                self.rcv_profile().unit,
            ),
        }
    }

    /// The cumulative ACK this side sends: bytes received, +1 for a received FIN.
    fn ack_value(&self, side: Side) -> u64 {
        let t = &self.tcp[side.index()];
        t.rcv_nxt + t.fin_received as u64
    }

    fn rcv_mss(&self, side: Side) -> RcvMss {
        let t = &self.tcp[side.index()];
        t.rcv_mss.unwrap_or(RcvMss::initial(self.params.mss))
    }

    // ---- TCP: sending ------------------------------------------------------------------

    /// The largest segment this side sends now.
    fn send_mss(&self, side: Side) -> u32 {
        match self.stack {
            Stack::Linux => {
                tcp::linux_send_mss(self.params.mss, self.tcp[side.index()].peer_max_window)
            }
            Stack::Windows => self.params.mss,
        }
    }

    /// Sends whatever the sender rule allows now ([`tcp::sender_decision`]). On Linux a
    /// window too small for a segment is not used at an skb's start
    /// ([`tcp::linux_window_allows`]).
    pub(super) fn try_send(&mut self, side: Side) {
        let s = side.index();
        if self.tcp[s].dead {
            return;
        }
        let mut burst = false;
        loop {
            let mss = self.send_mss(side);
            let t = &self.tcp[s];
            let in_flight = t.snd_nxt - t.snd_una;
            let unsent = t.write_end - t.snd_nxt;
            let small_must_wait = match self.stack {
                Stack::Linux => tcp::minshall_waits(t.snd_sml, t.snd_una, t.snd_nxt),
                Stack::Windows => tcp::rfc896_waits(in_flight),
            };
            let room = (t.peer_window as u64).saturating_sub(in_flight);
            let window = match self.stack {
                Stack::Linux
                    if !tcp::linux_window_allows(
                        room,
                        unsent,
                        mss,
                        !tcp::skb_starts_at(t.snd_nxt, t.wq_start, t.wq_goal),
                    ) =>
                {
                    // Too small a window to start a burst on: as if shut. With nothing
                    // in flight no ACK will come, so the persist timer will send what
                    // fits (`tcp_check_probe_timer`).
                    if in_flight == 0 && room > 0 && !t.persist_armed {
                        self.tcp[s].persist_armed = true;
                        let at = tcp::linux_timer_deadline(self.now, tcp::RTO_MIN_US);
                        self.schedule(at, Pending::Persist(side));
                    }
                    let t = &self.tcp[s];
                    t.peer_window.min(in_flight.min(u32::MAX as u64) as u32)
                }
                _ => t.peer_window,
            };
            let t = &self.tcp[s];
            let verdict = tcp::sender_decision(
                unsent,
                in_flight,
                window,
                mss,
                self.params.nagle,
                small_must_wait,
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
                    if (len as u32) < mss {
                        self.tcp[s].snd_sml = seq + len as u64;
                    }
                    // The segments of one burst leave as one GSO skb.
                    self.transmit(side, seq, len, false, burst);
                    burst = true;
                }
                SendVerdict::Fin => {
                    let seq = self.tcp[s].snd_nxt;
                    self.tcp[s].fin_sent = true;
                    self.emit(side, EventKind::FinTx { seq }, None);
                    self.transmit(side, seq, 0, true, burst);
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

    /// Linux's persist timer (`tcp_probe_timer` → `tcp_write_wakeup`): a window that the
    /// sender's silly-window avoidance would not use is used after all, for what fits,
    /// when nothing else has moved for an RTO.
    pub(super) fn persist_fires(&mut self, side: Side) {
        let s = side.index();
        self.tcp[s].persist_armed = false;
        let t = &self.tcp[s];
        let in_flight = t.snd_nxt - t.snd_una;
        let unsent = t.write_end - t.snd_nxt;
        let room = (t.peer_window as u64).saturating_sub(in_flight);
        if t.dead || in_flight > 0 || unsent == 0 || room == 0 {
            return;
        }
        let len = unsent.min(room).min(self.send_mss(side) as u64) as usize;
        let seq = t.snd_nxt;
        self.tcp[s].snd_nxt += len as u64;
        self.tcp[s].snd_sml = seq + len as u64;
        self.transmit(side, seq, len, false, false);
        self.try_send(side);
    }

    /// The header of a segment this side sends now: it carries the current ACK and
    /// window, so it also acknowledges what this side has received and stops the ACK
    /// timer (Linux: `tcp_event_ack_sent`, which also spends a quick ACK).
    fn header_now(&mut self, side: Side, seq: u64, len: usize, fin: bool) -> SegHeader {
        let ack = self.ack_value(side);
        let win = self.window_now(side);
        let ato_min = ms_to_us(self.params.delayed_ack_ms);
        let reaches_sender = self.now + ms_to_us(self.params.latency_ms);
        let t = &mut self.tcp[side.index()];
        for skb in t.rcv_skbs.iter_mut().rev() {
            if skb.freed_at.is_some() {
                break;
            }
            if skb.end <= ack {
                skb.freed_at = Some(reaches_sender);
            }
        }
        t.ack_sent = ack;
        t.last_advertised = win;
        if t.delack.take().is_some() {
            t.delack_generation += 1;
        }
        t.unacked_segments = 0;
        if t.ack_scheduled {
            t.ack_scheduled = false;
            t.pushed = Pushed::default();
            if t.quick > 0 {
                t.quick -= 1;
                if t.quick == 0 {
                    t.ato = ato_min;
                }
            }
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
    fn transmit(&mut self, side: Side, seq: u64, len: usize, fin: bool, gso_cont: bool) {
        let hdr = self.header_now(side, seq, len, fin);
        if len > 0 && self.stack == Stack::Linux {
            let t = &mut self.tcp[side.index()];
            if tcp::enters_pingpong(self.now, t.last_data_rx, t.ato) {
                t.pingpong = true;
            }
        }
        let dir = side.tx_dir();
        let chunk = (len > 0).then(|| self.range(dir, seq, hdr.end()));
        self.emit(side, EventKind::SegmentTx(hdr), chunk);
        let seg = Segment {
            hdr,
            kind: SegKind::Data,
            gso_cont,
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
            kind: SegKind::PureAck,
            gso_cont: false,
        };
        self.put_on_wire(dir, 0, tcp::TCP_IP_HEADER, Packet::Segment(seg));
    }

    /// Resets the connection (`tcp_send_active_reset`): what is unsent is dropped and
    /// nothing more is sent or acknowledged.
    pub(super) fn send_reset(&mut self, side: Side) {
        let s = side.index();
        let t = &mut self.tcp[s];
        if t.dead {
            return;
        }
        t.dead = true;
        t.delack = None;
        t.nagle_since = None;
        let seq = t.snd_nxt;
        let hdr = SegHeader {
            seq,
            ack: self.ack_value(side),
            ..SegHeader::default()
        };
        self.emit(side, EventKind::RstTx { seq }, None);
        let dir = side.tx_dir();
        let seg = Segment {
            hdr,
            kind: SegKind::Rst,
            gso_cont: false,
        };
        self.put_on_wire(dir, 0, tcp::TCP_IP_HEADER, Packet::Segment(seg));
    }

    /// The application closes (`tcp_close`): on Linux, unread received data makes it a
    /// reset instead of a FIN (RFC 2525); otherwise the rest of the send buffer, then
    /// the FIN.
    pub(super) fn tcp_close(&mut self, side: Side) {
        let s = side.index();
        if self.stack == Stack::Linux && self.tcp[s].unread() > 0 {
            self.send_reset(side);
            return;
        }
        self.tcp[s].closing = true;
        self.try_send(side);
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

    /// A segment arrives, handled in Linux's order (`docs/design.md`, "Both stacks").
    pub(super) fn segment_arrives(&mut self, dir: Dir, seg: Segment) {
        let side = dir.receiver();
        let s = side.index();
        let h = seg.hdr;
        if self.tcp[s].dead {
            // The socket is gone; the kernel's answer (another RST) changes nothing.
            return;
        }
        if seg.kind == SegKind::Rst {
            self.reset_arrives(side, h.seq);
            return;
        }
        // (1) its ACK and window
        let t = &mut self.tcp[s];
        let acked_data = h.ack.min(t.snd_nxt);
        let freed = acked_data > t.snd_una;
        if freed {
            t.snd_una = acked_data;
        }
        t.peer_window = h.win;
        t.peer_max_window = t.peer_max_window.max(h.win);
        if seg.kind == SegKind::PureAck {
            let (ack, win) = (h.ack, h.win);
            self.emit(side, EventKind::AckRx { ack, win }, None);
        } else {
            let chunk = (h.len > 0).then(|| self.range(dir, h.seq, h.end()));
            self.emit(side, EventKind::SegmentRx(h), chunk);
        }
        // (2) its payload and FIN
        if seg.kind == SegKind::Data {
            debug_assert!(h.seq == self.tcp[s].rcv_nxt, "in order, no loss");
            if h.len > 0 && self.stack == Stack::Linux && self.apps[s].closed {
                // Data for a program that has closed (`tcp_rcv_state_process`, FIN-WAIT
                // with RCV_SHUTDOWN): nobody will read it, so the kernel resets.
                self.send_reset(side);
                return;
            }
            self.tcp[s].rcv_nxt += h.len as u64;
            if h.len > 0 {
                self.charge_skb(side, h.len as u32, seg.gso_cont);
                self.data_received(side, h.len as u32, seg.gso_cont);
            }
            if h.fin {
                let t = &mut self.tcp[s];
                t.fin_received = true;
                t.ack_scheduled = true;
                self.emit(side, EventKind::FinRx { seq: h.seq }, None);
                if self.stack == Stack::Linux {
                    // `tcp_fin`: an open side expects to answer (ping-pong, a delayed
                    // ACK); one that has closed ACKs at once.
                    self.tcp[s].pingpong = true;
                    if self.apps[s].closed {
                        self.send_pure_ack(side, AckReason::Fin);
                    }
                }
            }
        }
        // (3) send what the sender rule now allows (it carries the new ACK)
        self.try_send(side);
        // (4) the ACK policy for what is still unacknowledged
        if seg.kind == SegKind::Data {
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

    /// Bookkeeping of an arriving data segment: Windows counts it; Linux measures it and
    /// runs its delayed-ACK engine (`tcp_event_data_recv`).
    fn data_received(&mut self, side: Side, len: u32, gso_cont: bool) {
        let ato_min = ms_to_us(self.params.delayed_ack_ms);
        let mut rcv_mss = self.rcv_mss(side);
        let t = &mut self.tcp[side.index()];
        t.unacked_segments += 1;
        t.ack_scheduled = true;
        if self.stack == Stack::Windows {
            return;
        }
        // `tcp_measure_rcv_mss`: a larger segment than the estimate re-measures the
        // scaling ratio, over the whole skb it arrived in.
        if !gso_cont && len >= rcv_mss.rcv_mss && len != rcv_mss.rcv_mss {
            t.arriving.2 = true;
        }
        if t.arriving.2 {
            t.ratio = tcp::scaling_ratio(t.arriving.0, t.arriving.1);
        }
        if rcv_mss.measure(len, self.params.mss) {
            t.pushed.note();
        }
        t.rcv_mss = Some(rcv_mss);
        let budget = tcp::quickack_budget(t.last_advertised, rcv_mss.rcv_mss);
        match t.last_data_rx {
            None => {
                t.quick = t.quick.max(budget);
                t.ato = ato_min;
            }
            Some(last) => {
                let (ato, requick) = tcp::ato_after_gap(t.ato, self.now - last, ato_min);
                t.ato = ato;
                if requick {
                    t.quick = t.quick.max(budget);
                }
            }
        }
        t.last_data_rx = Some(self.now);
    }

    /// Charges an arriving segment's memory to the receive queue: it joins the last skb
    /// when it continues that skb's burst or [`tcp::coalesces`] into it, else it is a new
    /// skb costing the profile's overhead too.
    fn charge_skb(&mut self, side: Side, len: u32, gso_cont: bool) {
        let overhead = self.rcv_profile().skb_overhead;
        let now = self.now;
        let t = &mut self.tcp[side.index()];
        let end = t.rcv_nxt;
        let joins = match t.rcv_skbs.back() {
            Some(tail) => gso_cont || tcp::coalesces(tail.freed_at, now),
            None => false,
        };
        let cost = if joins { len } else { len + overhead };
        if joins && let Some(tail) = t.rcv_skbs.back_mut() {
            tail.end = end;
            tail.truesize += cost as u64;
            if gso_cont && !t.arriving.3 {
                // A fresh skb grows: the sender still shares it until an ACK covers
                // all of it (an ACK sent for its head does not count).
                tail.freed_at = None;
            }
        } else {
            t.rcv_skbs.push_back(Skb {
                end,
                truesize: cost as u64,
                freed_at: None,
            });
        }
        t.rmem += cost as u64;
        t.arriving = if gso_cont {
            let a = t.arriving;
            (a.0 + len, a.1 + len, a.2, a.3)
        } else {
            (len, len + overhead, false, joins)
        };
    }

    /// The peer's reset (`tcp_reset`): the connection is gone, its error waits for the
    /// next call, and what was received stays readable.
    fn reset_arrives(&mut self, side: Side, seq: u64) {
        let s = side.index();
        let t = &mut self.tcp[s];
        t.dead = true;
        t.err = Some(if t.fin_received {
            SockErr::Pipe
        } else {
            SockErr::Reset
        });
        t.delack = None;
        t.nagle_since = None;
        // The send queue is purged.
        t.snd_una = t.write_end;
        t.snd_nxt = t.write_end;
        self.emit(side, EventKind::RstRx { seq }, None);
        if self.apps[s].block != super::program::Block::None
            && self.apps[s].block != super::program::Block::Timer
        {
            self.wake(side);
        }
    }

    fn apply_ack_policy(&mut self, side: Side) {
        let s = side.index();
        let t = &self.tcp[s];
        if t.dead || self.ack_value(side) <= t.ack_sent {
            return;
        }
        let verdict = if !self.params.delayed_ack {
            AckVerdict::Now(AckReason::Immediate)
        } else {
            match self.stack {
                Stack::Windows => tcp::windows_ack_policy(
                    t.unacked_segments,
                    t.fin_received,
                    true,
                    t.delack.is_some(),
                ),
                Stack::Linux => {
                    let unacked = t.rcv_nxt.saturating_sub(t.ack_sent);
                    let window_advances = self.linux_select(side) >= t.last_advertised;
                    let quick = tcp::in_quickack_mode(t.quick, t.pingpong);
                    let rcv_mss = self.rcv_mss(side).rcv_mss;
                    match tcp::linux_ack_now(unacked, rcv_mss, window_advances, quick) {
                        Some(reason) => AckVerdict::Now(reason),
                        None => AckVerdict::StartTimer,
                    }
                }
            }
        };
        match verdict {
            AckVerdict::Now(reason) => self.send_pure_ack(side, reason),
            AckVerdict::StartTimer => self.start_delayed_ack(side),
            AckVerdict::Wait => {}
        }
    }

    fn start_delayed_ack(&mut self, side: Side) {
        let s = side.index();
        let ato = match self.stack {
            Stack::Windows => ms_to_us(self.params.delayed_ack_ms),
            // The timer is the ATO bounded by the RTT, never below TCP_DELACK_MIN
            // (`tcp_send_delayed_ack`): on fast links, always the minimum.
            Stack::Linux => ms_to_us(self.params.delayed_ack_ms),
        };
        let running = self.tcp[s].delack;
        let deadline = match self.stack {
            Stack::Linux => tcp::delayed_ack(self.now, running, ato),
            Stack::Windows => Some(running.unwrap_or(self.now + ato)),
        };
        let Some(deadline_us) = deadline else {
            self.send_pure_ack(side, AckReason::Timer);
            return;
        };
        if running == Some(deadline_us) {
            return;
        }
        let t = &mut self.tcp[s];
        t.delack = Some(deadline_us);
        t.delack_generation += 1;
        let generation = t.delack_generation;
        self.emit(side, EventKind::DelayedAckStart { deadline_us }, None);
        self.schedule(deadline_us, Pending::DelayedAck(side, generation));
    }

    pub(super) fn delayed_ack_fires(&mut self, side: Side, generation: u64) {
        let ato_min = ms_to_us(self.params.delayed_ack_ms);
        let t = &mut self.tcp[side.index()];
        if t.delack.is_none() || t.delack_generation != generation || t.dead {
            return;
        }
        if self.stack == Stack::Linux {
            // `tcp_delack_timer_handler`: a missed delayed ACK ends ping-pong mode.
            if t.pingpong {
                t.pingpong = false;
                t.ato = ato_min;
            } else {
                t.ato = (t.ato * 2).min(tcp::RTO_MIN_US);
            }
        }
        self.emit(side, EventKind::DelayedAckFire, None);
        self.send_pure_ack(side, AckReason::Timer);
    }

    /// After the application read `copied` bytes: an ACK or window update if the
    /// stack's rule wants one (Linux [`tcp::ack_on_read`], Windows
    /// [`tcp::window_update_due`]).
    pub(super) fn after_read(&mut self, side: Side, copied: u64) {
        let s = side.index();
        if self.tcp[s].dead {
            return;
        }
        let free = self.recv_free(side);
        let t = &self.tcp[s];
        let reason = match self.stack {
            Stack::Windows => tcp::window_update_due(
                free,
                t.last_advertised,
                self.params.mss,
                self.params.recv_buffer,
            )
            .then_some(AckReason::WindowUpdate),
            Stack::Linux => {
                let received_since = t.rcv_nxt.saturating_sub(t.ack_sent);
                tcp::ack_on_read(AfterRead {
                    copied,
                    ack_scheduled: t.ack_scheduled,
                    unacked: received_since,
                    rcv_mss: self.rcv_mss(side).rcv_mss,
                    buffer_empty: t.unread() == 0,
                    pushed: t.pushed,
                    pingpong: t.pingpong,
                    fin_received: t.fin_received,
                    window_left: self.window_left(side),
                    window_now: self.linux_select(side),
                    window_clamp: self.rcv_profile().clamp(self.params.recv_buffer),
                })
            }
        };
        if let Some(reason) = reason {
            self.send_pure_ack(side, reason);
        }
    }

    // ---- UDP ---------------------------------------------------------------------------

    pub(super) fn send_datagram(&mut self, dir: Dir, offset: u64, len: usize) {
        let side = dir.sender();
        let chunk = self.range(dir, offset, offset + len as u64);
        self.emit(side, EventKind::DatagramTx { len }, Some(chunk));
        let lost =
            self.params.loss > 0.0 && self.loss_rng[dir.index()].random::<f64>() < self.params.loss;
        let d = Datagram { offset, len, lost };
        self.put_on_wire(dir, len, tcp::UDP_IP_HEADER, Packet::Datagram(d));
    }

    pub(super) fn datagram_arrives(&mut self, dir: Dir, d: Datagram) {
        let side = dir.receiver();
        let chunk = self.range(dir, d.offset, d.offset + d.len as u64);
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

//! The TCP rules of the model, one function each, with the reasons in words.
//!
//! These are pure decisions: the simulation ([`super::Sim`]) keeps the state and asks
//! these functions what to do. Sequence numbers are stream offsets (the first data byte
//! is seq 0; a FIN takes the seq after the last byte).

use crate::trace::{AckReason, Micros};

/// What the sender may do now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SendVerdict {
    /// Transmit a data segment of this many bytes.
    Segment(usize),
    /// Everything written has left; the application closed: send the FIN.
    Fin,
    /// A small segment is held back by Nagle's algorithm.
    NagleHold,
    /// The peer's window has no room.
    WindowFull,
    /// Nothing to send.
    Idle,
}

/// May the sender transmit? (`docs/design.md` "Windows stack"; the same shape on Linux)
///
/// - `usable = min(unsent, mss, peer window − bytes in flight)`; nothing if 0.
/// - A full segment (`usable == mss`) goes now.
/// - A smaller one goes now if Nagle is off, or the stack's Nagle rule lets it
///   (`small_must_wait` false: [`rfc896_waits`] on Windows, [`minshall_waits`] on
///   Linux), or the application has closed (the rest goes out regardless); otherwise
///   it is held until an ACK arrives or a full segment accumulates.
/// - When nothing is unsent and the application has closed, the FIN goes.
#[allow(clippy::too_many_arguments)]
pub fn sender_decision(
    unsent: u64,
    in_flight: u64,
    peer_window: u32,
    mss: u32,
    nagle: bool,
    small_must_wait: bool,
    closing: bool,
    fin_sent: bool,
) -> SendVerdict {
    if unsent == 0 {
        return if closing && !fin_sent {
            SendVerdict::Fin
        } else {
            SendVerdict::Idle
        };
    }
    let room = (peer_window as u64).saturating_sub(in_flight);
    let usable = unsent.min(mss as u64).min(room);
    if usable == 0 {
        return SendVerdict::WindowFull;
    }
    if usable == mss as u64 || !nagle || !small_must_wait || closing {
        SendVerdict::Segment(usable as usize)
    } else {
        SendVerdict::NagleHold
    }
}

/// RFC 896 (the Windows stack): a small segment waits while anything is in flight.
pub fn rfc896_waits(in_flight: u64) -> bool {
    in_flight > 0
}

/// Nagle with Minshall's change (Linux: `tcp_nagle_check` and `tcp_minshall_check` in
/// `net/ipv4/tcp_output.c`): a small segment waits only while an earlier *small*
/// segment is unacknowledged. `snd_sml` is the end of the last small segment sent
/// (`tcp_minshall_update`). So the tail of a large write is not held behind the full
/// segments before it, and a writer whose peer ACKs each byte at once is never held.
pub fn minshall_waits(snd_sml: u64, snd_una: u64, snd_nxt: u64) -> bool {
    snd_sml > snd_una && snd_sml <= snd_nxt
}

/// The largest segment Linux sends: the MSS, but at most half the largest window the
/// peer has advertised (`tcp_bound_to_half_wnd` in `net/ipv4/tcp_output.c`), so a
/// window is never filled by one segment. On loopback (MSS 65483, a first window of
/// about 64 KiB) the first segments are about 32 KiB and grow with the window.
pub fn linux_send_mss(mss: u32, peer_max_window: u32) -> u32 {
    let cutoff = if peer_max_window > TCP_MSS_DEFAULT {
        peer_max_window / 2
    } else {
        peer_max_window
    };
    if cutoff > 0 && mss > cutoff {
        cutoff.max(68 - 20)
    } else {
        mss
    }
}

/// The window in a SYN (`tcp_select_initial_window`): not scaled, so at most 65535,
/// and rounded down to whole segments: 64240 on a LAN, 65483 on loopback. It is the
/// largest window the peer has seen until the first ACK after the handshake.
pub fn syn_window(recv_buffer: u32, mss: u32) -> u32 {
    let space = recv_buffer.min(65535);
    if mss > 0 && space > mss {
        space / mss * mss
    } else {
        space
    }
}

/// What the receiver does about bytes (or a FIN) it has not acknowledged yet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AckVerdict {
    /// Send a pure ACK now.
    Now(AckReason),
    /// Start the delayed-ACK timer.
    StartTimer,
    /// The timer already runs; it will send the ACK.
    Wait,
}

/// The Windows ACK policy (`docs/design.md` "Windows stack"), applied after an
/// arriving segment was taken in and after the sender had its chance to piggyback the
/// ACK on data:
///
/// - a FIN is acknowledged at once;
/// - with delayed ACK off, every segment is acknowledged at once;
/// - with it on, at once when two data segments are unacknowledged (Windows'
///   `TcpAckFrequency` = 2), else a timer of `delayed_ack_ms` starts if none runs.
pub fn windows_ack_policy(
    unacked_segments: u32,
    fin_unacked: bool,
    delayed_ack: bool,
    timer_running: bool,
) -> AckVerdict {
    if fin_unacked {
        AckVerdict::Now(AckReason::Fin)
    } else if !delayed_ack {
        AckVerdict::Now(AckReason::Immediate)
    } else if unacked_segments >= 2 {
        AckVerdict::Now(AckReason::TwoSegments)
    } else if timer_running {
        AckVerdict::Wait
    } else {
        AckVerdict::StartTimer
    }
}

/// The window a read must open before the Windows receiver tells the sender:
/// `min(mss, recv_buffer / 2)`.
pub fn window_update_threshold(mss: u32, recv_buffer: u32) -> u32 {
    mss.min(recv_buffer / 2)
}

/// Windows: a window update goes out when a read raises the free space to at least the
/// threshold while the last advertised window was below it (so a sender stalled on a
/// small or zero window learns that it may go on, without an update per read).
pub fn window_update_due(
    free_after: u32,
    last_advertised: u32,
    mss: u32,
    recv_buffer: u32,
) -> bool {
    let threshold = window_update_threshold(mss, recv_buffer);
    free_after >= threshold && last_advertised < threshold
}

// ---- the Linux receiver's delayed-ACK engine ----------------------------------------------

/// `TCP_MSS_DEFAULT`: the receiver's first guess of the peer's segment size.
pub const TCP_MSS_DEFAULT: u32 = 536;
/// `TCP_MAX_QUICKACKS`.
pub const MAX_QUICKACKS: u32 = 16;
/// `TCP_RTO_MIN`: the retransmission timeout on a fast link (loopback, a LAN), which is
/// also the idle gap after which quick-ACK mode starts again.
pub const RTO_MIN_US: Micros = 200_000;

/// The receiver's estimate of the peer's segment size (`icsk_ack.rcv_mss`), which
/// decides what counts as a "full" segment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RcvMss {
    pub rcv_mss: u32,
    /// `icsk_ack.last_seg_size`: the size of the last sub-MSS segment of at least 536 B.
    pub last_seg: u32,
}

impl RcvMss {
    /// `tcp_initialize_rcv_mss`: at most 536 before anything arrived.
    pub fn initial(mss: u32) -> RcvMss {
        RcvMss {
            rcv_mss: mss.clamp(1, TCP_MSS_DEFAULT),
            last_seg: 0,
        }
    }

    /// `tcp_measure_rcv_mss` (`net/ipv4/tcp_input.c`) for an arriving segment of `len`
    /// payload bytes. Returns true when the segment is a small, pushed one: the receiver
    /// then notes ICSK_ACK_PUSHED (a second one: PUSHED2), which lets a read that
    /// empties the buffer ACK at once ([`ack_on_read`]). A segment at least as large
    /// as the estimate raises it; two equal sub-MSS segments of 536 B or more set it.
    pub fn measure(&mut self, len: u32, advmss: u32) -> bool {
        let lss = self.last_seg;
        self.last_seg = 0;
        if len >= self.rcv_mss {
            self.rcv_mss = len.min(advmss);
            return false;
        }
        if len >= TCP_MSS_DEFAULT {
            self.last_seg = len;
            if len == lss {
                self.rcv_mss = len;
                return false;
            }
        }
        true
    }
}

/// How many quick ACKs a receiver grants at the start of a connection or after an idle
/// gap (`tcp_incr_quickack`): one per two full segments the window holds, at most 16;
/// 2 when the window holds less than two. With loopback's large segments that is 1.
pub fn quickack_budget(rcv_wnd: u32, rcv_mss: u32) -> u32 {
    match rcv_wnd / (2 * rcv_mss.max(1)) {
        0 => 2,
        n => n.min(MAX_QUICKACKS),
    }
}

/// `tcp_in_quickack_mode`: every segment is ACKed at once while quick ACKs are left,
/// except in interactive (ping-pong) mode.
pub fn in_quickack_mode(quick: u32, pingpong: bool) -> bool {
    quick > 0 && !pingpong
}

/// The ACK timeout estimate after a data segment arrives `gap` after the previous one
/// (`tcp_event_data_recv`): it follows the inter-arrival time, never below
/// `ato_min`, at most the RTO. `None` for a gap longer than the RTO: the sender was
/// idle, so quick-ACK mode starts again (and the estimate stays).
pub fn ato_after_gap(ato: Micros, gap: Micros, ato_min: Micros) -> (Micros, bool) {
    if gap <= ato_min / 2 {
        (ato / 2 + ato_min / 2, false)
    } else if gap < ato {
        ((ato / 2 + gap).min(RTO_MIN_US), false)
    } else if gap > RTO_MIN_US {
        (ato, true)
    } else {
        (ato, false)
    }
}

/// Interactive (ping-pong) mode begins when a side sends data less than the ACK
/// timeout after it last received data (`tcp_event_data_sent` in
/// `net/ipv4/tcp_output.c`; the threshold `tcp_pingpong_thresh` is 1). A side in
/// ping-pong mode expects to piggyback its ACKs on replies, so it gives no quick ACKs.
pub fn enters_pingpong(now: Micros, last_data_rx: Option<Micros>, ato: Micros) -> bool {
    last_data_rx.is_some_and(|t| now.saturating_sub(t) < ato)
}

/// Linux's decision after an arriving segment left data unacknowledged
/// (`__tcp_ack_snd_check` in `net/ipv4/tcp_input.c`): ACK now when more than one full
/// segment is unacknowledged and the window can advance (the read has kept up, so the
/// ACK opens the window), or in quick-ACK mode; else the delayed-ACK timer.
pub fn linux_ack_now(
    unacked: u64,
    rcv_mss: u32,
    window_advances: bool,
    quickack: bool,
) -> Option<AckReason> {
    if unacked > rcv_mss as u64 && window_advances {
        Some(AckReason::FullSegments)
    } else if quickack {
        Some(AckReason::QuickAck)
    } else {
        None
    }
}

/// Small pushed segments received since the last ACK (ICSK_ACK_PUSHED, PUSHED2).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Pushed(pub u8);

impl Pushed {
    pub fn note(&mut self) {
        self.0 = (self.0 + 1).min(2);
    }
}

/// What the receiver knows after the application read `copied` bytes, for
/// [`ack_on_read`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AfterRead {
    pub copied: u64,
    /// Received bytes (or a FIN) are unacknowledged (ICSK_ACK_SCHED).
    pub ack_scheduled: bool,
    pub unacked: u64,
    pub rcv_mss: u32,
    pub buffer_empty: bool,
    pub pushed: Pushed,
    pub pingpong: bool,
    pub fin_received: bool,
    /// What is left of the last advertised window (`tcp_receive_window`).
    pub window_left: u32,
    /// The window that could be advertised now.
    pub window_now: u32,
    /// The largest window (`window_clamp`: the receive buffer).
    pub window_clamp: u32,
}

/// Linux ACKs after a read (`tcp_cleanup_rbuf` in `net/ipv4/tcp.c`): when more than
/// one full segment is unacknowledged; when the read emptied the buffer after a small
/// pushed segment (two of them in ping-pong mode), so an eager reader's peer is never
/// kept waiting on a lone small segment; or when the read at least doubled a window
/// that had shrunk to half or less (a window update).
pub fn ack_on_read(r: AfterRead) -> Option<AckReason> {
    if r.copied == 0 {
        return None;
    }
    if r.ack_scheduled {
        if r.unacked > r.rcv_mss as u64 {
            return Some(AckReason::FullSegments);
        }
        let pushed = r.pushed.0 >= 2 || (r.pushed.0 == 1 && !r.pingpong);
        if pushed && r.buffer_empty {
            return Some(AckReason::ReadEmptied);
        }
    }
    if !r.fin_received
        && 2 * r.window_left as u64 <= r.window_clamp as u64
        && r.window_now > 0
        && r.window_now as u64 >= 2 * r.window_left as u64
    {
        return Some(AckReason::WindowUpdate);
    }
    None
}

/// The kernel's timer tick on the project's machine: CONFIG_HZ = 250, so jiffies are 4 ms.
pub const JIFFY_US: Micros = 4_000;

/// When a Linux timer set at `now` for `timeout` fires: timeouts count whole jiffies,
/// and the timer wheel files a timer one tick later than asked (`calc_index` in
/// `kernel/time/timer.c` rounds up), so a 40 ms delayed ACK fires 40 to 44 ms later, 42
/// on average. Measured on this machine: 40.2 to 48.0 ms (mean 44.9) for timers armed
/// at random points of a jiffy; a fixed 44 ms was tried against `stickysim calibrate`
/// and fitted worse (c06 12 ms too long), so the phase rule stays.
///
/// The ticks are placed half a jiffy off the connection's t = 0 (the real phase is
/// arbitrary), so timers set just after a round time wait the mean 42 ms.
pub fn linux_timer_deadline(now: Micros, timeout: Micros) -> Micros {
    let ticks = timeout.div_ceil(JIFFY_US);
    let phase = JIFFY_US / 2;
    ((now + phase) / JIFFY_US + ticks + 1) * JIFFY_US - phase
}

// ---- the Linux receiver's memory and window ---------------------------------------------

/// How a Linux receiver counts its buffer on a link. The kernel charges each queued skb
/// its truesize (payload plus the skb's own memory) against SO_RCVBUF, and turns free
/// memory into window by the payload/truesize ratio it measured (`scaling_ratio`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RcvMemProfile {
    /// Bytes an skb costs beyond its payload.
    pub skb_overhead: u32,
    /// `window_clamp` (the most ever offered) as a fraction of the buffer, in 1/256.
    pub clamp_ratio: u32,
    /// Windows are multiples of this (`1 << rcv_wscale`).
    pub unit: u32,
}

impl RcvMemProfile {
    /// Payload bytes only, every window exact: the textbook's accounting, kept on the
    /// lan link (a NIC's truesize depends on its driver; none was measured here).
    pub const BYTES: RcvMemProfile = RcvMemProfile {
        skb_overhead: 0,
        clamp_ratio: 256,
        unit: 1,
    };
    /// 127.0.0.1 on this machine (Linux 6.18, `SO_MEMINFO` and captures on `lo`): an skb
    /// costs its payload + 832 bytes; with the default 131072-byte buffer the receiver
    /// never offers more than 95232 (its `rcv_ssthresh`, 186/256 of the buffer); window
    /// scale 10 (`tcp_rmem[2]` = 32 MiB), so windows count in 1024s.
    pub const LOOPBACK: RcvMemProfile = RcvMemProfile {
        skb_overhead: 832,
        clamp_ratio: 186,
        unit: 1024,
    };

    /// The largest window ever offered for a buffer (`window_clamp`).
    pub fn clamp(self, recv_buffer: u32) -> u32 {
        win_from_space(recv_buffer as u64, self.clamp_ratio)
    }
}

/// `tcp_measure_rcv_mss`: when a segment larger than the current estimate arrives, the
/// kernel re-measures how much of an skb's memory is payload: `len · 256 / truesize`.
/// A GSO skb (one on loopback carries a whole burst) counts with its whole length.
pub fn scaling_ratio(len: u32, truesize: u32) -> u32 {
    ((len as u64 * 256) / truesize.max(1) as u64).clamp(1, 256) as u32
}

/// `tcp_win_from_space`: the window a number of buffer bytes is worth.
pub fn win_from_space(space: u64, ratio: u32) -> u32 {
    ((space * ratio as u64) >> 8).min(u32::MAX as u64) as u32
}

/// What [`linux_select_window`] needs to know about the receiver.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RcvSpace {
    /// SO_RCVBUF.
    pub recv_buffer: u32,
    /// Memory the queued skbs hold (`sk_rmem_alloc`).
    pub rmem: u64,
    /// The current `scaling_ratio`, in 1/256.
    pub ratio: u32,
    pub rcv_mss: u32,
    pub profile: RcvMemProfile,
}

/// The window a Linux receiver would offer now (`__tcp_select_window` in
/// `net/ipv4/tcp_output.c`): its free memory turned into window by the scaling ratio,
/// at most `window_clamp`. While less than half the buffer is free it rounds down, and
/// offers nothing at all when that is under one segment or a sixteenth of the buffer
/// (receiver-side silly-window avoidance: a slow reader does not invite a trickle of
/// small segments; it advertises a zero window and reopens it only when a read frees
/// enough). The result is a whole number of window units.
pub fn linux_select_window(r: RcvSpace) -> u32 {
    let unit = r.profile.unit.max(1);
    let allowed = win_from_space(r.recv_buffer as u64, r.ratio);
    let full = r.profile.clamp(r.recv_buffer).min(allowed);
    let mss = r.rcv_mss.min(full);
    let mut free = win_from_space((r.recv_buffer as u64).saturating_sub(r.rmem), r.ratio);
    if free < full / 2 {
        free = free / unit * unit;
        if free < allowed / 16 || free < mss {
            return 0;
        }
    }
    free.min(full).div_ceil(unit) * unit
}

/// `tcp_select_window`: the right edge of an offered window never moves back, so the
/// new window is at least what is left of the last one (`tcp_receive_window`), rounded
/// up to a window unit. The sender may then fill memory the receiver no longer has;
/// the kernel squeezes it in (or drops and gets it again); the model takes it.
pub fn never_shrink(new: u32, window_left: u32, unit: u32) -> u32 {
    let unit = unit.max(1);
    new.max(window_left.div_ceil(unit) * unit)
}

/// `tcp_try_coalesce` / `skb_try_coalesce`: an arriving segment's data joins the last
/// skb of the receive queue (costing only its payload) unless that skb is still
/// shared with the sender's retransmit queue (`skb_cloned`): on loopback the receiver's
/// skb is the sender's clone until the sender has taken in the ACK that frees its copy.
/// `tail_freed_at` is when the ACK covering the last skb reached the sender.
pub fn coalesces(tail_freed_at: Option<Micros>, now: Micros) -> bool {
    tail_freed_at.is_some_and(|t| t <= now)
}

/// The size of the skbs a Linux write fills (`tcp_xmit_size_goal`): as many whole
/// segments as fit in 64 KiB (GSO) and in half the largest window the peer offered, at
/// least one. On loopback's first window (65483) that is one 32741-byte segment; on a
/// LAN (1460-byte segments, a 64240-byte window) 22 segments.
pub fn linux_size_goal(mss: u32, peer_max_window: u32) -> u64 {
    let mss = mss.max(1) as u64;
    let half = if peer_max_window > TCP_MSS_DEFAULT {
        peer_max_window / 2
    } else {
        peer_max_window
    } as u64;
    (65_536u64.min(half) / mss).max(1) * mss
}

/// Does an skb of the write queue start at `seq`? A write into an empty queue starts an
/// skb at `start`; later skbs follow every `goal` bytes (0: every byte, as if unknown).
pub fn skb_starts_at(seq: u64, start: u64, goal: u64) -> bool {
    goal == 0 || seq < start || (seq - start).is_multiple_of(goal)
}

/// Linux's sender-side window test (`tcp_snd_wnd_test` and `tcp_mss_split_point` in
/// `net/ipv4/tcp_output.c`): an skb goes only if its first segment fits the peer's
/// window whole (a full MSS, or all that is unsent when that is less); once its head
/// has gone, the rest of the skb may be cut at the window's end. So a window smaller
/// than a segment is not used at an skb's start while more than it is waiting
/// (sender-side silly-window avoidance).
pub fn linux_window_allows(room: u64, unsent: u64, mss: u32, inside_skb: bool) -> bool {
    inside_skb || room >= unsent.min(mss as u64)
}

/// When the delayed ACK goes, given the timer that may already run
/// (`tcp_send_delayed_ack`): a new timer of `ato`; a running timer keeps its deadline,
/// but one due within a quarter of `ato` is not waited for: ACK now.
pub fn delayed_ack(now: Micros, running: Option<Micros>, ato: Micros) -> Option<Micros> {
    match running {
        Some(deadline) if deadline <= now + ato / 4 => None,
        Some(deadline) => Some(deadline),
        None => Some(linux_timer_deadline(now, ato)),
    }
}

/// Serialization delay of one packet on a link: (payload + header) / bandwidth,
/// rounded up to a whole microsecond. 0 Mbps means unlimited.
pub fn serialization_us(payload: usize, header: usize, bandwidth_mbps: f64) -> u64 {
    if bandwidth_mbps <= 0.0 {
        return 0;
    }
    let us = ((payload + header) as f64) * 8.0 / bandwidth_mbps;
    let r = us.round();
    if (us - r).abs() < 1e-9 {
        r as u64
    } else {
        us.ceil() as u64
    }
}

/// TCP/IP header bytes counted on the wire for every segment.
pub const TCP_IP_HEADER: usize = 40;
/// UDP/IP header bytes counted on the wire for every datagram.
pub const UDP_IP_HEADER: usize = 28;

#[cfg(test)]
mod tests {
    use super::*;

    /// `sender_decision` with RFC 896's rule (Windows): small segments wait while
    /// anything is in flight.
    fn rfc896(unsent: u64, in_flight: u64, win: u32, nagle: bool, closing: bool) -> SendVerdict {
        let waits = rfc896_waits(in_flight);
        sender_decision(unsent, in_flight, win, 1460, nagle, waits, closing, false)
    }

    // ---- Tests for Nagle's algorithm (RFC 896, Windows) -----------------------------------

    #[test]
    fn small_segment_goes_when_nothing_in_flight() {
        assert_eq!(rfc896(5, 0, 65536, true, false), SendVerdict::Segment(5));
    }

    #[test]
    fn small_segment_held_while_data_in_flight() {
        assert_eq!(rfc896(5, 5, 65536, true, false), SendVerdict::NagleHold);
    }

    #[test]
    fn small_segment_goes_with_nagle_off() {
        assert_eq!(rfc896(5, 5, 65536, false, false), SendVerdict::Segment(5));
    }

    #[test]
    fn full_segment_goes_despite_data_in_flight() {
        assert_eq!(
            rfc896(3000, 5, 65536, true, false),
            SendVerdict::Segment(1460)
        );
    }

    #[test]
    fn close_flushes_held_data_then_fin() {
        assert_eq!(rfc896(5, 5, 65536, true, true), SendVerdict::Segment(5));
        let fin = |fin_sent| sender_decision(0, 5, 65536, 1460, true, true, true, fin_sent);
        assert_eq!(fin(false), SendVerdict::Fin);
        assert_eq!(fin(true), SendVerdict::Idle);
    }

    // ---- Tests for Nagle with Minshall's change (Linux) ----------------------------------

    #[test]
    fn minshall_holds_only_behind_an_unacknowledged_small_segment() {
        // A 5-byte segment [0, 5) is in flight: the next small one waits.
        assert!(minshall_waits(5, 0, 5));
        // It was acknowledged: full segments may be in flight, a small one goes.
        assert!(!minshall_waits(5, 5, 2925));
        // Only full segments were ever sent (snd_sml = 0): never held.
        assert!(!minshall_waits(0, 0, 2920));
        // The tail of a large write [2920, 2925) unacknowledged: the next small waits.
        assert!(minshall_waits(2925, 1460, 2925));
    }

    #[test]
    fn the_tail_of_a_large_write_is_not_held_behind_full_segments() {
        // 1460 + 1460 in flight, 100 B left; the last small segment was long acked.
        let waits = minshall_waits(0, 0, 2920);
        let v = sender_decision(100, 2920, 65536, 1460, true, waits, false, false);
        assert_eq!(v, SendVerdict::Segment(100), "RFC 896 would hold it");
        assert_eq!(
            rfc896(100, 2920, 65536, true, false),
            SendVerdict::NagleHold
        );
    }

    #[test]
    fn linux_segments_are_at_most_half_the_largest_window() {
        // Loopback: MSS 65483, the SYN's window 65483 → 32741-byte segments.
        assert_eq!(linux_send_mss(65483, 65483), 32741);
        assert_eq!(linux_send_mss(65483, 95232), 47616);
        assert_eq!(linux_send_mss(65483, 262144), 65483);
        // A LAN's MSS is far below half any window.
        assert_eq!(linux_send_mss(1460, 65535), 1460);
        // A tiny window (≤ 536) bounds the segment by the whole window.
        assert_eq!(linux_send_mss(1460, 500), 500);
        assert_eq!(syn_window(131072, 65483), 65483);
        assert_eq!(syn_window(131072, 1460), 64240);
        assert_eq!(syn_window(4096, 1460), 2920);
        assert_eq!(syn_window(1000, 1460), 1000);
    }

    // ---- Tests for flow control -------------------------------------------------------

    #[test]
    fn zero_window_stops_the_sender() {
        assert_eq!(rfc896(100, 0, 0, false, false), SendVerdict::WindowFull);
        assert_eq!(rfc896(100, 500, 500, false, false), SendVerdict::WindowFull);
    }

    #[test]
    fn small_window_limits_the_segment_and_nagle_holds_it() {
        // 300 bytes of room: a "small" segment, held while data is in flight.
        assert_eq!(rfc896(2000, 200, 500, true, false), SendVerdict::NagleHold);
        assert_eq!(rfc896(2000, 0, 300, true, false), SendVerdict::Segment(300));
    }

    #[test]
    fn window_update_only_when_crossing_the_threshold() {
        // threshold = min(1460, 4096/2) = 1460
        assert!(window_update_due(1460, 0, 1460, 4096));
        assert!(!window_update_due(1459, 0, 1460, 4096));
        assert!(!window_update_due(3000, 1460, 1460, 4096));
        // a tiny buffer: threshold = half of it
        assert_eq!(window_update_threshold(1460, 1000), 500);
    }

    // ---- Tests for the Windows ACK policy -----------------------------------------------

    #[test]
    fn windows_starts_the_timer_for_one_segment() {
        assert_eq!(
            windows_ack_policy(1, false, true, false),
            AckVerdict::StartTimer
        );
        assert_eq!(windows_ack_policy(1, false, true, true), AckVerdict::Wait);
    }

    #[test]
    fn windows_acks_every_second_segment_whatever_its_size() {
        let two = AckVerdict::Now(AckReason::TwoSegments);
        assert_eq!(windows_ack_policy(2, false, true, true), two);
        assert_eq!(windows_ack_policy(2, false, true, false), two);
    }

    #[test]
    fn no_delayed_ack_means_immediate_and_a_fin_is_acked_at_once() {
        let now = |r| AckVerdict::Now(r);
        assert_eq!(
            windows_ack_policy(1, false, false, false),
            now(AckReason::Immediate)
        );
        assert_eq!(
            windows_ack_policy(0, true, true, false),
            now(AckReason::Fin)
        );
    }

    // ---- Tests for the Linux receiver's segment-size estimate ---------------------------

    #[test]
    fn rcv_mss_starts_at_536_and_follows_full_segments() {
        let mut m = RcvMss::initial(65483);
        assert_eq!(m.rcv_mss, 536);
        assert!(
            !m.measure(32741, 65483),
            "a large segment is not a small push"
        );
        assert_eq!(m.rcv_mss, 32741);
        assert!(m.measure(5, 65483), "5 bytes: small and pushed");
        assert_eq!(m.rcv_mss, 32741);
        assert_eq!(RcvMss::initial(100).rcv_mss, 100);
    }

    #[test]
    fn two_equal_mid_sized_segments_set_the_estimate() {
        let mut m = RcvMss::initial(1460);
        m.measure(1460, 1460);
        assert!(
            m.measure(1000, 1460),
            "the first 1000-byte one counts as pushed"
        );
        assert!(!m.measure(1000, 1460), "the second equal one sets rcv_mss");
        assert_eq!(m.rcv_mss, 1000);
    }

    #[test]
    fn pushed_counts_to_two() {
        let mut p = Pushed::default();
        p.note();
        assert_eq!(p, Pushed(1));
        p.note();
        p.note();
        assert_eq!(p, Pushed(2));
    }

    // ---- Tests for quick-ACK mode (Linux) ----------------------------------------------------

    #[test]
    fn quick_ack_budget_is_one_per_two_segments_the_window_holds() {
        assert_eq!(
            quickack_budget(65536, 536),
            16,
            "small segments: the maximum"
        );
        assert_eq!(
            quickack_budget(65536, 32741),
            1,
            "loopback's large segments"
        );
        assert_eq!(quickack_budget(65536, 40000), 2, "less than two: 2");
        assert_eq!(quickack_budget(20000, 1460), 6);
    }

    #[test]
    fn ping_pong_turns_quick_acks_off() {
        assert!(in_quickack_mode(3, false));
        assert!(!in_quickack_mode(3, true));
        assert!(!in_quickack_mode(0, false));
    }

    #[test]
    fn the_ack_timeout_follows_the_gaps_and_an_idle_gap_restarts_quick_acks() {
        let min = 40_000;
        assert_eq!(ato_after_gap(min, 5_000, min), (min, false), "fast: stays");
        assert_eq!(
            ato_after_gap(min, 30_000, min),
            (50_000, false),
            "ato/2 + gap"
        );
        assert_eq!(ato_after_gap(min, 100_000, min), (min, false));
        assert_eq!(ato_after_gap(min, 250_000, min), (min, true), "idle > RTO");
        assert_eq!(ato_after_gap(400_000, 300_000, min), (RTO_MIN_US, false));
    }

    #[test]
    fn a_reply_within_the_ack_timeout_enters_ping_pong() {
        assert!(enters_pingpong(30_000, Some(0), 40_000));
        assert!(!enters_pingpong(40_000, Some(0), 40_000));
        assert!(!enters_pingpong(5, None, 40_000), "nothing received yet");
    }

    // ---- Tests for Linux's immediate ACKs ------------------------------------------------

    #[test]
    fn more_than_one_full_segment_is_acked_at_once_if_the_window_advances() {
        let full = Some(AckReason::FullSegments);
        assert_eq!(linux_ack_now(1461, 1460, true, false), full);
        assert_eq!(
            linux_ack_now(1461, 1460, false, false),
            None,
            "reader behind"
        );
        assert_eq!(linux_ack_now(1460, 1460, true, false), None, "one segment");
        assert_eq!(
            linux_ack_now(5, 1460, false, true),
            Some(AckReason::QuickAck)
        );
    }

    fn read(copied: u64) -> AfterRead {
        AfterRead {
            copied,
            ack_scheduled: true,
            unacked: 5,
            rcv_mss: 1460,
            buffer_empty: true,
            pushed: Pushed(1),
            pingpong: false,
            fin_received: false,
            window_left: 65531,
            window_now: 65536,
            window_clamp: 65536,
        }
    }

    #[test]
    fn a_read_that_empties_the_buffer_acks_a_pushed_small_segment() {
        assert_eq!(ack_on_read(read(5)), Some(AckReason::ReadEmptied));
        assert_eq!(ack_on_read(read(0)), None, "nothing read");
        let left = AfterRead {
            buffer_empty: false,
            ..read(5)
        };
        assert_eq!(ack_on_read(left), None, "bytes are left");
        let acked = AfterRead {
            ack_scheduled: false,
            ..read(5)
        };
        assert_eq!(ack_on_read(acked), None, "nothing to acknowledge");
    }

    #[test]
    fn in_ping_pong_a_read_acks_only_after_two_small_segments() {
        let one = AfterRead {
            pingpong: true,
            ..read(5)
        };
        assert_eq!(ack_on_read(one), None);
        let two = AfterRead {
            pushed: Pushed(2),
            ..one
        };
        assert_eq!(ack_on_read(two), Some(AckReason::ReadEmptied));
    }

    #[test]
    fn a_read_acks_more_than_one_full_segment() {
        let big = AfterRead {
            unacked: 3000,
            buffer_empty: false,
            pushed: Pushed(0),
            ..read(1000)
        };
        assert_eq!(ack_on_read(big), Some(AckReason::FullSegments));
    }

    #[test]
    fn a_read_that_doubles_a_small_window_sends_a_window_update() {
        let opened = AfterRead {
            ack_scheduled: false,
            window_left: 1000,
            window_now: 30000,
            ..read(29000)
        };
        assert_eq!(ack_on_read(opened), Some(AckReason::WindowUpdate));
        let not_doubled = AfterRead {
            window_now: 1999,
            ..opened
        };
        assert_eq!(ack_on_read(not_doubled), None);
        let after_fin = AfterRead {
            fin_received: true,
            ..opened
        };
        assert_eq!(ack_on_read(after_fin), None, "nothing more will come");
    }

    fn space(rmem: u64, ratio: u32, rcv_mss: u32) -> RcvSpace {
        RcvSpace {
            recv_buffer: 131_072,
            rmem,
            ratio,
            rcv_mss,
            profile: RcvMemProfile::LOOPBACK,
        }
    }

    #[test]
    fn the_scaling_ratio_is_payload_over_truesize() {
        // Measured on lo: a 32741-byte skb costs 33573, a 62491-byte GSO skb 63323.
        assert_eq!(scaling_ratio(32741, 32741 + 832), 249);
        assert_eq!(scaling_ratio(62491, 62491 + 832), 252);
        assert_eq!(scaling_ratio(1460, 1460), 256, "no overhead: 1");
        assert_eq!(win_from_space(131_072, 186), 95_232);
        assert_eq!(RcvMemProfile::LOOPBACK.clamp(131_072), 95_232);
        assert_eq!(RcvMemProfile::BYTES.clamp(65_536), 65_536);
    }

    #[test]
    fn loopback_windows_are_the_kernels() {
        // The windows captured on lo (stickysim run 11 / c11 --real):
        // 32741 B queued (one skb): win 93 × 1024.
        assert_eq!(linux_select_window(space(33_573, 249, 32_741)), 95_232);
        // After c11's second read one 62491-byte skb is left: win 66 × 1024.
        assert_eq!(linux_select_window(space(63_323, 252, 47_616)), 67_584);
        // The buffer nearly full by truesize: zero window, not a silly small one.
        assert_eq!(linux_select_window(space(100_832, 251, 47_616)), 0);
        assert_eq!(linux_select_window(space(130_907, 252, 47_616)), 0);
        // Empty: the clamp.
        assert_eq!(linux_select_window(space(0, 252, 47_616)), 95_232);
    }

    #[test]
    fn with_byte_accounting_the_window_is_the_free_space_unless_silly() {
        let bytes = |free: u32, buf: u32, mss: u32| {
            linux_select_window(RcvSpace {
                recv_buffer: buf,
                rmem: (buf - free) as u64,
                ratio: 256,
                rcv_mss: mss,
                profile: RcvMemProfile::BYTES,
            })
        };
        assert_eq!(
            bytes(50_000, 131_072, 65_483),
            0,
            "half full, under a segment"
        );
        assert_eq!(bytes(65_536, 131_072, 65_483), 65_536, "half free");
        assert_eq!(bytes(100_000, 131_072, 65_483), 100_000);
        assert_eq!(bytes(5_000, 65_536, 1_460), 5_000);
        assert_eq!(bytes(1_000, 65_536, 1_460), 0);
    }

    #[test]
    fn an_offered_window_never_shrinks() {
        // c11/11 on lo: 77973 B of the last window left → win 77 × 1024.
        assert_eq!(never_shrink(45_056, 77_973, 1024), 78_848);
        assert_eq!(never_shrink(0, 28_848, 1024), 29_696);
        assert_eq!(never_shrink(95_232, 28_848, 1024), 95_232);
        assert_eq!(never_shrink(0, 20_000, 1), 20_000);
    }

    #[test]
    fn a_segment_joins_the_last_skb_once_the_sender_has_let_go_of_it() {
        assert!(!coalesces(None, 100), "not acknowledged yet");
        assert!(!coalesces(Some(120), 100), "the ACK is still on its way");
        assert!(coalesces(Some(100), 100));
    }

    #[test]
    fn linux_skbs_hold_whole_segments_up_to_half_the_window() {
        assert_eq!(linux_size_goal(32_741, 65_483), 32_741, "loopback at first");
        assert_eq!(linux_size_goal(47_616, 95_232), 47_616);
        assert_eq!(linux_size_goal(1_460, 64_240), 22 * 1_460, "a LAN");
        assert_eq!(linux_size_goal(1_460, 500), 1_460, "at least one segment");
        // c11 on lo: skbs of 32741 from 0: 65482 starts one, 113098 is inside one.
        assert!(skb_starts_at(65_482, 0, 32_741));
        assert!(!skb_starts_at(113_098, 0, 32_741));
        assert!(skb_starts_at(5, 0, 0));
    }

    #[test]
    fn linux_does_not_start_a_burst_on_a_window_smaller_than_a_segment() {
        // 11 on lo: 29696 B of window, 50000 waiting, mss 47616: nothing goes.
        assert!(!linux_window_allows(29_696, 50_000, 47_616, false));
        // All that is unsent fits: it goes.
        assert!(linux_window_allows(29_696, 20_000, 47_616, false));
        // A full segment fits: the skb goes, and its rest may be cut at the window.
        assert!(linux_window_allows(95_232, 250_000, 47_616, false));
        assert!(linux_window_allows(14_875, 200_000, 47_616, true));
    }

    #[test]
    fn linux_timers_fire_on_the_tick_after_the_one_asked_for() {
        // Ticks at 2, 6, 10, … ms.
        assert_eq!(linux_timer_deadline(0, 40_000), 42_000);
        assert_eq!(linux_timer_deadline(1_999, 40_000), 42_000);
        assert_eq!(linux_timer_deadline(2_000, 40_000), 46_000);
        assert_eq!(linux_timer_deadline(1_000, 39_000), 42_000, "whole jiffies");
        for now in (0..8_000).step_by(500) {
            let d = linux_timer_deadline(now, 40_000) - now;
            assert!(d > 40_000 && d <= 44_000, "{now}: {d}");
        }
    }

    #[test]
    fn a_running_delayed_ack_keeps_its_deadline_unless_it_is_nearly_due() {
        assert_eq!(delayed_ack(0, None, 40_000), Some(42_000));
        assert_eq!(delayed_ack(20_000, Some(40_000), 40_000), Some(40_000));
        assert_eq!(
            delayed_ack(30_000, Some(40_000), 40_000),
            None,
            "due within ato/4"
        );
    }

    #[test]
    fn serialization_rounds_up_to_whole_microseconds() {
        assert_eq!(serialization_us(1460, 40, 100.0), 120);
        assert_eq!(serialization_us(5, 40, 100.0), 4); // 3.6 µs
        assert_eq!(serialization_us(1460, 40, 0.0), 0);
    }
}

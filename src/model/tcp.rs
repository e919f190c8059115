//! The TCP rules of the model, one function each, with the reasons in words.
//!
//! These are pure decisions: the simulation ([`super::Sim`]) keeps the state and asks
//! these functions what to do. Sequence numbers are stream offsets (the first data byte
//! is seq 0; a FIN takes the seq after the last byte).

use crate::trace::AckReason;

/// What the sender may do now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SendVerdict {
    /// Transmit a data segment of this many bytes.
    Segment(usize),
    /// Everything written has left; the application closed: send the FIN.
    Fin,
    /// A small segment is held back (RFC 896): data is in flight and it is not full.
    NagleHold,
    /// The peer's window has no room.
    WindowFull,
    /// Nothing to send.
    Idle,
}

/// May the sender transmit? (RFC 896, `docs/design.md` "TCP sender")
///
/// - `usable = min(unsent, mss, peer window − bytes in flight)`; nothing if 0.
/// - A full segment (`usable == mss`) goes now.
/// - A smaller one goes now if Nagle is off, or nothing is in flight, or the
///   application has closed (the rest goes out regardless); otherwise it is held until
///   an ACK arrives or a full segment accumulates.
/// - When nothing is unsent and the application has closed, the FIN goes.
pub fn sender_decision(
    unsent: u64,
    in_flight: u64,
    peer_window: u32,
    mss: u32,
    nagle: bool,
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
    if usable == mss as u64 || !nagle || in_flight == 0 || closing {
        SendVerdict::Segment(usable as usize)
    } else {
        SendVerdict::NagleHold
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

/// The ACK policy (`docs/design.md` "TCP receiver"), applied after an arriving segment was
/// taken in and after the sender had its chance to piggyback the ACK on data:
///
/// - a FIN is acknowledged at once;
/// - with delayed ACK off, every segment is acknowledged at once;
/// - with it on, at once when at least 2 × MSS received bytes are unacknowledged,
///   else a timer of `delayed_ack_ms` starts if none runs.
pub fn ack_policy(
    unacked_bytes: u64,
    fin_unacked: bool,
    delayed_ack: bool,
    mss: u32,
    timer_running: bool,
) -> AckVerdict {
    if fin_unacked {
        AckVerdict::Now(AckReason::Fin)
    } else if !delayed_ack {
        AckVerdict::Now(AckReason::Immediate)
    } else if unacked_bytes >= 2 * mss as u64 {
        AckVerdict::Now(AckReason::TwoMss)
    } else if timer_running {
        AckVerdict::Wait
    } else {
        AckVerdict::StartTimer
    }
}

/// The window a read must open before the receiver tells the sender:
/// `min(mss, recv_buffer / 2)`.
pub fn window_update_threshold(mss: u32, recv_buffer: u32) -> u32 {
    mss.min(recv_buffer / 2)
}

/// A window update goes out when a read raises the free space to at least the
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

    // ---- Tests for Nagle's algorithm -------------------------------------------------

    #[test]
    fn small_segment_goes_when_nothing_in_flight() {
        assert_eq!(
            sender_decision(5, 0, 65536, 1460, true, false, false),
            SendVerdict::Segment(5)
        );
    }

    #[test]
    fn small_segment_held_while_data_in_flight() {
        assert_eq!(
            sender_decision(5, 5, 65536, 1460, true, false, false),
            SendVerdict::NagleHold
        );
    }

    #[test]
    fn small_segment_goes_with_nagle_off() {
        assert_eq!(
            sender_decision(5, 5, 65536, 1460, false, false, false),
            SendVerdict::Segment(5)
        );
    }

    #[test]
    fn full_segment_goes_despite_data_in_flight() {
        assert_eq!(
            sender_decision(3000, 5, 65536, 1460, true, false, false),
            SendVerdict::Segment(1460)
        );
    }

    #[test]
    fn close_flushes_held_data_then_fin() {
        assert_eq!(
            sender_decision(5, 5, 65536, 1460, true, true, false),
            SendVerdict::Segment(5)
        );
        assert_eq!(
            sender_decision(0, 5, 65536, 1460, true, true, false),
            SendVerdict::Fin
        );
        assert_eq!(
            sender_decision(0, 5, 65536, 1460, true, true, true),
            SendVerdict::Idle
        );
    }

    // ---- Tests for flow control -------------------------------------------------------

    #[test]
    fn zero_window_stops_the_sender() {
        assert_eq!(
            sender_decision(100, 0, 0, 1460, false, false, false),
            SendVerdict::WindowFull
        );
        assert_eq!(
            sender_decision(100, 500, 500, 1460, false, false, false),
            SendVerdict::WindowFull
        );
    }

    #[test]
    fn small_window_limits_the_segment_and_nagle_holds_it() {
        // 300 bytes of room: a "small" segment, held while data is in flight.
        assert_eq!(
            sender_decision(2000, 200, 500, 1460, true, false, false),
            SendVerdict::NagleHold
        );
        assert_eq!(
            sender_decision(2000, 0, 300, 1460, true, false, false),
            SendVerdict::Segment(300)
        );
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

    // ---- Tests for delayed ACK ----------------------------------------------------------

    #[test]
    fn delayed_ack_starts_timer_for_one_small_segment() {
        assert_eq!(
            ack_policy(5, false, true, 1460, false),
            AckVerdict::StartTimer
        );
        assert_eq!(ack_policy(10, false, true, 1460, true), AckVerdict::Wait);
    }

    #[test]
    fn two_full_segments_are_acked_at_once() {
        assert_eq!(
            ack_policy(2920, false, true, 1460, true),
            AckVerdict::Now(AckReason::TwoMss)
        );
        assert_eq!(ack_policy(2919, false, true, 1460, true), AckVerdict::Wait);
    }

    #[test]
    fn no_delayed_ack_means_immediate() {
        assert_eq!(
            ack_policy(1, false, false, 1460, false),
            AckVerdict::Now(AckReason::Immediate)
        );
    }

    #[test]
    fn fin_is_acked_at_once() {
        assert_eq!(
            ack_policy(0, true, true, 1460, false),
            AckVerdict::Now(AckReason::Fin)
        );
    }

    #[test]
    fn serialization_rounds_up_to_whole_microseconds() {
        assert_eq!(serialization_us(1460, 40, 100.0), 120);
        assert_eq!(serialization_us(5, 40, 100.0), 4); // 3.6 µs
        assert_eq!(serialization_us(1460, 40, 0.0), 0);
    }
}

//! Text views of a trace: one line per event (tcpdump-like) and byte chunks with their
//! message boundaries marked. Shared by the CLI and the GUI's event list.

use std::fmt::Write as _;

use crate::trace::{AckReason, Call, Chunk, DropReason, Event, EventKind, Part, escape_bytes};

/// Longest run of bytes shown before the middle is elided.
const SHOW_BYTES: usize = 48;

/// A chunk as `[hello|world]`: `|` between messages, frame headers as `‹05 00 00 00›`.
pub fn marked_bytes(chunk: &Chunk) -> String {
    let mut out = String::from("[");
    let mut prev_msg = None;
    for span in &chunk.spans {
        if prev_msg.is_some_and(|m| m != span.msg) {
            out.push('|');
        }
        prev_msg = Some(span.msg);
        let a = (span.start - chunk.offset) as usize;
        let b = (span.end - chunk.offset) as usize;
        let bytes = &chunk.data[a..b];
        match span.part {
            Part::Header => {
                out.push('‹');
                out.push_str(&elide(bytes, |b| {
                    b.iter().map(|x| format!("{x:02x}")).collect::<Vec<_>>().join(" ")
                }));
                out.push('›');
            }
            Part::Body => out.push_str(&elide(bytes, escape_bytes)),
        }
    }
    if chunk.spans.is_empty() {
        out.push_str(&elide(&chunk.data, escape_bytes));
    }
    out.push(']');
    out
}

/// Shows long byte runs as head … tail.
fn elide(bytes: &[u8], show: impl Fn(&[u8]) -> String) -> String {
    if bytes.len() <= SHOW_BYTES {
        show(bytes)
    } else {
        let head = &bytes[..SHOW_BYTES - 12];
        let tail = &bytes[bytes.len() - 8..];
        format!("{}…({} B)…{}", show(head), bytes.len() - head.len() - tail.len(), show(tail))
    }
}

/// What an event says, without its time and side: `seg tx seq=0 len=5 ack=0 win=65536`.
pub fn describe(event: &Event) -> String {
    let mut s = match &event.kind {
        EventKind::AppCall { call, .. } => call.text(),
        EventKind::AppBlocked { reason, .. } => format!("  blocked: {reason}"),
        EventKind::AppReturn { call, ret, .. } => match call {
            Call::Sleep { .. } => "  woke up".to_string(),
            Call::Close => "  closed".to_string(),
            Call::Recv { .. } | Call::Send { .. } | Call::Sendall { .. } => format!("  {} → {ret}", call.text()),
            Call::SendMessage { .. } | Call::RecvMessage { .. } => format!("  {} → {ret}", call.text()),
        },
        EventKind::Eof { .. } => "  EOF: the peer closed and the buffer is empty".to_string(),
        EventKind::Deliver { index, data, .. } => {
            let mut text = escape_bytes(&data[..data.len().min(SHOW_BYTES)]);
            if data.len() > SHOW_BYTES {
                text.push('…');
            }
            format!("  message #{index} delivered, {} B: \"{text}\"", data.len())
        }
        EventKind::FrameHeader { json, md5, .. } => format!("  JSON header {json} (md5 {md5})"),
        EventKind::DecodeError { error, .. } => format!("  DECODE ERROR: {error}"),
        EventKind::SendBufWrite { buffered } => format!("send buffer += (now {buffered} B)"),
        EventKind::RecvBufRead { buffered } => format!("recv buffer -= (now {buffered} B)"),
        EventKind::SegmentTx { seq, len, ack, win, fin } => {
            format!("seg tx seq={seq} len={len} ack={ack} win={win}{}", if *fin { " FIN" } else { "" })
        }
        EventKind::SegmentRx { seq, len, ack, win, fin } => {
            format!("seg rx seq={seq} len={len} ack={ack} win={win}{}", if *fin { " FIN" } else { "" })
        }
        EventKind::AckTx { ack, win, reason } => {
            let why = match reason {
                AckReason::Immediate => "immediate",
                AckReason::TwoMss => "2×MSS unacked",
                AckReason::Timer => "delayed-ACK timer",
                AckReason::Fin => "for FIN",
                AckReason::WindowUpdate => "window update",
            };
            format!("ack tx ack={ack} win={win} ({why})")
        }
        EventKind::AckRx { ack, win } => format!("ack rx ack={ack} win={win}"),
        EventKind::DelayedAckStart { deadline_us } => {
            format!("delayed-ACK timer set, fires at {}", ms(*deadline_us))
        }
        EventKind::DelayedAckFire => "delayed-ACK timer fired".to_string(),
        EventKind::NagleHold { held, in_flight } => {
            format!("Nagle hold: {held} B wait, {in_flight} B in flight unacknowledged")
        }
        EventKind::NagleRelease { held_us } => format!("Nagle release after {}", ms(*held_us)),
        EventKind::WindowFull { in_flight, win } => {
            format!("window full: {in_flight} B in flight, peer window {win}")
        }
        EventKind::FinTx { seq } => format!("FIN tx seq={seq}"),
        EventKind::FinRx { seq } => format!("FIN rx seq={seq}"),
        EventKind::DatagramTx { len } => format!("datagram tx len={len}"),
        EventKind::DatagramRx { len } => format!("datagram rx len={len} (queued)"),
        EventKind::DatagramDrop { len, reason } => match reason {
            DropReason::QueueFull => format!("datagram DROPPED len={len}: receive queue full"),
            DropReason::Loss => format!("datagram LOST len={len} on the wire"),
        },
        EventKind::Truncated { len, kept } => {
            format!("  TRUNCATED: datagram of {len} B, recvfrom kept {kept}, {} B lost", len - kept)
        }
        EventKind::SendShort { wanted, accepted } => {
            format!("  send() accepted {accepted} of {wanted} B; the program ignores the rest")
        }
        EventKind::ProgramEnd => "program ends".to_string(),
    };
    if let Some(chunk) = &event.chunk {
        // Data segments, reads and writes show their bytes.
        let _ = write!(s, "  {}", marked_bytes(chunk));
    }
    s
}

/// `12.345 ms`
pub fn ms(us: u64) -> String {
    format!("{}.{:03} ms", us / 1000, us % 1000)
}

/// The whole trace, one line per event: `   5.120 ms  server  seg rx …`.
pub fn render_events(events: &[Event]) -> String {
    let mut out = String::new();
    for e in events {
        let _ = writeln!(out, "{:>12}  {:<6}  {}", ms(e.t_us), e.side.name(), describe(e));
    }
    out
}

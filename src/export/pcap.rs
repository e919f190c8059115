//! A run as a packet capture (pcapng with per-packet comments, or classic pcap) that
//! Wireshark and tshark open like a real one.
//!
//! Every packet is a real Ethernet / IPv4 / TCP (or UDP) frame with valid checksums
//! (etherparse builds them). TCP packets carry the model's seq / ack / window / flags:
//! stream offsets are mapped onto a fixed initial sequence number per side, so Wireshark's
//! *relative* sequence numbers are the model's offsets plus one (the SYN takes the first).
//! A SYN / SYN-ACK / ACK handshake is added before t = 0 (the model starts connected) so
//! Wireshark tracks the stream, window scaling included; the FINs come from the trace.
//!
//! A packet's time is when it left its sender (the trace's `*_tx` events). On loopback
//! that is also when it arrived; on a slower link the receiver sees it `latency_ms` later.
//!
//! Where the model knows why a packet left when it did, its pcapng comment says so
//! ("held by Nagle for 40.0 ms", "message #2 starts at offset 5"); Wireshark shows it as
//! `frame.comment` (and under "Packet comments").

use std::borrow::Cow;
use std::collections::HashMap;
use std::io::Write;
use std::net::{Ipv4Addr, SocketAddrV4};
use std::path::Path;
use std::time::Duration;

use etherparse::{PacketBuilder, TcpHeader, TcpOptionElement};
use pcap_file::DataLink;
use pcap_file::pcap::{PcapHeader, PcapPacket, PcapWriter};
use pcap_file::pcapng::PcapNgWriter;
use pcap_file::pcapng::blocks::enhanced_packet::{EnhancedPacketBlock, EnhancedPacketOption};
use pcap_file::pcapng::blocks::interface_description::{
    InterfaceDescriptionBlock, InterfaceDescriptionOption,
};
use pcap_file::pcapng::blocks::section_header::{SectionHeaderBlock, SectionHeaderOption};

use crate::params::{Framing, Transport};
use crate::trace::{
    AckReason, Dir, DropReason, EventKind, Micros, SegHeader, Side, Trace, TraceMode,
};

/// The server port of every export unless told otherwise; the dissector's default port.
pub const SERVER_PORT: u16 = 8080;
/// The client's (ephemeral) port.
pub const CLIENT_PORT: u16 = 50000;
/// Initial sequence numbers: fixed, so an export is reproducible byte for byte.
pub const CLIENT_ISN: u32 = 1_000_000;
pub const SERVER_ISN: u32 = 2_000_000;
/// t = 0 of every export: 2026-01-01 00:00:00 UTC (fixed, for reproducible files).
pub const EPOCH_S: u64 = 1_767_225_600;
/// The largest TCP payload one IPv4 packet holds (65535 − 20 − 20); a longer segment
/// (an MSS set above it) is written as several packets.
const MAX_TCP_PAYLOAD: usize = 65495;
/// The longest stream whose bytes are rebuilt for captured segments (which carry none).
const MAX_STREAM: usize = 256 << 20;
/// pcapng option values are at most 65535 bytes.
const MAX_COMMENT: usize = 4000;

/// File format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PcapFormat {
    /// pcapng, with a comment on every packet the model can explain.
    PcapNg,
    /// Classic pcap (no comments), for old tools.
    Pcap,
}

impl PcapFormat {
    /// `.pcap` → classic pcap; anything else (`.pcapng`) → pcapng.
    pub fn for_path(path: &Path) -> PcapFormat {
        match path.extension().and_then(|e| e.to_str()) {
            Some(e) if e.eq_ignore_ascii_case("pcap") => PcapFormat::Pcap,
            _ => PcapFormat::PcapNg,
        }
    }
}

/// Addresses and format of an export.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PcapOptions {
    pub client: SocketAddrV4,
    pub server: SocketAddrV4,
    pub format: PcapFormat,
}

impl Default for PcapOptions {
    /// Loopback, as real runs use: 127.0.0.1:50000 → 127.0.0.1:8080, pcapng.
    fn default() -> Self {
        PcapOptions {
            client: SocketAddrV4::new(Ipv4Addr::LOCALHOST, CLIENT_PORT),
            server: SocketAddrV4::new(Ipv4Addr::LOCALHOST, SERVER_PORT),
            format: PcapFormat::PcapNg,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error(
        "this run has no packets to export (a real TCP run records its segments only when it can capture them)"
    )]
    NoPackets,
    #[error("cannot build packet {index}: {error}")]
    Build { index: usize, error: String },
    #[error("cannot write the capture: {0}")]
    Write(String),
}

/// The TCP header fields of one exported packet (absolute, as on the wire).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TcpFields {
    pub seq: u32,
    /// Meaningful when `ack_flag` is set.
    pub ack: u32,
    /// The window field (the advertised window shifted right by the window scale).
    pub win: u16,
    pub syn: bool,
    pub ack_flag: bool,
    pub psh: bool,
    pub fin: bool,
    pub rst: bool,
    /// SYN options: MSS and window scale.
    pub mss: Option<u16>,
    pub wscale: Option<u8>,
}

/// One packet of the export, before it becomes bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WirePacket {
    /// µs since t = 0; negative for the added handshake.
    pub t_us: i64,
    pub from: Side,
    /// TCP fields; `None` for a UDP datagram.
    pub tcp: Option<TcpFields>,
    pub payload: Vec<u8>,
    /// The model's explanation ("" when it has none).
    pub comment: String,
    /// Index of the trace event it comes from (`None` for the handshake).
    pub event: Option<usize>,
}

fn isn(side: Side) -> u32 {
    match side {
        Side::Client => CLIENT_ISN,
        Side::Server => SERVER_ISN,
    }
}

/// A stream offset (or ACK value) of `side`'s direction as an absolute sequence number.
pub fn wire_seq(side: Side, offset: u64) -> u32 {
    isn(side).wrapping_add(1).wrapping_add(offset as u32)
}

/// The window-scale shift that fits every window the run advertises into 16 bits.
pub fn window_shift(trace: &Trace) -> u8 {
    let mut max = u64::from(trace.params.recv_buffer);
    for e in &trace.events {
        if let EventKind::SegmentTx(SegHeader { win, .. }) | EventKind::AckTx { win, .. } = e.kind {
            max = max.max(u64::from(win));
        }
    }
    let mut shift = 0u8;
    while (max >> shift) > 0xFFFF && shift < 14 {
        shift += 1;
    }
    shift
}

fn ms(us: Micros) -> String {
    format!("{:.1} ms", us as f64 / 1000.0)
}

/// "message #2 starts at offset 5"-style notes for the bytes `[a, b)` of `dir`.
pub fn message_notes(trace: &Trace, dir: Dir, a: u64, b: u64) -> Vec<String> {
    let mut out = Vec::new();
    for m in trace.messages_in(dir) {
        let (start, end) = (m.offset, m.offset + m.accepted);
        if m.accepted == 0 || end <= a || start >= b {
            continue;
        }
        let id = m.id;
        let body_start = start + m.header_len.min(m.accepted);
        // `line`'s delimiter, `fixed`'s padding: frame bytes after the body.
        let trailer = match trace.params.framing {
            Framing::Line => "delimiter",
            _ => "padding",
        };
        out.push(match (start >= a, end <= b) {
            (true, true) if m.trailer_len > 0 && m.accepted == m.wire_len() => format!(
                "message #{id} whole: {} B body + {} B {trailer} at offsets {start}–{end}",
                m.accepted - m.header_len - m.trailer_len,
                m.trailer_len
            ),
            (true, true) if m.header_len > 0 => format!(
                "message #{id} whole: {} B header + {} B body at offsets {start}–{end}",
                body_start - start,
                end - body_start
            ),
            (true, true) => format!("message #{id} whole at offsets {start}–{end}"),
            // The tutorial's send(header): a segment of just the header.
            (true, false) if m.header_len > 0 && b == body_start => {
                format!("message #{id}'s {} B header alone (offset {start})", b - a)
            }
            (true, false) => format!("message #{id} starts at offset {start}"),
            (false, true) if m.header_len > 0 && a == body_start => {
                format!("message #{id}'s body ({} B), ends at offset {end}", end - a)
            }
            (false, true) => format!("message #{id} ends at offset {end}"),
            (false, false) => format!("middle of message #{id} ({start}–{end})"),
        });
    }
    out
}

fn ack_note(reason: AckReason, timer_started: Option<Micros>, now: Micros) -> String {
    match reason {
        AckReason::Timer => match timer_started {
            Some(t0) => format!(
                "delayed ACK: the timer started at {} fired after {}",
                ms(t0),
                ms(now.saturating_sub(t0))
            ),
            None => "delayed ACK: the timer fired".to_string(),
        },
        AckReason::WindowUpdate => {
            "window update: a read freed space in the receive buffer".to_string()
        }
        other => format!("pure ACK at once: {}", other.text()),
    }
}

fn join(notes: Vec<String>) -> String {
    let mut s = notes.join("; ");
    if s.len() > MAX_COMMENT {
        let mut cut = MAX_COMMENT;
        while !s.is_char_boundary(cut) {
            cut -= 1;
        }
        s.truncate(cut);
        s.push('…');
    }
    s
}

/// The packets of a run, in the order they left their senders: the handshake (TCP),
/// then every data segment, pure ACK, FIN and datagram of the trace.
pub fn packets(trace: &Trace) -> Vec<WirePacket> {
    let udp = trace.params.transport == Transport::Udp;
    // Whose numbers the comments quote.
    let world = match trace.mode {
        TraceMode::Sim => "model",
        TraceMode::Real => "kernel",
    };
    let shift = window_shift(trace);
    let scaled = |win: u32| (u64::from(win) >> shift).min(0xFFFF) as u16;
    let mut out = Vec::new();
    let has_tcp = trace.events.iter().any(|e| {
        matches!(
            e.kind,
            EventKind::SegmentTx(_)
                | EventKind::AckTx { .. }
                | EventKind::FinTx { .. }
                | EventKind::RstTx { .. }
        )
    });
    if !udp && has_tcp {
        // One link latency between the handshake's packets (a real run is on loopback);
        // t = 0 is the final ACK.
        let d = match trace.mode {
            TraceMode::Sim => ((trace.params.latency_ms * 1000.0).round() as i64).max(1),
            TraceMode::Real => 50,
        };
        let syn_win = trace.params.recv_buffer.min(0xFFFF) as u16;
        let mss = Some(trace.params.mss.min(0xFFFF) as u16);
        let syn = |side: Side, t_us: i64, ack: Option<u32>, comment: &str| WirePacket {
            t_us,
            from: side,
            tcp: Some(TcpFields {
                seq: isn(side),
                ack: ack.unwrap_or(0),
                win: syn_win,
                syn: true,
                ack_flag: ack.is_some(),
                mss,
                wscale: Some(shift),
                ..Default::default()
            }),
            payload: Vec::new(),
            comment: comment.to_string(),
            event: None,
        };
        let note = match trace.mode {
            TraceMode::Sim => "handshake added by the export: the model starts connected at t = 0",
            TraceMode::Real => "handshake added by the export: the capture leaves it out",
        };
        out.push(syn(Side::Client, -2 * d, None, note));
        out.push(syn(Side::Server, -d, Some(wire_seq(Side::Client, 0)), note));
        out.push(WirePacket {
            t_us: 0,
            from: Side::Client,
            tcp: Some(TcpFields {
                seq: wire_seq(Side::Client, 0),
                ack: wire_seq(Side::Server, 0),
                win: scaled(trace.params.recv_buffer),
                ack_flag: true,
                ..Default::default()
            }),
            payload: Vec::new(),
            comment: note.to_string(),
            event: None,
        });
    }

    // Where each lost or refused datagram was dropped, by (direction, offset).
    let drops: HashMap<(Dir, u64), DropReason> = trace
        .events
        .iter()
        .filter_map(|e| match (&e.kind, &e.chunk) {
            (EventKind::DatagramDrop { reason, .. }, Some(c)) => Some(((c.dir, c.offset), *reason)),
            _ => None,
        })
        .collect();
    // Captured real segments carry headers only: their bytes come from the stream.
    let chunkless = trace.events.iter().any(|e| {
        matches!(e.kind, EventKind::SegmentTx(SegHeader { len, .. }) if len > 0)
            && e.chunk.is_none()
    });
    let streams: [Vec<u8>; 2] = if chunkless {
        Dir::BOTH.map(|d| crate::views::stream_bytes(trace, d, MAX_STREAM).0)
    } else {
        [Vec::new(), Vec::new()]
    };
    let mut next_seq = [0u64; 2];
    // What each side has received (its cumulative ACK), for a reset's ACK field.
    let mut rcv_nxt = [0u64; 2];
    let mut nagle_held: [Option<Micros>; 2] = [None; 2];
    let mut timer_started: [Option<Micros>; 2] = [None; 2];
    for (i, e) in trace.events.iter().enumerate() {
        let s = e.side.index();
        let dir = e.side.tx_dir();
        match &e.kind {
            EventKind::NagleRelease { held_us } => nagle_held[s] = Some(*held_us),
            EventKind::DelayedAckStart { .. } => timer_started[s] = Some(e.t_us),
            EventKind::SegmentTx(h) => {
                let mut notes = Vec::new();
                if let Some(held) = nagle_held[s].take() {
                    notes.push(format!("held by Nagle for {}", ms(held)));
                }
                if h.len > 0 {
                    notes.extend(message_notes(trace, dir, h.seq, h.end()));
                }
                if h.fin {
                    notes.push(format!(
                        "{} closes: FIN after offset {}",
                        e.side.name(),
                        h.seq
                    ));
                }
                notes.push(format!("{world}: {}", h.text()));
                let from_stream;
                let data = match &e.chunk {
                    Some(c) => trace.bytes(c),
                    None => {
                        from_stream = stream_slice(&streams[dir.index()], h.seq, h.len);
                        from_stream.as_slice()
                    }
                };
                let comment = join(notes);
                // A segment over the IPv4 limit (an MSS set above it) as several packets.
                let mut pieces: Vec<&[u8]> = data.chunks(MAX_TCP_PAYLOAD).collect();
                if pieces.is_empty() {
                    pieces.push(&[]);
                }
                let last = pieces.len() - 1;
                let mut offset = h.seq;
                for (k, piece) in pieces.into_iter().enumerate() {
                    out.push(WirePacket {
                        t_us: e.t_us as i64,
                        from: e.side,
                        tcp: Some(TcpFields {
                            seq: wire_seq(e.side, offset),
                            ack: wire_seq(e.side.peer(), h.ack),
                            win: scaled(h.win),
                            ack_flag: true,
                            psh: !piece.is_empty() && k == last,
                            fin: h.fin && k == last,
                            ..Default::default()
                        }),
                        payload: piece.to_vec(),
                        comment: if k == 0 {
                            comment.clone()
                        } else {
                            String::new()
                        },
                        event: Some(i),
                    });
                    offset += piece.len() as u64;
                }
                next_seq[s] = next_seq[s].max(h.end() + u64::from(h.fin));
            }
            EventKind::SegmentRx(h) => {
                rcv_nxt[s] = rcv_nxt[s].max(h.end() + u64::from(h.fin));
            }
            EventKind::RstTx { seq } => out.push(WirePacket {
                t_us: e.t_us as i64,
                from: e.side,
                tcp: Some(TcpFields {
                    seq: wire_seq(e.side, *seq),
                    ack: wire_seq(e.side.peer(), rcv_nxt[s]),
                    ack_flag: true,
                    rst: true,
                    ..Default::default()
                }),
                payload: Vec::new(),
                comment: format!(
                    "{} resets the connection (RST): it closed with data unread, or data \
                     arrived after it closed",
                    e.side.name()
                ),
                event: Some(i),
            }),
            EventKind::AckTx { ack, win, reason } => {
                let note = ack_note(*reason, timer_started[s].take(), e.t_us);
                out.push(WirePacket {
                    t_us: e.t_us as i64,
                    from: e.side,
                    tcp: Some(TcpFields {
                        seq: wire_seq(e.side, next_seq[s]),
                        ack: wire_seq(e.side.peer(), *ack),
                        win: scaled(*win),
                        ack_flag: true,
                        ..Default::default()
                    }),
                    payload: Vec::new(),
                    comment: join(vec![note, format!("{world}: ack={ack} win={win}")]),
                    event: Some(i),
                });
            }
            EventKind::DatagramTx { .. } => {
                let Some(c) = &e.chunk else { continue };
                let end = c.end();
                let mut notes = message_notes(trace, c.dir, c.offset, end);
                match drops.get(&(c.dir, c.offset)) {
                    Some(DropReason::Loss) => notes.push("lost on the way: never arrives".into()),
                    Some(DropReason::QueueFull) => {
                        notes.push("dropped on arrival: the receiver's queue was full".to_string())
                    }
                    None => {}
                }
                out.push(WirePacket {
                    t_us: e.t_us as i64,
                    from: e.side,
                    tcp: None,
                    payload: trace.bytes(c).to_vec(),
                    comment: join(notes),
                    event: Some(i),
                });
            }
            _ => {}
        }
    }
    out
}

/// `len` bytes of a stream from `seq` (0 where the trace never showed them).
fn stream_slice(stream: &[u8], seq: u64, len: usize) -> Vec<u8> {
    let mut out = vec![0u8; len];
    if let Ok(start) = usize::try_from(seq)
        && start < stream.len()
    {
        let end = start.saturating_add(len).min(stream.len());
        out[..end - start].copy_from_slice(&stream[start..end]);
    }
    out
}

/// The Ethernet frame of a packet.
pub fn frame(p: &WirePacket, opts: &PcapOptions) -> Result<Vec<u8>, String> {
    let (src, dst) = match p.from {
        Side::Client => (opts.client, opts.server),
        Side::Server => (opts.server, opts.client),
    };
    let mac = |side: Side| [0x02, 0, 0, 0, 0, 1 + side.index() as u8];
    let ip = PacketBuilder::ethernet2(mac(p.from), mac(p.from.peer())).ipv4(
        src.ip().octets(),
        dst.ip().octets(),
        64,
    );
    let mut out = Vec::new();
    let res = match p.tcp {
        Some(t) => {
            let mut h = TcpHeader::new(src.port(), dst.port(), t.seq, t.win);
            h.syn = t.syn;
            h.ack = t.ack_flag;
            h.acknowledgment_number = if t.ack_flag { t.ack } else { 0 };
            h.psh = t.psh;
            h.fin = t.fin;
            h.rst = t.rst;
            let mut opts = Vec::new();
            if let Some(mss) = t.mss {
                opts.push(TcpOptionElement::MaximumSegmentSize(mss));
            }
            if let Some(ws) = t.wscale {
                opts.push(TcpOptionElement::Noop);
                opts.push(TcpOptionElement::WindowScale(ws));
            }
            h.set_options(&opts).map_err(|e| e.to_string())?;
            ip.tcp_header(h).write(&mut out, &p.payload)
        }
        None => ip.udp(src.port(), dst.port()).write(&mut out, &p.payload),
    };
    res.map_err(|e| e.to_string())?;
    Ok(out)
}

/// Absolute timestamp of a packet: [`EPOCH_S`] + its time.
pub fn timestamp(t_us: i64) -> Duration {
    let base = EPOCH_S as i128 * 1_000_000;
    Duration::from_micros((base + t_us as i128).max(0) as u64)
}

/// Writes the run as a capture; returns the number of packets.
pub fn write<W: Write>(trace: &Trace, opts: &PcapOptions, w: W) -> Result<usize, ExportError> {
    let pkts = packets(trace);
    if pkts.is_empty() {
        return Err(ExportError::NoPackets);
    }
    let frames = pkts
        .iter()
        .enumerate()
        .map(|(index, p)| frame(p, opts).map_err(|error| ExportError::Build { index, error }))
        .collect::<Result<Vec<_>, _>>()?;
    let werr = |e: pcap_file::PcapError| ExportError::Write(e.to_string());
    match opts.format {
        PcapFormat::PcapNg => {
            let p = &trace.params;
            let about = format!(
                "stickysim {} run of {} (seed {}): {} framing={} byte_order={} \
                 header_writes={} nagle={} delayed_ack={} mss={} latency_ms={}",
                trace.mode,
                trace.scenario,
                trace.seed,
                p.transport.name(),
                p.framing.name(),
                p.byte_order.name(),
                p.header_writes.name(),
                p.nagle,
                p.delayed_ack,
                p.mss,
                p.latency_ms
            );
            let section = SectionHeaderBlock {
                options: vec![
                    SectionHeaderOption::UserApplication(Cow::Owned(format!(
                        "stickysim {}",
                        env!("CARGO_PKG_VERSION")
                    ))),
                    SectionHeaderOption::Comment(Cow::Owned(about)),
                ],
                ..Default::default()
            };
            let mut wr = PcapNgWriter::with_section_header(w, section).map_err(werr)?;
            let iface = InterfaceDescriptionBlock {
                linktype: DataLink::ETHERNET,
                snaplen: 0,
                options: vec![
                    InterfaceDescriptionOption::IfName(Cow::Borrowed("stickysim")),
                    // pcap-file writes nanoseconds.
                    InterfaceDescriptionOption::IfTsResol(9),
                ],
            };
            wr.write_pcapng_block(iface).map_err(werr)?;
            for (p, data) in pkts.iter().zip(&frames) {
                let mut options = Vec::new();
                if !p.comment.is_empty() {
                    options.push(EnhancedPacketOption::Comment(Cow::Borrowed(&p.comment)));
                }
                let block = EnhancedPacketBlock {
                    interface_id: 0,
                    timestamp: timestamp(p.t_us),
                    original_len: data.len() as u32,
                    data: Cow::Borrowed(data),
                    options,
                };
                wr.write_pcapng_block(block).map_err(werr)?;
            }
        }
        PcapFormat::Pcap => {
            let header = PcapHeader {
                snaplen: 262_144,
                ..Default::default()
            };
            let mut wr = PcapWriter::with_header(w, header).map_err(werr)?;
            for (p, data) in pkts.iter().zip(&frames) {
                let packet = PcapPacket::new(timestamp(p.t_us), data.len() as u32, data);
                wr.write_packet(&packet).map_err(werr)?;
            }
        }
    }
    Ok(pkts.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(name: &str) -> Trace {
        let s = crate::scenario::find_builtin(name).expect("built-in");
        crate::cli::run_sim(&s, &s.params).expect("runs").trace
    }

    fn data_packets(pkts: &[WirePacket]) -> Vec<(u32, Vec<u8>)> {
        pkts.iter()
            .filter(|p| !p.payload.is_empty())
            .map(|p| (p.tcp.map_or(0, |t| t.seq), p.payload.clone()))
            .collect()
    }

    #[test]
    fn captured_segments_get_their_bytes_from_the_stream() {
        let t = run("04");
        let mut bare = t.clone();
        for e in &mut bare.events {
            if matches!(e.kind, EventKind::SegmentTx(_)) {
                e.chunk = None;
            }
        }
        let want = data_packets(&packets(&t));
        assert_eq!(want.len(), 2);
        assert_eq!(data_packets(&packets(&bare)), want);
    }

    #[test]
    fn a_segment_over_the_ipv4_limit_becomes_several_packets() {
        let mut t = run("04");
        let big = 70_000usize;
        let e = t
            .events
            .iter_mut()
            .find(|e| matches!(e.kind, EventKind::SegmentTx(h) if h.len > 0))
            .expect("a data segment");
        let EventKind::SegmentTx(h) = &mut e.kind else {
            unreachable!()
        };
        h.len = big;
        let seq = h.seq;
        e.chunk = Some(t.streams.put_stray(Dir::ClientToServer, seq, &vec![7; big]));
        let pkts = packets(&t);
        let pieces: Vec<&WirePacket> = pkts
            .iter()
            .filter(|p| p.payload.first() == Some(&7))
            .collect();
        assert_eq!(pieces.len(), 2);
        assert_eq!(pieces[0].payload.len(), MAX_TCP_PAYLOAD);
        assert_eq!(pieces[1].payload.len(), big - MAX_TCP_PAYLOAD);
        let (a, b) = (pieces[0].tcp.unwrap(), pieces[1].tcp.unwrap());
        assert_eq!(b.seq.wrapping_sub(a.seq) as usize, MAX_TCP_PAYLOAD);
        assert!(!a.psh && b.psh, "PSH on the last piece");
        let opts = PcapOptions::default();
        for p in pieces {
            assert!(frame(p, &opts).is_ok());
        }
    }

    #[test]
    fn windows_over_64_kib_get_a_window_scale() {
        let mut t = run("04");
        assert_eq!(window_shift(&t), 1, "65536 needs one bit");
        t.params.recv_buffer = 6 * 1024 * 1024;
        let shift = window_shift(&t);
        assert!(((6u64 * 1024 * 1024) >> shift) <= 0xFFFF && shift <= 14);
        let syn = &packets(&t)[0];
        assert_eq!(syn.tcp.unwrap().wscale, Some(shift));
    }

    #[test]
    fn notes_name_headers_bodies_and_starts() {
        let s = crate::scenario::find_builtin("12").expect("12");
        let t = crate::cli::run_sim(&s, &s.params).expect("runs").trace;
        let m = t
            .messages_in(Dir::ClientToServer)
            .next()
            .expect("a message");
        let h = m.offset + m.header_len;
        let end = m.offset + m.accepted;
        assert_eq!(
            message_notes(&t, Dir::ClientToServer, m.offset, h),
            [format!(
                "message #1's {} B header alone (offset 0)",
                m.header_len
            )]
        );
        assert_eq!(
            message_notes(&t, Dir::ClientToServer, h, end),
            [format!(
                "message #1's body ({} B), ends at offset {end}",
                end - h
            )]
        );
        let whole = message_notes(&t, Dir::ClientToServer, m.offset, end);
        assert!(
            whole[0].starts_with("message #1 whole: 4 B header"),
            "{whole:?}"
        );
    }

    #[test]
    fn notes_name_the_delimiter_and_the_padding() {
        for (name, what) in [("18", "B delimiter"), ("19", "B padding")] {
            let s = crate::scenario::find_builtin(name).expect("built-in");
            let t = crate::cli::run_sim(&s, &s.params).expect("runs").trace;
            let m = t
                .messages_in(Dir::ClientToServer)
                .next()
                .expect("a message");
            assert!(m.trailer_len > 0, "{name}: no trailer");
            let end = m.offset + m.accepted;
            let whole = message_notes(&t, Dir::ClientToServer, m.offset, end);
            let want = format!("{} {what}", m.trailer_len);
            assert!(whole[0].contains(&want), "{name}: {whole:?}");
        }
    }

    #[test]
    fn a_trace_without_packets_is_an_error_not_an_empty_file() {
        let mut t = run("04");
        t.events.clear();
        let err = write(&t, &PcapOptions::default(), Vec::new()).unwrap_err();
        assert!(matches!(err, ExportError::NoPackets));
    }

    #[test]
    fn pcap_format_follows_the_extension() {
        assert_eq!(PcapFormat::for_path(Path::new("a.pcap")), PcapFormat::Pcap);
        assert_eq!(PcapFormat::for_path(Path::new("a.PCAP")), PcapFormat::Pcap);
        assert_eq!(
            PcapFormat::for_path(Path::new("a.pcapng")),
            PcapFormat::PcapNg
        );
        assert_eq!(PcapFormat::for_path(Path::new("a")), PcapFormat::PcapNg);
    }
}

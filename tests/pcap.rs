//! The pcap / pcapng export and the Wireshark dissector, checked from outside: every
//! built-in scenario in every framing is exported, read back with pcap-file + etherparse
//! and with tshark, and must show the same segments (seq / len / ack / payload) as the
//! trace; the Lua dissector must decode exactly the frames that were sent.
//!
//! tshark is required (`apt-get install tshark`; `.ci/run` installs it): these tests fail,
//! they do not skip, when it is missing.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use etherparse::{NetSlice, SlicedPacket, TransportSlice};
use pcap_file::pcap::PcapReader;
use pcap_file::pcapng::{Block, PcapNgReader};
use stickysim::cli::{self, Overrides};
use stickysim::export::pcap::{
    self as export, CLIENT_ISN, CLIENT_PORT, EPOCH_S, PcapFormat, PcapOptions, SERVER_ISN,
    SERVER_PORT,
};
use stickysim::params::{ByteOrder, Framing, Transport};
use stickysim::scenario::{self, Scenario};
use stickysim::trace::{Dir, EventKind, Side, Streams, Trace};

// ---- Helpers ---------------------------------------------------------------------------

fn run(s: &Scenario, framing: Option<Framing>, order: Option<ByteOrder>) -> Trace {
    let params = Overrides {
        framing,
        byte_order: order,
        ..Default::default()
    }
    .resolve(s)
    .expect("overrides fit");
    cli::run_sim(s, &params).expect("the model runs").trace
}

fn export(trace: &Trace, format: PcapFormat) -> Vec<u8> {
    let opts = PcapOptions {
        format,
        ..Default::default()
    };
    let mut out = Vec::new();
    export::write(trace, &opts, &mut out).expect("export works");
    out
}

/// One packet as read back from a file.
#[derive(Debug)]
struct Read {
    ts: Duration,
    from: Side,
    /// seq, ack, SYN, ACK, FIN (TCP).
    tcp: Option<(u32, u32, bool, bool, bool)>,
    payload: Vec<u8>,
    comment: Option<String>,
    /// The RST flag (TCP).
    rst: bool,
}

fn parse_frame(ts: Duration, data: &[u8], comment: Option<String>) -> Read {
    let p = SlicedPacket::from_ethernet(data).expect("a valid Ethernet frame");
    let Some(NetSlice::Ipv4(ip)) = &p.net else {
        panic!("not IPv4")
    };
    let iph = ip.header().to_header();
    assert_eq!(
        iph.calc_header_checksum(),
        iph.header_checksum,
        "IPv4 checksum"
    );
    match p.transport.expect("a transport header") {
        TransportSlice::Tcp(t) => {
            let h = t.to_header();
            let payload = t.payload().to_vec();
            let sum = h
                .calc_checksum_ipv4(&iph, &payload)
                .expect("checksum computes");
            assert_eq!(sum, h.checksum, "TCP checksum");
            let from = if h.source_port == CLIENT_PORT {
                Side::Client
            } else {
                assert_eq!(h.source_port, SERVER_PORT);
                Side::Server
            };
            Read {
                ts,
                from,
                tcp: Some((
                    h.sequence_number,
                    h.acknowledgment_number,
                    h.syn,
                    h.ack,
                    h.fin,
                )),
                payload,
                comment,
                rst: h.rst,
            }
        }
        TransportSlice::Udp(u) => {
            let h = u.to_header();
            let payload = u.payload().to_vec();
            let sum = h
                .calc_checksum_ipv4(&iph, &payload)
                .expect("checksum computes");
            assert_eq!(sum, h.checksum, "UDP checksum");
            let from = if h.source_port == CLIENT_PORT {
                Side::Client
            } else {
                Side::Server
            };
            Read {
                ts,
                from,
                tcp: None,
                payload,
                comment,
                rst: false,
            }
        }
        other => panic!("unexpected transport {other:?}"),
    }
}

fn read_pcapng(bytes: &[u8]) -> Vec<Read> {
    let mut r = PcapNgReader::new(bytes).expect("a pcapng file");
    let mut out = Vec::new();
    while let Some(block) = r.next_block() {
        if let Block::EnhancedPacket(e) = block.expect("a valid block") {
            let comment = e.options.iter().find_map(|o| match o {
                pcap_file::pcapng::blocks::enhanced_packet::EnhancedPacketOption::Comment(c) => {
                    Some(c.to_string())
                }
                _ => None,
            });
            assert_eq!(e.original_len as usize, e.data.len());
            out.push(parse_frame(e.timestamp, &e.data, comment));
        }
    }
    out
}

fn read_pcap(bytes: &[u8]) -> Vec<Read> {
    let mut r = PcapReader::new(bytes).expect("a pcap file");
    let mut out = Vec::new();
    while let Some(p) = r.next_packet() {
        let p = p.expect("a valid packet");
        out.push(parse_frame(p.timestamp, &p.data, None));
    }
    out
}

/// What the trace says left each side: (time, side, model seq, model ack, FIN, payload,
/// RST) per data segment / FIN / pure ACK / reset / datagram, in order. `None` seq = a
/// pure ACK.
type Expected = (u64, Side, Option<u64>, Option<u64>, bool, Vec<u8>, bool);

fn expected(trace: &Trace) -> Vec<Expected> {
    let mut out = Vec::new();
    // A reset acknowledges what its sender received.
    let mut received = [0u64; 2];
    for e in &trace.events {
        let data = e
            .chunk
            .map(|c| trace.bytes(&c).to_vec())
            .unwrap_or_default();
        match &e.kind {
            EventKind::SegmentTx(h) => {
                assert_eq!(data.len(), h.len, "a segment's chunk holds its bytes");
                out.push((e.t_us, e.side, Some(h.seq), Some(h.ack), h.fin, data, false));
            }
            EventKind::SegmentRx(h) => {
                let r = &mut received[e.side.index()];
                *r = (*r).max(h.end() + u64::from(h.fin));
            }
            EventKind::RstTx { seq } => {
                let ack = received[e.side.index()];
                out.push((e.t_us, e.side, Some(*seq), Some(ack), false, data, true))
            }
            EventKind::AckTx { ack, .. } => {
                out.push((e.t_us, e.side, None, Some(*ack), false, data, false))
            }
            EventKind::DatagramTx { .. } => {
                out.push((e.t_us, e.side, None, None, false, data, false))
            }
            _ => {}
        }
    }
    out
}

fn isn(side: Side) -> u32 {
    match side {
        Side::Client => CLIENT_ISN,
        Side::Server => SERVER_ISN,
    }
}

fn rel(side: Side, wire: u32) -> u64 {
    u64::from(wire.wrapping_sub(isn(side)).wrapping_sub(1))
}

/// Checks a read-back capture against its trace.
fn check_against_trace(name: &str, trace: &Trace, read: &[Read], with_comments: bool) {
    let want = expected(trace);
    let tcp = trace.params.transport == Transport::Tcp;
    let body = if tcp {
        // The handshake: SYN, SYN-ACK, ACK, all before the first data.
        assert!(read.len() >= 3, "{name}: a handshake");
        let (c, s, a) = (&read[0], &read[1], &read[2]);
        assert_eq!(c.tcp, Some((CLIENT_ISN, 0, true, false, false)), "{name}");
        assert_eq!(
            s.tcp,
            Some((SERVER_ISN, CLIENT_ISN + 1, true, true, false)),
            "{name}"
        );
        assert_eq!(
            a.tcp,
            Some((CLIENT_ISN + 1, SERVER_ISN + 1, false, true, false)),
            "{name}"
        );
        assert!(
            c.ts < Duration::from_secs(EPOCH_S),
            "{name}: SYN before t = 0"
        );
        &read[3..]
    } else {
        read
    };
    assert_eq!(body.len(), want.len(), "{name}: one packet per wire event");
    for (k, (r, (t_us, side, seq, ack, fin, data, rst))) in body.iter().zip(&want).enumerate() {
        let at = format!("{name}: packet {k}");
        assert_eq!(r.from, *side, "{at}");
        assert_eq!(
            r.ts,
            Duration::from_secs(EPOCH_S) + Duration::from_micros(*t_us),
            "{at}"
        );
        assert_eq!(&r.payload, data, "{at}: payload");
        match r.tcp {
            Some((wseq, wack, syn, ackf, wfin)) => {
                assert!(!syn && ackf, "{at}: flags");
                assert_eq!(wfin, *fin, "{at}: FIN");
                assert_eq!(r.rst, *rst, "{at}: RST");
                if let Some(seq) = seq {
                    assert_eq!(rel(*side, wseq), *seq, "{at}: seq");
                }
                assert_eq!(Some(rel(side.peer(), wack)), *ack, "{at}: ack");
            }
            None => assert!(!tcp, "{at}: a datagram in a UDP run"),
        }
        if with_comments && !rst && seq.is_some_and(|_| !data.is_empty()) {
            let c = r.comment.as_deref().unwrap_or("");
            assert!(c.contains("model: seq="), "{at}: comment {c:?}");
        }
    }
    if tcp {
        let fins = body.iter().filter(|r| r.tcp.is_some_and(|t| t.4)).count();
        let fin_events = trace
            .events
            .iter()
            .filter(|e| matches!(e.kind, EventKind::FinTx { .. }))
            .count();
        assert_eq!(fins, fin_events, "{name}: one FIN packet per FinTx");
    }
}

fn all_runs() -> Vec<(String, Trace)> {
    let mut out = Vec::new();
    for s in scenario::builtin() {
        for f in framings(&s) {
            out.push((format!("{} {}", s.name, f.name()), run(&s, Some(f), None)));
        }
    }
    out
}

/// The framings a scenario runs with: all on TCP; the model refuses framing on UDP.
fn framings(s: &Scenario) -> Vec<Framing> {
    if s.params.transport == Transport::Udp {
        vec![Framing::Raw]
    } else {
        Framing::ALL.to_vec()
    }
}

fn tmp(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("pcap-tests");
    std::fs::create_dir_all(&dir).expect("temp folder");
    dir.join(name)
}

/// tshark's `-T fields` output, one row per packet. Panics (the test fails) when tshark
/// is not installed.
fn tshark(file: &Path, extra: &[&str], fields: &[&str]) -> Vec<Vec<String>> {
    let mut cmd = Command::new("tshark");
    cmd.arg("-n")
        .arg("-r")
        .arg(file)
        .args(extra)
        .args(["-T", "fields"]);
    for f in fields {
        cmd.args(["-e", f]);
    }
    cmd.args(["-E", "occurrence=a", "-E", "aggregator=,"]);
    let out = cmd.output().unwrap_or_else(|e| {
        panic!(
            "tshark must be installed for these tests (DEBIAN_FRONTEND=noninteractive \
             apt-get install -y tshark): {e}"
        )
    });
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "tshark failed: {stderr}");
    assert!(!stderr.contains("Lua Error"), "{stderr}");
    String::from_utf8(out.stdout)
        .expect("UTF-8")
        .lines()
        .map(|l| l.split('\t').map(str::to_string).collect())
        .collect()
}

fn lua() -> String {
    format!(
        "lua_script:{}",
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("wireshark/stickysim.lua")
            .display()
    )
}

fn hex(s: &str) -> Vec<u8> {
    stickysim::trace::hex_bytes::decode(&s.replace(':', "")).expect("hex")
}

// ---- Read back with the same crates ----------------------------------------------------

#[test]
fn every_builtin_in_every_framing_reads_back_as_its_trace() {
    for (name, trace) in all_runs() {
        let read = read_pcapng(&export(&trace, PcapFormat::PcapNg));
        check_against_trace(&name, &trace, &read, true);
    }
}

#[test]
fn classic_pcap_holds_the_same_packets() {
    for s in scenario::builtin() {
        let trace = run(&s, None, None);
        let read = read_pcap(&export(&trace, PcapFormat::Pcap));
        check_against_trace(&s.name, &trace, &read, false);
    }
}

#[test]
fn the_export_is_reproducible() {
    let s = scenario::find_builtin("12").expect("scenario 12");
    let a = export(&run(&s, None, None), PcapFormat::PcapNg);
    let b = export(&run(&s, None, None), PcapFormat::PcapNg);
    assert_eq!(a, b);
}

#[test]
fn the_nagle_hold_of_12_is_explained_in_a_comment() {
    let s = scenario::find_builtin("12").expect("scenario 12");
    let trace = run(&s, None, None);
    let holds: Vec<u64> = trace
        .events
        .iter()
        .filter_map(|e| match e.kind {
            EventKind::NagleRelease { held_us } => Some(held_us),
            _ => None,
        })
        .collect();
    assert!(!holds.is_empty(), "12 holds data by Nagle");
    let read = read_pcapng(&export(&trace, PcapFormat::PcapNg));
    let comments: Vec<&str> = read.iter().filter_map(|r| r.comment.as_deref()).collect();
    for h in &holds {
        let text = format!("held by Nagle for {:.1} ms", *h as f64 / 1000.0);
        assert!(
            comments.iter().any(|c| c.contains(&text)),
            "{text} in {comments:#?}"
        );
    }
    assert!(
        comments
            .iter()
            .any(|c| c.contains("delayed ACK: the timer"))
    );
}

#[test]
fn message_starts_are_named_in_comments() {
    let s = scenario::find_builtin("04").expect("scenario 04");
    let trace = run(&s, None, None);
    let read = read_pcapng(&export(&trace, PcapFormat::PcapNg));
    for m in trace.messages_in(Dir::ClientToServer) {
        let text = format!("message #{} ", m.id);
        assert!(
            read.iter()
                .any(|r| r.comment.as_deref().is_some_and(|c| c.contains(&text))),
            "{text}"
        );
    }
}

#[test]
fn the_cli_writes_the_file() {
    let path = tmp("cli-04.pcapng");
    let _ = std::fs::remove_file(&path);
    let out = Command::new(env!("CARGO_BIN_EXE_stickysim"))
        .args(["run", "04", "--pcap"])
        .arg(&path)
        .output()
        .expect("runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let bytes = std::fs::read(&path).expect("the file exists");
    let s = scenario::find_builtin("04").expect("04");
    check_against_trace("cli 04", &run(&s, None, None), &read_pcapng(&bytes), true);
    let bad = Command::new(env!("CARGO_BIN_EXE_stickysim"))
        .args(["run", "04", "--pcap", "/nonexistent-folder/x.pcapng"])
        .output()
        .expect("runs");
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("/nonexistent-folder/x.pcapng"));
}

// ---- Read back with tshark -------------------------------------------------------------

#[test]
fn tshark_sees_the_traces_segments_with_good_checksums() {
    for s in scenario::builtin() {
        let trace = run(&s, None, None);
        let path = tmp(&format!("{}.pcapng", s.name));
        std::fs::write(&path, export(&trace, PcapFormat::PcapNg)).expect("write");
        let rows = tshark(
            &path,
            &[
                "-o",
                "tcp.check_checksum:TRUE",
                "-o",
                "udp.check_checksum:TRUE",
                "-o",
                "ip.check_checksum:TRUE",
                "-o",
                "tcp.relative_sequence_numbers:TRUE",
            ],
            &[
                "ip.checksum.status",
                "tcp.checksum.status",
                "udp.checksum.status",
                "tcp.srcport",
                "tcp.seq",
                "tcp.len",
                "tcp.ack",
                "udp.length",
                "frame.comment",
            ],
        );
        let want = expected(&trace);
        let tcp = trace.params.transport == Transport::Tcp;
        let rows = if tcp { &rows[3..] } else { &rows[..] };
        assert_eq!(rows.len(), want.len(), "{}", s.name);
        for (row, (_, side, seq, ack, _, data, _)) in rows.iter().zip(&want) {
            assert_eq!(row[0], "1", "{}: IP checksum good: {row:?}", s.name);
            if tcp {
                assert_eq!(row[1], "1", "{}: TCP checksum good: {row:?}", s.name);
                let port = if *side == Side::Client {
                    CLIENT_PORT
                } else {
                    SERVER_PORT
                };
                assert_eq!(row[3], port.to_string());
                // Wireshark's relative numbers count the SYN: the model's offset + 1.
                if let Some(seq) = seq {
                    assert_eq!(row[4], (seq + 1).to_string(), "{}: seq {row:?}", s.name);
                }
                assert_eq!(row[5], data.len().to_string(), "{}: len", s.name);
                assert_eq!(row[6], (ack.unwrap() + 1).to_string(), "{}: ack", s.name);
            } else {
                assert_eq!(row[2], "1", "{}: UDP checksum good: {row:?}", s.name);
                assert_eq!(row[7], (data.len() + 8).to_string(), "{}", s.name);
            }
        }
        if s.name.starts_with("12") {
            assert!(rows.iter().any(|r| r[8].contains("held by Nagle for")));
        }
    }
}

/// The frames of one direction that the dissector must decode: the bodies of the framed
/// messages, in order, up to the first one the socket did not take whole (after it, the
/// stream is out of step and no reader can find the frames).
fn framed_messages(trace: &Trace, dir: Dir) -> Vec<Vec<u8>> {
    let p = &trace.params;
    // How far the stream went on the wire (a peer that stopped, e.g. a correct sender
    // refusing a body, can leave accepted bytes unsent).
    let on_wire = trace
        .events
        .iter()
        .filter_map(|e| match &e.kind {
            stickysim::trace::EventKind::SegmentTx(h) if e.side.tx_dir() == dir => {
                Some(h.seq + h.len as u64)
            }
            _ => None,
        })
        .max()
        .unwrap_or(0);
    let mut out = Vec::new();
    for m in trace.messages_in(dir) {
        // A naive fixed-length sender cuts a long body to one record.
        let wire = if p.framing == Framing::Fixed {
            m.wire_len().min(u64::from(p.record_size))
        } else {
            m.wire_len()
        };
        if m.accepted < wire || m.offset + wire > on_wire {
            break;
        }
        match p.framing {
            Framing::Raw => {}
            // The dissector cuts at every delimiter, as any reader does: a body the naive
            // sender sent with the delimiter inside is two frames on the wire.
            Framing::Line => {
                let d = p.delimiter.bytes();
                let mut rest = &m.data[..];
                while let Some(i) = rest.windows(d.len()).position(|w| w == d) {
                    out.push(rest[..i].to_vec());
                    rest = &rest[i + d.len()..];
                }
                out.push(rest.to_vec());
            }
            // A record's trailing NULs are padding to the dissector.
            Framing::Fixed => {
                let body = &m.data[..m.data.len().min(p.record_size as usize)];
                let end = body.iter().rposition(|&b| b != 0).map_or(0, |i| i + 1);
                out.push(body[..end].to_vec());
            }
            _ if m.header_len > 0 => out.push(m.data.to_vec()),
            _ => {}
        }
    }
    out
}

fn dissect(
    path: &Path,
    framing: &str,
    order: ByteOrder,
    record_size: u32,
) -> BTreeMap<Dir, Vec<Vec<u8>>> {
    let big = if order == ByteOrder::Big {
        "TRUE"
    } else {
        "FALSE"
    };
    let rows = tshark(
        path,
        &[
            "-X",
            &lua(),
            "-o",
            &format!("stickysim.framing:{framing}"),
            "-o",
            &format!("stickysim.big_endian:{big}"),
            "-o",
            &format!("stickysim.record_size:{record_size}"),
        ],
        &[
            "tcp.srcport",
            "udp.srcport",
            "stickysim.body_len",
            "stickysim.body",
        ],
    );
    let mut out: BTreeMap<Dir, Vec<Vec<u8>>> = BTreeMap::new();
    for row in rows {
        if row[2].is_empty() {
            continue;
        }
        let port = if row[0].is_empty() { &row[1] } else { &row[0] };
        let dir = if *port == CLIENT_PORT.to_string() {
            Dir::ClientToServer
        } else {
            Dir::ServerToClient
        };
        let lens: Vec<usize> = row[2]
            .split(',')
            .map(|n| n.parse().expect("a length"))
            .collect();
        // Empty bodies print nothing: take the bodies by their lengths.
        let mut bodies = row[3].split(',').filter(|b| !b.is_empty());
        for len in lens {
            let body = if len == 0 {
                Vec::new()
            } else {
                hex(bodies.next().expect("a body per frame"))
            };
            assert_eq!(body.len(), len);
            out.entry(dir).or_default().push(body);
        }
    }
    out
}

fn check_dissector(order: ByteOrder) {
    let mut decoded = 0;
    for s in scenario::builtin() {
        // Plain send()s put unframed bytes between frames: a line or record dissector
        // then cuts them too, so only scenarios that send messages are checked there.
        let raw_writes = s.client.iter().chain(s.server.iter()).any(|st| {
            matches!(
                st.action,
                scenario::Action::Send(_) | scenario::Action::Sendall(_)
            )
        });
        for framing in framings(&s) {
            if framing == Framing::Raw
                || (raw_writes && matches!(framing, Framing::Line | Framing::Fixed))
            {
                continue;
            }
            let trace = run(&s, Some(framing), Some(order));
            let name = format!("{} {} {}", s.name, framing.name(), order.name());
            let path = tmp(&format!(
                "{}-{}-{}.pcapng",
                s.name,
                framing.name(),
                order.name()
            ));
            std::fs::write(&path, export(&trace, PcapFormat::PcapNg)).expect("write");
            // Auto-detection is checked once (little-endian), to keep the test short.
            // Auto never guesses line or fixed.
            let auto = !matches!(framing, Framing::Line | Framing::Fixed);
            let prefs: &[&str] = if order == ByteOrder::Little && auto {
                &[framing.name(), "auto"]
            } else {
                &[framing.name()]
            };
            for &pref in prefs {
                let got = dissect(&path, pref, order, trace.params.record_size);
                for dir in Dir::BOTH {
                    let want = framed_messages(&trace, dir);
                    decoded += want.len();
                    let have = got.get(&dir).cloned().unwrap_or_default();
                    assert_eq!(
                        have,
                        want,
                        "{name} (dissector framing {pref}), {}: {} frames decoded, {} sent",
                        dir.name(),
                        have.len(),
                        want.len()
                    );
                }
            }
        }
    }
    assert!(decoded > 50, "the scenarios send frames ({decoded})");
}

#[test]
fn the_dissector_decodes_every_frame_sent_little_endian() {
    check_dissector(ByteOrder::Little);
}

#[test]
fn the_dissector_decodes_every_frame_sent_big_endian() {
    check_dissector(ByteOrder::Big);
}

#[test]
fn the_dissector_reassembles_a_frame_split_over_segments() {
    // 12 writes header and body separately: every frame spans two segments.
    let s = scenario::find_builtin("12").expect("12");
    let trace = run(&s, Some(Framing::LengthPrefix), None);
    let path = tmp("12-reassembly.pcapng");
    std::fs::write(&path, export(&trace, PcapFormat::PcapNg)).expect("write");
    let rows = tshark(
        &path,
        &["-2", "-X", &lua(), "-o", "stickysim.framing:length-prefix"],
        &[
            "tcp.len",
            "tcp.reassembled_in",
            "stickysim.body_len",
            "_ws.col.Info",
        ],
    );
    let parts = rows.iter().filter(|r| !r[1].is_empty()).count();
    let whole = rows.iter().filter(|r| !r[2].is_empty()).count();
    assert!(parts > 0, "some segments are parts of a reassembled PDU");
    let sent: usize = Dir::BOTH
        .iter()
        .map(|d| framed_messages(&trace, *d).len())
        .sum();
    assert!(sent > 0);
    assert_eq!(whole, sent, "every frame decoded once");
}

#[test]
fn raw_bytes_are_not_taken_for_frames() {
    for s in scenario::builtin() {
        let trace = run(&s, Some(Framing::Raw), None);
        let path = tmp(&format!("{}-raw.pcapng", s.name));
        std::fs::write(&path, export(&trace, PcapFormat::PcapNg)).expect("write");
        let got = dissect(&path, "length-prefix", ByteOrder::Little, 32);
        // Text never starts with a plausible length: nothing decodes, except where the
        // scenario itself writes a frame header by hand.
        let by_hand: usize = trace
            .messages
            .iter()
            .filter(|m| m.data.len() >= 4 && m.data[..4].iter().any(|b| *b < 0x20))
            .count();
        if by_hand == 0 {
            assert!(got.is_empty(), "{}: {got:?}", s.name);
        }
    }
}

#[test]
fn the_cli_hands_out_the_dissector_with_its_defaults_set() {
    let script = tmp("stickysim-big-json.lua");
    let out = Command::new(env!("CARGO_BIN_EXE_stickysim"))
        .args([
            "dissector",
            "--framing",
            "json-header",
            "--byte-order",
            "big",
        ])
        .output()
        .expect("runs");
    assert!(out.status.success());
    std::fs::write(&script, &out.stdout).expect("write");
    let s = scenario::find_builtin("06").expect("06");
    let trace = run(&s, Some(Framing::JsonHeader), Some(ByteOrder::Big));
    let path = tmp("06-json-big-cli.pcapng");
    std::fs::write(&path, export(&trace, PcapFormat::PcapNg)).expect("write");
    // No -o: the defaults baked into the script decode it.
    let rows = tshark(
        &path,
        &["-X", &format!("lua_script:{}", script.display())],
        &["stickysim.body"],
    );
    let mut got: Vec<Vec<u8>> = Vec::new();
    for r in rows.iter().filter(|r| !r[0].is_empty()) {
        got.extend(r[0].split(',').map(hex));
    }
    let mut want = framed_messages(&trace, Dir::ClientToServer);
    want.extend(framed_messages(&trace, Dir::ServerToClient));
    got.sort();
    want.sort();
    assert!(!want.is_empty());
    assert_eq!(got, want);
}

#[test]
fn a_real_run_exports_the_segments_it_captured() {
    for name in ["04", "12"] {
        let s = scenario::find_builtin(name).expect("built-in");
        let real = cli::run_real(&s, &s.params, &stickysim::realnet::RealOptions::default())
            .expect("the real run works");
        let trace = &real.trace;
        let captured = trace
            .events
            .iter()
            .any(|e| matches!(e.kind, EventKind::SegmentTx(_)));
        let mut bytes = Vec::new();
        let res = export::write(trace, &PcapOptions::default(), &mut bytes);
        if !captured {
            // Without the capture (no CAP_NET_RAW) a TCP run has no packets to export,
            // and says so rather than writing an empty file.
            // (The note goes out once per process: with the first run.)
            if name == "04" {
                assert!(
                    real.stuck.iter().any(|n| n.contains("capture")),
                    "{:?}",
                    real.stuck
                );
            }
            assert!(matches!(res, Err(export::ExportError::NoPackets)));
            continue;
        }
        res.expect("export works");
        // The captured segments carry no bytes; the export fills them from the stream,
        // so every data packet holds what the programs wrote.
        check_against_trace_bytes(name, trace, &read_pcapng(&bytes));
    }
}

/// [`check_against_trace`] for a captured run, whose segments carry no bytes: the
/// payloads must be the stream's bytes at their offsets.
fn check_against_trace_bytes(name: &str, trace: &Trace, read: &[Read]) {
    let mut filled = trace.clone();
    for e in &mut filled.events {
        if let EventKind::SegmentTx(h) = e.kind
            && e.chunk.is_none()
            && h.len > 0
        {
            let d = e.side.tx_dir();
            assert!(
                h.end() <= trace.streams.dirs[d.index()].len() as u64,
                "{name}: the programs wrote every captured byte"
            );
            e.chunk = Some(Streams::range(d, h.seq, h.len));
        }
    }
    check_against_trace(name, &filled, read, false);
}

use super::*;

/// A frame as `lo` delivers it: a zero Ethernet header, IPv4, TCP.
#[allow(clippy::too_many_arguments)] // one argument per header field
fn frame(
    src: u16,
    dst: u16,
    seq: u32,
    ack: u32,
    flags: u8,
    win: u16,
    payload: usize,
    wscale: Option<u8>,
) -> Vec<u8> {
    let opts: Vec<u8> = match wscale {
        Some(s) => vec![1, 3, 3, s],
        None => vec![],
    };
    let tcp_len = 20 + opts.len();
    let total = 20 + tcp_len + payload;
    let mut f = vec![0u8; 12];
    f.extend([0x08, 0x00]);
    let mut ip = vec![
        0x45,
        0,
        (total >> 8) as u8,
        total as u8,
        0,
        0,
        0x40,
        0,
        64,
        6,
        0,
        0,
    ];
    ip.extend([127, 0, 0, 1, 127, 0, 0, 1]);
    f.extend(ip);
    f.extend(src.to_be_bytes());
    f.extend(dst.to_be_bytes());
    f.extend(seq.to_be_bytes());
    f.extend(ack.to_be_bytes());
    f.push(((tcp_len / 4) as u8) << 4);
    f.push(flags);
    f.extend(win.to_be_bytes());
    f.extend([0, 0, 0, 0]);
    f.extend(opts);
    f.extend(std::iter::repeat_n(b'x', payload.min(8))); // cut, as the filter does
    f
}

const C: u16 = 40000;
const S: u16 = 5000;

/// Both copies of a packet, `us` after t0 = 1 s.
fn both(us: i64, f: &[u8]) -> [Packet; 2] {
    let at = 1_000_000_000 + i128::from(us) * 1000;
    [
        parse(f, at, true).unwrap(),
        parse(f, at + 5_000, false).unwrap(),
    ]
}

#[test]
fn parse_reads_ports_numbers_flags_lengths_and_window_scale() {
    let f = frame(C, S, 7, 9, SYN, 65495, 0, Some(10));
    let p = parse(&f, 42, true).unwrap();
    assert_eq!((p.src_port, p.dst_port, p.seq, p.ack), (C, S, 7, 9));
    assert_eq!((p.flags, p.win, p.len, p.wscale), (SYN, 65495, 0, Some(10)));
    let d = parse(&frame(S, C, 1, 2, ACK | 0x08, 64, 1000, None), 0, false).unwrap();
    assert_eq!((d.len, d.wscale, d.outgoing), (1000, None, false));
    // Not IPv4, not TCP, not loopback, too short: ignored, no panic.
    let mut udp = frame(C, S, 0, 0, 0, 0, 0, None);
    udp[23] = 17;
    assert!(parse(&udp, 0, true).is_none());
    let mut far = frame(C, S, 0, 0, 0, 0, 0, None);
    far[26] = 10;
    assert!(parse(&far, 0, true).is_none());
    for n in 0..40 {
        let _ = parse(&frame(C, S, 0, 0, SYN, 0, 0, Some(3))[..n], 0, true);
    }
    let mut bad_opt = frame(C, S, 0, 0, SYN, 0, 0, Some(3));
    bad_opt[14 + 20 + 21] = 0; // option length 0 must not loop forever
    let _ = parse(&bad_opt, 0, true);
}

/// Handshake before t0, then 5 bytes C→S, a quick ACK, 5 bytes S→C 50 ms later
/// ACKed by the timer, FIN from C, its delayed ACK, RST from S.
fn conversation() -> Vec<Packet> {
    let (ci, si) = (1000u32, u32::MAX - 2); // the server's numbers wrap
    let mut v = Vec::new();
    v.extend(both(-300, &frame(C, S, ci, 0, SYN, 65495, 0, Some(10))));
    v.extend(both(
        -200,
        &frame(S, C, si, ci + 1, SYN | ACK, 65483, 0, Some(10)),
    ));
    v.extend(both(
        -100,
        &frame(C, S, ci + 1, si.wrapping_add(1), ACK, 64, 0, None),
    ));
    v.extend(both(
        10,
        &frame(C, S, ci + 1, si.wrapping_add(1), ACK | 0x08, 64, 5, None),
    ));
    v.extend(both(
        20,
        &frame(S, C, si.wrapping_add(1), ci + 6, ACK, 64, 0, None),
    ));
    v.extend(both(
        50_000,
        &frame(S, C, si.wrapping_add(1), ci + 6, ACK | 0x08, 64, 5, None),
    ));
    v.extend(both(
        94_000,
        &frame(C, S, ci + 6, si.wrapping_add(6), ACK, 64, 0, None),
    ));
    v.extend(both(
        95_000,
        &frame(C, S, ci + 6, si.wrapping_add(6), ACK | FIN, 64, 0, None),
    ));
    v.extend(both(
        139_000,
        &frame(S, C, si.wrapping_add(6), ci + 7, ACK, 63, 0, None),
    ));
    v.extend(both(
        140_000,
        &frame(S, C, si.wrapping_add(6), 0, RST, 0, 0, None),
    ));
    v
}

/// An event kind as JSON: the same whether the trace spells a segment as fields or
/// as a header struct.
fn json(k: &EventKind) -> serde_json::Value {
    serde_json::to_value(k).unwrap()
}

#[test]
fn packets_become_the_models_events_on_both_sides() {
    let ev = events(&conversation(), C, S, 1_000_000_000);
    let kinds: Vec<(Micros, Side, &EventKind)> =
        ev.iter().map(|e| (e.t_us, e.side, &e.kind)).collect();
    // The handshake is left out; every other packet is two events.
    assert_eq!(ev.len(), 2 * 7 + 2, "{kinds:#?}");
    assert_eq!(
        json(&ev[0].kind),
        serde_json::json!({"kind": "segment_tx", "seq": 0, "len": 5, "ack": 0, "win": 65536, "fin": false})
    );
    assert_eq!((ev[0].t_us, ev[0].side), (10, Side::Client));
    assert_eq!(
        json(&ev[1].kind),
        serde_json::json!({"kind": "segment_rx", "seq": 0, "len": 5, "ack": 0, "win": 65536, "fin": false})
    );
    assert_eq!((ev[1].t_us, ev[1].side), (15, Side::Server));
    assert_eq!(
        ev[2].kind,
        EventKind::AckTx {
            ack: 5,
            win: 65536,
            reason: AckReason::Immediate
        }
    );
    assert_eq!(ev[3].kind, EventKind::AckRx { ack: 5, win: 65536 });
    assert_eq!(ev[3].side, Side::Client);
    // The server's reply (its sequence numbers wrapped) is acknowledged 44 ms later.
    assert_eq!(
        json(&ev[4].kind),
        serde_json::json!({"kind": "segment_tx", "seq": 0, "len": 5, "ack": 5, "win": 65536, "fin": false})
    );
    assert_eq!(
        ev[6].kind,
        EventKind::AckTx {
            ack: 5,
            win: 65536,
            reason: AckReason::Timer
        }
    );
    assert_eq!(ev[8].kind, EventKind::FinTx { seq: 5 });
    assert_eq!(
        json(&ev[9].kind),
        serde_json::json!({"kind": "segment_tx", "seq": 5, "len": 0, "ack": 5, "win": 65536, "fin": true})
    );
    assert_eq!(ev[11].kind, EventKind::FinRx { seq: 5 });
    assert_eq!(
        ev[12].kind,
        EventKind::AckTx {
            ack: 6,
            win: 64512,
            reason: AckReason::Fin
        }
    );
    // The server's reset, after its FIN's sequence number.
    assert_eq!(
        (ev[14].side, &ev[14].kind),
        (Side::Server, &EventKind::RstTx { seq: 5 })
    );
    assert_eq!(
        (ev[15].side, &ev[15].kind),
        (Side::Client, &EventKind::RstRx { seq: 5 })
    );
    // Another connection's packets are not ours.
    assert!(events(&conversation(), C + 1, S, 1_000_000_000).is_empty());
}

#[test]
fn a_capture_that_missed_the_handshake_adds_nothing() {
    let late: Vec<Packet> = conversation().into_iter().skip(6).collect();
    assert!(events(&late, C, S, 1_000_000_000).is_empty());
}

#[test]
fn a_window_change_alone_is_a_window_update() {
    let me = Half {
        last_ack: Some((100, 1000)),
        ..Half::default()
    };
    let peer = Half::default();
    assert_eq!(
        ack_reason(&me, &peer, 100, 60000, 0),
        AckReason::WindowUpdate
    );
    assert_eq!(ack_reason(&me, &peer, 100, 1000, 0), AckReason::Immediate);
}

#[test]
fn the_not_permitted_note_is_said_once() {
    let first = not_permitted_once("no".into());
    let second = not_permitted_once("no".into());
    // Another test may have said it first; never twice.
    assert!(!(first.is_some() && second.is_some()));
    assert!(second.is_none());
}

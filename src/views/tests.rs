use super::*;
use crate::trace::{Dir, DropReason, EventKind, Part, Side, Trace};

fn run(name: &str, edit: impl FnOnce(&mut crate::params::Params)) -> Trace {
    let s = crate::scenario::find_builtin(name).expect("built-in");
    let mut p = s.params.clone();
    edit(&mut p);
    crate::cli::run_sim(&s, &p).expect("runs").trace
}

#[test]
fn every_packet_of_04_is_an_arrow_that_lands() {
    let t = run("04", |_| {});
    let l = ladder(&t);
    let sent = t
        .events
        .iter()
        .filter(|e| matches!(e.kind, EventKind::SegmentTx(_) | EventKind::AckTx { .. }))
        .count();
    assert_eq!(l.arrows.len(), sent);
    for a in &l.arrows {
        let rx = a.t_rx.expect("every packet arrives in 04");
        assert!(rx > a.t_tx, "latency is 5 ms: {a:?}");
        let ev = &t.events[a.rx_event.unwrap()];
        assert_eq!(ev.side, a.from.peer());
    }
    let data: Vec<&Arrow> = l
        .arrows
        .iter()
        .filter(|a| a.kind == ArrowKind::Data)
        .collect();
    assert_eq!(data[0].label, "seq=0 len=5 ack=0 win=65536");
    assert_eq!(data[0].spans[0].msg, 1);
    // The server's recv returns both messages: one mark, two messages.
    let recv = l
        .marks
        .iter()
        .find(|m| m.kind == MarkKind::Recv && m.side == Side::Server)
        .expect("a recv mark");
    assert!(recv.text.contains("helloworld"), "{}", recv.text);
    let msgs: Vec<u32> = recv.spans.iter().map(|s| s.msg).collect();
    assert_eq!(msgs, [1, 2]);
}

#[test]
fn the_40_ms_hold_of_12_is_an_interval_and_the_timer_fired() {
    let t = run("12", |_| {});
    let l = ladder(&t);
    let holds: Vec<&Interval> = l
        .intervals
        .iter()
        .filter(|i| i.kind == IntervalKind::NagleHold)
        .collect();
    assert!(!holds.is_empty());
    // Quick-ACK covers the first round; later rounds wait for the 40 ms timer.
    assert!(holds.iter().any(|h| h.end - h.start >= 40_000), "{holds:?}");
    for h in &holds {
        assert!(h.end > h.start, "{h:?}");
        assert!(h.label.starts_with("Nagle held"), "{}", h.label);
    }
    let fired = l
        .intervals
        .iter()
        .filter(|i| i.kind == IntervalKind::DelayedAck { fired: true })
        .count();
    assert!(fired > 0);
    // Each hold ends when a data arrow leaves the same side.
    for h in holds {
        assert!(
            l.arrows
                .iter()
                .any(|a| a.from == h.side && a.t_tx == h.end && a.kind == ArrowKind::Data)
        );
    }
}

#[test]
fn a_cancelled_timer_ends_at_the_segment_that_carried_the_ack() {
    let t = run("02", |_| {});
    let l = ladder(&t);
    for iv in &l.intervals {
        assert!(iv.end >= iv.start, "{iv:?}");
        if iv.kind == (IntervalKind::DelayedAck { fired: false }) {
            assert!(
                l.arrows
                    .iter()
                    .any(|a| a.from == iv.side && a.t_tx == iv.end),
                "{iv:?}"
            );
        }
    }
}

#[test]
fn a_reset_is_a_red_arrow_that_lands() {
    let t = run("03", |_| {});
    let sent = t
        .events
        .iter()
        .filter(|e| matches!(e.kind, EventKind::RstTx { .. }))
        .count();
    assert!(sent > 0, "03 closes with data unread");
    let l = ladder(&t);
    let rst: Vec<&Arrow> = l
        .arrows
        .iter()
        .filter(|a| a.kind == ArrowKind::Rst)
        .collect();
    assert_eq!(rst.len(), sent);
    for a in rst {
        let rx = a.rx_event.expect("the reset arrives");
        assert!(matches!(t.events[rx].kind, EventKind::RstRx { .. }));
        assert!(a.label.starts_with("RST seq="));
    }
}

#[test]
fn arrow_progress_runs_from_departure_to_arrival() {
    let t = run("04", |_| {});
    let a = &ladder(&t).arrows[0];
    let rx = a.t_rx.unwrap();
    assert_eq!(
        a.progress(a.t_tx.saturating_sub(1)),
        if a.t_tx == 0 { Some(0.0) } else { None }
    );
    assert_eq!(a.progress(rx), Some(1.0));
    let mid = a.progress((a.t_tx + rx) / 2).unwrap();
    assert!((mid - 0.5).abs() < 0.01);
}

#[test]
fn udp_datagrams_match_their_arrival_or_drop() {
    let t = run("09", |_| {});
    let l = ladder(&t);
    let n = t
        .events
        .iter()
        .filter(|e| matches!(e.kind, EventKind::DatagramTx { .. }))
        .count();
    assert_eq!(l.arrows.len(), n);
    assert!(
        l.arrows
            .iter()
            .all(|a| matches!(a.kind, ArrowKind::Datagram(_)))
    );
    assert!(l.arrows.iter().all(|a| a.rx_event.is_some()));
    let lossy = run("09", |p| {
        p.loss = 1.0;
    });
    let l = ladder(&lossy);
    assert!(
        l.arrows
            .iter()
            .all(|a| a.kind == ArrowKind::Datagram(Some(DropReason::Loss)) && a.t_rx.is_none())
    );
}

#[test]
fn the_graph_of_12_has_a_flat_step_of_40_ms() {
    let t = run("12", |_| {});
    let g = seq_graph(&t, Dir::ServerToClient);
    assert!(g.beams.len() >= 2);
    // Header and body of a reply: consecutive offsets, ≥ 40 ms apart.
    let stall = g
        .beams
        .windows(2)
        .any(|w| w[1].start == w[0].end && w[1].t - w[0].t >= 40_000);
    assert!(stall, "{:?}", g.beams);
    // The ACK line never goes down and ends at the last byte (+1 for the FIN).
    assert!(
        g.ack
            .windows(2)
            .all(|w| w[1].1 >= w[0].1 && w[1].0 >= w[0].0)
    );
    let last = g.beams.iter().map(|b| b.end).max().unwrap();
    assert!(g.ack.last().unwrap().1 >= last);
    // The window line is ACK + window, above the ACK line.
    assert!(g.window.iter().all(|&(_, w)| w >= 65536));
    // Message boundaries: one per message plus the end.
    let n = t.messages_in(Dir::ServerToClient).count();
    assert_eq!(g.boundaries.len(), n + 1);
    assert!(!g.reads.is_empty());
    assert!(g.reads.iter().all(|r| r.end > r.start && r.end <= g.top));
}

#[test]
fn captured_segments_without_bytes_still_make_strips_and_ladders() {
    let mut t = run("04", |_| {});
    for e in &mut t.events {
        if matches!(e.kind, EventKind::SegmentTx(_) | EventKind::SegmentRx(_)) {
            e.chunk = None;
        }
    }
    let s = strip(&t, Dir::ClientToServer);
    assert_eq!(s.data, b"helloworld", "bytes from the writes and reads");
    assert_eq!(s.segments.len(), 2);
    let l = ladder(&t);
    let data: Vec<&Arrow> = l
        .arrows
        .iter()
        .filter(|a| a.kind == ArrowKind::Data)
        .collect();
    assert_eq!(
        data[1].spans[0].msg, 2,
        "colours from the messages, not the chunk"
    );
    let (bytes, cut) = stream_bytes(&t, Dir::ClientToServer, 4);
    assert_eq!((bytes.as_slice(), cut), (&b"hell"[..], true));
}

#[test]
fn the_strip_of_04_shows_one_read_over_two_messages() {
    let t = run("04", |_| {});
    let s = strip(&t, Dir::ClientToServer);
    assert_eq!(s.data, b"helloworld");
    assert!(!s.cut);
    assert_eq!(s.messages.len(), 2);
    assert_eq!((s.messages[1].start, s.messages[1].end), (5, 10));
    assert_eq!(s.segments.len(), 2, "two segments on the wire");
    assert_eq!(s.reads.len(), 1, "one read");
    assert_eq!(s.sticky_reads(), [0]);
    assert!(s.split_messages().is_empty());
    assert_eq!(s.message_at(7).map(|m| m.id), Some(2));
}

#[test]
fn the_strip_of_a_framed_run_knows_headers_and_splits() {
    let t = run("08", |_| {});
    for dir in Dir::BOTH {
        let s = strip(&t, dir);
        for m in &s.messages {
            assert!(m.start <= m.body && m.body <= m.end);
        }
        // Bytes covered by segments equal the stream bytes.
        let covered: u64 = s.segments.iter().map(|p| p.end - p.start).sum();
        assert_eq!(covered as usize, s.data.len(), "{}", dir.name());
        let spans = t.spans(dir, 0, s.data.len() as u64);
        assert!(
            spans
                .iter()
                .all(|sp| sp.part == Part::Header || sp.part == Part::Body)
        );
    }
    // 03's big reply comes out of several recv(1024) calls.
    let t = run("03", |_| {});
    let s = strip(&t, Dir::ServerToClient);
    assert!(!s.split_messages().is_empty(), "{:?}", s.reads);
}

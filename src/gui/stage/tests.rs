use super::*;
use crate::model::Replay;

/// The packets on 08's wire at 4 ms (seven tiny segments sent together, and ACKs).
fn crowded() -> (Vec<InFlight>, Micros) {
    let s = crate::scenario::find_builtin("08").unwrap();
    let mut r = Replay::new(&s, &s.params);
    r.seek_time(4000);
    let packets = r.sim().unwrap().in_flight();
    assert!(packets.len() >= 5, "a crowded wire: {}", packets.len());
    (packets, 4000)
}

#[test]
fn packets_in_flight_together_never_overlap_while_there_is_room() {
    let (packets, now) = crowded();
    // Room for all of them (the overlap is checked), and far too little (they only
    // stay on the wire).
    for (w, h) in [(400.0, 120.0), (300.0, 40.0)] {
        let region = Rect::from_min_size(pos2(0.0, 0.0), vec2(w, h));
        let rows = ((h / ROW_H).floor() as usize).max(1);
        let (x, row, width) = place_packets(region, rows, &packets, now);
        let room = width.iter().map(|w| w + 6.0).sum::<f32>() <= w * rows as f32 * 0.8;
        for i in 0..packets.len() {
            assert!(x[i] >= region.left() - 0.5 && x[i] + width[i] <= region.right() + 0.5);
            for j in i + 1..packets.len() {
                if room && row[i] == row[j] {
                    let apart = x[i] + width[i] <= x[j] || x[j] + width[j] <= x[i];
                    assert!(apart, "{w}x{h}: packets {i} and {j} overlap");
                }
            }
        }
    }
}

#[test]
fn a_nagle_hold_and_a_delayed_ack_fill_while_they_run() {
    let s = crate::scenario::find_builtin("12").unwrap();
    let mut r = Replay::new(&s, &s.params);
    let (mut nagle, mut delack) = (None, None);
    while !r.at_end() && (nagle.is_none() || delack.is_none()) {
        r.step();
        let shown = r.events_shown();
        let sim = r.sim().unwrap();
        for side in [Side::Client, Side::Server] {
            let held = sim.side_state(side).held;
            nagle = nagle.or(nagle_timer(&r.trace, shown, side, held.as_ref()));
            delack = delack.or(delack_timer(&r.trace, shown, side));
        }
    }
    for t in [nagle.expect("a hold"), delack.expect("a timer")] {
        assert!(t.end > t.start, "{t:?}");
        assert_eq!(t.fill(t.start), 0.0);
        assert!((t.fill((t.start + t.end) / 2) - 0.5).abs() < 0.01);
        assert_eq!(t.fill(t.end), 1.0);
    }
}

#[test]
fn a_packet_moves_along_the_wire_as_time_flows() {
    let s = crate::scenario::find_builtin("04").unwrap();
    let mut r = Replay::new(&s, &s.params);
    // After the first segment left: it flies from 0 to about 5 ms.
    while r.sim().unwrap().in_flight().is_empty() {
        r.step();
    }
    let pkt = r.sim().unwrap().in_flight().remove(0);
    let region = Rect::from_min_size(pos2(0.0, 0.0), vec2(500.0, 40.0));
    let at = |t: Micros| place_packets(region, 1, std::slice::from_ref(&pkt), t).0[0];
    let mid = (pkt.departs_us + pkt.arrives_us) / 2;
    assert!(at(pkt.departs_us) < at(mid) && at(mid) < at(pkt.arrives_us));
}

//! Tests of the simulation, one rule at a time. Each builds a tiny scenario in code
//! with only the parameters that matter.

use super::*;
use crate::params::{Framing, Params, Stack, Transport, ms_to_us};
use crate::scenario::{Action, Scenario};
use crate::trace::EventKind as K;
use crate::trace::{AckReason, Call, Dir, DropReason, EventKind, Micros, Part, SegHeader, Side};

fn scenario(client: Vec<Action>, server: Vec<Action>) -> Scenario {
    Scenario::from_actions("test", Params::default(), client, server)
}

fn run_with(client: Vec<Action>, server: Vec<Action>, params: Params) -> Trace {
    let mut sim = Sim::new(&scenario(client, server), &params).unwrap();
    sim.run_until_idle(100_000).expect("finishes");
    sim.into_trace()
}

fn run(client: Vec<Action>, server: Vec<Action>) -> Trace {
    run_with(client, server, Params::default())
}

/// A run on the Windows stack (`docs/design.md` "Windows stack"): the textbook rules.
fn run_windows(client: Vec<Action>, server: Vec<Action>, params: Params) -> Trace {
    let params = Params {
        stack: Stack::Windows,
        ..params
    };
    let mut sim = Sim::new(&scenario(client, server), &params).unwrap();
    sim.run_until_idle(100_000).expect("finishes");
    sim.into_trace()
}

fn windows(client: Vec<Action>, server: Vec<Action>) -> Trace {
    run_windows(client, server, Params::default())
}

/// What each `recv` returned at a side, in order.
fn recvs(trace: &Trace, side: Side) -> Vec<Vec<u8>> {
    trace
        .events
        .iter()
        .filter(|e| {
            e.side == side
                && matches!(
                    e.kind,
                    K::AppReturn {
                        call: Call::Recv { .. },
                        ..
                    }
                )
        })
        .map(|e| {
            e.chunk
                .map(|c| trace.bytes(&c).to_vec())
                .unwrap_or_default()
        })
        .collect()
}

fn count(trace: &Trace, side: Side, pred: impl Fn(&EventKind) -> bool) -> usize {
    trace
        .events
        .iter()
        .filter(|e| e.side == side && pred(&e.kind))
        .count()
}

fn first_t(trace: &Trace, side: Side, pred: impl Fn(&EventKind) -> bool) -> Micros {
    trace
        .events
        .iter()
        .find(|e| e.side == side && pred(&e.kind))
        .map(|e| e.t_us)
        .expect("event happens")
}

use Action::*;

// ---- Tests for the basic stream ----------------------------------------------------------

#[test]
fn late_reader_glues_two_small_sends() {
    let t = run(
        vec![
            Send(b"hello".to_vec().into()),
            Send(b"world".to_vec().into()),
            Close,
        ],
        vec![Sleep(60.0), Recv(1024), Recv(1024)],
    );
    assert_eq!(
        recvs(&t, Side::Server),
        vec![b"helloworld".to_vec(), vec![]]
    );
}

#[test]
fn eager_reader_sees_each_send_apart_with_nagle_off() {
    let p = Params {
        nagle: false,
        ..Params::default()
    };
    let t = run_with(
        vec![
            Send(b"hello".to_vec().into()),
            Sleep(20.0),
            Send(b"world".to_vec().into()),
            Close,
        ],
        vec![Recv(1024), Recv(1024), Recv(1024)],
        p,
    );
    assert_eq!(
        recvs(&t, Side::Server),
        vec![b"hello".to_vec(), b"world".to_vec(), vec![]]
    );
}

#[test]
fn recv_returns_at_most_n_and_the_rest_stays_buffered() {
    let t = run(
        vec![Sendall(vec![b'x'; 1000].into()), Close],
        vec![Sleep(50.0), Recv(300), Recv(1024), Recv(10)],
    );
    let r = recvs(&t, Side::Server);
    assert_eq!(
        r.iter().map(Vec::len).collect::<Vec<_>>(),
        vec![300, 700, 0]
    );
}

#[test]
fn windows_fin_makes_a_blocked_recv_return_eof_and_is_acked_at_once() {
    let t = windows(vec![Sleep(10.0), Close], vec![Recv(1024)]);
    assert_eq!(recvs(&t, Side::Server), vec![Vec::<u8>::new()]);
    assert_eq!(count(&t, Side::Server, |k| matches!(k, K::Eof { .. })), 1);
    // the FIN is acknowledged at once
    assert_eq!(
        count(&t, Side::Server, |k| matches!(
            k,
            K::AckTx {
                reason: AckReason::Fin,
                ..
            }
        )),
        1
    );
    // 10 ms sleep + 5 ms latency + 1 µs for 40 header bytes at 100 Mbps (3.2 µs → 4)
    assert_eq!(
        first_t(&t, Side::Server, |k| matches!(k, K::Eof { .. })),
        15_004
    );
}

#[test]
fn fin_follows_the_last_data_segment() {
    let t = run(
        vec![Send(b"abc".to_vec().into()), Close],
        vec![Recv(10), Recv(10)],
    );
    let kinds: Vec<_> = t
        .events
        .iter()
        .filter(|e| e.side == Side::Client)
        .map(|e| &e.kind)
        .collect();
    let seg = kinds
        .iter()
        .position(|k| matches!(k, K::SegmentTx(SegHeader { len: 3, .. })))
        .unwrap();
    let fin = kinds
        .iter()
        .position(|k| matches!(k, K::FinTx { seq: 3 }))
        .unwrap();
    assert!(seg < fin);
}

// ---- Tests for Nagle's algorithm (Windows: RFC 896) ------------------------------------

#[test]
fn second_small_send_is_held_until_the_delayed_ack() {
    let t = windows(
        vec![
            Send(b"hello".to_vec().into()),
            Send(b"world".to_vec().into()),
            Sleep(200.0),
        ],
        vec![Recv(1024), Recv(1024)],
    );
    assert_eq!(
        count(&t, Side::Client, |k| matches!(
            k,
            K::NagleHold {
                held: 5,
                in_flight: 5
            }
        )),
        1
    );
    // held from t=0 until the server's delayed ACK (40 ms after the first segment arrived)
    // comes back: 5 ms + 40 ms + 5 ms plus serialization.
    let held = t.events.iter().find_map(|e| match e.kind {
        K::NagleRelease { held_us } => Some(held_us),
        _ => None,
    });
    let held = held.expect("released");
    assert!((50_000..50_100).contains(&held), "held {held} µs");
    assert_eq!(
        recvs(&t, Side::Server)[..2],
        [b"hello".to_vec(), b"world".to_vec()]
    );
}

#[test]
fn no_hold_with_nagle_off() {
    let p = Params {
        nagle: false,
        ..Params::default()
    };
    let t = run_with(
        vec![
            Send(b"hello".to_vec().into()),
            Send(b"world".to_vec().into()),
        ],
        vec![Recv(1024)],
        p,
    );
    assert_eq!(
        count(&t, Side::Client, |k| matches!(k, K::NagleHold { .. })),
        0
    );
    assert_eq!(
        count(&t, Side::Client, |k| matches!(
            k,
            K::SegmentTx(SegHeader { len: 5, .. })
        )),
        2
    );
}

#[test]
fn close_flushes_held_data() {
    // nothing acknowledges before close: the held "world" goes out with the close
    let t = windows(
        vec![
            Send(b"hello".to_vec().into()),
            Send(b"world".to_vec().into()),
            Close,
        ],
        vec![Sleep(100.0), Recv(1024)],
    );
    let release = first_t(&t, Side::Client, |k| matches!(k, K::NagleRelease { .. }));
    assert_eq!(release, 0);
}

// ---- Tests for delayed ACK (Windows) -------------------------------------------------------

#[test]
fn one_segment_starts_the_timer_and_the_timer_acks() {
    let t = windows(
        vec![Send(b"hi".to_vec().into()), Sleep(100.0)],
        vec![Recv(10), Sleep(100.0)],
    );
    let arrive = first_t(&t, Side::Server, |k| {
        matches!(k, K::SegmentRx(SegHeader { len: 2, .. }))
    });
    let start = first_t(&t, Side::Server, |k| matches!(k, K::DelayedAckStart { .. }));
    let fire = first_t(&t, Side::Server, |k| matches!(k, K::DelayedAckFire));
    assert_eq!(start, arrive);
    assert_eq!(fire, arrive + 40_000);
    assert_eq!(
        count(&t, Side::Server, |k| matches!(
            k,
            K::AckTx {
                reason: AckReason::Timer,
                ..
            }
        )),
        1
    );
}

#[test]
fn two_full_segments_are_acked_at_once() {
    let t = windows(
        vec![Sendall(vec![7; 2920].into()), Sleep(100.0)],
        vec![Sleep(100.0)],
    );
    let second = t
        .events
        .iter()
        .filter(|e| {
            e.side == Side::Server && matches!(e.kind, K::SegmentRx(SegHeader { len: 1460, .. }))
        })
        .nth(1)
        .unwrap()
        .t_us;
    let ack = first_t(&t, Side::Server, |k| {
        matches!(
            k,
            K::AckTx {
                reason: AckReason::TwoSegments,
                ..
            }
        )
    });
    assert_eq!(ack, second);
}

#[test]
fn reply_data_carries_the_ack_and_cancels_the_timer() {
    let t = run(
        vec![Send(b"ping".to_vec().into()), Recv(10)],
        vec![Recv(10), Send(b"pong".to_vec().into())],
    );
    assert_eq!(
        count(&t, Side::Server, |k| matches!(k, K::DelayedAckFire)),
        0
    );
    let ack = t.events.iter().find_map(|e| match e.kind {
        K::SegmentTx(SegHeader { len: 4, ack, .. }) if e.side == Side::Server => Some(ack),
        _ => None,
    });
    assert_eq!(ack, Some(4));
}

#[test]
fn delayed_ack_off_acks_every_segment() {
    let p = Params {
        delayed_ack: false,
        ..Params::default()
    };
    let t = run_with(
        vec![
            Send(b"a".to_vec().into()),
            Sleep(20.0),
            Send(b"b".to_vec().into()),
        ],
        vec![Recv(1), Recv(1)],
        p,
    );
    assert_eq!(
        count(&t, Side::Server, |k| matches!(
            k,
            K::AckTx {
                reason: AckReason::Immediate,
                ..
            }
        )),
        2
    );
}

// ---- Tests for flow control --------------------------------------------------------------

#[test]
fn zero_window_waits_for_the_window_update() {
    let p = Params {
        recv_buffer: 2000,
        ..Params::default()
    };
    let t = run_with(
        vec![Sendall(vec![1; 5000].into()), Close],
        vec![
            Sleep(100.0),
            Recv(5000),
            Recv(5000),
            Recv(5000),
            Recv(5000),
            Recv(5000),
        ],
        p,
    );
    assert!(count(&t, Side::Client, |k| matches!(k, K::WindowFull { .. })) >= 1);
    assert!(
        count(&t, Side::Server, |k| matches!(
            k,
            K::AckTx {
                reason: AckReason::WindowUpdate,
                ..
            }
        )) >= 1
    );
    let got: usize = recvs(&t, Side::Server).iter().map(Vec::len).sum();
    assert_eq!(got, 5000);
    // never more in the receive buffer than it holds
    for e in &t.events {
        if let K::SegmentTx(SegHeader { win, .. }) | K::AckTx { win, .. } = e.kind {
            assert!(win <= 2000);
        }
    }
}

#[test]
fn a_blocking_send_copies_everything() {
    let t = run(
        vec![Send(vec![0; 50_000].into()), Close],
        vec![Sleep(500.0), Recv(65536)],
    );
    let ret = t.events.iter().find_map(|e| match e.kind {
        K::AppReturn {
            call: Call::Send { .. },
            ret,
            ..
        } => Some(ret),
        _ => None,
    });
    assert_eq!(ret, Some(50_000));
    assert_eq!(
        count(&t, Side::Client, |k| matches!(k, K::SendShort { .. })),
        0
    );
    assert_eq!(t.messages[0].accepted, 50_000);
    let lens: Vec<usize> = recvs(&t, Side::Server).iter().map(Vec::len).collect();
    assert_eq!(lens, vec![50_000]);
}

#[test]
fn sendall_blocks_until_everything_is_copied() {
    let t = run(
        vec![Sendall(vec![0; 50_000].into()), Close],
        vec![Sleep(500.0), Recv(65536)],
    );
    assert!(count(&t, Side::Client, |k| matches!(k, K::AppBlocked { .. })) >= 1);
    let got: usize = recvs(&t, Side::Server).iter().map(Vec::len).sum();
    assert_eq!(got, 50_000);
}

// ---- Tests for UDP -----------------------------------------------------------------------

fn udp() -> Params {
    Params {
        transport: Transport::Udp,
        ..Params::default()
    }
}

#[test]
fn datagrams_never_merge() {
    let t = run_with(
        vec![
            Send(b"hello".to_vec().into()),
            Send(b"world".to_vec().into()),
        ],
        vec![Sleep(50.0), Recv(1024), Recv(1024)],
        udp(),
    );
    assert_eq!(
        recvs(&t, Side::Server),
        vec![b"hello".to_vec(), b"world".to_vec()]
    );
}

#[test]
fn a_big_datagram_is_truncated() {
    let t = run_with(vec![Send(vec![9; 3000].into())], vec![Recv(1024)], udp());
    assert_eq!(recvs(&t, Side::Server)[0].len(), 1024);
    assert_eq!(
        count(&t, Side::Server, |k| matches!(
            k,
            K::Truncated {
                len: 3000,
                kept: 1024
            }
        )),
        1
    );
}

#[test]
fn a_full_queue_drops_datagrams() {
    let p = Params {
        recv_buffer: 1500,
        ..udp()
    };
    let t = run_with(
        vec![
            Send(vec![1; 1000].into()),
            Send(vec![2; 1000].into()),
            Send(vec![3; 400].into()),
        ],
        vec![Sleep(50.0), Recv(2000), Recv(2000)],
        p,
    );
    assert_eq!(
        count(&t, Side::Server, |k| matches!(
            k,
            K::DatagramDrop {
                len: 1000,
                reason: DropReason::QueueFull
            }
        )),
        1
    );
    assert_eq!(recvs(&t, Side::Server), vec![vec![1; 1000], vec![3; 400]]);
}

#[test]
fn loss_drops_whole_datagrams_reproducibly() {
    let p = Params {
        loss: 0.5,
        seed: 7,
        ..udp()
    };
    let sends: Vec<Action> = (0..40u8).map(|i| Send(vec![i; 10].into())).collect();
    let a = run_with(sends.clone(), vec![], p.clone());
    let b = run_with(sends, vec![], p);
    let lost = count(&a, Side::Server, |k| {
        matches!(
            k,
            K::DatagramDrop {
                reason: DropReason::Loss,
                ..
            }
        )
    });
    assert!((5..35).contains(&lost), "lost {lost} of 40");
    assert_eq!(a, b);
}

#[test]
fn framing_on_udp_is_refused() {
    let p = Params {
        framing: Framing::LengthPrefix,
        ..udp()
    };
    assert!(matches!(
        Sim::new(&scenario(vec![], vec![]), &p),
        Err(ModelError::FramingOnUdp(_))
    ));
}

// ---- Tests for messages and framing ---------------------------------------------------------

#[test]
fn spans_mark_headers_and_bodies() {
    let p = Params {
        framing: Framing::LengthPrefix,
        ..Params::default()
    };
    let t = run_with(
        vec![
            SendMessage(b"hello".to_vec().into()),
            SendMessage(b"world".to_vec().into()),
            Close,
        ],
        vec![Sleep(100.0), Recv(1024)],
        p,
    );
    let r = t
        .events
        .iter()
        .find(|e| {
            matches!(
                e.kind,
                K::AppReturn {
                    call: Call::Recv { .. },
                    ..
                }
            )
        })
        .and_then(|e| t.chunk_of(e))
        .unwrap();
    assert_eq!(r.data.len(), 18);
    let parts: Vec<(u32, Part, u64, u64)> = r
        .spans
        .iter()
        .map(|s| (s.msg, s.part, s.start, s.end))
        .collect();
    assert_eq!(
        parts,
        vec![
            (1, Part::Header, 0, 4),
            (1, Part::Body, 4, 9),
            (2, Part::Header, 9, 13),
            (2, Part::Body, 13, 18)
        ]
    );
}

#[test]
fn recv_message_delivers_whole_frames_whatever_the_segments() {
    let p = Params {
        framing: Framing::LengthPrefix,
        mss: 3,
        ..Params::default()
    };
    let t = run_with(
        vec![
            SendMessage(b"hello".to_vec().into()),
            SendMessage(b"world".to_vec().into()),
            Close,
        ],
        vec![RecvMessage(1024), RecvMessage(1024), RecvMessage(1024)],
        p,
    );
    let delivered: Vec<Vec<u8>> = t
        .events
        .iter()
        .filter_map(|e| match &e.kind {
            K::Deliver { data, .. } => Some(data.to_vec()),
            _ => None,
        })
        .collect();
    assert_eq!(delivered, vec![b"hello".to_vec(), b"world".to_vec()]);
}

#[test]
fn tutorial_decoder_crashes_on_a_split_header() {
    let p = Params {
        framing: Framing::LengthPrefix,
        mss: 3,
        decoder: crate::params::DecoderKind::Tutorial,
        ..Params::default()
    };
    let t = run_with(
        vec![SendMessage(b"hello".to_vec().into()), Sleep(50.0)],
        vec![RecvMessage(1024)],
        p,
    );
    assert_eq!(
        count(&t, Side::Server, |k| matches!(k, K::DecodeError { .. })),
        1
    );
    assert_eq!(
        count(&t, Side::Server, |k| matches!(k, K::Deliver { .. })),
        0
    );
}

#[test]
fn recv_delay_sleeps_before_each_read() {
    let p = Params {
        recv_delay_ms: Some(30.0),
        ..Params::default()
    };
    let t = run_with(
        vec![Send(b"a".to_vec().into()), Close],
        vec![Recv(10), Recv(10)],
        p,
    );
    let first = first_t(&t, Side::Server, |k| {
        matches!(
            k,
            K::AppReturn {
                call: Call::Recv { .. },
                ..
            }
        )
    });
    assert_eq!(first, 30_000);
    assert_eq!(
        count(&t, Side::Server, |k| matches!(
            k,
            K::AppCall {
                call: Call::Sleep { .. },
                ..
            }
        )),
        2
    );
}

#[test]
fn recv_size_overrides_every_bufsize() {
    let p = Params {
        recv_size: Some(3),
        ..Params::default()
    };
    let t = run_with(
        vec![Send(b"abcdefg".to_vec().into()), Close],
        vec![Sleep(50.0), Recv(1024), Recv(1024)],
        p,
    );
    assert_eq!(
        recvs(&t, Side::Server),
        vec![b"abc".to_vec(), b"def".to_vec()]
    );
}

#[test]
fn a_program_blocked_forever_is_reported_stuck() {
    let mut sim = Sim::new(
        &scenario(vec![Recv(10)], vec![Recv(10)]),
        &Params::default(),
    )
    .unwrap();
    sim.run_until_idle(1000).unwrap();
    let stuck = sim.stuck();
    assert_eq!(stuck.len(), 2);
    assert_eq!(stuck[0].2, "recv(10)");
}

#[test]
fn run_until_idle_is_bounded() {
    let mut sim = Sim::new(&scenario(vec![Sleep(1.0); 50], vec![]), &Params::default()).unwrap();
    assert_eq!(sim.run_until_idle(10), Err(ModelError::Livelock(10)));
}

#[test]
fn jitter_never_reorders_tcp_segments() {
    let p = Params {
        jitter_ms: 20.0,
        nagle: false,
        seed: 3,
        ..Params::default()
    };
    let sends: Vec<Action> = (0..30u8).map(|i| Send(vec![i; 100].into())).collect();
    let t = run_with(sends, vec![Sleep(500.0), Recv(100_000)], p);
    let expected: Vec<u8> = (0..30u8).flat_map(|i| vec![i; 100]).collect();
    assert_eq!(recvs(&t, Side::Server)[0], expected);
}

#[test]
fn a_checkpoint_without_events_continues_exactly_like_the_original() {
    let s = scenario(
        vec![
            Send(b"hello".to_vec().into()),
            Send(b"world".to_vec().into()),
            Sleep(60.0),
            Recv(100),
        ],
        vec![Recv(1024), Send(b"reply".to_vec().into()), Recv(1024)],
    );
    let mut a = Sim::new(&s, &Params::default()).unwrap();
    for _ in 0..6 {
        a.step();
    }
    let mut b = a.clone_without_events();
    assert_eq!(b.events_len(), a.events_len());
    assert!(b.trace().events.is_empty());
    let split = a.events_len();
    a.run_until_idle(10_000).unwrap();
    b.run_until_idle(10_000).unwrap();
    assert_eq!(b.events_len(), a.events_len());
    assert_eq!(b.trace().events, a.trace().events[split..]);
}

// ---- Tests for the views ------------------------------------------------------------------

#[test]
fn packets_on_the_wire_know_when_they_left() {
    // 1 Mbps: a 1000 B segment takes (1000 + 40) × 8 µs to serialize, and the second
    // waits for the first to be on the link.
    let p = Params {
        bandwidth_mbps: 1.0,
        nagle: false,
        ..Params::default()
    };
    let s = scenario(
        vec![Send(vec![1; 1000].into()), Send(vec![2; 1000].into())],
        vec![Recv(4096)],
    );
    let mut sim = Sim::new(&s, &p).unwrap();
    while sim.in_flight().len() < 2 {
        assert!(sim.step(), "both segments leave");
    }
    let wire = sim.in_flight();
    let ser = 1040 * 8;
    let lat = ms_to_us(p.latency_ms);
    assert_eq!((wire[0].departs_us, wire[0].arrives_us), (0, ser + lat));
    assert_eq!(
        (wire[1].departs_us, wire[1].arrives_us),
        (ser, 2 * ser + lat)
    );
    assert_eq!(wire[1].hdr.seq, 1000);
    assert_eq!(wire[1].chunk.as_ref().unwrap().data, vec![2; 1000]);
    // Progress runs from departure to arrival, whatever the latency.
    assert_eq!(wire[1].progress(0), 0.0);
    assert_eq!(wire[1].progress(ser), 0.0);
    assert_eq!(wire[1].progress(ser + (ser + lat) / 2), 0.5);
    assert_eq!(wire[1].progress(2 * ser + lat), 1.0);
    assert_eq!(wire[1].progress(u64::MAX), 1.0);
}

#[test]
fn a_blocked_send_reports_why_in_the_trace() {
    let p = Params {
        send_buffer: 100,
        recv_buffer: 100,
        ..Params::default()
    };
    let t = run_with(
        vec![Sendall(vec![0; 1000].into())],
        vec![Recv(1000), Recv(1000)],
        p,
    );
    let reasons: Vec<_> = t
        .events
        .iter()
        .filter_map(|e| match &e.kind {
            K::AppBlocked { reason, .. } => Some((e.side, *reason)),
            _ => None,
        })
        .collect();
    use crate::trace::BlockReason::*;
    // At t = 0 the server waits for data and the client for room, in program order.
    assert_eq!(
        reasons[..2],
        [
            (Side::Client, SendBufferFull),
            (Side::Server, RecvBufferEmpty)
        ]
    );
}

// ---- Tests for the Linux stack: Nagle with Minshall, quick-ACK, ping-pong, ACK on read -----

/// A link like loopback: 10 µs one way, no serialization delay.
fn lo() -> Params {
    Params {
        latency_ms: 0.01,
        bandwidth_mbps: 0.0,
        ..Params::default()
    }
}

/// The `recv` return counts at a side.
fn recv_lens(trace: &Trace, side: Side) -> Vec<usize> {
    recvs(trace, side).iter().map(Vec::len).collect()
}

/// How long each Nagle hold at a side lasted, in whole milliseconds.
fn holds_ms(trace: &Trace, side: Side) -> Vec<u64> {
    trace
        .events
        .iter()
        .filter_map(|e| match e.kind {
            K::NagleRelease { held_us } if e.side == side => Some(held_us / 1000),
            _ => None,
        })
        .collect()
}

#[test]
fn linux_small_writes_to_an_eager_reader_each_arrive_alone() {
    // kernel.md fact 12: one byte every 5 ms, the reader in recv(1024): eight reads.
    let mut client = vec![Sleep(20.0)];
    for b in b"abcdefgh" {
        client.extend([Send(vec![*b].into()), Sleep(5.0)]);
    }
    client.push(Close);
    let t = run_with(client, vec![Recv(1024); 9], lo());
    assert_eq!(recv_lens(&t, Side::Server), vec![1, 1, 1, 1, 1, 1, 1, 1, 0]);
    assert_eq!(
        count(&t, Side::Client, |k| matches!(k, K::NagleHold { .. })),
        0
    );
    // The textbook rules glue them.
    let w = windows(
        {
            let mut c = vec![Sleep(20.0)];
            for b in b"abcdefgh" {
                c.extend([Send(vec![*b].into()), Sleep(5.0)]);
            }
            c
        },
        vec![Recv(1024); 3],
    );
    assert_eq!(recv_lens(&w, Side::Server)[0], 1);
    assert!(recv_lens(&w, Side::Server)[1] > 1, "RFC 896 coalesces");
}

#[test]
fn linux_three_writes_before_a_late_recv_all_arrive() {
    // fact 13: writes at 0, 5, 10 ms; one recv at 12 ms gets all three bytes.
    let client = vec![
        Send(b"a".to_vec().into()),
        Sleep(5.0),
        Send(b"b".to_vec().into()),
        Sleep(5.0),
        Send(b"c".to_vec().into()),
        Sleep(50.0),
    ];
    let p = lo();
    let t = run_with(client.clone(), vec![Sleep(12.0), Recv(1024)], p.clone());
    assert_eq!(recv_lens(&t, Side::Server), vec![3]);
    let w = run_windows(client, vec![Sleep(12.0), Recv(1024)], p);
    assert_eq!(
        recv_lens(&w, Side::Server),
        vec![1],
        "RFC 896 holds b and c"
    );
}

#[test]
fn linux_gives_sixteen_quick_acks_then_delays() {
    // fact 6: a reader that does not read; 1-byte segments 20 ms apart.
    let p = lo();
    let client: Vec<Action> = (0..20)
        .flat_map(|_| [Send(b"x".to_vec().into()), Sleep(20.0)])
        .collect();
    let t = run_with(client, vec![Sleep(1000.0), Recv(100)], p);
    let reasons: Vec<AckReason> = t
        .events
        .iter()
        .filter_map(|e| match e.kind {
            K::AckTx { reason, .. } if e.side == Side::Server => Some(reason),
            _ => None,
        })
        .collect();
    assert!(reasons[..16].iter().all(|r| *r == AckReason::QuickAck));
    assert!(
        reasons[16..].iter().all(|r| *r == AckReason::Timer),
        "{reasons:?}"
    );
}

/// Rounds of a request (4-byte header, 4-byte body written separately) and a reply
/// written the same way, `think_ms` after the request: the tutorial's 方案一 on both
/// sides.
fn separate_write_rounds(rounds: usize, think_ms: f64) -> (Vec<Action>, Vec<Action>) {
    let mut client = Vec::new();
    let mut server = Vec::new();
    for _ in 0..rounds {
        client.extend([
            Send(b"HDR1".to_vec().into()),
            Send(b"BDY1".to_vec().into()),
            Recv(4),
            Recv(4),
        ]);
        server.extend([Recv(4), Recv(4)]);
        if think_ms > 0.0 {
            server.push(Sleep(think_ms));
        }
        server.extend([Send(b"HDR2".to_vec().into()), Send(b"BDY2".to_vec().into())]);
    }
    client.push(Close);
    // The server stays open: its close would push a held segment out.
    server.push(Sleep(100.0));
    (client, server)
}

#[test]
fn linux_separate_writes_stall_from_the_second_round_on() {
    // fact 14: round 0 is fast (quick-ACK, ACK on read); then both sides are in
    // ping-pong mode and each body waits for the peer's 40 ms delayed ACK.
    let p = lo();
    let (c, s) = separate_write_rounds(3, 0.0);
    let t = run_with(c.clone(), s.clone(), p.clone());
    // 40 ms, on the next-but-one 4 ms tick: 40 to 44 ms.
    let stalled = |h: Vec<u64>| h[0] == 0 && h[1..].iter().all(|ms| (40..=44).contains(ms));
    assert!(
        stalled(holds_ms(&t, Side::Client)),
        "{:?}",
        holds_ms(&t, Side::Client)
    );
    assert!(
        stalled(holds_ms(&t, Side::Server)),
        "{:?}",
        holds_ms(&t, Side::Server)
    );
    assert_eq!(holds_ms(&t, Side::Server).len(), 3);
    // The Windows rules stall every round (with the same 40 ms timer here).
    let w = run_windows(c, s, p);
    assert_eq!(holds_ms(&w, Side::Client), vec![40, 40, 40]);
    assert_eq!(holds_ms(&w, Side::Server), vec![40, 40, 40]);
}

#[test]
fn linux_a_side_that_replies_late_is_not_in_ping_pong() {
    // fact 10, 60 ms think time: the server replies > 40 ms after receiving, so it
    // ACKs the request's header on read and only the reply's body stalls.
    let p = lo();
    let (client, server) = separate_write_rounds(4, 60.0);
    let t = run_with(client, server, p);
    // The request's body never waits; the reply's body waits from the second round.
    assert_eq!(holds_ms(&t, Side::Client), vec![0, 0, 0, 0]);
    let server = holds_ms(&t, Side::Server);
    assert_eq!(server.len(), 4);
    assert!(
        server[0] == 0 && server[1..].iter().all(|ms| (40..=44).contains(ms)),
        "{server:?}"
    );
}

#[test]
fn linux_the_tail_of_a_large_write_is_not_held() {
    let p = lo();
    let t = run_with(
        vec![Sendall(vec![1; 1460 * 3 + 10].into()), Sleep(100.0)],
        vec![Recv(100_000)],
        p,
    );
    assert_eq!(
        count(&t, Side::Client, |k| matches!(k, K::NagleHold { .. })),
        0
    );
}

#[test]
fn linux_a_fin_is_acked_late_by_an_open_side_and_at_once_by_a_closed_one() {
    // fact 11: `tcp_fin` puts an open side in ping-pong: the FIN waits for the timer.
    let t = run(vec![Close], vec![Recv(10), Sleep(100.0)]);
    let fin = first_t(&t, Side::Server, |k| matches!(k, K::FinRx { .. }));
    let ack = first_t(&t, Side::Server, |k| matches!(k, K::AckTx { .. }));
    assert!((40_001..=44_000).contains(&(ack - fin)), "{}", ack - fin);
    // Both close at once: the second FIN carries the ACK of the first.
    let t = run(vec![Close], vec![Close]);
    assert_eq!(
        count(&t, Side::Server, |k| matches!(k, K::DelayedAckFire)),
        0
    );
}

// ---- Tests for resets (Linux) -------------------------------------------------------------

fn exceptions(trace: &Trace, side: Side) -> Vec<crate::trace::PyExc> {
    trace
        .events
        .iter()
        .filter_map(|e| match e.kind {
            K::Exception { exc, .. } if e.side == side => Some(exc),
            _ => None,
        })
        .collect()
}

#[test]
fn close_with_unread_data_resets_and_the_peer_reads_its_data_first() {
    // kernel.md fact 17: recv(10) → 10, 10, 5, then ConnectionResetError.
    use crate::trace::PyExc;
    let t = run(
        vec![
            Send(vec![b'c'; 100].into()),
            Sleep(50.0),
            Recv(10),
            Recv(10),
            Recv(10),
            Recv(10),
            Recv(10),
        ],
        vec![Send(vec![b'r'; 25].into()), Sleep(20.0), Close],
    );
    assert_eq!(count(&t, Side::Server, |k| matches!(k, K::RstTx { .. })), 1);
    assert_eq!(count(&t, Side::Server, |k| matches!(k, K::FinTx { .. })), 0);
    assert_eq!(recv_lens(&t, Side::Client), vec![10, 10, 5]);
    assert_eq!(exceptions(&t, Side::Client), vec![PyExc::ConnectionReset]);
    // The program ends there: the fifth recv never runs.
    assert_eq!(count(&t, Side::Client, |k| matches!(k, K::ProgramEnd)), 1);
}

#[test]
fn a_reader_blocked_when_the_reset_arrives_raises_at_once() {
    use crate::trace::PyExc;
    let t = run(
        vec![Send(vec![1; 10].into()), Recv(10)],
        vec![Sleep(20.0), Close],
    );
    assert_eq!(exceptions(&t, Side::Client), vec![PyExc::ConnectionReset]);
    let rst = first_t(&t, Side::Client, |k| matches!(k, K::RstRx { .. }));
    let exc = first_t(&t, Side::Client, |k| matches!(k, K::Exception { .. }));
    assert_eq!(rst, exc);
}

#[test]
fn data_sent_to_a_peer_that_closed_resets_but_recv_still_sees_eof() {
    // fact 19: the peer closed cleanly (FIN); our data gets an RST; recv → b''; the
    // next send raises BrokenPipeError.
    use crate::trace::PyExc;
    let t = run(
        vec![
            Sleep(20.0),
            Send(b"0123456789".to_vec().into()),
            Sleep(30.0),
            Recv(1024),
            Send(b"more".to_vec().into()),
        ],
        vec![Close],
    );
    assert_eq!(count(&t, Side::Server, |k| matches!(k, K::RstTx { .. })), 1);
    assert_eq!(recv_lens(&t, Side::Client), vec![0]);
    assert_eq!(exceptions(&t, Side::Client), vec![PyExc::BrokenPipe]);
}

#[test]
fn windows_has_no_reset_on_close() {
    let t = windows(
        vec![Send(vec![1; 100].into()), Sleep(50.0), Recv(10)],
        vec![Sleep(20.0), Close],
    );
    assert_eq!(count(&t, Side::Server, |k| matches!(k, K::RstTx { .. })), 0);
    assert_eq!(recv_lens(&t, Side::Client), vec![0], "EOF");
}

// ---- Tests for timeouts and non-blocking calls --------------------------------------------

#[test]
fn a_send_with_a_timeout_copies_what_fits_and_returns_the_short_count() {
    let t = run(
        vec![SetTimeout(0.5), Send(vec![0; 50_000].into()), Close],
        vec![Sleep(100.0), Recv(65536), Recv(65536)],
    );
    let ret = t.events.iter().find_map(|e| match e.kind {
        K::AppReturn {
            call: Call::Send { .. },
            ret,
            ..
        } => Some(ret),
        _ => None,
    });
    assert_eq!(ret, Some(16384));
    let short = |k: &EventKind| {
        matches!(
            k,
            K::SendShort {
                wanted: 50_000,
                accepted: 16384
            }
        )
    };
    assert_eq!(count(&t, Side::Client, short), 1);
    assert_eq!(recv_lens(&t, Side::Server), vec![16384, 0]);
}

#[test]
fn a_send_that_finds_no_room_until_its_timeout_raises() {
    use crate::trace::PyExc;
    // A full window and a full send buffer: no room comes.
    let p = Params {
        recv_buffer: 4096,
        send_buffer: 4096,
        ..Params::default()
    };
    let t = run_with(
        vec![SetTimeout(0.1), Sendall(vec![0; 20_000].into())],
        vec![Sleep(1000.0)],
        p,
    );
    assert_eq!(exceptions(&t, Side::Client), vec![PyExc::Timeout]);
    let raised = first_t(&t, Side::Client, |k| matches!(k, K::Exception { .. }));
    assert_eq!(raised, 100_000, "one deadline for the whole sendall");
}

#[test]
fn a_non_blocking_socket_raises_blocking_io_error() {
    use crate::trace::PyExc;
    let t = run(vec![SetTimeout(0.0), Recv(10)], vec![Sleep(10.0)]);
    assert_eq!(exceptions(&t, Side::Client), vec![PyExc::BlockingIo]);
    let p = Params {
        recv_buffer: 4096,
        send_buffer: 4096,
        ..Params::default()
    };
    let t = run_with(
        vec![
            SetTimeout(0.0),
            Send(vec![0; 10_000].into()),
            Send(vec![0; 10_000].into()),
        ],
        vec![Sleep(1000.0)],
        p,
    );
    let sends: Vec<usize> = t
        .events
        .iter()
        .filter_map(|e| match e.kind {
            K::AppReturn {
                call: Call::Send { .. },
                ret,
                ..
            } => Some(ret),
            _ => None,
        })
        .collect();
    assert_eq!(sends, vec![4096], "what fits, then the exception");
    assert_eq!(exceptions(&t, Side::Client), vec![PyExc::BlockingIo]);
}

#[test]
fn a_recv_with_a_timeout_raises_after_it() {
    use crate::trace::PyExc;
    let t = run(vec![SetTimeout(0.25), Recv(10)], vec![Sleep(1000.0)]);
    assert_eq!(exceptions(&t, Side::Client), vec![PyExc::Timeout]);
    let raised = first_t(&t, Side::Client, |k| matches!(k, K::Exception { .. }));
    assert_eq!(raised, 250_000);
    // Data in time: no exception.
    let t = run(
        vec![SetTimeout(0.25), Recv(10)],
        vec![Send(b"hi".to_vec().into())],
    );
    assert!(exceptions(&t, Side::Client).is_empty());
    assert_eq!(recv_lens(&t, Side::Client), vec![2]);
}

#[test]
fn a_reset_on_the_wire_is_shown_as_one() {
    let s = scenario(
        vec![Send(vec![1; 100].into()), Sleep(50.0)],
        vec![Sleep(20.0), Close],
    );
    let mut sim = Sim::new(&s, &Params::default()).unwrap();
    let mut seen = false;
    while sim.step() {
        if let Some(p) = sim.in_flight().into_iter().find(|p| p.rst) {
            assert_eq!((p.dir, p.hdr.len), (Dir::ServerToClient, 0));
            seen = true;
        }
    }
    assert!(seen, "the server's RST travels to the client");
}

// ---- Tests for the Linux receiver's memory on loopback (truesize, window) ---------------

/// The loopback link's parameters, as `stickysim calibrate` gives the model.
fn loopback() -> Params {
    use crate::params::{Link, Settings, Value};
    let mut s = Settings::default();
    let i = Link::ALL.iter().position(|l| *l == Link::Loopback).unwrap();
    s.set("link", Value::Choice(i)).unwrap();
    s.resolve()
}

/// The windows a side advertised, in order (data segments and pure ACKs).
fn windows_sent(trace: &Trace, side: Side) -> Vec<(Micros, u32)> {
    trace
        .events
        .iter()
        .filter(|e| e.side == side)
        .filter_map(|e| match &e.kind {
            K::AckTx { win, .. } => Some((e.t_us, *win)),
            _ => None,
        })
        .collect()
}

#[test]
fn loopback_flow_control_stall_reads_what_the_kernel_reads() {
    // tests/calibration/c11 (kernel.md fact 27, captured on lo): the sleeping reader's
    // buffer takes 127973 B, then a zero window; reads reopen it only when they free
    // half the buffer by truesize, so the fourth read finds 45557 B.
    let mut server = vec![Sleep(100.0), Recv(50_000)];
    for _ in 0..4 {
        server.extend([Sleep(50.0), Recv(50_000)]);
    }
    server.extend([Sleep(50.0), Recv(65_536), Recv(65_536)]);
    let t = run_with(
        vec![Sendall(vec![b'x'; 250_000].into()), Close],
        server,
        loopback(),
    );
    assert_eq!(
        recv_lens(&t, Side::Server),
        vec![50_000, 50_000, 50_000, 45_557, 50_000, 4_443, 0]
    );
    let wins = windows_sent(&t, Side::Server);
    // The first ACK offers 93 × 1024 with 32741 B queued; the delayed ACK shuts it.
    assert_eq!(wins[0].1, 95_232);
    assert_eq!(wins[1].1, 0);
    // The second read (150 ms) reopens it to 66 × 1024, the first did not.
    let reopened: Vec<_> = wins.iter().filter(|(t, w)| *w > 0 && *t > 60_000).collect();
    assert_eq!(reopened[0].1, 67_584);
    assert!(reopened[0].0 >= 150_000 && reopened[0].0 < 151_000);
}

#[test]
fn loopback_a_window_below_a_segment_waits_for_a_read_or_the_persist_timer() {
    // Scenario 11's opening on lo: 50000 B, then 50000 more 100 ms later. The reader's
    // buffer then offers 29696 B (the never-shrink rest, 29 × 1024), less than a
    // segment (47616) while 50000 wait: the sender does not use it (tcp_snd_wnd_test),
    // until the persist timer sends what fits about 200 ms later.
    let client = vec![
        Send(vec![b'a'; 50_000].into()),
        Sleep(100.0),
        Send(vec![b'b'; 50_000].into()),
        Sendall(vec![b'c'; 50_000].into()),
    ];
    let t = run_with(client, vec![Sleep(1000.0), Recv(300_000)], loopback());
    let wins = windows_sent(&t, Side::Server);
    assert!(wins.iter().any(|(_, w)| *w == 29_696), "{wins:?}");
    let small: Vec<(Micros, usize)> = t
        .events
        .iter()
        .filter(|e| e.side == Side::Client)
        .filter_map(|e| match &e.kind {
            K::SegmentTx(h) if h.seq >= 100_000 && h.len > 0 => Some((e.t_us, h.len)),
            _ => None,
        })
        .collect();
    let (at, len) = small[0];
    assert_eq!(len, 29_696);
    assert!((340_000..360_000).contains(&at), "persist at {at} µs");
    assert_eq!(recv_lens(&t, Side::Server), vec![129_696]);
}

//! Hand-built traces: each test shows only the events that matter to it.

use super::*;
use crate::params::Params;
use crate::trace::{AckReason, DropReason, Event, SegHeader, TraceMode};

const C2S: Dir = Dir::ClientToServer;
const S2C: Dir = Dir::ServerToClient;
const CLIENT: Side = Side::Client;
const SERVER: Side = Side::Server;

/// A tiny trace builder. Messages are laid out on their direction's stream as they are
/// added; `recv` reads the next bytes of the stream with the right chunk and spans.
struct B {
    trace: Trace,
    streams: [Vec<u8>; 2],
    read: [u64; 2],
}

impl B {
    fn new() -> B {
        B {
            trace: Trace::new("test", TraceMode::Sim, &Params::default()),
            streams: [Vec::new(), Vec::new()],
            read: [0, 0],
        }
    }

    fn udp(mut self) -> B {
        self.trace.params.transport = Transport::Udp;
        self
    }

    /// A raw message the socket accepted whole.
    fn msg(self, dir: Dir, body: &str) -> B {
        self.framed(dir, 0, body)
    }

    /// A message with `header_len` header bytes (`#`) in front, accepted whole.
    fn framed(self, dir: Dir, header_len: u64, body: &str) -> B {
        let accepted = header_len + body.len() as u64;
        self.message(dir, header_len, body, accepted)
    }

    /// A message of which the socket accepted only the first `accepted` bytes.
    fn message(mut self, dir: Dir, header_len: u64, body: &str, accepted: u64) -> B {
        let stream = &mut self.streams[dir.index()];
        let id = self.trace.messages_in(dir).count() as u32 + 1;
        let offset = stream.len() as u64;
        let mut wire = vec![b'#'; header_len as usize];
        wire.extend_from_slice(body.as_bytes());
        stream.extend_from_slice(&wire[..accepted as usize]);
        self.trace.messages.push(SentMessage {
            dir,
            id,
            data: body.as_bytes().into(),
            offset,
            header_len,
            trailer_len: 0,
            escapes: 0,
            accepted,
        });
        self
    }

    fn ev(mut self, t_us: u64, side: Side, kind: EventKind) -> B {
        self.trace.events.push(Event {
            t_us,
            side,
            kind,
            chunk: None,
        });
        self
    }

    /// `recv(n)` at `side` returns the next (up to) `n` bytes of the peer's stream.
    fn recv(mut self, t_us: u64, side: Side, n: usize) -> B {
        let dir = side.peer().tx_dir();
        let start = self.read[dir.index()];
        let end = (start + n as u64).min(self.streams[dir.index()].len() as u64);
        self.read[dir.index()] = end;
        let data = &self.streams[dir.index()][start as usize..end as usize];
        let chunk = self.trace.streams.put(dir, start, data);
        let kind = EventKind::AppReturn {
            line: 0,
            call: Call::Recv { bufsize: n },
            ret: (end - start) as usize,
        };
        self.trace.events.push(Event {
            t_us,
            side,
            kind,
            chunk: Some(chunk),
        });
        self
    }

    /// `recv` returns empty: EOF (the return, then the `Eof` event, as the model does).
    fn eof(self, t_us: u64, side: Side) -> B {
        self.ev(
            t_us,
            side,
            EventKind::AppReturn {
                line: 0,
                call: Call::Recv { bufsize: 1024 },
                ret: 0,
            },
        )
        .ev(t_us, side, EventKind::Eof { line: 0 })
    }

    fn deliver(self, t_us: u64, side: Side, index: u32, data: &str) -> B {
        let kind = EventKind::Deliver {
            line: 0,
            index,
            data: data.as_bytes().into(),
        };
        self.ev(t_us, side, kind)
    }

    fn ret(self, t_us: u64, side: Side, call: Call) -> B {
        self.ev(
            t_us,
            side,
            EventKind::AppReturn {
                line: 0,
                call,
                ret: 0,
            },
        )
    }

    fn done(self) -> Trace {
        self.trace
    }
}

fn seg(len: usize) -> EventKind {
    EventKind::SegmentTx(SegHeader {
        seq: 0,
        len,
        ack: 0,
        win: 65535,
        fin: len == 0,
    })
}

fn ack() -> EventKind {
    EventKind::AckTx {
        ack: 0,
        win: 65535,
        reason: AckReason::Timer,
    }
}

#[test]
fn sticky_read_is_one_sticky_and_no_split() {
    let t = B::new()
        .msg(C2S, "hello")
        .msg(C2S, "world")
        .recv(1000, SERVER, 1024)
        .done();
    let r = analyze(&t);
    let want = Metrics {
        messages_sent: 2,
        messages_missing: 2,
        recv_calls: 1,
        sticky_reads: 1,
        bytes_sent: 10,
        bytes_delivered: 10,
        duration_ms: 1.0,
        ..Metrics::default()
    };
    assert_eq!(r.direction(C2S), &want);
    assert_eq!(r.direction(S2C), &Metrics::default());

    let rr = recv_results(&t);
    assert_eq!(rr.len(), 1);
    assert_eq!(
        (rr[0].event, rr[0].side, rr[0].dir, rr[0].t_us),
        (0, SERVER, C2S, 1000)
    );
    assert_eq!(rr[0].data, b"helloworld");
    assert_eq!(rr[0].messages, vec![1, 2]);
    assert_eq!(rr[0].spans.len(), 2);
    assert!(rr[0].sticky);
    assert!(!rr[0].eof);
}

#[test]
fn one_message_over_two_recvs_is_one_split() {
    let t = B::new()
        .msg(C2S, "helloworld")
        .recv(10, SERVER, 4)
        .recv(20, SERVER, 1024)
        .done();
    let r = analyze(&t);
    let want = Metrics {
        messages_sent: 1,
        messages_missing: 1,
        recv_calls: 2,
        split_messages: 1,
        bytes_sent: 10,
        bytes_delivered: 10,
        duration_ms: 0.02,
        ..Metrics::default()
    };
    assert_eq!(r.direction(C2S), &want);
    let rr = recv_results(&t);
    assert_eq!(
        rr.iter().map(|r| r.sticky).collect::<Vec<_>>(),
        vec![false, false]
    );
    assert_eq!(rr[1].data, b"oworld");
}

#[test]
fn message_over_three_recvs_is_still_one_split() {
    let t = B::new()
        .msg(C2S, "abcdef")
        .recv(1, SERVER, 2)
        .recv(2, SERVER, 2)
        .recv(3, SERVER, 2)
        .done();
    assert_eq!(analyze(&t).summary.split_messages, 1);
}

#[test]
fn header_then_whole_body_is_not_a_split() {
    let t = B::new()
        .framed(C2S, 4, "hello")
        .recv(1, SERVER, 4)
        .recv(2, SERVER, 1024)
        .done();
    let m = analyze(&t).summary;
    assert_eq!((m.split_messages, m.sticky_reads, m.recv_calls), (0, 0, 2));
    assert_eq!((m.bytes_sent, m.bytes_delivered), (9, 9));
}

#[test]
fn header_and_part_of_body_then_rest_is_a_split() {
    let t = B::new()
        .framed(C2S, 4, "hello")
        .recv(1, SERVER, 6)
        .recv(2, SERVER, 1024)
        .done();
    assert_eq!(analyze(&t).summary.split_messages, 1);
}

#[test]
fn next_frames_header_makes_a_read_sticky() {
    // Frame 1 whole plus frame 2's header: two messages in one read.
    let t = B::new()
        .framed(C2S, 4, "hi")
        .framed(C2S, 4, "yo")
        .recv(1, SERVER, 10)
        .recv(2, SERVER, 2)
        .done();
    let m = analyze(&t).summary;
    assert_eq!((m.sticky_reads, m.split_messages), (1, 0));
    assert_eq!(recv_results(&t)[0].messages, vec![1, 2]);
}

#[test]
fn eof_recv_counts_once() {
    let t = B::new()
        .msg(C2S, "hi")
        .recv(1, SERVER, 1024)
        .eof(2, SERVER)
        .done();
    let m = analyze(&t).summary;
    assert_eq!(m.recv_calls, 2);
    assert_eq!(m.bytes_delivered, 2);
    let rr = recv_results(&t);
    assert_eq!(rr.len(), 2);
    assert!(!rr[0].eof);
    assert!(rr[1].eof);
    assert!(rr[1].data.is_empty() && rr[1].messages.is_empty() && !rr[1].sticky);
}

#[test]
fn empty_datagram_is_not_eof() {
    let t = B::new().udp().msg(C2S, "").recv(1, SERVER, 1024).done();
    let rr = recv_results(&t);
    assert_eq!(rr.len(), 1);
    assert!(!rr[0].eof);
}

#[test]
fn intact_corrupted_and_missing() {
    let t = B::new()
        .msg(C2S, "one")
        .msg(C2S, "two")
        .msg(C2S, "three")
        .deliver(1, SERVER, 1, "one")
        .deliver(2, SERVER, 2, "twothree")
        .done();
    let m = analyze(&t);
    let c = m.direction(C2S);
    assert_eq!(
        (
            c.messages_sent,
            c.messages_intact,
            c.messages_corrupted,
            c.messages_missing
        ),
        (3, 1, 1, 1)
    );
    let d = deliveries(&t);
    assert_eq!(d.len(), 2);
    assert_eq!(
        (d[0].event, d[0].side, d[0].dir, d[0].index, d[0].intact),
        (0, SERVER, C2S, 1, true)
    );
    assert_eq!((d[1].event, d[1].index, d[1].intact), (1, 2, false));
    assert_eq!(d[1].data, b"twothree");
    assert_eq!(m.direction(S2C), &Metrics::default());
}

#[test]
fn delivery_compares_with_the_same_numbered_message_of_its_direction() {
    // The client receives: its deliveries are compared with the server's messages.
    let t = B::new()
        .msg(C2S, "ping")
        .msg(S2C, "pong")
        .deliver(1, CLIENT, 1, "pong")
        .done();
    let r = analyze(&t);
    assert_eq!(r.direction(S2C).messages_intact, 1);
    assert_eq!(r.direction(C2S).messages_intact, 0);
    assert_eq!(r.direction(C2S).messages_missing, 1);
    assert_eq!(deliveries(&t)[0].dir, S2C);
}

#[test]
fn delivery_beyond_the_sent_count_is_corrupted() {
    let t = B::new()
        .msg(C2S, "a")
        .deliver(1, SERVER, 1, "a")
        .deliver(2, SERVER, 2, "a")
        .done();
    let c = analyze(&t).summary;
    assert_eq!(
        (
            c.messages_sent,
            c.messages_intact,
            c.messages_corrupted,
            c.messages_missing
        ),
        (1, 1, 1, 0)
    );
    assert!(!deliveries(&t)[1].intact);
}

#[test]
fn bytes_lost_from_a_short_send() {
    // 4-byte header + 10-byte body; send() took 6 bytes and the program ignored the rest.
    let t = B::new().message(C2S, 4, "0123456789", 6).done();
    let c = analyze(&t).summary;
    assert_eq!((c.bytes_sent, c.bytes_lost), (6, 8));
}

#[test]
fn bytes_lost_from_a_truncation_and_drops() {
    let t = B::new()
        .udp()
        .ev(
            1,
            SERVER,
            EventKind::Truncated {
                len: 3000,
                kept: 1024,
            },
        )
        .ev(
            2,
            SERVER,
            EventKind::DatagramDrop {
                len: 1000,
                reason: DropReason::QueueFull,
            },
        )
        .ev(
            3,
            CLIENT,
            EventKind::DatagramDrop {
                len: 7,
                reason: DropReason::Loss,
            },
        )
        .done();
    let r = analyze(&t);
    assert_eq!(r.direction(C2S).bytes_lost, 1976 + 1000);
    assert_eq!(r.direction(S2C).bytes_lost, 7);
    assert_eq!(r.summary.bytes_lost, 2983);
}

#[test]
fn segments_and_datagrams_count_at_the_sender() {
    let t = B::new()
        .ev(1, CLIENT, seg(100))
        .ev(2, CLIENT, seg(5))
        .ev(3, CLIENT, seg(0)) // a bare FIN
        .ev(
            4,
            SERVER,
            EventKind::SegmentRx(SegHeader {
                seq: 0,
                len: 100,
                ..SegHeader::default()
            }),
        )
        .ev(5, SERVER, EventKind::DatagramTx { len: 3 })
        .done();
    let r = analyze(&t);
    assert_eq!(r.direction(C2S).segments, 2);
    assert_eq!(r.direction(S2C).segments, 1);
}

#[test]
fn acks_count_for_the_direction_they_acknowledge() {
    let t = B::new()
        .ev(1, SERVER, ack())
        .ev(
            2,
            SERVER,
            EventKind::AckTx {
                ack: 0,
                win: 65535,
                reason: AckReason::WindowUpdate,
            },
        )
        .ev(3, CLIENT, ack())
        .ev(4, CLIENT, EventKind::AckRx { ack: 0, win: 0 })
        .done();
    let r = analyze(&t);
    assert_eq!(r.direction(C2S).acks, 2);
    assert_eq!(r.direction(S2C).acks, 1);
}

#[test]
fn nagle_holds_and_longest_hold_at_the_sender() {
    let t = B::new()
        .ev(
            1,
            CLIENT,
            EventKind::NagleHold {
                held: 5,
                in_flight: 5,
            },
        )
        .ev(2, CLIENT, EventKind::NagleRelease { held_us: 40_000 })
        .ev(
            3,
            CLIENT,
            EventKind::NagleHold {
                held: 5,
                in_flight: 5,
            },
        )
        .ev(4, CLIENT, EventKind::NagleRelease { held_us: 3_500 })
        .ev(5, SERVER, EventKind::NagleRelease { held_us: 1_250 })
        .done();
    let r = analyze(&t);
    assert_eq!(
        (r.direction(C2S).nagle_holds, r.direction(C2S).max_hold_ms),
        (2, 40.0)
    );
    assert_eq!(
        (r.direction(S2C).nagle_holds, r.direction(S2C).max_hold_ms),
        (0, 1.25)
    );
}

#[test]
fn duration_is_the_last_send_or_close_of_the_sender_and_recv_of_the_receiver() {
    let t = B::new()
        .msg(C2S, "hi")
        .ret(1_000, CLIENT, Call::SendMessage { len: 2 })
        .recv(7_000, SERVER, 1024)
        .ret(9_000, CLIENT, Call::Close)
        .ret(20_000, SERVER, Call::Sleep { ms: 11.0 }) // a sleep is no socket call
        .ret(30_000, CLIENT, Call::RecvMessage { bufsize: 1024 }) // the other direction
        .done();
    let r = analyze(&t);
    assert_eq!(r.direction(C2S).duration_ms, 9.0);
    assert_eq!(r.direction(S2C).duration_ms, 30.0);
}

#[test]
fn duration_is_zero_without_calls() {
    let t = B::new()
        .msg(C2S, "x")
        .ret(5_000, CLIENT, Call::Sleep { ms: 5.0 })
        .done();
    assert_eq!(analyze(&t).summary.duration_ms, 0.0);
}

#[test]
fn summary_sums_counts_and_takes_maxima_of_times() {
    let t = B::new()
        .msg(C2S, "ab")
        .msg(S2C, "cde")
        .msg(S2C, "f")
        .ev(0, CLIENT, seg(2))
        .ev(0, CLIENT, EventKind::NagleRelease { held_us: 40_000 })
        .recv(45_000, SERVER, 1024)
        .ev(45_000, SERVER, ack())
        .deliver(45_000, SERVER, 1, "ab")
        .ev(
            46_000,
            SERVER,
            EventKind::NagleHold {
                held: 1,
                in_flight: 3,
            },
        )
        .ev(50_000, SERVER, EventKind::NagleRelease { held_us: 4_000 })
        .recv(60_000, CLIENT, 1024)
        .deliver(60_000, CLIENT, 1, "cdef")
        .done();
    let r = analyze(&t);
    let c2s = Metrics {
        messages_sent: 1,
        messages_intact: 1,
        recv_calls: 1,
        bytes_sent: 2,
        bytes_delivered: 2,
        segments: 1,
        acks: 1,
        max_hold_ms: 40.0,
        duration_ms: 45.0,
        ..Metrics::default()
    };
    let s2c = Metrics {
        messages_sent: 2,
        messages_corrupted: 1,
        messages_missing: 1,
        recv_calls: 1,
        sticky_reads: 1,
        bytes_sent: 4,
        bytes_delivered: 4,
        nagle_holds: 1,
        max_hold_ms: 4.0,
        duration_ms: 60.0,
        ..Metrics::default()
    };
    let sum = Metrics {
        messages_sent: 3,
        messages_intact: 1,
        messages_corrupted: 1,
        messages_missing: 1,
        recv_calls: 2,
        sticky_reads: 1,
        bytes_sent: 6,
        bytes_delivered: 6,
        segments: 1,
        acks: 1,
        nagle_holds: 1,
        max_hold_ms: 40.0,
        duration_ms: 60.0,
        ..Metrics::default()
    };
    assert_eq!(r.direction(C2S), &c2s);
    assert_eq!(r.direction(S2C), &s2c);
    assert_eq!(r.summary, sum);
}

#[test]
fn empty_trace_is_all_zero() {
    let r = analyze(&B::new().done());
    assert_eq!(r.summary, Metrics::default());
    assert_eq!(r.verdict(), "no messages sent");
}

#[test]
fn verdict_lists_only_nonzero_problems_with_plurals() {
    let ok = Metrics {
        messages_sent: 2,
        messages_intact: 2,
        ..Metrics::default()
    };
    assert_eq!(ok.verdict(), "2 of 2 messages intact");

    let one = Metrics {
        messages_sent: 1,
        messages_corrupted: 1,
        sticky_reads: 1,
        split_messages: 1,
        bytes_lost: 1,
        nagle_holds: 1,
        max_hold_ms: 40.0,
        ..Metrics::default()
    };
    assert_eq!(
        one.verdict(),
        "0 of 1 message intact; 1 with wrong boundaries; 1 sticky read; 1 split message; 1 byte lost; \
         Nagle held data up to 40.0 ms"
    );

    let many = Metrics {
        messages_sent: 5,
        messages_intact: 3,
        messages_corrupted: 1,
        messages_missing: 1,
        sticky_reads: 2,
        split_messages: 3,
        bytes_lost: 120,
        ..Metrics::default()
    };
    assert_eq!(
        many.verdict(),
        "3 of 5 messages intact; 1 with wrong boundaries; 1 missing; 2 sticky reads; 3 split messages; 120 bytes lost"
    );

    let short_hold = Metrics {
        messages_sent: 1,
        messages_intact: 1,
        max_hold_ms: 0.003,
        ..Metrics::default()
    };
    assert_eq!(
        short_hold.verdict(),
        "1 of 1 message intact; Nagle held data up to 0.003 ms"
    );
}

#[test]
fn report_verdict_is_the_summarys() {
    let t = B::new()
        .msg(C2S, "hello")
        .msg(C2S, "world")
        .recv(1, SERVER, 1024)
        .deliver(1, SERVER, 1, "helloworld")
        .done();
    assert_eq!(
        analyze(&t).verdict(),
        "0 of 2 messages intact; 1 with wrong boundaries; 1 missing; 1 sticky read"
    );
}

#[test]
fn json_names_are_designs_metric_names_in_order() {
    let json = serde_json::to_string(&Metrics::default()).unwrap();
    assert_eq!(
        json,
        "{\"messages_sent\":0,\"messages_intact\":0,\"messages_corrupted\":0,\"messages_missing\":0,\
         \"recv_calls\":0,\"sticky_reads\":0,\"split_messages\":0,\"bytes_sent\":0,\"bytes_delivered\":0,\
         \"bytes_lost\":0,\"segments\":0,\"acks\":0,\"nagle_holds\":0,\"max_hold_ms\":0.0,\"duration_ms\":0.0}"
    );
    let v = serde_json::to_value(analyze(&B::new().msg(S2C, "x").done())).unwrap();
    assert_eq!(v["summary"]["messages_sent"], 1);
    assert_eq!(v["directions"]["server_to_client"]["messages_missing"], 1);
    assert_eq!(v["directions"]["client_to_server"]["messages_sent"], 0);
}

/// Metrics whose every field holds a distinct value (`base + its position`), so a table
/// row that reads or merges the wrong field shows.
fn distinct(base: u64) -> Metrics {
    let v = |i: u64| base + i;
    Metrics {
        messages_sent: v(1),
        messages_intact: v(2),
        messages_corrupted: v(3),
        messages_missing: v(4),
        recv_calls: v(5),
        sticky_reads: v(6),
        split_messages: v(7),
        bytes_sent: v(8),
        bytes_delivered: v(9),
        bytes_lost: v(10),
        segments: v(11),
        acks: v(12),
        nagle_holds: v(13),
        max_hold_ms: v(14) as f64 + 0.5,
        duration_ms: v(15) as f64 + 0.25,
    }
}

#[test]
fn fields_are_the_json_keys_in_order_and_read_their_own_field() {
    let m = distinct(100);
    let json = serde_json::to_value(&m).unwrap();
    let keys: Vec<&str> = json
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    let names: Vec<&str> = Metrics::fields().iter().map(|f| f.name).collect();
    assert_eq!(names, keys);
    for f in Metrics::fields() {
        let want = &json[f.name];
        match f.value(&m) {
            MetricValue::Count(n) => assert_eq!(Some(n), want.as_u64(), "{}", f.name),
            MetricValue::Ms(ms) => {
                assert!(want.is_f64(), "{} is a time", f.name);
                assert_eq!(Some(ms), want.as_f64(), "{}", f.name);
            }
        }
    }
}

#[test]
fn combine_sums_counts_and_takes_the_larger_time_field_by_field() {
    let (a, b) = (distinct(100), distinct(1000));
    let both = a.combine(&b);
    for f in Metrics::fields() {
        let is_time = f.name.ends_with("_ms");
        assert_eq!(
            f.combine,
            if is_time { Combine::Max } else { Combine::Sum },
            "{}",
            f.name
        );
        let (x, y) = (f.value(&a).as_f64(), f.value(&b).as_f64());
        let want = if is_time { x.max(y) } else { x + y };
        assert_eq!(f.value(&both).as_f64(), want, "{}", f.name);
    }
    // Order does not matter, and the larger time wins from either side.
    assert_eq!(b.combine(&a), both);
}

#[test]
fn values_print_as_in_the_tables() {
    let m = distinct(0);
    let shown: Vec<String> = Metrics::fields()
        .iter()
        .map(|f| format!("{:>8}", f.value(&m)))
        .collect();
    assert_eq!(shown[0], "       1");
    assert_eq!(shown[13], "  14.500");
    assert_eq!(shown[14], "  15.250");
}

#[test]
fn every_field_has_a_label_in_both_languages() {
    let fields = Metrics::fields();
    assert_eq!(fields[5].name, "sticky_reads");
    assert_eq!(fields[5].label(Lang::En), "sticky reads");
    assert_eq!(fields[5].label(Lang::Zh), "粘包读取次数");
    for (i, f) in fields.iter().enumerate() {
        assert!(!f.en.is_empty() && f.en.is_ascii(), "{}", f.name);
        assert!(f.zh.chars().any(|c| c > '\u{2e80}'), "{}: {}", f.name, f.zh);
        for g in &fields[..i] {
            assert!(
                f.en != g.en && f.zh != g.zh,
                "{} and {} share a label",
                f.name,
                g.name
            );
        }
    }
}

#[test]
fn recv_results_and_deliveries_serialize_bytes_as_hex() {
    let t = B::new()
        .msg(C2S, "hi")
        .recv(1, SERVER, 1024)
        .deliver(1, SERVER, 1, "hi")
        .done();
    let r = serde_json::to_value(recv_results(&t)).unwrap();
    assert_eq!(r[0]["data"], "6869");
    assert_eq!(r[0]["dir"], "client_to_server");
    let d = serde_json::to_value(deliveries(&t)).unwrap();
    assert_eq!(d[0]["data"], "6869");
    assert_eq!(d[0]["intact"], true);
}

#[test]
fn verdict_in_chinese_lists_the_same_findings() {
    let m = Metrics {
        messages_sent: 2,
        messages_intact: 0,
        messages_corrupted: 1,
        messages_missing: 1,
        sticky_reads: 1,
        ..Metrics::default()
    };
    assert_eq!(
        m.verdict(),
        "0 of 2 messages intact; 1 with wrong boundaries; 1 missing; 1 sticky read"
    );
    assert_eq!(
        m.verdict_zh(),
        "2 条消息中 0 条完整；1 条边界错位；1 条缺失；1 次粘包读取"
    );
    assert_eq!(Metrics::default().verdict_zh(), "没有发送消息");
}

/// 09 with loss: 'hello' and 'world' are lost on the wire, the 3000-byte datagram arrives
/// and is cut to 1024. Matched by message id, the delivery is #3 truncated, not "#1 mixed
/// up with another message".
#[test]
fn udp_deliveries_are_matched_by_message_id() {
    let s = crate::scenario::find_builtin("09").unwrap();
    let mut p = s.params.clone();
    p.loss = 0.3;
    p.seed = 7;
    let t = crate::model::run(&s, &p).unwrap();
    let d = deliveries(&t);
    assert_eq!(d.len(), 1);
    assert_eq!((d[0].index, d[0].msg), (1, 3));
    assert!(d[0].truncated && !d[0].intact);
    let r = analyze(&t);
    assert_eq!(r.summary.messages_corrupted, 1);
    assert_eq!(r.summary.messages_missing, 2);
    assert_eq!(
        r.verdict(),
        "0 of 3 messages intact; #3 truncated; #1, #2 lost; 1986 bytes lost"
    );
    assert_eq!(
        r.verdict_zh(),
        "3 条消息中 0 条完整；#3 被截断；#1、#2 丢失；丢失 1986 字节"
    );
    // Without loss: #1 and #2 intact, #3 truncated, nothing missing.
    let t = crate::model::run(&s, &s.params).unwrap();
    let r = analyze(&t);
    assert_eq!(
        r.verdict(),
        "2 of 3 messages intact; #3 truncated; 1976 bytes lost"
    );
    let msgs: Vec<u32> = deliveries(&t).iter().map(|d| d.msg).collect();
    assert_eq!(msgs, [1, 2, 3]);
}

/// A UDP message that was sent and never read (the receiver stopped) is missing, not lost.
#[test]
fn udp_unread_is_missing_not_lost() {
    let s = crate::scenario::parse(
        "[meta]\ntitle = \"t\"\n[params]\ntransport = \"udp\"\n\
         [[client]]\nsend_message = \"a\"\n[[client]]\nsend_message = \"b\"\n\
         [[server]]\nrecv_message = 10\n",
        "t.toml",
    )
    .unwrap();
    let t = crate::model::run(&s, &s.params).unwrap();
    let r = analyze(&t);
    assert_eq!(r.summary.messages_missing, 1);
    assert!(r.fates.is_empty());
    assert_eq!(r.verdict(), "1 of 2 messages intact; 1 missing");
}

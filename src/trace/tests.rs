use super::*;

fn chunk(data: &[u8]) -> ChunkRef {
    Streams::range(Dir::ClientToServer, 10, data.len())
}

// ---- Tests for the JSON shape -------------------------------------------------------

#[test]
fn a_segment_event_is_flat_in_json_and_reads_back() {
    let mut t = Trace::new("x", TraceMode::Sim, &Params::default());
    t.events.push(Event {
        t_us: 7,
        side: Side::Client,
        kind: EventKind::SegmentTx(SegHeader {
            seq: 3,
            len: 5,
            ack: 1,
            win: 100,
            fin: true,
        }),
        chunk: None,
    });
    let v = serde_json::to_value(&t).unwrap();
    assert_eq!(
        v["events"][0],
        serde_json::json!({"t_us": 7, "side": "client", "kind": "segment_tx",
            "seq": 3, "len": 5, "ack": 1, "win": 100, "fin": true})
    );
    assert_eq!(serde_json::from_value::<Trace>(v).unwrap(), t);
}

/// Two messages of 5 bytes, a send of both, and a read of 7 bytes from offset 3.
fn two_messages() -> Trace {
    let mut t = Trace::new("x", TraceMode::Sim, &Params::default());
    for (id, offset, data) in [(1, 0, b"hello"), (2, 5, b"world")] {
        t.messages.push(SentMessage {
            dir: Dir::ClientToServer,
            id,
            data: data[..].into(),
            offset,
            header_len: 0,
            trailer_len: 0,
            escapes: 0,
            accepted: 5,
        });
    }
    let write = t.streams.put(Dir::ClientToServer, 0, b"helloworld");
    let read = t.streams.put(Dir::ClientToServer, 3, b"loworld");
    for (kind, chunk) in [
        (EventKind::SendBufWrite { buffered: 10 }, write),
        (EventKind::RecvBufRead { buffered: 3 }, read),
    ] {
        t.events.push(Event {
            t_us: 1,
            side: Side::Client,
            kind,
            chunk: Some(chunk),
        });
    }
    t
}

#[test]
fn bytes_are_stored_once_and_every_event_writes_them_out_with_their_spans() {
    let t = two_messages();
    assert_eq!(
        t.streams.dirs[0], b"helloworld",
        "the read's bytes are not stored again"
    );
    assert!(t.streams.stray.is_empty());
    let v = serde_json::to_value(&t).unwrap();
    let read = &v["events"][1]["chunk"];
    assert_eq!(read["offset"], 3);
    assert_eq!(read["data"], hex_bytes::encode(b"loworld"));
    assert_eq!(
        read["spans"],
        serde_json::json!([
            {"msg": 1, "part": "body", "start": 3, "end": 5},
            {"msg": 2, "part": "body", "start": 5, "end": 10}
        ])
    );
    let back: Trace = serde_json::from_value(v).unwrap();
    assert_eq!(back, t);
    assert_eq!(back.chunk_of(&back.events[1]), t.chunk_of(&t.events[1]));
}

#[test]
fn bytes_that_disagree_with_the_stream_are_kept_apart_without_messages() {
    let mut t = two_messages();
    let odd = t.streams.put(Dir::ClientToServer, 5, b"WORLD");
    assert_eq!(t.bytes(&odd), b"WORLD");
    assert_eq!(
        t.streams.dirs[0], b"helloworld",
        "the stream keeps its bytes"
    );
    assert!(t.chunk_spans(&odd).is_empty());
    let stray = t.streams.put_stray(Dir::ClientToServer, 5, b"world");
    assert_eq!(t.bytes(&stray), b"world");
    assert!(
        t.chunk(&stray).spans.is_empty(),
        "stray bytes belong to no message"
    );
    // Past the end: the gap is zeros, up to a limit; further out the bytes stay apart.
    let far = t.streams.put(Dir::ServerToClient, 4, b"ok");
    assert_eq!(t.streams.dirs[1], b"\0\0\0\0ok");
    assert_eq!(t.bytes(&far), b"ok");
    let too_far = t
        .streams
        .put(Dir::ServerToClient, Streams::MAX_GAP * 2, b"x");
    assert_eq!(t.streams.dirs[1].len(), 6);
    assert_eq!(t.bytes(&too_far), b"x");
    // A range the streams do not hold gives no bytes rather than a panic.
    assert!(
        t.bytes(&Streams::range(Dir::ClientToServer, 8, 100))
            .is_empty()
    );
    assert!(
        t.bytes(&Streams::range(Dir::ClientToServer, u64::MAX, 1))
            .is_empty()
    );
}

#[test]
fn spans_follow_messages_added_after_the_first_question() {
    let mut t = two_messages();
    assert_eq!(t.spans(Dir::ClientToServer, 0, 10).len(), 2);
    t.messages.push(SentMessage {
        dir: Dir::ClientToServer,
        id: 3,
        data: b"!"[..].into(),
        offset: 10,
        header_len: 0,
        trailer_len: 0,
        escapes: 0,
        accepted: 1,
    });
    let spans = t.spans(Dir::ClientToServer, 9, 11);
    assert_eq!(spans.iter().map(|s| s.msg).collect::<Vec<_>>(), [2, 3]);
    t.messages.truncate(1);
    assert_eq!(
        t.spans(Dir::ClientToServer, 0, 10).len(),
        1,
        "a shorter list is indexed anew"
    );
}

#[test]
fn block_reasons_and_modes_keep_their_words() {
    let kind = EventKind::AppBlocked {
        line: 2,
        reason: BlockReason::RecvBufferEmpty,
    };
    let v = serde_json::to_value(&kind).unwrap();
    assert_eq!(v["reason"], "receive buffer empty");
    assert_eq!(serde_json::from_value::<EventKind>(v).unwrap(), kind);
    let v = serde_json::to_value(BlockReason::SendBufferFull).unwrap();
    assert_eq!(v, BlockReason::SendBufferFull.text());
    for mode in [TraceMode::Sim, TraceMode::Real] {
        assert_eq!(serde_json::to_value(mode).unwrap(), mode.name());
        assert!(mode == mode.name());
    }
    let t = Trace::new("x", TraceMode::Real, &Params::default());
    assert_eq!(t.mode.to_string(), "real");
    assert_eq!(t.seed, Params::default().seed);
}

#[test]
fn seg_header_text_marks_a_fin() {
    let h = SegHeader {
        seq: 0,
        len: 5,
        ack: 0,
        win: 65536,
        fin: false,
    };
    assert_eq!(h.text(), "seq=0 len=5 ack=0 win=65536");
    let fin = SegHeader { fin: true, ..h };
    assert_eq!(fin.text(), "seq=0 len=5 ack=0 win=65536 FIN");
    assert_eq!(h.end(), 5);
}

// ---- Tests for spans --------------------------------------------------------------

fn message(id: u32, offset: u64, header_len: u64, accepted: u64) -> SentMessage {
    SentMessage {
        dir: Dir::ClientToServer,
        id,
        data: Arc::from([]),
        offset,
        header_len,
        accepted,
        escapes: 0,
        trailer_len: 0,
    }
}

#[test]
fn spans_cut_at_messages_and_headers_and_are_allocated_exactly() {
    // Framed messages of 4 + 6 bytes at 0, 10, 20, ...
    let msgs: Vec<SentMessage> = (0..20)
        .map(|i| message(i + 1, 10 * i as u64, 4, 10))
        .collect();
    let few = spans_of(msgs.iter(), 8, 22);
    let want = [
        (1, Part::Body, 8, 10),
        (2, Part::Header, 10, 14),
        (2, Part::Body, 14, 20),
        (3, Part::Header, 20, 22),
    ];
    let got: Vec<_> = few
        .iter()
        .map(|s| (s.msg, s.part, s.start, s.end))
        .collect();
    assert_eq!(got, want);
    assert_eq!(few.capacity(), few.len());
    // More spans than fit on the stack: all of them, in order.
    let many = spans_of(msgs.iter(), 0, 200);
    assert_eq!(many.len(), 40);
    assert!(many.windows(2).all(|w| w[0].end == w[1].start));
    assert_eq!((many[39].msg, many[39].end), (20, 200));
    assert_eq!(many.capacity(), many.len());
    // A message the socket took nothing of has no span; an empty range none at all.
    let gap = [
        message(1, 0, 0, 5),
        message(2, 5, 0, 0),
        message(3, 5, 0, 5),
    ];
    let got: Vec<u32> = spans_of(gap.iter(), 0, 10).iter().map(|s| s.msg).collect();
    assert_eq!(got, [1, 3]);
    assert!(spans_of(gap.iter(), 3, 3).is_empty());
}

// ---- Tests for the recv event sequence ---------------------------------------------

fn kinds(events: &[(EventKind, Option<ChunkRef>)]) -> Vec<&'static str> {
    events
        .iter()
        .map(|(k, _)| match k {
            EventKind::RecvBufRead { .. } => "read",
            EventKind::Truncated { .. } => "truncated",
            EventKind::AppReturn { .. } => "return",
            EventKind::Eof { .. } => "eof",
            _ => "other",
        })
        .collect()
}

#[test]
fn a_read_returns_its_bytes_after_taking_them_from_the_buffer() {
    let got = Received::Data {
        chunk: chunk(b"hello"),
        buffered: 3,
        datagram_len: None,
    };
    let ev: Vec<_> = recv_events(4, 1024, got).collect();
    assert_eq!(kinds(&ev), ["read", "return"]);
    assert_eq!(ev[0].0, EventKind::RecvBufRead { buffered: 3 });
    let ret = EventKind::AppReturn {
        line: 4,
        call: Call::Recv { bufsize: 1024 },
        ret: 5,
    };
    assert_eq!(ev[1].0, ret);
    assert_eq!(ev[0].1, Some(chunk(b"hello")));
    assert_eq!(ev[1].1, Some(chunk(b"hello")));
}

#[test]
fn eof_returns_zero_then_says_eof() {
    let ev: Vec<_> = recv_events(1, 8, Received::Eof).collect();
    assert_eq!(kinds(&ev), ["return", "eof"]);
    assert!(ev.iter().all(|(_, c)| c.is_none()));
}

#[test]
fn a_cut_datagram_is_reported_between_the_read_and_the_return() {
    let cut = Received::Data {
        chunk: chunk(b"hel"),
        buffered: 0,
        datagram_len: Some(5),
    };
    let ev: Vec<_> = recv_events(0, 3, cut).collect();
    assert_eq!(kinds(&ev), ["read", "truncated", "return"]);
    assert_eq!(ev[1].0, EventKind::Truncated { len: 5, kept: 3 });
    let whole = Received::Data {
        chunk: chunk(b"hello"),
        buffered: 0,
        datagram_len: Some(5),
    };
    let ev: Vec<_> = recv_events(0, 8, whole).collect();
    assert_eq!(kinds(&ev), ["read", "return"]);
}

#[test]
fn the_first_message_of_a_chunk_is_the_one_its_first_byte_belongs_to() {
    let t = two_messages();
    for (offset, len, want) in [
        (0, 10, Some(1)),
        (3, 7, Some(1)),
        (5, 5, Some(2)),
        (9, 1, Some(2)),
        (10, 1, None),
        (4, 0, None),
    ] {
        let c = Streams::range(Dir::ClientToServer, offset, len);
        assert_eq!(t.first_message(&c), want, "{offset}+{len}");
        if len > 0 {
            let spans = t.spans(Dir::ClientToServer, offset, offset + len as u64);
            assert_eq!(spans.first().map(|s| s.msg), want, "as the spans say");
        }
    }
}

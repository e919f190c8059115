//! `line` and `fixed` framing: the sender, the decoder, both readers. Named frames ×
//! chunks like `tests.rs`; the property tests cut the stream everywhere and assert the
//! correct readers always get the messages and the tutorial-style ones fail exactly
//! where a `recv` boundary falls inside a message.

use proptest::prelude::*;

use super::*;
use crate::params::{DecoderKind, Delimiter, Framing, HeaderWrites, Params};

fn line(delimiter: Delimiter, escape: bool) -> Params {
    Params {
        framing: Framing::Line,
        delimiter,
        escape,
        ..Params::default()
    }
}

fn fixed(record_size: u32) -> Params {
    Params {
        framing: Framing::Fixed,
        record_size,
        ..Params::default()
    }
}

fn naive(p: Params) -> Params {
    Params {
        decoder: DecoderKind::Tutorial,
        ..p
    }
}

fn stream(p: &Params, messages: &[Vec<u8>]) -> Vec<u8> {
    messages
        .iter()
        .flat_map(|m| encode(p, m).concat())
        .collect()
}

/// Feeds `chunks` to a [`Decoder`], then EOF: every body, or the first error. Checks that
/// `decode_slice` agrees.
fn decode_chunks(p: &Params, chunks: &[&[u8]]) -> Result<Vec<Vec<u8>>, FrameError> {
    let mut dec = Decoder::new(p);
    let mut buf = Vec::new();
    let mut out = Vec::new();
    let whole = (|| {
        for chunk in chunks {
            buf.extend_from_slice(chunk);
            while let Some(f) = dec.decode(&mut buf)? {
                out.push(f.body);
            }
        }
        while let Some(f) = dec.decode_eof(&mut buf)? {
            out.push(f.body);
        }
        Ok(out.clone())
    })();
    let mut dec = Decoder::new(p);
    let mut sliced = Vec::new();
    let by_slice = (|| {
        for chunk in chunks {
            let mut input = *chunk;
            while let Some(f) = dec.decode_slice(&mut input)? {
                sliced.push(f.body);
            }
            assert!(input.is_empty());
        }
        while let Some(f) = dec.decode_slice_eof()? {
            sliced.push(f.body);
        }
        Ok(sliced.clone())
    })();
    assert_eq!(whole, by_slice, "decode and decode_slice disagree");
    whole
}

/// A peer's stream as `recv()` sees it: at most `cap` bytes per call, `b''` at the end.
struct Wire {
    data: Vec<u8>,
    pos: usize,
    cap: usize,
}

impl Wire {
    fn new(data: Vec<u8>, cap: usize) -> Wire {
        Wire { data, pos: 0, cap }
    }

    fn recv(&mut self, n: usize) -> Vec<u8> {
        let m = n.min(self.cap).min(self.data.len() - self.pos);
        self.pos += m;
        self.data[self.pos - m..self.pos].to_vec()
    }
}

/// A program's `recv_message` calls in a row, each one's carry handed to the next, until
/// EOF or an error (at most 1000). The steps, and the `n` of every `recv(n)`.
fn read_all(p: &Params, bufsize: usize, wire: &mut Wire) -> (Vec<ReadStep>, Vec<usize>) {
    let mut steps = Vec::new();
    let mut asked = Vec::new();
    let mut carry = Vec::new();
    for frame in 1..=1000 {
        let mut r = Reader::new(p, bufsize, frame).with_carry(std::mem::take(&mut carry));
        let step = loop {
            match r.next() {
                ReadStep::Recv(n) => {
                    asked.push(n);
                    let data = wire.recv(n);
                    r.feed(&data);
                }
                done => break done,
            }
        };
        carry = r.take_carry();
        let last = !matches!(step, ReadStep::Message(_));
        steps.push(step);
        if last {
            break;
        }
    }
    (steps, asked)
}

fn bodies(steps: &[ReadStep]) -> Vec<Vec<u8>> {
    steps
        .iter()
        .filter_map(|s| match s {
            ReadStep::Message(f) => Some(f.body.clone()),
            _ => None,
        })
        .collect()
}

fn v(items: &[&[u8]]) -> Vec<Vec<u8>> {
    items.iter().map(|s| s.to_vec()).collect()
}

// ---- the sender ---------------------------------------------------------------------------

#[test]
fn encode_line_is_the_body_then_the_delimiter() {
    let e = encode(&line(Delimiter::Lf, false), b"hello");
    assert_eq!(e.pieces, v(&[b"hello\n"]));
    assert_eq!((e.header_len, e.trailer_len, e.escapes), (0, 1, 0));
    let e = encode(&line(Delimiter::Crlf, false), b"hello");
    assert_eq!((e.concat(), e.trailer_len), (b"hello\r\n".to_vec(), 2));
    assert_eq!(
        encode(&line(Delimiter::Nul, false), b"hi").concat(),
        b"hi\0"
    );
    let separate = Params {
        header_writes: HeaderWrites::Separate,
        ..line(Delimiter::Lf, false)
    };
    assert_eq!(encode(&separate, b"hello").pieces, v(&[b"hello", b"\n"]));
    assert_eq!(encode(&separate, b"").pieces, v(&[b"\n"]), "an empty line");
}

#[test]
fn encode_line_escape_writes_backslash_and_delimiter_as_two_bytes() {
    let e = encode(&line(Delimiter::Lf, true), b"a\nb\\c");
    assert_eq!(e.concat(), b"a\\nb\\\\c\n");
    assert_eq!((e.trailer_len, e.escapes), (1, 2));
    // Only the delimiter's bytes are escaped: a CR is plain text under `\n`.
    assert_eq!(
        encode(&line(Delimiter::Lf, true), b"a\rb").concat(),
        b"a\rb\n"
    );
    assert_eq!(
        encode(&line(Delimiter::Crlf, true), b"a\r\nb").concat(),
        b"a\\r\\nb\r\n"
    );
}

#[test]
fn the_correct_sender_refuses_a_body_holding_the_delimiter() {
    let p = line(Delimiter::Lf, false);
    let e = send_frame(&p, b"two\nlines").unwrap_err();
    assert_eq!(
        e,
        FrameError::DelimiterInBody {
            at: 3,
            delimiter: "\\n"
        }
    );
    assert!(e.to_string().contains("escape = true"), "{e}");
    // CRLF: a lone LF is no delimiter.
    assert!(send_frame(&line(Delimiter::Crlf, false), b"a\nb").is_ok());
    assert!(send_frame(&line(Delimiter::Crlf, false), b"a\r\nb").is_err());
    // With escape it is sent, escaped.
    assert_eq!(
        send_frame(&line(Delimiter::Lf, true), b"two\nlines")
            .unwrap()
            .concat(),
        b"two\\nlines\n"
    );
    // The naive sender sends it as it is: the receiver will see two lines.
    let sent = send_frame(&naive(p), b"two\nlines").unwrap().concat();
    assert_eq!(sent, b"two\nlines\n");
    assert_eq!(
        decode_chunks(&line(Delimiter::Lf, false), &[&sent]),
        Ok(v(&[b"two", b"lines"]))
    );
}

#[test]
fn encode_fixed_pads_with_nul_and_the_naive_sender_cuts() {
    let p = fixed(8);
    let e = encode(&p, b"hello");
    assert_eq!(e.concat(), b"hello\0\0\0");
    assert_eq!((e.header_len, e.trailer_len), (0, 3));
    assert_eq!(encode(&p, b"12345678").concat(), b"12345678");
    assert_eq!(
        send_frame(&p, b"123456789"),
        Err(FrameError::RecordTooLong {
            len: 9,
            record_size: 8
        })
    );
    let cut = send_frame(&naive(p.clone()), b"123456789").unwrap();
    assert_eq!((cut.concat(), cut.trailer_len), (b"12345678".to_vec(), 0));
    let separate = Params {
        header_writes: HeaderWrites::Separate,
        ..p
    };
    assert_eq!(
        encode(&separate, b"hi").pieces,
        v(&[b"hi", b"\0\0\0\0\0\0"])
    );
}

// ---- the decoder --------------------------------------------------------------------------

#[test]
fn line_read_single_multi_frame_one_packet() {
    let p = line(Delimiter::Lf, false);
    assert_eq!(
        decode_chunks(&p, &[b"hello\nworld\n"]),
        Ok(v(&[b"hello", b"world"]))
    );
}

#[test]
fn line_read_single_frame_multi_packet() {
    let p = line(Delimiter::Lf, false);
    assert_eq!(
        decode_chunks(&p, &[b"hel", b"lo\nwor", b"ld", b"\n"]),
        Ok(v(&[b"hello", b"world"]))
    );
}

#[test]
fn crlf_cut_between_cr_and_lf_is_found() {
    let p = line(Delimiter::Crlf, false);
    assert_eq!(
        decode_chunks(&p, &[b"ab\r", b"\ncd\r", b"\r\n"]),
        Ok(v(&[b"ab", b"cd\r"]))
    );
}

#[test]
fn line_errors_unterminated_too_long_bad_escape() {
    let p = line(Delimiter::Lf, false);
    assert_eq!(
        decode_chunks(&p, &[b"hello\nwor"]),
        Err(FrameError::UnterminatedLine { frame: 2, got: 3 })
    );
    let small = Params {
        max_frame: 4,
        ..p.clone()
    };
    let too_long = FrameError::FrameTooLarge { len: 5, max: 4 };
    assert_eq!(decode_chunks(&small, &[b"abcd\n"]), Ok(v(&[b"abcd"])));
    assert_eq!(decode_chunks(&small, &[b"abcde\n"]), Err(too_long.clone()));
    assert_eq!(
        decode_chunks(&small, &[b"ab", b"cde"]),
        Err(too_long),
        "refused before its delimiter comes"
    );
    assert_eq!(
        decode_chunks(&line(Delimiter::Lf, true), &[b"ok\nab\\x\n"]),
        Err(FrameError::BadEscape { frame: 2, at: 2 })
    );
}

#[test]
fn fixed_records_at_any_chunking_and_truncation() {
    let p = fixed(4);
    let wire = stream(&p, &v(&[b"ab", b"", b"abcd"]));
    assert_eq!(wire, b"ab\0\0\0\0\0\0abcd");
    for i in 0..=wire.len() {
        assert_eq!(
            decode_chunks(&p, &[&wire[..i], &wire[i..]]),
            Ok(v(&[b"ab", b"", b"abcd"]))
        );
    }
    assert_eq!(
        decode_chunks(&p, &[&wire[..10]]),
        Err(FrameError::Truncated {
            frame: 3,
            got: 2,
            expected: 4
        })
    );
}

// ---- the readers --------------------------------------------------------------------------

#[test]
fn readline_keeps_what_it_read_past_the_line_for_the_next_call() {
    let p = line(Delimiter::Lf, false);
    let mut wire = Wire::new(b"hello\nworld\n".to_vec(), 1024);
    let (steps, asked) = read_all(&p, 1024, &mut wire);
    assert_eq!(bodies(&steps), v(&[b"hello", b"world"]));
    assert_eq!(steps.last(), Some(&ReadStep::Eof));
    // One recv got both lines; the second call read from the buffer, then EOF.
    assert_eq!(asked, [1024, 1024]);
}

#[test]
fn readline_unterminated_last_line_is_an_error() {
    let p = line(Delimiter::Lf, false);
    let mut wire = Wire::new(b"hello\nwor".to_vec(), 4);
    let (steps, _) = read_all(&p, 1024, &mut wire);
    assert_eq!(
        steps,
        [
            ReadStep::Message(Frame {
                body: b"hello".to_vec(),
                header: None
            }),
            ReadStep::Error(FrameError::UnterminatedLine { frame: 2, got: 3 })
        ]
    );
}

#[test]
fn tutorial_line_reader_takes_half_a_line_as_a_message() {
    let p = naive(line(Delimiter::Lf, false));
    // The first recv ends in the middle of "world".
    let mut wire = Wire::new(b"hello\nworld\n".to_vec(), 9);
    let (steps, asked) = read_all(&p, 1024, &mut wire);
    assert_eq!(bodies(&steps), v(&[b"hello", b"wor", b"ld"]));
    assert_eq!(asked, [1024, 1024, 1024]);
    // The correct reader over the same cut gets both lines.
    let mut wire = Wire::new(b"hello\nworld\n".to_vec(), 9);
    let (steps, _) = read_all(&line(Delimiter::Lf, false), 1024, &mut wire);
    assert_eq!(bodies(&steps), v(&[b"hello", b"world"]));
}

#[test]
fn escaped_lines_round_trip_through_both_readers() {
    for p in [line(Delimiter::Lf, true), naive(line(Delimiter::Lf, true))] {
        let messages = v(&[b"two\nlines", b"back\\slash", b""]);
        let mut wire = Wire::new(stream(&p, &messages), 1 << 20);
        let (steps, _) = read_all(&p, 1 << 20, &mut wire);
        assert_eq!(bodies(&steps), messages, "{:?}", p.decoder);
    }
}

#[test]
fn fixed_correct_reader_never_reads_past_its_record() {
    let p = fixed(8);
    let mut wire = Wire::new(stream(&p, &v(&[b"hello", b"world"])), 5);
    let (steps, asked) = read_all(&p, 1024, &mut wire);
    assert_eq!(bodies(&steps), v(&[b"hello", b"world"]));
    assert_eq!(asked, [8, 3, 8, 3, 8]);
}

#[test]
fn fixed_tutorial_reader_takes_a_short_recv_as_a_record() {
    let p = naive(fixed(8));
    let mut wire = Wire::new(stream(&p, &v(&[b"hello wo", b"world"])), 5);
    let (steps, asked) = read_all(&p, 1024, &mut wire);
    // recv(8) returned 5 bytes: "hello"; then " wo" and the next record's "wo", and so
    // on: every record after the first short recv is misaligned.
    assert_eq!(bodies(&steps), v(&[b"hello", b" wowo", b"rld", b""]));
    assert!(asked.iter().all(|&n| n == 8));
}

#[test]
fn fixed_reader_truncated_record_at_eof() {
    let p = fixed(8);
    let mut wire = Wire::new(b"hello".to_vec(), 64);
    let (steps, _) = read_all(&p, 1024, &mut wire);
    assert_eq!(
        steps,
        [ReadStep::Error(FrameError::Truncated {
            frame: 1,
            got: 5,
            expected: 8
        })]
    );
}

// ---- properties ---------------------------------------------------------------------------

const DELIMITERS: [Delimiter; 3] = [Delimiter::Lf, Delimiter::Crlf, Delimiter::Nul];

/// Bodies with no delimiter byte in them (what the correct sender accepts unescaped).
fn clean(messages: &[Vec<u8>], d: Delimiter) -> Vec<Vec<u8>> {
    messages
        .iter()
        .map(|m| {
            m.iter()
                .map(|&b| if d.bytes().contains(&b) { b'.' } else { b })
                .collect()
        })
        .collect()
}

fn messages() -> impl Strategy<Value = Vec<Vec<u8>>> {
    prop::collection::vec(
        prop::collection::vec(
            prop_oneof![
                Just(b'\n'),
                Just(b'\r'),
                Just(0u8),
                Just(b'\\'),
                any::<u8>()
            ],
            0..40,
        ),
        0..8,
    )
}

/// What the tutorial's line reader gives for recvs of at most `cap` bytes (bufsize ≥
/// cap): each recv's bytes split at the delimiter, the empty piece after a final
/// delimiter dropped. Written apart from the reader, as Python's
/// `data.split(delim)` loop.
fn naive_lines(wire: &[u8], cap: usize, delim: &[u8]) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    for data in wire.chunks(cap) {
        let mut pieces: Vec<Vec<u8>> = Vec::new();
        let mut rest = data;
        while let Some(i) = rest.windows(delim.len()).position(|w| w == delim) {
            pieces.push(rest[..i].to_vec());
            rest = &rest[i + delim.len()..];
        }
        if !rest.is_empty() {
            pieces.push(rest.to_vec());
        }
        out.extend(pieces);
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn prop_line_decoder_every_split_point(messages in messages(), escape in any::<bool>()) {
        for d in DELIMITERS {
            let p = line(d, escape);
            let sent = if escape { messages.clone() } else { clean(&messages, d) };
            let wire = stream(&p, &sent);
            for i in 0..=wire.len() {
                prop_assert_eq!(decode_chunks(&p, &[&wire[..i], &wire[i..]]), Ok(sent.clone()));
            }
        }
    }

    #[test]
    fn prop_readline_any_recv_sizes(
        messages in messages(),
        escape in any::<bool>(),
        bufsize in 1usize..64,
        cap in 1usize..64,
    ) {
        for d in DELIMITERS {
            let p = line(d, escape);
            let sent = if escape { messages.clone() } else { clean(&messages, d) };
            let mut wire = Wire::new(stream(&p, &sent), cap);
            let (steps, asked) = read_all(&p, bufsize, &mut wire);
            prop_assert_eq!(bodies(&steps), sent);
            prop_assert_eq!(steps.last(), Some(&ReadStep::Eof));
            prop_assert!(asked.iter().all(|&n| n == bufsize));
        }
    }

    /// The tutorial's line reader is right exactly when no recv ends inside a line.
    #[test]
    fn prop_tutorial_line_reader_fails_where_a_recv_cuts_a_line(
        messages in messages(),
        cap in 1usize..64,
    ) {
        for d in DELIMITERS {
            let p = naive(line(d, false));
            let sent = clean(&messages, d);
            let wire = stream(&p, &sent);
            let mut w = Wire::new(wire.clone(), cap);
            let (steps, _) = read_all(&p, 1024, &mut w);
            let got = bodies(&steps);
            prop_assert_eq!(&got, &naive_lines(&wire, cap, d.bytes()));
            // Every recv boundary at a line end (or the stream's end) <=> intact.
            let mut ends = Vec::new();
            let mut at = 0;
            for m in &sent {
                at += m.len() + d.bytes().len();
                ends.push(at);
            }
            let cuts_inside = (1..)
                .map(|k| k * cap)
                .take_while(|&c| c < wire.len())
                .any(|c| !ends.contains(&c));
            prop_assert_eq!(got == sent, !cuts_inside, "cap {}", cap);
        }
    }

    /// A body holding the delimiter, sent by the naive sender, reads as one line more.
    #[test]
    fn prop_naive_sender_breaks_a_body_at_each_delimiter(messages in messages()) {
        let p = naive(line(Delimiter::Lf, false));
        let wire = stream(&p, &messages);
        let got = decode_chunks(&p, &[&wire]).unwrap();
        let extra: usize = messages.iter().map(|m| m.iter().filter(|&&b| b == b'\n').count()).sum();
        prop_assert_eq!(got.len(), messages.len() + extra);
        prop_assert_eq!(
            send_frame(&line(Delimiter::Lf, false), &messages.concat()).is_err(),
            extra > 0
        );
    }

    #[test]
    fn prop_fixed_correct_any_recv_sizes(
        messages in messages(),
        size in 1u32..48,
        bufsize in 1usize..64,
        cap in 1usize..64,
    ) {
        let p = fixed(size);
        // What a record carries: at most `size` bytes, trailing NULs lost.
        let sent: Vec<Vec<u8>> = messages
            .iter()
            .map(|m| line::unpad(&m[..m.len().min(size as usize)]))
            .collect();
        let wire = stream(&p, &sent);
        prop_assert_eq!(wire.len(), sent.len() * size as usize);
        for i in 0..=wire.len() {
            prop_assert_eq!(decode_chunks(&p, &[&wire[..i], &wire[i..]]), Ok(sent.clone()));
        }
        let mut w = Wire::new(wire, cap);
        let (steps, asked) = read_all(&p, bufsize, &mut w);
        prop_assert_eq!(bodies(&steps), sent);
        prop_assert!(asked.iter().all(|&n| n <= bufsize.min(size as usize)));
    }

    /// The tutorial's record reader is right exactly when every recv returns a whole record.
    #[test]
    fn prop_tutorial_fixed_reader_fails_where_a_recv_is_short(
        messages in messages(),
        size in 1u32..48,
        cap in 1usize..64,
    ) {
        let p = naive(fixed(size));
        let sent: Vec<Vec<u8>> = messages
            .iter()
            .map(|m| line::unpad(&m[..m.len().min(size as usize)]))
            .collect();
        let wire = stream(&p, &sent);
        let mut w = Wire::new(wire.clone(), cap);
        let (steps, _) = read_all(&p, 1024, &mut w);
        let want: Vec<Vec<u8>> = wire.chunks(cap.min(size as usize)).map(line::unpad).collect();
        prop_assert_eq!(&bodies(&steps), &want);
        if cap >= size as usize {
            prop_assert_eq!(bodies(&steps), sent);
        }
    }

    #[test]
    fn prop_damaged_line_and_fixed_streams_never_panic(
        data in prop::collection::vec(
            prop_oneof![Just(b'\n'), Just(b'\r'), Just(0u8), Just(b'\\'), any::<u8>()],
            0..200,
        ),
        d in 0usize..3,
        escape in any::<bool>(),
        tutorial in any::<bool>(),
        size in 1u32..16,
        max_frame in 1u32..32,
        bufsize in 0usize..32,
        cap in 1usize..32,
    ) {
        for p in [
            Params { max_frame, ..line(DELIMITERS[d], escape) },
            fixed(size),
        ] {
            let p = if tutorial { naive(p) } else { p };
            let _ = decode_chunks(&p, &[&data[..data.len() / 2], &data[data.len() / 2..]]);
            let mut w = Wire::new(data.clone(), cap);
            let (steps, _) = read_all(&p, bufsize, &mut w);
            prop_assert!(steps.len() <= data.len() + 1);
        }
    }

    /// On any bytes, the correct readers (carry handed on) give exactly the decoder's
    /// messages and its error.
    #[test]
    fn prop_correct_readers_agree_with_the_decoder_on_any_bytes(
        data in prop::collection::vec(
            prop_oneof![Just(b'\n'), Just(b'\r'), Just(0u8), Just(b'\\'), any::<u8>()],
            0..200,
        ),
        d in 0usize..3,
        escape in any::<bool>(),
        size in 1u32..16,
        max_frame in 1u32..32,
        bufsize in 1usize..32,
        cap in 1usize..32,
    ) {
        for p in [
            Params { max_frame, ..line(DELIMITERS[d], escape) },
            fixed(size),
        ] {
            let want = decode_chunks(&p, &[&data]);
            let mut w = Wire::new(data.clone(), cap);
            let (steps, _) = read_all(&p, bufsize, &mut w);
            let (last, messages) = steps.split_last().unwrap();
            prop_assert_eq!(bodies(messages), bodies(&steps));
            match (want, last) {
                (Ok(all), ReadStep::Eof) => prop_assert_eq!(bodies(messages), all),
                (Err(e), ReadStep::Error(got)) => prop_assert_eq!(&e, got),
                (want, last) => prop_assert!(false, "{:?} vs {:?}", want, last),
            }
        }
    }
}

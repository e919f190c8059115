//! The `Reader` receive loops (`recv_message(bufsize)`), fed by a peer whose `recv()`
//! returns arbitrary short reads:
//! - correct loops, encoded messages: each call returns its message and reads exactly
//!   its frame, never a byte of the next;
//! - correct loops, arbitrary bytes: the same messages and the same error as `Decoder`
//!   on the same bytes;
//! - the tutorial's loops and raw, arbitrary bytes: they end, ask for sane sizes, count
//!   every byte they were given, and raw loses none.
#![no_main]

use libfuzzer_sys::arbitrary::{self, Arbitrary};
use libfuzzer_sys::fuzz_target;
use stickysim::framing::{ReadStep, Reader, encode};
use stickysim::params::{ByteOrder, DecoderKind, Framing, HeaderStyle, Params};
use stickysim_fuzz::decode_chunks;

#[derive(Arbitrary, Debug)]
struct Input {
    json: bool,
    big_endian: bool,
    upload_style: bool,
    bufsize: u16,
    max_frame: u16,
    max_header: u16,
    /// What each `recv()` may return at most, cycled (0 reads as 1).
    caps: Vec<u16>,
    messages: Vec<Vec<u8>>,
    garbage: Vec<u8>,
}

/// A peer's stream as `recv()` sees it.
struct Wire<'a> {
    data: &'a [u8],
    pos: usize,
    caps: &'a [u16],
    calls: usize,
}

impl Wire<'_> {
    fn recv(&mut self, n: usize) -> &[u8] {
        let cap = self
            .caps
            .get(self.calls % self.caps.len().max(1))
            .map_or(usize::MAX, |&c| usize::from(c.max(1)));
        self.calls += 1;
        let m = n.min(cap).min(self.data.len() - self.pos);
        self.pos += m;
        &self.data[self.pos - m..self.pos]
    }
}

/// One `recv_message`: its final step. Checks the sizes asked for and the byte count.
fn read_one(p: &Params, bufsize: usize, frame: u32, wire: &mut Wire) -> ReadStep {
    let start = wire.pos;
    let mut reader = Reader::new(p, bufsize, frame);
    let most = bufsize.max(4).max(p.max_header as usize);
    for _ in 0..1 << 20 {
        match reader.next() {
            ReadStep::Recv(n) => {
                assert!(n >= 1 && n <= most, "recv({n}) with bufsize {bufsize}");
                let data = wire.recv(n);
                reader.feed(data);
            }
            done => {
                assert_eq!(reader.received(), (wire.pos - start) as u64);
                assert_eq!(reader.next(), done, "a final step repeats");
                return done;
            }
        }
    }
    panic!("recv_message did not end in 2^20 recv calls");
}

fuzz_target!(|input: Input| {
    let base = Params {
        framing: if input.json {
            Framing::JsonHeader
        } else {
            Framing::LengthPrefix
        },
        byte_order: if input.big_endian {
            ByteOrder::Big
        } else {
            ByteOrder::Little
        },
        header_style: if input.upload_style {
            HeaderStyle::Upload
        } else {
            HeaderStyle::Command
        },
        ..Params::default()
    };
    let bufsize = usize::from(input.bufsize);

    // Correct loops, encoded messages: each is read whole, and only its own bytes.
    let mut wire_bytes = Vec::new();
    let mut ends = Vec::new();
    for m in &input.messages {
        wire_bytes.extend(encode(&base, m).concat());
        ends.push(wire_bytes.len());
    }
    let mut wire = Wire {
        data: &wire_bytes,
        pos: 0,
        caps: &input.caps,
        calls: 0,
    };
    for (i, (m, end)) in input.messages.iter().zip(&ends).enumerate() {
        match read_one(&base, bufsize, i as u32 + 1, &mut wire) {
            ReadStep::Message(f) => assert_eq!(&f.body, m),
            other => panic!("message {} gave {other:?}", i + 1),
        }
        assert_eq!(wire.pos, *end, "read past its own frame");
    }
    assert_eq!(read_one(&base, bufsize, 99, &mut wire), ReadStep::Eof);

    // Correct loops, arbitrary bytes, small limits: as Decoder says.
    let small = Params {
        max_frame: u32::from(input.max_frame),
        max_header: u32::from(input.max_header),
        ..base.clone()
    };
    let (frames, err) = decode_chunks(&small, &[&input.garbage]);
    let mut wire = Wire {
        data: &input.garbage,
        pos: 0,
        caps: &input.caps,
        calls: 0,
    };
    for i in 0.. {
        match read_one(&small, bufsize, i as u32 + 1, &mut wire) {
            ReadStep::Message(f) => assert_eq!(Some(&f), frames.get(i), "message {}", i + 1),
            ReadStep::Eof => {
                assert_eq!((i, &err), (frames.len(), &None));
                break;
            }
            ReadStep::Error(e) => {
                assert_eq!((i, Some(e)), (frames.len(), err));
                break;
            }
            ReadStep::Recv(_) => unreachable!("read_one returns final steps"),
        }
    }

    // The tutorial's loops and raw: they end, and raw loses no byte.
    for p in [
        Params {
            decoder: DecoderKind::Tutorial,
            ..small.clone()
        },
        Params {
            framing: Framing::Raw,
            ..small.clone()
        },
    ] {
        let mut wire = Wire {
            data: &input.garbage,
            pos: 0,
            caps: &input.caps,
            calls: 0,
        };
        let mut raw = Vec::new();
        for i in 0..=input.garbage.len() {
            let before = wire.pos;
            match read_one(&p, bufsize, i as u32 + 1, &mut wire) {
                ReadStep::Message(f) => {
                    assert!(wire.pos > before, "a message from no bytes");
                    raw.extend(f.body);
                }
                _ => break,
            }
        }
        if p.framing == Framing::Raw {
            assert_eq!(raw, input.garbage);
        }
    }
});

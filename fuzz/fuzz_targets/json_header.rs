//! The JSON-header `Decoder` under arbitrary chunking:
//! - encode → decode round trip in both header styles (方案二 with a verified md5, the
//!   upload client without), and an `Md5Mismatch` when one body byte is damaged;
//! - arbitrary bytes: the same frames and the same error whatever the chunking, and no
//!   frame over the limits.
#![no_main]

use libfuzzer_sys::arbitrary::{self, Arbitrary};
use libfuzzer_sys::fuzz_target;
use stickysim::framing::{FrameError, Md5Check, encode};
use stickysim::params::{ByteOrder, Framing, HeaderStyle, Params};
use stickysim_fuzz::{chunks, decode_chunks};

#[derive(Arbitrary, Debug)]
struct Input {
    big_endian: bool,
    upload_style: bool,
    messages: Vec<Vec<u8>>,
    /// Flip the bits of one body byte of the last message: (offset, xor), xor != 0.
    damage: Option<(u16, u8)>,
    max_frame: u16,
    max_header: u16,
    cuts: Vec<u16>,
    garbage: Vec<u8>,
}

fuzz_target!(|input: Input| {
    let p = Params {
        framing: Framing::JsonHeader,
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

    // Round trip.
    let mut wire = Vec::new();
    for m in &input.messages {
        wire.extend(encode(&p, m).concat());
    }
    let mut expect_err = None;
    let mut expect_bodies = input.messages.clone();
    if let (Some((at, xor)), Some(last)) = (input.damage, input.messages.last()) {
        if xor != 0 && !last.is_empty() {
            let at = usize::from(at) % last.len();
            let pos = wire.len() - last.len() + at;
            wire[pos] ^= xor;
            let mut damaged = last.clone();
            damaged[at] ^= xor;
            if input.upload_style {
                // No md5: the damage goes unnoticed, as the tutorial's upload does.
                *expect_bodies.last_mut().expect("a last message") = damaged;
            } else {
                expect_err = Some(FrameError::Md5Mismatch {
                    expected: md5_of(&encode(&p, last).concat(), last.len()),
                    actual: md5_of(&encode(&p, &damaged).concat(), damaged.len()),
                });
                expect_bodies.pop();
            }
        }
    }
    let (frames, err) = decode_chunks(&p, &chunks(&wire, &input.cuts));
    assert_eq!(err, expect_err);
    let bodies: Vec<Vec<u8>> = frames.iter().map(|f| f.body.clone()).collect();
    assert_eq!(bodies, expect_bodies);
    for (f, m) in frames.iter().zip(&input.messages) {
        let h = f.header.as_ref().expect("a json-header frame has a header");
        assert_eq!(h.size, m.len() as u64);
        if input.upload_style {
            assert_eq!(
                (h.name.as_deref(), &h.md5),
                (Some("config"), &Md5Check::Absent)
            );
        } else {
            assert_eq!(
                (h.name.as_deref(), &h.md5),
                (Some("f1.txt"), &Md5Check::Verified)
            );
        }
    }

    // Arbitrary bytes with small limits: chunking never changes the outcome.
    let small = Params {
        max_frame: u32::from(input.max_frame),
        max_header: u32::from(input.max_header),
        ..p
    };
    let whole = decode_chunks(&small, &[&input.garbage]);
    let cut = decode_chunks(&small, &chunks(&input.garbage, &input.cuts));
    assert_eq!(whole, cut);
    for f in &whole.0 {
        let h = f.header.as_ref().expect("a json-header frame has a header");
        assert!(f.body.len() <= small.max_frame as usize);
        assert!(h.raw.len() <= small.max_header as usize);
        assert_eq!(h.size, f.body.len() as u64);
    }
});

/// The md5 in the 方案二 header `encode` wrote for a body of `len` bytes.
fn md5_of(frame: &[u8], len: usize) -> String {
    let json = std::str::from_utf8(&frame[4..frame.len() - len]).expect("ASCII JSON");
    let at = json.find("\"md5\": \"").expect("an md5 field") + 8;
    json[at..at + 32].to_string()
}

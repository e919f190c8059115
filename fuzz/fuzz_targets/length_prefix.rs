//! The length-prefix `Decoder` under arbitrary chunking:
//! - encode → decode round trip, with the exact error for a frame over `max_frame` and
//!   the exact `Truncated` counts when the stream is cut short;
//! - arbitrary bytes: the same frames and the same error whatever the chunking.
#![no_main]

use libfuzzer_sys::arbitrary::{self, Arbitrary};
use libfuzzer_sys::fuzz_target;
use stickysim::framing::{FrameError, encode};
use stickysim::params::{ByteOrder, Framing, Params};
use stickysim_fuzz::{chunks, decode_chunks};

#[derive(Arbitrary, Debug)]
struct Input {
    big_endian: bool,
    max_frame: u16,
    messages: Vec<Vec<u8>>,
    /// Cut the encoded stream this many bytes before its end.
    cut_back: Option<u16>,
    cuts: Vec<u16>,
    garbage: Vec<u8>,
}

fuzz_target!(|input: Input| {
    let p = Params {
        framing: Framing::LengthPrefix,
        byte_order: if input.big_endian {
            ByteOrder::Big
        } else {
            ByteOrder::Little
        },
        max_frame: u32::from(input.max_frame),
        ..Params::default()
    };

    // Round trip: the frames before the first over-long one, then its FrameTooLarge.
    let mut wire = Vec::new();
    let mut expect_frames = Vec::new();
    let mut expect_err = None;
    for m in &input.messages {
        wire.extend(encode(&p, m).concat());
        if m.len() > p.max_frame as usize {
            expect_err = Some(FrameError::FrameTooLarge {
                len: m.len() as u64,
                max: p.max_frame,
            });
            break;
        }
        expect_frames.push(m.clone());
    }
    if expect_err.is_none() {
        if let Some(back) = input
            .cut_back
            .filter(|&b| b > 0 && usize::from(b) <= wire.len())
        {
            // Cut inside the stream: frames wholly before the cut, then Truncated.
            let cut = wire.len() - usize::from(back);
            wire.truncate(cut);
            let mut at = 0;
            let mut kept = Vec::new();
            for m in expect_frames {
                let end = at + 4 + m.len();
                if end <= cut {
                    kept.push(m);
                    at = end;
                    continue;
                }
                let got = (cut - at) as u64;
                let expected = if got < 4 { 4 } else { 4 + m.len() as u64 };
                if got > 0 {
                    expect_err = Some(FrameError::Truncated {
                        frame: kept.len() as u32 + 1,
                        got,
                        expected,
                    });
                }
                break;
            }
            expect_frames = kept;
        }
    }
    let (frames, err) = decode_chunks(&p, &chunks(&wire, &input.cuts));
    let bodies: Vec<Vec<u8>> = frames.into_iter().map(|f| f.body).collect();
    assert_eq!(bodies, expect_frames);
    assert_eq!(err, expect_err);

    // Arbitrary bytes: chunking never changes the outcome.
    let whole = decode_chunks(&p, &[&input.garbage]);
    let cut = decode_chunks(&p, &chunks(&input.garbage, &input.cuts));
    assert_eq!(whole, cut);
    assert!(whole.0.iter().all(|f| f.body.len() <= p.max_frame as usize));
    if let Some(e) = whole.1 {
        assert!(matches!(
            e,
            FrameError::NegativeLength { .. }
                | FrameError::FrameTooLarge { .. }
                | FrameError::Truncated { .. }
        ));
    }
});

//! Inputs the fuzz targets (`fuzz/`, `scripts/fuzz`) found or had to account for, kept as
//! plain tests so `cargo test` checks them without nightly. docs/FUZZING.md lists the runs.

use bytes::BytesMut;
use stickysim::framing::{Decoder, FrameError, encode};
use stickysim::params::{ByteOrder, Framing, Params};
use tokio_util::codec::{Decoder as _, LengthDelimitedCodec};

fn big_endian() -> Params {
    Params {
        framing: Framing::LengthPrefix,
        byte_order: ByteOrder::Big,
        ..Params::default()
    }
}

/// Every frame of `wire` fed in `chunk`-byte pieces to `decode`, then to `decode_slice`;
/// both must agree. The frames, or the first error.
fn both_apis(p: &Params, wire: &[u8], chunk: usize) -> Result<Vec<Vec<u8>>, FrameError> {
    let by_vec = (|| {
        let mut dec = Decoder::new(p);
        let (mut buf, mut out) = (Vec::new(), Vec::new());
        for piece in wire.chunks(chunk) {
            buf.extend_from_slice(piece);
            while let Some(f) = dec.decode(&mut buf)? {
                out.push(f.body);
            }
        }
        while let Some(f) = dec.decode_eof(&mut buf)? {
            out.push(f.body);
        }
        Ok(out)
    })();
    let by_slice = (|| {
        let mut dec = Decoder::new(p);
        let mut out = Vec::new();
        for mut piece in wire.chunks(chunk) {
            while let Some(f) = dec.decode_slice(&mut piece)? {
                out.push(f.body);
            }
        }
        if let Some(f) = dec.decode_slice_eof()? {
            out.push(f.body);
        }
        Ok(out)
    })();
    assert_eq!(by_vec, by_slice, "decode and decode_slice disagree");
    by_vec
}

/// The differential target's one mapped difference (fuzz/fuzz_targets/diff_tokio.rs):
/// a stream that ends right after a frame's 4-byte head. Ours says the peer closed
/// mid-frame; tokio-util's `decode_eof` (the trait's default: "is the buffer empty?")
/// says the stream ended cleanly, because `LengthDelimitedCodec` already took the head
/// out of its buffer. If tokio-util changes, this test says the mapping can go.
#[test]
fn a_stream_cut_right_after_a_head_is_truncated_not_clean() {
    let p = big_endian();
    let mut wire = encode(&p, b"hello").concat();
    wire.extend_from_slice(&5u32.to_be_bytes());
    for chunk in [1, 4, 9, wire.len()] {
        assert_eq!(
            both_apis(&p, &wire, chunk),
            Err(FrameError::Truncated {
                frame: 2,
                got: 4,
                expected: 9
            })
        );
    }

    let mut codec = LengthDelimitedCodec::builder()
        .big_endian()
        .length_field_length(4)
        .new_codec();
    let mut buf = BytesMut::from(&wire[..]);
    assert_eq!(codec.decode(&mut buf).unwrap().unwrap(), &b"hello"[..]);
    assert_eq!(codec.decode(&mut buf).unwrap(), None);
    assert!(buf.is_empty(), "the head is gone from tokio-util's buffer");
    assert_eq!(
        codec.decode_eof(&mut buf).unwrap(),
        None,
        "tokio-util: clean end"
    );
}

/// A body of at least 1 KiB that arrives over several pieces is handed over (not
/// copied) from the buffer; the frame behind it must stay readable, in both APIs.
#[test]
fn a_large_body_over_several_pieces_keeps_the_frame_behind_it() {
    let p = big_endian();
    let first: Vec<u8> = (0..5000u32).map(|i| i as u8).collect();
    let mut wire = encode(&p, &first).concat();
    wire.extend(encode(&p, b"next").concat());
    for chunk in [1, 3, 1000, 1024, 4999, 5004, 5005, wire.len()] {
        assert_eq!(
            both_apis(&p, &wire, chunk),
            Ok(vec![first.clone(), b"next".to_vec()]),
            "pieces of {chunk}"
        );
    }
}

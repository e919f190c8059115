//! Differential: our big-endian length-prefix `Decoder` against tokio-util's
//! `LengthDelimitedCodec` set to the same wire format (4-byte big-endian length, then the
//! body; the same maximum frame length), on the same bytes in the same chunks. They must
//! give the same frames, and both fail or both succeed, for the same reason.
//!
//! One mapping: tokio-util's `decode_eof` (the `Decoder` trait's default) only checks
//! that its buffer is empty, and `LengthDelimitedCodec` has already taken a frame's
//! 4-byte head out of the buffer. A stream cut right after a head is `Ok(None)` there and
//! `Truncated` here. So the reference's outcome at EOF counts the bytes it has been given
//! but not returned: any left over is an error, whatever `decode_eof` said.
#![no_main]

use bytes::BytesMut;
use libfuzzer_sys::arbitrary::{self, Arbitrary};
use libfuzzer_sys::fuzz_target;
use stickysim::framing::{Decoder, FrameError};
use stickysim::params::{ByteOrder, Framing, Params};
use stickysim_fuzz::chunks;
use tokio_util::codec::{Decoder as _, LengthDelimitedCodec};

#[derive(Arbitrary, Debug)]
struct Input {
    max_frame: u16,
    /// Well-formed frames first, so the fuzzer reaches deep streams quickly.
    messages: Vec<Vec<u8>>,
    garbage: Vec<u8>,
    cuts: Vec<u16>,
}

/// Why a stream ended.
#[derive(Debug, PartialEq)]
enum End {
    Clean,
    TooLarge,
    Truncated,
}

fuzz_target!(|input: Input| {
    let mut stream = Vec::new();
    for m in &input.messages {
        stream.extend_from_slice(&(m.len() as u32).to_be_bytes());
        stream.extend_from_slice(m);
    }
    stream.extend_from_slice(&input.garbage);
    let pieces = chunks(&stream, &input.cuts);
    let max = input.max_frame;
    let ours = ours(&pieces, max);
    let theirs = tokio(&pieces, max);
    assert_eq!(ours, theirs);
});

fn ours(pieces: &[&[u8]], max: u16) -> (Vec<Vec<u8>>, End) {
    let p = Params {
        framing: Framing::LengthPrefix,
        byte_order: ByteOrder::Big,
        max_frame: u32::from(max),
        ..Params::default()
    };
    let mut dec = Decoder::new(&p);
    let mut buf = Vec::new();
    let mut frames = Vec::new();
    let end = |e: FrameError| match e {
        FrameError::FrameTooLarge { .. } => End::TooLarge,
        FrameError::Truncated { .. } => End::Truncated,
        other => panic!("a big-endian length prefix cannot give {other:?}"),
    };
    for piece in pieces {
        buf.extend_from_slice(piece);
        loop {
            match dec.decode(&mut buf) {
                Ok(Some(f)) => frames.push(f.body),
                Ok(None) => break,
                Err(e) => return (frames, end(e)),
            }
        }
    }
    loop {
        match dec.decode_eof(&mut buf) {
            Ok(Some(f)) => frames.push(f.body),
            Ok(None) => return (frames, End::Clean),
            Err(e) => return (frames, end(e)),
        }
    }
}

fn tokio(pieces: &[&[u8]], max: u16) -> (Vec<Vec<u8>>, End) {
    let mut codec = LengthDelimitedCodec::builder()
        .big_endian()
        .length_field_length(4)
        .length_adjustment(0)
        .num_skip(4)
        .max_frame_length(usize::from(max))
        .new_codec();
    let mut buf = BytesMut::new();
    let mut frames = Vec::new();
    // Bytes given to the codec and not yet returned in a frame (heads included).
    let mut pending = 0usize;
    let end = |e: std::io::Error| match e.kind() {
        std::io::ErrorKind::InvalidData => End::TooLarge,
        _ => End::Truncated,
    };
    for piece in pieces {
        buf.extend_from_slice(piece);
        pending += piece.len();
        loop {
            match codec.decode(&mut buf) {
                Ok(Some(f)) => {
                    pending -= 4 + f.len();
                    frames.push(f.to_vec());
                }
                Ok(None) => break,
                Err(e) => return (frames, end(e)),
            }
        }
    }
    loop {
        match codec.decode_eof(&mut buf) {
            Ok(Some(f)) => {
                pending -= 4 + f.len();
                frames.push(f.to_vec());
            }
            Ok(None) if pending > 0 => return (frames, End::Truncated),
            Ok(None) => return (frames, End::Clean),
            Err(e) => return (frames, end(e)),
        }
    }
}

//! Helpers shared by the fuzz targets: chunkings, and a decoder fed chunk by chunk.

use stickysim::framing::{Decoder, Frame, FrameError};
use stickysim::params::Params;

/// `data` cut the way `recv()` might return it: sizes from `cuts`, cycled (0 reads as 1).
/// No cuts: one chunk.
pub fn chunks<'a>(data: &'a [u8], cuts: &[u16]) -> Vec<&'a [u8]> {
    if cuts.is_empty() {
        return vec![data];
    }
    let mut out = Vec::new();
    let mut rest = data;
    for &cut in cuts.iter().cycle() {
        if rest.is_empty() {
            break;
        }
        let (head, tail) = rest.split_at(usize::from(cut.max(1)).min(rest.len()));
        out.push(head);
        rest = tail;
    }
    out
}

/// Every frame `Decoder` gives for `chunks` then EOF, and the error that ended it.
///
/// Decodes twice, with `decode` (the caller's `Vec`) and `decode_slice` (the decoder
/// keeps unfinished frames), and asserts they agree. Checks the `Ok(None)` contract on
/// the way: after `Ok(None)`, `buf` holds exactly the last bytes fed, and `decode_slice`
/// has taken all of its input.
pub fn decode_chunks(p: &Params, chunks: &[&[u8]]) -> (Vec<Frame>, Option<FrameError>) {
    let by_vec = decode_vec(p, chunks);
    assert_eq!(
        by_vec,
        decode_slices(p, chunks),
        "decode and decode_slice disagree"
    );
    by_vec
}

fn decode_slices(p: &Params, chunks: &[&[u8]]) -> (Vec<Frame>, Option<FrameError>) {
    let mut dec = Decoder::new(p);
    let mut frames = Vec::new();
    for chunk in chunks {
        let mut input = *chunk;
        loop {
            match dec.decode_slice(&mut input) {
                Ok(Some(f)) => frames.push(f),
                Ok(None) => break,
                Err(e) => return (frames, Some(e)),
            }
        }
        assert!(input.is_empty(), "Ok(None) with input left");
    }
    match dec.decode_slice_eof() {
        Ok(Some(f)) => frames.push(f),
        Ok(None) => {}
        Err(e) => return (frames, Some(e)),
    }
    assert_eq!(dec.frames() as usize, frames.len());
    (frames, None)
}

fn decode_vec(p: &Params, chunks: &[&[u8]]) -> (Vec<Frame>, Option<FrameError>) {
    let mut dec = Decoder::new(p);
    let mut buf = Vec::new();
    let mut frames = Vec::new();
    let mut seen = Vec::new();
    let mut wire = 0usize;
    for chunk in chunks {
        buf.extend_from_slice(chunk);
        seen.extend_from_slice(chunk);
        loop {
            match dec.decode(&mut buf) {
                Ok(Some(f)) => {
                    wire += f.body.len();
                    frames.push(f);
                }
                Ok(None) => break,
                Err(e) => return (frames, Some(e)),
            }
        }
        // The unread bytes are a suffix of what was fed, past every decoded body.
        assert!(buf.len() + wire <= seen.len(), "buf grew past the input");
        assert_eq!(&buf[..], &seen[seen.len() - buf.len()..]);
    }
    loop {
        match dec.decode_eof(&mut buf) {
            Ok(Some(f)) => frames.push(f),
            Ok(None) => break,
            Err(e) => return (frames, Some(e)),
        }
    }
    assert!(buf.is_empty(), "Ok(None) at EOF with bytes left");
    assert_eq!(dec.frames() as usize, frames.len());
    (frames, None)
}

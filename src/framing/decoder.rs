//! The incremental decoder: bytes in, frames out, whatever the chunking.
//!
//! ```text
//! INPUT: what the caller appended to `buf` so far (two recv()s: one glued, one cut)
//!   recv 1                                        recv 2
//! +-- len --+-- body --+-- len --+-- bo|dy --+   +-- len --+-- body ...
//! | 00000005|  hello   | 00000005|  wo |rld  |   | 0000...
//! +---------+----------+---------+-----|-----+   +---------+
//!  Head      Body{5}    Head      Body{5}         Head
//!                                      ^ Ok(None): wait for more bytes
//!
//! DECODED (one decode() call per frame, then Ok(None) when a frame is incomplete)
//! +-- body --+  +-- body --+
//! |  hello   |  |  world   |
//! +----------+  +----------+
//! ```
//!
//! # Why the decoder keeps a read cursor
//!
//! Taking a frame off the front of a `Vec` (`buf.drain(..n)`) moves every byte behind it
//! to the front. One 64 KiB `recv` can hold thousands of small frames, and moving the
//! rest of the buffer once per frame costs far more than the frames themselves. So the
//! decoder only remembers how far it has read (`read`) and removes the read bytes once,
//! when it returns `Ok(None)` (it needs more input) or `Err`. Each byte is then moved at
//! most once, and the cost is linear in the bytes received. tokio-util's `BytesMut` does
//! the same with a pointer (`advance`) instead of an index.

use super::Frame;
use super::error::FrameError;
use super::header::{self, PREFIX_LEN, ParsedHeader};
use crate::params::{ByteOrder, Framing, Params};

/// Incremental decoder, tokio-util contract: `Ok(Some(frame))` a frame, `Ok(None)` need
/// more bytes, `Err` corrupt.
///
/// The caller appends what each `recv` returned to one `Vec<u8>` and calls
/// [`decode`](Decoder::decode) until it returns `Ok(None)`:
///
/// ```
/// # use stickysim::framing::{Decoder, encode};
/// # use stickysim::params::{Framing, Params};
/// let p = Params { framing: Framing::LengthPrefix, ..Params::default() };
/// let mut wire = encode(&p, b"hello").concat();
/// wire.extend(encode(&p, b"world").concat());
/// let (mut dec, mut buf, mut got) = (Decoder::new(&p), Vec::new(), Vec::new());
/// for recv in wire.chunks(3) {
///     buf.extend_from_slice(recv);
///     while let Some(frame) = dec.decode(&mut buf).unwrap() {
///         got.push(frame.body);
///     }
///     // After Ok(None), `buf` holds exactly the bytes of the unfinished frame.
/// }
/// assert_eq!(got, [b"hello".to_vec(), b"world".to_vec()]);
/// assert!(buf.is_empty());
/// ```
///
/// Each header is parsed once: the state remembers what it said. On `Err` the failing
/// step consumes nothing, so `buf` starts with the offending bytes; the stream's frame
/// boundaries are lost and it should be dropped.
///
/// Between an `Ok(Some(_))` and the next `Ok(None)`/`Err`, the front of `buf` may still
/// hold bytes already decoded (see the module doc): only append to `buf` until then.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decoder {
    framing: Framing,
    byte_order: ByteOrder,
    max_frame: u32,
    max_header: u32,
    state: State,
    /// Bytes at the front of the caller's `buf` that are decoded but not yet removed.
    read: usize,
    frames: u32,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum State {
    /// Waiting for a 4-byte prefix.
    Head,
    /// The prefix is consumed; waiting for `len` bytes of JSON header.
    JsonHeader { len: usize },
    /// `header_len` header bytes are consumed; waiting for `len` body bytes.
    Body {
        len: usize,
        header_len: usize,
        header: Option<ParsedHeader>,
    },
}

impl Decoder {
    pub fn new(params: &Params) -> Decoder {
        Decoder {
            framing: params.framing,
            byte_order: params.byte_order,
            max_frame: params.max_frame,
            max_header: params.max_header,
            state: State::Head,
            read: 0,
            frames: 0,
        }
    }

    /// Decodes the next frame from the front of `buf`.
    ///
    /// Raw framing has no boundaries: whatever is buffered is one frame (taken whole).
    ///
    /// # Panics
    /// If `buf` is shorter than the bytes this decoder already read from it: the caller
    /// removed bytes between two calls (a caller bug; see [`Decoder`]).
    pub fn decode(&mut self, buf: &mut Vec<u8>) -> Result<Option<Frame>, FrameError> {
        if self.framing == Framing::Raw {
            if buf.is_empty() {
                return Ok(None);
            }
            return Ok(Some(self.produced(std::mem::take(buf), None)));
        }
        let unread = buf
            .get(self.read..)
            .expect("Decoder::decode: bytes were removed from buf between two calls");
        match self.step(unread) {
            Ok(Some((frame_len, frame))) => {
                // Another frame may follow in `buf`: move nothing yet.
                self.read += frame_len;
                Ok(Some(frame))
            }
            other => {
                buf.drain(..std::mem::take(&mut self.read));
                other.map(|_| None)
            }
        }
    }

    /// The framed state machine on the unread bytes: `Ok(Some((n, frame)))` when a frame
    /// completes `n` bytes further on, `Ok(None)` when `input` ends first.
    ///
    /// Header bytes are read as soon as they are all there, so a frame's header is parsed
    /// once even if its body takes many calls; `self.read` advances with them.
    fn step(&mut self, input: &[u8]) -> Result<Option<(usize, Frame)>, FrameError> {
        let mut at = 0;
        loop {
            let rest = &input[at..];
            match &self.state {
                State::Head => {
                    let Some(prefix) = header::peek_prefix(rest) else {
                        return self.need_more(at);
                    };
                    let value = header::unpack(prefix, self.byte_order);
                    // The size checks come before anything is allocated.
                    let next = if self.framing == Framing::JsonHeader {
                        State::JsonHeader {
                            len: header::header_len(value, self.max_header)
                                .inspect_err(|_| self.read += at)?,
                        }
                    } else {
                        State::Body {
                            len: header::body_len(value, self.max_frame)
                                .inspect_err(|_| self.read += at)?,
                            header_len: PREFIX_LEN,
                            header: None,
                        }
                    };
                    at += PREFIX_LEN;
                    self.state = next;
                }
                &State::JsonHeader { len } => {
                    let Some(bytes) = rest.get(..len) else {
                        return self.need_more(at);
                    };
                    let parsed = header::parse_json_header(bytes, self.max_frame)
                        .inspect_err(|_| self.read += at)?;
                    at += len;
                    self.state = State::Body {
                        len: parsed.size,
                        header_len: PREFIX_LEN + len,
                        header: Some(parsed),
                    };
                }
                State::Body { len, header, .. } => {
                    let Some(body) = rest.get(..*len) else {
                        return self.need_more(at);
                    };
                    let header = header
                        .as_ref()
                        .map(|h| h.verify(body))
                        .transpose()
                        .inspect_err(|_| self.read += at)?;
                    let frame_len = at + body.len();
                    let body = body.to_vec();
                    self.state = State::Head;
                    return Ok(Some((frame_len, self.produced(body, header))));
                }
            }
        }
    }

    /// `input` ended inside a frame: the `at` header bytes read so far are consumed.
    fn need_more(&mut self, at: usize) -> Result<Option<(usize, Frame)>, FrameError> {
        self.read += at;
        Ok(None)
    }

    /// At EOF: a remaining complete frame, else `Ok(None)` if `buf` is empty and no frame
    /// is in progress, else `Err(Truncated{..})` with byte counts (leftover bytes at EOF
    /// are an error, not silence).
    pub fn decode_eof(&mut self, buf: &mut Vec<u8>) -> Result<Option<Frame>, FrameError> {
        if let Some(frame) = self.decode(buf)? {
            return Ok(Some(frame));
        }
        // `decode` returned Ok(None): `buf` holds exactly the unread bytes.
        let have = buf.len() as u64;
        let (got, expected) = match &self.state {
            State::Head if buf.is_empty() => return Ok(None),
            State::Head => (have, PREFIX_LEN as u64),
            State::JsonHeader { len } => {
                let prefix = PREFIX_LEN as u64;
                (prefix + have, prefix + *len as u64)
            }
            State::Body {
                len, header_len, ..
            } => {
                let header_len = *header_len as u64;
                (header_len + have, header_len + *len as u64)
            }
        };
        Err(FrameError::Truncated {
            frame: self.frames.saturating_add(1),
            got,
            expected,
        })
    }

    /// How many frames it has produced so far.
    pub fn frames(&self) -> u32 {
        self.frames
    }

    fn produced(&mut self, body: Vec<u8>, header: Option<super::JsonHeader>) -> Frame {
        self.frames = self.frames.saturating_add(1);
        Frame { body, header }
    }
}

//! The incremental decoder: bytes in, frames out, whatever the chunking.

use super::Frame;
use super::error::FrameError;
use super::header::{self, PREFIX_LEN, ParsedHeader};
use crate::params::{ByteOrder, Framing, Params};

/// Incremental decoder, tokio-util contract: `Ok(Some(frame))` a frame, `Ok(None)` need
/// more bytes, `Err` corrupt.
///
/// Each header is parsed once: the state remembers what it said. On `Err` the failing
/// step consumes nothing, so `buf` still starts with the offending bytes; the stream's
/// frame boundaries are lost and it should be dropped.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decoder {
    framing: Framing,
    byte_order: ByteOrder,
    max_frame: u32,
    max_header: u32,
    state: State,
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
            frames: 0,
        }
    }

    /// Consumes bytes from the front of `buf` as frames complete.
    ///
    /// Raw framing has no boundaries: whatever is buffered is one frame.
    pub fn decode(&mut self, buf: &mut Vec<u8>) -> Result<Option<Frame>, FrameError> {
        if self.framing == Framing::Raw {
            if buf.is_empty() {
                return Ok(None);
            }
            return Ok(Some(self.produced(std::mem::take(buf), None)));
        }
        loop {
            match &self.state {
                State::Head => {
                    let Some(prefix) = header::peek_prefix(buf) else {
                        return Ok(None);
                    };
                    let value = header::unpack(prefix, self.byte_order);
                    let next = if self.framing == Framing::JsonHeader {
                        State::JsonHeader {
                            len: header::header_len(value, self.max_header)?,
                        }
                    } else {
                        State::Body {
                            len: header::body_len(value, self.max_frame)?,
                            header_len: PREFIX_LEN,
                            header: None,
                        }
                    };
                    buf.drain(..PREFIX_LEN);
                    self.state = next;
                }
                &State::JsonHeader { len } => {
                    let Some(bytes) = buf.get(..len) else {
                        return Ok(None);
                    };
                    let parsed = header::parse_json_header(bytes, self.max_frame)?;
                    buf.drain(..len);
                    self.state = State::Body {
                        len: parsed.size,
                        header_len: PREFIX_LEN + len,
                        header: Some(parsed),
                    };
                }
                State::Body { len, header, .. } => {
                    let Some(body) = buf.get(..*len) else {
                        return Ok(None);
                    };
                    let header = header.as_ref().map(|h| h.verify(body)).transpose()?;
                    let body = body.to_vec();
                    buf.drain(..body.len());
                    self.state = State::Head;
                    return Ok(Some(self.produced(body, header)));
                }
            }
        }
    }

    /// At EOF: a remaining complete frame, else `Ok(None)` if `buf` is empty and no frame
    /// is in progress, else `Err(Truncated{..})` with byte counts (leftover bytes at EOF
    /// are an error, not silence).
    pub fn decode_eof(&mut self, buf: &mut Vec<u8>) -> Result<Option<Frame>, FrameError> {
        if let Some(frame) = self.decode(buf)? {
            return Ok(Some(frame));
        }
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

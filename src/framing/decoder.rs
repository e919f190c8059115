//! The incremental decoder: bytes in, frames out, whatever the chunking.
//!
//! ```text
//! INPUT: two recv()s appended to `buf` (big-endian length-prefix)
//! |<---------------- recv 1 ---------------->|<------->| recv 2
//! +--- len -----+- body -+--- len -----+---- body ----+
//! | 00 00 00 05 | hello  | 00 00 00 05 | wo  :  rld   |
//! +-------------+--------+-------------+--------------+
//!   Head          Body{5}  Head          Body{5}
//!                                            ^ recv 1 ends: Ok(None), wait for more
//!
//! DECODED: one frame per decode() call, wherever the recv()s ended
//! +- body -+  +- body -+
//! | hello  |  | world  |
//! +--------+  +--------+
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
//!
//! A large body that needed several `recv`s sits at the front of `buf` by the time it is
//! complete. Instead of copying it out, the decoder hands `buf`'s allocation over as the
//! body and moves the few bytes behind it into a fresh `buf`; while it waits for such a
//! body, it reserves room for it (up to 64 KiB) so appending doesn't reallocate either.
//!
//! A caller that doesn't need to keep the bytes (they are in one read's buffer) can skip
//! its `Vec` altogether: [`Decoder::decode_slice`] runs the same state machine on the
//! slice, copies each whole frame's body out once, and keeps only an unfinished frame.

use std::ops::Range;

use super::error::FrameError;
use super::header::{self, PREFIX_LEN, ParsedHeader};
use super::line;
use super::{Frame, JsonHeader};
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
    /// `line`: the delimiter and whether bodies are escaped.
    delimiter: &'static [u8],
    escape: bool,
    /// `fixed`: the record size.
    record_size: usize,
    /// `line`: how far into the unread bytes the delimiter is known not to start.
    scanned: usize,
    state: State,
    /// The current frame's JSON header, once parsed (json-header framing).
    header: Option<ParsedHeader>,
    /// The checked header of the frame `step` just completed, for `produced`.
    checked: Option<JsonHeader>,
    /// [`decode_slice`](Decoder::decode_slice) only: the bytes of the unfinished part of
    /// the current frame (prefix, JSON header or body).
    pending: Vec<u8>,
    /// Bytes at the front of the caller's `buf` that are decoded but not yet removed.
    read: usize,
    frames: u32,
}

/// A body this long or longer that arrived over several calls is handed over, not copied.
const TAKE_MIN: usize = 1024;
/// The most a body length reserves in `buf` before its bytes arrive.
const RESERVE_MAX: usize = 64 * 1024;

/// Where the decoder is in the current frame. `Copy`: moving between states costs nothing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    /// Waiting for a 4-byte prefix.
    Head,
    /// The prefix is consumed; waiting for `len` bytes of JSON header.
    JsonHeader { len: usize },
    /// `header_len` header bytes are consumed; waiting for `len` body bytes.
    Body { len: usize, header_len: usize },
}

impl Decoder {
    pub fn new(params: &Params) -> Decoder {
        Decoder {
            framing: params.framing,
            byte_order: params.byte_order,
            max_frame: params.max_frame,
            max_header: params.max_header,
            delimiter: params.delimiter.bytes(),
            escape: params.escape,
            record_size: params.record_size as usize,
            scanned: 0,
            state: State::Head,
            header: None,
            checked: None,
            pending: Vec::new(),
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
            return Ok(Some(self.produced(std::mem::take(buf))));
        }
        if matches!(self.framing, Framing::Line | Framing::Fixed) {
            return self.decode_delimited(buf);
        }
        let unread = buf
            .get(self.read..)
            .expect("Decoder::decode: bytes were removed from buf between two calls");
        match self.step(unread) {
            Ok(Some(range)) => {
                let body = self.body(buf, range);
                Ok(Some(self.produced(body)))
            }
            Ok(None) => {
                buf.drain(..std::mem::take(&mut self.read));
                if let State::Body { len, .. } = self.state {
                    // The body so far is at the front of `buf`: make room for the rest
                    // (bounded: a length alone never reserves more than RESERVE_MAX), so
                    // the caller's appends don't reallocate and copy it again.
                    let missing = len.saturating_sub(buf.len());
                    buf.reserve(missing.min(RESERVE_MAX));
                }
                Ok(None)
            }
            Err(e) => {
                buf.drain(..std::mem::take(&mut self.read));
                Err(e)
            }
        }
    }

    /// `line` and `fixed`: a frame ends at the first delimiter, or after `record_size`
    /// bytes. Nothing is parsed ahead, so the state is only the read cursor and, for
    /// `line`, how far the unread bytes were searched (each byte is searched once).
    fn decode_delimited(&mut self, buf: &mut Vec<u8>) -> Result<Option<Frame>, FrameError> {
        let unread = buf
            .get(self.read..)
            .expect("Decoder::decode: bytes were removed from buf between two calls");
        let found = if self.framing == Framing::Line {
            let max = self.max_frame as usize;
            match line::find(unread, self.scanned, self.delimiter) {
                Some(end) if end <= max => {
                    let body = if self.escape {
                        line::unescape(&unread[..end], self.frames.saturating_add(1))
                    } else {
                        Ok(unread[..end].to_vec())
                    };
                    body.map(|b| Some((b, end + self.delimiter.len())))
                }
                // Longer than `max_frame` without its delimiter: refused, whatever the
                // chunking, before the buffer grows any further.
                Some(_) => Err(too_long(self.max_frame)),
                None if line::resume_at(unread, self.delimiter) > max => {
                    Err(too_long(self.max_frame))
                }
                None => {
                    self.scanned = line::resume_at(unread, self.delimiter);
                    Ok(None)
                }
            }
        } else {
            Ok(unread
                .get(..self.record_size)
                .map(|record| (line::unpad(record), self.record_size)))
        };
        match found {
            Ok(Some((body, used))) => {
                self.read += used;
                self.scanned = 0;
                Ok(Some(self.produced(body)))
            }
            Ok(None) => {
                buf.drain(..std::mem::take(&mut self.read));
                if self.framing == Framing::Fixed {
                    buf.reserve(self.record_size.saturating_sub(buf.len()));
                }
                Ok(None)
            }
            Err(e) => {
                buf.drain(..std::mem::take(&mut self.read));
                self.scanned = 0;
                Err(e)
            }
        }
    }

    /// The body at `range` of the unread bytes, as its own `Vec`; marks its frame (which
    /// ends with it) as read.
    ///
    /// A large body that begins at the front of `buf` (it arrived over several calls) is
    /// not copied: `buf`'s allocation becomes the body, and the bytes after it (no more
    /// than the body) are copied into a new `buf`. Other bodies are copied out, and
    /// nothing else moves: another frame may follow in `buf`.
    fn body(&mut self, buf: &mut Vec<u8>, range: Range<usize>) -> Vec<u8> {
        let (start, stop) = (self.read + range.start, self.read + range.end);
        let len = range.len();
        let hand_over =
            start == 0 && len >= TAKE_MIN && buf.len() - stop <= len && buf.capacity() <= 2 * len;
        if hand_over {
            let rest = buf.split_off(stop);
            self.read = 0;
            return std::mem::replace(buf, rest);
        }
        self.read = stop;
        buf[start..stop].to_vec()
    }

    /// The framed state machine on the unread bytes: `Ok(Some(body))` when a frame
    /// completes in `input` (`body` is where its body is; the frame ends with it; its
    /// checked JSON header is in `self.checked`), `Ok(None)` when `input` ends first.
    ///
    /// Header bytes are read as soon as they are all there, so a frame's header is parsed
    /// once even if its body takes many calls; `self.read` advances with them.
    // Inlined into both callers: it runs once per frame, and the call costs as much.
    #[inline(always)]
    fn step(&mut self, input: &[u8]) -> Result<Option<Range<usize>>, FrameError> {
        let mut at = 0;
        loop {
            let rest = &input[at..];
            match self.state {
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
                        }
                    };
                    at += PREFIX_LEN;
                    self.state = next;
                }
                State::JsonHeader { len } => {
                    let Some(bytes) = rest.get(..len) else {
                        return self.need_more(at);
                    };
                    let parsed = header::parse_json_header(bytes, self.max_frame)
                        .inspect_err(|_| self.read += at)?;
                    at += len;
                    self.state = State::Body {
                        len: parsed.size,
                        header_len: PREFIX_LEN + len,
                    };
                    self.header = Some(parsed);
                }
                State::Body { len, .. } => {
                    let Some(body) = rest.get(..len) else {
                        return self.need_more(at);
                    };
                    // Checked before the header is dropped: a failed check repeats.
                    if let Some(h) = &self.header {
                        self.checked = Some(h.verify(body).inspect_err(|_| self.read += at)?);
                        self.header = None;
                    }
                    self.state = State::Head;
                    return Ok(Some(at..at + len));
                }
            }
        }
    }

    /// `input` ended inside a frame: the `at` header bytes read so far are consumed.
    fn need_more(&mut self, at: usize) -> Result<Option<Range<usize>>, FrameError> {
        self.read += at;
        Ok(None)
    }

    /// Like [`decode`](Decoder::decode), for bytes the caller does not keep (one `recv`'s
    /// buffer): takes bytes from the front of `input`, advancing it. A frame that is whole
    /// in `input` is copied once, into its body; the unfinished part of a frame waits in
    /// the decoder, and a large body collects there in the allocation that becomes the
    /// frame's. Call until `Ok(None)` (then `input` is empty), then
    /// [`decode_slice_eof`](Decoder::decode_slice_eof) at the end of the stream.
    ///
    /// On `Err` the stream's frame boundaries are lost, as with `decode`; calling again
    /// gives the same error. Use either this or `decode` on one decoder, not both.
    pub fn decode_slice(&mut self, input: &mut &[u8]) -> Result<Option<Frame>, FrameError> {
        if matches!(self.framing, Framing::Line | Framing::Fixed) {
            // Short frames with a cheap search: collect and decode in `pending`.
            self.pending.extend_from_slice(input);
            *input = &[];
            let mut pending = std::mem::take(&mut self.pending);
            let frame = self.decode(&mut pending);
            self.pending = pending;
            return frame;
        }
        if self.framing == Framing::Raw {
            if input.is_empty() {
                return Ok(None);
            }
            let frame = self.produced(input.to_vec());
            *input = &[];
            return Ok(Some(frame));
        }
        while !self.pending.is_empty() {
            // Complete the part in progress (no more: the next frame may be whole in
            // `input`), then let `decode` read it from `pending`.
            let part = match self.state {
                State::Head => PREFIX_LEN,
                State::JsonHeader { len } | State::Body { len, .. } => len,
            };
            let (now, later) =
                input.split_at(part.saturating_sub(self.pending.len()).min(input.len()));
            self.pending.extend_from_slice(now);
            *input = later;
            if self.pending.len() < part {
                return Ok(None);
            }
            let mut pending = std::mem::take(&mut self.pending);
            let frame = self.decode(&mut pending);
            if let Ok(Some(_)) = frame {
                // The body was all `pending` held: nothing is left to read in it.
                pending.clear();
                self.read = 0;
            }
            self.pending = pending;
            if let Some(frame) = frame? {
                return Ok(Some(frame));
            }
        }
        let step = self.step(input);
        // Header bytes `step` read (and, on `Err`, the bytes before the offending ones).
        *input = &input[std::mem::take(&mut self.read)..];
        match step? {
            Some(range) => {
                let body = input[range.clone()].to_vec();
                *input = &input[range.end..];
                Ok(Some(self.produced(body)))
            }
            None => {
                if let State::Body { len, .. } = self.state {
                    self.pending.reserve(len.min(RESERVE_MAX));
                }
                self.pending.extend_from_slice(input);
                *input = &[];
                Ok(None)
            }
        }
    }

    /// [`decode_eof`](Decoder::decode_eof) for [`decode_slice`](Decoder::decode_slice):
    /// `Ok(None)` if no frame is in progress, else `Err(Truncated{..})`.
    pub fn decode_slice_eof(&mut self) -> Result<Option<Frame>, FrameError> {
        let mut pending = std::mem::take(&mut self.pending);
        let result = self.decode_eof(&mut pending);
        self.pending = pending;
        result
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
        let frame = self.frames.saturating_add(1);
        match self.framing {
            _ if buf.is_empty() && self.state == State::Head => return Ok(None),
            Framing::Line => return Err(FrameError::UnterminatedLine { frame, got: have }),
            Framing::Fixed => {
                let expected = self.record_size as u64;
                return Err(FrameError::Truncated {
                    frame,
                    got: have,
                    expected,
                });
            }
            _ => {}
        }
        let (got, expected) = match self.state {
            State::Head if buf.is_empty() => return Ok(None),
            State::Head => (have, PREFIX_LEN as u64),
            State::JsonHeader { len } => {
                let prefix = PREFIX_LEN as u64;
                (prefix + have, prefix + len as u64)
            }
            State::Body {
                len, header_len, ..
            } => {
                let header_len = header_len as u64;
                (header_len + have, header_len + len as u64)
            }
        };
        Err(FrameError::Truncated {
            frame: self.frames.saturating_add(1),
            got,
            expected,
        })
    }

    /// The bytes of `buf` not decoded yet. After an `Ok(Some(_))` they are the start of
    /// the next frame: the front of `buf` may still hold decoded bytes until the next
    /// `Ok(None)`, so `buf` itself is not.
    pub fn unread<'a>(&self, buf: &'a [u8]) -> &'a [u8] {
        buf.get(self.read..).unwrap_or_default()
    }

    /// How many frames it has produced so far.
    pub fn frames(&self) -> u32 {
        self.frames
    }

    fn produced(&mut self, body: Vec<u8>) -> Frame {
        self.frames = self.frames.saturating_add(1);
        Frame {
            body,
            header: self.checked.take(),
        }
    }
}

/// A line longer than `max_frame` (its length is not known yet: reported as one more).
fn too_long(max: u32) -> FrameError {
    FrameError::FrameTooLarge {
        len: u64::from(max) + 1,
        max,
    }
}

#[cfg(test)]
mod tests {
    //! Bodies large enough to be handed over rather than copied; every chunking.
    use super::*;
    use crate::framing::encode;

    fn params() -> Params {
        Params {
            framing: Framing::LengthPrefix,
            ..Params::default()
        }
    }

    /// Feeds `wire` in chunks of `size`; every frame body.
    fn decode_in(p: &Params, wire: &[u8], size: usize) -> Vec<Vec<u8>> {
        let mut dec = Decoder::new(p);
        let mut buf = Vec::new();
        let mut out = Vec::new();
        for chunk in wire.chunks(size) {
            buf.extend_from_slice(chunk);
            while let Some(f) = dec.decode(&mut buf).unwrap() {
                out.push(f.body);
            }
        }
        assert_eq!(dec.decode_eof(&mut buf), Ok(None));
        out
    }

    /// The same with `decode_slice`: every frame, or the first error.
    fn decode_slices(p: &Params, wire: &[u8], size: usize) -> Result<Vec<Vec<u8>>, FrameError> {
        let mut dec = Decoder::new(p);
        let mut out = Vec::new();
        for mut chunk in wire.chunks(size) {
            while let Some(f) = dec.decode_slice(&mut chunk)? {
                out.push(f.body);
            }
            assert!(chunk.is_empty(), "Ok(None) leaves nothing in input");
        }
        if let Some(f) = dec.decode_slice_eof()? {
            out.push(f.body);
        }
        Ok(out)
    }

    fn bodies(sizes: &[usize]) -> Vec<Vec<u8>> {
        sizes
            .iter()
            .enumerate()
            .map(|(i, &n)| (0..n).map(|j| (i * 7 + j) as u8).collect())
            .collect()
    }

    #[test]
    fn large_bodies_round_trip_at_every_chunk_size() {
        let messages = bodies(&[5000, 1, 1024, 1023, 70_000, 0, 3, 4096, 2048]);
        for p in [
            params(),
            Params {
                framing: Framing::JsonHeader,
                ..Params::default()
            },
        ] {
            let wire: Vec<u8> = messages
                .iter()
                .flat_map(|m| encode(&p, m).concat())
                .collect();
            for size in [1, 3, 4, 5, 100, 1000, 1024, 1028, 4097, 65_536, wire.len()] {
                assert_eq!(decode_in(&p, &wire, size), messages, "chunks of {size}");
                assert_eq!(decode_slices(&p, &wire, size), Ok(messages.clone()));
            }
        }
    }

    #[test]
    fn a_handed_over_body_leaves_the_next_frame_in_buf() {
        let p = params();
        let messages = bodies(&[3000, 10]);
        let wire: Vec<u8> = messages
            .iter()
            .flat_map(|m| encode(&p, m).concat())
            .collect();
        let mut dec = Decoder::new(&p);
        // The first body arrives over two calls; the second call also brings frame 2.
        let mut buf = wire[..1000].to_vec();
        assert_eq!(dec.decode(&mut buf), Ok(None));
        assert_eq!(buf.len(), 996, "the prefix is consumed");
        assert!(buf.capacity() >= 3000, "room reserved for the whole body");
        buf.extend_from_slice(&wire[1000..]);
        let first = dec.decode(&mut buf).unwrap().unwrap();
        assert_eq!(first.body, messages[0]);
        assert_eq!(
            buf,
            encode(&p, &messages[1]).concat(),
            "only frame 2 is left"
        );
        assert_eq!(dec.decode(&mut buf).unwrap().unwrap().body, messages[1]);
        assert_eq!(dec.decode(&mut buf), Ok(None));
        assert!(buf.is_empty());
    }

    #[test]
    fn a_claimed_length_reserves_at_most_64_kib() {
        let p = params();
        let mut dec = Decoder::new(&p);
        let mut buf = encode(&p, &vec![0; 8 * 1024 * 1024]).concat()[..5].to_vec();
        assert_eq!(dec.decode(&mut buf), Ok(None));
        assert!(buf.capacity() <= RESERVE_MAX + 1, "{}", buf.capacity());
    }

    #[test]
    fn decode_slice_errors_and_truncation_match_decode() {
        let p = Params {
            max_frame: 2000,
            ..params()
        };
        let ok = encode(&p, &[7; 1500]).concat();
        let mut too_large = ok.clone();
        too_large.extend(encode(&p, &[8; 2001]).concat());
        for wire in [ok[..ok.len() - 1].to_vec(), ok[..2].to_vec(), too_large] {
            for size in [1, 2, 4, 5, 700, 5000] {
                let mut dec = Decoder::new(&p);
                let mut buf = Vec::new();
                let mut want = Ok(Vec::new());
                for chunk in wire.chunks(size) {
                    buf.extend_from_slice(chunk);
                    loop {
                        match dec.decode(&mut buf) {
                            Ok(Some(f)) => want.as_mut().unwrap().push(f.body),
                            Ok(None) => break,
                            Err(e) => want = Err(e),
                        }
                        if want.is_err() {
                            break;
                        }
                    }
                    if want.is_err() {
                        break;
                    }
                }
                if want.is_ok()
                    && let Err(e) = dec.decode_eof(&mut buf)
                {
                    want = Err(e);
                }
                assert!(want.is_err(), "each wire is broken");
                assert_eq!(decode_slices(&p, &wire, size), want, "chunks of {size}");
            }
        }
    }
}

//! The application's receive loop for one `recv_message(bufsize)`, sans-IO: it issues
//! `recv(n)` calls one at a time and is fed what each returned.

use super::error::FrameError;
use super::header::{self, PREFIX_LEN, ParsedHeader, SizeField};
use super::line;
use super::{Frame, JsonHeader};
use crate::params::{ByteOrder, DecoderKind, Framing, Params};

/// What the receive loop does next.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ReadStep {
    /// Issue `recv(n)` and [`Reader::feed`] what it returned.
    Recv(usize),
    /// The message this call returns (final).
    Message(Frame),
    /// The peer closed before the message started (final).
    Eof,
    /// The stream is corrupt or cut off, or the tutorial's program crashed (final).
    Error(FrameError),
}

/// The application's receive loop for ONE `recv_message(bufsize)` call, sans-IO: it says
/// which `recv(n)` to issue next and is fed what that recv returned (empty slice = EOF).
///
/// With [`DecoderKind::Correct`] it reads exactly one frame, never a byte past it. With
/// [`DecoderKind::Tutorial`] it runs the tutorial's Python loops, flaws included.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reader {
    byte_order: ByteOrder,
    max_frame: u32,
    max_header: u32,
    /// `line`: the delimiter and whether bodies are escaped.
    delimiter: &'static [u8],
    escape: bool,
    /// `fixed`: the record size.
    record_size: usize,
    /// `line`: bytes received past the message, for the next `recv_message`.
    carry: Vec<u8>,
    bufsize: usize,
    frame: u32,
    received: u64,
    /// The `n` of the `Recv(n)` handed out and not fed yet.
    awaiting: Option<usize>,
    state: State,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum State {
    /// One `recv(bufsize)`, taken as the message.
    Raw,
    /// Correct: `recv(4 - have)` until the prefix is whole.
    Prefix {
        json: bool,
        have: Vec<u8>,
    },
    /// Correct: `recv(min(bufsize, remaining))` until the JSON header is whole.
    Header {
        len: usize,
        have: Vec<u8>,
    },
    /// Correct: `recv(min(bufsize, remaining))` until the body is whole.
    Body {
        len: usize,
        header_len: u64,
        header: Option<ParsedHeader>,
        body: Vec<u8>,
    },
    /// Tutorial: `header = recv(4)`, one call.
    TutPrefix {
        json: bool,
    },
    /// Tutorial 方案二: `header_bytes = recv(header_size)`, one call.
    TutHeader {
        len: usize,
    },
    /// Tutorial: `while recv_size < total_size: res += recv(bufsize)`.
    TutBody {
        total: usize,
        header_len: u64,
        header: Option<JsonHeader>,
        res: Vec<u8>,
    },
    /// Tutorial upload server: `while filesize: ... recv(buffer) ... filesize -= buffer`.
    TutUpload {
        filesize: usize,
        header: JsonHeader,
        written: Vec<u8>,
    },
    /// `line`, correct (`makefile().readline()`): `recv(bufsize)` into `buf` until it
    /// holds the delimiter; the bytes after it are kept for the next call.
    Line {
        buf: Vec<u8>,
        /// How far `buf` is known to hold no delimiter start.
        scanned: usize,
    },
    /// `line`, tutorial: `data = recv(bufsize)`, then each piece of `data.split(delim)`
    /// is a message, the last one too even if its delimiter has not come yet.
    TutLine {
        pieces: Vec<u8>,
    },
    /// `fixed`, correct: `recv(min(bufsize, remaining))` until the record is whole.
    Record {
        have: Vec<u8>,
    },
    /// `fixed`, tutorial: one `recv(record_size)` is the record.
    TutRecord,
    Done(ReadStep),
}

impl Reader {
    /// `frame` is the 1-based number of the message being read (for error texts).
    ///
    /// A `bufsize` of 0 is read as 1: Python's `recv(0)` returns `b''` at once, which
    /// would look like EOF, and a framed loop would never progress.
    pub fn new(params: &Params, bufsize: usize, frame: u32) -> Reader {
        let tutorial = params.decoder == DecoderKind::Tutorial;
        let json = params.framing == Framing::JsonHeader;
        let state = match params.framing {
            Framing::Raw => State::Raw,
            Framing::Line if tutorial => State::TutLine { pieces: Vec::new() },
            Framing::Line => State::Line {
                buf: Vec::new(),
                scanned: 0,
            },
            Framing::Fixed if tutorial => State::TutRecord,
            Framing::Fixed => State::Record { have: Vec::new() },
            _ if tutorial => State::TutPrefix { json },
            _ => State::Prefix {
                json,
                have: Vec::with_capacity(PREFIX_LEN),
            },
        };
        Reader {
            byte_order: params.byte_order,
            max_frame: params.max_frame,
            max_header: params.max_header,
            delimiter: params.delimiter.bytes(),
            escape: params.escape,
            record_size: params.record_size.max(1) as usize,
            carry: Vec::new(),
            bufsize: bufsize.max(1),
            frame,
            received: 0,
            awaiting: None,
            state,
        }
    }

    /// `line` framing: the bytes the previous `recv_message` received past its message
    /// (readline's buffer, or the rest of the tutorial's `data.split()`), read before any
    /// new `recv`. Other framings never leave any.
    pub fn with_carry(mut self, carry: Vec<u8>) -> Reader {
        match &mut self.state {
            State::Line { buf, .. } => *buf = carry,
            State::TutLine { pieces } => *pieces = carry,
            _ => {}
        }
        self
    }

    /// After the final step: the bytes this call received past its message, for the next
    /// call's [`with_carry`](Reader::with_carry).
    pub fn take_carry(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.carry)
    }

    /// Call again after each feed; `Message`/`Eof`/`Error` are final (and repeat).
    // A step of a state machine, not an iterator: it never runs out.
    #[allow(clippy::should_implement_trait)]
    pub fn next(&mut self) -> ReadStep {
        if let Some(n) = self.awaiting {
            return ReadStep::Recv(n);
        }
        let step = self.poll();
        match &step {
            ReadStep::Recv(n) => self.awaiting = Some(*n),
            done => self.state = State::Done(done.clone()),
        }
        step
    }

    /// Exactly what the last `Recv(n)` returned (`len <= n`; empty = EOF).
    ///
    /// # Panics
    /// If no `Recv` is pending or `data` is longer than asked for: a caller bug.
    pub fn feed(&mut self, data: &[u8]) {
        let n = self
            .awaiting
            .take()
            .expect("Reader::feed called without a pending Recv");
        assert!(
            data.len() <= n,
            "recv({n}) cannot return {} bytes",
            data.len()
        );
        self.received += data.len() as u64;
        let eof = data.is_empty();
        let state = std::mem::replace(&mut self.state, State::Raw);
        self.state = match state {
            State::Raw if eof => State::Done(ReadStep::Eof),
            State::Raw => State::Done(ReadStep::Message(Frame {
                body: data.to_vec(),
                header: None,
            })),
            State::Prefix { .. } if eof && self.received == 0 => State::Done(ReadStep::Eof),
            State::Prefix { .. } if eof => self.truncated(PREFIX_LEN as u64),
            State::Prefix { json, mut have } => {
                have.extend_from_slice(data);
                match header::peek_prefix(&have) {
                    Some(prefix) => self.after_prefix(json, prefix),
                    None => State::Prefix { json, have },
                }
            }
            State::Header { len, .. } if eof => self.truncated((PREFIX_LEN + len) as u64),
            State::Header { len, mut have } => {
                have.extend_from_slice(data);
                State::Header { len, have }
            }
            State::Body {
                len, header_len, ..
            } if eof => self.truncated(header_len + len as u64),
            State::Body {
                len,
                header_len,
                header,
                mut body,
            } => {
                body.extend_from_slice(data);
                State::Body {
                    len,
                    header_len,
                    header,
                    body,
                }
            }
            // `recv` returned b'': the tutorial's client reads it as the end.
            State::TutPrefix { .. } if eof => State::Done(ReadStep::Eof),
            State::TutPrefix { json } => match header::peek_prefix(data) {
                Some(prefix) => self.after_tut_prefix(json, prefix),
                None => error(FrameError::ShortHeader { got: data.len() }),
            },
            // `json.loads` of whatever that one recv returned, partial or empty.
            State::TutHeader { .. } => self.after_tut_header(data),
            // Python would spin forever on b''; we stop and say why.
            State::TutBody {
                total, header_len, ..
            } if eof => self.truncated(header_len + total as u64),
            State::TutBody {
                total,
                header_len,
                header,
                mut res,
            } => {
                res.extend_from_slice(data);
                State::TutBody {
                    total,
                    header_len,
                    header,
                    res,
                }
            }
            State::TutUpload {
                filesize,
                header,
                mut written,
            } => {
                written.extend_from_slice(data);
                // The flaw: it subtracts `buffer`, not `len(content)`. An empty recv just
                // goes round again, as in Python (the loop ends since filesize shrinks).
                // `filesize -= buffer` when it fits, else `break`: both end at 0.
                let filesize = filesize.saturating_sub(self.bufsize);
                State::TutUpload {
                    filesize,
                    header,
                    written,
                }
            }
            State::Line { buf, .. } if eof && buf.is_empty() => State::Done(ReadStep::Eof),
            State::Line { buf, .. } if eof => error(FrameError::UnterminatedLine {
                frame: self.frame,
                got: buf.len() as u64,
            }),
            State::Line { mut buf, scanned } => {
                buf.extend_from_slice(data);
                State::Line { buf, scanned }
            }
            State::TutLine { .. } if eof => State::Done(ReadStep::Eof),
            State::TutLine { .. } => State::TutLine {
                pieces: data.to_vec(),
            },
            State::Record { .. } if eof && self.received == 0 => State::Done(ReadStep::Eof),
            State::Record { .. } if eof => self.truncated(self.record_size as u64),
            State::Record { mut have } => {
                have.extend_from_slice(data);
                State::Record { have }
            }
            State::TutRecord if eof => State::Done(ReadStep::Eof),
            // A short recv is taken as the whole record: the flaw.
            State::TutRecord => State::Done(ReadStep::Message(Frame {
                body: line::unpad(data),
                header: None,
            })),
            State::Done(_) => unreachable!("a pending Recv in a final state"),
        };
    }

    /// Bytes the loop has received so far in this call (for "closed after 12 of 1029
    /// bytes").
    pub fn received(&self) -> u64 {
        self.received
    }

    /// The next step, resolving every transition that needs no recv.
    fn poll(&mut self) -> ReadStep {
        loop {
            let next = match &mut self.state {
                State::Done(step) => return step.clone(),
                State::Raw => return ReadStep::Recv(self.bufsize),
                State::Prefix { have, .. } => return ReadStep::Recv(PREFIX_LEN - have.len()),
                State::TutPrefix { .. } => return ReadStep::Recv(PREFIX_LEN),
                State::Header { len, have } if have.len() < *len => {
                    return ReadStep::Recv(self.bufsize.min(*len - have.len()));
                }
                State::Header { len, have } => {
                    match header::parse_json_header(have, self.max_frame) {
                        Ok(parsed) => State::Body {
                            len: parsed.size,
                            header_len: (PREFIX_LEN + *len) as u64,
                            header: Some(parsed),
                            body: Vec::new(),
                        },
                        Err(e) => error(e),
                    }
                }
                State::Body { len, body, .. } if body.len() < *len => {
                    return ReadStep::Recv(self.bufsize.min(*len - body.len()));
                }
                State::Body { header, body, .. } => {
                    let body = std::mem::take(body);
                    match header.as_ref().map(|h| h.verify(&body)).transpose() {
                        Ok(header) => State::Done(ReadStep::Message(Frame { body, header })),
                        Err(e) => error(e),
                    }
                }
                // recv(0) returns b'' at once in Python; skip it, json.loads('') fails.
                State::TutHeader { len: 0 } => self.after_tut_header(&[]),
                State::TutHeader { len } => return ReadStep::Recv(*len),
                State::TutBody { total, res, .. } if res.len() < *total => {
                    return ReadStep::Recv(self.bufsize);
                }
                State::TutBody { header, res, .. } => State::Done(ReadStep::Message(Frame {
                    body: std::mem::take(res),
                    header: header.take(),
                })),
                State::TutUpload {
                    filesize: 0,
                    header,
                    written,
                } => State::Done(ReadStep::Message(Frame {
                    body: std::mem::take(written),
                    header: Some(header.clone()),
                })),
                State::TutUpload { .. } => return ReadStep::Recv(self.bufsize),
                State::Line { buf, scanned } => {
                    let max = self.max_frame as usize;
                    match line::find(buf, *scanned, self.delimiter) {
                        Some(end) if end <= max => {
                            self.carry = buf.split_off(end + self.delimiter.len());
                            buf.truncate(end);
                            let line = std::mem::take(buf);
                            self.line_message(line)
                        }
                        Some(_) => too_long(self.max_frame),
                        None if line::resume_at(buf, self.delimiter) > max => {
                            too_long(self.max_frame)
                        }
                        None => {
                            *scanned = line::resume_at(buf, self.delimiter);
                            return ReadStep::Recv(self.bufsize);
                        }
                    }
                }
                State::TutLine { pieces } if pieces.is_empty() => {
                    return ReadStep::Recv(self.bufsize);
                }
                State::TutLine { pieces } => {
                    // Python: `for line in data.split(b'\n')`. A piece with no delimiter
                    // after it is taken as a message too: half a line becomes two.
                    let mut piece = std::mem::take(pieces);
                    if let Some(end) = line::find(&piece, 0, self.delimiter) {
                        self.carry = piece.split_off(end + self.delimiter.len());
                        piece.truncate(end);
                    }
                    self.line_message(piece)
                }
                State::Record { have } if have.len() < self.record_size => {
                    let n = self.bufsize.min(self.record_size - have.len());
                    return ReadStep::Recv(n);
                }
                State::Record { have } => State::Done(ReadStep::Message(Frame {
                    body: line::unpad(have),
                    header: None,
                })),
                State::TutRecord => return ReadStep::Recv(self.record_size),
            };
            self.state = next;
        }
    }

    fn after_prefix(&self, json: bool, prefix: [u8; PREFIX_LEN]) -> State {
        let value = header::unpack(prefix, self.byte_order);
        let next = if json {
            header::header_len(value, self.max_header).map(|len| State::Header {
                len,
                have: Vec::new(),
            })
        } else {
            header::body_len(value, self.max_frame).map(|len| State::Body {
                len,
                header_len: PREFIX_LEN as u64,
                header: None,
                body: Vec::new(),
            })
        };
        next.unwrap_or_else(error)
    }

    fn after_tut_prefix(&self, json: bool, prefix: [u8; PREFIX_LEN]) -> State {
        let value = header::unpack(prefix, self.byte_order);
        if json {
            // Python's recv(negative) raises too; our guard says why.
            return match header::header_len(value, self.max_header) {
                Ok(len) => State::TutHeader { len },
                Err(e) => error(e),
            };
        }
        if value < 0 {
            // `while recv_size < total_size` never runs: an empty message.
            return State::Done(ReadStep::Message(Frame {
                body: Vec::new(),
                header: None,
            }));
        }
        match header::body_len(value, self.max_frame) {
            Ok(total) => State::TutBody {
                total,
                header_len: PREFIX_LEN as u64,
                header: None,
                res: Vec::new(),
            },
            Err(e) => error(e),
        }
    }

    fn after_tut_header(&self, bytes: &[u8]) -> State {
        let parsed = match header::parse_json_header(bytes, self.max_frame) {
            Ok(parsed) => parsed,
            Err(e) => return error(e),
        };
        let header = parsed.unchecked();
        match parsed.size_field {
            SizeField::TotalSize => State::TutBody {
                total: parsed.size,
                header_len: (PREFIX_LEN + bytes.len()) as u64,
                header: Some(header),
                res: Vec::new(),
            },
            SizeField::FileSize => State::TutUpload {
                filesize: parsed.size,
                header,
                written: Vec::new(),
            },
        }
    }

    /// A line's message: unescaped if the framing escapes.
    fn line_message(&self, line: Vec<u8>) -> State {
        let body = if self.escape {
            line::unescape(&line, self.frame)
        } else {
            Ok(line)
        };
        match body {
            Ok(body) => State::Done(ReadStep::Message(Frame { body, header: None })),
            Err(e) => error(e),
        }
    }

    fn truncated(&self, expected: u64) -> State {
        error(FrameError::Truncated {
            frame: self.frame,
            got: self.received,
            expected,
        })
    }
}

fn error(e: FrameError) -> State {
    State::Done(ReadStep::Error(e))
}

/// A line longer than `max_frame`, as the [`super::Decoder`] reports it.
fn too_long(max: u32) -> State {
    error(FrameError::FrameTooLarge {
        len: u64::from(max) + 1,
        max,
    })
}

#[cfg(test)]
impl Reader {
    /// Bytes reserved for the message so far (the allocation guard's witness).
    pub(super) fn buffered_capacity(&self) -> usize {
        match &self.state {
            State::Prefix { have, .. } | State::Header { have, .. } => have.capacity(),
            State::Body { body, .. } => body.capacity(),
            State::TutBody { res, .. } => res.capacity(),
            State::TutUpload { written, .. } => written.capacity(),
            State::Line { buf, .. } => buf.capacity(),
            State::TutLine { pieces } => pieces.capacity(),
            State::Record { have } => have.capacity(),
            _ => 0,
        }
    }
}

//! Why a byte stream is not a valid sequence of frames.

use std::fmt;

use thiserror::Error;

/// Which 4-byte length prefix a [`FrameError::NegativeLength`] was read from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LengthOf {
    /// The body length of a length-prefix frame.
    Body,
    /// The JSON header length of a json-header frame.
    Header,
}

impl fmt::Display for LengthOf {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            LengthOf::Body => "body",
            LengthOf::Header => "JSON header",
        })
    }
}

/// A corrupt, hostile or cut-off stream. Once a decoder returns one, the stream's frame
/// boundaries are lost: the connection should be dropped.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum FrameError {
    /// The 4-byte prefix (`struct 'i'`, signed) holds a negative length.
    #[error("negative {what} length {value} in the 4-byte prefix")]
    NegativeLength { what: LengthOf, value: i32 },
    /// The body length is over `max_frame`; refused before allocating anything.
    #[error("frame body of {len} bytes is over max_frame ({max} bytes)")]
    FrameTooLarge { len: u64, max: u32 },
    /// The JSON header length is over `max_header`; refused before allocating anything.
    #[error("JSON header of {len} bytes is over max_header ({max} bytes)")]
    HeaderTooLarge { len: u64, max: u32 },
    /// The JSON header bytes are not UTF-8 (Python's `.decode('utf-8')` would raise).
    #[error("JSON header is not UTF-8 (invalid byte at offset {at})")]
    HeaderNotUtf8 { at: usize },
    /// The JSON header is not a JSON object (`json.loads` would raise, or gave no dict).
    #[error("JSON header is malformed: {detail}")]
    BadJson { detail: String },
    /// The JSON header has neither `total_size` nor `filesize`.
    #[error("JSON header has no size: neither \"total_size\" nor \"filesize\"")]
    MissingSize,
    /// The size field is not an integer from 0 to `max_frame` (`value` is its JSON text).
    #[error(
        "JSON header field \"{field}\" is {value}, not a byte count from 0 to max_frame ({max})"
    )]
    BadSize {
        field: &'static str,
        value: String,
        max: u32,
    },
    /// The header's 32-hex-digit md5 is not the md5 of the body that came.
    #[error("md5 mismatch: the header says {expected}, the body's md5 is {actual}")]
    Md5Mismatch { expected: String, actual: String },
    /// The peer closed in the middle of a frame. `got` and `expected` count header bytes
    /// too; `expected` is what the frame was known to need when the stream ended (only
    /// the header's length while the header itself is incomplete).
    #[error("peer closed after {got} of {expected} bytes of frame {frame}")]
    Truncated { frame: u32, got: u64, expected: u64 },
    /// `line` framing, the correct sender: the body holds the delimiter and `escape` is
    /// off, so the receiver would read two messages (the naive sender sends it anyway).
    #[error(
        "send_message refused: the body holds the delimiter {delimiter} at byte {at}, so the \
         receiver would split it in two; set escape = true or choose another delimiter"
    )]
    DelimiterInBody { at: usize, delimiter: &'static str },
    /// `fixed` framing, the correct sender: the body does not fit in one record (the
    /// naive sender cuts it).
    #[error(
        "send_message refused: the body is {len} bytes, longer than record_size ({record_size} bytes)"
    )]
    RecordTooLong { len: usize, record_size: u32 },
    /// `line` framing with `escape`: a backslash not followed by `\`, `n`, `r` or `0`
    /// (or at the end of the line), at byte `at` of the line.
    #[error(
        "bad escape at byte {at} of line {frame}: a backslash must be followed by \\, n, r or 0"
    )]
    BadEscape { frame: u32, at: usize },
    /// `line` framing: the peer closed in the middle of a line (no delimiter after it).
    #[error("peer closed after {got} bytes of line {frame}, before its delimiter")]
    UnterminatedLine { frame: u32, got: u64 },
    /// The tutorial's crash: `recv(4)` returned fewer than 4 bytes and `struct.unpack`
    /// raised.
    #[error("struct.error: unpack requires a buffer of 4 bytes (recv(4) returned {got})")]
    ShortHeader { got: usize },
}

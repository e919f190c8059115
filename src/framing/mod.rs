//! Framing: encoders, incremental decoders and the application's receive loops.
//!
//! TCP delivers a byte stream, not messages: one `recv` may hold two messages (粘包) or
//! half of one (拆包). A frame puts the body's length in front of it, so the receiver
//! knows where each message ends. Wire formats are exact and interoperate with the
//! tutorial's Python (`struct.pack('i', n)`, `json.dumps`).
//!
//! # `length-prefix`
//!
//! A 4-byte length, then the body. Little-endian is a signed `i32` (`struct 'i'`), so a
//! negative length is an error; big-endian is an unsigned `u32` (`struct '!I'`).
//!
//! ```text
//! INPUT: one recv() returned two glued frames (sticky)
//! +-- len: i32 LE --+-- body --+-- len: i32 LE --+-- body --+
//! |   05 00 00 00   |  hello   |   05 00 00 00   |  world   |
//! +-----------------+----------+-----------------+----------+
//!
//! DECODED
//! +-- body --+  +-- body --+
//! |  hello   |  |  world   |
//! +----------+  +----------+
//! ```
//!
//! # `json-header`
//!
//! A 4-byte header length (same int format), a UTF-8 JSON object, then the body. The size
//! is `total_size` (方案二) or `filesize` (the upload client); a 32-hex-digit `md5` is
//! verified, any other `md5` is reported as not a checksum.
//!
//! ```text
//! INPUT
//! +- hlen: i32 LE -+---------------- JSON header (0x53 = 83 bytes) ----------------+- body -+
//! |  53 00 00 00   | {"md5": "5d41...c592", "file_name": "f1.txt", "total_size": 5} | hello  |
//! +----------------+----------------------------------------------------------------+--------+
//!
//! DECODED
//! +- body -+  header: size 5, name "f1.txt", md5 Verified
//! | hello  |
//! +--------+
//! ```
//!
//! # `line`
//!
//! The body, then the delimiter (`\n` by default). The correct reader is
//! `makefile().readline()`: it buffers what `recv` returned and cuts at the delimiter,
//! keeping the rest for the next call. The tutorial-style reader splits one `recv`'s bytes
//! at the delimiter and takes a piece without one as a whole message. A body holding the
//! delimiter is refused by the correct sender, or escaped with `escape` (see `line.rs`).
//!
//! ```text
//! INPUT: one recv() returned a line and a half
//! +- body -+ 0a +-- body --+ 0a +- bo
//! | hello  | \n | world    | \n | wo
//! +--------+----+----------+----+----
//! DECODED (correct): hello, world; "wo" waits for the rest of its line
//! ```
//!
//! # `fixed`
//!
//! Every message is `record_size` bytes: the body, then NUL padding. The correct reader
//! reads exactly `record_size` bytes and strips the trailing NULs; the tutorial-style one
//! takes whatever one `recv(record_size)` returned as a record.
//!
//! ```text
//! +-------- record_size = 8 --------+-------- record_size = 8 --------+
//! | h  e  l  l  o  00 00 00         | w  o  r  l  d  00 00 00         |
//! +---------------------------------+---------------------------------+
//! ```
//!
//! # `raw`
//!
//! No frame: whatever one `recv` returned is "the message" (the naive program).
//!
//! # Pieces
//!
//! [`encode`] gives the bytes of one message, split into `send()` calls per
//! `header_writes`. [`Decoder`] turns any chunking of the stream back into frames, for
//! traces and tests. [`Reader`] is the receiving *program*: the `recv(n)` calls of one
//! `recv_message(bufsize)`, either correct or the tutorial's loops with their flaws.

mod decoder;
mod encode;
mod error;
pub(crate) mod header;
mod line;
mod reader;

pub use decoder::Decoder;
pub use encode::{Encoded, encode, send_frame};
pub use error::{FrameError, LengthOf};
pub use reader::{ReadStep, Reader};

/// One decoded message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Frame {
    pub body: Vec<u8>,
    /// The JSON header, for json-header framing.
    pub header: Option<JsonHeader>,
}

/// A JSON header as it was received.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JsonHeader {
    /// The declared body size (`total_size` or `filesize`).
    pub size: u64,
    /// `file_name` or `filename`, if a string. Display only: never used as a path.
    pub name: Option<String>,
    pub md5: Md5Check,
    /// The JSON text.
    pub raw: String,
}

/// What became of the header's `md5`. A mismatch is an error
/// ([`FrameError::Md5Mismatch`]), not a variant here.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Md5Check {
    /// The header has no `md5`.
    Absent,
    /// 32 hex digits, equal to the md5 of the body.
    Verified,
    /// Not 32 hex digits (the tutorial sends the constant `'fdsaf2143254f'`): not
    /// verified. Holds the string, or the JSON text of a non-string value.
    NotAChecksum(String),
    /// 32 hex digits the tutorial decoder did not verify (the tutorial never checks md5).
    Unchecked(String),
}

impl std::fmt::Display for Md5Check {
    /// `verified`, `absent`, `not a checksum: fdsaf2143254f`, `unchecked: …`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Md5Check::Absent => write!(f, "absent"),
            Md5Check::Verified => write!(f, "verified"),
            Md5Check::NotAChecksum(v) => write!(f, "not a checksum: {v}"),
            Md5Check::Unchecked(v) => write!(f, "unchecked: {v}"),
        }
    }
}

#[cfg(test)]
mod line_tests;
#[cfg(test)]
mod tests;

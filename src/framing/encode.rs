//! The sender's side: a body becomes the bytes of one or more `send()` calls.

use std::fmt::Write as _;

use super::error::FrameError;
use super::header::{PREFIX_LEN, md5_hex};
use super::line;
use crate::params::{ByteOrder, DecoderKind, Framing, HeaderStyle, HeaderWrites, Params};

/// The bytes of one `send_message`, split into the `send()` calls that write them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Encoded {
    /// One entry per `send()` call, in order; never an empty entry.
    pub pieces: Vec<Vec<u8>>,
    /// Bytes in front of the body (length prefix, JSON header length, JSON header).
    pub header_len: usize,
    /// Frame bytes after the body: `line`'s delimiter, `fixed`'s padding.
    pub trailer_len: usize,
    /// Bytes the escape added inside the body (`line` with `escape`).
    pub escapes: usize,
}

impl Encoded {
    /// All bytes, as they appear on the stream.
    pub fn concat(&self) -> Vec<u8> {
        self.pieces.concat()
    }
}

/// The tutorial's 方案二 file name.
const COMMAND_FILE_NAME: &str = "f1.txt";
/// The tutorial's upload client: `r'C:\Users\Aaron\Desktop\新建文件夹'`.
const UPLOAD_FILE_PATH: &str = r"C:\Users\Aaron\Desktop\新建文件夹";
const UPLOAD_FILE_NAME: &str = "config";

/// Frame `body` per params.framing / header_writes / byte_order / header_style /
/// delimiter / escape / record_size, unchecked: a `line` body holding the delimiter is
/// sent as it is (the receiver reads two lines) and a `fixed` body longer than a record is
/// cut. [`send_frame`] is what a program's `send_message` does.
///
/// A body too long for the 4-byte prefix (over `i32::MAX`, or `u32::MAX` big-endian)
/// gets a saturated length, which any decoder with a sane `max_frame` rejects.
pub fn encode(params: &Params, body: &[u8]) -> Encoded {
    let mut escapes = 0;
    let mut wire_body = std::borrow::Cow::Borrowed(body);
    let mut trailer = Vec::new();
    let header: Vec<Vec<u8>> = match params.framing {
        Framing::Raw => Vec::new(),
        Framing::LengthPrefix => vec![pack(body.len(), params.byte_order).to_vec()],
        Framing::JsonHeader => {
            let json = json_header(params.header_style, body).into_bytes();
            vec![pack(json.len(), params.byte_order).to_vec(), json]
        }
        Framing::Line => {
            let delim = params.delimiter.bytes();
            if params.escape {
                let e = line::escape(body, delim);
                escapes = e.len() - body.len();
                wire_body = e.into();
            }
            trailer = delim.to_vec();
            Vec::new()
        }
        Framing::Fixed => {
            let size = params.record_size as usize;
            let kept = body.len().min(size);
            wire_body = std::borrow::Cow::Borrowed(&body[..kept]);
            trailer = vec![0; size - kept];
            Vec::new()
        }
    };
    let header_len = header.iter().map(Vec::len).sum();
    let trailer_len = trailer.len();
    let pieces = match params.header_writes {
        HeaderWrites::Combined => {
            let mut all = Vec::with_capacity(header_len + wire_body.len() + trailer_len);
            header.iter().for_each(|h| all.extend_from_slice(h));
            all.extend_from_slice(&wire_body);
            all.extend_from_slice(&trailer);
            vec![all]
        }
        HeaderWrites::Separate => {
            let mut pieces = header;
            pieces.push(wire_body.into_owned());
            pieces.push(trailer);
            pieces
        }
    };
    Encoded {
        pieces: pieces.into_iter().filter(|p| !p.is_empty()).collect(),
        header_len,
        trailer_len,
        escapes,
    }
}

/// What `send_message(body)` does. The correct program (`decoder = "correct"`) refuses a
/// body it cannot frame: a `line` body holding the delimiter without `escape`, a `fixed`
/// body longer than `record_size`. The tutorial-style program sends [`encode`]'s bytes
/// anyway: the line breaks in two, the record is cut.
pub fn send_frame(params: &Params, body: &[u8]) -> Result<Encoded, FrameError> {
    if params.decoder == DecoderKind::Correct {
        match params.framing {
            Framing::Line if !params.escape => {
                if let Some(at) = line::find(body, 0, params.delimiter.bytes()) {
                    return Err(FrameError::DelimiterInBody {
                        at,
                        delimiter: params.delimiter.name(),
                    });
                }
            }
            Framing::Fixed if body.len() > params.record_size as usize => {
                return Err(FrameError::RecordTooLong {
                    len: body.len(),
                    record_size: params.record_size,
                });
            }
            _ => {}
        }
    }
    Ok(encode(params, body))
}

/// `struct.pack('i', n)` (little) or `struct.pack('!I', n)` (big).
fn pack(n: usize, order: ByteOrder) -> [u8; PREFIX_LEN] {
    match order {
        ByteOrder::Little => i32::try_from(n).unwrap_or(i32::MAX).to_le_bytes(),
        ByteOrder::Big => u32::try_from(n).unwrap_or(u32::MAX).to_be_bytes(),
    }
}

/// Exactly what `json.dumps(header_dict)` gives for the tutorial's dicts (key order as
/// written, `", "` and `": "` separators, ensure_ascii).
fn json_header(style: HeaderStyle, body: &[u8]) -> String {
    let mut out = String::from("{");
    match style {
        HeaderStyle::Command => {
            push_str_field(&mut out, "md5", &md5_hex(body));
            out.push_str(", ");
            push_str_field(&mut out, "file_name", COMMAND_FILE_NAME);
            out.push_str(", ");
            push_int_field(&mut out, "total_size", body.len());
        }
        HeaderStyle::Upload => {
            push_str_field(&mut out, "filepath", UPLOAD_FILE_PATH);
            out.push_str(", ");
            push_str_field(&mut out, "filename", UPLOAD_FILE_NAME);
            out.push_str(", ");
            push_int_field(&mut out, "filesize", body.len());
        }
    }
    out.push('}');
    out
}

fn push_str_field(out: &mut String, key: &str, value: &str) {
    push_py_str(out, key);
    out.push_str(": ");
    push_py_str(out, value);
}

fn push_int_field(out: &mut String, key: &str, value: usize) {
    push_py_str(out, key);
    let _ = write!(out, ": {value}");
}

/// A JSON string as Python's encoder writes it with `ensure_ascii=True`: printable ASCII
/// as is, the short escapes, everything else as lowercase `\uXXXX` (surrogate pairs
/// above U+FFFF).
fn push_py_str(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            ' '..='~' => out.push(c),
            _ => {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    let _ = write!(out, "\\u{unit:04x}");
                }
            }
        }
    }
    out.push('"');
}

#[cfg(test)]
pub(super) fn py_json_str(s: &str) -> String {
    let mut out = String::new();
    push_py_str(&mut out, s);
    out
}

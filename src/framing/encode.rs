//! The sender's side: a body becomes the bytes of one or more `send()` calls.

use std::fmt::Write as _;

use super::header::{PREFIX_LEN, md5_hex};
use crate::params::{ByteOrder, Framing, HeaderStyle, HeaderWrites, Params};

/// The bytes of one `send_message`, split into the `send()` calls that write them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Encoded {
    /// One entry per `send()` call, in order; never an empty entry.
    pub pieces: Vec<Vec<u8>>,
    /// Bytes in front of the body (length prefix, JSON header length, JSON header).
    pub header_len: usize,
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

/// Frame `body` per params.framing / header_writes / byte_order / header_style.
///
/// A body too long for the 4-byte prefix (over `i32::MAX`, or `u32::MAX` big-endian)
/// gets a saturated length, which any decoder with a sane `max_frame` rejects.
pub fn encode(params: &Params, body: &[u8]) -> Encoded {
    let header: Vec<Vec<u8>> = match params.framing {
        Framing::Raw => Vec::new(),
        Framing::LengthPrefix => vec![pack(body.len(), params.byte_order).to_vec()],
        Framing::JsonHeader => {
            let json = json_header(params.header_style, body).into_bytes();
            vec![pack(json.len(), params.byte_order).to_vec(), json]
        }
    };
    let header_len = header.iter().map(Vec::len).sum();
    let pieces = match params.header_writes {
        HeaderWrites::Combined => {
            let mut all = Vec::with_capacity(header_len + body.len());
            header.iter().for_each(|h| all.extend_from_slice(h));
            all.extend_from_slice(body);
            vec![all]
        }
        HeaderWrites::Separate => {
            let mut pieces = header;
            pieces.push(body.to_vec());
            pieces
        }
    };
    Encoded {
        pieces: pieces.into_iter().filter(|p| !p.is_empty()).collect(),
        header_len,
    }
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

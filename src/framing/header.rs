//! Header parsing and size guards, shared by [`Decoder`](super::Decoder) and
//! [`Reader`](super::Reader) so both reject the same streams with the same errors.

use md5::{Digest, Md5};
use serde_json::Value;

use super::error::{FrameError, LengthOf};
use super::{JsonHeader, Md5Check};
use crate::params::ByteOrder;

/// Bytes in a length prefix (`struct.calcsize('i')`).
pub(crate) const PREFIX_LEN: usize = 4;

/// The prefix as Python's `struct.unpack` reads it: `'i'` (signed) for little-endian,
/// `'!I'` (unsigned) for big-endian. i64 holds both.
pub(crate) fn unpack(prefix: [u8; PREFIX_LEN], order: ByteOrder) -> i64 {
    match order {
        ByteOrder::Little => i64::from(i32::from_le_bytes(prefix)),
        ByteOrder::Big => i64::from(u32::from_be_bytes(prefix)),
    }
}

/// The first 4 bytes of `buf`, if there are 4.
pub(crate) fn peek_prefix(buf: &[u8]) -> Option<[u8; PREFIX_LEN]> {
    buf.get(..PREFIX_LEN)?.try_into().ok()
}

/// Guard for a body length: checked before anything is allocated for the body.
pub(crate) fn body_len(value: i64, max_frame: u32) -> Result<usize, FrameError> {
    bounded(value, max_frame, LengthOf::Body)
}

/// Guard for a JSON header length: checked before anything is allocated for the header.
pub(crate) fn header_len(value: i64, max_header: u32) -> Result<usize, FrameError> {
    bounded(value, max_header, LengthOf::Header)
}

/// A length read off the wire, refused when negative or above `max`.
fn bounded(value: i64, max: u32, what: LengthOf) -> Result<usize, FrameError> {
    let len = u64::try_from(value).map_err(|_| FrameError::NegativeLength {
        what,
        // Only a little-endian i32 can be negative, so this never saturates.
        value: i32::try_from(value).unwrap_or(i32::MIN),
    })?;
    let too_large = match what {
        LengthOf::Body => FrameError::FrameTooLarge { len, max },
        LengthOf::Header => FrameError::HeaderTooLarge { len, max },
    };
    if len > u64::from(max) {
        return Err(too_large);
    }
    usize::try_from(len).map_err(|_| too_large)
}

/// Which spelling of the size field the header used; it picks the tutorial's loop.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum SizeField {
    /// 方案二's `total_size`.
    TotalSize,
    /// The upload client's `filesize`.
    FileSize,
}

/// What the header claims about the body's md5, before the body is here.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Md5Claim {
    Absent,
    /// Exactly 32 hex digits: verifiable.
    Hex(String),
    /// Anything else (the string itself, or the JSON text of a non-string).
    Other(String),
}

/// A JSON header that passed every check that doesn't need the body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ParsedHeader {
    pub size: usize,
    pub size_field: SizeField,
    pub name: Option<String>,
    pub md5: Md5Claim,
    pub raw: String,
}

/// Parses a complete JSON header (`bytes` is all of it, as far as the caller knows).
pub(crate) fn parse_json_header(bytes: &[u8], max_frame: u32) -> Result<ParsedHeader, FrameError> {
    let raw = std::str::from_utf8(bytes).map_err(|e| FrameError::HeaderNotUtf8 {
        at: e.valid_up_to(),
    })?;
    let value: Value = serde_json::from_str(raw).map_err(|e| FrameError::BadJson {
        detail: e.to_string(),
    })?;
    let Value::Object(map) = value else {
        return Err(FrameError::BadJson {
            detail: format!("expected a JSON object, found {}", kind(&value)),
        });
    };
    // Both spellings of the tutorial; `total_size` wins if a header has both.
    let (field, size_field, size) = [
        ("total_size", SizeField::TotalSize),
        ("filesize", SizeField::FileSize),
    ]
    .into_iter()
    .find_map(|(field, sf)| map.get(field).map(|v| (field, sf, v)))
    .ok_or(FrameError::MissingSize)?;
    let size = size
        .as_u64()
        .filter(|&n| n <= u64::from(max_frame))
        .and_then(|n| usize::try_from(n).ok())
        .ok_or_else(|| FrameError::BadSize {
            field,
            value: size.to_string(),
            max: max_frame,
        })?;
    // Non-string names are ignored: a name is display-only here, never a path.
    let name = ["file_name", "filename"]
        .into_iter()
        .find_map(|f| map.get(f).and_then(Value::as_str))
        .map(str::to_owned);
    let md5 = match map.get("md5") {
        None => Md5Claim::Absent,
        Some(Value::String(s)) if s.len() == 32 && s.bytes().all(|b| b.is_ascii_hexdigit()) => {
            Md5Claim::Hex(s.clone())
        }
        Some(Value::String(s)) => Md5Claim::Other(s.clone()),
        Some(other) => Md5Claim::Other(other.to_string()),
    };
    Ok(ParsedHeader {
        size,
        size_field,
        name,
        md5,
        raw: raw.to_owned(),
    })
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

impl ParsedHeader {
    /// The correct decoder's view: a 32-hex md5 must match the body.
    pub(crate) fn verify(&self, body: &[u8]) -> Result<JsonHeader, FrameError> {
        let md5 = match &self.md5 {
            Md5Claim::Absent => Md5Check::Absent,
            Md5Claim::Other(v) => Md5Check::NotAChecksum(v.clone()),
            Md5Claim::Hex(expected) => {
                let actual = md5_hex(body);
                if !expected.eq_ignore_ascii_case(&actual) {
                    return Err(FrameError::Md5Mismatch {
                        expected: expected.clone(),
                        actual,
                    });
                }
                Md5Check::Verified
            }
        };
        Ok(self.to_header(md5))
    }

    /// The tutorial decoder's view: it never looks at the md5.
    pub(crate) fn unchecked(&self) -> JsonHeader {
        let md5 = match &self.md5 {
            Md5Claim::Absent => Md5Check::Absent,
            Md5Claim::Other(v) => Md5Check::NotAChecksum(v.clone()),
            Md5Claim::Hex(v) => Md5Check::Unchecked(v.clone()),
        };
        self.to_header(md5)
    }

    fn to_header(&self, md5: Md5Check) -> JsonHeader {
        JsonHeader {
            size: self.size as u64,
            name: self.name.clone(),
            md5,
            raw: self.raw.clone(),
        }
    }
}

/// Lowercase hex md5, as Python's `hashlib.md5(b).hexdigest()`.
pub(crate) fn md5_hex(body: &[u8]) -> String {
    hex_digest(&Md5::digest(body))
}

/// A digest as lowercase hex (`hexdigest()`): the one formatter for every md5 shown.
pub(crate) fn hex_digest(digest: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    digest
        .iter()
        .flat_map(|b| [HEX[usize::from(b >> 4)], HEX[usize::from(b & 0xf)]])
        .map(char::from)
        .collect()
}

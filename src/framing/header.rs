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
///
/// The header is read straight into the five fields we look at ([`Fields`]); every other
/// value is still parsed (so a header is valid exactly when `serde_json` finds it so),
/// but no map of it is built. When that fails, the header is parsed again as a
/// [`Value`] for `serde_json`'s own error message: failures are rare, and one parser
/// decides what they say.
pub(crate) fn parse_json_header(bytes: &[u8], max_frame: u32) -> Result<ParsedHeader, FrameError> {
    let raw = std::str::from_utf8(bytes).map_err(|e| FrameError::HeaderNotUtf8 {
        at: e.valid_up_to(),
    })?;
    match serde_json::from_str::<Fields>(raw) {
        Ok(f) => from_fields(raw, max_frame, |key| f.get(key)),
        Err(_) => parse_as_value(raw, max_frame),
    }
}

/// The slow path: the header as a `Value` (its errors are the ones we report).
fn parse_as_value(raw: &str, max_frame: u32) -> Result<ParsedHeader, FrameError> {
    let value: Value = serde_json::from_str(raw).map_err(|e| FrameError::BadJson {
        detail: e.to_string(),
    })?;
    let Value::Object(map) = value else {
        return Err(FrameError::BadJson {
            detail: format!("expected a JSON object, found {}", kind(&value)),
        });
    };
    from_fields(raw, max_frame, |key| map.get(key))
}

/// The checks on the fields of a header object; `get` looks a key up (the last of
/// duplicate keys wins, as in `serde_json`'s map).
fn from_fields<'v>(
    raw: &str,
    max_frame: u32,
    get: impl Fn(&str) -> Option<&'v Value>,
) -> Result<ParsedHeader, FrameError> {
    // Both spellings of the tutorial; `total_size` wins if a header has both.
    let (field, size_field, size) = [
        ("total_size", SizeField::TotalSize),
        ("filesize", SizeField::FileSize),
    ]
    .into_iter()
    .find_map(|(field, sf)| get(field).map(|v| (field, sf, v)))
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
        .find_map(|f| get(f).and_then(Value::as_str))
        .map(str::to_owned);
    let md5 = match get("md5") {
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

/// The values of the keys a header is read for, each the last one given.
#[derive(Default)]
struct Fields {
    total_size: Option<Value>,
    filesize: Option<Value>,
    file_name: Option<Value>,
    filename: Option<Value>,
    md5: Option<Value>,
}

impl Fields {
    fn get(&self, key: &str) -> Option<&Value> {
        match key {
            "total_size" => self.total_size.as_ref(),
            "filesize" => self.filesize.as_ref(),
            "file_name" => self.file_name.as_ref(),
            "filename" => self.filename.as_ref(),
            "md5" => self.md5.as_ref(),
            _ => None,
        }
    }

    fn slot(&mut self, key: &str) -> Option<&mut Option<Value>> {
        match key {
            "total_size" => Some(&mut self.total_size),
            "filesize" => Some(&mut self.filesize),
            "file_name" => Some(&mut self.file_name),
            "filename" => Some(&mut self.filename),
            "md5" => Some(&mut self.md5),
            _ => None,
        }
    }
}

impl<'de> serde::Deserialize<'de> for Fields {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Fields, D::Error> {
        d.deserialize_map(FieldsVisitor)
    }
}

struct FieldsVisitor;

impl<'de> serde::de::Visitor<'de> for FieldsVisitor {
    type Value = Fields;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Fields, A::Error> {
        let mut fields = Fields::default();
        // Keys borrow from the header when they have no escapes; values of other keys
        // are parsed as fully as `Value` would, then dropped.
        while let Some(Key(key)) = map.next_key::<Key>()? {
            let value: Value = map.next_value()?;
            if let Some(slot) = key.and_then(|k| fields.slot(k)) {
                *slot = Some(value);
            }
        }
        Ok(fields)
    }
}

/// A key of a header object: one of [`Fields`]'s (without allocating), or another.
struct Key(Option<&'static str>);

impl<'de> serde::Deserialize<'de> for Key {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Key, D::Error> {
        d.deserialize_str(KeyVisitor)
    }
}

struct KeyVisitor;

impl serde::de::Visitor<'_> for KeyVisitor {
    type Value = Key;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a key")
    }

    fn visit_str<E: serde::de::Error>(self, key: &str) -> Result<Key, E> {
        const KEYS: [&str; 5] = ["total_size", "filesize", "file_name", "filename", "md5"];
        Ok(Key(KEYS.into_iter().find(|k| *k == key)))
    }
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
                // Compared as digits, so a match (the usual case) formats nothing.
                let digest = Md5::digest(body);
                if !hex_is(expected, &digest) {
                    return Err(FrameError::Md5Mismatch {
                        expected: expected.clone(),
                        actual: hex_digest(&digest),
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

/// Whether `hex` spells `digest` (either case), as `hex_digest(digest)` compared
/// ignoring case would say.
fn hex_is(hex: &str, digest: &[u8]) -> bool {
    let digit = |b: u8| char::from(b).to_digit(16);
    hex.len() == 2 * digest.len()
        && hex
            .as_bytes()
            .chunks(2)
            .zip(digest)
            .all(|(p, d)| match (digit(p[0]), digit(p[1])) {
                (Some(h), Some(l)) => h * 16 + l == u32::from(*d),
                _ => false,
            })
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The fast path must read every header as the `Value` path does: the same header
    /// or the same error.
    #[test]
    fn the_fast_path_agrees_with_the_value_path() {
        let cases: &[&str] = &[
            r#"{"cmd": "send", "total_size": 5, "md5": "5d41402abc4b2a76b9719d911017c592"}"#,
            r#"{"total_size": 5, "total_size": 7}"#,
            r#"{"filesize": 3, "filename": "a.txt", "file_name": 4}"#,
            r#"{"total_size": 5, "filesize": 9, "md5": 17}"#,
            r#"{"total\u005fsize": 5, "md\u0035": "x"}"#,
            r#"{"total_size": 5.0}"#,
            r#"{"total_size": -1}"#,
            r#"{"total_size": 99999999999}"#,
            r#"{"total_size": 5, "other": 1e400}"#,
            r#"{"total_size": 5, "other": "\ud800"}"#,
            r#"{"total_size": 5, "nested": {"a": [1, 2, {"b": null}]}}"#,
            r#"{"md5": "5D41402ABC4B2A76B9719D911017C592", "total_size": 0}"#,
            r#"{"size": 5}"#,
            r#"{}"#,
            r#"[1, 2]"#,
            r#""text""#,
            r#"{"total_size": 5,}"#,
            r#"{"total_size": 5} x"#,
            r#"{"total_size": 5"#,
            "",
        ];
        for case in cases {
            assert_eq!(
                parse_json_header(case.as_bytes(), 1 << 20),
                parse_as_value(case, 1 << 20),
                "{case}"
            );
        }
        let deep = format!(
            "{{\"total_size\": 1, \"x\": {}{}}}",
            "[".repeat(200),
            "]".repeat(200)
        );
        assert_eq!(
            parse_json_header(deep.as_bytes(), 10),
            parse_as_value(&deep, 10)
        );
        assert!(
            parse_json_header(deep.as_bytes(), 10).is_err(),
            "too deep for serde_json"
        );
    }

    #[test]
    fn hex_is_compares_digits_in_either_case() {
        let digest = Md5::digest(b"hello");
        assert!(hex_is("5d41402abc4b2a76b9719d911017c592", &digest));
        assert!(hex_is("5D41402ABC4B2A76B9719D911017C592", &digest));
        assert!(!hex_is("5d41402abc4b2a76b9719d911017c593", &digest));
        assert!(!hex_is("5d41402abc4b2a76b9719d911017c59", &digest));
        assert!(!hex_is("5d41402abc4b2a76b9719d911017c5g2", &digest));
        assert_eq!(hex_digest(&digest), md5_hex(b"hello"));
    }
}

//! The pieces `line` and `fixed` framing share between sender and readers: finding the
//! delimiter, the escape, and a record's padding.
//!
//! # The escape (`escape = true`)
//!
//! A line cannot hold its own delimiter, so the sender rewrites the body: `\` becomes
//! `\\`, and each byte of the delimiter becomes a backslash and a letter (`\n` for LF,
//! `\r` for CR, `\0` for NUL). The escaped body then holds no delimiter byte at all, so
//! the first delimiter on the stream ends the line. The reader undoes it; a backslash
//! followed by anything else is an error, as in Python's `unicode_escape`.
//!
//! ```text
//! body            a \n b \ c            (6 bytes: LF and a backslash inside)
//! on the wire     a \ n b \ \ c \n      (escaped, then the delimiter)
//! ```

use super::error::FrameError;

/// Where `delim` first starts in `buf[from..]`, as an index into `buf`.
pub(super) fn find(buf: &[u8], from: usize, delim: &[u8]) -> Option<usize> {
    let from = from.min(buf.len());
    match delim {
        [b] => buf[from..].iter().position(|x| x == b).map(|i| from + i),
        _ => buf[from..]
            .windows(delim.len())
            .position(|w| w == delim)
            .map(|i| from + i),
    }
}

/// Where the next search may start once `buf` was searched and held no delimiter: a
/// delimiter of several bytes may have begun in its last bytes.
pub(super) fn resume_at(buf: &[u8], delim: &[u8]) -> usize {
    buf.len().saturating_sub(delim.len().saturating_sub(1))
}

/// The escaped body: `\` and every byte of `delim` as two bytes.
pub(super) fn escape(body: &[u8], delim: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(body.len() + body.len() / 8);
    for &b in body {
        match b {
            b'\\' => out.extend_from_slice(b"\\\\"),
            _ if delim.contains(&b) => {
                out.push(b'\\');
                out.push(letter(b));
            }
            _ => out.push(b),
        }
    }
    out
}

/// The escape letter of a delimiter byte.
fn letter(b: u8) -> u8 {
    match b {
        b'\n' => b'n',
        b'\r' => b'r',
        _ => b'0',
    }
}

/// Undoes [`escape`]; `frame` names the line in the error.
pub(super) fn unescape(line: &[u8], frame: u32) -> Result<Vec<u8>, FrameError> {
    let mut out = Vec::with_capacity(line.len());
    let mut bytes = line.iter().enumerate();
    while let Some((at, &b)) = bytes.next() {
        if b != b'\\' {
            out.push(b);
            continue;
        }
        out.push(match bytes.next() {
            Some((_, b'\\')) => b'\\',
            Some((_, b'n')) => b'\n',
            Some((_, b'r')) => b'\r',
            Some((_, b'0')) => b'\0',
            _ => return Err(FrameError::BadEscape { frame, at }),
        });
    }
    Ok(out)
}

/// A record's body: its bytes without the trailing NUL padding. A body that itself ends
/// in NUL bytes loses them: fixed-length records cannot carry them.
pub(super) fn unpad(record: &[u8]) -> Vec<u8> {
    let end = record.iter().rposition(|&b| b != 0).map_or(0, |i| i + 1);
    record[..end].to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_round_trips_and_leaves_no_delimiter_byte() {
        for delim in [&b"\n"[..], b"\r\n", b"\0"] {
            for body in [
                &b""[..],
                b"plain",
                b"a\nb\\c",
                b"\\n is not a newline",
                b"\r\n\0\\\\",
                b"ends with \\",
            ] {
                let e = escape(body, delim);
                assert!(!e.iter().any(|b| delim.contains(b)), "{e:?}");
                assert_eq!(unescape(&e, 1), Ok(body.to_vec()));
            }
        }
        assert_eq!(escape(b"a\nb\\c", b"\n"), b"a\\nb\\\\c");
    }

    #[test]
    fn a_bad_escape_says_where() {
        assert_eq!(
            unescape(b"ab\\x", 3),
            Err(FrameError::BadEscape { frame: 3, at: 2 })
        );
        assert_eq!(
            unescape(b"ab\\", 1),
            Err(FrameError::BadEscape { frame: 1, at: 2 })
        );
    }

    #[test]
    fn find_sees_a_delimiter_of_two_bytes_and_resumes_before_its_half() {
        assert_eq!(find(b"ab\r\ncd", 0, b"\r\n"), Some(2));
        assert_eq!(find(b"ab\r", 0, b"\r\n"), None);
        assert_eq!(resume_at(b"ab\r", b"\r\n"), 2);
        assert_eq!(find(b"ab\r\n", 2, b"\r\n"), Some(2));
        assert_eq!(find(b"a\nb\n", 2, b"\n"), Some(3));
    }

    #[test]
    fn unpad_strips_only_trailing_nuls() {
        assert_eq!(unpad(b"a\0b\0\0"), b"a\0b");
        assert_eq!(unpad(b"\0\0"), b"");
        assert_eq!(unpad(b"abc"), b"abc");
    }
}

//! Choice labels: bytes as Python prints them, typed answers read back.

use std::fmt::Write as _;

use crate::scenario::Text;

pub(super) fn crash_label(error: Option<&str>) -> Text {
    match error {
        Some(e) => Text {
            en: format!("the program crashes ({e})"),
            zh: format!("程序崩溃（{e}）"),
        },
        None => Text {
            en: "the program crashes".into(),
            zh: "程序崩溃".into(),
        },
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Piece {
    Whole,
    Start,
    Middle,
    End,
    Header,
}

impl Piece {
    /// A header span followed by body spans of the same message.
    pub(super) fn join(self, earlier: Piece) -> Piece {
        match (earlier, self) {
            (Piece::Header, p) => p,
            (Piece::Start, Piece::End) | (Piece::Start, Piece::Whole) => Piece::Whole,
            (Piece::Start, _) => Piece::Start,
            (Piece::Middle, Piece::End) => Piece::End,
            (e, _) => e,
        }
    }
}

pub(super) struct Part2 {
    pub(super) msg: u32,
    pub(super) piece: Piece,
}

impl Piece {
    pub(super) fn en(self, msg: u32) -> String {
        let what = match self {
            Piece::Whole => "all of",
            Piece::Start => "the start of",
            Piece::Middle => "the middle of",
            Piece::End => "the rest of",
            Piece::Header => "the header of",
        };
        format!("{what} #{msg}")
    }

    pub(super) fn zh(self, msg: u32) -> String {
        match self {
            Piece::Whole => format!("整条 #{msg}"),
            Piece::Start => format!("#{msg} 的开头"),
            Piece::Middle => format!("#{msg} 的中间"),
            Piece::End => format!("#{msg} 剩下的部分"),
            Piece::Header => format!("#{msg} 的报头"),
        }
    }
}

/// `b'helloworld' (10 bytes: all of #1 + all of #2)`, or `1024 bytes: the start of #1`.
pub(super) fn bytes_label(data: &[u8], parts: &[Part2]) -> Text {
    let n = data.len();
    let unit = if n == 1 { "byte" } else { "bytes" };
    let join = |f: fn(Piece, u32) -> String| {
        let v: Vec<String> = parts.iter().map(|p| f(p.piece, p.msg)).collect();
        v.join(" + ")
    };
    let (en_parts, zh_parts) = (join(Piece::en), join(Piece::zh));
    let (en, zh) = match (python_bytes(data, 40), parts.is_empty()) {
        (Some(s), true) => (format!("{s} ({n} {unit})"), format!("{s}（{n} 字节）")),
        (Some(s), false) => (
            format!("{s} ({n} {unit}: {en_parts})"),
            format!("{s}（{n} 字节：{zh_parts}）"),
        ),
        (None, true) => (format!("{n} {unit}"), format!("{n} 字节")),
        (None, false) => (
            format!("{n} {unit}: {en_parts}"),
            format!("{n} 字节：{zh_parts}"),
        ),
    };
    Text { en, zh }
}

/// `b'hello'` when the bytes are short printable ASCII (or UTF-8 text); else None.
pub(super) fn python_bytes(data: &[u8], max: usize) -> Option<String> {
    if data.is_empty() {
        return Some("b''".into());
    }
    if data.len() > max {
        return None;
    }
    let mut s = String::from("b'");
    for &b in data {
        match b {
            b'\'' => s.push_str("\\'"),
            b'\\' => s.push_str("\\\\"),
            b'\n' => s.push_str("\\n"),
            b'\r' => s.push_str("\\r"),
            b'\t' => s.push_str("\\t"),
            0x20..=0x7e => s.push(b as char),
            _ => {
                let _ = write!(s, "\\x{b:02x}");
            }
        }
    }
    s.push('\'');
    Some(s)
}

/// A typed answer as bytes: `b'...'` with Python's common escapes, or plain text.
pub fn parse_typed(typed: &str) -> Vec<u8> {
    let t = typed.trim();
    let inner = ["b'", "b\""]
        .iter()
        .find_map(|p| t.strip_prefix(p))
        .and_then(|r| r.strip_suffix(['\'', '"']));
    let Some(inner) = inner else {
        return t.as_bytes().to_vec();
    };
    let mut out = Vec::new();
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            let mut buf = [0u8; 4];
            out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
            continue;
        }
        match chars.next() {
            Some('n') => out.push(b'\n'),
            Some('r') => out.push(b'\r'),
            Some('t') => out.push(b'\t'),
            Some('x') => {
                let hex: String = chars.by_ref().take(2).collect();
                match u8::from_str_radix(&hex, 16) {
                    Ok(b) => out.push(b),
                    Err(_) => out.extend_from_slice(format!("\\x{hex}").as_bytes()),
                }
            }
            Some(other) => {
                let mut buf = [0u8; 4];
                out.extend_from_slice(other.encode_utf8(&mut buf).as_bytes());
            }
            None => out.push(b'\\'),
        }
    }
    out
}

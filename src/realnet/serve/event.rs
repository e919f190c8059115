//! What the live server reports: one [`ServeEvent`] per thing that happened.
//!
//! Events are bounded: a chunk of bytes travels as a [`Preview`] (its length, its first
//! and last bytes), never whole, and the channel that carries them is bounded (see
//! [`Server::events`](super::Server::events)). Text a client chose (file names, JSON
//! headers) is shown with Unicode format characters escaped, so a right-to-left override
//! cannot disguise `evil\u{202e}txt.exe` as `evilexe.txt`.

use std::net::SocketAddr;
use std::path::PathBuf;

use super::ServeApp;
use crate::params::Framing;
use crate::trace::{Micros, escape_bytes};

/// Chunks up to this length are kept whole in a [`Preview`].
pub const PREVIEW_WHOLE: usize = 60;
const PREVIEW_HEAD: usize = 40;
const PREVIEW_TAIL: usize = 12;

/// A chunk of bytes as an event carries it: its length, and at most
/// [`PREVIEW_WHOLE`] of its bytes (its first 40 and last 12 when it is longer).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Preview {
    /// The chunk's length in bytes.
    pub len: usize,
    /// Its first bytes: all of them when `len <= PREVIEW_WHOLE`.
    pub head: Vec<u8>,
    /// Its last bytes, when the middle was left out.
    pub tail: Vec<u8>,
}

impl Preview {
    pub fn of(data: &[u8]) -> Preview {
        if data.len() <= PREVIEW_WHOLE {
            Preview {
                len: data.len(),
                head: data.to_vec(),
                tail: Vec::new(),
            }
        } else {
            Preview {
                len: data.len(),
                head: data[..PREVIEW_HEAD].to_vec(),
                tail: data[data.len() - PREVIEW_TAIL..].to_vec(),
            }
        }
    }

    /// The whole chunk, when it was short enough to be kept.
    pub fn whole(&self) -> Option<&[u8]> {
        (self.head.len() == self.len).then_some(&self.head[..])
    }

    /// `"hello\n"` as text, elided in the middle when long.
    pub fn text(&self) -> String {
        match self.whole() {
            Some(all) => format!("\"{}\"", escape_bytes(all)),
            None => format!(
                "\"{}\"…({} B)…\"{}\"",
                escape_bytes(&self.head),
                self.len - self.head.len() - self.tail.len(),
                escape_bytes(&self.tail)
            ),
        }
    }
}

/// True for Unicode format and separator characters (category Cf, Zl, Zp): bidi
/// overrides and isolates, zero-width characters, the BOM, tag characters. Shown or
/// saved as is, they make a name display as something it is not.
pub fn is_format_char(c: char) -> bool {
    matches!(c,
        '\u{AD}'
        | '\u{600}'..='\u{605}'
        | '\u{61C}'
        | '\u{6DD}'
        | '\u{70F}'
        | '\u{890}'..='\u{891}'
        | '\u{8E2}'
        | '\u{180E}'
        | '\u{200B}'..='\u{200F}'
        | '\u{2028}'..='\u{202E}'
        | '\u{2060}'..='\u{2064}'
        | '\u{2066}'..='\u{206F}'
        | '\u{FEFF}'
        | '\u{FFF9}'..='\u{FFFB}'
        | '\u{110BD}'
        | '\u{110CD}'
        | '\u{13430}'..='\u{1343F}'
        | '\u{1BCA0}'..='\u{1BCA3}'
        | '\u{1D173}'..='\u{1D17A}'
        | '\u{E0001}'
        | '\u{E0020}'..='\u{E007F}')
}

/// `text` with every format character written as `\u{202e}`.
pub fn escape_format(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if is_format_char(c) {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    out
}

/// `1204` as `1,204`.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, d) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(d);
    }
    out
}

/// One thing that happened, with the time since the server started and the connection
/// it concerns (numbered from 1; `None` for the server itself and for UDP).
#[derive(Clone, Debug, PartialEq)]
pub struct ServeEvent {
    pub t_us: Micros,
    pub conn: Option<u64>,
    pub kind: ServeEventKind,
}

#[derive(Clone, Debug, PartialEq)]
pub enum ServeEventKind {
    /// The server is ready.
    Listening {
        addr: SocketAddr,
        app: ServeApp,
        framing: Framing,
        upload_dir: Option<PathBuf>,
    },
    /// Something the person running the server must know (a non-loopback bind).
    Warning {
        message: String,
    },
    Accepted {
        peer: SocketAddr,
    },
    /// Accepted and closed at once: too many connections.
    Refused {
        peer: SocketAddr,
        reason: String,
    },
    /// One `recv(bufsize)` returned these bytes.
    Recv {
        bufsize: usize,
        data: Preview,
    },
    /// A framed request was decoded.
    Frame {
        index: u32,
        body: Preview,
        /// The JSON header's bytes, for json-header framing.
        header: Option<Preview>,
    },
    /// The server answered: `bytes` in `writes` send() calls, `header_len` of them frame
    /// header.
    Reply {
        bytes: usize,
        header_len: usize,
        writes: usize,
    },
    /// An upload was saved.
    Saved {
        path: PathBuf,
        size: u64,
        md5: String,
        /// "md5 verified", "no md5 in the header", or why it was not verified.
        check: String,
    },
    /// A datagram: `data` is what `recvfrom(bufsize)` kept of `len` bytes.
    Datagram {
        peer: SocketAddr,
        len: usize,
        bufsize: usize,
        data: Preview,
    },
    /// A fault on this connection (a hostile frame, a reset, a close mid-frame); the
    /// connection is closed next and the server keeps serving.
    Error {
        message: String,
    },
    Closed {
        reason: String,
        bytes_in: u64,
        bytes_out: u64,
    },
    /// `count` events were left out because their reader fell behind (the channel is
    /// bounded): `recv` chunks, frames and replies first.
    NotShown {
        count: u64,
    },
    /// The server has stopped; nothing follows.
    Stopped,
}

impl ServeEvent {
    /// One line for a terminal (format characters escaped): `  12.345 ms  #3  recv(1024) → 5 B  "hello"`.
    pub fn describe(&self) -> String {
        let who = self
            .conn
            .map_or_else(|| "  ".to_string(), |c| format!("#{c}"));
        let t = crate::timeline::ms(self.t_us);
        let what = match &self.kind {
            ServeEventKind::Listening {
                addr,
                app,
                framing,
                upload_dir,
            } => {
                let proto = if *app == ServeApp::UdpEcho {
                    "udp"
                } else {
                    "tcp"
                };
                let mut s = format!(
                    "listening on {proto} {addr}: app {}, framing {}",
                    app.name(),
                    crate::realnet::enum_name(framing)
                );
                if let Some(d) = upload_dir {
                    s.push_str(&format!(", uploads go to {}", d.display()));
                }
                s
            }
            ServeEventKind::Warning { message } => format!("WARNING: {message}"),
            ServeEventKind::Accepted { peer } => format!("accepted a connection from {peer}"),
            ServeEventKind::Refused { peer, reason } => format!("refused {peer}: {reason}"),
            ServeEventKind::Recv { bufsize, data } => {
                format!("recv({bufsize}) → {} B  {}", data.len, data.text())
            }
            ServeEventKind::Frame {
                index,
                body,
                header,
            } => {
                let mut s = format!("frame #{index} decoded: {} B  {}", body.len, body.text());
                if let Some(h) = header {
                    s.push_str(&format!("  header {}", h.text()));
                }
                s
            }
            ServeEventKind::Reply {
                bytes,
                header_len,
                writes,
            } => {
                if *header_len > 0 {
                    format!(
                        "replied {bytes} B in {writes} send() calls ({header_len} B header, {} B body)",
                        bytes - header_len
                    )
                } else {
                    format!("replied {bytes} B")
                }
            }
            ServeEventKind::Saved {
                path,
                size,
                md5,
                check,
            } => format!("saved {} ({size} B, md5 {md5}; {check})", path.display()),
            ServeEventKind::Datagram {
                peer,
                len,
                bufsize,
                data,
            } => {
                let mut s = format!(
                    "datagram from {peer}: recvfrom({bufsize}) → {} B  {}",
                    data.len,
                    data.text()
                );
                if *len > data.len {
                    s.push_str(&format!(
                        "  TRUNCATED: the datagram had {len} B, {} B lost",
                        len - data.len
                    ));
                }
                s
            }
            ServeEventKind::Error { message } => format!("ERROR: {message}"),
            ServeEventKind::Closed {
                reason,
                bytes_in,
                bytes_out,
            } => format!("closed: {reason} ({bytes_in} B in, {bytes_out} B out)"),
            ServeEventKind::NotShown { count } => format!(
                "{} events not shown (the output fell behind; the server kept serving)",
                thousands(*count)
            ),
            ServeEventKind::Stopped => "server stopped".to_string(),
        };
        escape_format(&format!("{t:>12}  {who:<4}  {what}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn previews_are_bounded_and_whole_when_short() {
        let p = Preview::of(b"hello");
        assert_eq!((p.len, p.whole()), (5, Some(&b"hello"[..])));
        let big = vec![b'x'; 1 << 20];
        let p = Preview::of(&big);
        assert_eq!(p.len, 1 << 20);
        assert!(p.whole().is_none());
        assert!(p.head.len() + p.tail.len() <= PREVIEW_WHOLE);
        assert!(p.text().contains(&format!("({} B)", (1 << 20) - 52)));
    }

    #[test]
    fn format_characters_are_escaped_and_counts_grouped() {
        assert_eq!(escape_format("evil\u{202E}txt.exe"), "evil\\u{202e}txt.exe");
        assert_eq!(escape_format("新建 a.txt"), "新建 a.txt");
        assert!(is_format_char('\u{2066}') && is_format_char('\u{FEFF}'));
        assert!(!is_format_char('a') && !is_format_char('长'));
        assert_eq!(thousands(1204), "1,204");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1_000_000), "1,000,000");
    }
}

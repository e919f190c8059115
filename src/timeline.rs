//! Text views of a trace: one line per event (tcpdump-like) and byte chunks with their
//! message boundaries marked. Shared by the CLI and the GUI's event list.

use std::fmt::Write as _;

use crate::scenario::{Action, Lang, Scenario};
use crate::trace::{
    AckReason, BlockReason, Call, Chunk, DropReason, Event, EventKind, Part, Side, Trace,
    escape_bytes,
};

/// Columns of byte text a chunk gets in an event line before its middle is elided.
const CHUNK_WIDTH: usize = 56;

/// No elided run of bytes is squeezed below this many columns.
const MIN_PART_WIDTH: usize = 10;

/// Columns of a delivered message's text in its event line.
const DELIVER_WIDTH: usize = 48;

/// Lines of narration are wrapped to fit this many columns.
pub const LINE_WIDTH: usize = 120;

/// `send_message(b"hello")`, `recv(1024)`: a program line as the class reads it (the
/// app's stage and the handouts list the programs so).
pub fn action_text(a: &Action) -> String {
    let data = |d: &[u8]| {
        if d.len() <= 24 {
            format!("b\"{}\"", escape_bytes(d))
        } else {
            format!("<{} B>", d.len())
        }
    };
    match a {
        Action::Send(d) => format!("send({})", data(d)),
        Action::Sendall(d) => format!("sendall({})", data(d)),
        Action::SendMessage(d) => format!("send_message({})", data(d)),
        Action::Recv(n) => format!("recv({n})"),
        Action::RecvMessage(n) => format!("recv_message({n})"),
        Action::Sleep(ms) => format!("sleep({ms} ms)"),
        Action::SetTimeout(s) => format!("settimeout({s})"),
        Action::Close => "close()".to_string(),
    }
}

/// A chunk as `[hello|world]`: `|` between messages, frame headers in `‹…›`: binary bytes
/// as hex, readable text as text (`‹53 00 00 00›‹{"md5": "…", …}›`). Long runs of bytes
/// are elided in the middle (`…(1400 B)…`) to keep it within about 56 columns.
pub fn marked_bytes(chunk: &Chunk) -> String {
    marked_bytes_within(chunk, CHUNK_WIDTH)
}

/// [`marked_bytes`] with room for about `width` columns of byte text (brackets and
/// message separators not counted), shared out between the chunk's runs of bytes.
pub fn marked_bytes_within(chunk: &Chunk, width: usize) -> String {
    // Each span becomes one or more parts: the body's text, or the header's hex and text.
    struct Piece {
        /// Starts a new message (a `|` goes in front, except at the very start).
        new_msg: bool,
        kind: Shown,
        tokens: Vec<Token>,
    }
    let mut pieces = Vec::new();
    let mut prev_msg = None;
    for span in &chunk.spans {
        let new_msg = prev_msg.is_some_and(|m| m != span.msg);
        prev_msg = Some(span.msg);
        let a = (span.start.saturating_sub(chunk.offset) as usize).min(chunk.data.len());
        let b = (span.end.saturating_sub(chunk.offset) as usize).clamp(a, chunk.data.len());
        let bytes = &chunk.data[a..b];
        match span.part {
            Part::Body => pieces.push(Piece {
                new_msg,
                kind: Shown::Body,
                tokens: body_tokens(bytes),
            }),
            Part::Header => {
                for (i, (kind, tokens)) in header_runs(bytes).into_iter().enumerate() {
                    pieces.push(Piece {
                        new_msg: new_msg && i == 0,
                        kind,
                        tokens,
                    });
                }
            }
        }
    }
    if chunk.spans.is_empty() {
        pieces.push(Piece {
            new_msg: false,
            kind: Shown::Body,
            tokens: body_tokens(&chunk.data),
        });
    }
    let widths: Vec<usize> = pieces
        .iter()
        .map(|p| full_width(&p.tokens, p.kind.sep()))
        .collect();
    // The brackets of header runs and the separators take room too.
    let marks = pieces
        .iter()
        .map(|p| 2 * usize::from(p.kind != Shown::Body) + usize::from(p.new_msg))
        .sum::<usize>();
    let limits = share_width(&widths, width.saturating_sub(marks));
    let mut out = String::from("[");
    for (p, limit) in pieces.iter().zip(limits) {
        if p.new_msg {
            out.push('|');
        }
        let text = elide(&p.tokens, p.kind.sep(), limit);
        match p.kind {
            Shown::Body => out.push_str(&text),
            Shown::Hex | Shown::Text => {
                out.push('‹');
                out.push_str(&text);
                out.push('›');
            }
        }
    }
    out.push(']');
    out
}

/// How a run of bytes is shown.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Shown {
    /// Message bytes: text, with control characters and non-UTF-8 bytes escaped.
    Body,
    /// Header bytes as hex pairs: `05 00 00 00`.
    Hex,
    /// Readable text inside a header (a JSON header), as is.
    Text,
}

impl Shown {
    fn sep(self) -> &'static str {
        if self == Shown::Hex { " " } else { "" }
    }
}

/// One shown unit (a character, an escape, a hex pair): its text, its width in columns
/// and how many bytes it stands for.
struct Token {
    text: String,
    width: usize,
    bytes: usize,
}

fn body_tokens(bytes: &[u8]) -> Vec<Token> {
    let mut out = Vec::with_capacity(bytes.len());
    for chunk in bytes.utf8_chunks() {
        for c in chunk.valid().chars() {
            let mut buf = [0u8; 4];
            let text = escape_bytes(c.encode_utf8(&mut buf).as_bytes());
            out.push(Token {
                width: text_width(&text),
                text,
                bytes: c.len_utf8(),
            });
        }
        for b in chunk.invalid() {
            out.push(Token {
                text: format!("\\x{b:02x}"),
                width: 4,
                bytes: 1,
            });
        }
    }
    out
}

fn hex_tokens(bytes: &[u8]) -> Vec<Token> {
    bytes
        .iter()
        .map(|b| Token {
            text: format!("{b:02x}"),
            width: 2,
            bytes: 1,
        })
        .collect()
}

/// A header's bytes split into runs: readable UTF-8 text of at least 2 characters (a
/// JSON header) as text, everything else (the 4-byte length) as hex.
fn header_runs(bytes: &[u8]) -> Vec<(Shown, Vec<Token>)> {
    // (is text, byte range) per character or stray byte.
    let mut units: Vec<(bool, usize, usize)> = Vec::new();
    let mut at = 0;
    for chunk in bytes.utf8_chunks() {
        for c in chunk.valid().chars() {
            units.push((!c.is_control(), at, at + c.len_utf8()));
            at += c.len_utf8();
        }
        for _ in chunk.invalid() {
            units.push((false, at, at + 1));
            at += 1;
        }
    }
    // Group into runs; text runs of a single character go back to hex.
    let mut runs: Vec<(bool, usize, usize, usize)> = Vec::new(); // (text, start, end, chars)
    for (text, a, b) in units {
        match runs.last_mut() {
            Some(r) if r.0 == text => {
                r.2 = b;
                r.3 += 1;
            }
            _ => runs.push((text, a, b, 1)),
        }
    }
    let mut merged: Vec<(bool, usize, usize)> = Vec::new();
    for (text, a, b, chars) in runs {
        let text = text && chars >= 2;
        match merged.last_mut() {
            Some(m) if m.0 == text => m.2 = b,
            _ => merged.push((text, a, b)),
        }
    }
    merged
        .into_iter()
        .map(|(text, a, b)| {
            if text {
                let s = std::str::from_utf8(&bytes[a..b]).unwrap_or_default();
                let tokens = s.chars().map(|c| Token {
                    text: c.to_string(),
                    width: char_width(c),
                    bytes: c.len_utf8(),
                });
                (Shown::Text, tokens.collect())
            } else {
                (Shown::Hex, hex_tokens(&bytes[a..b]))
            }
        })
        .collect()
}

fn full_width(tokens: &[Token], sep: &str) -> usize {
    tokens.iter().map(|t| t.width).sum::<usize>() + sep.len() * tokens.len().saturating_sub(1)
}

/// Shares `total` columns among runs of these widths: runs that fit in an equal share
/// keep their full width, the others split what is left (at least [`MIN_PART_WIDTH`]).
fn share_width(widths: &[usize], total: usize) -> Vec<usize> {
    if widths.iter().sum::<usize>() <= total {
        return widths.to_vec();
    }
    let mut order: Vec<usize> = (0..widths.len()).collect();
    order.sort_by_key(|&i| widths[i]);
    let mut limits = vec![0; widths.len()];
    let mut left = total;
    for (k, &i) in order.iter().enumerate() {
        let share = left / (widths.len() - k);
        if widths[i] <= share {
            limits[i] = widths[i];
            left -= widths[i];
        } else {
            limits[i] = share.max(MIN_PART_WIDTH);
            left = left.saturating_sub(share);
        }
    }
    limits
}

/// The tokens joined by `sep`, or, when wider than `limit` columns, head…(N B)…tail
/// within about `limit` columns (N = the bytes left out).
fn elide(tokens: &[Token], sep: &str, limit: usize) -> String {
    let join = |ts: &[Token]| {
        ts.iter()
            .map(|t| t.text.as_str())
            .collect::<Vec<_>>()
            .join(sep)
    };
    if full_width(tokens, sep) <= limit {
        return join(tokens);
    }
    let total_bytes: usize = tokens.iter().map(|t| t.bytes).sum();
    let marker = text_width(&format!("…({total_bytes} B)…"));
    if full_width(tokens, sep) <= marker + 4 {
        // Eliding would not save anything (a 4-byte length prefix).
        return join(tokens);
    }
    let room = limit.saturating_sub(marker);
    if room < 4 {
        // No room for a head and a tail: only the count.
        return format!("…({total_bytes} B)…");
    }
    let (head_room, tail_room) = (room - room / 4, room / 4);
    let take = |iter: &mut dyn Iterator<Item = (usize, &Token)>, room: usize| {
        let mut n = 0;
        let mut w = 0;
        for (_, t) in iter {
            let add = t.width + if n > 0 { sep.len() } else { 0 };
            if n > 0 && w + add > room {
                break;
            }
            w += add;
            n += 1;
        }
        n
    };
    let head = take(&mut tokens.iter().enumerate(), head_room);
    let tail = take(
        &mut tokens[head..].iter().enumerate().rev(),
        tail_room.max(1),
    )
    .min(tokens.len() - head);
    let middle = &tokens[head..tokens.len() - tail];
    if middle.is_empty() {
        return join(tokens);
    }
    let gone: usize = middle.iter().map(|t| t.bytes).sum();
    format!(
        "{}…({gone} B)…{}",
        join(&tokens[..head]),
        join(&tokens[tokens.len() - tail..])
    )
}

/// Columns a character takes in a terminal: 2 for CJK and other wide characters.
pub fn char_width(c: char) -> usize {
    let u = c as u32;
    let wide = matches!(u,
        0x1100..=0x115F | 0x2E80..=0x303E | 0x3041..=0x33FF | 0x3400..=0x4DBF | 0x4E00..=0x9FFF
        | 0xA000..=0xA4CF | 0xAC00..=0xD7A3 | 0xF900..=0xFAFF | 0xFE30..=0xFE4F | 0xFF00..=0xFF60
        | 0xFFE0..=0xFFE6 | 0x1F300..=0x1F64F | 0x1F900..=0x1F9FF | 0x20000..=0x3FFFD);
    if wide { 2 } else { 1 }
}

/// Columns a string takes in a terminal.
pub fn text_width(s: &str) -> usize {
    s.chars().map(char_width).sum()
}

/// Chinese terms of the lessons a line never splits (`粘` at one line's end and `包` at
/// the next's reads as two words). Longest first, so `粘包读取` wins over `粘包`.
const TERMS: &[&str] = &[
    "粘包读取",
    "报文段",
    "数据报",
    "缓冲区",
    "粘包",
    "拆包",
    "分帧",
    "报头",
    "消息",
    "字节",
    "确认",
    "客户端",
    "服务端",
    "内核",
    "截断",
];

/// For each character of `text`: whether it continues a [`TERMS`] term begun before it.
fn in_terms(text: &str) -> Vec<bool> {
    let chars: Vec<char> = text.chars().collect();
    let mut joined = vec![false; chars.len()];
    let mut i = 0;
    while i < chars.len() {
        let n = TERMS
            .iter()
            .map(|t| t.chars().collect::<Vec<_>>())
            .find(|t| chars[i..].starts_with(t))
            .map_or(1, |t| t.len());
        joined[i + 1..i + n].iter_mut().for_each(|j| *j = true);
        i += n;
    }
    joined
}

/// Splits text into lines of at most `width` columns: at spaces, and between CJK
/// characters (never in front of closing punctuation such as `，` or `。`, never after
/// opening punctuation, never inside a term such as `粘包`). A word longer than a line
/// gets a line of its own.
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let joined = in_terms(text);
    // Words: runs of narrow characters, or one wide character (with any closing
    // punctuation that follows), each noting whether a space came before it.
    let mut words: Vec<(bool, String)> = Vec::new();
    let mut space = false;
    let mut glue = false; // the next narrow char continues the last word
    let mut opened = false; // the last char opened a bracket: the next one joins it
    for (c, &in_term) in text.chars().zip(&joined) {
        if c.is_whitespace() {
            space = true;
            glue = false;
            opened = false;
            continue;
        }
        let wide = char_width(c) == 2;
        let closing = "，。、；：！？）」』》】,.;:!?)".contains(c);
        match words.last_mut() {
            Some(w) if !space && (closing || opened || in_term || (glue && !wide)) => w.1.push(c),
            _ => words.push((space, c.to_string())),
        }
        // Opening punctuation never ends a line: `（粘包）` breaks before the `（`.
        opened = "（「『《【“‘([".contains(c);
        glue = !wide && !opened;
        space = false;
    }
    let mut lines = Vec::new();
    let mut line = String::new();
    for (space, word) in words {
        let add = text_width(&word) + usize::from(space && !line.is_empty());
        if !line.is_empty() && text_width(&line) + add > width {
            lines.push(std::mem::take(&mut line));
        }
        if space && !line.is_empty() {
            line.push(' ');
        }
        line.push_str(&word);
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

/// What an event says, without its time and side: `seg tx seq=0 len=5 ack=0 win=65536`.
pub fn describe(trace: &Trace, event: &Event) -> String {
    let mut s = match &event.kind {
        EventKind::AppCall { call, .. } => call.text(),
        EventKind::AppBlocked { reason, .. } => format!("  blocked: {}", reason.text()),
        EventKind::AppReturn { call, ret, .. } => match call {
            Call::Sleep { .. } => "  woke up".to_string(),
            Call::SetTimeout { .. } => "  timeout set".to_string(),
            Call::Close => "  closed".to_string(),
            _ => format!("  {} → {ret}", call.text()),
        },
        EventKind::Eof { .. } => "  EOF: the peer closed and the buffer is empty".to_string(),
        EventKind::Deliver { index, data, .. } => {
            format!(
                "  message #{index} delivered, {} B: \"{}\"",
                data.len(),
                text_head(data, DELIVER_WIDTH)
            )
        }
        EventKind::FrameHeader { header, .. } => {
            format!("  JSON header {} (md5 {})", header.json, header.md5)
        }
        // The correct sender refusing a body its framing cannot carry (line, fixed).
        EventKind::DecodeError { error, .. } if refused(error) => {
            format!("  ERROR: {error}")
        }
        EventKind::DecodeError { error, .. } => format!("  DECODE ERROR: {error}"),
        EventKind::SendBufWrite { buffered } => format!("send buffer += (now {buffered} B)"),
        EventKind::RecvBufRead { buffered } => format!("recv buffer -= (now {buffered} B)"),
        EventKind::SegmentTx(h) => format!("seg tx {}", h.text()),
        EventKind::SegmentRx(h) => format!("seg rx {}", h.text()),
        EventKind::AckTx { ack, win, reason } => {
            format!("ack tx ack={ack} win={win} ({})", reason.text())
        }
        EventKind::AckRx { ack, win } => format!("ack rx ack={ack} win={win}"),
        EventKind::DelayedAckStart { deadline_us } => {
            format!("delayed-ACK timer set, fires at {}", ms(*deadline_us))
        }
        EventKind::DelayedAckFire => "delayed-ACK timer fired".to_string(),
        EventKind::NagleHold { held, in_flight } => {
            format!("Nagle hold: {held} B wait, {in_flight} B in flight unacknowledged")
        }
        EventKind::NagleRelease { held_us } => format!("Nagle release after {}", ms(*held_us)),
        EventKind::WindowFull { in_flight, win } => {
            format!("window full: {in_flight} B in flight, peer window {win}")
        }
        EventKind::FinTx { seq } => format!("FIN tx seq={seq}"),
        EventKind::FinRx { seq } => format!("FIN rx seq={seq}"),
        EventKind::DatagramTx { len } => format!("datagram tx len={len}"),
        EventKind::DatagramRx { len } => format!("datagram rx len={len} (queued)"),
        EventKind::DatagramDrop { len, reason } => match reason {
            DropReason::QueueFull => format!("datagram DROPPED len={len}: receive queue full"),
            DropReason::Loss => format!("datagram LOST len={len} on the wire"),
        },
        EventKind::Truncated { len, kept } => {
            format!(
                "  TRUNCATED: datagram of {len} B, recvfrom kept {kept}, {} B lost",
                len - kept
            )
        }
        EventKind::SendShort { wanted, accepted } => {
            format!("  send() accepted {accepted} of {wanted} B; the program ignores the rest")
        }
        EventKind::Exception { exc, .. } => format!("  RAISED {}", exc.text()),
        EventKind::RstTx { seq } => format!("RST tx seq={seq}"),
        EventKind::RstRx { seq } => format!("RST rx seq={seq}: the connection is reset"),
        EventKind::NetError { error, .. } => format!("  NETWORK ERROR: {error}"),
        EventKind::Slice { len } => format!("relay slice len={len}"),
        EventKind::ProgramEnd => "program ends".to_string(),
    };
    if let Some(chunk) = trace.chunk_of(event) {
        // Data segments, reads and writes show their bytes.
        let _ = write!(s, "  {}", marked_bytes(&chunk));
    }
    s
}

fn call_zh(call: &Call) -> String {
    match call {
        Call::Sleep { ms } => format!("休眠 {ms} 毫秒"),
        Call::Close => "close() 关闭连接".to_string(),
        other => other.text(),
    }
}

/// What an event says in Chinese, without its time, side and bytes (the same facts as
/// [`describe`]'s English; numbers and header fields stay tcpdump-like).
pub fn what_zh(e: &Event, deliver_width: usize) -> String {
    match &e.kind {
        EventKind::AppCall {
            call: call @ Call::Sleep { .. },
            ..
        } => call_zh(call),
        EventKind::AppCall { call, .. } => format!("调用 {}", call_zh(call)),
        EventKind::AppBlocked { reason, .. } => match reason {
            BlockReason::SendBufferFull => "  阻塞：发送缓冲区已满".to_string(),
            BlockReason::RecvBufferEmpty => "  阻塞：接收缓冲区为空".to_string(),
        },
        EventKind::AppReturn { call, ret, .. } => match call {
            Call::Sleep { .. } => "  醒来".to_string(),
            Call::SetTimeout { .. } => "  已设置超时".to_string(),
            Call::Close => "  已关闭".to_string(),
            _ => format!("  {} 返回 {ret}", call.text()),
        },
        EventKind::Eof { .. } => "  EOF：对方已关闭，缓冲区已空".to_string(),
        EventKind::Deliver { index, data, .. } => format!(
            "  交付消息 #{index}，{} 字节：\"{}\"",
            data.len(),
            text_head(data, deliver_width)
        ),
        EventKind::FrameHeader { header, .. } => {
            format!("  JSON 报头 {}（md5 {}）", header.json, header.md5)
        }
        EventKind::DecodeError { error, .. } if refused(error) => format!("  拒绝发送：{error}"),
        EventKind::DecodeError { error, .. } => format!("  解码错误：{error}"),
        EventKind::SendBufWrite { buffered } => format!("写入发送缓冲区（现有 {buffered} 字节）"),
        EventKind::RecvBufRead { buffered } => format!("从接收缓冲区读出（剩 {buffered} 字节）"),
        EventKind::SegmentTx(h) => format!("发出报文段 {}", h.text()),
        EventKind::SegmentRx(h) => format!("收到报文段 {}", h.text()),
        EventKind::AckTx { ack, win, reason } => {
            let why = match reason {
                AckReason::Immediate => "立即确认",
                AckReason::QuickAck => "快速确认模式",
                AckReason::FullSegments => "未确认数据超过一个满报文段",
                AckReason::TwoSegments => "第二个报文段",
                AckReason::Timer => "延迟确认计时器到期",
                AckReason::Fin => "确认 FIN",
                AckReason::ReadEmptied => "读取清空了缓冲区",
                AckReason::WindowUpdate => "窗口更新",
            };
            format!("发出 ACK ack={ack} win={win}（{why}）")
        }
        EventKind::AckRx { ack, win } => format!("收到 ACK ack={ack} win={win}"),
        EventKind::DelayedAckStart { deadline_us } => {
            format!("启动延迟确认计时器，{} 到期", ms(*deadline_us))
        }
        EventKind::DelayedAckFire => "延迟确认计时器到期".to_string(),
        EventKind::NagleHold { held, in_flight } => {
            format!("Nagle 扣留：{held} 字节在等待，{in_flight} 字节已发出未确认")
        }
        EventKind::NagleRelease { held_us } => format!("Nagle 放行，扣留了 {}", ms(*held_us)),
        EventKind::WindowFull { in_flight, win } => {
            format!("窗口已满：{in_flight} 字节在途，对方窗口 {win}")
        }
        EventKind::FinTx { seq } => format!("发出 FIN seq={seq}"),
        EventKind::FinRx { seq } => format!("收到 FIN seq={seq}"),
        EventKind::DatagramTx { len } => format!("发出数据报 len={len}"),
        EventKind::DatagramRx { len } => format!("收到数据报 len={len}（排队）"),
        EventKind::DatagramDrop { len, reason } => match reason {
            DropReason::QueueFull => format!("数据报被丢弃 len={len}：接收队列已满"),
            DropReason::Loss => format!("数据报在线路上丢失 len={len}"),
        },
        EventKind::Truncated { len, kept } => format!(
            "  被截断：{len} 字节的数据报，recvfrom 只保留 {kept} 字节，丢失 {} 字节",
            len.saturating_sub(*kept)
        ),
        EventKind::SendShort { wanted, accepted } => {
            format!("  send() 只接受了 {wanted} 字节中的 {accepted} 字节；程序忽略了其余部分")
        }
        EventKind::NetError { error, .. } => format!("  网络错误：{error}"),
        // Python's own exception text, as the program would print it.
        EventKind::Exception { exc, .. } => format!("  抛出异常：{}", exc.text()),
        EventKind::RstTx { seq } => format!("发出 RST seq={seq}（重置连接）"),
        EventKind::RstRx { seq } => format!("收到 RST seq={seq}（连接被重置）"),
        EventKind::Slice { len } => format!("中继写出一片 len={len}"),
        EventKind::ProgramEnd => "程序结束".to_string(),
    }
}

/// A framing error raised by the sender (`line` or `fixed`'s correct `send_message`),
/// not by a decoder: the trace reports both as `DecodeError`.
pub fn refused(error: &str) -> bool {
    error.starts_with("send_message refused")
}

/// An event's line in `lang`, without its time and side, with its bytes marked.
pub fn describe_in(trace: &Trace, event: &Event, lang: Lang) -> String {
    match lang {
        Lang::En => describe(trace, event),
        Lang::Zh => {
            let mut s = what_zh(event, DELIVER_WIDTH);
            if let Some(chunk) = trace.chunk_of(event) {
                let _ = write!(s, "  {}", marked_bytes(&chunk));
            }
            s
        }
    }
}

/// A phrase the CLI writes for a person, in English and in Chinese.
#[derive(Clone, Copy, Debug)]
pub struct Words(pub &'static str, pub &'static str);

impl Words {
    pub fn get(self, lang: Lang) -> &'static str {
        match lang {
            Lang::En => self.0,
            Lang::Zh => self.1,
        }
    }
}

/// The CLI's headings and labels (the English ones are the golden files' exact words).
pub mod words {
    use super::Words;
    pub const RECV_HEADING: Words = Words(
        "what each recv() returned ([a|b] = bytes of two messages, ‹..› = frame header):",
        "每次 recv() 返回了什么（[a|b] = 两条消息的字节，‹..› = 帧头）：",
    );
    pub const DELIVERY_HEADING: Words = Words(
        "what recv_message() handed to the program (✓ = exactly the message sent):",
        "recv_message() 交给程序的内容（✓ = 与发送的消息完全一致）：",
    );
    pub const METRIC: Words = Words("metric", "指标");
    pub const TOTAL: Words = Words("total", "合计");
    pub const CLIENT: Words = Words("client", "客户端");
    pub const SERVER: Words = Words("server", "服务端");
    pub const C2S: Words = Words("client→server", "客户端→服务端");
    pub const S2C: Words = Words("server→client", "服务端→客户端");
    pub const SIM: Words = Words("sim", "模拟");
    pub const REAL: Words = Words("real", "真实");
    pub const SIM_C2S: Words = Words("sim c→s", "模拟 客→服");
    pub const REAL_C2S: Words = Words("real c→s", "真实 客→服");
    pub const SIM_S2C: Words = Words("sim s→c", "模拟 服→客");
    pub const REAL_S2C: Words = Words("real s→c", "真实 服→客");
    pub const SIMULATED: Words = Words("simulated", "模拟");
    pub const REAL_LOOPBACK: Words = Words("real loopback", "真实回环");
    pub const VERDICT: Words = Words("verdict: ", "结论：");
    pub const VERDICT_SIM: Words = Words("verdict (simulated):     ", "结论（模拟）：    ");
    pub const VERDICT_REAL: Words = Words("verdict (real loopback): ", "结论（真实回环）：");
    pub const NOTE: Words = Words("note: ", "注意：");
    pub const ON: Words = Words("on", "开");
    pub const OFF: Words = Words("off", "关");
}

/// A side's name in `lang`: `client`, `客户端`.
pub fn side_name(side: Side, lang: Lang) -> &'static str {
    match side {
        Side::Client => words::CLIENT.get(lang),
        Side::Server => words::SERVER.get(lang),
    }
}

/// `s` padded with spaces to `width` terminal columns (CJK characters take two).
pub fn pad(s: &str, width: usize) -> String {
    let mut out = s.to_string();
    out.push_str(&" ".repeat(width.saturating_sub(text_width(s))));
    out
}

/// `s` right-aligned in `width` terminal columns.
pub fn pad_left(s: &str, width: usize) -> String {
    format!("{}{s}", " ".repeat(width.saturating_sub(text_width(s))))
}

/// The exceptions that ended programs, for verdicts: `server raised
/// ConnectionResetError (action 5)`. Empty when no call raised.
pub fn raised(events: &[Event]) -> Vec<String> {
    raised_in(events, Lang::En)
}

/// [`raised`] in `lang`: `服务端抛出 ConnectionResetError（第 5 个动作）`.
pub fn raised_in(events: &[Event], lang: Lang) -> Vec<String> {
    events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::Exception { line, exc } => Some(match lang {
                Lang::En => format!(
                    "{} raised {} (action {})",
                    e.side.name(),
                    exc.name(),
                    line + 1
                ),
                Lang::Zh => format!(
                    "{}抛出 {}（第 {} 个动作）",
                    side_name(e.side, lang),
                    exc.name(),
                    line + 1
                ),
            }),
            _ => None,
        })
        .collect()
}

/// A verdict with the exceptions that ended programs after it.
pub fn verdict_with_exceptions(verdict: &str, events: &[Event]) -> String {
    let mut v = verdict.to_string();
    for r in raised(events) {
        let _ = write!(v, "; {r}");
    }
    v
}

/// `12.345 ms`
pub fn ms(us: u64) -> String {
    format!("{}.{:03} ms", us / 1000, us % 1000)
}

/// The start of a message's bytes as escaped text, within `width` columns (`…` when cut).
pub fn text_head(data: &[u8], width: usize) -> String {
    let tokens = body_tokens(data);
    if full_width(&tokens, "") <= width {
        return tokens.iter().map(|t| t.text.as_str()).collect();
    }
    let mut out = String::new();
    let mut w = 0;
    for t in tokens {
        if w + t.width + 1 > width {
            break;
        }
        w += t.width;
        out.push_str(&t.text);
    }
    out.push('…');
    out
}

/// The whole trace, one line per event: `   5.120 ms  server  seg rx …`. When an
/// application call starts a step of the scenario that has a note, the note follows,
/// wrapped and indented: `              ┆ Nothing is in flight, so …`.
pub fn render_events(trace: &Trace, events: &[Event], scenario: &Scenario, lang: Lang) -> String {
    let mut out = String::new();
    // The step each side last started: a step's inner calls (the recv() calls of a
    // recv_message, the sleep of recv_delay_ms) share its line and get no note.
    let mut started: [Option<usize>; 2] = [None, None];
    for e in events {
        let _ = writeln!(
            out,
            "{:>12}  {}  {}",
            ms(e.t_us),
            pad(side_name(e.side, lang), 6),
            describe_in(trace, e, lang)
        );
        if let EventKind::AppCall { line, .. } = e.kind {
            if started[e.side.index()] == Some(line) {
                continue;
            }
            started[e.side.index()] = Some(line);
            if let Some(note) = step_note(scenario, e.side, line, lang) {
                out.push_str(&note_lines(note));
            }
        }
    }
    out
}

/// The note of a scenario's step, in `lang`, if it has one.
pub fn step_note(scenario: &Scenario, side: Side, line: usize, lang: Lang) -> Option<&str> {
    let steps = match side {
        Side::Client => &scenario.client,
        Side::Server => &scenario.server,
    };
    let note = steps.get(line)?.note.as_ref()?.get(lang).trim();
    (!note.is_empty()).then_some(note)
}

/// A note under its event: wrapped, each line behind `┆` in the side column.
fn note_lines(note: &str) -> String {
    const INDENT: &str = "              ┆ ";
    let mut out = String::new();
    for line in wrap(note, LINE_WIDTH - text_width(INDENT)) {
        let _ = writeln!(out, "{INDENT}{line}");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::params::Params;
    use crate::scenario::{Action, Step, Text};
    use crate::trace::{Dir, Span};

    fn chunk(data: &[u8], spans: &[(u32, Part, u64, u64)]) -> Chunk {
        Chunk {
            dir: Dir::ClientToServer,
            offset: 0,
            data: data.to_vec(),
            spans: spans
                .iter()
                .map(|&(msg, part, start, end)| Span {
                    msg,
                    part,
                    start,
                    end,
                })
                .collect(),
        }
    }

    #[test]
    fn messages_are_separated_and_length_prefixes_are_hex() {
        let c = chunk(
            b"\x05\x00\x00\x00hello\x05\x00\x00\x00world",
            &[
                (1, Part::Header, 0, 4),
                (1, Part::Body, 4, 9),
                (2, Part::Header, 9, 13),
                (2, Part::Body, 13, 18),
            ],
        );
        assert_eq!(marked_bytes(&c), "[‹05 00 00 00›hello|‹05 00 00 00›world]");
        let raw = chunk(
            b"helloworld",
            &[(1, Part::Body, 0, 5), (2, Part::Body, 5, 10)],
        );
        assert_eq!(marked_bytes(&raw), "[hello|world]");
        let bare = chunk(b"a\r\n\xff", &[]);
        assert_eq!(marked_bytes(&bare), "[a\\r\\n\\xff]");
    }

    #[test]
    fn a_json_header_is_shown_as_text() {
        let json = br#"{"total_size": 5}"#;
        let mut data = vec![json.len() as u8, 0, 0, 0];
        data.extend_from_slice(json);
        data.extend_from_slice(b"hello");
        let h = 4 + json.len() as u64;
        let c = chunk(&data, &[(1, Part::Header, 0, h), (1, Part::Body, h, h + 5)]);
        assert_eq!(
            marked_bytes(&c),
            "[‹11 00 00 00›‹{\"total_size\": 5}›hello]"
        );
        // A single printable byte in a length is not text: 0x41 = 'A'.
        let c = chunk(b"\x41\x00\x00\x00", &[(1, Part::Header, 0, 4)]);
        assert_eq!(marked_bytes(&c), "[‹41 00 00 00›]");
        // Two printable bytes are: a header cut in the middle of its JSON.
        let c = chunk(b"\x00{\"", &[(1, Part::Header, 0, 3)]);
        assert_eq!(marked_bytes(&c), "[‹00›‹{\"›]");
    }

    #[test]
    fn long_runs_are_elided_with_the_count_of_bytes_left_out() {
        let body: Vec<u8> = (0..1460).map(|i| b'a' + (i % 26) as u8).collect();
        let c = chunk(&body, &[(1, Part::Body, 0, 1460)]);
        let s = marked_bytes(&c);
        assert!(text_width(&s) <= CHUNK_WIDTH + 2, "{s}");
        let (head, rest) = s[1..s.len() - 1].split_once("…(").unwrap();
        let (n, tail) = rest.split_once(" B)…").unwrap();
        let n: usize = n.parse().unwrap();
        assert_eq!(head.len() + n + tail.len(), 1460, "{s}");
        assert!(body.starts_with(head.as_bytes()) && body.ends_with(tail.as_bytes()));
        // Wider budgets show more.
        assert!(marked_bytes_within(&c, 100).len() > s.len());
        // Multi-byte characters are never cut in half.
        let zh = "发给taibai: 你好".repeat(20);
        let c = chunk(zh.as_bytes(), &[(1, Part::Body, 0, zh.len() as u64)]);
        assert!(!marked_bytes(&c).contains("\\x"), "{}", marked_bytes(&c));
    }

    #[test]
    fn many_messages_share_the_width_and_keep_their_prefixes() {
        let mut data = Vec::new();
        let mut spans = Vec::new();
        for m in 1..=3u32 {
            let start = data.len() as u64;
            data.extend_from_slice(&[0xdc, 0x05, 0, 0]);
            data.extend(std::iter::repeat_n(b'x', 500));
            spans.push((m, Part::Header, start, start + 4));
            spans.push((m, Part::Body, start + 4, data.len() as u64));
        }
        let s = marked_bytes(&chunk(&data, &spans));
        assert_eq!(s.matches("‹dc 05 00 00›").count(), 3, "{s}");
        assert_eq!(s.matches('|').count(), 2, "{s}");
        assert!(text_width(&s) < 90, "{s}");
    }

    #[test]
    fn wrap_breaks_at_spaces_and_between_cjk_characters() {
        let en = "recv(1024) returns everything buffered, up to 1024 bytes: b'helloworld', two messages in one read.";
        let lines = wrap(en, 30);
        assert!(lines.iter().all(|l| text_width(l) <= 30), "{lines:?}");
        assert_eq!(lines.join(" "), en);
        let zh = "服务端忙了 20 ms（accept、print(conn, client_addr)）。这期间 hello、world 和 FIN 在约 5 ms 时都已到达，在接收缓冲区里等着。";
        let lines = wrap(zh, 24);
        assert!(lines.iter().all(|l| text_width(l) <= 24), "{lines:?}");
        assert!(
            lines
                .iter()
                .all(|l| !l.starts_with(['，', '。', '、', '）'])),
            "{lines:?}"
        );
        let squash = |s: &str| s.chars().filter(|c| !c.is_whitespace()).collect::<String>();
        assert_eq!(squash(&lines.concat()), squash(zh));
        // A word longer than the line gets a line of its own.
        assert_eq!(
            wrap("a 0123456789abcdef b", 8),
            ["a", "0123456789abcdef", "b"]
        );
        assert!(wrap("", 10).is_empty());
    }

    #[test]
    fn wrap_keeps_terms_and_brackets_whole() {
        // At 12 columns `这里还没有粘` would fit, but `粘包` is one term and goes down whole;
        // `（` stays with what it opens.
        let zh = "这里还没有粘包。（粘包）是一个词。";
        assert_eq!(
            wrap(zh, 12),
            ["这里还没有", "粘包。", "（粘包）是一", "个词。"]
        );
        assert_eq!(wrap("这里还没有（粘包）", 12), ["这里还没有", "（粘包）"]);
        assert_eq!(wrap("one read (粘包). A", 10), ["one read", "(粘包). A"]);
    }

    #[test]
    fn text_head_cuts_at_the_width() {
        assert_eq!(text_head(b"hello", 10), "hello");
        assert_eq!(text_head(b"hello world", 6), "hello…");
        assert_eq!(text_head(b"a\nb", 10), "a\\nb");
    }

    #[test]
    fn notes_follow_the_call_that_starts_their_step() {
        let note = |en: &str| {
            Some(Text {
                en: en.to_string(),
                zh: format!("中文{en}"),
            })
        };
        let s = Scenario {
            name: "t".into(),
            title: Text::plain("t"),
            summary: None,
            lesson: None,
            params: Params::default(),
            settings: Default::default(),
            client: vec![
                Step {
                    action: Action::RecvMessage(1024),
                    note: note("reads").map(std::sync::Arc::new),
                    question: None,
                    line: 1,
                },
                Step {
                    action: Action::Close,
                    note: None,
                    question: None,
                    line: 3,
                },
            ]
            .into(),
            server: Vec::new().into(),
        };
        let ev = |kind| Event {
            t_us: 0,
            side: Side::Client,
            kind,
            chunk: None,
        };
        let events = [
            ev(EventKind::AppCall {
                line: 0,
                call: Call::RecvMessage { bufsize: 1024 },
            }),
            ev(EventKind::AppCall {
                line: 0,
                call: Call::Recv { bufsize: 4 },
            }),
            ev(EventKind::AppCall {
                line: 1,
                call: Call::Close,
            }),
        ];
        let text = render_events(
            &Trace::new("t", crate::trace::TraceMode::Sim, &s.params),
            &events,
            &s,
            Lang::En,
        );
        assert_eq!(text.matches("┆ reads").count(), 1, "{text}");
        let lines: Vec<&str> = text.lines().collect();
        assert!(
            lines[0].ends_with("recv_message(1024)") && lines[1] == "              ┆ reads",
            "{text}"
        );
        assert!(
            render_events(
                &Trace::new("t", crate::trace::TraceMode::Sim, &s.params),
                &events,
                &s,
                Lang::Zh
            )
            .contains("┆ 中文reads")
        );
    }

    #[test]
    fn a_verdict_names_the_exceptions_that_ended_programs() {
        use crate::trace::PyExc;
        let ev = |side, kind| Event {
            t_us: 0,
            side,
            kind,
            chunk: None,
        };
        let events = [
            ev(Side::Client, EventKind::ProgramEnd),
            ev(
                Side::Server,
                EventKind::Exception {
                    line: 4,
                    exc: PyExc::ConnectionReset,
                },
            ),
        ];
        assert_eq!(
            verdict_with_exceptions("2 of 2 messages intact", &events),
            "2 of 2 messages intact; server raised ConnectionResetError (action 5)"
        );
        assert_eq!(verdict_with_exceptions("ok", &events[..1]), "ok");
    }
}

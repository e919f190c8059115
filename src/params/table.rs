//! The parameter schema: one row per key, read by the scenario parser, `--set`, the
//! command-line flags, the GUI and the reference table in `docs/scenario-format.md`
//! ([`markdown_table`], checked by a test).

use std::fmt::Write as _;

use super::limits::*;
use super::{Link, Params, Stack};
use crate::scenario::{Lang, Text};

/// A parameter's value, whatever its field's type.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Value {
    /// Index into the row's [`Kind::Choice`] names.
    Choice(usize),
    Bool(bool),
    Uint(u64),
    Number(f64),
}

/// How a field of [`Params`] turns into a [`Value`] and back.
pub trait ParamValue: Sized {
    /// `None` for an optional value that is not set.
    fn to_value(&self) -> Option<Value>;
    fn from_value(v: Value) -> Option<Self>;
}

impl ParamValue for bool {
    fn to_value(&self) -> Option<Value> {
        Some(Value::Bool(*self))
    }
    fn from_value(v: Value) -> Option<Self> {
        match v {
            Value::Bool(b) => Some(b),
            _ => None,
        }
    }
}

impl ParamValue for u64 {
    fn to_value(&self) -> Option<Value> {
        Some(Value::Uint(*self))
    }
    fn from_value(v: Value) -> Option<Self> {
        match v {
            Value::Uint(n) => Some(n),
            _ => None,
        }
    }
}

impl ParamValue for u32 {
    fn to_value(&self) -> Option<Value> {
        Some(Value::Uint((*self).into()))
    }
    fn from_value(v: Value) -> Option<Self> {
        u64::from_value(v).and_then(|n| u32::try_from(n).ok())
    }
}

impl ParamValue for f64 {
    fn to_value(&self) -> Option<Value> {
        Some(Value::Number(*self))
    }
    fn from_value(v: Value) -> Option<Self> {
        match v {
            Value::Number(x) => Some(x),
            _ => None,
        }
    }
}

impl<T: ParamValue> ParamValue for Option<T> {
    fn to_value(&self) -> Option<Value> {
        self.as_ref().and_then(T::to_value)
    }
    fn from_value(v: Value) -> Option<Self> {
        T::from_value(v).map(Some)
    }
}

/// What values a key takes.
#[derive(Clone, Copy, Debug)]
pub enum Kind {
    /// One of these names, in quotes in a file.
    Choice(&'static [&'static str]),
    Bool,
    /// A whole number in `min..=max`.
    Uint {
        min: u64,
        max: u64,
    },
    /// A finite number in `min..=max`; with `gap_below`, 0 or at least that.
    Number {
        min: f64,
        max: f64,
        gap_below: Option<f64>,
    },
}

/// A key's value when nobody sets it.
#[derive(Clone, Copy, Debug)]
pub enum DefaultValue {
    Is(Value),
    /// Optional: not set unless given.
    Unset,
    /// Follows `link` (the row must come after `link`'s).
    ByLink {
        lan: Value,
        loopback: Value,
    },
    /// Follows `stack` (the row must come after `stack`'s).
    ByStack {
        linux: Value,
        windows: Value,
    },
}

impl DefaultValue {
    pub fn at(self, link: Link, stack: Stack) -> Option<Value> {
        match self {
            DefaultValue::Is(v) => Some(v),
            DefaultValue::Unset => None,
            DefaultValue::ByLink { lan, loopback } => Some(match link {
                Link::Lan => lan,
                Link::Loopback => loopback,
            }),
            DefaultValue::ByStack { linux, windows } => Some(match stack {
                Stack::Linux => linux,
                Stack::Windows => windows,
            }),
        }
    }
}

/// One parameter: its key, what it takes, its default, its unit and what it means.
pub struct Param {
    /// As written in `[params]`, `--set` and the JSON report (the field's name).
    pub key: &'static str,
    pub kind: Kind,
    pub default: DefaultValue,
    /// Appended to ranges in messages ("bytes", "ms"); empty for none.
    pub unit: &'static str,
    pub en: &'static str,
    pub zh: &'static str,
    pub get: fn(&Params) -> Option<Value>,
    pub set: fn(&mut Params, Value),
    /// Clears an optional value (does nothing for the others).
    pub clear: fn(&mut Params),
}

impl std::fmt::Debug for Param {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Param({})", self.key)
    }
}

impl Param {
    pub fn optional(&self) -> bool {
        matches!(self.default, DefaultValue::Unset)
    }

    /// The names of a choice (empty for the other kinds).
    pub fn names(&self) -> &'static [&'static str] {
        match self.kind {
            Kind::Choice(names) => names,
            _ => &[],
        }
    }

    /// Checks a value against the row's range. The message is the one a scenario file
    /// gets for the same value.
    pub fn check(&self, v: Value) -> Result<Value, String> {
        self.check_both(v).map_err(|m| m.en)
    }

    /// [`Self::check`], with the message in both languages.
    pub fn check_both(&self, v: Value) -> Result<Value, Text> {
        let name = self.key;
        match (self.kind, v) {
            (Kind::Choice(names), Value::Choice(i)) if i < names.len() => Ok(v),
            (Kind::Bool, Value::Bool(_)) => Ok(v),
            (Kind::Uint { min, max }, Value::Uint(n)) => {
                check_uint(name, n.into(), min, max, self.unit).map(Value::Uint)
            }
            (
                Kind::Number {
                    min,
                    max,
                    gap_below,
                },
                Value::Number(x),
            ) => {
                let x = check_number(name, x, min, max, self.unit)?;
                match gap_below {
                    Some(least) if x > 0.0 && x < least => Err(Text::both(
                        format!(
                            "`{name}` must be 0 (unlimited) or at least {least} {}, but it is {x}",
                            self.unit
                        ),
                        format!(
                            "`{name}` 必须是 0（不限），或至少 {least} {}，但它是 {x}",
                            unit_in(self.unit, Lang::Zh)
                        ),
                    )),
                    _ => Ok(Value::Number(x)),
                }
            }
            _ => Err(Text::both(
                format!("`{name}` cannot take the value {v:?}"),
                format!("`{name}` 不能取值 {v:?}"),
            )),
        }
    }

    /// A value as a file writes it: `"tcp"`, `true`, `1460`, `0.5`.
    pub fn show(&self, v: Value) -> String {
        match v {
            Value::Choice(i) => format!("\"{}\"", self.names().get(i).copied().unwrap_or("?")),
            Value::Bool(b) => b.to_string(),
            Value::Uint(n) => n.to_string(),
            Value::Number(x) => x.to_string(),
        }
    }

    /// The range in words, without "from": `1 to 65495`, `"tcp", "udp"`.
    pub fn allowed(&self) -> String {
        match self.kind {
            Kind::Choice(names) => {
                let quoted: Vec<String> = names.iter().map(|n| format!("`\"{n}\"`")).collect();
                quoted.join(", ")
            }
            Kind::Bool => "`true`, `false`".to_string(),
            Kind::Uint { min, max } if self.unit == "bytes" => {
                format!("{min} to {max}{}", size_words(max as f64))
            }
            Kind::Uint { min, max } => format!("{min} to {max}"),
            Kind::Number {
                min,
                max,
                gap_below: Some(least),
            } => format!("{min}, or {least} to {max}"),
            Kind::Number { min, max, .. } => format!("{min} to {max}"),
        }
    }
}

/// MSS on 127.0.0.1: the loopback MTU (65536) minus 40 bytes of IPv4 and TCP headers and
/// 12 of the TCP timestamp option (Linux).
pub const LOOPBACK_MSS: u32 = 65_483;
/// One-way latency of 127.0.0.1, measured on the project's machine (Linux 6.18): a
/// segment and its immediate ACK are 6 to 20 µs apart in a capture on `lo`, a Python echo
/// round trip is 13 µs.
pub const LOOPBACK_LATENCY_MS: f64 = 0.01;
/// SO_SNDBUF with the kernel's own buffers (real runs on loopback set none): it grows to
/// 3 939 840 at connection set-up (`tcp_sndbuf_expand`; tcp_wmem is 4096 16384 4194304),
/// measured. A non-blocking writer whose peer never reads had 3 911 664 bytes accepted
/// before EAGAIN, its window's worth already in the peer's buffer.
pub const LOOPBACK_SEND_BUFFER: u32 = 3_939_840;
/// SO_RCVBUF as the kernel reports it on a new socket (tcp_rmem's middle value).
pub const LOOPBACK_RECV_BUFFER: u32 = 131_072;
/// The delayed-ACK timer: Linux's minimum (`TCP_DELACK_MIN`, 40 ms) and Windows' default
/// (`TcpAckFrequency` timer, 200 ms).
pub const LINUX_DELAYED_ACK_MS: f64 = 40.0;
pub const WINDOWS_DELAYED_ACK_MS: f64 = 200.0;

const fn uint(n: u64) -> Value {
    Value::Uint(n)
}
const fn num(x: f64) -> Value {
    Value::Number(x)
}
const fn is(v: Value) -> DefaultValue {
    DefaultValue::Is(v)
}
const fn uints(min: u64, max: u64) -> Kind {
    Kind::Uint { min, max }
}
const fn ms_range() -> Kind {
    Kind::Number {
        min: 0.0,
        max: MAX_MS,
        gap_below: None,
    }
}

/// One row: the field's name is the key; get, set and clear follow from the field.
macro_rules! row {
    ($field:ident, $kind:expr, $default:expr, $unit:literal, $en:literal, $zh:literal $(,)?) => {
        Param {
            key: stringify!($field),
            kind: $kind,
            default: $default,
            unit: $unit,
            en: $en,
            zh: $zh,
            get: |p| ParamValue::to_value(&p.$field),
            set: |p, v| {
                if let Some(x) = ParamValue::from_value(v) {
                    p.$field = x;
                }
            },
            clear: |p| Clear::clear(&mut p.$field),
        }
    };
}

/// Only `Option` fields can be cleared; for the others, clearing does nothing.
pub trait Clear {
    fn clear(&mut self) {}
}
impl<T> Clear for Option<T> {
    fn clear(&mut self) {
        *self = None;
    }
}
impl Clear for bool {}
impl Clear for u32 {}
impl Clear for u64 {}
impl Clear for f64 {}

use super::{ByteOrder, DecoderKind, Delimiter, Framing, HeaderStyle, HeaderWrites, Transport};

/// Every parameter. `stack` and `link` come first: the defaults of later rows follow them.
pub static PARAMS: &[Param] = &[
    row!(
        stack,
        Kind::Choice(Stack::NAMES),
        is(Value::Choice(0)),
        "",
        "whose TCP the model follows; sets the default of `delayed_ack_ms`",
        "模型遵循哪个系统的 TCP；决定 delayed_ack_ms 的默认值",
    ),
    row!(
        link,
        Kind::Choice(Link::NAMES),
        is(Value::Choice(0)),
        "",
        "the wire: a LAN, or 127.0.0.1 as real runs use; sets the defaults of `mss`, `latency_ms`, `bandwidth_mbps`, `send_buffer` and `recv_buffer`",
        "链路：局域网，或真实运行所用的 127.0.0.1；决定 mss、latency_ms、bandwidth_mbps 与收发缓冲区的默认值",
    ),
    row!(
        transport,
        Kind::Choice(Transport::NAMES),
        is(Value::Choice(0)),
        "",
        "TCP byte stream (字节流) or UDP datagrams (数据报)",
        "TCP 字节流或 UDP 数据报",
    ),
    row!(
        framing,
        Kind::Choice(Framing::NAMES),
        is(Value::Choice(0)),
        "",
        "how `send_message` / `recv_message` mark message boundaries (see below)",
        "send_message / recv_message 如何标出消息边界（分包方式）",
    ),
    row!(
        header_writes,
        Kind::Choice(HeaderWrites::NAMES),
        is(Value::Choice(0)),
        "",
        "framed messages: header and body in one `send()`, or the tutorial's two `send()` calls",
        "带协议头的消息：头和正文一次 send()，或像教程那样两次 send()",
    ),
    row!(
        decoder,
        Kind::Choice(DecoderKind::NAMES),
        is(Value::Choice(0)),
        "",
        "framed receive: a correct loop, or the tutorial's loops with their flaws",
        "带协议头的接收：正确的循环，或教程中有缺陷的循环",
    ),
    row!(
        byte_order,
        Kind::Choice(ByteOrder::NAMES),
        is(Value::Choice(0)),
        "",
        "the 4-byte length: `struct.pack('i', n)` as x86 and ARM write it (`'i'` is native order: little-endian there; signed, at most 2³¹−1) or `struct.pack('!I', n)` (network order, big-endian, unsigned: portable)",
        "4 字节长度：struct.pack('i', n)，x86 和 ARM 上的写法（'i' 是本机字节序，在这些机器上是小端；有符号，最大 2³¹−1）或 struct.pack('!I', n)（网络字节序，大端，无符号：可移植）",
    ),
    row!(
        header_style,
        Kind::Choice(HeaderStyle::NAMES),
        is(Value::Choice(0)),
        "",
        "JSON header fields: `total_size`, `file_name`, `md5` (方案二) or `filesize`, `filename`, `filepath` (upload client)",
        "JSON 报头字段：total_size、file_name、md5（方案二）或 filesize、filename、filepath（上传客户端）",
    ),
    row!(
        delimiter,
        Kind::Choice(Delimiter::NAMES),
        is(Value::Choice(0)),
        "",
        "`line` framing: the bytes that end each message (`\\n` as `readline()` reads, `\\r\\n`, `\\x00`); a file may also write the character itself",
        "line 分包：每条消息末尾的分隔符（readline() 读的 \\n、\\r\\n 或 \\x00）；文件里也可直接写该字符",
    ),
    row!(
        escape,
        Kind::Bool,
        is(Value::Bool(false)),
        "",
        "`line` framing: a body that contains the delimiter is escaped (`\\` becomes `\\\\`; the delimiter's bytes become `\\n`, `\\r`, `\\0`) instead of refused",
        "line 分包：正文含分隔符时转义（\\ 写成 \\\\，分隔符的字节写成 \\n \\r \\0），而不是拒绝发送",
    ),
    row!(
        record_size,
        uints(1, MAX_RECORD_SIZE as u64),
        is(uint(32)),
        "bytes",
        "`fixed` framing: every message is exactly this long, the body padded with NUL bytes",
        "fixed 分包：每条消息恰好这么长，正文不足处用 NUL 字节补齐",
    ),
    row!(
        max_frame,
        uints(1, MAX_FRAME_LIMIT as u64),
        is(uint(8 * 1024 * 1024)),
        "bytes",
        "largest frame body a decoder accepts",
        "解码器接受的最大消息正文",
    ),
    row!(
        max_header,
        uints(1, MAX_HEADER_LIMIT as u64),
        is(uint(64 * 1024)),
        "bytes",
        "largest JSON header a decoder accepts",
        "解码器接受的最大 JSON 报头",
    ),
    row!(
        mss,
        uints(1, MAX_MSS as u64),
        DefaultValue::ByLink {
            lan: uint(1460),
            loopback: uint(LOOPBACK_MSS as u64),
        },
        "bytes",
        "maximum segment size (最大报文段长度): most payload bytes in one TCP segment",
        "最大报文段长度：一个 TCP 报文段最多携带的数据字节数",
    ),
    row!(
        latency_ms,
        ms_range(),
        DefaultValue::ByLink {
            lan: num(5.0),
            loopback: num(LOOPBACK_LATENCY_MS),
        },
        "ms",
        "one-way delay of the wire (单程时延)",
        "链路单程时延",
    ),
    row!(
        bandwidth_mbps,
        Kind::Number {
            min: 0.0,
            max: MAX_BANDWIDTH_MBPS,
            gap_below: Some(MIN_BANDWIDTH_MBPS),
        },
        DefaultValue::ByLink {
            lan: num(100.0),
            loopback: num(0.0),
        },
        "Mbit/s",
        "link speed; `0` means unlimited",
        "链路带宽；0 表示不限",
    ),
    row!(
        nagle,
        Kind::Bool,
        is(Value::Bool(true)),
        "",
        "Nagle's algorithm (`false` is like setting `TCP_NODELAY`)",
        "Nagle 算法（false 相当于设置 TCP_NODELAY）",
    ),
    row!(
        delayed_ack,
        Kind::Bool,
        is(Value::Bool(true)),
        "",
        "delayed ACK (延迟确认)",
        "延迟确认",
    ),
    row!(
        delayed_ack_ms,
        ms_range(),
        DefaultValue::ByStack {
            linux: num(LINUX_DELAYED_ACK_MS),
            windows: num(WINDOWS_DELAYED_ACK_MS),
        },
        "ms",
        "how long the receiver waits before a delayed ACK",
        "接收方发送延迟确认前等待多久",
    ),
    row!(
        send_buffer,
        uints(1, MAX_SOCKET_BUFFER as u64),
        DefaultValue::ByLink {
            lan: uint(16384),
            loopback: uint(LOOPBACK_SEND_BUFFER as u64),
        },
        "bytes",
        "send buffer size (发送缓冲区)",
        "发送缓冲区大小",
    ),
    row!(
        recv_buffer,
        uints(1, MAX_SOCKET_BUFFER as u64),
        DefaultValue::ByLink {
            lan: uint(65536),
            loopback: uint(LOOPBACK_RECV_BUFFER as u64),
        },
        "bytes",
        "receive buffer size (接收缓冲区)",
        "接收缓冲区大小",
    ),
    row!(
        seed,
        uints(0, MAX_SEED),
        is(uint(1)),
        "",
        "seed for the random jitter and loss: same seed, same run",
        "随机抖动与丢包的种子：种子相同，运行结果相同",
    ),
    row!(
        jitter_ms,
        ms_range(),
        is(num(0.0)),
        "ms",
        "random extra delay per packet",
        "每个包随机附加的时延",
    ),
    row!(
        loss,
        Kind::Number {
            min: 0.0,
            max: 1.0,
            gap_below: None,
        },
        is(num(0.0)),
        "",
        "probability that a UDP datagram is lost (`0.1` = 10 %, not `10`)",
        "UDP 数据报丢失的概率（0.1 即 10%，不是 10）",
    ),
    row!(
        recv_size,
        uints(1, MAX_BUFSIZE as u64),
        DefaultValue::Unset,
        "bytes",
        "if set, replaces the bufsize of every `recv` and `recv_message` in both programs",
        "若设置，替换两端程序中每次 recv 与 recv_message 的 bufsize",
    ),
    row!(
        recv_delay_ms,
        ms_range(),
        DefaultValue::Unset,
        "ms",
        "if set, every `recv` and `recv_message` is preceded by a sleep this long",
        "若设置，每次 recv 与 recv_message 之前先睡眠这么久",
    ),
];

/// The row of `key`.
pub fn param(key: &str) -> Option<&'static Param> {
    PARAMS.iter().find(|p| p.key == key)
}

/// Every key, in table order.
pub fn keys() -> Vec<&'static str> {
    PARAMS.iter().map(|p| p.key).collect()
}

// ---- wording shared by every reader of values (files, `--set`, flags, the GUI) -------------

/// `from 1 to 67108864 bytes (64 MiB)`.
pub fn range_words(min: f64, max: f64, unit: &str) -> String {
    range_words_in(min, max, unit, Lang::En)
}

/// [`range_words`] in `lang`: `1 到 67108864 字节（64 MiB）`.
pub fn range_words_in(min: f64, max: f64, unit: &str, lang: Lang) -> String {
    let size = if unit.starts_with("bytes") {
        size_words(max)
    } else {
        String::new()
    };
    let unit = if unit.is_empty() {
        String::new()
    } else {
        format!(" {}", unit_in(unit, lang))
    };
    match lang {
        Lang::En => format!("from {min} to {max}{unit}{size}"),
        Lang::Zh => {
            let size = size.trim_start().replace('(', "（").replace(')', "）");
            format!("{min} 到 {max}{unit}{size}")
        }
    }
}

/// A unit of the table as a message in `lang` writes it (`bytes` → `字节`).
pub fn unit_in(unit: &str, lang: Lang) -> &str {
    match (lang, unit) {
        (Lang::Zh, "bytes") => "字节",
        (Lang::Zh, "times") => "次",
        (Lang::Zh, "s") => "秒",
        _ => unit,
    }
}

/// ` (64 MiB)` for a whole number of MiB or GiB, else nothing.
fn size_words(max: f64) -> String {
    const MIB: f64 = 1024.0 * 1024.0;
    if max >= MIB && max % MIB == 0.0 {
        let mib = max / MIB;
        if mib >= 1024.0 {
            format!(" ({} GiB)", mib / 1024.0)
        } else {
            format!(" ({mib} MiB)")
        }
    } else {
        String::new()
    }
}

/// The range of a whole number in words; bounds past 2^53 (the seed's) are spelled
/// exactly rather than rounded through f64.
pub fn uint_range_words(min: u64, max: u64, unit: &str) -> String {
    uint_range_words_in(min, max, unit, Lang::En)
}

/// [`uint_range_words`] in `lang`.
pub fn uint_range_words_in(min: u64, max: u64, unit: &str, lang: Lang) -> String {
    match lang {
        _ if max <= 1 << 53 => range_words_in(min as f64, max as f64, unit, lang),
        Lang::En => format!("from {min} to {max}"),
        Lang::Zh => format!("{min} 到 {max}"),
    }
}

/// A whole number in `min..=max`, or the message saying why not.
pub fn check_uint(name: &str, n: i128, min: u64, max: u64, unit: &str) -> Result<u64, Text> {
    if n >= i128::from(min) && n <= i128::from(max) {
        return Ok(n as u64);
    }
    let (why, why_zh) = if n < 0 {
        (" (it cannot be negative)", "（不能为负数）")
    } else if n == 0 {
        (" (it cannot be zero)", "（不能为 0）")
    } else {
        ("", "")
    };
    let range = uint_range_words(min, max, unit);
    let range_zh = uint_range_words_in(min, max, unit, Lang::Zh);
    Err(Text::both(
        format!("`{name}` must be {range}, but it is {n}{why}"),
        format!("`{name}` 的取值范围是 {range_zh}，但它是 {n}{why_zh}"),
    ))
}

/// A number as a person reads it: `1e300`, not three hundred digits.
fn show_number(x: f64) -> String {
    if x != 0.0 && !(1e-6..1e15).contains(&x.abs()) {
        format!("{x:e}")
    } else {
        x.to_string()
    }
}

/// A finite number in `min..=max` (-0 reads as 0), or the message saying why not.
pub fn check_number(name: &str, x: f64, min: f64, max: f64, unit: &str) -> Result<f64, Text> {
    let range = range_words(min, max, unit);
    let range_zh = range_words_in(min, max, unit, Lang::Zh);
    if !x.is_finite() {
        return Err(Text::both(
            format!("`{name}` must be an ordinary number, {range}, not nan or infinity"),
            format!("`{name}` 必须是普通的数，取值范围 {range_zh}，不能是 nan 或无穷大"),
        ));
    }
    if x < min || x > max {
        let (why, why_zh) = if x < 0.0 {
            (" (it cannot be negative)", "（不能为负数）")
        } else {
            ("", "")
        };
        let shown = show_number(x);
        return Err(Text::both(
            format!("`{name}` must be {range}, but it is {shown}{why}"),
            format!("`{name}` 的取值范围是 {range_zh}，但它是 {shown}{why_zh}"),
        ));
    }
    Ok(if x == 0.0 { 0.0 } else { x })
}

// ---- the reference table of docs/scenario-format.md ------------------------------------------

/// The Markdown table of every parameter, as `docs/scenario-format.md` shows it.
pub fn markdown_table() -> String {
    let mut out = String::from(
        "| key | default | allowed values | unit | meaning |\n|---|---|---|---|---|\n",
    );
    for p in PARAMS {
        let default = match p.default {
            DefaultValue::Is(v) => format!("`{}`", p.show(v)),
            DefaultValue::Unset => "not set".to_string(),
            DefaultValue::ByLink { lan, loopback } => {
                format!("`{}` (lan), `{}` (loopback)", p.show(lan), p.show(loopback))
            }
            DefaultValue::ByStack { linux, windows } => format!(
                "`{}` (linux), `{}` (windows)",
                p.show(linux),
                p.show(windows)
            ),
        };
        let _ = writeln!(
            out,
            "| `{}` | {default} | {} | {} | {} |",
            p.key,
            p.allowed(),
            p.unit,
            p.en
        );
    }
    out
}

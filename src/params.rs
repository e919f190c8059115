//! Run parameters: one place for every knob and its default (DESIGN.md, "Parameters").

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Transport {
    Tcp,
    Udp,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Framing {
    /// `send_message(b)` is one `send(b)`; `recv_message(n)` is one `recv(n)`.
    Raw,
    /// 4-byte length, then the body (`struct.pack('i', n)`).
    LengthPrefix,
    /// 4-byte header length, a JSON header, then the body (the tutorial's 方案二).
    JsonHeader,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum HeaderWrites {
    /// One write of header + body.
    Combined,
    /// The tutorial's `send(header)` then `send(body)`.
    Separate,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DecoderKind {
    /// Reads exactly the bytes it needs, never more than what remains of the frame.
    Correct,
    /// The tutorial's loops, flaws included.
    Tutorial,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ByteOrder {
    /// Signed 32-bit little-endian: `struct.pack('i', n)` on x86 and ARM.
    Little,
    /// Unsigned 32-bit big-endian: `struct.pack('!I', n)`.
    Big,
}

/// Which JSON header the sender writes (the tutorial spells the fields two ways).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum HeaderStyle {
    /// 方案二: `{"md5", "file_name", "total_size"}`, with a real md5 of the body.
    Command,
    /// The upload client: `{"filepath", "filename", "filesize"}`, no md5.
    Upload,
}

/// Every parameter of a run. `Params::default()` is DESIGN.md's table.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Params {
    pub transport: Transport,
    pub framing: Framing,
    pub header_writes: HeaderWrites,
    pub decoder: DecoderKind,
    pub byte_order: ByteOrder,
    pub header_style: HeaderStyle,
    /// Largest frame body a decoder accepts (bytes).
    pub max_frame: u32,
    /// Largest JSON header a decoder accepts (bytes).
    pub max_header: u32,
    pub mss: u32,
    /// One-way latency.
    pub latency_ms: f64,
    /// Serialization rate of each direction's link; 0 = unlimited.
    pub bandwidth_mbps: f64,
    pub nagle: bool,
    pub delayed_ack: bool,
    pub delayed_ack_ms: f64,
    pub send_buffer: u32,
    pub recv_buffer: u32,
    pub seed: u64,
    pub jitter_ms: f64,
    /// Probability that a UDP datagram is dropped on the wire.
    pub loss: f64,
    /// When set, replaces the bufsize of every `recv` / `recv_message`.
    pub recv_size: Option<u32>,
    /// When set, every `recv` / `recv_message` is preceded by a sleep this long.
    pub recv_delay_ms: Option<f64>,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            transport: Transport::Tcp,
            framing: Framing::Raw,
            header_writes: HeaderWrites::Combined,
            decoder: DecoderKind::Correct,
            byte_order: ByteOrder::Little,
            header_style: HeaderStyle::Command,
            max_frame: 8 * 1024 * 1024,
            max_header: 64 * 1024,
            mss: 1460,
            latency_ms: 5.0,
            bandwidth_mbps: 100.0,
            nagle: true,
            delayed_ack: true,
            delayed_ack_ms: 40.0,
            send_buffer: 16384,
            recv_buffer: 65536,
            seed: 1,
            jitter_ms: 0.0,
            loss: 0.0,
            recv_size: None,
            recv_delay_ms: None,
        }
    }
}

/// Milliseconds as configured, rounded to the nearest microsecond.
pub fn ms_to_us(ms: f64) -> u64 {
    (ms * 1000.0).round().max(0.0) as u64
}

//! Run parameters (docs/design.md, "Parameters").
//!
//! [`Params`] is a plain struct of resolved values: what the model and real sockets read.
//! Where each value comes from is decided above it: [`table::PARAMS`] holds every key with
//! its kind, range, unit, default and doc line, and drives the scenario parser, `--set`,
//! the command-line flags, the GUI's widgets and the reference in
//! `docs/scenario-format.md`; a [`Settings`] is the set of keys given explicitly (by a
//! file, `--set`, a flag, the GUI), and [`Settings::resolve`] turns it into `Params`:
//! defaults, then the link's and stack's defaults, then the explicit values.
//!
//! Adding a parameter: a field here, one row in [`table::PARAMS`], its use in the model.

pub mod limits;
mod settings;
pub mod table;

pub use settings::Settings;
pub use table::{Param, Value};

use serde::{Deserialize, Serialize};

/// A parameter whose value is one of a few names. Gives the enum `ALL`, `NAMES` (as
/// written in files, on the command line and in the JSON report) and `name()`.
macro_rules! choice_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident = $text:literal, )*
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
        pub enum $name {
            $( $(#[$vmeta])* #[serde(rename = $text)] $variant, )*
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),*];
            pub const NAMES: &'static [&'static str] = &[$($text),*];

            pub fn name(self) -> &'static str {
                match self {
                    $($name::$variant => $text,)*
                }
            }

            /// The value named `name`, as spelled in [`Self::NAMES`].
            pub fn from_name(name: &str) -> Option<$name> {
                Self::NAMES.iter().position(|n| *n == name).map(|i| Self::ALL[i])
            }
        }

        impl table::Clear for $name {}

        impl table::ParamValue for $name {
            fn to_value(&self) -> Option<Value> {
                let i = Self::ALL.iter().position(|v| v == self).unwrap_or(0);
                Some(Value::Choice(i))
            }
            fn from_value(v: Value) -> Option<Self> {
                match v {
                    Value::Choice(i) => Self::ALL.get(i).copied(),
                    _ => None,
                }
            }
        }
    };
}

choice_enum! {
    pub enum Transport {
        Tcp = "tcp",
        Udp = "udp",
    }
}

choice_enum! {
    pub enum Framing {
        /// `send_message(b)` is one `send(b)`; `recv_message(n)` is one `recv(n)`.
        Raw = "raw",
        /// 4-byte length, then the body (`struct.pack('i', n)`).
        LengthPrefix = "length-prefix",
        /// 4-byte header length, a JSON header, then the body (the tutorial's 方案二).
        JsonHeader = "json-header",
        /// The body, then `delimiter` (`makefile().readline()` reads it).
        Line = "line",
        /// Every message exactly `record_size` bytes: the body padded with NULs.
        Fixed = "fixed",
    }
}

choice_enum! {
    /// What ends a message in `line` framing. Written as the escape (`"\\n"`); a file may
    /// also give the character itself (`delimiter = "\n"` in TOML is a newline).
    pub enum Delimiter {
        /// `b'\n'`: what `readline()` splits at.
        Lf = "\\n",
        /// `b'\r\n'`: telnet, SMTP, HTTP headers.
        Crlf = "\\r\\n",
        /// `b'\x00'`: C strings, `find -print0`.
        Nul = "\\x00",
    }
}

impl Delimiter {
    /// The bytes on the wire.
    pub fn bytes(self) -> &'static [u8] {
        match self {
            Delimiter::Lf => b"\n",
            Delimiter::Crlf => b"\r\n",
            Delimiter::Nul => b"\0",
        }
    }
}

choice_enum! {
    pub enum HeaderWrites {
        /// One write of header + body.
        Combined = "combined",
        /// The tutorial's `send(header)` then `send(body)`.
        Separate = "separate",
    }
}

choice_enum! {
    pub enum DecoderKind {
        /// Reads exactly the bytes it needs, never more than what remains of the frame.
        Correct = "correct",
        /// The tutorial's loops, flaws included.
        Tutorial = "tutorial",
    }
}

choice_enum! {
    pub enum ByteOrder {
        /// Signed 32-bit little-endian: `struct.pack('i', n)` on x86 and ARM.
        Little = "little",
        /// Unsigned 32-bit big-endian: `struct.pack('!I', n)`.
        Big = "big",
    }
}

choice_enum! {
    /// Which JSON header the sender writes (the tutorial spells the fields two ways).
    pub enum HeaderStyle {
        /// 方案二: `{"md5", "file_name", "total_size"}`, with a real md5 of the body.
        Command = "command",
        /// The upload client: `{"filepath", "filename", "filesize"}`, no md5.
        Upload = "upload",
    }
}

choice_enum! {
    /// Whose TCP the model follows. Sets the default of `delayed_ack_ms`.
    pub enum Stack {
        Linux = "linux",
        Windows = "windows",
    }
}

choice_enum! {
    /// What the wire is. Sets the defaults of `mss`, `latency_ms`, `bandwidth_mbps` and
    /// the socket buffers ([`table::PARAMS`]).
    pub enum Link {
        /// A 100 Mbit/s Ethernet LAN.
        Lan = "lan",
        /// 127.0.0.1 on this machine's kernel: what real runs use.
        Loopback = "loopback",
    }
}

/// Every parameter of a run, resolved. `Params::default()` is the table's defaults
/// (link `lan`, stack `linux`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Params {
    pub transport: Transport,
    pub framing: Framing,
    pub header_writes: HeaderWrites,
    pub decoder: DecoderKind,
    pub byte_order: ByteOrder,
    pub header_style: HeaderStyle,
    /// What ends a message in `line` framing.
    pub delimiter: Delimiter,
    /// `line` framing: backslash-escape `\\` and the delimiter's bytes in a body instead of
    /// refusing a body that contains the delimiter.
    pub escape: bool,
    /// `fixed` framing: the size of every record (bytes).
    pub record_size: u32,
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
    pub stack: Stack,
    pub link: Link,
}

impl Default for Params {
    fn default() -> Self {
        Settings::default().resolve()
    }
}

impl Params {
    /// Placeholder values that [`Settings::resolve`] overwrites, every one (a test checks
    /// that each field has a row in the table).
    pub(crate) fn blank() -> Params {
        Params {
            transport: Transport::Tcp,
            framing: Framing::Raw,
            header_writes: HeaderWrites::Combined,
            decoder: DecoderKind::Correct,
            byte_order: ByteOrder::Little,
            header_style: HeaderStyle::Command,
            delimiter: Delimiter::Lf,
            escape: false,
            record_size: 0,
            max_frame: 0,
            max_header: 0,
            mss: 0,
            latency_ms: 0.0,
            bandwidth_mbps: 0.0,
            nagle: false,
            delayed_ack: false,
            delayed_ack_ms: 0.0,
            send_buffer: 0,
            recv_buffer: 0,
            seed: 0,
            jitter_ms: 0.0,
            loss: 0.0,
            recv_size: None,
            recv_delay_ms: None,
            stack: Stack::Linux,
            link: Link::Lan,
        }
    }

    /// Checks every value against its row's range (values set in code or by the GUI).
    /// The message is the one a scenario file gets.
    pub fn validate(&self) -> Result<(), String> {
        for param in table::PARAMS {
            if let Some(v) = (param.get)(self) {
                param.check(v)?;
            }
        }
        Ok(())
    }
}

/// Milliseconds as configured, rounded to the nearest microsecond.
pub fn ms_to_us(ms: f64) -> u64 {
    (ms * 1000.0).round().max(0.0) as u64
}

#[cfg(test)]
mod tests;

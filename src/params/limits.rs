//! The bounds a scenario file, `--set`, the command-line flags and the GUI are checked
//! against (the parameter rows of [`super::table::PARAMS`] and the program's actions).

/// Largest `recv` / `recv_message` bufsize and `recv_size` (64 MiB).
pub const MAX_BUFSIZE: u32 = 64 * 1024 * 1024;
/// Largest total of data bytes one program may send, `repeat` included (64 MiB).
pub const MAX_DATA_PER_PROGRAM: u64 = 64 * 1024 * 1024;
/// Most actions one program may hold once `repeat` is expanded.
pub const MAX_ACTIONS_PER_PROGRAM: u64 = 100_000;
/// Largest `repeat`.
pub const MAX_REPEAT: u64 = MAX_ACTIONS_PER_PROGRAM;
/// Longest time in milliseconds (latency, jitter, delays, sleeps): one minute.
pub const MAX_MS: f64 = 60_000.0;
/// Largest MSS: a 65535-byte IPv4 packet minus 20 bytes of IP and 20 of TCP header.
pub const MAX_MSS: u32 = 65_495;
/// Largest `send_buffer` / `recv_buffer` (64 MiB).
pub const MAX_SOCKET_BUFFER: u32 = 64 * 1024 * 1024;
/// Largest `max_frame` (1 GiB).
pub const MAX_FRAME_LIMIT: u32 = 1024 * 1024 * 1024;
/// Largest `record_size` (64 KiB).
pub const MAX_RECORD_SIZE: u32 = 64 * 1024;
/// Largest `max_header` (16 MiB).
pub const MAX_HEADER_LIMIT: u32 = 16 * 1024 * 1024;
/// Smallest non-zero `bandwidth_mbps` (1 kbit/s: a full segment then takes 12 s).
pub const MIN_BANDWIDTH_MBPS: f64 = 0.001;
/// Largest `bandwidth_mbps` (1 Tbit/s).
pub const MAX_BANDWIDTH_MBPS: f64 = 1_000_000.0;
/// Largest `seed`: TOML integers are signed 64-bit.
pub const MAX_SEED: u64 = i64::MAX as u64;
/// Largest scenario file `check`, `run` and the GUI read (4 MiB: the built-ins are < 10 KiB).
pub const MAX_FILE_BYTES: u64 = 4 * 1024 * 1024;
/// `fill` used by `{ size = N }` data without one.
pub const DEFAULT_FILL: &str = "x";

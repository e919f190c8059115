//! Reads and checks a scenario file (DESIGN.md, "Scenario files"; docs/scenario-format.md).
//!
//! The text is parsed with the `toml` crate's spanned document tree, then every key and
//! value is checked by hand, so that each mistake gets its own error at the line and
//! column of the offending key or value, in words a teacher understands, with the valid
//! range or choices. All the mistakes of a file are collected ([`parse_all`]); [`parse`]
//! returns the first one. Nothing here panics, whatever the input.

use std::fmt::Write as _;
use std::ops::Range;

use toml::Spanned;
use toml::de::{DeTable, DeValue};

use super::{Action, Scenario, Step, Text};
use crate::params::{
    ByteOrder, DecoderKind, Framing, HeaderStyle, HeaderWrites, Params, Transport,
};

mod suggest;
#[cfg(test)]
mod tests;

/// The bounds a scenario file is checked against.
pub mod limits {
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
    /// Largest `max_header` (16 MiB).
    pub const MAX_HEADER_LIMIT: u32 = 16 * 1024 * 1024;
    /// Smallest non-zero `bandwidth_mbps` (1 kbit/s: a full segment then takes 12 s).
    pub const MIN_BANDWIDTH_MBPS: f64 = 0.001;
    /// Largest `bandwidth_mbps` (1 Tbit/s).
    pub const MAX_BANDWIDTH_MBPS: f64 = 1_000_000.0;
    /// `fill` used by `{ size = N }` data without one.
    pub const DEFAULT_FILL: &str = "x";
}

use limits::*;

/// One mistake in a scenario file, at a 1-based line and column (the column counts
/// characters, not bytes). Displays as `file:line:column: message`.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{file}:{line}:{column}: {message}")]
pub struct ScenarioError {
    pub file: String,
    pub line: u32,
    pub column: u32,
    pub message: String,
}

/// Parses and checks a scenario; on failure, returns the first mistake in the file.
pub fn parse(text: &str, file: &str) -> Result<Scenario, ScenarioError> {
    parse_all(text, file).map_err(first)
}

/// Parses and checks a scenario; on failure, returns every mistake found, in file order.
pub fn parse_all(text: &str, file: &str) -> Result<Scenario, Vec<ScenarioError>> {
    Parser::new(text, file).run()
}

/// Like [`parse`], for the raw bytes of a file: invalid UTF-8 is reported at the line and
/// column of the first bad byte.
pub fn parse_bytes(bytes: &[u8], file: &str) -> Result<Scenario, ScenarioError> {
    parse_bytes_all(bytes, file).map_err(first)
}

/// Like [`parse_all`], for the raw bytes of a file.
pub fn parse_bytes_all(bytes: &[u8], file: &str) -> Result<Scenario, Vec<ScenarioError>> {
    match std::str::from_utf8(bytes) {
        Ok(text) => parse_all(text, file),
        Err(e) => {
            let at = e.valid_up_to();
            let (line, column) = position(bytes, at);
            let bad = bytes.get(at).copied().unwrap_or(0);
            Err(vec![ScenarioError {
                file: file.to_string(),
                line,
                column,
                message: format!(
                    "the file is not valid UTF-8: byte 0x{bad:02X} here is not part of a UTF-8 \
                     character (was the file saved as GBK, ANSI or Latin-1? save it as UTF-8)"
                ),
            }])
        }
    }
}

fn bandwidth_too_small(x: f64) -> String {
    format!(
        "`bandwidth_mbps` must be 0 (unlimited) or at least {MIN_BANDWIDTH_MBPS} Mbit/s \
         (1 kbit/s), but it is {x}"
    )
}

fn first(mut errors: Vec<ScenarioError>) -> ScenarioError {
    if errors.is_empty() {
        // Not reached: a failed parse always reports at least one error.
        ScenarioError {
            file: String::new(),
            line: 1,
            column: 1,
            message: "invalid scenario".into(),
        }
    } else {
        errors.swap_remove(0)
    }
}

/// 1-based line and column (in characters) of byte offset `at`. Never panics.
fn position(bytes: &[u8], at: usize) -> (u32, u32) {
    let at = at.min(bytes.len());
    let before = &bytes[..at];
    let line_start = before
        .iter()
        .rposition(|b| *b == b'\n')
        .map_or(0, |i| i + 1);
    let line = before.iter().filter(|b| **b == b'\n').count() + 1;
    (
        clamp_u32(line),
        column(&before[line_start..], line_start == 0),
    )
}

/// 1-based column after `segment` (the start of a line): characters, not bytes; a byte
/// order mark at the very start of the file does not count.
fn column(mut segment: &[u8], file_start: bool) -> u32 {
    if file_start {
        segment = segment
            .strip_prefix("\u{feff}".as_bytes())
            .unwrap_or(segment);
    }
    // Every byte that is not a UTF-8 continuation byte starts a character.
    clamp_u32(segment.iter().filter(|b| (**b & 0xC0) != 0x80).count() + 1)
}

fn clamp_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

// ---------------------------------------------------------------------------------------
// Keys and where they belong.

const TOP_KEYS: &[&str] = &["meta", "params", "client", "server"];
const META_KEYS: &[&str] = &["title", "summary"];
const TEXT_KEYS: &[&str] = &["en", "zh"];
const ACTION_KEYS: &[&str] = &[
    "send",
    "sendall",
    "send_message",
    "recv",
    "recv_message",
    "sleep_ms",
    "close",
];
const ENTRY_KEYS: &[&str] = &[
    "send",
    "sendall",
    "send_message",
    "recv",
    "recv_message",
    "sleep_ms",
    "close",
    "note",
    "repeat",
];
const DATA_KEYS: &[&str] = &["size", "fill", "hex"];
const PARAM_KEYS: &[&str] = &[
    "transport",
    "framing",
    "header_writes",
    "decoder",
    "byte_order",
    "header_style",
    "max_frame",
    "max_header",
    "mss",
    "latency_ms",
    "bandwidth_mbps",
    "nagle",
    "delayed_ack",
    "delayed_ack_ms",
    "send_buffer",
    "recv_buffer",
    "seed",
    "jitter_ms",
    "loss",
    "recv_size",
    "recv_delay_ms",
];

/// The tables a key can live in.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Place {
    Top,
    Meta,
    Params,
    Entry,
    Text,
    Data,
}

impl Place {
    fn keys(self) -> &'static [&'static str] {
        match self {
            Place::Top => TOP_KEYS,
            Place::Meta => META_KEYS,
            Place::Params => PARAM_KEYS,
            Place::Entry => ENTRY_KEYS,
            Place::Text => TEXT_KEYS,
            Place::Data => DATA_KEYS,
        }
    }
}

/// Where a key that is unknown here does belong, in words.
fn home_of(key: &str) -> Option<(Place, &'static str)> {
    if TOP_KEYS.contains(&key) {
        Some((Place::Top, "a top-level part of the file"))
    } else if PARAM_KEYS.contains(&key) {
        Some((Place::Params, "a setting for the [params] table"))
    } else if META_KEYS.contains(&key) {
        Some((Place::Meta, "part of the [meta] table"))
    } else if ENTRY_KEYS.contains(&key) {
        Some((Place::Entry, "part of a [[client]] or [[server]] step"))
    } else {
        None
    }
}

// ---------------------------------------------------------------------------------------

type Val<'i> = Spanned<DeValue<'i>>;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Side {
    Client,
    Server,
}

impl Side {
    fn name(self) -> &'static str {
        match self {
            Side::Client => "client",
            Side::Server => "server",
        }
    }
}

/// Data to send, checked but not yet materialized (so sizes are checked before any
/// allocation).
enum DataSpec {
    Bytes(Vec<u8>),
    Fill { size: u64, fill: String },
}

impl DataSpec {
    fn len(&self) -> u64 {
        match self {
            DataSpec::Bytes(b) => b.len() as u64,
            DataSpec::Fill { size, .. } => *size,
        }
    }
    fn bytes(self) -> Vec<u8> {
        match self {
            DataSpec::Bytes(b) => b,
            DataSpec::Fill { size, fill } => {
                let fill = fill.as_bytes();
                if fill.is_empty() {
                    return Vec::new();
                }
                fill.iter()
                    .copied()
                    .cycle()
                    .take(usize::try_from(size).unwrap_or(0))
                    .collect()
            }
        }
    }
}

enum ActionSpec {
    Send(DataSpec),
    Sendall(DataSpec),
    SendMessage(DataSpec),
    Recv(u32),
    RecvMessage(u32),
    Sleep(f64),
    Close,
}

impl ActionSpec {
    fn data_len(&self) -> u64 {
        match self {
            ActionSpec::Send(d) | ActionSpec::Sendall(d) | ActionSpec::SendMessage(d) => d.len(),
            _ => 0,
        }
    }
    fn build(self) -> Action {
        match self {
            ActionSpec::Send(d) => Action::Send(d.bytes()),
            ActionSpec::Sendall(d) => Action::Sendall(d.bytes()),
            ActionSpec::SendMessage(d) => Action::SendMessage(d.bytes()),
            ActionSpec::Recv(n) => Action::Recv(n),
            ActionSpec::RecvMessage(n) => Action::RecvMessage(n),
            ActionSpec::Sleep(ms) => Action::Sleep(ms),
            ActionSpec::Close => Action::Close,
        }
    }
}

/// At most this many errors are reported per file (a file of garbage is not read to the end).
const MAX_ERRORS: usize = 100;

struct Parser<'a> {
    text: &'a str,
    file: &'a str,
    /// Byte offset where each line starts.
    line_starts: Vec<usize>,
    errors: Vec<ScenarioError>,
}

impl<'a> Parser<'a> {
    fn new(text: &'a str, file: &'a str) -> Self {
        let mut line_starts = vec![0];
        line_starts.extend(
            text.bytes()
                .enumerate()
                .filter(|(_, b)| *b == b'\n')
                .map(|(i, _)| i + 1),
        );
        Parser {
            text,
            file,
            line_starts,
            errors: Vec::new(),
        }
    }

    fn error(&mut self, at: usize, message: impl Into<String>) {
        if self.errors.len() >= MAX_ERRORS {
            return;
        }
        let (line, column) = self.position(at);
        self.errors.push(ScenarioError {
            file: self.file.to_string(),
            line,
            column,
            message: message.into(),
        });
    }

    /// Like [`position`], with the line found in the index.
    fn position(&self, at: usize) -> (u32, u32) {
        let at = at.min(self.text.len());
        let line = self.line_starts.partition_point(|s| *s <= at).max(1);
        let start = self.line_starts.get(line - 1).copied().unwrap_or(0).min(at);
        (
            clamp_u32(line),
            column(&self.text.as_bytes()[start..at], start == 0),
        )
    }

    fn line_of(&self, at: usize) -> u32 {
        self.position(at).0
    }

    fn finish<T>(self, value: T) -> Result<T, Vec<ScenarioError>> {
        if self.errors.is_empty() {
            Ok(value)
        } else {
            Err(self.into_errors())
        }
    }

    /// The errors in file order (a stable sort: errors at the same place keep the order
    /// they were found in).
    fn into_errors(mut self) -> Vec<ScenarioError> {
        self.errors.sort_by_key(|e| (e.line, e.column));
        self.errors
    }

    fn run(mut self) -> Result<Scenario, Vec<ScenarioError>> {
        let (doc, syntax) = DeTable::parse_recoverable(self.text);
        if !syntax.is_empty() {
            // Report the TOML syntax errors only: what follows a syntax error is guesswork
            // and would bring misleading errors of its own. One per line is enough.
            let mut seen_lines = std::collections::HashSet::new();
            for e in &syntax {
                let at = e.span().map_or(0, |s| s.start);
                if !seen_lines.insert(self.line_of(at)) {
                    continue;
                }
                let message = syntax_message(e.message(), self.text, e.span());
                self.error(at, message);
            }
            return Err(self.into_errors());
        }
        let root = doc.into_inner();
        let scenario = self.document(&root);
        self.finish(scenario)
    }

    fn document(&mut self, root: &DeTable<'_>) -> Scenario {
        let mut title = None;
        let mut summary = None;
        let mut params = Params::default();
        let mut client = Vec::new();
        let mut server = Vec::new();
        let mut meta_seen = false;

        for (key, value) in sorted(root) {
            match key.get_ref().as_ref() {
                "meta" => {
                    meta_seen = true;
                    if let Some(table) = self.table_for("meta", value, "[meta]") {
                        (title, summary) = self.meta(table, value.span().start);
                    }
                }
                "params" => {
                    if let Some(table) = self.table_for("params", value, "[params]") {
                        self.params(table, &mut params);
                    }
                }
                "client" => client = self.program(Side::Client, value),
                "server" => server = self.program(Side::Server, value),
                other => self.unknown_key(
                    Place::Top,
                    other,
                    key.span().start,
                    "at the top of the file",
                ),
            }
        }

        if self.text.trim_start_matches('\u{feff}').trim().is_empty() {
            self.error(
                0,
                "the file is empty: a scenario needs a [meta] table with a title and at least \
                 one [[client]] or [[server]] step",
            );
            return Scenario {
                name: scenario_name(self.file),
                title: Text::default(),
                summary: None,
                params,
                client,
                server,
            };
        }
        if !meta_seen {
            self.error(
                0,
                "the file has no [meta] table: every scenario needs one, with a title, e.g. a \
                 line `[meta]` followed by a line `title = \"Two small sends\"`",
            );
        }
        if client.is_empty() && server.is_empty() && self.errors.is_empty() {
            self.error(
                0,
                "the scenario has no actions: add at least one [[client]] or [[server]] step \
                 (for example `[[client]]` then `send_message = \"hello\"` on the next line)",
            );
        }

        Scenario {
            name: scenario_name(self.file),
            title: title.unwrap_or_default(),
            summary,
            params,
            client,
            server,
        }
    }

    /// The value as a table, or an error saying how to write `[name]`.
    fn table_for<'v, 'i>(
        &mut self,
        name: &str,
        value: &'v Val<'i>,
        how: &str,
    ) -> Option<&'v DeTable<'i>> {
        match value.get_ref() {
            DeValue::Table(t) => Some(t),
            other => {
                self.error(
                    value.span().start,
                    format!(
                        "`{name}` must be a table, written as a line `{how}` with its keys on the \
                         lines below it, but here it is {}",
                        describe(other)
                    ),
                );
                None
            }
        }
    }

    fn unknown_key(&mut self, place: Place, key: &str, at: usize, context: &str) {
        let shown = show_key(key);
        let mut message = match home_of(key) {
            Some((home, words)) if home != place => {
                let mut m = format!("`{shown}` does not belong {context}: it is {words}");
                match (place, home) {
                    (Place::Entry, Place::Params) | (Place::Entry, Place::Meta) => m.push_str(
                        ". Every key below a [[client]] or [[server]] line belongs to that step, \
                         so move this key up, under its table, before the first step",
                    ),
                    (Place::Top, Place::Entry) => {
                        m.push_str(". Put it below a `[[client]]` or `[[server]]` line")
                    }
                    (Place::Top, Place::Params) => m.push_str(". Put it below the `[params]` line"),
                    (Place::Top, Place::Meta) => m.push_str(". Put it below the `[meta]` line"),
                    (_, Place::Top) => m.push_str(
                        ". Every key below a [table] line belongs to that table, so move this \
                         key above the first [table] line (or, for steps, use `[[client]]` / \
                         `[[server]]` blocks)",
                    ),
                    _ => {}
                }
                return self.error(at, m);
            }
            _ => format!("unknown key `{shown}` {context}"),
        };
        let valid = place.keys();
        let close = match place {
            Place::Text => suggest::language(key),
            _ => None,
        };
        if let Some(close) = close.or_else(|| suggest::closest(key, valid)) {
            let _ = write!(message, " (did you mean `{close}`?)");
        }
        let _ = write!(message, "; valid keys here: {}", valid.join(", "));
        self.error(at, message);
    }

    // -- [meta] ---------------------------------------------------------------------------

    fn meta(&mut self, table: &DeTable<'_>, header: usize) -> (Option<Text>, Option<Text>) {
        let mut title = None;
        let mut summary = None;
        for (key, value) in sorted(table) {
            match key.get_ref().as_ref() {
                "title" => {
                    title = self.text_value("title", value);
                    if let Some(t) = &title
                        && t.en.trim().is_empty()
                        && t.zh.trim().is_empty()
                    {
                        self.error(
                            value.span().start,
                            "the `title` is empty: give the scenario a title",
                        );
                    }
                }
                "summary" => summary = self.text_value("summary", value),
                other => self.unknown_key(Place::Meta, other, key.span().start, "in [meta]"),
            }
        }
        if !table.iter().any(|(k, _)| k.get_ref().as_ref() == "title") {
            self.error(
                header,
                "[meta] has no `title`: add a line like `title = \"Two small sends\"` or \
                 `title = { en = \"Two small sends\", zh = \"两次 send\" }`",
            );
        }
        (title, summary)
    }

    /// A text field: a plain string, or `{ en = "...", zh = "..." }` (one of them is enough).
    fn text_value(&mut self, name: &str, value: &Val<'_>) -> Option<Text> {
        match value.get_ref() {
            DeValue::String(s) => Some(Text::plain(s)),
            DeValue::Table(t) => {
                let mut en = None;
                let mut zh = None;
                let mut ok = true;
                for (key, v) in sorted(t) {
                    let slot = match key.get_ref().as_ref() {
                        "en" => &mut en,
                        "zh" => &mut zh,
                        other => {
                            self.unknown_key(
                                Place::Text,
                                other,
                                key.span().start,
                                &format!("in the text of `{name}`"),
                            );
                            ok = false;
                            continue;
                        }
                    };
                    match v.get_ref() {
                        DeValue::String(s) => *slot = Some(s.to_string()),
                        other => {
                            self.error(
                                v.span().start,
                                format!(
                                    "`{}` in `{name}` must be text in quotes, but here it is {}",
                                    key.get_ref(),
                                    describe(other)
                                ),
                            );
                            ok = false;
                        }
                    }
                }
                match (en, zh) {
                    (Some(en), Some(zh)) => Some(Text { en, zh }),
                    (Some(one), None) | (None, Some(one)) => Some(Text {
                        en: one.clone(),
                        zh: one,
                    }),
                    (None, None) => {
                        if ok {
                            self.error(
                                value.span().start,
                                format!(
                                    "`{name}` has neither `en` nor `zh`: write \
                                     `{name} = {{ en = \"...\", zh = \"...\" }}` or a plain \
                                     `{name} = \"...\"`"
                                ),
                            );
                        }
                        None
                    }
                }
            }
            other => {
                self.error(
                    value.span().start,
                    format!(
                        "`{name}` must be text: either `\"...\"` or `{{ en = \"...\", zh = \"...\" }}`, \
                         but here it is {}",
                        describe(other)
                    ),
                );
                None
            }
        }
    }

    // -- [params] -------------------------------------------------------------------------

    fn params(&mut self, table: &DeTable<'_>, p: &mut Params) {
        for (key, v) in sorted(table) {
            let k = key.get_ref().as_ref();
            match k {
                "transport" => {
                    if let Some(i) = self.choice(k, v, &["tcp", "udp"]) {
                        p.transport = [Transport::Tcp, Transport::Udp][i];
                    }
                }
                "framing" => {
                    if let Some(i) = self.choice(k, v, &["raw", "length-prefix", "json-header"]) {
                        p.framing = [Framing::Raw, Framing::LengthPrefix, Framing::JsonHeader][i];
                    }
                }
                "header_writes" => {
                    if let Some(i) = self.choice(k, v, &["combined", "separate"]) {
                        p.header_writes = [HeaderWrites::Combined, HeaderWrites::Separate][i];
                    }
                }
                "decoder" => {
                    if let Some(i) = self.choice(k, v, &["correct", "tutorial"]) {
                        p.decoder = [DecoderKind::Correct, DecoderKind::Tutorial][i];
                    }
                }
                "byte_order" => {
                    if let Some(i) = self.choice(k, v, &["little", "big"]) {
                        p.byte_order = [ByteOrder::Little, ByteOrder::Big][i];
                    }
                }
                "header_style" => {
                    if let Some(i) = self.choice(k, v, &["command", "upload"]) {
                        p.header_style = [HeaderStyle::Command, HeaderStyle::Upload][i];
                    }
                }
                "max_frame" => {
                    if let Some(n) = self.uint(k, v, 1, MAX_FRAME_LIMIT.into(), "bytes") {
                        p.max_frame = n as u32;
                    }
                }
                "max_header" => {
                    if let Some(n) = self.uint(k, v, 1, MAX_HEADER_LIMIT.into(), "bytes") {
                        p.max_header = n as u32;
                    }
                }
                "mss" => {
                    if let Some(n) = self.uint(k, v, 1, MAX_MSS.into(), "bytes") {
                        p.mss = n as u32;
                    }
                }
                "send_buffer" => {
                    if let Some(n) = self.uint(k, v, 1, MAX_SOCKET_BUFFER.into(), "bytes") {
                        p.send_buffer = n as u32;
                    }
                }
                "recv_buffer" => {
                    if let Some(n) = self.uint(k, v, 1, MAX_SOCKET_BUFFER.into(), "bytes") {
                        p.recv_buffer = n as u32;
                    }
                }
                "recv_size" => {
                    if let Some(n) = self.uint(k, v, 1, MAX_BUFSIZE.into(), "bytes") {
                        p.recv_size = Some(n as u32);
                    }
                }
                "seed" => {
                    if let Some(n) = self.uint(k, v, 0, i64::MAX as u64, "") {
                        p.seed = n;
                    }
                }
                "latency_ms" => {
                    if let Some(x) = self.number(k, v, 0.0, MAX_MS, "ms") {
                        p.latency_ms = x;
                    }
                }
                "jitter_ms" => {
                    if let Some(x) = self.number(k, v, 0.0, MAX_MS, "ms") {
                        p.jitter_ms = x;
                    }
                }
                "delayed_ack_ms" => {
                    if let Some(x) = self.number(k, v, 0.0, MAX_MS, "ms") {
                        p.delayed_ack_ms = x;
                    }
                }
                "recv_delay_ms" => {
                    if let Some(x) = self.number(k, v, 0.0, MAX_MS, "ms") {
                        p.recv_delay_ms = Some(x);
                    }
                }
                "loss" => {
                    if let Some(x) = self.number(k, v, 0.0, 1.0, "") {
                        p.loss = x;
                    }
                }
                "bandwidth_mbps" => {
                    if let Some(x) = self.number(k, v, 0.0, MAX_BANDWIDTH_MBPS, "Mbit/s") {
                        if x > 0.0 && x < MIN_BANDWIDTH_MBPS {
                            self.error(v.span().start, bandwidth_too_small(x));
                        } else {
                            p.bandwidth_mbps = x;
                        }
                    }
                }
                "nagle" => {
                    if let Some(b) = self.boolean(k, v) {
                        p.nagle = b;
                    }
                }
                "delayed_ack" => {
                    if let Some(b) = self.boolean(k, v) {
                        p.delayed_ack = b;
                    }
                }
                other => self.unknown_key(Place::Params, other, key.span().start, "in [params]"),
            }
        }
    }

    // -- typed values ---------------------------------------------------------------------

    /// A whole number in `min..=max`. `unit` is appended to the range in messages.
    fn uint(&mut self, name: &str, v: &Val<'_>, min: u64, max: u64, unit: &str) -> Option<u64> {
        // Bounds past 2^53 (the seed's) would print rounded through f64: spell them exactly.
        let range = if max > 1 << 53 {
            format!("from {min} to {max}")
        } else {
            range_words(min as f64, max as f64, unit)
        };
        let n = match v.get_ref() {
            DeValue::Integer(i) => i128::from_str_radix(i.as_str(), i.radix()).ok(),
            DeValue::Float(f) => {
                self.error(
                    v.span().start,
                    format!(
                        "`{name}` must be a whole number, {range}, but here it is the number {}",
                        f.as_str()
                    ),
                );
                return None;
            }
            other => {
                self.error(
                    v.span().start,
                    format!(
                        "`{name}` must be a whole number, {range}, but here it is {}{}",
                        describe(other),
                        quoted_number_hint(other)
                    ),
                );
                return None;
            }
        };
        match n {
            Some(n) if n >= i128::from(min) && n <= i128::from(max) => Some(n as u64),
            Some(n) => {
                let why = if n < 0 {
                    " (it cannot be negative)"
                } else if n == 0 {
                    " (it cannot be zero)"
                } else {
                    ""
                };
                self.error(
                    v.span().start,
                    format!("`{name}` must be {range}, but it is {n}{why}"),
                );
                None
            }
            None => {
                self.error(
                    v.span().start,
                    format!("`{name}` must be {range}; this number is far too large"),
                );
                None
            }
        }
    }

    /// A number (integer or decimal) in `min..=max`, finite.
    fn number(&mut self, name: &str, v: &Val<'_>, min: f64, max: f64, unit: &str) -> Option<f64> {
        let range = range_words(min, max, unit);
        let x = match v.get_ref() {
            DeValue::Integer(i) => match i128::from_str_radix(i.as_str(), i.radix()) {
                Ok(n) => n as f64,
                Err(_) => f64::INFINITY,
            },
            DeValue::Float(f) => f.as_str().parse::<f64>().unwrap_or(f64::NAN),
            other => {
                self.error(
                    v.span().start,
                    format!(
                        "`{name}` must be a number, {range}, but here it is {}{}",
                        describe(other),
                        quoted_number_hint(other)
                    ),
                );
                return None;
            }
        };
        if !x.is_finite() {
            self.error(
                v.span().start,
                format!("`{name}` must be an ordinary number, {range}, not nan or infinity"),
            );
            return None;
        }
        if x < min || x > max {
            let why = if x < 0.0 {
                " (it cannot be negative)"
            } else {
                ""
            };
            self.error(
                v.span().start,
                format!("`{name}` must be {range}, but it is {x}{why}"),
            );
            return None;
        }
        // -0.0 reads as 0.
        Some(if x == 0.0 { 0.0 } else { x })
    }

    fn boolean(&mut self, name: &str, v: &Val<'_>) -> Option<bool> {
        match v.get_ref() {
            DeValue::Boolean(b) => Some(*b),
            other => {
                let hint = match other {
                    DeValue::String(s) if matches!(s.trim(), "true" | "false") => {
                        " (write true or false without quotes)"
                    }
                    _ => "",
                };
                self.error(
                    v.span().start,
                    format!(
                        "`{name}` must be true or false, but here it is {}{hint}",
                        describe(other)
                    ),
                );
                None
            }
        }
    }

    /// One of `choices`, as text; returns its index.
    fn choice(&mut self, name: &str, v: &Val<'_>, choices: &[&str]) -> Option<usize> {
        let list = choices.join(", ");
        match v.get_ref() {
            DeValue::String(s) => {
                if let Some(i) = choices.iter().position(|c| *c == s.as_ref()) {
                    return Some(i);
                }
                let mut m = format!("unknown {name} `{}`: choose one of {list}", show_key(s));
                if let Some(c) = suggest::closest(s, choices) {
                    let _ = write!(m, " (did you mean `{c}`?)");
                }
                self.error(v.span().start, m);
                None
            }
            other => {
                self.error(
                    v.span().start,
                    format!(
                        "`{name}` must be one of {list}, written in quotes (e.g. `{name} = \"{}\"`), \
                         but here it is {}",
                        choices[0],
                        describe(other)
                    ),
                );
                None
            }
        }
    }

    // -- [[client]] / [[server]] ----------------------------------------------------------

    fn program(&mut self, side: Side, value: &Val<'_>) -> Vec<Step> {
        let name = side.name();
        let entries = match value.get_ref() {
            DeValue::Array(a) => a,
            DeValue::Table(_) => {
                self.error(
                    value.span().start,
                    format!(
                        "write `[[{name}]]` with two brackets: each `[[{name}]]` line starts one \
                         step of the {name} program (`[{name}]` with one bracket makes a single table)"
                    ),
                );
                return Vec::new();
            }
            other => {
                self.error(
                    value.span().start,
                    format!(
                        "`{name}` must be a list of steps, each started by a `[[{name}]]` line, \
                         but here it is {}",
                        describe(other)
                    ),
                );
                return Vec::new();
            }
        };

        let mut steps = Vec::new();
        let mut actions: u64 = 0;
        let mut data: u64 = 0;
        let mut over_limit = false;
        for entry in entries.iter() {
            let DeValue::Table(table) = entry.get_ref() else {
                self.error(
                    entry.span().start,
                    format!(
                        "each {name} step must be a table of keys (a `[[{name}]]` line followed by \
                         e.g. `send = \"hello\"`), but here it is {}",
                        describe(entry.get_ref())
                    ),
                );
                continue;
            };
            let header = entry.span().start;
            let Some(parsed) = self.entry(side, table, header) else {
                continue;
            };
            if over_limit {
                continue;
            }
            let new_actions = actions.saturating_add(parsed.repeat);
            let new_data =
                data.saturating_add(parsed.action.data_len().saturating_mul(parsed.repeat));
            if new_actions > MAX_ACTIONS_PER_PROGRAM {
                over_limit = true;
                self.error(
                    parsed.repeat_at.unwrap_or(header),
                    format!(
                        "the {name} program would have {new_actions} actions once `repeat` is \
                         expanded; a program may have at most {MAX_ACTIONS_PER_PROGRAM}"
                    ),
                );
                continue;
            }
            if new_data > MAX_DATA_PER_PROGRAM {
                over_limit = true;
                let at = if parsed.repeat > 1 {
                    parsed.repeat_at.unwrap_or(header)
                } else {
                    parsed.value_at
                };
                self.error(
                    at,
                    format!(
                        "the {name} program would send {new_data} bytes of data in all (repeat \
                         included); a program may send at most {MAX_DATA_PER_PROGRAM} bytes (64 MiB)"
                    ),
                );
                continue;
            }
            actions = new_actions;
            data = new_data;
            if !self.errors.is_empty() {
                // Build nothing once the file is known to be bad.
                continue;
            }
            let line = self.line_of(header);
            let action = parsed.action.build();
            for _ in 1..parsed.repeat {
                steps.push(Step {
                    action: action.clone(),
                    note: parsed.note.clone(),
                    line,
                });
            }
            steps.push(Step {
                action,
                note: parsed.note,
                line,
            });
        }
        steps
    }

    fn entry(&mut self, side: Side, table: &DeTable<'_>, header: usize) -> Option<ParsedEntry> {
        let name = side.name();
        let context = format!("in a [[{name}]] step");
        let mut action_keys: Vec<(&str, usize)> = Vec::new();
        let mut note = None;
        let mut repeat = 1;
        let mut repeat_at = None;
        let mut bad = false;
        let mut unknown = false;
        let mut action = None;
        let mut value_at = header;

        for (key, v) in sorted(table) {
            let k = key.get_ref().as_ref();
            match k {
                "note" => note = self.text_value("note", v),
                "repeat" => {
                    repeat_at = Some(v.span().start);
                    match self.uint("repeat", v, 1, MAX_REPEAT, "times") {
                        Some(n) => repeat = n,
                        None => bad = true,
                    }
                }
                _ if ACTION_KEYS.contains(&k) => {
                    action_keys.push((k, key.span().start));
                    if action_keys.len() == 1 {
                        value_at = v.span().start;
                        action = self.action(k, v);
                    }
                }
                other => {
                    unknown = true;
                    self.unknown_key(Place::Entry, other, key.span().start, &context);
                }
            }
        }

        match action_keys.len() {
            0 => {
                if !unknown {
                    self.error(
                        header,
                        format!(
                            "this [[{name}]] step has no action: give it exactly one of {}",
                            action_list()
                        ),
                    );
                }
                None
            }
            1 => {
                let action = action?;
                if bad {
                    return None;
                }
                Some(ParsedEntry {
                    action,
                    note,
                    repeat,
                    repeat_at,
                    value_at,
                })
            }
            _ => {
                let names: Vec<String> =
                    action_keys.iter().map(|(k, _)| format!("`{k}`")).collect();
                self.error(
                    action_keys[1].1,
                    format!(
                        "this [[{name}]] step has {} actions ({}): each step does exactly one \
                         thing, so start a new `[[{name}]]` line before `{}`",
                        count_words(action_keys.len()),
                        join_and(&names),
                        action_keys[1].0
                    ),
                );
                None
            }
        }
    }

    fn action(&mut self, key: &str, v: &Val<'_>) -> Option<ActionSpec> {
        Some(match key {
            "send" => ActionSpec::Send(self.data(key, v)?),
            "sendall" => ActionSpec::Sendall(self.data(key, v)?),
            "send_message" => ActionSpec::SendMessage(self.data(key, v)?),
            "recv" => ActionSpec::Recv(self.uint(key, v, 1, MAX_BUFSIZE.into(), "bytes")? as u32),
            "recv_message" => {
                ActionSpec::RecvMessage(self.uint(key, v, 1, MAX_BUFSIZE.into(), "bytes")? as u32)
            }
            "sleep_ms" => ActionSpec::Sleep(self.number(key, v, 0.0, MAX_MS, "ms")?),
            "close" => match self.boolean(key, v)? {
                true => ActionSpec::Close,
                false => {
                    self.error(
                        v.span().start,
                        "`close = false` does nothing: write `close = true` to close the \
                         connection, or remove this step",
                    );
                    return None;
                }
            },
            _ => return None,
        })
    }

    /// Data to send: `"text"`, `{ size = N, fill = "..." }` or `{ hex = "..." }`.
    fn data(&mut self, name: &str, v: &Val<'_>) -> Option<DataSpec> {
        let spec = match v.get_ref() {
            DeValue::String(s) => DataSpec::Bytes(s.as_bytes().to_vec()),
            DeValue::Table(t) => self.data_table(name, v, t)?,
            other => {
                self.error(
                    v.span().start,
                    format!(
                        "`{name}` needs data: text in quotes (\"hello\"), `{{ size = 3000 }}` or \
                         `{{ hex = \"68 65\" }}`, but here it is {}",
                        describe(other)
                    ),
                );
                return None;
            }
        };
        if spec.len() == 0 {
            self.error(
                v.span().start,
                format!("`{name}` has no data: send at least 1 byte"),
            );
            return None;
        }
        if spec.len() > MAX_DATA_PER_PROGRAM {
            self.error(
                v.span().start,
                format!(
                    "`{name}` has {} bytes; one program may send at most {MAX_DATA_PER_PROGRAM} \
                     bytes (64 MiB)",
                    spec.len()
                ),
            );
            return None;
        }
        Some(spec)
    }

    fn data_table(&mut self, name: &str, v: &Val<'_>, t: &DeTable<'_>) -> Option<DataSpec> {
        let mut size = None;
        let mut fill = None;
        let mut hex = None;
        let mut ok = true;
        let context = format!("in the data of `{name}`");
        for (key, value) in sorted(t) {
            match key.get_ref().as_ref() {
                "size" => {
                    size = Some((
                        key.span().start,
                        self.uint("size", value, 1, MAX_DATA_PER_PROGRAM, "bytes"),
                    ));
                }
                "fill" => match value.get_ref() {
                    DeValue::String(s) if !s.is_empty() => fill = Some(s.to_string()),
                    DeValue::String(_) => {
                        self.error(
                            value.span().start,
                            "`fill` is empty: give at least one character, e.g. `fill = \"x\"`",
                        );
                        ok = false;
                    }
                    other => {
                        self.error(
                            value.span().start,
                            format!(
                                "`fill` must be text in quotes, but here it is {}",
                                describe(other)
                            ),
                        );
                        ok = false;
                    }
                },
                "hex" => {
                    hex = Some((key.span().start, self.hex(value)));
                }
                other => {
                    self.unknown_key(Place::Data, other, key.span().start, &context);
                    ok = false;
                }
            }
        }
        match (size, hex) {
            (Some(_), Some((hex_at, _))) => {
                self.error(
                    hex_at,
                    format!("`{name}` has both `size` and `hex`: use `{{ size = N, fill = \"...\" }}` or `{{ hex = \"...\" }}`, not both"),
                );
                None
            }
            (None, Some((_, bytes))) => {
                if let Some(_f) = fill {
                    self.error(
                        v.span().start,
                        "`fill` goes with `size`, not with `hex`: remove it",
                    );
                    return None;
                }
                let bytes = bytes?;
                ok.then_some(DataSpec::Bytes(bytes))
            }
            (Some((_, size)), None) => {
                let size = size?;
                ok.then(|| DataSpec::Fill {
                    size,
                    fill: fill.unwrap_or_else(|| DEFAULT_FILL.to_string()),
                })
            }
            (None, None) => {
                if ok {
                    self.error(
                        v.span().start,
                        format!(
                            "`{name}` data needs `size` (e.g. `{{ size = 3000 }}`) or `hex` \
                             (e.g. `{{ hex = \"68 65 6c 6c 6f\" }}`)"
                        ),
                    );
                }
                None
            }
        }
    }

    /// Hex digits, two per byte, with whitespace allowed between bytes.
    fn hex(&mut self, v: &Val<'_>) -> Option<Vec<u8>> {
        let DeValue::String(s) = v.get_ref() else {
            self.error(
                v.span().start,
                format!(
                    "`hex` must be text in quotes, two hex digits per byte (e.g. \"68 65 6c 6c 6f\"), \
                     but here it is {}",
                    describe(v.get_ref())
                ),
            );
            return None;
        };
        let s: &str = s;
        let mut out = Vec::with_capacity(s.len() / 2);
        let mut idx = 0;
        while idx < s.len() {
            let rest = &s[idx..];
            let Some(c) = rest.chars().next() else { break };
            if c.is_whitespace() {
                idx += c.len_utf8();
                continue;
            }
            let group_len = rest.find(char::is_whitespace).unwrap_or(rest.len());
            let group = &rest[..group_len];
            if let Some((bad_at, bad)) = group.char_indices().find(|(_, c)| !c.is_ascii_hexdigit())
            {
                let at = self.string_offset(v, s, idx + bad_at);
                let hint = if group.starts_with("0x") || group.starts_with("0X") {
                    " (write the bytes without `0x`)"
                } else {
                    ""
                };
                self.error(
                    at,
                    format!(
                        "`{}` is not a hex digit: hex data uses 0-9 and a-f, two digits per byte, \
                         spaces allowed between bytes{hint}",
                        bad.escape_debug()
                    ),
                );
                return None;
            }
            if group.len() % 2 == 1 {
                let at = self.string_offset(v, s, idx);
                self.error(
                    at,
                    format!(
                        "`{group}` has an odd number of hex digits ({}): every byte takes exactly \
                         two digits, e.g. `0a` not `a`",
                        group.len()
                    ),
                );
                return None;
            }
            for pair in group.as_bytes().chunks(2) {
                let hi = hex_value(pair[0]);
                let lo = hex_value(pair[1]);
                out.push(hi << 4 | lo);
            }
            idx += group_len;
        }
        Some(out)
    }

    /// Byte offset in the file of byte `index` of the string value `v` (whose decoded text
    /// is `decoded`), when the source spells it without escapes; else the value's start.
    fn string_offset(&self, v: &Val<'_>, decoded: &str, index: usize) -> usize {
        let span = v.span();
        let Some(raw) = self.text.get(span.clone()) else {
            return span.start;
        };
        for quote in ["\"", "'"] {
            if raw.len() >= 2
                && raw.starts_with(quote)
                && !raw.starts_with(&quote.repeat(3))
                && raw.ends_with(quote)
                && &raw[1..raw.len() - 1] == decoded
            {
                return span.start + 1 + index;
            }
        }
        span.start
    }
}

struct ParsedEntry {
    action: ActionSpec,
    note: Option<Text>,
    repeat: u64,
    repeat_at: Option<usize>,
    value_at: usize,
}

fn hex_value(b: u8) -> u8 {
    match b {
        b'0'..=b'9' => b - b'0',
        b'a'..=b'f' => b - b'a' + 10,
        b'A'..=b'F' => b - b'A' + 10,
        _ => 0,
    }
}

/// A table's entries in file order (the table itself may be sorted by key).
fn sorted<'t, 'i>(
    table: &'t DeTable<'i>,
) -> Vec<(&'t Spanned<std::borrow::Cow<'i, str>>, &'t Val<'i>)> {
    let mut v: Vec<_> = table.iter().collect();
    v.sort_by_key(|(k, _)| k.span().start);
    v
}

fn scenario_name(file: &str) -> String {
    let base = file.rsplit(['/', '\\']).next().unwrap_or(file);
    base.strip_suffix(".toml").unwrap_or(base).to_string()
}

/// A key or value for a message: shortened, control characters escaped.
fn show_key(s: &str) -> String {
    let short: String = s.chars().take(40).collect();
    let mut out = short.escape_debug().to_string();
    if s.chars().count() > 40 {
        out.push('…');
    }
    out
}

/// What a value is, for "but here it is …".
fn describe(v: &DeValue<'_>) -> String {
    match v {
        DeValue::String(s) => format!("the text \"{}\"", show_key(s)),
        DeValue::Integer(i) => format!("the whole number {}", show_key(i.as_str())),
        DeValue::Float(f) => format!("the number {}", show_key(f.as_str())),
        DeValue::Boolean(b) => format!("`{b}`"),
        DeValue::Datetime(_) => "a date or time".to_string(),
        DeValue::Array(_) => "a list [ ... ]".to_string(),
        DeValue::Table(_) => "a table { ... }".to_string(),
    }
}

fn quoted_number_hint(v: &DeValue<'_>) -> &'static str {
    match v {
        DeValue::String(s) if s.trim().parse::<f64>().is_ok() => " (write numbers without quotes)",
        _ => "",
    }
}

fn range_words(min: f64, max: f64, unit: &str) -> String {
    const MIB: f64 = 1024.0 * 1024.0;
    let unit = if unit.is_empty() {
        String::new()
    } else {
        format!(" {unit}")
    };
    if unit.starts_with(" bytes") && max >= MIB && max % MIB == 0.0 {
        let mib = max / MIB;
        let size = if mib >= 1024.0 {
            format!("{} GiB", mib / 1024.0)
        } else {
            format!("{mib} MiB")
        };
        format!("from {min} to {max}{unit} ({size})")
    } else {
        format!("from {min} to {max}{unit}")
    }
}

fn action_list() -> String {
    "`send`, `sendall`, `send_message`, `recv`, `recv_message`, `sleep_ms` or `close = true`"
        .to_string()
}

fn count_words(n: usize) -> String {
    match n {
        2 => "two".to_string(),
        3 => "three".to_string(),
        n => n.to_string(),
    }
}

fn join_and(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

fn syntax_message(raw: &str, text: &str, span: Option<Range<usize>>) -> String {
    let mut m = String::from("TOML syntax error: ");
    if raw == "duplicate key" {
        let key = span.and_then(|s| text.get(s)).unwrap_or("");
        if key.is_empty() {
            m.push_str("this key is given twice; each key may appear only once in a table");
        } else {
            let _ = write!(
                m,
                "`{}` is given twice; each key may appear only once in a table (to add another \
                 step, start it with its own `[[client]]` or `[[server]]` line)",
                show_key(key)
            );
        }
    } else {
        m.push_str(raw);
    }
    m
}

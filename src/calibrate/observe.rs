//! What a run showed the two programs: recv byte counts, stalls, how each ended.

use std::fmt::Write as _;

use serde::Serialize;

use super::STALL_US;
use crate::trace::{Call, Event, EventKind, Micros, Side, Trace};

/// The exception that ended a program, as Python would name it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Exc {
    ConnectionReset,
    BrokenPipe,
    /// `socket.timeout` (TimeoutError).
    Timeout,
    /// A non-blocking call that would block.
    BlockingIo,
    /// The decoder failed: the exception's name (`struct.error`, …).
    Decode(String),
    /// Anything else, with its text.
    Other(String),
}

impl Exc {
    /// Reads an error text (realnet's `NetError`, or a model event) as an exception.
    pub fn classify(text: &str) -> Exc {
        let t = text.to_ascii_lowercase();
        if t.contains("reset") {
            Exc::ConnectionReset
        } else if t.contains("broken pipe") || t.contains("brokenpipe") || t.contains("epipe") {
            Exc::BrokenPipe
        } else if t.contains("blockingioerror")
            || t.contains("would block")
            || t.contains("temporarily unavailable")
        {
            Exc::BlockingIo
        } else if t.contains("timed out") || t.contains("timeout") {
            Exc::Timeout
        } else {
            Exc::Other(text.to_string())
        }
    }

    pub fn name(&self) -> String {
        match self {
            Exc::ConnectionReset => "ConnectionResetError".into(),
            Exc::BrokenPipe => "BrokenPipeError".into(),
            Exc::Timeout => "TimeoutError".into(),
            Exc::BlockingIo => "BlockingIOError".into(),
            Exc::Decode(n) => n.clone(),
            Exc::Other(t) => format!("error ({t})"),
        }
    }
}

/// How a program ended.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "end", rename_all = "snake_case")]
pub enum End {
    /// It ran to its end (or closed).
    Finished,
    /// An exception ended it at this action (index in the program, from 0).
    Raised { exc: Exc, line: usize },
    /// It waits forever (a deadlock), or a real run gave up on it.
    Stuck,
}

impl End {
    pub(super) fn text(&self) -> String {
        match self {
            End::Finished => "ends normally".into(),
            End::Raised { exc, line } => format!("raises {} at action {}", exc.name(), line + 1),
            End::Stuck => "is blocked forever".into(),
        }
    }
}

/// One completed `recv()`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RecvSeen {
    /// Bytes returned; 0 = EOF on TCP.
    pub bytes: usize,
    /// From the call to its return.
    pub wait_us: Micros,
    /// When it returned.
    pub t_us: Micros,
}

impl RecvSeen {
    pub fn stalled(&self) -> bool {
        self.wait_us >= STALL_US
    }
}

/// A side's recv byte counts with their stall flags, and its end.
pub(super) type SideKey = (Vec<(usize, bool)>, End);

/// What one side's program observed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SideSeen {
    pub recvs: Vec<RecvSeen>,
    pub end: End,
    /// When the program ended (its last event).
    pub end_us: Micros,
}

impl SideSeen {
    /// The part that must be equal: byte counts, stall flags, the end.
    pub(super) fn key(&self) -> SideKey {
        (
            self.recvs.iter().map(|r| (r.bytes, r.stalled())).collect(),
            self.end.clone(),
        )
    }

    /// `1024 776* 600 ConnectionResetError`: `*` marks a stall, `EOF` a 0, `1000×60`
    /// sixty equal results in a row.
    pub fn compact(&self) -> String {
        let tokens: Vec<String> = self
            .recvs
            .iter()
            .map(|r| {
                let n = if r.bytes == 0 {
                    "EOF".to_string()
                } else {
                    r.bytes.to_string()
                };
                if r.stalled() { format!("{n}*") } else { n }
            })
            .collect();
        let mut s = String::new();
        let mut i = 0;
        while i < tokens.len() {
            let run = tokens[i..].iter().take_while(|t| **t == tokens[i]).count();
            if !s.is_empty() {
                s.push(' ');
            }
            s.push_str(&tokens[i]);
            if run > 2 {
                let _ = write!(s, "×{run}");
            } else if run == 2 {
                let _ = write!(s, " {}", tokens[i]);
            }
            i += run;
        }
        if s.is_empty() {
            s.push('-');
        }
        match &self.end {
            End::Finished => {}
            End::Raised { exc, .. } => {
                let _ = write!(s, " {}", exc.name());
            }
            End::Stuck => s.push_str(" stuck"),
        }
        s
    }
}

/// What a run showed the two programs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Observation {
    pub client: SideSeen,
    pub server: SideSeen,
    /// When the last application call completed (or the last exception was raised).
    pub duration_us: Micros,
    /// Data segments and pure ACKs, both directions (for information, not compared:
    /// real runs have them only where a packet capture is permitted).
    pub segments: u64,
    pub acks: u64,
}

impl Observation {
    pub fn side(&self, side: Side) -> &SideSeen {
        match side {
            Side::Client => &self.client,
            Side::Server => &self.server,
        }
    }

    /// Everything but the duration: equal keys are the same result.
    pub(super) fn key(&self) -> (SideKey, SideKey) {
        (self.client.key(), self.server.key())
    }

    /// Reads a trace (model or real).
    pub fn of(trace: &Trace) -> Observation {
        let side = |s: Side| side_seen(trace.events.iter().filter(|e| e.side == s));
        let client = side(Side::Client);
        let server = side(Side::Server);
        let duration_us = duration(&trace.events);
        let m = crate::analysis::analyze(trace).summary;
        Observation {
            client,
            server,
            duration_us,
            segments: m.segments,
            acks: m.acks,
        }
    }
}

/// The exception an event raises in the program, if any, with its action index.
pub(super) fn exception_of(e: &Event) -> Option<(usize, Exc)> {
    match &e.kind {
        EventKind::NetError { line, error } => Some((*line, Exc::classify(error))),
        EventKind::DecodeError { line, error } => Some((*line, Exc::Decode(decode_name(error)))),
        EventKind::Exception { line, exc } => Some((*line, Exc::classify(exc.name()))),
        // An exception kind added later: any `*error*` / `*exception*` event with an
        // action index and a text.
        other => {
            let v = serde_json::to_value(other).ok()?;
            let kind = v.get("kind")?.as_str()?;
            if !(kind.contains("error") || kind.contains("exception")) {
                return None;
            }
            let line = v.get("line")?.as_u64()? as usize;
            let text = ["exc", "exception", "error", "name"]
                .iter()
                .find_map(|k| v.get(*k).and_then(|x| x.as_str()))
                .unwrap_or(kind);
            Some((line, Exc::classify(text)))
        }
    }
}

/// The exception's name in a decoder's error text (`struct.error: unpack requires …` →
/// `struct.error`); texts without one (they carry the garbage length, which differs
/// from run to run) are all `DecodeError`.
pub(super) fn decode_name(error: &str) -> String {
    match error.split_once(':') {
        Some((name, _)) if !name.is_empty() && !name.contains(char::is_whitespace) => {
            name.to_string()
        }
        _ => "DecodeError".to_string(),
    }
}

/// One side's recvs and end, from its events in order.
pub(super) fn side_seen<'a>(events: impl Iterator<Item = &'a Event>) -> SideSeen {
    let mut recvs = Vec::new();
    let mut pending: Option<Micros> = None;
    let mut end = None;
    let mut ended = false;
    let mut end_us = 0;
    for e in events {
        end_us = end_us.max(e.t_us);
        match &e.kind {
            EventKind::AppCall {
                call: Call::Recv { .. },
                ..
            } => pending = Some(e.t_us),
            EventKind::AppReturn {
                call: Call::Recv { .. },
                ret,
                ..
            } => {
                let start = pending.take().unwrap_or(e.t_us);
                recvs.push(RecvSeen {
                    bytes: *ret,
                    wait_us: e.t_us.saturating_sub(start),
                    t_us: e.t_us,
                });
            }
            EventKind::ProgramEnd => ended = true,
            _ => {
                if end.is_none()
                    && let Some((line, exc)) = exception_of(e)
                {
                    let stuck = matches!(&exc, Exc::Other(t)
                        if t.contains("blocked forever") || t.contains("no progress")
                            || t.contains("stopped by the user"));
                    end = Some(if stuck {
                        End::Stuck
                    } else {
                        End::Raised { exc, line }
                    });
                }
            }
        }
    }
    let end = match end {
        Some(end) => end,
        None if ended => End::Finished,
        None => End::Stuck,
    };
    SideSeen { recvs, end, end_us }
}

/// When the last application call completed or raised (sleeps left out, as in the
/// metrics' `duration_ms`).
pub(super) fn duration(events: &[Event]) -> Micros {
    events
        .iter()
        .filter(|e| match &e.kind {
            EventKind::AppReturn { call, .. } => !matches!(call, Call::Sleep { .. }),
            _ => exception_of(e).is_some(),
        })
        .map(|e| e.t_us)
        .max()
        .unwrap_or(0)
}

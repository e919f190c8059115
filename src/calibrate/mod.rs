//! `stickysim calibrate`: does the model predict the kernel?
//!
//! Each case runs once in the model (the Linux stack on the loopback link, see
//! [`model_params`]) and N times on real loopback sockets. From every run we keep only
//! what a program can observe ([`Observation`]): per side, the byte count of every
//! `recv()` in order (0 = EOF), which of them waited 30 ms or more (a stall), and how
//! the program ended (normally, by an exception such as ConnectionResetError, or
//! blocked forever); plus the run's duration. The real result is the majority of the N
//! runs; the case agrees when the model's observation equals it and the durations are
//! within 10 ms. Where they differ, the first difference in time order is named.
//!
//! Everything here but [`calibrate`] is pure, so the comparison is unit-tested on
//! hand-made traces.

use std::fmt::Write as _;

use serde::Serialize;

use crate::cli::{self, CliError};
use crate::params::{Params, Stack, Value};
use crate::realnet::RealOptions;
use crate::scenario::Scenario;
use crate::trace::{Call, Event, EventKind, Micros, Side, Trace};

/// A `recv()` that waited this long or longer is a stall (Nagle + delayed ACK is 40 ms
/// on Linux; nothing else on loopback takes 30 ms).
pub const STALL_US: Micros = 30_000;

/// Model and kernel durations this close agree (issue 8: "to within ~10 ms").
pub const DURATION_MARGIN_US: Micros = 10_000;

/// Real runs per case unless told otherwise.
pub const DEFAULT_RUNS: usize = 3;

/// The parameters of a case's model run and of its real runs: the same for both, the
/// Linux stack (the default) on the loopback link unless the case chose a link. On the
/// loopback link realnet leaves the MSS and the socket buffers to the kernel, which is
/// what the link's values describe.
///
/// A case that asks for the `windows` stack (17 does, to teach Windows' 200 ms delayed
/// ACK) is run on the `linux` stack here: the real runs are this Linux kernel, so only
/// the Linux rules can be compared with them. [`stack_note`] says so in the report.
pub fn case_params(scenario: &Scenario) -> (Params, Params) {
    let mut settings = scenario.settings.beside_real();
    if stack_note(scenario).is_some() {
        let linux = Stack::ALL.iter().position(|s| *s == Stack::Linux);
        settings
            .set("stack", Value::Choice(linux.unwrap_or(0)))
            .expect("stack = linux is in the table");
    }
    let p = settings.resolve();
    (p.clone(), p)
}

/// Why the model's stack differs from the case's own, if it does.
pub fn stack_note(scenario: &Scenario) -> Option<String> {
    let asked = scenario.settings.resolve().stack;
    (asked != Stack::Linux).then(|| {
        format!(
            "the case asks for the {} stack; the model runs the linux stack here, like the kernel it is compared with",
            asked.name()
        )
    })
}

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
    fn text(&self) -> String {
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
type SideKey = (Vec<(usize, bool)>, End);

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
    fn key(&self) -> SideKey {
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
    fn key(&self) -> (SideKey, SideKey) {
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
fn exception_of(e: &Event) -> Option<(usize, Exc)> {
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
fn decode_name(error: &str) -> String {
    match error.split_once(':') {
        Some((name, _)) if !name.is_empty() && !name.contains(char::is_whitespace) => {
            name.to_string()
        }
        _ => "DecodeError".to_string(),
    }
}

/// One side's recvs and end, from its events in order.
fn side_seen<'a>(events: impl Iterator<Item = &'a Event>) -> SideSeen {
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
fn duration(events: &[Event]) -> Micros {
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

/// The real runs of a case, reduced to one result.
#[derive(Clone, Debug, Serialize)]
pub struct Majority {
    /// The result most runs showed (the earliest such run, with the shortest duration
    /// of those runs).
    pub result: Observation,
    /// How many runs showed it, of how many.
    pub agreeing: usize,
    pub runs: usize,
    /// The other results, with how many runs showed each.
    pub others: Vec<(Observation, usize)>,
}

impl Majority {
    /// True when every run showed the same result.
    pub fn unanimous(&self) -> bool {
        self.agreeing == self.runs
    }
}

/// Groups runs by result; the largest group wins (ties: the one seen first). `None`
/// for no runs.
pub fn majority(runs: &[Observation]) -> Option<Majority> {
    let mut groups: Vec<(usize, Vec<usize>)> = Vec::new();
    for (i, o) in runs.iter().enumerate() {
        match groups
            .iter_mut()
            .find(|(first, _)| runs[*first].key() == o.key())
        {
            Some((_, members)) => members.push(i),
            None => groups.push((i, vec![i])),
        }
    }
    let best = groups
        .iter()
        .enumerate()
        .max_by(|(ia, a), (ib, b)| a.1.len().cmp(&b.1.len()).then(ib.cmp(ia)))?
        .0;
    let (first, members) = &groups[best];
    // The shortest duration: a busy machine only ever adds time (a thread scheduled
    // late, a sleep that overshoots), so the fastest run is the kernel's own timing.
    let mut result = runs[*first].clone();
    result.duration_us = members
        .iter()
        .map(|&i| runs[i].duration_us)
        .min()
        .unwrap_or(result.duration_us);
    let others = groups
        .iter()
        .enumerate()
        .filter(|(g, _)| *g != best)
        .map(|(_, (f, m))| (runs[*f].clone(), m.len()))
        .collect();
    Some(Majority {
        result,
        agreeing: members.len(),
        runs: runs.len(),
        others,
    })
}

/// What differs first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "what", rename_all = "snake_case")]
pub enum Difference {
    /// The n-th recv (from 1) of a side returned a different count.
    RecvBytes {
        side: Side,
        n: usize,
        model: usize,
        real: usize,
    },
    /// The n-th recv of a side stalled in one world only.
    Stall {
        side: Side,
        n: usize,
        model_wait_us: Micros,
        real_wait_us: Micros,
    },
    /// One world has more recvs on this side than the other; `n` is the first recv
    /// only one of them made.
    RecvCount {
        side: Side,
        n: usize,
        model: usize,
        real: usize,
        model_end: End,
        real_end: End,
    },
    /// The programs ended differently.
    End { side: Side, model: End, real: End },
    /// Same results, durations more than the margin apart.
    Duration { model_us: Micros, real_us: Micros },
}

impl Difference {
    /// One sentence for people.
    pub fn describe(&self) -> String {
        let ms = |us: Micros| format!("{:.1} ms", us as f64 / 1000.0);
        let recvs = |n: usize| format!("{n} recv{}", if n == 1 { "" } else { "s" });
        let b = |n: usize| {
            if n == 0 {
                "EOF (b'')".to_string()
            } else {
                format!("{n} B")
            }
        };
        match self {
            Difference::RecvBytes {
                side,
                n,
                model,
                real,
            } => format!(
                "{} recv #{n}: model {}, kernel {}",
                side.name(),
                b(*model),
                b(*real)
            ),
            Difference::Stall {
                side,
                n,
                model_wait_us,
                real_wait_us,
            } => format!(
                "{} recv #{n} stalls in {} only: waited {} in the model, {} on the kernel",
                side.name(),
                if model_wait_us > real_wait_us {
                    "the model"
                } else {
                    "the kernel"
                },
                ms(*model_wait_us),
                ms(*real_wait_us)
            ),
            Difference::RecvCount {
                side,
                n,
                model,
                real,
                model_end,
                real_end,
            } => format!(
                "{} recv #{n}: the model makes {} and {}, the kernel {} and {}",
                side.name(),
                recvs(*model),
                model_end.text(),
                recvs(*real),
                real_end.text()
            ),
            Difference::End { side, model, real } => format!(
                "{}: in the model it {}, on the kernel it {}",
                side.name(),
                model.text(),
                real.text()
            ),
            Difference::Duration { model_us, real_us } => format!(
                "duration: model {}, kernel {} (more than {} apart)",
                ms(*model_us),
                ms(*real_us),
                ms(DURATION_MARGIN_US)
            ),
        }
    }
}

/// The first difference between the model's observation and the kernel's, in time
/// order (of the earlier world at that point); `None` when they agree.
pub fn first_difference(model: &Observation, real: &Observation) -> Option<Difference> {
    let mut found: Vec<(Micros, Difference)> = Vec::new();
    for side in [Side::Client, Side::Server] {
        if let Some(d) = side_difference(side, model.side(side), real.side(side)) {
            found.push(d);
        }
    }
    if let Some((_, d)) = found.into_iter().min_by_key(|(t, _)| *t) {
        return Some(d);
    }
    if model.duration_us.abs_diff(real.duration_us) > DURATION_MARGIN_US {
        return Some(Difference::Duration {
            model_us: model.duration_us,
            real_us: real.duration_us,
        });
    }
    None
}

fn side_difference(side: Side, m: &SideSeen, r: &SideSeen) -> Option<(Micros, Difference)> {
    for (i, (a, b)) in m.recvs.iter().zip(&r.recvs).enumerate() {
        let t = a.t_us.min(b.t_us);
        if a.bytes != b.bytes {
            let d = Difference::RecvBytes {
                side,
                n: i + 1,
                model: a.bytes,
                real: b.bytes,
            };
            return Some((t, d));
        }
        if a.stalled() != b.stalled() {
            let d = Difference::Stall {
                side,
                n: i + 1,
                model_wait_us: a.wait_us,
                real_wait_us: b.wait_us,
            };
            return Some((t, d));
        }
    }
    let common = m.recvs.len().min(r.recvs.len());
    if m.recvs.len() != r.recvs.len() {
        let next = |s: &SideSeen| s.recvs.get(common).map_or(s.end_us, |x| x.t_us);
        let d = Difference::RecvCount {
            side,
            n: common + 1,
            model: m.recvs.len(),
            real: r.recvs.len(),
            model_end: m.end.clone(),
            real_end: r.end.clone(),
        };
        return Some((next(m).min(next(r)), d));
    }
    if m.end != r.end {
        let d = Difference::End {
            side,
            model: m.end.clone(),
            real: r.end.clone(),
        };
        return Some((m.end_us.min(r.end_us), d));
    }
    None
}

/// One case's verdict.
#[derive(Clone, Debug, Serialize)]
pub struct CaseReport {
    pub name: String,
    pub title: String,
    pub agree: bool,
    pub model: Observation,
    pub real: Majority,
    pub difference: Option<Difference>,
    /// Set when the model did not run the case's own stack ([`stack_note`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// Compares a model run with the real runs of one case.
pub fn judge(name: &str, title: &str, model: Observation, real_runs: &[Observation]) -> CaseReport {
    let real = majority(real_runs).unwrap_or(Majority {
        result: model.clone(),
        agreeing: 0,
        runs: 0,
        others: Vec::new(),
    });
    let difference = if real.runs == 0 {
        None
    } else {
        first_difference(&model, &real.result)
    };
    CaseReport {
        name: name.to_string(),
        title: title.to_string(),
        agree: real.runs > 0 && difference.is_none(),
        model,
        real,
        difference,
        note: None,
    }
}

/// Runs each case in the model and `runs` times on real loopback sockets.
/// `progress` is told each case's name before it runs.
pub fn calibrate(
    cases: &[Scenario],
    runs: usize,
    mut progress: impl FnMut(&str),
) -> Result<Vec<CaseReport>, CliError> {
    let mut out = Vec::new();
    let _priority = Priority::raise();
    for s in cases {
        progress(&s.name);
        let (model_p, real_p) = case_params(s);
        let sim = cli::run_sim(s, &model_p)?;
        let model = Observation::of(&sim.trace);
        let mut real = Vec::new();
        for _ in 0..runs {
            let r = crate::realnet::run(s, &real_p, &RealOptions::default())?;
            real.push(Observation::of(&r.trace));
        }
        let mut report = judge(&s.name, s.title.get(Default::default()), model, &real);
        report.note = stack_note(s);
        out.push(report);
    }
    Ok(out)
}

/// The real runs measure the kernel's TCP, not how busy the machine is: while
/// calibrating, the calling thread, and so every program thread realnet starts (they
/// inherit it), runs at nice −20 when allowed (root, or CAP_SYS_NICE). A sleeping
/// program then wakes on time although other work keeps both cores busy; without the
/// privilege nothing changes. The old value comes back when calibrating ends.
struct Priority {
    #[cfg(target_os = "linux")]
    old: Option<libc::c_int>,
}

impl Priority {
    fn raise() -> Priority {
        #[cfg(target_os = "linux")]
        {
            // SAFETY: getpriority/setpriority on the calling thread (who = 0) only
            // read and set its nice value.
            unsafe {
                *libc::__errno_location() = 0;
                let old = libc::getpriority(libc::PRIO_PROCESS, 0);
                let ok = *libc::__errno_location() == 0
                    && libc::setpriority(libc::PRIO_PROCESS, 0, -20) == 0;
                Priority {
                    old: ok.then_some(old),
                }
            }
        }
        #[cfg(not(target_os = "linux"))]
        Priority {}
    }
}

impl Drop for Priority {
    fn drop(&mut self) {
        #[cfg(target_os = "linux")]
        if let Some(old) = self.old {
            // SAFETY: as in `raise`.
            unsafe {
                libc::setpriority(libc::PRIO_PROCESS, 0, old);
            }
        }
    }
}

fn ms(us: Micros) -> String {
    format!("{:.1}", us as f64 / 1000.0)
}

/// The table people read: one block per case, then the count.
pub fn render_text(reports: &[CaseReport]) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "recv byte counts per side in order (EOF = b'', * = waited ≥ {} ms); durations in ms;\nsegments and ACKs both ways for information (real runs: a capture on lo)",
        STALL_US / 1000
    );
    for r in reports {
        let mark = if r.agree { "agree " } else { "DIFFER" };
        let runs = if r.real.unanimous() {
            format!("{} runs alike", r.real.runs)
        } else {
            format!(
                "{} of {} runs alike: the kernel itself varies",
                r.real.agreeing, r.real.runs
            )
        };
        let _ = writeln!(out, "\n{mark}  {}  ({runs})", r.name);
        let mut block = |who: &str, o: &Observation, extra: &str| {
            let _ = writeln!(
                out,
                "  {who:<6} {:>9} ms  client: {}{extra}",
                ms(o.duration_us),
                o.client.compact()
            );
            let packets = format!("{} seg {} ack", o.segments, o.acks);
            let _ = writeln!(out, "  {packets:>16}  server: {}", o.server.compact());
        };
        block("model", &r.model, "");
        block("kernel", &r.real.result, "");
        for (o, n) in &r.real.others {
            let extra = format!("   ({n} run{})", if *n == 1 { "" } else { "s" });
            block("other", o, &extra);
        }
        if let Some(n) = &r.note {
            let _ = writeln!(out, "  note: {n}");
        }
        if let Some(d) = &r.difference {
            let _ = writeln!(out, "  first difference: {}", d.describe());
        }
    }
    let agree = reports.iter().filter(|r| r.agree).count();
    let _ = writeln!(out, "\n{agree} of {} cases agree", reports.len());
    out
}

/// `--markdown`: one table row per case, for docs/model-vs-real.md.
pub fn render_markdown(reports: &[CaseReport]) -> String {
    let mut out = String::new();
    out.push_str("| case | agree | model: client / server (duration) | kernel: client / server (duration, runs alike) | first difference |\n");
    out.push_str("|---|---|---|---|---|\n");
    let cell = |o: &Observation, runs: String| {
        format!(
            "`{}` / `{}` ({} ms{runs})",
            o.client.compact(),
            o.server.compact(),
            ms(o.duration_us)
        )
    };
    for r in reports {
        let name = match r.note {
            Some(_) => format!("{} (model: linux stack)", r.name),
            None => r.name.clone(),
        };
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} |",
            name,
            if r.agree { "yes" } else { "**no**" },
            cell(&r.model, String::new()),
            cell(
                &r.real.result,
                format!(", {}/{}", r.real.agreeing, r.real.runs)
            ),
            r.difference
                .as_ref()
                .map_or(String::new(), |d| d.describe().replace('|', "\\|"))
        );
    }
    let agree = reports.iter().filter(|r| r.agree).count();
    let _ = writeln!(out, "\n{agree} of {} cases agree.", reports.len());
    out
}

/// `--json`: the same, machine-readable.
pub fn render_json(reports: &[CaseReport]) -> serde_json::Value {
    let cases: Vec<serde_json::Value> = reports
        .iter()
        .map(|r| {
            let mut v = serde_json::to_value(r).unwrap_or_default();
            v["difference_text"] = r
                .difference
                .as_ref()
                .map(|d| serde_json::Value::String(d.describe()))
                .unwrap_or_default();
            v["real"]["unanimous"] = r.real.unanimous().into();
            v
        })
        .collect();
    let agree = reports.iter().filter(|r| r.agree).count();
    serde_json::json!({
        "stall_ms": STALL_US / 1000,
        "duration_margin_ms": DURATION_MARGIN_US / 1000,
        "cases": cases,
        "agree": agree,
        "total": reports.len(),
    })
}

#[cfg(test)]
mod tests;

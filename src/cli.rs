//! The headless command line: list, check and run scenarios (the binary is a thin
//! wrapper over these functions, so tests call them directly).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use crate::analysis::{self, Metrics, Report};
use crate::model;
use crate::params::table::{self, ParamValue, Value};
use crate::params::{ByteOrder, DecoderKind, Framing, HeaderWrites, Link, Params, Settings, Stack};
use crate::scenario::{self, Lang, Scenario, ScenarioError};
use crate::timeline;
use crate::trace::{Dir, Trace};

/// What went wrong, for the user.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// No built-in scenario and no file by that name.
    #[error("no scenario `{0}`: give a file path, or a number or name from `stickysim list`")]
    UnknownScenario(String),
    /// The file could not be read.
    #[error("{path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    /// The scenario file is invalid.
    #[error("{0}")]
    Scenario(#[from] ScenarioError),
    /// A parameter override that does not fit (`--mss 0`, `--set loss=2`, `--set bogus=1`).
    #[error("{0}")]
    BadParam(String),
    /// The run itself failed.
    #[error("{0}")]
    Model(#[from] model::ModelError),
    /// The window could not be opened (no display?).
    #[error("cannot open the window: {0}")]
    Gui(String),
    /// The real-socket run or the live server could not run.
    #[error("{0}")]
    Real(#[from] crate::realnet::RealError),
}

/// Parameter overrides from the command line: each one is an explicit setting, resolved
/// over the scenario's own ([`Overrides::resolve`]), so it wins over the scenario and over
/// the link's and stack's defaults.
#[derive(Clone, Debug, Default)]
pub struct Overrides {
    pub framing: Option<Framing>,
    pub header_writes: Option<HeaderWrites>,
    pub decoder: Option<DecoderKind>,
    pub byte_order: Option<ByteOrder>,
    pub nagle: Option<bool>,
    pub delayed_ack: Option<bool>,
    pub mss: Option<u32>,
    pub recv_size: Option<u32>,
    pub recv_delay_ms: Option<f64>,
    pub seed: Option<u64>,
    pub stack: Option<Stack>,
    pub link: Option<Link>,
    /// `key=value` pairs for any parameter, read like a scenario file's `[params]`
    /// (`loss=0.3`, `framing=json-header`).
    pub set: Vec<String>,
}

impl Overrides {
    /// The explicit settings these overrides make: `--set` first, then the flags (a flag
    /// wins). Each value is checked against the parameter table, with a file's wording.
    pub fn settings(&self) -> Result<Settings, CliError> {
        let mut s = Settings::default();
        for kv in &self.set {
            let (param, value) = scenario::parse_setting(kv)
                .map_err(|m| CliError::BadParam(format!("--set {kv}: {m}")))?;
            s.insert(param, value);
        }
        let flags: [(&str, Option<Value>); 12] = [
            ("framing", self.framing.to_value()),
            ("header_writes", self.header_writes.to_value()),
            ("decoder", self.decoder.to_value()),
            ("byte_order", self.byte_order.to_value()),
            ("nagle", self.nagle.to_value()),
            ("delayed_ack", self.delayed_ack.to_value()),
            ("mss", self.mss.to_value()),
            ("recv_size", self.recv_size.to_value()),
            ("recv_delay_ms", self.recv_delay_ms.to_value()),
            ("seed", self.seed.to_value()),
            ("stack", self.stack.to_value()),
            ("link", self.link.to_value()),
        ];
        for (key, value) in flags {
            if let Some(v) = value {
                s.set(key, v)
                    .map_err(|m| CliError::BadParam(format!("{}: {m}", flag_words(key, v))))?;
            }
        }
        Ok(s)
    }

    /// The parameters of a run of `scenario` with these overrides: defaults, the link's
    /// and stack's defaults, the scenario's explicit values, then these.
    pub fn resolve(&self, scenario: &Scenario) -> Result<Params, CliError> {
        Ok(scenario.settings.over(&self.settings()?).resolve())
    }

    /// Like [`Self::resolve`], for a model run beside a real one (`--both`): on
    /// `link = "loopback"` unless the scenario or an override chose a link.
    pub fn resolve_beside_real(&self, scenario: &Scenario) -> Result<Params, CliError> {
        Ok(scenario
            .settings
            .over(&self.settings()?)
            .beside_real()
            .resolve())
    }

    /// These overrides over whole parameters, whose explicit keys are taken to be those
    /// that differ from their link's and stack's defaults ([`Settings::from_params`]).
    pub fn apply(&self, base: &Params) -> Result<Params, CliError> {
        Ok(Settings::from_params(base)
            .over(&self.settings()?)
            .resolve())
    }
}

/// `--mss 0` for messages.
fn flag_words(key: &str, v: Value) -> String {
    let shown = match (table::param(key), v) {
        (Some(p), Value::Choice(_)) => p.show(v).trim_matches('"').to_string(),
        (Some(_), Value::Bool(b)) => on_off(b).to_string(),
        (Some(p), v) => p.show(v),
        (None, _) => String::new(),
    };
    format!("--{} {shown}", key.replace('_', "-"))
}

/// Finds a scenario: an existing file path, else a built-in by number or name.
pub fn resolve(key: &str) -> Result<Scenario, CliError> {
    let path = Path::new(key);
    if path.is_file() {
        return load_file(path);
    }
    scenario::find_builtin(key).ok_or_else(|| CliError::UnknownScenario(key.to_string()))
}

pub fn load_file(path: &Path) -> Result<Scenario, CliError> {
    let bytes = read_scenario_file(path)?;
    Ok(scenario::parse_bytes(&bytes, &path.display().to_string())?)
}

/// A scenario file's bytes: only a regular file (a FIFO or a device would block or never
/// end), and only up to [`scenario::limits::MAX_FILE_BYTES`], checked before reading.
pub fn read_scenario_file(path: &Path) -> Result<Vec<u8>, CliError> {
    use std::io::Read as _;
    let err = |source| CliError::Io {
        path: path.display().to_string(),
        source,
    };
    let invalid = |m: String| err(std::io::Error::new(std::io::ErrorKind::InvalidInput, m));
    let meta = std::fs::metadata(path).map_err(err)?;
    if !meta.is_file() {
        return Err(invalid(
            "not a regular file (a scenario is a .toml file)".to_string(),
        ));
    }
    let max = scenario::limits::MAX_FILE_BYTES;
    if meta.len() > max {
        return Err(invalid(format!(
            "{} bytes is more than a scenario file may have ({} MiB)",
            meta.len(),
            max / (1024 * 1024)
        )));
    }
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .map_err(err)?
        .take(max + 1)
        .read_to_end(&mut bytes)
        .map_err(err)?;
    if bytes.len() as u64 > max {
        return Err(invalid(format!(
            "more than a scenario file may have ({} MiB)",
            max / (1024 * 1024)
        )));
    }
    Ok(bytes)
}

/// `stickysim list`
pub fn list(lang: Lang) -> String {
    let mut out = String::new();
    for s in scenario::builtin() {
        let _ = writeln!(out, "{:<32} {}", s.name, s.title.get(lang));
    }
    out
}

/// The `.toml` files under each path (a file, or a folder searched recursively), sorted.
pub fn scenario_files(paths: &[PathBuf]) -> Result<Vec<PathBuf>, CliError> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), CliError> {
        let io = |source| CliError::Io {
            path: dir.display().to_string(),
            source,
        };
        let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
            .map_err(io)?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .collect();
        entries.sort();
        for p in entries {
            if p.is_dir() {
                walk(&p, out)?;
            } else if p.extension().is_some_and(|e| e == "toml") {
                out.push(p);
            }
        }
        Ok(())
    }
    let mut out = Vec::new();
    for p in paths {
        if p.is_dir() {
            walk(p, &mut out)?;
        } else if p.exists() {
            out.push(p.clone());
        } else {
            return Err(CliError::Io {
                path: p.display().to_string(),
                source: std::io::Error::new(std::io::ErrorKind::NotFound, "no such file or folder"),
            });
        }
    }
    Ok(out)
}

/// `stickysim check`: every error of every file. Returns the text and the error count.
pub fn check(paths: &[PathBuf]) -> Result<(String, usize), CliError> {
    let mut out = String::new();
    let mut errors = 0;
    let files = scenario_files(paths)?;
    for f in &files {
        let name = f.display().to_string();
        let bytes = read_scenario_file(f)?;
        errors += report_check(&mut out, &name, scenario::parse_bytes_all(&bytes, &name));
    }
    let _ = writeln!(out, "{} file(s) checked, {errors} error(s)", files.len());
    Ok((out, errors))
}

/// One file's line (or its errors) for `check`; returns its error count.
fn report_check(
    out: &mut String,
    name: &str,
    result: Result<Scenario, Vec<ScenarioError>>,
) -> usize {
    match result {
        // A file that passes `check` must run: the model is run to its end under the same
        // step and trace budgets as `run` (fast: the built-ins take microseconds).
        Ok(s) => match model::run(&s, &s.params) {
            Ok(_) => {
                let _ = writeln!(
                    out,
                    "ok     {name}  ({} + {} actions)",
                    s.client.len(),
                    s.server.len()
                );
                0
            }
            Err(e) => {
                let _ = writeln!(out, "error  {name}: valid, but `run` would fail: {e}");
                1
            }
        },
        Err(errs) => {
            for e in &errs {
                let _ = writeln!(out, "error  {e}");
            }
            errs.len()
        }
    }
}

/// A completed simulated run: its trace, metrics and the programs still blocked.
pub struct Run {
    pub scenario: Scenario,
    pub trace: Trace,
    pub report: Report,
    pub stuck: Vec<String>,
}

pub fn run_sim(scenario: &Scenario, params: &Params) -> Result<Run, CliError> {
    let mut sim = model::Sim::new(scenario, params)?;
    sim.run_until_idle(model::DEFAULT_MAX_STEPS)?;
    let stuck = sim
        .stuck()
        .into_iter()
        .map(|(side, line, what)| {
            format!(
                "{} is blocked forever in {what} (action {}): nothing more will arrive",
                side.name(),
                line + 1
            )
        })
        .collect();
    let trace = sim.into_trace();
    let report = analysis::analyze(&trace);
    Ok(Run {
        scenario: scenario.clone(),
        trace,
        report,
        stuck,
    })
}

/// The readable report: header, timeline, what each recv returned, metrics, verdict.
pub fn render_text(run: &Run, lang: Lang) -> String {
    let t = &run.trace;
    let p = &t.params;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} — {}",
        run.scenario.name,
        run.scenario.title.get(lang)
    );
    let _ = writeln!(
        out,
        "mode {} ({}) · {} · framing {} ({}, {} decoder) · Nagle {} · delayed ACK {} · mss {} · seed {}",
        t.mode,
        stack_link(p, t.mode == "real"),
        p.transport.name(),
        p.framing.name(),
        p.header_writes.name(),
        p.decoder.name(),
        on_off(p.nagle),
        // Real sockets have no delayed-ACK switch: the kernel's own policy applies.
        if t.mode == "real" {
            "(the kernel's)"
        } else {
            on_off(p.delayed_ack)
        },
        p.mss,
        t.seed
    );
    if let Some(summary) = &run.scenario.summary {
        out.push('\n');
        for line in timeline::wrap(summary.get(lang), timeline::LINE_WIDTH) {
            let _ = writeln!(out, "{line}");
        }
    }
    out.push('\n');
    out.push_str(&timeline::render_events(&t.events, &run.scenario, lang));
    out.push('\n');
    out.push_str(&recv_sections(t));
    out.push('\n');
    out.push_str(&render_metrics(&run.report));
    out.push('\n');
    out.push_str(&labelled("verdict: ", &run.report.verdict()));
    for r in timeline::raised(&run.trace.events) {
        let _ = writeln!(out, "         {r}");
    }
    // Programs still blocked when the run ended (a lost datagram, a peer that crashed);
    // for a real run, also what the slicer or the kernel did.
    for s in &run.stuck {
        let _ = writeln!(out, "note: {s}");
    }
    out
}

/// Stack and link, `linux, lan`; a real run is the kernel's own stack on loopback.
fn stack_link(p: &Params, real: bool) -> String {
    if real {
        "kernel, loopback".to_string()
    } else {
        format!("{}, {}", p.stack.name(), p.link.name())
    }
}

fn on_off(b: bool) -> &'static str {
    if b { "on" } else { "off" }
}

/// A table of every metric: total and per direction.
pub fn render_metrics(report: &Report) -> String {
    let mut out = format!(
        "{:<20} {:>12} {:>18} {:>18}\n",
        "metric", "total", "client→server", "server→client"
    );
    for f in Metrics::fields() {
        let _ = writeln!(
            out,
            "{:<20} {:>12} {:>18} {:>18}",
            f.name,
            f.value(&report.summary),
            f.value(report.direction(Dir::ClientToServer)),
            f.value(report.direction(Dir::ServerToClient))
        );
    }
    out
}

/// The `--json` report (the exact shape). It borrows the run, so a large trace is
/// written straight to the output instead of being copied into a JSON tree first.
#[derive(serde::Serialize)]
pub struct RunJson<'a> {
    scenario: &'a str,
    mode: crate::trace::TraceMode,
    framing: &'static str,
    seed: u64,
    params: &'a Params,
    summary: &'a crate::analysis::Metrics,
    directions: &'a crate::analysis::Directions,
    events: &'a [crate::trace::Event],
    /// Real runs: what the runner noted (programs still blocked, capture).
    #[serde(skip_serializing_if = "Option::is_none")]
    notes: Option<&'a [String]>,
}

pub fn render_json(run: &Run) -> RunJson<'_> {
    let t = &run.trace;
    RunJson {
        scenario: &run.scenario.name,
        mode: t.mode,
        framing: t.params.framing.name(),
        seed: t.seed,
        params: &t.params,
        summary: &run.report.summary,
        directions: &run.report.directions,
        events: &t.events,
        notes: None,
    }
}

/// `run --real --json`: the report with the runner's notes.
pub fn render_real_json(run: &Run) -> RunJson<'_> {
    RunJson {
        notes: Some(&run.stuck),
        ..render_json(run)
    }
}

/// `stickysim check` without paths: the built-in scenarios.
pub fn check_builtin() -> (String, usize) {
    let mut out = String::new();
    let errors: usize = scenario::BUILTIN
        .iter()
        .map(|(file, text)| report_check(&mut out, file, scenario::parse_all(text, file)))
        .sum();
    let _ = writeln!(
        out,
        "{} built-in scenario(s) checked, {errors} error(s)",
        scenario::BUILTIN.len()
    );
    (out, errors)
}

// ---- real sockets: `run --real`, `run --both` (realnet) ----------------------------------

/// A completed real run, as a [`Run`]: its notes (faults, deadlocks, settings the kernel
/// adjusted) are printed where a simulated run prints its blocked programs.
pub fn run_real(
    scenario: &Scenario,
    params: &Params,
    opts: &crate::realnet::RealOptions,
) -> Result<Run, CliError> {
    let out = crate::realnet::run(scenario, params, opts)?;
    let report = analysis::analyze(&out.trace);
    let mut stuck = out.notes;
    if let Some(s) = opts.slicer {
        stuck.insert(
            0,
            format!(
                "slicer relay between the programs: slices of {}..={} bytes, {} apart",
                s.range().0,
                s.range().1,
                timeline::ms(s.delay.as_micros() as u64)
            ),
        );
    }
    Ok(Run {
        scenario: scenario.clone(),
        trace: out.trace,
        report,
        stuck,
    })
}

/// `--both`: what each recv returned in each world, then both metric sets side by side.
pub fn render_both(sim: &Run, real: &Run, lang: Lang) -> String {
    let mut out = String::new();
    let p = &sim.trace.params;
    let _ = writeln!(
        out,
        "{} — {}",
        sim.scenario.name,
        sim.scenario.title.get(lang)
    );
    let _ = writeln!(
        out,
        "simulated ({}, {}) and real loopback · {} · framing {} ({}, {} decoder) · Nagle {} · seed {}",
        p.stack.name(),
        p.link.name(),
        p.transport.name(),
        p.framing.name(),
        p.header_writes.name(),
        p.decoder.name(),
        on_off(p.nagle),
        sim.trace.seed
    );
    for (title, run) in [("simulated", sim), ("real loopback", real)] {
        let _ = writeln!(out, "\n== {title} ==");
        out.push_str(&recv_sections(&run.trace));
        for s in &run.stuck {
            let _ = writeln!(out, "note: {s}");
        }
    }
    out.push('\n');
    out.push_str(&render_metrics_pair(&sim.report, &real.report));
    out.push('\n');
    out.push_str(&labelled(
        "verdict (simulated):     ",
        &sim.report.verdict(),
    ));
    for r in timeline::raised(&sim.trace.events) {
        let _ = writeln!(out, "                         {r}");
    }
    out.push_str(&labelled(
        "verdict (real loopback): ",
        &real.report.verdict(),
    ));
    for r in timeline::raised(&real.trace.events) {
        let _ = writeln!(out, "                         {r}");
    }
    out
}

/// Every metric for both runs: totals, then each direction.
pub fn render_metrics_pair(sim: &Report, real: &Report) -> String {
    let mut out = format!(
        "{:<20} {:>11} {:>11}   {:>11} {:>11}   {:>11} {:>11}\n",
        "metric", "sim", "real", "sim c→s", "real c→s", "sim s→c", "real s→c"
    );
    let (c2s, s2c) = (Dir::ClientToServer, Dir::ServerToClient);
    for f in Metrics::fields() {
        let _ = writeln!(
            out,
            "{:<20} {:>11} {:>11}   {:>11} {:>11}   {:>11} {:>11}",
            f.name,
            f.value(&sim.summary),
            f.value(&real.summary),
            f.value(sim.direction(c2s)),
            f.value(real.direction(c2s)),
            f.value(sim.direction(s2c)),
            f.value(real.direction(s2c))
        );
    }
    out
}

/// `--both --json`: both reports in one object.
#[derive(serde::Serialize)]
pub struct BothJson<'a> {
    scenario: &'a str,
    sim: RunJson<'a>,
    real: RunJson<'a>,
    notes: &'a [String],
}

pub fn render_both_json<'a>(sim: &'a Run, real: &'a Run) -> BothJson<'a> {
    BothJson {
        scenario: &sim.scenario.name,
        sim: render_json(sim),
        real: render_json(real),
        notes: &real.stuck,
    }
}

/// What each recv() returned (message boundaries marked), then what recv_message() handed
/// to the program, with what was sent where it differs.
fn recv_sections(t: &Trace) -> String {
    let mut out = String::new();
    out.push_str(
        "what each recv() returned ([a|b] = bytes of two messages, ‹..› = frame header):\n",
    );
    for r in analysis::recv_results(t) {
        let what = if r.eof {
            "EOF".to_string()
        } else if let Some(c) = t.events[r.event].chunk.as_ref() {
            timeline::marked_bytes_within(c, 60)
        } else {
            String::new()
        };
        let mut note = if r.sticky {
            format!("  ← sticky: {} messages", r.messages.len())
        } else {
            String::new()
        };
        // A UDP datagram longer than the recv: the event just before says what was lost.
        let truncated = t.events[..r.event]
            .iter()
            .rev()
            .filter(|e| e.side == r.side)
            .find_map(|e| match e.kind {
                crate::trace::EventKind::Truncated { len, kept } => {
                    Some(Some(len.saturating_sub(kept)))
                }
                crate::trace::EventKind::AppCall { .. } => Some(None),
                _ => None,
            });
        if let Some(Some(lost)) = truncated {
            let _ = write!(note, "  ← truncated: {lost} B of the datagram lost");
        }
        let _ = writeln!(
            out,
            "  {:>10}  {:<6} {:>6} B  {what}{note}",
            timeline::ms(r.t_us),
            r.side.name(),
            r.data.len()
        );
    }
    let deliveries = analysis::deliveries(t);
    if !deliveries.is_empty() {
        out.push_str(
            "\nwhat recv_message() handed to the program (✓ = exactly the message sent):\n",
        );
        for d in deliveries {
            let mark = if d.intact { "✓" } else { "✗" };
            let text = timeline::text_head(&d.data, 40);
            let _ = write!(
                out,
                "  {mark} {:<6} #{:<3} {:>6} B \"{text}\"",
                d.side.name(),
                d.index,
                d.data.len()
            );
            if !d.intact {
                let how = if d.truncated { "truncated:" } else { "but" };
                match t.messages_in(d.dir).find(|m| m.id == d.msg) {
                    Some(m) => {
                        let _ = write!(
                            out,
                            "  {how} #{} was {} B \"{}\"",
                            m.id,
                            m.data.len(),
                            timeline::text_head(&m.data, 20)
                        );
                    }
                    None => {
                        let _ = write!(
                            out,
                            "  but only {} message(s) were sent",
                            t.messages_in(d.dir).count()
                        );
                    }
                }
            }
            out.push('\n');
        }
    }
    out
}

/// `label` then `text` wrapped at the timeline's width, continued under the text.
fn labelled(label: &str, text: &str) -> String {
    let indent = " ".repeat(timeline::text_width(label));
    let width = timeline::LINE_WIDTH.saturating_sub(indent.len()).max(20);
    let mut out = String::new();
    for (i, line) in timeline::wrap(text, width).iter().enumerate() {
        out.push_str(if i == 0 { label } else { &indent });
        out.push_str(line);
        out.push('\n');
    }
    if out.is_empty() {
        out.push_str(label.trim_end());
        out.push('\n');
    }
    out
}

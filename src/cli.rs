//! The headless command line: list, check and run scenarios (the binary is a thin
//! wrapper over these functions, so tests call them directly).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use crate::analysis::{self, Metrics, Report};
use crate::model;
use crate::params::table::{self, ParamValue, Value};
use crate::params::{ByteOrder, DecoderKind, Framing, HeaderWrites, Link, Params, Settings, Stack};
use crate::scenario::{self, Lang, Scenario, ScenarioError, Text};
use crate::timeline::{self, Words, pad, pad_left, side_name, words};
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
    /// Like [`CliError::BadParam`], with the message in both languages (`Display`:
    /// the English one).
    #[error("{}", .0.en)]
    Invalid(Text),
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

impl CliError {
    /// The message in `lang`, for `--lang` (`Display` gives the English one). What the
    /// system says (an IO error) stays as the system says it.
    pub fn text(&self, lang: Lang) -> String {
        if lang == Lang::En {
            return self.to_string();
        }
        match self {
            CliError::UnknownScenario(key) => {
                format!("没有场景 `{key}`：请给出文件路径，或 `stickysim list` 中的编号或名称")
            }
            CliError::Scenario(e) => e.text(lang),
            CliError::Invalid(m) => m.get(lang).to_string(),
            CliError::Model(e) => e.text(lang),
            CliError::Real(e) => e.text(lang),
            CliError::Gui(e) => format!("无法打开窗口：{e}"),
            _ => self.to_string(),
        }
    }
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
            let (param, value) = scenario::parse_setting_both(kv).map_err(|m| {
                CliError::Invalid(Text::both(
                    format!("--set {kv}: {}", m.en),
                    format!("--set {kv}：{}", m.zh),
                ))
            })?;
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
                s.set_both(key, v).map_err(|m| {
                    let flag = flag_words(key, v);
                    CliError::Invalid(Text::both(
                        format!("{flag}: {}", m.en),
                        format!("{flag}：{}", m.zh),
                    ))
                })?;
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
    let shown = path.display().to_string();
    let invalid = |m: Text| {
        CliError::Invalid(Text::both(
            format!("{shown}: {}", m.en),
            format!("{shown}：{}", m.zh),
        ))
    };
    let meta = std::fs::metadata(path).map_err(err)?;
    if !meta.is_file() {
        return Err(invalid(Text::both(
            "not a regular file (a scenario is a .toml file)",
            "不是普通文件（场景是一个 .toml 文件）",
        )));
    }
    let max = scenario::limits::MAX_FILE_BYTES;
    let mib = max / (1024 * 1024);
    if meta.len() > max {
        let n = meta.len();
        return Err(invalid(Text::both(
            format!("{n} bytes is more than a scenario file may have ({mib} MiB)"),
            format!("{n} 字节，超过了场景文件的上限（{mib} MiB）"),
        )));
    }
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .map_err(err)?
        .take(max + 1)
        .read_to_end(&mut bytes)
        .map_err(err)?;
    if bytes.len() as u64 > max {
        return Err(invalid(Text::both(
            format!("more than a scenario file may have ({mib} MiB)"),
            format!("超过了场景文件的上限（{mib} MiB）"),
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
    check_in(paths, Lang::En)
}

/// [`check`] in `lang`, the scenario errors included.
pub fn check_in(paths: &[PathBuf], lang: Lang) -> Result<(String, usize), CliError> {
    let mut out = String::new();
    let mut errors = 0;
    let files = scenario_files(paths)?;
    for f in &files {
        let name = f.display().to_string();
        let bytes = read_scenario_file(f)?;
        errors += report_check(
            &mut out,
            &name,
            scenario::parse_bytes_all(&bytes, &name),
            lang,
        );
    }
    let _ = match lang {
        Lang::En => writeln!(out, "{} file(s) checked, {errors} error(s)", files.len()),
        Lang::Zh => writeln!(out, "已检查 {} 个文件，{errors} 个错误", files.len()),
    };
    Ok((out, errors))
}

/// One file's line (or its errors) for `check`; returns its error count.
fn report_check(
    out: &mut String,
    name: &str,
    result: Result<Scenario, Vec<ScenarioError>>,
    lang: Lang,
) -> usize {
    let error = Words("error  ", "错误   ").get(lang);
    match result {
        // A file that passes `check` must run: the model is run to its end under the same
        // step and trace budgets as `run` (fast: the built-ins take microseconds).
        Ok(s) => match model::run(&s, &s.params) {
            Ok(_) => {
                let (c, v) = (s.client.len(), s.server.len());
                let _ = match lang {
                    Lang::En => writeln!(out, "ok     {name}  ({c} + {v} actions)"),
                    Lang::Zh => writeln!(out, "通过   {name}（{c} + {v} 个动作）"),
                };
                0
            }
            Err(e) => {
                let _ = match lang {
                    Lang::En => writeln!(out, "{error}{name}: valid, but `run` would fail: {e}"),
                    Lang::Zh => writeln!(
                        out,
                        "{error}{name}：文件有效，但 `run` 会失败：{}",
                        e.text(lang)
                    ),
                };
                1
            }
        },
        Err(errs) => {
            for e in &errs {
                let _ = writeln!(out, "{error}{}", e.text(lang));
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
    /// A simulated run's blocked programs (side, action index, call), which `stuck`
    /// words in English; empty for a real run.
    pub blocked: Vec<(crate::trace::Side, usize, String)>,
}

/// What a run notes after its verdict, in `lang`: a simulated run's blocked programs are
/// worded in `lang`; a real run's notes come from the runner in English.
pub fn notes(run: &Run, lang: Lang) -> Vec<String> {
    if run.blocked.is_empty() || lang == Lang::En {
        return run.stuck.clone();
    }
    run.blocked
        .iter()
        .map(|(side, line, what)| blocked_note(*side, *line, what, lang))
        .collect()
}

fn blocked_note(side: crate::trace::Side, line: usize, what: &str, lang: Lang) -> String {
    match lang {
        Lang::En => format!(
            "{} is blocked forever in {what} (action {}): nothing more will arrive",
            side.name(),
            line + 1
        ),
        Lang::Zh => format!(
            "{}永远阻塞在 {what}（第 {} 个动作）：不会再有数据到达",
            side_name(side, lang),
            line + 1
        ),
    }
}

pub fn run_sim(scenario: &Scenario, params: &Params) -> Result<Run, CliError> {
    let mut sim = model::Sim::new(scenario, params)?;
    sim.run_until_idle(model::DEFAULT_MAX_STEPS)?;
    let blocked = sim.stuck();
    let stuck = blocked
        .iter()
        .map(|(side, line, what)| blocked_note(*side, *line, what, Lang::En))
        .collect();
    let trace = sim.into_trace();
    let report = analysis::analyze(&trace);
    Ok(Run {
        scenario: scenario.clone(),
        trace,
        report,
        stuck,
        blocked,
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
    // Real sockets have no delayed-ACK switch: the kernel's own policy applies.
    let delack = if t.mode == "real" {
        Words("(the kernel's)", "（由内核决定）").get(lang)
    } else {
        on_off_in(p.delayed_ack, lang)
    };
    let (mode, sl, tr) = (t.mode, stack_link(p, t.mode == "real"), p.transport.name());
    let (fr, hw, dec) = (p.framing.name(), p.header_writes.name(), p.decoder.name());
    let (nagle, mss, seed) = (on_off_in(p.nagle, lang), p.mss, t.seed);
    let _ = match lang {
        Lang::En => writeln!(
            out,
            "mode {mode} ({sl}) · {tr} · framing {fr} ({hw}, {dec} decoder) · Nagle {nagle} · delayed ACK {delack} · mss {mss} · seed {seed}"
        ),
        Lang::Zh => writeln!(
            out,
            "模式 {mode}（{sl}）· {tr} · 分帧 {fr}（{hw}，{dec} 解码器）· Nagle {nagle} · 延迟确认 {delack} · mss {mss} · 种子 {seed}"
        ),
    };
    if let Some(summary) = &run.scenario.summary {
        out.push('\n');
        for line in timeline::wrap(summary.get(lang), timeline::LINE_WIDTH) {
            let _ = writeln!(out, "{line}");
        }
    }
    out.push('\n');
    out.push_str(&timeline::render_events(t, &t.events, &run.scenario, lang));
    out.push('\n');
    out.push_str(&recv_sections(t, lang));
    out.push('\n');
    out.push_str(&render_metrics_in(&run.report, lang));
    out.push('\n');
    let label = words::VERDICT.get(lang);
    out.push_str(&labelled(label, &run.report.verdict_in(lang)));
    let indent = " ".repeat(timeline::text_width(label));
    for r in timeline::raised_in(&run.trace.events, lang) {
        let _ = writeln!(out, "{indent}{r}");
    }
    // Programs still blocked when the run ended (a lost datagram, a peer that crashed);
    // for a real run, also what the slicer or the kernel did.
    for s in notes(run, lang) {
        let _ = writeln!(out, "{}{s}", words::NOTE.get(lang));
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
    on_off_in(b, Lang::En)
}

fn on_off_in(b: bool, lang: Lang) -> &'static str {
    if b { words::ON } else { words::OFF }.get(lang)
}

/// A metric's row name: the JSON key in English (scripts read it), the plain-word label
/// in Chinese.
fn metric_name(f: &analysis::MetricField, lang: Lang) -> &'static str {
    match lang {
        Lang::En => f.name,
        Lang::Zh => f.label(lang),
    }
}

/// Columns of the metric-name column: 20 for the English keys, the widest label else.
fn name_width(lang: Lang) -> usize {
    Metrics::fields()
        .iter()
        .map(|f| timeline::text_width(metric_name(f, lang)))
        .max()
        .unwrap_or(0)
        .max(20)
}

/// A table of every metric: total and per direction.
pub fn render_metrics(report: &Report) -> String {
    render_metrics_in(report, Lang::En)
}

/// [`render_metrics`] in `lang`.
pub fn render_metrics_in(report: &Report, lang: Lang) -> String {
    let w = name_width(lang);
    let mut out = format!(
        "{} {} {} {}\n",
        pad(words::METRIC.get(lang), w),
        pad_left(words::TOTAL.get(lang), 12),
        pad_left(words::C2S.get(lang), 18),
        pad_left(words::S2C.get(lang), 18)
    );
    for f in Metrics::fields() {
        let _ = writeln!(
            out,
            "{} {:>12} {:>18} {:>18}",
            pad(metric_name(f, lang), w),
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
    events: crate::trace::json::EventsOut<'a>,
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
        events: t.events_json(),
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
    check_builtin_in(Lang::En)
}

/// [`check_builtin`] with its own lines in `lang`.
pub fn check_builtin_in(lang: Lang) -> (String, usize) {
    let mut out = String::new();
    let errors: usize = scenario::BUILTIN
        .iter()
        .map(|(file, text)| report_check(&mut out, file, scenario::parse_all(text, file), lang))
        .sum();
    let n = scenario::BUILTIN.len();
    let _ = match lang {
        Lang::En => writeln!(out, "{n} built-in scenario(s) checked, {errors} error(s)"),
        Lang::Zh => writeln!(out, "已检查 {n} 个内置场景，{errors} 个错误"),
    };
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
        blocked: Vec::new(),
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
    let (st, li, tr) = (p.stack.name(), p.link.name(), p.transport.name());
    let (fr, hw, dec) = (p.framing.name(), p.header_writes.name(), p.decoder.name());
    let (nagle, seed) = (on_off_in(p.nagle, lang), sim.trace.seed);
    let _ = match lang {
        Lang::En => writeln!(
            out,
            "simulated ({st}, {li}) and real loopback · {tr} · framing {fr} ({hw}, {dec} decoder) · Nagle {nagle} · seed {seed}"
        ),
        Lang::Zh => writeln!(
            out,
            "模拟（{st}, {li}）与真实回环 · {tr} · 分帧 {fr}（{hw}，{dec} 解码器）· Nagle {nagle} · 种子 {seed}"
        ),
    };
    for (title, run) in [(words::SIMULATED, sim), (words::REAL_LOOPBACK, real)] {
        let _ = writeln!(out, "\n== {} ==", title.get(lang));
        out.push_str(&recv_sections(&run.trace, lang));
        for s in notes(run, lang) {
            let _ = writeln!(out, "{}{s}", words::NOTE.get(lang));
        }
    }
    out.push('\n');
    out.push_str(&render_metrics_pair_in(&sim.report, &real.report, lang));
    out.push('\n');
    for (label, run) in [(words::VERDICT_SIM, sim), (words::VERDICT_REAL, real)] {
        let label = label.get(lang);
        out.push_str(&labelled(label, &run.report.verdict_in(lang)));
        let indent = " ".repeat(timeline::text_width(label));
        for r in timeline::raised_in(&run.trace.events, lang) {
            let _ = writeln!(out, "{indent}{r}");
        }
    }
    out
}

/// Every metric for both runs: totals, then each direction.
pub fn render_metrics_pair(sim: &Report, real: &Report) -> String {
    render_metrics_pair_in(sim, real, Lang::En)
}

/// [`render_metrics_pair`] in `lang`.
pub fn render_metrics_pair_in(sim: &Report, real: &Report, lang: Lang) -> String {
    let w = name_width(lang);
    let head = [
        words::SIM,
        words::REAL,
        words::SIM_C2S,
        words::REAL_C2S,
        words::SIM_S2C,
        words::REAL_S2C,
    ]
    .map(|h| pad_left(h.get(lang), 11));
    let mut out = format!(
        "{} {} {}   {} {}   {} {}\n",
        pad(words::METRIC.get(lang), w),
        head[0],
        head[1],
        head[2],
        head[3],
        head[4],
        head[5]
    );
    let (c2s, s2c) = (Dir::ClientToServer, Dir::ServerToClient);
    for f in Metrics::fields() {
        let _ = writeln!(
            out,
            "{} {:>11} {:>11}   {:>11} {:>11}   {:>11} {:>11}",
            pad(metric_name(f, lang), w),
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
pub fn recv_sections(t: &Trace, lang: Lang) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{}", words::RECV_HEADING.get(lang));
    for r in analysis::recv_results(t) {
        let what = if r.eof {
            "EOF".to_string()
        } else if let Some(c) = t.chunk_of(&t.events[r.event]) {
            timeline::marked_bytes_within(&c, 60)
        } else {
            String::new()
        };
        let mut note = if r.sticky {
            match lang {
                Lang::En => format!("  ← sticky: {} messages", r.messages.len()),
                Lang::Zh => format!("  ← 粘包：{} 条消息", r.messages.len()),
            }
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
            let _ = match lang {
                Lang::En => write!(note, "  ← truncated: {lost} B of the datagram lost"),
                Lang::Zh => write!(note, "  ← 截断：数据报丢失 {lost} B"),
            };
        }
        let _ = writeln!(
            out,
            "  {:>10}  {} {:>6} B  {what}{note}",
            timeline::ms(r.t_us),
            pad(side_name(r.side, lang), 6),
            r.data.len()
        );
    }
    let deliveries = analysis::deliveries(t);
    if !deliveries.is_empty() {
        let _ = writeln!(out, "\n{}", words::DELIVERY_HEADING.get(lang));
        for d in deliveries {
            let mark = if d.intact { "✓" } else { "✗" };
            let text = timeline::text_head(&d.data, 40);
            let _ = write!(
                out,
                "  {mark} {} #{:<3} {:>6} B \"{text}\"",
                pad(side_name(d.side, lang), 6),
                d.index,
                d.data.len()
            );
            if !d.intact {
                let how = match (d.truncated, lang) {
                    (true, Lang::En) => "truncated:",
                    (false, Lang::En) => "but",
                    (true, Lang::Zh) => "截断：",
                    (false, Lang::Zh) => "但",
                };
                match t.messages_in(d.dir).find(|m| m.id == d.msg) {
                    Some(m) => {
                        let (id, len) = (m.id, m.data.len());
                        let head = timeline::text_head(&m.data, 20);
                        let _ = match lang {
                            Lang::En => write!(out, "  {how} #{id} was {len} B \"{head}\""),
                            Lang::Zh => write!(out, "  {how} #{id} 原本是 {len} B \"{head}\""),
                        };
                    }
                    None => {
                        let n = t.messages_in(d.dir).count();
                        let _ = match lang {
                            Lang::En => write!(out, "  but only {n} message(s) were sent"),
                            Lang::Zh => write!(out, "  但只发送了 {n} 条消息"),
                        };
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

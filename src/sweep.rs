//! Parameter sweeps: one scenario run over a grid of parameter values, a few seeds per
//! point, averaged (`stickysim sweep`).
//!
//! This module is pure (no threads, clock or IO), so the GUI and a wasm build can use
//! it: it reads `--param` specs into a [`Grid`], builds each point's [`Params`] through
//! the parameter table ([`Table`], behind [`ParamTable`]), turns a run's metrics into
//! [`RunStats`], averages them ([`aggregate`]) and renders the result as text, CSV or
//! JSON. The parallel runner is [`parallel`] (not built for wasm).
//!
//! # `--param` syntax
//!
//! - `KEY=A,B,C`: these values, as `--set KEY=A` would read each one (`nagle=on,off`,
//!   `framing=raw,length-prefix`).
//! - `KEY=LO..HI:STEP`: numbers from LO to HI **inclusive**, STEP apart
//!   (`recv_delay_ms=0..50:1` is 51 values); `KEY=LO..HI` steps by 1.
//!
//! The first `--param` varies slowest; points are listed in that order.

use std::fmt::Write as _;

use serde_json::{Value, json};

use crate::analysis::{self, Metrics};
use crate::model::{self, ModelError};
use crate::params::table::{self, Kind, PARAMS};
use crate::params::{Params, Settings};
use crate::scenario::{self, Lang, Scenario, Text};

#[cfg(not(target_arch = "wasm32"))]
pub mod parallel;

/// Most values one axis may have.
pub const MAX_AXIS_VALUES: usize = 10_000;
/// Most points a grid may have.
pub const MAX_POINTS: usize = 100_000;
/// Most runs a sweep may do (points × runs per point).
pub const MAX_RUNS: u64 = 1_000_000;

/// A bad `--param`, grid or sweep. `Display` is English; [`SweepError::text`] gives
/// either language.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum SweepError {
    #[error("--param `{spec}`: {}", why.en)]
    BadSpec { spec: String, why: Text },
    #[error("--param {key} is given twice: give all its values in one --param")]
    Repeated { key: String },
    #[error("the grid has {points} points; at most {max} are allowed", max = MAX_POINTS)]
    TooManyPoints { points: u128 },
    #[error(
        "{points} points × {runs_per_point} runs per point = {runs} runs; at most {max} are allowed",
        max = MAX_RUNS
    )]
    TooManyRuns {
        points: usize,
        runs_per_point: u32,
        runs: u64,
    },
    #[error("--runs-per-point must be at least 1")]
    NoRuns,
    #[error("--param {key}={value}: {}", why.en)]
    BadValue {
        key: String,
        value: String,
        why: Text,
    },
}

impl SweepError {
    /// The message in `lang`.
    pub fn text(&self, lang: Lang) -> String {
        if lang == Lang::En {
            return self.to_string();
        }
        match self {
            SweepError::BadSpec { spec, why } => format!("--param `{spec}`：{}", why.zh),
            SweepError::Repeated { key } => {
                format!("--param {key} 给了两次：请在一个 --param 中给出它的所有取值")
            }
            SweepError::TooManyPoints { points } => {
                format!("网格有 {points} 个点；最多允许 {MAX_POINTS} 个")
            }
            SweepError::TooManyRuns {
                points,
                runs_per_point,
                runs,
            } => format!(
                "{points} 个点 × 每点 {runs_per_point} 次运行 = {runs} 次运行；最多允许 {MAX_RUNS} 次"
            ),
            SweepError::NoRuns => "--runs-per-point 至少为 1".to_string(),
            SweepError::BadValue { key, value, why } => {
                format!("--param {key}={value}：{}", why.zh)
            }
        }
    }

    /// The message in both languages.
    pub fn both(&self) -> Text {
        Text::both(self.text(Lang::En), self.text(Lang::Zh))
    }
}

/// One value of an axis, as it is shown and handed to the parameter table.
#[derive(Clone, Debug, PartialEq)]
pub struct AxisValue {
    /// The value as `--set` reads it (`on`, `length-prefix`, `2.5`).
    pub text: String,
    /// The value as a number, when it is one (for the JSON report and plots).
    pub number: Option<f64>,
}

impl AxisValue {
    fn new(text: String) -> AxisValue {
        let number = text.parse::<f64>().ok().filter(|x| x.is_finite());
        AxisValue { text, number }
    }

    /// A number when it is one (an integer when written as one), else the text.
    fn json(&self) -> Value {
        match self.number {
            Some(x) if x.fract() == 0.0 && x.abs() < 9.0e15 && !self.text.contains('.') => {
                json!(x as i64)
            }
            Some(x) => json!(x),
            None => Value::String(self.text.clone()),
        }
    }
}

/// One swept parameter and its values, in order.
#[derive(Clone, Debug, PartialEq)]
pub struct Axis {
    pub key: String,
    pub values: Vec<AxisValue>,
}

/// Reads one `--param KEY=...` spec (syntax only: the parameter table checks the key and
/// each value, see [`Grid::point_params`]).
pub fn parse_axis(spec: &str) -> Result<Axis, SweepError> {
    let bad = |why: Text| SweepError::BadSpec {
        spec: spec.to_string(),
        why,
    };
    let Some((key, values)) = spec.split_once('=') else {
        return Err(bad(Text::both(
            "expected KEY=VALUES, e.g. nagle=on,off or recv_delay_ms=0..50:1",
            "应写成 KEY=VALUES，例如 nagle=on,off 或 recv_delay_ms=0..50:1",
        )));
    };
    let (key, values) = (key.trim(), values.trim());
    if key.is_empty() {
        return Err(bad(Text::both(
            "the parameter name is missing before `=`",
            "`=` 前缺少参数名",
        )));
    }
    if values.is_empty() {
        return Err(bad(Text::both(
            format!("no values after `{key}=`"),
            format!("`{key}=` 后面没有取值"),
        )));
    }
    let values = match values.split_once("..") {
        Some((lo, rest)) => range(lo, rest).map_err(bad)?,
        None => list(values).map_err(bad)?,
    };
    Ok(Axis {
        key: key.to_string(),
        values,
    })
}

/// "N values; at most … are allowed".
fn too_many_values(n: impl std::fmt::Display) -> Text {
    Text::both(
        format!("{n} values; at most {MAX_AXIS_VALUES} are allowed"),
        format!("{n} 个取值；最多允许 {MAX_AXIS_VALUES} 个"),
    )
}

/// `A,B,C`.
fn list(values: &str) -> Result<Vec<AxisValue>, Text> {
    let items: Vec<&str> = values.split(',').map(str::trim).collect();
    if items.len() > MAX_AXIS_VALUES {
        return Err(too_many_values(items.len()));
    }
    let mut out: Vec<AxisValue> = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        if item.is_empty() {
            let n = i + 1;
            return Err(Text::both(
                format!("value {n} of the list is empty"),
                format!("列表的第 {n} 个取值是空的"),
            ));
        }
        if out.iter().any(|v| v.text == *item) {
            return Err(Text::both(
                format!("`{item}` is listed twice"),
                format!("`{item}` 列了两次"),
            ));
        }
        out.push(AxisValue::new(item.to_string()));
    }
    Ok(out)
}

/// `LO..HI:STEP` or `LO..HI`, HI included.
fn range(lo: &str, rest: &str) -> Result<Vec<AxisValue>, Text> {
    let (hi, step) = match rest.split_once(':') {
        Some((hi, step)) => (hi, step),
        None => (rest, "1"),
    };
    let number = |what: (&str, &str), text: &str| -> Result<f64, Text> {
        let text = text.trim();
        let (what, what_zh) = what;
        match text.parse::<f64>() {
            Ok(x) if x.is_finite() => Ok(x),
            _ if text.is_empty() => Err(Text::both(
                format!("the range's {what} is missing (LO..HI:STEP, e.g. 0..50:1)"),
                format!("范围缺少{what_zh}（LO..HI:STEP，例如 0..50:1）"),
            )),
            _ => Err(Text::both(
                format!("the range's {what} `{text}` is not a number"),
                format!("范围的{what_zh} `{text}` 不是数字"),
            )),
        }
    };
    let (l, h, s) = (
        number(("start", "起点"), lo)?,
        number(("end", "终点"), hi)?,
        number(("step", "步长"), step)?,
    );
    if s <= 0.0 {
        let step = step.trim();
        return Err(Text::both(
            format!("the step must be above 0, not {step}"),
            format!("步长必须大于 0，不能是 {step}"),
        ));
    }
    if h < l {
        let (hi, lo) = (hi.trim(), lo.trim());
        return Err(Text::both(
            format!("the range ends ({hi}) before it starts ({lo})"),
            format!("范围的终点（{hi}）在起点（{lo}）之前"),
        ));
    }
    // Counted once, with a little slack so 0..1:0.1 includes 1.
    let steps = ((h - l) / s + 1e-9).floor();
    if steps >= MAX_AXIS_VALUES as f64 {
        return Err(too_many_values(steps + 1.0));
    }
    // Shown with as many decimals as the range was written with, so 0.1 steps print
    // 0.3, not 0.30000000000000004.
    let decimals = [lo, hi, step]
        .iter()
        .map(|t| t.trim().split_once('.').map_or(0, |(_, f)| f.len()))
        .max()
        .unwrap_or(0);
    Ok((0..=steps as usize)
        .map(|i| AxisValue::new(format!("{:.*}", decimals, l + i as f64 * s)))
        .collect())
}

/// The points of a sweep: every combination of the axes' values.
#[derive(Clone, Debug, PartialEq)]
pub struct Grid {
    pub axes: Vec<Axis>,
}

impl Grid {
    /// The grid of these axes (none: one point, the scenario's own parameters).
    pub fn new(axes: Vec<Axis>) -> Result<Grid, SweepError> {
        for (i, a) in axes.iter().enumerate() {
            if axes[..i].iter().any(|b| b.key == a.key) {
                return Err(SweepError::Repeated { key: a.key.clone() });
            }
        }
        let points = axes
            .iter()
            .fold(1u128, |n, a| n.saturating_mul(a.values.len() as u128));
        if points > MAX_POINTS as u128 {
            return Err(SweepError::TooManyPoints { points });
        }
        Ok(Grid { axes })
    }

    /// Reads every `--param` spec into a grid.
    pub fn parse<S: AsRef<str>>(specs: &[S]) -> Result<Grid, SweepError> {
        Grid::new(
            specs
                .iter()
                .map(|s| parse_axis(s.as_ref()))
                .collect::<Result<_, _>>()?,
        )
    }

    pub fn len(&self) -> usize {
        self.axes.iter().map(|a| a.values.len()).product()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Point `n`'s value index on each axis; the last axis varies fastest.
    pub fn point(&self, mut n: usize) -> Vec<usize> {
        let mut idx = vec![0; self.axes.len()];
        for (i, a) in self.axes.iter().enumerate().rev() {
            idx[i] = n % a.values.len();
            n /= a.values.len();
        }
        idx
    }

    /// Point `n` in words: `recv_delay_ms=3, nagle=on`.
    pub fn describe(&self, n: usize) -> String {
        self.describe_in(n, Lang::En)
    }

    /// [`Self::describe`] in `lang`.
    pub fn describe_in(&self, n: usize, lang: Lang) -> String {
        let at: Vec<String> = self
            .axes
            .iter()
            .zip(self.point(n))
            .map(|(a, i)| format!("{}={}", a.key, a.values[i].text))
            .collect();
        match lang {
            _ if !at.is_empty() => at.join(", "),
            Lang::En => "the scenario's parameters".to_string(),
            Lang::Zh => "场景自身的参数".to_string(),
        }
    }

    /// Each point's parameters, set through `table`. Each value is first checked alone,
    /// so an error names the `--param` at fault.
    pub fn point_params(&self, table: &impl ParamTable) -> Result<Vec<Params>, SweepError> {
        for a in &self.axes {
            for v in &a.values {
                table
                    .params(&[(&a.key, &v.text)])
                    .map_err(|why| SweepError::BadValue {
                        key: a.key.clone(),
                        value: v.text.clone(),
                        why,
                    })?;
            }
        }
        (0..self.len())
            .map(|n| {
                let at: Vec<(&str, &str)> = self
                    .axes
                    .iter()
                    .zip(self.point(n))
                    .map(|(a, i)| (a.key.as_str(), a.values[i].text.as_str()))
                    .collect();
                table.params(&at).map_err(|why| SweepError::BadValue {
                    key: at.iter().map(|(k, _)| *k).collect::<Vec<_>>().join(","),
                    value: at.iter().map(|(_, v)| *v).collect::<Vec<_>>().join(","),
                    why,
                })
            })
            .collect()
    }
}

/// The parameter table as a sweep uses it: the parameters of a run of the swept
/// scenario (its own, with any fixed overrides) with these keys set from text, each key
/// and value checked as `--set` checks them.
pub trait ParamTable {
    /// The error says why, in both languages.
    fn params(&self, settings: &[(&str, &str)]) -> Result<Params, Text>;
}

/// The parameter table ([`crate::params::table`]) over a sweep's base settings. Each
/// value is read as `--set` reads it, with its messages; a boolean also takes `on` and
/// `off`, as the command line's flags write them. A point's values are explicit
/// settings, so they win over the base and `stack` / `link` move the defaults they
/// govern.
pub struct Table {
    base: Settings,
}

impl Table {
    /// `base`: the scenario's settings with any fixed overrides over them.
    pub fn new(base: Settings) -> Table {
        Table { base }
    }
}

impl ParamTable for Table {
    fn params(&self, settings: &[(&str, &str)]) -> Result<Params, Text> {
        let mut point = Settings::default();
        for (key, text) in settings {
            let boolean = table::param(key).is_some_and(|p| matches!(p.kind, Kind::Bool));
            let text = match *text {
                "on" if boolean => "true",
                "off" if boolean => "false",
                text => text,
            };
            let (p, value) =
                scenario::parse_setting_both(&format!("{key}={text}")).map_err(|e| {
                    if boolean {
                        Text::both(
                            format!("{} (or on / off)", e.en),
                            format!("{}（或 on / off）", e.zh),
                        )
                    } else {
                        e
                    }
                })?;
            point.insert(p, value);
        }
        Ok(self.base.over(&point).resolve())
    }
}

/// What one run contributes to its point's averages.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct RunStats {
    /// `sticky_reads / recv_calls` (0 without recv calls).
    pub sticky_share: f64,
    /// `split_messages / messages_sent` (0 without messages).
    pub split_share: f64,
    /// `messages_intact / messages_sent` (0 without messages).
    pub intact_share: f64,
    pub duration_ms: f64,
}

impl RunStats {
    /// From a run's summary metrics (both directions).
    pub fn of(m: &Metrics) -> RunStats {
        let share = |n: u64, of: u64| if of == 0 { 0.0 } else { n as f64 / of as f64 };
        RunStats {
            sticky_share: share(m.sticky_reads, m.recv_calls),
            split_share: share(m.split_messages, m.messages_sent),
            intact_share: share(m.messages_intact, m.messages_sent),
            duration_ms: m.duration_ms,
        }
    }
}

/// A point's averages over its runs, and how many there were.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct PointStats {
    pub runs: u32,
    pub mean: RunStats,
}

/// The mean of each field over `runs`, summed in order (the same runs give the same bits).
pub fn aggregate(runs: &[RunStats]) -> PointStats {
    let n = runs.len();
    if n == 0 {
        return PointStats::default();
    }
    let mean = |f: fn(&RunStats) -> f64| runs.iter().map(f).sum::<f64>() / n as f64;
    PointStats {
        runs: u32::try_from(n).unwrap_or(u32::MAX),
        mean: RunStats {
            sticky_share: mean(|r| r.sticky_share),
            split_share: mean(|r| r.split_share),
            intact_share: mean(|r| r.intact_share),
            duration_ms: mean(|r| r.duration_ms),
        },
    }
}

/// A finished sweep: the grid and each point's averages, in grid order.
#[derive(Clone, Debug, PartialEq)]
pub struct Sweep {
    pub scenario: String,
    /// The seed of each point's first run; run `i` uses `seed + i`.
    pub seed: u64,
    pub runs_per_point: u32,
    pub grid: Grid,
    pub points: Vec<PointStats>,
}

/// The result columns after the parameters: (CSV/JSON name, text header).
const COLUMNS: [(&str, &str); 5] = [
    ("runs", "runs"),
    ("sticky_share", "sticky reads"),
    ("split_share", "split msgs"),
    ("intact_share", "intact msgs"),
    ("duration_ms", "duration ms"),
];

impl Sweep {
    fn rows(&self) -> impl Iterator<Item = (Vec<&AxisValue>, &PointStats)> {
        self.points.iter().enumerate().map(|(n, s)| {
            let at = self
                .grid
                .axes
                .iter()
                .zip(self.grid.point(n))
                .map(|(a, i)| &a.values[i])
                .collect();
            (at, s)
        })
    }

    /// A table for people: shares in percent.
    pub fn render_text(&self) -> String {
        let widths: Vec<usize> = self
            .grid
            .axes
            .iter()
            .map(|a| {
                a.values
                    .iter()
                    .map(|v| v.text.chars().count())
                    .chain([a.key.chars().count()])
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        let mut out = format!(
            "{} · {} point(s) × {} run(s), seeds {}..={}\n",
            self.scenario,
            self.points.len(),
            self.runs_per_point,
            self.seed,
            self.seed
                .saturating_add(u64::from(self.runs_per_point).saturating_sub(1))
        );
        for (a, w) in self.grid.axes.iter().zip(&widths) {
            let _ = write!(out, "{:<w$}  ", a.key);
        }
        let _ = writeln!(
            out,
            "{:>5} {:>12} {:>11} {:>12} {:>12}",
            COLUMNS[0].1, COLUMNS[1].1, COLUMNS[2].1, COLUMNS[3].1, COLUMNS[4].1
        );
        for (at, s) in self.rows() {
            for (v, w) in at.iter().zip(&widths) {
                let _ = write!(out, "{:<w$}  ", v.text);
            }
            let m = &s.mean;
            let _ = writeln!(
                out,
                "{:>5} {:>11.1}% {:>10.1}% {:>11.1}% {:>12.3}",
                s.runs,
                m.sticky_share * 100.0,
                m.split_share * 100.0,
                m.intact_share * 100.0,
                m.duration_ms
            );
        }
        out
    }

    /// One header line (the parameters, then [`COLUMNS`]), one line per point; shares
    /// as fractions 0 to 1.
    pub fn render_csv(&self) -> String {
        let mut header: Vec<String> = self.grid.axes.iter().map(|a| csv(&a.key)).collect();
        header.extend(COLUMNS.iter().map(|(name, _)| name.to_string()));
        let mut out = header.join(",");
        out.push('\n');
        for (at, s) in self.rows() {
            let mut cells: Vec<String> = at.iter().map(|v| csv(&v.text)).collect();
            let m = &s.mean;
            cells.push(s.runs.to_string());
            cells.extend(
                [m.sticky_share, m.split_share, m.intact_share, m.duration_ms]
                    .iter()
                    .map(|x| x.to_string()),
            );
            out.push_str(&cells.join(","));
            out.push('\n');
        }
        out
    }

    /// `{scenario, seed, runs_per_point, params: [keys], points: [{params: {key: value},
    /// runs, sticky_share, split_share, intact_share, duration_ms}]}`.
    pub fn to_json(&self) -> Value {
        let points: Vec<Value> = self
            .rows()
            .map(|(at, s)| {
                let params: serde_json::Map<String, Value> = self
                    .grid
                    .axes
                    .iter()
                    .zip(at)
                    .map(|(a, v)| (a.key.clone(), v.json()))
                    .collect();
                let m = &s.mean;
                json!({
                    "params": params,
                    "runs": s.runs,
                    "sticky_share": m.sticky_share,
                    "split_share": m.split_share,
                    "intact_share": m.intact_share,
                    "duration_ms": m.duration_ms,
                })
            })
            .collect();
        json!({
            "scenario": self.scenario,
            "seed": self.seed,
            "runs_per_point": self.runs_per_point,
            "params": self.grid.axes.iter().map(|a| a.key.as_str()).collect::<Vec<_>>(),
            "points": points,
        })
    }
}

/// A CSV cell: quoted when it holds a comma, a quote or a line break.
fn csv(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_string()
    }
}

/// Checks the size of a sweep before anything runs.
pub fn check_size(points: usize, runs_per_point: u32) -> Result<u64, SweepError> {
    if runs_per_point == 0 {
        return Err(SweepError::NoRuns);
    }
    let runs = points as u64 * u64::from(runs_per_point);
    if runs > MAX_RUNS {
        return Err(SweepError::TooManyRuns {
            points,
            runs_per_point,
            runs,
        });
    }
    Ok(runs)
}

/// A run that failed, and where.
#[derive(Debug, thiserror::Error)]
#[error("point {} (seed {seed}): {error}", point + 1)]
pub struct RunError {
    /// The point's index in the grid.
    pub point: usize,
    pub seed: u64,
    pub error: ModelError,
}

impl RunError {
    /// "at recv_delay_ms=3, nagle=on (seed 7): …" in `lang`, the point named on `grid`.
    pub fn at(&self, grid: &Grid, lang: Lang) -> String {
        let (point, seed) = (grid.describe_in(self.point, lang), self.seed);
        let error = self.error.text(lang);
        match lang {
            Lang::En => format!("at {point} (seed {seed}): {error}"),
            Lang::Zh => format!("在 {point}（种子 {seed}）：{error}"),
        }
    }
}

/// Run `i` of point `point` (parameters `params`, seed `params.seed + i`): the one run the
/// parallel runner and [`Sequential`] both do, so they give the same bits.
pub fn run_one(
    scenario: &Scenario,
    point: usize,
    params: &Params,
    i: u32,
) -> Result<RunStats, RunError> {
    let mut params = params.clone();
    params.seed = params.seed.wrapping_add(u64::from(i));
    let trace = model::run(scenario, &params).map_err(|error| RunError {
        point,
        seed: params.seed,
        error,
    })?;
    Ok(RunStats::of(&analysis::analyze(&trace).summary))
}

/// A sweep run a few runs at a time on one thread (the web app runs a slice per frame:
/// no threads there). Gives what [`parallel::run`] gives.
#[derive(Clone, Debug, Default)]
pub struct Sequential {
    stats: Vec<RunStats>,
}

impl Sequential {
    /// Runs done so far.
    pub fn done(&self) -> usize {
        self.stats.len()
    }

    /// Does up to `budget` more runs; the averages once every run is done.
    pub fn step(
        &mut self,
        scenario: &Scenario,
        points: &[Params],
        runs_per_point: u32,
        budget: usize,
    ) -> Result<Option<Vec<PointStats>>, RunError> {
        let per = runs_per_point.max(1) as usize;
        let total = points.len() * per;
        for _ in 0..budget {
            let k = self.stats.len();
            if k >= total {
                break;
            }
            let (point, i) = (k / per, k % per);
            self.stats
                .push(run_one(scenario, point, &points[point], i as u32)?);
        }
        Ok((self.stats.len() >= total).then(|| self.stats.chunks(per).map(aggregate).collect()))
    }
}

/// A checked sweep, ready to run: the CLI's steps from `--param` specs to each point's
/// parameters, for the GUI.
#[derive(Clone, Debug, PartialEq)]
pub struct Plan {
    pub grid: Grid,
    /// Each point's parameters, in grid order.
    pub points: Vec<Params>,
    pub runs_per_point: u32,
    /// The seed of each point's first run.
    pub seed: u64,
}

impl Plan {
    /// `base`: the scenario's settings with any fixed overrides over them (`--set`).
    pub fn new<S: AsRef<str>>(
        base: Settings,
        specs: &[S],
        runs_per_point: u32,
    ) -> Result<Plan, SweepError> {
        let grid = Grid::parse(specs)?;
        check_size(grid.len(), runs_per_point)?;
        let seed = base.resolve().seed;
        let points = grid.point_params(&Table::new(base))?;
        Ok(Plan {
            grid,
            points,
            runs_per_point,
            seed,
        })
    }

    /// Every run of the sweep.
    pub fn runs(&self) -> u64 {
        self.points.len() as u64 * u64::from(self.runs_per_point)
    }

    /// The finished sweep, with each point's averages.
    pub fn finish(self, scenario: &str, points: Vec<PointStats>) -> Sweep {
        Sweep {
            scenario: scenario.to_string(),
            seed: self.seed,
            runs_per_point: self.runs_per_point,
            grid: self.grid,
            points,
        }
    }
}

/// The settings a sweep starts from when parameters were changed after loading the
/// scenario (the GUI's): the scenario's own settings, with each key whose value in
/// `current` differs from the scenario's set explicitly (as `--set` would). Unchanged
/// parameters give the scenario's settings, so the sweep is the CLI's.
pub fn base_settings(scenario: &Scenario, current: &Params) -> Settings {
    let mut changed = Settings::default();
    for row in PARAMS {
        if (row.get)(current) != (row.get)(&scenario.params)
            && let Some(v) = (row.get)(current)
        {
            changed.insert(row, v);
        }
    }
    scenario.settings.over(&changed)
}

/// The `--set KEY=VALUE` arguments [`base_settings`] adds to the scenario's settings.
pub fn changed_settings(scenario: &Scenario, current: &Params) -> Vec<String> {
    PARAMS
        .iter()
        .filter(|row| (row.get)(current) != (row.get)(&scenario.params))
        .filter_map(|row| {
            let v = (row.get)(current)?;
            let text = match v {
                table::Value::Choice(i) => row.names().get(i).copied()?.to_string(),
                v => row.show(v),
            };
            Some(format!("{}={text}", row.key))
        })
        .collect()
}

#[cfg(test)]
mod tests;

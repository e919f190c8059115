//! The real runs reduced to one result, and the first difference from the model.

use serde::Serialize;

use super::{DURATION_MARGIN_US, End, Observation, SideSeen};
use crate::trace::{Micros, Side};

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

pub(super) fn side_difference(
    side: Side,
    m: &SideSeen,
    r: &SideSeen,
) -> Option<(Micros, Difference)> {
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
    /// Set when the model did not run the case's own stack ([`stack_note`](super::stack_note)).
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

//! The sweep runner: every run of every point, spread over all cores with rayon. Each run
//! is independent and seeded, and the results are averaged in grid and seed order, so
//! the output does not depend on the number of threads or their timing.

use rayon::prelude::*;

use std::sync::atomic::{AtomicBool, Ordering};

use super::{PointStats, RunStats, aggregate, run_one};
use crate::params::Params;
use crate::scenario::Scenario;

pub use super::RunError;

/// Runs `scenario` `runs_per_point` times at each point (seeds `seed`, `seed + 1`, …
/// of the point's parameters) and averages each point's runs. `on_run` is called after
/// every run, from any thread (a progress bar).
pub fn run(
    scenario: &Scenario,
    points: &[Params],
    runs_per_point: u32,
    on_run: &(dyn Fn() + Sync),
) -> Result<Vec<PointStats>, RunError> {
    let never = AtomicBool::new(false);
    run_until(scenario, points, runs_per_point, on_run, &never).map(|done| done.unwrap_or_default())
}

/// [`run`] that gives up, returning `Ok(None)`, soon after `stop` is set (the GUI's
/// Cancel): runs not yet started are skipped.
pub fn run_until(
    scenario: &Scenario,
    points: &[Params],
    runs_per_point: u32,
    on_run: &(dyn Fn() + Sync),
    stop: &AtomicBool,
) -> Result<Option<Vec<PointStats>>, RunError> {
    let per = runs_per_point as usize;
    // `None` ends the collection early, as an error does.
    let stats: Option<Vec<RunStats>> = (0..points.len() * per)
        .into_par_iter()
        .map(|k| {
            if stop.load(Ordering::Relaxed) {
                return Ok(None);
            }
            let (point, i) = (k / per, k % per);
            let stats = run_one(scenario, point, &points[point], i as u32)?;
            on_run();
            Ok(Some(stats))
        })
        .collect::<Result<_, RunError>>()?;
    Ok(stats.map(|stats| stats.chunks(per.max(1)).map(aggregate).collect()))
}

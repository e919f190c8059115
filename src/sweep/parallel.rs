//! The sweep runner: every run of every point, spread over all cores with rayon. Each run
//! is independent and seeded, and the results are averaged in grid and seed order, so
//! the output does not depend on the number of threads or their timing.

use rayon::prelude::*;

use super::{PointStats, RunStats, aggregate};
use crate::analysis;
use crate::model::{self, ModelError};
use crate::params::Params;
use crate::scenario::Scenario;

/// A run that failed, and where.
#[derive(Debug, thiserror::Error)]
#[error("point {} (seed {seed}): {error}", point + 1)]
pub struct RunError {
    /// The point's index in the grid.
    pub point: usize,
    pub seed: u64,
    pub error: ModelError,
}

/// Runs `scenario` `runs_per_point` times at each point (seeds `seed`, `seed + 1`, …
/// of the point's parameters) and averages each point's runs. `on_run` is called after
/// every run, from any thread (a progress bar).
pub fn run(
    scenario: &Scenario,
    points: &[Params],
    runs_per_point: u32,
    on_run: &(dyn Fn() + Sync),
) -> Result<Vec<PointStats>, RunError> {
    let per = runs_per_point as usize;
    let stats: Vec<RunStats> = (0..points.len() * per)
        .into_par_iter()
        .map(|k| {
            let (point, i) = (k / per, k % per);
            let mut params = points[point].clone();
            params.seed = params.seed.wrapping_add(i as u64);
            let trace = model::run(scenario, &params).map_err(|error| RunError {
                point,
                seed: params.seed,
                error,
            })?;
            let stats = RunStats::of(&analysis::analyze(&trace).summary);
            on_run();
            Ok(stats)
        })
        .collect::<Result<_, RunError>>()?;
    Ok(stats.chunks(per.max(1)).map(aggregate).collect())
}

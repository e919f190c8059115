//! A finished run that can be stepped forwards and backwards exactly.
//!
//! The model is deterministic, so the state after any step is found by replaying from
//! the nearest checkpoint (a copy of the simulation every [`EVERY`] steps). A "step"
//! here is one model step that produced at least one event, so every press of Step
//! shows something happen.

use crate::analysis::{self, Delivery, RecvResult, Report};
use crate::model::{self, Sim};
use crate::params::Params;
use crate::scenario::Scenario;
use crate::trace::{Micros, Side, Trace};

/// Steps between checkpoints.
pub const EVERY: usize = 256;

pub struct Playback {
    pub scenario: Scenario,
    pub params: Params,
    pub trace: Trace,
    pub report: Report,
    pub recvs: Vec<RecvResult>,
    pub deliveries: Vec<Delivery>,
    /// Programs still blocked when the run went idle.
    pub stuck: Vec<(Side, usize, String)>,
    /// Why the run could not be done (e.g. framing on UDP).
    pub error: Option<String>,
    /// Events produced up to and including each step.
    bounds: Vec<usize>,
    /// The time of each step.
    times: Vec<Micros>,
    checkpoints: Vec<Sim>,
    pos: usize,
    sim: Option<Sim>,
}

impl Playback {
    /// Runs the scenario to the end and rewinds to the start.
    pub fn new(scenario: &Scenario, params: &Params) -> Playback {
        let mut pb = Playback {
            scenario: scenario.clone(),
            params: params.clone(),
            trace: Trace {
                scenario: scenario.name.clone(),
                mode: "sim".into(),
                seed: params.seed,
                params: params.clone(),
                messages: Vec::new(),
                events: Vec::new(),
            },
            report: analysis::analyze(&Trace {
                scenario: String::new(),
                mode: "sim".into(),
                seed: 0,
                params: params.clone(),
                messages: Vec::new(),
                events: Vec::new(),
            }),
            recvs: Vec::new(),
            deliveries: Vec::new(),
            stuck: Vec::new(),
            error: None,
            bounds: Vec::new(),
            times: Vec::new(),
            checkpoints: Vec::new(),
            pos: 0,
            sim: None,
        };
        let mut sim = match Sim::new(scenario, params) {
            Ok(sim) => sim,
            Err(e) => {
                pb.error = Some(e.to_string());
                return pb;
            }
        };
        pb.checkpoints.push(sim.clone_without_events());
        let mut steps = 0;
        while sim.step() {
            steps += 1;
            if steps > model::DEFAULT_MAX_STEPS {
                pb.error = Some(model::ModelError::Livelock(steps).to_string());
                break;
            }
            if sim.events_len() > pb.bounds.last().copied().unwrap_or(0) {
                pb.bounds.push(sim.events_len());
                pb.times.push(sim.now());
                if pb.bounds.len().is_multiple_of(EVERY) {
                    pb.checkpoints.push(sim.clone_without_events());
                }
            }
        }
        pb.stuck = sim.stuck();
        pb.trace = sim.into_trace();
        pb.report = analysis::analyze(&pb.trace);
        pb.recvs = analysis::recv_results(&pb.trace);
        pb.deliveries = analysis::deliveries(&pb.trace);
        pb.seek(0);
        pb
    }

    /// Number of steps in the run.
    pub fn len(&self) -> usize {
        self.bounds.len()
    }

    pub fn is_empty(&self) -> bool {
        self.bounds.is_empty()
    }

    /// Steps taken so far.
    pub fn pos(&self) -> usize {
        self.pos
    }

    /// The simulation as it is after `pos` steps.
    pub fn sim(&self) -> Option<&Sim> {
        self.sim.as_ref()
    }

    /// Events that have happened so far.
    pub fn events_shown(&self) -> usize {
        if self.pos == 0 {
            0
        } else {
            self.bounds[self.pos - 1]
        }
    }

    pub fn now(&self) -> Micros {
        if self.pos == 0 {
            0
        } else {
            self.times[self.pos - 1]
        }
    }

    pub fn end_time(&self) -> Micros {
        self.times.last().copied().unwrap_or(0)
    }

    pub fn at_end(&self) -> bool {
        self.pos >= self.len()
    }

    /// Goes to the state after `pos` steps (clamped to the run).
    pub fn seek(&mut self, pos: usize) {
        let pos = pos.min(self.len());
        let Some(base) = self.checkpoints.get(pos / EVERY) else {
            return;
        };
        let mut sim = base.clone();
        let mut at = (pos / EVERY) * EVERY;
        while at < pos {
            let before = sim.events_len();
            if !sim.step() {
                break;
            }
            if sim.events_len() > before {
                at += 1;
            }
        }
        self.sim = Some(sim);
        self.pos = pos;
    }

    pub fn step(&mut self) {
        if !self.at_end() {
            let mut sim = self.sim.take().expect("a run has a state");
            loop {
                let before = sim.events_len();
                if !sim.step() || sim.events_len() > before {
                    break;
                }
            }
            self.sim = Some(sim);
            self.pos += 1;
        }
    }

    pub fn step_back(&mut self) {
        self.seek(self.pos.saturating_sub(1));
    }

    /// Goes to the last step at or before time `t`.
    pub fn seek_time(&mut self, t: Micros) {
        let pos = self.times.partition_point(|&x| x <= t);
        self.seek(pos);
    }

    /// Goes to the step that produced event `index`.
    pub fn seek_event(&mut self, index: usize) {
        let pos = self.bounds.partition_point(|&b| b <= index) + 1;
        self.seek(pos);
    }

    /// The time of step `pos` (1-based), for the play clock.
    pub fn time_of(&self, pos: usize) -> Option<Micros> {
        pos.checked_sub(1).and_then(|i| self.times.get(i).copied())
    }
}

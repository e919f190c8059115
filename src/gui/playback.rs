//! The run the GUI shows: the model's [`Replay`] (which does the stepping) with the
//! analysis the panels draw, computed once per run.

use std::ops::{Deref, DerefMut};

use crate::analysis::{self, Delivery, RecvResult, Report};
use crate::model::Replay;
use crate::params::Params;
use crate::scenario::Scenario;

pub struct Playback {
    pub replay: Replay,
    pub report: Report,
    pub recvs: Vec<RecvResult>,
    pub deliveries: Vec<Delivery>,
}

impl Playback {
    /// Runs the scenario to the end and rewinds to the start.
    pub fn new(scenario: &Scenario, params: &Params) -> Playback {
        let replay = Replay::new(scenario, params);
        Playback {
            report: analysis::analyze(&replay.trace),
            recvs: analysis::recv_results(&replay.trace),
            deliveries: analysis::deliveries(&replay.trace),
            replay,
        }
    }

    /// [`Replay::seek`], callable as `pb.seek(pb.len())` (a call through `DerefMut`
    /// would borrow `pb` mutably before reading its length).
    pub fn seek(&mut self, pos: usize) {
        self.replay.seek(pos);
    }
}

/// The panels read the replay's state and step it as if it were the playback.
impl Deref for Playback {
    type Target = Replay;
    fn deref(&self) -> &Replay {
        &self.replay
    }
}

impl DerefMut for Playback {
    fn deref_mut(&mut self) -> &mut Replay {
        &mut self.replay
    }
}

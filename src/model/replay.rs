//! A finished run that can be stepped forwards and backwards exactly.
//!
//! The model is deterministic, so the state after any step is found by replaying from
//! the nearest checkpoint (a copy of the simulation every [`Replay::EVERY`] steps, so a
//! seek replays at most `EVERY - 1` steps). A "step" here is one model step that
//! produced at least one event, so every step shows something happen.
//!
//! A checkpoint costs what is not history: the programs, the bytes written and the
//! messages sent are shared by all checkpoints and the state being shown (the run's
//! whole history, once; each copy sees its prefix of it), so the replay of a long run
//! holds its trace, one copy of the history and a few KB per checkpoint, not a copy of
//! everything written so far per checkpoint.

use super::{DEFAULT_MAX_STEPS, ModelError, Sim};
use crate::params::Params;
use crate::scenario::Scenario;
use crate::trace::{Micros, Side, Trace, TraceMode};

#[derive(Clone, Debug)]
pub struct Replay {
    pub scenario: Scenario,
    pub params: Params,
    /// The whole run's trace.
    pub trace: Trace,
    /// Programs still blocked when the run went idle.
    pub stuck: Vec<(Side, usize, String)>,
    /// Why the run could not be done (e.g. framing on UDP), or stopped early (livelock).
    pub error: Option<ModelError>,
    /// Events produced up to and including each step.
    bounds: Vec<usize>,
    /// The time of each step.
    times: Vec<Micros>,
    checkpoints: Vec<Sim>,
    pos: usize,
    sim: Option<Sim>,
}

impl Replay {
    /// Steps between checkpoints.
    pub const EVERY: usize = 256;

    /// Runs the scenario to the end and rewinds to the start.
    pub fn new(scenario: &Scenario, params: &Params) -> Replay {
        Replay::with_budget(scenario, params, DEFAULT_MAX_STEPS)
    }

    /// [`Replay::new`] that calls a run a livelock after `max_steps` model steps.
    pub fn with_budget(scenario: &Scenario, params: &Params, max_steps: usize) -> Replay {
        let mut r = Replay {
            scenario: scenario.clone(),
            params: params.clone(),
            trace: Trace::new(&scenario.name, TraceMode::Sim, params),
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
                r.error = Some(e);
                return r;
            }
        };
        r.checkpoints.push(sim.checkpoint());
        let mut steps = 0;
        while sim.step() {
            steps += 1;
            if steps > max_steps {
                r.error = Some(ModelError::Livelock(steps));
                break;
            }
            if let Some(e) = sim.over_budget() {
                r.error = Some(e);
                break;
            }
            if sim.events_len() > r.bounds.last().copied().unwrap_or(0) {
                r.bounds.push(sim.events_len());
                r.times.push(sim.now());
                if r.bounds.len().is_multiple_of(Self::EVERY) {
                    r.checkpoints.push(sim.checkpoint());
                }
            }
        }
        for c in &mut r.checkpoints {
            c.share_history(&sim);
        }
        r.stuck = sim.stuck();
        r.trace = sim.into_trace();
        r.seek(0);
        r
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

    /// The simulation as it is after `pos` steps (`None` when the run could not start).
    pub fn sim(&self) -> Option<&Sim> {
        self.sim.as_ref()
    }

    /// Events that have happened so far.
    pub fn events_shown(&self) -> usize {
        match self.pos {
            0 => 0,
            p => self.bounds[p - 1],
        }
    }

    pub fn now(&self) -> Micros {
        match self.pos {
            0 => 0,
            p => self.times[p - 1],
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
        let Some(base) = self.checkpoints.get(pos / Self::EVERY) else {
            return;
        };
        let mut sim = base.clone();
        let mut at = (pos / Self::EVERY) * Self::EVERY;
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

    /// One step forwards (nothing at the end).
    pub fn step(&mut self) {
        if self.at_end() {
            return;
        }
        let Some(sim) = self.sim.as_mut() else {
            return;
        };
        loop {
            let before = sim.events_len();
            if !sim.step() || sim.events_len() > before {
                break;
            }
        }
        self.pos += 1;
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::params::{Framing, Transport};
    use crate::scenario::Action::*;
    use std::sync::Arc;

    fn replay(params: Params) -> Replay {
        let client = vec![
            Send(b"hello".to_vec().into()),
            Send(b"world".to_vec().into()),
            Sleep(5.0),
            Send(b"again".to_vec().into()),
            Close,
        ];
        let server = vec![Sleep(60.0), Recv(1024), Recv(1024), Recv(1024)];
        let s = Scenario::from_actions("replay", params.clone(), client, server);
        Replay::new(&s, &params)
    }

    /// The state after `pos` steps taken one at a time from the start.
    fn walked(r: &Replay, pos: usize) -> Replay {
        let mut w = r.clone();
        w.seek(0);
        for _ in 0..pos {
            w.step();
        }
        w
    }

    fn state(r: &Replay) -> (Micros, usize, Vec<crate::model::SideState>) {
        let sim = r.sim().expect("a state");
        let sides = [Side::Client, Side::Server].map(|s| sim.side_state(s));
        (sim.now(), sim.events_len(), sides.to_vec())
    }

    // ---- Tests for stepping ------------------------------------------------------------

    #[test]
    fn the_whole_run_is_recorded_and_it_starts_at_the_beginning() {
        let r = replay(Params::default());
        assert!(r.error.is_none());
        assert!(r.stuck.is_empty());
        assert_eq!(r.pos(), 0);
        assert_eq!(r.now(), 0);
        assert_eq!(r.events_shown(), 0);
        assert_eq!(r.trace, crate::model::run(&r.scenario, &r.params).unwrap());
        assert_eq!(r.events_shown_at_end(), r.trace.events.len());
    }

    #[test]
    fn every_step_shows_at_least_one_event_and_time_never_goes_back() {
        let mut r = replay(Params::default());
        let (mut shown, mut t) = (0, 0);
        while !r.at_end() {
            r.step();
            assert!(r.events_shown() > shown, "step {} showed nothing", r.pos());
            assert!(r.now() >= t);
            assert_eq!(r.sim().unwrap().events_len(), r.events_shown());
            (shown, t) = (r.events_shown(), r.now());
        }
        assert_eq!(r.now(), r.end_time());
        r.step();
        assert_eq!(r.pos(), r.len(), "no step past the end");
    }

    #[test]
    fn stepping_back_gives_the_state_stepping_forward_gave() {
        let mut r = replay(Params::default());
        r.seek(r.len());
        for pos in (0..r.len()).rev() {
            r.step_back();
            assert_eq!(r.pos(), pos);
            assert_eq!(state(&r), state(&walked(&r, pos)), "at step {pos}");
        }
    }

    // ---- Tests for seeking --------------------------------------------------------------

    #[test]
    fn seeking_across_checkpoints_matches_walking() {
        // Enough steps for several checkpoints.
        let params = Params {
            mss: 10,
            nagle: false,
            ..Params::default()
        };
        let client = vec![Sendall(vec![b'x'; 20_000].into()), Close];
        // The reader keeps reading: a program that closed with unread data would reset.
        let server = vec![Recv(100); 250];
        let s = Scenario::from_actions("long", params.clone(), client, server);
        let mut r = Replay::new(&s, &params);
        assert!(r.len() > 3 * Replay::EVERY, "only {} steps", r.len());
        for pos in [
            0,
            1,
            Replay::EVERY - 1,
            Replay::EVERY,
            2 * Replay::EVERY + 7,
            r.len(),
        ] {
            r.seek(pos);
            assert_eq!(state(&r), state(&walked(&r, pos)), "at step {pos}");
        }
        r.seek(usize::MAX);
        assert_eq!(r.pos(), r.len(), "clamped to the run");
    }

    /// A long framed run: many checkpoints, messages cut across segments.
    fn long_replay() -> Replay {
        let params = Params {
            mss: 40,
            framing: Framing::LengthPrefix,
            ..Params::default()
        };
        let client: Vec<_> = (0..1200)
            .map(|i| SendMessage(vec![b'a' + (i % 26) as u8; 1 + i * 7 % 90].into()))
            .chain([Close])
            .collect();
        let server = vec![RecvMessage(1024); 1201];
        let s = Scenario::from_actions("many", params.clone(), client, server);
        Replay::new(&s, &params)
    }

    #[test]
    fn seeking_across_many_checkpoints_matches_walking() {
        let mut r = long_replay();
        assert!(r.error.is_none(), "{:?}", r.error);
        let checkpoints = r.len() / Replay::EVERY;
        assert!(checkpoints >= 20, "only {checkpoints} checkpoints");
        // Around every checkpoint, and between them.
        let mut targets: Vec<usize> = (0..=checkpoints)
            .flat_map(|c| {
                let at = c * Replay::EVERY;
                [at.saturating_sub(1), at, at + 1, at + Replay::EVERY / 2]
            })
            .chain([r.len()])
            .filter(|&p| p <= r.len())
            .collect();
        targets.sort();
        targets.dedup();
        // One walk from the start records the states.
        let mut w = r.clone();
        w.seek(0);
        let mut walked = Vec::new();
        for &pos in &targets {
            while w.pos() < pos {
                w.step();
            }
            walked.push((state(&w), w.sim().unwrap().in_flight()));
        }
        // Seeking, in an order that goes back and forth across the run.
        let mut order: Vec<usize> = (0..targets.len()).collect();
        order.sort_by_key(|&i| (i * 7919) % targets.len());
        for i in order {
            r.seek(targets[i]);
            let got = (state(&r), r.sim().unwrap().in_flight());
            assert_eq!(got, walked[i], "at step {}", targets[i]);
        }
    }

    #[test]
    fn checkpoints_and_the_state_shown_share_one_history() {
        let mut r = long_replay();
        r.seek(r.len() / 2);
        for _ in 0..Replay::EVERY + 3 {
            r.step();
        }
        let shown = r.sim().unwrap();
        for c in &r.checkpoints {
            // Stepping a copy found every byte and message it wrote already there.
            for d in 0..2 {
                assert!(Arc::ptr_eq(&c.streams[d].items, &shown.streams[d].items));
                assert!(Arc::ptr_eq(
                    &c.msg_index[d].items,
                    &shown.msg_index[d].items
                ));
            }
            assert!(Arc::ptr_eq(&c.messages.items, &shown.messages.items));
            assert!(Arc::ptr_eq(&c.apps[0].steps, &shown.apps[0].steps));
        }
        // The trace keeps its own copy of the messages; the replay's history is one more.
        assert_eq!(shown.messages.items.len(), r.trace.messages.len());
    }

    #[test]
    fn seek_time_goes_to_the_last_step_at_or_before_it() {
        let mut r = replay(Params::default());
        let end = r.end_time();
        r.seek_time(end / 2);
        assert!(r.now() <= end / 2);
        let next = r.time_of(r.pos() + 1).expect("a later step");
        assert!(next > end / 2);
        r.seek_time(0);
        assert_eq!(r.now(), 0);
    }

    #[test]
    fn seek_event_goes_to_the_step_that_produced_it() {
        let mut r = replay(Params::default());
        for index in [0, 3, r.trace.events.len() - 1] {
            r.seek_event(index);
            assert!(r.events_shown() > index, "event {index} has happened");
            r.step_back();
            assert!(r.events_shown() <= index, "not before the step");
            r.step();
        }
    }

    // ---- Tests for runs that cannot be replayed ---------------------------------------

    #[test]
    fn a_run_that_cannot_start_has_an_error_and_no_state() {
        let params = Params {
            transport: Transport::Udp,
            framing: Framing::LengthPrefix,
            ..Params::default()
        };
        let mut r = replay(params);
        assert!(r.error.as_ref().unwrap().to_string().contains("framing"));
        // The GUI shows it in the user's language.
        let zh = r.error.as_ref().unwrap().text(crate::scenario::Lang::Zh);
        assert!(zh.contains("分帧") && zh.contains("UDP"), "{zh}");
        assert!(r.sim().is_none());
        assert!(r.is_empty());
        r.step();
        r.seek(3);
        assert_eq!(r.pos(), 0);
    }

    #[test]
    fn a_run_over_its_budget_stops_with_a_livelock_error() {
        let s = Scenario::from_actions(
            "t",
            Params::default(),
            vec![Sendall(vec![b'x'; 100_000].into()), Close],
            vec![Recv(1000); 150],
        );
        let r = Replay::with_budget(&s, &Params::default(), 50);
        assert!(
            r.error
                .as_ref()
                .unwrap()
                .to_string()
                .contains("did not finish")
        );
        assert!(!r.is_empty(), "the steps before the budget are kept");
    }

    #[test]
    fn a_blocked_program_is_reported_stuck() {
        let s = Scenario::from_actions("t", Params::default(), vec![Recv(10)], vec![Recv(10)]);
        let r = Replay::new(&s, &Params::default());
        let sides: Vec<Side> = r.stuck.iter().map(|s| s.0).collect();
        assert_eq!(sides, vec![Side::Client, Side::Server]);
        assert_eq!(r.stuck[0].2, "recv(10)");
    }

    impl Replay {
        fn events_shown_at_end(&self) -> usize {
            let mut r = self.clone();
            r.seek(r.len());
            r.events_shown()
        }
    }
}

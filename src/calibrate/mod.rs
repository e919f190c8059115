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

use crate::cli::{self, CliError};
use crate::params::{Params, Stack, Value};
use crate::realnet::RealOptions;
use crate::scenario::Scenario;
use crate::trace::Micros;

mod compare;
mod observe;
mod render;

pub use compare::*;
pub use observe::*;
pub use render::*;

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

#[cfg(test)]
mod tests;

//! The slicer relay, like toxiproxy's slicer toxic: it sits between the two programs and
//! re-writes each direction's stream in slices of A ± V bytes, D apart, with
//! TCP_NODELAY, so splits (拆包) show up on loopback on demand.
//!
//! Each slice it writes is a `Slice` event at the receiving side, its chunk at the
//! slice's stream offset (the relay does not see the kernel's segments). When
//! the sender closes, the relay closes its side of the other connection (`FinRx`); when
//! one side resets, the relay resets the other.
//!
//! The fault relay ([`FaultRelay`]) is its standalone sibling, in front of any server:
//! it carries each connection and applies one [`Fault`] (drop, reset, stall, truncate)
//! at a chosen byte or in the middle of a chosen frame, and reports exactly where.

use std::net::{Shutdown, TcpStream};
use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use socket2::SockRef;

use super::record::Recorder;
use super::sock::{self, Bound, Fail};
use crate::trace::{Dir, EventKind};

mod fault;
pub use fault::{Fault, FaultAt, FaultHit, FaultKind, FaultRelay, MAX_STALL};

/// Average slice size A, variation V (sizes are uniform in `[A − V, A + V]`, at least
/// 1) and the delay D after each slice.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SlicerSpec {
    pub avg: usize,
    pub var: usize,
    pub delay: Duration,
}

/// Largest average slice the relay accepts (one read of its buffer).
pub const MAX_SLICE: usize = 65536;
/// Longest delay between slices.
pub const MAX_SLICE_DELAY: Duration = Duration::from_secs(10);

impl SlicerSpec {
    /// Smallest and largest slice.
    pub fn range(&self) -> (usize, usize) {
        (
            self.avg.saturating_sub(self.var).max(1),
            self.avg + self.var,
        )
    }

    /// `A,V,D` as it is written on the command line (D in ms).
    pub fn text(&self) -> String {
        let ms = self.delay.as_secs_f64() * 1000.0;
        format!("{},{},{}", self.avg, self.var, ms)
    }
}

impl FromStr for SlicerSpec {
    type Err = String;

    /// `A,V,D`: A and V in bytes; D in milliseconds (`1`, `0.05`), or with a unit
    /// (`500us`, `2ms`).
    fn from_str(s: &str) -> Result<SlicerSpec, String> {
        let parts: Vec<&str> = s.split(',').map(str::trim).collect();
        let [a, v, d] = parts[..] else {
            return Err(format!(
                "`{s}`: expected A,V,D (average slice bytes, variation bytes, delay in ms), e.g. 1,0,1"
            ));
        };
        let bytes = |name: &str, t: &str| {
            t.parse::<usize>()
                .map_err(|_| format!("`{s}`: {name} `{t}` is not a whole number of bytes"))
        };
        let avg = bytes("A", a)?;
        let var = bytes("V", v)?;
        if !(1..=MAX_SLICE).contains(&avg) {
            return Err(format!("`{s}`: A must be 1 to {MAX_SLICE} bytes"));
        }
        if avg.checked_add(var).is_none_or(|t| t > MAX_SLICE) {
            return Err(format!("`{s}`: A + V must be at most {MAX_SLICE} bytes"));
        }
        let (num, scale) = if let Some(n) = d.strip_suffix("us").or_else(|| d.strip_suffix("µs")) {
            (n, 1e-6)
        } else if let Some(n) = d.strip_suffix("ms") {
            (n, 1e-3)
        } else {
            (d, 1e-3)
        };
        let secs = num
            .trim()
            .parse::<f64>()
            .ok()
            .map(|x| x * scale)
            .filter(|x| x.is_finite() && (0.0..=MAX_SLICE_DELAY.as_secs_f64()).contains(x))
            .ok_or_else(|| {
                format!("`{s}`: D `{d}` must be a delay from 0 to 10000 ms (e.g. 1, 0.2, 500us)")
            })?;
        Ok(SlicerSpec {
            avg,
            var,
            delay: Duration::from_secs_f64(secs),
        })
    }
}

/// How long the relay waits for data: as long as the run lasts (the stop flag and the
/// programs' own timeouts end it).
const RELAY_WAIT: Duration = Duration::from_secs(24 * 3600);

/// Starts the two pumps. `client` is the relay's connection from the client program,
/// `server` its connection to the server program.
pub(super) fn start(
    rec: Arc<Recorder>,
    spec: SlicerSpec,
    seed: u64,
    client: TcpStream,
    server: TcpStream,
    stop: Arc<AtomicBool>,
    io_timeout: Duration,
) -> std::io::Result<Vec<JoinHandle<()>>> {
    for s in [&client, &server] {
        s.set_nodelay(true)?;
        sock::set_poll_timeouts(s)?;
    }
    let abort = Arc::new(AtomicBool::new(false));
    let mut handles = Vec::new();
    for (dir, from, to) in [
        (
            Dir::ClientToServer,
            client.try_clone()?,
            server.try_clone()?,
        ),
        (Dir::ServerToClient, server, client),
    ] {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        rng.set_stream(10 + dir.index() as u64);
        let pump = Pump {
            rec: Arc::clone(&rec),
            spec,
            rng,
            dir,
            stop: Arc::clone(&stop),
            abort: Arc::clone(&abort),
            io_timeout,
        };
        let h = std::thread::Builder::new()
            .name(format!("slicer-{}", dir.name()))
            .spawn(move || pump.run(from, to))?;
        handles.push(h);
    }
    Ok(handles)
}

struct Pump {
    rec: Arc<Recorder>,
    spec: SlicerSpec,
    rng: ChaCha8Rng,
    dir: Dir,
    stop: Arc<AtomicBool>,
    /// Set when either direction saw a reset: both pumps end, and the sockets close
    /// with SO_LINGER 0, which sends a reset to the other program.
    abort: Arc<AtomicBool>,
    io_timeout: Duration,
}

impl Pump {
    fn run(mut self, mut from: TcpStream, mut to: TcpStream) {
        let mut buf = vec![0u8; MAX_SLICE];
        let mut offset = 0u64;
        let receiver = self.dir.receiver();
        let wait = Bound {
            stop: &self.stop,
            timeout: RELAY_WAIT,
        };
        loop {
            let abort = &self.abort;
            let n = match sock::read_some(&mut from, &mut buf, wait, || {
                abort.load(Ordering::Relaxed)
            }) {
                Ok(0) => {
                    // The sender closed: pass its FIN on.
                    let _ = to.shutdown(Shutdown::Write);
                    self.rec
                        .emit(receiver, EventKind::FinRx { seq: offset }, None);
                    return;
                }
                Ok(n) => n,
                Err(Fail::Os(_)) => return self.reset(&to, self.dir.sender()),
                Err(_) => return,
            };
            let mut at = 0;
            while at < n {
                let (lo, hi) = self.spec.range();
                let size = if lo == hi {
                    lo
                } else {
                    self.rng.random_range(lo..=hi)
                };
                let slice = &buf[at..n.min(at + size)];
                if let Err(f) = self.write_all(&mut to, slice) {
                    return match f {
                        Fail::Os(_) | Fail::TimedOut(_) => self.reset(&from, receiver),
                        _ => {}
                    };
                }
                self.rec.relayed(self.dir, offset, slice);
                offset += slice.len() as u64;
                at += slice.len();
                let pause = Bound {
                    stop: &self.stop,
                    timeout: RELAY_WAIT,
                };
                if !self.spec.delay.is_zero() && !pause.sleep(self.spec.delay) {
                    return;
                }
            }
        }
    }

    fn write_all(&self, to: &mut TcpStream, data: &[u8]) -> Result<(), Fail> {
        let b = Bound {
            stop: &self.stop,
            timeout: self.io_timeout,
        };
        write_all(to, data, b, &self.abort)
    }

    /// The `failed` side's connection reset (or failed): reset the other one too.
    fn reset(&self, other: &TcpStream, failed: crate::trace::Side) {
        let _ = SockRef::from(other).set_linger(Some(Duration::ZERO));
        self.abort.store(true, Ordering::Relaxed);
        self.rec.note(format!(
            "slicer: the {}'s connection was reset or failed; the relay resets the {}'s",
            failed.name(),
            failed.peer().name()
        ));
    }
}

/// Writes all of `data`, bounded, until done or `abort` is raised.
fn write_all(
    to: &mut TcpStream,
    mut data: &[u8],
    b: Bound<'_>,
    abort: &AtomicBool,
) -> Result<(), Fail> {
    while !data.is_empty() {
        if abort.load(Ordering::Relaxed) {
            return Err(Fail::Stopped);
        }
        let n = sock::write_some(to, data, b)?;
        data = &data[n..];
    }
    Ok(())
}

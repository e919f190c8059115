//! Real sockets: the scenario's two programs on 127.0.0.1, a slicer relay, and a live
//! server for outside clients ([`serve`]).
//!
//! The simulated model explains; real loopback proves it. [`start`] runs the client and
//! the server program on two threads over real sockets (std::net + socket2) and streams
//! the same trace events as the model over a crossbeam channel while the run is in
//! progress; [`RealRun::collect`] (or [`run`]) gathers them into a [`Trace`] with
//! `mode: "real"`, which the analysis, the CLI and the GUI read like any other.
//!
//! # How the parameters map
//!
//! - `nagle` → TCP_NODELAY (off when Nagle is on); `send_buffer` / `recv_buffer` →
//!   SO_SNDBUF / SO_RCVBUF (Linux doubles them), set before `listen` and `connect`.
//! - `mss` → TCP_MAXSEG, only when it differs from the default 1460 (loopback's own MSS
//!   is 65483; forcing 1460 would change what the kernel does by default). Linux refuses
//!   values below 88: realnet sets 88 and, unless a slicer is given, puts a slicer relay
//!   of `mss`-byte slices 1 ms apart between the programs, so scenarios that use a tiny
//!   MSS to show a split (08) still show it.
//! - Sleeps are real; `recv_size` and `recv_delay_ms` apply as in the model.
//! - `latency_ms`, `bandwidth_mbps`, `jitter_ms`, `loss`, `delayed_ack` have no real
//!   counterpart on loopback and are not applied.
//!
//! # What the trace holds
//!
//! The application calls, with the model's event kinds: `AppCall`, `AppReturn` (with the
//! count a `send` returned, or the bytes a `recv` returned as a chunk), `SendShort`,
//! `SendBufWrite`, `RecvBufRead`, `Eof`, `Deliver`, `DecodeError`, `Truncated`,
//! `DatagramTx`, `DatagramDrop`, `ProgramEnd`. Bytes are attributed to messages by
//! stream offset: the runner knows what each side wrote. `buffered` in the buffer events
//! is the bytes written and not yet read (kernel send and receive buffers together).
//! The kernel's segments and ACKs come from a packet capture on `lo` where permitted
//! (TCP without a slicer; `realnet/capture/`); UDP datagrams and the slicer's slices (`Slice`
//! events at the receiving side) are counted without one.
//!
//! A call that cannot complete (a reset, a refused connection, a deadlock, no progress
//! within the I/O timeout, a stop request) is a `NetError` event whose text says
//! why, plus a note; the program then stops. Every blocking call polls every 50 ms, so
//! [`RealRun::stop`] ends a run well within a second.

pub mod serve;

mod capture;
mod program;
mod record;
mod slicer;
mod sock;

use std::net::{Ipv4Addr, SocketAddr, TcpStream, UdpSocket};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

use crossbeam_channel::{Receiver, Sender};

use crate::params::{Framing, Params, Transport};
use crate::scenario::{Action, Scenario, Step};
use crate::trace::{Event, EventKind, SentMessage, Side, Trace, TraceMode};
use program::{Conn, Program};
use record::Recorder;
use sock::Bound;

pub use slicer::{MAX_SLICE, MAX_SLICE_DELAY, SlicerSpec};
pub use sock::{DEFAULT_MSS, KERNEL_MIN_MSS};

/// Why a real run, or the live server, could not start.
#[derive(Debug, thiserror::Error)]
pub enum RealError {
    /// Another socket listens on that port.
    #[error(
        "port {} on {} is already in use: another program listens there (choose another port, or 0 for any free port)",
        .addr.port(), .addr.ip()
    )]
    AddrInUse { addr: SocketAddr },
    /// The address is not one of this machine's.
    #[error("cannot listen on {addr}: that address does not belong to this machine")]
    AddrNotAvailable { addr: SocketAddr },
    /// Ports below 1024 need privileges.
    #[error("not allowed to listen on {addr} (ports below 1024 need administrator rights)")]
    PermissionDenied { addr: SocketAddr },
    /// Nothing listens on the address.
    #[error("connection to {addr} refused: nothing listens there")]
    ConnectRefused { addr: SocketAddr },
    /// No answer to the connection attempt.
    #[error("connection to {addr} timed out")]
    ConnectTimedOut { addr: SocketAddr },
    /// Framing applies to byte streams.
    #[error(
        "framing `{0}` applies to TCP byte streams; UDP keeps each datagram whole, so use framing = \"raw\""
    )]
    FramingOnUdp(String),
    /// The slicer relays a byte stream.
    #[error("the slicer relay cuts a TCP byte stream; UDP keeps each datagram whole")]
    SlicerOnUdp,
    /// Any other operating-system error, with what was being done.
    #[error("{what}: {source}")]
    Io {
        what: String,
        #[source]
        source: std::io::Error,
    },
    /// A run thread could not be started or died.
    #[error("internal error: {0}")]
    Internal(String),
}

impl RealError {
    /// What it says in `lang` (English is its `Display`). An OS error's own words stay as
    /// the system gives them.
    pub fn text(&self, lang: crate::scenario::Lang) -> String {
        if lang == crate::scenario::Lang::En {
            return self.to_string();
        }
        match self {
            RealError::AddrInUse { addr } => format!(
                "{} 上的端口 {} 已被占用：另一个程序在那里监听（换一个端口，或用 0 让系统挑一个空闲端口）",
                addr.ip(),
                addr.port()
            ),
            RealError::AddrNotAvailable { addr } => {
                format!("无法在 {addr} 上监听：这个地址不属于本机")
            }
            RealError::PermissionDenied { addr } => {
                format!("没有权限在 {addr} 上监听（1024 以下的端口需要管理员权限）")
            }
            RealError::ConnectRefused { addr } => {
                format!("连接 {addr} 被拒绝：那里没有程序在监听")
            }
            RealError::ConnectTimedOut { addr } => format!("连接 {addr} 超时"),
            RealError::FramingOnUdp(f) => format!(
                "framing `{f}` 只适用于 TCP 字节流；UDP 的每个数据报本来就是完整的，请用 framing = \"raw\""
            ),
            RealError::SlicerOnUdp => {
                "切片中继（slicer）切的是 TCP 字节流；UDP 的每个数据报本来就是完整的".to_string()
            }
            RealError::Io { what, source } => format!("{what}：{source}"),
            RealError::Internal(m) => format!("内部错误：{m}"),
        }
    }

    /// Both languages, for a view that can switch.
    pub fn both(&self) -> crate::scenario::Text {
        crate::scenario::Text::both(self.to_string(), self.text(crate::scenario::Lang::Zh))
    }
}

/// What a run streams to its consumer, in order. `Finished` is the last.
#[derive(Debug)]
pub enum Update {
    /// An event, as it happened, with the bytes its chunk refers to.
    Event(Event, Option<Vec<u8>>),
    /// A message as far as the sending program has written it: sent when each write
    /// begins (counting the bytes being written), and when it is done (`accepted` final).
    Message(SentMessage),
    /// Something a person should read: a fault, a deadlock, a setting the kernel
    /// adjusted.
    Note(String),
    /// The run is over: the complete trace, or why it could not run at all.
    Finished(Result<Box<RealOutcome>, RealError>),
}

/// A completed real run.
#[derive(Clone, Debug)]
pub struct RealOutcome {
    /// `mode: "real"`.
    pub trace: Trace,
    /// The notes, in order (faults, deadlocks, adjusted settings).
    pub notes: Vec<String>,
    /// The run was stopped before the programs ended.
    pub stopped: bool,
}

/// A run's updates gathered into a trace as they come, for live views: the GUI calls
/// [`RealRun::poll_into`] once per frame and draws `trace` (analysis works on a partial
/// trace too). When the run finishes, `trace` is replaced by the complete one.
#[derive(Clone, Debug)]
pub struct LiveTrace {
    pub trace: Trace,
    pub notes: Vec<String>,
    /// `None` while running; then `Ok(stopped)` or the error text.
    pub finished: Option<Result<bool, String>>,
}

impl LiveTrace {
    pub fn new(scenario: &Scenario, params: &Params) -> LiveTrace {
        LiveTrace {
            trace: Trace::new(&scenario.name, TraceMode::Real, params),
            notes: Vec::new(),
            finished: None,
        }
    }

    pub fn apply(&mut self, u: Update) {
        match u {
            Update::Event(e, bytes) => self.trace.push_with_bytes(e, bytes.as_deref()),
            Update::Message(m) => {
                let known = self
                    .trace
                    .messages
                    .iter()
                    .rposition(|x| (x.dir, x.id) == (m.dir, m.id));
                match known {
                    Some(i) => self.trace.messages[i] = m,
                    None => self.trace.messages.push(m),
                }
            }
            Update::Note(n) => self.notes.push(n),
            Update::Finished(Ok(out)) => {
                let out = *out;
                self.trace = out.trace;
                self.notes = out.notes;
                self.finished = Some(Ok(out.stopped));
            }
            Update::Finished(Err(e)) => self.finished = Some(Err(e.to_string())),
        }
    }
}

/// How to run.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RealOptions {
    /// Put the slicer relay between the programs.
    pub slicer: Option<SlicerSpec>,
    /// The server program's port on 127.0.0.1 (0 = any free port).
    pub port: u16,
    /// Run only the client program, against this server (e.g. `stickysim serve`).
    pub connect_to: Option<SocketAddr>,
    /// Longest wait of one blocking call without progress. Default: 10 s plus every
    /// sleep of both programs.
    pub io_timeout: Option<Duration>,
    /// Most events the run records before it is stopped (bounded memory). Default: the
    /// model's [`crate::model::MAX_TRACE_EVENTS`]; payload bytes are bounded by
    /// [`crate::model::MAX_TRACE_BYTES`] as in the model.
    pub max_events: Option<usize>,
}

/// Raises the stop flag of a run or a server; cheap to clone and send to other threads.
#[derive(Clone, Debug, Default)]
pub struct StopHandle(Arc<AtomicBool>);

impl StopHandle {
    /// Asks the run to end: every blocking call returns within about 50 ms.
    pub fn stop(&self) {
        self.0.store(true, Ordering::Relaxed);
    }
    pub fn is_stopped(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }
}

/// A real run in progress. Dropping it asks the run to stop (without waiting).
pub struct RealRun {
    updates: Receiver<Update>,
    stop: StopHandle,
    thread: Option<JoinHandle<()>>,
}

impl RealRun {
    /// The live updates; `Update::Finished` comes last. Never blocks the caller if it
    /// uses `try_recv` / `try_iter`.
    pub fn updates(&self) -> &Receiver<Update> {
        &self.updates
    }

    pub fn stop_handle(&self) -> StopHandle {
        self.stop.clone()
    }

    /// Asks the run to end (within a second); `Finished` still comes.
    pub fn stop(&self) {
        self.stop.stop();
    }

    /// Applies every update that has arrived, without blocking; returns how many.
    pub fn poll_into(&self, live: &mut LiveTrace) -> usize {
        let mut n = 0;
        while let Ok(u) = self.updates.try_recv() {
            live.apply(u);
            n += 1;
        }
        n
    }

    /// True once the run's threads have all ended.
    pub fn is_finished(&self) -> bool {
        self.thread.as_ref().is_none_or(JoinHandle::is_finished)
    }

    /// Waits for the end of the run and returns its trace (updates not yet taken from
    /// [`updates`](Self::updates) are skipped: the trace holds them all).
    pub fn collect(mut self) -> Result<RealOutcome, RealError> {
        let mut result = None;
        for u in self.updates.iter() {
            if let Update::Finished(r) = u {
                result = Some(r);
                break;
            }
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
        match result {
            Some(r) => r.map(|b| *b),
            None => Err(RealError::Internal("the run ended without a result".into())),
        }
    }
}

impl Drop for RealRun {
    fn drop(&mut self) {
        if self.thread.is_some() {
            self.stop.stop();
        }
    }
}

/// Runs a scenario on real sockets and waits for the end.
pub fn run(
    scenario: &Scenario,
    params: &Params,
    opts: &RealOptions,
) -> Result<RealOutcome, RealError> {
    start(scenario, params, opts)?.collect()
}

/// Starts a real run on its own threads and returns at once. Errors here are the ones
/// known without touching a socket; the rest come as `Update::Finished(Err(..))`.
pub fn start(
    scenario: &Scenario,
    params: &Params,
    opts: &RealOptions,
) -> Result<RealRun, RealError> {
    if params.transport == Transport::Udp {
        if params.framing != Framing::Raw {
            return Err(RealError::FramingOnUdp(enum_name(&params.framing)));
        }
        if opts.slicer.is_some() {
            return Err(RealError::SlicerOnUdp);
        }
    }
    let (tx, rx) = crossbeam_channel::unbounded();
    let stop = StopHandle::default();
    let job = Job {
        scenario: scenario.clone(),
        params: params.clone(),
        opts: opts.clone(),
        stop: stop.clone(),
    };
    let tx2 = tx.clone();
    let thread = std::thread::Builder::new()
        .name("realnet-run".into())
        .spawn(move || {
            let result = job.run(&tx2).map(Box::new);
            let _ = tx2.send(Update::Finished(result));
        })
        .map_err(|e| RealError::Internal(format!("cannot start a thread: {e}")))?;
    drop(tx);
    Ok(RealRun {
        updates: rx,
        stop,
        thread: Some(thread),
    })
}

/// The framing's name, as files and the command line spell it.
fn enum_name(framing: &Framing) -> String {
    framing.name().to_string()
}

/// How long connection set-up may take on loopback.
const SETUP_TIMEOUT: Duration = Duration::from_secs(5);

/// The slices that stand in for an MSS below the kernel's minimum.
const TINY_MSS_DELAY: Duration = Duration::from_millis(1);

struct Job {
    scenario: Scenario,
    params: Params,
    opts: RealOptions,
    stop: StopHandle,
}

/// The two ends of a run, connected.
enum Ends {
    Tcp {
        client: TcpStream,
        server: Option<TcpStream>,
        /// The relay's two connections (to the client, to the server).
        relay: Option<(TcpStream, TcpStream, SlicerSpec)>,
    },
    Udp {
        client: Arc<UdpSocket>,
        server: Option<Arc<UdpSocket>>,
    },
    /// Client-only mode: the connection failed; the reason goes in the trace.
    Refused(RealError),
}

impl Job {
    fn io_timeout(&self) -> Duration {
        if let Some(t) = self.opts.io_timeout {
            return t;
        }
        let sleeps = |steps: &[Step]| -> f64 {
            steps
                .iter()
                .map(|s| match s.action {
                    Action::Sleep(ms) => ms,
                    Action::Recv(_) | Action::RecvMessage(_) => {
                        self.params.recv_delay_ms.unwrap_or(0.0)
                    }
                    _ => 0.0,
                })
                .sum()
        };
        let ms = sleeps(&self.scenario.client) + sleeps(&self.scenario.server);
        Duration::from_secs(10) + Duration::from_secs_f64(ms.clamp(0.0, 1e9) / 1000.0)
    }

    fn run(self, tx: &Sender<Update>) -> Result<RealOutcome, RealError> {
        let mut notes = Vec::new();
        let mut capture = capture::Capture::start_for(&self.params, &self.opts);
        let ends = self.connect(&mut notes)?;
        let budget = self
            .opts
            .max_events
            .unwrap_or(crate::model::MAX_TRACE_EVENTS);
        let rec = Arc::new(Recorder::new(tx.clone(), budget, self.stop.clone()));
        capture.connected(&ends, &rec);
        notes.extend(capture.note.take());
        for n in notes {
            rec.note(n);
        }
        let stop = Arc::clone(&self.stop.0);
        let io_timeout = self.io_timeout();
        let mut relay_threads = Vec::new();
        // UDP sockets live until both programs have ended.
        let mut keep_udp = Vec::new();
        let (client, server) = match ends {
            Ends::Refused(e) => {
                let line = 0;
                rec.emit(
                    Side::Client,
                    EventKind::NetError {
                        line,
                        error: e.to_string(),
                    },
                    None,
                );
                rec.note(format!("client: {e}"));
                (None, None)
            }
            Ends::Tcp {
                client,
                server,
                relay,
            } => {
                if let Some((a, b, spec)) = relay {
                    relay_threads = slicer::start(
                        Arc::clone(&rec),
                        spec,
                        self.params.seed,
                        a,
                        b,
                        Arc::clone(&stop),
                        io_timeout,
                    )
                    .map_err(|e| RealError::Io {
                        what: "start the slicer relay".into(),
                        source: e,
                    })?;
                }
                (Some(Conn::Tcp(client)), server.map(Conn::Tcp))
            }
            Ends::Udp { client, server } => {
                keep_udp.push(Arc::clone(&client));
                keep_udp.extend(server.iter().cloned());
                (Some(Conn::Udp(client)), server.map(Conn::Udp))
            }
        };
        let program = |side: Side, conn: Conn| Program {
            side,
            rec: &rec,
            params: &self.params,
            stop: &stop,
            io_timeout,
            conn: Some(conn),
            delivered: 0,
            carry: Vec::new(),
            buf: Vec::new(),
            timeout: None,
        };
        std::thread::scope(|s| {
            let mut handles = Vec::new();
            for (side, conn, steps) in [
                (Side::Client, client, &self.scenario.client),
                (Side::Server, server, &self.scenario.server),
            ] {
                let Some(conn) = conn else { continue };
                let p = program(side, conn);
                let h = std::thread::Builder::new()
                    .name(format!("realnet-{}", side.name()))
                    .spawn_scoped(s, move || p.run(steps));
                match h {
                    Ok(h) => handles.push(h),
                    Err(e) => rec.note(format!("cannot start the {} thread: {e}", side.name())),
                }
            }
            for h in handles {
                if h.join().is_err() {
                    rec.note("a program thread panicked (a bug): its events stop there".into());
                }
            }
        });
        for h in relay_threads {
            let _ = h.join();
        }
        drop(keep_udp);
        if let Some(n) = capture.finish() {
            rec.note(n);
        }
        let (messages, events, streams, notes) = rec.finish();
        let mut trace = Trace::new(&self.scenario.name, TraceMode::Real, &self.params);
        (trace.messages, trace.events, trace.streams) = (messages, events, streams);
        Ok(RealOutcome {
            trace,
            notes,
            stopped: self.stop.is_stopped(),
        })
    }

    /// Sets up the connection (and the relay) before the clock starts: both programs
    /// start on an established connection, as in the model.
    fn connect(&self, notes: &mut Vec<String>) -> Result<Ends, RealError> {
        let p = &self.params;
        let local = |port| SocketAddr::from((Ipv4Addr::LOCALHOST, port));
        let bound = Bound {
            stop: &self.stop.0,
            timeout: SETUP_TIMEOUT,
        };
        let accept_err = |what: &str, f: sock::Fail| RealError::Io {
            what: format!("accept the {what} connection"),
            source: match f {
                sock::Fail::Os(e) => e,
                _ => std::io::ErrorKind::TimedOut.into(),
            },
        };
        if p.transport == Transport::Udp {
            let client = sock::udp_bind(local(0), Some(p))?;
            let target = match self.opts.connect_to {
                Some(addr) => {
                    client
                        .connect(addr)
                        .map_err(|e| sock::connect_error(addr, e))?;
                    return Ok(Ends::Udp {
                        client: Arc::new(client),
                        server: None,
                    });
                }
                None => local(self.opts.port),
            };
            let server = sock::udp_bind(target, Some(p))?;
            let (ca, sa) = (
                client
                    .local_addr()
                    .map_err(io("read the client's address"))?,
                server
                    .local_addr()
                    .map_err(io("read the server's address"))?,
            );
            client.connect(sa).map_err(|e| sock::connect_error(sa, e))?;
            server.connect(ca).map_err(|e| sock::connect_error(ca, e))?;
            return Ok(Ends::Udp {
                client: Arc::new(client),
                server: Some(Arc::new(server)),
            });
        }

        let mut kernel_notes = Vec::new();
        let mut configure = |s: &socket2::Socket| {
            let n = sock::apply_tcp_params(s, p)?;
            if kernel_notes.is_empty() {
                kernel_notes = n;
            }
            Ok(())
        };
        let mut slicer = self.opts.slicer;
        if p.mss < KERNEL_MIN_MSS && slicer.is_none() && self.opts.connect_to.is_none() {
            slicer = Some(SlicerSpec {
                avg: p.mss as usize,
                var: 0,
                delay: TINY_MSS_DELAY,
            });
            notes.push(format!(
                "mss {} is below the smallest TCP_MAXSEG Linux accepts ({KERNEL_MIN_MSS}): TCP_MAXSEG is {KERNEL_MIN_MSS}, and the slicer relay cuts the stream into {}-byte slices 1 ms apart instead",
                p.mss, p.mss
            ));
        }
        let auto_slicer = slicer != self.opts.slicer;

        if let Some(addr) = self.opts.connect_to {
            let client = match sock::tcp_connect(addr, SETUP_TIMEOUT, &mut configure) {
                Ok(c) => c,
                Err(e @ (RealError::ConnectRefused { .. } | RealError::ConnectTimedOut { .. })) => {
                    return Ok(Ends::Refused(e));
                }
                Err(e) => return Err(e),
            };
            sock::set_poll_timeouts(&client).map_err(io("set socket timeouts"))?;
            notes.append(&mut kernel_notes);
            return Ok(Ends::Tcp {
                client,
                server: None,
                relay: None,
            });
        }

        let listener = sock::tcp_listen(local(self.opts.port), &mut configure)?;
        let server_addr = listener
            .local_addr()
            .map_err(io("read the listening address"))?;
        let ends = match slicer {
            None => {
                let client = sock::tcp_connect(server_addr, SETUP_TIMEOUT, &mut configure)?;
                let (server, _) =
                    sock::accept(&listener, bound).map_err(|f| accept_err("server's", f))?;
                Ends::Tcp {
                    client,
                    server: Some(server),
                    relay: None,
                }
            }
            Some(spec) => {
                let nodelay = |s: &socket2::Socket| s.set_tcp_nodelay(true);
                let relay_listener = sock::tcp_listen(local(0), nodelay)?;
                let relay_addr = relay_listener
                    .local_addr()
                    .map_err(io("read the relay's address"))?;
                let client = sock::tcp_connect(relay_addr, SETUP_TIMEOUT, &mut configure)?;
                let (relay_c, _) =
                    sock::accept(&relay_listener, bound).map_err(|f| accept_err("relay's", f))?;
                let relay_s = sock::tcp_connect(server_addr, SETUP_TIMEOUT, nodelay)?;
                let (server, _) =
                    sock::accept(&listener, bound).map_err(|f| accept_err("server's", f))?;
                Ends::Tcp {
                    client,
                    server: Some(server),
                    relay: Some((relay_c, relay_s, spec)),
                }
            }
        };
        if let Ends::Tcp { client, server, .. } = &ends {
            for s in std::iter::once(client).chain(server.iter()) {
                sock::set_poll_timeouts(s).map_err(io("set socket timeouts"))?;
            }
        }
        if !auto_slicer {
            notes.append(&mut kernel_notes);
        }
        Ok(ends)
    }
}

fn io(what: &'static str) -> impl Fn(std::io::Error) -> RealError {
    move |source| RealError::Io {
        what: what.to_string(),
        source,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trace::{Dir, EventKind, SentMessage, Side, Streams};

    /// A message still being written already colours its bytes in a live view, and its
    /// final update replaces it rather than adding a second one.
    #[test]
    fn a_live_trace_colours_a_message_while_it_is_written() {
        let s = crate::scenario::find_builtin("04").unwrap();
        let mut live = LiveTrace::new(&s, &s.params);
        let message = |accepted| SentMessage {
            dir: Dir::ClientToServer,
            id: 1,
            data: b"hello"[..].into(),
            offset: 0,
            header_len: 0,
            trailer_len: 0,
            escapes: 0,
            accepted,
        };
        live.apply(Update::Message(message(5)));
        let write = Event {
            t_us: 1,
            side: Side::Client,
            kind: EventKind::SendBufWrite { buffered: 3 },
            chunk: Some(Streams::range(Dir::ClientToServer, 0, 3)),
        };
        live.apply(Update::Event(write, Some(b"hel".to_vec())));
        let c = live.trace.chunk_of(&live.trace.events[0]).unwrap();
        assert_eq!(c.data, b"hel");
        assert_eq!(c.messages(), [1], "coloured before the message is done");
        live.apply(Update::Message(message(3)));
        assert_eq!(live.trace.messages.len(), 1);
        assert_eq!(live.trace.messages[0].accepted, 3);
        assert_eq!(
            live.trace
                .chunk_of(&live.trace.events[0])
                .unwrap()
                .messages(),
            [1]
        );
    }
}

//! The live server: `stickysim serve`, and the GUI's server panel.
//!
//! It listens for outside clients (the tutorial's own Python programs, a student's code,
//! `nc`) and reports every accepted connection and every `recv()` chunk as it happens,
//! over a crossbeam channel ([`Server::events`]). The apps are the tutorial's servers,
//! made safe:
//!
//! - `upper`: echoes each `recv(1024)` upper-cased (第一版 to 第三版). With a framing,
//!   requests and replies are both framed (a symmetric echo for framed clients).
//! - `command`: requests are raw (`conn.recv(1024)` reads a command); the reply is a
//!   canned output of realistic size, never the result of running anything; framed per
//!   the framing as 方案一 / 方案二 do: header, then body, in separate writes.
//! - `upload`: the tutorial's upload stream (4-byte header length, JSON header
//!   `{filepath, filename, filesize}`, then the file). `filepath` is ignored; the name is
//!   sanitised; files go into one folder only; size (and md5, when the header has one)
//!   is verified.
//! - `udp-echo`: answers each datagram with the bytes `recvfrom(1024)` kept.
//!
//! Safety (docs/SECURITY.md): loopback unless a bind address is given (then a warning);
//! every option is checked against [`limits`] before anything starts; every frame and
//! header is capped before anything is allocated; a frame must keep a minimum rate (the
//! frame clock in `conn.rs`); a hostile or broken stream closes that connection only; at
//! most `max_connections` at once, each held by a `Slot` that a panic cannot leak;
//! events are bounded previews in a bounded queue; every blocking call polls, so
//! [`Server::stop`] ends everything within a second.

mod apps;
mod canned;
mod conn;
mod event;
mod upload;

use std::collections::BTreeMap;
use std::net::TcpStream;
use std::net::{IpAddr, Ipv4Addr, SocketAddr, TcpListener, UdpSocket};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, SendTimeoutError, Sender, TrySendError};

use super::sock::{self, Bound, Fail};
use super::{RealError, StopHandle};
use crate::params::{Framing, HeaderStyle, HeaderWrites, Params};
use crate::trace::Micros;

pub use super::slicer::{Fault, FaultAt, FaultHit, FaultKind, FaultRelay, MAX_STALL};
pub use canned::reply as canned_reply;
pub use event::{
    PREVIEW_WHOLE, Preview, ServeEvent, ServeEventKind, escape_format, is_format_char, thousands,
};
pub use upload::{TEMP_PREFIX, TEMP_SUFFIX, sanitize_file_name};

/// Which of the tutorial's servers to run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ServeApp {
    Upper,
    Command,
    Upload,
    UdpEcho,
}

impl ServeApp {
    pub fn name(self) -> &'static str {
        match self {
            ServeApp::Upper => "upper",
            ServeApp::Command => "command",
            ServeApp::Upload => "upload",
            ServeApp::UdpEcho => "udp-echo",
        }
    }
}

/// How the server runs. `ServeOptions::default()` is `stickysim serve`'s defaults.
#[derive(Clone, Debug, PartialEq)]
pub struct ServeOptions {
    pub bind: IpAddr,
    /// 0 = any free port.
    pub port: u16,
    pub app: ServeApp,
    /// `framing`, `byte_order`, `header_writes` (of replies), `max_frame`, `max_header`.
    pub params: Params,
    /// Where `upload` saves files; `None` = a new folder in the system's temp folder.
    pub dir: Option<PathBuf>,
    /// The bufsize of the server's `recv` calls (the tutorial's `conn.recv(1024)`).
    pub recv_size: usize,
    /// Connections served at once; more are accepted, told why in one line, and closed.
    pub max_connections: usize,
    /// A connection that sends nothing for this long is closed.
    pub idle_timeout: Duration,
    /// A frame (header and body) must be complete this long after its first byte, or be
    /// arriving at `min_rate` or faster: a slow client cannot hold a frame open.
    pub frame_timeout: Duration,
    /// Bytes per second a frame must keep up after `frame_timeout`.
    pub min_rate: u64,
    /// Largest file `upload` accepts.
    pub max_upload: u64,
    /// Bytes `upload` accepts in one run of the server, all files together.
    pub upload_quota: u64,
}

/// The server's cap on a frame body: requests are small, and memory per connection is
/// bounded by it.
pub const SERVE_MAX_FRAME: u32 = 1024 * 1024;

impl Default for ServeOptions {
    fn default() -> Self {
        let params = Params {
            max_frame: SERVE_MAX_FRAME,
            header_writes: HeaderWrites::Separate,
            header_style: HeaderStyle::Command,
            ..Params::default()
        };
        ServeOptions {
            bind: IpAddr::V4(Ipv4Addr::LOCALHOST),
            port: 8080,
            app: ServeApp::Upper,
            params,
            dir: None,
            recv_size: 1024,
            max_connections: 64,
            idle_timeout: Duration::from_secs(600),
            frame_timeout: Duration::from_secs(10),
            min_rate: 1024,
            max_upload: 256 * 1024 * 1024,
            upload_quota: 1024 * 1024 * 1024,
        }
    }
}

/// The ranges [`Server::start`] accepts (and `stickysim serve`'s flags). Outside them
/// the server does not start, and the error names the option and the range.
pub mod limits {
    use std::time::Duration;

    pub const RECV_SIZE: (usize, usize) = (1, 64 * 1024);
    pub const MAX_CONNECTIONS: (usize, usize) = (1, 1024);
    /// Seconds, for the command line.
    pub const IDLE_TIMEOUT_S: (u64, u64) = (1, 24 * 3600);
    pub const FRAME_TIMEOUT_S: (u64, u64) = (1, 3600);
    /// Below a second only for tests (the command line takes whole seconds).
    pub const MIN_TIMEOUT: Duration = Duration::from_millis(100);
    pub const MIN_RATE: (u64, u64) = (1, 1 << 30);
    pub const MAX_UPLOAD: (u64, u64) = (0, u32::MAX as u64);
    pub const UPLOAD_QUOTA: (u64, u64) = (0, 1 << 40);
    /// `max_frame` and `max_header` of the server's params: each connection may hold
    /// one frame of this size.
    pub const MAX_FRAME: (u32, u32) = (1, 16 * 1024 * 1024);
    pub const MAX_HEADER: (u32, u32) = (1, 1024 * 1024);
}

impl ServeOptions {
    /// Checks every size and duration against [`limits`].
    pub fn validate(&self) -> Result<(), RealError> {
        use limits as l;
        fn out_of_range(option: &str, value: String, range: String) -> RealError {
            RealError::Io {
                what: format!("serve option {option}"),
                source: std::io::Error::new(
                    std::io::ErrorKind::InvalidInput,
                    format!("{value} is out of range ({range})"),
                ),
            }
        }
        fn check<T: PartialOrd + std::fmt::Display>(
            option: &str,
            v: T,
            (lo, hi): (T, T),
            unit: &str,
        ) -> Result<(), RealError> {
            if v < lo || v > hi {
                return Err(out_of_range(
                    option,
                    format!("{v}{unit}"),
                    format!("{lo} to {hi}{unit}"),
                ));
            }
            Ok(())
        }
        let secs = |option: &str, d: Duration, (_, hi): (u64, u64)| {
            if d < l::MIN_TIMEOUT || d > Duration::from_secs(hi) {
                return Err(out_of_range(
                    option,
                    format!("{} s", d.as_secs_f64()),
                    format!("{} to {hi} s", l::MIN_TIMEOUT.as_secs_f64()),
                ));
            }
            Ok(())
        };
        check("recv_size", self.recv_size, l::RECV_SIZE, " B")?;
        check(
            "max_connections",
            self.max_connections,
            l::MAX_CONNECTIONS,
            "",
        )?;
        secs("idle_timeout", self.idle_timeout, l::IDLE_TIMEOUT_S)?;
        secs("frame_timeout", self.frame_timeout, l::FRAME_TIMEOUT_S)?;
        check("min_rate", self.min_rate, l::MIN_RATE, " B/s")?;
        check("max_upload", self.max_upload, l::MAX_UPLOAD, " B")?;
        check("upload_quota", self.upload_quota, l::UPLOAD_QUOTA, " B")?;
        check("max_frame", self.params.max_frame, l::MAX_FRAME, " B")?;
        check("max_header", self.params.max_header, l::MAX_HEADER, " B")?;
        if self.app == ServeApp::Upload && self.params.framing != Framing::JsonHeader {
            return Err(RealError::Io {
                what: "the upload app reads the tutorial's upload stream (4-byte header length, JSON header, file)".into(),
                source: std::io::Error::new(
                    std::io::ErrorKind::InvalidInput,
                    "use framing json-header (the default for --app upload)",
                ),
            });
        }
        if self.app == ServeApp::UdpEcho && self.params.framing != Framing::Raw {
            return Err(RealError::FramingOnUdp(super::enum_name(
                &self.params.framing,
            )));
        }
        Ok(())
    }
}

/// Events waiting for their reader, at most. Nothing a server thread does ever waits
/// for the reader: an event that finds no room is counted and left out, and a
/// [`ServeEventKind::NotShown`] tells how many once there is room again. `recv` chunks,
/// frames, replies and datagrams may fill only [`LOSSY_QUEUE`] places, so a flood of
/// them never crowds out an accept, an error or a close.
pub const EVENT_QUEUE: usize = 1024;
pub const LOSSY_QUEUE: usize = EVENT_QUEUE * 3 / 4;
/// `Stopped`, the last event, waits this long for room.
const STOPPED_WAIT: Duration = Duration::from_secs(1);

/// What every connection thread shares.
pub(super) struct Ctx {
    opts: ServeOptions,
    start: Instant,
    tx: Sender<ServeEvent>,
    stop: StopHandle,
    upload_dir: Option<PathBuf>,
    /// Events left out since the last `NotShown`.
    not_shown: AtomicU64,
    /// Bytes of uploads accepted (reserved when a header is accepted) in this run.
    uploaded: AtomicU64,
    /// The connections being served, to close the idlest when every slot is taken.
    live: Mutex<BTreeMap<u64, Tracked>>,
}

/// A served connection as the accept loop sees it.
pub(super) struct Tracked {
    pub stream: TcpStream,
    /// When the client last sent something, in ms since the server started.
    pub last_ms: Arc<AtomicU64>,
    /// Set when the accept loop closed it to make room.
    pub evicted: Arc<AtomicBool>,
}

/// When every slot is taken, a connection idle for a tenth of the idle timeout (60 s by
/// default) is closed to make room for a newcomer.
const EVICT_FRACTION: u32 = 10;

impl Ctx {
    pub(super) fn now_ms(&self) -> u64 {
        self.start.elapsed().as_millis() as u64
    }

    pub(super) fn track(&self, id: u64, t: Tracked) {
        if let Ok(mut live) = self.live.lock() {
            live.insert(id, t);
        }
    }

    pub(super) fn untrack(&self, id: u64) {
        if let Ok(mut live) = self.live.lock() {
            live.remove(&id);
        }
    }

    /// Closes the connection idle the longest, if it has been idle at least `min`.
    fn evict_idlest(&self, min: Duration) -> bool {
        let now = self.now_ms();
        let Ok(live) = self.live.lock() else {
            return false;
        };
        let idlest = live
            .values()
            .filter(|t| !t.evicted.load(Ordering::Relaxed))
            .min_by_key(|t| t.last_ms.load(Ordering::Relaxed));
        match idlest {
            Some(t)
                if now.saturating_sub(t.last_ms.load(Ordering::Relaxed))
                    >= min.as_millis() as u64 =>
            {
                t.evicted.store(true, Ordering::Relaxed);
                let _ = t.stream.shutdown(std::net::Shutdown::Both);
                true
            }
            _ => false,
        }
    }

    fn emit(&self, conn: Option<u64>, kind: ServeEventKind) {
        let lossy = matches!(
            kind,
            ServeEventKind::Recv { .. }
                | ServeEventKind::Frame { .. }
                | ServeEventKind::Reply { .. }
                | ServeEventKind::Datagram { .. }
        );
        // A NotShown goes in before the next event that has room, within that event's
        // share of the queue: lossy events and their counts never take the places
        // kept for the rest.
        if lossy && self.tx.len() >= LOSSY_QUEUE {
            self.not_shown.fetch_add(1, Ordering::Relaxed);
            return;
        }
        let pending = self.not_shown.swap(0, Ordering::Relaxed);
        if pending > 0 && !self.send(None, ServeEventKind::NotShown { count: pending }) {
            self.not_shown.fetch_add(pending, Ordering::Relaxed);
        }
        if (lossy && self.tx.len() >= LOSSY_QUEUE) || !self.send(conn, kind) {
            self.not_shown.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// False if there was no room. Nobody listening (the GUI closed the panel) is not a
    /// reason to stop serving.
    fn send(&self, conn: Option<u64>, kind: ServeEventKind) -> bool {
        let last = matches!(kind, ServeEventKind::Stopped);
        let e = ServeEvent {
            t_us: self.start.elapsed().as_micros() as Micros,
            conn,
            kind,
        };
        if last {
            !matches!(
                self.tx.send_timeout(e, STOPPED_WAIT),
                Err(SendTimeoutError::Timeout(_))
            )
        } else {
            !matches!(self.tx.try_send(e), Err(TrySendError::Full(_)))
        }
    }

    fn bound(&self, timeout: Duration) -> Bound<'_> {
        Bound {
            stop: &self.stop.0,
            timeout,
        }
    }
}

/// A running server.
pub struct Server {
    addr: SocketAddr,
    events: Receiver<ServeEvent>,
    stop: StopHandle,
    thread: Option<JoinHandle<()>>,
    upload_dir: Option<PathBuf>,
}

impl Server {
    /// Binds and starts serving on its own threads. Binding errors ("address in use")
    /// come back here; everything after is an event.
    pub fn start(opts: ServeOptions) -> Result<Server, RealError> {
        opts.validate()?;
        let addr = SocketAddr::new(opts.bind, opts.port);
        let listener = if opts.app == ServeApp::UdpEcho {
            Listener::Udp(sock::udp_bind(addr, None)?)
        } else {
            Listener::Tcp(sock::tcp_listen(addr, |_| Ok(()))?)
        };
        // Only once everything else is known to be right: nothing is left behind.
        let (upload_dir, stale) = match (opts.app, &opts.dir) {
            (ServeApp::Upload, Some(d)) => {
                std::fs::create_dir_all(d).map_err(|source| RealError::Io {
                    what: format!("create the upload folder {}", d.display()),
                    source,
                })?;
                (Some(d.clone()), upload::remove_stale_temporaries(d))
            }
            (ServeApp::Upload, None) => (Some(upload::temp_dir()?), 0),
            _ => (None, 0),
        };
        let (tx, rx) = crossbeam_channel::bounded(EVENT_QUEUE);
        let stop = StopHandle::default();
        let local = listener.local_addr().map_err(|source| RealError::Io {
            what: "read the listening address".into(),
            source,
        })?;
        let ctx = Arc::new(Ctx {
            opts,
            start: Instant::now(),
            tx,
            stop: stop.clone(),
            upload_dir: upload_dir.clone(),
            not_shown: AtomicU64::new(0),
            uploaded: AtomicU64::new(0),
            live: Mutex::new(BTreeMap::new()),
        });
        ctx.emit(
            None,
            ServeEventKind::Listening {
                addr: local,
                app: ctx.opts.app,
                framing: ctx.opts.params.framing,
                upload_dir: upload_dir.clone(),
            },
        );
        if stale > 0 {
            ctx.emit(
                None,
                ServeEventKind::Warning {
                    message: format!(
                        "removed {stale} partial upload(s) ({TEMP_PREFIX}*{TEMP_SUFFIX}) left by an earlier run"
                    ),
                },
            );
        }
        if !local.ip().is_loopback() {
            ctx.emit(
                None,
                ServeEventKind::Warning {
                    message: format!(
                        "listening on {}, not loopback: other machines can connect to this server",
                        local.ip()
                    ),
                },
            );
        }
        let thread = std::thread::Builder::new()
            .name("serve-accept".into())
            .spawn(move || {
                match listener {
                    Listener::Tcp(l) => accept_loop(&ctx, &l),
                    Listener::Udp(u) => apps::udp_echo(&ctx, &u),
                }
                ctx.emit(None, ServeEventKind::Stopped);
            })
            .map_err(|e| RealError::Internal(format!("cannot start the server thread: {e}")))?;
        Ok(Server {
            addr: local,
            events: rx,
            stop,
            thread: Some(thread),
            upload_dir,
        })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// Every event, in order; `Stopped` is the last. The channel is bounded
    /// ([`EVENT_QUEUE`]): a reader that falls behind gets a `NotShown` count in place
    /// of the `recv` chunks, frames and replies it missed.
    pub fn events(&self) -> &Receiver<ServeEvent> {
        &self.events
    }

    /// Where uploads go (the `upload` app only).
    pub fn upload_dir(&self) -> Option<&Path> {
        self.upload_dir.as_deref()
    }

    pub fn stop_handle(&self) -> StopHandle {
        self.stop.clone()
    }

    /// Asks the server to stop: it closes every connection within a second.
    pub fn stop(&self) {
        self.stop.stop();
    }

    /// True once every server thread has ended.
    pub fn is_finished(&self) -> bool {
        self.thread.as_ref().is_none_or(JoinHandle::is_finished)
    }

    /// Waits until every server thread has ended (after [`stop`](Self::stop)).
    pub fn wait(mut self) {
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for Server {
    /// Stops the server and waits for its threads (well under a second).
    fn drop(&mut self) {
        if let Some(t) = self.thread.take() {
            self.stop.stop();
            let _ = t.join();
        }
    }
}

enum Listener {
    Tcp(TcpListener),
    Udp(UdpSocket),
}

impl Listener {
    fn local_addr(&self) -> std::io::Result<SocketAddr> {
        match self {
            Listener::Tcp(l) => l.local_addr(),
            Listener::Udp(u) => u.local_addr(),
        }
    }
}

/// One of the `max_connections` places. Released when dropped, so a connection thread
/// that panics (or any other way out) cannot leak one.
pub(super) struct Slot(Arc<AtomicUsize>);

impl Slot {
    /// A place, if fewer than `max` are taken.
    pub(super) fn take(active: &Arc<AtomicUsize>, max: usize) -> Option<Slot> {
        active
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| {
                (n < max).then_some(n + 1)
            })
            .ok()
            .map(|_| Slot(Arc::clone(active)))
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Refused connections being told why, at most (more are closed without the message).
const MAX_REFUSING: usize = 16;

fn accept_loop(ctx: &Arc<Ctx>, listener: &TcpListener) {
    let active = Arc::new(AtomicUsize::new(0));
    let refusing = Arc::new(AtomicUsize::new(0));
    let mut threads: Vec<JoinHandle<()>> = Vec::new();
    let mut next_id = 0u64;
    while !ctx.stop.is_stopped() {
        threads.retain(|t| !t.is_finished());
        let (stream, peer) = match sock::accept(listener, ctx.bound(sock::POLL)) {
            Ok(x) => x,
            Err(Fail::TimedOut(_) | Fail::Stopped | Fail::Deadlock) => continue,
            Err(Fail::Os(e)) => {
                // EMFILE and the like: say so, and give the system a moment.
                ctx.emit(
                    None,
                    ServeEventKind::Error {
                        message: format!("accept failed: {e}"),
                    },
                );
                std::thread::sleep(sock::POLL);
                continue;
            }
        };
        next_id += 1;
        let id = next_id;
        let max = ctx.opts.max_connections;
        let mut slot = Slot::take(&active, max);
        if slot.is_none() && ctx.evict_idlest(ctx.opts.idle_timeout / EVICT_FRACTION) {
            // The evicted connection's thread ends within a poll.
            let end = Instant::now() + Duration::from_millis(500);
            while slot.is_none() && Instant::now() < end {
                std::thread::sleep(Duration::from_millis(5));
                slot = Slot::take(&active, max);
            }
        }
        let Some(slot) = slot else {
            let reason = format!(
                "too many connections ({} at once): told so and closed",
                ctx.opts.max_connections
            );
            ctx.emit(Some(id), ServeEventKind::Refused { peer, reason });
            refuse(stream, ctx.opts.max_connections, &refusing);
            continue;
        };
        ctx.emit(Some(id), ServeEventKind::Accepted { peer });
        let ctx2 = Arc::clone(ctx);
        let spawned = std::thread::Builder::new()
            .name(format!("serve-conn-{id}"))
            .spawn(move || {
                let _slot = slot;
                let run = std::panic::AssertUnwindSafe(|| apps::serve_connection(&ctx2, id, stream));
                if std::panic::catch_unwind(run).is_err() {
                    ctx2.emit(
                        Some(id),
                        ServeEventKind::Error {
                            message: "internal error in this connection's thread (a bug in stickysim): connection closed, the server keeps serving".into(),
                        },
                    );
                    ctx2.emit(
                        Some(id),
                        ServeEventKind::Closed {
                            reason: "internal error".into(),
                            bytes_in: 0,
                            bytes_out: 0,
                        },
                    );
                }
            });
        match spawned {
            Ok(t) => threads.push(t),
            Err(e) => ctx.emit(
                Some(id),
                ServeEventKind::Error {
                    message: format!("cannot start a thread for this connection: {e}"),
                },
            ),
        }
    }
    for t in threads {
        let _ = t.join();
    }
}

/// Tells a refused client why in one line, then closes gracefully (FIN, not RST): what
/// it had sent is read and dropped for up to a second, so the close does not reset the
/// line away.
fn refuse(stream: std::net::TcpStream, max: usize, refusing: &Arc<AtomicUsize>) {
    if refusing.fetch_add(1, Ordering::SeqCst) >= MAX_REFUSING {
        refusing.fetch_sub(1, Ordering::SeqCst);
        return;
    }
    let count = Arc::clone(refusing);
    let told = std::thread::Builder::new()
        .name("serve-refuse".into())
        .spawn(move || {
            use std::io::{Read, Write};
            let mut s = stream;
            let line =
                format!("stickysim serve: too many connections ({max} at once); try again later\n");
            let _ = s.set_write_timeout(Some(Duration::from_secs(1)));
            let _ = s.set_read_timeout(Some(Duration::from_millis(100)));
            if s.write_all(line.as_bytes()).is_ok() {
                let _ = s.shutdown(std::net::Shutdown::Write);
                let end = Instant::now() + Duration::from_secs(1);
                let mut sink = [0u8; 4096];
                while Instant::now() < end {
                    match s.read(&mut sink) {
                        Ok(0) => break,
                        Ok(_) => {}
                        Err(e) if sock::is_timeout(&e) => {}
                        Err(_) => break,
                    }
                }
            }
            count.fetch_sub(1, Ordering::SeqCst);
        });
    if told.is_err() {
        // The thread never ran: the stream was dropped (closed) with its closure.
        refusing.fetch_sub(1, Ordering::SeqCst);
    }
}

#[cfg(test)]
mod tests;

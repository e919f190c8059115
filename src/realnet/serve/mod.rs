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
//! Safety: loopback unless a bind address is given (then a warning); every frame and
//! header is capped before anything is allocated; a hostile or broken stream closes that
//! connection only; at most `max_connections` at once; every blocking call polls, so
//! [`Server::stop`] ends everything within a second.

mod apps;
mod canned;
mod conn;
mod upload;

use std::net::{IpAddr, Ipv4Addr, SocketAddr, TcpListener, UdpSocket};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, Sender};

use super::sock::{self, Bound, Fail};
use super::{RealError, StopHandle};
use crate::params::{Framing, HeaderStyle, HeaderWrites, Params};
use crate::trace::{Micros, escape_bytes};

pub use canned::reply as canned_reply;
pub use upload::sanitize_file_name;

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
    /// Connections served at once; more are accepted and closed at once.
    pub max_connections: usize,
    /// A connection that sends nothing for this long is closed.
    pub idle_timeout: Duration,
    /// Largest file `upload` accepts.
    pub max_upload: u64,
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
            max_upload: 256 * 1024 * 1024,
        }
    }
}

/// One thing that happened, with the time since the server started and the connection
/// it concerns (numbered from 1; `None` for the server itself and for UDP).
#[derive(Clone, Debug, PartialEq)]
pub struct ServeEvent {
    pub t_us: Micros,
    pub conn: Option<u64>,
    pub kind: ServeEventKind,
}

#[derive(Clone, Debug, PartialEq)]
pub enum ServeEventKind {
    /// The server is ready.
    Listening {
        addr: SocketAddr,
        app: ServeApp,
        framing: Framing,
        upload_dir: Option<PathBuf>,
    },
    /// Something the person running the server must know (a non-loopback bind).
    Warning {
        message: String,
    },
    Accepted {
        peer: SocketAddr,
    },
    /// Accepted and closed at once: too many connections.
    Refused {
        peer: SocketAddr,
        reason: String,
    },
    /// One `recv(bufsize)` returned these bytes.
    Recv {
        bufsize: usize,
        data: Vec<u8>,
    },
    /// A framed request was decoded.
    Frame {
        index: u32,
        body: Vec<u8>,
        /// The JSON header's text, for json-header framing.
        header: Option<String>,
    },
    /// The server answered: `bytes` in `writes` send() calls, `header_len` of them frame
    /// header.
    Reply {
        bytes: usize,
        header_len: usize,
        writes: usize,
    },
    /// An upload was saved.
    Saved {
        path: PathBuf,
        size: u64,
        md5: String,
        /// "md5 verified", "no md5 in the header", or why it was not verified.
        check: String,
    },
    /// A datagram: `data` is what `recvfrom(bufsize)` kept of `len` bytes.
    Datagram {
        peer: SocketAddr,
        len: usize,
        bufsize: usize,
        data: Vec<u8>,
    },
    /// A fault on this connection (a hostile frame, a reset, a close mid-frame); the
    /// connection is closed next and the server keeps serving.
    Error {
        message: String,
    },
    Closed {
        reason: String,
        bytes_in: u64,
        bytes_out: u64,
    },
    /// The server has stopped; nothing follows.
    Stopped,
}

impl ServeEvent {
    /// One line for a terminal: `  12.345 ms  #3  recv(1024) → 5 B  "hello"`.
    pub fn describe(&self) -> String {
        let who = self
            .conn
            .map_or_else(|| "  ".to_string(), |c| format!("#{c}"));
        let t = crate::timeline::ms(self.t_us);
        let what = match &self.kind {
            ServeEventKind::Listening {
                addr,
                app,
                framing,
                upload_dir,
            } => {
                let proto = if *app == ServeApp::UdpEcho {
                    "udp"
                } else {
                    "tcp"
                };
                let mut s = format!(
                    "listening on {proto} {addr}: app {}, framing {}",
                    app.name(),
                    super::enum_name(framing)
                );
                if let Some(d) = upload_dir {
                    s.push_str(&format!(", uploads go to {}", d.display()));
                }
                s
            }
            ServeEventKind::Warning { message } => format!("WARNING: {message}"),
            ServeEventKind::Accepted { peer } => format!("accepted a connection from {peer}"),
            ServeEventKind::Refused { peer, reason } => format!("refused {peer}: {reason}"),
            ServeEventKind::Recv { bufsize, data } => {
                format!("recv({bufsize}) → {} B  {}", data.len(), preview(data))
            }
            ServeEventKind::Frame {
                index,
                body,
                header,
            } => {
                let mut s = format!(
                    "frame #{index} decoded: {} B  {}",
                    body.len(),
                    preview(body)
                );
                if let Some(h) = header {
                    s.push_str(&format!("  header {}", preview(h.as_bytes())));
                }
                s
            }
            ServeEventKind::Reply {
                bytes,
                header_len,
                writes,
            } => {
                if *header_len > 0 {
                    format!(
                        "replied {bytes} B in {writes} send() calls ({header_len} B header, {} B body)",
                        bytes - header_len
                    )
                } else {
                    format!("replied {bytes} B")
                }
            }
            ServeEventKind::Saved {
                path,
                size,
                md5,
                check,
            } => format!("saved {} ({size} B, md5 {md5}; {check})", path.display()),
            ServeEventKind::Datagram {
                peer,
                len,
                bufsize,
                data,
            } => {
                let mut s = format!(
                    "datagram from {peer}: recvfrom({bufsize}) → {} B  {}",
                    data.len(),
                    preview(data)
                );
                if *len > data.len() {
                    s.push_str(&format!(
                        "  TRUNCATED: the datagram had {len} B, {} B lost",
                        len - data.len()
                    ));
                }
                s
            }
            ServeEventKind::Error { message } => format!("ERROR: {message}"),
            ServeEventKind::Closed {
                reason,
                bytes_in,
                bytes_out,
            } => format!("closed: {reason} ({bytes_in} B in, {bytes_out} B out)"),
            ServeEventKind::Stopped => "server stopped".to_string(),
        };
        format!("{t:>12}  {who:<4}  {what}")
    }
}

/// `"hello\n"` as text, elided in the middle when long.
fn preview(data: &[u8]) -> String {
    const SHOW: usize = 60;
    if data.len() <= SHOW {
        format!("\"{}\"", escape_bytes(data))
    } else {
        let head = escape_bytes(&data[..40]);
        let tail = escape_bytes(&data[data.len() - 12..]);
        format!("\"{head}\"…({} B)…\"{tail}\"", data.len() - 52)
    }
}

/// What every connection thread shares.
pub(super) struct Ctx {
    opts: ServeOptions,
    start: Instant,
    tx: Sender<ServeEvent>,
    stop: StopHandle,
    upload_dir: Option<PathBuf>,
}

impl Ctx {
    fn emit(&self, conn: Option<u64>, kind: ServeEventKind) {
        let e = ServeEvent {
            t_us: self.start.elapsed().as_micros() as Micros,
            conn,
            kind,
        };
        // Nobody listening (the GUI closed the panel) is not a reason to stop serving.
        let _ = self.tx.send(e);
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
        let addr = SocketAddr::new(opts.bind, opts.port);
        let upload_dir = match (opts.app, &opts.dir) {
            (ServeApp::Upload, Some(d)) => {
                std::fs::create_dir_all(d).map_err(|source| RealError::Io {
                    what: format!("create the upload folder {}", d.display()),
                    source,
                })?;
                Some(d.clone())
            }
            (ServeApp::Upload, None) => Some(upload::temp_dir()?),
            _ => None,
        };
        if opts.app == ServeApp::Upload && opts.params.framing != Framing::JsonHeader {
            return Err(RealError::Io {
                what: "the upload app reads the tutorial's upload stream (4-byte header length, JSON header, file)".into(),
                source: std::io::Error::new(
                    std::io::ErrorKind::InvalidInput,
                    "use framing json-header (the default for --app upload)",
                ),
            });
        }
        if opts.app == ServeApp::UdpEcho && opts.params.framing != Framing::Raw {
            return Err(RealError::FramingOnUdp(super::enum_name(
                &opts.params.framing,
            )));
        }
        let (tx, rx) = crossbeam_channel::unbounded();
        let stop = StopHandle::default();
        let listener = if opts.app == ServeApp::UdpEcho {
            Listener::Udp(sock::udp_bind(addr, None)?)
        } else {
            Listener::Tcp(sock::tcp_listen(addr, |_| Ok(()))?)
        };
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

    /// Every event, in order; `Stopped` is the last.
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

fn accept_loop(ctx: &Arc<Ctx>, listener: &TcpListener) {
    let active = Arc::new(AtomicUsize::new(0));
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
        if active.load(Ordering::SeqCst) >= ctx.opts.max_connections {
            let reason = format!(
                "too many connections ({} at once): closed at once",
                ctx.opts.max_connections
            );
            ctx.emit(Some(id), ServeEventKind::Refused { peer, reason });
            continue;
        }
        ctx.emit(Some(id), ServeEventKind::Accepted { peer });
        active.fetch_add(1, Ordering::SeqCst);
        let (ctx2, active2) = (Arc::clone(ctx), Arc::clone(&active));
        let spawned = std::thread::Builder::new()
            .name(format!("serve-conn-{id}"))
            .spawn(move || {
                apps::serve_connection(&ctx2, id, stream);
                active2.fetch_sub(1, Ordering::SeqCst);
            });
        match spawned {
            Ok(t) => threads.push(t),
            Err(e) => {
                active.fetch_sub(1, Ordering::SeqCst);
                ctx.emit(
                    Some(id),
                    ServeEventKind::Error {
                        message: format!("cannot start a thread for this connection: {e}"),
                    },
                );
            }
        }
    }
    for t in threads {
        let _ = t.join();
    }
}

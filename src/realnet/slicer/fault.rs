//! The fault relay: in front of any server on 127.0.0.1, it carries each connection and
//! applies one [`Fault`] (drop, reset, stall, truncate) at a chosen byte or in the middle
//! of a chosen frame, and reports exactly where ([`FaultHit`]). docs/RELIABILITY.md
//! lists what the server and the runner do under each.

use std::net::{Ipv4Addr, Shutdown, SocketAddr, TcpStream};
use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

use crossbeam_channel::{Receiver, Sender};
use socket2::SockRef;

use super::{MAX_SLICE, RELAY_WAIT, write_all};
use crate::framing::header;
use crate::params::{ByteOrder, Framing, Params};
use crate::realnet::RealError;
use crate::realnet::sock::{self, Bound, Fail};

/// What the fault relay does to a connection when the fault point is reached.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FaultKind {
    /// Close both connections (FIN to each side).
    Drop,
    /// Close both with SO_LINGER 0: each side gets a reset (RST).
    Reset,
    /// Forward nothing for this long, then go on.
    Stall(Duration),
    /// Forward nothing more to the server and close towards it (FIN); the client's
    /// further bytes are read and dropped, replies still reach the client.
    Truncate,
}

/// Where, in the client's stream, the fault hits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FaultAt {
    /// After this many bytes have been forwarded (0: before the first).
    Byte(u64),
    /// In the middle of this frame (numbered from 1): after its header and half its
    /// body. Needs a framing whose frame sizes the relay can follow (length-prefix,
    /// json-header or fixed; not raw or line, whose frames end where the data says).
    Frame(u32),
}

/// One fault: `reset@frame:3`, `stall:2@byte:100`, `truncate@frame:1`, `drop@byte:0`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fault {
    pub kind: FaultKind,
    pub at: FaultAt,
}

/// Longest stall.
pub const MAX_STALL: Duration = Duration::from_secs(600);

impl FromStr for Fault {
    type Err = String;

    fn from_str(s: &str) -> Result<Fault, String> {
        let usage = "expected KIND@WHERE: KIND is drop, reset, stall:SECONDS or truncate; WHERE is byte:N or frame:K (e.g. reset@frame:3)";
        let (kind, at) = s.split_once('@').ok_or_else(|| format!("`{s}`: {usage}"))?;
        let kind = match kind.trim() {
            "drop" => FaultKind::Drop,
            "reset" => FaultKind::Reset,
            "truncate" => FaultKind::Truncate,
            k => {
                let secs = k
                    .strip_prefix("stall:")
                    .and_then(|t| t.trim().parse::<f64>().ok())
                    .filter(|x| x.is_finite() && (0.0..=MAX_STALL.as_secs_f64()).contains(x))
                    .ok_or_else(|| {
                        format!("`{s}`: `{k}` is not a fault: {usage} (a stall is 0 to 600 s)")
                    })?;
                FaultKind::Stall(Duration::from_secs_f64(secs))
            }
        };
        let at = match at.trim().split_once(':') {
            Some(("byte", n)) => n.trim().parse().ok().map(FaultAt::Byte),
            Some(("frame", k)) => k
                .trim()
                .parse()
                .ok()
                .filter(|&k: &u32| k >= 1)
                .map(FaultAt::Frame),
            _ => None,
        }
        .ok_or_else(|| format!("`{s}`: `{at}` is not a place: {usage} (frames count from 1)"))?;
        Ok(Fault { kind, at })
    }
}

impl Fault {
    /// As it is written: `stall:2@frame:3`.
    pub fn text(&self) -> String {
        let kind = match self.kind {
            FaultKind::Drop => "drop".to_string(),
            FaultKind::Reset => "reset".to_string(),
            FaultKind::Truncate => "truncate".to_string(),
            FaultKind::Stall(d) => format!("stall:{}", d.as_secs_f64()),
        };
        let at = match self.at {
            FaultAt::Byte(n) => format!("byte:{n}"),
            FaultAt::Frame(k) => format!("frame:{k}"),
        };
        format!("{kind}@{at}")
    }
}

/// What the relay did to one connection, precisely.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FaultHit {
    /// The relay's connection number, from 1.
    pub conn: u64,
    pub fault: Fault,
    /// Bytes of the client's stream forwarded to the server before the fault.
    pub byte: u64,
    /// The frame in progress (from 1), its bytes forwarded, and its length if its
    /// header was complete. `None` for a raw stream, or one the relay could not follow.
    pub frame: Option<(u32, u64, Option<u64>)>,
}

impl FaultHit {
    pub fn describe(&self) -> String {
        let mut s = format!(
            "relay connection {}: {} after {} bytes of the client's stream",
            self.conn,
            self.fault.text(),
            self.byte
        );
        if let Some((k, got, len)) = self.frame {
            let of = len.map(|l| format!(" of {l}")).unwrap_or_default();
            s.push_str(&format!(
                " (frame {k}: {got}{of} bytes forwarded; frames before it complete)"
            ));
        }
        s
    }
}

/// Follows frame boundaries in the client's stream, for faults at a frame and for
/// reports. Its limits are the server's: a stream it cannot follow is `Lost`.
struct Scan {
    framing: Framing,
    order: ByteOrder,
    /// `fixed`: every frame is this long (no header).
    record_size: u64,
    max_header: u32,
    /// The frame in progress, from 1.
    index: u32,
    /// Stream offset of its first byte.
    start: u64,
    /// Its length, once its header is complete.
    len: Option<u64>,
    state: ScanState,
}

enum ScanState {
    Prefix(Vec<u8>),
    Json { need: usize, have: Vec<u8> },
    Body(u64),
    Lost,
}

impl Scan {
    fn new(p: &Params) -> Scan {
        let record_size = u64::from(p.record_size.max(1));
        let (state, len) = match p.framing {
            // A line ends where a delimiter is: its length is not known in advance.
            Framing::Raw | Framing::Line => (ScanState::Lost, None),
            Framing::Fixed => (ScanState::Body(record_size), Some(record_size)),
            Framing::LengthPrefix | Framing::JsonHeader => (ScanState::Prefix(Vec::new()), None),
        };
        Scan {
            framing: p.framing,
            order: p.byte_order,
            record_size,
            max_header: p.max_header,
            index: 1,
            start: 0,
            len,
            state,
        }
    }

    /// Bytes until the next boundary (end of prefix, JSON header or body).
    fn room(&self) -> u64 {
        match &self.state {
            ScanState::Prefix(v) => (header::PREFIX_LEN - v.len()) as u64,
            ScanState::Json { need, have } => (need - have.len()) as u64,
            ScanState::Body(left) => *left,
            ScanState::Lost => u64::MAX,
        }
    }

    /// Takes `data` (at most `room()` bytes), which ends at stream offset `end`.
    /// Returns the body length when a frame's header has just completed.
    fn feed(&mut self, data: &[u8], end: u64) -> Option<u64> {
        let mut header_done = None;
        match &mut self.state {
            ScanState::Lost => return None,
            ScanState::Prefix(v) => {
                v.extend_from_slice(data);
                if let Some(prefix) = header::peek_prefix(v) {
                    let n = header::unpack(prefix, self.order);
                    self.state = match (self.framing, u64::try_from(n)) {
                        (Framing::LengthPrefix, Ok(n)) => {
                            self.len = Some(header::PREFIX_LEN as u64 + n);
                            header_done = Some(n);
                            ScanState::Body(n)
                        }
                        (Framing::JsonHeader, Ok(h))
                            if h > 0 && h <= u64::from(self.max_header) =>
                        {
                            ScanState::Json {
                                need: h as usize,
                                have: Vec::new(),
                            }
                        }
                        _ => ScanState::Lost,
                    };
                }
            }
            ScanState::Json { need, have } => {
                have.extend_from_slice(data);
                if have.len() == *need {
                    self.state = match header::parse_json_header(have, u32::MAX) {
                        Ok(h) => {
                            let size = h.size as u64;
                            self.len = Some((header::PREFIX_LEN + *need) as u64 + size);
                            header_done = Some(size);
                            ScanState::Body(size)
                        }
                        Err(_) => ScanState::Lost,
                    };
                }
            }
            ScanState::Body(left) => *left -= data.len() as u64,
        }
        if matches!(self.state, ScanState::Body(0)) {
            self.index += 1;
            self.start = end;
            if self.framing == Framing::Fixed {
                self.len = Some(self.record_size);
                self.state = ScanState::Body(self.record_size);
            } else {
                self.len = None;
                self.state = ScanState::Prefix(Vec::new());
            }
        }
        header_done
    }

    /// The frame in progress at stream offset `at`, for a report.
    fn position(&self, at: u64) -> Option<(u32, u64, Option<u64>)> {
        (!matches!(self.state, ScanState::Lost)).then_some((self.index, at - self.start, self.len))
    }
}

/// Connections the fault relay carries at once; more are closed at once.
const RELAY_MAX_CONNECTIONS: usize = 256;
/// How long the relay waits after the last byte it forwarded before a drop, reset or
/// truncation, so the server has read what it was sent when the fault hits.
const SETTLE: Duration = Duration::from_millis(100);

/// A relay on 127.0.0.1 (any free port) in front of `upstream`, that applies one fault to
/// each connection it carries (or none: a plain relay). For the server's and the
/// runner's fault handling, and for the load test.
pub struct FaultRelay {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
    hits: Receiver<FaultHit>,
}

impl FaultRelay {
    /// `params` gives the framing the relay follows (for `FaultAt::Frame` and reports).
    pub fn start(
        upstream: SocketAddr,
        params: &Params,
        fault: Option<Fault>,
    ) -> Result<FaultRelay, RealError> {
        if let Some(Fault {
            at: FaultAt::Frame(_),
            ..
        }) = fault
            && matches!(params.framing, Framing::Raw | Framing::Line)
        {
            return Err(RealError::Io {
                what: "fault relay".into(),
                source: std::io::Error::new(
                    std::io::ErrorKind::InvalidInput,
                    "a fault at a frame needs a framing with known frame sizes \
                     (length-prefix, json-header or fixed)",
                ),
            });
        }
        let listener = sock::tcp_listen(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)), |_| Ok(()))?;
        let addr = listener.local_addr().map_err(|source| RealError::Io {
            what: "read the relay's address".into(),
            source,
        })?;
        let stop = Arc::new(AtomicBool::new(false));
        let (tx, hits) = crossbeam_channel::bounded(1024);
        let (stop2, params) = (Arc::clone(&stop), params.clone());
        let thread = std::thread::Builder::new()
            .name("fault-relay".into())
            .spawn(move || relay_accept(&listener, upstream, &params, fault, &stop2, &tx))
            .map_err(|e| RealError::Internal(format!("cannot start the relay thread: {e}")))?;
        Ok(FaultRelay {
            addr,
            stop,
            thread: Some(thread),
            hits,
        })
    }

    /// Where clients connect.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// One report per fault applied, as it happens.
    pub fn hits(&self) -> &Receiver<FaultHit> {
        &self.hits
    }
}

impl Drop for FaultRelay {
    /// Closes every relayed connection and waits for the relay's threads.
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn relay_accept(
    listener: &std::net::TcpListener,
    upstream: SocketAddr,
    params: &Params,
    fault: Option<Fault>,
    stop: &Arc<AtomicBool>,
    hits: &Sender<FaultHit>,
) {
    let mut threads: Vec<JoinHandle<()>> = Vec::new();
    let mut conn = 0u64;
    let b = Bound {
        stop,
        timeout: sock::POLL,
    };
    while !stop.load(Ordering::Relaxed) {
        threads.retain(|t| !t.is_finished());
        let Ok((client, _)) = sock::accept(listener, b) else {
            continue;
        };
        if threads.len() >= 2 * RELAY_MAX_CONNECTIONS {
            continue;
        }
        conn += 1;
        let Ok(server) = sock::tcp_connect(upstream, Duration::from_secs(5), |_| Ok(())) else {
            continue;
        };
        let setup = |s: &TcpStream| {
            s.set_nodelay(true)
                .and_then(|()| sock::set_poll_timeouts(s))
        };
        if setup(&client).and_then(|()| setup(&server)).is_err() {
            continue;
        }
        let (Ok(c2), Ok(s2)) = (client.try_clone(), server.try_clone()) else {
            continue;
        };
        let abort = Arc::new(AtomicBool::new(false));
        let down = FaultPump {
            conn,
            stop: Arc::clone(stop),
            abort: Arc::clone(&abort),
            scan: Scan::new(params),
            fault,
            hits: hits.clone(),
        };
        let up = FaultPump {
            conn,
            stop: Arc::clone(stop),
            abort,
            scan: Scan::new(&Params {
                framing: Framing::Raw,
                ..params.clone()
            }),
            fault: None,
            hits: hits.clone(),
        };
        for (pump, from, to, name) in [
            (down, client, server, "relay-c2s"),
            (up, s2, c2, "relay-s2c"),
        ] {
            if let Ok(t) = std::thread::Builder::new()
                .name(name.into())
                .spawn(move || pump.run(from, to))
            {
                threads.push(t);
            }
        }
    }
    for t in threads {
        let _ = t.join();
    }
}

/// One direction of one relayed connection.
struct FaultPump {
    conn: u64,
    stop: Arc<AtomicBool>,
    /// Either direction ends both.
    abort: Arc<AtomicBool>,
    scan: Scan,
    /// Still to be applied (client-to-server only).
    fault: Option<Fault>,
    hits: Sender<FaultHit>,
}

impl FaultPump {
    fn run(mut self, mut from: TcpStream, mut to: TcpStream) {
        let mut buf = vec![0u8; MAX_SLICE];
        let mut offset = 0u64;
        // Where the fault hits, once known.
        let mut point = match self.fault {
            Some(Fault {
                at: FaultAt::Byte(n),
                ..
            }) => Some(n),
            // Records have no header: frame k's middle is known from the start.
            Some(Fault {
                at: FaultAt::Frame(k),
                ..
            }) if self.scan.framing == Framing::Fixed => {
                let size = self.scan.record_size;
                Some(u64::from(k.saturating_sub(1)) * size + size / 2)
            }
            _ => None,
        };
        // After a truncation: read and drop.
        let mut discard = false;
        let wait = Bound {
            stop: &self.stop,
            timeout: RELAY_WAIT,
        };
        loop {
            if point == Some(offset)
                && let Some(f) = self.fault.take()
            {
                point = None;
                match self.apply(f, offset, &from, &to) {
                    Applied::End => return,
                    Applied::Discard => discard = true,
                    Applied::Go => {}
                }
            }
            let abort = &self.abort;
            let n = match sock::read_some(&mut from, &mut buf, wait, || {
                abort.load(Ordering::Relaxed)
            }) {
                Ok(0) => {
                    let _ = to.shutdown(Shutdown::Write);
                    return;
                }
                Ok(n) => n,
                Err(Fail::Os(_)) => return self.reset(&to),
                Err(_) => return,
            };
            if discard {
                continue;
            }
            let mut at = 0;
            while at < n {
                let mut step = ((n - at) as u64).min(self.scan.room());
                if let Some(p) = point {
                    step = step.min(p.saturating_sub(offset));
                }
                let step = step as usize;
                if step > 0 {
                    let piece = &buf[at..at + step];
                    if self.write_all(&mut to, piece).is_err() {
                        return self.reset(&from);
                    }
                    offset += step as u64;
                    at += step;
                    if let Some(body) = self.scan.feed(piece, offset)
                        && let Some(Fault {
                            at: FaultAt::Frame(k),
                            ..
                        }) = self.fault
                        && self.scan.index == k
                        && point.is_none()
                    {
                        point = Some(offset + body / 2);
                    }
                }
                if point == Some(offset)
                    && let Some(f) = self.fault.take()
                {
                    point = None;
                    match self.apply(f, offset, &from, &to) {
                        Applied::End => return,
                        Applied::Discard => {
                            discard = true;
                            break;
                        }
                        Applied::Go => {}
                    }
                }
            }
        }
    }

    fn apply(&self, f: Fault, offset: u64, from: &TcpStream, to: &TcpStream) -> Applied {
        let hit = FaultHit {
            conn: self.conn,
            fault: f,
            byte: offset,
            frame: self.scan.position(offset),
        };
        let pause = Bound {
            stop: &self.stop,
            timeout: RELAY_WAIT,
        };
        let settled = matches!(f.kind, FaultKind::Stall(_)) || pause.sleep(SETTLE);
        let _ = self.hits.try_send(hit);
        if !settled {
            return Applied::End;
        }
        match f.kind {
            FaultKind::Drop => {
                let _ = to.shutdown(Shutdown::Both);
                let _ = from.shutdown(Shutdown::Both);
                self.abort.store(true, Ordering::Relaxed);
                Applied::End
            }
            FaultKind::Reset => {
                let _ = SockRef::from(to).set_linger(Some(Duration::ZERO));
                let _ = SockRef::from(from).set_linger(Some(Duration::ZERO));
                self.abort.store(true, Ordering::Relaxed);
                Applied::End
            }
            FaultKind::Stall(d) => {
                if pause.sleep(d) {
                    Applied::Go
                } else {
                    Applied::End
                }
            }
            FaultKind::Truncate => {
                let _ = to.shutdown(Shutdown::Write);
                Applied::Discard
            }
        }
    }

    fn write_all(&self, to: &mut TcpStream, data: &[u8]) -> Result<(), Fail> {
        let b = Bound {
            stop: &self.stop,
            timeout: RELAY_WAIT,
        };
        write_all(to, data, b, &self.abort)
    }

    /// One side failed: the other gets a reset too.
    fn reset(&self, other: &TcpStream) {
        let _ = SockRef::from(other).set_linger(Some(Duration::ZERO));
        self.abort.store(true, Ordering::Relaxed);
    }
}

enum Applied {
    /// The connection is closed.
    End,
    /// Forward nothing more.
    Discard,
    /// Go on forwarding.
    Go,
}

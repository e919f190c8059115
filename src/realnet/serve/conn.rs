//! One accepted TCP connection of the live server: its socket, its byte counts, and the
//! `recv`/`send` calls every app makes through it (each `recv` is reported as it comes).
//!
//! It also keeps the frame clock. A frame (header and body) gets `frame_timeout` from
//! its first byte, plus one second for every `min_rate` bytes that have come: a client
//! sending at `min_rate` or faster is never cut off, a slowloris sending one byte every
//! two seconds is closed after `frame_timeout`, whatever the idle timeout (which restarts
//! on every byte) says.

use std::net::TcpStream;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use super::{Ctx, Preview, ServeEventKind, Tracked};
use crate::framing;
use crate::params::Framing;
use crate::realnet::program::os_error_text;
use crate::realnet::sock::{self, Fail};

/// Why a connection ends.
pub(super) enum End {
    /// A fault on this connection: reported, then the connection is closed.
    Fault(String),
    /// The server is stopping.
    Stopped,
    /// Nothing came for the idle timeout.
    Idle(Duration),
}

/// The frame being received.
struct FrameClock {
    /// Numbered from 1 on this connection.
    index: u32,
    start: Instant,
    got: u64,
    /// The frame's length, once its header says it.
    len: Option<u64>,
}

/// One accepted connection.
pub(super) struct Conn<'a> {
    pub ctx: &'a Ctx,
    pub id: u64,
    s: TcpStream,
    pub bytes_in: u64,
    pub bytes_out: u64,
    buf: Vec<u8>,
    /// The frame in progress.
    frame: Option<FrameClock>,
    /// The frame whose clock starts with the next byte.
    next_frame: Option<u32>,
    /// When the client last sent something (ms since the server started).
    last_ms: Arc<AtomicU64>,
    /// Closed by the accept loop to make room.
    evicted: Arc<AtomicBool>,
}

impl<'a> Conn<'a> {
    /// A connection, registered with the server (to be closed if it idles while every
    /// slot is taken) until it is dropped.
    pub fn new(ctx: &'a Ctx, id: u64, s: TcpStream) -> Conn<'a> {
        let last_ms = Arc::new(AtomicU64::new(ctx.now_ms()));
        let evicted = Arc::new(AtomicBool::new(false));
        if let Ok(stream) = s.try_clone() {
            ctx.track(
                id,
                Tracked {
                    stream,
                    last_ms: Arc::clone(&last_ms),
                    evicted: Arc::clone(&evicted),
                },
            );
        }
        Conn {
            ctx,
            id,
            s,
            bytes_in: 0,
            bytes_out: 0,
            buf: Vec::new(),
            frame: None,
            next_frame: None,
            last_ms,
            evicted,
        }
    }

    /// Why the server closed it, if it closed it to make room.
    pub fn evicted(&self) -> Option<String> {
        let idle = self
            .ctx
            .now_ms()
            .saturating_sub(self.last_ms.load(Ordering::Relaxed));
        self.evicted.load(Ordering::Relaxed).then(|| {
            format!(
                "closed to make room for a new connection: idle for {:.1} s while all {} slots were taken",
                idle as f64 / 1000.0,
                self.ctx.opts.max_connections
            )
        })
    }

    /// Frame `index` comes next: its clock starts now if `buffered` bytes of it are
    /// already here, else with its first byte.
    pub fn frame_next(&mut self, index: u32, buffered: usize) {
        if buffered > 0 {
            self.frame = Some(FrameClock {
                index,
                start: Instant::now(),
                got: buffered as u64,
                len: None,
            });
            self.next_frame = None;
        } else {
            self.frame = None;
            self.next_frame = Some(index);
        }
    }

    /// The frame in progress is `len` bytes long, header included (for reports).
    pub fn frame_len(&mut self, len: u64) {
        if let Some(f) = &mut self.frame {
            f.len = Some(len);
        }
    }

    /// The frame in progress is complete.
    pub fn frame_done(&mut self) {
        self.frame = None;
        self.next_frame = None;
    }

    /// `" (frame #3: 37 of 104 bytes received)"`, or nothing between frames.
    pub fn frame_context(&self) -> String {
        match &self.frame {
            None => String::new(),
            Some(f) => {
                let of = f.len.map(|l| format!(" of {l}")).unwrap_or_default();
                format!(
                    " (frame #{}: {}{of} bytes received; earlier frames were complete)",
                    f.index, f.got
                )
            }
        }
    }

    /// When the frame in progress is too slow.
    fn frame_deadline(&self) -> Option<Instant> {
        let f = self.frame.as_ref()?;
        let o = &self.ctx.opts;
        let earned = Duration::from_secs_f64(f.got as f64 / o.min_rate.max(1) as f64);
        f.start.checked_add(o.frame_timeout)?.checked_add(earned)
    }

    fn too_slow(&self) -> End {
        let o = &self.ctx.opts;
        let Some(f) = &self.frame else {
            return End::Idle(o.idle_timeout);
        };
        let of = f.len.map(|l| format!(" of {l}")).unwrap_or_default();
        End::Fault(format!(
            "frame #{} too slow: {}{of} bytes in {:.1} s; a frame gets {} s, plus 1 s per {} B received (frame_timeout, min_rate): closing this connection",
            f.index,
            f.got,
            f.start.elapsed().as_secs_f64(),
            o.frame_timeout.as_secs_f64(),
            o.min_rate
        ))
    }

    pub fn emit(&self, kind: ServeEventKind) {
        self.ctx.emit(Some(self.id), kind);
    }

    /// One `recv(n)`: the bytes (empty = EOF), reported as they come. It waits at most
    /// the idle timeout, and not past the frame in progress's deadline.
    pub fn recv(&mut self, n: usize) -> Result<Vec<u8>, End> {
        let n = n.max(1);
        if self.buf.len() < n {
            self.buf.resize(n, 0);
        }
        let idle = self.ctx.opts.idle_timeout;
        let deadline = self.frame_deadline();
        let left = deadline.map(|d| d.saturating_duration_since(Instant::now()));
        let by_frame = left.is_some_and(|l| l < idle);
        if left.is_some_and(|l| l.is_zero()) {
            return Err(self.too_slow());
        }
        let b = self
            .ctx
            .bound(if by_frame { left.unwrap_or(idle) } else { idle });
        match sock::read_some(&mut self.s, &mut self.buf[..n], b, || false) {
            Ok(k) => {
                let data = self.buf[..k].to_vec();
                if k > 0 {
                    self.bytes_in += k as u64;
                    self.last_ms.store(self.ctx.now_ms(), Ordering::Relaxed);
                    if let Some(index) = self.next_frame.take() {
                        self.frame = Some(FrameClock {
                            index,
                            start: Instant::now(),
                            got: 0,
                            len: None,
                        });
                    }
                    if let Some(f) = &mut self.frame {
                        f.got += k as u64;
                    }
                    self.emit(ServeEventKind::Recv {
                        bufsize: n,
                        data: Preview::of(&data),
                    });
                }
                Ok(data)
            }
            Err(Fail::TimedOut(_)) if by_frame => Err(self.too_slow()),
            Err(f) => Err(self.fail(f, &format!("recv({n})"))),
        }
    }

    /// A failed call as the connection's end, with the frame in progress named.
    fn fail(&self, f: Fail, what: &str) -> End {
        match fail(f, what) {
            End::Fault(m) => End::Fault(format!("{m}{}", self.frame_context())),
            other => other,
        }
    }

    /// `sendall(data)`. A client that does not read gets the frame clock's terms: the
    /// data must be taken within `frame_timeout`, plus 1 s per `min_rate` bytes.
    pub fn send_all(&mut self, data: &[u8]) -> Result<(), End> {
        let o = &self.ctx.opts;
        let start = Instant::now();
        let allowed =
            o.frame_timeout + Duration::from_secs_f64(data.len() as f64 / o.min_rate.max(1) as f64);
        let mut sent = 0;
        while sent < data.len() {
            let left = allowed.saturating_sub(start.elapsed());
            let b = self.ctx.bound(left.max(Duration::from_millis(1)));
            match sock::write_some(&mut self.s, &data[sent..], b) {
                Ok(n) => {
                    self.bytes_out += n as u64;
                    sent += n;
                }
                Err(Fail::TimedOut(_)) => {
                    return Err(End::Fault(format!(
                        "the client is not reading: {sent} of {} bytes of the reply taken in {:.1} s (a reply gets {} s, plus 1 s per {} B; frame_timeout, min_rate): closing this connection",
                        data.len(),
                        start.elapsed().as_secs_f64(),
                        o.frame_timeout.as_secs_f64(),
                        o.min_rate
                    )));
                }
                Err(f) => return Err(self.fail(f, "send()")),
            }
        }
        Ok(())
    }

    /// Sends one reply as the framing says: raw in one write, framed as header and body
    /// (per `header_writes`). `header_len` in the report counts every frame byte (a
    /// line's delimiter and escapes, a record's padding). With `decoder = "correct"`, a
    /// reply the framing cannot carry (a multi-line output over `line` without `escape`,
    /// one longer than `record_size`) ends the connection with the reason.
    pub fn reply(&mut self, body: &[u8]) -> Result<(), End> {
        let params = &self.ctx.opts.params;
        let (pieces, header_len) = if params.framing == Framing::Raw {
            (vec![body.to_vec()], 0)
        } else {
            let enc = framing::send_frame(params, body).map_err(|e| End::Fault(e.to_string()))?;
            (enc.pieces, enc.header_len + enc.trailer_len + enc.escapes)
        };
        let bytes = pieces.iter().map(Vec::len).sum();
        for p in &pieces {
            self.send_all(p)?;
        }
        self.emit(ServeEventKind::Reply {
            bytes,
            header_len,
            writes: pieces.len().max(1),
        });
        Ok(())
    }
}

pub(super) fn fail(f: Fail, what: &str) -> End {
    match f {
        Fail::Stopped => End::Stopped,
        Fail::TimedOut(d) => End::Idle(d),
        Fail::Deadlock => End::Stopped,
        Fail::Os(e) => End::Fault(os_error_text(&e, what, 0, 0)),
    }
}

/// A stream the decoder refuses: that connection only is closed.
pub(super) fn hostile(e: &dyn std::fmt::Display) -> End {
    End::Fault(format!(
        "hostile frame: {e}; closing this connection (the server keeps serving others)"
    ))
}

impl Drop for Conn<'_> {
    fn drop(&mut self) {
        self.ctx.untrack(self.id);
    }
}

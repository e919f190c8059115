//! Socket set-up and bounded blocking calls: every wait is cut into short polls, so a
//! stop request or a deadline ends it (a stuck peer cannot freeze a run).

use std::io::{self, Read, Write};
use std::mem::MaybeUninit;
use std::net::{SocketAddr, TcpListener, TcpStream, UdpSocket};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use socket2::{Domain, Protocol, SockRef, Socket, Type};

use super::RealError;
use crate::params::Params;

/// How long one blocking system call waits before the caller looks at the stop flag
/// and its deadline again.
pub(crate) const POLL: Duration = Duration::from_millis(50);

/// The model's default MSS: realnet sets TCP_MAXSEG only for another value.
pub const DEFAULT_MSS: u32 = 1460;

/// Linux refuses a TCP_MAXSEG below this (TCP_MIN_MSS).
pub const KERNEL_MIN_MSS: u32 = 88;

/// Why a bounded call gave up.
#[derive(Debug)]
pub(crate) enum Fail {
    /// The stop flag was raised.
    Stopped,
    /// Nothing happened for the whole timeout.
    TimedOut(Duration),
    /// The recorder says nothing can ever arrive.
    Deadlock,
    /// The operating system said no. With the program's own timeout (`settimeout`),
    /// `TimedOut` is Python's `socket.timeout` and `WouldBlock` its BlockingIOError.
    Os(io::Error),
}

/// Python's `socket.timeout`.
fn py_timeout() -> Fail {
    Fail::Os(io::Error::new(io::ErrorKind::TimedOut, "timed out"))
}

/// Python's BlockingIOError (EAGAIN on a non-blocking socket).
fn py_would_block() -> Fail {
    Fail::Os(io::ErrorKind::WouldBlock.into())
}

/// A deadline and a stop flag, checked between polls.
#[derive(Clone, Copy)]
pub(crate) struct Bound<'a> {
    pub stop: &'a AtomicBool,
    pub timeout: Duration,
}

impl Bound<'_> {
    pub fn stopped(&self) -> bool {
        self.stop.load(Ordering::Relaxed)
    }

    /// Runs `op` until it does not time out, checking the stop flag, the deadline and
    /// `give_up` between attempts.
    pub fn retry<T>(
        &self,
        mut op: impl FnMut() -> io::Result<T>,
        mut give_up: impl FnMut() -> bool,
    ) -> Result<T, Fail> {
        let deadline = Instant::now() + self.timeout;
        loop {
            match op() {
                Ok(v) => return Ok(v),
                Err(e) if is_timeout(&e) => {}
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(Fail::Os(e)),
            }
            if self.stopped() {
                return Err(Fail::Stopped);
            }
            if give_up() {
                return Err(Fail::Deadlock);
            }
            if Instant::now() >= deadline {
                return Err(Fail::TimedOut(self.timeout));
            }
        }
    }

    /// Sleeps `d`, waking early on stop. Returns false if stopped.
    pub fn sleep(&self, d: Duration) -> bool {
        let end = Instant::now() + d;
        loop {
            if self.stopped() {
                return false;
            }
            let now = Instant::now();
            if now >= end {
                return true;
            }
            std::thread::sleep((end - now).min(POLL));
        }
    }
}

pub(crate) fn is_timeout(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
    )
}

/// The largest TCP_MAXSEG Linux accepts (`MAX_TCP_WINDOW`, 32767).
pub const KERNEL_MAX_MSS: u32 = 32_767;

/// TCP_NODELAY, TCP_MAXSEG, SO_SNDBUF and SO_RCVBUF from the run's parameters. The
/// kernel's own values stay where the parameters are the defaults of their link: the
/// LAN's MSS (1460) and loopback's MSS and buffers are what 127.0.0.1 does anyway, and
/// setting a buffer turns the kernel's autotuning off. Returns what a person should
/// know about settings the kernel would not take as they are.
pub(crate) fn apply_tcp_params(sock: &Socket, p: &Params) -> io::Result<Vec<String>> {
    use crate::params::{Link, table};
    let mut notes = Vec::new();
    sock.set_tcp_nodelay(!p.nagle)?;
    let loopback = p.link == Link::Loopback;
    if !(loopback && p.send_buffer == table::LOOPBACK_SEND_BUFFER) {
        sock.set_send_buffer_size(p.send_buffer as usize)?;
    }
    if !(loopback && p.recv_buffer == table::LOOPBACK_RECV_BUFFER) {
        sock.set_recv_buffer_size(p.recv_buffer as usize)?;
    }
    if p.mss != DEFAULT_MSS && p.mss != table::LOOPBACK_MSS {
        let mss = p.mss.clamp(KERNEL_MIN_MSS, KERNEL_MAX_MSS);
        if mss != p.mss {
            notes.push(format!(
                "mss {} is outside what TCP_MAXSEG on Linux accepts ({KERNEL_MIN_MSS} to {KERNEL_MAX_MSS}); set {mss}",
                p.mss
            ));
        }
        set_mss(sock, mss)?;
    }
    Ok(notes)
}

#[cfg(unix)]
fn set_mss(sock: &Socket, mss: u32) -> io::Result<()> {
    sock.set_tcp_mss(mss)
}

#[cfg(not(unix))]
fn set_mss(_sock: &Socket, _mss: u32) -> io::Result<()> {
    Ok(())
}

fn domain(addr: &SocketAddr) -> Domain {
    Domain::for_address(*addr)
}

fn io_err(what: impl Into<String>) -> impl FnOnce(io::Error) -> RealError {
    let what = what.into();
    move |source| RealError::Io { what, source }
}

/// A listening TCP socket, with `configure` applied before `listen` (accepted sockets
/// inherit it). "Address in use" is its own error.
pub(crate) fn tcp_listen(
    addr: SocketAddr,
    configure: impl FnOnce(&Socket) -> io::Result<()>,
) -> Result<TcpListener, RealError> {
    let sock = Socket::new(domain(&addr), Type::STREAM, Some(Protocol::TCP))
        .map_err(io_err("create a TCP socket"))?;
    // Restarting a server must not wait for old connections' TIME_WAIT. Linux still
    // refuses a port that another socket listens on.
    #[cfg(unix)]
    sock.set_reuse_address(true)
        .map_err(io_err("set SO_REUSEADDR"))?;
    configure(&sock).map_err(io_err("set socket options"))?;
    sock.bind(&addr.into()).map_err(|e| bind_error(addr, e))?;
    sock.listen(128).map_err(|e| bind_error(addr, e))?;
    Ok(sock.into())
}

pub(crate) fn bind_error(addr: SocketAddr, e: io::Error) -> RealError {
    match e.kind() {
        io::ErrorKind::AddrInUse => RealError::AddrInUse { addr },
        io::ErrorKind::AddrNotAvailable => RealError::AddrNotAvailable { addr },
        io::ErrorKind::PermissionDenied => RealError::PermissionDenied { addr },
        _ => RealError::Io {
            what: format!("listen on {addr}"),
            source: e,
        },
    }
}

/// Accepts one connection, waiting at most the bound's timeout.
pub(crate) fn accept(
    listener: &TcpListener,
    b: Bound<'_>,
) -> Result<(TcpStream, SocketAddr), Fail> {
    // Linux applies SO_RCVTIMEO to accept(), so it can wait without busy polling.
    #[cfg(target_os = "linux")]
    let got = {
        SockRef::from(listener)
            .set_read_timeout(Some(POLL))
            .map_err(Fail::Os)?;
        b.retry(|| listener.accept(), || false)?
    };
    #[cfg(not(target_os = "linux"))]
    let got = {
        listener.set_nonblocking(true).map_err(Fail::Os)?;
        b.retry(
            || match listener.accept() {
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    std::thread::sleep(Duration::from_millis(2));
                    Err(e)
                }
                other => other,
            },
            || false,
        )?
    };
    got.0.set_nonblocking(false).map_err(Fail::Os)?;
    Ok(got)
}

/// Connects with `configure` applied first (TCP_MAXSEG must precede the handshake).
pub(crate) fn tcp_connect(
    addr: SocketAddr,
    timeout: Duration,
    configure: impl FnOnce(&Socket) -> io::Result<()>,
) -> Result<TcpStream, RealError> {
    let sock = Socket::new(domain(&addr), Type::STREAM, Some(Protocol::TCP))
        .map_err(io_err("create a TCP socket"))?;
    configure(&sock).map_err(io_err("set socket options"))?;
    sock.connect_timeout(&addr.into(), timeout)
        .map_err(|e| connect_error(addr, e))?;
    Ok(sock.into())
}

pub(crate) fn connect_error(addr: SocketAddr, e: io::Error) -> RealError {
    match e.kind() {
        io::ErrorKind::ConnectionRefused => RealError::ConnectRefused { addr },
        k if is_timeout(&e) || k == io::ErrorKind::HostUnreachable => {
            RealError::ConnectTimedOut { addr }
        }
        _ => RealError::Io {
            what: format!("connect to {addr}"),
            source: e,
        },
    }
}

/// Sets the poll timeouts on a stream, so reads and writes return to their caller.
pub(crate) fn set_poll_timeouts(s: &TcpStream) -> io::Result<()> {
    s.set_read_timeout(Some(POLL))?;
    s.set_write_timeout(Some(POLL))
}

/// One `read` that waits, bounded, until data or EOF.
pub(crate) fn read_some(
    s: &mut TcpStream,
    buf: &mut [u8],
    b: Bound<'_>,
    give_up: impl FnMut() -> bool,
) -> Result<usize, Fail> {
    b.retry(|| s.read(buf), give_up)
}

/// One `write` that waits, bounded, until the kernel takes at least one byte.
pub(crate) fn write_some(s: &mut TcpStream, data: &[u8], b: Bound<'_>) -> Result<usize, Fail> {
    b.retry(|| s.write(data), || false)
}

/// A receive with the program's timeout, as Python does it: wait for data until
/// `deadline` (the socket's receive timeout is set to what is left), then
/// `socket.timeout`; with no deadline (`settimeout(0)`), non-blocking: what is there, or
/// BlockingIOError. `set_timeout` and `set_nonblocking` reach the socket `op` reads.
fn receive_until<T>(
    mut op: impl FnMut() -> io::Result<T>,
    set_timeout: impl Fn(Option<Duration>) -> io::Result<()>,
    set_nonblocking: impl Fn(bool) -> io::Result<()>,
    b: Bound<'_>,
    deadline: Option<Instant>,
) -> Result<T, Fail> {
    let Some(deadline) = deadline else {
        set_nonblocking(true).map_err(Fail::Os)?;
        let r = op();
        set_nonblocking(false).map_err(Fail::Os)?;
        return match r {
            Ok(v) => Ok(v),
            Err(e) if is_timeout(&e) => Err(py_would_block()),
            Err(e) => Err(Fail::Os(e)),
        };
    };
    let r = loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            break Err(py_timeout());
        }
        if b.stopped() {
            break Err(Fail::Stopped);
        }
        set_timeout(Some(left.min(POLL).max(Duration::from_micros(100)))).map_err(Fail::Os)?;
        match op() {
            Ok(v) => break Ok(v),
            Err(e) if is_timeout(&e) || e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => break Err(Fail::Os(e)),
        }
    };
    set_timeout(Some(POLL)).map_err(Fail::Os)?;
    r
}

/// One TCP `read` with the program's timeout ([`receive_until`]).
pub(crate) fn read_until(
    s: &mut TcpStream,
    buf: &mut [u8],
    b: Bound<'_>,
    deadline: Option<Instant>,
) -> Result<usize, Fail> {
    let control = s.try_clone().map_err(Fail::Os)?;
    receive_until(
        || s.read(buf),
        |t| control.set_read_timeout(t),
        |nb| control.set_nonblocking(nb),
        b,
        deadline,
    )
}

/// [`recv_datagram`] with the program's timeout ([`receive_until`]).
pub(crate) fn recv_datagram_until(
    s: &UdpSocket,
    buf: &mut [u8],
    b: Bound<'_>,
    deadline: Option<Instant>,
) -> Result<(usize, usize, SocketAddr), Fail> {
    receive_until(
        || recv_datagram(s, buf),
        |t| s.set_read_timeout(t),
        |nb| s.set_nonblocking(nb),
        b,
        deadline,
    )
}

/// One `write` with the program's timeout, as Python does it (poll for room, then one
/// non-blocking send): what fits as soon as anything fits, `socket.timeout` at
/// `deadline`; with no deadline (`settimeout(0)`), what fits now or BlockingIOError.
pub(crate) fn write_until(
    s: &mut TcpStream,
    data: &[u8],
    b: Bound<'_>,
    deadline: Option<Instant>,
) -> Result<usize, Fail> {
    s.set_nonblocking(true).map_err(Fail::Os)?;
    let r = loop {
        match s.write(data) {
            Ok(n) => break Ok(n),
            Err(e) if is_timeout(&e) || e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => break Err(Fail::Os(e)),
        }
        let Some(deadline) = deadline else {
            break Err(py_would_block());
        };
        if Instant::now() >= deadline {
            break Err(py_timeout());
        }
        if b.stopped() {
            break Err(Fail::Stopped);
        }
        // No poll(2) in std: look again shortly (room opens when an ACK arrives).
        std::thread::sleep(Duration::from_micros(200));
    };
    s.set_nonblocking(false).map_err(Fail::Os)?;
    r
}

/// A UDP socket bound to `addr`, with the buffer sizes of the run.
pub(crate) fn udp_bind(addr: SocketAddr, p: Option<&Params>) -> Result<UdpSocket, RealError> {
    let sock = Socket::new(domain(&addr), Type::DGRAM, Some(Protocol::UDP))
        .map_err(io_err("create a UDP socket"))?;
    if let Some(p) = p {
        sock.set_send_buffer_size(p.send_buffer as usize)
            .map_err(io_err("set SO_SNDBUF"))?;
        sock.set_recv_buffer_size(p.recv_buffer as usize)
            .map_err(io_err("set SO_RCVBUF"))?;
    }
    sock.bind(&addr.into()).map_err(|e| bind_error(addr, e))?;
    let udp: UdpSocket = sock.into();
    udp.set_read_timeout(Some(POLL))
        .map_err(io_err("set SO_RCVTIMEO"))?;
    udp.set_write_timeout(Some(POLL))
        .map_err(io_err("set SO_SNDTIMEO"))?;
    Ok(udp)
}

/// Linux's `MSG_TRUNC`: `recv` returns the datagram's real length, not what fitted.
#[cfg(any(target_os = "linux", target_os = "android"))]
const MSG_TRUNC: std::ffi::c_int = 0x20;

/// Receives one datagram into `buf` (`recvfrom(len(buf))`): returns the bytes kept
/// and the datagram's full length, which is larger when it was truncated.
#[cfg(any(target_os = "linux", target_os = "android"))]
pub(crate) fn recv_datagram(
    sock: &UdpSocket,
    buf: &mut [u8],
) -> io::Result<(usize, usize, SocketAddr)> {
    // SAFETY: `[u8]` and `[MaybeUninit<u8>]` have the same layout, and recv only writes
    // initialized bytes into the slice.
    let uninit = unsafe { &mut *(buf as *mut [u8] as *mut [MaybeUninit<u8>]) };
    let (len, from) = SockRef::from(sock).recv_from_with_flags(uninit, MSG_TRUNC)?;
    let from = from.as_socket().unwrap_or_else(|| ([0, 0, 0, 0], 0).into());
    Ok((len.min(buf.len()), len, from))
}

/// Elsewhere: read into a buffer large enough for any datagram and cut it here.
#[cfg(not(any(target_os = "linux", target_os = "android")))]
pub(crate) fn recv_datagram(
    sock: &UdpSocket,
    buf: &mut [u8],
) -> io::Result<(usize, usize, SocketAddr)> {
    let _ = (MaybeUninit::<u8>::uninit(), SockRef::from(sock));
    let mut all = vec![0u8; 65536];
    let (len, from) = sock.recv_from(&mut all)?;
    let kept = len.min(buf.len());
    buf[..kept].copy_from_slice(&all[..kept]);
    Ok((kept, len, from))
}

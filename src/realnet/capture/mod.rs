//! Real runs see their own packets: a packet capture on `lo` while the programs run.
//!
//! The kernel does not tell a program which segments and ACKs carried its bytes, so
//! without this a real trace has application events only and `segments` / `acks` stay
//! 0. Where it is permitted (root or CAP_NET_RAW; these machines run as root), a real
//! run opens an AF_PACKET socket on `lo` before it connects, keeps the TCP headers of
//! its own connection, and adds them to the trace as the model's event kinds:
//!
//! - each packet is seen twice on `lo`: leaving (PACKET_OUTGOING) and arriving
//!   (PACKET_HOST). The first copy is the sender's `SegmentTx` / `AckTx` / `FinTx`, the
//!   second the receiver's `SegmentRx` / `AckRx` / `FinRx`. They go to the run's
//!   recorder as the capture thread reads them, so the trace stays in time order and
//!   streams live; the kernel's own timestamps (SO_TIMESTAMPNS) decide what came before
//!   the programs started and how long data waited for its ACK;
//! - sequence and ACK numbers become stream offsets (the SYNs give the initial
//!   sequence numbers), windows are scaled by the SYNs' window-scale options;
//! - a reset is `RstTx` at the side that sent it and `RstRx` at the other; the
//!   handshake (before the programs start) is left out, as the model has none;
//! - the kernel does not say why it sent a pure ACK; `AckTx::reason` is inferred: `Fin`
//!   for the ACK of a FIN, `WindowUpdate` when only the window changed, `Timer` when
//!   the oldest data it acknowledges left 20 ms or more before (the delayed-ACK timer is
//!   at least 40 ms), else `Immediate`;
//! - segments carry no bytes (`chunk` is `None`): the capture keeps headers only, so its
//!   memory stays small (at most [`MAX_PACKETS`] headers per run).
//!
//! Where the capture is not permitted (or not Linux), the first run says so once in its
//! notes, and every run goes on without packets.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use super::record::Recorder;
#[cfg(test)]
use crate::trace::Event;
use crate::trace::{AckReason, EventKind, Micros, SegHeader, Side};

/// Most packet headers one run keeps (about 40 bytes each).
pub(crate) const MAX_PACKETS: usize = 200_000;

/// A pure ACK this long after the data it acknowledges was sent by the timer.
const TIMER_ACK_US: i64 = 20_000;

/// One TCP header seen on `lo`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Packet {
    /// Kernel time of this copy, nanoseconds since the Unix epoch.
    pub at_ns: i128,
    /// The leaving copy (else the arriving one).
    pub outgoing: bool,
    pub src_port: u16,
    pub dst_port: u16,
    pub seq: u32,
    pub ack: u32,
    /// TCP flags (FIN 0x01, SYN 0x02, RST 0x04, PSH 0x08, ACK 0x10).
    pub flags: u8,
    /// The window field as sent (unscaled).
    pub win: u16,
    /// Payload bytes.
    pub len: u32,
    /// The window-scale option of a SYN.
    pub wscale: Option<u8>,
}

const FIN: u8 = 0x01;
const SYN: u8 = 0x02;
const RST: u8 = 0x04;
const ACK: u8 = 0x10;

/// Reads an Ethernet frame from `lo`: an IPv4 TCP packet between two 127.x.x.x
/// addresses, or `None`. `frame` may be cut short after the TCP header.
pub(crate) fn parse(frame: &[u8], at_ns: i128, outgoing: bool) -> Option<Packet> {
    let ip = frame.get(14..)?;
    if frame.get(12..14)? != [0x08, 0x00] || ip.len() < 20 || ip[0] >> 4 != 4 || ip[9] != 6 {
        return None;
    }
    if ip[12] != 127 || ip[16] != 127 {
        return None;
    }
    let ihl = usize::from(ip[0] & 0x0f) * 4;
    let total = usize::from(u16::from_be_bytes([ip[2], ip[3]]));
    let tcp = ip.get(ihl..)?;
    if ihl < 20 || tcp.len() < 20 {
        return None;
    }
    let be16 = |i: usize| u16::from_be_bytes([tcp[i], tcp[i + 1]]);
    let be32 = |i: usize| u32::from_be_bytes([tcp[i], tcp[i + 1], tcp[i + 2], tcp[i + 3]]);
    let doff = usize::from(tcp[12] >> 4) * 4;
    let flags = tcp[13];
    let mut wscale = None;
    if flags & SYN != 0 {
        // Options: kind 0 ends, 1 is a pad byte, 3 is the window scale (length 3).
        let opts = tcp.get(20..doff.min(tcp.len())).unwrap_or(&[]);
        let mut i = 0;
        while i < opts.len() {
            match opts[i] {
                0 => break,
                1 => i += 1,
                kind => {
                    let len = usize::from(*opts.get(i + 1)?);
                    if kind == 3 && len == 3 {
                        wscale = Some((*opts.get(i + 2)?).min(14));
                    }
                    i += len.max(2);
                }
            }
        }
    }
    Some(Packet {
        at_ns,
        outgoing,
        src_port: be16(0),
        dst_port: be16(2),
        seq: be32(4),
        ack: be32(8),
        flags,
        win: be16(14),
        len: total.saturating_sub(ihl + doff) as u32,
        wscale,
    })
}

/// Per side: what its SYN said and what it has sent so far.
#[derive(Default, Clone, Copy)]
struct Half {
    isn: Option<u32>,
    wscale: Option<u8>,
    /// Stream offset of its FIN, once sent.
    fin_at: Option<u64>,
    /// Last ACK value and window it sent (to tell a window update).
    last_ack: Option<(u64, u32)>,
    /// End of the data it has sent (stream offset).
    sent_end: u64,
    /// When the oldest data it sent that the peer has not acknowledged left (µs).
    oldest_unacked: Option<i64>,
}

/// A data segment (or FIN) leaving (`tx`) or arriving: the one place that builds the
/// trace's segment events.
fn segment(tx: bool, seq: u64, len: usize, ack: u64, win: u32, fin: bool) -> EventKind {
    let h = SegHeader {
        seq,
        len,
        ack,
        win,
        fin,
    };
    if tx {
        EventKind::SegmentTx(h)
    } else {
        EventKind::SegmentRx(h)
    }
}

/// Turns one connection's packets into trace events, packet by packet, in capture
/// order (it needs the two SYNs first, for the initial sequence numbers).
pub(crate) struct Converter {
    client_port: u16,
    server_port: u16,
    /// Kernel time when the run's clock started: earlier packets are the handshake.
    t0_ns: i128,
    half: [Half; 2],
}

impl Converter {
    pub(crate) fn new(client_port: u16, server_port: u16, t0_ns: i128) -> Converter {
        Converter {
            client_port,
            server_port,
            t0_ns,
            half: [Half::default(); 2],
        }
    }

    /// The events of one packet, each with its side and its time on the run's clock.
    pub(crate) fn convert(&mut self, p: &Packet) -> Vec<(Side, Micros, EventKind)> {
        let mut out = Vec::new();
        let side = if p.src_port == self.client_port && p.dst_port == self.server_port {
            Side::Client
        } else if p.src_port == self.server_port && p.dst_port == self.client_port {
            Side::Server
        } else {
            return out;
        };
        let half = &mut self.half;
        let (me, peer) = (side.index(), side.peer().index());
        if p.flags & SYN != 0 {
            half[me].isn = Some(p.seq);
            half[me].wscale = p.wscale;
            return out;
        }
        let (Some(isn), Some(peer_isn)) = (half[me].isn, half[peer].isn) else {
            return out; // the capture started after the handshake: offsets unknown
        };
        let t_us = (p.at_ns - self.t0_ns)
            .div_euclid(1000)
            .clamp(-1, i64::MAX as i128) as i64;
        if t_us < 0 {
            return out;
        }
        let seq = u64::from(p.seq.wrapping_sub(isn).wrapping_sub(1));
        if p.flags & RST != 0 {
            let at = t_us as Micros;
            out.push(if p.outgoing {
                (side, at, EventKind::RstTx { seq })
            } else {
                (side.peer(), at, EventKind::RstRx { seq })
            });
            return out;
        }
        let ack = if p.flags & ACK != 0 {
            u64::from(p.ack.wrapping_sub(peer_isn).wrapping_sub(1))
        } else {
            0
        };
        let shift = match (half[me].wscale, half[peer].wscale) {
            (Some(s), Some(_)) => s,
            _ => 0,
        };
        let win = u32::from(p.win) << shift;
        let len = p.len as usize;
        let fin = p.flags & FIN != 0;
        let at = t_us as Micros;
        if len > 0 || fin {
            if p.outgoing {
                if fin {
                    half[me].fin_at = Some(seq + len as u64);
                    out.push((
                        side,
                        at,
                        EventKind::FinTx {
                            seq: seq + len as u64,
                        },
                    ));
                }
                if len > 0 {
                    half[me].sent_end = half[me].sent_end.max(seq + len as u64);
                    if half[me].oldest_unacked.is_none() {
                        half[me].oldest_unacked = Some(t_us);
                    }
                }
                half[me].last_ack = Some((ack, win));
                out.push((side, at, segment(true, seq, len, ack, win, fin)));
            } else {
                out.push((side.peer(), at, segment(false, seq, len, ack, win, fin)));
                if fin {
                    let kind = EventKind::FinRx {
                        seq: seq + len as u64,
                    };
                    out.push((side.peer(), at, kind));
                }
            }
        } else if p.flags & ACK != 0 {
            if p.outgoing {
                let reason = ack_reason(&half[me], &half[peer], ack, win, t_us);
                half[me].last_ack = Some((ack, win));
                out.push((side, at, EventKind::AckTx { ack, win, reason }));
            } else {
                out.push((side.peer(), at, EventKind::AckRx { ack, win }));
            }
        }
        // Everything the peer sent is acknowledged: no data waits for an ACK.
        if p.outgoing && p.flags & ACK != 0 && ack >= half[peer].sent_end {
            half[peer].oldest_unacked = None;
        }
        out
    }
}

/// The packets of the connection `client_port` ↔ `server_port` as trace events, with
/// times in µs since `t0_ns` (packets before it are the handshake and are left out).
#[cfg(test)]
pub(crate) fn events(
    packets: &[Packet],
    client_port: u16,
    server_port: u16,
    t0_ns: i128,
) -> Vec<Event> {
    let mut c = Converter::new(client_port, server_port, t0_ns);
    packets
        .iter()
        .flat_map(|p| c.convert(p))
        .map(|(side, t_us, kind)| Event {
            t_us,
            side,
            kind,
            chunk: None,
        })
        .collect()
}

/// Why the kernel most likely sent this pure ACK (it does not say).
fn ack_reason(me: &Half, peer: &Half, ack: u64, win: u32, t_us: i64) -> AckReason {
    if let Some(f) = peer.fin_at
        && ack == f + 1
        && me.last_ack.is_none_or(|(a, _)| a <= f)
    {
        return AckReason::Fin;
    }
    if let Some((a, w)) = me.last_ack
        && a == ack
        && w != win
    {
        return AckReason::WindowUpdate;
    }
    match peer.oldest_unacked {
        Some(sent) if t_us - sent >= TIMER_ACK_US => AckReason::Timer,
        _ => AckReason::Immediate,
    }
}

/// The note "not permitted" goes out once per process.
static SAID_NOT_PERMITTED: AtomicBool = AtomicBool::new(false);

/// Why there is no capture, the first time it is asked (`None` after that).
fn not_permitted_once(why: String) -> Option<String> {
    (!SAID_NOT_PERMITTED.swap(true, Ordering::Relaxed)).then_some(why)
}

/// Where converted packets go once the run's clock has started.
pub(crate) struct Live {
    conv: Converter,
    rec: Arc<Recorder>,
}

/// Shared between the run and its capture thread: `None` until connected.
type Link = Arc<Mutex<Option<Live>>>;

/// Packets seen before the link exists are kept (the SYNs are among them).
fn deliver(link: &Link, early: &mut Vec<Packet>, p: Packet) {
    let mut g = link.lock().unwrap_or_else(|e| e.into_inner());
    match g.as_mut() {
        None => early.push(p),
        Some(live) => {
            for q in early.drain(..).chain(std::iter::once(p)) {
                for (side, _, kind) in live.conv.convert(&q) {
                    live.rec.emit(side, kind, None);
                }
            }
        }
    }
}

#[cfg(target_os = "linux")]
mod os {
    use std::io;
    use std::mem::{MaybeUninit, size_of, zeroed};
    use std::os::fd::AsRawFd;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::thread::JoinHandle;
    use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

    use socket2::{Domain, Protocol, SockFilter, Socket, Type};

    use super::{Link, MAX_PACKETS, deliver, parse};

    /// SO_TIMESTAMPNS (and its control message type) on the common architectures.
    const SO_TIMESTAMPNS: libc::c_int = 35;
    const ETH_P_ALL: u16 = 0x0003;
    const PACKET_OUTGOING: u8 = 4;

    /// A capture thread on `lo`.
    pub(crate) struct Running {
        sock: Arc<Socket>,
        stop: Arc<AtomicBool>,
        thread: Option<JoinHandle<bool>>,
    }

    /// Keeps only IPv4 TCP frames, cut after 256 bytes (headers and options).
    fn filter() -> [SockFilter; 6] {
        [
            SockFilter::new(0x28, 0, 0, 12),     // ldh [12]: ethertype
            SockFilter::new(0x15, 0, 3, 0x0800), // IPv4?
            SockFilter::new(0x30, 0, 0, 23),     // ldb [23]: IP protocol
            SockFilter::new(0x15, 0, 1, 6),      // TCP?
            SockFilter::new(0x06, 0, 0, 256),    // keep 256 bytes
            SockFilter::new(0x06, 0, 0, 0),      // drop
        ]
    }

    /// Keeps only IPv4 TCP frames to or from `port`, cut after 256 bytes.
    fn port_filter(port: u16) -> [SockFilter; 11] {
        let k = u32::from(port);
        [
            SockFilter::new(0x28, 0, 0, 12),     // ldh [12]: ethertype
            SockFilter::new(0x15, 0, 8, 0x0800), // IPv4?
            SockFilter::new(0x30, 0, 0, 23),     // ldb [23]: IP protocol
            SockFilter::new(0x15, 0, 6, 6),      // TCP?
            SockFilter::new(0xb1, 0, 0, 14),     // x = IP header length
            SockFilter::new(0x48, 0, 0, 14),     // ldh [x + 14]: source port
            SockFilter::new(0x15, 2, 0, k),      // ours?
            SockFilter::new(0x48, 0, 0, 16),     // ldh [x + 16]: destination port
            SockFilter::new(0x15, 0, 1, k),      // ours?
            SockFilter::new(0x06, 0, 0, 256),    // keep 256 bytes
            SockFilter::new(0x06, 0, 0, 0),      // drop
        ]
    }

    fn open() -> io::Result<Socket> {
        let proto = Protocol::from(i32::from(ETH_P_ALL.to_be()));
        let sock = Socket::new(Domain::PACKET, Type::RAW, Some(proto))?;
        sock.attach_filter(&filter())?;
        let fd = sock.as_raw_fd();
        // SAFETY: plain socket calls on a descriptor this function owns, with
        // correctly sized arguments.
        unsafe {
            let on: libc::c_int = 1;
            libc::setsockopt(
                fd,
                libc::SOL_SOCKET,
                SO_TIMESTAMPNS,
                (&on as *const libc::c_int).cast(),
                size_of::<libc::c_int>() as libc::socklen_t,
            );
            let ifindex = libc::if_nametoindex(c"lo".as_ptr());
            if ifindex == 0 {
                return Err(io::Error::last_os_error());
            }
            let mut sll: libc::sockaddr_ll = zeroed();
            sll.sll_family = libc::AF_PACKET as u16;
            sll.sll_protocol = ETH_P_ALL.to_be();
            sll.sll_ifindex = ifindex as i32;
            let r = libc::bind(
                fd,
                (&sll as *const libc::sockaddr_ll).cast(),
                size_of::<libc::sockaddr_ll>() as libc::socklen_t,
            );
            if r != 0 {
                return Err(io::Error::last_os_error());
            }
        }
        sock.set_read_timeout(Some(Duration::from_millis(5)))?;
        // Room for a busy lo while the thread is not scheduled.
        let _ = sock.set_recv_buffer_size(4 << 20);
        Ok(sock)
    }

    /// One frame: its bytes (cut), the kernel's time of it, and whether it was leaving.
    fn recv(sock: &Socket, buf: &mut [u8; 256]) -> io::Result<(usize, i128, bool)> {
        let fd = sock.as_raw_fd();
        let mut ctrl = [MaybeUninit::<u64>::uninit(); 16];
        // SAFETY: msghdr points at live buffers of the stated sizes; the control
        // messages are read with the libc macros within `msg_controllen`.
        unsafe {
            let mut from: libc::sockaddr_ll = zeroed();
            let mut iov = libc::iovec {
                iov_base: buf.as_mut_ptr().cast(),
                iov_len: buf.len(),
            };
            let mut msg: libc::msghdr = zeroed();
            msg.msg_name = (&mut from as *mut libc::sockaddr_ll).cast();
            msg.msg_namelen = size_of::<libc::sockaddr_ll>() as libc::socklen_t;
            msg.msg_iov = &mut iov;
            msg.msg_iovlen = 1;
            msg.msg_control = ctrl.as_mut_ptr().cast();
            msg.msg_controllen = size_of::<[u64; 16]>() as _;
            let n = libc::recvmsg(fd, &mut msg, 0);
            if n < 0 {
                return Err(io::Error::last_os_error());
            }
            let mut at_ns = None;
            let mut c = libc::CMSG_FIRSTHDR(&msg);
            while !c.is_null() {
                if (*c).cmsg_level == libc::SOL_SOCKET && (*c).cmsg_type == SO_TIMESTAMPNS {
                    let ts: libc::timespec = std::ptr::read_unaligned(libc::CMSG_DATA(c).cast());
                    at_ns = Some(i128::from(ts.tv_sec) * 1_000_000_000 + i128::from(ts.tv_nsec));
                }
                c = libc::CMSG_NXTHDR(&msg, c);
            }
            let at_ns = at_ns.unwrap_or_else(now_ns);
            Ok((
                (n as usize).min(buf.len()),
                at_ns,
                from.sll_pkttype == PACKET_OUTGOING,
            ))
        }
    }

    pub(crate) fn now_ns() -> i128 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as i128)
    }

    /// Starts the capture thread, or says why it cannot run. Its packets go to `link`.
    pub(crate) fn start(link: Link) -> Result<Running, String> {
        let sock = open().map_err(|e| match e.raw_os_error() {
            Some(libc::EPERM) | Some(libc::EACCES) => {
                "packet capture on lo is not permitted (it needs root or CAP_NET_RAW): real runs show the programs' calls, not the kernel's segments and ACKs".to_string()
            }
            _ => format!("packet capture on lo is not available ({e}): real runs show the programs' calls, not the kernel's segments and ACKs"),
        })?;
        let sock = Arc::new(sock);
        let sock2 = Arc::clone(&sock);
        let stop = Arc::new(AtomicBool::new(false));
        let stop2 = Arc::clone(&stop);
        let thread = std::thread::Builder::new()
            .name("realnet-capture".into())
            .spawn(move || {
                let mut early = Vec::new();
                let mut seen = 0usize;
                let mut buf = [0u8; 256];
                let mut quiet_since: Option<Instant> = None;
                loop {
                    if stop2.load(Ordering::Relaxed) {
                        // Take what the kernel still holds, then stop after 5 ms quiet.
                        let q = *quiet_since.get_or_insert_with(Instant::now);
                        if q.elapsed() > Duration::from_millis(5) {
                            break;
                        }
                    }
                    match recv(&sock2, &mut buf) {
                        Ok((n, at_ns, outgoing)) => {
                            if stop2.load(Ordering::Relaxed) {
                                quiet_since = Some(Instant::now());
                            }
                            if let Some(p) = parse(&buf[..n], at_ns, outgoing) {
                                seen += 1;
                                if seen <= MAX_PACKETS {
                                    deliver(&link, &mut early, p);
                                }
                            }
                        }
                        Err(e)
                            if matches!(
                                e.kind(),
                                io::ErrorKind::WouldBlock
                                    | io::ErrorKind::TimedOut
                                    | io::ErrorKind::Interrupted
                            ) => {}
                        Err(_) => break,
                    }
                }
                seen > MAX_PACKETS
            })
            .map_err(|e| format!("cannot start the capture thread: {e}"))?;
        Ok(Running {
            sock,
            stop,
            thread: Some(thread),
        })
    }

    impl Running {
        /// From now on, keep only packets to or from `port` (the server's).
        pub(crate) fn narrow(&self, port: u16) {
            let _ = self.sock.attach_filter(&port_filter(port));
        }

        /// Stops the thread once the last packets are in; true if some were left out
        /// (too many).
        pub(crate) fn finish(mut self) -> bool {
            self.stop.store(true, Ordering::Relaxed);
            self.thread
                .take()
                .is_some_and(|t| t.join().unwrap_or(false))
        }
    }

    impl Drop for Running {
        /// A run that fails before it ends still stops its capture.
        fn drop(&mut self) {
            self.stop.store(true, Ordering::Relaxed);
        }
    }
}

#[cfg(not(target_os = "linux"))]
mod os {
    use super::Link;

    pub(crate) struct Running;

    pub(crate) fn start(_link: Link) -> Result<Running, String> {
        Err("packet capture needs Linux: real runs show the programs' calls, not the kernel's segments and ACKs".into())
    }

    pub(crate) fn now_ns() -> i128 {
        0
    }

    impl Running {
        pub(crate) fn narrow(&self, _port: u16) {}

        pub(crate) fn finish(self) -> bool {
            false
        }
    }
}

/// A run's capture: started before the connection; its events go into the run's
/// recorder as they happen, like the programs' own.
pub(crate) struct Capture {
    running: Option<os::Running>,
    link: Link,
    /// Says why there is no capture (once per process).
    pub note: Option<String>,
}

impl Capture {
    fn off(note: Option<String>) -> Capture {
        Capture {
            running: None,
            link: Link::default(),
            note,
        }
    }

    /// A capture for a run with these settings: TCP without a slicer relay (a relay
    /// makes two connections; the capture keeps to one).
    pub(crate) fn start_for(params: &crate::params::Params, opts: &super::RealOptions) -> Capture {
        if params.transport != crate::params::Transport::Tcp || opts.slicer.is_some() {
            return Capture::off(None);
        }
        let link = Link::default();
        match os::start(Arc::clone(&link)) {
            Ok(r) => Capture {
                running: Some(r),
                link,
                note: None,
            },
            Err(why) => Capture::off(not_permitted_once(why)),
        }
    }

    /// The connection to keep; from now on its packets go to `rec`. Call it where the
    /// recorder is created (the run's clock starts there). A run through the slicer
    /// relay (two connections) or over UDP keeps nothing.
    pub(crate) fn connected(&mut self, ends: &super::Ends, rec: &Arc<Recorder>) {
        let Some(running) = &self.running else {
            return;
        };
        if let super::Ends::Tcp {
            client,
            relay: None,
            ..
        } = ends
            && let (Ok(me), Ok(peer)) = (client.local_addr(), client.peer_addr())
        {
            running.narrow(peer.port());
            let conv = Converter::new(me.port(), peer.port(), os::now_ns());
            *self.link.lock().unwrap_or_else(|e| e.into_inner()) = Some(Live {
                conv,
                rec: Arc::clone(rec),
            });
        } else {
            self.running = None; // dropping it stops the thread
        }
    }

    /// Waits for the last packets (the programs have ended) and stops. A note if
    /// packets had to be left out.
    pub(crate) fn finish(self) -> Option<String> {
        let full = self.running?.finish();
        full.then(|| {
            format!("packet capture: more than {MAX_PACKETS} packets; the rest are not shown")
        })
    }
}

#[cfg(test)]
mod tests;

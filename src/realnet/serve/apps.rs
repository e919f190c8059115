//! The server's apps, one connection (or the UDP socket) at a time.

use std::net::{TcpStream, UdpSocket};

use super::conn::{Conn, End, hostile};
use super::{Ctx, Preview, ServeApp, ServeEventKind, canned, upload};
use crate::framing::{self, Decoder, header};
use crate::params::{Framing, Params};
use crate::realnet::sock;

pub(super) fn serve_connection(ctx: &Ctx, id: u64, s: TcpStream) {
    if let Err(e) = sock::set_poll_timeouts(&s).and_then(|()| s.set_nodelay(!ctx.opts.params.nagle))
    {
        ctx.emit(
            Some(id),
            ServeEventKind::Error {
                message: format!("cannot set up the connection: {e}"),
            },
        );
        return;
    }
    let mut c = Conn::new(ctx, id, s);
    let result = match ctx.opts.app {
        ServeApp::Upper if ctx.opts.params.framing == Framing::Raw => upper_raw(&mut c),
        ServeApp::Upper => upper_framed(&mut c),
        ServeApp::Command => command(&mut c),
        ServeApp::Upload => upload::serve(&mut c),
        ServeApp::UdpEcho => Ok(()),
    };
    let reason = match (c.evicted(), result) {
        (Some(why), _) => why,
        (None, Ok(())) => "the client closed the connection".to_string(),
        (None, Err(End::Fault(message))) => {
            c.emit(ServeEventKind::Error { message });
            "closed by the server after the error above".to_string()
        }
        (None, Err(End::Stopped)) => "the server is stopping".to_string(),
        (None, Err(End::Idle(d))) => format!(
            "nothing received for {} s{}",
            d.as_secs_f64(),
            c.frame_context()
        ),
    };
    let (bytes_in, bytes_out) = (c.bytes_in, c.bytes_out);
    drop(c);
    ctx.emit(
        Some(id),
        ServeEventKind::Closed {
            reason,
            bytes_in,
            bytes_out,
        },
    );
}

/// 第一版 to 第三版: `data = conn.recv(1024); conn.send(data.upper())` until EOF.
fn upper_raw(c: &mut Conn) -> Result<(), End> {
    loop {
        let data = c.recv(c.ctx.opts.recv_size)?;
        if data.is_empty() {
            return Ok(());
        }
        c.reply(&data.to_ascii_uppercase())?;
    }
}

/// A framed echo: each decoded request is answered, upper-cased, in the same framing.
fn upper_framed(c: &mut Conn) -> Result<(), End> {
    /// Bytes kept of a frame's start, to read its length for reports.
    const HEAD: usize = 4096;
    let params = c.ctx.opts.params.clone();
    let mut decoder = Decoder::new(&params);
    let mut buf = Vec::new();
    // The stream from the start of the frame in progress (at most HEAD bytes).
    let mut head = Vec::new();
    c.frame_next(1, 0);
    loop {
        let data = c.recv(c.ctx.opts.recv_size)?;
        let eof = data.is_empty();
        buf.extend_from_slice(&data);
        head.extend_from_slice(&data[..data.len().min(HEAD - head.len())]);
        loop {
            let frame = if eof {
                decoder.decode_eof(&mut buf)
            } else {
                decoder.decode(&mut buf)
            };
            match frame {
                Ok(Some(f)) => {
                    c.frame_done();
                    c.emit(ServeEventKind::Frame {
                        index: decoder.frames(),
                        body: Preview::of(&f.body),
                        header: f.header.map(|h| Preview::of(h.raw.as_bytes())),
                    });
                    c.reply(&f.body.to_ascii_uppercase())?;
                }
                Ok(None) if eof => return Ok(()),
                Ok(None) => break,
                Err(e @ framing::FrameError::Truncated { .. }) => {
                    return Err(End::Fault(format!("the client closed mid-frame: {e}")));
                }
                Err(e) => return Err(hostile(&e)),
            }
            // What is left after a whole frame is the start of the next one.
            let rest = decoder.unread(&buf);
            c.frame_next(decoder.frames().saturating_add(1), rest.len());
            head.clear();
            head.extend_from_slice(&rest[..rest.len().min(HEAD)]);
        }
        if let Some(len) = known_frame_len(&params, &head) {
            c.frame_len(len);
        }
    }
}

/// The length of the frame at the start of `stream` (header included), as far as its
/// header says yet; for reports only (the decoder does the checking).
fn known_frame_len(p: &Params, stream: &[u8]) -> Option<u64> {
    match p.framing {
        Framing::Fixed => return Some(u64::from(p.record_size)),
        Framing::Raw | Framing::Line => return None,
        Framing::LengthPrefix | Framing::JsonHeader => {}
    }
    let prefix = header::peek_prefix(stream)?;
    let n = u64::try_from(header::unpack(prefix, p.byte_order)).ok()?;
    let head = header::PREFIX_LEN as u64 + n;
    match p.framing {
        Framing::LengthPrefix => Some(head),
        Framing::JsonHeader => {
            let json = stream.get(header::PREFIX_LEN..usize::try_from(head).ok()?);
            let size = json.and_then(|j| header::parse_json_header(j, p.max_frame).ok());
            Some(head + size.map_or(0, |h| h.size as u64))
        }
        _ => None,
    }
}

/// The remote-command server, made safe: each `recv(1024)` is one command, answered
/// with a canned output (never executed), framed per the framing.
fn command(c: &mut Conn) -> Result<(), End> {
    loop {
        let data = c.recv(c.ctx.opts.recv_size)?;
        if data.is_empty() {
            return Ok(());
        }
        let cmd = String::from_utf8_lossy(&data);
        c.reply(&canned::reply(&cmd))?;
    }
}

/// `udp-echo`: each datagram, as `recvfrom(1024)` kept it, goes back to its sender.
pub(super) fn udp_echo(ctx: &Ctx, s: &UdpSocket) {
    let n = ctx.opts.recv_size.max(1);
    let mut buf = vec![0u8; n];
    while !ctx.stop.is_stopped() {
        match sock::recv_datagram(s, &mut buf) {
            Ok((kept, len, peer)) => {
                ctx.emit(
                    None,
                    ServeEventKind::Datagram {
                        peer,
                        len,
                        bufsize: n,
                        data: Preview::of(&buf[..kept]),
                    },
                );
                match s.send_to(&buf[..kept], peer) {
                    Ok(sent) => ctx.emit(
                        None,
                        ServeEventKind::Reply {
                            bytes: sent,
                            header_len: 0,
                            writes: 1,
                        },
                    ),
                    Err(e) => ctx.emit(
                        None,
                        ServeEventKind::Error {
                            message: format!("sendto {peer} failed: {e}"),
                        },
                    ),
                }
            }
            Err(e) if sock::is_timeout(&e) || e.kind() == std::io::ErrorKind::Interrupted => {}
            // An earlier reply's port was closed (ICMP port unreachable): not our problem.
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionRefused => {}
            Err(e) => {
                ctx.emit(
                    None,
                    ServeEventKind::Error {
                        message: format!("recvfrom failed: {e}"),
                    },
                );
                std::thread::sleep(sock::POLL);
            }
        }
    }
}

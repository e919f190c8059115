//! The server's apps, one connection (or the UDP socket) at a time.

use std::net::{TcpStream, UdpSocket};
use std::time::Duration;

use super::{Ctx, ServeApp, ServeEventKind, canned, upload};
use crate::framing::{self, Decoder};
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

/// One accepted connection.
pub(super) struct Conn<'a> {
    pub ctx: &'a Ctx,
    pub id: u64,
    s: TcpStream,
    pub bytes_in: u64,
    pub bytes_out: u64,
    buf: Vec<u8>,
}

impl Conn<'_> {
    pub fn emit(&self, kind: ServeEventKind) {
        self.ctx.emit(Some(self.id), kind);
    }

    /// One `recv(n)`: the bytes (empty = EOF), reported as they come.
    pub fn recv(&mut self, n: usize) -> Result<Vec<u8>, End> {
        let n = n.max(1);
        if self.buf.len() < n {
            self.buf.resize(n, 0);
        }
        let b = self.ctx.bound(self.ctx.opts.idle_timeout);
        match sock::read_some(&mut self.s, &mut self.buf[..n], b, || false) {
            Ok(k) => {
                let data = self.buf[..k].to_vec();
                if k > 0 {
                    self.bytes_in += k as u64;
                    self.emit(ServeEventKind::Recv {
                        bufsize: n,
                        data: data.clone(),
                    });
                }
                Ok(data)
            }
            Err(f) => Err(fail(f, &format!("recv({n})"))),
        }
    }

    /// `sendall(data)`.
    pub fn send_all(&mut self, mut data: &[u8]) -> Result<(), End> {
        let b = self.ctx.bound(self.ctx.opts.idle_timeout);
        while !data.is_empty() {
            let n = sock::write_some(&mut self.s, data, b).map_err(|f| fail(f, "send()"))?;
            self.bytes_out += n as u64;
            data = &data[n..];
        }
        Ok(())
    }

    /// Sends one reply as the framing says: raw in one write, framed as header and body
    /// (per `header_writes`).
    fn reply(&mut self, body: &[u8]) -> Result<(), End> {
        let params = &self.ctx.opts.params;
        let (pieces, header_len) = if params.framing == Framing::Raw {
            (vec![body.to_vec()], 0)
        } else {
            let enc = framing::encode(params, body);
            (enc.pieces, enc.header_len)
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

fn fail(f: Fail, what: &str) -> End {
    match f {
        Fail::Stopped => End::Stopped,
        Fail::TimedOut(d) => End::Idle(d),
        Fail::Deadlock => End::Stopped,
        Fail::Os(e) => End::Fault(os_error_text(&e, what, 0, 0)),
    }
}

/// A stream the decoder refuses: that connection only is closed.
pub(super) fn hostile(e: &framing::FrameError) -> End {
    End::Fault(format!(
        "hostile frame: {e}; closing this connection (the server keeps serving others)"
    ))
}

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
    let mut c = Conn {
        ctx,
        id,
        s,
        bytes_in: 0,
        bytes_out: 0,
        buf: Vec::new(),
    };
    let result = match ctx.opts.app {
        ServeApp::Upper if ctx.opts.params.framing == Framing::Raw => upper_raw(&mut c),
        ServeApp::Upper => upper_framed(&mut c),
        ServeApp::Command => command(&mut c),
        ServeApp::Upload => upload::serve(&mut c),
        ServeApp::UdpEcho => Ok(()),
    };
    let reason = match result {
        Ok(()) => "the client closed the connection".to_string(),
        Err(End::Fault(message)) => {
            c.emit(ServeEventKind::Error { message });
            "closed by the server after the error above".to_string()
        }
        Err(End::Stopped) => "the server is stopping".to_string(),
        Err(End::Idle(d)) => format!("nothing received for {} s", d.as_secs()),
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
    let mut decoder = Decoder::new(&c.ctx.opts.params);
    let mut buf = Vec::new();
    loop {
        let data = c.recv(c.ctx.opts.recv_size)?;
        let eof = data.is_empty();
        buf.extend_from_slice(&data);
        loop {
            let frame = if eof {
                decoder.decode_eof(&mut buf)
            } else {
                decoder.decode(&mut buf)
            };
            match frame {
                Ok(Some(f)) => {
                    c.emit(ServeEventKind::Frame {
                        index: decoder.frames(),
                        body: f.body.clone(),
                        header: f.header.map(|h| h.raw),
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
        }
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
                        data: buf[..kept].to_vec(),
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

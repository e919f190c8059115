//! One accepted TCP connection of the live server: its socket, its byte counts, and the
//! `recv`/`send` calls every app makes through it (each `recv` is reported as it comes).

use std::net::TcpStream;
use std::time::Duration;

use super::{Ctx, ServeEventKind};
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

/// One accepted connection.
pub(super) struct Conn<'a> {
    pub ctx: &'a Ctx,
    pub id: u64,
    s: TcpStream,
    pub bytes_in: u64,
    pub bytes_out: u64,
    buf: Vec<u8>,
}

impl<'a> Conn<'a> {
    pub fn new(ctx: &'a Ctx, id: u64, s: TcpStream) -> Conn<'a> {
        Conn {
            ctx,
            id,
            s,
            bytes_in: 0,
            bytes_out: 0,
            buf: Vec::new(),
        }
    }

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
    pub fn reply(&mut self, body: &[u8]) -> Result<(), End> {
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

//! One side's program on a real socket: the same actions, in the same order, with the
//! same events as the model's programs (`model::Sim`), where real sockets have them.

use std::net::{TcpStream, UdpSocket};
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use super::record::Recorder;
use super::sock::{self, Bound, Fail};
use crate::framing::{self, ReadStep, Reader};
use crate::params::{Framing, Params};
use crate::scenario::{Action, Step};
use crate::trace::{Call, EventKind, PyExc, Side};

/// What a program talks through.
pub(super) enum Conn {
    Tcp(TcpStream),
    /// A connected UDP socket. The run owns it until both programs end, so datagrams
    /// sent to a program that has ended are queued and ignored, as in the model.
    Udp(Arc<UdpSocket>),
}

pub(super) struct Program<'a> {
    pub side: Side,
    pub rec: &'a Recorder,
    pub params: &'a Params,
    pub stop: &'a AtomicBool,
    pub io_timeout: Duration,
    pub conn: Option<Conn>,
    /// Messages delivered by `recv_message` so far.
    pub delivered: u32,
    /// `line` framing: bytes a `recv_message` received past its message (readline's
    /// buffer), read by the next one before it calls `recv`.
    pub carry: Vec<u8>,
    pub buf: Vec<u8>,
    /// `settimeout`: `None` blocks, zero is non-blocking.
    pub timeout: Option<Duration>,
}

/// How a program ended.
enum End {
    /// It finished or closed (or crashed like a Python program on an exception).
    Finished,
    /// It waits for something that can never come, or was stopped: no `ProgramEnd`,
    /// as in the model.
    Stuck,
}

impl Program<'_> {
    fn bound(&self) -> Bound<'_> {
        Bound {
            stop: self.stop,
            timeout: self.io_timeout,
        }
    }

    fn udp(&self) -> bool {
        matches!(self.conn, Some(Conn::Udp(_)))
    }

    pub fn run(mut self, steps: &[Step]) {
        let mut end = End::Finished;
        for (line, step) in steps.iter().enumerate() {
            match self.step(line, &step.action) {
                Ok(true) => {}
                Ok(false) => break,
                Err(e) => {
                    end = e;
                    break;
                }
            }
        }
        self.close();
        self.rec
            .program_done(self.side, matches!(end, End::Finished));
    }

    fn emit(&self, kind: EventKind) {
        self.rec.emit(self.side, kind, None);
    }

    /// A framing error (the decoder's, or the correct sender refusing a body): noted and
    /// recorded; the caller ends the program.
    fn stop_on(&self, line: usize, error: String) {
        self.rec.note(format!(
            "{} stops: {error} (action {})",
            self.side.name(),
            line + 1
        ));
        self.emit(EventKind::DecodeError { line, error });
    }

    /// Runs one action. `Ok(false)`: the program ends here (close, or a crash).
    fn step(&mut self, line: usize, action: &Action) -> Result<bool, End> {
        // A blocking send() copies everything; with a timeout or non-blocking, one
        // write of what fits (the short count).
        let blocking = self.timeout.is_none();
        match action {
            Action::Send(data) => self.write(
                line,
                Call::Send { len: data.len() },
                data,
                vec![data.to_vec()],
                (0, 0, 0),
                blocking,
            ),
            Action::Sendall(data) => {
                let call = Call::Sendall { len: data.len() };
                self.write(line, call, data, vec![data.to_vec()], (0, 0, 0), true)
            }
            Action::SendMessage(data) => {
                let call = Call::SendMessage { len: data.len() };
                if self.params.framing == Framing::Raw || self.udp() {
                    // The naive program: one send(), whatever it accepts.
                    self.write(line, call, data, vec![data.to_vec()], (0, 0, 0), blocking)
                } else {
                    match framing::send_frame(self.params, data) {
                        Ok(enc) => {
                            let frame = (enc.header_len, enc.trailer_len, enc.escapes);
                            self.write(line, call, data, enc.pieces, frame, true)
                        }
                        // The correct program refuses a body it cannot frame, as the
                        // model does: it raises and stops.
                        // The message counts as sent (and lost): the program meant to.
                        Err(e) => {
                            self.rec.register(self.side.tx_dir(), data, (0, 0, 0));
                            self.emit(EventKind::AppCall { line, call });
                            self.stop_on(line, e.to_string());
                            Ok(false)
                        }
                    }
                }
            }
            Action::Recv(n) => self.recv_action(line, *n, false),
            Action::RecvMessage(n) => self.recv_action(line, *n, true),
            Action::Sleep(ms) => {
                let call = Call::Sleep { ms: *ms };
                self.emit(EventKind::AppCall {
                    line,
                    call: call.clone(),
                });
                self.sleep_ms(*ms)?;
                self.emit(EventKind::AppReturn { line, call, ret: 0 });
                Ok(true)
            }
            Action::SetTimeout(seconds) => {
                let call = Call::SetTimeout { seconds: *seconds };
                self.emit(EventKind::AppCall {
                    line,
                    call: call.clone(),
                });
                self.timeout = Some(Duration::from_secs_f64(seconds.max(0.0)));
                self.emit(EventKind::AppReturn { line, call, ret: 0 });
                Ok(true)
            }
            Action::Close => {
                self.emit(EventKind::AppCall {
                    line,
                    call: Call::Close,
                });
                self.close();
                self.emit(EventKind::AppReturn {
                    line,
                    call: Call::Close,
                    ret: 0,
                });
                // The program ends with its socket, as in the model.
                Ok(false)
            }
        }
    }

    fn sleep_ms(&self, ms: f64) -> Result<(), End> {
        let d = Duration::from_micros(crate::params::ms_to_us(ms));
        if self.bound().sleep(d) {
            Ok(())
        } else {
            self.rec
                .note(format!("{} was stopped in a sleep", self.side.name()));
            Err(End::Stuck)
        }
    }

    /// `send` / `sendall` / `send_message`: `all` = write every piece completely
    /// (`sendall`), else one `write()` of the single piece.
    fn write(
        &mut self,
        line: usize,
        call: Call,
        body: &[u8],
        pieces: Vec<Vec<u8>>,
        frame: (usize, usize, usize),
        all: bool,
    ) -> Result<bool, End> {
        let dir = self.side.tx_dir();
        let (header_len, trailer_len, escapes) = frame;
        let frame = (header_len as u64, trailer_len as u64, escapes as u64);
        let msg = self.rec.register(dir, body, frame);
        self.emit(EventKind::AppCall {
            line,
            call: call.clone(),
        });
        let wanted: usize = pieces.iter().map(Vec::len).sum();
        if self.udp() {
            return self.send_datagram(line, call, msg, &pieces.concat());
        }
        let mut copied = 0usize;
        let mut fault = None;
        // Python's sendall has one deadline for the whole call.
        let deadline = self.deadline();
        'pieces: for piece in &pieces {
            let mut off = 0;
            while off < piece.len() {
                match self.write_once(msg, &piece[off..], deadline) {
                    Ok(n) => {
                        off += n;
                        copied += n;
                    }
                    Err(f) => {
                        fault = Some(f);
                        break 'pieces;
                    }
                }
                if !all {
                    break 'pieces;
                }
            }
        }
        self.rec.message_done(dir, msg);
        if let Some(f) = fault {
            return Err(self.fail(line, &call, f, copied as u64, wanted));
        }
        self.emit(EventKind::AppReturn {
            line,
            call,
            ret: copied,
        });
        if copied < wanted {
            self.emit(EventKind::SendShort {
                wanted,
                accepted: copied,
            });
        }
        Ok(true)
    }

    /// With a timeout set, when a call starting now gives up.
    fn deadline(&self) -> Option<std::time::Instant> {
        self.timeout
            .filter(|t| !t.is_zero())
            .map(|t| std::time::Instant::now() + t)
    }

    /// One `write()` of at least one byte (or a failure). With a timeout, as Python
    /// does it: wait for room until `deadline`, then copy what fits; non-blocking: copy
    /// what fits now.
    fn write_once(
        &mut self,
        msg: usize,
        data: &[u8],
        deadline: Option<std::time::Instant>,
    ) -> Result<usize, Fail> {
        let b = Bound {
            stop: self.stop,
            timeout: self.io_timeout,
        };
        let timeout = self.timeout;
        self.rec.begin_write(self.side, msg, data);
        let Some(Conn::Tcp(s)) = self.conn.as_mut() else {
            self.rec.end_write(self.side, msg, 0);
            return Err(Fail::Os(std::io::ErrorKind::NotConnected.into()));
        };
        let r = match timeout {
            None => sock::write_some(s, data, b),
            Some(_) => sock::write_until(s, data, b, deadline),
        };
        self.rec
            .end_write(self.side, msg, *r.as_ref().unwrap_or(&0));
        r
    }

    fn send_datagram(
        &mut self,
        line: usize,
        call: Call,
        msg: usize,
        data: &[u8],
    ) -> Result<bool, End> {
        let Some(Conn::Udp(s)) = self.conn.as_ref() else {
            return Ok(false);
        };
        let s = Arc::clone(s);
        let b = self.bound();
        self.rec.begin_datagram(self.side, msg, data);
        let r = b.retry(|| s.send(data), || false);
        let sent = matches!(r, Ok(n) if n == data.len());
        self.rec.end_datagram(self.side, msg, sent);
        self.rec.message_done(self.side.tx_dir(), msg);
        match r {
            Ok(n) => {
                self.emit(EventKind::AppReturn { line, call, ret: n });
                Ok(true)
            }
            Err(f) => Err(self.fail(line, &call, f, 0, data.len())),
        }
    }

    fn recv_action(&mut self, line: usize, n: u32, message: bool) -> Result<bool, End> {
        let bufsize = self.params.recv_size.unwrap_or(n) as usize;
        let call = if message {
            Call::RecvMessage { bufsize }
        } else {
            Call::Recv { bufsize }
        };
        self.emit(EventKind::AppCall {
            line,
            call: call.clone(),
        });
        if let Some(ms) = self.params.recv_delay_ms {
            // The receiver-delay knob: a sleep before every recv / recv_message.
            self.emit(EventKind::AppCall {
                line,
                call: Call::Sleep { ms },
            });
            self.sleep_ms(ms)?;
            self.emit(EventKind::AppReturn {
                line,
                call: Call::Sleep { ms },
                ret: 0,
            });
        }
        if !message {
            return match self.recv(line, bufsize) {
                Ok(_) => Ok(true),
                Err(f) => Err(self.fail(line, &call, f, 0, 0)),
            };
        }
        let carry = std::mem::take(&mut self.carry);
        let mut reader = Reader::new(self.params, bufsize, self.delivered + 1).with_carry(carry);
        loop {
            match reader.next() {
                ReadStep::Recv(want) => {
                    self.emit(EventKind::AppCall {
                        line,
                        call: Call::Recv { bufsize: want },
                    });
                    match self.recv(line, want) {
                        Ok(data) => reader.feed(&data),
                        Err(f) => return Err(self.fail(line, &call, f, reader.received(), 0)),
                    }
                }
                ReadStep::Message(frame) => {
                    self.carry = reader.take_carry();
                    if let Some(h) = &frame.header {
                        let header = Box::new(crate::trace::HeaderText {
                            json: h.raw.clone(),
                            md5: h.md5.to_string(),
                        });
                        self.emit(EventKind::FrameHeader { line, header });
                    }
                    self.delivered += 1;
                    let len = frame.body.len();
                    self.emit(EventKind::Deliver {
                        line,
                        index: self.delivered,
                        data: frame.body.into_boxed_slice(),
                    });
                    self.emit(EventKind::AppReturn {
                        line,
                        call,
                        ret: len,
                    });
                    return Ok(true);
                }
                ReadStep::Eof => {
                    self.emit(EventKind::AppReturn { line, call, ret: 0 });
                    return Ok(true);
                }
                ReadStep::Error(e) => {
                    // The program stops on the exception and its socket closes.
                    self.stop_on(line, e.to_string());
                    return Ok(false);
                }
            }
        }
    }

    /// One `recv(n)`: the bytes it returned (empty = EOF on TCP), with its events.
    fn recv(&mut self, line: usize, n: usize) -> Result<Vec<u8>, Fail> {
        let n = n.max(1);
        if self.buf.len() < n {
            self.buf.resize(n, 0);
        }
        let side = self.side;
        let rec = self.rec;
        let b = Bound {
            stop: self.stop,
            timeout: self.io_timeout,
        };
        rec.set_blocked(side, true);
        let udp = self.udp();
        let give_up = || rec.nothing_can_arrive(side, udp);
        let buf = &mut self.buf[..n];
        let deadline = self
            .timeout
            .filter(|t| !t.is_zero())
            .map(|t| std::time::Instant::now() + t);
        let r = match self.conn.as_mut() {
            Some(Conn::Tcp(s)) => match self.timeout {
                None => sock::read_some(s, buf, b, give_up),
                Some(_) => sock::read_until(s, buf, b, deadline),
            }
            .map(|k| {
                rec.tcp_read(side, line, n, &buf[..k]);
                buf[..k].to_vec()
            }),
            Some(Conn::Udp(s)) => {
                let s = Arc::clone(s);
                match self.timeout {
                    None => b.retry(|| sock::recv_datagram(&s, buf), give_up),
                    Some(_) => sock::recv_datagram_until(&s, buf, b, deadline),
                }
                .map(|(kept, len, _)| {
                    rec.udp_read(side, line, n, &buf[..kept], len);
                    buf[..kept].to_vec()
                })
            }
            None => Err(Fail::Os(std::io::ErrorKind::NotConnected.into())),
        };
        rec.set_blocked(side, false);
        r
    }

    /// A call that could not complete: an event and a note that say why; the program
    /// stops (a Python program would raise).
    fn fail(&mut self, line: usize, call: &Call, f: Fail, done: u64, wanted: usize) -> End {
        let what = call.text();
        let who = self.side.name();
        let (reason, end) = match &f {
            Fail::Stopped => (format!("stopped by the user in {what}"), End::Stuck),
            Fail::Deadlock => (
                format!(
                    "blocked forever in {what}: nothing more will arrive (the peer waits too, or has ended)"
                ),
                End::Stuck,
            ),
            Fail::TimedOut(d) => (
                format!(
                    "{what} made no progress for {} s: giving up",
                    d.as_secs_f64()
                ),
                End::Stuck,
            ),
            Fail::Os(e) => (os_error_text(e, &what, done, wanted), End::Finished),
        };
        // The exceptions a Python program sees are reported as the model reports them.
        let exc = match &f {
            Fail::Os(e) => py_exception(e),
            _ => None,
        };
        match exc {
            Some(exc) => self.emit(EventKind::Exception { line, exc }),
            None => self.emit(EventKind::NetError {
                line,
                error: reason.clone(),
            }),
        }
        let note = match f {
            Fail::Deadlock => format!(
                "{who} is blocked forever in {what} (action {}): nothing more will arrive",
                line + 1
            ),
            _ => format!("{who}: {reason} (action {})", line + 1),
        };
        self.rec.note(note);
        if matches!(f, Fail::Deadlock) {
            // Let the peer notice the deadlock too before this socket closes, or it
            // would read an EOF instead.
            for _ in 0..40 {
                if !self.rec.peer_waiting(self.side) {
                    break;
                }
                std::thread::sleep(sock::POLL / 2);
            }
        }
        end
    }

    fn close(&mut self) {
        if let Some(Conn::Tcp(s)) = self.conn.take() {
            // Python's close(): the descriptor goes. With unread data in the receive
            // buffer, Linux answers with a reset (RST), as real servers do.
            drop(s);
        }
    }
}

/// The Python exception an OS error is, where the model has it.
fn py_exception(e: &std::io::Error) -> Option<PyExc> {
    use std::io::ErrorKind as K;
    match e.kind() {
        K::ConnectionReset => Some(PyExc::ConnectionReset),
        K::BrokenPipe => Some(PyExc::BrokenPipe),
        K::TimedOut => Some(PyExc::Timeout),
        K::WouldBlock => Some(PyExc::BlockingIo),
        _ => None,
    }
}

/// "connection reset by peer (RST) in recv(1024)", with byte counts where they help.
pub(super) fn os_error_text(e: &std::io::Error, what: &str, done: u64, wanted: usize) -> String {
    use std::io::ErrorKind as K;
    let base = match e.kind() {
        K::ConnectionReset => "connection reset by the peer (RST)".to_string(),
        K::BrokenPipe => "broken pipe: the peer has closed (EPIPE)".to_string(),
        K::ConnectionRefused => {
            "connection refused (nothing listens, or ICMP port unreachable)".to_string()
        }
        K::ConnectionAborted => "connection aborted".to_string(),
        _ => format!("error: {e}"),
    };
    let mut s = format!("{base} in {what}");
    if wanted > 0 {
        s.push_str(&format!(" after {done} of {wanted} bytes"));
    } else if done > 0 {
        s.push_str(&format!(" after {done} bytes of the message"));
    }
    s
}

#[cfg(test)]
mod tests {
    use crate::realnet::{RealOptions, run};
    use crate::scenario::parse;
    use crate::trace::{Call, EventKind, PyExc, Side, Trace};

    fn both(text: &str) -> (Trace, Trace) {
        let s = parse(text, "inline.toml").expect("valid scenario");
        let real = run(&s, &s.params, &RealOptions::default()).expect("real run");
        let sim = crate::model::run(&s, &s.params).expect("model run");
        (real.trace, sim)
    }

    fn raised(t: &Trace, side: Side) -> Vec<(usize, PyExc, u64)> {
        t.events
            .iter()
            .filter_map(|e| match e.kind {
                EventKind::Exception { line, exc } if e.side == side => Some((line, exc, e.t_us)),
                _ => None,
            })
            .collect()
    }

    // ---- Tests for settimeout on real sockets ------------------------------------------

    #[test]
    fn a_recv_with_a_timeout_raises_after_it_as_in_the_model() {
        let (real, sim) = both(
            "[meta]\ntitle = \"t\"\n[[client]]\nsettimeout = 0.2\n[[client]]\nrecv = 10\n\
             [[server]]\nsleep_ms = 400\n",
        );
        let (r, m) = (raised(&real, Side::Client), raised(&sim, Side::Client));
        assert_eq!(r.len(), 1, "{r:?}");
        assert_eq!((r[0].0, r[0].1), (m[0].0, m[0].1));
        assert_eq!(m[0].1, PyExc::Timeout);
        assert!(r[0].2 >= 200_000, "not before the timeout: {} µs", r[0].2);
    }

    #[test]
    fn non_blocking_calls_raise_blocking_io_error_as_in_the_model() {
        let (real, sim) = both(
            "[meta]\ntitle = \"t\"\n[[client]]\nsettimeout = 0\n[[client]]\nrecv = 10\n\
             [[server]]\nsleep_ms = 100\n",
        );
        assert_eq!(raised(&real, Side::Client)[0].1, PyExc::BlockingIo);
        assert_eq!(raised(&sim, Side::Client)[0].1, PyExc::BlockingIo);
    }

    #[test]
    fn a_blocking_send_returns_everything() {
        let (real, _) = both(
            "[meta]\ntitle = \"t\"\n[[client]]\nsend = { size = 300000 }\n[[client]]\nclose = true\n\
             [[server]]\nsleep_ms = 100\n[[server]]\nrecv = 1000000\nrepeat = 400\n",
        );
        let ret = real.events.iter().find_map(|e| match e.kind {
            EventKind::AppReturn {
                call: Call::Send { .. },
                ret,
                ..
            } => Some(ret),
            _ => None,
        });
        assert_eq!(ret, Some(300_000));
        let got: usize = crate::analysis::recv_results(&real)
            .iter()
            .map(|r| r.data.len())
            .sum();
        assert_eq!(got, 300_000);
    }
}

//! The program interpreter: each side's actions as application calls on the endpoint,
//! where they block and when they go on. It reads side by side with
//! `realnet/program.rs`, which runs the same actions on real sockets with the same
//! events.

use crate::framing::{self, ReadStep, Reader};
use crate::params::{Framing, Transport, ms_to_us};
use crate::scenario::{Action, Step};
use std::sync::Arc;

use crate::trace::{
    BlockReason, Call, ChunkRef, Dir, EventKind, Micros, PyExc, Received, SentMessage, Side,
    recv_events,
};

use super::{Pending, Sim};

/// One side's program and where it is.
#[derive(Clone, Debug)]
pub(super) struct App {
    /// The program, shared by the copies of a simulation (never changed).
    pub(super) steps: Arc<[Step]>,
    /// Index of the current (or next) action.
    pub(super) pc: usize,
    op: Option<Op>,
    pub(super) block: Block,
    /// The program has closed its socket (or ended).
    pub(super) closed: bool,
    pub(super) done: bool,
    /// `settimeout`: `None` blocks without limit, `Some(0)` is non-blocking.
    timeout: Option<Micros>,
    /// Counts the waits, so a timeout meant for an earlier one is ignored.
    wait: u64,
    /// `line` framing: bytes a `recv_message` received past its message (readline's
    /// buffer), read by the next one before it calls `recv`.
    carry: Vec<u8>,
}

impl App {
    pub(super) fn new(steps: &Arc<[Step]>) -> App {
        App {
            steps: Arc::clone(steps),
            pc: 0,
            op: None,
            block: Block::None,
            closed: false,
            done: false,
            timeout: None,
            wait: 0,
            carry: Vec::new(),
        }
    }

    /// When a call that may wait from `now` gives up, with a timeout set.
    fn deadline(&self, now: Micros) -> Option<Micros> {
        self.timeout.filter(|&t| t > 0).map(|t| now + t)
    }

    fn non_blocking(&self) -> bool {
        self.timeout == Some(0)
    }
}

/// A message's framing bytes around its body: (header, trailer, escapes).
type Frame = (usize, usize, usize);
const NO_FRAME: Frame = (0, 0, 0);

/// The call a program is in the middle of.
#[derive(Clone, Debug)]
enum Op {
    /// `send_message` refused its body (the framing error's text): it raises.
    Refused(String),
    Write(WriteOp),
    Read(ReadOp),
    Sleep {
        call: Call,
    },
    Close,
}

impl Op {
    fn call(&self) -> Call {
        match self {
            Op::Write(w) => w.call.clone(),
            Op::Read(r) => r.call.clone(),
            Op::Sleep { call } => call.clone(),
            Op::Refused(_) => Call::SendMessage { len: 0 },
            Op::Close => Call::Close,
        }
    }
}

/// A `send`, `sendall` or `send_message` in progress: the pieces to copy into the send
/// buffer (a frame's header and body may be separate writes) and how far it got.
#[derive(Clone, Debug)]
struct WriteOp {
    call: Call,
    pieces: Vec<Arc<[u8]>>,
    piece: usize,
    /// Bytes of `pieces[piece]` already copied.
    offset: usize,
    /// `sendall` semantics: block until everything is copied.
    all: bool,
    /// The message's index in `trace.messages`.
    msg: usize,
    copied: usize,
    /// With a timeout: when the call gives up (Python's `sendall` has one deadline for
    /// the whole call).
    deadline: Option<Micros>,
}

impl WriteOp {
    fn new(call: Call, pieces: Vec<Arc<[u8]>>, all: bool, msg: usize) -> WriteOp {
        WriteOp {
            call,
            pieces,
            piece: 0,
            offset: 0,
            all,
            msg,
            copied: 0,
            deadline: None,
        }
    }

    fn is_done(&self) -> bool {
        self.piece >= self.pieces.len()
    }

    /// What is left of the current piece.
    fn rest(&self) -> &[u8] {
        self.pieces
            .get(self.piece)
            .map_or(&[], |p| &p[self.offset..])
    }

    /// The first `n` bytes of [`WriteOp::rest`] were copied.
    fn copied(&mut self, n: usize) {
        self.copied += n;
        self.offset += n;
        if self.offset == self.pieces[self.piece].len() {
            self.piece += 1;
            self.offset = 0;
        }
    }

    fn wanted(&self) -> usize {
        self.pieces.iter().map(|p| p.len()).sum()
    }
}

/// A `recv` or `recv_message` in progress.
#[derive(Clone, Debug)]
struct ReadOp {
    call: Call,
    /// The decoder loop of a `recv_message`; `None` for a plain `recv`.
    reader: Option<Box<Reader>>,
    bufsize: usize,
    delay: Delay,
    /// An inner `recv(n)` that has been called but has not returned.
    inner: Option<usize>,
    /// With a timeout: when the current `recv` gives up.
    deadline: Option<Micros>,
}

/// The receiver-delay knob's sleep in front of a read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Delay {
    Before,
    Sleeping,
    Over,
}

/// What a program waits for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Block {
    None,
    /// Waiting for send-buffer space.
    Send,
    /// Waiting for data or EOF.
    Recv,
    /// Sleeping (or in the receiver delay) until a timer.
    Timer,
}

impl Block {
    /// What the trace says about the wait (a sleep is not reported as blocking).
    fn reason(self) -> Option<BlockReason> {
        match self {
            Block::Send => Some(BlockReason::SendBufferFull),
            Block::Recv => Some(BlockReason::RecvBufferEmpty),
            Block::None | Block::Timer => None,
        }
    }
}

/// How far a call got.
enum Outcome {
    Done,
    /// It waits; the op is kept to go on later (until `deadline`, with a timeout).
    Pending(Op, Block, Option<Micros>),
    /// The call raised: the program stops.
    Raised(PyExc),
    /// The decoder failed: the program stops (the event is already out).
    Crashed,
}

impl Sim {
    /// Programs that never finished: blocked forever once the run is idle.
    pub fn stuck(&self) -> Vec<(Side, usize, String)> {
        [Side::Client, Side::Server]
            .into_iter()
            .filter_map(|side| {
                let app = &self.apps[side.index()];
                if app.done {
                    return None;
                }
                let what = match &app.op {
                    Some(op) => op.call().text(),
                    None => "(between actions)".to_string(),
                };
                Some((side, app.pc, what))
            })
            .collect()
    }

    pub(super) fn app_step(&mut self, side: Side) {
        let app = &self.apps[side.index()];
        if app.done || app.op.is_some() {
            return;
        }
        if app.pc >= app.steps.len() {
            // A program that ends without close() closes implicitly.
            self.finish(side);
            return;
        }
        let line = app.pc;
        let action = app.steps[line].action.clone();
        let op = self.start_op(side, line, action);
        self.apps[side.index()].op = Some(op);
        self.advance(side);
    }

    pub(super) fn app_resume(&mut self, side: Side) {
        if self.apps[side.index()].op.is_some() {
            self.apps[side.index()].block = Block::None;
            self.advance(side);
        }
    }

    /// A blocked call may go on: checked again now.
    pub(super) fn wake(&mut self, side: Side) {
        let app = &mut self.apps[side.index()];
        app.block = Block::None;
        app.wait += 1;
        self.schedule(self.now, Pending::AppResume(side));
    }

    /// A wait's timeout expired: the call looks again, finds nothing and raises.
    pub(super) fn call_timeout(&mut self, side: Side, wait: u64) {
        let app = &self.apps[side.index()];
        if app.wait == wait && matches!(app.block, Block::Send | Block::Recv) {
            self.wake(side);
        }
    }

    fn bufsize(&self, n: u32) -> usize {
        self.params.recv_size.unwrap_or(n) as usize
    }

    fn app_call(&mut self, side: Side, line: usize, call: &Call) {
        let call = call.clone();
        self.emit(side, EventKind::AppCall { line, call }, None);
    }

    fn app_return(&mut self, side: Side, line: usize, call: Call, ret: usize) {
        self.emit(side, EventKind::AppReturn { line, call, ret }, None);
    }

    fn start_op(&mut self, side: Side, line: usize, action: Action) -> Op {
        let dir = side.tx_dir();
        let write = |sim: &mut Sim, call: Call, pieces, frame: Frame, body, all| {
            let msg = sim.new_message(dir, body, frame);
            sim.app_call(side, line, &call);
            let mut w = WriteOp::new(call, pieces, all, msg);
            w.deadline = sim.apps[side.index()].deadline(sim.now);
            Op::Write(w)
        };
        // A blocking `send` waits until everything is copied; only a timeout or a
        // non-blocking socket gives a short count.
        let blocking = self.apps[side.index()].timeout.is_none();
        match action {
            Action::Send(data) => {
                let call = Call::Send { len: data.len() };
                write(self, call, vec![data.clone()], NO_FRAME, data, blocking)
            }
            Action::Sendall(data) => {
                let call = Call::Sendall { len: data.len() };
                write(self, call, vec![data.clone()], NO_FRAME, data, true)
            }
            Action::SendMessage(data) => {
                let call = Call::SendMessage { len: data.len() };
                if self.params.framing == Framing::Raw {
                    // The naive program: one send(), whatever it accepts.
                    write(self, call, vec![data.clone()], NO_FRAME, data, blocking)
                } else {
                    match framing::send_frame(&self.params, &data) {
                        Ok(enc) => {
                            let frame = (enc.header_len, enc.trailer_len, enc.escapes);
                            let pieces = enc.pieces.into_iter().map(Arc::from).collect();
                            write(self, call, pieces, frame, data, true)
                        }
                        // The correct program refuses a body it cannot frame: like
                        // Python's `raise ValueError`, the program stops there.
                        // The message counts as sent (and lost): the program meant to.
                        Err(e) => {
                            self.new_message(dir, data, NO_FRAME);
                            self.app_call(side, line, &call);
                            Op::Refused(e.to_string())
                        }
                    }
                }
            }
            Action::Recv(n) | Action::RecvMessage(n) => {
                let bufsize = self.bufsize(n);
                let reader = match action {
                    Action::RecvMessage(_) => {
                        let frame = self.delivered[side.peer().tx_dir().index()] + 1;
                        let carry = std::mem::take(&mut self.apps[side.index()].carry);
                        let reader = Reader::new(&self.params, bufsize, frame).with_carry(carry);
                        Some(Box::new(reader))
                    }
                    _ => None,
                };
                let call = if reader.is_some() {
                    Call::RecvMessage { bufsize }
                } else {
                    Call::Recv { bufsize }
                };
                self.app_call(side, line, &call);
                let delay = if self.params.recv_delay_ms.is_some() {
                    Delay::Before
                } else {
                    Delay::Over
                };
                Op::Read(ReadOp {
                    call,
                    reader,
                    bufsize,
                    delay,
                    inner: None,
                    deadline: None,
                })
            }
            Action::SetTimeout(seconds) => {
                let call = Call::SetTimeout { seconds };
                self.app_call(side, line, &call);
                self.apps[side.index()].timeout = Some(ms_to_us(seconds * 1000.0));
                Op::Sleep { call }
            }
            Action::Sleep(ms) => {
                let call = Call::Sleep { ms };
                self.app_call(side, line, &call);
                let at = self.now + ms_to_us(ms);
                self.apps[side.index()].block = Block::Timer;
                self.schedule(at, Pending::AppResume(side));
                Op::Sleep { call }
            }
            Action::Close => {
                self.app_call(side, line, &Call::Close);
                Op::Close
            }
        }
    }

    /// Registers a message the application is sending; `frame` is its framing's bytes
    /// around the body (header, trailer, escapes).
    fn new_message(&mut self, dir: Dir, data: Arc<[u8]>, frame: Frame) -> usize {
        let (header_len, trailer_len, escapes) = frame;
        let id = self.msg_index[dir.index()].len() as u32 + 1;
        let offset = self.streams[dir.index()].len() as u64;
        let message = SentMessage {
            dir,
            id,
            data,
            offset,
            header_len: header_len as u64,
            trailer_len: trailer_len as u64,
            escapes: escapes as u64,
            accepted: 0,
        };
        // A replayed message is found with its final `accepted` (see `accepted`).
        self.messages.push_by(message, |a, b| {
            (
                a.dir,
                a.id,
                a.offset,
                a.header_len,
                a.trailer_len,
                a.escapes,
            ) == (
                b.dir,
                b.id,
                b.offset,
                b.header_len,
                b.trailer_len,
                b.escapes,
            ) && a.data == b.data
        });
        let idx = self.messages.len() - 1;
        self.msg_index[dir.index()].push_by(idx, |a, b| a == b);
        idx
    }

    /// A write of message `msg` to `dir` went on: it has accepted the stream's bytes
    /// since its offset (the message being written is the direction's last). A copy
    /// replaying a recorded run finds the run's final count there, never less.
    fn accepted(&mut self, msg: usize, dir: Dir) {
        let accepted =
            self.streams[dir.index()].len() as u64 - self.messages.as_slice()[msg].offset;
        if self.messages.as_slice()[msg].accepted < accepted {
            self.messages.make_mut()[msg].accepted = accepted;
        }
    }

    /// Drives the current call as far as it can go now.
    fn advance(&mut self, side: Side) {
        let s = side.index();
        let Some(op) = self.apps[s].op.take() else {
            return;
        };
        let line = self.apps[s].pc;
        let outcome = match op {
            Op::Refused(error) => {
                self.emit(side, EventKind::DecodeError { line, error }, None);
                self.close(side);
                Outcome::Crashed
            }
            Op::Write(w) => self.advance_write(side, line, w),
            Op::Read(r) => self.advance_read(side, line, r),
            Op::Sleep { call } => {
                if self.apps[s].block == Block::Timer {
                    self.apps[s].op = Some(Op::Sleep { call });
                    return;
                }
                self.app_return(side, line, call, 0);
                Outcome::Done
            }
            Op::Close => {
                let call = Call::Close;
                self.app_return(side, line, call, 0);
                // The program ends with its socket: later actions would use a closed socket.
                self.finish(side);
                return;
            }
        };
        match outcome {
            Outcome::Done => {
                self.apps[s].pc += 1;
                self.schedule(self.now, Pending::AppStep(side));
            }
            Outcome::Pending(op, block, deadline) => {
                if let Some(reason) = block.reason() {
                    self.emit(side, EventKind::AppBlocked { line, reason }, None);
                }
                let app = &mut self.apps[s];
                app.block = block;
                app.op = Some(op);
                app.wait += 1;
                if let Some(t) = deadline.filter(|_| block.reason().is_some()) {
                    let wait = app.wait;
                    self.schedule(t, Pending::CallTimeout(side, wait));
                }
            }
            Outcome::Raised(exc) => {
                self.emit(side, EventKind::Exception { line, exc }, None);
                self.finish(side);
            }
            Outcome::Crashed => self.finish(side),
        }
    }

    fn advance_write(&mut self, side: Side, line: usize, mut w: WriteOp) -> Outcome {
        let dir = side.tx_dir();
        if self.params.transport == Transport::Udp {
            // Each send is one datagram, whole; there is no send buffer to fill.
            let data: Vec<u8> = w.pieces.concat();
            let len = data.len();
            let start = self.streams[dir.index()].len() as u64;
            self.streams[dir.index()].extend(&data);
            self.accepted(w.msg, dir);
            let call = w.call;
            self.app_return(side, line, call, len);
            self.send_datagram(dir, start, len);
            return Outcome::Done;
        }
        if let Some(exc) = self.send_error(side) {
            return Outcome::Raised(exc);
        }
        while !w.is_done() {
            let room = self.send_room(side);
            if room == 0 {
                if !w.all && w.copied > 0 {
                    break;
                }
                let app = &self.apps[side.index()];
                if app.non_blocking() || w.deadline.is_some_and(|t| self.now >= t) {
                    let exc = if app.non_blocking() {
                        PyExc::BlockingIo
                    } else {
                        PyExc::Timeout
                    };
                    return Outcome::Raised(exc);
                }
                let deadline = w.deadline;
                return Outcome::Pending(Op::Write(w), Block::Send, deadline);
            }
            let n = w.rest().len().min(room);
            let start = self.buffer_write(side, &w.rest()[..n]);
            self.accepted(w.msg, dir);
            w.copied(n);
            let buffered = self.send_buffered(side);
            let chunk = self.range(dir, start, start + n as u64);
            self.emit(side, EventKind::SendBufWrite { buffered }, Some(chunk));
            if !w.all {
                break;
            }
            // sendall: each copy is a write the sender reacts to.
            if !w.is_done() {
                self.try_send(side);
            }
        }
        let (wanted, accepted) = (w.wanted(), w.copied);
        let call = w.call;
        self.app_return(side, line, call, accepted);
        if accepted < wanted {
            self.emit(side, EventKind::SendShort { wanted, accepted }, None);
        }
        self.try_send(side);
        Outcome::Done
    }

    fn advance_read(&mut self, side: Side, line: usize, mut r: ReadOp) -> Outcome {
        // The receiver-delay knob: a sleep before every recv / recv_message.
        let ms = self.params.recv_delay_ms.unwrap_or(0.0);
        match r.delay {
            Delay::Before => {
                self.app_call(side, line, &Call::Sleep { ms });
                self.schedule(self.now + ms_to_us(ms), Pending::AppResume(side));
                r.delay = Delay::Sleeping;
                return Outcome::Pending(Op::Read(r), Block::Timer, None);
            }
            Delay::Sleeping => {
                let call = Call::Sleep { ms };
                self.app_return(side, line, call, 0);
                r.delay = Delay::Over;
            }
            Delay::Over => {}
        }
        loop {
            let want = match r.reader.as_mut() {
                None => r.bufsize,
                Some(reader) => match reader.next() {
                    ReadStep::Recv(n) => n,
                    ReadStep::Message(frame) => {
                        self.apps[side.index()].carry = reader.take_carry();
                        if let Some(h) = &frame.header {
                            let header = Box::new(crate::trace::HeaderText {
                                json: h.raw.clone(),
                                md5: h.md5.to_string(),
                            });
                            self.emit(side, EventKind::FrameHeader { line, header }, None);
                        }
                        let dir = side.peer().tx_dir();
                        self.delivered[dir.index()] += 1;
                        let index = self.delivered[dir.index()];
                        let ret = frame.body.len();
                        let data = frame.body.into_boxed_slice();
                        self.emit(side, EventKind::Deliver { line, index, data }, None);
                        let call = r.call;
                        self.app_return(side, line, call, ret);
                        return Outcome::Done;
                    }
                    ReadStep::Eof => {
                        let call = r.call;
                        self.app_return(side, line, call, 0);
                        return Outcome::Done;
                    }
                    ReadStep::Error(e) => {
                        let error = e.to_string();
                        self.emit(side, EventKind::DecodeError { line, error }, None);
                        self.close(side);
                        return Outcome::Crashed;
                    }
                },
            };
            if r.inner.is_none() {
                if r.reader.is_some() {
                    self.app_call(side, line, &Call::Recv { bufsize: want });
                }
                r.deadline = self.apps[side.index()].deadline(self.now);
            }
            r.inner = Some(want);
            let got = match self.read(side, line, want) {
                Ok(Some(got)) => got,
                Ok(None) => {
                    let app = &self.apps[side.index()];
                    if app.non_blocking() {
                        return Outcome::Raised(PyExc::BlockingIo);
                    }
                    if r.deadline.is_some_and(|t| self.now >= t) {
                        return Outcome::Raised(PyExc::Timeout);
                    }
                    let deadline = r.deadline;
                    return Outcome::Pending(Op::Read(r), Block::Recv, deadline);
                }
                Err(exc) => return Outcome::Raised(exc),
            };
            r.inner = None;
            match r.reader.as_mut() {
                Some(reader) => reader.feed(match &got {
                    Some(c) => self.streams[c.dir.index()].slice(c.offset, c.end()),
                    None => &[],
                }),
                None => return Outcome::Done,
            }
        }
    }

    /// One `recv(n)`: `Ok(None)` if it must wait; else `Ok(Some(bytes))`, the range it
    /// returned (`None` for EOF); or the exception it raises. Emits the buffer read, the
    /// return and the EOF events.
    fn read(
        &mut self,
        side: Side,
        line: usize,
        n: usize,
    ) -> Result<Option<Option<ChunkRef>>, PyExc> {
        let Some(got) = self.take_received(side, n)? else {
            return Ok(None);
        };
        let data = match &got {
            Received::Eof => None,
            Received::Data { chunk, .. } => Some(*chunk),
        };
        for (kind, chunk) in recv_events(line, n, got) {
            self.emit(side, kind, chunk);
        }
        if let Some(c) = data.filter(|c| !c.is_empty())
            && self.params.transport == Transport::Tcp
        {
            self.after_read(side, u64::from(c.len));
        }
        Ok(Some(data))
    }

    /// The program ends: an implicit close if it has not closed.
    pub(super) fn finish(&mut self, side: Side) {
        let s = side.index();
        if self.apps[s].done {
            return;
        }
        self.close(side);
        self.apps[s].done = true;
        self.apps[s].op = None;
        self.apps[s].block = Block::None;
        self.emit(side, EventKind::ProgramEnd, None);
    }

    fn close(&mut self, side: Side) {
        let s = side.index();
        if self.apps[s].closed {
            return;
        }
        self.apps[s].closed = true;
        if self.params.transport == Transport::Tcp {
            self.tcp_close(side);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // ---- Tests for a write in progress ------------------------------------------------

    #[test]
    fn a_write_op_walks_through_its_pieces() {
        let pieces = vec![b"ab"[..].into(), b"cde"[..].into()];
        let mut w = WriteOp::new(Call::Sendall { len: 3 }, pieces, true, 0);
        assert_eq!((w.wanted(), w.rest()), (5, &b"ab"[..]));
        w.copied(1);
        assert_eq!(w.rest(), b"b");
        w.copied(1);
        assert_eq!(w.rest(), b"cde", "the next piece");
        w.copied(3);
        assert!(w.is_done());
        assert_eq!((w.copied, w.rest()), (5, &b""[..]));
    }

    #[test]
    fn only_real_waits_are_reported_as_blocking() {
        assert_eq!(Block::Send.reason(), Some(BlockReason::SendBufferFull));
        assert_eq!(Block::Recv.reason(), Some(BlockReason::RecvBufferEmpty));
        assert_eq!(Block::Timer.reason(), None);
        assert_eq!(Block::None.reason(), None);
    }
}

//! The deterministic, sans-IO simulation of two endpoints (DESIGN.md, "The simulated
//! model").
//!
//! Like smoltcp and quinn-proto, the model has no clock, no threads and no sockets: time
//! is an integer count of microseconds that only moves when [`Sim::step`] takes the next
//! queued event; [`Sim::next_wakeup`] says when that is. Randomness (jitter, UDP loss)
//! comes from ChaCha streams seeded from `params.seed`, one stream per use and direction,
//! so the same scenario, parameters and seed give a byte-identical trace.
//!
//! Simplifications (also in `docs/model-vs-real.md`): the connection exists at t = 0 (no
//! handshake); no loss on TCP, so no retransmission, no congestion control, no SACK; no
//! persist timer (a zero window reopens only through the receiver's window update); no
//! RST (data sent to a program that has stopped still lands in its receive buffer); no
//! quick-ACK mode and no autocorking; sequence numbers start at 0 and count stream bytes.

pub mod tcp;

use std::collections::{BTreeMap, VecDeque};

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::framing::{self, ReadStep, Reader};
use crate::params::{Framing, Params, Transport, ms_to_us};
use crate::scenario::{Action, Scenario, Step};
use crate::trace::{
    AckReason, Call, Chunk, Dir, DropReason, Event, EventKind, Micros, SentMessage, Side, Span,
    Trace, spans_of,
};
use tcp::{AckVerdict, SendVerdict};

/// Why a run could not be done.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ModelError {
    /// Framing is a fix for byte streams; UDP keeps message boundaries by itself.
    #[error(
        "framing `{0}` applies to TCP byte streams; UDP keeps each datagram whole, so use framing = \"raw\""
    )]
    FramingOnUdp(String),
    /// The run did not become idle within the step budget.
    #[error("the simulation did not finish within {0} steps (livelock?)")]
    Livelock(usize),
}

/// Steps [`run`] allows before it calls a run a livelock.
pub const DEFAULT_MAX_STEPS: usize = 20_000_000;

/// Runs a scenario with these parameters to the end.
pub fn run(scenario: &Scenario, params: &Params) -> Result<Trace, ModelError> {
    let mut sim = Sim::new(scenario, params)?;
    sim.run_until_idle(DEFAULT_MAX_STEPS)?;
    Ok(sim.into_trace())
}

/// Something queued to happen at a time.
#[derive(Clone, Debug)]
enum Pending {
    /// Start the program's next action.
    AppStep(Side),
    /// A blocked or sleeping call may go on.
    AppResume(Side),
    /// A TCP segment arrives at the receiver of `dir`.
    Arrive(Dir, Segment),
    /// A datagram arrives at the receiver of `dir`.
    Datagram(Dir, Datagram),
    /// The delayed-ACK timer of a side fires (valid if the generation still matches).
    DelayedAck(Side, u64),
}

#[derive(Clone, Debug)]
struct Segment {
    seq: u64,
    len: usize,
    ack: u64,
    win: u32,
    fin: bool,
    /// A pure ACK or window update (no data, no FIN).
    pure_ack: bool,
}

#[derive(Clone, Debug)]
struct Datagram {
    offset: u64,
    len: usize,
    lost: bool,
}

/// One side's TCP state. Offsets index the direction's stream.
#[derive(Clone, Debug, Default)]
struct TcpState {
    // -- sending (this side's direction)
    /// First unacknowledged byte.
    snd_una: u64,
    /// Next byte to send.
    snd_nxt: u64,
    /// End of what the application has written.
    write_end: u64,
    /// The peer's last advertised window.
    peer_window: u32,
    closing: bool,
    fin_sent: bool,
    fin_acked: bool,
    /// Since when a small segment is held by Nagle.
    nagle_since: Option<Micros>,
    window_full_reported: bool,
    // -- receiving (the peer's direction)
    /// End of the bytes received.
    rcv_nxt: u64,
    /// End of the bytes the application has read.
    rcv_read: u64,
    fin_received: bool,
    /// The last ACK this side sent (bytes; +1 once the FIN is acknowledged).
    ack_sent: u64,
    last_advertised: u32,
    delack_generation: u64,
    delack_running: bool,
}

/// The call a program is in the middle of.
#[derive(Clone, Debug)]
enum Op {
    Write {
        call: Call,
        pieces: Vec<Vec<u8>>,
        piece: usize,
        offset: usize,
        /// `sendall` semantics: block until everything is copied.
        all: bool,
        msg: usize,
        copied: usize,
    },
    Read {
        call: Call,
        /// The decoder loop of a `recv_message`; `None` for a plain `recv`.
        reader: Option<Box<Reader>>,
        bufsize: usize,
        delay: Delay,
        /// An inner `recv(n)` that has been called but has not returned.
        inner: Option<usize>,
    },
    Sleep {
        call: Call,
    },
    Close,
}

/// The receiver-delay knob's sleep in front of a read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Delay {
    Before,
    Sleeping,
    Over,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Block {
    None,
    /// Waiting for send-buffer space.
    Send,
    /// Waiting for data or EOF.
    Recv,
    /// Sleeping (or in the receiver delay) until a timer.
    Timer,
}

#[derive(Clone, Debug)]
struct App {
    steps: Vec<Step>,
    pc: usize,
    op: Option<Op>,
    block: Block,
    closed: bool,
    done: bool,
}

/// What a program is doing now, for views.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AppStatus {
    /// Will run (or is between actions).
    Running,
    BlockedSend,
    BlockedRecv,
    Sleeping,
    Done,
}

/// A packet on the wire, for views.
#[derive(Clone, Debug, PartialEq)]
pub struct InFlight {
    pub dir: Dir,
    pub arrives_us: Micros,
    pub seq: u64,
    pub len: usize,
    pub ack: u64,
    pub win: u32,
    pub fin: bool,
    pub datagram: bool,
    pub chunk: Option<Chunk>,
}

/// The state of one side, for views: occupancy of the buffers and the program position.
#[derive(Clone, Debug, PartialEq)]
pub struct SideState {
    /// Index of the current (or next) action in the program.
    pub line: usize,
    pub status: AppStatus,
    /// Bytes in the send buffer (unsent + unacknowledged), as a chunk.
    pub send_buffer: Option<Chunk>,
    /// Of those, bytes not yet sent.
    pub unsent: u64,
    pub send_capacity: u32,
    /// Bytes waiting in the receive buffer (for UDP: the queued datagrams).
    pub recv_buffer: Option<Chunk>,
    pub recv_capacity: u32,
    /// Data held back by Nagle's algorithm ([`tcp::sender_decision`]), if any.
    pub held: Option<Held>,
}

/// Data the sender holds back (RFC 896): a small segment waits while earlier data is
/// unacknowledged, until an ACK arrives or a full segment accumulates.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Held {
    pub since_us: Micros,
    /// Bytes waiting to be sent.
    pub waiting: u64,
    /// Bytes sent and not yet acknowledged.
    pub in_flight: u64,
}

/// The simulation.
#[derive(Clone, Debug)]
pub struct Sim {
    params: Params,
    now: Micros,
    seq: u64,
    queue: BTreeMap<(Micros, u64), Pending>,
    apps: [App; 2],
    tcp: [TcpState; 2],
    /// All bytes written per direction.
    streams: [Vec<u8>; 2],
    /// Messages per direction, in stream order (indices into trace.messages).
    msg_index: [Vec<usize>; 2],
    delivered: [u32; 2],
    /// UDP: datagrams waiting at the receiver of each direction.
    udp_queue: [VecDeque<(u64, usize)>; 2],
    udp_queued_bytes: [usize; 2],
    link_free: [Micros; 2],
    last_arrival: [Micros; 2],
    jitter_rng: [ChaCha8Rng; 2],
    loss_rng: [ChaCha8Rng; 2],
    trace: Trace,
    /// Events dropped by [`Sim::clone_without_events`] (they count in `events_len`).
    events_dropped: usize,
}

fn rng(seed: u64, stream: u64) -> ChaCha8Rng {
    let mut r = ChaCha8Rng::seed_from_u64(seed);
    r.set_stream(stream);
    r
}

impl Sim {
    /// Sets up a run: both programs start at t = 0 on an established connection.
    pub fn new(scenario: &Scenario, params: &Params) -> Result<Sim, ModelError> {
        if params.transport == Transport::Udp && params.framing != Framing::Raw {
            let name = serde_json::to_value(params.framing)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default();
            return Err(ModelError::FramingOnUdp(name));
        }
        let app = |steps: &[Step]| App {
            steps: steps.to_vec(),
            pc: 0,
            op: None,
            block: Block::None,
            closed: false,
            done: false,
        };
        let tcp = TcpState {
            peer_window: params.recv_buffer,
            last_advertised: params.recv_buffer,
            ..TcpState::default()
        };
        let mut sim = Sim {
            params: params.clone(),
            now: 0,
            seq: 0,
            queue: BTreeMap::new(),
            apps: [app(&scenario.client), app(&scenario.server)],
            tcp: [tcp.clone(), tcp],
            streams: [Vec::new(), Vec::new()],
            msg_index: [Vec::new(), Vec::new()],
            delivered: [0, 0],
            udp_queue: [VecDeque::new(), VecDeque::new()],
            udp_queued_bytes: [0, 0],
            link_free: [0, 0],
            last_arrival: [0, 0],
            jitter_rng: [rng(params.seed, 1), rng(params.seed, 2)],
            loss_rng: [rng(params.seed, 3), rng(params.seed, 4)],
            trace: Trace {
                scenario: scenario.name.clone(),
                mode: "sim".to_string(),
                seed: params.seed,
                params: params.clone(),
                messages: Vec::new(),
                events: Vec::new(),
            },
            events_dropped: 0,
        };
        sim.schedule(0, Pending::AppStep(Side::Client));
        sim.schedule(0, Pending::AppStep(Side::Server));
        Ok(sim)
    }

    pub fn now(&self) -> Micros {
        self.now
    }

    pub fn params(&self) -> &Params {
        &self.params
    }

    /// When the next event is due, or `None` when the run is idle.
    pub fn next_wakeup(&self) -> Option<Micros> {
        self.queue.keys().next().map(|&(t, _)| t)
    }

    pub fn is_idle(&self) -> bool {
        self.queue.is_empty()
    }

    pub fn trace(&self) -> &Trace {
        &self.trace
    }

    pub fn into_trace(self) -> Trace {
        self.trace
    }

    /// How many events the run has produced so far.
    pub fn events_len(&self) -> usize {
        self.events_dropped + self.trace.events.len()
    }

    /// A copy of the state without the events produced so far (a cheap checkpoint for
    /// views that keep the full trace elsewhere). Its `trace()` then holds only the
    /// events produced after the copy; `events_len` still counts them all.
    pub fn clone_without_events(&self) -> Sim {
        let t = &self.trace;
        Sim {
            params: self.params.clone(),
            now: self.now,
            seq: self.seq,
            queue: self.queue.clone(),
            apps: self.apps.clone(),
            tcp: self.tcp.clone(),
            streams: self.streams.clone(),
            msg_index: self.msg_index.clone(),
            delivered: self.delivered,
            udp_queue: self.udp_queue.clone(),
            udp_queued_bytes: self.udp_queued_bytes,
            link_free: self.link_free,
            last_arrival: self.last_arrival,
            jitter_rng: self.jitter_rng.clone(),
            loss_rng: self.loss_rng.clone(),
            trace: Trace {
                scenario: t.scenario.clone(),
                mode: t.mode.clone(),
                seed: t.seed,
                params: t.params.clone(),
                messages: t.messages.clone(),
                events: Vec::new(),
            },
            events_dropped: self.events_len(),
        }
    }

    /// Processes the next queued event. Returns false when there was none.
    pub fn step(&mut self) -> bool {
        let Some(((t, _), pending)) = self.queue.pop_first() else {
            return false;
        };
        debug_assert!(t >= self.now, "time never goes back");
        self.now = t;
        match pending {
            Pending::AppStep(side) => self.app_step(side),
            Pending::AppResume(side) => self.app_resume(side),
            Pending::Arrive(dir, seg) => self.segment_arrives(dir, seg),
            Pending::Datagram(dir, d) => self.datagram_arrives(dir, d),
            Pending::DelayedAck(side, generation) => self.delayed_ack_fires(side, generation),
        }
        true
    }

    /// Steps until nothing is queued. Fails when `max_steps` is not enough.
    pub fn run_until_idle(&mut self, max_steps: usize) -> Result<usize, ModelError> {
        for n in 0..max_steps {
            if !self.step() {
                return Ok(n);
            }
        }
        if self.is_idle() {
            Ok(max_steps)
        } else {
            Err(ModelError::Livelock(max_steps))
        }
    }

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
                    Some(Op::Write { call, .. } | Op::Read { call, .. } | Op::Sleep { call }) => {
                        call.text()
                    }
                    Some(Op::Close) => Call::Close.text(),
                    None => "(between actions)".to_string(),
                };
                Some((side, app.pc, what))
            })
            .collect()
    }

    // ---- the programs --------------------------------------------------------------

    fn schedule(&mut self, t: Micros, p: Pending) {
        self.seq += 1;
        self.queue.insert((t, self.seq), p);
    }

    fn emit(&mut self, side: Side, kind: EventKind, chunk: Option<Chunk>) {
        self.trace.events.push(Event {
            t_us: self.now,
            side,
            kind,
            chunk,
        });
    }

    fn app_step(&mut self, side: Side) {
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

    fn app_resume(&mut self, side: Side) {
        if self.apps[side.index()].op.is_some() {
            self.apps[side.index()].block = Block::None;
            self.advance(side);
        }
    }

    fn bufsize(&self, n: u32) -> usize {
        self.params.recv_size.unwrap_or(n) as usize
    }

    fn start_op(&mut self, side: Side, line: usize, action: Action) -> Op {
        let dir = side.tx_dir();
        let write = |sim: &mut Sim,
                     call: Call,
                     pieces: Vec<Vec<u8>>,
                     header: usize,
                     body: Vec<u8>,
                     all: bool| {
            let msg = sim.new_message(dir, body, header as u64);
            sim.emit(
                side,
                EventKind::AppCall {
                    line,
                    call: call.clone(),
                },
                None,
            );
            Op::Write {
                call,
                pieces,
                piece: 0,
                offset: 0,
                all,
                msg,
                copied: 0,
            }
        };
        match action {
            Action::Send(data) => write(
                self,
                Call::Send { len: data.len() },
                vec![data.clone()],
                0,
                data,
                false,
            ),
            Action::Sendall(data) => write(
                self,
                Call::Sendall { len: data.len() },
                vec![data.clone()],
                0,
                data,
                true,
            ),
            Action::SendMessage(data) => {
                let call = Call::SendMessage { len: data.len() };
                if self.params.framing == Framing::Raw {
                    // The naive program: one send(), whatever it accepts.
                    write(self, call, vec![data.clone()], 0, data, false)
                } else {
                    let enc = framing::encode(&self.params, &data);
                    write(self, call, enc.pieces, enc.header_len, data, true)
                }
            }
            Action::Recv(n) | Action::RecvMessage(n) => {
                let bufsize = self.bufsize(n);
                let reader = match action {
                    Action::RecvMessage(_) => {
                        let frame = self.delivered[side.peer().tx_dir().index()] + 1;
                        Some(Box::new(Reader::new(&self.params, bufsize, frame)))
                    }
                    _ => None,
                };
                let call = if reader.is_some() {
                    Call::RecvMessage { bufsize }
                } else {
                    Call::Recv { bufsize }
                };
                self.emit(
                    side,
                    EventKind::AppCall {
                        line,
                        call: call.clone(),
                    },
                    None,
                );
                let delay = if self.params.recv_delay_ms.is_some() {
                    Delay::Before
                } else {
                    Delay::Over
                };
                Op::Read {
                    call,
                    reader,
                    bufsize,
                    delay,
                    inner: None,
                }
            }
            Action::Sleep(ms) => {
                let call = Call::Sleep { ms };
                self.emit(
                    side,
                    EventKind::AppCall {
                        line,
                        call: call.clone(),
                    },
                    None,
                );
                let at = self.now + ms_to_us(ms);
                self.apps[side.index()].block = Block::Timer;
                self.schedule(at, Pending::AppResume(side));
                Op::Sleep { call }
            }
            Action::Close => {
                self.emit(
                    side,
                    EventKind::AppCall {
                        line,
                        call: Call::Close,
                    },
                    None,
                );
                Op::Close
            }
        }
    }

    /// Registers a message the application is sending.
    fn new_message(&mut self, dir: Dir, data: Vec<u8>, header_len: u64) -> usize {
        let id = self.msg_index[dir.index()].len() as u32 + 1;
        let offset = self.streams[dir.index()].len() as u64;
        self.trace.messages.push(SentMessage {
            dir,
            id,
            data,
            offset,
            header_len,
            accepted: 0,
        });
        let idx = self.trace.messages.len() - 1;
        self.msg_index[dir.index()].push(idx);
        idx
    }

    /// Drives the current call as far as it can go now.
    fn advance(&mut self, side: Side) {
        let s = side.index();
        let Some(op) = self.apps[s].op.take() else {
            return;
        };
        let line = self.apps[s].pc;
        let outcome = match op {
            Op::Write { .. } => self.advance_write(side, line, op),
            Op::Read { .. } => self.advance_read(side, line, op),
            Op::Sleep { call } => {
                if self.apps[s].block == Block::Timer {
                    self.apps[s].op = Some(Op::Sleep { call });
                    return;
                }
                self.emit(side, EventKind::AppReturn { line, call, ret: 0 }, None);
                Outcome::Done
            }
            Op::Close => {
                self.emit(
                    side,
                    EventKind::AppReturn {
                        line,
                        call: Call::Close,
                        ret: 0,
                    },
                    None,
                );
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
            Outcome::Pending(op, block, reason) => {
                if let Some(reason) = reason {
                    self.emit(side, EventKind::AppBlocked { line, reason }, None);
                }
                self.apps[s].block = block;
                self.apps[s].op = Some(op);
            }
            Outcome::Crashed => self.finish(side),
        }
    }

    fn advance_write(&mut self, side: Side, line: usize, op: Op) -> Outcome {
        let Op::Write {
            call,
            pieces,
            mut piece,
            mut offset,
            all,
            msg,
            mut copied,
        } = op
        else {
            unreachable!()
        };
        let dir = side.tx_dir();
        let udp = self.params.transport == Transport::Udp;
        if udp {
            // Each send is one datagram, whole; there is no send buffer to fill.
            let data: Vec<u8> = pieces.concat();
            let len = data.len();
            self.trace.messages[msg].accepted = len as u64;
            let start = self.streams[dir.index()].len() as u64;
            self.streams[dir.index()].extend_from_slice(&data);
            self.emit(
                side,
                EventKind::AppReturn {
                    line,
                    call,
                    ret: len,
                },
                None,
            );
            self.send_datagram(dir, start, len);
            return Outcome::Done;
        }
        loop {
            if piece >= pieces.len() {
                break;
            }
            let room = self.send_room(side);
            if room == 0 {
                if !all && copied > 0 {
                    break;
                }
                let op = Op::Write {
                    call,
                    pieces,
                    piece,
                    offset,
                    all,
                    msg,
                    copied,
                };
                return Outcome::Pending(op, Block::Send, Some("send buffer full".to_string()));
            }
            let rest = &pieces[piece][offset..];
            let n = rest.len().min(room);
            let start = self.streams[dir.index()].len() as u64;
            self.streams[dir.index()].extend_from_slice(&rest[..n]);
            self.tcp[side.index()].write_end += n as u64;
            self.trace.messages[msg].accepted += n as u64;
            copied += n;
            offset += n;
            if offset == pieces[piece].len() {
                piece += 1;
                offset = 0;
            }
            let buffered = self.send_buffered(side);
            let chunk = self.chunk(dir, start, start + n as u64);
            self.emit(side, EventKind::SendBufWrite { buffered }, Some(chunk));
            if !all {
                break;
            }
            // sendall: each copy is a write the sender reacts to.
            if piece < pieces.len() {
                self.try_send(side);
            }
        }
        let wanted: usize = pieces.iter().map(Vec::len).sum();
        self.emit(
            side,
            EventKind::AppReturn {
                line,
                call,
                ret: copied,
            },
            None,
        );
        if copied < wanted {
            self.emit(
                side,
                EventKind::SendShort {
                    wanted,
                    accepted: copied,
                },
                None,
            );
        }
        self.try_send(side);
        Outcome::Done
    }

    fn advance_read(&mut self, side: Side, line: usize, op: Op) -> Outcome {
        let Op::Read {
            call,
            mut reader,
            bufsize,
            mut delay,
            mut inner,
        } = op
        else {
            unreachable!()
        };
        // The receiver-delay knob: a sleep before every recv / recv_message.
        let ms = self.params.recv_delay_ms.unwrap_or(0.0);
        match delay {
            Delay::Before => {
                self.emit(
                    side,
                    EventKind::AppCall {
                        line,
                        call: Call::Sleep { ms },
                    },
                    None,
                );
                self.schedule(self.now + ms_to_us(ms), Pending::AppResume(side));
                let op = Op::Read {
                    call,
                    reader,
                    bufsize,
                    delay: Delay::Sleeping,
                    inner,
                };
                return Outcome::Pending(op, Block::Timer, None);
            }
            Delay::Sleeping => {
                self.emit(
                    side,
                    EventKind::AppReturn {
                        line,
                        call: Call::Sleep { ms },
                        ret: 0,
                    },
                    None,
                );
                delay = Delay::Over;
            }
            Delay::Over => {}
        }
        let plain = reader.is_none();
        loop {
            let want = match reader.as_mut() {
                None => bufsize,
                Some(r) => match r.next() {
                    ReadStep::Recv(n) => n,
                    ReadStep::Message(frame) => {
                        if let Some(h) = &frame.header {
                            let (json, md5) = (h.raw.clone(), h.md5.to_string());
                            self.emit(side, EventKind::FrameHeader { line, json, md5 }, None);
                        }
                        let dir = side.peer().tx_dir();
                        self.delivered[dir.index()] += 1;
                        let index = self.delivered[dir.index()];
                        let len = frame.body.len();
                        self.emit(
                            side,
                            EventKind::Deliver {
                                line,
                                index,
                                data: frame.body,
                            },
                            None,
                        );
                        self.emit(
                            side,
                            EventKind::AppReturn {
                                line,
                                call,
                                ret: len,
                            },
                            None,
                        );
                        return Outcome::Done;
                    }
                    ReadStep::Eof => {
                        self.emit(side, EventKind::AppReturn { line, call, ret: 0 }, None);
                        return Outcome::Done;
                    }
                    ReadStep::Error(e) => {
                        self.emit(
                            side,
                            EventKind::DecodeError {
                                line,
                                error: e.to_string(),
                            },
                            None,
                        );
                        self.close(side);
                        return Outcome::Crashed;
                    }
                },
            };
            if inner.is_none() && !plain {
                let call = Call::Recv { bufsize: want };
                self.emit(side, EventKind::AppCall { line, call }, None);
            }
            inner = Some(want);
            let Some(data) = self.read(side, line, want) else {
                let op = Op::Read {
                    call,
                    reader,
                    bufsize,
                    delay,
                    inner,
                };
                return Outcome::Pending(op, Block::Recv, Some("receive buffer empty".to_string()));
            };
            inner = None;
            if let Some(r) = reader.as_mut() {
                r.feed(&data);
            } else {
                return Outcome::Done;
            }
        }
    }

    /// One `recv(n)`: the bytes it returns (empty = EOF), or `None` if it must block.
    /// Emits the buffer read, the return and the EOF events.
    fn read(&mut self, side: Side, line: usize, n: usize) -> Option<Vec<u8>> {
        let dir = side.peer().tx_dir();
        let call = Call::Recv { bufsize: n };
        if self.params.transport == Transport::Udp {
            let (offset, len) = self.udp_queue[dir.index()].pop_front()?;
            self.udp_queued_bytes[dir.index()] -= len;
            let kept = len.min(n);
            let buffered = self.udp_queued_bytes[dir.index()];
            let chunk = self.chunk(dir, offset, offset + kept as u64);
            let data = chunk.data.clone();
            self.emit(
                side,
                EventKind::RecvBufRead { buffered },
                Some(chunk.clone()),
            );
            if kept < len {
                self.emit(side, EventKind::Truncated { len, kept }, None);
            }
            self.emit(
                side,
                EventKind::AppReturn {
                    line,
                    call,
                    ret: kept,
                },
                Some(chunk),
            );
            return Some(data);
        }
        let t = &self.tcp[side.index()];
        let buffered = t.rcv_nxt - t.rcv_read;
        if buffered == 0 {
            if !t.fin_received {
                return None;
            }
            self.emit(side, EventKind::AppReturn { line, call, ret: 0 }, None);
            self.emit(side, EventKind::Eof { line }, None);
            return Some(Vec::new());
        }
        let take = buffered.min(n as u64);
        let start = t.rcv_read;
        self.tcp[side.index()].rcv_read += take;
        let chunk = self.chunk(dir, start, start + take);
        let data = chunk.data.clone();
        let left = (buffered - take) as usize;
        self.emit(
            side,
            EventKind::RecvBufRead { buffered: left },
            Some(chunk.clone()),
        );
        self.emit(
            side,
            EventKind::AppReturn {
                line,
                call,
                ret: take as usize,
            },
            Some(chunk),
        );
        self.after_read(side);
        Some(data)
    }

    /// The program ends: an implicit close if it has not closed.
    fn finish(&mut self, side: Side) {
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
            self.tcp[s].closing = true;
            self.try_send(side);
        }
    }

    // ---- TCP -------------------------------------------------------------------------

    fn send_buffered(&self, side: Side) -> usize {
        let t = &self.tcp[side.index()];
        (t.write_end - t.snd_una) as usize
    }

    fn send_room(&self, side: Side) -> usize {
        (self.params.send_buffer as usize).saturating_sub(self.send_buffered(side))
    }

    fn recv_free(&self, side: Side) -> u32 {
        let t = &self.tcp[side.index()];
        let used = t.rcv_nxt - t.rcv_read;
        (self.params.recv_buffer as u64).saturating_sub(used) as u32
    }

    /// The cumulative ACK this side sends: bytes received, +1 for a received FIN.
    fn ack_value(&self, side: Side) -> u64 {
        let t = &self.tcp[side.index()];
        t.rcv_nxt + t.fin_received as u64
    }

    /// Sends whatever the sender rule allows now (RFC 896; see [`tcp::sender_decision`]).
    fn try_send(&mut self, side: Side) {
        let s = side.index();
        loop {
            let t = &self.tcp[s];
            let verdict = tcp::sender_decision(
                t.write_end - t.snd_nxt,
                t.snd_nxt - t.snd_una,
                t.peer_window,
                self.params.mss,
                self.params.nagle,
                t.closing,
                t.fin_sent,
            );
            match verdict {
                SendVerdict::Segment(len) => {
                    self.tcp[s].window_full_reported = false;
                    if let Some(since) = self.tcp[s].nagle_since.take() {
                        self.emit(
                            side,
                            EventKind::NagleRelease {
                                held_us: self.now - since,
                            },
                            None,
                        );
                    }
                    let seq = self.tcp[s].snd_nxt;
                    self.tcp[s].snd_nxt += len as u64;
                    self.transmit(side, seq, len, false);
                }
                SendVerdict::Fin => {
                    let seq = self.tcp[s].snd_nxt;
                    self.tcp[s].fin_sent = true;
                    self.emit(side, EventKind::FinTx { seq }, None);
                    self.transmit(side, seq, 0, true);
                    return;
                }
                SendVerdict::NagleHold => {
                    if self.tcp[s].nagle_since.is_none() {
                        self.tcp[s].nagle_since = Some(self.now);
                        let t = &self.tcp[s];
                        let held = (t.write_end - t.snd_nxt) as usize;
                        let in_flight = t.snd_nxt - t.snd_una;
                        self.emit(side, EventKind::NagleHold { held, in_flight }, None);
                    }
                    return;
                }
                SendVerdict::WindowFull => {
                    if !self.tcp[s].window_full_reported {
                        self.tcp[s].window_full_reported = true;
                        let t = &self.tcp[s];
                        let (in_flight, win) = (t.snd_nxt - t.snd_una, t.peer_window);
                        self.emit(side, EventKind::WindowFull { in_flight, win }, None);
                    }
                    return;
                }
                SendVerdict::Idle => return,
            }
        }
    }

    /// Puts a segment on the wire. Every segment carries the current ACK and window, so
    /// it also acknowledges what this side has received (and cancels the ACK timer).
    fn transmit(&mut self, side: Side, seq: u64, len: usize, fin: bool) {
        let ack = self.ack_value(side);
        let win = self.recv_free(side);
        self.note_ack_sent(side, ack, win);
        let dir = side.tx_dir();
        let chunk = (len > 0).then(|| self.chunk(dir, seq, seq + len as u64));
        self.emit(
            side,
            EventKind::SegmentTx {
                seq,
                len,
                ack,
                win,
                fin,
            },
            chunk,
        );
        let seg = Segment {
            seq,
            len,
            ack,
            win,
            fin,
            pure_ack: false,
        };
        self.put_on_wire(dir, len, tcp::TCP_IP_HEADER, Pending::Arrive(dir, seg));
    }

    fn send_pure_ack(&mut self, side: Side, reason: AckReason) {
        let ack = self.ack_value(side);
        let win = self.recv_free(side);
        self.note_ack_sent(side, ack, win);
        self.emit(side, EventKind::AckTx { ack, win, reason }, None);
        let dir = side.tx_dir();
        let seq = self.tcp[side.index()].snd_nxt + self.tcp[side.index()].fin_sent as u64;
        let seg = Segment {
            seq,
            len: 0,
            ack,
            win,
            fin: false,
            pure_ack: true,
        };
        self.put_on_wire(dir, 0, tcp::TCP_IP_HEADER, Pending::Arrive(dir, seg));
    }

    fn note_ack_sent(&mut self, side: Side, ack: u64, win: u32) {
        let t = &mut self.tcp[side.index()];
        t.ack_sent = ack;
        t.last_advertised = win;
        if t.delack_running {
            t.delack_running = false;
            t.delack_generation += 1;
        }
    }

    /// Serialization on the direction's link (packets queue behind each other and never
    /// overtake on TCP), then the latency (and jitter).
    fn put_on_wire(&mut self, dir: Dir, payload: usize, header: usize, p: Pending) {
        let d = dir.index();
        let start = self.now.max(self.link_free[d]);
        let done = start + tcp::serialization_us(payload, header, self.params.bandwidth_mbps);
        self.link_free[d] = done;
        let jitter_us = ms_to_us(self.params.jitter_ms);
        let jitter = if jitter_us > 0 {
            self.jitter_rng[d].random_range(0..=jitter_us)
        } else {
            0
        };
        let mut arrive = done + ms_to_us(self.params.latency_ms) + jitter;
        if matches!(p, Pending::Arrive(..)) {
            arrive = arrive.max(self.last_arrival[d]);
            self.last_arrival[d] = arrive;
        }
        self.schedule(arrive, p);
    }

    /// A segment arrives, handled in Linux's order (DESIGN.md "TCP receiver").
    fn segment_arrives(&mut self, dir: Dir, seg: Segment) {
        let side = dir.receiver();
        let s = side.index();
        // (1) its ACK and window
        let t = &mut self.tcp[s];
        let acked_data = seg.ack.min(t.snd_nxt);
        let freed = acked_data > t.snd_una;
        if freed {
            t.snd_una = acked_data;
        }
        if t.fin_sent && seg.ack > t.snd_nxt {
            t.fin_acked = true;
        }
        t.peer_window = seg.win;
        if seg.pure_ack {
            self.emit(
                side,
                EventKind::AckRx {
                    ack: seg.ack,
                    win: seg.win,
                },
                None,
            );
        } else {
            let chunk = (seg.len > 0).then(|| self.chunk(dir, seg.seq, seg.seq + seg.len as u64));
            let (seq, len, ack, win, fin) = (seg.seq, seg.len, seg.ack, seg.win, seg.fin);
            self.emit(
                side,
                EventKind::SegmentRx {
                    seq,
                    len,
                    ack,
                    win,
                    fin,
                },
                chunk,
            );
        }
        // (2) its payload and FIN
        let t = &mut self.tcp[s];
        debug_assert!(seg.pure_ack || seg.seq == t.rcv_nxt, "in order, no loss");
        if !seg.pure_ack {
            t.rcv_nxt += seg.len as u64;
        }
        if seg.fin {
            t.fin_received = true;
            self.emit(side, EventKind::FinRx { seq: seg.seq }, None);
        }
        // (3) send what the sender rule now allows (it carries the new ACK)
        self.try_send(side);
        // (4) the ACK policy for what is still unacknowledged
        if !seg.pure_ack {
            self.apply_ack_policy(side);
        }
        // (5) wake a blocked call
        let app = &self.apps[s];
        let wake = match app.block {
            Block::Recv => seg.len > 0 || seg.fin,
            Block::Send => freed && self.send_room(side) > 0,
            _ => false,
        };
        if wake {
            self.apps[s].block = Block::None;
            self.schedule(self.now, Pending::AppResume(side));
        }
    }

    fn apply_ack_policy(&mut self, side: Side) {
        let s = side.index();
        let t = &self.tcp[s];
        let ack = self.ack_value(side);
        if ack <= t.ack_sent {
            return;
        }
        let fin_unacked = t.fin_received;
        let unacked = t.rcv_nxt.saturating_sub(t.ack_sent);
        match tcp::ack_policy(
            unacked,
            fin_unacked,
            self.params.delayed_ack,
            self.params.mss,
            t.delack_running,
        ) {
            AckVerdict::Now(reason) => self.send_pure_ack(side, reason),
            AckVerdict::StartTimer => {
                let deadline = self.now + ms_to_us(self.params.delayed_ack_ms);
                let t = &mut self.tcp[s];
                t.delack_running = true;
                t.delack_generation += 1;
                let generation = t.delack_generation;
                self.emit(
                    side,
                    EventKind::DelayedAckStart {
                        deadline_us: deadline,
                    },
                    None,
                );
                self.schedule(deadline, Pending::DelayedAck(side, generation));
            }
            AckVerdict::Wait => {}
        }
    }

    fn delayed_ack_fires(&mut self, side: Side, generation: u64) {
        let t = &self.tcp[side.index()];
        if !t.delack_running || t.delack_generation != generation {
            return;
        }
        self.emit(side, EventKind::DelayedAckFire, None);
        self.send_pure_ack(side, AckReason::Timer);
    }

    /// After the application read: a window update if the read opened the window far
    /// enough (see [`tcp::window_update_due`]).
    fn after_read(&mut self, side: Side) {
        let free = self.recv_free(side);
        let last = self.tcp[side.index()].last_advertised;
        if tcp::window_update_due(free, last, self.params.mss, self.params.recv_buffer) {
            self.send_pure_ack(side, AckReason::WindowUpdate);
        }
    }

    // ---- UDP ---------------------------------------------------------------------------

    fn send_datagram(&mut self, dir: Dir, offset: u64, len: usize) {
        let side = dir.sender();
        let chunk = self.chunk(dir, offset, offset + len as u64);
        self.emit(side, EventKind::DatagramTx { len }, Some(chunk));
        let lost =
            self.params.loss > 0.0 && self.loss_rng[dir.index()].random::<f64>() < self.params.loss;
        let d = Datagram { offset, len, lost };
        self.put_on_wire(dir, len, tcp::UDP_IP_HEADER, Pending::Datagram(dir, d));
    }

    fn datagram_arrives(&mut self, dir: Dir, d: Datagram) {
        let side = dir.receiver();
        let chunk = self.chunk(dir, d.offset, d.offset + d.len as u64);
        let full = self.udp_queued_bytes[dir.index()] + d.len > self.params.recv_buffer as usize;
        if d.lost || full {
            let reason = if d.lost {
                DropReason::Loss
            } else {
                DropReason::QueueFull
            };
            self.emit(
                side,
                EventKind::DatagramDrop { len: d.len, reason },
                Some(chunk),
            );
            return;
        }
        self.udp_queue[dir.index()].push_back((d.offset, d.len));
        self.udp_queued_bytes[dir.index()] += d.len;
        self.emit(side, EventKind::DatagramRx { len: d.len }, Some(chunk));
        if self.apps[side.index()].block == Block::Recv {
            self.apps[side.index()].block = Block::None;
            self.schedule(self.now, Pending::AppResume(side));
        }
    }

    // ---- bytes and messages ----------------------------------------------------------------

    /// The bytes `[start, end)` of a direction's stream with their message spans.
    fn chunk(&self, dir: Dir, start: u64, end: u64) -> Chunk {
        let data = self.streams[dir.index()][start as usize..end as usize].to_vec();
        Chunk {
            dir,
            offset: start,
            data,
            spans: self.spans(dir, start, end),
        }
    }

    fn spans(&self, dir: Dir, start: u64, end: u64) -> Vec<Span> {
        let idx = &self.msg_index[dir.index()];
        let msgs = &self.trace.messages;
        // Skip to the first message that ends after `start` (they are in stream order).
        let first = idx.partition_point(|&i| msgs[i].offset + msgs[i].accepted <= start);
        spans_of(idx[first..].iter().map(|&i| &msgs[i]), start, end)
    }

    // ---- views ------------------------------------------------------------------------------

    /// What each side looks like now.
    pub fn side_state(&self, side: Side) -> SideState {
        let s = side.index();
        let app = &self.apps[s];
        let status = if app.done {
            AppStatus::Done
        } else {
            match app.block {
                Block::None => AppStatus::Running,
                Block::Send => AppStatus::BlockedSend,
                Block::Recv => AppStatus::BlockedRecv,
                Block::Timer => AppStatus::Sleeping,
            }
        };
        let tx = side.tx_dir();
        let rx = side.peer().tx_dir();
        let (send_buffer, unsent, recv_buffer, held) = if self.params.transport == Transport::Tcp {
            let t = &self.tcp[s];
            let send = (t.write_end > t.snd_una).then(|| self.chunk(tx, t.snd_una, t.write_end));
            let recv = (t.rcv_nxt > t.rcv_read).then(|| self.chunk(rx, t.rcv_read, t.rcv_nxt));
            let held = t.nagle_since.map(|since_us| Held {
                since_us,
                waiting: t.write_end - t.snd_nxt,
                in_flight: t.snd_nxt - t.snd_una,
            });
            (send, t.write_end - t.snd_nxt, recv, held)
        } else {
            let q = &self.udp_queue[rx.index()];
            let recv = q.front().map(|&(off, _)| {
                let (last_off, last_len) = *q.back().unwrap_or(&(off, 0));
                self.chunk(rx, off, last_off + last_len as u64)
            });
            (None, 0, recv, None)
        };
        SideState {
            line: app.pc,
            status,
            send_buffer,
            unsent,
            send_capacity: self.params.send_buffer,
            recv_buffer,
            recv_capacity: self.params.recv_buffer,
            held,
        }
    }

    /// Packets on the wire now, in order of arrival.
    pub fn in_flight(&self) -> Vec<InFlight> {
        self.queue
            .iter()
            .filter_map(|(&(t, _), p)| match p {
                Pending::Arrive(dir, seg) => Some(InFlight {
                    dir: *dir,
                    arrives_us: t,
                    seq: seg.seq,
                    len: seg.len,
                    ack: seg.ack,
                    win: seg.win,
                    fin: seg.fin,
                    datagram: false,
                    chunk: (seg.len > 0)
                        .then(|| self.chunk(*dir, seg.seq, seg.seq + seg.len as u64)),
                }),
                Pending::Datagram(dir, d) => Some(InFlight {
                    dir: *dir,
                    arrives_us: t,
                    seq: d.offset,
                    len: d.len,
                    ack: 0,
                    win: 0,
                    fin: false,
                    datagram: true,
                    chunk: Some(self.chunk(*dir, d.offset, d.offset + d.len as u64)),
                }),
                _ => None,
            })
            .collect()
    }
}

enum Outcome {
    Done,
    Pending(Op, Block, Option<String>),
    Crashed,
}

#[cfg(test)]
mod tests;

//! The deterministic, sans-IO simulation of two endpoints (`docs/design.md`, "The
//! simulated model").
//!
//! Like smoltcp and quinn-proto, the model has no clock, no threads and no sockets: time
//! is an integer count of microseconds that only moves when [`Sim::step`] takes the next
//! queued event; [`Sim::next_wakeup`] says when that is. Randomness (jitter, UDP loss)
//! comes from ChaCha streams seeded from `params.seed`, one stream per use and direction,
//! so the same scenario, parameters and seed give a byte-identical trace.
//!
//! The parts: [`program`] interprets each side's program (the application calls, and
//! where they block), `endpoint` is the TCP/UDP endpoint under it (buffers, the segment
//! path, the wire), [`view`] is what the GUI reads of the state, [`tcp`] holds the TCP
//! rules as pure functions, and [`Replay`] steps a finished run back and forth.
//!
//! Two stacks (`params.stack`): `linux`, the kernel's rules read from its source and
//! checked on loopback ([`tcp`] cites the functions: Nagle with Minshall's change,
//! quick-ACK, ping-pong mode, ACK on read, the 40 ms delayed-ACK minimum, RST on close
//! with unread data), and `windows`, the textbook rules exactly as `docs/design.md`
//! gives them (RFC 896 Nagle, an ACK for every second segment, a 200 ms timer).
//!
//! Simplifications (also in `docs/model-vs-real.md`): the connection exists at t = 0 (no
//! handshake); no loss on TCP, so no retransmission (nor tail-loss probes), no
//! congestion control, no SACK; no persist timer (a zero window reopens only through the
//! receiver's window update); the receive window is the free space of `recv_buffer`
//! (with Linux's silly-window rule, but no autotuning and no truesize overhead), and
//! the send buffer counts payload bytes only, so short counts and window sizes differ
//! from the kernel's; no autocorking and no TSO; the Linux delayed-ACK timer fires on a
//! 4 ms tick with a fixed phase (40–44 ms; the kernel's, 40–48 ms, varies with where in a
//! jiffy it was armed); a send copies instantly (the kernel takes ms for megabytes, which
//! decides what ACKs a long `send` takes in, calibration case c14); no poll-before-send
//! writability rule (`sk_stream_is_writeable`); on the Windows stack no reset on close;
//! sequence numbers start at 0 and count stream bytes.

mod endpoint;
pub mod program;
mod replay;
pub mod tcp;
pub mod view;

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};
use std::sync::Arc;

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use crate::params::{Framing, Params, Stack, Transport};
use crate::scenario::Scenario;
use crate::trace::{
    Chunk, ChunkRef, Dir, Event, EventKind, Micros, SentMessage, Side, Span, Streams, Trace,
    TraceMode, spans_of,
};
use endpoint::{Packet, TcpState};
use program::App;

pub use replay::Replay;
pub use view::{AppStatus, Held, InFlight, SideState};

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
    /// The trace outgrew its budget (see [`MAX_TRACE_EVENTS`], [`MAX_TRACE_BYTES`]).
    #[error(
        "the run would record more than {} events or {} MiB of bytes (at {events} events, \
         {} MiB, t = {} ms): use a larger mss, fewer or smaller messages",
        MAX_TRACE_EVENTS, MAX_TRACE_BYTES / (1024 * 1024), bytes / (1024 * 1024), *t_us as f64 / 1000.0
    )]
    TraceBudget {
        events: usize,
        bytes: usize,
        t_us: Micros,
    },
}

impl ModelError {
    /// The message in `lang` (`Display` gives the English one).
    pub fn text(&self, lang: crate::scenario::Lang) -> String {
        if lang == crate::scenario::Lang::En {
            return self.to_string();
        }
        match self {
            ModelError::FramingOnUdp(f) => format!(
                "分帧 `{f}` 用于 TCP 字节流；UDP 本身就保持每个数据报完整，请用 framing = \"raw\""
            ),
            ModelError::Livelock(n) => format!("模拟在 {n} 步之内没有结束（活锁？）"),
            ModelError::TraceBudget {
                events,
                bytes,
                t_us,
            } => format!(
                "这次运行要记录的事件会超过 {} 个，或字节超过 {} MiB（在第 {events} 个事件、{} MiB、\
                 t = {} ms 时）：请用更大的 mss，或更少、更小的消息",
                MAX_TRACE_EVENTS,
                MAX_TRACE_BYTES / (1024 * 1024),
                bytes / (1024 * 1024),
                *t_us as f64 / 1000.0
            ),
        }
    }
}

/// Most events one run may record: a 100,000-message scenario makes ~650,000.
pub const MAX_TRACE_EVENTS: usize = 1_000_000;
/// Most payload bytes the events of one run may carry (a segment's bytes are recorded when
/// it is sent and when it arrives, so tiny segments multiply them).
pub const MAX_TRACE_BYTES: usize = 128 * 1024 * 1024;

/// Steps [`run`] allows before it calls a run a livelock.
pub const DEFAULT_MAX_STEPS: usize = 20_000_000;

/// Runs a scenario with these parameters to the end.
pub fn run(scenario: &Scenario, params: &Params) -> Result<Trace, ModelError> {
    let mut sim = Sim::new(scenario, params)?;
    sim.run_until_idle(DEFAULT_MAX_STEPS)?;
    Ok(sim.into_trace())
}

/// What is due, earliest first, and of two at the same time the one queued first. The
/// heap holds small keys (time, order queued, slot) and the work waits in a slab, so a
/// sift moves 24 bytes, not a whole [`Pending`].
#[derive(Clone, Debug, Default)]
struct Queue {
    heap: BinaryHeap<Reverse<(Micros, u64, u32)>>,
    slab: Vec<Option<Pending>>,
    /// Free slots of `slab`.
    free: Vec<u32>,
}

impl Queue {
    fn push(&mut self, t: Micros, seq: u64, p: Pending) {
        let slot = match self.free.pop() {
            Some(slot) => {
                self.slab[slot as usize] = Some(p);
                slot
            }
            None => {
                self.slab.push(Some(p));
                (self.slab.len() - 1) as u32
            }
        };
        self.heap.push(Reverse((t, seq, slot)));
    }

    fn pop(&mut self) -> Option<(Micros, Pending)> {
        let Reverse((t, _, slot)) = self.heap.pop()?;
        self.free.push(slot);
        let p = self.slab[slot as usize].take();
        Some((t, p.expect("a queued slot holds its work")))
    }

    fn next_time(&self) -> Option<Micros> {
        self.heap.peek().map(|Reverse((t, _, _))| *t)
    }

    fn is_empty(&self) -> bool {
        self.heap.is_empty()
    }

    /// What is queued, with when it is due, in no order.
    fn iter(&self) -> impl Iterator<Item = (Micros, u64, &Pending)> {
        self.heap.iter().filter_map(|Reverse((t, seq, slot))| {
            Some((*t, *seq, self.slab[*slot as usize].as_ref()?))
        })
    }
}

/// Something queued to happen at a time.
#[derive(Clone, Debug)]
enum Pending {
    /// Start the program's next action.
    AppStep(Side),
    /// A blocked or sleeping call may go on.
    AppResume(Side),
    /// A packet that left its sender at `departs_us` arrives at the receiver of `dir`.
    Arrive {
        dir: Dir,
        departs_us: Micros,
        packet: Packet,
    },
    /// The delayed-ACK timer of a side fires (valid if the generation still matches).
    DelayedAck(Side, u64),
    /// A blocked call's timeout (`settimeout`) expires (valid if the wait still matches).
    CallTimeout(Side, u64),
    /// Linux's persist (window probe) timer of a side fires.
    Persist(Side),
}

/// The simulation.
#[derive(Clone, Debug)]
pub struct Sim {
    params: Params,
    /// `params.stack`, at hand.
    stack: Stack,
    now: Micros,
    seq: u64,
    queue: Queue,
    apps: [App; 2],
    tcp: [TcpState; 2],
    /// All bytes written per direction.
    streams: [Log<u8>; 2],
    /// The messages sent (the trace's `messages`, which [`Sim::into_trace`] fills).
    messages: Log<SentMessage>,
    /// Messages per direction, in stream order (indices into `messages`).
    msg_index: [Log<usize>; 2],
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
    /// Bytes the events' chunks carry, all events counted.
    trace_bytes: usize,
}

fn rng(seed: u64, stream: u64) -> ChaCha8Rng {
    let mut r = ChaCha8Rng::seed_from_u64(seed);
    r.set_stream(stream);
    r
}

impl Sim {
    /// Sets up a run: both programs start at t = 0 on an established connection.
    pub fn new(scenario: &Scenario, params: &Params) -> Result<Sim, ModelError> {
        let stack = params.stack;
        if params.transport == Transport::Udp && params.framing != Framing::Raw {
            return Err(ModelError::FramingOnUdp(params.framing.name().to_string()));
        }
        let tcp = TcpState::new(params, stack);
        let mut sim = Sim {
            params: params.clone(),
            stack,
            now: 0,
            seq: 0,
            queue: Queue::default(),
            apps: [App::new(&scenario.client), App::new(&scenario.server)],
            tcp: [tcp.clone(), tcp],
            streams: [Log::new(), Log::new()],
            messages: Log::new(),
            msg_index: [Log::new(), Log::new()],
            delivered: [0, 0],
            udp_queue: [VecDeque::new(), VecDeque::new()],
            udp_queued_bytes: [0, 0],
            link_free: [0, 0],
            last_arrival: [0, 0],
            jitter_rng: [rng(params.seed, 1), rng(params.seed, 2)],
            loss_rng: [rng(params.seed, 3), rng(params.seed, 4)],
            trace: Trace::new(&scenario.name, TraceMode::Sim, params),
            events_dropped: 0,
            trace_bytes: 0,
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
        self.queue.next_time()
    }

    pub fn is_idle(&self) -> bool {
        self.queue.is_empty()
    }

    /// The run so far; its `messages` are filled in by [`Sim::into_trace`].
    pub fn trace(&self) -> &Trace {
        &self.trace
    }

    pub fn into_trace(mut self) -> Trace {
        self.trace.messages = self.messages.into_vec();
        let [c2s, s2c] = self.streams;
        self.trace.streams.dirs = [c2s.into_vec(), s2c.into_vec()];
        // Growing by doubling left up to half of each unused; a large block shrinks in
        // place (glibc's `mremap`), without a copy.
        self.trace.events.shrink_to_fit();
        for s in &mut self.trace.streams.dirs {
            s.shrink_to_fit();
        }
        self.trace
    }

    /// How many events the run has produced so far.
    pub fn events_len(&self) -> usize {
        self.events_dropped + self.trace.events.len()
    }

    /// A copy of the state without the events produced so far (a cheap checkpoint for
    /// views that keep the full trace elsewhere). Its `trace()` then holds only the
    /// events produced after the copy; `events_len` still counts them all. The bytes
    /// and messages written so far are shared, not copied; the first of the two to
    /// write more copies them (see [`Sim::checkpoint`] for a copy that never does).
    pub fn clone_without_events(&self) -> Sim {
        let t = &self.trace;
        let mut trace = Trace::new(&t.scenario, t.mode, &t.params);
        trace.seed = t.seed;
        Sim {
            params: self.params.clone(),
            stack: self.stack,
            now: self.now,
            seq: self.seq,
            queue: self.queue.clone(),
            apps: self.apps.clone(),
            tcp: self.tcp.clone(),
            streams: self.streams.clone(),
            messages: self.messages.clone(),
            msg_index: self.msg_index.clone(),
            delivered: self.delivered,
            udp_queue: self.udp_queue.clone(),
            udp_queued_bytes: self.udp_queued_bytes,
            link_free: self.link_free,
            last_arrival: self.last_arrival,
            jitter_rng: self.jitter_rng.clone(),
            loss_rng: self.loss_rng.clone(),
            trace,
            events_dropped: self.events_len(),
            trace_bytes: self.trace_bytes,
        }
    }

    /// A checkpoint for [`Replay`]: [`Sim::clone_without_events`] that also leaves out
    /// the bytes and messages, keeping only how many it has seen, so it costs the same
    /// at any point of a run. It must be given them with [`Sim::share_history`] before
    /// it is used.
    fn checkpoint(&self) -> Sim {
        let mut sim = self.clone_without_events();
        sim.streams = self.streams.each_ref().map(Log::detached);
        sim.messages = self.messages.detached();
        sim.msg_index = self.msg_index.each_ref().map(Log::detached);
        sim
    }

    /// Gives a [`Sim::checkpoint`] the bytes and messages of a run that went on from it
    /// (`from` is that run, further on): a prefix of them is its own.
    fn share_history(&mut self, from: &Sim) {
        for d in 0..2 {
            self.streams[d].share(&from.streams[d]);
            self.msg_index[d].share(&from.msg_index[d]);
        }
        self.messages.share(&from.messages);
    }

    /// The trace budget ([`MAX_TRACE_EVENTS`], [`MAX_TRACE_BYTES`]), if the run is over it.
    fn over_budget(&self) -> Option<ModelError> {
        (self.events_len() > MAX_TRACE_EVENTS || self.trace_bytes > MAX_TRACE_BYTES).then(|| {
            ModelError::TraceBudget {
                events: self.events_len(),
                bytes: self.trace_bytes,
                t_us: self.now,
            }
        })
    }

    /// Processes the next queued event. Returns false when there was none.
    pub fn step(&mut self) -> bool {
        let Some((t, pending)) = self.queue.pop() else {
            return false;
        };
        debug_assert!(t >= self.now, "time never goes back");
        self.now = t;
        match pending {
            Pending::AppStep(side) => self.app_step(side),
            Pending::AppResume(side) => self.app_resume(side),
            Pending::Arrive { dir, packet, .. } => match packet {
                Packet::Segment(seg) => self.segment_arrives(dir, seg),
                Packet::Datagram(d) => self.datagram_arrives(dir, d),
            },
            Pending::DelayedAck(side, generation) => self.delayed_ack_fires(side, generation),
            Pending::CallTimeout(side, wait) => self.call_timeout(side, wait),
            Pending::Persist(side) => self.persist_fires(side),
        }
        true
    }

    /// Steps until nothing is queued. Fails when `max_steps` is not enough.
    pub fn run_until_idle(&mut self, max_steps: usize) -> Result<usize, ModelError> {
        for n in 0..max_steps {
            if !self.step() {
                return Ok(n);
            }
            if let Some(e) = self.over_budget() {
                return Err(e);
            }
        }
        if self.is_idle() {
            Ok(max_steps)
        } else {
            Err(ModelError::Livelock(max_steps))
        }
    }

    fn schedule(&mut self, t: Micros, p: Pending) {
        self.seq += 1;
        self.queue.push(t, self.seq, p);
    }

    fn emit(&mut self, side: Side, kind: EventKind, chunk: Option<ChunkRef>) {
        if let Some(c) = &chunk {
            self.trace_bytes += c.len as usize;
        }
        self.trace.events.push(Event {
            t_us: self.now,
            side,
            kind,
            chunk,
        });
    }

    // ---- bytes and messages ----------------------------------------------------------------

    /// The bytes `[start, end)` of a direction's stream, as an event carries them (the
    /// trace gets the streams at the end: [`Sim::into_trace`]).
    fn range(&self, dir: Dir, start: u64, end: u64) -> ChunkRef {
        debug_assert!(end as usize <= self.streams[dir.index()].len());
        Streams::range(dir, start, (end - start) as usize)
    }

    /// The bytes `[start, end)` of a direction's stream with their message spans (the
    /// views of the buffers and packets now).
    fn chunk(&self, dir: Dir, start: u64, end: u64) -> Chunk {
        let data = self.streams[dir.index()].slice(start, end).to_vec();
        Chunk {
            dir,
            offset: start,
            data,
            spans: self.spans(dir, start, end),
        }
    }

    fn spans(&self, dir: Dir, start: u64, end: u64) -> Vec<Span> {
        // A copy replaying a recorded run may see a message's final `accepted` while it
        // is still being written: the same spans for the bytes written so far.
        let idx = self.msg_index[dir.index()].as_slice();
        let msgs = self.messages.as_slice();
        // Skip to the first message that ends after `start` (they are in stream order).
        let first = idx.partition_point(|&i| msgs[i].offset + msgs[i].accepted <= start);
        spans_of(idx[first..].iter().map(|&i| &msgs[i]), start, end)
    }
}

/// An append-only sequence (a direction's bytes, the messages) that a simulation shares
/// with its copies: each sees the first `len` items of `items`. A copy that replays a
/// recorded run finds what it writes already there and only moves its `len`; a write
/// that differs, or comes past the end while the items are shared, copies them first.
#[derive(Clone, Debug)]
struct Log<T> {
    items: Arc<Vec<T>>,
    len: usize,
}

impl<T: Clone> Log<T> {
    fn new() -> Log<T> {
        Log {
            items: Arc::new(Vec::new()),
            len: 0,
        }
    }

    fn len(&self) -> usize {
        self.len
    }

    fn as_slice(&self) -> &[T] {
        &self.items[..self.len]
    }

    /// Items `[start, end)`.
    fn slice(&self, start: u64, end: u64) -> &[T] {
        &self.as_slice()[start as usize..end as usize]
    }

    /// The items as this copy sees them, to change one (copied first if shared).
    fn make_mut(&mut self) -> &mut Vec<T> {
        let items = Arc::make_mut(&mut self.items);
        items.truncate(self.len);
        items
    }

    /// Appends `item`; `same` says whether an item already there is it.
    fn push_by(&mut self, item: T, same: impl Fn(&T, &T) -> bool) {
        if self.items.get(self.len).is_some_and(|x| same(x, &item)) {
            self.len += 1;
        } else {
            self.make_mut().push(item);
            self.len += 1;
        }
    }

    fn extend(&mut self, new: &[T])
    where
        T: PartialEq,
    {
        let end = self.len + new.len();
        if self.items.get(self.len..end) != Some(new) {
            self.make_mut().extend_from_slice(new);
        }
        self.len = end;
    }

    /// The same length without the items (see [`Sim::checkpoint`]).
    fn detached(&self) -> Log<T> {
        Log {
            items: Arc::new(Vec::new()),
            len: self.len,
        }
    }

    /// Takes `from`'s items, of which this log's are a prefix.
    fn share(&mut self, from: &Log<T>) {
        assert!(
            from.len >= self.len,
            "a checkpoint shares a later run's items"
        );
        self.items = Arc::clone(&from.items);
    }

    fn into_vec(self) -> Vec<T> {
        let len = self.len;
        let mut items = Arc::try_unwrap(self.items).unwrap_or_else(|items| items[..len].to_vec());
        items.truncate(len);
        items
    }
}

#[cfg(test)]
mod tests;

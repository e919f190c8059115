//! The trace: one list of time-stamped events, produced by the model and by real
//! sockets, consumed by the CLI, the GUI and the analysis.
//!
//! Every event that carries bytes names the direction's stream offsets it covers and the
//! messages those bytes belong to, so a consumer can colour each byte by its message.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::params::Params;

/// Time in integer microseconds since the connection was established.
pub type Micros = u64;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    Client,
    Server,
}

impl Side {
    pub fn peer(self) -> Side {
        match self {
            Side::Client => Side::Server,
            Side::Server => Side::Client,
        }
    }
    /// The direction this side sends in.
    pub fn tx_dir(self) -> Dir {
        match self {
            Side::Client => Dir::ClientToServer,
            Side::Server => Dir::ServerToClient,
        }
    }
    pub fn index(self) -> usize {
        self as usize
    }
    pub fn name(self) -> &'static str {
        match self {
            Side::Client => "client",
            Side::Server => "server",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Dir {
    ClientToServer,
    ServerToClient,
}

impl Dir {
    pub const BOTH: [Dir; 2] = [Dir::ClientToServer, Dir::ServerToClient];
    pub fn sender(self) -> Side {
        match self {
            Dir::ClientToServer => Side::Client,
            Dir::ServerToClient => Side::Server,
        }
    }
    pub fn receiver(self) -> Side {
        self.sender().peer()
    }
    pub fn index(self) -> usize {
        self as usize
    }
    pub fn name(self) -> &'static str {
        match self {
            Dir::ClientToServer => "client_to_server",
            Dir::ServerToClient => "server_to_client",
        }
    }
}

/// Which part of a message some bytes are.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Part {
    /// Frame header bytes (length prefix, JSON header length, JSON header).
    Header,
    /// The message's own bytes.
    Body,
}

/// A run of bytes of one message inside a chunk: stream offsets `[start, end)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Span {
    /// Message number within its direction, from 1.
    pub msg: u32,
    pub part: Part,
    pub start: u64,
    pub end: u64,
}

/// Bytes of one direction's stream (for UDP: of one datagram, offsets counted over all
/// datagrams sent in that direction), with the messages they belong to: what an event's
/// [`ChunkRef`] stands for, made by [`Trace::chunk`] (and by the model's views of its
/// buffers) for the code that shows or checks bytes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Chunk {
    pub dir: Dir,
    /// Stream offset of `data[0]`.
    pub offset: u64,
    #[serde(with = "hex_bytes")]
    pub data: Vec<u8>,
    pub spans: Vec<Span>,
}

impl Chunk {
    /// Distinct message numbers in this chunk, in stream order.
    pub fn messages(&self) -> Vec<u32> {
        let mut out: Vec<u32> = Vec::new();
        for s in &self.spans {
            if out.last() != Some(&s.msg) {
                out.push(s.msg);
            }
        }
        out
    }
}

/// The bytes an event carries, as a range: `len` bytes of `dir`'s stream from `offset`.
/// The bytes are stored once, in the trace's [`Streams`]; [`Trace::bytes`] and
/// [`Trace::chunk`] give them (the JSON report writes them out in every event, as a
/// [`Chunk`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ChunkRef {
    pub dir: Dir,
    /// Stream offset of the first byte.
    pub offset: u64,
    pub len: u32,
    /// Bytes that are not the stream's at that offset (a datagram no program of ours
    /// sent): where they are in [`Streams::stray`].
    stray: Option<u32>,
}

impl ChunkRef {
    /// Stream offset one past the last byte.
    pub fn end(&self) -> u64 {
        self.offset + u64::from(self.len)
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

/// Every byte a trace's events carry, stored once: each direction's stream as it was
/// written (and read), and apart from them the bytes no sent stream holds.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Streams {
    pub dirs: [Vec<u8>; 2],
    /// Bytes a receiver got that are not its peer's stream at their offset.
    pub stray: Vec<u8>,
}

impl Streams {
    /// The most bytes [`Streams::put`] fills with zeros to reach an offset past a
    /// stream's end (bytes it never saw: a datagram dropped unseen).
    pub const MAX_GAP: u64 = 1 << 16;
    /// The longest a stream grows (a hand-made report cannot make [`Streams::put`] fill
    /// gaps without end); bytes past it are kept apart like stray ones.
    pub const MAX_STREAM: u64 = 1 << 30;

    /// Records `data` at `offset` of `dir`'s stream and returns its range. Bytes that
    /// agree with what the stream holds there (a segment, then its read) are stored
    /// once; bytes that do not, or lie too far past its end, are kept apart.
    pub fn put(&mut self, dir: Dir, offset: u64, data: &[u8]) -> ChunkRef {
        let len = u32::try_from(data.len()).unwrap_or(u32::MAX);
        let data = &data[..len as usize];
        let s = &mut self.dirs[dir.index()];
        let have = s.len() as u64;
        let fits = offset <= have.saturating_add(Self::MAX_GAP)
            && offset + data.len() as u64 <= Self::MAX_STREAM.max(have)
            && {
                let start = offset.min(have) as usize;
                let overlap = (have.saturating_sub(offset) as usize).min(data.len());
                s[start..start + overlap] == data[..overlap]
            };
        if fits {
            let end = offset + data.len() as u64;
            if end > have {
                s.resize(offset.max(have) as usize, 0);
                let new = (have.saturating_sub(offset)) as usize;
                s.extend_from_slice(&data[new..]);
            }
            return ChunkRef {
                dir,
                offset,
                len,
                stray: None,
            };
        }
        self.put_stray(dir, offset, data)
    }

    /// Records bytes that belong to no message of the stream (a datagram no program of
    /// ours sent), at `offset` of `dir`'s stream as the receiver counts it.
    pub fn put_stray(&mut self, dir: Dir, offset: u64, data: &[u8]) -> ChunkRef {
        match u32::try_from(self.stray.len()) {
            Ok(at) => {
                let len = u32::try_from(data.len()).unwrap_or(u32::MAX);
                self.stray.extend_from_slice(&data[..len as usize]);
                ChunkRef {
                    dir,
                    offset,
                    len,
                    stray: Some(at),
                }
            }
            Err(_) => ChunkRef {
                dir,
                offset,
                len: 0,
                stray: Some(0),
            },
        }
    }

    /// The bytes of `c` (empty when they are not here, as in a trace built by hand).
    pub fn get(&self, c: &ChunkRef) -> &[u8] {
        let (buf, start) = match c.stray {
            None => (&self.dirs[c.dir.index()], c.offset),
            Some(at) => (&self.stray, u64::from(at)),
        };
        let end = start.saturating_add(u64::from(c.len));
        usize::try_from(start)
            .ok()
            .zip(usize::try_from(end).ok())
            .and_then(|(a, b)| buf.get(a..b))
            .unwrap_or(&[])
    }

    /// A range of `dir`'s stream, its bytes already there (the model's runs).
    pub fn range(dir: Dir, offset: u64, len: usize) -> ChunkRef {
        ChunkRef {
            dir,
            offset,
            len: u32::try_from(len).unwrap_or(u32::MAX),
            stray: None,
        }
    }
}

/// An application call, as written in the scenario.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "call", rename_all = "snake_case")]
pub enum Call {
    Send { len: usize },
    Sendall { len: usize },
    SendMessage { len: usize },
    Recv { bufsize: usize },
    RecvMessage { bufsize: usize },
    Sleep { ms: f64 },
    SetTimeout { seconds: f64 },
    Close,
}

impl Call {
    /// `send(5 B)`-style text for timelines.
    pub fn text(&self) -> String {
        match self {
            Call::Send { len } => format!("send({len} B)"),
            Call::Sendall { len } => format!("sendall({len} B)"),
            Call::SendMessage { len } => format!("send_message({len} B)"),
            Call::Recv { bufsize } => format!("recv({bufsize})"),
            Call::RecvMessage { bufsize } => format!("recv_message({bufsize})"),
            Call::Sleep { ms } => format!("sleep({ms} ms)"),
            Call::SetTimeout { seconds } => format!("settimeout({seconds})"),
            Call::Close => "close()".to_string(),
        }
    }
}

/// Why a pure ACK (or window update) was sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AckReason {
    /// Delayed ACK is off: every segment is acknowledged at once.
    Immediate,
    /// Linux: quick-ACK mode (the start of a connection, or after an idle gap).
    QuickAck,
    /// Linux: more than one full segment is unacknowledged and the window can advance.
    FullSegments,
    /// Windows: a second data segment is unacknowledged.
    TwoSegments,
    /// The delayed-ACK timer fired.
    Timer,
    /// Windows: a FIN is acknowledged at once.
    Fin,
    /// Linux: the application's read emptied the buffer after a pushed small segment.
    ReadEmptied,
    /// A read opened the receive window far enough to tell the peer.
    WindowUpdate,
}

impl AckReason {
    /// Words for the timeline.
    pub fn text(self) -> &'static str {
        match self {
            AckReason::Immediate => "immediate",
            AckReason::QuickAck => "quick-ACK",
            AckReason::FullSegments => "over 1 full segment unacked",
            AckReason::TwoSegments => "2nd segment",
            AckReason::Timer => "delayed-ACK timer",
            AckReason::Fin => "for FIN",
            AckReason::ReadEmptied => "read emptied the buffer",
            AckReason::WindowUpdate => "window update",
        }
    }
}

/// The header fields of a TCP segment, as the model sends it and as the trace and the
/// timeline show it. Sequence numbers are stream offsets (a FIN takes the seq after the
/// last byte; the ACK counts it as one more).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct SegHeader {
    pub seq: u64,
    /// Payload bytes.
    pub len: usize,
    pub ack: u64,
    pub win: u32,
    pub fin: bool,
}

impl SegHeader {
    /// `seq=0 len=5 ack=0 win=65536` (` FIN` when set).
    pub fn text(&self) -> String {
        let SegHeader {
            seq,
            len,
            ack,
            win,
            fin,
        } = self;
        format!(
            "seq={seq} len={len} ack={ack} win={win}{}",
            if *fin { " FIN" } else { "" }
        )
    }

    /// Stream offset one past its last payload byte.
    pub fn end(&self) -> u64 {
        self.seq + self.len as u64
    }
}

/// Why a program waits inside a call.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum BlockReason {
    /// `send`/`sendall` waits for room in the send buffer.
    #[serde(rename = "send buffer full")]
    SendBufferFull,
    /// `recv` waits for data or EOF.
    #[serde(rename = "receive buffer empty")]
    RecvBufferEmpty,
}

impl BlockReason {
    pub fn text(self) -> &'static str {
        match self {
            BlockReason::SendBufferFull => "send buffer full",
            BlockReason::RecvBufferEmpty => "receive buffer empty",
        }
    }
}

/// Which world produced a trace.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TraceMode {
    /// The model ([`crate::model`]).
    Sim,
    /// Real sockets ([`crate::realnet`]).
    Real,
}

impl TraceMode {
    pub fn name(self) -> &'static str {
        match self {
            TraceMode::Sim => "sim",
            TraceMode::Real => "real",
        }
    }
}

impl std::fmt::Display for TraceMode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// `trace.mode == "real"`: the name as the JSON report spells it.
impl PartialEq<&str> for TraceMode {
    fn eq(&self, other: &&str) -> bool {
        self.name() == *other
    }
}

/// An exception a socket call raises in Python.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum PyExc {
    /// The peer reset the connection (ECONNRESET).
    #[serde(rename = "ConnectionResetError")]
    ConnectionReset,
    /// Sending on a connection that is gone (EPIPE).
    #[serde(rename = "BrokenPipeError")]
    BrokenPipe,
    /// `socket.timeout`: the call's timeout (`settimeout`) expired.
    #[serde(rename = "TimeoutError")]
    Timeout,
    /// A non-blocking call (`settimeout(0)`) that would have to wait (EAGAIN).
    #[serde(rename = "BlockingIOError")]
    BlockingIo,
}

impl PyExc {
    /// Python's class name.
    pub fn name(self) -> &'static str {
        match self {
            PyExc::ConnectionReset => "ConnectionResetError",
            PyExc::BrokenPipe => "BrokenPipeError",
            PyExc::Timeout => "TimeoutError",
            PyExc::BlockingIo => "BlockingIOError",
        }
    }

    /// What Python prints for it (`ConnectionResetError: [Errno 104] Connection reset
    /// by peer`).
    pub fn text(self) -> &'static str {
        match self {
            PyExc::ConnectionReset => "ConnectionResetError: [Errno 104] Connection reset by peer",
            PyExc::BrokenPipe => "BrokenPipeError: [Errno 32] Broken pipe",
            PyExc::Timeout => "TimeoutError: timed out",
            PyExc::BlockingIo => "BlockingIOError: [Errno 11] Resource temporarily unavailable",
        }
    }
}

/// Why a UDP datagram was dropped.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DropReason {
    /// The receiver's queue would exceed `recv_buffer`.
    QueueFull,
    /// Random loss on the wire (`loss`).
    Loss,
}

/// What happened. Bytes, where an event has them, are in `Event::chunk`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum EventKind {
    /// The program started an action (`line` is its index in the program, from 0).
    AppCall { line: usize, call: Call },
    /// The action blocked: on a full send buffer, or on an empty receive buffer.
    AppBlocked { line: usize, reason: BlockReason },
    /// The action completed. `ret` is the count `send`/`recv` returned (0 for others).
    /// For `recv`, the chunk holds the bytes returned.
    AppReturn { line: usize, call: Call, ret: usize },
    /// `recv` returned empty: the peer closed and the buffer is drained.
    Eof { line: usize },
    /// `recv_message` handed a message to the application (`index` counts from 1 per
    /// direction). `data` is what the decoder produced.
    Deliver {
        line: usize,
        index: u32,
        #[serde(with = "hex_bytes")]
        data: Box<[u8]>,
    },
    /// The decoder read a JSON header: its text and what became of its md5.
    FrameHeader {
        line: usize,
        /// Boxed: a rare event, and every event is as large as the largest kind.
        #[serde(flatten)]
        header: Box<HeaderText>,
    },
    /// The decoder failed: the program stops (and its socket closes), as a Python
    /// program would on the exception.
    DecodeError { line: usize, error: String },
    /// Bytes copied into the send buffer (`buffered` = occupancy after).
    SendBufWrite { buffered: usize },
    /// Bytes taken out of the receive buffer by `recv` (`buffered` = occupancy after).
    RecvBufRead { buffered: usize },
    /// A data segment (or FIN) left this side.
    SegmentTx(SegHeader),
    /// A data segment (or FIN) arrived at this side.
    SegmentRx(SegHeader),
    /// A pure ACK or window update left this side.
    AckTx {
        ack: u64,
        win: u32,
        reason: AckReason,
    },
    /// A pure ACK or window update arrived at this side.
    AckRx { ack: u64, win: u32 },
    /// The delayed-ACK timer was started (fires at `deadline_us`).
    DelayedAckStart { deadline_us: Micros },
    /// The delayed-ACK timer fired.
    DelayedAckFire,
    /// A small segment is held back by Nagle's algorithm.
    NagleHold { held: usize, in_flight: u64 },
    /// Held data left; `held_us` is how long the hold lasted.
    NagleRelease { held_us: Micros },
    /// Sending is blocked by the peer's window.
    WindowFull { in_flight: u64, win: u32 },
    /// This side sent its FIN (it is the last segment of the stream).
    FinTx { seq: u64 },
    /// The peer's FIN arrived: the stream from the peer is complete.
    FinRx { seq: u64 },
    /// A UDP datagram left this side.
    DatagramTx { len: usize },
    /// A UDP datagram arrived in this side's queue.
    DatagramRx { len: usize },
    /// A UDP datagram was dropped.
    DatagramDrop { len: usize, reason: DropReason },
    /// `recvfrom(n)` returned the first `kept` of `len` bytes; the rest is lost.
    Truncated { len: usize, kept: usize },
    /// `send()` accepted only part of the data and the program ignored the rest.
    SendShort { wanted: usize, accepted: usize },
    /// The program finished its last action.
    ProgramEnd,
    /// The call raised a Python exception (a reset, a timeout, a non-blocking call that
    /// would block): the program stops there and its socket closes, as an uncaught
    /// exception would. Sim and real runs report these the same way.
    Exception { line: usize, exc: PyExc },
    /// This side reset the connection (RST): `close()` with unread data, or data that
    /// arrived after it had closed (Linux).
    RstTx { seq: u64 },
    /// The peer's RST arrived: the connection is gone; what was buffered can still be
    /// read.
    RstRx { seq: u64 },
    /// Real sockets: the network call failed another way (refused, no progress, blocked
    /// forever, stopped).
    NetError { line: usize, error: String },
    /// Real sockets: the slicer relay wrote this slice of the stream to this side.
    Slice { len: usize },
}

/// What [`EventKind::FrameHeader`] says of a JSON header.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HeaderText {
    /// The header's text.
    pub json: String,
    /// What became of its md5: `verified`, `absent`, `not a checksum: …`,
    /// `unchecked: …`.
    pub md5: String,
}

/// One thing that happened. The JSON report writes it flat (`t_us`, `side`, the kind's
/// fields) with its bytes as a [`Chunk`]: see [`json`].
#[derive(Clone, Debug, PartialEq)]
pub struct Event {
    pub t_us: Micros,
    /// The endpoint where it happened.
    pub side: Side,
    pub kind: EventKind,
    /// The bytes it carries, in the trace's [`Streams`].
    pub chunk: Option<ChunkRef>,
}

/// One message as the sending application meant it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SentMessage {
    pub dir: Dir,
    /// Number within its direction, from 1.
    pub id: u32,
    /// The message itself (the body, without any frame header). Shared with the
    /// scenario's program that sends it, not copied.
    #[serde(with = "hex_bytes")]
    pub data: Arc<[u8]>,
    /// Stream offset of its first byte on the wire (header included).
    pub offset: u64,
    /// Frame header bytes in front of the body (0 for raw).
    pub header_len: u64,
    /// Frame bytes after the body: `line`'s delimiter, `fixed`'s padding. Shown and
    /// counted as the frame's header part.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub trailer_len: u64,
    /// Bytes `line`'s escape added inside the body: the body on the wire is
    /// `data.len() + escapes` bytes.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub escapes: u64,
    /// Bytes the socket accepted (header included); less than [`SentMessage::wire_len`]
    /// when `send()` accepted only part, a datagram was never sent, or a `fixed` record
    /// cut the body.
    pub accepted: u64,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

impl SentMessage {
    /// The frame's bytes as the application meant to send them: header, body (escaped),
    /// trailer.
    pub fn wire_len(&self) -> u64 {
        self.header_len + self.data.len() as u64 + self.escapes + self.trailer_len
    }
}

/// A complete run.
#[derive(Clone, Debug, PartialEq)]
pub struct Trace {
    pub scenario: String,
    pub mode: TraceMode,
    pub seed: u64,
    pub params: Params,
    pub messages: Vec<SentMessage>,
    pub events: Vec<Event>,
    /// The bytes the events' chunks refer to.
    pub streams: Streams,
    /// Per direction, the indices of `messages` in stream order, for [`Trace::spans`].
    index: MessageIndex,
}

impl Trace {
    /// An empty trace of a run of `scenario` with these parameters.
    pub fn new(scenario: &str, mode: TraceMode, params: &Params) -> Trace {
        Trace {
            scenario: scenario.to_string(),
            mode,
            seed: params.seed,
            params: params.clone(),
            messages: Vec::new(),
            events: Vec::new(),
            streams: Streams::default(),
            index: MessageIndex::default(),
        }
    }

    pub fn messages_in(&self, dir: Dir) -> impl Iterator<Item = &SentMessage> {
        self.messages.iter().filter(move |m| m.dir == dir)
    }

    /// The spans of `[start, end)` in `dir`'s stream, split at message and header/body
    /// boundaries. Bytes that belong to no message (none in a valid trace) are left out.
    pub fn spans(&self, dir: Dir, start: u64, end: u64) -> Vec<Span> {
        self.index.with(&self.messages, dir, |idx| {
            let msgs = &self.messages;
            // Skip to the first message that ends after `start` (they are in stream order).
            let first = idx.partition_point(|&i| {
                let m = &msgs[i as usize];
                m.offset + m.accepted <= start
            });
            spans_of(idx[first..].iter().map(|&i| &msgs[i as usize]), start, end)
        })
    }

    /// The events as the JSON report writes them, each with its bytes and spans.
    pub fn events_json(&self) -> json::EventsOut<'_> {
        json::EventsOut(self)
    }

    /// The bytes an event's chunk refers to.
    pub fn bytes(&self, c: &ChunkRef) -> &[u8] {
        self.streams.get(c)
    }

    /// The message spans of a chunk's bytes (none for stray bytes).
    pub fn chunk_spans(&self, c: &ChunkRef) -> Vec<Span> {
        if c.stray.is_some() {
            return Vec::new();
        }
        let len = self.bytes(c).len() as u64;
        self.spans(c.dir, c.offset, c.offset + len)
    }

    /// The message a chunk's bytes start in, if they belong to one (without building
    /// spans: views call it for every segment of a trace, each frame).
    pub fn first_message(&self, c: &ChunkRef) -> Option<u32> {
        if c.stray.is_some() || c.len == 0 {
            return None;
        }
        self.index.with(&self.messages, c.dir, |idx| {
            let msgs = &self.messages;
            let end = |i: u32| msgs[i as usize].offset + msgs[i as usize].accepted;
            let at = idx.partition_point(|&i| end(i) <= c.offset);
            let m = &msgs[*idx.get(at)? as usize];
            (m.offset <= c.offset).then_some(m.id)
        })
    }

    /// The chunk's bytes with their message spans.
    pub fn chunk(&self, c: &ChunkRef) -> Chunk {
        let data = self.bytes(c).to_vec();
        let spans = self.chunk_spans(c);
        Chunk {
            dir: c.dir,
            offset: c.offset,
            data,
            spans,
        }
    }

    /// [`Trace::chunk`] of an event's bytes, if it has any.
    pub fn chunk_of(&self, e: &Event) -> Option<Chunk> {
        e.chunk.as_ref().map(|c| self.chunk(c))
    }

    /// Appends an event whose chunk (a range of another trace's streams, as a real
    /// run's recorder sends it) carries `bytes`: they are stored in this trace's
    /// streams (see [`Streams::put`]). Without bytes the event has no chunk.
    pub fn push_with_bytes(&mut self, mut e: Event, bytes: Option<&[u8]>) {
        e.chunk = e.chunk.zip(bytes).map(|(c, data)| match c.stray {
            None => self.streams.put(c.dir, c.offset, data),
            Some(_) => self.streams.put_stray(c.dir, c.offset, data),
        });
        self.events.push(e);
    }
}

/// [`Trace::spans`]'s index of the messages, built the first time it is asked for and
/// extended as messages are added. Not part of the trace's value: equal traces may have
/// built it or not.
#[derive(Debug, Default)]
struct MessageIndex(std::sync::Mutex<IndexState>);

#[derive(Clone, Debug, Default)]
struct IndexState {
    /// How many of the trace's messages are indexed.
    seen: usize,
    dirs: [Vec<u32>; 2],
}

impl MessageIndex {
    fn with<R>(&self, messages: &[SentMessage], dir: Dir, f: impl FnOnce(&[u32]) -> R) -> R {
        let mut g = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if g.seen > messages.len() {
            *g = IndexState::default();
        }
        for (i, m) in messages.iter().enumerate().skip(g.seen) {
            g.dirs[m.dir.index()].push(i as u32);
        }
        g.seen = messages.len();
        f(&g.dirs[dir.index()])
    }
}

impl Clone for MessageIndex {
    fn clone(&self) -> MessageIndex {
        let g = self.0.lock().unwrap_or_else(|e| e.into_inner());
        MessageIndex(std::sync::Mutex::new(g.clone()))
    }
}

impl PartialEq for MessageIndex {
    fn eq(&self, _: &MessageIndex) -> bool {
        true
    }
}

/// The JSON report's shapes of a trace: every event with its bytes written out.
pub mod json {
    use super::*;

    #[derive(Serialize)]
    struct TraceOut<'a> {
        scenario: &'a str,
        mode: TraceMode,
        seed: u64,
        params: &'a Params,
        messages: &'a [SentMessage],
        events: EventsOut<'a>,
    }

    /// A trace's events as the JSON report writes them: [`Trace::events_json`].
    pub struct EventsOut<'a>(pub(super) &'a Trace);

    impl Serialize for EventsOut<'_> {
        fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            let t = self.0;
            s.collect_seq(t.events.iter().map(|e| EventOut {
                t_us: e.t_us,
                side: e.side,
                kind: &e.kind,
                chunk: t.chunk_of(e),
            }))
        }
    }

    #[derive(Serialize)]
    struct EventOut<'a> {
        t_us: Micros,
        side: Side,
        #[serde(flatten)]
        kind: &'a EventKind,
        #[serde(skip_serializing_if = "Option::is_none")]
        chunk: Option<Chunk>,
    }

    #[derive(Deserialize)]
    struct TraceIn {
        scenario: String,
        mode: TraceMode,
        seed: u64,
        params: Params,
        messages: Vec<SentMessage>,
        events: Vec<EventIn>,
    }

    #[derive(Deserialize)]
    struct EventIn {
        t_us: Micros,
        side: Side,
        #[serde(flatten)]
        kind: EventKind,
        #[serde(default)]
        chunk: Option<Chunk>,
    }

    impl Serialize for Trace {
        fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            TraceOut {
                scenario: &self.scenario,
                mode: self.mode,
                seed: self.seed,
                params: &self.params,
                messages: &self.messages,
                events: EventsOut(self),
            }
            .serialize(s)
        }
    }

    /// Reading a report stores each chunk's bytes in the streams; the spans it gives are
    /// worked out again from the messages, as they were when it was written.
    impl<'de> Deserialize<'de> for Trace {
        fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Trace, D::Error> {
            let t = TraceIn::deserialize(d)?;
            let mut trace = Trace::new(&t.scenario, t.mode, &t.params);
            trace.seed = t.seed;
            trace.messages = t.messages;
            trace.events.reserve(t.events.len());
            for e in t.events {
                let event = Event {
                    t_us: e.t_us,
                    side: e.side,
                    kind: e.kind,
                    chunk: e.chunk.as_ref().map(|c| Streams::range(c.dir, c.offset, 0)),
                };
                trace.push_with_bytes(event, e.chunk.as_ref().map(|c| c.data.as_slice()));
            }
            Ok(trace)
        }
    }
}

/// What one `recv(n)` that returned got, for [`recv_events`].
#[derive(Clone, Debug, PartialEq)]
pub enum Received {
    /// Empty: the peer closed and the buffer is drained.
    Eof,
    /// These bytes; `buffered` is what the receive buffer (or queue) still holds.
    /// `datagram_len` is the length of the datagram they came from (UDP).
    Data {
        chunk: ChunkRef,
        buffered: usize,
        datagram_len: Option<usize>,
    },
}

/// The events of a `recv(n)` that returned, in the order every producer emits them: the
/// buffer read, a truncation (UDP), the return with the bytes; or the empty return and
/// the EOF. One helper for the model and the real-socket recorder, so they cannot drift.
pub fn recv_events(
    line: usize,
    bufsize: usize,
    got: Received,
) -> impl Iterator<Item = (EventKind, Option<ChunkRef>)> {
    let call = Call::Recv { bufsize };
    // At most three events, without a `Vec` per `recv`.
    let events = match got {
        Received::Eof => [
            Some((EventKind::AppReturn { line, call, ret: 0 }, None)),
            Some((EventKind::Eof { line }, None)),
            None,
        ],
        Received::Data {
            chunk,
            buffered,
            datagram_len,
        } => {
            let ret = chunk.len as usize;
            [
                Some((EventKind::RecvBufRead { buffered }, Some(chunk))),
                datagram_len
                    .filter(|&len| len > ret)
                    .map(|len| (EventKind::Truncated { len, kept: ret }, None)),
                Some((EventKind::AppReturn { line, call, ret }, Some(chunk))),
            ]
        }
    };
    events.into_iter().flatten()
}

/// Spans of `[start, end)` over messages given in stream order.
///
/// The result is allocated at its exact length when it has up to [`SPANS_INLINE`]
/// spans (nearly every chunk): a trace holds hundreds of thousands of these, and a
/// `Vec` grown by `push` keeps room for 4.
pub fn spans_of<'a>(
    messages: impl Iterator<Item = &'a SentMessage>,
    start: u64,
    end: u64,
) -> Vec<Span> {
    let mut few = [Span {
        msg: 0,
        part: Part::Body,
        start: 0,
        end: 0,
    }; SPANS_INLINE];
    let mut n = 0;
    let mut more: Vec<Span> = Vec::new();
    for m in messages {
        let m_end = m.offset + m.accepted;
        if m_end <= start {
            continue;
        }
        if m.offset >= end {
            break;
        }
        let body_start = m.offset + m.header_len.min(m.accepted);
        // A trailer (delimiter, padding) follows the body; a cut record has none of the
        // body's tail.
        let body_end = if m.trailer_len > 0 {
            (body_start + m.data.len() as u64 + m.escapes).min(m_end)
        } else {
            m_end
        };
        for (part, a, b) in [
            (Part::Header, m.offset, body_start),
            (Part::Body, body_start, body_end),
            (Part::Header, body_end, m_end),
        ] {
            let (a, b) = (a.max(start), b.min(end));
            if a < b {
                let span = Span {
                    msg: m.id,
                    part,
                    start: a,
                    end: b,
                };
                if n < SPANS_INLINE {
                    few[n] = span;
                    n += 1;
                } else {
                    if more.is_empty() {
                        more.extend_from_slice(&few);
                    }
                    more.push(span);
                }
            }
        }
    }
    if more.is_empty() {
        few[..n].to_vec()
    } else {
        more.shrink_to_fit();
        more
    }
}

/// Spans [`spans_of`] collects on the stack before it allocates.
const SPANS_INLINE: usize = 8;

/// Byte vectors as lowercase hex strings in JSON.
pub mod hex_bytes {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn encode(bytes: &[u8]) -> String {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let mut s = String::with_capacity(bytes.len() * 2);
        for b in bytes {
            s.push(HEX[(b >> 4) as usize] as char);
            s.push(HEX[(b & 15) as usize] as char);
        }
        s
    }

    pub fn decode(s: &str) -> Option<Vec<u8>> {
        let s = s.as_bytes();
        if !s.len().is_multiple_of(2) {
            return None;
        }
        s.chunks(2)
            .map(|p| {
                let h = (p[0] as char).to_digit(16)?;
                let l = (p[1] as char).to_digit(16)?;
                Some((h * 16 + l) as u8)
            })
            .collect()
    }

    pub fn serialize<S: Serializer>(bytes: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&encode(bytes))
    }

    pub fn deserialize<'de, D: Deserializer<'de>, T: From<Vec<u8>>>(d: D) -> Result<T, D::Error> {
        let s = String::deserialize(d)?;
        decode(&s)
            .map(T::from)
            .ok_or_else(|| serde::de::Error::custom("invalid hex"))
    }
}

/// `b"hi\n\x00"` → `hi\n\x00`: printable text (UTF-8, so 中文 stays readable) as is,
/// control characters and bytes that are not UTF-8 escaped.
pub fn escape_bytes(data: &[u8]) -> String {
    let mut s = String::with_capacity(data.len());
    for chunk in data.utf8_chunks() {
        for c in chunk.valid().chars() {
            match c {
                '\n' => s.push_str("\\n"),
                '\r' => s.push_str("\\r"),
                '\t' => s.push_str("\\t"),
                '\\' => s.push_str("\\\\"),
                c if c.is_control() => s.push_str(&format!("\\x{:02x}", c as u32)),
                c => s.push(c),
            }
        }
        for b in chunk.invalid() {
            s.push_str(&format!("\\x{b:02x}"));
        }
    }
    s
}

#[cfg(test)]
mod tests;

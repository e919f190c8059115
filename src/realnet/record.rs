//! The shared recorder of a real run: every thread (client, server, slicer) reports here,
//! under one lock, so the trace is in time order and each event reaches the consumer's
//! channel in that same order.
//!
//! It also keeps the bookkeeping that real sockets do not tell us: which message each
//! byte of a direction's stream belongs to (the sender registers a message before it
//! writes), how many bytes were written and read, and which program is blocked in a
//! receive (to tell a deadlock from a slow peer).

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;

use crossbeam_channel::Sender;

use super::Update;
use crate::trace::{
    ChunkRef, Dir, DropReason, Event, EventKind, Micros, Received, SentMessage, Side, Streams,
    recv_events,
};

#[derive(Default)]
struct DirState {
    /// The direction's messages without their data, in stream order; while a write is
    /// in progress its message's `accepted` includes the bytes being written, so a
    /// reader that already got them can attribute them.
    view: Vec<SentMessage>,
    /// Index of each `view` entry in `Inner::messages`.
    full: Vec<usize>,
    /// Bytes the sender's socket accepted (including a write in progress).
    written: u64,
    /// Bytes the receiver's `recv` calls returned.
    read: u64,
    /// UDP: datagrams sent (message index in `view`), and the next one not yet received.
    datagrams: Vec<usize>,
    next_datagram: usize,
    /// The write (or datagram) in progress: its events are emitted as soon as the
    /// receiving side proves the kernel took the bytes, so a read never shows up in the
    /// trace before the write that produced it.
    pending: Option<Pending>,
}

struct Pending {
    side: Side,
    start: u64,
    data: Vec<u8>,
    /// Bytes already shown in a `SendBufWrite` (TCP); for UDP, whether `DatagramTx`
    /// was emitted (0 or the length).
    shown: usize,
    udp: bool,
}

#[derive(Default, Clone, Copy)]
struct SideFlags {
    /// Inside a receive call that is waiting for data.
    blocked_recv: bool,
    /// The program has ended.
    done: bool,
}

#[derive(Default)]
struct Inner {
    events: Vec<Event>,
    /// The bytes the events refer to.
    streams: Streams,
    messages: Vec<SentMessage>,
    dirs: [DirState; 2],
    sides: [SideFlags; 2],
    /// Both programs wait for each other: set by the first to notice.
    deadlock: bool,
    notes: Vec<String>,
    /// Payload bytes the events carry.
    bytes: usize,
    /// The trace budget was reached and the run asked to stop.
    over_budget: bool,
}

pub(super) struct Recorder {
    start: Instant,
    inner: Mutex<Inner>,
    tx: Sender<Update>,
    /// Most events recorded before the run is stopped.
    max_events: usize,
    stop: super::StopHandle,
}

/// Events still recorded once the budget is reached: the programs' last calls and the
/// stop, so the trace ends with what ended it.
const END_EVENTS: usize = 64;

impl Recorder {
    pub fn new(tx: Sender<Update>, max_events: usize, stop: super::StopHandle) -> Recorder {
        Recorder {
            start: Instant::now(),
            inner: Mutex::new(Inner::default()),
            tx,
            max_events,
            stop,
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panicking thread cannot leave the bookkeeping half-done in a way that matters
        // more than losing the run, so a poisoned lock is still used.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn now(&self) -> Micros {
        self.start.elapsed().as_micros() as Micros
    }

    fn push(&self, g: &mut Inner, side: Side, kind: EventKind, chunk: Option<ChunkRef>) {
        let max_bytes = crate::model::MAX_TRACE_BYTES;
        if g.events.len() >= self.max_events || g.bytes > max_bytes {
            if !g.over_budget {
                g.over_budget = true;
                let text = format!(
                    "the run reached its trace budget ({} events or {} MiB of bytes) and was \
                     stopped: use fewer or smaller messages, or larger recv sizes",
                    self.max_events,
                    max_bytes / (1024 * 1024)
                );
                let _ = self.tx.send(Update::Note(text.clone()));
                g.notes.push(text);
                self.stop.stop();
            }
            if g.events.len() >= self.max_events + END_EVENTS {
                return;
            }
        }
        g.bytes += chunk.as_ref().map_or(0, |c| c.len as usize);
        let e = Event {
            t_us: self.now(),
            side,
            kind,
            chunk,
        };
        // The consumer may have gone away (the GUI closed the panel): keep recording.
        let bytes = chunk.map(|c| g.streams.get(&c).to_vec());
        let _ = self.tx.send(Update::Event(e.clone(), bytes));
        g.events.push(e);
    }

    pub fn emit(&self, side: Side, kind: EventKind, chunk: Option<ChunkRef>) {
        let mut g = self.lock();
        self.push(&mut g, side, kind, chunk);
    }

    /// Something a person should read: kept for the report and sent at once.
    pub fn note(&self, text: String) {
        let mut g = self.lock();
        let _ = self.tx.send(Update::Note(text.clone()));
        g.notes.push(text);
    }

    /// The sending program starts a message; returns its index for the writes.
    /// `frame` is the framing's bytes around the body: (header, trailer, escapes).
    pub fn register(&self, dir: Dir, data: &[u8], frame: (u64, u64, u64)) -> usize {
        let mut g = self.lock();
        let d = &g.dirs[dir.index()];
        let (header_len, trailer_len, escapes) = frame;
        let m = SentMessage {
            dir,
            id: d.view.len() as u32 + 1,
            data: Arc::from(data),
            offset: d.written,
            header_len,
            trailer_len,
            escapes,
            accepted: 0,
        };
        let full_index = g.messages.len();
        g.messages.push(m.clone());
        let d = &mut g.dirs[dir.index()];
        d.view.push(m);
        d.full.push(full_index);
        d.view.len() - 1
    }

    /// Before a write of `data` (part of message `msg`): its stream offset.
    pub fn begin_write(&self, side: Side, msg: usize, data: &[u8]) -> u64 {
        let mut g = self.lock();
        let d = &mut g.dirs[side.tx_dir().index()];
        let start = d.written;
        d.written += data.len() as u64;
        d.view[msg].accepted += data.len() as u64;
        // Live views colour the bytes of a message still being written.
        let _ = self.tx.send(Update::Message(d.view[msg].clone()));
        d.pending = Some(Pending {
            side,
            start,
            data: data.to_vec(),
            shown: 0,
            udp: false,
        });
        start
    }

    /// After that write: the socket took `n` bytes of what was planned.
    pub fn end_write(&self, side: Side, msg: usize, n: usize) {
        let dir = side.tx_dir();
        let mut g = self.lock();
        let Some(p) = g.dirs[dir.index()].pending.as_ref() else {
            return;
        };
        let (start, planned) = (p.start, p.data.len());
        let short = (planned - n) as u64;
        let d = &mut g.dirs[dir.index()];
        d.written -= short;
        d.view[msg].accepted -= short;
        let full = d.full[msg];
        g.messages[full].accepted += n as u64;
        self.flush_pending(&mut g, dir, start + n as u64);
        g.dirs[dir.index()].pending = None;
    }

    /// Emits the pending write's events for its bytes up to stream offset `upto`.
    fn flush_pending(&self, g: &mut Inner, dir: Dir, upto: u64) {
        let Some(p) = g.dirs[dir.index()].pending.as_mut() else {
            return;
        };
        let end = upto.min(p.start + p.data.len() as u64);
        let from = p.start + p.shown as u64;
        if p.udp {
            if p.shown == 0 && upto > p.start {
                p.shown = p.data.len();
                let (side, start, data) = (p.side, p.start, p.data.clone());
                let chunk = g.streams.put(dir, start, &data);
                let kind = EventKind::DatagramTx { len: data.len() };
                self.push(g, side, kind, Some(chunk));
            }
            return;
        }
        if end <= from {
            return;
        }
        let a = p.shown;
        let b = (end - p.start) as usize;
        p.shown = b;
        let side = p.side;
        let bytes = p.data[a..b].to_vec();
        let chunk = g.streams.put(dir, from, &bytes);
        let buffered = unread(g, dir) as usize;
        self.push(g, side, EventKind::SendBufWrite { buffered }, Some(chunk));
    }

    /// The message's writes are over: the consumer gets it with its final count.
    pub fn message_done(&self, dir: Dir, msg: usize) {
        let g = self.lock();
        let full = g.dirs[dir.index()].full[msg];
        let _ = self.tx.send(Update::Message(g.messages[full].clone()));
    }

    /// Before a UDP datagram is sent (message `msg`, all of `data`).
    pub fn begin_datagram(&self, side: Side, msg: usize, data: &[u8]) {
        let mut g = self.lock();
        let d = &mut g.dirs[side.tx_dir().index()];
        let start = d.written;
        d.written += data.len() as u64;
        d.view[msg].accepted = data.len() as u64;
        d.datagrams.push(msg);
        d.pending = Some(Pending {
            side,
            start,
            data: data.to_vec(),
            shown: 0,
            udp: true,
        });
    }

    /// After `send`: `sent` tells whether the datagram left.
    pub fn end_datagram(&self, side: Side, msg: usize, sent: bool) {
        let dir = side.tx_dir();
        let mut g = self.lock();
        if sent {
            let len = g.dirs[dir.index()].view[msg].accepted;
            let full = g.dirs[dir.index()].full[msg];
            g.messages[full].accepted = len;
            self.flush_pending(&mut g, dir, u64::MAX);
        } else {
            let d = &mut g.dirs[dir.index()];
            d.written -= d.view[msg].accepted;
            d.view[msg].accepted = 0;
            d.datagrams.pop();
        }
        g.dirs[dir.index()].pending = None;
    }

    /// A slice the relay wrote to `dir`'s receiver.
    pub fn relayed(&self, dir: Dir, offset: u64, data: &[u8]) {
        let mut g = self.lock();
        let end = offset + data.len() as u64;
        self.flush_pending(&mut g, dir, end);
        let chunk = g.streams.put(dir, offset, data);
        let kind = EventKind::Slice { len: data.len() };
        self.push(&mut g, dir.receiver(), kind, Some(chunk));
    }

    /// A receive call begins or stops waiting.
    pub fn set_blocked(&self, side: Side, blocked: bool) {
        self.lock().sides[side.index()].blocked_recv = blocked;
    }

    /// A TCP `recv(n)` returned `data` (empty = EOF): the model's read events.
    pub fn tcp_read(&self, side: Side, line: usize, n: usize, data: &[u8]) {
        let dir = side.peer().tx_dir();
        let mut g = self.lock();
        g.sides[side.index()].blocked_recv = false;
        let got = if data.is_empty() {
            Received::Eof
        } else {
            let start = g.dirs[dir.index()].read;
            self.flush_pending(&mut g, dir, start + data.len() as u64);
            g.dirs[dir.index()].read += data.len() as u64;
            Received::Data {
                chunk: g.streams.put(dir, start, data),
                buffered: unread(&g, dir) as usize,
                datagram_len: None,
            }
        };
        for (kind, chunk) in recv_events(line, n, got) {
            self.push(&mut g, side, kind, chunk);
        }
    }

    /// A UDP `recv(n)` returned `data`, the first bytes of a datagram of `len` bytes.
    /// The datagram is matched with the sent ones in order; sent datagrams it skips were
    /// dropped by the kernel (its receive queue was full).
    pub fn udp_read(&self, side: Side, line: usize, n: usize, data: &[u8], len: usize) {
        let dir = side.peer().tx_dir();
        let mut g = self.lock();
        g.sides[side.index()].blocked_recv = false;
        let d = &g.dirs[dir.index()];
        let found = (d.next_datagram..d.datagrams.len()).find(|&i| {
            let m = &g.messages[d.full[d.datagrams[i]]];
            m.data.len() == len && m.data.starts_with(data)
        });
        let offset = match found {
            Some(i) => {
                let dropped: Vec<(u64, Arc<[u8]>)> = (d.next_datagram..i)
                    .map(|k| {
                        let m = &d.view[d.datagrams[k]];
                        (m.offset, g.messages[d.full[d.datagrams[k]]].data.clone())
                    })
                    .collect();
                for (offset, data) in dropped {
                    let chunk = g.streams.put(dir, offset, &data);
                    let kind = EventKind::DatagramDrop {
                        len: data.len(),
                        reason: DropReason::QueueFull,
                    };
                    self.push(&mut g, side, kind, Some(chunk));
                }
                let offset = g.dirs[dir.index()].view[g.dirs[dir.index()].datagrams[i]].offset;
                self.flush_pending(&mut g, dir, offset + 1);
                let d = &mut g.dirs[dir.index()];
                d.next_datagram = i + 1;
                d.read = offset + len as u64;
                Some(offset)
            }
            None => None,
        };
        let chunk = match offset {
            Some(off) => g.streams.put(dir, off, data),
            // Not one of ours (a stray datagram): bytes without messages.
            None => {
                let read = g.dirs[dir.index()].read;
                g.streams.put_stray(dir, read, data)
            }
        };
        let got = Received::Data {
            chunk,
            buffered: unread(&g, dir) as usize,
            datagram_len: Some(len),
        };
        for (kind, chunk) in recv_events(line, n, got) {
            self.push(&mut g, side, kind, chunk);
        }
    }

    /// The program has ended (`end_event`: emit `ProgramEnd`, as the model does for a
    /// program that finished or crashed, not for one that was stuck or stopped).
    pub fn program_done(&self, side: Side, end_event: bool) {
        let mut g = self.lock();
        g.sides[side.index()].done = true;
        g.sides[side.index()].blocked_recv = false;
        if end_event {
            self.push(&mut g, side, EventKind::ProgramEnd, None);
        }
    }

    /// Called by a receive that is waiting: true when nothing can ever arrive. On TCP,
    /// both programs wait in a receive and every byte written has been read (a
    /// deadlock, which the model reports as "blocked forever"). On UDP, the peer has
    /// ended or waits too, and every datagram sent to this side has been received.
    pub fn nothing_can_arrive(&self, side: Side, udp: bool) -> bool {
        let mut g = self.lock();
        if g.deadlock {
            return true;
        }
        let me = g.sides[side.index()];
        let peer = g.sides[side.peer().index()];
        let rx = side.peer().tx_dir();
        let tx = side.tx_dir();
        let stuck = if udp {
            let d = &g.dirs[rx.index()];
            me.blocked_recv
                && (peer.done || peer.blocked_recv)
                && d.next_datagram == d.datagrams.len()
        } else {
            me.blocked_recv && peer.blocked_recv && unread(&g, rx) == 0 && unread(&g, tx) == 0
        };
        if stuck && !udp {
            g.deadlock = true;
        }
        stuck
    }

    /// True while the peer program is still inside its receive call.
    pub fn peer_waiting(&self, side: Side) -> bool {
        let g = self.lock();
        let p = g.sides[side.peer().index()];
        p.blocked_recv && !p.done
    }

    /// The trace's messages and events, and the notes, at the end of the run.
    pub fn finish(&self) -> (Vec<SentMessage>, Vec<Event>, Streams, Vec<String>) {
        let mut g = self.lock();
        (
            std::mem::take(&mut g.messages),
            std::mem::take(&mut g.events),
            std::mem::take(&mut g.streams),
            std::mem::take(&mut g.notes),
        )
    }
}

/// Bytes of `dir` written and not yet read by the receiving program: kernel send and
/// receive buffers together (and a slicer's buffer), which real sockets do not tell
/// apart.
fn unread(g: &Inner, dir: Dir) -> u64 {
    let d = &g.dirs[dir.index()];
    d.written.saturating_sub(d.read)
}

//! The three-boundary stream strip ("Follow stream").

use crate::trace::{Dir, EventKind, Trace};

/// A range of stream offsets and the event it comes from (a segment, a recv result).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Piece {
    pub start: u64,
    pub end: u64,
    pub event: usize,
}

/// A message as sent: `[start, end)` of the stream, header included.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MessageRange {
    pub id: u32,
    pub start: u64,
    pub end: u64,
    /// Where its body starts (= `start` when unframed).
    pub body: u64,
}

/// One direction's bytes once, with the three sets of boundaries over them.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Strip {
    /// The stream's bytes from offset 0 (as far as the trace shows them, at most
    /// [`MAX_STRIP_BYTES`]).
    pub data: Vec<u8>,
    /// Whether the stream is longer than `data`.
    pub cut: bool,
    /// As the application sent them.
    pub messages: Vec<MessageRange>,
    /// As they crossed the wire (segments or datagrams).
    pub segments: Vec<Piece>,
    /// As `recv()` returned them.
    pub reads: Vec<Piece>,
}

/// The longest stream a strip holds; the rest is cut (the GUI says so).
pub const MAX_STRIP_BYTES: usize = 1 << 20;

impl Strip {
    /// Reads that hold bytes of two or more messages (粘包).
    pub fn sticky_reads(&self) -> Vec<usize> {
        (0..self.reads.len())
            .filter(|&k| {
                let r = &self.reads[k];
                self.messages
                    .iter()
                    .filter(|m| m.start < r.end && m.end > r.start)
                    .count()
                    >= 2
            })
            .collect()
    }

    /// Messages whose bytes came out of two or more reads (拆包).
    pub fn split_messages(&self) -> Vec<u32> {
        self.messages
            .iter()
            .filter(|m| {
                self.reads
                    .iter()
                    .filter(|r| m.start < r.end && m.end > r.start)
                    .count()
                    >= 2
            })
            .map(|m| m.id)
            .collect()
    }

    /// The message that byte `offset` belongs to.
    pub fn message_at(&self, offset: u64) -> Option<&MessageRange> {
        self.messages
            .iter()
            .find(|m| m.start <= offset && offset < m.end)
    }
}

/// The bytes of `dir`'s stream from offset 0, as far as the trace holds them (at most
/// `limit`, and whether there were more): what its segments, datagrams, buffer writes
/// and recv results carry. Captured real segments carry no bytes, so this is where their
/// payload comes from.
pub fn stream_bytes(trace: &Trace, dir: Dir, limit: usize) -> (Vec<u8>, bool) {
    let s = &trace.streams.dirs[dir.index()];
    (s[..s.len().min(limit)].to_vec(), s.len() > limit)
}

/// The strip of `dir`.
pub fn strip(trace: &Trace, dir: Dir) -> Strip {
    let (data, cut) = stream_bytes(trace, dir, MAX_STRIP_BYTES);
    let mut s = Strip {
        data,
        cut,
        ..Default::default()
    };
    let sender = dir.sender();
    for (i, e) in trace.events.iter().enumerate() {
        match &e.kind {
            // A captured segment has a header and no bytes: its range is enough.
            EventKind::SegmentTx(h) if e.side == sender && h.len > 0 => s.segments.push(Piece {
                start: h.seq,
                end: h.end(),
                event: i,
            }),
            EventKind::DatagramTx { len } if e.side == sender && *len > 0 => {
                if let Some(c) = &e.chunk {
                    s.segments.push(Piece {
                        start: c.offset,
                        end: c.offset + *len as u64,
                        event: i,
                    });
                }
            }
            EventKind::AppReturn { .. } if e.side == dir.receiver() => {
                if let Some(c) = e.chunk.filter(|c| c.dir == dir && !c.is_empty()) {
                    s.reads.push(Piece {
                        start: c.offset,
                        end: c.end(),
                        event: i,
                    });
                }
            }
            _ => {}
        }
    }
    for m in trace.messages_in(dir).filter(|m| m.accepted > 0) {
        s.messages.push(MessageRange {
            id: m.id,
            start: m.offset,
            end: m.offset + m.accepted,
            body: m.offset + m.header_len.min(m.accepted),
        });
    }
    s
}

//! Metrics computed from any trace, simulated or real (docs/design.md, "Metrics").
//!
//! Everything here reads only the trace: its events, in order, and its list of sent
//! messages. Nothing depends on how the trace was produced, so a real-socket trace gets
//! the same numbers by the same rules.
//!
//! # Definitions (the contract)
//!
//! Each direction `d` has a sender `d.sender()` and a receiver `d.receiver()`. An event at
//! side `S` that *receives* something belongs to direction `S.peer().tx_dir()`.
//!
//! - **Recv result**: an [`EventKind::AppReturn`] with [`Call::Recv`] at side `S`: what
//!   one `recv()` call handed to the application. Its bytes and spans are the event's
//!   chunk (none, or empty, when `ret == 0`). On TCP, `ret == 0` is EOF; on UDP it is an
//!   empty datagram (UDP has no EOF). The [`EventKind::Eof`] event that follows an EOF
//!   return is not counted again. The inner `recv()` calls of a framed `recv_message`
//!   are recv results; the `recv_message` return itself is not.
//! - `recv_calls`: recv results, EOF included. `bytes_delivered`: the sum of their `ret`.
//! - `sticky_reads`: recv results whose spans cover two or more distinct message numbers
//!   (a frame's header bytes belong to its message).
//! - `split_messages`: messages whose body bytes ([`Part::Body`] spans) appear in two or
//!   more distinct recv results. Reading the header in one recv and the whole body in the
//!   next is not a split.
//! - **Delivery**: an [`EventKind::Deliver`] at side `S`, compared with one sent message:
//!   on TCP the delivery with `index = k` with the [`SentMessage`] with `id = k` (a stream
//!   keeps order, so the k-th message out should be the k-th sent); on UDP with the message
//!   whose datagram the recv popped (its span's `msg`), because datagrams can be lost, and
//!   a lost one must not shift the others. It is intact when the data are equal, else it has
//!   wrong boundaries (the bytes are TCP's, intact; the program cut the stream in the wrong
//!   place), or on UDP it was truncated (also when no such message was sent).
//!   `messages_intact` / `messages_corrupted` (the JSON key; "wrong boundaries" in words)
//!   count deliveries; `messages_missing` counts sent messages never delivered: on TCP
//!   those whose id is above the number of deliveries, on UDP those whose id no delivery
//!   carries; `messages_sent` counts the direction's sent messages.
//! - `bytes_sent`: the sum of [`SentMessage::accepted`] (frame headers included).
//! - `bytes_lost`: for every sent message, the bytes the socket did not accept
//!   (`header_len + data.len() − accepted`, saturating: a short `send()` whose rest the
//!   program ignored); plus `len − kept` of every [`EventKind::Truncated`] at the
//!   receiver; plus `len` of every [`EventKind::DatagramDrop`] at the receiver (a drop is
//!   reported where the datagram would have been queued, whether the queue was full or
//!   the wire lost it).
//! - `segments`: [`EventKind::SegmentTx`] with `len > 0` (a bare FIN is not a data
//!   segment) and [`EventKind::DatagramTx`], at the sender.
//! - `acks`: [`EventKind::AckTx`] at the receiver: the pure ACKs and window updates that
//!   acknowledge this direction's data.
//! - `nagle_holds`: [`EventKind::NagleHold`] at the sender. `max_hold_ms`: the longest
//!   [`EventKind::NagleRelease`] `held_us` at the sender, in milliseconds.
//! - `duration_ms`: the latest time (ms) of an [`EventKind::AppReturn`] among the sender's
//!   `send`, `sendall`, `send_message` and `close` and the receiver's `recv` and
//!   `recv_message`; 0 if there is none.
//! - The summary sums the two directions, except `max_hold_ms` and `duration_ms`, which
//!   are the larger of the two.
//!
//! All output is built in event order or direction order; nothing iterates a hash map.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::params::Transport;
use crate::scenario::Lang;
use crate::trace::{Call, Dir, EventKind, Micros, Part, SentMessage, Side, Span, Trace, hex_bytes};

#[cfg(test)]
mod tests;

/// How the summary joins the two directions' values of a metric.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Combine {
    /// Counts add up.
    Sum,
    /// Times: the larger of the two.
    Max,
}

impl Combine {
    fn apply<T: Copy + PartialOrd + std::ops::Add<Output = T>>(self, a: T, b: T) -> T {
        match self {
            Combine::Sum => a + b,
            Combine::Max => {
                if b > a {
                    b
                } else {
                    a
                }
            }
        }
    }
}

/// One metric's value: a count, or a time in milliseconds.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum MetricValue {
    Count(u64),
    Ms(f64),
}

impl MetricValue {
    pub fn as_f64(self) -> f64 {
        match self {
            MetricValue::Count(n) => n as f64,
            MetricValue::Ms(ms) => ms,
        }
    }
}

impl From<u64> for MetricValue {
    fn from(n: u64) -> Self {
        MetricValue::Count(n)
    }
}

impl From<f64> for MetricValue {
    fn from(ms: f64) -> Self {
        MetricValue::Ms(ms)
    }
}

/// Counts as integers, times with three decimals (the CLI's and GUI's tables); honours
/// width and alignment (`{:>12}`).
impl std::fmt::Display for MetricValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            MetricValue::Count(n) => f.pad(&n.to_string()),
            MetricValue::Ms(ms) => f.pad(&format!("{ms:.3}")),
        }
    }
}

/// One field of [`Metrics`]: its machine name (the JSON key), a label in plain words, how
/// to read it and how the summary combines it.
pub struct MetricField {
    pub name: &'static str,
    pub en: &'static str,
    pub zh: &'static str,
    pub combine: Combine,
    get: fn(&Metrics) -> MetricValue,
    merge: fn(&mut Metrics, &Metrics),
}

impl MetricField {
    pub fn value(&self, m: &Metrics) -> MetricValue {
        (self.get)(m)
    }

    pub fn label(&self, lang: Lang) -> &'static str {
        match lang {
            Lang::En => self.en,
            Lang::Zh => self.zh,
        }
    }
}

impl std::fmt::Debug for MetricField {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MetricField")
            .field("name", &self.name)
            .field("combine", &self.combine)
            .finish_non_exhaustive()
    }
}

/// The one list of metrics: declares [`Metrics`] and its [`Metrics::fields`] table together,
/// so a field cannot be added to one and forgotten in the other.
macro_rules! metrics {
    ($($name:ident: $ty:ty, $combine:ident, $en:literal, $zh:literal;)*) => {
        /// The metrics of one direction, or of both (the summary). Field names are the
        /// metric names of docs/design.md ("Metrics"), in its order; they are the JSON keys.
        #[derive(Clone, Debug, Default, PartialEq, Serialize)]
        pub struct Metrics {
            $(pub $name: $ty,)*
        }

        const FIELDS: &[MetricField] = &[$(MetricField {
            name: stringify!($name),
            en: $en,
            zh: $zh,
            combine: Combine::$combine,
            get: |m| MetricValue::from(m.$name),
            merge: |a, b| a.$name = Combine::$combine.apply(a.$name, b.$name),
        },)*];
    };
}

metrics! {
    messages_sent: u64, Sum, "messages sent", "发送的消息数";
    messages_intact: u64, Sum, "messages intact", "完整的消息数";
    messages_corrupted: u64, Sum, "messages with wrong boundaries", "边界错位的消息数";
    messages_missing: u64, Sum, "messages missing", "缺失的消息数";
    recv_calls: u64, Sum, "recv() calls", "recv() 调用次数";
    sticky_reads: u64, Sum, "sticky reads", "粘包读取次数";
    split_messages: u64, Sum, "split messages", "被拆开的消息数";
    bytes_sent: u64, Sum, "bytes sent", "发送字节数";
    bytes_delivered: u64, Sum, "bytes delivered", "交付字节数";
    bytes_lost: u64, Sum, "bytes lost", "丢失字节数";
    segments: u64, Sum, "segments (or datagrams) sent", "发送的报文段（或数据报）数";
    acks: u64, Sum, "pure ACKs", "纯 ACK 数";
    nagle_holds: u64, Sum, "Nagle holds", "Nagle 扣留次数";
    max_hold_ms: f64, Max, "longest Nagle hold (ms)", "Nagle 最长扣留 (ms)";
    duration_ms: f64, Max, "duration (ms)", "持续时间 (ms)";
}

impl Metrics {
    /// Every metric, in docs/design.md's order (the JSON report's).
    pub fn fields() -> &'static [MetricField] {
        FIELDS
    }

    /// Both directions together: counts add up, `max_hold_ms` and `duration_ms` are the
    /// larger of the two.
    pub fn combine(&self, other: &Metrics) -> Metrics {
        let mut out = self.clone();
        for f in FIELDS {
            (f.merge)(&mut out, other);
        }
        out
    }

    /// One line for people: "3 of 5 messages intact; 2 sticky reads; 1 split message;
    /// 120 bytes lost". Only the nonzero problems are listed.
    pub fn verdict(&self) -> String {
        let parts: Vec<String> = self.findings().into_iter().map(Finding::en).collect();
        parts.join("; ")
    }

    /// The verdict in Chinese: "2 条消息中 0 条完整；1 条边界错位；1 次粘包读取".
    pub fn verdict_zh(&self) -> String {
        let parts: Vec<String> = self.findings().into_iter().map(Finding::zh).collect();
        parts.join("；")
    }

    fn findings(&self) -> Vec<Finding> {
        self.findings_with(&[])
    }

    /// The findings, with the UDP fates named by message id in place of the counts they
    /// explain ("#3 truncated; #1, #2 lost" rather than "1 corrupted; 2 missing").
    fn findings_with(&self, fates: &[Fate]) -> Vec<Finding> {
        let truncated: Vec<u32> = fates
            .iter()
            .filter(|f| f.what == FateKind::Truncated)
            .map(|f| f.msg)
            .collect();
        let lost: Vec<u32> = fates
            .iter()
            .filter(|f| f.what == FateKind::Lost)
            .map(|f| f.msg)
            .collect();
        let corrupted = self
            .messages_corrupted
            .saturating_sub(truncated.len() as u64);
        let missing = self.messages_missing.saturating_sub(lost.len() as u64);
        let mut f = vec![if self.messages_sent == 0 {
            Finding::NoneSent
        } else {
            Finding::Intact(self.messages_intact, self.messages_sent)
        }];
        let counts = [
            (corrupted, Finding::Corrupted as fn(u64) -> Finding),
            (missing, Finding::Missing),
            (self.sticky_reads, Finding::Sticky),
            (self.split_messages, Finding::Split),
            (self.bytes_lost, Finding::Lost),
        ];
        f.extend(
            counts
                .into_iter()
                .filter(|(n, _)| *n > 0)
                .map(|(n, make)| make(n)),
        );
        // Named fates go right after the intact count, before the other problems.
        let mut named = Vec::new();
        if !truncated.is_empty() {
            named.push(Finding::Truncated(truncated));
        }
        if !lost.is_empty() {
            named.push(Finding::LostIds(lost));
        }
        f.splice(1..1, named);
        if self.max_hold_ms > 0.0 {
            f.push(Finding::Held(self.max_hold_ms));
        }
        f
    }
}

/// One part of a verdict.
enum Finding {
    NoneSent,
    Intact(u64, u64),
    Corrupted(u64),
    Missing(u64),
    /// UDP datagrams cut by a too-small recvfrom, by message id.
    Truncated(Vec<u32>),
    /// UDP datagrams lost on the wire or dropped by a full queue, by message id.
    LostIds(Vec<u32>),
    Sticky(u64),
    Split(u64),
    Lost(u64),
    Held(f64),
}

impl Finding {
    fn en(self) -> String {
        match self {
            Finding::NoneSent => "no messages sent".to_string(),
            Finding::Intact(i, n) => format!("{i} of {} intact", plural(n, "message", "messages")),
            Finding::Corrupted(n) => format!("{n} with wrong boundaries"),
            Finding::Missing(n) => format!("{n} missing"),
            Finding::Truncated(ids) => format!("{} truncated", ids_list(&ids, ", ")),
            Finding::LostIds(ids) => format!("{} lost", ids_list(&ids, ", ")),
            Finding::Sticky(n) => plural(n, "sticky read", "sticky reads"),
            Finding::Split(n) => plural(n, "split message", "split messages"),
            Finding::Lost(n) => format!("{} lost", plural(n, "byte", "bytes")),
            Finding::Held(ms) => format!("Nagle held data up to {} ms", fmt_ms(ms)),
        }
    }

    fn zh(self) -> String {
        match self {
            Finding::NoneSent => "没有发送消息".to_string(),
            Finding::Intact(i, n) => format!("{n} 条消息中 {i} 条完整"),
            Finding::Corrupted(n) => format!("{n} 条边界错位"),
            Finding::Missing(n) => format!("{n} 条缺失"),
            Finding::Truncated(ids) => format!("{} 被截断", ids_list(&ids, "、")),
            Finding::LostIds(ids) => format!("{} 丢失", ids_list(&ids, "、")),
            Finding::Sticky(n) => format!("{n} 次粘包读取"),
            Finding::Split(n) => format!("{n} 条消息被拆开"),
            Finding::Lost(n) => format!("丢失 {n} 字节"),
            Finding::Held(ms) => format!("Nagle 最长扣留数据 {} ms", fmt_ms(ms)),
        }
    }
}

/// `#1, #2` (at most 8 ids, then `…`).
fn ids_list(ids: &[u32], sep: &str) -> String {
    let mut shown: Vec<String> = ids.iter().take(8).map(|i| format!("#{i}")).collect();
    if ids.len() > 8 {
        shown.push(format!("… ({} in all)", ids.len()));
    }
    shown.join(sep)
}

/// `"1 message"`, `"2 messages"`.
fn plural(n: u64, one: &str, many: &str) -> String {
    if n == 1 {
        format!("{n} {one}")
    } else {
        format!("{n} {many}")
    }
}

/// One decimal, or three for holds too short to show with one.
fn fmt_ms(ms: f64) -> String {
    if ms >= 0.05 {
        format!("{ms:.1}")
    } else {
        format!("{ms:.3}")
    }
}

fn to_ms(us: Micros) -> f64 {
    us as f64 / 1000.0
}

/// The metrics of a trace: both directions and their summary.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Report {
    pub summary: Metrics,
    pub directions: Directions,
    /// UDP only: what became of each message that did not arrive intact, by id (for the
    /// verdict's words; the JSON report keeps the counts).
    #[serde(skip)]
    pub fates: Vec<Fate>,
}

/// What became of one UDP message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fate {
    pub dir: Dir,
    pub msg: u32,
    pub what: FateKind,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FateKind {
    /// Delivered cut short: `recvfrom(n)` with n smaller than the datagram.
    Truncated,
    /// Never delivered, and dropped (lost on the wire, or the queue was full).
    Lost,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Directions {
    pub client_to_server: Metrics,
    pub server_to_client: Metrics,
}

impl Report {
    pub fn direction(&self, d: Dir) -> &Metrics {
        match d {
            Dir::ClientToServer => &self.directions.client_to_server,
            Dir::ServerToClient => &self.directions.server_to_client,
        }
    }

    /// The summary's one-line verdict (see [`Metrics::verdict`]); UDP messages that were
    /// truncated or lost are named by id.
    pub fn verdict(&self) -> String {
        self.verdict_in(Lang::En)
    }

    /// The verdict in Chinese.
    pub fn verdict_zh(&self) -> String {
        self.verdict_in(Lang::Zh)
    }

    pub fn verdict_in(&self, lang: Lang) -> String {
        let findings = self.summary.findings_with(&self.fates).into_iter();
        match lang {
            Lang::En => findings.map(Finding::en).collect::<Vec<_>>().join("; "),
            Lang::Zh => findings.map(Finding::zh).collect::<Vec<_>>().join("；"),
        }
    }
}

/// What the application got from one completed `recv()` call.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RecvResult {
    /// Index of the `AppReturn` event in `trace.events`.
    pub event: usize,
    /// The receiving side.
    pub side: Side,
    pub dir: Dir,
    pub t_us: Micros,
    #[serde(with = "hex_bytes")]
    pub data: Vec<u8>,
    pub spans: Vec<Span>,
    /// Distinct message numbers in `spans`, in order of first appearance.
    pub messages: Vec<u32>,
    /// Bytes of two or more messages in this one result.
    pub sticky: bool,
    /// The peer closed and the buffer was drained (TCP `ret == 0`).
    pub eof: bool,
}

/// Every completed recv, in event order.
pub fn recv_results(trace: &Trace) -> Vec<RecvResult> {
    let udp = trace.params.transport == Transport::Udp;
    let mut out = Vec::new();
    for (i, e) in trace.events.iter().enumerate() {
        let EventKind::AppReturn {
            call: Call::Recv { .. },
            ret,
            ..
        } = &e.kind
        else {
            continue;
        };
        let (data, spans) = match trace.chunk_of(e) {
            Some(c) => (c.data, c.spans),
            None => (Vec::new(), Vec::new()),
        };
        let mut messages: Vec<u32> = Vec::new();
        for s in &spans {
            if !messages.contains(&s.msg) {
                messages.push(s.msg);
            }
        }
        out.push(RecvResult {
            event: i,
            side: e.side,
            dir: e.side.peer().tx_dir(),
            t_us: e.t_us,
            data,
            spans,
            sticky: messages.len() >= 2,
            messages,
            eof: *ret == 0 && !udp,
        });
    }
    out
}

/// One message a `recv_message` handed to the application, with its verdict.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Delivery {
    /// Index of the `Deliver` event in `trace.events`.
    pub event: usize,
    /// The receiving side.
    pub side: Side,
    pub dir: Dir,
    /// Delivery number within its direction, from 1.
    pub index: u32,
    /// The sent message it is compared with: `index` on TCP; on UDP the id of the
    /// datagram the recv popped.
    pub msg: u32,
    #[serde(with = "hex_bytes")]
    pub data: Vec<u8>,
    /// Equal to the sent message `msg`.
    pub intact: bool,
    /// UDP: the datagram was longer than the recv's bufsize and was cut.
    pub truncated: bool,
}

/// Every delivered message, in event order.
pub fn deliveries(trace: &Trace) -> Vec<Delivery> {
    let udp = trace.params.transport == Transport::Udp;
    let sent = sent_by_id(trace);
    let mut out = Vec::new();
    // Per side: the message of the last datagram a recv popped, and whether it was cut
    // (the `Truncated` event comes just before the recv's return).
    let mut popped: [Option<(u32, bool)>; 2] = [None, None];
    let mut cut = [false; 2];
    for (i, e) in trace.events.iter().enumerate() {
        let side = e.side.index();
        match &e.kind {
            EventKind::AppReturn {
                call: Call::Recv { .. },
                ..
            } if udp => {
                let msg = e
                    .chunk
                    .and_then(|c| trace.chunk_spans(&c).first().map(|s| s.msg));
                popped[side] = msg.map(|m| (m, cut[side]));
                cut[side] = false;
                continue;
            }
            EventKind::Truncated { .. } => {
                cut[side] = true;
                continue;
            }
            _ => {}
        }
        let EventKind::Deliver { index, data, .. } = &e.kind else {
            continue;
        };
        let dir = e.side.peer().tx_dir();
        let (msg, truncated) = match popped[side].take() {
            Some(p) if udp => p,
            _ => (*index, false),
        };
        let intact = sent.get(&(dir, msg)).is_some_and(|m| *m.data == **data);
        out.push(Delivery {
            event: i,
            side: e.side,
            dir,
            index: *index,
            msg,
            data: data.to_vec(),
            intact,
            truncated: truncated && !intact,
        });
    }
    out
}

fn sent_by_id(trace: &Trace) -> BTreeMap<(Dir, u32), &SentMessage> {
    let mut map = BTreeMap::new();
    for m in &trace.messages {
        // The first message with an id wins, should a trace ever repeat one.
        map.entry((m.dir, m.id)).or_insert(m);
    }
    map
}

/// The metrics of a trace.
pub fn analyze(trace: &Trace) -> Report {
    let mut per = [Metrics::default(), Metrics::default()];

    // Sent messages.
    for m in &trace.messages {
        let d = &mut per[m.dir.index()];
        d.messages_sent += 1;
        d.bytes_sent += m.accepted;
        d.bytes_lost += m.wire_len().saturating_sub(m.accepted);
    }

    // Recv results: calls, bytes, sticky reads, and which results hold each body.
    // (dir, msg) → (last recv result that held body bytes, how many did)
    let mut bodies: BTreeMap<(Dir, u32), (usize, u64)> = BTreeMap::new();
    for (n, r) in recv_results(trace).iter().enumerate() {
        let d = &mut per[r.dir.index()];
        d.recv_calls += 1;
        if r.sticky {
            d.sticky_reads += 1;
        }
        for s in r
            .spans
            .iter()
            .filter(|s| s.part == Part::Body && s.start < s.end)
        {
            let entry = bodies.entry((r.dir, s.msg)).or_insert((usize::MAX, 0));
            if entry.0 != n {
                *entry = (n, entry.1 + 1);
            }
        }
    }
    for ((dir, _), (_, results)) in &bodies {
        if *results >= 2 {
            per[dir.index()].split_messages += 1;
        }
    }

    // Deliveries.
    let udp = trace.params.transport == Transport::Udp;
    let mut delivered = [0u64; 2];
    let mut carried: std::collections::BTreeSet<(Dir, u32)> = Default::default();
    let mut fates = Vec::new();
    for dv in deliveries(trace) {
        let d = &mut per[dv.dir.index()];
        delivered[dv.dir.index()] += 1;
        carried.insert((dv.dir, dv.msg));
        if dv.intact {
            d.messages_intact += 1;
        } else {
            d.messages_corrupted += 1;
            if dv.truncated {
                fates.push(Fate {
                    dir: dv.dir,
                    msg: dv.msg,
                    what: FateKind::Truncated,
                });
            }
        }
    }
    // UDP: the messages whose datagram was dropped.
    let mut dropped: std::collections::BTreeSet<(Dir, u32)> = Default::default();
    for e in &trace.events {
        if let (EventKind::DatagramDrop { .. }, Some(c)) = (&e.kind, &e.chunk) {
            dropped.extend(trace.chunk_spans(c).iter().map(|s| (c.dir, s.msg)));
        }
    }
    for m in &trace.messages {
        let missing = if udp {
            !carried.contains(&(m.dir, m.id))
        } else {
            u64::from(m.id) > delivered[m.dir.index()]
        };
        if missing {
            per[m.dir.index()].messages_missing += 1;
            if udp && dropped.contains(&(m.dir, m.id)) {
                fates.push(Fate {
                    dir: m.dir,
                    msg: m.id,
                    what: FateKind::Lost,
                });
            }
        }
    }

    // Everything else, event by event.
    let mut last_call: [Option<Micros>; 2] = [None, None];
    for e in &trace.events {
        // The direction this side sends in, and the one it receives.
        let tx = e.side.tx_dir();
        let rx = e.side.peer().tx_dir();
        match &e.kind {
            EventKind::AppReturn { call, ret, .. } => {
                let dir = match call {
                    Call::Send { .. }
                    | Call::Sendall { .. }
                    | Call::SendMessage { .. }
                    | Call::Close => tx,
                    Call::Recv { .. } => {
                        per[rx.index()].bytes_delivered += *ret as u64;
                        rx
                    }
                    Call::RecvMessage { .. } => rx,
                    Call::Sleep { .. } | Call::SetTimeout { .. } => continue,
                };
                let last = &mut last_call[dir.index()];
                *last = Some(last.map_or(e.t_us, |t| t.max(e.t_us)));
            }
            EventKind::Truncated { len, kept } => {
                per[rx.index()].bytes_lost += len.saturating_sub(*kept) as u64;
            }
            EventKind::DatagramDrop { len, .. } => per[rx.index()].bytes_lost += *len as u64,
            EventKind::SegmentTx(h) if h.len > 0 => per[tx.index()].segments += 1,
            EventKind::DatagramTx { .. } => per[tx.index()].segments += 1,
            EventKind::AckTx { .. } => per[rx.index()].acks += 1,
            EventKind::NagleHold { .. } => per[tx.index()].nagle_holds += 1,
            EventKind::NagleRelease { held_us } => {
                let d = &mut per[tx.index()];
                d.max_hold_ms = d.max_hold_ms.max(to_ms(*held_us));
            }
            _ => {}
        }
    }
    for dir in Dir::BOTH {
        per[dir.index()].duration_ms = last_call[dir.index()].map_or(0.0, to_ms);
    }

    let [client_to_server, server_to_client] = per;
    Report {
        summary: client_to_server.combine(&server_to_client),
        directions: Directions {
            client_to_server,
            server_to_client,
        },
        fates,
    }
}

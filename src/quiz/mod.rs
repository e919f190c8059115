//! Predict, then reveal: the questions of a run, their choices, the class's answers.
//!
//! A scenario step that receives can carry a question ([`crate::scenario::Question`]).
//! For a finished trace, [`questions`] finds each asked step's call in the trace, what it
//! really returned (the truth), and the choices: the file's, or made from the trace (the
//! true result, the "naive" answer that every recv returns exactly one message, a split, a
//! glue, end of file). Which choice is right is decided by the run, never by the file, so
//! a question stays right when the teacher toggles Nagle or the framing.
//!
//! Pure data and logic (no egui, no clock): the GUI's Quiz mode (`gui/quiz.rs`) draws it.

use crate::params::{DecoderKind, Framing, Transport};
use crate::scenario::{Answers, Guess, Scenario, Text};
use crate::trace::{Call, EventKind, Part, SentMessage, Side, Span, Trace};

mod inline;
mod label;
mod session;

pub use inline::*;
pub use label::*;
pub use session::*;

/// What one receive step really did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// It returned these bytes (for `recv_message`: the message delivered).
    Data(Vec<u8>),
    /// It returned `b''`: the peer closed (TCP) or an empty datagram (UDP).
    Empty,
    /// The program crashed here (the tutorial's decoder, or a reset connection).
    Crash(String),
    /// It never returned: blocked forever.
    Never,
}

/// One answer offered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Expect {
    Bytes(Vec<u8>),
    /// Any result of this many bytes (0: `b''`).
    Count(u64),
    Crash,
    Never,
}

impl Expect {
    /// Whether this answer is what happened.
    pub fn matches(&self, truth: &Outcome) -> bool {
        match (self, truth) {
            (Expect::Bytes(b), Outcome::Data(d)) => b == d,
            (Expect::Bytes(b), Outcome::Empty) => b.is_empty(),
            (Expect::Count(n), Outcome::Data(d)) => d.len() as u64 == *n,
            (Expect::Count(n), Outcome::Empty) => *n == 0,
            (Expect::Crash, Outcome::Crash(_)) => true,
            (Expect::Never, Outcome::Never) => true,
            _ => false,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Choice {
    pub expect: Expect,
    pub label: Text,
}

/// One question of a run, ready to ask.
#[derive(Clone, Debug, PartialEq)]
pub struct Asked {
    pub side: Side,
    /// The step's index in its program (the trace's `line`).
    pub step: usize,
    /// The step's line in the file.
    pub file_line: u32,
    pub prompt: Text,
    /// The call, e.g. `recv(1024)`.
    pub call: String,
    /// Empty for a typed answer.
    pub choices: Vec<Choice>,
    pub truth: Outcome,
    /// The true result in words (shown at the reveal).
    pub truth_label: Text,
    /// The first event of the step (`AppCall`): from here on its note is hidden until the
    /// answer is given.
    pub call_event: usize,
    /// The first event that shows the result; playback stops before it.
    pub stop_event: usize,
}

impl Asked {
    pub fn typed(&self) -> bool {
        self.choices.is_empty()
    }

    /// The index of the right choice (None for a typed answer).
    pub fn right_choice(&self) -> Option<usize> {
        self.choices
            .iter()
            .position(|c| c.expect.matches(&self.truth))
    }

    /// Whether a typed answer is right: the bytes as text, or as a Python literal
    /// `b'...'` (with `\n`, `\r`, `\t`, `\\`, `\'` and `\xNN` escapes).
    pub fn typed_is_right(&self, typed: &str) -> bool {
        let bytes = parse_typed(typed);
        Expect::Bytes(bytes).matches(&self.truth)
    }
}

/// The questions of a run, in the order their stop events come.
pub fn questions(scenario: &Scenario, trace: &Trace) -> Vec<Asked> {
    let mut out = Vec::new();
    for side in [Side::Client, Side::Server] {
        let steps = match side {
            Side::Client => &scenario.client,
            Side::Server => &scenario.server,
        };
        for (i, step) in steps.iter().enumerate() {
            let Some(q) = &step.question else { continue };
            let Some(found) = find(trace, side, i) else {
                continue; // the program never got to this step
            };
            let ctx = Context::new(scenario, trace, side, i);
            let truth_choice = ctx.describe_truth(&found.truth, &found.spans, &found.all_spans);
            let choices = match &q.answers {
                Answers::Typed => Vec::new(),
                Answers::Generated => {
                    ctx.generated(&found.truth, truth_choice.clone(), &found.spans)
                }
                Answers::Given(g) => given(g, &found.truth, truth_choice.clone()),
            };
            out.push(Asked {
                side,
                step: i,
                file_line: step.line,
                prompt: q.prompt.clone(),
                call: found.call,
                choices,
                truth: found.truth,
                truth_label: truth_choice.label,
                call_event: found.call_event,
                stop_event: found.stop_event,
            });
        }
    }
    out.sort_by_key(|a| a.stop_event);
    out
}

struct Found {
    call: String,
    call_event: usize,
    stop_event: usize,
    truth: Outcome,
    /// The spans of the (first) recv result, to say which messages it holds.
    spans: Vec<Span>,
    /// The spans of every recv of the step (a framed read's header and body reads).
    all_spans: Vec<Span>,
}

/// The step's call in the trace and what it returned.
fn find(trace: &Trace, side: Side, step: usize) -> Option<Found> {
    let here = |e: &&crate::trace::Event| e.side == side;
    let mut call_event = None;
    let mut call = String::new();
    let mut stop = None;
    let mut framed = false;
    let mut first_recv: Option<(Vec<u8>, Vec<Span>)> = None;
    let mut all_spans: Vec<Span> = Vec::new();
    let mut truth = None;
    for (i, e) in trace.events.iter().enumerate().filter(|(_, e)| here(e)) {
        let line_of = match &e.kind {
            EventKind::AppCall { line, .. }
            | EventKind::AppReturn { line, .. }
            | EventKind::Deliver { line, .. }
            | EventKind::DecodeError { line, .. }
            | EventKind::NetError { line, .. }
            | EventKind::AppBlocked { line, .. }
            | EventKind::Eof { line } => *line,
            _ => continue,
        };
        if line_of != step {
            if call_event.is_some() && line_of > step {
                break;
            }
            continue;
        }
        match &e.kind {
            EventKind::AppCall { call: c, .. } => {
                if matches!(c, Call::Sleep { .. }) {
                    continue; // recv_delay_ms's sleep before the call
                }
                if call_event.is_none() {
                    call_event = Some(i);
                    call = c.text();
                    framed = matches!(c, Call::RecvMessage { .. });
                }
            }
            EventKind::AppReturn { call: c, ret, .. } => {
                if matches!(c, Call::Sleep { .. }) {
                    continue;
                }
                stop.get_or_insert(i);
                if let (Call::Recv { .. }, Some(chunk)) = (c, &e.chunk) {
                    all_spans.extend(trace.chunk_spans(chunk));
                }
                if let Call::Recv { .. } = c
                    && first_recv.is_none()
                {
                    let (data, spans) = trace
                        .chunk_of(e)
                        .map(|c| (c.data, c.spans))
                        .unwrap_or_default();
                    first_recv = Some((data, spans));
                    if !framed {
                        truth = Some(if *ret == 0 {
                            Outcome::Empty
                        } else {
                            Outcome::Data(first_recv.as_ref().map(|f| f.0.clone())?)
                        });
                        break;
                    }
                }
                if let Call::RecvMessage { .. } = c {
                    if truth.is_none() {
                        truth = Some(Outcome::Empty);
                    }
                    break;
                }
            }
            EventKind::Deliver { data, .. } => {
                stop.get_or_insert(i);
                truth = Some(if data.is_empty() {
                    Outcome::Empty
                } else {
                    Outcome::Data(data.to_vec())
                });
            }
            EventKind::DecodeError { error, .. } | EventKind::NetError { error, .. } => {
                stop.get_or_insert(i);
                truth = Some(Outcome::Crash(error.clone()));
                break;
            }
            EventKind::Eof { .. } if framed => {
                stop.get_or_insert(i);
            }
            _ => {}
        }
    }
    let call_event = call_event?;
    // A raw recv_message is one recv: the recv's own result is the message.
    Some(Found {
        call,
        call_event,
        stop_event: stop.unwrap_or(trace.events.len()),
        truth: truth.unwrap_or(Outcome::Never),
        spans: first_recv.map(|f| f.1).unwrap_or_default(),
        all_spans,
    })
}

/// What the question's step is, for the choices made from the trace.
struct Context<'a> {
    trace: &'a Trace,
    /// The messages sent towards this side, by id.
    sent: Vec<&'a SentMessage>,
    /// How many receive steps this side ran before this one.
    earlier_receives: usize,
    bufsize: u32,
    framed_reader: bool,
    tutorial_decoder: bool,
}

impl<'a> Context<'a> {
    fn new(scenario: &Scenario, trace: &'a Trace, side: Side, step: usize) -> Context<'a> {
        let steps = match side {
            Side::Client => &scenario.client,
            Side::Server => &scenario.server,
        };
        let receives = |a: &crate::scenario::Action| {
            matches!(
                a,
                crate::scenario::Action::Recv(_) | crate::scenario::Action::RecvMessage(_)
            )
        };
        let earlier_receives = steps[..step].iter().filter(|s| receives(&s.action)).count();
        let (bufsize, message) = match steps[step].action {
            crate::scenario::Action::Recv(n) => (n, false),
            crate::scenario::Action::RecvMessage(n) => (n, true),
            _ => (0, false),
        };
        let dir = side.peer().tx_dir();
        let mut sent: Vec<&SentMessage> = trace.messages.iter().filter(|m| m.dir == dir).collect();
        sent.sort_by_key(|m| m.id);
        let p = &trace.params;
        Context {
            trace,
            sent,
            earlier_receives,
            bufsize: trace.params.recv_size.unwrap_or(bufsize),
            framed_reader: message && p.framing != Framing::Raw && p.transport == Transport::Tcp,
            tutorial_decoder: p.decoder == DecoderKind::Tutorial,
        }
    }

    fn message(&self, id: u32) -> Option<&'a SentMessage> {
        self.sent.iter().copied().find(|m| m.id == id)
    }

    /// The true result, described by the messages its bytes come from.
    fn describe_truth(&self, truth: &Outcome, spans: &[Span], all_spans: &[Span]) -> Choice {
        match truth {
            Outcome::Data(d) => {
                let parts = if self.framed_reader {
                    // A delivered message: name it when it is exactly one that was sent.
                    self.sent
                        .iter()
                        .find(|m| *m.data == **d)
                        .map(|m| {
                            vec![Part2 {
                                msg: m.id,
                                piece: Piece::Whole,
                            }]
                        })
                        .unwrap_or_else(|| self.parts(all_spans))
                } else {
                    self.parts(spans)
                };
                Choice {
                    expect: Expect::Bytes(d.clone()),
                    label: bytes_label(d, &parts),
                }
            }
            Outcome::Empty => empty_choice(self.trace.params.transport),
            Outcome::Crash(e) => Choice {
                expect: Expect::Crash,
                label: crash_label(Some(e)),
            },
            Outcome::Never => never_choice(),
        }
    }

    /// "#1 whole", "the start of #2", … for a recv result's body spans.
    fn parts(&self, spans: &[Span]) -> Vec<Part2> {
        let mut out: Vec<Part2> = Vec::new();
        for s in spans.iter().filter(|s| s.start < s.end) {
            let Some(m) = self.message(s.msg) else {
                continue;
            };
            if s.part == Part::Header {
                if out.last().map(|p| p.msg) != Some(s.msg) {
                    out.push(Part2 {
                        msg: s.msg,
                        piece: Piece::Header,
                    });
                }
                continue;
            }
            let body_start = m.offset + m.header_len;
            let body_end = body_start + m.data.len() as u64;
            let piece = match (s.start <= body_start, s.end >= body_end) {
                (true, true) => Piece::Whole,
                (true, false) => Piece::Start,
                (false, true) => Piece::End,
                (false, false) => Piece::Middle,
            };
            match out.last_mut() {
                Some(p) if p.msg == s.msg => p.piece = piece.join(p.piece),
                _ => out.push(Part2 { msg: s.msg, piece }),
            }
        }
        out
    }

    /// The true result and up to three wrong answers a student might give.
    fn generated(&self, truth: &Outcome, truth_choice: Choice, spans: &[Span]) -> Vec<Choice> {
        let mut cands: Vec<Choice> = vec![truth_choice];
        // The naive answer: every recv returns exactly one message, the next one.
        let k = self.earlier_receives as u32 + 1;
        let naive = self.message(k);
        let transport = self.trace.params.transport;
        match naive {
            Some(m) => {
                cands.push(whole(m));
                // Glued to the next message.
                if let Some(next) = self.message(k + 1) {
                    let glued = [&m.data[..], &next.data[..]].concat();
                    cands.push(Choice {
                        label: bytes_label(
                            &glued,
                            &[
                                Part2 {
                                    msg: m.id,
                                    piece: Piece::Whole,
                                },
                                Part2 {
                                    msg: next.id,
                                    piece: Piece::Whole,
                                },
                            ],
                        ),
                        expect: Expect::Bytes(glued),
                    });
                }
                // Split: cut at the bufsize, or in half.
                let cut = if m.data.len() > self.bufsize as usize && self.bufsize > 0 {
                    self.bufsize as usize
                } else {
                    m.data.len() / 2
                };
                if cut > 0 {
                    let part = m.data[..cut].to_vec();
                    cands.push(Choice {
                        label: bytes_label(
                            &part,
                            &[Part2 {
                                msg: m.id,
                                piece: Piece::Start,
                            }],
                        ),
                        expect: Expect::Bytes(part),
                    });
                }
            }
            None => cands.push(empty_choice(transport)),
        }
        // The whole message the true result starts in ("recv waits for all of it").
        if let Some(m) = spans.first().and_then(|s| self.message(s.msg)) {
            cands.push(whole(m));
        }
        if self.framed_reader && self.tutorial_decoder {
            cands.push(Choice {
                expect: Expect::Crash,
                label: crash_label(None),
            });
        }
        cands.push(empty_choice(transport));
        // "recv waits for the next message" is the classic wrong answer to an EOF.
        if matches!(truth, Outcome::Never | Outcome::Empty) {
            cands.push(never_choice());
        }
        // Distinct answers; the truth is first, so it always stays.
        let mut out: Vec<Choice> = Vec::new();
        for c in cands {
            let same = |o: &Choice| match (&o.expect, &c.expect) {
                (Expect::Bytes(a), Expect::Bytes(b)) => a == b,
                (a, b) => a == b,
            };
            if !out.iter().any(same) && out.len() < 4 {
                out.push(c);
            }
        }
        order(&mut out);
        out
    }
}

/// The file's choices; when none is right under the current settings, the true result
/// takes the last one's place (so there is always one right answer).
fn given(guesses: &[Guess], truth: &Outcome, truth_choice: Choice) -> Vec<Choice> {
    let mut out: Vec<Choice> = guesses
        .iter()
        .map(|g| match g {
            Guess::Bytes(b) => Choice {
                expect: Expect::Bytes(b.clone()),
                label: bytes_label(b, &[]),
            },
            Guess::Count(n) => Choice {
                expect: Expect::Count(*n),
                label: Text {
                    en: format!("{n} bytes"),
                    zh: format!("{n} 字节"),
                },
            },
        })
        .collect();
    if !out.iter().any(|c| c.expect.matches(truth))
        && let Some(last) = out.last_mut()
    {
        *last = truth_choice;
    }
    out
}

/// Neutral order: by length, `b''` first, crash and "never" last.
fn order(choices: &mut [Choice]) {
    choices.sort_by_key(|c| match &c.expect {
        Expect::Bytes(b) => (0, b.len() as u64),
        Expect::Count(n) => (0, *n),
        Expect::Crash => (1, 0),
        Expect::Never => (2, 0),
    });
}

fn whole(m: &SentMessage) -> Choice {
    Choice {
        expect: Expect::Bytes(m.data.to_vec()),
        label: bytes_label(
            &m.data,
            &[Part2 {
                msg: m.id,
                piece: Piece::Whole,
            }],
        ),
    }
}

fn empty_choice(transport: Transport) -> Choice {
    Choice {
        expect: Expect::Bytes(Vec::new()),
        label: match transport {
            Transport::Tcp => Text {
                en: "b'' (end of file: the peer closed)".into(),
                zh: "b''（EOF：对方已关闭）".into(),
            },
            Transport::Udp => Text {
                en: "b'' (an empty datagram)".into(),
                zh: "b''（一个空数据报）".into(),
            },
        },
    }
}

fn never_choice() -> Choice {
    Choice {
        expect: Expect::Never,
        label: Text {
            en: "nothing: it blocks forever".into(),
            zh: "什么也不返回：永远阻塞".into(),
        },
    }
}

//! Scenario files: the TOML format teachers write (docs/design.md, "Scenario files").
//!
//! The loader parses text it is given, with the file's name for error messages; it never
//! touches the filesystem, so the built-in scenarios are embedded with `include_str!`.

mod parse;

pub use parse::{
    ScenarioError, limits, parse, parse_all, parse_bytes, parse_bytes_all, parse_setting,
    parse_setting_both,
};

use crate::params::{Params, Settings};
use std::sync::Arc;

/// Text in both languages. A plain string in the file fills both.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Text {
    pub en: String,
    pub zh: String,
}

impl Text {
    pub fn plain(s: &str) -> Text {
        Text {
            en: s.to_string(),
            zh: s.to_string(),
        }
    }
    /// The same thing said in each language (messages, errors).
    pub fn both(en: impl Into<String>, zh: impl Into<String>) -> Text {
        Text {
            en: en.into(),
            zh: zh.into(),
        }
    }
    pub fn get(&self, lang: Lang) -> &str {
        match lang {
            Lang::En => &self.en,
            Lang::Zh => &self.zh,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    En,
    Zh,
}

/// One application call.
#[derive(Clone, Debug, PartialEq)]
pub enum Action {
    /// `send(data)`: on a blocking socket, copies all of it (waiting for room); with a
    /// timeout, what fits once there is room (the short count); non-blocking, what fits
    /// now or BlockingIOError.
    Send(Arc<[u8]>),
    /// `sendall(data)`: repeats until all is copied.
    Sendall(Arc<[u8]>),
    /// Applies the framing, then sends.
    SendMessage(Arc<[u8]>),
    /// `recv(bufsize)`.
    Recv(u32),
    /// Receives one message through the framing's decoder, with this bufsize.
    RecvMessage(u32),
    /// Sleep, in milliseconds.
    Sleep(f64),
    /// `settimeout(seconds)`: later calls wait at most this long, then raise
    /// `socket.timeout`; 0 makes the socket non-blocking (BlockingIOError).
    SetTimeout(f64),
    Close,
}

/// One answer a question offers: a `recv` result the student can pick.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Guess {
    /// Exactly these bytes (empty: `b''`, end of file).
    Bytes(Vec<u8>),
    /// Any result of this many bytes (for results too long to write out).
    Count(u64),
}

/// How the student answers a question.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Answers {
    /// Choices made from the trace ([`crate::quiz`]).
    Generated,
    /// The file's 2–4 choices.
    Given(Vec<Guess>),
    /// The student types what `recv` returns.
    Typed,
}

/// "Predict, then reveal": asked before the step's receive call completes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Question {
    pub prompt: Text,
    pub answers: Answers,
}

/// One entry of a program, after `repeat` is expanded.
#[derive(Clone, Debug, PartialEq)]
pub struct Step {
    pub action: Action,
    /// Shared by the copies `repeat` makes: a long note is stored once.
    pub note: Option<std::sync::Arc<Text>>,
    /// Only on `recv` / `recv_message` steps (the parser checks); shared like the note.
    pub question: Option<std::sync::Arc<Question>>,
    /// 1-based line of the entry's `[[client]]` / `[[server]]` header in the file.
    pub line: u32,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Scenario {
    /// The file's name without folder and extension, e.g. `04-two-small-sends`.
    pub name: String,
    pub title: Text,
    pub summary: Option<Text>,
    /// The "Why / 为什么" text: Markdown-lite (paragraphs, `code`, **bold**).
    pub lesson: Option<Text>,
    /// The scenario's parameters, resolved: `settings.resolve()`.
    pub params: Params,
    /// The parameters the file sets explicitly. They win over the link's and stack's
    /// defaults, and overrides are resolved over them ([`Settings::over`]).
    pub settings: Settings,
    /// The programs, shared (not copied) by every run of the scenario.
    pub client: Arc<[Step]>,
    pub server: Arc<[Step]>,
}

impl Scenario {
    /// A scenario built in code (tests, benchmarks): each action is one step, numbered
    /// from line 1, without notes. The explicit settings are those of `params` that
    /// differ from its link's and stack's defaults.
    pub fn from_actions(
        name: &str,
        params: Params,
        client: Vec<Action>,
        server: Vec<Action>,
    ) -> Scenario {
        let steps = |actions: Vec<Action>| -> Arc<[Step]> {
            let numbered = actions.into_iter().zip(1..);
            numbered
                .map(|(action, line)| Step {
                    action,
                    note: None,
                    question: None,
                    line,
                })
                .collect()
        };
        Scenario {
            name: name.to_string(),
            title: Text::plain(name),
            summary: None,
            lesson: None,
            settings: Settings::from_params(&params),
            params,
            client: steps(client),
            server: steps(server),
        }
    }

    /// The number in front of the name (`04-…` → 4), if any.
    pub fn number(&self) -> Option<u32> {
        let digits: String = self
            .name
            .chars()
            .take_while(|c| c.is_ascii_digit())
            .collect();
        digits.parse().ok()
    }
}

/// The scenarios that ship with the app, in tutorial order: (file name, text).
pub const BUILTIN: &[(&str, &str)] = &[
    (
        "01-first-round-trip.toml",
        include_str!("../../scenarios/01-first-round-trip.toml"),
    ),
    (
        "02-communication-loop.toml",
        include_str!("../../scenarios/02-communication-loop.toml"),
    ),
    (
        "03-remote-command-big-reply.toml",
        include_str!("../../scenarios/03-remote-command-big-reply.toml"),
    ),
    (
        "04-two-small-sends.toml",
        include_str!("../../scenarios/04-two-small-sends.toml"),
    ),
    (
        "05-length-prefix.toml",
        include_str!("../../scenarios/05-length-prefix.toml"),
    ),
    (
        "06-json-header.toml",
        include_str!("../../scenarios/06-json-header.toml"),
    ),
    (
        "07-ftp-upload.toml",
        include_str!("../../scenarios/07-ftp-upload.toml"),
    ),
    (
        "08-header-split.toml",
        include_str!("../../scenarios/08-header-split.toml"),
    ),
    (
        "09-udp-boundaries.toml",
        include_str!("../../scenarios/09-udp-boundaries.toml"),
    ),
    (
        "10-udp-time-and-chat.toml",
        include_str!("../../scenarios/10-udp-time-and-chat.toml"),
    ),
    (
        "11-send-vs-sendall.toml",
        include_str!("../../scenarios/11-send-vs-sendall.toml"),
    ),
    (
        "12-separate-header-writes.toml",
        include_str!("../../scenarios/12-separate-header-writes.toml"),
    ),
    (
        "13-pipelined-replies.toml",
        include_str!("../../scenarios/13-pipelined-replies.toml"),
    ),
    (
        "14-json-header-cut.toml",
        include_str!("../../scenarios/14-json-header-cut.toml"),
    ),
    (
        "15-multibyte-split.toml",
        include_str!("../../scenarios/15-multibyte-split.toml"),
    ),
    (
        "16-remote-shell.toml",
        include_str!("../../scenarios/16-remote-shell.toml"),
    ),
    (
        "17-sender-coalescing.toml",
        include_str!("../../scenarios/17-sender-coalescing.toml"),
    ),
    (
        "18-line-delimiter.toml",
        include_str!("../../scenarios/18-line-delimiter.toml"),
    ),
    (
        "19-fixed-records.toml",
        include_str!("../../scenarios/19-fixed-records.toml"),
    ),
];

/// Parses every built-in scenario. They are checked by the tests, so this cannot fail.
pub fn builtin() -> Vec<Scenario> {
    BUILTIN
        .iter()
        .map(|(file, text)| parse(text, file).expect("built-in scenario is valid"))
        .collect()
}

/// Finds a built-in scenario by number (`4`, `04`), full name, or name without number.
pub fn find_builtin(key: &str) -> Option<Scenario> {
    let key = key.trim_end_matches(".toml");
    let number = key
        .parse::<u32>()
        .ok()
        .filter(|_| key.chars().all(|c| c.is_ascii_digit()));
    BUILTIN.iter().find_map(|(file, text)| {
        let name = file.trim_end_matches(".toml");
        let (digits, rest) = name.split_once('-').unwrap_or((name, ""));
        let hit = name == key
            || rest == key
            || (number.is_some() && digits.parse::<u32>().ok() == number);
        hit.then(|| parse(text, file).expect("built-in scenario is valid"))
    })
}

//! The programs: `[[client]]` / `[[server]]` steps, each one action with an optional
//! `note` and `repeat`, checked against the per-program limits before anything is built.
//!
//! Adding an action: a row in [`ACTIONS`], an arm in [`Parser::action`], its
//! [`ActionSpec`] variant and the [`Action`] it builds.

use toml::de::{DeTable, DeValue};

use super::data::DataSpec;
use super::keys::Place;
use super::values::describe_both;
use super::words::{count_words, join_and};
use super::{Parser, Val, sorted};
use crate::params::limits::*;
use crate::scenario::{Action, Question, Step, Text};

/// Every action a step can do: its key, and how the "give it one of" list writes it.
const ACTIONS: &[(&str, &str)] = &[
    ("send", "`send`"),
    ("sendall", "`sendall`"),
    ("send_message", "`send_message`"),
    ("recv", "`recv`"),
    ("recv_message", "`recv_message`"),
    ("sleep_ms", "`sleep_ms`"),
    ("settimeout", "`settimeout`"),
    ("close", "`close = true`"),
];

pub(super) fn action_keys() -> impl Iterator<Item = &'static str> {
    ACTIONS.iter().map(|(k, _)| *k)
}

/// "`send`, `sendall`, … or `close = true`" (in Chinese, "… 或 `close = true`").
fn action_list(or: &str) -> String {
    let shown: Vec<&str> = ACTIONS.iter().map(|(_, s)| *s).collect();
    match shown.split_last() {
        Some((last, init)) if !init.is_empty() => format!("{} {or} {last}", init.join(", ")),
        _ => shown.join(""),
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(super) enum Side {
    Client,
    Server,
}

impl Side {
    pub(super) fn name(self) -> &'static str {
        match self {
            Side::Client => "client",
            Side::Server => "server",
        }
    }
}

pub(super) enum ActionSpec {
    Send(DataSpec),
    Sendall(DataSpec),
    SendMessage(DataSpec),
    Recv(u32),
    RecvMessage(u32),
    Sleep(f64),
    SetTimeout(f64),
    Close,
}

impl ActionSpec {
    fn data_len(&self) -> u64 {
        match self {
            ActionSpec::Send(d) | ActionSpec::Sendall(d) | ActionSpec::SendMessage(d) => d.len(),
            _ => 0,
        }
    }
    fn build(self) -> Action {
        match self {
            ActionSpec::Send(d) => Action::Send(d.bytes().into()),
            ActionSpec::Sendall(d) => Action::Sendall(d.bytes().into()),
            ActionSpec::SendMessage(d) => Action::SendMessage(d.bytes().into()),
            ActionSpec::Recv(n) => Action::Recv(n),
            ActionSpec::RecvMessage(n) => Action::RecvMessage(n),
            ActionSpec::Sleep(ms) => Action::Sleep(ms),
            ActionSpec::SetTimeout(s) => Action::SetTimeout(s),
            ActionSpec::Close => Action::Close,
        }
    }
}

impl Parser<'_> {
    // -- [[client]] / [[server]] ----------------------------------------------------------

    pub(super) fn program(&mut self, side: Side, value: &Val<'_>) -> Vec<Step> {
        let name = side.name();
        let entries = match value.get_ref() {
            DeValue::Array(a) => a,
            DeValue::Table(_) => {
                self.error(
                    value.span().start,
                    Text::both(
                        format!(
                            "write `[[{name}]]` with two brackets: each `[[{name}]]` line starts \
                             one step of the {name} program (`[{name}]` with one bracket makes a \
                             single table)"
                        ),
                        format!(
                            "`[[{name}]]` 要写两层方括号：每一行 `[[{name}]]` 开始 {name} 程序的一个\
                             步骤（只有一层方括号的 `[{name}]` 是单个表）"
                        ),
                    ),
                );
                return Vec::new();
            }
            other => {
                let (it, it_zh) = describe_both(other);
                self.error(
                    value.span().start,
                    Text::both(
                        format!(
                            "`{name}` must be a list of steps, each started by a `[[{name}]]` \
                             line, but here it is {it}"
                        ),
                        format!(
                            "`{name}` 必须是步骤的列表，每个步骤以一行 `[[{name}]]` 开始，\
                             但这里是{it_zh}"
                        ),
                    ),
                );
                return Vec::new();
            }
        };

        let mut steps = Vec::new();
        let mut actions: u64 = 0;
        let mut data: u64 = 0;
        let mut over_limit = false;
        for entry in entries.iter() {
            let DeValue::Table(table) = entry.get_ref() else {
                let (it, it_zh) = describe_both(entry.get_ref());
                self.error(
                    entry.span().start,
                    Text::both(
                        format!(
                            "each {name} step must be a table of keys (a `[[{name}]]` line \
                             followed by e.g. `send = \"hello\"`), but here it is {it}"
                        ),
                        format!(
                            "每个 {name} 步骤必须是由键组成的表（一行 `[[{name}]]`，下面写例如 \
                             `send = \"hello\"`），但这里是{it_zh}"
                        ),
                    ),
                );
                continue;
            };
            let header = entry.span().start;
            let Some(parsed) = self.entry(side, table, header) else {
                continue;
            };
            if over_limit {
                continue;
            }
            let new_actions = actions.saturating_add(parsed.repeat);
            let new_data =
                data.saturating_add(parsed.action.data_len().saturating_mul(parsed.repeat));
            if new_actions > MAX_ACTIONS_PER_PROGRAM {
                over_limit = true;
                self.error(
                    parsed.repeat_at.unwrap_or(header),
                    Text::both(
                        format!(
                            "the {name} program would have {new_actions} actions once `repeat` \
                             is expanded; a program may have at most {MAX_ACTIONS_PER_PROGRAM}"
                        ),
                        format!(
                            "展开 `repeat` 后，{name} 程序会有 {new_actions} 个动作；\
                             一个程序最多 {MAX_ACTIONS_PER_PROGRAM} 个"
                        ),
                    ),
                );
                continue;
            }
            if new_data > MAX_DATA_PER_PROGRAM {
                over_limit = true;
                let at = if parsed.repeat > 1 {
                    parsed.repeat_at.unwrap_or(header)
                } else {
                    parsed.value_at
                };
                self.error(
                    at,
                    Text::both(
                        format!(
                            "the {name} program would send {new_data} bytes of data in all \
                             (repeat included); a program may send at most \
                             {MAX_DATA_PER_PROGRAM} bytes (64 MiB)"
                        ),
                        format!(
                            "{name} 程序总共会发送 {new_data} 字节数据（含 repeat）；\
                             一个程序最多发送 {MAX_DATA_PER_PROGRAM} 字节（64 MiB）"
                        ),
                    ),
                );
                continue;
            }
            actions = new_actions;
            data = new_data;
            if !self.errors.is_empty() {
                // Build nothing once the file is known to be bad.
                continue;
            }
            let line = self.line_of(header);
            let action = parsed.action.build();
            let note = parsed.note.map(std::sync::Arc::new);
            let question = parsed.question.map(std::sync::Arc::new);
            for _ in 1..parsed.repeat {
                steps.push(Step {
                    action: action.clone(),
                    note: note.clone(),
                    question: question.clone(),
                    line,
                });
            }
            steps.push(Step {
                action,
                note,
                question,
                line,
            });
        }
        steps
    }

    fn entry(&mut self, side: Side, table: &DeTable<'_>, header: usize) -> Option<ParsedEntry> {
        let name = side.name();
        let context = Text::both(
            format!("in a [[{name}]] step"),
            format!("在 [[{name}]] 步骤中"),
        );
        let mut given: Vec<(&str, usize)> = Vec::new();
        let mut note = None;
        let mut prompt = None;
        let mut choices = None;
        let mut typed = None;
        let mut repeat = 1;
        let mut repeat_at = None;
        let mut bad = false;
        let mut unknown = false;
        let mut action = None;
        let mut value_at = header;

        for (key, v) in sorted(table) {
            let k = key.get_ref().as_ref();
            match k {
                "note" => note = self.text_value("note", v),
                "question" => match self.long_text("question", v) {
                    Some(t) => prompt = Some((t, key.span().start)),
                    None => bad = true,
                },
                "choices" => choices = Some(v),
                "typed" => typed = Some(v),
                "repeat" => {
                    repeat_at = Some(v.span().start);
                    match self.uint("repeat", v, 1, MAX_REPEAT, "times") {
                        Some(n) => repeat = n,
                        None => bad = true,
                    }
                }
                _ if action_keys().any(|a| a == k) => {
                    given.push((k, key.span().start));
                    if given.len() == 1 {
                        value_at = v.span().start;
                        action = self.action(k, v);
                    }
                }
                other => {
                    unknown = true;
                    self.unknown_key(Place::Entry, other, key.span().start, &context);
                }
            }
        }

        match given.len() {
            0 => {
                if !unknown {
                    self.error(
                        header,
                        Text::both(
                            format!(
                                "this [[{name}]] step has no action: give it exactly one of {}",
                                action_list("or")
                            ),
                            format!(
                                "这个 [[{name}]] 步骤没有动作：请从 {} 中恰好选一个",
                                action_list("或")
                            ),
                        ),
                    );
                }
                None
            }
            1 => {
                let action = action?;
                let is_recv = matches!(action, ActionSpec::Recv(_) | ActionSpec::RecvMessage(_));
                let asked = prompt.is_some();
                let question = self.question(prompt, choices, typed, is_recv);
                if bad || (asked && question.is_none()) {
                    return None;
                }
                Some(ParsedEntry {
                    action,
                    note,
                    question,
                    repeat,
                    repeat_at,
                    value_at,
                })
            }
            _ => {
                let names: Vec<String> = given.iter().map(|(k, _)| format!("`{k}`")).collect();
                let (n, second) = (given.len(), given[1].0);
                self.error(
                    given[1].1,
                    Text::both(
                        format!(
                            "this [[{name}]] step has {} actions ({}): each step does exactly \
                             one thing, so start a new `[[{name}]]` line before `{second}`",
                            count_words(n),
                            join_and(&names),
                        ),
                        format!(
                            "这个 [[{name}]] 步骤有 {n} 个动作（{}）：每个步骤只做一件事，\
                             所以请在 `{second}` 之前另起一行 `[[{name}]]`",
                            names.join("、"),
                        ),
                    ),
                );
                None
            }
        }
    }

    fn action(&mut self, key: &str, v: &Val<'_>) -> Option<ActionSpec> {
        Some(match key {
            "send" => ActionSpec::Send(self.data(key, v)?),
            "sendall" => ActionSpec::Sendall(self.data(key, v)?),
            "send_message" => ActionSpec::SendMessage(self.data(key, v)?),
            "recv" => ActionSpec::Recv(self.uint(key, v, 1, MAX_BUFSIZE.into(), "bytes")? as u32),
            "recv_message" => {
                ActionSpec::RecvMessage(self.uint(key, v, 1, MAX_BUFSIZE.into(), "bytes")? as u32)
            }
            "sleep_ms" => ActionSpec::Sleep(self.number(key, v, 0.0, MAX_MS, "ms")?),
            // Python's `sock.settimeout(seconds)`; 0 makes the socket non-blocking.
            "settimeout" => {
                ActionSpec::SetTimeout(self.number(key, v, 0.0, MAX_MS / 1000.0, "s")?)
            }
            "close" => match self.boolean(key, v)? {
                true => ActionSpec::Close,
                false => {
                    self.error(
                        v.span().start,
                        Text::both(
                            "`close = false` does nothing: write `close = true` to close the \
                             connection, or remove this step",
                            "`close = false` 什么也不做：要关闭连接请写 `close = true`，\
                             否则删掉这个步骤",
                        ),
                    );
                    return None;
                }
            },
            _ => return None,
        })
    }
}

struct ParsedEntry {
    action: ActionSpec,
    note: Option<Text>,
    question: Option<Question>,
    repeat: u64,
    repeat_at: Option<usize>,
    value_at: usize,
}

#[cfg(test)]
mod tests {
    use crate::scenario::{Action, parse};

    fn client(step: &str) -> Result<Vec<Action>, String> {
        let text = format!("[meta]\ntitle = \"t\"\n[[client]]\n{step}\n");
        parse(&text, "t.toml")
            .map(|s| s.client.iter().map(|st| st.action.clone()).collect())
            .map_err(|e| e.to_string())
    }

    // ---- Tests for settimeout --------------------------------------------------------------

    #[test]
    fn settimeout_takes_seconds_and_zero_means_non_blocking() {
        assert_eq!(
            client("settimeout = 0.5"),
            Ok(vec![Action::SetTimeout(0.5)])
        );
        assert_eq!(client("settimeout = 0"), Ok(vec![Action::SetTimeout(0.0)]));
        assert_eq!(
            client("settimeout = 60"),
            Ok(vec![Action::SetTimeout(60.0)])
        );
    }

    #[test]
    fn a_bad_timeout_is_refused_with_its_range() {
        for bad in ["settimeout = -1", "settimeout = 61", "settimeout = \"1\""] {
            let e = client(bad).unwrap_err();
            assert!(e.contains("settimeout") && e.contains("60"), "{bad}: {e}");
        }
    }
}

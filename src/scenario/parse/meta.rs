//! `[meta]` and text fields (a plain string, or `{ en = "...", zh = "..." }`), and a
//! step's question (`question`, `choices`, `typed`).

use toml::de::DeTable;

use super::keys::Place;
use super::values::describe;
use super::{Parser, Text, Val, sorted};
use crate::params::limits::MAX_BUFSIZE;
use crate::scenario::{Answers, Guess, Question};
use toml::de::DeValue;

/// The longest lesson or question text, in bytes (memory stays bounded).
pub(super) const MAX_TEXT: usize = 64 * 1024;

/// What `[meta]` holds.
#[derive(Default)]
pub(super) struct Meta {
    pub title: Option<Text>,
    pub summary: Option<Text>,
    pub lesson: Option<Text>,
}

impl Parser<'_> {
    pub(super) fn meta(&mut self, table: &DeTable<'_>, header: usize) -> Meta {
        let mut title = None;
        let mut summary = None;
        let mut lesson = None;
        for (key, value) in sorted(table) {
            match key.get_ref().as_ref() {
                "title" => {
                    title = self.text_value("title", value);
                    if let Some(t) = &title
                        && t.en.trim().is_empty()
                        && t.zh.trim().is_empty()
                    {
                        self.error(
                            value.span().start,
                            "the `title` is empty: give the scenario a title",
                        );
                    }
                }
                "summary" => summary = self.text_value("summary", value),
                "lesson" => lesson = self.long_text("lesson", value),
                other => self.unknown_key(Place::Meta, other, key.span().start, "in [meta]"),
            }
        }
        if !table.iter().any(|(k, _)| k.get_ref().as_ref() == "title") {
            self.error(
                header,
                "[meta] has no `title`: add a line like `title = \"Two small sends\"` or \
                 `title = { en = \"Two small sends\", zh = \"两次 send\" }`",
            );
        }
        Meta {
            title,
            summary,
            lesson,
        }
    }

    /// A text field with a size limit (lessons, questions).
    pub(super) fn long_text(&mut self, name: &str, value: &Val<'_>) -> Option<Text> {
        let text = self.text_value(name, value)?;
        if text.en.len() > MAX_TEXT || text.zh.len() > MAX_TEXT {
            self.error(
                value.span().start,
                format!("`{name}` is too long: at most {MAX_TEXT} bytes per language"),
            );
            return None;
        }
        Some(text)
    }

    /// A step's question: `question` (text), with either `choices` (2–4 results the
    /// student picks from) or `typed = true`; neither means choices made from the trace.
    pub(super) fn question(
        &mut self,
        prompt: Option<(Text, usize)>,
        choices: Option<&Val<'_>>,
        typed: Option<&Val<'_>>,
        is_recv: bool,
    ) -> Option<Question> {
        let Some((prompt, at)) = prompt else {
            if let Some(v) = choices.or(typed) {
                self.error(
                    v.span().start,
                    "`choices` and `typed` belong to a question: add                      `question = { en = \"...\", zh = \"...\" }` to this step",
                );
            }
            return None;
        };
        if !is_recv {
            self.error(
                at,
                "a `question` asks what a receive returns, so it goes on a `recv` or                  `recv_message` step",
            );
            return None;
        }
        let typed = match typed {
            Some(v) => self.boolean("typed", v)?,
            None => false,
        };
        let answers = match (choices, typed) {
            (Some(v), true) => {
                self.error(
                    v.span().start,
                    "a question has either `choices` or `typed = true`, not both",
                );
                return None;
            }
            (Some(v), false) => Answers::Given(self.choices(v)?),
            (None, true) => Answers::Typed,
            (None, false) => Answers::Generated,
        };
        Some(Question { prompt, answers })
    }

    fn choices(&mut self, v: &Val<'_>) -> Option<Vec<Guess>> {
        let DeValue::Array(items) = v.get_ref() else {
            self.error(
                v.span().start,
                format!(
                    "`choices` must be a list of 2 to 4 answers, e.g.                      `choices = [\"helloworld\", \"hello\", 5]` (text: exactly these bytes;                      a whole number: any result of that many bytes), but here it is {}",
                    describe(v.get_ref())
                ),
            );
            return None;
        };
        if !(2..=4).contains(&items.len()) {
            self.error(
                v.span().start,
                format!(
                    "`choices` has {} answers; give 2 to 4 (or leave `choices` out to have                      them made from the run)",
                    items.len()
                ),
            );
            return None;
        }
        let mut out = Vec::new();
        for item in items.iter() {
            let guess = match item.get_ref() {
                DeValue::String(s) if s.len() <= MAX_TEXT => Guess::Bytes(s.as_bytes().to_vec()),
                DeValue::Integer(_) => {
                    Guess::Count(self.uint("a choice", item, 0, MAX_BUFSIZE.into(), "bytes")?)
                }
                other => {
                    self.error(
                        item.span().start,
                        format!(
                            "each choice is text in quotes (the bytes recv returns; \"\" is                              b'', end of file) or a whole number of bytes, but here it is {}",
                            describe(other)
                        ),
                    );
                    return None;
                }
            };
            if out.contains(&guess) {
                self.error(item.span().start, "this choice is given twice");
                return None;
            }
            out.push(guess);
        }
        Some(out)
    }

    /// A text field: a plain string, or `{ en = "...", zh = "..." }` (one of them is enough).
    pub(super) fn text_value(&mut self, name: &str, value: &Val<'_>) -> Option<Text> {
        match value.get_ref() {
            DeValue::String(s) => Some(Text::plain(s)),
            DeValue::Table(t) => {
                let mut en = None;
                let mut zh = None;
                let mut ok = true;
                for (key, v) in sorted(t) {
                    let slot = match key.get_ref().as_ref() {
                        "en" => &mut en,
                        "zh" => &mut zh,
                        other => {
                            self.unknown_key(
                                Place::Text,
                                other,
                                key.span().start,
                                &format!("in the text of `{name}`"),
                            );
                            ok = false;
                            continue;
                        }
                    };
                    match v.get_ref() {
                        DeValue::String(s) => *slot = Some(s.to_string()),
                        other => {
                            self.error(
                                v.span().start,
                                format!(
                                    "`{}` in `{name}` must be text in quotes, but here it is {}",
                                    key.get_ref(),
                                    describe(other)
                                ),
                            );
                            ok = false;
                        }
                    }
                }
                match (en, zh) {
                    (Some(en), Some(zh)) => Some(Text { en, zh }),
                    (Some(one), None) | (None, Some(one)) => Some(Text {
                        en: one.clone(),
                        zh: one,
                    }),
                    (None, None) => {
                        if ok {
                            self.error(
                                value.span().start,
                                format!(
                                    "`{name}` has neither `en` nor `zh`: write \
                                     `{name} = {{ en = \"...\", zh = \"...\" }}` or a plain \
                                     `{name} = \"...\"`"
                                ),
                            );
                        }
                        None
                    }
                }
            }
            other => {
                self.error(
                    value.span().start,
                    format!(
                        "`{name}` must be text: either `\"...\"` or `{{ en = \"...\", zh = \"...\" }}`, \
                         but here it is {}",
                        describe(other)
                    ),
                );
                None
            }
        }
    }
}

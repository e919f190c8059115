//! `[meta]` and text fields (a plain string, or `{ en = "...", zh = "..." }`), and a
//! step's question (`question`, `choices`, `typed`).

use toml::de::DeTable;

use super::keys::Place;
use super::values::describe_both;
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
                            Text::both(
                                "the `title` is empty: give the scenario a title",
                                "`title` 是空的：请给场景起个标题",
                            ),
                        );
                    }
                }
                "summary" => summary = self.text_value("summary", value),
                "lesson" => lesson = self.long_text("lesson", value),
                other => self.unknown_key(
                    Place::Meta,
                    other,
                    key.span().start,
                    &Text::both("in [meta]", "在 [meta] 中"),
                ),
            }
        }
        if !table.iter().any(|(k, _)| k.get_ref().as_ref() == "title") {
            self.error(
                header,
                Text::both(
                    "[meta] has no `title`: add a line like `title = \"Two small sends\"` or \
                     `title = { en = \"Two small sends\", zh = \"两次 send\" }`",
                    "[meta] 没有 `title`：请加一行，例如 `title = \"Two small sends\"` 或 \
                     `title = { en = \"Two small sends\", zh = \"两次 send\" }`",
                ),
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
                Text::both(
                    format!("`{name}` is too long: at most {MAX_TEXT} bytes per language"),
                    format!("`{name}` 太长了：每种语言最多 {MAX_TEXT} 字节"),
                ),
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
                    Text::both(
                        "`choices` and `typed` belong to a question: add `question = { en = \"...\", zh = \"...\" }` to this step",
                        "`choices` 和 `typed` 属于一个问题：请给这个步骤加上 \
                         `question = { en = \"...\", zh = \"...\" }`",
                    ),
                );
            }
            return None;
        };
        if !is_recv {
            self.error(
                at,
                Text::both(
                    "a `question` asks what a receive returns, so it goes on a `recv` or `recv_message` step",
                    "`question` 问的是一次接收返回什么，所以要写在 `recv` 或 `recv_message` 步骤上",
                ),
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
                    Text::both(
                        "a question has either `choices` or `typed = true`, not both",
                        "一个问题要么用 `choices`，要么用 `typed = true`，不能两个都用",
                    ),
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
            let (it, it_zh) = describe_both(v.get_ref());
            self.error(
                v.span().start,
                Text::both(
                    format!(
                        "`choices` must be a list of 2 to 4 answers, e.g. `choices = [\"helloworld\", \"hello\", 5]` (text: exactly these bytes; a whole number: any result of that many bytes), but here it is {it}"
                    ),
                    format!(
                        "`choices` 必须是 2 到 4 个答案的列表，例如 \
                         `choices = [\"helloworld\", \"hello\", 5]`（文本：正好是这些字节；\
                         整数：任何这么多字节的结果），但这里是{it_zh}"
                    ),
                ),
            );
            return None;
        };
        if !(2..=4).contains(&items.len()) {
            let n = items.len();
            self.error(
                v.span().start,
                Text::both(
                    format!(
                        "`choices` has {n} answers; give 2 to 4 (or leave `choices` out to have them made from the run)"
                    ),
                    format!(
                        "`choices` 有 {n} 个答案；请给 2 到 4 个（或者不写 `choices`，\
                         由运行结果生成选项）"
                    ),
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
                    let (it, it_zh) = describe_both(other);
                    self.error(
                        item.span().start,
                        Text::both(
                            format!(
                                "each choice is text in quotes (the bytes recv returns; \"\" is b'', end of file) or a whole number of bytes, but here it is {it}"
                            ),
                            format!(
                                "每个选项是带引号的文本（recv 返回的字节；\"\" 表示 b''，\
                                 即文件结束）或一个字节数（整数），但这里是{it_zh}"
                            ),
                        ),
                    );
                    return None;
                }
            };
            if out.contains(&guess) {
                self.error(
                    item.span().start,
                    Text::both("this choice is given twice", "这个选项写了两次"),
                );
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
                                &Text::both(
                                    format!("in the text of `{name}`"),
                                    format!("在 `{name}` 的文本中"),
                                ),
                            );
                            ok = false;
                            continue;
                        }
                    };
                    match v.get_ref() {
                        DeValue::String(s) => *slot = Some(s.to_string()),
                        other => {
                            let (it, it_zh) = describe_both(other);
                            let lang = key.get_ref();
                            self.error(
                                v.span().start,
                                Text::both(
                                    format!(
                                        "`{lang}` in `{name}` must be text in quotes, but here it \
                                         is {it}"
                                    ),
                                    format!(
                                        "`{name}` 中的 `{lang}` 必须是带引号的文本，但这里是{it_zh}"
                                    ),
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
                                Text::both(
                                    format!(
                                        "`{name}` has neither `en` nor `zh`: write \
                                         `{name} = {{ en = \"...\", zh = \"...\" }}` or a plain \
                                         `{name} = \"...\"`"
                                    ),
                                    format!(
                                        "`{name}` 既没有 `en` 也没有 `zh`：请写 \
                                         `{name} = {{ en = \"...\", zh = \"...\" }}` 或直接写 \
                                         `{name} = \"...\"`"
                                    ),
                                ),
                            );
                        }
                        None
                    }
                }
            }
            other => {
                let (it, it_zh) = describe_both(other);
                self.error(
                    value.span().start,
                    Text::both(
                        format!(
                            "`{name}` must be text: either `\"...\"` or \
                             `{{ en = \"...\", zh = \"...\" }}`, but here it is {it}"
                        ),
                        format!(
                            "`{name}` 必须是文本：`\"...\"` 或 \
                             `{{ en = \"...\", zh = \"...\" }}`，但这里是{it_zh}"
                        ),
                    ),
                );
                None
            }
        }
    }
}

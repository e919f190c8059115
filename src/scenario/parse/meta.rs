//! `[meta]` and text fields (a plain string, or `{ en = "...", zh = "..." }`).

use toml::de::DeTable;

use super::keys::Place;
use super::values::describe;
use super::{Parser, Text, Val, sorted};
use toml::de::DeValue;

impl Parser<'_> {
    pub(super) fn meta(
        &mut self,
        table: &DeTable<'_>,
        header: usize,
    ) -> (Option<Text>, Option<Text>) {
        let mut title = None;
        let mut summary = None;
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
        (title, summary)
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

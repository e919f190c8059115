//! Which keys belong in which table, and the message for a key that does not belong
//! where it is.

use super::values::did_you_mean;
use super::{Parser, program, suggest, words::show_key};
use crate::params::table;
use crate::scenario::Text;

const TOP_KEYS: &[&str] = &["meta", "params", "client", "server"];
const META_KEYS: &[&str] = &["title", "summary", "lesson"];
const TEXT_KEYS: &[&str] = &["en", "zh"];
/// The keys of a step besides its action.
pub(super) const STEP_KEYS: &[&str] = &["note", "repeat", "question", "choices", "typed"];
pub(super) const DATA_KEYS: &[&str] = &["size", "fill", "hex"];

/// The tables a key can live in.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Place {
    Top,
    Meta,
    Params,
    Entry,
    Text,
    Data,
}

impl Place {
    pub(super) fn keys(self) -> Vec<&'static str> {
        match self {
            Place::Top => TOP_KEYS.to_vec(),
            Place::Meta => META_KEYS.to_vec(),
            Place::Params => table::keys(),
            Place::Entry => program::action_keys()
                .chain(STEP_KEYS.iter().copied())
                .collect(),
            Place::Text => TEXT_KEYS.to_vec(),
            Place::Data => DATA_KEYS.to_vec(),
        }
    }
}

/// Where a key that is unknown here does belong, in words (English, Chinese).
fn home_of(key: &str) -> Option<(Place, &'static str, &'static str)> {
    if TOP_KEYS.contains(&key) {
        Some((
            Place::Top,
            "a top-level part of the file",
            "是文件的顶层部分",
        ))
    } else if table::param(key).is_some() {
        Some((
            Place::Params,
            "a setting for the [params] table",
            "是参数，属于 [params] 表",
        ))
    } else if META_KEYS.contains(&key) {
        Some((Place::Meta, "part of the [meta] table", "属于 [meta] 表"))
    } else if Place::Entry.keys().contains(&key) {
        Some((
            Place::Entry,
            "part of a [[client]] or [[server]] step",
            "属于 [[client]] 或 [[server]] 步骤",
        ))
    } else {
        None
    }
}

impl Parser<'_> {
    /// `context` says where, in both languages ("in [meta]", "在 [meta] 中").
    pub(super) fn unknown_key(&mut self, place: Place, key: &str, at: usize, context: &Text) {
        let shown = show_key(key);
        let (context, context_zh) = (&context.en, &context.zh);
        let mut message = match home_of(key) {
            Some((home, words, words_zh)) if home != place => {
                let mut m = Text::both(
                    format!("`{shown}` does not belong {context}: it is {words}"),
                    format!("`{shown}` 不应出现{context_zh}：它{words_zh}"),
                );
                let (more, more_zh) = match (place, home) {
                    (Place::Entry, Place::Params) | (Place::Entry, Place::Meta) => (
                        ". Every key below a [[client]] or [[server]] line belongs to that step, \
                         so move this key up, under its table, before the first step",
                        "。[[client]] 或 [[server]] 行下面的每个键都属于那个步骤，\
                         所以请把这个键移到上面它所属的表下，放在第一个步骤之前",
                    ),
                    (Place::Top, Place::Entry) => (
                        ". Put it below a `[[client]]` or `[[server]]` line",
                        "。请把它放在 `[[client]]` 或 `[[server]]` 行的下面",
                    ),
                    (Place::Top, Place::Params) => (
                        ". Put it below the `[params]` line",
                        "。请把它放在 `[params]` 行的下面",
                    ),
                    (Place::Top, Place::Meta) => (
                        ". Put it below the `[meta]` line",
                        "。请把它放在 `[meta]` 行的下面",
                    ),
                    (_, Place::Top) => (
                        ". Every key below a [table] line belongs to that table, so move this \
                         key above the first [table] line (or, for steps, use `[[client]]` / \
                         `[[server]]` blocks)",
                        "。[table] 行下面的每个键都属于那个表，所以请把这个键移到第一个 [table] \
                         行之前（步骤则请用 `[[client]]` / `[[server]]` 块）",
                    ),
                    _ => ("", ""),
                };
                m.en.push_str(more);
                m.zh.push_str(more_zh);
                return self.error(at, m);
            }
            _ => Text::both(
                format!("unknown key `{shown}` {context}"),
                format!("{context_zh}没有 `{shown}` 这个键"),
            ),
        };
        let valid = place.keys();
        let close = match place {
            Place::Text => suggest::language(key),
            _ => None,
        };
        if let Some(close) = close.or_else(|| suggest::closest(key, &valid)) {
            did_you_mean(&mut message, close);
        }
        let valid = valid.join(", ");
        message.en.push_str(&format!("; valid keys here: {valid}"));
        message.zh.push_str(&format!("；这里可用的键：{valid}"));
        self.error(at, message);
    }
}

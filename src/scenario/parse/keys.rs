//! Which keys belong in which table, and the message for a key that does not belong
//! where it is.

use std::fmt::Write as _;

use super::{Parser, program, suggest, words::show_key};
use crate::params::table;

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

/// Where a key that is unknown here does belong, in words.
fn home_of(key: &str) -> Option<(Place, &'static str)> {
    if TOP_KEYS.contains(&key) {
        Some((Place::Top, "a top-level part of the file"))
    } else if table::param(key).is_some() {
        Some((Place::Params, "a setting for the [params] table"))
    } else if META_KEYS.contains(&key) {
        Some((Place::Meta, "part of the [meta] table"))
    } else if Place::Entry.keys().contains(&key) {
        Some((Place::Entry, "part of a [[client]] or [[server]] step"))
    } else {
        None
    }
}

impl Parser<'_> {
    pub(super) fn unknown_key(&mut self, place: Place, key: &str, at: usize, context: &str) {
        let shown = show_key(key);
        let mut message = match home_of(key) {
            Some((home, words)) if home != place => {
                let mut m = format!("`{shown}` does not belong {context}: it is {words}");
                match (place, home) {
                    (Place::Entry, Place::Params) | (Place::Entry, Place::Meta) => m.push_str(
                        ". Every key below a [[client]] or [[server]] line belongs to that step, \
                         so move this key up, under its table, before the first step",
                    ),
                    (Place::Top, Place::Entry) => {
                        m.push_str(". Put it below a `[[client]]` or `[[server]]` line")
                    }
                    (Place::Top, Place::Params) => m.push_str(". Put it below the `[params]` line"),
                    (Place::Top, Place::Meta) => m.push_str(". Put it below the `[meta]` line"),
                    (_, Place::Top) => m.push_str(
                        ". Every key below a [table] line belongs to that table, so move this \
                         key above the first [table] line (or, for steps, use `[[client]]` / \
                         `[[server]]` blocks)",
                    ),
                    _ => {}
                }
                return self.error(at, m);
            }
            _ => format!("unknown key `{shown}` {context}"),
        };
        let valid = place.keys();
        let close = match place {
            Place::Text => suggest::language(key),
            _ => None,
        };
        if let Some(close) = close.or_else(|| suggest::closest(key, &valid)) {
            let _ = write!(message, " (did you mean `{close}`?)");
        }
        let _ = write!(message, "; valid keys here: {}", valid.join(", "));
        self.error(at, message);
    }
}

//! Typed value readers: a whole number, a number, true/false, one of some names. Each
//! returns the message for a wrong value; the same readers serve files and `--set`, and
//! the range wording is [`crate::params::table`]'s, shared with the flags and the GUI.

use std::fmt::Write as _;

use toml::de::DeValue;

use super::words::show_key;
use super::{Parser, Val, suggest};
use crate::params::table::{check_number, check_uint, uint_range_words};

/// A whole number in `min..=max`. `unit` is appended to the range in messages.
pub(super) fn uint(
    name: &str,
    v: &DeValue<'_>,
    min: u64,
    max: u64,
    unit: &str,
) -> Result<u64, String> {
    let range = uint_range_words(min, max, unit);
    let n = match v {
        DeValue::Integer(i) => i128::from_str_radix(i.as_str(), i.radix()).ok(),
        DeValue::Float(f) => {
            return Err(format!(
                "`{name}` must be a whole number, {range}, but here it is the number {}",
                f.as_str()
            ));
        }
        other => {
            return Err(format!(
                "`{name}` must be a whole number, {range}, but here it is {}{}",
                describe(other),
                quoted_number_hint(other)
            ));
        }
    };
    match n {
        Some(n) => check_uint(name, n, min, max, unit),
        None => Err(format!(
            "`{name}` must be {range}; this number is far too large"
        )),
    }
}

/// A number (integer or decimal) in `min..=max`, finite.
pub(super) fn number(
    name: &str,
    v: &DeValue<'_>,
    min: f64,
    max: f64,
    unit: &str,
) -> Result<f64, String> {
    let x = match v {
        DeValue::Integer(i) => match i128::from_str_radix(i.as_str(), i.radix()) {
            Ok(n) => n as f64,
            Err(_) => f64::INFINITY,
        },
        DeValue::Float(f) => f.as_str().parse::<f64>().unwrap_or(f64::NAN),
        other => {
            let range = crate::params::table::range_words(min, max, unit);
            return Err(format!(
                "`{name}` must be a number, {range}, but here it is {}{}",
                describe(other),
                quoted_number_hint(other)
            ));
        }
    };
    check_number(name, x, min, max, unit)
}

pub(super) fn boolean(name: &str, v: &DeValue<'_>) -> Result<bool, String> {
    match v {
        DeValue::Boolean(b) => Ok(*b),
        other => {
            let hint = match other {
                DeValue::String(s) if matches!(s.trim(), "true" | "false") => {
                    " (write true or false without quotes)"
                }
                _ => "",
            };
            Err(format!(
                "`{name}` must be true or false, but here it is {}{hint}",
                describe(other)
            ))
        }
    }
}

/// One of `choices`, as text; returns its index.
pub(super) fn choice(name: &str, v: &DeValue<'_>, choices: &[&str]) -> Result<usize, String> {
    let list = choices.join(", ");
    match v {
        DeValue::String(s) => {
            if let Some(i) = choices.iter().position(|c| *c == s.as_ref()) {
                return Ok(i);
            }
            // A name spelled as an escape (`delimiter`'s `\n`) also takes the character
            // itself: `delimiter = "\n"` in TOML is a newline.
            let escaped = escape_controls(s);
            if let Some(i) = choices.iter().position(|c| *c == escaped) {
                return Ok(i);
            }
            let mut m = format!("unknown {name} `{}`: choose one of {list}", show_key(s));
            if let Some(c) = suggest::closest(s, choices) {
                let _ = write!(m, " (did you mean `{c}`?)");
            }
            Err(m)
        }
        other => Err(format!(
            "`{name}` must be one of {list}, written in quotes (e.g. `{name} = \"{}\"`), \
             but here it is {}",
            choices.first().copied().unwrap_or(""),
            describe(other)
        )),
    }
}

/// `\n`, `\r` and NUL as the escapes a choice name uses (`\x00` for NUL: TOML has no
/// `\0`).
fn escape_controls(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\0' => out.push_str("\\x00"),
            c => out.push(c),
        }
    }
    out
}

/// What a value is, for "but here it is …".
pub(super) fn describe(v: &DeValue<'_>) -> String {
    match v {
        DeValue::String(s) => format!("the text \"{}\"", show_key(s)),
        DeValue::Integer(i) => format!("the whole number {}", show_key(i.as_str())),
        DeValue::Float(f) => format!("the number {}", show_key(f.as_str())),
        DeValue::Boolean(b) => format!("`{b}`"),
        DeValue::Datetime(_) => "a date or time".to_string(),
        DeValue::Array(_) => "a list [ ... ]".to_string(),
        DeValue::Table(_) => "a table { ... }".to_string(),
    }
}

fn quoted_number_hint(v: &DeValue<'_>) -> &'static str {
    match v {
        DeValue::String(s) if s.trim().parse::<f64>().is_ok() => " (write numbers without quotes)",
        _ => "",
    }
}

/// The readers for a value in the file: a wrong value is reported at its place.
impl Parser<'_> {
    /// The reader's value, or its message reported at `v`.
    pub(super) fn report<T>(&mut self, v: &Val<'_>, read: Result<T, String>) -> Option<T> {
        read.map_err(|m| self.error(v.span().start, m)).ok()
    }

    pub(super) fn uint(
        &mut self,
        name: &str,
        v: &Val<'_>,
        min: u64,
        max: u64,
        unit: &str,
    ) -> Option<u64> {
        self.report(v, uint(name, v.get_ref(), min, max, unit))
    }

    pub(super) fn number(
        &mut self,
        name: &str,
        v: &Val<'_>,
        min: f64,
        max: f64,
        unit: &str,
    ) -> Option<f64> {
        self.report(v, number(name, v.get_ref(), min, max, unit))
    }

    pub(super) fn boolean(&mut self, name: &str, v: &Val<'_>) -> Option<bool> {
        self.report(v, boolean(name, v.get_ref()))
    }
}

//! Typed value readers: a whole number, a number, true/false, one of some names. Each
//! returns the message for a wrong value; the same readers serve files and `--set`, and
//! the range wording is [`crate::params::table`]'s, shared with the flags and the GUI.

use toml::de::DeValue;

use super::words::show_key;
use super::{Parser, Val, suggest};
use crate::params::table::{
    check_number, check_uint, range_words, range_words_in, uint_range_words, uint_range_words_in,
};
use crate::scenario::{Lang, Text};

/// A whole number in `min..=max`. `unit` is appended to the range in messages.
pub(super) fn uint(
    name: &str,
    v: &DeValue<'_>,
    min: u64,
    max: u64,
    unit: &str,
) -> Result<u64, Text> {
    let range = uint_range_words(min, max, unit);
    let range_zh = uint_range_words_in(min, max, unit, Lang::Zh);
    let n = match v {
        DeValue::Integer(i) => i128::from_str_radix(i.as_str(), i.radix()).ok(),
        DeValue::Float(f) => {
            return Err(Text::both(
                format!(
                    "`{name}` must be a whole number, {range}, but here it is the number {}",
                    f.as_str()
                ),
                format!(
                    "`{name}` 必须是整数，取值范围 {range_zh}，但这里是小数 {}",
                    f.as_str()
                ),
            ));
        }
        other => {
            let (hint, hint_zh) = quoted_number_hint(other);
            return Err(Text::both(
                format!(
                    "`{name}` must be a whole number, {range}, but here it is {}{hint}",
                    describe(other, Lang::En)
                ),
                format!(
                    "`{name}` 必须是整数，取值范围 {range_zh}，但这里是{}{hint_zh}",
                    describe(other, Lang::Zh)
                ),
            ));
        }
    };
    match n {
        Some(n) => check_uint(name, n, min, max, unit),
        None => Err(Text::both(
            format!("`{name}` must be {range}; this number is far too large"),
            format!("`{name}` 的取值范围是 {range_zh}；这个数太大了"),
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
) -> Result<f64, Text> {
    let x = match v {
        DeValue::Integer(i) => match i128::from_str_radix(i.as_str(), i.radix()) {
            Ok(n) => n as f64,
            Err(_) => f64::INFINITY,
        },
        DeValue::Float(f) => f.as_str().parse::<f64>().unwrap_or(f64::NAN),
        other => {
            let range = range_words(min, max, unit);
            let range_zh = range_words_in(min, max, unit, Lang::Zh);
            let (hint, hint_zh) = quoted_number_hint(other);
            return Err(Text::both(
                format!(
                    "`{name}` must be a number, {range}, but here it is {}{hint}",
                    describe(other, Lang::En)
                ),
                format!(
                    "`{name}` 必须是数字，取值范围 {range_zh}，但这里是{}{hint_zh}",
                    describe(other, Lang::Zh)
                ),
            ));
        }
    };
    check_number(name, x, min, max, unit)
}

pub(super) fn boolean(name: &str, v: &DeValue<'_>) -> Result<bool, Text> {
    match v {
        DeValue::Boolean(b) => Ok(*b),
        other => {
            let (hint, hint_zh) = match other {
                DeValue::String(s) if matches!(s.trim(), "true" | "false") => (
                    " (write true or false without quotes)",
                    "（true 和 false 不加引号）",
                ),
                _ => ("", ""),
            };
            Err(Text::both(
                format!(
                    "`{name}` must be true or false, but here it is {}{hint}",
                    describe(other, Lang::En)
                ),
                format!(
                    "`{name}` 必须是 true 或 false，但这里是{}{hint_zh}",
                    describe(other, Lang::Zh)
                ),
            ))
        }
    }
}

/// One of `choices`, as text; returns its index.
pub(super) fn choice(name: &str, v: &DeValue<'_>, choices: &[&str]) -> Result<usize, Text> {
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
            let shown = show_key(s);
            let mut m = Text::both(
                format!("unknown {name} `{shown}`: choose one of {list}"),
                format!("未知的 {name} `{shown}`：可选 {list}"),
            );
            if let Some(c) = suggest::closest(s, choices) {
                did_you_mean(&mut m, c);
            }
            Err(m)
        }
        other => {
            let first = choices.first().copied().unwrap_or("");
            Err(Text::both(
                format!(
                    "`{name}` must be one of {list}, written in quotes (e.g. `{name} = \"{first}\"`), \
                     but here it is {}",
                    describe(other, Lang::En)
                ),
                format!(
                    "`{name}` 必须是 {list} 之一，并加引号（例如 `{name} = \"{first}\"`），\
                     但这里是{}",
                    describe(other, Lang::Zh)
                ),
            ))
        }
    }
}

/// Appends " (did you mean `c`?)" to a message.
pub(super) fn did_you_mean(m: &mut Text, c: &str) {
    m.en.push_str(&format!(" (did you mean `{c}`?)"));
    m.zh.push_str(&format!("（是不是想写 `{c}`？）"));
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

/// What a value is, for "but here it is …" (in Chinese, for "但这里是…").
pub(super) fn describe(v: &DeValue<'_>, lang: Lang) -> String {
    match (v, lang) {
        (DeValue::String(s), Lang::En) => format!("the text \"{}\"", show_key(s)),
        (DeValue::String(s), Lang::Zh) => format!("文本 \"{}\"", show_key(s)),
        (DeValue::Integer(i), Lang::En) => format!("the whole number {}", show_key(i.as_str())),
        (DeValue::Integer(i), Lang::Zh) => format!("整数 {}", show_key(i.as_str())),
        (DeValue::Float(f), Lang::En) => format!("the number {}", show_key(f.as_str())),
        (DeValue::Float(f), Lang::Zh) => format!("小数 {}", show_key(f.as_str())),
        (DeValue::Boolean(b), _) => format!("`{b}`"),
        (DeValue::Datetime(_), Lang::En) => "a date or time".to_string(),
        (DeValue::Datetime(_), Lang::Zh) => "日期或时间".to_string(),
        (DeValue::Array(_), Lang::En) => "a list [ ... ]".to_string(),
        (DeValue::Array(_), Lang::Zh) => "列表 [ ... ]".to_string(),
        (DeValue::Table(_), Lang::En) => "a table { ... }".to_string(),
        (DeValue::Table(_), Lang::Zh) => "表 { ... }".to_string(),
    }
}

/// "What a value is" in both languages, for messages built with [`Text::both`].
pub(super) fn describe_both(v: &DeValue<'_>) -> (String, String) {
    (describe(v, Lang::En), describe(v, Lang::Zh))
}

fn quoted_number_hint(v: &DeValue<'_>) -> (&'static str, &'static str) {
    match v {
        DeValue::String(s) if s.trim().parse::<f64>().is_ok() => {
            (" (write numbers without quotes)", "（数字不加引号）")
        }
        _ => ("", ""),
    }
}

/// The readers for a value in the file: a wrong value is reported at its place.
impl Parser<'_> {
    /// The reader's value, or its message reported at `v`.
    pub(super) fn report<T>(&mut self, v: &Val<'_>, read: Result<T, Text>) -> Option<T> {
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

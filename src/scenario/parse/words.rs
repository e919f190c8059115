//! Small pieces of wording shared by the parser's messages.

use std::fmt::Write as _;
use std::ops::Range;

/// A key or value for a message: shortened, control characters escaped.
pub(super) fn show_key(s: &str) -> String {
    let short: String = s.chars().take(40).collect();
    let mut out = short.escape_debug().to_string();
    if s.chars().count() > 40 {
        out.push('…');
    }
    out
}

pub(super) fn count_words(n: usize) -> String {
    match n {
        2 => "two".to_string(),
        3 => "three".to_string(),
        n => n.to_string(),
    }
}

pub(super) fn join_and(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

pub(super) fn syntax_message(raw: &str, text: &str, span: Option<Range<usize>>) -> String {
    let mut m = String::from("TOML syntax error: ");
    if raw == "duplicate key" {
        let key = span.and_then(|s| text.get(s)).unwrap_or("");
        if key.is_empty() {
            m.push_str("this key is given twice; each key may appear only once in a table");
        } else {
            let _ = write!(
                m,
                "`{}` is given twice; each key may appear only once in a table (to add another \
                 step, start it with its own `[[client]]` or `[[server]]` line)",
                show_key(key)
            );
        }
    } else {
        m.push_str(raw);
    }
    m
}

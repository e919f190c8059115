//! Small pieces of wording shared by the parser's messages.

use std::fmt::Write as _;
use std::ops::Range;

use crate::scenario::Text;

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

pub(super) fn syntax_message(raw: &str, text: &str, span: Option<Range<usize>>) -> Text {
    let mut m = String::from("TOML syntax error: ");
    // The toml crate's own words stay in English; the rest is said in Chinese.
    let mut zh = String::from("TOML 语法错误：");
    if raw == "duplicate key" {
        let key = span.and_then(|s| text.get(s)).unwrap_or("");
        if key.is_empty() {
            m.push_str("this key is given twice; each key may appear only once in a table");
            zh.push_str("这个键写了两次；一个表中每个键只能出现一次");
        } else {
            let shown = show_key(key);
            let _ = write!(
                m,
                "`{shown}` is given twice; each key may appear only once in a table (to add another \
                 step, start it with its own `[[client]]` or `[[server]]` line)"
            );
            let _ = write!(
                zh,
                "`{shown}` 写了两次；一个表中每个键只能出现一次（要再加一个步骤，\
                 请另起一行 `[[client]]` 或 `[[server]]`）"
            );
        }
    } else {
        m.push_str(raw);
        zh.push_str(&syntax_zh(raw));
    }
    Text { en: m, zh }
}

/// The toml crate's usual syntax messages in Chinese; others are kept as they are.
fn syntax_zh(raw: &str) -> String {
    let known: &[(&str, &str)] = &[
        ("string values must be quoted", "文本值必须加引号"),
        ("missing value", "缺少值"),
        ("missing value for key", "键缺少值"),
        ("key with no value", "键没有值"),
        ("invalid value", "无效的值"),
        ("invalid key-value pair", "无效的键值对"),
        ("invalid unquoted key", "无效的不带引号的键"),
        ("unquoted keys cannot be empty", "不带引号的键不能为空"),
        (
            "missing assignment between key-value pairs",
            "键值对之间缺少 `=`",
        ),
        (
            "extra assignment between key-value pairs",
            "键值对之间多了一个 `=`",
        ),
        ("extra `=`", "多了一个 `=`"),
        (
            "missing comma between array elements",
            "列表元素之间缺少逗号",
        ),
        (
            "missing comma between key-value pairs",
            "键值对之间缺少逗号",
        ),
        ("extra comma in array", "列表中多了一个逗号"),
        ("extra comma in inline table", "内联表中多了一个逗号"),
        ("unclosed array", "列表缺少结尾的 `]`"),
        ("unclosed table", "表头缺少结尾的 `]`"),
        ("unclosed array table", "表数组头缺少结尾的 `]]`"),
        ("unclosed inline table", "内联表缺少结尾的 `}`"),
        ("missing opening quote", "缺少开头的引号"),
        ("invalid comment character", "注释中有无效字符"),
        ("unexpected content", "多余的内容"),
        ("unexpected key or value", "多余的键或值"),
        ("unexpected leading zero", "数字不能以 0 开头"),
        ("`_` may only go between digits", "`_` 只能写在数字之间"),
        ("missing escaped value", "转义序列不完整"),
        ("too few unicode value digits", "Unicode 转义的位数不够"),
    ];
    // "unclosed array, expected `]`": the crate's words, then what it expected there.
    let (head, expected) = match raw.split_once(", expected ") {
        Some((head, expected)) => (head, Some(expected)),
        None => (raw, None),
    };
    let mut zh = match known.iter().find(|(en, _)| *en == head) {
        Some((_, zh)) => (*zh).to_string(),
        None => head.to_string(),
    };
    match expected {
        Some("nothing") => zh.push_str("，这里不应再有内容"),
        Some(e) => {
            let _ = write!(zh, "，这里应为 {e}");
        }
        None => {}
    }
    zh
}

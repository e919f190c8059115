//! Reads and checks a scenario file (docs/design.md, "Scenario files";
//! docs/scenario-format.md).
//!
//! The text is parsed with the `toml` crate's spanned document tree, then every key and
//! value is checked by hand, so that each mistake gets its own error at the line and
//! column of the offending key or value, in words a teacher understands, with the valid
//! range or choices. All the mistakes of a file are collected ([`parse_all`]); [`parse`]
//! returns the first one. Nothing here panics, whatever the input.
//!
//! The layers: this file (positions, errors, the document's parts), [`keys`] (which key
//! belongs where), [`values`] (typed value readers), [`params`] (`[params]` and `--set`,
//! driven by [`crate::params::table`]), [`meta`] (`[meta]` and text), [`program`] (the
//! `[[client]]` / `[[server]]` steps and their actions), [`words`] and [`suggest`].

use toml::Spanned;
use toml::de::{DeTable, DeValue};

use super::{Lang, Scenario, Text};
use crate::params::Settings;

mod data;
mod keys;
mod meta;
mod params;
mod program;
mod suggest;
#[cfg(test)]
mod tests;
mod values;
mod words;

pub use crate::params::limits;
pub use params::{parse_setting, parse_setting_both};

use keys::Place;
use program::Side;
use values::describe;
use words::syntax_message;

type Val<'i> = Spanned<DeValue<'i>>;

/// One mistake in a scenario file, at a 1-based line and column (the column counts
/// characters, not bytes). Displays as `file:line:column: message`, in English;
/// [`ScenarioError::text`] gives it in either language.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{file}:{line}:{column}: {message}")]
pub struct ScenarioError {
    pub file: String,
    pub line: u32,
    pub column: u32,
    /// The message in English.
    pub message: String,
    /// The same message in Chinese (keys, values and examples as in the file).
    pub zh: String,
}

impl ScenarioError {
    /// The message alone, in `lang`.
    pub fn message_in(&self, lang: Lang) -> &str {
        match lang {
            Lang::En => &self.message,
            Lang::Zh => &self.zh,
        }
    }

    /// `file:line:column: message` in `lang` (`Display` is the English one).
    pub fn text(&self, lang: Lang) -> String {
        format!(
            "{}:{}:{}: {}",
            self.file,
            self.line,
            self.column,
            self.message_in(lang)
        )
    }
}

/// Parses and checks a scenario; on failure, returns the first mistake in the file.
pub fn parse(text: &str, file: &str) -> Result<Scenario, ScenarioError> {
    parse_all(text, file).map_err(first)
}

/// Parses and checks a scenario; on failure, returns every mistake found, in file order.
pub fn parse_all(text: &str, file: &str) -> Result<Scenario, Vec<ScenarioError>> {
    Parser::new(text, file).run()
}

/// Like [`parse`], for the raw bytes of a file: invalid UTF-8 is reported at the line and
/// column of the first bad byte.
pub fn parse_bytes(bytes: &[u8], file: &str) -> Result<Scenario, ScenarioError> {
    parse_bytes_all(bytes, file).map_err(first)
}

/// Like [`parse_all`], for the raw bytes of a file.
pub fn parse_bytes_all(bytes: &[u8], file: &str) -> Result<Scenario, Vec<ScenarioError>> {
    match std::str::from_utf8(bytes) {
        Ok(text) => parse_all(text, file),
        Err(e) => {
            let at = e.valid_up_to();
            let (line, column) = position(bytes, at);
            let bad = bytes.get(at).copied().unwrap_or(0);
            Err(vec![ScenarioError {
                file: file.to_string(),
                line,
                column,
                message: format!(
                    "the file is not valid UTF-8: byte 0x{bad:02X} here is not part of a UTF-8 \
                     character (was the file saved as GBK, ANSI or Latin-1? save it as UTF-8)"
                ),
                zh: format!(
                    "文件不是有效的 UTF-8：此处的字节 0x{bad:02X} 不属于任何 UTF-8 字符\
                     （文件是否存成了 GBK、ANSI 或 Latin-1？请另存为 UTF-8）"
                ),
            }])
        }
    }
}

fn first(mut errors: Vec<ScenarioError>) -> ScenarioError {
    if errors.is_empty() {
        // Not reached: a failed parse always reports at least one error.
        ScenarioError {
            file: String::new(),
            line: 1,
            column: 1,
            message: "invalid scenario".into(),
            zh: "场景无效".into(),
        }
    } else {
        errors.swap_remove(0)
    }
}

/// 1-based line and column (in characters) of byte offset `at`. Never panics.
fn position(bytes: &[u8], at: usize) -> (u32, u32) {
    let at = at.min(bytes.len());
    let before = &bytes[..at];
    let line_start = before
        .iter()
        .rposition(|b| *b == b'\n')
        .map_or(0, |i| i + 1);
    let line = before.iter().filter(|b| **b == b'\n').count() + 1;
    (
        clamp_u32(line),
        column(&before[line_start..], line_start == 0),
    )
}

/// 1-based column after `segment` (the start of a line): characters, not bytes; a byte
/// order mark at the very start of the file does not count.
fn column(mut segment: &[u8], file_start: bool) -> u32 {
    if file_start {
        segment = segment
            .strip_prefix("\u{feff}".as_bytes())
            .unwrap_or(segment);
    }
    // Every byte that is not a UTF-8 continuation byte starts a character.
    clamp_u32(segment.iter().filter(|b| (**b & 0xC0) != 0x80).count() + 1)
}

fn clamp_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// At most this many errors are reported per file (a file of garbage is not read to the end).
const MAX_ERRORS: usize = 100;

struct Parser<'a> {
    text: &'a str,
    file: &'a str,
    /// Byte offset where each line starts.
    line_starts: Vec<usize>,
    errors: Vec<ScenarioError>,
}

impl<'a> Parser<'a> {
    fn new(text: &'a str, file: &'a str) -> Self {
        let mut line_starts = vec![0];
        line_starts.extend(
            text.bytes()
                .enumerate()
                .filter(|(_, b)| *b == b'\n')
                .map(|(i, _)| i + 1),
        );
        Parser {
            text,
            file,
            line_starts,
            errors: Vec::new(),
        }
    }

    /// Reports a mistake at byte offset `at`, in both languages.
    fn error(&mut self, at: usize, message: Text) {
        if self.errors.len() >= MAX_ERRORS {
            return;
        }
        let (line, column) = self.position(at);
        self.errors.push(ScenarioError {
            file: self.file.to_string(),
            line,
            column,
            message: message.en,
            zh: message.zh,
        });
    }

    /// Like [`position`], with the line found in the index.
    fn position(&self, at: usize) -> (u32, u32) {
        let at = at.min(self.text.len());
        let line = self.line_starts.partition_point(|s| *s <= at).max(1);
        let start = self.line_starts.get(line - 1).copied().unwrap_or(0).min(at);
        (
            clamp_u32(line),
            column(&self.text.as_bytes()[start..at], start == 0),
        )
    }

    fn line_of(&self, at: usize) -> u32 {
        self.position(at).0
    }

    fn finish<T>(self, value: T) -> Result<T, Vec<ScenarioError>> {
        if self.errors.is_empty() {
            Ok(value)
        } else {
            Err(self.into_errors())
        }
    }

    /// The errors in file order (a stable sort: errors at the same place keep the order
    /// they were found in).
    fn into_errors(mut self) -> Vec<ScenarioError> {
        self.errors.sort_by_key(|e| (e.line, e.column));
        self.errors
    }

    fn run(mut self) -> Result<Scenario, Vec<ScenarioError>> {
        let (doc, syntax) = DeTable::parse_recoverable(self.text);
        if !syntax.is_empty() {
            // Report the TOML syntax errors only: what follows a syntax error is guesswork
            // and would bring misleading errors of its own. One per line is enough.
            let mut seen_lines = std::collections::HashSet::new();
            for e in &syntax {
                let at = e.span().map_or(0, |s| s.start);
                if !seen_lines.insert(self.line_of(at)) {
                    continue;
                }
                let message = syntax_message(e.message(), self.text, e.span());
                self.error(at, message);
            }
            return Err(self.into_errors());
        }
        let root = doc.into_inner();
        let scenario = self.document(&root);
        self.finish(scenario)
    }

    fn document(&mut self, root: &DeTable<'_>) -> Scenario {
        let mut meta = meta::Meta::default();
        let mut settings = Settings::default();
        let mut client = Vec::new();
        let mut server = Vec::new();
        let mut meta_seen = false;

        for (key, value) in sorted(root) {
            match key.get_ref().as_ref() {
                "meta" => {
                    meta_seen = true;
                    if let Some(table) = self.table_for("meta", value, "[meta]") {
                        meta = self.meta(table, value.span().start);
                    }
                }
                "params" => {
                    if let Some(table) = self.table_for("params", value, "[params]") {
                        settings = self.params(table);
                    }
                }
                "client" => client = self.program(Side::Client, value),
                "server" => server = self.program(Side::Server, value),
                other => self.unknown_key(
                    Place::Top,
                    other,
                    key.span().start,
                    &Text::both("at the top of the file", "在文件顶层"),
                ),
            }
        }

        if self.text.trim_start_matches('\u{feff}').trim().is_empty() {
            self.error(
                0,
                Text::both(
                    "the file is empty: a scenario needs a [meta] table with a title and at \
                     least one [[client]] or [[server]] step",
                    "文件是空的：场景需要一个带 title 的 [meta] 表，以及至少一个 [[client]] 或 \
                     [[server]] 步骤",
                ),
            );
            return Scenario {
                name: scenario_name(self.file),
                title: Text::default(),
                summary: None,
                lesson: None,
                params: settings.resolve(),
                settings,
                client: client.into(),
                server: server.into(),
            };
        }
        if !meta_seen {
            self.error(
                0,
                Text::both(
                    "the file has no [meta] table: every scenario needs one, with a title, e.g. \
                     a line `[meta]` followed by a line `title = \"Two small sends\"`",
                    "文件没有 [meta] 表：每个场景都需要一个，并写上 title，例如一行 `[meta]`，\
                     下一行写 `title = \"Two small sends\"`",
                ),
            );
        }
        if client.is_empty() && server.is_empty() && self.errors.is_empty() {
            self.error(
                0,
                Text::both(
                    "the scenario has no actions: add at least one [[client]] or [[server]] \
                     step (for example `[[client]]` then `send_message = \"hello\"` on the next \
                     line)",
                    "场景没有任何动作：请至少添加一个 [[client]] 或 [[server]] 步骤\
                     （例如一行 `[[client]]`，下一行写 `send_message = \"hello\"`）",
                ),
            );
        }

        Scenario {
            name: scenario_name(self.file),
            title: meta.title.unwrap_or_default(),
            summary: meta.summary,
            lesson: meta.lesson,
            params: settings.resolve(),
            settings,
            client: client.into(),
            server: server.into(),
        }
    }

    /// The value as a table, or an error saying how to write `[name]`.
    fn table_for<'v, 'i>(
        &mut self,
        name: &str,
        value: &'v Val<'i>,
        how: &str,
    ) -> Option<&'v DeTable<'i>> {
        match value.get_ref() {
            DeValue::Table(t) => Some(t),
            other => {
                self.error(
                    value.span().start,
                    Text::both(
                        format!(
                            "`{name}` must be a table, written as a line `{how}` with its keys \
                             on the lines below it, but here it is {}",
                            describe(other, Lang::En)
                        ),
                        format!(
                            "`{name}` 必须是一个表：单独一行写 `{how}`，它的键写在下面各行，\
                             但这里是{}",
                            describe(other, Lang::Zh)
                        ),
                    ),
                );
                None
            }
        }
    }
}

/// A table's entries in file order (the table itself may be sorted by key).
fn sorted<'t, 'i>(
    table: &'t DeTable<'i>,
) -> Vec<(&'t Spanned<std::borrow::Cow<'i, str>>, &'t Val<'i>)> {
    let mut v: Vec<_> = table.iter().collect();
    v.sort_by_key(|(k, _)| k.span().start);
    v
}

fn scenario_name(file: &str) -> String {
    let base = file.rsplit(['/', '\\']).next().unwrap_or(file);
    base.strip_suffix(".toml").unwrap_or(base).to_string()
}

//! Deep links: what a teacher's link or command shows, in the URL's fragment.
//!
//! `…/#s=04&framing=length-prefix&step=12&lang=zh` opens built-in scenario 04 with the
//! length-prefix framing, at step 12, in 中文. The web app reads it from the address bar,
//! the desktop app from `stickysim gui 'URL-or-fragment'`, and both write it for the
//! "copy link" button, so a link and a command show the same thing.
//!
//! Keys, each at most once, in any order:
//!
//! - `s=04`: a built-in scenario, by number or name (as `stickysim run` takes it);
//! - `src=…&name=my-case`: a whole scenario file instead, deflated and base64url-encoded
//!   (for a teacher's own small scenario; `name` is its file name, optional);
//! - any parameter of the table as `key=value`, read by [`scenario::parse_setting`]
//!   exactly as `--set key=value` is (only those that differ from the scenario's);
//! - `view=main|compare`, `lang=en|zh`, `step=N` (steps from the start; past the end
//!   shows the end).
//!
//! Pure: no egui, no IO. Every bad link is an error in words, never a panic.

use std::fmt::Write as _;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::params::table::{PARAMS, Param, Value};
use crate::params::{Params, Settings};
use crate::scenario::{self, Lang, Scenario, ScenarioError, Text};

/// Most bytes of a scenario file carried in a link (after inflating).
pub const MAX_FILE_BYTES: usize = 256 * 1024;
/// Most characters of a link's fragment read.
pub const MAX_FRAGMENT: usize = 512 * 1024;
/// Most characters of a custom scenario's name.
pub const MAX_NAME: usize = 64;

/// Which scenario a link opens.
#[derive(Clone, Debug, PartialEq)]
pub enum Source {
    /// A built-in scenario: its number (`04`) or name, as written in the link.
    Builtin(String),
    /// A whole scenario file: its name (without `.toml`) and its text.
    File { name: String, text: String },
}

/// The GUI's views a link can open (the live server is desktop only, so not here).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LinkView {
    Main,
    Compare,
}

impl LinkView {
    pub const NAMES: &[&str] = &["main", "compare"];

    pub fn name(self) -> &'static str {
        match self {
            LinkView::Main => "main",
            LinkView::Compare => "compare",
        }
    }

    pub fn from_name(s: &str) -> Option<LinkView> {
        match s {
            "main" => Some(LinkView::Main),
            "compare" => Some(LinkView::Compare),
            _ => None,
        }
    }
}

/// What a link holds. A key it leaves out leaves that part of the app as it is.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct DeepLink {
    pub source: Option<Source>,
    /// The parameters set over the scenario's own.
    pub settings: Settings,
    pub lang: Option<Lang>,
    pub view: Option<LinkView>,
    pub step: Option<usize>,
}

/// Why a link cannot be read.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum LinkError {
    #[error("the link is too long ({0} characters; at most {MAX_FRAGMENT})")]
    TooLong(usize),
    #[error("the link has `{0}`; expected key=value, e.g. s=04")]
    NotKeyValue(String),
    #[error("the link gives `{0}` twice")]
    Repeated(String),
    #[error("the link gives both s= and src=: one scenario at a time")]
    TwoSources,
    #[error("the link gives name= without src=")]
    NameWithoutFile,
    #[error("the link has a bad %-escape in `{0}`")]
    BadEscape(String),
    #[error("no built-in scenario `{0}`; they are numbered 01 to {1:02}")]
    UnknownScenario(String, usize),
    #[error("the link's scenario file (src=) is damaged: {0}")]
    BadFile(String),
    #[error("the link's scenario file is larger than {MAX_FILE_BYTES} bytes")]
    FileTooLarge,
    #[error("the link's scenario file has {} error(s):\n{}", .0.len(), check_lines(.0))]
    Scenario(Vec<ScenarioError>),
    #[error("the link's name= may hold letters, digits, `.`, `-` and `_`, at most {MAX_NAME}")]
    BadName,
    #[error("the link's lang=`{0}`: expected en or zh")]
    BadLang(String),
    #[error("the link's view=`{0}`: expected main or compare")]
    BadView(String),
    #[error("the link's step=`{0}`: expected a whole number, e.g. step=12")]
    BadStep(String),
    /// A parameter the table refuses, with its words (as `--set` says it).
    #[error("in the link: {}", .0.en)]
    Param(Text),
}

impl LinkError {
    /// What it says in `lang` (English is its `Display`).
    pub fn text(&self, lang: Lang) -> String {
        if lang == Lang::En {
            return self.to_string();
        }
        match self {
            LinkError::TooLong(n) => format!("链接太长（{n} 个字符；最多 {MAX_FRAGMENT} 个）"),
            LinkError::NotKeyValue(s) => format!("链接里有 `{s}`；应为 键=值，例如 s=04"),
            LinkError::Repeated(k) => format!("链接两次给出了 `{k}`"),
            LinkError::TwoSources => "链接同时给出了 s= 和 src=：一次只能打开一个场景".into(),
            LinkError::NameWithoutFile => "链接给出了 name= 却没有 src=".into(),
            LinkError::BadEscape(s) => format!("链接中 `{s}` 的 % 转义有误"),
            LinkError::UnknownScenario(s, n) => {
                format!("没有内置场景 `{s}`；内置场景的编号是 01 到 {n:02}")
            }
            LinkError::BadFile(e) => format!("链接中的场景文件（src=）已损坏：{e}"),
            LinkError::FileTooLarge => {
                format!("链接中的场景文件超过 {MAX_FILE_BYTES} 字节")
            }
            LinkError::Scenario(errors) => format!(
                "链接中的场景文件有 {} 个错误：\n{}",
                errors.len(),
                check_lines_in(errors, Lang::Zh)
            ),
            LinkError::BadName => {
                format!("链接的 name= 只能包含字母、数字、`.`、`-` 和 `_`，最多 {MAX_NAME} 个字符")
            }
            LinkError::BadLang(s) => format!("链接的 lang=`{s}`：应为 en 或 zh"),
            LinkError::BadView(s) => format!("链接的 view=`{s}`：应为 main 或 compare"),
            LinkError::BadStep(s) => format!("链接的 step=`{s}`：应为整数，例如 step=12"),
            LinkError::Param(m) => format!("链接中：{}", m.zh),
        }
    }
}

/// A file's errors as `stickysim check` prints them.
pub fn check_lines(errors: &[ScenarioError]) -> String {
    check_lines_in(errors, Lang::En)
}

/// [`check_lines`] in `lang`.
pub fn check_lines_in(errors: &[ScenarioError], lang: Lang) -> String {
    let mut out = String::new();
    for e in errors {
        let _ = match lang {
            Lang::En => writeln!(out, "error  {e}"),
            Lang::Zh => writeln!(out, "错误   {}", e.text(lang)),
        };
    }
    out
}

impl DeepLink {
    /// Reads a link: a whole URL (the part after `#`), a fragment with or without its
    /// `#`, or an empty string (no changes).
    pub fn parse(input: &str) -> Result<DeepLink, LinkError> {
        let input = input.trim();
        let fragment = match input.split_once('#') {
            Some((_, f)) => f,
            // A URL without a fragment says nothing about the app.
            None if input.contains("://") => "",
            None => input,
        };
        if fragment.len() > MAX_FRAGMENT {
            return Err(LinkError::TooLong(fragment.len()));
        }
        let mut link = DeepLink::default();
        let mut seen: Vec<String> = Vec::new();
        let mut name = None;
        let mut src = None;
        for pair in fragment.split('&').filter(|p| !p.is_empty()) {
            let Some((key, value)) = pair.split_once('=') else {
                return Err(LinkError::NotKeyValue(pair.to_string()));
            };
            let key = percent_decode(key)?;
            let value = percent_decode(value)?;
            // A parameter's own key, so that `nagle` and `nagle ` are one key.
            let key = key.trim().to_string();
            if seen.contains(&key) {
                return Err(LinkError::Repeated(key));
            }
            seen.push(key.clone());
            match key.as_str() {
                "s" => link.source = Some(Source::Builtin(builtin_key(&value)?)),
                "src" => src = Some(value),
                "name" => name = Some(check_name(&value)?),
                "lang" => {
                    link.lang = Some(match value.as_str() {
                        "en" => Lang::En,
                        "zh" => Lang::Zh,
                        _ => return Err(LinkError::BadLang(value)),
                    })
                }
                "view" => {
                    link.view = Some(LinkView::from_name(&value).ok_or(LinkError::BadView(value))?)
                }
                "step" => {
                    link.step = Some(
                        value
                            .parse::<usize>()
                            .map_err(|_| LinkError::BadStep(value.clone()))?,
                    )
                }
                _ => {
                    let (p, v) = scenario::parse_setting_both(&format!("{key}={value}"))
                        .map_err(LinkError::Param)?;
                    link.settings.insert(p, v);
                }
            }
        }
        match (src, name) {
            (Some(_), _) if link.source.is_some() => return Err(LinkError::TwoSources),
            (Some(src), name) => {
                let text = inflate(&src)?;
                let name = name.unwrap_or_else(|| "linked".to_string());
                // Checked here, so that a bad file is the link's error, not a later one.
                scenario::parse_all(&text, &format!("{name}.toml")).map_err(LinkError::Scenario)?;
                link.source = Some(Source::File { name, text });
            }
            (None, Some(_)) => return Err(LinkError::NameWithoutFile),
            (None, None) => {}
        }
        Ok(link)
    }

    /// The link of what the app shows: `scenario` run with `params` (the parameters that
    /// differ from the scenario's own go into the link). `builtin`: the scenario is one
    /// of the app's, named by number; otherwise its whole file (`file_text`) is carried.
    pub fn of(
        scenario: &Scenario,
        file_text: Option<&str>,
        params: &Params,
        lang: Lang,
        view: LinkView,
        step: usize,
    ) -> DeepLink {
        let source = match file_text {
            None => Source::Builtin(match scenario.number() {
                Some(n) => format!("{n:02}"),
                None => scenario.name.clone(),
            }),
            Some(text) => Source::File {
                name: scenario.name.clone(),
                text: text.to_string(),
            },
        };
        DeepLink {
            source: Some(source),
            settings: differing(scenario, params),
            lang: Some(lang),
            view: Some(view),
            step: Some(step),
        }
    }

    /// The fragment, without `#`: `s=04&framing=length-prefix&view=main&lang=zh&step=12`.
    pub fn to_fragment(&self) -> String {
        let mut parts: Vec<String> = Vec::new();
        match &self.source {
            Some(Source::Builtin(key)) => parts.push(format!("s={key}")),
            Some(Source::File { name, text }) => {
                parts.push(format!("src={}", deflate(text)));
                parts.push(format!("name={name}"));
            }
            None => {}
        }
        for row in PARAMS {
            if let Some(v) = self.settings.get(row.key) {
                parts.push(format!("{}={}", row.key, show(row, v)));
            }
        }
        if let Some(v) = self.view {
            parts.push(format!("view={}", v.name()));
        }
        if let Some(l) = self.lang {
            parts.push(format!("lang={}", lang_name(l)));
        }
        if let Some(s) = self.step {
            parts.push(format!("step={s}"));
        }
        parts.join("&")
    }

    /// The scenario the link opens: `None` if it names none. A file's errors are those
    /// `check` reports.
    pub fn scenario(&self) -> Result<Option<Scenario>, LinkError> {
        match &self.source {
            None => Ok(None),
            Some(Source::Builtin(key)) => scenario::find_builtin(key)
                .map(Some)
                .ok_or_else(|| LinkError::UnknownScenario(key.clone(), scenario::BUILTIN.len())),
            Some(Source::File { name, text }) => scenario::parse_all(text, &format!("{name}.toml"))
                .map(Some)
                .map_err(LinkError::Scenario),
        }
    }

    /// The parameters to run `scenario` with: its own, with the link's on top.
    pub fn params(&self, scenario: &Scenario) -> Params {
        scenario.settings.over(&self.settings).resolve()
    }
}

/// `lang=` value.
pub fn lang_name(l: Lang) -> &'static str {
    match l {
        Lang::En => "en",
        Lang::Zh => "zh",
    }
}

/// The settings over `scenario`'s that make it resolve to `params`: row by row in the
/// table's order (stack and link first), a key goes in when its value differs from what
/// the settings so far give, so values that follow a changed stack or link stay out.
pub fn differing(scenario: &Scenario, params: &Params) -> Settings {
    let mut s = Settings::default();
    for row in PARAMS {
        let base = scenario.settings.over(&s).resolve();
        if (row.get)(params) != (row.get)(&base)
            && let Some(v) = (row.get)(params)
        {
            s.insert(row, v);
        }
    }
    s
}

/// A value as `--set` reads it back: names without quotes.
fn show(row: &Param, v: Value) -> String {
    match v {
        Value::Choice(i) => row.names().get(i).copied().unwrap_or("?").to_string(),
        other => row.show(other),
    }
}

fn builtin_key(value: &str) -> Result<String, LinkError> {
    match scenario::find_builtin(value) {
        Some(_) => Ok(value.to_string()),
        None => Err(LinkError::UnknownScenario(
            value.chars().take(MAX_NAME).collect(),
            scenario::BUILTIN.len(),
        )),
    }
}

fn check_name(value: &str) -> Result<String, LinkError> {
    let name = value.trim_end_matches(".toml");
    let ok = !name.is_empty()
        && name.len() <= MAX_NAME
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'));
    if ok {
        Ok(name.to_string())
    } else {
        Err(LinkError::BadName)
    }
}

/// A name fit for `name=`: the other characters become `-`, cut to [`MAX_NAME`].
pub fn link_name(name: &str) -> String {
    let cleaned: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '-'
            }
        })
        .take(MAX_NAME)
        .collect();
    if cleaned.is_empty() {
        "linked".to_string()
    } else {
        cleaned
    }
}

fn deflate(text: &str) -> String {
    URL_SAFE_NO_PAD.encode(miniz_oxide::deflate::compress_to_vec(text.as_bytes(), 9))
}

fn inflate(src: &str) -> Result<String, LinkError> {
    let bytes = URL_SAFE_NO_PAD
        .decode(src.trim_end_matches('='))
        .map_err(|e| LinkError::BadFile(format!("not base64url: {e}")))?;
    let text = miniz_oxide::inflate::decompress_to_vec_with_limit(&bytes, MAX_FILE_BYTES).map_err(
        |e| match e.status {
            miniz_oxide::inflate::TINFLStatus::HasMoreOutput => LinkError::FileTooLarge,
            _ => LinkError::BadFile("not deflate data (was the link cut short?)".to_string()),
        },
    )?;
    String::from_utf8(text).map_err(|_| LinkError::BadFile("not UTF-8 text".to_string()))
}

/// `%XX` escapes (as browsers and chat apps write them) back to text.
fn percent_decode(s: &str) -> Result<String, LinkError> {
    if !s.contains('%') {
        return Ok(s.to_string());
    }
    let bad = || LinkError::BadEscape(s.chars().take(80).collect());
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes.get(i + 1..i + 3).ok_or_else(bad)?;
            let digit = |b: u8| (b as char).to_digit(16).ok_or_else(bad);
            out.push((digit(hex[0])? * 16 + digit(hex[1])?) as u8);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| bad())
}

#[cfg(test)]
mod tests;

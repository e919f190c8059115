//! `[params]` in a file and `--set key=value` on the command line: both read each value
//! with its row of [`crate::params::table::PARAMS`], so they accept and refuse the same
//! values with the same words.

use toml::de::{DeTable, DeValue};

use super::keys::Place;
use super::{Parser, sorted, suggest, values};
use crate::params::table::{self, Kind, Param, Value};
use crate::params::{Framing, Settings, Transport};
use crate::scenario::Text;

/// A value for `p`, or the message saying why not.
pub(super) fn read(p: &Param, v: &DeValue<'_>) -> Result<Value, Text> {
    let value = match p.kind {
        Kind::Choice(names) => Value::Choice(values::choice(p.key, v, names)?),
        Kind::Bool => Value::Bool(values::boolean(p.key, v)?),
        Kind::Uint { min, max } => Value::Uint(values::uint(p.key, v, min, max, p.unit)?),
        Kind::Number { min, max, .. } => Value::Number(values::number(p.key, v, min, max, p.unit)?),
    };
    p.check_both(value)
}

/// One `key=value` setting, as `--set` takes it: the value in TOML syntax, where text
/// may go without quotes (`--set framing=json-header`). The error message is the one a
/// scenario file gets for the same value.
pub fn parse_setting(kv: &str) -> Result<(&'static Param, Value), String> {
    parse_setting_both(kv).map_err(|m| m.en)
}

/// [`parse_setting`], with the message in both languages.
pub fn parse_setting_both(kv: &str) -> Result<(&'static Param, Value), Text> {
    let Some((key, text)) = kv.split_once('=') else {
        return Err(Text::both(
            format!("`{kv}`: expected key=value, e.g. loss=0.3"),
            format!("`{kv}`：应写成 key=value，例如 loss=0.3"),
        ));
    };
    let (key, text) = (key.trim(), text.trim());
    let Some(p) = table::param(key) else {
        return Err(unknown_param(key));
    };
    let value = match DeValue::parse(text) {
        Ok(v) => read(p, v.get_ref()),
        Err(_) => read(p, &DeValue::String(text.into())),
    }?;
    Ok((p, value))
}

/// "unknown parameter `nagel` (did you mean `nagle`?); valid keys: …".
fn unknown_param(key: &str) -> Text {
    let keys = table::keys();
    let shown = super::words::show_key(key);
    let mut m = Text::both(
        format!("unknown parameter `{shown}`"),
        format!("未知参数 `{shown}`"),
    );
    if let Some(close) = suggest::closest(key, &keys) {
        values::did_you_mean(&mut m, close);
    }
    let keys = keys.join(", ");
    m.en.push_str(&format!("; valid keys: {keys}"));
    m.zh.push_str(&format!("；可用的键：{keys}"));
    m
}

impl Parser<'_> {
    /// The keys `[params]` sets, checked.
    pub(super) fn params(&mut self, t: &DeTable<'_>) -> Settings {
        let mut settings = Settings::default();
        let mut framing_at = None;
        for (key, v) in sorted(t) {
            let k = key.get_ref().as_ref();
            match table::param(k) {
                Some(p) => {
                    if let Some(value) = self.report(v, read(p, v.get_ref())) {
                        settings.insert(p, value);
                        if k == "framing" {
                            framing_at = Some(v.span().start);
                        }
                    }
                }
                None => self.unknown_key(
                    Place::Params,
                    k,
                    key.span().start,
                    &Text::both("in [params]", "在 [params] 中"),
                ),
            }
        }
        // The model refuses this pair (`ModelError::FramingOnUdp`); a file that passes
        // `check` must run, so the file is refused here, where the error has a place.
        let resolved = settings.resolve();
        if let (Transport::Udp, Some(at)) = (resolved.transport, framing_at)
            && resolved.framing != Framing::Raw
        {
            let framing = resolved.framing.name();
            self.error(
                at,
                Text::both(
                    format!(
                        "framing `{framing}` applies to TCP byte streams; UDP keeps each datagram \
                         whole, so use framing = \"raw\" (or transport = \"tcp\")"
                    ),
                    format!(
                        "分帧 `{framing}` 用于 TCP 字节流；UDP 本身就保持每个数据报完整，\
                         请用 framing = \"raw\"（或 transport = \"tcp\"）"
                    ),
                ),
            );
        }
        settings
    }
}

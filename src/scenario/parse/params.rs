//! `[params]` in a file and `--set key=value` on the command line: both read each value
//! with its row of [`crate::params::table::PARAMS`], so they accept and refuse the same
//! values with the same words.

use std::fmt::Write as _;

use toml::de::{DeTable, DeValue};

use super::keys::Place;
use super::{Parser, sorted, suggest, values};
use crate::params::table::{self, Kind, Param, Value};
use crate::params::{Framing, Settings, Transport};

/// A value for `p`, or the message saying why not.
pub(super) fn read(p: &Param, v: &DeValue<'_>) -> Result<Value, String> {
    let value = match p.kind {
        Kind::Choice(names) => Value::Choice(values::choice(p.key, v, names)?),
        Kind::Bool => Value::Bool(values::boolean(p.key, v)?),
        Kind::Uint { min, max } => Value::Uint(values::uint(p.key, v, min, max, p.unit)?),
        Kind::Number { min, max, .. } => Value::Number(values::number(p.key, v, min, max, p.unit)?),
    };
    p.check(value)
}

/// One `key=value` setting, as `--set` takes it: the value in TOML syntax, where text
/// may go without quotes (`--set framing=json-header`). The error message is the one a
/// scenario file gets for the same value.
pub fn parse_setting(kv: &str) -> Result<(&'static Param, Value), String> {
    let Some((key, text)) = kv.split_once('=') else {
        return Err(format!("`{kv}`: expected key=value, e.g. loss=0.3"));
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
fn unknown_param(key: &str) -> String {
    let keys = table::keys();
    let mut m = format!("unknown parameter `{}`", super::words::show_key(key));
    if let Some(close) = suggest::closest(key, &keys) {
        let _ = write!(m, " (did you mean `{close}`?)");
    }
    let _ = write!(m, "; valid keys: {}", keys.join(", "));
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
                None => self.unknown_key(Place::Params, k, key.span().start, "in [params]"),
            }
        }
        // The model refuses this pair (`ModelError::FramingOnUdp`); a file that passes
        // `check` must run, so the file is refused here, where the error has a place.
        let resolved = settings.resolve();
        if let (Transport::Udp, Some(at)) = (resolved.transport, framing_at)
            && resolved.framing != Framing::Raw
        {
            self.error(
                at,
                format!(
                    "framing `{}` applies to TCP byte streams; UDP keeps each datagram \
                     whole, so use framing = \"raw\" (or transport = \"tcp\")",
                    resolved.framing.name()
                ),
            );
        }
        settings
    }
}

//! The explicit layer above [`Params`]: which keys someone set, and to what.

use std::collections::BTreeMap;

use super::table::{PARAMS, Param, Value, param};
use super::{Link, Params, Stack};

/// Keys set explicitly (by a scenario file, `--set`, a flag, the GUI) and their values.
/// An explicit value always wins over a default, including the link's and the stack's.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Settings {
    values: BTreeMap<&'static str, Value>,
}

impl Settings {
    /// Sets `key`, checked against its row. The error is a scenario file's message.
    pub fn set(&mut self, key: &str, v: Value) -> Result<(), String> {
        self.set_both(key, v).map_err(|m| m.en)
    }

    /// [`Self::set`], with the message in both languages.
    pub fn set_both(&mut self, key: &str, v: Value) -> Result<(), crate::scenario::Text> {
        let p = param(key).ok_or_else(|| {
            crate::scenario::Text::both(
                format!("unknown parameter `{key}`"),
                format!("未知参数 `{key}`"),
            )
        })?;
        let v = p.check_both(v)?;
        self.values.insert(p.key, v);
        Ok(())
    }

    /// Sets a value already checked against `p`.
    pub fn insert(&mut self, p: &'static Param, v: Value) {
        self.values.insert(p.key, v);
    }

    pub fn get(&self, key: &str) -> Option<Value> {
        self.values.get(key).copied()
    }

    pub fn contains(&self, key: &str) -> bool {
        self.values.contains_key(key)
    }

    /// The explicit keys, sorted.
    pub fn keys(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.values.keys().copied()
    }

    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// These settings with `top`'s on top (an override wins).
    pub fn over(&self, top: &Settings) -> Settings {
        let mut out = self.clone();
        out.values.extend(top.values.iter().map(|(k, v)| (*k, *v)));
        out
    }

    /// For a model run beside a real one: link = loopback unless chosen explicitly, so
    /// both runs see the same wire (real runs are always over 127.0.0.1).
    pub fn beside_real(&self) -> Settings {
        let mut out = self.clone();
        if !out.contains("link") {
            out.set("link", Value::Choice(link_index(Link::Loopback)))
                .expect("link = loopback is in the table");
        }
        out
    }

    /// The one resolution: the table's defaults, then the link's and the stack's (the
    /// `stack` and `link` rows come first), then the explicit values.
    pub fn resolve(&self) -> Params {
        let mut p = Params::blank();
        for row in PARAMS {
            match self
                .get(row.key)
                .or_else(|| row.default.at(p.link, p.stack))
            {
                Some(v) => (row.set)(&mut p, v),
                None => (row.clear)(&mut p),
            }
        }
        p
    }

    /// The settings that resolve to `p`: the keys whose value differs from what its link
    /// and stack give (for parameters set in code or by the GUI as a whole `Params`).
    pub fn from_params(p: &Params) -> Settings {
        let mut s = Settings::default();
        let base = Settings::default().resolve();
        for key in ["stack", "link"] {
            if let Some(row) = param(key)
                && (row.get)(p) != (row.get)(&base)
                && let Some(v) = (row.get)(p)
            {
                s.insert(row, v);
            }
        }
        let base = s.resolve();
        for row in PARAMS {
            if (row.get)(p) != (row.get)(&base)
                && let Some(v) = (row.get)(p)
            {
                s.insert(row, v);
            }
        }
        s
    }

    /// `old` moved to another stack and link, as the GUI's toggles do: the values that
    /// followed the old ones follow the new; the `explicit` keys, and those that differ
    /// from the old link's and stack's defaults, keep their values.
    pub fn relink<'k>(
        old: &Params,
        explicit: impl IntoIterator<Item = &'k str>,
        stack: Stack,
        link: Link,
    ) -> Params {
        let mut s = Settings::from_params(old);
        for key in explicit {
            if let Some(row) = param(key)
                && let Some(v) = (row.get)(old)
            {
                s.insert(row, v);
            }
        }
        let mut new = old.clone();
        (new.stack, new.link) = (stack, link);
        for key in ["stack", "link"] {
            if let Some(row) = param(key)
                && let Some(v) = (row.get)(&new)
            {
                s.insert(row, v);
            }
        }
        s.resolve()
    }
}

fn link_index(link: Link) -> usize {
    Link::ALL.iter().position(|l| *l == link).unwrap_or(0)
}

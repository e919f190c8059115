//! The Wireshark dissector (`wireshark/stickysim.lua`), embedded so the binary can hand
//! it out (`stickysim dissector`) with its preferences' defaults set for a run.

use crate::params::{ByteOrder, Delimiter, Framing};

/// The dissector as it is in the repository.
pub const LUA: &str = include_str!("../../wireshark/stickysim.lua");

/// The preferences [`lua`] sets: the framing and its parameters.
#[derive(Clone, Copy, Debug)]
pub struct Defaults {
    /// `None` or `Raw` keeps `auto`.
    pub framing: Option<Framing>,
    pub order: ByteOrder,
    pub port: u16,
    /// `line` framing's delimiter.
    pub delimiter: Delimiter,
    /// `fixed` framing's record size.
    pub record_size: u32,
}

/// The dissector with these defaults (a user can still change them in Wireshark's
/// preferences).
pub fn lua_with(d: Defaults) -> String {
    let delimiter = Delimiter::ALL
        .iter()
        .position(|&x| x == d.delimiter)
        .unwrap_or(0);
    lua(d.framing, d.order, d.port)
        .replacen(
            "Pref.enum(\"Line delimiter\", 0,",
            &format!("Pref.enum(\"Line delimiter\", {delimiter},"),
            1,
        )
        .replacen(
            "Pref.uint(\"Record size\", 32,",
            &format!("Pref.uint(\"Record size\", {},", d.record_size),
            1,
        )
}

/// The dissector with these defaults (a user can still change them in Wireshark's
/// preferences). `framing: None` or `Raw` keeps `auto`.
pub fn lua(framing: Option<Framing>, order: ByteOrder, port: u16) -> String {
    let framing = match framing {
        Some(Framing::LengthPrefix) => "FRAMING_LP",
        Some(Framing::JsonHeader) => "FRAMING_JSON",
        Some(Framing::Line) => "FRAMING_LINE",
        Some(Framing::Fixed) => "FRAMING_FIXED",
        Some(Framing::Raw) | None => "FRAMING_AUTO",
    };
    let big = if order == ByteOrder::Big {
        "true"
    } else {
        "false"
    };
    LUA.replacen(
        "Pref.enum(\"Framing\", FRAMING_AUTO,",
        &format!("Pref.enum(\"Framing\", {framing},"),
        1,
    )
    .replacen(
        "Pref.uint(\"TCP/UDP port\", 8080,",
        &format!("Pref.uint(\"TCP/UDP port\", {port},"),
        1,
    )
    .replacen(
        "Pref.bool(\"Big-endian lengths\", false,",
        &format!("Pref.bool(\"Big-endian lengths\", {big},"),
        1,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_defaults_are_where_lua_expects_them() {
        // Each replacement must find its text, or a changed script would silently keep
        // its old defaults.
        for needle in [
            "Pref.enum(\"Framing\", FRAMING_AUTO,",
            "Pref.uint(\"TCP/UDP port\", 8080,",
            "Pref.bool(\"Big-endian lengths\", false,",
            "Pref.enum(\"Line delimiter\", 0,",
            "Pref.uint(\"Record size\", 32,",
        ] {
            assert_eq!(LUA.matches(needle).count(), 1, "{needle}");
        }
        let s = lua_with(Defaults {
            framing: Some(Framing::Fixed),
            order: ByteOrder::Little,
            port: 8080,
            delimiter: Delimiter::Crlf,
            record_size: 128,
        });
        assert!(s.contains("Pref.enum(\"Framing\", FRAMING_FIXED,"));
        assert!(s.contains("Pref.enum(\"Line delimiter\", 1,"));
        assert!(s.contains("Pref.uint(\"Record size\", 128,"));
        let s = lua(Some(Framing::JsonHeader), ByteOrder::Big, 9000);
        assert!(s.contains("Pref.enum(\"Framing\", FRAMING_JSON,"));
        assert!(s.contains("Pref.uint(\"TCP/UDP port\", 9000,"));
        assert!(s.contains("Pref.bool(\"Big-endian lengths\", true,"));
        assert_eq!(lua(None, ByteOrder::Little, 8080), LUA);
    }
}

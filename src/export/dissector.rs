//! The Wireshark dissector (`wireshark/stickysim.lua`), embedded so the binary can hand
//! it out (`stickysim dissector`) with its preferences' defaults set for a run.

use crate::params::{ByteOrder, Framing};

/// The dissector as it is in the repository.
pub const LUA: &str = include_str!("../../wireshark/stickysim.lua");

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
        ] {
            assert_eq!(LUA.matches(needle).count(), 1, "{needle}");
        }
        let s = lua(Some(Framing::JsonHeader), ByteOrder::Big, 9000);
        assert!(s.contains("Pref.enum(\"Framing\", FRAMING_JSON,"));
        assert!(s.contains("Pref.uint(\"TCP/UDP port\", 9000,"));
        assert!(s.contains("Pref.bool(\"Big-endian lengths\", true,"));
        assert_eq!(lua(None, ByteOrder::Little, 8080), LUA);
    }
}

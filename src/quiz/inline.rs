//! A lesson line's **bold** and `code` pieces.

/// A lesson line's pieces (Markdown-lite, `[meta] lesson`): the GUI's "Why" panel and
/// the handouts read it the same way.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Inline {
    Plain,
    Bold,
    Code,
}

/// Splits a line into plain, **bold** and `code` pieces. An unclosed marker is plain text.
pub fn inline_pieces(line: &str) -> Vec<(Inline, String)> {
    let mut out = Vec::new();
    let mut rest = line;
    while !rest.is_empty() {
        let code = rest.find('`');
        let bold = rest.find("**");
        let (at, kind, marker) = match (code, bold) {
            (Some(c), Some(b)) if b < c => (b, Inline::Bold, "**"),
            (Some(c), _) => (c, Inline::Code, "`"),
            (None, Some(b)) => (b, Inline::Bold, "**"),
            (None, None) => {
                out.push((Inline::Plain, rest.to_string()));
                break;
            }
        };
        let after = &rest[at + marker.len()..];
        match after.find(marker) {
            Some(end) => {
                if at > 0 {
                    out.push((Inline::Plain, rest[..at].to_string()));
                }
                out.push((kind, after[..end].to_string()));
                rest = &after[end + marker.len()..];
            }
            None => {
                out.push((Inline::Plain, rest.to_string()));
                break;
            }
        }
    }
    out
}

//! Data to send: `"text"`, `{ size = N, fill = "..." }` or `{ hex = "..." }`.

use toml::de::{DeTable, DeValue};

use super::keys::Place;
use super::values::describe_both;
use super::{Parser, Val, sorted};
use crate::params::limits::*;
use crate::scenario::Text;

/// Data to send, checked but not yet materialized (so sizes are checked before any
/// allocation).
pub(super) enum DataSpec {
    Bytes(Vec<u8>),
    Fill { size: u64, fill: String },
}

impl DataSpec {
    pub(super) fn len(&self) -> u64 {
        match self {
            DataSpec::Bytes(b) => b.len() as u64,
            DataSpec::Fill { size, .. } => *size,
        }
    }
    pub(super) fn bytes(self) -> Vec<u8> {
        match self {
            DataSpec::Bytes(b) => b,
            DataSpec::Fill { size, fill } => {
                let fill = fill.as_bytes();
                if fill.is_empty() {
                    return Vec::new();
                }
                fill.iter()
                    .copied()
                    .cycle()
                    .take(usize::try_from(size).unwrap_or(0))
                    .collect()
            }
        }
    }
}

impl Parser<'_> {
    /// Data to send: `"text"`, `{ size = N, fill = "..." }` or `{ hex = "..." }`.
    pub(super) fn data(&mut self, name: &str, v: &Val<'_>) -> Option<DataSpec> {
        let spec = match v.get_ref() {
            DeValue::String(s) => DataSpec::Bytes(s.as_bytes().to_vec()),
            DeValue::Table(t) => self.data_table(name, v, t)?,
            other => {
                let (it, it_zh) = describe_both(other);
                self.error(
                    v.span().start,
                    Text::both(
                        format!(
                            "`{name}` needs data: text in quotes (\"hello\"), `{{ size = 3000 }}` \
                             or `{{ hex = \"68 65\" }}`, but here it is {it}"
                        ),
                        format!(
                            "`{name}` 需要数据：带引号的文本（\"hello\"）、`{{ size = 3000 }}` \
                             或 `{{ hex = \"68 65\" }}`，但这里是{it_zh}"
                        ),
                    ),
                );
                return None;
            }
        };
        if spec.len() == 0 {
            self.error(
                v.span().start,
                Text::both(
                    format!("`{name}` has no data: send at least 1 byte"),
                    format!("`{name}` 没有数据：至少要发送 1 个字节"),
                ),
            );
            return None;
        }
        if spec.len() > MAX_DATA_PER_PROGRAM {
            self.error(
                v.span().start,
                Text::both(
                    format!(
                        "`{name}` has {} bytes; one program may send at most \
                         {MAX_DATA_PER_PROGRAM} bytes (64 MiB)",
                        spec.len()
                    ),
                    format!(
                        "`{name}` 有 {} 字节；一个程序最多只能发送 {MAX_DATA_PER_PROGRAM} 字节\
                         （64 MiB）",
                        spec.len()
                    ),
                ),
            );
            return None;
        }
        Some(spec)
    }

    fn data_table(&mut self, name: &str, v: &Val<'_>, t: &DeTable<'_>) -> Option<DataSpec> {
        let mut size = None;
        let mut fill = None;
        let mut hex = None;
        let mut ok = true;
        let context = Text::both(
            format!("in the data of `{name}`"),
            format!("在 `{name}` 的数据中"),
        );
        for (key, value) in sorted(t) {
            match key.get_ref().as_ref() {
                "size" => {
                    size = Some((
                        key.span().start,
                        self.uint("size", value, 1, MAX_DATA_PER_PROGRAM, "bytes"),
                    ));
                }
                "fill" => match value.get_ref() {
                    DeValue::String(s) if !s.is_empty() => fill = Some(s.to_string()),
                    DeValue::String(_) => {
                        self.error(
                            value.span().start,
                            Text::both(
                                "`fill` is empty: give at least one character, e.g. `fill = \"x\"`",
                                "`fill` 是空的：至少给一个字符，例如 `fill = \"x\"`",
                            ),
                        );
                        ok = false;
                    }
                    other => {
                        let (it, it_zh) = describe_both(other);
                        self.error(
                            value.span().start,
                            Text::both(
                                format!("`fill` must be text in quotes, but here it is {it}"),
                                format!("`fill` 必须是带引号的文本，但这里是{it_zh}"),
                            ),
                        );
                        ok = false;
                    }
                },
                "hex" => {
                    hex = Some((key.span().start, self.hex(value)));
                }
                other => {
                    self.unknown_key(Place::Data, other, key.span().start, &context);
                    ok = false;
                }
            }
        }
        match (size, hex) {
            (Some(_), Some((hex_at, _))) => {
                self.error(
                    hex_at,
                    Text::both(
                        format!(
                            "`{name}` has both `size` and `hex`: use \
                             `{{ size = N, fill = \"...\" }}` or `{{ hex = \"...\" }}`, not both"
                        ),
                        format!(
                            "`{name}` 同时有 `size` 和 `hex`：请用 \
                             `{{ size = N, fill = \"...\" }}` 或 `{{ hex = \"...\" }}`，二者只能选一"
                        ),
                    ),
                );
                None
            }
            (None, Some((_, bytes))) => {
                if let Some(_f) = fill {
                    self.error(
                        v.span().start,
                        Text::both(
                            "`fill` goes with `size`, not with `hex`: remove it",
                            "`fill` 要和 `size` 一起用，不能和 `hex` 一起用：请删掉它",
                        ),
                    );
                    return None;
                }
                let bytes = bytes?;
                ok.then_some(DataSpec::Bytes(bytes))
            }
            (Some((_, size)), None) => {
                let size = size?;
                ok.then(|| DataSpec::Fill {
                    size,
                    fill: fill.unwrap_or_else(|| DEFAULT_FILL.to_string()),
                })
            }
            (None, None) => {
                if ok {
                    self.error(
                        v.span().start,
                        Text::both(
                            format!(
                                "`{name}` data needs `size` (e.g. `{{ size = 3000 }}`) or `hex` \
                                 (e.g. `{{ hex = \"68 65 6c 6c 6f\" }}`)"
                            ),
                            format!(
                                "`{name}` 的数据需要 `size`（例如 `{{ size = 3000 }}`）或 `hex`\
                                 （例如 `{{ hex = \"68 65 6c 6c 6f\" }}`）"
                            ),
                        ),
                    );
                }
                None
            }
        }
    }

    /// Hex digits, two per byte, with whitespace allowed between bytes.
    fn hex(&mut self, v: &Val<'_>) -> Option<Vec<u8>> {
        let DeValue::String(s) = v.get_ref() else {
            let (it, it_zh) = describe_both(v.get_ref());
            self.error(
                v.span().start,
                Text::both(
                    format!(
                        "`hex` must be text in quotes, two hex digits per byte (e.g. \
                         \"68 65 6c 6c 6f\"), but here it is {it}"
                    ),
                    format!(
                        "`hex` 必须是带引号的文本，每个字节两位十六进制数（例如 \
                         \"68 65 6c 6c 6f\"），但这里是{it_zh}"
                    ),
                ),
            );
            return None;
        };
        let s: &str = s;
        let mut out = Vec::with_capacity(s.len() / 2);
        let mut idx = 0;
        while idx < s.len() {
            let rest = &s[idx..];
            let Some(c) = rest.chars().next() else { break };
            if c.is_whitespace() {
                idx += c.len_utf8();
                continue;
            }
            let group_len = rest.find(char::is_whitespace).unwrap_or(rest.len());
            let group = &rest[..group_len];
            if let Some((bad_at, bad)) = group.char_indices().find(|(_, c)| !c.is_ascii_hexdigit())
            {
                let at = self.string_offset(v, s, idx + bad_at);
                let (hint, hint_zh) = if group.starts_with("0x") || group.starts_with("0X") {
                    (" (write the bytes without `0x`)", "（字节前不要写 `0x`）")
                } else {
                    ("", "")
                };
                let bad = bad.escape_debug();
                self.error(
                    at,
                    Text::both(
                        format!(
                            "`{bad}` is not a hex digit: hex data uses 0-9 and a-f, two digits \
                             per byte, spaces allowed between bytes{hint}"
                        ),
                        format!(
                            "`{bad}` 不是十六进制数字：hex 数据只用 0-9 和 a-f，每个字节两位，\
                             字节之间可以有空格{hint_zh}"
                        ),
                    ),
                );
                return None;
            }
            if group.len() % 2 == 1 {
                let at = self.string_offset(v, s, idx);
                let n = group.len();
                self.error(
                    at,
                    Text::both(
                        format!(
                            "`{group}` has an odd number of hex digits ({n}): every byte takes \
                             exactly two digits, e.g. `0a` not `a`"
                        ),
                        format!(
                            "`{group}` 的十六进制数字个数是奇数（{n}）：每个字节正好两位，\
                             例如写 `0a` 而不是 `a`"
                        ),
                    ),
                );
                return None;
            }
            for pair in group.as_bytes().chunks(2) {
                let hi = hex_value(pair[0]);
                let lo = hex_value(pair[1]);
                out.push(hi << 4 | lo);
            }
            idx += group_len;
        }
        Some(out)
    }

    /// Byte offset in the file of byte `index` of the string value `v` (whose decoded text
    /// is `decoded`), when the source spells it without escapes; else the value's start.
    fn string_offset(&self, v: &Val<'_>, decoded: &str, index: usize) -> usize {
        let span = v.span();
        let Some(raw) = self.text.get(span.clone()) else {
            return span.start;
        };
        for quote in ["\"", "'"] {
            if raw.len() >= 2
                && raw.starts_with(quote)
                && !raw.starts_with(&quote.repeat(3))
                && raw.ends_with(quote)
                && &raw[1..raw.len() - 1] == decoded
            {
                return span.start + 1 + index;
            }
        }
        span.start
    }
}

fn hex_value(b: u8) -> u8 {
    match b {
        b'0'..=b'9' => b - b'0',
        b'a'..=b'f' => b - b'a' + 10,
        b'A'..=b'F' => b - b'A' + 10,
        _ => 0,
    }
}

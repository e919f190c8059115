//! The inspector: the selected packet or event as a hex + text dump coloured by message,
//! with its frame-header fields decoded, and why data is held if it is.

use egui::text::{LayoutJob, TextFormat};
use egui::{Color32, FontId, RichText};

use super::{Selection, StickyApp, i18n, palette, stage};
use crate::params::{ByteOrder, Framing};
use crate::timeline;
use crate::trace::{Chunk, Part, Side, Trace};

pub fn show(ui: &mut egui::Ui, app: &StickyApp) {
    let lang = app.lang();
    ui.strong(i18n::INSPECTOR.get(lang));
    let pb = &app.playback;
    egui::ScrollArea::both()
        .id_salt("inspector")
        .auto_shrink([false, false])
        .show(ui, |ui| {
            let (title, chunk, trace) = match &app.selection {
                Some(Selection::Event(i)) => event_item(&pb.trace, *i, "", lang),
                Some(Selection::RealEvent(i)) => match &app.real {
                    Some(r) => event_item(&r.live.trace, *i, i18n::REAL_PREFIX.get(lang), lang),
                    None => (String::new(), None, &pb.trace),
                },
                Some(Selection::Packet(dir, seq, datagram)) => {
                    match pb.sim().and_then(|s| {
                        s.in_flight()
                            .into_iter()
                            .find(|p| p.dir == *dir && p.hdr.seq == *seq && p.datagram == *datagram)
                    }) {
                        Some(p) => (
                            format!(
                                "{}  {}  {}",
                                i18n::dir_name(*dir, lang),
                                stage::packet_label(&p),
                                timeline::ms(p.arrives_us)
                            ),
                            p.chunk.clone(),
                            &pb.trace,
                        ),
                        None => (i18n::PACKET_ARRIVED.get(lang).into(), None, &pb.trace),
                    }
                }
                None => {
                    ui.weak(i18n::SELECT_HINT.get(lang));
                    (String::new(), None, &pb.trace)
                }
            };
            if !title.is_empty() {
                ui.label(RichText::new(title).monospace());
            }
            if let Some(c) = &chunk {
                hexdump(ui, c, lang);
                header_fields(ui, trace, c, lang);
            }
            // Why anything sits in a send buffer, in the model's own words.
            if let Some(sim) = pb.sim() {
                for side in [Side::Client, Side::Server] {
                    if let Some(h) = sim.side_state(side).held {
                        let reason = i18n::held_reason(&h, lang);
                        ui.label(
                            RichText::new(format!(
                                "{}: {reason}",
                                crate::narration::side_name(side, lang)
                            ))
                            .color(palette::BROKEN),
                        );
                    }
                }
            }
        });
}

/// 16 bytes a row: offset, hex, text; each byte on its message's colour.
fn hexdump(ui: &mut egui::Ui, c: &Chunk, lang: crate::scenario::Lang) {
    let font = FontId::monospace(13.0);
    let text_color = ui.visuals().text_color();
    let mut job = LayoutJob::default();
    let color_of = |i: usize| -> (Color32, Color32) {
        let off = c.offset + i as u64;
        match c.spans.iter().find(|s| s.start <= off && off < s.end) {
            Some(s) if s.part == Part::Header => (
                palette::header(s.msg),
                palette::text_on(palette::header(s.msg)),
            ),
            Some(s) => (
                palette::message(s.msg),
                palette::text_on(palette::message(s.msg)),
            ),
            None => (Color32::TRANSPARENT, text_color),
        }
    };
    let shown = c.data.len().min(4096);
    for row in (0..shown).step_by(16) {
        let plain = TextFormat {
            font_id: font.clone(),
            color: text_color,
            ..Default::default()
        };
        job.append(
            &format!("{:06}  ", c.offset as usize + row),
            0.0,
            plain.clone(),
        );
        for i in row..row + 16 {
            if i < shown {
                let (bg, fg) = color_of(i);
                let f = TextFormat {
                    font_id: font.clone(),
                    color: fg,
                    background: bg,
                    ..Default::default()
                };
                job.append(&format!("{:02x}", c.data[i]), 0.0, f);
                job.append(" ", 0.0, plain.clone());
            } else {
                job.append("   ", 0.0, plain.clone());
            }
        }
        job.append(" ", 0.0, plain.clone());
        for i in row..(row + 16).min(shown) {
            let (bg, fg) = color_of(i);
            let b = c.data[i];
            let ch = if (0x20..0x7f).contains(&b) {
                b as char
            } else {
                '.'
            };
            let f = TextFormat {
                font_id: font.clone(),
                color: fg,
                background: bg,
                ..Default::default()
            };
            job.append(&ch.to_string(), 0.0, f);
        }
        job.append("\n", 0.0, plain);
    }
    // Fixed columns: a row never wraps (the inspector scrolls sideways instead).
    job.wrap.max_width = f32::INFINITY;
    ui.add(egui::Label::new(job).wrap_mode(egui::TextWrapMode::Extend));
    if c.data.len() > shown {
        ui.weak(format!(
            "… {} {}",
            c.data.len() - shown,
            i18n::MORE_BYTES.get(lang)
        ));
    }
}

/// Decodes the frame headers in the chunk: the length field and the JSON header, or a
/// line's delimiter and a record's padding.
fn header_fields(ui: &mut egui::Ui, trace: &Trace, c: &Chunk, lang: crate::scenario::Lang) {
    let p = &trace.params;
    if p.framing == Framing::Raw {
        return;
    }
    if matches!(p.framing, Framing::Line | Framing::Fixed) {
        trailer_fields(ui, trace, c, lang);
        return;
    }
    let mut seen = Vec::new();
    for s in c.spans.iter().filter(|s| s.part == Part::Header) {
        if seen.contains(&s.msg) {
            continue;
        }
        seen.push(s.msg);
        let Some(m) = trace
            .messages
            .iter()
            .find(|m| m.dir == c.dir && m.id == s.msg)
        else {
            continue;
        };
        let have = |a: u64, b: u64| -> Option<&[u8]> {
            (a >= c.offset && b <= c.offset + c.data.len() as u64)
                .then(|| &c.data[(a - c.offset) as usize..(b - c.offset) as usize])
        };
        let what = if p.framing == Framing::JsonHeader {
            i18n::JSON_LENGTH.get(lang)
        } else {
            i18n::BODY_LENGTH.get(lang)
        };
        match have(m.offset, m.offset + 4) {
            Some(f) => {
                let arr = [f[0], f[1], f[2], f[3]];
                let (n, how) = match p.byte_order {
                    ByteOrder::Little => (
                        i32::from_le_bytes(arr) as i64,
                        i18n::LITTLE_ENDIAN.get(lang),
                    ),
                    ByteOrder::Big => (u32::from_be_bytes(arr) as i64, i18n::BIG_ENDIAN.get(lang)),
                };
                let msg = i18n::MESSAGE.get(lang);
                ui.label(format!(
                    "{msg} {}: {} → {what} {n} ({how})",
                    s.msg,
                    super::bytes::hex(f)
                ));
            }
            None => {
                ui.label(format!(
                    "{} {}: {}",
                    i18n::MESSAGE.get(lang),
                    s.msg,
                    i18n::PARTIAL_LENGTH.get(lang)
                ));
            }
        }
        if p.framing == Framing::JsonHeader
            && let Some(j) = have(m.offset + 4, m.offset + m.header_len)
        {
            let text = String::from_utf8_lossy(j);
            let pretty = serde_json::from_str::<serde_json::Value>(&text)
                .ok()
                .and_then(|v| serde_json::to_string_pretty(&v).ok())
                .unwrap_or(text.to_string());
            ui.label(RichText::new(pretty).monospace());
        }
    }
}

/// `line` and `fixed`: the frame bytes after each body in the chunk (the delimiter, the
/// NUL padding), and the escapes a line's body holds.
fn trailer_fields(ui: &mut egui::Ui, trace: &Trace, c: &Chunk, lang: crate::scenario::Lang) {
    let p = &trace.params;
    let zh = lang == crate::scenario::Lang::Zh;
    let msg = i18n::MESSAGE.get(lang);
    for s in c.spans.iter().filter(|s| s.part == Part::Header) {
        let bytes = &c.data[(s.start - c.offset) as usize..(s.end - c.offset) as usize];
        let hex = super::bytes::hex(bytes);
        let text = match (p.framing, zh) {
            (Framing::Line, false) => format!(
                "{msg} {}: {hex} → delimiter {} (ends the line)",
                s.msg,
                p.delimiter.name()
            ),
            (Framing::Line, true) => format!(
                "{msg} {}: {hex} → 分隔符 {}（一行到此结束）",
                s.msg,
                p.delimiter.name()
            ),
            (_, false) => format!(
                "{msg} {}: {} B of NUL padding (record_size {})",
                s.msg,
                bytes.len(),
                p.record_size
            ),
            (_, true) => format!(
                "{msg} {}: {} 字节 NUL 填充（record_size {}）",
                s.msg,
                bytes.len(),
                p.record_size
            ),
        };
        ui.label(text);
    }
    if p.framing == Framing::Line && p.escape {
        let mut seen = Vec::new();
        for s in &c.spans {
            let Some(m) = trace
                .messages
                .iter()
                .find(|m| m.dir == c.dir && m.id == s.msg && m.escapes > 0)
            else {
                continue;
            };
            if seen.contains(&m.id) {
                continue;
            }
            seen.push(m.id);
            ui.label(if zh {
                format!(
                    "{msg} {}: 正文含 {} 个转义（\\ 后跟 \\、n、r 或 0）",
                    m.id, m.escapes
                )
            } else {
                format!(
                    "{msg} {}: the body holds {} escapes (a \\ before \\, n, r or 0)",
                    m.id, m.escapes
                )
            });
        }
    }
}

/// An event's line and bytes, from the trace it belongs to.
fn event_item<'a>(
    t: &'a Trace,
    i: usize,
    prefix: &str,
    lang: crate::scenario::Lang,
) -> (String, Option<Chunk>, &'a Trace) {
    match t.events.get(i) {
        Some(e) => {
            let line = format!(
                "{prefix}{}  {}  {}",
                timeline::ms(e.t_us),
                crate::narration::side_name(e.side, lang),
                crate::narration::describe(t, e, lang)
            );
            (line, t.chunk_of(e), t)
        }
        None => (String::new(), None, t),
    }
}

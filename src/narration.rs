//! Narration generated from a trace, in English and 中文: what each event says in plain
//! words, for the GUI's event list and for the "what just happened" line that follows the
//! run when it differs from the settings a scenario's notes were written for.
//!
//! Pure functions of the trace (no GUI, no I/O), so they are tested here.

use crate::scenario::Lang;
use crate::timeline::{ms, text_head};
use crate::trace::{BlockReason, Call, Event, EventKind, Side, Trace};

/// A side's name as the narration says it.
pub fn side_name(side: Side, lang: Lang) -> &'static str {
    match (side, lang) {
        (Side::Client, Lang::En) => "client",
        (Side::Server, Lang::En) => "server",
        (Side::Client, Lang::Zh) => "客户端",
        (Side::Server, Lang::Zh) => "服务端",
    }
}

/// What an event says, without its time and side, as the GUI's event list shows it:
/// the timeline's line ([`crate::timeline::describe_in`]) with the bytes as short text.
pub fn describe(trace: &Trace, e: &Event, lang: Lang) -> String {
    if lang == Lang::En {
        return crate::timeline::describe(trace, e);
    }
    let bytes = e
        .chunk
        .map(|c| format!("  [{}]", text_head(trace.bytes(&c), 24)))
        .unwrap_or_default();
    crate::timeline::what_zh(e, 24) + &bytes
}

/// What the run did at its latest moment, in sentences for the class: the events among
/// `events` (those shown so far) at the time of the last one, the telling ones only
/// (calls returning, data held or sent, timers, EOF, errors).
pub fn what_happened(trace: &Trace, events: &[Event], lang: Lang) -> Vec<String> {
    // The latest moment that has something to say (the very last events of a run are
    // often only ACKs and program ends).
    let mut end = events.len();
    while end > 0 {
        let now = events[end - 1].t_us;
        let start = events[..end]
            .iter()
            .rposition(|e| e.t_us != now)
            .map_or(0, |i| i + 1);
        let mut out: Vec<String> = events[start..end]
            .iter()
            .rev()
            .filter_map(|e| sentence(trace, e, lang))
            .collect();
        if !out.is_empty() {
            out.dedup();
            // The latest four, in order.
            out.truncate(4);
            out.reverse();
            return out;
        }
        end = start;
    }
    Vec::new()
}

/// One event in a sentence, when it says something a class should hear.
fn sentence(trace: &Trace, e: &Event, lang: Lang) -> Option<String> {
    let who = side_name(e.side, lang);
    let en = lang == Lang::En;
    Some(match &e.kind {
        // recv() with its bytes (an empty one is said as EOF).
        EventKind::AppReturn {
            call: Call::Recv { .. },
            ret,
            ..
        } if *ret > 0 => {
            let text = e
                .chunk
                .map(|c| text_head(trace.bytes(&c), 24))
                .unwrap_or_default();
            if en {
                format!("The {who}'s recv() returned {ret} B: \"{text}\".")
            } else {
                format!("{who}的 recv() 返回了 {ret} 字节：\"{text}\"。")
            }
        }
        EventKind::AppBlocked {
            reason: BlockReason::RecvBufferEmpty,
            ..
        } => {
            if en {
                format!("The {who} waits in recv(): nothing has arrived yet.")
            } else {
                format!("{who}阻塞在 recv()：还没有数据到达。")
            }
        }
        EventKind::AppBlocked {
            reason: BlockReason::SendBufferFull,
            ..
        } => {
            if en {
                format!("The {who} waits in send(): its send buffer is full.")
            } else {
                format!("{who}阻塞在 send()：发送缓冲区已满。")
            }
        }
        EventKind::Eof { .. } => {
            if en {
                format!("The {who}'s recv() returned b'' (EOF): the peer closed.")
            } else {
                format!("{who}的 recv() 返回 b''（EOF）：对方已关闭。")
            }
        }
        EventKind::Deliver { index, data, .. } => {
            if en {
                format!(
                    "The decoder hands message #{index} ({} B) to the {who}.",
                    data.len()
                )
            } else {
                format!("解码器把消息 #{index}（{} 字节）交给{who}。", data.len())
            }
        }
        EventKind::DecodeError { error, .. } if crate::timeline::refused(error) => {
            if en {
                format!(
                    "The {who} refuses to send a body its framing cannot carry ({error}); the program stops."
                )
            } else {
                format!("{who}拒绝发送分包方式装不下的正文（{error}），程序停止。")
            }
        }
        EventKind::DecodeError { error, .. } => {
            if en {
                format!("The {who}'s decoder fails ({error}); the program stops.")
            } else {
                format!("{who}的解码器出错（{error}），程序停止。")
            }
        }
        EventKind::NagleHold { held, in_flight } => {
            if en {
                format!(
                    "Nagle holds {held} B in the {who}'s send buffer: {in_flight} B sent earlier are not acknowledged yet."
                )
            } else {
                format!(
                    "Nagle 算法把 {held} 字节扣在{who}的发送缓冲区：之前发出的 {in_flight} 字节还没被确认。"
                )
            }
        }
        EventKind::NagleRelease { held_us } => {
            if en {
                format!("The held data leaves the {who} after {}.", ms(*held_us))
            } else {
                format!("被扣留的数据在 {} 后离开{who}。", ms(*held_us))
            }
        }
        EventKind::SegmentTx(h) if h.len > 0 => {
            if en {
                format!("A segment of {} B leaves the {who}.", h.len)
            } else {
                format!("{who}发出一个 {} 字节的报文段。", h.len)
            }
        }
        EventKind::SegmentRx(h) if h.len > 0 => {
            if en {
                format!(
                    "A segment of {} B arrives in the {who}'s receive buffer.",
                    h.len
                )
            } else {
                format!("一个 {} 字节的报文段到达{who}的接收缓冲区。", h.len)
            }
        }
        EventKind::DelayedAckStart { deadline_us } => {
            if en {
                format!(
                    "The {who} delays its ACK: the timer fires at {}.",
                    ms(*deadline_us)
                )
            } else {
                format!("{who}推迟确认：计时器在 {} 到期。", ms(*deadline_us))
            }
        }
        EventKind::DelayedAckFire => {
            if en {
                format!("The {who}'s delayed-ACK timer fires: the ACK goes out.")
            } else {
                format!("{who}的延迟确认计时器到期：ACK 发出。")
            }
        }
        EventKind::FinTx { .. } => {
            if en {
                format!("The {who} closes: its FIN leaves.")
            } else {
                format!("{who}关闭连接：发出 FIN。")
            }
        }
        EventKind::Truncated { len, kept } => {
            if en {
                format!("A {len} B datagram is cut to {kept} B at the {who}: the rest is lost.")
            } else {
                format!("{who}收到的 {len} 字节数据报被截成 {kept} 字节：其余丢失。")
            }
        }
        EventKind::Exception { exc, .. } => {
            if en {
                format!("The {who}'s call raised {}; the program stops.", exc.name())
            } else {
                format!("{who}的调用抛出 {}，程序停止。", exc.name())
            }
        }
        EventKind::RstRx { .. } => {
            if en {
                format!("A reset (RST) arrives at the {who}: the connection is gone.")
            } else {
                format!("RST 到达{who}：连接已被重置。")
            }
        }
        EventKind::NetError { error, .. } => {
            if en {
                format!("The {who}'s socket call failed: {error}.")
            } else {
                format!("{who}的套接字调用失败：{error}。")
            }
        }
        _ => return None,
    })
}

/// Notes name command-line flags (`--nagle off`); the app has toggles, not flags, so it
/// says the setting instead: `--header-writes combined` → `header writes: combined`.
pub fn without_cli_flags(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find("--") {
        let (before, after) = rest.split_at(i);
        out.push_str(before);
        let after = &after[2..];
        let name_len = after
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_'))
            .unwrap_or(after.len());
        if name_len == 0 {
            out.push_str("--");
            rest = after;
            continue;
        }
        let name = after[..name_len].replace(['-', '_'], " ");
        let tail = &after[name_len..];
        // A value follows when the next word is not another flag.
        let value = tail
            .strip_prefix(' ')
            .filter(|t| !t.is_empty() && !t.starts_with("--"))
            .map(|t| {
                let end = t.find(char::is_whitespace).unwrap_or(t.len());
                t[..end].trim_end_matches(|c: char| ".,;:)".contains(c))
            })
            .filter(|v| !v.is_empty());
        match value {
            Some(v) => {
                out.push_str(&format!("{name}: {v}"));
                rest = &tail[1 + v.len()..];
            }
            None => {
                out.push_str(&name);
                rest = tail;
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_become_settings() {
        assert_eq!(
            without_cli_flags("Compare duration_ms with --header-writes combined or --nagle off."),
            "Compare duration_ms with header writes: combined or nagle: off."
        );
        assert_eq!(
            without_cli_flags("try --no-delay, then"),
            "try no delay, then"
        );
        assert_eq!(without_cli_flags("a -- b"), "a -- b");
        assert_eq!(without_cli_flags("plain"), "plain");
    }

    #[test]
    fn every_event_of_every_builtin_says_something_in_chinese() {
        for s in crate::scenario::builtin() {
            let Ok(trace) = crate::model::run(&s, &s.params) else {
                continue;
            };
            // Exceptions are the program's own text (as Python prints them).
            let said = |e: &&Event| {
                !matches!(
                    e.kind,
                    EventKind::DecodeError { .. } | EventKind::NetError { .. }
                )
            };
            for e in trace.events.iter().filter(said) {
                // The words, without the bytes (which are the program's own).
                let bare = Event {
                    chunk: None,
                    ..e.clone()
                };
                let zh = describe(&trace, &bare, Lang::Zh);
                assert!(!zh.trim().is_empty(), "{}: {e:?}", s.name);
                // Chinese words, or only numbers, names and bytes (a seg line's header).
                let english_words = [
                    "blocked",
                    "returned",
                    "delivered",
                    "timer",
                    "buffer",
                    "program",
                ];
                for w in english_words {
                    assert!(!zh.contains(w), "{}: English left in {zh:?}", s.name);
                }
            }
        }
    }

    #[test]
    fn what_happened_follows_the_run() {
        let s = crate::scenario::find_builtin("04").unwrap();
        let trace = crate::model::run(&s, &s.params).unwrap();
        let eof = trace
            .events
            .iter()
            .position(|e| matches!(e.kind, EventKind::Eof { .. }))
            .unwrap();
        let said = what_happened(&trace, &trace.events[..=eof], Lang::En).join(" ");
        assert!(said.contains("returned b'' (EOF)"), "{said}");
        // Up to the first Nagle hold: the hold is said.
        let hold = trace
            .events
            .iter()
            .position(|e| matches!(e.kind, EventKind::NagleHold { .. }))
            .unwrap();
        let said = what_happened(&trace, &trace.events[..=hold], Lang::Zh).join(" ");
        assert!(said.contains("Nagle 算法把 5 字节扣在客户端"), "{said}");
    }

    /// A correct sender's refusal is said as a refusal, not as a decoder failure.
    #[test]
    fn a_refused_send_is_said_as_the_senders() {
        let s = crate::scenario::find_builtin("18").unwrap();
        let p = crate::params::Params {
            decoder: crate::params::DecoderKind::Correct,
            ..s.params.clone()
        };
        let trace = crate::model::run(&s, &p).unwrap();
        let at = trace
            .events
            .iter()
            .position(|e| matches!(e.kind, EventKind::DecodeError { .. }))
            .expect("the client refuses the body holding '\\n'");
        assert_eq!(trace.events[at].side, crate::trace::Side::Client);
        let en = what_happened(&trace, &trace.events[..=at], Lang::En).join(" ");
        assert!(en.contains("The client refuses to send"), "{en}");
        assert!(en.contains("escape = true"), "{en}");
        let zh = what_happened(&trace, &trace.events[..=at], Lang::Zh).join(" ");
        assert!(zh.contains("拒绝发送"), "{zh}");
        assert!(describe(&trace, &trace.events[at], Lang::Zh).contains("拒绝发送"));
    }
}

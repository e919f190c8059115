//! The compare view: the same scenario side by side, raw | length-prefix | json-header |
//! line | fixed
//! (or Nagle on | off, the correct | the tutorial's decoder, Linux | Windows), each with
//! its receiver's view, metrics and verdict. The columns are run when the command that
//! changes them is applied ([`refresh`]); drawing only reads them.

use egui::RichText;

use super::playback::Playback;
use super::views::ViewCtx;
use super::{Cmd, StickyApp, View, i18n, receiver};
use crate::params::{DecoderKind, Framing, Params, Settings, Stack, Transport};
use crate::trace::Side;
use crate::views::Ladder;

/// What the columns vary.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CompareBy {
    /// raw | length-prefix | json-header | line | fixed
    Framing,
    /// Nagle on | off
    Nagle,
    /// the correct decoder | the tutorial's loops
    Decoder,
    /// Linux's TCP | Windows' (the textbook rules, a 200 ms delayed ACK)
    Stack,
}

pub struct Compare {
    /// What the columns were computed for: scenario, params, what varies.
    key: (usize, Params, CompareBy),
    pub columns: Vec<(String, Playback)>,
    /// Each column's ladder (issue 11: the ladder in the compare view too), made the
    /// first time the Ladder toggle shows them.
    ladders: std::cell::OnceCell<Vec<Ladder>>,
}

/// Builds the comparison after a command, when the compare view is shown and what it
/// was built for (scenario, parameters, what varies) has changed; drawing only reads it.
pub fn refresh(app: &mut StickyApp) {
    if app.view != View::Compare {
        return;
    }
    let key = (app.current, app.playback.params.clone(), app.compare_by);
    if app.compare.as_ref().is_none_or(|c| c.key != key) {
        app.compare = Some(Compare::new(app));
    }
}

impl Compare {
    fn new(app: &StickyApp) -> Compare {
        let base = app.playback.params.clone();
        let with = |label: &str, p: Params| (label.to_string(), p);
        let variants: Vec<(String, Params)> = match app.compare_by {
            CompareBy::Nagle => vec![
                with(
                    "Nagle on",
                    Params {
                        nagle: true,
                        ..base.clone()
                    },
                ),
                with(
                    "Nagle off",
                    Params {
                        nagle: false,
                        ..base.clone()
                    },
                ),
            ],
            CompareBy::Decoder => vec![
                with(
                    "correct decoder",
                    Params {
                        decoder: DecoderKind::Correct,
                        ..base.clone()
                    },
                ),
                with(
                    "tutorial decoder",
                    Params {
                        decoder: DecoderKind::Tutorial,
                        ..base.clone()
                    },
                ),
            ],
            // Each stack with its own defaults (the delayed-ACK timer), keeping what the
            // scenario or the window set explicitly.
            CompareBy::Stack => [(Stack::Linux, "Linux"), (Stack::Windows, "Windows")]
                .into_iter()
                .map(|(stack, name)| {
                    let keys = app.scenario().settings.keys();
                    with(name, Settings::relink(&base, keys, stack, base.link))
                })
                .collect(),
            CompareBy::Framing if base.transport == Transport::Udp => {
                vec![with(
                    "raw",
                    Params {
                        framing: Framing::Raw,
                        ..base.clone()
                    },
                )]
            }
            CompareBy::Framing => [
                (Framing::Raw, "raw"),
                (Framing::LengthPrefix, "length-prefix"),
                (Framing::JsonHeader, "json-header"),
                (Framing::Line, "line"),
                (Framing::Fixed, "fixed"),
            ]
            .into_iter()
            .map(|(framing, name)| {
                with(
                    name,
                    Params {
                        framing,
                        ..base.clone()
                    },
                )
            })
            .collect(),
        };
        let scenario = app.scenario();
        let columns = variants
            .into_iter()
            .map(|(label, p)| {
                let mut pb = Playback::new(scenario, &p);
                pb.seek(pb.len());
                (label, pb)
            })
            .collect();
        Compare {
            key: (app.current, base, app.compare_by),
            columns,
            ladders: std::cell::OnceCell::new(),
        }
    }
}

pub fn show(ui: &mut egui::Ui, app: &StickyApp, cmds: &mut Vec<Cmd>) {
    let lang = app.lang();
    ui.horizontal_wrapped(|ui| {
        ui.heading(format!(
            "{}: {}",
            i18n::COMPARE.get(lang),
            app.scenario().title.get(lang)
        ));
        ui.separator();
        let mut by = app.compare_by;
        ui.selectable_value(
            &mut by,
            CompareBy::Framing,
            i18n::COMPARE_FRAMINGS.get(lang),
        );
        ui.selectable_value(&mut by, CompareBy::Nagle, i18n::COMPARE_NAGLE.get(lang));
        ui.selectable_value(
            &mut by,
            CompareBy::Decoder,
            i18n::COMPARE_DECODERS.get(lang),
        );
        ui.selectable_value(&mut by, CompareBy::Stack, i18n::COMPARE_STACKS.get(lang));
        if by != app.compare_by {
            cmds.push(Cmd::CompareBy(by));
        }
        ui.separator();
        let mut ladder = app.compare_ladder.is_some();
        if ui
            .toggle_value(&mut ladder, i18n::VIEW_LADDER.get(lang))
            .changed()
        {
            cmds.push(Cmd::CompareLadder(ladder.then_some(None)));
        }
    });
    let for_udp = matches!(app.compare_by, CompareBy::Nagle | CompareBy::Stack);
    if app.playback.params.transport == Transport::Udp && !for_udp {
        ui.label(i18n::NOT_FOR_UDP.get(lang));
    }
    let Some(compare) = &app.compare else { return };
    if let Some(why) = identical_why(compare, app.compare_by) {
        ui.label(
            RichText::new(format!("{} {}", i18n::IDENTICAL.get(lang), why.get(lang)))
                .color(super::palette::BROKEN),
        );
    }
    // One time axis for all the columns: the longest run's end.
    let end = compare
        .columns
        .iter()
        .map(|(_, pb)| pb.end_time())
        .max()
        .unwrap_or(0);
    if let Some(scale) = app.compare_ladder {
        ladders(ui, compare, lang, scale, cmds);
        return;
    }
    egui::ScrollArea::vertical().show(ui, |ui| {
        ui.columns(compare.columns.len(), |cols| {
            for (col, (label, pb)) in cols.iter_mut().zip(&compare.columns) {
                col.push_id(label, |ui| column(ui, label, pb, lang, end));
            }
        });
    });
}

/// Each column's verdict over its ladder, all on one time scale (fit to the longest
/// run unless the user set one), so a stall is as long in every column.
fn ladders(
    ui: &mut egui::Ui,
    compare: &Compare,
    lang: crate::scenario::Lang,
    scale: Option<f32>,
    cmds: &mut Vec<Cmd>,
) {
    let all = compare.ladders.get_or_init(|| {
        let runs = compare.columns.iter();
        runs.map(|(_, pb)| crate::views::ladder(&pb.trace))
            .collect()
    });
    let fit = all
        .iter()
        .map(super::ladder::fit)
        .fold(f32::INFINITY, f32::min);
    ui.columns(compare.columns.len(), |cols| {
        for ((col, (label, pb)), l) in cols.iter_mut().zip(&compare.columns).zip(all) {
            col.push_id(label, |ui| {
                heading_and_verdict(ui, label, pb, lang);
                let ctx = ViewCtx {
                    lang,
                    now: None,
                    selected: None,
                    world: label,
                };
                let mut px = Some(scale.unwrap_or(fit));
                let mut scrolled_to = None;
                super::ladder::show(ui, l, &ctx, &mut px, &mut scrolled_to);
                if px != Some(scale.unwrap_or(fit)) {
                    cmds.push(Cmd::CompareLadder(Some(px)));
                }
            });
        }
    });
}

/// Why the columns show the same run, when they do: same recv() results at the same
/// times.
fn identical_why(compare: &Compare, by: CompareBy) -> Option<&'static i18n::T> {
    let runs: Vec<_> = compare
        .columns
        .iter()
        .map(|(_, pb)| {
            let recvs: Vec<_> = pb.recvs.iter().map(|r| (r.t_us, r.data.clone())).collect();
            (recvs, pb.end_time())
        })
        .collect();
    if runs.len() < 2 || runs.windows(2).any(|w| w[0] != w[1]) {
        return None;
    }
    let raw = compare
        .columns
        .first()
        .is_some_and(|(_, pb)| pb.params.framing == Framing::Raw);
    Some(match by {
        CompareBy::Decoder if raw => &i18n::IDENTICAL_RAW_DECODER,
        CompareBy::Nagle => &i18n::IDENTICAL_NAGLE,
        _ => &i18n::IDENTICAL_OTHER,
    })
}

/// A column's heading in the UI's language (its accessible labels keep the key).
fn heading(label: &str, lang: crate::scenario::Lang) -> String {
    match label {
        "Nagle on" => i18n::NAGLE_ON.get(lang).into(),
        "Nagle off" => i18n::NAGLE_OFF.get(lang).into(),
        "correct decoder" => i18n::CORRECT_DECODER.get(lang).into(),
        "tutorial decoder" => i18n::TUTORIAL_DECODER.get(lang).into(),
        other => i18n::choice(other, lang).into(),
    }
}

/// A column's name and its verdict (labelled with the column's key for tests).
fn heading_and_verdict(ui: &mut egui::Ui, label: &str, pb: &Playback, lang: crate::scenario::Lang) {
    ui.heading(heading(label, lang));
    let verdict = pb.error.as_ref().map(|e| e.text(lang)).unwrap_or_else(|| {
        let v = i18n::verdict(&pb.report, lang);
        crate::timeline::verdict_with_exceptions(&v, &pb.trace.events)
    });
    let resp = ui.label(RichText::new(&verdict).strong().size(15.0));
    let text = format!("{label} verdict: {verdict}");
    resp.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Label, true, &text));
}

fn column(ui: &mut egui::Ui, label: &str, pb: &Playback, lang: crate::scenario::Lang, end: u64) {
    heading_and_verdict(ui, label, pb, lang);
    super::timeaxis::show(ui, &pb.trace, &pb.recvs, end, lang);
    for side in [Side::Server, Side::Client] {
        let recvs: Vec<_> = pb.recvs.iter().filter(|r| r.side == side).collect();
        if recvs.is_empty() {
            continue;
        }
        ui.label(
            RichText::new(format!(
                "recv() · {}",
                crate::narration::side_name(side, lang)
            ))
            .weak(),
        );
        ui.horizontal_wrapped(|ui| {
            let skip = recvs.len().saturating_sub(24);
            if skip > 0 {
                ui.weak(format!("… {skip} {}", i18n::EARLIER.get(lang)));
            }
            for (k, r) in recvs.iter().enumerate().skip(skip) {
                receiver::chip(ui, &pb.trace, k + 1, r, false, lang, &format!("{label} "));
            }
        });
        ui.horizontal_wrapped(|ui| {
            let delivered: Vec<_> = pb.deliveries.iter().filter(|d| d.side == side).collect();
            for d in delivered.iter().skip(delivered.len().saturating_sub(24)) {
                let mark = if d.intact { "✓" } else { "×" };
                let color = if d.intact {
                    super::palette::INTACT
                } else {
                    super::palette::BROKEN
                };
                // Expected against received: a short message says where the rest is.
                let message = pb
                    .trace
                    .messages
                    .iter()
                    .find(|m| m.dir == d.dir && m.id == d.index);
                let sent = message.map_or(d.data.len(), |m| m.data.len());
                let text = if sent == d.data.len() {
                    format!("{mark} #{} {} B", d.index, d.data.len())
                } else {
                    format!(
                        "{mark} #{} {} {} B / {} {sent} B",
                        d.index,
                        i18n::RECEIVED.get(lang),
                        d.data.len(),
                        i18n::EXPECTED_RECEIVED.get(lang),
                    )
                };
                ui.label(RichText::new(text).color(color));
                if let Some(m) = message.filter(|_| sent > d.data.len()) {
                    let missing = sent - d.data.len();
                    let why = super::receiver::short_reason(m);
                    let text = format!("{missing} B {}", why.get(lang));
                    let resp =
                        ui.label(RichText::new(&text).color(super::palette::BROKEN).strong());
                    let a11y = format!("{label} message {} short: {missing} B {}", d.index, why.0);
                    resp.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Label, true, &a11y));
                }
            }
        });
    }
    ui.add_space(4.0);
    let m = &pb.report.summary;
    egui::Grid::new(("cmp", label))
        .striped(true)
        .show(ui, |ui| {
            // The metrics in plain words, in the UI's language.
            const SHOWN: &[&str] = &[
                "messages_intact",
                "sticky_reads",
                "split_messages",
                "bytes_lost",
                "recv_calls",
                "segments",
                "acks",
                "nagle_holds",
                "max_hold_ms",
                "duration_ms",
            ];
            let rows = crate::analysis::Metrics::fields()
                .iter()
                .filter(|f| SHOWN.contains(&f.name))
                .map(|f| {
                    let v = f.value(m).to_string();
                    let v = if f.name == "messages_intact" {
                        format!("{v} / {}", m.messages_sent)
                    } else {
                        v
                    };
                    (f.label(lang), v)
                });
            for (k, v) in rows {
                ui.label(k);
                ui.monospace(v);
                ui.end_row();
            }
        });
}

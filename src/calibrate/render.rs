//! The verdicts as text, Markdown and JSON.

use std::fmt::Write as _;

use super::{CaseReport, DURATION_MARGIN_US, Observation, STALL_US};
use crate::trace::Micros;

pub(super) fn ms(us: Micros) -> String {
    format!("{:.1}", us as f64 / 1000.0)
}

/// The table people read: one block per case, then the count.
pub fn render_text(reports: &[CaseReport]) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "recv byte counts per side in order (EOF = b'', * = waited ≥ {} ms); durations in ms;\nsegments and ACKs both ways for information (real runs: a capture on lo)",
        STALL_US / 1000
    );
    for r in reports {
        let mark = if r.agree { "agree " } else { "DIFFER" };
        let runs = if r.real.unanimous() {
            format!("{} runs alike", r.real.runs)
        } else {
            format!(
                "{} of {} runs alike: the kernel itself varies",
                r.real.agreeing, r.real.runs
            )
        };
        let _ = writeln!(out, "\n{mark}  {}  ({runs})", r.name);
        let mut block = |who: &str, o: &Observation, extra: &str| {
            let _ = writeln!(
                out,
                "  {who:<6} {:>9} ms  client: {}{extra}",
                ms(o.duration_us),
                o.client.compact()
            );
            let packets = format!("{} seg {} ack", o.segments, o.acks);
            let _ = writeln!(out, "  {packets:>16}  server: {}", o.server.compact());
        };
        block("model", &r.model, "");
        block("kernel", &r.real.result, "");
        for (o, n) in &r.real.others {
            let extra = format!("   ({n} run{})", if *n == 1 { "" } else { "s" });
            block("other", o, &extra);
        }
        if let Some(n) = &r.note {
            let _ = writeln!(out, "  note: {n}");
        }
        if let Some(d) = &r.difference {
            let _ = writeln!(out, "  first difference: {}", d.describe());
        }
    }
    let agree = reports.iter().filter(|r| r.agree).count();
    let _ = writeln!(out, "\n{agree} of {} cases agree", reports.len());
    out
}

/// `--markdown`: one table row per case, for docs/model-vs-real.md.
pub fn render_markdown(reports: &[CaseReport]) -> String {
    let mut out = String::new();
    out.push_str("| case | agree | model: client / server (duration) | kernel: client / server (duration, runs alike) | first difference |\n");
    out.push_str("|---|---|---|---|---|\n");
    let cell = |o: &Observation, runs: String| {
        format!(
            "`{}` / `{}` ({} ms{runs})",
            o.client.compact(),
            o.server.compact(),
            ms(o.duration_us)
        )
    };
    for r in reports {
        let name = match r.note {
            Some(_) => format!("{} (model: linux stack)", r.name),
            None => r.name.clone(),
        };
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} |",
            name,
            if r.agree { "yes" } else { "**no**" },
            cell(&r.model, String::new()),
            cell(
                &r.real.result,
                format!(", {}/{}", r.real.agreeing, r.real.runs)
            ),
            r.difference
                .as_ref()
                .map_or(String::new(), |d| d.describe().replace('|', "\\|"))
        );
    }
    let agree = reports.iter().filter(|r| r.agree).count();
    let _ = writeln!(out, "\n{agree} of {} cases agree.", reports.len());
    out
}

/// `--json`: the same, machine-readable.
pub fn render_json(reports: &[CaseReport]) -> serde_json::Value {
    let cases: Vec<serde_json::Value> = reports
        .iter()
        .map(|r| {
            let mut v = serde_json::to_value(r).unwrap_or_default();
            v["difference_text"] = r
                .difference
                .as_ref()
                .map(|d| serde_json::Value::String(d.describe()))
                .unwrap_or_default();
            v["real"]["unanimous"] = r.real.unanimous().into();
            v
        })
        .collect();
    let agree = reports.iter().filter(|r| r.agree).count();
    serde_json::json!({
        "stall_ms": STALL_US / 1000,
        "duration_margin_ms": DURATION_MARGIN_US / 1000,
        "cases": cases,
        "agree": agree,
        "total": reports.len(),
    })
}

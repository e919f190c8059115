//! `calibrate` end to end: model runs against real loopback runs.
//!
//! One test runs every built-in scenario and every calibration case (issue 8's "done");
//! the others are chosen so that the answer does not depend on the model's stack rules:
//! three where the model agrees (late readers, wide millisecond margins) and one where
//! it certainly cannot (the scenario asks for 30 ms of latency, which the model
//! simulates and loopback does not have).

use std::path::Path;
use std::process::Command;
use std::sync::Mutex;

use stickysim::calibrate::{self, Difference};
use stickysim::cli;
use stickysim::scenario::{self, Scenario};
use stickysim::trace::Side;

/// One real-socket test at a time: parallel runs would slow each other's programs.
static SERIAL: Mutex<()> = Mutex::new(());

fn serial() -> std::sync::MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(|e| e.into_inner())
}

fn case(file: &str) -> Scenario {
    cli::load_file(&Path::new("tests/calibration").join(file)).expect("calibration case loads")
}

/// A one-line request and reply over a link the scenario says is 30 ms one way.
fn slow_link() -> Scenario {
    let text = r#"
[meta]
title = "Request and reply over a 30 ms link"
[params]
latency_ms = 30
[[client]]
send = "ping"
[[client]]
recv = 1024
[[client]]
close = true
[[server]]
recv = 1024
[[server]]
send = "pong"
[[server]]
recv = 1024
"#;
    scenario::parse(text, "slow-link.toml").expect("valid scenario")
}

/// Issue 8's "done": every built-in scenario and every calibration case agrees with
/// the kernel (majority of 3 real runs; of 7 for a case measured again) under the linux
/// stack and the loopback link.
/// The cases are robust by their margins (sleeps of milliseconds), not by a looser
/// comparison: a run here compares exactly what `stickysim calibrate` does.
#[test]
fn every_builtin_and_calibration_case_agrees() {
    let _serial = serial();
    let mut cases = scenario::builtin();
    let files = cli::scenario_files(&[std::path::PathBuf::from("tests/calibration")])
        .expect("calibration folder");
    for f in files {
        cases.push(cli::load_file(&f).expect("calibration case loads"));
    }
    assert!(
        cases.len() >= 33,
        "19 built-ins and 14 cases, got {}",
        cases.len()
    );
    let reports = calibrate::calibrate(&cases, 3, |_| {}).expect("calibrate runs");
    assert_eq!(reports.len(), cases.len());
    // A busy machine can starve a program thread for tens of milliseconds in one of
    // three runs and tip a majority. A case that differs is measured again, with 7 runs,
    // and that measurement is the kernel's answer: the comparison itself stays exact.
    let again: Vec<_> = cases
        .iter()
        .zip(&reports)
        .filter(|(_, r)| !r.agree)
        .map(|(c, _)| c.clone())
        .collect();
    if again.is_empty() {
        return;
    }
    eprintln!(
        "measured again with 7 runs: {}",
        again
            .iter()
            .map(|c| c.name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    );
    let reports = calibrate::calibrate(&again, 7, |_| {}).expect("calibrate runs");
    let differ: Vec<_> = reports.iter().filter(|r| !r.agree).cloned().collect();
    assert!(differ.is_empty(), "{}", calibrate::render_text(&differ));
}

#[test]
fn cases_the_model_already_predicts_agree() {
    let _serial = serial();
    let cases = vec![
        case("c03-late-reader.toml"),
        case("c12-send-after-peer-closed.toml"),
        scenario::find_builtin("04").expect("built-in 04"),
    ];
    let reports = calibrate::calibrate(&cases, 3, |_| {}).expect("calibrate runs");
    assert_eq!(reports.len(), 3);
    for r in &reports {
        assert!(
            r.agree,
            "{} should agree:\n{}",
            r.name,
            calibrate::render_text(std::slice::from_ref(r))
        );
        assert_eq!(r.real.runs, 3);
    }
    // What agreement means here, spelled out: the late reader gets both sends in one
    // recv, then EOF, in both worlds.
    let late = &reports[0];
    assert_eq!(late.model.server.compact(), "10 EOF");
    assert_eq!(late.real.result.server.compact(), "10 EOF");
}

#[test]
fn a_certain_disagreement_is_detected_and_named() {
    let _serial = serial();
    let reports = calibrate::calibrate(&[slow_link()], 3, |_| {}).expect("calibrate runs");
    let r = &reports[0];
    assert!(!r.agree);
    // In the model the ping takes 30 ms to reach the server; loopback delivers it in
    // microseconds. That is the first difference, named by side and recv number.
    match &r.difference {
        Some(Difference::Stall {
            side: Side::Server,
            n: 1,
            model_wait_us,
            real_wait_us,
        }) => {
            assert!(*model_wait_us >= 30_000, "model waited {model_wait_us} µs");
            assert!(*real_wait_us < 30_000, "kernel waited {real_wait_us} µs");
        }
        other => panic!("expected a stall on the server's first recv, got {other:?}"),
    }
    // The client's reply comes a 60 ms round trip later in the model.
    assert!(r.model.client.recvs[0].wait_us >= 60_000);
    let text = calibrate::render_text(&reports);
    assert!(text.contains("DIFFER"), "{text}");
    assert!(
        text.contains("server recv #1 stalls in the model only"),
        "{text}"
    );
    assert!(text.contains("0 of 1 cases agree"), "{text}");
}

#[test]
fn the_subcommand_prints_json_and_sets_the_exit_status() {
    let _serial = serial();
    let bin = env!("CARGO_BIN_EXE_stickysim");
    let ok = Command::new(bin)
        .args([
            "calibrate",
            "tests/calibration/c03-late-reader.toml",
            "--runs",
            "1",
            "--json",
        ])
        .output()
        .expect("stickysim runs");
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&ok.stdout).expect("JSON on stdout");
    assert_eq!(v["total"], 1);
    assert_eq!(v["agree"], 1);
    assert_eq!(v["cases"][0]["name"], "c03-late-reader");
    assert_eq!(v["cases"][0]["real"]["runs"], 1);

    let dir = std::env::temp_dir().join(format!("stickysim-calibrate-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("slow-link.toml");
    std::fs::write(
        &file,
        "[meta]\ntitle = \"slow\"\n[params]\nlatency_ms = 30\n[[client]]\nsend = \"ping\"\n[[client]]\nrecv = 1024\n[[server]]\nrecv = 1024\n[[server]]\nsend = \"pong\"\n",
    )
    .unwrap();
    let differ = Command::new(bin)
        .args(["calibrate", file.to_str().unwrap(), "--runs", "1"])
        .output()
        .expect("stickysim runs");
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(differ.status.code(), Some(1));
    let text = String::from_utf8_lossy(&differ.stdout);
    assert!(text.contains("first difference: server recv #1"), "{text}");
}

#[test]
fn bad_arguments_are_clear_errors() {
    let run = |args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_stickysim"))
            .arg("calibrate")
            .args(args)
            .output()
            .expect("stickysim runs");
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stderr).to_string(),
        )
    };
    let (code, err) = run(&["no-such-case"]);
    assert_eq!(code, Some(2));
    assert!(err.contains("no scenario `no-such-case`"), "{err}");
    let empty = std::env::temp_dir().join(format!("stickysim-empty-{}", std::process::id()));
    std::fs::create_dir_all(&empty).unwrap();
    let (code, err) = run(&[empty.to_str().unwrap()]);
    let _ = std::fs::remove_dir_all(&empty);
    assert_eq!(code, Some(2));
    assert!(err.contains("no scenario files"), "{err}");
    let (code, err) = run(&["04", "--runs", "0"]);
    assert_eq!(code, Some(2));
    assert!(err.contains("--runs"), "{err}");
}

/// Real runs see their own packets (issue 11, item 6) where a capture is permitted.
#[test]
fn real_runs_record_the_kernels_segments_and_acks() {
    let _serial = serial();
    let s = case("c03-late-reader.toml");
    let out = stickysim::realnet::run(&s, &s.params, &Default::default()).expect("real run");
    let t = &out.trace;
    // Read as JSON: the same whether a segment is spelled as fields or a header struct.
    let kinds: Vec<(Side, serde_json::Value)> = t
        .events
        .iter()
        .map(|e| (e.side, serde_json::to_value(&e.kind).unwrap()))
        .collect();
    let is = |v: &serde_json::Value, k: &str| v["kind"] == k;
    let tx: Vec<(Side, u64, usize)> = kinds
        .iter()
        .filter(|(_, v)| is(v, "segment_tx"))
        .map(|(side, v)| {
            let n = |f: &str| v[f].as_u64().unwrap();
            (*side, n("seq"), n("len") as usize)
        })
        .collect();
    if tx.is_empty() {
        // Not permitted here: the run says so and goes on.
        assert!(
            out.notes.iter().any(|n| n.contains("packet capture")),
            "no packets and no note: {:?}",
            out.notes
        );
        return;
    }
    // The client's 10 bytes (hello, world) left in one or more segments, in order, and
    // each arrived at the server; both sides sent a FIN.
    let client_bytes: usize = tx
        .iter()
        .filter(|(side, ..)| *side == Side::Client)
        .map(|(.., len)| len)
        .sum();
    assert_eq!(client_bytes, 10);
    let mut next = 0;
    for (side, seq, len) in &tx {
        if *side == Side::Client && *len > 0 {
            assert_eq!(*seq, next, "stream offsets in order");
            next += *len as u64;
        }
    }
    let count = |k: &str| kinds.iter().filter(|(_, v)| is(v, k)).count();
    assert_eq!(count("segment_tx"), count("segment_rx"));
    assert_eq!(count("fin_tx"), 2);
    assert!(count("ack_tx") >= 1);
    // Times are on the run's clock: the server's late read comes after the data arrived.
    let rx_time = t
        .events
        .iter()
        .zip(&kinds)
        .find(|(e, (_, v))| {
            e.side == Side::Server && is(v, "segment_rx") && v["len"].as_u64() > Some(0)
        })
        .map(|(e, _)| e.t_us)
        .unwrap();
    assert!(rx_time < 30_000, "data arrived at {rx_time} µs");
    let report = stickysim::analysis::analyze(t);
    assert!(report.directions.client_to_server.segments >= 1);
}

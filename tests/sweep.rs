//! `stickysim sweep`: points and seeds run in parallel give what runs done one by one
//! give, the same every time; known values of scenario 04; CSV and JSON shapes; errors.

use std::path::Path;
use std::process::{Command, Output, Stdio};

use stickysim::cli::{self, Overrides};
use stickysim::params::Params;
use stickysim::sweep::{self, Grid, ParamTable, RunStats, Table, aggregate};

fn stickysim(args: &[&str], threads: Option<&str>) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_stickysim"));
    c.args(args)
        .current_dir(Path::new(env!("CARGO_MANIFEST_DIR")))
        .stdin(Stdio::null());
    if let Some(n) = threads {
        c.env("RAYON_NUM_THREADS", n);
    }
    c.output().expect("the stickysim binary runs")
}

/// Runs a sweep that must succeed; its stdout.
fn ok(args: &[&str]) -> String {
    let o = stickysim(args, None);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(0), "{args:?}: {err}");
    // Not a terminal: no progress bar, nothing on stderr.
    assert_eq!(err, "", "{args:?}");
    String::from_utf8(o.stdout).expect("UTF-8")
}

/// Runs a sweep that must fail with status 2; its stderr.
fn fails(args: &[&str]) -> String {
    let o = stickysim(args, None);
    assert_eq!(o.status.code(), Some(2), "{args:?} should fail");
    assert!(o.stdout.is_empty(), "{args:?} printed a result");
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// UDP with loss and jitter: each seed loses other datagrams, so the averages of a point
/// depend on every one of its seeds.
#[test]
fn parallel_averages_equal_runs_done_one_by_one() {
    let scenario = cli::resolve("10").unwrap();
    let fixed = Overrides {
        set: vec!["jitter_ms=3".into()],
        ..Default::default()
    }
    .settings()
    .unwrap();
    let table = Table::new(scenario.settings.over(&fixed));
    let base = table.params(&[]).unwrap();
    assert_eq!(base.jitter_ms, 3.0);
    let grid = Grid::parse(&["loss=0.2,0.5", "recv_size=8,1024"]).unwrap();
    let points = grid.point_params(&table).unwrap();
    let runs = 6;
    let got = sweep::parallel::run(&scenario, &points, runs, &|| {}).unwrap();
    assert_eq!(got.len(), 4);
    for (n, p) in points.iter().enumerate() {
        let one_by_one: Vec<RunStats> = (0..u64::from(runs))
            .map(|i| {
                let params = Params {
                    seed: base.seed + i,
                    ..p.clone()
                };
                RunStats::of(&cli::run_sim(&scenario, &params).unwrap().report.summary)
            })
            .collect();
        assert_eq!(got[n], aggregate(&one_by_one), "point {}", grid.describe(n));
        assert_eq!(got[n].runs, runs);
    }
    // The seeds made a difference, so a runner that repeated one seed would fail above.
    let intact: Vec<f64> = (0..6)
        .map(|i| {
            let params = Params {
                seed: base.seed + i,
                ..points[2].clone()
            };
            RunStats::of(&cli::run_sim(&scenario, &params).unwrap().report.summary).intact_share
        })
        .collect();
    assert!(
        intact.iter().any(|x| *x != intact[0]),
        "all seeds gave {intact:?}"
    );
}

/// Scenario 04: one recv returns both messages (1 of 2 recv results is sticky, the other
/// is EOF), nothing arrives as sent in raw framing, and each recv waits the delay, so the
/// last call ends at 20 + 2 × delay ms. Nagle makes no difference here.
#[test]
fn scenario_04_gives_its_known_values() {
    let out = ok(&[
        "sweep",
        "04",
        "--param",
        "recv_delay_ms=0..10:5",
        "--param",
        "nagle=on,off",
        "--runs-per-point",
        "3",
        "--json",
    ]);
    let v: serde_json::Value = serde_json::from_str(&out).expect("one JSON object");
    let points = v["points"].as_array().unwrap();
    assert_eq!(points.len(), 6);
    for (i, p) in points.iter().enumerate() {
        let delay = [0.0, 5.0, 10.0][i / 2];
        assert_eq!(p["params"]["recv_delay_ms"], delay as i64);
        assert_eq!(p["params"]["nagle"], ["on", "off"][i % 2]);
        assert_eq!(p["runs"], 3);
        assert_eq!(p["sticky_share"], 0.5, "{p}");
        assert_eq!(p["split_share"], 0.0, "{p}");
        assert_eq!(p["intact_share"], 0.0, "{p}");
        assert_eq!(p["duration_ms"], 20.0 + 2.0 * delay, "{p}");
    }
    // Framed, both messages arrive intact and no read holds two.
    let out = ok(&[
        "sweep",
        "04",
        "--param",
        "framing=length-prefix,json-header",
        "--csv",
    ]);
    assert_eq!(
        out,
        "framing,runs,sticky_share,split_share,intact_share,duration_ms\n\
         length-prefix,1,0,0,1,20\n\
         json-header,1,0,0,1,20\n"
    );
}

/// Scenario 12's stall is Nagle waiting for a delayed ACK: 40 ms on Linux, 200 ms on
/// Windows. The stack moves the delayed-ACK default of each point; without Nagle there
/// is no stall on either stack.
#[test]
fn stack_and_nagle_points_resolve_through_the_table() {
    let out = ok(&[
        "sweep",
        "12",
        "--param",
        "stack=linux,windows",
        "--param",
        "nagle=on,off",
        "--json",
    ]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let d: Vec<f64> = v["points"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["duration_ms"].as_f64().unwrap())
        .collect();
    let (linux_on, linux_off, windows_on, windows_off) = (d[0], d[1], d[2], d[3]);
    assert!(windows_on > linux_on + 100.0, "{d:?}");
    assert!(linux_on > linux_off + 100.0, "{d:?}");
    assert_eq!(linux_off, windows_off, "{d:?}");
    // A fixed --set is a base the points override: the same as --param alone.
    let fixed = ok(&[
        "sweep",
        "12",
        "--set",
        "nagle=false",
        "--param",
        "nagle=on",
        "--csv",
    ]);
    let alone = ok(&["sweep", "12", "--param", "nagle=true", "--csv"]);
    assert_eq!(
        fixed.lines().nth(1).map(|l| &l[l.find(',').unwrap()..]),
        alone.lines().nth(1).map(|l| &l[l.find(',').unwrap()..])
    );
}

#[test]
fn the_same_sweep_gives_the_same_bytes_on_any_number_of_threads() {
    let args = [
        "sweep",
        "10",
        "--set",
        "jitter_ms=2",
        "--param",
        "loss=0..0.6:0.2",
        "--runs-per-point",
        "5",
        "--json",
    ];
    let one = stickysim(&args, Some("1"));
    let two = stickysim(&args, Some("2"));
    let again = stickysim(&args, None);
    assert_eq!(one.status.code(), Some(0));
    assert!(!one.stdout.is_empty());
    assert_eq!(one.stdout, two.stdout);
    assert_eq!(one.stdout, again.stdout);
}

#[test]
fn text_and_csv_have_a_line_per_point() {
    let text = ok(&[
        "sweep",
        "04",
        "--param",
        "mss=1,1460",
        "--runs-per-point",
        "2",
    ]);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines[0],
        "04-two-small-sends · 2 point(s) × 2 run(s), seeds 1..=2"
    );
    assert!(lines[1].starts_with("mss "), "{text}");
    assert!(
        lines[2].starts_with("1 ") && lines[3].starts_with("1460 "),
        "{text}"
    );
    assert_eq!(lines.len(), 4);

    let csv = ok(&["sweep", "04", "--param", "recv_delay_ms=0..3", "--csv"]);
    let rows: Vec<Vec<&str>> = csv.lines().map(|l| l.split(',').collect()).collect();
    assert_eq!(rows.len(), 5);
    assert!(rows.iter().all(|r| r.len() == 6), "{csv}");
    let delays: Vec<&str> = rows[1..].iter().map(|r| r[0]).collect();
    assert_eq!(delays, ["0", "1", "2", "3"]);

    // No --param: one point, the scenario's own parameters.
    let csv = ok(&["sweep", "04", "--csv"]);
    assert_eq!(
        csv,
        "runs,sticky_share,split_share,intact_share,duration_ms\n1,0.5,0,0,20\n"
    );
}

#[test]
fn bad_sweeps_are_refused_with_the_reason() {
    let cases: [(&[&str], &str); 9] = [
        (
            &["--param", "nagle"],
            "--param `nagle`: expected KEY=VALUES",
        ),
        (
            &["--param", "recv_delay_ms=50..0"],
            "the range ends (0) before it starts (50)",
        ),
        (
            &["--param", "nagel=on,off"],
            "--param nagel=on: unknown parameter `nagel` (did you mean `nagle`?)",
        ),
        (
            &["--param", "nagle=on,maybe"],
            "--param nagle=maybe: `nagle` must be true or false, but here it is the text \"maybe\" (or on / off)",
        ),
        (
            &["--param", "mss=0..2"],
            "--param mss=0: `mss` must be from 1 to 65495",
        ),
        (
            &["--param", "nagle=on", "--param", "nagle=off"],
            "given twice",
        ),
        (
            &["--runs-per-point", "0"],
            "--runs-per-point must be at least 1",
        ),
        (
            &["--param", "a=0..999", "--param", "b=0..999"],
            "the grid has 1000000 points; at most 100000",
        ),
        (&["--set", "loss=2"], "loss"),
    ];
    for (extra, want) in cases {
        let mut args = vec!["sweep", "04"];
        args.extend_from_slice(extra);
        let err = fails(&args);
        assert!(err.contains(want), "{args:?}: {err}");
    }
    // A point the model refuses names the point.
    let err = fails(&["sweep", "09", "--param", "framing=raw,length-prefix"]);
    assert!(
        err.contains("at framing=length-prefix (seed 1): framing"),
        "{err}"
    );
    // --json and --csv together.
    let o = stickysim(&["sweep", "04", "--json", "--csv"], None);
    assert_ne!(o.status.code(), Some(0));
}

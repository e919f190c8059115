//! The sweep window, driven headless (egui_kittest): opened by its key, a small sweep of
//! scenario 04 run on its thread, the plotted points against `sweep::parallel::run`, the
//! CSV export against `stickysim sweep --csv`, the PNG export, bad ranges, cancel.
#![cfg(feature = "gui")]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use stickysim::gui::StickyApp;
use stickysim::gui::sweep::{Form, Metric, series};
use stickysim::scenario::Lang;
use stickysim::sweep::{self, Grid, ParamTable, Table};

mod common;
use common::click;

fn harness(wgpu: bool) -> Harness<'static, StickyApp> {
    let mut b = common::builder(1280.0, 720.0);
    if wgpu {
        b = b.wgpu();
    }
    common::start(b, common::settings("04-two-small-sends"))
}

/// Frames until the sweep's thread has finished (at most 60 s).
fn wait(h: &mut Harness<'static, StickyApp>) {
    let start = Instant::now();
    while h.state().sweep.running() {
        assert!(start.elapsed() < Duration::from_secs(60), "the sweep hangs");
        std::thread::sleep(Duration::from_millis(20));
        h.step();
    }
    h.run();
}

/// A fresh folder for exported files.
fn out_dir(name: &str) -> PathBuf {
    let dir =
        std::env::temp_dir().join(format!("stickysim-gui-sweep-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn small_form() -> Form {
    Form {
        key: "recv_delay_ms",
        from: "0".into(),
        to: "10".into(),
        step: "2".into(),
        lines: Some("nagle"),
        values: "on,off".into(),
        runs_per_point: 2,
    }
}

#[test]
fn s_opens_the_window_and_a_sweep_plots_what_the_cli_computes() {
    let mut h = harness(false);
    assert!(h.query_by_label("Run sweep").is_none());
    h.key_press(egui::Key::S);
    h.run();
    assert!(h.state().sweep.open);
    h.state_mut().sweep.form = small_form();
    click(&mut h, "Run sweep");
    wait(&mut h);
    assert_eq!(h.state().sweep.error, None);
    let done = h.state().sweep.result.as_ref().expect("a result");

    // The same sweep through the library, as `stickysim sweep` runs it.
    let scenario = stickysim::cli::resolve("04").unwrap();
    let table = Table::new(scenario.settings.clone());
    let grid = Grid::parse(&["recv_delay_ms=0..10:2", "nagle=on,off"]).unwrap();
    let points = grid.point_params(&table).unwrap();
    let want = sweep::parallel::run(&scenario, &points, 2, &|| {}).unwrap();
    assert_eq!(done.sweep.points, want);
    assert_eq!(done.sweep.grid, grid);
    assert_eq!(done.sweep.seed, table.params(&[]).unwrap().seed);

    // What the plots draw: x = recv_delay_ms, one line per Nagle value.
    assert_eq!(done.sticky.len(), 2);
    assert_eq!(done.sticky[0].name, "nagle = on");
    assert_eq!(done.sticky[1].name, "nagle = off");
    for (line, nagle) in done.sticky.iter().zip([0, 1]) {
        let xs: Vec<f64> = line.points.iter().map(|p| p[0]).collect();
        assert_eq!(xs, [0.0, 2.0, 4.0, 6.0, 8.0, 10.0]);
        for (k, p) in line.points.iter().enumerate() {
            assert_eq!(p[1], want[k * 2 + nagle].mean.sticky_share * 100.0);
        }
    }
    for (line, nagle) in done.duration.iter().zip([0, 1]) {
        for (k, p) in line.points.iter().enumerate() {
            assert_eq!(p[1], want[k * 2 + nagle].mean.duration_ms);
        }
    }
    // In 04 the server is already 20 ms late: every delay glues the two sends (one
    // read of two, 50 %), and each of its two reads waits the delay longer.
    assert!(
        done.sticky
            .iter()
            .flat_map(|l| &l.points)
            .all(|p| p[1] == 50.0)
    );
    assert_eq!(
        done.duration[0].points,
        [
            [0.0, 20.0],
            [2.0, 24.0],
            [4.0, 28.0],
            [6.0, 32.0],
            [8.0, 36.0],
            [10.0, 40.0]
        ]
    );
    assert_eq!(done.sticky, series(&done.sweep, Metric::Sticky, Lang::En));
    h.get_by_label_contains("04-two-small-sends · 12 points × 2 run(s) each");

    // CSV: the file holds exactly what `stickysim sweep --csv` prints.
    let dir = out_dir("csv");
    let path = dir.join("sweep.csv");
    h.state_mut().sweep.csv_path = path.to_str().unwrap().to_string();
    click(&mut h, "Export CSV");
    let cli = Command::new(env!("CARGO_BIN_EXE_stickysim"))
        .args([
            "sweep",
            "04",
            "--param",
            "recv_delay_ms=0..10:2",
            "--param",
            "nagle=on,off",
            "--runs-per-point",
            "2",
            "--csv",
        ])
        .current_dir(Path::new(env!("CARGO_MANIFEST_DIR")))
        .output()
        .unwrap();
    assert!(cli.status.success());
    let written = std::fs::read_to_string(&path).expect("the CSV was written");
    assert_eq!(written, String::from_utf8(cli.stdout).unwrap());
    assert!(written.starts_with("recv_delay_ms,nagle,runs,sticky_share,"));
    assert!(matches!(&h.state().sweep.status, Some(Ok(s)) if s.contains("sweep.csv")));
    // The window prints the command it ran.
    h.get_by_label(
        "stickysim sweep 04 --param recv_delay_ms=0..10:2 --param nagle=on,off --runs-per-point 2",
    );
    std::fs::remove_dir_all(&dir).unwrap();

    // S again closes it.
    h.key_press(egui::Key::S);
    h.run();
    assert!(!h.state().sweep.open);
    assert!(h.query_by_label("Run sweep").is_none());
}

#[test]
fn bad_ranges_get_the_clis_message_and_nothing_runs() {
    let mut h = harness(false);
    h.key_press(egui::Key::S);
    h.run();
    h.state_mut().sweep.form = Form {
        step: "0".into(),
        ..small_form()
    };
    click(&mut h, "Run sweep");
    assert!(!h.state().sweep.running());
    let msg = "--param `recv_delay_ms=0..10:0`: the step must be above 0, not 0";
    assert_eq!(h.state().sweep.error.as_deref(), Some(msg));
    h.get_by_label(msg);
    assert!(h.state().sweep.result.is_none());
    // A value out of the table's range, named by the table.
    h.state_mut().sweep.form = Form {
        lines: Some("mss"),
        values: "0,1460".into(),
        ..small_form()
    };
    click(&mut h, "Run sweep");
    let e = h.state().sweep.error.clone().unwrap();
    assert!(e.starts_with("--param mss=0: "), "{e}");
}

#[test]
fn a_changed_parameter_is_kept_and_shown_as_set() {
    let mut h = harness(false);
    let mut p = h.state().playback.params.clone();
    p.mss = 3;
    h.state_mut().apply(stickysim::gui::Cmd::Params(p));
    h.state_mut().apply(stickysim::gui::Cmd::Sweep(true));
    h.run();
    h.state_mut().sweep.form = Form {
        lines: None,
        runs_per_point: 1,
        ..small_form()
    };
    h.run();
    h.get_by_label("stickysim sweep 04 --param recv_delay_ms=0..10:2 --set mss=3");
    click(&mut h, "Run sweep");
    wait(&mut h);
    let scenario = stickysim::cli::resolve("04").unwrap();
    let mut settings = scenario.settings.clone();
    settings
        .set("mss", stickysim::params::table::Value::Uint(3))
        .unwrap();
    let points = Grid::parse(&["recv_delay_ms=0..10:2"])
        .unwrap()
        .point_params(&Table::new(settings))
        .unwrap();
    assert!(points.iter().all(|p| p.mss == 3));
    let want = sweep::parallel::run(&scenario, &points, 1, &|| {}).unwrap();
    let done = h.state().sweep.result.as_ref().unwrap();
    assert_eq!(done.sweep.points, want);
    assert_eq!(done.sticky.len(), 1);
}

#[test]
fn cancel_stops_a_long_sweep() {
    let mut h = harness(false);
    h.state_mut().apply(stickysim::gui::Cmd::Sweep(true));
    h.run();
    h.state_mut().sweep.form = Form {
        from: "0".into(),
        to: "50".into(),
        step: "1".into(),
        runs_per_point: 1000,
        ..small_form()
    };
    click(&mut h, "Run sweep");
    assert!(h.state().sweep.running());
    click(&mut h, "Cancel");
    assert!(!h.state().sweep.running());
    assert_eq!(h.state().sweep.error.as_deref(), Some("Cancelled."));
    assert!(h.state().sweep.result.is_none());
    h.get_by_label("Run sweep");
}

#[test]
fn chinese_labels_and_menu_entry() {
    let mut h = harness(false);
    h.state_mut().apply(stickysim::gui::Cmd::Lang(Lang::Zh));
    h.run();
    h.get_by_label_contains("更多").click();
    h.run();
    click(&mut h, "参数扫描 (S)");
    assert!(h.state().sweep.open);
    h.state_mut().sweep.form = Form {
        runs_per_point: 1,
        ..small_form()
    };
    click(&mut h, "开始扫描");
    wait(&mut h);
    let done = h.state().sweep.result.as_ref().unwrap();
    assert_eq!(done.sticky[1].name, "nagle = 关");
    h.get_by_label("导出 CSV");
}

/// PNG: the plots, cut from a screenshot (rendered with wgpu, as the app is).
#[test]
fn png_export_writes_the_plots() {
    let mut h = harness(true);
    h.state_mut().apply(stickysim::gui::Cmd::Sweep(true));
    h.run();
    h.state_mut().sweep.form = Form {
        runs_per_point: 1,
        ..small_form()
    };
    click(&mut h, "Run sweep");
    wait(&mut h);
    let dir = out_dir("png");
    let path = dir.join("plots.png");
    h.state_mut().sweep.png_path = path.to_str().unwrap().to_string();
    click(&mut h, "Export PNG");
    for _ in 0..10 {
        if h.state().sweep.status.is_some() {
            break;
        }
        h.step();
    }
    let status = h.state().sweep.status.clone();
    assert!(
        matches!(&status, Some(Ok(s)) if s.contains("plots.png")),
        "{status:?}"
    );
    let img = image::open(&path).expect("a PNG").to_rgba8();
    let (w, hgt) = img.dimensions();
    // Two plots side by side in a window most of 1280 × 720 wide: wide, and not the
    // whole screen.
    assert!(w > 800 && w < 1280 && hgt > 250 && hgt < 720, "{w}×{hgt}");
    let mut colours: Vec<[u8; 4]> = img.pixels().map(|p| p.0).collect();
    colours.sort_unstable();
    colours.dedup();
    assert!(colours.len() > 20, "{} colours", colours.len());
    // The first line's orange is in it.
    assert!(img.pixels().any(|p| p.0 == [0xE6, 0x9F, 0x00, 255]));
    std::fs::remove_dir_all(&dir).unwrap();
}

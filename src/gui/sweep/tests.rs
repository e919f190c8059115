use super::*;
use crate::params::table;
use crate::sweep::{Grid, RunStats};

#[test]
fn specs_put_the_swept_parameter_first() {
    let f = Form::default();
    assert_eq!(f.specs(), ["recv_delay_ms=0..50:1", "nagle=on,off"]);
    let f = Form {
        lines: None,
        from: " 2 ".into(),
        ..Form::default()
    };
    assert_eq!(f.specs(), ["recv_delay_ms=2..50:1"]);
}

#[test]
fn default_ranges_stay_in_the_table_and_step_nicely() {
    let r = |key, v| default_range(table::param(key).unwrap(), v).unwrap();
    assert_eq!(r("recv_delay_ms", None), ["0", "50", "2"]);
    assert_eq!(r("mss", Some(1460.0)), ["1", "2920", "200"]);
    assert_eq!(r("loss", Some(0.0)), ["0.00", "1.00", "0.05"]);
    assert!(default_range(table::param("nagle").unwrap(), None).is_none());
    // Every default range is one the sweep accepts.
    let scenario = crate::scenario::builtin().remove(3);
    for p in sweepable() {
        let mut f = Form::default();
        f.pick(p, &scenario.params);
        let plan = f.plan(&scenario, &scenario.params);
        assert!(plan.is_ok(), "{}: {:?} {plan:?}", p.key, f.specs());
    }
}

#[test]
fn too_many_lines_and_bad_ranges_are_refused() {
    let scenario = crate::scenario::builtin().remove(3);
    let p = &scenario.params;
    let f = Form {
        lines: Some("mss"),
        values: "1,2,3,4,5,6,7,8,9".into(),
        ..Form::default()
    };
    let e = f.plan(&scenario, p).unwrap_err();
    assert_eq!(e.en, "--param mss: 9 values; at most 8 lines fit a plot");
    assert_eq!(e.zh, "--param mss：9 个取值；一张图最多画 8 条线");
    let f = Form {
        to: "-5".into(),
        ..Form::default()
    };
    let e = f.plan(&scenario, p).unwrap_err();
    assert_eq!(
        e.en,
        "--param `recv_delay_ms=0..-5:1`: the range ends (-5) before it starts (0)"
    );
    assert_eq!(
        e.zh,
        "--param `recv_delay_ms=0..-5:1`：范围的终点（-5）在起点（0）之前"
    );
    let f = Form {
        key: "loss",
        from: "0".into(),
        to: "2".into(),
        step: "1".into(),
        ..Form::default()
    };
    let e = f.plan(&scenario, p).unwrap_err();
    assert!(e.en.starts_with("--param loss=2: "), "{e:?}");
    assert!(
        e.zh.starts_with("--param loss=2：`loss` 的取值范围是 0 到 1"),
        "{e:?}"
    );
}

#[test]
fn series_follow_the_grid_one_per_line_value() {
    let stats = |s: f64, d: f64| PointStats {
        runs: 1,
        mean: RunStats {
            sticky_share: s,
            duration_ms: d,
            ..RunStats::default()
        },
    };
    let sweep = Sweep {
        scenario: "x".into(),
        seed: 1,
        runs_per_point: 1,
        grid: Grid::parse(&["recv_delay_ms=0..10:5", "nagle=on,off"]).unwrap(),
        points: vec![
            stats(0.0, 1.0),
            stats(0.1, 2.0),
            stats(0.5, 3.0),
            stats(0.6, 4.0),
            stats(1.0, 5.0),
            stats(0.9, 6.0),
        ],
    };
    let sticky = series(&sweep, Metric::Sticky, Lang::En);
    assert_eq!(
        sticky,
        [
            Series {
                name: "nagle = on".into(),
                points: vec![[0.0, 0.0], [5.0, 50.0], [10.0, 100.0]]
            },
            Series {
                name: "nagle = off".into(),
                points: vec![[0.0, 10.0], [5.0, 60.0], [10.0, 90.0]]
            },
        ]
    );
    let d = series(&sweep, Metric::DurationMs, Lang::Zh);
    assert_eq!(d[1].name, "nagle = 关");
    assert_eq!(d[1].points, [[0.0, 2.0], [5.0, 4.0], [10.0, 6.0]]);
    let one = Sweep {
        grid: Grid::parse(&["mss=1..2"]).unwrap(),
        points: vec![stats(0.5, 1.0), stats(0.25, 2.0)],
        ..sweep
    };
    let s = series(&one, Metric::Sticky, Lang::En);
    assert_eq!(s.len(), 1);
    assert_eq!(s[0].points, [[1.0, 50.0], [2.0, 25.0]]);
}

#[test]
fn crop_is_clamped_to_the_image() {
    let mut img = ColorImage::filled([10, 6], Color32::BLACK);
    img.pixels[2 * 10 + 4] = Color32::WHITE;
    // 2 pixels per point: points (2,1)..(3,2) are pixels (4,2)..(6,4).
    let c = crop(
        &img,
        Rect::from_min_max(egui::pos2(2.0, 1.0), egui::pos2(3.0, 2.0)),
        2.0,
    )
    .unwrap();
    assert_eq!(c.size, [2, 2]);
    assert_eq!(c.pixels[0], Color32::WHITE);
    let c = crop(
        &img,
        Rect::from_min_max(egui::pos2(-5.0, -5.0), egui::pos2(50.0, 50.0)),
        1.0,
    )
    .unwrap();
    assert_eq!(c.size, [10, 6]);
    assert!(
        crop(
            &img,
            Rect::from_min_max(egui::pos2(20.0, 0.0), egui::pos2(30.0, 5.0)),
            1.0
        )
        .is_none()
    );
}

#[cfg(not(target_arch = "wasm32"))]
#[test]
fn png_round_trips_and_writes_replace_whole_files() {
    let mut img = ColorImage::filled([3, 2], Color32::from_rgb(1, 2, 3));
    img.pixels[5] = Color32::WHITE;
    let bytes = encode_png(&img).unwrap();
    let back = image::load_from_memory(&bytes).unwrap().to_rgba8();
    assert_eq!(back.dimensions(), (3, 2));
    assert_eq!(back.get_pixel(0, 0).0, [1, 2, 3, 255]);
    assert_eq!(back.get_pixel(2, 1).0, [255, 255, 255, 255]);
    let dir = std::env::temp_dir().join(format!("stickysim-sweep-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("a.csv");
    let path = path.to_str().unwrap();
    write_atomic(path, b"long old content").unwrap();
    write_atomic(path, b"new").unwrap();
    assert_eq!(std::fs::read(path).unwrap(), b"new");
    // No temporary file is left behind.
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 1);
    let missing = dir.join("no/such/dir/b.csv");
    assert!(write_atomic(missing.to_str().unwrap(), b"x").is_err());
    std::fs::remove_dir_all(&dir).unwrap();
}

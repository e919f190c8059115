use super::*;

fn texts(a: &Axis) -> Vec<&str> {
    a.values.iter().map(|v| v.text.as_str()).collect()
}

fn spec_error(spec: &str) -> String {
    match parse_axis(spec) {
        Ok(a) => panic!("`{spec}` should be refused, got {a:?}"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn lists_keep_their_order_and_words() {
    let a = parse_axis("nagle=on,off").unwrap();
    assert_eq!(a.key, "nagle");
    assert_eq!(texts(&a), ["on", "off"]);
    assert_eq!(a.values[0].number, None);
    let a = parse_axis(" framing = raw , length-prefix ").unwrap();
    assert_eq!(
        (a.key.as_str(), texts(&a)),
        ("framing", vec!["raw", "length-prefix"])
    );
    let a = parse_axis("mss=1460,3,100").unwrap();
    assert_eq!(texts(&a), ["1460", "3", "100"]);
    assert_eq!(a.values[1].number, Some(3.0));
}

#[test]
fn ranges_include_their_end_and_keep_their_decimals() {
    let a = parse_axis("recv_delay_ms=0..50:1").unwrap();
    assert_eq!(a.values.len(), 51);
    assert_eq!(
        (a.values[0].number, a.values[50].number),
        (Some(0.0), Some(50.0))
    );
    assert_eq!(texts(&parse_axis("k=2..5").unwrap()), ["2", "3", "4", "5"]);
    // 0.1 steps print as written, and the end is reached despite rounding.
    assert_eq!(
        texts(&parse_axis("loss=0..0.3:0.1").unwrap()),
        ["0.0", "0.1", "0.2", "0.3"]
    );
    // An end between two steps is not reached.
    assert_eq!(texts(&parse_axis("k=0..10:4").unwrap()), ["0", "4", "8"]);
    assert_eq!(texts(&parse_axis("k=7..7:3").unwrap()), ["7"]);
    assert_eq!(texts(&parse_axis("k=-2..2:2").unwrap()), ["-2", "0", "2"]);
}

#[test]
fn bad_specs_say_what_is_wrong() {
    let cases = [
        ("nagle", "expected KEY=VALUES"),
        ("=on,off", "the parameter name is missing"),
        ("nagle=", "no values after `nagle=`"),
        ("nagle=on,,off", "value 2 of the list is empty"),
        ("nagle=on,off,on", "`on` is listed twice"),
        ("k=..5", "the range's start is missing"),
        ("k=0..", "the range's end is missing"),
        ("k=0..5:", "the range's step is missing"),
        ("k=a..5", "the range's start `a` is not a number"),
        ("k=0..5:x", "the range's step `x` is not a number"),
        ("k=0..inf", "the range's end `inf` is not a number"),
        ("k=0..5:0", "the step must be above 0, not 0"),
        ("k=0..5:-1", "the step must be above 0"),
        ("k=5..1", "the range ends (1) before it starts (5)"),
        (
            "k=0..1000000:1",
            "1000001 values; at most 10000 are allowed",
        ),
    ];
    for (spec, want) in cases {
        let got = spec_error(spec);
        assert!(got.contains(want), "`{spec}`: got {got:?}, want {want:?}");
        assert!(got.starts_with(&format!("--param `{spec}`")), "{got}");
    }
    let long: Vec<String> = (0..=MAX_AXIS_VALUES).map(|i| i.to_string()).collect();
    assert!(spec_error(&format!("k={}", long.join(","))).contains("at most 10000"));
}

#[test]
fn the_first_axis_varies_slowest() {
    let g = Grid::parse(&["a=1,2", "b=x,y,z"]).unwrap();
    assert_eq!(g.len(), 6);
    let order: Vec<String> = (0..g.len()).map(|n| g.describe(n)).collect();
    assert_eq!(
        order,
        [
            "a=1, b=x", "a=1, b=y", "a=1, b=z", "a=2, b=x", "a=2, b=y", "a=2, b=z"
        ]
    );
    let none = Grid::parse::<&str>(&[]).unwrap();
    assert_eq!(
        (none.len(), none.describe(0)),
        (1, "the scenario's parameters".into())
    );
}

#[test]
fn grids_refuse_repeated_keys_and_too_many_points() {
    assert_eq!(
        Grid::parse(&["nagle=on", "nagle=off"])
            .unwrap_err()
            .to_string(),
        "--param nagle is given twice: give all its values in one --param"
    );
    let e = Grid::parse(&["a=0..9999", "b=0..9999"]).unwrap_err();
    assert_eq!(
        e,
        SweepError::TooManyPoints {
            points: 100_000_000
        }
    );
    assert!(e.to_string().contains("at most 100000"), "{e}");
    assert_eq!(check_size(10, 0), Err(SweepError::NoRuns));
    assert_eq!(check_size(1000, 1000), Ok(1_000_000));
    assert!(
        check_size(1001, 1000)
            .unwrap_err()
            .to_string()
            .contains("1001 points × 1000 runs per point = 1001000 runs")
    );
}

/// A stand-in table with two keys, to test how points are built and errors named apart
/// from the real table.
struct Stub(Params);

impl ParamTable for Stub {
    fn params(&self, settings: &[(&str, &str)]) -> Result<Params, Text> {
        let mut p = self.0.clone();
        for (k, v) in settings {
            match *k {
                "mss" => {
                    p.mss = v
                        .parse()
                        .map_err(|_| Text::plain(&format!("`{v}` is not a size")))?
                }
                "nagle" => p.nagle = *v == "on",
                _ => return Err(Text::plain(&format!("unknown parameter `{k}`"))),
            }
        }
        Ok(p)
    }
}

#[test]
fn point_params_set_each_points_values_over_the_base() {
    let base = Params {
        seed: 7,
        ..Params::default()
    };
    let g = Grid::parse(&["mss=3,1460", "nagle=on,off"]).unwrap();
    let got: Vec<(u32, bool, u64)> = g
        .point_params(&Stub(base.clone()))
        .unwrap()
        .iter()
        .map(|p| (p.mss, p.nagle, p.seed))
        .collect();
    assert_eq!(
        got,
        [
            (3, true, 7),
            (3, false, 7),
            (1460, true, 7),
            (1460, false, 7)
        ]
    );
    let e = Grid::parse(&["mss=3,big"])
        .unwrap()
        .point_params(&Stub(base.clone()))
        .unwrap_err();
    assert_eq!(e.to_string(), "--param mss=big: `big` is not a size");
    let e = Grid::parse(&["nagel=on"])
        .unwrap()
        .point_params(&Stub(base.clone()))
        .unwrap_err();
    assert_eq!(e.to_string(), "--param nagel=on: unknown parameter `nagel`");
}

#[test]
fn run_stats_are_shares_of_the_summary() {
    let m = Metrics {
        messages_sent: 4,
        messages_intact: 1,
        recv_calls: 5,
        sticky_reads: 2,
        split_messages: 3,
        duration_ms: 12.5,
        ..Metrics::default()
    };
    assert_eq!(
        RunStats::of(&m),
        RunStats {
            sticky_share: 0.4,
            split_share: 0.75,
            intact_share: 0.25,
            duration_ms: 12.5
        }
    );
    // Nothing sent, nothing read: shares of nothing are 0, not NaN.
    assert_eq!(RunStats::of(&Metrics::default()), RunStats::default());
}

#[test]
fn aggregate_averages_each_field() {
    let r = |s, d| RunStats {
        sticky_share: s,
        split_share: 1.0 - s,
        intact_share: s / 2.0,
        duration_ms: d,
    };
    let p = aggregate(&[r(0.5, 20.0), r(1.0, 40.0), r(0.0, 30.0)]);
    assert_eq!(p.runs, 3);
    assert_eq!(
        p.mean,
        RunStats {
            sticky_share: 0.5,
            split_share: 0.5,
            intact_share: 0.25,
            duration_ms: 30.0
        }
    );
    assert_eq!(aggregate(&[]), PointStats::default());
}

fn two_by_two() -> Sweep {
    let stats = |s: f64, d: f64| PointStats {
        runs: 2,
        mean: RunStats {
            sticky_share: s,
            split_share: 0.0,
            intact_share: 1.0 - s,
            duration_ms: d,
        },
    };
    Sweep {
        scenario: "04-two-small-sends".into(),
        seed: 1,
        runs_per_point: 2,
        grid: Grid::parse(&["recv_delay_ms=0..0.5:0.5", "nagle=on,off"]).unwrap(),
        points: vec![
            stats(0.5, 20.0),
            stats(0.5, 20.0),
            stats(0.25, 21.0),
            stats(0.0, 21.0),
        ],
    }
}

#[test]
fn csv_has_a_header_and_one_line_per_point() {
    assert_eq!(
        two_by_two().render_csv(),
        "recv_delay_ms,nagle,runs,sticky_share,split_share,intact_share,duration_ms\n\
         0.0,on,2,0.5,0,0.5,20\n\
         0.0,off,2,0.5,0,0.5,20\n\
         0.5,on,2,0.25,0,0.75,21\n\
         0.5,off,2,0,0,1,21\n"
    );
    assert_eq!(csv("a,b"), "\"a,b\"");
    assert_eq!(csv("say \"hi\""), "\"say \"\"hi\"\"\"");
}

#[test]
fn json_names_the_parameters_and_gives_numbers_as_numbers() {
    let v = two_by_two().to_json();
    let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        ["scenario", "seed", "runs_per_point", "params", "points"]
    );
    assert_eq!(v["params"], json!(["recv_delay_ms", "nagle"]));
    assert_eq!(v["points"].as_array().unwrap().len(), 4);
    assert_eq!(
        v["points"][2],
        json!({
            "params": { "recv_delay_ms": 0.5, "nagle": "on" },
            "runs": 2,
            "sticky_share": 0.25,
            "split_share": 0.0,
            "intact_share": 0.75,
            "duration_ms": 21.0,
        })
    );
    // Integers written as integers stay integers.
    let g = Grid::parse(&["mss=3,1460"]).unwrap();
    assert_eq!(g.axes[0].values[1].json(), json!(1460));
}

#[test]
fn text_shows_percentages_under_the_parameter_names() {
    let text = two_by_two().render_text();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines[0],
        "04-two-small-sends · 4 point(s) × 2 run(s), seeds 1..=2"
    );
    assert!(
        lines[1].starts_with("recv_delay_ms  nagle  "),
        "{}",
        lines[1]
    );
    assert!(lines[1].ends_with("runs sticky reads  split msgs  intact msgs  duration ms"));
    assert_eq!(
        lines[4],
        "0.5            on         2        25.0%        0.0%        75.0%       21.000"
    );
    assert_eq!(lines.len(), 6);
}

#[test]
fn the_table_reads_values_as_set_does_and_points_win_over_the_base() {
    let mut base = Settings::default();
    base.set("nagle", crate::params::Value::Bool(false))
        .unwrap();
    base.set("mss", crate::params::Value::Uint(100)).unwrap();
    let t = Table::new(base);
    let p = t.params(&[]).unwrap();
    assert_eq!((p.nagle, p.mss), (false, 100));
    let p = t
        .params(&[("nagle", "on"), ("framing", "json-header")])
        .unwrap();
    assert_eq!(
        (p.nagle, p.mss, p.framing),
        (true, 100, crate::params::Framing::JsonHeader)
    );
    assert!(!t.params(&[("nagle", "off")]).unwrap().nagle);
    // The stack moves the defaults it governs, unless they were set.
    let linux = t.params(&[("stack", "linux")]).unwrap().delayed_ack_ms;
    let windows = t.params(&[("stack", "windows")]).unwrap().delayed_ack_ms;
    assert_eq!((linux, windows), (40.0, 200.0));
    // `on` is a boolean's word only.
    assert!(
        t.params(&[("framing", "on")])
            .unwrap_err()
            .en
            .contains("unknown framing `on`")
    );
    let e = t.params(&[("nagle", "yes")]).unwrap_err();
    assert!(
        e.en.contains("`nagle` must be true or false") && e.en.ends_with("(or on / off)"),
        "{e:?}"
    );
    assert!(
        e.zh.contains("`nagle` 必须是 true 或 false") && e.zh.ends_with("（或 on / off）"),
        "{e:?}"
    );
}

fn scenario_04() -> Scenario {
    crate::scenario::builtin()
        .into_iter()
        .find(|s| s.name == "04-two-small-sends")
        .unwrap()
}

#[test]
fn a_plan_is_the_clis_steps() {
    let s = scenario_04();
    let plan = Plan::new(
        s.settings.clone(),
        &["recv_delay_ms=0..4:2", "nagle=on,off"],
        3,
    )
    .unwrap();
    let table = Table::new(s.settings.clone());
    assert_eq!(
        plan.grid,
        Grid::parse(&["recv_delay_ms=0..4:2", "nagle=on,off"]).unwrap()
    );
    assert_eq!(plan.points, plan.grid.point_params(&table).unwrap());
    assert_eq!((plan.seed, plan.runs()), (s.params.seed, 18));
    assert_eq!(
        Plan::new(s.settings.clone(), &["mss=1..5"], 0),
        Err(SweepError::NoRuns)
    );
    let sweep = plan.finish("x", vec![PointStats::default(); 6]);
    assert_eq!((sweep.scenario.as_str(), sweep.runs_per_point), ("x", 3));
}

#[test]
fn base_settings_are_the_scenarios_until_a_parameter_changes() {
    let s = scenario_04();
    assert_eq!(base_settings(&s, &s.params), s.settings);
    assert!(changed_settings(&s, &s.params).is_empty());
    let mut p = s.params.clone();
    p.mss = 3;
    p.nagle = !p.nagle;
    p.framing = crate::params::Framing::LengthPrefix;
    let base = base_settings(&s, &p);
    assert_eq!(base.resolve(), p);
    assert_eq!(
        changed_settings(&s, &p),
        [
            "framing=length-prefix",
            "mss=3",
            &format!("nagle={}", p.nagle)
        ]
    );
    // Each `--set` it prints reads back to the same settings.
    let mut again = s.settings.clone();
    for kv in changed_settings(&s, &p) {
        let (row, v) = crate::scenario::parse_setting(&kv).unwrap();
        again.insert(row, v);
    }
    assert_eq!(again.resolve(), p);
}

/// The web app's runner (slices) and the parallel one give the same bits, in any slicing.
#[cfg(not(target_arch = "wasm32"))]
#[test]
fn sequential_slices_equal_the_parallel_run() {
    let s = crate::scenario::builtin()
        .into_iter()
        .find(|s| s.name.starts_with("10-"))
        .unwrap();
    let mut settings = s.settings.clone();
    settings
        .set("jitter_ms", crate::params::table::Value::Number(3.0))
        .unwrap();
    let plan = Plan::new(settings, &["loss=0.2,0.5"], 4).unwrap();
    let want = parallel::run(&s, &plan.points, 4, &|| {}).unwrap();
    for budget in [1, 3, 100] {
        let mut seq = Sequential::default();
        let mut got = None;
        let mut frames = 0;
        while got.is_none() {
            got = seq.step(&s, &plan.points, 4, budget).unwrap();
            frames += 1;
        }
        assert_eq!(got.unwrap(), want, "budget {budget}");
        assert_eq!(frames, 8usize.div_ceil(budget));
        assert_eq!(seq.done(), 8);
    }
    // Stopped before it starts: nothing, not a partial result.
    let stop = std::sync::atomic::AtomicBool::new(true);
    assert_eq!(
        parallel::run_until(&s, &plan.points, 4, &|| {}, &stop).unwrap(),
        None
    );
}

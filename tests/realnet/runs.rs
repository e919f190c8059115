//! Scenarios on real loopback sockets (127.0.0.1, ephemeral ports). They assert invariants only (bytes
//! in = bytes out, decoded frames = sent messages, faults reported), never where the
//! kernel cut or glued the stream.

use std::net::{Ipv4Addr, SocketAddr, TcpListener};
use std::time::{Duration, Instant};

use stickysim::analysis::{self, Report};
use stickysim::model;
use stickysim::params::{DecoderKind, Framing, Params, Transport};
use stickysim::realnet::{self, RealError, RealOptions, RealOutcome, SlicerSpec, Update};
use stickysim::scenario::{self, Action, Scenario};
use stickysim::trace::{EventKind, Side, Trace};

fn inline(toml: &str) -> Scenario {
    scenario::parse(toml, "inline.toml").expect("valid inline scenario")
}

fn slicer(s: &str) -> Option<SlicerSpec> {
    Some(s.parse().expect("valid slicer spec"))
}

fn real(s: &Scenario, p: &Params, opts: &RealOptions) -> RealOutcome {
    realnet::run(s, p, opts).unwrap_or_else(|e| panic!("{}: real run failed: {e}", s.name))
}

fn sim(s: &Scenario, p: &Params) -> Trace {
    model::run(s, p).expect("model run")
}

/// The metrics that do not depend on how the kernel chunked the stream.
fn invariant_metrics(r: &Report) -> [u64; 7] {
    let m = &r.summary;
    [
        m.messages_sent,
        m.messages_intact,
        m.messages_corrupted,
        m.messages_missing,
        m.bytes_sent,
        m.bytes_delivered,
        m.bytes_lost,
    ]
}

fn events(t: &Trace, side: Side) -> impl Iterator<Item = &EventKind> {
    t.events
        .iter()
        .filter(move |e| e.side == side)
        .map(|e| &e.kind)
}

fn blocked_reasons(t: &Trace, side: Side) -> Vec<String> {
    events(t, side)
        .filter_map(|k| match k {
            EventKind::NetError { error, .. } => Some(error.clone()),
            _ => None,
        })
        .collect()
}

fn decode_errors(t: &Trace) -> Vec<String> {
    t.events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::DecodeError { error, .. } => Some(error.clone()),
            _ => None,
        })
        .collect()
}

/// A port nothing listens on (bound, then released).
fn closed_port() -> u16 {
    let l = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
    l.local_addr().unwrap().port()
}

// ---- framing fixes it, whatever the slicer does -------------------------------------------

/// Every TCP scenario whose programs send only messages, with length-prefix and
/// json-header and the correct decoder, over slices of 1 to 5 bytes: every message
/// arrives intact, exactly as the model delivers it.
#[test]
fn every_tcp_scenario_framed_over_the_slicer_decodes_every_message_intact() {
    let mut jobs = Vec::new();
    for s in scenario::builtin() {
        let raw_writes = s
            .client
            .iter()
            .chain(s.server.iter())
            .any(|st| matches!(st.action, Action::Send(_) | Action::Sendall(_)));
        if s.params.transport != Transport::Tcp || raw_writes {
            continue;
        }
        for framing in [Framing::LengthPrefix, Framing::JsonHeader] {
            let mut p = s.params.clone();
            p.framing = framing;
            p.decoder = DecoderKind::Correct;
            p.mss = 1460;
            let s = s.clone();
            jobs.push(std::thread::spawn(move || {
                let opts = RealOptions {
                    slicer: slicer("3,2,0.02"),
                    ..Default::default()
                };
                let out = realnet::run(&s, &p, &opts);
                (s, p, out)
            }));
        }
    }
    assert!(
        jobs.len() >= 18,
        "expected at least 9 TCP scenarios × 2 framings"
    );
    let mut failures = Vec::new();
    for j in jobs {
        let (s, p, out) = j.join().expect("run thread");
        let name = format!("{} with {:?}", s.name, p.framing);
        let out = match out {
            Ok(o) => o,
            Err(e) => {
                failures.push(format!("{name}: {e}"));
                continue;
            }
        };
        let real = analysis::analyze(&out.trace);
        let model = analysis::analyze(&sim(&s, &p));
        let errors = decode_errors(&out.trace);
        if real.summary.messages_corrupted > 0 || !errors.is_empty() {
            failures.push(format!(
                "{name}: corrupted or decode errors {errors:?}; notes {:?}",
                out.notes
            ));
        }
        if invariant_metrics(&real) != invariant_metrics(&model) {
            failures.push(format!(
                "{name}: real {:?} != model {:?} (sent, intact, corrupted, missing, bytes sent, delivered, lost); notes {:?}",
                invariant_metrics(&real),
                invariant_metrics(&model),
                out.notes
            ));
        }
        let sliced = out
            .trace
            .events
            .iter()
            .filter(|e| matches!(e.kind, EventKind::Slice { .. }))
            .count();
        if real.summary.bytes_delivered > 0 && sliced == 0 {
            failures.push(format!("{name}: no slicer events"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The same with the default kernel path (no relay) and Nagle off: still intact.
#[test]
fn framed_scenarios_without_the_relay_match_the_model_invariants() {
    for n in ["05", "06", "12", "13"] {
        let s = scenario::find_builtin(n).unwrap();
        let mut p = s.params.clone();
        p.decoder = DecoderKind::Correct;
        p.nagle = false;
        let out = real(&s, &p, &RealOptions::default());
        let real = analysis::analyze(&out.trace);
        let model = analysis::analyze(&sim(&s, &p));
        assert_eq!(
            invariant_metrics(&real),
            invariant_metrics(&model),
            "{n}: {:?}",
            out.notes
        );
        assert_eq!(out.trace.mode, "real");
    }
}

// ---- the lessons show up on real loopback ----------------------------------------------

/// Scenario 04 (raw, the server reads 20 ms late): both sends come out of one recv.
/// Measured 20/20 on this machine kind; three tries make it robust on a loaded one.
#[test]
fn raw_04_with_a_late_reader_gives_a_sticky_read() {
    let s = scenario::find_builtin("04").unwrap();
    let mut sticky = 0;
    for _ in 0..3 {
        let out = real(&s, &s.params, &RealOptions::default());
        let r = analysis::analyze(&out.trace);
        assert_eq!(r.summary.bytes_sent, 10);
        assert_eq!(r.summary.bytes_delivered, 10, "bytes in = bytes out");
        sticky = r.summary.sticky_reads;
        if sticky >= 1 {
            break;
        }
    }
    assert!(sticky >= 1, "no sticky read in three runs of 04");
}

fn header_split_params() -> (Scenario, Params) {
    let s = scenario::find_builtin("08").unwrap();
    let mut p = s.params.clone();
    p.mss = 1460; // no automatic slicer: the one under test cuts the stream
    (s, p)
}

/// The relay delivers the 4-byte header one byte at a time: the tutorial's
/// `struct.unpack('i', recv(4))` crashes.
#[test]
fn the_tutorial_decoder_fails_on_a_split_header_delivered_by_the_relay() {
    let (s, mut p) = header_split_params();
    p.decoder = DecoderKind::Tutorial;
    let opts = RealOptions {
        slicer: slicer("1,0,5"),
        ..Default::default()
    };
    let mut errors = Vec::new();
    for _ in 0..3 {
        errors = decode_errors(&real(&s, &p, &opts).trace);
        if !errors.is_empty() {
            break;
        }
    }
    assert!(
        errors.iter().any(|e| e.starts_with("struct.error")),
        "expected the tutorial's struct.error, got {errors:?}"
    );
}

#[test]
fn the_correct_decoder_reads_the_same_split_header_intact() {
    let (s, mut p) = header_split_params();
    p.decoder = DecoderKind::Correct;
    let opts = RealOptions {
        slicer: slicer("1,0,0.2"),
        ..Default::default()
    };
    let out = real(&s, &p, &opts);
    let r = analysis::analyze(&out.trace);
    assert_eq!(r.summary.messages_intact, 2, "{:?}", out.notes);
    assert!(decode_errors(&out.trace).is_empty());
}

/// 08 as written (mss = 3, below Linux's minimum): realnet slices the stream instead,
/// and says so.
#[test]
fn an_mss_below_the_kernel_minimum_becomes_slices_with_a_note() {
    let s = scenario::find_builtin("08").unwrap();
    let out = real(&s, &s.params, &RealOptions::default());
    assert!(
        out.notes
            .iter()
            .any(|n| n.contains("below the smallest TCP_MAXSEG")),
        "{:?}",
        out.notes
    );
    assert!(
        out.trace
            .events
            .iter()
            .any(|e| matches!(e.kind, EventKind::Slice { len: 3 }))
    );
}

#[test]
fn udp_truncation_is_detected_and_counted() {
    let s = scenario::find_builtin("09").unwrap();
    assert_eq!(s.params.transport, Transport::Udp);
    let out = real(&s, &s.params, &RealOptions::default());
    let t = &out.trace;
    let truncated: Vec<(usize, usize)> = t
        .events
        .iter()
        .filter_map(|e| match e.kind {
            EventKind::Truncated { len, kept } => Some((len, kept)),
            _ => None,
        })
        .collect();
    let model = analysis::analyze(&sim(&s, &s.params));
    let r = analysis::analyze(t);
    assert!(!truncated.is_empty(), "no truncation reported");
    assert!(truncated.iter().all(|&(len, kept)| len > kept));
    assert_eq!(
        r.summary.bytes_lost, model.summary.bytes_lost,
        "lost bytes counted, as in the model"
    );
    assert_eq!(invariant_metrics(&r), invariant_metrics(&model));
    // Datagrams never merge: each recv result holds one message.
    for rr in analysis::recv_results(t) {
        assert!(
            rr.messages.len() <= 1,
            "a recv returned bytes of two datagrams"
        );
    }
}

#[test]
fn udp_request_response_matches_the_model() {
    let s = scenario::find_builtin("10").unwrap();
    let out = real(&s, &s.params, &RealOptions::default());
    let r = analysis::analyze(&out.trace);
    let model = analysis::analyze(&sim(&s, &s.params));
    assert_eq!(
        invariant_metrics(&r),
        invariant_metrics(&model),
        "{:?}",
        out.notes
    );
}

/// Every built-in scenario runs on real sockets, and the bytes add up.
#[test]
fn every_builtin_scenario_runs_real() {
    let jobs: Vec<_> = scenario::builtin()
        .into_iter()
        .map(|s| {
            std::thread::spawn(move || (realnet::run(&s, &s.params, &RealOptions::default()), s))
        })
        .collect();
    for j in jobs {
        let (out, s) = j.join().unwrap();
        let out = out.unwrap_or_else(|e| panic!("{}: {e}", s.name));
        let r = analysis::analyze(&out.trace);
        for d in [
            &r.directions.client_to_server,
            &r.directions.server_to_client,
        ] {
            assert!(
                d.bytes_delivered <= d.bytes_sent,
                "{}: more bytes out than in",
                s.name
            );
        }
        assert!(!out.stopped);
    }
}

// ---- the trace itself ------------------------------------------------------------------------

/// Events come over the channel while the run is in progress, and the collected trace
/// holds exactly what was streamed.
#[test]
fn events_stream_while_the_run_is_in_progress() {
    let s = scenario::find_builtin("04").unwrap();
    let run = realnet::start(&s, &s.params, &RealOptions::default()).unwrap();
    let mut streamed = Vec::new();
    let mut first_before_end = false;
    let outcome = loop {
        match run
            .updates()
            .recv_timeout(Duration::from_secs(30))
            .expect("an update")
        {
            Update::Event(e, _) => {
                first_before_end |= streamed.is_empty();
                streamed.push(e);
            }
            Update::Message(_) | Update::Note(_) => {}
            Update::Finished(r) => break r.expect("run"),
        }
    };
    assert!(first_before_end);
    assert_eq!(streamed, outcome.trace.events);
    let times: Vec<u64> = streamed.iter().map(|e| e.t_us).collect();
    assert!(
        times.windows(2).all(|w| w[0] <= w[1]),
        "timestamps are monotonic"
    );
    assert!(run.collect().is_err(), "Finished was already taken");
}

/// A live view polls without blocking and ends with the complete trace.
#[test]
fn a_live_trace_fills_while_polling_and_ends_complete() {
    let s = scenario::find_builtin("02").unwrap();
    let run = realnet::start(&s, &s.params, &RealOptions::default()).unwrap();
    let mut live = realnet::LiveTrace::new(&s, &s.params);
    let deadline = Instant::now() + Duration::from_secs(30);
    while live.finished.is_none() && Instant::now() < deadline {
        run.poll_into(&mut live);
        std::thread::sleep(Duration::from_millis(5));
    }
    assert_eq!(live.finished, Some(Ok(false)));
    let r = analysis::analyze(&live.trace);
    assert_eq!(r.summary.messages_intact, r.summary.messages_sent);
    assert!(run.is_finished() || run.collect().is_err());
}

/// Every byte a recv returned is attributed to the message it belongs to, and no read
/// appears before the write that produced its bytes.
#[test]
fn recv_chunks_carry_message_spans_and_follow_their_writes() {
    let s = scenario::find_builtin("05").unwrap();
    let out = real(
        &s,
        &s.params,
        &RealOptions {
            slicer: slicer("7,6,0"),
            ..Default::default()
        },
    );
    let t = &out.trace;
    for rr in analysis::recv_results(t) {
        let covered: u64 = rr.spans.iter().map(|sp| sp.end - sp.start).sum();
        assert_eq!(
            covered,
            rr.data.len() as u64,
            "every byte belongs to a message"
        );
    }
    let mut written = [0u64; 2];
    for e in &t.events {
        let Some(c) = &e.chunk else { continue };
        match e.kind {
            EventKind::SendBufWrite { .. } => written[c.dir.index()] = c.end(),
            EventKind::AppReturn { .. } | EventKind::Slice { .. } => {
                assert!(
                    c.end() <= written[c.dir.index()],
                    "read before write at {e:?}"
                );
            }
            _ => {}
        }
    }
}

// ---- faults ---------------------------------------------------------------------------------

/// The client announces a 1025-byte body, sends 8 bytes of it and closes.
#[test]
fn a_peer_that_closes_mid_frame_is_reported_with_byte_counts() {
    let s = inline(
        r#"
[meta]
title = "closes mid-frame"
[params]
framing = "length-prefix"
[[client]]
send = { hex = "01040000" }
[[client]]
send = "12345678"
[[client]]
close = true
[[server]]
recv_message = 1024
"#,
    );
    let out = real(&s, &s.params, &RealOptions::default());
    assert_eq!(
        decode_errors(&out.trace),
        vec!["peer closed after 12 of 1029 bytes of frame 1".to_string()]
    );
    assert!(
        out.notes
            .iter()
            .any(|n| n.contains("peer closed after 12 of 1029 bytes"))
    );
}

/// The server closes with unread data: Linux answers with RST, and the client's next
/// call raises ConnectionResetError, the same event the model gives.
#[test]
fn a_reset_is_an_event_and_a_note() {
    let s = inline(
        r#"
[meta]
title = "reset"
[[client]]
send = { size = 100 }
[[client]]
sleep_ms = 150
[[client]]
recv = 1024
[[server]]
sleep_ms = 50
[[server]]
close = true
"#,
    );
    let out = real(&s, &s.params, &RealOptions::default());
    let raised: Vec<_> = events(&out.trace, Side::Client)
        .filter(|k| matches!(k, EventKind::Exception { .. }))
        .cloned()
        .collect();
    assert_eq!(
        raised,
        vec![EventKind::Exception {
            line: 2,
            exc: stickysim::trace::PyExc::ConnectionReset
        }]
    );
    let sim = stickysim::model::run(&s, &s.params).unwrap();
    let sim_raised: Vec<_> = events(&sim, Side::Client)
        .filter(|k| matches!(k, EventKind::Exception { .. }))
        .cloned()
        .collect();
    assert_eq!(sim_raised, raised, "the model predicts the same exception");
    assert!(out.notes.iter().any(|n| n.contains("reset")));
    assert!(matches!(
        events(&out.trace, Side::Client).last(),
        Some(EventKind::ProgramEnd)
    ));
}

#[test]
fn a_port_in_use_is_a_clear_error() {
    let taken = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
    let port = taken.local_addr().unwrap().port();
    let s = scenario::find_builtin("01").unwrap();
    let err = realnet::run(
        &s,
        &s.params,
        &RealOptions {
            port,
            ..Default::default()
        },
    )
    .unwrap_err();
    assert!(matches!(err, RealError::AddrInUse { .. }), "{err:?}");
    assert!(err.to_string().contains("already in use"), "{err}");
}

#[test]
fn a_refused_connection_is_an_event() {
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, closed_port()));
    let s = scenario::find_builtin("01").unwrap();
    let out = real(
        &s,
        &s.params,
        &RealOptions {
            connect_to: Some(addr),
            ..Default::default()
        },
    );
    let reasons = blocked_reasons(&out.trace, Side::Client);
    assert!(reasons.iter().any(|r| r.contains("refused")), "{reasons:?}");
}

/// Both programs wait in recv for each other: the run ends as "blocked forever" (as the
/// model reports it) instead of hanging.
#[test]
fn a_deadlock_ends_as_blocked_forever() {
    let s = inline(
        r#"
[meta]
title = "both wait"
[[client]]
recv = 1024
[[server]]
recv = 1024
"#,
    );
    let out = real(
        &s,
        &s.params,
        &RealOptions {
            io_timeout: Some(Duration::from_secs(60)),
            ..Default::default()
        },
    );
    let forever = out
        .notes
        .iter()
        .filter(|n| n.contains("blocked forever"))
        .count();
    assert_eq!(forever, 2, "{:?}", out.notes);
    assert!(model::Sim::new(&s, &s.params).is_ok());
}

/// An outside server that accepts and never answers: the client's recv gives up after
/// the I/O timeout with an event.
#[test]
fn a_stuck_peer_cannot_freeze_a_run() {
    let stuck = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
    let addr = stuck.local_addr().unwrap();
    let s = scenario::find_builtin("01").unwrap();
    let opts = RealOptions {
        connect_to: Some(addr),
        io_timeout: Some(Duration::from_millis(500)),
        ..Default::default()
    };
    let out = real(&s, &s.params, &opts);
    let reasons = blocked_reasons(&out.trace, Side::Client);
    assert!(
        reasons.iter().any(|r| r.contains("no progress")),
        "{reasons:?}"
    );
    drop(stuck);
}

#[test]
fn stop_ends_a_run_promptly() {
    let s = inline(
        r#"
[meta]
title = "long sleeps"
[[client]]
sleep_ms = 30000
[[server]]
recv = 10
"#,
    );
    let run = realnet::start(&s, &s.params, &RealOptions::default()).unwrap();
    std::thread::sleep(Duration::from_millis(100));
    let t0 = Instant::now();
    run.stop();
    let out = run.collect().unwrap();
    // The requirement is one second; the bound is generous for a loaded machine.
    assert!(
        t0.elapsed() < Duration::from_secs(5),
        "stop took {:?}",
        t0.elapsed()
    );
    assert!(out.stopped);
}

#[test]
fn framing_on_udp_and_a_slicer_on_udp_are_refused_up_front() {
    let s = scenario::find_builtin("09").unwrap();
    let mut p = s.params.clone();
    p.framing = Framing::LengthPrefix;
    assert!(matches!(
        realnet::start(&s, &p, &RealOptions::default()),
        Err(RealError::FramingOnUdp(_))
    ));
    let opts = RealOptions {
        slicer: slicer("1,0,0"),
        ..Default::default()
    };
    assert!(matches!(
        realnet::start(&s, &s.params, &opts),
        Err(RealError::SlicerOnUdp)
    ));
}

#[test]
fn slicer_specs_parse_and_bad_ones_say_why() {
    let s: SlicerSpec = "1,0,1".parse().unwrap();
    assert_eq!((s.avg, s.var, s.delay), (1, 0, Duration::from_millis(1)));
    let s: SlicerSpec = "10, 5, 500us".parse().unwrap();
    assert_eq!((s.range(), s.delay), ((5, 15), Duration::from_micros(500)));
    assert_eq!("4,9,0".parse::<SlicerSpec>().unwrap().range(), (1, 13));
    for bad in [
        "",
        "1,2",
        "0,0,1",
        "a,0,1",
        "1,0,-1",
        "1,0,x",
        "70000,0,0",
        "1,0,20000",
    ] {
        let e = bad.parse::<SlicerSpec>().unwrap_err();
        assert!(e.contains(&format!("`{bad}`")), "{bad}: {e}");
    }
}

// ---- the command line --------------------------------------------------------------------

fn stickysim(args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_stickysim"))
        .args(args)
        .output()
        .expect("run stickysim")
}

#[test]
fn cli_run_real_prints_the_same_report_with_mode_real() {
    let out = stickysim(&["run", "04", "--real", "--json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["mode"], "real");
    assert_eq!(v["summary"]["bytes_delivered"], 10);
    assert!(v["notes"].is_array());
    let text = stickysim(&["run", "01", "--slicer", "1,0,0"]);
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(text.contains("mode real"), "{text}");
    assert!(
        text.contains("note: slicer relay between the programs: slices of 1..=1 bytes"),
        "{text}"
    );
}

#[test]
fn cli_run_both_prints_both_metric_sets() {
    let out = stickysim(&["run", "09", "--both"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    for want in [
        "== simulated ==",
        "== real loopback ==",
        "verdict (simulated):",
        "verdict (real loopback):",
    ] {
        assert!(text.contains(want), "{want} missing:\n{text}");
    }
    assert!(
        text.lines()
            .any(|l| l.starts_with("bytes_lost") && l.split_whitespace().nth(2) == Some("1976")),
        "{text}"
    );
    let out = stickysim(&["run", "04", "--both", "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        (v["sim"]["mode"].as_str(), v["real"]["mode"].as_str()),
        (Some("sim"), Some("real"))
    );
}

#[test]
fn cli_errors_are_messages_not_panics() {
    let taken = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    for (args, want) in [
        (vec!["serve", "--port", port.as_str()], "already in use"),
        (
            vec!["run", "04", "--slicer", "0,0,1"],
            "A must be 1 to 65536 bytes",
        ),
        (
            vec!["run", "09", "--slicer", "1,0,1"],
            "the slicer relay cuts a TCP byte stream",
        ),
        (
            vec![
                "serve",
                "--app",
                "udp-echo",
                "--framing",
                "length-prefix",
                "--port",
                "0",
            ],
            "UDP keeps each datagram whole",
        ),
    ] {
        let out = stickysim(&args);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{args:?} succeeded");
        assert!(err.contains(want), "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{args:?}: {err}");
    }
}

/// Issue 12: a real run has a trace budget like the model's: reaching it stops the run
/// with a note that says why, and the recorded events stay within the budget.
#[test]
fn a_real_run_stops_at_its_trace_budget() {
    let s = inline(
        "[meta]\ntitle = \"many small sends\"\n\
         [[client]]\nsend = \"ab\"\nrepeat = 5000\n\
         [[server]]\nrecv = 1\nrepeat = 10000\n",
    );
    let opts = RealOptions {
        max_events: Some(500),
        ..Default::default()
    };
    let out = real(&s, &s.params, &opts);
    assert!(
        out.trace.events.len() <= 500 + 64,
        "{} events",
        out.trace.events.len()
    );
    assert!(
        out.notes
            .iter()
            .any(|n| n.contains("trace budget (500 events")),
        "{:?}",
        out.notes
    );
}

/// `line` (escaped, readline) and `fixed` (records that fit) with the correct programs
/// over slices of 1 to 5 bytes: every message intact, as in the model; the naive line
/// reader over the same slices loses no byte, whatever boundaries it gets wrong.
#[test]
fn line_and_fixed_framing_over_the_slicer() {
    let cases = [("18", vec!["escape=true"]), ("19", vec!["record_size=256"])];
    for (n, set) in cases {
        let s = scenario::find_builtin(n).unwrap();
        let mut settings = stickysim::params::Settings::from_params(&s.params);
        for kv in &set {
            let (param, value) = scenario::parse_setting(kv).unwrap();
            settings.insert(param, value);
        }
        let mut p = settings.resolve();
        p.decoder = DecoderKind::Correct;
        let opts = RealOptions {
            slicer: slicer("3,2,0.02"),
            ..Default::default()
        };
        let out = real(&s, &p, &opts);
        let got = analysis::analyze(&out.trace);
        assert_eq!(decode_errors(&out.trace), Vec::<String>::new(), "{n}");
        assert_eq!(got.summary.messages_corrupted, 0, "{n}: {}", got.verdict());
        assert_eq!(
            invariant_metrics(&got),
            invariant_metrics(&analysis::analyze(&sim(&s, &p))),
            "{n}: real vs model; notes {:?}",
            out.notes
        );
    }
    let s = scenario::find_builtin("18").unwrap();
    let p = s.params.clone();
    let out = real(
        &s,
        &p,
        &RealOptions {
            slicer: slicer("3,2,0.02"),
            ..Default::default()
        },
    );
    assert_eq!(analysis::analyze(&out.trace).summary.bytes_lost, 0);
    let delivered: Vec<u8> = out
        .trace
        .events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::Deliver { data, .. } => Some(data.clone()),
            _ => None,
        })
        .flatten()
        .collect();
    let sent: Vec<u8> = out
        .trace
        .messages
        .iter()
        .flat_map(|m| m.data.iter().copied())
        .collect();
    let sent: Vec<u8> = sent.into_iter().filter(|&b| b != b'\n').collect();
    assert!(!delivered.is_empty());
    assert!(
        sent.starts_with(&delivered),
        "{:?} is not the start of {:?}",
        String::from_utf8_lossy(&delivered),
        String::from_utf8_lossy(&sent)
    );
}

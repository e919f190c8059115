use super::*;
use crate::trace::{Call, Event, EventKind, Side, Trace};

/// Builds one side's events the way both producers write them.
struct Script {
    side: Side,
    events: Vec<Event>,
    line: usize,
}

impl Script {
    fn new(side: Side) -> Script {
        Script {
            side,
            events: Vec::new(),
            line: 0,
        }
    }
    fn push(&mut self, t_us: Micros, kind: EventKind) {
        self.events.push(Event {
            t_us,
            side: self.side,
            kind,
            chunk: None,
        });
    }
    /// One action: `call` starts at `from`, and `outcome` happens at `to`.
    fn action(mut self, from: Micros, call: Call, to: Micros, outcome: EventKind) -> Script {
        let line = self.line;
        self.push(from, EventKind::AppCall { line, call });
        self.push(to, outcome);
        self.line += 1;
        self
    }
    /// One action that returns `ret` at `to`.
    fn returns(self, from: Micros, call: Call, to: Micros, ret: usize) -> Script {
        let line = self.line;
        let outcome = EventKind::AppReturn {
            line,
            call: call.clone(),
            ret,
        };
        self.action(from, call, to, outcome)
    }
    /// A recv called at `from` that returned `n` bytes at `to`.
    fn recv(self, from: Micros, to: Micros, n: usize) -> Script {
        self.returns(from, Call::Recv { bufsize: 1024 }, to, n)
    }
    fn send(self, t: Micros, n: usize) -> Script {
        self.returns(t, Call::Send { len: n }, t, n)
    }
    fn sleep(self, from: Micros, ms: f64) -> Script {
        let to = from + (ms * 1000.0) as Micros;
        self.returns(from, Call::Sleep { ms }, to, 0)
    }
    /// A recv called at `from` that failed at `to` with realnet's text.
    fn recv_fails(self, from: Micros, to: Micros, error: &str) -> Script {
        let line = self.line;
        let error = error.to_string();
        let call = Call::Recv { bufsize: 1024 };
        self.action(from, call, to, EventKind::NetError { line, error })
    }
    fn end(mut self, t: Micros) -> Script {
        self.push(t, EventKind::ProgramEnd);
        self
    }
}

fn trace(client: Script, server: Script) -> Trace {
    let mut events: Vec<Event> = client.events.into_iter().chain(server.events).collect();
    events.sort_by_key(|e| e.t_us);
    let mut t = Trace::new("t", crate::trace::TraceMode::Sim, &Params::default());
    t.seed = 1;
    t.events = events;
    t
}

/// Client sends 10 B at 0; server reads late (10 B at 20 ms), then EOF.
fn late_reader(read_at: Micros) -> Observation {
    let c = Script::new(Side::Client).send(0, 5).send(0, 5).end(0);
    let s = Script::new(Side::Server)
        .sleep(0, read_at as f64 / 1000.0)
        .recv(read_at, read_at + 10, 10)
        .recv(read_at + 10, read_at + 20, 0)
        .end(read_at + 20);
    Observation::of(&trace(c, s))
}

#[test]
fn observation_reads_recvs_waits_and_ends() {
    let c = Script::new(Side::Client)
        .send(0, 4)
        .recv(10, 44_010, 8)
        .recv(44_020, 44_030, 0)
        .end(44_030);
    let s = Script::new(Side::Server).recv(0, 5, 4).recv_fails(
        6,
        50_000,
        "connection reset by the peer (RST) in recv(1024)",
    );
    let o = Observation::of(&trace(c, s));
    assert_eq!(o.client.recvs.len(), 2);
    assert_eq!(o.client.recvs[0].bytes, 8);
    assert_eq!(o.client.recvs[0].wait_us, 44_000);
    assert!(o.client.recvs[0].stalled());
    assert!(!o.client.recvs[1].stalled());
    assert_eq!(o.client.end, End::Finished);
    assert_eq!(o.client.compact(), "8* EOF");
    let runs = Script::new(Side::Server)
        .recv(0, 1, 7)
        .recv(1, 2, 7)
        .recv(2, 3, 9)
        .recv(3, 4, 9)
        .recv(4, 5, 9)
        .end(5);
    let o2 = Observation::of(&trace(Script::new(Side::Client).end(0), runs));
    assert_eq!(o2.server.compact(), "7 7 9×3");
    // The failing recv is not a recv result; it is how the program ended.
    assert_eq!(o.server.recvs.len(), 1);
    assert_eq!(
        o.server.end,
        End::Raised {
            exc: Exc::ConnectionReset,
            line: 1
        }
    );
    assert_eq!(o.server.compact(), "4 ConnectionResetError");
    // The reset at 50 ms is the last thing that happened.
    assert_eq!(o.duration_us, 50_000);
}

#[test]
fn a_program_without_an_end_is_stuck_and_sleeps_do_not_count_as_duration() {
    let c = Script::new(Side::Client)
        .send(0, 1)
        .sleep(0, 500.0)
        .end(500_000);
    let s = Script::new(Side::Server).recv(0, 20, 1);
    let o = Observation::of(&trace(c, s));
    assert_eq!(o.server.end, End::Stuck);
    assert_eq!(o.client.end, End::Finished);
    assert_eq!(o.duration_us, 20);
}

#[test]
fn realnet_texts_classify_as_python_exceptions() {
    let cases = [
        (
            "connection reset by the peer (RST) in recv(1024)",
            Exc::ConnectionReset,
        ),
        (
            "broken pipe: the peer has closed (EPIPE) in send(10 B)",
            Exc::BrokenPipe,
        ),
        // Python's class names, as a trace's exception event carries them.
        ("ConnectionResetError", Exc::ConnectionReset),
        ("BrokenPipeError", Exc::BrokenPipe),
        ("TimeoutError", Exc::Timeout),
        ("BlockingIOError", Exc::BlockingIo),
        ("timed out in send(50000 B)", Exc::Timeout),
        (
            "BlockingIOError: [Errno 11] Resource temporarily unavailable",
            Exc::BlockingIo,
        ),
    ];
    for (text, exc) in cases {
        assert_eq!(Exc::classify(text), exc, "{text}");
    }
    assert!(matches!(Exc::classify("error: weird"), Exc::Other(_)));
    // A real run that gives up on a deadlock is "stuck", as the model says.
    let s = Script::new(Side::Server).recv_fails(
        0,
        10,
        "blocked forever in recv(1024): nothing more will arrive (the peer waits too, or has ended)",
    );
    let o = Observation::of(&trace(Script::new(Side::Client).end(0), s));
    assert_eq!(o.server.end, End::Stuck);
}

#[test]
fn decoder_errors_are_named_by_their_exception_not_their_numbers() {
    assert_eq!(
        decode_name("struct.error: unpack requires a buffer of 4 bytes"),
        "struct.error"
    );
    assert_eq!(
        decode_name("frame body of 779314548 bytes is over max_frame (8388608 bytes)"),
        "DecodeError"
    );
    let mut a = Script::new(Side::Client);
    a.push(
        7,
        EventKind::DecodeError {
            line: 0,
            error: "frame body of 1 bytes is over max_frame (0 bytes)".into(),
        },
    );
    let mut b = Script::new(Side::Client);
    b.push(
        9,
        EventKind::DecodeError {
            line: 0,
            error: "frame body of 2 bytes is over max_frame (0 bytes)".into(),
        },
    );
    let s = || Script::new(Side::Server).end(0);
    let (oa, ob) = (
        Observation::of(&trace(a, s())),
        Observation::of(&trace(b, s())),
    );
    assert_eq!(first_difference(&oa, &ob), None);
}

#[test]
fn same_results_within_the_margin_agree() {
    let model = late_reader(20_000);
    let real = late_reader(20_000 + DURATION_MARGIN_US - 1);
    assert_eq!(first_difference(&model, &real), None);
    let r = judge("x", "x", model, &[real.clone(), real.clone(), real]);
    assert!(r.agree);
    assert!(r.real.unanimous());
}

#[test]
fn durations_beyond_the_margin_differ() {
    let model = late_reader(20_000);
    let real = late_reader(20_000 + DURATION_MARGIN_US + 100);
    let d = first_difference(&model, &real).unwrap();
    assert_eq!(
        d,
        Difference::Duration {
            model_us: 20_020,
            real_us: 30_120
        }
    );
    assert!(d.describe().contains("duration"), "{}", d.describe());
}

#[test]
fn a_different_count_is_named_with_side_and_recv_number() {
    let model = late_reader(20_000);
    let c = Script::new(Side::Client).send(0, 5).send(0, 5).end(0);
    let s = Script::new(Side::Server)
        .recv(0, 10, 5)
        .recv(10, 20, 5)
        .recv(20, 30, 0)
        .end(30);
    let real = Observation::of(&trace(c, s));
    let d = first_difference(&model, &real).unwrap();
    assert_eq!(
        d,
        Difference::RecvBytes {
            side: Side::Server,
            n: 1,
            model: 10,
            real: 5
        }
    );
    assert_eq!(d.describe(), "server recv #1: model 10 B, kernel 5 B");
}

#[test]
fn a_stall_in_one_world_only_is_named() {
    let run = |wait: Micros| {
        let c = Script::new(Side::Client).send(0, 4).end(0);
        let s = Script::new(Side::Server)
            .recv(0, 5, 4)
            .recv(5, 5 + wait, 4)
            .end(5 + wait);
        Observation::of(&trace(c, s))
    };
    let d = first_difference(&run(40_000), &run(100)).unwrap();
    assert_eq!(
        d,
        Difference::Stall {
            side: Side::Server,
            n: 2,
            model_wait_us: 40_000,
            real_wait_us: 100
        }
    );
    assert!(d.describe().contains("stalls in the model only"));
    // 29.9 ms against 0.1 ms: neither is a stall, and 30 ms apart is the duration's
    // business, not the stall's.
    assert!(!matches!(
        first_difference(&run(STALL_US - 100), &run(100)),
        Some(Difference::Stall { .. })
    ));
}

#[test]
fn a_reset_against_an_eof_is_named_with_both_ends() {
    // The model: b'' then the end; the kernel: ConnectionResetError instead.
    let c = || Script::new(Side::Client).send(0, 100).end(0);
    let model = Observation::of(&trace(
        c(),
        Script::new(Side::Server)
            .recv(0, 5, 100)
            .recv(5, 6, 0)
            .end(6),
    ));
    let real = Observation::of(&trace(
        c(),
        Script::new(Side::Server).recv(0, 5, 100).recv_fails(
            5,
            6,
            "connection reset by the peer (RST) in recv(1024)",
        ),
    ));
    let d = first_difference(&model, &real).unwrap();
    match &d {
        Difference::RecvCount {
            side,
            n,
            model,
            real,
            real_end,
            ..
        } => {
            assert_eq!((*side, *n, *model, *real), (Side::Server, 2, 2, 1));
            assert_eq!(
                real_end,
                &End::Raised {
                    exc: Exc::ConnectionReset,
                    line: 1
                }
            );
        }
        other => panic!("{other:?}"),
    }
    assert!(
        d.describe().contains("ConnectionResetError"),
        "{}",
        d.describe()
    );
}

#[test]
fn the_earlier_difference_wins() {
    // Client differs at 50 ms, server at 10 ms: the server's is named.
    let make = |c_bytes: usize, s_bytes: usize| {
        let c = Script::new(Side::Client)
            .recv(0, 50_000, c_bytes)
            .end(50_000);
        let s = Script::new(Side::Server)
            .recv(0, 10_000, s_bytes)
            .end(10_000);
        Observation::of(&trace(c, s))
    };
    let d = first_difference(&make(1, 1), &make(2, 2)).unwrap();
    assert!(matches!(
        d,
        Difference::RecvBytes {
            side: Side::Server,
            ..
        }
    ));
}

#[test]
fn majority_takes_the_largest_group_and_its_shortest_duration() {
    let a1 = late_reader(20_000);
    let a2 = late_reader(25_000);
    let a3 = late_reader(22_000);
    let odd = {
        let c = Script::new(Side::Client).send(0, 5).send(0, 5).end(0);
        let s = Script::new(Side::Server)
            .recv(0, 10, 5)
            .recv(10, 20, 5)
            .recv(20, 30, 0)
            .end(30);
        Observation::of(&trace(c, s))
    };
    let m = majority(&[a1, odd.clone(), a2, a3]).unwrap();
    assert_eq!((m.agreeing, m.runs), (3, 4));
    assert!(!m.unanimous());
    assert_eq!(m.result.duration_us, 20_020);
    assert_eq!(m.others.len(), 1);
    assert_eq!(m.others[0].1, 1);
    assert_eq!(m.others[0].0.server.recvs.len(), 3);
    // A tie goes to the result seen first.
    let t = majority(&[odd.clone(), late_reader(1)]).unwrap();
    assert_eq!(t.result.server.recvs.len(), 3);
    assert!(majority(&[]).is_none());
}

#[test]
fn no_real_runs_is_not_agreement() {
    let r = judge("x", "x", late_reader(1), &[]);
    assert!(!r.agree);
}

#[test]
fn reports_render_as_text_and_json() {
    let model = late_reader(20_000);
    let real = late_reader(60_000);
    let reports = vec![
        judge("same", "Same", model.clone(), std::slice::from_ref(&model)),
        judge("late", "Late", model, &[real]),
    ];
    let text = render_text(&reports);
    assert!(text.contains("agree   same"), "{text}");
    assert!(text.contains("DIFFER  late"), "{text}");
    assert!(text.contains("server: 10 EOF"), "{text}");
    assert!(text.contains("1 of 2 cases agree"), "{text}");
    let md = render_markdown(&reports);
    assert!(
        md.contains("| same | yes | `-` / `10 EOF` (20.0 ms) |"),
        "{md}"
    );
    assert!(md.contains("| late | **no** |"), "{md}");
    assert!(md.contains("(60.0 ms, 1/1) | duration"), "{md}");
    assert!(md.contains("1 of 2 cases agree."), "{md}");
    let j = render_json(&reports);
    assert_eq!(j["agree"], 1);
    assert_eq!(j["total"], 2);
    assert_eq!(j["cases"][1]["agree"], false);
    assert_eq!(j["cases"][1]["difference"]["what"], "duration");
    assert!(
        j["cases"][1]["difference_text"]
            .as_str()
            .unwrap()
            .contains("duration")
    );
}

#[test]
fn both_worlds_run_linux_on_loopback_unless_the_case_chose_a_link() {
    use crate::params::{Link, Stack};
    let s = crate::scenario::find_builtin("04").unwrap();
    let (model, real) = case_params(&s);
    assert_eq!((model.stack, model.link), (Stack::Linux, Link::Loopback));
    assert!(model.latency_ms < 0.1);
    // The real runs see the same parameters: realnet then leaves loopback's MSS and
    // buffers to the kernel.
    assert_eq!(real, model);
    let lan = crate::scenario::parse(
        "[meta]\ntitle = \"t\"\n[params]\nlink = \"lan\"\n[[client]]\nsend = \"x\"\n",
        "t.toml",
    )
    .unwrap();
    assert_eq!(case_params(&lan).0.link, Link::Lan);
    assert_eq!(stack_note(&s), None);
}

#[test]
fn a_windows_case_is_compared_on_the_linux_stack_and_says_so() {
    use crate::params::Stack;
    let s = crate::scenario::find_builtin("17").unwrap();
    assert_eq!(
        s.settings.resolve().stack,
        Stack::Windows,
        "17 teaches Windows"
    );
    let (model, real) = case_params(&s);
    assert_eq!(model.stack, Stack::Linux);
    assert_eq!(
        model.delayed_ack_ms, 40.0,
        "Linux's timer, not Windows' 200 ms"
    );
    assert_eq!(real, model);
    assert!(stack_note(&s).unwrap().contains("windows stack"));
}

//! The built-in scenarios: each one shows what the table in `docs/design.md` says it
//! exists to show, under every framing where that applies, through the public API the
//! CLI uses.
//!
//! Sizes and expected byte counts are derived from the scenario's own steps and
//! parameters wherever possible, so editing a scenario's data keeps these tests honest.

use std::path::Path;

use md5::{Digest, Md5};
use stickysim::analysis::{self, Delivery, Metrics};
use stickysim::cli::{self, CliError, Overrides, Run};
use stickysim::model::ModelError;
use stickysim::params::{DecoderKind, Framing, HeaderWrites, Stack, Transport};
use stickysim::scenario::{self, Action, Scenario};
use stickysim::trace::{AckReason, Call, Dir, Event, EventKind, Side};

const FRAMINGS: [Framing; 3] = [Framing::Raw, Framing::LengthPrefix, Framing::JsonHeader];
/// Every framing, for the tests that only check a run is sound.
const ALL_FRAMINGS: [Framing; 5] = [
    Framing::Raw,
    Framing::LengthPrefix,
    Framing::JsonHeader,
    Framing::Line,
    Framing::Fixed,
];
const FRAMED: [Framing; 2] = [Framing::LengthPrefix, Framing::JsonHeader];
const DECODERS: [DecoderKind; 2] = [DecoderKind::Correct, DecoderKind::Tutorial];
const C2S: Dir = Dir::ClientToServer;
const S2C: Dir = Dir::ServerToClient;

// ---- helpers ------------------------------------------------------------------------

fn builtin(key: &str) -> Scenario {
    scenario::find_builtin(key).unwrap_or_else(|| panic!("no built-in scenario {key}"))
}

fn try_run(s: &Scenario, ov: &Overrides) -> Result<Run, CliError> {
    let params = ov.apply(&s.params)?;
    cli::run_sim(s, &params)
}

fn run(key: &str, ov: Overrides) -> Run {
    let s = builtin(key);
    try_run(&s, &ov).unwrap_or_else(|e| panic!("{key} with {ov:?}: {e}"))
}

fn framing(f: Framing) -> Overrides {
    Overrides {
        framing: Some(f),
        ..Default::default()
    }
}

/// A built-in with this framing on this stack.
fn run_on(key: &str, f: Framing, stack: Stack) -> Run {
    run(
        key,
        Overrides {
            framing: Some(f),
            stack: Some(stack),
            ..Default::default()
        },
    )
}

fn framing_decoder(f: Framing, d: DecoderKind) -> Overrides {
    Overrides {
        framing: Some(f),
        decoder: Some(d),
        ..Default::default()
    }
}

fn set(kv: &[&str]) -> Vec<String> {
    kv.iter().map(|s| s.to_string()).collect()
}

fn dir(run: &Run, d: Dir) -> &Metrics {
    run.report.direction(d)
}

/// Deliveries in one direction, in order.
fn delivered(run: &Run, d: Dir) -> Vec<Delivery> {
    analysis::deliveries(&run.trace)
        .into_iter()
        .filter(|x| x.dir == d)
        .collect()
}

fn events<'a>(
    run: &'a Run,
    pred: impl Fn(&Event) -> bool + 'a,
) -> impl Iterator<Item = &'a Event> + 'a {
    run.trace.events.iter().filter(move |e| pred(e))
}

fn decode_errors(run: &Run) -> Vec<(Side, String)> {
    run.trace
        .events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::DecodeError { error, .. } => Some((e.side, error.clone())),
            _ => None,
        })
        .collect()
}

fn frame_headers(run: &Run) -> Vec<(String, String)> {
    run.trace
        .events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::FrameHeader { header, .. } => {
                Some((header.json.clone(), header.md5.clone()))
            }
            _ => None,
        })
        .collect()
}

fn md5_hex(data: &[u8]) -> String {
    Md5::digest(data)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Every message of the run was delivered intact, in both directions.
fn assert_all_intact(run: &Run, what: &str) {
    let m = &run.report.summary;
    assert!(m.messages_sent > 0, "{what}: nothing was sent");
    assert_eq!(
        (m.messages_intact, m.messages_corrupted, m.messages_missing),
        (m.messages_sent, 0, 0),
        "{what}: {}",
        run.report.verdict()
    );
    assert_eq!(m.bytes_lost, 0, "{what}: {}", run.report.verdict());
    assert!(run.stuck.is_empty(), "{what}: {:?}", run.stuck);
}

/// The data of every `send_message` / `send` / `sendall` step of one side, in order.
fn step_data(steps: &[scenario::Step]) -> Vec<Vec<u8>> {
    steps
        .iter()
        .filter_map(|s| match &s.action {
            Action::Send(d) | Action::Sendall(d) | Action::SendMessage(d) => Some(d.to_vec()),
            _ => None,
        })
        .collect()
}

fn first_recv_bufsize(steps: &[scenario::Step]) -> usize {
    steps
        .iter()
        .find_map(|s| match s.action {
            Action::Recv(n) | Action::RecvMessage(n) => Some(n as usize),
            _ => None,
        })
        .expect("a recv step")
}

fn is_udp(s: &Scenario) -> bool {
    s.params.transport == Transport::Udp
}

// ---- the scenario files -------------------------------------------------------------

/// `stickysim check scenarios`: every file in scenarios/ parses with no error, and the
/// built-in copies embedded in the binary are exactly those files.
#[test]
fn every_scenario_file_parses() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    assert_eq!(files.len(), 19, "{files:?}");
    assert_eq!(files.len(), scenario::BUILTIN.len());
    for (path, (name, text)) in files.iter().zip(scenario::BUILTIN) {
        let bytes = std::fs::read(path).unwrap();
        let file = path.file_name().unwrap().to_str().unwrap();
        assert_eq!(file, *name, "built-in list is in file order");
        assert_eq!(bytes, text.as_bytes(), "{file}: the embedded copy is stale");
        let s =
            scenario::parse_bytes_all(&bytes, &path.display().to_string()).unwrap_or_else(|errs| {
                panic!(
                    "{file}: {}",
                    errs.iter()
                        .map(|e| e.to_string())
                        .collect::<Vec<_>>()
                        .join("\n")
                )
            });
        assert!(
            !s.title.en.is_empty() && !s.title.zh.is_empty(),
            "{file}: title in both languages"
        );
        let summary = s
            .summary
            .as_ref()
            .unwrap_or_else(|| panic!("{file}: no summary"));
        assert!(
            !summary.en.is_empty() && !summary.zh.is_empty(),
            "{file}: summary in both languages"
        );
        assert!(
            !s.client.is_empty() && !s.server.is_empty(),
            "{file}: both programs do something"
        );
        assert!(
            s.client
                .iter()
                .chain(s.server.iter())
                .any(|st| st.note.is_some()),
            "{file}: has narration"
        );
    }
    // Numbered 01..19 in tutorial order.
    let numbers: Vec<u32> = scenario::builtin()
        .iter()
        .map(|s| s.number().unwrap())
        .collect();
    assert_eq!(numbers, (1..=19).collect::<Vec<_>>());
}

/// Every scenario runs under every framing that applies, both decoders and both header
/// write modes, without panicking; UDP scenarios refuse a framed mode with a clear error.
#[test]
fn every_scenario_runs_in_every_applicable_mode() {
    for s in scenario::builtin() {
        for f in ALL_FRAMINGS {
            for d in DECODERS {
                for h in [HeaderWrites::Combined, HeaderWrites::Separate] {
                    let ov = Overrides {
                        framing: Some(f),
                        decoder: Some(d),
                        header_writes: Some(h),
                        ..Default::default()
                    };
                    let what = format!("{} {f:?} {d:?} {h:?}", s.name);
                    match try_run(&s, &ov) {
                        Ok(run) => {
                            assert!(
                                !(is_udp(&s) && f != Framing::Raw),
                                "{what}: UDP accepted a framing"
                            );
                            assert_eq!(run.report, analysis::analyze(&run.trace), "{what}");
                            let m = &run.report.summary;
                            assert!(
                                m.messages_intact + m.messages_corrupted + m.messages_missing
                                    >= m.messages_sent,
                                "{what}"
                            );
                            assert!(m.messages_sent > 0, "{what}");
                            assert!(m.recv_calls > 0, "{what}");
                        }
                        Err(CliError::Model(ModelError::FramingOnUdp(name))) => {
                            assert!(is_udp(&s) && f != Framing::Raw, "{what}: refused");
                            assert!(!name.is_empty());
                        }
                        Err(e) => panic!("{what}: {e}"),
                    }
                }
            }
        }
    }
}

/// Same scenario, parameters and seed: byte-identical JSON report, events included.
#[test]
fn runs_are_deterministic() {
    for s in scenario::builtin() {
        let framings: &[Framing] = if is_udp(&s) {
            &[Framing::Raw]
        } else {
            &ALL_FRAMINGS
        };
        for &f in framings {
            let json = || {
                let run = try_run(&s, &framing(f)).unwrap();
                serde_json::to_string(&cli::render_json(&run)).unwrap()
            };
            let (a, b) = (json(), json());
            assert!(a == b, "{} {f:?}: two runs differ", s.name);
        }
    }
    // With random loss, the seed decides, and the same seed decides the same way.
    let lossy = |seed| {
        let ov = Overrides {
            seed: Some(seed),
            set: set(&["loss=0.3"]),
            ..Default::default()
        };
        serde_json::to_string(&cli::render_json(&run("10", ov))).unwrap()
    };
    assert_eq!(lossy(12), lossy(12));
    assert_ne!(
        lossy(1),
        lossy(12),
        "the seed changes which datagram is lost"
    );
}

// ---- one test per scenario -----------------------------------------------------------

/// 01: one message each way; nothing glues; one segment each way.
#[test]
fn s01_first_round_trip_nothing_glues() {
    for f in FRAMINGS {
        let run = run("01", framing(f));
        let what = format!("01 {f:?}");
        assert_all_intact(&run, &what);
        let m = &run.report.summary;
        assert_eq!((m.sticky_reads, m.split_messages), (0, 0), "{what}");
        for d in Dir::BOTH {
            assert_eq!(dir(&run, d).messages_sent, 1, "{what}");
            assert_eq!(
                dir(&run, d).segments,
                1,
                "{what} {d:?}: one segment each way"
            );
        }
        assert_eq!(delivered(&run, C2S)[0].data, b"hello");
        assert_eq!(delivered(&run, S2C)[0].data, b"HELLO");
        // The reply carries the ACK for 'hello': the server never sends a pure ACK for
        // data, and no delayed-ACK timer fires.
        assert_eq!(
            events(&run, |e| matches!(e.kind, EventKind::DelayedAckFire)).count(),
            0,
            "{what}"
        );
    }
}

/// 02: three request/reply turns on one connection, all intact, all ACKs piggybacked.
#[test]
fn s02_communication_loop_several_turns_intact() {
    for f in FRAMINGS {
        let run = run("02", framing(f));
        let what = format!("02 {f:?}");
        assert_all_intact(&run, &what);
        assert_eq!(run.report.summary.sticky_reads, 0, "{what}");
        let s = builtin("02");
        for (d, steps) in [(C2S, &s.client), (S2C, &s.server)] {
            let want = step_data(steps);
            assert_eq!(want.len(), 3, "three turns");
            let got: Vec<Vec<u8>> = delivered(&run, d).into_iter().map(|x| x.data).collect();
            assert_eq!(got, want, "{what} {d:?}");
        }
        // No ACK waits for the timer: on Linux the first requests get quick ACKs, the
        // rest ride on the replies; on Windows every pure ACK is for a FIN.
        let reasons = |run: &Run| -> Vec<AckReason> {
            run.trace
                .events
                .iter()
                .filter_map(|e| match e.kind {
                    EventKind::AckTx { reason, .. } => Some(reason),
                    _ => None,
                })
                .collect()
        };
        let linux = reasons(&run);
        assert!(
            !linux.is_empty() && !linux.contains(&AckReason::Timer),
            "{what}: {linux:?}"
        );
        let windows = run_on("02", f, Stack::Windows);
        let windows = reasons(&windows);
        assert!(
            !windows.is_empty() && windows.iter().all(|r| *r == AckReason::Fin),
            "{what} windows: {windows:?}"
        );
        // The server's last recv sees the client's close as EOF (raw: a recv returning 0).
        let last = analysis::recv_results(&run.trace)
            .into_iter()
            .rfind(|r| r.side == Side::Server)
            .unwrap();
        assert!(last.eof, "{what}: the server's last recv is EOF");
    }
}

/// 03: raw replies larger than recv(1024) leak into the next turn; framed, all intact.
#[test]
fn s03_big_reply_leaks_raw_but_not_framed() {
    let s = builtin("03");
    let replies = step_data(&s.server);
    let bufsize = first_recv_bufsize(&s.client);
    assert!(
        replies[0].len() > bufsize,
        "the first reply is bigger than recv({bufsize})"
    );

    let raw = run("03", framing(Framing::Raw));
    let got = delivered(&raw, S2C);
    // Turn 1 shows the first recv's worth of reply 1; turn 2 shows the rest of reply 1,
    // not the dir listing; turn 3 shows the dir listing. Every reply is one turn late.
    assert_eq!(got[0].data, replies[0][..bufsize]);
    assert_eq!(got[1].data, replies[0][bufsize..]);
    assert_eq!(got[2].data, replies[1]);
    assert!(got.iter().all(|d| !d.intact));
    assert_eq!(dir(&raw, S2C).messages_corrupted, 3);
    assert_eq!(
        dir(&raw, C2S).messages_intact,
        3,
        "the commands themselves arrive fine"
    );
    assert!(dir(&raw, S2C).split_messages >= 1);

    // A bigger recv() is not a fix: the rest still leaks.
    let big = run(
        "03",
        Overrides {
            recv_size: Some(4096),
            ..Default::default()
        },
    );
    assert!(
        dir(&big, S2C).messages_corrupted > 0,
        "--recv-size 4096: {}",
        big.report.verdict()
    );

    for f in FRAMED {
        for d in DECODERS {
            let run = run("03", framing_decoder(f, d));
            assert_all_intact(&run, &format!("03 {f:?} {d:?}"));
            let got: Vec<Vec<u8>> = delivered(&run, S2C).into_iter().map(|x| x.data).collect();
            assert_eq!(got, replies, "03 {f:?}: each reply in its own turn");
        }
    }
}

/// 04: raw gives a sticky read (b'helloworld'); length-prefix and json-header keep
/// every message intact.
#[test]
fn s04_two_small_sends_glue_raw_framing_fixes() {
    let raw = run("04", framing(Framing::Raw));
    assert!(
        raw.report.summary.sticky_reads >= 1,
        "{}",
        raw.report.verdict()
    );
    assert_eq!(delivered(&raw, C2S)[0].data, b"helloworld");
    assert_eq!(dir(&raw, C2S).messages_intact, 0);
    let sticky = analysis::recv_results(&raw.trace)
        .into_iter()
        .find(|r| r.sticky)
        .unwrap();
    assert_eq!(sticky.messages, vec![1, 2]);

    for f in FRAMED {
        let run = run("04", framing_decoder(f, DecoderKind::Correct));
        let what = format!("04 {f:?}");
        assert_all_intact(&run, &what);
        let got: Vec<Vec<u8>> = delivered(&run, C2S).into_iter().map(|x| x.data).collect();
        assert_eq!(got, vec![b"hello".to_vec(), b"world".to_vec()], "{what}");
        assert_eq!(run.report.summary.sticky_reads, 0, "{what}");
    }
}

/// 05: the 4-byte length header: every message intact whatever the chunking (bodies
/// spread over several recv calls and still whole), with either decoder; raw is 03.
#[test]
fn s05_length_prefix_keeps_messages_intact() {
    for f in FRAMED {
        for d in DECODERS {
            let run = run("05", framing_decoder(f, d));
            let what = format!("05 {f:?} {d:?}");
            assert_all_intact(&run, &what);
            assert!(
                run.report.summary.split_messages >= 1,
                "{what}: some body took several recv calls"
            );
        }
    }
    let lp = run("05", Overrides::default());
    // The 4-byte header is struct.pack('i', n): little-endian.
    let reply = lp.trace.messages_in(S2C).next().unwrap();
    assert_eq!(reply.header_len, 4);
    // Separate header and body writes cost a Nagle/delayed-ACK stall (scenario 12).
    assert!(lp.report.summary.max_hold_ms >= 40.0);

    let raw = run("05", framing(Framing::Raw));
    assert!(
        dir(&raw, S2C).messages_corrupted > 0,
        "raw: {}",
        raw.report.verdict()
    );
}

/// 06: the JSON header: every reply intact, each header carries size and name, and its
/// real md5 is verified against the body that arrived (by the correct decoder; the
/// tutorial's client reads the md5 and never checks it).
#[test]
fn s06_json_header_md5_verified() {
    for d in DECODERS {
        let run = run(
            "06",
            Overrides {
                decoder: Some(d),
                ..Default::default()
            },
        );
        let what = format!("06 {d:?}");
        assert_all_intact(&run, &what);
        let headers = frame_headers(&run);
        assert_eq!(
            headers.len() as u64,
            run.report.summary.messages_sent,
            "{what}: one header per message"
        );
        for (json, md5) in &headers {
            // The correct receiver recomputes the md5; the tutorial's client never looks.
            match d {
                DecoderKind::Correct => assert_eq!(md5, "verified", "{what}: {json}"),
                DecoderKind::Tutorial => assert!(md5.starts_with("unchecked"), "{what}: {md5}"),
            }
            let v: serde_json::Value = serde_json::from_str(json).unwrap();
            assert!(
                v["total_size"].is_u64() && v["file_name"].is_string(),
                "{what}: {json}"
            );
        }
        for dv in delivered(&run, S2C) {
            // Each reply's header carries the md5 of exactly the body that arrived.
            let sum = md5_hex(&dv.data);
            assert!(
                headers
                    .iter()
                    .any(|(j, _)| j.contains(&format!("\"md5\": \"{sum}\""))),
                "{what}: no header carries the md5 of reply #{}",
                dv.index
            );
        }
    }
    let lp = run("06", framing(Framing::LengthPrefix));
    assert_all_intact(&lp, "06 length-prefix");
    let raw = run("06", framing(Framing::Raw));
    assert!(
        dir(&raw, S2C).messages_corrupted > 0,
        "raw: {}",
        raw.report.verdict()
    );
}

/// 07: the tutorial's upload loop with a 4096 buffer loses data; the correct loop
/// delivers the file with a matching md5. "改小了就ok" is luck, timing is what matters.
#[test]
fn s07_upload_loop_loses_data_correct_loop_matches_md5() {
    let s = builtin("07");
    assert_eq!(first_recv_bufsize(&s.server), 4096);
    let file = step_data(&s.client).remove(0);
    let file_md5 = md5_hex(&file);

    // As written: json-header (upload style), tutorial decoder, recv(4096).
    let bad = run("07", Overrides::default());
    let got = delivered(&bad, C2S);
    assert_eq!(got.len(), 1);
    assert!(
        got[0].data.len() < file.len(),
        "the saved file is short: {} B",
        got[0].data.len()
    );
    assert_ne!(md5_hex(&got[0].data), file_md5);
    assert_eq!(dir(&bad, C2S).messages_intact, 0);
    // The upload client's header has no md5, so nothing could have caught it.
    let headers = frame_headers(&bad);
    assert_eq!(headers.len(), 1);
    assert!(headers[0].0.contains("\"filesize\""), "{}", headers[0].0);
    assert_eq!(headers[0].1, "absent");

    // The correct loop: the whole file, md5 matches the original.
    for f in FRAMED {
        let good = run("07", framing_decoder(f, DecoderKind::Correct));
        let got = delivered(&good, C2S);
        assert_eq!(got.len(), 1, "07 {f:?}");
        assert_eq!(md5_hex(&got[0].data), file_md5, "07 {f:?}");
        assert_all_intact(&good, &format!("07 {f:?} correct"));
    }
    // With the 方案二 header (a real md5), the receiver verifies it.
    let verified = run(
        "07",
        Overrides {
            decoder: Some(DecoderKind::Correct),
            set: set(&["header_style=\"command\""]),
            ..Default::default()
        },
    );
    assert_eq!(frame_headers(&verified)[0].1, "verified");
    assert_eq!(md5_hex(&delivered(&verified, C2S)[0].data), file_md5);

    // A smaller buffer is not the fix; reading late is what made it "work".
    let small = run(
        "07",
        Overrides {
            recv_size: Some(1024),
            ..Default::default()
        },
    );
    assert_eq!(
        dir(&small, C2S).messages_intact,
        0,
        "--recv-size 1024 still loses data"
    );
    assert!(delivered(&small, C2S)[0].data.len() < file.len());
    for recv_size in [None, Some(1024)] {
        let late = run(
            "07",
            Overrides {
                recv_size,
                recv_delay_ms: Some(50.0),
                ..Default::default()
            },
        );
        assert_all_intact(
            &late,
            &format!("07 --recv-delay-ms 50 --recv-size {recv_size:?}"),
        );
    }
    // 方案一's body loop adds len(recv_data): even the tutorial decoder gets it whole.
    let lp = run("07", framing(Framing::LengthPrefix));
    assert_all_intact(&lp, "07 length-prefix tutorial");
    let raw = run("07", framing(Framing::Raw));
    assert_eq!(
        dir(&raw, C2S).messages_intact,
        0,
        "raw: one recv cuts the file"
    );
}

/// 08: mss 3 splits the 4-byte header; the tutorial's recv(4) gets 3 bytes and
/// struct.unpack raises; recv_exact (the correct decoder) delivers both messages.
#[test]
fn s08_header_split_tutorial_crashes_correct_intact() {
    for f in FRAMED {
        let bad = run("08", framing_decoder(f, DecoderKind::Tutorial));
        let what = format!("08 {f:?} tutorial");
        let errors = decode_errors(&bad);
        assert_eq!(errors.len(), 1, "{what}: {errors:?}");
        assert_eq!(errors[0].0, Side::Client);
        assert!(
            errors[0].1.contains("struct.error"),
            "{what}: {}",
            errors[0].1
        );
        // The first recv(4) returned fewer than 4 bytes.
        let first = analysis::recv_results(&bad.trace)
            .into_iter()
            .find(|r| r.side == Side::Client)
            .unwrap();
        assert!(
            first.data.len() < 4 && !first.eof,
            "{what}: recv(4) returned {}",
            first.data.len()
        );
        assert_eq!(first.data.len(), bad.trace.params.mss as usize);
        assert!(
            delivered(&bad, S2C).is_empty(),
            "{what}: crashed before any message"
        );
        assert_eq!(dir(&bad, S2C).messages_missing, 2, "{what}");

        let good = run("08", framing_decoder(f, DecoderKind::Correct));
        assert_all_intact(&good, &format!("08 {f:?} correct"));
        assert!(decode_errors(&good).is_empty());
        assert!(
            good.report.summary.split_messages >= 1,
            "the bodies were split too, and still intact"
        );
    }
    // With a normal MSS the header arrives whole and the tutorial's loop happens to work.
    let lucky = run(
        "08",
        Overrides {
            mss: Some(1460),
            ..Default::default()
        },
    );
    assert_all_intact(&lucky, "08 --mss 1460 tutorial");
    // Raw on Linux: 拆包 ('hel', 'lo'); Minshall's Nagle holds 'wor' behind the
    // unacknowledged small 'lo' only on the textbook stack, so 粘包 shows on Windows.
    let raw = run("08", framing(Framing::Raw));
    assert!(
        raw.report.summary.split_messages >= 1,
        "{}",
        raw.report.verdict()
    );
    let raw_windows = run(
        "08",
        Overrides {
            framing: Some(Framing::Raw),
            stack: Some(Stack::Windows),
            ..Default::default()
        },
    );
    assert!(
        raw_windows.report.summary.sticky_reads >= 1
            && raw_windows.report.summary.split_messages >= 1,
        "{}",
        raw_windows.report.verdict()
    );
}

/// 09: UDP keeps 'hello' and 'world' apart even when read late, but recvfrom(1024)
/// truncates the 3000-byte datagram; framing is refused on UDP.
#[test]
fn s09_udp_no_glue_but_truncation() {
    let s = builtin("09");
    let sent_data = step_data(&s.client);
    let bufsize = first_recv_bufsize(&s.server);
    let big = sent_data.iter().map(Vec::len).max().unwrap();
    assert!(big > bufsize);

    let run = run("09", Overrides::default());
    let got = delivered(&run, C2S);
    assert_eq!(got.len(), sent_data.len());
    assert_eq!(got[0].data, sent_data[0], "no glue: hello alone");
    assert_eq!(got[1].data, sent_data[1], "no glue: world alone");
    assert!(got[0].intact && got[1].intact);
    assert_eq!(
        got[2].data,
        sent_data[2][..bufsize],
        "the first {bufsize} bytes survive"
    );
    assert_eq!(run.report.summary.sticky_reads, 0);
    let truncated: Vec<(usize, usize)> =
        events(&run, |e| matches!(e.kind, EventKind::Truncated { .. }))
            .map(|e| match e.kind {
                EventKind::Truncated { len, kept } => (len, kept),
                _ => unreachable!(),
            })
            .collect();
    assert_eq!(truncated, vec![(big, bufsize)]);
    assert_eq!(run.report.summary.bytes_lost, (big - bufsize) as u64);
    assert!(run.report.summary.bytes_lost > 0);

    // A buffer as big as the biggest datagram keeps everything.
    let fixed = stickysim_run(
        &s,
        Overrides {
            recv_size: Some(4096),
            ..Default::default()
        },
    );
    assert_all_intact(&fixed, "09 --recv-size 4096");

    for f in FRAMED {
        match try_run(&s, &framing(f)) {
            Err(e @ CliError::Model(ModelError::FramingOnUdp(_))) => {
                assert!(e.to_string().contains("UDP"), "{e}");
            }
            Err(e) => panic!("09 {f:?}: wrong error {e}"),
            Ok(_) => panic!("09 {f:?}: UDP accepted a framing"),
        }
    }
}

fn stickysim_run(s: &Scenario, ov: Overrides) -> Run {
    try_run(s, &ov).unwrap()
}

/// 10: UDP request/response: every datagram whole, none lost, order kept, no ACKs; with
/// loss, a datagram arrives whole or not at all and both programs wait forever.
#[test]
fn s10_udp_datagrams_intact_in_order() {
    let s = builtin("10");
    let run = run("10", Overrides::default());
    assert_all_intact(&run, "10");
    for (d, steps) in [(C2S, &s.client), (S2C, &s.server)] {
        let got: Vec<(u32, Vec<u8>)> = delivered(&run, d)
            .into_iter()
            .map(|x| (x.index, x.data))
            .collect();
        let want: Vec<(u32, Vec<u8>)> = step_data(steps)
            .into_iter()
            .enumerate()
            .map(|(i, m)| (i as u32 + 1, m))
            .collect();
        assert_eq!(got, want, "10 {d:?}: every message, in order");
        assert_eq!(
            dir(&run, d).segments,
            dir(&run, d).messages_sent,
            "one datagram per message"
        );
    }
    assert_eq!(run.report.summary.acks, 0, "UDP has no ACKs");
    assert_eq!(run.report.summary.sticky_reads, 0);
    assert_eq!(
        events(&run, |e| matches!(e.kind, EventKind::DatagramDrop { .. })).count(),
        0
    );
    for f in FRAMED {
        assert!(matches!(
            try_run(&s, &framing(f)),
            Err(CliError::Model(ModelError::FramingOnUdp(_)))
        ));
    }

    // Loss: what was lost is exactly the dropped datagrams, whole; the rest is intact.
    let lossy = stickysim_run(
        &s,
        Overrides {
            set: set(&["loss=0.3"]),
            seed: Some(1),
            ..Default::default()
        },
    );
    let dropped: u64 = events(&lossy, |e| matches!(e.kind, EventKind::DatagramDrop { .. }))
        .map(|e| match e.kind {
            EventKind::DatagramDrop { len, .. } => len as u64,
            _ => unreachable!(),
        })
        .sum();
    assert!(dropped > 0);
    assert_eq!(lossy.report.summary.bytes_lost, dropped);
    assert_eq!(
        lossy.report.summary.messages_corrupted, 0,
        "nothing arrives half"
    );
    assert!(!lossy.stuck.is_empty(), "no timeout: someone waits forever");
}

/// 11: a blocking send() copies everything; with a timeout set, send() of more than the
/// send buffer holds accepts only part, the program ignores the count and the rest is
/// lost; sendall() delivers everything.
#[test]
fn s11_send_loses_sendall_does_not() {
    let s = builtin("11");
    let sends: Vec<(usize, bool)> = s
        .client
        .iter()
        .filter_map(|st| match &st.action {
            Action::Send(d) => Some((d.len(), false)),
            Action::Sendall(d) => Some((d.len(), true)),
            _ => None,
        })
        .collect();
    assert_eq!(sends, vec![(50000, false), (50000, false), (50000, true)]);
    assert!(
        s.client
            .iter()
            .any(|st| matches!(st.action, Action::SetTimeout(t) if t > 0.0)),
        "the short send has a timeout set"
    );
    let buffer = s.params.send_buffer as usize;
    let lost = (50000 - buffer) as u64;
    assert_eq!(lost, 33616, "the number the narration quotes");

    for f in FRAMINGS {
        let run = run("11", framing(f));
        let what = format!("11 {f:?}");
        // send/sendall write raw bytes whatever the framing: the short send is the same.
        // (A framed server's decoder reads the file's text as a header and fails; its
        // close with unread data resets the connection, so only raw delivers it all.)
        if f != Framing::Raw {
            let short = events(&run, |e| matches!(e.kind, EventKind::SendShort { .. })).count();
            assert_eq!(short, 1, "{what}");
            continue;
        }
        assert_eq!(run.report.summary.bytes_lost, lost, "{what}");
        let short: Vec<(usize, usize)> =
            events(&run, |e| matches!(e.kind, EventKind::SendShort { .. }))
                .map(|e| match e.kind {
                    EventKind::SendShort { wanted, accepted } => (wanted, accepted),
                    _ => unreachable!(),
                })
                .collect();
        assert_eq!(
            short,
            vec![(50000, buffer)],
            "{what}: only the send() with a timeout is short"
        );
        let accepted: Vec<u64> = run.trace.messages_in(C2S).map(|m| m.accepted).collect();
        assert_eq!(accepted, vec![50000, buffer as u64, 50000], "{what}");
        assert!(
            !events(&run, |e| matches!(e.kind, EventKind::Exception { .. })).any(|_| true),
            "{what}: the sendall finishes within its timeout"
        );
    }

    let raw = run("11", Overrides::default());
    let total: usize = analysis::recv_results(&raw.trace)
        .iter()
        .filter(|r| r.side == Side::Server)
        .map(|r| r.data.len())
        .sum();
    assert_eq!(total, 50000 + buffer + 50000, "what was sent, no more");

    // A bigger send buffer: the same send() happens to fit (luck, not a fix).
    let big = run(
        "11",
        Overrides {
            set: set(&["send_buffer=65536"]),
            ..Default::default()
        },
    );
    assert_eq!(big.report.summary.bytes_lost, 0);
    // Non-blocking: the same kind of short count.
    let nb = builtin("11");
    let text = std::fs::read_to_string(Path::new("scenarios/11-send-vs-sendall.toml"))
        .unwrap()
        .replace("settimeout = 0.5", "settimeout = 0");
    let nb_s = scenario::parse(&text, "11-nonblocking.toml").unwrap();
    assert_eq!(nb_s.client.len(), nb.client.len());
    let nb_run = cli::run_sim(&nb_s, &nb_s.params).unwrap();
    let exc: Vec<_> = events(&nb_run, |e| matches!(e.kind, EventKind::Exception { .. }))
        .map(|e| e.kind.clone())
        .collect();
    assert_eq!(
        exc.len(),
        1,
        "sendall on a full buffer raises BlockingIOError"
    );
}

/// 12: separate header and body writes + Nagle + delayed ACK stall every message about
/// 40 ms; one combined write, or Nagle off, removes every hold (nagle_holds == 0, hence
/// max_hold_ms == 0).
#[test]
fn s12_separate_writes_stall_combined_or_nodelay_do_not() {
    for f in FRAMED {
        let slow = run("12", framing(f));
        let what = format!("12 {f:?} separate");
        assert_eq!(slow.trace.params.header_writes, HeaderWrites::Separate);
        assert!(slow.trace.params.nagle && slow.trace.params.delayed_ack);
        assert!(
            slow.report.summary.max_hold_ms >= 40.0,
            "{what}: {}",
            slow.report.verdict()
        );
        for d in Dir::BOTH {
            assert!(
                dir(&slow, d).max_hold_ms >= 40.0,
                "{what} {d:?}: both directions stall"
            );
            assert_eq!(
                dir(&slow, d).nagle_holds,
                dir(&slow, d).messages_sent,
                "{what} {d:?}: every body held"
            );
        }
        assert_all_intact(&slow, &what);
        // Linux: the first round is quick-ACKed (holds of one round trip); the next two
        // rounds stall on the 40 ms delayed ACK, twice each. Windows stalls every round
        // on its 200 ms timer.
        let long_holds = |run: &Run, at_least_ms: u64| {
            events(run, |e| matches!(e.kind, EventKind::NagleRelease { .. }))
                .filter(|e| {
                    matches!(e.kind, EventKind::NagleRelease { held_us }
                        if held_us >= at_least_ms * 1000)
                })
                .count()
        };
        assert_eq!(long_holds(&slow, 40), 4, "{what}: 4 stalls, not 6");
        assert_eq!(slow.report.summary.nagle_holds, 6, "{what}");
        let windows = run_on("12", f, Stack::Windows);
        assert_eq!(windows.trace.params.delayed_ack_ms, 200.0);
        assert_eq!(
            long_holds(&windows, 200),
            6,
            "{what} windows: every message"
        );

        let combined = run(
            "12",
            Overrides {
                framing: Some(f),
                header_writes: Some(HeaderWrites::Combined),
                ..Default::default()
            },
        );
        let nodelay = run(
            "12",
            Overrides {
                framing: Some(f),
                nagle: Some(false),
                ..Default::default()
            },
        );
        for (name, fast) in [("combined", &combined), ("nagle off", &nodelay)] {
            let what = format!("12 {f:?} {name}");
            assert_all_intact(fast, &what);
            assert_eq!(fast.report.summary.nagle_holds, 0, "{what}");
            assert_eq!(fast.report.summary.max_hold_ms, 0.0, "{what}");
            assert!(
                fast.report.summary.duration_ms * 4.0 < slow.report.summary.duration_ms,
                "{what}: {} ms vs {} ms",
                fast.report.summary.duration_ms,
                slow.report.summary.duration_ms
            );
        }
        // Delayed ACK off shrinks the stall to a round trip, but does not remove it.
        let no_dack = run(
            "12",
            Overrides {
                framing: Some(f),
                delayed_ack: Some(false),
                ..Default::default()
            },
        );
        let hold = no_dack.report.summary.max_hold_ms;
        assert!(
            hold > 0.0 && hold < 40.0,
            "12 {f:?} --delayed-ack off: {hold}"
        );
    }
    // Raw framing has no header to write separately: no hold.
    let raw = run("12", framing(Framing::Raw));
    assert_eq!(raw.report.summary.nagle_holds, 0);
}

/// 13: pipelined replies: the tutorial's body loop over-reads into the next frame and
/// then reads a "length" from the middle of a body; min(1024, remaining) fixes it.
#[test]
fn s13_pipelined_replies_tutorial_corrupts_correct_intact() {
    let s = builtin("13");
    let replies = step_data(&s.server);
    assert_eq!(replies.len(), 3);
    let bufsize = first_recv_bufsize(&s.client);
    for f in FRAMED {
        let bad = run("13", framing_decoder(f, DecoderKind::Tutorial));
        let what = format!("13 {f:?} tutorial");
        let got = delivered(&bad, S2C);
        assert_eq!(got.len(), 1, "{what}: one message, then the stream is lost");
        // recv(1024) until at least the size is reached: whole multiples of 1024.
        let over = replies[0].len().div_ceil(bufsize) * bufsize;
        assert_eq!(got[0].data.len(), over, "{what}");
        assert_eq!(
            got[0].data[..replies[0].len()],
            replies[0][..],
            "{what}: the body, then more"
        );
        assert!(!got[0].intact);
        assert!(
            bad.report.summary.sticky_reads >= 1,
            "{what}: the over-read holds two messages"
        );
        let errors = decode_errors(&bad);
        assert_eq!(errors.len(), 1, "{what}");
        assert!(
            errors[0].1.contains("is over max_"),
            "{what}: {}",
            errors[0].1
        );
        assert_eq!(dir(&bad, S2C).messages_missing, 2, "{what}");

        let good = run("13", framing_decoder(f, DecoderKind::Correct));
        assert_all_intact(&good, &format!("13 {f:?} correct"));
        let got: Vec<Vec<u8>> = delivered(&good, S2C).into_iter().map(|x| x.data).collect();
        assert_eq!(got, replies);
        // The correct loop never reads past its frame: no recv holds two messages, and
        // the last body read of each reply asks for exactly what remains of it.
        assert_eq!(dir(&good, S2C).sticky_reads, 0, "13 {f:?} correct");
        let asks: Vec<usize> = events(&good, |e| e.side == Side::Client)
            .filter_map(|e| match e.kind {
                EventKind::AppCall {
                    call: Call::Recv { bufsize: n },
                    ..
                } => Some(n),
                _ => None,
            })
            .collect();
        for r in &replies {
            assert!(
                asks.contains(&(r.len() % bufsize)),
                "13 {f:?}: recv({}) in {asks:?}",
                r.len() % bufsize
            );
        }
    }
    let raw = run("13", framing(Framing::Raw));
    assert_eq!(
        dir(&raw, S2C).messages_intact,
        0,
        "raw: every recv is a slice across replies"
    );
}

/// 14: the tutorial's recv(header_size) returns only the part of the JSON header that the
/// first segment carried; json.loads fails. recv_exact reads it whole.
#[test]
fn s14_json_header_cut_tutorial_crashes_correct_intact() {
    let bad = run("14", Overrides::default());
    let errors = decode_errors(&bad);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].0, Side::Client);
    assert!(
        errors[0].1.contains("JSON header is malformed"),
        "{}",
        errors[0].1
    );
    // The client's second recv asked for the whole header and got fewer bytes.
    let client: Vec<_> = analysis::recv_results(&bad.trace)
        .into_iter()
        .filter(|r| r.side == Side::Client)
        .collect();
    let header_len = i32::from_le_bytes(client[0].data[..4].try_into().unwrap()) as usize;
    assert!(client[1].data.len() < header_len, "{header_len}");
    assert_eq!(
        4 + client[1].data.len(),
        bad.trace.params.mss as usize,
        "the first segment ends inside the header"
    );
    assert!(delivered(&bad, S2C).is_empty());

    let good = run(
        "14",
        Overrides {
            decoder: Some(DecoderKind::Correct),
            ..Default::default()
        },
    );
    assert_all_intact(&good, "14 correct");
    // A normal MSS hides the flaw; so do the tutorial's separate writes (Nagle sends the
    // header alone).
    for ov in [
        Overrides {
            mss: Some(1460),
            ..Default::default()
        },
        Overrides {
            header_writes: Some(HeaderWrites::Separate),
            ..Default::default()
        },
    ] {
        let lucky = run("14", ov.clone());
        assert_all_intact(&lucky, &format!("14 {ov:?}"));
    }
}

/// 15: byte 1024 of each reply falls inside a character: each chunk alone does not decode,
/// the whole message does.
#[test]
fn s15_multibyte_character_cut_between_two_recvs() {
    let r = run("15", Overrides::default());
    let s = builtin("15");
    let sent: Vec<Vec<u8>> = step_data(&s.server);
    assert_eq!(sent.len(), 2);
    let chunks: Vec<Vec<u8>> = analysis::recv_results(&r.trace)
        .into_iter()
        .filter(|x| x.side == Side::Client && !x.eof)
        .map(|x| x.data)
        .collect();
    assert_eq!(chunks.len(), 4);
    for (k, whole) in sent.iter().enumerate() {
        let (a, b) = (&chunks[2 * k], &chunks[2 * k + 1]);
        assert_eq!(
            [a.as_slice(), b.as_slice()].concat(),
            *whole,
            "no byte lost"
        );
        assert_eq!(a.len(), 1024);
        if k == 1 {
            // UTF-8: the whole reply is text; each half is not.
            assert!(std::str::from_utf8(whole).is_ok());
            assert!(std::str::from_utf8(a).is_err() && std::str::from_utf8(b).is_err());
        } else {
            // GBK: the cut byte is a lead byte (0x81..=0xFE) whose trail byte starts `b`.
            let lead = *a.last().unwrap();
            assert!((0x81..=0xfe).contains(&lead), "{lead:x}");
            // The lead byte really starts a character: the bytes before it pair up.
            let mut i = 0;
            while i < a.len() - 1 {
                i += if a[i] >= 0x81 { 2 } else { 1 };
            }
            assert_eq!(i, a.len() - 1, "the chunk ends with half a character");
        }
    }
    // Framed, each reply arrives whole in the first read.
    let framed = run("15", framing(Framing::LengthPrefix));
    let got: Vec<Vec<u8>> = delivered(&framed, S2C)
        .into_iter()
        .map(|d| d.data)
        .collect();
    assert_eq!(got.first(), sent.first());
}

/// 16: the remote shell: correct framing delivers every canned reply intact.
#[test]
fn s16_remote_shell_replies_arrive_whole() {
    let r = run("16", Overrides::default());
    assert_all_intact(&r, "16");
    let commands: Vec<String> = delivered(&r, C2S)
        .into_iter()
        .map(|d| String::from_utf8(d.data).unwrap())
        .collect();
    assert!(commands.iter().any(|c| c.contains(" & ")), "{commands:?}");
    // Raw: the replies leak into each other as in 03.
    let raw = run("16", framing(Framing::Raw));
    assert_eq!(raw.report.summary.bytes_lost, 0);
}

/// 17: Nagle + a 200 ms delayed ACK coalesce five keystrokes into one segment and one read;
/// with immediate ACKs or TCP_NODELAY each keystroke is its own read.
#[test]
fn s17_sender_coalesces_keystrokes_until_the_ack() {
    let s = builtin("17");
    let keystrokes = step_data(&s.client);
    let reads = |r: &Run| -> Vec<Vec<u8>> {
        analysis::recv_results(&r.trace)
            .into_iter()
            .filter(|x| x.side == Side::Server && !x.eof)
            .map(|x| x.data)
            .collect()
    };
    let r = run("17", Overrides::default());
    let got = reads(&r);
    assert_eq!(got.len(), 2, "{got:?}");
    assert_eq!(got[0], keystrokes[0]);
    assert_eq!(got[1], keystrokes[1..].concat());
    // One data segment carried the five held keystrokes.
    assert_eq!(dir(&r, C2S).segments, 2);
    assert!(
        dir(&r, C2S).max_hold_ms >= 150.0,
        "held until the delayed ACK"
    );
    for ov in [
        Overrides {
            delayed_ack: Some(false),
            ..Default::default()
        },
        Overrides {
            nagle: Some(false),
            ..Default::default()
        },
        // Linux: quick-ACK and ACK on read answer each keystroke at once.
        Overrides {
            stack: Some(stickysim::params::Stack::Linux),
            ..Default::default()
        },
    ] {
        let r = run("17", ov.clone());
        assert_eq!(reads(&r), keystrokes, "{ov:?}: one read per keystroke");
    }
}

/// The message bodies one side's `recv_message` calls handed over, in order.
fn bodies(run: &Run, d: Dir) -> Vec<Vec<u8>> {
    delivered(run, d).into_iter().map(|x| x.data).collect()
}

fn recv_sizes(run: &Run, side: Side) -> Vec<usize> {
    analysis::recv_results(&run.trace)
        .into_iter()
        .filter(|x| x.side == side)
        .map(|x| x.data.len())
        .collect()
}

fn b(items: &[&str]) -> Vec<Vec<u8>> {
    items.iter().map(|s| s.as_bytes().to_vec()).collect()
}

/// 18: line framing. Glued lines split right; a body holding the delimiter breaks in two
/// (naive sender) or is refused (correct sender) or escaped; a recv(16) inside a line
/// gives half a line to the naive reader, never to readline.
#[test]
fn s18_line_delimiter_naive_breaks_readline_and_escape_do_not() {
    let s = builtin("18");
    let sent = step_data(&s.client);
    assert_eq!(sent.len(), 4);
    assert!(
        sent[2].contains(&b'\n'),
        "the third body holds the delimiter"
    );
    let naive = run("18", Overrides::default());
    assert_eq!(
        bodies(&naive, C2S),
        b(&[
            "hello",
            "world",
            "two",
            "lines",
            "a line longer th",
            "an sixteen"
        ])
    );
    // One read held the three first lines; the long line came in 16 + 11 bytes.
    let line_len = sent[3].len() + 1;
    assert_eq!(
        recv_sizes(&naive, Side::Server),
        [
            sent[..3].iter().map(|m| m.len() + 1).sum(),
            16,
            line_len - 16,
            0
        ]
    );
    let m = dir(&naive, C2S);
    assert_eq!(
        (m.messages_intact, m.sticky_reads, m.split_messages),
        (2, 1, 1)
    );
    assert_eq!(
        m.bytes_lost, 0,
        "every byte arrived: only the boundaries are wrong"
    );

    // readline with the correct sender: the third body is refused, the program stops.
    let correct = run("18", framing_decoder(Framing::Line, DecoderKind::Correct));
    assert_eq!(bodies(&correct, C2S), b(&["hello", "world"]));
    let errors = decode_errors(&correct);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].0, Side::Client);
    assert!(
        errors[0].1.contains("send_message refused"),
        "{}",
        errors[0].1
    );

    // Escaped: every message whole, the long line too.
    let escaped = run(
        "18",
        Overrides {
            decoder: Some(DecoderKind::Correct),
            set: set(&["escape=true"]),
            ..Default::default()
        },
    );
    assert_all_intact(&escaped, "18 escaped");
    assert_eq!(bodies(&escaped, C2S), sent);
    // The escape added one byte: the backslash before 'n'.
    let escapes: u64 = escaped.trace.messages.iter().map(|m| m.escapes).sum();
    assert_eq!(escapes, 1);
}

/// 19: fixed records. Padding costs bytes; the naive sender cuts a long body; a short
/// recv(record_size) is taken for a record and the padding becomes another.
#[test]
fn s19_fixed_records_pad_cut_and_short_reads() {
    let s = builtin("19");
    let size = s.params.record_size as u64;
    let naive = run("19", Overrides::default());
    let sent_bodies: u64 = naive
        .trace
        .messages
        .iter()
        .map(|m| m.data.len() as u64)
        .sum();
    // Every record on the wire is exactly record_size bytes.
    assert_eq!(naive.report.summary.bytes_sent, 4 * size);
    assert!(sent_bodies < 2 * size, "mostly padding");
    let reply = &step_data(&s.server)[1];
    assert!(reply.len() as u64 > size);
    assert_eq!(bodies(&naive, S2C)[1], reply[..size as usize].to_vec());
    assert_eq!(dir(&naive, S2C).bytes_lost, reply.len() as u64 - size);
    let request = &step_data(&s.client)[1];
    assert_eq!(
        recv_sizes(&naive, Side::Server),
        [
            size as usize,
            request.len(),
            size as usize - request.len(),
            0
        ]
    );
    assert_eq!(
        bodies(&naive, C2S),
        [b"GET temp".to_vec(), request.clone(), Vec::new()],
        "the padding read as an empty record"
    );

    // The correct reader waits for the padding; the correct sender refuses the reply.
    let correct = run("19", framing_decoder(Framing::Fixed, DecoderKind::Correct));
    assert_eq!(
        bodies(&correct, C2S),
        [b"GET temp".to_vec(), request.clone()]
    );
    let errors = decode_errors(&correct);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].0, Side::Server);
    assert!(
        errors[0].1.contains("longer than record_size"),
        "{}",
        errors[0].1
    );
    // With records big enough, everything arrives whole.
    let roomy = run(
        "19",
        Overrides {
            decoder: Some(DecoderKind::Correct),
            set: set(&["record_size=256"]),
            ..Default::default()
        },
    );
    assert_all_intact(&roomy, "19 correct, record_size 256");
}

//! Properties of the model that must hold for any program and any parameters.

use proptest::prelude::*;
use stickysim::analysis::{deliveries, recv_results};
use stickysim::model::Sim;
use stickysim::params::{DecoderKind, Framing, HeaderStyle, HeaderWrites, Params, Transport};
use stickysim::scenario::{Action, Scenario};
use stickysim::trace::{EventKind, Side, Trace};

fn run(client: Vec<Action>, server: Vec<Action>, params: &Params) -> Trace {
    let s = Scenario::from_actions("prop", params.clone(), client, server);
    let mut sim = Sim::new(&s, params).unwrap();
    sim.run_until_idle(5_000_000)
        .expect("a bounded run finishes");
    sim.into_trace()
}

fn tcp_params() -> impl Strategy<Value = Params> {
    (
        1u32..2000,
        any::<bool>(),
        any::<bool>(),
        1u32..20_000,
        1u32..20_000,
        0u32..20,
        prop_oneof![Just(0.0), Just(1.0), Just(100.0)],
        0u32..5,
        any::<u64>(),
    )
        .prop_map(
            |(mss, nagle, delayed_ack, send_buffer, recv_buffer, latency, bw, jitter, seed)| {
                Params {
                    mss,
                    nagle,
                    delayed_ack,
                    send_buffer,
                    recv_buffer,
                    latency_ms: latency as f64,
                    bandwidth_mbps: bw,
                    jitter_ms: jitter as f64,
                    seed,
                    ..Params::default()
                }
            },
        )
}

/// A sender program: sendall of random data, with sleeps in between.
fn sender() -> impl Strategy<Value = Vec<(Vec<u8>, u8)>> {
    prop::collection::vec((prop::collection::vec(any::<u8>(), 1..3000), 0u8..4), 0..6)
}

fn sender_actions(parts: &[(Vec<u8>, u8)]) -> Vec<Action> {
    let mut a = Vec::new();
    for (data, sleep) in parts {
        a.push(Action::Sendall(data.clone().into()));
        if *sleep > 0 {
            a.push(Action::Sleep(*sleep as f64 * 7.0));
        }
    }
    a.push(Action::Close);
    a
}

/// Every byte the recv() calls at `side` returned, in order.
fn received(trace: &Trace, side: Side) -> Vec<u8> {
    recv_results(trace)
        .into_iter()
        .filter(|r| r.side == side)
        .flat_map(|r| r.data)
        .collect()
}

/// Reads until EOF: enough recv(n) calls even if each returns one byte, plus the EOF.
fn reader(total: usize, n: u32, delay: u8) -> Vec<Action> {
    let mut a = vec![Action::Sleep(delay as f64)];
    a.extend(std::iter::repeat_n(Action::Recv(n), total + 2));
    a
}

/// Equal byte strings, with a short message (length, first difference) when not.
fn same_bytes(got: &[u8], want: &[u8]) -> Result<(), TestCaseError> {
    if got == want {
        return Ok(());
    }
    let at = got
        .iter()
        .zip(want)
        .position(|(a, b)| a != b)
        .unwrap_or(got.len().min(want.len()));
    Err(TestCaseError::fail(format!(
        "got {} B, want {} B, first difference at byte {at}",
        got.len(),
        want.len()
    )))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    /// TCP never loses, duplicates or reorders a byte, whatever the parameters.
    #[test]
    fn tcp_delivers_every_byte_once_in_order(
        parts in sender(), params in tcp_params(), n in 1u32..5000, delay in 0u8..50,
    ) {
        let sent: Vec<u8> = parts.iter().flat_map(|(d, _)| d.clone()).collect();
        let t = run(sender_actions(&parts), reader(sent.len(), n, delay), &params);
        same_bytes(&received(&t, Side::Server), &sent)?;
    }

    /// Buffers never hold more than their capacity.
    #[test]
    fn buffer_occupancy_never_exceeds_capacity(
        parts in sender(), params in tcp_params(), n in 1u32..5000, delay in 0u8..50,
    ) {
        let sent: usize = parts.iter().map(|(d, _)| d.len()).sum();
        let t = run(sender_actions(&parts), reader(sent, n, delay), &params);
        let mut in_recv_buffer: i64 = 0;
        for e in &t.events {
            match &e.kind {
                EventKind::SendBufWrite { buffered } => {
                    prop_assert!(*buffered <= params.send_buffer as usize);
                }
                EventKind::SegmentRx(h) if e.side == Side::Server => {
                    in_recv_buffer += h.len as i64;
                    prop_assert!(in_recv_buffer <= params.recv_buffer as i64,
                        "{} B in a {} B receive buffer", in_recv_buffer, params.recv_buffer);
                }
                EventKind::RecvBufRead { .. } if e.side == Side::Server => {
                    in_recv_buffer -= e.chunk.map_or(0, |c| c.len) as i64;
                    prop_assert!(in_recv_buffer >= 0);
                }
                _ => {}
            }
        }
    }

    /// The same scenario, parameters and seed give the same trace (jitter and loss included).
    #[test]
    fn same_seed_same_trace(parts in sender(), params in tcp_params(), udp in any::<bool>(), loss in 0.0f64..0.5) {
        let mut params = params;
        if udp {
            params.transport = Transport::Udp;
            params.loss = loss;
        }
        let client: Vec<Action> = parts.iter().map(|(d, _)| Action::Send(d.clone().into())).collect();
        let server = vec![Action::Sleep(30.0), Action::Recv(1000), Action::Recv(1000)];
        let a = run(client.clone(), server.clone(), &params);
        let b = run(client, server, &params);
        prop_assert_eq!(
            serde_json::to_string(&a).unwrap(),
            serde_json::to_string(&b).unwrap()
        );
    }

    /// With framing and the correct decoder, every message arrives intact, both ways.
    #[test]
    fn framed_messages_arrive_intact(
        msgs in prop::collection::vec(prop::collection::vec(any::<u8>(), 0..2500), 1..5),
        params in tcp_params(),
        json in any::<bool>(), separate in any::<bool>(), upload in any::<bool>(),
        bufsize in 1u32..3000,
    ) {
        let mut params = params;
        params.framing = if json { Framing::JsonHeader } else { Framing::LengthPrefix };
        params.header_writes = if separate { HeaderWrites::Separate } else { HeaderWrites::Combined };
        params.header_style = if upload { HeaderStyle::Upload } else { HeaderStyle::Command };
        params.decoder = DecoderKind::Correct;
        // Request, then reply, in turns: a client that sent everything before reading
        // could fill both buffers and deadlock, as it would on real TCP.
        let mut client: Vec<Action> = Vec::new();
        let mut server: Vec<Action> = Vec::new();
        for m in &msgs {
            client.push(Action::SendMessage(m.clone().into()));
            client.push(Action::RecvMessage(bufsize));
            server.push(Action::RecvMessage(bufsize));
            server.push(Action::SendMessage(m.iter().rev().copied().collect()));
        }
        let t = run(client, server, &params);
        let delivered = |side: Side| -> Vec<Vec<u8>> {
            deliveries(&t).into_iter().filter(|d| d.side == side).map(|d| d.data).collect()
        };
        prop_assert_eq!(delivered(Side::Server), msgs.clone());
        let replies: Vec<Vec<u8>> = msgs.iter().map(|m| m.iter().rev().copied().collect()).collect();
        prop_assert_eq!(delivered(Side::Client), replies);
    }

    /// Line (escaped) and fixed framing with the correct programs, pipelined (every
    /// message sent before the first read, so readline's buffer carries the next lines):
    /// every message intact, no byte lost, and the analysis agrees.
    #[test]
    fn line_and_fixed_messages_arrive_intact_pipelined(
        msgs in prop::collection::vec(
            prop::collection::vec(prop_oneof![Just(b'\n'), Just(b'\r'), Just(0u8), Just(b'\\'), any::<u8>()], 0..200),
            1..6,
        ),
        params in tcp_params(),
        fixed in any::<bool>(),
        delimiter in 0usize..3,
        separate in any::<bool>(),
        bufsize in 1u32..600,
    ) {
        use stickysim::params::Delimiter;
        let mut params = params;
        params.decoder = DecoderKind::Correct;
        params.header_writes = if separate { HeaderWrites::Separate } else { HeaderWrites::Combined };
        let msgs: Vec<Vec<u8>> = if fixed {
            params.framing = Framing::Fixed;
            params.record_size = 200;
            // A record cannot carry trailing NULs (they are its padding).
            msgs.into_iter()
                .map(|mut m| {
                    while m.last() == Some(&0) {
                        m.pop();
                    }
                    m
                })
                .collect()
        } else {
            params.framing = Framing::Line;
            params.escape = true;
            params.delimiter = [Delimiter::Lf, Delimiter::Crlf, Delimiter::Nul][delimiter];
            msgs
        };
        let client: Vec<Action> = msgs.iter().map(|m| Action::SendMessage(m.clone().into())).collect();
        let mut server = vec![Action::Sleep(50.0)];
        server.extend(msgs.iter().map(|_| Action::RecvMessage(bufsize)));
        let t = run(client, server, &params);
        let got: Vec<Vec<u8>> = deliveries(&t).into_iter().map(|d| d.data).collect();
        prop_assert_eq!(&got, &msgs);
        let report = stickysim::analysis::analyze(&t);
        prop_assert_eq!(report.summary.messages_intact, msgs.len() as u64);
        prop_assert_eq!(report.summary.bytes_lost, 0);
        prop_assert_eq!(report.summary.bytes_sent, report.summary.bytes_delivered);
        let wire: u64 = t.messages.iter().map(|m| m.wire_len()).sum();
        prop_assert_eq!(report.summary.bytes_sent, wire);
    }
}

//! A bounded soak test: 2,000 short connections against the live server, then no
//! leaked threads or file descriptors. It runs alone in a child process, so no other
//! test's sockets or threads disturb the counts.

#![cfg(target_os = "linux")]

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use stickysim::params::Framing;
use stickysim::realnet::serve::{ServeApp, ServeEventKind, ServeOptions, Server};

const CONNECTIONS: usize = 2000;
const CLIENT_THREADS: usize = 4;

fn count(dir: &str) -> usize {
    std::fs::read_dir(dir).map(|d| d.count()).unwrap_or(0)
}

#[test]
fn two_thousand_short_connections_leak_no_threads_or_fds() {
    crate::in_own_process("soak::isolated_two_thousand_short_connections");
}

#[test]
#[ignore = "counts the process's threads and fds: run alone by two_thousand_short_connections_leak_no_threads_or_fds"]
fn isolated_two_thousand_short_connections() {
    let (fds_before, threads_before) = (count("/proc/self/fd"), count("/proc/self/task"));
    {
        let mut opts = ServeOptions {
            port: 0,
            app: ServeApp::Upper,
            ..Default::default()
        };
        opts.params.framing = Framing::Raw;
        let server = Server::start(opts).expect("server starts");
        let addr = server.local_addr();
        let t0 = Instant::now();
        let clients: Vec<_> = (0..CLIENT_THREADS)
            .map(|_| {
                std::thread::spawn(move || {
                    for _ in 0..CONNECTIONS / CLIENT_THREADS {
                        let mut c = TcpStream::connect(addr).expect("connect");
                        c.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
                        c.write_all(b"hi").unwrap();
                        let mut buf = [0u8; 2];
                        c.read_exact(&mut buf).expect("reply");
                        assert_eq!(&buf, b"HI");
                    }
                })
            })
            .collect();
        // Every connection is closed by the server once its client has gone. The events
        // are read while the clients run, as the terminal or the GUI reads them: the
        // queue is bounded, and an accept or a close finding it full would be counted
        // as not shown instead.
        let (mut closed, mut not_shown) = (0, 0);
        let deadline = Instant::now() + Duration::from_secs(60);
        while closed < CONNECTIONS && Instant::now() < deadline {
            if let Ok(e) = server.events().recv_timeout(Duration::from_millis(200)) {
                match e.kind {
                    ServeEventKind::Closed { .. } => closed += 1,
                    ServeEventKind::Error { message } => panic!("server error: {message}"),
                    ServeEventKind::Refused { reason, .. } => panic!("refused: {reason}"),
                    // Recv chunks and replies may be left out when the reader lags; a
                    // close only if 256 more important events were waiting.
                    ServeEventKind::NotShown { count } => not_shown += count,
                    _ => {}
                }
            }
        }
        for c in clients {
            c.join().expect("client thread");
        }
        assert_eq!(
            closed, CONNECTIONS,
            "connections closed by the server ({not_shown} events not shown)"
        );
        eprintln!("{CONNECTIONS} connections in {:?}", t0.elapsed());
        server.stop();
        server.wait();
    }
    assert_eq!(
        count("/proc/self/fd"),
        fds_before,
        "file descriptors leaked"
    );
    assert_eq!(count("/proc/self/task"), threads_before, "threads leaked");
}

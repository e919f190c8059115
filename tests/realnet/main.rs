//! Real loopback sockets, one test binary (one link instead of three):
//!
//! - `runs`: scenarios run on real sockets, the slicer, faults of the runner;
//! - `serve`: `stickysim serve` as a library, against Rust and Python clients;
//! - `hardening`: hostile and slow clients, uploads, the fault relay, load;
//! - `soak`: 2,000 short connections, no leaked threads or descriptors.
//!
//! Tests that count the process's threads, descriptors or memory run alone in a child
//! process (see [`in_own_process`]): the other tests of this binary run beside them.

mod hardening;
mod runs;
mod serve;
mod soak;

/// Runs the `#[ignore]`d test `path` (e.g. `soak::isolated::no_leaks`) alone in a new
/// process of this test binary, and fails if it fails. Its output is printed.
pub fn in_own_process(path: &str) {
    let exe = std::env::current_exe().expect("the test binary's path");
    let out = std::process::Command::new(exe)
        .args([
            path,
            "--exact",
            "--ignored",
            "--test-threads=1",
            "--nocapture",
        ])
        .output()
        .expect("start the test binary");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    eprintln!("{stdout}{stderr}");
    assert!(out.status.success(), "{path} failed in its own process");
    assert!(
        stdout.contains("1 passed"),
        "{path}: the child process ran no such test"
    );
}

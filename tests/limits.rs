//! Hostile and odd inputs to `check` and `run` (issue 12's table, rows 9, 14 and 15): a
//! clear error, at once, and a file that passes `check` runs.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

fn stickysim(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_stickysim"))
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("run stickysim")
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("stickysim-limits-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

fn write(name: &str, body: &str) -> PathBuf {
    let p = scratch(name);
    std::fs::write(&p, body).unwrap();
    p
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

const PROGRAMS: &str = "[[client]]\nsend_message = \"hi\"\n[[server]]\nrecv_message = 1024\n";

#[test]
fn framing_on_udp_is_refused_by_check_with_its_place() {
    let p = write(
        "udp-json.toml",
        &format!(
            "[meta]\ntitle = \"x\"\n[params]\ntransport = \"udp\"\nframing = \"json-header\"\n{PROGRAMS}"
        ),
    );
    let o = stickysim(&["check", s(&p)]);
    assert!(!o.status.success());
    let t = text(&o);
    assert!(t.contains("udp-json.toml:5:11"), "{t}");
    assert!(t.contains("UDP keeps each datagram whole"), "{t}");
    // The same pair from the command line is refused by `run` with the model's words.
    let udp = write(
        "udp-raw.toml",
        &format!("[meta]\ntitle = \"x\"\n[params]\ntransport = \"udp\"\n{PROGRAMS}"),
    );
    assert!(stickysim(&["check", s(&udp)]).status.success());
    let o = stickysim(&["run", s(&udp), "--set", "framing=length-prefix"]);
    assert!(!o.status.success());
    assert!(
        text(&o).contains("UDP keeps each datagram whole"),
        "{}",
        text(&o)
    );
}

#[test]
fn every_built_in_that_passes_check_runs() {
    for name in ["01", "04", "09", "10"] {
        let o = stickysim(&["run", name]);
        assert!(o.status.success(), "{name}: {}", text(&o));
    }
}

#[test]
fn huge_numbers_are_printed_as_people_read_them() {
    let p = write(
        "delay.toml",
        &format!("[meta]\ntitle = \"x\"\n[params]\nrecv_delay_ms = 1e300\n{PROGRAMS}"),
    );
    let t = text(&stickysim(&["check", s(&p)]));
    assert!(t.contains("but it is 1e300"), "{t}");
    assert!(t.len() < 400, "{t}");
}

#[test]
fn check_refuses_devices_and_fifos_at_once() {
    let fifo = scratch("fifo.toml");
    let _ = std::fs::remove_file(&fifo);
    let made = Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success());
    for p in [Path::new("/dev/zero"), fifo.as_path()] {
        let started = Instant::now();
        let o = stickysim(&["check", s(p)]);
        assert!(!o.status.success());
        assert!(text(&o).contains("not a regular file"), "{}", text(&o));
        assert!(started.elapsed() < Duration::from_secs(10));
    }
}

#[test]
fn check_refuses_an_oversized_file_before_reading_it() {
    let p = scratch("big.toml");
    let f = std::fs::File::create(&p).unwrap();
    f.set_len(64 * 1024 * 1024).unwrap(); // sparse: costs no disk
    let o = stickysim(&["check", s(&p)]);
    assert!(!o.status.success());
    assert!(
        text(&o).contains("more than a scenario file may have"),
        "{}",
        text(&o)
    );
    std::fs::remove_file(&p).unwrap();
}

#[test]
fn a_long_note_repeated_is_stored_once() {
    // Row 2: a 10 KiB note with repeat = 100000 was copied (en and zh) for every repeat:
    // 2 GB. Now the copies share it.
    let note = "x".repeat(10 * 1024);
    let text = format!(
        "[meta]\ntitle = \"x\"\n[[client]]\nsend = \"a\"\nrepeat = 100000\nnote = \"{note}\"\n"
    );
    let s = stickysim::scenario::parse(&text, "long-note.toml").expect("valid");
    assert_eq!(s.client.len(), 100_000);
    let first = s.client[0].note.as_ref().expect("a note");
    assert!(s.client.iter().all(|st| {
        st.note
            .as_ref()
            .is_some_and(|n| std::sync::Arc::ptr_eq(n, first))
    }));
    assert_eq!(first.en.len(), 10 * 1024);
}

#[test]
fn a_run_too_big_to_record_is_refused_by_check_and_run_alike() {
    // Row 3: `mss = 1` and one 500 kB framed message: `check` said ok, `run` ran out of
    // memory (~2.7 KB of trace per byte). Both now stop at the trace budget, with words.
    let p = write(
        "mss1.toml",
        "[meta]\ntitle = \"x\"\n[params]\nmss = 1\nframing = \"length-prefix\"\n\
         [[client]]\nsend_message = { size = 500000 }\n[[server]]\nrecv_message = 1024\n",
    );
    for cmd in ["check", "run"] {
        let o = stickysim(&[cmd, s(&p)]);
        assert!(!o.status.success(), "{cmd}");
        let t = text(&o);
        assert!(
            t.contains("would record more than 1000000 events"),
            "{cmd}: {t}"
        );
        assert!(t.contains("use a larger mss"), "{cmd}: {t}");
    }
}

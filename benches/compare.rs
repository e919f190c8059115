//! Side-by-side comparisons, each a ratio of two things measured in the same run (the
//! machine is shared: absolute times mean little, ratios of interleaved runs hold).
//!
//! `cargo bench --bench compare` prints a table, then one JSON object as the last line.
//! `COMPARE_MIB=64 cargo bench --bench compare` uses a smaller stream (default 256 MiB);
//! `COMPARE_REPS=N` sets the repetitions (default 9);
//! `COMPARE_ONLY=mixed,small,json,real,sim,rerun,memory,replay,ui` runs only those parts (to
//! profile one with `valgrind --tool=callgrind`).
//!
//! - `decode_mixed_vs_tokio`: our big-endian length-prefix `Decoder` ÷ tokio-util's
//!   `LengthDelimitedCodec` (same wire format), MB/s on the same seeded stream (frame
//!   sizes log-uniform 1 B–64 KiB) fed in the same seeded slices (1 B–64 KiB). Ours is
//!   fed with `decode_slice` (decodes in the slice, keeps only unfinished frames); the
//!   `_vec_api` rows feed `decode` (the caller appends each slice to a `Vec`).
//! - `decode_small_vs_tokio`: the same with 16-byte frames, frames/s.
//! - `decode_vs_memcpy`: our MB/s on the mixed stream ÷ copying the same slices into one
//!   64 KiB buffer (what any decoder pays to look at the bytes once).
//! - `json_header_vs_length_prefix`: frames/s, 100-byte bodies, default params (the
//!   tutorial's 方案二 header with an md5 that is verified); `json_upload_header_…` the
//!   upload client's header (no md5).
//! - `real_framed_vs_raw`: a length-prefix receiver (read, `decode_slice`) ÷ a raw
//!   receiver (read, the bytes as an owned message, as realnet's `recv` returns them),
//!   64 KiB messages over a std `TcpStream` pair on 127.0.0.1. `_count_only`: ÷ a raw
//!   receiver that keeps nothing.
//!
//! The model's figures are what issue 14 names (values, not ratios):
//! - `sim_speedup_vs_realtime`: simulated time ÷ wall time of `model::run` on 100,000
//!   mixed-size `send`s, Nagle and delayed ACK on, per stack and the worse;
//!   `sim_events_per_s`: events per wall second (the worse stack).
//! - `rerun_all_ms`: every built-in scenario × 3 framings × 2 stacks as the GUI re-runs
//!   them, ms in all (and ÷ 16 ms).
//! - `trace_bytes_per_event`: the 100k run's trace (inline and heap, counted by this
//!   bench's global allocator) ÷ its events; `rss_mb_100k_messages`: the peak RSS of a
//!   child process that does only that run.
//! - `replay_mb_100k_messages`: the heap a `Replay` of the 100k run holds (the GUI's
//!   step-back: its trace, history and checkpoints), `replay_peak_mb_100k_messages` the
//!   most live while it is built, `replay_beyond_trace_mb_100k` what it holds besides
//!   its trace; counted like `trace_bytes_per_event`, the worse stack.
//! - `ui_frame_p99_ms` (with the `gui` feature): p99 of headless frames with a
//!   10,000-event trace loaded (and ÷ 16.7 ms).

use std::hint::black_box;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::Instant;

use bytes::BytesMut;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use stickysim::framing::{Decoder, encode};
use stickysim::params::{ByteOrder, Framing, HeaderStyle, Params};
use tokio_util::codec::{Decoder as _, LengthDelimitedCodec};

const MIB: usize = 1 << 20;
const MAX_SIZE: usize = 64 * 1024;

fn main() {
    if let Ok(stack) = std::env::var(model::CHILD) {
        // The child process of `rss_mb_100k_messages` (see `model::memory_figures`).
        model::rss_child(&stack);
        return;
    }
    // `cargo bench` passes `--bench`; any other argument is a filter we don't need.
    let mib = env_usize("COMPARE_MIB", 256);
    let reps = env_usize("COMPARE_REPS", 9).max(1);
    let only = std::env::var("COMPARE_ONLY").unwrap_or_default();
    let run = |part: &str| only.is_empty() || only.split(',').any(|p| p == part);
    let mut figures = Vec::new();

    let mut rng = ChaCha8Rng::seed_from_u64(14);
    let mixed = Stream::new(&mut rng, mib * MIB, |rng| log_uniform(rng, MAX_SIZE));
    let small = Stream::new(&mut rng, (mib / 4).max(1) * MIB, |_| 16);
    println!(
        "streams: mixed {} MiB ({} frames), small {} MiB ({} frames of 16 B), {} slices of 1 B–64 KiB; {reps} repetitions",
        mixed.wire.len() / MIB,
        mixed.frames,
        small.wire.len() / MIB,
        small.frames,
        mixed.slices.len(),
    );

    let (mut ours, mut vec, mut tokio, mut copy) = (vec![], vec![], vec![], vec![]);
    for rep in 0..reps * usize::from(run("mixed")) {
        // Alternate who goes first, so a drift in the machine's load favours no one.
        if rep % 2 == 1 {
            tokio.push(mixed.bytes_per_s(tokio_pass(&mixed)));
        }
        ours.push(mixed.bytes_per_s(ours_pass(&mixed)));
        vec.push(mixed.bytes_per_s(vec_pass(&mixed)));
        copy.push(mixed.bytes_per_s(memcpy_pass(&mixed)));
        if rep % 2 == 0 {
            tokio.push(mixed.bytes_per_s(tokio_pass(&mixed)));
        }
    }
    figures.push(Figure::ratio(
        "decode_mixed_vs_tokio",
        "MB/s",
        &ours,
        &tokio,
        ">= 1.0 (aim 1.3)",
    ));
    figures.push(Figure::ratio(
        "decode_mixed_vs_tokio_vec_api",
        "MB/s",
        &vec,
        &tokio,
        "(shown: decode(&mut Vec))",
    ));
    figures.push(Figure::ratio(
        "decode_vs_memcpy",
        "MB/s",
        &ours,
        &copy,
        ">= 0.5",
    ));

    let (mut ours, mut vec, mut tokio, mut copy) = (vec![], vec![], vec![], vec![]);
    for rep in 0..reps * usize::from(run("small")) {
        if rep % 2 == 1 {
            tokio.push(small.frames_per_s(tokio_pass(&small)));
        }
        ours.push(small.frames_per_s(ours_pass(&small)));
        vec.push(small.frames_per_s(vec_pass(&small)));
        copy.push(small.frames_per_s(memcpy_pass(&small)));
        if rep % 2 == 0 {
            tokio.push(small.frames_per_s(tokio_pass(&small)));
        }
    }
    figures.push(Figure::ratio(
        "decode_small_vs_tokio",
        "frames/s",
        &ours,
        &tokio,
        ">= 1.0",
    ));
    figures.push(Figure::ratio(
        "decode_small_vs_tokio_vec_api",
        "frames/s",
        &vec,
        &tokio,
        "(shown: decode(&mut Vec))",
    ));
    figures.push(Figure::ratio(
        "decode_small_vs_memcpy",
        "frames/s",
        &ours,
        &copy,
        "(shown, no target)",
    ));
    drop((mixed, small));

    let (mut json, mut upload, mut lp) = (vec![], vec![], vec![]);
    // 200,000 frames at the default 256 MiB.
    let count = if run("json") {
        (mib * 781).max(1000)
    } else {
        0
    };
    let framed = |rng: &mut ChaCha8Rng, framing, header_style| {
        let params = Params {
            framing,
            header_style,
            ..Params::default()
        };
        Stream::framed(rng, params, count, 100)
    };
    let json_stream = framed(&mut rng, Framing::JsonHeader, HeaderStyle::Command);
    let upload_stream = framed(&mut rng, Framing::JsonHeader, HeaderStyle::Upload);
    let lp_stream = framed(&mut rng, Framing::LengthPrefix, HeaderStyle::Command);
    for _ in 0..reps * usize::from(run("json")) {
        json.push(json_stream.frames_per_s(ours_pass(&json_stream)));
        upload.push(upload_stream.frames_per_s(ours_pass(&upload_stream)));
        lp.push(lp_stream.frames_per_s(ours_pass(&lp_stream)));
    }
    figures.push(Figure::ratio(
        "json_header_vs_length_prefix",
        "frames/s",
        &json,
        &lp,
        ">= 0.25",
    ));
    figures.push(Figure::ratio(
        "json_upload_header_vs_length_prefix",
        "frames/s",
        &upload,
        &lp,
        "(shown: no md5 to verify)",
    ));

    let (mut framed, mut framed_vec, mut raw, mut count) = (vec![], vec![], vec![], vec![]);
    // Loopback timing swings most with the machine's load: more, shorter runs.
    let messages = (mib / 4 * MIB / MAX_SIZE).max(16);
    for _ in 0..3 * reps * usize::from(run("real")) {
        framed.push(loopback(messages, Receiver::Slice));
        framed_vec.push(loopback(messages, Receiver::Vec));
        raw.push(loopback(messages, Receiver::Raw));
        count.push(loopback(messages, Receiver::Count));
    }
    figures.push(Figure::ratio(
        "real_framed_vs_raw",
        "MB/s",
        &framed,
        &raw,
        ">= 0.95",
    ));
    figures.push(Figure::ratio(
        "real_framed_vec_api_vs_raw",
        "MB/s",
        &framed_vec,
        &raw,
        "(shown: decode(&mut Vec))",
    ));
    figures.push(Figure::ratio(
        "real_framed_vs_count_only",
        "MB/s",
        &framed,
        &count,
        "(shown: raw keeps nothing)",
    ));

    if run("sim") {
        model::sim_figures(reps, &mut figures);
    }
    if run("rerun") {
        model::rerun_figures(reps, &mut figures);
    }
    if run("memory") {
        model::memory_figures(&mut figures);
    }
    if run("replay") {
        model::replay_figures(&mut figures);
    }
    #[cfg(feature = "gui")]
    if run("ui") {
        ui::frame_figures(&mut figures);
    }

    print_table(&figures);
    println!("{}", json_line(&figures));
}

// ---------------------------------------------------------------------------------------
// Inputs
// ---------------------------------------------------------------------------------------

/// A wire stream, where its frames' bodies are, and the slices it is fed in.
struct Stream {
    wire: Vec<u8>,
    params: Params,
    frames: usize,
    body_bytes: usize,
    /// End offsets of the slices, in order.
    slices: Vec<usize>,
}

impl Stream {
    /// Big-endian length-prefix frames of `size(rng)` bytes, up to `total` bytes.
    fn new(rng: &mut ChaCha8Rng, total: usize, size: impl Fn(&mut ChaCha8Rng) -> usize) -> Self {
        let params = Params {
            framing: Framing::LengthPrefix,
            byte_order: ByteOrder::Big,
            ..Params::default()
        };
        let mut wire = Vec::with_capacity(total + MAX_SIZE + 4);
        let (mut frames, mut body_bytes) = (0, 0);
        while wire.len() < total {
            let n = size(rng);
            wire.extend_from_slice(&(n as u32).to_be_bytes());
            wire.extend((0..n).map(|i| (i ^ frames) as u8));
            frames += 1;
            body_bytes += n;
        }
        let slices = slices(rng, wire.len());
        Stream {
            wire,
            params,
            frames,
            body_bytes,
            slices,
        }
    }

    /// `count` frames of `body` bytes, encoded by `encode`.
    fn framed(rng: &mut ChaCha8Rng, params: Params, count: usize, body: usize) -> Self {
        let mut wire = Vec::new();
        for i in 0..count {
            let body: Vec<u8> = (0..body).map(|j| (i + j) as u8).collect();
            wire.extend(encode(&params, &body).concat());
        }
        let slices = slices(rng, wire.len());
        Stream {
            wire,
            params,
            frames: count,
            body_bytes: count * body,
            slices,
        }
    }

    fn each_slice(&self) -> impl Iterator<Item = &[u8]> {
        let starts = std::iter::once(0).chain(self.slices.iter().copied());
        starts
            .zip(self.slices.iter().copied())
            .map(|(a, b)| &self.wire[a..b])
    }

    fn bytes_per_s(&self, secs: f64) -> f64 {
        self.wire.len() as f64 / secs
    }

    fn frames_per_s(&self, secs: f64) -> f64 {
        self.frames as f64 / secs
    }
}

/// Slice ends covering `len` bytes, each slice log-uniform 1 B–64 KiB.
fn slices(rng: &mut ChaCha8Rng, len: usize) -> Vec<usize> {
    let mut ends = Vec::new();
    let mut at = 0;
    while at < len {
        at = (at + log_uniform(rng, MAX_SIZE)).min(len);
        ends.push(at);
    }
    ends
}

/// 1..=max, uniform in log scale (as many 1–2 B sizes as 32–64 KiB ones).
fn log_uniform(rng: &mut ChaCha8Rng, max: usize) -> usize {
    let x: f64 = rng.random_range(0.0..(max as f64).ln());
    (x.exp() as usize).clamp(1, max)
}

// ---------------------------------------------------------------------------------------
// The contestants: each returns the seconds one pass took
// ---------------------------------------------------------------------------------------

/// `Decoder::decode_slice`: each slice is decoded where it is; only an unfinished
/// frame's bytes are kept (in the decoder).
#[inline(never)]
fn ours_pass(s: &Stream) -> f64 {
    let start = Instant::now();
    let mut dec = Decoder::new(&s.params);
    let (mut frames, mut bytes) = (0, 0);
    for mut slice in s.each_slice() {
        while let Some(f) = dec.decode_slice(&mut slice).expect("a valid stream") {
            frames += 1;
            bytes += black_box(&f).body.len();
        }
    }
    assert_eq!(dec.decode_slice_eof(), Ok(None));
    let secs = start.elapsed().as_secs_f64();
    assert_eq!((frames, bytes), (s.frames, s.body_bytes));
    secs
}

/// `Decoder::decode`: the caller appends each slice to its `Vec` (as realnet does).
#[inline(never)]
fn vec_pass(s: &Stream) -> f64 {
    let start = Instant::now();
    let mut dec = Decoder::new(&s.params);
    let mut buf = Vec::new();
    let (mut frames, mut bytes) = (0, 0);
    for slice in s.each_slice() {
        buf.extend_from_slice(slice);
        while let Some(f) = dec.decode(&mut buf).expect("a valid stream") {
            frames += 1;
            bytes += black_box(&f).body.len();
        }
    }
    let secs = start.elapsed().as_secs_f64();
    assert_eq!((frames, bytes), (s.frames, s.body_bytes));
    secs
}

#[inline(never)]
fn tokio_pass(s: &Stream) -> f64 {
    assert_eq!(s.params.byte_order, ByteOrder::Big);
    let start = Instant::now();
    // Our wire format: a 4-byte big-endian body length, then the body.
    let mut codec = LengthDelimitedCodec::builder()
        .big_endian()
        .length_field_length(4)
        .max_frame_length(s.params.max_frame as usize)
        .new_codec();
    let mut buf = BytesMut::new();
    let (mut frames, mut bytes) = (0, 0);
    for slice in s.each_slice() {
        buf.extend_from_slice(slice);
        while let Some(f) = codec.decode(&mut buf).expect("a valid stream") {
            frames += 1;
            bytes += black_box(&f).len();
        }
    }
    let secs = start.elapsed().as_secs_f64();
    assert_eq!((frames, bytes), (s.frames, s.body_bytes));
    secs
}

#[inline(never)]
fn memcpy_pass(s: &Stream) -> f64 {
    let start = Instant::now();
    let mut dst = vec![0u8; MAX_SIZE];
    let mut bytes = 0;
    for slice in s.each_slice() {
        dst[..slice.len()].copy_from_slice(slice);
        bytes += black_box(&dst[..slice.len()]).len();
    }
    let secs = start.elapsed().as_secs_f64();
    assert_eq!(bytes, s.wire.len());
    secs
}

/// How the loopback receiver handles what each `read` returned.
#[derive(Clone, Copy, PartialEq)]
enum Receiver {
    /// Each read's bytes become an owned message, as realnet's `recv` returns them.
    Raw,
    /// Counts the bytes and keeps nothing (the floor: no copy in user space).
    Count,
    /// Length prefix: `decode_slice` on the read buffer.
    Slice,
    /// Length prefix: appends to a `Vec` and calls `decode` (realnet's receive path).
    Vec,
}

/// Payload MB/s of `messages` 64 KiB messages over a loopback TCP connection.
fn loopback(messages: usize, receiver: Receiver) -> f64 {
    let params = Params {
        framing: Framing::LengthPrefix,
        byte_order: ByteOrder::Big,
        ..Params::default()
    };
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    let body = vec![0x5a; MAX_SIZE];
    let wire = if matches!(receiver, Receiver::Raw | Receiver::Count) {
        body.clone()
    } else {
        encode(&params, &body).concat()
    };
    let writer = std::thread::spawn(move || {
        let mut s = TcpStream::connect(addr).expect("connect");
        for _ in 0..messages {
            s.write_all(&wire).expect("write");
        }
    });
    let (mut s, _) = listener.accept().expect("accept");
    let start = Instant::now();
    let mut chunk = vec![0u8; MAX_SIZE];
    let mut dec = Decoder::new(&params);
    let mut buf = Vec::new();
    let mut payload = 0;
    loop {
        let n = s.read(&mut chunk).expect("read");
        match receiver {
            Receiver::Count => payload += black_box(&chunk[..n]).len(),
            Receiver::Raw => payload += black_box(chunk[..n].to_vec()).len(),
            Receiver::Slice => {
                let mut input = &chunk[..n];
                while let Some(f) = dec.decode_slice(&mut input).expect("a valid stream") {
                    payload += black_box(&f).body.len();
                }
            }
            Receiver::Vec => {
                buf.extend_from_slice(&chunk[..n]);
                while let Some(f) = dec.decode(&mut buf).expect("a valid stream") {
                    payload += black_box(&f).body.len();
                }
            }
        }
        if n == 0 {
            break;
        }
    }
    let secs = start.elapsed().as_secs_f64();
    assert_eq!(dec.decode_slice_eof(), Ok(None));
    assert!(buf.is_empty());
    writer.join().expect("writer");
    assert_eq!(payload, messages * MAX_SIZE);
    payload as f64 / secs
}

// ---------------------------------------------------------------------------------------
// Figures
// ---------------------------------------------------------------------------------------

struct Figure {
    name: &'static str,
    unit: &'static str,
    /// Median of ours and of the reference, per second (NaN: a value, no reference).
    ours: f64,
    reference: f64,
    /// Ratios of each repetition's pair (or the values themselves), sorted.
    ratios: Vec<f64>,
    target: &'static str,
}

impl Figure {
    fn ratio(
        name: &'static str,
        unit: &'static str,
        ours: &[f64],
        reference: &[f64],
        target: &'static str,
    ) -> Figure {
        let mut ratios: Vec<f64> = ours.iter().zip(reference).map(|(a, b)| a / b).collect();
        ratios.sort_by(f64::total_cmp);
        Figure {
            name,
            unit,
            ours: median(ours),
            reference: median(reference),
            ratios,
            target,
        }
    }

    /// A figure that is a value of its own (a time, a size), one per repetition.
    fn value(
        name: &'static str,
        unit: &'static str,
        values: &[f64],
        target: &'static str,
    ) -> Figure {
        let mut ratios = values.to_vec();
        ratios.sort_by(f64::total_cmp);
        Figure {
            name,
            unit,
            ours: median(values),
            reference: f64::NAN,
            ratios,
            target,
        }
    }

    fn median(&self) -> f64 {
        median(&self.ratios)
    }
}

fn median(xs: &[f64]) -> f64 {
    let mut xs = xs.to_vec();
    xs.sort_by(f64::total_cmp);
    let n = xs.len();
    if n == 0 {
        f64::NAN
    } else if n % 2 == 1 {
        xs[n / 2]
    } else {
        (xs[n / 2 - 1] + xs[n / 2]) / 2.0
    }
}

fn scaled(x: f64, unit: &str) -> String {
    match unit {
        _ if x.is_nan() => "-".to_string(),
        "" => format!("{x:.3}"),
        "ms" | "B/event" | "MB" | "x realtime" => format!("{x:.1} {unit}"),
        "events/s" => format!("{:.2} Mevents/s", x / 1e6),
        "sim s/s" => format!("{x:.0} {unit}"),
        "MB/s" => format!("{:.0} MB/s", x / 1e6),
        _ => format!("{:.2} M{unit}", x / 1e6),
    }
}

fn print_table(figures: &[Figure]) {
    println!();
    println!(
        "| {:<30} | {:>16} | {:>16} | {:>6} | {:>6} | {:>6} | {:<18} |",
        "figure", "ours (median)", "reference", "ratio", "min", "max", "target"
    );
    println!(
        "|{:-<32}|{:->18}|{:->18}|{:->8}|{:->8}|{:->8}|{:-<20}|",
        "", "", "", "", "", "", ""
    );
    for f in figures.iter().filter(|f| !f.ratios.is_empty()) {
        println!(
            "| {:<30} | {:>16} | {:>16} | {:>6} | {:>6} | {:>6} | {:<18} |",
            f.name,
            scaled(f.ours, f.unit),
            scaled(f.reference, f.unit),
            short(f.median()),
            short(f.ratios[0]),
            short(f.ratios[f.ratios.len() - 1]),
            f.target,
        );
    }
    println!();
}

/// 3 decimals for ratios, fewer for large values (speed-ups, event rates).
fn short(x: f64) -> String {
    if x.abs() >= 1e6 {
        format!("{:.3e}", x)
    } else if x.abs() >= 100.0 {
        format!("{x:.0}")
    } else {
        format!("{x:.3}")
    }
}

/// `{"name": {"median": r, "min": r, "max": r, "reps": n}, ...}` on one line.
fn json_line(figures: &[Figure]) -> String {
    let fields: Vec<String> = figures
        .iter()
        .filter(|f| !f.ratios.is_empty())
        .map(|f| {
            format!(
                "\"{}\": {{\"median\": {:.4}, \"min\": {:.4}, \"max\": {:.4}, \"reps\": {}}}",
                f.name,
                f.median(),
                f.ratios[0],
                f.ratios[f.ratios.len() - 1],
                f.ratios.len()
            )
        })
        .collect();
    format!("{{{}}}", fields.join(", "))
}

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

// ---------------------------------------------------------------------------------------
// The model: speed against real time, the GUI's re-run, memory, the GUI's frame
// ---------------------------------------------------------------------------------------

/// Counts the bytes live on the heap while [`COUNTING`] is on (`trace_bytes_per_event`):
/// what the program asked for, capacity slack included, the allocator's own overhead not.
struct CountingAlloc;

static COUNTING: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
static LIVE: std::sync::atomic::AtomicIsize = std::sync::atomic::AtomicIsize::new(0);
/// The most [`LIVE`] has been since it was last reset.
static PEAK: std::sync::atomic::AtomicIsize = std::sync::atomic::AtomicIsize::new(0);

fn count(delta: isize) {
    use std::sync::atomic::Ordering::Relaxed;
    if COUNTING.load(Relaxed) {
        let live = LIVE.fetch_add(delta, Relaxed) + delta;
        PEAK.fetch_max(live, Relaxed);
    }
}

// SAFETY: every call is forwarded to `System` unchanged; only a counter is added.
unsafe impl std::alloc::GlobalAlloc for CountingAlloc {
    unsafe fn alloc(&self, layout: std::alloc::Layout) -> *mut u8 {
        count(layout.size() as isize);
        unsafe { std::alloc::System.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: std::alloc::Layout) -> *mut u8 {
        count(layout.size() as isize);
        unsafe { std::alloc::System.alloc_zeroed(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: std::alloc::Layout) {
        count(-(layout.size() as isize));
        unsafe { std::alloc::System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: std::alloc::Layout, new: usize) -> *mut u8 {
        count(new as isize - layout.size() as isize);
        unsafe { std::alloc::System.realloc(ptr, layout, new) }
    }
}

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc;

mod model {
    use std::hint::black_box;
    use std::sync::atomic::Ordering::Relaxed;
    use std::time::Instant;

    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;
    use stickysim::analysis;
    use stickysim::model::{Replay, run};
    use stickysim::params::{Framing, Params, Settings, Stack};
    use stickysim::scenario::{self, Action, Scenario};
    use stickysim::trace::{EventKind, Side, Trace};

    use super::{COUNTING, Figure, LIVE, PEAK, log_uniform};

    /// The environment variable that makes the bench a child measuring its peak RSS.
    pub const CHILD: &str = "COMPARE_RSS_CHILD";
    const MESSAGES: usize = 100_000;
    const STACKS: [Stack; 2] = [Stack::Linux, Stack::Windows];

    /// 100,000 `send`s of 1 B–1 KiB (log-uniform, seeded), then `close`; the server
    /// `recv(1024)`s until EOF (exactly as many calls as that takes: see
    /// [`recvs_until_eof`]). Nagle and delayed ACK on, the stack's own defaults.
    fn hundred_k(stack: Stack, recvs: usize) -> Scenario {
        let mut rng = ChaCha8Rng::seed_from_u64(100_000);
        let mut client: Vec<Action> = (0..MESSAGES)
            .map(|i| Action::Send(vec![b'a' + (i % 26) as u8; log_uniform(&mut rng, 1024)].into()))
            .collect();
        client.push(Action::Close);
        let server = vec![Action::Recv(1024); recvs];
        let base = Params::default();
        let mut params = Settings::relink(&base, [], stack, base.link);
        (params.nagle, params.delayed_ack, params.framing) = (true, true, Framing::Raw);
        Scenario::from_actions("bench-100k", params, client, server)
    }

    /// How many `recv` calls the server makes until (and with) the one that returns EOF.
    fn recvs_until_eof(stack: Stack) -> usize {
        let mut recvs = MESSAGES;
        loop {
            let s = hundred_k(stack, recvs);
            let t = run(&s, &s.params).expect("the 100k run fits the budget");
            let eof = t
                .events
                .iter()
                .position(|e| e.side == Side::Server && matches!(e.kind, EventKind::Eof { .. }));
            if let Some(at) = eof {
                let calls = t.events[..=at]
                    .iter()
                    .filter(|e| {
                        e.side == Side::Server && matches!(e.kind, EventKind::AppReturn { .. })
                    })
                    .count();
                return calls;
            }
            recvs *= 2;
        }
    }

    fn sim_end_us(t: &Trace) -> u64 {
        t.events.last().map_or(0, |e| e.t_us)
    }

    /// `sim_speedup_vs_realtime` (per stack and the worse of the two) and
    /// `sim_events_per_s` (the worse stack's).
    pub fn sim_figures(reps: usize, figures: &mut Vec<Figure>) {
        let scenarios: Vec<Scenario> = STACKS
            .iter()
            .map(|&s| hundred_k(s, recvs_until_eof(s)))
            .collect();
        let (mut speedup, mut rate) = ([vec![], vec![]], [vec![], vec![]]);
        let mut events = [0; 2];
        for _ in 0..reps.div_ceil(3).max(3) {
            for (i, s) in scenarios.iter().enumerate() {
                let start = Instant::now();
                let t = run(s, &s.params).expect("the 100k run fits the budget");
                let wall = start.elapsed().as_secs_f64();
                events[i] = t.events.len();
                speedup[i].push(sim_end_us(&t) as f64 / 1e6 / wall);
                rate[i].push(t.events.len() as f64 / wall);
                drop(black_box(t));
            }
        }
        println!(
            "model: {MESSAGES} sends of 1 B–1 KiB, recv(1024) until EOF: {} events (linux), {} (windows)",
            events[0], events[1]
        );
        let worse = |a: &[f64], b: &[f64]| -> Vec<f64> {
            a.iter().zip(b).map(|(x, y)| x.min(*y)).collect()
        };
        figures.push(Figure::value(
            "sim_speedup_vs_realtime_linux",
            "x realtime",
            &speedup[0],
            "(shown)",
        ));
        figures.push(Figure::value(
            "sim_speedup_vs_realtime_windows",
            "x realtime",
            &speedup[1],
            "(shown)",
        ));
        figures.push(Figure::value(
            "sim_speedup_vs_realtime",
            "x realtime",
            &worse(&speedup[0], &speedup[1]),
            ">= 1000 (worse stack)",
        ));
        figures.push(Figure::value(
            "sim_events_per_s",
            "events/s",
            &worse(&rate[0], &rate[1]),
            "(worse stack)",
        ));
    }

    /// `rerun_all_ms`: every built-in scenario × the 3 framings (raw,
    /// length-prefix, json-header; `line` and `fixed` came later) × 2 stacks, each run as
    /// the GUI re-runs on a change (`gui::playback::Playback::new`: the `Replay`, then the
    /// report, the recv results and the deliveries). UDP scenarios with a framing end at
    /// once with their error, as in the GUI.
    pub fn rerun_figures(reps: usize, figures: &mut Vec<Figure>) {
        let mut runs = Vec::new();
        for s in scenario::builtin() {
            for stack in STACKS {
                for framing in [Framing::Raw, Framing::LengthPrefix, Framing::JsonHeader] {
                    let mut p =
                        Settings::relink(&s.params, s.settings.keys(), stack, s.params.link);
                    p.framing = framing;
                    runs.push((s.clone(), p));
                }
            }
        }
        let mut ms = Vec::new();
        for _ in 0..reps.max(5) {
            let start = Instant::now();
            for (s, p) in &runs {
                let replay = Replay::new(s, p);
                black_box(analysis::analyze(&replay.trace));
                black_box(analysis::recv_results(&replay.trace));
                black_box(analysis::deliveries(&replay.trace));
                black_box(replay);
            }
            ms.push(start.elapsed().as_secs_f64() * 1e3);
        }
        println!(
            "re-run: {} runs ({} scenarios × 2 stacks × 3 framings)",
            runs.len(),
            runs.len() / 6
        );
        figures.push(Figure::value("rerun_all_ms", "ms", &ms, "< 16 ms"));
        let per_frame: Vec<f64> = ms.iter().map(|m| m / 16.0).collect();
        figures.push(Figure::value("rerun_all_vs_16ms", "", &per_frame, "< 1.0"));
    }

    /// `trace_bytes_per_event` (the trace's inline size and the heap it holds ÷ its
    /// events, counted by the bench's allocator; the worse stack) and
    /// `rss_mb_100k_messages` (a child process runs the 100k scenario and reports its
    /// peak resident memory, VmHWM; the worse stack).
    pub fn memory_figures(figures: &mut Vec<Figure>) {
        let (mut per_event, mut rss) = (vec![], vec![]);
        for stack in STACKS {
            let recvs = recvs_until_eof(stack);
            let s = hundred_k(stack, recvs);
            COUNTING.store(true, Relaxed);
            let before = LIVE.load(Relaxed);
            let t = run(&s, &s.params).expect("the 100k run fits the budget");
            let heap = LIVE.load(Relaxed) - before;
            COUNTING.store(false, Relaxed);
            let bytes = heap as f64 + std::mem::size_of::<Trace>() as f64;
            println!(
                "trace ({stack:?}): {} events, {} messages, {:.1} MB in memory (Event is {} B inline)",
                t.events.len(),
                t.messages.len(),
                bytes / 1e6,
                std::mem::size_of::<stickysim::trace::Event>()
            );
            per_event.push(bytes / t.events.len() as f64);
            drop(t);
            let out =
                std::process::Command::new(std::env::current_exe().expect("the bench's path"))
                    .env(CHILD, format!("{stack:?}:{recvs}"))
                    .output()
                    .expect("the child runs");
            let text = String::from_utf8_lossy(&out.stdout);
            let kb: f64 = text
                .lines()
                .find_map(|l| l.strip_prefix("VmHWM_kB "))
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or_else(|| {
                    panic!(
                        "the child reports its VmHWM: {text} {}",
                        String::from_utf8_lossy(&out.stderr)
                    )
                });
            rss.push(kb * 1024.0 / 1e6);
        }
        let worse = |v: &[f64]| vec![v.iter().copied().fold(f64::MIN, f64::max)];
        figures.push(Figure::value(
            "trace_bytes_per_event",
            "B/event",
            &worse(&per_event),
            "<= 64 (worse stack)",
        ));
        figures.push(Figure::value(
            "rss_mb_100k_messages",
            "MB",
            &worse(&rss),
            "<= 100 MB (worse stack)",
        ));
    }

    /// `replay_mb_100k_messages`, `replay_peak_mb_100k_messages` and
    /// `replay_beyond_trace_mb_100k` (the worse stack each): a `Replay` of the 100k run,
    /// as the GUI opens it, counted by the bench's allocator.
    pub fn replay_figures(figures: &mut Vec<Figure>) {
        let (mut held, mut peak, mut beyond) = (vec![], vec![], vec![]);
        for stack in STACKS {
            let s = hundred_k(stack, recvs_until_eof(stack));
            COUNTING.store(true, Relaxed);
            let before = LIVE.load(Relaxed);
            PEAK.store(before, Relaxed);
            let r = Replay::new(&s, &s.params);
            let bytes = (LIVE.load(Relaxed) - before) as f64 + std::mem::size_of::<Replay>() as f64;
            let most = (PEAK.load(Relaxed) - before) as f64;
            // The same run's trace alone (`run` builds it exactly as the replay does), to
            // tell what the replay holds besides it.
            let before = LIVE.load(Relaxed);
            let t = run(&s, &s.params).expect("the 100k run fits the budget");
            let trace = (LIVE.load(Relaxed) - before) as f64;
            drop(t);
            COUNTING.store(false, Relaxed);
            assert!(r.error.is_none(), "the 100k replay: {:?}", r.error);
            let checkpoints = r.len() / Replay::EVERY + 1;
            println!(
                "replay ({stack:?}): {} steps, {checkpoints} checkpoints, {:.1} MB held ({:.1} MB \
                 of it the trace), peak {:.1} MB",
                r.len(),
                bytes / 1e6,
                trace / 1e6,
                most / 1e6
            );
            held.push(bytes / 1e6);
            peak.push(most / 1e6);
            beyond.push((bytes - trace) / 1e6);
            drop(black_box(r));
        }
        let worse = |v: &[f64]| vec![v.iter().copied().fold(f64::MIN, f64::max)];
        figures.push(Figure::value(
            "replay_mb_100k_messages",
            "MB",
            &worse(&held),
            "(worse stack)",
        ));
        figures.push(Figure::value(
            "replay_peak_mb_100k_messages",
            "MB",
            &worse(&peak),
            "(worse stack)",
        ));
        figures.push(Figure::value(
            "replay_beyond_trace_mb_100k",
            "MB",
            &worse(&beyond),
            "(worse stack)",
        ));
    }

    /// The child: one 100k run, then its peak resident memory on stdout.
    pub fn rss_child(arg: &str) {
        let (stack, recvs) = arg.split_once(':').expect("STACK:RECVS");
        let stack = if stack == "Windows" {
            Stack::Windows
        } else {
            Stack::Linux
        };
        let s = hundred_k(stack, recvs.parse().expect("a count"));
        let t = run(&s, &s.params).expect("the 100k run fits the budget");
        black_box(&t);
        let status = std::fs::read_to_string("/proc/self/status").expect("Linux /proc");
        let kb = status
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
            .expect("VmHWM in /proc/self/status");
        println!("VmHWM_kB {kb}");
    }
}

/// `ui_frame_p99_ms`: the app's frame time, headless (egui_kittest without a renderer,
/// as `benches/frame.rs`), with a 10,000-event trace loaded and the cursor at its end.
#[cfg(feature = "gui")]
mod ui {
    use std::time::Instant;

    use egui_kittest::Harness;
    use stickysim::gui::{Cmd, Settings, StickyApp};
    use stickysim::params::{Framing, Params};
    use stickysim::scenario::{Action, Scenario};

    use super::Figure;

    /// A scenario whose run has at least 10,000 events (the one `benches/frame.rs` uses).
    fn big_scenario() -> Scenario {
        let mut client: Vec<Action> = (0..900)
            .map(|i| Action::SendMessage(vec![b'a' + (i % 26) as u8; 120].into()))
            .collect();
        client.push(Action::Close);
        let server: Vec<Action> = (0..1000).map(|_| Action::RecvMessage(1024)).collect();
        let params = Params {
            framing: Framing::LengthPrefix,
            ..Params::default()
        };
        Scenario::from_actions("bench-10k", params, client, server)
    }

    pub fn frame_figures(figures: &mut Vec<Figure>) {
        let scenario = big_scenario();
        let events =
            stickysim::model::run(&scenario, &scenario.params).map_or(0, |t| t.events.len());
        assert!(events >= 10_000, "the trace has only {events} events");
        let mut app = StickyApp::new(Settings::default());
        app.scenarios.push(scenario);
        let last = app.scenarios.len() - 1;
        app.apply(Cmd::Scenario(last));
        app.apply(Cmd::ToEnd);
        let mut h = Harness::builder()
            .with_size(egui::vec2(1280.0, 720.0))
            .with_max_steps(64)
            .build_ui_state(|ui, app: &mut StickyApp| app.show(ui), app);
        h.run();
        let mut p99 = Vec::new();
        for _ in 0..5 {
            let mut ms: Vec<f64> = (0..200)
                .map(|_| {
                    let start = Instant::now();
                    h.step();
                    start.elapsed().as_secs_f64() * 1e3
                })
                .collect();
            ms.sort_by(f64::total_cmp);
            p99.push(ms[ms.len() * 99 / 100]);
        }
        println!("ui: {events}-event trace, 5 × 200 headless frames at its end");
        figures.push(Figure::value("ui_frame_p99_ms", "ms", &p99, "(shown)"));
        let share: Vec<f64> = p99.iter().map(|m| m / 16.7).collect();
        figures.push(Figure::value(
            "ui_frame_p99_vs_16_7ms",
            "",
            &share,
            "<= 0.5",
        ));
    }
}

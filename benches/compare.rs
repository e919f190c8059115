//! Side-by-side comparisons, each a ratio of two things measured in the same run (the
//! machine is shared: absolute times mean little, ratios of interleaved runs hold).
//!
//! `cargo bench --bench compare` prints a table, then one JSON object as the last line.
//! `COMPARE_MIB=64 cargo bench --bench compare` uses a smaller stream (default 256 MiB);
//! `COMPARE_REPS=N` sets the repetitions (default 9); `COMPARE_ONLY=mixed,small,json,real`
//! runs only those parts (to profile one with `valgrind --tool=callgrind`).
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
    /// Median of ours and of the reference, per second.
    ours: f64,
    reference: f64,
    /// Ratios of each repetition's pair, sorted.
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
            "| {:<30} | {:>16} | {:>16} | {:>6.3} | {:>6.3} | {:>6.3} | {:<18} |",
            f.name,
            scaled(f.ours, f.unit),
            scaled(f.reference, f.unit),
            f.median(),
            f.ratios[0],
            f.ratios[f.ratios.len() - 1],
            f.target,
        );
    }
    println!();
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

//! Tests are named frames × chunks, as tokio-util's: `read_single_multi_frame_one_packet`
//! is the sticky case (粘包), `read_single_frame_multi_packet` the split case (拆包).

use proptest::prelude::*;

use super::encode::py_json_str;
use super::header::md5_hex;
use super::*;
use crate::params::{ByteOrder, DecoderKind, Framing, HeaderStyle, HeaderWrites, Params};

// ---------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------

const HELLO_MD5: &str = "5d41402abc4b2a76b9719d911017c592";
/// `json.dumps({'md5': md5(b'hello'), 'file_name': 'f1.txt', 'total_size': 5})`
const HELLO_COMMAND_JSON: &str =
    r#"{"md5": "5d41402abc4b2a76b9719d911017c592", "file_name": "f1.txt", "total_size": 5}"#;
/// `json.dumps({'filepath': r'C:\Users\Aaron\Desktop\新建文件夹', 'filename': 'config',
/// 'filesize': 5})`
const HELLO_UPLOAD_JSON: &str = r#"{"filepath": "C:\\Users\\Aaron\\Desktop\\\u65b0\u5efa\u6587\u4ef6\u5939", "filename": "config", "filesize": 5}"#;

fn params(framing: Framing) -> Params {
    Params {
        framing,
        ..Params::default()
    }
}

fn tutorial(framing: Framing) -> Params {
    Params {
        framing,
        decoder: DecoderKind::Tutorial,
        ..Params::default()
    }
}

/// Every framed combination of byte order × header_writes × header_style.
fn framed_combos() -> Vec<Params> {
    let mut all = Vec::new();
    for framing in [Framing::LengthPrefix, Framing::JsonHeader] {
        for byte_order in [ByteOrder::Little, ByteOrder::Big] {
            for header_writes in [HeaderWrites::Combined, HeaderWrites::Separate] {
                for header_style in [HeaderStyle::Command, HeaderStyle::Upload] {
                    all.push(Params {
                        framing,
                        byte_order,
                        header_writes,
                        header_style,
                        ..Params::default()
                    });
                }
            }
        }
    }
    all
}

fn stream(p: &Params, messages: &[Vec<u8>]) -> Vec<u8> {
    messages
        .iter()
        .flat_map(|m| encode(p, m).concat())
        .collect()
}

fn le(n: i32) -> [u8; 4] {
    n.to_le_bytes()
}

/// A json-header frame with a hand-written header.
fn json_frame(json: &[u8], body: &[u8]) -> Vec<u8> {
    let mut out = le(json.len() as i32).to_vec();
    out.extend_from_slice(json);
    out.extend_from_slice(body);
    out
}

/// Feeds `chunks` one at a time, then EOF; every frame, or the first error.
fn decode_chunks(p: &Params, chunks: &[&[u8]]) -> Result<Vec<Frame>, FrameError> {
    let mut dec = Decoder::new(p);
    let mut buf = Vec::new();
    let mut frames = Vec::new();
    for chunk in chunks {
        buf.extend_from_slice(chunk);
        while let Some(f) = dec.decode(&mut buf)? {
            frames.push(f);
        }
    }
    while let Some(f) = dec.decode_eof(&mut buf)? {
        frames.push(f);
    }
    assert_eq!(dec.frames() as usize, frames.len());
    Ok(frames)
}

fn bodies(frames: &[Frame]) -> Vec<Vec<u8>> {
    frames.iter().map(|f| f.body.clone()).collect()
}

/// A peer's stream as `recv()` sees it: at most `cap` bytes per call, `b''` at the end.
struct Wire {
    data: Vec<u8>,
    pos: usize,
    cap: usize,
}

impl Wire {
    fn new(data: impl Into<Vec<u8>>, cap: usize) -> Wire {
        Wire {
            data: data.into(),
            pos: 0,
            cap,
        }
    }

    fn recv(&mut self, n: usize) -> Vec<u8> {
        let m = n.min(self.cap).min(self.data.len() - self.pos);
        self.pos += m;
        self.data[self.pos - m..self.pos].to_vec()
    }
}

/// One `recv_message`, bounded so a livelock fails instead of hanging. The final step
/// and the `n` of every `recv(n)` issued.
fn run(reader: &mut Reader, wire: &mut Wire) -> (ReadStep, Vec<usize>) {
    let mut asked = Vec::new();
    for _ in 0..100_000 {
        match reader.next() {
            ReadStep::Recv(n) => {
                asked.push(n);
                let data = wire.recv(n);
                reader.feed(&data);
            }
            done => return (done, asked),
        }
    }
    panic!("Reader did not finish in 100000 steps");
}

fn read_one(p: &Params, bufsize: usize, frame: u32, wire: &mut Wire) -> ReadStep {
    run(&mut Reader::new(p, bufsize, frame), wire).0
}

fn message(step: ReadStep) -> Frame {
    match step {
        ReadStep::Message(f) => f,
        other => panic!("expected a message, got {other:?}"),
    }
}

fn read_error(step: ReadStep) -> FrameError {
    match step {
        ReadStep::Error(e) => e,
        other => panic!("expected an error, got {other:?}"),
    }
}

// ---------------------------------------------------------------------------------------
// Tests for encode (golden bytes from Python)
// ---------------------------------------------------------------------------------------

#[test]
fn encode_length_prefix_little_is_struct_i() {
    let e = encode(&params(Framing::LengthPrefix), b"hello");
    assert_eq!(
        e.pieces,
        vec![vec![0x05, 0x00, 0x00, 0x00, 0x68, 0x65, 0x6c, 0x6c, 0x6f]]
    );
    assert_eq!(e.header_len, 4);
}

#[test]
fn encode_length_prefix_big_is_struct_bang_capital_i() {
    let p = Params {
        byte_order: ByteOrder::Big,
        ..params(Framing::LengthPrefix)
    };
    let e = encode(&p, b"hello");
    assert_eq!(
        e.pieces,
        vec![vec![0x00, 0x00, 0x00, 0x05, 0x68, 0x65, 0x6c, 0x6c, 0x6f]]
    );
}

#[test]
fn encode_json_command_is_python_json_dumps() {
    let p = Params {
        header_writes: HeaderWrites::Separate,
        ..params(Framing::JsonHeader)
    };
    let e = encode(&p, b"hello");
    assert_eq!(md5_hex(b"hello"), HELLO_MD5);
    assert_eq!(e.pieces.len(), 3);
    assert_eq!(e.pieces[0], le(HELLO_COMMAND_JSON.len() as i32));
    assert_eq!(e.pieces[0], [0x53, 0, 0, 0]);
    assert_eq!(
        std::str::from_utf8(&e.pieces[1]).unwrap(),
        HELLO_COMMAND_JSON
    );
    assert_eq!(e.pieces[2], b"hello");
    assert_eq!(e.header_len, 4 + HELLO_COMMAND_JSON.len());
}

#[test]
fn encode_json_upload_is_python_json_dumps() {
    let p = Params {
        header_style: HeaderStyle::Upload,
        ..params(Framing::JsonHeader)
    };
    let e = encode(&p, b"hello");
    let mut want = le(HELLO_UPLOAD_JSON.len() as i32).to_vec();
    want.extend_from_slice(HELLO_UPLOAD_JSON.as_bytes());
    want.extend_from_slice(b"hello");
    assert_eq!(e.pieces, vec![want]);
    assert_eq!(e.header_len, 4 + HELLO_UPLOAD_JSON.len());
}

#[test]
fn encode_python_string_escapes() {
    // json.dumps('a\x7f\x01"\\\n\t\U0001F600é')
    assert_eq!(
        py_json_str("a\u{7f}\u{1}\"\\\n\t\u{1F600}é"),
        r#""a\u007f\u0001\"\\\n\t\ud83d\ude00\u00e9""#
    );
}

#[test]
fn encode_separate_is_the_tutorials_sends() {
    let p = Params {
        header_writes: HeaderWrites::Separate,
        ..params(Framing::LengthPrefix)
    };
    assert_eq!(
        encode(&p, b"hello").pieces,
        vec![le(5).to_vec(), b"hello".to_vec()]
    );
}

#[test]
fn encode_omits_empty_body_piece() {
    let p = Params {
        header_writes: HeaderWrites::Separate,
        ..params(Framing::LengthPrefix)
    };
    assert_eq!(encode(&p, b"").pieces, vec![le(0).to_vec()]);
    assert_eq!(
        encode(&params(Framing::Raw), b""),
        Encoded {
            pieces: vec![],
            header_len: 0,
            trailer_len: 0,
            escapes: 0,
        }
    );
}

#[test]
fn encode_raw_is_the_body() {
    assert_eq!(
        encode(&params(Framing::Raw), b"hello"),
        Encoded {
            pieces: vec![b"hello".to_vec()],
            header_len: 0,
            trailer_len: 0,
            escapes: 0,
        }
    );
}

// ---------------------------------------------------------------------------------------
// Tests for Decoder: frames × chunks
// ---------------------------------------------------------------------------------------

#[test]
fn read_empty_io_yields_nothing() {
    let p = params(Framing::LengthPrefix);
    let mut dec = Decoder::new(&p);
    let mut buf = Vec::new();
    assert_eq!(dec.decode(&mut buf), Ok(None));
    assert_eq!(dec.decode_eof(&mut buf), Ok(None));
}

#[test]
fn read_single_frame_one_packet() {
    let p = params(Framing::LengthPrefix);
    let frames = decode_chunks(&p, &[&stream(&p, &[b"hello".to_vec()])]).unwrap();
    assert_eq!(
        frames,
        vec![Frame {
            body: b"hello".to_vec(),
            header: None
        }]
    );
}

#[test]
fn read_single_multi_frame_one_packet() {
    let p = params(Framing::LengthPrefix);
    let wire = stream(&p, &[b"hello".to_vec(), b"world".to_vec()]);
    let frames = decode_chunks(&p, &[&wire]).unwrap();
    assert_eq!(bodies(&frames), vec![b"hello".to_vec(), b"world".to_vec()]);
}

#[test]
fn read_single_frame_multi_packet() {
    let p = params(Framing::LengthPrefix);
    let wire = stream(&p, &[b"hello".to_vec()]);
    // The prefix itself is split, as in case 08.
    let frames = decode_chunks(&p, &[&wire[..2], &wire[2..6], &wire[6..]]).unwrap();
    assert_eq!(bodies(&frames), vec![b"hello".to_vec()]);
}

#[test]
fn read_multi_frame_multi_packet() {
    let p = params(Framing::LengthPrefix);
    let wire = stream(&p, &[b"hello".to_vec(), b"world".to_vec(), b"!".to_vec()]);
    let frames = decode_chunks(&p, &[&wire[..7], &wire[7..15], &wire[15..]]).unwrap();
    assert_eq!(
        bodies(&frames),
        vec![b"hello".to_vec(), b"world".to_vec(), b"!".to_vec()]
    );
}

#[test]
fn read_single_frame_one_byte_packets_big_endian() {
    let p = Params {
        byte_order: ByteOrder::Big,
        ..params(Framing::LengthPrefix)
    };
    let wire = stream(&p, &[b"hello".to_vec()]);
    let chunks: Vec<&[u8]> = wire.chunks(1).collect();
    assert_eq!(
        bodies(&decode_chunks(&p, &chunks).unwrap()),
        vec![b"hello".to_vec()]
    );
}

#[test]
fn read_json_single_frame_every_split_point() {
    let p = params(Framing::JsonHeader);
    let wire = stream(&p, &[b"hello".to_vec()]);
    for i in 0..=wire.len() {
        let frames = decode_chunks(&p, &[&wire[..i], &wire[i..]]).unwrap();
        let header = JsonHeader {
            size: 5,
            name: Some("f1.txt".into()),
            md5: Md5Check::Verified,
            raw: HELLO_COMMAND_JSON.into(),
        };
        assert_eq!(
            frames,
            vec![Frame {
                body: b"hello".to_vec(),
                header: Some(header)
            }],
            "split at {i}"
        );
    }
}

#[test]
fn read_json_upload_header_reads_filesize_and_filename() {
    let p = Params {
        header_style: HeaderStyle::Upload,
        ..params(Framing::JsonHeader)
    };
    let frames = decode_chunks(&p, &[&stream(&p, &[b"hello".to_vec()])]).unwrap();
    let header = frames[0].header.clone().unwrap();
    assert_eq!(header.size, 5);
    assert_eq!(header.name.as_deref(), Some("config"));
    assert_eq!(header.md5, Md5Check::Absent);
    assert_eq!(header.raw, HELLO_UPLOAD_JSON);
}

#[test]
fn read_zero_length_frames() {
    for p in framed_combos() {
        let wire = stream(&p, &[vec![], b"x".to_vec(), vec![]]);
        let frames = decode_chunks(&p, &[&wire]).unwrap();
        assert_eq!(bodies(&frames), vec![vec![], b"x".to_vec(), vec![]]);
    }
}

#[test]
fn read_raw_takes_whatever_is_buffered() {
    let p = params(Framing::Raw);
    let frames = decode_chunks(&p, &[b"hello", b"world"]).unwrap();
    assert_eq!(bodies(&frames), vec![b"hello".to_vec(), b"world".to_vec()]);
    let mut dec = Decoder::new(&p);
    let mut buf = b"helloworld".to_vec();
    assert_eq!(dec.decode(&mut buf).unwrap().unwrap().body, b"helloworld");
    assert_eq!(dec.decode_eof(&mut buf), Ok(None));
}

#[test]
fn read_eof_returns_the_last_complete_frame() {
    let p = params(Framing::LengthPrefix);
    let mut dec = Decoder::new(&p);
    let mut buf = stream(&p, &[b"hello".to_vec()]);
    assert_eq!(dec.decode_eof(&mut buf).unwrap().unwrap().body, b"hello");
    assert_eq!(dec.decode_eof(&mut buf), Ok(None));
    assert_eq!(dec.frames(), 1);
}

// ---------------------------------------------------------------------------------------
// Tests for errors: each variant from a crafted input
// ---------------------------------------------------------------------------------------

fn decode_err(p: &Params, wire: &[u8]) -> FrameError {
    decode_chunks(p, &[wire]).unwrap_err()
}

#[test]
fn error_negative_length() {
    let mut wire = le(-1).to_vec();
    wire.extend_from_slice(b"hello");
    let e = decode_err(&params(Framing::LengthPrefix), &wire);
    assert_eq!(
        e,
        FrameError::NegativeLength {
            what: LengthOf::Body,
            value: -1
        }
    );
    assert_eq!(
        e.to_string(),
        "negative body length -1 in the 4-byte prefix"
    );
}

#[test]
fn error_negative_header_length() {
    let e = decode_err(&params(Framing::JsonHeader), &le(i32::MIN));
    assert_eq!(
        e,
        FrameError::NegativeLength {
            what: LengthOf::Header,
            value: i32::MIN
        }
    );
    assert_eq!(
        e.to_string(),
        "negative JSON header length -2147483648 in the 4-byte prefix"
    );
}

#[test]
fn error_i32_max_length_is_refused_before_allocating() {
    let p = params(Framing::LengthPrefix);
    let mut dec = Decoder::new(&p);
    let mut buf = Vec::with_capacity(16);
    buf.extend_from_slice(&le(i32::MAX));
    buf.extend_from_slice(b"hello");
    let e = dec.decode(&mut buf).unwrap_err();
    assert_eq!(
        e,
        FrameError::FrameTooLarge {
            len: i32::MAX as u64,
            max: 8 * 1024 * 1024
        }
    );
    assert_eq!(
        e.to_string(),
        "frame body of 2147483647 bytes is over max_frame (8388608 bytes)"
    );
    // Nothing reserved, nothing consumed: the offending prefix is still there.
    assert_eq!(buf.capacity(), 16);
    assert_eq!(&buf[..4], &le(i32::MAX));
    assert_eq!(dec.decode(&mut buf), Err(e));
}

#[test]
fn error_u32_max_big_endian_is_refused() {
    let p = Params {
        byte_order: ByteOrder::Big,
        ..params(Framing::LengthPrefix)
    };
    assert_eq!(
        decode_err(&p, &[0xff; 4]),
        FrameError::FrameTooLarge {
            len: u32::MAX as u64,
            max: p.max_frame
        }
    );
}

#[test]
fn error_reader_with_huge_limit_allocates_only_what_came() {
    let p = Params {
        max_frame: u32::MAX,
        ..params(Framing::LengthPrefix)
    };
    let mut wire = le(i32::MAX).to_vec();
    wire.extend_from_slice(&[7; 100]);
    let mut reader = Reader::new(&p, 1024, 1);
    let mut wire = Wire::new(wire, usize::MAX);
    let mut recvs = 0;
    while let ReadStep::Recv(n) = reader.next() {
        let data = wire.recv(n);
        reader.feed(&data);
        recvs += 1;
        if recvs == 2 {
            break;
        }
    }
    assert_eq!(reader.received(), 104);
    assert!(reader.buffered_capacity() < 4096);
    assert_eq!(
        reader.next(),
        ReadStep::Recv(1024),
        "still min(bufsize, remaining)"
    );
}

#[test]
fn error_header_too_large() {
    let p = params(Framing::JsonHeader);
    let e = decode_err(&p, &le(64 * 1024 + 1));
    assert_eq!(
        e,
        FrameError::HeaderTooLarge {
            len: 65537,
            max: 65536
        }
    );
    assert_eq!(
        e.to_string(),
        "JSON header of 65537 bytes is over max_header (65536 bytes)"
    );
}

#[test]
fn error_header_not_utf8() {
    let e = decode_err(
        &params(Framing::JsonHeader),
        &json_frame(b"{\"total_size\": 0, \xff}", b""),
    );
    assert_eq!(e, FrameError::HeaderNotUtf8 { at: 18 });
    assert_eq!(
        e.to_string(),
        "JSON header is not UTF-8 (invalid byte at offset 18)"
    );
}

#[test]
fn error_malformed_json() {
    let e = decode_err(
        &params(Framing::JsonHeader),
        &json_frame(b"{\"total_size\": 5", b"hello"),
    );
    let FrameError::BadJson { detail } = &e else {
        panic!("{e:?}")
    };
    assert!(detail.contains("EOF while parsing"), "{detail}");
    assert!(e.to_string().starts_with("JSON header is malformed: "));
}

#[test]
fn error_json_not_an_object() {
    let e = decode_err(&params(Framing::JsonHeader), &json_frame(b"[5]", b""));
    assert_eq!(
        e.to_string(),
        "JSON header is malformed: expected a JSON object, found an array"
    );
}

#[test]
fn error_missing_size() {
    let e = decode_err(
        &params(Framing::JsonHeader),
        &json_frame(br#"{"file_name": "f1.txt"}"#, b""),
    );
    assert_eq!(e, FrameError::MissingSize);
    assert_eq!(
        e.to_string(),
        r#"JSON header has no size: neither "total_size" nor "filesize""#
    );
}

#[test]
fn error_bad_size() {
    let p = params(Framing::JsonHeader);
    let cases: [(&[u8], &str, &str); 5] = [
        (br#"{"total_size": "5"}"#, "total_size", r#""5""#),
        (br#"{"total_size": -5}"#, "total_size", "-5"),
        (br#"{"filesize": 5.0}"#, "filesize", "5.0"),
        (br#"{"filesize": null}"#, "filesize", "null"),
        (br#"{"total_size": 8388609}"#, "total_size", "8388609"),
    ];
    for (json, field, value) in cases {
        let e = decode_err(&p, &json_frame(json, b""));
        assert_eq!(
            e,
            FrameError::BadSize {
                field,
                value: value.into(),
                max: 8388608
            }
        );
    }
    assert_eq!(
        decode_err(&p, &json_frame(br#"{"filesize": null}"#, b"")).to_string(),
        r#"JSON header field "filesize" is null, not a byte count from 0 to max_frame (8388608)"#
    );
}

#[test]
fn error_md5_mismatch() {
    let json = format!(r#"{{"md5": "{HELLO_MD5}", "total_size": 5}}"#);
    let e = decode_err(
        &params(Framing::JsonHeader),
        &json_frame(json.as_bytes(), b"jello"),
    );
    assert_eq!(
        e,
        FrameError::Md5Mismatch {
            expected: HELLO_MD5.into(),
            actual: md5_hex(b"jello")
        }
    );
    assert_eq!(
        e.to_string(),
        format!(
            "md5 mismatch: the header says {HELLO_MD5}, the body's md5 is {}",
            md5_hex(b"jello")
        )
    );
}

#[test]
fn md5_uppercase_hex_is_verified() {
    let json = format!(
        r#"{{"md5": "{}", "total_size": 5}}"#,
        HELLO_MD5.to_uppercase()
    );
    let frames = decode_chunks(
        &params(Framing::JsonHeader),
        &[&json_frame(json.as_bytes(), b"hello")],
    )
    .unwrap();
    assert_eq!(frames[0].header.as_ref().unwrap().md5, Md5Check::Verified);
}

#[test]
fn md5_tutorial_constant_is_not_a_checksum() {
    let json = br#"{"md5": "fdsaf2143254f", "file_name": "f1.txt", "total_size": 5}"#;
    let frames =
        decode_chunks(&params(Framing::JsonHeader), &[&json_frame(json, b"hello")]).unwrap();
    let header = frames[0].header.as_ref().unwrap();
    assert_eq!(header.md5, Md5Check::NotAChecksum("fdsaf2143254f".into()));
    assert_eq!(header.name.as_deref(), Some("f1.txt"));
}

#[test]
fn error_truncated_at_eof_counts_header_bytes() {
    let p = params(Framing::LengthPrefix);
    let mut wire = stream(&p, &[b"hello".to_vec(), b"world".to_vec()]);
    wire.extend_from_slice(&le(1025));
    wire.extend_from_slice(&[b'x'; 8]);
    let e = decode_err(&p, &wire);
    assert_eq!(
        e,
        FrameError::Truncated {
            frame: 3,
            got: 12,
            expected: 1029
        }
    );
    assert_eq!(
        e.to_string(),
        "peer closed after 12 of 1029 bytes of frame 3"
    );
}

#[test]
fn error_truncated_at_eof_in_every_state() {
    let p = params(Framing::JsonHeader);
    let wire = stream(&p, &[b"hello".to_vec()]);
    let total = wire.len() as u64;
    let header = total - 5;
    for cut in 1..wire.len() {
        let expected = match cut {
            1..4 => 4,
            _ if (cut as u64) < header => header,
            _ => total,
        };
        assert_eq!(
            decode_err(&p, &wire[..cut]),
            FrameError::Truncated {
                frame: 1,
                got: cut as u64,
                expected
            },
            "cut at {cut}"
        );
    }
}

#[test]
fn error_display_short_header() {
    assert_eq!(
        FrameError::ShortHeader { got: 2 }.to_string(),
        "struct.error: unpack requires a buffer of 4 bytes (recv(4) returned 2)"
    );
}

// ---------------------------------------------------------------------------------------
// Tests for the correct Reader
// ---------------------------------------------------------------------------------------

#[test]
fn reader_single_multi_frame_one_packet_reads_only_its_frame() {
    let p = params(Framing::LengthPrefix);
    let mut wire = Wire::new(
        stream(&p, &[b"hello".to_vec(), b"world".to_vec()]),
        usize::MAX,
    );
    let (step, asked) = run(&mut Reader::new(&p, 1024, 1), &mut wire);
    assert_eq!(message(step).body, b"hello");
    assert_eq!(asked, vec![4, 5], "recv(4), then min(1024, remaining)");
    assert_eq!(wire.pos, 9);
    assert_eq!(message(read_one(&p, 1024, 2, &mut wire)).body, b"world");
    assert_eq!(read_one(&p, 1024, 3, &mut wire), ReadStep::Eof);
}

#[test]
fn reader_single_frame_multi_packet_loops_until_whole() {
    let p = params(Framing::JsonHeader);
    let frame = stream(&p, &[b"hello world".to_vec()]);
    let mut wire = Wire::new(frame.clone(), 3);
    let mut reader = Reader::new(&p, 4, 1);
    let (step, asked) = run(&mut reader, &mut wire);
    let f = message(step);
    assert_eq!(f.body, b"hello world");
    assert_eq!(f.header.unwrap().md5, Md5Check::Verified);
    assert!(asked.iter().all(|&n| n <= 4));
    assert_eq!(reader.received(), frame.len() as u64);
}

#[test]
fn reader_zero_length_body_needs_no_recv() {
    let p = params(Framing::LengthPrefix);
    let mut wire = Wire::new(le(0), usize::MAX);
    let (step, asked) = run(&mut Reader::new(&p, 1024, 1), &mut wire);
    assert_eq!(message(step).body, b"");
    assert_eq!(asked, vec![4]);
}

#[test]
fn reader_eof_before_first_byte_is_eof() {
    for p in framed_combos().into_iter().chain([params(Framing::Raw)]) {
        assert_eq!(
            read_one(&p, 1024, 1, &mut Wire::new(vec![], 1)),
            ReadStep::Eof
        );
    }
}

#[test]
fn reader_eof_mid_frame_is_truncated() {
    let p = params(Framing::LengthPrefix);
    let mut data = le(1025).to_vec();
    data.extend_from_slice(&[b'x'; 8]);
    let e = read_error(read_one(&p, 1024, 3, &mut Wire::new(data, 5)));
    assert_eq!(
        e.to_string(),
        "peer closed after 12 of 1029 bytes of frame 3"
    );
    let e = read_error(read_one(&p, 1024, 1, &mut Wire::new(vec![5, 0], 5)));
    assert_eq!(
        e,
        FrameError::Truncated {
            frame: 1,
            got: 2,
            expected: 4
        }
    );
}

#[test]
fn reader_md5_mismatch_is_an_error() {
    let json = format!(r#"{{"md5": "{HELLO_MD5}", "total_size": 5}}"#);
    let data = json_frame(json.as_bytes(), b"jello");
    let e = read_error(read_one(
        &params(Framing::JsonHeader),
        1024,
        1,
        &mut Wire::new(data, 2),
    ));
    assert!(matches!(e, FrameError::Md5Mismatch { .. }), "{e:?}");
}

#[test]
fn reader_guards_like_the_decoder() {
    let p = params(Framing::JsonHeader);
    let e = read_error(read_one(&p, 1024, 1, &mut Wire::new(le(-3), 9)));
    assert_eq!(
        e,
        FrameError::NegativeLength {
            what: LengthOf::Header,
            value: -3
        }
    );
    let data = json_frame(br#"{"total_size": "5"}"#, b"hello");
    let e = read_error(read_one(&p, 1024, 1, &mut Wire::new(data, 9)));
    assert!(matches!(e, FrameError::BadSize { .. }), "{e:?}");
}

#[test]
fn reader_raw_is_one_recv() {
    let p = params(Framing::Raw);
    let mut wire = Wire::new(b"helloworld".to_vec(), usize::MAX);
    let (step, asked) = run(&mut Reader::new(&p, 1024, 1), &mut wire);
    assert_eq!(message(step).body, b"helloworld");
    assert_eq!(asked, vec![1024]);
    // Tutorial raw is the same program.
    let mut wire = Wire::new(b"helloworld".to_vec(), usize::MAX);
    let step = read_one(&tutorial(Framing::Raw), 4, 1, &mut wire);
    assert_eq!(message(step).body, b"hell");
}

#[test]
fn reader_steps_repeat_until_fed_and_after_the_end() {
    let p = params(Framing::LengthPrefix);
    let mut reader = Reader::new(&p, 1024, 1);
    assert_eq!(reader.next(), ReadStep::Recv(4));
    assert_eq!(reader.next(), ReadStep::Recv(4));
    reader.feed(&le(1));
    assert_eq!(reader.next(), ReadStep::Recv(1));
    reader.feed(b"!");
    let done = reader.next();
    assert_eq!(message(done.clone()).body, b"!");
    assert_eq!(reader.next(), done);
}

// ---------------------------------------------------------------------------------------
// Tests for the tutorial Reader (its loops, flaws included)
// ---------------------------------------------------------------------------------------

#[test]
fn tutorial_short_header_when_recv4_returns_2() {
    let p = tutorial(Framing::LengthPrefix);
    let data = stream(&params(Framing::LengthPrefix), &[b"hello".to_vec()]);
    let e = read_error(read_one(&p, 1024, 1, &mut Wire::new(data.clone(), 2)));
    assert_eq!(e, FrameError::ShortHeader { got: 2 });
    // The correct reader survives the same chunking (case 08's fix).
    let step = read_one(
        &params(Framing::LengthPrefix),
        1024,
        1,
        &mut Wire::new(data, 2),
    );
    assert_eq!(message(step).body, b"hello");
}

#[test]
fn tutorial_empty_header_recv_is_eof() {
    for framing in [Framing::LengthPrefix, Framing::JsonHeader] {
        let step = read_one(&tutorial(framing), 1024, 1, &mut Wire::new(vec![], 9));
        assert_eq!(step, ReadStep::Eof);
    }
}

#[test]
fn tutorial_read_multi_frame_one_packet_over_reads() {
    let p = tutorial(Framing::LengthPrefix);
    let data = stream(&p, &[b"hello".to_vec(), b"world".to_vec()]);
    let mut wire = Wire::new(data, usize::MAX);
    let (step, asked) = run(&mut Reader::new(&p, 1024, 1), &mut wire);
    // Lesson 13: recv(1024), not min(1024, remaining), swallows the next reply.
    assert_eq!(asked, vec![4, 1024]);
    assert_eq!(message(step).body, b"hello\x05\x00\x00\x00world");
    assert_eq!(read_one(&p, 1024, 2, &mut wire), ReadStep::Eof);
}

#[test]
fn tutorial_read_single_frame_multi_packet_is_intact() {
    let p = tutorial(Framing::LengthPrefix);
    let body = vec![b'z'; 3000];
    let mut wire = Wire::new(stream(&p, std::slice::from_ref(&body)), 1460);
    let (step, asked) = run(&mut Reader::new(&p, 1024, 1), &mut wire);
    assert_eq!(message(step).body, body);
    assert_eq!(asked, vec![4, 1024, 1024, 1024]);
}

#[test]
fn tutorial_negative_total_is_an_empty_message() {
    let mut data = le(-7).to_vec();
    data.extend_from_slice(b"hello");
    let step = read_one(
        &tutorial(Framing::LengthPrefix),
        1024,
        1,
        &mut Wire::new(data, 99),
    );
    assert_eq!(message(step).body, b"");
}

#[test]
fn tutorial_keeps_the_max_frame_guard() {
    let e = read_error(read_one(
        &tutorial(Framing::LengthPrefix),
        1024,
        1,
        &mut Wire::new(le(i32::MAX), 99),
    ));
    assert!(matches!(e, FrameError::FrameTooLarge { .. }), "{e:?}");
}

#[test]
fn tutorial_body_loop_eof_is_truncated_not_a_spin() {
    let mut data = le(10).to_vec();
    data.extend_from_slice(b"hello");
    let e = read_error(read_one(
        &tutorial(Framing::LengthPrefix),
        1024,
        2,
        &mut Wire::new(data, 99),
    ));
    assert_eq!(
        e,
        FrameError::Truncated {
            frame: 2,
            got: 9,
            expected: 14
        }
    );
}

#[test]
fn tutorial_json_command_header_and_body() {
    let p = tutorial(Framing::JsonHeader);
    let data = stream(&p, &[b"hello".to_vec(), b"world".to_vec()]);
    let mut wire = Wire::new(data, usize::MAX);
    let (step, asked) = run(&mut Reader::new(&p, 1024, 1), &mut wire);
    assert_eq!(asked, vec![4, HELLO_COMMAND_JSON.len(), 1024]);
    let f = message(step);
    assert!(f.body.starts_with(b"hello") && f.body.ends_with(b"world"));
    // The tutorial never checks md5, so the over-read goes unnoticed.
    assert_eq!(f.header.unwrap().md5, Md5Check::Unchecked(HELLO_MD5.into()));
}

#[test]
fn tutorial_json_constant_md5_is_not_a_checksum() {
    let json = br#"{"md5": "fdsaf2143254f", "file_name": "f1.txt", "total_size": 5}"#;
    let step = read_one(
        &tutorial(Framing::JsonHeader),
        1024,
        1,
        &mut Wire::new(json_frame(json, b"hello"), 1024),
    );
    let f = message(step);
    assert_eq!(f.body, b"hello");
    assert_eq!(
        f.header.unwrap().md5,
        Md5Check::NotAChecksum("fdsaf2143254f".into())
    );
}

#[test]
fn tutorial_json_header_split_is_bad_json() {
    let p = tutorial(Framing::JsonHeader);
    let data = stream(&p, &[b"hello".to_vec()]);
    let mut reader = Reader::new(&p, 1024, 1);
    assert_eq!(reader.next(), ReadStep::Recv(4));
    reader.feed(&data[..4]);
    // recv(header_size) returned only part of the header.
    assert_eq!(reader.next(), ReadStep::Recv(HELLO_COMMAND_JSON.len()));
    reader.feed(&data[4..20]);
    let e = read_error(reader.next());
    assert!(matches!(e, FrameError::BadJson { .. }), "{e:?}");
}

fn upload(body: &[u8]) -> Vec<u8> {
    stream(&upload_params(), &[body.to_vec()])
}

fn upload_params() -> Params {
    Params {
        header_style: HeaderStyle::Upload,
        ..tutorial(Framing::JsonHeader)
    }
}

#[test]
fn tutorial_upload_4096_with_short_reads_loses_bytes() {
    let file: Vec<u8> = (0..10_000u32).map(|i| i as u8).collect();
    let mut wire = Wire::new(upload(&file), 1460);
    let (step, asked) = run(&mut Reader::new(&upload_params(), 4096, 1), &mut wire);
    let f = message(step);
    // 10000 -> 5904 -> 1808 -> break: three recv(4096) of 1460 bytes each.
    assert_eq!(&asked[2..], &[4096, 4096, 4096]);
    assert_eq!(f.body.len(), 3 * 1460);
    assert_eq!(f.body, file[..3 * 1460]);
    assert_eq!(f.header.unwrap().size, 10_000);
    assert_eq!(wire.data.len() - wire.pos, 10_000 - 3 * 1460, "left unread");
}

#[test]
fn tutorial_upload_4096_with_full_reads_is_intact() {
    let file: Vec<u8> = (0..10_000u32).map(|i| (i * 7) as u8).collect();
    let mut wire = Wire::new(upload(&file), usize::MAX);
    let step = read_one(&upload_params(), 4096, 1, &mut wire);
    assert_eq!(message(step).body, file);
}

#[test]
fn tutorial_upload_1024_with_short_reads_is_intact_by_luck() {
    let file = vec![b'c'; 10_000];
    let mut wire = Wire::new(upload(&file), 1460);
    let step = read_one(&upload_params(), 1024, 1, &mut wire);
    assert_eq!(message(step).body, file);
}

#[test]
fn tutorial_upload_last_recv_over_reads() {
    let file = vec![b'f'; 5000];
    let mut data = upload(&file);
    data.extend_from_slice(b"NEXT");
    let step = read_one(&upload_params(), 4096, 1, &mut Wire::new(data, usize::MAX));
    let mut want = file.clone();
    want.extend_from_slice(b"NEXT");
    assert_eq!(message(step).body, want);
}

#[test]
fn tutorial_upload_eof_goes_round_again() {
    let file = vec![b'f'; 10_000];
    let data = upload(&file);
    let cut = data.len() - 5000;
    let mut wire = Wire::new(&data[..cut], usize::MAX);
    let (step, asked) = run(&mut Reader::new(&upload_params(), 4096, 1), &mut wire);
    // 4096, then 904, then b'' (filesize 1808 < buffer: break).
    assert_eq!(&asked[2..], &[4096, 4096, 4096]);
    assert_eq!(message(step).body, file[..5000]);
}

// ---------------------------------------------------------------------------------------
// Property tests
// ---------------------------------------------------------------------------------------

fn messages() -> impl Strategy<Value = Vec<Vec<u8>>> {
    prop::collection::vec(prop::collection::vec(any::<u8>(), 0..300), 0..8)
}

fn check_frames(p: &Params, messages: &[Vec<u8>], frames: &[Frame]) {
    assert_eq!(bodies(frames), messages);
    for (f, m) in frames.iter().zip(messages) {
        match p.framing {
            Framing::JsonHeader => {
                let h = f.header.as_ref().expect("json header");
                assert_eq!(h.size, m.len() as u64);
                let md5 = match p.header_style {
                    HeaderStyle::Command => Md5Check::Verified,
                    HeaderStyle::Upload => Md5Check::Absent,
                };
                assert_eq!(h.md5, md5);
            }
            _ => assert_eq!(f.header, None),
        }
    }
}

proptest! {
    // Each case decodes 8 encodings at every split point (~10k decodes): keep it short.
    #![proptest_config(ProptestConfig::with_cases(16))]

    #[test]
    fn prop_decoder_every_split_point(messages in messages()) {
        // header_writes changes the send() calls, never the bytes: decode those once.
        for p in framed_combos().into_iter().filter(|p| p.header_writes == HeaderWrites::Combined) {
            let wire = stream(&p, &messages);
            let separate = Params { header_writes: HeaderWrites::Separate, ..p.clone() };
            prop_assert_eq!(&stream(&separate, &messages), &wire);
            for i in 0..=wire.len() {
                let frames = decode_chunks(&p, &[&wire[..i], &wire[i..]]).unwrap();
                check_frames(&p, &messages, &frames);
            }
        }
    }

}

proptest! {
    #[test]
    fn prop_decoder_random_slicing(
        messages in messages(),
        cuts in prop::collection::vec(1usize..64, 1..200),
    ) {
        for p in framed_combos() {
            let wire = stream(&p, &messages);
            let mut chunks = Vec::new();
            let mut rest = &wire[..];
            for &cut in cuts.iter().cycle() {
                if rest.is_empty() {
                    break;
                }
                let (head, tail) = rest.split_at(cut.min(rest.len()));
                chunks.push(head);
                rest = tail;
            }
            check_frames(&p, &messages, &decode_chunks(&p, &chunks).unwrap());
        }
    }

    #[test]
    fn prop_reader_correct_any_recv_sizes(
        messages in messages(),
        bufsize in 1usize..2048,
        k_seed in any::<usize>(),
    ) {
        let k = 1 + k_seed % bufsize;
        for p in framed_combos() {
            let mut wire = Wire::new(stream(&p, &messages), k);
            let mut frames = Vec::new();
            for (i, m) in messages.iter().enumerate() {
                let start = wire.pos;
                let mut reader = Reader::new(&p, bufsize, i as u32 + 1);
                let (step, asked) = run(&mut reader, &mut wire);
                prop_assert!(asked.iter().all(|&n| n <= bufsize.max(4)));
                let frame = message(step);
                // Never a byte past its own frame.
                prop_assert_eq!(wire.pos - start, encode(&p, m).concat().len());
                prop_assert_eq!(reader.received(), (wire.pos - start) as u64);
                frames.push(frame);
            }
            check_frames(&p, &messages, &frames);
            prop_assert_eq!(read_one(&p, bufsize, 99, &mut wire), ReadStep::Eof);
        }
    }

    #[test]
    fn prop_raw_loses_no_bytes(messages in messages(), bufsize in 1usize..2048, k in 1usize..2048) {
        let p = params(Framing::Raw);
        let wire = stream(&p, &messages);
        let mut w = Wire::new(wire.clone(), k);
        let mut got = Vec::new();
        while let ReadStep::Message(f) = read_one(&p, bufsize, 1, &mut w) {
            prop_assert!(!f.body.is_empty() && f.body.len() <= bufsize.min(k));
            got.extend(f.body);
        }
        prop_assert_eq!(&got, &wire);
        let frames = decode_chunks(&p, &[&wire[..wire.len() / 2], &wire[wire.len() / 2..]]).unwrap();
        prop_assert_eq!(bodies(&frames).concat(), wire);
    }

    #[test]
    fn prop_damaged_streams_never_panic(
        messages in messages(),
        damage in prop::collection::vec((any::<usize>(), any::<u8>()), 0..4),
        cut in any::<usize>(),
        combo in 0usize..16,
        tutorial_decoder in any::<bool>(),
        bufsize in 0usize..64,
        k in 1usize..64,
    ) {
        let mut p = framed_combos()[combo].clone();
        p.max_frame = 1 << 16;
        if tutorial_decoder {
            p.decoder = DecoderKind::Tutorial;
        }
        let mut data = stream(&p, &messages);
        for (at, byte) in damage {
            if !data.is_empty() {
                let at = at % data.len();
                data[at] = byte;
            }
        }
        data.truncate(cut % (data.len() + 1));
        let _ = decode_chunks(&p, &[&data]);
        let mut wire = Wire::new(data, k);
        for frame in 1..=50 {
            if !matches!(read_one(&p, bufsize, frame, &mut wire), ReadStep::Message(_)) {
                break;
            }
        }
    }
}

#[test]
fn unread_after_a_frame_is_the_start_of_the_next_one() {
    for p in framed_combos() {
        let wire = stream(&p, &[b"hello".to_vec(), b"world".to_vec()]);
        let first_len = stream(&p, &[b"hello".to_vec()]).len();
        let mut buf = wire[..wire.len() - 2].to_vec();
        let mut d = Decoder::new(&p);
        let f = d
            .decode(&mut buf)
            .unwrap()
            .expect("the first frame is whole");
        assert_eq!(f.body, b"hello");
        assert_eq!(d.unread(&buf), &wire[first_len..wire.len() - 2], "{p:?}");
        assert_eq!(d.decode(&mut buf).unwrap(), None);
        assert_eq!(d.unread(&buf), &buf[..]);
    }
}

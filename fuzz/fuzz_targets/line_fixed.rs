//! `line` and `fixed` framing, sender to readers, on any bytes and any recv() sizes:
//! - encoded messages (escaped lines, records that fit): the correct readers, carry
//!   handed on from call to call, return each message; the decoder agrees at every
//!   chunking;
//! - arbitrary bytes: the correct readers give exactly the decoder's messages and error;
//!   the tutorial's loops end, never ask for more than they may, and take no message from
//!   no bytes.
#![no_main]

use libfuzzer_sys::arbitrary::{self, Arbitrary};
use libfuzzer_sys::fuzz_target;
use stickysim::framing::{ReadStep, Reader, encode};
use stickysim::params::{DecoderKind, Delimiter, Framing, Params};
use stickysim_fuzz::{chunks, decode_chunks};

#[derive(Arbitrary, Debug)]
struct Input {
    fixed: bool,
    delimiter: u8,
    record_size: u8,
    bufsize: u16,
    max_frame: u16,
    /// What each `recv()` may return at most, cycled (0 reads as 1).
    caps: Vec<u16>,
    messages: Vec<Vec<u8>>,
    garbage: Vec<u8>,
}

struct Wire<'a> {
    data: &'a [u8],
    pos: usize,
    caps: &'a [u16],
    calls: usize,
}

impl Wire<'_> {
    fn recv(&mut self, n: usize) -> &[u8] {
        let cap = self
            .caps
            .get(self.calls % self.caps.len().max(1))
            .map_or(usize::MAX, |&c| usize::from(c.max(1)));
        self.calls += 1;
        let m = n.min(cap).min(self.data.len() - self.pos);
        self.pos += m;
        &self.data[self.pos - m..self.pos]
    }
}

/// `recv_message` calls in a row, each one's carry handed to the next, until a final
/// step that is not a message.
fn read_all(p: &Params, bufsize: usize, wire: &mut Wire) -> Vec<ReadStep> {
    let most = bufsize.max(1).max(p.record_size as usize);
    let mut steps = Vec::new();
    let mut carry = Vec::new();
    for frame in 1.. {
        let before = wire.pos;
        let had = carry.len();
        let mut r = Reader::new(p, bufsize, frame).with_carry(std::mem::take(&mut carry));
        let step = loop {
            match r.next() {
                ReadStep::Recv(n) => {
                    assert!(n >= 1 && n <= most, "recv({n}) with bufsize {bufsize}");
                    let data = wire.recv(n);
                    r.feed(data);
                }
                done => break done,
            }
        };
        carry = r.take_carry();
        let message = matches!(step, ReadStep::Message(_));
        if message {
            assert!(
                wire.pos > before || had > carry.len(),
                "a message from no bytes"
            );
        }
        steps.push(step);
        if !message {
            return steps;
        }
    }
    unreachable!()
}

fuzz_target!(|input: Input| {
    let delimiter =
        [Delimiter::Lf, Delimiter::Crlf, Delimiter::Nul][usize::from(input.delimiter % 3)];
    let record_size = u32::from(input.record_size.max(1));
    let base = Params {
        framing: if input.fixed {
            Framing::Fixed
        } else {
            Framing::Line
        },
        delimiter,
        escape: true,
        record_size,
        ..Params::default()
    };
    let bufsize = usize::from(input.bufsize);
    // What a record carries: at most record_size bytes, without trailing NULs.
    let sent: Vec<Vec<u8>> = input
        .messages
        .iter()
        .map(|m| {
            if input.fixed {
                let m = &m[..m.len().min(record_size as usize)];
                let end = m.iter().rposition(|&b| b != 0).map_or(0, |i| i + 1);
                m[..end].to_vec()
            } else {
                m.clone()
            }
        })
        .collect();
    let wire_bytes: Vec<u8> = sent
        .iter()
        .flat_map(|m| encode(&base, m).concat())
        .collect();
    let (frames, err) = decode_chunks(&base, &chunks(&wire_bytes, &input.caps));
    assert_eq!(err, None);
    assert_eq!(frames.into_iter().map(|f| f.body).collect::<Vec<_>>(), sent);
    let mut wire = Wire {
        data: &wire_bytes,
        pos: 0,
        caps: &input.caps,
        calls: 0,
    };
    let steps = read_all(&base, bufsize, &mut wire);
    let (last, messages) = steps.split_last().unwrap();
    assert_eq!(last, &ReadStep::Eof);
    let got: Vec<Vec<u8>> = messages
        .iter()
        .map(|s| match s {
            ReadStep::Message(f) => f.body.clone(),
            _ => unreachable!(),
        })
        .collect();
    assert_eq!(got, sent);

    // Arbitrary bytes, small limits, both escape settings.
    for escape in [false, true] {
        let p = Params {
            escape,
            max_frame: u32::from(input.max_frame.max(1)),
            ..base.clone()
        };
        let (frames, err) = decode_chunks(&p, &[&input.garbage]);
        let mut wire = Wire {
            data: &input.garbage,
            pos: 0,
            caps: &input.caps,
            calls: 0,
        };
        let steps = read_all(&p, bufsize, &mut wire);
        let (last, messages) = steps.split_last().unwrap();
        assert_eq!(messages.len(), frames.len().min(messages.len()));
        for (s, f) in messages.iter().zip(&frames) {
            assert_eq!(s, &ReadStep::Message(f.clone()));
        }
        match (err, last) {
            (None, ReadStep::Eof) => assert_eq!(messages.len(), frames.len()),
            (Some(e), ReadStep::Error(got)) => assert_eq!(&e, got),
            (e, last) => panic!("decoder {e:?}, reader {last:?}"),
        }
        let tutorial = Params {
            decoder: DecoderKind::Tutorial,
            ..p
        };
        let mut wire = Wire {
            data: &input.garbage,
            pos: 0,
            caps: &input.caps,
            calls: 0,
        };
        let steps = read_all(&tutorial, bufsize, &mut wire);
        assert!(steps.len() <= input.garbage.len() + 1);
    }
});

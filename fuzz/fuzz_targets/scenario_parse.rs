//! The scenario parser on arbitrary bytes: never panics, every error carries a position
//! inside the file, `parse_bytes` reports the first of `parse_bytes_all`'s errors, and a
//! scenario it accepts passes the same checks `run` makes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use stickysim::scenario::{self, limits};

const FILE: &str = "fuzz.toml";

fuzz_target!(|data: &[u8]| {
    let all = scenario::parse_bytes_all(data, FILE);
    let first = scenario::parse_bytes(data, FILE);
    // Deterministic, and `parse_bytes` is the first error of `parse_bytes_all`.
    assert_eq!(
        format!("{:?}", first),
        format!("{:?}", all.clone().map_err(|e| e[0].clone()))
    );
    let text = std::str::from_utf8(data).ok();
    let lines: Vec<&str> = match text {
        Some(t) => t.split('\n').collect(),
        None => data.split(|&b| b == b'\n').map(|_| "").collect(),
    };
    match all {
        Err(errors) => {
            assert!(!errors.is_empty(), "an Err with no error");
            let mut last_line = 0;
            for e in &errors {
                assert_eq!(e.file, FILE);
                assert!(!e.message.trim().is_empty(), "an error without a message");
                assert!(e.line >= 1 && e.column >= 1, "no position: {e}");
                assert!(e.line as usize <= lines.len(), "line past the end: {e}");
                if text.is_some() {
                    let chars = lines[e.line as usize - 1].chars().count();
                    assert!(e.column as usize <= chars + 1, "column past the line: {e}");
                }
                assert!(e.line >= last_line, "errors not in file order: {errors:?}");
                last_line = e.line;
                assert!(
                    e.to_string()
                        .starts_with(&format!("{FILE}:{}:{}: ", e.line, e.column))
                );
            }
            if let Some(t) = text {
                assert_eq!(
                    format!("{:?}", scenario::parse_all(t, FILE)),
                    format!("{:?}", Err::<(), _>(errors))
                );
            }
        }
        Ok(s) => {
            assert!(s.params.validate().is_ok());
            for step in s.client.iter().chain(s.server.iter()) {
                assert!(step.line >= 1 && step.line as usize <= lines.len());
            }
            let max = limits::MAX_ACTIONS_PER_PROGRAM as usize;
            assert!(s.client.len() <= max && s.server.len() <= max);
        }
    }
});

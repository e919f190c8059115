//! The `upload` app: the tutorial's upload stream, received safely.
//!
//! ```text
//! +- hlen: i32 LE -+------------- JSON header (hlen bytes) --------------+-- file --+
//! |  4 bytes       | {"filepath": "C:\\...", "filename": "config",       | filesize |
//! |                |  "filesize": 10000}                                  |  bytes   |
//! +----------------+------------------------------------------------------+----------+
//! ```
//!
//! The header is read by [`framing::header`](crate::framing), the same code as the
//! json-header decoder, so both accept the same headers: the size is `total_size` or
//! `filesize` (`total_size` wins if both are there), the name `file_name` or `filename`
//! (`file_name` wins; a non-string name is ignored), a 32-hex-digit `md5` is verified.
//! `filepath` is a path on the client's machine: ignored. The name is reduced to a
//! plain name; the file goes into the upload folder only, never over an existing file.
//! The file is streamed to disk (memory per connection stays bounded); a file cut
//! short, an md5 mismatch or a hostile header removes what was written.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use md5::{Digest, Md5};

use super::ServeEventKind;
use super::conn::{Conn, End, hostile};
use crate::framing::FrameError;
use crate::framing::header::{self, Md5Claim, ParsedHeader};
use crate::realnet::RealError;

/// A new folder under the system's temp folder.
pub(super) fn temp_dir() -> Result<PathBuf, RealError> {
    static N: AtomicU64 = AtomicU64::new(0);
    let n = N.fetch_add(1, Ordering::Relaxed);
    let d = std::env::temp_dir().join(format!("stickysim-uploads-{}-{n}", std::process::id()));
    std::fs::create_dir_all(&d).map_err(|source| RealError::Io {
        what: format!("create the upload folder {}", d.display()),
        source,
    })?;
    Ok(d)
}

/// Longest saved name, in bytes (file systems allow 255).
const MAX_NAME_BYTES: usize = 120;

/// A client's file name as a plain name that is safe in one folder on any system: the
/// last path component (`/` or `\`), without control characters or `<>:"|?*`, without
/// leading or trailing dots and spaces, not a reserved Windows device name, at most 120
/// bytes; `upload` if nothing is left.
pub fn sanitize_file_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or("");
    let cleaned: String = base
        .chars()
        .filter(|c| !c.is_control())
        .map(|c| if "<>:\"|?*".contains(c) { '_' } else { c })
        .collect();
    let trimmed = cleaned.trim_matches(|c: char| c == '.' || c.is_whitespace());
    let mut out = String::new();
    for c in trimmed.chars() {
        if out.len() + c.len_utf8() > MAX_NAME_BYTES {
            break;
        }
        out.push(c);
    }
    let out = out.trim_end_matches(|c: char| c == '.' || c.is_whitespace());
    if out.is_empty() {
        return "upload".to_string();
    }
    let stem = out.split('.').next().unwrap_or("").to_ascii_uppercase();
    let reserved = matches!(stem.as_str(), "CON" | "PRN" | "AUX" | "NUL")
        || ((stem.starts_with("COM") || stem.starts_with("LPT"))
            && stem.len() == 4
            && stem.as_bytes()[3].is_ascii_digit());
    if reserved {
        format!("_{out}")
    } else {
        out.to_string()
    }
}

/// Creates `name` in `dir`, or `name-1`, `name-2`… if it exists.
fn create_unique(dir: &Path, name: &str) -> std::io::Result<(File, PathBuf)> {
    let (stem, ext) = match name.rfind('.') {
        Some(i) if i > 0 => (&name[..i], &name[i..]),
        _ => (name, ""),
    };
    for n in 0..1000 {
        let candidate = if n == 0 {
            name.to_string()
        } else {
            format!("{stem}-{n}{ext}")
        };
        let path = dir.join(candidate);
        match OpenOptions::new().write(true).create_new(true).open(&path) {
            Ok(f) => return Ok((f, path)),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
    Err(std::io::Error::new(
        std::io::ErrorKind::AlreadyExists,
        "1000 files with that name already exist",
    ))
}

/// Reads exactly `n` bytes in `recv(min(bufsize, remaining))` calls. `Ok(None)`: EOF
/// before the first byte (only when `eof_ok`).
fn read_exact(c: &mut Conn, n: usize, eof_ok: bool, what: &str) -> Result<Option<Vec<u8>>, End> {
    let mut out = Vec::with_capacity(n);
    while out.len() < n {
        let want = (n - out.len()).min(c.ctx.opts.recv_size);
        let data = c.recv(want)?;
        if data.is_empty() {
            if out.is_empty() && eof_ok {
                return Ok(None);
            }
            return Err(End::Fault(format!(
                "the client closed after {} of {n} bytes of {what}",
                out.len()
            )));
        }
        out.extend_from_slice(&data);
    }
    Ok(Some(out))
}

pub(super) fn serve(c: &mut Conn) -> Result<(), End> {
    let Some(dir) = c.ctx.upload_dir.clone() else {
        return Err(End::Fault("no upload folder".into()));
    };
    let params = c.ctx.opts.params.clone();
    loop {
        let Some(prefix) = read_exact(c, header::PREFIX_LEN, true, "the 4-byte header length")?
            .as_deref()
            .and_then(header::peek_prefix)
        else {
            return Ok(());
        };
        let hlen = header::header_len(header::unpack(prefix, params.byte_order), params.max_header)
            .map_err(|e| hostile(&e))?;
        let hbytes = read_exact(c, hlen, false, "the JSON header")?.unwrap_or_default();
        let header = parse_header(&hbytes, c.ctx.opts.max_upload)?;
        let name = sanitize_file_name(header.name.as_deref().unwrap_or("upload"));
        let (file, path) = create_unique(&dir, &name)
            .map_err(|e| End::Fault(format!("cannot create {name} in {}: {e}", dir.display())))?;
        match receive_file(c, file, &header) {
            Ok(md5) => {
                let check = match &header.md5 {
                    Md5Claim::Absent => "no md5 in the header: size verified".to_string(),
                    Md5Claim::Hex(m) if m.eq_ignore_ascii_case(&md5) => "md5 verified".to_string(),
                    Md5Claim::Hex(m) => {
                        let _ = std::fs::remove_file(&path);
                        return Err(End::Fault(format!(
                            "md5 mismatch: the header says {m}, the file's md5 is {md5}; {name} removed"
                        )));
                    }
                    Md5Claim::Other(m) => format!("md5 {m:?} is not a checksum: not verified"),
                };
                c.emit(ServeEventKind::Saved {
                    path,
                    size: header.size as u64,
                    md5,
                    check,
                });
            }
            Err(e) => {
                let _ = std::fs::remove_file(&path);
                return Err(match e {
                    End::Fault(m) => End::Fault(format!("{m}; partial file {name} removed")),
                    other => other,
                });
            }
        }
    }
}

/// The JSON header, by the framing's parser; the size limit is `max_upload`.
fn parse_header(bytes: &[u8], max_upload: u64) -> Result<ParsedHeader, End> {
    let max = u32::try_from(max_upload).unwrap_or(u32::MAX);
    header::parse_json_header(bytes, max).map_err(|e| match e {
        // The framing's message names max_frame; here the limit is the upload's.
        FrameError::BadSize { field, value, max } => hostile(&format!(
            "JSON header field \"{field}\" is {value}, not a byte count from 0 to the upload limit ({max})"
        )),
        other => hostile(&other),
    })
}

/// Streams the file body to disk; returns its md5.
fn receive_file(c: &mut Conn, mut file: File, h: &ParsedHeader) -> Result<String, End> {
    let mut md5 = Md5::new();
    let mut got = 0u64;
    let size = h.size as u64;
    while got < size {
        let want = (size - got).min(c.ctx.opts.recv_size as u64) as usize;
        let data = c.recv(want)?;
        if data.is_empty() {
            return Err(End::Fault(format!(
                "the client closed after {got} of {size} bytes of the file"
            )));
        }
        file.write_all(&data)
            .map_err(|e| End::Fault(format!("cannot write the file: {e}")))?;
        md5.update(&data);
        got += data.len() as u64;
    }
    file.flush()
        .map_err(|e| End::Fault(format!("cannot write the file: {e}")))?;
    Ok(header::hex_digest(&md5.finalize()))
}

#[cfg(test)]
mod tests {
    use super::sanitize_file_name as s;

    #[test]
    fn file_names_stay_in_one_folder() {
        assert_eq!(s("config"), "config");
        assert_eq!(s("../../etc/passwd"), "passwd");
        assert_eq!(s(r"C:\Users\Aaron\Desktop\新建文件夹\config"), "config");
        assert_eq!(s(".."), "upload");
        assert_eq!(s(""), "upload");
        assert_eq!(s("/"), "upload");
        assert_eq!(s(".bashrc"), "bashrc");
        assert_eq!(s("a\u{0}b\nc.txt"), "abc.txt");
        assert_eq!(s("what?.txt"), "what_.txt");
        assert_eq!(s("CON"), "_CON");
        assert_eq!(s("lpt1.txt"), "_lpt1.txt");
        assert_eq!(s("新建文件.txt"), "新建文件.txt");
        assert!(s(&"长".repeat(200)).len() <= 120);
        assert_eq!(s("name. . "), "name");
    }
}

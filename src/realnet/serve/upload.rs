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
//!
//! Atomic: the body is streamed (memory per connection stays bounded) into a new
//! temporary file (`.stickysim-upload-<random>.part`, created with `create_new`) in the
//! upload folder, and given its name only when its size and md5 check out, by a hard
//! link that fails rather than replace an existing file. Nothing half-written ever has a
//! real name: a file cut short, an md5 mismatch, a hostile header or a killed server
//! leaves at most a temporary, which the next server on that folder removes at start.
//! The bytes accepted in one run of the server are capped (`upload_quota`).

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;

use md5::{Digest, Md5};
use rand::RngExt;

use super::conn::{Conn, End, hostile};
use super::{ServeEventKind, is_format_char};
use crate::framing::FrameError;
use crate::framing::header::{self, Md5Claim, ParsedHeader};
use crate::realnet::RealError;

/// Temporary files are named `TEMP_PREFIX` + 16 hex digits + `TEMP_SUFFIX`.
pub const TEMP_PREFIX: &str = ".stickysim-upload-";
pub const TEMP_SUFFIX: &str = ".part";

/// A new folder `stickysim-uploads-<random>` in the system's temp folder, made like
/// `mkdtemp`: mode 0700, and `mkdir` itself fails on anything already there (a planted
/// symlink included), so an existing path is never followed.
pub(super) fn temp_dir() -> Result<PathBuf, RealError> {
    let base = std::env::temp_dir();
    let mut last = None;
    for _ in 0..100 {
        let d = base.join(format!(
            "stickysim-uploads-{:016x}",
            rand::rng().random::<u64>()
        ));
        let mut b = std::fs::DirBuilder::new();
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut b, 0o700);
        match b.create(&d) {
            Ok(()) => return Ok(d),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => last = Some(e),
            Err(source) => {
                return Err(RealError::Io {
                    what: format!("create the upload folder {}", d.display()),
                    source,
                });
            }
        }
    }
    Err(RealError::Io {
        what: format!("create an upload folder in {}", base.display()),
        source: last.unwrap_or_else(|| std::io::Error::other("100 names taken")),
    })
}

fn is_temporary(name: &str) -> bool {
    name.starts_with(TEMP_PREFIX) && name.ends_with(TEMP_SUFFIX)
}

/// Removes the temporaries a killed server left in `dir` (regular files only);
/// returns how many. One server per folder: another one's upload in progress would go
/// too.
pub(super) fn remove_stale_temporaries(dir: &Path) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    entries
        .flatten()
        .filter(|e| is_temporary(&e.file_name().to_string_lossy()))
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .filter(|e| std::fs::remove_file(e.path()).is_ok())
        .count()
}

/// Longest saved name, in bytes (file systems allow 255).
const MAX_NAME_BYTES: usize = 120;

/// A client's file name as a plain name that is safe in one folder on any system: the
/// last path component (`/` or `\`), without control characters, without Unicode format
/// characters (bidi overrides, zero-width characters: replaced by `_`, so the name
/// displays as what it is) or `<>:"|?*`, without leading or trailing dots and spaces,
/// not a reserved Windows device name, not our temporary prefix, at most 120 bytes;
/// `upload` if nothing is left.
pub fn sanitize_file_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or("");
    let cleaned: String = base
        .chars()
        .filter(|c| !c.is_control())
        .map(|c| {
            if "<>:\"|?*".contains(c) || is_format_char(c) {
                '_'
            } else {
                c
            }
        })
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
    if reserved || is_temporary(out) {
        format!("_{out}")
    } else {
        out.to_string()
    }
}

/// A new temporary file in `dir` (mode 0600 on Unix), never an existing one.
fn create_temporary(dir: &Path) -> std::io::Result<(File, PathBuf)> {
    for _ in 0..100 {
        let name = format!(
            "{TEMP_PREFIX}{:016x}{TEMP_SUFFIX}",
            rand::rng().random::<u64>()
        );
        let path = dir.join(name);
        let mut o = OpenOptions::new();
        o.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut o, 0o600);
        match o.open(&path) {
            Ok(f) => return Ok((f, path)),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
    Err(std::io::Error::new(
        std::io::ErrorKind::AlreadyExists,
        "100 temporary names taken",
    ))
}

/// Gives the complete temporary file `tmp` the name `name`, or `name-1`, `name-2`… if
/// taken: a hard link, which fails rather than replace a file, then the temporary
/// goes. Where hard links are not supported, a rename to a name nobody has.
fn publish(tmp: &Path, dir: &Path, name: &str) -> std::io::Result<PathBuf> {
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
        match std::fs::hard_link(tmp, &path) {
            Ok(()) => {
                std::fs::remove_file(tmp)?;
                return Ok(path);
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(_) if std::fs::symlink_metadata(&path).is_err() => {
                std::fs::rename(tmp, &path)?;
                return Ok(path);
            }
            Err(_) => continue,
        }
    }
    Err(std::io::Error::new(
        std::io::ErrorKind::AlreadyExists,
        "1000 files with that name already exist",
    ))
}

/// Takes `size` bytes of the run's upload quota, or says why not.
fn reserve(c: &Conn, size: u64) -> Result<(), End> {
    let quota = c.ctx.opts.upload_quota;
    c.ctx
        .uploaded
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |used| {
            used.checked_add(size).filter(|&t| t <= quota)
        })
        .map(|_| ())
        .map_err(|used| {
            End::Fault(format!(
                "upload quota: this server run has accepted {used} of its {quota} bytes; a file of {size} bytes is refused (restart the server for a new quota)"
            ))
        })
}

fn release(c: &Conn, size: u64) {
    c.ctx.uploaded.fetch_sub(size, Ordering::SeqCst);
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
    let mut index = 0u32;
    loop {
        index = index.saturating_add(1);
        c.frame_next(index, 0);
        let Some(prefix) = read_exact(c, header::PREFIX_LEN, true, "the 4-byte header length")?
            .as_deref()
            .and_then(header::peek_prefix)
        else {
            return Ok(());
        };
        let hlen = header::header_len(header::unpack(prefix, params.byte_order), params.max_header)
            .map_err(|e| hostile(&e))?;
        c.frame_len((header::PREFIX_LEN + hlen) as u64);
        let hbytes = read_exact(c, hlen, false, "the JSON header")?.unwrap_or_default();
        let header = parse_header(&hbytes, c.ctx.opts.max_upload)?;
        let size = header.size as u64;
        c.frame_len((header::PREFIX_LEN + hlen) as u64 + size);
        let name = sanitize_file_name(header.name.as_deref().unwrap_or("upload"));
        reserve(c, size)?;
        let result = receive(c, &dir, &name, &header);
        if result.is_err() {
            release(c, size);
        }
        let (path, md5, check) = result?;
        c.frame_done();
        c.emit(ServeEventKind::Saved {
            path,
            size,
            md5,
            check,
        });
    }
}

/// Receives one file into a temporary and publishes it under `name` if it checks out.
/// On any failure the temporary is removed and nothing gets a name.
fn receive(
    c: &mut Conn,
    dir: &Path,
    name: &str,
    header: &ParsedHeader,
) -> Result<(PathBuf, String, String), End> {
    let (file, tmp) = create_temporary(dir).map_err(|e| {
        End::Fault(format!(
            "cannot create a temporary file in {}: {e}",
            dir.display()
        ))
    })?;
    let outcome = receive_file(c, file, header).and_then(|md5| {
        let check = match &header.md5 {
            Md5Claim::Absent => "no md5 in the header: size verified".to_string(),
            Md5Claim::Hex(m) if m.eq_ignore_ascii_case(&md5) => "md5 verified".to_string(),
            Md5Claim::Hex(m) => {
                return Err(End::Fault(format!(
                    "md5 mismatch: the header says {m}, the file's md5 is {md5}; nothing saved under {name} (the received copy was removed)"
                )));
            }
            Md5Claim::Other(m) => format!("md5 {m:?} is not a checksum: not verified"),
        };
        let path = publish(&tmp, dir, name)
            .map_err(|e| End::Fault(format!("cannot save {name} in {}: {e}", dir.display())))?;
        Ok((path, md5, check))
    });
    if outcome.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    outcome.map_err(|e| match e {
        End::Fault(m) if !m.starts_with("md5 mismatch") => End::Fault(format!(
            "{m}; nothing saved under {name} (the partial upload was removed)"
        )),
        other => other,
    })
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

/// Streams the file body to disk; returns its md5 once every byte is there and synced.
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
    file.sync_all()
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
        assert_eq!(s("evil\u{202E}txt.exe"), "evil_txt.exe");
        assert_eq!(s("a\u{200B}b\u{2066}.txt"), "a_b_.txt");
        assert_eq!(s(".stickysim-upload-1.part"), "stickysim-upload-1.part");
    }
}

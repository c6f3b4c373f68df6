//! What a backup file is, decided from its first bytes (never from its name: backups get
//! renamed, and `.aof` files written with a preamble start like an `.rdb`).

use std::fmt;

/// How many bytes [`sniff`] wants to see (a tar header's `ustar` magic sits at 257..262).
pub const SNIFF_LEN: usize = 512;

/// The format of a file or archive member.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// `REDIS` followed by a 4-digit version: a snapshot, or an AOF with an RDB preamble
    /// (the two are told apart only by what follows the snapshot).
    Rdb,
    /// Commands in RESP (`*…`), possibly after Redis 7 annotations (`#TS:…`).
    Aof,
    /// A Redis 7 multi-part AOF manifest (`file <name> seq <n> type <b|h|i>` lines).
    Manifest,
    /// `PK\x03\x04`: a zip archive.
    Zip,
    /// A tar archive (`ustar` magic at offset 257).
    Tar,
    /// gzip (`\x1f\x8b`): a `.tar.gz` or a single compressed RDB or AOF.
    Gzip,
}

impl Format {
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Rdb => "RDB",
            Format::Aof => "AOF",
            Format::Manifest => "multi-part AOF manifest",
            Format::Zip => "zip archive",
            Format::Tar => "tar archive",
            Format::Gzip => "gzip stream",
        }
    }

    /// Whether members are read one after the other out of this container.
    pub fn is_archive(self) -> bool {
        matches!(self, Format::Zip | Format::Tar | Format::Gzip)
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why the first bytes match no known format.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SniffError {
    /// Nothing at all.
    Empty,
    /// Something else; carries the first bytes in hex (at most 16) for the message.
    Unknown { head_hex: String },
}

impl fmt::Display for SniffError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SniffError::Empty => f.write_str("the file is empty"),
            SniffError::Unknown { head_hex } => write!(
                f,
                "unknown format, first bytes {head_hex} (expected an RDB file starting with \
                 REDIS, an AOF starting with *, a multi-part AOF manifest, or a zip, tar or gzip \
                 archive of those)"
            ),
        }
    }
}

/// The first bytes in hex, space-separated, at most 16 of them.
pub fn head_hex(head: &[u8]) -> String {
    let shown = &head[..head.len().min(16)];
    let mut s = String::with_capacity(shown.len() * 3);
    for (i, b) in shown.iter().enumerate() {
        if i > 0 {
            s.push(' ');
        }
        s.push_str(&format!("{b:02x}"));
    }
    if head.len() > 16 {
        s.push_str(" …");
    }
    s
}

/// Decides the format from the first bytes of a stream (up to [`SNIFF_LEN`]; fewer only
/// when the stream is that short).
pub fn sniff(head: &[u8]) -> Result<Format, SniffError> {
    if head.is_empty() {
        return Err(SniffError::Empty);
    }
    if head.starts_with(b"REDIS") {
        return Ok(Format::Rdb);
    }
    if head.starts_with(b"PK\x03\x04") {
        return Ok(Format::Zip);
    }
    if head.starts_with(&[0x1f, 0x8b]) {
        return Ok(Format::Gzip);
    }
    if head.get(257..262) == Some(b"ustar") {
        return Ok(Format::Tar);
    }
    // Redis 7 writes annotations such as `#TS:1700000000\r\n` between commands (and may
    // start a file with one); its loader skips every line starting with `#`.
    if head[0] == b'*' || head.starts_with(b"#TS:") {
        return Ok(Format::Aof);
    }
    if looks_like_manifest(head) {
        return Ok(Format::Manifest);
    }
    Err(SniffError::Unknown {
        head_hex: head_hex(head),
    })
}

/// A manifest line starts with a key Redis writes (`file`, `seq`, `type`) followed by a
/// space, possibly after comment lines.
fn looks_like_manifest(head: &[u8]) -> bool {
    let first = head
        .split(|&b| b == b'\n')
        .find(|line| !line.starts_with(b"#"))
        .unwrap_or_default();
    ["file ", "seq ", "type "]
        .iter()
        .any(|k| first.starts_with(k.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn each_format_by_its_magic() {
        assert_eq!(sniff(b"REDIS0011\xfa"), Ok(Format::Rdb));
        assert_eq!(sniff(b"*2\r\n$6\r\nSELECT"), Ok(Format::Aof));
        assert_eq!(sniff(b"#TS:1700000000\r\n*1\r\n"), Ok(Format::Aof));
        assert_eq!(sniff(b"PK\x03\x04\x14\x00"), Ok(Format::Zip));
        assert_eq!(sniff(&[0x1f, 0x8b, 8, 0]), Ok(Format::Gzip));
        assert_eq!(
            sniff(b"file appendonly.aof.1.base.rdb seq 1 type b\n"),
            Ok(Format::Manifest)
        );
        let mut tar = vec![0u8; 512];
        tar[..8].copy_from_slice(b"dump.rdb");
        tar[257..263].copy_from_slice(b"ustar\0");
        assert_eq!(sniff(&tar), Ok(Format::Tar));
    }

    #[test]
    fn unknown_bytes_are_named_in_hex() {
        let err = sniff(b"hello world, this is not redis").unwrap_err();
        assert_eq!(
            err.to_string().split(" (").next().unwrap(),
            "unknown format, first bytes 68 65 6c 6c 6f 20 77 6f 72 6c 64 2c 20 74 68 69 …"
        );
        assert_eq!(sniff(b""), Err(SniffError::Empty));
        // A lone `#` line that is not an annotation is not taken for an AOF.
        assert!(sniff(b"#!/bin/sh\n").is_err());
        assert!(sniff(b"REDI").is_err());
    }

    proptest! {
        #[test]
        fn never_panics(head in proptest::collection::vec(any::<u8>(), 0..600)) {
            let _ = sniff(&head);
            prop_assert!(head_hex(&head).len() <= 16 * 3 + 4);
        }
    }
}

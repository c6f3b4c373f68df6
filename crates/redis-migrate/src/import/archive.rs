//! Members of zip and tar archives, one at a time, as streams (never unpacked to disk).
//!
//! Zip members are read through their local headers (`zip::read::read_zipfile_from_stream`),
//! so the archive need not be seekable; members written with a data descriptor (sizes after
//! the data, as some streaming zip writers do) cannot be read that way and are refused with a
//! hint. Tar members come through the `tar` crate (long names and PAX paths included). Every
//! member is checked to deliver exactly the size its header announces, so a truncated archive
//! is an error rather than a short file.

use super::ImportError;
use super::detect::Format;
use std::io::{self, Read};

/// One regular file of an archive.
pub(crate) struct Member<'a> {
    /// Path inside the archive, without a leading `./`.
    pub path: String,
    /// Uncompressed size from the member's header.
    pub size: u64,
    pub reader: &'a mut dyn Read,
}

/// Calls `f` with every regular file of the zip or tar archive read from `reader`, in
/// archive order. Directories are skipped; links and devices are reported to `skipped`.
pub(crate) fn for_each_member<R: Read, E: From<ImportError>>(
    format: Format,
    mut reader: R,
    archive: &str,
    skipped: &mut Vec<String>,
    f: &mut dyn FnMut(Member<'_>) -> Result<(), E>,
) -> Result<(), E> {
    match format {
        Format::Zip => loop {
            let zip_error = |e: zip::result::ZipError| {
                let hint = match &e {
                    zip::result::ZipError::UnsupportedArchive(m) if m.contains("length") => {
                        " (the member was written with a data descriptor, which a stream cannot \
                         be read past; re-create the archive with `zip` from files, or use tar.gz)"
                    }
                    _ => "",
                };
                ImportError::invalid(archive, format!("zip: {e}{hint}"))
            };
            let Some(mut file) =
                zip::read::read_zipfile_from_stream(&mut reader).map_err(zip_error)?
            else {
                return Ok(());
            };
            if file.is_dir() {
                continue;
            }
            let path = clean(file.name());
            let size = file.size();
            let mut sized = Sized::new(&mut file, size);
            f(Member {
                path,
                size,
                reader: &mut sized,
            })?;
        },
        Format::Tar => {
            let mut tar = tar::Archive::new(reader);
            let entries = tar
                .entries()
                .map_err(|e| ImportError::io(&format!("{archive} (tar)"), e))?;
            for entry in entries {
                let mut entry =
                    entry.map_err(|e| ImportError::io(&format!("{archive} (tar)"), e))?;
                let kind = entry.header().entry_type();
                let path = entry
                    .path()
                    .map(|p| clean(&p.to_string_lossy()))
                    .map_err(|e| ImportError::io(&format!("{archive} (tar)"), e))?;
                if kind.is_dir() || kind.is_pax_global_extensions() {
                    continue;
                }
                if !kind.is_file() && !kind.is_contiguous() {
                    skipped.push(format!(
                        "{archive}!{path}: not a regular file ({kind:?}), skipped"
                    ));
                    continue;
                }
                let size = entry.size();
                let mut sized = Sized::new(&mut entry, size);
                f(Member {
                    path,
                    size,
                    reader: &mut sized,
                })?;
            }
            Ok(())
        }
        other => Err(
            ImportError::invalid(archive, format!("{other} is not a zip or tar archive")).into(),
        ),
    }
}

fn clean(path: &str) -> String {
    let mut p = path;
    while let Some(rest) = p.strip_prefix("./") {
        p = rest;
    }
    p.to_owned()
}

/// Delivers exactly `size` bytes: an early end of the archive is an error, not a short member.
/// After the last byte it reads the inner stream once more to its end, which is where the zip
/// reader checks the member's CRC-32.
struct Sized<R> {
    inner: R,
    size: u64,
    left: u64,
    end_checked: bool,
}

impl<R: Read> Sized<R> {
    fn new(inner: R, size: u64) -> Self {
        Self {
            inner,
            size,
            left: size,
            end_checked: false,
        }
    }
}

impl<R: Read> Read for Sized<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if out.is_empty() {
            return Ok(0);
        }
        if self.left == 0 {
            if !self.end_checked {
                self.end_checked = true;
                let mut probe = [0u8; 1];
                if self.inner.read(&mut probe)? != 0 {
                    return Err(io::Error::new(
                        io::ErrorKind::InvalidData,
                        format!(
                            "the member holds more than the {} bytes its header says",
                            self.size
                        ),
                    ));
                }
            }
            return Ok(0);
        }
        let want = out
            .len()
            .min(usize::try_from(self.left).unwrap_or(usize::MAX));
        let n = self.inner.read(&mut out[..want])?;
        if n == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                format!(
                    "the archive ends after {} of this member's {} bytes: it is truncated",
                    self.size - self.left,
                    self.size
                ),
            ));
        }
        self.left -= n as u64;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_short_member_is_an_error() {
        let mut s = Sized::new(&b"abc"[..], 5);
        let mut out = Vec::new();
        let e = s.read_to_end(&mut out).unwrap_err();
        assert!(
            e.to_string().contains("after 3 of this member's 5 bytes"),
            "{e}"
        );
        let mut s = Sized::new(&b"abcd"[..], 4);
        let mut out = Vec::new();
        s.read_to_end(&mut out).unwrap();
        assert_eq!(out, b"abcd");
        let mut s = Sized::new(&b"abcdef"[..], 4);
        let e = s.read_to_end(&mut Vec::new()).unwrap_err();
        assert!(e.to_string().contains("more than the 4 bytes"), "{e}");
        assert_eq!(clean("././a/b"), "a/b");
    }
}

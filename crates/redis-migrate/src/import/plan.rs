//! From the user's paths to the sources to import, and from each source to its parts in load
//! order: RDB streams and command streams, handed to a callback one at a time.
//!
//! [`open`] checks every path before anything is imported (it exists, its format is known, a
//! manifest parses and its files exist), so a wrong argument fails before the target is
//! touched. [`ImportSource::read_parts`] then reads one source front to back. Parts are
//! borrowed by the callback rather than returned, because a member of a zip or tar archive can
//! only be read while the archive stands at it; run the whole loop on one blocking thread.
//!
//! Each command part starts in database 0, as Redis loads each AOF file with a new client.
//!
//! The engine's loop, on a blocking thread (names of the writer side are the engine's):
//!
//! ```text
//! for source in import::open(&paths, &options)? {
//!     source.read_parts(|part| match part.body {
//!         PartBody::Rdb(reader) => rdb::parse(reader, &parse_options, &mut snapshot_writer),
//!         PartBody::Commands(commands) => {
//!             pipeline.select(0);
//!             for command in commands { pipeline.send(command?)?; }
//!             Ok(())
//!         }
//!     })?;
//! }
//! ```

use super::aof::{AofReader, Truncation};
use super::archive::{self, Member};
use super::detect::{self, Format, SNIFF_LEN, SniffError};
use super::manifest::{self, MAX_MANIFEST_BYTES, Manifest};
use super::order::{Decision, Order};
use super::preamble::PreambleReader;
use super::{ImportError, ImportOptions};
use crate::resp::Command;
use flate2::read::MultiGzDecoder;
use std::collections::HashMap;
use std::fs::{self, File};
use std::io::{self, Cursor, Read};
use std::path::{Path, PathBuf};

/// One thing to import: a file, an archive, or a multi-part AOF (its manifest). An archive may
/// hold several shards; every one is imported.
#[derive(Debug, Clone)]
pub struct ImportSource {
    path: PathBuf,
    name: String,
    format: Format,
    size: u64,
    options: ImportOptions,
}

/// One part of a source, lent to the callback of [`ImportSource::read_parts`].
pub struct Part<'a> {
    /// The shard: the file, the archive member, or the manifest of a multi-part AOF.
    pub shard: &'a str,
    /// Where the bytes come from (`archive!member` inside archives).
    pub file: &'a str,
    /// Size of that file or member, when known (a preamble shares it with its commands).
    pub file_size: Option<u64>,
    pub body: PartBody<'a>,
}

/// What a part carries.
pub enum PartBody<'a> {
    /// A complete RDB stream for `rdb::parse`; it ends right after the snapshot's checksum,
    /// also when commands follow (an AOF's preamble).
    Rdb(&'a mut dyn Read),
    /// Commands in file order, each as its exact bytes, for the pipeline. Read it to the end
    /// (`None`), or return an error from the callback.
    Commands(&'a mut dyn Iterator<Item = Result<Command, ImportError>>),
}

/// Which kind of part.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PartKind {
    Rdb,
    Commands,
}

/// What one part held.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartSummary {
    pub shard: String,
    pub file: String,
    pub kind: PartKind,
    /// Bytes of the part (the preamble's length, or the commands' bytes).
    pub bytes: u64,
    /// Commands read (0 for an RDB part).
    pub commands: u64,
    /// A cut-off tail that was accepted (see [`ImportOptions::accept_truncated_tail`]).
    pub truncation: Option<Truncation>,
}

/// What [`ImportSource::read_parts`] read.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ImportSummary {
    pub parts: Vec<PartSummary>,
    /// Archive members written to a temporary file because they came before their turn.
    pub spilled: Vec<String>,
    /// Things skipped or tolerated (history files, links, accepted truncations).
    pub warnings: Vec<String>,
}

/// Checks `paths` and returns one source per path, in the order given. A directory must hold
/// exactly one `*.manifest` (a Redis 7 `appenddirname` directory).
pub fn open<P: AsRef<Path>>(
    paths: &[P],
    options: &ImportOptions,
) -> Result<Vec<ImportSource>, ImportError> {
    if paths.is_empty() {
        return Err(ImportError::invalid("import", "no file to import"));
    }
    paths
        .iter()
        .map(|p| open_one(p.as_ref(), options))
        .collect()
}

fn open_one(path: &Path, options: &ImportOptions) -> Result<ImportSource, ImportError> {
    let name = path.display().to_string();
    let meta = fs::metadata(path).map_err(|e| ImportError::io(&name, e))?;
    let source = |path: PathBuf, name: String, format, size| ImportSource {
        path,
        name,
        format,
        size,
        options: options.clone(),
    };
    if meta.is_dir() {
        let manifest = find_manifest(path, &name)?;
        let size = check_manifest(&manifest)?;
        return Ok(source(
            manifest.clone(),
            manifest.display().to_string(),
            Format::Manifest,
            size,
        ));
    }
    let mut file = File::open(path).map_err(|e| ImportError::io(&name, e))?;
    let mut head = Vec::with_capacity(SNIFF_LEN);
    (&mut file)
        .take(SNIFF_LEN as u64)
        .read_to_end(&mut head)
        .map_err(|e| ImportError::io(&name, e))?;
    let format = detect::sniff(&head).map_err(|reason| ImportError::Format {
        file: name.clone(),
        reason,
    })?;
    let size = match format {
        Format::Manifest => check_manifest(path)?,
        Format::Gzip => {
            let mut inner = Vec::with_capacity(SNIFF_LEN);
            MultiGzDecoder::new(File::open(path).map_err(|e| ImportError::io(&name, e))?)
                .take(SNIFF_LEN as u64)
                .read_to_end(&mut inner)
                .map_err(|e| ImportError::io(&format!("{name} (gzip)"), e))?;
            match detect::sniff(&inner) {
                Ok(Format::Tar | Format::Rdb | Format::Aof) => meta.len(),
                Ok(other) => return Err(nested(&name, other)),
                Err(reason) => {
                    return Err(ImportError::Format {
                        file: format!("{name} (inside gzip)"),
                        reason,
                    });
                }
            }
        }
        _ => meta.len(),
    };
    Ok(source(path.to_owned(), name, format, size))
}

fn nested(file: &str, inner: Format) -> ImportError {
    ImportError::invalid(
        file,
        format!(
            "holds a {inner}; archives inside archives and compressed manifests are not read \
             (unpack the outer layer first)"
        ),
    )
}

fn find_manifest(dir: &Path, name: &str) -> Result<PathBuf, ImportError> {
    let mut found = Vec::new();
    for entry in fs::read_dir(dir).map_err(|e| ImportError::io(name, e))? {
        let entry = entry.map_err(|e| ImportError::io(name, e))?;
        if entry.file_name().to_string_lossy().ends_with(".manifest") {
            found.push(entry.path());
        }
    }
    found.sort();
    match found.len() {
        1 => Ok(found.remove(0)),
        0 => Err(ImportError::invalid(
            name,
            "a directory to import must hold a multi-part AOF manifest (*.manifest), and this \
             one holds none",
        )),
        _ => Err(ImportError::invalid(
            name,
            format!(
                "holds several manifests ({}); name the one to import",
                found
                    .iter()
                    .map(|p| p.display().to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        )),
    }
}

fn read_manifest(path: &Path) -> Result<Manifest, ImportError> {
    let name = path.display().to_string();
    let mut text = Vec::new();
    File::open(path)
        .and_then(|f| f.take(MAX_MANIFEST_BYTES as u64 + 1).read_to_end(&mut text))
        .map_err(|e| ImportError::io(&name, e))?;
    manifest::parse(&text).map_err(|error| ImportError::Manifest { file: name, error })
}

/// Parses a manifest and checks that every file to load exists; returns their total size.
fn check_manifest(path: &Path) -> Result<u64, ImportError> {
    let manifest = read_manifest(path)?;
    let dir = path.parent().unwrap_or(Path::new("."));
    let mut size = 0;
    for f in manifest.load_order() {
        let meta = fs::metadata(dir.join(&f.name)).map_err(|e| ImportError::Manifest {
            file: path.display().to_string(),
            error: manifest::ManifestError {
                line: f.line,
                message: format!("{}: {e}", dir.join(&f.name).display()),
            },
        })?;
        size += meta.len();
    }
    Ok(size)
}

/// A stream with its first bytes read and put back in front.
type Peeked<R> = io::Chain<Cursor<Vec<u8>>, R>;

/// The first bytes of a stream, and the stream with them put back.
fn peek<R: Read>(mut r: R) -> io::Result<(Vec<u8>, Peeked<R>)> {
    let mut head = Vec::with_capacity(SNIFF_LEN);
    (&mut r).take(SNIFF_LEN as u64).read_to_end(&mut head)?;
    Ok((head.clone(), Cursor::new(head).chain(r)))
}

impl ImportSource {
    /// The path as given (for a directory, its manifest).
    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The format of the path itself ([`Format::Manifest`] for a multi-part AOF).
    pub fn format(&self) -> Format {
        self.format
    }

    /// Bytes on disk (all files of a multi-part AOF), for progress.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// Reads the source front to back and lends each part to `f`, in load order. Returns
    /// what was read; any damage, and any error `f` returns, stops the reading.
    pub fn read_parts<E: From<ImportError>>(
        &self,
        mut f: impl FnMut(Part<'_>) -> Result<(), E>,
    ) -> Result<ImportSummary, E> {
        let mut run = Run {
            options: &self.options,
            summary: ImportSummary::default(),
            f: &mut f,
        };
        let name = self.name.as_str();
        let open = || File::open(&self.path).map_err(|e| ImportError::io(name, e));
        match self.format {
            Format::Rdb | Format::Aof => {
                run.stream(name, name, Some(self.size), open()?, true, false)?;
            }
            Format::Manifest => run.manifest(&self.path)?,
            Format::Zip | Format::Tar => run.archive(self.format, open()?, name)?,
            Format::Gzip => {
                let (head, reader) = peek(MultiGzDecoder::new(open()?))
                    .map_err(|e| ImportError::io(&format!("{name} (gzip)"), e))?;
                match detect::sniff(&head) {
                    Ok(Format::Tar) => run.archive(Format::Tar, reader, name)?,
                    _ => run.stream(name, name, None, reader, true, false)?,
                }
            }
        }
        Ok(run.summary)
    }
}

type Callback<'f, E> = dyn FnMut(Part<'_>) -> Result<(), E> + 'f;

struct Run<'o, 'f, E> {
    options: &'o ImportOptions,
    summary: ImportSummary,
    f: &'f mut Callback<'f, E>,
}

impl<E: From<ImportError>> Run<'_, '_, E> {
    fn manifest(&mut self, path: &Path) -> Result<(), E> {
        let manifest = read_manifest(path)?;
        let shard = path.display().to_string();
        let dir = path.parent().unwrap_or(Path::new("."));
        let files: Vec<_> = manifest.load_order().collect();
        for (i, f) in files.iter().enumerate() {
            let p = dir.join(&f.name);
            let name = p.display().to_string();
            let file = File::open(&p).map_err(|e| ImportError::io(&name, e))?;
            let size = file.metadata().ok().map(|m| m.len());
            self.stream(&shard, &name, size, file, i + 1 == files.len(), true)?;
        }
        Ok(())
    }

    /// One file or member holding an RDB (maybe followed by commands) or an AOF.
    fn stream(
        &mut self,
        shard: &str,
        file: &str,
        size: Option<u64>,
        reader: impl Read,
        last: bool,
        empty_ok: bool,
    ) -> Result<(), E> {
        let (head, reader) = peek(reader).map_err(|e| ImportError::io(file, e))?;
        match detect::sniff(&head) {
            Ok(Format::Rdb) => {
                let mut pre = PreambleReader::new(reader);
                (self.f)(Part {
                    shard,
                    file,
                    file_size: size,
                    body: PartBody::Rdb(&mut pre),
                })?;
                let (rest, len) = pre.into_rest().map_err(|e| ImportError::io(file, e))?;
                self.summary.parts.push(PartSummary {
                    shard: shard.to_owned(),
                    file: file.to_owned(),
                    kind: PartKind::Rdb,
                    bytes: len,
                    commands: 0,
                    truncation: None,
                });
                let (after, rest) = peek(rest).map_err(|e| ImportError::io(file, e))?;
                if after.is_empty() {
                    return Ok(());
                }
                self.commands(shard, file, size, rest, len, last)
            }
            Ok(Format::Aof) => self.commands(shard, file, size, reader, 0, last),
            Err(SniffError::Empty) if empty_ok => Ok(()),
            Err(reason) => Err(ImportError::Format {
                file: file.to_owned(),
                reason,
            }
            .into()),
            Ok(other) => Err(nested(file, other).into()),
        }
    }

    fn commands(
        &mut self,
        shard: &str,
        file: &str,
        size: Option<u64>,
        reader: impl Read,
        start: u64,
        last: bool,
    ) -> Result<(), E> {
        let mut aof = AofReader::new(reader, file, start, self.options.limits)
            .accept_truncated_tail(self.options.accept_truncated_tail && last);
        (self.f)(Part {
            shard,
            file,
            file_size: size,
            body: PartBody::Commands(&mut aof),
        })?;
        if !aof.is_done() {
            return Err(ImportError::invalid(
                file,
                format!(
                    "the importer's consumer stopped at byte offset {} before the last command",
                    aof.offset()
                ),
            )
            .into());
        }
        if let Some(t) = aof.truncation() {
            self.summary.warnings.push(format!(
                "{file}: truncated AOF loaded up to byte offset {}: {} ({} bytes dropped)",
                t.offset, t.reason, t.dropped_bytes
            ));
        }
        self.summary.parts.push(PartSummary {
            shard: shard.to_owned(),
            file: file.to_owned(),
            kind: PartKind::Commands,
            bytes: aof.offset() - start,
            commands: aof.commands(),
            truncation: aof.truncation().cloned(),
        });
        Ok(())
    }

    fn archive(&mut self, format: Format, reader: impl Read, name: &str) -> Result<(), E> {
        let mut order = Order::default();
        let mut held: HashMap<String, (tempfile::NamedTempFile, u64)> = HashMap::new();
        let mut skipped = Vec::new();
        archive::for_each_member(format, reader, name, &mut skipped, &mut |m: Member<'_>| {
            let display = format!("{name}!{}", m.path);
            let (head, mut stream) = peek(m.reader).map_err(|e| ImportError::io(&display, e))?;
            if detect::sniff(&head) == Ok(Format::Manifest) {
                let mut text = Vec::new();
                (&mut stream)
                    .take(MAX_MANIFEST_BYTES as u64 + 1)
                    .read_to_end(&mut text)
                    .map_err(|e| ImportError::io(&display, e))?;
                let manifest = manifest::parse(&text).map_err(|error| ImportError::Manifest {
                    file: display.clone(),
                    error,
                })?;
                order
                    .manifest(&m.path, &manifest)
                    .map_err(|msg| ImportError::invalid(name, msg))?;
                return self.load_ready(&mut order, &mut held, name);
            }
            match order
                .member(&m.path)
                .map_err(|msg| ImportError::invalid(name, msg))?
            {
                Decision::Load { manifest, last } => {
                    let shard = format!("{name}!{}", order.manifest_path(manifest));
                    self.stream(&shard, &display, Some(m.size), stream, last, true)?;
                    self.load_ready(&mut order, &mut held, name)
                }
                Decision::Spill => {
                    let dir = self
                        .options
                        .spill_dir
                        .clone()
                        .unwrap_or_else(std::env::temp_dir);
                    let spill_err = |e: io::Error| {
                        ImportError::io(&format!("{display} (spilling to {})", dir.display()), e)
                    };
                    let mut tmp = tempfile::NamedTempFile::new_in(&dir).map_err(spill_err)?;
                    io::copy(&mut stream, &mut tmp).map_err(spill_err)?;
                    held.insert(m.path.clone(), (tmp, m.size));
                    self.summary.spilled.push(display);
                    Ok(())
                }
                Decision::Skip(why) => {
                    self.summary.warnings.push(why);
                    Ok(())
                }
                Decision::Alone => {
                    self.stream(&display, &display, Some(m.size), stream, true, false)
                }
            }
        })?;
        self.summary.warnings.append(&mut skipped);
        let warnings = order
            .finish()
            .map_err(|msg| ImportError::invalid(name, msg))?;
        self.summary.warnings.extend(warnings);
        Ok(())
    }

    /// Loads the spilled members whose turn has come.
    fn load_ready(
        &mut self,
        order: &mut Order,
        held: &mut HashMap<String, (tempfile::NamedTempFile, u64)>,
        name: &str,
    ) -> Result<(), E> {
        while let Some((path, manifest, last)) = order.ready() {
            let display = format!("{name}!{path}");
            let Some((tmp, size)) = held.remove(&path) else {
                return Err(ImportError::invalid(&display, "spilled member went missing").into());
            };
            let file = tmp.reopen().map_err(|e| ImportError::io(&display, e))?;
            let shard = format!("{name}!{}", order.manifest_path(manifest));
            self.stream(&shard, &display, Some(size), file, last, true)?;
        }
        Ok(())
    }
}

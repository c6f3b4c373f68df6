//! The Redis 7 multi-part AOF manifest: which files, in which order.
//!
//! Redis writes one line per file, `file <name> seq <n> type <b|h|i>`, quoting names that
//! need it the way `redis-cli` does (`"a b\x00"`). `b` is the base (an RDB or an AOF written
//! by a rewrite), `i` the incremental AOFs applied after it in `seq` order, `h` history files
//! that Redis will delete and that are not loaded. Unknown keys are ignored, as Redis does.

use std::fmt;

/// Longest manifest accepted, in bytes (Redis's own hold a few lines).
pub const MAX_MANIFEST_BYTES: usize = 1024 * 1024;

/// What a manifest line says about one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManifestFile {
    /// A plain file name in the manifest's directory (never a path).
    pub name: String,
    pub seq: u64,
    /// The line it came from, for messages.
    pub line: usize,
}

/// A parsed manifest: the files to load, in load order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Manifest {
    pub base: Option<ManifestFile>,
    /// Incremental files, in `seq` order.
    pub incr: Vec<ManifestFile>,
    /// History files, listed for completeness and never loaded.
    pub history: Vec<ManifestFile>,
}

impl Manifest {
    /// The files to load in order: the base (if any), then every incremental file.
    pub fn load_order(&self) -> impl Iterator<Item = &ManifestFile> {
        self.base.iter().chain(&self.incr)
    }
}

/// What is wrong with a manifest, and on which line (1-based; 0 for the file as a whole).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManifestError {
    pub line: usize,
    pub message: String,
}

impl fmt::Display for ManifestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            f.write_str(&self.message)
        } else {
            write!(f, "line {}: {}", self.line, self.message)
        }
    }
}

fn err(line: usize, message: impl Into<String>) -> ManifestError {
    ManifestError {
        line,
        message: message.into(),
    }
}

/// Parses a whole manifest.
pub fn parse(text: &[u8]) -> Result<Manifest, ManifestError> {
    if text.len() > MAX_MANIFEST_BYTES {
        return Err(err(
            0,
            format!("larger than {MAX_MANIFEST_BYTES} bytes, not a manifest"),
        ));
    }
    let mut manifest = Manifest::default();
    let mut lines = text.split(|&b| b == b'\n').enumerate().peekable();
    while let Some((i, raw)) = lines.next() {
        let number = i + 1;
        if lines.peek().is_none() && raw.is_empty() {
            break; // the newline ending the last line
        }
        let line = raw.strip_suffix(b"\r").unwrap_or(raw);
        if line.iter().all(u8::is_ascii_whitespace) || line.starts_with(b"#") {
            continue;
        }
        let (file, kind) = parse_line(line, number)?;
        match kind {
            b'b' if manifest.base.is_some() => {
                return Err(err(number, "a second base file (type b); there can be one"));
            }
            b'b' => manifest.base = Some(file),
            b'i' => {
                if let Some(prev) = manifest.incr.last()
                    && prev.seq >= file.seq
                {
                    return Err(err(
                        number,
                        format!(
                            "incremental file seq {} after seq {} (line {}): seq must increase",
                            file.seq, prev.seq, prev.line
                        ),
                    ));
                }
                manifest.incr.push(file);
            }
            b'h' => manifest.history.push(file),
            other => {
                return Err(err(
                    number,
                    format!(
                        "type {:?}: expected b (base), i (incremental) or h (history)",
                        char::from(other)
                    ),
                ));
            }
        }
    }
    if manifest.base.is_none() && manifest.incr.is_empty() {
        return Err(err(0, "lists no base and no incremental file"));
    }
    Ok(manifest)
}

fn parse_line(line: &[u8], number: usize) -> Result<(ManifestFile, u8), ManifestError> {
    let words = split_args(line).map_err(|m| err(number, m))?;
    if words.len() % 2 != 0 {
        return Err(err(
            number,
            "expected key value pairs (file NAME seq N type T)",
        ));
    }
    let (mut name, mut seq, mut kind) = (None, None, None);
    for pair in words.chunks(2) {
        let value = &pair[1];
        match pair[0].as_slice() {
            b"file" => name = Some(value.clone()),
            b"seq" => {
                let text = String::from_utf8_lossy(value);
                seq = Some(text.parse::<u64>().map_err(|_| {
                    err(number, format!("seq {text:?} is not a non-negative number"))
                })?);
            }
            b"type" => match value.as_slice() {
                [t] => kind = Some(*t),
                _ => {
                    return Err(err(
                        number,
                        format!(
                            "type {:?}: expected one letter",
                            value.escape_ascii().to_string()
                        ),
                    ));
                }
            },
            _ => {} // keys of newer versions
        }
    }
    let name = name.ok_or_else(|| err(number, "no file name (file NAME)"))?;
    let seq = seq.ok_or_else(|| err(number, "no sequence number (seq N)"))?;
    let kind = kind.ok_or_else(|| err(number, "no type (type b|i|h)"))?;
    let name = String::from_utf8(name).map_err(|_| err(number, "the file name is not UTF-8"))?;
    if name.is_empty() || name.contains(['/', '\\', '\0']) || name == "." || name == ".." {
        return Err(err(
            number,
            format!("file name {name:?} must be a plain name in the manifest's directory"),
        ));
    }
    Ok((
        ManifestFile {
            name,
            seq,
            line: number,
        },
        kind,
    ))
}

/// Splits a line into words like Redis's `sdssplitargs`: spaces separate, `"…"` takes
/// `\"`, `\\`, `\n`, `\r`, `\t`, `\b`, `\a` and `\xHH` escapes, `'…'` takes `\'`.
pub fn split_args(line: &[u8]) -> Result<Vec<Vec<u8>>, String> {
    let mut words = Vec::new();
    let mut i = 0;
    while i < line.len() {
        if line[i].is_ascii_whitespace() {
            i += 1;
            continue;
        }
        let mut word = Vec::new();
        match line[i] {
            b'"' => {
                i += 1;
                loop {
                    match line.get(i..) {
                        None | Some([]) => return Err("unbalanced double quote".into()),
                        Some([b'\\', b'x', h, l, ..])
                            if h.is_ascii_hexdigit() && l.is_ascii_hexdigit() =>
                        {
                            word.push(hex_value(*h) << 4 | hex_value(*l));
                            i += 4;
                        }
                        Some([b'\\', c, ..]) => {
                            word.push(match c {
                                b'n' => b'\n',
                                b'r' => b'\r',
                                b't' => b'\t',
                                b'b' => 8,
                                b'a' => 7,
                                other => *other,
                            });
                            i += 2;
                        }
                        Some([b'"', ..]) => {
                            i += 1;
                            break;
                        }
                        Some([c, ..]) => {
                            word.push(*c);
                            i += 1;
                        }
                    }
                }
                closing_quote_ends_word(line, i)?;
            }
            b'\'' => {
                i += 1;
                loop {
                    match line.get(i..) {
                        None | Some([]) => return Err("unbalanced single quote".into()),
                        Some([b'\\', b'\'', ..]) => {
                            word.push(b'\'');
                            i += 2;
                        }
                        Some([b'\'', ..]) => {
                            i += 1;
                            break;
                        }
                        Some([c, ..]) => {
                            word.push(*c);
                            i += 1;
                        }
                    }
                }
                closing_quote_ends_word(line, i)?;
            }
            _ => {
                while i < line.len() && !line[i].is_ascii_whitespace() {
                    word.push(line[i]);
                    i += 1;
                }
            }
        }
        words.push(word);
    }
    Ok(words)
}

fn closing_quote_ends_word(line: &[u8], at: usize) -> Result<(), String> {
    match line.get(at) {
        None => Ok(()),
        Some(c) if c.is_ascii_whitespace() => Ok(()),
        Some(_) => Err(format!(
            "a closing quote must be followed by a space (column {})",
            at + 1
        )),
    }
}

fn hex_value(c: u8) -> u8 {
    match c {
        b'0'..=b'9' => c - b'0',
        b'a'..=b'f' => c - b'a' + 10,
        _ => c - b'A' + 10,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn reads_what_redis_writes() {
        let text = b"file appendonly.aof.1.base.rdb seq 1 type b\n\
                     file appendonly.aof.1.incr.aof seq 1 type h\n\
                     file appendonly.aof.2.incr.aof seq 2 type i\n\
                     file \"odd name\\x21.aof\" seq 3 type i newkey x\n";
        let m = parse(text).unwrap();
        assert_eq!(m.base.as_ref().unwrap().name, "appendonly.aof.1.base.rdb");
        assert_eq!(m.history.len(), 1);
        let order: Vec<&str> = m.load_order().map(|f| f.name.as_str()).collect();
        assert_eq!(
            order,
            [
                "appendonly.aof.1.base.rdb",
                "appendonly.aof.2.incr.aof",
                "odd name!.aof"
            ]
        );
        assert_eq!(m.incr[1].line, 4);
    }

    #[test]
    fn errors_name_the_line() {
        let cases: [(&[u8], &str); 8] = [
            (
                b"file a seq 1 type b\nfile b seq 2 type b\n",
                "line 2: a second base",
            ),
            (
                b"file a seq 2 type i\nfile b seq 2 type i\n",
                "line 2: incremental file seq 2",
            ),
            (b"file a seq 1\n", "line 1: no type"),
            (b"file a seq x type i\n", "line 1: seq \"x\""),
            (
                b"file ../etc/passwd seq 1 type b\n",
                "line 1: file name \"../etc/passwd\"",
            ),
            (
                b"file \"a seq 1 type b\n",
                "line 1: unbalanced double quote",
            ),
            (b"file a seq 1 type z\n", "line 1: type 'z'"),
            (b"\n# only a comment\n", "lists no base"),
        ];
        for (text, expected) in cases {
            let e = parse(text).unwrap_err().to_string();
            assert!(
                e.starts_with(expected),
                "{e:?} should start with {expected:?}"
            );
        }
    }

    #[test]
    fn quoting_follows_sdssplitargs() {
        assert_eq!(
            split_args(br#"a "b c" 'd\'e' "\x41\n""#).unwrap(),
            vec![
                b"a".to_vec(),
                b"b c".to_vec(),
                b"d'e".to_vec(),
                b"A\n".to_vec()
            ]
        );
        assert!(split_args(br#""a"b"#).is_err());
    }

    proptest! {
        #[test]
        fn never_panics(text in proptest::collection::vec(any::<u8>(), 0..300)) {
            let _ = parse(&text);
        }

        #[test]
        fn generated_manifests_parse_back(seqs in proptest::collection::btree_set(0u64..1000, 1..6)) {
            let mut text = String::from("file base.rdb seq 0 type b\n");
            for s in &seqs {
                text.push_str(&format!("file \"incr {s}.aof\" seq {s} type i\n"));
            }
            let m = parse(text.as_bytes()).unwrap();
            prop_assert_eq!(m.incr.iter().map(|f| f.seq).collect::<Vec<_>>(),
                seqs.iter().copied().collect::<Vec<_>>());
        }
    }
}

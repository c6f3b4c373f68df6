//! Which members of an archive make up a multi-part AOF, and when each may be loaded.
//!
//! An archive is read once, front to back, and a directory packed by `tar` or `zip` lists its
//! files in any order — often the manifest last. Members are therefore classified as they
//! arrive: a file the manifest expects next is loaded at once; one that is expected later, or
//! that carries Redis's multi-part name (`<name>.<seq>.base.rdb|base.aof|incr.aof`) before any
//! manifest has arrived, is spilled to a temporary file and loaded when its turn comes; history
//! files are skipped; anything else is a shard of its own. Pure bookkeeping on names: the
//! caller does the reading and spilling.

use super::manifest::Manifest;
use std::collections::BTreeSet;

/// What to do with an arriving member.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Decision {
    /// Load now, as the next file of manifest `manifest`; `last` for its final file.
    Load { manifest: usize, last: bool },
    /// Keep it on disk until its turn.
    Spill,
    /// Not loaded (a history file of a manifest); the text says why.
    Skip(String),
    /// A shard of its own.
    Alone,
}

#[derive(Debug)]
struct Pending {
    /// The manifest member's own path, for messages.
    path: String,
    dir: String,
    /// Load order: name and manifest line.
    files: Vec<(String, usize)>,
    history: Vec<String>,
    next: usize,
}

/// The bookkeeping for one archive.
#[derive(Debug, Default)]
pub(crate) struct Order {
    manifests: Vec<Pending>,
    spilled: BTreeSet<String>,
    alone: BTreeSet<String>,
}

fn split(path: &str) -> (&str, &str) {
    path.rsplit_once('/').unwrap_or(("", path))
}

fn join(dir: &str, name: &str) -> String {
    if dir.is_empty() {
        name.to_owned()
    } else {
        format!("{dir}/{name}")
    }
}

/// Whether a file name is one Redis gives to the files of a multi-part AOF.
pub(crate) fn is_part_name(name: &str) -> bool {
    [".base.rdb", ".base.aof", ".incr.aof"]
        .iter()
        .any(|suffix| {
            name.strip_suffix(suffix)
                .and_then(|stem| stem.rsplit_once('.'))
                .is_some_and(|(prefix, seq)| {
                    !prefix.is_empty() && !seq.is_empty() && seq.bytes().all(|b| b.is_ascii_digit())
                })
        })
}

impl Order {
    /// Classifies a member that is not a manifest.
    pub fn member(&mut self, path: &str) -> Result<Decision, String> {
        let (dir, name) = split(path);
        for (i, m) in self.manifests.iter_mut().enumerate() {
            if m.dir != dir {
                continue;
            }
            if let Some(at) = m.files.iter().position(|(n, _)| n == name) {
                return match at.cmp(&m.next) {
                    std::cmp::Ordering::Equal => {
                        m.next += 1;
                        Ok(Decision::Load {
                            manifest: i,
                            last: m.next == m.files.len(),
                        })
                    }
                    std::cmp::Ordering::Greater => {
                        self.spilled.insert(path.to_owned());
                        Ok(Decision::Spill)
                    }
                    std::cmp::Ordering::Less => Err(format!("{path} appears twice in the archive")),
                };
            }
            if m.history.iter().any(|h| h == name) {
                return Ok(Decision::Skip(format!(
                    "{path} is a history file of {} (not loaded, as Redis does)",
                    m.path
                )));
            }
        }
        if is_part_name(name) {
            self.spilled.insert(path.to_owned());
            return Ok(Decision::Spill);
        }
        self.alone.insert(path.to_owned());
        Ok(Decision::Alone)
    }

    /// Registers a manifest found at `path`; returns its index.
    pub fn manifest(&mut self, path: &str, manifest: &Manifest) -> Result<usize, String> {
        let (dir, _) = split(path);
        if let Some(other) = self.manifests.iter().find(|m| m.dir == dir) {
            return Err(format!(
                "{path}: a second manifest in the directory of {}; one directory holds one \
                 multi-part AOF",
                other.path
            ));
        }
        let files: Vec<(String, usize)> = manifest
            .load_order()
            .map(|f| (f.name.clone(), f.line))
            .collect();
        for (name, line) in &files {
            let member = join(dir, name);
            if self.alone.contains(&member) {
                return Err(format!(
                    "{path}: line {line} lists {member}, which came earlier in the archive and \
                     was loaded as a shard of its own; put the manifest before its files or give \
                     them Redis's names (<name>.<seq>.base.rdb, .incr.aof)"
                ));
            }
        }
        self.manifests.push(Pending {
            path: path.to_owned(),
            dir: dir.to_owned(),
            files,
            history: manifest.history.iter().map(|f| f.name.clone()).collect(),
            next: 0,
        });
        Ok(self.manifests.len() - 1)
    }

    /// A spilled member whose turn has come: its path, manifest, and whether it is the last.
    pub fn ready(&mut self) -> Option<(String, usize, bool)> {
        for (i, m) in self.manifests.iter_mut().enumerate() {
            let Some((name, _)) = m.files.get(m.next) else {
                continue;
            };
            let path = join(&m.dir, name);
            if self.spilled.remove(&path) {
                m.next += 1;
                return Some((path, i, m.next == m.files.len()));
            }
        }
        None
    }

    /// The manifest member's path.
    pub fn manifest_path(&self, index: usize) -> &str {
        self.manifests.get(index).map_or("", |m| m.path.as_str())
    }

    /// At the end of the archive: an error for a file listed but never seen or a part without
    /// a manifest; warnings for spilled files that their directory's manifest does not list.
    pub fn finish(&self) -> Result<Vec<String>, String> {
        for m in &self.manifests {
            if let Some((name, line)) = m.files.get(m.next) {
                return Err(format!(
                    "{}: line {line} lists {}, which is not in the archive",
                    m.path,
                    join(&m.dir, name)
                ));
            }
        }
        let mut warnings = Vec::new();
        for path in &self.spilled {
            let (dir, _) = split(path);
            match self.manifests.iter().find(|m| m.dir == dir) {
                Some(m) => warnings.push(format!(
                    "{path} is not listed in {}: not loaded, as Redis does",
                    m.path
                )),
                None => {
                    return Err(format!(
                        "{path} is named like a file of a multi-part AOF but no manifest in the \
                         archive lists it; rename it to import it on its own"
                    ));
                }
            }
        }
        Ok(warnings)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::manifest;

    fn m(text: &str) -> Manifest {
        manifest::parse(text.as_bytes()).unwrap()
    }

    const MANIFEST: &str = "file a.aof.1.base.rdb seq 1 type b\n\
                            file a.aof.1.incr.aof seq 1 type h\n\
                            file a.aof.2.incr.aof seq 2 type i\n\
                            file a.aof.3.incr.aof seq 3 type i\n";

    #[test]
    fn manifest_last_spills_the_parts_then_loads_them_in_order() {
        let mut o = Order::default();
        for p in [
            "d/a.aof.3.incr.aof",
            "d/a.aof.1.base.rdb",
            "d/a.aof.2.incr.aof",
        ] {
            assert_eq!(o.member(p), Ok(Decision::Spill));
        }
        assert_eq!(o.member("dump.rdb"), Ok(Decision::Alone));
        assert_eq!(o.member("d/a.aof.1.incr.aof"), Ok(Decision::Spill));
        o.manifest("d/a.aof.manifest", &m(MANIFEST)).unwrap();
        let order: Vec<_> = std::iter::from_fn(|| o.ready()).collect();
        assert_eq!(
            order,
            [
                ("d/a.aof.1.base.rdb".to_owned(), 0, false),
                ("d/a.aof.2.incr.aof".to_owned(), 0, false),
                ("d/a.aof.3.incr.aof".to_owned(), 0, true)
            ]
        );
        assert_eq!(
            o.finish().unwrap(),
            ["d/a.aof.1.incr.aof is not listed in d/a.aof.manifest: not loaded, as Redis does"]
        );
    }

    #[test]
    fn manifest_first_streams_in_order_and_spills_only_what_is_early() {
        let mut o = Order::default();
        o.manifest("a.aof.manifest", &m(MANIFEST)).unwrap();
        assert_eq!(
            o.member("a.aof.1.base.rdb"),
            Ok(Decision::Load {
                manifest: 0,
                last: false
            })
        );
        assert_eq!(o.member("a.aof.3.incr.aof"), Ok(Decision::Spill));
        assert!(matches!(
            o.member("a.aof.1.incr.aof"),
            Ok(Decision::Skip(_))
        ));
        assert_eq!(o.ready(), None);
        assert_eq!(
            o.member("a.aof.2.incr.aof"),
            Ok(Decision::Load {
                manifest: 0,
                last: false
            })
        );
        assert_eq!(o.ready(), Some(("a.aof.3.incr.aof".to_owned(), 0, true)));
        assert_eq!(o.finish(), Ok(vec![]));
    }

    #[test]
    fn missing_and_orphaned_parts_are_errors() {
        let mut o = Order::default();
        o.manifest("a.aof.manifest", &m(MANIFEST)).unwrap();
        o.member("a.aof.1.base.rdb").unwrap();
        let e = o.finish().unwrap_err();
        assert_eq!(
            e,
            "a.aof.manifest: line 3 lists a.aof.2.incr.aof, which is not in the archive"
        );

        let mut o = Order::default();
        o.member("x/r.aof.7.incr.aof").unwrap();
        assert!(
            o.finish()
                .unwrap_err()
                .contains("no manifest in the archive lists it")
        );

        let mut o = Order::default();
        assert_eq!(o.member("renamed.rdb"), Ok(Decision::Alone));
        let e = o
            .manifest("m.manifest", &m("file renamed.rdb seq 1 type b\n"))
            .unwrap_err();
        assert!(e.contains("put the manifest before its files"), "{e}");
    }

    #[test]
    fn part_names() {
        for yes in [
            "appendonly.aof.1.base.rdb",
            "x.12.incr.aof",
            "a.b.3.base.aof",
        ] {
            assert!(is_part_name(yes), "{yes}");
        }
        for no in [
            "dump.rdb",
            ".1.base.rdb",
            "a.x.incr.aof",
            "a..incr.aof",
            "appendonly.aof",
        ] {
            assert!(!is_part_name(no), "{no}");
        }
    }
}

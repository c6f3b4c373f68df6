//! The data directory's lock: one emulator per directory, for the life of its process.

use std::path::{Path, PathBuf};

/// An exclusive `flock` on a lock file in the data directory: released when the file is
/// closed, which the kernel does for a process that exits or crashes (a `kill -9` leaves no
/// stale lock behind).
#[derive(Debug)]
pub struct DirLock(#[allow(dead_code)] std::fs::File);

/// Why a directory could not be locked.
#[derive(Debug)]
pub enum LockError {
    /// Another holder has it (the process id it wrote into the file, if readable).
    Held(Option<u32>),
    /// The lock file could not be opened or locked.
    Io(PathBuf, std::io::Error),
}

impl DirLock {
    /// Locks `dir`/`name`, creating the file, and writes this process's id into it.
    pub fn acquire(dir: &Path, name: &str) -> Result<Self, LockError> {
        use std::io::{Read, Seek, Write};
        let path = dir.join(name);
        let mut file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(|e| LockError::Io(path.clone(), e))?;
        if let Err(e) = try_lock_exclusive(&file) {
            if e.kind() != std::io::ErrorKind::WouldBlock {
                return Err(LockError::Io(path, e));
            }
            let mut text = String::new();
            let _ = file.read_to_string(&mut text);
            return Err(LockError::Held(text.trim().parse().ok()));
        }
        // Who holds it, for the message a second emulator prints.
        let _ = file.set_len(0);
        let _ = file.rewind();
        let _ = write!(file, "{}", std::process::id());
        let _ = file.flush();
        Ok(Self(file))
    }
}

#[cfg(unix)]
fn try_lock_exclusive(file: &std::fs::File) -> std::io::Result<()> {
    use rustix::fs::{FlockOperation, flock};
    flock(file, FlockOperation::NonBlockingLockExclusive).map_err(std::io::Error::from)
}

/// No advisory lock on this platform: a second emulator is not kept off the directory.
#[cfg(not(unix))]
fn try_lock_exclusive(_file: &std::fs::File) -> std::io::Result<()> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A second lock on the same directory is refused while the first is held, naming the
    /// holder; once the first is dropped, the directory can be locked again.
    #[cfg(unix)]
    #[test]
    fn one_holder_at_a_time() {
        let dir = tempfile::tempdir().unwrap();
        let first = DirLock::acquire(dir.path(), "x.lock").unwrap();
        match DirLock::acquire(dir.path(), "x.lock") {
            Err(LockError::Held(holder)) => assert_eq!(holder, Some(std::process::id())),
            other => panic!("expected Held, got {other:?}"),
        }
        drop(first);
        DirLock::acquire(dir.path(), "x.lock").expect("free once the first lock is dropped");
    }
}

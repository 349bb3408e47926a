//! Advisory file locks (the standard library's `File::lock`), released on drop.

use std::fs::{File, OpenOptions};
use std::io;
use std::path::Path;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LockKind {
    Shared,
    Exclusive,
}

pub struct FileLock {
    file: File,
}

impl FileLock {
    /// Blocks until the lock on `path` (created if needed) is held.
    pub fn acquire(path: &Path, kind: LockKind) -> io::Result<FileLock> {
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(path)?;
        match kind {
            LockKind::Shared => file.lock_shared()?,
            LockKind::Exclusive => file.lock()?,
        }
        Ok(FileLock { file })
    }

    /// Takes the lock only if nobody holds a conflicting one.
    pub fn try_acquire(path: &Path, kind: LockKind) -> io::Result<Option<FileLock>> {
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(path)?;
        let result = match kind {
            LockKind::Shared => file.try_lock_shared(),
            LockKind::Exclusive => file.try_lock(),
        };
        match result {
            Ok(()) => Ok(Some(FileLock { file })),
            Err(std::fs::TryLockError::WouldBlock) => Ok(None),
            Err(std::fs::TryLockError::Error(e)) => Err(e),
        }
    }
}

impl Drop for FileLock {
    fn drop(&mut self) {
        let _ = self.file.unlock();
    }
}

//! The local store under `target/cache/`:
//! - `ac/<key>.json`: what a step was (kind, version, full input) and the blob it made;
//! - `cas/<hash>`: blobs, named by the blake3 of their bytes, checked on read;
//! - `tmp/`: where everything is written before it is renamed into place;
//! - `locks/`: lock files taken while a key is built, so concurrent builds share work.

use std::fs::{self, File};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use tempfile::NamedTempFile;

use super::key::{ActionKey, ContentHash};
use super::lock::{FileLock, LockKind};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlobRef {
    pub hash: ContentHash,
    pub size: u64,
    /// Frames of audio, where readers need a length without reading the
    /// blob (decoded media): in the record, so it outlives a lost blob.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub frames: Option<u64>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ActionRecord {
    pub kind: String,
    pub version: u32,
    pub input: serde_json::Value,
    pub output: BlobRef,
}

/// What a lookup needs of a record: the blob it made.
#[derive(Debug, Clone, Deserialize)]
pub struct RecordHead {
    pub output: BlobRef,
}

/// What the store holds for a key.
#[derive(Debug, Clone)]
pub enum Lookup {
    Hit(RecordHead),
    /// No record, or its blob is gone: the step simply runs.
    Missing,
    /// A record or blob is there but damaged (truncated, garbled): the step
    /// runs again, and the user hears about it.
    Damaged(Damage),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Damage {
    /// The record is not a readable action record.
    Record,
    /// The blob's size is not the size its record gives.
    Blob {
        hash: ContentHash,
        expected: u64,
        actual: u64,
    },
}

impl std::fmt::Display for Damage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Damage::Record => f.write_str("its action record is unreadable"),
            Damage::Blob {
                hash,
                expected,
                actual,
            } => write!(
                f,
                "blob {} is {actual} bytes, its record says {expected}",
                &hash.hex()[..16]
            ),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BlobState {
    Intact,
    Missing,
    Corrupt,
}

pub struct Store {
    root: PathBuf,
}

impl Store {
    pub fn open(root: &Path) -> io::Result<Store> {
        for dir in ["ac", "cas", "tmp", "locks"] {
            fs::create_dir_all(root.join(dir))?;
        }
        Ok(Store {
            root: root.to_path_buf(),
        })
    }

    /// A store for reading only: creates nothing (`pod status`, `pod cache`).
    pub fn at(root: &Path) -> Store {
        Store {
            root: root.to_path_buf(),
        }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    fn record_path(&self, key: &ActionKey) -> PathBuf {
        let hex = key.hex();
        self.root
            .join("ac")
            .join(&hex[..2])
            .join(format!("{hex}.json"))
    }

    pub fn blob_path(&self, hash: &ContentHash) -> PathBuf {
        let hex = hash.hex();
        self.root.join("cas").join(&hex[..2]).join(hex)
    }

    /// The record for `key`, if there is one whose blob is present. Blobs are
    /// not re-hashed here; readers verify what they read.
    pub fn lookup(&self, key: &ActionKey) -> Option<RecordHead> {
        match self.probe(key) {
            Lookup::Hit(record) => Some(record),
            Lookup::Missing | Lookup::Damaged(_) => None,
        }
    }

    /// Like `lookup`, but tells a missing entry from a damaged one. A blob
    /// is only checked by size here (a truncated one); readers re-hash it.
    pub fn probe(&self, key: &ActionKey) -> Lookup {
        let Ok(bytes) = read_small(&self.record_path(key)) else {
            return Lookup::Missing;
        };
        // Only the output: skipping the input keeps no-op builds fast.
        let Ok(record) = serde_json::from_slice::<RecordHead>(&bytes) else {
            return Lookup::Damaged(Damage::Record);
        };
        let Ok(meta) = fs::metadata(self.blob_path(&record.output.hash)) else {
            return Lookup::Missing;
        };
        if meta.len() == record.output.size {
            Lookup::Hit(record)
        } else {
            Lookup::Damaged(Damage::Blob {
                hash: record.output.hash,
                expected: record.output.size,
                actual: meta.len(),
            })
        }
    }

    /// The record for `key` whether or not its blob is still there.
    pub fn read_record(&self, key: &ActionKey) -> Option<ActionRecord> {
        let bytes = fs::read(self.record_path(key)).ok()?;
        serde_json::from_slice(&bytes).ok()
    }

    pub fn record_file(&self, key: &ActionKey) -> PathBuf {
        self.record_path(key)
    }

    /// Stores a blob written by `write`, named by its hash once complete.
    pub fn put_blob<E: From<io::Error>>(
        &self,
        write: impl FnOnce(&mut File) -> Result<(), E>,
    ) -> Result<BlobRef, E> {
        let mut temp = NamedTempFile::new_in(self.root.join("tmp"))?;
        write(temp.as_file_mut())?;
        temp.as_file_mut().flush()?;
        let (hash, size) = hash_file(temp.path())?;
        let path = self.blob_path(&hash);
        fs::create_dir_all(path.parent().expect("blob paths have a parent"))?;
        temp.persist(&path).map_err(|e| e.error)?;
        Ok(BlobRef {
            hash,
            size,
            frames: None,
        })
    }

    /// Stores a blob that must be `expected` (a download): bytes that do not
    /// hash to it are dropped and never reach `cas/`. Ok(false) if so.
    pub fn put_expected_blob(
        &self,
        expected: &BlobRef,
        write: impl FnOnce(&mut File) -> io::Result<()>,
    ) -> io::Result<bool> {
        let mut temp = NamedTempFile::new_in(self.root.join("tmp"))?;
        write(temp.as_file_mut())?;
        temp.as_file_mut().flush()?;
        let (hash, size) = hash_file(temp.path())?;
        if hash != expected.hash || size != expected.size {
            return Ok(false);
        }
        let path = self.blob_path(&hash);
        fs::create_dir_all(path.parent().expect("blob paths have a parent"))?;
        temp.persist(&path).map_err(|e| e.error)?;
        Ok(true)
    }

    pub fn put_record(&self, key: &ActionKey, record: &ActionRecord) -> io::Result<()> {
        let path = self.record_path(key);
        fs::create_dir_all(path.parent().expect("record paths have a parent"))?;
        let mut temp = NamedTempFile::new_in(self.root.join("tmp"))?;
        temp.write_all(&serde_json::to_vec_pretty(record)?)?;
        temp.as_file_mut().flush()?;
        temp.persist(&path).map_err(|e| e.error)?;
        Ok(())
    }

    /// Re-hashes a blob.
    pub fn verify(&self, hash: &ContentHash) -> BlobState {
        match hash_file(&self.blob_path(hash)) {
            Ok((actual, _)) if actual == *hash => BlobState::Intact,
            Ok(_) => BlobState::Corrupt,
            Err(_) => BlobState::Missing,
        }
    }

    /// A blob's bytes, checked against its hash.
    pub fn read_verified(&self, hash: &ContentHash) -> Result<Vec<u8>, ContentHash> {
        let bytes = fs::read(self.blob_path(hash)).map_err(|_| *hash)?;
        if ContentHash::of(&bytes) == *hash {
            Ok(bytes)
        } else {
            Err(*hash)
        }
    }

    /// Opens a blob for streaming after checking its hash in one pass.
    pub fn open_verified(&self, hash: &ContentHash) -> Result<File, ContentHash> {
        if self.verify(hash) != BlobState::Intact {
            return Err(*hash);
        }
        File::open(self.blob_path(hash)).map_err(|_| *hash)
    }

    /// Drops a damaged record so the next writer replaces it.
    pub fn remove_record(&self, key: &ActionKey) -> io::Result<()> {
        match fs::remove_file(self.record_path(key)) {
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
            other => other,
        }
    }

    /// Drops a damaged blob so the next writer replaces it.
    pub fn remove_blob(&self, hash: &ContentHash) {
        let _ = fs::remove_file(self.blob_path(hash));
    }

    /// Serialises work on one key across threads and processes. Keys share
    /// 256 lock files (by first byte), so the lock directory stays small.
    pub fn lock_key(&self, key: &ActionKey) -> io::Result<FileLock> {
        let stripe = &key.hex()[..2];
        FileLock::acquire(&self.root.join("locks").join(stripe), LockKind::Exclusive)
    }
}

/// Removes what killed processes left in `tmp/`; returns (files, bytes).
/// Only call it holding the target directory's exclusive lock: every
/// writer of `tmp/` holds that lock, shared or exclusive, while it writes.
pub fn remove_stale_temp_files(cache_root: &Path) -> io::Result<(u64, u64)> {
    let (mut files, mut bytes) = (0, 0);
    let entries = match fs::read_dir(cache_root.join("tmp")) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok((0, 0)),
        other => other?,
    };
    for entry in entries {
        let entry = entry?;
        let meta = entry.metadata()?;
        if meta.is_dir() {
            fs::remove_dir_all(entry.path())?;
        } else {
            fs::remove_file(entry.path())?;
        }
        files += 1;
        bytes += meta.len();
    }
    Ok((files, bytes))
}

/// Reads a small file with as few system calls as possible (no stat): a
/// no-op build reads thousands of records.
fn read_small(path: &Path) -> io::Result<Vec<u8>> {
    let mut file = File::open(path)?;
    let mut bytes = vec![0u8; 4096];
    let mut filled = 0;
    loop {
        if filled == bytes.len() {
            bytes.resize(bytes.len() * 2, 0);
        }
        let n = file.read(&mut bytes[filled..])?;
        if n == 0 {
            break;
        }
        filled += n;
    }
    bytes.truncate(filled);
    Ok(bytes)
}

pub fn hash_file(path: &Path) -> io::Result<(ContentHash, u64)> {
    let mut file = File::open(path)?;
    let mut hasher = blake3::Hasher::new();
    let mut buffer = vec![0u8; 1 << 16];
    let mut size = 0u64;
    loop {
        let n = file.read(&mut buffer)?;
        if n == 0 {
            break;
        }
        hasher.update(&buffer[..n]);
        size += n as u64;
    }
    Ok((ContentHash(*hasher.finalize().as_bytes()), size))
}

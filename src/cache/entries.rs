//! The cache as a list of entries: an action record with the blob it names,
//! and what the index knows of its use.

use std::collections::HashSet;
use std::fs;
use std::io;
use std::time::UNIX_EPOCH;

use super::index::Index;
use super::key::{ActionKey, ContentHash};
use super::store::{ActionRecord, Store};

#[derive(Debug, Clone)]
pub struct Entry {
    pub key: ActionKey,
    pub record: ActionRecord,
    pub record_bytes: u64,
    /// Whether the blob file is there at all.
    pub blob_present: bool,
    pub hits: u64,
    /// Unix seconds; the record's modification time if the index has no word.
    pub last_used: u64,
}

impl Entry {
    pub fn kind(&self) -> &str {
        &self.record.kind
    }

    /// Bytes on disk: the record and, if present, its blob.
    pub fn size(&self) -> u64 {
        self.record_bytes
            + if self.blob_present {
                self.record.output.size
            } else {
                0
            }
    }
}

/// Every readable action record, sorted by key.
pub fn list(store: &Store, index: &Index) -> Vec<Entry> {
    list_with_damaged(store, index).0
}

/// Every readable action record, sorted by key, and the keys of record
/// files that are not readable records (truncated, garbled).
pub fn list_with_damaged(store: &Store, index: &Index) -> (Vec<Entry>, Vec<ActionKey>) {
    let mut entries = Vec::new();
    let mut damaged = Vec::new();
    let Ok(shards) = fs::read_dir(store.root().join("ac")) else {
        return (entries, damaged);
    };
    for shard in shards.flatten() {
        let Ok(files) = fs::read_dir(shard.path()) else {
            continue;
        };
        for file in files.flatten() {
            let path = file.path();
            let Some(key) = path
                .file_name()
                .and_then(|s| s.to_str())
                .and_then(|s| s.strip_suffix(".json"))
                .and_then(ActionKey::from_hex)
            else {
                continue;
            };
            let Ok(bytes) = fs::read(&path) else { continue };
            let Ok(record) = serde_json::from_slice::<ActionRecord>(&bytes) else {
                damaged.push(key);
                continue;
            };
            let usage = index.entries.get(&key.hex());
            let modified = file
                .metadata()
                .ok()
                .and_then(|m| m.modified().ok())
                .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
                .map_or(0, |d| d.as_secs());
            entries.push(Entry {
                key,
                blob_present: store.blob_path(&record.output.hash).exists(),
                record_bytes: bytes.len() as u64,
                hits: usage.map_or(0, |u| u.hits),
                last_used: usage.map_or(modified, |u| u.last_used),
                record,
            });
        }
    }
    entries.sort_by_key(|e| e.key);
    damaged.sort();
    (entries, damaged)
}

/// Every blob an entry names: its output, and any blob its input reads by
/// hash (an imported media file, a cover image).
fn named_by(entry: &Entry, named: &mut HashSet<ContentHash>) {
    fn walk(value: &serde_json::Value, named: &mut HashSet<ContentHash>) {
        match value {
            serde_json::Value::String(text) if text.len() == 64 => {
                if let Some(hash) = ContentHash::from_hex(text) {
                    named.insert(hash);
                }
            }
            serde_json::Value::Array(items) => items.iter().for_each(|v| walk(v, named)),
            serde_json::Value::Object(fields) => fields.values().for_each(|v| walk(v, named)),
            _ => {}
        }
    }
    named.insert(entry.record.output.hash);
    walk(&entry.record.input, named);
}

/// Blobs that no record names (left by an interrupted build or a removal).
pub fn orphan_blobs(store: &Store, entries: &[Entry]) -> Vec<(ContentHash, u64)> {
    let mut named = HashSet::new();
    for entry in entries {
        named_by(entry, &mut named);
    }
    let mut orphans = Vec::new();
    let Ok(shards) = fs::read_dir(store.root().join("cas")) else {
        return orphans;
    };
    for shard in shards.flatten() {
        let Ok(files) = fs::read_dir(shard.path()) else {
            continue;
        };
        for file in files.flatten() {
            let Some(hash) = file.file_name().to_str().and_then(ContentHash::from_hex) else {
                continue;
            };
            if !named.contains(&hash) {
                orphans.push((hash, file.metadata().map_or(0, |m| m.len())));
            }
        }
    }
    orphans
}

#[derive(Debug, Default, Clone, Copy)]
pub struct Removed {
    pub entries: u64,
    pub files: u64,
    pub bytes: u64,
}

/// Removes `victims` (records, and blobs no remaining record names) and
/// forgets them in the index. `all` is every entry of the cache.
pub fn remove(store: &Store, all: &[Entry], victims: &[&Entry]) -> io::Result<Removed> {
    let doomed: HashSet<ActionKey> = victims.iter().map(|e| e.key).collect();
    let mut kept_blobs = HashSet::new();
    for entry in all.iter().filter(|e| !doomed.contains(&e.key)) {
        named_by(entry, &mut kept_blobs);
    }
    let mut removed = Removed::default();
    let mut blobs_done = HashSet::new();
    for entry in victims {
        remove_file(&store.record_file(&entry.key))?;
        removed.entries += 1;
        removed.files += 1;
        removed.bytes += entry.record_bytes;
        let hash = entry.record.output.hash;
        if entry.blob_present && !kept_blobs.contains(&hash) && blobs_done.insert(hash) {
            remove_file(&store.blob_path(&hash))?;
            removed.files += 1;
            removed.bytes += entry.record.output.size;
        }
    }
    if !doomed.is_empty() {
        Index::update(store.root(), |index| {
            index
                .entries
                .retain(|key, _| ActionKey::from_hex(key).is_none_or(|k| !doomed.contains(&k)));
        })?;
    }
    Ok(removed)
}

/// Removes blobs no record names.
pub fn remove_orphans(store: &Store, orphans: &[(ContentHash, u64)]) -> io::Result<Removed> {
    let mut removed = Removed::default();
    for (hash, size) in orphans {
        remove_file(&store.blob_path(hash))?;
        removed.files += 1;
        removed.bytes += size;
    }
    Ok(removed)
}

fn remove_file(path: &std::path::Path) -> io::Result<()> {
    match fs::remove_file(path) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        other => other,
    }
}

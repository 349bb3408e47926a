//! `cache/index.json`: what the action records cannot say about themselves.
//! Hit counts and last use per entry, hit and character totals, the last
//! build's numbers, and the key each logical step (an episode's third
//! sentence, its `wav`) had last time, which `--explain` compares against.
//!
//! Updated once at the end of each build, under its own lock.

use std::collections::BTreeMap;
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::lock::{FileLock, LockKind};

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Index {
    #[serde(default)]
    pub entries: BTreeMap<String, EntryUsage>,
    #[serde(default)]
    pub total: Counters,
    #[serde(default)]
    pub last_build: Option<Counters>,
    /// Logical step id -> key hex.
    #[serde(default)]
    pub logical: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct EntryUsage {
    pub kind: String,
    /// Builds that found this entry in the cache.
    pub hits: u64,
    /// Unix seconds of the last build that used it (hit or made it).
    pub last_used: u64,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counters {
    pub hits: u64,
    pub misses: u64,
    /// Per step kind: executed and cached counts.
    #[serde(default)]
    pub steps: BTreeMap<String, StepCounts>,
    /// Per engine: characters synthesised and characters served from cache.
    #[serde(default)]
    pub characters: BTreeMap<String, CharacterCounts>,
    /// What the shared remote cache gave and took.
    #[serde(default)]
    pub remote: RemoteTotals,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RemoteTotals {
    /// Steps downloaded instead of run.
    pub hits: u64,
    pub downloaded_bytes: u64,
    pub uploaded_bytes: u64,
    /// Records and blobs refused (bad signature, wrong hash).
    pub rejected: u64,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepCounts {
    pub executed: u64,
    pub cached: u64,
    /// Downloaded from the remote cache.
    #[serde(default)]
    pub remote: u64,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CharacterCounts {
    pub synthesised: u64,
    pub cached: u64,
    /// Served by the remote cache: characters no engine was sent.
    #[serde(default)]
    pub remote: u64,
}

impl Counters {
    pub fn add(&mut self, other: &Counters) {
        self.hits += other.hits;
        self.misses += other.misses;
        for (kind, counts) in &other.steps {
            let mine = self.steps.entry(kind.clone()).or_default();
            mine.executed += counts.executed;
            mine.cached += counts.cached;
            mine.remote += counts.remote;
        }
        for (engine, counts) in &other.characters {
            let mine = self.characters.entry(engine.clone()).or_default();
            mine.synthesised += counts.synthesised;
            mine.cached += counts.cached;
            mine.remote += counts.remote;
        }
        self.remote.hits += other.remote.hits;
        self.remote.downloaded_bytes += other.remote.downloaded_bytes;
        self.remote.uploaded_bytes += other.remote.uploaded_bytes;
        self.remote.rejected += other.remote.rejected;
    }

    pub fn hit_rate(&self) -> Option<f64> {
        let total = self.hits + self.misses;
        (total > 0).then(|| self.hits as f64 / total as f64)
    }
}

/// What one build did to the index.
#[derive(Debug, Default)]
pub struct BuildUsage {
    /// Key hex -> (kind, was a hit).
    pub used: BTreeMap<String, (String, bool)>,
    pub counters: Counters,
    pub logical: BTreeMap<String, String>,
}

pub fn index_path(cache_root: &Path) -> PathBuf {
    cache_root.join("index.json")
}

impl Index {
    /// The index, or an empty one if there is none (or it is unreadable:
    /// it is bookkeeping, never needed for correctness).
    pub fn load(cache_root: &Path) -> Index {
        fs::read(index_path(cache_root))
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .unwrap_or_default()
    }

    /// Folds one build into the index on disk.
    pub fn record_build(cache_root: &Path, usage: &BuildUsage, now: u64) -> io::Result<()> {
        Index::update(cache_root, |index| {
            for (key, (kind, hit)) in &usage.used {
                let entry = index.entries.entry(key.clone()).or_default();
                entry.kind = kind.clone();
                entry.last_used = now;
                if *hit {
                    entry.hits += 1;
                }
            }
            index.total.add(&usage.counters);
            index.last_build = Some(usage.counters.clone());
            index
                .logical
                .extend(usage.logical.iter().map(|(k, v)| (k.clone(), v.clone())));
        })
    }

    /// Read-modify-write under the index lock, written atomically.
    pub fn update(cache_root: &Path, change: impl FnOnce(&mut Index)) -> io::Result<()> {
        let _lock = FileLock::acquire(&cache_root.join("index.lock"), LockKind::Exclusive)?;
        let mut index = Index::load(cache_root);
        change(&mut index);
        let mut temp = tempfile::NamedTempFile::new_in(cache_root.join("tmp"))?;
        // One write: serde_json writes token by token to an unbuffered file.
        temp.write_all(&serde_json::to_vec(&index)?)?;
        temp.as_file_mut().flush()?;
        temp.persist(index_path(cache_root)).map_err(|e| e.error)?;
        Ok(())
    }
}

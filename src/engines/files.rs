//! Voice settings that name a file (a hibari voice's `model`): read, hashed
//! and checked once per build before planning, like engine versions, so
//! planning stays pure and looks the result up by the path as written.

use std::collections::BTreeMap;
use std::path::Path;

use crate::cache::ContentHash;

/// Judges a file's bytes: `Err` says what is wrong, in words fit for the
/// setting that names it.
pub type Check = fn(&[u8]) -> Result<(), String>;

/// A file setting as a voice layer wrote it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FileUse {
    pub key: String,
    /// As written: relative to the project root.
    pub path: String,
}

/// Why a file setting is refused, in words placed at its value.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Refusal {
    pub message: String,
    pub help: Option<String>,
}

/// What reading each file setting found: its content hash, or why not.
pub type ProbedFiles = BTreeMap<FileUse, Result<ContentHash, Refusal>>;

/// Reads `file` (`path` as written), hashes it and checks its bytes.
pub fn probe(key: &str, path: &str, file: &Path, check: Check) -> Result<ContentHash, Refusal> {
    let refusal = |why: String| Refusal {
        message: format!("{key} `{path}`: {why}"),
        help: None,
    };
    let bytes = std::fs::read(file).map_err(|e| refusal(e.to_string()))?;
    check(&bytes).map_err(refusal)?;
    Ok(ContentHash::of(&bytes))
}

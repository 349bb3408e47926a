//! Voice settings that name a file (a hibari voice's `model`) or a program
//! (a command voice's `command`): read, hashed and checked once per build
//! before planning, like engine versions, so planning stays pure and looks
//! the result up by the path as written.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::cache::ContentHash;

/// Judges a file's bytes: `Err` says what is wrong, in words fit for the
/// setting that names it.
pub type Check = fn(&[u8]) -> Result<(), String>;

/// What a setting names, and so how the workspace finds what to read.
#[derive(Clone, Copy)]
pub enum Probe {
    /// A file inside the project, judged by `check`.
    File(Check),
    /// A program: the first word of a command, found like a shell would
    /// (on PATH, or as a path from the project root when it has a `/`).
    Program,
}

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

/// Where the program a command's first word names is: `None` when it is a
/// bare name that no directory on PATH holds as a file. Paths (with a `/`)
/// start at the project root and are the caller's to confine.
pub fn find_program(word: &str, project_root: &Path) -> Option<PathBuf> {
    if word.contains('/') {
        return Some(project_root.join(word));
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(word))
        .find(|candidate| candidate.is_file())
}

/// Accepts any bytes: a program is whatever the user runs.
pub fn any_program(_: &[u8]) -> Result<(), String> {
    Ok(())
}

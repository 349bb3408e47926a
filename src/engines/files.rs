//! Voice settings that name a file (a hibari or piper voice's `model`) or a
//! program (a command voice's `command`): read, hashed and checked once per
//! build before planning, like engine versions, so planning stays pure and
//! looks the result up by the path as written.

use std::collections::BTreeMap;
use std::path::Path;

use crate::cache::ContentHash;

/// Judges a file's bytes: `Err` says what is wrong, in words fit for the
/// setting that names it.
pub type Check = fn(&[u8]) -> Result<(), String>;

/// What a setting names, and so how the workspace finds what to read.
#[derive(Clone, Copy)]
pub enum Probe {
    /// A file inside the project, judged by `check`, perhaps with a
    /// companion file read and hashed with it.
    File {
        check: Check,
        companion: Option<Companion>,
    },
    /// A program: the first word of a command, found like a shell would
    /// (on PATH, or as a path from the project root when it has a `/`).
    Program,
}

/// A second file an engine reads with a file setting's file, named by
/// appending `suffix` to its path (a Piper voice's `x.onnx.json` next to
/// `x.onnx`): checked by `check` and hashed with it. `limits` reads from it
/// the bounds it sets on other settings of the voice.
#[derive(Clone, Copy)]
pub struct Companion {
    pub suffix: &'static str,
    pub check: Check,
    pub limits: Option<ReadLimits>,
}

/// Reads from a companion's bytes how many values each bounded setting may
/// take: (setting key, count).
pub type ReadLimits = fn(&[u8]) -> Vec<(&'static str, u32)>;

/// Bounds a voice's files set on its whole-number settings: key -> how
/// many values it may take (a Piper voice's `speaker` is below its
/// `num_speakers`), with what to call them in an error.
pub type Limits = BTreeMap<String, Limit>;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Limit {
    /// Values from 0 to `count - 1` are allowed.
    pub count: u32,
    /// The file setting that says so, as an error names it
    /// (``model `voices/joe.onnx` ``).
    pub whose: String,
}

/// What reading a file setting found: the content hash that goes into
/// keys, and the bounds the file sets.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Probed {
    pub hash: ContentHash,
    pub limits: Limits,
}

/// A file setting as a voice layer wrote it, for one engine that takes it:
/// engines judge the same path differently, and hash their companions too.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FileUse {
    pub engine: String,
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

/// What reading each file setting found, or why it was refused.
pub type ProbedFiles = BTreeMap<FileUse, Result<Probed, Refusal>>;

/// Reads `file` (`path` as written), and its companion if the setting has
/// one, checks their bytes and hashes them together.
pub fn probe(
    key: &str,
    path: &str,
    file: &Path,
    check: Check,
    companion: Option<Companion>,
) -> Result<Probed, Refusal> {
    let refusal = |path: &str, why: String| Refusal {
        message: format!("{key} `{path}`: {why}"),
        help: None,
    };
    let bytes = std::fs::read(file).map_err(|e| refusal(path, e.to_string()))?;
    check(&bytes).map_err(|why| refusal(path, why))?;
    let Some(companion) = companion else {
        return Ok(Probed {
            hash: content_hash(&bytes, None),
            limits: Limits::new(),
        });
    };
    let companion_path = format!("{path}{}", companion.suffix);
    let mut companion_file = file.as_os_str().to_owned();
    companion_file.push(companion.suffix);
    let companion_bytes = std::fs::read(&companion_file)
        .map_err(|e| refusal(&companion_path, format!("{e} (it goes next to `{path}`)")))?;
    (companion.check)(&companion_bytes).map_err(|why| refusal(&companion_path, why))?;
    Ok(Probed {
        hash: content_hash(&bytes, Some(&companion_bytes)),
        limits: companion
            .limits
            .map(|limits| limits(&companion_bytes))
            .unwrap_or_default()
            .into_iter()
            .map(|(setting, count)| {
                let whose = format!("{key} `{path}`");
                (setting.to_string(), Limit { count, whose })
            })
            .collect(),
    })
}

/// The hash a file setting's value holds: the file's own content hash, or,
/// with a companion, one hash of both (the file's length first, so no two
/// pairs of files hash alike).
pub fn content_hash(bytes: &[u8], companion: Option<&[u8]>) -> ContentHash {
    let Some(companion) = companion else {
        return ContentHash::of(bytes);
    };
    let mut hasher = blake3::Hasher::new();
    hasher.update(&(bytes.len() as u64).to_le_bytes());
    hasher.update(bytes);
    hasher.update(companion);
    ContentHash(*hasher.finalize().as_bytes())
}

/// Accepts any bytes: a program is whatever the user runs.
pub fn any_program(_: &[u8]) -> Result<(), String> {
    Ok(())
}

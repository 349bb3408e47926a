//! Finding the project: `podcast.toml`, its episodes, and the target directory.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::config::Config;
use crate::diagnostic::Diagnostic;
use crate::discovery;
use crate::paths::{absolute, display};

pub const MANIFEST: &str = "podcast.toml";

/// `--manifest-path`, or `podcast.toml` in the current directory or an ancestor.
pub fn locate_manifest(explicit: Option<&Path>) -> Result<PathBuf, Diagnostic> {
    if let Some(path) = explicit {
        // A directory stands for the podcast.toml inside it, as in cargo.
        let file = if path.is_dir() {
            path.join(MANIFEST)
        } else {
            path.to_path_buf()
        };
        return if file.is_file() {
            Ok(absolute(&file))
        } else if path.is_dir() {
            Err(Diagnostic::error(format!(
                "`{}` is a directory without a `{MANIFEST}`",
                path.display()
            ))
            .with_help(format!(
                "--manifest-path takes the path of a `{MANIFEST}`, or the directory holding it"
            )))
        } else {
            Err(Diagnostic::error(format!(
                "manifest path `{}` does not exist",
                path.display()
            ))
            .with_help(format!(
                "--manifest-path takes the path of a `{MANIFEST}`, or the directory holding it"
            )))
        };
    }
    let cwd = std::env::current_dir()
        .map_err(|e| Diagnostic::error(format!("cannot read the current directory: {e}")))?;
    cwd.ancestors()
        .map(|dir| dir.join(MANIFEST))
        .find(|candidate| candidate.is_file())
        .ok_or_else(|| {
            Diagnostic::error(format!(
                "could not find `{MANIFEST}` in `{}` or any parent directory",
                cwd.display()
            ))
            .with_help("run `pod` inside a project, or pass --manifest-path")
        })
}

pub fn read_manifest(path: &Path) -> Result<Arc<str>, Diagnostic> {
    let bytes = std::fs::read(path)
        .map_err(|e| Diagnostic::error(format!("cannot read `{}`: {e}", path.display())))?;
    String::from_utf8(bytes)
        .map(|text| Arc::from(crate::diagnostic::strip_bom(&text)))
        .map_err(|_| Diagnostic::error(format!("`{}` is not valid UTF-8", path.display())))
}

/// Episode scripts, sorted by path; the id is the file stem.
pub struct EpisodeFile {
    pub id: String,
    pub path: PathBuf,
}

/// The files `podcast.episodes` matches (see `discovery`). A pattern that
/// is invalid or matches no file is an error at its place in podcast.toml:
/// a typo must not quietly drop episodes from the feed.
pub fn episode_files(
    config: &Config,
    root: &Path,
    confinement: &crate::confinement::Confinement,
) -> Result<Vec<EpisodeFile>, Diagnostic> {
    let mut globs = Vec::new();
    for pattern in &config.episodes {
        confinement.check_pattern(root, pattern)?;
        let glob = discovery::path_glob(&pattern.value).map_err(|why| {
            pattern
                .error(format!("invalid glob pattern `{}`: {why}", pattern.value))
                .with_help(PATTERN_HELP)
        })?;
        globs.push(glob);
    }
    // The default target too, when this run's is elsewhere: it holds outputs.
    let skip = vec![target_dir(None, Some(config), root), root.join("target")];
    let found = discovery::matching_files(root, &globs, &skip, MARKER)
        .map_err(|e| Diagnostic::error(format!("podcast.episodes: {e}")))?;
    for (index, pattern) in config.episodes.iter().enumerate() {
        if !found.values().any(|hits| hits.contains(&index)) {
            return Err(pattern
                .error(format!(
                    "episode pattern `{}` matches no files",
                    pattern.value
                ))
                .with_help(PATTERN_HELP));
        }
    }
    for (path, hits) in &found {
        confinement.check_episode(&config.episodes[hits[0]], path)?;
    }
    let paths: Vec<PathBuf> = found.into_keys().collect();
    let mut episodes: Vec<EpisodeFile> = Vec::new();
    for path in paths {
        let id = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        if let Some(other) = episodes.iter().find(|e| e.id == id) {
            return Err(Diagnostic::error(format!(
                "two episodes have the id `{id}`: `{}` and `{}`",
                display(&other.path),
                display(&path)
            ))
            .with_help("episode ids are file stems; rename one of the files"));
        }
        episodes.push(EpisodeFile { id, path });
    }
    Ok(episodes)
}

const PATTERN_HELP: &str = "episode patterns are globs relative to the directory of podcast.toml; \
     hidden files, files ignored by .gitignore or .podignore, and the target directory are skipped";

/// The target directory: `--target-dir`, then `POD_TARGET_DIR`, then
/// `[build] target_dir`, then `target/` beside podcast.toml.
pub fn target_dir(explicit: Option<&Path>, config: Option<&Config>, root: &Path) -> PathBuf {
    if let Some(dir) = explicit {
        return absolute(dir);
    }
    if let Some(dir) = std::env::var_os("POD_TARGET_DIR").filter(|d| !d.is_empty()) {
        return absolute(Path::new(&dir));
    }
    if let Some(dir) = config.and_then(|c| crate::config::configured_target_dir(c, root)) {
        return dir;
    }
    root.join("target")
}

/// The layout of a target directory.
pub struct TargetLayout {
    pub root: PathBuf,
}

/// Written into every target directory pod creates; `pod clean` refuses to
/// delete a directory without it (such as cargo's `target/`).
pub const MARKER: &str = ".pod-target";

impl TargetLayout {
    pub fn new(root: PathBuf) -> TargetLayout {
        TargetLayout { root }
    }

    pub fn cache(&self) -> PathBuf {
        self.root.join("cache")
    }

    pub fn outputs(&self) -> PathBuf {
        self.root.join("out")
    }

    pub fn engines(&self) -> PathBuf {
        self.cache().join("engines")
    }

    pub fn published(&self) -> PathBuf {
        self.cache().join("published")
    }

    pub fn lock_file(&self) -> PathBuf {
        self.root.join(".lock")
    }

    /// Creates the directory with its marker and a CACHEDIR.TAG.
    pub fn create(&self) -> std::io::Result<()> {
        std::fs::create_dir_all(&self.root)?;
        let marker = self.root.join(MARKER);
        if !marker.exists() {
            std::fs::write(
                &marker,
                "This directory is managed by pod; `pod clean` may delete it.\n",
            )?;
        }
        let tag = self.root.join("CACHEDIR.TAG");
        if !tag.exists() {
            std::fs::write(
                &tag,
                "Signature: 8a477f597d28d172789f06886806bc55\n# This file is a cache directory tag created by pod.\n",
            )?;
        }
        std::fs::create_dir_all(self.outputs())?;
        std::fs::create_dir_all(self.published())?;
        Ok(())
    }
}

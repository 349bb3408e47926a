//! Episode discovery: the files episode patterns match, found by a walk that
//! honours `.gitignore` and `.podignore` (a git repository or not), skips
//! hidden files and directories and never enters the target directory, so
//! editor backups, `node_modules` and build outputs are never episodes.

use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};

use globset::{Glob, GlobBuilder, GlobMatcher, GlobSetBuilder};

/// A `.gitignore`-style file only pod reads.
pub const PODIGNORE: &str = ".podignore";

/// An episode pattern, relative to the project directory. `*` stays within
/// one path component (`**` crosses them), as in a shell and in `.gitignore`.
pub fn path_glob(pattern: &str) -> Result<Glob, String> {
    GlobBuilder::new(&without_cur_dir(pattern))
        .literal_separator(true)
        .build()
        .map_err(|e| e.kind().to_string())
}

/// A pattern over episode ids (`-e 'ep*'`).
pub fn id_matcher(pattern: &str) -> Result<GlobMatcher, String> {
    Glob::new(pattern)
        .map(|glob| glob.compile_matcher())
        .map_err(|e| e.kind().to_string())
}

/// Whether `text` has a glob wildcard, so is a pattern rather than a name.
pub fn is_pattern(text: &str) -> bool {
    text.contains(['*', '?', '[', '{'])
}

/// `./episodes/*.md` is `episodes/*.md`: walked paths have no `.` components.
fn without_cur_dir(pattern: &str) -> String {
    let parts: Vec<&str> = pattern.split('/').filter(|part| *part != ".").collect();
    let joined = parts.join("/");
    if pattern.starts_with('/') && !joined.starts_with('/') {
        format!("/{joined}")
    } else {
        joined
    }
}

/// Every file under `root` that `globs` match (relative to `root`), in path
/// order, with the indices of the globs matching it. `skip` directories and
/// any directory holding a file named `marker` (pod's target directories)
/// are not entered.
pub fn matching_files(
    root: &Path,
    globs: &[Glob],
    skip: &[PathBuf],
    marker: &'static str,
) -> Result<BTreeMap<PathBuf, Vec<usize>>, String> {
    let mut set = GlobSetBuilder::new();
    for glob in globs {
        set.add(glob.clone());
    }
    let set = set.build().map_err(|e| e.to_string())?;
    // Where each pattern's matches can be: its directories before the first wildcard.
    let bases: Vec<PathBuf> = globs
        .iter()
        .map(|glob| root.join(crate::confinement::literal_base(glob.glob())))
        .collect();
    // One walk from the root, so an ignored directory above a pattern's base
    // hides its files too; a pattern reaching out (an allowed path) gets its own.
    let mut starts: Vec<PathBuf> = bases
        .iter()
        .map(|base| {
            let inside =
                base.starts_with(root) && !base.components().any(|c| c == Component::ParentDir);
            if inside {
                root.to_path_buf()
            } else {
                base.clone()
            }
        })
        .collect();
    starts.sort();
    starts.dedup();

    let mut found: BTreeMap<PathBuf, Vec<usize>> = BTreeMap::new();
    for start in starts {
        let (bases, skip) = (bases.clone(), skip.to_vec());
        let walk = ignore::WalkBuilder::new(&start)
            .hidden(true)
            // Only git's and pod's ignore files: not ripgrep's `.ignore`, and
            // not this user's global excludes, which a CI runner lacks.
            .ignore(false)
            .git_global(false)
            .require_git(false)
            .add_custom_ignore_filename(PODIGNORE)
            // As a shell glob would, and confinement then judges the target.
            .follow_links(true)
            .filter_entry(move |entry| {
                let path = entry.path();
                if !entry.file_type().is_some_and(|t| t.is_dir()) {
                    return true;
                }
                !skip.iter().any(|s| s == path)
                    && !path.join(marker).is_file()
                    && bases
                        .iter()
                        .any(|base| base.starts_with(path) || path.starts_with(base))
            })
            .build();
        // An unreadable directory or a broken link holds no episode; a
        // pattern left with no file says so.
        for entry in walk.flatten() {
            if !entry.file_type().is_some_and(|t| t.is_file()) {
                continue;
            }
            let path = entry.path();
            let relative = path.strip_prefix(root).unwrap_or(path);
            let hits = set.matches(relative);
            if !hits.is_empty() {
                let indices = found.entry(entry.into_path()).or_default();
                indices.extend(hits);
                indices.sort_unstable();
                indices.dedup();
            }
        }
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_star_stays_in_its_directory() {
        let glob = path_glob("./episodes/*.md").unwrap().compile_matcher();
        assert!(glob.is_match("episodes/a.md"));
        assert!(!glob.is_match("episodes/old/a.md"));
        let deep = path_glob("episodes/**/*.md").unwrap().compile_matcher();
        assert!(deep.is_match("episodes/old/a.md"));
        assert!(path_glob("episodes/[.md").is_err());
    }

    #[test]
    fn ignored_hidden_and_target_files_are_not_found() {
        let dir = tempfile::TempDir::new().unwrap();
        let root = dir.path();
        for file in [
            "episodes/a.md",
            "episodes/b.md",
            "episodes/.c.md",
            "episodes/drafts/d.md",
            "episodes/e.md",
            "target/out/f.md",
            "built/.pod-target",
            "built/g.md",
        ] {
            std::fs::create_dir_all(root.join(file).parent().unwrap()).unwrap();
            std::fs::write(root.join(file), "Hi.\n").unwrap();
        }
        std::fs::write(root.join(".gitignore"), "drafts/\n").unwrap();
        std::fs::write(root.join("episodes/.podignore"), "e.md\n").unwrap();
        let globs = [path_glob("**/*.md").unwrap()];
        let found = matching_files(root, &globs, &[root.join("target")], ".pod-target").unwrap();
        let names: Vec<&Path> = found
            .keys()
            .map(|p| p.strip_prefix(root).unwrap())
            .collect();
        assert_eq!(
            names,
            [Path::new("episodes/a.md"), Path::new("episodes/b.md")]
        );
    }
}

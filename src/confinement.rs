//! DESIGN rule 8: pod reads only inside the project (the directory of
//! podcast.toml), judged after following symlinks, unless `[build]
//! allow_paths` widens it. A CI build of an untrusted change must not be
//! able to publish the runner's files.

use std::path::{Component, Path, PathBuf};

use crate::config::{Config, Sourced};
use crate::diagnostic::Diagnostic;
use crate::media::Origin;
use crate::paths::display;

/// The directories pod may read from, with symlinks resolved.
#[derive(Debug, Clone)]
pub struct Confinement {
    root: PathBuf,
    allowed: Vec<PathBuf>,
}

impl Confinement {
    /// The project directory `root` and the config's `allow_paths` (relative
    /// to it). An allowed path that does not exist is an error: it would
    /// widen nothing, and the refusals it leads to would puzzle.
    pub fn new(root: &Path, config: &Config) -> Result<Confinement, Diagnostic> {
        let root = std::fs::canonicalize(root).map_err(|e| {
            Diagnostic::error(format!(
                "cannot resolve the project directory `{}`: {e}",
                display(root)
            ))
        })?;
        let allowed = config
            .allow_paths
            .iter()
            .map(|dir| {
                std::fs::canonicalize(root.join(&dir.value)).map_err(|e| {
                    dir.error(format!(
                        "build.allow_paths: cannot use `{}`: {e}",
                        dir.value
                    ))
                })
            })
            .collect::<Result<_, _>>()?;
        Ok(Confinement { root, allowed })
    }

    /// Whether `path`, with symlinks followed, lies in the project or an
    /// allowed directory; if not, why not.
    pub fn check(&self, path: &Path) -> Result<(), String> {
        let resolved = resolve(path);
        if resolved.starts_with(&self.root) || self.allowed.iter().any(|a| resolved.starts_with(a))
        {
            return Ok(());
        }
        let via = if resolve_lexically(path) == resolved {
            String::new()
        } else {
            format!(" (it resolves to `{}`)", resolved.display())
        };
        Err(format!(
            "is outside the project directory `{}`{via}",
            self.root.display()
        ))
    }

    /// An episode pattern: its literal leading directories (before the first
    /// wildcard) must be inside, so pod does not even list what is not.
    pub fn check_pattern(&self, root: &Path, pattern: &Sourced<String>) -> Result<(), Diagnostic> {
        let base = root.join(literal_base(&pattern.value));
        self.check(&base).map_err(|why| {
            pattern
                .error(format!(
                    "episode pattern `{}` reaches `{}`, which {why}",
                    pattern.value,
                    display(&resolve_lexically(&base))
                ))
                .with_help(HELP)
        })
    }

    /// A file an episode pattern matched.
    pub fn check_episode(&self, pattern: &Sourced<String>, file: &Path) -> Result<(), Diagnostic> {
        self.check(file).map_err(|why| {
            pattern
                .error(format!(
                    "episode pattern `{}` matches `{}`, which {why}",
                    pattern.value,
                    display(file)
                ))
                .with_help(HELP)
        })
    }

    /// Media files (music, intro, outro, `[sound]`, cover), each with where
    /// it was named, so that each refusal is located there. The caller lists
    /// them (`pipeline::media`): the shape of a build is not this layer's.
    pub fn check_media(&self, files: &[(PathBuf, Origin)]) -> Vec<Diagnostic> {
        files
            .iter()
            .filter_map(|(file, origin)| {
                self.check(file)
                    .err()
                    .map(|why| refused(file, origin, &why))
            })
            .collect()
    }
}

/// What to do about a refusal.
pub const HELP: &str = "pod reads only inside the project directory (after following symlinks); \
                    to read from another directory, list it in `[build] allow_paths`";

fn refused(file: &Path, origin: &Origin, why: &str) -> Diagnostic {
    crate::media::media_error(file, origin, why).with_help(HELP)
}

/// `path` made absolute with every symlink followed. The part that does not
/// exist (yet) is applied lexically to the longest existing prefix, so a
/// missing file outside the project is refused too, not reported missing.
pub fn resolve(path: &Path) -> PathBuf {
    let absolute = crate::paths::absolute(path);
    let components: Vec<Component> = absolute.components().collect();
    for split in (0..=components.len()).rev() {
        let prefix: PathBuf = components[..split].iter().collect();
        if let Ok(mut resolved) = std::fs::canonicalize(&prefix) {
            push_lexically(&mut resolved, &components[split..]);
            return resolved;
        }
    }
    resolve_lexically(&absolute)
}

/// `path` made absolute with `.` and `..` applied, no symlinks followed.
fn resolve_lexically(path: &Path) -> PathBuf {
    let mut resolved = PathBuf::new();
    let absolute = crate::paths::absolute(path);
    let components: Vec<Component> = absolute.components().collect();
    push_lexically(&mut resolved, &components);
    resolved
}

fn push_lexically(base: &mut PathBuf, components: &[Component]) {
    for component in components {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                base.pop();
            }
            other => base.push(other.as_os_str()),
        }
    }
}

/// The leading components of a glob pattern that hold no wildcard.
pub(crate) fn literal_base(pattern: &str) -> PathBuf {
    Path::new(pattern)
        .components()
        .take_while(|c| {
            !c.as_os_str()
                .to_string_lossy()
                .contains(['*', '?', '[', '{'])
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literal_base_stops_at_the_first_wildcard() {
        assert_eq!(literal_base("../../etc/host*"), PathBuf::from("../../etc"));
        assert_eq!(literal_base("episodes/*.md"), PathBuf::from("episodes"));
        assert_eq!(literal_base("**/*.md"), PathBuf::new());
        assert_eq!(literal_base("/etc/hosts"), PathBuf::from("/etc/hosts"));
    }

    #[test]
    fn missing_parts_resolve_lexically_after_the_existing_prefix() {
        let dir = tempfile::TempDir::new().unwrap();
        let root = std::fs::canonicalize(dir.path()).unwrap();
        assert_eq!(resolve(&root.join("no/such/../file")), root.join("no/file"));
        assert_eq!(
            resolve(&root.join("missing/../../x")),
            root.parent().unwrap().join("x")
        );
    }

    #[cfg(unix)]
    #[test]
    fn symlinks_are_followed() {
        let dir = tempfile::TempDir::new().unwrap();
        let root = std::fs::canonicalize(dir.path()).unwrap();
        std::fs::create_dir(root.join("inside")).unwrap();
        std::os::unix::fs::symlink("/etc", root.join("inside/link")).unwrap();
        let resolved = resolve(&root.join("inside/link/hosts"));
        assert_eq!(
            resolved,
            std::fs::canonicalize("/etc").unwrap().join("hosts")
        );
    }
}

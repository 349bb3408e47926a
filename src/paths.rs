//! Paths as pod compares and shows them. Below every layer that names a
//! file (engines, media, confinement, project), so none of them has to
//! import another for this.

use std::path::{Path, PathBuf};

/// `path` made absolute against the current directory, without touching the
/// filesystem; unchanged if the current directory cannot be read.
pub fn absolute(path: &Path) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf())
}

/// A path as the user would type it: relative to the current directory when inside it.
pub fn display(path: &Path) -> String {
    let cwd = std::env::current_dir().ok();
    match cwd.as_deref().and_then(|cwd| path.strip_prefix(cwd).ok()) {
        Some(relative) if !relative.as_os_str().is_empty() => relative.display().to_string(),
        _ => path.display().to_string(),
    }
}

//! Finding the programs engines run: Debian's `espeak-ng` and `flite`,
//! PyPI's `piper`, a `command` voice's program. Found once, then run by
//! absolute path, so they run without PATH in their environment.

use std::path::{Path, PathBuf};

/// The executable file named `name` in the first directory of PATH that
/// has one.
pub fn on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|candidate| is_executable(candidate))
}

/// Where the program a command's first word names is: on PATH for a bare
/// name, or from the project root for a path (with a `/`; the caller's to
/// confine to the project). `None`: no such program on PATH.
pub fn for_command(word: &str, project_root: &Path) -> Option<PathBuf> {
    if word.contains('/') {
        Some(project_root.join(word))
    } else {
        on_path(word)
    }
}

/// What `program args` prints, run as engines run their programs: with an
/// empty environment and nothing on stdin (a version probe).
pub fn ask(program: &Path, args: &[&str]) -> Option<std::process::Output> {
    std::process::Command::new(program)
        .args(args)
        .env_clear()
        .stdin(std::process::Stdio::null())
        .output()
        .ok()
}

pub fn is_executable(path: &Path) -> bool {
    let Ok(meta) = std::fs::metadata(path) else {
        return false;
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        meta.is_file() && meta.permissions().mode() & 0o111 != 0
    }
    #[cfg(not(unix))]
    {
        meta.is_file()
    }
}

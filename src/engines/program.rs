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

/// The end of what a failing program said, for the error.
pub fn last_words(stderr: &[u8]) -> String {
    let text = String::from_utf8_lossy(stderr);
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    let tail = lines[lines.len().saturating_sub(3)..].join(" / ");
    if tail.is_empty() {
        String::new()
    } else {
        format!(": {}", tail.chars().take(400).collect::<String>())
    }
}

/// The first `{name}` in `words` that looks like a placeholder (lower-case
/// letters and `_` between braces) but is none of `known`. Other braces are
/// the program's business (`jq '{.a}'`).
pub fn unknown_placeholder<'a>(words: &'a [String], known: &[&str]) -> Option<&'a str> {
    for word in words {
        let mut rest = word.as_str();
        while let Some(open) = rest.find('{') {
            let Some(close) = rest[open..].find('}').map(|c| open + c + 1) else {
                break;
            };
            let placeholder = &rest[open..close];
            let looks_like_one = placeholder[1..placeholder.len() - 1]
                .chars()
                .all(|c| c.is_ascii_lowercase() || c == '_');
            if looks_like_one && !known.contains(&placeholder) {
                return Some(placeholder);
            }
            rest = &rest[close..];
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failing_programs_last_lines_are_kept() {
        assert_eq!(last_words(b""), "");
        assert_eq!(last_words(b"a\n\nb\nc\nd\n"), ": b / c / d");
    }

    #[test]
    fn only_braces_that_look_like_placeholders_are_judged() {
        let words = |w: &[&str]| w.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let known = ["{output}", "{text}"];
        assert_eq!(
            unknown_placeholder(&words(&["tts", "{output}", "x{text}y"]), &known),
            None
        );
        assert_eq!(
            unknown_placeholder(&words(&["jq", "{.a}", "{", "x}"]), &known),
            None
        );
        assert_eq!(
            unknown_placeholder(&words(&["tts", "{output}{outptu}"]), &known),
            Some("{outptu}")
        );
    }
}

//! `pod clean`: removes the target directory, or only its cache or outputs.
//! Never anything outside the target directory, and never a symlink's target.

use std::fs;
use std::path::{Path, PathBuf};

use super::{Exit, verbosity};
use crate::cache::{FileLock, LockKind};
use crate::cli::CleanArgs;
use crate::config::{Config, SourceText};
use crate::diagnostic::Diagnostic;
use crate::project::{self, MARKER, TargetLayout};
use crate::report::{MessageFormat, Reporter};

pub fn clean(args: &CleanArgs) -> Exit {
    let reporter = Reporter::new(MessageFormat::Human, verbosity(&args.output));
    match run(args, &reporter) {
        Ok(()) => Exit::Success,
        Err((exit, diag)) => {
            reporter.diagnostic(&diag);
            exit
        }
    }
}

fn run(args: &CleanArgs, reporter: &Reporter) -> Result<(), (Exit, Diagnostic)> {
    let usage = |d: Diagnostic| (Exit::Usage, d);
    let manifest =
        project::locate_manifest(args.project.manifest_path.as_deref()).map_err(usage)?;
    let root = manifest.parent().unwrap_or(Path::new(".")).to_path_buf();
    let config = match args.project.target_dir {
        // The target directory is all clean needs; a broken config should
        // not stop `pod clean --target-dir`.
        Some(_) => None,
        None => {
            let text = project::read_manifest(&manifest).map_err(usage)?;
            let source = SourceText {
                file: project::display(&manifest).into(),
                text,
                offset: 0,
            };
            Some(Config::parse(&source).map_err(usage)?)
        }
    };
    let target = project::target_dir(args.project.target_dir.as_deref(), config.as_ref(), &root);
    check_safe(&target, &root).map_err(usage)?;
    let layout = TargetLayout::new(target.clone());

    if fs::symlink_metadata(&target).is_err() {
        reporter.status(
            if args.dry_run { "Summary" } else { "Removed" },
            "0 files, 0 B total",
        );
        return Ok(());
    }
    let whole = !args.cache && !args.outputs;
    if whole {
        check_pod_owned(&target).map_err(usage)?;
    }

    // Exclusive: waits for running builds, and keeps new ones out.
    let _lock = if args.dry_run {
        None
    } else {
        let path = layout.lock_file();
        match FileLock::try_acquire(&path, LockKind::Exclusive) {
            Ok(Some(lock)) => Some(lock),
            Ok(None) => {
                reporter.status("Blocking", "waiting for a running build to finish");
                Some(
                    FileLock::acquire(&path, LockKind::Exclusive)
                        .map_err(|e| io_error(&path, e))?,
                )
            }
            Err(e) => return Err(io_error(&path, e)),
        }
    };

    let mut victims: Vec<PathBuf> = Vec::new();
    if whole {
        victims.push(target.clone());
    }
    if args.cache {
        victims.push(layout.cache());
    }
    if args.outputs {
        victims.push(layout.outputs());
        // What was published is forgotten with the outputs themselves.
        if !args.cache {
            victims.push(layout.published());
        }
    }

    let mut total = Tally::default();
    for victim in &victims {
        let tally = measure(victim);
        if args.dry_run {
            reporter.verbose_status("Would remove", &project::display(victim));
        } else {
            remove(victim).map_err(|e| io_error(victim, e))?;
            reporter.verbose_status("Removed", &project::display(victim));
        }
        total.files += tally.files;
        total.bytes += tally.bytes;
    }
    let noun = if total.files == 1 { "file" } else { "files" };
    let summary = format!("{} {noun}, {} total", total.files, human_bytes(total.bytes));
    if args.dry_run {
        reporter.status(
            "Summary",
            &format!("{summary} (dry run: nothing was removed)"),
        );
    } else {
        reporter.status("Removed", &summary);
    }
    Ok(())
}

/// Refuses target directories whose removal would destroy something else.
fn check_safe(target: &Path, project_root: &Path) -> Result<(), Diagnostic> {
    let target = normalize(target);
    let root = normalize(project_root);
    let home = std::env::var_os("HOME").map(|h| normalize(Path::new(&h)));
    let dangerous = target.parent().is_none()
        || root.starts_with(&target)
        || home.as_deref().is_some_and(|h| h.starts_with(&target));
    if dangerous {
        return Err(Diagnostic::error(format!(
            "refusing to clean `{}`: it contains the project or your home directory",
            target.display()
        ))
        .with_help("pass a dedicated --target-dir or set [build] target_dir in podcast.toml"));
    }
    Ok(())
}

/// A whole-directory clean only removes what pod created: never cargo's `target/`.
fn check_pod_owned(target: &Path) -> Result<(), Diagnostic> {
    let meta = fs::symlink_metadata(target).map_err(|e| Diagnostic::error(e.to_string()))?;
    if meta.file_type().is_symlink() {
        // Removing the link itself is safe; nothing behind it is touched.
        return Ok(());
    }
    let cargo_owned = [
        ".rustc_info.json",
        "debug/.cargo-lock",
        "release/.cargo-lock",
    ]
    .iter()
    .any(|p| target.join(p).exists());
    let empty = fs::read_dir(target)
        .map(|mut d| d.next().is_none())
        .unwrap_or(false);
    if cargo_owned || (!empty && !target.join(MARKER).exists()) {
        let why = if cargo_owned {
            "it is also cargo's build directory"
        } else {
            "it was not created by pod"
        };
        return Err(Diagnostic::error(format!("refusing to remove `{}`: {why}", project::display(target)))
            .with_help("set [build] target_dir in podcast.toml (for example \"target/pod\"), or use --cache / --outputs"));
    }
    Ok(())
}

fn normalize(path: &Path) -> PathBuf {
    let absolute = project::absolute(path);
    fs::canonicalize(&absolute).unwrap_or(absolute)
}

#[derive(Default)]
struct Tally {
    files: u64,
    bytes: u64,
}

/// Counts files and bytes without following symlinks.
fn measure(path: &Path) -> Tally {
    let mut tally = Tally::default();
    let Ok(meta) = fs::symlink_metadata(path) else {
        return tally;
    };
    if meta.is_dir() {
        if let Ok(entries) = fs::read_dir(path) {
            for entry in entries.flatten() {
                let inner = measure(&entry.path());
                tally.files += inner.files;
                tally.bytes += inner.bytes;
            }
        }
    } else {
        tally.files = 1;
        tally.bytes = meta.len();
    }
    tally
}

/// Removes a file, a symlink (not what it points to) or a directory tree.
fn remove(path: &Path) -> std::io::Result<()> {
    match fs::symlink_metadata(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e),
        // remove_dir_all does not follow symlinks inside the tree.
        Ok(meta) if meta.is_dir() => fs::remove_dir_all(path),
        Ok(_) => fs::remove_file(path),
    }
}

fn io_error(path: &Path, e: std::io::Error) -> (Exit, Diagnostic) {
    (
        Exit::Failed,
        Diagnostic::error(format!("{}: {e}", project::display(path))),
    )
}

pub fn human_bytes(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    if bytes < 1024 {
        return format!("{bytes} B");
    }
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    format!("{value:.1} {}", UNITS[unit])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_read_like_cargo() {
        assert_eq!(human_bytes(0), "0 B");
        assert_eq!(human_bytes(1536), "1.5 KiB");
        assert_eq!(human_bytes(3 * 1024 * 1024 + 100 * 1024), "3.1 MiB");
    }

    #[test]
    fn refuses_roots_and_ancestors() {
        let project = Path::new("/tmp/some/project");
        assert!(check_safe(Path::new("/"), project).is_err());
        assert!(check_safe(Path::new("/tmp/some/project"), project).is_err());
        assert!(check_safe(Path::new("/tmp/some"), project).is_err());
        assert!(check_safe(Path::new("/tmp/some/project/target"), project).is_ok());
    }
}

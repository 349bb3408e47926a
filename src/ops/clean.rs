//! `pod clean`: removes the target directory, or only its cache or outputs.
//! Never anything outside the target directory, and never a symlink's target.

use std::fs;
use std::path::{Path, PathBuf};

use std::collections::{BTreeMap, HashMap};

use super::human::{human_bytes, now};
use super::{Exit, verbosity};
use crate::cache::entries::{self, Entry};
use crate::cache::{FileLock, Index, LockKind, Store};
use crate::cli::CleanArgs;
use crate::config::Format;
use crate::diagnostic::Diagnostic;
use crate::paths;
use crate::pipeline::reach::Reach;
use crate::project::{MARKER, TargetLayout};
use crate::published::{self, PublishedFile};
use crate::report::{MessageFormat, Reporter};
use crate::workspace::Workspace;

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

/// What one clean selects: cache entries (or the whole cache), outputs, or everything.
struct Selection {
    whole: bool,
    cache: bool,
    outputs: bool,
    /// `--cache` with no filter: the cache directory as a whole.
    all_cache: bool,
}

impl Selection {
    fn of(args: &CleanArgs) -> Selection {
        let filters = !args.steps.is_empty() || args.older_than.is_some() || args.unreferenced;
        let episodes = !args.episodes.is_empty();
        let cache = args.cache || filters || (episodes && !args.outputs);
        let outputs = args.outputs || (episodes && !args.cache && !filters);
        Selection {
            whole: !cache && !outputs,
            all_cache: args.cache && !filters && !episodes,
            cache,
            outputs,
        }
    }
}

/// Rows of the dry-run table and the summary: category -> (files, bytes).
#[derive(Default)]
struct Plan {
    rows: BTreeMap<String, Tally>,
    /// Whole files and directories to remove.
    paths: Vec<PathBuf>,
    /// Directories to remove afterwards if they are empty.
    prune: Vec<PathBuf>,
    entries: Vec<Entry>,
    victims: Vec<usize>,
    orphans: Vec<(crate::cache::ContentHash, u64)>,
}

fn run(args: &CleanArgs, reporter: &Reporter) -> Result<(), (Exit, Diagnostic)> {
    let usage = |d: Diagnostic| (Exit::Usage, d);
    let workspace = Workspace::load(args.project.manifest_path.as_deref()).map_err(usage)?;
    if args.project.target_dir.is_none() {
        // The config names the target directory: never guess it.
        workspace.config().map_err(usage)?;
    }
    let target = workspace.target_dir(args.project.target_dir.as_deref());
    check_safe(&target, &workspace.root).map_err(usage)?;
    let layout = TargetLayout::new(target.clone());
    let selection = Selection::of(args);
    // Before anything is created (the lock file) or removed.
    check_pod_owned(&target, selection.whole).map_err(usage)?;
    if !selection.whole {
        check_no_links(&layout).map_err(usage)?;
    }

    // Exclusive: waits for running builds, and keeps new ones out. Only a
    // directory pod made has builds to wait for, or may get a lock file.
    let _lock = if args.dry_run || !target.join(MARKER).exists() {
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

    let plan = plan(args, &selection, &workspace, &layout)?;
    let total = plan.rows.values().fold(Tally::default(), |t, r| Tally {
        files: t.files + r.files,
        bytes: t.bytes + r.bytes,
    });
    let noun = if total.files == 1 { "file" } else { "files" };
    let summary = format!("{} {noun}, {} total", total.files, human_bytes(total.bytes));
    if args.dry_run {
        let mut table = format!("{:<12} {:>8} {:>11}\n", "kind", "files", "size");
        for (kind, tally) in &plan.rows {
            table += &format!(
                "{kind:<12} {:>8} {:>11}\n",
                tally.files,
                human_bytes(tally.bytes)
            );
        }
        print!("{table}");
        reporter.status(
            "Summary",
            &format!("{summary} (dry run: nothing was removed)"),
        );
        return Ok(());
    }
    if total.files > 0 && (selection.cache || selection.whole) && !args.yes && !confirm(&summary) {
        reporter.status("Cancelled", "nothing was removed");
        return Ok(());
    }

    for path in &plan.paths {
        remove(path).map_err(|e| io_error(path, e))?;
        reporter.verbose_status("Removed", &paths::display(path));
    }
    if !plan.victims.is_empty() || !plan.orphans.is_empty() {
        let store = Store::at(&layout.cache());
        let victims: Vec<&Entry> = plan.victims.iter().map(|&i| &plan.entries[i]).collect();
        entries::remove(&store, &plan.entries, &victims)
            .map_err(|e| io_error(&layout.cache(), e))?;
        entries::remove_orphans(&store, &plan.orphans).map_err(|e| io_error(&layout.cache(), e))?;
    }
    for dir in &plan.prune {
        // Only if empty: whatever else is there is not pod's.
        let _ = fs::remove_dir(dir);
    }
    reporter.status("Removed", &summary);
    Ok(())
}

/// Works out what a clean removes, without removing anything.
fn plan(
    args: &CleanArgs,
    selection: &Selection,
    workspace: &Workspace,
    layout: &TargetLayout,
) -> Result<Plan, (Exit, Diagnostic)> {
    let mut plan = Plan::default();
    let store = Store::at(&layout.cache());
    let index = Index::load(store.root());
    plan.entries = entries::list(&store, &index);
    let add = |rows: &mut BTreeMap<String, Tally>, kind: &str, files: u64, bytes: u64| {
        let row = rows.entry(kind.to_string()).or_default();
        row.files += files;
        row.bytes += bytes;
    };

    if selection.whole {
        // The whole directory: entries by kind, outputs, the rest as "other".
        let everything = measure(&layout.root);
        let mut counted = Tally::default();
        for entry in &plan.entries {
            let files = 1 + u64::from(entry.blob_present);
            add(&mut plan.rows, entry.kind(), files, entry.size());
            counted.files += files;
            counted.bytes += entry.size();
        }
        let outputs = measure(&layout.outputs());
        add(&mut plan.rows, "outputs", outputs.files, outputs.bytes);
        counted.files += outputs.files;
        counted.bytes += outputs.bytes;
        add(
            &mut plan.rows,
            "other",
            everything.files.saturating_sub(counted.files),
            everything.bytes.saturating_sub(counted.bytes),
        );
        plan.rows.retain(|_, t| t.files > 0);
        plan.paths.push(layout.root.clone());
        return Ok(plan);
    }
    if selection.all_cache {
        // What pod keeps in cache/, by kind; not files someone else put
        // there, and not the ledger of published outputs, so pod still
        // knows which files in out/ it wrote.
        let parts = cache_parts(layout);
        let everything = parts
            .iter()
            .fold(Tally::default(), |t, p| t.plus(measure(p)));
        let mut counted = Tally::default();
        for entry in &plan.entries {
            let files = 1 + u64::from(entry.blob_present);
            add(&mut plan.rows, entry.kind(), files, entry.size());
            counted = counted.plus(Tally {
                files,
                bytes: entry.size(),
            });
        }
        add(
            &mut plan.rows,
            "other",
            everything.files.saturating_sub(counted.files),
            everything.bytes.saturating_sub(counted.bytes),
        );
        plan.paths.extend(parts);
        plan.prune.push(layout.published());
        plan.prune.push(layout.cache());
    }

    let episode_patterns = args
        .episodes
        .iter()
        .map(|g| {
            crate::discovery::id_matcher(g).map_err(|e| {
                (
                    Exit::Usage,
                    Diagnostic::error(format!("invalid episode pattern `{g}`: {e}")),
                )
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let ids = workspace.episode_ids();
    let chosen = |id: &str| episode_patterns.iter().any(|p| p.is_match(id));
    // Outputs pod published, including those of episodes since deleted.
    let ledger = published::list(layout);
    let matches_any = ids.iter().any(|id| chosen(id)) || ledger.iter().any(|f| chosen(&f.episode));
    if !episode_patterns.is_empty() && !matches_any {
        return Err((
            Exit::Usage,
            Diagnostic::error(format!("no episode matches {}", args.episodes.join(", ")))
                .with_help(format!("the episodes are: {}", ids.join(", "))),
        ));
    }

    let needs_plan = args.unreferenced || (selection.cache && !episode_patterns.is_empty());
    let planned = if needs_plan {
        Some(
            workspace
                .plan(&[])
                .map_err(|mut errors| (Exit::Usage, errors.remove(0)))?,
        )
    } else {
        None
    };

    if selection.cache && !selection.all_cache {
        let reach = match &planned {
            Some(planned) => Reach::of(&store, &planned.episodes, planned.show.as_deref()),
            None => Reach::default(),
        };
        let cutoff = args.older_than.map(|age| now().saturating_sub(age));
        for (i, entry) in plan.entries.iter().enumerate() {
            let owners = reach.owners.get(&entry.key);
            let keep = (!args.steps.is_empty() && !args.steps.iter().any(|k| k == entry.kind()))
                || cutoff.is_some_and(|cutoff| entry.last_used >= cutoff)
                || (args.unreferenced && owners.is_some())
                || (!episode_patterns.is_empty()
                    && !owners.is_some_and(|o| o.iter().all(|o| chosen(&o.episode))));
            if !keep {
                plan.victims.push(i);
            }
        }
        let victims: Vec<(String, u64, u64)> = plan
            .victims
            .iter()
            .map(|&i| {
                let e = &plan.entries[i];
                (
                    e.kind().to_string(),
                    1 + u64::from(e.blob_present),
                    e.size(),
                )
            })
            .collect();
        for (kind, files, bytes) in victims {
            add(&mut plan.rows, &kind, files, bytes);
        }
        if args.unreferenced && episode_patterns.is_empty() && args.steps.is_empty() {
            plan.orphans = entries::orphan_blobs(&store, &plan.entries);
            let bytes = plan.orphans.iter().map(|(_, b)| b).sum();
            let count = plan.orphans.len() as u64;
            add(&mut plan.rows, "orphan blobs", count, bytes);
        }
    }

    // Only outputs the ledger says pod published: never other files in out/.
    let outputs: Vec<PublishedFile> = if selection.outputs {
        ledger
    } else if args.unreferenced && args.steps.is_empty() && args.older_than.is_none() {
        // Outputs of episodes or formats the project no longer has.
        let formats: HashMap<&str, &[Format]> = planned
            .iter()
            .flat_map(|p| &p.episodes)
            .map(|p| (p.id.as_str(), p.output.formats.as_slice()))
            .collect();
        published::stale(layout, &ids, |id| formats.get(id).copied())
    } else {
        Vec::new()
    };
    for file in outputs {
        if !episode_patterns.is_empty() && !chosen(&file.episode) {
            continue;
        }
        // A directory someone put in its place is not pod's.
        if fs::symlink_metadata(&file.output).is_ok_and(|m| !m.is_dir()) {
            let tally = measure(&file.output);
            add(&mut plan.rows, "outputs", tally.files, tally.bytes);
            plan.paths.push(file.output);
        }
        let tally = measure(&file.manifest);
        add(&mut plan.rows, "other", tally.files, tally.bytes);
        plan.paths.push(file.manifest);
    }
    plan.rows.retain(|_, t| t.files > 0);
    Ok(plan)
}

/// On a terminal, asks before deleting cache; never prompts otherwise.
fn confirm(summary: &str) -> bool {
    use std::io::{BufRead, IsTerminal, Write};
    if !std::io::stdin().is_terminal() || !std::io::stderr().is_terminal() {
        return true;
    }
    eprint!("Remove {summary}? [y/N] ");
    let _ = std::io::stderr().flush();
    let mut answer = String::new();
    if std::io::stdin().lock().read_line(&mut answer).is_err() {
        return false;
    }
    matches!(answer.trim().to_lowercase().as_str(), "y" | "yes")
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

/// Every clean, whatever its flags, works only in a directory pod created
/// (it holds pod's marker), and a whole-directory clean never removes
/// cargo's `target/`. A symlinked target is judged by what it points to.
fn check_pod_owned(target: &Path, whole: bool) -> Result<(), Diagnostic> {
    let Ok(meta) = fs::metadata(target) else {
        // Nothing there (or a dangling link): nothing of anyone's to remove.
        return Ok(());
    };
    // A whole clean of a link removes the link; nothing behind it.
    let link = fs::symlink_metadata(target).is_ok_and(|m| m.file_type().is_symlink());
    let cargo_owned = whole
        && !link
        && [
            ".rustc_info.json",
            "debug/.cargo-lock",
            "release/.cargo-lock",
        ]
        .iter()
        .any(|p| target.join(p).exists());
    let empty = meta.is_dir()
        && fs::read_dir(target)
            .map(|mut d| d.next().is_none())
            .unwrap_or(false);
    if cargo_owned || (!empty && !target.join(MARKER).exists()) {
        let why = if cargo_owned {
            "it is also cargo's build directory"
        } else {
            "it was not created by pod"
        };
        let verb = if whole { "remove" } else { "clean" };
        let help = if cargo_owned {
            "set [build] target_dir in podcast.toml (for example \"target/pod\"), or use --cache / --outputs".to_string()
        } else {
            format!(
                "pod cleans only directories it created (they hold a `{MARKER}` file); check --target-dir, POD_TARGET_DIR and [build] target_dir"
            )
        };
        return Err(Diagnostic::error(format!(
            "refusing to {verb} `{}`: {why}",
            paths::display(target)
        ))
        .with_help(help));
    }
    Ok(())
}

/// A partial clean removes files inside `cache/` and `out/`: never through
/// a symlink to somewhere else.
fn check_no_links(layout: &TargetLayout) -> Result<(), Diagnostic> {
    for dir in [layout.cache(), layout.outputs(), layout.published()] {
        if fs::symlink_metadata(&dir).is_ok_and(|m| m.file_type().is_symlink()) {
            return Err(Diagnostic::error(format!(
                "refusing to clean through `{}`: it is a symbolic link",
                paths::display(&dir)
            ))
            .with_help("`pod clean` with no flags removes the link itself"));
        }
    }
    Ok(())
}

/// What pod itself keeps in `cache/` (see `Store`, `Index`, `TargetLayout`),
/// apart from the ledger of published outputs.
fn cache_parts(layout: &TargetLayout) -> Vec<PathBuf> {
    let cache = layout.cache();
    let mut parts: Vec<PathBuf> = ["ac", "cas", "tmp", "locks", "index.json", "index.lock"]
        .iter()
        .map(|p| cache.join(p))
        .collect();
    parts.push(layout.engines());
    parts
}

fn normalize(path: &Path) -> PathBuf {
    let absolute = paths::absolute(path);
    fs::canonicalize(&absolute).unwrap_or(absolute)
}

#[derive(Default, Clone, Copy)]
struct Tally {
    files: u64,
    bytes: u64,
}

impl Tally {
    fn plus(self, other: Tally) -> Tally {
        Tally {
            files: self.files + other.files,
            bytes: self.bytes + other.bytes,
        }
    }
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
        Diagnostic::error(format!("{}: {e}", paths::display(path))),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_roots_and_ancestors() {
        let project = Path::new("/tmp/some/project");
        assert!(check_safe(Path::new("/"), project).is_err());
        assert!(check_safe(Path::new("/tmp/some/project"), project).is_err());
        assert!(check_safe(Path::new("/tmp/some"), project).is_err());
        assert!(check_safe(Path::new("/tmp/some/project/target"), project).is_ok());
    }
}

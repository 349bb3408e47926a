//! `pod watch`: builds, then rebuilds whenever podcast.toml or a script
//! changes. The salsa database lives across rebuilds, so only the files a
//! save touched are re-parsed and re-planned.

use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use notify::{RecursiveMode, Watcher};

use super::build::{self, BuildOptions, LoudnessLines};
use super::{Exit, verbosity};
use crate::cli::WatchArgs;
use crate::diagnostic::Diagnostic;
use crate::discovery;
use crate::report::Reporter;
use crate::workspace::Workspace;

enum Event {
    Changed(Vec<PathBuf>),
    Interrupt,
}

/// Where the loop is, as Ctrl-C sees it. One lock orders the handler's
/// decision against the build's end, so a Ctrl-C right after the
/// `build-finished` message is a clean stop, never an interrupted build.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Idle,
    Building,
    /// Ctrl-C came between builds: start no other.
    Stopping,
}

pub fn watch(args: &WatchArgs) -> Exit {
    let reporter = Reporter::new(args.message_format, verbosity(&args.output));
    let mut workspace = match Workspace::load(args.project.manifest_path.as_deref()) {
        Ok(workspace) => workspace,
        Err(error) => {
            reporter.diagnostic(&error);
            return Exit::Usage;
        }
    };
    let mut options = BuildOptions {
        episodes: args.episodes.clone(),
        jobs: args.jobs,
        target_dir: args.project.target_dir.clone(),
        explain: args.explain,
        allow_spend: args.allow_spend,
        loudness_lines: LoudnessLines::Every,
        remote: (&args.remote).into(),
    };

    let (tx, rx) = mpsc::channel();
    let phase = Arc::new(Mutex::new(Phase::Idle));
    {
        let phase = phase.clone();
        reporter.on_build_finished(move || {
            let mut phase = phase.lock().expect("phase lock");
            if *phase == Phase::Building {
                *phase = Phase::Idle;
            }
        });
    }
    {
        let (tx, phase) = (tx.clone(), phase.clone());
        // Every write is atomic, so stopping mid-build leaves nothing
        // half-written; the next build resumes from the cache.
        let installed = ctrlc::set_handler(move || {
            let mut phase = phase.lock().expect("phase lock");
            if *phase == Phase::Building {
                eprintln!("\nInterrupted; outputs and cache are intact.");
                std::process::exit(130);
            }
            *phase = Phase::Stopping;
            let _ = tx.send(Event::Interrupt);
        });
        if let Err(e) = installed {
            reporter.diagnostic(&Diagnostic::warning(format!("cannot catch Ctrl-C: {e}")));
        }
    }
    let mut watcher =
        match notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
            if let Ok(event) = event
                && !matches!(event.kind, notify::EventKind::Access(_))
            {
                let _ = tx.send(Event::Changed(event.paths));
            }
        }) {
            Ok(watcher) => watcher,
            Err(e) => {
                reporter.diagnostic(&Diagnostic::error(format!("cannot watch files: {e}")));
                return Exit::Failed;
            }
        };
    if let Err(e) = watcher.watch(&workspace.root, RecursiveMode::Recursive) {
        reporter.diagnostic(&Diagnostic::error(format!(
            "cannot watch {}: {e}",
            workspace.root.display()
        )));
        return Exit::Failed;
    }

    let debounce = Duration::from_millis(args.debounce_ms);
    let mut needs_build = true;
    loop {
        if needs_build {
            {
                let mut phase = phase.lock().expect("phase lock");
                if *phase == Phase::Stopping {
                    break;
                }
                *phase = Phase::Building;
            }
            build::run(&workspace, &options, &reporter);
            // The build ends its phase just before its last message; this
            // covers a build that returned without one.
            {
                let mut phase = phase.lock().expect("phase lock");
                if *phase == Phase::Building {
                    *phase = Phase::Idle;
                }
            }
            // The first build shows every output's loudness; later ones
            // only what they rebuilt.
            options.loudness_lines = LoudnessLines::Rebuilt;
            reporter.status("Watching", "for changes (Ctrl-C to stop)");
        }
        // Wait for a relevant change, then for the burst of saves to settle.
        let target = workspace.target_dir(options.target_dir.as_deref());
        let media = workspace.media_files();
        let (mut changed, mut media_changed) = (false, false);
        let mut note = |paths: &[PathBuf]| {
            changed |= relevant(&workspace, &target, paths);
            // Media are hashed when the build runs, so a change to one needs
            // a build even though no planning input changed.
            media_changed |= paths.iter().any(|p| media.contains(p));
        };
        match rx.recv() {
            Ok(Event::Changed(paths)) => note(&paths),
            Ok(Event::Interrupt) | Err(_) => break,
        }
        loop {
            match rx.recv_timeout(debounce) {
                Ok(Event::Changed(paths)) => note(&paths),
                Ok(Event::Interrupt) => {
                    reporter.status("Stopped", "watching");
                    return Exit::Success;
                }
                Err(mpsc::RecvTimeoutError::Timeout) => break,
                Err(mpsc::RecvTimeoutError::Disconnected) => return Exit::Success,
            }
        }
        needs_build = false;
        if !changed {
            continue;
        }
        let started = Instant::now();
        match workspace.reload() {
            // A half-typed edit: say what is wrong and wait for the next save.
            Err(error) => reporter.diagnostic(&error),
            Ok(false) => needs_build = media_changed,
            Ok(true) => {
                reporter.verbose_status(
                    "Reloaded",
                    &format!("in {:.1} ms", started.elapsed().as_secs_f64() * 1000.0),
                );
                needs_build = true;
            }
        }
    }
    reporter.status("Stopped", "watching");
    Exit::Success
}

/// Whether a change can matter: podcast.toml, a script, an ignore file, or
/// a file an episode pattern could match; never anything in the target
/// directory. Whether an ignore file hides a new file, the reload decides.
fn relevant(workspace: &Workspace, target: &Path, paths: &[PathBuf]) -> bool {
    let watched = workspace.watched_files();
    let patterns: Vec<globset::GlobMatcher> = workspace
        .config()
        .map(|c| {
            c.episodes
                .iter()
                .filter_map(|p| discovery::path_glob(&p.value).ok())
                .map(|glob| glob.compile_matcher())
                .collect()
        })
        .unwrap_or_default();
    let ignore_file = |path: &Path| {
        path.file_name()
            .is_some_and(|name| name == ".gitignore" || name == discovery::PODIGNORE)
    };
    paths.iter().any(|path| {
        let relative = path.strip_prefix(&workspace.root).unwrap_or(path);
        !path.starts_with(target)
            && (watched.iter().any(|w| w == path)
                || path == &workspace.manifest
                || ignore_file(path)
                || patterns.iter().any(|p| p.is_match(relative)))
    })
}

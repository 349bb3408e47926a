//! `pod build`: plan with salsa, execute against the cache, record what was
//! used, and collect garbage if `[cache]` asks for it.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Instant;

use super::human::{human_bytes, now};
use super::{Exit, verbosity};
use crate::cache::{ActionKey, FileLock, Index, LockKind, Store, gc};
use crate::cli::BuildArgs;
use crate::diagnostic::Diagnostic;
use crate::engines::Engines;
use crate::engines::options::EnginesOptions;
use crate::exec::spend;
use crate::exec::{BuildGraph, BuildOutcome, Executor, Status};
use crate::message::{self, BuildFinished, Counts, Message, StepStatus};
use crate::paths;
use crate::pipeline::reach::Reach;
use crate::place::Place;
use crate::project::TargetLayout;
use crate::published;
use crate::report::{MessageFormat, Reporter};
use crate::workspace::Workspace;

pub fn build(args: &BuildArgs) -> Exit {
    let reporter = Reporter::new(args.message_format, verbosity(&args.output));
    let workspace = match Workspace::load(args.project.manifest_path.as_deref()) {
        Ok(workspace) => workspace,
        Err(error) => {
            reporter.diagnostic(&error);
            finished(&reporter, None, Instant::now(), false);
            return Exit::Usage;
        }
    };
    let selected = super::partition::select(&workspace, &args.selection(), args.partition);
    let selected = match selected {
        Ok(selected) => selected,
        Err(error) => {
            reporter.diagnostic(&error);
            finished(&reporter, None, Instant::now(), false);
            return Exit::Usage;
        }
    };
    let Some(episodes) = selected else {
        reporter.status("Skipping", &super::partition::empty(args.partition));
        finished(&reporter, None, Instant::now(), true);
        return Exit::Success;
    };
    if args.dry_run {
        return super::status::report(
            &workspace,
            &episodes,
            args.project.target_dir.as_deref(),
            &reporter,
        )
        .0;
    }
    let options = BuildOptions {
        episodes,
        jobs: args.jobs,
        target_dir: args.project.target_dir.clone(),
        explain: args.explain,
        allow_spend: args.allow_spend,
        loudness_lines: LoudnessLines::Every,
        remote: (&args.remote).into(),
    };
    run(&workspace, &options, &reporter)
}

pub struct BuildOptions {
    pub episodes: Vec<String>,
    pub jobs: Option<u16>,
    pub target_dir: Option<PathBuf>,
    pub explain: bool,
    /// Send past an engine's `max_characters`.
    pub allow_spend: bool,
    pub loudness_lines: LoudnessLines,
    pub remote: super::remote::RemoteChoice,
}

/// Which audio outputs get a human `Loudness` line (JSON has every one).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoudnessLines {
    Every,
    /// Only outputs measured anew in this build: `pod watch`'s rebuilds,
    /// where repeating the unchanged ones would bury what changed.
    Rebuilt,
}

/// One build of a loaded workspace (shared by `build` and `watch`).
pub fn run(workspace: &Workspace, options: &BuildOptions, reporter: &Reporter) -> Exit {
    let started = Instant::now();
    let planned = match workspace.plan(&options.episodes) {
        Ok(planned) => planned,
        Err(errors) => {
            for error in &errors {
                reporter.diagnostic(error);
            }
            finished(reporter, None, started, false);
            return Exit::Usage;
        }
    };
    for warning in &planned.warnings {
        reporter.diagnostic(warning);
    }
    if let Err(errors) = check_media(&planned.episodes) {
        for error in &errors {
            reporter.diagnostic(error);
        }
        finished(reporter, None, started, false);
        return Exit::Usage;
    }
    let layout = TargetLayout::new(workspace.target_dir(options.target_dir.as_deref()));
    let prepared = (|| -> std::io::Result<(FileLock, Store)> {
        layout.create()?;
        if let Err(e) = remove_stale_temp_files(&layout, reporter) {
            // Leftovers only cost space: never a reason to fail the build.
            reporter.diagnostic(&Diagnostic::warning(format!(
                "could not remove stale temp files: {e}"
            )));
        }
        // Shared: builds run side by side; `pod clean` and gc wait for them.
        let lock = FileLock::acquire(&layout.lock_file(), LockKind::Shared)?;
        let store = Store::open(&layout.cache())?;
        Ok((lock, store))
    })();
    let (lock, store) = match prepared {
        Ok(prepared) => prepared,
        Err(e) => {
            reporter.diagnostic(&Diagnostic::error(format!(
                "cannot prepare the target directory `{}`: {e}",
                paths::display(&layout.root)
            )));
            finished(reporter, None, started, false);
            return Exit::Failed;
        }
    };

    let remote = match super::remote::open(&options.remote, workspace.config().ok()) {
        Ok((remote, warnings)) => {
            for warning in &warnings {
                reporter.diagnostic(warning);
            }
            remote
        }
        Err(error) => {
            reporter.diagnostic(&error);
            finished(reporter, None, started, false);
            return Exit::Usage;
        }
    };
    let mut previous = Index::load(store.root()).logical;
    crate::explain::forget_moved(&mut previous, &planned.episodes);
    let engine_options = workspace
        .config()
        .map(|config| config.engines.clone())
        .unwrap_or_default();
    let engines = Engines::new(layout.engines(), workspace.root.clone(), &engine_options);
    let graph = BuildGraph::new(&planned.episodes).with_show(planned.show.clone());
    if !options.allow_spend && !spending_allowed(&graph, &store, &engine_options, reporter) {
        finished(reporter, None, started, false);
        return Exit::Failed;
    }
    let jobs = options
        .jobs
        .map(usize::from)
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(jobs)
        .build()
        .expect("a thread pool");
    let outcome = pool.install(|| {
        Executor::new(
            &graph,
            &store,
            &engines,
            reporter,
            &layout,
            &previous,
            options.explain,
        )
        .with_remote(remote.as_ref())
        .run()
    });

    for step in &outcome.steps {
        reporter.json(&Message::Step(message::Step {
            kind: step.kind.to_string(),
            episode: step.episode.clone(),
            key: Some(step.key.hex()),
            status: match step.status {
                Status::Executed => StepStatus::Executed,
                Status::Cached => StepStatus::Cached,
                Status::Remote => StepStatus::Remote,
            },
            dirty: step.dirty.clone(),
        }));
    }
    report_loudness(reporter, &outcome, options.loudness_lines);
    report_stale_outputs(workspace, &planned.episodes, &layout, reporter);
    if let Err(e) = Index::record_build(store.root(), &outcome.usage, now()) {
        reporter.diagnostic(&Diagnostic::warning(format!(
            "could not update the cache index: {e}"
        )));
    }
    drop(lock);

    let success = !outcome.failed;
    if success {
        collect_garbage(
            workspace,
            &options.episodes,
            &outcome,
            &store,
            &layout,
            reporter,
        );
    }
    finished(
        reporter,
        Some((&outcome, planned.episodes.len())),
        started,
        success,
    );
    if success { Exit::Success } else { Exit::Failed }
}

/// Integrated loudness and true peak of every audio output, and an error
/// for each that misses its target by more than 1 LU or tops its ceiling.
fn report_loudness(reporter: &Reporter, outcome: &BuildOutcome, lines: LoudnessLines) {
    for report in &outcome.loudness {
        let measure = Place::measure(&report.episode, report.format.name());
        let rebuilt = outcome
            .steps
            .iter()
            .any(|s| s.place == measure && s.status == Status::Executed);
        let l = &report.measurement.loudness;
        let name = format!("{}.{}", report.episode, report.format.extension());
        reporter.json(&Message::Loudness(message::Loudness {
            episode: report.episode.clone(),
            format: report.format.name().to_string(),
            integrated_lufs: l.integrated_lufs,
            true_peak_db: l.true_peak_db,
            target_lufs: report.target_lufs,
            ceiling_db: report.ceiling_db,
            ok: report.ok,
        }));
        let show = |v: Option<f64>, unit: &str| {
            v.map_or("silent".to_string(), |v| format!("{v:.1} {unit}"))
        };
        let summary = format!(
            "{}, {}",
            show(l.integrated_lufs, "LUFS"),
            show(l.true_peak_db, "dBTP")
        );
        if report.ok {
            if lines == LoudnessLines::Every || rebuilt {
                reporter.status("Loudness", &format!("{name}: {summary}"));
            }
        } else {
            reporter.diagnostic(&Diagnostic::error(format!(
                "{name} misses its loudness target: {summary} (target {:.1} LUFS within 1 LU, ceiling {:.1} dBTP)",
                report.target_lufs, report.ceiling_db
            )));
        }
    }
}

/// Temp files in `cache/tmp/` that a killed process left. Removed only when
/// no other build runs (the exclusive lock): a running build's temp files
/// are still being written.
fn remove_stale_temp_files(layout: &TargetLayout, reporter: &Reporter) -> std::io::Result<()> {
    let Some(_exclusive) = FileLock::try_acquire(&layout.lock_file(), LockKind::Exclusive)? else {
        return Ok(());
    };
    let (files, bytes) = crate::cache::remove_stale_temp_files(&layout.cache())?;
    if files > 0 {
        let noun = if files == 1 { "file" } else { "files" };
        reporter.verbose_status(
            "Removed",
            &format!(
                "{files} temp {noun} left by an interrupted run, {}",
                human_bytes(bytes)
            ),
        );
    }
    Ok(())
}

/// Outputs pod published for episodes (or formats) the project no longer
/// has. The build only reports them: a glob typo in podcast.toml must not
/// delete finished episodes; `pod clean --unreferenced` removes them.
fn report_stale_outputs(
    workspace: &Workspace,
    planned: &[std::sync::Arc<crate::plan::EpisodePlan>],
    layout: &TargetLayout,
    reporter: &Reporter,
) {
    let formats: std::collections::HashMap<&str, &[crate::config::Format]> = planned
        .iter()
        .map(|p| (p.id.as_str(), p.output.formats.as_slice()))
        .collect();
    let ids = workspace.episode_ids();
    let mut stale = published::stale(layout, &ids, |id| formats.get(id).copied());
    // A manifest whose file was deleted by hand needs no mention.
    stale.retain(|f| std::fs::symlink_metadata(&f.output).is_ok());
    let (gone_episode, gone_format): (Vec<_>, Vec<_>) =
        stale.iter().partition(|f| !ids.contains(&f.episode));
    for (files, what) in [
        (
            gone_episode,
            "outputs of episodes the project no longer has",
        ),
        (
            gone_format,
            "outputs in formats the project no longer asks for",
        ),
    ] {
        if files.is_empty() {
            continue;
        }
        let names: Vec<String> = files.iter().map(|f| paths::display(&f.output)).collect();
        reporter.diagnostic(
            &Diagnostic::warning(format!("{what}: {}", names.join(", ")))
                .with_help("`pod clean --unreferenced` removes them"),
        );
    }
}

/// Every media file the episodes name must be readable, and every audio one
/// decodable, before anything runs.
fn check_media(plans: &[std::sync::Arc<crate::plan::EpisodePlan>]) -> Result<(), Vec<Diagnostic>> {
    let mut errors: Vec<Diagnostic> = Vec::new();
    for plan in plans {
        let audio = crate::pipeline::audio_files(plan);
        for (file, origin) in crate::pipeline::media(plan) {
            let checked = if audio.iter().any(|(path, _)| *path == file) {
                crate::media::check_audio(&file, &origin)
            } else {
                std::fs::File::open(&file)
                    .map(drop)
                    .map_err(|e| crate::media::media_error(&file, &origin, &e.to_string()))
            };
            if let Err(error) = checked
                && !errors.contains(&error)
            {
                errors.push(error);
            }
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

/// `[cache] retention_days` / `max_size`: after a successful build, under an
/// exclusive lock (skipped while another build runs).
fn collect_garbage(
    workspace: &Workspace,
    selected: &[String],
    outcome: &BuildOutcome,
    store: &Store,
    layout: &TargetLayout,
    reporter: &Reporter,
) {
    let Ok(config) = workspace.config() else {
        return;
    };
    if !config.cache.is_set() {
        return;
    }
    let lock = match FileLock::try_acquire(&layout.lock_file(), LockKind::Exclusive) {
        Ok(Some(lock)) => lock,
        _ => {
            reporter.verbose_status("Skipping", "cache collection: another build is running");
            return;
        }
    };
    // Everything the whole project reaches, not only the episodes just built.
    let mut reachable: std::collections::HashSet<ActionKey> =
        outcome.steps.iter().map(|s| s.key).collect();
    if !selected.is_empty() {
        let Ok(all) = workspace.plan(&[]) else { return };
        reachable.extend(
            Reach::of(store, &all.episodes, all.show.as_deref())
                .owners
                .into_keys(),
        );
    }
    match gc::collect(store, &config.cache, |key| reachable.contains(key), now()) {
        Ok(removed) if removed.entries > 0 => {
            let noun = if removed.entries == 1 {
                "entry"
            } else {
                "entries"
            };
            reporter.status(
                "Removed",
                &format!(
                    "{} unreferenced cache {noun}, {} total",
                    removed.entries,
                    human_bytes(removed.bytes)
                ),
            );
            reporter.json(&Message::CacheCollected(message::CacheCollected {
                entries: removed.entries,
                files: removed.files,
                bytes: removed.bytes,
            }));
        }
        Ok(_) => {}
        Err(e) => reporter.diagnostic(&Diagnostic::warning(format!(
            "cache collection failed: {e}"
        ))),
    }
    drop(lock);
}

/// Whether this build stays within every engine's `max_characters`; if
/// not, says by how much before anything is sent. Reads the cache only
/// when some engine has a limit.
fn spending_allowed(
    graph: &BuildGraph,
    store: &Store,
    options: &EnginesOptions,
    reporter: &Reporter,
) -> bool {
    if options.values().all(|o| o.max_characters.is_none()) {
        return true;
    }
    let to_send = spend::to_send(graph, store, options);
    let over = spend::over_limit(&to_send, options);
    for (engine, spend, limit) in &over {
        let (verb, done) = if spend::sends(engine) {
            ("send", "sent")
        } else {
            ("speak", "spoken")
        };
        reporter.diagnostic(
            &Diagnostic::error(format!(
                "this build would {verb} {}, over its max_characters of {limit} \
                 ([engines.{engine}] in podcast.toml); nothing was {done}",
                spend::describe(spend, engine, options),
            ))
            .with_help(format!(
                "run `pod build --allow-spend` to {verb} it anyway, or raise max_characters; \
                 `pod status` shows what would be {done}"
            )),
        );
    }
    over.is_empty()
}

fn finished(
    reporter: &Reporter,
    outcome: Option<(&BuildOutcome, usize)>,
    started: Instant,
    success: bool,
) {
    reporter.build_finished();
    let mut counts: BTreeMap<String, Counts> = BTreeMap::new();
    let mut outputs = Vec::new();
    let mut characters = BTreeMap::new();
    if let Some((outcome, _)) = outcome {
        for (engine, counts) in &outcome.usage.counters.characters {
            let sent = message::EngineCharacters {
                synthesised: counts.synthesised,
                cached: counts.cached,
                remote: counts.remote,
            };
            characters.insert(engine.clone(), sent);
        }
        for step in &outcome.steps {
            let entry = counts.entry(step.kind.to_string()).or_default();
            match step.status {
                Status::Executed => entry.executed += 1,
                Status::Cached => entry.cached += 1,
                Status::Remote => entry.remote += 1,
            }
        }
        for output in &outcome.outputs {
            outputs.push(message::Output {
                episode: output.episode.clone(),
                format: output.format.to_string(),
                path: output.path.display().to_string(),
                changed: output.changed,
            });
        }
    }
    reporter.json(&Message::BuildFinished(BuildFinished {
        success,
        counts,
        outputs,
        characters,
    }));
    if reporter.format() == MessageFormat::Human
        && success
        && let Some((outcome, episodes)) = outcome
    {
        let executed = outcome
            .steps
            .iter()
            .filter(|s| s.status == Status::Executed)
            .count();
        let cached = outcome.steps.len() - executed;
        let noun = if episodes == 1 { "episode" } else { "episodes" };
        reporter.status(
            "Finished",
            &format!(
                "{episodes} {noun} in {:.2}s ({executed} steps executed, {cached} cached)",
                started.elapsed().as_secs_f64()
            ),
        );
    }
}

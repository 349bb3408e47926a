//! `pod build`: plan with salsa, then execute against the cache.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use serde_json::json;

use super::{Exit, verbosity};
use crate::cache::{FileLock, LockKind, Store};
use crate::cli::BuildArgs;
use crate::diagnostic::Diagnostic;
use crate::engines::Engines;
use crate::exec::{BuildGraph, BuildOutcome, Executor, Status};
use crate::plan::{self, EpisodePlan, PlanDb, ProjectInput, ScriptInput};
use crate::project::{self, TargetLayout};
use crate::report::{MessageFormat, Reporter};

pub fn build(args: &BuildArgs) -> Exit {
    let reporter = Reporter::new(args.message_format, verbosity(&args.output));
    let started = Instant::now();
    let planned = match plan_build(args, &reporter) {
        Ok(planned) => planned,
        Err(errors) => {
            for error in &errors {
                reporter.diagnostic(error);
            }
            finished(&reporter, None, started, false);
            return Exit::Usage;
        }
    };
    let (layout, plans) = planned;

    let prepared = (|| -> std::io::Result<(FileLock, Store)> {
        layout.create()?;
        // Shared: builds run side by side; `pod clean` waits for them.
        let lock = FileLock::acquire(&layout.lock_file(), LockKind::Shared)?;
        let store = Store::open(&layout.cache())?;
        Ok((lock, store))
    })();
    let (_lock, store) = match prepared {
        Ok(prepared) => prepared,
        Err(e) => {
            reporter.diagnostic(&Diagnostic::error(format!(
                "cannot prepare the target directory `{}`: {e}",
                project::display(&layout.root)
            )));
            finished(&reporter, None, started, false);
            return Exit::Failed;
        }
    };
    let engines = Engines::new(layout.engines());
    let graph = BuildGraph::new(&plans);
    let jobs = args
        .jobs
        .map(usize::from)
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(jobs)
        .build()
        .expect("a thread pool");
    let outcome =
        pool.install(|| Executor::new(&graph, &store, &engines, &reporter, &layout).run());

    for step in &outcome.steps {
        reporter.json(json!({
            "reason": "step",
            "kind": step.kind,
            "episode": step.episode,
            "key": step.key.hex(),
            "status": step.status,
        }));
    }
    let success = !outcome.failed;
    finished(&reporter, Some((&outcome, plans.len())), started, success);
    if success { Exit::Success } else { Exit::Failed }
}

type Planned = (TargetLayout, Vec<Arc<EpisodePlan>>);

/// Everything up to the step graph. Pure apart from reading the project's
/// files: a bad config or script stops here, before anything is written.
fn plan_build(args: &BuildArgs, reporter: &Reporter) -> Result<Planned, Vec<Diagnostic>> {
    let manifest =
        project::locate_manifest(args.project.manifest_path.as_deref()).map_err(|e| vec![e])?;
    let text = project::read_manifest(&manifest).map_err(|e| vec![e])?;
    let root = manifest.parent().unwrap_or(Path::new(".")).to_path_buf();
    let db = PlanDb::default();
    let project_input = ProjectInput::new(&db, project::display(&manifest).into(), text);
    let config = plan::config(&db, project_input)
        .as_ref()
        .map_err(|e| vec![e.clone()])?;

    let (files, warnings) = project::episode_files(config, &root).map_err(|e| vec![e])?;
    for warning in &warnings {
        reporter.diagnostic(warning);
    }
    let files = project::select_episodes(files, &args.episodes).map_err(|e| vec![e])?;
    if files.is_empty() {
        return Err(vec![Diagnostic::error(
            "the project has no episodes: no file matches podcast.episodes",
        )]);
    }

    let mut plans = Vec::new();
    let mut errors = Vec::new();
    for file in files {
        let bytes = match std::fs::read(&file.path) {
            Ok(bytes) => bytes,
            Err(e) => {
                errors.push(Diagnostic::error(format!(
                    "cannot read `{}`: {e}",
                    project::display(&file.path)
                )));
                continue;
            }
        };
        let script = ScriptInput::new(
            &db,
            project_input,
            project::display(&file.path).into(),
            file.id,
            bytes,
        );
        match plan::episode_plan(&db, script) {
            Ok(plan) => {
                for warning in &plan.warnings {
                    reporter.diagnostic(warning);
                }
                plans.push(plan.clone());
            }
            Err(error) => errors.push(error.clone()),
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let target = project::target_dir(args.project.target_dir.as_deref(), Some(config), &root);
    Ok((TargetLayout::new(target), plans))
}

fn finished(
    reporter: &Reporter,
    outcome: Option<(&BuildOutcome, usize)>,
    started: Instant,
    success: bool,
) {
    let mut counts: BTreeMap<&str, BTreeMap<&str, usize>> = BTreeMap::new();
    let mut outputs = Vec::new();
    if let Some((outcome, _)) = outcome {
        for step in &outcome.steps {
            let status = match step.status {
                Status::Executed => "executed",
                Status::Cached => "cached",
            };
            let entry = counts.entry(step.kind).or_default();
            entry.entry("executed").or_insert(0);
            entry.entry("cached").or_insert(0);
            *entry.entry(status).or_insert(0) += 1;
        }
        for output in &outcome.outputs {
            outputs.push(json!({
                "episode": output.episode,
                "format": output.format.name(),
                "path": output.path.display().to_string(),
            }));
        }
    }
    reporter.json(json!({
        "reason": "build-finished",
        "success": success,
        "counts": counts,
        "outputs": outputs,
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

//! `pod status` (and `pod build --dry-run`): what a build would execute and
//! why, and how many characters each engine would be sent. Reads the cache;
//! runs and writes nothing.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

use super::{Exit, verbosity};

use crate::cache::{ActionKey, ContentHash, Index, Store};
use crate::cli::StatusArgs;
use crate::diagnostic::Diagnostic;
use crate::engines::options::EnginesOptions;
use crate::exec::BuildGraph;
use crate::exec::spend::{self, Spend};
use crate::explain;
use crate::message::{self, Message, StepStatus};
use crate::paths;
use crate::pipeline::Stop;
use crate::pipeline::probe::{EpisodeProbe, Probed, State, known_output, probe, probe_show};
use crate::pipeline::show::SHOW;
use crate::project::TargetLayout;
use crate::published;
use crate::report::{MessageFormat, Reporter};
use crate::step::Step;
use crate::steps::Tts;
use crate::workspace::Workspace;

pub fn status(args: &StatusArgs) -> Exit {
    let reporter = Reporter::new(args.message_format, verbosity(&args.output));
    match Workspace::load(args.project.manifest_path.as_deref()) {
        Ok(workspace) => {
            let selected = super::partition::select(&workspace, &args.selection(), args.partition);
            let selected = match selected {
                Ok(selected) => selected,
                Err(error) => {
                    reporter.diagnostic(&error);
                    return Exit::Usage;
                }
            };
            let Some(episodes) = selected else {
                reporter.status("Status", &super::partition::empty(args.partition));
                return Exit::Success;
            };
            match report(
                &workspace,
                &episodes,
                args.project.target_dir.as_deref(),
                &reporter,
            ) {
                // `--exit-code`: 1 when a build would do anything.
                (Exit::Success, true) if args.exit_code => Exit::Failed,
                (exit, _) => exit,
            }
        }
        Err(error) => {
            reporter.diagnostic(&error);
            Exit::Usage
        }
    }
}

struct Line {
    kind: String,
    episode: String,
    place: String,
    key: Option<String>,
    dirty: Option<String>,
}

/// Prints what a build would do; also says whether it would do anything.
pub fn report(
    workspace: &Workspace,
    episodes: &[String],
    target_dir: Option<&Path>,
    reporter: &Reporter,
) -> (Exit, bool) {
    let planned = match workspace.plan(episodes) {
        Ok(planned) => planned,
        Err(errors) => {
            for error in &errors {
                reporter.diagnostic(error);
            }
            return (Exit::Usage, false);
        }
    };
    for warning in &planned.warnings {
        reporter.diagnostic(warning);
    }
    let layout = TargetLayout::new(workspace.target_dir(target_dir));
    let store = Store::at(&layout.cache());
    let mut previous = Index::load(store.root()).logical;
    explain::forget_moved(&mut previous, &planned.episodes);
    let graph = BuildGraph::new(&planned.episodes).with_show(planned.show.clone());

    let options = workspace
        .config()
        .map(|config| config.engines.clone())
        .unwrap_or_default();
    let mut prediction = Prediction {
        sending: spend::to_send(&graph, &store, &options),
        options,
        ..Prediction::default()
    };
    let speech = prediction.sentences(&graph, &store, &previous);
    if let Err(error) = prediction.episodes(&graph, &speech, &store, &previous, &layout) {
        reporter.diagnostic(&error);
        return (Exit::Usage, false);
    }
    let work = prediction.print(reporter);
    (Exit::Success, work)
}

/// What a build would do: its steps (dirty or fresh), what each engine
/// would be sent (and cost), and the outputs it would write.
#[derive(Default)]
struct Prediction {
    lines: Vec<Line>,
    sending: BTreeMap<String, Spend>,
    options: EnginesOptions,
    to_write: Vec<PathBuf>,
}

impl Prediction {
    /// The build's distinct sentences; returns the speech of those cached.
    fn sentences(
        &mut self,
        graph: &BuildGraph,
        store: &Store,
        previous: &BTreeMap<String, String>,
    ) -> Vec<Option<ContentHash>> {
        let mut speech = Vec::new();
        for node in &graph.tts {
            speech.push(known_output(store, &node.key));
            let dirty = match store.lookup(&node.key) {
                Some(_) => None,
                None => {
                    let dirty = explain::step_dirty::<Tts>(
                        store,
                        previous,
                        node.logical.as_str(),
                        &node.key,
                        &node.input,
                    );
                    Some(dirty.to_string())
                }
            };
            self.lines.push(Line {
                kind: Tts::KIND.to_string(),
                episode: node.episode.clone(),
                place: node.logical.to_string(),
                key: Some(node.key.hex()),
                dirty,
            });
        }
        speech
    }

    /// Each episode's steps as the probe finds them, and its outputs not fresh.
    fn episodes(
        &mut self,
        graph: &BuildGraph,
        speech: &[Option<ContentHash>],
        store: &Store,
        previous: &BTreeMap<String, String>,
        layout: &TargetLayout,
    ) -> Result<(), Diagnostic> {
        let mut running = HashSet::new();
        let mut probes = Vec::new();
        for episode in &graph.episodes {
            let plan = &episode.plan;
            let speech: Vec<_> = episode
                .tts
                .iter()
                .map(|&i| (graph.tts[i].key, speech[i]))
                .collect();
            let probed = match probe(store, plan, &speech) {
                Ok(probed) => probed,
                Err(Stop::Failed(error)) => return Err(error),
                // A damaged blob: the build finds it, says so, and rebuilds.
                Err(_) => continue,
            };
            self.steps(&probed.steps, &plan.id, store, previous, &mut running);
            // What the build would write: exactly what it would find not fresh.
            for (format, blob) in &probed.produced.outputs {
                let name = format!("{}.{}", plan.id, format.extension());
                let path = layout.outputs().join(&name);
                let manifest = layout.published().join(format!("{name}.json"));
                if !published::is_fresh(&path, &manifest, &blob.hash) {
                    self.to_write.push(path);
                }
            }
            probes.push((plan.id.as_str(), probed));
        }
        if let Some(show) = &graph.show {
            let probes: Vec<(&str, &EpisodeProbe)> =
                probes.iter().map(|(id, probed)| (*id, probed)).collect();
            match probe_show(store, show, &probes) {
                Ok(probed) => {
                    self.steps(&probed.steps, SHOW, store, previous, &mut running);
                    for (_, name, blob) in &probed.produced.outputs {
                        let path = layout.outputs().join(name);
                        let manifest = published::show_manifest(layout, name);
                        if !published::is_fresh(&path, &manifest, &blob.hash) {
                            self.to_write.push(path);
                        }
                    }
                }
                Err(Stop::Failed(error)) => return Err(error),
                Err(_) => {}
            }
        }
        Ok(())
    }

    /// One line per probed step, with why it would run.
    fn steps(
        &mut self,
        steps: &[Probed],
        episode: &str,
        store: &Store,
        previous: &BTreeMap<String, String>,
        running: &mut HashSet<ActionKey>,
    ) {
        for step in steps {
            let dirty = match &step.state {
                State::Fresh => None,
                State::After(kind) => Some(format!("runs after {kind}")),
                State::Dirty { version, input } => {
                    let key = step.key.expect("a dirty step has a key");
                    let why = explain::explain(
                        store,
                        previous,
                        step.place.as_str(),
                        &key,
                        *version,
                        input,
                    );
                    Some(why.to_string())
                }
            };
            // A step two episodes share (the same music bed) runs once: the
            // second finds it cached, as the build will.
            let dirty = dirty.filter(|_| step.key.is_none_or(|key| running.insert(key)));
            self.lines.push(Line {
                kind: step.kind.to_string(),
                episode: episode.to_string(),
                place: step.place.to_string(),
                key: step.key.map(|k| k.hex()),
                dirty,
            });
        }
    }

    /// One line per step, then what would be sent and written, then a summary.
    /// Prints the prediction; true when the build would run or write anything.
    fn print(self, reporter: &Reporter) -> bool {
        let Prediction {
            lines,
            sending,
            options,
            to_write,
        } = self;
        let dirty = lines.iter().filter(|l| l.dirty.is_some()).count();
        for line in &lines {
            reporter.json(&Message::Step(message::Step {
                kind: line.kind.clone(),
                episode: line.episode.clone(),
                key: line.key.clone(),
                status: if line.dirty.is_some() {
                    StepStatus::Dirty
                } else {
                    StepStatus::Fresh
                },
                dirty: line.dirty.clone(),
            }));
            match &line.dirty {
                Some(why) => {
                    reporter.status("Dirty", &format!("{} {}: {why}", line.kind, line.place))
                }
                None => reporter.verbose_status("Fresh", &format!("{} {}", line.kind, line.place)),
            }
        }
        for (engine, spend) in &sending {
            let mut line = spend::describe(spend, engine, &options);
            if let Some(limit) = options.get(engine).and_then(|o| o.max_characters)
                && spend.characters > limit
            {
                line.push_str(&format!(
                    ": over its max_characters of {limit}, so `pod build` needs --allow-spend"
                ));
            }
            let verb = if spend::sends(engine) {
                "Would send"
            } else {
                "Would speak"
            };
            reporter.status(verb, &line);
        }
        for path in &to_write {
            reporter.status("Would write", &paths::display(path));
        }
        reporter.json(&Message::Status(message::Status {
            would_execute: dirty as u64,
            fresh: (lines.len() - dirty) as u64,
            characters: sending
                .iter()
                .map(|(engine, spend)| (engine.clone(), spend.characters))
                .collect(),
            sending: sending
                .iter()
                .map(|(engine, spend)| {
                    let sending = message::Sending {
                        characters: spend.characters,
                        requests: spend.requests,
                        cost: spend.cost,
                    };
                    (engine.clone(), sending)
                })
                .collect(),
            outputs: to_write.iter().map(|p| p.display().to_string()).collect(),
        }));
        if reporter.format() == MessageFormat::Human {
            let summary = if dirty == 0 {
                format!("up to date ({} steps fresh)", lines.len())
            } else {
                format!("{dirty} steps would execute, {} fresh", lines.len() - dirty)
            };
            reporter.status("Status", &summary);
        }
        dirty > 0 || !to_write.is_empty()
    }
}

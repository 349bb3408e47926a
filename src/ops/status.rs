//! `pod status` (and `pod build --dry-run`): what a build would execute and
//! why, and how many characters each engine would be sent. Reads the cache;
//! runs and writes nothing.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::{Value, json};

use super::{Exit, verbosity};
use crate::cache::{ContentHash, Index, Store};
use crate::cli::StatusArgs;
use crate::exec::{BuildGraph, episode_place};
use crate::explain::{self, Dirty};
use crate::project::{self, TargetLayout};
use crate::report::{MessageFormat, Reporter};
use crate::step::{Step, action_key};
use crate::steps::{Assemble, AssembleInput, Tts, Wav, WavInput};
use crate::workspace::Workspace;

pub fn status(args: &StatusArgs) -> Exit {
    let reporter = Reporter::new(args.message_format, verbosity(&args.output));
    match Workspace::load(args.project.manifest_path.as_deref()) {
        Ok(workspace) => report(
            &workspace,
            &args.episodes,
            args.project.target_dir.as_deref(),
            &reporter,
        ),
        Err(error) => {
            reporter.diagnostic(&error);
            Exit::Usage
        }
    }
}

struct Line {
    kind: &'static str,
    episode: String,
    place: String,
    key: Option<String>,
    dirty: Option<String>,
}

pub fn report(
    workspace: &Workspace,
    episodes: &[String],
    target_dir: Option<&Path>,
    reporter: &Reporter,
) -> Exit {
    let planned = match workspace.plan(episodes) {
        Ok(planned) => planned,
        Err(errors) => {
            for error in &errors {
                reporter.diagnostic(error);
            }
            return Exit::Usage;
        }
    };
    for warning in &planned.warnings {
        reporter.diagnostic(warning);
    }
    let layout = TargetLayout::new(workspace.target_dir(target_dir));
    let store = Store::at(&layout.cache());
    let previous = Index::load(store.root()).logical;
    let graph = BuildGraph::new(&planned.episodes);

    let mut lines = Vec::new();
    let mut characters: BTreeMap<String, u64> = BTreeMap::new();
    let mut speech: Vec<Option<ContentHash>> = Vec::new();
    for node in &graph.tts {
        let record = store.lookup(&node.key);
        speech.push(record.as_ref().map(|r| r.output.hash));
        let dirty = match record {
            Some(_) => None,
            None => {
                *characters
                    .entry(node.input.voice.engine.clone())
                    .or_default() += node.input.characters() as u64;
                let input = serde_json::to_value(&*node.input).expect("inputs serialise");
                let engine = Tts::engine(&node.input);
                Some(
                    explain::explain(
                        &store,
                        &previous,
                        &node.logical,
                        &node.key,
                        Tts::VERSION,
                        engine.as_ref(),
                        &input,
                    )
                    .to_string(),
                )
            }
        };
        lines.push(Line {
            kind: Tts::KIND,
            episode: node.episode.clone(),
            place: node.logical.clone(),
            key: Some(node.key.hex()),
            dirty,
        });
    }

    let mut to_write = Vec::new();
    for episode in &graph.episodes {
        let plan = &episode.plan;
        let hashes: Option<Vec<ContentHash>> = episode.tts.iter().map(|&i| speech[i]).collect();
        let missing = episode.tts.iter().filter(|&&i| speech[i].is_none()).count();
        let (assemble, wav) = match hashes {
            None => {
                let noun = if missing == 1 {
                    "sentence"
                } else {
                    "sentences"
                };
                let why = format!("{missing} {noun} to synthesise first");
                (
                    unknown(Assemble::KIND, plan.id.as_str(), why),
                    unknown(Wav::KIND, plan.id.as_str(), "assemble runs first".into()),
                )
            }
            Some(hashes) => {
                let input = AssembleInput::for_episode(plan, &hashes);
                let (assemble, record) = known::<Assemble>(&store, &previous, &plan.id, &input);
                let wav = match record {
                    Some(pcm) => {
                        known::<Wav>(
                            &store,
                            &previous,
                            &plan.id,
                            &WavInput::for_episode(plan, pcm),
                        )
                        .0
                    }
                    None => unknown(Wav::KIND, plan.id.as_str(), "assemble runs first".into()),
                };
                (assemble, wav)
            }
        };
        let wav_fresh = wav.dirty.is_none();
        lines.push(assemble);
        lines.push(wav);
        for format in &plan.output.formats {
            let path = layout
                .outputs()
                .join(format!("{}.{}", plan.id, format.extension()));
            if !wav_fresh || !path.exists() {
                to_write.push(path);
            }
        }
    }

    let dirty = lines.iter().filter(|l| l.dirty.is_some()).count();
    for line in &lines {
        reporter.json(json!({
            "reason": "step",
            "kind": line.kind,
            "episode": line.episode,
            "key": line.key,
            "status": if line.dirty.is_some() { "dirty" } else { "fresh" },
            "dirty": line.dirty,
        }));
        match &line.dirty {
            Some(why) => reporter.status("Dirty", &format!("{} {}: {why}", line.kind, line.place)),
            None => reporter.verbose_status("Fresh", &format!("{} {}", line.kind, line.place)),
        }
    }
    for (engine, count) in &characters {
        reporter.status(
            "Would send",
            &format!("{count} characters to the {engine} engine"),
        );
    }
    for path in &to_write {
        reporter.status("Would write", &project::display(path));
    }
    reporter.json(json!({
        "reason": "status",
        "would_execute": dirty,
        "fresh": lines.len() - dirty,
        "characters": characters,
        "outputs": to_write.iter().map(|p| Value::from(p.display().to_string())).collect::<Vec<_>>(),
    }));
    if reporter.format() == MessageFormat::Human {
        let summary = if dirty == 0 {
            format!("up to date ({} steps fresh)", lines.len())
        } else {
            format!("{dirty} steps would execute, {} fresh", lines.len() - dirty)
        };
        reporter.status("Status", &summary);
    }
    Exit::Success
}

/// A step whose input is known: fresh if its record is cached.
fn known<S: Step>(
    store: &Store,
    previous: &BTreeMap<String, String>,
    episode: &str,
    input: &S::Input,
) -> (Line, Option<ContentHash>) {
    let key = action_key::<S>(input);
    let place = episode_place(episode, S::KIND);
    let record = store.lookup(&key);
    let dirty = match &record {
        Some(_) => None,
        None => {
            let json = serde_json::to_value(input).expect("inputs serialise");
            let engine = S::engine(input);
            Some(explain::explain(
                store,
                previous,
                &place,
                &key,
                S::VERSION,
                engine.as_ref(),
                &json,
            ))
        }
    };
    let line = Line {
        kind: S::KIND,
        episode: episode.to_string(),
        place,
        key: Some(key.hex()),
        dirty: dirty.map(|d: Dirty| d.to_string()),
    };
    (line, record.map(|r| r.output.hash))
}

/// A step whose input depends on work not yet done.
fn unknown(kind: &'static str, episode: &str, why: String) -> Line {
    Line {
        kind,
        episode: episode.to_string(),
        place: episode_place(episode, kind),
        key: None,
        dirty: Some(why),
    }
}

//! `pod status` (and `pod build --dry-run`): what a build would execute and
//! why, and how many characters each engine would be sent. Reads the cache;
//! runs and writes nothing.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::{Value, json};

use super::{Exit, verbosity};
use std::cell::RefCell;

use crate::cache::{BlobRef, ContentHash, Index, Store};
use crate::cli::StatusArgs;
use crate::exec::{BuildGraph, episode_place};
use crate::explain;
use crate::media::media_hash;
use crate::pipeline::{self, Origin, Runner, Stop};
use crate::project::{self, TargetLayout};
use crate::report::{MessageFormat, Reporter};
use crate::step::{Step, action_key};
use crate::steps::Tts;
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
    kind: String,
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
    let mut previous = Index::load(store.root()).logical;
    explain::forget_moved(&mut previous, &planned.episodes);
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
                    .entry(node.input.engine.name.clone())
                    .or_default() += node.input.characters() as u64;
                let dirty = explain::step_dirty::<Tts>(
                    &store,
                    &previous,
                    &node.logical,
                    &node.key,
                    &node.input,
                );
                Some(dirty.to_string())
            }
        };
        lines.push(Line {
            kind: Tts::KIND.to_string(),
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
        let runner = ProbeRunner {
            store: &store,
            previous: &previous,
            episode: &plan.id,
            lines: RefCell::new(Vec::new()),
            stand_ins: RefCell::new(BTreeMap::new()),
        };
        let finished = match &hashes {
            Some(hashes) => match pipeline::episode(&runner, plan, hashes) {
                Ok(_) => true,
                Err(Stop::Failed(error)) => {
                    reporter.diagnostic(&error);
                    return Exit::Usage;
                }
                Err(_) => false,
            },
            None => false,
        };
        let mut episode_lines = runner.lines.into_inner();
        if !finished {
            // What runs after the first missing step cannot be keyed yet.
            let blocker = episode_lines
                .iter()
                .find(|l| l.dirty.is_some())
                .map_or_else(|| "sentences to synthesise".to_string(), |l| l.kind.clone());
            let seen: Vec<String> = episode_lines.iter().map(|l| l.kind.clone()).collect();
            for kind in pipeline::later_steps(plan) {
                if !seen.contains(&kind) {
                    episode_lines.push(unknown(kind, &plan.id, format!("runs after {blocker}")));
                }
            }
        }
        for format in &plan.output.formats {
            let path = layout
                .outputs()
                .join(format!("{}.{}", plan.id, format.extension()));
            // The step that makes the published file.
            let last = match format {
                crate::config::Format::Mp3 => "mp3-tags",
                crate::config::Format::Flac => "flac-tags",
                other => other.name(),
            };
            let remade = episode_lines
                .iter()
                .any(|l| l.kind == last && l.dirty.is_some());
            if !finished || remade || !path.exists() {
                to_write.push(path);
            }
        }
        lines.extend(episode_lines);
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

/// Walks an episode's pipeline as far as the cache allows, noting each step.
struct ProbeRunner<'a> {
    store: &'a Store,
    previous: &'a BTreeMap<String, String>,
    episode: &'a str,
    lines: RefCell<Vec<Line>>,
    /// Stand-in hashes for outputs not made yet -> the step that would make them.
    stand_ins: RefCell<BTreeMap<String, String>>,
}

/// Steps whose output only later steps hash (never read for timings).
#[rustfmt::skip]
const PASSABLE: &[&str] = &[
    "mix", "loudness", "wav", "flac", "mp3", "mp3-tags", "aac", "m4a", "m4b", "measure",
    "flac-tags",
];

impl Runner for ProbeRunner<'_> {
    fn step<S: Step>(&self, place: &str, input: &S::Input) -> Result<BlobRef, Stop> {
        let key = action_key::<S>(input);
        // A step reading a stand-in cannot be keyed: it runs after that step.
        let text = serde_json::to_string(input).expect("inputs serialise");
        let after = self
            .stand_ins
            .borrow()
            .iter()
            .find(|(hash, _)| text.contains(hash.as_str()))
            .map(|(_, kind)| kind.clone());
        if let Some(kind) = after {
            self.lines.borrow_mut().push(Line {
                kind: S::KIND.to_string(),
                episode: self.episode.to_string(),
                place: place.to_string(),
                key: None,
                dirty: Some(format!("runs after {kind}")),
            });
            let stand_in = ContentHash(*blake3::hash(key.hex().as_bytes()).as_bytes());
            self.stand_ins.borrow_mut().insert(stand_in.hex(), kind);
            return Ok(BlobRef {
                hash: stand_in,
                size: 0,
            });
        }
        let record = self.store.lookup(&key);
        let dirty = match &record {
            Some(_) => None,
            None => {
                let dirty = explain::step_dirty::<S>(self.store, self.previous, place, &key, input);
                Some(dirty.to_string())
            }
        };
        self.lines.borrow_mut().push(Line {
            kind: S::KIND.to_string(),
            episode: self.episode.to_string(),
            place: place.to_string(),
            key: Some(key.hex()),
            dirty,
        });
        match record {
            Some(record) => Ok(record.output),
            // What a missing mix, loudness or encode would make is only ever
            // hashed by the steps after it, so the walk goes on with a
            // stand-in: those steps show as "runs after", the rest (such as
            // transcripts after a music change) as they really are. Earlier
            // steps shape timings, so a missing one ends the walk.
            None if PASSABLE.contains(&S::KIND) => {
                let stand_in = ContentHash(*blake3::hash(key.hex().as_bytes()).as_bytes());
                self.stand_ins
                    .borrow_mut()
                    .insert(stand_in.hex(), S::KIND.to_string());
                Ok(BlobRef {
                    hash: stand_in,
                    size: 0,
                })
            }
            None => Err(Stop::Pending),
        }
    }

    fn import(&self, file: &Path, origin: &Origin) -> Result<ContentHash, Stop> {
        media_hash(file, origin).map_err(Stop::Failed)
    }

    fn read(&self, blob: &BlobRef) -> Result<Vec<u8>, Stop> {
        if self.stand_ins.borrow().contains_key(&blob.hash.hex()) {
            return Err(Stop::Pending);
        }
        self.store
            .read_verified(&blob.hash)
            .map_err(|_| Stop::Pending)
    }
}

/// A step whose input depends on work not yet done.
fn unknown(kind: String, episode: &str, why: String) -> Line {
    Line {
        place: episode_place(episode, &kind),
        kind,
        episode: episode.to_string(),
        key: None,
        dirty: Some(why),
    }
}

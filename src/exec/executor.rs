//! The executor: one build's steps, run in parallel with per-key locks.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::{Seek, SeekFrom};
use std::sync::Mutex;

use rayon::prelude::*;

use super::graph::BuildGraph;
use super::outcome::{BuildOutcome, EpisodeResult, Status, StepOutcome};
use crate::cache::{
    ActionKey, ActionRecord, BlobRef, Blobs, BuildUsage, ContentHash, Damage, Lookup, RecordHead,
    Remote, Store,
};
use crate::diagnostic::{Diagnostic, Failure};
use crate::engines::Engines;
use crate::explain::{self, Dirty};
use crate::place::Place;
use crate::project::TargetLayout;
use crate::report::Reporter;
use crate::step::{Step, StepError, Tools};
use crate::steps::Tts;

#[derive(Debug, Clone)]
pub(super) struct Resolved {
    pub(super) key: ActionKey,
    pub(super) output: BlobRef,
    pub(super) status: Status,
    pub(super) dirty: Option<String>,
}

pub(super) enum Slot {
    Pending,
    Done(Resolved),
    Failed,
}

pub(crate) struct Executor<'a> {
    pub(super) graph: &'a BuildGraph,
    pub(super) store: &'a Store,
    pub(super) engines: &'a Engines,
    pub(super) reporter: &'a Reporter,
    pub(super) layout: &'a TargetLayout,
    pub(super) tts: Vec<Mutex<Slot>>,
    /// Logical place -> key hex in the previous build, for dirty reasons.
    pub(super) previous: &'a BTreeMap<String, String>,
    /// Print each executed step's reason (`--explain`).
    pub(super) explain: bool,
    /// Blobs found corrupt in this build (their producers say so when they rerun).
    pub(super) corrupt: Mutex<HashSet<ContentHash>>,
    /// Engine errors already reported (each is said once).
    pub(super) engine_errors: Mutex<HashSet<String>>,
    /// The shared remote cache, asked after the local one.
    pub(super) remote: Option<&'a Remote>,
}

impl<'a> Executor<'a> {
    pub(crate) fn new(
        graph: &'a BuildGraph,
        store: &'a Store,
        engines: &'a Engines,
        reporter: &'a Reporter,
        layout: &'a TargetLayout,
        previous: &'a BTreeMap<String, String>,
        explain: bool,
    ) -> Executor<'a> {
        Executor {
            tts: graph
                .tts
                .iter()
                .map(|_| Mutex::new(Slot::Pending))
                .collect(),
            graph,
            store,
            engines,
            reporter,
            layout,
            previous,
            explain,
            corrupt: Mutex::default(),
            engine_errors: Mutex::default(),
            remote: None,
        }
    }

    pub(crate) fn with_remote(mut self, remote: Option<&'a Remote>) -> Executor<'a> {
        self.remote = remote;
        self
    }

    pub(crate) fn run(&self) -> BuildOutcome {
        self.reporter
            .start_progress(self.graph.step_count(self.store) as u64, "Building");
        let results: Vec<Result<EpisodeResult, Failure>> = std::thread::scope(|scope| {
            self.start_requests(scope);
            self.graph
                .episodes
                .par_iter()
                .map(|episode| self.episode(episode))
                .collect()
        });
        self.reporter.finish_progress();

        let mut failed = false;
        let mut steps = Vec::new();
        for (node, slot) in self.graph.tts.iter().zip(&self.tts) {
            match &*slot.lock().expect("slot lock") {
                Slot::Done(r) => steps.push(StepOutcome {
                    kind: Tts::KIND,
                    episode: node.episode.clone(),
                    place: node.logical.clone(),
                    key: r.key,
                    status: r.status,
                    dirty: r.dirty.clone(),
                }),
                Slot::Failed => failed = true,
                Slot::Pending => {}
            }
        }
        let (mut outputs, mut loudness) = (Vec::new(), Vec::new());
        let mut reported: Vec<Diagnostic> = Vec::new();
        let mut produced = HashMap::new();
        for (result, node) in results.into_iter().zip(&self.graph.episodes) {
            match result {
                Ok(result) => {
                    steps.extend(result.steps);
                    outputs.extend(result.outputs);
                    failed |= result.loudness.iter().any(|l| !l.ok);
                    loudness.extend(result.loudness);
                    produced.insert(node.plan.id.clone(), result.produced);
                }
                Err(Failure::Reported) => failed = true,
                Err(Failure::Unreported(diag)) => {
                    failed = true;
                    // Episodes sharing a bad file fail alike: say it once.
                    if !reported.contains(&diag) {
                        self.reporter.diagnostic(&diag);
                        reported.push(diag);
                    }
                }
            }
        }
        // The feed lists finished episodes only: none if one failed.
        if let Some(show) = self.graph.show.as_ref().filter(|_| !failed) {
            match self.show(show, &produced) {
                Ok(result) => {
                    steps.extend(result.steps);
                    outputs.extend(result.outputs);
                }
                Err(diag) => {
                    failed = true;
                    self.reporter.diagnostic(&diag);
                }
            }
        }
        self.upload(&steps);
        let usage = self.usage(&steps);
        BuildOutcome {
            steps,
            outputs,
            loudness,
            failed,
            usage,
        }
    }

    /// Hits, misses, characters per engine, and where each step now is.
    fn usage(&self, steps: &[StepOutcome]) -> BuildUsage {
        let mut usage = BuildUsage::default();
        let characters: HashMap<ActionKey, (&str, usize)> = self
            .graph
            .tts
            .iter()
            .map(|n| (n.key, (n.input.engine.name.as_str(), n.input.characters())))
            .collect();
        for step in steps {
            let hit = step.status != Status::Executed;
            usage
                .used
                .insert(step.key.hex(), (step.kind.to_string(), hit));
            let counts = usage
                .counters
                .steps
                .entry(step.kind.to_string())
                .or_default();
            match step.status {
                Status::Cached => counts.cached += 1,
                Status::Remote => counts.remote += 1,
                Status::Executed => counts.executed += 1,
            }
            if hit {
                usage.counters.hits += 1;
            } else {
                usage.counters.misses += 1;
            }
            if step.kind != Tts::KIND {
                usage.logical.insert(step.place.to_string(), step.key.hex());
            }
            if let Some((engine, chars)) = characters.get(&step.key) {
                let counts = usage
                    .counters
                    .characters
                    .entry(engine.to_string())
                    .or_default();
                match step.status {
                    Status::Cached => counts.cached += *chars as u64,
                    Status::Remote => counts.remote += *chars as u64,
                    Status::Executed => counts.synthesised += *chars as u64,
                }
            }
        }
        for episode in &self.graph.episodes {
            for (n, sentence) in episode.plan.sentences.iter().enumerate() {
                usage.logical.insert(
                    Place::sentence(&episode.plan.id, n).to_string(),
                    sentence.key.hex(),
                );
            }
        }
        if let Some(remote) = self.remote {
            let counts = remote.counts();
            usage.counters.remote = crate::cache::RemoteTotals {
                hits: counts.hits,
                downloaded_bytes: counts.downloaded,
                uploaded_bytes: counts.uploaded,
                rejected: counts.rejected,
            };
        }
        usage
    }

    /// Sends what this build ran to the remote before the build ends, so
    /// the next machine finds it; steps of failed episodes too.
    fn upload(&self, steps: &[StepOutcome]) {
        let Some(remote) = self.remote.filter(|r| r.writes()) else {
            return;
        };
        let executed: Vec<&ActionKey> = steps
            .iter()
            .filter(|s| s.status == Status::Executed)
            .map(|s| &s.key)
            .collect();
        if executed.is_empty() {
            return;
        }
        let noun = if executed.len() == 1 {
            "entry"
        } else {
            "entries"
        };
        self.reporter.status(
            "Uploading",
            &format!("{} cache {noun} to {}", executed.len(), remote.url()),
        );
        let warn = |message: String| self.reporter.diagnostic(&Diagnostic::warning(message));
        executed
            .par_iter()
            .for_each(|key| remote.upload(self.store, key, &warn));
    }

    /// Runs one step unless its result is (or, after waiting for its lock,
    /// has become) cached. `announce` runs just before real work starts.
    pub(super) fn execute<S: Step>(
        &self,
        key: ActionKey,
        input: &S::Input,
        place: &Place,
        announce: impl FnOnce(),
    ) -> Result<Resolved, StepError> {
        if let Some(record) = self.store.lookup(&key) {
            return Ok(cached(key, &record));
        }
        let _lock = self.store.lock_key(&key)?;
        let damaged = match self.store.probe(&key) {
            Lookup::Hit(record) => return Ok(cached(key, &record)),
            Lookup::Missing => false,
            Lookup::Damaged(damage) => {
                // Under the key's lock: only the build that repairs it warns.
                self.reporter.diagnostic(&Diagnostic::warning(format!(
                    "cache entry corrupt: {} {place}: {damage}; rebuilding it",
                    S::KIND
                )));
                self.store.remove_record(&key)?;
                if let Damage::Blob { hash, .. } = damage {
                    self.store.remove_blob(&hash);
                }
                true
            }
        };
        if let Some(remote) = self.remote {
            let warn = |message: String| self.reporter.diagnostic(&Diagnostic::warning(message));
            if let Some(record) = remote.fetch(self.store, &key, S::KIND, &warn) {
                self.reporter
                    .verbose_status("Downloaded", &format!("{} {place}", S::KIND));
                return Ok(Resolved {
                    status: Status::Remote,
                    ..cached(key, &record)
                });
            }
        }
        announce();
        let input_json =
            serde_json::to_value(input).map_err(|e| StepError::Failed(e.to_string()))?;
        let was_corrupt = damaged
            || self.store.read_record(&key).is_some_and(|r| {
                self.corrupt
                    .lock()
                    .expect("corrupt set")
                    .contains(&r.output.hash)
            });
        let dirty = if was_corrupt {
            Dirty::Corrupt
        } else {
            explain::explain(
                self.store,
                self.previous,
                place.as_str(),
                &key,
                S::VERSION,
                &input_json,
            )
        };
        if self.explain {
            self.reporter
                .status("Dirty", &format!("{} {place}: {dirty}", S::KIND));
        }
        let tools = Tools {
            engines: self.engines,
            blobs: Blobs::of(self.store),
        };
        let started = std::time::Instant::now();
        let mut frames = None;
        let mut output = self.store.put_blob(|file| {
            S::run(input, &tools, file)?;
            file.seek(SeekFrom::Start(0))?;
            frames = S::frames(file)?;
            Ok::<(), StepError>(())
        })?;
        output.frames = frames;
        self.reporter.verbose_status(
            "Ran",
            &format!(
                "{} {place} in {:.2}s",
                S::KIND,
                started.elapsed().as_secs_f64()
            ),
        );
        let record = ActionRecord {
            kind: S::KIND.to_string(),
            version: S::VERSION,
            input: input_json,
            output,
        };
        self.store.put_record(&key, &record)?;
        Ok(Resolved {
            key,
            output,
            status: Status::Executed,
            dirty: Some(dirty.to_string()),
        })
    }

    pub(super) fn corrupt(&self, episode: &str, hash: &ContentHash) {
        self.reporter.diagnostic(&Diagnostic::warning(format!(
            "cache entry corrupt: blob {} used by {episode} did not match its hash; rebuilding it",
            &hash.hex()[..16]
        )));
        self.corrupt.lock().expect("corrupt set").insert(*hash);
        self.store.remove_blob(hash);
        // A sentence whose speech was damaged is synthesised again.
        for slot in &self.tts {
            let mut slot = slot.lock().expect("slot lock");
            if matches!(&*slot, Slot::Done(r) if r.output.hash == *hash) {
                *slot = Slot::Pending;
            }
        }
    }
}

/// A blob damaged again right after being rebuilt: the disk itself is failing.
pub(super) fn damaged_again(episode: &str) -> Diagnostic {
    Diagnostic::error(format!(
        "the cache keeps returning damaged data for `{episode}`; check the disk, then run `pod cache verify --fix`"
    ))
}

pub(super) fn cached(key: ActionKey, record: &RecordHead) -> Resolved {
    Resolved {
        key,
        output: record.output,
        status: Status::Cached,
        dirty: None,
    }
}

//! The executor: runs the planned steps against the cache, in parallel, with
//! per-key locks so concurrent builds share work instead of repeating it.
//!
//! A step whose record is in the cache is `cached` without reading its blob;
//! blobs are re-hashed when a step reads them. A corrupt blob is a miss: it
//! is reported, removed, and the episode is walked again, which rebuilds it.

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::fs;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use rayon::prelude::*;
use serde::Serialize;

use crate::cache::{
    ActionKey, ActionRecord, BlobRef, Blobs, BuildUsage, ContentHash, Damage, Lookup, RecordHead,
    Store,
};
use crate::config::Format;
use crate::diagnostic::Diagnostic;
use crate::engines::Engines;
use crate::explain::{self, Dirty};
use crate::media::{Origin, import, location_of};
use crate::paths::display;
use crate::pipeline::probe::{known_output, probe};
use crate::pipeline::{self, Produced, Runner, Stop};
use crate::place::Place;
use crate::plan::EpisodePlan;
use crate::project::TargetLayout;
use crate::published;
use crate::report::Reporter;
use crate::step::{Announce, Step, StepError, Tools, action_key};
use crate::steps::measure::Measurement;
use crate::steps::{Tts, TtsInput};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Executed,
    Cached,
}

/// The sentences of one build (each distinct sentence once) and its episodes.
pub struct BuildGraph {
    pub tts: Vec<TtsNode>,
    pub episodes: Vec<EpisodeNode>,
}

pub struct TtsNode {
    pub key: ActionKey,
    pub input: Arc<TtsInput>,
    /// Logical place of its first occurrence, for `--explain`.
    pub logical: Place,
    /// The first episode that speaks this sentence, and where.
    pub episode: String,
    pub source: PathBuf,
    pub line: u32,
    pub column: u32,
}

pub struct EpisodeNode {
    pub plan: Arc<EpisodePlan>,
    /// For each of the plan's sentences, its node in `BuildGraph::tts`.
    pub tts: Vec<usize>,
}

impl BuildGraph {
    pub fn new(plans: &[Arc<EpisodePlan>]) -> BuildGraph {
        let mut tts = Vec::new();
        let mut index: HashMap<ActionKey, usize> = HashMap::new();
        let mut episodes = Vec::new();
        for plan in plans {
            let nodes = plan
                .sentences
                .iter()
                .enumerate()
                .map(|(n, sentence)| {
                    *index.entry(sentence.key).or_insert_with(|| {
                        tts.push(TtsNode {
                            key: sentence.key,
                            input: sentence.input.clone(),
                            logical: Place::sentence(&plan.id, n),
                            episode: plan.id.clone(),
                            source: plan.source.clone(),
                            line: sentence.line,
                            column: sentence.column,
                        });
                        tts.len() - 1
                    })
                })
                .collect();
            episodes.push(EpisodeNode {
                plan: plan.clone(),
                tts: nodes,
            });
        }
        BuildGraph { tts, episodes }
    }

    /// How many steps the build reports: the distinct sentences, and each
    /// episode's steps as the probe (`pod status`'s walk) finds them.
    pub fn step_count(&self, store: &Store) -> usize {
        let speech: Vec<Option<ContentHash>> = self
            .tts
            .iter()
            .map(|node| known_output(store, &node.key))
            .collect();
        let episodes: usize = self
            .episodes
            .iter()
            .map(|e| {
                let speech: Vec<_> = e
                    .tts
                    .iter()
                    .map(|&i| (self.tts[i].key, speech[i]))
                    .collect();
                // An episode that will fail to walk (a bad media file) counts
                // none: the build reports it as an error, not as steps.
                probe(store, &e.plan, &speech).map_or(0, |p| p.steps.len())
            })
            .sum();
        self.tts.len() + episodes
    }
}

#[derive(Debug, Clone)]
struct Resolved {
    key: ActionKey,
    output: BlobRef,
    status: Status,
    dirty: Option<String>,
}

enum Slot {
    Pending,
    Done(Resolved),
    Failed,
}

pub struct StepOutcome {
    pub kind: &'static str,
    pub episode: String,
    /// Its logical place (`a/mix`, `a/measure/mp3`), for `--explain` next time.
    pub place: Place,
    pub key: ActionKey,
    pub status: Status,
    pub dirty: Option<String>,
}

pub struct PublishedOutput {
    pub episode: String,
    pub format: Format,
    pub path: PathBuf,
}

/// The loudness of one published audio file, and whether it met its target.
pub struct LoudnessReport {
    pub episode: String,
    pub format: Format,
    pub measurement: Measurement,
    pub target_lufs: f64,
    pub ceiling_db: f64,
    pub ok: bool,
}

pub struct BuildOutcome {
    /// Every step that completed, in graph order.
    pub steps: Vec<StepOutcome>,
    pub outputs: Vec<PublishedOutput>,
    pub loudness: Vec<LoudnessReport>,
    pub failed: bool,
    /// What this build used, for the cache index.
    pub usage: BuildUsage,
}

struct EpisodeResult {
    steps: Vec<StepOutcome>,
    outputs: Vec<PublishedOutput>,
    loudness: Vec<LoudnessReport>,
}

pub struct Executor<'a> {
    graph: &'a BuildGraph,
    store: &'a Store,
    engines: &'a Engines,
    reporter: &'a Reporter,
    layout: &'a TargetLayout,
    tts: Vec<Mutex<Slot>>,
    /// Logical place -> key hex in the previous build, for dirty reasons.
    previous: &'a BTreeMap<String, String>,
    /// Print each executed step's reason (`--explain`).
    explain: bool,
    /// Blobs found corrupt in this build (their producers say so when they rerun).
    corrupt: Mutex<HashSet<ContentHash>>,
}

impl<'a> Executor<'a> {
    pub fn new(
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
        }
    }

    pub fn run(&self) -> BuildOutcome {
        self.reporter
            .start_progress(self.graph.step_count(self.store) as u64, "Building");
        let results: Vec<Result<EpisodeResult, Option<Diagnostic>>> = self
            .graph
            .episodes
            .par_iter()
            .map(|episode| self.episode(episode))
            .collect();
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
        for result in results {
            match result {
                Ok(result) => {
                    steps.extend(result.steps);
                    outputs.extend(result.outputs);
                    failed |= result.loudness.iter().any(|l| !l.ok);
                    loudness.extend(result.loudness);
                }
                Err(diag) => {
                    failed = true;
                    // Episodes sharing a bad file fail alike: say it once.
                    if let Some(diag) = diag.filter(|d| !reported.contains(d)) {
                        self.reporter.diagnostic(&diag);
                        reported.push(diag);
                    }
                }
            }
        }
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
            let hit = step.status == Status::Cached;
            usage
                .used
                .insert(step.key.hex(), (step.kind.to_string(), hit));
            let counts = usage
                .counters
                .steps
                .entry(step.kind.to_string())
                .or_default();
            if hit {
                usage.counters.hits += 1;
                counts.cached += 1;
            } else {
                usage.counters.misses += 1;
                counts.executed += 1;
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
                if hit {
                    counts.cached += *chars as u64;
                } else {
                    counts.synthesised += *chars as u64;
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
        usage
    }

    fn episode(&self, node: &EpisodeNode) -> Result<EpisodeResult, Option<Diagnostic>> {
        let plan = &node.plan;
        // Which sentences are missing, so the user hears about them first.
        let missing = node.tts.par_iter().filter(|&&i| !self.probe(i)).count();
        if missing > 0 {
            let noun = if missing == 1 {
                "sentence"
            } else {
                "sentences"
            };
            self.reporter
                .status("Synthesizing", &format!("{} ({missing} {noun})", plan.id));
        }
        // A corrupt blob is removed and the walk retried, which rebuilds it.
        // Each retry removes a different blob, so this ends; a blob damaged
        // again right after being rebuilt means the disk itself is failing.
        let mut seen = HashSet::new();
        loop {
            let speech: Vec<ContentHash> = node
                .tts
                .par_iter()
                .map(|&i| self.sentence(i))
                .collect::<Result<_, _>>()
                .map_err(|()| None)?;
            let runner = ExecRunner {
                exec: self,
                episode: &plan.id,
                steps: RefCell::new(Vec::new()),
            };
            match pipeline::episode(&runner, plan, &speech) {
                Ok(produced) => {
                    let steps = runner.steps.into_inner();
                    match self.finish(plan, steps, produced) {
                        Ok(result) => return Ok(result),
                        // Damaged between building and publishing: rebuild it.
                        Err(Stop::Corrupt(hash)) if seen.insert(hash) => {
                            self.corrupt(&plan.id, &hash)
                        }
                        Err(Stop::Failed(diag)) => return Err(Some(diag)),
                        Err(_) => return Err(Some(damaged_again(&plan.id))),
                    }
                }
                Err(Stop::Corrupt(hash)) if seen.insert(hash) => self.corrupt(&plan.id, &hash),
                Err(Stop::Corrupt(_)) => return Err(Some(damaged_again(&plan.id))),
                Err(Stop::Failed(diag)) => return Err(Some(diag)),
                Err(Stop::Pending) => unreachable!("the executor runs what is missing"),
            }
        }
    }

    /// Publishes the outputs and checks their loudness.
    fn finish(
        &self,
        plan: &EpisodePlan,
        steps: Vec<StepOutcome>,
        produced: Produced,
    ) -> Result<EpisodeResult, Stop> {
        let mut outputs = Vec::new();
        for (format, blob) in produced.outputs {
            let path = self
                .layout
                .outputs()
                .join(format!("{}.{}", plan.id, format.extension()));
            let manifest =
                self.layout
                    .published()
                    .join(format!("{}.{}.json", plan.id, format.extension()));
            if published::is_fresh(&path, &manifest, &blob.hash) {
                self.reporter.verbose_status("Fresh", &display(&path));
            } else {
                match self.publish(&blob, &path, &manifest) {
                    Ok(true) => self.reporter.status("Writing", &display(&path)),
                    Ok(false) => return Err(Stop::Corrupt(blob.hash)),
                    Err(e) => {
                        return Err(Stop::Failed(Diagnostic::error(format!(
                            "writing {}: {e}",
                            display(&path)
                        ))));
                    }
                }
            }
            outputs.push(PublishedOutput {
                episode: plan.id.clone(),
                format,
                path,
            });
        }
        let target_lufs = f64::from(plan.loudness.target_mlufs) / 1000.0;
        let ceiling_db = f64::from(plan.loudness.ceiling_mdb) / 1000.0;
        let loudness = produced
            .measurements
            .into_iter()
            .map(|(format, measurement)| {
                let l = measurement.loudness;
                let on_target = l
                    .integrated_lufs
                    .is_none_or(|i| (i - target_lufs).abs() <= 1.0);
                let under_ceiling = l.true_peak_db.is_none_or(|p| p <= ceiling_db);
                LoudnessReport {
                    episode: plan.id.clone(),
                    format,
                    measurement,
                    target_lufs,
                    ceiling_db,
                    ok: on_target && under_ceiling,
                }
            })
            .collect();
        Ok(EpisodeResult {
            steps,
            outputs,
            loudness,
        })
    }

    /// Resolves a sentence from the cache if it is there; false if it must be synthesised.
    fn probe(&self, index: usize) -> bool {
        let mut slot = self.tts[index].lock().expect("slot lock");
        match *slot {
            Slot::Done(_) => true,
            Slot::Failed => false,
            Slot::Pending => match self.store.lookup(&self.graph.tts[index].key) {
                Some(record) => {
                    let node = &self.graph.tts[index];
                    *slot = Slot::Done(cached(node.key, &record));
                    self.reporter.advance(&node.episode);
                    true
                }
                // Missing or damaged: `execute` says which when it reruns it.
                None => false,
            },
        }
    }

    fn sentence(&self, index: usize) -> Result<ContentHash, ()> {
        let node = &self.graph.tts[index];
        let mut slot = self.tts[index].lock().expect("slot lock");
        match &*slot {
            Slot::Failed => return Err(()),
            Slot::Done(resolved) => return Ok(resolved.output.hash),
            Slot::Pending => {}
        }
        let announce = || {
            self.reporter.verbose_status(
                "Synthesizing",
                &format!("{}: {}", node.episode, preview(&node.input)),
            );
        };
        match self.execute::<Tts>(node.key, &node.input, &node.logical, announce) {
            Ok(resolved) => {
                let hash = resolved.output.hash;
                *slot = Slot::Done(resolved);
                self.reporter.advance(&node.episode);
                Ok(hash)
            }
            Err(e) => {
                *slot = Slot::Failed;
                self.sentence_failure(node, e);
                Err(())
            }
        }
    }

    /// Runs one step unless its result is (or, after waiting for its lock,
    /// has become) cached. `announce` runs just before real work starts.
    fn execute<S: Step>(
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
        let output = self.store.put_blob(|file| S::run(input, &tools, file))?;
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

    fn corrupt(&self, episode: &str, hash: &ContentHash) {
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

    fn sentence_failure(&self, node: &TtsNode, error: StepError) {
        if let StepError::Engine(why) = &error {
            // Not the sentence's fault: no script line to point at.
            self.reporter.diagnostic(&Diagnostic::error(why.clone()));
            return;
        }
        let mut diag = Diagnostic::error(format!(
            "could not synthesise a sentence of `{}`: {error}",
            node.episode
        ));
        if let Some(location) = location_of(&node.source, node.line, node.column) {
            diag = diag.at(location);
        }
        self.reporter.diagnostic(&diag);
    }

    /// Copies a blob to its published path atomically, checking its hash on
    /// the way; `Ok(false)` if the blob is damaged.
    fn publish(&self, blob: &BlobRef, path: &Path, manifest: &Path) -> std::io::Result<bool> {
        fs::create_dir_all(path.parent().expect("outputs have a parent"))?;
        // Staged in the cache's tmp/ (same filesystem), so a killed build
        // leaves no stray file among the outputs. Created 0666 less the
        // umask, as any new file is (tempfile's default 0600 would keep a
        // web server from serving the output).
        let mut builder = tempfile::Builder::new();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            builder.permissions(fs::Permissions::from_mode(0o666));
        }
        let mut temp = builder.tempfile_in(self.store.root().join("tmp"))?;
        let mut source = fs::File::open(self.store.blob_path(&blob.hash))?;
        let mut hasher = blake3::Hasher::new();
        let mut buffer = vec![0u8; 1 << 16];
        loop {
            let n = source.read(&mut buffer)?;
            if n == 0 {
                break;
            }
            hasher.update(&buffer[..n]);
            temp.write_all(&buffer[..n])?;
        }
        if ContentHash(*hasher.finalize().as_bytes()) != blob.hash {
            return Ok(false);
        }
        temp.as_file_mut().flush()?;
        temp.persist(path).map_err(|e| e.error)?;
        published::record(path, manifest, &blob.hash, &self.store.root().join("tmp"))?;
        Ok(true)
    }
}

/// A blob damaged again right after being rebuilt: the disk itself is failing.
fn damaged_again(episode: &str) -> Diagnostic {
    Diagnostic::error(format!(
        "the cache keeps returning damaged data for `{episode}`; check the disk, then run `pod cache verify --fix`"
    ))
}

fn cached(key: ActionKey, record: &RecordHead) -> Resolved {
    Resolved {
        key,
        output: record.output,
        status: Status::Cached,
        dirty: None,
    }
}

/// Runs an episode's pipeline for real, recording each step it resolves.
struct ExecRunner<'e, 'a> {
    exec: &'e Executor<'a>,
    episode: &'e str,
    steps: RefCell<Vec<StepOutcome>>,
}

impl Runner for ExecRunner<'_, '_> {
    fn step<S: Step>(&self, place: &Place, input: &S::Input) -> Result<BlobRef, Stop> {
        let key = action_key::<S>(input);
        let episode = self.episode;
        let announce = || match S::ANNOUNCE {
            Announce::Status(verb) => self.exec.reporter.status(verb, episode),
            Announce::VerbosePlace(verb) => self.exec.reporter.verbose_status(verb, place.as_str()),
            Announce::Verbose => self
                .exec
                .reporter
                .verbose_status("Running", &format!("{} {place}", S::KIND)),
        };
        match self.exec.execute::<S>(key, input, place, announce) {
            Ok(resolved) => {
                // One message per step: a step the walk reaches twice (the
                // same file as intro and outro) is one step.
                if self.steps.borrow().iter().any(|s| s.key == key) {
                    return Ok(resolved.output);
                }
                self.exec.reporter.advance(episode);
                self.steps.borrow_mut().push(StepOutcome {
                    kind: S::KIND,
                    episode: episode.to_string(),
                    place: place.clone(),
                    key,
                    status: resolved.status,
                    dirty: resolved.dirty,
                });
                Ok(resolved.output)
            }
            Err(StepError::CorruptInput(hash)) => Err(Stop::Corrupt(hash)),
            Err(StepError::Failed(why)) if S::FAILS_ON_USER_FILE => {
                Err(Stop::Failed(Diagnostic::error(why)))
            }
            Err(e) => Err(Stop::Failed(Diagnostic::error(format!(
                "{} step for `{episode}` ({place}) failed: {e}",
                S::KIND
            )))),
        }
    }

    fn import(&self, file: &Path, origin: &Origin) -> Result<ContentHash, Stop> {
        import(self.exec.store, file, origin).map_err(Stop::Failed)
    }

    fn read(&self, blob: &BlobRef) -> Result<Vec<u8>, Stop> {
        self.exec
            .store
            .read_verified(&blob.hash)
            .map_err(Stop::Corrupt)
    }

    fn size(&self, blob: &BlobRef) -> u64 {
        blob.size
    }

    /// Never asked: `read` here makes what is missing or says it is corrupt.
    fn unknown(&self, blob: &BlobRef) -> Result<(), Stop> {
        Err(Stop::Corrupt(blob.hash))
    }
}

fn preview(input: &TtsInput) -> String {
    let text: String = input
        .parts
        .iter()
        .filter_map(|p| match p {
            crate::steps::TtsPart::Text(t) => Some(t.as_str()),
            crate::steps::TtsPart::BreakMs(_) => None,
        })
        .collect::<Vec<_>>()
        .join(" ");
    if text.chars().count() > 60 {
        format!("\"{}…\"", text.chars().take(59).collect::<String>())
    } else {
        format!("\"{text}\"")
    }
}

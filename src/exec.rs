//! The executor: runs the planned steps against the cache, in parallel, with
//! per-key locks so concurrent builds share work instead of repeating it.
//!
//! Work is demand-driven. A step whose record is in the cache is `cached`
//! without reading its blob; blobs are re-hashed only when something reads
//! them, and a corrupt one is a miss: reported, removed and rebuilt.

use std::collections::{BTreeMap, HashMap};
use std::fs;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::cache::{ActionKey, ActionRecord, BlobRef, BlobState, BuildUsage, ContentHash, Store};
use crate::config::Format;
use crate::diagnostic::{Diagnostic, Location};
use crate::engines::Engines;
use crate::explain::{self, Dirty};
use crate::plan::EpisodePlan;
use crate::project::{TargetLayout, display};
use crate::report::Reporter;
use crate::step::{Step, StepError, Tools, action_key};
use crate::steps::{Assemble, AssembleInput, Tts, TtsInput, Wav, WavInput};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Executed,
    Cached,
}

/// The step graph of one build: each distinct sentence once, then each
/// episode's `assemble` and `wav`.
pub struct BuildGraph {
    pub tts: Vec<TtsNode>,
    pub episodes: Vec<EpisodeNode>,
}

pub struct TtsNode {
    pub key: ActionKey,
    pub input: Arc<TtsInput>,
    /// Logical place of its first occurrence, for `--explain`.
    pub logical: String,
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

/// The logical place of an episode's `n`th sentence.
pub fn sentence_place(episode: &str, n: usize) -> String {
    format!("{episode}/tts/{n}")
}

/// The logical place of an episode's `assemble` or `wav` step.
pub fn episode_place(episode: &str, kind: &str) -> String {
    format!("{episode}/{kind}")
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
                            logical: sentence_place(&plan.id, n),
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

    pub fn step_count(&self) -> usize {
        self.tts.len() + 2 * self.episodes.len()
    }
}

#[derive(Debug, Clone)]
struct Resolved {
    key: ActionKey,
    output: BlobRef,
    status: Status,
    /// Re-hashed during this build (or written by it).
    verified: bool,
    /// Why it executed.
    dirty: Option<String>,
}

enum Slot {
    Pending,
    Done(Resolved),
    Failed,
}

/// A failure already reported (`None`) or still to report.
pub struct Failure(Option<Diagnostic>);

pub struct StepOutcome {
    pub kind: &'static str,
    pub episode: String,
    pub key: ActionKey,
    pub status: Status,
    pub dirty: Option<String>,
}

pub struct PublishedOutput {
    pub episode: String,
    pub format: Format,
    pub path: PathBuf,
}

pub struct BuildOutcome {
    /// Every step of the graph that completed, in graph order.
    pub steps: Vec<StepOutcome>,
    pub outputs: Vec<PublishedOutput>,
    pub failed: bool,
    /// What this build used, for the cache index.
    pub usage: BuildUsage,
}

struct EpisodeResult {
    assemble: Resolved,
    wav: Resolved,
    outputs: Vec<PublishedOutput>,
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
    /// Keys whose blobs were found corrupt in this build.
    corrupt_keys: Mutex<std::collections::HashSet<ActionKey>>,
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
            previous,
            explain,
            corrupt_keys: Mutex::default(),
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
        }
    }

    pub fn run(&self) -> BuildOutcome {
        self.reporter
            .start_progress(self.graph.step_count() as u64, "Building");
        let results: Vec<Result<EpisodeResult, Failure>> = self
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
                    key: r.key,
                    status: r.status,
                    dirty: r.dirty.clone(),
                }),
                Slot::Failed => failed = true,
                Slot::Pending => {}
            }
        }
        let mut outputs = Vec::new();
        for (node, result) in self.graph.episodes.iter().zip(results) {
            match result {
                Ok(result) => {
                    for (kind, r) in [(Assemble::KIND, result.assemble), (Wav::KIND, result.wav)] {
                        steps.push(StepOutcome {
                            kind,
                            episode: node.plan.id.clone(),
                            key: r.key,
                            status: r.status,
                            dirty: r.dirty,
                        });
                    }
                    outputs.extend(result.outputs);
                }
                Err(Failure(diag)) => {
                    failed = true;
                    if let Some(diag) = diag {
                        self.reporter.diagnostic(&diag);
                    }
                }
            }
        }
        let usage = self.usage(&steps);
        BuildOutcome {
            steps,
            outputs,
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
            .map(|n| (n.key, (n.input.voice.engine.as_str(), n.input.characters())))
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
            if step.kind != Tts::KIND {
                usage
                    .logical
                    .insert(episode_place(&step.episode, step.kind), step.key.hex());
            }
        }
        for episode in &self.graph.episodes {
            for (n, sentence) in episode.plan.sentences.iter().enumerate() {
                usage
                    .logical
                    .insert(sentence_place(&episode.plan.id, n), sentence.key.hex());
            }
        }
        usage
    }

    fn episode(&self, node: &EpisodeNode) -> Result<EpisodeResult, Failure> {
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
        let hashes = self.speech(node, false)?;

        let input = AssembleInput::for_episode(plan, &hashes);
        let key = action_key::<Assemble>(&input);
        let mut assemble = match self.store.lookup(&key) {
            Some(record) => self.cached(key, record),
            None => self.assemble(node)?,
        };

        self.reporter.advance(&plan.id);

        let mut wav_key = action_key::<Wav>(&WavInput::for_episode(plan, assemble.output.hash));
        let mut wav = match self.store.lookup(&wav_key) {
            Some(record) => self.cached(wav_key, record),
            None => {
                self.ensure_assemble(node, &mut assemble)?;
                let input = WavInput::for_episode(plan, assemble.output.hash);
                wav_key = action_key::<Wav>(&input);
                let id = plan.id.clone();
                self.execute::<Wav>(wav_key, &input, &episode_place(&plan.id, Wav::KIND), || {
                    self.reporter
                        .verbose_status("Encoding", &format!("{id}.wav"));
                })
                .map_err(|e| self.failure(&plan.id, Wav::KIND, e))?
            }
        };
        self.reporter.advance(&plan.id);

        let mut outputs = Vec::new();
        for &format in &plan.output.formats {
            let path = self
                .layout
                .outputs()
                .join(format!("{}.{}", plan.id, format.extension()));
            let manifest =
                self.layout
                    .published()
                    .join(format!("{}.{}.json", plan.id, format.extension()));
            if !is_published(&path, &manifest, &wav.output.hash) {
                if !wav.verified && self.store.verify(&wav.output.hash) != BlobState::Intact {
                    self.corrupt(Wav::KIND, &plan.id, wav.key, &wav.output.hash);
                    self.ensure_assemble(node, &mut assemble)?;
                    let input = WavInput::for_episode(plan, assemble.output.hash);
                    let place = episode_place(&plan.id, Wav::KIND);
                    wav = self
                        .execute::<Wav>(action_key::<Wav>(&input), &input, &place, || {})
                        .map_err(|e| self.failure(&plan.id, Wav::KIND, e))?;
                }
                self.publish(&wav.output, &path, &manifest).map_err(|e| {
                    Failure(Some(Diagnostic::error(format!(
                        "writing {}: {e}",
                        display(&path)
                    ))))
                })?;
                self.reporter.status("Writing", &display(&path));
            } else {
                self.reporter.verbose_status("Fresh", &display(&path));
            }
            outputs.push(PublishedOutput {
                episode: plan.id.clone(),
                format,
                path,
            });
        }
        Ok(EpisodeResult {
            assemble,
            wav,
            outputs,
        })
    }

    /// Content hashes of every sentence of an episode, synthesising what is
    /// missing; with `verify`, each blob is also re-hashed (and rebuilt if bad).
    fn speech(&self, node: &EpisodeNode, verify: bool) -> Result<Vec<ContentHash>, Failure> {
        node.tts
            .par_iter()
            .map(|&i| self.sentence(i, verify))
            .collect()
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
                    *slot = Slot::Done(self.cached(node.key, record));
                    self.reporter.advance(&node.episode);
                    true
                }
                None => false,
            },
        }
    }

    fn sentence(&self, index: usize, verify: bool) -> Result<ContentHash, Failure> {
        let node = &self.graph.tts[index];
        let mut slot = self.tts[index].lock().expect("slot lock");
        if let Slot::Failed = *slot {
            return Err(Failure(None));
        }
        if let Slot::Pending = *slot {
            match self.execute::<Tts>(node.key, &node.input, &node.logical, || {
                self.reporter.verbose_status(
                    "Synthesizing",
                    &format!("{}: {}", node.episode, preview(&node.input)),
                );
            }) {
                Ok(resolved) => {
                    *slot = Slot::Done(resolved);
                    self.reporter.advance(&node.episode);
                }
                Err(e) => {
                    *slot = Slot::Failed;
                    return Err(self.sentence_failure(node, e));
                }
            }
        }
        let Slot::Done(resolved) = &mut *slot else {
            unreachable!("resolved above")
        };
        if verify && !resolved.verified {
            if self.store.verify(&resolved.output.hash) == BlobState::Intact {
                resolved.verified = true;
            } else {
                self.corrupt(Tts::KIND, &node.episode, node.key, &resolved.output.hash);
                match self.execute::<Tts>(node.key, &node.input, &node.logical, || {}) {
                    Ok(rebuilt) => *resolved = rebuilt,
                    Err(e) => {
                        *slot = Slot::Failed;
                        return Err(self.sentence_failure(node, e));
                    }
                }
            }
        }
        Ok(resolved.output.hash)
    }

    /// Runs `assemble` for an episode, from verified speech.
    fn assemble(&self, node: &EpisodeNode) -> Result<Resolved, Failure> {
        let plan = &node.plan;
        let hashes = self.speech(node, true)?;
        let input = AssembleInput::for_episode(plan, &hashes);
        let place = episode_place(&plan.id, Assemble::KIND);
        self.execute::<Assemble>(action_key::<Assemble>(&input), &input, &place, || {
            self.reporter.status("Assembling", &plan.id);
        })
        .map_err(|e| self.failure(&plan.id, Assemble::KIND, e))
    }

    /// Makes sure the assembled track's blob is intact, rebuilding it if not.
    fn ensure_assemble(&self, node: &EpisodeNode, assemble: &mut Resolved) -> Result<(), Failure> {
        if assemble.verified {
            return Ok(());
        }
        if self.store.verify(&assemble.output.hash) == BlobState::Intact {
            assemble.verified = true;
            return Ok(());
        }
        self.corrupt(
            Assemble::KIND,
            &node.plan.id,
            assemble.key,
            &assemble.output.hash,
        );
        *assemble = self.assemble(node)?;
        Ok(())
    }

    fn cached(&self, key: ActionKey, record: ActionRecord) -> Resolved {
        Resolved {
            key,
            output: record.output,
            status: Status::Cached,
            verified: false,
            dirty: None,
        }
    }

    /// Runs one step unless its result is (or, after waiting for its lock,
    /// has become) cached. `announce` runs just before real work starts.
    fn execute<S: Step>(
        &self,
        key: ActionKey,
        input: &S::Input,
        place: &str,
        announce: impl FnOnce(),
    ) -> Result<Resolved, StepError> {
        let cached = |record: ActionRecord| Resolved {
            key,
            output: record.output,
            status: Status::Cached,
            verified: false,
            dirty: None,
        };
        if let Some(record) = self.store.lookup(&key) {
            return Ok(cached(record));
        }
        let _lock = self.store.lock_key(&key)?;
        if let Some(record) = self.store.lookup(&key) {
            return Ok(cached(record));
        }
        announce();
        let input_json =
            serde_json::to_value(input).map_err(|e| StepError::Failed(e.to_string()))?;
        let engine = S::engine(input);
        let dirty = if self
            .corrupt_keys
            .lock()
            .expect("corrupt keys")
            .contains(&key)
        {
            Dirty::Corrupt
        } else {
            explain::explain(
                self.store,
                self.previous,
                place,
                &key,
                S::VERSION,
                engine.as_ref(),
                &input_json,
            )
        };
        if self.explain {
            self.reporter
                .status("Dirty", &format!("{} {place}: {dirty}", S::KIND));
        }
        let tools = Tools {
            engines: self.engines,
            store: self.store,
        };
        let output = self.store.put_blob(|file| S::run(input, &tools, file))?;
        let record = ActionRecord {
            kind: S::KIND.to_string(),
            version: S::VERSION,
            engine,
            input: input_json,
            output,
        };
        self.store.put_record(&key, &record)?;
        Ok(Resolved {
            key,
            output,
            status: Status::Executed,
            verified: true,
            dirty: Some(dirty.to_string()),
        })
    }

    fn corrupt(&self, kind: &str, episode: &str, key: ActionKey, hash: &ContentHash) {
        self.reporter.diagnostic(&Diagnostic::warning(format!(
            "cache entry corrupt: {kind} blob {} for {episode} did not match its hash; rebuilding it",
            &hash.hex()[..16]
        )));
        self.corrupt_keys.lock().expect("corrupt keys").insert(key);
        self.store.remove_blob(hash);
    }

    fn failure(&self, episode: &str, kind: &str, error: StepError) -> Failure {
        Failure(Some(Diagnostic::error(format!(
            "{kind} step for episode `{episode}` failed: {error}"
        ))))
    }

    fn sentence_failure(&self, node: &TtsNode, error: StepError) -> Failure {
        let mut diag = Diagnostic::error(format!(
            "could not synthesise a sentence of `{}`: {error}",
            node.episode
        ));
        if let Ok(text) = fs::read_to_string(&node.source) {
            let text: Arc<str> = Arc::from(text);
            let offset = offset_of(&text, node.line, node.column);
            diag = diag.at(Location::new(&node.source, &text, offset..offset + 1));
        }
        self.reporter.diagnostic(&diag);
        Failure(None)
    }

    /// Copies a blob to its published path atomically and records what was published.
    fn publish(
        &self,
        blob: &BlobRef,
        path: &std::path::Path,
        manifest: &std::path::Path,
    ) -> std::io::Result<()> {
        fs::create_dir_all(path.parent().expect("outputs have a parent"))?;
        // Staged in the cache's tmp/ (same filesystem), so a killed build
        // leaves no stray file among the outputs.
        let temp = tempfile::NamedTempFile::new_in(self.store.root().join("tmp"))?;
        fs::copy(self.store.blob_path(&blob.hash), temp.path())?;
        temp.persist(path).map_err(|e| e.error)?;
        let meta = fs::metadata(path)?;
        let record = Published {
            hash: blob.hash,
            size: meta.len(),
            modified_ns: modified_ns(&meta),
        };
        let mut temp = tempfile::NamedTempFile::new_in(self.store.root().join("tmp"))?;
        serde_json::to_writer(&mut temp, &record)?;
        temp.persist(manifest).map_err(|e| e.error)?;
        Ok(())
    }
}

/// What was last copied to a published path. An output is fresh when the
/// file still has the size and modification time it had then.
#[derive(Serialize, Deserialize)]
struct Published {
    hash: ContentHash,
    size: u64,
    modified_ns: u128,
}

fn is_published(path: &std::path::Path, manifest: &std::path::Path, hash: &ContentHash) -> bool {
    let Ok(meta) = fs::metadata(path) else {
        return false;
    };
    let Ok(bytes) = fs::read(manifest) else {
        return false;
    };
    let Ok(record) = serde_json::from_slice::<Published>(&bytes) else {
        return false;
    };
    record.hash == *hash && record.size == meta.len() && record.modified_ns == modified_ns(&meta)
}

fn modified_ns(meta: &fs::Metadata) -> u128 {
    meta.modified()
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_nanos())
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

fn offset_of(text: &str, line: u32, column: u32) -> usize {
    let line_start = text
        .split_inclusive('\n')
        .take(line.saturating_sub(1) as usize)
        .map(str::len)
        .sum::<usize>();
    line_start
        + text[line_start..]
            .char_indices()
            .nth(column.saturating_sub(1) as usize)
            .map_or(0, |(i, _)| i)
}

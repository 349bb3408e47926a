//! The executor: runs the planned steps against the cache, in parallel, with
//! per-key locks so concurrent builds share work instead of repeating it.
//!
//! Work is demand-driven. A step whose record is in the cache is `cached`
//! without reading its blob; blobs are re-hashed only when something reads
//! them, and a corrupt one is a miss: reported, removed and rebuilt.

use std::collections::HashMap;
use std::fs;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::cache::{ActionKey, ActionRecord, BlobRef, BlobState, ContentHash, Store};
use crate::config::Format;
use crate::diagnostic::{Diagnostic, Location};
use crate::engines::Engines;
use crate::plan::{EpisodePlan, TimelineItem};
use crate::project::{TargetLayout, display};
use crate::report::Reporter;
use crate::step::{Step, StepError, Tools, action_key};
use crate::steps::{Assemble, AssembleInput, AssembleItem, Tts, TtsInput, Wav, WavInput};

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
                .map(|sentence| {
                    *index.entry(sentence.key).or_insert_with(|| {
                        tts.push(TtsNode {
                            key: sentence.key,
                            input: sentence.input.clone(),
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

#[derive(Debug, Clone, Copy)]
struct Resolved {
    key: ActionKey,
    output: BlobRef,
    status: Status,
    /// Re-hashed during this build (or written by it).
    verified: bool,
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
}

pub struct PublishedOutput {
    pub episode: String,
    pub format: Format,
    pub path: PathBuf,
}

pub struct BuildOutcome {
    /// Every step of the graph, in graph order (`None` when it failed or was never reached).
    pub steps: Vec<StepOutcome>,
    pub outputs: Vec<PublishedOutput>,
    pub failed: bool,
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
}

impl<'a> Executor<'a> {
    pub fn new(
        graph: &'a BuildGraph,
        store: &'a Store,
        engines: &'a Engines,
        reporter: &'a Reporter,
        layout: &'a TargetLayout,
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
        BuildOutcome {
            steps,
            outputs,
            failed,
        }
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

        let input = assemble_input(plan, &hashes);
        let key = action_key::<Assemble>(&input);
        let mut assemble = match self.store.lookup(&key) {
            Some(record) => self.cached(key, record),
            None => self.assemble(node)?,
        };

        self.reporter.advance(&plan.id);

        let mut wav_key = action_key::<Wav>(&wav_input(plan, assemble.output.hash));
        let mut wav = match self.store.lookup(&wav_key) {
            Some(record) => self.cached(wav_key, record),
            None => {
                self.ensure_assemble(node, &mut assemble)?;
                let input = wav_input(plan, assemble.output.hash);
                wav_key = action_key::<Wav>(&input);
                let id = plan.id.clone();
                self.execute::<Wav>(wav_key, &input, || {
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
                    self.corrupt(Wav::KIND, &plan.id, &wav.output.hash);
                    self.ensure_assemble(node, &mut assemble)?;
                    let input = wav_input(plan, assemble.output.hash);
                    wav = self
                        .execute::<Wav>(action_key::<Wav>(&input), &input, || {})
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
            match self.execute::<Tts>(node.key, &node.input, || {
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
                self.corrupt(Tts::KIND, &node.episode, &resolved.output.hash);
                match self.execute::<Tts>(node.key, &node.input, || {}) {
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
        let input = assemble_input(plan, &hashes);
        self.execute::<Assemble>(action_key::<Assemble>(&input), &input, || {
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
        self.corrupt(Assemble::KIND, &node.plan.id, &assemble.output.hash);
        *assemble = self.assemble(node)?;
        Ok(())
    }

    fn cached(&self, key: ActionKey, record: ActionRecord) -> Resolved {
        Resolved {
            key,
            output: record.output,
            status: Status::Cached,
            verified: false,
        }
    }

    /// Runs one step unless its result is (or, after waiting for its lock,
    /// has become) cached. `announce` runs just before real work starts.
    fn execute<S: Step>(
        &self,
        key: ActionKey,
        input: &S::Input,
        announce: impl FnOnce(),
    ) -> Result<Resolved, StepError> {
        let cached = |record: ActionRecord| Resolved {
            key,
            output: record.output,
            status: Status::Cached,
            verified: false,
        };
        if let Some(record) = self.store.lookup(&key) {
            return Ok(cached(record));
        }
        let _lock = self.store.lock_key(&key)?;
        if let Some(record) = self.store.lookup(&key) {
            return Ok(cached(record));
        }
        announce();
        let tools = Tools {
            engines: self.engines,
            store: self.store,
        };
        let output = self.store.put_blob(|file| S::run(input, &tools, file))?;
        let record = ActionRecord {
            kind: S::KIND.to_string(),
            version: S::VERSION,
            engine: S::engine(input),
            input: serde_json::to_value(input).map_err(|e| StepError::Failed(e.to_string()))?,
            output,
        };
        self.store.put_record(&key, &record)?;
        Ok(Resolved {
            key,
            output,
            status: Status::Executed,
            verified: true,
        })
    }

    fn corrupt(&self, kind: &str, episode: &str, hash: &ContentHash) {
        self.reporter.diagnostic(&Diagnostic::warning(format!(
            "cache entry corrupt: {kind} blob {} for {episode} did not match its hash; rebuilding it",
            &hash.hex()[..16]
        )));
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

fn assemble_input(plan: &EpisodePlan, hashes: &[ContentHash]) -> AssembleInput {
    AssembleInput {
        sample_rate: plan.output.sample_rate,
        channels: plan.output.channels,
        items: plan
            .timeline
            .iter()
            .map(|item| match *item {
                TimelineItem::Speech(i) => AssembleItem::Speech(hashes[i]),
                TimelineItem::SilenceMs(ms) => AssembleItem::SilenceMs(ms),
            })
            .collect(),
    }
}

fn wav_input(plan: &EpisodePlan, pcm: ContentHash) -> WavInput {
    WavInput {
        pcm,
        sample_rate: plan.output.sample_rate,
        channels: plan.output.channels,
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

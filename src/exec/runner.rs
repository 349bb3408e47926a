//! The executor's walker: the pipeline's steps run for real.

use std::cell::RefCell;
use std::collections::HashSet;
use std::path::Path;

use rayon::prelude::*;

use super::executor::{Executor, damaged_again};
use super::graph::EpisodeNode;
use super::outcome::EpisodeResult;
use super::outcome::StepOutcome;
use crate::cache::{BlobRef, ContentHash};
use crate::diagnostic::{Diagnostic, Failure};
use crate::media::{Origin, import};
use crate::pipeline::{self, Runner, Stop, stored_frames};
use crate::place::Place;
use crate::step::{Announce, Step, StepError, action_key};

/// Runs an episode's pipeline for real, recording each step it resolves.
pub(super) struct ExecRunner<'e, 'a> {
    pub(super) exec: &'e Executor<'a>,
    pub(super) episode: &'e str,
    pub(super) steps: RefCell<Vec<StepOutcome>>,
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

    fn frames(&self, blob: &BlobRef, channels: u16) -> Result<u64, Stop> {
        stored_frames(self.exec.store, blob, channels).ok_or(Stop::Corrupt(blob.hash))
    }

    /// Never asked: `read` here makes what is missing or says it is corrupt.
    fn unknown(&self, blob: &BlobRef) -> Result<(), Stop> {
        Err(Stop::Corrupt(blob.hash))
    }
}

impl Executor<'_> {
    /// Walks one episode's pipeline, synthesising its missing sentences
    /// first, and publishes what it produced.
    pub(super) fn episode(&self, node: &EpisodeNode) -> Result<EpisodeResult, Failure> {
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
                .collect::<Result<_, _>>()?;
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
                        Err(Stop::Failed(diag)) => return Err(Failure::Unreported(diag)),
                        Err(_) => return Err(Failure::Unreported(damaged_again(&plan.id))),
                    }
                }
                Err(Stop::Corrupt(hash)) if seen.insert(hash) => self.corrupt(&plan.id, &hash),
                Err(Stop::Corrupt(_)) => return Err(Failure::Unreported(damaged_again(&plan.id))),
                Err(Stop::Failed(diag)) => return Err(Failure::Unreported(diag)),
                Err(Stop::Pending) => unreachable!("the executor runs what is missing"),
            }
        }
    }
}

//! The sentences of a build: resolved once each, whichever episode asks first.

use super::executor::{Executor, Slot, cached};
use super::graph::TtsNode;
use crate::cache::ContentHash;
use crate::diagnostic::{Diagnostic, Failure};
use crate::media::location_of;
use crate::step::StepError;
use crate::steps::{Tts, TtsInput};

impl Executor<'_> {
    /// Resolves a sentence from the cache if it is there; false if it must be synthesised.
    pub(super) fn probe(&self, index: usize) -> bool {
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

    pub(super) fn sentence(&self, index: usize) -> Result<ContentHash, Failure> {
        let node = &self.graph.tts[index];
        let mut slot = self.tts[index].lock().expect("slot lock");
        match &*slot {
            Slot::Failed => return Err(Failure::Reported),
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
                Err(Failure::Reported)
            }
        }
    }

    fn sentence_failure(&self, node: &TtsNode, error: StepError) {
        if let StepError::Engine(why) = &error {
            // Not the sentence's fault: no script line to point at, and
            // every sentence of that engine would say the same.
            if self.engine_errors.lock().expect("said").insert(why.clone()) {
                self.reporter.diagnostic(&Diagnostic::error(why.clone()));
            }
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

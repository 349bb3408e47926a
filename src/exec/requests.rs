//! Sentences for network engines, sent ahead: an HTTP request waits on a
//! server, not on a CPU, so such sentences are not left to the `-j` CPU
//! workers. Each network engine gets its own threads, as many as it takes
//! requests at once, which work through its sentences in plan order while
//! the CPU workers assemble and encode; an episode that reaches a sentence
//! still in flight waits for that one.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread::Scope;

use super::executor::Executor;

impl<'a> Executor<'a> {
    /// Starts the request threads of every network engine the build uses.
    pub(super) fn start_requests<'scope>(&'scope self, scope: &'scope Scope<'scope, '_>) {
        let mut by_engine: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
        for (index, node) in self.graph.tts.iter().enumerate() {
            let engine = node.input.engine.name.as_str();
            if self.engines.requests_at_once(engine).is_some() {
                by_engine.entry(engine).or_default().push(index);
            }
        }
        for (engine, sentences) in by_engine {
            let Some(at_once) = self.engines.requests_at_once(engine) else {
                continue;
            };
            let sentences = std::sync::Arc::new(sentences);
            let next = std::sync::Arc::new(AtomicUsize::new(0));
            for _ in 0..at_once.min(sentences.len()) {
                let (sentences, next) = (sentences.clone(), next.clone());
                scope.spawn(move || {
                    while let Some(&index) = sentences.get(next.fetch_add(1, Ordering::Relaxed)) {
                        // Failures are recorded in the sentence's slot and
                        // said by `sentence`; the episode that needs it fails.
                        let _ = self.sentence(index);
                    }
                });
            }
        }
    }
}

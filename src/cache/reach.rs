//! Which cache entries the current project reaches, and through what: an
//! orphan is an entry the project can no longer reach, not a guess from its age.

use std::collections::HashMap;
use std::sync::Arc;

use super::key::{ActionKey, ContentHash};
use super::store::Store;
use crate::plan::EpisodePlan;
use crate::step::action_key;
use crate::steps::{Assemble, AssembleInput, TtsPart, Wav, WavInput};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Owner {
    pub episode: String,
    /// `sentence 3 "Hello there."`, `assemble` or `wav`.
    pub what: String,
}

#[derive(Debug, Default)]
pub struct Reach {
    pub owners: HashMap<ActionKey, Vec<Owner>>,
}

impl Reach {
    /// Follows each episode from its sentences through the records in the
    /// cache to its `assemble` and `wav` entries.
    pub fn of(store: &Store, plans: &[Arc<EpisodePlan>]) -> Reach {
        let mut reach = Reach::default();
        for plan in plans {
            let mut speech: Vec<ContentHash> = Vec::new();
            for (n, sentence) in plan.sentences.iter().enumerate() {
                let text: Vec<&str> = sentence
                    .input
                    .parts
                    .iter()
                    .filter_map(|p| match p {
                        TtsPart::Text(t) => Some(t.as_str()),
                        TtsPart::BreakMs(_) => None,
                    })
                    .collect();
                reach.add(
                    sentence.key,
                    &plan.id,
                    format!("sentence {} \"{}\"", n + 1, text.join(" ")),
                );
                if let Some(record) = store.read_record(&sentence.key) {
                    speech.push(record.output.hash);
                }
            }
            if speech.len() != plan.sentences.len() {
                continue;
            }
            let assemble = action_key::<Assemble>(&AssembleInput::for_episode(plan, &speech));
            reach.add(assemble, &plan.id, "assemble".into());
            let Some(record) = store.read_record(&assemble) else {
                continue;
            };
            let wav = action_key::<Wav>(&WavInput::for_episode(plan, record.output.hash));
            reach.add(wav, &plan.id, "wav".into());
        }
        reach
    }

    fn add(&mut self, key: ActionKey, episode: &str, what: String) {
        self.owners.entry(key).or_default().push(Owner {
            episode: episode.to_string(),
            what,
        });
    }

    pub fn reaches(&self, key: &ActionKey) -> bool {
        self.owners.contains_key(key)
    }
}

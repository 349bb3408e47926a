//! Which cache entries the current project reaches, and through what: an
//! orphan is an entry the project can no longer reach, not a guess from its age.

use std::cell::RefCell;
use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use super::show::SHOW;
use super::{Produced, Runner, Stop, stored_frames};
use crate::cache::{ActionKey, BlobRef, ContentHash, Store};
use crate::media::{Origin, media_hash};
use crate::pipeline;
use crate::place::Place;
use crate::plan::EpisodePlan;
use crate::show::ShowPlan;
use crate::step::{Step, action_key};
use crate::steps::TtsPart;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Owner {
    pub episode: String,
    /// `sentence 3 "Hello there."`, `mix`, `mp3`...
    pub what: String,
}

#[derive(Debug, Default)]
pub struct Reach {
    pub owners: HashMap<ActionKey, Vec<Owner>>,
}

/// Walks an episode's pipeline through the records that exist.
struct ReachRunner<'a> {
    store: &'a Store,
    episode: &'a str,
    reach: &'a RefCell<Reach>,
}

impl Runner for ReachRunner<'_> {
    fn step<S: Step>(&self, place: &Place, input: &S::Input) -> Result<BlobRef, Stop> {
        let key = action_key::<S>(input);
        let record = self.store.read_record(&key).ok_or(Stop::Pending)?;
        self.reach
            .borrow_mut()
            .add(key, self.episode, place.within_episode().to_string());
        Ok(record.output)
    }

    fn import(&self, file: &Path, origin: &Origin) -> Result<ContentHash, Stop> {
        media_hash(file, origin).map_err(Stop::Failed)
    }

    fn read(&self, blob: &BlobRef) -> Result<Vec<u8>, Stop> {
        self.store
            .read_verified(&blob.hash)
            .map_err(|_| Stop::Pending)
    }

    fn frames(&self, blob: &BlobRef, channels: u16) -> Result<u64, Stop> {
        stored_frames(self.store, blob, channels).ok_or(Stop::Pending)
    }

    /// Reachability follows only what exists: an unreadable timeline ends the walk.
    fn unknown(&self, _blob: &BlobRef) -> Result<(), Stop> {
        Err(Stop::Pending)
    }
}

impl Reach {
    /// Follows each episode from its sentences through the records in the
    /// cache to every step after them.
    /// The show stage's records are followed when every episode it lists is.
    pub fn of(store: &Store, plans: &[Arc<EpisodePlan>], show: Option<&ShowPlan>) -> Reach {
        let reach = RefCell::new(Reach::default());
        let mut produced: HashMap<&str, Produced> = HashMap::new();
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
                reach.borrow_mut().add(
                    sentence.key,
                    &plan.id,
                    format!("sentence {} \"{}\"", n + 1, text.join(" ")),
                );
                if let Some(record) = store.read_record(&sentence.key) {
                    speech.push(record.output.hash);
                }
            }
            if speech.len() == plan.sentences.len() {
                let runner = ReachRunner {
                    store,
                    episode: &plan.id,
                    reach: &reach,
                };
                if let Ok(made) = pipeline::episode(&runner, plan, &speech) {
                    produced.insert(&plan.id, made);
                }
            }
        }
        if let Some(show) = show {
            let runner = ReachRunner {
                store,
                episode: SHOW,
                reach: &reach,
            };
            let _ = pipeline::show::show(&runner, show, |plan| produced.get(plan.id.as_str()));
        }
        reach.into_inner()
    }

    fn add(&mut self, key: ActionKey, episode: &str, what: String) {
        let owners = self.owners.entry(key).or_default();
        let owner = Owner {
            episode: episode.to_string(),
            what,
        };
        if !owners.contains(&owner) {
            owners.push(owner);
        }
    }

    pub fn reaches(&self, key: &ActionKey) -> bool {
        self.owners.contains_key(key)
    }
}

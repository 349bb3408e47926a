//! The probe: walks an episode's pipeline through the cache without running
//! anything, and lists every step a build would reach, each fresh, dirty, or
//! waiting on a dirty one. `pod status` prints it; the build's progress bar
//! counts it. Both come from this one walk, so neither keeps a list of steps.

use std::cell::RefCell;
use std::collections::{BTreeMap, HashSet};
use std::path::Path;

use serde_json::Value;

use super::show::{ShowProduced, show};
use super::{Produced, Runner, Stop, episode, stored_frames};
use crate::cache::{ActionKey, BlobRef, ContentHash, Store};
use crate::media::{Origin, media_hash};
use crate::place::Place;
use crate::plan::EpisodePlan;
use crate::show::ShowPlan;
use crate::step::{Step, action_key};

/// One step the build would reach.
pub struct Probed {
    pub kind: &'static str,
    pub place: Place,
    /// `None` when its input depends on a step not run yet.
    pub key: Option<ActionKey>,
    pub state: State,
}

pub enum State {
    Fresh,
    /// Not cached: what `explain` needs to say why.
    Dirty {
        version: u32,
        input: Value,
    },
    /// Its input is made by the step of this kind, which is dirty.
    After(String),
}

impl Probed {
    pub fn is_dirty(&self) -> bool {
        !matches!(self.state, State::Fresh)
    }
}

/// An episode's steps in walk order (each key once, as the executor counts
/// them), and what it would produce (stand-in hashes for what is not made).
pub struct EpisodeProbe {
    pub steps: Vec<Probed>,
    pub produced: Produced,
    /// Stand-in hashes (hex) -> the step that would make them, and the
    /// step the walk went blind after: what the show stage waits on.
    stand_ins: BTreeMap<String, String>,
    blind: Option<String>,
}

/// The show stage's steps and outputs, as the probe finds them.
pub struct ShowProbe {
    pub steps: Vec<Probed>,
    pub produced: ShowProduced,
}

/// What a step's output is or will be, if the cache knows: its blob, or
/// the record of a blob since lost (made again byte for byte).
pub fn known_output(store: &Store, key: &ActionKey) -> Option<ContentHash> {
    match store.lookup(key) {
        Some(record) => Some(record.output.hash),
        None => store.read_record(key).map(|record| record.output.hash),
    }
}

/// A hash for an output not made yet, derived from the key that will make it.
pub fn stand_in(key: &ActionKey) -> ContentHash {
    ContentHash(*blake3::hash(key.hex().as_bytes()).as_bytes())
}

/// Probes one episode. `speech` is each sentence's key and, if cached, its
/// speech; a missing sentence is a stand-in that the steps after it wait on.
pub fn probe(
    store: &Store,
    plan: &EpisodePlan,
    speech: &[(ActionKey, Option<ContentHash>)],
) -> Result<EpisodeProbe, Stop> {
    let runner = ProbeRunner::new(store);
    let hashes: Vec<ContentHash> = speech
        .iter()
        .map(|(key, cached)| {
            cached.unwrap_or_else(|| {
                let hash = stand_in(key);
                runner
                    .stand_ins
                    .borrow_mut()
                    .insert(hash.hex(), crate::steps::Tts::KIND.to_string());
                hash
            })
        })
        .collect();
    let produced = episode(&runner, plan, &hashes)?;
    Ok(EpisodeProbe {
        steps: runner.steps.into_inner(),
        produced,
        stand_ins: runner.stand_ins.into_inner(),
        blind: runner.blind.into_inner(),
    })
}

/// Probes the show stage after its episodes' probes (by episode id): a
/// feed listing an output not made yet runs after the step that makes it.
pub fn probe_show(
    store: &Store,
    plan: &ShowPlan,
    episodes: &[(&str, &EpisodeProbe)],
) -> Result<ShowProbe, Stop> {
    let runner = ProbeRunner::new(store);
    for (_, probed) in episodes {
        // Only the episodes it lists hold the feed up.
        runner
            .stand_ins
            .borrow_mut()
            .extend(probed.stand_ins.clone());
    }
    // An episode whose timeline is not known holds up only the show's
    // steps that read it (`Runner::reading`).
    *runner.blind_episodes.borrow_mut() = episodes
        .iter()
        .filter_map(|(id, p)| Some((id.to_string(), p.blind.clone()?)))
        .collect();
    let produced = show(&runner, plan, |episode| {
        episodes
            .iter()
            .find(|(id, _)| *id == episode.id)
            .map(|(_, p)| &p.produced)
    })?;
    Ok(ShowProbe {
        steps: runner.steps.into_inner(),
        produced,
    })
}

struct ProbeRunner<'a> {
    store: &'a Store,
    steps: RefCell<Vec<Probed>>,
    seen: RefCell<HashSet<ActionKey>>,
    /// Stand-in hashes (hex) for outputs not made yet -> the step that would make them.
    stand_ins: RefCell<BTreeMap<String, String>>,
    /// Set once the walk needs the content of an output not made yet (the
    /// timeline, a decoded layer's length): every step after it waits on it.
    blind: RefCell<Option<String>>,
    /// In the show stage: the episodes whose walk went blind, and the step
    /// it went blind after.
    blind_episodes: RefCell<BTreeMap<String, String>>,
}

impl<'a> ProbeRunner<'a> {
    fn new(store: &'a Store) -> ProbeRunner<'a> {
        ProbeRunner {
            store,
            steps: RefCell::new(Vec::new()),
            seen: RefCell::new(HashSet::new()),
            stand_ins: RefCell::new(BTreeMap::new()),
            blind: RefCell::new(None),
            blind_episodes: RefCell::new(BTreeMap::new()),
        }
    }

    fn made_by(&self, blob: &BlobRef) -> Option<String> {
        self.stand_ins.borrow().get(&blob.hash.hex()).cloned()
    }

    fn go_blind(&self, blob: &BlobRef) {
        let kind = self
            .made_by(blob)
            .unwrap_or_else(|| "cache repair".to_string());
        self.blind.borrow_mut().get_or_insert(kind);
    }
}

impl Runner for ProbeRunner<'_> {
    fn step<S: Step>(&self, place: &Place, input: &S::Input) -> Result<BlobRef, Stop> {
        let key = action_key::<S>(input);
        let stand_in = BlobRef {
            hash: stand_in(&key),
            size: 0,
            frames: None,
        };
        // A step the walk reaches twice (the same file as intro and outro)
        // is one step, as the executor counts it.
        let first = self.seen.borrow_mut().insert(key);
        // A step reading a stand-in cannot be keyed: it runs after that step.
        let after = self.blind.borrow().clone().or_else(|| {
            let text = serde_json::to_string(input).expect("inputs serialise");
            self.stand_ins
                .borrow()
                .iter()
                .find(|(hash, _)| text.contains(hash.as_str()))
                .map(|(_, kind)| kind.clone())
        });
        if let Some(kind) = after {
            // Its input is not known, so neither is its key: steps at two
            // places (two chapters' segments) are two steps even when their
            // stand-in inputs happen to look alike.
            let first = !self.steps.borrow().iter().any(|p| p.place == *place);
            if first {
                self.steps.borrow_mut().push(Probed {
                    kind: S::KIND,
                    place: place.clone(),
                    key: None,
                    state: State::After(kind.clone()),
                });
            }
            self.stand_ins
                .borrow_mut()
                .insert(stand_in.hash.hex(), kind);
            return Ok(stand_in);
        }
        let record = self.store.lookup(&key);
        if first {
            let state = match record {
                Some(_) => State::Fresh,
                None => State::Dirty {
                    version: S::VERSION,
                    input: serde_json::to_value(input).expect("inputs serialise"),
                },
            };
            self.steps.borrow_mut().push(Probed {
                kind: S::KIND,
                place: place.clone(),
                key: Some(key),
                state,
            });
        }
        match record {
            Some(record) => Ok(record.output),
            None => match self.store.read_record(&key) {
                // Only the blob is gone: steps are deterministic, so it will
                // be made again byte for byte and the steps after it hit.
                Some(record) => Ok(record.output),
                // What a missing step would make is known only by its key: the
                // walk goes on with a stand-in, so the steps that hash it show
                // as "runs after", the rest (such as transcripts after a music
                // change) as they really are.
                None => {
                    self.stand_ins
                        .borrow_mut()
                        .insert(stand_in.hash.hex(), S::KIND.to_string());
                    Ok(stand_in)
                }
            },
        }
    }

    fn import(&self, file: &Path, origin: &Origin) -> Result<ContentHash, Stop> {
        media_hash(file, origin).map_err(Stop::Failed)
    }

    fn read(&self, blob: &BlobRef) -> Result<Vec<u8>, Stop> {
        if self.made_by(blob).is_some() {
            return Err(Stop::Pending);
        }
        self.store
            .read_verified(&blob.hash)
            .map_err(|_| Stop::Pending)
    }

    /// A length not known yet (its decoding is pending) holds up what
    /// follows; the walk goes on with a placeholder.
    fn frames(&self, blob: &BlobRef, channels: u16) -> Result<u64, Stop> {
        if self.made_by(blob).is_none()
            && let Some(frames) = stored_frames(self.store, blob, channels)
        {
            return Ok(frames);
        }
        self.go_blind(blob);
        Ok(0)
    }

    fn unknown(&self, blob: &BlobRef) -> Result<(), Stop> {
        self.go_blind(blob);
        Ok(())
    }

    fn reading<T>(&self, ids: &[&str], walk: impl FnOnce() -> Result<T, Stop>) -> Result<T, Stop> {
        let held_by = ids
            .iter()
            .find_map(|id| self.blind_episodes.borrow().get(*id).cloned());
        let Some(kind) = held_by else {
            return walk();
        };
        let before = self.blind.replace(Some(kind));
        let walked = walk();
        *self.blind.borrow_mut() = before;
        walked
    }
}

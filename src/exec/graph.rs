//! The build graph: each distinct sentence once, and the episodes that speak them.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

use crate::cache::{ActionKey, ContentHash, Store};
use crate::pipeline::probe::{known_output, probe, probe_show};
use crate::place::Place;
use crate::plan::EpisodePlan;
use crate::show::ShowPlan;
use crate::steps::TtsInput;

/// The sentences of one build (each distinct sentence once) and its episodes.
pub(crate) struct BuildGraph {
    pub(crate) tts: Vec<TtsNode>,
    pub(crate) episodes: Vec<EpisodeNode>,
    /// The show stage after every episode (the feed), when there is one.
    pub(crate) show: Option<Arc<ShowPlan>>,
}

pub(crate) struct TtsNode {
    pub(crate) key: ActionKey,
    pub(crate) input: Arc<TtsInput>,
    /// Logical place of its first occurrence, for `--explain`.
    pub(crate) logical: Place,
    /// The first episode that speaks this sentence, and where.
    pub(crate) episode: String,
    pub(crate) source: PathBuf,
    pub(crate) line: u32,
    pub(crate) column: u32,
}

pub(crate) struct EpisodeNode {
    pub(crate) plan: Arc<EpisodePlan>,
    /// For each of the plan's sentences, its node in `BuildGraph::tts`.
    pub(crate) tts: Vec<usize>,
}

impl BuildGraph {
    pub(crate) fn new(plans: &[Arc<EpisodePlan>]) -> BuildGraph {
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
        BuildGraph {
            tts,
            episodes,
            show: None,
        }
    }

    pub(crate) fn with_show(mut self, show: Option<Arc<ShowPlan>>) -> BuildGraph {
        self.show = show;
        self
    }

    /// How many steps the build reports: the distinct sentences, and each
    /// episode's steps as the probe (`pod status`'s walk) finds them.
    pub(crate) fn step_count(&self, store: &Store) -> usize {
        let speech: Vec<Option<ContentHash>> = self
            .tts
            .iter()
            .map(|node| known_output(store, &node.key))
            .collect();
        let probes: Vec<_> = self
            .episodes
            .iter()
            .map(|e| {
                let speech: Vec<_> = e
                    .tts
                    .iter()
                    .map(|&i| (self.tts[i].key, speech[i]))
                    .collect();
                probe(store, &e.plan, &speech)
            })
            .collect();
        // An episode that will fail to walk (a bad media file) counts
        // none: the build reports it as an error, not as steps.
        let episodes: usize = probes.iter().flatten().map(|p| p.steps.len()).sum();
        let show = self.show.as_ref().map_or(0, |show| {
            let probed: Vec<_> = self
                .episodes
                .iter()
                .zip(&probes)
                .filter_map(|(e, p)| Some((e.plan.id.as_str(), p.as_ref().ok()?)))
                .collect();
            probe_show(store, show, &probed).map_or(0, |p| p.steps.len())
        });
        self.tts.len() + episodes + show
    }
}

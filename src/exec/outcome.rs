//! What a build did: each step's outcome, the published outputs, their loudness.

use std::path::PathBuf;

use serde::Serialize;

use crate::cache::{ActionKey, BuildUsage};
use crate::config::Format;
use crate::pipeline::Produced;
use crate::place::Place;
use crate::steps::measure::Measurement;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Status {
    Executed,
    Cached,
    /// Downloaded from the shared remote cache.
    Remote,
}

pub(crate) struct StepOutcome {
    pub(crate) kind: &'static str,
    pub(crate) episode: String,
    /// Its logical place (`a/mix`, `a/measure/mp3`), for `--explain` next time.
    pub(crate) place: Place,
    pub(crate) key: ActionKey,
    pub(crate) status: Status,
    pub(crate) dirty: Option<String>,
}

pub(crate) struct PublishedOutput {
    /// `@show` for the show's own files (the feed).
    pub(crate) episode: String,
    /// The format's name, or `feed` for the show's files.
    pub(crate) format: &'static str,
    pub(crate) path: PathBuf,
    /// Written by this build (new or different bytes), so a pipeline
    /// publishes only these.
    pub(crate) changed: bool,
}

/// The loudness of one published audio file, and whether it met its target.
pub(crate) struct LoudnessReport {
    pub(crate) episode: String,
    pub(crate) format: Format,
    pub(crate) measurement: Measurement,
    pub(crate) target_lufs: f64,
    pub(crate) ceiling_db: f64,
    pub(crate) ok: bool,
}

pub(crate) struct BuildOutcome {
    /// Every step that completed, in graph order.
    pub(crate) steps: Vec<StepOutcome>,
    pub(crate) outputs: Vec<PublishedOutput>,
    pub(crate) loudness: Vec<LoudnessReport>,
    pub(crate) failed: bool,
    /// What this build used, for the cache index.
    pub(crate) usage: BuildUsage,
}

pub(super) struct EpisodeResult {
    pub(super) steps: Vec<StepOutcome>,
    pub(super) outputs: Vec<PublishedOutput>,
    pub(super) loudness: Vec<LoudnessReport>,
    /// What the show stage reads of it.
    pub(super) produced: Produced,
}

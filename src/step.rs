//! The `Step` trait: a unit of work whose result is cached under the hash of
//! everything it reads (DESIGN.md, invariant 1).
//!
//! `run` receives its typed input and nothing else that could change its
//! result: no config, no environment, no clock. It also gets `Tools`, which
//! are capabilities without settings: the engines (whose identity is part of
//! the input of the steps that use them) and a read-only view of blobs
//! (addressed only by content hash).

use std::fs::File;

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::cache::{ActionKey, Blobs, ContentHash};
use crate::engines::Engines;

pub trait Step {
    /// Stable name, used in keys, messages and `ac/` records.
    const KIND: &'static str;
    /// Bump when `run` changes what it produces for the same input.
    const VERSION: u32;
    /// How the build announces that it runs this step.
    const ANNOUNCE: Announce = Announce::Verbose;
    /// A failure is the fault of a file the user named (a sound that will
    /// not decode), so its message stands alone, for the walk to place.
    const FAILS_ON_USER_FILE: bool = false;
    type Input: Serialize + DeserializeOwned + std::fmt::Debug + Send + Sync;

    /// Writes the step's one output blob to `out`.
    fn run(input: &Self::Input, tools: &Tools, out: &mut File) -> Result<(), StepError>;

    /// Frames of audio in what `run` wrote (`output`, at its start), for
    /// a step whose length others need before reading it; the record keeps it.
    fn frames(_output: &mut File) -> std::io::Result<Option<u64>> {
        Ok(None)
    }
}

/// How the build announces a step it runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Announce {
    /// `{verb} {episode}` on the normal output (`Assembling ep1`).
    Status(&'static str),
    /// `Running {kind} {place}`, only with `-v`: most steps are too many to list.
    Verbose,
    /// `{verb} {place}`, only with `-v`.
    VerbosePlace(&'static str),
}

pub struct Tools<'a> {
    pub engines: &'a Engines,
    pub blobs: Blobs<'a>,
}

#[derive(Debug, thiserror::Error)]
pub enum StepError {
    #[error("{0}")]
    Failed(String),
    /// The engine could not be set up: about no sentence in particular.
    #[error("{0}")]
    Engine(String),
    /// An upstream blob did not match its hash: the executor re-creates it.
    #[error("cache blob {0} is corrupt")]
    CorruptInput(ContentHash),
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

pub fn action_key<S: Step>(input: &S::Input) -> ActionKey {
    ActionKey::of(S::KIND, S::VERSION, input)
}

//! The `Step` trait: a unit of work whose result is cached under the hash of
//! everything it reads (DESIGN.md, invariant 1).
//!
//! `run` receives its typed input and nothing else that could change its
//! result: no config, no environment, no clock. It also gets `Tools`, which
//! are capabilities without settings: the engines (whose identity is part of
//! the input of the steps that use them) and the blob store (addressed only
//! by content hash).

use std::fs::File;

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::cache::{ActionKey, ContentHash, Store};
use crate::engines::Engines;

pub trait Step {
    /// Stable name, used in keys, messages and `ac/` records.
    const KIND: &'static str;
    /// Bump when `run` changes what it produces for the same input.
    const VERSION: u32;
    type Input: Serialize + DeserializeOwned + std::fmt::Debug + Send + Sync;

    /// Writes the step's one output blob to `out`.
    fn run(input: &Self::Input, tools: &Tools, out: &mut File) -> Result<(), StepError>;
}

pub struct Tools<'a> {
    pub engines: &'a Engines,
    pub store: &'a Store,
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

/// What a key is the hash of, serialised canonically (struct fields in
/// declaration order, maps sorted, no floats).
#[derive(Serialize)]
struct KeyMaterial<'a, I> {
    kind: &'a str,
    version: u32,
    input: &'a I,
}

pub fn action_key<S: Step>(input: &S::Input) -> ActionKey {
    let material = KeyMaterial {
        kind: S::KIND,
        version: S::VERSION,
        input,
    };
    let bytes = serde_json::to_vec(&material).expect("step inputs serialise");
    ActionKey(*blake3::hash(&bytes).as_bytes())
}

//! Text-to-speech engines behind one trait. An engine is a capability, not a
//! setting: everything that changes what it says arrives in the `tts` step's
//! input, and the engine's name and version are part of every key.

#[cfg(feature = "embedded-voice")]
mod embedded;
pub mod hibari;

use std::path::PathBuf;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use crate::config::Voice;

/// Every engine name a config may use.
pub const NAMES: &[&str] = &["embedded"];
pub const DEFAULT: &str = "embedded";

/// An engine's identity for cache keys: a new engine version means new keys.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct EngineId {
    pub name: String,
    pub version: String,
}

pub fn identity(name: &str) -> EngineId {
    let version = match name {
        #[cfg(feature = "embedded-voice")]
        "embedded" => embedded::VERSION.to_string(),
        _ => "unavailable".to_string(),
    };
    EngineId {
        name: name.to_string(),
        version,
    }
}

/// Checks at planning time that `voice` exists in `engine`.
pub fn check_voice(engine: &str, voice: &str) -> Result<(), String> {
    match engine {
        "embedded" => embedded_voice_check(voice),
        other => Err(format!("unknown engine `{other}`")),
    }
}

#[cfg(feature = "embedded-voice")]
fn embedded_voice_check(voice: &str) -> Result<(), String> {
    embedded::check_voice(voice)
}

#[cfg(not(feature = "embedded-voice"))]
fn embedded_voice_check(_voice: &str) -> Result<(), String> {
    // Checked when it is used: a pod without the embedded voice can still
    // plan and clean projects that name it.
    Ok(())
}

/// Mono 16-bit speech as an engine produced it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Speech {
    pub sample_rate: u32,
    pub samples: Vec<i16>,
}

pub trait Engine: Send + Sync {
    /// Speaks `text` with `voice`. Deterministic: same input, same samples.
    fn synthesize(&self, voice: &Voice, text: &str) -> Result<Speech, String>;
}

/// The engines of one process. Each is set up the first time a step needs it,
/// so a build with nothing to synthesise never touches them.
pub struct Engines {
    data_root: PathBuf,
    #[cfg(feature = "embedded-voice")]
    embedded: OnceLock<Result<embedded::Embedded, String>>,
    #[cfg(not(feature = "embedded-voice"))]
    embedded: OnceLock<()>,
}

impl Engines {
    /// `data_root` is where engines may unpack their data (under the cache).
    pub fn new(data_root: PathBuf) -> Engines {
        Engines {
            data_root,
            embedded: OnceLock::new(),
        }
    }

    pub fn get(&self, name: &str) -> Result<&dyn Engine, String> {
        match name {
            "embedded" => self.embedded(),
            other => Err(format!("unknown engine `{other}`")),
        }
    }

    #[cfg(feature = "embedded-voice")]
    fn embedded(&self) -> Result<&dyn Engine, String> {
        match self
            .embedded
            .get_or_init(|| embedded::Embedded::install(&self.data_root))
        {
            Ok(engine) => Ok(engine),
            Err(e) => Err(e.clone()),
        }
    }

    #[cfg(not(feature = "embedded-voice"))]
    fn embedded(&self) -> Result<&dyn Engine, String> {
        let _ = (&self.data_root, &self.embedded);
        Err(
            "the embedded voice is not in this build of pod (it was built without the \
             `embedded-voice` feature); rebuild with default features or choose another engine"
                .to_string(),
        )
    }
}

//! Text-to-speech engines as plug-ins: one file per engine and one line in
//! `ENGINES`. An engine declares its voice settings (checked and resolved at
//! planning time), reports its identity (name and version, probed once per
//! build where it is a program), and speaks. Everything that changes what it
//! says arrives in the `tts` step's input, identity included, so the key
//! holds it because the input does (DESIGN.md, invariants 1 and 2).

mod espeak;
mod espeak_ng;
pub mod files;
pub mod hibari;
mod limit;
mod piper;
mod retry;
pub mod settings;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use limit::Limit;

pub use settings::{Setting, SettingValue, VoiceSettings, Written};

/// Every engine pod has, in the order messages list them.
pub const ENGINES: &[&dyn Engine] = &[
    &hibari::engine::HIBARI,
    &espeak::ESPEAK,
    &espeak_ng::ESPEAK_NG,
    &piper::PIPER,
];
pub const DEFAULT: &str = "hibari";

/// The engine a config names, if pod has it.
pub fn find(name: &str) -> Option<&'static dyn Engine> {
    ENGINES.iter().copied().find(|e| e.name() == name)
}

/// How each engine that takes a file setting `key` (a voice `model`)
/// reads it: the engine's name, the check of the file and its companion.
/// `engine` narrows to one engine where the layer names it.
pub fn file_checks(
    engine: Option<&str>,
    key: &str,
) -> Vec<(&'static str, files::Check, Option<files::Companion>)> {
    ENGINES
        .iter()
        .filter(|e| engine.is_none_or(|name| e.name() == name))
        .flat_map(|e| e.settings().iter().map(move |setting| (e.name(), setting)))
        .filter_map(|(name, setting)| match setting.kind {
            settings::Kind::File {
                check, companion, ..
            } if setting.key == key => Some((name, check, companion)),
            _ => None,
        })
        .collect()
}

pub fn names() -> impl Iterator<Item = &'static str> + Clone {
    ENGINES.iter().map(|e| e.name())
}

/// An engine's identity in keys: a new engine version means new keys.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct EngineId {
    pub name: String,
    pub version: String,
}

/// The versions of the engines named in `used`, probed now: done once per
/// build and handed to planning as an input, so planning itself stays pure.
pub fn probe_versions(used: &BTreeSet<String>) -> BTreeMap<String, String> {
    ENGINES
        .iter()
        .filter(|e| used.contains(e.name()))
        .map(|e| (e.name().to_string(), e.version()))
        .collect()
}

/// Mono 16-bit speech as an engine produced it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Speech {
    pub sample_rate: u32,
    pub samples: Vec<i16>,
}

/// Why an engine did not speak.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EngineError {
    /// The engine cannot run here at all (not installed, data unpackable):
    /// about no sentence in particular.
    #[error("{0}")]
    Unavailable(String),
    /// Worth trying again later (a timeout, HTTP 429 or 5xx).
    #[error("{0}")]
    Retryable(String),
    /// This request fails and will fail again.
    #[error("{0}")]
    Failed(String),
}

/// One TTS engine. Implementations are unit structs listed in `ENGINES`.
pub trait Engine: Sync {
    /// What `engine = "..."` says.
    fn name(&self) -> &'static str;
    /// Every voice setting the engine takes, with its kind, range and default.
    fn settings(&self) -> &'static [Setting];
    /// The version that goes into keys. For a program, asked of the program;
    /// a placeholder when it is missing (the build then fails when it needs it,
    /// while planning, `status` and `clean` still work).
    fn version(&self) -> String;
    /// How many requests the engine takes at once; `None` for as many as
    /// the build runs in parallel (`-j`). A cloud API's concurrency limit
    /// goes here.
    fn parallel(&self) -> Option<usize> {
        None
    }
    /// Sets the engine up for this process; `data_root` is where it may
    /// unpack data (under the cache), `project_root` where the paths of its
    /// file settings (a voice `model`) start.
    fn start(&self, data_root: &Path, project_root: &Path)
    -> Result<Box<dyn Speaker>, EngineError>;
}

/// A started engine.
pub trait Speaker: Send + Sync {
    /// Speaks `text` with `voice` (this engine's resolved settings).
    /// Deterministic: same input, same samples.
    fn speak(&self, voice: &VoiceSettings, text: &str) -> Result<Speech, EngineError>;
}

/// A whole-number setting of a resolved voice; planning put every key there.
pub fn whole(voice: &VoiceSettings, key: &str) -> Result<u32, EngineError> {
    match voice.get(key) {
        Some(SettingValue::Whole(v)) => Ok(*v),
        _ => Err(EngineError::Failed(format!(
            "voice setting `{key}` is missing or not a number"
        ))),
    }
}

/// A decimal setting of a resolved voice.
pub fn decimal(voice: &VoiceSettings, key: &str) -> Result<f64, EngineError> {
    match voice.get(key) {
        Some(SettingValue::Decimal(v)) => Ok(v.0),
        _ => Err(EngineError::Failed(format!(
            "voice setting `{key}` is missing or not a number"
        ))),
    }
}

/// A name setting of a resolved voice.
pub fn text<'a>(voice: &'a VoiceSettings, key: &str) -> Result<&'a str, EngineError> {
    match voice.get(key) {
        Some(SettingValue::Text(v)) => Ok(v),
        _ => Err(EngineError::Failed(format!(
            "voice setting `{key}` is missing or not a name"
        ))),
    }
}

/// The engines of one process. Each is started the first time a step needs
/// it, so a build with nothing to synthesise never touches them.
pub struct Engines {
    data_root: PathBuf,
    project_root: PathBuf,
    started: Vec<OnceLock<Result<Box<dyn Speaker>, EngineError>>>,
    limits: Vec<Option<Limit>>,
}

impl Engines {
    pub fn new(data_root: PathBuf, project_root: PathBuf) -> Engines {
        Engines {
            data_root,
            project_root,
            started: ENGINES.iter().map(|_| OnceLock::new()).collect(),
            limits: ENGINES
                .iter()
                .map(|e| e.parallel().map(Limit::new))
                .collect(),
        }
    }

    /// Speaks `text` with engine `name`: started on first use, within its
    /// limit of requests at once, retrying what is worth retrying.
    pub fn speak(
        &self,
        name: &str,
        voice: &VoiceSettings,
        text: &str,
    ) -> Result<Speech, EngineError> {
        let Some(index) = ENGINES.iter().position(|e| e.name() == name) else {
            return Err(EngineError::Unavailable(format!("unknown engine `{name}`")));
        };
        let speaker = match self.started[index]
            .get_or_init(|| ENGINES[index].start(&self.data_root, &self.project_root))
        {
            Ok(speaker) => speaker.as_ref(),
            Err(e) => return Err(e.clone()),
        };
        retry::with_retries(retry::ATTEMPTS, retry::FIRST_WAIT, || {
            let _permit = self.limits[index].as_ref().map(Limit::acquire);
            speaker.speak(voice, text)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn engine_names_are_unique_and_the_default_exists() {
        let mut names: Vec<_> = names().collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), ENGINES.len());
        assert!(find(DEFAULT).is_some());
    }

    /// A required file (piper's `model`) has no default: unset, it is the
    /// one error.
    #[test]
    fn every_default_passes_its_own_check() {
        for engine in ENGINES {
            let resolved = settings::resolve(
                engine.name(),
                engine.settings(),
                &BTreeMap::new(),
                &[],
                None,
            );
            let required = |key: &str| {
                engine.settings().iter().any(|s| {
                    s.key == key && matches!(s.kind, settings::Kind::File { required: true, .. })
                })
            };
            match resolved {
                Ok(_) => {}
                Err(e) => assert!(required(&e.key), "{}: {e:?}", engine.name()),
            }
        }
    }
}

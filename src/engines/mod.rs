//! Text-to-speech engines as plug-ins: one file per engine and one line in
//! `ENGINES`. An engine declares its voice settings (checked and resolved at
//! planning time), reports its identity (name and version, probed once per
//! build where it is a program), and speaks. Everything that changes what it
//! says arrives in the `tts` step's input, identity included, so the key
//! holds it because the input does (DESIGN.md, invariants 1 and 2).

mod audio;
mod command;
mod espeak;
mod espeak_ng;
mod espeak_phonemes;
pub mod files;
mod flite;
pub mod hibari;
mod http;
mod limit;
pub mod options;
mod pace;
mod piper;
pub mod program;
pub mod pronounce;
mod retry;
pub mod settings;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use limit::Limit;
use options::{EngineOptions, EnginesOptions};
use pace::Pace;

pub use settings::{Route, Setting, SettingValue, VoiceSettings, Written};

/// Every engine pod has, in the order messages list them.
pub const ENGINES: &[&dyn Engine] = &[
    &hibari::engine::HIBARI,
    &espeak::ESPEAK,
    &espeak_ng::ESPEAK_NG,
    &flite::FLITE,
    &command::COMMAND,
    &http::HTTP,
    &piper::PIPER,
];
pub const DEFAULT: &str = "hibari";

/// The engine a config names, if pod has it.
pub fn find(name: &str) -> Option<&'static dyn Engine> {
    ENGINES.iter().copied().find(|e| e.name() == name)
}

/// What the setting `key` of `engine` reads before planning (a voice
/// `model` file and its companion, a `command`'s program), if anything.
pub fn file_probe(engine: &str, key: &str) -> Option<files::Probe> {
    find(engine)?
        .settings()
        .iter()
        .find_map(|setting| match setting.kind {
            settings::Kind::File {
                check, companion, ..
            } if setting.key == key => Some(files::Probe::File { check, companion }),
            settings::Kind::Program { .. } if setting.key == key => Some(files::Probe::Program),
            _ => None,
        })
}

/// How many requests engine `name` takes to speak `text`.
pub fn requests_for(name: &str, text: &str) -> usize {
    find(name).map_or(1, |engine| engine.requests_for(text))
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

/// What a voice's version is probed and looked up by: the engine's name,
/// or `engine/backend` for a voice that chose another backend than the
/// engine's default (`settings::Kind::Backend`).
pub fn version_key(engine: &str, backend: Option<&str>) -> String {
    match backend {
        None => engine.to_string(),
        Some(backend) => format!("{engine}/{backend}"),
    }
}

/// The versions named in `used` (`version_key`s), probed now: done once
/// per build and handed to planning as an input, so planning itself stays
/// pure, and only for what the project's voices use.
pub fn probe_versions(used: &BTreeSet<String>) -> BTreeMap<String, String> {
    used.iter()
        .filter_map(|key| {
            let (name, backend) = match key.split_once('/') {
                Some((name, backend)) => (name, Some(backend)),
                None => (key.as_str(), None),
            };
            let engine = find(name)?;
            let version = match backend {
                None => engine.version(),
                Some(backend) => engine.backend_version(backend),
            };
            Some((key.clone(), version))
        })
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
    /// Worth trying again later (a timeout, HTTP 429 or 5xx); `after` is
    /// how long the server asked pod to wait (`Retry-After`).
    #[error("{message}")]
    Retryable {
        message: String,
        after: Option<std::time::Duration>,
    },
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
    /// The version of a voice that chose `backend`, one of the choices of
    /// the engine's `Kind::Backend` setting other than its default: in the
    /// key in place of `version`, and probed the same way.
    fn backend_version(&self, _backend: &str) -> String {
        self.version()
    }
    /// How many requests the engine takes at once; `None` for as many as
    /// the build runs in parallel (`-j`). `[engines.NAME] max_concurrent`
    /// overrides it.
    fn parallel(&self) -> Option<usize> {
        None
    }
    /// How many requests speaking `text` takes (an API with an input limit
    /// sends long text in pieces).
    fn requests_for(&self, _text: &str) -> usize {
        1
    }
    /// Whether its requests wait on a network rather than a CPU: such an
    /// engine's sentences are sent from threads of their own, not from the
    /// `-j` CPU workers.
    fn network(&self) -> bool {
        false
    }
    /// `word` said as the IPA `ipa`, in the engine's own phoneme markup,
    /// to stand for `word` in the text it is sent. `None`: the engine takes
    /// no phonemes (planning then sends an alias, or the word as written).
    /// `Some(Err(why))`: it takes phonemes but cannot say these.
    fn mark_phonemes(&self, _word: &str, _ipa: &str) -> Option<Result<String, String>> {
        None
    }
    /// Sets the engine up for this process.
    fn start(&self, setup: &Setup) -> Result<Box<dyn Speaker>, EngineError>;
}

/// What an engine may use when it starts.
pub struct Setup<'a> {
    /// Where it may unpack data (under the cache).
    pub data_root: &'a Path,
    /// Where the paths of its file settings (a voice `model`) start.
    pub project_root: &'a Path,
    /// `[engines.NAME]` (its `timeout` is the engine's to apply).
    pub options: &'a EngineOptions,
}

/// A started engine.
pub trait Speaker: Send + Sync {
    /// Speaks `text` with `voice` (this engine's resolved settings), reached
    /// through `route` (its route settings, such as a server's URL).
    /// Deterministic where the engine can be: same input, same samples.
    fn speak(
        &self,
        voice: &VoiceSettings,
        route: &Route,
        text: &str,
    ) -> Result<Speech, EngineError>;
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
    options: Vec<EngineOptions>,
    started: Vec<OnceLock<Result<Box<dyn Speaker>, EngineError>>>,
    limits: Vec<Option<Limit>>,
    paces: Vec<Option<Pace>>,
    /// The error that stopped an engine: after it, no new request starts.
    stopped: Vec<OnceLock<EngineError>>,
}

impl Engines {
    pub fn new(data_root: PathBuf, project_root: PathBuf, options: &EnginesOptions) -> Engines {
        let options: Vec<EngineOptions> = ENGINES
            .iter()
            .map(|e| options.get(e.name()).cloned().unwrap_or_default())
            .collect();
        Engines {
            data_root,
            project_root,
            started: ENGINES.iter().map(|_| OnceLock::new()).collect(),
            limits: ENGINES
                .iter()
                .zip(&options)
                .map(|(e, o)| o.max_concurrent.or(e.parallel()).map(Limit::new))
                .collect(),
            paces: options
                .iter()
                .map(|o| o.requests_per_minute.map(Pace::per_minute))
                .collect(),
            stopped: ENGINES.iter().map(|_| OnceLock::new()).collect(),
            options,
        }
    }

    /// The project's root: where programs named by a path are found and
    /// run.
    pub fn project_root(&self) -> &std::path::Path {
        &self.project_root
    }

    /// For a network engine, how many requests it takes at once (its
    /// `max_concurrent`); `None` for an engine that runs on the CPU.
    pub fn requests_at_once(&self, name: &str) -> Option<usize> {
        let index = ENGINES.iter().position(|e| e.name() == name)?;
        let engine = ENGINES[index];
        engine.network().then(|| {
            self.options[index]
                .max_concurrent
                .or(engine.parallel())
                .unwrap_or(1)
        })
    }

    /// Speaks `text` with engine `name`: started on first use, within its
    /// limits of requests at once and per minute, retrying what is worth
    /// retrying. An error that is no sentence's fault (the engine cannot
    /// run, the server refused the key, retries ran out) stops the engine:
    /// later calls return it without sending anything, so a build ends
    /// after the requests already in flight.
    pub fn speak(
        &self,
        name: &str,
        voice: &VoiceSettings,
        route: &Route,
        text: &str,
    ) -> Result<Speech, EngineError> {
        let Some(index) = ENGINES.iter().position(|e| e.name() == name) else {
            return Err(EngineError::Unavailable(format!("unknown engine `{name}`")));
        };
        if let Some(error) = self.stopped[index].get() {
            return Err(error.clone());
        }
        let speaker = match self.started[index].get_or_init(|| {
            ENGINES[index].start(&Setup {
                data_root: &self.data_root,
                project_root: &self.project_root,
                options: &self.options[index],
            })
        }) {
            Ok(speaker) => speaker.as_ref(),
            Err(e) => return Err(e.clone()),
        };
        let spoken = retry::with_retries(
            self.options[index].retries(),
            retry::FIRST_WAIT,
            std::thread::sleep,
            || {
                let _permit = self.limits[index].as_ref().map(Limit::acquire);
                if let Some(error) = self.stopped[index].get() {
                    return Err(error.clone());
                }
                if let Some(pace) = &self.paces[index] {
                    pace.wait_turn();
                }
                speaker.speak(voice, route, text)
            },
        );
        match spoken {
            Err(EngineError::Retryable { message, .. }) => {
                let retries = self.options[index].retries();
                let error = EngineError::Unavailable(format!(
                    "the `{name}` engine still failed after {retries} retries, so pod \
                     stopped sending to it: {message}"
                ));
                Err(self.stopped[index].get_or_init(|| error).clone())
            }
            Err(error @ EngineError::Unavailable(_)) => {
                Err(self.stopped[index].get_or_init(|| error).clone())
            }
            other => other,
        }
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
            // A program or a model with no default: the user names it.
            let required = |key: &str| {
                engine.settings().iter().any(|s| {
                    s.key == key
                        && matches!(
                            s.kind,
                            settings::Kind::File { required: true, .. }
                                | settings::Kind::Program { .. }
                        )
                })
            };
            match resolved {
                Ok(_) => {}
                Err(e) => assert!(required(&e.key), "{}: {e:?}", engine.name()),
            }
        }
    }
}

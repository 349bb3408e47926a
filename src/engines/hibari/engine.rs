//! The `hibari` engine, pod's default voice: a neural acoustic model
//! distilled from Kokoro-82M ("heart", American English, 24 kHz), run by
//! `tract` inside pod, after the English front end in this folder. The
//! model, lexicons, tagger and out-of-vocabulary net are compiled into the
//! binary from `third_party/hibari/`: no system package, no download.
//! `backend = "onnxruntime"` runs the model with the user's ONNX Runtime
//! instead (`onnxruntime`).

use std::borrow::Cow;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock};

use super::model::{self, Acoustic, AcousticModel};
use super::onnxruntime::{self, OnnxModel};
use super::{dsp, g2p, ipa, kernels, oov, vocab};
use crate::cache::ContentHash;
use crate::engines::settings::{Kind, Setting};
use crate::engines::{
    Engine, EngineError, Route, SettingValue, Setup, Speaker, Speech, VoiceSettings,
};

pub struct HibariEngine;
pub const HIBARI: HibariEngine = HibariEngine;

/// The shipped voice.
const HEART: &[u8] = include_bytes!("../../../third_party/hibari/hibari.onnx");

/// The front end's own version: bumped whenever a change in this folder
/// could change a phoneme. It re-keys every hibari sentence (finding the
/// ones whose phonemes changed would mean running the front end to plan).
/// 2: web addresses, version numbers and IP addresses read as said.
const FRONT_END_VERSION: u32 = 2;

/// Phoneme ids the model takes at once; longer chunks are split between
/// words (upstream splits at 400 phonemes too).
const MAX_PHONEMES: usize = 400;

/// Speech quieter than this at either end is the model's own lead-in and
/// tail: cut, so only pod's pauses count (about -54 dBFS).
const QUIET: f32 = 1.0 / 512.0;

const SETTINGS: &[Setting] = &[
    Setting {
        key: "speed",
        kind: Kind::Decimal {
            min: 0.5,
            max: 2.0,
            default: 1.0,
            unit: "times the voice's own pace",
        },
    },
    // Another voice of the same architecture, by path; unset, the built-in one.
    Setting {
        key: "model",
        kind: Kind::File {
            check: model::check,
            companion: None,
            required: false,
        },
    },
    // What runs the model: tract inside pod, or the user's ONNX Runtime.
    Setting {
        key: "backend",
        kind: Kind::Backend {
            default: TRACT,
            choices: &[TRACT, onnxruntime::NAME],
        },
    },
];

/// The built-in backend's name in `backend = "..."`.
const TRACT: &str = "tract";

/// What stands in a version for a runtime that is not there: planning,
/// `status` and `clean` work; speaking fails with how to install one.
const NOT_INSTALLED: &str = "not installed";

impl Engine for HibariEngine {
    fn name(&self) -> &'static str {
        "hibari"
    }

    fn settings(&self) -> &'static [Setting] {
        SETTINGS
    }

    /// The model's content hash, the front end's version and the backend
    /// (tract's version and pod's kernels'):
    /// anything that changes a sample changes this, and so every key.
    fn version(&self) -> String {
        // `k` is pod's kernels' version.
        identity(&format!("tract0.23k{}", kernels::VERSION))
    }

    /// With ONNX Runtime, its version and commit stand for tract's.
    fn backend_version(&self, backend: &str) -> String {
        match backend {
            onnxruntime::NAME => {
                identity(&onnxruntime::identity().unwrap_or_else(|| NOT_INSTALLED.into()))
            }
            _ => self.version(),
        }
    }

    /// The front end reads `[word](/phonemes/)` as given (misaki symbols).
    fn mark_phonemes(&self, word: &str, ipa: &str) -> Option<Result<String, String>> {
        if word.contains(['[', ']']) {
            return Some(Err(format!(
                "hibari cannot mark phonemes on `{word}`: it contains a bracket"
            )));
        }
        Some(ipa::to_misaki(ipa).map(|phonemes| format!("[{word}](/{phonemes}/)")))
    }

    fn start(&self, setup: &Setup) -> Result<Box<dyn Speaker>, EngineError> {
        // The front end's tables parse while the model is optimised (each
        // about half a second): a one-sentence edit waits for the slower only.
        std::thread::spawn(|| {
            g2p::front_end();
            oov::reader();
        });
        Ok(Box::new(Hibari {
            project_root: setup.project_root.to_path_buf(),
            loaded: Mutex::new(HashMap::new()),
        }))
    }
}

/// The engine's identity with `backend` (what runs the model): the front
/// end's version, the backend's and the built-in model's content hash.
/// Anything that changes a sample changes this, and so every key.
fn identity(backend: &str) -> String {
    static MODEL: OnceLock<String> = OnceLock::new();
    let model = MODEL.get_or_init(|| blake3::hash(HEART).to_hex()[..8].to_string());
    format!("fe{FRONT_END_VERSION} {backend} {model}")
}

/// A model loaded once, on first use, by whichever thread needs it first.
type Loaded = OnceLock<Result<Arc<dyn Acoustic>, EngineError>>;

/// Which model, run by which backend: `None` is the built-in model.
type ModelKey = (bool, Option<ContentHash>);

struct Hibari {
    project_root: PathBuf,
    /// Models by backend (ONNX Runtime or not) and content hash: loading
    /// one optimises it (about a second with tract), so each is loaded once
    /// per build.
    loaded: Mutex<HashMap<ModelKey, Arc<Loaded>>>,
}

impl Hibari {
    /// The model `voice` speaks with: the built-in one unless `model` is
    /// set, run by the backend `route` names.
    fn model(
        &self,
        voice: &VoiceSettings,
        route: &Route,
    ) -> Result<Arc<dyn Acoustic>, EngineError> {
        let with_onnxruntime = route.get("backend").is_some_and(|b| b == onnxruntime::NAME);
        let file = match voice.get("model") {
            None => None,
            Some(SettingValue::File { path, blake3 }) => Some((path.as_str(), *blake3)),
            Some(_) => {
                return Err(EngineError::Failed(
                    "voice setting `model` is not a file".into(),
                ));
            }
        };
        // Held only to find the cell: loading runs outside the lock, so
        // threads needing other models do not wait for this one.
        let cell = self
            .loaded
            .lock()
            .expect("models lock")
            .entry((with_onnxruntime, file.map(|(_, hash)| hash)))
            .or_default()
            .clone();
        cell.get_or_init(|| self.load(file, with_onnxruntime))
            .clone()
    }

    /// Loads the model file `path`, which planning hashed to `hash` (the
    /// built-in model for `None`): other bytes now mean the file changed
    /// during the build, and speaking with them would cache audio under a
    /// key that does not describe it.
    fn load(
        &self,
        file: Option<(&str, ContentHash)>,
        with_onnxruntime: bool,
    ) -> Result<Arc<dyn Acoustic>, EngineError> {
        let (bytes, name) = match file {
            None => (
                Cow::Borrowed(HEART),
                "the built-in hibari voice".to_string(),
            ),
            Some((path, hash)) => {
                let bytes = std::fs::read(self.project_root.join(path))
                    .map_err(|e| EngineError::Failed(format!("hibari model `{path}`: {e}")))?;
                if ContentHash::of(&bytes) != hash {
                    return Err(EngineError::Failed(format!(
                        "hibari model `{path}` changed during the build; build again"
                    )));
                }
                (Cow::Owned(bytes), format!("hibari model `{path}`"))
            }
        };
        if with_onnxruntime {
            onnxruntime::runtime().map_err(|e| {
                EngineError::Unavailable(format!(
                    "`backend = \"onnxruntime\"` needs an ONNX Runtime library, and none \
                     loads: {e}. To fix: {}",
                    onnxruntime::INSTALL
                ))
            })?;
            return OnnxModel::load(bytes)
                .map(|m| Arc::new(m) as Arc<dyn Acoustic>)
                .map_err(|e| EngineError::Failed(format!("{name}: {e}")));
        }
        let loaded = AcousticModel::load(&bytes).map(|m| Arc::new(m) as Arc<dyn Acoustic>);
        match file {
            None => loaded.map_err(|e| {
                EngineError::Unavailable(format!("the built-in hibari voice does not load: {e}"))
            }),
            Some(_) => loaded.map_err(|e| EngineError::Failed(format!("{name}: {e}"))),
        }
    }
}

impl Speaker for Hibari {
    fn speak(
        &self,
        voice: &VoiceSettings,
        route: &Route,
        text: &str,
    ) -> Result<Speech, EngineError> {
        let speed = crate::engines::decimal(voice, "speed")? as f32;
        let model = self.model(voice, route)?;
        let phonemes = phonemes(text);
        // The noise is seeded by what is spoken and how: the same input,
        // the same samples (DESIGN.md: determinism).
        let seed = {
            let mut hasher = blake3::Hasher::new();
            hasher.update(phonemes.as_bytes());
            hasher.update(&speed.to_le_bytes());
            u64::from_le_bytes(
                hasher.finalize().as_bytes()[..8]
                    .try_into()
                    .expect("8 bytes"),
            )
        };
        let mut samples = Vec::new();
        for (n, chunk) in chunks(&phonemes).iter().enumerate() {
            let ids = vocab::ids(chunk);
            if ids.len() < 3 {
                continue;
            }
            let frames = model
                .run(&ids, speed)
                .map_err(|e| EngineError::Failed(format!("hibari on {text:?}: {e}")))?;
            samples.extend(trim_quiet(dsp::synthesize(
                &frames,
                seed.wrapping_add(n as u64),
            )));
        }
        Ok(Speech {
            sample_rate: dsp::SAMPLE_RATE,
            samples: samples
                .iter()
                .map(|s| (s.clamp(-1.0, 1.0) * 32767.0).round() as i16)
                .collect(),
        })
    }
}

/// What the model is given for `text`: the front end's phonemes, unknown
/// words read by the out-of-vocabulary net.
fn phonemes(text: &str) -> String {
    g2p::front_end().phonemize_with(text, true, &mut |word: &str| oov::reader().read(word))
}

/// `phonemes` in pieces the model takes, split between words.
fn chunks(phonemes: &str) -> Vec<String> {
    let mut chunks = vec![String::new()];
    for word in phonemes.split(' ') {
        let current = chunks.last_mut().expect("never empty");
        if !current.is_empty() && current.chars().count() + 1 + word.chars().count() > MAX_PHONEMES
        {
            chunks.push(word.to_string());
        } else {
            if !current.is_empty() {
                current.push(' ');
            }
            current.push_str(word);
        }
    }
    chunks
}

fn trim_quiet(mut samples: Vec<f32>) -> Vec<f32> {
    let end = samples
        .iter()
        .rposition(|s| s.abs() >= QUIET)
        .map_or(0, |i| i + 1);
    samples.truncate(end);
    let start = samples.iter().position(|s| s.abs() >= QUIET).unwrap_or(0);
    samples.drain(..start);
    samples
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_names_are_read_as_upstream_reads_them() {
        // hibari-tts 0.2.1: `G2P()("Dr. McAllister met Nguyen.")`.
        assert_eq!(
            phonemes("Dr. McAllister met Nguyen."),
            "dˈɑktəɹ mək ˈælɪstəɹ mˈɛt əŋˈIən."
        );
    }

    #[test]
    fn long_phoneme_strings_split_between_words() {
        let word = "abcdefghi";
        let long = vec![word; 100].join(" ");
        let pieces = chunks(&long);
        assert!(pieces.len() > 1);
        assert!(pieces.iter().all(|p| p.chars().count() <= MAX_PHONEMES));
        assert_eq!(pieces.join(" "), long);
    }

    #[test]
    fn speaks_the_same_samples_twice_and_nothing_quiet_at_the_ends() {
        let nowhere = std::path::Path::new("/nonexistent");
        let speaker = HIBARI
            .start(&crate::engines::Setup {
                data_root: nowhere,
                project_root: nowhere,
                options: &Default::default(),
            })
            .unwrap();
        let route = crate::engines::Route::new();
        let mut voice = VoiceSettings::new();
        voice.insert(
            "speed".into(),
            crate::engines::SettingValue::Decimal(crate::engines::settings::Decimal(1.0)),
        );
        let one = speaker.speak(&voice, &route, "Hello there.").unwrap();
        let two = speaker.speak(&voice, &route, "Hello there.").unwrap();
        assert_eq!(one, two);
        assert_eq!(one.sample_rate, 24_000);
        // "Hello there." lasts well under two seconds and over a third of one.
        let seconds = one.samples.len() as f32 / 24_000.0;
        assert!((0.3..2.0).contains(&seconds), "{seconds} s");
        let loud = |s: &i16| f32::from(s.unsigned_abs()) / 32767.0 >= QUIET;
        assert!(loud(&one.samples[0]) && loud(one.samples.last().unwrap()));
    }
}

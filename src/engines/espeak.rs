//! The `espeak` engine: the `espeak-ng` crate, a pure-Rust port of eSpeak NG,
//! with its English data compiled into the binary (cargo feature `espeak`,
//! off by default: the crate is GPL-3.0-or-later, and its voice is hard to
//! understand). Without the feature the engine is still known, so projects
//! naming it plan, report status and clean; it fails only when asked to
//! speak.

#[cfg(feature = "espeak")]
use std::path::{Path, PathBuf};

use super::settings::{Kind, Setting};
use super::{Engine, EngineError, Setup, Speaker};
#[cfg(feature = "espeak")]
use super::{Route, Speech, VoiceSettings};

pub struct EspeakEngine;
pub const ESPEAK: EspeakEngine = EspeakEngine;

/// Engine version for cache keys: the crate version, pinned in Cargo.toml.
pub const VERSION: &str = "espeak-ng 0.2.0";

/// Voices the bundled English data provides.
pub const VOICES: &[&str] = &[
    "en",
    "en-us",
    "en-gb",
    "en-gb-scotland",
    "en-gb-x-gbclan",
    "en-gb-x-gbcwmd",
    "en-gb-x-rp",
    "en-us-nyc",
    "en-029",
];

const SETTINGS: &[Setting] = &[
    Setting {
        key: "voice",
        kind: Kind::Name {
            default: "en-us",
            check: check_voice,
        },
    },
    Setting {
        key: "rate",
        kind: Kind::Whole {
            min: 80,
            max: 450,
            default: 175,
            unit: "words per minute",
        },
    },
    Setting {
        key: "pitch",
        kind: Kind::Whole {
            min: 0,
            max: 100,
            default: 50,
            unit: "",
        },
    },
    Setting {
        key: "volume",
        kind: Kind::Whole {
            min: 0,
            max: 200,
            default: 100,
            unit: "",
        },
    },
];

pub fn check_voice(voice: &str) -> Result<(), String> {
    if VOICES.contains(&voice.to_lowercase().as_str()) {
        Ok(())
    } else {
        let hint = crate::diagnostic::did_you_mean(voice, VOICES.iter().copied())
            .map(|v| format!(" (did you mean `{v}`?)"))
            .unwrap_or_default();
        Err(format!(
            "the espeak engine has no voice `{voice}`{hint}; it bundles English only: {}",
            VOICES.join(", ")
        ))
    }
}

impl Engine for EspeakEngine {
    fn name(&self) -> &'static str {
        "espeak"
    }

    fn settings(&self) -> &'static [Setting] {
        SETTINGS
    }

    fn version(&self) -> String {
        VERSION.to_string()
    }

    #[cfg(feature = "espeak")]
    fn start(&self, setup: &Setup) -> Result<Box<dyn Speaker>, EngineError> {
        Espeak::install(setup.data_root)
            .map(|e| Box::new(e) as Box<dyn Speaker>)
            .map_err(EngineError::Unavailable)
    }

    #[cfg(not(feature = "espeak"))]
    fn start(&self, _setup: &Setup) -> Result<Box<dyn Speaker>, EngineError> {
        Err(EngineError::Unavailable(
            "the espeak engine is not in this build of pod: it needs the `espeak` feature \
             (`cargo install pod --features espeak`; the binary is then GPL-3.0-or-later), \
             or choose another engine, such as the default `hibari`"
                .to_string(),
        ))
    }
}

#[cfg(feature = "espeak")]
pub struct Espeak {
    data_dir: PathBuf,
}

#[cfg(feature = "espeak")]
impl Espeak {
    /// Unpacks the bundled data once under `root`. Unpacked into a temporary
    /// directory and renamed, so a concurrent or killed build never sees half.
    pub fn install(root: &Path) -> Result<Espeak, String> {
        let data_dir = root.join("espeak-ng-0.2.0");
        if !data_dir.join("phontab").exists() {
            std::fs::create_dir_all(root).map_err(|e| unpack_error(root, &e))?;
            let staging = tempfile::Builder::new()
                .prefix(".espeak-ng-data")
                .tempdir_in(root)
                .map_err(|e| unpack_error(root, &e))?;
            espeak_ng::install_bundled_language(staging.path(), "en")
                .map_err(|e| unpack_error(&data_dir, &e))?;
            let staged = staging.keep();
            if std::fs::rename(&staged, &data_dir).is_err() {
                // Another build got there first; its copy is identical.
                let _ = std::fs::remove_dir_all(&staged);
            }
        }
        Ok(Espeak { data_dir })
    }
}

#[cfg(feature = "espeak")]
/// Why the voice data could not be unpacked, naming the place; a full disk
/// is said in those words, since it is the user's to fix.
fn unpack_error(dir: &Path, error: &std::io::Error) -> String {
    let shown = crate::paths::display(dir);
    match error.kind() {
        std::io::ErrorKind::StorageFull | std::io::ErrorKind::QuotaExceeded => format!(
            "the disk mounted at `{}` is full: no space left to unpack the espeak voice \
             data into `{shown}` ({error}); free some space or choose another --target-dir",
            mount_point(dir).display()
        ),
        _ => format!("cannot unpack the espeak voice data into `{shown}`: {error}"),
    }
}

#[cfg(feature = "espeak")]
/// The top of the filesystem holding `path`: its highest ancestor on the
/// same device (or the nearest existing ancestor where that is unknown).
fn mount_point(path: &Path) -> PathBuf {
    let absolute = crate::paths::absolute(path);
    let mut existing = absolute.ancestors().filter(|p| p.exists());
    let Some(start) = existing.next() else {
        return absolute;
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let device = |p: &Path| std::fs::metadata(p).ok().map(|m| m.dev());
        let mut top = start;
        while let Some(parent) = top.parent()
            && device(parent).is_some()
            && device(parent) == device(start)
        {
            top = parent;
        }
        top.to_path_buf()
    }
    #[cfg(not(unix))]
    {
        start.to_path_buf()
    }
}

#[cfg(feature = "espeak")]
impl Speaker for Espeak {
    fn speak(
        &self,
        voice: &VoiceSettings,
        _route: &Route,
        text: &str,
    ) -> Result<Speech, EngineError> {
        let mut engine = espeak_ng::EspeakNg::builder()
            .voice(super::text(voice, "voice")?)
            .rate(super::whole(voice, "rate")?)
            .pitch(super::whole(voice, "pitch")?)
            .volume(super::whole(voice, "volume")?)
            .data_dir(&self.data_dir)
            .build()
            .map_err(|e| EngineError::Failed(format!("starting the espeak voice: {e}")))?;
        // Pauses are made exactly by pod, not by the engine.
        engine.set_no_final_pause(true);
        let (samples, sample_rate) = engine.synth(text).map_err(|e| {
            EngineError::Failed(format!("the espeak voice failed on {text:?}: {e}"))
        })?;
        Ok(Speech {
            sample_rate,
            samples,
        })
    }
}

#[cfg(all(test, feature = "espeak"))]
mod tests {
    use super::*;

    #[test]
    fn a_full_disk_names_the_disk_and_the_path() {
        let full = std::io::Error::from(std::io::ErrorKind::StorageFull);
        let dir = tempfile::TempDir::new().unwrap();
        let engines = dir.path().join("cache/engines");
        let message = unpack_error(&engines, &full);
        assert!(message.starts_with("the disk mounted at `/"), "{message}");
        assert!(
            message.contains(&format!("into `{}`", engines.display())),
            "{message}"
        );
    }

    #[test]
    fn an_unwritable_place_is_named() {
        let file = tempfile::NamedTempFile::new().unwrap();
        // A directory cannot be made under a plain file.
        let Err(message) = Espeak::install(&file.path().join("engines")) else {
            panic!("installing under a file must fail");
        };
        assert!(message.contains("engines`"), "{message}");
    }
}

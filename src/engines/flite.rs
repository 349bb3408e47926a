//! The `flite` engine: Debian's `flite` program (CMU Flite 2.2), run once per
//! text part with the text as the argument of `-t` and WAV written to a
//! temporary file. Its version, asked of the program once per build, is in
//! every key, so an upgrade re-synthesises exactly this engine's sentences.
//!
//! The program runs with an empty environment (found on PATH first), so
//! nothing but the step's input reaches it (DESIGN.md, invariant 1).

use std::path::PathBuf;
use std::process::{Command, Stdio};

use super::settings::{Kind, Setting};
use super::{Engine, EngineError, Route, Setup, Speaker, Speech, VoiceSettings};

pub struct FliteEngine;
pub const FLITE: FliteEngine = FliteEngine;

const PROGRAM: &str = "flite";
/// The version a missing program has in keys: planning, `status` and
/// `clean` still work; a build that needs the program fails.
const NOT_INSTALLED: &str = "not installed";
const INSTALL: &str = "install it (Debian/Ubuntu: `apt-get install flite`) \
                       or choose another engine";

/// The general-purpose voices built into Debian's flite 2.2 (`flite -lv`
/// also lists `awb_time`, which speaks only times of day). An unknown name
/// is not an error to flite: it silently speaks `kal`, so pod checks.
const VOICES: &[&str] = &["slt", "kal", "kal16", "awb", "rms"];

/// No `pitch` (`int_f0_target_mean`): flite's `rms` voice ignores it, and
/// each voice has its own mean, so no one default would leave voices as
/// they are.
const SETTINGS: &[Setting] = &[
    Setting {
        key: "voice",
        kind: Kind::Name {
            default: "slt",
            check: check_voice,
        },
    },
    Setting {
        key: "duration_stretch",
        kind: Kind::Decimal {
            min: 0.5,
            max: 2.0,
            default: 1.0,
            unit: "times the voice's own durations",
        },
    },
];

fn check_voice(voice: &str) -> Result<(), String> {
    if VOICES.contains(&voice) {
        Ok(())
    } else {
        let hint = crate::diagnostic::did_you_mean(voice, VOICES.iter().copied())
            .map(|v| format!(" (did you mean `{v}`?)"))
            .unwrap_or_default();
        Err(format!(
            "flite has no voice `{voice}`{hint}; its voices are {}",
            VOICES.join(", ")
        ))
    }
}

impl Engine for FliteEngine {
    fn name(&self) -> &'static str {
        "flite"
    }

    fn settings(&self) -> &'static [Setting] {
        SETTINGS
    }

    /// `  version: flite-2.2-current Sep 2018 (...)` gives `flite-2.2-current`.
    /// flite exits 1 after printing its version, so the status is not read.
    fn version(&self) -> String {
        let Some(program) = find_program() else {
            return NOT_INSTALLED.to_string();
        };
        match super::program::ask(&program, &["--version"]) {
            Some(out) => parse_version(&String::from_utf8_lossy(&out.stdout)),
            None => NOT_INSTALLED.to_string(),
        }
    }

    fn start(&self, setup: &Setup) -> Result<Box<dyn Speaker>, EngineError> {
        let data_root = setup.data_root;
        let Some(program) = find_program() else {
            return Err(EngineError::Unavailable(format!(
                "the `{PROGRAM}` program is not on PATH; {INSTALL}"
            )));
        };
        // flite writes its WAV to a file; those files live under pod's cache.
        std::fs::create_dir_all(data_root).map_err(|e| {
            EngineError::Unavailable(format!(
                "cannot make `{}` for flite's output: {e}",
                crate::paths::display(data_root)
            ))
        })?;
        Ok(Box::new(Flite {
            program,
            scratch: data_root.to_path_buf(),
        }))
    }
}

fn parse_version(said: &str) -> String {
    let version = said
        .split("version:")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or("flite unknown");
    version.to_string()
}

/// The program on PATH, as an absolute path (it then runs without PATH).
fn find_program() -> Option<PathBuf> {
    super::program::on_path(PROGRAM)
}

struct Flite {
    program: PathBuf,
    /// Where each call's WAV file is made (and removed once read).
    scratch: PathBuf,
}

impl Speaker for Flite {
    fn speak(
        &self,
        voice: &VoiceSettings,
        _route: &Route,
        text: &str,
    ) -> Result<Speech, EngineError> {
        let name = super::text(voice, "voice")?;
        let stretch = super::decimal(voice, "duration_stretch")?;
        let wav = tempfile::Builder::new()
            .prefix(".flite-")
            .suffix(".wav")
            .tempfile_in(&self.scratch)
            .map_err(|e| {
                EngineError::Failed(format!(
                    "cannot make a file for flite's output in `{}`: {e}",
                    crate::paths::display(&self.scratch)
                ))
            })?;
        // The text is the argument of `-t`, which takes the next argument
        // whatever it is, so a leading `-` is spoken, not read as an option.
        let output = Command::new(&self.program)
            .env_clear()
            .args(["-voice", name])
            .args(["--setf", &format!("duration_stretch={stretch}")])
            .arg("-o")
            .arg(wav.path())
            .arg("-t")
            .arg(text)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .output()
            .map_err(|e| {
                EngineError::Unavailable(format!(
                    "cannot run `{}`: {e}; {INSTALL}",
                    self.program.display()
                ))
            })?;
        if !output.status.success() {
            let why = String::from_utf8_lossy(&output.stderr).trim().to_string();
            return Err(EngineError::Failed(format!(
                "flite failed on {text:?} with voice `{name}` ({}){}",
                output.status,
                if why.is_empty() {
                    String::new()
                } else {
                    format!(": {why}")
                }
            )));
        }
        let bytes = std::fs::read(wav.path())
            .map_err(|e| EngineError::Failed(format!("reading flite's output: {e}")))?;
        parse_wav(&bytes).map_err(|why| {
            EngineError::Failed(format!("flite wrote no readable WAV for {text:?}: {why}"))
        })
    }
}

/// Mono 16-bit PCM from flite's WAV (a whole file, sizes filled in).
fn parse_wav(bytes: &[u8]) -> Result<Speech, String> {
    let reader = hound::WavReader::new(std::io::Cursor::new(bytes)).map_err(|e| e.to_string())?;
    let spec = reader.spec();
    if spec.channels != 1 || spec.bits_per_sample != 16 {
        return Err(format!(
            "{} channels of {} bits, not mono 16-bit",
            spec.channels, spec.bits_per_sample
        ));
    }
    let samples = reader
        .into_samples::<i16>()
        .collect::<Result<Vec<i16>, _>>()
        .map_err(|e| e.to_string())?;
    Ok(Speech {
        sample_rate: spec.sample_rate,
        samples,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_version_is_the_token_after_version() {
        let said = "  Carnegie Mellon University, Copyright (c) 1999-2016, all rights reserved\n  \
                    version: flite-2.2-current Sep 2018 (http://cmuflite.org)\n";
        assert_eq!(parse_version(said), "flite-2.2-current");
        assert_eq!(parse_version("something else"), "flite unknown");
    }

    #[test]
    fn only_its_built_in_voices_are_taken() {
        for voice in VOICES {
            assert!(check_voice(voice).is_ok());
        }
        let wrong = check_voice("stl").unwrap_err();
        assert!(wrong.contains("did you mean `slt`?"), "{wrong}");
        assert!(check_voice("awb_time").is_err());
        assert!(check_voice("-o").is_err());
        assert!(check_voice("voices/x.flitevox").is_err());
    }

    #[test]
    fn reads_mono_16_bit_wav_only() {
        let spec = |channels| hound::WavSpec {
            channels,
            sample_rate: 16000,
            bits_per_sample: 16,
            sample_format: hound::SampleFormat::Int,
        };
        let write = |channels, samples: &[i16]| {
            let mut bytes = std::io::Cursor::new(Vec::new());
            let mut writer = hound::WavWriter::new(&mut bytes, spec(channels)).unwrap();
            for &s in samples {
                writer.write_sample(s).unwrap();
            }
            writer.finalize().unwrap();
            bytes.into_inner()
        };
        let speech = parse_wav(&write(1, &[1, -1, 7])).unwrap();
        assert_eq!(speech.sample_rate, 16000);
        assert_eq!(speech.samples, vec![1, -1, 7]);
        assert!(parse_wav(&write(2, &[1, -1])).is_err());
        assert!(parse_wav(b"RIFF").is_err());
    }
}

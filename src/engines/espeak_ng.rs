//! The `espeak-ng` engine: Debian's `espeak-ng` program (eSpeak NG 1.5x),
//! run once per text part with the text on stdin and WAV on stdout. Its
//! version, asked of the program once per build, is in every key, so an
//! upgrade re-synthesises exactly this engine's sentences.
//!
//! The program runs with an empty environment (found on PATH first), so
//! nothing but the step's input reaches it (DESIGN.md, invariant 1).

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use super::settings::{Kind, Setting};
use super::{Engine, EngineError, Route, Setup, Speaker, Speech, VoiceSettings};

pub struct EspeakNgEngine;
pub const ESPEAK_NG: EspeakNgEngine = EspeakNgEngine;

const PROGRAM: &str = "espeak-ng";
/// The version a missing program has in keys: planning, `status` and
/// `clean` still work; a build that needs the program fails.
const NOT_INSTALLED: &str = "not installed";
const INSTALL: &str = "install it (Debian/Ubuntu: `apt-get install espeak-ng`; \
                       macOS: `brew install espeak-ng`) or choose another engine";

/// The ranges are the program's own (`espeak-ng --help`).
const SETTINGS: &[Setting] = &[
    Setting {
        key: "voice",
        kind: Kind::Name {
            default: "en-us",
            check: check_voice,
        },
    },
    Setting {
        key: "variant",
        kind: Kind::Name {
            default: "",
            check: check_variant,
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
            max: 99,
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
    Setting {
        key: "word_gap",
        kind: Kind::Whole {
            min: 0,
            max: 100,
            default: 0,
            unit: "tens of milliseconds between words",
        },
    },
];

/// A voice is a file name under espeak-ng-data (`en-us`, `roa/es`); whether
/// it exists is the installed program's to say, when it speaks.
fn check_voice(voice: &str) -> Result<(), String> {
    let ok = !voice.is_empty()
        && !voice.starts_with('-')
        && voice
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '/'));
    if ok {
        Ok(())
    } else {
        Err(format!(
            "`{voice}` is not an espeak-ng voice name: use letters, digits, `-`, `_` or `/` \
             (`espeak-ng --voices` lists them)"
        ))
    }
}

/// A variant (`f3`, `klatt`, `Mr serious`) is appended to the voice as
/// `voice+variant`; `""` means none.
fn check_variant(variant: &str) -> Result<(), String> {
    let ok = variant.trim() == variant
        && variant
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | ' '));
    if ok {
        Ok(())
    } else {
        Err(format!(
            "`{variant}` is not an espeak-ng variant name: use letters, digits, `-`, `_` or \
             inner spaces (`espeak-ng --voices=variant` lists them)"
        ))
    }
}

impl Engine for EspeakNgEngine {
    fn name(&self) -> &'static str {
        "espeak-ng"
    }

    fn settings(&self) -> &'static [Setting] {
        SETTINGS
    }

    /// `eSpeak NG text-to-speech: 1.51  Data at: ...` gives `espeak-ng 1.51`.
    fn version(&self) -> String {
        let Some(program) = find_program() else {
            return NOT_INSTALLED.to_string();
        };
        match super::program::ask(&program, &["--version"]) {
            Some(out) if out.status.success() => {
                let text = String::from_utf8_lossy(&out.stdout);
                let version = text
                    .split(':')
                    .nth(1)
                    .and_then(|rest| rest.split_whitespace().next())
                    .unwrap_or("unknown");
                format!("{PROGRAM} {version}")
            }
            _ => NOT_INSTALLED.to_string(),
        }
    }

    /// `[[...]]`: espeak-ng's phoneme input, in its own mnemonics.
    fn mark_phonemes(&self, _word: &str, ipa: &str) -> Option<Result<String, String>> {
        Some(super::espeak_phonemes::from_ipa(ipa).map(|names| format!("[[{names}]]")))
    }

    fn start(&self, _setup: &Setup) -> Result<Box<dyn Speaker>, EngineError> {
        match find_program() {
            Some(program) => Ok(Box::new(EspeakNg { program })),
            None => Err(EngineError::Unavailable(format!(
                "the `{PROGRAM}` program is not on PATH; {INSTALL}"
            ))),
        }
    }
}

/// The program on PATH, as an absolute path (it then runs without PATH).
fn find_program() -> Option<PathBuf> {
    super::program::on_path(PROGRAM)
}

struct EspeakNg {
    program: PathBuf,
}

impl Speaker for EspeakNg {
    fn speak(
        &self,
        voice: &VoiceSettings,
        _route: &Route,
        text: &str,
    ) -> Result<Speech, EngineError> {
        let name = super::text(voice, "voice")?;
        let variant = super::text(voice, "variant")?;
        let voice_arg = if variant.is_empty() {
            name.to_string()
        } else {
            format!("{name}+{variant}")
        };
        let mut child = Command::new(&self.program)
            .env_clear()
            .args(["--stdout", "--stdin", "-b", "1", "-z", "-v", &voice_arg])
            .args(["-s", &super::whole(voice, "rate")?.to_string()])
            .args(["-p", &super::whole(voice, "pitch")?.to_string()])
            .args(["-a", &super::whole(voice, "volume")?.to_string()])
            .args(["-g", &super::whole(voice, "word_gap")?.to_string()])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| {
                EngineError::Unavailable(format!(
                    "cannot run `{}`: {e}; {INSTALL}",
                    self.program.display()
                ))
            })?;
        // The text goes on stdin (never as an argument, where a leading `-`
        // would read as an option); written from a thread so a long text
        // cannot deadlock against a full stdout pipe.
        let mut stdin = child.stdin.take().expect("stdin is piped");
        let owned = text.to_string();
        let writer = std::thread::spawn(move || stdin.write_all(owned.as_bytes()));
        let output = child.wait_with_output().map_err(|e| {
            EngineError::Failed(format!("`{}` failed: {e}", self.program.display()))
        })?;
        let written = writer.join().expect("the stdin writer does not panic");
        if !output.status.success() {
            let why = String::from_utf8_lossy(&output.stderr)
                .lines()
                .chain(String::from_utf8_lossy(&output.stdout).lines())
                .find(|l| l.contains("rror"))
                .unwrap_or("")
                .trim()
                .to_string();
            return Err(EngineError::Failed(format!(
                "espeak-ng failed on {text:?} with voice `{voice_arg}` ({}){}",
                output.status,
                if why.is_empty() {
                    String::new()
                } else {
                    format!(": {why}")
                }
            )));
        }
        written.map_err(|e| EngineError::Failed(format!("writing to espeak-ng: {e}")))?;
        super::audio::speech(output.stdout)
            .map_err(|e| EngineError::Failed(format!("espeak-ng wrote no readable WAV: {e}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_that_could_be_options_are_refused() {
        assert!(check_voice("en-gb").is_ok());
        assert!(check_voice("roa/es").is_ok());
        assert!(check_voice("-w").is_err());
        assert!(check_voice("en us").is_err());
        assert!(check_variant("").is_ok());
        assert!(check_variant("Mr serious").is_ok());
        assert!(check_variant("f3+x").is_err());
    }
}

//! `tts`: one sentence, spoken by one voice. The key holds the text as the
//! engine receives it, the breaks at commas, colons and semicolons (only those
//! the sentence has), the engine's identity and the voice's settings as that
//! engine resolved them: all fields of the input, so all in the key.

use std::fs::File;
use std::io::BufWriter;

use serde::{Deserialize, Serialize};

use crate::audio::clip::{Clip, ClipPart};
use crate::config::{Pauses, Voice};
use crate::engines::{EngineError, EngineId, Route, VoiceSettings};
use crate::step::{Step, StepError, Tools};

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct TtsInput {
    /// Which engine speaks, and its version (`engine.version` in --explain).
    pub engine: EngineId,
    /// Every setting of the voice, defaults included (`voice.rate`).
    pub voice: VoiceSettings,
    /// Where the engine is reached (a server's URL): deliberately not
    /// serialised, so not in the key; moving a server re-bills nothing.
    #[serde(skip)]
    pub route: Route,
    pub parts: Vec<TtsPart>,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TtsPart {
    Text(String),
    /// Exact silence at a comma, colon or semicolon.
    BreakMs(u32),
}

impl TtsInput {
    /// Splits `text` after each `,` `;` `:` that is followed by white space
    /// (so `1,000` and `3:30` stay whole) and puts that mark's pause there.
    pub fn new(voice: &Voice, text: &str, pauses: &Pauses) -> TtsInput {
        let mut parts = Vec::new();
        let mut start = 0;
        let mut chars = text.char_indices().peekable();
        while let Some((i, c)) = chars.next() {
            let pause = match c {
                ',' => pauses.comma_ms,
                ';' => pauses.semicolon_ms,
                ':' => pauses.colon_ms,
                _ => continue,
            };
            if !chars.peek().is_some_and(|(_, next)| next.is_whitespace()) {
                continue;
            }
            let piece = text[start..i + 1].trim();
            let rest_has_words = text[i + 1..].chars().any(char::is_alphanumeric);
            if piece.chars().any(char::is_alphanumeric) && rest_has_words {
                parts.push(TtsPart::Text(piece.to_string()));
                parts.push(TtsPart::BreakMs(pause));
                start = i + 1;
            }
        }
        parts.push(TtsPart::Text(text[start..].trim().to_string()));
        TtsInput {
            engine: voice.engine.clone(),
            voice: voice.settings.clone(),
            route: voice.route.clone(),
            parts,
        }
    }

    /// Characters sent to the engine.
    pub fn characters(&self) -> usize {
        self.parts
            .iter()
            .map(|p| match p {
                TtsPart::Text(t) => t.chars().count(),
                TtsPart::BreakMs(_) => 0,
            })
            .sum()
    }
}

pub struct Tts;

impl Step for Tts {
    const KIND: &'static str = "tts";
    /// 2: the engine's identity and its own settings moved into the input.
    const VERSION: u32 = 2;
    type Input = TtsInput;

    fn run(input: &TtsInput, tools: &Tools, out: &mut File) -> Result<(), StepError> {
        let mut clip = Clip {
            sample_rate: 0,
            parts: Vec::new(),
        };
        for part in &input.parts {
            match part {
                TtsPart::Text(text) => {
                    let speech = tools
                        .engines
                        .speak(&input.engine.name, &input.voice, &input.route, text)
                        .map_err(|e| match e {
                            EngineError::Unavailable(_) => {
                                StepError::Engine(unavailable(input, &e))
                            }
                            EngineError::Retryable { message, .. }
                            | EngineError::Failed(message) => StepError::Failed(message),
                        })?;
                    clip.sample_rate = speech.sample_rate;
                    clip.parts
                        .push(ClipPart::Audio(trim_digital_silence(speech.samples)));
                }
                TtsPart::BreakMs(ms) => clip.parts.push(ClipPart::Silence { ms: *ms }),
            }
        }
        clip.write(&mut BufWriter::new(out))?;
        Ok(())
    }
}

/// An engine that cannot run here, said once for the whole build: which
/// engine, which voice asked for it, and the engine's own remedy.
fn unavailable(input: &TtsInput, error: &EngineError) -> String {
    use crate::engines::SettingValue;
    // A voice is named by its `voice` (espeak-ng), else by its model file.
    let voice = match (input.voice.get("voice"), input.voice.get("model")) {
        (Some(SettingValue::Text(name)), _) => format!("voice `{name}`"),
        (_, Some(SettingValue::File { path, .. })) => format!("the voice of model `{path}`"),
        _ => "a voice".to_string(),
    };
    format!(
        "{voice} uses the `{}` engine, which cannot run: {error}",
        input.engine.name
    )
}

/// Engines pad speech with silence of their own; only pod's pauses may count.
fn trim_digital_silence(mut samples: Vec<i16>) -> Vec<i16> {
    let end = samples.iter().rposition(|&s| s != 0).map_or(0, |i| i + 1);
    samples.truncate(end);
    let start = samples
        .iter()
        .position(|&s| s != 0)
        .unwrap_or(samples.len());
    samples.drain(..start);
    samples
}

#[cfg(test)]
mod tests {
    use super::*;

    fn voice() -> Voice {
        Voice {
            engine: EngineId {
                name: "espeak".into(),
                version: "espeak-ng 0.2.0".into(),
            },
            settings: VoiceSettings::new(),
            route: Route::new(),
        }
    }

    const PAUSES: Pauses = Pauses {
        sentence_ms: 400,
        paragraph_ms: 900,
        chapter_ms: 2000,
        comma_ms: 150,
        colon_ms: 250,
        semicolon_ms: 260,
    };

    #[test]
    fn breaks_at_marks_followed_by_space_only() {
        let input = TtsInput::new(
            &voice(),
            "At 3:30, we sold 1,000 units; then: rest.",
            &PAUSES,
        );
        assert_eq!(
            input.parts,
            vec![
                TtsPart::Text("At 3:30,".into()),
                TtsPart::BreakMs(150),
                TtsPart::Text("we sold 1,000 units;".into()),
                TtsPart::BreakMs(260),
                TtsPart::Text("then:".into()),
                TtsPart::BreakMs(250),
                TtsPart::Text("rest.".into()),
            ]
        );
    }

    #[test]
    fn a_sentence_without_marks_does_not_read_their_pauses() {
        let a = TtsInput::new(&voice(), "No commas here.", &PAUSES);
        let other = Pauses {
            comma_ms: 999,
            ..PAUSES
        };
        assert_eq!(a, TtsInput::new(&voice(), "No commas here.", &other));
    }

    #[test]
    fn trims_only_exact_zeros() {
        assert_eq!(
            trim_digital_silence(vec![0, 0, 1, 0, -1, 0]),
            vec![1, 0, -1]
        );
        assert!(trim_digital_silence(vec![0, 0]).is_empty());
    }
}

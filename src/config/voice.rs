//! Voice settings: a layer as written (show, named voice, front matter), the
//! resolved voice a sentence is spoken with, and the name transcripts give
//! the speaker (kept out of the resolved voice, so renaming a speaker
//! re-synthesises nothing).

use serde::Serialize;

use super::schema::RawVoice;
use super::source::{SourceText, Sourced};
use crate::diagnostic::Diagnostic;
use crate::engines;

/// One `[voice]` or `[voices.NAME]` table; unset keys inherit.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct VoiceLayer {
    pub engine: Option<Sourced<String>>,
    pub voice: Option<Sourced<String>>,
    pub rate: Option<Sourced<u32>>,
    pub pitch: Option<Sourced<u32>>,
    pub volume: Option<Sourced<u32>>,
    /// The speaker's name in transcripts; `""` leaves its lines unlabelled.
    pub name: Option<Sourced<String>>,
}

pub const RATE_RANGE: std::ops::RangeInclusive<u32> = 80..=450;
pub const PITCH_RANGE: std::ops::RangeInclusive<u32> = 0..=100;
pub const VOLUME_RANGE: std::ops::RangeInclusive<u32> = 0..=200;

impl VoiceLayer {
    pub fn from_raw(raw: RawVoice, source: &SourceText) -> Result<VoiceLayer, Diagnostic> {
        let layer = VoiceLayer {
            engine: raw.engine.map(|v| source.sourced(v)),
            voice: raw.voice.map(|v| source.sourced(v)),
            rate: raw.rate.map(|v| source.sourced(v)),
            pitch: raw.pitch.map(|v| source.sourced(v)),
            volume: raw.volume.map(|v| source.sourced(v)),
            name: raw.name.map(|v| source.sourced(v)),
        };
        if let Some(name) = &layer.name
            && (name.value.chars().any(char::is_control) || name.value.trim() != name.value)
        {
            // A line break would end a WebVTT or SRT cue early.
            return Err(
                name.error("voice name must be one line without leading or trailing spaces")
            );
        }
        check_range("rate", "words per minute", &layer.rate, RATE_RANGE)?;
        check_range("pitch", "", &layer.pitch, PITCH_RANGE)?;
        check_range("volume", "", &layer.volume, VOLUME_RANGE)?;
        if let Some(engine) = &layer.engine
            && !engines::NAMES.contains(&engine.value.as_str())
        {
            let mut diag = engine.error(format!("unknown engine `{}`", engine.value));
            diag = match crate::diagnostic::did_you_mean(
                &engine.value,
                engines::NAMES.iter().copied(),
            ) {
                Some(best) => diag.with_help(format!("did you mean `{best}`?")),
                None => diag.with_help(format!("available engines: {}", engines::NAMES.join(", "))),
            };
            return Err(diag);
        }
        Ok(layer)
    }

    /// `self` over `base`: keys set here win.
    pub fn over(&self, base: &VoiceLayer) -> VoiceLayer {
        VoiceLayer {
            engine: self.engine.clone().or_else(|| base.engine.clone()),
            voice: self.voice.clone().or_else(|| base.voice.clone()),
            rate: self.rate.clone().or_else(|| base.rate.clone()),
            pitch: self.pitch.clone().or_else(|| base.pitch.clone()),
            volume: self.volume.clone().or_else(|| base.volume.clone()),
            name: self.name.clone().or_else(|| base.name.clone()),
        }
    }

    /// The display name this layer sets: `Some(None)` for `name = ""`.
    pub fn display_name(&self) -> Option<Option<String>> {
        self.name
            .as_ref()
            .map(|n| Some(n.value.clone()).filter(|n| !n.is_empty()))
    }

    /// Fills every unset key with the built-in default and checks the voice
    /// exists in its engine.
    pub fn resolve(&self) -> Result<Voice, Diagnostic> {
        let engine = self
            .engine
            .clone()
            .unwrap_or_else(|| Sourced::default_value(engines::DEFAULT.to_string()));
        let voice = self
            .voice
            .clone()
            .unwrap_or_else(|| Sourced::default_value("en-us".to_string()));
        if let Err(message) = engines::check_voice(&engine.value, &voice.value) {
            return Err(voice.error(message));
        }
        Ok(Voice {
            engine: engine.value,
            voice: voice.value,
            rate: self.rate.as_ref().map_or(175, |v| v.value),
            pitch: self.pitch.as_ref().map_or(50, |v| v.value),
            volume: self.volume.as_ref().map_or(100, |v| v.value),
        })
    }
}

fn check_range(
    key: &str,
    unit: &str,
    value: &Option<Sourced<u32>>,
    range: std::ops::RangeInclusive<u32>,
) -> Result<(), Diagnostic> {
    match value {
        Some(v) if !range.contains(&v.value) => Err(v.error(format!(
            "voice {key} {} is out of range: it must be between {} and {}{}",
            v.value,
            range.start(),
            range.end(),
            if unit.is_empty() {
                String::new()
            } else {
                format!(" {unit}")
            }
        ))),
        _ => Ok(()),
    }
}

/// A fully resolved voice: everything the engine needs to speak a sentence.
/// Part of every `tts` key; the name the script uses for it is not.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, serde::Deserialize)]
pub struct Voice {
    pub engine: String,
    pub voice: String,
    pub rate: u32,
    pub pitch: u32,
    pub volume: u32,
}

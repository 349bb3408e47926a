//! Pause settings: named presets, explicit keys over them, all in milliseconds.

use serde::Serialize;

use super::limits::MAX_PAUSE_MS;
use super::schema::RawPauses;
use super::source::{SourceText, Sourced};
use crate::diagnostic::Diagnostic;

pub const PRESETS: &[(&str, Pauses)] = &[
    (
        "natural",
        Pauses {
            sentence_ms: 400,
            paragraph_ms: 900,
            chapter_ms: 2000,
            comma_ms: 150,
            colon_ms: 250,
            semicolon_ms: 250,
        },
    ),
    (
        "fast",
        Pauses {
            sentence_ms: 250,
            paragraph_ms: 600,
            chapter_ms: 1500,
            comma_ms: 100,
            colon_ms: 150,
            semicolon_ms: 150,
        },
    ),
    (
        "slow",
        Pauses {
            sentence_ms: 600,
            paragraph_ms: 1300,
            chapter_ms: 3000,
            comma_ms: 250,
            colon_ms: 400,
            semicolon_ms: 400,
        },
    ),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct Pauses {
    pub sentence_ms: u32,
    pub paragraph_ms: u32,
    pub chapter_ms: u32,
    pub comma_ms: u32,
    pub colon_ms: u32,
    pub semicolon_ms: u32,
}

/// One `[pauses]` table as written.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct PausesLayer {
    pub preset: Option<Sourced<String>>,
    pub sentence_ms: Option<Sourced<u32>>,
    pub paragraph_ms: Option<Sourced<u32>>,
    pub chapter_ms: Option<Sourced<u32>>,
    pub comma_ms: Option<Sourced<u32>>,
    pub colon_ms: Option<Sourced<u32>>,
    pub semicolon_ms: Option<Sourced<u32>>,
}

impl PausesLayer {
    pub fn from_raw(raw: RawPauses, source: &SourceText) -> Result<PausesLayer, Diagnostic> {
        let s = |v: Option<toml::Spanned<u32>>| v.map(|v| source.sourced(v));
        let layer = PausesLayer {
            preset: raw.preset.map(|v| source.sourced(v)),
            sentence_ms: s(raw.sentence_ms),
            paragraph_ms: s(raw.paragraph_ms),
            chapter_ms: s(raw.chapter_ms),
            comma_ms: s(raw.comma_ms),
            colon_ms: s(raw.colon_ms),
            semicolon_ms: s(raw.semicolon_ms),
        };
        if let Some(preset) = &layer.preset
            && preset_values(&preset.value).is_none()
        {
            let names: Vec<&str> = PRESETS.iter().map(|(n, _)| *n).collect();
            let mut diag = preset.error(format!("unknown pause preset `{}`", preset.value));
            diag = match crate::diagnostic::did_you_mean(&preset.value, names.iter().copied()) {
                Some(best) => diag.with_help(format!("did you mean `{best}`?")),
                None => diag.with_help(format!("the presets are {}", names.join(", "))),
            };
            return Err(diag);
        }
        for (key, value) in [
            ("sentence_ms", &layer.sentence_ms),
            ("paragraph_ms", &layer.paragraph_ms),
            ("chapter_ms", &layer.chapter_ms),
            ("comma_ms", &layer.comma_ms),
            ("colon_ms", &layer.colon_ms),
            ("semicolon_ms", &layer.semicolon_ms),
        ] {
            if let Some(v) = value
                && v.value > MAX_PAUSE_MS
            {
                return Err(v.error(format!(
                    "pauses.{key} = {} is too long: a pause may be at most {MAX_PAUSE_MS} ms",
                    v.value
                )));
            }
        }
        Ok(layer)
    }

    /// `self` over `base`, key by key (a preset here does not reset keys set in `base`).
    pub fn over(&self, base: &PausesLayer) -> PausesLayer {
        fn pick<T: Clone>(a: &Option<T>, b: &Option<T>) -> Option<T> {
            a.clone().or_else(|| b.clone())
        }
        PausesLayer {
            preset: pick(&self.preset, &base.preset),
            sentence_ms: pick(&self.sentence_ms, &base.sentence_ms),
            paragraph_ms: pick(&self.paragraph_ms, &base.paragraph_ms),
            chapter_ms: pick(&self.chapter_ms, &base.chapter_ms),
            comma_ms: pick(&self.comma_ms, &base.comma_ms),
            colon_ms: pick(&self.colon_ms, &base.colon_ms),
            semicolon_ms: pick(&self.semicolon_ms, &base.semicolon_ms),
        }
    }

    /// The preset's values, then every explicit key over them.
    pub fn resolve(&self) -> Pauses {
        let preset = self
            .preset
            .as_ref()
            .and_then(|p| preset_values(&p.value))
            .unwrap_or(PRESETS[0].1);
        let v = |value: &Option<Sourced<u32>>, default: u32| {
            value.as_ref().map_or(default, |v| v.value)
        };
        Pauses {
            sentence_ms: v(&self.sentence_ms, preset.sentence_ms),
            paragraph_ms: v(&self.paragraph_ms, preset.paragraph_ms),
            chapter_ms: v(&self.chapter_ms, preset.chapter_ms),
            comma_ms: v(&self.comma_ms, preset.comma_ms),
            colon_ms: v(&self.colon_ms, preset.colon_ms),
            semicolon_ms: v(&self.semicolon_ms, preset.semicolon_ms),
        }
    }
}

fn preset_values(name: &str) -> Option<Pauses> {
    PRESETS.iter().find(|(n, _)| *n == name).map(|(_, p)| *p)
}

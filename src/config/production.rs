//! `[music]`, `[intro]`, `[outro]` and `[loudness]`: how an episode is mixed
//! and how loud it ends up. Seconds and decibels as written become whole
//! milliseconds and millibels here, so step keys hold no floats.

use std::path::{Path, PathBuf};

use super::schema::{RawLayer, RawLoudness, RawMusic};
use super::source::{SourceText, Sourced};
use crate::diagnostic::Diagnostic;

/// A float setting as whole thousandths, checked to lie in `range`.
fn milli(
    value: &toml::Spanned<f64>,
    source: &SourceText,
    key: &str,
    range: (f64, f64),
    unit: &str,
) -> Result<Sourced<i32>, Diagnostic> {
    let v = source.sourced(value.clone());
    if !v.value.is_finite() || v.value < range.0 || v.value > range.1 {
        return Err(v.error(format!(
            "{key} = {} is out of range: it must be between {} and {} {unit}",
            v.value, range.0, range.1
        )));
    }
    Ok(Sourced {
        value: (v.value * 1000.0).round() as i32,
        location: v.location,
    })
}

/// A path setting, relative to the file that holds it.
pub(super) fn path(value: &toml::Spanned<String>, source: &SourceText) -> Sourced<PathBuf> {
    let v = source.sourced(value.clone());
    let base = source.file.parent().unwrap_or(Path::new(""));
    Sourced {
        value: base.join(&v.value),
        location: v.location,
    }
}

fn positive(v: Option<Sourced<i32>>) -> Option<Sourced<u32>> {
    v.map(|v| Sourced {
        value: v.value.max(0) as u32,
        location: v.location,
    })
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct MusicLayer {
    pub file: Option<Sourced<PathBuf>>,
    pub offset_ms: Option<Sourced<u32>>,
    pub volume_mdb: Option<Sourced<i32>>,
    pub looped: Option<bool>,
    pub fade_in_ms: Option<Sourced<u32>>,
    pub fade_out_ms: Option<Sourced<u32>>,
    pub duck_mdb: Option<Sourced<i32>>,
    pub attack_ms: Option<Sourced<u32>>,
    pub release_ms: Option<Sourced<u32>>,
}

/// A resolved music bed.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Music {
    pub file: Sourced<PathBuf>,
    pub offset_ms: u32,
    pub volume_mdb: i32,
    pub looped: bool,
    pub fade_in_ms: u32,
    pub fade_out_ms: u32,
    pub duck_mdb: i32,
    pub attack_ms: u32,
    pub release_ms: u32,
}

impl MusicLayer {
    pub fn from_raw(raw: RawMusic, source: &SourceText) -> Result<MusicLayer, Diagnostic> {
        let seconds = |v: &Option<toml::Spanned<f64>>, key: &str, max: f64| {
            v.as_ref()
                .map(|v| milli(v, source, key, (0.0, max), "seconds"))
                .transpose()
        };
        let ms = |v: Option<toml::Spanned<u32>>,
                  key: &str|
         -> Result<Option<Sourced<u32>>, Diagnostic> {
            match v.map(|v| source.sourced(v)) {
                Some(v) if v.value > 10_000 => {
                    Err(v.error(format!("{key} = {} is too long: at most 10000 ms", v.value)))
                }
                other => Ok(other),
            }
        };
        Ok(MusicLayer {
            file: raw.file.as_ref().map(|f| path(f, source)),
            offset_ms: positive(seconds(&raw.offset, "music.offset", 86_400.0)?),
            volume_mdb: raw
                .volume_db
                .as_ref()
                .map(|v| milli(v, source, "music.volume_db", (-60.0, 12.0), "dB"))
                .transpose()?,
            looped: raw.looped,
            fade_in_ms: positive(seconds(&raw.fade_in, "music.fade_in", 60.0)?),
            fade_out_ms: positive(seconds(&raw.fade_out, "music.fade_out", 60.0)?),
            duck_mdb: raw
                .duck_db
                .as_ref()
                .map(|v| milli(v, source, "music.duck_db", (-60.0, 0.0), "dB"))
                .transpose()?,
            attack_ms: ms(raw.attack_ms, "music.attack_ms")?,
            release_ms: ms(raw.release_ms, "music.release_ms")?,
        })
    }

    pub fn over(&self, base: &MusicLayer) -> MusicLayer {
        fn pick<T: Clone>(a: &Option<T>, b: &Option<T>) -> Option<T> {
            a.clone().or_else(|| b.clone())
        }
        MusicLayer {
            file: pick(&self.file, &base.file),
            offset_ms: pick(&self.offset_ms, &base.offset_ms),
            volume_mdb: pick(&self.volume_mdb, &base.volume_mdb),
            looped: self.looped.or(base.looped),
            fade_in_ms: pick(&self.fade_in_ms, &base.fade_in_ms),
            fade_out_ms: pick(&self.fade_out_ms, &base.fade_out_ms),
            duck_mdb: pick(&self.duck_mdb, &base.duck_mdb),
            attack_ms: pick(&self.attack_ms, &base.attack_ms),
            release_ms: pick(&self.release_ms, &base.release_ms),
        }
    }

    /// The bed, if a file is set; defaults for every unset key.
    pub fn resolve(&self) -> Option<Music> {
        let v = |x: &Option<Sourced<u32>>, d: u32| x.as_ref().map_or(d, |x| x.value);
        let file = self.file.clone()?;
        Some(Music {
            file,
            offset_ms: v(&self.offset_ms, 0),
            volume_mdb: self.volume_mdb.as_ref().map_or(-18_000, |x| x.value),
            looped: self.looped.unwrap_or(true),
            fade_in_ms: v(&self.fade_in_ms, 1_000),
            fade_out_ms: v(&self.fade_out_ms, 2_000),
            duck_mdb: self.duck_mdb.as_ref().map_or(-12_000, |x| x.value),
            attack_ms: v(&self.attack_ms, 80),
            release_ms: v(&self.release_ms, 400),
        })
    }
}

/// `[intro]` or `[outro]` as written.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct LayerConfig {
    pub file: Option<Sourced<PathBuf>>,
    pub overlap_ms: Option<Sourced<u32>>,
}

/// A resolved intro or outro.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Layer {
    pub file: Sourced<PathBuf>,
    pub overlap_ms: u32,
}

impl LayerConfig {
    pub fn from_raw(
        raw: RawLayer,
        source: &SourceText,
        table: &str,
    ) -> Result<LayerConfig, Diagnostic> {
        Ok(LayerConfig {
            file: raw.file.as_ref().map(|f| path(f, source)),
            overlap_ms: positive(
                raw.overlap
                    .as_ref()
                    .map(|v| {
                        milli(
                            v,
                            source,
                            &format!("{table}.overlap"),
                            (0.0, 30.0),
                            "seconds",
                        )
                    })
                    .transpose()?,
            ),
        })
    }

    pub fn over(&self, base: &LayerConfig) -> LayerConfig {
        LayerConfig {
            file: self.file.clone().or_else(|| base.file.clone()),
            overlap_ms: self.overlap_ms.clone().or_else(|| base.overlap_ms.clone()),
        }
    }

    pub fn resolve(&self) -> Option<Layer> {
        Some(Layer {
            file: self.file.clone()?,
            overlap_ms: self.overlap_ms.as_ref().map_or(0, |o| o.value),
        })
    }
}

/// `[loudness]`: integrated loudness target and true-peak ceiling, in
/// thousandths of LUFS and dB.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Loudness {
    pub target_mlufs: i32,
    pub ceiling_mdb: i32,
}

pub const LOUDNESS_PRESETS: &[(&str, Loudness)] = &[
    (
        "podcast",
        Loudness {
            target_mlufs: -16_000,
            ceiling_mdb: -1_000,
        },
    ),
    (
        "podcast-mono",
        Loudness {
            target_mlufs: -19_000,
            ceiling_mdb: -1_000,
        },
    ),
    (
        "audiobook",
        Loudness {
            target_mlufs: -20_000,
            ceiling_mdb: -3_000,
        },
    ),
    (
        "ebu-r128",
        Loudness {
            target_mlufs: -23_000,
            ceiling_mdb: -1_000,
        },
    ),
];

impl Loudness {
    pub fn from_raw(raw: RawLoudness, source: &SourceText) -> Result<Loudness, Diagnostic> {
        let mut loudness = LOUDNESS_PRESETS[0].1;
        if let Some(preset) = raw.preset {
            let preset = source.sourced(preset);
            match LOUDNESS_PRESETS
                .iter()
                .find(|(name, _)| *name == preset.value)
            {
                Some((_, values)) => loudness = *values,
                None => {
                    let names: Vec<&str> = LOUDNESS_PRESETS.iter().map(|(n, _)| *n).collect();
                    let diag = preset.error(format!("unknown loudness preset `{}`", preset.value));
                    return Err(
                        match crate::diagnostic::did_you_mean(&preset.value, names.iter().copied())
                        {
                            Some(best) => diag.with_help(format!("did you mean `{best}`?")),
                            None => diag.with_help(format!("the presets are {}", names.join(", "))),
                        },
                    );
                }
            }
        }
        if let Some(target) = &raw.target_lufs {
            loudness.target_mlufs = milli(
                target,
                source,
                "loudness.target_lufs",
                (-40.0, -5.0),
                "LUFS",
            )?
            .value;
        }
        if let Some(peak) = &raw.true_peak_db {
            loudness.ceiling_mdb =
                milli(peak, source, "loudness.true_peak_db", (-10.0, 0.0), "dBTP")?.value;
        }
        Ok(loudness)
    }
}

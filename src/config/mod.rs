//! `podcast.toml`: parsing, validation, and the settings each episode resolves
//! to once its front matter is layered on top.

mod output;
mod pauses;
mod schema;
mod source;
mod voice;

use std::collections::BTreeMap;
use std::path::PathBuf;

pub use output::{Format, Output};
pub use pauses::{MAX_PAUSE_MS, Pauses, PausesLayer};
pub use schema::RawFrontMatter;
pub use source::{SourceText, Sourced};
pub use voice::{Voice, VoiceLayer};

use crate::diagnostic::Diagnostic;

/// The show-wide configuration, validated, with voice and pause tables kept as
/// layers so episodes can override them key by key.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Config {
    pub title: String,
    pub author: Option<String>,
    pub language: Option<String>,
    pub description: Option<String>,
    pub episodes: Vec<Sourced<String>>,
    pub voice: VoiceLayer,
    pub voices: BTreeMap<String, VoiceLayer>,
    pub pauses: PausesLayer,
    pub output: Output,
    pub target_dir: Option<Sourced<String>>,
}

impl Config {
    pub fn parse(source: &SourceText) -> Result<Config, Diagnostic> {
        let raw: schema::RawConfig =
            toml::from_str(&source.text).map_err(|e| source.toml_error(&e))?;
        let episodes_span = raw.podcast.episodes.span();
        let episodes: Vec<Sourced<String>> = raw
            .podcast
            .episodes
            .into_inner()
            .into_iter()
            .map(|p| source.sourced(p))
            .collect();
        if episodes.is_empty() {
            return Err(Diagnostic::error(
                "podcast.episodes is empty: list at least one glob pattern",
            )
            .at(source.location(episodes_span)));
        }
        let voice = VoiceLayer::from_raw(raw.voice.unwrap_or_default(), source)?;
        let voices = voice_layers(raw.voices, source)?;
        let config = Config {
            title: raw.podcast.title.into_inner(),
            author: raw.podcast.author,
            language: raw.podcast.language,
            description: raw.podcast.description,
            episodes,
            pauses: PausesLayer::from_raw(raw.pauses.unwrap_or_default(), source)?,
            output: Output::from_raw(raw.output.unwrap_or_default(), source)?,
            target_dir: raw
                .build
                .and_then(|b| b.target_dir)
                .map(|t| source.sourced(t)),
            voice,
            voices,
        };
        // Resolve once here so a bad show-wide voice is reported against
        // podcast.toml even before any episode is planned.
        config.voice.resolve()?;
        for layer in config.voices.values() {
            layer.over(&config.voice).resolve()?;
        }
        Ok(config)
    }
}

fn voice_layers(
    raw: BTreeMap<toml::Spanned<String>, schema::RawVoice>,
    source: &SourceText,
) -> Result<BTreeMap<String, VoiceLayer>, Diagnostic> {
    let mut layers = BTreeMap::new();
    for (name, raw_voice) in raw {
        let name = source.sourced(name);
        let valid = !name.value.is_empty()
            && name
                .value
                .chars()
                .all(|c| c.is_alphanumeric() || c == '_' || c == '-' || c == ' ');
        if !valid {
            return Err(name.error(format!(
                "voice name `{}` is not usable as a speaker prefix: use letters, digits, `-`, `_` or spaces",
                name.value
            )));
        }
        layers.insert(
            name.value.to_lowercase(),
            VoiceLayer::from_raw(raw_voice, source)?,
        );
    }
    Ok(layers)
}

/// What one episode's front matter says, validated.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct FrontMatter {
    pub title: Option<String>,
    pub number: Option<u32>,
    pub date: Option<String>,
    pub description: Option<String>,
    pub voice: VoiceLayer,
    pub voices: BTreeMap<String, VoiceLayer>,
    pub pauses: PausesLayer,
}

impl FrontMatter {
    pub fn parse(source: &SourceText) -> Result<FrontMatter, Diagnostic> {
        let raw: RawFrontMatter =
            toml::from_str(&source.text[source.offset..]).map_err(|e| source.toml_error(&e))?;
        Ok(FrontMatter {
            title: raw.title,
            number: raw.number,
            date: raw.date.map(|d| match d {
                schema::RawDate::Date(date) => date.to_string(),
                schema::RawDate::Text(text) => text,
            }),
            description: raw.description,
            voice: VoiceLayer::from_raw(raw.voice.unwrap_or_default(), source)?,
            voices: voice_layers(raw.voices, source)?,
            pauses: PausesLayer::from_raw(raw.pauses.unwrap_or_default(), source)?,
        })
    }
}

/// The voices and pauses one episode is built with.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct EpisodeSettings {
    pub default_voice: Voice,
    /// Lower-cased speaker name -> voice.
    pub voices: BTreeMap<String, Voice>,
    pub pauses: Pauses,
}

impl EpisodeSettings {
    /// Front matter over the show: episode keys win; a named voice inherits
    /// every key it leaves unset from the episode's resolved `[voice]`.
    pub fn resolve(config: &Config, front: &FrontMatter) -> Result<EpisodeSettings, Diagnostic> {
        let default_layer = front.voice.over(&config.voice);
        let default_voice = default_layer.resolve()?;
        let mut voices = BTreeMap::new();
        let names = config.voices.keys().chain(front.voices.keys());
        for name in names {
            let empty = VoiceLayer::default();
            let show = config.voices.get(name).unwrap_or(&empty);
            let episode = front.voices.get(name).unwrap_or(&empty);
            let layer = episode.over(show).over(&default_layer);
            voices.insert(name.clone(), layer.resolve()?);
        }
        Ok(EpisodeSettings {
            default_voice,
            voices,
            pauses: front.pauses.over(&config.pauses).resolve(),
        })
    }
}

/// Where the config asks for the target directory, relative to `root`.
pub fn configured_target_dir(config: &Config, root: &std::path::Path) -> Option<PathBuf> {
    config.target_dir.as_ref().map(|t| root.join(&t.value))
}

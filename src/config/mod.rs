//! `podcast.toml`: parsing, validation, and the settings each episode resolves
//! to once its front matter is layered on top.

mod date;
mod engines;
mod expected;
mod feed;
mod limits;
mod output;
mod pauses;
mod production;
mod pronunciations;
mod remote;
mod schema;
mod site;
mod source;
mod video;
mod voice;

use std::collections::BTreeMap;
use std::path::PathBuf;

pub use feed::{EpisodeType, Feed, Owner, check_http_url};
pub use limits::MAX_PAUSE_MS;
pub use output::{Format, Mp3Mode, Output};
pub use pauses::{Pauses, PausesLayer};
pub use production::{LOUDNESS_PRESETS, Layer, LayerConfig, Loudness, Music, MusicLayer};
pub use pronunciations::{LexiconFiles, PronunciationsLayer, parse_pls};
pub use remote::{AuthScheme, RemoteCache, check_url as check_remote_url};
pub use schema::RawFrontMatter;
pub use site::Site;
pub use source::{SourceText, Sourced};
pub use video::{AVATAR_KEY, AvatarCommand, Backdrop, SIZE_PRESETS, Video, VideoLayer};
pub use voice::{Voice, VoiceLayer};

use crate::diagnostic::Diagnostic;
use crate::engines::files::ProbedFiles;

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
    /// `[build] allow_paths`: directories outside the project pod may read.
    pub allow_paths: Vec<Sourced<String>>,
    /// `[cache]`: garbage collection after each build.
    pub cache: crate::cache::gc::Policy,
    /// `[cache] remote` and its settings.
    pub remote: RemoteCache,
    pub cover: Option<Sourced<PathBuf>>,
    pub music: MusicLayer,
    pub intro: LayerConfig,
    pub outro: LayerConfig,
    pub loudness: Loudness,
    /// `[engines.NAME]`: request limits, retries and spending per engine.
    pub engines: crate::engines::options::EnginesOptions,
    pub pronunciations: PronunciationsLayer,
    pub video: VideoLayer,
    /// `[feed]`: the show's RSS feed, when it has one.
    pub feed: Option<Feed>,
    /// `[site]`: the show's website, when it has one.
    pub site: Option<Site>,
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
        let cover = raw.podcast.cover.map(|c| {
            let c = source.sourced(c);
            Sourced {
                value: source
                    .file
                    .parent()
                    .unwrap_or(std::path::Path::new(""))
                    .join(&c.value),
                location: c.location,
            }
        });
        let build = raw.build.unwrap_or_default();
        let output = Output::from_raw(raw.output.unwrap_or_default(), source)?;
        let feed = match raw.feed {
            None => None,
            Some(feed) => Some(Feed::from_raw(
                feed,
                &feed::Show {
                    description: raw.podcast.description.as_deref(),
                    author: raw.podcast.author.as_deref(),
                    language: raw.podcast.language.as_deref(),
                    cover: cover.as_ref(),
                    formats: &output.formats,
                },
                source,
            )?),
        };
        let site = raw
            .site
            .map(|site| Site::from_raw(site, &output.formats, source))
            .transpose()?;
        let config = Config {
            title: raw.podcast.title.into_inner(),
            author: raw.podcast.author,
            language: raw.podcast.language,
            description: raw.podcast.description,
            episodes,
            pauses: PausesLayer::from_raw(raw.pauses.unwrap_or_default(), source)?,
            output,
            target_dir: build.target_dir.map(|t| source.sourced(t)),
            allow_paths: build
                .allow_paths
                .into_iter()
                .map(|p| source.sourced(p))
                .collect(),
            remote: RemoteCache::from_raw(
                raw.cache.as_ref().unwrap_or(&Default::default()),
                source,
            )?,
            cache: cache_policy(raw.cache.unwrap_or_default(), source)?,
            cover,
            music: MusicLayer::from_raw(raw.music.unwrap_or_default(), source)?,
            intro: LayerConfig::from_raw(raw.intro.unwrap_or_default(), source, "intro")?,
            outro: LayerConfig::from_raw(raw.outro.unwrap_or_default(), source, "outro")?,
            loudness: Loudness::from_raw(raw.loudness.unwrap_or_default(), source)?,
            engines: engines::from_raw(raw.engines, source)?,
            pronunciations: PronunciationsLayer::from_raw(
                raw.pronunciations.unwrap_or_default(),
                source,
            )?,
            video: VideoLayer::from_raw(raw.video.unwrap_or_default(), source)?,
            voice,
            voices,
            feed,
            site,
        };
        // Resolve once here so a bad show-wide voice is reported against
        // podcast.toml even before any episode is planned.
        // Checked here so a bad voice is refused even with no episode; the
        // engines' versions do not matter for that, and files are read
        // (and refused) only before planning.
        config.voice.resolve(&BTreeMap::new(), None)?;
        for layer in config.voices.values() {
            layer.over(&config.voice).resolve(&BTreeMap::new(), None)?;
        }
        Ok(config)
    }
}

fn cache_policy(
    raw: schema::RawCache,
    source: &SourceText,
) -> Result<crate::cache::gc::Policy, Diagnostic> {
    let max_size =
        match raw.max_size {
            None => None,
            Some(size) => {
                let size = source.sourced(size);
                let bytes = match &size.value {
                    schema::RawSize::Bytes(bytes) => Some(*bytes),
                    schema::RawSize::Text(text) => parse_size(text),
                };
                match bytes {
                    Some(bytes) if bytes > 0 => Some(bytes),
                    _ => return Err(size.error(
                        "cache.max_size must be a positive size such as \"500 MiB\" or \"2 GB\"",
                    )),
                }
            }
        };
    Ok(crate::cache::gc::Policy {
        retention_days: raw.retention_days.map(|d| d.into_inner()),
        max_size,
    })
}

/// `"500 MiB"`, `"2GB"`, `"1.5 GiB"`, `"4096"` -> bytes.
pub fn parse_size(text: &str) -> Option<u64> {
    let text = text.trim();
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let (number, unit) = (text[..split].trim(), text[split..].trim());
    let number: f64 = number
        .parse()
        .ok()
        .filter(|n: &f64| n.is_finite() && *n >= 0.0)?;
    let scale: u64 = match unit.to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "kb" | "k" => 1_000,
        "kib" => 1 << 10,
        "mb" | "m" => 1_000_000,
        "mib" => 1 << 20,
        "gb" | "g" => 1_000_000_000,
        "gib" => 1 << 30,
        "tb" => 1_000_000_000_000,
        "tib" => 1 << 40,
        _ => return None,
    };
    Some((number * scale as f64).round() as u64)
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
    pub season: Option<u32>,
    pub episode_type: EpisodeType,
    pub draft: bool,
    pub guid: Option<String>,
    pub voice: VoiceLayer,
    pub voices: BTreeMap<String, VoiceLayer>,
    pub pauses: PausesLayer,
    pub music: MusicLayer,
    pub intro: LayerConfig,
    pub outro: LayerConfig,
    pub pronunciations: PronunciationsLayer,
    pub video: VideoLayer,
}

impl FrontMatter {
    pub fn parse(source: &SourceText) -> Result<FrontMatter, Diagnostic> {
        let raw: RawFrontMatter =
            toml::from_str(&source.text[source.offset..]).map_err(|e| source.toml_error(&e))?;
        Ok(FrontMatter {
            title: raw.title,
            number: raw.number,
            date: raw.date.map(|d| date::parse(d, source)).transpose()?,
            description: raw.description,
            season: raw.season,
            episode_type: raw
                .episode_type
                .map(|t| EpisodeType::parse(source.sourced(t)))
                .transpose()?
                .unwrap_or_default(),
            draft: raw.draft,
            guid: raw.guid,
            voice: VoiceLayer::from_raw(raw.voice.unwrap_or_default(), source)?,
            voices: voice_layers(raw.voices, source)?,
            pauses: PausesLayer::from_raw(raw.pauses.unwrap_or_default(), source)?,
            music: MusicLayer::from_raw(raw.music.unwrap_or_default(), source)?,
            intro: LayerConfig::from_raw(raw.intro.unwrap_or_default(), source, "intro")?,
            outro: LayerConfig::from_raw(raw.outro.unwrap_or_default(), source, "outro")?,
            pronunciations: PronunciationsLayer::from_raw(
                raw.pronunciations.unwrap_or_default(),
                source,
            )?,
            video: VideoLayer::from_raw(raw.video.unwrap_or_default(), source)?,
        })
    }
}

/// The voices and pauses one episode is built with.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct EpisodeSettings {
    pub default_voice: Voice,
    /// Lower-cased speaker name -> voice.
    pub voices: BTreeMap<String, Voice>,
    /// Display names set with `name` (see `VoiceLayer::display_name`): the
    /// default voice's, and each named voice's by lower-cased key.
    pub default_name: Option<Option<String>>,
    pub names: BTreeMap<String, Option<String>>,
    pub pauses: Pauses,
    pub music: Option<Music>,
    pub intro: Option<Layer>,
    pub outro: Option<Layer>,
    /// `[pronunciations]` entries, first ones winning (`pronunciations::resolve`).
    pub pronunciations: Vec<Sourced<crate::engines::pronounce::Entry>>,
    pub video: Video,
}

/// Every voice as planning merges it, show-wide (`front` = `None`) or for
/// an episode with this front matter: the layers whose engine and settings
/// are final, so the engine each setting belongs to is known.
pub fn merged_voices(config: &Config, front: Option<&FrontMatter>) -> Vec<VoiceLayer> {
    let empty = VoiceLayer::default();
    let default_layer = match front {
        Some(front) => front.voice.over(&config.voice),
        None => config.voice.clone(),
    };
    let names: std::collections::BTreeSet<&String> = config
        .voices
        .keys()
        .chain(front.into_iter().flat_map(|f| f.voices.keys()))
        .collect();
    let named = names.into_iter().map(|name| {
        let show = config.voices.get(name).unwrap_or(&empty);
        let episode = front.and_then(|f| f.voices.get(name)).unwrap_or(&empty);
        episode.over(show).over(&default_layer)
    });
    let mut layers: Vec<VoiceLayer> = named.collect();
    layers.push(default_layer);
    layers
}

impl EpisodeSettings {
    /// Front matter over the show: episode keys win; a named voice inherits
    /// every key it leaves unset from the episode's resolved `[voice]`.
    /// `versions` are the engines' versions, `files` what the voices'
    /// file settings hold and `lexicons` what the lexicon files hold, all
    /// read for this build.
    pub fn resolve(
        config: &Config,
        front: &FrontMatter,
        versions: &BTreeMap<String, String>,
        files: &ProbedFiles,
        lexicons: &LexiconFiles,
    ) -> Result<EpisodeSettings, Diagnostic> {
        let default_layer = front.voice.over(&config.voice);
        let default_voice = default_layer.resolve(versions, Some(files))?;
        let mut voices = BTreeMap::new();
        let mut names = BTreeMap::new();
        for name in config.voices.keys().chain(front.voices.keys()) {
            let empty = VoiceLayer::default();
            let show = config.voices.get(name).unwrap_or(&empty);
            let episode = front.voices.get(name).unwrap_or(&empty);
            let own = episode.over(show);
            // A speaker's name is its own, never inherited from `[voice]`.
            if let Some(display) = own.display_name() {
                names.insert(name.clone(), display);
            }
            voices.insert(
                name.clone(),
                own.over(&default_layer).resolve(versions, Some(files))?,
            );
        }
        Ok(EpisodeSettings {
            default_voice,
            voices,
            default_name: default_layer.display_name(),
            names,
            pauses: front.pauses.over(&config.pauses).resolve(),
            music: front.music.over(&config.music).resolve(),
            intro: front.intro.over(&config.intro).resolve(),
            outro: front.outro.over(&config.outro).resolve(),
            pronunciations: pronunciations::resolve(
                &config.pronunciations,
                &front.pronunciations,
                lexicons,
            )?,
            video: front
                .video
                .over(&config.video)
                .resolve(config.cover.as_ref(), files)?,
        })
    }
}

/// Where the config asks for the target directory, relative to `root`.
pub fn configured_target_dir(config: &Config, root: &std::path::Path) -> Option<PathBuf> {
    config.target_dir.as_ref().map(|t| root.join(&t.value))
}

#[cfg(test)]
mod tests {
    use super::parse_size;

    #[test]
    fn sizes() {
        assert_eq!(parse_size("500 MiB"), Some(500 << 20));
        assert_eq!(parse_size("2GB"), Some(2_000_000_000));
        assert_eq!(parse_size("1.5 GiB"), Some(3 << 29));
        assert_eq!(parse_size("4096"), Some(4096));
        assert_eq!(parse_size("lots"), None);
        assert_eq!(parse_size("5 parsecs"), None);
    }
}

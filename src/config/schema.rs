//! The raw TOML schema of `podcast.toml` and of script front matter, exactly
//! as written. Unknown keys are errors; every leaf keeps its span.

use std::collections::BTreeMap;

use serde::Deserialize;
use toml::Spanned;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawConfig {
    pub podcast: RawPodcast,
    pub voice: Option<RawVoice>,
    #[serde(default)]
    pub voices: BTreeMap<Spanned<String>, RawVoice>,
    pub pauses: Option<RawPauses>,
    pub output: Option<RawOutput>,
    pub build: Option<RawBuild>,
    pub cache: Option<RawCache>,
    pub music: Option<RawMusic>,
    pub intro: Option<RawLayer>,
    pub outro: Option<RawLayer>,
    pub loudness: Option<RawLoudness>,
    #[serde(default)]
    pub engines: BTreeMap<Spanned<String>, RawEngineOptions>,
    pub pronunciations: Option<RawPronunciations>,
    pub video: Option<RawVideo>,
    pub feed: Option<toml::Spanned<RawFeed>>,
    pub site: Option<toml::Spanned<RawSite>>,
}

/// `[site]`: the show's static website (`config::site`).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSite {
    pub title: Option<String>,
    pub accent: Option<Spanned<String>>,
    pub background: Option<Spanned<String>>,
    pub text: Option<Spanned<String>>,
    #[serde(default)]
    pub links: Vec<RawLink>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawLink {
    pub title: String,
    pub url: Spanned<String>,
}

/// `[feed]`: the show's RSS feed (`config::feed`).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawFeed {
    /// Where the outputs will be served from.
    pub base_url: Option<Spanned<String>>,
    pub image: Option<Spanned<String>>,
    #[serde(default)]
    pub categories: Vec<Spanned<String>>,
    pub explicit: Option<bool>,
    pub owner: Option<RawOwner>,
    #[serde(rename = "type")]
    pub kind: Option<Spanned<String>>,
    pub link: Option<Spanned<String>>,
    pub copyright: Option<String>,
    pub locked: Option<bool>,
    /// The output format the feed's items enclose.
    pub enclosure: Option<Spanned<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawOwner {
    pub name: Option<String>,
    pub email: Option<Spanned<String>>,
}

/// `[video]`: how the MP4 looks (`config::video`).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawVideo {
    pub size: Option<Spanned<String>>,
    pub fps: Option<Spanned<u32>>,
    pub style: Option<Spanned<String>>,
    /// A colour (`"#101820"`) or a PNG/JPEG file.
    pub background: Option<Spanned<String>>,
    pub cover: Option<Spanned<String>>,
    pub color: Option<Spanned<String>>,
    pub caption_color: Option<Spanned<String>>,
    pub captions: Option<Spanned<String>>,
    pub font: Option<Spanned<String>>,
    pub chapter_cards: Option<bool>,
    /// A program that makes each chapter's background video (a talking head).
    pub avatar_command: Option<Spanned<Vec<String>>>,
}

/// `[pronunciations]`: `lexicons = [...]` and one entry per word, checked
/// by `config::pronunciations` (the words are the user's, so no schema).
#[derive(Debug, Default, Deserialize)]
#[serde(transparent)]
pub struct RawPronunciations(pub BTreeMap<Spanned<String>, Spanned<toml::Value>>);

/// `[engines.NAME]`: how pod talks to one engine (`engines::options`).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawEngineOptions {
    pub max_concurrent: Option<Spanned<u32>>,
    pub requests_per_minute: Option<Spanned<u32>>,
    /// Seconds.
    pub timeout: Option<Spanned<f64>>,
    pub retries: Option<Spanned<u32>>,
    pub max_characters: Option<Spanned<u64>>,
    pub price_per_million_chars: Option<Spanned<f64>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPodcast {
    pub title: Spanned<String>,
    pub author: Option<String>,
    pub language: Option<String>,
    pub description: Option<String>,
    pub episodes: Spanned<Vec<Spanned<String>>>,
    /// Cover art (JPEG or PNG), relative to podcast.toml.
    pub cover: Option<Spanned<String>>,
}

/// One `[voice]` or `[voices.NAME]` table: `engine`, `name`, and the
/// engine's own settings, which only the engine can check (see
/// `config::voice`), so every key and value keeps its span.
#[derive(Debug, Default, Deserialize)]
#[serde(transparent)]
pub struct RawVoice(pub BTreeMap<Spanned<String>, Spanned<toml::Value>>);

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPauses {
    pub preset: Option<Spanned<String>>,
    pub sentence_ms: Option<Spanned<u32>>,
    pub paragraph_ms: Option<Spanned<u32>>,
    pub chapter_ms: Option<Spanned<u32>>,
    pub comma_ms: Option<Spanned<u32>>,
    pub colon_ms: Option<Spanned<u32>>,
    pub semicolon_ms: Option<Spanned<u32>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawOutput {
    pub sample_rate: Option<Spanned<u32>>,
    pub channels: Option<Spanned<u16>>,
    pub formats: Option<Spanned<Vec<Spanned<String>>>>,
    pub mp3_bitrate: Option<Spanned<u32>>,
    pub mp3_quality: Option<Spanned<u32>>,
    pub aac_bitrate: Option<Spanned<u32>>,
}

/// `[music]`: a bed under the speech. Seconds for times, dB for levels.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawMusic {
    pub file: Option<Spanned<String>>,
    pub offset: Option<Spanned<f64>>,
    pub volume_db: Option<Spanned<f64>>,
    #[serde(rename = "loop")]
    pub looped: Option<bool>,
    pub fade_in: Option<Spanned<f64>>,
    pub fade_out: Option<Spanned<f64>>,
    pub duck_db: Option<Spanned<f64>>,
    pub attack_ms: Option<Spanned<u32>>,
    pub release_ms: Option<Spanned<u32>>,
}

/// `[intro]` / `[outro]`: a file, and how many seconds it overlaps the speech.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawLayer {
    pub file: Option<Spanned<String>>,
    pub overlap: Option<Spanned<f64>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawLoudness {
    pub preset: Option<Spanned<String>>,
    pub target_lufs: Option<Spanned<f64>>,
    pub true_peak_db: Option<Spanned<f64>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawBuild {
    /// Relative to the directory of podcast.toml.
    pub target_dir: Option<Spanned<String>>,
    /// Directories outside the project pod may read inputs from.
    #[serde(default)]
    pub allow_paths: Vec<Spanned<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCache {
    pub retention_days: Option<Spanned<u32>>,
    pub max_size: Option<Spanned<RawSize>>,
    /// The shared remote cache's URL (`ac/` and `cas/` under it).
    pub remote: Option<Spanned<String>>,
    pub remote_read_only: Option<bool>,
    /// Seconds to wait for the remote to connect or answer.
    pub remote_timeout: Option<Spanned<u32>>,
    /// Names of environment variables: credentials never sit in the file.
    pub token_env: Option<Spanned<String>>,
    pub auth: Option<Spanned<String>>,
    pub signing_key_env: Option<Spanned<String>>,
}

/// `max_size = 1073741824` (bytes) or `max_size = "1 GiB"`.
#[derive(Debug, Deserialize)]
#[serde(
    untagged,
    expecting = "a size such as \"500 MiB\" or a number of bytes"
)]
pub enum RawSize {
    Bytes(u64),
    Text(String),
}

/// Front matter of one episode script (between `+++` lines).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawFrontMatter {
    pub title: Option<String>,
    pub number: Option<u32>,
    pub date: Option<Spanned<RawDate>>,
    pub description: Option<String>,
    pub season: Option<u32>,
    pub episode_type: Option<Spanned<String>>,
    /// Built, but kept out of the feed.
    #[serde(default)]
    pub draft: bool,
    /// The feed item's guid, for episodes that had one before pod.
    pub guid: Option<String>,
    pub voice: Option<RawVoice>,
    #[serde(default)]
    pub voices: BTreeMap<Spanned<String>, RawVoice>,
    pub pauses: Option<RawPauses>,
    pub music: Option<RawMusic>,
    pub intro: Option<RawLayer>,
    pub outro: Option<RawLayer>,
    pub pronunciations: Option<RawPronunciations>,
    pub video: Option<RawVideo>,
}

/// `date = 2026-11-02` (a TOML date) or `date = "2026-11-02"`.
#[derive(Debug, Deserialize)]
#[serde(untagged, expecting = "a date such as 2026-11-02")]
pub enum RawDate {
    Date(toml::value::Datetime),
    Text(String),
}

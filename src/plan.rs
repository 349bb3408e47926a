//! Planning: pure salsa queries from the config and script texts to every
//! step's input and key. Nothing here touches the disk; the executor does.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

pub use crate::audio::tags::Tags;
use crate::cache::ActionKey;
use crate::config::{
    Config, EpisodeSettings, Layer, LexiconFiles, Loudness, Music, Output, SourceText, Sourced,
    Voice,
};
use crate::diagnostic::Diagnostic;
use crate::engines::files::ProbedFiles;
use crate::engines::pronounce::{self, Entry, Lexicon};
use crate::script::{self, Item, Script};
use crate::step::action_key;
use crate::steps::{Tts, TtsInput};

#[salsa::db]
#[derive(Default, Clone)]
pub struct PlanDb {
    storage: salsa::Storage<Self>,
}

#[salsa::db]
impl salsa::Database for PlanDb {}

/// `podcast.toml`, as read.
#[salsa::input]
pub struct ProjectInput {
    #[returns(ref)]
    pub manifest: PathBuf,
    #[returns(ref)]
    pub text: Arc<str>,
    /// Every engine's version, probed once per build (a program is asked;
    /// see `engines::probe_versions`): an input, so planning stays pure and
    /// a new version re-plans exactly the sentences of its voices.
    #[returns(ref)]
    pub engine_versions: BTreeMap<String, String>,
    /// What each file a voice setting names (a hibari `model`) held when
    /// read before planning: its content hash, or why it is refused. An
    /// input for the same reason: new bytes re-plan exactly its voices.
    #[returns(ref)]
    pub voice_files: ProbedFiles,
    /// What each `[pronunciations]` lexicon file held when read before
    /// planning: its entries, or why it is refused.
    #[returns(ref)]
    pub lexicon_files: LexiconFiles,
}

/// One episode script, as read.
#[salsa::input]
pub struct ScriptInput {
    #[returns(copy)]
    pub project: ProjectInput,
    #[returns(ref)]
    pub path: PathBuf,
    #[returns(ref)]
    pub id: String,
    #[returns(ref)]
    pub bytes: Vec<u8>,
}

#[salsa::tracked(returns(ref))]
pub fn config(db: &dyn salsa::Database, project: ProjectInput) -> Result<Config, Diagnostic> {
    let source = SourceText {
        file: project.manifest(db).clone(),
        text: project.text(db).clone(),
        offset: 0,
    };
    Config::parse(&source)
}

/// The speaker names scripts may use; kept apart so that config edits that
/// leave them alone do not re-parse any script.
#[salsa::tracked(returns(ref))]
pub fn voice_names(db: &dyn salsa::Database, project: ProjectInput) -> Vec<String> {
    match config(db, project) {
        Ok(config) => config.voices.keys().cloned().collect(),
        Err(_) => Vec::new(),
    }
}

#[salsa::tracked(returns(ref))]
pub fn parsed_script(db: &dyn salsa::Database, input: ScriptInput) -> Result<Script, Diagnostic> {
    script::parse(
        input.path(db),
        input.bytes(db),
        voice_names(db, input.project(db)),
    )
}

#[salsa::tracked(returns(ref))]
pub fn episode_plan(
    db: &dyn salsa::Database,
    input: ScriptInput,
) -> Result<Arc<EpisodePlan>, Diagnostic> {
    let config = config(db, input.project(db))
        .as_ref()
        .map_err(Clone::clone)?;
    let script = parsed_script(db, input).as_ref().map_err(Clone::clone)?;
    let project = input.project(db);
    let settings = EpisodeSettings::resolve(
        config,
        &script.front,
        project.engine_versions(db),
        project.voice_files(db),
        project.lexicon_files(db),
    )?;
    Ok(Arc::new(EpisodePlan::new(
        input.id(db).clone(),
        input.path(db).clone(),
        config,
        script,
        &settings,
    )?))
}

/// Everything the executor needs to build one episode.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct EpisodePlan {
    pub id: String,
    pub source: PathBuf,
    pub title: String,
    pub sentences: Vec<PlannedSentence>,
    pub timeline: Vec<TimelineItem>,
    pub chapters: Vec<ChapterMark>,
    pub output: Output,
    pub warnings: Vec<Diagnostic>,
    pub music: Option<Music>,
    pub intro: Option<Layer>,
    pub outro: Option<Layer>,
    pub loudness: Loudness,
    pub cover: Option<Sourced<PathBuf>>,
    pub video: crate::config::Video,
    pub tags: Tags,
    /// How the feed lists it (front matter).
    pub release: Release,
}

/// What the feed says of an episode besides its tags.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Release {
    pub season: Option<u32>,
    pub episode_type: crate::config::EpisodeType,
    /// Built, never listed.
    pub draft: bool,
    pub guid: Option<String>,
    /// Who speaks, by name, with their `podcast:person` role, hosts first.
    pub persons: Vec<(String, String)>,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PlannedSentence {
    pub key: ActionKey,
    pub input: Arc<TtsInput>,
    pub line: u32,
    pub column: u32,
    /// The sentence as written, for transcripts.
    pub display: String,
    /// The speaker's display name (see `speaker_name`).
    pub speaker: Option<String>,
    /// The script names the speaker (`Guest: ...`): burned captions say who.
    pub named: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum TimelineItem {
    /// Index into `sentences`.
    Speech(usize),
    SilenceMs(u32),
    /// `[sound path]`: a media file played at this point (line and column in the script).
    Sound {
        path: PathBuf,
        line: u32,
        column: u32,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ChapterMark {
    pub title: Option<String>,
    /// Index into `timeline` of the chapter's first item.
    pub starts_at: usize,
}

/// Who transcripts say speaks a paragraph: the voice's `name` when set
/// (`""`: nobody), else for a named voice its prefix as the script writes
/// it (`Guest:`), and for the default voice the show's author.
fn speaker_name(
    config: &Config,
    settings: &EpisodeSettings,
    paragraph: &script::Paragraph,
) -> Option<String> {
    match &paragraph.speaker {
        Some(key) => settings
            .names
            .get(key)
            .cloned()
            .unwrap_or_else(|| paragraph.speaker_as_written.clone()),
        None => settings
            .default_name
            .clone()
            .unwrap_or_else(|| config.author.clone()),
    }
}

/// The largest boundary crossed since the last speech picks the gap.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Boundary {
    None,
    Sentence,
    Paragraph,
    Chapter,
}

impl EpisodePlan {
    fn new(
        id: String,
        source: PathBuf,
        config: &Config,
        script: &Script,
        settings: &EpisodeSettings,
    ) -> Result<EpisodePlan, Diagnostic> {
        let pauses = &settings.pauses;
        let title = script.front.title.clone().unwrap_or_else(|| id.clone());
        let mut plan = EpisodePlan {
            title: title.clone(),
            id,
            source,
            sentences: Vec::new(),
            timeline: Vec::new(),
            chapters: Vec::new(),
            output: config.output.clone(),
            warnings: script.warnings.clone(),
            music: settings.music.clone(),
            intro: settings.intro.clone(),
            outro: settings.outro.clone(),
            loudness: config.loudness,
            cover: config.cover.clone(),
            video: settings.video.clone(),
            tags: Tags {
                title,
                show: config.title.clone(),
                author: config.author.clone(),
                number: script.front.number,
                date: script.front.date.clone(),
                description: script.front.description.clone(),
            },
            release: Release {
                season: script.front.season,
                episode_type: script.front.episode_type,
                draft: script.front.draft,
                guid: script.front.guid.clone(),
                persons: Vec::new(),
            },
        };
        let lexicon = Lexicon::new(
            settings
                .pronunciations
                .iter()
                .map(|e| e.value.clone())
                .collect(),
        );
        let mut boundary = Boundary::None;
        let mut spoken_before = false;
        let mut explicit_pause = false;
        for chapter in &script.chapters {
            boundary = boundary.max(Boundary::Chapter);
            plan.chapters.push(ChapterMark {
                title: chapter.title.clone(),
                starts_at: plan.timeline.len(),
            });
            for paragraph in &chapter.paragraphs {
                boundary = boundary.max(Boundary::Paragraph);
                let voice = paragraph
                    .speaker
                    .as_ref()
                    .and_then(|name| settings.voices.get(name))
                    .unwrap_or(&settings.default_voice);
                let speaker = speaker_name(config, settings, paragraph);
                // The feed credits the default voice's speaker as host and
                // each voice given a `name` as guest, not a bare `Guest:` label.
                let credit = match &paragraph.speaker {
                    None => speaker.clone().map(|name| (name, "host")),
                    Some(key) => settings
                        .names
                        .get(key)
                        .cloned()
                        .flatten()
                        .map(|n| (n, "guest")),
                };
                let speaks = paragraph.items.iter().any(|i| matches!(i, Item::Speech(_)));
                if let Some((name, role)) = credit.filter(|_| speaks)
                    && !plan.release.persons.iter().any(|(n, _)| *n == name)
                {
                    plan.release.persons.push((name, role.to_string()));
                }
                for item in &paragraph.items {
                    match item {
                        Item::Pause { ms } => {
                            plan.timeline.push(TimelineItem::SilenceMs(*ms));
                            explicit_pause = true;
                        }
                        Item::Sound { path, line, column } => {
                            plan.timeline.push(TimelineItem::Sound {
                                path: path.clone(),
                                line: *line,
                                column: *column,
                            });
                            explicit_pause = true;
                        }
                        Item::Speech(sentence) => {
                            if spoken_before && !explicit_pause {
                                let gap = match boundary {
                                    Boundary::Chapter => pauses.chapter_ms,
                                    Boundary::Paragraph => pauses.paragraph_ms,
                                    Boundary::Sentence | Boundary::None => pauses.sentence_ms,
                                };
                                plan.timeline.push(TimelineItem::SilenceMs(gap));
                            }
                            let text = spoken_text(
                                &sentence.text,
                                voice,
                                &lexicon,
                                &settings.pronunciations,
                                &mut plan.warnings,
                            )?;
                            let input = TtsInput::new(voice, &text, pauses);
                            plan.sentences.push(PlannedSentence {
                                key: action_key::<Tts>(&input),
                                input: Arc::new(input),
                                line: sentence.line,
                                column: sentence.column,
                                display: sentence.display.clone(),
                                speaker: speaker.clone(),
                                named: paragraph.speaker.is_some(),
                            });
                            plan.timeline
                                .push(TimelineItem::Speech(plan.sentences.len() - 1));
                            spoken_before = true;
                            explicit_pause = false;
                            boundary = Boundary::None;
                        }
                    }
                    boundary = boundary.max(Boundary::Sentence);
                }
            }
        }
        Ok(plan)
    }
}

/// `text` as `voice`'s engine is sent it: each word with a pronunciation
/// replaced by the entry's phonemes in the engine's markup where it takes
/// phonemes, else by its alias, else left as written (with a warning, once
/// per entry and engine). So the key holds exactly the entries a sentence
/// matches, in the form its engine reads them; transcripts keep `display`.
fn spoken_text(
    text: &str,
    voice: &Voice,
    lexicon: &Lexicon,
    entries: &[Sourced<Entry>],
    warnings: &mut Vec<Diagnostic>,
) -> Result<String, Diagnostic> {
    let Some(engine) = crate::engines::find(&voice.engine.name) else {
        return Ok(text.to_string());
    };
    let mut replacements = Vec::new();
    for found in lexicon.matches(text) {
        let entry = &entries[found.entry];
        let word = &text[found.range.clone()];
        let marked = entry
            .value
            .phonemes
            .as_deref()
            .and_then(|ipa| engine.mark_phonemes(word, ipa));
        let said = match (marked, &entry.value.alias) {
            (Some(Ok(marked)), _) => marked,
            (Some(Err(why)), _) => {
                return Err(entry.error(format!(
                    "pronunciation of `{}` for the `{}` engine: {why}",
                    entry.value.grapheme,
                    engine.name()
                )));
            }
            (None, Some(alias)) => alias.clone(),
            (None, None) => {
                let warning = no_phonemes_warning(entry, engine.name());
                if !warnings.contains(&warning) {
                    warnings.push(warning);
                }
                continue;
            }
        };
        replacements.push((found.range, said));
    }
    Ok(pronounce::rewrite(text, &replacements))
}

fn no_phonemes_warning(entry: &Sourced<Entry>, engine: &str) -> Diagnostic {
    let mut warning = Diagnostic::warning(format!(
        "the `{engine}` engine takes no phonemes, so `{}` is said as written",
        entry.value.grapheme
    ))
    .with_help("give the entry an `alias` too: every engine says an alias");
    warning.location = entry.location.clone().map(Box::new);
    warning
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engines::{EngineId, Route, VoiceSettings};

    fn voice(engine: &str) -> Voice {
        Voice {
            engine: EngineId {
                name: engine.into(),
                version: "test".into(),
            },
            settings: VoiceSettings::new(),
            route: Route::new(),
        }
    }

    fn entry(grapheme: &str, alias: Option<&str>, phonemes: Option<&str>) -> Sourced<Entry> {
        Sourced::default_value(Entry {
            grapheme: grapheme.into(),
            case_sensitive: false,
            alias: alias.map(str::to_string),
            phonemes: phonemes.map(str::to_string),
        })
    }

    fn said(
        engine: &str,
        entries: &[Sourced<Entry>],
        text: &str,
    ) -> (Result<String, Diagnostic>, Vec<Diagnostic>) {
        let lexicon = Lexicon::new(entries.iter().map(|e| e.value.clone()).collect());
        let mut warnings = Vec::new();
        let text = spoken_text(text, &voice(engine), &lexicon, entries, &mut warnings);
        (text, warnings)
    }

    #[test]
    fn each_engine_gets_the_form_it_reads() {
        let entries = [
            entry("Khipu", Some("Kee-poo"), Some("ˈkiːpuː")),
            entry("Nguyen", None, Some("wˈɪn")),
        ];
        let text = "Khipu, Nguyen and khipus; KHIPU.";
        let (hibari, warnings) = said("hibari", &entries, text);
        assert_eq!(
            hibari.unwrap(),
            "[Khipu](/kˈipu/), [Nguyen](/wˈɪn/) and khipus; [KHIPU](/kˈipu/)."
        );
        assert!(warnings.is_empty());

        let (espeak_ng, warnings) = said("espeak-ng", &entries, text);
        assert_eq!(
            espeak_ng.unwrap(),
            "[['ki:pu:]], [[w'In]] and khipus; [['ki:pu:]]."
        );
        assert!(warnings.is_empty());

        for engine in ["flite", "espeak", "command", "http", "piper"] {
            let (text, warnings) = said(engine, &entries, "Khipu, Nguyen, Nguyen.");
            assert_eq!(text.unwrap(), "Kee-poo, Nguyen, Nguyen.", "{engine}");
            assert_eq!(warnings.len(), 1, "{engine}: once per entry and engine");
            assert!(warnings[0].message.contains(&format!("`{engine}`")));
        }
    }

    #[test]
    fn phonemes_hibari_cannot_say_are_an_error_an_alias_does_not_rescue() {
        let entries = [entry("Llan", Some("Klan"), Some("ɬan"))];
        let (text, _) = said("hibari", &entries, "To Llan.");
        assert!(text.unwrap_err().message.contains("`ɬ`"));
        // Where nobody says the word, nothing is refused.
        assert_eq!(said("hibari", &entries, "To Lan.").0.unwrap(), "To Lan.");
    }
}

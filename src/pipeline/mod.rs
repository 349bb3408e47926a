//! The shape of an episode's build after its sentences are spoken, written
//! once: `[sound]` decoding, assemble, timeline, intro/outro/music decoding,
//! mix, loudness, and every requested format with its measurement.
//!
//! Three interpreters walk it: the executor (runs what is missing), the
//! probe (`probe.rs`: what would run, for `pod status` and the progress bar)
//! and cache reachability (follows the records that exist). So they can never
//! disagree about keys, nor about which steps a build has.

pub mod probe;
pub mod reach;
pub mod show;
mod video;

use std::path::PathBuf;

use crate::audio::blocks::{SampleFormat, frames_of};
use crate::cache::{BlobRef, ContentHash, Store};
use crate::config::Format;
use crate::diagnostic::Diagnostic;
use crate::media::Origin;
use crate::place::Place;
use crate::plan::{EpisodePlan, TimelineItem};
use crate::step::Step;
use crate::steps::aac::{Aac, AacInput};
use crate::steps::chapters::{Chapters, ChaptersInput};
use crate::steps::cues::{ChapterTime, Cue, CuesInput};
use crate::steps::decode::{Decode, DecodeInput};
use crate::steps::flac::Flac;
use crate::steps::flac_tags::FlacTags;
use crate::steps::loudness::{LoudnessInput, Normalize};
use crate::steps::measure::{Measure, MeasureInput, Measurement};
use crate::steps::mix::{LayerMix, Layout, Mix, MixInput, MusicMix};
use crate::steps::movie::{Movie, MovieInput};
use crate::steps::mp3::{Mp3, Mp3Input};
use crate::steps::mp3_tags::{Cover, Mp3Tags, TagsInput};
use crate::steps::mp4::{M4a, M4b};
use crate::steps::srt::Srt;
use crate::steps::thumbnail::{Thumbnail, ThumbnailInput};
use crate::steps::timeline::{Timeline, TimelineStep};
use crate::steps::transcript::Transcript;
use crate::steps::vtt::Vtt;
use crate::steps::wav::TaggedWavInput;
use crate::steps::youtube::{Youtube, YoutubeInput};
use crate::steps::{Assemble, AssembleInput, AssembleItem, Wav, WavInput};
use crate::video::Captions;
use video::ChapterSpan;

/// Why the walk stopped.
#[derive(Debug)]
pub enum Stop {
    /// `pod status` or reachability: this step's result is not cached, so
    /// nothing after it can be known.
    Pending,
    /// A blob did not match its hash.
    Corrupt(ContentHash),
    Failed(Diagnostic),
}

pub trait Runner {
    /// The result of a step: cached, or made now.
    fn step<S: Step>(&self, place: &Place, input: &S::Input) -> Result<BlobRef, Stop>;
    /// A media file's content hash (the executor also imports it into the cache).
    fn import(&self, file: &std::path::Path, origin: &Origin) -> Result<ContentHash, Stop>;
    /// A small blob's bytes (timeline, measurements).
    fn read(&self, blob: &BlobRef) -> Result<Vec<u8>, Stop>;
    /// How many frames a decoded blob holds (how long a layer is): its
    /// record says, else its header.
    fn frames(&self, blob: &BlobRef, channels: u16) -> Result<u64, Stop>;
    /// `read` said `Pending`: what follows depends on this blob's content,
    /// which is not known yet. `Ok` walks on with a placeholder.
    fn unknown(&self, blob: &BlobRef) -> Result<(), Stop>;
    /// Walks `walk`, whose steps read what the episodes `ids` produced.
    /// For `pod status`, an episode whose timeline is not known yet holds
    /// up exactly the show's steps that read it; the build and
    /// reachability just walk.
    fn reading<T>(&self, ids: &[&str], walk: impl FnOnce() -> Result<T, Stop>) -> Result<T, Stop> {
        let _ = ids;
        walk()
    }
}

/// The finished files of an episode, and the loudness of each audio one.
pub struct Produced {
    pub outputs: Vec<(Format, BlobRef)>,
    pub measurements: Vec<(Format, Measurement)>,
    /// What the outputs leave out, and why.
    pub warnings: Vec<Diagnostic>,
    /// How long the episode is (0 while its timeline is not known).
    pub duration_ms: u64,
    /// Its sentences and chapters, timed in the mix (for the website).
    pub cues: Vec<Cue>,
    pub chapters: Vec<ChapterTime>,
}

pub fn episode<R: Runner>(
    r: &R,
    plan: &EpisodePlan,
    speech: &[ContentHash],
) -> Result<Produced, Stop> {
    let id = &plan.id;
    let place = |what: &str| Place::step(id, what);
    let (sample_rate, channels) = (plan.output.sample_rate, plan.output.channels);
    let decode = |file: &std::path::Path, origin: Origin, what: &str| -> Result<BlobRef, Stop> {
        let source = r.import(file, &origin)?;
        let input = DecodeInput {
            source,
            sample_rate,
            channels,
        };
        // A file that will not decode is the user's to fix: name it, and where it was named.
        r.step::<Decode>(&place(&format!("decode/{what}")), &input)
            .map_err(|stop| match stop {
                Stop::Failed(error) => {
                    Stop::Failed(crate::media::media_error(file, &origin, &error.message))
                }
                other => other,
            })
    };

    let mut sounds = Vec::new();
    for (path, origin) in sound_files(plan) {
        {
            sounds.push(decode(&path, origin, &format!("sound-{}", sounds.len() + 1))?.hash);
        }
    }
    let assemble_input = assemble_input(plan, speech, &sounds);
    let speech_track = r.step::<Assemble>(&place("assemble"), &assemble_input)?;
    let timeline_blob = r.step::<TimelineStep>(&place("timeline"), &assemble_input)?;

    let layer = |file: &crate::config::Sourced<PathBuf>, what: &str| {
        decode(&file.value, Origin::Config(file.location.clone()), what)
    };
    let intro_pcm = plan
        .intro
        .as_ref()
        .map(|l| layer(&l.file, "intro"))
        .transpose()?;
    let outro_pcm = plan
        .outro
        .as_ref()
        .map(|l| layer(&l.file, "outro"))
        .transpose()?;
    let music_pcm = plan
        .music
        .as_ref()
        .map(|m| layer(&m.file, "music"))
        .transpose()?;
    // Every layer is decoded before any length is asked for: a length not
    // known yet (`pod status`) holds up what follows, and the decodings
    // themselves do not depend on one another.
    let frames = |pcm: &Option<BlobRef>| pcm.map(|pcm| r.frames(&pcm, channels)).transpose();
    let (intro_frames, outro_frames, music_frames) = (
        frames(&intro_pcm)?,
        frames(&outro_pcm)?,
        frames(&music_pcm)?,
    );
    let placed = |layer: &crate::config::Layer, pcm: BlobRef, frames: u64| LayerMix {
        pcm: pcm.hash,
        frames,
        overlap_ms: layer.overlap_ms,
    };
    let intro = plan
        .intro
        .as_ref()
        .zip(intro_pcm.zip(intro_frames))
        .map(|(l, (pcm, frames))| placed(l, pcm, frames));
    let outro = plan
        .outro
        .as_ref()
        .zip(outro_pcm.zip(outro_frames))
        .map(|(l, (pcm, frames))| placed(l, pcm, frames));
    let music = plan
        .music
        .as_ref()
        .zip(music_pcm.zip(music_frames))
        .map(|(m, (pcm, frames))| MusicMix {
            pcm: pcm.hash,
            frames,
            offset_ms: m.offset_ms,
            volume_mdb: m.volume_mdb,
            looped: m.looped,
            fade_in_ms: m.fade_in_ms,
            fade_out_ms: m.fade_out_ms,
            duck_mdb: m.duck_mdb,
            attack_ms: m.attack_ms,
            release_ms: m.release_ms,
        });
    // The picture and the thumbnail do not depend on the timeline: made
    // before it is read, so `pod status` knows them even when it is not.
    let picture = pictured(plan)
        .then(|| video::picture(r, plan))
        .transpose()?;
    let thumbnail = match &picture {
        Some(picture) if plan.output.formats.contains(&Format::Thumbnail) => {
            Some(r.step::<Thumbnail>(
                &place("thumbnail"),
                &ThumbnailInput::new(picture, &plan.tags.title),
            )?)
        }
        _ => None,
    };
    // Read after the layers are decoded: those steps do not depend on it.
    let timeline = match r.read(&timeline_blob) {
        Ok(bytes) => Timeline::read(&bytes).map_err(|_| Stop::Corrupt(timeline_blob.hash))?,
        Err(Stop::Pending) => {
            r.unknown(&timeline_blob)?;
            Timeline {
                sample_rate,
                frames: 0,
                items: Vec::new(),
            }
        }
        Err(stop) => return Err(stop),
    };
    let layout = Layout::new(
        sample_rate,
        timeline.frames,
        intro.as_ref(),
        outro.as_ref(),
        music.as_ref(),
    );
    let mix = r.step::<Mix>(
        &place("mix"),
        &MixInput {
            sample_rate,
            channels,
            speech: speech_track.hash,
            timeline: timeline_blob.hash,
            intro,
            outro,
            music,
        },
    )?;
    let normalized = r.step::<Normalize>(
        &place("loudness"),
        &LoudnessInput {
            pcm: mix.hash,
            sample_rate,
            channels,
            target_mlufs: plan.loudness.target_mlufs,
            ceiling_mdb: plan.loudness.ceiling_mdb,
        },
    )?;

    let spans = chapter_spans(plan, &timeline, &layout);
    let (cues, chapters) = (
        cues(plan, &timeline, &layout),
        chapters(plan, &spans, sample_rate),
    );
    let cover = match &plan.cover {
        Some(cover) => {
            let image = r.import(&cover.value, &Origin::Config(cover.location.clone()))?;
            let png = cover
                .value
                .extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("png"));
            Some(Cover {
                image,
                mime: if png { "image/png" } else { "image/jpeg" }.to_string(),
            })
        }
        None => None,
    };
    let tagged = |audio: ContentHash| TagsInput {
        audio,
        tags: plan.tags.clone(),
        chapters: chapters.clone(),
        cover: cover.clone(),
    };
    let pcm = WavInput {
        pcm: normalized.hash,
        sample_rate,
        channels,
    };
    let aac_input = AacInput {
        pcm: normalized.hash,
        sample_rate,
        channels,
        bitrate_kbps: plan.output.aac_bitrate_kbps,
        ceiling_mdb: plan.loudness.ceiling_mdb,
    };
    // Made once, shared by the formats that need them.
    let mut aac: Option<BlobRef> = None;
    let mut produced = Produced {
        outputs: Vec::new(),
        measurements: Vec::new(),
        warnings: Vec::new(),
        duration_ms: ms(layout.total, sample_rate),
        cues: cues.clone(),
        chapters: chapters.clone(),
    };
    for &format in &plan.output.formats {
        let output = match format {
            Format::Wav => r.step::<Wav>(
                &place("wav"),
                &TaggedWavInput {
                    audio: pcm.clone(),
                    tags: plan.tags.clone(),
                },
            )?,
            Format::Flac => {
                let flac = r.step::<Flac>(&place("flac"), &pcm)?;
                r.step::<FlacTags>(&place("flac-tags"), &tagged(flac.hash))?
            }
            Format::Mp3 => {
                let mp3 = r.step::<Mp3>(
                    &place("mp3"),
                    &Mp3Input {
                        pcm: normalized.hash,
                        sample_rate,
                        channels,
                        mode: plan.output.mp3,
                    },
                )?;
                r.step::<Mp3Tags>(&place("mp3-tags"), &tagged(mp3.hash))?
            }
            Format::M4a | Format::M4b => {
                let stream = once(&mut aac, || r.step::<Aac>(&place("aac"), &aac_input))?;
                if format == Format::M4a {
                    r.step::<M4a>(&place("m4a"), &tagged(stream.hash))?
                } else {
                    r.step::<M4b>(&place("m4b"), &tagged(stream.hash))?
                }
            }
            Format::Mp4 => {
                let stream = once(&mut aac, || r.step::<Aac>(&place("aac"), &aac_input))?;
                let picture = picture.as_ref().expect("made above for mp4");
                let whole = [ChapterSpan {
                    title: None,
                    start: 0,
                    end: layout.total,
                }];
                let spans = if spans.is_empty() { &whole[..] } else { &spans };
                let segments =
                    video::segments(r, plan, picture, speech, &sounds, &timeline, &layout, spans)?;
                r.step::<Movie>(
                    &place("mp4"),
                    &MovieInput {
                        package: tagged(stream.hash),
                        segments: segments.iter().map(|s| s.hash).collect(),
                        subtitles: match plan.video.captions {
                            Captions::Track => cues.clone(),
                            Captions::Burned | Captions::None => Vec::new(),
                        },
                    },
                )?
            }
            Format::Thumbnail => thumbnail.expect("made above"),
            Format::Youtube => {
                if let Some(reason) = crate::steps::youtube::chapters_refused(&chapters) {
                    produced.warnings.push(Diagnostic::warning(format!(
                        "{}.youtube.txt has no chapter timestamps: {reason}",
                        plan.id
                    )));
                }
                r.step::<Youtube>(
                    &place("youtube"),
                    &YoutubeInput {
                        description: plan.tags.description.clone(),
                        chapters: chapters.clone(),
                    },
                )?
            }
            Format::Vtt => r.step::<Vtt>(&place("vtt"), &CuesInput { cues: cues.clone() })?,
            Format::Srt => r.step::<Srt>(&place("srt"), &CuesInput { cues: cues.clone() })?,
            Format::Transcript => {
                r.step::<Transcript>(&place("transcript"), &CuesInput { cues: cues.clone() })?
            }
            Format::Chapters => r.step::<Chapters>(
                &place("chapters-json"),
                &ChaptersInput {
                    chapters: chapters.clone(),
                },
            )?,
        };
        if format.is_audio() {
            let measured = r.step::<Measure>(
                &Place::measure(id, format.name()),
                &MeasureInput { file: output.hash },
            )?;
            match r.read(&measured) {
                Ok(bytes) => {
                    let measurement: Measurement =
                        serde_json::from_slice(&bytes).map_err(|_| Stop::Corrupt(measured.hash))?;
                    produced.measurements.push((format, measurement));
                }
                // `pod status`: not measured yet; the other formats still walk.
                Err(Stop::Pending) => {}
                Err(stop) => return Err(stop),
            }
        }
        produced.outputs.push((format, output));
    }
    Ok(produced)
}

/// `slot`'s value, made by `make` the first time it is asked for.
fn once<T: Clone>(slot: &mut Option<T>, make: impl FnOnce() -> Result<T, Stop>) -> Result<T, Stop> {
    match slot {
        Some(value) => Ok(value.clone()),
        None => Ok(slot.insert(make()?).clone()),
    }
}

/// How many frames a decoded blob holds: as its record says, else as its
/// header says (`None` if it is missing or does not match its hash).
pub fn stored_frames(store: &Store, blob: &BlobRef, channels: u16) -> Option<u64> {
    if blob.frames.is_some() {
        return blob.frames;
    }
    let mut file = store.open_verified(&blob.hash).ok()?;
    frames_of(&mut file, SampleFormat::F32, channels).ok()
}

fn ms(frames: u64, sample_rate: u32) -> u64 {
    frames * 1000 / u64::from(sample_rate)
}

/// A cue per sentence, where it is heard in the final mix.
fn cues(plan: &EpisodePlan, timeline: &Timeline, layout: &Layout) -> Vec<Cue> {
    let rate = timeline.sample_rate;
    plan.timeline
        .iter()
        .zip(&timeline.items)
        .filter_map(|(item, span)| match item {
            TimelineItem::Speech(i) => {
                let sentence = &plan.sentences[*i];
                let start = layout.speech_start + span.start;
                Some(Cue {
                    start_ms: ms(start, rate),
                    end_ms: ms(start + span.frames, rate),
                    text: sentence.display.clone(),
                    speaker: sentence.speaker.clone(),
                })
            }
            _ => None,
        })
        .collect()
}

/// Chapter spans in the final mix, in frames: the first starts at 0 (over
/// the intro), each other where its first sentence is heard, each ends
/// where the next starts, the last at the end.
fn chapter_spans(plan: &EpisodePlan, timeline: &Timeline, layout: &Layout) -> Vec<ChapterSpan> {
    let starts: Vec<(Option<String>, u64)> = plan
        .chapters
        .iter()
        .enumerate()
        .map(|(n, chapter)| {
            let first_speech = (chapter.starts_at..plan.timeline.len())
                .find(|&k| matches!(plan.timeline[k], TimelineItem::Speech(_)))
                .unwrap_or(plan.timeline.len());
            let frame = if n == 0 {
                0
            } else {
                timeline
                    .items
                    .get(first_speech)
                    .map_or(layout.speech_end, |span| layout.speech_start + span.start)
            };
            (chapter.title.clone(), frame)
        })
        .collect();
    starts
        .iter()
        .enumerate()
        .map(|(n, (title, start))| ChapterSpan {
            title: title.clone(),
            start: *start,
            end: starts.get(n + 1).map_or(layout.total, |next| next.1),
        })
        .collect()
}

/// Chapters as the tags and chapter files give them: untitled ones take
/// the episode's title. A chapter of no length (two headings in a row) is
/// left out: no player can go to it, and MP4 chapter tracks cannot hold
/// it, so listing it elsewhere would make the formats disagree.
fn chapters(plan: &EpisodePlan, spans: &[ChapterSpan], rate: u32) -> Vec<ChapterTime> {
    spans
        .iter()
        .filter(|span| span.end > span.start)
        .map(|span| ChapterTime {
            title: span
                .title
                .clone()
                .unwrap_or_else(|| plan.tags.title.clone()),
            start_ms: ms(span.start, rate),
            end_ms: ms(span.end, rate),
        })
        .collect()
}

/// Every media file an episode names, with where it was named (checked
/// before anything runs, so a missing file changes nothing on disk).
pub fn media(plan: &EpisodePlan) -> Vec<(PathBuf, Origin)> {
    let mut files = audio_files(plan);
    files.extend(plan.cover.iter().chain(video_files(plan)).map(sourced));
    files
}

fn sourced(file: &crate::config::Sourced<PathBuf>) -> (PathBuf, Origin) {
    (file.value.clone(), Origin::Config(file.location.clone()))
}

/// The episode makes a picture: a video or a thumbnail.
fn pictured(plan: &EpisodePlan) -> bool {
    plan.output
        .formats
        .iter()
        .any(|f| matches!(f, Format::Mp4 | Format::Thumbnail))
}

/// The images and font the video reads, when the episode makes one.
fn video_files(plan: &EpisodePlan) -> Vec<&crate::config::Sourced<PathBuf>> {
    if pictured(plan) {
        plan.video.files()
    } else {
        Vec::new()
    }
}

/// The `assemble` input for an episode, given the content hash of each of
/// its sentences and of each decoded `[sound]`, in timeline order.
fn assemble_input(
    plan: &EpisodePlan,
    speech: &[ContentHash],
    sounds: &[ContentHash],
) -> AssembleInput {
    let mut sounds = sounds.iter();
    AssembleInput {
        sample_rate: plan.output.sample_rate,
        channels: plan.output.channels,
        items: plan
            .timeline
            .iter()
            .map(|item| match item {
                TimelineItem::Speech(i) => AssembleItem::Speech(speech[*i]),
                TimelineItem::SilenceMs(ms) => AssembleItem::SilenceMs(*ms),
                TimelineItem::Sound { .. } => {
                    AssembleItem::Sound(*sounds.next().expect("a decoded sound per [sound]"))
                }
            })
            .collect(),
    }
}

/// The audio files an episode plays (everything it names but pictures and fonts).
pub fn audio_files(plan: &EpisodePlan) -> Vec<(PathBuf, Origin)> {
    let mut files = sound_files(plan);
    let layers = plan.intro.iter().chain(&plan.outro).map(|l| &l.file);
    files.extend(
        layers
            .chain(plan.music.iter().map(|m| &m.file))
            .map(sourced),
    );
    files
}

/// The `[sound]` files of an episode, in timeline order, with their places.
fn sound_files(plan: &EpisodePlan) -> Vec<(PathBuf, Origin)> {
    plan.timeline
        .iter()
        .filter_map(|item| match item {
            TimelineItem::Sound { path, line, column } => Some((
                path.clone(),
                Origin::Script {
                    file: plan.source.clone(),
                    line: *line,
                    column: *column,
                },
            )),
            _ => None,
        })
        .collect()
}

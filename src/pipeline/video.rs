//! The video part of an episode's walk: one `video-segment` per chapter,
//! cut exactly at the chapter starts of the timeline, each given only what
//! it draws.

use super::{Runner, Stop};
use crate::cache::{BlobRef, ContentHash};
use std::path::PathBuf;

use crate::config::{Backdrop, Sourced};
use crate::media::Origin;
use crate::place::Place;
use crate::plan::{EpisodePlan, TimelineItem};
use crate::steps::avatar::{Avatar, AvatarInput};
use crate::steps::image::{Image, ImageInput};
use crate::steps::mix::Layout;
use crate::steps::timeline::Timeline;
use crate::steps::video_segment::{
    BackdropImage, FontRef, Heard, HeardAt, Picture, SegmentCaption, SegmentInput, VideoSegment,
};
use crate::video::Captions;

/// A chapter in frames of the final mix.
pub(super) struct ChapterSpan {
    pub title: Option<String>,
    pub start: u64,
    pub end: u64,
}

/// The look every segment and the thumbnail share, with its images
/// decoded (a file that is no image is named here) and its font hashed.
pub(super) fn picture<R: Runner>(r: &R, plan: &EpisodePlan) -> Result<Picture, Stop> {
    let video = &plan.video;
    let import =
        |file: &Sourced<PathBuf>| r.import(&file.value, &Origin::Config(file.location.clone()));
    let image = |file: &Sourced<PathBuf>, what: &str| -> Result<ContentHash, Stop> {
        let input = ImageInput {
            source: import(file)?,
        };
        match r.step::<Image>(&Place::step(&plan.id, &format!("image/{what}")), &input) {
            Ok(blob) => Ok(blob.hash),
            Err(Stop::Failed(error)) => Err(Stop::Failed(crate::media::media_error(
                &file.value,
                &Origin::Config(file.location.clone()),
                &error.message,
            ))),
            Err(other) => Err(other),
        }
    };
    Ok(Picture {
        width: video.width,
        height: video.height,
        fps: video.fps,
        style: video.style,
        background: match &video.background {
            Backdrop::Colour(colour) => BackdropImage::Colour(*colour),
            Backdrop::Image(file) => BackdropImage::Image(image(file, "background")?),
        },
        cover: video
            .cover
            .as_ref()
            .map(|c| image(c, "cover"))
            .transpose()?,
        color: video.color,
        caption_color: video.caption_color,
        burned_captions: video.captions == Captions::Burned,
        font: match &video.font {
            Some(file) => FontRef::File(import(file)?),
            None => FontRef::Bundled(ContentHash::of(crate::video::draw::DEFAULT_FONT)),
        },
    })
}

/// Renders (or finds) each chapter's segment, in order.
#[allow(clippy::too_many_arguments)]
pub(super) fn segments<R: Runner>(
    r: &R,
    plan: &EpisodePlan,
    picture: &Picture,
    speech: &[ContentHash],
    sounds: &[ContentHash],
    timeline: &Timeline,
    layout: &Layout,
    chapters: &[ChapterSpan],
) -> Result<Vec<BlobRef>, Stop> {
    // Every timeline item where it is heard in the final mix.
    let mut sounds = sounds.iter();
    let heard: Vec<(u64, u64, Heard, Option<usize>)> = plan
        .timeline
        .iter()
        .zip(&timeline.items)
        .filter_map(|(item, span)| {
            let start = layout.speech_start + span.start;
            let end = start + span.frames;
            match item {
                TimelineItem::Speech(i) => Some((start, end, Heard::Speech(speech[*i]), Some(*i))),
                TimelineItem::Sound { .. } => {
                    let sound = *sounds.next().expect("a decoded sound per [sound]");
                    Some((start, end, Heard::Sound(sound), None))
                }
                TimelineItem::SilenceMs(_) => None,
            }
        })
        .collect();
    // Under an avatar the cover is what the program animates, not drawn.
    let drawn = Picture {
        cover: picture.cover.filter(|_| plan.video.avatar.is_none()),
        ..picture.clone()
    };
    let mut blobs = Vec::new();
    // One segment per chapter, even an empty one (two headings in a row):
    // `pod status`, which walks this before any length is known, counts
    // the same segments the build renders.
    for (n, chapter) in chapters.iter().enumerate() {
        let within = heard
            .iter()
            .filter(|(start, _, _, _)| (chapter.start..chapter.end).contains(start));
        let frames = chapter.end.saturating_sub(chapter.start);
        let heard: Vec<HeardAt> = within
            .clone()
            .map(|(start, _, heard, _)| HeardAt {
                start: start - chapter.start,
                heard: heard.clone(),
            })
            .collect();
        // Like segments, one per chapter even when empty (the step then
        // runs nothing), so `pod status` counts what the build runs.
        let avatar = match &plan.video.avatar {
            None => None,
            Some(command) => {
                let input = AvatarInput {
                    command: command.words.clone(),
                    program: command.program,
                    // In the key only when the program is given it.
                    image: picture
                        .cover
                        .filter(|_| command.words.iter().any(|w| w.contains("{image}"))),
                    width: picture.width,
                    height: picture.height,
                    fps: picture.fps,
                    sample_rate: plan.output.sample_rate,
                    channels: plan.output.channels,
                    frames,
                    heard: heard.clone(),
                };
                let place = Place::step(&plan.id, &format!("avatar/{}", n + 1));
                Some(r.step::<Avatar>(&place, &input)?.hash)
            }
        };
        let input = SegmentInput {
            picture: drawn.clone(),
            sample_rate: plan.output.sample_rate,
            channels: plan.output.channels,
            frames,
            heard,
            captions: match plan.video.captions {
                Captions::Burned => within
                    .filter_map(|(start, end, _, sentence)| {
                        let sentence = &plan.sentences[(*sentence)?];
                        Some(SegmentCaption {
                            start: start - chapter.start,
                            end: end.min(&chapter.end) - chapter.start,
                            text: sentence.display.clone(),
                            speaker: sentence.speaker.clone().filter(|_| sentence.named),
                        })
                    })
                    .collect(),
                Captions::Track | Captions::None => Vec::new(),
            },
            card: chapter.title.clone().filter(|_| plan.video.chapter_cards),
            avatar,
        };
        blobs.push(
            r.step::<VideoSegment>(&Place::step(&plan.id, &format!("video/{}", n + 1)), &input)?,
        );
    }
    Ok(blobs)
}

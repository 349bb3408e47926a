//! `video-segment`: one chapter's picture, drawn frame by frame and encoded
//! as H.264 starting with an IDR frame, so segments join without
//! re-encoding.
//!
//! The input is exactly what the segment draws: the chapter's own speech
//! and `[sound]`s at their offsets from the chapter's start, its captions,
//! its card, the look. Nothing of other chapters, the music bed or the
//! episode's loudness gain is in it, so an edit elsewhere, or one that only
//! moves this chapter, re-renders nothing else.

use std::fs::File;
use std::io::BufWriter;

use serde::{Deserialize, Serialize};

use super::heard::HeardPlayer;
pub use super::heard::{Heard, HeardAt};
use crate::audio::pcm::ms_to_frames;
use crate::cache::ContentHash;
use crate::step::{Announce, Step, StepError, Tools};
use crate::video::avatar::AvatarVideo;
use crate::video::draw::{Background, Caption, Look, Painter, Scene};
use crate::video::levels::{Gain, Meter};
use crate::video::segment::{SegmentEncoder, frame_durations};
use crate::video::{Rgb, Style};

/// How long a chapter card stays up.
const CARD_MS: u32 = 3_000;

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum BackdropImage {
    Colour(Rgb),
    Image(ContentHash),
}

/// The font captions and cards are set in.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum FontRef {
    /// The font that ships with pod, by the hash of its bytes (so a pod that
    /// ships another font renders again).
    Bundled(ContentHash),
    File(ContentHash),
}

/// The look every segment of an episode shares.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Picture {
    pub width: u32,
    pub height: u32,
    pub fps: u32,
    pub style: Style,
    pub background: BackdropImage,
    pub cover: Option<ContentHash>,
    pub color: Rgb,
    pub caption_color: Rgb,
    pub font: FontRef,
    /// Room is kept at the bottom for burned-in captions.
    pub burned_captions: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct SegmentCaption {
    /// Frames from the segment's start.
    pub start: u64,
    pub end: u64,
    pub text: String,
    pub speaker: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct SegmentInput {
    pub picture: Picture,
    /// The video's timescale: the audio's sample rate, so segments end
    /// exactly where chapters start.
    pub sample_rate: u32,
    pub channels: u16,
    /// How long the segment lasts, in frames of `sample_rate`.
    pub frames: u64,
    /// In order, not overlapping.
    pub heard: Vec<HeardAt>,
    /// Burned-in captions, in order.
    pub captions: Vec<SegmentCaption>,
    /// A chapter card's title, shown for the first seconds.
    pub card: Option<String>,
    /// The `avatar` step's video, drawn as the background.
    pub avatar: Option<ContentHash>,
}

/// The files a picture is drawn from, read from the cache.
pub struct PictureFiles {
    background: Option<Vec<u8>>,
    cover: Option<Vec<u8>>,
    font: Vec<u8>,
}

impl PictureFiles {
    pub fn read(picture: &Picture, tools: &Tools) -> Result<PictureFiles, StepError> {
        let read = |hash: &ContentHash| tools.blobs.read(hash).map_err(StepError::CorruptInput);
        Ok(PictureFiles {
            background: match &picture.background {
                BackdropImage::Colour(_) => None,
                BackdropImage::Image(hash) => Some(read(hash)?),
            },
            cover: picture.cover.as_ref().map(read).transpose()?,
            font: match &picture.font {
                FontRef::Bundled(_) => crate::video::draw::DEFAULT_FONT.to_vec(),
                FontRef::File(hash) => read(hash)?,
            },
        })
    }

    pub fn look<'a>(&'a self, picture: &Picture) -> Look<'a> {
        Look {
            width: picture.width,
            height: picture.height,
            style: picture.style,
            background: match (&picture.background, &self.background) {
                (_, Some(bytes)) => Background::Image(bytes),
                (BackdropImage::Colour(c), None) => Background::Colour(*c),
                (BackdropImage::Image(_), None) => Background::Colour(Rgb([0, 0, 0])),
            },
            cover: self.cover.as_deref(),
            captions: picture.burned_captions,
            color: picture.color,
            caption_color: picture.caption_color,
            font: &self.font,
        }
    }
}

pub struct VideoSegment;

impl Step for VideoSegment {
    const KIND: &'static str = "video-segment";
    /// 3: no frame shorter than a frame at a chapter's end.
    const VERSION: u32 = 3;
    const ANNOUNCE: Announce = Announce::Status("Rendering");
    type Input = SegmentInput;

    fn run(input: &SegmentInput, tools: &Tools, out: &mut File) -> Result<(), StepError> {
        let p = &input.picture;
        let files = PictureFiles::read(p, tools)?;
        let look = files.look(p);
        let mut painter = Painter::new(&look).map_err(StepError::Failed)?;
        let durations = frame_durations(input.frames, input.sample_rate, p.fps);
        let mut encoder = SegmentEncoder::new(
            BufWriter::new(out),
            p.width,
            p.height,
            p.fps,
            input.sample_rate,
        )
        .map_err(StepError::Failed)?;

        let mut avatar = match &input.avatar {
            None => None,
            // An empty chapter's avatar is empty, and nothing is drawn.
            Some(_) if input.frames == 0 => None,
            Some(hash) => {
                let file = tools.blobs.open(hash).map_err(StepError::CorruptInput)?;
                let size = file.metadata()?.len();
                let reader = std::io::BufReader::new(file);
                let video = AvatarVideo::open(reader, size, p.width, p.height)
                    .map_err(|e| StepError::Failed(format!("the avatar video: {e}")))?;
                Some(video)
            }
        };
        let unchanging = p.style == Style::Still && avatar.is_none();
        if unchanging && input.captions.is_empty() && input.card.is_none() {
            // Every frame is the same picture: encoded once, repeated.
            let rgba = painter.paint(&Scene {
                levels: &[],
                caption: None,
                card: None,
                backdrop: None,
            });
            encoder
                .push_repeated(rgba, &durations)
                .map_err(StepError::Failed)?;
            return encoder.finish().map_err(StepError::Failed);
        }

        let wanted = painter.levels_wanted();
        let mut meter = match p.style {
            Style::Still => None,
            style => {
                // The first pass finds how loud this chapter is, so quiet and
                // loud chapters move alike.
                let mut gain = Gain::new();
                HeardPlayer::new(&input.heard, input.sample_rate, input.channels, tools)
                    .play_to(input.frames, |block| gain.feed(block))?;
                Some((
                    Meter::new(style, input.sample_rate, gain.finish(), wanted),
                    HeardPlayer::new(&input.heard, input.sample_rate, input.channels, tools),
                ))
            }
        };
        let card_end = ms_to_frames(CARD_MS, input.sample_rate);
        let mut levels = Vec::with_capacity(wanted);
        let mut caption = 0;
        let mut start = 0u64;
        for &duration in &durations {
            let at = (start + u64::from(duration) / 2).min(input.frames);
            if let Some((meter, speech)) = meter.as_mut() {
                speech.play_to(at, |block| meter.feed(block))?;
                meter.levels(at, &mut levels);
            }
            while input.captions.get(caption).is_some_and(|c| c.end <= start) {
                caption += 1;
            }
            let shown = input
                .captions
                .get(caption)
                .filter(|c| c.start <= start)
                .map(|c| Caption {
                    speaker: c.speaker.as_deref(),
                    text: &c.text,
                });
            // The avatar's frame showing at this frame's start.
            let backdrop = match avatar.as_mut() {
                Some(video) => Some(
                    video
                        .frame_at(start as f64 / f64::from(input.sample_rate))
                        .map_err(|e| StepError::Failed(format!("the avatar video: {e}")))?,
                ),
                None => None,
            };
            let rgba = painter.paint(&Scene {
                levels: &levels,
                caption: shown,
                card: input.card.as_deref().filter(|_| start < card_end),
                backdrop,
            });
            encoder.push(rgba, duration).map_err(StepError::Failed)?;
            start += u64::from(duration);
        }
        encoder.finish().map_err(StepError::Failed)
    }
}

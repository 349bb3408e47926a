//! `timeline`: where every item of an episode's speech track starts and how
//! long it is, in frames. Computed from the clips' lengths without decoding
//! or resampling any audio; transcripts, chapters and ducking follow it.

use std::fs::File;
use std::io::BufWriter;

use serde::{Deserialize, Serialize};

use super::assemble::{AssembleInput, AssembleItem};
use crate::audio::blocks::{SampleFormat, frames_of};
use crate::audio::clip::{Clip, ClipPart};
use crate::audio::pcm::ms_to_frames;
use crate::audio::resample::Resampler;
use crate::step::{Step, StepError, Tools};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Timeline {
    pub sample_rate: u32,
    pub frames: u64,
    /// One span per item of the assemble input.
    pub items: Vec<Span>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Span {
    pub start: u64,
    pub frames: u64,
    /// True for speech (what ducks the music).
    pub speech: bool,
}

impl Timeline {
    pub fn read(bytes: &[u8]) -> Result<Timeline, String> {
        serde_json::from_slice(bytes).map_err(|e| format!("bad timeline: {e}"))
    }
}

pub struct TimelineStep;

impl Step for TimelineStep {
    const KIND: &'static str = "timeline";
    const VERSION: u32 = 1;
    /// The same input as the episode's `assemble`: same items, same lengths.
    type Input = AssembleInput;

    fn run(input: &AssembleInput, tools: &Tools, out: &mut File) -> Result<(), StepError> {
        let mut timeline = Timeline {
            sample_rate: input.sample_rate,
            frames: 0,
            items: Vec::with_capacity(input.items.len()),
        };
        for item in &input.items {
            let (frames, speech) = match item {
                AssembleItem::SilenceMs(ms) => (ms_to_frames(*ms, input.sample_rate), false),
                AssembleItem::Sound(hash) => {
                    let mut file = tools.blobs.open(hash).map_err(StepError::CorruptInput)?;
                    let frames = frames_of(&mut file, SampleFormat::F32, input.channels)
                        .map_err(|_| StepError::CorruptInput(*hash))?;
                    (frames, false)
                }
                AssembleItem::Speech(hash) => {
                    let bytes = tools.blobs.read(hash).map_err(StepError::CorruptInput)?;
                    let clip = Clip::read(&bytes).map_err(|_| StepError::CorruptInput(*hash))?;
                    let frames = clip
                        .parts
                        .iter()
                        .map(|part| match part {
                            ClipPart::Audio(samples) => Resampler::output_len(
                                samples.len(),
                                clip.sample_rate,
                                input.sample_rate,
                            ) as u64,
                            ClipPart::Silence { ms } => ms_to_frames(*ms, input.sample_rate),
                        })
                        .sum();
                    (frames, true)
                }
            };
            timeline.items.push(Span {
                start: timeline.frames,
                frames,
                speech,
            });
            timeline.frames += frames;
        }
        serde_json::to_writer(BufWriter::new(out), &timeline)
            .map_err(|e| StepError::Failed(e.to_string()))?;
        Ok(())
    }
}

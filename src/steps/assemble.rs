//! `assemble`: one episode's speech track. Streams each sentence's clip from
//! the cache, fades each run of speech in and out over a few milliseconds
//! (engines stop mid-waveform: without it, every pause would start with a
//! click), resamples it to the output rate, and puts exact silences between,
//! so memory does not grow with the episode's length. Stored as 16-bit FLAC.

use std::collections::HashMap;
use std::fs::File;

use serde::{Deserialize, Serialize};

use crate::audio::blocks::{BlockReader, SampleFormat};
use crate::audio::clip::{Clip, ClipPart};
use crate::audio::compact::FlacWriter;
use crate::audio::fade::{FADE_IN_MS, FADE_OUT_MS, fade, fade_speech};
use crate::audio::pcm::{PcmWriter, ms_to_frames, to_i16};
use crate::audio::resample::Resampler;
use crate::cache::ContentHash;
use crate::step::{Announce, Step, StepError, Tools};

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct AssembleInput {
    pub sample_rate: u32,
    pub channels: u16,
    /// Speech by content hash and silences (sentence, paragraph, chapter or
    /// inline pauses), already resolved to milliseconds, in order.
    pub items: Vec<AssembleItem>,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AssembleItem {
    Speech(ContentHash),
    SilenceMs(u32),
    /// A decoded `[sound]`: f32 PCM already at the output rate and channels.
    Sound(ContentHash),
}

pub struct Assemble;

impl Step for Assemble {
    const KIND: &'static str = "assemble";
    const VERSION: u32 = 2;
    const ANNOUNCE: Announce = Announce::Status("Assembling");
    type Input = AssembleInput;

    fn run(input: &AssembleInput, tools: &Tools, out: &mut File) -> Result<(), StepError> {
        let flac = FlacWriter::new(out, input.sample_rate, input.channels, 16)?;
        let mut writer = PcmWriter::new(flac, input.channels);
        let fades = (
            ms_to_frames(FADE_IN_MS, input.sample_rate) as usize,
            ms_to_frames(FADE_OUT_MS, input.sample_rate) as usize,
        );
        let mut resamplers: HashMap<u32, Resampler> = HashMap::new();
        for item in &input.items {
            match item {
                AssembleItem::SilenceMs(ms) => {
                    writer.silence(ms_to_frames(*ms, input.sample_rate))?
                }
                AssembleItem::Sound(hash) => {
                    let file = tools.blobs.open(hash).map_err(StepError::CorruptInput)?;
                    let mut reader = BlockReader::new(file, SampleFormat::F32, input.channels);
                    let mut block = Vec::new();
                    while reader.next_block(&mut block)? > 0 {
                        writer.interleaved(block.iter().map(|&s| to_i16(s)))?;
                    }
                }
                AssembleItem::Speech(hash) => {
                    let bytes = tools.blobs.read(hash).map_err(StepError::CorruptInput)?;
                    let clip = Clip::read(&bytes).map_err(|_| StepError::CorruptInput(*hash))?;
                    for part in &clip.parts {
                        match part {
                            ClipPart::Audio(samples) => {
                                let resampler = match resamplers.entry(clip.sample_rate) {
                                    std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
                                    std::collections::hash_map::Entry::Vacant(e) => e.insert(
                                        Resampler::new(clip.sample_rate, input.sample_rate)
                                            .map_err(StepError::Failed)?,
                                    ),
                                };
                                let mut faded = samples.clone();
                                fade_speech(&mut faded, clip.sample_rate);
                                let mut speech =
                                    resampler.clip(&faded).map_err(StepError::Failed)?;
                                // Resampling rings a little: the ends exactly silent again.
                                fade(&mut speech, fades.0, fades.1);
                                writer.samples(speech)?;
                            }
                            ClipPart::Silence { ms } => {
                                writer.silence(ms_to_frames(*ms, input.sample_rate))?
                            }
                        }
                    }
                }
            }
        }
        writer.finish()?;
        Ok(())
    }
}

//! What a chapter's picture follows: its speech and `[sound]`s at their
//! offsets, played as one mono signal (`video-segment` draws its levels,
//! `avatar` hands it to the avatar program).

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::audio::blocks::{BlockReader, SampleFormat};
use crate::audio::clip::{Clip, ClipPart};
use crate::audio::pcm::ms_to_frames;
use crate::audio::resample::Resampler;
use crate::cache::ContentHash;
use crate::step::{StepError, Tools};

/// Audio the picture follows.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Heard {
    /// A sentence's clip, as the `tts` step made it.
    Speech(ContentHash),
    /// A decoded `[sound]`: interleaved f32 at the output rate.
    Sound(ContentHash),
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct HeardAt {
    /// Frames (at `sample_rate`) from the segment's start.
    pub start: u64,
    pub heard: Heard,
}

/// The segment's speech and sounds as one mono signal at the output rate,
/// played forward in blocks: silence between items, each item decoded when
/// reached, so memory does not grow with the chapter.
pub struct HeardPlayer<'a> {
    heard: &'a [HeardAt],
    sample_rate: u32,
    channels: u16,
    tools: &'a Tools<'a>,
    /// Samples played so far.
    played: u64,
    next: usize,
    /// The item being played, decoded, and how much of it is played.
    current: Option<(Vec<f32>, usize)>,
    resamplers: HashMap<u32, Resampler>,
}

impl<'a> HeardPlayer<'a> {
    pub fn new(
        heard: &'a [HeardAt],
        sample_rate: u32,
        channels: u16,
        tools: &'a Tools<'a>,
    ) -> HeardPlayer<'a> {
        HeardPlayer {
            heard,
            sample_rate,
            channels,
            tools,
            played: 0,
            next: 0,
            current: None,
            resamplers: HashMap::new(),
        }
    }

    /// Plays up to sample `to` (exclusive), handing blocks to `sink`.
    pub fn play_to(&mut self, to: u64, mut sink: impl FnMut(&[f32])) -> Result<(), StepError> {
        const SILENCE: [f32; 1024] = [0.0; 1024];
        while self.played < to {
            if let Some((samples, at)) = self.current.as_mut() {
                let n = (samples.len() - *at).min((to - self.played) as usize);
                sink(&samples[*at..*at + n]);
                *at += n;
                self.played += n as u64;
                if *at == samples.len() {
                    self.current = None;
                }
                continue;
            }
            match self.heard.get(self.next) {
                Some(item) if item.start <= self.played => {
                    self.next += 1;
                    let samples = self.decode(&item.heard)?;
                    // An item that starts before what is played (it should
                    // not) loses its head rather than shifting the rest.
                    let skip = ((self.played - item.start) as usize).min(samples.len());
                    self.current = Some((samples, skip));
                }
                next => {
                    let until = next.map_or(to, |item| item.start.min(to));
                    let n = ((until - self.played) as usize).min(SILENCE.len());
                    sink(&SILENCE[..n]);
                    self.played += n as u64;
                }
            }
        }
        Ok(())
    }

    fn decode(&mut self, heard: &Heard) -> Result<Vec<f32>, StepError> {
        let rate = self.sample_rate;
        match heard {
            Heard::Speech(hash) => {
                let bytes = self
                    .tools
                    .blobs
                    .read(hash)
                    .map_err(StepError::CorruptInput)?;
                let clip = Clip::read(&bytes).map_err(|_| StepError::CorruptInput(*hash))?;
                let mut mono = Vec::new();
                for part in &clip.parts {
                    match part {
                        ClipPart::Audio(samples) => {
                            let resampler = match self.resamplers.entry(clip.sample_rate) {
                                std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
                                std::collections::hash_map::Entry::Vacant(e) => e.insert(
                                    Resampler::new(clip.sample_rate, rate)
                                        .map_err(StepError::Failed)?,
                                ),
                            };
                            let resampled = resampler.clip(samples).map_err(StepError::Failed)?;
                            mono.extend(resampled.iter().map(|&s| f32::from(s) / 32768.0));
                        }
                        ClipPart::Silence { ms } => {
                            mono.resize(mono.len() + ms_to_frames(*ms, rate) as usize, 0.0)
                        }
                    }
                }
                Ok(mono)
            }
            Heard::Sound(hash) => {
                let file = self
                    .tools
                    .blobs
                    .open(hash)
                    .map_err(StepError::CorruptInput)?;
                let channels = usize::from(self.channels.max(1));
                let mut reader = BlockReader::new(file, SampleFormat::F32, self.channels);
                let (mut block, mut mono) = (Vec::new(), Vec::new());
                while reader.next_block(&mut block)? > 0 {
                    mono.extend(
                        block
                            .chunks(channels)
                            .map(|frame| frame.iter().sum::<f32>() / channels as f32),
                    );
                }
                Ok(mono)
            }
        }
    }
}

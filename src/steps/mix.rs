//! `mix`: intro, speech, outro and a music bed ducked under the speech,
//! streamed block by block. Ducking follows the timeline the build already
//! knows; nothing is detected. The cached result is the recipe, not the
//! audio: `loudness` mixes as it reads (see `Mix::run`).

use std::fs::File;
use std::io::BufWriter;

use serde::{Deserialize, Serialize};

use super::timeline::Timeline;
use crate::audio::blocks::{BLOCK_FRAMES, BlockReader, SampleFormat};
use crate::audio::pcm::ms_to_frames;
use crate::cache::{Blobs, ContentHash};
use crate::step::{Announce, Step, StepError, Tools};

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct MixInput {
    pub sample_rate: u32,
    pub channels: u16,
    /// The assembled speech track.
    pub speech: ContentHash,
    /// Where the speech is, for ducking.
    pub timeline: ContentHash,
    pub intro: Option<LayerMix>,
    pub outro: Option<LayerMix>,
    pub music: Option<MusicMix>,
}

/// An intro or outro: decoded audio and its overlap with the speech.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct LayerMix {
    pub pcm: ContentHash,
    pub frames: u64,
    pub overlap_ms: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct MusicMix {
    pub pcm: ContentHash,
    pub frames: u64,
    pub offset_ms: u32,
    pub volume_mdb: i32,
    pub looped: bool,
    pub fade_in_ms: u32,
    pub fade_out_ms: u32,
    pub duck_mdb: i32,
    pub attack_ms: u32,
    pub release_ms: u32,
}

/// Where each layer sits in the final mix, in frames.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Layout {
    pub speech_start: u64,
    pub speech_end: u64,
    pub intro_end: u64,
    pub outro_start: u64,
    pub outro_end: u64,
    pub music_end: u64,
    pub total: u64,
}

impl Layout {
    /// Speech starts where the intro's overlap begins; the outro starts its
    /// overlap before the speech ends; the bed fades out after the speech.
    pub fn new(
        sample_rate: u32,
        speech_frames: u64,
        intro: Option<&LayerMix>,
        outro: Option<&LayerMix>,
        music: Option<&MusicMix>,
    ) -> Layout {
        let overlap = |l: &LayerMix| ms_to_frames(l.overlap_ms, sample_rate).min(l.frames);
        let intro_end = intro.map_or(0, |l| l.frames);
        let speech_start = intro.map_or(0, |l| l.frames - overlap(l));
        let speech_end = speech_start + speech_frames;
        let outro_start = outro.map_or(speech_end, |l| {
            speech_end.saturating_sub(overlap(l)).max(speech_start)
        });
        let outro_end = outro_start + outro.map_or(0, |l| l.frames);
        let music_end = music.map_or(speech_start, |m| {
            speech_end + ms_to_frames(m.fade_out_ms, sample_rate)
        });
        Layout {
            speech_start,
            speech_end,
            intro_end,
            outro_start,
            outro_end,
            music_end,
            total: intro_end.max(speech_end).max(outro_end).max(music_end),
        }
    }
}

pub struct Mix;

impl Step for Mix {
    const KIND: &'static str = "mix";
    const VERSION: u32 = 2;
    const ANNOUNCE: Announce = Announce::Status("Mixing");
    type Input = MixInput;

    /// Mixing is a few additions per sample, cheaper than storing a
    /// full-length track and reading it back: the blob is the recipe (this
    /// input), and `loudness` streams the mix from it. Opening it here checks
    /// that every layer it names is there and intact.
    fn run(input: &MixInput, tools: &Tools, out: &mut File) -> Result<(), StepError> {
        Mixdown::open(input, tools.blobs)?;
        serde_json::to_writer(BufWriter::new(out), input)
            .map_err(|e| StepError::Failed(e.to_string()))?;
        Ok(())
    }
}

/// The mix, streamed block by block from its recipe.
pub struct Mixdown {
    channels: usize,
    rate: u32,
    layout: Layout,
    speech: Stream,
    intro: Option<Stream>,
    outro: Option<Stream>,
    music: Option<(MusicMix, Vec<f32>)>,
    ducking: Ducking,
    intro_fade: u64,
    outro_fade: u64,
    t: u64,
}

impl Mixdown {
    /// The mix a `mix` blob (its recipe) describes.
    pub fn from_recipe(blobs: Blobs, recipe: &ContentHash) -> Result<Mixdown, StepError> {
        let bytes = blobs.read(recipe).map_err(StepError::CorruptInput)?;
        let input: MixInput =
            serde_json::from_slice(&bytes).map_err(|_| StepError::CorruptInput(*recipe))?;
        Mixdown::open(&input, blobs)
    }

    pub fn open(input: &MixInput, blobs: Blobs) -> Result<Mixdown, StepError> {
        let rate = input.sample_rate;
        let open = |hash: &ContentHash| -> Result<BlockReader, StepError> {
            let file = blobs.open(hash).map_err(StepError::CorruptInput)?;
            Ok(BlockReader::new(file, SampleFormat::F32, input.channels))
        };
        let timeline_bytes = blobs
            .read(&input.timeline)
            .map_err(StepError::CorruptInput)?;
        let timeline =
            Timeline::read(&timeline_bytes).map_err(|_| StepError::CorruptInput(input.timeline))?;
        let layout = Layout::new(
            rate,
            timeline.frames,
            input.intro.as_ref(),
            input.outro.as_ref(),
            input.music.as_ref(),
        );
        let regions: Vec<(u64, u64)> = timeline
            .items
            .iter()
            .filter(|s| s.speech && s.frames > 0)
            .map(|s| {
                (
                    layout.speech_start + s.start,
                    layout.speech_start + s.start + s.frames,
                )
            })
            .collect();

        let speech = Stream::new(open(&input.speech)?, layout.speech_start, layout.speech_end);
        let intro = match &input.intro {
            Some(l) => Some(Stream::new(open(&l.pcm)?, 0, layout.intro_end)),
            None => None,
        };
        let outro = match &input.outro {
            Some(l) => Some(Stream::new(
                open(&l.pcm)?,
                layout.outro_start,
                layout.outro_end,
            )),
            None => None,
        };
        // The bed is read whole: its size is the file's, not the episode's.
        let music = match &input.music {
            Some(m) => {
                let mut reader = open(&m.pcm)?;
                let (mut samples, mut block) = (Vec::new(), Vec::new());
                while reader.next_block(&mut block)? > 0 {
                    samples.extend_from_slice(&block);
                }
                Some((m.clone(), samples))
            }
            None => None,
        };
        let ducking = Ducking::new(
            regions,
            input.music.as_ref().map_or((0, 0), |m| {
                (
                    ms_to_frames(m.attack_ms, rate),
                    ms_to_frames(m.release_ms, rate),
                )
            }),
        );
        let intro_fade = input
            .intro
            .as_ref()
            .map_or(0, |l| layout.intro_end - layout.speech_start.min(l.frames));
        let outro_fade = layout.speech_end.saturating_sub(layout.outro_start);
        Ok(Mixdown {
            channels: usize::from(input.channels),
            rate,
            layout,
            speech,
            intro,
            outro,
            music,
            ducking,
            intro_fade,
            outro_fade,
            t: 0,
        })
    }

    /// Frames in the whole mix.
    pub fn frames(&self) -> u64 {
        self.layout.total
    }

    /// Fills `block` with up to `BLOCK_FRAMES` frames; returns the frame count (0 at the end).
    pub fn next_block(&mut self, block: &mut Vec<f32>) -> Result<usize, StepError> {
        let (channels, layout) = (self.channels, self.layout);
        let t = self.t;
        let frames = (layout.total - t).min(BLOCK_FRAMES as u64) as usize;
        block.clear();
        block.resize(frames * channels, 0.0);
        if frames == 0 {
            return Ok(0);
        }
        self.speech.add(t, block, channels, |_| 1.0)?;
        if let Some(intro) = self.intro.as_mut() {
            // The intro fades out across its overlap with the speech.
            let (fade, fade_start) = (self.intro_fade, layout.intro_end - self.intro_fade);
            intro.add(t, block, channels, |at| ramp_down(at, fade_start, fade))?;
        }
        if let Some(outro) = self.outro.as_mut() {
            // The outro fades in across its overlap with the speech.
            let (start, fade) = (layout.outro_start, self.outro_fade);
            outro.add(t, block, channels, |at| ramp_up(at, start, fade))?;
        }
        if let Some((m, samples)) = &self.music {
            mix_music(
                m,
                samples,
                &layout,
                &mut self.ducking,
                t,
                block,
                channels,
                self.rate,
            );
        }
        self.t += frames as u64;
        Ok(frames)
    }
}

fn ramp_down(at: u64, start: u64, length: u64) -> f32 {
    if length == 0 || at < start {
        1.0
    } else {
        1.0 - ((at - start) as f32 / length as f32).min(1.0)
    }
}

fn ramp_up(at: u64, start: u64, length: u64) -> f32 {
    if length == 0 {
        1.0
    } else {
        (at.saturating_sub(start) as f32 / length as f32).min(1.0)
    }
}

/// A layer placed at `[start, end)` of the mix, read sequentially.
struct Stream {
    reader: BlockReader,
    start: u64,
    end: u64,
    buffer: Vec<f32>,
    at: usize,
}

impl Stream {
    fn new(reader: BlockReader, start: u64, end: u64) -> Stream {
        Stream {
            reader,
            start,
            end,
            buffer: Vec::new(),
            at: 0,
        }
    }

    /// Adds this layer's frames that fall in the block starting at `t`, times `gain(frame)`.
    fn add(
        &mut self,
        t: u64,
        block: &mut [f32],
        channels: usize,
        gain: impl Fn(u64) -> f32,
    ) -> Result<(), StepError> {
        let frames = (block.len() / channels) as u64;
        for i in 0..frames {
            let at = t + i;
            if at < self.start || at >= self.end {
                continue;
            }
            if self.at >= self.buffer.len() {
                self.at = 0;
                if self.reader.next_block(&mut self.buffer)? == 0 {
                    self.end = at;
                    return Ok(());
                }
            }
            let g = gain(at);
            for c in 0..channels {
                block[i as usize * channels + c] += self.buffer[self.at + c] * g;
            }
            self.at += channels;
        }
        Ok(())
    }
}

/// How far the bed is ducked at a frame: 0 (not) to 1 (fully), ramping in
/// over `attack` before speech and out over `release` after it.
struct Ducking {
    regions: Vec<(u64, u64)>,
    attack: u64,
    release: u64,
    cursor: usize,
}

impl Ducking {
    fn new(regions: Vec<(u64, u64)>, (attack, release): (u64, u64)) -> Ducking {
        Ducking {
            regions,
            attack,
            release,
            cursor: 0,
        }
    }

    fn at(&mut self, t: u64) -> f32 {
        while self.cursor < self.regions.len() && self.regions[self.cursor].1 + self.release <= t {
            self.cursor += 1;
        }
        let mut level = 0.0f32;
        for &(start, end) in &self.regions[self.cursor..] {
            if start > t + self.attack {
                break;
            }
            let v = if t < start {
                1.0 - (start - t) as f32 / self.attack.max(1) as f32
            } else if t < end {
                1.0
            } else {
                1.0 - (t - end) as f32 / self.release.max(1) as f32
            };
            level = level.max(v);
        }
        level.clamp(0.0, 1.0)
    }
}

#[allow(clippy::too_many_arguments)]
fn mix_music(
    m: &MusicMix,
    samples: &[f32],
    layout: &Layout,
    ducking: &mut Ducking,
    t: u64,
    block: &mut [f32],
    channels: usize,
    rate: u32,
) {
    let length = samples.len() / channels;
    if length == 0 {
        return;
    }
    let offset = ms_to_frames(m.offset_ms, rate);
    let fade_in = ms_to_frames(m.fade_in_ms, rate);
    let fade_out = ms_to_frames(m.fade_out_ms, rate);
    let volume = m.volume_mdb as f32 / 1000.0;
    let duck = m.duck_mdb as f32 / 1000.0;
    for i in 0..block.len() / channels {
        let at = t + i as u64;
        if at < layout.speech_start || at >= layout.music_end {
            continue;
        }
        let mut position = offset + (at - layout.speech_start);
        if position >= length as u64 {
            if !m.looped {
                continue;
            }
            position %= length as u64;
        }
        let db = volume + duck * ducking.at(at);
        let mut gain = 10f32.powf(db / 20.0);
        gain *= ramp_up(at, layout.speech_start, fade_in);
        if at >= layout.speech_end {
            gain *= ramp_down(at, layout.speech_end, fade_out);
        }
        let frame = &samples[position as usize * channels..(position as usize + 1) * channels];
        for c in 0..channels {
            block[i * channels + c] += frame[c] * gain;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_places_layers() {
        let intro = LayerMix {
            pcm: ContentHash([0; 32]),
            frames: 1000,
            overlap_ms: 100,
        };
        let outro = LayerMix {
            pcm: ContentHash([0; 32]),
            frames: 2000,
            overlap_ms: 50,
        };
        let layout = Layout::new(1000, 5000, Some(&intro), Some(&outro), None);
        assert_eq!((layout.speech_start, layout.speech_end), (900, 5900));
        assert_eq!((layout.outro_start, layout.outro_end), (5850, 7850));
        assert_eq!(layout.total, 7850);
    }

    #[test]
    fn ducking_ramps_around_speech() {
        let regions = [(100, 200)];
        let mut d = Ducking::new(regions.to_vec(), (10, 20));
        assert_eq!(d.at(50), 0.0);
        assert!((d.at(95) - 0.5).abs() < 1e-6);
        assert_eq!(d.at(150), 1.0);
        assert!((d.at(210) - 0.5).abs() < 1e-6);
        assert_eq!(d.at(230), 0.0);
    }
}

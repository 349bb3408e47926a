//! `wav`: the normalised mix as a 16-bit PCM WAV file.

use std::fs::File;
use std::io::BufWriter;

use serde::{Deserialize, Serialize};

use crate::audio::blocks::{BlockReader, SampleFormat};
use crate::audio::pcm::to_i16;
use crate::cache::ContentHash;
use crate::step::{Step, StepError, Tools};

/// The input of every encoder: the normalised mix (f32) and its format.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct WavInput {
    pub pcm: ContentHash,
    pub sample_rate: u32,
    pub channels: u16,
}

pub struct Wav;

impl Step for Wav {
    const KIND: &'static str = "wav";
    const VERSION: u32 = 2;
    type Input = WavInput;

    fn run(input: &WavInput, tools: &Tools, out: &mut File) -> Result<(), StepError> {
        let pcm = tools
            .store
            .open_verified(&input.pcm)
            .map_err(StepError::CorruptInput)?;
        let spec = hound::WavSpec {
            channels: input.channels,
            sample_rate: input.sample_rate,
            bits_per_sample: 16,
            sample_format: hound::SampleFormat::Int,
        };
        let failed = |e: hound::Error| StepError::Failed(format!("writing WAV: {e}"));
        let mut writer = hound::WavWriter::new(BufWriter::new(out), spec).map_err(failed)?;
        let mut reader = BlockReader::new(pcm, SampleFormat::F32, input.channels);
        let mut block = Vec::new();
        while reader.next_block(&mut block)? > 0 {
            let mut samples = writer.get_i16_writer(block.len() as u32);
            for &s in &block {
                samples.write_sample(to_i16(s));
            }
            samples.flush().map_err(failed)?;
        }
        writer.finalize().map_err(failed)?;
        Ok(())
    }
}

//! `wav`: the episode's speech track as a 16-bit PCM WAV file.

use std::fs::File;
use std::io::{BufReader, BufWriter, Read};

use serde::{Deserialize, Serialize};

use crate::cache::ContentHash;
use crate::plan::EpisodePlan;
use crate::step::{Step, StepError, Tools};

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct WavInput {
    /// The assembled track: interleaved little-endian 16-bit samples.
    pub pcm: ContentHash,
    pub sample_rate: u32,
    pub channels: u16,
}

impl WavInput {
    pub fn for_episode(plan: &EpisodePlan, pcm: ContentHash) -> WavInput {
        WavInput {
            pcm,
            sample_rate: plan.output.sample_rate,
            channels: plan.output.channels,
        }
    }
}

pub struct Wav;

impl Step for Wav {
    const KIND: &'static str = "wav";
    const VERSION: u32 = 1;
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
        let mut reader = BufReader::new(pcm);
        let mut buffer = vec![0u8; 1 << 16];
        loop {
            let n = read_full(&mut reader, &mut buffer)?;
            if n == 0 {
                break;
            }
            for pair in buffer[..n].chunks_exact(2) {
                writer
                    .write_sample(i16::from_le_bytes([pair[0], pair[1]]))
                    .map_err(failed)?;
            }
        }
        writer.finalize().map_err(failed)?;
        Ok(())
    }
}

/// Fills `buffer` as far as the reader allows (keeps sample pairs whole).
fn read_full(reader: &mut impl Read, buffer: &mut [u8]) -> std::io::Result<usize> {
    let mut filled = 0;
    while filled < buffer.len() {
        let n = reader.read(&mut buffer[filled..])?;
        if n == 0 {
            break;
        }
        filled += n;
    }
    Ok(filled)
}

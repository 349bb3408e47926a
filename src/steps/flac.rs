//! `flac`: the normalised mix as 16-bit FLAC (flacenc).

use std::fs::File;
use std::io::Write;

use flacenc::component::BitRepr;
use flacenc::error::SourceError;
use flacenc::error::Verify;
use flacenc::source::{Fill, Source};

use super::wav::WavInput;
use crate::audio::blocks::{BlockReader, SampleFormat};
use crate::audio::pcm::to_i16;
use crate::step::{Step, StepError, Tools};

pub struct Flac;

/// Two fixes to flacenc's metadata that decoders (symphonia among them)
/// need: STREAMINFO's minimum block size must not count the short last block,
/// as the FLAC format says; and a VORBIS_COMMENT block names the encoder, as
/// reference encoders write.
fn with_vendor_comment(stream: &[u8]) -> Vec<u8> {
    const STREAMINFO_END: usize = 4 + 4 + 34;
    let vendor = b"pod";
    let mut body = (vendor.len() as u32).to_le_bytes().to_vec();
    body.extend_from_slice(vendor);
    body.extend_from_slice(&0u32.to_le_bytes());
    let mut out = stream[..STREAMINFO_END].to_vec();
    out[4] &= 0x7f; // STREAMINFO is no longer the last block
    let max_block = [out[10], out[11]];
    out[8..10].copy_from_slice(&max_block);
    out.push(0x80 | 4);
    out.extend_from_slice(&(body.len() as u32).to_be_bytes()[1..]);
    out.extend_from_slice(&body);
    out.extend_from_slice(&stream[STREAMINFO_END..]);
    out
}

/// Feeds the encoder from the PCM blob, block by block.
struct BlobSource {
    reader: BlockReader,
    channels: usize,
    sample_rate: usize,
    pending: Vec<i32>,
    block: Vec<f32>,
}

impl Source for BlobSource {
    fn channels(&self) -> usize {
        self.channels
    }

    fn bits_per_sample(&self) -> usize {
        16
    }

    fn sample_rate(&self) -> usize {
        self.sample_rate
    }

    fn read_samples<F: Fill>(
        &mut self,
        block_size: usize,
        dest: &mut F,
    ) -> Result<usize, SourceError> {
        let wanted = block_size * self.channels;
        while self.pending.len() < wanted {
            let frames = self
                .reader
                .next_block(&mut self.block)
                .map_err(SourceError::from_io_error)?;
            if frames == 0 {
                break;
            }
            self.pending
                .extend(self.block.iter().map(|&s| i32::from(to_i16(s))));
        }
        let take = self.pending.len().min(wanted);
        let samples: Vec<i32> = self.pending.drain(..take).collect();
        dest.fill_interleaved(&samples)?;
        Ok(take / self.channels)
    }
}

impl Step for Flac {
    const KIND: &'static str = "flac";
    const VERSION: u32 = 3;
    type Input = WavInput;

    fn run(input: &WavInput, tools: &Tools, out: &mut File) -> Result<(), StepError> {
        let pcm = tools
            .store
            .open_verified(&input.pcm)
            .map_err(StepError::CorruptInput)?;
        let source = BlobSource {
            reader: BlockReader::new(pcm, SampleFormat::F32, input.channels),
            channels: usize::from(input.channels),
            sample_rate: input.sample_rate as usize,
            pending: Vec::new(),
            block: Vec::new(),
        };
        let config = flacenc::config::Encoder::default()
            .into_verified()
            .map_err(|e| StepError::Failed(format!("FLAC encoder: {e:?}")))?;
        let stream = flacenc::encode_with_fixed_block_size(&config, source, config.block_size)
            .map_err(|e| StepError::Failed(format!("FLAC encoding failed: {e:?}")))?;
        let mut sink = flacenc::bitsink::ByteSink::new();
        stream
            .write(&mut sink)
            .map_err(|e| StepError::Failed(format!("FLAC encoding failed: {e:?}")))?;
        out.write_all(&with_vendor_comment(sink.as_slice()))?;
        Ok(())
    }
}

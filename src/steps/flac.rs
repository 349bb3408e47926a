//! `flac`: the normalised mix as 16-bit FLAC (flacenc), written frame by
//! frame so memory does not grow with the episode.

use std::fs::File;
use std::io::{BufWriter, Seek, SeekFrom, Write};

use flacenc::bitsink::ByteSink;
use flacenc::component::{BitRepr, StreamInfo};
use flacenc::error::{SourceError, Verify};
use flacenc::source::{Context, Fill, FrameBuf, Source};

use super::wav::WavInput;
use crate::audio::blocks::{BlockReader, SampleFormat};
use crate::audio::pcm::to_i16;
use crate::step::{Step, StepError, Tools};

pub struct Flac;

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

/// `fLaC`, STREAMINFO, and a VORBIS_COMMENT naming the encoder (as
/// reference encoders write; some decoders expect more than STREAMINFO).
fn metadata(info: &StreamInfo) -> Result<Vec<u8>, StepError> {
    let mut sink = ByteSink::new();
    info.write(&mut sink)
        .map_err(|e| StepError::Failed(format!("FLAC stream info: {e:?}")))?;
    let mut out = b"fLaC".to_vec();
    out.extend_from_slice(&[0, 0, 0, 34]);
    out.extend_from_slice(sink.as_slice());
    let vendor = b"pod";
    let mut comment = (vendor.len() as u32).to_le_bytes().to_vec();
    comment.extend_from_slice(vendor);
    comment.extend_from_slice(&0u32.to_le_bytes());
    out.push(0x80 | 4);
    out.extend_from_slice(&(comment.len() as u32).to_be_bytes()[1..]);
    out.extend_from_slice(&comment);
    Ok(out)
}

impl Step for Flac {
    const KIND: &'static str = "flac";
    const VERSION: u32 = 4;
    type Input = WavInput;

    fn run(input: &WavInput, tools: &Tools, out: &mut File) -> Result<(), StepError> {
        let failed =
            |what: &str, e: &dyn std::fmt::Debug| StepError::Failed(format!("FLAC {what}: {e:?}"));
        let pcm = tools
            .blobs
            .open(&input.pcm)
            .map_err(StepError::CorruptInput)?;
        let channels = usize::from(input.channels);
        let mut source = BlobSource {
            reader: BlockReader::new(pcm, SampleFormat::F32, input.channels),
            channels,
            sample_rate: input.sample_rate as usize,
            pending: Vec::new(),
            block: Vec::new(),
        };
        let config = flacenc::config::Encoder::default()
            .into_verified()
            .map_err(|e| failed("encoder", &e))?;
        let block = config.block_size;
        let mut info = StreamInfo::new(input.sample_rate as usize, channels, 16)
            .map_err(|e| failed("stream", &e))?;
        // The block size of every frame but the short last one, as the format says.
        info.set_block_sizes(block, block)
            .map_err(|e| failed("stream", &e))?;

        // Frames are written as they are encoded; STREAMINFO is rewritten
        // once the totals are known.
        out.write_all(&metadata(&info)?)?;
        let mut writer = BufWriter::new(&mut *out);
        let mut buffers = (
            FrameBuf::with_size(channels, block).map_err(|e| failed("buffer", &e))?,
            Context::new(16, channels),
        );
        let (mut min_frame, mut max_frame) = (u32::MAX, 0u32);
        loop {
            let read = source
                .read_samples(block, &mut buffers)
                .map_err(|e| failed("input", &e))?;
            if read == 0 {
                break;
            }
            let number = buffers.1.current_frame_number().unwrap_or(0);
            let frame = flacenc::encode_fixed_size_frame(&config, &buffers.0, number, &info)
                .map_err(|e| failed("encoding", &e))?;
            let mut sink = ByteSink::new();
            frame.write(&mut sink).map_err(|e| failed("encoding", &e))?;
            let size = sink.as_slice().len() as u32;
            (min_frame, max_frame) = (min_frame.min(size), max_frame.max(size));
            writer.write_all(sink.as_slice())?;
        }
        writer.flush()?;
        drop(writer);
        info.set_total_samples(buffers.1.total_samples());
        info.set_md5_digest(&buffers.1.md5_digest());
        if max_frame > 0 {
            info.set_frame_sizes(min_frame as usize, max_frame as usize)
                .map_err(|e| failed("stream", &e))?;
        }
        out.seek(SeekFrom::Start(0))?;
        out.write_all(&metadata(&info)?)?;
        Ok(())
    }
}

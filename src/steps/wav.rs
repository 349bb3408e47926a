//! `wav`: the normalised mix as a 16-bit PCM WAV file, with its tags in a
//! `LIST`/`INFO` chunk after the audio. One step: writing the file is a copy
//! either way, so a separate tag step would only store the audio twice.

use std::fs::File;
use std::io::{BufWriter, Seek, SeekFrom, Write};

use serde::{Deserialize, Serialize};

use crate::audio::blocks::{BlockReader, SampleFormat};
use crate::audio::pcm::to_i16;
use crate::audio::riff_info::info_chunk;
use crate::audio::tags::Tags;
use crate::cache::ContentHash;
use crate::step::{Step, StepError, Tools};

/// The input of every encoder: the normalised mix (f32) and its format.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct WavInput {
    pub pcm: ContentHash,
    pub sample_rate: u32,
    pub channels: u16,
}

/// The `wav` step's input: the mix and the tags its INFO chunk carries.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct TaggedWavInput {
    #[serde(flatten)]
    pub audio: WavInput,
    pub tags: Tags,
}

pub struct Wav;

impl Step for Wav {
    const KIND: &'static str = "wav";
    const VERSION: u32 = 3;
    type Input = TaggedWavInput;

    fn run(tagged: &TaggedWavInput, tools: &Tools, out: &mut File) -> Result<(), StepError> {
        let input = &tagged.audio;
        let pcm = tools
            .blobs
            .open(&input.pcm)
            .map_err(StepError::CorruptInput)?;
        let spec = hound::WavSpec {
            channels: input.channels,
            sample_rate: input.sample_rate,
            bits_per_sample: 16,
            sample_format: hound::SampleFormat::Int,
        };
        let failed = |e: hound::Error| StepError::Failed(format!("writing WAV: {e}"));
        let mut writer = hound::WavWriter::new(BufWriter::new(&mut *out), spec).map_err(failed)?;
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

        // After the audio, so hound's header stays as written but for the
        // RIFF size, which now covers the chunk too.
        let info = info_chunk(&tagged.tags);
        let end = out.seek(SeekFrom::End(0))?;
        out.write_all(&info)?;
        let riff_size = u32::try_from(end - 8 + info.len() as u64)
            .map_err(|_| StepError::Failed("WAV over 4 GiB".into()))?;
        out.seek(SeekFrom::Start(4))?;
        out.write_all(&riff_size.to_le_bytes())?;
        Ok(())
    }
}

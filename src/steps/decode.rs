//! `decode`: a media file (music bed, intro, outro, `[sound]`), by content
//! hash, decoded to f32 PCM at the output rate and channel count.

use std::fs::File;

use serde::{Deserialize, Serialize};

use crate::audio::blocks::F32Writer;
use crate::audio::decode::{decode, map_channels, resample};
use crate::cache::ContentHash;
use crate::step::{Announce, Step, StepError, Tools};

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct DecodeInput {
    /// The file's bytes, imported into the cache.
    pub source: ContentHash,
    pub sample_rate: u32,
    pub channels: u16,
}

pub struct Decode;

impl Step for Decode {
    const KIND: &'static str = "decode";
    const VERSION: u32 = 1;
    const ANNOUNCE: Announce = Announce::VerbosePlace("Decoding");
    const FAILS_ON_USER_FILE: bool = true;
    type Input = DecodeInput;

    fn run(input: &DecodeInput, tools: &Tools, out: &mut File) -> Result<(), StepError> {
        let bytes = tools
            .blobs
            .read(&input.source)
            .map_err(StepError::CorruptInput)?;
        let decoded = decode(bytes).map_err(StepError::Failed)?;
        let mapped = map_channels(&decoded.samples, decoded.channels, input.channels);
        let resampled = resample(
            &mapped,
            input.channels,
            decoded.sample_rate,
            input.sample_rate,
        )
        .map_err(StepError::Failed)?;
        let mut writer = F32Writer::new(out, input.channels);
        writer.write(&resampled)?;
        writer.finish()?;
        Ok(())
    }
}

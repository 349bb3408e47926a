//! `decode`: a media file (music bed, intro, outro, `[sound]`), by content
//! hash, decoded to PCM at the output rate and channel count, stored compact.
//!
//! Stored as 24-bit FLAC rather than f32: a third of the size or less, and
//! its length is in its header and its record, never inferred from its size.
//! Decoded samples may pass full scale (a float file, resampling overshoot);
//! rather than clip them, or fall back to float, they are stored divided by
//! the least power of two that fits them, recorded in the header (exact,
//! and undone by every reader). Quantising to 24 bits under that headroom
//! errs by at most half a step, 144 dB below full scale (times the
//! headroom): inaudible, and
//! deterministic, so clean builds still mix bit for bit alike.

use std::fs::File;

use serde::{Deserialize, Serialize};

use crate::audio::compact::{FlacWriter, headroom_for, read_head};
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

/// Bits per stored sample.
const BITS: u32 = 24;

pub struct Decode;

impl Step for Decode {
    const KIND: &'static str = "decode";
    /// 2: 24-bit FLAC with a headroom (1 was raw f32).
    const VERSION: u32 = 2;
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
        let mut writer = FlacWriter::with_headroom(
            out,
            input.sample_rate,
            input.channels,
            BITS,
            headroom_for(&resampled),
        )?;
        writer.write(&resampled)?;
        writer.finish()?;
        Ok(())
    }

    /// Layers are placed by length before the mix reads them.
    fn frames(output: &mut File) -> std::io::Result<Option<u64>> {
        Ok(read_head(output)?.map(|head| head.frames))
    }
}

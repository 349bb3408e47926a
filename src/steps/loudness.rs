//! `loudness`: measures the mix (EBU R128 integrated loudness), applies the
//! gain that reaches the target, then a true-peak limiter under the ceiling.
//! Two streaming passes or more over the mix (mixed as it is read, from its
//! recipe); memory does not depend on the episode's length. The result is
//! stored as 16-bit FLAC, measured as stored.

use std::fs::File;

use serde::{Deserialize, Serialize};

use super::mix::Mixdown;
use crate::audio::compact::{FlacWriter, quantize};
use crate::audio::limiter::Limiter;
use crate::audio::measure::Meter;
use crate::cache::ContentHash;
use crate::step::{Step, StepError, Tools};

/// Headroom the limiter keeps below the ceiling, so lossy encoders'
/// overshoot (measured up to about 1.5 dB for AAC at low sample rates)
/// stays under it too.
pub const ENCODER_HEADROOM_MDB: i32 = 2_000;

/// Passes of gain and limiting at most (most mixes need one or two).
const PASSES: usize = 6;

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct LoudnessInput {
    /// The `mix` blob (its recipe).
    pub pcm: ContentHash,
    pub sample_rate: u32,
    pub channels: u16,
    pub target_mlufs: i32,
    pub ceiling_mdb: i32,
}

pub struct Normalize;

/// Bits per sample of the normalised mix: what every output keeps (WAV and
/// FLAC are 16-bit and round exactly as this does, so their samples are the
/// same as from a float mix; MP3 and AAC add noise far above -96 dBFS). 24
/// bits would double the size of the cache's largest entry and change no
/// output. Change this, and the step's version, with a deeper output format.
pub const BITS: u32 = 16;

/// Writes one pass of gain and limiting to `out` (from its start), and
/// measures what it wrote.
fn write_pass(
    input: &LoudnessInput,
    mut mix: Mixdown,
    out: &mut File,
    gain: f32,
) -> Result<Option<f64>, StepError> {
    use std::io::{Seek, SeekFrom};
    out.set_len(0)?;
    out.seek(SeekFrom::Start(0))?;
    let ceiling_db = f64::from(input.ceiling_mdb - ENCODER_HEADROOM_MDB) / 1000.0;
    let mut limiter = Limiter::new(
        input.channels,
        input.sample_rate,
        10f64.powf(ceiling_db / 20.0) as f32,
    );
    let mut meter =
        Meter::new(input.sample_rate, input.channels, false).map_err(StepError::Failed)?;
    let mut writer = FlacWriter::new(&mut *out, input.sample_rate, input.channels, BITS)?;
    let (mut block, mut scaled, mut limited) = (Vec::new(), Vec::new(), Vec::new());
    let mut emit = |limited: &mut Vec<f32>| -> Result<(), StepError> {
        for s in limited.iter_mut() {
            *s = quantize(*s, BITS);
        }
        meter.add(limited).map_err(StepError::Failed)?;
        writer.write(limited)?;
        Ok(())
    };
    while mix.next_block(&mut block)? > 0 {
        scaled.clear();
        scaled.extend(block.iter().map(|s| s * gain));
        limited.clear();
        limiter.process(&scaled, &mut limited);
        emit(&mut limited)?;
    }
    limited.clear();
    limiter.finish(&mut limited);
    emit(&mut limited)?;
    writer.finish()?;
    Ok(meter.finish().integrated_lufs)
}

impl Step for Normalize {
    const KIND: &'static str = "loudness";
    // 6: the limiter also catches peaks between samples near a quarter of the sample rate.
    const VERSION: u32 = 6;
    type Input = LoudnessInput;

    fn run(input: &LoudnessInput, tools: &Tools, out: &mut File) -> Result<(), StepError> {
        let open = || Mixdown::from_recipe(tools.blobs, &input.pcm);
        let target = f64::from(input.target_mlufs) / 1000.0;
        let mut meter =
            Meter::new(input.sample_rate, input.channels, false).map_err(StepError::Failed)?;
        let mut mix = open()?;
        let mut block = Vec::new();
        while mix.next_block(&mut block)? > 0 {
            meter.add(&block).map_err(StepError::Failed)?;
        }
        let Some(measured) = meter.finish().integrated_lufs else {
            // Silence: nothing to normalise.
            return write_pass(input, open()?, out, 1.0).map(|_| ());
        };
        // Limiting lowers the loudness: measure the result and correct the
        // gain until it lands within 0.1 LU. A peaky mix loses part of each
        // correction to the limiter again, so after the first correction
        // the step is scaled by how much loudness the last one bought.
        let mut gain_db = target - measured;
        let mut last: Option<(f64, f64)> = None;
        for _ in 0..PASSES {
            let reached = write_pass(input, open()?, out, 10f64.powf(gain_db / 20.0) as f32)?;
            let Some(reached) = reached.filter(|r| (r - target).abs() > 0.1) else {
                break;
            };
            let bought = match last {
                Some((gain, loudness)) if (gain_db - gain).abs() > 1e-6 => {
                    ((reached - loudness) / (gain_db - gain)).clamp(0.2, 1.0)
                }
                _ => 1.0,
            };
            last = Some((gain_db, reached));
            gain_db += (target - reached) / bought;
        }
        Ok(())
    }
}

//! `measure`: decodes a finished audio file and measures its integrated
//! loudness and true peak, so every output (lossy ones after encoding) is
//! checked against the target.

use std::fs::File;

use serde::{Deserialize, Serialize};

use crate::audio::decode::decode_stream;
use crate::audio::measure::{Loudness, Meter};
use crate::cache::ContentHash;
use crate::step::{Step, StepError, Tools};

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct MeasureInput {
    pub file: ContentHash,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Measurement {
    pub loudness: Loudness,
    pub sample_rate: u32,
    pub frames: u64,
}

pub struct Measure;

impl Step for Measure {
    const KIND: &'static str = "measure";
    const VERSION: u32 = 2;
    type Input = MeasureInput;

    fn run(input: &MeasureInput, tools: &Tools, out: &mut File) -> Result<(), StepError> {
        let file = tools
            .blobs
            .open(&input.file)
            .map_err(StepError::CorruptInput)?;
        let mut meter: Option<Result<Meter, String>> = None;
        let (mut sample_rate, mut frames) = (0u32, 0u64);
        decode_stream(Box::new(file), |rate, channels, block| {
            sample_rate = rate;
            frames += (block.len() / usize::from(channels)) as u64;
            if let Ok(meter) = meter.get_or_insert_with(|| Meter::new(rate, channels, true)) {
                let _ = meter.add(block);
            }
        })
        .map_err(|e| StepError::Failed(format!("cannot decode the output to measure it: {e}")))?;
        let meter = meter
            .ok_or_else(|| StepError::Failed("the output has no audio".into()))?
            .map_err(StepError::Failed)?;
        let measurement = Measurement {
            loudness: meter.finish(),
            sample_rate,
            frames,
        };
        let text =
            serde_json::to_vec(&measurement).map_err(|e| StepError::Failed(e.to_string()))?;
        std::io::Write::write_all(out, &text).map_err(StepError::from)
    }
}

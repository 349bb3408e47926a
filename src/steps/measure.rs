//! `measure`: decodes a finished audio file and measures its integrated
//! loudness and true peak, so every output (lossy ones after encoding) is
//! checked against the target.

use std::fs::File;

use serde::{Deserialize, Serialize};

use crate::audio::decode::decode;
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
    const VERSION: u32 = 1;
    type Input = MeasureInput;

    fn run(input: &MeasureInput, tools: &Tools, out: &mut File) -> Result<(), StepError> {
        let bytes = tools
            .store
            .read_verified(&input.file)
            .map_err(StepError::CorruptInput)?;
        let decoded = decode(bytes).map_err(|e| {
            StepError::Failed(format!("cannot decode the output to measure it: {e}"))
        })?;
        let mut meter =
            Meter::new(decoded.sample_rate, decoded.channels, true).map_err(StepError::Failed)?;
        meter.add(&decoded.samples).map_err(StepError::Failed)?;
        let measurement = Measurement {
            loudness: meter.finish(),
            sample_rate: decoded.sample_rate,
            frames: (decoded.samples.len() / usize::from(decoded.channels)) as u64,
        };
        serde_json::to_writer(out, &measurement).map_err(|e| StepError::Failed(e.to_string()))
    }
}

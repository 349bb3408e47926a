//! `transcript`: a Podcasting 2.0 JSON transcript (`application/json`).

use std::fs::File;

use serde_json::json;

use super::cues::CuesInput;
use crate::step::{Step, StepError, Tools};

pub struct Transcript;

impl Step for Transcript {
    const KIND: &'static str = "transcript";
    const VERSION: u32 = 1;
    type Input = CuesInput;

    fn run(input: &CuesInput, _tools: &Tools, out: &mut File) -> Result<(), StepError> {
        let segments: Vec<_> = input
            .cues
            .iter()
            .map(|cue| {
                let mut segment = json!({
                    "startTime": cue.start_ms as f64 / 1000.0,
                    "endTime": cue.end_ms as f64 / 1000.0,
                    "body": cue.text,
                });
                if let Some(speaker) = &cue.speaker {
                    segment["speaker"] = json!(speaker);
                }
                segment
            })
            .collect();
        let text = serde_json::to_vec_pretty(&json!({"version": "1.0.0", "segments": segments}));
        std::io::Write::write_all(out, &text.map_err(|e| StepError::Failed(e.to_string()))?)
            .map_err(StepError::from)
    }
}

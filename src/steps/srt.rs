//! `srt`: a SubRip transcript, a cue per sentence.

use std::fs::File;
use std::io::Write;

use super::cues::{CuesInput, timestamp};
use crate::step::{Step, StepError, Tools};

pub struct Srt;

impl Step for Srt {
    const KIND: &'static str = "srt";
    const VERSION: u32 = 1;
    type Input = CuesInput;

    fn run(input: &CuesInput, _tools: &Tools, out: &mut File) -> Result<(), StepError> {
        let mut text = String::new();
        for (n, cue) in input.cues.iter().enumerate() {
            text += &format!(
                "{}\n{} --> {}\n{}\n\n",
                n + 1,
                timestamp(cue.start_ms, ','),
                timestamp(cue.end_ms, ','),
                cue.text
            );
        }
        out.write_all(text.as_bytes())?;
        Ok(())
    }
}

//! `srt`: a SubRip transcript, a cue per sentence. SubRip has no speaker
//! markup, so a named speaker leads the text the way subtitles write it:
//! `Guest: text`.

use std::fs::File;
use std::io::Write;

use super::cues::{CuesInput, timestamp};
use crate::step::{Step, StepError, Tools};

pub struct Srt;

impl Step for Srt {
    const KIND: &'static str = "srt";
    const VERSION: u32 = 2;
    type Input = CuesInput;

    fn run(input: &CuesInput, _tools: &Tools, out: &mut File) -> Result<(), StepError> {
        let mut text = String::new();
        for (n, cue) in input.cues.iter().enumerate() {
            let line = match &cue.speaker {
                Some(name) => format!("{name}: {}", cue.text),
                None => cue.text.clone(),
            };
            text += &format!(
                "{}\n{} --> {}\n{line}\n\n",
                n + 1,
                timestamp(cue.start_ms, ','),
                timestamp(cue.end_ms, ','),
            );
        }
        out.write_all(text.as_bytes())?;
        Ok(())
    }
}

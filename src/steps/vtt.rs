//! `vtt`: a WebVTT transcript, a cue per sentence, with `<v Name>` speakers.

use std::fs::File;
use std::io::Write;

use super::cues::{CuesInput, timestamp};
use crate::step::{Step, StepError, Tools};

pub struct Vtt;

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

impl Step for Vtt {
    const KIND: &'static str = "vtt";
    const VERSION: u32 = 1;
    type Input = CuesInput;

    fn run(input: &CuesInput, _tools: &Tools, out: &mut File) -> Result<(), StepError> {
        let mut text = String::from("WEBVTT\n\n");
        for (n, cue) in input.cues.iter().enumerate() {
            text += &format!(
                "{}\n{} --> {}\n",
                n + 1,
                timestamp(cue.start_ms, '.'),
                timestamp(cue.end_ms, '.')
            );
            match &cue.speaker {
                Some(name) => text += &format!("<v {}>{}\n\n", escape(name), escape(&cue.text)),
                None => text += &format!("{}\n\n", escape(&cue.text)),
            }
        }
        out.write_all(text.as_bytes())?;
        Ok(())
    }
}

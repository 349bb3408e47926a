//! `chapters`: Podcasting 2.0 chapters JSON (version 1.2.0, seconds).

use std::fs::File;

use serde::{Deserialize, Serialize};
use serde_json::json;

use super::cues::ChapterTime;
use crate::step::{Step, StepError, Tools};

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ChaptersInput {
    pub chapters: Vec<ChapterTime>,
}

pub struct Chapters;

impl Step for Chapters {
    const KIND: &'static str = "chapters";
    const VERSION: u32 = 1;
    type Input = ChaptersInput;

    fn run(input: &ChaptersInput, _tools: &Tools, out: &mut File) -> Result<(), StepError> {
        let chapters: Vec<_> = input
            .chapters
            .iter()
            .map(|c| {
                json!({
                    "startTime": c.start_ms as f64 / 1000.0,
                    "endTime": c.end_ms as f64 / 1000.0,
                    "title": c.title,
                })
            })
            .collect();
        let text = serde_json::to_vec_pretty(&json!({"version": "1.2.0", "chapters": chapters}));
        std::io::Write::write_all(out, &text.map_err(|e| StepError::Failed(e.to_string()))?)
            .map_err(StepError::from)
    }
}

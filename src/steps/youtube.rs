//! `youtube`: `<episode>.youtube.txt`, the description to paste on an
//! upload page, with chapter timestamps when they follow YouTube's rules.

use std::fs::File;
use std::io::Write;

use serde::{Deserialize, Serialize};

use super::cues::ChapterTime;
use crate::step::{Step, StepError, Tools};

/// YouTube makes chapters from a description only with at least this many
/// timestamps, the first at 0:00, each chapter this long or longer.
const MIN_CHAPTERS: usize = 3;
const MIN_CHAPTER_MS: u64 = 10_000;

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct YoutubeInput {
    pub description: Option<String>,
    pub chapters: Vec<ChapterTime>,
}

/// Why YouTube would not take these chapters, if it would not.
pub fn chapters_refused(chapters: &[ChapterTime]) -> Option<String> {
    if chapters.len() < MIN_CHAPTERS {
        return Some(format!(
            "the episode has {} chapter{}, and YouTube needs at least {MIN_CHAPTERS}",
            chapters.len(),
            if chapters.len() == 1 { "" } else { "s" }
        ));
    }
    if chapters[0].start_ms != 0 {
        return Some("the first chapter does not start at 0:00".to_string());
    }
    chapters
        .iter()
        .find(|c| c.end_ms.saturating_sub(c.start_ms) < MIN_CHAPTER_MS)
        .map(|short| {
            format!(
                "chapter \"{}\" lasts {:.1} s, and YouTube needs each to last at least {} s",
                short.title,
                short.end_ms.saturating_sub(short.start_ms) as f64 / 1000.0,
                MIN_CHAPTER_MS / 1000
            )
        })
}

/// `m:ss`, or `h:mm:ss` from an hour on, as YouTube writes them.
fn timestamp(ms: u64) -> String {
    let s = ms / 1000;
    let (h, m, s) = (s / 3600, s / 60 % 60, s % 60);
    if h > 0 {
        format!("{h}:{m:02}:{s:02}")
    } else {
        format!("{m}:{s:02}")
    }
}

pub struct Youtube;

impl Step for Youtube {
    const KIND: &'static str = "youtube";
    const VERSION: u32 = 1;
    type Input = YoutubeInput;

    fn run(input: &YoutubeInput, _tools: &Tools, out: &mut File) -> Result<(), StepError> {
        let mut text = String::new();
        if let Some(description) = &input.description {
            text.push_str(description.trim());
            text.push_str("\n\n");
        }
        if chapters_refused(&input.chapters).is_none() {
            for chapter in &input.chapters {
                // A timestamp is a whole second: round down, so the first is 0:00.
                let title = chapter.title.replace('\n', " ");
                text.push_str(&format!("{} {title}\n", timestamp(chapter.start_ms)));
            }
        }
        out.write_all(text.as_bytes())?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chapter(title: &str, start_s: u64, end_s: u64) -> ChapterTime {
        ChapterTime {
            title: title.to_string(),
            start_ms: start_s * 1000,
            end_ms: end_s * 1000,
        }
    }

    #[test]
    fn timestamps_follow_youtube() {
        assert_eq!(timestamp(0), "0:00");
        assert_eq!(timestamp(65_999), "1:05");
        assert_eq!(timestamp(3_723_000), "1:02:03");
    }

    #[test]
    fn chapters_need_three_from_zero_each_ten_seconds() {
        let good = [
            chapter("A", 0, 10),
            chapter("B", 10, 20),
            chapter("C", 20, 31),
        ];
        assert_eq!(chapters_refused(&good), None);
        assert!(chapters_refused(&good[..2]).unwrap().contains("at least 3"));
        let late = [
            chapter("A", 1, 11),
            chapter("B", 11, 21),
            chapter("C", 21, 31),
        ];
        assert!(chapters_refused(&late).unwrap().contains("0:00"));
        let short = [
            chapter("A", 0, 10),
            chapter("B", 10, 19),
            chapter("C", 19, 31),
        ];
        assert!(
            chapters_refused(&short)
                .unwrap()
                .contains("\"B\" lasts 9.0 s")
        );
    }
}

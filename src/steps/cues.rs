//! What transcripts and chapters are made of: timed sentences and chapter
//! spans, in milliseconds of the final mix (after the intro and all pauses).

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Cue {
    pub start_ms: u64,
    pub end_ms: u64,
    pub text: String,
    pub speaker: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ChapterTime {
    pub title: String,
    pub start_ms: u64,
    pub end_ms: u64,
}

/// The input of the transcript steps: every sentence, timed.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct CuesInput {
    pub cues: Vec<Cue>,
}

/// `HH:MM:SS.mmm` (WebVTT) or `HH:MM:SS,mmm` (SRT).
pub fn timestamp(ms: u64, separator: char) -> String {
    format!(
        "{:02}:{:02}:{:02}{separator}{:03}",
        ms / 3_600_000,
        ms / 60_000 % 60,
        ms / 1000 % 60,
        ms % 1000
    )
}

#[cfg(test)]
mod tests {
    use super::timestamp;

    #[test]
    fn timestamps() {
        assert_eq!(timestamp(3_723_045, '.'), "01:02:03.045");
        assert_eq!(timestamp(999, ','), "00:00:00,999");
    }
}

//! What a packaged audio file says about itself (ID3, RIFF INFO, MP4 and
//! Vorbis comments all carry the same few fields). Here, below the steps that
//! write them, so the planner and the writers share it without importing
//! each other.

/// What the packaged files say about themselves.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct Tags {
    pub title: String,
    pub show: String,
    pub author: Option<String>,
    pub number: Option<u32>,
    pub date: Option<String>,
    pub description: Option<String>,
}

//! `thumbnail`: `<episode>.png`, the video's background and cover with the
//! episode's title, for upload pages.

use std::fs::File;
use std::io::Write;

use serde::{Deserialize, Serialize};

use super::video_segment::{Picture, PictureFiles};
use crate::step::{Step, StepError, Tools};

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ThumbnailInput {
    /// The video's look; what only moving pictures use (fps, style, the
    /// waveform's colour) is left at fixed values, so it changes nothing here.
    pub picture: Picture,
    pub title: String,
}

impl ThumbnailInput {
    pub fn new(picture: &Picture, title: &str) -> ThumbnailInput {
        ThumbnailInput {
            picture: Picture {
                fps: 1,
                style: crate::video::Style::Still,
                color: crate::video::Rgb([0, 0, 0]),
                burned_captions: false,
                ..picture.clone()
            },
            title: title.to_string(),
        }
    }
}

pub struct Thumbnail;

impl Step for Thumbnail {
    const KIND: &'static str = "thumbnail";
    const VERSION: u32 = 1;
    type Input = ThumbnailInput;

    fn run(input: &ThumbnailInput, tools: &Tools, out: &mut File) -> Result<(), StepError> {
        let files = PictureFiles::read(&input.picture, tools)?;
        let png = crate::video::draw::thumbnail(&files.look(&input.picture), &input.title)
            .map_err(StepError::Failed)?;
        out.write_all(&png)?;
        Ok(())
    }
}

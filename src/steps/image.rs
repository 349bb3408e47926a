//! `image`: a background or cover file decoded once and stored as PNG. A
//! file that is no image fails here, where pod can name it, before any
//! frame is drawn; and every segment then reads one known format.

use std::fs::File;
use std::io::BufWriter;

use serde::{Deserialize, Serialize};

use crate::cache::ContentHash;
use crate::step::{Step, StepError, Tools};

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ImageInput {
    /// The file as the user has it (PNG or JPEG).
    pub source: ContentHash,
}

pub struct Image;

impl Step for Image {
    const KIND: &'static str = "image";
    const VERSION: u32 = 1;
    const FAILS_ON_USER_FILE: bool = true;
    type Input = ImageInput;

    fn run(input: &ImageInput, tools: &Tools, out: &mut File) -> Result<(), StepError> {
        let bytes = tools
            .blobs
            .read(&input.source)
            .map_err(StepError::CorruptInput)?;
        let decoded = image::load_from_memory(&bytes).map_err(|e| {
            StepError::Failed(format!("it is not a PNG or JPEG image pod can read ({e})"))
        })?;
        decoded
            .to_rgba8()
            .write_to(&mut BufWriter::new(out), image::ImageFormat::Png)
            .map_err(|e| StepError::Failed(format!("storing the decoded image: {e}")))?;
        Ok(())
    }
}

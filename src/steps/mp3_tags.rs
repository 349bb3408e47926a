//! `mp3-tags`: ID3v2.4 tags (title, artist, album, track, date, comment,
//! cover) and chapters (CHAP + CTOC) in front of the encoded MP3.

use std::fs::File;
use std::io::{BufReader, BufWriter, Write};

use id3::frame::{Chapter, Comment, Picture, PictureType, TableOfContents};
use id3::{Frame, Tag, TagLike, Version};
use serde::{Deserialize, Serialize};

use super::cues::ChapterTime;
use crate::audio::tags::Tags;
use crate::cache::ContentHash;
use crate::step::{Step, StepError, Tools};

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Cover {
    pub image: ContentHash,
    pub mime: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct TagsInput {
    /// The encoded audio (MP3 frames, or AAC access units for MP4).
    pub audio: ContentHash,
    pub tags: Tags,
    pub chapters: Vec<ChapterTime>,
    pub cover: Option<Cover>,
}

pub struct Mp3Tags;

impl Step for Mp3Tags {
    const KIND: &'static str = "mp3-tags";
    const VERSION: u32 = 1;
    type Input = TagsInput;

    fn run(input: &TagsInput, tools: &Tools, out: &mut File) -> Result<(), StepError> {
        let t = &input.tags;
        let mut tag = Tag::new();
        tag.set_title(&t.title);
        tag.set_album(&t.show);
        if let Some(author) = &t.author {
            tag.set_artist(author);
        }
        if let Some(number) = t.number {
            tag.set_track(number);
        }
        if let Some(date) = t.date.as_ref().and_then(|d| d.parse().ok()) {
            tag.set_date_recorded(date);
        }
        if let Some(description) = &t.description {
            tag.add_frame(Comment {
                lang: "eng".into(),
                description: String::new(),
                text: description.clone(),
            });
        }
        if let Some(cover) = &input.cover {
            let data = tools
                .blobs
                .read(&cover.image)
                .map_err(StepError::CorruptInput)?;
            tag.add_frame(Picture {
                mime_type: cover.mime.clone(),
                picture_type: PictureType::CoverFront,
                description: String::new(),
                data,
            });
        }
        let ids: Vec<String> = (0..input.chapters.len())
            .map(|i| format!("chp{i}"))
            .collect();
        for (chapter, id) in input.chapters.iter().zip(&ids) {
            tag.add_frame(Chapter {
                element_id: id.clone(),
                start_time: chapter.start_ms as u32,
                end_time: chapter.end_ms as u32,
                start_offset: u32::MAX,
                end_offset: u32::MAX,
                frames: vec![Frame::text("TIT2", chapter.title.clone())],
            });
        }
        if !ids.is_empty() {
            tag.add_frame(TableOfContents {
                element_id: "toc".into(),
                top_level: true,
                ordered: true,
                elements: ids,
                frames: Vec::new(),
            });
        }
        let mut writer = BufWriter::new(out);
        tag.write_to(&mut writer, Version::Id3v24)
            .map_err(|e| StepError::Failed(format!("writing ID3 tags: {e}")))?;
        let audio = tools
            .blobs
            .open(&input.audio)
            .map_err(StepError::CorruptInput)?;
        std::io::copy(&mut BufReader::new(audio), &mut writer)?;
        writer.flush()?;
        Ok(())
    }
}

//! `m4a` / `m4b`: the AAC stream packaged in MP4 with tags, cover and
//! chapters; an edit list makes the duration exact.

use std::fs::File;
use std::io::{BufWriter, Read, Seek, SeekFrom, Write};

use super::aac::{AacStream, PRIMING};
use super::cues::ChapterTime;
use super::mp3_tags::TagsInput;
use crate::audio::mp4::{Metadata, Track, header};
use crate::step::{Step, StepError, Tools};

fn package(
    input: &TagsInput,
    tools: &Tools,
    out: &mut File,
    brand: &[u8; 4],
) -> Result<(), StepError> {
    // Streamed: an index of frame sizes first, then the frames copied through.
    let file = tools
        .blobs
        .open(&input.audio)
        .map_err(StepError::CorruptInput)?;
    let mut reader = std::io::BufReader::new(file);
    let stream = AacStream::index(&mut reader).map_err(|_| StepError::CorruptInput(input.audio))?;
    let duration_s = (stream.samples as f64 / f64::from(stream.sample_rate)).max(0.001);
    let payload: u64 = stream.frame_sizes.iter().map(|&s| u64::from(s)).sum();
    let cover = match &input.cover {
        Some(cover) => Some((
            tools
                .blobs
                .read(&cover.image)
                .map_err(StepError::CorruptInput)?,
            cover.mime == "image/png",
        )),
        None => None,
    };
    let track = Track {
        sample_rate: stream.sample_rate,
        channels: stream.channels,
        samples: stream.samples,
        priming: PRIMING,
        asc: &stream.asc,
        frame_sizes: &stream.frame_sizes,
        bitrate: (payload as f64 * 8.0 / duration_s) as u32,
    };
    let t = &input.tags;
    let meta = Metadata {
        brand,
        title: &t.title,
        artist: t.author.as_deref(),
        album: &t.show,
        date: t.date.as_deref(),
        comment: t.description.as_deref(),
        track: t.number,
        cover: cover.as_ref().map(|(data, png)| (data.as_slice(), *png)),
        chapters: &boxed_chapters(&input.chapters),
    };
    let mut writer = BufWriter::new(out);
    writer.write_all(&header(&track, &meta))?;
    reader.seek(SeekFrom::Start(stream.data_offset as u64))?;
    let mut frame = Vec::new();
    for &size in &stream.frame_sizes {
        reader.seek_relative(4)?;
        frame.resize(size as usize, 0);
        reader.read_exact(&mut frame)?;
        writer.write_all(&frame)?;
    }
    writer.flush()?;
    Ok(())
}

pub struct M4a;

impl Step for M4a {
    const KIND: &'static str = "m4a";
    const VERSION: u32 = 1;
    type Input = TagsInput;

    fn run(input: &TagsInput, tools: &Tools, out: &mut File) -> Result<(), StepError> {
        package(input, tools, out, b"M4A ")
    }
}

pub struct M4b;

impl Step for M4b {
    const KIND: &'static str = "m4b";
    const VERSION: u32 = 1;
    type Input = TagsInput;

    fn run(input: &TagsInput, tools: &Tools, out: &mut File) -> Result<(), StepError> {
        package(input, tools, out, b"M4B ")
    }
}

/// Chapters as the MP4 boxes take them.
pub(super) fn boxed_chapters(chapters: &[ChapterTime]) -> Vec<crate::audio::mp4::Chapter<'_>> {
    chapters
        .iter()
        .map(|c| crate::audio::mp4::Chapter {
            title: &c.title,
            start_ms: c.start_ms,
            end_ms: c.end_ms,
        })
        .collect()
}

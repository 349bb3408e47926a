//! `m4a` / `m4b`: the AAC stream packaged in MP4 with tags, cover and
//! chapters; an edit list makes the duration exact.

use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Seek, SeekFrom, Write};

use super::aac::{AacStream, PRIMING};
use super::mp3_tags::TagsInput;
use crate::audio::mp4::{Chapter, Metadata, Track, header, trailer};
use crate::step::{Step, StepError, Tools};

/// What an MP4 of the AAC stream needs besides its frames: the stream's
/// index (the frames are streamed after it), the cover's bytes, the
/// chapters as the boxes take them. The `m4a`/`m4b` and `mp4` steps share it.
pub(super) struct Packaging<'a> {
    pub reader: BufReader<File>,
    pub stream: AacStream,
    input: &'a TagsInput,
    cover: Option<(Vec<u8>, bool)>,
    chapters: Vec<Chapter<'a>>,
}

impl<'a> Packaging<'a> {
    pub fn open(input: &'a TagsInput, tools: &Tools) -> Result<Packaging<'a>, StepError> {
        let file = tools
            .blobs
            .open(&input.audio)
            .map_err(StepError::CorruptInput)?;
        let mut reader = BufReader::new(file);
        let stream =
            AacStream::index(&mut reader).map_err(|_| StepError::CorruptInput(input.audio))?;
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
        let chapters = input
            .chapters
            .iter()
            .map(|c| Chapter {
                title: &c.title,
                start_ms: c.start_ms,
                end_ms: c.end_ms,
            })
            .collect();
        Ok(Packaging {
            reader,
            stream,
            input,
            cover,
            chapters,
        })
    }

    pub fn track(&self) -> Track<'_> {
        let stream = &self.stream;
        let duration_s = (stream.samples as f64 / f64::from(stream.sample_rate)).max(0.001);
        let payload: u64 = stream.frame_sizes.iter().map(|&s| u64::from(s)).sum();
        Track {
            sample_rate: stream.sample_rate,
            channels: stream.channels,
            samples: stream.samples,
            priming: PRIMING,
            asc: &stream.asc,
            frame_sizes: &stream.frame_sizes,
            bitrate: (payload as f64 * 8.0 / duration_s) as u32,
        }
    }

    pub fn metadata(&self, brand: &'static [u8; 4]) -> Metadata<'_> {
        let t = &self.input.tags;
        Metadata {
            brand,
            title: &t.title,
            artist: t.author.as_deref(),
            album: &t.show,
            date: t.date.as_deref(),
            comment: t.description.as_deref(),
            track: t.number,
            cover: self
                .cover
                .as_ref()
                .map(|(data, png)| (data.as_slice(), *png)),
            chapters: &self.chapters,
        }
    }

    /// Moves the reader to the first frame.
    pub fn rewind(&mut self) -> std::io::Result<()> {
        self.reader
            .seek(SeekFrom::Start(self.stream.data_offset as u64))
            .map(|_| ())
    }
}

fn package(
    input: &TagsInput,
    tools: &Tools,
    out: &mut File,
    brand: &'static [u8; 4],
) -> Result<(), StepError> {
    // Streamed: an index of frame sizes first, then the frames copied through.
    let mut packaging = Packaging::open(input, tools)?;
    let (track, metadata) = (packaging.track(), packaging.metadata(brand));
    let (header, trailer) = (header(&track, &metadata), trailer(&track, &metadata));
    let mut writer = BufWriter::new(out);
    writer.write_all(&header)?;
    packaging.rewind()?;
    let mut frame = Vec::new();
    for &size in &packaging.stream.frame_sizes {
        packaging.reader.seek_relative(4)?;
        frame.resize(size as usize, 0);
        packaging.reader.read_exact(&mut frame)?;
        writer.write_all(&frame)?;
    }
    writer.write_all(&trailer)?;
    writer.flush()?;
    Ok(())
}

pub struct M4a;

impl Step for M4a {
    const KIND: &'static str = "m4a";
    // 2: a QuickTime chapter track besides `chpl`.
    const VERSION: u32 = 2;
    type Input = TagsInput;

    fn run(input: &TagsInput, tools: &Tools, out: &mut File) -> Result<(), StepError> {
        package(input, tools, out, b"M4A ")
    }
}

pub struct M4b;

impl Step for M4b {
    const KIND: &'static str = "m4b";
    // 2: a QuickTime chapter track besides `chpl`.
    const VERSION: u32 = 2;
    type Input = TagsInput;

    fn run(input: &TagsInput, tools: &Tools, out: &mut File) -> Result<(), StepError> {
        package(input, tools, out, b"M4B ")
    }
}

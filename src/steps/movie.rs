//! `mp4`: the episode's video. The chapters' segments are joined as they
//! were encoded and packaged with the episode's AAC stream (the same the
//! M4A/M4B carry), its chapters, tags and cover, and soft captions when
//! asked for.

use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Seek, SeekFrom};

use serde::{Deserialize, Serialize};

use super::cues::Cue;
use super::mp3_tags::TagsInput;
use super::mp4::Packaging;
use crate::cache::ContentHash;
use crate::step::{Announce, Step, StepError, Tools};
use crate::video::movie::{Movie as Mp4Movie, Text};
use crate::video::segment::Segment;

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct MovieInput {
    /// The AAC stream, tags, chapters and cover, as for the M4B.
    pub package: TagsInput,
    /// One per chapter, in order.
    pub segments: Vec<ContentHash>,
    /// A soft subtitle track's cues (empty: none).
    pub subtitles: Vec<Cue>,
}

pub struct Movie;

impl Step for Movie {
    const KIND: &'static str = "mp4";
    const VERSION: u32 = 1;
    const ANNOUNCE: Announce = Announce::Status("Packaging");
    type Input = MovieInput;

    fn run(input: &MovieInput, tools: &Tools, out: &mut File) -> Result<(), StepError> {
        let package = &input.package;
        let segments = input
            .segments
            .iter()
            .map(|hash| {
                let mut file = tools.blobs.open(hash).map_err(StepError::CorruptInput)?;
                Segment::read_index(&mut file).map_err(|_| StepError::CorruptInput(*hash))
            })
            .collect::<Result<Vec<Segment>, StepError>>()?;
        let packaging = Packaging::open(package, tools)?;
        let (track, meta) = (packaging.track(), packaging.metadata(b"isom"));
        let subtitles: Vec<Text> = input
            .subtitles
            .iter()
            .map(|cue| Text {
                start_ms: cue.start_ms,
                end_ms: cue.end_ms,
                text: &cue.text,
            })
            .collect();
        let movie = Mp4Movie {
            segments: &segments,
            audio: &track,
            meta: &meta,
            subtitles: &subtitles,
        };
        // A reader of its own: the movie borrows the packaging's index.
        let mut sizes = packaging.stream.frame_sizes.iter();
        let mut aac = BufReader::new(
            tools
                .blobs
                .open(&package.audio)
                .map_err(StepError::CorruptInput)?,
        );
        aac.seek(SeekFrom::Start(packaging.stream.data_offset as u64))?;
        let mut writer = BufWriter::new(out);
        movie.write(
            &mut writer,
            |k| {
                tools
                    .blobs
                    .open(&input.segments[k])
                    .map(BufReader::new)
                    .map_err(|hash| std::io::Error::other(format!("cache blob {hash} is corrupt")))
            },
            |frame| {
                let size = *sizes.next().expect("no more frames asked for than indexed");
                aac.seek_relative(4)?;
                frame.resize(size as usize, 0);
                aac.read_exact(frame)
            },
        )?;
        Ok(())
    }
}

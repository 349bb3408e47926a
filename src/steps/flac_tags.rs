//! `flac-tags`: the encoded FLAC with its tags (Vorbis comments), chapters
//! (the `CHAPTERxxx`/`CHAPTERxxxNAME` comments of Xiph's chapter extension,
//! which ffmpeg and most players read) and cover (a PICTURE block). A
//! separate step from `flac`, so a title change does not re-encode.
//!
//! The metadata blocks are written by hand: they are a few length-prefixed
//! fields, part of pod's own FLAC output, and the one crate that writes them
//! (metaflac) keeps comments in a `HashMap`, so its output order would change
//! from run to run.

use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Write};

use super::mp3_tags::TagsInput;
use crate::step::{Step, StepError, Tools};

pub struct FlacTags;

const STREAMINFO: u8 = 0;
const PADDING: u8 = 1;
const VORBIS_COMMENT: u8 = 4;
const PICTURE: u8 = 6;
/// The chapter extension numbers chapters in three digits.
const MAX_CHAPTERS: usize = 999;

/// `HH:MM:SS.mmm`, as the chapter extension writes times.
fn timestamp(ms: u64) -> String {
    let (h, m, s) = (ms / 3_600_000, ms / 60_000 % 60, ms / 1000 % 60);
    format!("{h:02}:{m:02}:{s:02}.{:03}", ms % 1000)
}

/// `KEY=value` pairs, in a fixed order (chapter times before their names:
/// ffmpeg attaches a name only to a chapter it has already seen).
fn comments(input: &TagsInput) -> Vec<String> {
    let t = &input.tags;
    let mut out = vec![format!("TITLE={}", t.title), format!("ALBUM={}", t.show)];
    out.extend(t.author.iter().map(|a| format!("ARTIST={a}")));
    out.extend(t.number.iter().map(|n| format!("TRACKNUMBER={n}")));
    out.extend(t.date.iter().map(|d| format!("DATE={d}")));
    out.extend(t.description.iter().map(|d| format!("DESCRIPTION={d}")));
    for (n, chapter) in input.chapters.iter().take(MAX_CHAPTERS).enumerate() {
        out.push(format!(
            "CHAPTER{:03}={}",
            n + 1,
            timestamp(chapter.start_ms)
        ));
        out.push(format!("CHAPTER{:03}NAME={}", n + 1, chapter.title));
    }
    out
}

fn field(out: &mut Vec<u8>, bytes: &[u8], le: bool) -> Result<(), StepError> {
    let len = u32::try_from(bytes.len())
        .map_err(|_| StepError::Failed("FLAC metadata field over 4 GiB".into()))?;
    out.extend_from_slice(&if le {
        len.to_le_bytes()
    } else {
        len.to_be_bytes()
    });
    out.extend_from_slice(bytes);
    Ok(())
}

fn vorbis_comment(input: &TagsInput) -> Result<Vec<u8>, StepError> {
    let comments = comments(input);
    let mut body = Vec::new();
    field(&mut body, b"pod", true)?;
    body.extend_from_slice(&(comments.len() as u32).to_le_bytes());
    for comment in &comments {
        field(&mut body, comment.as_bytes(), true)?;
    }
    Ok(body)
}

/// A front-cover PICTURE block. Width, height, depth and colours are left 0:
/// they are informational, and players decode the image itself.
fn picture(mime: &str, data: &[u8]) -> Result<Vec<u8>, StepError> {
    let mut body = 3u32.to_be_bytes().to_vec();
    field(&mut body, mime.as_bytes(), false)?;
    field(&mut body, b"", false)?;
    body.extend_from_slice(&[0; 16]);
    field(&mut body, data, false)?;
    Ok(body)
}

fn write_block(out: &mut impl Write, kind: u8, last: bool, body: &[u8]) -> Result<(), StepError> {
    let len = u32::try_from(body.len())
        .ok()
        .filter(|&len| len < 1 << 24)
        .ok_or_else(|| StepError::Failed("FLAC metadata block over 16 MiB (cover?)".into()))?;
    out.write_all(&[kind | if last { 0x80 } else { 0 }])?;
    out.write_all(&len.to_be_bytes()[1..])?;
    out.write_all(body)?;
    Ok(())
}

impl Step for FlacTags {
    const KIND: &'static str = "flac-tags";
    const VERSION: u32 = 1;
    type Input = TagsInput;

    fn run(input: &TagsInput, tools: &Tools, out: &mut File) -> Result<(), StepError> {
        let audio = tools
            .blobs
            .open(&input.audio)
            .map_err(StepError::CorruptInput)?;
        let mut audio = BufReader::new(audio);
        let bad = || StepError::Failed("the encoded FLAC has no valid metadata".into());
        let mut magic = [0u8; 4];
        audio.read_exact(&mut magic)?;
        if &magic != b"fLaC" {
            return Err(bad());
        }
        // Keep the encoder's blocks (STREAMINFO first) except those this
        // step writes.
        let mut kept: Vec<(u8, Vec<u8>)> = Vec::new();
        loop {
            let mut header = [0u8; 4];
            audio.read_exact(&mut header)?;
            let (last, kind) = (header[0] & 0x80 != 0, header[0] & 0x7f);
            let len = u32::from_be_bytes([0, header[1], header[2], header[3]]);
            let mut body = vec![0; len as usize];
            audio.read_exact(&mut body)?;
            if !matches!(kind, PADDING | VORBIS_COMMENT | PICTURE) {
                kept.push((kind, body));
            }
            if last {
                break;
            }
        }
        if kept.first().is_none_or(|(kind, _)| *kind != STREAMINFO) {
            return Err(bad());
        }

        let mut blocks = kept;
        blocks.push((VORBIS_COMMENT, vorbis_comment(input)?));
        if let Some(cover) = &input.cover {
            let data = tools
                .blobs
                .read(&cover.image)
                .map_err(StepError::CorruptInput)?;
            blocks.push((PICTURE, picture(&cover.mime, &data)?));
        }
        let mut writer = BufWriter::new(out);
        writer.write_all(b"fLaC")?;
        let count = blocks.len();
        for (n, (kind, body)) in blocks.iter().enumerate() {
            write_block(&mut writer, *kind, n + 1 == count, body)?;
        }
        std::io::copy(&mut audio, &mut writer)?;
        writer.flush()?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::timestamp;

    #[test]
    fn chapter_times_are_hours_minutes_seconds_and_milliseconds() {
        assert_eq!(timestamp(0), "00:00:00.000");
        assert_eq!(timestamp(4_067), "00:00:04.067");
        assert_eq!(timestamp(3_723_004), "01:02:03.004");
    }
}

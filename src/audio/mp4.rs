//! A minimal MP4 (ISO BMFF) writer for one AAC track: `ftyp`, `moov` first
//! (fast start), then `mdat`. An edit list trims the encoder priming so the
//! file is exactly as long as the mix; chapters are a Nero `chpl` box and a
//! QuickTime chapter track (Apple's players read only that one, others
//! the box), tags an iTunes `ilst`.

use super::mp4_boxes::{MATRIX, be32, boxed, concat, dinf, full, hdlr};
use super::mp4_text::{Text, TextRole, text_samples, text_trak};

/// The audio track, and the chapter track it names.
const AUDIO_ID: u32 = 1;
const CHAPTERS_ID: u32 = 2;

pub struct Track<'a> {
    pub sample_rate: u32,
    pub channels: u16,
    /// Real samples per channel.
    pub samples: u64,
    /// Priming samples to skip at the start.
    pub priming: u32,
    pub asc: &'a [u8],
    pub frame_sizes: &'a [u32],
    pub bitrate: u32,
}

/// A chapter as the boxes record it.
pub struct Chapter<'a> {
    pub title: &'a str,
    pub start_ms: u64,
    pub end_ms: u64,
}

pub struct Metadata<'a> {
    pub brand: &'a [u8; 4],
    pub title: &'a str,
    pub artist: Option<&'a str>,
    pub album: &'a str,
    pub date: Option<&'a str>,
    pub comment: Option<&'a str>,
    pub track: Option<u32>,
    pub cover: Option<(&'a [u8], bool)>,
    pub chapters: &'a [Chapter<'a>],
}

/// An MPEG-4 descriptor with a one-byte length.
fn descriptor(tag: u8, body: &[u8]) -> Vec<u8> {
    let mut out = vec![tag, body.len() as u8];
    out.extend_from_slice(body);
    out
}

pub(crate) fn esds(track: &Track) -> Vec<u8> {
    let mut config = vec![0x40, 0x15, 0, 0x18, 0];
    config.extend_from_slice(&track.bitrate.to_be_bytes());
    config.extend_from_slice(&track.bitrate.to_be_bytes());
    config.extend_from_slice(&descriptor(0x05, track.asc));
    let mut es = vec![0, 1, 0];
    es.extend_from_slice(&descriptor(0x04, &config));
    es.extend_from_slice(&descriptor(0x06, &[0x02]));
    full(b"esds", 0, 0, &descriptor(0x03, &es))
}

/// The AAC sample entry.
pub(crate) fn mp4a(track: &Track) -> Vec<u8> {
    let mut mp4a = vec![0u8; 6];
    mp4a.extend_from_slice(&1u16.to_be_bytes());
    mp4a.extend_from_slice(&[0u8; 8]);
    mp4a.extend_from_slice(&track.channels.to_be_bytes());
    mp4a.extend_from_slice(&16u16.to_be_bytes());
    mp4a.extend_from_slice(&[0u8; 4]);
    mp4a.extend_from_slice(&(track.sample_rate.min(65_535) << 16).to_be_bytes());
    mp4a.extend_from_slice(&esds(track));
    boxed(b"mp4a", &mp4a)
}

fn stbl(track: &Track, data_offset: u32) -> Vec<u8> {
    let frames = track.frame_sizes.len() as u32;
    let mut stsz = be32(&[0, frames]);
    stsz.extend_from_slice(&be32(track.frame_sizes));
    boxed(
        b"stbl",
        &concat(&[
            full(b"stsd", 0, 0, &concat(&[be32(&[1]), mp4a(track)])),
            full(b"stts", 0, 0, &be32(&[1, frames, 1024])),
            full(b"stsc", 0, 0, &be32(&[1, 1, frames, 1])),
            full(b"stsz", 0, 0, &stsz),
            full(b"stco", 0, 0, &be32(&[1, data_offset])),
        ]),
    )
}

fn trak(track: &Track, data_offset: u32, chapters: bool) -> Vec<u8> {
    let media_duration = track.frame_sizes.len() as u32 * 1024;
    let duration = track.samples as u32;
    let mut tkhd = be32(&[0, 0, AUDIO_ID, 0, duration, 0, 0, 0]);
    tkhd.extend_from_slice(&0x0100_0000u32.to_be_bytes()); // volume 1.0, reserved
    tkhd.extend_from_slice(&be32(&MATRIX));
    tkhd.extend_from_slice(&be32(&[0, 0]));
    let elst = full(
        b"elst",
        0,
        0,
        &be32(&[1, duration, track.priming, 0x0001_0000]),
    );
    let mdhd = full(
        b"mdhd",
        0,
        0,
        &concat(&[
            be32(&[0, 0, track.sample_rate, media_duration]),
            vec![0x55, 0xC4, 0, 0],
        ]),
    );
    let hdlr = hdlr(b"soun", "SoundHandler");
    let minf = boxed(
        b"minf",
        &concat(&[
            full(b"smhd", 0, 0, &[0; 4]),
            dinf(),
            stbl(track, data_offset),
        ]),
    );
    let mut parts = vec![full(b"tkhd", 0, 3, &tkhd), boxed(b"edts", &elst)];
    if chapters {
        parts.push(boxed(b"tref", &boxed(b"chap", &be32(&[CHAPTERS_ID]))));
    }
    parts.push(boxed(b"mdia", &concat(&[mdhd, hdlr, minf])));
    boxed(b"trak", &concat(&parts))
}

impl Metadata<'_> {
    /// The chapters as a text track's texts.
    pub(crate) fn chapter_texts(&self) -> Vec<Text<'_>> {
        self.chapters
            .iter()
            .map(|c| Text {
                start_ms: c.start_ms,
                end_ms: c.end_ms,
                text: c.title,
            })
            .collect()
    }
}

/// The chapter track's samples: each title over its chapter, as long as the audio.
fn chapter_samples(track: &Track, meta: &Metadata) -> Vec<(Vec<u8>, u32)> {
    if meta.chapters.is_empty() {
        return Vec::new();
    }
    let texts = meta.chapter_texts();
    let end_ms = track.samples * 1000 / u64::from(track.sample_rate);
    text_samples(&texts, track.sample_rate, end_ms)
}

/// What follows the audio frames in `mdat`: the chapter titles' samples.
pub fn trailer(track: &Track, meta: &Metadata) -> Vec<u8> {
    chapter_samples(track, meta)
        .into_iter()
        .flat_map(|(bytes, _)| bytes)
        .collect()
}

fn item(name: &[u8; 4], kind: u32, payload: &[u8]) -> Vec<u8> {
    boxed(
        name,
        &boxed(b"data", &concat(&[be32(&[kind, 0]), payload.to_vec()])),
    )
}

pub(crate) fn udta(meta: &Metadata) -> Vec<u8> {
    // Nero chapters: start times in 100 ns units.
    let mut chpl = vec![0u8; 4];
    chpl.push(meta.chapters.len().min(255) as u8);
    for chapter in meta.chapters.iter().take(255) {
        chpl.extend_from_slice(&(chapter.start_ms * 10_000).to_be_bytes());
        let title = &chapter.title.as_bytes()[..chapter.title.len().min(255)];
        chpl.push(title.len() as u8);
        chpl.extend_from_slice(title);
    }
    let mut items = vec![
        item(b"\xa9nam", 1, meta.title.as_bytes()),
        item(b"\xa9alb", 1, meta.album.as_bytes()),
    ];
    if let Some(artist) = meta.artist {
        items.push(item(b"\xa9ART", 1, artist.as_bytes()));
    }
    if let Some(date) = meta.date {
        items.push(item(b"\xa9day", 1, date.as_bytes()));
    }
    if let Some(comment) = meta.comment {
        items.push(item(b"\xa9cmt", 1, comment.as_bytes()));
    }
    if let Some(track) = meta.track {
        let mut payload = vec![0, 0];
        payload.extend_from_slice(&(track.min(65_535) as u16).to_be_bytes());
        payload.extend_from_slice(&[0, 0, 0, 0]);
        items.push(item(b"trkn", 0, &payload));
    }
    if let Some((image, png)) = meta.cover {
        items.push(item(b"covr", if png { 14 } else { 13 }, image));
    }
    let hdlr = full(
        b"hdlr",
        0,
        0,
        &concat(&[be32(&[0]), b"mdir".to_vec(), b"appl".to_vec(), vec![0; 9]]),
    );
    let ilst = boxed(b"ilst", &items.concat());
    boxed(
        b"udta",
        &concat(&[
            full(b"chpl", 1, 0, &chpl),
            full(b"meta", 0, 0, &concat(&[hdlr, ilst])),
        ]),
    )
}

fn moov(track: &Track, meta: &Metadata, data_offset: u32) -> Vec<u8> {
    let chapters = chapter_samples(track, meta);
    let next_id = if chapters.is_empty() {
        CHAPTERS_ID
    } else {
        CHAPTERS_ID + 1
    };
    let mut mvhd = be32(&[0, 0, track.sample_rate, track.samples as u32, 0x0001_0000]);
    mvhd.extend_from_slice(&[0x01, 0x00, 0, 0]);
    mvhd.extend_from_slice(&[0u8; 8]);
    mvhd.extend_from_slice(&be32(&MATRIX));
    mvhd.extend_from_slice(&[0u8; 24]);
    mvhd.extend_from_slice(&next_id.to_be_bytes());
    let mut parts = vec![
        full(b"mvhd", 0, 0, &mvhd),
        trak(track, data_offset, !chapters.is_empty()),
    ];
    if !chapters.is_empty() {
        // Stored after the audio frames.
        let offset = u64::from(data_offset) + audio_bytes(track);
        parts.push(text_trak(
            CHAPTERS_ID,
            TextRole::Chapters,
            track.sample_rate,
            &chapters,
            offset,
            false,
        ));
    }
    parts.push(udta(meta));
    boxed(b"moov", &concat(&parts))
}

fn audio_bytes(track: &Track) -> u64 {
    track.frame_sizes.iter().map(|&s| u64::from(s)).sum()
}

/// `ftyp` and `moov`, sized so the audio data follows them in an `mdat`
/// whose header comes next. Returns the bytes to write before the frames;
/// `trailer` gives those after them.
pub fn header(track: &Track, meta: &Metadata) -> Vec<u8> {
    let mut ftyp = meta.brand.to_vec();
    ftyp.extend_from_slice(&0x200u32.to_be_bytes());
    for brand in [meta.brand, b"isom", b"iso2", b"mp41"] {
        ftyp.extend_from_slice(brand);
    }
    let ftyp = boxed(b"ftyp", &ftyp);
    let data = audio_bytes(track) + trailer(track, meta).len() as u64;
    // The moov's size does not depend on the offset it records.
    let moov_size = moov(track, meta, 0).len();
    let offset = (ftyp.len() + moov_size + 8) as u32;
    let mut out = concat(&[ftyp, moov(track, meta, offset)]);
    out.extend_from_slice(&(data as u32 + 8).to_be_bytes());
    out.extend_from_slice(b"mdat");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The m4a/m4b bytes are pinned: published files must not change when
    /// pod is upgraded unless the step's VERSION says so. Last changed on
    /// purpose for the QuickTime chapter track (m4a/m4b VERSION 2).
    #[test]
    fn m4a_header_is_pinned() {
        let chapters = [
            Chapter {
                title: "Intro",
                start_ms: 0,
                end_ms: 1500,
            },
            Chapter {
                title: "Zwei ü",
                start_ms: 1500,
                end_ms: 4000,
            },
        ];
        let track = Track {
            sample_rate: 44100,
            channels: 2,
            samples: 176_400,
            priming: 1024,
            asc: &[0x12, 0x10],
            frame_sizes: &[300, 280, 310, 299, 5],
            bitrate: 96_000,
        };
        let meta = Metadata {
            brand: b"M4B ",
            title: "T",
            artist: Some("A"),
            album: "Show",
            date: Some("2026-01-02"),
            comment: Some("c"),
            track: Some(7),
            cover: Some((&[0x89, b'P', b'N', b'G'], true)),
            chapters: &chapters,
        };
        let hash = blake3::hash(&header(&track, &meta)).to_hex().to_string();
        assert_eq!(
            hash,
            "50c5f2496f0c306645cfe580b49deb43bae33de09903d36cd03e4aadfc04e11a"
        );
    }
}

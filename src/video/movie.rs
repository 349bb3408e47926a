//! The MP4 of an episode: the segments' H.264 samples joined as they were
//! encoded, the AAC stream the M4A/M4B carry, chapters (a Nero `chpl` box
//! and a QuickTime chapter track, which Apple's players read), optional
//! soft captions (`tx3g`), tags. `moov` comes first (fast start); each
//! chapter's video and audio are stored side by side, so a player reading
//! from the front gets both.

use std::io::{self, Read, Seek, SeekFrom, Write};

use super::segment::Segment;
use crate::audio::mp4::{Metadata, Track, mp4a, udta};
use crate::audio::mp4_boxes::{MATRIX, be32, boxed, concat, dinf, full, hdlr};
pub use crate::audio::mp4_text::Text;
use crate::audio::mp4_text::{
    TextRole, chunk_offsets, mdhd, stsc, stsz, stts, text_samples, text_trak, tkhd,
};

pub struct Movie<'a> {
    pub segments: &'a [Segment],
    /// The AAC track, as for the M4A; its frames come from `audio_frames`.
    pub audio: &'a Track<'a>,
    pub meta: &'a Metadata<'a>,
    pub subtitles: &'a [Text<'a>],
}

const VIDEO_ID: u32 = 1;
const AUDIO_ID: u32 = 2;
const CHAPTERS_ID: u32 = 3;
const SUBTITLES_ID: u32 = 4;

/// Where each chunk of each track lies in `mdat`.
struct Chunks {
    /// Per segment: its video chunk, then its audio chunk (first frame, count).
    video: Vec<u64>,
    audio: Vec<(u64, usize, usize)>,
    chapters: u64,
    subtitles: u64,
}

fn avc1(segment: &Segment) -> Vec<u8> {
    let mut entry = vec![0u8; 6];
    entry.extend_from_slice(&1u16.to_be_bytes());
    entry.extend_from_slice(&[0u8; 16]);
    entry.extend_from_slice(&(segment.width as u16).to_be_bytes());
    entry.extend_from_slice(&(segment.height as u16).to_be_bytes());
    entry.extend_from_slice(&be32(&[0x0048_0000, 0x0048_0000, 0]));
    entry.extend_from_slice(&1u16.to_be_bytes());
    entry.extend_from_slice(&[0u8; 32]);
    entry.extend_from_slice(&0x0018u16.to_be_bytes());
    entry.extend_from_slice(&0xffffu16.to_be_bytes());
    let (sps, pps) = (&segment.sps, &segment.pps);
    let mut avcc = vec![1, sps[1], sps[2], sps[3], 0xff, 0xe1];
    avcc.extend_from_slice(&(sps.len() as u16).to_be_bytes());
    avcc.extend_from_slice(sps);
    avcc.push(1);
    avcc.extend_from_slice(&(pps.len() as u16).to_be_bytes());
    avcc.extend_from_slice(pps);
    entry.extend_from_slice(&boxed(b"avcC", &avcc));
    boxed(b"avc1", &entry)
}

impl Movie<'_> {
    fn video_duration(&self) -> u64 {
        self.segments.iter().map(Segment::duration).sum()
    }

    /// The AAC frames (first, count) heard during each segment.
    fn audio_runs(&self) -> Vec<(usize, usize)> {
        let frames = self.audio.frame_sizes.len();
        let mut runs = Vec::new();
        let (mut next, mut end) = (0usize, 0u64);
        for (k, segment) in self.segments.iter().enumerate() {
            end += segment.duration();
            // Frame j is heard from j * 1024 - priming.
            let last = if k + 1 == self.segments.len() {
                frames
            } else {
                (((end + u64::from(self.audio.priming)) / 1024) as usize).clamp(next, frames)
            };
            runs.push((next, last - next));
            next = last;
        }
        runs
    }

    /// The chapter track's samples (none without chapters).
    fn chapter_samples(&self) -> Vec<(Vec<u8>, u32)> {
        if self.meta.chapters.is_empty() {
            return Vec::new();
        }
        text_samples(&self.chapters(), self.audio.sample_rate, self.duration_ms())
    }

    fn chapters(&self) -> Vec<Text<'_>> {
        self.meta.chapter_texts()
    }

    fn duration_ms(&self) -> u64 {
        self.video_duration() * 1000 / u64::from(self.audio.sample_rate)
    }

    fn layout(&self, data_start: u64) -> Chunks {
        let mut at = data_start;
        let mut chunks = Chunks {
            video: Vec::new(),
            audio: Vec::new(),
            chapters: 0,
            subtitles: 0,
        };
        for (segment, (first, count)) in self.segments.iter().zip(self.audio_runs()) {
            chunks.video.push(at);
            at += segment
                .samples
                .iter()
                .map(|s| u64::from(s.size))
                .sum::<u64>();
            chunks.audio.push((at, first, count));
            at += self.audio.frame_sizes[first..first + count]
                .iter()
                .map(|&s| u64::from(s))
                .sum::<u64>();
        }
        chunks.chapters = at;
        at += self
            .chapter_samples()
            .iter()
            .map(|(b, _)| b.len() as u64)
            .sum::<u64>();
        chunks.subtitles = at;
        chunks
    }

    fn video_trak(&self, chunks: &Chunks, wide: bool, chapters: bool) -> Vec<u8> {
        let first = &self.segments[0];
        let samples = || self.segments.iter().flat_map(|s| &s.samples);
        let sizes: Vec<u32> = samples().map(|s| s.size).collect();
        let syncs: Vec<u32> = samples()
            .enumerate()
            .filter(|(_, s)| s.sync)
            .map(|(i, _)| i as u32 + 1)
            .collect();
        // A chapter of no length has no frame, and so no chunk.
        let (offsets, counts): (Vec<u64>, Vec<u32>) = self
            .segments
            .iter()
            .zip(&chunks.video)
            .filter(|(s, _)| !s.samples.is_empty())
            .map(|(s, &offset)| (offset, s.samples.len() as u32))
            .unzip();
        let mut stss = be32(&[syncs.len() as u32]);
        stss.extend_from_slice(&be32(&syncs));
        let stbl = boxed(
            b"stbl",
            &concat(&[
                full(b"stsd", 0, 0, &concat(&[be32(&[1]), avc1(first)])),
                stts(samples().map(|s| s.duration)),
                full(b"stss", 0, 0, &stss),
                stsc(&counts),
                stsz(&sizes),
                chunk_offsets(&offsets, wide),
            ]),
        );
        let duration = self.video_duration();
        let minf = boxed(
            b"minf",
            &concat(&[full(b"vmhd", 0, 1, &[0; 8]), dinf(), stbl]),
        );
        let mut parts = vec![tkhd(VIDEO_ID, 3, duration, 0, (first.width, first.height))];
        if chapters {
            parts.push(boxed(b"tref", &boxed(b"chap", &be32(&[CHAPTERS_ID]))));
        }
        parts.push(boxed(
            b"mdia",
            &concat(&[
                mdhd(first.timescale, duration),
                hdlr(b"vide", "VideoHandler"),
                minf,
            ]),
        ));
        boxed(b"trak", &concat(&parts))
    }

    fn audio_trak(&self, chunks: &Chunks, wide: bool, chapters: bool) -> Vec<u8> {
        let track = self.audio;
        let frames = track.frame_sizes.len() as u32;
        // A chapter shorter than an AAC frame has no audio chunk of its own.
        let audio = chunks.audio.iter().filter(|c| c.2 > 0);
        let offsets: Vec<u64> = audio.clone().map(|c| c.0).collect();
        let counts: Vec<u32> = audio.map(|c| c.2 as u32).collect();
        let stbl = boxed(
            b"stbl",
            &concat(&[
                full(b"stsd", 0, 0, &concat(&[be32(&[1]), mp4a(track)])),
                full(b"stts", 0, 0, &be32(&[1, frames, 1024])),
                stsc(&counts),
                stsz(track.frame_sizes),
                chunk_offsets(&offsets, wide),
            ]),
        );
        let minf = boxed(
            b"minf",
            &concat(&[full(b"smhd", 0, 0, &[0; 4]), dinf(), stbl]),
        );
        // The edit list skips the encoder's priming, as in the M4A.
        let elst = full(
            b"elst",
            0,
            0,
            &be32(&[1, track.samples as u32, track.priming, 0x0001_0000]),
        );
        let mut parts = vec![tkhd(AUDIO_ID, 3, track.samples, 0x0100, (0, 0))];
        parts.push(boxed(b"edts", &elst));
        if chapters {
            parts.push(boxed(b"tref", &boxed(b"chap", &be32(&[CHAPTERS_ID]))));
        }
        parts.push(boxed(
            b"mdia",
            &concat(&[
                mdhd(track.sample_rate, u64::from(frames) * 1024),
                hdlr(b"soun", "SoundHandler"),
                minf,
            ]),
        ));
        boxed(b"trak", &concat(&parts))
    }

    /// A text track: the chapter titles (disabled: players list them) or
    /// the soft captions.
    fn text_trak(&self, id: u32, texts: &[Text], offset: u64, wide: bool) -> Vec<u8> {
        let timescale = self.audio.sample_rate;
        let samples = text_samples(texts, timescale, self.duration_ms());
        let role = if id == CHAPTERS_ID {
            TextRole::Chapters
        } else {
            TextRole::Subtitles {
                size: (self.segments[0].width, self.segments[0].height),
            }
        };
        text_trak(id, role, timescale, &samples, offset, wide)
    }

    fn moov(&self, chunks: &Chunks, wide: bool) -> Vec<u8> {
        let chapters = !self.meta.chapters.is_empty();
        let timescale = self.audio.sample_rate;
        let duration = self.video_duration();
        let mut mvhd = be32(&[0, 0, timescale, duration as u32, 0x0001_0000]);
        mvhd.extend_from_slice(&[0x01, 0x00, 0, 0]);
        mvhd.extend_from_slice(&[0u8; 8]);
        mvhd.extend_from_slice(&be32(&MATRIX));
        mvhd.extend_from_slice(&[0u8; 24]);
        mvhd.extend_from_slice(&(SUBTITLES_ID + 1).to_be_bytes());
        let mut parts = vec![
            full(b"mvhd", 0, 0, &mvhd),
            self.video_trak(chunks, wide, chapters),
            self.audio_trak(chunks, wide, chapters),
        ];
        if chapters {
            parts.push(self.text_trak(CHAPTERS_ID, &self.chapters(), chunks.chapters, wide));
        }
        if !self.subtitles.is_empty() {
            parts.push(self.text_trak(SUBTITLES_ID, self.subtitles, chunks.subtitles, wide));
        }
        parts.push(udta(self.meta));
        boxed(b"moov", &concat(&parts))
    }

    /// Writes the movie: the segments' frames come from `segment(k)`, the
    /// AAC frames from `audio_frame(j, buffer)` in order.
    pub fn write<W: Write, R: Read + Seek>(
        &self,
        out: &mut W,
        mut segment: impl FnMut(usize) -> io::Result<R>,
        mut audio_frame: impl FnMut(&mut Vec<u8>) -> io::Result<()>,
    ) -> io::Result<()> {
        let first = self
            .segments
            .first()
            .ok_or_else(|| io::Error::other("a movie needs at least one segment"))?;
        if let Some(other) = self.segments.iter().find(|s| {
            (&s.sps, &s.pps, s.width, s.height)
                != (&first.sps, &first.pps, first.width, first.height)
        }) {
            return Err(io::Error::other(format!(
                "segments were encoded differently ({}x{} and {}x{})",
                first.width, first.height, other.width, other.height
            )));
        }
        let mut ftyp = b"isom".to_vec();
        ftyp.extend_from_slice(&0x200u32.to_be_bytes());
        for brand in [b"isom", b"iso2", b"avc1", b"mp41"] {
            ftyp.extend_from_slice(brand);
        }
        let ftyp = boxed(b"ftyp", &ftyp);
        let chapter_texts = self.chapter_samples();
        let subtitle_texts = if self.subtitles.is_empty() {
            Vec::new()
        } else {
            text_samples(self.subtitles, self.audio.sample_rate, self.duration_ms())
        };
        let end_of_data = self.layout(0);
        let payload = end_of_data.subtitles
            + subtitle_texts
                .iter()
                .map(|(b, _)| b.len() as u64)
                .sum::<u64>();
        let wide = payload > u64::from(u32::MAX) - (1 << 24);
        // The moov's size does not depend on the offsets it records.
        let moov_len = self.moov(&end_of_data, wide).len() as u64;
        let mdat_header = 16;
        let data_start = ftyp.len() as u64 + moov_len + mdat_header;
        let chunks = self.layout(data_start);
        out.write_all(&ftyp)?;
        out.write_all(&self.moov(&chunks, wide))?;
        out.write_all(&1u32.to_be_bytes())?;
        out.write_all(b"mdat")?;
        out.write_all(&(payload + mdat_header).to_be_bytes())?;

        let mut buffer = Vec::new();
        for (k, (segment_index, (_, _, audio_count))) in
            self.segments.iter().zip(&chunks.audio).enumerate()
        {
            let mut reader = segment(k)?;
            let first = segment_index.samples.first().map_or(0, |s| s.offset);
            let bytes: u64 = segment_index
                .samples
                .iter()
                .map(|s| u64::from(s.size))
                .sum();
            reader.seek(SeekFrom::Start(first))?;
            io::copy(&mut reader.take(bytes), out)?;
            for _ in 0..*audio_count {
                audio_frame(&mut buffer)?;
                out.write_all(&buffer)?;
            }
        }
        for (bytes, _) in chapter_texts.iter().chain(&subtitle_texts) {
            out.write_all(bytes)?;
        }
        out.flush()
    }
}

//! Timed text in MP4: the sample tables every track needs, and `tx3g` text
//! tracks, used for the QuickTime chapter track (the only chapters Apple's
//! players read) of the M4A, M4B and MP4, and for the MP4's soft captions.

use super::mp4_boxes::{MATRIX, be32, boxed, concat, dinf, full, hdlr};

/// A timed text: a caption, or a chapter's title.
pub struct Text<'a> {
    pub start_ms: u64,
    pub end_ms: u64,
    pub text: &'a str,
}

/// A text track's samples: each text, and an empty sample in each gap,
/// covering `[0, end)`.
pub(crate) fn text_samples(texts: &[Text], timescale: u32, end_ms: u64) -> Vec<(Vec<u8>, u32)> {
    let at = |ms: u64| ms * u64::from(timescale) / 1000;
    let sample = |text: &str| {
        let mut bytes = (text.len().min(65_535) as u16).to_be_bytes().to_vec();
        bytes.extend_from_slice(&text.as_bytes()[..text.len().min(65_535)]);
        bytes
    };
    let mut out = Vec::new();
    let mut now = 0;
    for t in texts {
        let (start, end) = (at(t.start_ms).max(now), at(t.end_ms));
        if start > now {
            out.push((sample(""), (start - now) as u32));
            now = start;
        }
        if end > now {
            out.push((sample(t.text), (end - now) as u32));
            now = end;
        }
    }
    if at(end_ms) > now || out.is_empty() {
        out.push((sample(""), (at(end_ms) - now).max(1) as u32));
    }
    out
}

/// `stts` from durations: runs of equal ones.
pub(crate) fn stts(durations: impl Iterator<Item = u32>) -> Vec<u8> {
    let mut runs: Vec<(u32, u32)> = Vec::new();
    for d in durations {
        match runs.last_mut() {
            Some((n, last)) if *last == d => *n += 1,
            _ => runs.push((1, d)),
        }
    }
    let mut body = be32(&[runs.len() as u32]);
    for (n, d) in runs {
        body.extend_from_slice(&be32(&[n, d]));
    }
    full(b"stts", 0, 0, &body)
}

pub(crate) fn stsz(sizes: &[u32]) -> Vec<u8> {
    let mut body = be32(&[0, sizes.len() as u32]);
    body.extend_from_slice(&be32(sizes));
    full(b"stsz", 0, 0, &body)
}

/// `stsc`: chunk `i` (1-based) holds `counts[i]` samples.
pub(crate) fn stsc(counts: &[u32]) -> Vec<u8> {
    let mut entries: Vec<[u32; 3]> = Vec::new();
    for (i, &n) in counts.iter().enumerate() {
        if entries.last().is_none_or(|e| e[1] != n) {
            entries.push([i as u32 + 1, n, 1]);
        }
    }
    let mut body = be32(&[entries.len() as u32]);
    for e in entries {
        body.extend_from_slice(&be32(&e));
    }
    full(b"stsc", 0, 0, &body)
}

/// `stco`, or `co64` past 4 GiB.
pub(crate) fn chunk_offsets(offsets: &[u64], wide: bool) -> Vec<u8> {
    let mut body = be32(&[offsets.len() as u32]);
    if wide {
        for o in offsets {
            body.extend_from_slice(&o.to_be_bytes());
        }
        full(b"co64", 0, 0, &body)
    } else {
        body.extend_from_slice(&be32(
            &offsets.iter().map(|&o| o as u32).collect::<Vec<_>>(),
        ));
        full(b"stco", 0, 0, &body)
    }
}

pub(crate) fn tkhd(id: u32, flags: u32, duration: u64, volume: u16, size: (u32, u32)) -> Vec<u8> {
    let mut body = be32(&[
        0,
        0,
        id,
        0,
        duration.min(u64::from(u32::MAX)) as u32,
        0,
        0,
        0,
    ]);
    body.extend_from_slice(&(u32::from(volume) << 16).to_be_bytes());
    body.extend_from_slice(&be32(&MATRIX));
    body.extend_from_slice(&be32(&[size.0 << 16, size.1 << 16]));
    full(b"tkhd", 0, flags, &body)
}

pub(crate) fn mdhd(timescale: u32, duration: u64) -> Vec<u8> {
    full(
        b"mdhd",
        0,
        0,
        &concat(&[
            be32(&[0, 0, timescale, duration.min(u64::from(u32::MAX)) as u32]),
            vec![0x55, 0xC4, 0, 0],
        ]),
    )
}

/// A `tx3g` sample entry: white text, bottom-centred, default font.
pub(crate) fn tx3g() -> Vec<u8> {
    let mut entry = vec![0u8; 6];
    entry.extend_from_slice(&1u16.to_be_bytes());
    entry.extend_from_slice(&be32(&[0])); // display flags
    entry.extend_from_slice(&[1, 0xff]); // centred, bottom
    entry.extend_from_slice(&[0, 0, 0, 0]); // background colour
    entry.extend_from_slice(&[0u8; 8]); // text box
    entry.extend_from_slice(&[0, 0, 0, 0, 0, 1, 0, 0x12, 0xff, 0xff, 0xff, 0xff]); // style
    let font = concat(&[vec![0, 1, 0, 1, 5], b"Serif".to_vec()]);
    entry.extend_from_slice(&boxed(b"ftab", &font));
    boxed(b"tx3g", &entry)
}

/// What a text track is for.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum TextRole {
    /// Chapter titles: a disabled `text` track that others name in `tref chap`.
    Chapters,
    /// Soft captions shown over a picture of `size`.
    Subtitles { size: (u32, u32) },
}

/// A text track of `samples` (from `text_samples`), stored as one chunk at `offset`.
pub(crate) fn text_trak(
    id: u32,
    role: TextRole,
    timescale: u32,
    samples: &[(Vec<u8>, u32)],
    offset: u64,
    wide: bool,
) -> Vec<u8> {
    let duration: u64 = samples.iter().map(|(_, d)| u64::from(*d)).sum();
    let sizes: Vec<u32> = samples.iter().map(|(b, _)| b.len() as u32).collect();
    let stbl = boxed(
        b"stbl",
        &concat(&[
            full(b"stsd", 0, 0, &concat(&[be32(&[1]), tx3g()])),
            stts(samples.iter().map(|(_, d)| *d)),
            stsc(&[samples.len() as u32]),
            stsz(&sizes),
            chunk_offsets(&[offset], wide),
        ]),
    );
    let minf = boxed(b"minf", &concat(&[full(b"nmhd", 0, 0, &[]), dinf(), stbl]));
    let (handler, name, flags, size) = match role {
        TextRole::Chapters => (b"text", "ChapterHandler", 0, (0, 0)),
        TextRole::Subtitles { size } => (b"sbtl", "SubtitleHandler", 3, size),
    };
    boxed(
        b"trak",
        &concat(&[
            tkhd(id, flags, duration, 0, size),
            boxed(
                b"mdia",
                &concat(&[mdhd(timescale, duration), hdlr(handler, name), minf]),
            ),
        ]),
    )
}

//! Streaming access to PCM blobs, read and written in fixed blocks so memory
//! does not grow with the episode's length. A blob is either compact (FLAC,
//! see `compact`: the speech track, decoded media, the normalised mix) or raw
//! interleaved little-endian samples (what decoded media were before); readers
//! tell them apart by the FLAC signature, so one reader serves both.

use std::fs::File;
use std::io::{self, BufReader, BufWriter, Read, Write};

use super::compact::{self, FlacReader};

/// Frames per block read or written at a time.
pub const BLOCK_FRAMES: usize = 4096;

/// How a raw (not FLAC) blob stores its samples.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SampleFormat {
    I16,
    F32,
}

impl SampleFormat {
    pub fn bytes(self) -> usize {
        match self {
            SampleFormat::I16 => 2,
            SampleFormat::F32 => 4,
        }
    }
}

enum Source {
    /// Not looked at yet (opening cannot fail; the first read can).
    Unknown(Option<File>),
    Raw(BufReader<File>),
    Flac {
        reader: FlacReader,
        pending: Vec<f32>,
        at: usize,
    },
}

/// Reads a PCM blob as f32 frames, block by block.
pub struct BlockReader {
    source: Source,
    format: SampleFormat,
    channels: usize,
    bytes: Vec<u8>,
}

impl BlockReader {
    /// `format` describes a raw blob; a FLAC blob describes itself.
    pub fn new(file: File, format: SampleFormat, channels: u16) -> BlockReader {
        BlockReader {
            source: Source::Unknown(Some(file)),
            format,
            channels: usize::from(channels),
            bytes: Vec::new(),
        }
    }

    /// Fills `out` with up to `BLOCK_FRAMES` frames; returns the frame count (0 at the end).
    pub fn next_block(&mut self, out: &mut Vec<f32>) -> io::Result<usize> {
        if let Source::Unknown(file) = &mut self.source {
            let mut file = file.take().expect("a file to read");
            self.source = if compact::sniff(&mut file)? {
                Source::Flac {
                    reader: FlacReader::new(file)?,
                    pending: Vec::new(),
                    at: 0,
                }
            } else {
                Source::Raw(BufReader::with_capacity(1 << 16, file))
            };
        }
        out.clear();
        match &mut self.source {
            Source::Unknown(_) => unreachable!("resolved above"),
            Source::Flac {
                reader,
                pending,
                at,
            } => {
                let wanted = BLOCK_FRAMES * self.channels;
                while out.len() < wanted {
                    if *at == pending.len() {
                        pending.clear();
                        *at = 0;
                        if !reader.next_packet(pending)? {
                            break;
                        }
                    }
                    let take = (wanted - out.len()).min(pending.len() - *at);
                    out.extend_from_slice(&pending[*at..*at + take]);
                    *at += take;
                }
                Ok(out.len() / self.channels)
            }
            Source::Raw(reader) => {
                let frame_bytes = self.format.bytes() * self.channels;
                self.bytes.resize(BLOCK_FRAMES * frame_bytes, 0);
                let mut filled = 0;
                while filled < self.bytes.len() {
                    let n = reader.read(&mut self.bytes[filled..])?;
                    if n == 0 {
                        break;
                    }
                    filled += n;
                }
                let frames = filled / frame_bytes;
                let data = &self.bytes[..frames * frame_bytes];
                match self.format {
                    SampleFormat::I16 => out.extend(
                        data.chunks_exact(2)
                            .map(|b| f32::from(i16::from_le_bytes([b[0], b[1]])) / 32768.0),
                    ),
                    SampleFormat::F32 => out.extend(
                        data.chunks_exact(4)
                            .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])),
                    ),
                }
                Ok(frames)
            }
        }
    }
}

/// Writes interleaved f32 samples.
pub struct F32Writer<W: Write> {
    out: BufWriter<W>,
    pub frames: u64,
    channels: usize,
}

impl<W: Write> F32Writer<W> {
    pub fn new(out: W, channels: u16) -> F32Writer<W> {
        F32Writer {
            out: BufWriter::with_capacity(1 << 16, out),
            frames: 0,
            channels: usize::from(channels),
        }
    }

    pub fn write(&mut self, samples: &[f32]) -> io::Result<()> {
        let mut bytes = Vec::with_capacity(samples.len() * 4);
        for s in samples {
            bytes.extend_from_slice(&s.to_le_bytes());
        }
        self.frames += (samples.len() / self.channels) as u64;
        self.out.write_all(&bytes)
    }

    pub fn finish(mut self) -> io::Result<u64> {
        self.out.flush()?;
        Ok(self.frames)
    }
}

/// Frames in a PCM blob: a compact one says so in its header; a raw one
/// (`format`, `channels`) is nothing but frames. The position is left at 0.
pub fn frames_of(file: &mut File, format: SampleFormat, channels: u16) -> io::Result<u64> {
    match compact::read_head(file)? {
        Some(head) => Ok(head.frames),
        None => Ok(file.metadata()?.len() / (format.bytes() as u64 * u64::from(channels))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_f32_blocks() {
        let dir = tempfile::TempDir::new().unwrap();
        let path = dir.path().join("pcm");
        let samples: Vec<f32> = (0..10_000).map(|i| (i as f32 / 10_000.0) - 0.5).collect();
        let mut writer = F32Writer::new(File::create(&path).unwrap(), 2);
        writer.write(&samples).unwrap();
        assert_eq!(writer.finish().unwrap(), 5_000);
        let mut reader = BlockReader::new(File::open(&path).unwrap(), SampleFormat::F32, 2);
        let (mut all, mut block) = (Vec::new(), Vec::new());
        while reader.next_block(&mut block).unwrap() > 0 {
            all.extend_from_slice(&block);
        }
        assert_eq!(all, samples);
        let mut file = File::open(&path).unwrap();
        assert_eq!(frames_of(&mut file, SampleFormat::F32, 2).unwrap(), 5_000);
    }

    #[test]
    fn a_compact_blob_gives_its_length_from_its_header() {
        let dir = tempfile::TempDir::new().unwrap();
        let path = dir.path().join("pcm");
        let samples: Vec<f32> = (0..9_000).map(|i| (i as f32 * 0.01).sin() * 1.5).collect();
        let mut writer =
            compact::FlacWriter::with_headroom(File::create(&path).unwrap(), 8000, 3, 24, 1)
                .unwrap();
        writer.write(&samples).unwrap();
        assert_eq!(writer.finish().unwrap(), 3_000);
        let mut file = File::open(&path).unwrap();
        assert_eq!(frames_of(&mut file, SampleFormat::F32, 3).unwrap(), 3_000);
        let mut reader = BlockReader::new(file, SampleFormat::F32, 3);
        let (mut all, mut block) = (Vec::new(), Vec::new());
        while reader.next_block(&mut block).unwrap() > 0 {
            all.extend_from_slice(&block);
        }
        let expected: Vec<f32> = samples
            .iter()
            .map(|&s| compact::quantize_with_headroom(s, 24, 1))
            .collect();
        assert_eq!(all, expected);
    }
}

//! `aac`: the normalised mix encoded as AAC-LC (the pure-Rust `syom`
//! encoder), kept as raw access units with their sizes, so the MP4 step can
//! package them (with tags and chapters) without re-encoding.

use std::fs::File;
use std::io::{BufWriter, Write};

use serde::{Deserialize, Serialize};
use syom::{EncodeContainer, EncodeOptions, Encoder};

use crate::audio::blocks::{BlockReader, SampleFormat};
use crate::cache::ContentHash;
use crate::step::{Step, StepError, Tools};

const MAGIC: &[u8; 8] = b"PODAAC01";
/// Samples of codec priming before the first real sample.
pub const PRIMING: u32 = 1024;

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct AacInput {
    pub pcm: ContentHash,
    pub sample_rate: u32,
    pub channels: u16,
    pub bitrate_kbps: u32,
}

pub struct Aac;

/// The encoded stream: header, then access units each prefixed by its size.
pub struct AacStream {
    pub sample_rate: u32,
    pub channels: u16,
    /// Real samples per channel (without priming and padding).
    pub samples: u64,
    pub asc: Vec<u8>,
    pub frame_sizes: Vec<u32>,
    /// Offset of the first frame's size prefix in the blob.
    pub data_offset: usize,
}

impl AacStream {
    pub fn parse(bytes: &[u8]) -> Result<AacStream, String> {
        let bad = || "not an AAC stream blob".to_string();
        if bytes.len() < 27 || &bytes[..8] != MAGIC {
            return Err(bad());
        }
        let sample_rate = u32::from_le_bytes(bytes[8..12].try_into().map_err(|_| bad())?);
        let channels = u16::from_le_bytes(bytes[12..14].try_into().map_err(|_| bad())?);
        let samples = u64::from_le_bytes(bytes[14..22].try_into().map_err(|_| bad())?);
        let asc_len = bytes[22] as usize;
        let asc = bytes.get(23..23 + asc_len).ok_or_else(bad)?.to_vec();
        let data_offset = 23 + asc_len;
        let mut frame_sizes = Vec::new();
        let mut at = data_offset;
        while at < bytes.len() {
            let size = u32::from_le_bytes(
                bytes
                    .get(at..at + 4)
                    .ok_or_else(bad)?
                    .try_into()
                    .map_err(|_| bad())?,
            );
            frame_sizes.push(size);
            at += 4 + size as usize;
        }
        if at != bytes.len() {
            return Err(bad());
        }
        Ok(AacStream {
            sample_rate,
            channels,
            samples,
            asc,
            frame_sizes,
            data_offset,
        })
    }
}

impl Step for Aac {
    const KIND: &'static str = "aac";
    const VERSION: u32 = 1;
    type Input = AacInput;

    fn run(input: &AacInput, tools: &Tools, out: &mut File) -> Result<(), StepError> {
        let failed = |e: syom::AacError| StepError::Failed(format!("AAC encoder: {e}"));
        let mut options = EncodeOptions::default();
        options.container = EncodeContainer::Raw;
        options.bitrate_bps = input.bitrate_kbps * 1000;
        let channels = usize::from(input.channels);
        let mut encoder = Encoder::new(input.sample_rate, channels, &options).map_err(failed)?;
        // Header with the sample count patched in at the end.
        let asc = encoder.asc().to_vec();
        let mut header = Vec::new();
        header.extend_from_slice(MAGIC);
        header.extend_from_slice(&input.sample_rate.to_le_bytes());
        header.extend_from_slice(&input.channels.to_le_bytes());
        header.extend_from_slice(&0u64.to_le_bytes());
        header.push(asc.len() as u8);
        header.extend_from_slice(&asc);
        let mut writer = BufWriter::new(&mut *out);
        writer.write_all(&header)?;

        let pcm = tools
            .store
            .open_verified(&input.pcm)
            .map_err(StepError::CorruptInput)?;
        let mut reader = BlockReader::new(pcm, SampleFormat::F32, input.channels);
        let mut block = Vec::new();
        let mut planes = vec![Vec::new(); channels];
        let mut samples = 0u64;
        let mut write_error = None;
        while reader.next_block(&mut block)? > 0 {
            for plane in planes.iter_mut() {
                plane.clear();
            }
            for frame in block.chunks_exact(channels) {
                for (plane, &s) in planes.iter_mut().zip(frame) {
                    plane.push(s.clamp(-1.0, 1.0));
                }
            }
            samples += planes[0].len() as u64;
            let views: Vec<&[f32]> = planes.iter().map(Vec::as_slice).collect();
            encoder
                .feed(&views, |frame| {
                    write_frame(&mut writer, frame.payload, &mut write_error);
                    Ok(())
                })
                .map_err(failed)?;
        }
        encoder
            .finish(|frame| {
                write_frame(&mut writer, frame.payload, &mut write_error);
                Ok(())
            })
            .map_err(failed)?;
        if let Some(e) = write_error {
            return Err(e.into());
        }
        writer.flush()?;
        drop(writer);
        use std::io::{Seek, SeekFrom};
        out.seek(SeekFrom::Start(14))?;
        out.write_all(&samples.to_le_bytes())?;
        Ok(())
    }
}

fn write_frame(writer: &mut impl Write, payload: &[u8], error: &mut Option<std::io::Error>) {
    if error.is_some() {
        return;
    }
    let result = writer
        .write_all(&(payload.len() as u32).to_le_bytes())
        .and_then(|()| writer.write_all(payload));
    if let Err(e) = result {
        *error = Some(e);
    }
}

//! Compact PCM blobs: full-length intermediate audio (the speech track, the
//! normalised mix) is stored as FLAC, written frame by frame with flacenc and
//! read packet by packet with symphonia, so the cache holds each episode in
//! a fraction of the space of raw samples and memory stays one frame.
//!
//! Samples are quantised to a fixed bit depth on the way in (16 or 24 bits)
//! and come back exactly as quantised, so whoever measures what it writes
//! (loudness) measures what readers will see.
//!
//! A blob may also carry a headroom (decoded media can pass full scale): its
//! samples were stored divided by a power of two that an APPLICATION block
//! after STREAMINFO records, and readers multiply them back, exactly.

use std::fs::File;
use std::io::{self, BufWriter, Read, Seek, SeekFrom, Write};

use flacenc::bitsink::ByteSink;
use flacenc::component::{BitRepr, StreamInfo};
use flacenc::config::Encoder;
use flacenc::error::Verify;
use flacenc::source::{Context, Fill, FrameBuf};
use symphonia::core::audio::SampleBuffer;
use symphonia::core::codecs::{CODEC_TYPE_NULL, Decoder, DecoderOptions};
use symphonia::core::errors::Error as SymphoniaError;
use symphonia::core::formats::{FormatOptions, FormatReader};
use symphonia::core::io::MediaSourceStream;
use symphonia::core::meta::MetadataOptions;
use symphonia::core::probe::Hint;

/// `fLaC`, then a STREAMINFO header (type 0, 34 bytes). A raw f32 blob
/// would have to start with the samples 225.3 and 1.7e-18 to look like this.
pub fn is_flac(head: &[u8]) -> bool {
    head.len() >= 8 && &head[..4] == b"fLaC" && head[4] & 0x7f == 0 && head[5..8] == [0, 0, 34]
}

/// `sample` rounded to `bits` bits (full scale is 1.0) and clamped, as
/// stored; idempotent.
pub fn quantize(sample: f32, bits: u32) -> f32 {
    let scale = (1u32 << (bits - 1)) as f32;
    (sample * scale).round().clamp(-scale, scale - 1.0) / scale
}

/// `sample` as a writer with `headroom` stores it and a reader returns it.
pub fn quantize_with_headroom(sample: f32, bits: u32, headroom: u32) -> f32 {
    let gain = (1u64 << headroom) as f32;
    quantize(sample / gain, bits) * gain
}

/// The least headroom (in powers of two) under which every sample fits in
/// full scale.
pub fn headroom_for(samples: &[f32]) -> u32 {
    let peak = samples.iter().fold(0f32, |peak, s| peak.max(s.abs()));
    let mut headroom = 0;
    while headroom < MAX_HEADROOM && peak > (1u64 << headroom) as f32 {
        headroom += 1;
    }
    headroom
}

/// Beyond 2^32 times full scale a sample is not audio; it is clamped.
const MAX_HEADROOM: u32 = 32;

/// The APPLICATION block's identifier, then one byte: the headroom.
const HEADROOM_ID: &[u8; 4] = b"podh";

fn failed(what: &str, e: impl std::fmt::Debug) -> io::Error {
    io::Error::other(format!("FLAC {what}: {e:?}"))
}

/// Writes interleaved samples as FLAC at a fixed bit depth. The output is
/// seekable because STREAMINFO (length, checksum) is rewritten at the end.
pub struct FlacWriter<W: Write + Seek> {
    out: BufWriter<W>,
    config: flacenc::error::Verified<Encoder>,
    info: StreamInfo,
    frame: FrameBuf,
    context: Context,
    channels: usize,
    bits: u32,
    headroom: u32,
    pending: Vec<i32>,
    frame_sizes: (usize, usize),
}

impl<W: Write + Seek> FlacWriter<W> {
    pub fn new(out: W, sample_rate: u32, channels: u16, bits: u32) -> io::Result<FlacWriter<W>> {
        FlacWriter::with_headroom(out, sample_rate, channels, bits, 0)
    }

    /// A writer for samples up to 2^`headroom` times full scale: each is
    /// stored divided by that power of two (exact in float), and the header
    /// says so.
    pub fn with_headroom(
        out: W,
        sample_rate: u32,
        channels: u16,
        bits: u32,
        headroom: u32,
    ) -> io::Result<FlacWriter<W>> {
        let headroom = headroom.min(MAX_HEADROOM);
        let channels = usize::from(channels);
        let config = Encoder::default()
            .into_verified()
            .map_err(|e| failed("encoder", e))?;
        let block = config.block_size;
        let mut info = StreamInfo::new(sample_rate as usize, channels, bits as usize)
            .map_err(|e| failed("stream", e))?;
        info.set_block_sizes(block, block)
            .map_err(|e| failed("stream", e))?;
        let mut writer = FlacWriter {
            out: BufWriter::with_capacity(1 << 16, out),
            frame: FrameBuf::with_size(channels, block).map_err(|e| failed("buffer", e))?,
            context: Context::new(bits as usize, channels),
            config,
            info,
            channels,
            bits,
            headroom,
            pending: Vec::with_capacity(block * channels),
            frame_sizes: (usize::MAX, 0),
        };
        let header = writer.header()?;
        writer.out.write_all(&header)?;
        Ok(writer)
    }

    /// `fLaC`, STREAMINFO and, with a headroom, the block recording it; the
    /// last block is marked so. The same length at the start and the end.
    fn header(&self) -> io::Result<Vec<u8>> {
        let mut sink = ByteSink::new();
        self.info
            .write(&mut sink)
            .map_err(|e| failed("stream info", e))?;
        let mut header = b"fLaC".to_vec();
        let last = if self.headroom == 0 { 0x80 } else { 0 };
        header.extend_from_slice(&[last, 0, 0, 34]);
        header.extend_from_slice(sink.as_slice());
        if self.headroom > 0 {
            header.extend_from_slice(&[0x80 | APPLICATION, 0, 0, 5]);
            header.extend_from_slice(HEADROOM_ID);
            header.push(self.headroom as u8);
        }
        Ok(header)
    }

    /// Interleaved samples in [-1, 1] (times 2^headroom), quantised to the
    /// writer's depth.
    pub fn write(&mut self, samples: &[f32]) -> io::Result<()> {
        let scale = (1u64 << (self.bits - 1)) as f32 / (1u64 << self.headroom) as f32;
        let full = (1u32 << (self.bits - 1)) as f32;
        for &s in samples {
            self.pending
                .push((s * scale).round().clamp(-full, full - 1.0) as i32);
            if self.pending.len() == self.config.block_size * self.channels {
                self.encode()?;
            }
        }
        Ok(())
    }

    /// Interleaved integer samples, already at the writer's depth.
    pub fn write_int(&mut self, samples: impl IntoIterator<Item = i32>) -> io::Result<()> {
        for s in samples {
            self.pending.push(s);
            if self.pending.len() == self.config.block_size * self.channels {
                self.encode()?;
            }
        }
        Ok(())
    }

    fn encode(&mut self) -> io::Result<()> {
        let mut buffers = (&mut self.frame, &mut self.context);
        buffers
            .fill_interleaved(&self.pending)
            .map_err(|e| failed("input", e))?;
        self.pending.clear();
        let number = self.context.current_frame_number().unwrap_or(0);
        let frame = flacenc::encode_fixed_size_frame(&self.config, &self.frame, number, &self.info)
            .map_err(|e| failed("encoding", e))?;
        let mut sink = ByteSink::new();
        frame.write(&mut sink).map_err(|e| failed("encoding", e))?;
        let size = sink.as_slice().len();
        self.frame_sizes = (self.frame_sizes.0.min(size), self.frame_sizes.1.max(size));
        self.out.write_all(sink.as_slice())
    }

    /// Encodes the short last frame and completes STREAMINFO; returns frames written.
    pub fn finish(mut self) -> io::Result<u64> {
        if !self.pending.is_empty() {
            self.encode()?;
        }
        let total = self.context.total_samples();
        self.info.set_total_samples(total);
        self.info.set_md5_digest(&self.context.md5_digest());
        if self.frame_sizes.1 > 0 {
            self.info
                .set_frame_sizes(self.frame_sizes.0, self.frame_sizes.1)
                .map_err(|e| failed("stream", e))?;
        }
        let header = self.header()?;
        let mut out = self.out.into_inner().map_err(|e| e.into_error())?;
        out.seek(SeekFrom::Start(0))?;
        out.write_all(&header)?;
        out.flush()?;
        Ok(total as u64)
    }
}

/// The metadata block types this module writes or reads.
const STREAMINFO: u8 = 0;
const APPLICATION: u8 = 2;

/// What a compact blob's header says about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Head {
    pub sample_rate: u32,
    pub channels: u16,
    pub bits: u32,
    /// Frames (samples per channel) in the stream, from STREAMINFO.
    pub frames: u64,
    /// Stored samples are the real ones divided by 2^headroom.
    pub headroom: u32,
    /// Bytes before the first audio frame.
    pub header_bytes: u64,
}

/// The header of a FLAC blob, or `None` if it is not one; the position is
/// left at 0.
pub fn read_head(file: &mut File) -> io::Result<Option<Head>> {
    if !sniff(file)? {
        return Ok(None);
    }
    let mut reader = io::BufReader::new(&mut *file);
    let mut magic = [0u8; 4];
    reader.read_exact(&mut magic)?;
    let (mut head, mut at) = (None, 4u64);
    loop {
        let mut block = [0u8; 4];
        reader.read_exact(&mut block)?;
        let len = u32::from_be_bytes([0, block[1], block[2], block[3]]) as usize;
        let mut body = vec![0u8; len];
        reader.read_exact(&mut body)?;
        at += 4 + len as u64;
        match block[0] & 0x7f {
            STREAMINFO if len == 34 => {
                let b = &body;
                head = Some(Head {
                    sample_rate: (u32::from(b[10]) << 12)
                        | (u32::from(b[11]) << 4)
                        | (u32::from(b[12]) >> 4),
                    channels: u16::from((b[12] >> 1) & 7) + 1,
                    bits: ((u32::from(b[12] & 1) << 4) | (u32::from(b[13]) >> 4)) + 1,
                    frames: (u64::from(b[13] & 0xf) << 32)
                        | u64::from(u32::from_be_bytes([b[14], b[15], b[16], b[17]])),
                    headroom: 0,
                    header_bytes: 0,
                });
            }
            APPLICATION if len == 5 && &body[..4] == HEADROOM_ID => {
                if let Some(head) = head.as_mut() {
                    head.headroom = u32::from(body[4]).min(MAX_HEADROOM);
                }
            }
            _ => {}
        }
        if block[0] & 0x80 != 0 {
            break;
        }
    }
    drop(reader);
    file.seek(SeekFrom::Start(0))?;
    let mut head = head.ok_or_else(|| failed("stream", "no STREAMINFO"))?;
    head.header_bytes = at;
    Ok(Some(head))
}

/// Reads a FLAC blob packet by packet as interleaved f32.
pub struct FlacReader {
    stream: Option<Stream>,
    /// 2^headroom: what every stored sample is multiplied by.
    gain: f32,
}

struct Stream {
    format: Box<dyn FormatReader>,
    decoder: Box<dyn Decoder>,
    track: u32,
}

impl FlacReader {
    pub fn new(mut file: File) -> io::Result<FlacReader> {
        let head = read_head(&mut file)?.ok_or_else(|| failed("stream", "not FLAC"))?;
        let gain = (1u64 << head.headroom) as f32;
        // An empty track (an episode of nothing) is valid; the probe would refuse it.
        if file.metadata()?.len() <= head.header_bytes {
            return Ok(FlacReader { stream: None, gain });
        }
        let source = MediaSourceStream::new(Box::new(file), Default::default());
        let mut hint = Hint::new();
        hint.with_extension("flac");
        let format = symphonia::default::get_probe()
            .format(
                &hint,
                source,
                &FormatOptions::default(),
                &MetadataOptions::default(),
            )
            .map_err(|e| failed("stream", e))?
            .format;
        let track = format
            .tracks()
            .iter()
            .find(|t| t.codec_params.codec != CODEC_TYPE_NULL)
            .ok_or_else(|| failed("stream", "no audio track"))?;
        let decoder = symphonia::default::get_codecs()
            .make(&track.codec_params, &DecoderOptions::default())
            .map_err(|e| failed("decoder", e))?;
        Ok(FlacReader {
            stream: Some(Stream {
                track: track.id,
                format,
                decoder,
            }),
            gain,
        })
    }

    /// Appends the next packet's samples to `out`; `false` at the end.
    pub fn next_packet(&mut self, out: &mut Vec<f32>) -> io::Result<bool> {
        let Some(stream) = self.stream.as_mut() else {
            return Ok(false);
        };
        loop {
            let packet = match stream.format.next_packet() {
                Ok(packet) => packet,
                Err(SymphoniaError::IoError(e)) if e.kind() == io::ErrorKind::UnexpectedEof => {
                    return Ok(false);
                }
                Err(e) => return Err(failed("stream", e)),
            };
            if packet.track_id() != stream.track {
                continue;
            }
            let decoded = stream
                .decoder
                .decode(&packet)
                .map_err(|e| failed("decoding", e))?;
            let mut buffer = SampleBuffer::<f32>::new(decoded.capacity() as u64, *decoded.spec());
            buffer.copy_interleaved_ref(decoded);
            if self.gain == 1.0 {
                out.extend_from_slice(buffer.samples());
            } else {
                out.extend(buffer.samples().iter().map(|s| s * self.gain));
            }
            return Ok(true);
        }
    }
}

/// Whether the file starts like a FLAC stream; the position is left at 0.
pub fn sniff(file: &mut File) -> io::Result<bool> {
    let mut head = [0u8; 8];
    let mut filled = 0;
    while filled < head.len() {
        let n = file.read(&mut head[filled..])?;
        if n == 0 {
            break;
        }
        filled += n;
    }
    file.seek(SeekFrom::Start(0))?;
    Ok(is_flac(&head[..filled]))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(bits: u32, channels: u16, samples: &[f32]) -> Vec<f32> {
        round_trip_with_headroom(bits, channels, 0, samples)
    }

    fn round_trip_with_headroom(
        bits: u32,
        channels: u16,
        headroom: u32,
        samples: &[f32],
    ) -> Vec<f32> {
        let dir = tempfile::TempDir::new().unwrap();
        let path = dir.path().join("blob");
        let mut file = File::create(&path).unwrap();
        let mut writer =
            FlacWriter::with_headroom(&mut file, 44100, channels, bits, headroom).unwrap();
        for chunk in samples.chunks(1000) {
            writer.write(chunk).unwrap();
        }
        let frames = writer.finish().unwrap();
        assert_eq!(frames as usize, samples.len() / usize::from(channels));
        let mut file = File::open(&path).unwrap();
        assert!(sniff(&mut file).unwrap());
        let head = read_head(&mut file).unwrap().unwrap();
        assert_eq!(
            (head.sample_rate, head.channels, head.bits, head.headroom),
            (44100, channels, bits, headroom)
        );
        assert_eq!(head.frames, frames);
        let mut reader = FlacReader::new(file).unwrap();
        let mut out = Vec::new();
        while reader.next_packet(&mut out).unwrap() {}
        out
    }

    #[test]
    fn returns_exactly_the_quantised_samples() {
        let samples: Vec<f32> = (0..30_001)
            .map(|i| (i as f32 * 0.013).sin() * 0.7 + (i as f32 * 0.5).cos() * 1e-5)
            .collect();
        for bits in [16, 24] {
            let expected: Vec<f32> = samples.iter().map(|&s| quantize(s, bits)).collect();
            assert_eq!(round_trip(bits, 1, &samples), expected, "{bits} bits");
        }
        // Stereo, and clamped at full scale.
        let loud = [1.5f32, -1.5, 0.25, -0.25];
        assert_eq!(
            round_trip(24, 2, &loud),
            vec![quantize(1.0, 24), -1.0, 0.25, -0.25]
        );
        assert!(quantize(1.0, 24) < 1.0);
        assert!(round_trip(24, 2, &[]).is_empty());
    }

    #[test]
    fn a_headroom_keeps_samples_past_full_scale() {
        let samples: Vec<f32> = (0..20_000)
            .map(|i| (i as f32 * 0.021).sin() * 3.7 - 0.1)
            .collect();
        let headroom = headroom_for(&samples);
        assert_eq!(headroom, 2);
        let expected: Vec<f32> = samples
            .iter()
            .map(|&s| quantize_with_headroom(s, 24, headroom))
            .collect();
        let back = round_trip_with_headroom(24, 2, headroom, &samples);
        assert_eq!(back, expected);
        // One 24-bit step at four times full scale: about -126 dBFS.
        let worst = samples
            .iter()
            .zip(&back)
            .map(|(a, b)| (a - b).abs())
            .fold(0f32, f32::max);
        assert!(worst <= 4.0 / (1 << 23) as f32, "{worst}");
        assert!(round_trip_with_headroom(24, 1, 3, &[]).is_empty());
        assert_eq!(headroom_for(&[1.0, -1.0, 0.5]), 0);
        assert_eq!(headroom_for(&[-1.01]), 1);
        assert_eq!(headroom_for(&[]), 0);
    }

    #[test]
    fn raw_pcm_is_not_taken_for_flac() {
        let bytes: Vec<u8> = [0.5f32, -0.5]
            .iter()
            .flat_map(|s| s.to_le_bytes())
            .collect();
        assert!(!is_flac(&bytes));
        assert!(!is_flac(b"fLaC"));
    }
}

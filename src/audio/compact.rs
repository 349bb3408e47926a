//! Compact PCM blobs: full-length intermediate audio (the speech track, the
//! normalised mix) is stored as FLAC, written frame by frame with flacenc and
//! read packet by packet with symphonia, so the cache holds each episode in
//! a fraction of the space of raw samples and memory stays one frame.
//!
//! Samples are quantised to a fixed bit depth on the way in (16 or 24 bits)
//! and come back exactly as quantised, so whoever measures what it writes
//! (loudness) measures what readers will see.

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
    pending: Vec<i32>,
    frame_sizes: (usize, usize),
}

impl<W: Write + Seek> FlacWriter<W> {
    pub fn new(out: W, sample_rate: u32, channels: u16, bits: u32) -> io::Result<FlacWriter<W>> {
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
            pending: Vec::with_capacity(block * channels),
            frame_sizes: (usize::MAX, 0),
        };
        let header = writer.header()?;
        writer.out.write_all(&header)?;
        Ok(writer)
    }

    /// `fLaC` and the one metadata block, STREAMINFO (marked last).
    fn header(&self) -> io::Result<Vec<u8>> {
        let mut sink = ByteSink::new();
        self.info
            .write(&mut sink)
            .map_err(|e| failed("stream info", e))?;
        let mut header = b"fLaC".to_vec();
        header.extend_from_slice(&[0x80, 0, 0, 34]);
        header.extend_from_slice(sink.as_slice());
        Ok(header)
    }

    /// Interleaved samples in [-1, 1], quantised to the writer's depth.
    pub fn write(&mut self, samples: &[f32]) -> io::Result<()> {
        let scale = (1u32 << (self.bits - 1)) as f32;
        for &s in samples {
            self.pending
                .push((s * scale).round().clamp(-scale, scale - 1.0) as i32);
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

/// `fLaC`, the block header and STREAMINFO: all a stream without frames has.
const HEADER_BYTES: u64 = 4 + 4 + 34;

/// Reads a FLAC blob packet by packet as interleaved f32.
pub struct FlacReader {
    stream: Option<Stream>,
}

struct Stream {
    format: Box<dyn FormatReader>,
    decoder: Box<dyn Decoder>,
    track: u32,
}

impl FlacReader {
    pub fn new(file: File) -> io::Result<FlacReader> {
        // An empty track (an episode of nothing) is valid; the probe would refuse it.
        if file.metadata()?.len() <= HEADER_BYTES {
            return Ok(FlacReader { stream: None });
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
            out.extend_from_slice(buffer.samples());
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
        let dir = tempfile::TempDir::new().unwrap();
        let path = dir.path().join("blob");
        let mut file = File::create(&path).unwrap();
        let mut writer = FlacWriter::new(&mut file, 44100, channels, bits).unwrap();
        for chunk in samples.chunks(1000) {
            writer.write(chunk).unwrap();
        }
        let frames = writer.finish().unwrap();
        assert_eq!(frames as usize, samples.len() / usize::from(channels));
        let mut file = File::open(&path).unwrap();
        assert!(sniff(&mut file).unwrap());
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
    fn raw_pcm_is_not_taken_for_flac() {
        let bytes: Vec<u8> = [0.5f32, -0.5]
            .iter()
            .flat_map(|s| s.to_le_bytes())
            .collect();
        assert!(!is_flac(&bytes));
        assert!(!is_flac(b"fLaC"));
    }
}

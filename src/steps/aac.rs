//! `aac`: the normalised mix encoded as AAC-LC (the pure-Rust `syom`
//! encoder), kept as raw access units with their sizes, so the MP4 step can
//! package them (with tags and chapters) without re-encoding.

use std::fs::File;
use std::io::{BufWriter, Read, Write};

use serde::{Deserialize, Serialize};
use syom::{EncodeContainer, EncodeOptions, Encoder};

use crate::audio::blocks::{BlockReader, SampleFormat};
use crate::audio::limiter::Limiter;
use crate::audio::measure::Meter;
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
    /// True-peak ceiling the decoded stream must stay under.
    pub ceiling_mdb: i32,
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
    /// Reads the header and every frame size, skipping the frames themselves.
    pub fn index<R: std::io::Read + std::io::Seek>(
        reader: &mut std::io::BufReader<R>,
    ) -> Result<AacStream, String> {
        let bad = |_| "not an AAC stream blob".to_string();
        let mut fixed = [0u8; 23];
        reader.read_exact(&mut fixed).map_err(bad)?;
        if &fixed[..8] != MAGIC {
            return Err("not an AAC stream blob".into());
        }
        let sample_rate = u32::from_le_bytes(fixed[8..12].try_into().expect("4 bytes"));
        let channels = u16::from_le_bytes(fixed[12..14].try_into().expect("2 bytes"));
        let samples = u64::from_le_bytes(fixed[14..22].try_into().expect("8 bytes"));
        let mut asc = vec![0u8; fixed[22] as usize];
        reader.read_exact(&mut asc).map_err(bad)?;
        let data_offset = 23 + asc.len();
        let mut frame_sizes = Vec::new();
        let mut size = [0u8; 4];
        loop {
            match reader.read_exact(&mut size) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => break,
                Err(e) => return Err(e.to_string()),
            }
            let size = u32::from_le_bytes(size);
            reader.seek_relative(i64::from(size)).map_err(bad)?;
            frame_sizes.push(size);
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
    // 3: the limiter also catches peaks between samples near a quarter of the sample rate.
    const VERSION: u32 = 3;
    type Input = AacInput;

    /// Encodes, decodes what it wrote and measures its true peak; if the
    /// encoder overshot the ceiling, limits the input further and encodes
    /// again (a few passes at most).
    fn run(input: &AacInput, tools: &Tools, out: &mut File) -> Result<(), StepError> {
        let ceiling = f64::from(input.ceiling_mdb) / 1000.0;
        let goal = ceiling - 0.3;
        let mut limit: Option<f64> = None;
        for _ in 0..4 {
            let peak = encode_pass(input, tools, out, limit)?;
            match peak {
                Some(peak) if peak > goal => {
                    let current = limit.unwrap_or(
                        ceiling - f64::from(super::loudness::ENCODER_HEADROOM_MDB) / 1000.0,
                    );
                    limit = Some(current - (peak - goal) - 0.2);
                }
                _ => break,
            }
        }
        Ok(())
    }
}

/// One encode of the whole mix into `out` (from its start), through a
/// true-peak limiter at `limit` dBTP if given. Returns the true peak of the
/// stream as a decoder will play it.
fn encode_pass(
    input: &AacInput,
    tools: &Tools,
    out: &mut File,
    limit: Option<f64>,
) -> Result<Option<f64>, StepError> {
    use std::io::{Seek, SeekFrom};
    out.set_len(0)?;
    out.seek(SeekFrom::Start(0))?;
    let failed = |e: syom::AacError| StepError::Failed(format!("AAC encoder: {e}"));
    let mut options = EncodeOptions::default();
    options.container = EncodeContainer::Raw;
    options.bitrate_bps = input.bitrate_kbps * 1000;
    let channels = usize::from(input.channels);
    let mut encoder = Encoder::new(input.sample_rate, channels, &options).map_err(failed)?;
    let asc = encoder.asc().to_vec();
    let mut check = Check::new(input, &asc)?;
    // Header with the sample count patched in at the end.
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
        .blobs
        .open(&input.pcm)
        .map_err(StepError::CorruptInput)?;
    let mut reader = BlockReader::new(pcm, SampleFormat::F32, input.channels);
    let mut limiter = limit.map(|db| {
        Limiter::new(
            input.channels,
            input.sample_rate,
            10f64.powf(db / 20.0) as f32,
        )
    });
    let (mut block, mut limited) = (Vec::new(), Vec::new());
    let mut planes = vec![Vec::new(); channels];
    let mut samples = 0u64;
    let mut error: Option<StepError> = None;
    let mut feed = |encoder: &mut Encoder,
                    samples_in: &[f32],
                    error: &mut Option<StepError>|
     -> Result<(), StepError> {
        for plane in planes.iter_mut() {
            plane.clear();
        }
        for frame in samples_in.chunks_exact(channels) {
            for (plane, &s) in planes.iter_mut().zip(frame) {
                plane.push(s.clamp(-1.0, 1.0));
            }
        }
        let views: Vec<&[f32]> = planes.iter().map(Vec::as_slice).collect();
        encoder
            .feed(&views, |frame| {
                keep(&mut writer, &mut check, frame.payload, error);
                Ok(())
            })
            .map_err(failed)?;
        Ok(())
    };
    while reader.next_block(&mut block)? > 0 {
        samples += (block.len() / channels) as u64;
        match limiter.as_mut() {
            Some(limiter) => {
                limited.clear();
                limiter.process(&block, &mut limited);
                feed(&mut encoder, &limited, &mut error)?;
            }
            None => feed(&mut encoder, &block, &mut error)?,
        }
    }
    if let Some(limiter) = limiter.as_mut() {
        limited.clear();
        limiter.finish(&mut limited);
        feed(&mut encoder, &limited, &mut error)?;
    }
    encoder
        .finish(|frame| {
            keep(&mut writer, &mut check, frame.payload, &mut error);
            Ok(())
        })
        .map_err(failed)?;
    if let Some(e) = error {
        return Err(e);
    }
    writer.flush()?;
    drop(writer);
    out.seek(SeekFrom::Start(14))?;
    out.write_all(&samples.to_le_bytes())?;
    Ok(check.meter.finish().true_peak_db)
}

/// Decodes each access unit as it is made (symphonia's AAC decoder) and
/// meters the true peak a listener's player will produce.
struct Check {
    decoder: Box<dyn symphonia::core::codecs::Decoder>,
    meter: Meter,
    ts: u64,
}

impl Check {
    fn new(input: &AacInput, asc: &[u8]) -> Result<Check, StepError> {
        use symphonia::core::codecs::{CODEC_TYPE_AAC, CodecParameters, DecoderOptions};
        let mut params = CodecParameters::new();
        params
            .for_codec(CODEC_TYPE_AAC)
            .with_sample_rate(input.sample_rate)
            .with_extra_data(asc.to_vec().into_boxed_slice());
        let decoder = symphonia::default::get_codecs()
            .make(&params, &DecoderOptions::default())
            .map_err(|e| StepError::Failed(format!("AAC check decoder: {e}")))?;
        Ok(Check {
            decoder,
            meter: Meter::new(input.sample_rate, input.channels, true)
                .map_err(StepError::Failed)?,
            ts: 0,
        })
    }

    fn frame(&mut self, payload: &[u8]) -> Result<(), StepError> {
        use symphonia::core::audio::SampleBuffer;
        use symphonia::core::formats::Packet;
        let packet = Packet::new_from_slice(0, self.ts, 1024, payload);
        self.ts += 1024;
        let decoded = self.decoder.decode(&packet).map_err(|e| {
            StepError::Failed(format!(
                "the AAC encoder wrote a frame that does not decode: {e}"
            ))
        })?;
        let mut buffer = SampleBuffer::<f32>::new(decoded.capacity() as u64, *decoded.spec());
        buffer.copy_interleaved_ref(decoded);
        self.meter.add(buffer.samples()).map_err(StepError::Failed)
    }
}

fn keep(writer: &mut impl Write, check: &mut Check, payload: &[u8], error: &mut Option<StepError>) {
    if error.is_some() {
        return;
    }
    let mut write = || -> Result<(), StepError> {
        write_frame(writer, payload)?;
        check.frame(payload)
    };
    if let Err(e) = write() {
        *error = Some(e);
    }
}

fn write_frame(writer: &mut impl Write, payload: &[u8]) -> std::io::Result<()> {
    writer.write_all(&(payload.len() as u32).to_le_bytes())?;
    writer.write_all(payload)
}

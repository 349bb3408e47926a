//! Decoding media files (WAV, FLAC, MP3, Ogg Vorbis, M4A/AAC) with symphonia,
//! then mapping channels and resampling to the output format.

use std::io::Cursor;

use audioadapter_buffers::direct::InterleavedSlice;
use rubato::{Fft, FixedSync, Resampler as _};
use symphonia::core::audio::SampleBuffer;
use symphonia::core::codecs::{CODEC_TYPE_NULL, DecoderOptions};
use symphonia::core::errors::Error as SymphoniaError;
use symphonia::core::formats::FormatOptions;
use symphonia::core::io::MediaSourceStream;
use symphonia::core::meta::MetadataOptions;
use symphonia::core::probe::Hint;

/// Decoded audio: interleaved f32 at its own rate and channel count.
pub struct Decoded {
    pub sample_rate: u32,
    pub channels: u16,
    pub samples: Vec<f32>,
}

/// Decodes a whole file held in memory. `Err` says why in words a user can act on.
pub fn decode(bytes: Vec<u8>) -> Result<Decoded, String> {
    let mut decoded = Decoded {
        sample_rate: 0,
        channels: 0,
        samples: Vec::new(),
    };
    decode_stream(Box::new(Cursor::new(bytes)), |rate, channels, block| {
        decoded.sample_rate = rate;
        decoded.channels = channels;
        decoded.samples.extend_from_slice(block);
    })?;
    Ok(decoded)
}

/// Decodes packet by packet, handing each block of interleaved samples to
/// `each` (memory stays that of one packet). The source is seekable, so
/// formats with their index at the end (M4A) can be read.
pub fn decode_stream(
    source: Box<dyn symphonia::core::io::MediaSource>,
    mut each: impl FnMut(u32, u16, &[f32]),
) -> Result<(), String> {
    let source = MediaSourceStream::new(source, Default::default());
    let options = FormatOptions {
        enable_gapless: true,
        ..Default::default()
    };
    let probed = symphonia::default::get_probe()
        .format(&Hint::new(), source, &options, &MetadataOptions::default())
        .map_err(|e| {
            format!("not a supported audio file (WAV, FLAC, MP3, Ogg Vorbis, M4A/AAC): {e}")
        })?;
    let mut format = probed.format;
    let track = format
        .tracks()
        .iter()
        .find(|t| t.codec_params.codec != CODEC_TYPE_NULL)
        .ok_or("the file has no audio track")?;
    let track_id = track.id;
    let mut decoder = symphonia::default::get_codecs()
        .make(&track.codec_params, &DecoderOptions::default())
        .map_err(|e| format!("unsupported codec: {e}"))?;
    let mut seen = false;
    loop {
        let packet = match format.next_packet() {
            Ok(packet) => packet,
            Err(SymphoniaError::IoError(e)) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
                break;
            }
            Err(SymphoniaError::ResetRequired) => break,
            Err(e) => return Err(format!("the file is damaged: {e}")),
        };
        if packet.track_id() != track_id {
            continue;
        }
        let decoded = match decoder.decode(&packet) {
            Ok(decoded) => decoded,
            Err(SymphoniaError::DecodeError(e)) => return Err(format!("the file is damaged: {e}")),
            Err(e) => return Err(format!("cannot decode the file: {e}")),
        };
        let spec = *decoded.spec();
        let mut buffer = SampleBuffer::<f32>::new(decoded.capacity() as u64, spec);
        buffer.copy_interleaved_ref(decoded);
        seen = true;
        each(spec.rate, spec.channels.count() as u16, buffer.samples());
    }
    if !seen {
        return Err("the file has no decodable audio".into());
    }
    Ok(())
}

/// Mono is copied to every channel; more channels than wanted are averaged.
pub fn map_channels(samples: &[f32], from: u16, to: u16) -> Vec<f32> {
    let (from, to) = (usize::from(from), usize::from(to));
    if from == to {
        return samples.to_vec();
    }
    let mut out = Vec::with_capacity(samples.len() / from * to);
    for frame in samples.chunks_exact(from) {
        if from == 1 {
            out.extend(std::iter::repeat_n(frame[0], to));
        } else if to == 1 {
            out.push(frame.iter().sum::<f32>() / from as f32);
        } else {
            // Keep the first `to` channels (stereo from surround: front left/right).
            out.extend_from_slice(&frame[..to]);
        }
    }
    out
}

/// Resamples interleaved audio with rubato's FFT resampler (length scales
/// exactly by the rate ratio, rounded up).
pub fn resample(samples: &[f32], channels: u16, from: u32, to: u32) -> Result<Vec<f32>, String> {
    if from == to || samples.is_empty() {
        return Ok(samples.to_vec());
    }
    let channels = usize::from(channels);
    let frames = samples.len() / channels;
    let mut fft = Fft::<f32>::new(from as usize, to as usize, 1024, channels, FixedSync::Input)
        .map_err(|e| format!("cannot resample {from} Hz to {to} Hz: {e}"))?;
    let input = InterleavedSlice::new(samples, channels, frames).map_err(|e| e.to_string())?;
    let output = fft
        .process_all(&input, frames, None)
        .map_err(|e| format!("resampling failed: {e}"))?;
    Ok(output.take_data())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn channel_mapping() {
        assert_eq!(map_channels(&[0.5, -0.5], 1, 2), vec![0.5, 0.5, -0.5, -0.5]);
        assert_eq!(map_channels(&[0.5, 0.25], 2, 1), vec![0.375]);
    }

    #[test]
    fn decodes_a_wav_written_by_hound() {
        let mut bytes = Vec::new();
        {
            let spec = hound::WavSpec {
                channels: 1,
                sample_rate: 8000,
                bits_per_sample: 16,
                sample_format: hound::SampleFormat::Int,
            };
            let mut w = hound::WavWriter::new(Cursor::new(&mut bytes), spec).unwrap();
            for i in 0..800 {
                w.write_sample(((i % 40) * 500) as i16).unwrap();
            }
            w.finalize().unwrap();
        }
        let decoded = decode(bytes).unwrap();
        assert_eq!(
            (decoded.sample_rate, decoded.channels, decoded.samples.len()),
            (8000, 1, 800)
        );
        assert!(decode(b"not audio at all".to_vec()).is_err());
    }
}

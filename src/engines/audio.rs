//! What engines hand back as audio: bytes of WAV (often written to a pipe,
//! with placeholder sizes), or any format the media decoder reads (a cloud
//! voice's MP3), made into mono 16-bit speech.

use super::Speech;

/// The speech in `bytes`: mono 16-bit WAV as it is, anything else decoded,
/// mixed down to mono and rounded to 16 bits.
pub fn speech(bytes: Vec<u8>) -> Result<Speech, String> {
    if let Some(speech) = parse_wav(&bytes) {
        return Ok(speech);
    }
    if bytes.is_empty() {
        return Err("no audio (0 bytes)".into());
    }
    let decoded = crate::audio::decode::decode(bytes)?;
    if decoded.samples.is_empty() {
        // Bytes a decoder skipped through without finding a frame.
        return Err("no audio samples in it".into());
    }
    let channels = usize::from(decoded.channels.max(1));
    let samples = decoded
        .samples
        .chunks_exact(channels)
        .map(|frame| {
            let mono = frame.iter().sum::<f32>() / channels as f32;
            (mono * 32767.0).round().clamp(-32768.0, 32767.0) as i16
        })
        .collect();
    Ok(Speech {
        sample_rate: decoded.sample_rate,
        samples,
    })
}

/// Mono 16-bit PCM WAV, the common case, read directly. Written to a pipe,
/// its sizes may be placeholders (`0x7ffff000`, as espeak-ng writes them),
/// so the data chunk runs to the end of the bytes.
fn parse_wav(bytes: &[u8]) -> Option<Speech> {
    if bytes.len() < 12 || &bytes[..4] != b"RIFF" || &bytes[8..12] != b"WAVE" {
        return None;
    }
    let mut at = 12;
    let mut sample_rate = None;
    while at + 8 <= bytes.len() {
        let id = &bytes[at..at + 4];
        let size = u32::from_le_bytes(bytes[at + 4..at + 8].try_into().ok()?) as usize;
        let body = &bytes[at + 8..];
        match id {
            b"fmt " => {
                let format = u16::from_le_bytes(body.get(0..2)?.try_into().ok()?);
                let channels = u16::from_le_bytes(body.get(2..4)?.try_into().ok()?);
                let bits = u16::from_le_bytes(body.get(14..16)?.try_into().ok()?);
                if format != 1 || channels != 1 || bits != 16 {
                    return None;
                }
                sample_rate = Some(u32::from_le_bytes(body.get(4..8)?.try_into().ok()?));
            }
            b"data" => {
                let data = &body[..size.min(body.len()) & !1];
                let samples = data
                    .chunks_exact(2)
                    .map(|s| i16::from_le_bytes([s[0], s[1]]))
                    .collect();
                return Some(Speech {
                    sample_rate: sample_rate?,
                    samples,
                });
            }
            _ => {}
        }
        at = at.checked_add(8 + size + (size & 1))?;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_wav_whose_sizes_are_placeholders() {
        let mut wav = b"RIFF\x24\xf0\xff\x7fWAVEfmt \x10\0\0\0\x01\0\x01\0".to_vec();
        wav.extend(22050u32.to_le_bytes());
        wav.extend(44100u32.to_le_bytes());
        wav.extend([2, 0, 16, 0]);
        wav.extend(b"data\x00\xf0\xff\x7f");
        wav.extend([1, 0, 0xff, 0xff, 7]);
        let speech = parse_wav(&wav).unwrap();
        assert_eq!(speech.sample_rate, 22050);
        assert_eq!(speech.samples, vec![1, -1]);
        assert!(parse_wav(b"RIFF").is_none());
    }

    #[test]
    fn other_audio_is_decoded_and_mixed_down() {
        // A stereo 16-bit WAV at 8 kHz, left 0.5 and right 0: mono 0.25.
        let mut wav = Vec::new();
        let spec = hound::WavSpec {
            channels: 2,
            sample_rate: 8000,
            bits_per_sample: 16,
            sample_format: hound::SampleFormat::Int,
        };
        let mut writer = hound::WavWriter::new(std::io::Cursor::new(&mut wav), spec).unwrap();
        for _ in 0..100 {
            writer.write_sample(16384i16).unwrap();
            writer.write_sample(0i16).unwrap();
        }
        writer.finalize().unwrap();
        let speech = speech(wav).unwrap();
        assert_eq!(speech.sample_rate, 8000);
        assert_eq!(speech.samples.len(), 100);
        assert!(speech.samples.iter().all(|&s| (8191..=8193).contains(&s)));
        assert!(super::speech(b"<html>busy</html>".to_vec()).is_err());
        assert!(super::speech(Vec::new()).is_err());
    }
}

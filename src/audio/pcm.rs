//! Sample arithmetic shared by the steps: exact durations and conversions.

use std::io::{self, Write};

/// Frames in `ms` milliseconds at `rate`, rounded to the nearest frame.
pub fn ms_to_frames(ms: u32, rate: u32) -> u64 {
    (u64::from(ms) * u64::from(rate) + 500) / 1000
}

/// A float sample in [-1, 1] as 16-bit, rounded and clamped.
pub fn to_i16(sample: f32) -> i16 {
    (sample * 32768.0).round().clamp(-32768.0, 32767.0) as i16
}

/// Writes mono samples as interleaved little-endian 16-bit frames,
/// repeating each sample on every channel.
pub struct PcmWriter<W: Write> {
    out: W,
    channels: u16,
    frames: u64,
    buffer: Vec<u8>,
}

impl<W: Write> PcmWriter<W> {
    pub fn new(out: W, channels: u16) -> PcmWriter<W> {
        PcmWriter {
            out,
            channels,
            frames: 0,
            buffer: Vec::with_capacity(1 << 16),
        }
    }

    pub fn samples(&mut self, samples: impl IntoIterator<Item = i16>) -> io::Result<()> {
        for sample in samples {
            for _ in 0..self.channels {
                self.buffer.extend_from_slice(&sample.to_le_bytes());
            }
            self.frames += 1;
            if self.buffer.len() >= 1 << 16 {
                self.out.write_all(&self.buffer)?;
                self.buffer.clear();
            }
        }
        Ok(())
    }

    /// Samples already interleaved for every channel.
    pub fn interleaved(&mut self, samples: impl IntoIterator<Item = i16>) -> io::Result<()> {
        let mut count = 0u64;
        for sample in samples {
            self.buffer.extend_from_slice(&sample.to_le_bytes());
            count += 1;
            if self.buffer.len() >= 1 << 16 {
                self.out.write_all(&self.buffer)?;
                self.buffer.clear();
            }
        }
        self.frames += count / u64::from(self.channels);
        Ok(())
    }

    pub fn silence(&mut self, frames: u64) -> io::Result<()> {
        self.samples(std::iter::repeat_n(0i16, frames as usize))
    }

    pub fn finish(mut self) -> io::Result<u64> {
        self.out.write_all(&self.buffer)?;
        self.out.flush()?;
        Ok(self.frames)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_frame_counts() {
        assert_eq!(ms_to_frames(150, 44100), 6615);
        assert_eq!(ms_to_frames(1, 22050), 22);
        assert_eq!(ms_to_frames(0, 48000), 0);
    }

    #[test]
    fn writer_interleaves_channels() {
        let mut bytes = Vec::new();
        let mut w = PcmWriter::new(&mut bytes, 2);
        w.samples([1i16, -1]).unwrap();
        w.silence(1).unwrap();
        assert_eq!(w.finish().unwrap(), 3);
        assert_eq!(bytes, vec![1, 0, 1, 0, 255, 255, 255, 255, 0, 0, 0, 0]);
    }
}

//! Sample arithmetic shared by the steps: exact durations and conversions.

use std::io::{self, Seek, Write};

use super::compact::FlacWriter;

/// Frames in `ms` milliseconds at `rate`, rounded to the nearest frame.
pub fn ms_to_frames(ms: u32, rate: u32) -> u64 {
    (u64::from(ms) * u64::from(rate) + 500) / 1000
}

/// A float sample in [-1, 1] as 16-bit, rounded and clamped.
pub fn to_i16(sample: f32) -> i16 {
    (sample * 32768.0).round().clamp(-32768.0, 32767.0) as i16
}

/// Writes 16-bit samples to a compact (FLAC) blob, repeating mono samples
/// on every channel.
pub struct PcmWriter<W: Write + Seek> {
    out: FlacWriter<W>,
    channels: u16,
    buffer: Vec<i32>,
}

impl<W: Write + Seek> PcmWriter<W> {
    /// `out` must be a 16-bit writer.
    pub fn new(out: FlacWriter<W>, channels: u16) -> PcmWriter<W> {
        PcmWriter {
            out,
            channels,
            buffer: Vec::with_capacity(1 << 14),
        }
    }

    fn flush_if_full(&mut self) -> io::Result<()> {
        if self.buffer.len() >= 1 << 14 {
            self.out.write_int(self.buffer.drain(..))?;
        }
        Ok(())
    }

    pub fn samples(&mut self, samples: impl IntoIterator<Item = i16>) -> io::Result<()> {
        for sample in samples {
            for _ in 0..self.channels {
                self.buffer.push(i32::from(sample));
            }
            self.flush_if_full()?;
        }
        Ok(())
    }

    /// Samples already interleaved for every channel.
    pub fn interleaved(&mut self, samples: impl IntoIterator<Item = i16>) -> io::Result<()> {
        for sample in samples {
            self.buffer.push(i32::from(sample));
            self.flush_if_full()?;
        }
        Ok(())
    }

    pub fn silence(&mut self, frames: u64) -> io::Result<()> {
        self.samples(std::iter::repeat_n(0i16, frames as usize))
    }

    /// Returns the frames written.
    pub fn finish(mut self) -> io::Result<u64> {
        self.out.write_int(self.buffer.drain(..))?;
        self.out.finish()
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
        let dir = tempfile::TempDir::new().unwrap();
        let path = dir.path().join("pcm");
        let mut file = std::fs::File::create(&path).unwrap();
        let mut w = PcmWriter::new(FlacWriter::new(&mut file, 8000, 2, 16).unwrap(), 2);
        w.samples([1i16, -1]).unwrap();
        w.silence(1).unwrap();
        w.interleaved([5i16, 6]).unwrap();
        assert_eq!(w.finish().unwrap(), 4);
        let mut reader = super::super::blocks::BlockReader::new(
            std::fs::File::open(&path).unwrap(),
            super::super::blocks::SampleFormat::I16,
            2,
        );
        let mut block = Vec::new();
        assert_eq!(reader.next_block(&mut block).unwrap(), 4);
        let back: Vec<i16> = block.iter().map(|&s| to_i16(s)).collect();
        assert_eq!(back, vec![1, 1, -1, -1, 0, 0, 5, 6]);
    }
}

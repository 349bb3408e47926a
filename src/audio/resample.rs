//! Sample-rate conversion of speech with rubato's synchronous FFT resampler.

use audioadapter_buffers::direct::InterleavedSlice;
use rubato::{Fft, FixedSync, Resampler as _};

use super::pcm::to_i16;

pub struct Resampler {
    from: u32,
    to: u32,
    fft: Option<Fft<f32>>,
}

impl Resampler {
    pub fn new(from: u32, to: u32) -> Result<Resampler, String> {
        let fft = if from == to {
            None
        } else {
            Some(
                Fft::<f32>::new(from as usize, to as usize, 1024, 1, FixedSync::Input)
                    .map_err(|e| format!("cannot resample {from} Hz to {to} Hz: {e}"))?,
            )
        };
        Ok(Resampler { from, to, fft })
    }

    /// Frames out for `frames` in: exactly `ceil(frames * to / from)`.
    pub fn output_len(frames: usize, from: u32, to: u32) -> usize {
        (frames as u64 * u64::from(to)).div_ceil(u64::from(from)) as usize
    }

    /// Resamples one clip of mono audio; its length is exactly
    /// `output_len` (the resampler's delay trimmed), so timelines can be
    /// computed without resampling.
    pub fn clip(&mut self, samples: &[i16]) -> Result<Vec<i16>, String> {
        let Some(fft) = self.fft.as_mut() else {
            return Ok(samples.to_vec());
        };
        if samples.is_empty() {
            return Ok(Vec::new());
        }
        let input: Vec<f32> = samples.iter().map(|&s| f32::from(s) / 32768.0).collect();
        let adapter =
            InterleavedSlice::new(&input[..], 1, input.len()).map_err(|e| e.to_string())?;
        let output = fft
            .process_all(&adapter, input.len(), None)
            .map_err(|e| format!("resampling {} Hz to {} Hz failed: {e}", self.from, self.to))?;
        let mut out: Vec<i16> = output.take_data().into_iter().map(to_i16).collect();
        out.resize(Resampler::output_len(samples.len(), self.from, self.to), 0);
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doubles_length_and_keeps_a_tone() {
        let tone: Vec<i16> = (0..22050)
            .map(|i| ((i as f32 * 440.0 * std::f32::consts::TAU / 22050.0).sin() * 10000.0) as i16)
            .collect();
        let mut r = Resampler::new(22050, 44100).unwrap();
        let out = r.clip(&tone).unwrap();
        assert_eq!(out.len(), 44100);
        let peak = out[1000..43000]
            .iter()
            .map(|s| s.unsigned_abs())
            .max()
            .unwrap();
        assert!((9000..=11000).contains(&peak), "peak {peak}");
        assert_eq!(r.clip(&tone).unwrap(), out, "deterministic");
        let mut r = Resampler::new(22050, 48000).unwrap();
        for n in [1, 7, 1000, 12_345, 22_049] {
            assert_eq!(
                r.clip(&tone[..n]).unwrap().len(),
                Resampler::output_len(n, 22050, 48000)
            );
        }
    }
}

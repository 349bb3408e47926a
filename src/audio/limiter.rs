//! A look-ahead true-peak limiter: gain reductions are computed on a 4x
//! oversampled estimate of the signal, ramped in over the look-ahead so no
//! estimated peak exceeds the ceiling, and released smoothly.

use std::collections::VecDeque;

/// 4x oversampling interpolation filter: a windowed sinc, 8 taps per phase.
const PHASES: usize = 4;
const TAPS: usize = 8;

fn interpolation_filter() -> [[f32; TAPS]; PHASES] {
    let mut filter = [[0.0f32; TAPS]; PHASES];
    for (phase, row) in filter.iter_mut().enumerate() {
        let frac = phase as f64 / PHASES as f64;
        let mut sum = 0.0;
        for (tap, value) in row.iter_mut().enumerate() {
            // Tap `tap` sits at sample offset (tap - TAPS/2 + 1) from the output point.
            let x = tap as f64 - (TAPS as f64 / 2.0 - 1.0) - frac;
            let sinc = if x.abs() < 1e-9 {
                1.0
            } else {
                (std::f64::consts::PI * x).sin() / (std::f64::consts::PI * x)
            };
            let w = x / (TAPS as f64 / 2.0 + 1.0);
            let window = (0.5 * (1.0 + (std::f64::consts::PI * w).cos())).max(0.0);
            *value = (sinc * window) as f32;
            sum += sinc * window;
        }
        for value in row.iter_mut() {
            *value /= sum as f32;
        }
    }
    filter
}

pub struct Limiter {
    channels: usize,
    ceiling: f32,
    lookahead: usize,
    release: f32,
    filter: [[f32; TAPS]; PHASES],
    /// Recent input frames (for the interpolator), per channel.
    history: Vec<VecDeque<f32>>,
    /// Frames waiting to be output, with their required gains.
    pending: VecDeque<(Vec<f32>, f32)>,
    gain: f32,
}

impl Limiter {
    /// `ceiling` as a linear amplitude; look-ahead and release in frames.
    pub fn new(channels: u16, sample_rate: u32, ceiling: f32) -> Limiter {
        let channels = usize::from(channels);
        let lookahead = (sample_rate as usize * 3 / 2000).max(1); // 1.5 ms
        let release_frames = sample_rate as f32 * 0.08; // 80 ms
        Limiter {
            channels,
            ceiling,
            lookahead,
            release: 1.0 - (-1.0 / release_frames).exp(),
            filter: interpolation_filter(),
            history: vec![VecDeque::from(vec![0.0; TAPS]); channels],
            pending: VecDeque::new(),
            gain: 1.0,
        }
    }

    /// The largest estimated (true) peak around the newest frame.
    fn true_peak(&self) -> f32 {
        let mut peak = 0.0f32;
        for history in &self.history {
            let newest = *history.back().expect("history is never empty");
            peak = peak.max(newest.abs());
            // Inter-sample peaks only matter near the ceiling.
            if newest.abs() * 2.0 < self.ceiling {
                continue;
            }
            for row in &self.filter {
                let value: f32 = row.iter().zip(history.iter()).map(|(c, s)| c * s).sum();
                peak = peak.max(value.abs());
            }
        }
        peak
    }

    /// Pushes interleaved frames; appends limited frames to `out`.
    pub fn process(&mut self, input: &[f32], out: &mut Vec<f32>) {
        for frame in input.chunks_exact(self.channels) {
            for (history, &sample) in self.history.iter_mut().zip(frame) {
                history.pop_front();
                history.push_back(sample);
            }
            let peak = self.true_peak();
            let required = if peak > self.ceiling {
                self.ceiling / peak
            } else {
                1.0
            };
            self.pending.push_back((frame.to_vec(), required));
            if self.pending.len() > self.lookahead {
                self.emit(out);
            }
        }
    }

    /// Outputs the oldest pending frame with a gain no higher than any
    /// required gain ahead of it, ramped over the look-ahead.
    fn emit(&mut self, out: &mut Vec<f32>) {
        let mut target = 1.0f32;
        let span = self.pending.len().max(1) as f32;
        for (k, (_, required)) in self.pending.iter().enumerate() {
            if *required < 1.0 {
                // Reach `required` exactly when that frame is output.
                let ramp = 1.0 - (1.0 - required) * (1.0 - k as f32 / span);
                target = target.min(ramp);
            }
        }
        let (frame, required) = self.pending.pop_front().expect("a pending frame");
        target = target.min(required);
        self.gain = if target < self.gain {
            target
        } else {
            self.gain + (target - self.gain) * self.release
        };
        out.extend(frame.iter().map(|s| s * self.gain));
    }

    /// Flushes the look-ahead.
    pub fn finish(&mut self, out: &mut Vec<f32>) {
        let silence = vec![0.0f32; self.channels];
        // Feed silence through the interpolator so the last peaks are seen.
        for _ in 0..TAPS {
            for (history, &sample) in self.history.iter_mut().zip(&silence) {
                history.pop_front();
                history.push_back(sample);
            }
        }
        while !self.pending.is_empty() {
            self.emit(out);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_peaks_under_the_ceiling_and_leaves_quiet_audio_alone() {
        let rate = 48_000;
        let loud: Vec<f32> = (0..rate).map(|i| (i as f32 * 0.07).sin() * 1.5).collect();
        let mut limiter = Limiter::new(1, rate, 0.8);
        let mut out = Vec::new();
        limiter.process(&loud, &mut out);
        limiter.finish(&mut out);
        assert_eq!(out.len(), loud.len());
        let peak = out.iter().fold(0.0f32, |m, s| m.max(s.abs()));
        assert!(peak <= 0.8 + 1e-4, "peak {peak}");

        let quiet: Vec<f32> = (0..rate).map(|i| (i as f32 * 0.07).sin() * 0.3).collect();
        let mut limiter = Limiter::new(1, rate, 0.8);
        let mut out = Vec::new();
        limiter.process(&quiet, &mut out);
        limiter.finish(&mut out);
        assert_eq!(out, quiet);
    }
}

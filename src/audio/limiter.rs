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
    /// The last `TAPS` input samples of each channel, a ring at `at`.
    history: Vec<[f32; TAPS]>,
    at: usize,
    /// Frames waiting to be output (interleaved) and the gain each requires.
    pending: VecDeque<f32>,
    required: VecDeque<f32>,
    /// How many pending frames need a reduction (most of the time none,
    /// and the look-ahead need not be scanned).
    limited: usize,
    gain: f32,
}

impl Limiter {
    /// `ceiling` as a linear amplitude; look-ahead 1.5 ms, release 80 ms.
    pub fn new(channels: u16, sample_rate: u32, ceiling: f32) -> Limiter {
        let channels = usize::from(channels);
        let lookahead = (sample_rate as usize * 3 / 2000).max(1);
        let release_frames = sample_rate as f32 * 0.08;
        Limiter {
            channels,
            ceiling,
            lookahead,
            release: 1.0 - (-1.0 / release_frames).exp(),
            filter: interpolation_filter(),
            history: vec![[0.0; TAPS]; channels],
            at: 0,
            pending: VecDeque::with_capacity((lookahead + 2) * channels),
            required: VecDeque::with_capacity(lookahead + 2),
            limited: 0,
            gain: 1.0,
        }
    }

    fn push_history(&mut self, frame: &[f32]) {
        for (history, &sample) in self.history.iter_mut().zip(frame) {
            history[self.at] = sample;
        }
        self.at = (self.at + 1) % TAPS;
    }

    /// The largest estimated (true) peak around the newest frame.
    fn true_peak(&self) -> f32 {
        let newest = (self.at + TAPS - 1) % TAPS;
        let mut peak = 0.0f32;
        for history in &self.history {
            let sample = history[newest].abs();
            peak = peak.max(sample);
            // Inter-sample peaks only matter near the ceiling.
            if sample * 2.0 < self.ceiling {
                continue;
            }
            for row in &self.filter {
                let mut value = 0.0f32;
                for (tap, coefficient) in row.iter().enumerate() {
                    value += coefficient * history[(self.at + tap) % TAPS];
                }
                peak = peak.max(value.abs());
            }
        }
        peak
    }

    /// Pushes interleaved frames; appends limited frames to `out`.
    pub fn process(&mut self, input: &[f32], out: &mut Vec<f32>) {
        for frame in input.chunks_exact(self.channels) {
            self.push_history(frame);
            let peak = self.true_peak();
            let required = if peak > self.ceiling {
                self.ceiling / peak
            } else {
                1.0
            };
            if required < 1.0 {
                self.limited += 1;
            }
            self.pending.extend(frame);
            self.required.push_back(required);
            if self.required.len() > self.lookahead {
                self.emit(out);
            }
        }
    }

    /// Outputs the oldest pending frame with a gain no higher than any
    /// required gain ahead of it, ramped over the look-ahead.
    fn emit(&mut self, out: &mut Vec<f32>) {
        let mut target = 1.0f32;
        if self.limited > 0 {
            let span = self.required.len().max(1) as f32;
            for (k, required) in self.required.iter().enumerate() {
                if *required < 1.0 {
                    // Reach `required` exactly when that frame is output.
                    let ramp = 1.0 - (1.0 - required) * (1.0 - k as f32 / span);
                    target = target.min(ramp);
                }
            }
        }
        let required = self.required.pop_front().expect("a pending frame");
        if required < 1.0 {
            self.limited -= 1;
        }
        target = target.min(required);
        self.gain = if target < self.gain {
            target
        } else {
            self.gain + (target - self.gain) * self.release
        };
        for _ in 0..self.channels {
            let sample = self.pending.pop_front().expect("a pending sample");
            out.push(sample * self.gain);
        }
    }

    /// Flushes the look-ahead.
    pub fn finish(&mut self, out: &mut Vec<f32>) {
        while !self.required.is_empty() {
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

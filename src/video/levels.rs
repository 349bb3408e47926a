//! What the waveform and the bars show: levels computed from a chapter's
//! speech, in two streaming passes (a chapter can be hours long, so only a
//! histogram and a short history of samples are ever held).
//!
//! `Meter::levels(at)` is a pure function of the samples just before `at`:
//! no state carries from one frame to the next, so a video rendered in
//! segments, or resumed, shows the same levels as one rendered in one go.

use std::sync::Arc;

use rustfft::num_complex::Complex32;
use rustfft::{Fft, FftPlannerScalar};

use super::Style;

/// Samples per frame of the gain's RMS histogram (~21 ms at 48 kHz).
const GAIN_FRAME: usize = 1024;
/// Histogram resolution and range, in dBFS.
const GAIN_BIN_DB: f32 = 0.25;
const GAIN_FLOOR_DB: f32 = -100.0;
/// Frames quieter than this are pauses and do not count.
const VOICED_DB: f32 = -60.0;
/// The percentile of voiced frame RMS that is mapped to `TARGET_RMS`: a high
/// one, so the loud parts fill the display, but not the peak, so one click
/// does not flatten a whole chapter.
const PERCENTILE: f64 = 0.95;
/// Speech has a crest factor of about 3: its loud frames' peaks then reach
/// about full scale.
const TARGET_RMS: f32 = 0.3;
const MAX_GAIN: f32 = 64.0;

/// First pass: the chapter's display normalisation, from a histogram of its
/// frames' RMS (a fixed number of bins, whatever the length).
pub struct Gain {
    bins: Vec<u64>,
    energy: f64,
    count: usize,
}

impl Default for Gain {
    fn default() -> Self {
        Self::new()
    }
}

impl Gain {
    pub fn new() -> Self {
        let bins = (-GAIN_FLOOR_DB / GAIN_BIN_DB) as usize + 1;
        Gain {
            bins: vec![0; bins],
            energy: 0.0,
            count: 0,
        }
    }

    pub fn feed(&mut self, block: &[f32]) {
        for &x in block {
            self.energy += f64::from(x) * f64::from(x);
            self.count += 1;
            if self.count == GAIN_FRAME {
                self.close_frame();
            }
        }
    }

    fn close_frame(&mut self) {
        let rms = (self.energy / self.count as f64).sqrt() as f32;
        let db = 20.0 * rms.max(1e-10).log10();
        let bin = ((db - GAIN_FLOOR_DB) / GAIN_BIN_DB).clamp(0.0, (self.bins.len() - 1) as f32);
        self.bins[bin as usize] += 1;
        self.energy = 0.0;
        self.count = 0;
    }

    /// The multiplier that brings the chapter's loud speech to a lively
    /// display level; 1 for a chapter with no speech at all.
    pub fn finish(mut self) -> f32 {
        // A short tail still counts; a few samples would skew it.
        if self.count >= GAIN_FRAME / 4 {
            self.close_frame();
        }
        let first_voiced = ((VOICED_DB - GAIN_FLOOR_DB) / GAIN_BIN_DB) as usize;
        let voiced = &self.bins[first_voiced..];
        let total: u64 = voiced.iter().sum();
        if total == 0 {
            return 1.0;
        }
        let wanted = (total as f64 * PERCENTILE).ceil() as u64;
        let mut seen = 0;
        let mut bin = voiced.len() - 1;
        for (i, &n) in voiced.iter().enumerate() {
            seen += n;
            if seen >= wanted {
                bin = i;
                break;
            }
        }
        // The bin's upper edge: a loud chapter then never gets a gain above 1
        // from rounding.
        let db = VOICED_DB + (bin + 1) as f32 * GAIN_BIN_DB;
        let rms = 10f32.powf(db / 20.0);
        (TARGET_RMS / rms).clamp(1.0 / MAX_GAIN, MAX_GAIN)
    }
}

/// The waveform shows this much of the signal before the moment heard.
const WAVE_SECONDS: f64 = 0.05;
/// The bars' analysis window (rounded up to a power of two samples).
const FFT_SECONDS: f64 = 0.085;
/// The bars hold a decayed peak of the window this much earlier, so they
/// fall back smoothly instead of flickering.
const HOLD_SECONDS: f64 = 0.025;
const HOLD_DECAY: f32 = 0.65;
const BAND_LOW_HZ: f32 = 80.0;
const BAND_HIGH_HZ: f32 = 8000.0;
/// Band levels from this many dB below full scale (0) up to full scale map
/// to 0..1.
const BARS_FLOOR_DB: f32 = -60.0;

/// Second pass: per video frame, the levels for the moment heard.
pub struct Meter {
    style: Style,
    gain: f32,
    wanted: usize,
    /// Samples `fed - recent.len() .. fed`.
    recent: Vec<f32>,
    fed: u64,
    /// How much history `levels` needs before `at`.
    keep: usize,
    wave_len: usize,
    hold: usize,
    /// The waveform's window, reused from frame to frame.
    scratch: Vec<f32>,
    spectrum: Option<Spectrum>,
}

struct Spectrum {
    // The scalar planner: the same arithmetic on every CPU, so levels (and
    // pixels) do not depend on which SIMD path a machine picks.
    fft: Arc<dyn Fft<f32>>,
    window: Vec<f32>,
    /// Multiplies a bin's magnitude so that a full-scale sine reads 1.
    norm: f32,
    buffer: Vec<Complex32>,
    scratch: Vec<Complex32>,
    samples: Vec<f32>,
    /// Per band, the bins it spans (`lo..hi`), or the fractional bin of its
    /// centre when it is narrower than a bin.
    bands: Vec<Band>,
    now: Vec<f32>,
}

enum Band {
    Bins(usize, usize),
    Between(f32),
}

impl Meter {
    pub fn new(style: Style, sample_rate: u32, gain: f32, wanted: usize) -> Meter {
        let rate = f64::from(sample_rate.max(1));
        let wave_len = ((rate * WAVE_SECONDS).round() as usize).max(1);
        let hold = (rate * HOLD_SECONDS).round() as usize;
        let spectrum =
            (style == Style::Bars && wanted > 0).then(|| Spectrum::new(sample_rate.max(1), wanted));
        let keep = match &spectrum {
            Some(s) => s.window.len() + hold,
            None => wave_len,
        };
        Meter {
            style,
            gain,
            wanted,
            recent: Vec::with_capacity(2 * keep),
            fed: 0,
            keep,
            wave_len,
            hold,
            scratch: Vec::new(),
            spectrum,
        }
    }

    /// Feed samples in order (any block sizes). What is held is at most
    /// twice the history `levels` needs, plus the latest block.
    pub fn feed(&mut self, block: &[f32]) {
        // Trimming only once the history has doubled keeps tiny blocks cheap.
        if self.recent.len() >= 2 * self.keep {
            let drop = self.recent.len() - self.keep;
            self.recent.drain(..drop);
        }
        self.recent.extend_from_slice(block);
        self.fed += block.len() as u64;
    }

    /// Levels for the frame whose window ends at absolute sample `at`
    /// (<= samples fed so far, and not before the block fed last minus the
    /// history kept); writes `wanted` values: in [-1, 1] for a waveform, in
    /// [0, 1] for bars, none for a still.
    pub fn levels(&mut self, at: u64, out: &mut Vec<f32>) {
        assert!(
            at <= self.fed,
            "levels at sample {at}, only {} fed",
            self.fed
        );
        out.clear();
        match self.style {
            Style::Still => {}
            Style::Waveform => self.wave(at, out),
            Style::Bars => self.bars(at, out),
        }
    }

    /// Copies the `len` samples before `at` into `dst`; samples before the
    /// chapter's start are silence.
    fn window(&self, at: u64, dst: &mut [f32]) {
        let len = dst.len() as u64;
        let held_from = self.fed - self.recent.len() as u64;
        let from = at.saturating_sub(len);
        let lead = (len - (at - from)) as usize;
        dst[..lead].fill(0.0);
        assert!(
            from >= held_from,
            "levels at sample {at} need samples from {from}, already dropped (held from {held_from})"
        );
        let start = (from - held_from) as usize;
        let end = (at - held_from) as usize;
        dst[lead..].copy_from_slice(&self.recent[start..end]);
    }

    fn wave(&mut self, at: u64, out: &mut Vec<f32>) {
        let mut samples = std::mem::take(&mut self.scratch);
        samples.resize(self.wave_len, 0.0);
        self.window(at, &mut samples);
        let n = samples.len();
        for i in 0..self.wanted {
            let lo = i * n / self.wanted;
            // lo < n for every i < wanted; hi > lo even when there are
            // fewer samples than points.
            let hi = ((i + 1) * n / self.wanted).max(lo + 1);
            // The sample of largest magnitude, sign kept: a bucket's mean
            // would cancel the speech out and look dull.
            let mut pick = 0.0f32;
            for &x in &samples[lo..hi] {
                if x.abs() > pick.abs() {
                    pick = x;
                }
            }
            out.push((pick * self.gain).clamp(-1.0, 1.0));
        }
        self.scratch = samples;
    }

    fn bars(&mut self, at: u64, out: &mut Vec<f32>) {
        let mut spectrum = self.spectrum.take().expect("a bars meter has a spectrum");
        spectrum.analyse(self, at, self.gain);
        out.extend_from_slice(&spectrum.now);
        if self.hold > 0 {
            spectrum.analyse(self, at.saturating_sub(self.hold as u64), self.gain);
            for (level, &earlier) in out.iter_mut().zip(&spectrum.now) {
                *level = level.max(earlier * HOLD_DECAY);
            }
        }
        self.spectrum = Some(spectrum);
    }
}

impl Spectrum {
    fn new(sample_rate: u32, bands: usize) -> Spectrum {
        let rate = sample_rate as f32;
        let len = ((f64::from(sample_rate) * FFT_SECONDS) as usize)
            .next_power_of_two()
            .max(64);
        let fft = FftPlannerScalar::new().plan_fft_forward(len);
        // Hann: low leakage, so a tone lights its own band only.
        let window: Vec<f32> = (0..len)
            .map(|i| {
                let phase = std::f64::consts::TAU * i as f64 / len as f64;
                (0.5 - 0.5 * phase.cos()) as f32
            })
            .collect();
        let norm = 2.0 / window.iter().sum::<f32>();
        let bin_hz = rate / len as f32;
        let high = BAND_HIGH_HZ.min(rate * 0.475);
        let low = BAND_LOW_HZ.min(high / 2.0);
        let ratio = (high / low).powf(1.0 / bands as f32);
        let bands = (0..bands)
            .map(|b| {
                let lo_hz = low * ratio.powi(b as i32);
                let hi_hz = lo_hz * ratio;
                let lo = (lo_hz / bin_hz).ceil() as usize;
                let hi = (hi_hz / bin_hz).ceil() as usize;
                if hi > lo {
                    Band::Bins(lo, hi.min(len / 2))
                } else {
                    Band::Between((lo_hz * hi_hz).sqrt() / bin_hz)
                }
            })
            .collect();
        let scratch = vec![Complex32::default(); fft.get_inplace_scratch_len()];
        Spectrum {
            fft,
            window,
            norm,
            buffer: vec![Complex32::default(); len],
            scratch,
            samples: vec![0.0; len],
            bands,
            now: Vec::new(),
        }
    }

    /// Band levels in [0, 1] of the window ending at `at`, into `self.now`.
    fn analyse(&mut self, meter: &Meter, at: u64, gain: f32) {
        meter.window(at, &mut self.samples);
        for ((c, &x), &w) in self.buffer.iter_mut().zip(&self.samples).zip(&self.window) {
            *c = Complex32::new(x * w * gain, 0.0);
        }
        self.fft
            .process_with_scratch(&mut self.buffer, &mut self.scratch);
        let magnitude = |k: usize| self.buffer[k].norm() * self.norm;
        self.now.clear();
        for band in &self.bands {
            let peak = match *band {
                Band::Bins(lo, hi) => (lo..hi).map(magnitude).fold(0.0, f32::max),
                Band::Between(at) => {
                    let k = at.floor() as usize;
                    let t = at - k as f32;
                    magnitude(k) * (1.0 - t) + magnitude(k + 1) * t
                }
            };
            let level = if peak <= 1e-9 {
                0.0
            } else {
                ((20.0 * peak.log10() - BARS_FLOOR_DB) / -BARS_FLOOR_DB).clamp(0.0, 1.0)
            };
            self.now.push(level);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RATE: u32 = 48_000;

    fn tone(hz: f32, amplitude: f32, seconds: f32) -> Vec<f32> {
        (0..(RATE as f32 * seconds) as usize)
            .map(|i| amplitude * (std::f32::consts::TAU * hz * i as f32 / RATE as f32).sin())
            .collect()
    }

    /// Feeds `signal` in odd-sized blocks and returns the levels at its end.
    fn levels_at_end(style: Style, gain: f32, wanted: usize, signal: &[f32]) -> Vec<f32> {
        let mut meter = Meter::new(style, RATE, gain, wanted);
        for block in signal.chunks(997) {
            meter.feed(block);
        }
        let mut out = Vec::new();
        meter.levels(signal.len() as u64, &mut out);
        assert_eq!(out.len(), wanted);
        out
    }

    #[test]
    fn silence_is_flat() {
        let quiet = vec![0.0; 48_000];
        for style in [Style::Waveform, Style::Bars] {
            let levels = levels_at_end(style, 8.0, 40, &quiet);
            assert!(levels.iter().all(|&l| l == 0.0), "{style:?}: {levels:?}");
        }
        // A pause after speech is flat too, once the window has passed it.
        let mut speech_then_pause = tone(300.0, 0.5, 0.5);
        speech_then_pause.extend(vec![0.0; 24_000]);
        for style in [Style::Waveform, Style::Bars] {
            let levels = levels_at_end(style, 1.0, 40, &speech_then_pause);
            assert!(levels.iter().all(|&l| l == 0.0), "{style:?}: {levels:?}");
        }
        assert_eq!(Gain::new().finish(), 1.0);
    }

    #[test]
    fn a_tone_moves_the_waveform() {
        let levels = levels_at_end(Style::Waveform, 1.0, 64, &tone(220.0, 0.5, 0.3));
        let max = levels.iter().cloned().fold(f32::MIN, f32::max);
        let min = levels.iter().cloned().fold(f32::MAX, f32::min);
        assert!(max > 0.4 && min < -0.4, "{levels:?}");
        assert!(levels.iter().all(|l| (-1.0..=1.0).contains(l)));
    }

    fn loudest_band(levels: &[f32]) -> usize {
        let mut best = 0;
        for (i, &l) in levels.iter().enumerate() {
            if l > levels[best] {
                best = i;
            }
        }
        best
    }

    #[test]
    fn bars_put_low_tones_low_and_high_tones_high() {
        let bands = 32;
        let low = levels_at_end(Style::Bars, 1.0, bands, &tone(150.0, 0.5, 0.3));
        let high = levels_at_end(Style::Bars, 1.0, bands, &tone(5000.0, 0.5, 0.3));
        assert!(loudest_band(&low) < bands / 4, "{low:?}");
        assert!(loudest_band(&high) > bands * 3 / 4, "{high:?}");
        assert!(low.iter().all(|l| (0.0..=1.0).contains(l)));
        // A full-scale-ish tone nearly fills its band; far bands stay low.
        assert!(low[loudest_band(&low)] > 0.8, "{low:?}");
        assert!(low[bands - 1] < 0.3, "{low:?}");
    }

    #[test]
    fn the_gain_brings_quiet_and_loud_chapters_together() {
        // Speech-like: a tone switching on and off, with pauses.
        let chapter = |amplitude: f32| -> Vec<f32> {
            let mut out = Vec::new();
            for i in 0..20 {
                out.extend(tone(180.0 + 10.0 * i as f32, amplitude, 0.2));
                out.extend(vec![0.0; 4800]);
            }
            out
        };
        let shown = |signal: &[f32]| {
            let mut gain = Gain::new();
            for block in signal.chunks(1000) {
                gain.feed(block);
            }
            let gain = gain.finish();
            let end = 19 * (9600 + 4800) + 9600;
            let levels = levels_at_end(Style::Waveform, gain, 64, &signal[..end]);
            levels.iter().map(|l| l.abs()).fold(0.0, f32::max)
        };
        let quiet = shown(&chapter(0.02));
        let loud = shown(&chapter(0.7));
        assert!(quiet > 0.3, "{quiet}");
        assert!((quiet - loud).abs() < 0.05 * loud, "{quiet} vs {loud}");
    }

    #[test]
    fn levels_depend_only_on_the_samples_before_them() {
        let signal: Vec<f32> = (0..48_000)
            .map(|i| ((i * 7919 % 1000) as f32 / 500.0 - 1.0) * 0.3)
            .collect();
        for style in [Style::Waveform, Style::Bars] {
            // One meter fed in small blocks and asked every frame, one fed in
            // a single block and asked once: same levels.
            let mut every = Meter::new(style, RATE, 2.0, 24);
            let mut out = Vec::new();
            for (i, block) in signal.chunks(1600).enumerate() {
                every.feed(block);
                every.levels((i as u64 + 1) * 1600, &mut out);
            }
            let once = levels_at_end(style, 2.0, 24, &signal);
            assert_eq!(out, once, "{style:?}");
        }
    }

    #[test]
    fn memory_stays_bounded() {
        let mut meter = Meter::new(Style::Bars, RATE, 1.0, 32);
        let block = vec![0.1; 480];
        let mut out = Vec::new();
        for i in 0..2000u64 {
            meter.feed(&block);
            meter.levels((i + 1) * 480, &mut out);
        }
        assert!(meter.recent.len() <= 2 * meter.keep + block.len());
    }
}

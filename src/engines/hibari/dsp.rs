//! The signal stage after the acoustic model: per 12.5 ms frame the model
//! gives a harmonic gain and phase (lh, theta), a noise gain (ln) and a
//! free-phase residual (lr, phi), and the pitch (f0). The spectrum of each
//! frame is
//!
//!   S = exp(lh)·e^{iπ·tanh θ}·STFT(pulses(f0)) + exp(ln)·Z + exp(lr)·e^{iφ}
//!
//! with Z complex Gaussian noise, and one inverse STFT (n_fft 1200, hop 300,
//! periodic Hann) makes the 24 kHz waveform. The noise comes from a seeded
//! generator, so the same frames and seed always give the same samples.

use std::f32::consts::PI;
use std::sync::{Arc, OnceLock};

use rand_distr::{Distribution, StandardNormal};
use rand_pcg::Pcg64Mcg;
use rand_pcg::rand_core::SeedableRng;
use realfft::num_complex::Complex32;
use realfft::{ComplexToReal, RealFftPlanner, RealToComplex};

use super::model::{BINS, Frames};

pub const SAMPLE_RATE: u32 = 24_000;
const N_FFT: usize = 1200;
const HOP: usize = 300;
/// Window length in hops.
const OVERLAP: usize = N_FFT / HOP;
/// Below this pitch (Hz) a frame is unvoiced: no pulses.
const VOICED_FROM: f32 = 40.0;
/// Harmonics stop below this frequency (Hz), under Nyquist.
const HARMONICS_BELOW: f32 = 11_000.0;
/// The model's log gains are clamped here before `exp`, as in training.
const MAX_LOG_GAIN: f32 = 7.0;

struct Ffts {
    forward: Arc<dyn RealToComplex<f32>>,
    inverse: Arc<dyn ComplexToReal<f32>>,
    /// Periodic Hann window.
    window: Vec<f32>,
}

fn ffts() -> &'static Ffts {
    static FFTS: OnceLock<Ffts> = OnceLock::new();
    FFTS.get_or_init(|| {
        let mut planner = RealFftPlanner::<f32>::new();
        Ffts {
            forward: planner.plan_fft_forward(N_FFT),
            inverse: planner.plan_fft_inverse(N_FFT),
            window: (0..N_FFT)
                .map(|n| {
                    (0.5 - 0.5 * (2.0 * std::f64::consts::PI * n as f64 / N_FFT as f64).cos())
                        as f32
                })
                .collect(),
        }
    })
}

fn gain(log: f32) -> f32 {
    log.min(MAX_LOG_GAIN).exp()
}

/// The waveform of `frames`, `frames.frames * HOP` samples at 24 kHz.
pub fn synthesize(frames: &Frames, seed: u64) -> Vec<f32> {
    let count = frames.frames;
    if count == 0 {
        return Vec::new();
    }
    let ffts = ffts();
    let mut spectrum = pulse_spectrum(&pulses(&frames.f0), count, ffts);
    let mut rng = Pcg64Mcg::seed_from_u64(seed);
    for bin in 0..BINS {
        for frame in 0..count {
            let at = bin * count + frame;
            let turn = PI * frames.theta[at].tanh();
            let harmonic = Complex32::from_polar(gain(frames.lh[at]), turn);
            let noise = Complex32::new(
                StandardNormal.sample(&mut rng),
                StandardNormal.sample(&mut rng),
            ) * gain(frames.ln[at]);
            let residual = Complex32::from_polar(gain(frames.lr[at]), frames.phi[at]);
            let s = &mut spectrum[frame * BINS + bin];
            *s = *s * harmonic + noise + residual;
        }
    }
    overlap_add(&mut spectrum, count, ffts)
}

/// A band-limited pulse train following the pitch curve (interpolated
/// linearly between frame centres): every harmonic below
/// `HARMONICS_BELOW` at unit amplitude, zero where unvoiced.
fn pulses(f0: &[f32]) -> Vec<f32> {
    let count = f0.len();
    let edge = |k: isize| f0[k.clamp(0, count as isize - 1) as usize];
    let mut out = Vec::with_capacity(count * HOP);
    let mut phase = 0f64;
    for k in 0..count as isize {
        for j in 0..HOP {
            // Sample j of frame k sits at k + (j + 0.5) / HOP - 0.5 frames.
            let position = (j as f32 + 0.5) / HOP as f32 - 0.5;
            let (from, to, u) = if position < 0.0 {
                (edge(k - 1), edge(k), position + 1.0)
            } else {
                (edge(k), edge(k + 1), position)
            };
            let f = from * (1.0 - u) + to * u;
            let voiced = f > VOICED_FROM;
            let f = f.max(VOICED_FROM);
            phase += f64::from(f) / f64::from(SAMPLE_RATE);
            let t = (phase.fract() * 2.0 * std::f64::consts::PI) as f32;
            // sum over h <= H of cos(h t) = sin((H + 1/2) t) / (2 sin(t/2)) - 1/2
            let h = (HARMONICS_BELOW / f).floor() + 0.5;
            let s = 2.0 * (t * 0.5).sin();
            let sum = if s.abs() <= 2e-3 {
                h
            } else {
                (h * t).sin() / s
            };
            out.push(if voiced { sum - 0.5 } else { 0.0 });
        }
    }
    out
}

/// The STFT of the pulse train (centred frames, reflect padding), scaled so
/// a unit cosine has magnitude 1: `[frame][bin]`.
fn pulse_spectrum(x: &[f32], count: usize, ffts: &Ffts) -> Vec<Complex32> {
    let half = N_FFT / 2;
    let reflect = |i: isize| -> f32 {
        let n = x.len() as isize;
        let i = if i < 0 { -i } else { i };
        let i = if i >= n { 2 * (n - 1) - i } else { i };
        x[i.clamp(0, n - 1) as usize]
    };
    let scale = 1.0 / (N_FFT as f32 / 4.0);
    let mut input = ffts.forward.make_input_vec();
    let mut output = ffts.forward.make_output_vec();
    let mut scratch = ffts.forward.make_scratch_vec();
    let mut spectrum = Vec::with_capacity(count * BINS);
    for frame in 0..count {
        let start = (frame * HOP) as isize - half as isize;
        for (n, v) in input.iter_mut().enumerate() {
            *v = reflect(start + n as isize) * ffts.window[n] * scale;
        }
        ffts.forward
            .process_with_scratch(&mut input, &mut output, &mut scratch)
            .expect("buffers come from the plan");
        spectrum.extend_from_slice(&output);
    }
    spectrum
}

/// The inverse STFT, matching `torch.istft(center=True)`: each frame back
/// to time, windowed, overlap-added and divided by the summed squared window.
fn overlap_add(spectrum: &mut [Complex32], count: usize, ffts: &Ffts) -> Vec<f32> {
    let mut out = vec![0f32; (count + OVERLAP - 1) * HOP];
    let mut norm = vec![0f32; out.len()];
    let mut frame = ffts.inverse.make_output_vec();
    let mut scratch = ffts.inverse.make_scratch_vec();
    for k in 0..count {
        let bins = &mut spectrum[k * BINS..(k + 1) * BINS];
        // A real signal's DC and Nyquist bins are real.
        bins[0].im = 0.0;
        bins[BINS - 1].im = 0.0;
        ffts.inverse
            .process_with_scratch(bins, &mut frame, &mut scratch)
            .expect("buffers come from the plan");
        for (n, &v) in frame.iter().enumerate() {
            let w = ffts.window[n];
            out[k * HOP + n] += v / N_FFT as f32 * w;
            norm[k * HOP + n] += w * w;
        }
    }
    let half = N_FFT / 2;
    out.iter()
        .zip(&norm)
        .skip(half)
        .take(count * HOP)
        .map(|(v, n)| v / n.max(1e-11))
        .collect()
}

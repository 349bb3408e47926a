//! Fades at the ends of synthesised speech. Engines stop mid-waveform, at
//! the end of a clip and at their own silences inside it (the sample before
//! a gap can be 10-25 % of full scale), so every pause would start with a
//! click. A few milliseconds of raised-cosine fade take every run of speech
//! to and from exact silence without touching what is heard.

/// The fade out of a run of speech: the tail of a decaying sound.
pub const FADE_OUT_MS: u32 = 5;
/// The fade in: shorter, so a plosive keeps its attack.
pub const FADE_IN_MS: u32 = 2;
/// Exact zeros an engine leaves inside a clip count as a gap from this long.
pub const GAP_MS: u32 = 5;

/// Fades one run of speech in over its first `fade_in` samples and out over
/// its last `fade_out` (each at most half the run). The first and last
/// samples become exactly zero.
pub fn fade(samples: &mut [i16], fade_in: usize, fade_out: usize) {
    let len = samples.len();
    let half = len / 2;
    if len == 1 {
        samples[0] = 0;
    }
    let (fade_in, fade_out) = (fade_in.min(half), fade_out.min(half));
    for (k, sample) in samples[..fade_in].iter_mut().enumerate() {
        *sample = scaled(*sample, k, fade_in);
    }
    for (k, sample) in samples[len - fade_out..].iter_mut().rev().enumerate() {
        *sample = scaled(*sample, k, fade_out);
    }
}

/// 0 at the outermost sample (`k` = 0), rising to nearly 1 at `k` = `n`.
fn scaled(sample: i16, k: usize, n: usize) -> i16 {
    let gain = 0.5 - 0.5 * (std::f64::consts::PI * k as f64 / n as f64).cos();
    (f64::from(sample) * gain).round() as i16
}

/// Fades every run of speech in an engine's clip at `rate`: the clip's ends
/// and both sides of each gap of exact zeros at least `GAP_MS` long.
pub fn fade_speech(samples: &mut [i16], rate: u32) {
    let ms = |ms: u32| (u64::from(ms) * u64::from(rate) / 1000).max(1) as usize;
    let (fade_in, fade_out, gap) = (ms(FADE_IN_MS), ms(FADE_OUT_MS), ms(GAP_MS));
    let mut start = 0;
    let mut i = 0;
    while i < samples.len() {
        if samples[i] != 0 {
            i += 1;
            continue;
        }
        let zeros = i;
        while i < samples.len() && samples[i] == 0 {
            i += 1;
        }
        if i - zeros >= gap || i == samples.len() {
            fade(&mut samples[start..zeros], fade_in, fade_out);
            start = i;
        }
    }
    fade(&mut samples[start..], fade_in, fade_out);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ends_reach_silence_and_the_middle_is_untouched() {
        let mut samples = vec![10_000i16; 1000];
        fade(&mut samples, 20, 100);
        assert_eq!((samples[0], samples[999]), (0, 0));
        assert!(samples[1].abs() < 300 && samples[998].abs() < 30);
        assert!(samples[900..].windows(2).all(|w| w[0] >= w[1]));
        assert!(samples[20..900].iter().all(|&s| s == 10_000));
        let mut short = vec![500i16; 3];
        fade(&mut short, 100, 100);
        assert_eq!(short, vec![0, 500, 0]);
        let mut one = vec![500i16];
        fade(&mut one, 100, 100);
        assert_eq!(one, vec![0]);
        fade(&mut [], 100, 100);
    }

    #[test]
    fn gaps_inside_a_clip_are_faded_on_both_sides() {
        // 1 kHz: a gap is 5 samples; fades are 2 in and 5 out.
        let mut samples = [
            vec![1000i16; 20],
            vec![0; 5],
            vec![1000; 20],
            vec![0; 2],
            vec![1000; 20],
        ]
        .concat();
        fade_speech(&mut samples, 1000);
        assert_eq!(samples[0], 0);
        assert_eq!(
            &samples[15..30],
            &[
                905, 655, 345, 95, 0, 0, 0, 0, 0, 0, 0, 500, 1000, 1000, 1000
            ]
        );
        // A 2-sample run of zeros is inside a word: left alone.
        assert_eq!(&samples[44..49], &[1000, 0, 0, 1000, 1000]);
        assert_eq!(*samples.last().unwrap(), 0);
    }
}

//! Issue 7, items 3 and 22: speech ends without a click, and the cache keeps
//! intermediate full-length audio compact. Checked with ffmpeg/ffprobe, not
//! with pod's own decoder.

use std::fs;
use std::path::Path;

use serde_json::Value;

use crate::common::*;

/// Samples of an audio file as decoded by ffmpeg: mono 16-bit.
fn ffmpeg_samples(path: &Path) -> Vec<i16> {
    let raw = path.with_extension("raw");
    tool(
        "ffmpeg",
        &[
            "-v",
            "error",
            "-y",
            "-i",
            path.to_str().unwrap(),
            "-f",
            "s16le",
            "-ac",
            "1",
            raw.to_str().unwrap(),
        ],
    );
    let bytes = fs::read(&raw).unwrap();
    fs::remove_file(&raw).unwrap();
    bytes
        .chunks_exact(2)
        .map(|b| i16::from_le_bytes([b[0], b[1]]))
        .collect()
}

/// The largest step into silence: the last sample before every run of at
/// least `min_zeros` zeros, and the very last sample. (Onsets are the
/// engine's: a plosive starts abruptly on purpose.) Returns (pauses found,
/// largest step).
fn steps_at_pauses(samples: &[i16], min_zeros: usize) -> (usize, u16) {
    let (mut pauses, mut largest) = (0, samples.last().map_or(0, |s| s.unsigned_abs()));
    let mut i = 0;
    while i < samples.len() {
        if samples[i] != 0 {
            i += 1;
            continue;
        }
        let start = i;
        while i < samples.len() && samples[i] == 0 {
            i += 1;
        }
        if i - start >= min_zeros && start > 0 && i < samples.len() {
            pauses += 1;
            largest = largest.max(samples[start - 1].unsigned_abs());
        }
    }
    (pauses, largest)
}

#[test]
fn every_pause_starts_from_silence() {
    // At the engine's own rate and resampled.
    for rate in ["22050", "44100"] {
        let project = Project::fixture();
        project.edit(
            "podcast.toml",
            "sample_rate = 22050",
            &format!("sample_rate = {rate}"),
        );
        project.build();
        for episode in ["a", "b"] {
            let samples = ffmpeg_samples(&project.path(&format!("target/out/{episode}.wav")));
            // Pauses are at least 150 ms; 50 ms of exact zeros is no word.
            let min_zeros = rate.parse::<usize>().unwrap() / 20;
            let (pauses, largest) = steps_at_pauses(&samples, min_zeros);
            assert!(pauses >= 3, "{episode} at {rate} Hz: only {pauses} pauses");
            // 0.2 % of full scale: inaudible; the engine's raw ends reach 4-7 %.
            assert!(
                largest <= 64,
                "{episode} at {rate} Hz: a pause starts with a step of {largest}/32768"
            );
        }
    }
}

/// Blobs in the cache by kind: (kind, path, bytes).
fn blobs(project: &Project) -> Vec<(String, std::path::PathBuf, u64)> {
    snapshot(&project.path("target/cache/ac"))
        .values()
        .map(|bytes| {
            let record: Value = serde_json::from_slice(bytes).unwrap();
            let hash = record["output"]["hash"].as_str().unwrap().to_string();
            let path = project.path(&format!("target/cache/cas/{}/{hash}", &hash[..2]));
            let size = fs::metadata(&path).unwrap().len();
            (record["kind"].as_str().unwrap().to_string(), path, size)
        })
        .collect()
}

#[test]
fn the_cache_stays_under_three_times_outputs_plus_speech() {
    // The demo's shape: music, intro, 44.1 kHz, compressed outputs.
    let project = Project::fixture_with_media();
    project.edit("podcast.toml", "sample_rate = 22050", "sample_rate = 44100");
    project.edit(
        "podcast.toml",
        "formats = [\"wav\"]",
        "formats = [\"mp3\", \"wav\"]",
    );
    let build = project.build();
    let published: u64 = build.outputs().values().map(|b| b.len() as u64).sum();
    let blobs = blobs(&project);
    let speech: u64 = blobs.iter().filter(|b| b.0 == "tts").map(|b| b.2).sum();
    let cache: u64 = snapshot(&project.path("target/cache/cas"))
        .values()
        .map(|b| b.len() as u64)
        .sum();
    assert!(
        cache < 3 * (published + speech),
        "cache {cache} bytes; outputs {published} + speech {speech}; by kind: {:?}",
        blobs.iter().map(|b| (&b.0, b.2)).collect::<Vec<_>>()
    );
}

#[test]
fn the_normalised_mix_is_flac_holding_exactly_what_the_wav_holds() {
    let project = Project::fixture_with_media();
    project.build();
    let (spec, wav) = wav_samples(&fs::read(project.path("target/out/a.wav")).unwrap());
    let normalised: Vec<_> = blobs(&project)
        .into_iter()
        .filter(|b| b.0 == "loudness")
        .collect();
    assert_eq!(normalised.len(), 2);
    let mut matched = 0;
    for (_, path, _) in &normalised {
        let probe = ffprobe(path);
        let stream = &probe["streams"][0];
        assert_eq!(stream["codec_name"], "flac");
        assert_eq!(stream["bits_per_raw_sample"], "16");
        assert_eq!(stream["sample_rate"], spec.sample_rate.to_string());
        let samples = ffmpeg_samples(path);
        if samples.len() == wav.len() {
            matched += 1;
            // ffmpeg truncates 24 to 16 bits where pod rounds: one step at most.
            let worst = samples
                .iter()
                .zip(&wav)
                .map(|(a, b)| (i32::from(*a) - i32::from(*b)).abs())
                .max()
                .unwrap();
            assert!(
                worst <= 1,
                "the WAV differs from the normalised mix by {worst}"
            );
        }
    }
    assert_eq!(matched, 1, "one normalised mix is episode a's");
}

#[test]
fn decoded_media_are_24_bit_flac_and_keep_what_passes_full_scale() {
    let project = Project::fixture_with_media();
    // A float sting peaking at 1.8: clipping it would change the mix.
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: 22050,
        bits_per_sample: 32,
        sample_format: hound::SampleFormat::Float,
    };
    let mut writer = hound::WavWriter::create(project.path("media/sting.wav"), spec).unwrap();
    for i in 0..11025 {
        writer.write_sample((i as f32 * 0.05).sin() * 1.8).unwrap();
    }
    writer.finalize().unwrap();
    project.build();
    let decoded: Vec<_> = blobs(&project)
        .into_iter()
        .filter(|b| b.0 == "decode")
        .collect();
    assert_eq!(decoded.len(), 2, "the bed and the sting");
    let mut scaled = 0;
    for (_, path, _) in &decoded {
        let stream = &ffprobe(path)["streams"][0];
        assert_eq!(stream["codec_name"], "flac");
        assert_eq!(stream["bits_per_raw_sample"], "24");
        let bytes = fs::read(path).unwrap();
        // The sting is stored halved, with a headroom block saying so; the bed as it is.
        if bytes[42..51] == [0x82, 0, 0, 5, b'p', b'o', b'd', b'h', 1] {
            scaled += 1;
            let peak = ffmpeg_samples(path)
                .iter()
                .map(|s| s.unsigned_abs())
                .max()
                .unwrap();
            assert!((29_000..=29_800).contains(&peak), "stored peak {peak}");
        } else {
            assert_eq!(bytes[4], 0x80, "no block after STREAMINFO");
        }
    }
    assert_eq!(scaled, 1);
}

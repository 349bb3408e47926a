//! Production audio checked by independent tools: ffprobe for chapters and
//! durations, ffmpeg's ebur128 meter for loudness; and the invalidation
//! rules of the packaging steps.

use std::collections::BTreeSet;
use std::fs;

use crate::common::{Build, Project, ffmpeg_loudness, ffprobe, tool, wav_samples};
use pod::message::StepStatus;
use serde_json::Value;

const ALL_FORMATS: &str =
    r#"formats = ["wav", "flac", "mp3", "m4a", "m4b", "vtt", "srt", "transcript", "chapters"]"#;

fn executed_kinds(build: &Build) -> BTreeSet<String> {
    build
        .steps()
        .iter()
        .filter(|s| s.status == StepStatus::Executed)
        .map(|s| s.kind.clone())
        .collect()
}

fn kinds(list: &[&str]) -> BTreeSet<String> {
    list.iter().map(|s| s.to_string()).collect()
}

fn json(path: &std::path::Path) -> Value {
    serde_json::from_slice(&fs::read(path).unwrap()).unwrap()
}

/// Two headings in a row make a chapter of no length: no chapter list
/// holds it (no player can go to it, and an MP4 chapter track cannot), so
/// every format lists the same chapters, ffprobe reading each.
#[test]
fn a_chapter_of_no_length_is_in_no_chapter_list() {
    let project = Project::fixture();
    project.edit(
        "podcast.toml",
        r#"formats = ["wav"]"#,
        r#"formats = ["mp3", "m4b", "chapters"]"#,
    );
    project.edit("podcast.toml", "sample_rate = 22050", "sample_rate = 44100");
    project.edit(
        "episodes/a.md",
        "# Part two",
        "# Nothing here\n\n# Part two",
    );
    project.build();
    let out = |ext: &str| project.path(&format!("target/out/a.{ext}"));
    let listed: Vec<String> = json(&out("chapters.json"))["chapters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["title"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(listed, ["Alpha", "Part two"]);
    for ext in ["mp3", "m4b"] {
        let found: Vec<String> = crate::common::probe_chapters(&ffprobe(&out(ext)))
            .into_iter()
            .map(|(title, _)| title)
            .collect();
        assert_eq!(found, listed, "{ext}");
    }
}

#[test]
fn every_format_agrees_on_length_chapters_and_loudness() {
    let project = Project::fixture_with_media();
    project.edit("podcast.toml", r#"formats = ["wav"]"#, ALL_FORMATS);
    project.edit("podcast.toml", "sample_rate = 22050", "sample_rate = 44100");
    fs::write(project.path("cover.png"), crate::common::PNG).unwrap();
    project.edit(
        "podcast.toml",
        "episodes = [",
        "cover = \"cover.png\"\nepisodes = [",
    );
    let build = project.build();
    let out = |ext: &str| project.path(&format!("target/out/a.{ext}"));

    // The mix's exact length, from the WAV.
    let (spec, samples) = wav_samples(&fs::read(out("wav")).unwrap());
    let seconds = samples.len() as f64 / f64::from(spec.sample_rate);

    // Chapters: the JSON, and the same times in every container.
    let chapters = json(&out("chapters.json"));
    assert_eq!(chapters["version"], "1.2.0");
    let expected: Vec<(String, f64)> = chapters["chapters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["title"].as_str().unwrap().to_string(),
                c["startTime"].as_f64().unwrap(),
            )
        })
        .collect();
    assert_eq!(expected.len(), 2);
    assert_eq!(expected[0], ("Alpha".to_string(), 0.0));
    assert_eq!(expected[1].0, "Part two");
    for ext in ["mp3", "m4a", "m4b"] {
        let probe = ffprobe(&out(ext));
        let found = crate::common::probe_chapters(&probe);
        assert_eq!(found.len(), expected.len(), "{ext} chapters");
        for ((title, start), (want_title, want_start)) in found.iter().zip(&expected) {
            assert_eq!(title, want_title, "{ext}");
            assert!(
                (start - want_start).abs() < 0.002,
                "{ext}: {title} at {start}, expected {want_start}"
            );
        }
        assert_eq!(probe["format"]["tags"]["title"], "Alpha", "{ext} title tag");
        assert_eq!(
            probe["format"]["tags"]["album"], "Test Show",
            "{ext} album tag"
        );
        let cover = probe["streams"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["disposition"]["attached_pic"] == 1);
        assert!(cover, "{ext} carries the cover");
    }

    // Apple's players read chapters only from a QuickTime chapter track:
    // with the Nero `chpl` box renamed to `free`, ffprobe still finds every
    // chapter, now from that track.
    for ext in ["m4a", "m4b"] {
        let bytes = std::fs::read(out(ext)).unwrap();
        let at = bytes
            .windows(4)
            .position(|w| w == b"chpl")
            .expect("a chpl box");
        let mut without = bytes.clone();
        without[at..at + 4].copy_from_slice(b"free");
        let copy = project.path(&format!("no-chpl.{ext}"));
        std::fs::write(&copy, &without).unwrap();
        let found = crate::common::probe_chapters(&ffprobe(&copy));
        assert_eq!(
            found.len(),
            expected.len(),
            "{ext}: the chapter track's chapters"
        );
        for ((title, start), (want_title, want_start)) in found.iter().zip(&expected) {
            assert_eq!(title, want_title, "{ext} chapter track");
            assert!(
                (start - want_start).abs() < 0.002,
                "{ext} chapter track: {title} at {start}"
            );
        }
    }

    // Lengths: lossless and AAC (edit list) exact; MP3 trimmed by its LAME tag.
    for ext in ["flac", "m4a", "m4b"] {
        let duration: f64 = ffprobe(&out(ext))["format"]["duration"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!(
            (duration - seconds).abs() < 0.002,
            "{ext}: {duration} s, mix {seconds} s"
        );
    }
    let decoded = project.path("decoded.raw");
    tool(
        "ffmpeg",
        &[
            "-v",
            "error",
            "-i",
            out("mp3").to_str().unwrap(),
            "-f",
            "s16le",
            "-ac",
            "1",
            "-y",
            decoded.to_str().unwrap(),
        ],
    );
    let mp3_seconds =
        fs::metadata(&decoded).unwrap().len() as f64 / 2.0 / f64::from(spec.sample_rate);
    assert!(
        (mp3_seconds - seconds).abs() < 0.002,
        "mp3 decodes to {mp3_seconds} s, mix {seconds} s"
    );

    // Loudness of every audio output, by ffmpeg's meter: -16 LUFS within 1 LU, under -1 dBTP.
    for ext in ["wav", "flac", "mp3", "m4a", "m4b"] {
        let (integrated, peak) = ffmpeg_loudness(&out(ext));
        assert!((integrated + 16.0).abs() <= 1.0, "{ext}: {integrated} LUFS");
        assert!(peak <= -1.0, "{ext}: true peak {peak} dBFS");
    }
    let reports: Vec<&Value> = build
        .messages
        .iter()
        .filter(|m| m["reason"] == "loudness")
        .collect();
    assert_eq!(reports.len(), 2 * 5, "a loudness report per audio output");
    assert!(reports.iter().all(|r| r["ok"] == true));

    // Transcripts.
    let vtt = fs::read_to_string(out("vtt")).unwrap();
    assert!(vtt.starts_with("WEBVTT\n\n"));
    assert_eq!(vtt.matches(" --> ").count(), 5, "a cue per sentence");
    assert!(vtt.contains("<v Tester>Hello there, friend."), "{vtt}");
    assert!(
        vtt.contains("<v Guest>Welcome back; good to see you."),
        "{vtt}"
    );
    let srt = fs::read_to_string(out("srt")).unwrap();
    assert!(srt.starts_with("1\n00:00:"), "{srt}");
    let transcript = json(&out("transcript.json"));
    assert_eq!(transcript["segments"].as_array().unwrap().len(), 5);
    assert_eq!(transcript["segments"][0]["speaker"], "Tester");
}

#[test]
fn cues_start_where_their_sentences_are_heard() {
    let project = Project::fixture();
    crate::common::write_tone(&project.path("media/sting.wav"), 0.8, 22050, 0.5);
    project.edit(
        "podcast.toml",
        "[output]",
        "[intro]\nfile = \"media/sting.wav\"\noverlap = 0.25\n\n[output]",
    );
    project.edit(
        "podcast.toml",
        r#"formats = ["wav"]"#,
        r#"formats = ["wav", "transcript"]"#,
    );
    project.build();
    let (spec, samples) = wav_samples(&fs::read(project.path("target/out/a.wav")).unwrap());
    let rate = f64::from(spec.sample_rate);
    let transcript = json(&project.path("target/out/a.transcript.json"));
    let segments = transcript["segments"].as_array().unwrap();
    // Speech starts where the intro's overlap begins.
    assert!((segments[0]["startTime"].as_f64().unwrap() - 0.55).abs() < 0.002);
    for (n, segment) in segments.iter().enumerate() {
        let start = (segment["startTime"].as_f64().unwrap() * rate) as usize;
        let heard = samples[start..start + (0.05 * rate) as usize]
            .iter()
            .any(|&s| s != 0);
        assert!(heard, "cue {n} has no sound in its first 50 ms");
        if n > 0 {
            // Before it, the gap after the previous sentence: silence.
            let before = &samples[start - (0.06 * rate) as usize..start - (0.005 * rate) as usize];
            assert!(
                before.iter().all(|&s| s == 0),
                "cue {n} starts after its sentence is heard"
            );
        }
    }
}

#[test]
fn each_format_is_its_own_step_keyed_on_its_own_settings() {
    let project = Project::fixture_with_media();
    project.edit(
        "podcast.toml",
        r#"formats = ["wav"]"#,
        r#"formats = ["mp3", "m4b", "vtt", "chapters"]"#,
    );
    project.edit("podcast.toml", "sample_rate = 22050", "sample_rate = 44100");
    project.build();

    // The MP3 bitrate re-encodes the MP3 only.
    project.edit(
        "podcast.toml",
        "channels = 1",
        "channels = 1\nmp3_bitrate = 64",
    );
    let build = project.build();
    assert_eq!(
        executed_kinds(&build),
        kinds(&["mp3", "mp3-tags", "measure"])
    );

    // The music's volume re-mixes and re-encodes; nothing is synthesised or assembled.
    project.edit("podcast.toml", "volume_db = -18", "volume_db = -22");
    let build = project.build();
    let ran = executed_kinds(&build);
    for kind in ["mix", "loudness", "mp3", "aac", "m4b"] {
        assert!(ran.contains(kind), "{kind} should run: {ran:?}");
    }
    for kind in ["tts", "assemble", "timeline", "decode", "vtt", "chapters"] {
        assert!(!ran.contains(kind), "{kind} should not run: {ran:?}");
    }

    // A chapter title rewrites tags and chapters: no speech, no mix, no encode.
    project.edit("episodes/a.md", "# Part two", "# The second part");
    let build = project.build();
    assert_eq!(
        executed_kinds(&build),
        kinds(&["mp3-tags", "m4b", "chapters", "measure"])
    );
    let chapters = json(&project.path("target/out/a.chapters.json"));
    assert_eq!(chapters["chapters"][1]["title"], "The second part");
}

#[test]
fn music_in_every_common_format_decodes() {
    let project = Project::fixture_with_media();
    project.build();
    let wav = project.path("media/bed.wav");
    for (ext, codec) in [
        ("flac", "flac"),
        ("mp3", "libmp3lame"),
        ("ogg", "libvorbis"),
        ("m4a", "aac"),
    ] {
        let converted = project.path(&format!("media/bed.{ext}"));
        tool(
            "ffmpeg",
            &[
                "-v",
                "error",
                "-y",
                "-i",
                wav.to_str().unwrap(),
                "-c:a",
                codec,
                converted.to_str().unwrap(),
            ],
        );
        let toml = project.read("podcast.toml");
        let previous = toml
            .lines()
            .find(|l| l.starts_with("file = \"media/bed."))
            .unwrap()
            .to_string();
        project.edit(
            "podcast.toml",
            &previous,
            &format!("file = \"media/bed.{ext}\""),
        );
        let build = project.build();
        let decoded = build
            .steps()
            .iter()
            .filter(|s| s.kind == "decode" && s.status == StepStatus::Executed)
            .count();
        assert!(decoded >= 1, "{ext}: the bed was decoded");
        assert_eq!(build.executed("tts"), 0);
    }
}

#[test]
fn a_bad_media_file_is_named() {
    let project = Project::fixture_with_media();
    project.build();
    fs::write(project.path("media/bed.wav"), b"this is not audio").unwrap();
    let build = project.build_with(&[]);
    assert_eq!(
        build.code(),
        2,
        "a file that is not audio is found before anything runs"
    );
    let error = &build.errors()[0];
    assert!(
        error.message.as_str().contains("media/bed.wav"),
        "{error:?}"
    );
    assert_eq!(
        (error.file.as_deref(), error.line),
        (Some("podcast.toml"), Some(21))
    );

    fs::remove_file(project.path("media/bed.wav")).unwrap();
    let before = project.target_snapshot();
    let build = project.build_with(&[]);
    assert_eq!(
        build.code(),
        2,
        "a missing file is found before anything runs"
    );
    assert_eq!(project.target_snapshot(), before);
}

#[test]
fn aac_needs_a_sample_rate_its_encoder_handles() {
    let project = Project::fixture();
    project.edit(
        "podcast.toml",
        r#"formats = ["wav"]"#,
        r#"formats = ["m4b"]"#,
    );
    let build = project.build_with(&[]);
    assert_eq!(build.code(), 2);
    assert!(
        build.errors()[0]
            .message
            .as_str()
            .contains("32000 Hz or more")
    );
}

#[test]
fn a_sound_plays_where_it_is_written() {
    let project = Project::fixture();
    crate::common::write_tone(&project.path("episodes/ding.wav"), 0.5, 22050, 0.5);
    project.build();
    let before = wav_samples(&fs::read(project.path("target/out/b.wav")).unwrap())
        .1
        .len();
    project.edit(
        "episodes/b.md",
        "Guest: A guest line.",
        "[sound ding.wav]\n\nGuest: A guest line.",
    );
    let build = project.build();
    assert_eq!(build.executed("tts"), 0);
    let after = wav_samples(&fs::read(project.path("target/out/b.wav")).unwrap())
        .1
        .len();
    // The sound replaces the paragraph gap it stands in (explicit, like a pause).
    assert_eq!(after, before - 900 * 22050 / 1000 + 11025);
}

#[test]
fn status_after_a_music_change_knows_the_transcript_is_fresh() {
    let project = Project::fixture_with_media();
    project.edit(
        "podcast.toml",
        r#"formats = ["wav"]"#,
        r#"formats = ["wav", "vtt"]"#,
    );
    project.build();
    project.edit("podcast.toml", "volume_db = -18", "volume_db = -20");
    let out = project.run(&["status", "--message-format", "json"]);
    assert!(out.status.success());
    let lines: Vec<Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .filter(|m: &Value| m["reason"] == "step" && m["episode"] == "a")
        .collect();
    let status = |kind: &str| -> Vec<String> {
        lines
            .iter()
            .filter(|l| l["kind"] == kind)
            .map(|l| {
                format!(
                    "{} {}",
                    l["status"].as_str().unwrap(),
                    l["dirty"].as_str().unwrap_or("")
                )
            })
            .collect()
    };
    assert_eq!(
        status("mix"),
        vec!["dirty music.volume_mdb -18000 -> -20000"]
    );
    assert_eq!(status("loudness"), vec!["dirty runs after mix"]);
    assert_eq!(status("vtt"), vec!["fresh "]);
    assert_eq!(
        status("tts")
            .iter()
            .filter(|s| s.starts_with("fresh"))
            .count(),
        5
    );
    // And the build then does exactly that.
    let build = project.build();
    assert_eq!(
        executed_kinds(&build),
        kinds(&["mix", "loudness", "wav", "measure"])
    );
}

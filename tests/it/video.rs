//! `mp4`: the episode as H.264 video with its AAC audio, judged by ffprobe
//! and ffmpeg (streams, duration, chapters, decoded pixels), and the video
//! steps' invalidation: a sentence edit re-renders its own chapter's
//! segment only, a caption colour every segment and nothing of the audio,
//! an MP3 setting nothing of the video.

use std::path::Path;
use std::sync::OnceLock;

use pod::message::StepStatus;
use serde_json::Value;

use crate::common::{Project, ffprobe, tool};
use crate::mutation::same_as_clean;

/// Small and slow-moving, so the tests stay quick; a long pause in a.md's
/// second chapter is where the picture must be still.
const VIDEO: &str = "[video]\nsize = \"192x108\"\nfps = 10\nstyle = \"waveform\"\n\
                     background = \"#000000\"\ncolor = \"#00ff00\"\ncaptions = \"burned\"\n\
                     chapter_cards = false\n\n[output]";

pub(crate) fn video_fixture(formats: &str) -> Project {
    let project = Project::fixture();
    project.edit("podcast.toml", "[output]", VIDEO);
    project.edit(
        "podcast.toml",
        "formats = [\"wav\"]",
        &format!("formats = {formats}"),
    );
    // AAC (the video's audio) needs 32 kHz or more.
    project.edit("podcast.toml", "sample_rate = 22050", "sample_rate = 44100");
    project.edit(
        "episodes/a.md",
        "[pause 300ms] After the pause.",
        "[pause 2s] After the pause.",
    );
    project
}

/// Built once; tests that change it work on copies.
fn warm() -> &'static Project {
    static WARM: OnceLock<Project> = OnceLock::new();
    WARM.get_or_init(|| {
        let project = video_fixture("[\"m4b\", \"mp3\", \"mp4\", \"transcript\"]");
        project.build().assert_success();
        project
    })
}

/// ffmpeg decodes every frame of `mp4` without a complaint; no frame but
/// the last is shorter than `frame` ticks, at a chapter's end or for a
/// chapter of no length, since ffmpeg, counting time in frames, would see
/// two frames at one time ("non monotonically increasing dts"); and the
/// video lasts as long as the audio, within a frame.
pub(crate) fn assert_clean_frames(mp4: &Path, frame: u64) {
    let (_, warnings) = tool(
        "ffmpeg",
        &[
            "-v",
            "warning",
            "-i",
            mp4.to_str().unwrap(),
            "-f",
            "null",
            "-",
        ],
    );
    // The one warning every MP4 with cover art gets, from ffmpeg's reading
    // of the cover as a stream.
    let warnings: Vec<&str> = warnings
        .lines()
        .filter(|l| !l.ends_with("stream 0, timescale not set"))
        .collect();
    assert!(warnings.is_empty(), "ffmpeg: {warnings:#?}");
    let (packets, _) = tool(
        "ffprobe",
        &[
            "-v",
            "error",
            "-select_streams",
            "v:0",
            "-show_entries",
            "packet=duration",
            "-of",
            "csv=p=0",
            mp4.to_str().unwrap(),
        ],
    );
    let durations: Vec<u64> = packets.lines().map(|l| l.trim().parse().unwrap()).collect();
    let short: Vec<(usize, u64)> = durations[..durations.len() - 1]
        .iter()
        .copied()
        .enumerate()
        .filter(|(_, d)| *d < frame)
        .collect();
    assert!(short.is_empty(), "frames shorter than a frame: {short:?}");
    let probe = ffprobe(mp4);
    let streams = probe["streams"].as_array().unwrap();
    let duration = |kind: &str| {
        let stream = streams.iter().find(|s| s["codec_type"] == kind).unwrap();
        seconds(&stream["duration"])
    };
    let (video, audio) = (duration("video"), duration("audio"));
    assert!(
        (video - audio).abs() < 0.1,
        "video {video} s, audio {audio} s"
    );
}

fn seconds(value: &Value) -> f64 {
    value.as_str().unwrap().parse().unwrap()
}

/// One decoded frame at `at` seconds, as RGB rows.
pub(crate) fn frame_at(video: &Path, at: f64, width: usize) -> Vec<Vec<[u8; 3]>> {
    let out = tempfile::NamedTempFile::new().unwrap();
    tool(
        "ffmpeg",
        &[
            "-v",
            "error",
            "-y",
            "-ss",
            &format!("{at:.3}"),
            "-i",
            video.to_str().unwrap(),
            "-frames:v",
            "1",
            "-f",
            "rawvideo",
            "-pix_fmt",
            "rgb24",
            out.path().to_str().unwrap(),
        ],
    );
    let bytes = std::fs::read(out.path()).unwrap();
    bytes
        .chunks(width * 3)
        .map(|row| row.chunks(3).map(|p| [p[0], p[1], p[2]]).collect())
        .collect()
}

/// Sentence times from the transcript: (start, end) in seconds.
fn sentence_times(project: &Project, episode: &str) -> Vec<(f64, f64, String)> {
    let transcript: Value =
        serde_json::from_str(&project.read(&format!("target/out/{episode}.transcript.json")))
            .unwrap();
    transcript["segments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            let time = |k: &str| s[k].as_f64().unwrap();
            (
                time("startTime"),
                time("endTime"),
                s["body"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn the_mp4_has_h264_and_aac_the_m4b_duration_and_its_chapters() {
    let project = warm();
    let mp4 = project.path("target/out/a.mp4");
    let probe = ffprobe(&mp4);
    let streams = probe["streams"].as_array().unwrap();
    let video = streams.iter().find(|s| s["codec_type"] == "video").unwrap();
    assert_eq!(video["codec_name"], "h264");
    assert_eq!(video["pix_fmt"], "yuv420p");
    assert_eq!(
        (video["width"].as_u64(), video["height"].as_u64()),
        (Some(192), Some(108))
    );
    let audio = streams.iter().find(|s| s["codec_type"] == "audio").unwrap();
    assert_eq!(audio["codec_name"], "aac");

    // As long as the audiobook, within a frame (fps 10).
    let m4b = ffprobe(&project.path("target/out/a.m4b"));
    let (mp4_s, m4b_s) = (
        seconds(&video["duration"]),
        seconds(&m4b["format"]["duration"]),
    );
    assert!(
        (mp4_s - m4b_s).abs() <= 0.1,
        "video {mp4_s} s, m4b {m4b_s} s"
    );
    // The same chapters, at the same times.
    let starts = |probe: &Value| -> Vec<(String, i64)> {
        probe["chapters"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                let start = seconds(&c["start_time"]);
                (
                    c["tags"]["title"].as_str().unwrap().to_string(),
                    (start * 1000.0).round() as i64,
                )
            })
            .collect()
    };
    assert_eq!(starts(&probe), starts(&m4b));
    assert_eq!(starts(&probe).len(), 2);

    crate::video::assert_clean_frames(&mp4, 44_100 / 10);

    // The thumbnail is a PNG of the video's size; the description has no
    // chapter timestamps (two chapters are too few for YouTube), and the
    // build said why.
    let thumbnail = ffprobe(&project.path("target/out/a.png"));
    assert_eq!(thumbnail["streams"][0]["codec_name"], "png");
    assert_eq!(thumbnail["streams"][0]["width"].as_u64(), Some(192));
    let description = project.read("target/out/a.youtube.txt");
    assert!(
        description.starts_with("The first episode."),
        "{description}"
    );
    assert!(!description.contains("0:00"), "{description}");
}

#[test]
fn captions_are_burned_in_during_speech_and_gone_in_a_pause() {
    let project = warm();
    let mp4 = project.path("target/out/a.mp4");
    let times = sentence_times(project, "a");
    // White caption text in the lower third, mid-sentence; none in the two
    // seconds of silence before "After the pause.".
    let white = |at: f64| -> usize {
        let rows = frame_at(&mp4, at, 192);
        rows[72..]
            .iter()
            .flatten()
            .filter(|p| p.iter().all(|&c| c > 200))
            .count()
    };
    let (start, end) = (times[0].0, times[0].1);
    assert!(white((start + end) / 2.0) > 20, "no caption mid-sentence");
    let last = times
        .iter()
        .position(|t| t.2 == "After the pause.")
        .unwrap();
    let pause = (times[last - 1].1 + times[last].0) / 2.0;
    assert!(times[last].0 - times[last - 1].1 > 1.5, "{times:?}");
    assert_eq!(white(pause), 0, "a caption in the pause at {pause} s");
    // On screen within a frame (0.1 s) of its sentence's start.
    assert!(white(times[last].0 + 0.12) > 20, "late caption");
}

#[test]
fn the_waveform_is_flat_in_a_pause_and_moves_in_speech() {
    let project = warm();
    let mp4 = project.path("target/out/a.mp4");
    let times = sentence_times(project, "a");
    // Rows holding the waveform's green.
    let green_rows = |at: f64| -> usize {
        frame_at(&mp4, at, 192)
            .iter()
            .filter(|row| row.iter().any(|p| p[1] > 150 && p[0] < 100 && p[2] < 100))
            .count()
    };
    let last = times
        .iter()
        .position(|t| t.2 == "After the pause.")
        .unwrap();
    let pause = (times[last - 1].1 + times[last].0) / 2.0;
    // The loudest of a few moments inside the first sentence.
    let (start, end) = (times[0].0, times[0].1);
    let moving = (1..6)
        .map(|k| green_rows(start + (end - start) * f64::from(k) / 6.0))
        .max()
        .unwrap();
    let flat = green_rows(pause);
    assert!(flat <= 4, "{flat} rows of waveform in a pause");
    assert!(moving >= 10, "only {moving} rows of waveform in speech");
}

fn segment_statuses(build: &crate::common::Build) -> Vec<StepStatus> {
    build
        .steps()
        .iter()
        .filter(|s| s.kind == "video-segment" && s.episode == "a")
        .map(|s| s.status)
        .collect()
}

#[test]
fn a_sentence_edit_renders_only_its_own_chapter_again() {
    let project = Project::copy_of(warm());
    // In a.md's second chapter, and longer: the chapter's length changes.
    project.edit(
        "episodes/a.md",
        "After the pause.",
        "After the long pause, at last.",
    );
    let build = project.build();
    build.assert_success();
    assert_eq!(
        segment_statuses(&build),
        [StepStatus::Cached, StepStatus::Executed]
    );
    // b.md's single segment is untouched.
    assert_eq!(build.executed("video-segment"), 1);
    assert_eq!(build.executed("mp4"), 1);
    same_as_clean(&project, &build).unwrap();
}

#[test]
fn a_caption_colour_renders_every_segment_and_nothing_of_the_audio() {
    let project = Project::copy_of(warm());
    project.edit(
        "podcast.toml",
        "chapter_cards = false",
        "chapter_cards = false\ncaption_color = \"#ffff00\"",
    );
    let build = project.build();
    build.assert_success();
    // a.md has two chapters, b.md one.
    assert_eq!(build.executed("video-segment"), 3);
    for audio in ["tts", "assemble", "mix", "loudness", "aac", "mp3"] {
        assert_eq!(build.executed(audio), 0, "{audio} ran");
    }
    same_as_clean(&project, &build).unwrap();
}

#[test]
fn an_mp3_setting_touches_nothing_of_the_video() {
    let project = Project::copy_of(warm());
    project.edit(
        "podcast.toml",
        "channels = 1",
        "channels = 1\nmp3_bitrate = 96",
    );
    let build = project.build();
    build.assert_success();
    assert_eq!(build.executed("mp3"), 2);
    for video in ["video-segment", "mp4", "thumbnail", "aac"] {
        assert_eq!(build.executed(video), 0, "{video} ran");
    }
}

/// Every `[video]` key: the incremental build equals a clean one.
#[test]
fn every_video_key_builds_as_from_clean() {
    let edits: &[(&str, &str)] = &[
        ("size = \"192x108\"", "size = \"108x192\""),
        ("fps = 10", "fps = 5"),
        ("style = \"waveform\"", "style = \"bars\""),
        ("style = \"waveform\"", "style = \"still\""),
        ("background = \"#000000\"", "background = \"#203040\""),
        ("color = \"#00ff00\"", "color = \"#ff0000\""),
        ("captions = \"burned\"", "captions = \"track\""),
        ("captions = \"burned\"", "captions = \"none\""),
        ("chapter_cards = false", "chapter_cards = true"),
        ("background = \"#000000\"", "background = \"media/bg.png\""),
        (
            "chapter_cards = false",
            "chapter_cards = false\ncover = \"media/cover.png\"",
        ),
        (
            "chapter_cards = false",
            "chapter_cards = false\nfont = \"media/font.ttf\"",
        ),
    ];
    let failures: Vec<String> = edits
        .iter()
        .filter_map(|(from, to)| {
            let project = Project::copy_of(warm());
            write_png(&project.path("media/bg.png"), 320, 180, [30, 60, 90]);
            write_png(&project.path("media/cover.png"), 100, 100, [200, 40, 40]);
            std::fs::copy(
                concat!(
                    env!("CARGO_MANIFEST_DIR"),
                    "/third_party/fonts/DejaVuSans.ttf"
                ),
                project.path("media/font.ttf"),
            )
            .unwrap();
            project.edit("podcast.toml", from, to);
            let build = project.build();
            build.assert_success();
            if build.executed("tts") + build.executed("mix") != 0 {
                return Some(format!("{to}: the audio was made again"));
            }
            same_as_clean(&project, &build)
                .err()
                .map(|e| format!("{to}: {e}"))
        })
        .collect();
    assert!(failures.is_empty(), "{failures:#?}");
}

/// A PNG of one colour, made with the `image` crate.
pub(crate) fn write_png(path: &Path, width: u32, height: u32, rgb: [u8; 3]) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    image::RgbImage::from_pixel(width, height, image::Rgb(rgb))
        .save(path)
        .unwrap();
}

/// Front matter's `[video]` changes that episode's video only.
#[test]
fn an_episodes_own_video_table_renders_only_that_episode() {
    let project = Project::copy_of(warm());
    project.edit(
        "episodes/b.md",
        "number = 2",
        "number = 2\n\n[video]\nstyle = \"bars\"",
    );
    let build = project.build();
    let rendered: Vec<&str> = build
        .steps()
        .iter()
        .filter(|s| s.kind == "video-segment" && s.status == StepStatus::Executed)
        .map(|s| s.episode.as_str())
        .collect();
    assert_eq!(rendered, ["b"]);
    assert_eq!(build.executed("tts") + build.executed("mix"), 0);
    same_as_clean(&project, &build).unwrap();
}

#[test]
fn a_subtitle_track_when_captions_are_a_track() {
    let project = video_fixture("[\"mp4\"]");
    project.edit(
        "podcast.toml",
        "captions = \"burned\"",
        "captions = \"track\"",
    );
    project.build().assert_success();
    let probe = ffprobe(&project.path("target/out/b.mp4"));
    let subtitles: Vec<&Value> = probe["streams"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["codec_type"] == "subtitle")
        .collect();
    assert_eq!(subtitles.len(), 1, "{probe}");
    assert_eq!(subtitles[0]["codec_name"], "mov_text");
    let (srt, _) = tool(
        "ffmpeg",
        &[
            "-v",
            "error",
            "-i",
            project.path("target/out/b.mp4").to_str().unwrap(),
            "-map",
            "0:s:0",
            "-f",
            "srt",
            "-",
        ],
    );
    assert!(srt.contains("A guest line."), "{srt}");
}

#[test]
fn bad_video_settings_are_located_errors_that_change_nothing() {
    let project = Project::copy_of(warm());
    let before = project.target_snapshot();
    let cases: &[(&str, &str, &str)] = &[
        ("size = \"192x108\"", "size = \"191x108\"", "odd"),
        ("size = \"192x108\"", "size = \"8192x108\"", "too large"),
        ("size = \"192x108\"", "size = \"big\"", "not a size"),
        ("size = \"192x108\"", "size = \"192x8\"", "at least 16"),
        ("fps = 10", "fps = 0", "between 1 and 60"),
        (
            "style = \"waveform\"",
            "style = \"wavefrom\"",
            "did you mean \"waveform\"",
        ),
        ("color = \"#00ff00\"", "color = \"green\"", "not a colour"),
        (
            "background = \"#000000\"",
            "background = \"#00000\"",
            "not a colour",
        ),
        (
            "background = \"#000000\"",
            "background = \"media/bg.gif\"",
            "not a PNG or JPEG",
        ),
        (
            "captions = \"burned\"",
            "captions = \"soft\"",
            "is not one of",
        ),
        (
            "chapter_cards = false",
            "chapter_cards = false\ncolour = \"#ffffff\"",
            "unknown field `colour`",
        ),
    ];
    for (from, to, expected) in cases {
        let broken = Project::copy_of(&project);
        broken.edit("podcast.toml", from, to);
        let build = broken.build_with(&[]);
        assert_ne!(build.code(), 0, "{to}");
        let errors = build.errors();
        assert_eq!(errors.len(), 1, "{to}: {errors:?}");
        assert!(
            errors[0].message.contains(expected),
            "{to}: {}",
            errors[0].message
        );
        assert_eq!(
            errors[0]
                .file
                .as_deref()
                .map(|f| f.ends_with("podcast.toml")),
            Some(true),
            "{to}"
        );
        assert!(errors[0].line.is_some(), "{to}");
        assert_eq!(broken.target_snapshot(), before, "{to} changed the target");
    }
    // An image that is not one: named, and nothing published changes.
    project.write("media/cover.png", "not a png\n");
    project.edit(
        "podcast.toml",
        "background = \"#000000\"",
        "cover = \"media/cover.png\"\nbackground = \"#000000\"",
    );
    let build = project.build_with(&[]);
    assert_ne!(build.code(), 0);
    let message = &build.errors()[0].message;
    assert!(message.contains("media/cover.png"), "{message}");
    let after = project.target_snapshot();
    for (path, bytes) in &before {
        if path.starts_with("pod") && !path.to_string_lossy().contains(".json") {
            assert_eq!(after.get(path), Some(bytes), "{path:?} changed");
        }
    }
}

/// Headless Chromium (Debian's, installed by `scripts/test`) plays the MP4
/// in a `<video>` element from a file next to the page: it gets to
/// `canplaythrough` with the episode's duration, and seeking to the second
/// chapter's start lands there. The page posts what it saw to a listener
/// here, so a slow machine only makes the test wait.
#[test]
fn chromium_plays_the_mp4_and_seeks_to_a_chapter() {
    let project = warm();
    let probe = ffprobe(&project.path("target/out/a.mp4"));
    let duration = seconds(&probe["format"]["duration"]);
    let chapter = seconds(&probe["chapters"][1]["start_time"]);
    let reports = crate::common::browser::Reports::new();
    let page = tempfile::TempDir::new().unwrap();
    std::fs::copy(project.path("target/out/a.mp4"), page.path().join("a.mp4")).unwrap();
    std::fs::write(
        page.path().join("index.html"),
        format!(
            "<!doctype html><video id=v src=a.mp4 preload=auto muted></video><script>\
             const v = document.getElementById('v');\
             const report = r => fetch('{url}', {{method: 'POST', mode: 'no-cors', body: JSON.stringify(r)}});\
             v.onerror = () => report({{error: v.error && v.error.code}});\
             v.addEventListener('canplaythrough', () => {{\
               const duration = v.duration;\
               v.addEventListener('seeked', () => report({{duration, at: v.currentTime, width: v.videoWidth}}), {{once: true}});\
               v.currentTime = {chapter};\
             }}, {{once: true}});\
             </script>",
            url = reports.url()
        ),
    )
    .unwrap();
    let played = reports.open(&page.path().join("index.html"));
    assert!(
        played.get("error").is_none(),
        "Chromium could not play it: {played}"
    );
    let played_duration = played["duration"].as_f64().unwrap();
    assert!(
        (played_duration - duration).abs() < 0.1,
        "{played} vs {duration}"
    );
    assert!(
        (played["at"].as_f64().unwrap() - chapter).abs() < 0.1,
        "{played} vs {chapter}"
    );
    assert_eq!(played["width"].as_u64(), Some(192));
}

/// Kind -> how many steps `pod status` says would run.
fn status_would_run(project: &Project) -> std::collections::BTreeMap<String, usize> {
    let out = project.run(&["status", "--message-format", "json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut counts = std::collections::BTreeMap::new();
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        if let Ok(pod::message::Message::Step(step)) = serde_json::from_str(line)
            && step.status == StepStatus::Dirty
        {
            *counts.entry(step.kind).or_default() += 1;
        }
    }
    counts
}

fn executed(build: &crate::common::Build) -> std::collections::BTreeMap<String, usize> {
    let mut counts = std::collections::BTreeMap::new();
    for step in build.steps() {
        if step.status == StepStatus::Executed {
            *counts.entry(step.kind.clone()).or_default() += 1;
        }
    }
    counts
}

/// `pod status` predicts the video steps exactly where it can know them (a
/// caption colour, an MP3 setting, the thumbnail after any edit). After a
/// sentence edit it cannot know the chapters' lengths before the sentence is
/// spoken, so it counts every segment of that episode; the build then
/// renders only the edited chapter's.
#[test]
fn status_predicts_the_video_steps() {
    let project = Project::copy_of(warm());
    for (from, to) in [
        (
            "chapter_cards = false",
            "chapter_cards = false\ncaption_color = \"#ff00ff\"",
        ),
        ("channels = 1", "channels = 1\nmp3_bitrate = 64"),
    ] {
        project.edit("podcast.toml", from, to);
        let would = status_would_run(&project);
        assert_eq!(would, executed(&project.build()), "{to}");
    }
    project.edit("episodes/a.md", "After the pause.", "After a pause.");
    let mut would = status_would_run(&project);
    let ran = executed(&project.build());
    assert_eq!(would.remove("video-segment"), Some(2));
    assert_eq!(ran.get("video-segment"), Some(&1));
    assert!(!would.contains_key("thumbnail"));
    let mut ran_but_segments = ran.clone();
    ran_but_segments.remove("video-segment");
    assert_eq!(would, ran_but_segments);
}

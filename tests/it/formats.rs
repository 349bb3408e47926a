//! What each audio container carries, checked by independent tools: the MP3's
//! LAME/Info header (ffmpeg decodes it in line with the mix, ffprobe reads
//! its exact length), FLAC's Vorbis comments, picture and chapters, and WAV's
//! LIST/INFO chunk (ffprobe and mutagen).

use std::fs;
use std::ops::Range;
use std::path::Path;
use std::sync::OnceLock;

use crate::common::{Project, tool, wav_samples};
use pod::message::StepStatus;
use serde_json::Value;

const RATE: usize = 44100;

/// A speech-only project (no music: its last sound is speech) built once
/// with every audio format and a cover.
fn built() -> &'static Project {
    static BUILT: OnceLock<Project> = OnceLock::new();
    BUILT.get_or_init(|| {
        let project = Project::fixture();
        project.edit(
            "podcast.toml",
            r#"formats = ["wav"]"#,
            r#"formats = ["wav", "flac", "mp3", "chapters"]"#,
        );
        project.edit("podcast.toml", "sample_rate = 22050", "sample_rate = 44100");
        fs::write(project.path("cover.png"), crate::common::PNG).unwrap();
        project.edit(
            "podcast.toml",
            "episodes = [",
            "cover = \"cover.png\"\nepisodes = [",
        );
        project.build();
        project
    })
}

/// The mix of a mono project, from the published WAV, as floats, and its rate.
fn mix_and_rate(project: &Project) -> (Vec<f32>, usize) {
    let (spec, samples) = wav_samples(&fs::read(project.path("target/out/a.wav")).unwrap());
    assert_eq!(spec.channels, 1);
    let samples = samples.iter().map(|&s| f32::from(s) / 32768.0).collect();
    (samples, spec.sample_rate as usize)
}

fn mix(project: &Project) -> Vec<f32> {
    let (samples, rate) = mix_and_rate(project);
    assert_eq!(rate, RATE);
    samples
}

/// A file decoded by ffmpeg (not by pod) to mono floats at `rate`.
fn ffmpeg_decode(project: &Project, file: &Path, rate: usize) -> Vec<f32> {
    // Tests share `built()` and run at once: each input decodes to its own file.
    let name = file.file_name().unwrap().to_str().unwrap();
    let raw = project.path(&format!("decoded-{name}-{rate}.f32"));
    tool(
        "ffmpeg",
        &[
            "-v",
            "error",
            "-i",
            file.to_str().unwrap(),
            "-f",
            "f32le",
            "-ac",
            "1",
            "-ar",
            &rate.to_string(),
            "-y",
            raw.to_str().unwrap(),
        ],
    );
    fs::read(&raw)
        .unwrap()
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes(b.try_into().unwrap()))
        .collect()
}

/// The shift (in samples) of `decoded` against `reference` over `window`
/// that maximises their cross-correlation; positive means `decoded` is late.
fn lag(reference: &[f32], decoded: &[f32], window: Range<usize>, max: i64) -> i64 {
    let at = |i: i64| {
        usize::try_from(i)
            .ok()
            .and_then(|i| decoded.get(i))
            .copied()
            .unwrap_or(0.0)
    };
    (-max..=max)
        .map(|shift| {
            let score: f64 = window
                .clone()
                .map(|i| f64::from(reference[i]) * f64::from(at(i as i64 + shift)))
                .sum();
            (shift, score)
        })
        .max_by(|a, b| a.1.total_cmp(&b.1))
        .unwrap()
        .0
}

#[test]
fn mp3_decoded_by_ffmpeg_lines_up_with_the_mix_at_both_ends() {
    assert_mp3_lines_up_with_the_mix(built());
}

/// VBR (a Xing rather than an Info header) at 22,050 Hz (MPEG-2: 576-sample frames).
#[test]
fn vbr_mp3_at_a_low_rate_lines_up_with_the_mix_too() {
    let project = Project::fixture();
    project.edit(
        "podcast.toml",
        r#"formats = ["wav"]"#,
        "formats = [\"wav\", \"mp3\"]\nmp3_quality = 4",
    );
    project.build();
    let bytes = fs::read(project.path("target/out/a.mp3")).unwrap();
    assert!(bytes.windows(4).any(|w| w == b"Xing"), "no Xing header");
    assert_mp3_lines_up_with_the_mix(&project);
}

fn assert_mp3_lines_up_with_the_mix(project: &Project) {
    let (mix, rate) = mix_and_rate(project);
    let mp3 = ffmpeg_decode(project, &project.path("target/out/a.mp3"), rate);
    let one_ms = (rate / 1000) as i64;
    let window = rate / 2;
    // Half a second at each end of the mix; the search reaches far past the
    // 2257 samples an untrimmed LAME stream is late by.
    let start = lag(&mix, &mp3, 0..window, 3000);
    let end = lag(&mix, &mp3, mix.len() - window..mix.len(), 3000);
    assert!(
        start.abs() <= one_ms && end.abs() <= one_ms,
        "the MP3 is {start} samples off the mix at the start, {end} at the end"
    );
    let missing = mix.len() as i64 - mp3.len() as i64;
    assert!(
        missing.abs() <= one_ms,
        "the MP3 decodes to {} samples, the mix has {}",
        mp3.len(),
        mix.len()
    );
}

#[test]
fn mp3_header_gives_ffprobe_and_mutagen_the_exact_length() {
    let project = built();
    let mix_samples = mix(project).len() as i64;
    let mp3 = project.path("target/out/a.mp3");
    let (stdout, stderr) = tool(
        "ffprobe",
        &[
            "-hide_banner",
            "-select_streams",
            "a:0",
            "-show_entries",
            "stream=time_base,sample_rate:packet=duration:packet_side_data=skip_samples,discard_padding",
            "-of",
            "json",
            mp3.to_str().unwrap(),
        ],
    );
    assert!(
        !stderr.contains("Estimating duration from bitrate"),
        "ffprobe found no Xing/Info header: {stderr}"
    );
    // ffprobe's `duration` is that of whole frames; what it trims is in the
    // packets: the encoder delay skipped from the first, padding discarded
    // from the last, both read from the LAME tag.
    let probe: Value = serde_json::from_str(&stdout).unwrap();
    let stream = &probe["streams"][0];
    let (one, per_second) = stream["time_base"]
        .as_str()
        .unwrap()
        .split_once('/')
        .unwrap();
    assert_eq!(one, "1");
    let per_second: i64 = per_second.parse().unwrap();
    let rate: i64 = stream["sample_rate"].as_str().unwrap().parse().unwrap();
    let side = |packet: &Value, field: &str| -> i64 {
        packet["side_data_list"].as_array().map_or(0, |list| {
            list.iter().filter_map(|d| d[field].as_i64()).sum()
        })
    };
    let packets = probe["packets"].as_array().unwrap();
    let mut samples = 0;
    for packet in packets {
        samples += packet["duration"].as_i64().unwrap() * rate / per_second;
        samples -= side(packet, "skip_samples") + side(packet, "discard_padding");
    }
    assert!(side(&packets[0], "skip_samples") > 0, "no encoder delay");
    assert_eq!(
        samples, mix_samples,
        "ffprobe's trimmed length against the mix"
    );

    // mutagen reads the same header on its own.
    let length: f64 = mutagen(&format!(
        "import mutagen.mp3\nf = mutagen.mp3.MP3({mp3:?})\nprint(f.info.length, f.info.encoder_info)"
    ))
    .split_whitespace()
    .next()
    .unwrap()
    .parse()
    .unwrap();
    let mix_seconds = mix_samples as f64 / RATE as f64;
    assert!(
        (length - mix_seconds).abs() < 0.000_1,
        "mutagen: {length} s, mix: {mix_seconds} s"
    );
}

/// Runs a Python snippet that uses mutagen; returns its stdout.
fn mutagen(script: &str) -> String {
    let output = std::process::Command::new("python3")
        .args(["-c", &format!("import mutagen\n{script}")])
        .output()
        .expect("python3 is needed by this test");
    assert!(
        output.status.success(),
        "mutagen (pip install mutagen; `bash scripts/test` does) failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

/// `(title, start in seconds)` of each chapter in the Podcasting 2.0 JSON.
fn expected_chapters(project: &Project) -> Vec<(String, f64)> {
    let json: Value =
        serde_json::from_slice(&fs::read(project.path("target/out/a.chapters.json")).unwrap())
            .unwrap();
    let chapters: Vec<(String, f64)> = json["chapters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            let title = c["title"].as_str().unwrap().to_string();
            (title, c["startTime"].as_f64().unwrap())
        })
        .collect();
    assert_eq!(chapters.len(), 2);
    chapters
}

/// A format-level tag from ffprobe, whatever the case of its key.
fn probe_tag(probe: &Value, key: &str) -> Option<String> {
    probe["format"]["tags"]
        .as_object()?
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(key))
        .map(|(_, v)| v.as_str().unwrap().to_string())
}

#[test]
fn flac_carries_tags_chapters_and_cover() {
    let project = built();
    let flac = project.path("target/out/a.flac");
    let probe = crate::common::ffprobe(&flac);
    for (key, want) in [
        ("title", "Alpha"),
        ("album", "Test Show"),
        ("artist", "Tester"),
        ("track", "1"),
        ("date", "2026-01-01"),
        ("comment", "The first episode."),
    ] {
        assert_eq!(probe_tag(&probe, key).as_deref(), Some(want), "FLAC {key}");
    }
    let found = crate::common::probe_chapters(&probe);
    let expected = expected_chapters(project);
    assert_eq!(found.len(), expected.len(), "FLAC chapters: {found:?}");
    for ((title, start), (want_title, want_start)) in found.iter().zip(&expected) {
        assert_eq!(title, want_title);
        assert!((start - want_start).abs() < 0.001, "{title} at {start}");
    }
    let cover = probe["streams"]
        .as_array()
        .unwrap()
        .iter()
        .any(|s| s["disposition"]["attached_pic"] == 1);
    assert!(cover, "ffprobe sees no cover in the FLAC");

    // mutagen: the same tags, the cover's exact bytes, and the stream's length.
    let out = mutagen(&format!(
        "import mutagen.flac\nf = mutagen.flac.FLAC({flac:?})\n\
         print(f.info.total_samples)\n\
         for k in ['title', 'album', 'artist', 'tracknumber', 'date', 'description', \
                   'chapter001', 'chapter001name', 'chapter002', 'chapter002name']:\n    \
             print(k, '=', f[k][0])\n\
         p = f.pictures[0]\nprint(p.type, p.mime, p.data.hex())"
    ));
    let lines: Vec<&str> = out.lines().collect();
    let samples: usize = lines[0].parse().unwrap();
    assert_eq!(samples, mix(project).len(), "mutagen: FLAC sample count");
    let field = |key: &str| -> String {
        let prefix = format!("{key} = ");
        let line = lines.iter().find(|l| l.starts_with(&prefix)).unwrap();
        line[prefix.len()..].to_string()
    };
    assert_eq!(field("title"), "Alpha");
    assert_eq!(field("album"), "Test Show");
    assert_eq!(field("artist"), "Tester");
    assert_eq!(field("tracknumber"), "1");
    assert_eq!(field("date"), "2026-01-01");
    assert_eq!(field("description"), "The first episode.");
    assert_eq!(field("chapter001"), "00:00:00.000");
    assert_eq!(field("chapter001name"), "Alpha");
    let second_ms = (expected[1].1 * 1000.0).round() as u64;
    assert_eq!(
        field("chapter002"),
        format!("00:00:{:02}.{:03}", second_ms / 1000, second_ms % 1000)
    );
    assert_eq!(field("chapter002name"), "Part two");
    assert_eq!(
        lines.last().unwrap(),
        &format!("3 image/png {}", hex(crate::common::PNG)),
        "mutagen: front cover, PNG, the cover's bytes"
    );

    // The audio is the mix, sample for sample (decoded by ffmpeg).
    let decoded = ffmpeg_decode(project, &flac, RATE);
    assert!(
        decoded == mix(project),
        "the FLAC's audio differs from the mix"
    );
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[test]
fn wav_carries_its_tags_in_a_list_info_chunk() {
    let project = built();
    let wav = project.path("target/out/a.wav");
    let probe = crate::common::ffprobe(&wav);
    for (key, want) in [
        ("title", "Alpha"),
        ("album", "Test Show"),
        ("artist", "Tester"),
        ("track", "1"),
        ("date", "2026-01-01"),
        ("comment", "The first episode."),
    ] {
        assert_eq!(probe_tag(&probe, key).as_deref(), Some(want), "WAV {key}");
    }
    // mutagen's RIFF reader walks the chunks (checking every size on the way).
    let out = mutagen(&format!(
        "import mutagen.wave\nfrom mutagen._riff import RiffFile\n\
         print(mutagen.wave.WAVE({wav:?}).info.length)\n\
         riff = RiffFile(open({wav:?}, 'rb'))\n\
         print(' '.join(c.id for c in riff.root.subchunks()))\n\
         info = [c for c in riff.root.subchunks() if c.id == 'LIST'][0]\n\
         print(info.name)\n\
         for c in info.subchunks():\n    print(c.id, '=', c.read().rstrip(b'\\0').decode())"
    ));
    let lines: Vec<&str> = out.lines().collect();
    let length: f64 = lines[0].parse().unwrap();
    let mix_seconds = mix(project).len() as f64 / RATE as f64;
    assert!((length - mix_seconds).abs() < 1e-6, "mutagen: {length} s");
    assert_eq!(lines[1], "fmt data LIST", "chunks");
    assert_eq!(lines[2], "INFO");
    assert_eq!(
        lines[3..],
        [
            "INAM = Alpha",
            "IPRD = Test Show",
            "IART = Tester",
            "ITRK = 1",
            "ICRD = 2026-01-01",
            "ICMT = The first episode.",
        ]
    );
}

#[test]
fn a_title_change_retags_flac_and_wav_without_re_encoding() {
    let project = Project::copy_of(built());
    project.edit("episodes/a.md", "title = \"Alpha\"", "title = \"Alpha!\"");
    let build = project.build();
    let ran: std::collections::BTreeSet<&str> = build
        .steps()
        .iter()
        .filter(|s| s.status == StepStatus::Executed)
        .map(|s| s.kind.as_str())
        .collect();
    assert_eq!(
        ran,
        ["chapters", "flac-tags", "measure", "mp3-tags", "wav"]
            .into_iter()
            .collect(),
        "the FLAC and MP3 are not re-encoded"
    );
    let probe = crate::common::ffprobe(&project.path("target/out/a.flac"));
    assert_eq!(probe_tag(&probe, "title").as_deref(), Some("Alpha!"));
}

/// An MP3 has exactly the sample rate and bitrate asked for (LAME would
/// otherwise resample low bitrates, clamp high ones, or write no LAME tag),
/// and a bitrate the rate cannot carry is refused where it is written.
#[test]
fn mp3_rate_and_bitrate_are_what_the_config_says_or_refused_there() {
    let project = Project::fixture();
    project.edit(
        "podcast.toml",
        r#"formats = ["wav"]"#,
        r#"formats = ["mp3"]"#,
    );
    let probe = |project: &Project| {
        let probe = crate::common::ffprobe(&project.path("target/out/a.mp3"));
        let stream = &probe["streams"][0];
        (
            stream["sample_rate"].as_str().unwrap().to_string(),
            stream["bit_rate"].as_str().unwrap().to_string(),
        )
    };
    // 40 kbps at 32 kHz: LAME chose a lower rate for it, then had no room
    // for its tag.
    project.edit(
        "podcast.toml",
        "sample_rate = 22050",
        "sample_rate = 32000\nmp3_bitrate = 40",
    );
    project.build();
    assert_eq!(probe(&project), ("32000".into(), "40000".into()));
    // Unset at 8 kHz: the most that rate carries, not a silent 128 -> 64.
    project.edit(
        "podcast.toml",
        "sample_rate = 32000\nmp3_bitrate = 40",
        "sample_rate = 8000",
    );
    project.build();
    assert_eq!(probe(&project), ("8000".into(), "64000".into()));

    project.edit(
        "podcast.toml",
        "sample_rate = 8000",
        "sample_rate = 22050\nmp3_bitrate = 320",
    );
    let before = project.target_snapshot();
    let refused = project.build_with(&[]);
    // 2: the project is wrong, as for every config error.
    assert_eq!(refused.code(), 2);
    let errors = refused.errors();
    let error = errors[0];
    assert_eq!(
        error.message,
        "an MP3 at 22050 Hz (mono) cannot be 320 kbps"
    );
    assert!(
        error
            .help
            .as_deref()
            .unwrap()
            .contains("64, 80, 96, 112, 128, 160 kbps"),
        "{error:?}"
    );
    assert!(error.file.as_deref().unwrap().ends_with("podcast.toml"));
    let text = project.read("podcast.toml");
    let line = text.lines().position(|l| l == "mp3_bitrate = 320").unwrap() + 1;
    assert_eq!(error.line, Some(line as u64));
    assert_eq!(project.target_snapshot(), before, "nothing written");
}

//! Helpers for driving the real `pod` binary on real projects in temp dirs.
#![allow(dead_code)]

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Output;

use assert_cmd::Command;
use pod::message::{self, BuildFinished, Message, StepStatus};
use serde_json::Value;
use tempfile::TempDir;

pub mod browser;
pub mod nginx;

pub const FIXTURE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/show");

/// A copy of a fixture project in its own temporary directory.
pub struct Project {
    dir: TempDir,
}

impl Project {
    pub fn fixture() -> Project {
        let project = Project {
            dir: TempDir::new().unwrap(),
        };
        copy_dir(Path::new(FIXTURE), project.root());
        project
    }

    /// A copy of another project, target directory (warm cache) included.
    pub fn copy_of(other: &Project) -> Project {
        let project = Project {
            dir: TempDir::new().unwrap(),
        };
        copy_dir(other.root(), project.root());
        project
    }

    pub fn root(&self) -> &Path {
        self.dir.path()
    }

    pub fn path(&self, relative: &str) -> PathBuf {
        self.root().join(relative)
    }

    pub fn read(&self, relative: &str) -> String {
        fs::read_to_string(self.path(relative)).unwrap()
    }

    pub fn write(&self, relative: &str, text: &str) {
        let path = self.path(relative);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, text).unwrap();
    }

    /// Replaces exactly one occurrence of `from` in a file.
    pub fn edit(&self, relative: &str, from: &str, to: &str) {
        let text = self.read(relative);
        assert_eq!(
            text.matches(from).count(),
            1,
            "{from:?} must occur once in {relative}"
        );
        self.write(relative, &text.replacen(from, to, 1));
    }

    pub fn pod(&self) -> Command {
        let mut cmd = Command::cargo_bin("pod").unwrap();
        cmd.current_dir(self.root())
            .env_remove("POD_TARGET_DIR")
            .env("CI", "1");
        cmd
    }

    /// `pod build --message-format json` plus `extra` arguments.
    pub fn build_with(&self, extra: &[&str]) -> Build {
        self.build_in_env(&[], extra)
    }

    /// `build_with`, with environment variables set for pod.
    pub fn build_in_env(&self, env: &[(&str, &str)], extra: &[&str]) -> Build {
        let output = self
            .pod()
            .envs(env.iter().copied())
            .args(["build", "--message-format", "json"])
            .args(extra)
            .output()
            .unwrap();
        Build::parse(output, self.root().join("target"))
    }

    pub fn build(&self) -> Build {
        let build = self.build_with(&[]);
        build.assert_success();
        build
    }

    /// Every file under the target directory with its bytes.
    pub fn target_snapshot(&self) -> BTreeMap<PathBuf, Vec<u8>> {
        snapshot(&self.path("target"))
    }
}

pub fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut files = BTreeMap::new();
    fn walk(base: &Path, dir: &Path, files: &mut BTreeMap<PathBuf, Vec<u8>>) {
        let Ok(entries) = fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let kind = entry.file_type().unwrap();
            if kind.is_dir() {
                walk(base, &path, files);
            } else {
                let bytes = if kind.is_symlink() {
                    Vec::new()
                } else {
                    fs::read(&path).unwrap()
                };
                files.insert(path.strip_prefix(base).unwrap().to_path_buf(), bytes);
            }
        }
    }
    walk(dir, dir, &mut files);
    files
}

pub fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap().flatten() {
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// The JSON messages of one build.
pub struct Build {
    pub output: Output,
    /// Every line as loose JSON, for tests that look at a line whole.
    pub messages: Vec<Value>,
    /// The same lines as pod's own message types.
    pub typed: Vec<Message>,
    pub target: PathBuf,
}

impl Build {
    fn parse(output: Output, target: PathBuf) -> Build {
        let stdout = String::from_utf8_lossy(&output.stdout);
        let typed = stdout
            .lines()
            .map(|line| {
                serde_json::from_str(line).unwrap_or_else(|e| panic!("bad message {line:?}: {e}"))
            })
            .collect();
        let messages = stdout
            .lines()
            .map(|line| serde_json::from_str(line).unwrap())
            .collect();
        Build {
            output,
            messages,
            typed,
            target,
        }
    }

    pub fn code(&self) -> i32 {
        self.output.status.code().unwrap_or(-1)
    }

    pub fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.output.stderr).into_owned()
    }

    pub fn assert_success(&self) {
        assert_eq!(
            self.code(),
            0,
            "build failed:\nstdout: {}\nstderr: {}",
            String::from_utf8_lossy(&self.output.stdout),
            self.stderr()
        );
    }

    pub fn steps(&self) -> Vec<&message::Step> {
        self.typed
            .iter()
            .filter_map(|m| match m {
                Message::Step(step) => Some(step),
                _ => None,
            })
            .collect()
    }

    pub fn finished(&self) -> &BuildFinished {
        let finished: Vec<&BuildFinished> = self
            .typed
            .iter()
            .filter_map(|m| match m {
                Message::BuildFinished(finished) => Some(finished),
                _ => None,
            })
            .collect();
        assert_eq!(finished.len(), 1, "exactly one build-finished message");
        finished[0]
    }

    pub fn errors(&self) -> Vec<&message::Diagnostic> {
        self.typed
            .iter()
            .filter_map(|m| match m {
                Message::Error(error) => Some(error),
                _ => None,
            })
            .collect()
    }

    pub fn warnings(&self) -> Vec<&message::Diagnostic> {
        self.typed
            .iter()
            .filter_map(|m| match m {
                Message::Warning(warning) => Some(warning),
                _ => None,
            })
            .collect()
    }

    /// How many steps of a kind ended in `status`.
    fn count(&self, kind: &str, status: StepStatus) -> u64 {
        self.steps()
            .iter()
            .filter(|s| s.kind == kind && s.status == status)
            .count() as u64
    }

    /// `executed` count of a step kind.
    pub fn executed(&self, kind: &str) -> u64 {
        self.count(kind, StepStatus::Executed)
    }

    pub fn cached(&self, kind: &str) -> u64 {
        self.count(kind, StepStatus::Cached)
    }

    /// The text parts of every sentence this build synthesised, from the action records.
    pub fn synthesised_parts(&self) -> Vec<Vec<String>> {
        self.steps()
            .iter()
            .filter(|s| s.kind == "tts" && s.status == StepStatus::Executed)
            .map(|s| {
                let key = s.key.as_deref().unwrap();
                let record = self
                    .target
                    .join("cache/ac")
                    .join(&key[..2])
                    .join(format!("{key}.json"));
                let record: Value = serde_json::from_slice(&fs::read(&record).unwrap()).unwrap();
                record["input"]["parts"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .filter_map(|p| p["text"].as_str().map(str::to_string))
                    .collect()
            })
            .collect()
    }

    /// The text of every sentence this build synthesised, from the action records.
    pub fn synthesised_texts(&self) -> BTreeSet<String> {
        self.synthesised_parts()
            .iter()
            .map(|parts| parts.join(" "))
            .collect()
    }

    /// Published outputs: (episode, format) -> bytes.
    pub fn outputs(&self) -> BTreeMap<(String, String), Vec<u8>> {
        self.finished()
            .outputs
            .iter()
            .map(|o| {
                // The show's files (feed, site) are told apart by their
                // names under `out/`, the same in any target directory.
                let what = match o.path.rsplit_once("out/") {
                    Some((_, name)) if o.episode == "@show" => name.to_string(),
                    _ => o.format.clone(),
                };
                ((o.episode.clone(), what), fs::read(&o.path).unwrap())
            })
            .collect()
    }
}

/// Samples of a 16-bit WAV file, read with hound.
pub fn wav_samples(bytes: &[u8]) -> (hound::WavSpec, Vec<i16>) {
    let reader = hound::WavReader::new(std::io::Cursor::new(bytes)).unwrap();
    let spec = reader.spec();
    let samples = reader.into_samples::<i16>().map(Result::unwrap).collect();
    (spec, samples)
}

impl Project {
    /// Keys of every action record in the cache.
    pub fn cached_keys(&self) -> BTreeSet<String> {
        snapshot(&self.path("target/cache/ac"))
            .keys()
            .filter_map(|p| p.file_stem().and_then(|s| s.to_str()).map(str::to_string))
            .collect()
    }

    /// Runs pod with `args` in the project; returns the output.
    pub fn run(&self, args: &[&str]) -> Output {
        self.pod().args(args).output().unwrap()
    }
}

impl Build {
    /// Keys of this build's steps, optionally of one kind and/or one episode.
    pub fn keys(&self, kind: Option<&str>, episode: Option<&str>) -> BTreeSet<String> {
        self.steps()
            .iter()
            .filter(|s| kind.is_none_or(|k| s.kind == k))
            .filter(|s| episode.is_none_or(|e| s.episode == e))
            .map(|s| s.key.clone().unwrap())
            .collect()
    }

    /// The `dirty` reason of each executed step, by kind.
    pub fn dirty(&self, kind: &str) -> Vec<String> {
        self.steps()
            .iter()
            .filter(|s| s.kind == kind && s.status == StepStatus::Executed)
            .map(|s| s.dirty.clone().unwrap_or_else(|| "<none>".to_string()))
            .collect()
    }
}

/// Writes a mono 16-bit WAV of `seconds` of a soft chord (a stand-in for music).
pub fn write_tone(path: &Path, seconds: f32, rate: u32, gain: f32) {
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: rate,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut writer = hound::WavWriter::create(path, spec).unwrap();
    for i in 0..(seconds * rate as f32) as u32 {
        let t = i as f32 / rate as f32;
        let v = [220.0f32, 277.2, 329.6]
            .iter()
            .map(|f| (t * f * std::f32::consts::TAU).sin())
            .sum::<f32>()
            / 3.0;
        writer.write_sample((v * gain * 32767.0) as i16).unwrap();
    }
    writer.finalize().unwrap();
}

/// Runs a tool (ffprobe, ffmpeg) and returns its stdout and stderr.
pub fn tool(program: &str, args: &[&str]) -> (String, String) {
    let output = std::process::Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|e| {
            panic!(
                "{program} is needed by this test (install ffmpeg; `bash scripts/test` does): {e}"
            )
        });
    assert!(
        output.status.success(),
        "{program} {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    (
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// ffmpeg's EBU R128 meter: (integrated LUFS, true peak dBFS).
pub fn ffmpeg_loudness(path: &Path) -> (f64, f64) {
    let (_, stderr) = tool(
        "ffmpeg",
        &[
            "-hide_banner",
            "-nostats",
            "-i",
            path.to_str().unwrap(),
            "-af",
            "ebur128=peak=true",
            "-f",
            "null",
            "-",
        ],
    );
    let summary = stderr.rsplit("Summary:").next().unwrap();
    let value = |label: &str| -> f64 {
        let line = summary
            .lines()
            .find(|l| l.trim_start().starts_with(label))
            .unwrap();
        line.split_whitespace().nth(1).unwrap().parse().unwrap()
    };
    (value("I:"), value("Peak:"))
}

/// ffprobe's JSON for a file: format, streams and chapters.
/// The chapters ffprobe found, as (title, start in seconds).
pub fn probe_chapters(probe: &Value) -> Vec<(String, f64)> {
    probe["chapters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            let start: f64 = c["start_time"].as_str().unwrap().parse().unwrap();
            (c["tags"]["title"].as_str().unwrap().to_string(), start)
        })
        .collect()
}

pub fn ffprobe(path: &Path) -> Value {
    let (stdout, _) = tool(
        "ffprobe",
        &[
            "-v",
            "error",
            "-print_format",
            "json",
            "-show_format",
            "-show_streams",
            "-show_chapters",
            path.to_str().unwrap(),
        ],
    );
    serde_json::from_str(&stdout).unwrap()
}

impl Project {
    /// The fixture with a music bed, an intro and an outro (WAVs made here).
    pub fn fixture_with_media() -> Project {
        let project = Project::fixture();
        write_tone(&project.path("media/bed.wav"), 3.0, 22050, 0.3);
        write_tone(&project.path("media/sting.wav"), 0.8, 22050, 0.5);
        project.edit(
            "podcast.toml",
            "[output]",
            "[music]\nfile = \"media/bed.wav\"\nvolume_db = -18\nduck_db = -12\nfade_in = 0.5\nfade_out = 1.0\n\n\
             [intro]\nfile = \"media/sting.wav\"\noverlap = 0.2\n\n\
             [outro]\nfile = \"media/sting.wav\"\noverlap = 0.1\n\n[output]",
        );
        project
    }
}

/// A 1x1 PNG, for cover art.
pub const PNG: &[u8] = &[
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1f, 0x15, 0xc4,
    0x89, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0xf8, 0xcf, 0xc0, 0xf0,
    0x1f, 0x00, 0x05, 0x00, 0x01, 0xff, 0x89, 0x99, 0x3d, 0x1d, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45,
    0x4e, 0x44, 0xae, 0x42, 0x60, 0x82,
];

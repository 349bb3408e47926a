//! Bad configs and scripts: a `file:line:column` error, exit code 2, and every
//! existing output and cache entry left exactly as it was.

use crate::common::Project;

struct Bad {
    file: &'static str,
    from: &'static str,
    to: &'static str,
    /// Expected place of the error and a piece of its message.
    line: u64,
    column: u64,
    message: &'static str,
}

const fn bad(
    file: &'static str,
    from: &'static str,
    to: &'static str,
    line: u64,
    column: u64,
    message: &'static str,
) -> Bad {
    Bad {
        file,
        from,
        to,
        line,
        column,
        message,
    }
}

const TOML: &str = "podcast.toml";
const A: &str = "episodes/a.md";

const CASES: &[Bad] = &[
    bad(
        TOML,
        "sentence_ms = 400",
        "sentense_ms = 400",
        17,
        1,
        "unknown field `sentense_ms`",
    ),
    bad(TOML, "speed = 1.0", "speed = nan", 10, 9, "NaN"),
    bad(TOML, "speed = 1.0", "speed = inf", 10, 9, "inf"),
    bad(TOML, "speed = 1.0", "speed = -5", 10, 9, "-5"),
    bad(TOML, "speed = 1.0", "speed = 9000", 10, 9, "out of range"),
    // Voice keys are the engine's: a key of another engine is unknown here.
    bad(
        TOML,
        "speed = 1.0",
        "sped = 1.0",
        10,
        1,
        "unknown field `sped`",
    ),
    bad(
        TOML,
        "speed = 1.0",
        "rate = 175",
        10,
        1,
        "unknown field `rate`",
    ),
    bad(
        TOML,
        "speed = 1.0",
        "name = 3",
        10,
        8,
        "name: expected a string",
    ),
    bad(
        TOML,
        "speed = 1.0",
        "speed = true",
        10,
        9,
        "speed: expected a number from 0.5 to 2",
    ),
    bad(
        TOML,
        "speed = 1.0",
        "speed = \"fast\"",
        10,
        9,
        "speed: expected a number from 0.5 to 2 (times the voice's own pace), found string \"fast\"",
    ),
    bad(
        TOML,
        "formats = [\"wav\"]",
        "formats = [\"m4b\"]",
        21,
        15,
        "m4a, m4b and mp4 (AAC audio) need a sample_rate of 32000 Hz or more",
    ),
    bad(
        TOML,
        "sample_rate = 22050\nchannels = 1\nformats = [\"wav\"]",
        "sample_rate = 96000\nchannels = 1\nformats = [\"mp3\"]",
        21,
        15,
        "MP3 cannot be encoded at 96000 Hz",
    ),
    bad(
        TOML,
        "episodes = [\"episodes/*.md\"]",
        "episodes = [\"eps/*.md\"]",
        6,
        13,
        "episode pattern `eps/*.md` matches no files",
    ),
    bad(
        TOML,
        "comma_ms = 150",
        "comma_ms = 36000000",
        18,
        12,
        "too long",
    ),
    bad(
        TOML,
        "preset = \"natural\"",
        "preset = \"natral\"",
        16,
        10,
        "unknown pause preset",
    ),
    bad(
        TOML,
        "engine = \"hibari\"",
        "engine = \"hibary\"",
        9,
        10,
        "unknown engine",
    ),
    bad(
        TOML,
        "speed = 1.15",
        "speed = 0.2",
        13,
        9,
        "voice speed 0.2 is out of range",
    ),
    bad(
        TOML,
        "sample_rate = 22050",
        "sample_rate = 12345",
        21,
        15,
        "unsupported sample_rate",
    ),
    bad(
        TOML,
        "channels = 1",
        "channels = 6",
        22,
        12,
        "channels must be 1",
    ),
    bad(
        TOML,
        "formats = [\"wav\"]",
        "formats = [\"ogg\"]",
        23,
        12,
        "unknown output format",
    ),
    bad(TOML, "[pauses]", "[pauses", 15, 8, ""),
    bad(
        A,
        "Short one.",
        "Short [pause 3x] one.",
        11,
        28,
        "invalid pause",
    ),
    bad(
        A,
        "Short one.",
        "Short [pause 11h] one.",
        11,
        28,
        "invalid pause",
    ),
    bad(
        A,
        "Short one.",
        "Short [pause 120s] one.",
        11,
        28,
        "too long",
    ),
    bad(
        A,
        "Short one.",
        "Short [pause 1.5s one.",
        11,
        28,
        "unclosed",
    ),
    bad(
        A,
        "Short one.",
        "Short [pause: 2s] one.",
        11,
        28,
        "`[pause: 2s]` is not pause markup",
    ),
    bad(
        A,
        "Short one.",
        "Short [paus 2s] one.",
        11,
        28,
        "`[paus 2s]` is not pause markup",
    ),
    bad(
        A,
        "Short one.",
        "Short one. [pause",
        11,
        33,
        "unclosed `[pause`",
    ),
    bad(
        A,
        "Short one.",
        "Short [pause] one.",
        11,
        28,
        "`[pause]` needs a duration",
    ),
    bad(A, "Short one.", "Short <!-- one.", 11, 28, "never closed"),
    bad(A, "+++\n\nHello", "\nHello", 1, 1, "never closed"),
    bad(
        A,
        "number = 1",
        "number = \"one\"",
        3,
        10,
        "number: expected a whole number",
    ),
    bad(
        A,
        "date = 2026-01-01",
        "date = \"12 Jan 2026\"",
        4,
        8,
        "date `12 Jan 2026` is not an ISO 8601 date",
    ),
    bad(
        A,
        "date = 2026-01-01",
        "date = \"yesterday\"",
        4,
        8,
        "is not an ISO 8601 date",
    ),
    bad(A, "number = 1", "numbr = 1", 3, 1, "unknown field `numbr`"),
    bad(A, "speed = 0.9", "speed = 0.09", 8, 9, "out of range"),
    bad(
        TOML,
        "speed = 1.15",
        "model = 3",
        13,
        9,
        "model: expected a path to a file, found integer `3`",
    ),
    bad(
        A,
        "speed = 0.9",
        "model = \"nowhere.onnx\"",
        8,
        9,
        "model `nowhere.onnx`: ",
    ),
];

#[test]
fn bad_input_is_located_and_changes_nothing() {
    let project = Project::fixture();
    project.build();
    let before = project.target_snapshot();
    let mut failures = Vec::new();
    for case in CASES {
        let original = project.read(case.file);
        project.edit(case.file, case.from, case.to);
        let build = project.build_with(&[]);
        let errors = build.errors();
        let problem = if build.code() != 2 {
            Some(format!("exit code {}", build.code()))
        } else if errors.len() != 1 {
            Some(format!("{} error messages", errors.len()))
        } else if errors[0].file.as_deref() != Some(case.file)
            || errors[0].line != Some(case.line)
            || errors[0].column != Some(case.column)
        {
            Some(format!(
                "located at {:?}:{:?}:{:?}",
                errors[0].file, errors[0].line, errors[0].column
            ))
        } else if !errors[0].message.as_str().contains(case.message) {
            Some(format!("message {:?}", errors[0].message))
        } else if project.target_snapshot() != before {
            Some("the target directory changed".into())
        } else if build.finished().success {
            Some("build-finished did not say success: false".into())
        } else {
            None
        };
        if let Some(problem) = problem {
            failures.push(format!("{} -> {}: {problem}", case.from, case.to));
        }
        project.write(case.file, &original);
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn human_errors_point_at_file_line_column() {
    let project = Project::fixture();
    project.edit("podcast.toml", "sentence_ms = 400", "sentense_ms = 400");
    let output = project.pod().arg("build").output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("--> podcast.toml:17:1"), "{stderr}");
    assert!(stderr.contains("did you mean `sentence_ms`?"), "{stderr}");
    assert!(
        !project.path("target").exists(),
        "nothing is written for a bad config"
    );
}

#[test]
fn a_non_utf8_script_is_located() {
    let project = Project::fixture();
    std::fs::write(
        project.path("episodes/b.md"),
        b"Fine line.\n\nBad \xff byte.\n",
    )
    .unwrap();
    let build = project.build_with(&[]);
    assert_eq!(build.code(), 2);
    let error = build.errors()[0];
    assert_eq!((error.line, error.column), (Some(3), Some(5)));
    assert!(error.message.as_str().contains("UTF-8"));
}

#[test]
fn every_bad_episode_is_reported_at_once() {
    let project = Project::fixture();
    project.edit("episodes/a.md", "Short one.", "Short [pause x] one.");
    project.edit("episodes/b.md", "Plain words here.", "Plain [pause] words.");
    let build = project.build_with(&[]);
    assert_eq!(build.code(), 2);
    assert_eq!(build.errors().len(), 2);
}

#[test]
fn no_manifest_is_a_usage_error() {
    let empty = tempfile::TempDir::new().unwrap();
    let output = assert_cmd::Command::cargo_bin("pod")
        .unwrap()
        .current_dir(empty.path())
        .arg("build")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("could not find `podcast.toml`"));
}

//! `pod status` predicts the build: after each kind of edit, the steps it
//! says would execute are the steps the build then executes, its fresh count
//! on a no-op is the build's cached count, and the progress bar's total is
//! the number of steps the build reports. All three come from one walk of
//! the pipeline, so these hold for every format at once.

use std::collections::BTreeMap;
use std::fs;

use crate::common::{Build, Project};
use pod::message::{self, Message, StepStatus};
use serde_json::Value;

/// The fixture with music, intro and outro, every output format, and an
/// explicit MP3 bitrate to edit (at 44.1 kHz, which AAC needs).
fn every_format() -> Project {
    let project = Project::fixture_with_media();
    project.edit("podcast.toml", "sample_rate = 22050", "sample_rate = 44100");
    project.edit(
        "podcast.toml",
        r#"formats = ["wav"]"#,
        "formats = [\"wav\", \"flac\", \"mp3\", \"m4a\", \"m4b\", \"vtt\", \"srt\", \"transcript\", \"chapters\"]\nmp3_bitrate = 128",
    );
    project
}

/// `pod status`'s step lines, and its closing summary.
fn status(project: &Project) -> (Vec<message::Step>, message::Status) {
    let out = project.run(&["status", "--message-format", "json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut steps = Vec::new();
    let mut summary = None;
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        match serde_json::from_str(line).unwrap() {
            Message::Step(step) => steps.push(step),
            Message::Status(status) => summary = Some(status),
            _ => {}
        }
    }
    (steps, summary.expect("a status message"))
}

// Counted by kind, not by episode: episodes build in parallel, so which of
// two episodes sharing a step (the music bed's decoding) runs it varies.

/// Kind -> how many of status's steps are in `state`.
fn predicted(steps: &[message::Step], state: StepStatus) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for s in steps.iter().filter(|s| s.status == state) {
        *counts.entry(s.kind.clone()).or_default() += 1;
    }
    counts
}

/// Kind -> how many of the build's steps are in `state`.
fn ran(build: &Build, state: StepStatus) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for s in build.steps().iter().filter(|s| s.status == state) {
        *counts.entry(s.kind.clone()).or_default() += 1;
    }
    counts
}

fn planned_total(build: &Build) -> u64 {
    let plans: Vec<u64> = build
        .typed
        .iter()
        .filter_map(|m| match m {
            Message::BuildPlan(plan) => Some(plan.steps),
            _ => None,
        })
        .collect();
    assert_eq!(plans.len(), 1, "one build-plan message");
    plans[0]
}

/// Status's prediction, then the build, compared step kind by step kind.
fn assert_predicts(project: &Project, what: &str) {
    let (steps, _) = status(project);
    let would = predicted(&steps, StepStatus::Dirty);
    let build = project.build();
    assert_eq!(
        would,
        ran(&build, StepStatus::Executed),
        "{what}: status vs build"
    );
    assert_eq!(
        predicted(&steps, StepStatus::Fresh),
        ran(&build, StepStatus::Cached),
        "{what}: fresh vs cached"
    );
    // A step status could key is the very step the build runs.
    for m in steps
        .iter()
        .filter(|m| m.status == StepStatus::Dirty && m.key.is_some())
    {
        assert!(
            build
                .steps()
                .iter()
                .any(|s| s.key == m.key && s.status == StepStatus::Executed),
            "{what}: {m:?} did not execute"
        );
    }
    assert_eq!(
        planned_total(&build),
        build.steps().len() as u64,
        "{what}: progress total"
    );
}

#[test]
fn status_predicts_every_kind_of_edit() {
    let project = every_format();
    assert_predicts(&project, "first build");
    assert_predicts(&project, "no-op");

    project.edit("episodes/a.md", "Short one.", "Short two.");
    assert_predicts(&project, "a word");
    project.edit("podcast.toml", "sentence_ms = 400", "sentence_ms = 450");
    assert_predicts(&project, "a pause");
    project.edit("podcast.toml", "mp3_bitrate = 128", "mp3_bitrate = 160");
    assert_predicts(&project, "the bitrate");
    project.edit("podcast.toml", "volume_db = -18", "volume_db = -15");
    assert_predicts(&project, "a music setting");
    project.edit("podcast.toml", "overlap = 0.2", "overlap = 0.3");
    assert_predicts(&project, "the intro's overlap");

    fs::remove_file(project.path("target/out/b.vtt")).unwrap();
    let (_, summary) = status(&project);
    assert_eq!(summary.outputs.len(), 1, "{summary:?}");
    assert_predicts(&project, "a deleted output");
}

/// A sentence edit in one episode: its site page, the index and the feed
/// wait on it; the other episodes' pages are fresh, as the build finds.
#[test]
fn status_predicts_the_show_steps_an_edit_in_one_episode_touches() {
    let project = Project::fixture();
    project.edit(
        "podcast.toml",
        r#"formats = ["wav"]"#,
        r#"formats = ["mp3"]"#,
    );
    let mut toml = project.read("podcast.toml");
    toml.push_str("\n[site]\ntitle = \"Test Site\"\n");
    project.write("podcast.toml", &toml);
    assert_predicts(&project, "first build");

    project.edit("episodes/a.md", "Short one.", "Short two.");
    let (steps, _) = status(&project);
    let pages = |state| predicted(&steps, state).get("site-page").copied();
    assert_eq!(
        (pages(StepStatus::Dirty), pages(StepStatus::Fresh)),
        (Some(1), Some(1))
    );
    assert_predicts(&project, "a word in one episode");
}

#[test]
fn status_predicts_a_lost_blob() {
    let project = every_format();
    let first = project.build();
    // The blob of one sentence and of a decoded layer go; their records stay.
    for kind in ["tts", "decode"] {
        let key = first.keys(Some(kind), Some("a")).pop_first().unwrap();
        let record: Value = serde_json::from_slice(
            &fs::read(project.path(&format!("target/cache/ac/{}/{key}.json", &key[..2]))).unwrap(),
        )
        .unwrap();
        let hash = record["output"]["hash"].as_str().unwrap();
        fs::remove_file(project.path(&format!("target/cache/cas/{}/{hash}", &hash[..2]))).unwrap();
        assert_predicts(&project, &format!("a lost {kind} blob"));
    }
}

/// `pod cache verify --fix` removes a corrupt blob and keeps its record, so
/// status knows the step will make the same output again and that nothing
/// after it runs.
#[test]
fn status_predicts_a_blob_removed_by_verify_fix() {
    let project = every_format();
    let first = project.build();
    // A sentence of a.md's alone (b.md says "Hello there, friend." too).
    let of_b = first.keys(Some("tts"), Some("b"));
    let key = first
        .keys(Some("tts"), Some("a"))
        .into_iter()
        .find(|k| !of_b.contains(k))
        .unwrap();
    let record: Value = serde_json::from_slice(
        &fs::read(project.path(&format!("target/cache/ac/{}/{key}.json", &key[..2]))).unwrap(),
    )
    .unwrap();
    let hash = record["output"]["hash"].as_str().unwrap();
    let blob = project.path(&format!("target/cache/cas/{}/{hash}", &hash[..2]));
    let mut bytes = fs::read(&blob).unwrap();
    bytes[0] ^= 0xff;
    fs::write(&blob, bytes).unwrap();
    let fix = project.run(&["cache", "verify", "--fix"]);
    assert!(
        fix.status.success(),
        "{}",
        String::from_utf8_lossy(&fix.stderr)
    );
    assert!(!blob.exists(), "the corrupt blob is removed");

    let (steps, _) = status(&project);
    let would: Vec<_> = steps
        .iter()
        .filter(|s| s.status == StepStatus::Dirty)
        .map(|s| (s.kind.as_str(), s.key.clone()))
        .collect();
    assert_eq!(would, [("tts", Some(key))], "only the sentence");
    assert_predicts(&project, "a blob removed by verify --fix");
}

#[test]
fn a_no_op_status_counts_what_the_build_finds_cached() {
    // Two episodes share the music bed's decoding: each counts it, as the build does.
    let project = every_format();
    project.build();
    let (_, summary) = status(&project);
    let build = project.build();
    assert_eq!(summary.would_execute, 0);
    assert_eq!(summary.fresh, build.steps().len() as u64);
    assert!(build.steps().iter().all(|s| s.status == StepStatus::Cached));
}

/// `pod status --exit-code` fails when a build would do anything, as
/// `git diff --exit-code` does, and passes once the build has run.
#[test]
fn status_exit_code_says_whether_a_build_would_run() {
    let project = Project::fixture();
    let before = project.run(&["status", "--exit-code"]);
    assert_eq!(before.status.code(), Some(1));
    // Without the flag, pending work is not a failure.
    assert_eq!(project.run(&["status"]).status.code(), Some(0));
    project.build();
    assert_eq!(
        project.run(&["status", "--exit-code"]).status.code(),
        Some(0)
    );
    fs::remove_file(project.path("target/out/b.wav")).unwrap();
    assert_eq!(
        project.run(&["status", "--exit-code"]).status.code(),
        Some(1)
    );
}

/// `--partition K/N`: the shares build every episode once between them;
/// a share's status after its own build says nothing to do for it.
#[test]
fn partitions_split_the_episodes_between_runners() {
    let project = Project::fixture();
    let mut built = Vec::new();
    for share in ["1/2", "2/2"] {
        let build = project.build_with(&["--partition", share]);
        build.assert_success();
        built.extend(build.finished().outputs.iter().map(|o| o.episode.clone()));
        let status = project.run(&["status", "--exit-code", "--partition", share]);
        assert_eq!(status.status.code(), Some(0), "{share}");
    }
    built.sort();
    assert_eq!(built, ["a", "b"]);
    // Together they are the whole project: nothing left to build.
    assert_eq!(
        project.run(&["status", "--exit-code"]).status.code(),
        Some(0)
    );
    let bad = project.run(&["build", "--partition", "3/2"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("not a partition"));
}

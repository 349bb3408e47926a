//! Why did this rebuild? `--explain` and the JSON `dirty` field name the
//! changed field; `pod status` says what would run, and runs nothing.

use std::fs;

use crate::common::Project;
use pod::message::StepStatus;
use serde_json::Value;

fn record_path(project: &Project, key: &str) -> std::path::PathBuf {
    project.path(&format!("target/cache/ac/{}/{key}.json", &key[..2]))
}

#[test]
fn a_first_build_is_new() {
    let project = Project::fixture();
    let build = project.build();
    assert!(build.dirty("tts").iter().all(|d| d == "new"));
    assert_eq!(build.dirty("wav"), vec!["new", "new"]);
}

#[test]
fn each_kind_of_change_is_named() {
    let cases: &[(&str, &str, &str, &str, &str)] = &[
        // (file, from, to, step kind, expected reason fragment)
        (
            "podcast.toml",
            "speed = 1.0",
            "speed = 1.25",
            "tts",
            "voice.speed 1.0 -> 1.25",
        ),
        (
            "episodes/a.md",
            "Short one.",
            "Short two.",
            "tts",
            "parts[0].text changed",
        ),
        (
            "episodes/a.md",
            "Short one.",
            "Short one. Inserted here.",
            "tts",
            "new",
        ),
        (
            "podcast.toml",
            "comma_ms = 150",
            "comma_ms = 175",
            "tts",
            "parts[1].break_ms 150 -> 175",
        ),
        (
            "podcast.toml",
            "sentence_ms = 400",
            "sentence_ms = 450",
            "assemble",
            "silence_ms 400 -> 450",
        ),
        (
            "podcast.toml",
            "sample_rate = 22050",
            "sample_rate = 24000",
            "assemble",
            "sample_rate 22050 -> 24000",
        ),
        (
            "podcast.toml",
            "channels = 1",
            "channels = 2",
            "wav",
            "channels 1 -> 2",
        ),
        (
            "episodes/a.md",
            "Short one.",
            "Short two.",
            "wav",
            "pcm changed",
        ),
    ];
    let base = Project::fixture();
    base.build();
    for (file, from, to, kind, expected) in cases {
        let project = Project::copy_of(&base);
        project.edit(file, from, to);
        let build = project.build_with(&["--explain"]);
        build.assert_success();
        let reasons = build.dirty(kind);
        assert!(
            !reasons.is_empty() && reasons.iter().all(|r| r.contains(expected)),
            "{from} -> {to}: {kind} reasons {reasons:?}, expected {expected:?}"
        );
        let human = project.run(&["build", "--explain"]);
        assert!(human.status.success());
    }
}

#[test]
fn human_explain_lines() {
    let project = Project::fixture();
    project.build();
    // a.md sets the guest's speed itself: only b.md's guest line changes.
    project.edit("podcast.toml", "speed = 1.15", "speed = 1.2");
    let out = project.run(&["build", "--explain"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("Dirty tts b/tts/2: voice.speed 1.15 -> 1.2"),
        "{stderr}"
    );
    assert!(stderr.contains("Dirty wav b/wav: pcm changed"), "{stderr}");
}

#[test]
fn output_missing_and_corrupt_entries() {
    let project = Project::fixture();
    project.build();
    assert!(project.run(&["clean", "--step", "wav"]).status.success());
    let build = project.build();
    assert_eq!(build.dirty("wav"), vec!["output missing", "output missing"]);

    // Damage a.md's normalised mix (what wav reads) and make wav run again.
    let key = build
        .keys(Some("wav"), Some("a"))
        .into_iter()
        .next()
        .unwrap();
    let record: Value =
        serde_json::from_slice(&fs::read(record_path(&project, &key)).unwrap()).unwrap();
    let pcm = record["input"]["pcm"].as_str().unwrap();
    let blob = project.path(&format!("target/cache/cas/{}/{pcm}", &pcm[..2]));
    let mut bytes = fs::read(&blob).unwrap();
    bytes[100] ^= 1;
    fs::write(&blob, bytes).unwrap();
    fs::remove_file(record_path(&project, &key)).unwrap();
    let build = project.build();
    assert_eq!(build.dirty("loudness"), vec!["cache entry corrupt"]);
}

#[test]
fn an_engine_upgrade_is_named() {
    let project = Project::fixture();
    let first = project.build();
    // Pretend the previous build of a.md's first sentence ran an older engine:
    // a record under another key, with the same input and an older version.
    let key = first
        .keys(Some("tts"), Some("a"))
        .into_iter()
        .next()
        .unwrap();
    let index_path = project.path("target/cache/index.json");
    let mut index: Value = serde_json::from_slice(&fs::read(&index_path).unwrap()).unwrap();
    let place = index["logical"]
        .as_object()
        .unwrap()
        .iter()
        .find(|(_, v)| v.as_str() == Some(&key))
        .map(|(k, _)| k.clone())
        .unwrap();
    let mut record: Value =
        serde_json::from_slice(&fs::read(record_path(&project, &key)).unwrap()).unwrap();
    let current = record["input"]["engine"]["version"]
        .as_str()
        .unwrap()
        .to_string();
    let older = "fe0 tract0.22 00000000";
    record["input"]["engine"]["version"] = Value::from(older);
    let old_key = "00".repeat(32);
    fs::create_dir_all(record_path(&project, &old_key).parent().unwrap()).unwrap();
    fs::write(
        record_path(&project, &old_key),
        serde_json::to_vec(&record).unwrap(),
    )
    .unwrap();
    index["logical"][&place] = Value::from(old_key);
    fs::write(&index_path, serde_json::to_vec(&index).unwrap()).unwrap();
    fs::remove_file(record_path(&project, &key)).unwrap();

    let build = project.build();
    assert_eq!(
        build.dirty("tts"),
        vec![format!("engine.version {older} -> {current}")]
    );
}

#[test]
fn status_runs_and_writes_nothing() {
    let project = Project::fixture();
    project.build();
    project.edit("episodes/a.md", "Short one.", "Short two, three.");
    let before = project.target_snapshot();
    let out = project.run(&["status", "--message-format", "json"]);
    assert!(out.status.success());
    assert_eq!(project.target_snapshot(), before, "status wrote something");
    let messages: Vec<Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let dirty: Vec<&Value> = messages
        .iter()
        .filter(|m| m["reason"] == "step" && m["status"] == "dirty")
        .collect();
    // The sentence; then a.md's assemble, timeline, mix, loudness, wav and
    // measure, which cannot be keyed until it is spoken.
    assert_eq!(dirty.len(), 7, "{dirty:?}");
    assert_eq!(dirty[0]["dirty"], "parts changed (1 -> 3 items)");
    let summary = messages.iter().find(|m| m["reason"] == "status").unwrap();
    assert_eq!(
        summary["characters"]["hibari"],
        "Short two,".len() + "three.".len()
    );
    assert_eq!(summary["would_execute"], 7);

    // The dry run of build says the same, and the build then does exactly that.
    let dry = project.run(&["build", "--dry-run"]);
    let stderr = String::from_utf8_lossy(&dry.stderr);
    assert!(
        stderr.contains("Would speak 16 characters with the hibari engine"),
        "{stderr}"
    );
    assert!(stderr.contains("7 steps would execute"), "{stderr}");
    assert_eq!(project.target_snapshot(), before);
    let build = project.build();
    assert_eq!(
        build
            .steps()
            .iter()
            .filter(|s| s.status == StepStatus::Executed)
            .count(),
        7
    );
}

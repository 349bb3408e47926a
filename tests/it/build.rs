//! `pod build` on the test show: no-op rebuilds, determinism, concurrency,
//! exact pauses, damaged cache entries, selection and messages.

use std::fs;

use crate::common::{Project, snapshot, wav_samples};

#[test]
fn a_no_op_rebuild_executes_nothing_and_rewrites_nothing() {
    let project = Project::fixture();
    let first = project.build();
    assert_eq!(first.executed("tts"), 7);
    let before = project.target_snapshot();
    let mtime = fs::metadata(project.path("target/out/a.wav"))
        .unwrap()
        .modified()
        .unwrap();

    let again = project.build();
    for kind in ["tts", "assemble", "wav"] {
        assert_eq!(again.executed(kind), 0, "{kind} ran on a no-op rebuild");
    }
    assert_eq!(again.cached("tts"), 7);
    assert_eq!(again.cached("assemble"), 2);
    // Only the usage index (hit counts, last use) changes.
    let mut after = project.target_snapshot();
    let mut before = before;
    let index = std::path::PathBuf::from("cache/index.json");
    assert!(after.remove(&index).is_some() && before.remove(&index).is_some());
    assert_eq!(after, before);
    let mtime_after = fs::metadata(project.path("target/out/a.wav"))
        .unwrap()
        .modified()
        .unwrap();
    assert_eq!(mtime, mtime_after, "a fresh output is not rewritten");
}

#[test]
fn one_step_message_per_step_and_a_final_summary() {
    let project = Project::fixture();
    let build = project.build();
    let steps = build.steps();
    // Seven distinct sentences (one shared by both episodes); per episode
    // assemble, timeline, mix, loudness, wav and its measurement.
    assert_eq!(steps.len(), 7 + 2 * 6);
    for step in &steps {
        assert_eq!(step.key.as_deref().unwrap().len(), 64);
        assert!(step.episode == "a" || step.episode == "b");
    }
    let finished = build.finished();
    assert!(finished.success);
    assert_eq!(finished.counts["tts"].executed, 7);
    assert_eq!(finished.counts["wav"].executed, 2);
    let outputs = &finished.outputs;
    assert_eq!(outputs.len(), 2);
    assert!(outputs[0].path.ends_with("target/out/a.wav"));
    assert_eq!(outputs[0].format, "wav");
}

#[test]
fn two_clean_builds_give_identical_bytes() {
    let one = Project::fixture();
    let two = Project::fixture();
    let (a, b) = (one.build(), two.build());
    assert_eq!(a.outputs(), b.outputs());
    // The caches agree too: same keys, same blobs.
    let cache = |p: &Project| {
        snapshot(&p.path("target/cache"))
            .into_iter()
            .filter(|(path, _)| path.starts_with("ac") || path.starts_with("cas"))
            .collect::<Vec<_>>()
    };
    assert_eq!(cache(&one), cache(&two));
}

#[test]
fn concurrent_builds_share_work_and_agree() {
    let project = Project::fixture();
    let spawn = || {
        let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("pod"));
        cmd.current_dir(project.root())
            .args(["build", "--message-format", "json", "-j", "2"])
            .env("CI", "1")
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap()
    };
    let (first, second) = (spawn(), spawn());
    let (first, second) = (
        first.wait_with_output().unwrap(),
        second.wait_with_output().unwrap(),
    );
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    assert!(
        second.status.success(),
        "{}",
        String::from_utf8_lossy(&second.stderr)
    );
    let executed = |out: &std::process::Output| {
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
            .filter(|m| m["reason"] == "step" && m["kind"] == "tts" && m["status"] == "executed")
            .count()
    };
    assert_eq!(
        executed(&first) + executed(&second),
        7,
        "every sentence is synthesised exactly once across both builds"
    );
    // What they published equals a build from scratch elsewhere.
    let reference = Project::fixture();
    for ((episode, format), bytes) in reference.build().outputs() {
        let published = fs::read(project.path(&format!("target/out/{episode}.{format}"))).unwrap();
        assert!(published == bytes, "{episode}.{format} differs");
    }
}

/// The longest run of exact digital silence in a mono track.
fn longest_silence(samples: &[i16]) -> usize {
    let (mut best, mut run) = (0, 0);
    for &s in samples {
        run = if s == 0 { run + 1 } else { 0 };
        best = best.max(run);
    }
    best
}

/// The longest silence is the pause, exactly, but for the samples of the
/// fades around it (2 ms in, 5 ms out) that round to zero.
fn assert_pause(samples: &[i16], ms: usize, what: &str) {
    let (pause, fades) = (ms * 22050 / 1000, 7 * 22050 / 1000);
    let longest = longest_silence(samples);
    assert!(
        (pause..=pause + fades).contains(&longest),
        "{what}: {longest} frames of silence for a pause of {pause}"
    );
}

#[test]
fn pauses_are_exact() {
    let project = Project::fixture();
    project.write(
        "episodes/a.md",
        "First sentence here. Second sentence here.\n",
    );
    project.write(
        "episodes/b.md",
        "Before the pause. [pause 1.5s] After the pause.\n",
    );
    let build = project.build();
    let outputs = build.outputs();
    let (spec, a) = wav_samples(&outputs[&("a".into(), "wav".into())]);
    assert_eq!(
        (spec.sample_rate, spec.channels, spec.bits_per_sample),
        (22050, 1, 16)
    );
    assert_pause(&a, 400, "sentence_ms = 400");
    let (_, b) = wav_samples(&outputs[&("b".into(), "wav".into())]);
    assert_pause(&b, 1500, "[pause 1.5s], and no sentence gap on top");

    project.edit("podcast.toml", "sentence_ms = 400", "sentence_ms = 700");
    let rebuilt = project.build();
    assert_eq!(rebuilt.executed("tts"), 0);
    let (_, a) = wav_samples(&rebuilt.outputs()[&("a".into(), "wav".into())]);
    assert_pause(&a, 700, "sentence_ms = 700");
}

#[test]
fn stereo_and_resampled_outputs_have_the_right_shape() {
    let project = Project::fixture();
    project.edit("podcast.toml", "sample_rate = 22050", "sample_rate = 48000");
    project.edit("podcast.toml", "channels = 1", "channels = 2");
    let build = project.build();
    let (spec, samples) = wav_samples(&build.outputs()[&("b".into(), "wav".into())]);
    assert_eq!((spec.sample_rate, spec.channels), (48000, 2));
    assert!(
        samples.chunks(2).all(|f| f[0] == f[1]),
        "mono speech on both channels"
    );
    assert!(
        samples.iter().any(|&s| s.unsigned_abs() > 1000),
        "there is speech"
    );
}

#[test]
fn a_corrupt_blob_is_a_miss_replaced_with_a_warning() {
    let project = Project::fixture();
    let first = project.build();
    // Damage every speech blob, keeping sizes, then force a re-assemble.
    for step in first.steps().iter().filter(|s| s.kind == "tts") {
        let key = step.key.as_deref().unwrap();
        let record: serde_json::Value = serde_json::from_slice(
            &fs::read(project.path(&format!("target/cache/ac/{}/{key}.json", &key[..2]))).unwrap(),
        )
        .unwrap();
        let hash = record["output"]["hash"].as_str().unwrap();
        let blob = project.path(&format!("target/cache/cas/{}/{hash}", &hash[..2]));
        let mut bytes = fs::read(&blob).unwrap();
        let last = bytes.len() - 1;
        bytes[last] ^= 0x55;
        fs::write(&blob, bytes).unwrap();
    }
    project.edit("podcast.toml", "sentence_ms = 400", "sentence_ms = 420");
    let rebuilt = project.build();
    assert!(
        rebuilt
            .warnings()
            .iter()
            .any(|w| w.message.as_str().contains("corrupt")),
        "corruption is reported"
    );
    // a.md's five sentences were re-synthesised from scratch.
    assert_eq!(rebuilt.executed("tts"), 5);
    let empty = tempfile::TempDir::new().unwrap();
    let clean = project.build_with(&["--target-dir", empty.path().to_str().unwrap()]);
    assert_eq!(rebuilt.outputs(), clean.outputs());
}

#[test]
fn deleted_outputs_are_republished_without_running_steps() {
    let project = Project::fixture();
    let first = project.build();
    fs::remove_file(project.path("target/out/a.wav")).unwrap();
    fs::write(project.path("target/out/b.wav"), b"scribbled over").unwrap();
    let again = project.build();
    assert_eq!(
        again.executed("wav") + again.executed("assemble") + again.executed("tts"),
        0
    );
    assert_eq!(again.outputs(), first.outputs());
}

#[test]
fn building_named_episodes_only() {
    let project = Project::fixture();
    let build = project.build_with(&["b"]);
    build.assert_success();
    assert!(!project.path("target/out/a.wav").exists());
    assert!(project.path("target/out/b.wav").exists());
    assert_eq!(build.executed("tts"), 3);

    let unknown = project.build_with(&["c"]);
    assert_eq!(unknown.code(), 2);
    assert!(unknown.errors()[0].message.contains("no episode named `c`"));
}

#[test]
fn a_near_miss_speaker_gets_a_did_you_mean_warning() {
    let project = Project::fixture();
    project.write("episodes/b.md", "Guset: hello there.\n");
    let build = project.build();
    let warnings = build.warnings();
    assert_eq!(warnings.len(), 1);
    assert_eq!(warnings[0].file.as_deref(), Some("episodes/b.md"));
    assert_eq!((warnings[0].line, warnings[0].column), (Some(1), Some(1)));
    assert!(
        warnings[0]
            .help
            .as_deref()
            .unwrap()
            .contains("did you mean `guest`")
    );
}

#[test]
fn human_output_reads_like_cargo() {
    let project = Project::fixture();
    let output = project.pod().arg("build").output().unwrap();
    assert!(output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("Synthesizing a ("), "{stderr}");
    assert!(stderr.contains("  Assembling a"), "{stderr}");
    assert!(stderr.contains("Finished 2 episodes in"), "{stderr}");
    assert!(stderr.contains("(19 steps executed, 0 cached)"), "{stderr}");
    assert!(output.stdout.is_empty(), "human output goes to stderr");
    let quiet = project.pod().args(["build", "-q"]).output().unwrap();
    assert!(
        quiet.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&quiet.stderr)
    );
}

#[test]
fn the_target_dir_can_be_chosen() {
    let project = Project::fixture();
    let elsewhere = tempfile::TempDir::new().unwrap();
    let out = project
        .pod()
        .args(["build", "-q"])
        .env("POD_TARGET_DIR", elsewhere.path())
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(elsewhere.path().join("out/a.wav").exists());
    assert!(!project.path("target").exists());

    project.edit(
        "podcast.toml",
        "[output]",
        "[build]\ntarget_dir = \"build/pod\"\n\n[output]",
    );
    project.build();
    assert!(project.path("build/pod/out/a.wav").exists());
}

#[test]
fn a_damaged_output_blob_is_rebuilt_before_publishing() {
    let project = Project::fixture();
    let first = project.build();
    let wav_key = first
        .keys(Some("wav"), Some("a"))
        .into_iter()
        .next()
        .unwrap();
    let record: serde_json::Value = serde_json::from_slice(
        &fs::read(project.path(&format!("target/cache/ac/{}/{wav_key}.json", &wav_key[..2])))
            .unwrap(),
    )
    .unwrap();
    let hash = record["output"]["hash"].as_str().unwrap();
    let blob = project.path(&format!("target/cache/cas/{}/{hash}", &hash[..2]));
    let mut bytes = fs::read(&blob).unwrap();
    bytes[60] ^= 0x01;
    fs::write(&blob, bytes).unwrap();
    fs::remove_file(project.path("target/out/a.wav")).unwrap();

    let again = project.build();
    assert!(
        again
            .warnings()
            .iter()
            .any(|w| w.message.as_str().contains("corrupt"))
    );
    assert_eq!(again.dirty("wav"), vec!["cache entry corrupt"]);
    assert_eq!(again.outputs(), first.outputs());
}

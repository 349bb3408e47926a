//! What pod may delete and how it treats damage: clean refuses directories
//! pod did not create, stale outputs, truncated cache entries, the mode of
//! published files, and temp files left by a killed build.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use crate::common::{Project, snapshot};
use pod::message;
use serde_json::Value;

/// A directory pod did not create, shaped like a target directory.
fn foreign_dir() -> tempfile::TempDir {
    let dir = tempfile::TempDir::new().unwrap();
    for (file, text) in [("cache/user.txt", "x"), ("out/user.txt", "y")] {
        let path = dir.path().join(file);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, text).unwrap();
    }
    dir
}

const VARIANTS: &[&[&str]] = &[
    &[],
    &["--cache"],
    &["--outputs"],
    &["--step", "tts"],
    &["-e", "a"],
    &["--outputs", "-e", "a"],
    &["--older-than", "1d"],
    &["--unreferenced"],
];

#[test]
fn every_clean_variant_refuses_a_directory_pod_did_not_create() {
    let project = Project::fixture();
    let foreign = foreign_dir();
    let elsewhere = tempfile::TempDir::new().unwrap();
    let link = elsewhere.path().join("link");
    std::os::unix::fs::symlink(foreign.path(), &link).unwrap();
    let before = snapshot(foreign.path());
    for target in [foreign.path(), link.as_path()] {
        for variant in VARIANTS {
            let out = project
                .pod()
                .args(["clean", "-y", "--target-dir"])
                .arg(target)
                .args(*variant)
                .output()
                .unwrap();
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert_eq!(
                out.status.code(),
                Some(2),
                "clean {variant:?} of {}: {stderr}",
                target.display()
            );
            assert!(stderr.contains("not created by pod"), "{stderr}");
            // Nothing deleted, and no lock file left behind.
            assert_eq!(snapshot(foreign.path()), before, "clean {variant:?}");
            assert!(fs::symlink_metadata(&link).is_ok());
        }
    }
}

#[test]
fn verify_fix_refuses_a_directory_pod_did_not_create() {
    let project = Project::fixture();
    project.build();
    // pod's cache, with damage, copied where pod's marker is not.
    let foreign = tempfile::TempDir::new().unwrap();
    crate::common::copy_dir(&project.path("target/cache"), &foreign.path().join("cache"));
    let (record, _) = record_of_kind(&project, "tts");
    let relative = record.strip_prefix(project.path("target")).unwrap();
    truncate_to_half(&foreign.path().join(relative));
    let before = snapshot(foreign.path());
    let out = project
        .pod()
        .args(["cache", "verify", "--fix", "--target-dir"])
        .arg(foreign.path())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("not created by pod"), "{stderr}");
    assert_eq!(snapshot(foreign.path()), before);
}

#[test]
fn clean_leaves_files_pod_did_not_write() {
    let project = Project::fixture();
    project.build();
    project.write("target/out/notes.txt", "mine");
    project.write("target/cache/notes.txt", "mine too");
    let out = project.run(&["clean", "-y", "--outputs"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!project.path("target/out/a.wav").exists());
    assert_eq!(project.read("target/out/notes.txt"), "mine");
    let out = project.run(&["clean", "-y", "--cache"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!project.path("target/cache/ac").exists());
    assert!(!project.path("target/cache/cas").exists());
    assert_eq!(project.read("target/cache/notes.txt"), "mine too");
}

#[test]
fn outputs_of_deleted_episodes_are_reported_and_removed_by_clean_unreferenced() {
    let project = Project::fixture();
    project.build();
    project.write("target/out/notes.txt", "mine");
    fs::remove_file(project.path("episodes/b.md")).unwrap();

    let build = project.build();
    let warnings = build.warnings();
    let stale: Vec<&&message::Diagnostic> = warnings
        .iter()
        .filter(|w| w.message.as_str().contains("no longer has"))
        .collect();
    assert_eq!(stale.len(), 1, "{:?}", build.messages);
    assert!(stale[0].message.as_str().contains("b.wav"));
    assert!(
        stale[0]
            .help
            .as_deref()
            .unwrap()
            .contains("pod clean --unreferenced")
    );
    // The build itself deletes nothing the user may still want.
    assert!(project.path("target/out/b.wav").exists());

    let out = project.run(&["clean", "--unreferenced"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!project.path("target/out/b.wav").exists());
    assert!(project.path("target/out/a.wav").exists());
    assert_eq!(project.read("target/out/notes.txt"), "mine");
    assert!(project.build().warnings().is_empty());
}

#[test]
fn outputs_of_a_dropped_format_are_stale_too() {
    let project = Project::fixture();
    project.edit(
        "podcast.toml",
        r#"formats = ["wav"]"#,
        r#"formats = ["wav", "vtt"]"#,
    );
    project.build();
    project.edit(
        "podcast.toml",
        r#"formats = ["wav", "vtt"]"#,
        r#"formats = ["wav"]"#,
    );
    let build = project.build();
    let warnings = build.warnings();
    assert_eq!(warnings.len(), 1, "{:?}", build.messages);
    let message = warnings[0].message.as_str();
    assert!(
        message.contains("formats the project no longer asks for"),
        "{message}"
    );
    assert!(
        message.contains("a.vtt") && message.contains("b.vtt"),
        "{message}"
    );
    assert!(project.path("target/out/a.vtt").exists());

    let out = project.run(&["clean", "--unreferenced"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!project.path("target/out/a.vtt").exists());
    assert!(!project.path("target/out/b.vtt").exists());
    assert!(project.path("target/out/a.wav").exists());
}

#[test]
fn clean_episode_matches_outputs_on_disk() {
    for args in [&["--outputs", "-e", "b"][..], &["-e", "b*"]] {
        let project = Project::fixture();
        project.build();
        fs::remove_file(project.path("episodes/b.md")).unwrap();
        let out = project.run(&[&["clean", "-y"], args].concat());
        assert!(
            out.status.success(),
            "clean {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(!project.path("target/out/b.wav").exists(), "{args:?}");
        assert!(project.path("target/out/a.wav").exists());
    }
}

/// The path of the blob a record names, and the record's path.
fn record_of_kind(project: &Project, kind: &str) -> (PathBuf, PathBuf) {
    let ac = project.path("target/cache/ac");
    for relative in snapshot(&ac).keys() {
        let path = ac.join(relative);
        let record: Value = serde_json::from_slice(&fs::read(&path).unwrap()).unwrap();
        if record["kind"] == kind {
            let hash = record["output"]["hash"].as_str().unwrap();
            let blob = project.path("target/cache/cas").join(&hash[..2]).join(hash);
            return (path, blob);
        }
    }
    panic!("no {kind} record");
}

fn truncate_to_half(path: &Path) {
    let bytes = fs::read(path).unwrap();
    fs::write(path, &bytes[..bytes.len() / 2]).unwrap();
}

/// The build warns, explains the rebuild as corruption, and makes the same outputs.
fn assert_rebuilt_as_corrupt(project: &Project, first: &crate::common::Build, kind: &str) {
    let again = project.build();
    assert!(
        again
            .warnings()
            .iter()
            .any(|w| w.message.as_str().contains("cache entry corrupt")),
        "{:?}",
        again.messages
    );
    assert_eq!(again.dirty(kind), vec!["cache entry corrupt".to_string()]);
    assert_eq!(again.outputs(), first.outputs());
    assert!(project.run(&["cache", "verify"]).status.success());
}

#[test]
fn a_truncated_record_is_damage() {
    let project = Project::fixture();
    let first = project.build();
    let (record, _) = record_of_kind(&project, "tts");
    truncate_to_half(&record);

    let out = project.run(&["cache", "verify"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("1 problem"), "{stderr}");
    assert!(stderr.contains("damaged record"), "{stderr}");
    assert_rebuilt_as_corrupt(&project, &first, "tts");
}

#[test]
fn a_truncated_blob_is_damage() {
    for kind in ["tts", "wav"] {
        let project = Project::fixture();
        let first = project.build();
        let (_, blob) = record_of_kind(&project, kind);
        truncate_to_half(&blob);

        let out = project.run(&["cache", "verify"]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{stderr}");
        assert!(stderr.contains("1 problem"), "{stderr}");
        assert_rebuilt_as_corrupt(&project, &first, kind);
    }
}

/// `pod build` run under a umask, through the shell that sets it.
fn build_under_umask(project: &Project, umask: &str) {
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!("umask {umask} && exec \"$0\" build -q"))
        .arg(assert_cmd::cargo::cargo_bin("pod"))
        .current_dir(project.root())
        .env_remove("POD_TARGET_DIR")
        .env("CI", "1")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn mode(path: &Path) -> u32 {
    fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[test]
fn published_outputs_get_the_mode_the_umask_gives_new_files() {
    let project = Project::fixture();
    build_under_umask(&project, "022");
    assert_eq!(mode(&project.path("target/out/a.wav")), 0o644);
    fs::remove_file(project.path("target/out/a.wav")).unwrap();
    build_under_umask(&project, "027");
    assert_eq!(mode(&project.path("target/out/a.wav")), 0o640);
}

#[test]
fn temp_files_of_a_killed_build_are_removed_when_no_build_runs() {
    let project = Project::fixture();
    project.build();
    let stale = project.path("target/cache/tmp/.tmpKILLED");
    fs::write(&stale, "half a blob").unwrap();

    // Another build holds the lock: its temp files are never touched.
    let lock = fs::File::options()
        .write(true)
        .open(project.path("target/.lock"))
        .unwrap();
    lock.lock_shared().unwrap();
    project.build();
    assert!(stale.exists());

    lock.unlock().unwrap();
    project.build();
    assert!(!stale.exists());
    assert!(snapshot(&project.path("target/cache/tmp")).is_empty());
}

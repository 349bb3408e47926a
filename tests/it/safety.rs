//! What pod may delete and how it treats damage: clean refuses directories
//! pod did not create, stale outputs, truncated cache entries, the mode of
//! published files, and temp files left by a killed build.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use crate::common::{Project, snapshot};
use serde_json::Value;

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
        again.warnings().iter().any(|w| w["message"]
            .as_str()
            .unwrap()
            .contains("cache entry corrupt")),
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

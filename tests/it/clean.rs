//! `pod clean` removes exactly what it says, and nothing outside the target directory.

use std::fs;

use crate::common::Project;

fn clean(project: &Project, args: &[&str]) -> std::process::Output {
    project.pod().arg("clean").args(args).output().unwrap()
}

#[test]
fn dry_run_removes_nothing_and_says_how_much() {
    let project = Project::fixture();
    project.build();
    let before = project.target_snapshot();
    let out = clean(&project, &["--dry-run"]);
    assert!(out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("Summary"), "{stderr}");
    assert!(
        stderr.contains(&format!("{} files", before.len())),
        "{stderr}"
    );
    assert_eq!(project.target_snapshot(), before);
}

#[test]
fn clean_cache_keeps_outputs_and_forces_resynthesis() {
    let project = Project::fixture();
    let first = project.build();
    let out = clean(&project, &["--cache"]);
    assert!(out.status.success());
    // Only the ledger of published outputs stays, so pod still knows its outputs.
    let left = crate::common::snapshot(&project.path("target/cache"));
    assert!(left.keys().all(|p| p.starts_with("published")), "{left:?}");
    assert!(project.path("target/out/a.wav").exists());
    let again = project.build();
    assert_eq!(again.executed("tts"), 7);
    assert_eq!(again.outputs(), first.outputs());
}

#[test]
fn clean_outputs_keeps_the_cache() {
    let project = Project::fixture();
    let first = project.build();
    let out = clean(&project, &["--outputs"]);
    assert!(out.status.success());
    assert!(crate::common::snapshot(&project.path("target/out")).is_empty());
    assert!(project.path("target/cache/cas").exists());
    let again = project.build();
    assert_eq!(
        again.executed("tts") + again.executed("assemble") + again.executed("wav"),
        0
    );
    assert_eq!(again.outputs(), first.outputs());
}

#[test]
fn clean_removes_the_target_directory_and_reports_it() {
    let project = Project::fixture();
    project.build();
    let files = project.target_snapshot().len();
    let out = clean(&project, &[]);
    assert!(out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!("Removed {files} files")),
        "{stderr}"
    );
    assert!(!project.path("target").exists());
    assert!(project.path("episodes/a.md").exists());
    assert!(project.path("podcast.toml").exists());
}

#[test]
fn symlinks_are_removed_not_followed() {
    let project = Project::fixture();
    project.build();
    let outside = tempfile::TempDir::new().unwrap();
    fs::write(outside.path().join("precious.txt"), "keep me").unwrap();
    std::os::unix::fs::symlink(outside.path(), project.path("target/out/link")).unwrap();
    std::os::unix::fs::symlink(
        outside.path().join("precious.txt"),
        project.path("target/cache/file-link"),
    )
    .unwrap();
    assert!(clean(&project, &[]).status.success());
    assert!(!project.path("target").exists());
    assert_eq!(
        fs::read_to_string(outside.path().join("precious.txt")).unwrap(),
        "keep me"
    );
}

#[test]
fn refuses_to_remove_what_pod_does_not_own() {
    let project = Project::fixture();
    // A cargo build directory used as pod's target directory.
    project.edit(
        "podcast.toml",
        "[output]",
        "[build]\ntarget_dir = \"target\"\n\n[output]",
    );
    fs::create_dir_all(project.path("target/debug")).unwrap();
    fs::write(project.path("target/.rustc_info.json"), "{}").unwrap();
    fs::write(project.path("target/debug/pod"), "a binary").unwrap();
    project.build();
    let out = clean(&project, &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cargo's build directory"));
    assert!(project.path("target/debug/pod").exists());
    // Pod's own parts of it can still be cleaned.
    assert!(clean(&project, &["--cache", "--outputs"]).status.success());
    assert!(!project.path("target/cache").exists());
    assert!(project.path("target/debug/pod").exists());

    // The project itself, or anything above it, is never a target directory.
    for dir in [".", "..", "/"] {
        let out = clean(&project, &["--target-dir", dir]);
        assert_eq!(out.status.code(), Some(2), "--target-dir {dir}");
        assert!(project.path("podcast.toml").exists());
    }
}

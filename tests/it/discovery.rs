//! Episode discovery (`.gitignore`, `.podignore`, globs; an empty pattern is
//! an error), `-e` globs over episode ids, `pod new`, `pod completions` and
//! `pod man`.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command as Process;

use assert_cmd::Command;
use pod::message::Message;
use tempfile::TempDir;

use crate::common::Project;

const EPISODES: &str = r#"episodes = ["episodes/*.md"]"#;

/// The ids of the episodes `pod status` (with `extra` arguments) looks at.
fn status_episodes(project: &Project, extra: &[&str]) -> BTreeSet<String> {
    let out = project
        .pod()
        .args(["status", "--message-format", "json"])
        .args(extra)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|line| match serde_json::from_str(line).unwrap() {
            Message::Step(step) => Some(step.episode),
            _ => None,
        })
        .collect()
}

fn ids(list: &[&str]) -> BTreeSet<String> {
    list.iter().map(|s| s.to_string()).collect()
}

fn pod_in(dir: &Path) -> Command {
    let mut cmd = Command::cargo_bin("pod").unwrap();
    cmd.current_dir(dir)
        .env_remove("POD_TARGET_DIR")
        .env("CI", "1");
    cmd
}

#[test]
fn ignored_hidden_and_target_files_are_not_episodes() {
    let project = Project::fixture();
    project.edit("podcast.toml", EPISODES, r#"episodes = ["**/*.md"]"#);
    for file in [
        "episodes/drafts/c.md",
        "node_modules/x.md",
        "episodes/notes.md",
        ".hidden/h.md",
        "target/t.md",
    ] {
        project.write(file, "Not an episode.\n");
    }
    project.write(".gitignore", "drafts/\nnode_modules/\n");
    project.write("episodes/.podignore", "notes.md\n");
    // Not a git repository: .gitignore applies all the same.
    assert!(!project.path(".git").exists());
    assert_eq!(status_episodes(&project, &[]), ids(&["a", "b"]));

    // Without the ignore files, the same glob finds them (the target and
    // hidden directories still excepted).
    std::fs::remove_file(project.path(".gitignore")).unwrap();
    std::fs::remove_file(project.path("episodes/.podignore")).unwrap();
    assert_eq!(
        status_episodes(&project, &[]),
        ids(&["a", "b", "c", "notes", "x"])
    );
}

#[test]
fn episodes_in_an_allowed_directory_outside_the_project() {
    let shared = TempDir::new().unwrap();
    std::fs::write(shared.path().join("s.md"), "Shared.\n").unwrap();
    let name = shared.path().file_name().unwrap().to_str().unwrap();
    let project = Project::fixture();
    project.edit(
        "podcast.toml",
        EPISODES,
        &format!("episodes = [\"episodes/*.md\", \"../{name}/*.md\"]"),
    );
    project.edit(
        "podcast.toml",
        "[output]",
        &format!("[build]\nallow_paths = [\"../{name}\"]\n\n[output]"),
    );
    assert_eq!(status_episodes(&project, &[]), ids(&["a", "b", "s"]));
}

/// 1-based line and column of `needle` in podcast.toml.
fn position(project: &Project, needle: &str) -> (usize, usize) {
    let text = project.read("podcast.toml");
    let offset = text.find(needle).unwrap();
    let line = text[..offset].matches('\n').count() + 1;
    let column = offset - text[..offset].rfind('\n').map_or(0, |n| n + 1) + 1;
    (line, column)
}

#[test]
fn a_pattern_matching_nothing_or_invalid_is_a_located_error() {
    let project = Project::fixture();
    for (pattern, message) in [
        ("eps/*.md", "matches no files"),
        ("episodes/[.md", "invalid glob pattern"),
        // Its only match is ignored.
        ("node_modules/*.md", "matches no files"),
    ] {
        project.write("node_modules/x.md", "Not an episode.\n");
        project.write(".gitignore", "node_modules/\n");
        let patterns = format!(r#"episodes = ["episodes/*.md", "{pattern}"]"#);
        project.write(
            "podcast.toml",
            &project
                .read("podcast.toml")
                .replacen(EPISODES, &patterns, 1),
        );
        let (line, column) = position(&project, &format!("\"{pattern}\""));
        let out = project.run(&["build"]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{stderr}");
        assert!(
            stderr.contains(&format!("podcast.toml:{line}:{column}")),
            "{stderr}"
        );
        assert!(stderr.contains(&format!("`{pattern}`")), "{stderr}");
        assert!(stderr.contains(message), "{stderr}");
        assert!(!project.path("target").exists(), "nothing written");
        project.write(
            "podcast.toml",
            &project
                .read("podcast.toml")
                .replacen(&patterns, EPISODES, 1),
        );
    }
}

#[test]
fn episode_globs_select_episodes() {
    let project = Project::fixture();
    project.write("episodes/ep1.md", "One.\n");
    project.write("episodes/ep2.md", "Two.\n");
    assert_eq!(
        status_episodes(&project, &["-e", "ep*"]),
        ids(&["ep1", "ep2"])
    );
    // An exact id still works, positional or with -e, beside a glob.
    assert_eq!(status_episodes(&project, &["a"]), ids(&["a"]));
    assert_eq!(
        status_episodes(&project, &["-e", "b", "-e", "ep[2]"]),
        ids(&["b", "ep2"])
    );

    let out = project.run(&["status", "-e", "zz*"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("no episode matches `zz*`"), "{stderr}");
    assert!(stderr.contains("a, b, ep1, ep2"), "{stderr}");

    let build = project.build_with(&["-e", "ep*"]);
    build.assert_success();
    let built: BTreeSet<String> = build.outputs().into_keys().map(|(id, _)| id).collect();
    assert_eq!(built, ids(&["ep1", "ep2"]));
    let failed = project.build_with(&["-e", "zz*"]);
    assert_eq!(failed.code(), 2);
    assert!(failed.errors()[0].message.contains("`zz*`"));
}

#[test]
fn pod_new_creates_a_project_that_builds() {
    let dir = TempDir::new().unwrap();
    let out = pod_in(dir.path()).args(["new", "demo"]).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("Created"), "{stderr}");
    let demo = dir.path().join("demo");
    let gitignore = std::fs::read_to_string(demo.join(".gitignore")).unwrap();
    assert!(gitignore.lines().any(|l| l == "target/"));

    let out = pod_in(&demo).arg("build").output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for file in ["01-welcome.mp3", "01-welcome.vtt", "02-editing.mp3"] {
        let path = demo.join("target/out").join(file);
        assert!(std::fs::metadata(&path).unwrap().len() > 0, "{file}");
    }
}

#[test]
fn pod_new_refuses_a_non_empty_directory() {
    let dir = TempDir::new().unwrap();
    std::fs::create_dir(dir.path().join("taken")).unwrap();
    std::fs::write(dir.path().join("taken/notes.txt"), "mine\n").unwrap();
    let out = pod_in(dir.path()).args(["new", "taken"]).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("not empty"), "{stderr}");
    let left: Vec<_> = std::fs::read_dir(dir.path().join("taken"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(left, ["notes.txt"]);
}

fn pod_stdout(args: &[&str]) -> String {
    let out = pod_in(Path::new(".")).args(args).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn completions_for_each_shell() {
    let dir = TempDir::new().unwrap();
    let bash = pod_stdout(&["completions", "bash"]);
    assert!(bash.contains("build"));
    let file = dir.path().join("pod.bash");
    std::fs::write(&file, &bash).unwrap();
    let check = Process::new("bash").arg("-n").arg(&file).output().unwrap();
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stderr)
    );
    for shell in ["zsh", "fish", "elvish", "powershell"] {
        assert!(
            pod_stdout(&["completions", shell]).contains("build"),
            "{shell}"
        );
    }
}

/// Problems groff finds in a man page, or None when groff is not installed.
fn groff_complaints(page: &Path) -> Option<String> {
    let out = Process::new("groff")
        .args(["-man", "-Tutf8", "-z", "-ww"])
        .arg(page)
        .output()
        .ok()?;
    assert!(out.status.success());
    Some(String::from_utf8_lossy(&out.stderr).into_owned())
}

#[test]
fn man_pages_render_cleanly() {
    let page = pod_stdout(&["man"]);
    assert!(page.contains("\n.TH pod 1 "), "{page}");
    for command in [
        "build",
        "status",
        "watch",
        "clean",
        "cache",
        "new",
        "completions",
        "man",
    ] {
        assert!(page.contains(command), "{command}");
    }
    let dir = TempDir::new().unwrap();
    std::fs::write(dir.path().join("pod.1"), &page).unwrap();
    if let Some(complaints) = groff_complaints(&dir.path().join("pod.1")) {
        assert_eq!(complaints, "");
    }

    let out = dir.path().join("pages");
    pod_stdout(&["man", "--out", out.to_str().unwrap()]);
    for name in ["pod.1", "pod-build.1", "pod-new.1", "pod-cache-ls.1"] {
        let page = out.join(name);
        assert!(page.is_file(), "{name}");
        if let Some(complaints) = groff_complaints(&page) {
            assert_eq!(complaints, "", "{name}");
        }
    }
}

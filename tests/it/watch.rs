//! `pod watch` rebuilds on save, waits out a broken edit, and stops on Ctrl-C.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use crate::common::Project;
use serde_json::Value;

struct Watch {
    child: Child,
    messages: mpsc::Receiver<Value>,
    /// Human output (stderr), when started with `start_human`.
    lines: mpsc::Receiver<String>,
}

impl Watch {
    fn start(project: &Project) -> Watch {
        Watch::spawn(project, "json", &[])
    }

    fn start_human(project: &Project) -> Watch {
        Watch::spawn(project, "human", &[])
    }

    fn spawn(project: &Project, format: &str, env: &[(&str, &str)]) -> Watch {
        let mut child = Command::new(assert_cmd::cargo::cargo_bin("pod"))
            .current_dir(project.root())
            .args(["watch", "--message-format", format, "--debounce-ms", "100"])
            .env("CI", "1")
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(if format == "human" {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, messages) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Ok(message) = serde_json::from_str(&line) {
                    let _ = tx.send(message);
                }
            }
        });
        let (tx, lines) = mpsc::channel();
        if let Some(stderr) = child.stderr.take() {
            std::thread::spawn(move || {
                for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                    let _ = tx.send(line);
                }
            });
        }
        Watch {
            child,
            messages,
            lines,
        }
    }

    /// Human lines up to and including the next one containing `needle`.
    fn until_line(&self, needle: &str) -> Vec<String> {
        let mut seen = Vec::new();
        loop {
            let line = self
                .lines
                .recv_timeout(Duration::from_secs(60))
                .unwrap_or_else(|_| {
                    panic!("no line with `{needle}` within a minute; saw {seen:?}")
                });
            let done = line.contains(needle);
            seen.push(line);
            if done {
                return seen;
            }
        }
    }

    /// Sends Ctrl-C (SIGINT) and returns the exit code.
    fn interrupt(self) -> Option<i32> {
        let status = Command::new("kill")
            .args(["-INT", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
        let mut child = self.child;
        child.wait().unwrap().code()
    }

    /// Messages up to and including the next one with `reason`.
    fn until(&self, reason: &str) -> Vec<Value> {
        let mut seen = Vec::new();
        loop {
            let message = self
                .messages
                .recv_timeout(Duration::from_secs(60))
                .unwrap_or_else(|_| panic!("no `{reason}` message within a minute; saw {seen:?}"));
            let done = message["reason"] == reason;
            seen.push(message);
            if done {
                return seen;
            }
        }
    }
}

fn executed(messages: &[Value], kind: &str) -> usize {
    messages
        .iter()
        .filter(|m| m["reason"] == "step" && m["kind"] == kind && m["status"] == "executed")
        .count()
}

#[test]
fn watch_rebuilds_what_an_edit_touched() {
    let project = Project::fixture();
    let watch = Watch::start(&project);
    let first = watch.until("build-finished");
    assert_eq!(executed(&first, "tts"), 7);
    // Let the watcher settle before saving.
    std::thread::sleep(Duration::from_millis(300));

    project.edit("episodes/a.md", "Short one.", "Short two.");
    let second = watch.until("build-finished");
    assert_eq!(executed(&second, "tts"), 1);
    assert_eq!(executed(&second, "assemble"), 1);
    assert_eq!(second.last().unwrap()["success"], true);

    // A half-typed edit: the error is reported and nothing is built.
    project.edit(
        "episodes/b.md",
        "Plain words here.",
        "Plain [pause words here.",
    );
    let broken = watch.until("build-finished");
    let error = broken
        .iter()
        .find(|m| m["reason"] == "error")
        .expect("an error message");
    assert_eq!(error["file"], "episodes/b.md");
    assert_eq!(broken.last().unwrap()["success"], false);

    project.edit(
        "episodes/b.md",
        "Plain [pause words here.",
        "Plain words here, fixed.",
    );
    let fixed = watch.until("build-finished");
    assert_eq!(executed(&fixed, "tts"), 1);
    assert_eq!(fixed.last().unwrap()["success"], true);

    // Ctrl-C between builds exits cleanly.
    let status = Command::new("kill")
        .args(["-INT", &watch.child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let mut child = watch.child;
    let exit = child.wait().unwrap();
    assert_eq!(exit.code(), Some(0));
    assert!(project.path("target/out/b.wav").exists());
}

#[test]
fn watch_rebuilds_when_a_media_file_changes() {
    let project = Project::fixture_with_media();
    let watch = Watch::start(&project);
    let first = watch.until("build-finished");
    assert_eq!(first.last().unwrap()["success"], true);
    std::thread::sleep(Duration::from_millis(300));

    // A new bed: nothing to plan again, but the mix reads the file's content.
    crate::common::write_tone(&project.path("media/bed.wav"), 2.0, 22050, 0.2);
    let second = watch.until("build-finished");
    assert_eq!(executed(&second, "tts"), 0);
    assert_eq!(executed(&second, "mix"), 2);

    let _ = Command::new("kill")
        .args(["-INT", &watch.child.id().to_string()])
        .status();
    let mut child = watch.child;
    assert_eq!(child.wait().unwrap().code(), Some(0));
}

#[test]
fn watch_rebuilds_when_a_voice_model_changes() {
    let project = crate::voice_model::fixture_with_model();
    let watch = Watch::start(&project);
    let first = watch.until("build-finished");
    assert_eq!(first.last().unwrap()["success"], true);
    std::thread::sleep(Duration::from_millis(300));

    // New bytes in the guest's model: its sentences, and only those.
    std::fs::write(
        project.path("voices/alt.onnx"),
        crate::voice_model::other_model(),
    )
    .unwrap();
    let second = watch.until("build-finished");
    assert_eq!(executed(&second, "tts"), 2);

    let _ = Command::new("kill")
        .args(["-INT", &watch.child.id().to_string()])
        .status();
    let mut child = watch.child;
    assert_eq!(child.wait().unwrap().code(), Some(0));
}

/// hibari's `backend = "onnxruntime"` with no library: the build fails; a
/// library installed while `pod watch` runs is found by the next build,
/// without a restart.
#[test]
fn watch_finds_an_onnx_runtime_installed_while_it_runs() {
    let project = Project::fixture();
    project.edit(
        "podcast.toml",
        "[voices.guest]\nspeed = 1.15",
        "[voices.guest]\nspeed = 1.15\nbackend = \"onnxruntime\"",
    );
    // Outside the project, which the watch does not see.
    let lib = tempfile::tempdir().unwrap();
    let installed = lib.path().join("libonnxruntime.so");
    let watch = Watch::spawn(
        &project,
        "json",
        &[("ORT_DYLIB_PATH", installed.to_str().unwrap())],
    );
    let first = watch.until("build-finished");
    assert_eq!(first.last().unwrap()["success"], false, "{first:?}");
    let error = first.iter().find(|m| m["reason"] == "error").unwrap();
    assert!(
        error["message"].as_str().unwrap().contains("does not load"),
        "{error}"
    );
    std::thread::sleep(Duration::from_millis(300));

    // The library `pip install onnxruntime` brings, put where the path says.
    std::os::unix::fs::symlink(crate::onnxruntime::python_library(), &installed).unwrap();
    project.edit("episodes/a.md", "Short one.", "Short two.");
    let second = watch.until("build-finished");
    assert_eq!(second.last().unwrap()["success"], true, "{second:?}");
    let _ = Command::new("kill")
        .args(["-INT", &watch.child.id().to_string()])
        .status();
    let mut child = watch.child;
    assert_eq!(child.wait().unwrap().code(), Some(0));
    // What it built is what a new process, finding the library, would key:
    // nothing is left to speak.
    let again = project.build_in_env(&[("ORT_DYLIB_PATH", installed.to_str().unwrap())], &[]);
    again.assert_success();
    assert_eq!(again.executed("tts"), 0);
}

#[test]
fn watch_rebuilds_when_a_lexicon_changes() {
    use crate::pronunciations::{pls, pronounce};
    let project = Project::fixture();
    project.write("names.pls", &pls(&[("friend", "<alias>pal</alias>")]));
    pronounce(&project, "lexicons = [\"names.pls\"]");
    let watch = Watch::start(&project);
    let first = watch.until("build-finished");
    assert_eq!(first.last().unwrap()["success"], true);
    std::thread::sleep(Duration::from_millis(300));

    // A new alias: the one sentence that says the word (both episodes
    // share it), and nothing else.
    project.write("names.pls", &pls(&[("friend", "<alias>buddy</alias>")]));
    let second = watch.until("build-finished");
    assert_eq!(second.last().unwrap()["success"], true);
    assert_eq!(executed(&second, "tts"), 1);

    let _ = Command::new("kill")
        .args(["-INT", &watch.child.id().to_string()])
        .status();
    let mut child = watch.child;
    assert_eq!(child.wait().unwrap().code(), Some(0));
}

#[test]
fn ctrl_c_right_after_a_build_exits_cleanly() {
    // A built project: each watch's first build is all cache hits, so
    // Ctrl-C lands right after `build-finished`, where the race was.
    let project = Project::fixture();
    project.build();
    for round in 0..20 {
        let watch = Watch::start(&project);
        let finished = watch.until("build-finished");
        assert_eq!(finished.last().unwrap()["success"], true);
        assert_eq!(watch.interrupt(), Some(0), "round {round}");
    }
}

#[test]
fn a_rebuild_prints_the_loudness_of_what_it_rebuilt_only() {
    let project = Project::fixture();
    let watch = Watch::start_human(&project);
    let first = watch.until_line("Finished");
    let loudness = |lines: &[String]| -> Vec<String> {
        lines
            .iter()
            .filter_map(|l| l.trim_start().strip_prefix("Loudness "))
            .map(|l| l.split(':').next().unwrap().to_string())
            .collect()
    };
    assert_eq!(loudness(&first), ["a.wav", "b.wav"]);
    watch.until_line("Watching");
    std::thread::sleep(Duration::from_millis(300));

    project.edit("episodes/a.md", "Short one.", "Short two.");
    let second = watch.until_line("Finished");
    assert!(
        second
            .iter()
            .any(|l| l.contains("Writing") && l.contains("a.wav")),
        "a was rebuilt: {second:?}"
    );
    assert_eq!(loudness(&second), ["a.wav"], "{second:?}");
    assert_eq!(watch.interrupt(), Some(0));
}

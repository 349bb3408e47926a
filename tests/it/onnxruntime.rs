//! hibari's `backend = "onnxruntime"`: the user's ONNX Runtime runs the
//! model. The backend's version is in the key of exactly the voices that
//! choose it, so switching re-speaks exactly their sentences and switching
//! back speaks nothing; without a library a build fails saying how to get
//! one, and keeps everything it had; a backend pod lacks is a located
//! error. `scripts/test` installs the library (PyPI's `onnxruntime`, which
//! pod finds through `python3`).

use std::collections::BTreeSet;

use crate::common::Project;
use crate::mutation::same_as_clean;

const W: &str = "Welcome back; good to see you."; // the guest, a.md
const G: &str = "A guest line."; // the guest, b.md

const GUEST: &str = "[voices.guest]\nspeed = 1.15";
const GUEST_ORT: &str = "[voices.guest]\nspeed = 1.15\nbackend = \"onnxruntime\"";

/// The library of python3's `onnxruntime` package (what pod itself finds
/// when nothing else is set).
pub fn python_library() -> std::path::PathBuf {
    let found = std::process::Command::new("python3")
        .args([
            "-c",
            "import glob, importlib.util, os\n\
             spec = importlib.util.find_spec('onnxruntime')\n\
             capi = os.path.join(os.path.dirname(spec.origin), 'capi')\n\
             print(sorted(glob.glob(os.path.join(capi, 'libonnxruntime.so*')))[0])",
        ])
        .output()
        .unwrap();
    assert!(found.status.success(), "{found:?}");
    std::path::PathBuf::from(String::from_utf8(found.stdout).unwrap().trim())
}

fn texts(list: &[&str]) -> BTreeSet<String> {
    list.iter().map(|s| s.to_string()).collect()
}

#[test]
fn switching_a_voice_s_backend_respeaks_exactly_its_sentences() {
    let project = Project::fixture();
    project.build();

    project.edit("podcast.toml", GUEST, GUEST_ORT);
    let to_ort = project.build();
    assert_eq!(to_ort.synthesised_texts(), texts(&[W, G]));
    // The library's version stands for tract's in the key, and `--explain`
    // names both.
    for dirty in to_ort.dirty("tts") {
        assert!(
            dirty.starts_with("engine.version fe2 tract0.23k1 ") && dirty.contains(" -> fe2 ort1."),
            "{dirty}"
        );
    }
    same_as_clean(&project, &to_ort).unwrap();

    // Each voice speaks with its own backend, at about the same length.
    let (_, ort) = crate::common::wav_samples(&to_ort.outputs()[&("b".into(), "wav".into())]);
    project.edit("podcast.toml", GUEST_ORT, GUEST);
    let back = project.build();
    assert_eq!(back.executed("tts"), 0);
    same_as_clean(&project, &back).unwrap();
    let (_, tract) = crate::common::wav_samples(&back.outputs()[&("b".into(), "wav".into())]);
    assert_ne!(ort, tract);
    let ratio = ort.len() as f64 / tract.len() as f64;
    assert!((0.95..1.05).contains(&ratio), "{ratio}");

    // The default, written out, is the default: nothing is spoken again.
    project.edit(
        "podcast.toml",
        GUEST,
        "[voices.guest]\nspeed = 1.15\nbackend = \"tract\"",
    );
    assert_eq!(project.build().executed("tts"), 0);
}

#[test]
fn without_a_library_a_build_fails_saying_how_to_get_one_and_keeps_what_it_had() {
    let project = Project::fixture();
    let missing = [("ORT_DYLIB_PATH", "/nonexistent/libonnxruntime.so")];
    // A project no voice of which chooses the backend never looks for it.
    project.build_in_env(&missing, &[]).assert_success();
    let before = project.target_snapshot();

    project.edit("podcast.toml", GUEST, GUEST_ORT);
    let status = project.pod().envs(missing).arg("status").output().unwrap();
    assert_eq!(status.status.code(), Some(0), "{status:?}");

    let build = project.build_in_env(&missing, &[]);
    assert_eq!(build.code(), 1, "{}", build.stderr());
    let error = build
        .errors()
        .first()
        .map(|e| e.message.clone())
        .unwrap_or_default();
    for needed in [
        "`hibari` engine",
        "ORT_DYLIB_PATH `/nonexistent/libonnxruntime.so` does not load",
        "pip install onnxruntime",
    ] {
        assert!(error.contains(needed), "{needed} not in {error}");
    }
    // Every output and cache entry of the last good build is still there,
    // byte for byte; only the usage index (hit counts, last use) changes.
    let after = project.target_snapshot();
    let index = std::path::PathBuf::from("cache/index.json");
    for (path, bytes) in before.iter().filter(|(path, _)| **path != index) {
        assert_eq!(after.get(path), Some(bytes), "{path:?} changed");
    }

    // With the library, the same build completes.
    let build = project.build();
    assert_eq!(build.synthesised_texts(), texts(&[W, G]));
}

#[test]
fn a_backend_pod_lacks_is_an_error_at_its_place() {
    let project = Project::fixture();
    project.edit(
        "podcast.toml",
        GUEST,
        "[voices.guest]\nspeed = 1.15\nbackend = \"onnx\"",
    );
    let build = project.build_with(&[]);
    assert_eq!(build.code(), 2, "{}", build.stderr());
    let error = &build.errors()[0];
    let text = project.read("podcast.toml");
    let line = text
        .lines()
        .position(|l| l == "backend = \"onnx\"")
        .unwrap()
        + 1;
    assert_eq!(
        (error.file.as_deref(), error.line, error.column),
        (Some("podcast.toml"), Some(line as u64), Some(11))
    );
    assert_eq!(
        error.message,
        "unknown backend `onnx` for the `hibari` engine"
    );
    assert_eq!(
        error.help.as_deref(),
        Some("choose one of `tract`, `onnxruntime`")
    );
    assert!(!project.path("target/cache").exists(), "nothing ran");
}

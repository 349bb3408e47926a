//! The `flite` engine (Debian's program): switching a voice between engines
//! re-synthesises exactly that voice's sentences and switching back
//! synthesises nothing; what pod stores is what flite itself says; its own
//! settings are checked with its own keys and ranges; without the program a
//! build fails clearly while planning, `status` and `clean` still work.
//! `scripts/test` installs the program.

use std::collections::BTreeSet;
use std::path::Path;

use pod::audio::clip::{Clip, ClipPart};
use pod::message::StepStatus;

use crate::common::{Build, Project};
use crate::mutation::same_as_clean;

const W: &str = "Welcome back; good to see you."; // the guest, a.md
const G: &str = "A guest line."; // the guest, b.md

const GUEST: &str = "[voices.guest]\nspeed = 1.15";
const GUEST_FLITE: &str =
    "[voices.guest]\nengine = \"flite\"\nvoice = \"kal\"\nduration_stretch = 1.1";

/// The fixture with no episode setting the guest's hibari-only `speed`, so
/// the guest may switch engine in podcast.toml alone.
fn fixture() -> Project {
    let project = Project::fixture();
    project.edit("episodes/a.md", "[voices.guest]\nspeed = 0.9\n", "");
    project
}

fn texts(list: &[&str]) -> BTreeSet<String> {
    list.iter().map(|s| s.to_string()).collect()
}

/// Fails clearly when the program the tests need is missing.
fn require_program() {
    let found = std::process::Command::new("flite")
        .arg("-lv")
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        found,
        "these tests need the `flite` program: run `bash scripts/test`, which installs it, \
         or `apt-get install flite`"
    );
}

#[test]
fn switching_a_voice_between_engines_respeaks_exactly_its_sentences() {
    require_program();
    let project = fixture();
    project.build();

    project.edit("podcast.toml", GUEST, GUEST_FLITE);
    let to_flite = project.build();
    assert_eq!(to_flite.synthesised_texts(), texts(&[W, G]));
    same_as_clean(&project, &to_flite).unwrap();
    // The engine and the program's own version are in the key.
    let dirty = to_flite.dirty("tts").join(", ");
    assert!(
        dirty.contains("engine.name hibari -> flite")
            && dirty.contains("engine.version fe2 tract0.23k1 ")
            && dirty.contains(" -> flite-2."),
        "{dirty}"
    );

    project.edit("podcast.toml", GUEST_FLITE, GUEST);
    let back = project.build();
    assert_eq!(back.synthesised_texts(), BTreeSet::new());
    assert_eq!(back.executed("tts"), 0);
    same_as_clean(&project, &back).unwrap();
}

/// The speech pod stored for the sentence `text`, read from the cache.
fn stored_clip(project: &Project, build: &Build, text: &str) -> Clip {
    let read_json = |path: String| -> serde_json::Value {
        serde_json::from_slice(&std::fs::read(project.path(&path)).unwrap()).unwrap()
    };
    let record = build
        .steps()
        .iter()
        .filter(|s| s.kind == "tts" && s.status == StepStatus::Executed)
        .map(|s| {
            let key = s.key.as_deref().unwrap();
            read_json(format!("target/cache/ac/{}/{key}.json", &key[..2]))
        })
        .find(|record| record["input"]["parts"][0]["text"] == text)
        .unwrap_or_else(|| panic!("no tts step spoke {text:?}"));
    let hash = record["output"]["hash"].as_str().unwrap();
    let blob = std::fs::read(project.path(&format!("target/cache/cas/{}/{hash}", &hash[..2])));
    Clip::read(&blob.unwrap()).unwrap()
}

/// What the program says for `text` when run by hand, without its leading
/// and trailing digital silence (pod makes its own pauses).
fn said_by_flite(dir: &Path, voice: &str, stretch: &str, text: &str) -> (u32, Vec<i16>) {
    let wav = dir.join("direct.wav");
    let status = std::process::Command::new("flite")
        .args(["-voice", voice, "--setf"])
        .arg(format!("duration_stretch={stretch}"))
        .arg("-o")
        .arg(&wav)
        .args(["-t", text])
        .status()
        .unwrap();
    assert!(status.success());
    let (spec, samples) = crate::common::wav_samples(&std::fs::read(&wav).unwrap());
    assert_eq!((spec.channels, spec.bits_per_sample), (1, 16));
    let start = samples.iter().position(|&s| s != 0).unwrap();
    let end = samples.iter().rposition(|&s| s != 0).unwrap() + 1;
    (spec.sample_rate, samples[start..end].to_vec())
}

#[test]
fn pod_stores_what_the_program_says_with_its_settings() {
    require_program();
    let project = fixture();
    project.edit("podcast.toml", GUEST, GUEST_FLITE);
    let first = project.build();
    let direct = tempfile::TempDir::new().unwrap();

    let clip = stored_clip(&project, &first, G);
    let (rate, samples) = said_by_flite(direct.path(), "kal", "1.1", G);
    assert_eq!(clip.sample_rate, rate);
    assert_eq!(clip.parts, vec![ClipPart::Audio(samples.clone())]);
    // Speech, not a click or silence: three words last more than half a second.
    let seconds = samples.len() as f64 / f64::from(rate);
    assert!((0.5..3.0).contains(&seconds), "{seconds} s");

    // Another voice and stretch are passed to the program too.
    project.edit("podcast.toml", "voice = \"kal\"", "voice = \"slt\"");
    project.edit(
        "podcast.toml",
        "duration_stretch = 1.1",
        "duration_stretch = 1.5",
    );
    let second = project.build();
    assert_eq!(second.synthesised_texts(), texts(&[W, G]));
    let clip = stored_clip(&project, &second, G);
    let (rate, slow) = said_by_flite(direct.path(), "slt", "1.5", G);
    assert_eq!(clip.sample_rate, rate);
    assert_eq!(clip.parts, vec![ClipPart::Audio(slow.clone())]);
    let slow_seconds = slow.len() as f64 / f64::from(rate);
    assert!(slow_seconds > seconds, "{slow_seconds} <= {seconds}");
}

#[test]
fn its_settings_are_checked_with_its_own_keys_and_ranges() {
    let project = fixture();
    project.edit("podcast.toml", GUEST, GUEST_FLITE);
    // podcast.toml: [voices.guest] is line 12, its voice 14, its stretch 15.
    let cases = [
        (
            "duration_stretch = 1.1",
            "duration_stretch = 2.5",
            15,
            20,
            "0.5 to 2",
        ),
        (
            "duration_stretch = 1.1",
            "duration_stretch = 1.1\nduration_strech = 1.2",
            16,
            1,
            "unknown field `duration_strech`",
        ),
        (
            "voice = \"kal\"",
            "voice = \"stl\"",
            14,
            9,
            "flite has no voice `stl` (did you mean `slt`?)",
        ),
        (
            "voice = \"kal\"",
            "voice = \"-o\"",
            14,
            9,
            "flite has no voice `-o`",
        ),
    ];
    for (from, to, line, column, message) in cases {
        project.edit("podcast.toml", from, to);
        let build = project.build_with(&[]);
        assert_eq!(build.code(), 2, "{to}: {}", build.stderr());
        let error = build.errors()[0];
        assert_eq!(
            (error.file.as_deref(), error.line, error.column),
            (Some("podcast.toml"), Some(line), Some(column)),
            "{to}: {error:?}"
        );
        assert!(error.message.as_str().contains(message), "{to}: {error:?}");
        if to.contains("duration_strech") {
            assert_eq!(
                error.help.as_deref(),
                Some("did you mean `duration_stretch`?")
            );
        }
        assert!(!project.path("target").exists(), "nothing is written");
        project.edit("podcast.toml", to, from);
    }
}

#[test]
fn without_the_program_a_build_fails_clearly_and_status_and_clean_work() {
    let project = fixture();
    project.edit("podcast.toml", GUEST, GUEST_FLITE);
    let empty = tempfile::TempDir::new().unwrap();
    let path = empty.path().to_str().unwrap();

    let status = project
        .pod()
        .env("PATH", path)
        .arg("status")
        .output()
        .unwrap();
    assert_eq!(status.status.code(), Some(0));
    let said = String::from_utf8_lossy(&status.stderr);
    assert!(said.contains("with the flite engine"), "{said}");

    let build = project
        .pod()
        .env("PATH", path)
        .args(["build", "--message-format", "json"])
        .output()
        .unwrap();
    assert_eq!(build.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&build.stdout);
    let error = stdout
        .lines()
        .find(|l| l.contains("\"reason\":\"error\""))
        .unwrap_or_else(|| panic!("no error in {stdout}"));
    for needed in ["voice `kal`", "`flite` engine", "apt-get install flite"] {
        assert!(error.contains(needed), "{needed} not in {error}");
    }

    let clean = project
        .pod()
        .env("PATH", path)
        .args(["clean"])
        .output()
        .unwrap();
    assert_eq!(clean.status.code(), Some(0), "{clean:?}");
    assert!(!project.path("target").exists());
}

/// A stand-in `flite` on PATH: says `version` when asked and records each
/// call in `calls`; otherwise it is the real program.
fn fake_program(dir: &Path, version: &str) {
    use std::os::unix::fs::PermissionsExt;
    let real = String::from_utf8(
        std::process::Command::new("sh")
            .args(["-c", "command -v flite"])
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    // flite itself exits 1 after printing its version.
    let script = format!(
        "#!/bin/sh\necho \"$@\" >> '{calls}'\nif [ \"$1\" = --version ]; then\n  \
         echo '  version: {version} Sep 2018 (http://cmuflite.org)'\n  exit 1\nfi\n\
         exec '{real}' \"$@\"\n",
        calls = dir.join("calls").display(),
        real = real.trim(),
    );
    let program = dir.join("flite");
    std::fs::write(&program, script).unwrap();
    std::fs::set_permissions(&program, std::fs::Permissions::from_mode(0o755)).unwrap();
}

#[test]
fn a_new_program_version_respeaks_exactly_its_voices_sentences() {
    require_program();
    let project = fixture();
    project.edit("podcast.toml", GUEST, GUEST_FLITE);
    project.build();
    let fake = tempfile::TempDir::new().unwrap();
    fake_program(fake.path(), "flite-9.99");
    let path = format!(
        "{}:{}",
        fake.path().display(),
        std::env::var("PATH").unwrap()
    );
    let build = project
        .pod()
        .env("PATH", &path)
        .args(["build", "--message-format", "json"])
        .output()
        .unwrap();
    assert_eq!(build.status.code(), Some(0));
    let stdout = String::from_utf8_lossy(&build.stdout);
    let dirty: Vec<&str> = stdout
        .lines()
        .filter(|l| l.contains("\"kind\":\"tts\"") && l.contains("\"executed\""))
        .collect();
    assert_eq!(dirty.len(), 2, "exactly the guest's sentences: {dirty:?}");
    for line in dirty {
        assert!(line.contains("-> flite-9.99"), "{line}");
    }
    // Asked once for the whole build.
    let calls = std::fs::read_to_string(fake.path().join("calls")).unwrap();
    assert_eq!(calls.matches("--version").count(), 1, "{calls}");
}

//! The `espeak-ng` engine (Debian's program): switching a voice between
//! engines re-synthesises exactly that voice's sentences and switching back
//! synthesises nothing; its own settings are checked with its own keys and
//! ranges; without the program a build fails clearly while planning,
//! `status` and `clean` still work. `scripts/test` installs the program.

use std::collections::BTreeSet;

use crate::common::Project;
use crate::mutation::same_as_clean;

const W: &str = "Welcome back; good to see you."; // the guest, a.md
const G: &str = "A guest line."; // the guest, b.md

const GUEST: &str = "[voices.guest]\nspeed = 1.15";
const GUEST_ESPEAK: &str = "[voices.guest]\nengine = \"espeak-ng\"\nvoice = \"en-gb\"\npitch = 40";

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
    let found = std::process::Command::new("espeak-ng")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        found,
        "these tests need the `espeak-ng` program: run `bash scripts/test`, which installs it, \
         or `apt-get install espeak-ng`"
    );
}

#[test]
fn switching_a_voice_between_engines_respeaks_exactly_its_sentences() {
    require_program();
    let project = fixture();
    project.build();

    project.edit("podcast.toml", GUEST, GUEST_ESPEAK);
    let to_espeak = project.build();
    assert_eq!(to_espeak.synthesised_texts(), texts(&[W, G]));
    same_as_clean(&project, &to_espeak).unwrap();
    // The engine and the program's own version are in the key.
    let dirty = to_espeak.dirty("tts").join(", ");
    assert!(
        dirty.contains("engine.name hibari -> espeak-ng")
            && dirty.contains("engine.version fe2 tract0.23k1 ")
            && dirty.contains(" -> espeak-ng 1."),
        "{dirty}"
    );

    project.edit("podcast.toml", GUEST_ESPEAK, GUEST);
    let back = project.build();
    assert_eq!(back.synthesised_texts(), BTreeSet::new());
    assert_eq!(back.executed("tts"), 0);
    same_as_clean(&project, &back).unwrap();
}

#[test]
fn the_program_speaks_its_settings() {
    require_program();
    let project = fixture();
    project.edit("podcast.toml", GUEST, GUEST_ESPEAK);
    project.edit("podcast.toml", "pitch = 40", "pitch = 40\nword_gap = 5");
    let slow = project.build();
    let slow_wav = slow.outputs()[&("b".to_string(), "wav".to_string())].clone();
    project.edit("podcast.toml", "word_gap = 5", "word_gap = 0");
    let fast = project.build();
    assert_eq!(fast.synthesised_texts(), texts(&[W, G]));
    let fast_wav = &fast.outputs()[&("b".to_string(), "wav".to_string())];
    // Gaps between words make the guest's line longer.
    assert!(
        slow_wav.len() > fast_wav.len(),
        "{} <= {}",
        slow_wav.len(),
        fast_wav.len()
    );
}

#[test]
fn its_settings_are_checked_with_its_own_keys_and_ranges() {
    let project = fixture();
    project.edit("podcast.toml", GUEST, GUEST_ESPEAK);
    // podcast.toml: [voices.guest] is line 12, its voice 14, its pitch 15.
    let cases = [
        ("pitch = 40", "pitch = 100", 15, 9, "0 to 99"),
        (
            "pitch = 40",
            "pitch = 40\nwordgap = 2",
            16,
            1,
            "unknown field `wordgap`",
        ),
        (
            "pitch = 40",
            "pitch = 40\nvariant = \"f3+x\"",
            16,
            11,
            "not an espeak-ng variant",
        ),
        (
            "voice = \"en-gb\"",
            "voice = \"-w\"",
            14,
            9,
            "not an espeak-ng voice",
        ),
    ];
    for (from, to, line, column, message) in cases {
        project.edit("podcast.toml", from, to);
        let build = project.build_with(&[]);
        assert_eq!(build.code(), 2, "{to}: {}", build.stderr());
        let error = build.errors()[0];
        assert_eq!(
            (error.line, error.column),
            (Some(line), Some(column)),
            "{to}: {error:?}"
        );
        assert!(error.message.as_str().contains(message), "{to}: {error:?}");
        if to.contains("wordgap") {
            assert_eq!(error.help.as_deref(), Some("did you mean `word_gap`?"));
        }
        assert!(!project.path("target").exists(), "nothing is written");
        project.edit("podcast.toml", to, from);
    }
}

#[test]
fn without_the_program_a_build_fails_clearly_and_status_and_clean_work() {
    let project = fixture();
    project.edit("podcast.toml", GUEST, GUEST_ESPEAK);
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
    assert!(said.contains("with the espeak-ng engine"), "{said}");

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
    for needed in [
        "voice `en-gb`",
        "`espeak-ng` engine",
        "apt-get install espeak-ng",
    ] {
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

/// A stand-in `espeak-ng` on PATH: says `version` when asked and records
/// each call in `calls`; otherwise it is the real program.
fn fake_program(dir: &std::path::Path, version: &str) {
    use std::os::unix::fs::PermissionsExt;
    let real = String::from_utf8(
        std::process::Command::new("sh")
            .args(["-c", "command -v espeak-ng"])
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    let script = format!(
        "#!/bin/sh\necho \"$@\" >> '{calls}'\nif [ \"$1\" = --version ]; then\n  \
         echo 'eSpeak NG text-to-speech: {version}  Data at: /nowhere'\n  exit 0\nfi\n\
         exec '{real}' \"$@\"\n",
        calls = dir.join("calls").display(),
        real = real.trim(),
    );
    let program = dir.join("espeak-ng");
    std::fs::write(&program, script).unwrap();
    std::fs::set_permissions(&program, std::fs::Permissions::from_mode(0o755)).unwrap();
}

#[test]
fn a_new_program_version_respeaks_exactly_its_voices_sentences() {
    require_program();
    let project = fixture();
    project.edit("podcast.toml", GUEST, GUEST_ESPEAK);
    project.build();
    let fake = tempfile::TempDir::new().unwrap();
    fake_program(fake.path(), "9.99");
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
        assert!(line.contains("-> espeak-ng 9.99"), "{line}");
    }
    // Asked once for the whole build.
    let calls = std::fs::read_to_string(fake.path().join("calls")).unwrap();
    assert_eq!(calls.matches("--version").count(), 1, "{calls}");
}

#[test]
fn a_project_that_does_not_use_the_program_never_runs_it() {
    let project = fixture();
    let fake = tempfile::TempDir::new().unwrap();
    fake_program(fake.path(), "1.0");
    project
        .pod()
        .env("PATH", fake.path())
        .args(["build", "-q"])
        .assert()
        .success();
    assert!(!fake.path().join("calls").exists());
}

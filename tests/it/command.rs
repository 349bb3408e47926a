//! The `command` engine: any program as a voice. A deterministic tone
//! program written for the tests (`tests/engines/tone.py`) stands in for a
//! real TTS, so these tests judge pod's plumbing, not a voice: what reaches
//! the program, what is keyed, and what the user sees when it fails.

use std::collections::BTreeSet;

use crate::common::Project;
use crate::mutation::same_as_clean;

pub const TONE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/engines/tone.py");

const W: &str = "Welcome back; good to see you."; // the guest, a.md
const G: &str = "A guest line."; // the guest, b.md

pub const GUEST: &str = "[voices.guest]\nspeed = 1.15";
pub const GUEST_COMMAND: &str = "[voices.guest]\nengine = \"command\"\n\
    command = [\"./tone.py\", \"--voice\", \"{voice}\", \"--out\", \"{output}\"]\nvoice = \"v1\"";

/// The fixture with `tone.py` in the project and no episode setting the
/// guest's hibari-only `speed`, so the guest may switch engine in
/// podcast.toml alone.
pub fn fixture() -> Project {
    let project = Project::fixture();
    project.edit("episodes/a.md", "[voices.guest]\nspeed = 0.9\n", "");
    install_tone(&project);
    project
}

pub fn install_tone(project: &Project) {
    let tone = project.path("tone.py");
    std::fs::copy(TONE, &tone).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&tone, std::fs::Permissions::from_mode(0o755)).unwrap();
}

fn texts(list: &[&str]) -> BTreeSet<String> {
    list.iter().map(|s| s.to_string()).collect()
}

#[test]
fn switching_a_voice_to_a_command_and_back_respeaks_exactly_its_sentences() {
    let project = fixture();
    project.build();

    project.edit("podcast.toml", GUEST, GUEST_COMMAND);
    let to_command = project.build();
    assert_eq!(to_command.synthesised_texts(), texts(&[W, G]));
    same_as_clean(&project, &to_command).unwrap();
    let dirty = to_command.dirty("tts").join(", ");
    assert!(dirty.contains("engine.name hibari -> command"), "{dirty}");

    project.edit("podcast.toml", GUEST_COMMAND, GUEST);
    let back = project.build();
    assert_eq!(back.executed("tts"), 0);
    same_as_clean(&project, &back).unwrap();
}

/// The text on stdin or as `{text}`, the audio on stdout or in `{output}`:
/// the same speech, so the same samples reach the episode (only the tts
/// steps run: their words changed, their audio did not).
#[test]
fn text_and_audio_travel_by_argument_file_or_pipe_alike() {
    let project = fixture();
    project.edit("podcast.toml", GUEST, GUEST_COMMAND);
    let first = project.build();
    let wav = first.outputs();
    for (from, to) in [
        ("\"--out\", \"{output}\"", "\"--text\", \"{text}\""),
        (
            "\"--text\", \"{text}\"",
            "\"--text\", \"{text}\", \"--out\", \"{output}\"",
        ),
    ] {
        project.edit("podcast.toml", from, to);
        let build = project.build();
        assert_eq!(build.synthesised_texts(), texts(&[W, G]), "{to}");
        assert_eq!(build.executed("assemble"), 0, "{to}: the same audio");
        assert_eq!(build.outputs(), wav, "{to}");
    }
}

#[test]
fn a_new_program_respeaks_its_sentences_and_explain_says_why() {
    let project = fixture();
    project.edit("podcast.toml", GUEST, GUEST_COMMAND);
    project.build();
    let program = project.read("tone.py");
    project.write("tone.py", &format!("{program}\n# a new release\n"));
    let build = project.build_with(&["--explain"]);
    build.assert_success();
    assert_eq!(build.synthesised_texts(), texts(&[W, G]));
    let dirty = build.dirty("tts").join(", ");
    assert!(dirty.contains("voice.command.blake3"), "{dirty}");
}

#[test]
fn command_settings_are_checked_and_located() {
    let project = fixture();
    project.edit("podcast.toml", GUEST, GUEST_COMMAND);
    // podcast.toml: [voices.guest] is line 12, its command line 14.
    let cases = [
        (
            "{output}\"]",
            "{outptu}\"]",
            14,
            11,
            "unknown placeholder `{outptu}`",
        ),
        (
            "./tone.py",
            "no-such-tts-program",
            14,
            11,
            "no program of that name on PATH",
        ),
        ("./tone.py", "../tone.py", 14, 11, "outside the project"),
        ("command = [", "comand = [", 14, 1, "unknown field `comand`"),
        ("voice = \"v1\"", "voice = 3", 15, 9, "expected a name"),
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
        assert!(error.message.contains(message), "{to}: {error:?}");
        assert!(!project.path("target").exists(), "nothing is written");
        project.edit("podcast.toml", to, from);
    }
    // A command voice needs its program: said at the engine that needs it.
    let without = GUEST_COMMAND.replace(
        "command = [\"./tone.py\", \"--voice\", \"{voice}\", \"--out\", \"{output}\"]\n",
        "",
    );
    project.edit("podcast.toml", GUEST_COMMAND, &without);
    let build = project.build_with(&[]);
    assert_eq!(build.code(), 2);
    let error = build.errors()[0];
    assert_eq!(
        (error.line, error.column),
        (Some(13), Some(10)),
        "{error:?}"
    );
    assert!(error.message.contains("needs `command`"), "{error:?}");
}

/// A program that fails, or writes something that is not audio: the build
/// fails at the sentence with what the program said, caches nothing for
/// it, and the next build after the fix resumes and equals a clean one.
#[test]
fn a_failing_program_fails_its_sentence_and_the_fix_resumes() {
    let project = fixture();
    project.edit("podcast.toml", GUEST, GUEST_COMMAND);
    project.build();
    for (bad, said) in [
        ("A FAIL line.", "refusing to say FAIL"),
        ("A GARBAGE line.", "wrote no audio pod can read"),
    ] {
        project.edit("episodes/b.md", G, bad);
        let build = project.build_with(&[]);
        assert_eq!(build.code(), 1, "{}", build.stderr());
        let error = build.errors()[0];
        assert!(error.message.contains(said), "{error:?}");
        assert!(error.message.contains("`./tone.py`"), "{error:?}");
        assert_eq!(
            error.file.as_deref().map(|f| f.ends_with("b.md")),
            Some(true)
        );
        assert_eq!((error.line, error.column), (Some(13), Some(8)), "{error:?}");
        project.edit("episodes/b.md", bad, G);
        let fixed = project.build();
        assert_eq!(fixed.executed("tts"), 0, "the good sentences were cached");
        same_as_clean(&project, &fixed).unwrap();
    }
}

/// Without the timeout the program would sleep its 5 s and then speak, and
/// the build would succeed.
#[test]
fn a_program_past_its_timeout_is_stopped() {
    let project = fixture();
    let slow = GUEST_COMMAND.replace("\"--voice\"", "\"--sleep\", \"5\", \"--voice\"");
    project.edit("podcast.toml", GUEST, &slow);
    project.edit(
        "podcast.toml",
        "[pauses]",
        "[engines.command]\ntimeout = 0.3\n\n[pauses]",
    );
    let build = project.build_with(&[]);
    assert_eq!(build.code(), 1, "{}", build.stderr());
    let error = build.errors()[0];
    assert!(
        error.message.contains("engines.command.timeout"),
        "{error:?}"
    );
}

//! Input a user gets slightly wrong: a byte-order mark, an empty script, a
//! name that is no voice, a music file that is not audio, a directory given
//! as --manifest-path. Each is either accepted as meant or a located error
//! (exit 2) that changes nothing on disk.

use crate::common::Project;

#[test]
fn a_byte_order_mark_is_not_part_of_the_text() {
    let project = Project::fixture();
    let first = project.build();
    for file in ["podcast.toml", "episodes/a.md"] {
        let text = project.read(file);
        project.write(file, &format!("\u{feff}{text}"));
    }
    // The front matter is still front matter: nothing new is spoken.
    let again = project.build();
    assert_eq!(again.executed("tts"), 0);
    assert_eq!(again.outputs(), first.outputs());
}

#[test]
fn a_script_with_nothing_to_speak_is_a_located_error() {
    for formats in ["[\"wav\"]", "[\"mp3\", \"vtt\"]"] {
        let project = Project::fixture();
        project.edit(
            "podcast.toml",
            "formats = [\"wav\"]",
            &format!("formats = {formats}"),
        );
        for body in [
            "",
            "<!-- only a comment -->\n",
            "+++\ntitle = \"Empty\"\n+++\n# Heading\n",
        ] {
            project.write("episodes/b.md", body);
            let build = project.build_with(&[]);
            assert_eq!(build.code(), 2, "{body:?}: {}", build.stderr());
            let errors = build.errors();
            assert_eq!(errors.len(), 1, "{body:?}");
            assert_eq!(errors[0].file.as_deref(), Some("episodes/b.md"));
            assert!(errors[0].message.as_str().contains("no sentence to speak"));
            assert!(!project.path("target").exists(), "nothing is written");
        }
    }
}

#[test]
fn a_name_that_is_no_voice_warns_and_an_escape_keeps_the_text() {
    let project = Project::fixture();
    project.write("episodes/b.md", "Bob: hello there.\n");
    let build = project.build();
    let warnings = build.warnings();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert_eq!(warnings[0].file.as_deref(), Some("episodes/b.md"));
    assert_eq!((warnings[0].line, warnings[0].column), (Some(1), Some(1)));
    let help = warnings[0].help.as_deref().unwrap();
    assert!(help.contains("[voices.bob]"), "{help}");
    assert!(help.contains("`Bob\\:`"), "{help}");

    // Escaped, it is the same text, spoken the same way, without a warning.
    project.write("episodes/b.md", "Bob\\: hello there.\n");
    let escaped = project.build();
    assert!(escaped.warnings().is_empty());
    assert_eq!(escaped.executed("tts"), 0);
}

#[test]
fn music_that_is_not_audio_is_a_located_error_before_anything_runs() {
    let project = Project::fixture();
    project.write(
        "media/bed.wav",
        "these are not the samples you are looking for\n",
    );
    let toml = project.read("podcast.toml");
    project.write(
        "podcast.toml",
        &format!("{toml}\n[music]\nfile = \"media/bed.wav\"\n"),
    );
    let build = project.build_with(&[]);
    assert_eq!(build.code(), 2, "{}", build.stderr());
    let errors = build.errors();
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].file.as_deref(), Some("podcast.toml"));
    assert_eq!((errors[0].line, errors[0].column), (Some(26), Some(8)));
    let message = errors[0].message.as_str();
    assert_eq!(message, "`media/bed.wav` is not an audio file pod can read");
    assert!(!project.path("target").exists(), "nothing is written");
}

#[test]
fn manifest_path_may_name_the_project_directory() {
    let project = Project::fixture();
    let elsewhere = tempfile::TempDir::new().unwrap();
    let status = |path: &std::path::Path| {
        project
            .pod()
            .current_dir(elsewhere.path())
            .arg("status")
            .arg("--manifest-path")
            .arg(path)
            .output()
            .unwrap()
    };
    let output = status(project.root());
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let output = status(elsewhere.path());
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("is a directory without a `podcast.toml`"),
        "{stderr}"
    );
}

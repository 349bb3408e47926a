//! Speakers in transcripts: a voice's display name (`name`), by default the
//! speaker prefix as the script writes it (`Guest:`) and the show's author
//! for the default voice. Renaming a speaker re-synthesises nothing.

use crate::common::Project;

fn project() -> Project {
    let project = Project::fixture();
    project.edit(
        "podcast.toml",
        r#"formats = ["wav"]"#,
        r#"formats = ["wav", "vtt", "srt", "transcript"]"#,
    );
    project
}

#[test]
fn transcripts_name_speakers_as_the_script_writes_them() {
    let project = project();
    project.build();
    let vtt = project.read("target/out/a.vtt");
    assert!(vtt.contains("<v Tester>Hello there, friend.\n"), "{vtt}");
    assert!(
        vtt.contains("<v Guest>Welcome back; good to see you.\n"),
        "{vtt}"
    );
    let srt = project.read("target/out/a.srt");
    assert!(srt.contains("\nTester: Hello there, friend.\n"), "{srt}");
    assert!(
        srt.contains("\nGuest: Welcome back; good to see you.\n"),
        "{srt}"
    );
    let transcript: serde_json::Value =
        serde_json::from_str(&project.read("target/out/a.transcript.json")).unwrap();
    let speakers: Vec<&str> = transcript["segments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["speaker"].as_str().unwrap())
        .collect();
    assert_eq!(speakers, ["Tester", "Tester", "Guest", "Tester", "Tester"]);
}

#[test]
fn a_display_name_relabels_without_synthesising() {
    let project = project();
    project.build();
    project.edit(
        "podcast.toml",
        "speed = 1.15",
        "speed = 1.15\nname = \"Grace\"",
    );
    project.edit("podcast.toml", "speed = 1.0", "speed = 1.0\nname = \"Ada\"");
    let build = project.build();
    for kind in ["tts", "assemble", "mix", "wav"] {
        assert_eq!(build.executed(kind), 0, "{kind} ran");
    }
    for kind in ["vtt", "srt", "transcript"] {
        assert_eq!(build.executed(kind), 2, "{kind} of both episodes");
    }
    let vtt = project.read("target/out/a.vtt");
    assert!(vtt.contains("<v Ada>Hello there, friend.\n"), "{vtt}");
    assert!(vtt.contains("<v Grace>Welcome back;"), "{vtt}");
    assert!(
        project
            .read("target/out/b.srt")
            .contains("\nGrace: A guest line.\n")
    );

    // An episode's front matter names its own guest; the other keeps Grace.
    project.edit(
        "episodes/a.md",
        "speed = 0.9",
        "speed = 0.9\nname = \"Bob\"",
    );
    // `name = ""`: the default voice's lines are unlabelled.
    project.edit("podcast.toml", "name = \"Ada\"", "name = \"\"");
    let build = project.build();
    assert_eq!(build.executed("tts"), 0);
    let vtt = project.read("target/out/a.vtt");
    assert!(vtt.contains("<v Bob>Welcome back;"), "{vtt}");
    assert!(!vtt.contains("<v Ada>"), "{vtt}");
    assert!(vtt.contains("\nHello there, friend.\n"), "{vtt}");
    assert!(
        project
            .read("target/out/b.vtt")
            .contains("<v Grace>A guest line.")
    );
}

#[test]
fn a_name_with_a_line_break_is_located() {
    let project = project();
    project.edit(
        "podcast.toml",
        "speed = 1.15",
        "speed = 1.15\nname = \"Gr\\nace\"",
    );
    let build = project.build_with(&[]);
    assert_eq!(build.code(), 2);
    let error = &build.errors()[0];
    assert_eq!(error.file.as_deref(), Some("podcast.toml"));
    assert_eq!(error.line, Some(14));
    assert_eq!(error.column, Some(8));
    assert!(!project.path("target").exists());
}

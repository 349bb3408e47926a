//! What CI pipelines rely on: the ready CI files in examples/ci parse and
//! run only commands pod has, and `build-finished` says which outputs a
//! build changed.

use std::path::Path;

use clap::Parser;
use pod::cli::Cli;
use serde_json::Value;

use crate::common::Project;

/// A YAML file as JSON, read by PyYAML (an independent parser).
fn yaml(path: &Path) -> Value {
    let out = std::process::Command::new("python3")
        .args([
            "-c",
            "import json, sys, yaml; print(json.dumps(yaml.safe_load(open(sys.argv[1]))))",
        ])
        .arg(path)
        .output()
        .expect("python3 runs");
    assert!(
        out.status.success(),
        "{} does not parse as YAML: {}",
        path.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Every shell text under `run` (GitHub) or `script` (GitLab) keys.
fn shell_texts(value: &Value, found: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, value) in map {
                match (key.as_str(), value) {
                    ("run" | "script" | "before_script", Value::String(s)) => found.push(s.clone()),
                    ("script" | "before_script", Value::Array(lines)) => {
                        found.extend(lines.iter().filter_map(|l| l.as_str().map(str::to_string)))
                    }
                    _ => shell_texts(value, found),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| shell_texts(v, found)),
        _ => {}
    }
}

/// The `pod` command lines in shell texts, with the CI systems' variables
/// given sample values, cut at redirections and pipes.
fn pod_commands(texts: &[String]) -> Vec<Vec<String>> {
    let mut commands = Vec::new();
    for line in texts.iter().flat_map(|t| t.lines()) {
        let line = line
            .replace("${{ matrix.part }}", "2")
            .replace("\"$CI_NODE_INDEX/$CI_NODE_TOTAL\"", "2/3")
            .replace("$READ_ONLY", "--remote-read-only");
        let words: Vec<&str> = line.split_whitespace().collect();
        let Some(start) = words.iter().position(|w| *w == "pod") else {
            continue;
        };
        // `cargo install ... pod` names the package, not the command.
        if start > 0 && words[..start].contains(&"install") {
            continue;
        }
        let args: Vec<String> = words[start..]
            .iter()
            .take_while(|w| !matches!(**w, ">" | "|" | "&&" | ";" | "||"))
            .map(|w| w.to_string())
            .collect();
        commands.push(args);
    }
    commands
}

#[test]
fn the_ready_ci_files_parse_and_run_only_commands_pod_has() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/ci");
    for (file, jobs) in [
        ("github-actions.yml", &["build", "shared"][..]),
        ("gitlab-ci.yml", &["build", "shared"][..]),
    ] {
        let doc = yaml(&dir.join(file));
        let job_map = doc.get("jobs").unwrap_or(&doc);
        for job in jobs {
            assert!(job_map.get(job).is_some(), "{file} has no job `{job}`");
        }
        let mut texts = Vec::new();
        shell_texts(&doc, &mut texts);
        let commands = pod_commands(&texts);
        assert!(commands.len() >= 3, "{file}: {commands:?}");
        for command in &commands {
            if let Err(e) = Cli::try_parse_from(command) {
                panic!(
                    "{file}: `{}` is not a pod command line: {e}",
                    command.join(" ")
                );
            }
        }
        // The build splits the work and the check uses the exit code.
        let all: Vec<String> = commands.iter().map(|c| c.join(" ")).collect();
        assert!(all.iter().any(|c| c.contains("--partition 2/3")), "{all:?}");
        assert!(all.iter().any(|c| c == "pod status --exit-code"), "{all:?}");
    }
}

#[test]
fn build_finished_says_which_outputs_this_build_wrote() {
    let project = Project::fixture();
    let changed = |build: &crate::common::Build| -> Vec<(String, bool)> {
        let mut outputs: Vec<(String, bool)> = build
            .finished()
            .outputs
            .iter()
            .map(|o| (o.episode.clone(), o.changed))
            .collect();
        outputs.sort();
        outputs
    };
    let first = project.build();
    assert_eq!(
        changed(&first),
        [("a".to_string(), true), ("b".to_string(), true)]
    );
    let again = project.build();
    assert_eq!(
        changed(&again),
        [("a".to_string(), false), ("b".to_string(), false)]
    );
    let text = project.read("episodes/b.md");
    let first_period = text.rfind('.').unwrap();
    project.write(
        "episodes/b.md",
        &format!(
            "{} Again.{}",
            &text[..first_period + 1],
            &text[first_period + 1..]
        ),
    );
    let edited = project.build();
    assert_eq!(
        changed(&edited),
        [("a".to_string(), false), ("b".to_string(), true)]
    );
}

//! Cache management: each clean variant removes exactly what it says, stats
//! agree with the builds, verify finds damage, and gc keeps what is reached.

use std::collections::BTreeSet;
use std::fs;

use crate::common::Project;
use pod::message::{CacheEntry, CacheStats, StepStatus};
use serde_json::Value;

const H: &str = "Hello there, friend.";
const S: &str = "Short one.";
const W: &str = "Welcome back; good to see you.";
const N: &str = "Note: colons matter.";
const P: &str = "After the pause.";

/// Steps per episode after its sentences: assemble, timeline, mix, loudness, wav, measure.
const EPISODE_STEPS: usize = 6;

fn texts(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| s.to_string()).collect()
}

fn clean(project: &Project, args: &[&str]) -> std::process::Output {
    let out = project.run(&[&["clean"], args].concat());
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

#[test]
fn clean_step_tts_drops_all_speech_and_nothing_else() {
    let project = Project::fixture();
    let first = project.build();
    clean(&project, &["--step", "tts"]);
    let remaining = project.cached_keys();
    let speech = first.keys(Some("tts"), None);
    assert_eq!(
        remaining,
        first
            .keys(None, None)
            .difference(&speech)
            .cloned()
            .collect()
    );
    assert!(project.path("target/out/a.wav").exists());

    let again = project.build();
    assert_eq!(again.executed("tts"), 7);
    // Speech is deterministic, so the episodes' tracks are still cached.
    assert_eq!(again.executed("assemble") + again.executed("wav"), 0);
    assert_eq!(again.outputs(), first.outputs());
}

#[test]
fn clean_one_episode_removes_its_outputs_and_what_only_it_reaches() {
    let project = Project::fixture();
    let first = project.build();
    let before = project.cached_keys();
    clean(&project, &["-e", "a"]);
    assert!(!project.path("target/out/a.wav").exists());
    assert!(project.path("target/out/b.wav").exists());
    // a.md's own four sentences and its episode steps; "Hello there, friend." is b's too.
    assert_eq!(
        before.len() - project.cached_keys().len(),
        4 + EPISODE_STEPS
    );

    let again = project.build();
    assert_eq!(again.synthesised_texts(), texts(&[S, W, N, P]));
    assert_eq!((again.executed("assemble"), again.executed("wav")), (1, 1));
    assert_eq!(again.outputs(), first.outputs());
}

#[test]
fn clean_episode_outputs_only() {
    let project = Project::fixture();
    project.build();
    let keys = project.cached_keys();
    clean(&project, &["--outputs", "-e", "b*"]);
    assert!(project.path("target/out/a.wav").exists());
    assert!(!project.path("target/out/b.wav").exists());
    assert_eq!(project.cached_keys(), keys);
}

#[test]
fn unreferenced_after_editing_sentences_removes_exactly_the_orphans() {
    let project = Project::fixture();
    let first = project.build();
    project.edit("episodes/a.md", "Short one.", "Short two.");
    let second = project.build();
    let orphans: BTreeSet<String> = project
        .cached_keys()
        .difference(&second.keys(None, None))
        .cloned()
        .collect();
    // The old sentence, and a.md's old episode steps.
    assert_eq!(orphans.len(), 1 + EPISODE_STEPS);
    assert!(orphans.is_subset(&first.keys(None, None)));

    let dry = project.run(&["clean", "--unreferenced", "--dry-run"]);
    let table = String::from_utf8_lossy(&dry.stdout);
    assert!(
        table.contains("tts") && table.contains("assemble") && table.contains("wav"),
        "{table}"
    );
    assert_eq!(
        project.cached_keys().len(),
        second.keys(None, None).len() + 1 + EPISODE_STEPS,
        "dry run removed nothing"
    );

    clean(&project, &["--unreferenced"]);
    assert_eq!(project.cached_keys(), second.keys(None, None));
    let again = project.build();
    assert_eq!(
        again.executed("tts") + again.executed("assemble") + again.executed("wav"),
        0
    );
}

#[test]
fn unreferenced_after_deleting_an_episode() {
    let project = Project::fixture();
    let first = project.build();
    fs::remove_file(project.path("episodes/b.md")).unwrap();
    clean(&project, &["--unreferenced"]);
    // b.md's own two sentences, assemble and wav go; a.md's entries stay.
    let expected: BTreeSet<String> = first.keys(None, Some("a"));
    assert_eq!(project.cached_keys(), expected);
}

#[test]
fn older_than_removes_entries_not_used_since() {
    let project = Project::fixture();
    project.build();
    project.edit("episodes/a.md", "Short one.", "Short two.");
    let second = project.build();
    // Age every entry by three days, then use the current ones again.
    let index_path = project.path("target/cache/index.json");
    let mut index: Value = serde_json::from_slice(&fs::read(&index_path).unwrap()).unwrap();
    for usage in index["entries"].as_object_mut().unwrap().values_mut() {
        usage["last_used"] = Value::from(usage["last_used"].as_u64().unwrap() - 3 * 86_400);
    }
    fs::write(&index_path, serde_json::to_vec(&index).unwrap()).unwrap();
    project.build();

    clean(&project, &["--older-than", "2d"]);
    assert_eq!(project.cached_keys(), second.keys(None, None));
    clean(&project, &["--older-than", "2d", "--step", "wav"]);
    assert_eq!(
        project.cached_keys(),
        second.keys(None, None),
        "nothing of that age is left"
    );
}

#[test]
fn stats_agree_with_the_builds() {
    let project = Project::fixture();
    let first = project.build();
    let second = project.build();
    let out = project.run(&["cache", "stats", "--json"]);
    assert!(out.status.success());
    let stats: CacheStats = serde_json::from_slice(&out.stdout).unwrap();

    assert_eq!(stats.kinds["tts"].entries, 7);
    assert_eq!(stats.kinds["assemble"].entries, 2);
    assert_eq!(stats.total.referenced as usize, 7 + 2 * EPISODE_STEPS);
    assert_eq!(stats.total.unreferenced, 0);
    let steps = |b: &crate::common::Build| b.steps().len() as u64;
    assert_eq!(stats.last_build.hits, steps(&second));
    assert_eq!(stats.last_build.misses, 0);
    assert_eq!(stats.last_build.hit_rate, Some(1.0));
    assert_eq!(stats.all_builds.hits, steps(&second));
    assert_eq!(stats.all_builds.misses, steps(&first));
    assert_eq!(stats.all_builds.hit_rate, Some(0.5));

    // Characters sent to the engine: the text of every part, as the records hold it.
    let characters: u64 = first
        .synthesised_parts()
        .iter()
        .flatten()
        .map(|t| t.chars().count() as u64)
        .sum();
    assert_eq!(
        stats.characters.all_builds["hibari"].synthesised,
        characters
    );
    assert_eq!(stats.characters.last_build["hibari"].cached, characters);

    let table = String::from_utf8_lossy(&project.run(&["cache", "stats"]).stdout).into_owned();
    assert!(
        table.contains("hit rate") && table.contains("100.0%"),
        "{table}"
    );
}

#[test]
fn ls_says_what_each_entry_belongs_to() {
    let project = Project::fixture();
    project.build();
    project.build();
    let out = project.run(&["cache", "ls", "--json", "--sort", "size"]);
    let rows: Vec<CacheEntry> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(rows.len(), 7 + 2 * EPISODE_STEPS);
    let sizes: Vec<u64> = rows.iter().map(|r| r.size).collect();
    assert!(sizes.windows(2).all(|w| w[0] >= w[1]), "sorted by size");
    assert!(rows.iter().all(|r| r.hits == 1 && r.referenced));
    let shared = rows
        .iter()
        .find(|r| r.belongs_to.len() == 2)
        .expect("the shared sentence belongs to both episodes");
    assert!(shared.belongs_to[0].what.contains(H));

    let table = String::from_utf8_lossy(&project.run(&["cache", "ls"]).stdout).into_owned();
    assert!(table.contains("a: sentence 2 \"Short one.\""), "{table}");
    assert!(table.contains("b: wav"), "{table}");
}

#[test]
fn verify_finds_and_fixes_a_corrupt_blob() {
    let project = Project::fixture();
    let first = project.build();
    assert!(project.run(&["cache", "verify"]).status.success());

    let blobs = crate::common::snapshot(&project.path("target/cache/cas"));
    let (path, bytes) = blobs.iter().next().unwrap();
    let mut damaged = bytes.clone();
    damaged[0] ^= 0xff;
    fs::write(project.path("target/cache/cas").join(path), damaged).unwrap();

    let out = project.run(&["cache", "verify"]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("corrupt blob"), "{stderr}");
    assert!(stderr.contains("1 problem"), "{stderr}");

    assert!(project.run(&["cache", "verify", "--fix"]).status.success());
    assert!(project.run(&["cache", "verify"]).status.success());
    let again = project.build();
    assert_eq!(
        again
            .steps()
            .iter()
            .filter(|s| s.status == StepStatus::Executed)
            .count(),
        1
    );
    assert_eq!(again.outputs(), first.outputs());
}

#[test]
fn gc_removes_unreferenced_entries_down_to_max_size_and_never_what_is_used() {
    let project = Project::fixture();
    project.edit(
        "podcast.toml",
        "[output]",
        "[cache]\nmax_size = \"1 B\"\n\n[output]",
    );
    project.build();
    project.edit("episodes/a.md", "Short one.", "Short two.");
    let second = project.build();
    let collected: Vec<&Value> = second
        .messages
        .iter()
        .filter(|m| m["reason"] == "cache-collected")
        .collect();
    assert_eq!(collected.len(), 1);
    assert_eq!(collected[0]["entries"], 1 + EPISODE_STEPS);
    assert_eq!(project.cached_keys(), second.keys(None, None));
    let again = project.build();
    assert_eq!(
        again
            .steps()
            .iter()
            .filter(|s| s.status == StepStatus::Executed)
            .count(),
        0
    );
}

#[test]
fn gc_by_retention_keeps_recent_entries() {
    let project = Project::fixture();
    project.edit(
        "podcast.toml",
        "[output]",
        "[cache]\nretention_days = 1\n\n[output]",
    );
    project.build();
    project.edit("episodes/a.md", "Short one.", "Short two.");
    let second = project.build();
    assert!(
        second
            .messages
            .iter()
            .all(|m| m["reason"] != "cache-collected")
    );
    assert_eq!(
        project.cached_keys().len(),
        second.keys(None, None).len() + 1 + EPISODE_STEPS
    );
}

#[test]
fn clean_refuses_bad_filters() {
    let project = Project::fixture();
    project.build();
    let out = project.run(&["clean", "-e", "zzz"]);
    assert_eq!(out.status.code(), Some(2));
    let out = project.run(&["clean", "--older-than", "soon"]);
    assert_eq!(out.status.code(), Some(2));
    let out = project.run(&["clean", "--step", "mp5"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(project.path("target/out/a.wav").exists());
}

#[test]
fn clean_step_accepts_every_kind_and_removes_only_it() {
    let project = Project::fixture();
    project.edit(
        "podcast.toml",
        r#"formats = ["wav"]"#,
        r#"formats = ["wav", "vtt"]"#,
    );
    let first = project.build();
    clean(&project, &["--step", "vtt", "--step", "measure"]);
    let gone: BTreeSet<String> = first
        .keys(Some("vtt"), None)
        .union(&first.keys(Some("measure"), None))
        .cloned()
        .collect();
    let expected: BTreeSet<String> = first.keys(None, None).difference(&gone).cloned().collect();
    assert_eq!(project.cached_keys(), expected);
    let again = project.build();
    let ran: BTreeSet<String> = again
        .steps()
        .iter()
        .filter(|s| s.status == StepStatus::Executed)
        .map(|s| s.kind.clone())
        .collect();
    assert_eq!(ran, texts(&["vtt", "measure"]));
}

//! The shared remote cache against a real server: Debian's nginx with its
//! WebDAV module on loopback, started by each test.

use std::fs;

use crate::common::nginx::{Nginx, free_port};
use crate::common::{Build, Project};
use pod::message::StepStatus;

fn count(build: &Build, status: StepStatus) -> usize {
    build.steps().iter().filter(|s| s.status == status).count()
}

/// Warnings that mention the remote cache.
fn remote_warnings(build: &Build) -> Vec<String> {
    build
        .warnings()
        .iter()
        .map(|w| w.message.clone())
        .filter(|m| m.contains("remote"))
        .collect()
}

#[test]
fn a_second_machine_downloads_every_step_and_synthesises_nothing() {
    let server = Nginx::start();
    let url = server.url("pod-cache");
    let first = Project::fixture();
    let cold = first.build_with(&["--remote", &url]);
    cold.assert_success();
    assert!(count(&cold, StepStatus::Executed) > 0);
    // Every executed step's record and blob reached the server.
    let stored = server.stored("pod-cache");
    let records = stored.iter().filter(|p| p.starts_with("ac")).count();
    assert_eq!(records, count(&cold, StepStatus::Executed), "{stored:?}");
    assert!(stored.iter().any(|p| p.starts_with("cas")));

    // Another checkout, another machine: an empty target directory.
    let second = Project::fixture();
    let warm = second.build_in_env(&[("POD_REMOTE_CACHE", &url)], &[]);
    warm.assert_success();
    assert_eq!(count(&warm, StepStatus::Executed), 0, "{}", warm.stderr());
    assert_eq!(
        count(&warm, StepStatus::Remote),
        count(&cold, StepStatus::Executed)
    );
    let finished = warm.finished();
    let hibari = &finished.characters["hibari"];
    assert_eq!(hibari.synthesised, 0);
    assert_eq!(
        hibari.remote,
        cold.finished().characters["hibari"].synthesised
    );
    assert_eq!(
        finished.counts["tts"].remote,
        cold.finished().counts["tts"].executed
    );
    assert_eq!(
        warm.outputs(),
        cold.outputs(),
        "the same bytes on both machines"
    );

    // The download is in the local cache now: a third build needs no server.
    drop(server);
    let local = second.build_with(&["--no-remote"]);
    assert_eq!(count(&local, StepStatus::Executed), 0);
    assert!(remote_warnings(&local).is_empty());

    let stats = second
        .pod()
        .args(["cache", "stats", "--json"])
        .output()
        .unwrap();
    let stats: serde_json::Value = serde_json::from_slice(&stats.stdout).unwrap();
    let remote = &stats["remote"]["all_builds"];
    assert_eq!(remote["hits"], count(&warm, StepStatus::Remote));
    assert!(remote["downloaded_bytes"].as_u64().unwrap() > 0);
    assert_eq!(remote["uploaded_bytes"], 0);
    assert!(
        stats["characters"]["all_builds"]["hibari"]["remote"]
            .as_u64()
            .unwrap()
            > 0
    );
}

#[test]
fn a_read_only_build_reads_and_never_writes() {
    let server = Nginx::start();
    let url = server.url("pod-cache");
    let project = Project::fixture();
    let build = project.build_with(&["--remote", &url, "--remote-read-only"]);
    build.assert_success();
    assert!(server.stored("pod-cache").is_empty());
    assert!(
        !server.access_log().contains("PUT"),
        "{}",
        server.access_log()
    );
    // `[cache] remote_read_only` says the same.
    project.edit(
        "podcast.toml",
        "[output]",
        &format!("[cache]\nremote = \"{url}\"\nremote_read_only = true\n\n[output]"),
    );
    project.edit("episodes/a.md", "Welcome", "Hello");
    let build = project.build_with(&[]);
    build.assert_success();
    assert!(count(&build, StepStatus::Executed) > 0);
    assert!(server.stored("pod-cache").is_empty());
}

#[test]
fn a_truncated_blob_on_the_server_is_rejected_rebuilt_and_repaired() {
    let server = Nginx::start();
    let url = server.url("pod-cache");
    let first = Project::fixture();
    let cold = first.build_with(&["--remote", &url]);
    cold.assert_success();
    // The largest blob (a published output) loses its second half.
    let cas = server.files("pod-cache").join("cas");
    let victim = fs::read_dir(&cas)
        .unwrap()
        .map(|e| e.unwrap().path())
        .max_by_key(|p| fs::metadata(p).unwrap().len())
        .unwrap();
    let whole = fs::read(&victim).unwrap();
    fs::write(&victim, &whole[..whole.len() / 2]).unwrap();

    let second = Project::fixture();
    let warm = second.build_with(&["--remote", &url]);
    warm.assert_success();
    let warnings = remote_warnings(&warm);
    assert!(
        warnings
            .iter()
            .any(|w| w.contains("did not match its hash")),
        "{warnings:?}"
    );
    assert!(count(&warm, StepStatus::Executed) >= 1);
    assert_eq!(
        warm.outputs(),
        cold.outputs(),
        "rebuilt locally, same bytes"
    );
    // Its re-upload replaced the damaged copy.
    assert_eq!(fs::read(&victim).unwrap(), whole);
}

#[test]
fn a_server_that_is_down_or_failing_costs_one_warning_and_the_build_succeeds() {
    let mut server = Nginx::start();
    let broken = server.url("broken");
    let project = Project::fixture();
    let build = project.build_with(&["--remote", &broken]);
    build.assert_success();
    let warnings = remote_warnings(&build);
    assert!(warnings[0].contains("HTTP 500"), "{warnings:?}");
    // One warning, then at most one more when pod stops asking.
    assert!(warnings.len() <= 2, "{warnings:?}");
    // Three failures in a row turn the remote off; requests the other
    // workers had already started when the third failed still arrive.
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get());
    let requests = server.access_log().lines().count();
    assert!(
        requests < 3 + workers,
        "pod kept asking a failing server: {requests} requests"
    );

    // A stopped server, then a port nothing ever listened on.
    let url = server.url("pod-cache");
    server.stop();
    for url in [url, format!("http://127.0.0.1:{}/cache/", free_port())] {
        let project = Project::fixture();
        let build = project.build_with(&["--remote", &url]);
        build.assert_success();
        let warnings = remote_warnings(&build);
        assert!(!warnings.is_empty() && warnings.len() <= 2, "{warnings:?}");
        assert!(!build.outputs().is_empty());
    }
}

/// A server whose disk is full (a real ENOSPC under nginx's WebDAV, which
/// Debian's nginx answers with 500; pod names a 507 as "out of space"):
/// uploads fail with one warning, the build succeeds, and the local cache
/// keeps everything.
#[test]
fn a_server_with_a_full_disk_costs_one_warning_and_the_build_succeeds() {
    let server = Nginx::start_on_a_full_disk();
    let project = Project::fixture();
    let build = project.build_with(&["--remote", &server.url("full")]);
    build.assert_success();
    let warnings = remote_warnings(&build);
    assert!(
        server.error_log().contains("No space left on device"),
        "the fault is a full disk: {}",
        server.error_log()
    );
    assert!(
        warnings.first().is_some_and(|w| w.contains("HTTP 50")),
        "{warnings:?}"
    );
    assert!(warnings.len() <= 2, "{warnings:?}");
    // Everything was built and kept locally: a second build runs nothing.
    let again = project.build();
    assert_eq!(count(&again, StepStatus::Executed), 0);
}

#[test]
fn a_server_that_never_answers_times_out_and_the_build_succeeds() {
    // Accepts connections and says nothing: a hung server.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/cache/", listener.local_addr().unwrap());
    let held = std::thread::spawn(move || {
        let mut open = Vec::new();
        for stream in listener.incoming().take(8) {
            open.push(stream);
        }
    });
    let project = Project::fixture();
    project.edit(
        "podcast.toml",
        "[output]",
        &format!("[cache]\nremote = \"{url}\"\nremote_timeout = 1\n\n[output]"),
    );
    let build = project.build_with(&[]);
    build.assert_success();
    let warnings = remote_warnings(&build);
    // Said once; after three timeouts pod stops asking and says so.
    assert!(!warnings.is_empty() && warnings.len() <= 2, "{warnings:?}");
    assert!(
        warnings[0].contains("timed out") || warnings[0].contains("timeout"),
        "{warnings:?}"
    );
    drop(held);
}

#[test]
fn credentials_come_from_the_environment_and_are_never_shown() {
    let server = Nginx::start();
    let url = server.url("private");
    let project = Project::fixture();
    project.edit(
        "podcast.toml",
        "[output]",
        &format!(
            "[cache]\nremote = \"{url}\"\ntoken_env = \"TEST_POD_TOKEN\"\nauth = \"basic\"\n\n[output]"
        ),
    );
    let build = project.build_in_env(&[("TEST_POD_TOKEN", "pod:secret")], &[]);
    build.assert_success();
    assert!(remote_warnings(&build).is_empty(), "{}", build.stderr());
    assert!(!server.stored("private").is_empty());

    // Wrong credentials: one clear message, no secret in it, a local build.
    let other = Project::copy_of(&project);
    fs::remove_dir_all(other.path("target")).unwrap();
    let build = other.build_in_env(&[("TEST_POD_TOKEN", "pod:hunter2")], &[]);
    build.assert_success();
    let warnings = remote_warnings(&build);
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(warnings[0].contains("refused pod's credentials (HTTP 401)"));
    let out = String::from_utf8_lossy(&build.output.stdout).into_owned() + &build.stderr();
    assert!(!out.contains("hunter2"));
    assert_eq!(count(&build, StepStatus::Remote), 0);
    // No credential in the local records either.
    for (path, bytes) in other.target_snapshot() {
        assert!(
            !String::from_utf8_lossy(&bytes).contains("hunter2"),
            "{}",
            path.display()
        );
    }
}

#[test]
fn signed_records_are_used_only_by_builds_with_the_same_key() {
    let server = Nginx::start();
    let url = server.url("pod-cache");
    let signed = |project: &Project| {
        project.edit(
            "podcast.toml",
            "[output]",
            &format!("[cache]\nremote = \"{url}\"\nsigning_key_env = \"TEST_POD_KEY\"\n\n[output]"),
        );
    };
    let writer = Project::fixture();
    signed(&writer);
    writer
        .build_in_env(&[("TEST_POD_KEY", "k1")], &[])
        .assert_success();

    let reader = Project::fixture();
    signed(&reader);
    let same = reader.build_in_env(&[("TEST_POD_KEY", "k1")], &["--remote-read-only"]);
    same.assert_success();
    assert_eq!(count(&same, StepStatus::Executed), 0);

    // Another key: every record is ignored (one message), all built locally.
    let stranger = Project::fixture();
    signed(&stranger);
    let other = stranger.build_in_env(&[("TEST_POD_KEY", "k2")], &["--remote-read-only"]);
    other.assert_success();
    assert_eq!(count(&other, StepStatus::Remote), 0);
    let warnings = remote_warnings(&other);
    assert_eq!(warnings.len(), 1, "{warnings:?}");

    // Records written without a key are refused by a build that has one.
    let server = Nginx::start();
    let url = server.url("pod-cache");
    Project::fixture()
        .build_with(&["--remote", &url])
        .assert_success();
    let strict = Project::fixture();
    strict.edit(
        "podcast.toml",
        "[output]",
        &format!("[cache]\nremote = \"{url}\"\nsigning_key_env = \"TEST_POD_KEY\"\n\n[output]"),
    );
    let build = strict.build_in_env(&[("TEST_POD_KEY", "k1")], &["--remote-read-only"]);
    build.assert_success();
    assert_eq!(count(&build, StepStatus::Remote), 0);
}

#[test]
fn a_remote_that_is_not_http_is_a_located_error() {
    let project = Project::fixture();
    project.edit(
        "podcast.toml",
        "[output]",
        "[cache]\nremote = \"ftp://cache.example/\"\n\n[output]",
    );
    let build = project.build_with(&[]);
    assert_ne!(build.code(), 0);
    let stderr = build.stderr();
    let errors = build.errors();
    assert!(
        errors[0].message.contains("not an http:// or https:// URL"),
        "{stderr}"
    );
    assert_eq!(errors[0].file.as_deref(), Some("podcast.toml"), "{stderr}");
    assert!(errors[0].line.is_some() && errors[0].column.is_some());
    assert!(!project.path("target").exists(), "nothing written");
    let bad_flag = Project::fixture().build_with(&["--remote", "cache.example"]);
    assert_ne!(bad_flag.code(), 0);
}

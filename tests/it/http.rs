//! The `http` engine against a real OpenAI-compatible server written for
//! the tests (`tests/engines/openai_server.py`, Python's standard library on
//! loopback), which speaks real audio and can be told to misbehave: what the
//! user sees, that nothing corrupt is cached, that the next build resumes
//! and then equals a clean one, and that the API key is never written.

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use serde_json::{Value, json};

use crate::common::{Build, Project, snapshot};

const SERVER: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/engines/openai_server.py"
);
/// Recognisable, so any leak is found by a plain search.
const KEY: &str = "sk-pod-test-7Qx9SECRET";
const ENV: &[(&str, &str)] = &[("POD_TEST_KEY", KEY)];

const W1: &str = "Welcome back;";
const W2: &str = "good to see you.";
const W: &str = "Welcome back; good to see you."; // the guest, a.md
const G: &str = "A guest line."; // the guest, b.md

/// The server, killed when dropped.
pub struct Server {
    child: Child,
    pub url: String,
}

impl Server {
    pub fn start(args: &[&str]) -> Server {
        let mut child = Command::new("python3")
            .arg(SERVER)
            .args(args)
            .stdout(Stdio::piped())
            .spawn()
            .expect("python3 runs the test server");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let port: u16 = line.trim().parse().expect("the server prints its port");
        Server {
            child,
            url: format!("http://127.0.0.1:{port}"),
        }
    }

    pub fn control(&self, body: Value) {
        ureq::post(&format!("{}/control", self.url))
            .send_json(body)
            .unwrap();
    }

    pub fn log(&self) -> Value {
        ureq::get(&format!("{}/log", self.url))
            .call()
            .unwrap()
            .body_mut()
            .read_json()
            .unwrap()
    }

    pub fn requests(&self) -> Vec<Value> {
        self.log()["requests"].as_array().unwrap().clone()
    }

    pub fn inputs(&self) -> Vec<String> {
        self.requests()
            .iter()
            .map(|r| r["input"].as_str().unwrap().to_string())
            .collect()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

const GUEST: &str = "[voices.guest]\nspeed = 1.15";

fn guest_http(url: &str) -> String {
    format!(
        "[voices.guest]\nengine = \"http\"\nurl = \"{url}\"\napi_key_env = \"POD_TEST_KEY\"\n\
         model = \"tone-1\"\nvoice = \"ash\""
    )
}

/// The fixture with the guest on `server`; a.md no longer sets the guest's
/// hibari `speed`. `engine_options` go in `[engines.http]`.
fn fixture(server: &Server, engine_options: &str) -> Project {
    let project = Project::fixture();
    project.edit("episodes/a.md", "[voices.guest]\nspeed = 0.9\n", "");
    project.edit("podcast.toml", GUEST, &guest_http(&server.url));
    project.edit(
        "podcast.toml",
        "[pauses]",
        &format!("[engines.http]\n{engine_options}\n\n[pauses]"),
    );
    project
}

fn build(project: &Project) -> Build {
    let build = project.build_in_env(ENV, &[]);
    build.assert_success();
    build
}

fn texts(list: &[&str]) -> BTreeSet<String> {
    list.iter().map(|s| s.to_string()).collect()
}

/// Everything pod printed and wrote, searched for the key.
fn assert_no_key(project: &Project, builds: &[&Build]) {
    for build in builds {
        let said = format!(
            "{}{}",
            String::from_utf8_lossy(&build.output.stdout),
            build.stderr()
        );
        assert!(!said.contains(KEY), "the key was printed: {said}");
    }
    for (path, bytes) in snapshot(&project.path("target")) {
        let text = String::from_utf8_lossy(&bytes);
        assert!(!text.contains(KEY), "the key is in {}", path.display());
    }
}

#[test]
fn an_http_voice_speaks_through_the_server_and_moving_it_rebills_nothing() {
    let server = Server::start(&["--key", KEY]);
    let project = fixture(&server, "retries = 2");
    let first = build(&project);
    assert!(first.synthesised_texts().is_superset(&texts(&[W, G])));
    // One request per text part, each as the API wants it.
    let inputs: BTreeSet<String> = server.inputs().into_iter().collect();
    assert_eq!(inputs, texts(&[W1, W2, G]));
    for request in server.requests() {
        assert_eq!(request["model"], "tone-1");
        assert_eq!(request["voice"], "ash");
        assert_eq!(request["speed"], 1.0);
        assert_eq!(request["response_format"], "wav");
        assert_eq!(request["instructions"], Value::Null, "empty is left out");
        assert_eq!(request["authorization"], format!("Bearer {KEY}"));
    }
    same_as_clean_in_env(&project, &first);

    // Another host, the same voice: nothing is sent again.
    let moved = Server::start(&["--key", KEY]);
    project.edit("podcast.toml", &server.url, &moved.url);
    let after_move = build(&project);
    assert_eq!(after_move.executed("tts"), 0);
    assert!(moved.requests().is_empty());

    // Back to hibari and to http again: all cached.
    project.edit("podcast.toml", &guest_http(&moved.url), GUEST);
    let hibari = build(&project);
    project.edit("podcast.toml", GUEST, &guest_http(&moved.url));
    let again = build(&project);
    assert_eq!(again.executed("tts"), 0);
    assert!(moved.requests().is_empty());

    let explain = project.build_in_env(ENV, &["--explain"]);
    let status = project
        .pod()
        .env("POD_TEST_KEY", KEY)
        .arg("status")
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&status.stderr).to_string()
        + &String::from_utf8_lossy(&status.stdout);
    assert!(!said.contains(KEY), "{said}");
    assert_no_key(&project, &[&first, &after_move, &hibari, &again, &explain]);
}

/// Same as `mutation::same_as_clean`, with the key in the environment.
fn same_as_clean_in_env(project: &Project, incremental: &Build) {
    let empty = tempfile::TempDir::new().unwrap();
    let clean = project.build_in_env(ENV, &["--target-dir", empty.path().to_str().unwrap()]);
    clean.assert_success();
    assert_eq!(
        clean.outputs(),
        incremental.outputs(),
        "incremental equals clean"
    );
}

/// Answers worth retrying (429 with Retry-After, 500, a dropped connection,
/// a stall past the timeout) are retried, and the build succeeds.
#[test]
fn passing_failures_are_retried() {
    let server = Server::start(&["--key", KEY]);
    // Four failures in all: with four retries no sentence runs out, however
    // the requests of different sentences interleave.
    let project = fixture(&server, "retries = 4\ntimeout = 1\nmax_concurrent = 1");
    server.control(json!({"plan": [
        {"status": 429, "retry_after": 1},
        {"status": 500},
        {"drop": true},
        {"stall": 3},
    ]}));
    let built = build(&project);
    assert!(built.synthesised_texts().is_superset(&texts(&[W, G])));
    let requests = server.requests();
    assert_eq!(
        requests.len(),
        3 + 4,
        "three parts, four retried: {requests:?}"
    );
    // The first request's Retry-After was honoured by its retry (the next
    // request with its text: another sentence may go while it waits).
    let retry = requests[1..]
        .iter()
        .find(|r| r["input"] == requests[0]["input"])
        .expect("the 429 was retried");
    let gap = retry["start"].as_f64().unwrap() - requests[0]["start"].as_f64().unwrap();
    assert!(gap >= 1.0, "retried after {gap} s");
    same_as_clean_in_env(&project, &built);
    assert_no_key(&project, &[&built]);
}

/// Answers that will not get better: the sentence fails with what the
/// server said, nothing corrupt is cached, and the next build resumes.
#[test]
fn lasting_failures_stop_the_build_and_the_next_resumes() {
    let server = Server::start(&["--key", KEY]);
    let project = fixture(&server, "retries = 2\nmax_concurrent = 1");
    let mut builds = Vec::new();
    for (plan, said, sent) in [
        (
            json!([{"garbage": true}]),
            "sent no wav audio pod can read",
            1,
        ),
        (
            json!([{"status": 400, "body": "input is too long"}]),
            "answered 400: input is too long",
            1,
        ),
        (
            // Enough 503s that some sentence runs out of retries, however
            // the requests of different sentences interleave.
            json!(vec![json!({"status": 503}); 30]),
            "still failed after 2 retries",
            3,
        ),
    ] {
        let before = server.requests().len();
        server.control(json!({ "plan": plan }));
        let failed = project.build_in_env(ENV, &[]);
        assert_eq!(failed.code(), 1, "{}", failed.stderr());
        let error = failed.errors()[0].message.clone();
        assert!(error.contains(said), "{said}: {error}");
        assert!(error.contains(&server.url), "{error}");
        let new = server.requests().len() - before;
        // One request per failed try; 400 and garbage are not retried.
        assert!(new >= sent, "{new} requests for {said}");
        server.control(json!({ "plan": [] }));
        let resumed = build(&project);
        assert!(
            resumed.executed("tts") >= 1,
            "the failed sentence is spoken now"
        );
        same_as_clean_in_env(&project, &resumed);
        // Back to an empty cache for the next case.
        std::fs::remove_dir_all(project.path("target")).unwrap();
        builds.push(failed);
        builds.push(resumed);
    }
    assert_no_key(&project, &builds.iter().collect::<Vec<_>>());
}

/// A refused key stops the engine: one clear error naming the variable,
/// no further requests, and after the fix the build resumes.
#[test]
fn a_refused_key_stops_sending_and_says_which_variable() {
    let server = Server::start(&["--key", KEY]);
    let project = fixture(&server, "retries = 2\nmax_concurrent = 1");
    let wrong = project.build_in_env(&[("POD_TEST_KEY", "sk-wrong-key-123")], &[]);
    assert_eq!(wrong.code(), 1, "{}", wrong.stderr());
    let errors = wrong.errors();
    assert_eq!(errors.len(), 1, "said once: {errors:?}");
    let error = &errors[0].message;
    assert!(
        error.contains("answered 401") && error.contains("$POD_TEST_KEY"),
        "{error}"
    );
    assert!(!error.contains("sk-wrong-key-123"), "{error}");
    assert_eq!(server.requests().len(), 1, "nothing sent after the refusal");

    let unset = project.build_in_env(&[], &[]);
    assert_eq!(unset.code(), 1);
    assert!(
        unset.errors()[0].message.contains("`POD_TEST_KEY`"),
        "{:?}",
        unset.errors()
    );
    assert_eq!(server.requests().len(), 1, "no request without a key");

    let fixed = build(&project);
    assert!(fixed.synthesised_texts().is_superset(&texts(&[W, G])));
    assert_eq!(server.requests().len(), 1 + 3, "each part sent once more");
    same_as_clean_in_env(&project, &fixed);
    assert_no_key(&project, &[&wrong, &unset, &fixed]);
}

#[test]
fn never_more_requests_at_once_than_max_concurrent() {
    let server = Server::start(&["--key", KEY, "--latency", "0.2"]);
    let project = fixture(&server, "max_concurrent = 2");
    let lines: Vec<String> = (1..=8)
        .map(|n| format!("Guest: Line number {n} here."))
        .collect();
    project.edit("episodes/b.md", "Guest: A guest line.", &lines.join("\n\n"));
    build(&project);
    let log = server.log();
    assert_eq!(log["requests"].as_array().unwrap().len(), 3 + 8 - 1);
    assert_eq!(log["most_at_once"], 2, "{log}");
}

/// Three requests at two a minute: the third waits a minute, as the server
/// sees it. (The one slow test of the suite: a minute is what it is about.)
#[test]
fn never_more_requests_in_a_minute_than_requests_per_minute() {
    let server = Server::start(&["--key", KEY]);
    let project = fixture(&server, "requests_per_minute = 2");
    build(&project);
    let mut arrivals: Vec<f64> = server
        .requests()
        .iter()
        .map(|r| r["start"].as_f64().unwrap())
        .collect();
    arrivals.sort_by(f64::total_cmp);
    assert_eq!(arrivals.len(), 3);
    for (i, &from) in arrivals.iter().enumerate() {
        let within = arrivals[i..].iter().filter(|&&t| t < from + 60.0).count();
        assert!(
            within <= 2,
            "{within} requests within a minute: {arrivals:?}"
        );
    }
    // And no more waiting than that: the third comes right after its minute.
    assert!(arrivals[2] - arrivals[0] < 65.0, "{arrivals:?}");
}

#[test]
fn http_settings_are_checked_and_located() {
    let server = Server::start(&[]);
    let project = fixture(&server, "retries = 2");
    // podcast.toml: [voices.guest] is line 12; url 14, api_key_env 15.
    let cases = [
        (
            server.url.as_str(),
            "localhost:8880",
            14,
            7,
            "not an http:// or https://",
        ),
        (
            "\"POD_TEST_KEY\"",
            &format!("\"{KEY}\"")[..],
            15,
            15,
            "not the key itself",
        ),
        (
            "voice = \"ash\"",
            "voice = \"ash\"\nresponse_format = \"opus\"",
            18,
            19,
            "not one pod can read",
        ),
        (
            "voice = \"ash\"",
            "voice = \"ash\"\nspeed = 5",
            18,
            9,
            "0.25 to 4",
        ),
        (
            "voice = \"ash\"",
            "voice = \"ash\"\nsped = 1.1",
            18,
            1,
            "did you mean",
        ),
        (
            "retries = 2",
            "retries = 2\nmax_concurrent = 0",
            21,
            18,
            "at least 1",
        ),
        (
            "[engines.http]",
            "[engines.htp]",
            19,
            10,
            "unknown engine `htp`",
        ),
    ];
    for (from, to, line, column, message) in cases {
        project.edit("podcast.toml", from, to);
        let build = project.build_in_env(ENV, &[]);
        assert_eq!(build.code(), 2, "{to}: {}", build.stderr());
        let error = build.errors()[0];
        let said = format!(
            "{} {}",
            error.message,
            error.help.clone().unwrap_or_default()
        );
        assert!(said.contains(message), "{to}: {error:?}");
        assert!(!said.contains(KEY), "{said}");
        assert_eq!(
            (error.line, error.column),
            (Some(line), Some(column)),
            "{to}: {error:?}"
        );
        project.edit("podcast.toml", to, from);
    }
    assert!(server.requests().is_empty());
}

/// What a build would send, before it sends it: `pod status` counts
/// characters, requests and cost; over `max_characters` the build stops
/// before the first request, and `--allow-spend` lets it through.
#[test]
fn spending_is_shown_before_and_capped_unless_allowed() {
    let server = Server::start(&["--key", KEY]);
    let project = fixture(
        &server,
        "retries = 2\nmax_characters = 30\nprice_per_million_chars = 15",
    );
    // "Welcome back;" + "good to see you." + "A guest line.": 42 characters.
    let status = project
        .pod()
        .env("POD_TEST_KEY", KEY)
        .args(["status", "--message-format", "json"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&status.stdout);
    let line = stdout
        .lines()
        .find(|l| l.contains("\"reason\":\"status\""))
        .unwrap_or_else(|| panic!("no status in {stdout}"));
    let status: Value = serde_json::from_str(line).unwrap();
    let http = &status["sending"]["http"];
    assert_eq!(
        (http["characters"].as_u64(), http["requests"].as_u64()),
        (Some(42), Some(3)),
        "{status}"
    );
    let cost = http["cost"].as_f64().unwrap();
    assert!((cost - 42.0 * 15.0 / 1e6).abs() < 1e-12, "{cost}");
    let human = project.pod().arg("status").output().unwrap();
    let said = String::from_utf8_lossy(&human.stderr);
    assert!(
        said.contains("42 characters in 3 requests to the http engine"),
        "{said}"
    );
    assert!(said.contains("needs --allow-spend"), "{said}");

    let capped = project.build_in_env(ENV, &[]);
    assert_eq!(capped.code(), 1, "{}", capped.stderr());
    let error = &capped.errors()[0];
    assert!(
        error.message.contains("42 characters") && error.message.contains("max_characters of 30"),
        "{error:?}"
    );
    assert!(server.requests().is_empty(), "nothing was sent");
    assert_eq!(capped.executed("tts"), 0, "nothing ran");

    let allowed = project.build_in_env(ENV, &["--allow-spend"]);
    allowed.assert_success();
    assert_eq!(server.requests().len(), 3);
    let characters = &allowed.finished().characters["http"];
    assert_eq!((characters.synthesised, characters.cached), (42, 0));
    // Nothing left to send: within the limit again.
    let again = build(&project);
    assert_eq!(again.finished().characters["http"].cached, 42);
}

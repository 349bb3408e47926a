//! Every line `--message-format json` prints, as a typed message (cargo's
//! `machine_message.rs`). Printers build these types and nothing else; the
//! integration tests read the same types back.
//!
//! A line is one [`Message`]: its `reason` comes first and names the kind
//! (the variant), then the variant's own fields in declaration order.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// One JSON line on stdout, tagged by its `reason`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "reason", rename_all = "kebab-case")]
pub enum Message {
    /// Before any step runs: how many steps the build reports.
    BuildPlan(BuildPlan),
    /// One step of the graph (`pod build`), or what it would do (`pod status`).
    Step(Step),
    Warning(Diagnostic),
    Error(Diagnostic),
    /// The loudness of one published audio output.
    Loudness(Loudness),
    /// Garbage collection after a successful build removed something.
    CacheCollected(CacheCollected),
    /// The last line of a build.
    BuildFinished(BuildFinished),
    /// The last line of `pod status`.
    Status(Status),
}

impl Message {
    /// The `reason` this message is printed with.
    pub fn reason(&self) -> &'static str {
        match self {
            Message::BuildPlan(_) => "build-plan",
            Message::Step(_) => "step",
            Message::Warning(_) => "warning",
            Message::Error(_) => "error",
            Message::Loudness(_) => "loudness",
            Message::CacheCollected(_) => "cache-collected",
            Message::BuildFinished(_) => "build-finished",
            Message::Status(_) => "status",
        }
    }

    /// The message as one line of JSON, without the newline.
    pub fn to_line(&self) -> String {
        serde_json::to_string(self).expect("a message serialises")
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BuildPlan {
    pub steps: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StepStatus {
    /// `pod build` ran it.
    Executed,
    /// `pod build` found it in the cache.
    Cached,
    /// `pod build` downloaded it from the shared remote cache.
    Remote,
    /// `pod status`: it would run.
    Dirty,
    /// `pod status`: it would not.
    Fresh,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Step {
    pub kind: String,
    pub episode: String,
    /// Hex; `None` only from `pod status`, for a step whose input is not known yet.
    pub key: Option<String>,
    pub status: StepStatus,
    /// Why it ran (or would run); absent when it did not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dirty: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Diagnostic {
    pub message: String,
    pub help: Option<String>,
    pub file: Option<String>,
    pub line: Option<u64>,
    pub column: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Loudness {
    pub episode: String,
    pub format: String,
    /// `None` for silence.
    pub integrated_lufs: Option<f64>,
    pub true_peak_db: Option<f64>,
    pub target_lufs: f64,
    pub ceiling_db: f64,
    pub ok: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CacheCollected {
    pub entries: u64,
    pub files: u64,
    pub bytes: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BuildFinished {
    pub success: bool,
    /// Step kind -> how many ran and how many were cached.
    pub counts: BTreeMap<String, Counts>,
    pub outputs: Vec<Output>,
    /// Engine -> characters this build sent it (`synthesised`) and
    /// characters the cache served instead.
    #[serde(default)]
    pub characters: BTreeMap<String, EngineCharacters>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    pub executed: u64,
    pub cached: u64,
    /// Downloaded from the shared remote cache instead of run.
    #[serde(default)]
    pub remote: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Output {
    pub episode: String,
    pub format: String,
    pub path: String,
    /// This build wrote it (it is new or its bytes changed).
    #[serde(default)]
    pub changed: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Status {
    pub would_execute: u64,
    pub fresh: u64,
    /// Engine -> characters it would be sent.
    pub characters: BTreeMap<String, u64>,
    /// Engine -> characters, requests and estimated cost it would be sent.
    #[serde(default)]
    pub sending: BTreeMap<String, Sending>,
    pub outputs: Vec<String>,
}

/// What a build would send one engine.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Sending {
    pub characters: u64,
    pub requests: u64,
    /// With `[engines.NAME] price_per_million_chars`: characters x price.
    pub cost: Option<f64>,
}

/// `pod cache stats --json`: one JSON document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CacheStats {
    /// The cache directory.
    pub cache: String,
    /// Step kind -> its entries.
    pub kinds: BTreeMap<String, KindStats>,
    pub total: KindStats,
    /// Blobs no record names.
    pub orphan_blobs: OrphanBlobs,
    pub last_build: HitRates,
    pub all_builds: HitRates,
    pub characters: Characters,
    /// What the shared remote cache gave and took.
    pub remote: RemoteStats,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RemoteStats {
    pub last_build: crate::cache::RemoteTotals,
    pub all_builds: crate::cache::RemoteTotals,
}

/// Entries of one kind (or all), and how many the project still reaches.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct KindStats {
    pub entries: u64,
    pub bytes: u64,
    pub referenced: u64,
    pub referenced_bytes: u64,
    pub unreferenced: u64,
    pub unreferenced_bytes: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrphanBlobs {
    pub count: u64,
    pub bytes: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HitRates {
    pub hits: u64,
    pub misses: u64,
    /// Hits over lookups; null when there were none.
    pub hit_rate: Option<f64>,
}

/// Engine -> characters sent to it and characters served from the cache.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Characters {
    pub last_build: BTreeMap<String, EngineCharacters>,
    pub all_builds: BTreeMap<String, EngineCharacters>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EngineCharacters {
    pub synthesised: u64,
    pub cached: u64,
    /// Served by the shared remote cache.
    #[serde(default)]
    pub remote: u64,
}

/// `pod cache ls --json`: one line per cache entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CacheEntry {
    pub key: String,
    pub kind: String,
    pub size: u64,
    pub hits: u64,
    /// Seconds since the Unix epoch.
    pub last_used: u64,
    pub referenced: bool,
    /// The episodes and steps that reach it.
    pub belongs_to: Vec<Owner>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Owner {
    pub episode: String,
    pub what: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reason_comes_first_and_round_trips() {
        let message = Message::Step(Step {
            kind: "tts".into(),
            episode: "ep1".into(),
            key: Some("ab".into()),
            status: StepStatus::Executed,
            dirty: None,
        });
        let line = message.to_line();
        assert_eq!(
            line,
            r#"{"reason":"step","kind":"tts","episode":"ep1","key":"ab","status":"executed"}"#
        );
        let back: Message = serde_json::from_str(&line).unwrap();
        assert_eq!(back, message);
        assert_eq!(back.reason(), "step");
    }

    #[test]
    fn every_reason_is_its_tag() {
        let plan = Message::BuildPlan(BuildPlan { steps: 3 });
        assert_eq!(plan.to_line(), r#"{"reason":"build-plan","steps":3}"#);
        let collected = Message::CacheCollected(CacheCollected {
            entries: 1,
            files: 2,
            bytes: 3,
        });
        assert!(
            collected
                .to_line()
                .starts_with(r#"{"reason":"cache-collected","#)
        );
    }

    #[test]
    fn build_finished_reads_as_the_readme_shows_it() {
        let finished = Message::BuildFinished(BuildFinished {
            success: true,
            counts: BTreeMap::from([(
                "tts".to_string(),
                Counts {
                    executed: 1,
                    cached: 40,
                    remote: 2,
                },
            )]),
            outputs: vec![Output {
                episode: "ep1".into(),
                format: "wav".into(),
                path: "/abs/path".into(),
                changed: true,
            }],
            characters: BTreeMap::from([(
                "http".to_string(),
                EngineCharacters {
                    synthesised: 42,
                    cached: 1200,
                    remote: 80,
                },
            )]),
        });
        assert_eq!(
            finished.to_line(),
            r#"{"reason":"build-finished","success":true,"counts":{"tts":{"executed":1,"cached":40,"remote":2}},"outputs":[{"episode":"ep1","format":"wav","path":"/abs/path","changed":true}],"characters":{"http":{"synthesised":42,"cached":1200,"remote":80}}}"#
        );
    }
}

//! Why a step runs: its previous input at the same logical place (same
//! episode, same sentence position, or the episode's `assemble`/`wav`)
//! compared field by field with the new one, as cargo does for dirty units.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::cache::{ActionKey, ActionRecord, Store};

/// The reason a step executes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Dirty {
    /// Nothing was built at this place before.
    New,
    /// Same key as last time, but its cache entry is gone.
    OutputMissing,
    /// The cached blob did not match its hash.
    Corrupt,
    /// The fields that differ from the previous input.
    Changed(Vec<String>),
    /// A different input last time, whose record is no longer cached.
    PreviousGone,
}

impl std::fmt::Display for Dirty {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Dirty::New => f.write_str("new"),
            Dirty::OutputMissing => f.write_str("output missing"),
            Dirty::Corrupt => f.write_str("cache entry corrupt"),
            Dirty::PreviousGone => {
                f.write_str("input changed (the previous entry is no longer cached)")
            }
            Dirty::Changed(fields) => {
                const SHOWN: usize = 3;
                f.write_str(
                    &fields
                        .iter()
                        .take(SHOWN)
                        .cloned()
                        .collect::<Vec<_>>()
                        .join(", "),
                )?;
                if fields.len() > SHOWN {
                    write!(f, " and {} more", fields.len() - SHOWN)?;
                }
                Ok(())
            }
        }
    }
}

/// A sentence that moved (a sentence was inserted before it) is not the
/// previous input of the one now at its place: forget such pairings, so the
/// new sentence is `new` rather than "text changed".
pub fn forget_moved(
    previous: &mut BTreeMap<String, String>,
    plans: &[std::sync::Arc<crate::plan::EpisodePlan>],
) {
    let mut current: BTreeMap<String, String> = BTreeMap::new();
    for plan in plans {
        for (n, sentence) in plan.sentences.iter().enumerate() {
            current.insert(
                crate::place::Place::sentence(&plan.id, n).to_string(),
                sentence.key.hex(),
            );
        }
    }
    let still_used: std::collections::HashSet<&String> = current.values().collect();
    previous.retain(|place, key| current.get(place) == Some(key) || !still_used.contains(key));
}

/// Why step `S` with this input would run at `logical` (`explain` on its
/// serialised input, engine identity included).
pub fn step_dirty<S: crate::step::Step>(
    store: &Store,
    previous: &BTreeMap<String, String>,
    logical: &str,
    key: &ActionKey,
    input: &S::Input,
) -> Dirty {
    let json = serde_json::to_value(input).expect("step inputs serialise");
    explain(store, previous, logical, key, S::VERSION, &json)
}

/// Compares a step about to run with what ran at `logical` last time.
pub fn explain(
    store: &Store,
    previous: &BTreeMap<String, String>,
    logical: &str,
    key: &ActionKey,
    version: u32,
    input: &Value,
) -> Dirty {
    let Some(previous_key) = previous.get(logical).and_then(|k| ActionKey::from_hex(k)) else {
        return Dirty::New;
    };
    if previous_key == *key {
        return Dirty::OutputMissing;
    }
    match store.read_record(&previous_key) {
        Some(record) => Dirty::Changed(changes(&record, version, input)),
        None => Dirty::PreviousGone,
    }
}

/// The engine's identity is a field of the input (`engine.version a -> b`).
fn changes(previous: &ActionRecord, version: u32, input: &Value) -> Vec<String> {
    let mut fields = Vec::new();
    if previous.version != version {
        fields.push(format!("step version {} -> {version}", previous.version));
    }
    diff("", &previous.input, input, &mut fields);
    if fields.is_empty() {
        fields.push("key changed".into());
    }
    fields
}

/// Field paths where `old` and `new` differ: `voice.rate 175 -> 180`,
/// `parts[0].text changed`.
pub fn diff(path: &str, old: &Value, new: &Value, out: &mut Vec<String>) {
    if old == new {
        return;
    }
    let join = |key: &str| {
        if path.is_empty() {
            key.to_string()
        } else {
            format!("{path}.{key}")
        }
    };
    match (old, new) {
        (Value::Object(a), Value::Object(b)) => {
            let keys: std::collections::BTreeSet<&String> = a.keys().chain(b.keys()).collect();
            // Keep the input's own field order where possible.
            let mut ordered: Vec<&String> = b.keys().filter(|k| keys.contains(k)).collect();
            ordered.extend(a.keys().filter(|k| !b.contains_key(*k)));
            for key in ordered {
                match (a.get(key), b.get(key)) {
                    (Some(x), Some(y)) => diff(&join(key), x, y, out),
                    (None, Some(_)) => out.push(format!("{} added", join(key))),
                    (Some(_), None) => out.push(format!("{} removed", join(key))),
                    (None, None) => {}
                }
            }
        }
        (Value::Array(a), Value::Array(b)) if a.len() == b.len() => {
            for (i, (x, y)) in a.iter().zip(b).enumerate() {
                diff(&format!("{path}[{i}]"), x, y, out);
            }
        }
        (Value::Array(a), Value::Array(b)) => {
            out.push(format!("{path} changed ({} -> {} items)", a.len(), b.len()));
        }
        // A file setting's hash (a voice model's): its start tells them
        // apart. Blobs of upstream steps stay `pcm changed`.
        (Value::String(a), Value::String(b))
            if path.ends_with(".blake3") && is_hash(a) && is_hash(b) =>
        {
            out.push(format!("{path} {}… -> {}…", &a[..8], &b[..8]));
        }
        // Short names are shown; text with spaces is a sentence, said only
        // to have changed, except an engine's identity (`espeak-ng 1.51`,
        // `fe2 ort1.32.0s1 fab30a4 7221c5f4`), which may be longer.
        (Value::String(a), Value::String(b))
            if (a.len() <= 24 && b.len() <= 24 && !a.contains(' '))
                || (a.len() <= 40 && b.len() <= 40 && path.starts_with("engine.")) =>
        {
            out.push(format!("{path} {a} -> {b}"));
        }
        (Value::String(_), Value::String(_)) => out.push(format!("{path} changed")),
        (Value::Number(a), Value::Number(b)) => out.push(format!("{path} {a} -> {b}")),
        (Value::Bool(a), Value::Bool(b)) => out.push(format!("{path} {a} -> {b}")),
        _ => out.push(format!("{path} changed")),
    }
}

fn is_hash(text: &str) -> bool {
    crate::cache::ContentHash::from_hex(text).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn names_changed_fields() {
        let old =
            json!({"voice": {"voice": "en-us", "rate": 175}, "parts": [{"text": "Hello there."}]});
        let new =
            json!({"voice": {"voice": "en-gb", "rate": 180}, "parts": [{"text": "Hello here."}]});
        let mut out = Vec::new();
        diff("", &old, &new, &mut out);
        assert_eq!(
            out,
            vec![
                "voice.voice en-us -> en-gb",
                "voice.rate 175 -> 180",
                "parts[0].text changed"
            ]
        );
    }

    #[test]
    fn shows_the_start_of_changed_hashes() {
        let (a, b) = ("1a2b3c4d".repeat(8), "5e6f7a8b".repeat(8));
        let mut out = Vec::new();
        diff(
            "",
            &json!({"voice": {"model": {"path": "m.onnx", "blake3": a}}}),
            &json!({"voice": {"model": {"path": "m.onnx", "blake3": b}}}),
            &mut out,
        );
        assert_eq!(out, vec!["voice.model.blake3 1a2b3c4d… -> 5e6f7a8b…"]);
    }

    #[test]
    fn counts_items_when_lengths_differ() {
        let mut out = Vec::new();
        diff(
            "",
            &json!({"items": [1, 2]}),
            &json!({"items": [1, 2, 3]}),
            &mut out,
        );
        assert_eq!(out, vec!["items changed (2 -> 3 items)"]);
    }

    #[test]
    fn a_moved_sentence_is_not_the_previous_input() {
        use crate::plan::{EpisodePlan, PlannedSentence};
        let key = |n: u8| ActionKey([n; 32]);
        let input = std::sync::Arc::new(crate::steps::TtsInput {
            engine: crate::engines::EngineId {
                name: "espeak".into(),
                version: "espeak-ng 0.2.0".into(),
            },
            voice: crate::engines::VoiceSettings::new(),
            route: crate::engines::Route::new(),
            parts: Vec::new(),
        });
        let sentence = |n: u8| PlannedSentence {
            key: key(n),
            input: input.clone(),
            line: 1,
            column: 1,
            display: String::new(),
            speaker: None,
            named: false,
        };
        let plan = EpisodePlan {
            id: "ep".into(),
            source: "ep.md".into(),
            title: "ep".into(),
            sentences: vec![sentence(1), sentence(9), sentence(2)],
            timeline: Vec::new(),
            chapters: Vec::new(),
            output: crate::config::Output {
                sample_rate: 22050,
                channels: 1,
                formats: Vec::new(),
                mp3: crate::config::Mp3Mode::CbrKbps(128),
                aac_bitrate_kbps: 96,
            },
            warnings: Vec::new(),
            music: None,
            intro: None,
            outro: None,
            loudness: crate::config::LOUDNESS_PRESETS[0].1,
            cover: None,
            video: crate::config::VideoLayer::default()
                .resolve(None, &Default::default())
                .expect("the default video resolves"),
            tags: Default::default(),
            release: crate::plan::Release::default(),
        };
        // Before: 1, 2, 3. Now: 1, 9 (inserted), 2 (moved down); 3 was edited away.
        let mut previous: BTreeMap<String, String> = [(0, 1), (1, 2), (2, 3)]
            .into_iter()
            .map(|(n, k)| (format!("ep/tts/{n}"), key(k).hex()))
            .collect();
        forget_moved(&mut previous, &[std::sync::Arc::new(plan)]);
        assert_eq!(previous.get("ep/tts/0"), Some(&key(1).hex()));
        assert_eq!(previous.get("ep/tts/1"), None, "2 moved: 9 is new");
        assert_eq!(
            previous.get("ep/tts/2"),
            Some(&key(3).hex()),
            "3 is gone: 2 replaces it"
        );
    }

    #[test]
    fn summarises_long_lists() {
        let dirty = Dirty::Changed(vec![
            "a".into(),
            "b".into(),
            "c".into(),
            "d".into(),
            "e".into(),
        ]);
        assert_eq!(dirty.to_string(), "a, b, c and 2 more");
    }
}

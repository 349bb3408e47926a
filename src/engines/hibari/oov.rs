//! Words no lexicon or rule knows (McAllister, Zyxorp): a small character
//! network reads them, one call per word. Its output is CTC-style: repeats
//! collapse and 0 is a blank.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use serde::Deserialize;
use tract_onnx::prelude::*;

const MODEL: &[u8] = include_bytes!("../../../third_party/hibari/oov.onnx");
const ALPHABETS: &str = include_str!("../../../third_party/hibari/oov.json");

/// The network's alphabets: input characters and output phonemes, each
/// numbered from 1 (0 is padding and blank).
#[derive(Deserialize)]
struct Alphabets {
    #[serde(rename = "in")]
    input: Vec<String>,
    #[serde(rename = "out")]
    output: Vec<String>,
    maxlen: usize,
}

pub struct OovReader {
    plan: Arc<TypedRunnableModel>,
    input: HashMap<char, i64>,
    output: Vec<String>,
    maxlen: usize,
}

/// The shared reader, loaded on first use.
pub fn reader() -> &'static OovReader {
    static READER: OnceLock<OovReader> = OnceLock::new();
    READER.get_or_init(|| {
        // Both files are compiled in: failing here is a defect of this build.
        OovReader::load(MODEL, ALPHABETS).expect("the embedded out-of-vocabulary net loads")
    })
}

impl OovReader {
    fn load(model: &[u8], alphabets: &str) -> Result<OovReader, String> {
        let alphabets: Alphabets =
            serde_json::from_str(alphabets).map_err(|e| format!("oov.json: {e}"))?;
        let plan = tract_onnx::onnx()
            .with_ignore_value_info(true)
            .with_ignore_output_shapes(true)
            .model_for_read(&mut &*model)
            .and_then(|m| m.into_optimized())
            .and_then(|m| m.into_runnable())
            .map_err(|e| format!("oov.onnx: {e:#}"))?;
        let input = alphabets
            .input
            .iter()
            .zip(1..)
            .filter_map(|(c, id)| Some((c.chars().next()?, id)))
            .collect();
        Ok(OovReader {
            plan,
            input,
            output: alphabets.output,
            maxlen: alphabets.maxlen,
        })
    }

    /// Phonemes for `word`, or `None` when none of its characters is known.
    pub fn read(&self, word: &str) -> Option<String> {
        let ids: Vec<i64> = word
            .chars()
            .filter_map(|c| self.input.get(&c).copied())
            .take(self.maxlen)
            .collect();
        if ids.is_empty() {
            return None;
        }
        let chars = Tensor::from_shape(&[1, ids.len()], &ids).ok()?;
        let out = self.plan.run(tvec![chars.into()]).ok()?;
        let out = out.first()?.cast_to::<i64>().ok()?;
        let mut phonemes = String::new();
        let mut previous = 0;
        for &id in out.to_plain_array_view::<i64>().ok()?.iter() {
            if id != previous && id != 0 {
                phonemes.push_str(self.output.get(usize::try_from(id - 1).ok()?)?);
            }
            previous = id;
        }
        Some(phonemes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_words_no_lexicon_has_as_upstream_does() {
        // hibari-tts 0.2.1's `OOV()` under onnxruntime.
        for (word, phonemes) in [
            ("McAllister", "mək ˈælɪstəɹ"),
            ("Zyxorp", "zˈIksɔɹp"),
            ("Nguyen", "əŋˈIən"),
            ("Kubernetes", "kjˈubəɹnˌits"),
        ] {
            assert_eq!(reader().read(word).as_deref(), Some(phonemes), "{word}");
        }
    }

    #[test]
    fn nothing_known_is_none() {
        assert_eq!(reader().read("☃"), None);
    }
}

//! The front end's data files, embedded in the binary from `third_party/hibari/`
//! and parsed once on first use. Nothing is downloaded or read from disk.

use std::io::Read;

use flate2::read::GzDecoder;
use serde_json::Value;

const LEXICON_GOLD_GZ: &[u8] =
    include_bytes!("../../../third_party/hibari/lexicon_us_gold.json.gz");
const LEXICON_SILVER_GZ: &[u8] =
    include_bytes!("../../../third_party/hibari/lexicon_us_silver.json.gz");
const TAGGER_GZ: &[u8] = include_bytes!("../../../third_party/hibari/tagger.json.gz");
const TOKENIZER_EXCEPTIONS: &str =
    include_str!("../../../third_party/hibari/tokenizer_exceptions.json");
const NORMALIZE_TABLES: &str = include_str!("../../../third_party/hibari/normalize.json");
const VOCAB: &str = include_str!("../../../third_party/hibari/vocab.json");

fn gunzip_json(bytes: &[u8], name: &str) -> Value {
    let mut text = String::new();
    GzDecoder::new(bytes)
        .read_to_string(&mut text)
        .unwrap_or_else(|e| panic!("embedded {name} is not valid gzip: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("embedded {name} is not valid JSON: {e}"))
}

fn json(text: &str, name: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("embedded {name} is not valid JSON: {e}"))
}

// The embedded files are fixed at compile time, so a parse failure is a build
// defect, not a runtime condition: panicking names the broken file.

pub fn lexicon_gold() -> Value {
    gunzip_json(LEXICON_GOLD_GZ, "lexicon_us_gold.json.gz")
}

pub fn lexicon_silver() -> Value {
    gunzip_json(LEXICON_SILVER_GZ, "lexicon_us_silver.json.gz")
}

pub fn tagger() -> Value {
    gunzip_json(TAGGER_GZ, "tagger.json.gz")
}

pub fn tokenizer_exceptions() -> Value {
    json(TOKENIZER_EXCEPTIONS, "tokenizer_exceptions.json")
}

pub fn normalize_tables() -> Value {
    json(NORMALIZE_TABLES, "normalize.json")
}

pub fn vocab() -> Value {
    json(VOCAB, "vocab.json")
}

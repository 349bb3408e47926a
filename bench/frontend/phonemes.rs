//! Prints pod's phonemes for each line of standard input, one JSON object per
//! line (`{"text":…,"phonemes":…,"oov":[…]}`), for `compare.py` to check
//! against the upstream Python front end.
//!
//!   cargo run --example hibari-phonemes < bench/frontend/sentences.txt

use std::io::{BufRead, Write};

use pod::engines::hibari::g2p;

fn main() {
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    for line in std::io::stdin().lock().lines() {
        let line = line.expect("standard input is text");
        if line.trim().is_empty() {
            continue;
        }
        let ps = g2p::phonemize(&line);
        let record = serde_json::json!({"text": line, "phonemes": ps.text, "oov": ps.oov});
        writeln!(out, "{record}").expect("standard output is writable");
    }
}

//! The acoustic model's input alphabet (Kokoro's phoneme vocabulary): each
//! phoneme symbol has an id; a sequence is wrapped in id 0 at both ends.

use std::collections::HashMap;
use std::sync::OnceLock;

use super::data;

fn table() -> &'static HashMap<char, i64> {
    static TABLE: OnceLock<HashMap<char, i64>> = OnceLock::new();
    TABLE.get_or_init(|| {
        data::vocab()
            .as_object()
            .expect("the vocabulary is an object")
            .iter()
            .map(|(symbol, id)| {
                let mut chars = symbol.chars();
                let c = chars.next().expect("a symbol is one character");
                assert!(
                    chars.next().is_none(),
                    "vocabulary symbol {symbol:?} is one character"
                );
                (c, id.as_i64().expect("an id is an integer"))
            })
            .collect()
    })
}

/// Whether the model has an id for `symbol`.
pub fn knows(symbol: char) -> bool {
    table().contains_key(&symbol)
}

/// Model input ids for a phoneme string: 0, the ids, 0. Symbols outside the
/// vocabulary are dropped, as upstream does.
pub fn ids(phonemes: &str) -> Vec<i64> {
    let table = table();
    let mut out = vec![0];
    out.extend(phonemes.chars().filter_map(|c| table.get(&c).copied()));
    out.push(0);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engines::hibari::g2p::phonemize;

    #[test]
    fn ids_are_padded_with_zero() {
        assert_eq!(ids("ðə."), [0, table()[&'ð'], table()[&'ə'], 4, 0]);
        assert_eq!(ids(""), [0, 0]);
    }

    #[test]
    fn the_front_end_speaks_the_model_alphabet() {
        let text = "Dr. Smith read 3 books on 10/12/2019, paid $4.75 (12.5% off) at 7:30 p.m.; \
                    isn't that the 21st-century way? \"Yes!\" — she said… NASA's FBI agents.";
        let ps = phonemize(text);
        let unknown: Vec<char> = ps.text.chars().filter(|&c| !knows(c)).collect();
        assert!(
            unknown.is_empty(),
            "{unknown:?} are not in the model's vocabulary: {}",
            ps.text
        );
    }
}

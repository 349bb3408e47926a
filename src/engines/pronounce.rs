//! Pronunciation entries and where they apply in a sentence: whole words
//! only, case-insensitive unless an entry says otherwise. What replaces a
//! matched word is the caller's choice per engine (an alias, or phonemes in
//! the engine's own markup, see `Engine::mark_phonemes`).

use std::collections::BTreeMap;
use std::ops::Range;

/// One entry of `[pronunciations]` or of a PLS lexicon, as planning uses it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Entry {
    /// The written form matched in sentences (one word or several).
    pub grapheme: String,
    pub case_sensitive: bool,
    /// Text spoken instead, for any engine.
    pub alias: Option<String>,
    /// IPA, for engines that take phonemes.
    pub phonemes: Option<String>,
}

/// A set of entries, first ones winning, indexed by their first word so a
/// long lexicon costs one lookup per word of a sentence.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Lexicon {
    entries: Vec<Entry>,
    by_first_word: BTreeMap<String, Vec<usize>>,
}

/// Where entry `entry` (an index into the lexicon) matched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Match {
    pub range: Range<usize>,
    pub entry: usize,
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

fn first_word(text: &str) -> String {
    text.chars()
        .take_while(|&c| is_word_char(c))
        .flat_map(char::to_lowercase)
        .collect()
}

impl Lexicon {
    /// `entries` in priority order: where two match the same words, the
    /// earlier one is used.
    pub fn new(entries: Vec<Entry>) -> Lexicon {
        let mut by_first_word: BTreeMap<String, Vec<usize>> = BTreeMap::new();
        for (i, entry) in entries.iter().enumerate() {
            by_first_word
                .entry(first_word(&entry.grapheme))
                .or_default()
                .push(i);
        }
        Lexicon {
            entries,
            by_first_word,
        }
    }

    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Every whole-word match in `text`, left to right, never overlapping;
    /// at one place the longest entry wins, then the earliest.
    pub fn matches(&self, text: &str) -> Vec<Match> {
        let mut found = Vec::new();
        if self.entries.is_empty() {
            return found;
        }
        let mut at = 0;
        while at < text.len() {
            let c = text[at..].chars().next().expect("inside the text");
            let starts_word =
                is_word_char(c) && !text[..at].chars().next_back().is_some_and(is_word_char);
            if starts_word && let Some(m) = self.match_at(text, at) {
                at = m.range.end;
                found.push(m);
                continue;
            }
            at += c.len_utf8();
        }
        found
    }

    fn match_at(&self, text: &str, at: usize) -> Option<Match> {
        let candidates = self.by_first_word.get(&first_word(&text[at..]))?;
        let mut best: Option<Match> = None;
        for &i in candidates {
            let entry = &self.entries[i];
            let Some(len) = prefix_len(&text[at..], &entry.grapheme, entry.case_sensitive) else {
                continue;
            };
            let end = at + len;
            if text[end..].chars().next().is_some_and(is_word_char) {
                continue;
            }
            if best.as_ref().is_none_or(|b| end > b.range.end) {
                best = Some(Match {
                    range: at..end,
                    entry: i,
                });
            }
        }
        best
    }
}

/// The byte length of the part of `text` that `grapheme` starts it with.
fn prefix_len(text: &str, grapheme: &str, case_sensitive: bool) -> Option<usize> {
    if case_sensitive {
        return text.starts_with(grapheme).then_some(grapheme.len());
    }
    let mut len = 0;
    let mut chars = text.chars();
    for g in grapheme.chars() {
        let c = chars.next()?;
        if c != g && !c.to_lowercase().eq(g.to_lowercase()) {
            return None;
        }
        len += c.len_utf8();
    }
    Some(len)
}

/// `text` with each range replaced by its text; `replacements` are in order
/// and do not overlap.
pub fn rewrite(text: &str, replacements: &[(Range<usize>, String)]) -> String {
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for (range, with) in replacements {
        out.push_str(&text[at..range.start]);
        out.push_str(with);
        at = range.end;
    }
    out.push_str(&text[at..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn alias(grapheme: &str, alias: &str, case_sensitive: bool) -> Entry {
        Entry {
            grapheme: grapheme.into(),
            case_sensitive,
            alias: Some(alias.into()),
            phonemes: None,
        }
    }

    fn replaced(lexicon: &Lexicon, text: &str) -> String {
        let replacements: Vec<_> = lexicon
            .matches(text)
            .into_iter()
            .map(|m| {
                let alias = lexicon.entries()[m.entry].alias.clone().unwrap();
                (m.range, alias)
            })
            .collect();
        rewrite(text, &replacements)
    }

    #[test]
    fn whole_words_only() {
        let lexicon = Lexicon::new(vec![alias("Khipu", "Kee-poo", false)]);
        assert_eq!(
            replaced(&lexicon, "Khipus and Khipu."),
            "Khipus and Kee-poo."
        );
        assert_eq!(replaced(&lexicon, "AKhipu"), "AKhipu");
        assert_eq!(replaced(&lexicon, "Khipu_x"), "Khipu_x");
        assert_eq!(replaced(&lexicon, "Khipu's knots"), "Kee-poo's knots");
    }

    #[test]
    fn alias_keeps_the_punctuation_around_it() {
        let lexicon = Lexicon::new(vec![alias("Khipu", "Kee-poo", false)]);
        assert_eq!(
            replaced(
                &lexicon,
                "\"Khipu,\" she said: (Khipu)! Khipu-based; Khipu?"
            ),
            "\"Kee-poo,\" she said: (Kee-poo)! Kee-poo-based; Kee-poo?"
        );
    }

    #[test]
    fn case_insensitive_by_default_and_sensitive_when_asked() {
        let lexicon = Lexicon::new(vec![
            alias("US", "U.S.", true),
            alias("khipu", "Kee-poo", false),
        ]);
        assert_eq!(
            replaced(&lexicon, "KHIPU, Khipu and khipu for us in the US."),
            "Kee-poo, Kee-poo and Kee-poo for us in the U.S.."
        );
    }

    #[test]
    fn non_ascii_case_folding_keeps_byte_ranges() {
        let lexicon = Lexicon::new(vec![alias("Ærø", "Airo", false)]);
        assert_eq!(replaced(&lexicon, "To ÆRØ, by boat."), "To Airo, by boat.");
    }

    #[test]
    fn the_longest_entry_wins_then_the_first() {
        let lexicon = Lexicon::new(vec![
            alias("New", "Noo", false),
            alias("New York", "Noo Yawk", false),
            alias("york", "second", false),
            alias("York", "third", false),
        ]);
        assert_eq!(
            replaced(&lexicon, "New York, New Haven, York."),
            "Noo Yawk, Noo Haven, second."
        );
        // A multi-word entry is whole words at both ends too.
        assert_eq!(replaced(&lexicon, "New Yorker"), "Noo Yorker");
    }

    #[test]
    fn no_entries_no_matches() {
        assert!(Lexicon::new(Vec::new()).matches("Khipu").is_empty());
    }
}

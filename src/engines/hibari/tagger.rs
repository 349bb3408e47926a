//! Part-of-speech tagger (Penn Treebank tags) for the lexicon's homographs
//! ("read", "live", "lead") and function-word rules: hibari's averaged
//! perceptron, trained to agree with spaCy's en_core_web_sm. A word with one
//! dominant tag is answered from a tag dictionary; any other word scores each
//! tag by summing the weights of 15 features (the word, its suffix, its
//! shape, the two previous tags, the neighbouring words) and takes the best.

use std::collections::{HashMap, HashSet};

use serde_json::Value;

use super::data;

const START: [&str; 2] = ["-START2-", "-START-"];
const END: [&str; 2] = ["-END-", "-END2-"];

pub struct Tagger {
    tags: Vec<String>,
    tagdict: HashMap<String, String>,
    vocab: HashSet<String>,
    /// feature -> (index into `tags`, weight)
    weights: HashMap<String, Vec<(usize, f64)>>,
}

/// The word as the feature window sees it: hyphenated words, years and
/// numbers collapse to one symbol each.
fn normal_form(word: &str) -> String {
    let first = word.chars().next();
    if word.contains('-') && first != Some('-') {
        "!HYPHEN".into()
    } else if super::pystr::is_digit(word) && word.chars().count() == 4 {
        "!YEAR".into()
    } else if first.is_some_and(super::pystr::is_digit_char) {
        "!DIGITS".into()
    } else {
        word.to_lowercase()
    }
}

/// Letter case and digit pattern: "x", "Xx", "XX", "X1", "xX", "d", or the
/// first four characters with letters and digits abstracted.
fn shape(word: &str) -> String {
    use super::pystr::{is_alpha, is_digit, is_lower, is_upper};
    if is_alpha(word) {
        if is_lower(word) {
            return "x".into();
        }
        if is_upper(word) {
            return if word.chars().count() > 1 { "XX" } else { "X1" }.into();
        }
        let mut chars = word.chars();
        let first_upper = chars.next().is_some_and(char::is_uppercase);
        let rest: String = chars.collect();
        if first_upper && is_lower(&rest) {
            return "Xx".into();
        }
        return "xX".into();
    }
    if is_digit(word) {
        return "d".into();
    }
    word.chars()
        .take(4)
        .map(|c| {
            if super::pystr::is_digit_char(c) {
                'd'
            } else if c.is_alphabetic() {
                'x'
            } else {
                c
            }
        })
        .collect()
}

/// The last three characters (Python's `s[-3:]`).
fn suffix3(s: &str) -> &str {
    let n = s.chars().count();
    super::pystr::skip_chars(s, n.saturating_sub(3))
}

impl Tagger {
    pub fn new() -> Tagger {
        Tagger::from_json(&data::tagger())
    }

    fn from_json(model: &Value) -> Tagger {
        let tags: Vec<String> = model["tags"]
            .as_array()
            .expect("tagger tags are a list")
            .iter()
            .map(|t| t.as_str().expect("a tag is text").to_string())
            .collect();
        let index: HashMap<&str, usize> = tags
            .iter()
            .enumerate()
            .map(|(i, t)| (t.as_str(), i))
            .collect();
        let tagdict = model["tagdict"]
            .as_object()
            .expect("tagger tagdict is an object")
            .iter()
            .map(|(w, t)| (w.clone(), t.as_str().expect("a tag is text").to_string()))
            .collect();
        let vocab = model["vocab"]
            .as_array()
            .expect("tagger vocab is a list")
            .iter()
            .map(|w| w.as_str().expect("a vocabulary word is text").to_string())
            .collect();
        let weights = model["weights"]
            .as_object()
            .expect("tagger weights are an object")
            .iter()
            .map(|(feature, per_tag)| {
                let row = per_tag
                    .as_object()
                    .expect("feature weights are an object")
                    .iter()
                    .map(|(t, w)| (index[t.as_str()], w.as_f64().expect("a weight is a number")))
                    .collect();
                (feature.clone(), row)
            })
            .collect();
        Tagger {
            tags,
            tagdict,
            vocab,
            weights,
        }
    }

    /// Normalised words padded with start and end markers; words outside
    /// the tagger's vocabulary stand as their shape.
    fn context(&self, words: &[String]) -> Vec<String> {
        let mut ctx: Vec<String> = START.iter().map(|s| s.to_string()).collect();
        for w in words {
            let n = normal_form(w);
            ctx.push(if self.vocab.contains(&n) {
                n
            } else {
                format!("<{}>", shape(w))
            });
        }
        ctx.extend(END.iter().map(|s| s.to_string()));
        ctx
    }

    fn predict(&self, features: &[String]) -> &str {
        let mut scores: Vec<Option<f64>> = vec![None; self.tags.len()];
        for f in features {
            if let Some(row) = self.weights.get(f) {
                for &(t, w) in row {
                    scores[t] = Some(scores[t].unwrap_or(0.0) + w);
                }
            }
        }
        if scores.iter().all(Option::is_none) {
            return "NN";
        }
        // Highest score; ties go to the greater tag name, as upstream.
        let mut best = 0;
        for i in 1..self.tags.len() {
            let (a, b) = (scores[i].unwrap_or(0.0), scores[best].unwrap_or(0.0));
            if a > b || (a == b && self.tags[i] > self.tags[best]) {
                best = i;
            }
        }
        &self.tags[best]
    }

    pub fn tag(&self, words: &[String]) -> Vec<String> {
        let ctx = self.context(words);
        let (mut prev, mut prev2) = (START[1].to_string(), START[0].to_string());
        let mut tags = Vec::with_capacity(words.len());
        for (i, w) in words.iter().enumerate() {
            let tag = match self.tagdict.get(w) {
                Some(t) => t.clone(),
                None => {
                    let j = i + 2;
                    let first: String = w.chars().take(1).collect();
                    let features = [
                        "b".to_string(),
                        format!("s3={}", suffix3(w)),
                        format!("p1={first}"),
                        format!("w={}", ctx[j]),
                        format!("sh={}", shape(w)),
                        if i == 0 { "i0" } else { "i+" }.to_string(),
                        format!("t-1={prev}"),
                        format!("t-2={prev2}"),
                        format!("t-12={prev},{prev2}"),
                        format!("w-1={}", ctx[j - 1]),
                        format!("s3-1={}", suffix3(&ctx[j - 1])),
                        format!("w-2={}", ctx[j - 2]),
                        format!("w+1={}", ctx[j + 1]),
                        format!("s3+1={}", suffix3(&ctx[j + 1])),
                        format!("w+2={}", ctx[j + 2]),
                    ];
                    self.predict(&features).to_string()
                }
            };
            prev2 = std::mem::replace(&mut prev, tag.clone());
            tags.push(tag);
        }
        tags
    }
}

impl Default for Tagger {
    fn default() -> Self {
        Tagger::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tag(t: &Tagger, s: &str) -> Vec<String> {
        let words: Vec<String> = s.split(' ').map(String::from).collect();
        t.tag(&words)
    }

    #[test]
    fn homographs_get_their_tags() {
        let t = Tagger::new();
        assert_eq!(tag(&t, "she read it yesterday .")[1], "VBD");
        assert_eq!(tag(&t, "I will read it tomorrow .")[2], "VB");
        assert_eq!(shape("McAllister"), "xX");
        assert_eq!(shape("3rd"), "dxx");
        assert_eq!(normal_form("1969"), "!YEAR");
    }
}

//! misaki's English lexicon rules (as hibari ports them): gold then silver
//! dictionary lookup with part-of-speech entries for homographs, capitalised
//! and all-caps words, acronyms spelled letter by letter, function words that
//! depend on the next word ("the", "to", "a"), -s/-ed/-ing stems, and numbers
//! (cardinals, ordinals, years, decimals, money).

use std::collections::HashMap;

use serde_json::Value;
use unicode_normalization::UnicodeNormalization;

use super::numbers;
use super::pystr::{
    capitalize, char_len, drop_last_chars, is_alpha, is_digit, last_char, lower, skip_chars, upper,
};
use super::stress::{self, PRIMARY, SECONDARY};
use super::token::Token;

/// What the words after the current one say about how to read it.
#[derive(Debug, Clone, Copy, Default)]
pub struct Context {
    /// Whether the next word starts with a vowel sound; `None` at the end of
    /// a phrase (before punctuation or the end of the text).
    pub future_vowel: Option<bool>,
    /// Whether the next word is "to" ("used to").
    pub future_to: bool,
}

/// A dictionary value: one reading, or one per part-of-speech tag (with a
/// `DEFAULT`); a tag may map to no reading, meaning "spell it".
#[derive(Debug, Clone)]
pub enum Entry {
    Word(String),
    ByTag(Vec<(String, Option<String>)>),
}

impl Entry {
    fn from_json(v: &Value) -> Option<Entry> {
        match v {
            Value::String(s) => Some(Entry::Word(s.clone())),
            Value::Object(m) => Some(Entry::ByTag(
                m.iter()
                    .map(|(k, v)| (k.clone(), v.as_str().map(String::from)))
                    .collect(),
            )),
            _ => None,
        }
    }

    fn for_tag(&self, tag: &str) -> Option<&Option<String>> {
        match self {
            Entry::Word(_) => None,
            Entry::ByTag(rows) => rows.iter().find(|(t, _)| t == tag).map(|(_, p)| p),
        }
    }
}

/// A misaki dictionary: a lower-case key also answers for its Capitalised
/// form and the other way round, unless that form has its own entry.
pub struct Dictionary {
    entries: HashMap<String, Entry>,
}

impl Dictionary {
    pub fn from_json(v: &Value) -> Dictionary {
        let entries = v
            .as_object()
            .expect("a lexicon is an object")
            .iter()
            .filter_map(|(k, v)| Entry::from_json(v).map(|e| (k.clone(), e)))
            .collect();
        Dictionary { entries }
    }

    pub fn get(&self, w: &str) -> Option<&Entry> {
        if let Some(e) = self.entries.get(w) {
            return Some(e);
        }
        if char_len(w) < 2 {
            return None;
        }
        let wl = lower(w);
        if w == wl {
            let c = capitalize(w);
            return if c != w { self.entries.get(&c) } else { None };
        }
        if w == capitalize(&wl) {
            return self.entries.get(&wl);
        }
        None
    }

    pub fn contains(&self, w: &str) -> bool {
        self.get(w).is_some()
    }
}

const CURRENCIES: [(&str, &str, &str); 3] = [
    ("$", "dollar", "cent"),
    ("£", "pound", "pence"),
    ("€", "euro", "cent"),
];
/// The longest number the scale words can name (999 decillion).
const MAX_NAMED_DIGITS: usize = 36;
const ORDINAL_SUFFIXES: [&str; 4] = ["st", "nd", "rd", "th"];

pub fn currency_units(symbol: &str) -> Option<(&'static str, &'static str)> {
    CURRENCIES
        .iter()
        .find(|(s, _, _)| *s == symbol)
        .map(|&(_, a, b)| (a, b))
}

fn symbol_word(word: &str) -> Option<&'static str> {
    match word {
        "%" => Some("percent"),
        "&" => Some("and"),
        "+" => Some("plus"),
        "@" => Some("at"),
        _ => None,
    }
}

/// The coarse class of a Penn tag, which the dictionaries use as a fallback.
fn parent_tag(tag: &str) -> &str {
    if tag.starts_with("VB") {
        "VERB"
    } else if tag.starts_with("NN") {
        "NOUN"
    } else if tag.starts_with("ADV") || tag.starts_with("RB") {
        "ADV"
    } else if tag.starts_with("ADJ") || tag.starts_with("JJ") {
        "ADJ"
    } else {
        tag
    }
}

/// The characters misaki's dictionaries are written in: apostrophe, hyphen
/// and ASCII letters.
fn lexicon_char(c: char) -> bool {
    c == '\'' || c == '-' || c.is_ascii_alphabetic()
}

/// American flapping: a t after these sounds reads as a tap before -ed/-ing.
fn flaps_t(c: char) -> bool {
    "AIOWYiuæɑəɛɪɹʊʌ".contains(c)
}

type Reading = Option<String>;

pub struct Lexicon {
    gold: Dictionary,
    silver: Dictionary,
}

impl Lexicon {
    pub fn new(gold: Dictionary, silver: Dictionary) -> Lexicon {
        Lexicon { gold, silver }
    }

    fn gold_word(&self, w: &str) -> Option<String> {
        match self.gold.get(w) {
            Some(Entry::Word(s)) => Some(s.clone()),
            _ => None,
        }
    }

    fn gold_tagged(&self, w: &str, tag: &str) -> Option<String> {
        self.gold
            .get(w)
            .and_then(|e| e.for_tag(tag))
            .cloned()
            .flatten()
    }

    /// Spells a word letter by letter, stressing the last letter ("NASA" is
    /// in the dictionary, "FBI" is spelled).
    fn spell(&self, word: &str) -> Reading {
        let mut ps = String::new();
        for c in word.chars().filter(|c| c.is_alphabetic()) {
            ps.push_str(&self.gold_word(&upper(&c.to_string()))?);
        }
        let ps = stress::apply(&ps, Some(0.0));
        Some(match ps.rfind(SECONDARY) {
            Some(i) => format!("{}{PRIMARY}{}", &ps[..i], &ps[i + SECONDARY.len_utf8()..]),
            None => ps,
        })
    }

    /// Function words, symbols and dotted abbreviations, read by rule; `None`
    /// hands the word on to the dictionaries.
    fn special_case(&self, word: &str, tag: &str, stress: Option<f64>, ctx: &Context) -> Reading {
        if tag == "ADD" && (word == "." || word == "/") {
            let name = if word == "." { "dot" } else { "slash" };
            return self.lookup(name, None, Some(-0.5), Some(ctx));
        }
        if let Some(name) = symbol_word(word) {
            return self.lookup(name, None, None, Some(ctx));
        }
        if word.trim_matches('.').contains('.')
            && is_alpha(&word.replace('.', ""))
            && word.split('.').map(char_len).max().unwrap_or(0) < 3
        {
            return self.spell(word);
        }
        match word {
            "a" | "A" => Some(if tag == "DT" { "ɐ" } else { "ˈA" }.to_string()),
            "am" | "Am" | "AM" => {
                if tag.starts_with("NN") {
                    self.spell(word)
                } else if ctx.future_vowel.is_none()
                    || word != "am"
                    || stress.is_some_and(|s| s > 0.0)
                {
                    self.gold_word("am")
                } else {
                    Some("ɐm".to_string())
                }
            }
            "an" | "An" | "AN" => {
                if word == "AN" && tag.starts_with("NN") {
                    self.spell(word)
                } else {
                    Some("ɐn".to_string())
                }
            }
            "I" if tag == "PRP" => Some(format!("{SECONDARY}I")),
            "by" | "By" | "BY" if parent_tag(tag) == "ADV" => Some("bˈI".to_string()),
            _ if word == "to" || word == "To" || (word == "TO" && (tag == "TO" || tag == "IN")) => {
                match ctx.future_vowel {
                    None => self.gold_word("to"),
                    Some(false) => Some("tə".to_string()),
                    Some(true) => Some("tʊ".to_string()),
                }
            }
            _ if word == "in" || word == "In" || (word == "IN" && tag != "NNP") => {
                let mark = if ctx.future_vowel.is_none() || tag != "IN" {
                    "ˈ"
                } else {
                    ""
                };
                Some(format!("{mark}ɪn"))
            }
            _ if word == "the" || word == "The" || (word == "THE" && tag == "DT") => Some(
                if ctx.future_vowel == Some(true) {
                    "ði"
                } else {
                    "ðə"
                }
                .to_string(),
            ),
            _ if tag == "IN" && (lower(word) == "vs" || lower(word) == "vs.") => {
                self.lookup("versus", None, None, Some(ctx))
            }
            "used" | "Used" | "USED" => {
                let which = if (tag == "VBD" || tag == "JJ") && ctx.future_to {
                    "VBD"
                } else {
                    "DEFAULT"
                };
                self.gold_tagged("used", which)
            }
            _ => None,
        }
    }

    fn is_known(&self, word: &str) -> bool {
        if self.gold.contains(word) || symbol_word(word).is_some() || self.silver.contains(word) {
            return true;
        }
        if !is_alpha(word) || !word.chars().all(lexicon_char) {
            return false;
        }
        if char_len(word) == 1 {
            return true;
        }
        if word == upper(word) && self.gold.contains(&lower(word)) {
            return true;
        }
        let rest = skip_chars(word, 1);
        rest == upper(rest)
    }

    pub fn lookup(
        &self,
        word: &str,
        tag: Option<&str>,
        stress: Option<f64>,
        ctx: Option<&Context>,
    ) -> Reading {
        let mut word = word.to_string();
        let mut is_proper = false;
        if word == upper(&word) && !self.gold.contains(&word) {
            word = lower(&word);
            is_proper = tag == Some("NNP");
        }
        let mut entry = self.gold.get(&word);
        if entry.is_none() && !is_proper {
            entry = self.silver.get(&word);
        }
        let ps: Option<String> = match entry {
            None => None,
            Some(Entry::Word(s)) => Some(s.clone()),
            Some(e @ Entry::ByTag(_)) => {
                let key = if ctx.is_some_and(|c| c.future_vowel.is_none())
                    && e.for_tag("None").is_some()
                {
                    "None"
                } else {
                    let tag = tag.unwrap_or("");
                    if e.for_tag(tag).is_some() {
                        tag
                    } else {
                        parent_tag(tag)
                    }
                };
                match e.for_tag(key) {
                    Some(p) => p.clone(),
                    None => e.for_tag("DEFAULT").cloned().flatten(),
                }
            }
        };
        // No reading, or a proper noun in capitals without stress: spell it.
        if ps
            .as_ref()
            .is_none_or(|p| is_proper && !p.contains(PRIMARY))
        {
            return self.spell(&word);
        }
        ps.map(|p| stress::apply(&p, stress))
    }

    fn plural(stem: Option<String>) -> Reading {
        let stem = stem.filter(|s| !s.is_empty())?;
        let last = last_char(&stem)?;
        Some(if "ptkfθ".contains(last) {
            format!("{stem}s")
        } else if "szʃʒʧʤ".contains(last) {
            format!("{stem}ᵻz")
        } else {
            format!("{stem}z")
        })
    }

    fn stem_s(
        &self,
        word: &str,
        tag: Option<&str>,
        stress: Option<f64>,
        ctx: Option<&Context>,
    ) -> Reading {
        let n = char_len(word);
        if n < 3 || !word.ends_with('s') {
            return None;
        }
        let stem = if !word.ends_with("ss") && self.is_known(drop_last_chars(word, 1)) {
            drop_last_chars(word, 1).to_string()
        } else if (word.ends_with("'s")
            || (n > 4 && word.ends_with("es") && !word.ends_with("ies")))
            && self.is_known(drop_last_chars(word, 2))
        {
            drop_last_chars(word, 2).to_string()
        } else if n > 4
            && word.ends_with("ies")
            && self.is_known(&format!("{}y", drop_last_chars(word, 3)))
        {
            format!("{}y", drop_last_chars(word, 3))
        } else {
            return None;
        };
        Self::plural(self.lookup(&stem, tag, stress, ctx))
    }

    fn past(stem: Option<String>) -> Reading {
        let stem = stem.filter(|s| !s.is_empty())?;
        let chars: Vec<char> = stem.chars().collect();
        let last = chars[chars.len() - 1];
        Some(if "pkfθʃsʧ".contains(last) {
            format!("{stem}t")
        } else if last == 'd' {
            format!("{stem}ᵻd")
        } else if last != 't' {
            format!("{stem}d")
        } else if chars.len() < 2 {
            format!("{stem}ɪd")
        } else if flaps_t(chars[chars.len() - 2]) {
            format!("{}ɾᵻd", drop_last_chars(&stem, 1))
        } else {
            format!("{stem}ᵻd")
        })
    }

    fn stem_ed(
        &self,
        word: &str,
        tag: Option<&str>,
        stress: Option<f64>,
        ctx: Option<&Context>,
    ) -> Reading {
        let n = char_len(word);
        if n < 4 || !word.ends_with('d') {
            return None;
        }
        let stem = if !word.ends_with("dd") && self.is_known(drop_last_chars(word, 1)) {
            drop_last_chars(word, 1)
        } else if n > 4
            && word.ends_with("ed")
            && !word.ends_with("eed")
            && self.is_known(drop_last_chars(word, 2))
        {
            drop_last_chars(word, 2)
        } else {
            return None;
        };
        Self::past(self.lookup(stem, tag, stress, ctx))
    }

    fn progressive(stem: Option<String>) -> Reading {
        let stem = stem.filter(|s| !s.is_empty())?;
        let chars: Vec<char> = stem.chars().collect();
        let n = chars.len();
        Some(if n > 1 && chars[n - 1] == 't' && flaps_t(chars[n - 2]) {
            format!("{}ɾɪŋ", drop_last_chars(&stem, 1))
        } else {
            format!("{stem}ɪŋ")
        })
    }

    /// "running", "stopping", "packing": a doubled consonant (or "ck")
    /// before -ing, whose stem drops one letter.
    fn doubled_before_ing(word: &str) -> bool {
        let chars: Vec<char> = word.chars().collect();
        let n = chars.len();
        word.ends_with("cking")
            || (n >= 5 && chars[n - 4] == chars[n - 5] && "bcdgklmnprstvxz".contains(chars[n - 4]))
    }

    fn stem_ing(
        &self,
        word: &str,
        tag: Option<&str>,
        stress: Option<f64>,
        ctx: Option<&Context>,
    ) -> Reading {
        let n = char_len(word);
        if n < 5 || !word.ends_with("ing") {
            return None;
        }
        let base = drop_last_chars(word, 3);
        let stem = if n > 5 && self.is_known(base) {
            base.to_string()
        } else if self.is_known(&format!("{base}e")) {
            format!("{base}e")
        } else if n > 5 && Self::doubled_before_ing(word) && self.is_known(drop_last_chars(word, 4))
        {
            drop_last_chars(word, 4).to_string()
        } else {
            return None;
        };
        Self::progressive(self.lookup(&stem, tag, stress, ctx))
    }

    fn word(&self, word: &str, tag: &str, stress: Option<f64>, ctx: &Context) -> Reading {
        if let Some(ps) = self.special_case(word, tag, stress, ctx) {
            return Some(ps);
        }
        let tag_opt = Some(tag);
        let wl = lower(word);
        let mut word = word.to_string();
        let rest = skip_chars(&word, 1);
        // A capitalised or all-caps word the dictionaries only know in lower
        // case reads as the lower-case word.
        if char_len(&word) > 1
            && is_alpha(&word.replace('\'', ""))
            && word != wl
            && (tag != "NNP" || char_len(&word) > 7)
            && !self.gold.contains(&word)
            && !self.silver.contains(&word)
            && (word == upper(&word) || rest == lower(rest))
            && (self.gold.contains(&wl)
                || self.silver.contains(&wl)
                || self.stem_s(&wl, tag_opt, stress, Some(ctx)).is_some()
                || self.stem_ed(&wl, tag_opt, stress, Some(ctx)).is_some()
                || self.stem_ing(&wl, tag_opt, stress, Some(ctx)).is_some())
        {
            word = wl;
        }
        if self.is_known(&word) {
            return self.lookup(&word, tag_opt, stress, Some(ctx));
        }
        if word.ends_with("s'") {
            let possessive = format!("{}'s", drop_last_chars(&word, 2));
            if self.is_known(&possessive) {
                return self.lookup(&possessive, tag_opt, stress, Some(ctx));
            }
        }
        if word.ends_with('\'') && self.is_known(drop_last_chars(&word, 1)) {
            return self.lookup(drop_last_chars(&word, 1), tag_opt, stress, Some(ctx));
        }
        if let Some(ps) = self.stem_s(&word, tag_opt, stress, Some(ctx)) {
            return Some(ps);
        }
        if let Some(ps) = self.stem_ed(&word, tag_opt, stress, Some(ctx)) {
            return Some(ps);
        }
        self.stem_ing(&word, tag_opt, Some(stress.unwrap_or(0.5)), Some(ctx))
    }

    fn is_currency_amount(word: &str) -> bool {
        match word.split_once('.') {
            None => true,
            Some((_, cents)) => !cents.contains('.') && char_len(cents) < 3,
        }
    }

    /// Number words through the dictionary: each word of `words` looked up.
    fn read_number_words(&self, words: &str, out: &mut Vec<String>) {
        let splitter = regex_split_non_letters(words);
        for w in splitter {
            if w != "and" {
                let stress = if w == "point" { Some(-2.0) } else { None };
                out.push(self.lookup(&w, None, stress, None).unwrap_or_default());
            }
        }
    }

    fn read_cardinal(&self, digits: &str, out: &mut Vec<String>) {
        let n: i128 = digits.parse().unwrap_or(0);
        self.read_number_words(&numbers::cardinal(n), out);
    }

    pub fn number(&self, word: &str, currency: Option<&str>, is_head: bool) -> Reading {
        let suffix_start = word
            .char_indices()
            .rev()
            .take_while(|&(_, c)| c.is_ascii_lowercase() || c == '\'')
            .last()
            .map(|(i, _)| i);
        let (mut word, suffix) = match suffix_start {
            Some(i) => (&word[..i], Some(&word[i..])),
            None => (word, None),
        };
        let mut out: Vec<String> = Vec::new();
        // Past the decillions there are no scale words (upstream raises):
        // read the digits one by one.
        if word.chars().filter(char::is_ascii_digit).count() > MAX_NAMED_DIGITS {
            for d in word.chars().filter(char::is_ascii_digit) {
                self.read_cardinal(&d.to_string(), &mut out);
            }
            return Some(out.join(" "));
        }
        if let Some(rest) = word.strip_prefix('-') {
            out.push(self.lookup("minus", None, None, None).unwrap_or_default());
            word = rest;
        }
        let is_ordinal = suffix.is_some_and(|s| ORDINAL_SUFFIXES.contains(&s));
        let known_currency = currency.and_then(currency_units);
        if is_digit(word) && is_ordinal {
            self.read_number_words(&numbers::ordinal(word.parse().unwrap_or(0)), &mut out);
        } else if out.is_empty()
            && char_len(word) == 4
            && known_currency.is_none()
            && is_digit(word)
        {
            self.read_number_words(&numbers::year(word.parse().unwrap_or(0)), &mut out);
        } else if !is_head && !word.contains('.') {
            let num = word.replace(',', "");
            let digits: Vec<char> = num.chars().collect();
            if digits.first() == Some(&'0') || digits.len() > 3 {
                for d in &digits {
                    self.read_cardinal(&d.to_string(), &mut out);
                }
            } else if digits.len() == 3 && !num.ends_with("00") {
                self.read_cardinal(&digits[0].to_string(), &mut out);
                if digits[1] == '0' {
                    out.push(self.lookup("O", None, Some(-2.0), None).unwrap_or_default());
                    self.read_cardinal(&digits[2].to_string(), &mut out);
                } else {
                    self.read_cardinal(&num[1..], &mut out);
                }
            } else {
                self.read_cardinal(&num, &mut out);
            }
        } else if word.matches('.').count() > 1 || !is_head {
            for part in word.replace(',', "").split('.') {
                let Some(first) = part.chars().next() else {
                    continue;
                };
                if first == '0' || (char_len(part) != 2 && part.chars().skip(1).any(|c| c != '0')) {
                    for d in part.chars() {
                        self.read_cardinal(&d.to_string(), &mut out);
                    }
                } else {
                    self.read_cardinal(part, &mut out);
                }
            }
        } else if let Some((unit, subunit)) =
            known_currency.filter(|_| Self::is_currency_amount(word))
        {
            let plain = word.replace(',', "");
            let mut pairs: Vec<(i128, &str)> = plain
                .split('.')
                .zip([unit, subunit])
                .map(|(n, u)| (n.parse().unwrap_or(0), u))
                .collect();
            if pairs.len() > 1 {
                if pairs[1].0 == 0 {
                    pairs.truncate(1);
                } else if pairs[0].0 == 0 {
                    pairs.remove(0);
                }
            }
            for (i, (n, unit)) in pairs.into_iter().enumerate() {
                if i > 0 {
                    out.push(self.lookup("and", None, None, None).unwrap_or_default());
                }
                self.read_number_words(&numbers::cardinal(n), &mut out);
                let unit_ps = if n.abs() != 1 && unit != "pence" {
                    self.stem_s(&format!("{unit}s"), None, None, None)
                } else {
                    self.lookup(unit, None, None, None)
                };
                out.push(unit_ps.unwrap_or_default());
            }
        } else {
            let words = if is_digit(word) {
                numbers::cardinal(word.parse().unwrap_or(0))
            } else if !word.contains('.') {
                let n: i128 = word.replace(',', "").parse().unwrap_or(0);
                if is_ordinal {
                    numbers::ordinal(n)
                } else {
                    numbers::cardinal(n)
                }
            } else {
                let plain = word.replace(',', "");
                if let Some(frac) = plain.strip_prefix('.') {
                    let digits: Vec<String> = frac
                        .chars()
                        .map(|c| numbers::cardinal(c.to_digit(10).unwrap_or(0) as i128))
                        .collect();
                    format!("point {}", digits.join(" "))
                } else {
                    numbers::decimal(&plain)
                }
            };
            self.read_number_words(&words, &mut out);
        }
        if out.is_empty() {
            return None;
        }
        let ps = out.join(" ");
        match suffix {
            Some("s") | Some("'s") => Self::plural(Some(ps)),
            Some("ed") | Some("'d") => Self::past(Some(ps)),
            Some("ing") => Self::progressive(Some(ps)),
            _ => Some(ps),
        }
    }

    fn with_currency(&self, ps: String, currency: Option<&str>) -> String {
        match currency.and_then(currency_units) {
            Some((unit, _)) => match self.stem_s(&format!("{unit}s"), None, None, None) {
                Some(units) => format!("{ps} {units}"),
                None => ps,
            },
            None => ps,
        }
    }

    /// Whether a word is a number, possibly with a suffix ("3rd", "1990s").
    fn is_number(word: &str, is_head: bool) -> bool {
        if !word.chars().any(|c| c.is_ascii_digit()) {
            return false;
        }
        let mut word = word;
        for s in ["ing", "'d", "ed", "'s", "st", "nd", "rd", "th", "s"] {
            if let Some(stem) = word.strip_suffix(s) {
                word = stem;
                break;
            }
        }
        word.chars().enumerate().all(|(i, c)| {
            c.is_ascii_digit() || c == ',' || c == '.' || (is_head && i == 0 && c == '-')
        })
    }

    /// Reads one token in context; `None` when the lexicon does not know it.
    pub fn read(&self, tk: &Token, ctx: &Context) -> Reading {
        let word = tk
            .alias
            .as_deref()
            .unwrap_or(&tk.text)
            .replace(['‘', '’'], "'");
        // Compatibility forms (ligatures, full-width letters, superscript
        // digits) read as their plain letters and digits, as upstream.
        let word: String = word.nfkc().collect();
        let stress = if word == lower(&word) {
            None
        } else if word == upper(&word) {
            Some(2.0)
        } else {
            Some(0.5)
        };
        if let Some(ps) = self.word(&word, &tk.tag, stress, ctx) {
            return Some(self.with_currency(ps, tk.currency.as_deref()));
        }
        if Self::is_number(&word, tk.is_head) {
            return self.number(&word, tk.currency.as_deref(), tk.is_head);
        }
        None
    }
}

/// `re.split(r"[^a-z]+", s)`: pieces between runs of non-letters, with the
/// empty pieces at either end that Python keeps.
fn regex_split_non_letters(s: &str) -> Vec<String> {
    let mut out = vec![String::new()];
    let mut in_gap = false;
    for c in s.chars() {
        if c.is_ascii_lowercase() {
            if in_gap {
                out.push(String::new());
                in_gap = false;
            }
            out.last_mut().expect("never empty").push(c);
        } else {
            in_gap = true;
        }
    }
    if in_gap {
        out.push(String::new());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_keeps_python_edges() {
        assert_eq!(
            regex_split_non_letters("twenty-one, two"),
            ["twenty", "one", "two"]
        );
        assert_eq!(regex_split_non_letters("-a"), ["", "a"]);
    }

    #[test]
    fn numbers_too_long_to_name_read_as_digits() {
        let lexicon = Lexicon::new(
            Dictionary::from_json(&super::super::data::lexicon_gold()),
            Dictionary::from_json(&super::super::data::lexicon_silver()),
        );
        let long = "9".repeat(40);
        let ps = lexicon.number(&long, None, true).expect("a reading");
        assert_eq!(ps.split(' ').count(), 40);
        assert!(ps.starts_with("nˈIn"));
    }
}

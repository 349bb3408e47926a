//! The whole front end: text -> misaki phoneme string for the Kokoro symbol
//! set. Normalise, tokenise, tag, then read words right to left (a word's
//! reading can depend on the next one: "the" before a vowel, "to", "used
//! to"). A token the tokenizer left glued ("3rd", "McAllister",
//! "peer2peer") is split into subtokens and read as the longest known runs.
//! Words no rule or dictionary knows go to an out-of-vocabulary reader; the
//! default reader reports them instead of guessing.

use std::sync::OnceLock;

use fancy_regex::Regex;

use super::data;
use super::lexicon::{Context, Dictionary, Lexicon, currency_units};
use super::normalize::Normalizer;
use super::stress::{self, PRIMARY, is_consonant, is_vowel};
use super::tagger::Tagger;
use super::token::{Token, merge};
use super::tokenize::Tokenizer;

/// A text's phonemes and the words that were left unread.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Phonemes {
    pub text: String,
    /// Letter runs the lexicon could not read, in the order met (right to
    /// left through the text), for an out-of-vocabulary reader to fill in.
    pub oov: Vec<String>,
}

/// Pieces of a glued token: leading apostrophes, an initial in "McX",
/// numbers, dash runs, letters, single symbols.
const SUBTOKEN: &str = concat!(
    r"^['‘’]+|[A-ZÀ-ÖØ-Þ](?=[A-ZÀ-ÖØ-Þ][a-zß-öø-ÿ])|(?:^-)?(?:\d?[,.]?\d)+|[-_]+|['‘’]{2,}",
    r"|[^\W\d_]*?(?:['‘’][^\W\d_])*?[a-zß-öø-ÿ](?=[A-ZÀ-ÖØ-Þ])|[^\W\d_]+(?:['‘’][^\W\d_])*",
    r"|[^\w\-'‘’]|['‘’]+$"
);
/// `[text](/phonemes/)`: a pronunciation given inline.
const LINK: &str = r"\[([^\]]+)\]\(([^\)]*)\)";
/// Pieces of an unknown word: letters, numbers, symbols.
const FALLBACK_PIECE: &str = r"[^\W\d_]+(?:['’][^\W\d_]+)*|\d+(?:[,.]\d+)*|[^\w\s]+";

const PUNCTS: &str = ";:,.!?—…\"“”";
const NON_QUOTE_PUNCTS: &str = ";:,.!?—…";
const SUBTOKEN_JUNK: &str = "',-._‘’/";
const PUNCT_TAGS: [&str; 11] = [
    ".", ",", "-LRB-", "-RRB-", "``", "\"\"", "''", ":", "$", "#", "NFP",
];

fn is_punct_tag(tag: &str) -> bool {
    PUNCT_TAGS.contains(&tag)
}

fn punct_tag_phonemes(tag: &str) -> Option<&'static str> {
    match tag {
        "-LRB-" => Some("("),
        "-RRB-" => Some(")"),
        "``" => Some("“"),
        "\"\"" | "''" => Some("”"),
        _ => None,
    }
}

/// What espeak-ng said for lone symbols in the reference pipeline.
fn symbol_phonemes(c: char) -> &'static str {
    match c {
        '/' => "slˈæʃ",
        '=' => "ˈikwᵊlz",
        '+' => "plˈʌs",
        '&' => "ænd",
        '@' => "æt",
        '%' => "pəɹsˈɛnt",
        '#' => "hˈæʃ",
        '*' => "ˈæstəɹˌɪsk",
        '~' => "tˈɪldə",
        '^' => "kˈɛɹət",
        '<' => "lˈɛs ðən",
        '>' => "ɡɹˈATəɹ ðən",
        '—' => "—",
        _ => "",
    }
}

fn all_junk(text: &str) -> bool {
    text.chars().all(|c| SUBTOKEN_JUNK.contains(c))
}

enum Word {
    One(Token),
    Many(Vec<Token>),
}

pub struct FrontEnd {
    normalizer: Normalizer,
    tokenizer: Tokenizer,
    tagger: Tagger,
    lexicon: Lexicon,
    subtoken: Regex,
    link: Regex,
    fallback_piece: Regex,
}

/// The shared front end, built on first use (about a second: the lexicons
/// and tagger weights are parsed from the embedded JSON).
pub fn front_end() -> &'static FrontEnd {
    static FRONT_END: OnceLock<FrontEnd> = OnceLock::new();
    FRONT_END.get_or_init(FrontEnd::new)
}

/// Phonemes for one line of text; unknown words are reported in `oov` and
/// left silent.
pub fn phonemize(text: &str) -> Phonemes {
    let mut oov = Vec::new();
    let text = front_end().phonemize_with(text, true, &mut |word: &str| {
        oov.push(word.to_string());
        None
    });
    Phonemes { text, oov }
}

use super::pyregex::compile as regex;

impl FrontEnd {
    pub fn new() -> FrontEnd {
        FrontEnd {
            normalizer: Normalizer::new(),
            tokenizer: Tokenizer::new(),
            tagger: Tagger::new(),
            lexicon: Lexicon::new(
                Dictionary::from_json(&data::lexicon_gold()),
                Dictionary::from_json(&data::lexicon_silver()),
            ),
            subtoken: regex(SUBTOKEN),
            link: regex(LINK),
            fallback_piece: regex(FALLBACK_PIECE),
        }
    }

    /// Phonemes for one line of text. `oov` reads a letter run no rule knows
    /// (`None` leaves it silent). Words are separated by one space where the
    /// text had whitespace.
    pub fn phonemize_with(
        &self,
        text: &str,
        normalize: bool,
        oov: &mut dyn FnMut(&str) -> Option<String>,
    ) -> String {
        let text = if normalize {
            self.normalizer.normalize(text)
        } else {
            text.to_string()
        };
        let tokens = self.phonemize_tokens(self.tokens_with_links(&text), oov);
        let mut out = String::new();
        for tk in tokens {
            out.push_str(tk.phonemes.as_deref().unwrap_or(""));
            if tk.whitespace {
                out.push(' ');
            }
        }
        out.trim().to_string()
    }

    fn tokens_with_links(&self, text: &str) -> Vec<Token> {
        let mut toks = Vec::new();
        let mut pos = 0;
        for caps in self.link.captures_iter(text).flatten() {
            let whole = caps.get(0).expect("a match");
            toks.extend(self.tagged_tokens(&text[pos..whole.start()]));
            let target = caps.get(2).map_or("", |m| m.as_str());
            let phonemes =
                (target.chars().count() > 1 && target.starts_with('/') && target.ends_with('/'))
                    .then(|| target[1..].trim_end_matches('/').to_string());
            let followed = text[whole.end()..].starts_with(char::is_whitespace);
            let mut tk = Token::new(caps.get(1).map_or("", |m| m.as_str()), "NN", followed);
            tk.phonemes = phonemes;
            toks.push(tk);
            pos = whole.end();
        }
        toks.extend(self.tagged_tokens(&text[pos..]));
        toks
    }

    fn tagged_tokens(&self, text: &str) -> Vec<Token> {
        let pieces = self.tokenizer.tokenize(text);
        if pieces.is_empty() {
            return Vec::new();
        }
        let words: Vec<String> = pieces.iter().map(|(w, _)| w.clone()).collect();
        let tags = self.tagger.tag(&words);
        pieces
            .into_iter()
            .zip(tags)
            .map(|((w, ws), tag)| Token::new(&w, &tag, ws))
            .collect()
    }

    /// Splits glued tokens into subtokens, reads punctuation and currency
    /// symbols, and groups subtokens of one word together.
    fn retokenize(&self, tokens: Vec<Token>) -> Vec<Word> {
        let mut words: Vec<Word> = Vec::new();
        let mut currency: Option<String> = None;
        let tags: Vec<String> = tokens.iter().map(|t| t.tag.clone()).collect();
        for (i, token) in tokens.into_iter().enumerate() {
            let mut tks: Vec<Token> = if token.alias.is_none() && token.phonemes.is_none() {
                self.subtoken
                    .find_iter(&token.text)
                    .flatten()
                    .map(|m| Token {
                        text: m.as_str().to_string(),
                        whitespace: false,
                        prespace: false,
                        ..token.clone()
                    })
                    .collect()
            } else {
                vec![token.clone()]
            };
            let Some(last) = tks.last_mut() else { continue };
            last.whitespace = token.whitespace;
            let n = tks.len();
            for j in 0..n {
                let neighbours = (j > 0 && j + 1 < n).then(|| {
                    (
                        tks[j - 1].text.chars().last(),
                        tks[j + 1].text.chars().next(),
                    )
                });
                let tk = &mut tks[j];
                if tk.alias.is_some() || tk.phonemes.is_some() {
                    // Given inline ([word](/phonemes/)): nothing to decide.
                } else if tk.tag == "$" && currency_units(&tk.text).is_some() {
                    currency = Some(tk.text.clone());
                    tk.phonemes = Some(String::new());
                } else if tk.tag == ":" && (tk.text == "-" || tk.text == "–") {
                    tk.phonemes = Some("—".to_string());
                } else if is_punct_tag(&tk.tag)
                    && !tk
                        .text
                        .to_lowercase()
                        .chars()
                        .all(|c| c.is_ascii_lowercase())
                {
                    tk.phonemes = Some(match punct_tag_phonemes(&tk.tag) {
                        Some(p) => p.to_string(),
                        None => tk.text.chars().filter(|&c| PUNCTS.contains(c)).collect(),
                    });
                } else if currency.is_some() {
                    if tk.tag != "CD" {
                        currency = None;
                    } else if j + 1 == n && tags.get(i + 1).is_none_or(|t| t != "CD") {
                        tk.currency = currency.clone();
                    }
                } else if tk.text == "2"
                    && let Some((Some(a), Some(b))) = neighbours
                    && a.is_alphabetic()
                    && b.is_alphabetic()
                {
                    tk.alias = Some("to".to_string());
                }
            }
            for mut tk in tks {
                if tk.alias.is_some() || tk.phonemes.is_some() {
                    words.push(Word::One(tk));
                } else if let Some(Word::Many(group)) = words.last_mut()
                    && group.last().is_some_and(|t| !t.whitespace)
                {
                    tk.is_head = false;
                    group.push(tk);
                } else if tk.whitespace {
                    words.push(Word::One(tk));
                } else {
                    words.push(Word::Many(vec![tk]));
                }
            }
        }
        words
            .into_iter()
            .map(|w| match w {
                Word::Many(mut g) if g.len() == 1 => Word::One(g.pop().expect("one token")),
                other => other,
            })
            .collect()
    }

    fn context_after(ctx: Context, phonemes: Option<&str>, token: &Token) -> Context {
        let mut vowel = ctx.future_vowel;
        if let Some(ps) = phonemes.filter(|p| !p.is_empty()) {
            let first = ps
                .chars()
                .find(|&c| is_vowel(c) || is_consonant(c) || NON_QUOTE_PUNCTS.contains(c));
            if let Some(c) = first {
                vowel = if NON_QUOTE_PUNCTS.contains(c) {
                    None
                } else {
                    Some(is_vowel(c))
                };
            }
        }
        let t = token.text.as_str();
        Context {
            future_vowel: vowel,
            future_to: t == "to"
                || t == "To"
                || (t == "TO" && (token.tag == "TO" || token.tag == "IN")),
        }
    }

    /// Spacing and stress across the pieces of one word read piecewise.
    fn resolve_group(tokens: &mut [Token]) {
        let mut text = String::new();
        for (i, tk) in tokens.iter().enumerate() {
            text.push_str(&tk.text);
            if tk.whitespace && i + 1 < tokens.len() {
                text.push(' ');
            }
        }
        let classes: std::collections::HashSet<u8> = text
            .chars()
            .filter(|&c| !SUBTOKEN_JUNK.contains(c))
            .map(|c| {
                if c.is_alphabetic() {
                    0
                } else if c.is_ascii_digit() {
                    1
                } else {
                    2
                }
            })
            .collect();
        // Mixed letters and digits ("COVID19") read as separate words.
        let prespace = text.contains(' ') || text.contains('/') || classes.len() > 1;
        let n = tokens.len();
        for (i, tk) in tokens.iter_mut().enumerate() {
            if tk.phonemes.is_none() {
                if i + 1 == n
                    && tk.text.chars().count() == 1
                    && NON_QUOTE_PUNCTS.contains(tk.text.as_str())
                {
                    tk.phonemes = Some(tk.text.clone());
                } else if all_junk(&tk.text) {
                    tk.phonemes = Some(String::new());
                }
            } else if i > 0 {
                tk.prespace = prespace;
            }
        }
        if prespace {
            return;
        }
        let mut indices: Vec<(bool, usize, usize)> = tokens
            .iter()
            .enumerate()
            .filter_map(|(i, tk)| {
                let ps = tk.phonemes.as_deref().filter(|p| !p.is_empty())?;
                Some((ps.contains(PRIMARY), stress::weight(ps), i))
            })
            .collect();
        if indices.len() == 2 && tokens[indices[0].2].text.chars().count() == 1 {
            let i = indices[1].2;
            tokens[i].phonemes = tokens[i]
                .phonemes
                .as_deref()
                .map(|p| stress::apply(p, Some(-0.5)));
            return;
        }
        let stressed = indices.iter().filter(|x| x.0).count();
        if indices.len() < 2 || stressed <= indices.len().div_ceil(2) {
            return;
        }
        indices.sort();
        for &(_, _, i) in &indices[..indices.len() / 2] {
            tokens[i].phonemes = tokens[i]
                .phonemes
                .as_deref()
                .map(|p| stress::apply(p, Some(-0.5)));
        }
    }

    /// An unknown word: letter runs go to `oov`, numbers to the number
    /// reader, symbols to a small table.
    fn fallback(&self, tk: &Token, oov: &mut dyn FnMut(&str) -> Option<String>) -> String {
        let mut out = Vec::new();
        for m in self.fallback_piece.find_iter(&tk.text).flatten() {
            let piece = m.as_str();
            let first = piece.chars().next().expect("pieces are not empty");
            let ps = if first.is_ascii_digit() {
                self.lexicon.number(piece, None, false)
            } else if first.is_alphabetic() {
                oov(piece)
            } else {
                Some(piece.chars().map(symbol_phonemes).collect())
            };
            if let Some(ps) = ps.filter(|p| !p.is_empty()) {
                out.push(ps);
            }
        }
        out.join(" ")
    }

    fn phonemize_tokens(
        &self,
        tokens: Vec<Token>,
        oov: &mut dyn FnMut(&str) -> Option<String>,
    ) -> Vec<Token> {
        let mut words = self.retokenize(tokens);
        let mut ctx = Context::default();
        for word in words.iter_mut().rev() {
            match word {
                Word::One(w) => {
                    if w.phonemes.is_none() {
                        w.phonemes = self.lexicon.read(w, &ctx);
                    }
                    if w.phonemes.is_none() {
                        w.phonemes = Some(self.fallback(w, oov));
                    }
                    ctx = Self::context_after(ctx, w.phonemes.as_deref(), w);
                }
                Word::Many(w) => {
                    let (mut left, mut right) = (0, w.len());
                    let mut should_fallback = false;
                    while left < right {
                        let span = &w[left..right];
                        let merged = (!span
                            .iter()
                            .any(|t| t.alias.is_some() || t.phonemes.is_some()))
                        .then(|| merge(span, None));
                        let ps = merged.as_ref().and_then(|tk| self.lexicon.read(tk, &ctx));
                        if let (Some(ps), Some(tk)) = (ps, merged.as_ref()) {
                            ctx = Self::context_after(ctx, Some(&ps), tk);
                            w[left].phonemes = Some(ps);
                            for x in &mut w[left + 1..right] {
                                x.phonemes = Some(String::new());
                            }
                            right = left;
                            left = 0;
                        } else if left + 1 < right {
                            left += 1;
                        } else {
                            right -= 1;
                            let tk = &mut w[right];
                            if tk.phonemes.is_none() {
                                if all_junk(&tk.text) {
                                    tk.phonemes = Some(String::new());
                                } else {
                                    should_fallback = true;
                                    break;
                                }
                            }
                            left = 0;
                        }
                    }
                    if should_fallback {
                        let merged = merge(w, None);
                        w[0].phonemes = Some(self.fallback(&merged, oov));
                        for x in &mut w[1..] {
                            x.phonemes = Some(String::new());
                        }
                    } else {
                        Self::resolve_group(w);
                    }
                }
            }
        }
        words
            .into_iter()
            .map(|w| {
                let mut tk = match w {
                    Word::One(tk) => tk,
                    Word::Many(group) => merge(&group, Some("")),
                };
                // The model's symbol set writes the flap as T and the glottal stop as t.
                tk.phonemes = tk.phonemes.map(|p| p.replace('ɾ', "T").replace('ʔ', "t"));
                tk
            })
            .collect()
    }
}

impl Default for FrontEnd {
    fn default() -> Self {
        FrontEnd::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Readings checked against hibari-tts 0.2.1 (`G2P(oov=lambda w: None)`).
    fn reads(text: &str, expected: &str) {
        let ps = phonemize(text);
        assert_eq!(ps.text, expected, "reading of {text:?}");
        assert!(ps.oov.is_empty(), "{text:?} left {:?} unread", ps.oov);
    }

    #[test]
    fn years_read_in_pairs() {
        reads("1969", "nˌIntˈin sˈɪksti nˈIn");
        reads("2024", "twˈɛnti twˈɛnti fˈɔɹ");
        reads(
            "January 5th, 1987",
            "ʤˈænjəwˌɛɹi fˈɪfθ, nˌIntˈin ˈATi sˈɛvən",
        );
    }

    #[test]
    fn money_percent_ordinals_and_times() {
        reads("$4.75", "fˈɔɹ dˈɑləɹz ænd sˈɛvənti fˈIv sˈɛnts");
        reads("$3.2 billion", "θɹˈi pYnt tˈu bˈɪljən dˈɑləɹz");
        reads("12.5%", "twˈɛlv pYnt fˈIv pəɹsˈɛnt");
        reads("3rd", "θˈɜɹd");
        reads("7:30 p.m.", "sˈɛvən θˈɜɹTi pˌiˈɛm");
        reads("1,234", "wˈʌn θˈWzᵊnd tˈu hˈʌndɹəd θˈɜɹTi fˈɔɹ");
    }

    #[test]
    fn dates_units_and_numerals_are_normalised() {
        reads("10/12/2019", "ɑktˈObəɹ twˈɛlfθ, twˈɛnti nˌIntˈin");
        reads("5kg", "fˈIv kˈɪləɡɹˌæmz");
        reads("King Henry VIII", "kˈɪŋ hˈɛnɹi ði ˈAθ");
        reads("Call 555-1234", "kˈɔl fˈIv fˈIv fˈIv, wˈʌn tˈu θɹˈi fˈɔɹ");
    }

    #[test]
    fn homographs_follow_the_tagger() {
        reads("she read it yesterday", "ʃi ɹˈɛd ɪt jˈɛstəɹdˌA");
        reads("I will read it tomorrow", "ˌI wɪl ɹˈid ɪt təmˈɑɹO");
        reads("They live here.", "ðˌA lˈɪv hˈɪɹ.");
        reads("He lives there.", "hˌi lˈɪvz ðˈɛɹ.");
        // misaki's gold lexicon has one reading of "lead", the verb's.
        reads("Lead is heavy.", "lˈid ɪz hˈɛvi.");
        reads("I used to go.", "ˌI jˈust tə ɡˌO.");
    }

    #[test]
    fn abbreviations_and_context() {
        reads(
            "Dr. Smith lives on Elm St.",
            "dˈɑktəɹ smˈɪθ lˈɪvz ˌɔn ˈɛlm stɹˈit.",
        );
        reads("the apple", "ði ˈæpᵊl");
        reads("the pear", "ðə pˈɛɹ");
        reads("The FBI.", "ði ˌɛfbˌiˈI.");
        reads("peer2peer", "pˈɪɹtəpˈɪɹ");
        reads("COVID-19", "kˈOvˌɪd nˌIntˈin");
    }

    #[test]
    fn titles_questions_and_contractions() {
        reads(
            "Mr. and Mrs. Johnson arrived.",
            "mˈɪstəɹ ænd mˈɪsɪz ʤˈɑnsᵊn əɹˈIvd.",
        );
        reads("St. Louis is a city.", "sˈAnt lˈui ɪz ɐ sˈɪTi.");
        reads("Is this the way?", "ˌɪz ðɪs ðə wˈA?");
        reads("I'm sure you'll love it.", "ˌIm ʃˈʊɹ jul lˈʌv ɪt.");
        reads("Chapter IV begins.", "ʧˈæptəɹ fˈɔɹ bəɡˈɪnz.");
        reads("It weighs 5 lbs.", "ˌɪt wˈAz fˈIv pˈWndz.");
    }

    #[test]
    fn more_numbers() {
        reads("The 1990s were fun.", "ðə nˌIntˈin nˈIndiz wɜɹ fˈʌn.");
        reads("Only $0.99!", "ˈOnli nˈIndi nˈIn sˈɛnts!");
        reads("The book cost £20.", "ðə bˈʊk kˈɔst twˈɛnti pˈWndz.");
        reads("It was -5 outside.", "ˌɪt wʌz mˈInəs fˈIv ˌWtsˈId.");
        reads("She finished 21st.", "ʃˌi fˈɪnəʃt twˈɛnti fˈɜɹst.");
        // Upstream quirk kept: "am." becomes the token "A.M.", which takes
        // the sentence's full stop with it.
        reads("Half past 9:05 am.", "hˈæf pˈæst nˈIn ˈO fˈIv ˌAˈɛm");
    }

    /// Beyond upstream (which reads `2.3.1` as "two three one" and spells
    /// an address's pieces as unknown words).
    #[test]
    fn addresses_and_versions_as_said() {
        reads(
            "See https://example.com/docs.",
            "sˈi ɪɡzˈæmpəl dˈɑt kˈɑm slˈæʃ dˈɑks.",
        );
        reads(
            "Update to v2.3.1 today.",
            "ˈʌpdˌAt tə vˈɜɹʒən tˈu pˈYnt θɹˈi pˈYnt wˈʌn tədˈA.",
        );
    }

    #[test]
    fn noun_and_verb_readings_of_one_spelling() {
        reads("They record the record.", "ðˌA ɹəkˈɔɹd ðə ɹˈɛkəɹd.");
        reads("The wind was strong.", "ðə wˈɪnd wʌz stɹˈɔŋ.");
    }

    #[test]
    fn unknown_words_are_reported_not_guessed() {
        let ps = phonemize("McAllister signed it.");
        assert_eq!(ps.oov, ["McAllister"]);
        assert_eq!(ps.text, "sˈInd ɪt.");
    }

    #[test]
    fn an_out_of_vocabulary_reader_fills_the_gap() {
        let text = front_end().phonemize_with("McAllister signed it.", true, &mut |w: &str| {
            (w == "McAllister").then(|| "məkˈælɪstəɹ".to_string())
        });
        assert_eq!(text, "məkˈælɪstəɹ sˈInd ɪt.");
    }

    #[test]
    fn inline_pronunciations_win() {
        reads("Say [hibari](/hibˈɑɹi/) now.", "sˈA hibˈɑɹi nˈW.");
    }
}

//! The token record shared by the tokenizer, tagger, lexicon and pipeline.

/// One token: its text, part-of-speech tag, trailing whitespace and, once
/// read, its phonemes.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Token {
    pub text: String,
    pub tag: String,
    /// True when whitespace followed the token in the text.
    pub whitespace: bool,
    pub phonemes: Option<String>,
    /// False for the second and later pieces of a word split into subtokens
    /// ("3rd" -> "3", "rd"): numbers read differently inside a word.
    pub is_head: bool,
    /// A word to read instead of the text ("2" in "peer2peer" -> "to").
    pub alias: Option<String>,
    /// A currency symbol that precedes this number ("$" in "$4.75").
    pub currency: Option<String>,
    /// Whether a space goes before this piece's phonemes when a split word
    /// is put back together.
    pub prespace: bool,
}

impl Token {
    pub fn new(text: &str, tag: &str, whitespace: bool) -> Token {
        Token {
            text: text.to_string(),
            tag: tag.to_string(),
            whitespace,
            is_head: true,
            ..Token::default()
        }
    }
}

/// Counts upper-case characters double: the piece that decides a merged
/// word's tag is the one with the most (capital-weighted) letters.
fn tag_weight(text: &str) -> usize {
    text.chars()
        .map(|c| {
            if c.to_lowercase().eq(std::iter::once(c)) {
                1
            } else {
                2
            }
        })
        .sum()
}

/// Joins the pieces of a split word back into one token. With `unk` given,
/// the phonemes are joined too (pieces without phonemes read as `unk`).
pub fn merge(tokens: &[Token], unk: Option<&str>) -> Token {
    let last = tokens.last().expect("merge of no tokens");
    let mut text = String::new();
    for tk in &tokens[..tokens.len() - 1] {
        text.push_str(&tk.text);
        if tk.whitespace {
            text.push(' ');
        }
    }
    text.push_str(&last.text);
    let phonemes = unk.map(|unk| {
        let mut ps = String::new();
        for tk in tokens {
            let piece = tk.phonemes.as_deref();
            if tk.prespace
                && !ps.is_empty()
                && !ps.ends_with(char::is_whitespace)
                && piece.is_some_and(|p| !p.is_empty())
            {
                ps.push(' ');
            }
            ps.push_str(piece.unwrap_or(unk));
        }
        ps
    });
    // Python's max() keeps the first of equal maxima.
    let mut tag_source = &tokens[0];
    for tk in &tokens[1..] {
        if tag_weight(&tk.text) > tag_weight(&tag_source.text) {
            tag_source = tk;
        }
    }
    Token {
        text,
        tag: tag_source.tag.clone(),
        whitespace: last.whitespace,
        phonemes,
        is_head: tokens[0].is_head,
        alias: None,
        currency: tokens.iter().filter_map(|t| t.currency.clone()).max(),
        prespace: tokens[0].prespace,
    }
}

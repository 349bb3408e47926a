//! Sentence boundaries: `.`, `!` or `?` followed by white space or the end,
//! never inside a number (`3.5`) nor after a common abbreviation (`Dr.`).

use std::ops::Range;

/// Abbreviations that end in a period without ending the sentence.
const ABBREVIATIONS: &[&str] = &[
    "mr", "mrs", "ms", "dr", "prof", "sr", "jr", "st", "mt", "vs", "e.g", "i.e", "cf", "etc",
    "approx", "fig", "no", "vol", "inc", "ltd", "co", "jan", "feb", "mar", "apr", "jun", "jul",
    "aug", "sep", "sept", "oct", "nov", "dec", "u.s", "a.m", "p.m",
];

/// Characters that may close a sentence after its final mark: `."` or `?)`.
fn is_closer(c: char) -> bool {
    matches!(c, '"' | '\'' | ')' | ']' | '”' | '’' | '»')
}

/// Byte ranges of the sentences in `text`, trimmed, in order.
pub fn split(text: &str) -> Vec<Range<usize>> {
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let mut sentences = Vec::new();
    let mut start = 0;
    let mut i = 0;
    while i < chars.len() {
        let (_, c) = chars[i];
        if matches!(c, '.' | '!' | '?') {
            // Take the whole run of marks and closers: `?!`, `...`, `."`.
            let mut j = i + 1;
            while j < chars.len()
                && (matches!(chars[j].1, '.' | '!' | '?') || is_closer(chars[j].1))
            {
                j += 1;
            }
            let at_end = j == chars.len();
            let before_space = !at_end && chars[j].1.is_whitespace();
            if (at_end || before_space)
                && !(c == '.'
                    && j == i + 1
                    && is_abbreviation(text, chars[i].0, next_word(&chars, j)))
            {
                let end = if at_end { text.len() } else { chars[j].0 };
                push_trimmed(text, start..end, &mut sentences);
                start = end;
            }
            i = j;
        } else {
            i += 1;
        }
    }
    push_trimmed(text, start..text.len(), &mut sentences);
    sentences
}

fn next_word(chars: &[(usize, char)], from: usize) -> Option<char> {
    chars[from..]
        .iter()
        .map(|(_, c)| *c)
        .find(|c| !c.is_whitespace())
}

/// Whether the period at byte `dot` ends an abbreviation rather than a sentence.
fn is_abbreviation(text: &str, dot: usize, next: Option<char>) -> bool {
    let word_start = text[..dot]
        .rfind(|c: char| c.is_whitespace() || c == '(' || c == '"')
        .map_or(0, |i| {
            i + text[i..].chars().next().map_or(1, char::len_utf8)
        });
    let word = text[word_start..dot].to_lowercase();
    if word.is_empty() {
        return false;
    }
    // A single capital letter is an initial: "J. R. R. Tolkien".
    let mut letters = word.chars();
    if let (Some(first), None) = (letters.next(), letters.next())
        && first.is_alphabetic()
        && text[word_start..].starts_with(|c: char| c.is_uppercase())
    {
        return true;
    }
    if !ABBREVIATIONS.contains(&word.as_str()) {
        return false;
    }
    // "etc." and "no." often do end a sentence: trust a capital after them.
    if matches!(word.as_str(), "etc" | "no") {
        return !next.is_some_and(char::is_uppercase);
    }
    true
}

fn push_trimmed(text: &str, range: Range<usize>, out: &mut Vec<Range<usize>>) {
    let slice = &text[range.clone()];
    let lead = slice.len() - slice.trim_start().len();
    let trail = slice.len() - slice.trim_end().len();
    if lead + trail < slice.len() {
        out.push(range.start + lead..range.end - trail);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sentences(text: &str) -> Vec<&str> {
        split(text).into_iter().map(|r| &text[r]).collect()
    }

    #[test]
    fn splits_at_marks_followed_by_space() {
        assert_eq!(
            sentences("Hello there. How are you? Fine!"),
            vec!["Hello there.", "How are you?", "Fine!"]
        );
    }

    #[test]
    fn keeps_numbers_and_abbreviations_whole() {
        assert_eq!(
            sentences("Version 3.5 is out. Dr. Smith, e.g. the host, agrees."),
            vec!["Version 3.5 is out.", "Dr. Smith, e.g. the host, agrees."]
        );
    }

    #[test]
    fn closers_and_runs_stay_with_their_sentence() {
        assert_eq!(
            sentences("She said \"stop.\" Then?! Nothing... Really."),
            vec!["She said \"stop.\"", "Then?!", "Nothing...", "Really."]
        );
    }

    #[test]
    fn initials_and_trailing_text() {
        assert_eq!(
            sentences("J. R. R. Tolkien wrote it. No final mark"),
            vec!["J. R. R. Tolkien wrote it.", "No final mark"]
        );
    }

    #[test]
    fn etc_ends_a_sentence_before_a_capital() {
        assert_eq!(
            sentences("Apples, pears etc. are fruit. We like fruit etc. Next one."),
            vec![
                "Apples, pears etc. are fruit.",
                "We like fruit etc.",
                "Next one."
            ]
        );
    }
}

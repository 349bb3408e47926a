//! Regular expressions with Python's meaning of `\w`, `\W` and `\b`. The
//! upstream patterns are Python `re` patterns, whose word characters are the
//! letters and numbers (`str.isalnum`) and `_`; the regex crate's `\w` also
//! takes combining marks and leaves out numbers such as `²` and `½`, which
//! changes where words and word boundaries are on unusual text.

use fancy_regex::Regex;

const WORD: &str = r"\p{L}\p{N}_";

/// Rewrites the Python class escapes of `pattern` into explicit classes.
pub fn translate(pattern: &str) -> String {
    let mut out = String::with_capacity(pattern.len() * 2);
    let mut in_class = false;
    let mut chars = pattern.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                let Some(e) = chars.next() else {
                    out.push('\\');
                    break;
                };
                match (e, in_class) {
                    ('w', false) => out.push_str(&format!("[{WORD}]")),
                    ('w', true) => out.push_str(WORD),
                    ('W', _) => out.push_str(&format!("[^{WORD}]")),
                    ('b', false) => out.push_str(&format!(
                        "(?:(?<=[{WORD}])(?![{WORD}])|(?<![{WORD}])(?=[{WORD}]))"
                    )),
                    _ => {
                        out.push('\\');
                        out.push(e);
                    }
                }
            }
            '[' if !in_class => {
                in_class = true;
                out.push(c);
                // A `]` or `^]` right after the opening bracket is literal.
                if chars.peek() == Some(&'^') {
                    out.push(chars.next().expect("peeked"));
                }
                if chars.peek() == Some(&']') {
                    out.push_str(r"\]");
                    chars.next();
                }
            }
            ']' if in_class => {
                in_class = false;
                out.push(c);
            }
            _ => out.push(c),
        }
    }
    out
}

pub fn compile(pattern: &str) -> Regex {
    let translated = translate(pattern);
    Regex::new(&translated)
        .unwrap_or_else(|e| panic!("pattern {pattern:?} (as {translated:?}): {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn word_characters_are_python_s() {
        let word = compile(r"^\w+$");
        assert!(word.is_match("x²½").unwrap());
        assert!(!word.is_match("e\u{301}").unwrap());
        let letters = compile(r"^[^\W\d_]+$");
        assert!(letters.is_match("café").unwrap());
        assert!(!letters.is_match("a1").unwrap());
        let boundary = compile(r"\b7");
        assert!(boundary.is_match("/\u{301}7").unwrap());
        assert!(!boundary.is_match("x7").unwrap());
        assert!(compile(r"(?<![\w.])5").is_match(" 5").unwrap());
        assert!(!compile(r"(?<![\w.])5").is_match("²5").unwrap());
    }
}

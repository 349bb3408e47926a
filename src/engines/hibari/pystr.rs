//! The handful of Python `str` predicates the upstream rules are written in
//! terms of, with Python's meaning (`"".isalpha()` is false, `"1".islower()`
//! is false because it has no cased character).

pub fn is_alpha(s: &str) -> bool {
    !s.is_empty() && s.chars().all(char::is_alphabetic)
}

/// Python's `str.isdigit` for the digits text actually contains.
pub fn is_digit_char(c: char) -> bool {
    c.is_ascii_digit() || matches!(c, '¹' | '²' | '³' | '⁰' | '⁴'..='⁹')
}

pub fn is_digit(s: &str) -> bool {
    !s.is_empty() && s.chars().all(is_digit_char)
}

pub fn is_lower(s: &str) -> bool {
    s.chars().any(char::is_lowercase) && !s.chars().any(char::is_uppercase)
}

pub fn is_upper(s: &str) -> bool {
    s.chars().any(char::is_uppercase) && !s.chars().any(char::is_lowercase)
}

pub fn lower(s: &str) -> String {
    s.to_lowercase()
}

pub fn upper(s: &str) -> String {
    s.to_uppercase()
}

/// `str.capitalize`: first character upper case, the rest lower case.
pub fn capitalize(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(first) => first
            .to_uppercase()
            .chain(chars.flat_map(char::to_lowercase))
            .collect(),
        None => String::new(),
    }
}

pub fn char_len(s: &str) -> usize {
    s.chars().count()
}

/// `s[n:]` by characters.
pub fn skip_chars(s: &str, n: usize) -> &str {
    match s.char_indices().nth(n) {
        Some((i, _)) => &s[i..],
        None => "",
    }
}

/// `s[:n]` by characters.
pub fn take_chars(s: &str, n: usize) -> &str {
    match s.char_indices().nth(n) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

/// `s[:-n]` by characters.
pub fn drop_last_chars(s: &str, n: usize) -> &str {
    let len = char_len(s);
    take_chars(s, len.saturating_sub(n))
}

pub fn last_char(s: &str) -> Option<char> {
    s.chars().next_back()
}

pub fn first_char(s: &str) -> Option<char> {
    s.chars().next()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn predicates_follow_python() {
        assert!(!is_alpha(""));
        assert!(is_alpha("café"));
        assert!(!is_lower("1"));
        assert!(is_upper("NASA'S"));
        assert!(!is_upper("NASA's"));
        assert_eq!(capitalize("mCALLISTER"), "Mcallister");
        assert_eq!(skip_chars("élan", 1), "lan");
        assert_eq!(drop_last_chars("runs", 1), "run");
    }
}

//! `<!-- ... -->` comments are not spoken. They are blanked out in place
//! (newlines kept) so every later position still points into the real file.

/// Blanks comments in `text`; `Err(offset)` of an unclosed `<!--`.
pub fn blank(text: &str) -> Result<String, usize> {
    let mut out = String::with_capacity(text.len());
    let mut rest = 0;
    while let Some(open) = text[rest..].find("<!--").map(|i| rest + i) {
        out.push_str(&text[rest..open]);
        let Some(close) = text[open + 4..].find("-->").map(|i| open + 4 + i + 3) else {
            return Err(open);
        };
        for c in text[open..close].chars() {
            match c {
                '\n' => out.push('\n'),
                // One space per byte keeps every later offset valid.
                _ => out.extend(std::iter::repeat_n(' ', c.len_utf8())),
            }
        }
        rest = close;
    }
    out.push_str(&text[rest..]);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blanks_comments_keeping_offsets() {
        let text = "a <!-- x\né --> b";
        let blanked = blank(text).unwrap();
        assert_eq!(blanked.len(), text.len());
        assert_eq!(
            blanked
                .trim_end_matches(' ')
                .split_whitespace()
                .collect::<Vec<_>>(),
            vec!["a", "b"]
        );
        assert_eq!(blanked.matches('\n').count(), 1);
    }

    #[test]
    fn unclosed_comment() {
        assert_eq!(blank("ok <!-- never"), Err(3));
    }
}

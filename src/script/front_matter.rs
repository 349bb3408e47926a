//! Splits `+++` front matter from the body of a script.

use std::ops::Range;

/// The byte range of the TOML between `+++` lines, and where the body starts.
pub struct Split {
    pub toml: Option<Range<usize>>,
    pub body_start: usize,
}

/// Front matter opened with `+++` and never closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unclosed;

pub fn split(text: &str) -> Result<Split, Unclosed> {
    let mut lines = line_ranges(text);
    let Some(first) = lines.next() else {
        return Ok(Split {
            toml: None,
            body_start: 0,
        });
    };
    if text[first.clone()].trim_end() != "+++" {
        return Ok(Split {
            toml: None,
            body_start: 0,
        });
    }
    for line in lines {
        if text[line.clone()].trim_end() == "+++" {
            let body_start = (line.end + 1).min(text.len());
            return Ok(Split {
                toml: Some(first.end + 1..line.start),
                body_start,
            });
        }
    }
    Err(Unclosed)
}

/// Byte ranges of each line, without the newline.
pub fn line_ranges(text: &str) -> impl Iterator<Item = Range<usize>> + '_ {
    let mut start = 0;
    std::iter::from_fn(move || {
        if start >= text.len() {
            return None;
        }
        let end = text[start..].find('\n').map_or(text.len(), |i| start + i);
        let range = start..end;
        start = end + 1;
        Some(range)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_front_matter_and_body() {
        let text = "+++\ntitle = \"x\"\n+++\nHello.\n";
        let s = split(text).unwrap();
        assert_eq!(&text[s.toml.unwrap()], "title = \"x\"\n");
        assert_eq!(&text[s.body_start..], "Hello.\n");
    }

    #[test]
    fn no_front_matter() {
        let s = split("Hello.\n").unwrap();
        assert!(s.toml.is_none());
        assert_eq!(s.body_start, 0);
    }

    #[test]
    fn unclosed_is_an_error() {
        assert!(split("+++\ntitle = 1\nHello.\n").is_err());
    }
}

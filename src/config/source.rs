//! Where a value came from: a file, its text, and the byte offset of the TOML
//! inside it (front matter sits a few lines into a script).

use std::ops::Range;
use std::path::PathBuf;
use std::sync::Arc;

use crate::diagnostic::{Diagnostic, Location};

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SourceText {
    pub file: PathBuf,
    pub text: Arc<str>,
    /// Byte offset of the parsed TOML within `text`.
    pub offset: usize,
}

impl SourceText {
    pub fn location(&self, span: Range<usize>) -> Location {
        Location::new(
            &self.file,
            &self.text,
            span.start + self.offset..span.end + self.offset,
        )
    }

    /// A value with the place it was written.
    pub fn sourced<T>(&self, spanned: toml::Spanned<T>) -> Sourced<T> {
        let location = self.location(spanned.span());
        Sourced {
            value: spanned.into_inner(),
            location: Some(location),
        }
    }

    /// Turns a TOML parse or schema error into a located diagnostic, with a
    /// did-you-mean hint for misspelt keys.
    pub fn toml_error(&self, error: &toml::de::Error) -> Diagnostic {
        let mut message = error.message().trim().to_string();
        let parsed = &self.text[self.offset..];
        if let Some(span) = error.span()
            && span.start <= parsed.len()
            && let Some(key) = super::expected::key_before(parsed, span.start)
            && let Some(rewritten) = super::expected::rewrite(&message, key)
        {
            message = rewritten;
        }
        let mut diag = Diagnostic::error(message.clone());
        if let Some(span) = error.span() {
            diag = diag.at(self.location(span));
        }
        if let Some(hint) = unknown_key_hint(&message) {
            diag = diag.with_help(hint);
        }
        diag
    }
}

/// serde says "unknown field `x`, expected one of `a`, `b`"; suggest the near miss.
fn unknown_key_hint(message: &str) -> Option<String> {
    let rest = message.strip_prefix("unknown field `")?;
    let (unknown, rest) = rest.split_once('`')?;
    let expected: Vec<&str> = rest.split('`').skip(1).step_by(2).collect();
    match crate::diagnostic::did_you_mean(unknown, expected.iter().copied()) {
        Some(best) => Some(format!("did you mean `{best}`?")),
        None if !expected.is_empty() => Some(format!(
            "the known keys here are {}",
            expected
                .iter()
                .map(|k| format!("`{k}`"))
                .collect::<Vec<_>>()
                .join(", ")
        )),
        None => None,
    }
}

/// A setting's value and where the user wrote it (none for built-in defaults).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Sourced<T> {
    pub value: T,
    pub location: Option<crate::diagnostic::Location>,
}

impl<T> Sourced<T> {
    pub fn default_value(value: T) -> Sourced<T> {
        Sourced {
            value,
            location: None,
        }
    }

    /// An error about this value, pointing at it when it was written down.
    pub fn error(&self, message: impl Into<String>) -> Diagnostic {
        let diag = Diagnostic::error(message);
        match &self.location {
            Some(location) => diag.at(location.clone()),
            None => diag,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hint_suggests_the_near_key() {
        let message =
            "unknown field `sentense_ms`, expected one of `preset`, `sentence_ms`, `comma_ms`";
        assert_eq!(
            unknown_key_hint(message).as_deref(),
            Some("did you mean `sentence_ms`?")
        );
    }
}

//! Errors and warnings about the user's files, pointing at `file:line:column`.

use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use codespan_reporting::diagnostic as cs;
use codespan_reporting::files::SimpleFile;
use codespan_reporting::term;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Severity {
    Error,
    Warning,
}

/// A place in a user's file. Keeps the file text so the diagnostic can be
/// rendered with a snippet long after the file was read.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Location {
    pub file: PathBuf,
    pub span: Range<usize>,
    pub line: usize,
    pub column: usize,
    pub source: Arc<str>,
}

impl Location {
    /// Locates byte `span` of `source` (clamped to the text).
    pub fn new(file: &Path, source: &Arc<str>, span: Range<usize>) -> Location {
        let start = span.start.min(source.len());
        let end = span.end.clamp(start, source.len());
        let (line, column) = line_column(source, start);
        Location {
            file: file.to_path_buf(),
            span: start..end,
            line,
            column,
            source: source.clone(),
        }
    }
}

/// 1-based line and column (in characters) of byte `offset`.
pub fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = text[line_start..offset].chars().count() + 1;
    (line, column)
}

/// Line and column of increasing offsets in one text, in time linear in the
/// text: a script's sentences are located in order, and rescanning from the
/// start for each would make planning quadratic.
pub struct LineCursor<'a> {
    text: &'a str,
    offset: usize,
    line: usize,
    column: usize,
}

impl<'a> LineCursor<'a> {
    pub fn new(text: &'a str) -> LineCursor<'a> {
        LineCursor {
            text,
            offset: 0,
            line: 1,
            column: 1,
        }
    }

    /// 1-based line and column (in characters) of byte `offset`; the same as
    /// `line_column`. Moving backwards rescans from the start.
    pub fn at(&mut self, offset: usize) -> (usize, usize) {
        let mut offset = offset.min(self.text.len());
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        if offset < self.offset {
            *self = LineCursor::new(self.text);
        }
        for c in self.text[self.offset..offset].chars() {
            if c == '\n' {
                self.line += 1;
                self.column = 1;
            } else {
                self.column += 1;
            }
        }
        self.offset = offset;
        (self.line, self.column)
    }
}

/// A leading UTF-8 byte-order mark, which some editors write and which is
/// not part of the text.
pub fn strip_bom(text: &str) -> &str {
    text.strip_prefix('\u{feff}').unwrap_or(text)
}

/// Why some work stopped. A failure is said once: where it happened when
/// that place can say it (`Reported`), or by whoever collects the failures
/// (`Unreported`), when several (episodes sharing a bad file) fail alike.
#[derive(Debug, Clone, PartialEq)]
pub enum Failure {
    /// Its diagnostic was already printed.
    Reported,
    Unreported(Diagnostic),
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Diagnostic {
    pub severity: Severity,
    pub message: String,
    pub location: Option<Box<Location>>,
    pub help: Option<String>,
}

impl Diagnostic {
    pub fn error(message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Error,
            message: message.into(),
            location: None,
            help: None,
        }
    }

    pub fn warning(message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(message)
        }
    }

    pub fn at(mut self, location: Location) -> Diagnostic {
        self.location = Some(Box::new(location));
        self
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Diagnostic {
        self.help = Some(help.into());
        self
    }

    /// Human rendering in rustc's style, with a snippet when the place is known.
    pub fn render(&self) -> String {
        let severity = match self.severity {
            Severity::Error => cs::Severity::Error,
            Severity::Warning => cs::Severity::Warning,
        };
        let mut diag = cs::Diagnostic::new(severity).with_message(&self.message);
        if let Some(help) = &self.help {
            diag = diag.with_notes(vec![format!("help: {help}")]);
        }
        match &self.location {
            Some(loc) => {
                let name = loc.file.display().to_string();
                let file = SimpleFile::new(name, loc.source.as_ref());
                diag = diag.with_labels(vec![cs::Label::primary((), loc.span.clone())]);
                term::emit_into_string(&render_config(), &file, &diag)
                    .unwrap_or_else(|_| self.to_string())
            }
            None => {
                let file = SimpleFile::new(String::new(), "");
                term::emit_into_string(&render_config(), &file, &diag)
                    .unwrap_or_else(|_| self.to_string())
            }
        }
    }
}

/// rustc's ASCII look: `--> file:line:column`.
fn render_config() -> term::Config {
    term::Config {
        chars: term::Chars::ascii(),
        ..term::Config::default()
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(loc) = &self.location {
            write!(f, "{}:{}:{}: ", loc.file.display(), loc.line, loc.column)?;
        }
        f.write_str(&self.message)
    }
}

/// The candidate closest to `word`, if it is close enough to be a likely typo.
pub fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let word_lower = word.to_lowercase();
    candidates
        .into_iter()
        .map(|c| {
            (
                strsim::damerau_levenshtein(&word_lower, &c.to_lowercase()),
                c,
            )
        })
        .filter(|(distance, c)| *distance > 0 && *distance <= (c.chars().count().max(3) / 3).max(1))
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_column_counts_characters() {
        let text = "ab\ncé d\n";
        assert_eq!(line_column(text, 0), (1, 1));
        assert_eq!(line_column(text, 3), (2, 1));
        assert_eq!(line_column(text, 7), (2, 4));
    }

    #[test]
    fn line_cursor_agrees_with_line_column() {
        let text = "ab\ncé d\n\nxyz";
        let mut cursor = LineCursor::new(text);
        for offset in (0..=text.len() + 2).chain([4, 0, 9]) {
            assert_eq!(cursor.at(offset), line_column(text, offset), "{offset}");
        }
    }

    #[test]
    fn did_you_mean_finds_near_misses_only() {
        let names = ["maria", "guest"];
        assert_eq!(did_you_mean("Mria", names), Some("maria"));
        assert_eq!(did_you_mean("gust", names), Some("guest"));
        assert_eq!(did_you_mean("Note", names), None);
        assert_eq!(did_you_mean("maria", names), None);
    }
}

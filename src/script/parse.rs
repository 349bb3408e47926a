//! Script text -> chapters, paragraphs, sentences and pauses.

use std::ops::Range;
use std::path::Path;
use std::sync::Arc;

use super::{Chapter, Item, Paragraph, Script, Sentence, comments, front_matter, pause, sentences};
use crate::config::{FrontMatter, SourceText};
use crate::diagnostic::{Diagnostic, LineCursor, Location, did_you_mean, strip_bom};

/// Parses one episode script. `voices` are the lower-cased `[voices]` names a
/// paragraph may start with (`Guest: ...`).
pub fn parse(file: &Path, bytes: &[u8], voices: &[String]) -> Result<Script, Diagnostic> {
    let text: Arc<str> = match std::str::from_utf8(bytes) {
        // Offsets and columns are those of the text an editor shows, without a BOM.
        Ok(text) => Arc::from(strip_bom(text)),
        Err(e) => return Err(not_utf8(file, bytes, e)),
    };
    let at = |span: Range<usize>| Location::new(file, &text, span);

    let split = front_matter::split(&text).map_err(|front_matter::Unclosed| {
        Diagnostic::error("front matter opened with `+++` is never closed")
            .at(at(0..3))
            .with_help("end the front matter with a line holding only `+++`")
    })?;
    let front = match split.toml {
        Some(range) => {
            // Parse just the TOML, with errors pointing into the script.
            let source = SourceText {
                file: file.to_path_buf(),
                text: Arc::from(&text[..range.end]),
                offset: range.start,
            };
            FrontMatter::parse(&source).map_err(|d| relocate(d, file, &text))?
        }
        None => FrontMatter::default(),
    };

    let body = comments::blank(&text[split.body_start..]).map_err(|offset| {
        let start = split.body_start + offset;
        Diagnostic::error("comment `<!--` is never closed").at(at(start..start + 4))
    })?;

    let mut parser = Parser {
        file,
        text: &text,
        body: &body,
        base: split.body_start,
        voices,
        cursor: LineCursor::new(&text),
        script: Script {
            front,
            chapters: vec![Chapter {
                title: None,
                paragraphs: Vec::new(),
            }],
            warnings: Vec::new(),
        },
    };
    let mut paragraph: Option<Range<usize>> = None;
    let lines: Vec<Range<usize>> = front_matter::line_ranges(&body).collect();
    for (index, line) in lines.iter().enumerate() {
        let content = body[line.clone()].trim();
        if let Some(title) = heading(content) {
            if let Some(range) = paragraph.take() {
                parser.paragraph(range)?;
            }
            parser.script.chapters.push(Chapter {
                title: Some(title.to_string()),
                paragraphs: Vec::new(),
            });
        } else if content.is_empty() {
            if let Some(range) = paragraph.take() {
                parser.paragraph(range)?;
            }
        } else {
            paragraph = Some(match paragraph {
                Some(range) => range.start..line.end,
                None => line.clone(),
            });
        }
        if index + 1 == lines.len()
            && let Some(range) = paragraph.take()
        {
            parser.paragraph(range)?;
        }
    }
    let mut script = parser.script;
    let speaks = script
        .chapters
        .iter()
        .flat_map(|c| &c.paragraphs)
        .flat_map(|p| &p.items)
        .any(|i| matches!(i, Item::Speech(_)));
    if !speaks {
        // Nothing to synthesise would only fail later, deep in the build.
        return Err(Diagnostic::error("the script has no sentence to speak")
            .at(at(split.body_start..split.body_start))
            .with_help(
                "write at least one sentence; headings, comments and front matter are not spoken",
            ));
    }
    script
        .chapters
        .retain(|c| c.title.is_some() || !c.paragraphs.is_empty());
    Ok(script)
}

/// `# Title` or `## Title` (any ATX level): a chapter heading, not spoken.
fn heading(line: &str) -> Option<&str> {
    let rest = line.trim_start_matches('#');
    let level = line.len() - rest.len();
    if level == 0 || level > 6 || !(rest.is_empty() || rest.starts_with(char::is_whitespace)) {
        return None;
    }
    Some(rest.trim().trim_end_matches('#').trim())
}

/// The body of one script being turned into paragraphs.
struct Parser<'a> {
    file: &'a Path,
    text: &'a Arc<str>,
    /// The body with comments blanked; offsets in it are `base` less than in `text`.
    body: &'a str,
    base: usize,
    voices: &'a [String],
    /// Sentences are located in order: one pass over the text for all of them.
    cursor: LineCursor<'a>,
    script: Script,
}

impl Parser<'_> {
    /// A location from a byte range of the body.
    fn at(&self, span: Range<usize>) -> Location {
        Location::new(
            self.file,
            self.text,
            span.start + self.base..span.end + self.base,
        )
    }

    fn position(&mut self, body_offset: usize) -> (u32, u32) {
        let (line, column) = self.cursor.at(body_offset + self.base);
        (line as u32, column as u32)
    }

    fn paragraph(&mut self, range: Range<usize>) -> Result<(), Diagnostic> {
        let body = self.body;
        let raw = &body[range.clone()];
        let mut content_start = range.start;
        let mut speaker = None;
        let mut speaker_as_written = None;
        if let Some((name, after)) = speaker_prefix(raw) {
            let key = name.to_lowercase();
            let prefix_start = range.start + (raw.len() - raw.trim_start().len());
            let prefix = self.at(prefix_start..prefix_start + name.len() + 1);
            if self.voices.contains(&key) {
                speaker = Some(key);
                speaker_as_written = Some(name.to_string());
                content_start = range.start + after;
            } else if let Some(best) = did_you_mean(name, self.voices.iter().map(String::as_str)) {
                self.script.warnings.push(
                    Diagnostic::warning(format!(
                        "`{name}:` is not a voice, so this paragraph is spoken by the default voice"
                    ))
                    .at(prefix)
                    .with_help(format!(
                        "did you mean `{best}`? voices are the keys of [voices]"
                    )),
                );
            } else if looks_like_a_name(name) {
                self.script.warnings.push(
                    Diagnostic::warning(format!(
                        "`{name}:` is not a voice, so the default voice speaks this paragraph, `{name}:` included"
                    ))
                    .at(prefix)
                    .with_help(format!(
                        "to give {name} a voice, add a [voices.{}] table to podcast.toml; to keep the text as it is, write `{name}\\:`",
                        voice_key(&key)
                    )),
                );
            }
        }
        let content = &body[content_start..range.end];
        let found = pause::find(content).map_err(|bad| {
            marker_diagnostic(Diagnostic::error(bad.message), bad.help)
                .at(self.at(content_start + bad.range.start..content_start + bad.range.end))
        })?;
        for bad in found.warnings {
            let diag = marker_diagnostic(Diagnostic::warning(bad.message), bad.help)
                .at(self.at(content_start + bad.range.start..content_start + bad.range.end));
            self.script.warnings.push(diag);
        }

        let mut items = Vec::new();
        let mut from = 0;
        for marker in found.markers.iter().map(Some).chain([None]) {
            let until = marker.map_or(content.len(), |m| m.range.start);
            for sentence in sentences::split(&content[from..until]) {
                let written = &content[from + sentence.start..from + sentence.end];
                let spoken = speakable(written);
                if spoken.chars().any(char::is_alphanumeric) {
                    let (line, column) = self.position(content_start + from + sentence.start);
                    let display =
                        unescape(&written.split_whitespace().collect::<Vec<_>>().join(" "));
                    items.push(Item::Speech(Sentence {
                        display,
                        text: spoken,
                        line,
                        column,
                    }));
                }
            }
            if let Some(marker) = marker {
                items.push(match &marker.kind {
                    pause::MarkerKind::Pause { ms } => Item::Pause { ms: *ms },
                    pause::MarkerKind::Sound { path } => {
                        let (line, column) = self.position(content_start + marker.range.start);
                        Item::Sound {
                            path: self.file.parent().unwrap_or(Path::new("")).join(path),
                            line,
                            column,
                        }
                    }
                });
                from = marker.range.end;
            }
        }
        if !items.is_empty() {
            let chapter = self
                .script
                .chapters
                .last_mut()
                .expect("there is always a chapter");
            chapter.paragraphs.push(Paragraph {
                speaker,
                speaker_as_written,
                items,
            });
        }
        Ok(())
    }
}

fn marker_diagnostic(diag: Diagnostic, help: Option<String>) -> Diagnostic {
    match help {
        Some(help) => diag.with_help(help),
        None => diag,
    }
}

/// `Name: text` -> (`Name`, offset of the text). Names are short and plain.
fn speaker_prefix(paragraph: &str) -> Option<(&str, usize)> {
    let lead = paragraph.len() - paragraph.trim_start().len();
    let rest = &paragraph[lead..];
    let colon = rest.find(':')?;
    let name = &rest[..colon];
    let plain = !name.is_empty()
        && name.chars().count() <= 32
        && name.starts_with(char::is_alphabetic)
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, ' ' | '-' | '_'));
    let followed_by_space =
        rest[colon + 1..].starts_with(char::is_whitespace) || colon + 1 == rest.len();
    (plain && followed_by_space).then_some((name.trim_end(), lead + colon + 1))
}

/// Labels that start a paragraph with a colon in ordinary prose, not speakers.
const LABELS: &[&str] = &[
    "note",
    "notes",
    "tip",
    "hint",
    "warning",
    "caution",
    "important",
    "example",
    "update",
    "summary",
    "recap",
    "answer",
    "question",
    "reminder",
    "remember",
    "step",
    "fact",
    "result",
    "also",
    "ps",
    "today",
    "next",
    "first",
    "second",
    "third",
    "finally",
    "bonus",
    "spoiler",
    "disclaimer",
    "quote",
    "source",
    "credits",
];

/// `Bob`, `Dr Smith`: up to three capitalised words, not a common label.
fn looks_like_a_name(name: &str) -> bool {
    let words: Vec<&str> = name.split_whitespace().collect();
    words.len() <= 3
        && words.iter().all(|w| w.starts_with(char::is_uppercase))
        && !LABELS.contains(&name.to_lowercase().as_str())
}

/// `Dr Smith` -> `"dr smith"` (quoted when a bare TOML key cannot hold it).
fn voice_key(key: &str) -> String {
    if key
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        key.to_string()
    } else {
        format!("\"{key}\"")
    }
}

/// The text as it is spoken: white space collapsed, emphasis marks and
/// escaping backslashes dropped.
fn speakable(text: &str) -> String {
    text.split_whitespace()
        .map(|w| unescape(&w.replace(['*', '`'], "")))
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Markdown's backslash escapes: `\:` and `\[` are a literal `:` and `[`.
fn unescape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\\'
            && let Some(&next) = chars.peek()
            && next.is_ascii_punctuation()
        {
            continue;
        }
        out.push(c);
    }
    out
}

fn not_utf8(file: &Path, bytes: &[u8], error: std::str::Utf8Error) -> Diagnostic {
    let valid = error.valid_up_to();
    // The lossy text matches the file up to the bad byte, which becomes U+FFFD.
    let lossy: Arc<str> = Arc::from(String::from_utf8_lossy(bytes).as_ref());
    Diagnostic::error(format!(
        "the script is not valid UTF-8 (byte 0x{:02x} at offset {valid})",
        bytes[valid]
    ))
    .at(Location::new(
        file,
        &lossy,
        valid..valid + '\u{fffd}'.len_utf8(),
    ))
    .with_help("save the script as UTF-8")
}

/// Front matter errors are computed on a prefix of the file; point them at the
/// same span in the whole file so the snippet shows real lines.
fn relocate(mut diag: Diagnostic, file: &Path, text: &Arc<str>) -> Diagnostic {
    if let Some(loc) = diag.location.take() {
        diag.location = Some(Box::new(Location::new(file, text, loc.span.clone())));
    }
    diag
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_str(text: &str) -> Script {
        parse(Path::new("ep.md"), text.as_bytes(), &["guest".to_string()]).unwrap()
    }

    fn spoken(script: &Script) -> Vec<String> {
        script
            .chapters
            .iter()
            .flat_map(|c| &c.paragraphs)
            .flat_map(|p| &p.items)
            .map(|i| match i {
                Item::Speech(s) => s.text.clone(),
                Item::Pause { ms } => format!("<{ms}>"),
                Item::Sound { path, .. } => format!("<{}>", path.display()),
            })
            .collect()
    }

    #[test]
    fn chapters_paragraphs_speakers_pauses() {
        let script = parse_str(
            "+++\ntitle = \"One\"\n+++\nIntro line.\n\n# First\n\nHello, world. Second [pause 1.5s] half.\n\nGuest: I agree.\n<!-- not spoken. -->\n## Second\nThe *end*.\n",
        );
        assert_eq!(script.front.title.as_deref(), Some("One"));
        let titles: Vec<_> = script.chapters.iter().map(|c| c.title.clone()).collect();
        assert_eq!(
            titles,
            vec![None, Some("First".into()), Some("Second".into())]
        );
        assert_eq!(
            spoken(&script),
            vec![
                "Intro line.",
                "Hello, world.",
                "Second",
                "<1500>",
                "half.",
                "I agree.",
                "The end."
            ]
        );
        assert_eq!(
            script.chapters[1].paragraphs[1].speaker.as_deref(),
            Some("guest")
        );
        let Item::Speech(first) = &script.chapters[1].paragraphs[0].items[0] else {
            panic!()
        };
        assert_eq!((first.line, first.column), (8, 1));
    }

    #[test]
    fn dates_may_be_toml_dates_or_strings() {
        let a = parse_str("+++\ndate = 2026-11-02\n+++\nHi.\n");
        let b = parse_str("+++\ndate = \"2026-11-02\"\n+++\nHi.\n");
        assert_eq!(a.front.date.as_deref(), Some("2026-11-02"));
        assert_eq!(b.front.date, a.front.date);
    }

    #[test]
    fn near_miss_speaker_warns() {
        let script = parse_str("Gust: hello there.\n");
        assert_eq!(script.warnings.len(), 1);
        assert!(
            script.warnings[0]
                .help
                .as_deref()
                .unwrap()
                .contains("`guest`")
        );
        assert_eq!(spoken(&script), vec!["Gust: hello there."]);
    }

    #[test]
    fn a_byte_order_mark_is_not_text() {
        let script = parse_str("\u{feff}+++\ntitle = \"One\"\nnumber = 4\n+++\nHello.\n");
        assert_eq!(script.front.title.as_deref(), Some("One"));
        assert_eq!(script.front.number, Some(4));
        assert_eq!(spoken(&script), vec!["Hello."]);
    }

    #[test]
    fn a_script_with_nothing_to_speak_is_an_error() {
        for text in [
            "",
            "\n\n",
            "<!-- only a comment -->\n",
            "+++\ntitle = \"x\"\n+++\n# Heading\n",
        ] {
            let err = parse(Path::new("ep.md"), text.as_bytes(), &[]).unwrap_err();
            assert!(err.message.contains("no sentence to speak"), "{text:?}");
            assert!(err.location.is_some());
        }
    }

    #[test]
    fn a_name_that_is_no_voice_warns_unless_escaped() {
        let script = parse_str("Bob: hello there.\n\nNote: this is prose.\n\nIn short: fine.\n");
        assert_eq!(script.warnings.len(), 1);
        let help = script.warnings[0].help.as_deref().unwrap();
        assert!(
            help.contains("[voices.bob]") && help.contains("`Bob\\:`"),
            "{help}"
        );
        let escaped = parse_str("Bob\\: hello there. Say \\[pause 2s] aloud.\n");
        assert!(escaped.warnings.is_empty());
        assert_eq!(
            spoken(&escaped),
            vec!["Bob: hello there.", "Say [pause 2s] aloud."]
        );
    }

    #[test]
    fn positions_are_those_of_a_rescan() {
        let text =
            "+++\ntitle = \"é\"\n+++\nÉa. Bé. [sound x.wav] Cé.\n\n## T\nDé [pause 1s] eé.\n";
        let script = parse_str(text);
        let items: Vec<&Item> = script
            .chapters
            .iter()
            .flat_map(|c| &c.paragraphs)
            .flat_map(|p| &p.items)
            .collect();
        let mut checked = 0;
        for item in items {
            let (line, column, word) = match item {
                Item::Speech(s) => (s.line, s.column, s.display.clone()),
                Item::Sound { line, column, .. } => (*line, *column, "[sound".to_string()),
                Item::Pause { .. } => continue,
            };
            let offset = text.find(&word).unwrap();
            assert_eq!(
                crate::diagnostic::line_column(text, offset),
                (line as usize, column as usize),
                "{word}"
            );
            checked += 1;
        }
        assert_eq!(checked, 6);
    }

    #[test]
    fn errors_point_at_the_place() {
        let err = parse(Path::new("ep.md"), b"Fine.\n\nWait [pause 3x] now.\n", &[]).unwrap_err();
        let loc = err.location.unwrap();
        assert_eq!((loc.line, loc.column), (3, 6));
        let err = parse(Path::new("ep.md"), b"+++\ntitle = 3\n+++\n", &[]).unwrap_err();
        assert_eq!(err.location.unwrap().line, 2);
        let err = parse(Path::new("ep.md"), b"ok\n\xff\n", &[]).unwrap_err();
        assert_eq!(err.location.unwrap().line, 2);
    }
}

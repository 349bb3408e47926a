//! Script text -> chapters, paragraphs, sentences and pauses.

use std::ops::Range;
use std::path::Path;
use std::sync::Arc;

use super::{Chapter, Item, Paragraph, Script, Sentence, comments, front_matter, pause, sentences};
use crate::config::{FrontMatter, SourceText};
use crate::diagnostic::{Diagnostic, Location, did_you_mean, line_column};

/// Parses one episode script. `voices` are the lower-cased `[voices]` names a
/// paragraph may start with (`Guest: ...`).
pub fn parse(file: &Path, bytes: &[u8], voices: &[String]) -> Result<Script, Diagnostic> {
    let text: Arc<str> = match std::str::from_utf8(bytes) {
        Ok(text) => Arc::from(text),
        Err(e) => return Err(not_utf8(file, bytes, e)),
    };
    let at = |span: Range<usize>| Location::new(file, &text, span);

    let split = front_matter::split(&text).map_err(|()| {
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
    let base = split.body_start;

    let mut script = Script {
        front,
        chapters: vec![Chapter {
            title: None,
            paragraphs: Vec::new(),
        }],
        warnings: Vec::new(),
    };
    let mut paragraph: Option<Range<usize>> = None;
    let lines: Vec<Range<usize>> = front_matter::line_ranges(&body).collect();
    for (index, line) in lines.iter().enumerate() {
        let content = body[line.clone()].trim();
        if let Some(title) = heading(content) {
            if let Some(range) = paragraph.take() {
                push_paragraph(&mut script, &body, base, range, voices, &text, file)?;
            }
            script.chapters.push(Chapter {
                title: Some(title.to_string()),
                paragraphs: Vec::new(),
            });
        } else if content.is_empty() {
            if let Some(range) = paragraph.take() {
                push_paragraph(&mut script, &body, base, range, voices, &text, file)?;
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
            push_paragraph(&mut script, &body, base, range, voices, &text, file)?;
        }
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

fn push_paragraph(
    script: &mut Script,
    body: &str,
    base: usize,
    range: Range<usize>,
    voices: &[String],
    text: &Arc<str>,
    file: &Path,
) -> Result<(), Diagnostic> {
    let at = |span: Range<usize>| Location::new(file, text, span.start + base..span.end + base);
    let raw = &body[range.clone()];
    let mut content_start = range.start;
    let mut speaker = None;
    let mut speaker_as_written = None;
    if let Some((name, after)) = speaker_prefix(raw) {
        let key = name.to_lowercase();
        if voices.contains(&key) {
            speaker = Some(key);
            speaker_as_written = Some(name.to_string());
            content_start = range.start + after;
        } else if let Some(best) = did_you_mean(name, voices.iter().map(String::as_str)) {
            let prefix_start = range.start + (raw.len() - raw.trim_start().len());
            script.warnings.push(
                Diagnostic::warning(format!(
                    "`{name}:` is not a voice, so this paragraph is spoken by the default voice"
                ))
                .at(at(prefix_start..prefix_start + name.len() + 1))
                .with_help(format!(
                    "did you mean `{best}`? voices are the keys of [voices]"
                )),
            );
        }
    }
    let content = &body[content_start..range.end];
    let markers = pause::find(content).map_err(|bad| {
        Diagnostic::error(bad.message).at(at(
            content_start + bad.range.start..content_start + bad.range.end
        ))
    })?;

    let mut items = Vec::new();
    let mut from = 0;
    for marker in markers.iter().map(Some).chain([None]) {
        let until = marker.map_or(content.len(), |m| m.range.start);
        for sentence in sentences::split(&content[from..until]) {
            let start = content_start + from + sentence.start;
            let spoken = speakable(&content[from + sentence.start..from + sentence.end]);
            if spoken.chars().any(char::is_alphanumeric) {
                let (line, column) = line_column(text, start + base);
                let display = content[from + sentence.start..from + sentence.end]
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" ");
                items.push(Item::Speech(Sentence {
                    display,
                    text: spoken,
                    line: line as u32,
                    column: column as u32,
                }));
            }
        }
        if let Some(marker) = marker {
            items.push(match &marker.kind {
                pause::MarkerKind::Pause { ms } => Item::Pause { ms: *ms },
                pause::MarkerKind::Sound { path } => {
                    let (line, column) =
                        line_column(text, content_start + marker.range.start + base);
                    Item::Sound {
                        path: file.parent().unwrap_or(Path::new("")).join(path),
                        line: line as u32,
                        column: column as u32,
                    }
                }
            });
            from = marker.range.end;
        }
    }
    if !items.is_empty() {
        let chapter = script
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

/// The text as it is spoken: white space collapsed, emphasis marks dropped.
fn speakable(text: &str) -> String {
    text.split_whitespace()
        .map(|w| w.replace(['*', '`'], ""))
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
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

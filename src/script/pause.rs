//! Inline markers: `[pause 1.5s]`, `[pause 300ms]` and `[sound path/to/sting.wav]`.

use std::ops::Range;

use crate::config::MAX_PAUSE_MS;

#[derive(Debug, PartialEq, Eq)]
pub struct Marker {
    pub range: Range<usize>,
    pub kind: MarkerKind,
}

#[derive(Debug, PartialEq, Eq)]
pub enum MarkerKind {
    Pause { ms: u32 },
    Sound { path: String },
}

#[derive(Debug, PartialEq, Eq)]
pub struct BadMarker {
    pub range: Range<usize>,
    pub message: String,
    pub help: Option<String>,
}

/// The markers of one paragraph, and brackets that look like markers but are
/// not and so are spoken as written.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Found {
    pub markers: Vec<Marker>,
    pub warnings: Vec<BadMarker>,
}

const WORDS: [&str; 2] = ["pause", "sound"];

/// Every `[pause ...]` and `[sound ...]` marker in `text`, or the first malformed one.
///
/// A bracket that starts with a marker's word (`[pause: 2s]`, `[pause]`, an
/// unclosed `[pause`) is an error: it is certainly meant as one. A misspelt
/// word (`[paus 2s]`) is an error when what follows is a valid argument, and
/// otherwise a warning, since `[cause unknown]` may be meant as text.
/// `\[` is a literal bracket.
pub fn find(text: &str) -> Result<Found, BadMarker> {
    let mut found = Found::default();
    let mut from = 0;
    while let Some(open) = text[from..].find('[').map(|i| from + i) {
        from = open + 1;
        if text[..open].ends_with('\\') {
            continue;
        }
        let after = &text[open + 1..];
        let word_len = after
            .find(|c: char| !c.is_ascii_alphabetic())
            .unwrap_or(after.len());
        if word_len == 0 {
            continue;
        }
        let word = &after[..word_len];
        let rest = &after[word_len..];
        let line_end = rest.find('\n').unwrap_or(rest.len());
        // Markup may wrap onto the next line of its paragraph: editors hard-wrap.
        let close = rest.find(']');
        let argument = &rest[..close.unwrap_or(line_end)];
        let end = open + 1 + word_len + close.map_or(line_end, |c| c + 1);
        let range = open..end;
        let bad = |message: String, help: Option<String>| BadMarker {
            range: range.clone(),
            message,
            help,
        };
        let lower = word.to_ascii_lowercase();
        if let Some(&exact) = WORDS.iter().find(|w| **w == lower) {
            let separated = rest.is_empty() || rest.starts_with(|c: char| c.is_whitespace());
            let glued =
                rest.starts_with([':', '=']) || rest.starts_with(|c: char| c.is_ascii_digit());
            if !(separated || rest.starts_with(']') || glued) {
                // `[pause-worthy]`: a word that merely starts like one.
                continue;
            }
            let Some(close) = close else {
                return Err(bad(
                    format!("unclosed `[{word}`: {}", usage(exact)),
                    Some(format!(
                        "close it with `]`, or write `\\[{word}` to keep the bracket as text"
                    )),
                ));
            };
            let argument = argument.trim_start_matches([':', '=']).trim();
            if glued {
                return Err(bad(
                    format!("`{}` is not {exact} markup", &text[range.clone()]),
                    Some(format!("did you mean `[{exact} {argument}]`?")),
                ));
            }
            let kind = if exact == "pause" {
                if argument.is_empty() {
                    return Err(bad(
                        format!("`[{word}]` needs a duration: {}", usage(exact)),
                        None,
                    ));
                }
                MarkerKind::Pause {
                    ms: parse_duration(argument).map_err(|message| bad(message, None))?,
                }
            } else {
                if argument.is_empty() {
                    return Err(bad(
                        format!("`[{word}]` names no file: {}", usage(exact)),
                        None,
                    ));
                }
                MarkerKind::Sound {
                    path: argument.to_string(),
                }
            };
            found.markers.push(Marker { range, kind });
            from = open + 1 + word_len + close + 1;
        } else if let Some(best) = crate::diagnostic::did_you_mean(word, WORDS)
            && word.len() >= 4
            && (rest.starts_with([':', '=', ']']) || rest.starts_with(|c: char| c.is_whitespace()))
        {
            let argument = argument.trim_start_matches([':', '=']).trim();
            let certain = match best {
                "pause" => parse_duration(argument).is_ok(),
                _ => has_audio_extension(argument),
            };
            if certain && close.is_some() {
                return Err(bad(
                    format!("`{}` is not {best} markup", &text[range.clone()]),
                    Some(format!("did you mean `[{best} {argument}]`?")),
                ));
            }
            let example = if best == "pause" {
                "[pause 1.5s]"
            } else {
                "[sound path/to/file.wav]"
            };
            found.warnings.push(bad(
                format!("`[{word}` looks like {best} markup but is not: it is spoken as written"),
                Some(format!(
                    "did you mean `{example}`? to keep the bracket as text, write `\\[{word}`"
                )),
            ));
        }
    }
    Ok(found)
}

fn usage(word: &str) -> &'static str {
    if word == "pause" {
        "expected `[pause 1.5s]` or `[pause 300ms]`"
    } else {
        "expected `[sound path/to/file.wav]`"
    }
}

fn has_audio_extension(path: &str) -> bool {
    std::path::Path::new(path)
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| {
            ["wav", "flac", "mp3", "ogg", "oga", "m4a", "aac"]
                .iter()
                .any(|a| a.eq_ignore_ascii_case(e))
        })
}

/// `1.5s`, `300ms`, `2 s` -> milliseconds; exact decimal arithmetic, no floats.
fn parse_duration(spec: &str) -> Result<u32, String> {
    let usage = || format!("invalid pause `{spec}`: expected a duration such as `1.5s` or `300ms`");
    let (number, unit_ms) = if let Some(n) = spec.strip_suffix("ms") {
        (n.trim_end(), 1u64)
    } else if let Some(n) = spec.strip_suffix('s') {
        (n.trim_end(), 1000u64)
    } else {
        return Err(usage());
    };
    let (whole, fraction) = number.split_once('.').unwrap_or((number, ""));
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(whole) || !(fraction.is_empty() || digits(fraction)) || number.ends_with('.') {
        return Err(usage());
    }
    if whole.len() > 9 {
        return Err(format!(
            "pause `{spec}` is too long: at most {MAX_PAUSE_MS} ms"
        ));
    }
    let whole: u64 = whole.parse().map_err(|_| usage())?;
    // Fractions finer than a millisecond are refused rather than rounded.
    let scale = unit_ms.to_string().len() as u32 - 1;
    let fraction_digits = fraction.trim_end_matches('0');
    if fraction_digits.len() as u32 > scale {
        return Err(format!("pause `{spec}` is finer than a millisecond"));
    }
    let fraction_ms = if fraction_digits.is_empty() {
        0
    } else {
        fraction_digits.parse::<u64>().map_err(|_| usage())?
            * 10u64.pow(scale - fraction_digits.len() as u32)
    };
    let ms = whole * unit_ms + fraction_ms;
    if ms > MAX_PAUSE_MS as u64 {
        return Err(format!(
            "pause `{spec}` is too long: at most {MAX_PAUSE_MS} ms"
        ));
    }
    Ok(ms as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_seconds_and_milliseconds() {
        assert_eq!(parse_duration("1.5s"), Ok(1500));
        assert_eq!(parse_duration("300ms"), Ok(300));
        assert_eq!(parse_duration("2 s"), Ok(2000));
        assert_eq!(parse_duration("0.25s"), Ok(250));
        assert_eq!(parse_duration("1.250s"), Ok(1250));
    }

    #[test]
    fn refuses_bad_and_absurd_durations() {
        for bad in [
            "", "1.5", "-1s", "1,5s", "nans", "infs", "1.s", ".5s", "1.5ms", "0.0001s", "36000s",
        ] {
            assert!(parse_duration(bad).is_err(), "{bad:?} should be refused");
        }
    }

    #[test]
    fn finds_markers_and_reports_bad_ones() {
        let text = "One [pause 1s] two [link](x) three [PAUSE 20ms].";
        let markers = find(text).unwrap().markers;
        assert_eq!(
            markers
                .iter()
                .map(|m| match m.kind {
                    MarkerKind::Pause { ms } => ms,
                    MarkerKind::Sound { .. } => 0,
                })
                .collect::<Vec<_>>(),
            vec![1000, 20]
        );
        assert_eq!(&text[markers[0].range.clone()], "[pause 1s]");
        let bad = find("Wait [pause 3x] here").unwrap_err();
        assert_eq!(bad.range, 5..15);
        assert!(find("Wait [pause 3s").is_err());
        let sound = find("Now [sound media/sting.wav] then").unwrap().markers;
        assert_eq!(
            sound[0].kind,
            MarkerKind::Sound {
                path: "media/sting.wav".into()
            }
        );
        assert!(find("Now [sound ] then").is_err());
    }

    fn error(text: &str) -> BadMarker {
        find(text).unwrap_err()
    }

    #[test]
    fn near_misses_are_errors_with_a_did_you_mean() {
        let colon = error("Wait [pause: 2s] here");
        assert_eq!(colon.range, 5..16);
        assert_eq!(colon.help.as_deref(), Some("did you mean `[pause 2s]`?"));
        let typo = error("Wait [paus 2s] here");
        assert_eq!(typo.help.as_deref(), Some("did you mean `[pause 2s]`?"));
        assert!(error("Wait [pause\nthen more").message.contains("unclosed"));
        let wrapped = find("Wait [pause\n2s] more").unwrap().markers;
        assert_eq!(wrapped[0].kind, MarkerKind::Pause { ms: 2000 });
        assert!(error("Wait [pause").message.contains("unclosed"));
        assert_eq!(
            error("Wait [pause] here").message,
            "`[pause]` needs a duration: expected `[pause 1.5s]` or `[pause 300ms]`"
        );
        assert!(
            error("Now [sond media/sting.wav] then")
                .message
                .contains("not sound markup")
        );
    }

    #[test]
    fn lookalikes_warn_and_escapes_are_text() {
        let found = find("A [cause unknown] and [pause-worthy] bit").unwrap();
        assert!(found.markers.is_empty());
        assert_eq!(found.warnings.len(), 1);
        assert_eq!(found.warnings[0].range, 2..17);
        let escaped = find("Say \\[pause 2s] aloud").unwrap();
        assert_eq!(escaped, Found::default());
    }
}

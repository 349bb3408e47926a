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
}

/// Every `[pause ...]` and `[sound ...]` marker in `text`, or the first malformed one.
pub fn find(text: &str) -> Result<Vec<Marker>, BadMarker> {
    let mut markers = Vec::new();
    let mut from = 0;
    while let Some(open) = text[from..].find('[').map(|i| from + i) {
        from = open + 1;
        let after = &text[open + 1..];
        let Some(word) = ["pause", "sound"].into_iter().find(|w| {
            after.len() >= 5
                && after.is_char_boundary(5)
                && after[..5].eq_ignore_ascii_case(w)
                && after[5..].starts_with(|c: char| c.is_whitespace() || c == ']')
        }) else {
            continue;
        };
        let usage = if word == "pause" {
            "expected `[pause 1.5s]` or `[pause 300ms]`"
        } else {
            "expected `[sound path/to/file.wav]`"
        };
        let Some(close) = after.find(']').map(|i| open + 1 + i) else {
            return Err(BadMarker {
                range: open..open + 6,
                message: format!("unclosed `[{word}`: {usage}"),
            });
        };
        let range = open..close + 1;
        let argument = text[open + 6..close].trim();
        let kind = if word == "pause" {
            let ms = parse_duration(argument).map_err(|message| BadMarker {
                range: range.clone(),
                message,
            })?;
            MarkerKind::Pause { ms }
        } else {
            if argument.is_empty() {
                return Err(BadMarker {
                    range,
                    message: format!("`[sound]` names no file: {usage}"),
                });
            }
            MarkerKind::Sound {
                path: argument.to_string(),
            }
        };
        markers.push(Marker { range, kind });
        from = close + 1;
    }
    Ok(markers)
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
        let markers = find(text).unwrap();
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
        let sound = find("Now [sound media/sting.wav] then").unwrap();
        assert_eq!(
            sound[0].kind,
            MarkerKind::Sound {
                path: "media/sting.wav".into()
            }
        );
        assert!(find("Now [sound ] then").is_err());
    }
}

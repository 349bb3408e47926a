//! What a numeric setting accepts, in the user's words, for TOML type errors:
//! serde says `expected u32`; the user is told `expected a whole number from
//! 80 to 450 (words per minute)`.

use super::limits::{MAX_PAUSE_MS, MP3_BITRATES, SAMPLE_RATES};

/// Rewrites serde's `invalid type: string "fast", expected u32` for the
/// setting `key`; `None` when the message is not a numeric type error.
pub fn rewrite(message: &str, key: &str) -> Option<String> {
    let rest = message
        .strip_prefix("invalid type: ")
        .or_else(|| message.strip_prefix("invalid value: "))?;
    let (found, expected) = rest.rsplit_once(", expected ")?;
    let kind = match expected.trim() {
        "u16" | "u32" | "u64" => "a whole number",
        "f64" => "a number",
        _ => return None,
    };
    let range = range(key).map(|r| format!(" {r}")).unwrap_or_default();
    Some(format!("{key}: expected {kind}{range}, found {found}"))
}

fn list(values: &[u32]) -> String {
    values
        .iter()
        .map(u32::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// The accepted values of a numeric key, as the checks after parsing enforce.
fn range(key: &str) -> Option<String> {
    let between = |r: std::ops::RangeInclusive<u32>, unit: &str| {
        format!("from {} to {}{unit}", r.start(), r.end())
    };
    Some(match key {
        "sentence_ms" | "paragraph_ms" | "chapter_ms" | "comma_ms" | "colon_ms"
        | "semicolon_ms" => between(0..=MAX_PAUSE_MS, " (milliseconds)"),
        "attack_ms" | "release_ms" => between(0..=10_000, " (milliseconds)"),
        "sample_rate" => format!("(one of {} Hz)", list(SAMPLE_RATES)),
        "channels" => "(1 or 2)".to_string(),
        "mp3_bitrate" => format!("(one of {} kbps)", list(MP3_BITRATES)),
        "mp3_quality" => between(0..=9, ""),
        "aac_bitrate" => between(16..=320, " (kbps)"),
        "retention_days" => "of days, 0 or more".to_string(),
        "number" => "(the episode number), 0 or more".to_string(),
        "offset" => "from 0 to 86400 (seconds)".to_string(),
        "fade_in" | "fade_out" => "from 0 to 60 (seconds)".to_string(),
        "overlap" => "from 0 to 30 (seconds)".to_string(),
        "volume_db" => "from -60 to 12 (dB)".to_string(),
        "duck_db" => "from -60 to 0 (dB)".to_string(),
        "target_lufs" => "from -40 to -5 (LUFS)".to_string(),
        "true_peak_db" => "from -10 to 0 (dBTP)".to_string(),
        _ => return None,
    })
}

/// The key whose value starts at byte `value_start` of `text`: the bare or
/// quoted word before the `=` on that line (`rate` in `rate = "fast"`).
pub fn key_before(text: &str, value_start: usize) -> Option<&str> {
    let line_start = text[..value_start].rfind('\n').map_or(0, |i| i + 1);
    let before = text[line_start..value_start].trim_end().strip_suffix('=')?;
    let key = before
        .trim()
        .rsplit(['.', '{', ',', ' '])
        .next()?
        .trim_matches('"');
    (!key.is_empty()).then_some(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_errors_in_user_words() {
        assert_eq!(
            rewrite(r#"invalid type: string "fast", expected u32"#, "attack_ms").as_deref(),
            Some(
                r#"attack_ms: expected a whole number from 0 to 10000 (milliseconds), found string "fast""#
            )
        );
        assert_eq!(
            rewrite("invalid value: integer `-5`, expected u32", "mp3_quality").as_deref(),
            Some("mp3_quality: expected a whole number from 0 to 9, found integer `-5`")
        );
        // Voice settings are the engines' to check (engines::settings).
        assert_eq!(rewrite("unknown field `x`", "rate"), None);
    }

    #[test]
    fn finds_the_key_of_a_value() {
        let text = "[voice]\nrate = \"fast\"\nx = { pitch = 5 }\n";
        assert_eq!(key_before(text, text.find("\"fast").unwrap()), Some("rate"));
        assert_eq!(key_before(text, text.find('5').unwrap()), Some("pitch"));
        assert_eq!(key_before(text, 0), None);
    }
}

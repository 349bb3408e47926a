//! Front-matter `date`: a TOML date or an ISO 8601 (RFC 3339) string, kept as
//! `YYYY-MM-DD`, the form the MP3 and MP4 date tags take.

use std::str::FromStr;

use toml::value::Datetime;

use super::schema::RawDate;
use super::source::SourceText;
use crate::diagnostic::Diagnostic;

pub fn parse(raw: toml::Spanned<RawDate>, source: &SourceText) -> Result<String, Diagnostic> {
    let raw = source.sourced(raw);
    let parsed = match &raw.value {
        RawDate::Date(datetime) => Ok(*datetime),
        RawDate::Text(text) => Datetime::from_str(text.trim()).map_err(|e| e.to_string()),
    };
    let written = match &raw.value {
        RawDate::Date(datetime) => datetime.to_string(),
        RawDate::Text(text) => text.clone(),
    };
    match parsed.map(|d| d.date) {
        Ok(Some(date)) => Ok(date.to_string()),
        Ok(None) => Err(raw
            .error(format!("date `{written}` has a time but no day"))
            .with_help(HELP)),
        Err(why) => Err(raw
            .error(format!("date `{written}` is not an ISO 8601 date: {why}"))
            .with_help(HELP)),
    }
}

const HELP: &str = "write the date as 2026-01-12 (a TOML date or a string), optionally with a time: 2026-01-12T09:30:00Z";

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    fn date(toml_value: &str) -> Result<String, Diagnostic> {
        #[derive(serde::Deserialize)]
        struct Doc {
            date: toml::Spanned<RawDate>,
        }
        let text = format!("date = {toml_value}\n");
        let source = SourceText {
            file: "ep.md".into(),
            text: Arc::from(text.as_str()),
            offset: 0,
        };
        parse(toml::from_str::<Doc>(&text).unwrap().date, &source)
    }

    #[test]
    fn toml_dates_and_iso_strings() {
        assert_eq!(date("2026-01-12").unwrap(), "2026-01-12");
        assert_eq!(date("2026-01-12T09:30:00Z").unwrap(), "2026-01-12");
        assert_eq!(date("\"2026-01-12\"").unwrap(), "2026-01-12");
        assert_eq!(date("\"2026-01-12T09:30:00+01:00\"").unwrap(), "2026-01-12");
    }

    #[test]
    fn anything_else_is_a_located_error() {
        for bad in [
            "\"12 Jan 2026\"",
            "\"yesterday\"",
            "\"2026-02-30\"",
            "\"\"",
            "09:30:00",
        ] {
            let error = date(bad).unwrap_err();
            let location = error.location.expect("located");
            assert_eq!((location.line, location.column), (1, 8), "{bad}");
        }
    }
}

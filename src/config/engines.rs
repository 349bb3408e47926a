//! `[engines.NAME]`: per-engine request limits, retries and spending
//! (`engines::options`), checked against the engines pod has.

use std::collections::BTreeMap;
use std::time::Duration;

use toml::Spanned;

use super::schema::RawEngineOptions;
use super::source::SourceText;
use crate::diagnostic::Diagnostic;
use crate::engines::options::{EngineOptions, EnginesOptions};
use crate::engines::{self, settings::Decimal};

/// The longest `timeout` pod accepts, seconds: an hour for one request.
const MAX_TIMEOUT_S: f64 = 3600.0;

pub fn from_raw(
    raw: BTreeMap<Spanned<String>, RawEngineOptions>,
    source: &SourceText,
) -> Result<EnginesOptions, Diagnostic> {
    let mut options = EnginesOptions::new();
    for (name, raw) in raw {
        let name = source.sourced(name);
        if engines::find(&name.value).is_none() {
            let diag = name.error(format!("unknown engine `{}` in [engines]", name.value));
            return Err(
                match crate::diagnostic::did_you_mean(&name.value, engines::names()) {
                    Some(best) => diag.with_help(format!("did you mean `{best}`?")),
                    None => diag.with_help(format!(
                        "available engines: {}",
                        engines::names().collect::<Vec<_>>().join(", ")
                    )),
                },
            );
        }
        let positive = |value: Option<Spanned<u32>>, key: &str| {
            value
                .map(|v| {
                    let v = source.sourced(v);
                    if v.value == 0 {
                        Err(v.error(format!("engines.{}.{key} must be at least 1", name.value)))
                    } else {
                        Ok(v.value)
                    }
                })
                .transpose()
        };
        let timeout = raw
            .timeout
            .map(|t| {
                let t = source.sourced(t);
                if t.value > 0.0 && t.value <= MAX_TIMEOUT_S {
                    Ok(Duration::from_secs_f64(t.value))
                } else {
                    Err(t.error(format!(
                        "engines.{}.timeout must be more than 0 and at most {MAX_TIMEOUT_S} seconds",
                        name.value
                    )))
                }
            })
            .transpose()?;
        let price = raw
            .price_per_million_chars
            .map(|p| {
                let p = source.sourced(p);
                if p.value.is_finite() && p.value >= 0.0 {
                    Ok(Decimal(p.value))
                } else {
                    Err(p.error(format!(
                        "engines.{}.price_per_million_chars must be a price of 0 or more",
                        name.value
                    )))
                }
            })
            .transpose()?;
        let engine = EngineOptions {
            max_concurrent: positive(raw.max_concurrent, "max_concurrent")?.map(|n| n as usize),
            requests_per_minute: positive(raw.requests_per_minute, "requests_per_minute")?,
            timeout,
            retries: raw.retries.map(Spanned::into_inner),
            max_characters: raw.max_characters.map(Spanned::into_inner),
            price_per_million_chars: price,
        };
        options.insert(name.value, engine);
    }
    Ok(options)
}

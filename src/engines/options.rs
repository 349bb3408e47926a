//! How pod talks to an engine, as `[engines.NAME]` in podcast.toml sets it:
//! requests at once and per minute, how long to wait, how often to retry,
//! and what a build may spend. None of it changes what the engine says, so
//! none of it is in any key.

use std::collections::BTreeMap;
use std::time::Duration;

use super::settings::Decimal;

#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct EngineOptions {
    /// Requests in flight at once; unset, the engine's own limit.
    pub max_concurrent: Option<usize>,
    /// Requests started in any 60-second window.
    pub requests_per_minute: Option<u32>,
    /// How long one request may take; unset, the engine's own default.
    pub timeout: Option<Duration>,
    /// Attempts after the first for what is worth retrying; unset, `RETRIES`.
    pub retries: Option<u32>,
    /// Characters one build may send before `--allow-spend` is needed.
    pub max_characters: Option<u64>,
    /// For `pod status`'s cost estimate.
    pub price_per_million_chars: Option<Decimal>,
}

/// Options by engine name; engines not named take the defaults.
pub type EnginesOptions = BTreeMap<String, EngineOptions>;

/// Retries when a config sets none: enough to ride out a burst of 429s.
pub const RETRIES: u32 = 4;

impl EngineOptions {
    pub fn retries(&self) -> u32 {
        self.retries.unwrap_or(RETRIES)
    }
}

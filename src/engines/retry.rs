//! Retrying what an engine says is worth retrying (connection errors,
//! timeouts, HTTP 408, 429 and 5xx): exponential backoff with jitter, or the
//! wait the server asked for (`Retry-After`) when that is longer. Other
//! errors fail at once: the same request would fail again.

use std::hash::{BuildHasher, Hasher};
use std::time::Duration;

use super::EngineError;

/// The first wait between attempts; each later one doubles it.
pub const FIRST_WAIT: Duration = Duration::from_millis(500);
/// No single wait is longer, whatever a server asks for.
pub const LONGEST_WAIT: Duration = Duration::from_secs(300);

/// Runs `request` until it succeeds, fails for good, or `retries` further
/// attempts are spent; `sleep` waits (a parameter so tests need not).
pub fn with_retries<T>(
    retries: u32,
    first_wait: Duration,
    mut sleep: impl FnMut(Duration),
    mut request: impl FnMut() -> Result<T, EngineError>,
) -> Result<T, EngineError> {
    let mut backoff = first_wait;
    let mut retried = 0;
    loop {
        match request() {
            Err(EngineError::Retryable { after, .. }) if retried < retries => {
                // Jitter spreads out workers that failed together, so they
                // do not all come back in the same instant.
                let wait = backoff + backoff.mul_f64(jitter() / 2.0);
                sleep(
                    after
                        .map_or(wait, |after| after.max(wait))
                        .min(LONGEST_WAIT),
                );
                backoff = (backoff * 2).min(LONGEST_WAIT);
                retried += 1;
            }
            other => return other,
        }
    }
}

/// A number in `0..1` that differs between calls: jitter needs no more.
fn jitter() -> f64 {
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u64(0);
    (hasher.finish() >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn retryable(message: &str, after: Option<Duration>) -> EngineError {
        EngineError::Retryable {
            message: message.into(),
            after,
        }
    }

    #[test]
    fn retryable_errors_are_retried_until_success() {
        let mut calls = 0;
        let result = with_retries(
            3,
            Duration::ZERO,
            |_| {},
            || {
                calls += 1;
                if calls < 3 {
                    Err(retryable("429", None))
                } else {
                    Ok(calls)
                }
            },
        );
        assert_eq!(result, Ok(3));
    }

    #[test]
    fn retries_run_out_with_the_last_error() {
        let mut calls = 0;
        let result: Result<(), _> = with_retries(
            2,
            Duration::ZERO,
            |_| {},
            || {
                calls += 1;
                Err(retryable(&format!("503 #{calls}"), None))
            },
        );
        assert_eq!(result, Err(retryable("503 #3", None)));
    }

    #[test]
    fn other_errors_fail_at_once() {
        let mut calls = 0;
        let result: Result<(), _> = with_retries(
            3,
            Duration::ZERO,
            |_| {},
            || {
                calls += 1;
                Err(EngineError::Failed("bad voice".into()))
            },
        );
        assert_eq!(calls, 1);
        assert_eq!(result, Err(EngineError::Failed("bad voice".into())));
    }

    #[test]
    fn waits_grow_with_jitter_and_honour_retry_after() {
        let mut waits = Vec::new();
        let mut calls = 0;
        let _: Result<(), _> = with_retries(
            3,
            Duration::from_secs(1),
            |wait| waits.push(wait),
            || {
                calls += 1;
                let after = (calls == 2).then(|| Duration::from_secs(10));
                Err(retryable("429", after))
            },
        );
        assert_eq!(waits.len(), 3);
        let secs: Vec<f64> = waits.iter().map(Duration::as_secs_f64).collect();
        assert!((1.0..1.5).contains(&secs[0]), "{secs:?}");
        assert!(
            (10.0..=10.0).contains(&secs[1]),
            "Retry-After wins: {secs:?}"
        );
        assert!((4.0..6.0).contains(&secs[2]), "{secs:?}");
    }
}

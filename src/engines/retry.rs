//! Retrying what an engine says is worth retrying (timeouts, HTTP 429 and
//! 5xx): a few attempts with a growing wait, then the last error. Other
//! errors fail at once: the same request would fail again.

use std::time::Duration;

use super::EngineError;

/// Attempts in all, the first included.
pub const ATTEMPTS: u32 = 3;
pub const FIRST_WAIT: Duration = Duration::from_millis(500);

/// Runs `request` until it succeeds, fails for good, or `attempts` are spent;
/// waits `first_wait`, then twice that, and so on, between attempts.
pub fn with_retries<T>(
    attempts: u32,
    first_wait: Duration,
    mut request: impl FnMut() -> Result<T, EngineError>,
) -> Result<T, EngineError> {
    let mut wait = first_wait;
    let mut attempt = 1;
    loop {
        match request() {
            Err(EngineError::Retryable(_)) if attempt < attempts => {
                std::thread::sleep(wait);
                wait *= 2;
                attempt += 1;
            }
            other => return other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retryable_errors_are_retried_until_success() {
        let mut calls = 0;
        let result = with_retries(3, Duration::ZERO, || {
            calls += 1;
            if calls < 3 {
                Err(EngineError::Retryable("429".into()))
            } else {
                Ok(calls)
            }
        });
        assert_eq!(result, Ok(3));
    }

    #[test]
    fn attempts_run_out_with_the_last_error() {
        let mut calls = 0;
        let result: Result<(), _> = with_retries(3, Duration::ZERO, || {
            calls += 1;
            Err(EngineError::Retryable(format!("503 #{calls}")))
        });
        assert_eq!(result, Err(EngineError::Retryable("503 #3".into())));
    }

    #[test]
    fn other_errors_fail_at_once() {
        let mut calls = 0;
        let result: Result<(), _> = with_retries(3, Duration::ZERO, || {
            calls += 1;
            Err(EngineError::Failed("bad voice".into()))
        });
        assert_eq!(calls, 1);
        assert_eq!(result, Err(EngineError::Failed("bad voice".into())));
    }
}

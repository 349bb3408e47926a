//! How a build copes with a failing remote: it says so once, goes on
//! locally, and after repeated failures stops asking for the rest of the
//! build (a server that is down would otherwise cost a timeout per step).

use std::sync::Mutex;

/// Consecutive failures after which the remote is left alone.
pub const GIVE_UP_AFTER: u32 = 3;

#[derive(Default)]
pub struct Health {
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    consecutive: u32,
    warned: bool,
    off: bool,
}

/// What the build should tell the user after a failure.
#[derive(Debug, PartialEq, Eq)]
pub enum Said {
    /// The first failure: a warning with its reason.
    First,
    /// The one that turned the remote off.
    GivingUp,
    Nothing,
}

impl Health {
    pub fn usable(&self) -> bool {
        !self.state.lock().expect("remote health").off
    }

    pub fn success(&self) {
        self.state.lock().expect("remote health").consecutive = 0;
    }

    /// A transport error, timeout or 5xx.
    pub fn failure(&self) -> Said {
        let mut state = self.state.lock().expect("remote health");
        if state.off {
            return Said::Nothing;
        }
        state.consecutive += 1;
        if state.consecutive >= GIVE_UP_AFTER {
            state.off = true;
            return Said::GivingUp;
        }
        if std::mem::replace(&mut state.warned, true) {
            Said::Nothing
        } else {
            Said::First
        }
    }

    /// Refused credentials: no later request can succeed. True the first time.
    pub fn turn_off(&self) -> bool {
        let mut state = self.state.lock().expect("remote health");
        !std::mem::replace(&mut state.off, true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn warns_once_then_gives_up_after_repeated_failures() {
        let health = Health::default();
        assert_eq!(health.failure(), Said::First);
        assert_eq!(health.failure(), Said::Nothing);
        assert!(health.usable());
        assert_eq!(health.failure(), Said::GivingUp);
        assert!(!health.usable());
        assert_eq!(health.failure(), Said::Nothing);
    }

    #[test]
    fn a_success_resets_the_count_but_not_the_warning() {
        let health = Health::default();
        assert_eq!(health.failure(), Said::First);
        assert_eq!(health.failure(), Said::Nothing);
        health.success();
        assert_eq!(health.failure(), Said::Nothing);
        assert_eq!(health.failure(), Said::Nothing);
        assert!(health.usable());
        assert_eq!(health.failure(), Said::GivingUp);
    }
}

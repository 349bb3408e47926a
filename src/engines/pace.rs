//! `requests_per_minute`: no more than `max` requests start in any window
//! of `window` (a minute, and a little more); the rest wait until the oldest
//! leaves it.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub struct Pace {
    max: usize,
    window: Duration,
    started: Mutex<VecDeque<Instant>>,
}

impl Pace {
    /// A server counts requests when they arrive, a little after pod
    /// starts them and not always equally late: the extra quarter second
    /// keeps one request's delay from putting `max + 1` in a server's minute.
    pub fn per_minute(max: u32) -> Pace {
        Pace::new(max as usize, Duration::from_millis(60_250))
    }

    pub fn new(max: usize, window: Duration) -> Pace {
        Pace {
            max: max.max(1),
            window,
            started: Mutex::new(VecDeque::new()),
        }
    }

    /// Waits until a request may start, and counts it as started then.
    pub fn wait_turn(&self) -> Instant {
        loop {
            let mut started = self.started.lock().expect("pace lock");
            let now = Instant::now();
            while started
                .front()
                .is_some_and(|&t| now.duration_since(t) >= self.window)
            {
                started.pop_front();
            }
            if started.len() < self.max {
                started.push_back(now);
                return now;
            }
            let free_at = started[0] + self.window;
            drop(started);
            std::thread::sleep(free_at.saturating_duration_since(now));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_window_holds_more_than_max_starts() {
        let window = Duration::from_millis(200);
        let pace = Pace::new(3, window);
        let starts = Mutex::new(Vec::new());
        std::thread::scope(|scope| {
            for _ in 0..4 {
                scope.spawn(|| {
                    for _ in 0..2 {
                        let start = pace.wait_turn();
                        starts.lock().unwrap().push(start);
                    }
                });
            }
        });
        let mut starts = starts.into_inner().unwrap();
        starts.sort();
        assert_eq!(starts.len(), 8);
        for (i, &start) in starts.iter().enumerate() {
            let inside = starts[i..]
                .iter()
                .take_while(|&&t| t.duration_since(start) < window)
                .count();
            assert!(inside <= 3, "{inside} starts within one window");
        }
    }
}

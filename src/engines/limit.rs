//! How many requests an engine takes at once: a counting gate around its
//! `speak`. The executor runs `-j` steps in parallel; an engine that allows
//! fewer (a cloud API's concurrency limit) makes the rest wait here.

use std::sync::{Condvar, Mutex};

pub struct Limit {
    max: usize,
    in_use: Mutex<usize>,
    freed: Condvar,
}

/// One request's place; dropping it lets the next one in.
pub struct Permit<'a>(&'a Limit);

impl Limit {
    pub fn new(max: usize) -> Limit {
        Limit {
            max: max.max(1),
            in_use: Mutex::new(0),
            freed: Condvar::new(),
        }
    }

    /// Waits until fewer than `max` requests are running.
    pub fn acquire(&self) -> Permit<'_> {
        let mut in_use = self.in_use.lock().expect("limit lock");
        while *in_use >= self.max {
            in_use = self.freed.wait(in_use).expect("limit lock");
        }
        *in_use += 1;
        Permit(self)
    }
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        *self.0.in_use.lock().expect("limit lock") -= 1;
        self.0.freed.notify_one();
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    use super::*;

    #[test]
    fn never_more_than_max_at_once() {
        let limit = Limit::new(2);
        let running = AtomicUsize::new(0);
        let most = AtomicUsize::new(0);
        std::thread::scope(|scope| {
            for _ in 0..6 {
                scope.spawn(|| {
                    let _permit = limit.acquire();
                    let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                    most.fetch_max(now, Ordering::SeqCst);
                    std::thread::sleep(Duration::from_millis(20));
                    running.fetch_sub(1, Ordering::SeqCst);
                });
            }
        });
        assert_eq!(most.load(Ordering::SeqCst), 2);
    }
}

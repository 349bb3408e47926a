//! Automatic garbage collection after a build: unreferenced entries past
//! their retention, then the oldest unreferenced ones down to a size limit.
//! An entry the current project reaches is never collected.

use std::io;

use super::entries::{self, Removed};
use super::index::Index;
use super::key::ActionKey;
use super::store::Store;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Policy {
    pub retention_days: Option<u32>,
    pub max_size: Option<u64>,
}

impl Policy {
    pub fn is_set(&self) -> bool {
        self.retention_days.is_some() || self.max_size.is_some()
    }
}

pub fn collect(
    store: &Store,
    policy: &Policy,
    reachable: impl Fn(&ActionKey) -> bool,
    now: u64,
) -> io::Result<Removed> {
    let index = Index::load(store.root());
    let all = entries::list(store, &index);
    let mut unreferenced: Vec<&entries::Entry> =
        all.iter().filter(|e| !reachable(&e.key)).collect();
    unreferenced.sort_by_key(|e| (e.last_used, e.key));

    let mut victims: Vec<&entries::Entry> = Vec::new();
    if let Some(days) = policy.retention_days {
        let cutoff = now.saturating_sub(u64::from(days) * 86_400);
        victims.extend(unreferenced.iter().filter(|e| e.last_used < cutoff));
    }
    if let Some(max) = policy.max_size {
        let mut total: u64 = all.iter().map(entries::Entry::size).sum::<u64>()
            - victims.iter().map(|e| e.size()).sum::<u64>();
        for entry in &unreferenced {
            if total <= max {
                break;
            }
            if !victims.iter().any(|v| v.key == entry.key) {
                victims.push(entry);
                total = total.saturating_sub(entry.size());
            }
        }
    }
    entries::remove(store, &all, &victims)
}

//! `pod cache stats | ls | verify`: what is in the cache, whose it is, and
//! whether it is intact.

use std::collections::BTreeMap;

use super::human::{human_bytes, now};
use super::{Exit, verbosity};
use crate::cache::entries::{self, Entry};
use crate::cache::{
    ActionKey, BlobState, Counters, FileLock, Index, LockKind, RemoteTotals, Store,
};
use crate::cli::{CacheLsArgs, CacheStatsArgs, CacheVerifyArgs, LsSort, ProjectArgs};
use crate::diagnostic::Diagnostic;
use crate::message::{
    CacheEntry, CacheStats, Characters, EngineCharacters, HitRates, KindStats, OrphanBlobs, Owner,
};
use crate::paths;
use crate::pipeline::reach::Reach;
use crate::project::{MARKER, TargetLayout};
use crate::report::{MessageFormat, Reporter, Verbosity};
use crate::workspace::Workspace;

/// The cache of the project, its entries, and what the project reaches.
struct Loaded {
    layout: TargetLayout,
    store: Store,
    index: Index,
    entries: Vec<Entry>,
    /// Record files that are not readable records.
    damaged: Vec<ActionKey>,
    reach: Reach,
}

fn load(project: &ProjectArgs, reporter: &Reporter) -> Result<Loaded, Exit> {
    let workspace = Workspace::load(project.manifest_path.as_deref()).map_err(|e| {
        reporter.diagnostic(&e);
        Exit::Usage
    })?;
    let layout = TargetLayout::new(workspace.target_dir(project.target_dir.as_deref()));
    let store = Store::at(&layout.cache());
    let index = Index::load(store.root());
    let (entries, damaged) = entries::list_with_damaged(&store, &index);
    let reach = match workspace.plan(&[]) {
        Ok(planned) => Reach::of(&store, &planned.episodes, planned.show.as_deref()),
        Err(errors) => {
            for error in &errors {
                reporter.diagnostic(&Diagnostic::warning(format!(
                    "the project does not plan, so no entry counts as referenced: {}",
                    error.message
                )));
            }
            Reach::default()
        }
    };
    Ok(Loaded {
        layout,
        store,
        index,
        entries,
        damaged,
        reach,
    })
}

pub fn cache_stats(args: &CacheStatsArgs) -> Exit {
    let reporter = Reporter::new(MessageFormat::Human, Verbosity::Normal);
    let loaded = match load(&args.project, &reporter) {
        Ok(loaded) => loaded,
        Err(exit) => return exit,
    };
    let mut kinds: BTreeMap<String, KindStats> = BTreeMap::new();
    let mut total = KindStats::default();
    for entry in &loaded.entries {
        let size = entry.size();
        let referenced = loaded.reach.reaches(&entry.key);
        for stats in [
            kinds.entry(entry.kind().to_string()).or_default(),
            &mut total,
        ] {
            stats.entries += 1;
            stats.bytes += size;
            if referenced {
                stats.referenced += 1;
                stats.referenced_bytes += size;
            } else {
                stats.unreferenced += 1;
                stats.unreferenced_bytes += size;
            }
        }
    }
    let orphans = entries::orphan_blobs(&loaded.store, &loaded.entries);
    let orphan_bytes: u64 = orphans.iter().map(|(_, size)| size).sum();
    let last = loaded.index.last_build.clone().unwrap_or_default();
    let all = loaded.index.total.clone();

    if args.json {
        let rates = |c: &Counters| HitRates {
            hits: c.hits,
            misses: c.misses,
            hit_rate: c.hit_rate(),
        };
        let characters = |c: &Counters| {
            c.characters
                .iter()
                .map(|(engine, n)| {
                    let n = EngineCharacters {
                        synthesised: n.synthesised,
                        cached: n.cached,
                        remote: n.remote,
                    };
                    (engine.clone(), n)
                })
                .collect()
        };
        let stats = CacheStats {
            cache: loaded.layout.cache().display().to_string(),
            total,
            orphan_blobs: OrphanBlobs {
                count: orphans.len() as u64,
                bytes: orphan_bytes,
            },
            last_build: rates(&last),
            all_builds: rates(&all),
            characters: Characters {
                last_build: characters(&last),
                all_builds: characters(&all),
            },
            remote: crate::message::RemoteStats {
                last_build: last.remote,
                all_builds: all.remote,
            },
            kinds,
        };
        println!(
            "{}",
            serde_json::to_string(&stats).expect("stats serialise")
        );
        return Exit::Success;
    }

    let mut out = String::new();
    out += &format!(
        "cache {} ({} entries, {})\n\n",
        paths::display(&loaded.layout.cache()),
        total.entries,
        human_bytes(total.bytes)
    );
    out += &format!(
        "{:<10} {:>8} {:>11} {:>11} {:>11} {:>13} {:>11}\n",
        "kind", "entries", "size", "referenced", "size", "unreferenced", "size"
    );
    let row = |name: &str, s: &KindStats| {
        format!(
            "{:<10} {:>8} {:>11} {:>11} {:>11} {:>13} {:>11}\n",
            name,
            s.entries,
            human_bytes(s.bytes),
            s.referenced,
            human_bytes(s.referenced_bytes),
            s.unreferenced,
            human_bytes(s.unreferenced_bytes)
        )
    };
    for (kind, stats) in &kinds {
        out += &row(kind, stats);
    }
    out += &row("total", &total);
    if !orphans.is_empty() {
        out += &format!(
            "\n{} blobs no entry names ({})\n",
            orphans.len(),
            human_bytes(orphan_bytes)
        );
    }
    let rate = |c: &Counters| {
        c.hit_rate()
            .map_or("-".to_string(), |r| format!("{:.1}%", r * 100.0))
    };
    out += &format!(
        "\n{:<12} {:>8} {:>8} {:>9}\n",
        "", "hits", "misses", "hit rate"
    );
    out += &format!(
        "{:<12} {:>8} {:>8} {:>9}\n",
        "last build",
        last.hits,
        last.misses,
        rate(&last)
    );
    out += &format!(
        "{:<12} {:>8} {:>8} {:>9}\n",
        "all builds",
        all.hits,
        all.misses,
        rate(&all)
    );
    out += &format!(
        "\n{:<12} {:>22} {:>22}\n",
        "characters", "synthesised (last/all)", "from cache (last/all)"
    );
    for (engine, counts) in &all.characters {
        let last = last.characters.get(engine).copied().unwrap_or_default();
        out += &format!(
            "{:<12} {:>22} {:>22}\n",
            engine,
            format!("{} / {}", last.synthesised, counts.synthesised),
            format!("{} / {}", last.cached, counts.cached)
        );
    }
    if all.remote != RemoteTotals::default() {
        let (l, a) = (&last.remote, &all.remote);
        out += &format!("\n{:<12} {:>22}\n", "remote cache", "last / all builds");
        let rows = [
            ("hits", format!("{} / {}", l.hits, a.hits)),
            (
                "downloaded",
                format!(
                    "{} / {}",
                    human_bytes(l.downloaded_bytes),
                    human_bytes(a.downloaded_bytes)
                ),
            ),
            (
                "uploaded",
                format!(
                    "{} / {}",
                    human_bytes(l.uploaded_bytes),
                    human_bytes(a.uploaded_bytes)
                ),
            ),
            ("rejected", format!("{} / {}", l.rejected, a.rejected)),
        ];
        for (name, value) in rows {
            out += &format!("{name:<12} {value:>22}\n");
        }
        for (engine, counts) in &all.characters {
            let last = last.characters.get(engine).copied().unwrap_or_default();
            out += &format!(
                "{:<12} {:>22}\n",
                format!("{engine} chars"),
                format!("{} / {}", last.remote, counts.remote)
            );
        }
    }
    print!("{out}");
    Exit::Success
}

pub fn cache_ls(args: &CacheLsArgs) -> Exit {
    let reporter = Reporter::new(MessageFormat::Human, Verbosity::Normal);
    let mut loaded = match load(&args.project, &reporter) {
        Ok(loaded) => loaded,
        Err(exit) => return exit,
    };
    match args.sort {
        Some(LsSort::Size) => loaded.entries.sort_by_key(|e| std::cmp::Reverse(e.size())),
        Some(LsSort::LastUsed) => loaded
            .entries
            .sort_by_key(|e| std::cmp::Reverse(e.last_used)),
        Some(LsSort::Hits) => loaded.entries.sort_by_key(|e| std::cmp::Reverse(e.hits)),
        None => loaded
            .entries
            .sort_by(|a, b| (a.kind(), a.key).cmp(&(b.kind(), b.key))),
    }
    let now = now();
    let mut out = String::new();
    if !args.json {
        out += &format!(
            "{:<14} {:<9} {:>10} {:>5} {:>10}  {}\n",
            "key", "kind", "size", "hits", "last used", "belongs to"
        );
    }
    for entry in &loaded.entries {
        let owners = loaded
            .reach
            .owners
            .get(&entry.key)
            .cloned()
            .unwrap_or_default();
        if args.json {
            let line = CacheEntry {
                key: entry.key.hex(),
                kind: entry.kind().to_string(),
                size: entry.size(),
                hits: entry.hits,
                last_used: entry.last_used,
                referenced: !owners.is_empty(),
                belongs_to: owners
                    .iter()
                    .map(|o| Owner {
                        episode: o.episode.to_string(),
                        what: o.what.to_string(),
                    })
                    .collect(),
            };
            out += &serde_json::to_string(&line).expect("an entry serialises");
            out.push('\n');
        } else {
            let belongs = match owners.as_slice() {
                [] => "(unreferenced)".to_string(),
                [one] => format!("{}: {}", one.episode, one.what),
                [one, rest @ ..] => format!("{}: {} (+{} more)", one.episode, one.what, rest.len()),
            };
            out += &format!(
                "{:<14} {:<9} {:>10} {:>5} {:>10}  {}\n",
                &entry.key.hex()[..12],
                entry.kind(),
                human_bytes(entry.size()),
                entry.hits,
                ago(now, entry.last_used),
                belongs
            );
        }
    }
    print!("{out}");
    Exit::Success
}

fn ago(now: u64, then: u64) -> String {
    let seconds = now.saturating_sub(then);
    match seconds {
        0..60 => "just now".into(),
        60..3_600 => format!("{}m ago", seconds / 60),
        3_600..86_400 => format!("{}h ago", seconds / 3_600),
        _ => format!("{}d ago", seconds / 86_400),
    }
}

pub fn cache_verify(args: &CacheVerifyArgs) -> Exit {
    let reporter = Reporter::new(MessageFormat::Human, verbosity(&args.output));
    let loaded = match load(&args.project, &reporter) {
        Ok(loaded) => loaded,
        Err(exit) => return exit,
    };
    // Only a directory pod made gets a lock file, or has anything removed.
    let owned = loaded.layout.root.join(MARKER).exists();
    let _lock = if args.fix && owned {
        match FileLock::acquire(&loaded.layout.lock_file(), LockKind::Exclusive) {
            Ok(lock) => Some(lock),
            Err(e) => {
                reporter.diagnostic(&Diagnostic::error(format!(
                    "cannot lock the target directory: {e}"
                )));
                return Exit::Failed;
            }
        }
    } else {
        None
    };
    // A corrupt blob is damage: its bytes are not what its hash says. A
    // missing one is only a cost: the next build re-runs the step that made
    // it, and `pod status` still knows what that step will make.
    let mut corrupt: Vec<&Entry> = Vec::new();
    let mut without_blob = 0usize;
    let mut corrupt_blobs = Vec::new();
    let mut bytes = 0;
    for entry in &loaded.entries {
        bytes += entry.size();
        let hash = entry.record.output.hash;
        match loaded.store.verify(&hash) {
            BlobState::Intact => {}
            BlobState::Missing => without_blob += 1,
            BlobState::Corrupt => {
                reporter.diagnostic(&Diagnostic::warning(format!(
                    "{} entry {} has a corrupt blob {}",
                    entry.kind(),
                    &entry.key.hex()[..12],
                    &hash.hex()[..12]
                )));
                if !corrupt_blobs.contains(&hash) {
                    corrupt_blobs.push(hash);
                }
                corrupt.push(entry);
            }
        }
    }
    // A truncated or garbled record is damage too: the build would rerun its step.
    for key in &loaded.damaged {
        reporter.diagnostic(&Diagnostic::warning(format!(
            "damaged record {}: not a readable action record",
            paths::display(&loaded.store.record_file(key))
        )));
    }
    // Blobs no entry names are checked too: a later build may reuse them.
    let orphans = entries::orphan_blobs(&loaded.store, &loaded.entries);
    for (hash, _) in &orphans {
        if loaded.store.verify(hash) == BlobState::Corrupt {
            reporter.diagnostic(&Diagnostic::warning(format!(
                "blob {} (named by no entry) is corrupt",
                &hash.hex()[..12]
            )));
            corrupt_blobs.push(*hash);
        }
    }
    let problems = loaded.damaged.len() + corrupt_blobs.len();
    reporter.status(
        "Verified",
        &format!(
            "{} entries, {} blobs ({}): {} problem{}",
            loaded.entries.len() + loaded.damaged.len(),
            loaded.entries.len() + orphans.len(),
            human_bytes(bytes),
            problems,
            if problems == 1 { "" } else { "s" }
        ),
    );
    if without_blob > 0 {
        reporter.status(
            "Note",
            &format!(
                "{without_blob} entr{} no blob; the next build re-runs {} step{} and nothing after {}",
                if without_blob == 1 { "y has" } else { "ies have" },
                if without_blob == 1 { "its" } else { "their" },
                if without_blob == 1 { "" } else { "s" },
                if without_blob == 1 { "it" } else { "them" },
            ),
        );
    }
    if problems == 0 {
        return Exit::Success;
    }
    if !args.fix {
        reporter.status(
            "Hint",
            "run `pod cache verify --fix` to remove them; the next build rebuilds them",
        );
        return Exit::Failed;
    }
    if !owned {
        reporter.diagnostic(&Diagnostic::error(format!(
            "refusing to fix `{}`: it was not created by pod",
            paths::display(&loaded.layout.root)
        )));
        return Exit::Usage;
    }
    // The records of corrupt blobs stay: they still say truly what their
    // steps make, so the next build re-runs exactly those steps, finds the
    // same outputs and reuses everything after them (and `pod status`
    // predicts just that).
    for hash in &corrupt_blobs {
        loaded.store.remove_blob(hash);
    }
    for key in &loaded.damaged {
        if let Err(e) = loaded.store.remove_record(key) {
            reporter.diagnostic(&Diagnostic::error(format!(
                "removing a damaged record: {e}"
            )));
            return Exit::Failed;
        }
    }
    reporter.status(
        "Removed",
        &format!(
            "{} corrupt blob{} and {} damaged record{}; the next build re-runs the {} step{} that made them",
            corrupt_blobs.len(),
            if corrupt_blobs.len() == 1 { "" } else { "s" },
            loaded.damaged.len(),
            if loaded.damaged.len() == 1 { "" } else { "s" },
            corrupt.len() + loaded.damaged.len(),
            if corrupt.len() + loaded.damaged.len() == 1 { "" } else { "s" },
        ),
    );
    Exit::Success
}

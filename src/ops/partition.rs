//! `--partition K/N`: the episodes one of N CI runners builds.

use crate::cli::Partition;
use crate::workspace::Workspace;

/// The episodes to plan: `requested` (all when empty) narrowed to the
/// share. `None`: no episode falls in it.
pub(super) fn select(
    workspace: &Workspace,
    requested: &[String],
    partition: Option<Partition>,
) -> Option<Vec<String>> {
    let Some(partition) = partition else {
        return Some(requested.to_vec());
    };
    let base = if requested.is_empty() {
        workspace.episode_ids()
    } else {
        requested.to_vec()
    };
    let held: Vec<String> = base.into_iter().filter(|id| partition.holds(id)).collect();
    (!held.is_empty()).then_some(held)
}

/// What to say when a share is empty.
pub(super) fn empty(partition: Option<Partition>) -> String {
    let p = partition.expect("only a partition can be empty");
    format!("no episode falls in share {}/{}", p.index, p.count)
}

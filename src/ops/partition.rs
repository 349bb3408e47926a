//! Which episodes a command builds: `-e` globs and ids, then `--partition
//! K/N`, the episodes one of N CI runners builds.

use crate::cli::Partition;
use crate::diagnostic::Diagnostic;
use crate::workspace::Workspace;

/// The episodes to plan: those `requested` selects (all when empty)
/// narrowed to the share. `Ok(None)`: no episode falls in it.
pub(super) fn select(
    workspace: &Workspace,
    requested: &[String],
    partition: Option<Partition>,
) -> Result<Option<Vec<String>>, Diagnostic> {
    let selected = workspace.select(requested)?;
    let Some(partition) = partition else {
        return Ok(Some(selected));
    };
    let base = if requested.is_empty() {
        workspace.episode_ids()
    } else {
        selected
    };
    let held: Vec<String> = base.into_iter().filter(|id| partition.holds(id)).collect();
    Ok((!held.is_empty()).then_some(held))
}

/// What to say when a share is empty.
pub(super) fn empty(partition: Option<Partition>) -> String {
    let p = partition.expect("only a partition can be empty");
    format!("no episode falls in share {}/{}", p.index, p.count)
}

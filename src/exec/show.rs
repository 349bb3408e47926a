//! The show stage, run once every episode is built: the feed, published
//! next to the episodes.

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};

use super::executor::{Executor, damaged_again};
use super::outcome::{PublishedOutput, StepOutcome};
use super::runner::ExecRunner;
use crate::diagnostic::Diagnostic;
use crate::paths::display;
use crate::pipeline::show::{SHOW, show};
use crate::pipeline::{Produced, Stop};
use crate::published;
use crate::show::ShowPlan;

/// What the show stage did.
pub(super) struct ShowResult {
    pub(super) steps: Vec<StepOutcome>,
    pub(super) outputs: Vec<PublishedOutput>,
}

impl Executor<'_> {
    /// `produced`: each episode's outputs, by id.
    pub(super) fn show(
        &self,
        plan: &ShowPlan,
        produced: &HashMap<String, Produced>,
    ) -> Result<ShowResult, Diagnostic> {
        let mut seen = HashSet::new();
        loop {
            let runner = ExecRunner {
                exec: self,
                episode: SHOW,
                steps: RefCell::new(Vec::new()),
            };
            let walked = show(&runner, plan, |episode| produced.get(&episode.id));
            let stop = match walked {
                Ok(made) => {
                    let mut outputs = Vec::new();
                    let mut damaged = None;
                    for (kind, name, blob) in &made.outputs {
                        let path = self.layout.outputs().join(name);
                        let manifest = published::show_manifest(self.layout, name);
                        let changed = !published::is_fresh(&path, &manifest, &blob.hash);
                        if changed {
                            let written = manifest
                                .parent()
                                .map_or(Ok(()), std::fs::create_dir_all)
                                .and_then(|()| self.publish(blob, &path, &manifest));
                            match written {
                                Ok(true) => self.reporter.status("Writing", &display(&path)),
                                Ok(false) => {
                                    damaged = Some(blob.hash);
                                    break;
                                }
                                Err(e) => {
                                    return Err(Diagnostic::error(format!(
                                        "writing {}: {e}",
                                        display(&path)
                                    )));
                                }
                            }
                        } else {
                            self.reporter.verbose_status("Fresh", &display(&path));
                        }
                        outputs.push(PublishedOutput {
                            episode: SHOW.to_string(),
                            format: kind,
                            path,
                            changed,
                        });
                    }
                    match damaged {
                        None => {
                            return Ok(ShowResult {
                                steps: runner.steps.into_inner(),
                                outputs,
                            });
                        }
                        Some(hash) => Stop::Corrupt(hash),
                    }
                }
                Err(stop) => stop,
            };
            match stop {
                Stop::Corrupt(hash) if seen.insert(hash) => self.corrupt(SHOW, &hash),
                Stop::Failed(diag) => return Err(diag),
                _ => return Err(damaged_again(SHOW)),
            }
        }
    }
}

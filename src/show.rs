//! The show-level plan: what is built once for the whole show after its
//! episodes (the RSS feed), and which episodes it lists.

use std::sync::Arc;

use crate::config::{Config, Feed};
use crate::diagnostic::{Diagnostic, Location};
use crate::plan::EpisodePlan;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ShowPlan {
    pub title: String,
    pub feed: Feed,
    /// The episodes the feed lists: neither drafts nor dated after today.
    pub listed: Vec<Arc<EpisodePlan>>,
}

impl ShowPlan {
    /// The show stage of a build of every episode, when `[feed]` asks for
    /// one. `today` (`YYYY-MM-DD`) decides which dated episodes are out
    /// yet; it is the one input the clock gives, and only through the list.
    /// `script_text` gives a script's text, to point at its front matter.
    pub fn new(
        config: &Config,
        episodes: &[Arc<EpisodePlan>],
        today: &str,
        script_text: impl Fn(&EpisodePlan) -> Option<Arc<str>>,
    ) -> Result<Option<ShowPlan>, Vec<Diagnostic>> {
        let Some(feed) = &config.feed else {
            return Ok(None);
        };
        let mut errors = Vec::new();
        let mut listed = Vec::new();
        for plan in episodes.iter().filter(|p| !p.release.draft) {
            match &plan.tags.date {
                // ISO dates compare as text.
                Some(date) if date.as_str() <= today => listed.push(plan.clone()),
                Some(_) => {}
                None => {
                    let mut error = Diagnostic::error(format!(
                        "episode `{}` has no date, and the feed lists episodes by date",
                        plan.id
                    ))
                    .with_help(
                        "add `date = 2026-11-02` to its front matter, or `draft = true` to keep it out of the feed",
                    );
                    if let Some(text) = script_text(plan) {
                        error = error.at(Location::new(&plan.source, &text, 0..0));
                    }
                    errors.push(error);
                }
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(Some(ShowPlan {
            title: config.title.clone(),
            feed: feed.clone(),
            listed,
        }))
    }
}

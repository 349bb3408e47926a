//! The show-level plan: what is built once for the whole show after its
//! episodes (the RSS feed, the website), and which episodes they list.

use std::sync::Arc;

use std::path::PathBuf;

use crate::config::{Config, Feed, Site, Sourced};
use crate::diagnostic::{Diagnostic, Location};
use crate::plan::EpisodePlan;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ShowPlan {
    pub title: String,
    pub description: Option<String>,
    pub language: String,
    pub feed: Option<Feed>,
    pub site: Option<Site>,
    /// The show's picture: the feed's image, else `[podcast] cover`.
    pub cover: Option<Sourced<PathBuf>>,
    /// The episodes listed: neither drafts nor dated after today.
    pub listed: Vec<Arc<EpisodePlan>>,
}

impl ShowPlan {
    /// The show stage of a build of every episode, when `[feed]` or
    /// `[site]` asks for one. `today` (`YYYY-MM-DD`) decides which dated episodes are out
    /// yet; it is the one input the clock gives, and only through the list.
    /// `script_text` gives a script's text, to point at its front matter.
    pub fn new(
        config: &Config,
        episodes: &[Arc<EpisodePlan>],
        today: &str,
        script_text: impl Fn(&EpisodePlan) -> Option<Arc<str>>,
    ) -> Result<Option<ShowPlan>, Vec<Diagnostic>> {
        if config.feed.is_none() && config.site.is_none() {
            return Ok(None);
        }
        let mut errors = Vec::new();
        let mut listed = Vec::new();
        for plan in episodes.iter().filter(|p| !p.release.draft) {
            match &plan.tags.date {
                // ISO dates compare as text.
                Some(date) if date.as_str() <= today => listed.push(plan.clone()),
                Some(_) => {}
                // The site alone lists undated episodes; the feed cannot.
                None if config.feed.is_none() => listed.push(plan.clone()),
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
        let cover = match &config.feed {
            Some(feed) => Some(feed.image.clone()),
            None => config.cover.clone(),
        };
        Ok(Some(ShowPlan {
            title: config.title.clone(),
            description: config.description.clone(),
            language: config.language.clone().unwrap_or_else(|| "en".to_string()),
            feed: config.feed.clone(),
            site: config.site.clone(),
            cover,
            listed,
        }))
    }
}

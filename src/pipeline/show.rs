//! The show's stage, after every episode: the feed, written once, and the
//! image it names. Walked by the same three interpreters as an episode.

use super::{Produced, Runner, Stop};
use crate::cache::BlobRef;
use crate::config::Format;
use crate::media::Origin;
use crate::place::Place;
use crate::plan::EpisodePlan;
use crate::show::ShowPlan;
use crate::steps::feed::{Feed, FeedFile, FeedInput, FeedItem};

/// The published name of the feed.
pub const FEED_NAME: &str = "feed.xml";

/// The show's files: each published name and its blob.
pub struct ShowProduced {
    pub outputs: Vec<(String, BlobRef)>,
}

/// Where a show-level step is (`@show/feed`).
pub fn place(what: &str) -> Place {
    Place::step(SHOW, what)
}

/// What show-level steps give as their episode.
pub const SHOW: &str = "@show";

/// Walks the show's stage. `produced` finds what an episode produced
/// (every listed one was built in this build).
pub fn show<'p, R: Runner>(
    r: &R,
    show: &ShowPlan,
    produced: impl Fn(&EpisodePlan) -> Option<&'p Produced>,
) -> Result<ShowProduced, Stop> {
    let feed = &show.feed;
    let image_hash = r.import(
        &feed.image.value,
        &Origin::Config(feed.image.location.clone()),
    )?;
    let png = feed
        .image
        .value
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("png"));
    let image_size = std::fs::metadata(&feed.image.value).map_or(0, |m| m.len());
    let image = FeedFile {
        name: format!("feed-image.{}", if png { "png" } else { "jpg" }),
        mime: if png { "image/png" } else { "image/jpeg" }.to_string(),
        size: image_size,
        hash: image_hash,
    };
    let mut items = Vec::new();
    for plan in &show.listed {
        let produced = produced(plan).ok_or(Stop::Pending)?;
        items.push(item(plan, produced, feed.enclosure)?);
    }
    // Newest first, as podcast apps expect; the same day by number.
    items.sort_by(|a, b| {
        (&b.date, b.number)
            .cmp(&(&a.date, a.number))
            .then_with(|| a.id.cmp(&b.id))
    });
    let input = FeedInput {
        title: show.title.clone(),
        base_url: feed.base_url.clone(),
        description: feed.description.clone(),
        author: feed.author.clone(),
        language: feed.language.clone(),
        link: feed.link.clone(),
        copyright: feed.copyright.clone(),
        image: image.clone(),
        categories: feed.categories.clone(),
        explicit: feed.explicit,
        owner: feed
            .owner
            .as_ref()
            .map(|o| (o.name.clone(), o.email.clone())),
        serial: feed.serial,
        locked: feed.locked,
        items,
    };
    let xml = r.step::<Feed>(&place("feed"), &input)?;
    Ok(ShowProduced {
        outputs: vec![
            (FEED_NAME.to_string(), xml),
            (
                image.name,
                BlobRef {
                    hash: image.hash,
                    size: image.size,
                    frames: None,
                },
            ),
        ],
    })
}

fn item(plan: &EpisodePlan, produced: &Produced, enclosure: Format) -> Result<FeedItem, Stop> {
    let file = |format: Format, mime: &str| {
        produced
            .outputs
            .iter()
            .find(|(f, _)| *f == format)
            .map(|(_, blob)| FeedFile {
                name: format!("{}.{}", plan.id, format.extension()),
                mime: mime.to_string(),
                size: blob.size,
                hash: blob.hash,
            })
    };
    let enclosed = file(enclosure, enclosure_mime(enclosure)).ok_or(Stop::Pending)?;
    let transcripts = [
        (Format::Vtt, "text/vtt"),
        (Format::Srt, "application/x-subrip"),
        (Format::Transcript, "application/json"),
    ]
    .into_iter()
    .filter_map(|(format, mime)| file(format, mime))
    .collect();
    let mut persons = plan.release.persons.clone();
    persons.sort_by_key(|(_, role)| role != "host");
    Ok(FeedItem {
        id: plan.id.clone(),
        title: plan.tags.title.clone(),
        description: plan.tags.description.clone(),
        date: plan.tags.date.clone().unwrap_or_default(),
        number: plan.tags.number,
        season: plan.release.season,
        episode_type: plan.release.episode_type,
        guid: plan.release.guid.clone(),
        duration_ms: produced.duration_ms,
        enclosure: enclosed,
        transcripts,
        chapters: file(Format::Chapters, "application/json+chapters"),
        persons,
    })
}

/// The MIME types Apple Podcasts lists for enclosures.
fn enclosure_mime(format: Format) -> &'static str {
    match format {
        Format::Mp3 => "audio/mpeg",
        Format::M4a | Format::M4b => "audio/x-m4a",
        Format::Mp4 => "video/mp4",
        _ => "application/octet-stream",
    }
}

//! The show's stage, after every episode: the feed and the image it names,
//! and the website's pages. Walked by the same three interpreters as an
//! episode.

use std::path::PathBuf;

use super::{Produced, Runner, Stop};
use crate::cache::BlobRef;
use crate::config::{Format, Site, Sourced};
use crate::media::Origin;
use crate::place::Place;
use crate::plan::EpisodePlan;
use crate::show::ShowPlan;
use crate::steps::feed::{Feed, FeedFile, FeedInput, FeedItem};
use crate::steps::site::{IndexEntry, IndexInput, PageInput, SiteFrame, SiteIndex, SitePage};

/// The published name of the feed.
pub const FEED_NAME: &str = "feed.xml";

/// The show's files: what each is (`feed`, `site`), its published name
/// (relative to the outputs), and its blob.
pub struct ShowProduced {
    pub outputs: Vec<(&'static str, String, BlobRef)>,
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
    let mut outputs = Vec::new();
    let cover = match &show.cover {
        Some(cover) => Some(image(r, cover)?),
        None => None,
    };
    let mut episodes = Vec::new();
    for plan in &show.listed {
        episodes.push((plan.as_ref(), produced(plan).ok_or(Stop::Pending)?));
    }
    // Newest first, as podcast apps and sites list them; the same day by number.
    episodes.sort_by(|(a, _), (b, _)| {
        (&b.tags.date, b.tags.number)
            .cmp(&(&a.tags.date, a.tags.number))
            .then_with(|| a.id.cmp(&b.id))
    });
    let ids: Vec<&str> = episodes.iter().map(|(plan, _)| plan.id.as_str()).collect();
    if let Some(feed) = &show.feed {
        let image = cover.clone().expect("a feed always has an image");
        let xml = r.reading(&ids, || self::feed(r, show, feed, &image, &episodes))?;
        outputs.push(("feed", FEED_NAME.to_string(), xml));
        outputs.push(("feed", image.name.clone(), blob_of(&image)));
    }
    if let Some(site) = &show.site {
        outputs.extend(self::site(r, show, site, cover.as_ref(), &episodes)?);
    }
    Ok(ShowProduced { outputs })
}

/// The show's picture, imported, as `feed-image.png` (or `.jpg`).
fn image<R: Runner>(r: &R, cover: &Sourced<PathBuf>) -> Result<FeedFile, Stop> {
    let hash = r.import(&cover.value, &Origin::Config(cover.location.clone()))?;
    let png = cover
        .value
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("png"));
    Ok(FeedFile {
        name: format!("feed-image.{}", if png { "png" } else { "jpg" }),
        mime: if png { "image/png" } else { "image/jpeg" }.to_string(),
        size: std::fs::metadata(&cover.value).map_or(0, |m| m.len()),
        hash,
    })
}

fn blob_of(file: &FeedFile) -> BlobRef {
    BlobRef {
        hash: file.hash,
        size: file.size,
        frames: None,
    }
}

fn feed<R: Runner>(
    r: &R,
    show: &ShowPlan,
    feed: &crate::config::Feed,
    image: &FeedFile,
    episodes: &[(&EpisodePlan, &Produced)],
) -> Result<BlobRef, Stop> {
    let items = episodes
        .iter()
        .map(|(plan, produced)| {
            let page = show.site.as_ref().map(|_| format!("site/{}.html", plan.id));
            item(plan, produced, feed.enclosure, page)
        })
        .collect::<Result<Vec<_>, Stop>>()?;
    let input = FeedInput {
        title: show.title.clone(),
        base_url: feed.base_url.clone(),
        description: feed.description.clone(),
        author: feed.author.clone(),
        language: feed.language.clone(),
        link: feed.link.clone(),
        site: show.site.as_ref().map(|_| "site/index.html".to_string()),
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
    r.step::<Feed>(&place("feed"), &input)
}

/// The site's pages: one per listed episode, the index, and the cover.
fn site<R: Runner>(
    r: &R,
    show: &ShowPlan,
    site: &Site,
    cover: Option<&FeedFile>,
    episodes: &[(&EpisodePlan, &Produced)],
) -> Result<Vec<(&'static str, String, BlobRef)>, Stop> {
    let frame = SiteFrame {
        title: site.title.clone().unwrap_or_else(|| show.title.clone()),
        language: show.language.clone(),
        accent: site.accent,
        background: site.background,
        text: site.text,
        links: site.links.clone(),
        cover: cover.map(|c| c.name.clone()),
        feed: show.feed.as_ref().map(|_| format!("../{FEED_NAME}")),
    };
    let mut outputs = Vec::new();
    let mut entries = Vec::new();
    for (plan, produced) in episodes {
        let input = PageInput {
            frame: frame.clone(),
            title: plan.tags.title.clone(),
            description: plan.tags.description.clone(),
            date: plan.tags.date.clone(),
            duration_ms: produced.duration_ms,
            audio: format!("../{}.{}", plan.id, site.audio.extension()),
            audio_mime: playable_mime(site.audio).to_string(),
            chapters: produced.chapters.clone(),
            cues: produced.cues.clone(),
        };
        // Only the audio's name is in the page, not its hash: a page
        // changes with what it shows, and the episode publishes the file.
        let page = format!("{}.html", plan.id);
        let blob = r.reading(&[&plan.id], || {
            r.step::<SitePage>(&place(&format!("site/{}", plan.id)), &input)
        })?;
        outputs.push(("site", format!("site/{page}"), blob));
        entries.push(IndexEntry {
            page,
            title: plan.tags.title.clone(),
            description: plan.tags.description.clone(),
            date: plan.tags.date.clone(),
            duration_ms: produced.duration_ms,
        });
    }
    let ids: Vec<&str> = episodes.iter().map(|(plan, _)| plan.id.as_str()).collect();
    let index = r.reading(&ids, || {
        r.step::<SiteIndex>(
            &place("site/index"),
            &IndexInput {
                frame: frame.clone(),
                description: show.description.clone(),
                episodes: entries,
            },
        )
    })?;
    outputs.push(("site", "site/index.html".to_string(), index));
    if let Some(cover) = cover {
        outputs.push(("site", format!("site/{}", cover.name), blob_of(cover)));
    }
    Ok(outputs)
}

/// What a browser is told each playable format is.
fn playable_mime(format: Format) -> &'static str {
    match format {
        Format::Mp3 => "audio/mpeg",
        Format::M4a | Format::M4b => "audio/mp4",
        Format::Flac => "audio/flac",
        Format::Wav => "audio/wav",
        _ => "application/octet-stream",
    }
}

fn item(
    plan: &EpisodePlan,
    produced: &Produced,
    enclosure: Format,
    page: Option<String>,
) -> Result<FeedItem, Stop> {
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
        page,
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

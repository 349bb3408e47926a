//! `feed`: the show's `feed.xml`, RSS 2.0 with Apple's `itunes` tags and
//! the Podcasting 2.0 namespace. Its input is every fact the feed states
//! (titles, dates, each file's name, size and hash, durations), so the
//! feed changes exactly when one of them does; the clock is not one.

use std::fs::File;
use std::io::Write;

use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};
use serde::{Deserialize, Serialize};

use super::html::escape;
use crate::cache::ContentHash;
use crate::config::EpisodeType;
use crate::step::{Step, StepError, Tools};

/// The namespace the Podcasting 2.0 spec gives for `podcast:guid`.
const PODCAST_GUID_NAMESPACE: uuid::Uuid = uuid::uuid!("ead4c236-bf58-58c6-a2c6-a6b28d128cb6");

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct FeedInput {
    pub title: String,
    /// Where the outputs are served, ending in `/`.
    pub base_url: String,
    pub description: String,
    pub author: String,
    pub language: String,
    pub link: Option<String>,
    /// The website's index (relative to `base_url`), when there is one.
    pub site: Option<String>,
    pub copyright: Option<String>,
    pub image: FeedFile,
    pub categories: Vec<(String, Option<String>)>,
    pub explicit: bool,
    /// Name and email.
    pub owner: Option<(Option<String>, String)>,
    pub serial: bool,
    pub locked: bool,
    /// Newest first.
    pub items: Vec<FeedItem>,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct FeedItem {
    pub id: String,
    pub title: String,
    pub description: Option<String>,
    /// `YYYY-MM-DD`.
    pub date: String,
    pub number: Option<u32>,
    pub season: Option<u32>,
    pub episode_type: EpisodeType,
    /// As written in front matter; otherwise derived from the feed and the id.
    pub guid: Option<String>,
    pub duration_ms: u64,
    pub enclosure: FeedFile,
    pub transcripts: Vec<FeedFile>,
    pub chapters: Option<FeedFile>,
    /// Speakers by name, with their role (`host`, `guest`).
    pub persons: Vec<(String, String)>,
    /// The episode's web page (relative to `base_url`), when there is a site.
    pub page: Option<String>,
}

/// A published file the feed points at.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct FeedFile {
    pub name: String,
    pub mime: String,
    pub size: u64,
    pub hash: ContentHash,
}

pub struct Feed;

impl Step for Feed {
    const KIND: &'static str = "feed";
    // 2: descriptions escaped by steps::html (quotes too).
    const VERSION: u32 = 2;
    type Input = FeedInput;

    fn run(input: &FeedInput, _tools: &Tools, out: &mut File) -> Result<(), StepError> {
        let xml = render(input).map_err(|e| StepError::Failed(format!("writing feed.xml: {e}")))?;
        out.write_all(&xml)?;
        Ok(())
    }
}

impl FeedInput {
    pub fn feed_url(&self) -> String {
        format!("{}feed.xml", self.base_url)
    }

    /// `podcast:guid`: the UUIDv5 of the feed's URL without its scheme and
    /// trailing slashes, as the namespace specifies, so any app derives
    /// the same one.
    pub fn podcast_guid(&self) -> uuid::Uuid {
        guid_of(&self.feed_url())
    }

    fn url(&self, file: &FeedFile) -> String {
        format!("{}{}", self.base_url, url_path(&file.name))
    }
}

impl FeedItem {
    /// Stable across rebuilds and hosts: the show's guid and the episode's id.
    fn guid(&self, show: uuid::Uuid) -> String {
        self.guid
            .clone()
            .unwrap_or_else(|| uuid::Uuid::new_v5(&show, self.id.as_bytes()).to_string())
    }
}

fn guid_of(feed_url: &str) -> uuid::Uuid {
    let bare = feed_url
        .split_once("://")
        .map_or(feed_url, |(_, rest)| rest);
    uuid::Uuid::new_v5(
        &PODCAST_GUID_NAMESPACE,
        bare.trim_end_matches('/').as_bytes(),
    )
}

/// A file name as a URL path segment.
fn url_path(name: &str) -> String {
    let mut out = String::new();
    for byte in name.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(byte as char)
            }
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

/// `Mon, 02 Nov 2026 00:00:00 +0000` for `2026-11-02`.
pub fn rfc2822(date: &str) -> Result<String, String> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    let day = time::Date::parse(date, &format).map_err(|e| format!("date `{date}`: {e}"))?;
    day.midnight()
        .assume_utc()
        .format(&time::format_description::well_known::Rfc2822)
        .map_err(|e| e.to_string())
}

/// `HH:MM:SS`, rounded to the nearest second.
fn duration(ms: u64) -> String {
    let s = (ms + 500) / 1000;
    format!("{:02}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
}

struct Xml(Writer<Vec<u8>>);

impl Xml {
    fn open(&mut self, name: &str, attributes: &[(&str, &str)]) -> std::io::Result<()> {
        let mut start = BytesStart::new(name);
        for attribute in attributes {
            start.push_attribute(*attribute);
        }
        self.0.write_event(Event::Start(start))
    }

    fn close(&mut self, name: &str) -> std::io::Result<()> {
        self.0.write_event(Event::End(BytesEnd::new(name)))
    }

    fn empty(&mut self, name: &str, attributes: &[(&str, &str)]) -> std::io::Result<()> {
        let mut start = BytesStart::new(name);
        for attribute in attributes {
            start.push_attribute(*attribute);
        }
        self.0.write_event(Event::Empty(start))
    }

    fn text(&mut self, name: &str, attributes: &[(&str, &str)], text: &str) -> std::io::Result<()> {
        self.open(name, attributes)?;
        // Only what XML requires is escaped: apostrophes and quotes stay.
        let escaped = quick_xml::escape::partial_escape(text);
        self.0
            .write_event(Event::Text(BytesText::from_escaped(escaped)))?;
        self.close(name)
    }
}

fn yes_no(value: bool, yes: &'static str, no: &'static str) -> &'static str {
    if value { yes } else { no }
}

pub fn render(feed: &FeedInput) -> std::io::Result<Vec<u8>> {
    let mut x = Xml(Writer::new_with_indent(Vec::new(), b' ', 2));
    x.0.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
    x.open(
        "rss",
        &[
            ("version", "2.0"),
            ("xmlns:itunes", "http://www.itunes.com/dtds/podcast-1.0.dtd"),
            ("xmlns:podcast", "https://podcastindex.org/namespace/1.0"),
            ("xmlns:atom", "http://www.w3.org/2005/Atom"),
            ("xmlns:content", "http://purl.org/rss/1.0/modules/content/"),
        ],
    )?;
    x.open("channel", &[])?;
    let feed_url = feed.feed_url();
    // The show's web page: as configured, else the site's index, else the outputs.
    let link = match (&feed.link, &feed.site) {
        (Some(link), _) => link.clone(),
        (None, Some(site)) => format!("{}{}", feed.base_url, site),
        (None, None) => feed.base_url.clone(),
    };
    let show_guid = feed.podcast_guid();
    x.empty(
        "atom:link",
        &[
            ("href", &feed_url),
            ("rel", "self"),
            ("type", "application/rss+xml"),
        ],
    )?;
    x.text("title", &[], &feed.title)?;
    x.text("link", &[], &link)?;
    x.text("description", &[], &escape(&feed.description))?;
    x.text("language", &[], &feed.language)?;
    if let Some(copyright) = &feed.copyright {
        x.text("copyright", &[], copyright)?;
    }
    // The newest episode's date: the feed's bytes depend on its inputs only.
    if let Some(newest) = feed.items.first() {
        x.text(
            "pubDate",
            &[],
            &rfc2822(&newest.date).map_err(std::io::Error::other)?,
        )?;
    }
    x.text("generator", &[], "pod")?;
    let image = feed.url(&feed.image);
    x.open("image", &[])?;
    x.text("url", &[], &image)?;
    x.text("title", &[], &feed.title)?;
    x.text("link", &[], &link)?;
    x.close("image")?;
    x.empty("itunes:image", &[("href", &image)])?;
    x.text("itunes:author", &[], &feed.author)?;
    x.text("itunes:summary", &[], &feed.description)?;
    x.text(
        "itunes:explicit",
        &[],
        yes_no(feed.explicit, "true", "false"),
    )?;
    x.text(
        "itunes:type",
        &[],
        yes_no(feed.serial, "serial", "episodic"),
    )?;
    for (category, sub) in &feed.categories {
        match sub {
            None => x.empty("itunes:category", &[("text", category)])?,
            Some(sub) => {
                x.open("itunes:category", &[("text", category)])?;
                x.empty("itunes:category", &[("text", sub)])?;
                x.close("itunes:category")?;
            }
        }
    }
    if let Some((name, email)) = &feed.owner {
        x.open("itunes:owner", &[])?;
        if let Some(name) = name {
            x.text("itunes:name", &[], name)?;
        }
        x.text("itunes:email", &[], email)?;
        x.close("itunes:owner")?;
        x.text(
            "podcast:locked",
            &[("owner", email)],
            yes_no(feed.locked, "yes", "no"),
        )?;
    }
    x.text("podcast:guid", &[], &show_guid.to_string())?;
    for item in &feed.items {
        write_item(&mut x, feed, item, show_guid)?;
    }
    x.close("channel")?;
    x.close("rss")?;
    let mut bytes = x.0.into_inner();
    bytes.push(b'\n');
    Ok(bytes)
}

fn write_item(
    x: &mut Xml,
    feed: &FeedInput,
    item: &FeedItem,
    show_guid: uuid::Uuid,
) -> std::io::Result<()> {
    x.open("item", &[])?;
    x.text("title", &[], &item.title)?;
    x.text("itunes:title", &[], &item.title)?;
    let description = item.description.as_deref().unwrap_or(&item.title);
    x.text("description", &[], &escape(description))?;
    x.text("itunes:summary", &[], description)?;
    x.text("guid", &[("isPermaLink", "false")], &item.guid(show_guid))?;
    x.text(
        "pubDate",
        &[],
        &rfc2822(&item.date).map_err(std::io::Error::other)?,
    )?;
    let enclosure = feed.url(&item.enclosure);
    x.empty(
        "enclosure",
        &[
            ("url", &enclosure),
            ("length", &item.enclosure.size.to_string()),
            ("type", &item.enclosure.mime),
        ],
    )?;
    if let Some(page) = &item.page {
        x.text("link", &[], &format!("{}{}", feed.base_url, page))?;
    }
    x.text("itunes:duration", &[], &duration(item.duration_ms))?;
    x.text(
        "itunes:explicit",
        &[],
        yes_no(feed.explicit, "true", "false"),
    )?;
    let episode_type = match item.episode_type {
        EpisodeType::Full => "full",
        EpisodeType::Trailer => "trailer",
        EpisodeType::Bonus => "bonus",
    };
    x.text("itunes:episodeType", &[], episode_type)?;
    if let Some(number) = item.number {
        x.text("itunes:episode", &[], &number.to_string())?;
        x.text("podcast:episode", &[], &number.to_string())?;
    }
    if let Some(season) = item.season {
        x.text("itunes:season", &[], &season.to_string())?;
        // The namespace's XSD requires a name; its spec lets apps show it.
        x.text(
            "podcast:season",
            &[("name", &format!("Season {season}"))],
            &season.to_string(),
        )?;
    }
    for transcript in &item.transcripts {
        let url = feed.url(transcript);
        let mut attributes = vec![("url", url.as_str()), ("type", transcript.mime.as_str())];
        if transcript.mime != "application/json" {
            // Timed cues: apps may show them as captions.
            attributes.push(("rel", "captions"));
        }
        x.empty("podcast:transcript", &attributes)?;
    }
    if let Some(chapters) = &item.chapters {
        x.empty(
            "podcast:chapters",
            &[("url", &feed.url(chapters)), ("type", &chapters.mime)],
        )?;
    }
    for (name, role) in &item.persons {
        x.text("podcast:person", &[("role", role)], name)?;
    }
    x.close("item")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_durations_and_paths() {
        assert_eq!(
            rfc2822("2026-11-02").unwrap(),
            "Mon, 02 Nov 2026 00:00:00 +0000"
        );
        assert!(rfc2822("2026-13-02").is_err());
        assert_eq!(duration(3_725_400), "01:02:05");
        assert_eq!(duration(499), "00:00:00");
        assert_eq!(url_path("ep 1/é.mp3"), "ep%201%2F%C3%A9.mp3");
    }

    /// The namespace's worked example: the feed
    /// `https://mp3s.nashownotes.com/pc20rss.xml` has the guid below.
    #[test]
    fn podcast_guid_follows_the_namespace_rule() {
        let feed = FeedInput {
            title: String::new(),
            base_url: "https://mp3s.nashownotes.com/".into(),
            description: String::new(),
            author: String::new(),
            language: "en".into(),
            link: None,
            site: None,
            copyright: None,
            image: FeedFile {
                name: String::new(),
                mime: String::new(),
                size: 0,
                hash: ContentHash([0; 32]),
            },
            categories: Vec::new(),
            explicit: false,
            owner: None,
            serial: false,
            locked: false,
            items: Vec::new(),
        };
        // pod's feed is always `feed.xml`: compare through the same rule.
        assert_eq!(
            guid_of("https://mp3s.nashownotes.com/pc20rss.xml").to_string(),
            "917393e3-1b1e-5cef-ace4-edaa54e1f810"
        );
        assert_eq!(
            feed.podcast_guid(),
            guid_of("https://mp3s.nashownotes.com/feed.xml/")
        );
    }
}

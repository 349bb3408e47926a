//! The RSS feed: read by independent parsers (feedparser, podcastparser),
//! its `podcast:` tags checked against the namespace's own XSD, built only
//! when everything it says is known, and refused early when it would be
//! incomplete.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use crate::common::Project;

const BASE_URL: &str = "https://cdn.example.com/show/";

/// The fixture with a feed: two listed episodes (b newer than a), a
/// draft and one dated in the future, and a 1400 px square cover.
fn feed_project() -> Project {
    let project = Project::fixture();
    project.edit(
        "podcast.toml",
        "formats = [\"wav\"]",
        "formats = [\"mp3\", \"vtt\", \"srt\", \"transcript\", \"chapters\"]\nmp3_bitrate = 64",
    );
    project.edit(
        "podcast.toml",
        "[voices.guest]\n",
        "[voices.guest]\nname = \"Grace Hopper\"\n",
    );
    let mut toml = project.read("podcast.toml");
    toml.push_str(&format!(
        r#"
[feed]
base_url = "{BASE_URL}"
image = "media/cover.png"
categories = ["Technology", "Society & Culture > Documentary"]
explicit = false
owner = {{ name = "Tess Ter", email = "tess@example.com" }}
type = "episodic"
copyright = "© 2026 Tester"
locked = true

[site]
"#
    ));
    project.write("podcast.toml", &toml);
    project.edit(
        "episodes/b.md",
        "number = 2\n",
        "number = 2\ndate = 2026-02-01\nseason = 1\nepisode_type = \"bonus\"\ndescription = \"The <second> & last.\"\n",
    );
    project.write(
        "episodes/c.md",
        "+++\ntitle = \"Draft\"\ndate = 2026-01-15\ndraft = true\n+++\n\nNot yet.\n",
    );
    project.write(
        "episodes/d.md",
        "+++\ntitle = \"Later\"\ndate = 2999-01-01\n+++\n\nSoon.\n",
    );
    write_png(&project.path("media/cover.png"), 1400, 1400);
    project
}

fn write_png(path: &Path, width: u32, height: u32) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    // PNG whatever the name says.
    image::RgbImage::from_pixel(width, height, image::Rgb([16, 24, 32]))
        .save_with_format(path, image::ImageFormat::Png)
        .unwrap();
}

/// Runs a Python snippet on `feed` (argv[1], then `more`) and returns
/// what it prints as JSON.
fn python(script: &str, feed: &Path, more: &[&str]) -> Value {
    let out = Command::new("python3")
        .args(["-c", script])
        .arg(feed)
        .args(more)
        .output()
        .expect("python3 runs");
    assert!(
        out.status.success(),
        "python failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

const FEEDPARSER: &str = r#"
import html, json, sys, feedparser
d = feedparser.parse(sys.argv[1])
assert not d.bozo, d.bozo_exception
f = d.feed
print(json.dumps({
  "title": f.title, "image": f.image.href,
  "language": f.language, "explicit": f.get("itunes_explicit"),
  "categories": [t.term for t in f.tags], "owner": f.get("publisher_detail", {}).get("email"),
  "type": f.get("itunes_type"), "rights": f.get("rights"),
  "items": [{
    "title": e.title, "guid": e.id, "published": list(e.published_parsed[:3]),
    "enclosure": [e.enclosures[0].href, int(e.enclosures[0].length), e.enclosures[0].type],
    "duration": e.itunes_duration, "episode": e.get("itunes_episode"),
    "season": e.get("itunes_season"), "type": e.get("itunes_episodetype"),
    "summary": html.unescape(e.summary), "summary_type": e.summary_detail.type,
    "link": e.get("link"),
  } for e in d.entries],
}))
"#;

const PODCASTPARSER: &str = r#"
import json, sys, podcastparser
with open(sys.argv[1], "rb") as f:
    p = podcastparser.parse("https://cdn.example.com/show/feed.xml", f)
print(json.dumps({
  "title": p["title"], "cover": p.get("cover_url"), "type": p.get("type"),
  "items": [{
    "guid": e["guid"], "total_time": e["total_time"], "number": e.get("number"),
    "type": e.get("type"), "published": e["published"],
    "enclosures": [[x["url"], x["file_size"], x["mime_type"]] for x in e["enclosures"]],
    "transcript": e.get("transcript_url"),
  } for e in p["episodes"]],
}))
"#;

/// The `podcast:` elements, read with ElementTree; those the namespace's
/// XSD declares are validated by it (xmlschema), in its test wrapper.
const PODCAST_TAGS: &str = r#"
import copy, json, sys, uuid, xmlschema
import xml.etree.ElementTree as ET
NS = "https://podcastindex.org/namespace/1.0"
schema = xmlschema.XMLSchema(sys.argv[2])
root = ET.parse(sys.argv[1]).getroot()
channel = root.find("channel")
declared = {name.split("}")[-1] for name in schema.elements}
wrapper = ET.Element("{%s}test-wrapper" % NS)
validated = set()
for el in root.iter():
    name = el.tag.split("}")[-1]
    if el.tag.startswith("{%s}" % NS) and name in declared:
        wrapper.append(copy.deepcopy(el))
        validated.add(name)
schema.validate(wrapper)
p = lambda el, tag: el.findall("{%s}%s" % (NS, tag))
print(json.dumps({
  "validated": sorted(validated),
  "guid": p(channel, "guid")[0].text,
  "itunes_author": channel.find("{http://www.itunes.com/dtds/podcast-1.0.dtd}author").text,
  "itunes_explicit": channel.find("{http://www.itunes.com/dtds/podcast-1.0.dtd}explicit").text,
  "expected_guid": str(uuid.uuid5(uuid.UUID("ead4c236-bf58-58c6-a2c6-a6b28d128cb6"), "cdn.example.com/show/feed.xml")),
  "locked": [p(channel, "locked")[0].text, p(channel, "locked")[0].get("owner")],
  "items": [{
    "transcripts": [[t.get("url"), t.get("type"), t.get("rel")] for t in p(item, "transcript")],
    "chapters": [[c.get("url"), c.get("type")] for c in p(item, "chapters")],
    "persons": [[x.text, x.get("role")] for x in p(item, "person")],
  } for item in channel.findall("item")],
}))
"#;

const XSD: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/podcast-namespace/podcast-wrapper.xsd"
);

fn outputs_dir(project: &Project) -> PathBuf {
    feed_path(&project.build(), project)
        .parent()
        .unwrap()
        .to_path_buf()
}

/// ffprobe's duration of a file, in seconds.
fn ffprobe_seconds(path: &Path) -> f64 {
    let out = Command::new("ffprobe")
        .args([
            "-v",
            "error",
            "-show_entries",
            "format=duration",
            "-of",
            "csv=p=0",
        ])
        .arg(path)
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).trim().parse().unwrap()
}

#[test]
fn feed_is_read_by_feedparser_and_podcastparser() {
    let project = feed_project();
    let out = outputs_dir(&project);
    let feed = out.join("feed.xml");

    let fp = python(FEEDPARSER, &feed, &[]);
    assert_eq!(fp["title"], "Test Show");
    assert_eq!(fp["language"], "en");
    assert_eq!(fp["image"], format!("{BASE_URL}feed-image.png"));
    // feedparser reads only "yes"/"true" as explicit.
    assert_ne!(fp["explicit"], true);
    assert_eq!(fp["type"], "episodic");
    assert_eq!(fp["rights"], "© 2026 Tester");
    let categories: Vec<&str> = fp["categories"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    assert!(categories.contains(&"Technology"), "{categories:?}");
    assert!(categories.contains(&"Documentary"), "{categories:?}");
    // The published image is the one named, byte for byte.
    assert_eq!(
        std::fs::read(out.join("feed-image.png")).unwrap(),
        std::fs::read(project.path("media/cover.png")).unwrap()
    );

    // The draft and the future episode are left out; newest first.
    let items = fp["items"].as_array().unwrap();
    let titles: Vec<&str> = items.iter().map(|i| i["title"].as_str().unwrap()).collect();
    assert_eq!(titles, ["Beta", "Alpha"]);
    assert_eq!(items[0]["published"], serde_json::json!([2026, 2, 1]));
    assert_eq!(items[1]["published"], serde_json::json!([2026, 1, 1]));
    // Descriptions are HTML: the text's `<` and `&` are characters in it.
    assert_eq!(items[0]["summary_type"], "text/html");
    assert_eq!(items[0]["summary"], "The <second> & last.");
    assert_eq!(items[0]["type"], "bonus");
    assert_eq!(items[0]["season"], "1");
    assert_eq!(items[0]["episode"], "2");
    assert_eq!(items[1]["type"], "full");
    for (item, id) in items.iter().zip(["b", "a"]) {
        // Each item links to its page on the show's site.
        assert_eq!(item["link"], format!("{BASE_URL}site/{id}.html"));
        assert!(out.join(format!("site/{id}.html")).is_file());
        let mp3 = out.join(format!("{id}.mp3"));
        let enclosure = &item["enclosure"];
        assert_eq!(enclosure[0], format!("{BASE_URL}{id}.mp3"));
        assert_eq!(
            enclosure[1].as_u64().unwrap(),
            std::fs::metadata(&mp3).unwrap().len(),
            "enclosure length is the file's"
        );
        assert_eq!(enclosure[2], "audio/mpeg");
        // itunes:duration, as hh:mm:ss, within a second of what ffprobe measures.
        let duration = item["duration"].as_str().unwrap();
        let parts: Vec<f64> = duration.split(':').map(|p| p.parse().unwrap()).collect();
        let seconds = parts[0] * 3600.0 + parts[1] * 60.0 + parts[2];
        let probed = ffprobe_seconds(&mp3);
        assert!(
            (seconds - probed).abs() <= 1.0,
            "{id}: itunes:duration {duration} vs ffprobe {probed}"
        );
    }

    let pp = python(PODCASTPARSER, &feed, &[]);
    assert_eq!(pp["title"], "Test Show");
    assert_eq!(pp["cover"], format!("{BASE_URL}feed-image.png"));
    let episodes = pp["items"].as_array().unwrap();
    assert_eq!(episodes.len(), 2);
    for (episode, item) in episodes.iter().zip(items) {
        assert_eq!(episode["guid"], item["guid"], "both parsers read one guid");
        assert_eq!(episode["enclosures"][0][0], item["enclosure"][0]);
        assert_eq!(episode["enclosures"][0][1], item["enclosure"][1]);
        assert!(episode["total_time"].as_u64().unwrap() > 0);
    }
    assert_eq!(episodes[0]["number"], 2);
    assert_eq!(episodes[0]["type"], "bonus");
    // podcastparser 0.6.11 knows the Podcasting 2.0 namespace only by its
    // former GitHub URL, not the `podcastindex.org` one the spec makes
    // canonical (and pod writes), so it sees no `podcast:` tag: those are
    // checked with ElementTree and the namespace's XSD below.
    assert_eq!(episodes[0]["transcript"], Value::Null);
}

#[test]
fn podcast_namespace_tags_follow_its_spec_and_schema() {
    let project = feed_project();
    let out = outputs_dir(&project);
    let tags = python(PODCAST_TAGS, &out.join("feed.xml"), &[XSD]);
    assert_eq!(
        tags["validated"],
        serde_json::json!([
            "chapters",
            "episode",
            "locked",
            "person",
            "season",
            "transcript"
        ])
    );
    assert_eq!(
        tags["guid"], tags["expected_guid"],
        "podcast:guid is the UUIDv5 of the feed URL"
    );
    assert_eq!(tags["itunes_author"], "Tester");
    // Apple's current spelling.
    assert_eq!(tags["itunes_explicit"], "false");
    assert_eq!(
        tags["locked"],
        serde_json::json!(["yes", "tess@example.com"])
    );
    let beta = &tags["items"][0];
    assert_eq!(
        beta["transcripts"],
        serde_json::json!([
            [format!("{BASE_URL}b.vtt"), "text/vtt", "captions"],
            [
                format!("{BASE_URL}b.srt"),
                "application/x-subrip",
                "captions"
            ],
            [
                format!("{BASE_URL}b.transcript.json"),
                "application/json",
                null
            ],
        ])
    );
    assert_eq!(
        beta["chapters"],
        serde_json::json!([[
            format!("{BASE_URL}b.chapters.json"),
            "application/json+chapters"
        ]])
    );
    // The default voice's speaker (the show's author) hosts; a voice with
    // a `name` is a guest; a bare `Note:` label is nobody.
    assert_eq!(
        beta["persons"],
        serde_json::json!([["Tester", "host"], ["Grace Hopper", "guest"]])
    );
    for (item, id) in tags["items"].as_array().unwrap().iter().zip(["b", "a"]) {
        for link in item["transcripts"].as_array().unwrap() {
            let name = link[0].as_str().unwrap().strip_prefix(BASE_URL).unwrap();
            assert!(out.join(name).is_file(), "{id}: {name} is published");
        }
    }
}

#[test]
fn feed_changes_only_with_what_it_says() {
    let project = feed_project();
    let first = project.build();
    assert_eq!(first.executed("feed"), 1);
    let feed_path = feed_path(&first, &project);
    let before = std::fs::read(&feed_path).unwrap();

    // A no-op: the feed is cached, not rewritten, and status agrees.
    let again = project.build();
    assert_eq!(again.cached("feed"), 1);
    assert!(again.finished().outputs.iter().all(|o| !o.changed));
    let status = project
        .pod()
        .args(["status", "--exit-code"])
        .output()
        .unwrap();
    assert!(
        status.status.success(),
        "{}",
        String::from_utf8_lossy(&status.stderr)
    );

    // A draft's edit changes no listed fact: the feed stays as it was.
    project.edit("episodes/c.md", "Not yet.", "Not yet, really.");
    let draft = project.build();
    assert_eq!(draft.cached("feed"), 1);
    assert_eq!(std::fs::read(&feed_path).unwrap(), before);

    // An edit to a listed episode changes its enclosure's size and hash:
    // status says the feed runs after it, the build remakes it, and
    // every guid stays.
    project.edit("episodes/a.md", "Short one.", "A short one, then.");
    let status = project
        .pod()
        .args(["status", "--message-format", "json"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&status.stdout);
    assert!(
        stdout
            .lines()
            .any(|l| l.contains("\"kind\":\"feed\"") && l.contains("\"dirty\"")),
        "status predicts the feed: {stdout}"
    );
    let edited = project.build();
    assert_eq!(edited.executed("feed"), 1);
    let after = std::fs::read_to_string(&feed_path).unwrap();
    let guids = |xml: &str| -> Vec<String> {
        roxmltree::Document::parse(xml)
            .unwrap()
            .descendants()
            .filter(|n| n.has_tag_name("guid"))
            .map(|n| n.text().unwrap().to_string())
            .collect()
    };
    assert_ne!(after.as_bytes(), before.as_slice());
    assert_eq!(guids(&after), guids(&String::from_utf8(before).unwrap()));

    // Building one episode leaves the feed alone: it lists them all.
    let one = project.build_with(&["b"]);
    one.assert_success();
    assert_eq!(one.executed("feed") + one.cached("feed"), 0);
}

/// Where the build published feed.xml.
fn feed_path(build: &crate::common::Build, project: &Project) -> PathBuf {
    let feed = build
        .finished()
        .outputs
        .iter()
        .find(|o| o.path.ends_with("feed.xml"))
        .expect("the build published feed.xml");
    project.root().join(&feed.path)
}

/// Each incomplete feed is refused before anything is built, pointing at
/// what to fix.
#[test]
fn an_incomplete_feed_is_refused_before_building() {
    type Break<'a> = &'a dyn Fn(&Project);
    // What breaks it, the error, and where it points (a file, and the
    // start of the line there).
    let cases: [(&str, Break, &str, (&str, &str)); 6] = [
        (
            "no base_url",
            &|p| p.edit("podcast.toml", &format!("base_url = \"{BASE_URL}\"\n"), ""),
            "the feed needs a base_url",
            ("podcast.toml", "[feed]"),
        ),
        (
            "ftp base_url",
            &|p| {
                p.edit(
                    "podcast.toml",
                    "https://cdn.example.com",
                    "ftp://cdn.example.com",
                )
            },
            "feed.base_url must start with https:// or http://",
            ("podcast.toml", "base_url ="),
        ),
        (
            "small image",
            &|p| write_png(&p.path("media/cover.png"), 1000, 1000),
            "is 1000x1000 pixels",
            ("podcast.toml", "image ="),
        ),
        (
            "a PNG named .jpg",
            &|p| {
                write_png(&p.path("media/cover.jpg"), 1400, 1400);
                p.edit("podcast.toml", "media/cover.png", "media/cover.jpg");
            },
            "is a PNG named as a JPEG",
            ("podcast.toml", "image ="),
        ),
        (
            "undated episode",
            &|p| p.edit("episodes/b.md", "date = 2026-02-01\n", ""),
            "episode `b` has no date",
            ("episodes/b.md", "+++"),
        ),
        (
            "unknown category",
            &|p| p.edit("podcast.toml", "\"Technology\"", "\"Technolgy\""),
            "`Technolgy` is not one of Apple's podcast categories",
            ("podcast.toml", "categories ="),
        ),
    ];
    for (case, break_it, expected, (file, line_start)) in cases {
        let project = feed_project();
        break_it(&project);
        let line = 1 + project
            .read(file)
            .lines()
            .position(|l| l.starts_with(line_start))
            .unwrap() as u64;
        let build = project.build_with(&[]);
        assert_ne!(build.code(), 0, "{case}");
        let errors = build.errors();
        let error = errors
            .iter()
            .find(|e| e.message.contains(expected))
            .unwrap_or_else(|| panic!("{case}: {errors:?}"));
        assert!(
            error.file.as_deref().is_some_and(|f| f.ends_with(file)) && error.line == Some(line),
            "{case}: {error:?}"
        );
        assert!(
            !project.path("target").exists(),
            "{case}: nothing is written"
        );
    }
}

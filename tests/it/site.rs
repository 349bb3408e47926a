//! The website, in a real browser: headless Chromium opens an episode page
//! from `file://`, seeks by a chapter link and by a transcript sentence, and
//! the highlight follows the audio as it plays; a screenshot is kept.

use std::path::PathBuf;

use crate::common::Project;
use crate::common::browser::{Reports, screenshot};

/// Where the test keeps its screenshot (a CI artifact).
const SCREENSHOT: &str = concat!(env!("CARGO_TARGET_TMPDIR"), "/site-episode.png");

fn site_project() -> Project {
    let project = Project::fixture();
    project.edit(
        "podcast.toml",
        "formats = [\"wav\"]",
        "formats = [\"mp3\", \"vtt\"]\nmp3_bitrate = 64",
    );
    project.edit(
        "podcast.toml",
        "episodes = [",
        "cover = \"media/cover.png\"\nepisodes = [",
    );
    let mut toml = project.read("podcast.toml");
    toml.push_str(
        "\n[site]\ntitle = \"Test Site\"\naccent = \"#f2aa4c\"\nlinks = [{ title = \"Home\", url = \"https://example.com/\" }]\n",
    );
    project.write("podcast.toml", &toml);
    let cover = project.path("media/cover.png");
    std::fs::create_dir_all(cover.parent().unwrap()).unwrap();
    image::RgbImage::from_fn(400, 400, |x, y| {
        image::Rgb([(x / 2) as u8, (y / 2) as u8, 90])
    })
    .save(&cover)
    .unwrap();
    project
}

/// Drives the episode page in an iframe (same origin under
/// `--allow-file-access-from-files`) and posts what it saw.
const HARNESS: &str = r#"<!doctype html>
<iframe id="f" src="a.html" width="900" height="900"></iframe>
<script>
const report = r => fetch("REPORT", {method: "POST", mode: "no-cors", body: JSON.stringify(r)});
const frame = document.getElementById("f");
frame.onload = async () => {
  try {
    const d = frame.contentDocument;
    const player = d.getElementById("player");
    player.addEventListener("error", () => report({error: "media " + (player.error && player.error.code)}));
    if (player.readyState < 1) await new Promise(r => player.addEventListener("loadedmetadata", r, {once: true}));
    const seeked = () => new Promise(r => player.addEventListener("seeked", r, {once: true}));
    const cues = Array.from(d.querySelectorAll(".cue"));
    const active = () => Array.from(d.querySelectorAll(".cue.active")).map(c => cues.indexOf(c));
    const cover = d.querySelector(".cover");
    const result = {
      title: d.title, duration: player.duration, cues: cues.length,
      cover: cover ? cover.naturalWidth : null, links: Array.from(d.querySelectorAll("footer a")).map(a => a.textContent),
    };
    const chapter = d.querySelectorAll(".chapters a")[1];
    let s = seeked(); chapter.click(); await s; player.pause();
    result.chapter = {title: chapter.textContent, want: parseFloat(chapter.dataset.start), at: player.currentTime};
    s = seeked(); cues[1].click(); await s; player.pause();
    result.clicked = {want: parseFloat(cues[1].dataset.start), at: player.currentTime, active: active()};
    // Played on from there, the highlight moves to the next sentence.
    const next = parseFloat(cues[2].dataset.start);
    player.play();
    const until = Date.now() + 30000;
    while (player.currentTime < next + 0.2 && Date.now() < until) await new Promise(r => setTimeout(r, 50));
    // Pausing fires one more `timeupdate`, at the time paused: after it the
    // highlight must show where the player is, however late the page ran.
    const updated = new Promise(r => { player.addEventListener("timeupdate", r, {once: true}); setTimeout(r, 2000); });
    player.pause();
    await updated;
    result.played = {at: player.currentTime, next, active: active()};
    report(result);
  } catch (e) {
    report({error: String(e)});
  }
};
</script>
"#;

#[test]
fn chromium_seeks_by_chapter_and_sentence_and_the_highlight_follows() {
    let project = site_project();
    project.build();
    let site: PathBuf = project.path("target/out/site");
    for page in ["index.html", "a.html", "b.html", "feed-image.png"] {
        assert!(site.join(page).is_file(), "{page} is published");
    }
    let reports = Reports::new();
    let harness = site.join("harness.html");
    std::fs::write(&harness, HARNESS.replace("REPORT", &reports.url())).unwrap();
    let seen = reports.open(&harness);
    assert!(seen.get("error").is_none(), "{seen}");
    assert_eq!(seen["title"], "Alpha – Test Site");
    assert_eq!(seen["cues"], 5, "one clickable span per sentence");
    assert_eq!(seen["cover"], 400, "the cover loads next to the page");
    assert_eq!(seen["links"], serde_json::json!(["Home"]));
    assert!(seen["duration"].as_f64().unwrap() > 3.0, "{seen}");
    let chapter = &seen["chapter"];
    assert!(
        chapter["title"].as_str().unwrap().ends_with("Part two"),
        "{seen}"
    );
    let near = |a: &serde_json::Value, b: &serde_json::Value| {
        (a.as_f64().unwrap() - b.as_f64().unwrap()).abs() < 0.05
    };
    assert!(
        near(&chapter["at"], &chapter["want"]),
        "chapter link seeks: {seen}"
    );
    let clicked = &seen["clicked"];
    assert!(
        near(&clicked["at"], &clicked["want"]),
        "sentence click seeks: {seen}"
    );
    assert_eq!(clicked["active"], serde_json::json!([1]), "{seen}");
    assert_eq!(
        seen["played"]["active"],
        serde_json::json!([2]),
        "highlight follows: {seen}"
    );

    // What a visitor sees: kept for CI, and not blank: the accent colour
    // (chapter links) and the cover's gradient are drawn.
    std::fs::remove_file(&harness).unwrap();
    screenshot(
        &site.join("a.html"),
        std::path::Path::new(SCREENSHOT),
        (900, 1200),
    );
    let shot = image::open(SCREENSHOT).unwrap().to_rgb8();
    let accent = shot
        .pixels()
        .filter(|p| {
            p.0.iter()
                .zip([0xf2u8, 0xaa, 0x4c])
                .all(|(a, b)| a.abs_diff(b) < 12)
        })
        .count();
    assert!(accent > 100, "{accent} accent pixels in {SCREENSHOT}");
}

#[test]
fn site_pages_change_with_what_they_show() {
    let project = site_project();
    let first = project.build();
    assert_eq!(first.executed("site-page"), 2);
    assert_eq!(first.executed("site-index"), 1);
    // A retimed sentence in `a` changes its page (and the index's length of
    // it), not `b`'s.
    project.edit("episodes/a.md", "Short one.", "A short one, then.");
    let edited = project.build();
    assert_eq!(edited.executed("site-page"), 1);
    assert_eq!(edited.cached("site-page"), 1);
    let page = project.read("target/out/site/a.html");
    assert!(page.contains(">A short one, then.</span>"), "{page}");
    // Text is text: markup in a script is shown, not run.
    project.edit(
        "episodes/b.md",
        "Plain words here.",
        "Plain <b>words</b> & here.",
    );
    project.build();
    let page = project.read("target/out/site/b.html");
    assert!(
        page.contains("Plain &lt;b&gt;words&lt;/b&gt; &amp; here."),
        "{page}"
    );
}

//! `site-page` and `site-index`: the show's static website. Plain HTML with
//! its CSS and a little JavaScript inline, no network fetch, so a page works
//! from `file://` and from any static server. Each page's input is what it
//! shows (titles, times, sentences, file names), so a page changes exactly
//! when one of those does.

use std::fs::File;
use std::io::Write;

use serde::{Deserialize, Serialize};

use super::cues::{ChapterTime, Cue};
use super::html::escape as esc;
use crate::step::{Step, StepError, Tools};
use crate::video::Rgb;

/// What every page shares: the show, its look, its links.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct SiteFrame {
    pub title: String,
    pub language: String,
    pub accent: Rgb,
    pub background: Rgb,
    pub text: Rgb,
    /// Footer links: title and URL.
    pub links: Vec<(String, String)>,
    /// The cover's file name next to the pages, if the show has one.
    pub cover: Option<String>,
    /// The feed, relative to the pages, if the show has one.
    pub feed: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct PageInput {
    pub frame: SiteFrame,
    pub title: String,
    pub description: Option<String>,
    pub date: Option<String>,
    pub duration_ms: u64,
    /// The audio, relative to the page, and its MIME type.
    pub audio: String,
    pub audio_mime: String,
    pub chapters: Vec<ChapterTime>,
    pub cues: Vec<Cue>,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct IndexInput {
    pub frame: SiteFrame,
    pub description: Option<String>,
    pub episodes: Vec<IndexEntry>,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct IndexEntry {
    /// The page's file name.
    pub page: String,
    pub title: String,
    pub description: Option<String>,
    pub date: Option<String>,
    pub duration_ms: u64,
}

pub struct SitePage;

impl Step for SitePage {
    const KIND: &'static str = "site-page";
    // 2: the highlight follows every frame while playing.
    const VERSION: u32 = 2;
    type Input = PageInput;

    fn run(input: &PageInput, _tools: &Tools, out: &mut File) -> Result<(), StepError> {
        out.write_all(page(input).as_bytes())?;
        Ok(())
    }
}

pub struct SiteIndex;

impl Step for SiteIndex {
    const KIND: &'static str = "site-index";
    const VERSION: u32 = 1;
    type Input = IndexInput;

    fn run(input: &IndexInput, _tools: &Tools, out: &mut File) -> Result<(), StepError> {
        out.write_all(index(input).as_bytes())?;
        Ok(())
    }
}

fn hex(rgb: Rgb) -> String {
    format!("#{:02x}{:02x}{:02x}", rgb.0[0], rgb.0[1], rgb.0[2])
}

/// `m:ss`, or `h:mm:ss` from an hour on.
fn clock(ms: u64) -> String {
    let s = ms / 1000;
    if s >= 3600 {
        format!("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
    } else {
        format!("{}:{:02}", s / 60, s % 60)
    }
}

/// Seconds for `data-start`, exact to the millisecond.
fn seconds(ms: u64) -> String {
    format!("{}.{:03}", ms / 1000, ms % 1000)
}

const STYLE: &str = "
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--fg);font:17px/1.6 system-ui,-apple-system,'Segoe UI',sans-serif}
main,header,footer{max-width:46rem;margin:0 auto;padding:1rem 1.25rem}
header a{color:var(--fg);font-weight:600;text-decoration:none}
a{color:var(--accent)}
h1{line-height:1.2;margin:.5rem 0}
.meta{opacity:.75;margin:0}
.cover{width:10rem;height:10rem;object-fit:cover;border-radius:.5rem;float:right;margin:0 0 1rem 1rem}
audio{width:100%;margin:1rem 0}
.chapters a{cursor:pointer}
.chapters .time,.episodes .time{font-variant-numeric:tabular-nums;opacity:.75;margin-right:.5rem}
.transcript p{margin:.5rem 0}
.cue{cursor:pointer;border-radius:.2rem;padding:0 .1rem}
.cue:hover{outline:1px solid var(--accent)}
.cue.active{background:var(--accent);color:var(--bg)}
.speaker{font-weight:600;margin-right:.3rem}
.episodes{list-style:none;padding:0}
.episodes li{margin:1rem 0;clear:both}
footer{opacity:.85;border-top:1px solid color-mix(in srgb,var(--fg) 20%,transparent)}
footer a{margin-right:1rem}
";

/// Seeks on a chapter or a sentence; highlights the sentence being heard.
const SCRIPT: &str = "
const player = document.getElementById('player');
const cues = Array.from(document.querySelectorAll('.cue'));
function seek(t) {
  player.currentTime = t;
  const playing = player.play();
  if (playing) playing.catch(() => {});
}
for (const el of document.querySelectorAll('[data-start]')) {
  const go = e => { e.preventDefault(); seek(parseFloat(el.dataset.start)); };
  el.addEventListener('click', go);
  el.addEventListener('keydown', e => { if (e.key === 'Enter' || e.key === ' ') go(e); });
}
// `timeupdate` comes only every quarter second or so: while playing, the
// highlight follows each frame instead, so it moves with the voice.
const spans = cues.map(cue => [parseFloat(cue.dataset.start), parseFloat(cue.dataset.end)]);
function highlight() {
  const t = player.currentTime;
  cues.forEach((cue, i) => {
    const on = t >= spans[i][0] && t < spans[i][1];
    if (on !== cue.classList.contains('active')) {
      cue.classList.toggle('active', on);
      if (on && !player.paused) cue.scrollIntoView({block: 'nearest'});
    }
  });
}
function follow() {
  highlight();
  if (!player.paused) requestAnimationFrame(follow);
}
player.addEventListener('play', () => requestAnimationFrame(follow));
player.addEventListener('timeupdate', highlight);
player.addEventListener('seeked', highlight);
const hash = location.hash.match(/^#t=([0-9.]+)$/);
if (hash) player.addEventListener('loadedmetadata', () => { player.currentTime = parseFloat(hash[1]); }, {once: true});
";

fn head(frame: &SiteFrame, title: &str) -> String {
    let feed = frame.feed.as_ref().map_or(String::new(), |feed| {
        format!(
            "<link rel=\"alternate\" type=\"application/rss+xml\" title=\"{}\" href=\"{}\">\n",
            esc(&frame.title),
            esc(feed)
        )
    });
    format!(
        "<!doctype html>\n<html lang=\"{lang}\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"generator\" content=\"pod\">\n<title>{title}</title>\n{feed}\
         <style>:root{{--bg:{bg};--fg:{fg};--accent:{accent}}}{STYLE}</style>\n</head>\n<body>\n",
        lang = esc(&frame.language),
        title = esc(title),
        bg = hex(frame.background),
        fg = hex(frame.text),
        accent = hex(frame.accent),
    )
}

fn footer(frame: &SiteFrame) -> String {
    let mut links: Vec<String> = frame
        .links
        .iter()
        .map(|(title, url)| format!("<a href=\"{}\">{}</a>", esc(url), esc(title)))
        .collect();
    if let Some(feed) = &frame.feed {
        links.push(format!(
            "<a class=\"feed\" href=\"{}\">RSS feed</a>",
            esc(feed)
        ));
    }
    format!("<footer>{}</footer>\n", links.join("\n"))
}

fn cover(frame: &SiteFrame) -> String {
    frame.cover.as_ref().map_or(String::new(), |cover| {
        format!("<img class=\"cover\" src=\"{}\" alt=\"\">\n", esc(cover))
    })
}

fn meta(date: Option<&str>, duration_ms: u64) -> String {
    let mut parts: Vec<String> = date.map(esc).into_iter().collect();
    parts.push(clock(duration_ms));
    format!("<p class=\"meta\">{}</p>\n", parts.join(" · "))
}

pub fn page(input: &PageInput) -> String {
    let frame = &input.frame;
    let mut html = head(frame, &format!("{} – {}", input.title, frame.title));
    html.push_str(&format!(
        "<header><a href=\"index.html\">{}</a></header>\n<main>\n",
        esc(&frame.title)
    ));
    html.push_str(&cover(frame));
    html.push_str(&format!("<h1>{}</h1>\n", esc(&input.title)));
    html.push_str(&meta(input.date.as_deref(), input.duration_ms));
    if let Some(description) = &input.description {
        html.push_str(&format!(
            "<p class=\"description\">{}</p>\n",
            esc(description)
        ));
    }
    html.push_str(&format!(
        "<audio id=\"player\" controls preload=\"metadata\"><source src=\"{}\" type=\"{}\"></audio>\n",
        esc(&input.audio),
        esc(&input.audio_mime)
    ));
    if input.chapters.len() > 1 {
        html.push_str("<h2>Chapters</h2>\n<ol class=\"chapters\">\n");
        for chapter in &input.chapters {
            let at = seconds(chapter.start_ms);
            html.push_str(&format!(
                "<li><a href=\"#t={at}\" data-start=\"{at}\"><span class=\"time\">{}</span>{}</a></li>\n",
                clock(chapter.start_ms),
                esc(&chapter.title)
            ));
        }
        html.push_str("</ol>\n");
    }
    html.push_str("<h2>Transcript</h2>\n<div class=\"transcript\">\n");
    let mut speaker: Option<&str> = None;
    let mut open = false;
    for cue in &input.cues {
        // A new paragraph where the speaker changes.
        if !open || cue.speaker.as_deref() != speaker {
            if open {
                html.push_str("</p>\n");
            }
            html.push_str("<p>");
            if let Some(name) = &cue.speaker {
                html.push_str(&format!("<span class=\"speaker\">{}</span>", esc(name)));
            }
            speaker = cue.speaker.as_deref();
            open = true;
        } else {
            html.push(' ');
        }
        html.push_str(&format!(
            "<span class=\"cue\" tabindex=\"0\" data-start=\"{}\" data-end=\"{}\">{}</span>",
            seconds(cue.start_ms),
            seconds(cue.end_ms),
            esc(&cue.text)
        ));
    }
    if open {
        html.push_str("</p>\n");
    }
    html.push_str("</div>\n</main>\n");
    html.push_str(&footer(frame));
    html.push_str(&format!("<script>{SCRIPT}</script>\n</body>\n</html>\n"));
    html
}

pub fn index(input: &IndexInput) -> String {
    let frame = &input.frame;
    let mut html = head(frame, &frame.title);
    html.push_str("<main>\n");
    html.push_str(&cover(frame));
    html.push_str(&format!("<h1>{}</h1>\n", esc(&frame.title)));
    if let Some(description) = &input.description {
        html.push_str(&format!(
            "<p class=\"description\">{}</p>\n",
            esc(description)
        ));
    }
    html.push_str("<ul class=\"episodes\">\n");
    for episode in &input.episodes {
        html.push_str(&format!(
            "<li><h2><a href=\"{}\">{}</a></h2>\n{}",
            esc(&episode.page),
            esc(&episode.title),
            meta(episode.date.as_deref(), episode.duration_ms)
        ));
        if let Some(description) = &episode.description {
            html.push_str(&format!("<p>{}</p>\n", esc(description)));
        }
        html.push_str("</li>\n");
    }
    html.push_str("</ul>\n</main>\n");
    html.push_str(&footer(frame));
    html.push_str("</body>\n</html>\n");
    html
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_exact() {
        assert_eq!(seconds(4067), "4.067");
        assert_eq!(clock(3_725_000), "1:02:05");
        assert_eq!(clock(65_000), "1:05");
    }
}

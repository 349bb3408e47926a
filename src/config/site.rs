//! `[site]`: the show's static website, its colours and links.

use super::feed::check_http_url;
use super::output::Format;
use super::schema::RawSite;
use super::source::SourceText;
use crate::diagnostic::Diagnostic;
use crate::video::Rgb;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Site {
    /// The site's heading; the show's title when unset.
    pub title: Option<String>,
    pub accent: Rgb,
    pub background: Rgb,
    pub text: Rgb,
    /// Title and URL of each link in the footer.
    pub links: Vec<(String, String)>,
    /// The format the pages play.
    pub audio: Format,
}

/// Formats a browser plays, in the order the pages pick one.
const PLAYABLE: &[Format] = &[
    Format::Mp3,
    Format::M4a,
    Format::M4b,
    Format::Flac,
    Format::Wav,
];

impl Site {
    pub fn from_raw(
        raw: toml::Spanned<RawSite>,
        formats: &[Format],
        source: &SourceText,
    ) -> Result<Site, Diagnostic> {
        let table = source.location(raw.span());
        let raw = raw.into_inner();
        let colour = |value: Option<toml::Spanned<String>>, key: &str, default: Rgb| {
            let Some(value) = value else {
                return Ok(default);
            };
            let value = source.sourced(value);
            Rgb::parse(&value.value).ok_or_else(|| {
                value.error(format!(
                    "site.{key} = \"{}\" is not a colour: write it as \"#rrggbb\", for example \"#f2aa4c\"",
                    value.value
                ))
            })
        };
        let mut links = Vec::new();
        for link in raw.links {
            let url = source.sourced(link.url);
            check_http_url(&url.value).map_err(|why| url.error(format!("site link {why}")))?;
            links.push((link.title, url.value));
        }
        let audio = PLAYABLE
            .iter()
            .copied()
            .find(|f| formats.contains(f))
            .ok_or_else(|| {
                Diagnostic::error("the site needs an audio format its pages can play")
                    .at(table)
                    .with_help("add \"mp3\" (or m4a, m4b, flac, wav) to [output] formats")
            })?;
        Ok(Site {
            title: raw.title,
            accent: colour(raw.accent, "accent", Rgb([0xf2, 0xaa, 0x4c]))?,
            background: colour(raw.background, "background", Rgb([0x10, 0x18, 0x20]))?,
            text: colour(raw.text, "text", Rgb([0xee, 0xee, 0xe8]))?,
            links,
            audio,
        })
    }
}

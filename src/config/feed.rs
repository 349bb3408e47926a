//! `[feed]`: the show's RSS feed. Everything a podcast directory requires is
//! checked here, before anything is built, and pointed at where it is (or
//! should be) written.

use std::path::{Path, PathBuf};

use super::output::Format;
use super::schema::RawFeed;
use super::source::{SourceText, Sourced};
use crate::diagnostic::Diagnostic;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Feed {
    /// Where the outputs are served from, ending in `/`.
    pub base_url: String,
    /// JPEG or PNG, 1400 to 3000 pixels square (checked before building).
    pub image: Sourced<PathBuf>,
    pub description: String,
    pub author: String,
    pub language: String,
    /// Apple's categories: (category, subcategory).
    pub categories: Vec<(String, Option<String>)>,
    pub explicit: bool,
    pub owner: Option<Owner>,
    pub serial: bool,
    pub link: Option<String>,
    pub copyright: Option<String>,
    pub locked: bool,
    /// What each item encloses.
    pub enclosure: Format,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Owner {
    pub name: Option<String>,
    pub email: String,
}

/// What `[podcast]` says that the feed needs too.
pub struct Show<'a> {
    pub description: Option<&'a str>,
    pub author: Option<&'a str>,
    pub language: Option<&'a str>,
    pub cover: Option<&'a Sourced<PathBuf>>,
    pub formats: &'a [Format],
}

/// Formats a podcast app plays, in the order pod picks one to enclose.
const ENCLOSABLE: &[Format] = &[Format::Mp3, Format::M4a, Format::M4b, Format::Mp4];

impl Feed {
    pub fn from_raw(
        raw: toml::Spanned<RawFeed>,
        show: &Show,
        source: &SourceText,
    ) -> Result<Feed, Diagnostic> {
        let table = source.location(raw.span());
        let raw = raw.into_inner();
        let missing = |what: &str, help: &str| {
            Diagnostic::error(format!("the feed needs {what}"))
                .at(table.clone())
                .with_help(help.to_string())
        };
        let base_url = match raw.base_url.map(|u| source.sourced(u)) {
            None => {
                return Err(missing(
                    "a base_url",
                    "set [feed] base_url to where the outputs will be served, such as \"https://example.com/show/\"",
                ));
            }
            Some(url) => {
                check_http_url(&url.value)
                    .map_err(|why| url.error(format!("feed.base_url {why}")))?;
                let mut value = url.value.clone();
                if !value.ends_with('/') {
                    value.push('/');
                }
                value
            }
        };
        let image = match raw.image.map(|i| source.sourced(i)) {
            Some(image) => Sourced {
                value: relative_to(source, &image.value),
                location: image.location,
            },
            None => match show.cover {
                Some(cover) => cover.clone(),
                None => {
                    return Err(missing(
                        "an image",
                        "set [feed] image (or [podcast] cover) to a square JPEG or PNG of 1400 to 3000 pixels",
                    ));
                }
            },
        };
        let description = show
            .description
            .map(str::trim)
            .filter(|d| !d.is_empty())
            .ok_or_else(|| {
                missing(
                    "a description",
                    "set [podcast] description: podcast apps show it on the show's page",
                )
            })?
            .to_string();
        let author = show
            .author
            .filter(|a| !a.trim().is_empty())
            .ok_or_else(|| {
                missing(
                    "an author",
                    "set [podcast] author: podcast apps show it under the title",
                )
            })?;
        let language = show.language.unwrap_or("en").to_string();
        let mut categories = Vec::new();
        for category in raw.categories {
            let category = source.sourced(category);
            categories.push(apple_category(&category.value).map_err(|help| {
                category
                    .error(format!(
                        "`{}` is not one of Apple's podcast categories",
                        category.value
                    ))
                    .with_help(help)
            })?);
        }
        if categories.is_empty() {
            return Err(missing(
                "a category",
                "set [feed] categories, such as [\"Technology\"] or [\"Society & Culture > Documentary\"]",
            ));
        }
        let owner = match raw.owner {
            None => None,
            Some(owner) => {
                let email = owner.email.map(|e| source.sourced(e)).ok_or_else(|| {
                    Diagnostic::error("feed.owner needs an email").at(table.clone())
                })?;
                if !plausible_email(&email.value) {
                    return Err(email.error(format!(
                        "feed.owner.email `{}` is not an email address",
                        email.value
                    )));
                }
                Some(Owner {
                    name: owner.name,
                    email: email.value,
                })
            }
        };
        let serial = match raw.kind.map(|k| source.sourced(k)) {
            None => false,
            Some(k) if k.value == "episodic" => false,
            Some(k) if k.value == "serial" => true,
            Some(k) => {
                return Err(k
                    .error(format!(
                        "feed.type must be \"episodic\" or \"serial\", not `{}`",
                        k.value
                    ))
                    .with_help("serial shows are listened to in order, oldest first"));
            }
        };
        let link = match raw.link.map(|l| source.sourced(l)) {
            None => None,
            Some(link) => {
                check_http_url(&link.value)
                    .map_err(|why| link.error(format!("feed.link {why}")))?;
                Some(link.value)
            }
        };
        let locked = raw.locked.unwrap_or(false);
        if locked && owner.is_none() {
            return Err(Diagnostic::error(
                "feed.locked needs feed.owner: podcast:locked names the owner's email",
            )
            .at(table.clone()));
        }
        let enclosure = match raw.enclosure.map(|e| source.sourced(e)) {
            Some(e) => {
                let format = ENCLOSABLE
                    .iter()
                    .copied()
                    .find(|f| f.name() == e.value)
                    .ok_or_else(|| {
                        e.error(format!(
                            "feed.enclosure must be one of mp3, m4a, m4b or mp4, not `{}`",
                            e.value
                        ))
                    })?;
                if !show.formats.contains(&format) {
                    return Err(e.error(format!(
                        "feed.enclosure is `{}`, which [output] formats does not make",
                        e.value
                    )));
                }
                format
            }
            None => ENCLOSABLE
                .iter()
                .copied()
                .find(|f| show.formats.contains(f))
                .ok_or_else(|| {
                    missing(
                        "an audio format to enclose",
                        "add \"mp3\" (or m4a, m4b, mp4) to [output] formats",
                    )
                })?,
        };
        Ok(Feed {
            base_url,
            image,
            description,
            author: author.to_string(),
            language,
            categories,
            explicit: raw.explicit.unwrap_or(false),
            owner,
            serial,
            link,
            copyright: raw.copyright,
            locked,
            enclosure,
        })
    }
}

impl Feed {
    /// The image's MIME type, once it is known to be a JPEG or PNG of a
    /// size podcast directories take. Read before anything is built.
    pub fn check_image(&self) -> Result<&'static str, Diagnostic> {
        let path = &self.image.value;
        let shown = crate::paths::display(path);
        let reader = image::ImageReader::open(path)
            .and_then(|r| r.with_guessed_format())
            .map_err(|e| {
                self.image
                    .error(format!("cannot read the feed image {shown}: {e}"))
            })?;
        let mime = match reader.format() {
            Some(image::ImageFormat::Png) => "image/png",
            Some(image::ImageFormat::Jpeg) => "image/jpeg",
            _ => {
                return Err(self
                    .image
                    .error(format!("the feed image {shown} is not a JPEG or PNG")));
            }
        };
        // Published and announced by its extension: it must say the truth.
        let named_png = path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("png"));
        if named_png != (mime == "image/png") {
            return Err(self.image.error(format!(
                "the feed image {shown} is a {} named as a {}",
                if named_png { "JPEG" } else { "PNG" },
                if named_png { "PNG" } else { "JPEG" }
            )));
        }
        let (width, height) = reader.into_dimensions().map_err(|e| {
            self.image
                .error(format!("cannot read the feed image {shown}: {e}"))
        })?;
        if width != height || !(1400..=3000).contains(&width) {
            return Err(self
                .image
                .error(format!(
                    "the feed image {shown} is {width}x{height} pixels; podcast directories take a square of 1400 to 3000"
                ))
                .with_help("Apple Podcasts refuses other sizes; 3000x3000 is the usual choice"));
        }
        Ok(mime)
    }
}

/// Which episode kind a feed item is (`episode_type` in front matter).
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum EpisodeType {
    #[default]
    Full,
    Trailer,
    Bonus,
}

impl EpisodeType {
    pub fn parse(raw: Sourced<String>) -> Result<EpisodeType, Diagnostic> {
        match raw.value.as_str() {
            "full" => Ok(EpisodeType::Full),
            "trailer" => Ok(EpisodeType::Trailer),
            "bonus" => Ok(EpisodeType::Bonus),
            other => Err(raw.error(format!(
                "episode_type must be \"full\", \"trailer\" or \"bonus\", not `{other}`"
            ))),
        }
    }
}

fn relative_to(source: &SourceText, path: &str) -> PathBuf {
    source.file.parent().unwrap_or(Path::new("")).join(path)
}

/// `Err(why)` unless `url` is an absolute http(s) URL with a host.
pub fn check_http_url(url: &str) -> Result<(), String> {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .ok_or_else(|| format!("must start with https:// or http://, not `{url}`"))?;
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    if host.is_empty() || url.chars().any(char::is_whitespace) {
        return Err(format!("`{url}` is not a URL with a host"));
    }
    Ok(())
}

fn plausible_email(email: &str) -> bool {
    email
        .split_once('@')
        .is_some_and(|(user, domain)| !user.is_empty() && domain.contains('.'))
        && !email.chars().any(char::is_whitespace)
}

/// Apple Podcasts' categories and their subcategories.
const APPLE_CATEGORIES: &[(&str, &[&str])] = &[
    (
        "Arts",
        &[
            "Books",
            "Design",
            "Fashion & Beauty",
            "Food",
            "Performing Arts",
            "Visual Arts",
        ],
    ),
    (
        "Business",
        &[
            "Careers",
            "Entrepreneurship",
            "Investing",
            "Management",
            "Marketing",
            "Non-Profit",
        ],
    ),
    ("Comedy", &["Comedy Interviews", "Improv", "Stand-Up"]),
    (
        "Education",
        &["Courses", "How To", "Language Learning", "Self-Improvement"],
    ),
    ("Fiction", &["Comedy Fiction", "Drama", "Science Fiction"]),
    ("Government", &[]),
    ("History", &[]),
    (
        "Health & Fitness",
        &[
            "Alternative Health",
            "Fitness",
            "Medicine",
            "Mental Health",
            "Nutrition",
            "Sexuality",
        ],
    ),
    (
        "Kids & Family",
        &[
            "Education for Kids",
            "Parenting",
            "Pets & Animals",
            "Stories for Kids",
        ],
    ),
    (
        "Leisure",
        &[
            "Animation & Manga",
            "Automotive",
            "Aviation",
            "Crafts",
            "Games",
            "Hobbies",
            "Home & Garden",
            "Video Games",
        ],
    ),
    (
        "Music",
        &["Music Commentary", "Music History", "Music Interviews"],
    ),
    (
        "News",
        &[
            "Business News",
            "Daily News",
            "Entertainment News",
            "News Commentary",
            "Politics",
            "Sports News",
            "Tech News",
        ],
    ),
    (
        "Religion & Spirituality",
        &[
            "Buddhism",
            "Christianity",
            "Hinduism",
            "Islam",
            "Judaism",
            "Religion",
            "Spirituality",
        ],
    ),
    (
        "Science",
        &[
            "Astronomy",
            "Chemistry",
            "Earth Sciences",
            "Life Sciences",
            "Mathematics",
            "Natural Sciences",
            "Nature",
            "Physics",
            "Social Sciences",
        ],
    ),
    (
        "Society & Culture",
        &[
            "Documentary",
            "Personal Journals",
            "Philosophy",
            "Places & Travel",
            "Relationships",
        ],
    ),
    (
        "Sports",
        &[
            "Baseball",
            "Basketball",
            "Cricket",
            "Fantasy Sports",
            "Football",
            "Golf",
            "Hockey",
            "Rugby",
            "Running",
            "Soccer",
            "Swimming",
            "Tennis",
            "Volleyball",
            "Wilderness",
            "Wrestling",
        ],
    ),
    ("Technology", &[]),
    ("True Crime", &[]),
    (
        "TV & Film",
        &[
            "After Shows",
            "Film History",
            "Film Interviews",
            "Film Reviews",
            "TV Reviews",
        ],
    ),
];

/// `"Technology"` or `"Society & Culture > Documentary"`, as Apple spells
/// them; `Err(help)` with the nearest names otherwise.
fn apple_category(text: &str) -> Result<(String, Option<String>), String> {
    let (parent, child) = match text.split_once('>') {
        Some((parent, child)) => (parent.trim(), Some(child.trim())),
        None => (text.trim(), None),
    };
    let Some((name, subs)) = APPLE_CATEGORIES.iter().find(|(name, _)| *name == parent) else {
        let names = APPLE_CATEGORIES.iter().map(|(name, _)| *name);
        return Err(match crate::diagnostic::did_you_mean(parent, names) {
            Some(best) => format!("did you mean `{best}`?"),
            None => format!(
                "the categories are: {}",
                APPLE_CATEGORIES
                    .iter()
                    .map(|(n, _)| *n)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        });
    };
    match child {
        None => Ok((name.to_string(), None)),
        Some(child) => match subs.iter().find(|s| **s == child) {
            Some(sub) => Ok((name.to_string(), Some(sub.to_string()))),
            None if subs.is_empty() => Err(format!("`{name}` has no subcategories")),
            None => Err(
                match crate::diagnostic::did_you_mean(child, subs.iter().copied()) {
                    Some(best) => format!("did you mean `{name} > {best}`?"),
                    None => format!("the subcategories of `{name}` are: {}", subs.join(", ")),
                },
            ),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn categories_as_apple_spells_them() {
        assert_eq!(
            apple_category("Technology"),
            Ok(("Technology".into(), None))
        );
        assert_eq!(
            apple_category("Society & Culture > Documentary"),
            Ok(("Society & Culture".into(), Some("Documentary".into())))
        );
        assert!(
            apple_category("Technolgy")
                .unwrap_err()
                .contains("`Technology`")
        );
        assert!(apple_category("Technology > Gadgets").is_err());
        assert!(
            apple_category("Arts > Book")
                .unwrap_err()
                .contains("Arts > Books")
        );
    }

    #[test]
    fn urls_need_a_scheme_and_a_host() {
        assert!(check_http_url("https://example.com/show/").is_ok());
        assert!(check_http_url("http://127.0.0.1:8080").is_ok());
        assert!(check_http_url("ftp://example.com/").is_err());
        assert!(check_http_url("https:///x").is_err());
        assert!(check_http_url("example.com").is_err());
    }
}

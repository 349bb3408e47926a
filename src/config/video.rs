//! `[video]`: how an episode's MP4 looks. A show-wide table, and the same
//! table in front matter for one episode, layered key by key.

use std::path::PathBuf;

use super::production::path;
use super::schema::RawVideo;
use super::source::{SourceText, Sourced};
use crate::cache::ContentHash;
use crate::diagnostic::Diagnostic;
use crate::engines::files::{FileUse, ProbedFiles};
use crate::video::{Captions, Rgb, Style};

/// OpenH264 encodes up to level 5.2: 3840x2160, either way round.
const MAX_LONG_SIDE: u32 = 3840;
const MAX_SHORT_SIDE: u32 = 2160;
const MIN_SIDE: u32 = 16;

pub const SIZE_PRESETS: &[(&str, (u32, u32))] = &[
    ("landscape", (1920, 1080)),
    ("square", (1080, 1080)),
    ("vertical", (1080, 1920)),
];

/// What fills the frame behind everything else.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Backdrop {
    Colour(Rgb),
    /// A PNG or JPEG file, hashed by content.
    Image(Sourced<PathBuf>),
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct VideoLayer {
    pub size: Option<(u32, u32)>,
    pub fps: Option<u32>,
    pub style: Option<Style>,
    pub background: Option<Backdrop>,
    pub cover: Option<Sourced<PathBuf>>,
    pub color: Option<Rgb>,
    pub caption_color: Option<Rgb>,
    pub captions: Option<Captions>,
    pub font: Option<Sourced<PathBuf>>,
    pub chapter_cards: Option<bool>,
    pub avatar_command: Option<Sourced<Vec<String>>>,
}

/// `[video] avatar_command`: the program's words as written and the
/// program's content, read before planning like a `command` voice's.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct AvatarCommand {
    pub words: Vec<String>,
    pub program: ContentHash,
}

/// What `avatar_command`'s words may hold, filled in for each chapter.
pub const AVATAR_PLACEHOLDERS: &[&str] = &[
    "{image}", "{audio}", "{output}", "{width}", "{height}", "{fps}",
];

/// `[video] avatar_command`'s setting name, as the probed program is filed.
pub const AVATAR_KEY: &str = "avatar_command";

/// `[video]` resolved for one episode.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Video {
    pub width: u32,
    pub height: u32,
    pub fps: u32,
    pub style: Style,
    pub background: Backdrop,
    /// Drawn over the background; the show's cover art unless set.
    pub cover: Option<Sourced<PathBuf>>,
    pub color: Rgb,
    pub caption_color: Rgb,
    pub captions: Captions,
    /// `None`: the font that ships with pod.
    pub font: Option<Sourced<PathBuf>>,
    pub chapter_cards: bool,
    /// Each chapter's background comes from this program's video.
    pub avatar: Option<AvatarCommand>,
}

impl Video {
    /// The image files this video reads (each checked and hashed like any media file).
    pub fn files(&self) -> Vec<&Sourced<PathBuf>> {
        let background = match &self.background {
            Backdrop::Image(file) => Some(file),
            Backdrop::Colour(_) => None,
        };
        background
            .into_iter()
            .chain(self.cover.as_ref())
            .chain(self.font.as_ref())
            .collect()
    }
}

fn one_of<T>(
    value: &toml::Spanned<String>,
    source: &SourceText,
    key: &str,
    parse: fn(&str) -> Option<T>,
    names: &[&str],
) -> Result<T, Diagnostic> {
    let v = source.sourced(value.clone());
    parse(&v.value).ok_or_else(|| {
        let list = names
            .iter()
            .map(|n| format!("\"{n}\""))
            .collect::<Vec<_>>()
            .join(", ");
        let hint = crate::diagnostic::did_you_mean(&v.value, names.iter().copied())
            .map(|n| format!(" (did you mean \"{n}\"?)"))
            .unwrap_or_default();
        v.error(format!(
            "video.{key} = \"{}\" is not one of {list}{hint}",
            v.value
        ))
    })
}

fn colour(
    value: &toml::Spanned<String>,
    source: &SourceText,
    key: &str,
) -> Result<Rgb, Diagnostic> {
    let v = source.sourced(value.clone());
    Rgb::parse(&v.value).ok_or_else(|| {
        v.error(format!(
            "video.{key} = \"{}\" is not a colour: write it as \"#rrggbb\", for example \"#f2aa4c\"",
            v.value
        ))
    })
}

fn image(
    value: &toml::Spanned<String>,
    source: &SourceText,
    key: &str,
) -> Result<Sourced<PathBuf>, Diagnostic> {
    let file = path(value, source);
    let ext = file
        .value
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    match ext.as_deref() {
        Some("png" | "jpg" | "jpeg") => Ok(file),
        _ => Err(file.error(format!(
            "video.{key} = \"{}\" is not a PNG or JPEG file{}",
            value.get_ref(),
            if key == "background" {
                " (nor a colour such as \"#101820\")"
            } else {
                ""
            }
        ))),
    }
}

fn size(value: &toml::Spanned<String>, source: &SourceText) -> Result<(u32, u32), Diagnostic> {
    let v = source.sourced(value.clone());
    if let Some((_, size)) = SIZE_PRESETS.iter().find(|(name, _)| *name == v.value) {
        return Ok(*size);
    }
    let parsed = v
        .value
        .split_once(['x', 'X'])
        .and_then(|(w, h)| Some((w.trim().parse::<u32>().ok()?, h.trim().parse::<u32>().ok()?)));
    let Some((width, height)) = parsed else {
        let presets = SIZE_PRESETS
            .iter()
            .map(|(name, _)| format!("\"{name}\""))
            .collect::<Vec<_>>()
            .join(", ");
        return Err(v.error(format!(
            "video.size = \"{}\" is not a size: write \"WIDTHxHEIGHT\" (\"1920x1080\") or one of {presets}",
            v.value
        )));
    };
    if width.max(height) > MAX_LONG_SIDE || width.min(height) > MAX_SHORT_SIDE {
        return Err(v.error(format!(
            "video.size = \"{}\" is too large: the H.264 encoder takes at most \
             {MAX_LONG_SIDE}x{MAX_SHORT_SIDE} (or {MAX_SHORT_SIDE}x{MAX_LONG_SIDE})",
            v.value
        )));
    }
    for (side, n) in [("width", width), ("height", height)] {
        if n < MIN_SIDE {
            return Err(v.error(format!(
                "video.size = \"{}\": the {side} must be at least {MIN_SIDE} pixels",
                v.value
            )));
        }
        if n % 2 != 0 {
            return Err(v.error(format!(
                "video.size = \"{}\": the {side} is odd, and H.264 with 4:2:0 colour needs even sides (try {})",
                v.value,
                n + 1
            )));
        }
    }
    Ok((width, height))
}

impl VideoLayer {
    pub fn from_raw(raw: RawVideo, source: &SourceText) -> Result<VideoLayer, Diagnostic> {
        let fps = match raw.fps.map(|f| source.sourced(f)) {
            Some(f) if !(1..=60).contains(&f.value) => {
                return Err(f.error(format!(
                    "video.fps = {} is out of range: it must be between 1 and 60",
                    f.value
                )));
            }
            other => other.map(|f| f.value),
        };
        let background = raw
            .background
            .as_ref()
            .map(|b| {
                if b.get_ref().starts_with('#') {
                    colour(b, source, "background").map(Backdrop::Colour)
                } else {
                    image(b, source, "background").map(Backdrop::Image)
                }
            })
            .transpose()?;
        Ok(VideoLayer {
            size: raw.size.as_ref().map(|s| size(s, source)).transpose()?,
            fps,
            style: raw
                .style
                .as_ref()
                .map(|s| one_of(s, source, "style", Style::parse, Style::NAMES))
                .transpose()?,
            background,
            cover: raw
                .cover
                .as_ref()
                .map(|c| image(c, source, "cover"))
                .transpose()?,
            color: raw
                .color
                .as_ref()
                .map(|c| colour(c, source, "color"))
                .transpose()?,
            caption_color: raw
                .caption_color
                .as_ref()
                .map(|c| colour(c, source, "caption_color"))
                .transpose()?,
            captions: raw
                .captions
                .as_ref()
                .map(|c| one_of(c, source, "captions", Captions::parse, Captions::NAMES))
                .transpose()?,
            font: raw.font.as_ref().map(|f| path(f, source)),
            chapter_cards: raw.chapter_cards,
            avatar_command: raw
                .avatar_command
                .map(|words| avatar_command(words, source))
                .transpose()?,
        })
    }

    pub fn over(&self, base: &VideoLayer) -> VideoLayer {
        VideoLayer {
            size: self.size.or(base.size),
            fps: self.fps.or(base.fps),
            style: self.style.or(base.style),
            background: self.background.clone().or_else(|| base.background.clone()),
            cover: self.cover.clone().or_else(|| base.cover.clone()),
            color: self.color.or(base.color),
            caption_color: self.caption_color.or(base.caption_color),
            captions: self.captions.or(base.captions),
            font: self.font.clone().or_else(|| base.font.clone()),
            chapter_cards: self.chapter_cards.or(base.chapter_cards),
            avatar_command: self
                .avatar_command
                .clone()
                .or_else(|| base.avatar_command.clone()),
        }
    }

    /// Defaults for every unset key; `show_cover` is the show's cover art,
    /// `files` what reading an `avatar_command`'s program found.
    pub fn resolve(
        &self,
        show_cover: Option<&Sourced<PathBuf>>,
        files: &ProbedFiles,
    ) -> Result<Video, Diagnostic> {
        let (width, height) = self.size.unwrap_or((1920, 1080));
        let cover = self.cover.clone().or_else(|| show_cover.cloned());
        let avatar = match &self.avatar_command {
            None => None,
            Some(command) => {
                if cover.is_none() && command.value.iter().any(|w| w.contains("{image}")) {
                    return Err(command
                        .error("video.avatar_command passes {image}, but this video has no cover")
                        .with_help("set `[video] cover`, or the show's `cover` art"));
                }
                let used = FileUse {
                    engine: "video".into(),
                    key: AVATAR_KEY.into(),
                    path: command.value[0].clone(),
                };
                match files.get(&used) {
                    Some(Ok(probed)) => Some(AvatarCommand {
                        words: command.value.clone(),
                        program: probed.hash,
                    }),
                    Some(Err(refusal)) => {
                        let error = command.error(format!("video.{}", refusal.message));
                        return Err(match &refusal.help {
                            Some(help) => error.with_help(help.clone()),
                            None => error,
                        });
                    }
                    None => {
                        return Err(command.error(format!(
                            "video.avatar_command: `{}` was not read",
                            command.value[0]
                        )));
                    }
                }
            }
        };
        Ok(Video {
            width,
            height,
            fps: self.fps.unwrap_or(30),
            style: self.style.unwrap_or(Style::Waveform),
            background: self
                .background
                .clone()
                .unwrap_or(Backdrop::Colour(Rgb([0x10, 0x18, 0x20]))),
            cover,
            color: self.color.unwrap_or(Rgb([0xf2, 0xaa, 0x4c])),
            caption_color: self.caption_color.unwrap_or(Rgb([0xff, 0xff, 0xff])),
            captions: self.captions.unwrap_or(Captions::Burned),
            font: self.font.clone(),
            chapter_cards: self.chapter_cards.unwrap_or(true),
            avatar,
        })
    }
}

/// Checks `avatar_command`'s words: a program, an `{output}` to write, and
/// no placeholder pod does not fill.
fn avatar_command(
    words: toml::Spanned<Vec<String>>,
    source: &SourceText,
) -> Result<Sourced<Vec<String>>, Diagnostic> {
    let command = source.sourced(words);
    let Some(program) = command.value.first() else {
        return Err(command
            .error("video.avatar_command is empty: it needs a program and its arguments")
            .with_help(r#"for example ["./avatar.sh", "{image}", "{audio}", "{output}"]"#));
    };
    if program.contains('{') {
        return Err(command.error(format!(
            "video.avatar_command's program `{program}` is a placeholder: name the program first"
        )));
    }
    if let Some(placeholder) =
        crate::engines::program::unknown_placeholder(&command.value, AVATAR_PLACEHOLDERS)
    {
        let hint =
            crate::diagnostic::did_you_mean(placeholder, AVATAR_PLACEHOLDERS.iter().copied())
                .map(|n| format!(" (did you mean {n}?)"))
                .unwrap_or_default();
        return Err(command
            .error(format!(
                "video.avatar_command has {placeholder}, which pod does not fill{hint}"
            ))
            .with_help(format!("pod fills {}", AVATAR_PLACEHOLDERS.join(", "))));
    }
    if !command.value.iter().any(|w| w.contains("{output}")) {
        return Err(command.error(
            "video.avatar_command has no {output}: pod reads the video from the file it names",
        ));
    }
    Ok(command)
}

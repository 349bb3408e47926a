//! Video frames: background and cover, the speech's waveform or bars, a
//! caption and a chapter card, drawn with tiny-skia; text from `text`.
//!
//! Speed: the background and cover are drawn once into a base pixmap (and
//! again with the card over it while a card shows); captions are laid out
//! and rasterised once per text. A frame is then a copy of the base, the
//! wave or bars, and one blit.

use image::DynamicImage;
use image::imageops::FilterType;
use tiny_skia::{
    FillRule, Paint, PathBuilder, Pixmap, PixmapPaint, PremultipliedColorU8, Rect, Transform,
};

use super::layout::{CAPTION_LINES, Layout};
use super::text::{Typesetter, div255};
use super::{Rgb, Style};

/// The default font, shipped with pod: DejaVu Sans (third_party/fonts/).
pub static DEFAULT_FONT: &[u8] = include_bytes!("../../third_party/fonts/DejaVuSans.ttf");

#[derive(Debug, Clone, Copy)]
pub enum Background<'a> {
    Colour(Rgb),
    /// Encoded PNG or JPEG, scaled to cover the frame (cropped, not
    /// stretched).
    Image(&'a [u8]),
}

#[derive(Debug, Clone, Copy)]
pub struct Look<'a> {
    pub width: u32,
    pub height: u32,
    pub style: Style,
    pub background: Background<'a>,
    /// Encoded PNG or JPEG, drawn centred with its aspect kept: in the upper
    /// part of the frame when waves or captions are shown.
    pub cover: Option<&'a [u8]>,
    /// Whether captions will be burned in: room is kept for them at the
    /// bottom.
    pub captions: bool,
    /// The waveform's or bars' colour (and the speaker's name's tint).
    pub color: Rgb,
    /// Caption and card text; a dark translucent box behind captions keeps
    /// them readable on any background.
    pub caption_color: Rgb,
    /// TTF or OTF bytes.
    pub font: &'a [u8],
}

#[derive(Debug, Clone, Copy)]
pub struct Caption<'a> {
    pub speaker: Option<&'a str>,
    pub text: &'a str,
}

#[derive(Debug, Clone, Copy)]
pub struct Scene<'a> {
    pub levels: &'a [f32],
    pub caption: Option<Caption<'a>>,
    /// A chapter title card, drawn big over a dimmed picture.
    pub card: Option<&'a str>,
    /// A moving background (an avatar's frame), RGBA at the frame's size:
    /// drawn instead of the background and cover.
    pub backdrop: Option<&'a [u8]>,
}

/// Caption and card lines.
const CARD_LINES: usize = 3;
/// The caption box's and the card's dimming opacity.
const BOX_ALPHA: f32 = 0.6;
const CARD_DIM: f32 = 0.65;

/// A caption as drawn: its text, and the box with the text in it.
struct Drawn {
    speaker: Option<String>,
    text: String,
    image: Option<(Pixmap, i32, i32)>,
}

/// A chapter card: its title, and the title set in type (unless the font
/// sets nothing) with where it goes.
struct Card {
    title: String,
    text: Option<(Pixmap, i32, i32)>,
}

pub struct Painter {
    style: Style,
    color: Rgb,
    caption_color: Rgb,
    layout: Layout,
    /// Background and cover.
    base: Pixmap,
    /// The card drawn last.
    card: Option<Card>,
    /// The base with the card over it.
    carded: Option<Pixmap>,
    caption: Option<Drawn>,
    frame: Pixmap,
    text: Typesetter,
}

impl Painter {
    /// Decodes the images and draws the base; an image that does not decode
    /// (or a font with no face) is an error.
    pub fn new(look: &Look) -> Result<Painter, String> {
        let (w, h) = (look.width, look.height);
        let mut base = Pixmap::new(w, h).ok_or_else(|| format!("bad frame size {w}x{h}"))?;
        let layout = Layout::new(look.width, look.height, look.style, look.captions);
        match look.background {
            Background::Colour(Rgb([r, g, b])) => {
                base.fill(tiny_skia::Color::from_rgba8(r, g, b, 255));
            }
            Background::Image(bytes) => {
                base.fill(tiny_skia::Color::BLACK);
                let image = decode(bytes)?.resize_to_fill(w, h, FilterType::CatmullRom);
                draw_image(&mut base, &image, 0, 0);
            }
        }
        if let Some(bytes) = look.cover {
            let area = layout.cover;
            let fit = (area.w as u32).max(1);
            let image = decode(bytes)?.resize(fit, (area.h as u32).max(1), FilterType::CatmullRom);
            let x = area.x + (area.w - image.width() as f32) / 2.0;
            let y = area.y + (area.h - image.height() as f32) / 2.0;
            draw_image(&mut base, &image, x.round() as i32, y.round() as i32);
        }
        Ok(Painter {
            style: look.style,
            color: look.color,
            caption_color: look.caption_color,
            layout,
            frame: base.clone(),
            base,
            card: None,
            carded: None,
            caption: None,
            text: Typesetter::new(look.font)?,
        })
    }

    /// RGBA8, width * height * 4 bytes, fully opaque.
    pub fn paint(&mut self, scene: &Scene) -> &[u8] {
        if let Some(title) = scene.card {
            self.update_card(title);
        }
        match (scene.backdrop, scene.card) {
            (Some(backdrop), card) => {
                self.frame.data_mut().copy_from_slice(backdrop);
                if card.is_some() {
                    let (w, h) = (self.frame.width() as f32, self.frame.height() as f32);
                    dim_and_title(&mut self.frame, self.card.as_ref(), w, h);
                }
            }
            (None, Some(_)) => {
                let carded = self.carded.as_ref().expect("drawn by update_card");
                self.frame.data_mut().copy_from_slice(carded.data());
            }
            (None, None) => self.frame.data_mut().copy_from_slice(self.base.data()),
        }
        match self.style {
            Style::Still => {}
            Style::Waveform => self.wave(scene.levels),
            Style::Bars => self.bars(scene.levels),
        }
        if let Some(caption) = &scene.caption {
            self.update_caption(caption);
            if let Some(Drawn {
                image: Some((pixmap, x, y)),
                ..
            }) = &self.caption
            {
                let paint = PixmapPaint::default();
                let identity = Transform::identity();
                self.frame
                    .draw_pixmap(*x, *y, pixmap.as_ref(), &paint, identity, None);
            }
        }
        self.frame.data()
    }

    /// How many level values `paint` wants per frame for this style
    /// (waveform points or bars); 0 for a still.
    pub fn levels_wanted(&self) -> usize {
        let w = self.layout.wave.w as usize;
        match self.style {
            Style::Still => 0,
            Style::Waveform => (w / 6).clamp(16, 480),
            Style::Bars => (w / 40).clamp(12, 48),
        }
    }

    /// The rectangle (x, y, w, h) where captions are drawn.
    pub fn caption_area(&self) -> (u32, u32, u32, u32) {
        let a = self.layout.caption;
        (a.x as u32, a.y as u32, a.w as u32, a.h as u32)
    }

    /// Lays out the card for `title` and draws it over the base, unless it
    /// is the one drawn last.
    fn update_card(&mut self, title: &str) {
        if self.card.as_ref().is_some_and(|card| card.title == title) {
            return;
        }
        let (w, h) = (self.base.width() as f32, self.base.height() as f32);
        let size = (0.075 * h).min(0.09 * w).round();
        let spans = [(title, self.caption_color)];
        let laid = self
            .text
            .block(&spans, size, 0.8 * w, CARD_LINES)
            .map(|block| {
                // Centred where the cover is: clear of the waves below.
                let area = self.layout.cover;
                let x = (w - block.pixmap.width() as f32) / 2.0;
                let y = area.y + (area.h - block.pixmap.height() as f32) / 2.0;
                (block.pixmap, x.round() as i32, y.max(0.0).round() as i32)
            });
        self.card = Some(Card {
            title: title.to_string(),
            text: laid,
        });
        let mut carded = self.base.clone();
        dim_and_title(&mut carded, self.card.as_ref(), w, h);
        self.carded = Some(carded);
    }

    /// Lays the caption out and draws its box, unless it is the one drawn
    /// last.
    fn update_caption(&mut self, caption: &Caption) {
        if let Some(drawn) = &self.caption
            && drawn.speaker.as_deref() == caption.speaker
            && drawn.text == caption.text
        {
            return;
        }
        let image = self.caption_image(caption.speaker, caption.text);
        self.caption = Some(Drawn {
            speaker: caption.speaker.map(str::to_string),
            text: caption.text.to_string(),
            image,
        });
    }

    fn caption_image(&mut self, speaker: Option<&str>, text: &str) -> Option<(Pixmap, i32, i32)> {
        let area = self.layout.caption;
        let pad = self.layout.box_pad;
        // The speaker's name in the wave colour mixed into the text colour:
        // set apart, and as readable on the dark box.
        let Rgb(c) = self.caption_color;
        let Rgb(a) = self.color;
        let tint = Rgb([0, 1, 2].map(|i| ((u16::from(c[i]) + u16::from(a[i])) / 2) as u8));
        let name = speaker.map(|s| format!("{s}: "));
        let mut spans = Vec::new();
        if let Some(name) = &name {
            spans.push((name.as_str(), tint));
        }
        // A caption is one paragraph: line breaks come from the wrapping.
        let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
        spans.push((flat.as_str(), self.caption_color));
        let size = self.layout.caption_size;
        let block = self
            .text
            .block(&spans, size, area.w - 2.0 * pad, CAPTION_LINES)?;
        let (bw, bh) = (block.pixmap.width() as f32, block.pixmap.height() as f32);
        let (w, h) = ((bw + 2.0 * pad).min(area.w), (bh + 2.0 * pad).min(area.h));
        let mut pixmap = Pixmap::new(w.ceil() as u32, h.ceil() as u32)?;
        let radius = pad.min(h / 2.0);
        let shape = rounded(w, h, radius)?;
        let shade = solid([0, 0, 0], BOX_ALPHA);
        pixmap.fill_path(
            &shape,
            &shade,
            FillRule::Winding,
            Transform::identity(),
            None,
        );
        let paint = PixmapPaint::default();
        let identity = Transform::identity();
        pixmap.draw_pixmap(
            pad as i32,
            pad as i32,
            block.pixmap.as_ref(),
            &paint,
            identity,
            None,
        );
        // Centred, on the area's bottom edge: one line sits where two end.
        let x = area.x + (area.w - w) / 2.0;
        let y = area.y + area.h - h;
        Some((pixmap, x.round() as i32, y.round() as i32))
    }

    /// A symmetric filled shape through `levels` (in [-1, 1]) across the
    /// wave area; a flat line of minimal thickness where they are zero.
    fn wave(&mut self, levels: &[f32]) {
        let area = self.layout.wave;
        let mid = area.y + area.h / 2.0;
        let thin = (0.003 * self.frame.height() as f32).max(1.0);
        let reach = |v: f32| (v.abs().min(1.0) * area.h / 2.0).max(thin);
        let n = levels.len();
        let x_at = |i: usize| area.x + area.w * i as f32 / (n.max(2) - 1) as f32;
        let mut path = PathBuilder::with_capacity(2 * n + 4, 2 * n + 4);
        if n < 2 {
            let r = reach(levels.first().copied().unwrap_or(0.0));
            path.push_rect(match Rect::from_xywh(area.x, mid - r, area.w, 2.0 * r) {
                Some(rect) => rect,
                None => return,
            });
        } else {
            path.move_to(x_at(0), mid - reach(levels[0]));
            for (i, &v) in levels.iter().enumerate().skip(1) {
                path.line_to(x_at(i), mid - reach(v));
            }
            for (i, &v) in levels.iter().enumerate().rev() {
                path.line_to(x_at(i), mid + reach(v));
            }
            path.close();
        }
        if let Some(path) = path.finish() {
            let paint = solid(self.color.0, 1.0);
            let identity = Transform::identity();
            self.frame
                .fill_path(&path, &paint, FillRule::Winding, identity, None);
        }
    }

    /// One bar per level (in [0, 1]), centred on the wave area's middle,
    /// never shorter than a minimal flat height.
    fn bars(&mut self, levels: &[f32]) {
        let area = self.layout.wave;
        let n = levels.len();
        if n == 0 {
            return;
        }
        let mid = area.y + area.h / 2.0;
        let least = (0.006 * self.frame.height() as f32).max(2.0);
        let slot = area.w / n as f32;
        let bar_w = (slot * 0.7).max(1.0);
        let mut path = PathBuilder::with_capacity(5 * n, 5 * n);
        for (i, &v) in levels.iter().enumerate() {
            let bar_h = (v.clamp(0.0, 1.0) * area.h).max(least);
            let x = area.x + slot * i as f32 + (slot - bar_w) / 2.0;
            if let Some(rect) = Rect::from_xywh(x, mid - bar_h / 2.0, bar_w, bar_h) {
                path.push_rect(rect);
            }
        }
        if let Some(path) = path.finish() {
            let paint = solid(self.color.0, 1.0);
            let identity = Transform::identity();
            self.frame
                .fill_path(&path, &paint, FillRule::Winding, identity, None);
        }
    }
}

/// Dims `pixmap` and draws the card's title over it.
fn dim_and_title(pixmap: &mut Pixmap, card: Option<&Card>, w: f32, h: f32) {
    let dim = solid([0, 0, 0], CARD_DIM);
    pixmap.fill_rect(full(w, h), &dim, Transform::identity(), None);
    if let Some(Card {
        text: Some((title, x, y)),
        ..
    }) = card
    {
        let paint = PixmapPaint::default();
        pixmap.draw_pixmap(*x, *y, title.as_ref(), &paint, Transform::identity(), None);
    }
}

/// A still for upload pages, as PNG: the cover with the title under it,
/// or without a cover the title big, as on a chapter card.
pub fn thumbnail(look: &Look, title: &str) -> Result<Vec<u8>, String> {
    let covered = look.cover.is_some();
    let still = Look {
        style: Style::Still,
        captions: covered,
        ..*look
    };
    let mut painter = Painter::new(&still)?;
    let scene = Scene {
        levels: &[],
        caption: covered.then_some(Caption {
            speaker: None,
            text: title,
        }),
        card: (!covered).then_some(title),
        backdrop: None,
    };
    let rgba = painter.paint(&scene);
    // Opaque: RGB is smaller and says so.
    let rgb: Vec<u8> = rgba
        .chunks_exact(4)
        .flat_map(|p| [p[0], p[1], p[2]])
        .collect();
    let image = image::RgbImage::from_raw(look.width, look.height, rgb)
        .ok_or("cannot encode the thumbnail: bad size")?;
    let mut png = std::io::Cursor::new(Vec::new());
    image
        .write_to(&mut png, image::ImageFormat::Png)
        .map_err(|e| format!("cannot encode the thumbnail: {e}"))?;
    Ok(png.into_inner())
}

fn decode(bytes: &[u8]) -> Result<DynamicImage, String> {
    image::load_from_memory(bytes).map_err(|e| format!("cannot decode the image: {e}"))
}

/// Source-over of `image` at (x, y), clipped to `pixmap`.
fn draw_image(pixmap: &mut Pixmap, image: &DynamicImage, x: i32, y: i32) {
    let rgba = image.to_rgba8();
    let (w, h) = rgba.dimensions();
    let Some(mut source) = Pixmap::new(w, h) else {
        return;
    };
    for (dst, p) in source.pixels_mut().iter_mut().zip(rgba.pixels()) {
        let [r, g, b, a] = p.0;
        let premultiply = |c: u8| div255(u32::from(c) * u32::from(a)) as u8;
        *dst = PremultipliedColorU8::from_rgba(premultiply(r), premultiply(g), premultiply(b), a)
            .expect("premultiplied channels never exceed alpha");
    }
    let paint = PixmapPaint::default();
    pixmap.draw_pixmap(x, y, source.as_ref(), &paint, Transform::identity(), None);
}

fn solid([r, g, b]: [u8; 3], alpha: f32) -> Paint<'static> {
    let mut paint = Paint::default();
    paint.set_color_rgba8(r, g, b, (alpha * 255.0).round() as u8);
    paint.anti_alias = true;
    paint
}

fn full(w: f32, h: f32) -> Rect {
    Rect::from_xywh(0.0, 0.0, w, h).expect("a frame has a size")
}

fn rounded(w: f32, h: f32, r: f32) -> Option<tiny_skia::Path> {
    let mut p = PathBuilder::new();
    p.move_to(r, 0.0);
    p.line_to(w - r, 0.0);
    p.quad_to(w, 0.0, w, r);
    p.line_to(w, h - r);
    p.quad_to(w, h, w - r, h);
    p.line_to(r, h);
    p.quad_to(0.0, h, 0.0, h - r);
    p.line_to(0.0, r);
    p.quad_to(0.0, 0.0, r, 0.0);
    p.close();
    p.finish()
}

#[cfg(test)]
mod tests;

//! Text for frames: shaped and laid out by cosmic-text (bidi, Arabic
//! joining, word wrap) from the one font pod is given, rasterised by swash
//! into a tight transparent pixmap that the painter caches and blits.

use cosmic_text::fontdb;
use cosmic_text::{
    Align, Attrs, Buffer, Color, Ellipsize, EllipsizeHeightLimit, Family, FontSystem, Metrics,
    Shaping, SwashCache, SwashContent, Wrap,
};
use tiny_skia::Pixmap;

use super::Rgb;

/// Line height as a multiple of the font size.
pub(crate) const LINE_HEIGHT: f32 = 1.25;
/// Room around a block's line boxes, as a multiple of the font size, for
/// glyphs that reach past them.
pub(crate) const PAD: f32 = 0.15;
/// Sizes tried, as fractions of the one asked for, before the tail is cut
/// with an ellipsis.
const SHRINK: [f32; 3] = [1.0, 0.9, 0.8];

pub(crate) struct Typesetter {
    fonts: FontSystem,
    glyphs: SwashCache,
    family: String,
}

/// Text laid out and drawn: `pixmap` holds it with `pad` pixels around.
pub(crate) struct Block {
    pub pixmap: Pixmap,
    /// Lines laid out (tests check the limit).
    #[cfg(test)]
    pub lines: usize,
    /// Glyph ids laid out, in order (tests check shaping: 0 is .notdef).
    #[cfg(test)]
    pub glyph_ids: Vec<u16>,
}

impl Typesetter {
    /// A font system holding only `font`: no system fonts, so the same text
    /// lays out the same on every machine.
    pub fn new(font: &[u8]) -> Result<Typesetter, String> {
        let mut db = fontdb::Database::new();
        db.load_font_data(font.to_vec());
        let family = db
            .faces()
            .next()
            .and_then(|face| face.families.first())
            .map(|(name, _)| name.clone())
            .ok_or("cannot read the font: no usable face in it")?;
        db.set_sans_serif_family(family.clone());
        // The locale only steers fallback choices, and there is nothing to
        // fall back to: a fixed one keeps the machine's out of it.
        let fonts = FontSystem::new_with_locale_and_db("en-US".to_string(), db);
        Ok(Typesetter {
            fonts,
            glyphs: SwashCache::new(),
            family,
        })
    }

    /// Lays `spans` (text, colour) out centred in lines at most `width`
    /// pixels wide, at `size` pixels, in at most `max_lines` lines: shrinks
    /// the size a little, then ellipsizes the tail, if it does not fit.
    /// `None` for text with nothing to draw.
    pub fn block(
        &mut self,
        spans: &[(&str, Rgb)],
        size: f32,
        width: f32,
        max_lines: usize,
    ) -> Option<Block> {
        let mut buffer = Buffer::new_empty(Metrics::new(size, size * LINE_HEIGHT));
        for (i, &scale) in SHRINK.iter().enumerate() {
            let last = i == SHRINK.len() - 1;
            let size = size * scale;
            self.lay_out(&mut buffer, spans, size, width, max_lines, last);
            if buffer.layout_runs().count() <= max_lines {
                break;
            }
        }
        // cosmic-text shapes the ellipsis with the first span's attributes
        // (a speaker's tint): it belongs to the text that was cut.
        let tail = spans.last().map_or(Rgb([255; 3]), |&(_, colour)| colour);
        self.draw(&buffer, size * PAD, max_lines, tail)
    }

    fn lay_out(
        &mut self,
        buffer: &mut Buffer,
        spans: &[(&str, Rgb)],
        size: f32,
        width: f32,
        max_lines: usize,
        ellipsize: bool,
    ) {
        buffer.set_metrics_and_size(
            Metrics::new(size, (size * LINE_HEIGHT).ceil()),
            Some(width),
            None,
        );
        buffer.set_wrap(Wrap::WordOrGlyph);
        buffer.set_ellipsize(if ellipsize {
            Ellipsize::End(EllipsizeHeightLimit::Lines(max_lines))
        } else {
            Ellipsize::None
        });
        let base = Attrs::new().family(Family::Name(&self.family));
        let rich = spans.iter().map(|&(text, Rgb([r, g, b]))| {
            // One paragraph: a newline in a caption is a space on screen.
            let attrs = base.clone().color(Color::rgb(r, g, b));
            (text, attrs)
        });
        buffer.set_rich_text(rich, &base, Shaping::Advanced, Some(Align::Center));
        buffer.shape_until_scroll(&mut self.fonts, false);
    }

    /// Rasterises the first `max_lines` lines of `buffer` into a pixmap just
    /// large enough, `pad` pixels around the text's line boxes.
    fn draw(&mut self, buffer: &Buffer, pad: f32, max_lines: usize, tail: Rgb) -> Option<Block> {
        let runs: Vec<_> = buffer.layout_runs().take(max_lines).collect();
        let text_w = runs.iter().map(|r| r.line_w).fold(0.0f32, f32::max);
        let bottom = runs.last().map(|r| r.line_top + r.line_height)?;
        if text_w <= 0.0 {
            return None;
        }
        let pad = pad.ceil();
        let box_w = buffer.size().0.unwrap_or(text_w);
        // Lines are centred in the layout width; the pixmap keeps only the
        // widest line's span of it.
        let left = ((box_w - text_w) / 2.0).max(0.0);
        let w = (text_w + 2.0 * pad).ceil() as u32;
        let h = (bottom + 2.0 * pad).ceil() as u32;
        let mut pixmap = Pixmap::new(w, h)?;
        #[cfg(test)]
        let mut glyph_ids = Vec::new();
        for run in &runs {
            for glyph in run.glyphs {
                #[cfg(test)]
                glyph_ids.push(glyph.glyph_id);
                let physical = glyph.physical((pad - left, pad + run.line_y), 1.0);
                // An inserted glyph (the ellipsis) has no text of its own.
                let colour = match glyph.color_opt {
                    Some(Color(rgba)) if glyph.start < glyph.end => {
                        [(rgba >> 16) as u8, (rgba >> 8) as u8, rgba as u8]
                    }
                    _ => tail.0,
                };
                let Some(image) = self
                    .glyphs
                    .get_image(&mut self.fonts, physical.cache_key)
                    .as_ref()
                else {
                    continue;
                };
                if image.content != SwashContent::Mask {
                    continue; // DejaVu has no colour glyphs
                }
                let p = image.placement;
                blend_mask(
                    &mut pixmap,
                    physical.x + p.left,
                    physical.y - p.top,
                    p.width,
                    p.height,
                    &image.data,
                    colour,
                );
            }
        }
        Some(Block {
            pixmap,
            #[cfg(test)]
            lines: runs.len(),
            #[cfg(test)]
            glyph_ids,
        })
    }
}

/// Source-over of an opaque colour through a coverage mask, onto a
/// premultiplied pixmap, clipped to it.
fn blend_mask(
    pixmap: &mut Pixmap,
    x0: i32,
    y0: i32,
    w: u32,
    h: u32,
    mask: &[u8],
    [r, g, b]: [u8; 3],
) {
    let (pw, ph) = (pixmap.width() as i32, pixmap.height() as i32);
    let data = pixmap.data_mut();
    for my in 0..h as i32 {
        let y = y0 + my;
        if y < 0 || y >= ph {
            continue;
        }
        for mx in 0..w as i32 {
            let x = x0 + mx;
            if x < 0 || x >= pw {
                continue;
            }
            let a = u32::from(mask[(my as u32 * w + mx as u32) as usize]);
            if a == 0 {
                continue;
            }
            let i = ((y * pw + x) * 4) as usize;
            let inv = 255 - a;
            for (c, src) in [r, g, b, 255].into_iter().enumerate() {
                let d = u32::from(data[i + c]);
                data[i + c] = div255(u32::from(src) * a + d * inv) as u8;
            }
        }
    }
}

/// x / 255, rounded, for x <= 255 * 255 * 2.
pub(crate) fn div255(x: u32) -> u32 {
    (x + 128 + ((x + 128) >> 8)) >> 8
}

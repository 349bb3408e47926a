//! Where things go in a frame, scaled with its size: 16:9, square and
//! vertical alike. Cover on top, waves in the lower middle, captions at the
//! bottom.

use super::Style;
use super::text::{LINE_HEIGHT, PAD};

/// Lines a caption may take.
pub(crate) const CAPTION_LINES: usize = 2;

/// An axis-aligned rectangle in pixels.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Area {
    pub x: f32,
    pub y: f32,
    pub w: f32,
    pub h: f32,
}

/// Where things go, scaled with the frame: 16:9, square and vertical alike.
pub(crate) struct Layout {
    pub caption: Area,
    /// Caption font size, in pixels.
    pub caption_size: f32,
    /// Padding inside the caption's box.
    pub box_pad: f32,
    pub wave: Area,
    pub cover: Area,
}

impl Layout {
    /// `captions`: room is kept for burned-in captions.
    pub fn new(width: u32, height: u32, style: Style, captions: bool) -> Layout {
        let (w, h) = (width as f32, height as f32);
        // ~4.5% of the height; narrower for vertical frames, where that
        // would leave a few words a line.
        let caption_size = (0.045 * h).min(0.055 * w).max(8.0).round();
        let box_pad = (0.3 * caption_size).round();
        let text_pad = (caption_size * PAD).ceil();
        let caption_h =
            CAPTION_LINES as f32 * (caption_size * LINE_HEIGHT).ceil() + 2.0 * (text_pad + box_pad);
        let caption = Area {
            x: (0.04 * w).round(),
            y: (h - 0.04 * h - caption_h).round(),
            w: (0.92 * w).round(),
            h: caption_h,
        };
        let wave_h = (0.18 * h).min(0.3 * w).round();
        let wave_bottom = if captions {
            caption.y - 0.02 * h
        } else {
            h - 0.06 * h
        };
        let wave = Area {
            x: (0.05 * w).round(),
            y: (wave_bottom - wave_h).round(),
            w: (0.9 * w).round(),
            h: wave_h,
        };
        let cover_top = 0.05 * h;
        let cover_bottom = match (style, captions) {
            (Style::Still, false) => h - 0.05 * h,
            (Style::Still, true) => caption.y - 0.03 * h,
            _ => wave.y - 0.03 * h,
        };
        let cover = Area {
            x: 0.05 * w,
            y: cover_top,
            w: 0.9 * w,
            h: (cover_bottom - cover_top).max(1.0),
        };
        Layout {
            caption,
            caption_size,
            box_pad,
            wave,
            cover,
        }
    }
}

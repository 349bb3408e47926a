use super::*;
use crate::video::text::Typesetter;

const BG: Rgb = Rgb([0x10, 0x18, 0x20]);
const WAVE: Rgb = Rgb([0xf0, 0x80, 0x20]);
const TEXT: Rgb = Rgb([0xff, 0xff, 0xff]);

fn look(width: u32, height: u32, style: Style) -> Look<'static> {
    Look {
        width,
        height,
        style,
        background: Background::Colour(BG),
        cover: None,
        captions: true,
        color: WAVE,
        caption_color: TEXT,
        font: DEFAULT_FONT,
    }
}

fn scene<'a>(levels: &'a [f32], caption: Option<&'a str>) -> Scene<'a> {
    Scene {
        levels,
        caption: caption.map(|text| Caption {
            speaker: Some("Ada"),
            text,
        }),
        card: None,
        backdrop: None,
    }
}

fn png(width: u32, height: u32, colour: [u8; 3]) -> Vec<u8> {
    let image = image::RgbImage::from_pixel(width, height, image::Rgb(colour));
    let mut out = std::io::Cursor::new(Vec::new());
    image.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

fn pixel(frame: &[u8], width: u32, x: u32, y: u32) -> [u8; 4] {
    let i = ((y * width + x) * 4) as usize;
    [frame[i], frame[i + 1], frame[i + 2], frame[i + 3]]
}

/// Rows holding a pixel close to `colour`.
fn rows_with(frame: &[u8], width: u32, colour: Rgb) -> Vec<u32> {
    let near = |p: &[u8]| (0..3).all(|c| p[c].abs_diff(colour.0[c]) < 40);
    frame
        .chunks_exact(width as usize * 4)
        .enumerate()
        .filter(|(_, row)| row.chunks_exact(4).any(near))
        .map(|(y, _)| y as u32)
        .collect()
}

#[test]
fn the_same_scene_paints_the_same_bytes() {
    let levels: Vec<f32> = (0..64).map(|i| (i as f32 * 0.37).sin()).collect();
    let cover = png(40, 30, [200, 30, 30]);
    let background = png(50, 50, [30, 200, 30]);
    let make = || {
        let mut look = look(320, 180, Style::Waveform);
        look.cover = Some(&cover);
        look.background = Background::Image(&background);
        Painter::new(&look).unwrap()
    };
    let (mut a, mut b) = (make(), make());
    let s = Scene {
        card: Some("Chapter one"),
        ..scene(&levels, Some("Hello there, مرحبا"))
    };
    let first = a.paint(&s).to_vec();
    assert_eq!(first, b.paint(&s));
    // A painter that drew something else in between paints it the same too.
    a.paint(&scene(&[0.0; 64], Some("Another line")));
    assert_eq!(first, a.paint(&s));
    assert_eq!(first.len(), 320 * 180 * 4);
    assert!(first.chunks_exact(4).all(|p| p[3] == 255), "opaque");
}

#[test]
fn captions_stay_in_their_area_and_only_show_when_given() {
    let mut painter = Painter::new(&look(320, 180, Style::Still)).unwrap();
    let (x, y, w, h) = painter.caption_area();
    assert!(x + w <= 320 && y + h <= 180 && h > 0);
    let bg = [BG.0[0], BG.0[1], BG.0[2], 255];

    let none = painter.paint(&scene(&[], None)).to_vec();
    assert!(none.chunks_exact(4).all(|p| p == bg));

    let long = "A caption long enough to need wrapping, and then some more words \
                so that it has to shrink or lose its tail to fit in two lines.";
    for text in ["Hi", long] {
        let frame = painter.paint(&scene(&[], Some(text))).to_vec();
        let mut inside = 0;
        for py in 0..180 {
            for px in 0..320 {
                let within = (x..x + w).contains(&px) && (y..y + h).contains(&py);
                let drawn = pixel(&frame, 320, px, py) != bg;
                assert!(within || !drawn, "{text}: ink at ({px}, {py}) outside");
                inside += usize::from(drawn);
            }
        }
        assert!(inside > 200, "{text}: {inside} pixels drawn");
        // The text itself, not just the box: near-white pixels.
        assert!(!rows_with(&frame, 320, TEXT).is_empty(), "{text}");
    }
}

#[test]
fn long_captions_keep_to_two_lines() {
    let mut text = Typesetter::new(DEFAULT_FONT).unwrap();
    let words = "word ".repeat(200);
    let block = text.block(&[(&words, TEXT)], 20.0, 300.0, 2).unwrap();
    assert_eq!(block.lines, 2);
    assert!(block.pixmap.width() <= 300 + 20);
}

#[test]
fn a_silent_waveform_is_a_flat_line_and_a_tone_is_not() {
    let mut painter = Painter::new(&look(320, 180, Style::Waveform)).unwrap();
    let n = painter.levels_wanted();
    assert!(n >= 16);
    let flat = painter.paint(&scene(&vec![0.0; n], None)).to_vec();
    let rows = rows_with(&flat, 320, WAVE);
    assert!(!rows.is_empty() && rows.len() <= 3, "{rows:?}");
    assert_eq!(
        rows.last().unwrap() - rows[0] + 1,
        rows.len() as u32,
        "one band"
    );

    let tone: Vec<f32> = (0..n).map(|i| 0.8 * (i as f32 * 0.5).sin()).collect();
    let moving = painter.paint(&scene(&tone, None)).to_vec();
    assert!(rows_with(&moving, 320, WAVE).len() > 15);
}

#[test]
fn silent_bars_keep_a_minimal_height() {
    let mut painter = Painter::new(&look(320, 180, Style::Bars)).unwrap();
    let n = painter.levels_wanted();
    let flat = painter.paint(&scene(&vec![0.0; n], None)).to_vec();
    let rows = rows_with(&flat, 320, WAVE);
    assert!(!rows.is_empty() && rows.len() <= 4, "{rows:?}");
    let loud: Vec<f32> = (0..n).map(|i| i as f32 / n as f32).collect();
    let frame = painter.paint(&scene(&loud, None)).to_vec();
    assert!(rows_with(&frame, 320, WAVE).len() > 15);
}

#[test]
fn arabic_shapes_into_joined_glyphs() {
    let mut text = Typesetter::new(DEFAULT_FONT).unwrap();
    let word = "مرحبا بالعالم";
    let block = text.block(&[(word, TEXT)], 24.0, 400.0, 2).unwrap();
    assert!(
        block.glyph_ids.iter().all(|&g| g != 0),
        "{:?}",
        block.glyph_ids
    );
    // Joined: the letters of a word take other glyphs than when alone.
    let alone: Vec<u16> = "مرحبا"
        .chars()
        .map(|c| {
            text.block(&[(&c.to_string(), TEXT)], 24.0, 400.0, 2)
                .unwrap()
                .glyph_ids[0]
        })
        .collect();
    let joined = text
        .block(&[("مرحبا", TEXT)], 24.0, 400.0, 2)
        .unwrap()
        .glyph_ids;
    let mut isolated = alone.clone();
    isolated.reverse(); // laid out right to left
    assert_eq!(joined.len(), alone.len());
    assert_ne!(joined, isolated);
    // And the check would see a box: DejaVu has no CJK.
    let cjk = text.block(&[("漢字", TEXT)], 24.0, 400.0, 2).unwrap();
    assert!(cjk.glyph_ids.contains(&0));

    let mut painter = Painter::new(&look(320, 180, Style::Still)).unwrap();
    let frame = painter.paint(&scene(&[], Some(word))).to_vec();
    assert!(!rows_with(&frame, 320, TEXT).is_empty());
}

#[test]
fn bad_images_are_errors() {
    let mut bad = look(320, 180, Style::Still);
    bad.cover = Some(b"not an image");
    let err = Painter::new(&bad).err().unwrap();
    assert!(err.starts_with("cannot decode the image: "), "{err}");
    let mut bad = look(320, 180, Style::Still);
    bad.background = Background::Image(b"\x89PNG\r\n\x1a\n broken");
    let err = Painter::new(&bad).err().unwrap();
    assert!(err.starts_with("cannot decode the image: "), "{err}");
}

#[test]
fn the_cover_is_drawn_with_its_aspect_kept() {
    let cover = png(100, 50, [200, 30, 30]);
    for (w, h) in [(320, 180), (180, 320), (200, 200)] {
        let mut look = look(w, h, Style::Waveform);
        look.cover = Some(&cover);
        let mut painter = Painter::new(&look).unwrap();
        let frame = painter.paint(&scene(&[], None)).to_vec();
        let red = |p: [u8; 4]| p[0] > 150 && p[1] < 80;
        let (mut x0, mut x1, mut y0, mut y1) = (w, 0, h, 0);
        for y in 0..h {
            for x in 0..w {
                if red(pixel(&frame, w, x, y)) {
                    (x0, x1, y0, y1) = (x0.min(x), x1.max(x), y0.min(y), y1.max(y));
                }
            }
        }
        let (cw, ch) = ((x1 - x0 + 1) as f32, (y1 - y0 + 1) as f32);
        assert!((cw / ch - 2.0).abs() < 0.15, "{w}x{h}: {cw}x{ch}");
        // Above the waves and the captions.
        assert!(y1 < painter.layout.wave.y as u32, "{w}x{h}");
        assert!(painter.layout.wave.y + painter.layout.wave.h <= painter.layout.caption.y);
    }
}

#[test]
fn a_card_dims_the_picture() {
    let mut painter = Painter::new(&look(320, 180, Style::Still)).unwrap();
    let plain = painter.paint(&scene(&[], None)).to_vec();
    let carded = painter
        .paint(&Scene {
            card: Some("Chapter 2: The Return"),
            ..scene(&[], None)
        })
        .to_vec();
    assert!(pixel(&carded, 320, 2, 2)[0] < pixel(&plain, 320, 2, 2)[0]);
    assert!(!rows_with(&carded, 320, TEXT).is_empty());
}

#[test]
fn thumbnails_are_pngs_of_the_frame_size() {
    let cover = png(64, 64, [10, 120, 200]);
    let mut look = look(480, 270, Style::Bars);
    look.cover = Some(&cover);
    let bytes = thumbnail(&look, "Episode 12: Голос и тишина").unwrap();
    let image = image::load_from_memory_with_format(&bytes, image::ImageFormat::Png).unwrap();
    assert_eq!((image.width(), image.height()), (480, 270));
    assert_eq!(
        bytes,
        thumbnail(&look, "Episode 12: Голос и тишина").unwrap()
    );
}

/// A backdrop (an avatar's frame) replaces background and cover, and a
/// card dims it like any picture.
#[test]
fn a_backdrop_is_drawn_under_the_wave_and_dimmed_by_a_card() {
    let mut painter = Painter::new(&look(320, 180, Style::Waveform)).unwrap();
    let white = vec![255u8; 320 * 180 * 4];
    let lit = painter
        .paint(&Scene {
            backdrop: Some(&white),
            ..scene(&[], None)
        })
        .to_vec();
    assert_eq!(pixel(&lit, 320, 2, 2), [255, 255, 255, 255]);
    let carded = painter
        .paint(&Scene {
            backdrop: Some(&white),
            card: Some("Chapter 2"),
            ..scene(&[], None)
        })
        .to_vec();
    assert!(
        pixel(&carded, 320, 2, 2)[0] < 120,
        "{:?}",
        pixel(&carded, 320, 2, 2)
    );
    // Without it, the background is back.
    let plain = painter.paint(&scene(&[], None)).to_vec();
    assert_ne!(pixel(&plain, 320, 2, 2), [255, 255, 255, 255]);
}

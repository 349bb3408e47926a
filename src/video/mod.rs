//! Video: frames drawn from what an episode's timeline says is heard, encoded
//! as H.264 and packaged with the episode's AAC audio in an MP4.
//!
//! Layer 1, beside `audio`: nothing here imports anything else of pod but
//! `audio`. The values below are what `[video]` resolves to; they are parts
//! of step inputs, so they serialise into keys.

pub mod avatar;
pub mod draw;
pub mod h264;
mod layout;
pub mod levels;
pub mod movie;
pub mod segment;
mod text;

use serde::{Deserialize, Serialize};

/// What moves on screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Style {
    /// The background and cover only (captions and cards still show).
    Still,
    /// The speech's waveform around the moment heard.
    Waveform,
    /// Bars for the speech's spectrum at the moment heard.
    Bars,
}

impl Style {
    pub const NAMES: &'static [&'static str] = &["still", "waveform", "bars"];

    pub fn parse(name: &str) -> Option<Style> {
        match name {
            "still" => Some(Style::Still),
            "waveform" => Some(Style::Waveform),
            "bars" => Some(Style::Bars),
            _ => None,
        }
    }
}

/// Where captions go.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Captions {
    /// Drawn into the picture.
    Burned,
    /// A soft subtitle track (tx3g) players can switch on.
    Track,
    None,
}

impl Captions {
    pub const NAMES: &'static [&'static str] = &["burned", "track", "none"];

    pub fn parse(name: &str) -> Option<Captions> {
        match name {
            "burned" => Some(Captions::Burned),
            "track" => Some(Captions::Track),
            "none" => Some(Captions::None),
            _ => None,
        }
    }
}

/// An sRGB colour, written `#rrggbb`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Rgb(pub [u8; 3]);

impl Rgb {
    /// `#rrggbb` or `#rgb`; `None` for anything else.
    pub fn parse(text: &str) -> Option<Rgb> {
        let hex = text.strip_prefix('#')?;
        if !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        let digit = |i: usize| u8::from_str_radix(&hex[i..i + 1], 16).ok();
        match hex.len() {
            6 => Some(Rgb([
                u8::from_str_radix(&hex[0..2], 16).ok()?,
                u8::from_str_radix(&hex[2..4], 16).ok()?,
                u8::from_str_radix(&hex[4..6], 16).ok()?,
            ])),
            3 => Some(Rgb([digit(0)? * 17, digit(1)? * 17, digit(2)? * 17])),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colours_parse_in_both_lengths() {
        assert_eq!(Rgb::parse("#101820"), Some(Rgb([0x10, 0x18, 0x20])));
        assert_eq!(Rgb::parse("#fA0"), Some(Rgb([0xff, 0xaa, 0x00])));
        for bad in ["101820", "#10182", "#1018200", "#10182g", "#", "#+1+2+3"] {
            assert_eq!(Rgb::parse(bad), None, "{bad}");
        }
    }
}

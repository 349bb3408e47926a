//! `[output]`: the audio format and the files every episode is published as.

use serde::Serialize;

use super::limits::{MP3_BITRATES, SAMPLE_RATES, mp3_bitrates_at};
use super::schema::RawOutput;
use super::source::SourceText;
use crate::diagnostic::{Diagnostic, Location};

const AAC_SAMPLE_RATES: &[u32] = &[32000, 44100, 48000, 88200, 96000];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    Wav,
    Flac,
    Mp3,
    M4a,
    M4b,
    Vtt,
    Srt,
    Transcript,
    Chapters,
    /// H.264 video with the AAC audio, chapters and captions.
    Mp4,
    /// The cover with the episode's title, for upload pages (with `mp4`).
    Thumbnail,
    /// A description with chapter timestamps for YouTube (with `mp4`).
    Youtube,
}

impl Format {
    pub const ALL: &'static [Format] = &[
        Format::Wav,
        Format::Flac,
        Format::Mp3,
        Format::M4a,
        Format::M4b,
        Format::Vtt,
        Format::Srt,
        Format::Transcript,
        Format::Chapters,
        Format::Mp4,
        Format::Thumbnail,
        Format::Youtube,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Format::Wav => "wav",
            Format::Flac => "flac",
            Format::Mp3 => "mp3",
            Format::M4a => "m4a",
            Format::M4b => "m4b",
            Format::Vtt => "vtt",
            Format::Srt => "srt",
            Format::Transcript => "transcript",
            Format::Chapters => "chapters",
            Format::Mp4 => "mp4",
            Format::Thumbnail => "thumbnail",
            Format::Youtube => "youtube",
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            Format::Transcript => "transcript.json",
            Format::Chapters => "chapters.json",
            Format::Thumbnail => "png",
            Format::Youtube => "youtube.txt",
            other => other.name(),
        }
    }

    /// Audio formats carry loudness; the others are text.
    pub fn is_audio(self) -> bool {
        matches!(
            self,
            Format::Wav | Format::Flac | Format::Mp3 | Format::M4a | Format::M4b
        )
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Output {
    pub sample_rate: u32,
    pub channels: u16,
    pub formats: Vec<Format>,
    pub mp3: Mp3Mode,
    pub aac_bitrate_kbps: u32,
}

/// MP3 rate control: constant bitrate (kbps) or VBR quality (0 best - 9).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mp3Mode {
    CbrKbps(u32),
    VbrQuality(u32),
}

impl Output {
    pub fn from_raw(raw: RawOutput, source: &SourceText) -> Result<Output, Diagnostic> {
        // The rate is checked against the formats below: keep where it was written.
        let sample_rate_at = raw.sample_rate.as_ref().map(|v| source.location(v.span()));
        let sample_rate = raw.sample_rate.map_or(Ok(44100), |v| {
            let v = source.sourced(v);
            if SAMPLE_RATES.contains(&v.value) {
                Ok(v.value)
            } else {
                Err(v
                    .error(format!("unsupported sample_rate {}", v.value))
                    .with_help(format!(
                        "use one of {}",
                        SAMPLE_RATES
                            .iter()
                            .map(u32::to_string)
                            .collect::<Vec<_>>()
                            .join(", ")
                    )))
            }
        })?;
        let channels = raw.channels.map_or(Ok(1), |v| {
            let v = source.sourced(v);
            if v.value == 1 || v.value == 2 {
                Ok(v.value)
            } else {
                Err(v.error(format!(
                    "channels must be 1 (mono) or 2 (stereo), not {}",
                    v.value
                )))
            }
        })?;
        let formats = match raw.formats {
            None => vec![Format::Wav],
            Some(list) => {
                let list_span = list.span();
                let mut formats = Vec::new();
                for name in list.into_inner() {
                    let name = source.sourced(name);
                    let Some(format) = Format::ALL.iter().copied().find(|f| f.name() == name.value)
                    else {
                        let names: Vec<&str> = Format::ALL.iter().map(|f| f.name()).collect();
                        return Err(name
                            .error(format!("unknown output format `{}`", name.value))
                            .with_help(format!("supported formats: {}", names.join(", "))));
                    };
                    if !formats.contains(&format) {
                        formats.push(format);
                    }
                }
                if formats.is_empty() {
                    return Err(Diagnostic::error(
                        "output.formats is empty: nothing would be built",
                    )
                    .at(source.location(list_span)));
                }
                // A video is uploaded with its thumbnail and description.
                if formats.contains(&Format::Mp4) {
                    for companion in [Format::Thumbnail, Format::Youtube] {
                        if !formats.contains(&companion) {
                            formats.push(companion);
                        }
                    }
                }
                formats
            }
        };
        let mp3_bitrate_at = raw.mp3_bitrate.as_ref().map(|v| source.location(v.span()));
        let mp3 = match (raw.mp3_bitrate, raw.mp3_quality) {
            (Some(_), Some(q)) => {
                return Err(source.sourced(q).error(
                    "set either output.mp3_bitrate (CBR) or output.mp3_quality (VBR), not both",
                ));
            }
            (Some(b), None) => {
                let b = source.sourced(b);
                if !MP3_BITRATES.contains(&b.value) {
                    return Err(b
                        .error(format!("unsupported mp3_bitrate {}", b.value))
                        .with_help(format!(
                            "use one of {} (kbps)",
                            MP3_BITRATES
                                .iter()
                                .map(u32::to_string)
                                .collect::<Vec<_>>()
                                .join(", ")
                        )));
                }
                Mp3Mode::CbrKbps(b.value)
            }
            (None, Some(q)) => {
                let q = source.sourced(q);
                if q.value > 9 {
                    return Err(q.error(format!(
                        "mp3_quality must be 0 (best) to 9, not {}",
                        q.value
                    )));
                }
                Mp3Mode::VbrQuality(q.value)
            }
            // 128 kbps, or the most a low sample rate takes (64 kbps).
            (None, None) => Mp3Mode::CbrKbps(
                mp3_bitrates_at(sample_rate, channels)
                    .into_iter()
                    .filter(|&kbps| kbps <= 128)
                    .max()
                    .unwrap_or(128),
            ),
        };
        if let (Mp3Mode::CbrKbps(kbps), Some(at)) = (&mp3, &mp3_bitrate_at)
            && formats.contains(&Format::Mp3)
            && sample_rate <= 48_000
        {
            let fits = mp3_bitrates_at(sample_rate, channels);
            if !fits.contains(kbps) {
                let list = fits.iter().map(u32::to_string).collect::<Vec<_>>();
                return Err(Diagnostic::error(format!(
                    "an MP3 at {sample_rate} Hz ({}) cannot be {kbps} kbps",
                    if channels == 1 { "mono" } else { "stereo" }
                ))
                .at(at.clone())
                .with_help(format!(
                    "at {sample_rate} Hz use one of {} kbps (with room for the LAME tag players \
                     need for gapless playback), or change sample_rate",
                    list.join(", ")
                )));
            }
        }
        let aac_bitrate_kbps = match raw.aac_bitrate {
            None => 96,
            Some(b) => {
                let b = source.sourced(b);
                if !(16..=320).contains(&b.value) {
                    return Err(b.error(format!(
                        "aac_bitrate must be between 16 and 320 kbps, not {}",
                        b.value
                    )));
                }
                b.value
            }
        };
        if formats
            .iter()
            .any(|f| matches!(f, Format::M4a | Format::M4b | Format::Mp4))
            && !AAC_SAMPLE_RATES.contains(&sample_rate)
        {
            // The pure-Rust AAC encoder produces loud artefacts below 32 kHz
            // (measured: peaks above full scale at 22.05 and 24 kHz).
            return Err(located(
                Diagnostic::error(format!(
                    "m4a, m4b and mp4 (AAC audio) need a sample_rate of 32000 Hz or more, not {sample_rate}"
                ))
                .with_help("use sample_rate = 44100 (or 32000, 48000) for AAC outputs"),
                &sample_rate_at,
            ));
        }
        if formats.contains(&Format::Mp3) && sample_rate > 48_000 {
            return Err(located(
                Diagnostic::error(format!("MP3 cannot be encoded at {sample_rate} Hz"))
                    .with_help("use a sample_rate of 48000 or lower for mp3"),
                &sample_rate_at,
            ));
        }
        Ok(Output {
            sample_rate,
            channels,
            formats,
            mp3,
            aac_bitrate_kbps,
        })
    }
}

fn located(diag: Diagnostic, at: &Option<Location>) -> Diagnostic {
    match at {
        Some(location) => diag.at(location.clone()),
        None => diag,
    }
}

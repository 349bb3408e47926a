//! `[output]`: the audio format and the files every episode is published as.

use serde::Serialize;

use super::schema::RawOutput;
use super::source::SourceText;
use crate::diagnostic::Diagnostic;

pub const SAMPLE_RATES: &[u32] = &[
    8000, 11025, 16000, 22050, 24000, 32000, 44100, 48000, 88200, 96000,
];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    Wav,
}

impl Format {
    pub const ALL: &'static [Format] = &[Format::Wav];

    pub fn name(self) -> &'static str {
        match self {
            Format::Wav => "wav",
        }
    }

    pub fn extension(self) -> &'static str {
        self.name()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Output {
    pub sample_rate: u32,
    pub channels: u16,
    pub formats: Vec<Format>,
}

impl Output {
    pub fn from_raw(raw: RawOutput, source: &SourceText) -> Result<Output, Diagnostic> {
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
                formats
            }
        };
        Ok(Output {
            sample_rate,
            channels,
            formats,
        })
    }
}

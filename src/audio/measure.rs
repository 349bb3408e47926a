//! Loudness measurement (EBU R128 / ITU-R BS.1770) with the `ebur128` crate:
//! integrated loudness and true peak.

use ebur128::{EbuR128, Mode};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Loudness {
    /// LUFS; `None` for silence.
    pub integrated_lufs: Option<f64>,
    /// dBTP; `None` for silence.
    pub true_peak_db: Option<f64>,
}

pub struct Meter {
    meter: EbuR128,
    channels: u16,
}

impl Meter {
    pub fn new(sample_rate: u32, channels: u16, true_peak: bool) -> Result<Meter, String> {
        let mode = if true_peak {
            Mode::I | Mode::TRUE_PEAK
        } else {
            Mode::I
        };
        let meter = EbuR128::new(u32::from(channels), sample_rate, mode)
            .map_err(|e| format!("loudness meter: {e:?}"))?;
        Ok(Meter { meter, channels })
    }

    pub fn add(&mut self, interleaved: &[f32]) -> Result<(), String> {
        self.meter
            .add_frames_f32(interleaved)
            .map_err(|e| format!("loudness meter: {e:?}"))
    }

    pub fn finish(&self) -> Loudness {
        let integrated = self.meter.loudness_global().ok().filter(|l| l.is_finite());
        let peak = (0..u32::from(self.channels))
            .filter_map(|c| self.meter.true_peak(c).ok())
            .fold(0.0f64, f64::max);
        Loudness {
            integrated_lufs: integrated,
            true_peak_db: (peak > 0.0).then(|| 20.0 * peak.log10()),
        }
    }
}

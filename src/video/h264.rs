//! H.264 with OpenH264 (Cisco's encoder, built from source by the
//! `openh264` crate): RGBA frames in, MP4-style samples out (NAL units
//! with 4-byte lengths; the SPS and PPS kept apart for the `avcC` box).
//!
//! One thread and fixed settings: the same frames give the same bytes.

use openh264::OpenH264API;
use openh264::encoder::{
    BitRate, Complexity, Encoder, EncoderConfig, FrameRate, FrameType, IntraFramePeriod, QpRange,
    RateControlMode, SpsPpsStrategy, UsageType, VuiConfig,
};
use openh264::formats::{RgbaSliceU8, YUVBuffer};

/// One encoded frame.
pub struct Sample {
    /// NAL units, each after its length as 4 big-endian bytes.
    pub data: Vec<u8>,
    /// An IDR frame: decoding can start here.
    pub sync: bool,
}

pub struct H264 {
    encoder: Encoder,
    yuv: YUVBuffer,
    width: usize,
    height: usize,
    sps: Option<Vec<u8>>,
    pps: Option<Vec<u8>>,
}

/// Bits per pixel per frame: only a hint to the encoder, whose quality is
/// fixed by `QP`.
const BITS_PER_PIXEL: f64 = 0.04;
/// The quantiser: low enough that caption text stays sharp.
const QP: u8 = 26;

impl H264 {
    /// `gop`: frames from one IDR to the next, for seeking.
    pub fn new(width: u32, height: u32, fps: u32, gop: u32) -> Result<H264, String> {
        let bitrate = (f64::from(width) * f64::from(height) * f64::from(fps) * BITS_PER_PIXEL)
            .max(100_000.0) as u32;
        let config = EncoderConfig::new()
            .usage_type(UsageType::ScreenContentRealTime)
            // A fixed quality (no rate control, which would need to drop
            // frames, and every frame must come out: the track counts them).
            .rate_control_mode(RateControlMode::Off)
            .qp(QpRange::new(QP, QP))
            .bitrate(BitRate::from_bps(bitrate))
            .max_frame_rate(FrameRate::from_hz(fps as f32))
            .skip_frames(false)
            .complexity(Complexity::Medium)
            .intra_frame_period(IntraFramePeriod::from_num_frames(gop))
            .sps_pps_strategy(SpsPpsStrategy::ConstantId)
            .scene_change_detect(true)
            .adaptive_quantization(false)
            .background_detection(false)
            .num_threads(1)
            // openh264's RGB conversion is BT.601, limited range: say so.
            .vui(VuiConfig::bt601());
        let encoder = Encoder::with_api_config(OpenH264API::from_source(), config)
            .map_err(|e| format!("cannot start the H.264 encoder: {e}"))?;
        let (width, height) = (width as usize, height as usize);
        Ok(H264 {
            encoder,
            yuv: YUVBuffer::new(width, height),
            width,
            height,
            sps: None,
            pps: None,
        })
    }

    /// Encodes one RGBA frame (width * height * 4 bytes); `idr` forces a
    /// key frame.
    pub fn encode(&mut self, rgba: &[u8], idr: bool) -> Result<Sample, String> {
        self.yuv
            .read_rgba8(RgbaSliceU8::new(rgba, (self.width, self.height)));
        if idr {
            self.encoder.force_intra_frame();
        }
        let stream = self
            .encoder
            .encode(&self.yuv)
            .map_err(|e| format!("H.264 encoding failed: {e}"))?;
        let sync = matches!(stream.frame_type(), FrameType::IDR);
        let mut data = Vec::new();
        for l in 0..stream.num_layers() {
            let layer = stream.layer(l).expect("a layer below num_layers");
            for n in 0..layer.nal_count() {
                let nal = strip_start_code(layer.nal_unit(n).expect("a NAL below nal_count"));
                match nal.first().map(|b| b & 0x1f) {
                    Some(7) => self.sps = Some(nal.to_vec()),
                    Some(8) => self.pps = Some(nal.to_vec()),
                    Some(_) => {
                        data.extend_from_slice(&(nal.len() as u32).to_be_bytes());
                        data.extend_from_slice(nal);
                    }
                    None => {}
                }
            }
        }
        if data.is_empty() {
            return Err("the H.264 encoder returned no picture for a frame".to_string());
        }
        Ok(Sample { data, sync })
    }

    /// The sequence and picture parameter sets, once a frame is encoded.
    pub fn parameter_sets(&self) -> Option<(&[u8], &[u8])> {
        Some((self.sps.as_deref()?, self.pps.as_deref()?))
    }
}

/// A NAL unit without its Annex B start code.
fn strip_start_code(nal: &[u8]) -> &[u8] {
    if nal.starts_with(&[0, 0, 0, 1]) {
        &nal[4..]
    } else if nal.starts_with(&[0, 0, 1]) {
        &nal[3..]
    } else {
        nal
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A gradient with a small square at `at`: a little motion, as in a waveform.
    pub(crate) fn frame(w: usize, h: usize, at: u8) -> Vec<u8> {
        (0..w * h)
            .flat_map(|i| {
                let (x, y) = (i % w, i / w);
                let square = (x as u8).wrapping_sub(at) < 8 && y < 8;
                if square {
                    [255, 255, 255, 255]
                } else {
                    [40, (x * 2) as u8, (y * 3) as u8, 255]
                }
            })
            .collect()
    }

    fn encode_all(frames: &[Vec<u8>]) -> Vec<(Vec<u8>, bool)> {
        let mut encoder = H264::new(64, 48, 10, 20).unwrap();
        frames
            .iter()
            .enumerate()
            .map(|(i, f)| {
                let s = encoder.encode(f, i == 0).unwrap();
                (s.data, s.sync)
            })
            .collect()
    }

    #[test]
    fn the_first_frame_is_idr_and_the_same_frames_give_the_same_bytes() {
        let frames: Vec<Vec<u8>> = (0..12).map(|i| frame(64, 48, i * 2)).collect();
        let once = encode_all(&frames);
        assert!(once[0].1);
        assert!(!once[1].1);
        assert_eq!(once, encode_all(&frames));
        let mut encoder = H264::new(64, 48, 10, 20).unwrap();
        encoder.encode(&frames[0], true).unwrap();
        let (sps, pps) = encoder.parameter_sets().unwrap();
        assert_eq!((sps[0] & 0x1f, pps[0] & 0x1f), (7, 8));
    }
}

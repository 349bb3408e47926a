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
use openh264::formats::YUVSlices;

/// One encoded frame.
pub struct Sample {
    /// NAL units, each after its length as 4 big-endian bytes.
    pub data: Vec<u8>,
    /// An IDR frame: decoding can start here.
    pub sync: bool,
}

pub struct H264 {
    encoder: Encoder,
    /// The frame as I420: the Y plane, then U, then V.
    yuv: Vec<u8>,
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
            // As `rgba_to_i420` converts.
            .vui(VuiConfig::bt709());
        let encoder = Encoder::with_api_config(OpenH264API::from_source(), config)
            .map_err(|e| format!("cannot start the H.264 encoder: {e}"))?;
        let (width, height) = (width as usize, height as usize);
        Ok(H264 {
            encoder,
            yuv: vec![0; width * height * 3 / 2],
            width,
            height,
            sps: None,
            pps: None,
        })
    }

    /// Encodes one RGBA frame (width * height * 4 bytes); `idr` forces a
    /// key frame.
    pub fn encode(&mut self, rgba: &[u8], idr: bool) -> Result<Sample, String> {
        let (w, h) = (self.width, self.height);
        rgba_to_i420(rgba, w, h, &mut self.yuv);
        let (y, uv) = self.yuv.split_at(w * h);
        let (u, v) = uv.split_at(w * h / 4);
        let planes = YUVSlices::new((y, u, v), (w, h), (w, w / 2, w / 2));
        if idr {
            self.encoder.force_intra_frame();
        }
        let stream = self
            .encoder
            .encode(&planes)
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

/// BT.709 limited-range RGB to I420 in integers (8-bit fixed point), so
/// every machine computes the same planes (the `openh264` crate's own
/// converter picks SIMD code by CPU). Chroma is the mean of each 2x2 block.
fn rgba_to_i420(rgba: &[u8], w: usize, h: usize, out: &mut [u8]) {
    let (y_plane, uv) = out.split_at_mut(w * h);
    let (u_plane, v_plane) = uv.split_at_mut(w * h / 4);
    for (row, y_row) in y_plane.chunks_exact_mut(w).enumerate() {
        let src = &rgba[row * w * 4..(row + 1) * w * 4];
        for (y, px) in y_row.iter_mut().zip(src.chunks_exact(4)) {
            let (r, g, b) = (i32::from(px[0]), i32::from(px[1]), i32::from(px[2]));
            *y = (((47 * r + 157 * g + 16 * b + 128) >> 8) + 16) as u8;
        }
    }
    for cy in 0..h / 2 {
        let top = &rgba[2 * cy * w * 4..(2 * cy + 1) * w * 4];
        let bottom = &rgba[(2 * cy + 1) * w * 4..(2 * cy + 2) * w * 4];
        for cx in 0..w / 2 {
            let mut sum = [0i32; 3];
            for px in [&top[cx * 8..cx * 8 + 8], &bottom[cx * 8..cx * 8 + 8]] {
                for c in 0..3 {
                    sum[c] += i32::from(px[c]) + i32::from(px[4 + c]);
                }
            }
            // Sums of four: the coefficients' >> 8 becomes >> 10.
            let [r, g, b] = sum;
            let u = ((-26 * r - 87 * g + 113 * b + 512) >> 10) + 128;
            let v = ((112 * r - 102 * g - 10 * b + 512) >> 10) + 128;
            u_plane[cy * (w / 2) + cx] = u.clamp(16, 240) as u8;
            v_plane[cy * (w / 2) + cx] = v.clamp(16, 240) as u8;
        }
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
    fn colours_convert_to_bt709_limited_range() {
        let mut out = vec![0u8; 6];
        for (rgb, yuv) in [
            ([0, 0, 0], [16, 128, 128]),
            ([255, 255, 255], [235, 128, 128]),
            ([255, 0, 0], [63, 102, 240]),
        ] {
            rgba_to_i420(&[rgb[0], rgb[1], rgb[2], 255].repeat(4), 2, 2, &mut out);
            assert_eq!([out[0], out[4], out[5]], yuv, "{rgb:?}");
        }
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

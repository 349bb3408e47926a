//! Reading the video an `avatar_command` wrote: the first H.264 track of an
//! MP4 (demuxed by the `mp4` crate), decoded by OpenH264 one frame at a
//! time as rendering reaches it from a reader (the cache's file), so a long
//! chapter's avatar is never whole in memory. Each frame is scaled to cover pod's frame (cropped, not
//! stretched) once, however many of pod's frames show it.

use std::io::{Cursor, Read, Seek};

use image::imageops::FilterType;
use image::{DynamicImage, RgbaImage};
use mp4::{MediaType, Mp4Reader};
use openh264::OpenH264API;
use openh264::decoder::{DecodedYUV, Decoder, DecoderConfig, Flush};
use openh264::formats::YUVSource;

/// A decoded frame: when it starts showing (seconds from the video's first
/// frame) and its pixels, RGBA at pod's frame size.
struct Shown {
    at: f64,
    rgba: Vec<u8>,
}

pub struct AvatarVideo<R: Read + Seek> {
    reader: Mp4Reader<R>,
    track: u32,
    samples: u32,
    /// The next sample to feed the decoder (1-based, as `mp4` counts).
    next_sample: u32,
    /// Every frame's presentation time in seconds, in display order: the
    /// decoder hands frames out in that order.
    times: Vec<f64>,
    decoded: usize,
    decoder: Decoder,
    /// Bytes of each NAL unit's length prefix in the samples.
    length_size: usize,
    /// SPS and PPS with start codes, fed before each key frame.
    headers: Vec<u8>,
    /// Frames the decoder gave up at the end, not yet shown.
    flushed: std::collections::VecDeque<Vec<u8>>,
    finished: bool,
    width: u32,
    height: u32,
    current: Option<Shown>,
    next: Option<Shown>,
}

impl<R: Read + Seek> AvatarVideo<R> {
    /// Opens the `size` bytes `from` reads, to be shown at `width` x
    /// `height`.
    pub fn open(from: R, size: u64, width: u32, height: u32) -> Result<AvatarVideo<R>, String> {
        let reader =
            Mp4Reader::read_header(from, size).map_err(|e| format!("not an MP4 file: {e}"))?;
        let mut ids: Vec<u32> = reader
            .tracks()
            .iter()
            .filter(|(_, t)| t.media_type().is_ok_and(|m| m == MediaType::H264))
            .map(|(&id, _)| id)
            .collect();
        ids.sort_unstable();
        let Some(&track_id) = ids.first() else {
            return Err("the MP4 file has no H.264 video track".into());
        };
        let track = &reader.tracks()[&track_id];
        let avc1 = track
            .trak
            .mdia
            .minf
            .stbl
            .stsd
            .avc1
            .as_ref()
            .ok_or("the H.264 track has no avc1 description")?;
        let mut headers = Vec::new();
        for nal in avc1
            .avcc
            .sequence_parameter_sets
            .iter()
            .chain(&avc1.avcc.picture_parameter_sets)
        {
            headers.extend_from_slice(&[0, 0, 0, 1]);
            headers.extend_from_slice(&nal.bytes);
        }
        let timescale = f64::from(track.timescale().max(1));
        let samples = track.sample_count();
        let length_size = usize::from(avc1.avcc.length_size_minus_one & 3) + 1;
        let mut reader = reader;
        let mut times = Vec::with_capacity(samples as usize);
        for id in 1..=samples {
            let sample = reader
                .read_sample(track_id, id)
                .map_err(|e| format!("sample {id} of the video: {e}"))?
                .ok_or_else(|| format!("sample {id} of the video is missing"))?;
            times.push((sample.start_time as f64 + f64::from(sample.rendering_offset)) / timescale);
        }
        times.sort_by(f64::total_cmp);
        let first = times.first().copied().unwrap_or(0.0);
        for t in &mut times {
            *t -= first;
        }
        let config = DecoderConfig::new().flush_after_decode(Flush::NoFlush);
        let decoder = Decoder::with_api_config(OpenH264API::from_source(), config)
            .map_err(|e| format!("cannot start the H.264 decoder: {e}"))?;
        let mut video = AvatarVideo {
            reader,
            track: track_id,
            samples,
            next_sample: 1,
            times,
            decoded: 0,
            decoder,
            length_size,
            headers,
            flushed: Default::default(),
            finished: false,
            width,
            height,
            current: None,
            next: None,
        };
        video.current = video.decode_next()?;
        if video.current.is_none() {
            return Err("the video has no frame that decodes".into());
        }
        video.next = video.decode_next()?;
        Ok(video)
    }

    /// The frame showing `seconds` after the video's start, RGBA at pod's
    /// frame size; past the end, the last frame. Calls must not go back in
    /// time.
    pub fn frame_at(&mut self, seconds: f64) -> Result<&[u8], String> {
        while self.next.as_ref().is_some_and(|n| n.at <= seconds) {
            self.current = self.next.take();
            self.next = self.decode_next()?;
        }
        Ok(&self.current.as_ref().expect("opened with a frame").rgba)
    }

    /// The next frame in display order, scaled; `None` after the last.
    fn decode_next(&mut self) -> Result<Option<Shown>, String> {
        let rgba = loop {
            if let Some(rgba) = self.flushed.pop_front() {
                break Some(rgba);
            }
            if self.finished {
                break None;
            }
            if self.next_sample > self.samples {
                self.finished = true;
                let (width, height) = (self.width, self.height);
                let frames = self
                    .decoder
                    .flush_remaining()
                    .map_err(|e| format!("the H.264 decoder failed at the end: {e}"))?;
                self.flushed = frames.iter().map(|f| scaled(f, width, height)).collect();
                continue;
            }
            let id = self.next_sample;
            self.next_sample += 1;
            let sample = self
                .reader
                .read_sample(self.track, id)
                .map_err(|e| format!("sample {id} of the video: {e}"))?
                .ok_or_else(|| format!("sample {id} of the video is missing"))?;
            let packet = annex_b(
                &sample.bytes,
                self.length_size,
                sample.is_sync.then_some(&self.headers[..]),
            )
            .ok_or_else(|| format!("sample {id} of the video is not length-prefixed H.264"))?;
            let (width, height) = (self.width, self.height);
            match self.decoder.decode(&packet) {
                Ok(Some(frame)) => break Some(scaled(&frame, width, height)),
                Ok(None) => {}
                Err(e) => return Err(format!("the H.264 decoder failed on sample {id}: {e}")),
            }
        };
        Ok(rgba.map(|rgba| {
            // Frames beyond the samples' count (there should be none) keep
            // the last time, so they never jump ahead.
            let at = self
                .times
                .get(self.decoded)
                .or(self.times.last())
                .copied()
                .unwrap_or(0.0);
            self.decoded += 1;
            Shown { at, rgba }
        }))
    }
}

/// Length-prefixed NAL units as the decoder takes them: each after a start
/// code, `headers` first. `None` when the lengths do not add up.
fn annex_b(sample: &[u8], length_size: usize, headers: Option<&[u8]>) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(sample.len() + 64);
    out.extend_from_slice(headers.unwrap_or_default());
    let mut rest = sample;
    while !rest.is_empty() {
        if rest.len() < length_size {
            return None;
        }
        let length = rest[..length_size]
            .iter()
            .fold(0usize, |n, &b| (n << 8) | usize::from(b));
        let nal = rest.get(length_size..length_size + length)?;
        out.extend_from_slice(&[0, 0, 0, 1]);
        out.extend_from_slice(nal);
        rest = &rest[length_size + length..];
    }
    Some(out)
}

/// `frame` as RGBA covering `width` x `height`.
fn scaled(frame: &DecodedYUV, width: u32, height: u32) -> Vec<u8> {
    let (w, h) = frame.dimensions();
    let mut rgba = vec![0u8; w * h * 4];
    frame.write_rgba8(&mut rgba);
    if (w as u32, h as u32) == (width, height) {
        return rgba;
    }
    let image = RgbaImage::from_raw(w as u32, h as u32, rgba).expect("w * h * 4 bytes");
    DynamicImage::ImageRgba8(image)
        .resize_to_fill(width, height, FilterType::Triangle)
        .into_rgba8()
        .into_raw()
}

/// Whether `bytes` are a video pod can show: an MP4 whose H.264 track's
/// first frame decodes.
pub fn check(bytes: &[u8]) -> Result<(), String> {
    AvatarVideo::open(Cursor::new(bytes), bytes.len() as u64, 16, 16).map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn length_prefixed_units_get_start_codes() {
        let sample = [0, 0, 0, 2, 0x65, 0xaa, 0, 0, 0, 1, 0x41];
        assert_eq!(
            annex_b(&sample, 4, Some(&[9])).unwrap(),
            vec![9, 0, 0, 0, 1, 0x65, 0xaa, 0, 0, 0, 1, 0x41]
        );
        assert_eq!(annex_b(&[0, 5, 1], 2, None), None);
        assert!(check(b"not a video").is_err());
    }
}

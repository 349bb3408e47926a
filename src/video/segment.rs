//! A rendered segment as the cache stores it: a header, the encoded frames
//! as they came out of the encoder, then their index and the parameter
//! sets, found from a fixed-size footer. Written streaming, so a chapter
//! of any length needs the memory of a few frames; read back index first,
//! so the movie can be laid out before any frame is copied.

use std::io::{self, Read, Seek, SeekFrom, Write};

use super::h264::H264;

const MAGIC: &[u8; 8] = b"PODSEG1\0";
const FOOTER: &[u8; 8] = b"PODSEGIX";
const HEADER_LEN: u64 = 8 + 16;
const FOOTER_LEN: i64 = 8 + 4 + 8;

/// Seconds between key frames, for seeking.
const GOP_SECONDS: u32 = 2;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SampleInfo {
    /// From the start of the segment blob.
    pub offset: u64,
    pub size: u32,
    /// In the segment's timescale.
    pub duration: u32,
    pub sync: bool,
}

/// A segment's index: what the movie needs to lay it out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Segment {
    pub width: u32,
    pub height: u32,
    pub timescale: u32,
    pub fps: u32,
    pub sps: Vec<u8>,
    pub pps: Vec<u8>,
    pub samples: Vec<SampleInfo>,
}

impl Segment {
    pub fn duration(&self) -> u64 {
        self.samples.iter().map(|s| u64::from(s.duration)).sum()
    }

    /// Reads the header and index only.
    pub fn read_index<R: Read + Seek>(r: &mut R) -> io::Result<Segment> {
        let bad =
            |why: &str| io::Error::new(io::ErrorKind::InvalidData, format!("bad segment: {why}"));
        let mut header = [0u8; HEADER_LEN as usize];
        r.seek(SeekFrom::Start(0))?;
        r.read_exact(&mut header)?;
        if &header[..8] != MAGIC {
            return Err(bad("not a segment"));
        }
        let word = |b: &[u8], i: usize| u32::from_be_bytes(b[i..i + 4].try_into().unwrap());
        let (width, height, timescale, fps) = (
            word(&header, 8),
            word(&header, 12),
            word(&header, 16),
            word(&header, 20),
        );
        r.seek(SeekFrom::End(-FOOTER_LEN))?;
        let mut footer = [0u8; FOOTER_LEN as usize];
        r.read_exact(&mut footer)?;
        if &footer[12..] != FOOTER {
            return Err(bad("no index"));
        }
        let index_at = u64::from_be_bytes(footer[..8].try_into().unwrap());
        let count = word(&footer, 8) as usize;
        r.seek(SeekFrom::Start(index_at))?;
        let mut index = vec![0u8; count * 9];
        r.read_exact(&mut index)?;
        let mut offset = HEADER_LEN;
        let samples = index
            .chunks(9)
            .map(|e| {
                let sample = SampleInfo {
                    offset,
                    size: word(e, 0),
                    duration: word(e, 4),
                    sync: e[8] == 1,
                };
                offset += u64::from(sample.size);
                sample
            })
            .collect::<Vec<_>>();
        if offset != index_at {
            return Err(bad("its index does not match its frames"));
        }
        let mut set = || -> io::Result<Vec<u8>> {
            let mut len = [0u8; 2];
            r.read_exact(&mut len)?;
            let mut bytes = vec![0u8; u16::from_be_bytes(len) as usize];
            r.read_exact(&mut bytes)?;
            Ok(bytes)
        };
        let (sps, pps) = (set()?, set()?);
        Ok(Segment {
            width,
            height,
            timescale,
            fps,
            sps,
            pps,
            samples,
        })
    }
}

/// Each frame's duration in `timescale` units for a segment `length` long:
/// frame `i` starts at `i * timescale / fps` (rounded), and the last one
/// lasts to the segment's end, so segments end exactly where they should.
/// The last frame lasts at least a frame (up to two) when the segment is
/// that long: a sliver of a frame at a chapter's end would share its
/// timestamp with the next frame once a player or ffmpeg counts time in
/// frames, which ffmpeg refuses as "non monotonically increasing dts".
/// A segment of no length (two headings in a row) has no frame.
pub fn frame_durations(length: u64, timescale: u32, fps: u32) -> Vec<u32> {
    if length == 0 {
        return Vec::new();
    }
    let start = |i: u64| (i * u64::from(timescale) + u64::from(fps) / 2) / u64::from(fps);
    let mut durations = Vec::new();
    let mut i = 0;
    while start(i + 2) <= length {
        durations.push((start(i + 1) - start(i)) as u32);
        i += 1;
    }
    durations.push((length - start(i)).max(1) as u32);
    durations
}

/// Encodes frames into a segment blob.
pub struct SegmentEncoder<W: Write> {
    out: W,
    encoder: H264,
    size: (u32, u32),
    gop: u32,
    written: u64,
    index: Vec<u8>,
    count: u32,
    /// The last frames written were a repeated group: what a decoder holds
    /// is no longer what the encoder references.
    repeated: bool,
}

impl<W: Write> SegmentEncoder<W> {
    pub fn new(
        mut out: W,
        width: u32,
        height: u32,
        fps: u32,
        timescale: u32,
    ) -> Result<SegmentEncoder<W>, String> {
        let gop = (fps * GOP_SECONDS).max(2);
        let encoder = H264::new(width, height, fps, gop)?;
        let mut header = MAGIC.to_vec();
        for v in [width, height, timescale, fps] {
            header.extend_from_slice(&v.to_be_bytes());
        }
        out.write_all(&header).map_err(|e| e.to_string())?;
        Ok(SegmentEncoder {
            out,
            encoder,
            size: (width, height),
            gop,
            written: HEADER_LEN,
            index: Vec::new(),
            count: 0,
            repeated: false,
        })
    }

    fn write(&mut self, data: &[u8], duration: u32, sync: bool) -> Result<(), String> {
        self.out.write_all(data).map_err(|e| e.to_string())?;
        self.index
            .extend_from_slice(&(data.len() as u32).to_be_bytes());
        self.index.extend_from_slice(&duration.to_be_bytes());
        self.index.push(u8::from(sync));
        self.written += data.len() as u64;
        self.count += 1;
        Ok(())
    }

    /// One frame; the first of a segment and every `gop`-th is a key frame.
    pub fn push(&mut self, rgba: &[u8], duration: u32) -> Result<(), String> {
        let idr = self.count.is_multiple_of(self.gop) || self.repeated;
        self.repeated = false;
        let sample = self.encoder.encode(rgba, idr)?;
        self.write(&sample.data, duration, sample.sync)
    }

    /// The same picture for every duration: encoded once as one group of
    /// pictures (a key frame and frames that repeat it), whose samples are
    /// then written again and again. Each repeat starts at a key frame, so
    /// the stream stays valid and seekable.
    pub fn push_repeated(&mut self, rgba: &[u8], durations: &[u32]) -> Result<(), String> {
        let frames = durations.len().min(self.gop as usize);
        let mut group = Vec::with_capacity(frames);
        for i in 0..frames {
            group.push(self.encoder.encode(rgba, i == 0)?);
        }
        for (i, &duration) in durations.iter().enumerate() {
            let sample = &group[i % frames];
            self.write(&sample.data, duration, sample.sync)?;
        }
        self.repeated = true;
        Ok(())
    }

    /// Writes the index and parameter sets.
    pub fn finish(mut self) -> Result<(), String> {
        if self.count == 0 {
            // A segment of no frames (a chapter of no length) still says
            // how its frames are coded, as the movie checks every
            // segment's against the first's: a black frame is encoded for
            // them and not written.
            let (width, height) = self.size;
            let black = vec![0u8; width as usize * height as usize * 4];
            self.encoder.encode(&black, true)?;
        }
        let (sps, pps) = self
            .encoder
            .parameter_sets()
            .map(|(s, p)| (s.to_vec(), p.to_vec()))
            .ok_or("a segment with no frames")?;
        let mut tail = std::mem::take(&mut self.index);
        for set in [&sps, &pps] {
            tail.extend_from_slice(&(set.len() as u16).to_be_bytes());
            tail.extend_from_slice(set);
        }
        tail.extend_from_slice(&self.written.to_be_bytes());
        tail.extend_from_slice(&self.count.to_be_bytes());
        tail.extend_from_slice(FOOTER);
        self.out.write_all(&tail).map_err(|e| e.to_string())?;
        self.out.flush().map_err(|e| e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_end_exactly_at_the_segment_end() {
        assert_eq!(frame_durations(44_100, 44_100, 10), vec![4410; 10]);
        // 24 fps at 44.1 kHz: 1837.5 rounds alternately; the last frame fills.
        let d = frame_durations(44_100, 44_100, 24);
        assert_eq!(d.iter().map(|&d| u64::from(d)).sum::<u64>(), 44_100);
        assert!(d.iter().all(|&d| (1837..=1838).contains(&d)), "{d:?}");
        // A partial frame's time goes to the last whole one; a segment
        // shorter than a frame is one frame.
        assert_eq!(frame_durations(10_000, 44_100, 10), vec![4410, 5590]);
        assert_eq!(frame_durations(8_821, 44_100, 10), vec![4410, 4411]);
        assert_eq!(frame_durations(8_820, 44_100, 10), vec![4410, 4410]);
        assert_eq!(frame_durations(5_000, 44_100, 10), vec![5000]);
        assert_eq!(frame_durations(100, 44_100, 10), vec![100]);
        assert_eq!(frame_durations(0, 44_100, 10), Vec::<u32>::new());
        // No frame is shorter than a frame but a segment's only one.
        for length in 4410..20_000 {
            let d = frame_durations(length, 44_100, 10);
            assert_eq!(d.iter().map(|&d| u64::from(d)).sum::<u64>(), length);
            assert!(
                d.iter().all(|&d| (4410..8820).contains(&d)),
                "{length}: {d:?}"
            );
        }
    }

    /// A chapter of no length: no frame, but the parameter sets every
    /// segment of the movie shares.
    #[test]
    fn a_segment_of_no_frames_has_its_parameter_sets() {
        let encode = |frames: u8| {
            let mut blob = Vec::new();
            let mut encoder = SegmentEncoder::new(&mut blob, 32, 16, 5, 1000).unwrap();
            for i in 0..frames {
                encoder
                    .push(&super::super::h264::tests::frame(32, 16, i), 200)
                    .unwrap();
            }
            encoder.finish().unwrap();
            Segment::read_index(&mut std::io::Cursor::new(&blob)).unwrap()
        };
        let (empty, one) = (encode(0), encode(1));
        assert!(empty.samples.is_empty());
        assert_eq!(empty.duration(), 0);
        assert_eq!((&empty.sps, &empty.pps), (&one.sps, &one.pps));
    }

    #[test]
    fn the_index_reads_back() {
        let (w, h) = (32, 16);
        let frame = |at: u8| super::super::h264::tests::frame(w, h, at);
        let mut blob = Vec::new();
        let mut encoder = SegmentEncoder::new(&mut blob, w as u32, h as u32, 5, 1000).unwrap();
        for i in 0..3 {
            encoder.push(&frame(i * 2), 200).unwrap();
        }
        encoder.push_repeated(&frame(9), &[200, 200, 100]).unwrap();
        encoder.finish().unwrap();
        let segment = Segment::read_index(&mut std::io::Cursor::new(&blob)).unwrap();
        assert_eq!(
            (segment.width, segment.height, segment.timescale),
            (32, 16, 1000)
        );
        assert_eq!(segment.samples.len(), 6);
        assert_eq!(segment.duration(), 1100);
        let syncs: Vec<bool> = segment.samples.iter().map(|s| s.sync).collect();
        assert_eq!(syncs, [true, false, false, true, false, false]);
        assert_eq!(segment.sps[0] & 0x1f, 7);
        // Each sample is a run of length-prefixed NAL units.
        let first = segment.samples[0];
        let data = &blob[first.offset as usize..(first.offset + u64::from(first.size)) as usize];
        let len = u32::from_be_bytes(data[..4].try_into().unwrap()) as usize;
        assert!(len + 4 <= data.len());
    }
}

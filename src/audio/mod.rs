//! Audio plumbing: the clip format synthesised speech is cached in, PCM
//! blocks (compact FLAC or raw), fades at the ends of speech, decoding,
//! resampling, loudness and limiting.

pub mod blocks;
pub mod clip;
pub mod compact;
pub mod decode;
pub mod fade;
pub mod limiter;
pub mod measure;
pub mod mp4;
pub mod mp4_boxes;
pub mod mp4_text;
pub mod pcm;
pub mod resample;
pub mod riff_info;
pub mod tags;

//! Audio plumbing: the clip format synthesised speech is cached in, PCM
//! blocks, decoding, resampling, loudness and limiting.

pub mod blocks;
pub mod clip;
pub mod decode;
pub mod limiter;
pub mod measure;
pub mod mp4;
pub mod pcm;
pub mod resample;
pub mod riff_info;

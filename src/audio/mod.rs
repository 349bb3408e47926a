//! Audio plumbing: the clip format synthesised speech is cached in,
//! resampling, and sample arithmetic.

pub mod clip;
pub mod pcm;
pub mod resample;

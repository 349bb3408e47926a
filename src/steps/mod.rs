//! One file per step kind.

pub mod aac;
pub mod assemble;
pub mod chapters;
pub mod cues;
pub mod decode;
pub mod flac;
pub mod loudness;
pub mod measure;
pub mod mix;
pub mod mp3;
pub mod mp3_tags;
pub mod mp4;
pub mod srt;
pub mod timeline;
pub mod transcript;
pub mod tts;
pub mod vtt;
pub mod wav;

pub use assemble::{Assemble, AssembleInput, AssembleItem};
pub use tts::{Tts, TtsInput, TtsPart};
pub use wav::{Wav, WavInput};

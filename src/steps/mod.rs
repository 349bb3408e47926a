//! One file per step kind.

pub mod assemble;
pub mod tts;
pub mod wav;

pub use assemble::{Assemble, AssembleInput, AssembleItem};
pub use tts::{Tts, TtsInput, TtsPart};
pub use wav::{Wav, WavInput};

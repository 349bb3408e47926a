//! hibari, pod's default voice: an English text front end ported from the
//! `hibari-tts` 0.2.1 Python package (itself a port of misaki 0.9.4's English
//! G2P), a neural acoustic model run by tract, and a signal stage.
//!
//! Text: `normalize` (times, dates, units, abbreviations, symbols) ->
//! `tokenize` (spaCy's English rules) -> `tagger` (averaged perceptron, for
//! homographs) -> `lexicon` (gold/silver dictionaries, number words, stems,
//! stress) -> `g2p` (subword grouping, context, stress resolution); words the
//! lexicon cannot read go to `oov`, a small network. `vocab` maps phonemes to
//! the model's ids. Sound: `model` (phoneme ids to spectral frames, run by
//! tract with three of its operations from `kernels`, or by the user's ONNX
//! Runtime, `onnxruntime`) -> `dsp`
//! (frames to a 24 kHz waveform). `engine` is the plug-in pod's registry
//! lists.

pub mod data;
pub mod dsp;
pub mod engine;
pub mod g2p;
pub mod ipa;
pub mod kernels;
pub mod lexicon;
pub mod model;
pub mod normalize;
pub mod numbers;
pub mod onnxruntime;
pub mod oov;
pub mod pyregex;
pub mod pystr;
pub mod stress;
pub mod tagger;
pub mod token;
pub mod tokenize;
pub mod vocab;

//! hibari's English text front end, ported from the `hibari-tts` 0.2.1 Python
//! package (itself a port of misaki 0.9.4's English G2P): text in, phonemes in
//! the Kokoro symbol set out. Only the front end lives here for now; the engine
//! wiring (acoustic model, registry entry) comes with issue 9, which is why the
//! items are `pub` without a caller yet.
//!
//! Pipeline: `normalize` (times, dates, units, abbreviations, symbols) ->
//! `tokenize` (spaCy's English rules) -> `tagger` (averaged perceptron, for
//! homographs) -> `lexicon` (gold/silver dictionaries, number words, stems,
//! stress) -> `g2p` (subword grouping, context, stress resolution). Words the
//! lexicon cannot read are handed to a caller-supplied out-of-vocabulary
//! reader, or reported. `vocab` maps the phonemes to the model's input ids.

pub mod data;
pub mod dsp;
pub mod engine;
pub mod g2p;
pub mod lexicon;
pub mod model;
pub mod normalize;
pub mod numbers;
pub mod oov;
pub mod pyregex;
pub mod pystr;
pub mod stress;
pub mod tagger;
pub mod token;
pub mod tokenize;
pub mod vocab;

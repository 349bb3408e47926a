//! The logical place of a step (`a/tts/3`, `a/mix`, `a/measure/mp3`): what
//! stays the same when a step's input changes, so `--explain` and `pod
//! status` can compare its input with the previous one at the same place.

/// The logical place of an episode's `n`th sentence.
pub fn sentence_place(episode: &str, n: usize) -> String {
    format!("{episode}/tts/{n}")
}

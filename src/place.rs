//! The logical place of a step (`a/tts/3`, `a/mix`, `a/measure/mp3`): what
//! stays the same when a step's input changes, so `--explain` and `pod
//! status` can compare its input with the previous one at the same place,
//! and `pod cache` can say what an entry is for. One type, built here only,
//! so the executor, the probe, reachability and the index cannot disagree.

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Place(String);

impl Place {
    /// An episode's `n`th sentence.
    pub fn sentence(episode: &str, n: usize) -> Place {
        Place(format!("{episode}/tts/{n}"))
    }

    /// An episode's step named `what` (`mix`, `decode/music`).
    pub fn step(episode: &str, what: &str) -> Place {
        Place(format!("{episode}/{what}"))
    }

    /// The loudness measurement of an episode's output in `format`.
    pub fn measure(episode: &str, format: &str) -> Place {
        Place::step(episode, &format!("measure/{format}"))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The place within its episode (`mix`, `tts/3`), for lists already
    /// grouped by episode.
    pub fn within_episode(&self) -> &str {
        self.0.split_once('/').map_or(&self.0, |(_, what)| what)
    }
}

impl fmt::Display for Place {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn episodes_with_slashes_in_steps_keep_the_whole_step() {
        assert_eq!(
            Place::step("a", "measure/mp3").within_episode(),
            "measure/mp3"
        );
        assert_eq!(Place::sentence("ep-1", 3).as_str(), "ep-1/tts/3");
    }
}

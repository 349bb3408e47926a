//! Stress marks in misaki phoneme strings: `ˈ` primary, `ˌ` secondary, written
//! just before the stressed vowel. Stress levels are misaki's numbers: below
//! -1 removes stress, -1 (and 0 or -0.5 on a stressed word) demotes primary to
//! secondary, 0..1 adds secondary to an unstressed word, above 1 primary.

pub const PRIMARY: char = 'ˈ';
pub const SECONDARY: char = 'ˌ';

pub fn is_vowel(c: char) -> bool {
    "AIOQWYaiuæɑɒɔəɛɜɪʊʌᵻ".contains(c)
}

pub fn is_consonant(c: char) -> bool {
    "bdfhjklmnpstvwzðŋɡɹɾʃʒʤʧθ".contains(c)
}

fn is_diphthong(c: char) -> bool {
    "AIOQWYʤʧ".contains(c)
}

fn is_stress(c: char) -> bool {
    c == PRIMARY || c == SECONDARY
}

/// Syllable weight used to pick which parts of a compound lose stress.
pub fn weight(phonemes: &str) -> usize {
    phonemes
        .chars()
        .map(|c| if is_diphthong(c) { 2 } else { 1 })
        .sum()
}

/// Puts `mark` before the first vowel of an unstressed string.
fn mark_first_vowel(phonemes: &str, mark: char) -> String {
    let mut out = String::with_capacity(phonemes.len() + 2);
    let mut placed = false;
    for c in phonemes.chars() {
        if !placed && is_vowel(c) {
            out.push(mark);
            placed = true;
        }
        out.push(c);
    }
    out
}

pub fn apply(phonemes: &str, stress: Option<f64>) -> String {
    let Some(stress) = stress else {
        return phonemes.to_string();
    };
    let has_primary = phonemes.contains(PRIMARY);
    let has_any = phonemes.chars().any(is_stress);
    let has_vowel = phonemes.chars().any(is_vowel);
    if stress < -1.0 {
        phonemes.chars().filter(|&c| !is_stress(c)).collect()
    } else if stress == -1.0 || ((stress == 0.0 || stress == -0.5) && has_primary) {
        phonemes
            .chars()
            .filter(|&c| c != SECONDARY)
            .map(|c| if c == PRIMARY { SECONDARY } else { c })
            .collect()
    } else if (stress == 0.0 || stress == 0.5 || stress == 1.0) && !has_any {
        if has_vowel {
            mark_first_vowel(phonemes, SECONDARY)
        } else {
            phonemes.to_string()
        }
    } else if stress >= 1.0 && !has_primary && phonemes.contains(SECONDARY) {
        phonemes.replace(SECONDARY, &PRIMARY.to_string())
    } else if stress > 1.0 && !has_any {
        if has_vowel {
            mark_first_vowel(phonemes, PRIMARY)
        } else {
            phonemes.to_string()
        }
    } else {
        phonemes.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stress_levels() {
        assert_eq!(apply("hɛlO", Some(2.0)), "hˈɛlO");
        assert_eq!(apply("hɛlO", Some(0.5)), "hˌɛlO");
        assert_eq!(apply("həlˈO", Some(-1.0)), "həlˌO");
        assert_eq!(apply("ˌɛkˈO", Some(-2.0)), "ɛkO");
        assert_eq!(apply("ˌɛkˌO", Some(2.0)), "ˈɛkˈO");
        assert_eq!(apply("ðə", None), "ðə");
    }
}

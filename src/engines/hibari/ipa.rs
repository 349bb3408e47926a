//! IPA as people write it (dictionaries, PLS lexicons) -> the misaki symbols
//! the American voice was trained on: diphthongs and affricates are one
//! symbol each (`eɪ` -> `A`, `tʃ` -> `ʧ`), length is not written, `r` is
//! `ɹ`, and stress marks sit just before the stressed vowel. Anything else
//! outside that set is refused rather than dropped, so a pronunciation is
//! never silently cut short.

use super::stress::is_vowel;

/// Every symbol misaki's American lexicons use (and so the voice learned),
/// plus the space between words.
const SAYABLE: &str = "ˈˌəɹnsltkɪidmpɛæɑbOfAIɾzʌɡᵊvʃɔuŋwʤhjɜʧθʊᵻWYðʒʔ ";

/// Two-symbol IPA sequences misaki writes as one symbol (or another pair).
const PAIRS: &[(&str, &str)] = &[
    ("eɪ", "A"),
    ("aɪ", "I"),
    ("aʊ", "W"),
    ("ɔɪ", "Y"),
    ("oʊ", "O"),
    ("əʊ", "O"),
    ("dʒ", "ʤ"),
    ("tʃ", "ʧ"),
    ("ɜː", "ɜɹ"),
];

/// One IPA symbol -> its American misaki spelling ("" drops it).
fn single(c: char) -> Option<&'static str> {
    Some(match c {
        'r' | 'ɻ' => "ɹ",
        'g' => "ɡ",
        'ɫ' => "l",
        'ʍ' => "w",
        'ɒ' => "ɑ",
        'e' => "ɛ",
        'o' => "O",
        'ɐ' | 'ɘ' => "ə",
        'ɨ' => "ᵻ",
        'ʉ' => "u",
        'ɝ' => "ɜɹ",
        'ɚ' => "əɹ",
        '\'' => "ˈ",
        // Length, syllable breaks and tie bars are not written in misaki.
        'ː' | 'ˑ' | ':' | '.' | '\u{361}' | '\u{35c}' => "",
        _ => return None,
    })
}

/// `ipa` in misaki's symbols, or the first symbol the voice cannot say.
pub fn to_misaki(ipa: &str) -> Result<String, String> {
    let mut mapped = String::new();
    let chars: Vec<char> = ipa.trim().chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        // Tie bars first, so `t͡ʃ` reads as `tʃ`.
        let next = chars[i + 1..]
            .iter()
            .copied()
            .find(|&n| n != '\u{361}' && n != '\u{35c}');
        let skipped = chars[i + 1..]
            .iter()
            .take_while(|&&n| n == '\u{361}' || n == '\u{35c}')
            .count();
        if let Some(n) = next
            && let Some((_, to)) = PAIRS.iter().find(|(from, _)| {
                let mut f = from.chars();
                f.next() == Some(c) && f.next() == Some(n)
            })
        {
            mapped.push_str(to);
            i += 2 + skipped;
            continue;
        }
        // A syllabic consonant (`n̩`) is misaki's reduced vowel before it.
        if chars.get(i + 1) == Some(&'\u{329}') {
            mapped.push('ᵊ');
            mapped.push_str(single(c).unwrap_or(&c.to_string()));
            i += 2;
            continue;
        }
        match single(c) {
            Some(to) => mapped.push_str(to),
            None => mapped.push(c),
        }
        i += 1;
    }
    let mut out = String::with_capacity(mapped.len());
    let mut pending_stress: Option<char> = None;
    for c in mapped.chars() {
        if !SAYABLE.contains(c) {
            return Err(format!(
                "hibari cannot say `{c}` (U+{:04X}); it says these symbols: {}",
                c as u32,
                SAYABLE.trim()
            ));
        }
        match c {
            'ˈ' | 'ˌ' => pending_stress = Some(c),
            ' ' => {
                // A stress mark never crosses into the next word.
                pending_stress = None;
                out.push(c);
            }
            _ => {
                if is_vowel(c)
                    && let Some(mark) = pending_stress.take()
                {
                    out.push(mark);
                }
                out.push(c);
            }
        }
    }
    if !out.chars().any(|c| is_vowel(c) || c == 'ᵊ') {
        return Err(format!("`{ipa}` has no vowel hibari can say"));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn misaki_symbols_pass_through() {
        assert_eq!(to_misaki("kˈipu").unwrap(), "kˈipu");
        assert_eq!(to_misaki("bˈʌɾəɹ").unwrap(), "bˈʌɾəɹ");
    }

    #[test]
    fn diphthongs_and_affricates_become_one_symbol() {
        assert_eq!(to_misaki("ˈneɪm").unwrap(), "nˈAm");
        assert_eq!(to_misaki("taɪm").unwrap(), "tIm");
        assert_eq!(to_misaki("naʊ").unwrap(), "nW");
        assert_eq!(to_misaki("bɔɪ").unwrap(), "bY");
        assert_eq!(to_misaki("ɡoʊ").unwrap(), "ɡO");
        assert_eq!(to_misaki("ɡəʊ").unwrap(), "ɡO");
        assert_eq!(to_misaki("ˈtʃɜːtʃ").unwrap(), "ʧˈɜɹʧ");
        assert_eq!(to_misaki("d͡ʒæm").unwrap(), "ʤæm");
        assert_eq!(to_misaki("t͜ʃɪp").unwrap(), "ʧɪp");
    }

    #[test]
    fn stress_moves_to_the_vowel_and_length_goes() {
        assert_eq!(to_misaki("ˈkiːpuː").unwrap(), "kˈipu");
        assert_eq!(to_misaki("kəmˈpjuːtɚ").unwrap(), "kəmpjˈutəɹ");
        assert_eq!(to_misaki("'ræ.bɪt").unwrap(), "ɹˈæbɪt");
        assert_eq!(to_misaki("ˌnuː ˈjɔrk").unwrap(), "nˌu jˈɔɹk");
    }

    #[test]
    fn syllabic_consonants_get_a_reduced_vowel() {
        assert_eq!(to_misaki("ˈbʌtn̩").unwrap(), "bˈʌtᵊn");
    }

    #[test]
    fn symbols_the_voice_never_learned_are_refused() {
        let error = to_misaki("ɬan").unwrap_err();
        assert!(error.contains("`ɬ` (U+026C)"), "{error}");
        assert!(to_misaki("bõ").is_err(), "nasal vowels");
        assert!(to_misaki("xa").is_err(), "not in American English");
        assert!(to_misaki("ˈˌ").is_err(), "no vowel at all");
    }

    #[test]
    fn every_sayable_symbol_is_in_the_model_vocabulary() {
        for c in SAYABLE.chars().filter(|&c| c != ' ') {
            assert!(super::super::vocab::knows(c), "{c}");
        }
    }
}

#[cfg(test)]
mod front_end_tests {
    use crate::engines::Engine;
    use crate::engines::hibari::engine::HIBARI;
    use crate::engines::hibari::g2p::phonemize;

    /// What `mark_phonemes` writes reaches the model as given, through the
    /// normaliser and tokenizer, with the words around it read as usual.
    #[test]
    fn marked_words_are_said_as_marked() {
        let marked = HIBARI.mark_phonemes("Khipu", "ˈkiːpuː").unwrap().unwrap();
        assert_eq!(marked, "[Khipu](/kˈipu/)");
        let said = phonemize(&format!("The {marked}, at 3 pm, knots.")).text;
        assert_eq!(said, "ðə kˈipu, æt θɹˈi pˌiˈɛm, nˈɑts.");
        // Unmarked, the front end does not know the word (it would go to
        // the out-of-vocabulary reader).
        assert!(
            phonemize("The Khipu, at 3 pm, knots.")
                .oov
                .contains(&"Khipu".to_string())
        );
    }
}

//! IPA -> eSpeak's own phoneme mnemonics (its Kirshenbaum-like ASCII names,
//! as `espeak-ng -x` prints them), for `[[...]]` phoneme input. Only
//! symbols whose eSpeak English name is certain are mapped; anything else
//! is refused, so a pronunciation is never silently garbled.

/// Two-symbol IPA sequences that are one eSpeak phoneme.
const PAIRS: &[(&str, &str)] = &[
    ("eɪ", "eI"),
    ("aɪ", "aI"),
    ("aʊ", "aU"),
    ("ɔɪ", "OI"),
    ("oʊ", "oU"),
    ("əʊ", "oU"),
    ("ɪə", "i@"),
    ("ɛə", "e@"),
    ("ʊə", "U@"),
    ("tʃ", "tS"),
    ("dʒ", "dZ"),
];

fn single(c: char) -> Option<&'static str> {
    Some(match c {
        'i' => "i",
        'ɪ' => "I",
        'e' => "e",
        'ɛ' => "E",
        'æ' | 'a' => "a",
        'ɑ' => "A",
        'ɒ' => "0",
        'ɔ' => "O",
        'o' => "o",
        'ʌ' => "V",
        'ə' | 'ᵊ' => "@",
        'ɚ' | 'ɜ' => "3",
        'ɝ' => "3:",
        'ʊ' => "U",
        'u' => "u",
        'ɐ' => "a#",
        'ᵻ' => "I#",
        'p' => "p",
        'b' => "b",
        't' => "t",
        'd' => "d",
        'k' => "k",
        'f' => "f",
        'v' => "v",
        's' => "s",
        'z' => "z",
        'h' => "h",
        'm' => "m",
        'n' => "n",
        'l' => "l",
        'j' => "j",
        'w' => "w",
        'x' => "x",
        'g' | 'ɡ' => "g",
        'θ' => "T",
        'ð' => "D",
        'ʃ' => "S",
        'ʒ' => "Z",
        'ŋ' => "N",
        'ɫ' => "l",
        'r' | 'ɹ' => "r",
        'ʧ' => "tS",
        'ʤ' => "dZ",
        'ʔ' => "?",
        'ɾ' => "t#",
        'ʍ' => "w",
        'ˈ' | '\'' => "'",
        'ˌ' => ",",
        'ː' | ':' => ":",
        ' ' => " ",
        // Syllable breaks and tie bars have no eSpeak name; the syllabic
        // mark is eSpeak's `-` after the consonant.
        '.' | '\u{361}' | '\u{35c}' => "",
        '\u{329}' => "-",
        _ => return None,
    })
}

/// `ipa` as eSpeak mnemonics, or the first symbol without one.
pub fn from_ipa(ipa: &str) -> Result<String, String> {
    let chars: Vec<char> = ipa
        .trim()
        .chars()
        .filter(|&c| c != '\u{361}' && c != '\u{35c}')
        .collect();
    let mut out = String::new();
    let mut i = 0;
    while i < chars.len() {
        if let Some(&next) = chars.get(i + 1)
            && let Some((_, to)) = PAIRS.iter().find(|(from, _)| {
                let mut f = from.chars();
                f.next() == Some(chars[i]) && f.next() == Some(next)
            })
        {
            out.push_str(to);
            i += 2;
            continue;
        }
        let c = chars[i];
        match single(c) {
            Some(to) => out.push_str(to),
            None => {
                return Err(format!(
                    "`{c}` (U+{:04X}) has no eSpeak phoneme name pod knows",
                    c as u32
                ));
            }
        }
        i += 1;
    }
    if out.trim().is_empty() {
        return Err(format!("`{ipa}` has no phonemes"));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_ipa_to_espeak_names() {
        assert_eq!(from_ipa("ˈkiːpuː").unwrap(), "'ki:pu:");
        assert_eq!(from_ipa("ˈtʃɜːtʃ").unwrap(), "'tS3:tS");
        assert_eq!(from_ipa("d͡ʒæm").unwrap(), "dZam");
        assert_eq!(from_ipa("neɪm ɡoʊ").unwrap(), "neIm goU");
        assert_eq!(from_ipa("ˌʌndɪˈnaɪ").unwrap(), ",VndI'naI");
        assert_eq!(from_ipa("ˈθɪŋk ðə").unwrap(), "'TINk D@");
        assert_eq!(from_ipa("ˈbʌtn̩").unwrap(), "'bVtn-");
        assert_eq!(from_ipa("ˈbʌɾɚ").unwrap(), "'bVt#3");
    }

    #[test]
    fn unknown_symbols_are_refused() {
        let error = from_ipa("ɬan").unwrap_err();
        assert!(error.contains("`ɬ`"), "{error}");
        assert!(from_ipa("kˈipu]]").is_err(), "it would end the markup");
        assert!(from_ipa("  ").is_err());
    }
}

//! Text normalisation before tokenising, for readings the lexicon rules cannot
//! produce on their own: times, dates, units, temperatures, other currencies,
//! abbreviations and titles, roman numerals, phone numbers, fractions, ranges
//! and symbols. Plain numbers, ordinals, years, decimals, $/£/€ amounts and
//! percentages are left for the lexicon, as upstream. The word tables come
//! from the embedded `normalize.json`.
//!
//! Beyond upstream, for the talks and shows about software pod is made for:
//! web addresses are read as people say them (`https://pod.dev/docs/` is
//! "pod dot dev slash docs"), and version numbers and IP addresses digit
//! group by digit group (`v2.3.1` is "version 2 point 3 point 1").

use std::collections::HashMap;

use fancy_regex::Regex;
use serde_json::Value;

use super::data;
use super::numbers;

use super::pyregex::compile;

/// An alternation of literal words, longest first (stable for equal lengths).
fn alternation<'a>(words: impl IntoIterator<Item = &'a str>) -> String {
    let mut words: Vec<&str> = words.into_iter().collect();
    words.sort_by_key(|w| std::cmp::Reverse(w.chars().count()));
    words
        .iter()
        .map(|w| fancy_regex::escape(w).into_owned())
        .collect::<Vec<_>>()
        .join("|")
}

fn string_map(v: &Value) -> Vec<(String, String)> {
    v.as_object()
        .expect("a normaliser table is an object")
        .iter()
        .map(|(k, v)| {
            (
                k.clone(),
                v.as_str().expect("a table value is text").to_string(),
            )
        })
        .collect()
}

fn pair_map(v: &Value) -> HashMap<String, [String; 2]> {
    v.as_object()
        .expect("a normaliser table is an object")
        .iter()
        .map(|(k, v)| {
            let word = |i: usize| v[i].as_str().expect("a singular/plural pair").to_string();
            (k.clone(), [word(0), word(1)])
        })
        .collect()
}

fn string_list(v: &Value) -> Vec<String> {
    v.as_array()
        .expect("a normaliser list")
        .iter()
        .map(|s| s.as_str().expect("a list entry is text").to_string())
        .collect()
}

type Captures<'t> = fancy_regex::Captures<'t, str>;

const NUM: &str = r"\d+(?:,\d{3})*(?:\.\d+)?";
/// Top-level domains a bare address (no `https://`) is recognised by, in
/// lower case only (so `bed.So` with a space missing stays two words): the
/// tokeniser's list plus ones common in software.
const TLDS: &str = "com|org|net|edu|gov|io|co|uk|de|fr|info|biz|us|ca|au|tv|me|ly|ai|dev|app|fm";
/// A web address's path: segments of word characters, dots inside only (a
/// sentence's full stop after it is not part of it), and a final slash.
const URL_PATH: &str = r"((?:/[\w\-~%+]+(?:\.[\w\-~%+]+)*)*/?)";
const ROMAN_NUMERAL: &str =
    r"((?=[IVXLC])M{0,3}(?:CM|CD|D?C{0,3})(?:XC|XL|L?X{0,3})(?:IX|IV|V?I{0,3}))";

/// Tables keep the JSON file's order (serde_json's `preserve_order`): it
/// decides which of two equally long alternatives wins and the order symbols
/// are replaced in, as in upstream's dicts.
pub struct Normalizer {
    months: HashMap<String, String>,
    month_names: Vec<String>,
    titles: HashMap<String, String>,
    abbreviations: HashMap<String, String>,
    units: HashMap<String, [String; 2]>,
    symbols: Vec<(String, Regex, String)>,
    currency: HashMap<String, [String; 2]>,
    whitespace: Regex,
    time: Regex,
    date_us: Regex,
    date_iso: Regex,
    month_day: Regex,
    day_month: Regex,
    unit: Regex,
    degrees: Regex,
    cents: Regex,
    other_currency: Regex,
    big_money: Regex,
    title: Regex,
    abbreviation: Regex,
    number_abbrev: Regex,
    hash_number: Regex,
    roman_cardinal: Regex,
    roman_ordinal: Regex,
    phone: Regex,
    range: Regex,
    fraction: Regex,
    plus: Regex,
    space_before_punct: Regex,
    scheme_url: Regex,
    bare_url: Regex,
    dotted_numbers: Regex,
}

/// "1" and "1.0" take the singular.
fn plural<'a>(number: &str, words: &'a [String; 2]) -> &'a str {
    if matches!(number.replace(',', "").as_str(), "1" | "1.0" | "-1") {
        &words[0]
    } else {
        &words[1]
    }
}

fn roman_value(s: &str) -> i128 {
    let value = |c: char| match c {
        'I' => 1,
        'V' => 5,
        'X' => 10,
        'L' => 50,
        'C' => 100,
        'D' => 500,
        _ => 1000,
    };
    let chars: Vec<char> = s.chars().collect();
    let mut total = 0;
    for (i, &c) in chars.iter().enumerate() {
        let v = value(c);
        total += if chars.get(i + 1).is_some_and(|&n| value(n) > v) {
            -v
        } else {
            v
        };
    }
    total
}

fn scale_word(big: &str) -> String {
    match big.to_lowercase().as_str() {
        "k" => "thousand".into(),
        "m" => "million".into(),
        "b" => "billion".into(),
        _ => big.to_string(),
    }
}

fn group<'t>(caps: &Captures<'t>, i: usize) -> &'t str {
    caps.get(i).map_or("", |m| m.as_str())
}

impl Normalizer {
    pub fn new() -> Normalizer {
        let t = data::normalize_tables();
        let months: HashMap<String, String> = string_map(&t["months"]).into_iter().collect();
        let month_names: Vec<String> = string_map(&t["months"])
            .into_iter()
            .map(|(_, v)| v)
            .collect();
        let titles = string_map(&t["titles"]);
        let abbreviations = string_map(&t["abbreviations"]);
        let units_list: Vec<String> = t["units"]
            .as_object()
            .expect("units")
            .keys()
            .cloned()
            .collect();
        let units = pair_map(&t["units"]);
        let currency = pair_map(&t["currency"]);
        let roman_cardinal = string_list(&t["roman_cardinal"]);
        let roman_ordinal = string_list(&t["roman_ordinal"]);

        let capitalized_keys: Vec<String> = string_map(&t["months"])
            .into_iter()
            .map(|(k, _)| super::pystr::capitalize(&k))
            .collect();
        let month_words = month_names
            .iter()
            .chain(capitalized_keys.iter())
            .map(String::as_str)
            .chain(["Sept"]);
        let months_alt = alternation(month_words);

        let symbols = string_map(&t["symbols"])
            .into_iter()
            .map(|(sym, word)| {
                let escaped = fancy_regex::escape(&sym).into_owned();
                // Comparison signs and the tilde only between two words.
                let pattern = if "=<>~".contains(sym.as_str()) {
                    format!(r"(?<=\S) ?{escaped} ?(?=\S)")
                } else {
                    escaped
                };
                let replacement = if word.is_empty() {
                    " ".to_string()
                } else {
                    format!(" {word} ")
                };
                (sym, compile(&pattern), replacement)
            })
            .collect();

        Normalizer {
            whitespace: compile(r"\s+"),
            time: compile(
                r"\b(\d{1,2}):(\d{2})(?::(\d{2}))?(?:\s?([AaPp])\.?[Mm]\.?(?![A-Za-z]))?(?!\d)",
            ),
            date_us: compile(r"\b(\d{1,2})/(\d{1,2})/(\d{4}|\d{2})\b"),
            date_iso: compile(r"\b(\d{4})-(\d{2})-(\d{2})\b"),
            month_day: compile(&format!(
                r"\b({months_alt})\.? (\d{{1,2}})(?:st|nd|rd|th)?\b(?![\d:%])(,? \d{{4}}\b)?"
            )),
            day_month: compile(&format!(
                r"\b(the )?(\d{{1,2}}) (?:of )?({months_alt})\b\.?"
            )),
            unit: compile(&format!(
                r"(?<![\w.])(-?{NUM})\s?({})(?![\w])",
                alternation(units_list.iter().map(String::as_str))
            )),
            degrees: compile(&format!(r"(?<![\w.])(-?{NUM})\s?°\s?([CF])?(?![\w])")),
            cents: compile(&format!(r"(?<![\w.])({NUM})\s?¢")),
            other_currency: compile(&format!(
                r"(?<![\w])([¥₹₩]|Rs\.?|USD|EUR|GBP)\s?({NUM})(?:\s?(hundred|thousand|million|billion|trillion|[kKmMbB]\b))?"
            )),
            big_money: compile(&format!(
                r"([$£€])({NUM})\s?(hundred|thousand|million|billion|trillion|[kKmMbB]\b)"
            )),
            title: compile(&format!(
                r"\b({})\.? (?=[A-Z])",
                alternation(titles.iter().map(|(k, _)| k.as_str()))
            )),
            abbreviation: compile(&format!(
                r"(?<![\w.])({})(?![\w])",
                alternation(abbreviations.iter().map(|(k, _)| k.as_str()))
            )),
            number_abbrev: compile(r"\b(No|Nos)\. ?(?=\d)"),
            hash_number: compile(r"(?<![\w&])#(?=\d)"),
            roman_cardinal: compile(&format!(
                r"\b({}) {ROMAN_NUMERAL}\b(?![.'’]\w)",
                alternation(roman_cardinal.iter().map(String::as_str))
            )),
            roman_ordinal: compile(&format!(
                r"\b({}) {ROMAN_NUMERAL}\b(?![.'’]\w)",
                alternation(roman_ordinal.iter().map(String::as_str))
            )),
            phone: compile(r"(?<![\w.\-])(?:\d{3}-)?\d{3}-\d{4}(?![\w.\-])"),
            range: compile(r"(?<![\w.\-])(\d{1,4})\s?[-–]\s?(\d{1,4})(?![\w.\-%])"),
            fraction: compile(r"(?<![\w./])(\d{1,2})/(\d{1,2})(?![\w./])"),
            plus: compile(r"(?<![\w+])\+(?=\d)"),
            space_before_punct: compile(r" +([,.;:!?])"),
            scheme_url: compile(&format!(
                r"(?i)\b(?:https?|ftp)://(www\.)?([a-z0-9-]+(?:\.[a-z0-9-]+)*)(?::(\d+))?{URL_PATH}"
            )),
            bare_url: compile(&format!(
                r"(?<![@\w.\-/])([Ww]{{3}}\.)?((?:[A-Za-z0-9-]+\.)+(?:{TLDS}))(?::(\d+))?{URL_PATH}(?![\w@])"
            )),
            dotted_numbers: compile(r"(?<![\w.$£€¥])([vV])?(\d+(?:\.\d+){2,})(?!\w|\.\d)"),
            months,
            month_names,
            titles: titles.into_iter().collect(),
            abbreviations: abbreviations.into_iter().collect(),
            units,
            symbols,
            currency,
        }
    }

    fn month<'a>(&'a self, word: &'a str) -> &'a str {
        let key: String = word.to_lowercase().chars().take(3).collect();
        self.months.get(&key).map_or(word, String::as_str)
    }

    fn date(&self, year: Option<&str>, month: i128, day: i128) -> Option<String> {
        if !(1..=12).contains(&month) || !(1..=31).contains(&day) {
            return None;
        }
        let mut s = format!(
            "{} {}",
            self.month_names[(month - 1) as usize],
            numbers::ordinal(day)
        );
        if let Some(y) = year {
            s.push_str(&format!(", {y}"));
        }
        Some(s)
    }

    fn time(caps: &Captures, text: &str) -> String {
        let whole = caps.get(0).expect("a match");
        let (h, mi, sec, ap) = (group(caps, 1), group(caps, 2), caps.get(3), caps.get(4));
        let (h, mi): (i128, i128) = (h.parse().unwrap_or(0), mi.parse().unwrap_or(0));
        let sec: Option<i128> = sec.map(|s| s.as_str().parse().unwrap_or(0));
        if h > 24 || mi > 59 || sec.is_some_and(|s| s > 59) {
            return whole.as_str().to_string();
        }
        let mut words = numbers::cardinal(h);
        if mi == 0 {
            if ap.is_none() && sec.is_none() {
                words.push_str(" o'clock");
            }
        } else if mi < 10 {
            words.push_str(&format!(" oh {}", numbers::cardinal(mi)));
        } else {
            words.push_str(&format!(" {}", numbers::cardinal(mi)));
        }
        if let Some(s) = sec {
            let unit = if s == 1 { "second" } else { "seconds" };
            words.push_str(&format!(" and {} {unit}", numbers::cardinal(s)));
        }
        if let Some(ap) = ap {
            // Dotted ("P.M.") so the lexicon spells the letters.
            let dot = if text[whole.end()..].starts_with('.') {
                ""
            } else {
                "."
            };
            words.push_str(&format!(" {}.M{dot}", ap.as_str().to_uppercase()));
        }
        words
    }

    fn fraction(&self, caps: &Captures) -> String {
        let (a, b): (i128, i128) = (
            group(caps, 1).parse().unwrap_or(0),
            group(caps, 2).parse().unwrap_or(0),
        );
        if 0 < a && a < b && b <= 10 {
            let unit = [
                "", "", "half", "third", "quarter", "fifth", "sixth", "seventh", "eighth", "ninth",
                "tenth",
            ][b as usize];
            if unit == "half" {
                return if a == 1 {
                    "one half".into()
                } else {
                    format!("{a} halves")
                };
            }
            return format!("{a} {unit}{}", if a == 1 { "" } else { "s" });
        }
        if (1..=12).contains(&a) && (1..=31).contains(&b) {
            return self.date(None, a, b).unwrap_or_default();
        }
        format!("{a} slash {b}")
    }

    /// A web address as said: `www.` spelled, dots and slashes as words,
    /// the scheme not at all, and words in a path apart.
    fn web_address(caps: &Captures) -> String {
        let mut words = Vec::new();
        if caps.get(1).is_some() {
            words.push("W W W dot".to_string());
        }
        words.push(group(caps, 2).split('.').collect::<Vec<_>>().join(" dot "));
        if let Some(port) = caps.get(3) {
            words.push(format!("colon {}", port.as_str()));
        }
        for segment in group(caps, 4).split('/').filter(|s| !s.is_empty()) {
            let segment = segment.replace('.', " dot ").replace(['-', '_', '+'], " ");
            words.push(format!("slash {segment}"));
        }
        words.join(" ")
    }

    /// `2.3.1` as "2 point 3 point 1", `v2.3.1` as "version …", and an IP
    /// address (four groups up to 255) with "dot".
    fn dotted_numbers(caps: &Captures) -> String {
        let groups: Vec<&str> = group(caps, 2).split('.').collect();
        let ip = groups.len() == 4
            && groups
                .iter()
                .all(|g| g.len() <= 3 && g.parse::<u32>().is_ok_and(|n| n <= 255));
        let joined = groups.join(if ip { " dot " } else { " point " });
        if caps.get(1).is_some() {
            format!("version {joined}")
        } else {
            joined
        }
    }

    pub fn normalize(&self, text: &str) -> String {
        let text = self.whitespace.replace_all(text, " ");
        let text = text.trim();
        if text.is_empty() {
            return String::new();
        }
        let mut text = text
            .replace('\u{a0}', " ")
            .replace('’', "'")
            .replace('‒', "-")
            .replace('―', "—");
        let sub = |re: &Regex, text: &str, f: &dyn Fn(&Captures) -> String| -> String {
            re.replace_all(text, |caps: &Captures| f(caps)).into_owned()
        };
        // First: an address or a version holds digits and dots the rules
        // below would read otherwise.
        text = sub(&self.scheme_url, &text, &Self::web_address);
        text = sub(&self.bare_url, &text, &Self::web_address);
        text = sub(&self.dotted_numbers, &text, &Self::dotted_numbers);
        let snapshot = text.clone();
        text = sub(&self.time, &text, &|c| Self::time(c, &snapshot));
        text = sub(&self.date_iso, &text, &|c| {
            let (mo, d) = (
                group(c, 2).parse().unwrap_or(0),
                group(c, 3).parse().unwrap_or(0),
            );
            self.date(Some(group(c, 1)), mo, d)
                .unwrap_or_else(|| group(c, 0).to_string())
        });
        text = sub(&self.date_us, &text, &|c| {
            let (a, b): (i128, i128) = (
                group(c, 1).parse().unwrap_or(0),
                group(c, 2).parse().unwrap_or(0),
            );
            let y = group(c, 3);
            let year = if y.len() == 2 {
                format!(
                    "{}{y}",
                    if y.parse::<i32>().unwrap_or(0) > 30 {
                        "19"
                    } else {
                        "20"
                    }
                )
            } else {
                y.to_string()
            };
            let (mo, d) = if a <= 12 { (a, b) } else { (b, a) };
            self.date(Some(&year), mo, d)
                .unwrap_or_else(|| group(c, 0).to_string())
        });
        text = sub(&self.big_money, &text, &|c| {
            format!(
                "{} {} {}",
                group(c, 2),
                scale_word(group(c, 3)),
                self.currency[group(c, 1)][1]
            )
        });
        text = sub(&self.cents, &text, &|c| {
            format!(
                "{} {}",
                group(c, 1),
                plural(group(c, 1), &self.currency["¢"])
            )
        });
        text = sub(&self.other_currency, &text, &|c| {
            let words = &self.currency[group(c, 1).trim_end_matches('.')];
            let n = group(c, 2);
            match c.get(3) {
                Some(big) => format!("{n} {} {}", scale_word(big.as_str()), words[1]),
                None => format!("{n} {}", plural(n, words)),
            }
        });
        text = sub(&self.degrees, &text, &|c| {
            let n = group(c, 1);
            let unit = if matches!(n.replace(',', "").as_str(), "1" | "1.0" | "-1") {
                "degree"
            } else {
                "degrees"
            };
            let scale = match group(c, 2) {
                "C" => " Celsius",
                "F" => " Fahrenheit",
                _ => "",
            };
            format!("{n} {unit}{scale}")
        });
        text = sub(&self.unit, &text, &|c| {
            let n = group(c, 1);
            format!("{n} {}", plural(n, &self.units[group(c, 2)]))
        });
        text = sub(&self.month_day, &text, &|c| {
            let day: i128 = group(c, 2).parse().unwrap_or(0);
            if !(1..=31).contains(&day) {
                return group(c, 0).to_string();
            }
            format!(
                "{} {}{}",
                self.month(group(c, 1)),
                numbers::ordinal(day),
                group(c, 3)
            )
        });
        text = sub(&self.day_month, &text, &|c| {
            let day: i128 = group(c, 2).parse().unwrap_or(0);
            if !(1..=31).contains(&day) {
                return group(c, 0).to_string();
            }
            format!(
                "the {} of {}",
                numbers::ordinal(day),
                self.month(group(c, 3))
            )
        });
        text = sub(&self.title, &text, &|c| {
            format!("{} ", self.titles[group(c, 1)])
        });
        let snapshot = text.clone();
        text = sub(&self.abbreviation, &text, &|c| {
            let key = group(c, 1);
            let at_end = c.get(0).expect("a match").end() == snapshot.len();
            let dot = if at_end && key.ends_with('.') {
                "."
            } else {
                ""
            };
            format!("{}{dot}", self.abbreviations[key])
        });
        text = sub(&self.number_abbrev, &text, &|c| {
            if group(c, 1) == "No" {
                "Number ".into()
            } else {
                "Numbers ".into()
            }
        });
        text = sub(&self.hash_number, &text, &|_| "number ".into());
        text = sub(&self.roman_cardinal, &text, &|c| {
            format!("{} {}", group(c, 1), roman_value(group(c, 2)))
        });
        text = sub(&self.roman_ordinal, &text, &|c| {
            format!(
                "{} the {}",
                group(c, 1),
                numbers::ordinal(roman_value(group(c, 2)))
            )
        });
        text = sub(&self.phone, &text, &|c| {
            // Digits one by one, with a pause where the dashes were.
            let spaced: Vec<String> = group(c, 0)
                .replace('-', ", ")
                .chars()
                .map(String::from)
                .collect();
            spaced.join(" ")
        });
        text = sub(&self.fraction, &text, &|c| self.fraction(c));
        text = sub(&self.range, &text, &|c| {
            format!("{} to {}", group(c, 1), group(c, 2))
        });
        text = sub(&self.plus, &text, &|_| "plus ".into());
        for (sym, re, word) in &self.symbols {
            if text.contains(sym.as_str()) {
                text = sub(re, &text, &|_| word.clone());
            }
        }
        let text = self.whitespace.replace_all(&text, " ");
        let text = self.space_before_punct.replace_all(&text, "$1");
        text.trim().to_string()
    }
}

impl Default for Normalizer {
    fn default() -> Self {
        Normalizer::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn readings_before_the_lexicon() {
        let n = Normalizer::new();
        assert_eq!(
            n.normalize("at 7:30 p.m. sharp"),
            "at seven thirty P.M. sharp"
        );
        assert_eq!(n.normalize("on 10/12/2019"), "on October twelfth, 2019");
        assert_eq!(
            n.normalize("Dr. Smith lives on Elm St."),
            "Dr Smith lives on Elm Street."
        );
        assert_eq!(n.normalize("It weighs 5kg"), "It weighs 5 kilograms");
        assert_eq!(n.normalize("King Henry VIII"), "King Henry the eighth");
        assert_eq!(n.normalize("Call 555-1234"), "Call 5 5 5, 1 2 3 4");
        assert_eq!(n.normalize("pages 2-3"), "pages 2 to 3");
        assert_eq!(n.normalize("$3.2 billion"), "3.2 billion dollars");
        assert_eq!(n.normalize("Jan. 5th, 2019"), "January fifth, 2019");
    }

    #[test]
    fn web_addresses_versions_and_ip_addresses() {
        let n = Normalizer::new();
        for (text, said) in [
            (
                "See https://example.com/docs/getting-started.",
                "See example dot com slash docs slash getting started.",
            ),
            (
                "Visit www.pod.dev/ today",
                "Visit W W W dot pod dot dev today",
            ),
            (
                "Open http://localhost:8080/index.html now",
                "Open localhost colon 8080 slash index dot html now",
            ),
            ("It is on GitHub.com.", "It is on GitHub dot com."),
            // An email's domain is the tokeniser's: left whole.
            ("Write to hello@example.com.", "Write to hello@example.com."),
            // Not a domain: a name with a dot, a word and its sentence's end.
            ("Use Node.js here.", "Use Node.js here."),
            ("the end.Then", "the end.Then"),
            ("I went to bed.So it goes.", "I went to bed.So it goes."),
            (
                "Version 2.3.1 fixes it.",
                "Version 2 point 3 point 1 fixes it.",
            ),
            (
                "Update to v10.0.2.",
                "Update to version 10 point 0 point 2.",
            ),
            (
                "Ping 192.168.0.1 first",
                "Ping 192 dot 168 dot 0 dot 1 first",
            ),
            // Two groups are a decimal, for the lexicon.
            ("It grew 3.5 times", "It grew 3.5 times"),
        ] {
            assert_eq!(n.normalize(text), said, "{text}");
        }
    }
}

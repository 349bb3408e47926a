//! Word tokenizer with spaCy's English rules, as hibari applies them: a table
//! of special cases (contractions, "Mr.", "10am"), then prefixes and suffixes
//! peeled off each whitespace-separated chunk, then infixes (hyphens,
//! slashes) splitting what is left, and finally adjacent pieces that spell a
//! special case joined back ("Sept" "." -> "Sept.").

use std::collections::HashMap;

use fancy_regex::Regex;

use super::data;

const LOWER: &str = "a-zß-öø-ÿ";
const UPPER: &str = "A-ZÀ-ÖØ-Þ";
const QUOTES: &str = "'\"”“`‘´’‚,„»«「」『』（）〔〕【】《》〈〉";
const PUNCT: &str = "…,:;!?¿¡()[]{}<>_#*&。？！，、；：～·";
const ICONS: &str = "™®©°§¶†‡•";
const CURRENCY: &str = r"\$|£|€|¥|฿|US\$|C\$|A\$|₽|₹|₩|₪|₺|₴|₦|₫|₱|₲|₵|₸|₼|₾|₿";
const UNITS: &str = r"km|km²|km³|m|m²|m³|dm|dm²|dm³|cm|cm²|cm³|mm|mm²|mm³|ha|µm|nm|yd|in|ft|kg|g|mg|µg|t|lb|oz|m/s|km/h|kmh|mph|hPa|Pa|mbar|mb|MB|kb|KB|gb|GB|tb|TB|T|G|M|K|%";

fn escape(s: &str) -> String {
    fancy_regex::escape(s).into_owned()
}

fn each_escaped(chars: &str) -> Vec<String> {
    chars.chars().map(|c| escape(&c.to_string())).collect()
}

use super::pyregex::compile;

pub struct Tokenizer {
    special: HashMap<String, Vec<String>>,
    prefix: Regex,
    suffix: Regex,
    infix: Regex,
    url: Regex,
}

/// A token's text and whether whitespace followed it.
pub type Piece = (String, bool);

impl Tokenizer {
    pub fn new() -> Tokenizer {
        let exceptions = data::tokenizer_exceptions();
        let special = exceptions
            .as_object()
            .expect("tokenizer exceptions are an object")
            .iter()
            .map(|(k, v)| {
                let parts = v
                    .as_array()
                    .expect("a special case is a list")
                    .iter()
                    .map(|p| {
                        p.as_str()
                            .expect("a special case piece is text")
                            .to_string()
                    })
                    .collect();
                (k.clone(), parts)
            })
            .collect();
        let punct = each_escaped(PUNCT);
        let quotes = each_escaped(QUOTES);
        let icons = format!("[{}]", escape(ICONS));
        let (punct_class, quote_class) = (escape(PUNCT), escape(QUOTES));

        let mut prefixes: Vec<String> = ["§", "%", "=", "—", "–", r"\+(?![0-9])", "…", "……"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        prefixes.extend(punct.iter().cloned());
        prefixes.extend([r"\.\.+".to_string(), "…".to_string()]);
        prefixes.extend(quotes.iter().cloned());
        prefixes.push(CURRENCY.to_string());
        prefixes.push(icons.clone());

        let mut suffixes: Vec<String> = vec!["…".into(), "……".into()];
        suffixes.extend(punct.iter().cloned());
        suffixes.extend([r"\.\.+".to_string(), "…".to_string()]);
        suffixes.extend(quotes.iter().cloned());
        suffixes.push(icons.clone());
        suffixes.extend(["'s", "'S", "’s", "’S", "—", "–"].map(String::from));
        suffixes.extend([
            r"(?<=[0-9])\+".to_string(),
            r"(?<=°[FfCcKk])\.".to_string(),
            format!(r"(?<=[0-9])(?:{CURRENCY})"),
            format!(r"(?<=[0-9])(?:{UNITS})"),
            format!(r"(?<=[0-9{LOWER}%²\-\+{punct_class}{quote_class}])\."),
            format!(r"(?<=[{UPPER}][{UPPER}])\."),
        ]);

        let infixes = [
            r"\.\.+".to_string(),
            "…".to_string(),
            icons,
            r"(?<=[0-9])[+\-\*^](?=[0-9-])".to_string(),
            format!(r"(?<=[{LOWER}{quote_class}])\.(?=[{UPPER}{quote_class}])"),
            r"(?<=[^\W\d_]),(?=[^\W\d_])".to_string(),
            r"(?<=[^\W_])(?:-|–|—|--|---|——|~)(?=[^\W\d_])".to_string(),
            r"(?<=[^\W_])[:<>=/](?=[^\W\d_])".to_string(),
        ];

        let prefix = prefixes
            .iter()
            .map(|p| format!("^(?:{p})"))
            .collect::<Vec<_>>()
            .join("|");
        let suffix = suffixes
            .iter()
            .map(|s| format!("(?:{s})$"))
            .collect::<Vec<_>>()
            .join("|");
        let infix = infixes
            .iter()
            .map(|i| format!("(?:{i})"))
            .collect::<Vec<_>>()
            .join("|");
        Tokenizer {
            special,
            prefix: compile(&prefix),
            suffix: compile(&suffix),
            infix: compile(&infix),
            url: compile(concat!(
                r"(?i)^(?:(?:https?|ftp)://|www\.)\S+$|^[\w.+-]+@[\w-]+(?:\.[\w-]+)+$",
                r"|^(?:[\w-]+\.)+(?:com|org|net|edu|gov|io|co|uk|de|fr|info|biz|us|ca|au|tv|me|ly|ai)(?:/\S*)?$"
            )),
        }
    }

    /// Splits `text` into tokens, each with whether whitespace followed it.
    pub fn tokenize(&self, text: &str) -> Vec<Piece> {
        let mut out = Vec::new();
        let mut chunks = text.split_whitespace().peekable();
        let trailing_space = text.ends_with(char::is_whitespace);
        while let Some(chunk) = chunks.next() {
            let pieces = self.split(chunk);
            let followed = chunks.peek().is_some() || trailing_space;
            let n = pieces.len();
            for (i, piece) in pieces.into_iter().enumerate() {
                out.push((piece, i + 1 == n && followed));
            }
        }
        out
    }

    fn find_end(re: &Regex, s: &str) -> Option<(usize, usize)> {
        re.find(s).ok().flatten().map(|m| (m.start(), m.end()))
    }

    fn split(&self, chunk: &str) -> Vec<String> {
        if let Some(parts) = self.special.get(chunk) {
            return parts.clone();
        }
        let mut s = chunk;
        let (mut pre, mut suf): (Vec<&str>, Vec<&str>) = (Vec::new(), Vec::new());
        let mut last = usize::MAX;
        while !s.is_empty() && s.len() != last && !self.special.contains_key(s) {
            last = s.len();
            let pre_len = Self::find_end(&self.prefix, s).map_or(0, |(_, end)| end);
            if pre_len > 0 {
                let rest = &s[pre_len..];
                if !rest.is_empty() && self.special.contains_key(rest) {
                    pre.push(&s[..pre_len]);
                    s = rest;
                    break;
                }
            }
            let suf_len = Self::find_end(&self.suffix, &s[pre_len..]).map_or(0, |(a, b)| b - a);
            if suf_len > 0 {
                let rest = &s[..s.len() - suf_len];
                if !rest.is_empty() && self.special.contains_key(rest) {
                    suf.push(&s[s.len() - suf_len..]);
                    s = rest;
                    break;
                }
            }
            if pre_len > 0 && suf_len > 0 && pre_len + suf_len <= s.len() {
                pre.push(&s[..pre_len]);
                suf.push(&s[s.len() - suf_len..]);
                s = &s[pre_len..s.len() - suf_len];
            } else if pre_len > 0 {
                pre.push(&s[..pre_len]);
                s = &s[pre_len..];
            } else if suf_len > 0 {
                suf.push(&s[s.len() - suf_len..]);
                s = &s[..s.len() - suf_len];
            }
        }
        let mut toks: Vec<String> = pre.into_iter().map(String::from).collect();
        if !s.is_empty() {
            if let Some(parts) = self.special.get(s) {
                toks.extend(parts.iter().cloned());
            } else if self.url.is_match(s).unwrap_or(false) {
                toks.push(s.to_string());
            } else {
                let mut start = 0;
                for m in self.infix.find_iter(s).flatten() {
                    if m.start() == 0 || m.start() == m.end() {
                        continue;
                    }
                    if m.start() > start {
                        toks.push(s[start..m.start()].to_string());
                    }
                    toks.push(m.as_str().to_string());
                    start = m.end();
                }
                if start < s.len() {
                    toks.push(s[start..].to_string());
                }
            }
        }
        toks.extend(suf.into_iter().rev().map(String::from));
        if toks.len() > 1 {
            self.rejoin(toks)
        } else {
            toks
        }
    }

    /// Joins runs of two or three pieces that together are a special case.
    fn rejoin(&self, toks: Vec<String>) -> Vec<String> {
        let mut out = Vec::new();
        let mut i = 0;
        'outer: while i < toks.len() {
            for k in [3, 2] {
                if i + k <= toks.len() {
                    let joined: String = toks[i..i + k].concat();
                    if let Some(parts) = self.special.get(&joined) {
                        out.extend(parts.iter().cloned());
                        i += k;
                        continue 'outer;
                    }
                }
            }
            out.push(toks[i].clone());
            i += 1;
        }
        out
    }
}

impl Default for Tokenizer {
    fn default() -> Self {
        Tokenizer::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(t: &Tokenizer, s: &str) -> Vec<String> {
        t.tokenize(s).into_iter().map(|(w, _)| w).collect()
    }

    #[test]
    fn splits_like_spacy() {
        let t = Tokenizer::new();
        assert_eq!(texts(&t, "Don't stop!"), ["Do", "n't", "stop", "!"]);
        assert_eq!(texts(&t, "($4.75)"), ["(", "$", "4.75", ")"]);
        assert_eq!(
            texts(&t, "well-known U.S. results."),
            ["well", "-", "known", "U.S.", "results", "."]
        );
        assert_eq!(texts(&t, "at 10am"), ["at", "10", "am"]);
        assert_eq!(texts(&t, "12.5%"), ["12.5", "%"]);
        let ws: Vec<bool> = t.tokenize("Hi, you.").into_iter().map(|(_, w)| w).collect();
        assert_eq!(ws, [false, true, false, false]);
    }
}
